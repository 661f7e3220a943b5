/*
 * conn.c: framing, queues and the lifetime of a store connection
 * (see conn.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/store/handler.h"
#include "backends/store/store_int.h"
#include "backends/store/txn.h"
#include "backends/store/watch.h"
#include "lib/log.h"

#define IBUF_SIZE   (2 * (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX))
#define INPUT_BATCH 64    /* requests handled per conn_input() call */
#define OUT_CHUNK   16384 /* bytes gathered for one write */

struct conn *conn_new(struct store *st, unsigned domid, bool privileged,
		      const struct conn_transport *tp, void *arg)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->st = st;
	c->id = ++st->next_conn_id;
	c->domid = domid;
	c->priv = privileged;
	if (!privileged) {
		struct domain *d = domain_get(st, domid);

		c->incarnation = d ? d->incarnation : 0;
	}
	c->tp = tp;
	c->arg = arg;
	hmap_init(&c->pending_events);
	c->next = st->conns;
	if (st->conns)
		st->conns->prev = c;
	st->conns = c;
	st->nconns++;
	return c;
}

static void drop_output(struct conn *c)
{
	struct msg *m, *next;

	for (m = c->out_head; m; m = next) {
		next = m->next;
		free(m);
	}
	c->out_head = c->out_tail = NULL;
	c->out_bytes = c->out_events = c->out_msgs = 0;
	hmap_free(&c->pending_events);
}

