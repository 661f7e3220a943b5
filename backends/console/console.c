/*
 * console.c: one guest console (see console.h).
 *
 * Output path: the port fires -> console_pull() takes the "out" ring ->
 * the log gets the bytes at once -> the pty backlog (conbuf) gets them ->
 * the pty's write event drains the backlog as the reader keeps up.
 * Input path: the pty is readable -> as much as the "in" ring has room
 * for goes in -> the guest is notified.  When the "in" ring is full the
 * pty is not read until the guest's next event.
 *
 * The port stays masked from the moment the hypervisor hands it to us
 * until console_update_mask() lets it go: not while the console has used
 * its allowance for this period (a timer ends the period), and in keep
 * mode not while the backlog is at the limit (the pty draining resumes
 * it).  A notification that comes while masked is delivered on unmask.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "backends/console/conback.h"
#include "backends/console/conbuf.h"
#include "backends/console/conlog.h"
#include "backends/console/conpty.h"
#include "backends/console/console.h"
#include "backends/console/ring_cons.h"
#include "backends/console/sclient.h"
#include "hypervisor/hv.h"
#include "lib/log.h"

#define CONSOLE_PATH_MAX  512
#define CONSOLE_READ_MAX  512 /* pty bytes read per callback */
#define CONSOLE_RATE_FUZZ 5   /* ms: a period this close to its end is over */
#define CONSOLE_TYPE_OURS "xenconsoled"

struct console {
	const struct console_env *env;
	const struct console_type *type;
	unsigned domid;
	char *dompath;
	char *path; /* <dompath>/<type->node> */

	void *page;
	bool granted;
	unsigned long ring_ref; /* the frame mapped, when !granted */
	int port;               /* local, -1 */
	long remote_port;       /* -1 */

	struct conpty pty;
	struct event *ev_read;
	struct event *ev_write;
	bool reading, writing;
	struct conlog *log;
	struct conbuf buf;

	struct event *ev_period;
	uint64_t period_end; /* ms, CLOCK_MONOTONIC */
	unsigned events;     /* in this period */
	bool masked;         /* handed to us, not unmasked yet */
	bool stalled;        /* keep mode: the backlog is at the limit */

	bool gone; /* its tty broke and the domain is dead */
	bool warned_ring, warned_log, warned_buf;
};

static uint64_t console_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool console_keep(const struct console *con)
{
	return con->env->cfg->overflow_keep;
}

/* "<console path>/<name>" into buf; false when it does not fit. */
static bool console_node(const struct console *con, const char *name, char *buf,
			 size_t sz)
{
	int n = snprintf(buf, sz, "%s/%s", con->path, name);

	return n > 0 && (size_t)n < sz;
}

static int console_read_uint(struct console *con, const char *name,
			     unsigned long *out)
{
	char path[CONSOLE_PATH_MAX];

	if (!console_node(con, name, path, sizeof(path)))
		return -ENAMETOOLONG;
	return sclient_read_uint(con->env->sc, path, out);
}

/* Is the domain still there?  Unknown (no hypervisor answer) is yes. */
static bool console_domain_valid(struct console *con)
{
	struct hv *hv = con->env->hv;
	struct hv_dominfo info;
	int rc = hv->ops->domain_info(hv, con->domid, &info);

	if (rc == -ENOENT)
		return false;
	return rc < 0 || !info.dying;
}

static void console_notify(struct console *con)
{
	struct hv *hv = con->env->hv;

	if (con->port >= 0)
		hv->ops->notify(hv, (unsigned)con->port);
}

/* Ask for pty write readiness while the backlog holds anything. */
static void console_want_write(struct console *con)
{
	bool want = con->pty.master >= 0 && conbuf_pending(&con->buf, NULL);

	if (want == con->writing)
		return;
	if (want)
		event_add(con->ev_write, NULL);
	else
		event_del(con->ev_write);
	con->writing = want;
}

/* Read the pty only while the guest's "in" ring has room. */
static void console_want_read(struct console *con, bool want)
{
	if (con->pty.master < 0)
		want = false;
	if (want == con->reading)
		return;
	if (want)
		event_add(con->ev_read, NULL);
	else
		event_del(con->ev_read);
	con->reading = want;
}

/* Guest output: the log first, then the pty backlog. */
static void console_output(struct console *con, const char *data, size_t len)
{
	int rc;

	if (con->log) {
		rc = conlog_write(con->log, data, len);
		if (rc < 0 && !con->warned_log) {
			log_warnx("domain %u: writing %s: %s", con->domid,
				  conlog_path(con->log), strerror(-rc));
			con->warned_log = true;
		}
	}
	if (conbuf_append(&con->buf, data, len, !console_keep(con)) < 0 &&
	    !con->warned_buf) {
		log_warnx("domain %u: out of memory, console output for the "
			  "pty lost",
			  con->domid);
		con->warned_buf = true;
	}
	console_want_write(con);
}

