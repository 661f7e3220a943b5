/*
 * xensim.c: the Xen simulator process.
 *
 *	xensim --socket PATH [--max-frames N] [--max-conns N] [-v]
 *
 * It owns the simulated domains (sim_dom.c) and their event channels
 * (sim_evtchn.c) and serves them on a Unix socket (simproto.h): one
 * SOCK_SEQPACKET connection per client for requests and replies, plus an
 * event stream socket per client, handed over at HELLO, for the ports that
 * fire.  Domain 0 exists from the start.  Prints "xensim: ready PATH" on
 * stdout once clients can connect.
 *
 * Nothing a client sends can block the simulator: replies that do not fit
 * in the socket stop reading from that client until they are sent; event
 * records wait in a queue bounded by the ports the client owns.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "sim/simd.h"

#define REQS_PER_TURN      64      /* requests handled per readable event */
#define EVQ_HARD_MAX       1048576 /* records queued for a silent client */
#define PEND_BYTES         4096    /* event bytes written at a time */
#define MAX_FRAMES_DEFAULT 262144u /* 1 GiB of (sparse) machine memory */
#define MAX_CONNS_DEFAULT  4096u
#define ACCEPT_BACKOFF_MS  100

struct reply {
	struct sim_rsp h;
	size_t len;
	union {
		struct sim_dominfo info[SIM_LIST_MAX];
		struct sim_start_info si;
		char con[SIM_CONSOLE_READ_MAX];
	} p;
	int fds[2];
	int nfds;
};

typedef int op_fn(struct sconn *c, const struct sim_req *rq, struct reply *rp);

static void sconn_close(struct sconn *c, const char *why);

/* ---- the event stream ---- */

bool sconn_is_kernel_of(const struct sconn *c, unsigned domid)
{
	unsigned i;

	for (i = 0; i < c->nkdoms; i++)
		if (c->kdoms[i] == domid)
			return true;
	return false;
}

void sconn_kdom_remove(struct sconn *c, unsigned domid)
{
	unsigned i;

	for (i = 0; i < c->nkdoms; i++) {
		if (c->kdoms[i] == domid) {
			c->kdoms[i] = c->kdoms[--c->nkdoms];
			return;
		}
	}
}

static bool is_notice(uint32_t port)
{
	return port == SIM_EVT_DEAD || port == SIM_EVT_SHUTDOWN ||
	       port == SIM_EVT_RESUMED;
}

/* Whether a queued record still stands; clears the port's inq if so. */
static bool record_take(struct sconn *c, const struct sim_event *ev)
{
	struct sdom *d;
	struct sport *pt;

	if (is_notice(ev->port))
		return true;
	d = sim_dom_get(c->sim, ev->dom);
	pt = d ? evtchn_port(d, ev->port) : NULL;
	if (!pt || pt->owner != c || !pt->inq)
		return false;
	pt->inq = false;
	return true;
}

/* Drop records that no longer stand, so the queue stays bounded. */
static void evq_compact(struct sconn *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->evq_len; i++) {
		struct sim_event ev = c->evq[c->evq_head + i];
		struct sdom *d = sim_dom_get(c->sim, ev.dom);
		struct sport *pt = d ? evtchn_port(d, ev.port) : NULL;

		if (is_notice(ev.port) || (pt && pt->owner == c && pt->inq))
			c->evq[n++] = ev;
	}
	c->evq_head = 0;
	c->evq_len = n;
}

static void mark_dirty(struct sconn *c)
{
	struct sim *s = c->sim;

	if (c->dirty)
		return;
	c->dirty = true;
	c->dirty_next = s->dirty;
	s->dirty = c;
	event_active(s->ev_flush, EV_TIMEOUT, 0);
}

