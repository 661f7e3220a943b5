/*
 * harness.c: the console tests' world (see harness.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <xenstore.h>

#include "backends/console/ring_cons.h"
#include "backends/console/sclient.h"
#include "backends/store/domain_ops.h"
#include "backends/store/store.h"
#include "tests/console/fakehv.h"
#include "tests/console/harness.h"
#include "tests/unit/check.h"

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void harness_common(struct harness *h)
{
	memset(h, 0, sizeof(*h));
	h->fds = count_fds();
	snprintf(h->dir, sizeof(h->dir), "/tmp/xbcons.XXXXXX");
	if (!mkdtemp(h->dir))
		abort();
	h->base = event_base_new();
	h->fh = fakehv_new();
	if (!h->base || !h->fh)
		abort();
	fakehv_attach(h->fh, &h->hv);
	conback_config_defaults(&h->cfg);
	h->cfg.log_guest = true;
	h->cfg.log_dir = h->dir;
}

void harness_init(struct harness *h)
{
	struct store_config cfg;

	harness_common(h);
	store_config_defaults(&cfg);
	h->st = store_new(&cfg, NULL);
	if (!h->st)
		abort();
	h->sc = sclient_loop_new(h->base, h->st, 0);
	h->tool = sclient_loop_new(h->base, h->st, 0);
	if (!h->sc || !h->tool)
		abort();
}

void harness_init_xs(struct harness *h)
{
	harness_common(h);
	h->sc = sclient_xs_new(h->base);
	h->tool = sclient_xs_new(h->base);
	h->xs = xs_open(0);
	if (!h->sc || !h->tool || !h->xs) {
		fprintf(stderr, "cannot reach the store: %s\n",
			strerror(errno));
		abort();
	}
}

void harness_backend(struct harness *h)
{
	h->cb = conback_new(h->base, &h->hv, h->sc, &h->cfg);
	CHECK(h->cb != NULL);
	harness_pump(h, 5);
}

/* Remove the private directory and what the tests left in it. */
static void harness_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[512];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

void harness_fini(struct harness *h)
{
	conback_free(h->cb);
	CHECK_INT(fakehv_maps(h->fh), 0);
	CHECK_INT(fakehv_binds(h->fh), 0);
	sclient_free(h->sc);
	sclient_free(h->tool);
	if (h->xs)
		xs_close(h->xs);
	store_free(h->st);
	fakehv_free(h->fh);
	event_base_free(h->base);
	harness_rmdir(h->dir);
	CHECK_INT(count_fds(), h->fds);
}

void harness_pump(struct harness *h, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	event_base_loopexit(h->base, &tv);
	event_base_dispatch(h->base);
}

static void harness_tick_cb(evutil_socket_t fd, short what, void *arg)
{
}

bool harness_until(struct harness *h, bool (*cond)(void *), void *arg, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	struct timeval tick = {0, 1000};
	struct event *ev = evtimer_new(h->base, harness_tick_cb, NULL);
	bool ok;

	while (!(ok = cond(arg)) && now_ms() < end) {
		evtimer_add(ev, &tick);
		event_base_loop(h->base, EVLOOP_ONCE);
	}
	event_free(ev);
	return ok;
}

void harness_write(struct harness *h, const char *path, const char *val)
{
	CHECK_INT(h->tool->ops->write(h->tool, path, val, strlen(val)), 0);
}

char *harness_read(struct harness *h, const char *path)
{
	return h->tool->ops->read(h->tool, path, NULL);
}

/* Write <dompath>/<rel> = val. */
static void guest_node(struct harness *h, struct guest *g, const char *rel,
		       const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "/local/domain/%u/%s", g->domid, rel);
	harness_write(h, path, val);
}

void guest_prepare(struct harness *h, struct guest *g, unsigned domid,
		   const char *name, const char *type, long limit)
{
	char num[32];

	g->domid = domid;
	g->page = fakehv_add_domain(h->fh, domid);
	g->rport = fakehv_alloc_port(h->fh, domid);
	if (!g->page || !g->rport)
		abort();
	if (name)
		guest_node(h, g, "name", name);
	if (limit >= 0) {
		snprintf(num, sizeof(num), "%ld", limit);
		guest_node(h, g, "console/limit", num);
	}
	if (type)
		guest_node(h, g, "console/type", type);
	guest_node(h, g, "console/output", "pty");
	guest_node(h, g, "console/tty", "");
	snprintf(num, sizeof(num), "%u", g->rport);
	guest_node(h, g, "console/port", num);
	snprintf(num, sizeof(num), "%u", FAKEHV_CONSOLE_GFN);
	guest_node(h, g, "console/ring-ref", num);
}

