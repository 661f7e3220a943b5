/*
 * hv_sim.c: the hypervisor interface on the Xen simulator (see hv.h and
 * sim/simclient.h).  open() takes the simulator's socket path.
 *
 * The handle is a dom0 client of xensim, like a /dev/xen/evtchn handle
 * plus gntdev and privcmd: it binds ports, maps grants and gfns, and asks
 * for domain info.  As with Linux's evtchn device, a handle may notify and
 * unbind only the ports it bound (ENOTCONN otherwise) and an unmask of
 * another port does nothing; notify and unmask are posted to the
 * simulator without waiting for it.  The hypervisor console ring
 * (VIRQ_CON_RING, xc_readconsolering) holds the simulator's own messages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/hv.h"
#include "lib/log.h"
#include "sim/simclient.h"

#define VIRQ_DOM_EXC_NR  3 /* xen/include/public/xen.h */
#define VIRQ_CON_RING_NR 8
#define LIST_CHUNK       SIM_LIST_MAX

struct hv_simh {
	struct simclient *sc;
	uint8_t *bound; /* bitmap: ports bound through this handle */
	size_t nbits;
	void *local_page;
	unsigned local_port;
};

static struct hv_simh *sim_of(struct hv *h)
{
	return h->priv;
}

static bool port_bound(const struct hv_simh *s, unsigned port)
{
	return port < s->nbits && (s->bound[port / 8] & (1u << (port % 8)));
}

/* Remember a port we bound; -ENOMEM leaves the bitmap as it was. */
static int port_mark(struct hv_simh *s, unsigned port, bool on)
{
	if (port >= s->nbits) {
		size_t nbits = (port / 64 + 1) * 128;
		uint8_t *nb;

		if (!on)
			return 0;
		nb = realloc(s->bound, nbits / 8);
		if (!nb)
			return -ENOMEM;
		memset(nb + s->nbits / 8, 0, (nbits - s->nbits) / 8);
		s->bound = nb;
		s->nbits = nbits;
	}
	if (on)
		s->bound[port / 8] |= (uint8_t)(1u << (port % 8));
	else
		s->bound[port / 8] &= (uint8_t) ~(1u << (port % 8));
	return 0;
}

static void sim_close(struct hv *h)
{
	struct hv_simh *s = sim_of(h);

	if (!s)
		return;
	simclient_close(s->sc); /* unmaps whatever is still mapped */
	free(s->bound);
	free(s);
	h->priv = NULL;
}

static int sim_open(struct hv *h, const char *arg)
{
	struct hv_simh *s;
	int rc;

	if (!arg || !*arg)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	rc = simclient_open(arg, SIMCLIENT_DOM0, &s->sc);
	if (rc < 0) {
		free(s);
		return rc;
	}
	h->priv = s;
	return 0;
}

static int sim_evtchn_fd(struct hv *h)
{
	return simclient_event_fd(sim_of(h)->sc);
}

/* Record a freshly bound port, or undo the binding. */
static int sim_bound(struct hv_simh *s, int port)
{
	if (port < 0)
		return port;
	if (port_mark(s, (unsigned)port, true) < 0) {
		simclient_close_port(s->sc, 0, (unsigned)port);
		return -ENOMEM;
	}
	return port;
}

static int sim_bind_interdomain(struct hv *h, unsigned domid,
				unsigned remote_port)
{
	struct hv_simh *s = sim_of(h);

	if (domid > SIM_DOMID_MAX)
		return -EINVAL;
	return sim_bound(
		s, simclient_bind_interdomain(s->sc, 0, domid, remote_port));
}

static int sim_bind_virq_dom_exc(struct hv *h)
{
	struct hv_simh *s = sim_of(h);

	return sim_bound(s, simclient_bind_virq(s->sc, 0, VIRQ_DOM_EXC_NR));
}

static int sim_notify(struct hv *h, unsigned port)
{
	struct hv_simh *s = sim_of(h);

	if (!port_bound(s, port))
		return -ENOTCONN;
	return simclient_notify(s->sc, 0, port);
}

static int sim_pending(struct hv *h)
{
	struct sim_event ev;
	int rc;

	for (;;) {
		rc = simclient_next_event(sim_of(h)->sc, &ev);
		if (rc <= 0)
			return rc == 0 ? -EAGAIN : rc;
		if (ev.dom == 0 && ev.port <= (unsigned)INT32_MAX)
			return (int)ev.port;
		/* Notices are for guest kernels; a dom0 handle gets none. */
	}
}

static int sim_unmask(struct hv *h, unsigned port)
{
	struct hv_simh *s = sim_of(h);

	if (!port_bound(s, port))
		return 0; /* the evtchn device ignores such a write */
	return simclient_unmask(s->sc, 0, port);
}

