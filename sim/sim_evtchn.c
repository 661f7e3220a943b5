/*
 * sim_evtchn.c: event channels with Xen's semantics, delivered the way
 * Linux's evtchn driver delivers them.
 *
 * Xen's part (xen/common/event_channel.c): ports are allocated lowest
 * first from 1 (port 0 is reserved); an unbound port waits for one named
 * remote domain; binding to it links both ends and, because a notification
 * on the unbound end may have been lost, sets the new local port pending;
 * a notification on an unbound port is dropped; closing one end of an
 * interdomain channel leaves the other end unbound, waiting for the domain
 * that closed; freeing a port clears its pending bit.
 *
 * Linux's part (drivers/xen/evtchn.c): a raised port is delivered to the
 * handle that bound it and stays masked until that handle unmasks it; a
 * notification meanwhile only sets pending (once), and the unmask delivers
 * it.  For example, with port 5 bound by a dom0 handle:
 *
 *	remote notifies       pending=1 -> delivered: masked=1, pending=0
 *	remote notifies twice pending=1 (still masked: nothing sent)
 *	handle unmasks        masked=0 -> delivered again, once
 *
 * A guest kernel's ports (kport) work like a kernel's upcall instead:
 * delivery clears pending without masking, and a port already waiting in
 * the kernel's queue is not queued twice.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <stdint.h>

#include <xen/xen.h>

#include "sim/simd.h"

#define PORTS_INITIAL 64

int evtchn_init(struct sdom *d, uint32_t max_ports)
{
	d->ports = calloc(PORTS_INITIAL, sizeof(*d->ports));
	if (!d->ports)
		return -ENOMEM;
	d->nports = PORTS_INITIAL;
	d->max_ports = max_ports;
	d->ports[0].state = SIM_ECS_RESERVED;
	d->free_hint = 1;
	return 0;
}

void evtchn_fini(struct sdom *d)
{
	free(d->ports);
	d->ports = NULL;
	d->nports = 0;
}

struct sport *evtchn_port(struct sdom *d, uint32_t port)
{
	return port < d->nports ? &d->ports[port] : NULL;
}

static void port_set_owner(struct sport *pt, struct sconn *c)
{
	if (pt->owner)
		pt->owner->ports_owned--;
	pt->owner = c;
	if (c)
		c->ports_owned++;
}

/* Make room for port n; -ENOSPC past the domain's limit. */
static int ports_grow(struct sdom *d, uint32_t n)
{
	uint32_t cap = d->nports;
	struct sport *np;

	if (n >= d->max_ports)
		return -ENOSPC;
	while (cap <= n)
		cap *= 2;
	if (cap > d->max_ports)
		cap = d->max_ports;
	np = realloc(d->ports, cap * sizeof(*np));
	if (!np)
		return -ENOMEM;
	memset(np + d->nports, 0, (cap - d->nports) * sizeof(*np));
	d->ports = np;
	d->nports = cap;
	return 0;
}

/* The lowest free port (Xen's get_free_port), or -errno. */
static int port_alloc(struct sdom *d)
{
	uint32_t p;
	int rc;

	if (d->dying)
		return -EINVAL;
	for (p = d->free_hint; p < d->nports; p++)
		if (d->ports[p].state == SIM_ECS_FREE)
			break;
	if (p >= d->nports) {
		rc = ports_grow(d, p);
		if (rc < 0)
			return rc;
	}
	d->free_hint = p + 1;
	d->used_ports++;
	return (int)p;
}

static void port_free(struct sdom *d, uint32_t p)
{
	struct sport *pt = &d->ports[p];

	port_set_owner(pt, NULL);
	memset(pt, 0, sizeof(*pt));
	d->used_ports--;
	if (p < d->free_hint)
		d->free_hint = p;
}

/* Hand a pending port to its owner if it may be delivered now. */
static void port_deliver(struct sdom *d, uint32_t p)
{
	struct sport *pt = &d->ports[p];

	if (!pt->pending || pt->masked || !pt->owner || pt->owner->dead)
		return;
	pt->pending = false;
	if (!pt->kport)
		pt->masked = true;
	if (pt->inq)
		return;
	pt->inq = true;
	sconn_push_event(pt->owner, d->domid, p);
}

void evtchn_raise(struct sim *s, struct sdom *d, uint32_t port)
{
	struct sport *pt = evtchn_port(d, port);

	if (!pt || pt->pending)
		return;
	pt->pending = true;
	port_deliver(d, port);
}

void evtchn_raise_dom_exc(struct sim *s)
{
	struct sdom *d0 = sim_dom_get(s, 0);

	if (d0 && d0->virq[VIRQ_DOM_EXC])
		evtchn_raise(s, d0, d0->virq[VIRQ_DOM_EXC]);
}

static void port_init(struct sport *pt, uint8_t state, unsigned rdom,
		      struct sconn *owner, bool kport)
{
	pt->state = state;
	pt->rdom = (uint16_t)rdom;
	pt->rport = 0;
	pt->kport = kport;
	port_set_owner(pt, owner);
}

