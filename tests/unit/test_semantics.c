/*
 * test_semantics.c: request semantics beyond the basics of test_store.c:
 * watch ordering, depth and relative paths, what RM and SET_PERMS fire,
 * GET/SET_FEATURE, GET/SET_QUOTA, SET_TARGET, RESUME, DIRECTORY_PART as
 * libxenstore walks it, transaction isolation and child order, CONTROL.
 *
 * Expectations come from docs/misc/xenstore.txt and C xenstored
 * (tools/xenstored/{core,watch,domain,transaction,control}.c), as
 * summarised in REFERENCE.md §2-§5.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/store/domain_ops.h"
#include "backends/store/store.h"
#include "tests/unit/check.h"
#include "tests/unit/domkit.h"
#include "tests/unit/fakeconn.h"

CHECK_MAIN_DEFS;

#define R(f, type, ...)      fake_req(f, type, 0, __VA_ARGS__, NULL)
#define RT(f, tx, type, ...) fake_req(f, type, tx, __VA_ARGS__, NULL)

static struct store *mkstore(void)
{
	struct store_config cfg;

	store_config_defaults(&cfg);
	return store_new(&cfg, NULL);
}

static bool is_ok(const char *reply)
{
	size_t l = strlen(reply);

	return l > 4 && strcmp(reply + l - 4, ":OK|") == 0;
}

/* Does the blank-separated list contain word? */
static bool has_word(const char *list, const char *word)
{
	size_t l = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word)) != NULL) {
		bool start = p == list || p[-1] == ' ' || p[-1] == ':';
		bool end = p[l] == ' ' || p[l] == '|' || p[l] == '\0';

		if (start && end)
			return true;
		p += l;
	}
	return false;
}

static void test_watch_order(void)
{
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *w = fake_new(st, 0, true), *w2 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);

	home(d0, 5);
	/* The OK comes first, then the registration event. */
	fake_log_reset(w);
	CHECK_STR(R(w, XS_WATCH, "/o", "t"), "WATCH:OK|");
	CHECK_STR(fake_log(w), "WATCH WATCH_EVENT ");
	CHECK_STR(fake_event(w), "/o|t|");
	/* Events come in the order of the changes. */
	R(d0, XS_WRITE, "/o/1", "");
	R(d0, XS_WRITE, "/o/3", "");
	R(d0, XS_WRITE, "/o/2", "");
	R(d0, XS_WRITE, "/o/1", "again"); /* every write fires */
	CHECK_STR(fake_event(w), "/o/1|t|");
	CHECK_STR(fake_event(w), "/o/3|t|");
	CHECK_STR(fake_event(w), "/o/2|t|");
	CHECK_STR(fake_event(w), "/o/1|t|");
	CHECK(fake_event(w) == NULL);
	/* Two tokens on one path, and two connections: everyone is told. */
	CHECK_STR(R(w, XS_WATCH, "/o", "u"), "WATCH:OK|");
	CHECK_STR(R(w2, XS_WATCH, "/o/x", "v"), "WATCH:OK|");
	fake_clear_events(w);
	fake_clear_events(w2);
	R(d0, XS_WRITE, "/o/x", "1");
	CHECK_INT(fake_event_count(w), 2);
	CHECK_STR(fake_event(w2), "/o/x|v|");
	fake_clear_events(w);
	/* Nothing fires for what changes nothing or fails. */
	R(d0, XS_MKDIR, "/o/x");           /* exists */
	R(d0, XS_RM, "/o/missing");        /* absent */
	R(d0, XS_RM, "/o/missing/deeper"); /* ENOENT */
	R(d0, XS_READ, "/o/x");
	R(d5, XS_WRITE, "/o/denied", "1");    /* EACCES */
	R(d5, XS_SET_PERMS, "/o/x", "n5");    /* EACCES */
	R(d0, XS_SET_PERMS, "/o/x", "bogus"); /* EINVAL */
	CHECK_INT(fake_event_count(w), 0);
	CHECK_INT(fake_event_count(w2), 0);
	/* A watch on a node that does not exist yet fires at creation. */
	CHECK_STR(R(w2, XS_WATCH, "/later/node", "l"), "WATCH:OK|");
	fake_clear_events(w2);
	R(d0, XS_WRITE, "/later/node/child", "1");
	CHECK_STR(fake_event(w2), "/later/node/child|l|");
	fake_free(d5);
	fake_free(w2);
	fake_free(w);
	fake_free(d0);
	store_free(st);
}

static void test_watch_depth(void)
{
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *w = fake_new(st, 0, true);

	CHECK_STR(R(w, XS_WATCH, "/dp", "d0", "0"), "WATCH:OK|");
	CHECK_STR(R(w, XS_WATCH, "/dp", "d1", "1"), "WATCH:OK|");
	CHECK_STR(R(w, XS_WATCH, "/dp", "d2", "2"), "WATCH:OK|");
	CHECK_STR(R(w, XS_WATCH, "/", "r1", "1"), "WATCH:OK|");
	CHECK_INT(fake_event_count(w), 4);
	fake_clear_events(w);
	R(d0, XS_WRITE, "/dp", "");
	CHECK_INT(fake_event_count(w), 4); /* /dp is one below "/" */
	fake_clear_events(w);
	R(d0, XS_WRITE, "/dp/a", "");
	CHECK_INT(fake_event_count(w), 2); /* d1, d2 */
	fake_clear_events(w);
	R(d0, XS_WRITE, "/dp/a/b", "");
	CHECK_STR(fake_event(w), "/dp/a/b|d2|");
	CHECK(fake_event(w) == NULL);
	R(d0, XS_WRITE, "/dp/a/b/c", "");
	CHECK_INT(fake_event_count(w), 0);
	R(d0, XS_WRITE, "/top", "");
	CHECK_STR(fake_event(w), "/top|r1|");
	/* A removal reports the removed root, within depth. */
	R(d0, XS_RM, "/dp/a");
	CHECK_INT(fake_event_count(w), 2); /* d1, d2 */
	fake_clear_events(w);
	/* Bad depths. */
	CHECK_STR(R(w, XS_WATCH, "/dp", "bad", "x"), "ERROR:EINVAL|");
	CHECK_STR(R(w, XS_WATCH, "/dp", "bad", "-1"), "ERROR:EINVAL|");
	CHECK_STR(R(w, XS_WATCH, "/dp", "bad", ""), "ERROR:EINVAL|");
	CHECK_STR(R(w, XS_WATCH, "@releaseDomain", "bad", "2"),
		  "ERROR:EINVAL|");
	/* The same path and token is a duplicate whatever the depth. */
	CHECK_STR(R(w, XS_WATCH, "/dp", "d0", "3"), "ERROR:EEXIST|");
	CHECK_STR(R(w, XS_UNWATCH, "/dp", "d1"), "UNWATCH:OK|");
	fake_free(w);
	fake_free(d0);
	store_free(st);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* All pending events, sorted, blank separated: for changes that fire
 * several watches at once, in no promised order. */
static const char *events_sorted(struct fake *f)
{
	static char out[4096];
	char *ev[32];
	const char *e;
	size_t n = 0, i, off = 0;

	while (n < 32 && (e = fake_event(f)) != NULL)
		ev[n++] = strdup(e);
	qsort(ev, n, sizeof(ev[0]), cmp_str);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s ",
					ev[i]);
		free(ev[i]);
	}
	return out;
}

