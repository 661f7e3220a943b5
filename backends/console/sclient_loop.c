/*
 * sclient_loop.c: a store client over an in-memory "loopback" transport
 * to the in-process store (see sclient.h).
 *
 * The console talks to the store exactly as any client would: it frames
 * requests on the wire protocol, and the store answers through an
 * ordinary connection, so its tty writes fire watches for `xl console`
 * and libxl, and it sees @introduceDomain like everyone else.
 *
 * A request is pushed into the outgoing buffer and handled at once by
 * conn_input(); the reply comes back through the transport's write (the
 * store's flush at the end of conn_input()) before conn_input() returns.
 * Watch events that arrive meanwhile, or whenever the store flushes
 * output after another client's change fired one of our watches (inside
 * the store's handling of that client), are only queued; a deferred
 * libevent callback delivers them later, so the console never re-enters
 * the store.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "backends/console/sclient.h"
#include "backends/store/conn.h"
#include "lib/log.h"
#include "protocol/proto.h"

#define LOOP_EVENT_BATCH 64          /* events delivered per callback */
#define LOOP_INBUF_MAX   (16u << 20) /* unparsed bytes from the store */

struct loop_event {
	struct loop_event *next;
	char *token; /* points into path's allocation */
	char path[];
};

struct loop_reply {
	bool have;
	uint32_t type;
	char *payload; /* malloc'ed, NUL-terminated */
	size_t len;
};

struct sclient_loop {
	struct sclient sc;
	struct conn *conn;
	struct event *ev_rx;
	bool dead;
	bool in_call;
	uint32_t req_id;
	/* Request bytes the store has yet to read. */
	char out[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	size_t out_len, out_off;
	/* Bytes the store wrote, not yet parsed. */
	char *in;
	size_t in_len, in_cap;
	struct loop_reply reply;
	struct loop_event *ev_head, *ev_tail;
};

static struct sclient_loop *loop_of(struct sclient *sc)
{
	return (struct sclient_loop *)sc;
}

static ssize_t loop_tp_read(void *arg, void *buf, size_t len)
{
	struct sclient_loop *sl = arg;
	size_t n = sl->out_len - sl->out_off;

	if (n > len)
		n = len;
	memcpy(buf, sl->out + sl->out_off, n);
	sl->out_off += n;
	if (sl->out_off == sl->out_len)
		sl->out_off = sl->out_len = 0;
	return (ssize_t)n;
}

static ssize_t loop_tp_write(void *arg, const void *buf, size_t len)
{
	struct sclient_loop *sl = arg;

	if (sl->in_len + len > LOOP_INBUF_MAX)
		return -ENOSPC;
	if (sl->in_len + len > sl->in_cap) {
		size_t cap = (sl->in_len + len) * 2;
		char *p = realloc(sl->in, cap);

		if (!p)
			return -ENOMEM;
		sl->in = p;
		sl->in_cap = cap;
	}
	memcpy(sl->in + sl->in_len, buf, len);
	sl->in_len += len;
	/* Outside our own request (another client's change fired one of
	 * our watches): deliver later, never from inside the store. */
	if (!sl->in_call)
		event_active(sl->ev_rx, EV_TIMEOUT, 0);
	return (ssize_t)len;
}

/* Output waits for us: collect it later, never from inside the store. */
static void loop_tp_want_write(void *arg, bool on)
{
	struct sclient_loop *sl = arg;

	if (on && !sl->in_call)
		event_active(sl->ev_rx, EV_TIMEOUT, 0);
}

static void loop_tp_kill(void *arg, const char *why)
{
	struct sclient_loop *sl = arg;

	sl->dead = true;
}

static const struct conn_transport loop_transport = {
	"console",          loop_tp_read, loop_tp_write,
	loop_tp_want_write, loop_tp_kill,
};

/* Queue one WATCH_EVENT payload ("path\0token\0"). */
static void loop_queue_event(struct sclient_loop *sl, const char *payload,
			     size_t len)
{
	const char *argv[2];
	struct loop_event *ev;
	size_t plen, tlen;

	if (proto_split(payload, len, argv, 2) < 2)
		return;
	plen = strlen(argv[0]);
	tlen = strlen(argv[1]);
	ev = malloc(sizeof(*ev) + plen + tlen + 2);
	if (!ev) {
		log_warnx("console store client: out of memory, event on %s "
			  "lost",
			  argv[0]);
		return;
	}
	memcpy(ev->path, argv[0], plen + 1);
	ev->token = ev->path + plen + 1;
	memcpy(ev->token, argv[1], tlen + 1);
	ev->next = NULL;
	if (sl->ev_tail)
		sl->ev_tail->next = ev;
	else
		sl->ev_head = ev;
	sl->ev_tail = ev;
}

/* Keep the reply to our outstanding request. */
static void loop_keep_reply(struct sclient_loop *sl,
			    const struct xsd_sockmsg *hdr, const char *payload)
{
	char *copy = malloc(hdr->len + 1);

	if (!copy)
		return;
	memcpy(copy, payload, hdr->len);
	copy[hdr->len] = '\0';
	free(sl->reply.payload);
	sl->reply.have = true;
	sl->reply.type = hdr->type;
	sl->reply.payload = copy;
	sl->reply.len = hdr->len;
}

/* Cut whole messages out of what the store wrote. */
static void loop_parse(struct sclient_loop *sl)
{
	size_t pos = 0;

	while (sl->in_len - pos >= sizeof(struct xsd_sockmsg)) {
		struct xsd_sockmsg hdr;
		const char *payload;

		memcpy(&hdr, sl->in + pos, sizeof(hdr));
		if (sl->in_len - pos < sizeof(hdr) + hdr.len)
			break;
		payload = sl->in + pos + sizeof(hdr);
		if (hdr.type == XS_WATCH_EVENT)
			loop_queue_event(sl, payload, hdr.len);
		else if (hdr.req_id == sl->req_id)
			loop_keep_reply(sl, &hdr, payload);
		pos += sizeof(hdr) + hdr.len;
	}
	memmove(sl->in, sl->in + pos, sl->in_len - pos);
	sl->in_len -= pos;
}

/* Collect whatever the store has queued for us. */
static void loop_collect(struct sclient_loop *sl)
{
	if (!sl->dead && conn_output(sl->conn) < 0)
		sl->dead = true;
	loop_parse(sl);
}

static void loop_rx_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sclient_loop *sl = arg;
	int n;

