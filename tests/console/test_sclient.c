/*
 * test_sclient.c: both store clients against a store: the loopback one
 * against the in-process store, the libxenstore one against the real
 * daemon (argv[1]).  Reads, writes, directories, domain paths, watches
 * and when their events arrive.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "backends/console/sclient.h"
#include "backends/store/store.h"
#include "tests/console/harness.h"
#include "tests/unit/check.h"

CHECK_MAIN_DEFS;

#define MAX_EVENTS 32

struct events {
	int n;
	char got[MAX_EVENTS][128];
};

static void record_cb(void *arg, const char *path, const char *token)
{
	struct events *e = arg;

	if (e->n < MAX_EVENTS)
		snprintf(e->got[e->n++], sizeof(e->got[0]), "%s|%s", path,
			 token);
}

/* Is "path|token" among the events, and how many came. */
static bool has_event(struct events *e, const char *want)
{
	for (int i = 0; i < e->n; i++)
		if (strcmp(e->got[i], want) == 0)
			return true;
	return false;
}

static bool some_events(void *arg)
{
	return ((struct events *)arg)->n > 0;
}

/* The same checks through either implementation. */
static void suite(struct event_base *base, struct sclient *sc,
		  struct sclient *other, struct harness *h)
{
	struct events ev = {0};
	char **names, *val, *path;
	unsigned num;
	size_t len;
	unsigned long u;

	sclient_set_event_cb(sc, record_cb, &ev);
	CHECK_INT(sc->ops->write(sc, "/sc/a", "value", 5), 0);
	CHECK_INT(sc->ops->write(sc, "/sc/bin", "x\0y", 3), 0);
	CHECK_INT(sc->ops->write(sc, "/sc/num", "0x10", 4), 0);
	val = sc->ops->read(sc, "/sc/a", &len);
	CHECK_STR(val, "value");
	CHECK_INT(len, 5);
	free(val);
	val = sc->ops->read(sc, "/sc/bin", &len);
	CHECK(val && len == 3 && memcmp(val, "x\0y", 3) == 0);
	free(val);
	errno = 0;
	CHECK(sc->ops->read(sc, "/sc/missing", NULL) == NULL);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(sclient_read_uint(sc, "/sc/num", &u), 0);
	CHECK_INT(u, 16);
	CHECK_INT(sclient_read_uint(sc, "/sc/a", &u), -EINVAL);
	CHECK_INT(sclient_read_uint(sc, "/sc/missing", &u), -ENOENT);
	names = sc->ops->directory(sc, "/sc", &num);
	CHECK_INT(num, 3);
	if (names && num == 3) {
		CHECK_STR(names[0], "a");
		CHECK_STR(names[1], "bin");
		CHECK_STR(names[2], "num");
	}
	free(names);
	path = sc->ops->domain_path(sc, 7);
	CHECK_STR(path, "/local/domain/7");
	free(path);

	/* A watch fires once when set: later, not inside the call. */
	CHECK_INT(sc->ops->watch(sc, "/sc", "tok"), 0);
	CHECK_INT(ev.n, 0);
	CHECK(harness_until(h, some_events, &ev, 2000));
	CHECK(has_event(&ev, "/sc|tok"));
	/* Our own write: its event also comes later. */
	ev.n = 0;
	CHECK_INT(sc->ops->write(sc, "/sc/a", "v2", 2), 0);
	CHECK_INT(ev.n, 0);
	CHECK(harness_until(h, some_events, &ev, 2000));
	CHECK(has_event(&ev, "/sc/a|tok"));
	/* Another client's change. */
	ev.n = 0;
	CHECK_INT(other->ops->write(other, "/sc/deep/er", "x", 1), 0);
	CHECK(harness_until(h, some_events, &ev, 2000));
	harness_pump(h, 20);
	CHECK(has_event(&ev, "/sc/deep/er|tok"));
	/* Special watches, as the console backend sets them. */
	ev.n = 0;
	CHECK_INT(sc->ops->watch(sc, "@releaseDomain", "rel"), 0);
	CHECK(harness_until(h, some_events, &ev, 2000));
	CHECK(has_event(&ev, "@releaseDomain|rel"));
	/* Gone: no more events. */
	CHECK_INT(sc->ops->unwatch(sc, "/sc", "tok"), 0);
	harness_pump(h, 20);
	ev.n = 0;
	CHECK_INT(other->ops->write(other, "/sc/a", "v3", 2), 0);
	harness_pump(h, 50);
	CHECK_INT(ev.n, 0);
	CHECK_INT(sc->ops->unwatch(sc, "/sc", "tok"), -ENOENT);
	sclient_set_event_cb(sc, NULL, NULL);
	(void)base;
}

static void test_loop(void)
{
	struct harness h;

	harness_init(&h);
	suite(h.base, h.sc, h.tool, &h);
	harness_fini(&h);
}

static const char *daemon_bin;

static void test_xs(void)
{
	struct harness h;
	char dir[64];
	int pid;

	if (!daemon_bin) {
		printf("(no daemon given: libxenstore client not tested)\n");
		return;
	}
	pid = store_daemon_start(daemon_bin, dir, sizeof(dir));
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	harness_init_xs(&h);
	suite(h.base, h.sc, h.tool, &h);
	harness_fini(&h);
	store_daemon_stop(pid, dir);
}

int main(int argc, char **argv)
{
	daemon_bin = argc > 1 ? argv[1] : NULL;
	RUN(test_loop);
	RUN(test_xs);
	return CHECK_DONE();
}