/* 4.22 special watches: depth 1 on @releaseDomain, or a watch on
 * @releaseDomain/<domid>, gets events naming the domain
 * (fire_special_watches() with WATCH_DOM); a plain watch gets the plain
 * event. */
static void test_special_watch_depth(void)
{
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *w = fake_new(st, 0, true);

	introduce(d0, 7);
	introduce(d0, 8);
	CHECK_STR(R(w, XS_WATCH, "@releaseDomain", "plain"), "WATCH:OK|");
	CHECK_STR(R(w, XS_WATCH, "@releaseDomain", "depth", "1"), "WATCH:OK|");
	CHECK_STR(R(w, XS_WATCH, "@releaseDomain/7", "only7"), "WATCH:OK|");
	fake_clear_events(w);
	CHECK_STR(R(d0, XS_RELEASE, "8"), "RELEASE:OK|");
	CHECK_STR(events_sorted(w), "@releaseDomain/8|depth| "
				    "@releaseDomain|plain| ");
	CHECK_STR(R(d0, XS_RELEASE, "7"), "RELEASE:OK|");
	CHECK_STR(events_sorted(w), "@releaseDomain/7|depth| "
				    "@releaseDomain/7|only7| "
				    "@releaseDomain|plain| ");
	fake_free(w);
	fake_free(d0);
	store_free(st);
}

static void test_relative_watches(void)
{
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);

	home(d0, 5);
	CHECK_STR(R(d5, XS_WATCH, "data", "rel"), "WATCH:OK|");
	CHECK_STR(fake_event(d5), "data|rel|");
	CHECK_STR(R(d5, XS_WATCH, "/local/domain/5/data", "abs"), "WATCH:OK|");
	CHECK_STR(fake_event(d5), "/local/domain/5/data|abs|");
	/* Same node, both spellings: two distinct watches. */
	R(d0, XS_WRITE, "/local/domain/5/data/x/y", "1");
	CHECK_INT(fake_event_count(d5), 2);
	{
		char a[128], b[128];

		snprintf(a, sizeof(a), "%s", fake_event(d5));
		snprintf(b, sizeof(b), "%s", fake_event(d5));
		CHECK((strcmp(a, "data/x/y|rel|") == 0 &&
		       strcmp(b, "/local/domain/5/data/x/y|abs|") == 0) ||
		      (strcmp(b, "data/x/y|rel|") == 0 &&
		       strcmp(a, "/local/domain/5/data/x/y|abs|") == 0));
	}
	/* A watch is found by its canonical path, however spelled. */
	CHECK_STR(R(d5, XS_UNWATCH, "/local/domain/5/data", "rel"),
		  "UNWATCH:OK|");
	CHECK_STR(R(d5, XS_UNWATCH, "data", "abs"), "UNWATCH:OK|");
	CHECK_STR(R(d5, XS_UNWATCH, "data", "abs"), "ERROR:ENOENT|");
	/* Removal of the home reaches a relative watch below it. */
	CHECK_STR(R(d5, XS_WATCH, "data/x", "x"), "WATCH:OK|");
	fake_clear_events(d5);
	R(d0, XS_RM, "/local/domain/5");
	CHECK_STR(fake_event(d5), "data/x|x|");
	CHECK(fake_event(d5) == NULL);
	/* dom0 on the socket has a home too. */
	CHECK_STR(R(d0, XS_WATCH, "mine", "m"), "WATCH:OK|");
	CHECK_STR(fake_event(d0), "mine|m|");
	R(d0, XS_WRITE, "/local/domain/0/mine/a", "");
	CHECK_STR(fake_event(d0), "mine/a|m|");
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

static void test_rm_firing(void)
{
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *w = fake_new(st, 0, true);
	uint32_t t;
	int n, i;
	char got[4][64];

	R(d0, XS_WRITE, "/r/a/b/c", "");
	R(d0, XS_WRITE, "/r/d", "");
	R(w, XS_WATCH, "/r/a/b/c", "c");
	R(w, XS_WATCH, "/r/a/b/c/e", "ghost"); /* never existed */
	R(w, XS_WATCH, "/r/d", "d");
	R(w, XS_WATCH, "/r", "r");
	R(w, XS_WATCH, "/", "root");
	fake_clear_events(w);
	/* A subtree below the watches: "/" and "/r" see its root. */
	R(d0, XS_RM, "/r/a/b");
	CHECK_INT(fake_event_count(w), 3);
	CHECK_STR(fake_event(w), "/r/a/b/c|c|");
	n = 0;
	while (n < 4) {
		const char *e = fake_event(w);

		if (!e)
			break;
		snprintf(got[n++], sizeof(got[0]), "%s", e);
	}
	CHECK_INT(n, 2);
	CHECK((strcmp(got[0], "/r/a/b|r|") == 0 &&
	       strcmp(got[1], "/r/a/b|root|") == 0) ||
	      (strcmp(got[1], "/r/a/b|r|") == 0 &&
	       strcmp(got[0], "/r/a/b|root|") == 0));
	/* Inside a transaction: the same events, at commit only. */
	R(d0, XS_WRITE, "/r/a/b/c", "");
	fake_clear_events(w);
	t = fake_tx_start(d0);
	CHECK_STR(RT(d0, t, XS_RM, "/r/a"), "RM:OK|");
	CHECK_INT(fake_event_count(w), 0);
	CHECK_STR(RT(d0, t, XS_TRANSACTION_END, "T"), "TRANSACTION_END:OK|");
	n = fake_event_count(w);
	CHECK_INT(n, 3);
	for (i = 0; i < n && i < 4; i++)
		snprintf(got[i], sizeof(got[0]), "%s", fake_event(w));
	for (i = 0; i < 3; i++)
		CHECK(strcmp(got[i], "/r/a/b/c|c|") == 0 ||
		      strcmp(got[i], "/r/a|r|") == 0 ||
		      strcmp(got[i], "/r/a|root|") == 0);
	fake_free(w);
	fake_free(d0);
	store_free(st);
}

