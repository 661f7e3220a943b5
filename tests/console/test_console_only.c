/*
 * test_console_only.c: the console backend alone (--console-only), as a
 * libxenstore client of the real daemon (argv[1]) acting as another
 * xenstored: the same console logic, the other store client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "backends/console/conback.h"
#include "tests/console/fakehv.h"
#include "tests/console/harness.h"
#include "tests/unit/check.h"

CHECK_MAIN_DEFS;

static bool tty_ready(void *arg)
{
	void **a = arg;
	char *tty = guest_tty(a[0], a[1]);
	bool ok = tty && strncmp(tty, "/dev/pts/", 9) == 0;

	free(tty);
	return ok;
}

struct reader {
	int fd;
	unsigned char buf[65536];
	size_t len, want;
};

static bool read_some(void *arg)
{
	struct reader *r = arg;
	ssize_t n = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);

	if (n > 0)
		r->len += (size_t)n;
	return r->len >= r->want;
}

static bool file_is(const char *path, const void *data, size_t len)
{
	size_t flen;
	char *f = slurp(path, &flen);
	bool ok = f && flen == len && memcmp(f, data, len) == 0;

	free(f);
	return ok;
}

static bool no_domains(void *arg)
{
	struct conback_stats st;

	conback_get_stats(arg, &st);
	return st.domains == 0;
}

/* Discovery, tty, output both ways round, death: all over libxenstore. */
static void test_alone(void)
{
	static const char tail[] = "unsignalled tail\n";
	struct harness h;
	struct guest g, q;
	void *arg[2] = {&h, &g};
	struct reader r = {0};
	unsigned char data[20000], *all;
	uint64_t seed = 77;
	size_t sent = 0;
	char path[128], *tty;

	random_bytes(&seed, data, sizeof(data));
	harness_init_xs(&h);
	harness_backend(&h);
	guest_new(&h, &g, 21, "alone", "xenconsoled", -1);
	guest_new(&h, &q, 22, "qemu", "ioemu", -1);
	CHECK(harness_until(&h, tty_ready, arg, 2000));
	r.fd = guest_open_pty(&h, &g);
	CHECK(r.fd >= 0);
	r.want = sizeof(data);
	while (r.fd >= 0 && sent < sizeof(data)) {
		sent += guest_write(&h, &g, data + sent, sizeof(data) - sent);
		harness_until(&h, read_some, &r, 1);
	}
	CHECK(r.fd >= 0 && harness_until(&h, read_some, &r, 5000));
	CHECK(r.len == sizeof(data) && memcmp(r.buf, data, r.len) == 0);
	tty = guest_tty(&h, &q);
	CHECK_STR(tty, "");
	free(tty);
	/* Death: the tail nobody signalled still reaches the log. */
	guest_put(&g, tail, sizeof(tail) - 1);
	guest_kill(&h, &g);
	fakehv_remove_domain(h.fh, 22);
	guest_kill(&h, &q);
	CHECK(harness_until(&h, no_domains, h.cb, 2000));
	all = malloc(sizeof(data) + sizeof(tail));
	memcpy(all, data, sizeof(data));
	memcpy(all + sizeof(data), tail, sizeof(tail) - 1);
	log_path(&h, "alone", path, sizeof(path));
	CHECK(file_is(path, all, sizeof(data) + sizeof(tail) - 1));
	free(all);
	if (r.fd >= 0)
		close(r.fd);
	harness_fini(&h);
}

int main(int argc, char **argv)
{
	char dir[64];
	int pid;

	if (argc < 2) {
		fprintf(stderr, "usage: %s XENBACKD\n", argv[0]);
		return 2;
	}
	pid = store_daemon_start(argv[1], dir, sizeof(dir));
	if (pid < 0) {
		fprintf(stderr, "the daemon did not come up\n");
		return 1;
	}
	RUN(test_alone);
	store_daemon_stop(pid, dir);
	return CHECK_DONE();
}
