/*
 * hv.h: the one small interface through which the daemon reaches Xen.
 *
 * Two implementations: hv_xen.c on the real Xen libraries (libxenevtchn,
 * libxengnttab, libxenforeignmemory, libxenctrl) and hv_sim.c on the
 * project's Xen simulator (sim/); hv_none.c offers nothing (the socket
 * alone).  Nothing above this table knows which one runs.
 *
 * Event channels follow /dev/xen/evtchn: one pollable fd carries every
 * bound port; when the fd is readable, hv_pending() returns a port that
 * fired, and that port stays masked until hv_unmask().  A notification
 * that arrives while a port is masked is delivered on unmask.
 */
#ifndef HYPERVISOR_HV_H
#define HYPERVISOR_HV_H

#include <stdbool.h>
#include <stdint.h>

#define HV_PAGE_SIZE 4096

/* Reserved grant references (xen/include/public/grant_table.h). */
#define HV_GNTTAB_CONSOLE  0
#define HV_GNTTAB_XENSTORE 1

struct hv_dominfo {
	unsigned domid;
	bool dying;    /* being destroyed: resources may go */
	bool shutdown; /* shut down (or crashed), not yet dying */
	unsigned shutdown_reason;
};

struct hv;

struct hv_ops {
	const char *name;
	/* Open; arg is the implementation's ("sim:PATH" gives PATH). */
	int (*open)(struct hv *h, const char *arg);
	void (*close)(struct hv *h);

	/* Event channels. */
	int (*evtchn_fd)(struct hv *h);
	/* Bind to a domain's unbound port: the local port or -errno. */
	int (*bind_interdomain)(struct hv *h, unsigned domid,
				unsigned remote_port);
	/* Bind VIRQ_DOM_EXC: the local port or -errno. */
	int (*bind_virq_dom_exc)(struct hv *h);
	int (*notify)(struct hv *h, unsigned port);
	/* A port that fired, -EAGAIN when none is waiting, or -errno. */
	int (*pending)(struct hv *h);
	int (*unmask)(struct hv *h, unsigned port);
	int (*unbind)(struct hv *h, unsigned port);

	/* Memory: one page, read-write; NULL with errno set on failure. */
	void *(*map_grant)(struct hv *h, unsigned domid, unsigned gref);
	void *(*map_foreign)(struct hv *h, unsigned domid, uint64_t gfn);
	/* Unmap what map_grant (grant=true) or map_foreign returned. */
	void (*unmap)(struct hv *h, void *page, bool grant);

	/* Domains: one, or all (up to max; returns how many or -errno). */
	int (*domain_info)(struct hv *h, unsigned domid,
			   struct hv_dominfo *info);
	int (*list_domains)(struct hv *h, struct hv_dominfo *out, int max);

	/*
	 * The store domain's own ring (dom0's kernel xenbus): the page and
	 * the port to bind; -ENOENT where there is none.
	 */
	int (*local_ring)(struct hv *h, void **page, unsigned *remote_port);

	/*
	 * The hypervisor's own console ring, for hypervisor.log (both may be
	 * NULL): bind VIRQ_CON_RING (the local port or -errno), and copy up
	 * to *len bytes written since *index, setting *len to the bytes
	 * copied and moving *index on (xc_readconsolering, incremental).
	 */
	int (*bind_virq_con_ring)(struct hv *h);
	int (*read_console_ring)(struct hv *h, char *buf, unsigned *len,
				 uint32_t *index);
};

struct hv {
	const struct hv_ops *ops;
	void *priv;
};

extern const struct hv_ops hv_xen_ops;
extern const struct hv_ops hv_sim_ops;
extern const struct hv_ops hv_none_ops;

/*
 * Open the hypervisor named by spec: "xen", "sim:PATH" or "none"; NULL
 * picks "xen" when /dev/xen/evtchn exists, else "none".  Returns 0 or
 * -errno; on success h is ready to use.
 */
int hv_open(struct hv *h, const char *spec);
void hv_close(struct hv *h);

#endif
