/*
 * test_sim.c: the simulator's own semantics, through simclient, each case
 * against a private xensim.
 *
 *	test_sim XENSIM CASE
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/sched.h>

#include "tests/sim/simtest.h"
#include "tests/unit/check.h"

CHECK_MAIN_DEFS;

static struct simtest sim;
static const char *xensim_exe;

#define QUIET_MS 100 /* how long "no event" is watched for */
#define EVENT_MS 2000

static struct simclient *dom0(void)
{
	struct simclient *c = simtest_open(&sim, SIMCLIENT_DOM0);

	CHECK(c != NULL);
	if (!c)
		exit(1);
	return c;
}

static struct simclient *guest_conn(unsigned domid)
{
	struct simclient *c = simtest_open(&sim, 0);
	int rc;

	CHECK(c != NULL);
	if (!c)
		exit(1);
	rc = simclient_attach(c, domid, NULL);
	CHECK_INT(rc, 0);
	return c;
}

static int create(struct simclient *c, struct sim_start_info *si)
{
	struct sim_start_info tmp;
	int d = simclient_domain_create(c, NULL, si ? si : &tmp);

	CHECK(d > 0);
	return d;
}

/* Expect exactly one event, for port on dom. */
static void expect_event(struct simclient *c, unsigned dom, unsigned port)
{
	struct sim_event ev = {0, 0};

	CHECK_INT(simtest_event(c, EVENT_MS, &ev), 1);
	CHECK_INT(ev.dom, dom);
	CHECK_INT(ev.port, port);
}

static void expect_quiet(struct simclient *c)
{
	CHECK_INT(simtest_drain(c, QUIET_MS), 0);
}

/* A connected channel: guest port gp in domain dom, dom0 port lp. */
static void channel(struct simclient *d0, struct simclient *g, unsigned dom,
		    int *gp, int *lp)
{
	*gp = simclient_alloc_unbound(g, dom, SIM_DOMID_SELF, 0);
	CHECK(*gp > 0);
	*lp = simclient_bind_interdomain(d0, 0, dom, (unsigned)*gp);
	CHECK(*lp > 0);
	/* Xen sets the new local port pending: a notification may be lost. */
	expect_event(d0, 0, (unsigned)*lp);
	simclient_unmask(d0, 0, (unsigned)*lp);
}

static void test_evtchn_basic(void)
{
	struct simclient *d0 = dom0(), *g;
	struct simclient_port_status st;
	struct sim_start_info si, si2;
	int dom = create(d0, &si), gp, lp;

	CHECK_INT(dom, 1);
	CHECK_INT(si.domid, 1);
	CHECK_INT(si.store_domid, 0);
	CHECK(si.store_evtchn != si.cons_evtchn);
	g = simtest_open(&sim, 0);
	CHECK_INT(simclient_attach(g, 1, &si2), 0);
	CHECK(memcmp(&si, &si2, sizeof(si)) == 0);
	/* The builder's ports wait for domain 0. */
	CHECK_INT(simclient_port_status(d0, 0, 1, si.store_evtchn, &st), 0);
	CHECK_INT(st.state, SIM_ECS_UNBOUND);
	CHECK_INT(st.remote_dom, 0);
	CHECK(st.bits & SIM_PORT_OWNED); /* by the attached kernel */

	channel(d0, g, 1, &gp, &lp);
	CHECK_INT(
		simclient_port_status(g, 1, SIM_DOMID_SELF, (unsigned)gp, &st),
		0);
	CHECK_INT(st.state, SIM_ECS_INTERDOMAIN);
	CHECK_INT(st.remote_dom, 0);
	CHECK_INT(st.remote_port, lp);
	/* Both ways. */
	CHECK_INT(simclient_notify(g, 1, (unsigned)gp), 0);
	expect_event(d0, 0, (unsigned)lp);
	simclient_unmask(d0, 0, (unsigned)lp);
	CHECK_INT(simclient_notify(d0, 0, (unsigned)lp), 0);
	expect_event(g, 1, (unsigned)gp);
	expect_quiet(d0);
	expect_quiet(g);
	simclient_close(g);
	simclient_close(d0);
}