void conn_free(struct conn *c)
{
	struct store *st;

	if (!c)
		return;
	st = c->st;
	if (c->dirty) {
		struct conn **pp;

		for (pp = &st->dirty; *pp && *pp != c; pp = &(*pp)->dnext)
			;
		if (*pp)
			*pp = c->dnext;
	}
	watch_del_all(st, c);
	txn_free_all(st, c);
	drop_output(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		st->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	st->nconns--;
	free(c->ibuf);
	free(c);
}

unsigned conn_id(const struct conn *c)
{
	return c->id;
}

unsigned conn_domid(const struct conn *c)
{
	return c->domid;
}

bool conn_has_output(const struct conn *c)
{
	return c->out_head != NULL;
}

void conn_kill(struct conn *c, const char *why)
{
	if (c->dead)
		return;
	c->dead = true;
	log_warnx("connection %u (%s, domain %u): %s; giving up on it", c->id,
		  c->tp->kind, c->domid, why);
	drop_output(c);
	if (c->tp->kill)
		c->tp->kill(c->arg, why);
}

void conn_shed(struct conn *c)
{
	c->dead = true;
	watch_del_all(c->st, c);
	txn_free_all(c->st, c);
	drop_output(c);
}

static bool same_event(const void *val, const void *key, void *ctx)
{
	const struct msg *m = val;
	const struct msg *k = key;

	return m->u.hdr.len == k->u.hdr.len &&
	       memcmp(m->payload, k->payload, k->u.hdr.len) == 0;
}

/* Unqueue and free the first message. */
static void pop_head(struct conn *c)
{
	struct msg *m = c->out_head;

	c->out_head = m->next;
	if (!c->out_head)
		c->out_tail = NULL;
	c->out_bytes -= m->len;
	c->out_msgs--;
	if (m->u.hdr.type == XS_WATCH_EVENT)
		c->out_events--;
	if (m->evhash)
		hmap_del(&c->pending_events, m->evhash, m);
	free(m);
}

/*
 * Unprivileged connections lose watch events nobody read for the
 * watch-event timeout (XSA-326): drop stale unsent events from the head.
 */
static void expire_events(struct conn *c, time_t now)
{
	unsigned timeout = c->st->cfg.watch_event_timeout;
	struct msg *m;

	if (c->priv || !timeout)
		return;
	while ((m = c->out_head) && m->off == 0 &&
	       m->u.hdr.type == XS_WATCH_EVENT &&
	       now - m->queued > (time_t)timeout)
		pop_head(c);
}

int conn_queue(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
	       const void *payload, size_t len, uint32_t evhash)
{
	struct store *st = c->st;
	struct msg *m;

	if (c->dead)
		return -EPIPE;
	expire_events(c, time(NULL));
	m = malloc(sizeof(*m) + len);
	if (!m) {
		conn_kill(c, "out of memory queueing a reply");
		return -ENOMEM;
	}
	m->next = NULL;
	m->evnext = NULL;
	m->evhash = evhash;
	m->len = sizeof(m->u.hdr) + len;
	m->off = 0;
	m->queued = time(NULL);
	m->u.hdr.type = type;
	m->u.hdr.req_id = req_id;
	m->u.hdr.tx_id = tx_id;
	m->u.hdr.len = (uint32_t)len;
	if (len)
		memcpy(m->payload, payload, len);
	/* Identical unsent events collapse into one (XSA-326). */
	if (evhash &&
	    hmap_get(&c->pending_events, evhash, same_event, m, NULL)) {
		free(m);
		return 0;
	}
	if (evhash && hmap_put(&c->pending_events, evhash, m) < 0)
		m->evhash = 0;
	if (c->out_tail)
		c->out_tail->next = m;
	else
		c->out_head = m;
	c->out_tail = m;
	c->out_bytes += m->len;
	c->out_msgs++;
	if (type == XS_WATCH_EVENT)
		c->out_events++;
	if (st->hooks.trace)
		st->hooks.trace(st->hooks.arg, c, true, &m->u.hdr, m->payload);
	if (st->cfg.socket_outq_max && c->out_bytes > st->cfg.socket_outq_max) {
		conn_kill(c, "too much unread output");
		return -ENOSPC;
	}
	if (!c->dirty) {
		c->dirty = true;
		c->dnext = st->dirty;
		st->dirty = c;
	}
	return 0;
}

/* Ask the transport for write readiness only when that changes. */
static void want_write(struct conn *c, bool on)
{
	if (c->ww == on || !c->tp->want_write)
		return;
	c->ww = on;
	c->tp->want_write(c->arg, on);
}

void store_flush(struct store *st)
{
	while (st->dirty) {
		struct conn *c = st->dirty;

		st->dirty = c->dnext;
		c->dirty = false;
		c->dnext = NULL;
		if (c->dead)
			continue;
		/* A write error shows up as end of input soon enough. */
		if (conn_output(c) >= 0 && c->out_head)
			want_write(c, true);
	}
}

/* Unprivileged domains may have only so many replies and events unread
 * before their next request waits (the "outstanding" quota). */
static bool may_handle(const struct conn *c)
{
	unsigned q;

	if (c->priv)
		return true;
	q = domain_quota(c->st, c->domid, QUOTA_OUTSTANDING);
	return !q || c->out_msgs < q;
}

/* Free fully written messages at the head of the queue. */
static void retire(struct conn *c, size_t written)
{
	while (written && c->out_head) {
		struct msg *m = c->out_head;
		size_t left = m->len - m->off;

		if (written < left) {
			m->off += written;
			return;
		}
		written -= left;
		pop_head(c);
	}
}

int conn_output(struct conn *c)
{
	char buf[OUT_CHUNK];

	while (c->out_head && !c->dead) {
		struct msg *m = c->out_head;
		const char *src;
		size_t len;
		ssize_t n;

		if (m->len - m->off >= sizeof(buf) || !m->next) {
			src = (const char *)&m->u + m->off;
			len = m->len - m->off;
		} else {
			/* Gather several small messages into one write. */
			len = 0;
			for (; m && len + (m->len - m->off) <= sizeof(buf);
			     m = m->next) {
				memcpy(buf + len, (const char *)&m->u + m->off,
				       m->len - m->off);
				len += m->len - m->off;
			}
			src = buf;
		}
		n = c->tp->write(c->arg, src, len);
		if (n < 0)
			return (int)n;
		if (n == 0) {
			want_write(c, true);
			return 0;
		}
		retire(c, (size_t)n);
	}
	if (!c->out_head)
		want_write(c, false);
	if (c->dead)
		return -EPIPE;
	/* Input held back by the outstanding quota may go on now. */
	return c->quota_wait && may_handle(c);
}

int conn_input(struct conn *c)
{
	unsigned budget = INPUT_BATCH;

	return conn_input_budget(c, &budget);
}

int conn_input_budget(struct conn *c, unsigned *budget)
{
	size_t pos = 0;
	int ret = 0;
	bool drained = false;

	if (c->dead)
		return -EPIPE;
	c->quota_wait = false;
	if (!c->ibuf) {
		c->ibuf = malloc(IBUF_SIZE);
		if (!c->ibuf)
			return -ENOMEM;
	}
	for (;;) {
		struct xsd_sockmsg hdr;
		ssize_t n;

		while (c->ilen - pos >= sizeof(hdr)) {
			memcpy(&hdr, c->ibuf + pos, sizeof(hdr));
			if (hdr.len > XENSTORE_PAYLOAD_MAX) {
				conn_kill(c, "message longer than 4096 bytes");
				return -EPROTO;
			}
			if (c->ilen - pos < sizeof(hdr) + hdr.len)
				break;
			if (!may_handle(c)) {
				/* conn_output() says when to go on. */
				c->quota_wait = true;
				goto out;
			}
			if (!*budget) {
				ret = 1;
				goto out;
			}
			handle_request(c, &hdr, c->ibuf + pos + sizeof(hdr));
			pos += sizeof(hdr) + hdr.len;
			--*budget;
			if (c->dead)
				return -EPIPE;
		}
		if (pos) {
			memmove(c->ibuf, c->ibuf + pos, c->ilen - pos);
			c->ilen -= pos;
			pos = 0;
		}
		/* A short read emptied the transport: no need to ask again. */
		if (drained)
			break;
		n = c->tp->read(c->arg, c->ibuf + c->ilen, IBUF_SIZE - c->ilen);
		if (n < 0) {
			store_flush(c->st);
			return (int)n;
		}
		if (n == 0)
			break;
		drained = (size_t)n < IBUF_SIZE - c->ilen;
		c->ilen += (size_t)n;
	}
out:
	if (pos) {
		memmove(c->ibuf, c->ibuf + pos, c->ilen - pos);
		c->ilen -= pos;
	}
	store_flush(c->st);
	if (c->dead)
		return -EPIPE;
	/* The flush may have written what the quota was waiting for. */
	return ret || (c->quota_wait && may_handle(c));
}
