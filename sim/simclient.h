/*
 * simclient.h: a client of the Xen simulator (xensim; see simproto.h).
 *
 * One simclient is one connection: a handle in domain 0 (the daemon, the
 * toolstack), or the kernel of guest domains it attaches to, or both.
 * Each call names the domain it acts as ("as"): 0 for a dom0 handle, or an
 * attached domain.  Calls wait for the simulator's answer and return 0 (or
 * a port, or a count) or -errno, except notify and unmask, which are
 * posted without waiting, as writes to /dev/xen/evtchn are.
 *
 * Events arrive on simclient_event_fd(), a non-blocking socket to poll:
 * when it is readable, simclient_next_event() returns the ports that fired
 * one by one.  A dom0 handle's port stays masked after it fired until it
 * is unmasked; a notification meanwhile is delivered at the unmask.
 * Records xensim queued before answering a call are written before the
 * answer, so they are on the stream when the call returns (unless the
 * stream was full).
 *
 * Not thread-safe: one thread per simclient.
 */
#ifndef SIM_SIMCLIENT_H
#define SIM_SIMCLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/simproto.h"

struct simclient;

#define SIMCLIENT_DOM0 1u /* open a handle in domain 0 */

/* Connect to the simulator listening at path. */
int simclient_open(const char *path, unsigned flags, struct simclient **out);
void simclient_close(struct simclient *c);

/* The event stream: poll it, then take records until none is left. */
int simclient_event_fd(const struct simclient *c);
/*
 * 1 with *ev filled, 0 when none waits, or -errno.  -EPIPE: xensim is gone;
 * the fd then stays quiet (it is replaced by one that never fires), so a
 * poll loop does not spin on the EOF.
 */
int simclient_next_event(struct simclient *c, struct sim_event *ev);
/* Up to max records at once: how many, or -errno. */
int simclient_read_events(struct simclient *c, struct sim_event *ev, int max);

/* Become (or stop being) the kernel of domid; si gets its start_info. */
int simclient_attach(struct simclient *c, unsigned domid,
		     struct sim_start_info *si);
int simclient_detach(struct simclient *c, unsigned domid);

/*
 * Event channels.  alloc_unbound makes a port in dom (SIM_DOMID_SELF or
 * as; another domain only for dom0, as a domain builder does) that remote
 * may bind.  Each returns the port or -errno.
 */
int simclient_alloc_unbound(struct simclient *c, unsigned as, unsigned dom,
			    unsigned remote);
int simclient_bind_interdomain(struct simclient *c, unsigned as, unsigned rdom,
			       unsigned rport);
int simclient_bind_virq(struct simclient *c, unsigned as, unsigned virq);
int simclient_notify(struct simclient *c, unsigned as, unsigned port);
int simclient_unmask(struct simclient *c, unsigned as, unsigned port);
int simclient_close_port(struct simclient *c, unsigned as, unsigned port);

struct simclient_port_status {
	unsigned state;      /* SIM_ECS_* */
	unsigned remote_dom; /* or the virq */
	unsigned remote_port;
	unsigned bits; /* SIM_PORT_* */
};
int simclient_port_status(struct simclient *c, unsigned as, unsigned dom,
			  unsigned port, struct simclient_port_status *st);

/*
 * Grant tables: set entry gref of dom (SIM_DOMID_SELF, or any domain for
 * dom0) to give grantee access to gfn; flags 0 ends the grant.
 */
int simclient_grant(struct simclient *c, unsigned as, unsigned dom,
		    unsigned gref, unsigned flags, unsigned grantee,
		    uint32_t gfn);

/* Map one page; NULL with errno set on failure.  Unmap with unmap. */
void *simclient_map_grant(struct simclient *c, unsigned as, unsigned dom,
			  unsigned gref, unsigned flags);
void *simclient_map_gfn(struct simclient *c, unsigned as, unsigned dom,
			uint64_t gfn);
int simclient_unmap(struct simclient *c, void *page);

/* Domains (dom0 only, but a guest may shut itself down). */
struct simclient_create {
	unsigned domid;    /* 0: the lowest free one */
	unsigned pages;    /* 0: SIM_PAGES_DEFAULT */
	unsigned store_be; /* the backends' domains, normally 0 */
	unsigned console_be;
};
int simclient_domain_create(struct simclient *c,
			    const struct simclient_create *how,
			    struct sim_start_info *si);
int simclient_domain_shutdown(struct simclient *c, unsigned as, unsigned domid,
			      unsigned reason);
int simclient_domain_resume(struct simclient *c, unsigned domid);
int simclient_domain_destroy(struct simclient *c, unsigned domid);
/* One domain: 0, or -ESRCH when there is none with that id. */
int simclient_domain_info(struct simclient *c, unsigned domid,
			  struct sim_dominfo *info);
/* Domains with ids from first on, in order: how many, or -errno. */
int simclient_domain_list(struct simclient *c, unsigned first,
			  struct sim_dominfo *out, unsigned max);
int simclient_start_info(struct simclient *c, unsigned as, unsigned domid,
			 struct sim_start_info *si);

/*
 * The hypervisor console, as xc_readconsolering(incremental): up to *len
 * bytes from *index on (or from the oldest kept, if *index fell off the
 * ring); sets *len to the bytes copied and moves *index past them.
 */
int simclient_console_read(struct simclient *c, char *buf, unsigned *len,
			   uint32_t *index);

#endif
