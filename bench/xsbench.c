/*
 * xsbench: a XenStore benchmark client built on libxenstore.
 *
 * It talks to one or two servers (xenbackd, xenstored, bench/limit_server)
 * exactly as a toolstack would: xs_open(0) with XENSTORED_PATH set.  Given
 * two --socket options it runs each test against both in the same process,
 * alternating between them in short slices in the order A B B A A B ..., so
 * that a burst of noise on the machine hits both alike.  Results are lines
 * "<server> <metric> <value>", server 0 being the first --socket; bench/run.sh
 * turns them into a table of ratios.
 *
 * Tests (all paths are under /bench):
 *   write        sequential 32-byte writes over 1,000 nodes   (ops/s)
 *   read         sequential reads of those nodes              (ops/s)
 *   directory    DIRECTORY of a node with 1,000 children      (ops/s)
 *   transaction  start, 5 writes, commit                      (tx/s)
 *   watch        write -> WATCH_EVENT on another connection   (µs)
 *   writers      N threads, one connection each, writing      (ops/s)
 *   memory       server VmRSS growth for N new 32-byte nodes  (bytes/node;
 *                first server only, needs its --pid)
 *
 * Throughput tests run --warmup seconds per server untimed, then --time
 * seconds per server timed.  With --pid, the server's CPU time per operation
 * is printed as well.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "bench/benchutil.h"

#define BENCH_SERVERS     2
#define BENCH_SLICE       0.1  /* seconds per turn of one server */
#define BENCH_WATCH_CHUNK 1000 /* watch events per turn */
#define BENCH_KEYS        1000 /* nodes per directory */
#define BENCH_PATH_MAX    64
#define BENCH_VALUE_LEN   32
#define BENCH_TX_WRITES   5
#define BENCH_WRITERS_MAX 64
#define BENCH_ALARM_SECS  300 /* no single test may take longer */

/* Options shared by all tests. */
static struct {
	double time;           /* timed seconds per server and test */
	double warmup;         /* untimed seconds before that */
	unsigned long samples; /* watch events timed per server */
	unsigned long nodes;   /* nodes created by the memory test */
	unsigned int writers;  /* threads in the writers test */
} opt = {
	.time = 2.0,
	.warmup = 0.5,
	.samples = 30000,
	.nodes = 300000,
	.writers = 8,
};

const char bench_prog[] = "xsbench";

/* The servers under test. */
static struct server {
	const char *socket;
	long pid; /* 0 if unknown */
} servers[BENCH_SERVERS];
static unsigned int nr_servers, nr_pids;

static const char value[BENCH_VALUE_LEN + 1] =
	"v123456789abcdef0123456789abcdef";

/* The paths "<dir>/k0" .. "<dir>/k999". */
struct keyset {
	char path[BENCH_KEYS][BENCH_PATH_MAX];
};

/* What one server did during the timed turns of a test. */
struct tally {
	unsigned long ops;
	uint64_t ns, cpu_ns;
};

