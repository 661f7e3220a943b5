/*
 * console.h: one guest console (the backend's part in conback.c finds
 * them): its ring page, event channel, pty, log and pty backlog.
 *
 * Life of a console:
 *   console_new()      state only, nothing opened;
 *   console_setup()    on every change under its store directory: read
 *                      ring-ref, port, type, backend-id; map, bind, open
 *                      the pty, write tty, open the log, take what the
 *                      guest already wrote; idempotent;
 *   console_port_event() each time its event channel fires;
 *   console_free()     on domain death (draining the ring to the log
 *                      first) or when the daemon stops.
 */
#ifndef CONSOLE_CONSOLE_H
#define CONSOLE_CONSOLE_H

#include <stdbool.h>

struct event_base;
struct hv;
struct sclient;
struct conback_config;
struct console;

/* Event channel allowance per console (xenconsoled's numbers). */
#define CONSOLE_RATE_EVENTS    30
#define CONSOLE_RATE_PERIOD_MS 200

/* A console directory of a domain and how to reach its ring. */
struct console_type {
	const char *node;       /* under the domain's path: "console" */
	const char *log_suffix; /* "", "-vuart0" */
	bool use_grant;         /* try grant 0 before the frame number */
};

/* What every console shares with its backend. */
struct console_env {
	struct event_base *base;
	struct hv *hv;
	struct sclient *sc;
	const struct conback_config *cfg;
	unsigned domid;           /* ours */
	unsigned default_backend; /* /tool/xenconsoled/domid, else 0 */
	/* The console's local port is now port (con) or free (con NULL). */
	void (*set_port)(void *owner, int port, struct console *con);
	void *owner;
};

/* Outcomes of console_setup() besides 0 (served) and -errno. */
#define CONSOLE_NOT_READY 1 /* no ring-ref or port yet */
#define CONSOLE_NOT_OURS  2 /* another type or another backend */

struct console *console_new(const struct console_env *env, unsigned domid,
			    const char *dompath,
			    const struct console_type *type);
/* Drain the ring to the log (drain=true: the domain is dying), then
 * close, unbind and unmap.  NULL is fine. */
void console_free(struct console *con, bool drain);
int console_setup(struct console *con);
/* Its port fired (and is masked until the console unmasks it). */
void console_port_event(struct console *con);
/* SIGHUP: reopen the log, or open it if it could not be before. */
void console_reopen_log(struct console *con);
bool console_served(const struct console *con);
unsigned long console_dropped(const struct console *con);

#endif