static void test_set_perms_firing(void)
{
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);

	R(d0, XS_WRITE, "/sp/x", "1");
	R(d0, XS_SET_PERMS, "/sp/x", "n0", "r5");
	CHECK_STR(R(d5, XS_WATCH, "/sp/x", "w"), "WATCH:OK|");
	fake_clear_events(d5);
	R(d0, XS_WRITE, "/sp/x", "2");
	CHECK_STR(fake_event(d5), "/sp/x|w|");
	/* 5 loses access: it is still told of that change... */
	CHECK_STR(R(d0, XS_SET_PERMS, "/sp/x", "n0"), "SET_PERMS:OK|");
	CHECK_STR(fake_event(d5), "/sp/x|w|");
	/* ... but of nothing after it. */
	R(d0, XS_WRITE, "/sp/x", "3");
	CHECK_INT(fake_event_count(d5), 0);
	/* Given access again, it is told. */
	CHECK_STR(R(d0, XS_SET_PERMS, "/sp/x", "n0", "r5"), "SET_PERMS:OK|");
	CHECK_STR(fake_event(d5), "/sp/x|w|");
	/* The same in a transaction: old permissions count at commit. */
	{
		uint32_t t = fake_tx_start(d0);

		CHECK_STR(RT(d0, t, XS_SET_PERMS, "/sp/x", "n0"),
			  "SET_PERMS:OK|");
		CHECK_INT(fake_event_count(d5), 0);
		CHECK_STR(RT(d0, t, XS_TRANSACTION_END, "T"),
			  "TRANSACTION_END:OK|");
		CHECK_STR(fake_event(d5), "/sp/x|w|");
	}
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

static void test_features(void)
{
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	char want[64];

	snprintf(want, sizeof(want), "GET_FEATURE:%u|",
		 (unsigned)STORE_FEATURES);
	CHECK_STR(fake_req_raw(d0, XS_GET_FEATURE_T, 0, "", 0), want);
	CHECK_STR(R(d0, XS_SET_FEATURE_T, "9", "4"), "SET_FEATURE:OK|");
	CHECK_STR(R(d0, XS_GET_FEATURE_T, "9"), "GET_FEATURE:4|");
	CHECK_STR(R(d0, XS_SET_FEATURE_T, "9", "0"), "SET_FEATURE:OK|");
	CHECK_STR(R(d0, XS_GET_FEATURE_T, "9"), "GET_FEATURE:0|");
	/* Unsupported bits. */
	CHECK_STR(R(d0, XS_SET_FEATURE_T, "9", "16"), "ERROR:EINVAL|");
	CHECK_STR(R(d0, XS_SET_FEATURE_T, "9", "x"), "ERROR:EINVAL|");
	CHECK_STR(R(d0, XS_SET_FEATURE_T, "9"), "ERROR:EINVAL|");
	/* Fixed once the domain is introduced. */
	introduce(d0, 9);
	CHECK_STR(R(d0, XS_SET_FEATURE_T, "9", "4"), "ERROR:EBUSY|");
	CHECK_STR(R(d0, XS_GET_FEATURE_T, "9"), "GET_FEATURE:0|");
	/* Privileged (with a domid at least). */
	CHECK_STR(R(d5, XS_SET_FEATURE_T, "5", "4"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_GET_FEATURE_T, "9"), "ERROR:EACCES|");
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

static void test_quota_requests(void)
{
	static const char *const names[] = {
		"nodes",
		"watches",
		"outstanding",
		"memory",
		"transactions",
		"transaction-nodes",
		"node-permissions",
		"path-max",
		"node-size",
		"soft-memory",
	};
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	const char *r;
	size_t i;

	/* No argument: the names, blank separated (soft ones prefixed). */
	r = fake_req_raw(d0, XS_GET_QUOTA_T, 0, "", 0);
	CHECK(strncmp(r, "GET_QUOTA:", 10) == 0);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CHECK(has_word(r + 10, names[i]));
		if (!has_word(r + 10, names[i]))
			fprintf(stderr, "  \"%s\" not in %s\n", names[i], r);
	}
	/* Global values, hard and soft. */
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "nodes"), "GET_QUOTA:1000|");
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "transactions"), "GET_QUOTA:10|");
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "memory"), "GET_QUOTA:2621440|");
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "soft-memory"), "GET_QUOTA:2097152|");
	CHECK_STR(R(d0, XS_SET_QUOTA_T, "nodes", "50"), "SET_QUOTA:OK|");
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "nodes"), "GET_QUOTA:50|");
	CHECK_STR(R(d0, XS_SET_QUOTA_T, "soft-memory", "1000000"),
		  "SET_QUOTA:OK|");
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "soft-memory"), "GET_QUOTA:1000000|");
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "memory"), "GET_QUOTA:2621440|");
	/* Bad names and values. */
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "bogus"), "ERROR:EINVAL|");
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "soft-bogus"), "ERROR:EINVAL|");
	CHECK_STR(R(d0, XS_SET_QUOTA_T, "bogus", "1"), "ERROR:EINVAL|");
	CHECK_STR(R(d0, XS_SET_QUOTA_T, "nodes", "abc"), "ERROR:EINVAL|");
	CHECK_STR(R(d0, XS_SET_QUOTA_T, "nodes"), "ERROR:EINVAL|");
	/* Per domain: its own values, defaulting to the global ones. */
	introduce(d0, 5);
	home(d0, 5);
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "5", "nodes"), "GET_QUOTA:50|");
	CHECK_STR(R(d0, XS_SET_QUOTA_T, "5", "nodes", "3"), "SET_QUOTA:OK|");
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "5", "nodes"), "GET_QUOTA:3|");
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "5", "watches"), "GET_QUOTA:128|");
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "nodes"), "GET_QUOTA:50|");
	CHECK_STR(R(d0, XS_SET_QUOTA_T, "5", "soft-memory", "1000"),
		  "SET_QUOTA:OK|");
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "5", "soft-memory"), "GET_QUOTA:1000|");
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "soft-memory"), "GET_QUOTA:1000000|");
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "77", "nodes"), "ERROR:ENOENT|");
	CHECK_STR(R(d0, XS_SET_QUOTA_T, "77", "nodes", "1"), "ERROR:ENOENT|");
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "x", "nodes"), "ERROR:EINVAL|");
	/* The per-domain limit applies. */
	CHECK_STR(R(d5, XS_WRITE, "data/a", ""), "WRITE:OK|");
	CHECK_STR(R(d5, XS_WRITE, "data/b/c/d", ""), "ERROR:ENOSPC|");
	/* Privileged only. */
	CHECK_STR(R(d5, XS_GET_QUOTA_T, "nodes"), "ERROR:EACCES|");
	CHECK_STR(R(d5, XS_SET_QUOTA_T, "nodes", "9999"), "ERROR:EACCES|");
	CHECK_STR(fake_req_raw(d5, XS_GET_QUOTA_T, 0, "", 0), "ERROR:EACCES|");
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

