/*
 * fakehv.c: the console tests' hypervisor (see fakehv.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tests/console/fakehv.h"

#define FAKEHV_DOMS  64
#define FAKEHV_PORTS 256

struct fdom {
	bool exists, shutdown, dying, no_grant;
	unsigned domid;
	void *page;    /* the console ring */
	void *xs_page; /* the XenStore ring */
	int maps;
	int map_grant; /* 1 grant, 0 frame, -1 never */
	unsigned next_rport;
};

struct fport {
	bool used;
	int domid; /* -1: a local port (VIRQ) */
	unsigned rport;
	bool masked, pending, queued;
	unsigned long kicks, deliveries;
};

struct fakehv {
	int efd;
	struct fdom doms[FAKEHV_DOMS];
	struct fport ports[FAKEHV_PORTS]; /* by local port; 0 unused */
	int queue[FAKEHV_PORTS];
	unsigned qhead, qlen;
	int binds;
	fakehv_kick_fn *kick;
	void *kick_arg;
};

static struct fakehv *fh_of(struct hv *h)
{
	return h->priv;
}

static struct fdom *fh_dom(struct fakehv *f, unsigned domid)
{
	for (int i = 0; i < FAKEHV_DOMS; i++)
		if (f->doms[i].page && f->doms[i].domid == domid)
			return &f->doms[i];
	return NULL;
}

/* Queue a fired port and make the fd readable. */
static void fh_fire(struct fakehv *f, int port)
{
	struct fport *p = &f->ports[port];
	uint64_t one = 1;

	if (p->masked || p->queued) {
		p->pending = true;
		return;
	}
	p->queued = true;
	f->queue[(f->qhead + f->qlen++) % FAKEHV_PORTS] = port;
	if (write(f->efd, &one, sizeof(one)) < 0)
		abort();
}

static int fh_open(struct hv *h, const char *arg)
{
	return 0;
}

static void fh_close(struct hv *h)
{
}

static int fh_evtchn_fd(struct hv *h)
{
	return fh_of(h)->efd;
}

static int fh_bind_interdomain(struct hv *h, unsigned domid, unsigned rport)
{
	struct fakehv *f = fh_of(h);
	struct fdom *d = fh_dom(f, domid);

	if (!d || !d->exists || rport == 0 || rport >= d->next_rport)
		return -EINVAL;
	for (int i = 1; i < FAKEHV_PORTS; i++)
		if (f->ports[i].used && f->ports[i].domid == (int)domid &&
		    f->ports[i].rport == rport)
			return -EBUSY;
	for (int i = 1; i < FAKEHV_PORTS; i++) {
		if (f->ports[i].used)
			continue;
		memset(&f->ports[i], 0, sizeof(f->ports[i]));
		f->ports[i].used = true;
		f->ports[i].domid = (int)domid;
		f->ports[i].rport = rport;
		f->binds++;
		return i;
	}
	return -ENOSPC;
}

static int fh_bind_virq(struct hv *h)
{
	return fakehv_bind_local(fh_of(h)); /* VIRQ_DOM_EXC: never fires */
}

static struct fport *fh_port(struct fakehv *f, unsigned port)
{
	if (port == 0 || port >= FAKEHV_PORTS || !f->ports[port].used)
		return NULL;
	return &f->ports[port];
}

static int fh_notify(struct hv *h, unsigned port)
{
	struct fakehv *f = fh_of(h);
	struct fport *p = fh_port(f, port);

	if (!p)
		return -EINVAL;
	p->kicks++;
	if (f->kick && p->domid >= 0)
		f->kick(f->kick_arg, (unsigned)p->domid, p->rport);
	return 0;
}

