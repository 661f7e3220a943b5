/*
 * test_guest.c: simulated guests (sim/guest.c) speaking xs_wire.h and the
 * console protocol to a tiny backend (responder.c), each case against a
 * private xensim.
 *
 *	test_guest XENSIM CASE
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xen/io/xs_wire.h>

#include "sim/guest.h"
#include "tests/sim/responder.h"
#include "tests/sim/simtest.h"
#include "tests/unit/check.h"

CHECK_MAIN_DEFS;

static struct simtest sim;

#define WAIT_MS 5000

struct env {
	struct simclient *d0, *gc;
	struct guest_host *gh;
	struct responder *r;
	unsigned *doms;
	struct guest **g;
	size_t n;
};

/* n domains, each with an attached guest, and a responder for them. */
static void env_up(struct env *e, size_t n, bool respond)
{
	size_t i;
	int err;

	memset(e, 0, sizeof(*e));
	e->n = n;
	e->doms = calloc(n, sizeof(*e->doms));
	e->g = calloc(n, sizeof(*e->g));
	e->d0 = simtest_open(&sim, SIMCLIENT_DOM0);
	e->gc = simtest_open(&sim, 0);
	if (!e->doms || !e->g || !e->d0 || !e->gc)
		exit(1);
	e->gh = guest_host_new(e->gc);
	for (i = 0; i < n; i++) {
		int d = simclient_domain_create(e->d0, NULL, NULL);

		CHECK(d > 0);
		e->doms[i] = (unsigned)d;
		e->g[i] = guest_attach(e->gh, (unsigned)d, &err);
		CHECK(e->g[i] != NULL);
		if (!e->g[i])
			exit(1);
	}
	if (respond) {
		e->r = responder_start(sim.path, e->doms, n);
		CHECK(e->r != NULL);
	}
}

static unsigned long env_down(struct env *e)
{
	unsigned long served = responder_stop(e->r);

	guest_host_free(e->gh);
	simclient_close(e->gc);
	simclient_close(e->d0);
	free(e->doms);
	free(e->g);
	return served;
}

