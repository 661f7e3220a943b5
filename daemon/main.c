/*
 * main.c: xenbackd's entry point.  Parse the options, go into the
 * background, build the store and the listening socket around one event
 * base, run it, and take everything down again in order on SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "backends/console/conback.h"
#include "backends/console/sclient.h"
#include "backends/store/store.h"
#include "daemon/detach.h"
#include "daemon/domains.h"
#include "daemon/notify.h"
#include "daemon/options.h"
#include "daemon/pidfile.h"
#include "daemon/server.h"
#include "daemon/trace.h"
#include "hypervisor/hv.h"
#include "lib/log.h"

static const int daemon_signals[] = {SIGTERM, SIGINT, SIGHUP};

/* xenconsoled serves the Arm virtual UART (vuart/0) too. */
#if defined(__arm__) || defined(__aarch64__)
#define DAEMON_VUART true
#else
#define DAEMON_VUART false
#endif
#define DAEMON_NSIGNALS (sizeof(daemon_signals) / sizeof(daemon_signals[0]))

struct daemon {
	struct options opt;
	struct event_base *base;
	struct store_hooks hooks;
	struct trace *trace;
	struct store *store;
	struct server *server;
	struct hv hv;
	bool hv_open;
	struct domains *domains;
	struct hv con_hv; /* the consoles' own event channel handle */
	bool con_hv_open;
	struct sclient *con_sc;
	struct conback *consoles;
	struct notify *notify;
	struct event *ev_signal[DAEMON_NSIGNALS];
	char *socket_path; /* where clients find us */
	bool pid_written;
};

/* libevent's own messages, into our log. */
static void libevent_log_cb(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		log_debug("libevent: %s", msg);
		break;
	case EVENT_LOG_MSG:
		log_info("libevent: %s", msg);
		break;
	default:
		log_warnx("libevent: %s", msg);
		break;
	}
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	int rc;

	if (sig == SIGHUP) {
		rc = d->trace ? trace_reopen(d->trace) : 0;
		if (rc < 0)
			log_warnx("reopening the trace file: %s",
				  strerror(-rc));
		conback_reopen_logs(d->consoles);
		return;
	}
	log_info("exiting on %s", strsignal((int)sig));
	/*
	 * Hold back further stop signals: tearing down the loop restores
	 * their default action, and a second SIGTERM then would kill us
	 * before the orderly exit is done.
	 */
	{
		sigset_t stop;

		sigemptyset(&stop);
		sigaddset(&stop, SIGTERM);
		sigaddset(&stop, SIGINT);
		sigprocmask(SIG_BLOCK, &stop, NULL);
	}
	event_base_loopbreak(d->base);
}

/*
 * Fork like xenstored unless told not to, or when systemd runs us
 * directly: with sockets to hand over, or waiting for READY=1 from our
 * own pid.  launch-xenstore runs xenstored under systemd with --pid-file
 * and expects it to fork (its unit has NotifyAccess=all), so a pid file
 * keeps the fork even when NOTIFY_SOCKET is set.
 */
static bool want_fork(const struct options *o)
{
	if (o->no_fork || getenv("LISTEN_FDS"))
		return false;
	if (getenv("NOTIFY_SOCKET") && !o->pid_file)
		return false;
	return true;
}

/* The path of a listening socket systemd gave us, for the log. */
static char *socket_fd_path(int fd)
{
	const size_t off = offsetof(struct sockaddr_un, sun_path);
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);

	memset(&sun, 0, sizeof(sun));
	if (getsockname(fd, (struct sockaddr *)&sun, &len) < 0 || len <= off)
		return strdup("(unnamed socket)");
	if (sun.sun_path[0] == '\0')
		sun.sun_path[0] = '@'; /* abstract: not NUL-terminated */
	return strndup(sun.sun_path, len - off);
}

/* The listening socket: systemd's if it passed one, else our own. */
static void daemon_listen(struct daemon *d)
{
	const char *bound = NULL;
	int fd;

	fd = server_systemd_fd();
	if (fd >= 0) {
		free(d->socket_path);
		d->socket_path = socket_fd_path(fd);
		if (!d->socket_path)
			fatal("socket path");
	} else if (fd == -ENOENT) {
		fd = server_listen(d->socket_path);
		if (fd < 0)
			fatalx("cannot listen on %s: %s", d->socket_path,
			       strerror(-fd));
		bound = d->socket_path;
	} else {
		fatalx("cannot use the socket systemd passed: %s",
		       strerror(-fd));
	}
	d->server = server_new(d->base, d->store, fd, bound);
	if (!d->server)
		fatal("cannot serve %s", d->socket_path);
}