void sconn_push_event(struct sconn *c, unsigned dom, uint32_t port)
{
	struct sim_event *nq;

	if (c->dead || c->evfd < 0)
		return;
	if (c->evq_head + c->evq_len == c->evq_cap) {
		if (c->evq_len > 2 * (size_t)c->ports_owned + 1024)
			evq_compact(c);
		if (c->evq_head) {
			memmove(c->evq, c->evq + c->evq_head,
				c->evq_len * sizeof(*c->evq));
			c->evq_head = 0;
		}
	}
	if (c->evq_len == c->evq_cap) {
		size_t cap = c->evq_cap ? c->evq_cap * 2 : 64;

		if (cap > EVQ_HARD_MAX ||
		    !(nq = realloc(c->evq, cap * sizeof(*nq)))) {
			log_warnx("client %u: event queue full", c->id);
			c->dead = true; /* closed by the flush */
			mark_dirty(c);
			return;
		}
		c->evq = nq;
		c->evq_cap = cap;
	}
	c->evq[c->evq_head + c->evq_len].dom = dom;
	c->evq[c->evq_head + c->evq_len].port = port;
	c->evq_len++;
	mark_dirty(c);
}

/* Fill the send buffer from the queue with records that still stand. */
static void pend_fill(struct sconn *c)
{
	c->pend_len = c->pend_off = 0;
	while (c->evq_len &&
	       c->pend_len + sizeof(struct sim_event) <= PEND_BYTES) {
		struct sim_event ev = c->evq[c->evq_head];

		c->evq_head++;
		c->evq_len--;
		if (!record_take(c, &ev))
			continue;
		memcpy(c->pend + c->pend_len, &ev, sizeof(ev));
		c->pend_len += sizeof(ev);
	}
	if (!c->evq_len)
		c->evq_head = 0;
}

/* Write queued records; 0, or -1 when the client is gone. */
static int evq_flush(struct sconn *c)
{
	for (;;) {
		ssize_t n;

		if (c->pend_off == c->pend_len)
			pend_fill(c);
		if (c->pend_len == 0)
			return 0;
		n = send(c->evfd, c->pend + c->pend_off,
			 c->pend_len - c->pend_off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			event_add(c->ev_evwr, NULL);
			return 0;
		}
		if (n <= 0)
			return -1;
		c->pend_off += (size_t)n;
	}
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim *s = arg;
	struct sconn *c;

	while ((c = s->dirty)) {
		s->dirty = c->dirty_next;
		c->dirty = false;
		if (c->dead && c->fd >= 0)
			sconn_close(c, "too many queued events");
		else if (!c->dead && evq_flush(c) < 0)
			sconn_close(c, "event stream closed");
	}
}

static void evwrite_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sconn *c = arg;

	if (evq_flush(c) < 0)
		sconn_close(c, "event stream closed");
}

/* ---- requests ---- */

/* The acting domain of a request, or NULL if c may not act as it. */
static struct sdom *acting(struct sconn *c, unsigned dom)
{
	if (dom == 0 ? !(c->dom0 || sconn_is_kernel_of(c, 0))
		     : !sconn_is_kernel_of(c, dom))
		return NULL;
	return sim_dom_get(c->sim, dom);
}

static unsigned self_or(uint64_t v, unsigned as)
{
	return v == SIM_DOMID_SELF ? as : (v > UINT16_MAX ? UINT16_MAX : v);
}

static int op_hello(struct sconn *c, const struct sim_req *rq, struct reply *rp)
{
	int sv[2];

	if (c->hello)
		return -EINVAL;
	if (rq->arg[0] != SIMPROTO_VERSION)
		return -EPROTONOSUPPORT;
	if (!c->pend && !(c->pend = malloc(PEND_BYTES)))
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       sv) < 0)
		return -errno;
	c->ev_evwr = event_new(c->sim->base, sv[0], EV_WRITE, evwrite_cb, c);
	if (!c->ev_evwr) {
		close(sv[0]);
		close(sv[1]);
		return -ENOMEM;
	}
	shutdown(sv[0], SHUT_RD); /* nothing to read from the client */
	c->evfd = sv[0];
	c->hello = true;
	c->dom0 = (rq->arg[1] & SIM_HELLO_DOM0) != 0;
	rp->fds[0] = sv[1];
	rp->fds[1] = c->sim->memfd;
	rp->nfds = 2;
	rp->h.val[0] = SIMPROTO_VERSION;
	rp->h.val[1] = c->sim->max_frames;
	return 0;
}

static int op_attach(struct sconn *c, const struct sim_req *rq,
		     struct reply *rp)
{
	struct sdom *d = sim_dom_get(c->sim, self_or(rq->arg[0], 0));
	int rc;