static int sim_unbind(struct hv *h, unsigned port)
{
	struct hv_simh *s = sim_of(h);
	int rc;

	if (!port_bound(s, port))
		return -ENOTCONN;
	rc = simclient_close_port(s->sc, 0, port);
	port_mark(s, port, false);
	return rc;
}

static void *sim_map_grant(struct hv *h, unsigned domid, unsigned gref)
{
	return simclient_map_grant(sim_of(h)->sc, 0, domid, gref, 0);
}

static void *sim_map_foreign(struct hv *h, unsigned domid, uint64_t gfn)
{
	return simclient_map_gfn(sim_of(h)->sc, 0, domid, gfn);
}

static void sim_unmap(struct hv *h, void *page, bool grant)
{
	int saved = errno, rc;

	rc = page ? simclient_unmap(sim_of(h)->sc, page) : 0;
	if (rc == -EINVAL)
		log_warnx("sim: unmap of %p: not mapped here", page);
	else if (rc < 0) /* our side is gone anyway; the simulator may be */
		log_debug("sim: unmap of %p: %s", page, strerror(-rc));
	errno = saved;
}

static void fill_info(struct hv_dominfo *out, const struct sim_dominfo *in)
{
	out->domid = in->domid;
	out->dying = (in->flags & SIM_DOMINFO_DYING) != 0;
	out->shutdown = (in->flags & SIM_DOMINFO_SHUTDOWN) != 0;
	out->shutdown_reason = out->shutdown ? in->shutdown_reason : 0;
}

static int sim_domain_info(struct hv *h, unsigned domid,
			   struct hv_dominfo *info)
{
	struct sim_dominfo di;
	int rc;

	if (domid > SIM_DOMID_MAX)
		return -ENOENT;
	rc = simclient_domain_info(sim_of(h)->sc, domid, &di);
	if (rc == -ESRCH)
		return -ENOENT;
	if (rc < 0)
		return rc;
	fill_info(info, &di);
	return 0;
}

static int sim_list_domains(struct hv *h, struct hv_dominfo *out, int max)
{
	struct sim_dominfo chunk[LIST_CHUNK];
	unsigned first = 0;
	int count = 0;

	if (max < 0 || (max > 0 && !out))
		return -EINVAL;
	while (count < max) {
		unsigned want = (unsigned)(max - count) < LIST_CHUNK
					? (unsigned)(max - count)
					: LIST_CHUNK;
		int n = simclient_domain_list(sim_of(h)->sc, first, chunk,
					      want);

		if (n < 0)
			return n;
		for (int i = 0; i < n; i++)
			fill_info(&out[count++], &chunk[i]);
		if ((unsigned)n < want)
			break;
		first = chunk[n - 1].domid + 1;
	}
	return count;
}

static int sim_local_ring(struct hv *h, void **page, unsigned *remote_port)
{
	struct hv_simh *s = sim_of(h);
	struct sim_start_info si;
	int rc;

	if (!s->local_page) {
		rc = simclient_start_info(s->sc, 0, 0, &si);
		if (rc < 0)
			return rc;
		if (!si.store_evtchn)
			return -ENOENT;
		s->local_page = simclient_map_gfn(s->sc, 0, 0, si.store_mfn);
		if (!s->local_page)
			return -errno;
		s->local_port = si.store_evtchn;
	}
	*page = s->local_page;
	*remote_port = s->local_port;
	return 0;
}

static int sim_bind_virq_con_ring(struct hv *h)
{
	struct hv_simh *s = sim_of(h);

	return sim_bound(s, simclient_bind_virq(s->sc, 0, VIRQ_CON_RING_NR));
}

static int sim_read_console_ring(struct hv *h, char *buf, unsigned *len,
				 uint32_t *index)
{
	return simclient_console_read(sim_of(h)->sc, buf, len, index);
}

const struct hv_ops hv_sim_ops = {
	.name = "sim",
	.open = sim_open,
	.close = sim_close,
	.evtchn_fd = sim_evtchn_fd,
	.bind_interdomain = sim_bind_interdomain,
	.bind_virq_dom_exc = sim_bind_virq_dom_exc,
	.notify = sim_notify,
	.pending = sim_pending,
	.unmask = sim_unmask,
	.unbind = sim_unbind,
	.map_grant = sim_map_grant,
	.map_foreign = sim_map_foreign,
	.unmap = sim_unmap,
	.domain_info = sim_domain_info,
	.list_domains = sim_list_domains,
	.local_ring = sim_local_ring,
	.bind_virq_con_ring = sim_bind_virq_con_ring,
	.read_console_ring = sim_read_console_ring,
};
