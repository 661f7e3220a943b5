/*
 * test_quota.c: every per-domain quota against unprivileged domains, with
 * small limits configured: nodes, watches, transactions, transaction-nodes,
 * node-permissions, path-max, node-size, memory and outstanding requests.
 * Privileged connections are exempt (xenstored's domain_is_unprivileged()
 * checks, tools/xenstored/domain.c); violations are ENOSPC, except path-max
 * which makes the path invalid (EINVAL, canonicalize()).
 *
 * Exact boundaries differ between xenstored versions (REFERENCE §7.1), so
 * limits are probed from well below and well above.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xs_wire.h>

#include "backends/store/conn.h"
#include "backends/store/store.h"
#include "tests/unit/check.h"
#include "tests/unit/domkit.h"
#include "tests/unit/fakeconn.h"

CHECK_MAIN_DEFS;

#define R(f, type, ...)      fake_req(f, type, 0, __VA_ARGS__, NULL)
#define RT(f, tx, type, ...) fake_req(f, type, tx, __VA_ARGS__, NULL)

/* A store with quota q set to val (QUOTA_COUNT: all defaults). */
static struct store *mkstore(enum quota_id q, unsigned val)
{
	struct store_config cfg;

	store_config_defaults(&cfg);
	if (q < QUOTA_COUNT)
		cfg.hard.val[q] = val;
	return store_new(&cfg, NULL);
}

static bool is_ok(const char *reply)
{
	size_t l = strlen(reply);

	return l > 4 && strcmp(reply + l - 4, ":OK|") == 0;
}

/* Replies to a series of requests that eat into one quota: OKs until
 * the first refusal, ENOSPC from then on. */
struct probe {
	int ok;         /* OKs before the first failure */
	int first_fail; /* index of the first failure, -1 if none */
	bool monotonic; /* no OK after a failure */
	bool only_enospc;
};

static void probe_add(struct probe *p, int i, const char *reply)
{
	if (is_ok(reply)) {
		if (p->first_fail >= 0)
			p->monotonic = false;
		else
			p->ok++;
		return;
	}
	if (strcmp(reply, "ERROR:ENOSPC|") != 0) {
		p->only_enospc = false;
		fprintf(stderr, "  unexpected reply %s\n", reply);
	}
	if (p->first_fail < 0)
		p->first_fail = i;
}

static void probe_init(struct probe *p)
{
	p->ok = 0;
	p->first_fail = -1;
	p->monotonic = true;
	p->only_enospc = true;
}

static void check_ctl(struct fake *d0)
{
	CHECK_STR(R(d0, XS_CONTROL, "check"), "CONTROL:OK|");
}

static void test_nodes(void)
{
	struct store *st = mkstore(QUOTA_NODES, 8);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	struct fake *d6 = fake_new(st, 6, false);
	struct probe p;
	char path[64];
	long used;
	int i;

	home(d0, 5);
	home(d0, 6);
	probe_init(&p);
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "data/n%d", i);
		probe_add(&p, i, R(d5, XS_WRITE, path, "v"));
	}
	CHECK(p.ok >= 4);
	CHECK(p.first_fail >= 0 && p.first_fail < 10);
	CHECK(p.monotonic && p.only_enospc);
	used = usage(d0, 5, "nodes");
	CHECK(used >= 6 && used <= 8);
	/* Refused writes left nothing behind. */
	snprintf(path, sizeof(path), "data/n%d", p.first_fail);
	CHECK_STR(R(d5, XS_READ, path), "ERROR:ENOENT|");
	CHECK_STR(R(d5, XS_MKDIR, "data/deep/er/still"), "ERROR:ENOSPC|");
	CHECK_STR(R(d5, XS_READ, "data/deep"), "ERROR:ENOENT|");
	/* Other domains have their own count. */
	CHECK_STR(R(d6, XS_WRITE, "data/a", "1"), "WRITE:OK|");
	CHECK_STR(R(d6, XS_WRITE, "data/b", "1"), "WRITE:OK|");
	/* The privileged domain is exempt, even for nodes owned by 5. */
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "/local/domain/0/many/n%d", i);
		CHECK_STR(R(d0, XS_WRITE, path, "v"), "WRITE:OK|");
	}
	CHECK_STR(R(d0, XS_WRITE, "/local/domain/5/data/by-dom0", "v"),
		  "WRITE:OK|");
	CHECK_STR(R(d0, XS_RM, "/local/domain/5/data/by-dom0"), "RM:OK|");
	/* Removing nodes gives room back. */
	CHECK_STR(R(d5, XS_RM, "data/n0"), "RM:OK|");
	CHECK_STR(R(d5, XS_RM, "data/n1"), "RM:OK|");
	CHECK_STR(R(d5, XS_WRITE, "data/again", "v"), "WRITE:OK|");
	CHECK_INT(usage(d0, 5, "nodes"), used - 1);
	/* A transaction cannot go over it either. */
	{
		uint32_t t = fake_tx_start(d5);
		int fails = 0;

		CHECK(t != 0);
		for (i = 0; i < 6; i++) {
			snprintf(path, sizeof(path), "data/t%d", i);
			fails += !is_ok(RT(d5, t, XS_WRITE, path, "v"));
		}
		if (is_ok(RT(d5, t, XS_TRANSACTION_END, "T")))
			CHECK(fails > 0);
		CHECK(usage(d0, 5, "nodes") <= 8);
	}
	check_ctl(d0);
	fake_free(d6);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