	if (!d)
		return -ESRCH;
	rc = sim_attach(c, d);
	if (rc == 0) {
		rp->p.si = d->si;
		rp->len = sizeof(rp->p.si);
	}
	return rc;
}

static int op_detach(struct sconn *c, const struct sim_req *rq,
		     struct reply *rp)
{
	struct sdom *d = sim_dom_get(c->sim, self_or(rq->arg[0], 0));

	if (!d || d->kernel != c)
		return -EINVAL;
	sim_detach(c, d);
	return 0;
}

static int op_alloc_unbound(struct sconn *c, const struct sim_req *rq,
			    struct reply *rp)
{
	unsigned as = rq->dom, dom = self_or(rq->arg[0], as);
	unsigned remote = self_or(rq->arg[1], as);
	struct sdom *d = sim_dom_get(c->sim, dom);
	int p;

	if (dom != as && as != 0)
		return -EPERM;
	if (!d || remote > SIM_DOMID_MAX)
		return -ESRCH;
	if (dom == as)
		p = evtchn_alloc_unbound(c->sim, d, remote, c,
					 sconn_is_kernel_of(c, as));
	else /* the domain builder: a port for that domain's kernel */
		p = evtchn_alloc_unbound(c->sim, d, remote, d->kernel, true);
	rp->h.val[0] = (uint64_t)p;
	return p < 0 ? p : 0;
}

static int op_bind_interdomain(struct sconn *c, const struct sim_req *rq,
			       struct reply *rp)
{
	unsigned as = rq->dom;
	int p;

	if (rq->arg[1] > UINT32_MAX)
		return -EINVAL;
	p = evtchn_bind_interdomain(
		c->sim, sim_dom_get(c->sim, as), self_or(rq->arg[0], as),
		(uint32_t)rq->arg[1], c, sconn_is_kernel_of(c, as));
	rp->h.val[0] = (uint64_t)p;
	return p < 0 ? p : 0;
}

static int op_bind_virq(struct sconn *c, const struct sim_req *rq,
			struct reply *rp)
{
	unsigned as = rq->dom;
	int p;

	if (rq->arg[0] >= SIM_NR_VIRQS)
		return -EINVAL;
	p = evtchn_bind_virq(c->sim, sim_dom_get(c->sim, as),
			     (unsigned)rq->arg[0], c,
			     sconn_is_kernel_of(c, as));
	rp->h.val[0] = (uint64_t)p;
	return p < 0 ? p : 0;
}

/* A port of the acting domain that c bound, or NULL (ENOTCONN). */
static struct sport *own_port(struct sconn *c, const struct sim_req *rq)
{
	struct sdom *d = sim_dom_get(c->sim, rq->dom);
	struct sport *pt;

	if (rq->arg[0] > UINT32_MAX)
		return NULL;
	pt = evtchn_port(d, (uint32_t)rq->arg[0]);
	return pt && pt->owner == c ? pt : NULL;
}

static int op_send(struct sconn *c, const struct sim_req *rq, struct reply *rp)
{
	if (!own_port(c, rq))
		return -ENOTCONN;
	return evtchn_send(c->sim, sim_dom_get(c->sim, rq->dom),
			   (uint32_t)rq->arg[0]);
}

static int op_unmask(struct sconn *c, const struct sim_req *rq,
		     struct reply *rp)
{
	if (!own_port(c, rq))
		return -ENOTCONN;
	evtchn_unmask(c->sim, sim_dom_get(c->sim, rq->dom),
		      (uint32_t)rq->arg[0]);
	return 0;
}

static int op_close(struct sconn *c, const struct sim_req *rq, struct reply *rp)
{
	if (!own_port(c, rq))
		return -ENOTCONN;
	return evtchn_close(c->sim, sim_dom_get(c->sim, rq->dom),
			    (uint32_t)rq->arg[0]);
}

static int op_status(struct sconn *c, const struct sim_req *rq,
		     struct reply *rp)
{
	unsigned as = rq->dom, dom = self_or(rq->arg[0], as);
	struct sdom *d = sim_dom_get(c->sim, dom);
	struct sport *pt;

