/*
 * simd.h: the Xen simulator's inside (xensim.c, sim_dom.c, sim_evtchn.c).
 *
 * Machine memory is one memfd; a domain's pages are machine frames
 * listed in its p2m (struct smem), kept until the last mapping of them
 * goes.  Each domain has an event channel table (struct sport) and a grant
 * table (struct sgrant).  A client connection (struct sconn) owns the
 * ports it bound, like a /dev/xen/evtchn handle, and may be the "kernel"
 * of guest domains it attached to: it then receives their ports' events.
 */
#ifndef SIM_SIMD_H
#define SIM_SIMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/simproto.h"

struct event_base;
struct event;
struct sconn;

/* A port.  rdom: remote domid (unbound, interdomain) or the virq. */
struct sport {
	uint8_t state;    /* SIM_ECS_* */
	bool pending : 1; /* raised, not yet delivered */
	bool masked : 1;  /* delivered, awaiting unmask (user ports) */
	bool inq : 1;     /* a record for it waits in owner's queue */
	bool kport : 1;   /* the domain kernel's: survives detach */
	uint16_t rdom;
	uint32_t rport;
	struct sconn *owner; /* who receives it; NULL: nobody yet */
};

struct sgrant {
	uint16_t flags; /* GTF_permit_access, GTF_readonly */
	uint16_t grantee;
	uint32_t gfn;
	uint32_t maps; /* live mappings through this entry */
};

/* A domain's memory: gfn i is machine frame mfn[i]. */
struct smem {
	uint32_t refs; /* the domain itself + every mapping */
	uint32_t nr;
	uint32_t mfn[];
};

struct sdom {
	unsigned domid;
	uint64_t serial;
	bool shutdown;
	bool dying;
	unsigned reason;
	struct smem *mem;
	struct sport *ports;
	uint32_t nports;    /* allocated slots */
	uint32_t max_ports; /* limit */
	uint32_t used_ports;
	uint32_t free_hint;          /* no free port below this one */
	uint32_t virq[SIM_NR_VIRQS]; /* bound port per virq, 0: none */
	struct sgrant *grants;
	uint32_t ngrants;      /* allocated entries */
	uint32_t foreign_maps; /* mappings by other domains: keep it dying */
	struct sconn *kernel;
	struct sim_start_info si;
};

/* One mapping a connection holds. */
struct smap {
	struct smem *mem; /* NULL: free slot */
	struct sdom *dom; /* held target (foreign or grant map), or NULL */
	unsigned as;      /* the domain that mapped */
	uint32_t gref;    /* grant maps */
	bool grant;
	bool revoked; /* dropped when its domain died; id still taken */
	uint32_t next_free;
};

/* A queued reply. */
struct outmsg {
	struct outmsg *next;
	size_t len;
	char data[];
};

struct sconn {
	struct sim *sim;
	struct sconn *next, *prev;
	int fd;   /* control: SOCK_SEQPACKET */
	int evfd; /* our end of the event stream */
	struct event *ev_rd, *ev_wr, *ev_evwr;
	unsigned id;
	bool hello;
	bool dom0; /* a handle in domain 0 */
	bool dead; /* closing: freed by the reaper */
	bool reading;
	unsigned *kdoms; /* domains whose kernel this is */
	unsigned nkdoms, kcap;
	struct smap *maps;
	uint32_t nmaps, mapcap, free_map, maps_used;
	struct outmsg *oq_head, *oq_tail;
	/* Event records not yet checked and written, then bytes being sent. */
	struct sim_event *evq;
	size_t evq_head, evq_len, evq_cap;
	char *pend;
	size_t pend_len, pend_off;
	bool dirty; /* on the flush list */
	struct sconn *dirty_next;
	uint32_t ports_owned;
};

