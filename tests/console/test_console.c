/*
 * test_console.c: the console backend in the combined daemon's setting:
 * an in-process store reached through the loopback store client, a fake
 * hypervisor, guests played by the test, real ptys and real log files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "backends/console/conback.h"
#include "backends/console/sclient.h"
#include "tests/console/fakehv.h"
#include "tests/console/harness.h"
#include "lib/log.h"
#include "tests/unit/check.h"

CHECK_MAIN_DEFS;

/* Reads a pty as `xl console` would, into memory. */
struct sink {
	int fd;
	struct event *ev;
	unsigned char *buf;
	size_t len, cap;
	uint64_t last; /* when bytes last came */
};

static void sink_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sink *s = arg;

	for (;;) {
		ssize_t n;

		if (s->cap - s->len < 4096) {
			s->cap = s->cap * 2 + 65536;
			s->buf = realloc(s->buf, s->cap);
			if (!s->buf)
				abort();
		}
		n = read(s->fd, s->buf + s->len, s->cap - s->len);
		if (n <= 0)
			return;
		s->len += (size_t)n;
		s->last = now_ms();
	}
}

static void sink_open(struct harness *h, struct guest *g, struct sink *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = guest_open_pty(h, g);
	CHECK(s->fd >= 0);
	if (s->fd < 0)
		abort();
	s->ev = event_new(h->base, s->fd, EV_READ | EV_PERSIST, sink_cb, s);
	event_add(s->ev, NULL);
}