/*
 * Take what the guest wrote.  In keep mode take no more than the backlog
 * has room for, unless the domain is dying (all).  Returns the bytes
 * taken.
 */
static size_t console_pull(struct console *con, bool all)
{
	char tmp[RING_CONS_OUT_SIZE];
	size_t want = sizeof(tmp);
	struct ring_dir r;
	ssize_t n;

	if (!con->page)
		return 0;
	if (console_keep(con) && !all) {
		size_t room = conbuf_room(&con->buf);

		if (room < want)
			want = room;
		if (!want) {
			con->stalled = true;
			return 0;
		}
	}
	ring_cons_out(con->page, &r);
	n = ring_take(&r, tmp, want);
	if (n < 0) {
		if (!con->warned_ring)
			log_warnx("domain %u: bad console ring indexes; "
				  "ignored",
				  con->domid);
		con->warned_ring = true;
		return 0;
	}
	if (n == 0)
		return 0;
	console_notify(con);
	console_output(con, tmp, (size_t)n);
	if (console_keep(con) && !all && !conbuf_room(&con->buf))
		con->stalled = true;
	return (size_t)n;
}

/* Unmask the port unless the rate limit or a full backlog holds it. */
static void console_update_mask(struct console *con)
{
	struct hv *hv = con->env->hv;

	if (!con->masked || con->port < 0)
		return;
	if (con->events >= CONSOLE_RATE_EVENTS) {
		uint64_t now = console_now_ms();
		uint64_t ms = con->period_end > now ? con->period_end - now : 1;
		struct timeval tv = {(time_t)(ms / 1000),
				     (suseconds_t)(ms % 1000) * 1000};

		if (!event_pending(con->ev_period, EV_TIMEOUT, NULL))
			event_add(con->ev_period, &tv);
		return;
	}
	if (con->stalled)
		return;
	con->masked = false;
	hv->ops->unmask(hv, (unsigned)con->port);
}

/* The rate-limit period ended: a fresh allowance. */
static void console_period_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console *con = arg;

	con->period_end = console_now_ms() + CONSOLE_RATE_PERIOD_MS;
	con->events = 0;
	console_update_mask(con);
}

void console_port_event(struct console *con)
{
	uint64_t now = console_now_ms();

	con->masked = true;
	if (now + CONSOLE_RATE_FUZZ > con->period_end) {
		con->period_end = now + CONSOLE_RATE_PERIOD_MS;
		con->events = 0;
	}
	con->events++;
	console_pull(con, false);
	/* The guest may have made room in its "in" ring. */
	if (con->page && ring_cons_in_room(con->page) > 0)
		console_want_read(con, true);
	console_update_mask(con);
}

static void console_close_tty(struct console *con)
{
	console_want_read(con, false);
	if (con->writing)
		event_del(con->ev_write);
	con->writing = false;
	if (con->ev_read)
		event_free(con->ev_read);
	if (con->ev_write)
		event_free(con->ev_write);
	con->ev_read = con->ev_write = NULL;
	conpty_close(&con->pty);
}

static int console_open_tty(struct console *con);

/* The pty failed: a new one if the domain lives, else give up. */
static void console_tty_broken(struct console *con, int err)
{
	log_debug("domain %u: pty %s failed (%s)", con->domid, con->pty.name,
		  strerror(err));
	console_close_tty(con);
	if (!console_domain_valid(con)) {
		con->gone = true;
		return;
	}
	if (console_open_tty(con) < 0)
		con->gone = true;
}

/* Keyboard input: pty to the guest's "in" ring. */
static void console_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console *con = arg;
	char buf[CONSOLE_READ_MAX];
	ssize_t room = con->page ? ring_cons_in_room(con->page) : 0, n;
	struct ring_dir r;

	if (room <= 0) {
		console_want_read(con, false);
		return;
	}
	if ((size_t)room > sizeof(buf))
		room = sizeof(buf);
	n = read(con->pty.master, buf, (size_t)room);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		console_tty_broken(con, errno);
		return;
	}
	if (n == 0)
		return;
	ring_cons_in(con->page, &r);
	if (ring_put(&r, buf, (size_t)n) > 0)
		console_notify(con);
}

/* The backlog to the pty; a stalled guest resumes once there is room. */
static void console_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console *con = arg;
	const char *start;
	size_t len = conbuf_pending(&con->buf, &start);
	ssize_t n;

	if (len) {
		n = write(con->pty.master, start, len);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			console_tty_broken(con, errno);
			return;
		}
		if (n > 0)
			conbuf_advance(&con->buf, (size_t)n);
	}
	if (con->stalled && conbuf_room(&con->buf)) {
		con->stalled = false;
		console_pull(con, false);
		console_update_mask(con);
	}
	console_want_write(con);
}

