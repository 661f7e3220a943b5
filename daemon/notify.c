/*
 * notify.c: systemd readiness and status (see notify.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <systemd/sd-daemon.h>

#include "backends/console/conback.h"
#include "backends/store/store.h"
#include "daemon/notify.h"
#include "lib/log.h"

#define NOTIFY_STATUS_SECONDS 5

struct notify {
	struct store *store;
	const struct conback *consoles;
	struct event *ev_status;   /* NULL unless NOTIFY_SOCKET is set */
	struct event *ev_watchdog; /* NULL unless WatchdogSec= is for us */
	struct timeval watchdog_every;
};

static void notify_status(struct notify *n)
{
	struct store_stats s;
	struct conback_stats c;
	char store[160] = "", cons[96] = "";

	if (n->store) {
		store_get_stats(n->store, &s);
		snprintf(store, sizeof(store),
			 "%zu nodes, %zu connections, %zu watches, "
			 "%zu transactions, %zu domains",
			 s.nodes, s.connections, s.watches, s.transactions,
			 s.domains);
	}
	if (n->consoles) {
		conback_get_stats(n->consoles, &c);
		snprintf(cons, sizeof(cons),
			 "%s%zu consoles of %zu domains, %lu bytes dropped",
			 n->store ? "; " : "", c.consoles, c.domains,
			 c.dropped);
	}
	sd_notifyf(0, "STATUS=%s%s", store, cons);
}

static void notify_status_cb(evutil_socket_t fd, short what, void *arg)
{
	notify_status(arg);
}

/* The loop still turns: tell systemd's watchdog. */
static void notify_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	sd_notify(0, "WATCHDOG=1");
}

/* WatchdogSec= (WATCHDOG_USEC, for our pid): ping at half the interval. */
static int notify_watchdog_new(struct notify *n, struct event_base *base)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	usec /= 2;
	n->watchdog_every.tv_sec = (time_t)(usec / 1000000);
	n->watchdog_every.tv_usec = (suseconds_t)(usec % 1000000);
	n->ev_watchdog = event_new(base, -1, EV_PERSIST, notify_watchdog_cb, n);
	return n->ev_watchdog ? 0 : -1;
}

struct notify *notify_new(struct event_base *base, struct store *st,
			  const struct conback *consoles)
{
	struct notify *n = calloc(1, sizeof(*n));
	const char *sock = getenv("NOTIFY_SOCKET");

	if (!n)
		return NULL;
	n->store = st;
	n->consoles = consoles;
	if (!sock || !*sock)
		return n;
	n->ev_status = event_new(base, -1, EV_PERSIST, notify_status_cb, n);
	if (!n->ev_status || notify_watchdog_new(n, base) < 0) {
		notify_free(n);
		return NULL;
	}
	return n;
}

void notify_free(struct notify *n)
{
	if (!n)
		return;
	if (n->ev_status)
		event_free(n->ev_status);
	if (n->ev_watchdog)
		event_free(n->ev_watchdog);
	free(n);
}

void notify_ready(struct notify *n)
{
	const struct timeval every = {NOTIFY_STATUS_SECONDS, 0};

	if (!n->ev_status)
		return;
	if (sd_notify(0, "READY=1") < 0)
		log_warnx("sd_notify READY=1 failed");
	notify_status(n);
	event_add(n->ev_status, &every);
	if (n->ev_watchdog)
		event_add(n->ev_watchdog, &n->watchdog_every);
}

void notify_stopping(struct notify *n)
{
	if (!n->ev_status)
		return;
	event_del(n->ev_status);
	if (n->ev_watchdog)
		event_del(n->ev_watchdog);
	sd_notify(0, "STOPPING=1");
}
