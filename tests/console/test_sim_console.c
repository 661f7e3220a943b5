/*
 * test_sim_console.c: consoles end to end on the Xen simulator, in process.
 *
 *	test_sim_console XENSIM XENSIM_XL XENBACKD [CASE...]
 *
 * Starts its own xensim and `xenbackd -N --socket S --hypervisor sim:P
 * --log=guest --log-dir D` (stderr kept in a file, checked for sanitizer
 * reports at the end; the lab is tests/sim/labkit.c's), makes domains
 * with `xensim-xl create NAME --wait-tty 10`, attaches guests in-process
 * and reads their ptys itself (raw mode, a thread per pty so they never
 * back up).  The cases:
 *
 * stream   1 MiB of seeded random output (every byte value, escape
 *          sequences) reaches guest-NAME.log and the pty byte for byte, in
 *          order; 64 KiB written to the pty arrive in the guest's in ring.
 * latency  A quiet guest's line latency (write -> in its log) and a socket
 *          client's XS_READ round trip, p99 idle and beside a guest that
 *          floods its console: the ratios are printed; the test fails only
 *          past 10x (a shared 2-CPU VM is noisy; idle p99s are taken
 *          as at least 1 ms, 10 ms under ASan).
 * sighup   The log is renamed and SIGHUP sent while the guest writes: the
 *          old file and the new one hold every byte, in order, once.
 * reuse    Destroy, then a new domain with the same domid and name: a new
 *          pty (the old one hangs up), and only the new output after the
 *          old in the log and on the new pty.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <xenstore.h>

#include "sim/guest.h"
#include "sim/simclient.h"
#include "tests/sim/labkit.h"
#include "tests/unit/check.h"

CHECK_MAIN_DEFS;

#define WAIT_MS    20000
#define STREAM_LEN (1024 * 1024)
#define INPUT_LEN  (64 * 1024)
#define LAT_LINES  200
#define LAT_READS  3000
#define LAT_BOUND  10.0
/* Idle p99s below this count as this much: sanitizers distort timing. */
#if defined(__SANITIZE_ADDRESS__)
#define LAT_FLOOR_MS 10.0
#else
#define LAT_FLOOR_MS 1.0
#endif

static const char *exe_sim, *exe_xl, *exe_xbd;

static struct lab L;
static struct xs_handle *xsh; /* dom0's, through libxenstore */

/* ---- files, data ---- */

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (long)st.st_size;
}

/* Random bytes, every value, with terminal escape sequences mixed in. */
static unsigned char *random_bytes(size_t len, uint32_t seed)
{
	static const char *const esc[] = {
		"\x1b[2J",
		"\x1b[H",
		"\x1b]0;title\x07",
		"\x1b"
		"c",
		"\x1b[6n",
		"\r\n",
		"\x1b[?1049h",
		"\x03\x04",
		"\x1b[31;1mX",
		"\x1bP+q\x1b\\",
		"\x11\x13",
		"\x7f\b",
	};
	unsigned char *b = malloc(len);
	size_t i = 0;

	if (!b)
		abort();
	while (i < len) {
		uint32_t r = xorshift(&seed);

		if (r % 97 == 0) {
			const char *e = esc[(r >> 8) % 12];
			size_t l = strlen(e);

			if (l > len - i)
				l = len - i;
			memcpy(b + i, e, l);
			i += l;
		} else {
			b[i++] = (unsigned char)(r >> 11);
		}
	}
	return b;
}

/* ---- the lab ---- */

/* The daemon serves dom0 (lab_start_daemon's ready). */
static bool xs_up(void)
{
	unsigned len;
	void *v;

	if (!xsh && !(xsh = xs_open(0)))
		return false;
	v = xs_read(xsh, XBT_NULL, "/", &len);
	if (v) {
		free(v);
		return true;
	}
	xs_close(xsh); /* not yet: a new connection next time */
	xsh = NULL;
	return false;
}

static bool lab_up(void)
{
	char logdir[96];
	const char *args[] = {"--log=guest", logdir, NULL};

	if (!lab_start_sim(&L, "/tmp/xb-simcons.XXXXXX", exe_sim))
		return false;
	snprintf(logdir, sizeof(logdir), "--log-dir=%s", L.dir);
	setenv("XENSIM_SOCKET", L.sim_sock, 1);
	setenv("XENSTORED_PATH", L.xs_sock, 1);
	return lab_start_daemon(&L, exe_xbd, args, xs_up);
}