int evtchn_alloc_unbound(struct sim *s, struct sdom *d, unsigned remote,
			 struct sconn *owner, bool kport)
{
	int p = port_alloc(d);

	if (p < 0)
		return p;
	port_init(&d->ports[p], SIM_ECS_UNBOUND, remote, owner, kport);
	return p;
}

int evtchn_bind_interdomain(struct sim *s, struct sdom *ld, unsigned rdom,
			    uint32_t rport, struct sconn *owner, bool kport)
{
	struct sdom *rd = sim_dom_get(s, rdom);
	struct sport *rp, *lp;
	int p;

	if (!rd)
		return -ESRCH;
	rp = evtchn_port(rd, rport);
	if (!rp || rp->state != SIM_ECS_UNBOUND || rp->rdom != ld->domid)
		return -EINVAL;
	p = port_alloc(ld);
	if (p < 0)
		return p;
	/* Allocating may have moved rd's table when rd == ld. */
	rp = &rd->ports[rport];
	lp = &ld->ports[p];
	port_init(lp, SIM_ECS_INTERDOMAIN, rd->domid, owner, kport);
	lp->rport = rport;
	rp->state = SIM_ECS_INTERDOMAIN;
	rp->rdom = (uint16_t)ld->domid;
	rp->rport = (uint32_t)p;
	/* A notification on the unbound end may have been lost. */
	evtchn_raise(s, ld, (uint32_t)p);
	return p;
}

int evtchn_bind_virq(struct sim *s, struct sdom *d, unsigned virq,
		     struct sconn *owner, bool kport)
{
	int p;

	if (virq >= SIM_NR_VIRQS)
		return -EINVAL;
	if (d->virq[virq])
		return -EEXIST;
	p = port_alloc(d);
	if (p < 0)
		return p;
	port_init(&d->ports[p], SIM_ECS_VIRQ, virq, owner, kport);
	d->virq[virq] = (uint32_t)p;
	return p;
}

int evtchn_send(struct sim *s, struct sdom *d, uint32_t port)
{
	struct sport *pt = evtchn_port(d, port);
	struct sdom *rd;

	if (!pt)
		return -EINVAL;
	switch (pt->state) {
	case SIM_ECS_INTERDOMAIN:
		rd = sim_dom_get(s, pt->rdom);
		if (rd)
			evtchn_raise(s, rd, pt->rport);
		return 0;
	case SIM_ECS_UNBOUND:
		return 0; /* silently dropped, as Xen does */
	default:
		return -EINVAL;
	}
}

void evtchn_unmask(struct sim *s, struct sdom *d, uint32_t port)
{
	struct sport *pt = evtchn_port(d, port);

	if (!pt || pt->state == SIM_ECS_FREE)
		return;
	pt->masked = false;
	port_deliver(d, port);
}

int evtchn_close(struct sim *s, struct sdom *d, uint32_t port)
{
	struct sport *pt = evtchn_port(d, port), *rp;
	struct sdom *rd;

	if (!pt || pt->state == SIM_ECS_FREE || pt->state == SIM_ECS_RESERVED)
		return -EINVAL;
	if (pt->state == SIM_ECS_VIRQ) {
		d->virq[pt->rdom] = 0;
	} else if (pt->state == SIM_ECS_INTERDOMAIN) {
		rd = sim_dom_get(s, pt->rdom);
		rp = rd ? evtchn_port(rd, pt->rport) : NULL;
		if (rp && rp->state == SIM_ECS_INTERDOMAIN) {
			/* The other end waits for us again. */
			rp->state = SIM_ECS_UNBOUND;
			rp->rdom = (uint16_t)d->domid;
			rp->rport = 0;
		}
	}
	port_free(d, port);
	return 0;
}

void evtchn_close_all(struct sim *s, struct sdom *d)
{
	uint32_t p;

	for (p = 1; p < d->nports; p++)
		if (d->ports[p].state != SIM_ECS_FREE)
			evtchn_close(s, d, p);
}

void evtchn_claim(struct sim *s, struct sdom *d, struct sconn *c)
{
	uint32_t p;

	for (p = 1; p < d->nports; p++) {
		struct sport *pt = &d->ports[p];

		if (pt->state == SIM_ECS_FREE || !pt->kport || pt->owner)
			continue;
		port_set_owner(pt, c);
		port_deliver(d, p);
	}
}

void evtchn_release(struct sdom *d, struct sconn *c)
{
	uint32_t p;

	for (p = 1; p < d->nports; p++) {
		struct sport *pt = &d->ports[p];

		if (pt->owner != c || !pt->kport)
			continue;
		port_set_owner(pt, NULL);
		/* Whatever was in flight is delivered to the next kernel. */
		if (pt->masked || pt->inq)
			pt->pending = true;
		pt->masked = false;
		pt->inq = false;
	}
}

void evtchn_close_owned(struct sim *s, struct sdom *d, struct sconn *c)
{
	uint32_t p;

	for (p = 1; p < d->nports; p++) {
		struct sport *pt = &d->ports[p];

		if (pt->state != SIM_ECS_FREE && pt->owner == c && !pt->kport)
			evtchn_close(s, d, p);
	}
}
