/*
 * sim_dom.c: machine memory, domains and their lifecycle, grant tables,
 * and the mappings clients hold.
 *
 * Lifecycle, as in xen/common/domain.c: shutdown marks the domain and
 * raises VIRQ_DOM_EXC (only the first reason counts); destroy makes it
 * dying, closes its event channels, drops the mappings it held of other
 * domains and raises VIRQ_DOM_EXC; the domain stays listed, dying, while
 * other domains still map its pages (a "zombie"), and disappears, with a
 * last VIRQ_DOM_EXC, when the last of those mappings goes.  Its frames go
 * back to the free list only when no mapping at all remains, and come out
 * zeroed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <stdint.h>

#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/event_channel.h>
#include <xen/sched.h>

#include "lib/log.h"
#include "sim/simd.h"

#define GRANT_CHUNK   512 /* entries per grant frame (v1) */
#define MAPS_PER_CONN 131072

int sim_mem_init(struct sim *s, uint32_t max_frames)
{
	s->memfd = memfd_create("xensim-machine-memory", MFD_CLOEXEC);
	if (s->memfd < 0)
		return -errno;
	/* Sparse: a frame costs memory only once someone writes it. */
	if (ftruncate(s->memfd, (off_t)max_frames << SIM_PAGE_SHIFT) < 0) {
		int rc = -errno;

		close(s->memfd);
		s->memfd = -1;
		return rc;
	}
	s->max_frames = max_frames;
	s->next_frame = 0;
	s->nfree = 0;
	s->free_frames = NULL;
	s->doms = calloc(SIM_DOMID_MAX + 1, sizeof(*s->doms));
	return s->doms ? 0 : -ENOMEM;
}

void sim_mem_fini(struct sim *s)
{
	if (s->memfd >= 0)
		close(s->memfd);
	s->memfd = -1;
	free(s->free_frames);
	s->free_frames = NULL;
	free(s->doms);
	s->doms = NULL;
}

/* Take a zeroed machine frame, or -ENOMEM.  Freed frames go first. */
static int64_t frame_alloc(struct sim *s)
{
	if (s->nfree)
		return s->free_frames[--s->nfree];
	if (s->next_frame >= s->max_frames)
		return -ENOMEM;
	return s->next_frame++;
}

static void frame_free(struct sim *s, uint32_t mfn)
{
	/* Give the memory back; the frame reads as zeros again. */
	if (fallocate(s->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)mfn << SIM_PAGE_SHIFT, SIM_PAGE_SIZE) < 0)
		log_warn("freeing frame %u", mfn);
	/* The list never holds more than every frame once. */
	s->free_frames[s->nfree++] = mfn;
}

static struct smem *mem_alloc(struct sim *s, unsigned pages)
{
	struct smem *m = malloc(sizeof(*m) + pages * sizeof(m->mfn[0]));
	unsigned i;

	if (!m)
		return NULL;
	if (!s->free_frames) {
		s->free_frames = malloc(s->max_frames * sizeof(uint32_t));
		if (!s->free_frames) {
			free(m);
			return NULL;
		}
	}
	m->refs = 1;
	m->nr = 0;
	for (i = 0; i < pages; i++) {
		int64_t f = frame_alloc(s);

		if (f < 0)
			break;
		m->mfn[m->nr++] = (uint32_t)f;
	}
	if (m->nr == pages)
		return m;
	while (m->nr)
		frame_free(s, m->mfn[--m->nr]);
	free(m);
	return NULL;
}

static void mem_put(struct sim *s, struct smem *m)
{
	if (!m || --m->refs)
		return;
	while (m->nr)
		frame_free(s, m->mfn[--m->nr]);
	free(m);
}