static void sink_close(struct sink *s)
{
	if (s->ev)
		event_free(s->ev);
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

struct want_len {
	struct sink *s;
	size_t len;
};

static bool sink_has(void *arg)
{
	struct want_len *w = arg;

	return w->s->len >= w->len;
}

static bool tty_ready(void *arg)
{
	void **a = arg;
	char *tty = guest_tty(a[0], a[1]);
	bool ok = tty && strncmp(tty, "/dev/pts/", 9) == 0;

	free(tty);
	return ok;
}

static bool ring_empty(void *arg)
{
	return guest_out_used(arg) == 0;
}

/* Write all of data as the guest, letting the loop run meanwhile. */
static void guest_write_all(struct harness *h, struct guest *g,
			    const unsigned char *data, size_t len,
			    uint64_t *seed)
{
	size_t sent = 0;

	while (sent < len) {
		size_t chunk =
			1 + (size_t)(*seed = *seed * 6364136223846793005u +
					     1442695040888963407u) %
				    3000;

		if (chunk > len - sent)
			chunk = len - sent;
		chunk = guest_write(h, g, data + sent, chunk);
		sent += chunk;
		if (!chunk)
			harness_pump(h, 1);
		else
			event_base_loop(h->base, EVLOOP_NONBLOCK);
	}
}

static bool file_is(const char *path, const void *data, size_t len)
{
	size_t flen;
	char *f = slurp(path, &flen);
	bool ok = f && flen == len && memcmp(f, data, len) == 0;

	if (!ok)
		fprintf(stderr, "%s: %zu bytes, want %zu\n", path, f ? flen : 0,
			len);
	free(f);
	return ok;
}

/* libxl waits for console/tty: it must be there at once. */
static void test_tty_at_once(void)
{
	struct harness h;
	struct guest g;
	void *arg[2] = {&h, &g};
	uint64_t t0;
	char *tty;

	harness_init(&h);
	harness_backend(&h);
	guest_prepare(&h, &g, 3, "ttyguest", "xenconsoled", 1048576);
	tty = guest_tty(&h, &g);
	CHECK_STR(tty, ""); /* nothing before INTRODUCE */
	free(tty);
	t0 = now_ms();
	guest_introduce(&h, &g);
	CHECK(harness_until(&h, tty_ready, arg, 1000));
	CHECK(now_ms() - t0 < 200);
	CHECK_INT(fakehv_mapped_by_grant(h.fh, 3), 1);
	harness_fini(&h);
}

/* Seeded binary output reaches the log and the pty byte for byte. */
static void test_output_roundtrip(void)
{
	const size_t total = 300 * 1024;
	unsigned char *data = malloc(total);
	uint64_t seed = 0x5eed1234abcdULL, wseed = 7;
	struct harness h;
	struct guest g;
	struct sink s;
	struct want_len w = {&s, total};
	char path[128];

	random_bytes(&seed, data, total);
	harness_init(&h);
	harness_backend(&h);
	guest_new(&h, &g, 7, "roundtrip", "xenconsoled", -1);
	harness_pump(&h, 5);
	sink_open(&h, &g, &s);
	guest_write_all(&h, &g, data, total, &wseed);
	CHECK(harness_until(&h, sink_has, &w, 10000));
	CHECK_INT(s.len, total);
	CHECK(s.len == total && memcmp(s.buf, data, total) == 0);
	log_path(&h, "roundtrip", path, sizeof(path));
	CHECK(file_is(path, data, total));
	sink_close(&s);
	harness_fini(&h);
	free(data);
}

/* Output written before the backend knew the domain is not lost. */
static void test_early_output(void)
{
	static const char early[] = "early boot message\r\n\x1b[1mbold\n";
	struct harness h;
	struct guest g;
	void *arg[2] = {&h, &g};
	char path[128];

	harness_init(&h);
	harness_backend(&h);
	guest_prepare(&h, &g, 4, "early", NULL, -1);
	CHECK_INT(guest_put(&g, early, sizeof(early) - 1), sizeof(early) - 1);
	guest_introduce(&h, &g);
	CHECK(harness_until(&h, tty_ready, arg, 1000));
	harness_pump(&h, 5);
	log_path(&h, "early", path, sizeof(path));
	CHECK(file_is(path, early, sizeof(early) - 1));
	harness_fini(&h);
}

struct input_wait {
	struct harness *h;
	struct guest *g;
	unsigned char *got;
	size_t len, want;
};

/* The guest reads its "in" ring slowly: 100 bytes a turn. */
static bool input_done(void *arg)
{
	struct input_wait *w = arg;
	size_t room = w->want - w->len;

	if (room > 100)
		room = 100;
	w->len += guest_read_in(w->h, w->g, w->got + w->len, room);
	return w->len >= w->want;
}

/* Keyboard input: pty to the "in" ring, in order, past a full ring. */
static void test_input(void)
{
	const size_t total = 5000;
	unsigned char *in = malloc(total), *got = calloc(1, total);
	uint64_t seed = 99;
	struct harness h;
	struct guest g;
	struct input_wait w = {&h, &g, got, 0, total};
	size_t sent = 0;
	int fd;

	random_bytes(&seed, in, total);
	harness_init(&h);
	harness_backend(&h);
	guest_new(&h, &g, 5, "input", "xenconsoled", -1);
	harness_pump(&h, 5);
	fd = guest_open_pty(&h, &g);
	CHECK(fd >= 0);
	while (fd >= 0 && sent < total) {
		ssize_t n = write(fd, in + sent, total - sent);

		if (n > 0)
			sent += (size_t)n;
		harness_until(&h, input_done, &w, 2);
	}
	CHECK(harness_until(&h, input_done, &w, 5000));
	CHECK_INT(w.len, total);
	CHECK(memcmp(got, in, total) == 0);
	if (fd >= 0)
		close(fd);
	harness_fini(&h);
	free(in);
	free(got);
}

/*
 * Find pty output in the guest's stream as runs cut out of it; returns
 * the number of bytes skipped, or -1 when out is not such a subsequence
 * or a cut is not a whole number of half-limits.
 */
static long cut_bytes(const unsigned char *data, size_t dlen,
		      const unsigned char *out, size_t olen, size_t half)
{
	size_t p = 0, q = 0;
	long skipped = 0;

	while (p < olen) {
		size_t key = olen - p < 24 ? olen - p : 24;
		const unsigned char *at;

		if (q < dlen && data[q] == out[p]) {
			p++;
			q++;
			continue;
		}
		at = memmem(data + q, dlen - q, out + p, key);
		if (!at || (size_t)(at - (data + q)) % half != 0)
			return -1;
		skipped += at - (data + q);
		q = (size_t)(at - data);
	}
	return skipped + (long)(dlen - q);
}

/* Discard mode: log everything; the pty loses whole middles only. */
static void test_discard(void)
{
	const size_t total = 200 * 1024, limit = 4096;
	unsigned char *data = malloc(total);
	uint64_t seed = 0xd15ca4d, wseed = 3;
	struct harness h;
	struct guest g;
	struct sink s;
	struct conback_stats st;
	char path[128];
	long skipped;

	random_bytes(&seed, data, total);
	harness_init(&h);
	harness_backend(&h);
	guest_new(&h, &g, 6, "discard", "xenconsoled", (long)limit);
	harness_pump(&h, 5);
	/* Nobody reads the pty while the guest writes. */
	guest_write_all(&h, &g, data, total, &wseed);
	CHECK(harness_until(&h, ring_empty, &g, 5000));
	log_path(&h, "discard", path, sizeof(path));
	CHECK(file_is(path, data, total));
	conback_get_stats(h.cb, &st);
	CHECK(st.dropped > 0);
	CHECK_INT(st.dropped % (limit / 2), 0);
	sink_open(&h, &g, &s);
	harness_pump(&h, 300);
	CHECK(s.len < total);
	CHECK_INT(s.len + st.dropped, total);
	skipped = cut_bytes(data, total, s.buf, s.len, limit / 2);
	CHECK_INT(skipped, (long)st.dropped);
	/* The newest output is always kept. */
	CHECK(s.len > 1000 &&
	      memcmp(s.buf + s.len - 1000, data + total - 1000, 1000) == 0);
	sink_close(&s);
	harness_fini(&h);
	free(data);
}

static bool ring_full(void *arg)
{
	return guest_out_used(arg) == 2048;
}

/* Keep mode: never drop; the guest waits while the backlog is full. */
static void test_keep(void)
{
	const size_t total = 160 * 1024, limit = 4096;
	unsigned char *data = malloc(total);
	uint64_t seed = 0x6ee9, wseed = 5;
	struct harness h;
	struct guest g;
	struct sink s;
	struct want_len w = {&s, total};
	struct conback_stats st;
	size_t sent = 0, used;
	char path[128];

	random_bytes(&seed, data, total);
	harness_init(&h);
	h.cfg.overflow_keep = true;
	harness_backend(&h);
	guest_new(&h, &g, 8, "keep", "xenconsoled", (long)limit);
	harness_pump(&h, 5);
	/* Fill until the backend stops taking: the guest is stalled. */
	for (int idle = 0; idle < 50 && sent < total;) {
		size_t n = guest_write(&h, &g, data + sent, total - sent);

		sent += n;
		idle = n ? 0 : idle + 1;
		harness_pump(&h, 2);
	}
	CHECK(sent < total);
	CHECK(harness_until(&h, ring_full, &g, 100));
	used = guest_out_used(&g);
	log_path(&h, "keep", path, sizeof(path));
	CHECK(file_is(path, data, sent - used));
	/* A reader comes: everything flows, nothing was dropped. */
	sink_open(&h, &g, &s);
	guest_write_all(&h, &g, data + sent, total - sent, &wseed);
	CHECK(harness_until(&h, sink_has, &w, 10000));
	CHECK(s.len == total && memcmp(s.buf, data, total) == 0);
	CHECK(file_is(path, data, total));
	conback_get_stats(h.cb, &st);
	CHECK_INT(st.dropped, 0);
	sink_close(&s);
	harness_fini(&h);
	free(data);
}

/* The flooder refills its ring each time the backend takes it. */
struct flood {
	struct harness *h;
	struct guest *g;
	unsigned char chunk[2048];
	unsigned long refills;
	bool on;
};

static void flood_kick(void *arg, unsigned domid, unsigned rport)
{
	struct flood *f = arg;

	if (!f->on || domid != f->g->domid)
		return;
	if (guest_write(f->h, f->g, f->chunk, sizeof(f->chunk)))
		f->refills++;
}

static void ticker_cb(evutil_socket_t fd, short what, void *arg)
{
	(*(unsigned *)arg)++;
}

/* A flooding console beside a quiet one: the quiet one is not starved. */
static void test_rate_limit(void)
{
	struct harness h;
	struct guest a, b;
	struct flood f;
	struct sink sb;
	unsigned ticks = 0, lines = 0;
	uint64_t worst = 0, start, deliveries;
	struct event *tick;
	struct timeval every = {0, 5000};
	char line[64];

	harness_init(&h);
	harness_backend(&h);
	guest_new(&h, &a, 10, "flood", "xenconsoled", 65536);
	guest_new(&h, &b, 11, "quiet", "xenconsoled", -1);
	harness_pump(&h, 5);
	sink_open(&h, &b, &sb);
	memset(&f, 0, sizeof(f));
	f.h = &h;
	f.g = &a;
	memset(f.chunk, 'F', sizeof(f.chunk));
	f.on = true;
	fakehv_set_kick_cb(h.fh, flood_kick, &f);
	tick = event_new(h.base, -1, EV_PERSIST, ticker_cb, &ticks);
	event_add(tick, &every);
	guest_write(&h, &a, f.chunk, sizeof(f.chunk));
	start = now_ms();
	deliveries = fakehv_deliveries(h.fh, 10, a.rport);
	while (now_ms() - start < 1000) {
		struct want_len w = {&sb, 0};
		uint64_t t0 = now_ms(), took;
		int n = snprintf(line, sizeof(line), "quiet line %u\n",
				 lines++);

		w.len = sb.len + (size_t)n;
		CHECK_INT(guest_write(&h, &b, line, (size_t)n), n);
		CHECK(harness_until(&h, sink_has, &w, 1000));
		took = now_ms() - t0;
		worst = took > worst ? took : worst;
		harness_pump(&h, 20);
	}
	deliveries = fakehv_deliveries(h.fh, 10, a.rport) - deliveries;
	f.on = false;
	/* 1 s is 5 periods of 30 events, give or take a period. */
	CHECK(deliveries <= 7 * 30);
	CHECK(deliveries >= 3 * 30);
	CHECK(f.refills > 50);
	CHECK(worst < 100);
	CHECK(ticks > 50); /* the loop kept turning */
	fprintf(stderr, "flood: %lu events/s, quiet worst %lu ms, %u ticks\n",
		(unsigned long)deliveries, (unsigned long)worst, ticks);
	event_free(tick);
	fakehv_set_kick_cb(h.fh, NULL, NULL);
	sink_close(&sb);
	harness_fini(&h);
}

/* SIGHUP after logrotate renamed the log: no byte lost or doubled. */
static void test_reopen(void)
{
	const size_t total = 64 * 1024;
	unsigned char *data = malloc(total), *both;
	uint64_t seed = 0x4e09e4, wseed = 11;
	struct harness h;
	struct guest g;
	char path[128], old[160];
	size_t l1, l2;
	char *f1, *f2;

	random_bytes(&seed, data, total);
	harness_init(&h);
	harness_backend(&h);
	guest_new(&h, &g, 12, "rotate", "xenconsoled", -1);
	harness_pump(&h, 5);
	log_path(&h, "rotate", path, sizeof(path));
	snprintf(old, sizeof(old), "%s.1", path);
	guest_write_all(&h, &g, data, total / 2, &wseed);
	/* Rotate with output still in the ring. */
	CHECK(guest_write(&h, &g, data + total / 2, 1000) == 1000);
	CHECK_INT(rename(path, old), 0);
	conback_reopen_logs(h.cb);
	guest_write_all(&h, &g, data + total / 2 + 1000, total / 2 - 1000,
			&wseed);
	CHECK(harness_until(&h, ring_empty, &g, 5000));
	f1 = slurp(old, &l1);
	f2 = slurp(path, &l2);
	CHECK(f1 && f2);
	if (f1 && f2) {
		both = malloc(l1 + l2);
		memcpy(both, f1, l1);
		memcpy(both + l1, f2, l2);
		CHECK_INT(l1 + l2, total);
		CHECK(l1 + l2 == total && memcmp(both, data, total) == 0);
		CHECK(l2 > 0);
		free(both);
	}
	free(f1);
	free(f2);
	harness_fini(&h);
	free(data);
}

static bool no_domains(void *arg)
{
	struct conback_stats st;

	conback_get_stats(arg, &st);
	return st.domains == 0;
}

/* Death: what is left in the ring reaches the log; all is closed. */
static void test_death(void)
{
	static const char last[] = "last words before the end\n";
	struct harness h;
	struct guest g;
	struct conback_stats st;
	char path[128];
	int fds;

	harness_init(&h);
	harness_backend(&h);
	fds = count_fds();
	guest_new(&h, &g, 13, "dying", "xenconsoled", -1);
	harness_pump(&h, 5);
	conback_get_stats(h.cb, &st);
	CHECK_INT(st.consoles, 1);
	CHECK(fakehv_binds(h.fh) == 1 && fakehv_maps(h.fh) == 1);
	CHECK(count_fds() > fds);
	/* Written, never signalled: only the drain can find it. */
	guest_put(&g, last, sizeof(last) - 1);
	guest_kill(&h, &g);
	CHECK(harness_until(&h, no_domains, h.cb, 1000));
	log_path(&h, "dying", path, sizeof(path));
	CHECK(file_is(path, last, sizeof(last) - 1));
	CHECK_INT(fakehv_binds(h.fh), 0);
	CHECK_INT(fakehv_maps(h.fh), 0);
	CHECK_INT(count_fds(), fds);
	harness_fini(&h);
}

/* type=ioemu is QEMU's: no map, no bind, no tty, no log. */
static void test_ioemu_skipped(void)
{
	struct harness h;
	struct guest g;
	struct conback_stats st;
	char path[128], *tty;

	harness_init(&h);
	harness_backend(&h);
	guest_new(&h, &g, 14, "qemu", "ioemu", -1);
	harness_pump(&h, 20);
	tty = guest_tty(&h, &g);
	CHECK_STR(tty, "");
	free(tty);
	CHECK_INT(fakehv_binds(h.fh), 0);
	CHECK_INT(fakehv_maps(h.fh), 0);
	conback_get_stats(h.cb, &st);
	CHECK_INT(st.consoles, 0);
	log_path(&h, "qemu", path, sizeof(path));
	CHECK(access(path, F_OK) < 0);
	harness_fini(&h);
}

/* Served, but with no name node there is no log file. */
static void test_no_name_no_log(void)
{
	struct harness h;
	struct guest g;
	void *arg[2] = {&h, &g};
	struct conback_stats st;
	struct dirent *de;
	int files = 0;
	DIR *d;

	harness_init(&h);
	harness_backend(&h);
	guest_new(&h, &g, 15, NULL, "xenconsoled", -1);
	CHECK(harness_until(&h, tty_ready, arg, 1000));
	guest_write(&h, &g, "hello\n", 6);
	harness_pump(&h, 10);
	conback_get_stats(h.cb, &st);
	CHECK_INT(st.consoles, 1);
	d = opendir(h.dir);
	while (d && (de = readdir(d)))
		files += strncmp(de->d_name, "guest-", 6) == 0;
	if (d)
		closedir(d);
	CHECK_INT(files, 0);
	harness_fini(&h);
}

/* Another backend's console, and a grant-less guest's frame fallback. */
static void test_backend_and_frame(void)
{
	struct harness h;
	struct guest other, framed;
	void *arg[2] = {&h, &framed};
	char *tty;

	harness_init(&h);
	harness_backend(&h);
	guest_prepare(&h, &other, 16, "other", "xenconsoled", -1);
	harness_write(&h, "/local/domain/16/console/backend-id", "5");
	guest_introduce(&h, &other);
	guest_prepare(&h, &framed, 17, "framed", NULL, -1);
	fakehv_no_grant(h.fh, 17);
	guest_introduce(&h, &framed);
	CHECK(harness_until(&h, tty_ready, arg, 1000));
	CHECK_INT(fakehv_mapped_by_grant(h.fh, 17), 0);
	tty = guest_tty(&h, &other);
	CHECK_STR(tty, "");
	free(tty);
	CHECK_INT(fakehv_mapped_by_grant(h.fh, 16), -1);
	/* The toolstack names us backend of the first: served then. */
	arg[1] = &other;
	harness_write(&h, "/local/domain/16/console/backend-id", "0");
	CHECK(harness_until(&h, tty_ready, arg, 1000));
	harness_fini(&h);
}

/* Close every fd of ours open on path (the backend's pty slave). */
static int close_fds_on(const char *path)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	char link[300], target[128];
	int n = 0, victims[8], nv = 0;

	while (d && (de = readdir(d))) {
		ssize_t len;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (strcmp(target, path) == 0 && nv < 8)
			victims[nv++] = atoi(de->d_name);
	}
	if (d)
		closedir(d);
	for (int i = 0; i < nv; i++)
		n += close(victims[i]) == 0;
	return n;
}