static void test_set_target(void)
{
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d8 = fake_new(st, 8, false);

	introduce(d0, 8);
	introduce(d0, 9);
	home(d0, 9);
	R(d0, XS_WRITE, "/local/domain/9/data/v", "nine");
	CHECK_STR(R(d8, XS_READ, "/local/domain/9/data/v"), "ERROR:EACCES|");
	CHECK_STR(R(d8, XS_SET_TARGET, "8", "9"), "ERROR:EACCES|");
	CHECK_STR(R(d0, XS_SET_TARGET, "8", "9"), "SET_TARGET:OK|");
	/* 8 now has 9's rights, ownership included. */
	CHECK_STR(R(d8, XS_READ, "/local/domain/9/data/v"), "READ:nine");
	CHECK_STR(R(d8, XS_READ, "/local/domain/9"), "READ:");
	CHECK_STR(R(d8, XS_WRITE, "/local/domain/9/data/dm", "x"), "WRITE:OK|");
	CHECK_STR(R(d8, XS_GET_PERMS, "/local/domain/9/data/dm"),
		  "GET_PERMS:n8|");
	CHECK_STR(R(d8, XS_SET_PERMS, "/local/domain/9/data", "n9", "r8"),
		  "SET_PERMS:OK|");
	CHECK_STR(R(d8, XS_SET_PERMS, "/local/domain/9/data", "n8"),
		  "ERROR:EPERM|");
	CHECK_STR(R(d8, XS_WRITE, "/local/domain/9/x", "x"), "ERROR:EACCES|");
	/* ... and sees 9's events. */
	CHECK_STR(R(d8, XS_WATCH, "/local/domain/9/data", "w"), "WATCH:OK|");
	fake_clear_events(d8);
	R(d0, XS_WRITE, "/local/domain/9/data/v", "changed");
	CHECK_STR(fake_event(d8), "/local/domain/9/data/v|w|");
	/* Bad requests. */
	CHECK(!is_ok(R(d0, XS_SET_TARGET, "8", "77")));
	CHECK(!is_ok(R(d0, XS_SET_TARGET, "77", "9")));
	CHECK_STR(R(d0, XS_SET_TARGET, "x", "9"), "ERROR:EINVAL|");
	CHECK_STR(R(d0, XS_SET_TARGET, "8"), "ERROR:EINVAL|");
	fake_free(d8);
	fake_free(d0);
	store_free(st);
}

static void test_resume_and_domain_requests(void)
{
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);

	introduce(d0, 7);
	CHECK_STR(R(d0, XS_RESUME, "7"), "RESUME:OK|");
	CHECK_STR(R(d0, XS_RESUME, "77"), "ERROR:ENOENT|");
	CHECK_STR(R(d0, XS_RESUME, "x"), "ERROR:EINVAL|");
	CHECK_STR(R(d0, XS_RESUME, ""), "ERROR:EINVAL|");
	CHECK_STR(R(d5, XS_RESUME, "7"), "ERROR:EACCES|");
	/* Other domain requests and their argument checks. */
	CHECK_STR(R(d0, XS_INTRODUCE, "7", "-5", "3"), "INTRODUCE:OK|");
	CHECK_STR(R(d0, XS_INTRODUCE, "8", "1"), "ERROR:EINVAL|");
	CHECK_STR(R(d0, XS_INTRODUCE, "x", "1", "3"), "ERROR:EINVAL|");
	CHECK_STR(R(d0, XS_INTRODUCE, "8", "x", "3"), "ERROR:EINVAL|");
	CHECK_STR(R(d0, XS_IS_DOMAIN_INTRODUCED, "8"),
		  "IS_DOMAIN_INTRODUCED:F|");
	CHECK_STR(R(d0, XS_IS_DOMAIN_INTRODUCED, "7"),
		  "IS_DOMAIN_INTRODUCED:T|");
	CHECK_STR(R(d0, XS_IS_DOMAIN_INTRODUCED, "0"),
		  "IS_DOMAIN_INTRODUCED:T|");
	CHECK_STR(R(d0, XS_IS_DOMAIN_INTRODUCED, "x"), "ERROR:EINVAL|");
	CHECK_STR(R(d5, XS_GET_DOMAIN_PATH, "7"),
		  "GET_DOMAIN_PATH:/local/domain/7|");
	CHECK_STR(R(d0, XS_RELEASE, "77"), "ERROR:ENOENT|");
	CHECK_STR(R(d0, XS_RELEASE, "7"), "RELEASE:OK|");
	CHECK_STR(R(d0, XS_RESUME, "7"), "ERROR:ENOENT|");
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

/* @releaseDomain fires once when a domain shuts down, again only after
 * RESUME, and again when it is gone (do_check_domain, domain_release). */