static void daemon_signals_init(struct daemon *d)
{
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < DAEMON_NSIGNALS; i++) {
		d->ev_signal[i] =
			evsignal_new(d->base, daemon_signals[i], signal_cb, d);
		if (!d->ev_signal[i] || evsignal_add(d->ev_signal[i], NULL))
			fatalx("cannot watch signal %d", daemon_signals[i]);
	}
}

/* Reach guests through the hypervisor, when there is one. */
static void daemon_guests(struct daemon *d)
{
	int rc = hv_open(&d->hv, d->opt.hypervisor);

	if (rc < 0)
		fatalx("hypervisor %s: %s",
		       d->opt.hypervisor ? d->opt.hypervisor : "(default)",
		       strerror(-rc));
	d->hv_open = true;
	if (d->hv.ops == &hv_none_ops)
		return;
	d->domains = domains_new(d->base, d->store, &d->hv);
	if (!d->domains)
		fatalx("cannot serve guests through %s", d->hv.ops->name);
	rc = domains_local_ring(d->domains, d->opt.store.priv_domid);
	if (rc < 0 && rc != -ENOENT && rc != -ENOSYS)
		log_warnx("the store domain's own ring: %s", strerror(-rc));
}

/*
 * Consoles need a pty master, a pty slave and a log per guest: raise the
 * soft fd limit toward xenconsoled's (4 per possible domain + 1000).
 */
static void daemon_raise_nofile(void)
{
	const rlim_t want = 0x7FF0 * 4 + 1000;
	struct rlimit lim;

	if (getrlimit(RLIMIT_NOFILE, &lim) < 0 || lim.rlim_cur >= want)
		return;
	lim.rlim_cur = lim.rlim_max < want ? lim.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &lim) < 0)
		log_warn("cannot raise the open file limit");
}

static void daemon_console_config(const struct options *o,
				  struct conback_config *cfg)
{
	conback_config_defaults(cfg);
	if (o->console_domid >= 0)
		cfg->domid = o->console_domid;
	else if (!o->console_only)
		cfg->domid = (int)o->store.priv_domid;
	cfg->log_guest = o->console_log & OPTIONS_CONSOLE_GUEST;
	cfg->log_hv = o->console_log & OPTIONS_CONSOLE_HV;
	cfg->timestamp_guest = o->console_timestamp & OPTIONS_CONSOLE_GUEST;
	cfg->timestamp_hv = o->console_timestamp & OPTIONS_CONSOLE_HV;
	cfg->log_dir = o->console_log_dir;
	cfg->overflow_keep = o->overflow_keep;
	cfg->replace_escape = o->replace_escape;
	cfg->vuart = DAEMON_VUART;
	/* A driver domain tells the toolstack where its consoles go. */
	cfg->announce = o->console_only;
	cfg->hvlog = NULL; /* the backend's hv handle reads the ring */
}

/*
 * The console backend: in the combined daemon, a client of our own store
 * with its own event channel handle; alone, a libxenstore client.  In the
 * combined daemon a failure costs the consoles only.
 */
static void daemon_consoles(struct daemon *d)
{
	bool alone = d->opt.console_only;
	struct conback_config cfg;
	int rc;

	if (d->opt.no_consoles)
		return;
	if (!alone && d->hv.ops == &hv_none_ops) {
		log_info("no hypervisor: no consoles to serve");
		return;
	}
	daemon_raise_nofile();
	rc = hv_open(&d->con_hv, d->opt.hypervisor);
	if (rc < 0 && alone)
		fatalx("hypervisor %s: %s",
		       d->opt.hypervisor ? d->opt.hypervisor : "(default)",
		       strerror(-rc));
	if (rc < 0) {
		log_warnx("consoles: no hypervisor handle: %s", strerror(-rc));
		return;
	}
	d->con_hv_open = true;
	d->con_sc = alone ? sclient_xs_new(d->base)
			  : sclient_loop_new(d->base, d->store,
					     d->opt.store.priv_domid);
	if (!d->con_sc && alone)
		fatal("cannot reach xenstored");
	daemon_console_config(&d->opt, &cfg);
	if (d->con_sc)
		d->consoles = conback_new(d->base, &d->con_hv, d->con_sc, &cfg);
	if (!d->consoles && alone)
		fatalx("cannot serve consoles");
	if (!d->consoles)
		log_warnx("guest consoles are not served");
}

