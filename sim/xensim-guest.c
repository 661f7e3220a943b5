/*
 * xensim-guest.c: run simulated guests, each as a Linux guest's xenbus and
 * console drivers would behave, on domains the toolstack created.
 *
 *	xensim-guest [--sim PATH] (--domid N ... | --all [--follow])
 *		     [--workload boot|rw|console|idle|hostile:KIND]
 *		     [--iterations K] [--stay] [-q]
 *
 * Every workload starts the way a Linux guest boots: read start_info,
 * map the rings, read "name", write control/feature-{poweroff,reboot},
 * watch control/shutdown and print a banner on the console.  Then:
 *
 *   boot     nothing more: wait for control/shutdown (the default)
 *   rw       K writes and reads of data/counter, checked, then stop
 *   console  K lines on the console, then stop once all are taken
 *   idle     only attach: no xenbus traffic at all
 *   hostile:index|oversized|garbage|noread|flood   misbehave once
 *
 * A write to control/shutdown is acknowledged (the node is cleared) and
 * answered with SCHEDOP_shutdown, poweroff/halt, reboot, suspend or crash,
 * as Linux's xenbus control driver does.  Console input is echoed back.
 * Without --stay, the program exits once every guest has finished its
 * workload or shut down; --follow keeps attaching new domains as the
 * toolstack creates them, until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/guest.h"

#define FOLLOW_MS   200
#define BANNER_MAX  256
#define FLOOD_COUNT 1000
#define DRAIN_MS    2000

enum workload { W_BOOT, W_RW, W_CONSOLE, W_IDLE, W_HOSTILE };

enum step {
	S_RESET_FEATURE, /* may we XS_RESET_WATCHES? */
	S_RESET,
	S_NAME,
	S_FEAT_POWEROFF,
	S_FEAT_REBOOT,
	S_WATCH,
	S_WORK,      /* rw: write; console: print */
	S_WORK_READ, /* rw: read back */
	S_IDLE,
};

struct opts {
	enum workload w;
	const char *hostile;
	unsigned iterations;
	bool stay, quiet, follow;
};

struct gstate {
	struct guest *g;
	const struct opts *o;
	enum step step;
	uint32_t wait_id;     /* the script's request in flight */
	uint32_t shutdown_id; /* the read of control/shutdown in flight */
	unsigned iter;
	char name[64];
	char reply[8]; /* the start of the last step's reply */
	bool finished;
	unsigned errors;
	struct gstate *next;
};

static volatile sig_atomic_t stop;
static unsigned live, total_errors, total_done;

static void on_signal(int sig)
{
	stop = 1;
}