	if (dom != as && as != 0)
		return -EPERM;
	if (!d)
		return -ESRCH;
	pt = rq->arg[1] <= UINT32_MAX ? evtchn_port(d, (uint32_t)rq->arg[1])
				      : NULL;
	if (!pt)
		return -EINVAL;
	rp->h.val[0] = pt->state == SIM_ECS_RESERVED ? SIM_ECS_FREE : pt->state;
	rp->h.val[1] = pt->rdom;
	rp->h.val[2] = pt->rport;
	rp->h.val[3] = (pt->pending ? SIM_PORT_PENDING : 0) |
		       (pt->masked ? SIM_PORT_MASKED : 0) |
		       (pt->owner ? SIM_PORT_OWNED : 0);
	return 0;
}

static int op_gnttab_set(struct sconn *c, const struct sim_req *rq,
			 struct reply *rp)
{
	unsigned as = rq->dom, dom = self_or(rq->arg[3], as);
	struct sdom *d = sim_dom_get(c->sim, dom);

	if (dom != as && as != 0)
		return -EPERM;
	if (!d)
		return -ESRCH;
	if (rq->arg[0] > UINT32_MAX || rq->arg[2] > UINT32_MAX)
		return -EINVAL;
	return sim_gnttab_set(d, (uint32_t)rq->arg[0], rq->arg[1] & 0xFFFF,
			      (rq->arg[1] >> 16) & 0xFFFF,
			      (uint32_t)rq->arg[2]);
}

static int op_map_grant(struct sconn *c, const struct sim_req *rq,
			struct reply *rp)
{
	struct sdom *d = sim_dom_get(c->sim, self_or(rq->arg[0], rq->dom));

	if (!d)
		return -ESRCH;
	if (rq->arg[1] > UINT32_MAX)
		return -EINVAL;
	return sim_map_grant(c, rq->dom, d, (uint32_t)rq->arg[1],
			     (rq->arg[2] & SIM_MAP_READONLY) != 0,
			     &rp->h.val[0], &rp->h.val[1]);
}

static int op_map_gfn(struct sconn *c, const struct sim_req *rq,
		      struct reply *rp)
{
	struct sdom *d = sim_dom_get(c->sim, self_or(rq->arg[0], rq->dom));

	if (!d)
		return -ESRCH;
	if (rq->arg[1] > UINT32_MAX)
		return -EINVAL;
	return sim_map_gfn(c, rq->dom, d, (uint32_t)rq->arg[1], &rp->h.val[0],
			   &rp->h.val[1]);
}

static int op_unmap(struct sconn *c, const struct sim_req *rq, struct reply *rp)
{
	if (rq->arg[0] > UINT32_MAX)
		return -EINVAL;
	return sim_unmap(c, (uint32_t)rq->arg[0]);
}

static int op_create(struct sconn *c, const struct sim_req *rq,
		     struct reply *rp)
{
	struct sdom *d;
	int rc;

	if (rq->arg[0] > SIM_DOMID_MAX || rq->arg[1] > SIM_PAGES_MAX)
		return -EINVAL;
	rc = sim_dom_create(c->sim, (unsigned)rq->arg[0], (unsigned)rq->arg[1],
			    rq->arg[2] & 0xFFFF, (rq->arg[2] >> 16) & 0xFFFF,
			    &d);
	if (rc < 0)
		return rc;
	log_debug("domain %u: created by client %u", d->domid, c->id);
	rp->h.val[0] = d->domid;
	rp->p.si = d->si;
	rp->len = sizeof(rp->p.si);
	return 0;
}

/* The target of a lifecycle request: oneself, or anyone for dom0. */
static struct sdom *target(struct sconn *c, const struct sim_req *rq, int *rc)
{
	unsigned dom = self_or(rq->arg[0], rq->dom);
	struct sdom *d = sim_dom_get(c->sim, dom);

	*rc = 0;
	if (dom != rq->dom && rq->dom != 0)
		*rc = -EPERM;
	else if (!d)
		*rc = -ESRCH;
	return *rc ? NULL : d;
}

static int op_shutdown(struct sconn *c, const struct sim_req *rq,
		       struct reply *rp)
{
	int rc;
	struct sdom *d = target(c, rq, &rc);