static void test_evtchn_mask(void)
{
	struct simclient *d0 = dom0(), *g;
	struct simclient_port_status st;
	int dom = create(d0, NULL), gp, lp, i;

	g = guest_conn((unsigned)dom);
	channel(d0, g, (unsigned)dom, &gp, &lp);
	/* Delivered, then masked: three notifications, one event... */
	for (i = 0; i < 3; i++)
		simclient_notify(g, (unsigned)dom, (unsigned)gp);
	CHECK_INT(simtest_drain(d0, QUIET_MS), 1);
	CHECK_INT(simclient_port_status(d0, 0, 0, (unsigned)lp, &st), 0);
	CHECK(st.bits & SIM_PORT_MASKED);
	CHECK(st.bits & SIM_PORT_PENDING); /* ...and one pending */
	/* ...and the one that came while masked, once, on unmask. */
	simclient_unmask(d0, 0, (unsigned)lp);
	expect_event(d0, 0, (unsigned)lp);
	expect_quiet(d0);
	simclient_unmask(d0, 0, (unsigned)lp);
	expect_quiet(d0); /* nothing was pending */
	CHECK_INT(simclient_port_status(d0, 0, 0, (unsigned)lp, &st), 0);
	CHECK(!(st.bits & (SIM_PORT_MASKED | SIM_PORT_PENDING)));
	/* A kernel's port is not masked; queued ones are not doubled. */
	for (i = 0; i < 50; i++)
		simclient_notify(d0, 0, (unsigned)lp);
	i = simtest_drain(g, QUIET_MS);
	CHECK(i >= 1 && i <= 50);
	simclient_close(g);
	simclient_close(d0);
}

static void test_evtchn_close(void)
{
	struct simclient *d0 = dom0(), *g;
	struct simclient_port_status st;
	int dom = create(d0, NULL), gp, lp, lp2;

	g = guest_conn((unsigned)dom);
	channel(d0, g, (unsigned)dom, &gp, &lp);
	/* dom0 closes its end: the guest's end waits for dom0 again. */
	CHECK_INT(simclient_close_port(d0, 0, (unsigned)lp), 0);
	CHECK_INT(
		simclient_port_status(d0, 0, (unsigned)dom, (unsigned)gp, &st),
		0);
	CHECK_INT(st.state, SIM_ECS_UNBOUND);
	CHECK_INT(st.remote_dom, 0);
	CHECK_INT(simclient_notify(g, (unsigned)dom, (unsigned)gp), 0);
	expect_quiet(d0); /* dropped: nobody is bound */
	CHECK_INT(simclient_close_port(d0, 0, (unsigned)lp), -ENOTCONN);
	/* And can be bound again. */
	lp2 = simclient_bind_interdomain(d0, 0, (unsigned)dom, (unsigned)gp);
	CHECK_INT(lp2, lp); /* the lowest free port again */
	expect_event(d0, 0, (unsigned)lp2);
	simclient_unmask(d0, 0, (unsigned)lp2);
	/* The guest closes its end: dom0's end waits for the guest. */
	CHECK_INT(simclient_close_port(g, (unsigned)dom, (unsigned)gp), 0);
	CHECK_INT(simclient_port_status(d0, 0, 0, (unsigned)lp2, &st), 0);
	CHECK_INT(st.state, SIM_ECS_UNBOUND);
	CHECK_INT(st.remote_dom, dom);
	CHECK_INT(simclient_notify(d0, 0, (unsigned)lp2), 0);
	expect_quiet(g);
	CHECK_INT(
		simclient_port_status(d0, 0, (unsigned)dom, (unsigned)gp, &st),
		0);
	CHECK_INT(st.state, SIM_ECS_FREE);
	simclient_close(g);
	simclient_close(d0);
}