static void test_xenbus(void)
{
	struct env e;
	struct guest *g;
	char *val = NULL, *path = NULL, *token = NULL;
	char big[3000];
	int i, rc;

	env_up(&e, 1, true);
	g = e.g[0];
	CHECK_INT(guest_xs_write(g, "data/a", "1"), 0);
	CHECK_INT(guest_xs_read(g, "data/a", &val), 0);
	CHECK_STR(val, "1");
	free(val);
	val = NULL;
	CHECK_INT(guest_xs_read(g, "data/none", &val), -ENOENT);
	CHECK(val == NULL);
	CHECK_INT(guest_xs_send(g, 999, 0, "", 0) > 0, 1);
	/* A watch: the initial event, then one per write under it, each
	 * arriving ahead of the write's reply. */
	CHECK_INT(guest_xs_watch(g, "data", "tok"), 0);
	CHECK_INT(guest_xs_wait_watch(g, &path, &token, WAIT_MS), 0);
	CHECK_STR(path, "data");
	CHECK_STR(token, "tok");
	free(path);
	free(token);
	CHECK_INT(guest_xs_write(g, "data/b", "2"), 0);
	CHECK_INT(guest_xs_wait_watch(g, &path, &token, 0), 0);
	CHECK_STR(path, "data/b");
	free(path);
	free(token);
	/* Messages bigger than the ring go round it in pieces. */
	for (i = 0; i < 20; i++) {
		memset(big, 'a' + i, sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		CHECK_INT(guest_xs_write(g, "data/big", big), 0);
		rc = guest_xs_read(g, "data/big", &val);
		CHECK_INT(rc, 0);
		CHECK(val && strcmp(val, big) == 0);
		free(val);
		val = NULL;
		CHECK_INT(guest_xs_wait_watch(g, &path, &token, 0), 0);
		free(path);
		free(token);
	}
	/* Free-running indexes across the 2^32 wrap. */
	CHECK_INT(guest_xs_set_index_base(g, 0xFFFFFC00u), 0);
	for (i = 0; i < 10; i++) {
		CHECK_INT(guest_xs_write(g, "data/big", big), 0);
		CHECK_INT(guest_xs_read(g, "data/big", &val), 0);
		CHECK(val && strcmp(val, big) == 0);
		free(val);
		val = NULL;
	}
	CHECK_INT(guest_xs_error(g), 0);
	CHECK(env_down(&e) > 50);
}

struct counter {
	unsigned replies, errors, events;
};

static void count_reply(struct guest *g, const struct xsd_sockmsg *hdr,
			const char *body, void *arg)
{
	struct counter *c = arg;

	c->replies++;
	if (hdr->type == XS_ERROR)
		c->errors++;
}

static void count_watch(struct guest *g, const char *path, const char *token,
			void *arg)
{
	((struct counter *)arg)->events++;
}

static void test_async(void)
{
	struct env e;
	struct counter c = {0, 0, 0};
	const char *args[2] = {"data/x", "value"};
	int i;

	env_up(&e, 1, true);
	guest_set_handlers(e.g[0], count_reply, count_watch, NULL, &c);
	/* Many requests in flight at once, more than the ring holds. */
	for (i = 0; i < 300; i++)
		CHECK(guest_xs_sendv(e.g[0], XS_WRITE, 0, args, 2, false) > 0);
	CHECK_INT(guest_xs_outstanding(e.g[0]) + c.replies, 300);
	for (i = 0; i < 500 && c.replies < 300; i++)
		guest_host_run_once(e.gh, 100);
	CHECK_INT(c.replies, 300);
	CHECK_INT(c.errors, 0);
	CHECK_INT(guest_xs_outstanding(e.g[0]), 0);
	env_down(&e);
}

struct input {
	char buf[64];
	size_t len;
};

static void got_input(struct guest *g, const char *buf, size_t len, void *arg)
{
	struct input *in = arg;

	if (in->len + len < sizeof(in->buf)) {
		memcpy(in->buf + in->len, buf, len);
		in->len += len;
	}
}

static void test_console(void)
{
	struct env e;
	static char out[6000], got[8000];
	struct input in = {{0}, 0};
	size_t i, n = 0;

	env_up(&e, 1, true);
	for (i = 0; i < sizeof(out); i++)
		out[i] = (char)('0' + i % 64);
	/* More than the 2048-byte ring: the rest waits for room. */
	CHECK_INT(guest_console_write(e.g[0], out, sizeof(out)),
		  (int)sizeof(out));
	for (i = 0; i < 100 && n < sizeof(out); i++) {
		guest_host_run_once(e.gh, 50);
		n = responder_console(e.r, 0, got, sizeof(got));
	}
	CHECK_INT(n, sizeof(out));
	CHECK(memcmp(got, out, sizeof(out)) == 0);
	CHECK_INT(guest_console_pending(e.g[0]), 0);
	/* Input, the other way. */
	guest_set_console_input(e.g[0], got_input, &in);
	responder_console_input(e.r, 0, "hello\n");
	for (i = 0; i < 100 && in.len < 6; i++)
		guest_host_run_once(e.gh, 50);
	CHECK_INT(in.len, 6);
	CHECK(memcmp(in.buf, "hello\n", 6) == 0);
	env_down(&e);
}

static void test_hostile_guest(void)
{
	struct env e;
	int i;

	env_up(&e, 3, true);
	/* Bad indexes, an oversized header, garbage: each ring given up. */
	guest_bad_xs_index(e.g[0]);
	guest_bad_xs_oversized(e.g[1]);
	guest_bad_xs_garbage(e.g[2], 16, 1);
	for (i = 0; i < 100 && responder_broken(e.r) < 3; i++)
		guest_host_run_once(e.gh, 50);
	CHECK_INT(responder_broken(e.r), 3);
	CHECK_INT(guest_xs_error(e.g[0]), XENSTORE_ERROR_RINGIDX);
	CHECK_INT(guest_xs_error(e.g[1]), XENSTORE_ERROR_PROTO);
	CHECK(guest_xs_error(e.g[2]) != 0);
	env_down(&e);
	/* A guest that never reads its replies fills its rsp ring. */
	env_up(&e, 1, true);
	guest_bad_xs_no_read(e.g[0], true);
	for (i = 0; i < 200; i++)
		guest_xs_send(e.g[0], XS_READ, 0, "data/none", 10);
	for (i = 0; i < 20; i++)
		guest_host_run_once(e.gh, 20);
	CHECK(guest_xs_outstanding(e.g[0]) > 0);
	guest_bad_xs_no_read(e.g[0], false);
	for (i = 0; i < 200 && guest_xs_outstanding(e.g[0]); i++)
		guest_host_run_once(e.gh, 50);
	CHECK_INT(guest_xs_outstanding(e.g[0]), 0);
	env_down(&e);
}

struct lifecycle {
	unsigned changes;
};

static void state_cb(struct guest *g, void *arg)
{
	((struct lifecycle *)arg)->changes++;
}

static void test_guest_lifecycle(void)
{
	struct env e;
	struct lifecycle lc = {0};
	char *val = NULL;
	int i;

	env_up(&e, 2, false);
	guest_set_handlers(e.g[0], NULL, NULL, state_cb, &lc);
	CHECK_INT(guest_shutdown(e.g[0], 0), 0);
	for (i = 0; i < 50 && !guest_is_shutdown(e.g[0]); i++)
		guest_host_run_once(e.gh, 20);
	CHECK(guest_is_shutdown(e.g[0]));
	CHECK(guest_dead(e.g[0]));
	CHECK_INT(simclient_domain_destroy(e.d0, e.doms[1]), 0);
	for (i = 0; i < 50 && !guest_dead(e.g[1]); i++)
		guest_host_run_once(e.gh, 20);
	CHECK(guest_dead(e.g[1]));
	CHECK_INT(guest_xs_read(e.g[1], "x", &val), -EPIPE);
	CHECK_INT(lc.changes, 1);
	env_down(&e);
}

/*
 * A domain dies while its guest's host has not read the news yet; the
 * guest is detached and a new guest attached to the next domain with
 * that domid: the old domain's death must not reach the new guest.
 */
static void test_domid_reuse(void)
{
	struct env e;
	struct guest *g2;
	unsigned domid;
	int i, d, err;

	env_up(&e, 1, false);
	domid = e.doms[0];
	CHECK_INT(simclient_domain_destroy(e.d0, domid), 0);
	/* Its death notice waits on the host's event stream, unread. */
	guest_detach(e.g[0]);
	d = simclient_domain_create(
		e.d0, &(struct simclient_create){.domid = domid}, NULL);
	CHECK_INT(d, (int)domid);
	g2 = guest_attach(e.gh, domid, &err);
	CHECK(g2 != NULL);
	if (!g2) {
		env_down(&e);
		return;
	}
	for (i = 0; i < 10; i++)
		guest_host_run_once(e.gh, 20);
	CHECK(!guest_dead(g2));
	/* Its own death does reach it. */
	CHECK_INT(simclient_domain_destroy(e.d0, domid), 0);
	for (i = 0; i < 50 && !guest_dead(g2); i++)
		guest_host_run_once(e.gh, 20);
	CHECK(guest_dead(g2));
	env_down(&e);
}

#define SCALE_GUESTS 1000
#define SCALE_ROUNDS 5

struct scale {
	unsigned replies, errors;
};

/* Count the replies of the rounds below. */
static void scale_reply(struct guest *g, const struct xsd_sockmsg *hdr,
			const char *body, void *arg)
{
	struct scale *s = arg;

	s->replies++;
	if (hdr->type == XS_ERROR)
		s->errors++;
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_scale_guests(void)
{
	struct env e;
	struct scale s = {0, 0};
	const char *w[2] = {"data/n", "v"};
	const char *r[1] = {"data/n"};
	double t0 = seconds(), t1;
	size_t i;
	int round;
	unsigned long served;

	env_up(&e, SCALE_GUESTS, true);
	t1 = seconds();
	for (i = 0; i < e.n; i++)
		guest_set_handlers(e.g[i], scale_reply, NULL, NULL, &s);
	for (round = 0; round < SCALE_ROUNDS; round++) {
		unsigned want = s.replies + 2 * SCALE_GUESTS;
		int spins;

		for (i = 0; i < e.n; i++) {
			guest_xs_sendv(e.g[i], XS_WRITE, 0, w, 2, false);
			guest_xs_sendv(e.g[i], XS_READ, 0, r, 1, true);
		}
		for (spins = 0; spins < 1000 && s.replies < want; spins++)
			guest_host_run_once(e.gh, 100);
	}
	CHECK_INT(s.replies, 2 * SCALE_GUESTS * SCALE_ROUNDS);
	CHECK_INT(s.errors, 0);
	printf("%d guests: set up in %.2f s, %d round trips in %.2f s\n",
	       SCALE_GUESTS, t1 - t0, 2 * SCALE_GUESTS * SCALE_ROUNDS,
	       seconds() - t1);
	served = env_down(&e);
	CHECK_INT(served, 2 * SCALE_GUESTS * SCALE_ROUNDS);
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{"xenbus", test_xenbus},
	{"async", test_async},
	{"console", test_console},
	{"hostile_guest", test_hostile_guest},
	{"guest_lifecycle", test_guest_lifecycle},
	{"domid_reuse", test_domid_reuse},
	{"scale_guests", test_scale_guests},
};

int main(int argc, char **argv)
{
	size_t i;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: test_guest XENSIM CASE\n");
		return 2;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(argv[2], cases[i].name) != 0)
			continue;
		rc = simtest_start(&sim, argv[1], NULL);
		if (rc < 0) {
			fprintf(stderr, "cannot start xensim: %s\n",
				strerror(-rc));
			return 1;
		}
		cases[i].fn();
		CHECK_INT(simtest_stop(&sim), 0);
		printf("%s %s\n", check_failures ? "FAIL" : "ok  ",
		       cases[i].name);
		return CHECK_DONE();
	}
	fprintf(stderr, "no case %s\n", argv[2]);
	return 2;
}
