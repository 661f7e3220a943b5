/*
 * domains.c: guest rings and the domain lifecycle (see domains.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xs_wire.h>

#include "backends/store/conn.h"
#include "backends/store/domain_ops.h"
#include "backends/store/store.h"
#include "daemon/domains.h"
#include "hypervisor/hv.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "protocol/ring.h"

#define SCAN_SECONDS 10 /* safety scan of every ring */
/*
 * A turn of the loop handles at most TURN_REQUESTS requests, RING_BATCH
 * of them per ring, and then the loop polls: a guest that has just
 * notified us waits for at most one turn, however many others flood.
 */
#define TURN_REQUESTS 32
#define RING_BATCH    8
/* 4.21+ puts the event channel in the page: xs_wire.h 4.17 lacks it. */
#define EVTCHN_PORT_OFFSET 2076

struct ring {
	struct domains *ds;
	unsigned domid;
	struct xenstore_domain_interface *intf;
	bool granted; /* mapped through the grant table */
	bool local;   /* the store domain's own page: not ours to unmap */
	int port;     /* local event channel port */
	struct conn *conn;
	bool ignored; /* broke the protocol: kept, unserved, until it dies */
	bool shed;    /* ... and its watches etc. are still to be dropped */
	bool held;    /* its port stays masked until it has no more work */
	struct runq *queue; /* the run queue it is on, or NULL */
	struct ring *qnext;
};

/* Rings waiting for service, first come first served. */
struct runq {
	struct ring *head, *tail;
};

struct domains {
	struct event_base *base;
	struct store *st;
	struct hv *hv;
	struct event *ev_evtchn;
	struct event *ev_work;
	struct event *ev_scan;
	struct event *ev_shed;
	int virq_port;
	struct hmap rings; /* by domid */
	struct ring **by_port;
	size_t nports;
	struct runq fresh; /* notified (or new): served first */
	struct runq more;  /* had more work than one batch */
	bool in_turn;      /* work_cb is running */
	struct ring *busy; /* being serviced now */
	bool busy_dead;    /* ... and released meanwhile */
};

static uint32_t domid_hash(unsigned domid)
{
	return hash_bytes(&domid, sizeof(domid), 17);
}

static bool ring_eq(const void *val, const void *key, void *ctx)
{
	return ((const struct ring *)val)->domid == *(const unsigned *)key;
}

static struct ring *ring_find(struct domains *ds, unsigned domid)
{
	return hmap_get(&ds->rings, domid_hash(domid), ring_eq, &domid, NULL);
}

/* Run work_cb soon: after this pass's callbacks if called from one of
 * them, else after the next poll (a turn never follows a turn unpolled). */
static void schedule(struct domains *ds)
{
	static const struct timeval zero;

	if (!ds->in_turn)
		event_active(ds->ev_work, EV_TIMEOUT, 0);
	else if (!evtimer_pending(ds->ev_work, NULL))
		evtimer_add(ds->ev_work, &zero);
}

static void runq_push(struct runq *q, struct ring *r)
{
	r->queue = q;
	r->qnext = NULL;
	if (q->tail)
		q->tail->qnext = r;
	else
		q->head = r;
	q->tail = r;
}

static struct ring *runq_pop(struct runq *q)
{
	struct ring *r = q->head;

	if (r) {
		q->head = r->qnext;
		if (!q->head)
			q->tail = NULL;
		r->queue = NULL;
	}
	return r;
}

/* The ring has something for us (or may have): serve it soon. */
static void enqueue(struct ring *r)
{
	if (r->queue || r->ignored)
		return;
	runq_push(&r->ds->fresh, r);
	schedule(r->ds);
}

static void dequeue(struct ring *r)
{
	struct runq *q = r->queue;
	struct ring **pp, *prev = NULL;

	if (!q)
		return;
	for (pp = &q->head; *pp && *pp != r; pp = &(*pp)->qnext)
		prev = *pp;
	if (*pp)
		*pp = r->qnext;
	if (q->tail == r)
		q->tail = prev;
	r->queue = NULL;
}