static void test_evtchn_errors(void)
{
	struct simclient *d0 = dom0(), *d0b = dom0(), *g;
	struct simclient_port_status st;
	struct sim_start_info si;
	int dom = create(d0, &si), p, n;

	g = guest_conn((unsigned)dom);
	CHECK_INT(simclient_bind_interdomain(d0, 0, 99, 1), -ESRCH);
	CHECK_INT(simclient_bind_interdomain(d0, 0, (unsigned)dom, 5000),
		  -EINVAL);
	/* Unbound, but for domain 5: not ours to bind. */
	p = simclient_alloc_unbound(g, (unsigned)dom, SIM_DOMID_SELF, 5);
	CHECK(p > 0);
	CHECK_INT(simclient_bind_interdomain(d0, 0, (unsigned)dom, (unsigned)p),
		  -EINVAL);
	/* Dom0's store port belongs to dom0's kernel, not to this handle. */
	CHECK_INT(simclient_close_port(d0, 0, 1), -ENOTCONN);
	/* Acting as a domain one is not. */
	CHECK_INT(simclient_alloc_unbound(g, 0, SIM_DOMID_SELF, 1), -EPERM);
	CHECK_INT(simclient_alloc_unbound(g, 7, SIM_DOMID_SELF, 0), -EPERM);
	CHECK(simclient_domain_create(g, NULL, NULL) < 0);
	CHECK_INT(simclient_alloc_unbound(g, (unsigned)dom, 0, 0), -EPERM);
	/* The domain builder's way: a port for that domain's kernel. */
	p = simclient_alloc_unbound(d0, 0, (unsigned)dom, 0);
	CHECK(p > 0);
	CHECK_INT(simclient_port_status(d0, 0, (unsigned)dom, (unsigned)p, &st),
		  0);
	CHECK(st.bits & SIM_PORT_OWNED);
	/* VIRQs: one binding per domain; bad numbers refused. */
	p = simclient_bind_virq(d0, 0, VIRQ_DOM_EXC);
	CHECK(p > 0);
	CHECK_INT(simclient_bind_virq(d0b, 0, VIRQ_DOM_EXC), -EEXIST);
	CHECK_INT(simclient_bind_virq(d0, 0, 99), -EINVAL);
	simclient_close(d0); /* closing the handle unbinds its ports */
	CHECK(simclient_bind_virq(d0b, 0, VIRQ_DOM_EXC) > 0);
	/* A guest has at most 1023 ports. */
	for (n = 0; (p = simclient_alloc_unbound(g, (unsigned)dom,
						 SIM_DOMID_SELF, 0)) > 0;)
		n++;
	CHECK_INT(p, -ENOSPC);
	CHECK_INT(n, (SIM_PORTS_GUEST - 1) - 4);
	simclient_close(g);
	simclient_close(d0b);
}

static void test_virq_dom_exc(void)
{
	struct simclient *d0 = dom0(), *g;
	struct sim_dominfo di;
	struct sim_event ev;
	int v = simclient_bind_virq(d0, 0, VIRQ_DOM_EXC), dom;

	CHECK(v > 0);
	dom = create(d0, NULL);
	expect_quiet(d0); /* creation raises nothing */
	CHECK_INT(
		simclient_domain_shutdown(d0, 0, (unsigned)dom, SHUTDOWN_crash),
		0);
	expect_event(d0, 0, (unsigned)v);
	simclient_unmask(d0, 0, (unsigned)v);
	CHECK_INT(simclient_domain_info(d0, (unsigned)dom, &di), 0);
	CHECK_INT(di.flags & (SIM_DOMINFO_SHUTDOWN | SIM_DOMINFO_DYING),
		  SIM_DOMINFO_SHUTDOWN);
	CHECK_INT(di.shutdown_reason, SHUTDOWN_crash);
	/* Only the first shutdown counts. */
	CHECK_INT(simclient_domain_shutdown(d0, 0, (unsigned)dom,
					    SHUTDOWN_poweroff),
		  0);
	expect_quiet(d0);
	CHECK_INT(simclient_domain_info(d0, (unsigned)dom, &di), 0);
	CHECK_INT(di.shutdown_reason, SHUTDOWN_crash);
	CHECK_INT(simclient_domain_resume(d0, (unsigned)dom), 0);
	CHECK_INT(simclient_domain_info(d0, (unsigned)dom, &di), 0);
	CHECK_INT(di.flags & SIM_DOMINFO_SHUTDOWN, 0);
	/* The guest shuts itself down; its kernel hears of it. */
	g = guest_conn((unsigned)dom);
	CHECK_INT(simclient_domain_shutdown(g, (unsigned)dom, SIM_DOMID_SELF,
					    SHUTDOWN_poweroff),
		  0);
	expect_event(d0, 0, (unsigned)v);
	simclient_unmask(d0, 0, (unsigned)v);
	expect_event(g, (unsigned)dom, SIM_EVT_SHUTDOWN);
	/* A guest cannot shut another down, nor destroy itself. */
	CHECK_INT(simclient_domain_shutdown(g, (unsigned)dom, 0, 0), -EPERM);
	CHECK_INT(simclient_domain_destroy(g, (unsigned)dom), -EPERM);
	/* Destroy: dying and then gone, each raising the VIRQ. */
	CHECK_INT(simclient_domain_destroy(d0, (unsigned)dom), 0);
	CHECK_INT(simtest_event(d0, EVENT_MS, &ev), 1);
	CHECK_INT(ev.port, v);
	expect_event(g, (unsigned)dom, SIM_EVT_DEAD);
	CHECK_INT(simclient_domain_info(d0, (unsigned)dom, &di), -ESRCH);
	CHECK_INT(simclient_domain_destroy(d0, (unsigned)dom), -ESRCH);
	CHECK_INT(simclient_domain_destroy(d0, 0), -EINVAL);
	simclient_close(g);
	simclient_close(d0);
}