static void test_nodes_unlimited(void)
{
	struct store *st = mkstore(QUOTA_NODES, 0);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	char path[64];
	int i, ok = 0;

	home(d0, 5);
	/* Spread out, so no directory hits the node-size quota. */
	for (i = 0; i < 1100; i++) {
		snprintf(path, sizeof(path), "data/d%d/n%d", i / 100, i % 100);
		ok += is_ok(R(d5, XS_WRITE, path, ""));
	}
	CHECK_INT(ok, 1100); /* 0 means no limit */
	CHECK_INT(usage(d0, 5, "nodes"), 1 + 11 + 1100);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

static void test_watches(void)
{
	struct store *st = mkstore(QUOTA_WATCHES, 4);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	struct fake *d6 = fake_new(st, 6, false);
	struct probe p;
	char tok[16];
	int i;

	home(d0, 5);
	probe_init(&p);
	for (i = 0; i < 10; i++) {
		snprintf(tok, sizeof(tok), "t%d", i);
		probe_add(&p, i, R(d5, XS_WATCH, "data", tok));
	}
	CHECK(p.ok >= 2 && p.ok < 10);
	CHECK(p.monotonic && p.only_enospc);
	/* Registration events for the accepted watches only. */
	CHECK_INT(fake_event_count(d5), p.ok);
	fake_clear_events(d5);
	/* UNWATCH gives a slot back; RESET_WATCHES all of them. */
	CHECK_STR(R(d5, XS_UNWATCH, "data", "t0"), "UNWATCH:OK|");
	CHECK_STR(R(d5, XS_WATCH, "data", "again"), "WATCH:OK|");
	CHECK_STR(R(d5, XS_WATCH, "data", "again2"), "ERROR:ENOSPC|");
	CHECK_STR(R(d5, XS_RESET_WATCHES, ""), "RESET_WATCHES:OK|");
	CHECK_STR(R(d5, XS_WATCH, "data", "fresh"), "WATCH:OK|");
	CHECK_INT(usage(d0, 5, "watches"), 1);
	/* Domain 6 counts on its own, dom0 does not count. */
	CHECK_STR(R(d6, XS_WATCH, "/", "a"), "WATCH:OK|");
	CHECK_STR(R(d6, XS_WATCH, "/", "b"), "WATCH:OK|");
	for (i = 0; i < 40; i++) {
		snprintf(tok, sizeof(tok), "t%d", i);
		CHECK_STR(R(d0, XS_WATCH, "/", tok), "WATCH:OK|");
	}
	fake_free(d6);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

static void test_transactions(void)
{
	struct store *st = mkstore(QUOTA_COUNT, 0); /* default: 10 */
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	struct fake *d6 = fake_new(st, 6, false);
	uint32_t t[12];
	int i;

	for (i = 0; i < 10; i++) {
		t[i] = fake_tx_start(d5);
		CHECK(t[i] != 0);
	}
	/* The 11th is refused. */
	CHECK_STR(R(d5, XS_TRANSACTION_START, ""), "ERROR:ENOSPC|");
	/* Another domain is not affected. */
	t[10] = fake_tx_start(d6);
	CHECK(t[10] != 0);
	/* Ending one makes room. */
	CHECK_STR(RT(d5, t[3], XS_TRANSACTION_END, "F"), "TRANSACTION_END:OK|");
	t[11] = fake_tx_start(d5);
	CHECK(t[11] != 0);
	CHECK_STR(R(d5, XS_TRANSACTION_START, ""), "ERROR:ENOSPC|");
	CHECK_INT(usage(d0, 5, "transactions"), 10);
	/* The ids are distinct and all usable. */
	for (i = 0; i < 10; i++) {
		uint32_t id5 = i == 3 ? t[11] : t[i];

		CHECK_STR(RT(d5, id5, XS_GET_DOMAIN_PATH, "5"),
			  "GET_DOMAIN_PATH:/local/domain/5|");
		CHECK_STR(RT(d5, id5, XS_TRANSACTION_END, "F"),
			  "TRANSACTION_END:OK|");
	}
	CHECK_INT(usage(d0, 5, "transactions"), 0);
	/* The privileged domain is exempt. */
	for (i = 0; i < 30; i++)
		CHECK(fake_tx_start(d0) != 0);
	fake_free(d6);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

static void test_transaction_nodes(void)
{
	struct store *st = mkstore(QUOTA_TRANSACTION_NODES, 6);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	struct probe p;
	char path[64];
	uint32_t t;
	int i;

	home(d0, 5);
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "/local/domain/5/data/n%d", i);
		R(d0, XS_WRITE, path, "v");
	}
	t = fake_tx_start(d5);
	probe_init(&p);
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "data/n%d", i);
		{
			const char *r = RT(d5, t, XS_READ, path);

			probe_add(&p, i,
				  strcmp(r, "READ:v") == 0 ? "X:OK|" : r);
		}
	}
	CHECK(p.ok >= 2 && p.ok < 20);
	CHECK(p.only_enospc);
	RT(d5, t, XS_TRANSACTION_END, "F");
	/* A new transaction starts from zero. */
	t = fake_tx_start(d5);
	CHECK_STR(RT(d5, t, XS_READ, "data/n0"), "READ:v");
	CHECK_STR(RT(d5, t, XS_TRANSACTION_END, "T"), "TRANSACTION_END:OK|");
	/* Outside a transaction there is no such limit. */
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "data/n%d", i);
		CHECK_STR(R(d5, XS_READ, path), "READ:v");
	}
	/* The privileged domain is exempt. */
	t = fake_tx_start(d0);
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "/local/domain/5/data/n%d", i);
		CHECK_STR(RT(d0, t, XS_READ, path), "READ:v");
	}
	CHECK_STR(RT(d0, t, XS_TRANSACTION_END, "T"), "TRANSACTION_END:OK|");
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

