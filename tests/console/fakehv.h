/*
 * fakehv.h: a hypervisor for the console and guest-ring tests, behind
 * the real hv ops table.  Guest pages come from malloc; the backend's event
 * channels are an eventfd plus a queue of fired ports, with /dev/xen/evtchn's
 * rules: a port handed out by pending() stays masked until unmask(), and a
 * notification that comes while it is masked is delivered on unmask.
 * The test plays the guests: it writes their rings and notifies.
 */
#ifndef TESTS_CONSOLE_FAKEHV_H
#define TESTS_CONSOLE_FAKEHV_H

#include <stdbool.h>
#include <stdint.h>

#include "hypervisor/hv.h"

#define FAKEHV_CONSOLE_GFN  2 /* the frame numbers the builder would use */
#define FAKEHV_XENSTORE_GFN 3

struct fakehv;

/* Called when the backend notifies a guest's port. */
typedef void fakehv_kick_fn(void *arg, unsigned domid, unsigned rport);

struct fakehv *fakehv_new(void);
void fakehv_free(struct fakehv *f);
/* Point h at the fake (ops and priv). */
void fakehv_attach(struct fakehv *f, struct hv *h);

/* A running domain with a zeroed console page (grant 0 and the frame
 * FAKEHV_CONSOLE_GFN) and XenStore page (grant 1, FAKEHV_XENSTORE_GFN);
 * dom0 exists from the start.  Returns the console page. */
void *fakehv_add_domain(struct fakehv *f, unsigned domid);
void *fakehv_xenstore_page(struct fakehv *f, unsigned domid);
/* Refuse grant maps of this domain (the frame fallback must be used). */
void fakehv_no_grant(struct fakehv *f, unsigned domid);
void fakehv_set_state(struct fakehv *f, unsigned domid, bool shutdown,
		      bool dying);
/* The domain is gone from the hypervisor's list (its page stays). */
void fakehv_remove_domain(struct fakehv *f, unsigned domid);

/* A guest's unbound port for the backend to bind: its number. */
unsigned fakehv_alloc_port(struct fakehv *f, unsigned domid);
/* The guest notifies its port rport. */
void fakehv_guest_notify(struct fakehv *f, unsigned domid, unsigned rport);
/* Notifications the backend sent to that guest port. */
unsigned long fakehv_kicks(struct fakehv *f, unsigned domid, unsigned rport);
void fakehv_set_kick_cb(struct fakehv *f, fakehv_kick_fn *fn, void *arg);
/* A local port not bound to any guest (a VIRQ), and firing it. */
int fakehv_bind_local(struct fakehv *f);
void fakehv_fire_local(struct fakehv *f, int port);
/* How many times pending() handed out a port bound to this guest port. */
unsigned long fakehv_deliveries(struct fakehv *f, unsigned domid,
				unsigned rport);

/* Live mappings and bindings, for leak checks. */
int fakehv_maps(const struct fakehv *f);
int fakehv_binds(const struct fakehv *f);
/* Was the domain's page mapped through the grant (1), frame (0), not (-1)? */
int fakehv_mapped_by_grant(const struct fakehv *f, unsigned domid);

#endif