static void test_grant(void)
{
	struct simclient *d0 = dom0(), *g;
	struct sim_dominfo di;
	unsigned dom = (unsigned)create(d0, NULL);
	char *own, *p, *store_own, *store_g, *ro;

	g = guest_conn(dom);
	own = simclient_map_gfn(g, dom, SIM_DOMID_SELF, 3);
	CHECK(own != NULL);
	strcpy(own, "guest page 3");
	CHECK_INT(simclient_grant(g, dom, SIM_DOMID_SELF, 5, GTF_permit_access,
				  0, 3),
		  0);
	p = simclient_map_grant(d0, 0, dom, 5, 0);
	CHECK(p != NULL);
	if (p && own) {
		CHECK_STR(p, "guest page 3");
		strcpy(p, "dom0 was here");
		CHECK_STR(own, "dom0 was here");
	}
	CHECK_INT(simclient_domain_info(d0, dom, &di), 0);
	CHECK_INT(di.foreign_maps, 1);
	/* A mapped entry cannot be ended. */
	CHECK_INT(simclient_grant(g, dom, SIM_DOMID_SELF, 5, 0, 0, 0), -EBUSY);
	CHECK_INT(simclient_unmap(d0, p), 0);
	CHECK_INT(simclient_unmap(d0, p), -EINVAL);
	CHECK_INT(simclient_grant(g, dom, SIM_DOMID_SELF, 5, 0, 0, 0), 0);
	CHECK(!simclient_map_grant(d0, 0, dom, 5, 0) && errno == EACCES);
	/* Granted to someone else; not granted; no such entry; no domain. */
	simclient_grant(g, dom, SIM_DOMID_SELF, 6, GTF_permit_access, 7, 3);
	CHECK(!simclient_map_grant(d0, 0, dom, 6, 0) && errno == EACCES);
	CHECK(!simclient_map_grant(d0, 0, dom, 7, 0) && errno == EACCES);
	CHECK(!simclient_map_grant(d0, 0, dom, 600, 0) && errno == EACCES);
	CHECK(!simclient_map_grant(d0, 0, dom, 1u << 20, 0) && errno == EINVAL);
	CHECK(!simclient_map_grant(d0, 0, 77, 1, 0) && errno == ESRCH);
	/* Read-only grants map read-only only. */
	simclient_grant(g, dom, SIM_DOMID_SELF, 8,
			GTF_permit_access | GTF_readonly, 0, 3);
	CHECK(!simclient_map_grant(d0, 0, dom, 8, 0) && errno == EACCES);
	ro = simclient_map_grant(d0, 0, dom, 8, SIM_MAP_READONLY);
	CHECK(ro != NULL);
	if (ro)
		CHECK_STR(ro, "dom0 was here");
	simclient_unmap(d0, ro);
	/* A frame outside the domain's memory. */
	simclient_grant(g, dom, SIM_DOMID_SELF, 9, GTF_permit_access, 0, 100);
	CHECK(!simclient_map_grant(d0, 0, dom, 9, 0) && errno == EFAULT);
	/* The builder's entry 1 is the xenstore page (gfn 1). */
	store_own = simclient_map_gfn(g, dom, SIM_DOMID_SELF, SIM_GFN_XENSTORE);
	store_g = simclient_map_grant(d0, 0, dom, 1, 0);
	CHECK(store_own && store_g);
	if (store_own && store_g) {
		strcpy(store_own, "ring");
		CHECK_STR(store_g, "ring");
	}
	CHECK(simclient_map_grant(d0, 0, dom, 0, 0) != NULL); /* console */
	/* Only the grantee maps: not even the granting guest itself. */
	CHECK(!simclient_map_grant(g, dom, dom, 1, 0) && errno == EACCES);
	simclient_close(g);
	simclient_close(d0);
}