/* Write the pty's name to console/tty: libxl waits for it. */
static int console_write_tty(struct console *con)
{
	char path[CONSOLE_PATH_MAX];
	struct sclient *sc = con->env->sc;

	if (!console_node(con, "tty", path, sizeof(path)))
		return -ENAMETOOLONG;
	return sc->ops->write(sc, path, con->pty.name, strlen(con->pty.name));
}

/* A new pty, its events, and its name in the store. */
static int console_open_tty(struct console *con)
{
	struct event_base *base = con->env->base;
	unsigned long limit;
	int rc;

	if (console_read_uint(con, "limit", &limit) == 0)
		con->buf.limit = limit;
	else
		con->buf.limit = con->env->cfg->default_limit;
	rc = conpty_open(&con->pty);
	if (rc < 0) {
		log_warnx("domain %u: cannot open a pty: %s", con->domid,
			  strerror(-rc));
		return rc;
	}
	con->ev_read = event_new(base, con->pty.master, EV_READ | EV_PERSIST,
				 console_read_cb, con);
	con->ev_write = event_new(base, con->pty.master, EV_WRITE | EV_PERSIST,
				  console_write_cb, con);
	rc = con->ev_read && con->ev_write ? console_write_tty(con) : -ENOMEM;
	if (rc < 0) {
		log_warnx("domain %u: cannot publish its tty: %s", con->domid,
			  strerror(-rc));
		console_close_tty(con);
		return rc;
	}
	log_debug("domain %u: %s on %s", con->domid, con->type->node,
		  con->pty.name);
	console_want_read(con, con->page && ring_cons_in_room(con->page) > 0);
	console_want_write(con);
	return 0;
}