static void daemon_pidfile(struct daemon *d)
{
	int rc;

	if (!d->opt.pid_file)
		return;
	rc = pidfile_write(d->opt.pid_file);
	if (rc < 0)
		fatalx("pid file %s: %s", d->opt.pid_file, strerror(-rc));
	d->pid_written = true;
}

/* --console-only: the loop, the signals, the consoles; no store. */
static void daemon_start_consoles_only(struct daemon *d)
{
	event_set_log_callback(libevent_log_cb);
	d->base = event_base_new();
	if (!d->base)
		fatalx("cannot create the event loop");
	daemon_signals_init(d);
	if (d->opt.socket_path &&
	    setenv("XENSTORED_PATH", d->opt.socket_path, 1) < 0)
		fatal("setenv");
	daemon_consoles(d);
	d->notify = notify_new(d->base, NULL, d->consoles);
	if (!d->notify)
		fatal("notify");
	daemon_pidfile(d);
}

/* Everything up to a socket that answers; any failure is fatal. */
static void daemon_start(struct daemon *d)
{
	event_set_log_callback(libevent_log_cb);
	d->base = event_base_new();
	if (!d->base)
		fatalx("cannot create the event loop");
	daemon_signals_init(d);
	d->trace = trace_new(d->opt.trace_file);
	if (!d->trace)
		fatal("trace file %s",
		      d->opt.trace_file ? d->opt.trace_file : "(none)");
	trace_hooks(d->trace, &d->hooks);
	d->store = store_new(&d->opt.store, &d->hooks);
	if (!d->store)
		fatalx("cannot create the store");
	daemon_guests(d);
	daemon_consoles(d);
	daemon_listen(d);
	d->notify = notify_new(d->base, d->store, d->consoles);
	if (!d->notify)
		fatal("notify");
	daemon_pidfile(d);
}

/* Orderly exit: clients, store, trace, loop, pid file. */
static void daemon_stop(struct daemon *d)
{
	size_t i;

	if (d->notify)
		notify_stopping(d->notify);
	server_free(d->server);
	conback_free(d->consoles);
	sclient_free(d->con_sc);
	if (d->con_hv_open)
		hv_close(&d->con_hv);
	domains_free(d->domains);
	store_free(d->store);
	if (d->hv_open)
		hv_close(&d->hv);
	trace_free(d->trace);
	notify_free(d->notify);
	for (i = 0; i < DAEMON_NSIGNALS; i++)
		if (d->ev_signal[i])
			event_free(d->ev_signal[i]);
	event_base_free(d->base);
	libevent_global_shutdown();
	if (d->pid_written)
		pidfile_remove(d->opt.pid_file);
	free(d->socket_path);
	options_free(&d->opt);
}

int main(int argc, char **argv)
{
	struct daemon d;
	int rc, ready_fd = -1;

	memset(&d, 0, sizeof(d));
	log_init("xenbackd", 0);
	rc = options_parse(&d.opt, argc, argv);
	if (rc >= 0) {
		options_free(&d.opt);
		return rc;
	}
	log_set_verbose(d.opt.verbose);
	d.socket_path = options_socket_path(&d.opt);
	if (!d.socket_path)
		fatal("socket path");

	/* Fork before libevent exists: it does not survive a fork. */
	if (want_fork(&d.opt))
		ready_fd = detach_start(d.opt.output_pid);
	if (d.opt.console_only) {
		daemon_start_consoles_only(&d);
		notify_ready(d.notify);
	} else {
		daemon_start(&d);
		log_info("listening on %s (try: XENSTORED_PATH=%s "
			 "xenstore-ls /)",
			 d.socket_path, d.socket_path);
		notify_ready(d.notify);
	}
	if (ready_fd >= 0) {
		detach_ready(ready_fd);
	} else if (d.opt.output_pid) {
		printf("%ld\n", (long)getpid());
		fflush(stdout);
	}

	rc = event_base_dispatch(d.base) < 0 ? 1 : 0;
	if (rc)
		log_warnx("event loop failed");
	daemon_stop(&d);
	return rc;
}
