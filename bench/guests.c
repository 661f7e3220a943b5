/*
 * guests: xenbackd with many simulated guests over their rings.
 *
 *	guests --sim PATH --xs PATH --xl XENSIM_XL [--pid PID] [--sim-pid PID]
 *	       [--levels 1,100,1000] [-t S] [--turn S] [--flood-time S]
 *	       [--flood-turn S] [--depth D] [-r CYCLES] [--raw FILE]
 *	       [--quiet-nice N]
 *
 * The daemon runs on the simulator (xenbackd --hypervisor sim:PATH, with
 * its socket at --xs); bench/guests.sh starts both.  Domains are made the
 * way a toolstack makes them (xensim-xl create, run as a command), and
 * every guest is a sim/guest.h guest speaking xs_wire.h over its own ring:
 *
 *  - the quiet guest Q, the first domain, has a thread and a simclient
 *    connection of its own (a guest has its own vcpu) and does blocking
 *    round trips all the time, a WRITE of its node data/bench (32 bytes)
 *    and a READ of it, alternately; --quiet-nice sets that thread's nice
 *    value (as Xen's scheduler boosts a vcpu woken by an event);
 *  - the others (W) share one guest_host in the main thread;
 *  - a toolstack (libxenstore on the daemon's socket, a thread of its own)
 *    reads /local/domain/Q/name once a millisecond in the "one" and
 *    "flood" turns: do guests hold up the daemon's other clients?
 *
 * For each number of domains N in --levels, going up and then down again
 * (1, 100, 1000, 100, 1: domains are created on the way up, destroyed on
 * the way down, so the smaller sizes are measured before and after the
 * largest), it takes turns between these modes, in the order A B C C B A
 * ..., until each has had -t seconds (--turn seconds a turn):
 *
 *   one    Q alone does round trips, the N-1 others are attached and idle:
 *          does the cost of a request grow with the number of domains?
 *   all    every guest does closed-loop round trips, one request in flight
 *          each: total ops/s, and each round trip's latency
 *   flood  (largest N only, --flood-time seconds in turns of --flood-turn;
 *          0: none) the N-1 others keep --depth requests in flight each,
 *          which keeps their request rings full, while Q does its round
 *          trips: Q's latency against its latency in "one" (the N-1 idle),
 *          measured in the same run
 *
 * A turn starts after a ramp (requests sent, nothing recorded).  A round
 * trip of Q counts if it starts in the turn's window, and the others go on
 * until it is answered; then their requests are drained before the next
 * turn.  After each change of N every guest runs closed-loop for a warm-up
 * first.  With --pid and --sim-pid, the daemon's and xensim's CPU time per
 * request are reported too (from /proc/PID/stat).
 *
 * Results go to stdout as a Markdown table of ratios (see
 * docs/performance.md); --raw FILE also writes "N visit mode metric value"
 * lines.  Progress goes to stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "bench/benchutil.h"
#include "sim/guest.h"
#include "sim/simclient.h"

#define MAX_LEVELS     8
#define MAX_RESULTS    256
#define VALUE_LEN      32
#define NODE           "data/bench"
#define RAMP_S         0.05 /* ramp of a turn, nothing recorded */
#define FLOOD_RAMP_S   0.2  /* ramp of a flood turn */
#define WARMUP_S       0.5  /* closed loop after each change of N */
#define CALL_MS        60000
#define DRAIN_MS       60000
#define RELEASE_WAIT_S 60
#define POOLED         (~0u)   /* visit of a pooled result */
#define TOOL_PACE_NS   1000000 /* between the toolstack's reads */

extern char **environ;

const char bench_prog[] = "guests";

enum mode { M_ONE, M_ALL, M_FLOOD, M_COUNT };
static const char *const mode_name[M_COUNT] = {"one", "all", "flood"};

static struct {
	const char *sim, *xs, *xl, *raw;
	long pid, sim_pid;
	unsigned levels[MAX_LEVELS], nlevels;
	double time, flood_time, turn, flood_turn;
	unsigned depth, cycles;
	int quiet_nice;
} opt = {
	.time = 2.0,
	.flood_time = 10.0,
	.turn = 0.5,
	.flood_turn = 2.0,
	.depth = 32,
	.cycles = 1,
};

static const char value[VALUE_LEN + 1] = "v123456789abcdef0123456789abcdef";

/* ---- results: one per level visit and mode ---- */