static void test_shutdown_and_resume(void)
{
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *w = fake_new(st, 0, true);

	introduce(d0, 7);
	introduce(d0, 8);
	R(w, XS_WATCH, "@releaseDomain", "out");
	fake_clear_events(w);
	store_domain_shutdown(st, 7);
	CHECK_STR(fake_event(w), "@releaseDomain|out|");
	store_domain_shutdown(st, 7);
	CHECK_INT(fake_event_count(w), 0);
	/* Another domain is independent. */
	store_domain_shutdown(st, 8);
	CHECK_INT(fake_event_count(w), 1);
	fake_clear_events(w);
	/* RESUME re-arms it. */
	CHECK_STR(R(d0, XS_RESUME, "7"), "RESUME:OK|");
	CHECK_INT(fake_event_count(w), 0);
	store_domain_shutdown(st, 7);
	CHECK_STR(fake_event(w), "@releaseDomain|out|");
	/* Death fires once more, and only once. */
	store_domain_gone(st, 7);
	CHECK_STR(fake_event(w), "@releaseDomain|out|");
	store_domain_gone(st, 7);
	store_domain_shutdown(st, 7);
	store_domain_shutdown(st, 99);
	store_domain_gone(st, 99);
	CHECK_INT(fake_event_count(w), 0);
	CHECK_STR(R(d0, XS_IS_DOMAIN_INTRODUCED, "7"),
		  "IS_DOMAIN_INTRODUCED:F|");
	CHECK_STR(R(d0, XS_RESUME, "7"), "ERROR:ENOENT|");
	/* A new incarnation starts armed. */
	introduce(d0, 7);
	fake_clear_events(w);
	store_domain_shutdown(st, 7);
	CHECK_STR(fake_event(w), "@releaseDomain|out|");
	fake_free(w);
	fake_free(d0);
	store_free(st);
}

struct hv_log {
	int introduced, released;
	unsigned last_domid, last_port;
	int fail; /* what introduce returns */
};

static int hv_introduce_cb(void *arg, unsigned domid, uint64_t mfn,
			   unsigned port)
{
	struct hv_log *h = arg;

	h->introduced++;
	h->last_domid = domid;
	h->last_port = port;
	return h->fail;
}

static void hv_release_cb(void *arg, unsigned domid)
{
	struct hv_log *h = arg;

	h->released++;
	h->last_domid = domid;
}

/* INTRODUCE and RELEASE reach the ring owner; a ring that cannot be
 * connected fails the INTRODUCE and introduces nothing. */
static void test_domain_ops(void)
{
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *w = fake_new(st, 0, true);
	struct hv_log h = {0, 0, 0, 0, 0};
	struct store_domain_ops ops = {&h, hv_introduce_cb, hv_release_cb,
				       NULL};

	store_set_domain_ops(st, &ops);
	R(w, XS_WATCH, "@introduceDomain", "in");
	fake_clear_events(w);
	CHECK_STR(R(d0, XS_INTRODUCE, "7", "100", "11"), "INTRODUCE:OK|");
	CHECK_INT(h.introduced, 1);
	CHECK_INT(h.last_domid, 7);
	CHECK_INT(h.last_port, 11);
	CHECK_STR(fake_event(w), "@introduceDomain|in|");
	/* The same again changes nothing; a new port reconnects. */
	CHECK_STR(R(d0, XS_INTRODUCE, "7", "100", "11"), "INTRODUCE:OK|");
	CHECK_INT(h.introduced, 1);
	CHECK_STR(R(d0, XS_INTRODUCE, "7", "100", "12"), "INTRODUCE:OK|");
	CHECK_INT(h.introduced, 2);
	CHECK_INT(h.last_port, 12);
	CHECK_INT(fake_event_count(w), 0);
	/* Failure to connect. */
	h.fail = -ENOENT;
	CHECK_STR(R(d0, XS_INTRODUCE, "8", "100", "13"), "ERROR:ENOENT|");
	CHECK_STR(R(d0, XS_IS_DOMAIN_INTRODUCED, "8"),
		  "IS_DOMAIN_INTRODUCED:F|");
	CHECK_INT(fake_event_count(w), 0);
	h.fail = 0;
	CHECK_STR(R(d0, XS_RELEASE, "7"), "RELEASE:OK|");
	CHECK_INT(h.released, 1);
	CHECK_INT(h.last_domid, 7);
	CHECK_STR(R(d0, XS_RELEASE, "8"), "ERROR:ENOENT|");
	CHECK_INT(h.released, 1);
	fake_free(w);
	fake_free(d0);
	store_free(st);
}

/* Domains 1 to 9 exist, as the hypervisor would say. */
static bool small_exists_cb(void *arg, unsigned domid)
{
	return domid >= 1 && domid <= 9;
}

/* SET_PERMS naming domains that do not exist: the owner gives ENOENT,
 * other entries are ignored (C's XS_PERM_IGNORE: not shown, no access,
 * even for a domain made later with that domid).  Without a hypervisor
 * to ask, every domain exists. */
static void test_set_perms_owner_exists(void)
{
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true);
	struct store_domain_ops ops = {NULL, NULL, NULL, small_exists_cb};
	struct fake *d43;

	CHECK_STR(R(d0, XS_WRITE, "/o", "x"), "WRITE:OK|");
	CHECK_STR(R(d0, XS_SET_PERMS, "/o", "n42"), "SET_PERMS:OK|");
	store_set_domain_ops(st, &ops);
	CHECK_STR(R(d0, XS_SET_PERMS, "/o", "n43"), "ERROR:ENOENT|");
	CHECK_STR(R(d0, XS_GET_PERMS, "/o"), "GET_PERMS:n42|");
	CHECK_STR(R(d0, XS_SET_PERMS, "/o", "n5", "r43", "r6"),
		  "SET_PERMS:OK|");
	CHECK_STR(R(d0, XS_GET_PERMS, "/o"), "GET_PERMS:n5|r6|");
	/* Domain 43 appears later: the entry still gives it nothing. */
	CHECK_STR(R(d0, XS_INTRODUCE, "43", "100", "12"), "INTRODUCE:OK|");
	d43 = fake_new(st, 43, false);
	CHECK_STR(R(d43, XS_READ, "/o"), "ERROR:EACCES|");
	fake_free(d43);
	/* The store domain and introduced domains exist whatever it says. */
	CHECK_STR(R(d0, XS_SET_PERMS, "/o", "b0"), "SET_PERMS:OK|");
	CHECK_STR(R(d0, XS_INTRODUCE, "20", "100", "11"), "INTRODUCE:OK|");
	CHECK_STR(R(d0, XS_SET_PERMS, "/o", "n20"), "SET_PERMS:OK|");
	CHECK_STR(R(d0, XS_GET_PERMS, "/o"), "GET_PERMS:n20|");
	fake_free(d0);
	store_free(st);
}

