/*
 * sclient_xs.c: a store client on libxenstore (see sclient.h), for the
 * console backend running alone (--console-only): in a driver domain
 * through /dev/xen/xenbus, or in dom0 beside another xenstored.
 *
 * Requests block like xenconsoled's own; watch events are picked up with
 * xs_check_watch() whenever xs_fileno() is readable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <xenstore.h>

#include "backends/console/sclient.h"
#include "lib/log.h"

#define XS_EVENT_BATCH 64 /* events delivered per callback */

struct sclient_xs {
	struct sclient sc;
	struct xs_handle *xs;
	struct event *ev_watch;
};

static struct sclient_xs *xs_of(struct sclient *sc)
{
	return (struct sclient_xs *)sc;
}

static char *scxs_read(struct sclient *sc, const char *path, size_t *len)
{
	unsigned int n;
	char *val = xs_read(xs_of(sc)->xs, XBT_NULL, path, &n);

	if (val && len)
		*len = n;
	return val;
}

static int scxs_write(struct sclient *sc, const char *path, const void *val,
		      size_t len)
{
	if (!xs_write(xs_of(sc)->xs, XBT_NULL, path, val, (unsigned)len))
		return errno ? -errno : -EIO;
	return 0;
}

static char **scxs_directory(struct sclient *sc, const char *path,
			     unsigned *num)
{
	return xs_directory(xs_of(sc)->xs, XBT_NULL, path, num);
}

static int scxs_watch(struct sclient *sc, const char *path, const char *token)
{
	if (!xs_watch(xs_of(sc)->xs, path, token))
		return errno ? -errno : -EIO;
	return 0;
}

static int scxs_unwatch(struct sclient *sc, const char *path, const char *token)
{
	if (!xs_unwatch(xs_of(sc)->xs, path, token))
		return errno ? -errno : -EIO;
	return 0;
}

static char *scxs_domain_path(struct sclient *sc, unsigned domid)
{
	return xs_get_domain_path(xs_of(sc)->xs, domid);
}

static void scxs_free(struct sclient *sc)
{
	struct sclient_xs *sx = xs_of(sc);

	if (sx->ev_watch)
		event_free(sx->ev_watch);
	if (sx->xs)
		xs_close(sx->xs);
	free(sx);
}

/* Deliver the events libxenstore has read, a bounded batch per call. */
static void scxs_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sclient_xs *sx = arg;
	int n;

	for (n = 0; n < XS_EVENT_BATCH; n++) {
		char **vec = xs_check_watch(sx->xs);

		if (!vec) {
			if (errno != EAGAIN)
				log_warn("reading xenstore watch events");
			return;
		}
		if (sx->sc.event_cb)
			sx->sc.event_cb(sx->sc.event_arg, vec[XS_WATCH_PATH],
					vec[XS_WATCH_TOKEN]);
		free(vec);
	}
}

static const struct sclient_ops scxs_ops = {
	.name = "libxenstore",
	.read = scxs_read,
	.write = scxs_write,
	.directory = scxs_directory,
	.watch = scxs_watch,
	.unwatch = scxs_unwatch,
	.domain_path = scxs_domain_path,
	.free = scxs_free,
};

struct sclient *sclient_xs_new(struct event_base *base)
{
	struct sclient_xs *sx = calloc(1, sizeof(*sx));
	int fd, saved;

	if (!sx)
		return NULL;
	sx->sc.ops = &scxs_ops;
	sx->xs = xs_open(0);
	if (!sx->xs)
		goto fail;
	fd = xs_fileno(sx->xs);
	if (fd < 0)
		goto fail;
	sx->ev_watch =
		event_new(base, fd, EV_READ | EV_PERSIST, scxs_watch_cb, sx);
	if (!sx->ev_watch || event_add(sx->ev_watch, NULL) < 0)
		goto fail;
	return &sx->sc;
fail:
	saved = errno ? errno : EIO;
	scxs_free(&sx->sc);
	errno = saved;
	return NULL;
}
