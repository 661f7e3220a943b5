/*
 * test_xsa.c: one regression test per Xen security advisory class that
 * applies to a store reached without rings (REFERENCE.md §10), named
 * after the advisory.
 *
 * Not here:
 *  - XSA-38 and XSA-420's ring half (oxenstored ring state, index
 *    arithmetic): there are no rings in the store; the ring reader is
 *    tested with the hypervisor layer.  XSA-420's packet-length half is
 *    test_xsa420_negative_length below.
 *  - XSA-206 (write rate limiting while transactions are open): a policy
 *    of the event loop that decides which connection to read, driven by a
 *    clock; the store's request handler has neither.
 *  - XSA-349 (backend kernels queueing events without bound): kernel side.
 *  - XSA-416 (temporary memory living until the reply is read): there is
 *    no per-request allocation that outlives the request here; the leak
 *    checker of the sanitizer build covers what remains.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/store/store.h"
#include "tests/unit/check.h"
#include "tests/unit/domkit.h"
#include "tests/unit/fakeconn.h"

CHECK_MAIN_DEFS;

#define R(f, type, ...)      fake_req(f, type, 0, __VA_ARGS__, NULL)
#define RT(f, tx, type, ...) fake_req(f, type, tx, __VA_ARGS__, NULL)

typedef void tweak_fn(struct store_config *cfg);

static struct store *mkstore(tweak_fn *tweak)
{
	struct store_config cfg;

	store_config_defaults(&cfg);
	if (tweak)
		tweak(&cfg);
	return store_new(&cfg, NULL);
}

static void check_ctl(struct fake *d0)
{
	CHECK_STR(R(d0, XS_CONTROL, "check"), "CONTROL:OK|");
}

static bool is_ok(const char *reply)
{
	size_t l = strlen(reply);

	return l > 4 && strcmp(reply + l - 4, ":OK|") == 0;
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* XSA-115: watch events only for nodes (or parents) the watcher may
 * read, old permissions included. */
static void test_xsa115_events_filtered(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);

	home(d0, 5);
	CHECK_STR(R(d5, XS_WATCH, "/", "all"), "WATCH:OK|");
	CHECK_STR(fake_event(d5), "/|all|");
	R(d0, XS_WRITE, "/local/domain/0/secret", "x");
	R(d0, XS_WRITE, "/local/domain/0/secret/sub", "x");
	R(d0, XS_WRITE, "/vm/1234/name", "x");
	CHECK_INT(fake_event_count(d5), 0);
	R(d0, XS_WRITE, "/local/domain/5/data/x", "1");
	CHECK_STR(fake_event(d5), "/local/domain/5/data/x|all|");
	/* Readable parent, unreadable node: still told. */
	R(d0, XS_WRITE, "/local/domain/5/hidden", "1");
	CHECK_STR(fake_event(d5), "/local/domain/5/hidden|all|");
	R(d0, XS_SET_PERMS, "/local/domain/5/hidden", "n0");
	CHECK_STR(fake_event(d5), "/local/domain/5/hidden|all|");
	R(d0, XS_WRITE, "/local/domain/5/hidden", "2");
	CHECK_STR(fake_event(d5), "/local/domain/5/hidden|all|");
	/* Neither node nor parent readable. */
	R(d0, XS_WRITE, "/local/domain/5/hidden/deeper", "2");
	CHECK_INT(fake_event_count(d5), 0);
	/* Removal: an unreadable subtree is not reported either. */
	R(d0, XS_RM, "/local/domain/0/secret");
	CHECK_INT(fake_event_count(d5), 0);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

/* XSA-115: @introduceDomain/@releaseDomain events are for privileged
 * callers, or domains given read access to the special node. */
static void test_xsa115_special_watches(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);

	/* (@releaseDomain is left out: 4.22 makes it readable by all.) */
	CHECK_STR(R(d5, XS_WATCH, "@introduceDomain", "in"), "WATCH:OK|");
	fake_clear_events(d5);
	introduce(d0, 9);
	release(d0, 9);
	CHECK_INT(fake_event_count(d5), 0);
	/* Reading the special node is privileged too. */
	CHECK_STR(R(d5, XS_GET_PERMS, "@introduceDomain"), "ERROR:EACCES|");
	/* Granted read, 5 is told. */
	CHECK_STR(R(d0, XS_SET_PERMS, "@introduceDomain", "n0", "r5"),
		  "SET_PERMS:OK|");
	fake_clear_events(d5);
	introduce(d0, 10);
	CHECK_STR(fake_event(d5), "@introduceDomain|in|");
	release(d0, 10);
	CHECK_INT(fake_event_count(d5), 0);
	/* Unprivileged domains cannot write special nodes. */
	CHECK(strncmp(R(d5, XS_SET_PERMS, "@introduceDomain", "n5"),
		      "ERROR:", 6) == 0);
	CHECK_STR(R(d0, XS_GET_PERMS, "@introduceDomain"), "GET_PERMS:n0|r5|");
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

/* XSA-115: IS_DOMAIN_INTRODUCED is privileged; WATCH and UNWATCH ignore
 * the transaction id. */