/*
 * A directory fetched the way libxenstore's xs_directory_part() does:
 * offsets are byte counts into the child list, a changed generation
 * restarts from 0, the last chunk ends with an empty string.  Returns
 * the list as DIRECTORY shows it ("a|b|"); `between` runs after the
 * first chunk.
 */
static char *dir_by_parts(struct fake *f, uint32_t tx, const char *path,
			  int *chunks, int *restarts, void (*between)(void *),
			  void *arg)
{
	size_t cap = 1 << 20, off = 0;
	char *buf = malloc(cap), gen[32] = "", offs[24];
	int guard = 0;

	*chunks = *restarts = 0;
	while (guard++ < 10000) {
		const char *r, *bar;
		size_t glen, rlen;

		snprintf(offs, sizeof(offs), "%zu", off);
		r = RT(f, tx, XS_DIRECTORY_PART, path, offs);
		if (strncmp(r, "DIRECTORY_PART:", 15) != 0) {
			snprintf(buf, cap, "%s", r);
			return buf;
		}
		r += 15;
		bar = strchr(r, '|');
		if (!bar)
			break;
		glen = (size_t)(bar - r);
		if (off && (strlen(gen) != glen || strncmp(gen, r, glen))) {
			off = 0;
			(*restarts)++;
			continue;
		}
		if (!off)
			snprintf(gen, sizeof(gen), "%.*s", (int)glen, r);
		r = bar + 1;
		rlen = strlen(r);
		if (off + rlen + 1 > cap)
			break;
		memcpy(buf + off, r, rlen + 1);
		off += rlen;
		(*chunks)++;
		if (*chunks == 1 && between)
			between(arg);
		if (off <= 1 || buf[off - 2] == '|')
			break;
	}
	/* Drop the final empty string. */
	if (off)
		buf[off - 1] = '\0';
	return buf;
}

struct adder {
	struct fake *f;
	const char *path;
};

static void add_child_cb(void *arg)
{
	struct adder *a = arg;

	R(a->f, XS_WRITE, a->path, "");
}

/* The generation of a node as DIRECTORY_PART reports it. */
static long dp_gen(struct fake *f, const char *path)
{
	const char *r = R(f, XS_DIRECTORY_PART, path, "0");

	if (strncmp(r, "DIRECTORY_PART:", 15) != 0)
		return -1;
	return strtol(r + 15, NULL, 10);
}

static void test_directory_part(void)
{
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true), *o = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	char *want = malloc(1 << 20), *got, name[96], gen[32];
	struct adder add = {o, "/big/added-in-the-middle-of-a-walk"};
	size_t off = 0;
	int i, chunks, restarts;
	const char *r;
	long g1, g2;

	/* Small: one chunk, same as DIRECTORY. */
	R(d0, XS_WRITE, "/small/b", "");
	R(d0, XS_WRITE, "/small/a", "");
	R(d0, XS_WRITE, "/small/c", "");
	got = dir_by_parts(d0, 0, "/small", &chunks, &restarts, NULL, NULL);
	CHECK_STR(got, "b|a|c|");
	CHECK_INT(chunks, 1);
	free(got);
	/* Empty directory: just the terminating empty string. */
	R(d0, XS_MKDIR, "/empty");
	g1 = dp_gen(d0, "/empty");
	snprintf(gen, sizeof(gen), "DIRECTORY_PART:%ld||", g1);
	CHECK_STR(R(d0, XS_DIRECTORY_PART, "/empty", "0"), gen);
	/* Past the end likewise (send_directory_part). */
	g1 = dp_gen(d0, "/small");
	snprintf(gen, sizeof(gen), "DIRECTORY_PART:%ld||", g1);
	CHECK_STR(R(d0, XS_DIRECTORY_PART, "/small", "6"), gen);
	CHECK_STR(R(d0, XS_DIRECTORY_PART, "/small", "1000"), gen);
	/* Big: 2,000 children, about 76 KB of names. */
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name),
			 "/big/child-%04d-with-a-fairly-long-name",
			 (i * 7) % 2000);
		R(d0, XS_MKDIR, name);
		off += (size_t)snprintf(want + off, (1 << 20) - off, "%s|",
					name + 5);
	}
	CHECK_STR(R(d0, XS_DIRECTORY, "/big"), "ERROR:E2BIG|");
	got = dir_by_parts(d0, 0, "/big", &chunks, &restarts, NULL, NULL);
	CHECK(strcmp(got, want) == 0);
	CHECK(chunks >= (int)(off / XENSTORE_PAYLOAD_MAX) + 1);
	CHECK_INT(restarts, 0);
	free(got);
	/* Each chunk stays within the payload limit. */
	r = R(d0, XS_DIRECTORY_PART, "/big", "0");
	CHECK(strlen(r) - 15 <= XENSTORE_PAYLOAD_MAX);
	/* A change in the middle of the walk restarts it. */
	got = dir_by_parts(d0, 0, "/big", &chunks, &restarts, add_child_cb,
			   &add);
	CHECK_INT(restarts, 1);
	strcat(want, "added-in-the-middle-of-a-walk|");
	CHECK(strcmp(got, want) == 0);
	free(got);
	/* The generation moves with the children, not their values. */
	g1 = dp_gen(d0, "/big");
	R(d0, XS_WRITE, "/big/child-0001-with-a-fairly-long-name", "value");
	R(d0, XS_WRITE, "/big/child-0001-with-a-fairly-long-name/sub", "");
	CHECK_INT(dp_gen(d0, "/big"), g1);
	R(d0, XS_MKDIR, "/big/one-more");
	g2 = dp_gen(d0, "/big");
	CHECK(g2 != g1);
	R(d0, XS_RM, "/big/one-more");
	CHECK(dp_gen(d0, "/big") != g2);
	/* Permissions and arguments. */
	CHECK_STR(R(d5, XS_DIRECTORY_PART, "/big", "0"), "ERROR:EACCES|");
	CHECK_STR(R(d0, XS_DIRECTORY_PART, "/big"), "ERROR:EINVAL|");
	CHECK_STR(R(d0, XS_DIRECTORY_PART, "/nothing", "0"), "ERROR:ENOENT|");
	/* In a transaction: the transaction's view. */
	{
		uint32_t t = fake_tx_start(d0);

		RT(d0, t, XS_WRITE, "/small/d", "");
		got = dir_by_parts(d0, t, "/small", &chunks, &restarts, NULL,
				   NULL);
		CHECK_STR(got, "b|a|c|d|");
		free(got);
		got = dir_by_parts(d0, 0, "/small", &chunks, &restarts, NULL,
				   NULL);
		CHECK_STR(got, "b|a|c|");
		free(got);
		RT(d0, t, XS_TRANSACTION_END, "F");
	}
	free(want);
	fake_free(d5);
	fake_free(o);
	fake_free(d0);
	store_free(st);
}