/* A name usable in a file name: no '/', not "." or "..". */
static bool console_name_ok(const char *name)
{
	return name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

/* guest-<name><suffix>.log; no name in the store, no log. */
static void console_open_log(struct console *con)
{
	const struct conback_config *cfg = con->env->cfg;
	struct sclient *sc = con->env->sc;
	char path[CONSOLE_PATH_MAX], file[CONSOLE_PATH_MAX];
	char *name;
	int n;

	n = snprintf(path, sizeof(path), "%s/name", con->dompath);
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	name = sc->ops->read(sc, path, NULL);
	if (!name || !console_name_ok(name)) {
		if (name)
			log_warnx("domain %u: name unfit for a log file name",
				  con->domid);
		free(name);
		return;
	}
	n = snprintf(file, sizeof(file), "%s/guest-%s%s.log",
		     cfg->log_dir ? cfg->log_dir : CONBACK_LOG_DIR, name,
		     con->type->log_suffix);
	free(name);
	if (n < 0 || (size_t)n >= sizeof(file))
		return;
	con->log = conlog_open(file, cfg->timestamp_guest, cfg->replace_escape);
	if (!con->log)
		log_warn("domain %u: cannot open %s", con->domid, file);
}

/* ring-ref and port, both needed. */
static int console_read_ids(struct console *con, unsigned long *ring_ref,
			    unsigned long *port)
{
	if (console_read_uint(con, "ring-ref", ring_ref) < 0 ||
	    console_read_uint(con, "port", port) < 0)
		return CONSOLE_NOT_READY;
	return 0;
}

/* Type absent or ours, and this domain its backend. */
static int console_check_owner(struct console *con)
{
	struct sclient *sc = con->env->sc;
	char path[CONSOLE_PATH_MAX];
	unsigned long backend;
	char *type;
	int rc;

	if (!console_node(con, "type", path, sizeof(path)))
		return -ENAMETOOLONG;
	type = sc->ops->read(sc, path, NULL);
	rc = type && strcmp(type, CONSOLE_TYPE_OURS) != 0;
	free(type);
	if (rc)
		return CONSOLE_NOT_OURS;
	rc = console_read_uint(con, "backend-id", &backend);
	if (rc < 0)
		backend = con->env->default_backend;
	return backend == con->env->domid ? 0 : CONSOLE_NOT_OURS;
}

static void console_unmap(struct console *con)
{
	struct hv *hv = con->env->hv;

	if (con->page)
		hv->ops->unmap(hv, con->page, con->granted);
	con->page = NULL;
}

/* Grant 0 first (where the type allows), else the frame number. */
static int console_map(struct console *con, unsigned long ring_ref)
{
	struct hv *hv = con->env->hv;

	if (con->page && !con->granted && ring_ref != con->ring_ref)
		console_unmap(con);
	if (con->page)
		return 0;
	if (con->type->use_grant) {
		con->page =
			hv->ops->map_grant(hv, con->domid, HV_GNTTAB_CONSOLE);
		con->granted = con->page != NULL;
	}
	if (!con->page) {
		con->page = hv->ops->map_foreign(hv, con->domid, ring_ref);
		if (!con->page) {
			int err = errno ? errno : EIO;

			log_warnx("domain %u: cannot map its %s ring: %s",
				  con->domid, con->type->node, strerror(err));
			return -err;
		}
		con->ring_ref = ring_ref;
	}
	return 0;
}

static void console_unbind(struct console *con)
{
	struct hv *hv = con->env->hv;

	if (con->port < 0)
		return;
	con->env->set_port(con->env->owner, con->port, NULL);
	hv->ops->unbind(hv, (unsigned)con->port);
	con->port = -1;
	con->remote_port = -1;
	con->masked = false;
}

/* Bind the guest's port, unless that very port is bound already. */
static int console_bind(struct console *con, unsigned long remote)
{
	struct hv *hv = con->env->hv;
	int lp;

	if (con->port >= 0 && con->remote_port == (long)remote)
		return 0;
	console_unbind(con);
	lp = hv->ops->bind_interdomain(hv, con->domid, (unsigned)remote);
	if (lp < 0) {
		log_warnx("domain %u: cannot bind console port %lu: %s",
			  con->domid, remote, strerror(-lp));
		return lp;
	}
	con->port = lp;
	con->remote_port = (long)remote;
	con->env->set_port(con->env->owner, lp, con);
	return 0;
}

int console_setup(struct console *con)
{
	unsigned long ring_ref, remote;
	int rc;

	if (con->gone)
		return -ESRCH;
	rc = console_read_ids(con, &ring_ref, &remote);
	if (rc == 0)
		rc = console_check_owner(con);
	if (rc == 0)
		rc = console_map(con, ring_ref);
	if (rc == 0)
		rc = console_bind(con, remote);
	if (rc != 0)
		return rc;
	ring_cons_set_connected(con->page);
	if (con->pty.master < 0) {
		rc = console_open_tty(con);
		if (rc < 0) {
			console_unbind(con);
			return rc;
		}
	}
	if (con->env->cfg->log_guest && !con->log)
		console_open_log(con);
	/* What the guest wrote before we were there. */
	console_pull(con, false);
	console_update_mask(con);
	return 0;
}

struct console *console_new(const struct console_env *env, unsigned domid,
			    const char *dompath,
			    const struct console_type *type)
{
	struct console *con = calloc(1, sizeof(*con));

	if (!con)
		return NULL;
	con->env = env;
	con->type = type;
	con->domid = domid;
	con->port = -1;
	con->remote_port = -1;
	conpty_init(&con->pty);
	conbuf_init(&con->buf, env->cfg->default_limit);
	con->period_end = console_now_ms() + CONSOLE_RATE_PERIOD_MS;
	con->dompath = strdup(dompath);
	if (con->dompath &&
	    asprintf(&con->path, "%s/%s", dompath, type->node) < 0)
		con->path = NULL;
	con->ev_period = event_new(env->base, -1, 0, console_period_cb, con);
	if (!con->dompath || !con->path || !con->ev_period) {
		console_free(con, false);
		return NULL;
	}
	return con;
}

/* Hand the pty what it takes now, without waiting. */
static void console_flush_pty(struct console *con)
{
	const char *start;
	size_t len;
	ssize_t n;

	if (con->pty.master < 0)
		return;
	while ((len = conbuf_pending(&con->buf, &start)) > 0) {
		n = write(con->pty.master, start, len);
		if (n <= 0)
			break;
		conbuf_advance(&con->buf, (size_t)n);
	}
}

void console_free(struct console *con, bool drain)
{
	if (!con)
		return;
	if (drain) {
		/* A dying guest writes no more: a second take is for a
		 * write that raced the first. */
		if (console_pull(con, true) > 0)
			console_pull(con, true);
		console_flush_pty(con);
	}
	console_close_tty(con);
	if (con->ev_period)
		event_free(con->ev_period);
	conlog_close(con->log);
	conbuf_free(&con->buf);
	console_unbind(con);
	console_unmap(con);
	free(con->dompath);
	free(con->path);
	free(con);
}

void console_reopen_log(struct console *con)
{
	int rc;

	if (!con->env->cfg->log_guest)
		return;
	if (!con->log) {
		if (console_served(con))
			console_open_log(con);
		return;
	}
	rc = conlog_reopen(con->log);
	con->warned_log = false;
	if (rc < 0)
		log_warnx("domain %u: reopening %s: %s", con->domid,
			  conlog_path(con->log), strerror(-rc));
}

bool console_served(const struct console *con)
{
	return con->page && con->port >= 0 && con->pty.master >= 0;
}

unsigned long console_dropped(const struct console *con)
{
	return con->buf.dropped;
}
