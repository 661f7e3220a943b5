/*
 * responder.c: the tests' stand-in backend (see responder.h).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

#include "protocol/ring.h"
#include "sim/simclient.h"
#include "tests/sim/responder.h"

#define HDR      sizeof(struct xsd_sockmsg)
#define MAXNODES 64
#define CONS_MAX 65536

struct node {
	char path[256];
	char *val;
	size_t len;
};

struct rdom {
	unsigned domid;
	struct xenstore_domain_interface *xs;
	struct xencons_interface *cons;
	int xport, cport;
	bool broken;
	char in[HDR + XENSTORE_PAYLOAD_MAX + 1];
	size_t inlen;
	char *out; /* replies not yet in the ring */
	size_t outlen, outcap;
	struct node nodes[MAXNODES];
	size_t nnodes;
	char wpath[256], wtoken[64];
	bool watching;
	char *cons_out;
	size_t cons_len;
	char cons_in[256];
	size_t cons_in_len;
};

struct responder {
	struct simclient *sc;
	struct rdom *doms;
	size_t n;
	struct rdom **by_port;
	size_t nports;
	pthread_t thread;
	pthread_mutex_t lock;
	int stop[2];
	unsigned long served;
	unsigned broken;
};

static void out_add(struct rdom *d, const void *p, size_t len)
{
	if (d->outlen + len > d->outcap) {
		size_t cap = (d->outlen + len) * 2;
		char *no = realloc(d->out, cap);

		if (!no)
			return;
		d->out = no;
		d->outcap = cap;
	}
	memcpy(d->out + d->outlen, p, len);
	d->outlen += len;
}

static void send_msg(struct rdom *d, uint32_t type, uint32_t id,
		     const void *body, size_t len)
{
	struct xsd_sockmsg h = {type, id, 0, (uint32_t)len};

	out_add(d, &h, HDR);
	out_add(d, body, len);
}

static void send_str(struct rdom *d, uint32_t type, uint32_t id, const char *s)
{
	send_msg(d, type, id, s, strlen(s) + 1);
}

static void fire(struct rdom *d, const char *path)
{
	char ev[600];
	int n;

	if (!d->watching || strncmp(path, d->wpath, strlen(d->wpath)) != 0)
		return;
	n = snprintf(ev, sizeof(ev), "%s%c%s", path, 0, d->wtoken);
	send_msg(d, XS_WATCH_EVENT, 0, ev, (size_t)n + 1);
}

static struct node *find(struct rdom *d, const char *path)
{
	size_t i;

	for (i = 0; i < d->nnodes; i++)
		if (strcmp(d->nodes[i].path, path) == 0)
			return &d->nodes[i];
	return NULL;
}

static void do_write(struct rdom *d, const struct xsd_sockmsg *h,
		     const char *body)
{
	size_t plen = strnlen(body, h->len);
	struct node *nd;

	if (plen >= h->len || plen >= sizeof(nd->path)) {
		send_str(d, XS_ERROR, h->req_id, "EINVAL");
		return;
	}
	nd = find(d, body);
	if (!nd && d->nnodes < MAXNODES) {
		nd = &d->nodes[d->nnodes++];
		strcpy(nd->path, body);
		nd->val = NULL;
	}
	if (!nd) {
		send_str(d, XS_ERROR, h->req_id, "ENOSPC");
		return;
	}
	free(nd->val);
	nd->len = h->len - plen - 1;
	nd->val = malloc(nd->len + 1);
	if (nd->val)
		memcpy(nd->val, body + plen + 1, nd->len);
	fire(d, body); /* the event overtakes the reply */
	send_str(d, XS_WRITE, h->req_id, "OK");
}

static void handle_msg(struct rdom *d, const struct xsd_sockmsg *h,
		       const char *body)
{
	struct node *nd;
	size_t plen;

	switch (h->type) {
	case XS_WRITE:
		do_write(d, h, body);
		break;
	case XS_READ:
		nd = find(d, body);
		if (nd)
			send_msg(d, XS_READ, h->req_id, nd->val, nd->len);
		else
			send_str(d, XS_ERROR, h->req_id, "ENOENT");
		break;
	case XS_WATCH:
		plen = strnlen(body, h->len);
		if (plen + 1 >= h->len || plen >= sizeof(d->wpath) ||
		    strlen(body + plen + 1) >= sizeof(d->wtoken)) {
			send_str(d, XS_ERROR, h->req_id, "EINVAL");
			break;
		}
		strcpy(d->wpath, body);
		strcpy(d->wtoken, body + plen + 1);
		d->watching = true;
		send_str(d, XS_WATCH, h->req_id, "OK");
		fire(d, d->wpath); /* the initial event */
		break;
	default:
		send_str(d, XS_ERROR, h->req_id, "ENOSYS");
	}
}