struct result {
	unsigned n;     /* domains */
	unsigned visit; /* 0, 1, ... in the order they were measured */
	enum mode m;
	struct samples lat;  /* Q's only in one and flood; everyone's in all */
	struct samples tool; /* the toolstack's reads (one, flood) */
	uint64_t ops;        /* requests answered in the recorded windows */
	uint64_t other_ops;  /* the flooders' (flood) */
	uint64_t ns;         /* length of the recorded windows */
	uint64_t cpu;        /* the daemon's CPU time in them */
	uint64_t sim_cpu;    /* xensim's */
	uint64_t wmin, wmax; /* all: fewest and most ops of one W guest */
};

static struct result results[MAX_RESULTS];
static unsigned nresults;

static struct result *result_new(unsigned n, unsigned visit, enum mode m)
{
	struct result *r;

	if (nresults == MAX_RESULTS)
		die("too many results");
	r = &results[nresults++];
	memset(r, 0, sizeof(*r));
	r->n = n;
	r->visit = visit;
	r->m = m;
	return r;
}

/* ---- the quiet guest, in its own thread ---- */

static struct {
	pthread_t thread;
	pthread_mutex_t mx;
	struct simclient *sc;
	struct guest_host *gh;
	struct guest *g;
	bool run, stop;
	struct result *rec;      /* where samples go now, or NULL */
	struct result *inflight; /* the request in flight counts there */
	unsigned long errors;
} q = {.mx = PTHREAD_MUTEX_INITIALIZER};

static void *quiet_main(void *arg)
{
	char body[sizeof(NODE) + VALUE_LEN];
	unsigned long seq = 0;

	memcpy(body, NODE, sizeof(NODE));
	memcpy(body + sizeof(NODE), value, VALUE_LEN);
	/* Linux: the nice value of this thread alone. */
	if (opt.quiet_nice &&
	    setpriority(PRIO_PROCESS, (id_t)gettid(), opt.quiet_nice) < 0)
		die_errno("quiet guest: setpriority");
	for (;;) {
		struct result *rec;
		bool run, stop;
		uint64_t t0, t1;
		char *reply = NULL;
		size_t rlen = 0;
		int rc;
		bool write = seq++ % 2 == 0;

		pthread_mutex_lock(&q.mx);
		run = q.run;
		stop = q.stop;
		/* A request counts if it starts in the window. */
		rec = q.inflight = q.rec;
		pthread_mutex_unlock(&q.mx);
		if (stop)
			break;
		if (!run) {
			struct timespec ts = {0, 1000000};

			nanosleep(&ts, NULL);
			seq = 0; /* start again with a WRITE */
			continue;
		}
		t0 = now_ns();
		rc = guest_xs_call(q.g, write ? XS_WRITE : XS_READ, 0, body,
				   write ? sizeof(body) : sizeof(NODE), &reply,
				   &rlen, CALL_MS);
		t1 = now_ns();
		free(reply);
		pthread_mutex_lock(&q.mx);
		if (rc < 0 || (!write && rlen != VALUE_LEN))
			q.errors++;
		if (rec) {
			samples_add(&rec->lat, t1 - t0);
			rec->ops++;
		}
		q.inflight = NULL;
		pthread_mutex_unlock(&q.mx);
		if (rc == -EPIPE || rc == -ETIMEDOUT) {
			fprintf(stderr, "guests: quiet guest: %s\n",
				strerror(-rc));
			exit(1);
		}
	}
	return arg;
}

static void quiet_set(bool run, struct result *rec)
{
	pthread_mutex_lock(&q.mx);
	q.run = run;
	q.rec = rec;
	pthread_mutex_unlock(&q.mx);
}

/* ---- a toolstack on the socket, in its own thread ---- */

/*
 * One xs_read every TOOL_PACE_NS, as a toolstack polling the store would,
 * over libxenstore's socket connection: does a guest flood hold up the
 * daemon's other clients?  Its state is under q.mx too.
 */
static struct {
	pthread_t thread;
	struct xs_handle *xs;
	char path[64];
	bool stop;
	struct result *rec, *inflight;
	unsigned long errors;
} tool;

static void *tool_main(void *arg)
{
	for (;;) {
		struct timespec pace = {0, TOOL_PACE_NS};
		struct result *rec;
		unsigned len = 0;
		uint64_t t0, t1;
		bool stop;
		char *v;

		pthread_mutex_lock(&q.mx);
		stop = tool.stop;
		rec = tool.inflight = tool.rec;
		pthread_mutex_unlock(&q.mx);
		if (stop)
			break;
		if (rec) {
			t0 = now_ns();
			v = xs_read(tool.xs, XBT_NULL, tool.path, &len);
			t1 = now_ns();
			pthread_mutex_lock(&q.mx);
			if (!v)
				tool.errors++;
			else
				samples_add(&rec->tool, t1 - t0);
			tool.inflight = NULL;
			pthread_mutex_unlock(&q.mx);
			free(v);
		}
		nanosleep(&pace, NULL);
	}
	return arg;
}