static void test_foreign(void)
{
	struct simclient *d0 = dom0(), *g;
	unsigned a = (unsigned)create(d0, NULL), b = (unsigned)create(d0, NULL);
	struct sim_start_info *si;

	g = guest_conn(a);
	si = simclient_map_gfn(d0, 0, a, SIM_GFN_START_INFO);
	CHECK(si != NULL);
	if (si) {
		CHECK(memcmp(si->magic, SIM_START_MAGIC,
			     sizeof(SIM_START_MAGIC)) == 0);
		CHECK_INT(si->domid, a);
	}
	/* Only dom0 maps another domain's gfns. */
	CHECK(!simclient_map_gfn(g, a, b, 1) && errno == EPERM);
	CHECK(simclient_map_gfn(g, a, SIM_DOMID_SELF, 1) != NULL);
	CHECK(!simclient_map_gfn(d0, 0, a, 100) && errno == EINVAL);
	CHECK(!simclient_map_gfn(d0, 0, 300, 1) && errno == ESRCH);
	simclient_close(g);
	simclient_close(d0);
}

static void test_lifecycle(void)
{
	struct simclient *d0 = dom0(), *g;
	struct sim_dominfo di, list[8];
	struct sim_event ev;
	unsigned dom = (unsigned)create(d0, NULL);
	int v = simclient_bind_virq(d0, 0, VIRQ_DOM_EXC), n;
	char *page, *own;

	CHECK_INT(simclient_domain_info(d0, dom, &di), 0);
	CHECK_INT(di.flags, 0);
	CHECK_INT(di.nr_pages, SIM_PAGES_DEFAULT);
	g = guest_conn(dom);
	CHECK_INT(simclient_domain_info(d0, dom, &di), 0);
	CHECK_INT(di.flags, SIM_DOMINFO_ATTACHED);
	CHECK_INT(simclient_attach(d0, dom, NULL), -EBUSY);
	own = simclient_map_gfn(g, dom, SIM_DOMID_SELF, 3);
	if (own)
		strcpy(own, "old contents");
	page = simclient_map_grant(d0, 0, dom, 1, 0);
	CHECK(page != NULL);
	/* Destroyed while mapped: a dying zombie. */
	CHECK_INT(simclient_domain_destroy(d0, dom), 0);
	CHECK_INT(simtest_event(d0, EVENT_MS, &ev), 1);
	simclient_unmask(d0, 0, (unsigned)v);
	CHECK_INT(simclient_domain_info(d0, dom, &di), 0);
	CHECK_INT(di.flags, SIM_DOMINFO_DYING);
	CHECK_INT(di.foreign_maps, 1);
	CHECK_INT(di.nr_ports, 0); /* its channels are closed */
	expect_event(g, dom, SIM_EVT_DEAD);
	CHECK_INT(simclient_attach(g, dom, NULL), -ESRCH);
	CHECK(!simclient_map_grant(d0, 0, dom, 1, 0) && errno == ESRCH);
	n = simclient_domain_list(d0, 0, list, 8);
	CHECK_INT(n, 2);
	CHECK_INT(list[1].domid, dom);
	/* Its domid is still taken. */
	CHECK_INT(create(d0, NULL), (int)dom + 1);
	/* The last mapping goes: so does the domain, with a VIRQ. */
	CHECK_INT(simclient_unmap(d0, page), 0);
	expect_event(d0, 0, (unsigned)v);
	simclient_unmask(d0, 0, (unsigned)v);
	CHECK_INT(simclient_domain_info(d0, dom, &di), -ESRCH);
	/* The guest still holds its own page; once it lets go, the frame
	 * is free, and a new domain finds it zeroed. */
	if (own)
		CHECK_STR(own, "old contents");
	simclient_close(g);
	CHECK_INT(create(d0, NULL), (int)dom);
	own = simclient_map_gfn(d0, 0, dom, 3);
	CHECK(own != NULL);
	if (own)
		CHECK_INT(own[0], 0);
	simclient_close(d0);
}