static void give_up(struct responder *r, struct rdom *d, uint32_t err)
{
	d->broken = true;
	r->broken++;
	__atomic_store_n(&d->xs->error, err, __ATOMIC_RELEASE);
	simclient_notify(r->sc, 0, (unsigned)d->xport);
}

/* Read requests, queue replies, write what fits; true if indexes moved. */
static bool xs_pass(struct responder *r, struct rdom *d)
{
	struct ring_dir req, rsp;
	struct xsd_sockmsg h;
	bool moved = false;
	ssize_t n;

	ring_xs_req(d->xs, &req);
	ring_xs_rsp(d->xs, &rsp);
	while (!d->broken) {
		size_t want = HDR;

		if (d->inlen >= HDR) {
			memcpy(&h, d->in, HDR);
			if (h.len > XENSTORE_PAYLOAD_MAX) {
				give_up(r, d, XENSTORE_ERROR_PROTO);
				return false;
			}
			want = HDR + h.len;
		}
		if (d->inlen == want && d->inlen >= HDR) {
			d->in[d->inlen] = '\0';
			d->inlen = 0;
			handle_msg(d, &h, d->in + HDR);
			r->served++;
			continue;
		}
		n = ring_take(&req, d->in + d->inlen, want - d->inlen);
		if (n < 0) {
			give_up(r, d, XENSTORE_ERROR_RINGIDX);
			return false;
		}
		if (n == 0)
			break;
		d->inlen += (size_t)n;
		moved = true;
	}
	if (d->outlen) {
		n = ring_put(&rsp, d->out, d->outlen);
		if (n < 0) {
			give_up(r, d, XENSTORE_ERROR_RINGIDX);
			return false;
		}
		memmove(d->out, d->out + n, d->outlen - (size_t)n);
		d->outlen -= (size_t)n;
		moved |= n > 0;
	}
	return moved;
}

static bool cons_pass(struct rdom *d)
{
	struct ring_dir out = {d->cons->out, sizeof(d->cons->out),
			       (uint32_t *)&d->cons->out_cons,
			       (uint32_t *)&d->cons->out_prod};
	struct ring_dir in = {d->cons->in, sizeof(d->cons->in),
			      (uint32_t *)&d->cons->in_cons,
			      (uint32_t *)&d->cons->in_prod};
	char buf[2048];
	bool moved = false;
	ssize_t n;

	while ((n = ring_take(&out, buf, sizeof(buf))) > 0) {
		size_t room = CONS_MAX - d->cons_len;

		if ((size_t)n > room)
			n = (ssize_t)room;
		memcpy(d->cons_out + d->cons_len, buf, (size_t)n);
		d->cons_len += (size_t)n;
		moved = true;
	}
	if (d->cons_in_len) {
		n = ring_put(&in, d->cons_in, d->cons_in_len);
		if (n > 0) {
			memmove(d->cons_in, d->cons_in + n,
				d->cons_in_len - (size_t)n);
			d->cons_in_len -= (size_t)n;
			moved = true;
		}
	}
	return moved;
}

static void service(struct responder *r, unsigned port)
{
	struct rdom *d = port < r->nports ? r->by_port[port] : NULL;

	if (!d)
		return;
	pthread_mutex_lock(&r->lock);
	if ((int)port == d->xport && !d->broken && xs_pass(r, d))
		simclient_notify(r->sc, 0, port);
	if ((int)port == d->cport && cons_pass(d))
		simclient_notify(r->sc, 0, port);
	pthread_mutex_unlock(&r->lock);
}

static void *run(void *arg)
{
	struct responder *r = arg;
	struct pollfd p[2] = {{simclient_event_fd(r->sc), POLLIN, 0},
			      {r->stop[0], POLLIN, 0}};
	struct sim_event ev;

	for (;;) {
		int rc;

		if (poll(p, 2, 50) < 0)
			break;
		if (p[1].revents)
			break;
		while ((rc = simclient_next_event(r->sc, &ev)) == 1) {
			service(r, ev.port);
			simclient_unmask(r->sc, 0, ev.port);
		}
		if (rc < 0)
			break;
		/* Console input queued by the test goes out here. */
		for (size_t i = 0; i < r->n; i++)
			if (r->doms[i].cons_in_len)
				service(r, (unsigned)r->doms[i].cport);
	}
	return NULL;
}

