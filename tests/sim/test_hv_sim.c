/*
 * test_hv_sim.c: hypervisor/hv_sim.c, the daemon's view of the simulator,
 * through the hv.h ops table only.
 *
 *	test_hv_sim XENSIM
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/hv.h"
#include "tests/sim/simtest.h"
#include "tests/unit/check.h"

CHECK_MAIN_DEFS;

static struct simtest sim;

static int con_port = -1; /* VIRQ_CON_RING: unmasked and skipped */

static int next_port_any(struct hv *h, int ms);

/* The next port that fires within ms, or -EAGAIN. */
static int next_port(struct hv *h, int ms)
{
	int p;

	while ((p = next_port_any(h, ms)) == con_port && con_port > 0)
		h->ops->unmask(h, (unsigned)p);
	return p;
}

static int next_port_any(struct hv *h, int ms)
{
	struct pollfd p = {h->ops->evtchn_fd(h), POLLIN, 0};
	int port = h->ops->pending(h);

	if (port != -EAGAIN)
		return port;
	if (poll(&p, 1, ms) <= 0)
		return -EAGAIN;
	return h->ops->pending(h);
}

static void test_hv(void)
{
	struct hv h = {&hv_sim_ops, NULL};
	struct simclient *tool = simtest_open(&sim, SIMCLIENT_DOM0), *gc;
	struct sim_start_info si;
	struct hv_dominfo info, list[8];
	void *page, *fpage, *local;
	unsigned lport, len;
	uint32_t index = 0;
	char text[512];
	int virq, con, lp, dom, n;

	CHECK_INT(h.ops->open(&h, "/nonexistent/socket"), -ENOENT);
	CHECK_INT(h.ops->open(&h, sim.path), 0);
	CHECK(h.ops->evtchn_fd(&h) >= 0);
	CHECK_INT(h.ops->pending(&h), -EAGAIN);
	virq = h.ops->bind_virq_dom_exc(&h);
	CHECK(virq > 0);
	/* The hypervisor's console: what it said so far, then news. */
	con = h.ops->bind_virq_con_ring(&h);
	CHECK(con > 0);
	len = sizeof(text) - 1;
	CHECK_INT(h.ops->read_console_ring(&h, text, &len, &index), 0);
	text[len] = '\0';
	CHECK(strstr(text, "(XEN) Xen simulator") == text);
	dom = simclient_domain_create(tool, NULL, &si);
	CHECK(dom > 0);
	CHECK_INT(next_port_any(&h, 1000), con);
	CHECK_INT(h.ops->unmask(&h, (unsigned)con), 0);
	con_port = con; /* from here on, skipped */
	len = sizeof(text) - 1;
	CHECK_INT(h.ops->read_console_ring(&h, text, &len, &index), 0);
	text[len] = '\0';
	CHECK_STR(text, "(XEN) d1: created, 8 pages\n");
	len = sizeof(text) - 1;
	CHECK_INT(h.ops->read_console_ring(&h, text, &len, &index), 0);
	CHECK_INT(len, 0);
	gc = simtest_open(&sim, 0);
	CHECK_INT(simclient_attach(gc, (unsigned)dom, NULL), 0);

	/* INTRODUCE's work: map grant 1, bind the store port. */
	page = h.ops->map_grant(&h, (unsigned)dom, 1);
	CHECK(page != NULL);
	fpage = h.ops->map_foreign(&h, (unsigned)dom, si.store_mfn);
	CHECK(fpage != NULL);
	if (page && fpage) {
		strcpy(page, "same page");
		CHECK_STR(fpage, "same page");
	}
	CHECK(!h.ops->map_grant(&h, (unsigned)dom, 9) && errno == EACCES);
	lp = h.ops->bind_interdomain(&h, (unsigned)dom, si.store_evtchn);
	CHECK(lp > 0);
	CHECK_INT(next_port(&h, 1000), lp); /* set pending by the bind */
	CHECK_INT(next_port(&h, 50), -EAGAIN);
	CHECK_INT(h.ops->unmask(&h, (unsigned)lp), 0);
	simclient_notify(gc, (unsigned)dom, si.store_evtchn);
	CHECK_INT(next_port(&h, 1000), lp);
	CHECK_INT(h.ops->unmask(&h, (unsigned)lp), 0);
	CHECK_INT(h.ops->notify(&h, (unsigned)lp), 0);
	/* Ports this handle did not bind. */
	CHECK_INT(h.ops->notify(&h, 1), -ENOTCONN);
	CHECK_INT(h.ops->unbind(&h, 1), -ENOTCONN);
	CHECK_INT(h.ops->unmask(&h, 1), 0);

	/* Domain info through the lifecycle. */
	CHECK_INT(h.ops->domain_info(&h, (unsigned)dom, &info), 0);
	CHECK(!info.dying && !info.shutdown);
	CHECK_INT(h.ops->domain_info(&h, 4000, &info), -ENOENT);
	n = h.ops->list_domains(&h, list, 8);
	CHECK_INT(n, 2);
	CHECK_INT(list[0].domid, 0);
	CHECK_INT(list[1].domid, dom);
	CHECK_INT(h.ops->list_domains(&h, list, 1), 1);
	simclient_domain_shutdown(tool, 0, (unsigned)dom, 1);
	CHECK_INT(next_port(&h, 1000), virq);
	h.ops->unmask(&h, (unsigned)virq);
	CHECK_INT(h.ops->domain_info(&h, (unsigned)dom, &info), 0);
	CHECK(info.shutdown && info.shutdown_reason == 1);
	simclient_domain_destroy(tool, (unsigned)dom);
	CHECK_INT(next_port(&h, 1000), virq);
	h.ops->unmask(&h, (unsigned)virq);
	CHECK_INT(h.ops->domain_info(&h, (unsigned)dom, &info), 0);
	CHECK(info.dying); /* still mapped by us */
	h.ops->unmap(&h, page, true);
	h.ops->unmap(&h, fpage, false);
	CHECK_INT(next_port(&h, 1000), virq);
	CHECK_INT(h.ops->domain_info(&h, (unsigned)dom, &info), -ENOENT);
	CHECK_INT(h.ops->unbind(&h, (unsigned)lp), 0);

	/* Dom0's own ring, as /proc/xen/xsd_kva and xsd_port give it. */
	CHECK_INT(h.ops->local_ring(&h, &local, &lport), 0);
	CHECK(local != NULL && lport > 0);
	lp = h.ops->bind_interdomain(&h, 0, lport);
	CHECK(lp > 0);
	CHECK_INT(h.ops->local_ring(&h, &page, &lport), 0);
	CHECK(page == local);
	h.ops->close(&h);
	simclient_close(gc);
	simclient_close(tool);
}

int main(int argc, char **argv)
{
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: test_hv_sim XENSIM\n");
		return 2;
	}
	rc = simtest_start(&sim, argv[1], NULL);
	if (rc < 0) {
		fprintf(stderr, "cannot start xensim: %s\n", strerror(-rc));
		return 1;
	}
	test_hv();
	CHECK_INT(simtest_stop(&sim), 0);
	printf("%s hv_sim\n", check_failures ? "FAIL" : "ok  ");
	return CHECK_DONE();
}