static void test_tx_directory_isolation(void)
{
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true), *o = fake_new(st, 0, true);
	uint32_t t;

	R(d0, XS_WRITE, "/ti/a", "1");
	R(d0, XS_WRITE, "/ti/b", "1");
	t = fake_tx_start(d0);
	CHECK_STR(RT(d0, t, XS_DIRECTORY, "/ti"), "DIRECTORY:a|b|");
	CHECK_STR(RT(d0, t, XS_READ, "/ti/a"), "READ:1");
	/* Changes made outside after the transaction looked stay outside. */
	R(o, XS_WRITE, "/ti/c", "1");
	R(o, XS_WRITE, "/ti/a", "2");
	CHECK_STR(RT(d0, t, XS_DIRECTORY, "/ti"), "DIRECTORY:a|b|");
	CHECK_STR(RT(d0, t, XS_READ, "/ti/a"), "READ:1");
	/* The transaction's own changes are visible to it only. */
	CHECK_STR(RT(d0, t, XS_WRITE, "/ti/mine", "m"), "WRITE:OK|");
	CHECK_STR(RT(d0, t, XS_DIRECTORY, "/ti"), "DIRECTORY:a|b|mine|");
	CHECK_STR(R(o, XS_DIRECTORY, "/ti"), "DIRECTORY:a|b|c|");
	CHECK_STR(R(o, XS_READ, "/ti/mine"), "ERROR:ENOENT|");
	/* It read what changed: it must fail. */
	CHECK_STR(RT(d0, t, XS_TRANSACTION_END, "T"), "ERROR:EAGAIN|");
	CHECK_STR(R(o, XS_DIRECTORY, "/ti"), "DIRECTORY:a|b|c|");
	/* A node never looked at in a transaction reads as it is now. */
	t = fake_tx_start(d0);
	R(o, XS_WRITE, "/ti/b", "2");
	CHECK_STR(RT(d0, t, XS_READ, "/ti/b"), "READ:2");
	CHECK_STR(RT(d0, t, XS_TRANSACTION_END, "T"), "TRANSACTION_END:OK|");
	fake_free(o);
	fake_free(d0);
	store_free(st);
}

static void test_tx_siblings(void)
{
	struct store *st = mkstore();
	struct fake *a = fake_new(st, 0, true), *b = fake_new(st, 0, true);
	char name[32], want[1024];
	size_t off = 0;
	uint32_t ta, tb;
	const char *r;
	int i;

	/* Two transactions each add a child to the same directory. */
	R(a, XS_MKDIR, "/sib");
	ta = fake_tx_start(a);
	tb = fake_tx_start(b);
	CHECK_STR(RT(a, ta, XS_WRITE, "/sib/a", "1"), "WRITE:OK|");
	CHECK_STR(RT(b, tb, XS_WRITE, "/sib/b", "2"), "WRITE:OK|");
	CHECK_STR(RT(a, ta, XS_TRANSACTION_END, "T"), "TRANSACTION_END:OK|");
	r = RT(b, tb, XS_TRANSACTION_END, "T");
	if (strcmp(r, "ERROR:EAGAIN|") == 0) {
		/* Retry, as clients do. */
		tb = fake_tx_start(b);
		CHECK_STR(RT(b, tb, XS_WRITE, "/sib/b", "2"), "WRITE:OK|");
		r = RT(b, tb, XS_TRANSACTION_END, "T");
	}
	CHECK_STR(r, "TRANSACTION_END:OK|");
	CHECK_STR(R(a, XS_DIRECTORY, "/sib"), "DIRECTORY:a|b|");
	CHECK_STR(R(a, XS_READ, "/sib/a"), "READ:1");
	CHECK_STR(R(a, XS_READ, "/sib/b"), "READ:2");
	/* Creation order survives the commit, at every level. */
	ta = fake_tx_start(a);
	RT(a, ta, XS_WRITE, "/o/z/1", "");
	RT(a, ta, XS_WRITE, "/o/a", "");
	RT(a, ta, XS_WRITE, "/o/z/2", "");
	RT(a, ta, XS_WRITE, "/o/m", "");
	CHECK_STR(RT(a, ta, XS_DIRECTORY, "/o"), "DIRECTORY:z|a|m|");
	CHECK_STR(RT(a, ta, XS_TRANSACTION_END, "T"), "TRANSACTION_END:OK|");
	CHECK_STR(R(a, XS_DIRECTORY, "/o"), "DIRECTORY:z|a|m|");
	CHECK_STR(R(a, XS_DIRECTORY, "/o/z"), "DIRECTORY:1|2|");
	ta = fake_tx_start(a);
	for (i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "/many/s%d", (i * 37) % 60);
		RT(a, ta, XS_MKDIR, name);
		off += (size_t)snprintf(want + off, sizeof(want) - off, "%s|",
					name + 6);
	}
	CHECK_STR(RT(a, ta, XS_TRANSACTION_END, "T"), "TRANSACTION_END:OK|");
	r = R(a, XS_DIRECTORY, "/many");
	CHECK(strncmp(r, "DIRECTORY:", 10) == 0 && strcmp(r + 10, want) == 0);
	/* The order the transaction saw is the order committed, even when
	 * it looked at a child before creating it. */
	R(a, XS_MKDIR, "/p");
	ta = fake_tx_start(a);
	CHECK_STR(RT(a, ta, XS_READ, "/p/a"), "ERROR:ENOENT|");
	RT(a, ta, XS_WRITE, "/p/b", "");
	RT(a, ta, XS_WRITE, "/p/a", "");
	CHECK_STR(RT(a, ta, XS_DIRECTORY, "/p"), "DIRECTORY:b|a|");
	CHECK_STR(RT(a, ta, XS_TRANSACTION_END, "T"), "TRANSACTION_END:OK|");
	CHECK_STR(R(a, XS_DIRECTORY, "/p"), "DIRECTORY:b|a|");
	/* A child removed and made again moves to the end, as it did in
	 * the transaction. */
	R(a, XS_WRITE, "/q/x/old", "");
	R(a, XS_WRITE, "/q/y", "");
	ta = fake_tx_start(a);
	RT(a, ta, XS_RM, "/q/x");
	RT(a, ta, XS_WRITE, "/q/x", "new");
	CHECK_STR(RT(a, ta, XS_DIRECTORY, "/q"), "DIRECTORY:y|x|");
	CHECK_STR(RT(a, ta, XS_DIRECTORY, "/q/x"), "DIRECTORY:");
	CHECK_STR(RT(a, ta, XS_TRANSACTION_END, "T"), "TRANSACTION_END:OK|");
	CHECK_STR(R(a, XS_DIRECTORY, "/q"), "DIRECTORY:y|x|");
	CHECK_STR(R(a, XS_DIRECTORY, "/q/x"), "DIRECTORY:");
	CHECK_STR(R(a, XS_READ, "/q/x"), "READ:new");
	CHECK_STR(R(a, XS_CONTROL, "check"), "CONTROL:OK|");
	fake_free(b);
	fake_free(a);
	store_free(st);
}

