/*
 * domains.h: guests' XenStore rings.  INTRODUCE maps a domain's ring page
 * (grant 1, else the frame number), binds its event channel and makes a
 * store connection over the ring; the hypervisor's VIRQ_DOM_EXC tells us
 * when domains shut down or die.
 *
 * Only rings whose event channel fired are serviced (plus a slow safety
 * scan), each for a bounded number of requests per turn of the loop, so
 * the cost of an event does not grow with the number of domains and one
 * busy guest cannot starve the others.
 */
#ifndef DAEMON_DOMAINS_H
#define DAEMON_DOMAINS_H

#include <event2/event.h>

struct store;
struct hv;
struct domains;

/* Serve guests through hv; hooks itself into the store's INTRODUCE. */
struct domains *domains_new(struct event_base *base, struct store *st,
			    struct hv *hv);
/* Drop every ring connection, unmap, unbind. */
void domains_free(struct domains *ds);
/* Connect the store domain's own ring (dom0's kernel), if there is one. */
int domains_local_ring(struct domains *ds, unsigned domid);
size_t domains_count(const struct domains *ds);

#endif