static int setup_dom(struct responder *r, struct rdom *d, unsigned domid)
{
	struct sim_start_info si;
	int rc = simclient_start_info(r->sc, 0, domid, &si);

	if (rc < 0)
		return rc;
	d->domid = domid;
	d->xs = simclient_map_grant(r->sc, 0, domid, 1, 0);
	d->cons = simclient_map_grant(r->sc, 0, domid, 0, 0);
	d->cons_out = malloc(CONS_MAX);
	if (!d->xs || !d->cons || !d->cons_out)
		return -ENOMEM;
	d->xport = simclient_bind_interdomain(r->sc, 0, domid, si.store_evtchn);
	d->cport = simclient_bind_interdomain(r->sc, 0, domid, si.cons_evtchn);
	if (d->xport < 0 || d->cport < 0)
		return -EINVAL;
	if ((size_t)d->cport >= r->nports || (size_t)d->xport >= r->nports)
		return -ENOSPC;
	r->by_port[d->xport] = d;
	r->by_port[d->cport] = d;
	return 0;
}

struct responder *responder_start(const char *path, const unsigned *doms,
				  size_t n)
{
	struct responder *r = calloc(1, sizeof(*r));
	size_t i;

	if (!r)
		return NULL;
	r->stop[0] = r->stop[1] = -1;
	pthread_mutex_init(&r->lock, NULL);
	r->nports = 4 * n + 64;
	r->doms = calloc(n ? n : 1, sizeof(*r->doms));
	r->by_port = calloc(r->nports, sizeof(*r->by_port));
	if (!r->doms || !r->by_port || pipe(r->stop) < 0 ||
	    simclient_open(path, SIMCLIENT_DOM0, &r->sc) < 0)
		goto fail;
	r->n = n;
	for (i = 0; i < n; i++)
		if (setup_dom(r, &r->doms[i], doms[i]) < 0)
			goto fail;
	if (pthread_create(&r->thread, NULL, run, r) != 0)
		goto fail;
	return r;
fail:
	fprintf(stderr, "responder_start failed\n");
	r->thread = 0;
	responder_stop(r);
	return NULL;
}

unsigned long responder_stop(struct responder *r)
{
	unsigned long served;
	size_t i;

	if (!r)
		return 0;
	if (r->thread) {
		if (write(r->stop[1], "x", 1) != 1)
			perror("responder stop");
		pthread_join(r->thread, NULL);
	}
	for (i = 0; i < r->n; i++) {
		struct rdom *d = &r->doms[i];

		for (size_t j = 0; j < d->nnodes; j++)
			free(d->nodes[j].val);
		free(d->out);
		free(d->cons_out);
	}
	simclient_close(r->sc); /* unmaps and unbinds the rest */
	if (r->stop[0] >= 0)
		close(r->stop[0]);
	if (r->stop[1] >= 0)
		close(r->stop[1]);
	served = r->served;
	pthread_mutex_destroy(&r->lock);
	free(r->doms);
	free(r->by_port);
	free(r);
	return served;
}

size_t responder_console(struct responder *r, size_t i, char *buf, size_t max)
{
	size_t n;

	pthread_mutex_lock(&r->lock);
	n = r->doms[i].cons_len < max ? r->doms[i].cons_len : max;
	memcpy(buf, r->doms[i].cons_out, n);
	pthread_mutex_unlock(&r->lock);
	return n;
}

void responder_console_input(struct responder *r, size_t i, const char *s)
{
	struct rdom *d = &r->doms[i];
	size_t len = strlen(s);

	pthread_mutex_lock(&r->lock);
	if (d->cons_in_len + len <= sizeof(d->cons_in)) {
		memcpy(d->cons_in + d->cons_in_len, s, len);
		d->cons_in_len += len;
	}
	pthread_mutex_unlock(&r->lock);
}

unsigned responder_broken(struct responder *r)
{
	unsigned n;

	pthread_mutex_lock(&r->lock);
	n = r->broken;
	pthread_mutex_unlock(&r->lock);
	return n;
}