static void test_xsa115_priv_and_notid(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	uint32_t t;

	home(d0, 5);
	introduce(d0, 5);
	CHECK_STR(R(d5, XS_IS_DOMAIN_INTRODUCED, "5"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_IS_DOMAIN_INTRODUCED, "0"), "ERROR:EACCES|");
	CHECK_STR(R(d0, XS_IS_DOMAIN_INTRODUCED, "5"),
		  "IS_DOMAIN_INTRODUCED:T|");
	/* An unknown transaction id does not matter to WATCH. */
	CHECK_STR(RT(d5, 777, XS_WATCH, "data", "bogus-tx"), "WATCH:OK|");
	CHECK_STR(fake_event(d5), "data|bogus-tx|");
	/* A real one neither: the watch is not part of the transaction. */
	t = fake_tx_start(d5);
	CHECK(t != 0);
	CHECK_STR(RT(d5, t, XS_WATCH, "data", "in-tx"), "WATCH:OK|");
	CHECK_STR(fake_event(d5), "data|in-tx|");
	CHECK_STR(RT(d5, t, XS_TRANSACTION_END, "F"), "TRANSACTION_END:OK|");
	R(d0, XS_WRITE, "/local/domain/5/data/x", "1");
	CHECK_INT(fake_event_count(d5), 2);
	fake_clear_events(d5);
	CHECK_STR(RT(d5, 999, XS_UNWATCH, "data", "in-tx"), "UNWATCH:OK|");
	CHECK_STR(RT(d5, 999, XS_UNWATCH, "data", "bogus-tx"), "UNWATCH:OK|");
	R(d0, XS_WRITE, "/local/domain/5/data/x", "2");
	CHECK_INT(fake_event_count(d5), 0);
	/* Other requests do check it. */
	CHECK_STR(RT(d5, 999, XS_READ, "data/x"), "ERROR:ENOENT|");
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

/* XSA-115 (last part): a removal fires each removed node only for
 * watches set exactly on it, and only if it existed. */
static void test_xsa115_rm_fires_specific_nodes(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *w = fake_new(st, 0, true);

	R(d0, XS_WRITE, "/r/a/b", "1");
	R(d0, XS_WRITE, "/r/a/c", "1");
	R(w, XS_WATCH, "/r/a/b", "b");
	R(w, XS_WATCH, "/r/a/b/never", "never");
	R(w, XS_WATCH, "/r/x", "x");
	R(w, XS_WATCH, "/", "root");
	fake_clear_events(w);
	R(d0, XS_RM, "/r");
	CHECK_INT(fake_event_count(w), 2);
	CHECK_STR(fake_event(w), "/r/a/b|b|");
	CHECK_STR(fake_event(w), "/r|root|");
	fake_free(w);
	fake_free(d0);
	store_free(st);
}

/* XSA-322/417: a new domain reusing a domid gets nothing granted to the
 * old one. */
static void test_xsa322_417_reused_domid(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d7;

	introduce(d0, 7);
	d7 = fake_new(st, 7, false);
	R(d0, XS_WRITE, "/shared/n", "v");
	CHECK_STR(R(d0, XS_SET_PERMS, "/shared/n", "n0", "b7"),
		  "SET_PERMS:OK|");
	R(d0, XS_WRITE, "/shared/m", "w");
	CHECK_STR(R(d0, XS_SET_PERMS, "/shared/m", "r0", "r3", "w7"),
		  "SET_PERMS:OK|");
	CHECK_STR(R(d0, XS_SET_PERMS, "@introduceDomain", "n0", "r7"),
		  "SET_PERMS:OK|");
	CHECK_STR(R(d7, XS_READ, "/shared/n"), "READ:v");
	CHECK_STR(R(d7, XS_WRITE, "/shared/n", "by7"), "WRITE:OK|");
	release(d0, 7);
	fake_free(d7);
	/* The entries naming 7 are gone... */
	CHECK_STR(R(d0, XS_GET_PERMS, "/shared/n"), "GET_PERMS:n0|");
	CHECK_STR(R(d0, XS_GET_PERMS, "/shared/m"), "GET_PERMS:r0|r3|");
	CHECK_STR(R(d0, XS_GET_PERMS, "@introduceDomain"), "GET_PERMS:n0|");
	/* ... and a new domain 7 is a stranger. */
	introduce(d0, 7);
	d7 = fake_new(st, 7, false);
	CHECK_STR(R(d7, XS_READ, "/shared/n"), "ERROR:EACCES|");
	CHECK_STR(R(d7, XS_WRITE, "/shared/n", "x"), "ERROR:EACCES|");
	CHECK_STR(R(d7, XS_READ, "/shared/m"), "READ:w"); /* default r */
	CHECK_STR(R(d7, XS_WRITE, "/shared/m", "x"), "ERROR:EACCES|");
	CHECK_STR(R(d7, XS_GET_PERMS, "@introduceDomain"), "ERROR:EACCES|");
	/* Granting the new 7 works as usual. */
	CHECK_STR(R(d0, XS_SET_PERMS, "/shared/n", "n0", "b7"),
		  "SET_PERMS:OK|");
	CHECK_STR(R(d7, XS_READ, "/shared/n"), "READ:by7");
	CHECK_STR(R(d0, XS_GET_PERMS, "/shared/n"), "GET_PERMS:n0|b7|");
	check_ctl(d0);
	fake_free(d7);
	fake_free(d0);
	store_free(st);
}

/* XSA-324: an event longer than XENSTORE_PAYLOAD_MAX is dropped; the
 * connection and the store carry on. */
static void test_xsa324_long_event_dropped(void)
{
	struct store *st = mkstore(NULL);
	struct fake *w = fake_new(st, 0, true), *d0 = fake_new(st, 0, true);
	char *tok = repeat('t', 4000), *n91 = repeat('n', 91);
	char *n92 = repeat('n', 92), *n300 = repeat('n', 300);
	char path[512];

	/* The registration event itself fits: "/e" NUL token NUL. */
	CHECK_STR(R(w, XS_WATCH, "/e", tok), "WATCH:OK|");
	CHECK_INT(fake_events_seen(w), 1);
	/* 3 + 91 + 1 + 4000 + 1 = 4096 bytes: still sent. */
	snprintf(path, sizeof(path), "/e/%s", n91);
	CHECK_STR(R(d0, XS_WRITE, path, "1"), "WRITE:OK|");
	CHECK_INT(fake_events_seen(w), 2);
	/* One more byte, or many: dropped. */
	snprintf(path, sizeof(path), "/e/%s", n92);
	CHECK_STR(R(d0, XS_WRITE, path, "1"), "WRITE:OK|");
	snprintf(path, sizeof(path), "/e/%s", n300);
	CHECK_STR(R(d0, XS_WRITE, path, "1"), "WRITE:OK|");
	CHECK_STR(R(d0, XS_RM, "/e"), "RM:OK|");
	CHECK_INT(fake_events_seen(w), 3); /* the RM of /e itself */
	CHECK(!fake_killed(w));
	/* Shorter events on the same connection still flow. */
	CHECK_STR(R(w, XS_WATCH, "/e", "short"), "WATCH:OK|");
	fake_clear_events(w);
	snprintf(path, sizeof(path), "/e/%s", n300);
	R(d0, XS_WRITE, path, "1");
	CHECK_INT(fake_event_count(w), 1);
	fake_free(w);
	fake_free(d0);
	store_free(st);
	free(tok);
	free(n91);
	free(n92);
	free(n300);
}

static void timeout_1s(struct store_config *cfg)
{
	cfg->watch_event_timeout = 1;
}

static void memory_128k(struct store_config *cfg)
{
	cfg->hard.val[QUOTA_MEMORY] = 128 * 1024;
}

/* XSA-326: identical pending events are coalesced, special ones not. */
static void test_xsa326_coalescing(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	struct fake *w0 = fake_new(st, 0, true);
	int i;

	home(d0, 5);
	CHECK_STR(R(d5, XS_WATCH, "data", "w"), "WATCH:OK|");
	CHECK_STR(R(w0, XS_WATCH, "@introduceDomain", "in"), "WATCH:OK|");
	fake_clear_events(d5);
	fake_clear_events(w0);
	fake_block(d5, true);
	fake_block(w0, true);
	for (i = 0; i < 50; i++)
		R(d0, XS_WRITE, "/local/domain/5/data/x", "v");
	for (i = 0; i < 10; i++)
		R(d0, XS_WRITE, "/local/domain/5/data/y", "v");
	R(d0, XS_WRITE, "/local/domain/5/data/x", "v");
	for (i = 20; i < 23; i++)
		introduce(d0, (unsigned)i);
	fake_block(d5, false);
	fake_block(w0, false);
	CHECK_INT(fake_event_count(d5), 2);
	CHECK_STR(fake_event(d5), "data/x|w|");
	CHECK_STR(fake_event(d5), "data/y|w|");
	CHECK_INT(fake_event_count(w0), 3);
	/* Once sent, the same event is queued again. */
	R(d0, XS_WRITE, "/local/domain/5/data/x", "v");
	CHECK_STR(fake_event(d5), "data/x|w|");
	fake_free(w0);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

/* XSA-326: a domain that never reads cannot make the store queue without
 * bound: replies wait behind the outstanding quota, and events are
 * charged to its memory quota (xenstored's send_event() drops what does
 * not fit) or the connection is given up. */
static void test_xsa326_unread_output_bounded(void)
{
	struct store *st = mkstore(memory_128k);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	struct fake *d6 = fake_new(st, 6, false);
	char path[64];
	size_t bytes;
	int i, replies = 0;

	home(d0, 5);
	home(d0, 6);
	CHECK_STR(R(d0, XS_MKDIR, "/local/domain/5/pub"), "MKDIR:OK|");
	CHECK_STR(R(d5, XS_WATCH, "/local/domain/5", "w"), "WATCH:OK|");
	fake_clear_events(d5);
	fake_block(d5, true);
	/* 200 requests: the replies of most of them must wait. */
	for (i = 0; i < 200; i++)
		fake_send(d5, XS_READ, 0, "data", 5);
	/* 10,000 distinct events, about 440 KB. */
	for (i = 0; i < 10000; i++) {
		snprintf(path, sizeof(path), "/local/domain/5/pub/e%d", i);
		R(d0, XS_WRITE, path, "");
	}
	/* Others are served all along. */
	CHECK_STR(R(d6, XS_WRITE, "data/ok", "1"), "WRITE:OK|");
	CHECK_STR(R(d0, XS_READ, "/local/domain/6/data/ok"), "READ:1");
	fake_block(d5, false);
	while (fake_reply(d5))
		replies++;
	bytes = fake_event_bytes(d5);
	if (!fake_killed(d5)) {
		/* Nothing lost of the replies... */
		CHECK_INT(replies, 200);
		/* ... and the events stayed within the memory quota. */
		CHECK(bytes <= 128 * 1024 + 4096);
		if (bytes > 128 * 1024 + 4096)
			fprintf(stderr, "  %zu bytes of events queued\n",
				bytes);
	}
	CHECK_STR(R(d6, XS_READ, "data/ok"), "READ:1");
	fake_free(d6);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

/* XSA-326: events an unprivileged domain leaves unread expire. */
static void test_xsa326_event_timeout(void)
{
	struct store *st = mkstore(timeout_1s);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	struct fake *w0 = fake_new(st, 0, true);

	home(d0, 5);
	CHECK_STR(R(d5, XS_WATCH, "data", "w"), "WATCH:OK|");
	CHECK_STR(R(w0, XS_WATCH, "/local/domain/5/data", "w"), "WATCH:OK|");
	fake_clear_events(d5);
	fake_clear_events(w0);
	fake_block(d5, true);
	fake_block(w0, true);
	R(d0, XS_WRITE, "/local/domain/5/data/old", "1");
	sleep(2);
	R(d0, XS_WRITE, "/local/domain/5/data/new", "1");
	fake_block(d5, false);
	fake_block(w0, false);
	CHECK_INT(fake_event_count(d5), 1);
	CHECK_STR(fake_event(d5), "data/new|w|");
	/* Privileged connections keep theirs. */
	CHECK_INT(fake_event_count(w0), 2);
	fake_free(w0);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

/* XSA-352: only privileged callers may change a node's owner. */
static void test_xsa352_owner_change(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	struct fake *d6 = fake_new(st, 6, false);

	home(d0, 5);
	CHECK_STR(R(d5, XS_WRITE, "data/x", "1"), "WRITE:OK|");
	CHECK_STR(R(d5, XS_GET_PERMS, "data/x"), "GET_PERMS:n5|");
	CHECK_STR(R(d5, XS_SET_PERMS, "data/x", "n0"), "ERROR:EPERM|");
	CHECK_STR(R(d5, XS_SET_PERMS, "data/x", "n6", "b5"), "ERROR:EPERM|");
	CHECK_STR(R(d5, XS_SET_PERMS, "data/x", "b5", "b6"), "SET_PERMS:OK|");
	CHECK_STR(R(d5, XS_GET_PERMS, "data/x"), "GET_PERMS:b5|b6|");
	/* Write access is not ownership. */
	CHECK_STR(R(d6, XS_SET_PERMS, "/local/domain/5/data/x", "n6"),
		  "ERROR:EACCES|");
	CHECK_STR(R(d6, XS_SET_PERMS, "/local/domain/5/data/x", "b5"),
		  "ERROR:EACCES|");
	/* The privileged domain may. */
	CHECK_STR(R(d0, XS_SET_PERMS, "/local/domain/5/data/x", "n6"),
		  "SET_PERMS:OK|");
	CHECK_STR(R(d5, XS_SET_PERMS, "data/x", "n5"), "ERROR:EACCES|");
	CHECK_STR(R(d6, XS_SET_PERMS, "/local/domain/5/data/x", "n6", "r5"),
		  "SET_PERMS:OK|");
	CHECK_STR(R(d5, XS_READ, "data/x"), "READ:1");
	check_ctl(d0);
	fake_free(d6);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

/* XSA-353: the root's permissions apply to unprivileged callers. */
static void test_xsa353_root_permissions(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);

	CHECK_STR(R(d5, XS_READ, "/"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_DIRECTORY, "/"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_DIRECTORY_PART, "/", "0"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_GET_PERMS, "/"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_WRITE, "/x", "1"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_MKDIR, "/x"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_RM, "/tool"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_RM, "/"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_SET_PERMS, "/", "b5"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_SET_PERMS, "/", "n0", "b5"), "ERROR:EACCES|");
	CHECK_STR(R(d0, XS_GET_PERMS, "/"), "GET_PERMS:n0|");
	/* Read access to the root lets 5 read, not write. */
	CHECK_STR(R(d0, XS_SET_PERMS, "/", "n0", "r5"), "SET_PERMS:OK|");
	CHECK_STR(R(d5, XS_READ, "/"), "READ:");
	CHECK(strncmp(R(d5, XS_DIRECTORY, "/"), "DIRECTORY:", 10) == 0);
	CHECK_STR(R(d5, XS_WRITE, "/x", "1"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_RM, "/tool"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_SET_PERMS, "/", "n0", "b5"), "ERROR:EACCES|");
	CHECK_STR(R(d0, XS_READ, "/x"), "ERROR:ENOENT|");
	CHECK_STR(R(d0, XS_RM, "/"), "ERROR:EINVAL|");
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

/* XSA-418: deep trees are created, watched and removed without
 * recursion, in and out of transactions. */
static void test_xsa418_deep_tree(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *w = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	char *deep = malloc(4096), *rel = malloc(4096);
	char ev[4200];
	uint32_t t;
	int i;

	home(d0, 5);
	/* "/deep" and 1,499 more levels: 3,003 characters. */
	strcpy(deep, "/deep");
	for (i = 1; i < 1500; i++)
		strcat(deep, "/a");
	CHECK_STR(R(d0, XS_WRITE, deep, "bottom"), "WRITE:OK|");
	CHECK_STR(R(d0, XS_READ, deep), "READ:bottom");
	CHECK_STR(R(w, XS_WATCH, deep, "bottom"), "WATCH:OK|");
	CHECK_STR(R(w, XS_WATCH, "/deep", "top"), "WATCH:OK|");
	fake_clear_events(w);
	CHECK_STR(R(d0, XS_RM, "/deep"), "RM:OK|");
	snprintf(ev, sizeof(ev), "%s|bottom|", deep);
	CHECK_INT(fake_event_count(w), 2);
	CHECK_STR(fake_event(w), ev);
	CHECK_STR(fake_event(w), "/deep|top|");
	CHECK_STR(R(d0, XS_READ, "/deep"), "ERROR:ENOENT|");
	check_ctl(d0);
	/* Again, removed inside a transaction. */
	CHECK_STR(R(d0, XS_WRITE, deep, "bottom"), "WRITE:OK|");
	t = fake_tx_start(d0);
	CHECK_STR(RT(d0, t, XS_RM, "/deep"), "RM:OK|");
	CHECK_STR(RT(d0, t, XS_READ, deep), "ERROR:ENOENT|");
	CHECK_STR(RT(d0, t, XS_TRANSACTION_END, "T"), "TRANSACTION_END:OK|");
	CHECK_STR(R(d0, XS_READ, "/deep"), "ERROR:ENOENT|");
	check_ctl(d0);
	/* An unprivileged domain's deep tree, within its quotas. */
	strcpy(rel, "data/c");
	for (i = 1; i < 900; i++)
		strcat(rel, "/c");
	CHECK_STR(R(d5, XS_WRITE, rel, "v"), "WRITE:OK|");
	CHECK_STR(R(d5, XS_RM, "data/c"), "RM:OK|");
	CHECK_INT(usage(d0, 5, "nodes"), 1);
	check_ctl(d0);
	free(deep);
	free(rel);
	fake_free(d5);
	fake_free(w);
	fake_free(d0);
	store_free(st);
}

/* XSA-419: the nodes a released domain owns go, wherever they are. */
static void test_xsa419_owned_nodes_deleted(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *w = fake_new(st, 0, true);
	struct fake *d7;

	introduce(d0, 7);
	home(d0, 7);
	d7 = fake_new(st, 7, false);
	R(d0, XS_MKDIR, "/shared");
	R(d0, XS_SET_PERMS, "/shared", "n0", "b7");
	CHECK_STR(R(d7, XS_WRITE, "data/a/b", "1"), "WRITE:OK|");
	CHECK_STR(R(d7, XS_WRITE, "/shared/mine/deeper", "1"), "WRITE:OK|");
	CHECK_STR(R(d0, XS_GET_PERMS, "/shared/mine"), "GET_PERMS:n7|b7|");
	/* A node 7 owns below one it does not. */
	R(d0, XS_WRITE, "/local/domain/0/theirs/sub", "1");
	R(d0, XS_SET_PERMS, "/local/domain/0/theirs/sub", "n7");
	CHECK_INT(usage(d0, 7, "nodes"), 6);
	R(w, XS_WATCH, "/shared/mine", "mine");
	fake_clear_events(w);
	release(d0, 7);
	fake_free(d7);
	CHECK_STR(R(d0, XS_READ, "/local/domain/7/data"), "ERROR:ENOENT|");
	CHECK_STR(R(d0, XS_READ, "/shared/mine"), "ERROR:ENOENT|");
	CHECK_STR(R(d0, XS_READ, "/local/domain/0/theirs/sub"),
		  "ERROR:ENOENT|");
	CHECK_STR(fake_event(w), "/shared/mine|mine|");
	/* What others own stays. */
	CHECK_STR(R(d0, XS_READ, "/local/domain/7"), "READ:");
	CHECK_STR(R(d0, XS_READ, "/local/domain/0/theirs"), "READ:");
	CHECK_STR(R(d0, XS_DIRECTORY, "/shared"), "DIRECTORY:");
	CHECK_STR(R(d0, XS_GET_PERMS, "/shared"), "GET_PERMS:n0|");
	check_ctl(d0);
	fake_free(w);
	fake_free(d0);
	store_free(st);
}

/* The daemon's side of RELEASE, as daemon/domains.c does it: the ring
 * connection of the domain goes at once. */
struct ring_owner {
	struct fake *conn[8]; /* indexed by domid */
	int released[8];
};

static void release_ring_cb(void *arg, unsigned domid)
{
	struct ring_owner *o = arg;

	if (domid < 8) {
		o->released[domid]++;
		fake_free(o->conn[domid]);
		o->conn[domid] = NULL;
	}
}

/* XSA-419: once released, a domain's connection cannot go on creating
 * nodes owned by a domid that no longer exists: the store tells the ring
 * owner to drop it, for RELEASE and for a domain found dead alike. */
static void test_xsa419_released_connection(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct ring_owner o;
	struct store_domain_ops ops = {&o, NULL, release_ring_cb, NULL};

	memset(&o, 0, sizeof(o));
	store_set_domain_ops(st, &ops);
	introduce(d0, 7);
	introduce(d0, 6);
	home(d0, 7);
	home(d0, 6);
	/* Writable by every domain (owner 0, default "b"). */
	R(d0, XS_MKDIR, "/shared");
	R(d0, XS_SET_PERMS, "/shared", "b0");
	o.conn[7] = fake_new(st, 7, false);
	o.conn[6] = fake_new(st, 6, false);
	CHECK_STR(R(o.conn[7], XS_WRITE, "/shared/by7", "1"), "WRITE:OK|");
	CHECK_STR(R(o.conn[6], XS_WRITE, "/shared/by6", "1"), "WRITE:OK|");
	release(d0, 7);
	CHECK_INT(o.released[7], 1);
	CHECK(o.conn[7] == NULL);
	CHECK_STR(R(d0, XS_READ, "/shared/by7"), "ERROR:ENOENT|");
	/* A domain found dead by the hypervisor layer, likewise. */
	store_domain_gone(st, 6);
	CHECK_INT(o.released[6], 1);
	CHECK(o.conn[6] == NULL);
	CHECK_STR(R(d0, XS_READ, "/shared/by6"), "ERROR:ENOENT|");
	CHECK_STR(R(d0, XS_READ, "/local/domain/6/data"), "ERROR:ENOENT|");
	CHECK_STR(R(d0, XS_IS_DOMAIN_INTRODUCED, "6"),
		  "IS_DOMAIN_INTRODUCED:F|");
	/* Once only. */
	store_domain_gone(st, 6);
	CHECK_STR(R(d0, XS_RELEASE, "7"), "ERROR:ENOENT|");
	CHECK_INT(o.released[6], 1);
	CHECK_INT(o.released[7], 1);
	check_ctl(d0);
	fake_free(d0);
	store_free(st);
}

static void keep_orphans(struct store_config *cfg)
{
	cfg->keep_orphans = true;
}

/* XSA-419 with -K: the nodes stay, handed to the privileged domain. */
static void test_xsa419_keep_orphans(void)
{
	struct store *st = mkstore(keep_orphans);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d7;

	introduce(d0, 7);
	home(d0, 7);
	d7 = fake_new(st, 7, false);
	CHECK_STR(R(d7, XS_WRITE, "data/a/b", "1"), "WRITE:OK|");
	release(d0, 7);
	fake_free(d7);
	CHECK_STR(R(d0, XS_READ, "/local/domain/7/data/a/b"), "READ:1");
	CHECK_STR(R(d0, XS_GET_PERMS, "/local/domain/7/data/a/b"),
		  "GET_PERMS:n0|");
	CHECK_STR(R(d0, XS_GET_PERMS, "/local/domain/7/data"), "GET_PERMS:n0|");
	check_ctl(d0);
	fake_free(d0);
	store_free(st);
}

/* XSA-421: creating and deleting nodes in one transaction leaves the
 * accounting as it was. */
static void test_xsa421_create_delete_in_tx(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	long nodes, mem;
	uint32_t t;
	int i;

	home(d0, 5);
	R(d5, XS_WRITE, "data/keep", "1");
	nodes = usage(d0, 5, "nodes");
	mem = usage(d0, 5, "memory");
	for (i = 0; i < 3; i++) {
		t = fake_tx_start(d5);
		CHECK_STR(RT(d5, t, XS_WRITE, "data/t1", "v"), "WRITE:OK|");
		CHECK_STR(RT(d5, t, XS_RM, "data/t1"), "RM:OK|");
		CHECK_STR(RT(d5, t, XS_WRITE, "data/p/q/r", "v"), "WRITE:OK|");
		CHECK_STR(RT(d5, t, XS_RM, "data/p"), "RM:OK|");
		CHECK_STR(RT(d5, t, XS_WRITE, "data/keep/x", "v"), "WRITE:OK|");
		CHECK_STR(RT(d5, t, XS_RM, "data/keep/x"), "RM:OK|");
		CHECK_STR(RT(d5, t, XS_TRANSACTION_END, "T"),
			  "TRANSACTION_END:OK|");
		CHECK_INT(usage(d0, 5, "nodes"), nodes);
		CHECK_INT(usage(d0, 5, "memory"), mem);
		check_ctl(d0);
	}
	/* Deleted, then created again, in one transaction. */
	t = fake_tx_start(d5);
	CHECK_STR(RT(d5, t, XS_RM, "data/keep"), "RM:OK|");
	CHECK_STR(RT(d5, t, XS_WRITE, "data/keep", "2"), "WRITE:OK|");
	CHECK_STR(RT(d5, t, XS_TRANSACTION_END, "T"), "TRANSACTION_END:OK|");
	CHECK_STR(R(d5, XS_READ, "data/keep"), "READ:2");
	CHECK_INT(usage(d0, 5, "nodes"), nodes);
	check_ctl(d0);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

/* XSA-440: two transactions removing the same nodes; the accounting
 * never goes below zero nor drifts. */
static void test_xsa440_two_tx_delete_same(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *a = fake_new(st, 5, false), *b = fake_new(st, 5, false);
	struct fake *c = fake_new(st, 0, true);
	const char *r;
	long nodes;
	uint32_t ta, tb;
	int round;

	home(d0, 5);
	for (round = 0; round < 2; round++) {
		struct fake *x = round ? c : a, *y = round ? d0 : b;

		R(a, XS_WRITE, "data/x/1", "v");
		R(a, XS_WRITE, "data/x/2", "v");
		R(a, XS_WRITE, "data/x/3/4", "v");
		nodes = usage(d0, 5, "nodes");
		ta = fake_tx_start(x);
		tb = fake_tx_start(y);
		CHECK_STR(RT(x, ta, XS_RM,
			     round ? "/local/domain/5/data/x" : "data/x"),
			  "RM:OK|");
		CHECK_STR(RT(y, tb, XS_RM,
			     round ? "/local/domain/5/data/x" : "data/x"),
			  "RM:OK|");
		CHECK_STR(RT(x, ta, XS_TRANSACTION_END, "T"),
			  "TRANSACTION_END:OK|");
		r = RT(y, tb, XS_TRANSACTION_END, "T");
		CHECK(strcmp(r, "TRANSACTION_END:OK|") == 0 ||
		      strcmp(r, "ERROR:EAGAIN|") == 0);
		CHECK_INT(usage(d0, 5, "nodes"), nodes - 5);
		CHECK_STR(R(d0, XS_READ, "/local/domain/5/data/x"),
			  "ERROR:ENOENT|");
		check_ctl(d0);
	}
	fake_free(c);
	fake_free(b);
	fake_free(a);
	fake_free(d0);
	store_free(st);
}

/* XSA-481: "/local/domain/" (as canonicalize() sees it) is just an
 * invalid path. */
static void test_xsa481_local_domain_slash(void)
{
	static const char *const bad[] = {
		"/local/domain/",   "/local/domain/5/",
		"/local/domain//5", "",
		"/local/",          "//",
	};
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	size_t i;
	int k;

	home(d0, 5);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (k = 0; k < 2; k++) {
			struct fake *f = k ? d5 : d0;

			CHECK_STR(R(f, XS_READ, bad[i]), "ERROR:EINVAL|");
			CHECK_STR(R(f, XS_WRITE, bad[i], "x"), "ERROR:EINVAL|");
			CHECK_STR(R(f, XS_MKDIR, bad[i]), "ERROR:EINVAL|");
			CHECK_STR(R(f, XS_RM, bad[i]), "ERROR:EINVAL|");
			CHECK_STR(R(f, XS_DIRECTORY, bad[i]), "ERROR:EINVAL|");
			CHECK_STR(R(f, XS_DIRECTORY_PART, bad[i], "0"),
				  "ERROR:EINVAL|");
			CHECK_STR(R(f, XS_GET_PERMS, bad[i]), "ERROR:EINVAL|");
			CHECK_STR(R(f, XS_SET_PERMS, bad[i], "n0"),
				  "ERROR:EINVAL|");
			CHECK_STR(R(f, XS_WATCH, bad[i], "t"), "ERROR:EINVAL|");
			CHECK_STR(R(f, XS_UNWATCH, bad[i], "t"),
				  "ERROR:EINVAL|");
		}
	}
	CHECK_STR(R(d0, XS_READ, "/local/domain/5"), "READ:");
	CHECK(!fake_killed(d0) && !fake_killed(d5));
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

/* XSA-483: a new domain with an old domid starts with clean usage
 * counts and the global quotas. */
static void test_xsa483_usage_reset(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d7;
	int order;

	for (order = 0; order < 2; order++) {
		introduce(d0, 7);
		home(d0, 7);
		d7 = fake_new(st, 7, false);
		CHECK_STR(R(d0, XS_SET_QUOTA_T, "7", "nodes", "4"),
			  "SET_QUOTA:OK|");
		CHECK_STR(R(d7, XS_WRITE, "data/a", "1"), "WRITE:OK|");
		CHECK_STR(R(d7, XS_WRITE, "data/b", "1"), "WRITE:OK|");
		CHECK_STR(R(d7, XS_WRITE, "data/c/d/e", "1"), "ERROR:ENOSPC|");
		CHECK_STR(R(d7, XS_WATCH, "data", "w"), "WATCH:OK|");
		CHECK(fake_tx_start(d7) != 0);
		/* The domain dies: its connection goes before the RELEASE
		 * is done, or after it (daemon/domains.c frees a ring that
		 * is being serviced only once its turn is over). */
		if (order == 0) {
			fake_free(d7);
			release(d0, 7);
		} else {
			release(d0, 7);
			fake_free(d7);
		}
		introduce(d0, 7);
		d7 = fake_new(st, 7, false);
		CHECK_STR(R(d0, XS_GET_QUOTA_T, "7", "nodes"),
			  "GET_QUOTA:1000|");
		CHECK_INT(usage(d0, 7, "watches"), 0);
		CHECK_INT(usage(d0, 7, "transactions"), 0);
		CHECK(usage(d0, 7, "memory") < 1000);
		CHECK_STR(R(d0, XS_MKDIR, "/local/domain/7/data"), "MKDIR:OK|");
		CHECK_STR(R(d0, XS_SET_PERMS, "/local/domain/7/data", "n7"),
			  "SET_PERMS:OK|");
		CHECK_STR(R(d7, XS_WRITE, "data/a", "1"), "WRITE:OK|");
		CHECK_STR(R(d7, XS_WRITE, "data/b/c/d/e", "1"), "WRITE:OK|");
		CHECK_STR(R(d7, XS_WATCH, "data", "w"), "WATCH:OK|");
		CHECK_INT(usage(d0, 7, "nodes"), 6);
		CHECK_INT(usage(d0, 7, "watches"), 1);
		check_ctl(d0);
		fake_free(d7);
		release(d0, 7);
		R(d0, XS_RM, "/local/domain/7");
	}
	fake_free(d0);
	store_free(st);
}

/* XSA-484: RESET_WATCHES sent inside a transaction drops the caller's
 * transactions too, without tripping over the one in use. */
static void test_xsa484_reset_watches_in_tx(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	uint32_t t, t2;

	home(d0, 5);
	CHECK_STR(R(d5, XS_WATCH, "data", "w"), "WATCH:OK|");
	t = fake_tx_start(d5);
	t2 = fake_tx_start(d5);
	CHECK(t && t2);
	CHECK_STR(RT(d5, t, XS_WRITE, "data/in-tx", "1"), "WRITE:OK|");
	CHECK_STR(RT(d5, t, XS_RESET_WATCHES, ""), "RESET_WATCHES:OK|");
	CHECK_STR(RT(d5, t, XS_READ, "data/in-tx"), "ERROR:ENOENT|");
	CHECK_STR(RT(d5, t, XS_TRANSACTION_END, "T"), "ERROR:ENOENT|");
	CHECK_STR(RT(d5, t2, XS_TRANSACTION_END, "T"), "ERROR:ENOENT|");
	CHECK_STR(R(d5, XS_READ, "data/in-tx"), "ERROR:ENOENT|");
	CHECK_INT(usage(d0, 5, "transactions"), 0);
	CHECK_INT(usage(d0, 5, "watches"), 0);
	fake_clear_events(d5);
	R(d0, XS_WRITE, "/local/domain/5/data/z", "1");
	CHECK_INT(fake_event_count(d5), 0);
	/* And the connection goes on normally. */
	t = fake_tx_start(d5);
	CHECK(t != 0);
	CHECK_STR(RT(d5, t, XS_WRITE, "data/after", "1"), "WRITE:OK|");
	CHECK_STR(RT(d5, t, XS_TRANSACTION_END, "T"), "TRANSACTION_END:OK|");
	CHECK_STR(R(d5, XS_READ, "data/after"), "READ:1");
	check_ctl(d0);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

/* XSA-72: replies over XENSTORE_PAYLOAD_MAX become E2BIG; 4096 itself
 * is fine, in both directions. */
static void test_xsa72_reply_too_big(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	char path[128], name[64], *payload;
	const char *r;
	int i;

	/* 64 children of 63 characters: exactly 4096 bytes of reply. */
	for (i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "%063d", i);
		snprintf(path, sizeof(path), "/big/%s", name);
		R(d0, XS_MKDIR, path);
	}
	r = R(d0, XS_DIRECTORY, "/big");
	CHECK(strncmp(r, "DIRECTORY:", 10) == 0 && strlen(r) == 10 + 4096);
	R(d0, XS_MKDIR, "/big/x");
	CHECK_STR(R(d0, XS_DIRECTORY, "/big"), "ERROR:E2BIG|");
	CHECK(!fake_killed(d0));
	/* A request of exactly 4096 bytes is taken. */
	payload = malloc(XENSTORE_PAYLOAD_MAX);
	memcpy(payload, "/v", 3);
	memset(payload + 3, 'v', XENSTORE_PAYLOAD_MAX - 3);
	r = fake_req_raw(d0, XS_WRITE, 0, payload, XENSTORE_PAYLOAD_MAX);
	CHECK_STR(r, "WRITE:OK|");
	r = R(d0, XS_READ, "/v");
	CHECK(strlen(r) == 5 + XENSTORE_PAYLOAD_MAX - 3);
	free(payload);
	fake_free(d0);
	store_free(st);
}

/* XSA-325: a connection given up for a protocol violation does not make
 * its domain go away. */
static void test_xsa325_bad_client_keeps_domain(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *w = fake_new(st, 0, true);
	struct fake *d7;
	struct xsd_sockmsg h = {XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1};

	introduce(d0, 7);
	home(d0, 7);
	d7 = fake_new(st, 7, false);
	CHECK_STR(R(d7, XS_WRITE, "data/x", "1"), "WRITE:OK|");
	R(w, XS_WATCH, "@releaseDomain", "out");
	fake_clear_events(w);
	fake_feed(d7, &h, sizeof(h));
	CHECK(fake_killed(d7));
	CHECK_INT(fake_event_count(w), 0);
	CHECK_STR(R(d0, XS_IS_DOMAIN_INTRODUCED, "7"),
		  "IS_DOMAIN_INTRODUCED:T|");
	CHECK_STR(R(d0, XS_READ, "/local/domain/7/data/x"), "READ:1");
	fake_free(d7);
	release(d0, 7);
	CHECK_STR(fake_event(w), "@releaseDomain|out|");
	fake_free(w);
	fake_free(d0);
	store_free(st);
}

/* XSA-420 (its length half): a header whose length would be negative
 * as a signed 32-bit number is a protocol violation, nothing else. */
static void test_xsa420_negative_length(void)
{
	static const uint32_t lens[] = {0x80000000u, 0xFFFFFFFFu, 0x7FFFFFFFu,
					XENSTORE_PAYLOAD_MAX + 1};
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct fake *f = fake_new(st, 5, false);
		struct xsd_sockmsg h = {XS_WRITE, 1, 0, lens[i]};

		fake_feed(f, &h, sizeof(h));
		CHECK(fake_killed(f));
		fake_free(f);
	}
	CHECK_STR(R(d0, XS_READ, "/tool/xenstored"), "READ:");
	fake_free(d0);
	store_free(st);
}

/* XSA-414/415: a creation that fails half way (here on the node quota)
 * leaves no orphans, in or out of a transaction. */
static void quota_6_nodes(struct store_config *cfg)
{
	cfg->hard.val[QUOTA_NODES] = 6;
}

static void test_xsa414_415_failed_create(void)
{
	struct store *st = mkstore(quota_6_nodes);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	const char *e;
	char w[64];
	long nodes;
	uint32_t t;

	home(d0, 5);
	R(d5, XS_WRITE, "data/a", "1");
	R(d5, XS_WRITE, "data/b", "1");
	nodes = usage(d0, 5, "nodes");
	CHECK_STR(R(d5, XS_WRITE, "data/x/y/z/w/v/u", "1"), "ERROR:ENOSPC|");
	CHECK_STR(R(d5, XS_READ, "data/x"), "ERROR:ENOENT|");
	CHECK_INT(usage(d0, 5, "nodes"), nodes);
	check_ctl(d0);
	t = fake_tx_start(d5);
	snprintf(w, sizeof(w), "%s",
		 RT(d5, t, XS_WRITE, "data/x/y/z/w/v/u", "1"));
	CHECK(strcmp(w, "ERROR:ENOSPC|") == 0 || is_ok(w));
	e = RT(d5, t, XS_TRANSACTION_END, "T");
	CHECK(!is_ok(w) || strcmp(e, "ERROR:ENOSPC|") == 0);
	CHECK_STR(R(d5, XS_READ, "data/x"), "ERROR:ENOENT|");
	CHECK_INT(usage(d0, 5, "nodes"), nodes);
	check_ctl(d0);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

/* XSA-330: RESET_WATCHES frees what the watches held (the sanitizer
 * build's leak check sees the rest). */
static void test_xsa330_reset_watches_frees(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	long mem;
	char tok[32];
	int i;

	home(d0, 5);
	R(d5, XS_WATCH, "data", "first");
	R(d5, XS_UNWATCH, "data", "first");
	mem = usage(d0, 5, "memory");
	for (i = 0; i < 100; i++) {
		snprintf(tok, sizeof(tok), "token-%d", i);
		CHECK_STR(R(d5, XS_WATCH, i % 2 ? "data" : "/local/domain/5",
			    tok),
			  "WATCH:OK|");
	}
	CHECK(usage(d0, 5, "memory") > mem);
	CHECK_STR(R(d5, XS_RESET_WATCHES, ""), "RESET_WATCHES:OK|");
	CHECK_INT(usage(d0, 5, "watches"), 0);
	CHECK_INT(usage(d0, 5, "memory"), mem);
	fake_clear_events(d5);
	R(d0, XS_WRITE, "/local/domain/5/data/x", "1");
	CHECK_INT(fake_event_count(d5), 0);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

/* XSA-233: releasing a device-model stub domain and its target, in
 * either order, frees each once; new incarnations inherit nothing. */
static void test_xsa233_stubdom_release(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d8;
	int order;

	for (order = 0; order < 2; order++) {
		introduce(d0, 8);
		introduce(d0, 9);
		home(d0, 9);
		CHECK_STR(R(d0, XS_SET_TARGET, "8", "9"), "SET_TARGET:OK|");
		d8 = fake_new(st, 8, false);
		CHECK_STR(R(d8, XS_WRITE, "/local/domain/9/data/dm", "1"),
			  "WRITE:OK|");
		fake_free(d8);
		release(d0, order ? 9 : 8);
		release(d0, order ? 8 : 9);
		introduce(d0, 8);
		introduce(d0, 9);
		home(d0, 9);
		d8 = fake_new(st, 8, false);
		CHECK_STR(R(d8, XS_READ, "/local/domain/9/data"),
			  "ERROR:EACCES|");
		fake_free(d8);
		release(d0, 8);
		release(d0, 9);
		R(d0, XS_RM, "/local/domain/9");
		check_ctl(d0);
	}
	fake_free(d0);
	store_free(st);
}

/* XSA-425: RELEASE and INTRODUCE again in quick succession (soft reset)
 * leave one consistent domain. */
static void test_xsa425_release_reintroduce(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *w = fake_new(st, 0, true);
	struct fake *d7;
	int i;

	R(w, XS_WATCH, "@introduceDomain", "in");
	R(w, XS_WATCH, "@releaseDomain", "out");
	fake_clear_events(w);
	for (i = 0; i < 3; i++) {
		introduce(d0, 7);
		home(d0, 7);
		d7 = fake_new(st, 7, false);
		R(d7, XS_WRITE, "data/x", "1");
		R(d7, XS_WATCH, "data", "w");
		release(d0, 7);
		CHECK_STR(R(d0, XS_RELEASE, "7"), "ERROR:ENOENT|");
		fake_free(d7);
		R(d0, XS_RM, "/local/domain/7");
		check_ctl(d0);
	}
	CHECK_INT(fake_event_count(w), 6);
	CHECK_STR(R(d0, XS_RELEASE, "0"), "ERROR:EINVAL|");
	fake_free(w);
	fake_free(d0);
	store_free(st);
}

/* XSA-57: nodes the toolstack makes read-only for the guest (console/tty)
 * stay so. */
static void test_xsa57_readonly_console_keys(void)
{
	struct store *st = mkstore(NULL);
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);

	home(d0, 5);
	R(d0, XS_WRITE, "/local/domain/5/console/tty", "");
	CHECK_STR(R(d0, XS_SET_PERMS, "/local/domain/5/console", "n0", "r5"),
		  "SET_PERMS:OK|");
	CHECK_STR(
		R(d0, XS_SET_PERMS, "/local/domain/5/console/tty", "n0", "r5"),
		"SET_PERMS:OK|");
	CHECK_STR(R(d5, XS_READ, "console/tty"), "READ:");
	CHECK_STR(R(d5, XS_WRITE, "console/tty", "/dev/evil"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_RM, "console/tty"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_WRITE, "console/new", "x"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_SET_PERMS, "console/tty", "n0", "b5"),
		  "ERROR:EACCES|");
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

int main(void)
{
	RUN(test_xsa115_events_filtered);
	RUN(test_xsa115_special_watches);
	RUN(test_xsa115_priv_and_notid);
	RUN(test_xsa115_rm_fires_specific_nodes);
	RUN(test_xsa322_417_reused_domid);
	RUN(test_xsa324_long_event_dropped);
	RUN(test_xsa326_coalescing);
	RUN(test_xsa326_unread_output_bounded);
	RUN(test_xsa326_event_timeout);
	RUN(test_xsa352_owner_change);
	RUN(test_xsa353_root_permissions);
	RUN(test_xsa418_deep_tree);
	RUN(test_xsa419_owned_nodes_deleted);
	RUN(test_xsa419_released_connection);
	RUN(test_xsa419_keep_orphans);
	RUN(test_xsa421_create_delete_in_tx);
	RUN(test_xsa440_two_tx_delete_same);
	RUN(test_xsa481_local_domain_slash);
	RUN(test_xsa483_usage_reset);
	RUN(test_xsa484_reset_watches_in_tx);
	RUN(test_xsa72_reply_too_big);
	RUN(test_xsa325_bad_client_keeps_domain);
	RUN(test_xsa420_negative_length);
	RUN(test_xsa414_415_failed_create);
	RUN(test_xsa330_reset_watches_frees);
	RUN(test_xsa233_stubdom_release);
	RUN(test_xsa425_release_reintroduce);
	RUN(test_xsa57_readonly_console_keys);
	return CHECK_DONE();
}