/* The pty breaks (its slave closed behind the backend's back: the
 * master reads EIO): a new one, and console/tty rewritten. */
static void test_pty_recreate(void)
{
	struct harness h;
	struct guest g;
	void *arg[2] = {&h, &g};
	struct sink s;
	struct want_len w = {&s, 6};
	char *old;

	harness_init(&h);
	harness_backend(&h);
	guest_new(&h, &g, 18, "broken", "xenconsoled", -1);
	CHECK(harness_until(&h, tty_ready, arg, 1000));
	old = guest_tty(&h, &g);
	/* Cleared first, so that its rewrite shows (the name may repeat). */
	harness_write(&h, "/local/domain/18/console/tty", "");
	harness_pump(&h, 5);
	CHECK_INT(close_fds_on(old), 1);
	CHECK(harness_until(&h, tty_ready, arg, 2000));
	sink_open(&h, &g, &s);
	guest_write(&h, &g, "again\n", 6);
	CHECK(harness_until(&h, sink_has, &w, 2000));
	CHECK(s.len == 6 && memcmp(s.buf, "again\n", 6) == 0);
	sink_close(&s);
	free(old);
	harness_fini(&h);
}

/* A fake Xen console ring for hypervisor.log. */
struct hvring {
	struct fakehv *fh;
	const char *text;
	size_t len;
	int port;
};