/*
 * Stop serving a guest that broke the protocol, and say why in the ring's
 * error field; keep it until it dies (XSA-325).  why is logged unless the
 * store already did.
 */
static void ring_ignore(struct ring *r, uint32_t error, const char *why)
{
	if (r->ignored)
		return;
	r->ignored = true;
	if (!__atomic_load_n(&r->intf->error, __ATOMIC_RELAXED))
		__atomic_store_n(&r->intf->error, error, __ATOMIC_RELAXED);
	if (why)
		log_warnx("domain %u: %s; its ring is ignored until it dies",
			  r->domid, why);
	r->ds->hv->ops->notify(r->ds->hv, (unsigned)r->port);
	/*
	 * It keeps nothing but its place (xenstored's ignore_connection):
	 * no watches, transactions or output.  Done from the loop, as we may
	 * be inside the store here.
	 */
	r->shed = true;
	event_active(r->ds->ev_shed, EV_TIMEOUT, 0);
}

static void shed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct domains *ds = arg;
	size_t cur = 0;
	struct ring *r;

	while ((r = hmap_next(&ds->rings, &cur))) {
		if (!r->shed)
			continue;
		r->shed = false;
		conn_shed(r->conn);
	}
}

static ssize_t ring_read_cb(void *arg, void *buf, size_t len)
{
	struct ring *r = arg;
	struct ring_dir d;
	ssize_t n;

	if (r->ignored)
		return 0;
	ring_xs_req(r->intf, &d);
	n = ring_take(&d, buf, len);
	if (n < 0) {
		ring_ignore(r, XENSTORE_ERROR_RINGIDX, "bad request indexes");
		return 0;
	}
	if (n > 0)
		r->ds->hv->ops->notify(r->ds->hv, (unsigned)r->port);
	return n;
}

static ssize_t ring_write_cb(void *arg, const void *buf, size_t len)
{
	struct ring *r = arg;
	struct ring_dir d;
	ssize_t n;

	if (r->ignored)
		return 0;
	ring_xs_rsp(r->intf, &d);
	n = ring_put(&d, buf, len);
	if (n < 0) {
		ring_ignore(r, XENSTORE_ERROR_RINGIDX, "bad response indexes");
		return 0;
	}
	if (n > 0)
		r->ds->hv->ops->notify(r->ds->hv, (unsigned)r->port);
	return n;
}

/* Output waits: the guest frees ring space and notifies us, or the
 * queue is new and the ring may have room now. */
static void ring_want_write_cb(void *arg, bool on)
{
	if (on)
		enqueue(arg);
}

static void ring_kill_cb(void *arg, const char *why)
{
	ring_ignore(arg, XENSTORE_ERROR_PROTO, NULL); /* the store logged */
}

static const struct conn_transport ring_transport = {
	"ring", ring_read_cb, ring_write_cb, ring_want_write_cb, ring_kill_cb,
};

static void ring_free(struct ring *r)
{
	struct domains *ds = r->ds;
	struct hv *hv = ds->hv;

	dequeue(r);
	hmap_del(&ds->rings, domid_hash(r->domid), r);
	if (r->port >= 0 && (size_t)r->port < ds->nports)
		ds->by_port[r->port] = NULL;
	conn_free(r->conn);
	if (r->port >= 0)
		hv->ops->unbind(hv, (unsigned)r->port);
	if (r->intf && !r->local)
		hv->ops->unmap(hv, r->intf, r->granted);
	free(r);
}

/*
 * Service one ring: its replies first, then at most *budget requests
 * (taken from *budget).  A ring with more to do goes to the back of the
 * "more" queue with its port still masked; one that ran dry has its port
 * unmasked, and a notification meanwhile is delivered then.
 */
static void ring_service(struct ring *r, unsigned *budget)
{
	struct domains *ds = r->ds;
	int out, in = 0;

	if (r->ignored)
		return;
	out = conn_output(r->conn);
	if (!r->ignored)
		in = conn_input_budget(r->conn, budget);
	if (in < 0 && !r->ignored)
		ring_ignore(r, XENSTORE_ERROR_PROTO, "protocol error");
	if (r->ignored)
		return; /* its port stays masked: it is not listened to */
	if (in == 1 || out == 1) {
		if (!r->queue)
			runq_push(&ds->more, r);
	} else if (r->held) {
		r->held = false;
		ds->hv->ops->unmask(ds->hv, (unsigned)r->port);
	}
}