static void test_node_permissions(void)
{
	struct store *st = mkstore(QUOTA_NODE_PERMS, 3);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);

	home(d0, 5);
	R(d5, XS_WRITE, "data/x", "v");
	CHECK_STR(R(d5, XS_SET_PERMS, "data/x", "n5", "r1"), "SET_PERMS:OK|");
	CHECK_STR(R(d5, XS_SET_PERMS, "data/x", "n5", "r1", "r2", "r3", "r4",
		    "r6"),
		  "ERROR:ENOSPC|");
	CHECK_STR(R(d5, XS_GET_PERMS, "data/x"), "GET_PERMS:n5|r1|");
	/* The privileged domain may set more. */
	CHECK_STR(R(d0, XS_SET_PERMS, "/local/domain/5/data/x", "n5", "r1",
		    "r2", "r3", "r4", "r6", "r7", "r8"),
		  "SET_PERMS:OK|");
	CHECK_STR(R(d5, XS_GET_PERMS, "data/x"),
		  "GET_PERMS:n5|r1|r2|r3|r4|r6|r7|r8|");
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_path_max(void)
{
	struct store *st = mkstore(QUOTA_PATH_MAX, 64);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	char *a55 = repeat('a', 55), *a70 = repeat('a', 70);
	char p[256];

	home(d0, 5);
	home(d0, 6);
	/* Relative to the home: 5 + 55 fits, 5 + 70 does not. */
	snprintf(p, sizeof(p), "data/%s", a55);
	CHECK_STR(R(d5, XS_READ, p), "ERROR:ENOENT|");
	CHECK_STR(R(d5, XS_WRITE, p, "v"), "WRITE:OK|");
	snprintf(p, sizeof(p), "data/%s", a70);
	CHECK_STR(R(d5, XS_READ, p), "ERROR:EINVAL|");
	CHECK_STR(R(d5, XS_WRITE, p, "v"), "ERROR:EINVAL|");
	CHECK_STR(R(d5, XS_MKDIR, p), "ERROR:EINVAL|");
	CHECK_STR(R(d5, XS_WATCH, p, "t"), "ERROR:EINVAL|");
	/* The same, spelled absolute: the home prefix does not count
	 * (oxenstored got this wrong: XSA-323). */
	snprintf(p, sizeof(p), "/local/domain/5/data/%s", a55);
	CHECK_STR(R(d5, XS_READ, p), "READ:v");
	snprintf(p, sizeof(p), "/local/domain/5/data/%s", a70);
	CHECK_STR(R(d5, XS_READ, p), "ERROR:EINVAL|");
	/* Any /local/domain/<N>/ prefix is discounted, not only one's own. */
	snprintf(p, sizeof(p), "/local/domain/6/data/%s", a55);
	CHECK(strcmp(R(d5, XS_READ, p), "ERROR:EINVAL|") != 0);
	/* Elsewhere the whole path counts. */
	snprintf(p, sizeof(p), "/vm/%s", a70);
	CHECK_STR(R(d5, XS_READ, p), "ERROR:EINVAL|");
	/* The privileged domain is exempt. */
	CHECK_STR(R(d0, XS_READ, p), "ERROR:ENOENT|");
	snprintf(p, sizeof(p), "data/%s", a70);
	CHECK_STR(R(d0, XS_WRITE, p, "v"), "WRITE:OK|");
	fake_free(d5);
	fake_free(d0);
	store_free(st);
	free(a55);
	free(a70);

	/* The default, 2048 below the home. */
	st = mkstore(QUOTA_COUNT, 0);
	d0 = fake_new(st, 0, true);
	d5 = fake_new(st, 5, false);
	home(d0, 5);
	a55 = repeat('b', 1000);
	a70 = repeat('b', 2100);
	{
		char *q = malloc(4000);

		snprintf(q, 4000, "data/%s", a55);
		CHECK_STR(R(d5, XS_READ, q), "ERROR:ENOENT|");
		snprintf(q, 4000, "data/%s", a70);
		CHECK_STR(R(d5, XS_READ, q), "ERROR:EINVAL|");
		CHECK_STR(R(d0, XS_READ, q), "ERROR:ENOENT|");
		free(q);
	}
	fake_free(d5);
	fake_free(d0);
	store_free(st);
	free(a55);
	free(a70);
}