static int hvring_bind(void *arg)
{
	struct hvring *r = arg;

	r->port = fakehv_bind_local(r->fh);
	return r->port;
}

static int hvring_read(void *arg, char *buf, unsigned *len, uint32_t *index)
{
	struct hvring *r = arg;
	size_t n = r->len > *index ? r->len - *index : 0;

	if (n > *len)
		n = *len;
	memcpy(buf, r->text + *index, n);
	*index += (uint32_t)n;
	*len = (unsigned)n;
	return 0;
}

static void test_hvlog(void)
{
	static const char text[] = "(XEN) boot line\n(XEN) later line\n";
	struct harness h;
	struct hvring r = {NULL, text, 16, -1};
	struct conback_hvlog ops = {&r, hvring_bind, hvring_read};
	char path[128];

	harness_init(&h);
	r.fh = h.fh;
	h.cfg.log_hv = true;
	h.cfg.hvlog = &ops;
	harness_backend(&h);
	snprintf(path, sizeof(path), "%s/hypervisor.log", h.dir);
	CHECK(file_is(path, text, 16)); /* the boot messages, at start */
	r.len = sizeof(text) - 1;
	fakehv_fire_local(h.fh, r.port);
	harness_pump(&h, 10);
	CHECK(file_is(path, text, sizeof(text) - 1));
	conback_free(h.cb);
	h.cb = NULL;
	harness_fini(&h);
}

int main(void)
{
	if (getenv("CONSOLE_TEST_VERBOSE"))
		log_set_verbose(2);
	RUN(test_tty_at_once);
	RUN(test_output_roundtrip);
	RUN(test_early_output);
	RUN(test_input);
	RUN(test_discard);
	RUN(test_keep);
	RUN(test_rate_limit);
	RUN(test_reopen);
	RUN(test_death);
	RUN(test_ioemu_skipped);
	RUN(test_no_name_no_log);
	RUN(test_backend_and_frame);
	RUN(test_pty_recreate);
	RUN(test_hvlog);
	return CHECK_DONE();
}