static void lab_down(void)
{
	if (xsh)
		xs_close(xsh);
	xsh = NULL;
	lab_stop(&L, false);
	lab_remove(&L);
}

/*
 * xensim-xl create NAME --wait-tty 10 (the domid) or destroy ID (0): -1 on
 * failure.
 */
static int xl(const char *cmd, const char *arg)
{
	const char *args[] = {cmd, arg, "--wait-tty", "10", NULL};
	bool create = strcmp(cmd, "create") == 0;
	char out[512];

	if (!create)
		args[2] = NULL;
	if (lab_xl(&L, exe_xl, args, out, sizeof(out), 30000) != 0)
		return -1;
	return create ? lab_xl_domid(out) : 0;
}

static char *dom_read(unsigned domid, const char *rel)
{
	char path[96];
	unsigned len;

	snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, rel);
	return xs_read(xsh, XBT_NULL, path, &len);
}

/* ---- a pty reader thread ---- */

struct pty {
	int fd;
	char *name;
	pthread_t th;
	pthread_mutex_t mu;
	unsigned char *buf;
	size_t len, cap;
	bool stop, hup, running;
	int in_rc; /* for input into the guest: bytes received there */
};

static void *pty_main(void *arg)
{
	struct pty *p = arg;
	unsigned char tmp[16384];

	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		struct pollfd pf = {p->fd, POLLIN, 0};
		ssize_t n;

		if (poll(&pf, 1, 50) <= 0)
			continue;
		n = read(p->fd, tmp, sizeof(tmp));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			__atomic_store_n(&p->hup, true, __ATOMIC_RELEASE);
			break;
		}
		pthread_mutex_lock(&p->mu);
		if (p->cap - p->len < (size_t)n) {
			size_t cap = p->cap ? p->cap * 2 : 1048576;
			unsigned char *nb;

			while (cap - p->len < (size_t)n)
				cap *= 2;
			nb = realloc(p->buf, cap);
			if (!nb)
				abort();
			p->buf = nb;
			p->cap = cap;
		}
		memcpy(p->buf + p->len, tmp, (size_t)n);
		p->len += (size_t)n;
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

/* Open the domain's console/tty in raw mode and start reading it. */
static struct pty *pty_open(unsigned domid)
{
	struct pty *p = calloc(1, sizeof(*p));
	struct termios t;

	if (!p)
		abort();
	p->name = dom_read(domid, "console/tty");
	CHECK(p->name && strncmp(p->name, "/dev/", 5) == 0);
	if (!p->name) {
		free(p);
		return NULL;
	}
	p->fd = open(p->name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	CHECK(p->fd >= 0);
	if (p->fd < 0) {
		free(p->name);
		free(p);
		return NULL;
	}
	CHECK_INT(tcgetattr(p->fd, &t), 0);
	cfmakeraw(&t);
	CHECK_INT(tcsetattr(p->fd, TCSANOW, &t), 0);
	pthread_mutex_init(&p->mu, NULL);
	p->running = pthread_create(&p->th, NULL, pty_main, p) == 0;
	CHECK(p->running);
	return p;
}

static size_t pty_len(struct pty *p)
{
	size_t n;

	pthread_mutex_lock(&p->mu);
	n = p->len;
	pthread_mutex_unlock(&p->mu);
	return n;
}

static void pty_close(struct pty *p)
{
	if (!p)
		return;
	__atomic_store_n(&p->stop, true, __ATOMIC_RELEASE);
	if (p->running)
		pthread_join(p->th, NULL);
	close(p->fd);
	pthread_mutex_destroy(&p->mu);
	free(p->buf);
	free(p->name);
	free(p);
}

/* ---- guests ---- */

static void log_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/guest-%s.log", L.dir, name);
}

/*
 * Write len bytes to g's console as the ring takes them (keeping at most
 * 32 KiB queued), running the guests' loop; after[] at byte mid, if set.
 */
