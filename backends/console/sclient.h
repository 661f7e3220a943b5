/*
 * sclient.h: the console backend's view of a XenStore, as a client.
 *
 * Two implementations behind one small ops table:
 *   sclient_loop_new()  a store connection to the in-process store over an
 *                       in-memory transport (the combined daemon);
 *   sclient_xs_new()    libxenstore, talking to another xenstored through
 *                       its socket or /dev/xen/xenbus (--console-only).
 *
 * Requests are synchronous and must be made from the caller's own libevent
 * callbacks, never from inside the store's request handler.  Watch events
 * are delivered later, from the client's own libevent callback, one
 * sclient_event_fn call per event; a handler may make requests and set or
 * remove watches.  Events for a watch just removed may still arrive.
 */
#ifndef CONSOLE_SCLIENT_H
#define CONSOLE_SCLIENT_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct store;
struct sclient;

typedef void sclient_event_fn(void *arg, const char *path, const char *token);

struct sclient_ops {
	const char *name;
	/*
	 * A node's value: malloc'ed, NUL-terminated (the value may hold
	 * NULs of its own), its length in *len (may be NULL); NULL with
	 * errno set (ENOENT, EACCES, ...) on failure.
	 */
	char *(*read)(struct sclient *sc, const char *path, size_t *len);
	int (*write)(struct sclient *sc, const char *path, const void *val,
		     size_t len);
	/* Children's names: one malloc'ed block, *num of them; NULL with
	 * errno set on failure. */
	char **(*directory)(struct sclient *sc, const char *path,
			    unsigned *num);
	int (*watch)(struct sclient *sc, const char *path, const char *token);
	int (*unwatch)(struct sclient *sc, const char *path, const char *token);
	/* "/local/domain/<domid>", malloc'ed, or NULL with errno set. */
	char *(*domain_path)(struct sclient *sc, unsigned domid);
	void (*free)(struct sclient *sc);
};

struct sclient {
	const struct sclient_ops *ops;
	sclient_event_fn *event_cb;
	void *event_arg;
};

/*
 * A privileged connection acting as domid to the in-process store st.
 * Its events are delivered from a deferred callback on base.
 */
struct sclient *sclient_loop_new(struct event_base *base, struct store *st,
				 unsigned domid);

/*
 * libxenstore's xs_open(0): $XENSTORED_PATH, the local socket, else
 * /dev/xen/xenbus.  Watch events are read when its fd is readable.
 */
struct sclient *sclient_xs_new(struct event_base *base);

/* Where watch events go (before the first watch is set). */
void sclient_set_event_cb(struct sclient *sc, sclient_event_fn *fn, void *arg);
void sclient_free(struct sclient *sc);

/* Read a node as an unsigned number (strtoul base 0, like xenconsoled):
 * 0, -ENOENT (and friends) when unreadable, -EINVAL when not a number. */
int sclient_read_uint(struct sclient *sc, const char *path, unsigned long *out);

#endif