struct sim {
	struct event_base *base;
	int memfd;
	uint32_t max_frames;
	uint32_t next_frame; /* never used yet from here on */
	uint32_t *free_frames;
	uint32_t nfree;
	struct sdom **doms; /* indexed by domid */
	unsigned ndoms;
	uint64_t serial;
	struct sconn *conns;
	unsigned nconns, max_conns, next_conn_id;
	struct event *ev_reap;  /* frees dead connections */
	struct event *ev_flush; /* writes queued event records */
	struct event *ev_accept, *ev_backoff;
	struct sconn *dirty;
	struct sconn *reap; /* closed, to free */
	int listen_fd;
	/* The hypervisor console: bytes [con_cons, con_prod) are kept. */
	char conring[SIM_CONRING_SIZE];
	uint32_t con_prod, con_cons;
};

/* sim_dom.c: memory, domains, grants, mappings. */
int sim_mem_init(struct sim *s, uint32_t max_frames);
void sim_mem_fini(struct sim *s);
struct sdom *sim_dom_get(struct sim *s, unsigned domid);
int sim_dom0_init(struct sim *s);
int sim_dom_create(struct sim *s, unsigned domid, unsigned pages,
		   unsigned store_be, unsigned console_be, struct sdom **out);
int sim_dom_shutdown(struct sim *s, struct sdom *d, unsigned reason);
int sim_dom_resume(struct sim *s, struct sdom *d);
int sim_dom_destroy(struct sim *s, struct sdom *d);
void sim_dom_fill_info(const struct sdom *d, struct sim_dominfo *out);
void sim_dom_free_all(struct sim *s);
int sim_gnttab_set(struct sdom *d, uint32_t gref, unsigned flags,
		   unsigned grantee, uint32_t gfn);
int sim_map_grant(struct sconn *c, unsigned as, struct sdom *d, uint32_t gref,
		  bool ro, uint64_t *id, uint64_t *off);
int sim_map_gfn(struct sconn *c, unsigned as, struct sdom *d, uint32_t gfn,
		uint64_t *id, uint64_t *off);
int sim_unmap(struct sconn *c, uint32_t id);
void sim_unmap_all(struct sconn *c);
int sim_attach(struct sconn *c, struct sdom *d);
void sim_detach(struct sconn *c, struct sdom *d);

/* Print on the hypervisor console (raises VIRQ_CON_RING in dom0). */
void sim_console_printf(struct sim *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* xc_readconsolering, incremental: up to max bytes from *index on. */
uint32_t sim_console_read(struct sim *s, uint32_t *index, char *buf,
			  uint32_t max);

/* sim_evtchn.c: event channels. */
int evtchn_init(struct sdom *d, uint32_t max_ports);
void evtchn_fini(struct sdom *d);
struct sport *evtchn_port(struct sdom *d, uint32_t port);
int evtchn_alloc_unbound(struct sim *s, struct sdom *d, unsigned remote,
			 struct sconn *owner, bool kport);
int evtchn_bind_interdomain(struct sim *s, struct sdom *ld, unsigned rdom,
			    uint32_t rport, struct sconn *owner, bool kport);
int evtchn_bind_virq(struct sim *s, struct sdom *d, unsigned virq,
		     struct sconn *owner, bool kport);
int evtchn_send(struct sim *s, struct sdom *d, uint32_t port);
void evtchn_unmask(struct sim *s, struct sdom *d, uint32_t port);
int evtchn_close(struct sim *s, struct sdom *d, uint32_t port);
void evtchn_close_all(struct sim *s, struct sdom *d);
void evtchn_raise(struct sim *s, struct sdom *d, uint32_t port);
void evtchn_raise_dom_exc(struct sim *s);
void evtchn_claim(struct sim *s, struct sdom *d, struct sconn *c);
void evtchn_release(struct sdom *d, struct sconn *c);
void evtchn_close_owned(struct sim *s, struct sdom *d, struct sconn *c);

/* xensim.c: the event stream of a connection. */
void sconn_push_event(struct sconn *c, unsigned dom, uint32_t port);
bool sconn_is_kernel_of(const struct sconn *c, unsigned domid);
void sconn_kdom_remove(struct sconn *c, unsigned domid);

#endif