static void test_node_size(void)
{
	struct store *st = mkstore(QUOTA_COUNT, 0); /* default: 2048 */
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	char *big = repeat('x', 3000), *mid = repeat('y', 1000);
	struct probe p;
	char path[128];
	uint32_t t;
	int i;

	home(d0, 5);
	/* A new node whose value alone is over the limit (write_node_raw()
	 * checks every node written, new ones included). */
	CHECK_STR(R(d5, XS_WRITE, "data/big", big), "ERROR:ENOSPC|");
	CHECK(strcmp(R(d5, XS_READ, "data/big"), "ERROR:ENOENT|") == 0);
	/* An existing node growing over it. */
	CHECK_STR(R(d5, XS_WRITE, "data/small", mid), "WRITE:OK|");
	CHECK_STR(R(d5, XS_WRITE, "data/small", big), "ERROR:ENOSPC|");
	CHECK(strlen(R(d5, XS_READ, "data/small")) == 5 + 1000);
	/* Inside a transaction: refused at the write or at the commit. */
	t = fake_tx_start(d5);
	{
		char w[64];
		const char *e;

		snprintf(w, sizeof(w), "%s",
			 RT(d5, t, XS_WRITE, "data/txbig", big));
		CHECK(strcmp(w, "ERROR:ENOSPC|") == 0 || is_ok(w));
		e = RT(d5, t, XS_TRANSACTION_END, "T");
		CHECK(!is_ok(w) || strcmp(e, "ERROR:ENOSPC|") == 0);
	}
	CHECK(strcmp(R(d5, XS_READ, "data/txbig"), "ERROR:ENOENT|") == 0);
	/* The privileged domain is exempt. */
	CHECK_STR(R(d0, XS_WRITE, "/local/domain/5/data/big", big),
		  "WRITE:OK|");
	/* Child names count too: a directory cannot grow without bound. */
	probe_init(&p);
	for (i = 0; i < 80; i++) {
		snprintf(path, sizeof(path),
			 "data/dir/child-with-a-name-of-forty-chars-%03d", i);
		probe_add(&p, i, R(d5, XS_MKDIR, path));
	}
	CHECK(p.ok >= 10 && p.first_fail > 0 && p.first_fail < 60);
	CHECK(p.monotonic && p.only_enospc);
	check_ctl(d0);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
	free(big);
	free(mid);
}