static void test_domid_reuse(void)
{
	struct simclient *d0 = dom0();
	struct simclient_create how = {0, 0, 0, 0};
	struct sim_dominfo a, b;
	int i;

	for (i = 1; i <= 3; i++)
		CHECK_INT(create(d0, NULL), i);
	CHECK_INT(simclient_domain_info(d0, 2, &a), 0);
	CHECK_INT(simclient_domain_destroy(d0, 2), 0);
	CHECK_INT(create(d0, NULL), 2); /* the lowest free id */
	CHECK_INT(simclient_domain_info(d0, 2, &b), 0);
	CHECK(a.serial != b.serial);
	how.domid = 3;
	CHECK_INT(simclient_domain_create(d0, &how, NULL), -EEXIST);
	how.domid = 7;
	CHECK_INT(simclient_domain_create(d0, &how, NULL), 7);
	how.domid = SIM_DOMID_SELF;
	CHECK_INT(simclient_domain_create(d0, &how, NULL), -EINVAL);
	how.domid = 0;
	how.pages = 2;
	CHECK_INT(simclient_domain_create(d0, &how, NULL), -EINVAL);
	how.pages = 64;
	CHECK_INT(simclient_domain_create(d0, &how, NULL), 4);
	CHECK_INT(simclient_domain_info(d0, 4, &a), 0);
	CHECK_INT(a.nr_pages, 64);
	simclient_close(d0);
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define SCALE_N 1000

static void test_scale(void)
{
	struct simclient *d0 = dom0();
	static struct sim_dominfo list[SCALE_N + 8];
	struct sim_start_info si;
	double t0 = seconds();
	int i, n, ok = 0;

	for (i = 0; i < SCALE_N; i++) {
		int d = simclient_domain_create(d0, NULL, &si);

		if (d > 0 && simclient_bind_interdomain(d0, 0, (unsigned)d,
							si.store_evtchn) > 0)
			ok++;
	}
	CHECK_INT(ok, SCALE_N);
	n = simclient_domain_list(d0, 0, list, SCALE_N + 8);
	CHECK_INT(n, SCALE_N + 1);
	CHECK_INT(simtest_drain(d0, QUIET_MS), SCALE_N); /* bind events */
	for (i = 1; i <= SCALE_N; i++)
		CHECK_INT(simclient_domain_destroy(d0, (unsigned)i), 0);
	n = simclient_domain_list(d0, 0, list, SCALE_N + 8);
	CHECK_INT(n, 1);
	printf("%d domains created, bound and destroyed in %.2f s\n", SCALE_N,
	       seconds() - t0);
	CHECK(seconds() - t0 < 20);
	simclient_close(d0);
}

/* A raw connection, no simclient. */
static int raw_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	strcpy(sa.sun_path, sim.path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	CHECK(fd >= 0);
	return fd;
}

/* Send one request on a raw connection and read the error it gets. */
static int raw_call(int fd, uint32_t op, uint32_t dom, uint64_t a0)
{
	struct sim_req rq = {
		.op = op, .seq = 9, .dom = dom, .arg = {a0, 0, 0, 0}};
	char buf[8192];
	struct sim_rsp rsp;
	ssize_t n;

	if (send(fd, &rq, sizeof(rq), 0) != sizeof(rq))
		return -999;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < (ssize_t)sizeof(rsp))
		return n == 0 ? -998 : -997;
	memcpy(&rsp, buf, sizeof(rsp));
	return rsp.err;
}