static void alarm_cb(int sig)
{
	static const char msg[] = "xsbench: timed out (server stuck?)\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

/* Which server has turn @k: A B B A A B B A ... */
static unsigned int turn_server(unsigned long k)
{
	return nr_servers == 1 ? 0 : (unsigned int)((k + 1) / 2 % 2);
}

/* Connect to server @s; call from the main thread only (setenv). */
static struct xs_handle *connect_or_die(unsigned int s)
{
	struct xs_handle *h;

	/* libxenstore finds the daemon's socket through this variable. */
	setenv("XENSTORED_PATH", servers[s].socket, 1);
	h = xs_open(0);
	if (h == NULL)
		die_errno("%s", servers[s].socket);
	return h;
}

static void keyset_init(struct keyset *ks, const char *dir)
{
	unsigned int i;

	for (i = 0; i < BENCH_KEYS; i++)
		snprintf(ks->path[i], BENCH_PATH_MAX, "%s/k%u", dir, i);
}

static void write_or_die(struct xs_handle *h, xs_transaction_t t,
			 const char *path)
{
	if (!xs_write(h, t, path, value, BENCH_VALUE_LEN))
		die_errno("%s", path);
}

/* Server @s's user+system CPU time in ns, or 0 without its pid. */
static uint64_t server_cpu_ns(unsigned int s)
{
	return cpu_ns(servers[s].pid);
}

/* Server @s's VmRSS in bytes. */
static uint64_t server_rss(unsigned int s)
{
	char name[64], line[256];
	unsigned long long kb = 0;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%ld/status", servers[s].pid);
	f = fopen(name, "r");
	if (f == NULL)
		die_errno("%s", name);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* Print "<s> <test>_ops_per_s" and the server CPU time per op. */
static double report_rate(unsigned int s, const char *test,
			  const struct tally *t)
{
	double rate = (double)t->ops / ((double)t->ns / 1e9);

	printf("%u %s_ops_per_s %.1f\n", s, test, rate);
	if (servers[s].pid > 0 && t->ops > 0)
		printf("%u %s_server_cpu_us_per_op %.2f\n", s, test,
		       (double)t->cpu_ns / 1e3 / (double)t->ops);
	return rate;
}

/* One operation of a throughput test on one server; @i counts from 0. */
typedef void (*op_fn)(void *ctx, unsigned long i);

/* Run @op on @ctx until @ns have passed; returns the operations done. */
static unsigned long run_for(op_fn op, void *ctx, unsigned long *i, uint64_t ns,
			     struct tally *t)
{
	uint64_t start = now_ns(), end, deadline = start + ns;
	unsigned long n = 0;

	do {
		op(ctx, (*i)++);
		n++;
		end = now_ns();
	} while (end < deadline);
	if (t != NULL) {
		t->ops += n;
		t->ns += end - start;
	}
	return n;
}

/* Warm up, then time @op in turns on every server; print ops/s. */
static void run_timed(const char *test, op_fn op, void **ctx, double *rate)
{
	unsigned long i[BENCH_SERVERS] = {0}, k, turns;
	struct tally t[BENCH_SERVERS] = {0};
	unsigned int s;
	uint64_t cpu0;

	for (s = 0; s < nr_servers; s++)
		run_for(op, ctx[s], &i[s], (uint64_t)(opt.warmup * 1e9), NULL);
	turns = nr_servers * (unsigned long)(opt.time / BENCH_SLICE + 0.5);
	for (k = 0; k < turns; k++) {
		s = turn_server(k);
		cpu0 = server_cpu_ns(s);
		run_for(op, ctx[s], &i[s], (uint64_t)(BENCH_SLICE * 1e9),
			&t[s]);
		t[s].cpu_ns += server_cpu_ns(s) - cpu0;
	}
	for (s = 0; s < nr_servers; s++) {
		double r = report_rate(s, test, &t[s]);

		if (rate != NULL)
			rate[s] = r;
	}
}

struct simple_ctx {
	struct xs_handle *h;
	unsigned long retries; /* transactions that got EAGAIN */
	struct keyset keys;
};

static void write_op(void *ctx, unsigned long i)
{
	struct simple_ctx *c = ctx;

	write_or_die(c->h, XBT_NULL, c->keys.path[i % BENCH_KEYS]);
}

static void read_op(void *ctx, unsigned long i)
{
	struct simple_ctx *c = ctx;
	unsigned int len;
	char *v;

	v = xs_read(c->h, XBT_NULL, c->keys.path[i % BENCH_KEYS], &len);
	if (v == NULL)
		die_errno("%s", c->keys.path[i % BENCH_KEYS]);
	if (len != BENCH_VALUE_LEN)
		die("read %u bytes, want %d", len, BENCH_VALUE_LEN);
	free(v);
}

static void directory_op(void *ctx, unsigned long i)
{
	struct simple_ctx *c = ctx;
	unsigned int num;
	char **d;

	(void)i;
	d = xs_directory(c->h, XBT_NULL, "/bench/dir", &num);
	if (d == NULL)
		die_errno("directory /bench/dir");
	if (num != BENCH_KEYS)
		die("%u children, want %d", num, BENCH_KEYS);
	free(d);
}

static void transaction_op(void *ctx, unsigned long i)
{
	struct simple_ctx *c = ctx;
	xs_transaction_t t;
	unsigned int j;

	(void)i;
	for (;;) {
		t = xs_transaction_start(c->h);
		if (t == XBT_NULL)
			die_errno("transaction_start");
		for (j = 0; j < BENCH_TX_WRITES; j++)
			write_or_die(c->h, t, c->keys.path[j]);
		if (xs_transaction_end(c->h, t, false))
			return;
		if (errno != EAGAIN)
			die_errno("transaction_end");
		c->retries++;
	}
}

/* A connection to server @s with the nodes of @test created. */
static struct simple_ctx *simple_new(const char *test, unsigned int s)
{
	struct simple_ctx *c = calloc(1, sizeof(*c));
	unsigned int i;

	if (c == NULL)
		die_errno("calloc");
	c->h = connect_or_die(s);
	if (strcmp(test, "directory") == 0) {
		/* Numeric names keep the 1,000-child reply under 4096 bytes,
		 * like /local/domain; no DIRECTORY_PART fallback is needed. */
		for (i = 0; i < BENCH_KEYS; i++)
			snprintf(c->keys.path[i], BENCH_PATH_MAX,
				 "/bench/dir/%u", i);
	} else if (strcmp(test, "transaction") == 0) {
		keyset_init(&c->keys, "/bench/tx");
	} else {
		keyset_init(&c->keys, "/bench/w");
	}
	/* Create the nodes first, so reads and directories find them. */
	for (i = 0; i < BENCH_KEYS; i++)
		write_or_die(c->h, XBT_NULL, c->keys.path[i]);
	return c;
}

/* write, read, directory and transaction: one connection, one loop. */
static void test_simple(const char *test)
{
	void *ctx[BENCH_SERVERS];
	double rate[BENCH_SERVERS];
	struct simple_ctx *c;
	op_fn op = write_op;
	unsigned int s;

	for (s = 0; s < nr_servers; s++)
		ctx[s] = simple_new(test, s);
	if (strcmp(test, "read") == 0)
		op = read_op;
	else if (strcmp(test, "directory") == 0)
		op = directory_op;
	else if (strcmp(test, "transaction") == 0)
		op = transaction_op;
	run_timed(test, op, ctx, rate);
	for (s = 0; s < nr_servers; s++) {
		c = ctx[s];
		if (op == read_op)
			printf("%u read_rtt_us %.2f\n", s, 1e6 / rate[s]);
		if (op == transaction_op)
			printf("%u transaction_retries %lu\n", s, c->retries);
		xs_close(c->h);
		free(c);
	}
}

/*
 * The watch test.  Per server: a watcher connection (the main thread reads
 * its events) and a writer connection (a thread that writes, then waits for
 * the watcher to see the event).  Latency: from just before the write to the
 * event's arrival in the watcher.
 */
struct watch_side {
	struct xs_handle *h;  /* watches /bench/watch */
	struct xs_handle *wh; /* writes /bench/watch/n */
	struct samples lat;
	uint64_t cpu_ns;
};

struct watch_turn {
	struct xs_handle *wh;
	_Atomic uint64_t sent_ns; /* when the current write started */
	sem_t seen;               /* the watcher got the event */
	unsigned long count;
};

static void *watch_writer(void *arg)
{
	struct watch_turn *w = arg;
	unsigned long i;

	for (i = 0; i < w->count; i++) {
		atomic_store(&w->sent_ns, now_ns());
		write_or_die(w->wh, XBT_NULL, "/bench/watch/n");
		while (sem_wait(&w->seen) < 0 && errno == EINTR)
			;
	}
	return NULL;
}

/* Read one event on @h and check it is ours. */
static void watch_wait(struct xs_handle *h)
{
	unsigned int num;
	char **ev;

	ev = xs_read_watch(h, &num);
	if (ev == NULL)
		die_errno("xs_read_watch");
	if (num < 2 || strcmp(ev[XS_WATCH_TOKEN], "lat") != 0)
		die("unexpected watch event");
	free(ev);
}

/* @count writes and events on one server; record them if @record. */
static void watch_run(struct watch_side *ws, unsigned int s,
		      unsigned long count, bool record)
{
	struct watch_turn w = {.wh = ws->wh, .count = count};
	uint64_t cpu0 = server_cpu_ns(s);
	pthread_t thr;
	unsigned long i;

	if (sem_init(&w.seen, 0, 0) < 0)
		die_errno("sem_init");
	if (pthread_create(&thr, NULL, watch_writer, &w) != 0)
		die_errno("pthread_create");
	for (i = 0; i < count; i++) {
		watch_wait(ws->h);
		if (record)
			samples_add(&ws->lat,
				    now_ns() - atomic_load(&w.sent_ns));
		sem_post(&w.seen);
	}
	pthread_join(thr, NULL);
	sem_destroy(&w.seen);
	if (record)
		ws->cpu_ns += server_cpu_ns(s) - cpu0;
}

static void watch_report(struct watch_side *ws, unsigned int s)
{
	struct stats st = samples_stats(&ws->lat); /* sorts ws->lat */
	const uint64_t *v = ws->lat.v;
	size_t n = st.n;

	/* xsbench's p50 and p99 are the samples at n / 2 and n * 99 / 100,
	 * at most one above samples_stats()'s nearest rank: kept so. */
	printf("%u watch_mean_us %.2f\n", s, st.mean);
	printf("%u watch_p50_us %.2f\n", s, (double)v[n / 2] / 1e3);
	printf("%u watch_p99_us %.2f\n", s, (double)v[n * 99 / 100] / 1e3);
	printf("%u watch_max_us %.2f\n", s, st.max);
	if (servers[s].pid > 0)
		printf("%u watch_server_cpu_us_per_op %.2f\n", s,
		       (double)ws->cpu_ns / 1e3 / (double)n);
}

static void test_watch(void)
{
	unsigned long turns, chunk = BENCH_WATCH_CHUNK, k;
	struct watch_side ws[BENCH_SERVERS] = {0};
	unsigned int s;

	turns = nr_servers * ((opt.samples + chunk - 1) / chunk);
	for (s = 0; s < nr_servers; s++) {
		ws[s].h = connect_or_die(s);
		ws[s].wh = connect_or_die(s);
		write_or_die(ws[s].wh, XBT_NULL, "/bench/watch/n");
		if (!xs_watch(ws[s].h, "/bench/watch", "lat"))
			die_errno("xs_watch");
		watch_wait(ws[s].h); /* every new watch fires once at once */
		watch_run(&ws[s], s, chunk, false);
	}
	for (k = 0; k < turns; k++)
		watch_run(&ws[turn_server(k)], turn_server(k), chunk, true);
	for (s = 0; s < nr_servers; s++) {
		watch_report(&ws[s], s);
		xs_unwatch(ws[s].h, "/bench/watch", "lat");
		xs_close(ws[s].wh);
		xs_close(ws[s].h);
		free(ws[s].lat.v);
	}
}

/*
 * The writers test: N threads per server, each with its own connection and
 * subtree.  A turn starts the N threads of one server and stops them after
 * BENCH_SLICE.
 */
struct writer {
	struct xs_handle *h;
	pthread_t thr;
	unsigned long i, ops; /* next key, operations timed */
	struct keyset keys;
};

static pthread_barrier_t writers_ready;
static atomic_bool writers_stop;

static void *writer_main(void *arg)
{
	struct writer *wr = arg;
	unsigned long n = 0;

	pthread_barrier_wait(&writers_ready);
	while (!atomic_load_explicit(&writers_stop, memory_order_relaxed)) {
		write_or_die(wr->h, XBT_NULL,
			     wr->keys.path[wr->i++ % BENCH_KEYS]);
		n++;
	}
	wr->ops += n;
	return NULL;
}

/* One turn of @n writers on server @s, for @secs; adds to @t if given. */
static void writers_turn(struct writer *wr, unsigned int n, unsigned int s,
			 double secs, struct tally *t)
{
	struct timespec ts;
	uint64_t start, cpu0 = server_cpu_ns(s);
	unsigned long before = 0, after = 0;
	unsigned int i;

	atomic_store(&writers_stop, false);
	pthread_barrier_init(&writers_ready, NULL, n + 1);
	for (i = 0; i < n; i++) {
		before += wr[i].ops;
		if (pthread_create(&wr[i].thr, NULL, writer_main, &wr[i]))
			die_errno("pthread_create");
	}
	pthread_barrier_wait(&writers_ready);
	start = now_ns();
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	atomic_store(&writers_stop, true);
	for (i = 0; i < n; i++) {
		pthread_join(wr[i].thr, NULL);
		after += wr[i].ops;
	}
	if (t != NULL) {
		t->ns += now_ns() - start;
		t->ops += after - before;
		t->cpu_ns += server_cpu_ns(s) - cpu0;
	}
	pthread_barrier_destroy(&writers_ready);
}

static void test_writers(void)
{
	unsigned int n = opt.writers, s, i;
	struct tally t[BENCH_SERVERS] = {0};
	struct writer *wr[BENCH_SERVERS];
	unsigned long k, turns, lo, total;
	char dir[BENCH_PATH_MAX / 2];

	for (s = 0; s < nr_servers; s++) {
		wr[s] = calloc(n, sizeof(*wr[s]));
		if (wr[s] == NULL)
			die_errno("calloc");
		for (i = 0; i < n; i++) {
			wr[s][i].h = connect_or_die(s);
			snprintf(dir, sizeof(dir), "/bench/mw/t%u", i);
			keyset_init(&wr[s][i].keys, dir);
		}
		writers_turn(wr[s], n, s, opt.warmup, NULL);
		for (i = 0; i < n; i++)
			wr[s][i].ops = 0;
	}
	turns = nr_servers * (unsigned long)(opt.time / BENCH_SLICE + 0.5);
	for (k = 0; k < turns; k++)
		writers_turn(wr[turn_server(k)], n, turn_server(k), BENCH_SLICE,
			     &t[turn_server(k)]);
	for (s = 0; s < nr_servers; s++) {
		report_rate(s, "writers", &t[s]);
		lo = ~0ul;
		total = 0;
		for (i = 0; i < n; i++) {
			total += wr[s][i].ops;
			if (wr[s][i].ops < lo)
				lo = wr[s][i].ops;
			xs_close(wr[s][i].h);
		}
		/* 1.0 means every writer got the same share. */
		printf("%u writers_fairness %.2f\n", s,
		       total ? (double)lo * n / (double)total : 0.0);
		free(wr[s]);
	}
}

/* Server 0's memory per node: VmRSS growth over opt.nodes new nodes. */
static void test_memory(void)
{
	unsigned long i, dirs = (opt.nodes + BENCH_KEYS - 1) / BENCH_KEYS;
	struct xs_handle *h = connect_or_die(0);
	struct keyset *ks = malloc(sizeof(*ks));
	struct tally t = {.ops = opt.nodes};
	unsigned long done = 0, j;
	char dir[BENCH_PATH_MAX / 2];
	uint64_t before, after;

	if (servers[0].pid <= 0) {
		fprintf(stderr, "xsbench: memory needs --pid\n");
		exit(2);
	}
	if (ks == NULL)
		die_errno("malloc");
	before = server_rss(0);
	t.cpu_ns = server_cpu_ns(0);
	t.ns = now_ns();
	for (i = 0; i < dirs; i++) {
		snprintf(dir, sizeof(dir), "/bench/mem/d%lu", i);
		keyset_init(ks, dir);
		for (j = 0; j < BENCH_KEYS && done < opt.nodes; j++, done++)
			write_or_die(h, XBT_NULL, ks->path[j]);
	}
	t.ns = now_ns() - t.ns;
	t.cpu_ns = server_cpu_ns(0) - t.cpu_ns;
	after = server_rss(0);
	printf("0 memory_rss_before_kb %" PRIu64 "\n", before / 1024);
	printf("0 memory_rss_after_kb %" PRIu64 "\n", after / 1024);
	printf("0 memory_bytes_per_node %.1f\n",
	       ((double)after - (double)before) / (double)opt.nodes);
	report_rate(0, "create", &t);
	xs_close(h);
	free(ks);
}

static _Noreturn void usage(void)
{
	fprintf(stderr,
		"usage: xsbench --socket PATH [--pid PID] [--socket PATH "
		"[--pid PID]]\n"
		"               [--time SEC] [--warmup SEC] [--samples N] "
		"[--nodes N]\n"
		"               [--writers N] TEST...\n"
		"tests: write read directory transaction watch writers "
		"memory\n");
	exit(2);
}

static void run_test(const char *test)
{
	alarm(BENCH_ALARM_SECS);
	if (strcmp(test, "write") == 0 || strcmp(test, "read") == 0 ||
	    strcmp(test, "directory") == 0 || strcmp(test, "transaction") == 0)
		test_simple(test);
	else if (strcmp(test, "watch") == 0)
		test_watch();
	else if (strcmp(test, "writers") == 0)
		test_writers();
	else if (strcmp(test, "memory") == 0)
		test_memory();
	else
		usage();
	alarm(0);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"pid", required_argument, NULL, 'p'},
		{"time", required_argument, NULL, 't'},
		{"warmup", required_argument, NULL, 'w'},
		{"samples", required_argument, NULL, 'n'},
		{"nodes", required_argument, NULL, 'm'},
		{"writers", required_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "s:p:t:w:n:m:j:", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 's':
			if (nr_servers == BENCH_SERVERS)
				usage();
			servers[nr_servers++].socket = optarg;
			break;
		case 'p':
			/* A --pid belongs to the --socket before it. */
			if (nr_pids == nr_servers)
				usage();
			servers[nr_servers - 1].pid = strtol(optarg, NULL, 10);
			nr_pids = nr_servers;
			break;
		case 't':
			opt.time = strtod(optarg, NULL);
			break;
		case 'w':
			opt.warmup = strtod(optarg, NULL);
			break;
		case 'n':
			opt.samples = strtoul(optarg, NULL, 10);
			break;
		case 'm':
			opt.nodes = strtoul(optarg, NULL, 10);
			break;
		case 'j':
			opt.writers = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (nr_servers == 0 || optind == argc || opt.time < BENCH_SLICE ||
	    opt.warmup < 0 || opt.samples < 100 || opt.nodes == 0 ||
	    opt.writers == 0 || opt.writers > BENCH_WRITERS_MAX)
		usage();
	signal(SIGALRM, alarm_cb);
	signal(SIGPIPE, SIG_IGN);
	for (; optind < argc; optind++)
		run_test(argv[optind]);
	return 0;
}