static void test_memory(void)
{
	struct store *st = mkstore(QUOTA_MEMORY, 8192);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	char *kb = repeat('m', 1000), *tok = repeat('t', 3000);
	struct probe p;
	char path[64];
	long used;
	int i;

	home(d0, 5);
	probe_init(&p);
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "data/m%d", i);
		probe_add(&p, i, R(d5, XS_WRITE, path, kb));
	}
	CHECK(p.ok >= 2 && p.first_fail > 0 && p.first_fail < 9);
	CHECK(p.monotonic && p.only_enospc);
	used = usage(d0, 5, "memory");
	CHECK(used > 2000 && used <= 8192);
	/* Shrinking and growing back is fine; a watch with a long token is
	 * memory too. */
	CHECK_STR(R(d5, XS_WRITE, "data/m0", "small"), "WRITE:OK|");
	CHECK_STR(R(d5, XS_WRITE, "data/m0", kb), "WRITE:OK|");
	CHECK_STR(R(d5, XS_WATCH, "data", tok), "ERROR:ENOSPC|");
	/* Removing nodes gives memory back. */
	CHECK_STR(R(d5, XS_RM, "data/m1"), "RM:OK|");
	CHECK(usage(d0, 5, "memory") < used);
	CHECK_STR(R(d5, XS_WRITE, "data/back", kb), "WRITE:OK|");
	/* The privileged domain is exempt, even for nodes 5 owns. */
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "/local/domain/0/m%d", i);
		CHECK_STR(R(d0, XS_WRITE, path, kb), "WRITE:OK|");
	}
	check_ctl(d0);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
	free(kb);
	free(tok);
}