static void test_hostile(void)
{
	struct simclient *d0 = dom0(), *g;
	char junk[64] = "junk";
	int fd, i, dom, gp, lp, flooded = 0;
	struct sim_req rq = {.op = SIM_OP_DOMAIN_LIST};
	struct sim_dominfo di;

	/* Short, long and pre-HELLO messages; unknown ops; bad versions. */
	fd = raw_connect();
	CHECK_INT(raw_call(fd, SIM_OP_DOMAIN_LIST, 0, 0), -EPROTO);
	CHECK_INT(raw_call(fd, 999, 0, 0), -ENOSYS);
	CHECK_INT(raw_call(fd, 0, 0, 0), -ENOSYS);
	CHECK_INT(raw_call(fd, SIM_OP_HELLO, 0, 77), -EPROTONOSUPPORT);
	CHECK_INT(send(fd, junk, 3, 0), 3);
	CHECK_INT(recv(fd, junk, sizeof(junk), 0), 0); /* cut off */
	close(fd);
	fd = raw_connect();
	CHECK_INT(send(fd, junk, sizeof(junk), 0), (int)sizeof(junk));
	CHECK_INT(recv(fd, junk, sizeof(junk), 0), 0);
	close(fd);
	/* Acting as domains it is not; wild arguments. */
	g = simtest_open(&sim, 0);
	CHECK_INT(simclient_bind_virq(g, 0x7FFF, 3), -EPERM);
	CHECK_INT(simclient_attach(g, 0xFFFF, NULL), -ESRCH);
	CHECK_INT(simclient_close_port(d0, 0, 0xFFFFFFFFu), -ENOTCONN);
	CHECK(!simclient_map_gfn(d0, 0, 0, 1ull << 40) && errno == EINVAL);
	CHECK_INT(simclient_grant(d0, 0, SIM_DOMID_SELF, 0xFFFFFFFFu, 1, 0, 0),
		  -EINVAL);
	CHECK_INT(simclient_grant(d0, 0, SIM_DOMID_SELF, 1, 0xFF, 0, 0),
		  -EINVAL);
	simclient_close(g);
	/* A client that sends and never reads its replies. */
	fd = raw_connect();
	rq.seq = 1;
	for (i = 0; i < 100000; i++) {
		if (send(fd, &rq, sizeof(rq), MSG_DONTWAIT) < 0)
			break;
		flooded++;
	}
	CHECK(flooded > 0);
	/* ...while the rest are still served. */
	dom = create(d0, NULL);
	g = guest_conn((unsigned)dom);
	channel(d0, g, (unsigned)dom, &gp, &lp);
	/* A kernel that never reads its events, notified many times. */
	for (i = 0; i < 20000; i++)
		simclient_notify(d0, 0, (unsigned)lp);
	CHECK_INT(simclient_domain_info(d0, (unsigned)dom, &di), 0);
	close(fd);
	/* Many connections, opened and dropped. */
	for (i = 0; i < 200; i++) {
		fd = raw_connect();
		close(fd);
	}
	CHECK(create(d0, NULL) > 0);
	simclient_close(g);
	simclient_close(d0);
}

/* The hypervisor console keeps the last 16 KiB; readers catch up. */
static void test_console_ring(void)
{
	struct simclient *d0 = dom0();
	static char buf[SIM_CONRING_SIZE + 1];
	unsigned len = sizeof(buf) - 1, total = 0;
	uint32_t index = 0;
	int i;

	for (i = 0; i < 1000; i++) {
		int d = create(d0, NULL);

		simclient_domain_destroy(d0, (unsigned)d);
	}
	/* Far more than the ring holds: we get the newest 16 KiB. */
	while (len) {
		len = sizeof(buf) - 1;
		CHECK_INT(simclient_console_read(d0, buf, &len, &index), 0);
		total += len;
	}
	CHECK_INT(total, SIM_CONRING_SIZE);
	CHECK(index > SIM_CONRING_SIZE);
	len = 100;
	CHECK_INT(simclient_console_read(d0, buf, &len, &index), 0);
	CHECK_INT(len, 0);
	simclient_close(d0);
}

