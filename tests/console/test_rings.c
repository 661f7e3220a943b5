/*
 * test_rings.c: guests' XenStore rings in daemon/domains.c, through the
 * fake hypervisor and without clocks.  The test plays the guests between
 * single passes of the event loop (EVLOOP_ONCE | EVLOOP_NONBLOCK): one guest
 * keeps its request ring full (refilled whenever the daemon notifies it,
 * as a guest on its own vcpu would), another sends one request.  Checked: the
 * quiet guest is answered within two passes while the flood goes on (a pass
 * never serves more than one turn); every pass serves the flooder too;
 * the flooder's port stays masked while its ring has work, so its
 * notifications are not delivered one by one; when it runs dry its port
 * is unmasked and a notification meanwhile is delivered.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <xen/io/xs_wire.h>

#include "backends/store/domain_ops.h"
#include "backends/store/store.h"
#include "daemon/domains.h"
#include "hypervisor/hv.h"
#include "protocol/ring.h"
#include "tests/console/fakehv.h"
#include "tests/unit/check.h"

CHECK_MAIN_DEFS;

#define REQ_LEN     (sizeof(struct xsd_sockmsg) + 5) /* READ "name" */
#define FLOOD_TOTAL 3000 /* requests the flooder sends in all */

struct guest {
	struct fakehv *fh;
	unsigned domid, rport;
	struct xenstore_domain_interface *intf;
	unsigned long sent, answered, budget;
	char rx[XENSTORE_RING_SIZE * 2];
	size_t rxlen;
};

static void guest_init(struct guest *g, struct fakehv *fh, unsigned domid,
		       unsigned long budget)
{
	memset(g, 0, sizeof(*g));
	g->fh = fh;
	g->domid = domid;
	fakehv_add_domain(fh, domid);
	g->intf = fakehv_xenstore_page(fh, domid);
	g->rport = fakehv_alloc_port(fh, domid);
	g->budget = budget;
}

/* Queue as many requests as fit (up to the budget); notify if any. */
static void guest_send(struct guest *g)
{
	struct ring_dir d;
	bool any = false;

	ring_xs_req(g->intf, &d);
	while (g->budget > 0) {
		struct xsd_sockmsg h = {XS_READ, (uint32_t)g->sent + 1, 0, 5};
		char msg[REQ_LEN];
		uint32_t used = g->intf->req_prod - g->intf->req_cons;

		if (XENSTORE_RING_SIZE - used < REQ_LEN)
			break;
		memcpy(msg, &h, sizeof(h));
		memcpy(msg + sizeof(h), "name", 5);
		if (ring_put(&d, msg, REQ_LEN) != (ssize_t)REQ_LEN)
			break;
		g->sent++;
		g->budget--;
		any = true;
	}
	if (any)
		fakehv_guest_notify(g->fh, g->domid, g->rport);
}

/* Take every reply there is; notify if the ring moved. */
static void guest_recv(struct guest *g)
{
	struct ring_dir d;
	ssize_t n;
	size_t pos = 0;

	ring_xs_rsp(g->intf, &d);
	n = ring_take(&d, g->rx + g->rxlen, sizeof(g->rx) - g->rxlen);
	if (n <= 0)
		return;
	g->rxlen += (size_t)n;
	fakehv_guest_notify(g->fh, g->domid, g->rport);
	for (;;) {
		struct xsd_sockmsg h;

		if (g->rxlen - pos < sizeof(h))
			break;
		memcpy(&h, g->rx + pos, sizeof(h));
		if (g->rxlen - pos < sizeof(h) + h.len)
			break;
		pos += sizeof(h) + h.len;
		g->answered++;
	}
	memmove(g->rx, g->rx + pos, g->rxlen - pos);
	g->rxlen -= pos;
}

/*
 * The flooder has a vcpu of its own: whenever the daemon notifies it, it
 * takes its replies and fills its ring again at once, while the daemon
 * is still in its turn.
 */