/* Permission changes of special nodes made in a transaction are kept. */
static void test_tx_special_node_perms(void)
{
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true);
	uint32_t t;

	t = fake_tx_start(d0);
	CHECK_STR(RT(d0, t, XS_SET_PERMS, "@introduceDomain", "n0", "r5"),
		  "SET_PERMS:OK|");
	CHECK_STR(RT(d0, t, XS_GET_PERMS, "@introduceDomain"),
		  "GET_PERMS:n0|r5|");
	CHECK_STR(R(d0, XS_GET_PERMS, "@introduceDomain"), "GET_PERMS:n0|");
	CHECK_STR(RT(d0, t, XS_TRANSACTION_END, "T"), "TRANSACTION_END:OK|");
	CHECK_STR(R(d0, XS_GET_PERMS, "@introduceDomain"), "GET_PERMS:n0|r5|");
	CHECK_STR(R(d0, XS_CONTROL, "check"), "CONTROL:OK|");
	fake_free(d0);
	store_free(st);
}

static void test_control(void)
{
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true);
	struct fake *d5 = fake_new(st, 5, false);
	const char *r;

	home(d0, 5);
	R(d5, XS_WRITE, "data/a", "1");
	R(d5, XS_WRITE, "data/b", "1");
	R(d5, XS_WATCH, "data", "w");
	r = R(d0, XS_CONTROL, "help");
	CHECK(strncmp(r, "CONTROL:", 8) == 0);
	CHECK(strstr(r, "check") && strstr(r, "quota") &&
	      strstr(r, "memreport") && strstr(r, "print") &&
	      strstr(r, "help"));
	CHECK_STR(R(d0, XS_CONTROL, "check"), "CONTROL:OK|");
	r = R(d0, XS_CONTROL, "memreport");
	CHECK(strncmp(r, "CONTROL:", 8) == 0 && strstr(r, "nodes"));
	/* "quota": the global limits. */
	r = R(d0, XS_CONTROL, "quota");
	CHECK(strncmp(r, "CONTROL:", 8) == 0 && strstr(r, "nodes") &&
	      strstr(r, "1000") && strstr(r, "transactions"));
	/* "quota <domid>": a domain's usage. */
	CHECK_INT(usage(d0, 5, "nodes"), 3);
	CHECK_INT(usage(d0, 5, "watches"), 1);
	CHECK_INT(usage(d0, 5, "transactions"), 0);
	CHECK(usage(d0, 5, "memory") > 0);
	CHECK(!is_ok(R(d0, XS_CONTROL, "quota", "x")));
	/* "quota set <name> <value>" as xenstore-control sends it. */
	CHECK(is_ok(R(d0, XS_CONTROL, "quota", "set", "nodes", "500")));
	CHECK_STR(R(d0, XS_GET_QUOTA_T, "nodes"), "GET_QUOTA:500|");
	r = R(d0, XS_CONTROL, "quota-soft");
	CHECK(strncmp(r, "CONTROL:", 8) == 0 && strstr(r, "memory"));
	CHECK(is_ok(R(d0, XS_CONTROL, "print", "hello from a test")));
	CHECK_STR(R(d0, XS_CONTROL, "no-such-command"), "ERROR:EINVAL|");
	CHECK_STR(fake_req_raw(d0, XS_CONTROL, 0, "", 0), "ERROR:EINVAL|");
	CHECK_STR(R(d5, XS_CONTROL, "help"), "ERROR:EACCES|");
	/* "check" notices nothing wrong after a busy session. */
	R(d0, XS_RM, "/local/domain/5/data");
	CHECK_STR(R(d0, XS_CONTROL, "check"), "CONTROL:OK|");
	CHECK_INT(usage(d0, 5, "nodes"), 0);
	fake_free(d5);
	fake_free(d0);
	store_free(st);
}

static void test_names_with_at(void)
{
	struct store *st = mkstore();
	struct fake *d0 = fake_new(st, 0, true);

	/* valid_chars() allows '@' anywhere; only a leading one is special. */
	CHECK_STR(R(d0, XS_WRITE, "/a@b/c@", "1"), "WRITE:OK|");
	CHECK_STR(R(d0, XS_READ, "/a@b/c@"), "READ:1");
	CHECK_STR(R(d0, XS_DIRECTORY, "/a@b"), "DIRECTORY:c@|");
	CHECK_STR(R(d0, XS_WRITE, "rel@tive", "2"), "WRITE:OK|");
	CHECK_STR(R(d0, XS_READ, "/local/domain/0/rel@tive"), "READ:2");
	fake_free(d0);
	store_free(st);
}

int main(void)
{
	RUN(test_watch_order);
	RUN(test_watch_depth);
	RUN(test_special_watch_depth);
	RUN(test_relative_watches);
	RUN(test_rm_firing);
	RUN(test_set_perms_firing);
	RUN(test_features);
	RUN(test_quota_requests);
	RUN(test_set_target);
	RUN(test_resume_and_domain_requests);
	RUN(test_shutdown_and_resume);
	RUN(test_domain_ops);
	RUN(test_directory_part);
	RUN(test_tx_directory_isolation);
	RUN(test_tx_siblings);
	RUN(test_tx_special_node_perms);
	RUN(test_control);
	RUN(test_names_with_at);
	RUN(test_set_perms_owner_exists);
	return CHECK_DONE();
}