/* Take a HELLO reply and the two descriptors it carries. */
static int recv_fds(int fd, int fds[2])
{
	char buf[256], cbuf[CMSG_SPACE(2 * sizeof(int))];
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm;

	if (recvmsg(fd, &mh, 0) <= 0)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(2 * sizeof(int)))
		return -1;
	memcpy(fds, CMSG_DATA(cm), 2 * sizeof(int));
	return 0;
}

/* Random requests, well-formed on the wire, as dom0 and as a guest. */
static void test_random(void)
{
	struct simclient *d0 = dom0(), *g;
	uint32_t seed = 12345;
	int fd, i, errors = 0, fds[2] = {-1, -1};
	struct sim_req rq;
	char buf[16384];

	CHECK(create(d0, NULL) == 1);
	g = guest_conn(1);
	fd = raw_connect();
	memset(&rq, 0, sizeof(rq));
	rq.op = SIM_OP_HELLO;
	rq.arg[0] = SIMPROTO_VERSION;
	rq.arg[1] = SIM_HELLO_DOM0;
	CHECK_INT(send(fd, &rq, sizeof(rq), 0), (int)sizeof(rq));
	CHECK(recv_fds(fd, fds) == 0); /* kept: events are never read */
	for (i = 0; i < 30000; i++) {
		static const uint32_t doms[] = {0,     1, 2, 3, SIM_DOMID_SELF,
						0xFFFF};
		int k;

		seed = seed * 1103515245u + 12345u;
		rq.op = 1 + (seed >> 8) % (SIM_OP_COUNT + 1);
		rq.seq = (uint32_t)i;
		rq.dom = doms[(seed >> 20) % 6];
		rq.flags = 0;
		for (k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			rq.arg[k] = (seed >> 28) == 0
					    ? ~0ull >> (seed & 63)
					    : doms[(seed >> 4) % 6] +
						      (seed >> 16) % 8;
		}
		if (rq.op == SIM_OP_DOMAIN_DESTROY && rq.arg[0] == 1)
			rq.arg[0] = 2; /* keep the guest's domain */
		if (send(fd, &rq, sizeof(rq), 0) != sizeof(rq) ||
		    recv(fd, buf, sizeof(buf), 0) <
			    (ssize_t)sizeof(struct sim_rsp))
			errors++;
	}
	CHECK_INT(errors, 0);
	close(fd);
	close(fds[0]);
	close(fds[1]);
	/* Still serving, and (at exit) clean. */
	CHECK(simclient_domain_create(d0, NULL, NULL) > 0 ||
	      simclient_domain_destroy(d0, 2) == 0);
	simclient_close(g);
	simclient_close(d0);
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{"evtchn_basic", test_evtchn_basic},
	{"evtchn_mask", test_evtchn_mask},
	{"evtchn_close", test_evtchn_close},
	{"evtchn_errors", test_evtchn_errors},
	{"virq_dom_exc", test_virq_dom_exc},
	{"grant", test_grant},
	{"foreign", test_foreign},
	{"lifecycle", test_lifecycle},
	{"domid_reuse", test_domid_reuse},
	{"scale", test_scale},
	{"hostile", test_hostile},
	{"random", test_random},
	{"console_ring", test_console_ring},
};

int main(int argc, char **argv)
{
	size_t i;
	int rc, st;

	if (argc != 3) {
		fprintf(stderr, "usage: test_sim XENSIM CASE\n");
		return 2;
	}
	xensim_exe = argv[1];
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(argv[2], cases[i].name) != 0)
			continue;
		rc = simtest_start(&sim, xensim_exe, NULL);
		if (rc < 0) {
			fprintf(stderr, "cannot start xensim: %s\n",
				strerror(-rc));
			return 1;
		}
		cases[i].fn();
		st = simtest_stop(&sim);
		CHECK_INT(st, 0); /* a clean exit, no leak reports */
		printf("%s %s\n", check_failures ? "FAIL" : "ok  ",
		       cases[i].name);
		return CHECK_DONE();
	}
	fprintf(stderr, "no case %s\n", argv[2]);
	return 2;
}
