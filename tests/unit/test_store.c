/*
 * test_store.c: the store through its request handler, as a privileged
 * client (dom0) and as unprivileged domains.
 */
#include <stdlib.h>
#include <string.h>

#include "backends/store/store.h"
#include "tests/unit/check.h"
#include "tests/unit/fakeconn.h"

CHECK_MAIN_DEFS;

static struct store *st;

static struct store *new_store(void)
{
	struct store_config cfg;

	store_config_defaults(&cfg);
	return store_new(&cfg, NULL);
}

#define R(f, type, ...)      fake_req(f, type, 0, __VA_ARGS__, NULL)
#define RT(f, tx, type, ...) fake_req(f, type, tx, __VA_ARGS__, NULL)

static void test_basic(void)
{
	struct fake *d0 = fake_new(st, 0, true);

	CHECK_STR(R(d0, XS_WRITE, "/a/b/c", "hello"), "WRITE:OK|");
	CHECK_STR(R(d0, XS_READ, "/a/b/c"), "READ:hello");
	CHECK_STR(R(d0, XS_READ, "/a/b"), "READ:");
	CHECK_STR(R(d0, XS_DIRECTORY, "/a"), "DIRECTORY:b|");
	CHECK_STR(R(d0, XS_MKDIR, "/a/d"), "MKDIR:OK|");
	CHECK_STR(R(d0, XS_MKDIR, "/a/d"), "MKDIR:OK|");
	CHECK_STR(R(d0, XS_DIRECTORY, "/a"), "DIRECTORY:b|d|");
	CHECK_STR(R(d0, XS_RM, "/a/b"), "RM:OK|");
	CHECK_STR(R(d0, XS_READ, "/a/b/c"), "ERROR:ENOENT|");
	CHECK_STR(R(d0, XS_RM, "/a/nothing"), "RM:OK|");
	CHECK_STR(R(d0, XS_RM, "/a/nothing/deeper"), "ERROR:ENOENT|");
	CHECK_STR(R(d0, XS_RM, "/"), "ERROR:EINVAL|");
	/* Relative paths resolve under the caller's home. */
	CHECK_STR(R(d0, XS_WRITE, "rel", "1"), "WRITE:OK|");
	CHECK_STR(R(d0, XS_READ, "/local/domain/0/rel"), "READ:1");
	/* Bad paths. */
	CHECK_STR(R(d0, XS_READ, "/a//b"), "ERROR:EINVAL|");
	CHECK_STR(R(d0, XS_READ, "/a/"), "ERROR:EINVAL|");
	CHECK_STR(R(d0, XS_READ, "/a b"), "ERROR:EINVAL|");
	CHECK_STR(R(d0, XS_READ, ""), "ERROR:EINVAL|");
	CHECK_STR(R(d0, XS_READ, "@introduceDomain"), "ERROR:EINVAL|");
	CHECK_STR(R(d0, XS_GET_PERMS, "@introduceDomain"), "GET_PERMS:n0|");
	/* Payload without its NUL; unknown types. */
	CHECK_STR(fake_req_raw(d0, XS_READ, 0, "/a", 2), "ERROR:EINVAL|");
	CHECK_STR(fake_req_raw(d0, 20, 0, "", 1), "ERROR:ENOSYS|");
	CHECK_STR(fake_req_raw(d0, 99, 0, "", 1), "ERROR:ENOSYS|");
	CHECK_STR(fake_req_raw(d0, XS_INVALID, 0, "", 1), "ERROR:ENOSYS|");
	CHECK_STR(R(d0, XS_GET_DOMAIN_PATH, "7"),
		  "GET_DOMAIN_PATH:/local/domain/7|");
	CHECK_STR(R(d0, XS_GET_DOMAIN_PATH, "x"), "ERROR:EINVAL|");
	CHECK(!fake_killed(d0));
	fake_free(d0);
}

static void test_oversized_header_kills_only_that_client(void)
{
	struct fake *bad = fake_new(st, 0, true), *good = fake_new(st, 0, true);
	struct xsd_sockmsg h = {XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1};

	fake_feed(bad, &h, sizeof(h));
	CHECK(fake_killed(bad));
	CHECK_STR(R(good, XS_READ, "/tool/xenstored"), "READ:");
	fake_free(bad);
	fake_free(good);
}