/* Rings just notified first, so a quiet guest waits one turn at most;
 * busy ones still get at least one batch a turn. */
static struct ring *next_ring(struct domains *ds, unsigned budget)
{
	if (ds->fresh.head && (budget > RING_BATCH || !ds->more.head))
		return runq_pop(&ds->fresh);
	if (ds->more.head)
		return runq_pop(&ds->more);
	return runq_pop(&ds->fresh);
}

static void work_cb(evutil_socket_t fd, short what, void *arg)
{
	struct domains *ds = arg;
	unsigned budget = TURN_REQUESTS;
	struct ring *r;

	ds->in_turn = true;
	while (budget && (r = next_ring(ds, budget))) {
		unsigned batch = budget < RING_BATCH ? budget : RING_BATCH;
		unsigned left = batch;

		ds->busy = r;
		ds->busy_dead = false;
		ring_service(r, &left);
		ds->busy = NULL;
		if (ds->busy_dead)
			ring_free(r);
		/* A ring with nothing to read still cost a turn's share. */
		budget -= left < batch ? batch - left : 1;
	}
	if (ds->fresh.head || ds->more.head)
		schedule(ds);
	ds->in_turn = false;
}

static int port_slot(struct domains *ds, int port)
{
	if ((size_t)port >= ds->nports) {
		size_t n = (size_t)port * 2 + 64;
		struct ring **np = realloc(ds->by_port, n * sizeof(*np));

		if (!np)
			return -ENOMEM;
		memset(np + ds->nports, 0, (n - ds->nports) * sizeof(*np));
		ds->by_port = np;
		ds->nports = n;
	}
	return 0;
}

static int by_domid(const void *a, const void *b)
{
	const struct hv_dominfo *x = a, *y = b;

	return x->domid < y->domid ? -1 : x->domid > y->domid;
}

/*
 * The hypervisor's domain list, sorted by domid: one call however many
 * domains we serve.  NULL on failure.
 */
static struct hv_dominfo *domain_list(struct domains *ds, size_t *count)
{
	size_t max = ds->rings.count * 2 + 64;

	for (;;) {
		struct hv_dominfo *list = malloc(max * sizeof(*list));
		int n;

		if (!list)
			return NULL;
		n = ds->hv->ops->list_domains(ds->hv, list, (int)max);
		if (n < 0) {
			free(list);
			return NULL;
		}
		if ((size_t)n < max) {
			qsort(list, (size_t)n, sizeof(*list), by_domid);
			*count = (size_t)n;
			return list;
		}
		free(list);
		max *= 2;
	}
}

/* Ask the hypervisor about every domain we serve (VIRQ_DOM_EXC). */
static void check_domains(struct domains *ds)
{
	struct hv_dominfo *list, key, *info;
	unsigned *ids;
	size_t n = 0, cur = 0, i, count;
	struct ring *r;

	list = domain_list(ds, &count);
	ids = malloc((ds->rings.count + 1) * sizeof(*ids));
	if (!list || !ids) {
		log_warnx("cannot list domains after VIRQ_DOM_EXC");
		free(list);
		free(ids);
		return;
	}
	while ((r = hmap_next(&ds->rings, &cur)))
		ids[n++] = r->domid;
	for (i = 0; i < n; i++) {
		r = ring_find(ds, ids[i]);
		if (r && r->local)
			continue; /* the store domain's own ring */
		key.domid = ids[i];
		info = bsearch(&key, list, count, sizeof(*list), by_domid);
		if (!info || info->dying)
			store_domain_gone(ds->st, ids[i]);
		else if (info->shutdown)
			store_domain_shutdown(ds->st, ids[i]);
	}
	store_flush(ds->st);
	free(ids);
	free(list);
}