static bool console_feed(struct guest *g, const unsigned char *b, size_t len,
			 size_t mid, void (*at_mid)(void))
{
	double end = now_ms() + WAIT_MS * 2;
	uint32_t seed = 77;
	size_t off = 0;

	while (off < len && now_ms() < end) {
		while (off < len && guest_console_pending(g) < 32768) {
			size_t n = 512 + xorshift(&seed) % 3584;

			if (n > len - off)
				n = len - off;
			if (mid && off < mid && off + n >= mid) {
				n = mid - off;
				if (n == 0)
					break;
			}
			if (guest_console_write(g, b + off, n) != (int)n)
				return false;
			off += n;
			if (mid && off == mid && at_mid) {
				at_mid();
				at_mid = NULL;
			}
		}
		guest_host_run_once(L.gh, 5);
	}
	return off == len;
}

/* Run the guests until cond(arg) or the deadline. */
static bool run_until(bool (*cond)(void *), void *arg, int ms)
{
	double end = now_ms() + ms;

	while (!cond(arg)) {
		if (now_ms() > end)
			return false;
		guest_host_run_once(L.gh, 5);
	}
	return true;
}

struct want_file {
	const char *path;
	long size;
};

static bool file_reached(void *arg)
{
	struct want_file *w = arg;

	return file_size(w->path) >= w->size;
}

struct want_pty {
	struct pty *p;
	size_t len;
};

static bool pty_reached(void *arg)
{
	struct want_pty *w = arg;

	return pty_len(w->p) >= w->len;
}

static void check_same(const char *what, const unsigned char *got, size_t glen,
		       const unsigned char *want, size_t wlen)
{
	size_t i, n = glen < wlen ? glen : wlen;

	CHECK_INT(glen, wlen);
	for (i = 0; i < n && got[i] == want[i]; i++)
		;
	if (i < n || glen != wlen)
		fprintf(stderr,
			"%s: %zu bytes, want %zu; first difference "
			"at %zu\n",
			what, glen, wlen, i);
	CHECK(i == n);
}

struct input {
	unsigned char *buf;
	size_t len;
};

static void on_input(struct guest *g, const char *buf, size_t len, void *arg)
{
	struct input *in = arg;

	(void)g;
	if (in->len + len <= INPUT_LEN)
		memcpy(in->buf + in->len, buf, len);
	in->len += len;
}

static bool input_done(void *arg)
{
	return ((struct input *)arg)->len >= INPUT_LEN;
}

/* ---- cases ---- */

static void test_stream(void)
{
	unsigned char *data = random_bytes(STREAM_LEN, 0x5eed1234u), *b;
	unsigned char *inb = random_bytes(INPUT_LEN, 0xfeedu);
	struct input in = {calloc(1, INPUT_LEN), 0};
	char path[160];
	struct pty *p;
	struct guest *g;
	size_t len, off;
	int id = xl("create", "stream"), err;
	bool seen[256] = {false};
	unsigned i, values = 0;

	for (len = 0; len < STREAM_LEN; len++)
		seen[data[len]] = true;
	for (i = 0; i < 256; i++)
		values += seen[i];
	CHECK_INT(values, 256);
	CHECK(id > 0);
	if (id <= 0)
		goto out;
	g = guest_attach(L.gh, (unsigned)id, &err);
	CHECK(g != NULL);
	p = g ? pty_open((unsigned)id) : NULL;
	if (!p)
		goto out;
	log_path(path, sizeof(path), "stream");

	/* Output: the log and the pty get every byte, in order. */
	CHECK(console_feed(g, data, STREAM_LEN, 0, NULL));
	{
		struct want_file wf = {path, STREAM_LEN};
		struct want_pty wp = {p, STREAM_LEN};

		CHECK(run_until(file_reached, &wf, WAIT_MS));
		CHECK(run_until(pty_reached, &wp, WAIT_MS));
	}
	b = slurp(path, &len);
	check_same("log", b, len, data, STREAM_LEN);
	free(b);
	pthread_mutex_lock(&p->mu);
	check_same("pty", p->buf, p->len, data, STREAM_LEN);
	pthread_mutex_unlock(&p->mu);

	/* Input: the pty to the guest's in ring. */
	guest_set_console_input(g, on_input, &in);
	off = 0;
	{
		double end = now_ms() + WAIT_MS;

		while (off < INPUT_LEN && now_ms() < end) {
			ssize_t n =
				write(p->fd, inb + off,
				      INPUT_LEN - off > 1024 ? 1024
							     : INPUT_LEN - off);

			if (n > 0)
				off += (size_t)n;
			guest_host_run_once(L.gh, n > 0 ? 0 : 2);
		}
	}
	CHECK_INT(off, INPUT_LEN);
	CHECK(run_until(input_done, &in, WAIT_MS));
	check_same("input", in.buf, in.len, inb, INPUT_LEN);
	guest_set_console_input(g, NULL, NULL);
	pty_close(p);
out:
	free(in.buf);
	free(inb);
	free(data);
}