/* dom0 sets up /local/domain/5 as libxl does. */
static void setup_domain(struct fake *d0, const char *dom)
{
	char home[64], data[80];

	snprintf(home, sizeof(home), "/local/domain/%s", dom);
	snprintf(data, sizeof(data), "%s/data", home);
	R(d0, XS_MKDIR, home);
	R(d0, XS_SET_PERMS, home, "n0", dom[0] == '5' ? "r5" : "r6");
	R(d0, XS_MKDIR, data);
	R(d0, XS_SET_PERMS, data, dom[0] == '5' ? "n5" : "n6");
}

static void test_permissions(void)
{
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);

	setup_domain(d0, "5");
	CHECK_STR(R(d0, XS_WRITE, "/local/domain/0/secret", "x"), "WRITE:OK|");
	CHECK_STR(R(d5, XS_READ, "/local/domain/0/secret"), "ERROR:EACCES|");
	/* Existence does not leak below an unreadable parent. */
	CHECK_STR(R(d5, XS_READ, "/local/domain/0/missing"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_READ, "/local/domain/5/missing"), "ERROR:ENOENT|");
	CHECK_STR(R(d5, XS_READ, "/local/domain/5"), "READ:");
	CHECK_STR(R(d5, XS_WRITE, "/local/domain/5/x", "1"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_WRITE, "data/x/y", "1"), "WRITE:OK|");
	/* An unprivileged creator owns what it creates. */
	CHECK_STR(R(d0, XS_GET_PERMS, "/local/domain/5/data/x/y"),
		  "GET_PERMS:n5|");
	/* Only privileged callers may change the owner. */
	CHECK_STR(R(d5, XS_SET_PERMS, "data/x", "n7"), "ERROR:EPERM|");
	CHECK_STR(R(d5, XS_SET_PERMS, "data/x", "n5", "r7"), "SET_PERMS:OK|");
	CHECK_STR(R(d5, XS_GET_PERMS, "data/x"), "GET_PERMS:n5|r7|");
	CHECK_STR(R(d5, XS_SET_PERMS, "/local/domain/5", "n5"),
		  "ERROR:EACCES|");
	/* Privileged-only messages. */
	CHECK_STR(R(d5, XS_INTRODUCE, "9", "1", "1"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_CONTROL, "check"), "ERROR:EACCES|");
	CHECK_STR(R(d0, XS_CONTROL, "check"), "CONTROL:OK|");
	fake_free(d5);
	fake_free(d0);
}