static void evtchn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct domains *ds = arg;
	struct hv *hv = ds->hv;
	bool dom_exc = false;
	int port;

	while ((port = hv->ops->pending(hv)) >= 0) {
		struct ring *r =
			(size_t)port < ds->nports && port != ds->virq_port
				? ds->by_port[port]
				: NULL;

		if (port == ds->virq_port)
			dom_exc = true;
		if (r) {
			/* Masked until it runs dry (ring_service), or for
			 * good if it is not listened to. */
			if (!r->ignored) {
				r->held = true;
				enqueue(r);
			}
			continue;
		}
		hv->ops->unmask(hv, (unsigned)port);
	}
	if (port != -EAGAIN) {
		/* The handle is broken: say so once and stop listening. */
		log_warnx(
			"event channels of %s: %s; guests are no longer served",
			hv->ops->name, strerror(-port));
		event_del(ds->ev_evtchn);
	}
	if (dom_exc)
		check_domains(ds);
}

static void scan_cb(evutil_socket_t fd, short what, void *arg)
{
	struct domains *ds = arg;
	size_t cur = 0;
	struct ring *r;

	while ((r = hmap_next(&ds->rings, &cur)))
		enqueue(r);
}

/* Make the ring connection for a mapped page and a bound port. */
static struct ring *ring_new(struct domains *ds, unsigned domid, void *page,
			     bool granted, int port, bool priv)
{
	struct ring *r = calloc(1, sizeof(*r));

	if (!r || port_slot(ds, port) < 0) {
		free(r);
		return NULL;
	}
	r->ds = ds;
	r->domid = domid;
	r->intf = page;
	r->granted = granted;
	r->port = port;
	r->conn = conn_new(ds->st, domid, priv, &ring_transport, r);
	if (!r->conn || hmap_put(&ds->rings, domid_hash(domid), r) < 0) {
		conn_free(r->conn);
		free(r);
		return NULL;
	}
	ds->by_port[port] = r;
	/* Say what we speak; never take a bit back. */
	__atomic_fetch_or(&r->intf->server_features, STORE_FEATURES,
			  __ATOMIC_RELAXED);
	return r;
}

static int introduce_cb(void *arg, unsigned domid, uint64_t mfn, unsigned port)
{
	struct domains *ds = arg;
	struct hv *hv = ds->hv;
	struct ring *r = ring_find(ds, domid);
	bool granted = true;
	uint32_t page_port;
	void *page;
	int lp;

	if (r) {
		/* Re-introduced (kexec, soft reset): rebind the channel. */
		lp = hv->ops->bind_interdomain(hv, domid, port);
		if (lp < 0 || port_slot(ds, lp) < 0)
			return lp < 0 ? lp : -ENOMEM;
		ds->by_port[r->port] = NULL;
		hv->ops->unbind(hv, (unsigned)r->port);
		r->port = lp;
		r->held = false;
		ds->by_port[lp] = r;
		enqueue(r);
		return 0;
	}
	page = hv->ops->map_grant(hv, domid, HV_GNTTAB_XENSTORE);
	if (!page) {
		granted = false;
		page = hv->ops->map_foreign(hv, domid, mfn);
	}
	if (!page) {
		log_warnx("domain %u: cannot map its xenstore ring: %s", domid,
			  strerror(errno));
		return -EINVAL;
	}
	memcpy(&page_port, (char *)page + EVTCHN_PORT_OFFSET,
	       sizeof(page_port));
	if (page_port)
		port = page_port;
	lp = hv->ops->bind_interdomain(hv, domid, port);
	if (lp < 0) {
		log_warnx("domain %u: cannot bind port %u: %s", domid, port,
			  strerror(-lp));
		hv->ops->unmap(hv, page, granted);
		return -EINVAL;
	}
	r = ring_new(ds, domid, page, granted, lp, false);
	if (!r) {
		hv->ops->unbind(hv, (unsigned)lp);
		hv->ops->unmap(hv, page, granted);
		return -ENOMEM;
	}
	log_debug("domain %u: ring connected on port %d", domid, lp);
	enqueue(r);
	return 0;
}