	if (!d)
		return rc;
	if (rq->arg[1] > UINT32_MAX)
		return -EINVAL;
	return sim_dom_shutdown(c->sim, d, (unsigned)rq->arg[1]);
}

static int op_resume(struct sconn *c, const struct sim_req *rq,
		     struct reply *rp)
{
	int rc;
	struct sdom *d = target(c, rq, &rc);

	return d ? sim_dom_resume(c->sim, d) : rc;
}

static int op_destroy(struct sconn *c, const struct sim_req *rq,
		      struct reply *rp)
{
	int rc;
	struct sdom *d = target(c, rq, &rc);

	return d ? sim_dom_destroy(c->sim, d) : rc;
}

static int op_info(struct sconn *c, const struct sim_req *rq, struct reply *rp)
{
	int rc;
	struct sdom *d = target(c, rq, &rc);

	if (!d)
		return rc;
	sim_dom_fill_info(d, &rp->p.info[0]);
	rp->len = sizeof(rp->p.info[0]);
	return 0;
}

static int op_list(struct sconn *c, const struct sim_req *rq, struct reply *rp)
{
	uint64_t id;
	unsigned n = 0, max = SIM_LIST_MAX;

	if (rq->arg[1] && rq->arg[1] < max)
		max = (unsigned)rq->arg[1];
	for (id = rq->arg[0]; id <= SIM_DOMID_MAX && n < max; id++) {
		struct sdom *d = c->sim->doms[id];

		if (d)
			sim_dom_fill_info(d, &rp->p.info[n++]);
	}
	rp->len = n * sizeof(rp->p.info[0]);
	rp->h.val[0] = n;
	return 0;
}

static int op_start_info(struct sconn *c, const struct sim_req *rq,
			 struct reply *rp)
{
	int rc;
	struct sdom *d = target(c, rq, &rc);

	if (!d)
		return rc;
	rp->p.si = d->si;
	rp->len = sizeof(rp->p.si);
	return 0;
}

static int op_console_read(struct sconn *c, const struct sim_req *rq,
			   struct reply *rp)
{
	uint32_t index = (uint32_t)rq->arg[0];
	uint32_t max = rq->arg[1] < SIM_CONSOLE_READ_MAX ? (uint32_t)rq->arg[1]
							 : SIM_CONSOLE_READ_MAX;

	rp->len = sim_console_read(c->sim, &index, rp->p.con, max);
	rp->h.val[0] = index;
	return 0;
}

#define OP_PRIV    1u /* only acting as domain 0 */
#define OP_NOHELLO 2u /* before HELLO (and without a domain) */
#define OP_ANYDOM  4u /* acts as no domain in particular */

static const struct {
	op_fn *fn;
	unsigned flags;
} ops[SIM_OP_COUNT] = {
	[SIM_OP_HELLO] = {op_hello, OP_NOHELLO},
	[SIM_OP_ATTACH] = {op_attach, OP_ANYDOM},
	[SIM_OP_DETACH] = {op_detach, OP_ANYDOM},
	[SIM_OP_EVTCHN_ALLOC_UNBOUND] = {op_alloc_unbound, 0},
	[SIM_OP_EVTCHN_BIND_INTERDOMAIN] = {op_bind_interdomain, 0},
	[SIM_OP_EVTCHN_BIND_VIRQ] = {op_bind_virq, 0},
	[SIM_OP_EVTCHN_SEND] = {op_send, 0},
	[SIM_OP_EVTCHN_UNMASK] = {op_unmask, 0},
	[SIM_OP_EVTCHN_CLOSE] = {op_close, 0},
	[SIM_OP_EVTCHN_STATUS] = {op_status, 0},
	[SIM_OP_GNTTAB_SET] = {op_gnttab_set, 0},
	[SIM_OP_MAP_GRANT] = {op_map_grant, 0},
	[SIM_OP_MAP_GFN] = {op_map_gfn, 0},
	[SIM_OP_UNMAP] = {op_unmap, OP_ANYDOM},
	[SIM_OP_DOMAIN_CREATE] = {op_create, OP_PRIV},
	[SIM_OP_DOMAIN_SHUTDOWN] = {op_shutdown, 0},
	[SIM_OP_DOMAIN_RESUME] = {op_resume, OP_PRIV},
	[SIM_OP_DOMAIN_DESTROY] = {op_destroy, OP_PRIV},
	[SIM_OP_DOMAIN_INFO] = {op_info, OP_PRIV},
	[SIM_OP_DOMAIN_LIST] = {op_list, OP_PRIV},
	[SIM_OP_START_INFO] = {op_start_info, 0},
	[SIM_OP_CONSOLE_READ] = {op_console_read, OP_PRIV},
};