static void test_transactions(void)
{
	struct fake *d0 = fake_new(st, 0, true), *o = fake_new(st, 0, true);
	uint32_t t;

	R(d0, XS_WRITE, "/t/a", "a");
	t = fake_tx_start(d0);
	CHECK(t != 0);
	CHECK_STR(RT(d0, t, XS_READ, "/t/a"), "READ:a");
	CHECK_STR(RT(d0, t, XS_WRITE, "/t/a", "b"), "WRITE:OK|");
	CHECK_STR(RT(d0, t, XS_READ, "/t/a"), "READ:b");
	CHECK_STR(R(o, XS_READ, "/t/a"), "READ:a");
	CHECK_STR(RT(d0, t, XS_TRANSACTION_END, "T"), "TRANSACTION_END:OK|");
	CHECK_STR(R(o, XS_READ, "/t/a"), "READ:b");

	/* A node read in the transaction changes outside: EAGAIN. */
	t = fake_tx_start(d0);
	CHECK_STR(RT(d0, t, XS_READ, "/t/a"), "READ:b");
	CHECK_STR(R(o, XS_WRITE, "/t/a", "c"), "WRITE:OK|");
	CHECK_STR(RT(d0, t, XS_WRITE, "/t/z", "1"), "WRITE:OK|");
	CHECK_STR(RT(d0, t, XS_TRANSACTION_END, "T"), "ERROR:EAGAIN|");
	CHECK_STR(R(o, XS_READ, "/t/z"), "ERROR:ENOENT|");

	/* Changes to nodes it never read do not conflict. */
	R(d0, XS_WRITE, "/u/x", "1");
	t = fake_tx_start(d0);
	CHECK_STR(RT(d0, t, XS_WRITE, "/t/n", "1"), "WRITE:OK|");
	CHECK_STR(R(o, XS_WRITE, "/u/x", "2"), "WRITE:OK|");
	CHECK_STR(RT(d0, t, XS_TRANSACTION_END, "T"), "TRANSACTION_END:OK|");

	/* Abort applies nothing; unknown ids; nesting. */
	t = fake_tx_start(d0);
	CHECK_STR(RT(d0, t, XS_RM, "/t"), "RM:OK|");
	CHECK_STR(RT(d0, t, XS_READ, "/t/a"), "ERROR:ENOENT|");
	CHECK_STR(RT(d0, t, XS_TRANSACTION_START, ""), "ERROR:EBUSY|");
	CHECK_STR(RT(d0, t, XS_TRANSACTION_END, "X"), "ERROR:EINVAL|");
	CHECK_STR(RT(d0, t, XS_TRANSACTION_END, "F"), "TRANSACTION_END:OK|");
	CHECK_STR(R(o, XS_READ, "/t/a"), "READ:c");
	CHECK_STR(RT(d0, 999, XS_READ, "/t/a"), "ERROR:ENOENT|");
	CHECK_STR(R(d0, XS_TRANSACTION_END, "T"), "ERROR:ENOENT|");

	/* Delete and recreate inside one transaction. */
	t = fake_tx_start(d0);
	CHECK_STR(RT(d0, t, XS_RM, "/t"), "RM:OK|");
	CHECK_STR(RT(d0, t, XS_WRITE, "/t/new", "v"), "WRITE:OK|");
	CHECK_STR(RT(d0, t, XS_DIRECTORY, "/t"), "DIRECTORY:new|");
	CHECK_STR(RT(d0, t, XS_TRANSACTION_END, "T"), "TRANSACTION_END:OK|");
	CHECK_STR(R(o, XS_DIRECTORY, "/t"), "DIRECTORY:new|");
	CHECK_STR(R(o, XS_READ, "/t/a"), "ERROR:ENOENT|");
	CHECK_STR(R(d0, XS_CONTROL, "check"), "CONTROL:OK|");
	fake_free(o);
	fake_free(d0);
}

static void test_watches(void)
{
	struct fake *w = fake_new(st, 0, true), *d0 = fake_new(st, 0, true);
	uint32_t t;

	CHECK_STR(R(w, XS_WATCH, "/w", "tok"), "WATCH:OK|");
	CHECK_STR(fake_event(w), "/w|tok|");
	CHECK_STR(R(w, XS_WATCH, "/w", "tok"), "ERROR:EEXIST|");
	R(d0, XS_WRITE, "/w/a/b", "1");
	CHECK_STR(fake_event(w), "/w/a/b|tok|");
	CHECK(fake_event(w) == NULL);
	R(d0, XS_WRITE, "/other", "1");
	CHECK(fake_event(w) == NULL);
	/* Relative watches get relative event paths. */
	CHECK_STR(R(w, XS_WATCH, "rel", "r"), "WATCH:OK|");
	CHECK_STR(fake_event(w), "rel|r|");
	R(d0, XS_WRITE, "/local/domain/0/rel/x", "1");
	CHECK_STR(fake_event(w), "rel/x|r|");
	/* A recursive RM fires the root to ancestors and exact paths to
	 * watches on descendants that existed. */
	CHECK_STR(R(w, XS_WATCH, "/w/a/b", "deep"), "WATCH:OK|");
	fake_clear_events(w);
	R(d0, XS_RM, "/w/a");
	CHECK_INT(fake_event_count(w), 2);
	CHECK_STR(fake_event(w), "/w/a/b|deep|");
	CHECK_STR(fake_event(w), "/w/a|tok|");
	/* Events in a transaction fire at commit only. */
	t = fake_tx_start(d0);
	RT(d0, t, XS_WRITE, "/w/tx", "1");
	CHECK_INT(fake_event_count(w), 0);
	RT(d0, t, XS_TRANSACTION_END, "T");
	CHECK_STR(fake_event(w), "/w/tx|tok|");
	t = fake_tx_start(d0);
	RT(d0, t, XS_WRITE, "/w/tx2", "1");
	RT(d0, t, XS_TRANSACTION_END, "F");
	CHECK_INT(fake_event_count(w), 0);
	CHECK_STR(R(w, XS_UNWATCH, "/w", "tok"), "UNWATCH:OK|");
	CHECK_STR(R(w, XS_UNWATCH, "/w", "tok"), "ERROR:ENOENT|");
	R(d0, XS_WRITE, "/w/z", "1");
	CHECK_INT(fake_event_count(w), 0);
	fake_free(w);
	fake_free(d0);
}