static void say(const struct gstate *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(const struct gstate *s, const char *fmt, ...)
{
	va_list ap;

	if (s->o->quiet)
		return;
	fprintf(stderr, "domain %u: ", guest_domid(s->g));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void finish(struct gstate *s)
{
	if (s->finished)
		return;
	s->finished = true;
	total_done++;
	if (live)
		live--;
}

static void send_step(struct gstate *s, uint32_t type, const char *a,
		      const char *b)
{
	const char *args[2] = {a, b};
	/* Every argument ends in a NUL, except a WRITE's value. */
	int id = guest_xs_sendv(s->g, type, 0, args, b ? 2 : 1,
				type != XS_WRITE);

	if (id < 0) {
		s->errors++;
		finish(s);
		return;
	}
	s->wait_id = (uint32_t)id;
}

static void console_line(struct gstate *s, const char *line)
{
	guest_console_write(s->g, line, strlen(line));
}

static void do_hostile(struct gstate *s)
{
	const char *k = s->o->hostile;
	unsigned i;

	say(s, "misbehaving: %s", k);
	if (strcmp(k, "index") == 0)
		guest_bad_xs_index(s->g);
	else if (strcmp(k, "oversized") == 0)
		guest_bad_xs_oversized(s->g);
	else if (strcmp(k, "garbage") == 0)
		guest_bad_xs_garbage(s->g, 512, guest_domid(s->g));
	else if (strcmp(k, "noread") == 0)
		guest_bad_xs_no_read(s->g, true);
	else if (strcmp(k, "console") == 0)
		guest_bad_console_index(s->g);
	if (strcmp(k, "noread") == 0 || strcmp(k, "flood") == 0)
		for (i = 0; i < FLOOD_COUNT; i++)
			send_step(s, XS_READ, "data/none", NULL);
}

/* The next step of the workload, after the previous one's reply. */
static void advance(struct gstate *s)
{
	char buf[BANNER_MAX];

	switch (s->step) {
	case S_RESET_FEATURE:
		/* Linux's xs_reset_watches(): drop a previous kernel's. */
		if (strcmp(s->reply, "1") == 0) {
			s->step = S_RESET;
			send_step(s, XS_RESET_WATCHES, "", NULL);
			return;
		}
		/* fall through */
	case S_RESET:
		s->step = S_NAME;
		send_step(s, XS_READ, "name", NULL);
		return;
	case S_NAME:
		s->step = S_FEAT_POWEROFF;
		send_step(s, XS_WRITE, "control/feature-poweroff", "1");
		return;
	case S_FEAT_POWEROFF:
		s->step = S_FEAT_REBOOT;
		send_step(s, XS_WRITE, "control/feature-reboot", "1");
		return;
	case S_FEAT_REBOOT:
		s->step = S_WATCH;
		send_step(s, XS_WATCH, "control/shutdown", "shutdown");
		return;
	case S_WATCH:
		snprintf(buf, sizeof(buf),
			 "xensim-guest: domain %u (%s) booted\r\n",
			 guest_domid(s->g), s->name);
		console_line(s, buf);
		s->step = S_WORK;
		break;
	case S_WORK:
	case S_WORK_READ:
	case S_IDLE:
		break;
	}
	if (s->o->w == W_BOOT) {
		s->step = S_IDLE; /* until control/shutdown says otherwise */
	} else if (s->o->w == W_HOSTILE) {
		s->step = S_IDLE;
		do_hostile(s);
		if (!s->o->stay)
			finish(s);
	}
}

/* rw: write data/counter = i, read it back, for i up to K. */
static void rw_reply(struct gstate *s, const struct xsd_sockmsg *hdr,
		     const char *body)
{
	char val[32];

	snprintf(val, sizeof(val), "%u", s->iter);
	if (s->step == S_WORK) {
		if (hdr->type == XS_ERROR)
			s->errors++;
		s->step = S_WORK_READ;
		send_step(s, XS_READ, "data/counter", NULL);
		return;
	}
	if (hdr->type == XS_ERROR || strcmp(body, val) != 0)
		s->errors++;
	if (++s->iter >= s->o->iterations) {
		s->step = S_IDLE;
		finish(s);
		return;
	}
	snprintf(val, sizeof(val), "%u", s->iter);
	s->step = S_WORK;
	send_step(s, XS_WRITE, "data/counter", val);
}

static void console_work(struct gstate *s)
{
	char line[BANNER_MAX];

	for (; s->iter < s->o->iterations; s->iter++) {
		snprintf(line, sizeof(line), "domain %u line %u\r\n",
			 guest_domid(s->g), s->iter);
		if (guest_console_write(s->g, line, strlen(line)) < 0)
			break; /* the queue is full: more once it drains */
	}
}

static unsigned reason_code(const char *v)
{
	if (strcmp(v, "reboot") == 0)
		return 1;
	if (strcmp(v, "suspend") == 0)
		return 2;
	if (strcmp(v, "crash") == 0)
		return 3;
	return 0; /* poweroff, halt */
}

/* control/shutdown was read: acknowledge it and stop, as Linux does. */
static void shutdown_reply(struct gstate *s, const struct xsd_sockmsg *hdr,
			   const char *body)
{
	const char *args[2] = {"control/shutdown", ""};
	char line[BANNER_MAX];

	s->shutdown_id = 0;
	if (hdr->type == XS_ERROR || !*body)
		return;
	if (strcmp(body, "poweroff") && strcmp(body, "halt") &&
	    strcmp(body, "reboot") && strcmp(body, "suspend") &&
	    strcmp(body, "crash")) {
		say(s, "unknown shutdown request %s", body);
		return;
	}
	snprintf(line, sizeof(line), "xensim-guest: %s requested\r\n", body);
	console_line(s, line);
	say(s, "shutdown: %s", body);
	guest_xs_sendv(s->g, XS_WRITE, 0, args, 2, false);
	guest_shutdown(s->g, reason_code(body));
}

static void reply_cb(struct guest *g, const struct xsd_sockmsg *hdr,
		     const char *body, void *arg)
{
	struct gstate *s = arg;

	if (s->shutdown_id && hdr->req_id == s->shutdown_id) {
		shutdown_reply(s, hdr, body);
		return;
	}
	if (hdr->req_id != s->wait_id)
		return; /* an acknowledgement nobody waits for */
	if (hdr->type == XS_ERROR && s->step < S_WORK &&
	    s->step != S_RESET_FEATURE) {
		s->errors++;
		say(s, "boot step failed: %s", body);
	}
	if (s->step == S_NAME && hdr->type != XS_ERROR)
		snprintf(s->name, sizeof(s->name), "%s", body);
	snprintf(s->reply, sizeof(s->reply), "%s",
		 hdr->type == XS_ERROR ? "" : body);
	if (s->step < S_WORK) {
		advance(s);
		if (s->step == S_WORK && s->o->w == W_RW) {
			if (s->o->iterations == 0)
				finish(s);
			else
				send_step(s, XS_WRITE, "data/counter", "0");
		} else if (s->step == S_WORK && s->o->w == W_CONSOLE) {
			console_work(s);
		} else if (s->step == S_WORK) {
			s->step = S_IDLE;
		}
		return;
	}
	if (s->o->w == W_RW && !s->finished)
		rw_reply(s, hdr, body);
}

static void watch_cb(struct guest *g, const char *path, const char *token,
		     void *arg)
{
	struct gstate *s = arg;
	const char *p = "control/shutdown";
	int id;

	if (strcmp(token, "shutdown") != 0 || s->shutdown_id)
		return;
	id = guest_xs_sendv(g, XS_READ, 0, &p, 1, true);
	if (id > 0)
		s->shutdown_id = (uint32_t)id;
}

static void state_cb(struct guest *g, void *arg)
{
	struct gstate *s = arg;

	say(s, "%s", guest_is_shutdown(g) ? "shut down" : "destroyed");
	finish(s);
}

static void input_cb(struct guest *g, const char *buf, size_t len, void *arg)
{
	guest_console_write(g, buf, len); /* a terminal's echo */
}

static struct gstate *start_guest(struct guest_host *gh, unsigned domid,
				  const struct opts *o, bool quiet_busy)
{
	struct gstate *s;
	struct guest *g;
	int err;

	g = guest_attach(gh, domid, &err);
	if (!g) {
		if (!quiet_busy || (err != -EBUSY && err != -ESRCH))
			fprintf(stderr, "xensim-guest: domain %u: %s\n", domid,
				strerror(-err));
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		guest_detach(g);
		return NULL;
	}
	s->g = g;
	s->o = o;
	live++;
	guest_set_handlers(g, reply_cb, watch_cb, state_cb, s);
	guest_set_console_input(g, input_cb, s);
	say(s, "%s", "attached");
	if (o->w == W_IDLE) {
		s->step = S_IDLE;
		return s;
	}
	s->step = S_RESET_FEATURE;
	send_step(s, XS_READ, "control/platform-feature-xs_reset_watches",
		  NULL);
	return s;
}

/* Attach every guest domain nobody drives yet. */
static void attach_all(struct simclient *d0, struct guest_host *gh,
		       const struct opts *o, struct gstate **list)
{
	static struct sim_dominfo di[SIM_DOMID_MAX + 1];
	int n = simclient_domain_list(d0, 1, di, SIM_DOMID_MAX + 1), i;

	for (i = 0; i < n; i++) {
		struct gstate *s;

		if (di[i].flags & (SIM_DOMINFO_ATTACHED | SIM_DOMINFO_DYING |
				   SIM_DOMINFO_SHUTDOWN))
			continue;
		s = start_guest(gh, di[i].domid, o, true);
		if (s) {
			s->next = *list;
			*list = s;
		}
	}
}

/* Console workloads end once the backend has taken every line. */
static void check_console(struct gstate *list)
{
	struct gstate *s;

	for (s = list; s; s = s->next) {
		if (s->finished || s->o->w != W_CONSOLE || s->step != S_WORK)
			continue;
		console_work(s);
		if (s->iter >= s->o->iterations &&
		    guest_console_pending(s->g) == 0)
			finish(s);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: xensim-guest [--sim PATH] (--domid N ... | --all "
		   "[--follow])\n"
		   "         [--workload boot|rw|console|idle|hostile:KIND] "
		   "[--iterations K]\n"
		   "         [--stay] [-q]\n"
		   "  KIND: index, oversized, garbage, noread, flood, console\n"
		   "  The simulator's socket: --sim or $XENSIM_SOCKET.\n");
}

static int parse_workload(const char *s, struct opts *o)
{
	if (strcmp(s, "boot") == 0)
		o->w = W_BOOT;
	else if (strcmp(s, "rw") == 0)
		o->w = W_RW;
	else if (strcmp(s, "console") == 0)
		o->w = W_CONSOLE;
	else if (strcmp(s, "idle") == 0)
		o->w = W_IDLE;
	else if (strncmp(s, "hostile:", 8) == 0) {
		o->w = W_HOSTILE;
		o->hostile = s + 8;
	} else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"sim", required_argument, NULL, 's'},
		{"domid", required_argument, NULL, 'd'},
		{"all", no_argument, NULL, 'a'},
		{"follow", no_argument, NULL, 'f'},
		{"workload", required_argument, NULL, 'w'},
		{"iterations", required_argument, NULL, 'n'},
		{"stay", no_argument, NULL, 'S'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct opts o = {W_BOOT, NULL, 100, false, false, false};
	const char *sim = getenv("XENSIM_SOCKET");
	unsigned doms[256], ndoms = 0, i;
	bool all = false;
	struct simclient *sc = NULL, *d0 = NULL;
	struct guest_host *gh;
	struct gstate *list = NULL, *s;
	struct timespec t0, t1;
	long last_follow = 0;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "d:an:w:qh", lo, NULL)) != -1) {
		switch (opt) {
		case 's':
			sim = optarg;
			break;
		case 'd':
			if (ndoms == sizeof(doms) / sizeof(doms[0]))
				return 2;
			doms[ndoms++] = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'a':
			all = true;
			break;
		case 'f':
			o.follow = all = true;
			break;
		case 'w':
			if (parse_workload(optarg, &o) < 0) {
				usage(stderr);
				return 2;
			}
			break;
		case 'n':
			o.iterations = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'S':
			o.stay = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!sim || (!ndoms && !all) || optind != argc) {
		usage(stderr);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = simclient_open(sim, 0, &sc);
	if (rc == 0 && all)
		rc = simclient_open(sim, SIMCLIENT_DOM0, &d0);
	if (rc < 0) {
		fprintf(stderr, "xensim-guest: simulator at %s: %s\n", sim,
			strerror(-rc));
		return 1;
	}
	gh = guest_host_new(sc);
	if (!gh)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < ndoms; i++) {
		s = start_guest(gh, doms[i], &o, false);
		if (s) {
			s->next = list;
			list = s;
		}
	}
	if (all)
		attach_all(d0, gh, &o, &list);
	while (!stop && (live || o.stay || o.follow)) {
		rc = guest_host_run_once(gh, o.follow ? FOLLOW_MS : 1000);
		if (rc < 0) {
			fprintf(stderr, "xensim-guest: %s\n", strerror(-rc));
			break;
		}
		check_console(list);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (o.follow &&
		    (t1.tv_sec * 1000L + t1.tv_nsec / 1000000L) - last_follow >=
			    FOLLOW_MS) {
			last_follow = t1.tv_sec * 1000L + t1.tv_nsec / 1000000L;
			attach_all(d0, gh, &o, &list);
		}
	}
	/* Leave no reply in a ring for the domain's next kernel. */
	guest_host_drain(gh, DRAIN_MS);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	while ((s = list)) {
		list = s->next;
		total_errors += s->errors;
		free(s);
	}
	guest_host_free(gh);
	simclient_close(sc);
	simclient_close(d0);
	if (!o.quiet || total_errors)
		fprintf(stderr,
			"xensim-guest: %u guests finished in %.3f s, %u "
			"errors\n",
			total_done,
			(double)(t1.tv_sec - t0.tv_sec) +
				(t1.tv_nsec - t0.tv_nsec) / 1e9,
			total_errors);
	return total_errors ? 1 : 0;
}