/* The flooder: its own connection and loop, in its own thread. */
struct flood {
	unsigned domid;
	bool stop, ok;
	size_t sent;
	pthread_t th;
};

static void *flood_main(void *arg)
{
	struct flood *f = arg;
	struct simclient *sc = NULL;
	struct guest_host *gh = NULL;
	struct guest *g = NULL;
	unsigned char *chunk = random_bytes(16384, 0xf100du);
	int err;

	if (simclient_open(L.sim_sock, 0, &sc) < 0 ||
	    !(gh = guest_host_new(sc)) ||
	    !(g = guest_attach(gh, f->domid, &err)))
		goto out;
	f->ok = true;
	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		while (guest_console_pending(g) < 65536 &&
		       guest_console_write(g, chunk, sizeof(chunk)) > 0)
			f->sent += 16384;
		guest_host_run_once(gh, 2);
	}
	guest_host_drain(gh, 2000);
out:
	if (gh)
		guest_host_free(gh);
	if (sc)
		simclient_close(sc);
	free(chunk);
	return NULL;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double p99(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
}

/*
 * LAT_LINES lines from the quiet guest, each waited for in its log, with
 * LAT_READS / LAT_LINES socket reads between: both p99s, in ms.
 */
static bool measure(struct guest *q, int logfd, unsigned *seq, double *line99,
		    double *read99)
{
	double *lines = calloc(LAT_LINES, sizeof(double));
	double *reads = calloc(LAT_READS, sizeof(double));
	unsigned nl = 0, nr = 0, per = LAT_READS / LAT_LINES;
	char line[64], buf[4096];
	bool ok = true;

	while (nl < LAT_LINES && ok) {
		double t0, end;
		int len = snprintf(line, sizeof(line), "quiet %06u\n", ++*seq);
		bool found = false;
		unsigned k;

		t0 = now_ms();
		ok = guest_console_write(q, line, (size_t)len) == len;
		end = t0 + WAIT_MS;
		while (ok && !found) {
			ssize_t n = read(logfd, buf, sizeof(buf));

			if (n > 0) {
				found = memmem(buf, (size_t)n, line,
					       (size_t)len) != NULL;
				if (found)
					break;
				continue;
			}
			if (now_ms() > end) {
				ok = false;
				break;
			}
			guest_host_run_once(L.gh, 0);
			sleep_us(50);
		}
		lines[nl++] = now_ms() - t0;
		for (k = 0; k < per && ok; k++) {
			unsigned l;
			void *v;

			t0 = now_ms();
			v = xs_read(xsh, XBT_NULL, "/local/domain/0/name", &l);
			reads[nr++] = now_ms() - t0;
			ok = v != NULL;
			free(v);
		}
		/* Quiet: well under the 30 events per 200 ms rate limit. */
		sleep_us(10000 + (long)(*seq % 7) * 100);
	}
	if (ok) {
		*line99 = p99(lines, nl);
		*read99 = p99(reads, nr);
	}
	free(lines);
	free(reads);
	return ok;
}