static void release_cb(void *arg, unsigned domid)
{
	struct domains *ds = arg;
	struct ring *r = ring_find(ds, domid);

	if (!r)
		return;
	if (ds->busy == r) {
		ds->busy_dead = true; /* freed once its service returns */
		hmap_del(&ds->rings, domid_hash(domid), r);
		return;
	}
	ring_free(r);
}

static bool exists_cb(void *arg, unsigned domid)
{
	struct domains *ds = arg;
	struct hv_dominfo info;

	if (ring_find(ds, domid))
		return true;
	/* Only a clear "no such domain" counts: a failed query does not. */
	return ds->hv->ops->domain_info(ds->hv, domid, &info) != -ENOENT;
}

struct domains *domains_new(struct event_base *base, struct store *st,
			    struct hv *hv)
{
	struct domains *ds = calloc(1, sizeof(*ds));
	struct store_domain_ops ops;
	struct timeval scan = {SCAN_SECONDS, 0};
	int fd;

	if (!ds)
		return NULL;
	ds->base = base;
	ds->st = st;
	ds->hv = hv;
	hmap_init(&ds->rings);
	fd = hv->ops->evtchn_fd(hv);
	ds->virq_port = hv->ops->bind_virq_dom_exc(hv);
	if (fd < 0 || ds->virq_port < 0) {
		log_warnx("hypervisor %s: no event channels", hv->ops->name);
		free(ds);
		return NULL;
	}
	ds->ev_evtchn =
		event_new(base, fd, EV_READ | EV_PERSIST, evtchn_cb, ds);
	ds->ev_work = event_new(base, -1, 0, work_cb, ds);
	ds->ev_scan = event_new(base, -1, EV_PERSIST, scan_cb, ds);
	ds->ev_shed = event_new(base, -1, 0, shed_cb, ds);
	if (!ds->ev_evtchn || !ds->ev_work || !ds->ev_scan || !ds->ev_shed ||
	    event_add(ds->ev_evtchn, NULL) || event_add(ds->ev_scan, &scan)) {
		domains_free(ds);
		return NULL;
	}
	ops.arg = ds;
	ops.introduce = introduce_cb;
	ops.release = release_cb;
	ops.exists = exists_cb;
	store_set_domain_ops(st, &ops);
	return ds;
}

int domains_local_ring(struct domains *ds, unsigned domid)
{
	struct hv *hv = ds->hv;
	unsigned port;
	void *page;
	int lp, rc;
	struct ring *r;

	rc = hv->ops->local_ring(hv, &page, &port);
	if (rc < 0)
		return rc;
	lp = hv->ops->bind_interdomain(hv, domid, port);
	if (lp < 0)
		return lp;
	r = ring_new(ds, domid, page, false, lp, true);
	if (!r) {
		hv->ops->unbind(hv, (unsigned)lp);
		return -ENOMEM;
	}
	r->local = true;
	/* The kernel waits for this to know the store is up. */
	hv->ops->notify(hv, (unsigned)lp);
	enqueue(r);
	return 0;
}

void domains_free(struct domains *ds)
{
	struct ring *r;
	size_t cur;
	struct store_domain_ops none = {NULL, NULL, NULL, NULL};

	if (!ds)
		return;
	store_set_domain_ops(ds->st, &none);
	for (;;) {
		cur = 0;
		r = hmap_next(&ds->rings, &cur);
		if (!r)
			break;
		ring_free(r);
	}
	if (ds->virq_port >= 0)
		ds->hv->ops->unbind(ds->hv, (unsigned)ds->virq_port);
	if (ds->ev_evtchn)
		event_free(ds->ev_evtchn);
	if (ds->ev_work)
		event_free(ds->ev_work);
	if (ds->ev_scan)
		event_free(ds->ev_scan);
	if (ds->ev_shed)
		event_free(ds->ev_shed);
	hmap_free(&ds->rings);
	free(ds->by_port);
	free(ds);
}

size_t domains_count(const struct domains *ds)
{
	return ds ? ds->rings.count : 0;
}