static int dispatch(struct sconn *c, const struct sim_req *rq, struct reply *rp)
{
	unsigned f;

	if (rq->op == 0 || rq->op >= SIM_OP_COUNT || !ops[rq->op].fn)
		return -ENOSYS;
	f = ops[rq->op].flags;
	if (!(f & OP_NOHELLO) && !c->hello)
		return -EPROTO;
	if (!(f & (OP_NOHELLO | OP_ANYDOM)) && !acting(c, rq->dom))
		return -EPERM;
	if ((f & OP_PRIV) && rq->dom != 0)
		return -EPERM;
	return ops[rq->op].fn(c, rq, rp);
}

/* ---- replies ---- */

static void oq_push(struct sconn *c, const void *buf, size_t len)
{
	struct outmsg *m = malloc(sizeof(*m) + len);

	if (!m) {
		sconn_close(c, "out of memory");
		return;
	}
	m->next = NULL;
	m->len = len;
	memcpy(m->data, buf, len);
	if (c->oq_tail)
		c->oq_tail->next = m;
	else
		c->oq_head = m;
	c->oq_tail = m;
	/* Read no more requests until the client takes its replies. */
	event_del(c->ev_rd);
	event_add(c->ev_wr, NULL);
}

static void send_reply(struct sconn *c, const struct reply *rp)
{
	char buf[sizeof(struct sim_rsp) + sizeof(rp->p)];
	char cbuf[CMSG_SPACE(2 * sizeof(int))];
	struct iovec iov = {buf, sizeof(rp->h) + rp->len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;
	ssize_t n;

	memcpy(buf, &rp->h, sizeof(rp->h));
	memcpy(buf + sizeof(rp->h), &rp->p, rp->len);
	if (rp->nfds) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(rp->nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(rp->nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), rp->fds, rp->nfds * sizeof(int));
	}
	if (c->oq_head) {
		oq_push(c, buf,
			iov.iov_len); /* never with fds: HELLO is first */
		return;
	}
	n = sendmsg(c->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && errno == EAGAIN && !rp->nfds)
		oq_push(c, buf, iov.iov_len);
	else if (n < 0)
		sconn_close(c, "cannot reply");
}

static void write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sconn *c = arg;
	struct outmsg *m;

	while ((m = c->oq_head)) {
		ssize_t n = send(c->fd, m->data, m->len,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN) {
			event_add(c->ev_wr, NULL);
			return;
		}
		if (n < 0) {
			sconn_close(c, "cannot reply");
			return;
		}
		c->oq_head = m->next;
		if (!c->oq_head)
			c->oq_tail = NULL;
		free(m);
	}
	event_add(c->ev_rd, NULL);
}

static void handle(struct sconn *c, const struct sim_req *rq)
{
	struct reply rp;

	memset(&rp.h, 0, sizeof(rp.h));
	rp.len = 0;
	rp.nfds = 0;
	rp.h.op = rq->op;
	rp.h.seq = rq->seq;
	rp.h.err = dispatch(c, rq, &rp);
	if (rp.h.err)
		rp.len = 0;
	rp.h.len = (uint32_t)rp.len;
	/*
	 * Events queued for this client go out before the reply, so that
	 * what happened before a call is on the event stream when the call
	 * returns (unless the stream is full).
	 */
	if (!(rq->flags & SIM_REQ_NOREPLY) || rq->op == SIM_OP_HELLO) {
		if ((c->evq_len || c->pend_off < c->pend_len) &&
		    evq_flush(c) < 0)
			sconn_close(c, "event stream closed");
		else
			send_reply(c, &rp);
	}
	if (rp.nfds)
		close(rp.fds[0]); /* the client has its own copy now */
}

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sconn *c = arg;
	char buf[sizeof(struct sim_req) + 8];
	struct sim_req rq;
	int i;

	for (i = 0; i < REQS_PER_TURN && !c->dead && !c->oq_head; i++) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			sconn_close(c, n == 0 ? NULL : "read error");
			return;
		}
		if ((size_t)n != sizeof(rq)) {
			sconn_close(c, "malformed request");
			return;
		}
		memcpy(&rq, buf, sizeof(rq));
		handle(c, &rq);
	}
}