static void test_latency(void)
{
	struct flood f = {0};
	struct guest *q;
	char path[160], fpath[160];
	int qid = xl("create", "quiet"), fid = xl("create", "flood"), err;
	int fd;
	unsigned seq = 0;
	double il = 0, ir = 0, fl = 0, fr = 0, t0, t1;
	long fsize0, fsize1;
	void *v;
	unsigned l;

	CHECK(qid > 0 && fid > 0);
	if (qid <= 0 || fid <= 0)
		return;
	/* dom0's name node may be absent: make sure there is one to read. */
	v = xs_read(xsh, XBT_NULL, "/local/domain/0/name", &l);
	if (!v)
		CHECK(xs_write(xsh, XBT_NULL, "/local/domain/0/name",
			       "Domain-0", 8));
	free(v);
	q = guest_attach(L.gh, (unsigned)qid, &err);
	CHECK(q != NULL);
	if (!q)
		return;
	log_path(path, sizeof(path), "quiet");
	log_path(fpath, sizeof(fpath), "flood");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(measure(q, fd, &seq, &il, &ir));

	f.domid = (unsigned)fid;
	CHECK_INT(pthread_create(&f.th, NULL, flood_main, &f), 0);
	sleep_us(300000);
	fsize0 = file_size(fpath);
	t0 = now_ms();
	CHECK(measure(q, fd, &seq, &fl, &fr));
	t1 = now_ms();
	fsize1 = file_size(fpath);
	__atomic_store_n(&f.stop, true, __ATOMIC_RELEASE);
	pthread_join(f.th, NULL);
	CHECK(f.ok);
	CHECK(fsize1 > fsize0); /* it did flood meanwhile */
	close(fd);

	printf("latency: quiet line p99 idle %.3f ms, flood %.3f ms (x%.2f); "
	       "xs_read p99 idle %.3f ms, flood %.3f ms (x%.2f); "
	       "flood logged %.1f MiB/s\n",
	       il, fl, fl / il, ir, fr, fr / ir,
	       (double)(fsize1 - fsize0) / 1048576.0 / ((t1 - t0) / 1000));
	if (fl > 2 * il || fr > 2 * ir)
		printf("latency: 2x target missed (see above)\n");
	CHECK(fl <= LAT_BOUND * (il > LAT_FLOOR_MS ? il : LAT_FLOOR_MS));
	CHECK(fr <= LAT_BOUND * (ir > LAT_FLOOR_MS ? ir : LAT_FLOOR_MS));
}

static struct {
	const char *path;
	char old[170];
	bool done;
} hup;

static void rotate(void)
{
	snprintf(hup.old, sizeof(hup.old), "%s.1", hup.path);
	CHECK_INT(rename(hup.path, hup.old), 0);
	CHECK_INT(kill(L.xbd, SIGHUP), 0);
	hup.done = true;
}

struct both {
	const char *a, *b;
	long size;
};

static bool both_reached(void *arg)
{
	struct both *w = arg;
	long a = file_size(w->a), b = file_size(w->b);

	return a >= 0 && b >= 0 && a + b >= w->size;
}

static void test_sighup(void)
{
	size_t total = 512 * 1024, la, lb;
	unsigned char *data = random_bytes(total, 0x40bu), *a, *b, *cat;
	char path[160];
	struct guest *g;
	int id = xl("create", "hup"), err;

	CHECK(id > 0);
	g = id > 0 ? guest_attach(L.gh, (unsigned)id, &err) : NULL;
	CHECK(g != NULL);
	if (!g)
		goto out;
	log_path(path, sizeof(path), "hup");
	hup.path = path;
	CHECK(console_feed(g, data, total, total / 3, rotate));
	CHECK(hup.done);
	{
		struct both w = {hup.old, path, (long)total};

		CHECK(run_until(both_reached, &w, WAIT_MS));
	}
	a = slurp(hup.old, &la);
	b = slurp(path, &lb);
	CHECK(a && b);
	if (a && b) {
		printf("sighup: %zu bytes in the old file, %zu in the new\n",
		       la, lb);
		CHECK(lb > 0);
		cat = malloc(la + lb + 1);
		memcpy(cat, a, la);
		memcpy(cat + la, b, lb);
		check_same("old+new log", cat, la + lb, data, total);
		free(cat);
	}
	free(a);
	free(b);
out:
	free(data);
}

static bool domain_gone(void *arg)
{
	unsigned domid = *(unsigned *)arg;
	struct sim_dominfo di;
	struct simclient *c = NULL;
	bool gone;

	if (simclient_open(L.sim_sock, SIMCLIENT_DOM0, &c) < 0)
		return false;
	gone = simclient_domain_info(c, domid, &di) < 0;
	simclient_close(c);
	if (!gone)
		sleep_us(20000);
	return gone;
}

