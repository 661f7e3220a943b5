/*
 * notify.h: telling systemd how we are (sd_notify): READY=1 once the
 * socket listens and the store answers, a STATUS= line with live counts
 * (the store's and the consoles') refreshed on a timer, WATCHDOG=1 at half of
 * WatchdogSec= once ready, STOPPING=1 on the way out.  Everything is a no-op
 * when NOTIFY_SOCKET is not set.
 */
#ifndef DAEMON_NOTIFY_H
#define DAEMON_NOTIFY_H

#include <event2/event.h>

struct store;
struct conback;
struct notify;

/* Either may be NULL: --console-only has no store, --no-consoles no
 * consoles; STATUS= shows what there is. */
struct notify *notify_new(struct event_base *base, struct store *st,
			  const struct conback *consoles);
void notify_free(struct notify *n);
/*
 * READY=1 with a first STATUS=, then refresh STATUS= every few seconds and,
 * under WatchdogSec=, send WATCHDOG=1 at half the interval.
 */
void notify_ready(struct notify *n);
void notify_stopping(struct notify *n);

#endif