static void test_watch_permissions(void)
{
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d6 = fake_new(st, 6, false);

	setup_domain(d0, "6");
	CHECK_STR(R(d6, XS_WATCH, "/local/domain/0", "x"), "WATCH:OK|");
	CHECK_STR(R(d6, XS_WATCH, "@introduceDomain", "i"), "WATCH:OK|");
	CHECK_INT(fake_event_count(d6), 2); /* the registration events */
	fake_clear_events(d6);
	R(d0, XS_WRITE, "/local/domain/0/hidden", "1");
	R(d0, XS_INTRODUCE, "12", "100", "3");
	CHECK_INT(fake_event_count(d6), 0);
	fake_free(d6);
	fake_free(d0);
}

static void test_domains(void)
{
	struct fake *d0 = fake_new(st, 0, true), *w = fake_new(st, 0, true);

	R(w, XS_WATCH, "@introduceDomain", "in");
	R(w, XS_WATCH, "@releaseDomain", "out");
	fake_clear_events(w);
	CHECK_STR(R(d0, XS_IS_DOMAIN_INTRODUCED, "3"),
		  "IS_DOMAIN_INTRODUCED:F|");
	CHECK_STR(R(d0, XS_INTRODUCE, "3", "4096", "7"), "INTRODUCE:OK|");
	CHECK_STR(fake_event(w), "@introduceDomain|in|");
	CHECK_STR(R(d0, XS_IS_DOMAIN_INTRODUCED, "3"),
		  "IS_DOMAIN_INTRODUCED:T|");
	/* Domain 3 owns a node and is named in another's permissions. */
	R(d0, XS_WRITE, "/local/domain/3/data/x", "1");
	R(d0, XS_SET_PERMS, "/local/domain/3/data", "n3");
	R(d0, XS_WRITE, "/shared", "1");
	R(d0, XS_SET_PERMS, "/shared", "n0", "b3");
	CHECK_STR(R(d0, XS_RELEASE, "3"), "RELEASE:OK|");
	CHECK_STR(fake_event(w), "@releaseDomain|out|");
	CHECK_STR(R(d0, XS_READ, "/local/domain/3/data"), "ERROR:ENOENT|");
	CHECK_STR(R(d0, XS_GET_PERMS, "/shared"), "GET_PERMS:n0|");
	CHECK_STR(R(d0, XS_RELEASE, "3"), "ERROR:ENOENT|");
	CHECK_STR(R(d0, XS_CONTROL, "check"), "CONTROL:OK|");
	fake_free(w);
	fake_free(d0);
}

static void test_big_directory(void)
{
	struct fake *d0 = fake_new(st, 0, true);
	char name[64];
	const char *r;
	int i;

	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "/big/child-with-a-long-name-%03d",
			 i);
		R(d0, XS_MKDIR, name);
	}
	CHECK_STR(R(d0, XS_DIRECTORY, "/big"), "ERROR:E2BIG|");
	r = R(d0, XS_DIRECTORY_PART, "/big", "0");
	CHECK(strncmp(r, "DIRECTORY_PART:", 15) == 0);
	CHECK(strstr(r, "child-with-a-long-name-000|") != NULL);
	fake_free(d0);
}

int main(void)
{
	st = new_store();
	RUN(test_basic);
	RUN(test_oversized_header_kills_only_that_client);
	RUN(test_permissions);
	RUN(test_transactions);
	RUN(test_watches);
	RUN(test_watch_permissions);
	RUN(test_domains);
	RUN(test_big_directory);
	store_free(st);
	return CHECK_DONE();
}