static bool hung_up(void *arg)
{
	return __atomic_load_n(&((struct pty *)arg)->hup, __ATOMIC_ACQUIRE);
}

static bool guest_is_dead(void *arg)
{
	return guest_dead(arg);
}

static void test_reuse(void)
{
	size_t n1 = 100000, n2 = 70000, len;
	unsigned char *d1 = random_bytes(n1, 1u), *d2 = random_bytes(n2, 2u);
	unsigned char *b = NULL, *want = malloc(n1 + n2);
	char path[160], id_s[16];
	struct pty *p1 = NULL, *p2 = NULL;
	struct guest *g;
	int id = xl("create", "reuse"), id2, err;
	unsigned domid;

	CHECK(id > 0);
	if (id <= 0)
		goto out;
	domid = (unsigned)id;
	g = guest_attach(L.gh, domid, &err);
	p1 = g ? pty_open(domid) : NULL;
	if (!p1)
		goto out;
	log_path(path, sizeof(path), "reuse");
	CHECK(console_feed(g, d1, n1, 0, NULL));
	{
		struct want_pty wp = {p1, n1};

		CHECK(run_until(pty_reached, &wp, WAIT_MS));
	}
	snprintf(id_s, sizeof(id_s), "%u", domid);
	CHECK_INT(xl("destroy", id_s), 0);
	/* Hear of its death before detaching: the simulator's events name
	 * only a domid, and a late one would hit the next domain's guest. */
	CHECK(run_until(guest_is_dead, g, WAIT_MS));
	guest_detach(g);
	CHECK(run_until(domain_gone, &domid, WAIT_MS));
	CHECK(run_until(hung_up, p1, WAIT_MS));
	CHECK_INT(file_size(path), (long)n1);

	id2 = xl("create", "reuse");
	CHECK_INT(id2, id);
	if (id2 <= 0)
		goto out;
	g = guest_attach(L.gh, (unsigned)id2, &err);
	p2 = g ? pty_open((unsigned)id2) : NULL;
	if (!p2)
		goto out;
	CHECK(strcmp(p1->name, p2->name) != 0);
	CHECK(console_feed(g, d2, n2, 0, NULL));
	{
		struct want_pty wp = {p2, n2};
		struct want_file wf = {path, (long)(n1 + n2)};

		CHECK(run_until(pty_reached, &wp, WAIT_MS));
		CHECK(run_until(file_reached, &wf, WAIT_MS));
	}
	sleep_us(100000);
	pthread_mutex_lock(&p2->mu);
	check_same("new pty", p2->buf, p2->len, d2, n2);
	pthread_mutex_unlock(&p2->mu);
	pthread_mutex_lock(&p1->mu);
	check_same("old pty", p1->buf, p1->len, d1, n1);
	pthread_mutex_unlock(&p1->mu);
	memcpy(want, d1, n1);
	memcpy(want + n1, d2, n2);
	b = slurp(path, &len);
	check_same("log (old then new)", b, len, want, n1 + n2);
out:
	pty_close(p1);
	pty_close(p2);
	free(b);
	free(want);
	free(d1);
	free(d2);
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{"stream", test_stream},
	{"latency", test_latency},
	{"sighup", test_sighup},
	{"reuse", test_reuse},
};

int main(int argc, char **argv)
{
	int before = 0;
	size_t i;
	int j;

	if (argc < 4) {
		fprintf(stderr,
			"usage: %s XENSIM XENSIM_XL XENBACKD "
			"[CASE...]\n",
			argv[0]);
		return 2;
	}
	exe_sim = argv[1];
	exe_xl = argv[2];
	exe_xbd = argv[3];
	signal(SIGPIPE, SIG_IGN);
	alarm(58);
	if (!lab_up()) {
		CHECK(false);
		lab_down();
		return 1;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool run = argc == 4;
		double t0 = now_ms();

		for (j = 4; j < argc; j++)
			run |= strcmp(argv[j], cases[i].name) == 0;
		if (!run)
			continue;
		before = check_failures;
		cases[i].fn();
		printf("%s %s (%.1f s)\n",
		       check_failures == before ? "ok  " : "FAIL",
		       cases[i].name, (now_ms() - t0) / 1000);
		fflush(stdout);
	}
	lab_down();
	return CHECK_DONE();
}