void sim_console_printf(struct sim *s, const char *fmt, ...)
{
	char line[256];
	struct sdom *d0;
	va_list ap;
	int n;
	size_t i;

	memcpy(line, "(XEN) ", 6);
	va_start(ap, fmt);
	n = vsnprintf(line + 6, sizeof(line) - 7, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n = 6 + (n > (int)sizeof(line) - 8 ? (int)sizeof(line) - 8 : n);
	line[n++] = '\n';
	for (i = 0; i < (size_t)n; i++)
		s->conring[s->con_prod++ & (SIM_CONRING_SIZE - 1)] = line[i];
	/* The oldest bytes are overwritten, as conring_puts does. */
	if (s->con_prod - s->con_cons > SIM_CONRING_SIZE)
		s->con_cons = s->con_prod - SIM_CONRING_SIZE;
	d0 = sim_dom_get(s, 0);
	if (d0 && d0->virq[VIRQ_CON_RING])
		evtchn_raise(s, d0, d0->virq[VIRQ_CON_RING]);
}

uint32_t sim_console_read(struct sim *s, uint32_t *index, char *buf,
			  uint32_t max)
{
	uint32_t c = s->con_cons, n = 0;

	/* Start at the caller's index unless it fell off the ring. */
	if ((int32_t)(*index - c) > 0)
		c = *index;
	while (c != s->con_prod && n < max)
		buf[n++] = s->conring[c++ & (SIM_CONRING_SIZE - 1)];
	*index = c;
	return n;
}

static const char *reason_name(unsigned reason)
{
	static const char *const names[] = {"poweroff", "reboot",
					    "suspend",  "crash",
					    "watchdog", "soft_reset"};

	return reason < 6 ? names[reason] : "?";
}

struct sdom *sim_dom_get(struct sim *s, unsigned domid)
{
	return domid <= SIM_DOMID_MAX ? s->doms[domid] : NULL;
}

/* The domain builder's start_info page. */
static void write_start_info(struct sim *s, struct sdom *d)
{
	off_t off = (off_t)d->mem->mfn[SIM_GFN_START_INFO] << SIM_PAGE_SHIFT;
	unsigned char buf[sizeof(d->si)];

	memcpy(buf, &d->si, sizeof(buf));
	if (pwrite(s->memfd, buf, sizeof(buf), off) != sizeof(buf))
		log_warn("domain %u: writing start_info", d->domid);
}

static void dom_free(struct sim *s, struct sdom *d)
{
	if (!d)
		return;
	if (s->doms[d->domid] == d) {
		s->doms[d->domid] = NULL;
		s->ndoms--;
	}
	evtchn_fini(d);
	free(d->grants);
	mem_put(s, d->mem);
	free(d);
}

static struct sdom *dom_new(struct sim *s, unsigned domid, unsigned pages,
			    uint32_t max_ports)
{
	struct sdom *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->domid = domid;
	d->serial = ++s->serial;
	d->mem = mem_alloc(s, pages);
	if (!d->mem || evtchn_init(d, max_ports) < 0) {
		dom_free(s, d);
		return NULL;
	}
	s->doms[domid] = d;
	s->ndoms++;
	return d;
}

/* Grant entry gref, growing the table a frame at a time. */
static struct sgrant *grant_entry(struct sdom *d, uint32_t gref, bool grow)
{
	uint32_t n;
	struct sgrant *ng;

	if (gref < d->ngrants)
		return &d->grants[gref];
	if (!grow || gref >= SIM_GRANTS_MAX)
		return NULL;
	n = (gref / GRANT_CHUNK + 1) * GRANT_CHUNK;
	ng = realloc(d->grants, n * sizeof(*ng));
	if (!ng)
		return NULL;
	memset(ng + d->ngrants, 0, (n - d->ngrants) * sizeof(*ng));
	d->grants = ng;
	d->ngrants = n;
	return &d->grants[gref];
}

int sim_gnttab_set(struct sdom *d, uint32_t gref, unsigned flags,
		   unsigned grantee, uint32_t gfn)
{
	struct sgrant *g;

	if (flags & ~(GTF_permit_access | GTF_readonly))
		return -EINVAL;
	if (gref >= SIM_GRANTS_MAX || grantee > SIM_DOMID_MAX)
		return -EINVAL;
	g = grant_entry(d, gref, true);
	if (!g)
		return -ENOMEM;
	/* A mapped entry cannot be ended or changed (GTF_reading). */
	if (g->maps &&
	    (g->flags != flags || g->grantee != grantee || g->gfn != gfn))
		return -EBUSY;
	g->flags = (uint16_t)flags;
	g->grantee = (uint16_t)grantee;
	g->gfn = gfn;
	return 0;
}

int sim_dom0_init(struct sim *s)
{
	struct sdom *d = dom_new(s, 0, SIM_PAGES_MIN, SIM_PORTS_DOM0);
	int p;

	if (!d)
		return -ENOMEM;
	/* Dom0's kernel xenbus ring, served by a store in dom0. */
	p = evtchn_alloc_unbound(s, d, 0, NULL, true);
	if (p < 0)
		return p;
	memcpy(d->si.magic, SIM_START_MAGIC, sizeof(SIM_START_MAGIC));
	d->si.nr_pages = SIM_PAGES_MIN;
	d->si.store_mfn = SIM_GFN_XENSTORE;
	d->si.store_evtchn = (uint32_t)p;
	write_start_info(s, d);
	return 0;
}

/* Lowest free guest domid, or the one asked for. */
static int pick_domid(struct sim *s, unsigned want)
{
	unsigned id;

	if (want) {
		if (want > SIM_DOMID_MAX)
			return -EINVAL;
		return s->doms[want] ? -EEXIST : (int)want;
	}
	for (id = 1; id <= SIM_DOMID_MAX; id++)
		if (!s->doms[id])
			return (int)id;
	return -ENOSPC;
}

/* What xc_dom_boot and libxl__build_pre do for the store and console. */
static int build_guest(struct sim *s, struct sdom *d, unsigned store_be,
		       unsigned console_be)
{
	int sp, cp, rc;

	sp = evtchn_alloc_unbound(s, d, store_be, NULL, true);
	if (sp < 0)
		return sp;
	cp = evtchn_alloc_unbound(s, d, console_be, NULL, true);
	if (cp < 0)
		return cp;
	rc = sim_gnttab_set(d, GNTTAB_RESERVED_CONSOLE, GTF_permit_access,
			    console_be, SIM_GFN_CONSOLE);
	if (rc == 0)
		rc = sim_gnttab_set(d, GNTTAB_RESERVED_XENSTORE,
				    GTF_permit_access, store_be,
				    SIM_GFN_XENSTORE);
	if (rc < 0)
		return rc;
	memcpy(d->si.magic, SIM_START_MAGIC, sizeof(SIM_START_MAGIC));
	d->si.domid = d->domid;
	d->si.nr_pages = d->mem->nr;
	d->si.store_mfn = SIM_GFN_XENSTORE;
	d->si.store_evtchn = (uint32_t)sp;
	d->si.store_domid = store_be;
	d->si.cons_mfn = SIM_GFN_CONSOLE;
	d->si.cons_evtchn = (uint32_t)cp;
	d->si.cons_domid = console_be;
	write_start_info(s, d);
	return 0;
}

int sim_dom_create(struct sim *s, unsigned domid, unsigned pages,
		   unsigned store_be, unsigned console_be, struct sdom **out)
{
	struct sdom *d;
	int id, rc;

	if (!pages)
		pages = SIM_PAGES_DEFAULT;
	if (pages < SIM_PAGES_MIN || pages > SIM_PAGES_MAX ||
	    store_be > SIM_DOMID_MAX || console_be > SIM_DOMID_MAX)
		return -EINVAL;
	id = pick_domid(s, domid);
	if (id < 0)
		return id;
	d = dom_new(s, (unsigned)id, pages, SIM_PORTS_GUEST);
	if (!d)
		return -ENOMEM;
	rc = build_guest(s, d, store_be, console_be);
	if (rc < 0) {
		dom_free(s, d);
		return rc;
	}
	sim_console_printf(s, "d%u: created, %u pages", d->domid, pages);
	*out = d;
	return 0;
}

/* Tell the domain's kernel connection, if any, about its state. */
static void notify_kernel(struct sdom *d, uint32_t what)
{
	if (d->kernel)
		sconn_push_event(d->kernel, d->domid, what);
}

int sim_dom_shutdown(struct sim *s, struct sdom *d, unsigned reason)
{
	if (d->domid == 0 || d->dying)
		return -EINVAL;
	if (reason > SHUTDOWN_soft_reset)
		return -EINVAL;
	if (d->shutdown)
		return 0; /* the first reason stays */
	d->shutdown = true;
	d->reason = reason;
	sim_console_printf(s, "d%u: shut down (%s)", d->domid,
			   reason_name(reason));
	notify_kernel(d, SIM_EVT_SHUTDOWN);
	evtchn_raise_dom_exc(s);
	return 0;
}

int sim_dom_resume(struct sim *s, struct sdom *d)
{
	if (d->domid == 0 || d->dying)
		return -EINVAL;
	if (!d->shutdown)
		return 0;
	d->shutdown = false;
	d->reason = 0;
	notify_kernel(d, SIM_EVT_RESUMED);
	return 0;
}

/* Gone from the domain list: nobody else maps its pages any more. */
static void dom_finish(struct sim *s, struct sdom *d)
{
	log_debug("domain %u: destroyed", d->domid);
	sim_console_printf(s, "d%u: destroyed", d->domid);
	dom_free(s, d);
	evtchn_raise_dom_exc(s);
}

static void map_drop(struct sconn *c, struct smap *m);

/* Drop the mappings a dying domain held of other domains' pages. */
static void release_maps_of(struct sim *s, struct sconn *c, unsigned domid)
{
	uint32_t i;

	for (i = 0; i < c->nmaps; i++) {
		struct smap *m = &c->maps[i];

		/* Its view of its own pages stays until it unmaps them. */
		if (m->mem && m->as == domid && m->dom &&
		    m->dom->domid != domid) {
			map_drop(c, m);
			m->revoked = true; /* the id stays until unmapped */
		}
	}
}

int sim_dom_destroy(struct sim *s, struct sdom *d)
{
	struct sconn *k = d->kernel;

	if (d->domid == 0)
		return -EINVAL;
	if (d->dying)
		return 0;
	d->dying = true;
	sim_console_printf(s, "d%u: dying", d->domid);
	evtchn_close_all(s, d);
	if (k) {
		release_maps_of(s, k, d->domid);
		sim_detach(k, d);
		sconn_push_event(k, d->domid, SIM_EVT_DEAD);
	}
	evtchn_raise_dom_exc(s);
	if (!d->foreign_maps)
		dom_finish(s, d);
	return 0;
}

void sim_dom_fill_info(const struct sdom *d, struct sim_dominfo *out)
{
	memset(out, 0, sizeof(*out));
	out->domid = d->domid;
	if (d->shutdown && !d->dying)
		out->flags |= SIM_DOMINFO_SHUTDOWN;
	if (d->dying)
		out->flags |= SIM_DOMINFO_DYING;
	if (d->kernel)
		out->flags |= SIM_DOMINFO_ATTACHED;
	out->shutdown_reason = d->reason;
	out->nr_pages = d->mem ? d->mem->nr : 0;
	out->foreign_maps = d->foreign_maps;
	out->nr_ports = d->used_ports;
	out->serial = d->serial;
}

void sim_dom_free_all(struct sim *s)
{
	unsigned id;

	if (!s->doms)
		return;
	for (id = 0; id <= SIM_DOMID_MAX; id++)
		dom_free(s, s->doms[id]);
}

/* A free mapping slot of c, or NULL past the limit. */
static struct smap *map_slot(struct sconn *c, uint32_t *id)
{
	struct smap *nm;
	uint32_t i, cap;

	if (c->free_map) {
		i = c->free_map - 1;
		c->free_map = c->maps[i].next_free;
		*id = i + 1;
		return &c->maps[i];
	}
	if (c->nmaps == c->mapcap) {
		if (c->mapcap >= MAPS_PER_CONN)
			return NULL;
		cap = c->mapcap ? c->mapcap * 2 : 16;
		nm = realloc(c->maps, cap * sizeof(*nm));
		if (!nm)
			return NULL;
		c->maps = nm;
		c->mapcap = cap;
	}
	i = c->nmaps++;
	*id = i + 1;
	return &c->maps[i];
}

/* Record a mapping of gfn of d by c acting as as. */
static int map_record(struct sconn *c, unsigned as, struct sdom *d,
		      uint32_t gfn, bool grant, uint32_t gref, uint64_t *id,
		      uint64_t *off)
{
	uint32_t mid;
	struct smap *m = map_slot(c, &mid);

	if (!m)
		return -ENOSPC;
	memset(m, 0, sizeof(*m));
	m->mem = d->mem;
	m->mem->refs++;
	m->as = as;
	m->grant = grant;
	m->gref = gref;
	if (grant || as != d->domid) {
		m->dom = d;
		d->foreign_maps++;
		if (grant)
			d->grants[gref].maps++;
	}
	c->maps_used++;
	*id = mid;
	*off = (uint64_t)d->mem->mfn[gfn] << SIM_PAGE_SHIFT;
	return 0;
}

int sim_map_grant(struct sconn *c, unsigned as, struct sdom *d, uint32_t gref,
		  bool ro, uint64_t *id, uint64_t *off)
{
	struct sgrant *g;

	if (d->dying)
		return -ESRCH; /* GNTST_bad_domain */
	if (gref >= SIM_GRANTS_MAX)
		return -EINVAL; /* GNTST_bad_gntref */
	g = grant_entry(d, gref, false);
	/* GNTST_general_error: not granted, or not to us, or read-only. */
	if (!g || (g->flags & GTF_type_mask) != GTF_permit_access ||
	    g->grantee != as)
		return -EACCES;
	if (!ro && (g->flags & GTF_readonly))
		return -EACCES;
	if (g->gfn >= d->mem->nr)
		return -EFAULT; /* GNTST_bad_page */
	return map_record(c, as, d, g->gfn, true, gref, id, off);
}

int sim_map_gfn(struct sconn *c, unsigned as, struct sdom *d, uint32_t gfn,
		uint64_t *id, uint64_t *off)
{
	if (as != d->domid && as != 0)
		return -EPERM; /* privcmd: only the control domain */
	if (d->dying && as != d->domid)
		return -ESRCH;
	if (gfn >= d->mem->nr)
		return -EINVAL;
	return map_record(c, as, d, gfn, false, 0, id, off);
}

/* Drop what mapping m holds; its slot stays taken. */
static void map_drop(struct sconn *c, struct smap *m)
{
	struct sdom *d = m->dom;

	mem_put(c->sim, m->mem);
	m->mem = NULL;
	m->dom = NULL;
	c->maps_used--;
	if (!d)
		return;
	if (m->grant && m->gref < d->ngrants)
		d->grants[m->gref].maps--;
	if (--d->foreign_maps == 0 && d->dying)
		dom_finish(c->sim, d);
}

int sim_unmap(struct sconn *c, uint32_t id)
{
	struct smap *m;

	if (id == 0 || id > c->nmaps)
		return -EINVAL;
	m = &c->maps[id - 1];
	if (!m->mem && !m->revoked)
		return -EINVAL;
	if (m->mem)
		map_drop(c, m);
	m->revoked = false;
	m->next_free = c->free_map;
	c->free_map = id;
	return 0;
}

void sim_unmap_all(struct sconn *c)
{
	uint32_t i;

	for (i = 0; i < c->nmaps; i++)
		if (c->maps[i].mem)
			map_drop(c, &c->maps[i]);
	free(c->maps);
	c->maps = NULL;
	c->nmaps = c->mapcap = c->free_map = 0;
}

int sim_attach(struct sconn *c, struct sdom *d)
{
	unsigned *nk;

	if (d->dying)
		return -ESRCH;
	if (d->kernel)
		return -EBUSY;
	if (d->domid == 0 && c->dom0)
		return -EINVAL; /* a dom0 handle is not also its kernel */
	if (c->nkdoms == c->kcap) {
		unsigned cap = c->kcap ? c->kcap * 2 : 4;

		nk = realloc(c->kdoms, cap * sizeof(*nk));
		if (!nk)
			return -ENOMEM;
		c->kdoms = nk;
		c->kcap = cap;
	}
	c->kdoms[c->nkdoms++] = d->domid;
	d->kernel = c;
	if (d->shutdown)
		sconn_push_event(c, d->domid, SIM_EVT_SHUTDOWN);
	evtchn_claim(c->sim, d, c);
	return 0;
}

void sim_detach(struct sconn *c, struct sdom *d)
{
	if (d->kernel != c)
		return;
	evtchn_release(d, c);
	d->kernel = NULL;
	sconn_kdom_remove(c, d->domid);
}