static void tool_set(struct result *rec)
{
	pthread_mutex_lock(&q.mx);
	tool.rec = rec;
	pthread_mutex_unlock(&q.mx);
}

/* Is a recorded request of the quiet guest or the toolstack in flight? */
static bool quiet_recording(void)
{
	bool busy;

	pthread_mutex_lock(&q.mx);
	busy = q.inflight != NULL || tool.inflight != NULL;
	pthread_mutex_unlock(&q.mx);
	return busy;
}

/* ---- the others, in the main thread ---- */

enum wmode { W_IDLE, W_CLOSED, W_FLOOD };

struct wguest {
	struct guest *g;
	unsigned domid;
	unsigned out; /* requests in flight */
	unsigned seq; /* even: WRITE next, odd: READ */
	uint64_t t0;  /* when the request in flight was sent (closed) */
	uint64_t ops; /* recorded */
};

static struct {
	struct simclient *sc; /* the kernel of every W guest */
	struct simclient *d0; /* the toolstack's dom0 handle */
	struct xs_handle *xs;
	struct guest_host *gh;
	struct wguest **w;
	unsigned nw;
	enum wmode mode;
	struct result *rec;
	struct samples lat; /* this turn's, merged into rec at its end */
	unsigned long errors;
	unsigned creates;
} m;

static void w_send(struct wguest *w)
{
	char body[sizeof(NODE) + VALUE_LEN];
	bool write = w->seq++ % 2 == 0;
	int id;

	memcpy(body, NODE, sizeof(NODE));
	memcpy(body + sizeof(NODE), value, VALUE_LEN);
	w->t0 = now_ns();
	id = guest_xs_send(w->g, write ? XS_WRITE : XS_READ, 0, body,
			   write ? sizeof(body) : sizeof(NODE));
	if (id < 0)
		die("domain %u: send: %s", w->domid, strerror(-id));
	w->out++;
}

static void w_fill(struct wguest *w)
{
	unsigned want = m.mode == W_FLOOD    ? opt.depth
			: m.mode == W_CLOSED ? 1
					     : 0;

	while (w->out < want)
		w_send(w);
}

static void w_reply(struct guest *g, const struct xsd_sockmsg *hdr,
		    const char *body, void *arg)
{
	struct wguest *w = arg;

	if (w->out)
		w->out--;
	if (hdr->type == XS_ERROR ||
	    (hdr->type == XS_READ && hdr->len != VALUE_LEN))
		m.errors++;
	if (m.rec) {
		if (m.mode == W_CLOSED)
			samples_add(&m.lat, now_ns() - w->t0);
		w->ops++;
	}
	w_fill(w);
}

static void w_state(struct guest *g, void *arg)
{
	struct wguest *w = arg;

	die("domain %u died (%s)", w->domid,
	    guest_is_shutdown(g) ? "shut down" : "destroyed");
}

static void run_for(double secs)
{
	uint64_t end = now_ns() + (uint64_t)(secs * 1e9);

	for (;;) {
		uint64_t t = now_ns();
		int rc, ms;

		if (t >= end)
			return;
		ms = (int)((end - t) / 1000000u) + 1;
		if (!m.nw) {
			struct timespec ts = {0, (long)(end - t)};

			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec = ts.tv_nsec / 1000000000L;
				ts.tv_nsec %= 1000000000L;
			}
			nanosleep(&ts, NULL);
			continue;
		}
		rc = guest_host_run_once(m.gh, ms > 100 ? 100 : ms);
		if (rc < 0)
			die("guest host: %s", strerror(-rc));
	}
}

static void w_start(enum wmode mode)
{
	unsigned i;

	m.mode = mode;
	for (i = 0; i < m.nw; i++)
		w_fill(m.w[i]);
}

/* Stop sending and wait for every reply. */
static void w_stop(void)
{
	m.mode = W_IDLE;
	if (m.nw && guest_host_drain(m.gh, DRAIN_MS) < 0)
		die("replies did not come back in %d s", DRAIN_MS / 1000);
}

/* ---- domains ---- */