/* ---- connections ---- */

static void sconn_close(struct sconn *c, const char *why)
{
	struct sim *s = c->sim;
	struct sconn **pp;
	struct sdom *d0;

	if (c->fd < 0)
		return; /* already closed */
	if (why)
		log_info("client %u: %s; disconnected", c->id, why);
	else
		log_debug("client %u: disconnected", c->id);
	c->dead = true;
	while (c->nkdoms) {
		struct sdom *d = sim_dom_get(s, c->kdoms[c->nkdoms - 1]);

		if (d && d->kernel == c)
			sim_detach(c, d);
		else
			c->nkdoms--;
	}
	d0 = sim_dom_get(s, 0);
	if (d0 && c->dom0)
		evtchn_close_owned(s, d0, c);
	sim_unmap_all(c);
	for (pp = &s->dirty; *pp; pp = &(*pp)->dirty_next) {
		if (*pp == c) {
			*pp = c->dirty_next;
			break;
		}
	}
	c->dirty = false;
	if (c->ev_rd)
		event_free(c->ev_rd);
	if (c->ev_wr)
		event_free(c->ev_wr);
	if (c->ev_evwr)
		event_free(c->ev_evwr);
	c->ev_rd = c->ev_wr = c->ev_evwr = NULL;
	close(c->fd);
	c->fd = -1;
	if (c->evfd >= 0)
		close(c->evfd);
	c->evfd = -1;
	/* Off the list of live clients, onto the reaper's. */
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	c->prev = NULL;
	c->next = s->reap;
	s->reap = c;
	event_active(s->ev_reap, EV_TIMEOUT, 0);
}

static void sconn_free(struct sconn *c)
{
	struct outmsg *m;

	while ((m = c->oq_head)) {
		c->oq_head = m->next;
		free(m);
	}
	free(c->kdoms);
	free(c->evq);
	free(c->pend);
	free(c);
}

/* Closed connections are freed here, outside any of their callbacks. */
static void reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim *s = arg;
	struct sconn *c;

	while ((c = s->reap)) {
		s->reap = c->next;
		sconn_free(c);
	}
}

static void sconn_new(struct sim *s, int fd)
{
	struct sconn *c = calloc(1, sizeof(*c));

	if (!c) {
		close(fd);
		return;
	}
	c->sim = s;
	c->fd = fd;
	c->evfd = -1;
	c->id = ++s->next_conn_id;
	c->ev_rd = event_new(s->base, fd, EV_READ | EV_PERSIST, read_cb, c);
	c->ev_wr = event_new(s->base, fd, EV_WRITE, write_cb, c);
	if (!c->ev_rd || !c->ev_wr || event_add(c->ev_rd, NULL) < 0) {
		if (c->ev_rd)
			event_free(c->ev_rd);
		if (c->ev_wr)
			event_free(c->ev_wr);
		close(fd);
		free(c);
		return;
	}
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	log_debug("client %u: connected", c->id);
}

static void backoff_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim *s = arg;

	event_add(s->ev_accept, NULL);
}

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct sim *s = arg;
	struct timeval tv = {0, ACCEPT_BACKOFF_MS * 1000};
	int fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		if (s->nconns >= s->max_conns) {
			log_warnx("too many clients (%u)", s->nconns);
			close(fd);
			continue;
		}
		sconn_new(s, fd);
	}
	if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
	    errno == ENOMEM) {
		log_warn("accept: backing off");
		event_del(s->ev_accept);
		event_add(s->ev_backoff, &tv);
	}
}

/* ---- main ---- */

static int listen_on(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* A stale socket is replaced; a live simulator is left alone. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		errno = EADDRINUSE;
		return -1;
	}
	close(fd);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 128) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct sim *s = arg;

	log_info("signal %d: exiting", (int)sig);
	event_base_loopbreak(s->base);
}