static void flooder_kick(void *arg, unsigned domid, unsigned rport)
{
	struct guest *f = arg;
	static bool inside;

	if (domid != f->domid || inside)
		return;
	inside = true;
	guest_recv(f);
	guest_send(f);
	inside = false;
}

/* One pass of the loop, then the guests look at their rings. */
static void pass(struct event_base *base, struct guest *f, struct guest *q)
{
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	guest_recv(f);
	guest_recv(q);
	guest_send(f);
}

static void test_quiet_beside_flood(void)
{
	struct event_base *base = event_base_new();
	struct store_config cfg;
	struct store *st;
	struct fakehv *fh = fakehv_new();
	struct hv hv;
	struct domains *ds;
	struct guest f, q;
	unsigned long before, f_before, deliveries;
	int i, passes;

	store_config_defaults(&cfg);
	st = store_new(&cfg, NULL);
	fakehv_attach(fh, &hv);
	ds = domains_new(base, st, &hv);
	CHECK(ds != NULL);
	if (!ds)
		exit(1);
	guest_init(&f, fh, 1, FLOOD_TOTAL);
	guest_init(&q, fh, 2, 1);
	CHECK_INT(domain_introduce(st, 1, FAKEHV_XENSTORE_GFN, f.rport), 0);
	CHECK_INT(domain_introduce(st, 2, FAKEHV_XENSTORE_GFN, q.rport), 0);
	CHECK_INT(fakehv_mapped_by_grant(fh, 1), -1); /* console: not ours */
	CHECK_INT((int)domains_count(ds), 2);

	/* The flood gets going: its ring stays full pass after pass. */
	fakehv_set_kick_cb(fh, flooder_kick, &f);
	guest_send(&f);
	for (i = 0; i < 10; i++) {
		before = f.answered;
		pass(base, &f, &q);
		CHECK(f.answered > before);
	}
	CHECK(f.sent - f.answered > 20); /* still a full ring waiting */
	/* Busy: notified dozens of times, delivered only a few. */
	deliveries = fakehv_deliveries(fh, 1, f.rport);
	printf("flood: %lu requests sent, %lu answered, port delivered %lu "
	       "times\n",
	       f.sent, f.answered, deliveries);
	CHECK(deliveries <= 3);

	/* The quiet guest asks once: answered within two passes. */
	f_before = f.answered;
	guest_send(&q);
	for (passes = 0; passes < 50 && q.answered == 0; passes++)
		pass(base, &f, &q);
	printf("quiet: answered after %d passes; the flooder got %lu "
	       "replies meanwhile\n",
	       passes, f.answered - f_before);
	CHECK_INT((int)q.answered, 1);
	CHECK(passes <= 2);
	CHECK(f.answered - f_before <= 64); /* no more than two turns */
	CHECK(f.answered < f.sent);         /* it did not wait for the flood */

	/* The flood runs out; every request is answered. */
	for (i = 0; i < 1000 && f.answered < FLOOD_TOTAL; i++)
		pass(base, &f, &q);
	CHECK_INT((int)f.answered, FLOOD_TOTAL);
	/* Dry now, so unmasked: a new request is delivered at once. */
	for (i = 0; i < 3; i++)
		pass(base, &f, &q);
	deliveries = fakehv_deliveries(fh, 1, f.rport);
	f.budget = 1;
	guest_send(&f);
	pass(base, &f, &q);
	CHECK_INT((int)fakehv_deliveries(fh, 1, f.rport), (int)deliveries + 1);
	CHECK_INT((int)f.answered, FLOOD_TOTAL + 1);

	domains_free(ds);
	CHECK_INT(fakehv_maps(fh), 0);
	CHECK_INT(fakehv_binds(fh), 0);
	store_free(st);
	fakehv_free(fh);
	event_base_free(base);
}

int main(void)
{
	RUN(test_quiet_beside_flood);
	return CHECK_DONE();
}
