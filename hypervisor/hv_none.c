/*
 * hv_none.c: no hypervisor at all.  Opening succeeds, so the daemon can
 * serve its socket alone; every operation then fails with ENOSYS.
 *
 * Built with HV_SIM_FALLBACK (when hv_sim.c or the simulator client is
 * not in the tree), this file also defines hv_sim_ops, whose open fails.
 */
#include <errno.h>
#include <stddef.h>

#include "hypervisor/hv.h"

static int none_open(struct hv *h, const char *arg)
{
	h->priv = NULL;
	return 0;
}

static void none_close(struct hv *h)
{
}

static int none_evtchn_fd(struct hv *h)
{
	return -1;
}

static int none_bind_interdomain(struct hv *h, unsigned domid,
				 unsigned remote_port)
{
	return -ENOSYS;
}

static int none_bind_virq_dom_exc(struct hv *h)
{
	return -ENOSYS;
}

/* notify, unmask and unbind: one port in, nothing done. */
static int none_port_op(struct hv *h, unsigned port)
{
	return -ENOSYS;
}

static int none_pending(struct hv *h)
{
	return -ENOSYS;
}

static void *none_map_grant(struct hv *h, unsigned domid, unsigned gref)
{
	errno = ENOSYS;
	return NULL;
}

static void *none_map_foreign(struct hv *h, unsigned domid, uint64_t gfn)
{
	errno = ENOSYS;
	return NULL;
}

static void none_unmap(struct hv *h, void *page, bool grant)
{
}

static int none_domain_info(struct hv *h, unsigned domid,
			    struct hv_dominfo *info)
{
	return -ENOSYS;
}

static int none_list_domains(struct hv *h, struct hv_dominfo *out, int max)
{
	return -ENOSYS;
}

static int none_local_ring(struct hv *h, void **page, unsigned *remote_port)
{
	if (page)
		*page = NULL;
	return -ENOSYS;
}

const struct hv_ops hv_none_ops = {
	.name = "none",
	.open = none_open,
	.close = none_close,
	.evtchn_fd = none_evtchn_fd,
	.bind_interdomain = none_bind_interdomain,
	.bind_virq_dom_exc = none_bind_virq_dom_exc,
	.notify = none_port_op,
	.pending = none_pending,
	.unmask = none_port_op,
	.unbind = none_port_op,
	.map_grant = none_map_grant,
	.map_foreign = none_map_foreign,
	.unmap = none_unmap,
	.domain_info = none_domain_info,
	.list_domains = none_list_domains,
	.local_ring = none_local_ring,
};