static void test_outstanding(void)
{
	struct store *st = mkstore(QUOTA_OUTSTANDING, 4);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	struct fake *d6 = fake_new(st, 6, false);
	const char *r;
	char msg[32];
	int i, len, replies = 0, handled;

	home(d0, 5);
	home(d0, 6);
	/* Domain 5 stops reading its ring, then sends ten writes. */
	fake_block(d5, true);
	for (i = 1; i <= 10; i++) {
		len = snprintf(msg, sizeof(msg), "data/o%c%d", '\0', i);
		fake_send(d5, XS_WRITE, 0, msg, (size_t)len);
	}
	/* Only some were handled; the rest wait for replies to be read. */
	r = R(d0, XS_READ, "/local/domain/5/data/o");
	CHECK(strncmp(r, "READ:", 5) == 0);
	handled = strncmp(r, "READ:", 5) == 0 ? atoi(r + 5) : -1;
	CHECK(handled >= 1 && handled <= 5);
	CHECK(fake_reply(d5) == NULL);
	/* Others are served meanwhile. */
	CHECK_STR(R(d6, XS_WRITE, "data/x", "1"), "WRITE:OK|");
	CHECK_STR(R(d6, XS_READ, "data/x"), "READ:1");
	CHECK_STR(R(d0, XS_WRITE, "/local/domain/0/y", "1"), "WRITE:OK|");
	/* Once 5 reads again, every request is answered. */
	fake_block(d5, false);
	while ((r = fake_reply(d5)) != NULL) {
		replies++;
		CHECK_STR(r, "WRITE:OK|");
	}
	CHECK_INT(replies, 10);
	CHECK_STR(R(d0, XS_READ, "/local/domain/5/data/o"), "READ:10");
	CHECK(!fake_killed(d5));
	/* The privileged domain is never held back. */
	fake_block(d0, true);
	for (i = 0; i < 30; i++)
		fake_send(d0, XS_WRITE, 0, "/count\0x", 8);
	fake_block(d0, false);
	for (replies = 0; fake_reply(d0); replies++)
		;
	CHECK_INT(replies, 30);
	fake_free(d6);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

/*
 * How much input one call handles: at most the caller's budget, and a
 * partial message is not "more to do" (a ring loop would spin on it).
 */
static void test_input_budget(void)
{
	struct store *st = mkstore(QUOTA_OUTSTANDING, 4);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	struct conn *c = fake_conn(d5);
	struct xsd_sockmsg h = {XS_READ, 7, 0, 5};
	unsigned budget, replies = 0;
	int i;

	home(d0, 5);
	CHECK_STR(R(d0, XS_WRITE, "/local/domain/5/name", "abcd"), "WRITE:OK|");
	fake_hold(d5, true);
	for (i = 0; i < 3; i++)
		fake_send(d5, XS_READ, 0, "name", 5);
	budget = 2;
	CHECK_INT(conn_input_budget(c, &budget), 1); /* one more waits */
	CHECK_INT(budget, 0);
	budget = 5;
	CHECK_INT(conn_input_budget(c, &budget), 0);
	CHECK_INT(budget, 4);
	CHECK_INT(conn_output(c), 0);
	while (fake_reply(d5))
		replies++;
	CHECK_INT(replies, 3);
	/* Half a message: nothing to handle, nothing held back. */
	fake_feed(d5, &h, sizeof(h));
	budget = 8;
	CHECK_INT(conn_input_budget(c, &budget), 0);
	CHECK_INT(budget, 8);
	CHECK_INT(conn_output(c), 0);
	fake_feed(d5, "name", 5);
	CHECK_INT(conn_input_budget(c, &budget), 0);
	CHECK_INT(budget, 7);
	CHECK_STR(fake_reply(d5), "READ:abcd");
	/* Held back by the outstanding quota: conn_output() says when to go
	 * on, once the replies are taken. */
	fake_block(d5, true);
	for (i = 0; i < 6; i++)
		fake_send(d5, XS_READ, 0, "name", 5);
	budget = 64;
	CHECK_INT(conn_input_budget(c, &budget), 0);
	CHECK_INT(budget, 60);
	CHECK_INT(conn_output(c), 0); /* still blocked */
	fake_block(d5, false);        /* takes the replies, handles the rest */
	for (replies = 0; fake_reply(d5); replies++)
		;
	CHECK_INT(replies, 6);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

int main(void)
{
	RUN(test_nodes);
	RUN(test_nodes_unlimited);
	RUN(test_watches);
	RUN(test_transactions);
	RUN(test_transaction_nodes);
	RUN(test_node_permissions);
	RUN(test_path_max);
	RUN(test_node_size);
	RUN(test_memory);
	RUN(test_outstanding);
	RUN(test_input_budget);
	return CHECK_DONE();
}