static int fh_pending(struct hv *h)
{
	struct fakehv *f = fh_of(h);
	uint64_t v;

	while (f->qlen) {
		int port = f->queue[f->qhead];
		struct fport *p = &f->ports[port];

		f->qhead = (f->qhead + 1) % FAKEHV_PORTS;
		f->qlen--;
		if (!p->used || !p->queued)
			continue;
		p->queued = false;
		p->masked = true;
		p->deliveries++;
		return port;
	}
	if (read(f->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	return -EAGAIN;
}

static int fh_unmask(struct hv *h, unsigned port)
{
	struct fakehv *f = fh_of(h);
	struct fport *p = fh_port(f, port);

	if (!p)
		return -EINVAL;
	p->masked = false;
	if (p->pending) {
		p->pending = false;
		fh_fire(f, (int)port);
	}
	return 0;
}

static int fh_unbind(struct hv *h, unsigned port)
{
	struct fakehv *f = fh_of(h);
	struct fport *p = fh_port(f, port);

	if (!p)
		return -EINVAL;
	p->used = false;
	p->queued = false;
	f->binds--;
	return 0;
}

static void *fh_map(struct fakehv *f, unsigned domid, bool grant, bool xs)
{
	struct fdom *d = fh_dom(f, domid);

	if (!d || !d->exists || (grant && d->no_grant)) {
		errno = grant ? EPERM : EINVAL;
		return NULL;
	}
	d->maps++;
	if (!xs)
		d->map_grant = grant;
	return xs ? d->xs_page : d->page;
}

static void *fh_map_grant(struct hv *h, unsigned domid, unsigned gref)
{
	if (gref != HV_GNTTAB_CONSOLE && gref != HV_GNTTAB_XENSTORE) {
		errno = EINVAL;
		return NULL;
	}
	return fh_map(fh_of(h), domid, true, gref == HV_GNTTAB_XENSTORE);
}

static void *fh_map_foreign(struct hv *h, unsigned domid, uint64_t gfn)
{
	if (gfn != FAKEHV_CONSOLE_GFN && gfn != FAKEHV_XENSTORE_GFN) {
		errno = EINVAL;
		return NULL;
	}
	return fh_map(fh_of(h), domid, false, gfn == FAKEHV_XENSTORE_GFN);
}

static void fh_unmap(struct hv *h, void *page, bool grant)
{
	struct fakehv *f = fh_of(h);

	for (int i = 0; i < FAKEHV_DOMS; i++)
		if ((f->doms[i].page == page || f->doms[i].xs_page == page) &&
		    f->doms[i].maps > 0)
			f->doms[i].maps--;
}

static void fh_fill(struct hv_dominfo *info, const struct fdom *d)
{
	info->domid = d->domid;
	info->dying = d->dying;
	info->shutdown = d->shutdown;
	info->shutdown_reason = 0;
}

static int fh_domain_info(struct hv *h, unsigned domid, struct hv_dominfo *info)
{
	struct fdom *d = fh_dom(fh_of(h), domid);

	if (!d || !d->exists)
		return -ENOENT;
	fh_fill(info, d);
	return 0;
}

static int fh_list_domains(struct hv *h, struct hv_dominfo *out, int max)
{
	struct fakehv *f = fh_of(h);
	int n = 0;

	for (int i = 0; i < FAKEHV_DOMS && n < max; i++)
		if (f->doms[i].page && f->doms[i].exists)
			fh_fill(&out[n++], &f->doms[i]);
	return n;
}

static int fh_local_ring(struct hv *h, void **page, unsigned *port)
{
	return -ENOENT;
}

static const struct hv_ops fakehv_ops = {
	.name = "fake",
	.open = fh_open,
	.close = fh_close,
	.evtchn_fd = fh_evtchn_fd,
	.bind_interdomain = fh_bind_interdomain,
	.bind_virq_dom_exc = fh_bind_virq,
	.notify = fh_notify,
	.pending = fh_pending,
	.unmask = fh_unmask,
	.unbind = fh_unbind,
	.map_grant = fh_map_grant,
	.map_foreign = fh_map_foreign,
	.unmap = fh_unmap,
	.domain_info = fh_domain_info,
	.list_domains = fh_list_domains,
	.local_ring = fh_local_ring,
};

struct fakehv *fakehv_new(void)
{
	struct fakehv *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->efd < 0) {
		free(f);
		return NULL;
	}
	fakehv_add_domain(f, 0);
	return f;
}

void fakehv_free(struct fakehv *f)
{
	if (!f)
		return;
	for (int i = 0; i < FAKEHV_DOMS; i++) {
		free(f->doms[i].page);
		free(f->doms[i].xs_page);
	}
	close(f->efd);
	free(f);
}

void fakehv_attach(struct fakehv *f, struct hv *h)
{
	h->ops = &fakehv_ops;
	h->priv = f;
}

void *fakehv_add_domain(struct fakehv *f, unsigned domid)
{
	for (int i = 0; i < FAKEHV_DOMS; i++) {
		struct fdom *d = &f->doms[i];

		if (d->page)
			continue;
		d->page = aligned_alloc(HV_PAGE_SIZE, HV_PAGE_SIZE);
		d->xs_page = aligned_alloc(HV_PAGE_SIZE, HV_PAGE_SIZE);
		if (!d->page || !d->xs_page) {
			free(d->page);
			free(d->xs_page);
			d->page = d->xs_page = NULL;
			return NULL;
		}
		memset(d->page, 0, HV_PAGE_SIZE);
		memset(d->xs_page, 0, HV_PAGE_SIZE);
		d->domid = domid;
		d->exists = true;
		d->map_grant = -1;
		d->next_rport = 1;
		return d->page;
	}
	return NULL;
}

void *fakehv_xenstore_page(struct fakehv *f, unsigned domid)
{
	struct fdom *d = fh_dom(f, domid);

	return d ? d->xs_page : NULL;
}

void fakehv_no_grant(struct fakehv *f, unsigned domid)
{
	struct fdom *d = fh_dom(f, domid);

	if (d)
		d->no_grant = true;
}

void fakehv_set_state(struct fakehv *f, unsigned domid, bool shutdown,
		      bool dying)
{
	struct fdom *d = fh_dom(f, domid);

	if (d) {
		d->shutdown = shutdown;
		d->dying = dying;
	}
}

void fakehv_remove_domain(struct fakehv *f, unsigned domid)
{
	struct fdom *d = fh_dom(f, domid);

	if (d)
		d->exists = false;
}

unsigned fakehv_alloc_port(struct fakehv *f, unsigned domid)
{
	struct fdom *d = fh_dom(f, domid);

	return d ? d->next_rport++ : 0;
}

static struct fport *fh_find_remote(struct fakehv *f, unsigned domid,
				    unsigned rport, int *local)
{
	for (int i = 1; i < FAKEHV_PORTS; i++) {
		struct fport *p = &f->ports[i];

		if (p->used && p->domid == (int)domid && p->rport == rport) {
			if (local)
				*local = i;
			return p;
		}
	}
	return NULL;
}

void fakehv_guest_notify(struct fakehv *f, unsigned domid, unsigned rport)
{
	int local;

	if (fh_find_remote(f, domid, rport, &local))
		fh_fire(f, local);
}

unsigned long fakehv_kicks(struct fakehv *f, unsigned domid, unsigned rport)
{
	struct fport *p = fh_find_remote(f, domid, rport, NULL);

	return p ? p->kicks : 0;
}

unsigned long fakehv_deliveries(struct fakehv *f, unsigned domid,
				unsigned rport)
{
	struct fport *p = fh_find_remote(f, domid, rport, NULL);

	return p ? p->deliveries : 0;
}

void fakehv_set_kick_cb(struct fakehv *f, fakehv_kick_fn *fn, void *arg)
{
	f->kick = fn;
	f->kick_arg = arg;
}

int fakehv_bind_local(struct fakehv *f)
{
	for (int i = 1; i < FAKEHV_PORTS; i++) {
		if (f->ports[i].used)
			continue;
		memset(&f->ports[i], 0, sizeof(f->ports[i]));
		f->ports[i].used = true;
		f->ports[i].domid = -1;
		f->binds++;
		return i;
	}
	return -ENOSPC;
}

void fakehv_fire_local(struct fakehv *f, int port)
{
	if (port > 0 && port < FAKEHV_PORTS && f->ports[port].used)
		fh_fire(f, port);
}

int fakehv_maps(const struct fakehv *f)
{
	int n = 0;

	for (int i = 0; i < FAKEHV_DOMS; i++)
		n += f->doms[i].maps;
	return n;
}

int fakehv_binds(const struct fakehv *f)
{
	return f->binds;
}

int fakehv_mapped_by_grant(const struct fakehv *f, unsigned domid)
{
	for (int i = 0; i < FAKEHV_DOMS; i++)
		if (f->doms[i].page && f->doms[i].domid == domid)
			return f->doms[i].map_grant;
	return -1;
}
