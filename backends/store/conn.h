/*
 * conn.h: one client of the store.  A connection frames requests out of
 * its transport's byte stream, hands them to the request handler, and
 * queues replies and watch events until the transport takes them.
 *
 * The transport is a small vtable so the handler never asks whether it is
 * talking to a socket or a guest ring.
 */
#ifndef STORE_CONN_H
#define STORE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct store;
struct conn;

struct conn_transport {
	const char *kind; /* "socket", "ring": for logs */
	/* Read up to len bytes: >0 bytes read, 0 nothing now, <0 -errno
	 * (-EPIPE at end of stream). */
	ssize_t (*read)(void *arg, void *buf, size_t len);
	/* Write up to len bytes: >0 written, 0 would block, <0 -errno. */
	ssize_t (*write)(void *arg, const void *buf, size_t len);
	/* Output is (on) or is no longer (off) waiting to be written. */
	void (*want_write)(void *arg, bool on);
	/*
	 * The store gives up on this connection (a protocol violation, too
	 * much unread output) outside a conn_input()/conn_output() call.
	 * The transport must stop using it and conn_free() it later, from
	 * its own event, never from inside this callback.
	 */
	void (*kill)(void *arg, const char *why);
};

/* A new connection acting as domid; privileged ones bypass permissions
 * and quotas (the socket acts as the store domain). */
struct conn *conn_new(struct store *st, unsigned domid, bool privileged,
		      const struct conn_transport *tp, void *arg);
/* Drop the connection: its watches, transactions, queued output. */
void conn_free(struct conn *c);
/*
 * Keep the connection but let it hold nothing (xenstored's
 * ignore_connection): its watches, transactions and queued output go and
 * nothing more is queued or read.  Not from inside a transport callback
 * (the store may be walking its watches); conn_free() it later as usual.
 */
void conn_shed(struct conn *c);

/*
 * Read from the transport and handle complete requests, a bounded number
 * per call so one client cannot starve the others.  Returns 0 when done
 * for now (including when input waits for output to drain: conn_output()
 * says when), 1 when more input is already buffered (call again soon), or
 * -errno when the connection must be closed (the reason is logged once).
 */
int conn_input(struct conn *c);
/* The same, handling at most *budget requests and taking from *budget
 * those it handled: a caller sharing one budget among connections. */
int conn_input_budget(struct conn *c, unsigned *budget);
/*
 * Write queued output: 0, or 1 when input that was held back (the
 * outstanding-request quota) can now be handled: call conn_input(); or
 * -errno when the connection must be closed.
 */
int conn_output(struct conn *c);
bool conn_has_output(const struct conn *c);

unsigned conn_id(const struct conn *c);
unsigned conn_domid(const struct conn *c);

#endif