static int spawn_wait(const char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc, st;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
					 O_WRONLY, 0);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv,
			 environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		die("%s: %s", argv[0], strerror(rc));
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die_errno("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Domains other than dom0 the simulator lists. */
static int list_domains(struct sim_dominfo *di)
{
	int n = simclient_domain_list(m.d0, 1, di, SIM_DOMID_MAX + 1);

	if (n < 0)
		die("domain list: %s", strerror(-n));
	return n;
}

static struct wguest *w_attach(unsigned domid)
{
	struct wguest *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		die("out of memory");
	w->domid = domid;
	w->g = guest_attach(m.gh, domid, &err);
	if (!w->g)
		die("attach domain %u: %s", domid, strerror(-err));
	guest_set_handlers(w->g, w_reply, NULL, w_state, w);
	return w;
}

/* xl create: count more domains, and a guest on each. */
static void create_domains(unsigned count)
{
	static struct sim_dominfo di[SIM_DOMID_MAX + 1];
	char name[32], num[16];
	const char *argv[] = {opt.xl,   "--sim", opt.sim, "--xs", opt.xs,
			      "create", name,    "-n",    num,    NULL};
	uint64_t t0 = now_ns();
	int n, i;

	snprintf(name, sizeof(name), "bench%u", m.creates++);
	snprintf(num, sizeof(num), "%u", count);
	if (spawn_wait(argv) != 0)
		die("%s create %s -n %s failed", opt.xl, name, num);
	n = list_domains(di);
	for (i = 0; i < n; i++) {
		if (di[i].flags & (SIM_DOMINFO_ATTACHED | SIM_DOMINFO_DYING |
				   SIM_DOMINFO_SHUTDOWN))
			continue;
		if (!q.g) {
			int err;

			q.g = guest_attach(q.gh, di[i].domid, &err);
			if (!q.g)
				die("attach domain %u: %s", di[i].domid,
				    strerror(-err));
			continue;
		}
		m.w = realloc(m.w, (m.nw + 1) * sizeof(*m.w));
		if (!m.w)
			die("out of memory");
		m.w[m.nw++] = w_attach(di[i].domid);
	}
	fprintf(stderr, "guests: created %u domains in %.1f s\n", count,
		(double)(now_ns() - t0) / 1e9);
}

static void xs_rm_path(const char *path)
{
	if (!xs_rm(m.xs, XBT_NULL, path) && errno != ENOENT)
		die_errno("xs_rm %s", path);
}

/* What xensim-xl destroy does: the nodes, then the domain. */
static void destroy_domains(unsigned count)
{
	static struct sim_dominfo di[SIM_DOMID_MAX + 1];
	uint64_t t0 = now_ns();
	unsigned i, want;
	char p[64], *vm;
	int rc;

	for (i = 0; i < count; i++) {
		struct wguest *w = m.w[--m.nw];
		unsigned d = w->domid;

		guest_detach(w->g);
		free(w);
		snprintf(p, sizeof(p), "/local/domain/0/backend/console/%u", d);
		xs_rm_path(p);
		snprintf(p, sizeof(p), "/local/domain/%u/vm", d);
		vm = xs_read(m.xs, XBT_NULL, p, NULL);
		if (vm)
			xs_rm_path(vm);
		free(vm);
		snprintf(p, sizeof(p), "/local/domain/%u", d);
		xs_rm_path(p);
		snprintf(p, sizeof(p), "/libxl/%u", d);
		xs_rm_path(p);
		rc = simclient_domain_destroy(m.d0, d);
		if (rc < 0)
			die("destroy %u: %s", d, strerror(-rc));
	}
	/* Dying until the daemon lets go of the rings (VIRQ_DOM_EXC). */
	want = m.nw + 1;
	for (i = 0; (unsigned)list_domains(di) != want; i++) {
		struct timespec ts = {0, 10000000};

		if (i > RELEASE_WAIT_S * 100)
			die("destroyed domains still listed after %d s",
			    RELEASE_WAIT_S);
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "guests: destroyed %u domains in %.1f s\n", count,
		(double)(now_ns() - t0) / 1e9);
}

/* ---- turns ---- */

static void turn(struct result *r)
{
	uint64_t t0, c0, s0;
	unsigned i;

	for (i = 0; i < m.nw; i++)
		m.w[i]->ops = 0;
	m.lat.n = 0;
	if (r->m == M_ALL)
		w_start(W_CLOSED);
	else if (r->m == M_FLOOD)
		w_start(W_FLOOD);
	run_for(r->m == M_FLOOD ? FLOOD_RAMP_S : RAMP_S);
	c0 = cpu_ns(opt.pid);
	s0 = cpu_ns(opt.sim_pid);
	t0 = now_ns();
	m.rec = r;
	quiet_set(true, r);
	if (r->m != M_ALL)
		tool_set(r);
	run_for(r->m == M_FLOOD ? opt.flood_turn : opt.turn);
	quiet_set(true, NULL);
	tool_set(NULL);
	m.rec = NULL;
	r->ns += now_ns() - t0;
	r->cpu += cpu_ns(opt.pid) - c0;
	r->sim_cpu += cpu_ns(opt.sim_pid) - s0;
	/* The last requests of Q and the toolstack, under the same load. */
	t0 = now_ns();
	while (quiet_recording()) {
		if (now_ns() - t0 > (uint64_t)CALL_MS * 1000000u)
			die("a request of the quiet guest or the toolstack is "
			    "stuck");
		run_for(0.001);
	}
	for (i = 0; i < m.nw; i++) {
		uint64_t ops = m.w[i]->ops;

		if (r->m == M_FLOOD) {
			r->other_ops += ops;
			continue;
		}
		r->ops += ops;
		if (r->m != M_ALL)
			continue;
		/* Per turn: a guest's share of this turn. */
		if (!r->wmax || ops < r->wmin)
			r->wmin = ops;
		if (ops > r->wmax)
			r->wmax = ops;
	}
	pthread_mutex_lock(&q.mx);
	samples_merge(&r->lat, &m.lat);
	pthread_mutex_unlock(&q.mx);
	w_stop();
}

/* Measure at this many domains: turns A B C C B A ... */
static void measure_level(unsigned n, unsigned visit, bool top)
{
	struct result *r[M_COUNT];
	unsigned left[M_COUNT], k, c;
	unsigned nm = top && n > 1 && opt.flood_time > 0 ? 3 : 2;

	fprintf(stderr, "guests: %u domains (visit %u)\n", n, visit);
	quiet_set(true, NULL);
	w_start(W_CLOSED);
	run_for(WARMUP_S);
	w_stop();
	for (k = 0; k < nm; k++) {
		double t = k == M_FLOOD ? opt.flood_time / opt.flood_turn
					: opt.time / opt.turn;

		r[k] = result_new(n, visit, (enum mode)k);
		left[k] = (unsigned)(t + 0.5);
		if (!left[k])
			left[k] = 1;
	}
	for (c = 0;; c++) {
		bool any = false;

		for (k = 0; k < nm; k++) {
			unsigned i = c % 2 ? nm - 1 - k : k;

			if (!left[i])
				continue;
			turn(r[i]);
			left[i]--;
			any = true;
		}
		if (!any)
			break;
	}
	quiet_set(false, NULL);
}

static void go_to(unsigned n)
{
	unsigned have = q.g ? m.nw + 1 : 0;

	quiet_set(false, NULL);
	if (n > have)
		create_domains(n - have);
	else if (n < have)
		destroy_domains(have - n);
}

/* ---- the report ---- */

/* Pool the results of every visit at (n, mode). */
static struct result *pooled(unsigned n, enum mode md)
{
	struct result *p = NULL;
	unsigned i, end = nresults;

	for (i = 0; i < end; i++) {
		struct result *r = &results[i];

		if (r->n != n || r->m != md || r->visit == POOLED)
			continue;
		if (!p) {
			p = result_new(n, POOLED, md);
			p->wmin = r->wmin;
		}
		samples_merge(&p->lat, &r->lat);
		samples_merge(&p->tool, &r->tool);
		p->ops += r->ops;
		p->other_ops += r->other_ops;
		p->ns += r->ns;
		p->cpu += r->cpu;
		p->sim_cpu += r->sim_cpu;
		if (r->wmin < p->wmin)
			p->wmin = r->wmin;
		if (r->wmax > p->wmax)
			p->wmax = r->wmax;
	}
	return p;
}

static double rate(const struct result *r)
{
	return r->ns ? (double)r->ops / ((double)r->ns / 1e9) : 0;
}

static double per_op_us(uint64_t cpu, uint64_t ops)
{
	return ops ? (double)cpu / (double)ops / 1e3 : 0;
}

static void raw_out(FILE *f, struct result *r)
{
	struct stats s = samples_stats(&r->lat);
	const char *md = mode_name[r->m];

	fprintf(f, "%u %u %s n %zu\n", r->n, r->visit, md, s.n);
	fprintf(f, "%u %u %s mean_us %.2f\n", r->n, r->visit, md, s.mean);
	fprintf(f, "%u %u %s p50_us %.2f\n", r->n, r->visit, md, s.p50);
	fprintf(f, "%u %u %s p99_us %.2f\n", r->n, r->visit, md, s.p99);
	fprintf(f, "%u %u %s max_us %.2f\n", r->n, r->visit, md, s.max);
	fprintf(f, "%u %u %s ops_per_s %.0f\n", r->n, r->visit, md, rate(r));
	if (r->m == M_FLOOD)
		fprintf(f, "%u %u %s flood_ops_per_s %.0f\n", r->n, r->visit,
			md, (double)r->other_ops / ((double)r->ns / 1e9));
	if (r->tool.n) {
		struct stats t = samples_stats(&r->tool);

		fprintf(f, "%u %u %s tool_n %zu\n", r->n, r->visit, md, t.n);
		fprintf(f, "%u %u %s tool_p50_us %.2f\n", r->n, r->visit, md,
			t.p50);
		fprintf(f, "%u %u %s tool_p99_us %.2f\n", r->n, r->visit, md,
			t.p99);
		fprintf(f, "%u %u %s tool_max_us %.2f\n", r->n, r->visit, md,
			t.max);
	}
	fprintf(f, "%u %u %s daemon_cpu_us_per_op %.2f\n", r->n, r->visit, md,
		per_op_us(r->cpu, r->ops + r->other_ops));
	fprintf(f, "%u %u %s sim_cpu_us_per_op %.2f\n", r->n, r->visit, md,
		per_op_us(r->sim_cpu, r->ops + r->other_ops));
}

static const char *verdict(double ratio, double target)
{
	return ratio <= target ? "met" : "MISSED";
}

/* Look up the result of one visit. */
static struct result *visit_result(unsigned visit, enum mode md)
{
	unsigned i;

	for (i = 0; i < nresults; i++)
		if (results[i].visit == visit && results[i].m == md)
			return &results[i];
	return NULL;
}

static void ratio_row(const char *label, double base, double at, double target)
{
	double ratio = base > 0 ? at / base : 0;

	printf("| %s | %.2f | %.2f | %.2f |", label, base, at, ratio);
	if (target > 0)
		printf(" ≤ %.1f: %s |\n", target, verdict(ratio, target));
	else
		printf(" |\n");
}

static void report(void)
{
	struct result *one[MAX_LEVELS], *all[MAX_LEVELS], *flood;
	struct stats so[MAX_LEVELS], sa[MAX_LEVELS], sf, st, sft;
	unsigned i, v, last = opt.nlevels - 1, nraw = nresults, nvisits = 0;
	unsigned nt = opt.levels[last];
	double lo = 0, hi = 0, clo = 0, chi = 0;
	FILE *f = NULL;

	if (opt.raw && !(f = fopen(opt.raw, "w")))
		die_errno("%s", opt.raw);
	for (i = 0; f && i < nraw; i++)
		raw_out(f, &results[i]);
	if (f)
		fclose(f);
	for (i = 0; i < nraw; i++)
		if (results[i].visit != POOLED &&
		    results[i].visit + 1 > nvisits)
			nvisits = results[i].visit + 1;

	/* Each visit on its own: the spread between going up and down. */
	printf("Each visit (sizes below the largest are measured going up "
	       "and coming down):\n\n");
	printf("| visit | domains | one active: mean / p99 (µs) | all active: "
	       "ops/s | µs per request |\n|---|---|---|---|---|\n");
	for (v = 0; v < nvisits; v++) {
		struct result *a = visit_result(v, M_ONE);
		struct result *b = visit_result(v, M_ALL);
		struct stats x;

		if (!a || !b)
			continue;
		x = samples_stats(&a->lat);
		printf("| %u | %u | %.1f / %.1f | %.0f | %.2f |\n", v, a->n,
		       x.mean, x.p99, rate(b), rate(b) ? 1e6 / rate(b) : 0);
	}
	/* Ratios of the largest size to each visit of the smallest. */
	for (v = 0; v < nvisits; v++) {
		struct result *a = visit_result(v, M_ONE);
		struct result *b = visit_result(v, M_ALL);
		struct result *ta = NULL, *tb = NULL;
		unsigned w;
		double ro, rc;

		if (!a || a->n != opt.levels[0])
			continue;
		for (w = 0; w < nvisits; w++) {
			struct result *x = visit_result(w, M_ONE);

			if (x && x->n == nt) {
				ta = x;
				tb = visit_result(w, M_ALL);
			}
		}
		if (!ta || !tb || !b || ta == a)
			continue;
		ro = samples_stats(&ta->lat).p99 / samples_stats(&a->lat).p99;
		rc = rate(b) / rate(tb);
		if (!lo || ro < lo)
			lo = ro;
		if (ro > hi)
			hi = ro;
		if (!clo || rc < clo)
			clo = rc;
		if (rc > chi)
			chi = rc;
	}

	for (i = 0; i < opt.nlevels; i++) {
		one[i] = pooled(opt.levels[i], M_ONE);
		all[i] = pooled(opt.levels[i], M_ALL);
		so[i] = samples_stats(&one[i]->lat);
		sa[i] = samples_stats(&all[i]->lat);
	}
	flood = pooled(nt, M_FLOOD);

	printf("\nAll visits pooled:\n\n");
	printf("| domains | one active, others idle: mean / p50 / p99 (µs) "
	       "| all active: ops/s | µs per request | all active: round "
	       "trip p50 / p99 (µs) | slowest / fastest guest | daemon CPU "
	       "µs per request (one / all) |\n");
	printf("|---|---|---|---|---|---|---|\n");
	for (i = 0; i < opt.nlevels; i++) {
		double ra = rate(all[i]);
		char share[32] = "—";

		if (all[i]->wmax)
			snprintf(share, sizeof(share), "%.2f",
				 (double)all[i]->wmin / (double)all[i]->wmax);
		printf("| %u | %.1f / %.1f / %.1f | %.0f | %.2f | %.1f / %.1f "
		       "| %s | %.1f / %.1f |\n",
		       opt.levels[i], so[i].mean, so[i].p50, so[i].p99, ra,
		       ra ? 1e6 / ra : 0, sa[i].p50, sa[i].p99, share,
		       per_op_us(one[i]->cpu, one[i]->ops),
		       per_op_us(all[i]->cpu, all[i]->ops));
	}

	printf("\n| at %u domains vs 1 | 1 | %u | ratio | target |\n", nt, nt);
	printf("|---|---|---|---|---|\n");
	ratio_row("one active, round trip mean (µs)", so[0].mean, so[last].mean,
		  1.2);
	ratio_row("one active, round trip p99 (µs)", so[0].p99, so[last].p99,
		  1.2);
	ratio_row("all active, µs per request (1 / ops/s)", 1e6 / rate(all[0]),
		  1e6 / rate(all[last]), 1.2);
	ratio_row("all active, round trip p99 (µs)", sa[0].p99, sa[last].p99,
		  0);
	ratio_row("one active, daemon CPU µs per request",
		  per_op_us(one[0]->cpu, one[0]->ops),
		  per_op_us(one[last]->cpu, one[last]->ops), 0);
	ratio_row("all active, daemon CPU µs per request",
		  per_op_us(all[0]->cpu, all[0]->ops),
		  per_op_us(all[last]->cpu, all[last]->ops), 0);
	if (hi)
		printf("\nPer visit of 1 domain: one-active p99 ratio "
		       "%.2f–%.2f, µs-per-request ratio %.2f–%.2f.\n",
		       lo, hi, clo, chi);

	if (!flood)
		return;
	sf = samples_stats(&flood->lat);
	printf("\n| quiet guest, %u others | idle | flooding (%u requests "
	       "in flight each) | ratio | target |\n",
	       nt - 1, opt.depth);
	printf("|---|---|---|---|---|\n");
	ratio_row("round trip mean (µs)", so[last].mean, sf.mean, 0);
	ratio_row("round trip p50 (µs)", so[last].p50, sf.p50, 0);
	ratio_row("round trip p99 (µs)", so[last].p99, sf.p99, 2.0);
	ratio_row("round trip max (µs)", so[last].max, sf.max, 0);
	printf("| samples | %zu | %zu | | |\n", so[last].n, sf.n);
	printf("| the others' ops/s | 0 | %.0f | | |\n",
	       (double)flood->other_ops / ((double)flood->ns / 1e9));
	st = samples_stats(&one[last]->tool);
	sft = samples_stats(&flood->tool);
	ratio_row("toolstack's xs_read on the socket, p50 (µs)", st.p50,
		  sft.p50, 0);
	ratio_row("toolstack's xs_read on the socket, p99 (µs)", st.p99,
		  sft.p99, 0);
	printf("| toolstack's reads | %zu | %zu | | |\n", st.n, sft.n);
	printf("| daemon CPU µs per request | %.1f | %.1f | | |\n",
	       per_op_us(one[last]->cpu, one[last]->ops),
	       per_op_us(flood->cpu, flood->ops + flood->other_ops));
}

static void parse_levels(const char *s)
{
	char *copy = strdup(s), *tok, *save = NULL;

	if (!copy)
		die("out of memory");
	opt.nlevels = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned long v = strtoul(tok, NULL, 10);

		if (opt.nlevels == MAX_LEVELS || v < 1 || v > 4000 ||
		    (opt.nlevels && v <= opt.levels[opt.nlevels - 1]))
			die("--levels: rising numbers from 1 to 4000");
		opt.levels[opt.nlevels++] = (unsigned)v;
	}
	free(copy);
	if (!opt.nlevels)
		die("--levels: none");
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: guests --sim PATH --xs PATH --xl XENSIM_XL [--pid PID] "
		"[--sim-pid PID]\n"
		"              [--levels 1,100,1000] [-t S] [--turn S] "
		"[--flood-time S]\n"
		"              [--flood-turn S] [--depth D] [-r CYCLES] "
		"[--raw FILE]\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"sim", required_argument, NULL, 's'},
		{"xs", required_argument, NULL, 'x'},
		{"xl", required_argument, NULL, 'l'},
		{"pid", required_argument, NULL, 'p'},
		{"sim-pid", required_argument, NULL, 'P'},
		{"levels", required_argument, NULL, 'L'},
		{"time", required_argument, NULL, 't'},
		{"flood-time", required_argument, NULL, 'f'},
		{"turn", required_argument, NULL, 'T'},
		{"flood-turn", required_argument, NULL, 'F'},
		{"depth", required_argument, NULL, 'd'},
		{"cycles", required_argument, NULL, 'r'},
		{"raw", required_argument, NULL, 'o'},
		{"quiet-nice", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned i, c, visit = 0;
	int o, rc;

	parse_levels("1,100,1000");
	while ((o = getopt_long(argc, argv, "t:r:h", lo, NULL)) != -1) {
		switch (o) {
		case 's':
			opt.sim = optarg;
			break;
		case 'x':
			opt.xs = optarg;
			break;
		case 'l':
			opt.xl = optarg;
			break;
		case 'p':
			opt.pid = strtol(optarg, NULL, 10);
			break;
		case 'P':
			opt.sim_pid = strtol(optarg, NULL, 10);
			break;
		case 'L':
			parse_levels(optarg);
			break;
		case 't':
			opt.time = strtod(optarg, NULL);
			break;
		case 'f':
			opt.flood_time = strtod(optarg, NULL);
			break;
		case 'T':
			opt.turn = strtod(optarg, NULL);
			break;
		case 'F':
			opt.flood_turn = strtod(optarg, NULL);
			break;
		case 'd':
			opt.depth = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			opt.quiet_nice = (int)strtol(optarg, NULL, 10);
			break;
		case 'r':
			opt.cycles = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'o':
			opt.raw = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!opt.sim || !opt.xs || !opt.xl || optind != argc || opt.time <= 0 ||
	    opt.flood_time < 0 || opt.turn <= 0 || opt.flood_turn <= 0 ||
	    !opt.depth || !opt.cycles) {
		usage(stderr);
		return 2;
	}
	if (opt.cycles * (2 * opt.nlevels - 1) * M_COUNT + 2 * opt.nlevels + 1 >
	    MAX_RESULTS)
		die("too many cycles for %u sizes", opt.nlevels);
	setenv("XENSTORED_PATH", opt.xs, 1);
	m.xs = xs_open(0);
	if (!m.xs)
		die_errno("xenstore at %s", opt.xs);
	rc = simclient_open(opt.sim, SIMCLIENT_DOM0, &m.d0);
	if (rc == 0)
		rc = simclient_open(opt.sim, 0, &m.sc);
	if (rc == 0)
		rc = simclient_open(opt.sim, 0, &q.sc);
	if (rc < 0)
		die("simulator at %s: %s", opt.sim, strerror(-rc));
	m.gh = guest_host_new(m.sc);
	q.gh = guest_host_new(q.sc);
	if (!m.gh || !q.gh)
		die("out of memory");

	go_to(opt.levels[0]);
	tool.xs = xs_open(0);
	if (!tool.xs)
		die_errno("xenstore at %s", opt.xs);
	snprintf(tool.path, sizeof(tool.path), "/local/domain/%u/name",
		 guest_domid(q.g));
	rc = pthread_create(&q.thread, NULL, quiet_main, NULL);
	if (rc == 0)
		rc = pthread_create(&tool.thread, NULL, tool_main, NULL);
	if (rc)
		die("pthread_create: %s", strerror(rc));
	for (c = 0; c < opt.cycles; c++) {
		/* Up, then down again: 1 100 1000 100 1. */
		for (i = c ? 1 : 0; i < opt.nlevels; i++) {
			go_to(opt.levels[i]);
			measure_level(opt.levels[i], visit++,
				      i == opt.nlevels - 1);
		}
		for (i = opt.nlevels - 1; i-- > 0;) {
			go_to(opt.levels[i]);
			measure_level(opt.levels[i], visit++, false);
		}
	}
	pthread_mutex_lock(&q.mx);
	q.stop = tool.stop = true;
	pthread_mutex_unlock(&q.mx);
	pthread_join(q.thread, NULL);
	pthread_join(tool.thread, NULL);
	guest_host_drain(q.gh, DRAIN_MS);
	if (q.errors || m.errors || tool.errors)
		die("%lu failed requests (quiet guest %lu, toolstack %lu)",
		    q.errors + m.errors + tool.errors, q.errors, tool.errors);
	report();
	guest_host_free(m.gh);
	guest_host_free(q.gh);
	simclient_close(m.sc);
	simclient_close(q.sc);
	simclient_close(m.d0);
	xs_close(m.xs);
	xs_close(tool.xs);
	return 0;
}