/* Room for two descriptors per client and then some. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: xensim --socket PATH [--max-frames N] "
		   "[--max-conns N] [-v]\n"
		   "  A simulated Xen: domains, memory, grant tables and "
		   "event channels,\n  served to xenbackd (--hypervisor "
		   "sim:PATH), xensim-xl and xensim-guest.\n");
}

static bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static int parse_args(int argc, char **argv, struct sim *s, const char **path)
{
	static const struct option lopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"max-frames", required_argument, NULL, 'f'},
		{"max-conns", required_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int o, verbose = 0;

	while ((o = getopt_long(argc, argv, "s:vh", lopts, NULL)) != -1) {
		switch (o) {
		case 's':
			*path = optarg;
			break;
		case 'f':
			if (!parse_u32(optarg, 64, 1u << 24, &s->max_frames))
				return -1;
			break;
		case 'c':
			if (!parse_u32(optarg, 1, 1u << 20, &s->max_conns))
				return -1;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	log_set_verbose(verbose);
	return *path && optind == argc ? 0 : -1;
}

static int setup(struct sim *s, const char *path)
{
	int rc = sim_mem_init(s, s->max_frames);

	if (rc < 0) {
		errno = -rc;
		log_warn("machine memory");
		return -1;
	}
	if (sim_dom0_init(s) < 0) {
		log_warnx("domain 0: out of memory");
		return -1;
	}
	s->listen_fd = listen_on(path);
	if (s->listen_fd < 0) {
		log_warn("%s", path);
		return -1;
	}
	s->base = event_base_new();
	if (!s->base)
		return -1;
	s->ev_accept = event_new(s->base, s->listen_fd, EV_READ | EV_PERSIST,
				 accept_cb, s);
	s->ev_backoff = evtimer_new(s->base, backoff_cb, s);
	s->ev_reap = event_new(s->base, -1, 0, reap_cb, s);
	s->ev_flush = event_new(s->base, -1, 0, flush_cb, s);
	if (!s->ev_accept || !s->ev_backoff || !s->ev_reap || !s->ev_flush ||
	    event_add(s->ev_accept, NULL) < 0)
		return -1;
	return 0;
}

static void teardown(struct sim *s, const char *path)
{
	while (s->conns)
		sconn_close(s->conns, NULL);
	reap_cb(-1, 0, s);
	sim_dom_free_all(s);
	sim_mem_fini(s);
	if (s->ev_accept)
		event_free(s->ev_accept);
	if (s->ev_backoff)
		event_free(s->ev_backoff);
	if (s->ev_reap)
		event_free(s->ev_reap);
	if (s->ev_flush)
		event_free(s->ev_flush);
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		unlink(path);
	}
	if (s->base)
		event_base_free(s->base);
}

int main(int argc, char **argv)
{
	struct sim s;
	const char *path = NULL;
	struct event *sig[3] = {NULL, NULL, NULL};
	int rc = 1, i;

	memset(&s, 0, sizeof(s));
	s.memfd = -1;
	s.listen_fd = -1;
	s.max_frames = MAX_FRAMES_DEFAULT;
	s.max_conns = MAX_CONNS_DEFAULT;
	log_init("xensim", 0);
	if (parse_args(argc, argv, &s, &path) < 0) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	if (setup(&s, path) < 0)
		goto out;
	sig[0] = evsignal_new(s.base, SIGTERM, signal_cb, &s);
	sig[1] = evsignal_new(s.base, SIGINT, signal_cb, &s);
	sig[2] = evsignal_new(s.base, SIGHUP, signal_cb, &s);
	for (i = 0; i < 3; i++)
		if (!sig[i] || event_add(sig[i], NULL) < 0)
			goto out;
	sim_console_printf(&s, "Xen simulator: %u frames of machine memory",
			   s.max_frames);
	printf("xensim: ready %s\n", path);
	fflush(stdout);
	event_base_dispatch(s.base);
	rc = 0;
out:
	for (i = 0; i < 3; i++)
		if (sig[i])
			event_free(sig[i]);
	teardown(&s, path);
	return rc;
}