void guest_introduce(struct harness *h, struct guest *g)
{
	if (h->st) {
		CHECK_INT(domain_introduce(h->st, g->domid, 1, 1), 0);
		store_flush(h->st);
	} else
		CHECK(xs_introduce_domain(h->xs, g->domid, 1, 1));
}

void guest_new(struct harness *h, struct guest *g, unsigned domid,
	       const char *name, const char *type, long limit)
{
	guest_prepare(h, g, domid, name, type, limit);
	guest_introduce(h, g);
}

size_t guest_put(struct guest *g, const void *data, size_t len)
{
	struct ring_dir r;
	ssize_t n;

	ring_cons_out(g->page, &r);
	n = ring_put(&r, data, len);
	if (n < 0)
		abort();
	return (size_t)n;
}

size_t guest_write(struct harness *h, struct guest *g, const void *data,
		   size_t len)
{
	size_t n = guest_put(g, data, len);

	if (n > 0)
		fakehv_guest_notify(h->fh, g->domid, g->rport);
	return n;
}

size_t guest_out_used(struct guest *g)
{
	struct ring_dir r;

	ring_cons_out(g->page, &r);
	return (size_t)ring_avail(&r);
}

size_t guest_read_in(struct harness *h, struct guest *g, void *buf, size_t len)
{
	struct ring_dir r;
	ssize_t n;

	ring_cons_in(g->page, &r);
	n = ring_take(&r, buf, len);
	if (n < 0)
		abort();
	if (n > 0)
		fakehv_guest_notify(h->fh, g->domid, g->rport);
	return (size_t)n;
}

void guest_kill(struct harness *h, struct guest *g)
{
	fakehv_set_state(h->fh, g->domid, true, true);
	if (h->st) {
		store_domain_gone(h->st, g->domid);
		store_flush(h->st);
	} else
		CHECK(xs_release_domain(h->xs, g->domid));
}

char *guest_tty(struct harness *h, struct guest *g)
{
	char path[128];

	snprintf(path, sizeof(path), "/local/domain/%u/console/tty", g->domid);
	return harness_read(h, path);
}

int guest_open_pty(struct harness *h, struct guest *g)
{
	char *tty = guest_tty(h, g);
	int fd = -1;

	if (tty && *tty)
		fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	free(tty);
	return fd;
}

char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (cap - n < 65536) {
			cap = cap * 2 + 65536;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	*len = n;
	return buf;
}

void log_path(struct harness *h, const char *name, char *buf, size_t sz)
{
	snprintf(buf, sz, "%s/guest-%s.log", h->dir, name);
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

void random_bytes(uint64_t *seed, unsigned char *buf, size_t len)
{
	static const char *const bits[] = {
		"\x1b[2J", "\x1b[0;31m", "\r\n", "\n\r\r",   "\x1b]0;title\a",
		"\0\0\0",  "\xff\xfe",   "\x1b", "\x7f\x08", "\x03\x04\x1a",
	};
	size_t i = 0;

	while (i < len) {
		uint64_t r = xorshift(seed);

		if (r % 8 == 0) {
			const char *b = bits[(r >> 8) % 10];
			size_t bl = (r >> 8) % 10 == 5 ? 3 : strlen(b);

			for (size_t j = 0; j < bl && i < len; j++)
				buf[i++] = (unsigned char)b[j];
		} else {
			buf[i++] = (unsigned char)(r >> 16);
		}
	}
}

int store_daemon_start(const char *bin, char *dir, size_t dirsz)
{
	char sock[128];
	struct xs_handle *xs = NULL;
	int pid;

	snprintf(dir, dirsz, "/tmp/xbstore.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sock, sizeof(sock), "%s/socket", dir);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl(bin, bin, "-N", "--socket", sock, "--hypervisor", "none",
		      (char *)NULL);
		_exit(127);
	}
	setenv("XENSTORED_PATH", sock, 1);
	for (int i = 0; i < 500 && !xs; i++) {
		xs = xs_open(0);
		if (!xs)
			usleep(10000);
	}
	if (!xs) {
		store_daemon_stop(pid, dir);
		return -1;
	}
	xs_close(xs);
	return pid;
}

void store_daemon_stop(int pid, const char *dir)
{
	char sock[128];

	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	snprintf(sock, sizeof(sock), "%s/socket", dir);
	unlink(sock);
	rmdir(dir);
}