	loop_collect(sl);
	for (n = 0; n < LOOP_EVENT_BATCH && sl->ev_head; n++) {
		struct loop_event *ev = sl->ev_head;

		sl->ev_head = ev->next;
		if (!sl->ev_head)
			sl->ev_tail = NULL;
		if (sl->sc.event_cb)
			sl->sc.event_cb(sl->sc.event_arg, ev->path, ev->token);
		free(ev);
	}
	if (sl->ev_head)
		event_active(sl->ev_rx, EV_TIMEOUT, 0);
}

/* The errno a wire error string stands for. */
static int loop_errno(const char *name)
{
	for (int e = 1; e < 134; e++)
		if (strcmp(proto_errno_name(e), name) == 0)
			return e;
	return EINVAL;
}

/*
 * One request, answered before we return: 0 with the reply in sl->reply,
 * or -errno (the store's error, or a dead connection).
 */
static int loop_call(struct sclient_loop *sl, uint32_t type, const char *a,
		     const void *b, size_t blen)
{
	struct xsd_sockmsg hdr;
	size_t alen = a ? strlen(a) + 1 : 0;

	if (sl->dead)
		return -EPIPE;
	if (sl->in_call)
		return -EDEADLK;
	if (alen + blen > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.req_id = ++sl->req_id;
	hdr.len = (uint32_t)(alen + blen);
	memcpy(sl->out, &hdr, sizeof(hdr));
	if (alen)
		memcpy(sl->out + sizeof(hdr), a, alen);
	if (blen)
		memcpy(sl->out + sizeof(hdr) + alen, b, blen);
	sl->out_off = 0;
	sl->out_len = sizeof(hdr) + alen + blen;
	sl->reply.have = false;
	sl->in_call = true;
	if (conn_input(sl->conn) < 0)
		sl->dead = true;
	loop_collect(sl);
	sl->in_call = false;
	if (sl->ev_head)
		event_active(sl->ev_rx, EV_TIMEOUT, 0);
	if (!sl->reply.have)
		return sl->dead ? -EPIPE : -EIO;
	if (sl->reply.type == XS_ERROR)
		return -loop_errno(sl->reply.payload);
	return 0;
}

/* Hand the reply's payload to the caller. */
static char *loop_take_reply(struct sclient_loop *sl, size_t *len)
{
	char *p = sl->reply.payload;

	if (len)
		*len = sl->reply.len;
	sl->reply.payload = NULL;
	sl->reply.have = false;
	return p;
}

static char *loop_read(struct sclient *sc, const char *path, size_t *len)
{
	struct sclient_loop *sl = loop_of(sc);
	int rc = loop_call(sl, XS_READ, path, NULL, 0);

	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	return loop_take_reply(sl, len);
}

static int loop_write(struct sclient *sc, const char *path, const void *val,
		      size_t len)
{
	return loop_call(loop_of(sc), XS_WRITE, path, val, len);
}

/* Turn "a\0b\0c\0" into one block: the pointers, then the strings. */
static char **loop_split_block(const char *payload, size_t len, unsigned *num)
{
	unsigned n = 0;
	char **vec, *strs;
	size_t i;

	for (i = 0; i < len; i++)
		if (payload[i] == '\0')
			n++;
	vec = malloc((n + 1) * sizeof(*vec) + len + 1);
	if (!vec)
		return NULL;
	strs = (char *)(vec + n + 1);
	memcpy(strs, payload, len);
	strs[len] = '\0';
	for (i = 0; i < n; i++) {
		vec[i] = strs;
		strs += strlen(strs) + 1;
	}
	vec[n] = NULL;
	*num = n;
	return vec;
}

static char **loop_directory(struct sclient *sc, const char *path,
			     unsigned *num)
{
	struct sclient_loop *sl = loop_of(sc);
	int rc = loop_call(sl, XS_DIRECTORY, path, NULL, 0);
	char **vec;

	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	vec = loop_split_block(sl->reply.payload, sl->reply.len, num);
	free(loop_take_reply(sl, NULL));
	if (!vec)
		errno = ENOMEM;
	return vec;
}

static int loop_watch_op(struct sclient *sc, uint32_t type, const char *path,
			 const char *token)
{
	size_t tlen = strlen(token) + 1;

	return loop_call(loop_of(sc), type, path, token, tlen);
}

static int loop_watch(struct sclient *sc, const char *path, const char *token)
{
	return loop_watch_op(sc, XS_WATCH, path, token);
}

static int loop_unwatch(struct sclient *sc, const char *path, const char *token)
{
	return loop_watch_op(sc, XS_UNWATCH, path, token);
}

static char *loop_domain_path(struct sclient *sc, unsigned domid)
{
	struct sclient_loop *sl = loop_of(sc);
	char num[16];
	int rc;

	snprintf(num, sizeof(num), "%u", domid);
	rc = loop_call(sl, XS_GET_DOMAIN_PATH, num, NULL, 0);
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	return loop_take_reply(sl, NULL);
}

static void loop_free(struct sclient *sc)
{
	struct sclient_loop *sl = loop_of(sc);
	struct loop_event *ev, *next;

	conn_free(sl->conn);
	if (sl->ev_rx)
		event_free(sl->ev_rx);
	for (ev = sl->ev_head; ev; ev = next) {
		next = ev->next;
		free(ev);
	}
	free(sl->reply.payload);
	free(sl->in);
	free(sl);
}

static const struct sclient_ops loop_ops = {
	.name = "in-process store",
	.read = loop_read,
	.write = loop_write,
	.directory = loop_directory,
	.watch = loop_watch,
	.unwatch = loop_unwatch,
	.domain_path = loop_domain_path,
	.free = loop_free,
};

struct sclient *sclient_loop_new(struct event_base *base, struct store *st,
				 unsigned domid)
{
	struct sclient_loop *sl = calloc(1, sizeof(*sl));

	if (!sl)
		return NULL;
	sl->sc.ops = &loop_ops;
	sl->ev_rx = event_new(base, -1, 0, loop_rx_cb, sl);
	sl->conn = conn_new(st, domid, true, &loop_transport, sl);
	if (!sl->ev_rx || !sl->conn) {
		loop_free(&sl->sc);
		return NULL;
	}
	return &sl->sc;
}
