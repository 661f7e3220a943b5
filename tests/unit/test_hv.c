/*
 * test_hv.c: the hypervisor interface where Xen is absent: spec parsing,
 * automatic selection, "none" failing every operation cleanly, and "xen"
 * failing to open without crashing or leaking.  On a Xen host (root,
 * /dev/xen/evtchn) a few read-only operations of "xen" are checked too.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "hypervisor/hv.h"
#include "tests/unit/check.h"
#include "tests/unit/fds.h"

CHECK_MAIN_DEFS;

static bool on_xen(void)
{
	return access("/dev/xen/evtchn", F_OK) == 0;
}

static void test_none(void)
{
	struct hv h;
	struct hv_dominfo info, list[4];
	void *page = &h;
	unsigned port = 7;
	int fds = count_fds();

	CHECK_INT(hv_open(&h, "none"), 0);
	CHECK(h.ops == &hv_none_ops);
	CHECK_STR(h.ops->name, "none");
	CHECK_INT(h.ops->evtchn_fd(&h), -1);
	CHECK_INT(h.ops->bind_interdomain(&h, 1, 2), -ENOSYS);
	CHECK_INT(h.ops->bind_virq_dom_exc(&h), -ENOSYS);
	CHECK_INT(h.ops->notify(&h, 1), -ENOSYS);
	CHECK_INT(h.ops->pending(&h), -ENOSYS);
	CHECK_INT(h.ops->unmask(&h, 1), -ENOSYS);
	CHECK_INT(h.ops->unbind(&h, 1), -ENOSYS);
	errno = 0;
	CHECK(h.ops->map_grant(&h, 1, HV_GNTTAB_XENSTORE) == NULL);
	CHECK_INT(errno, ENOSYS);
	errno = 0;
	CHECK(h.ops->map_foreign(&h, 1, 0x1234) == NULL);
	CHECK_INT(errno, ENOSYS);
	h.ops->unmap(&h, NULL, true);
	h.ops->unmap(&h, NULL, false);
	CHECK_INT(h.ops->domain_info(&h, 0, &info), -ENOSYS);
	CHECK_INT(h.ops->list_domains(&h, list, 4), -ENOSYS);
	CHECK_INT(h.ops->local_ring(&h, &page, &port), -ENOSYS);
	CHECK(page == NULL);
	hv_close(&h);
	CHECK(h.ops == NULL);
	hv_close(&h); /* twice is fine */
	CHECK_INT(count_fds(), fds);
}

static void test_bad_specs(void)
{
	static const char *const bad[] = {
		"",    "xen:", "Xen",  "xenx", "none:",       "nonex",
		"sim", "sim:", " xen", "xen ", "simx:/tmp/s",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hv h = {.ops = &hv_none_ops, .priv = &h};

		CHECK_INT(hv_open(&h, bad[i]), -EINVAL);
		CHECK(h.ops == NULL && h.priv == NULL);
		hv_close(&h);
	}
	CHECK_INT(hv_open(NULL, "none"), -EINVAL);
	hv_close(NULL);
}

static void test_auto(void)
{
	struct hv h;
	int rc = hv_open(&h, NULL);

	if (on_xen()) {
		/* May fail without privilege, but never picks "none". */
		CHECK(rc == 0 ? h.ops == &hv_xen_ops : h.ops == NULL);
	} else {
		CHECK_INT(rc, 0);
		CHECK(h.ops == &hv_none_ops);
	}
	hv_close(&h);
}

/* "xen" without Xen: fails, leaves h empty, leaks no fd (nor memory). */
static void test_xen_absent(void)
{
	int fds = count_fds();

	if (on_xen())
		return;
	for (int i = 0; i < 50; i++) {
		struct hv h;
		int rc = hv_open(&h, "xen");

		CHECK(rc < 0);
		CHECK(rc != -EINVAL);
		CHECK(h.ops == NULL && h.priv == NULL);
		hv_close(&h);
	}
	CHECK_INT(count_fds(), fds);
}

/* "sim:PATH" with no simulator there fails cleanly. */
static void test_sim_absent(void)
{
	struct hv h;
	int fds = count_fds();

	CHECK(hv_open(&h, "sim:/nonexistent/xenbackd-test/sim.sock") < 0);
	CHECK(h.ops == NULL && h.priv == NULL);
	hv_close(&h);
	CHECK_INT(count_fds(), fds);
}

/* On a Xen host, read-only operations that disturb nothing. */
static void test_xen_live(void)
{
	struct hv h;
	struct hv_dominfo info, list[8];
	void *page = NULL;
	unsigned port;
	int n, rc;

	if (!on_xen() || hv_open(&h, "xen") < 0)
		return;
	CHECK(h.ops->evtchn_fd(&h) >= 0);
	CHECK_INT(h.ops->pending(&h), -EAGAIN);
	CHECK_INT(h.ops->domain_info(&h, 0, &info), 0);
	CHECK_INT(info.domid, 0);
	CHECK(!info.dying && !info.shutdown);
	CHECK_INT(h.ops->domain_info(&h, 0x7ff0, &info), -ENOENT);
	n = h.ops->list_domains(&h, list, 8);
	CHECK(n >= 1);
	if (n >= 1)
		CHECK_INT(list[0].domid, 0);
	for (int i = 1; i < n; i++)
		CHECK(list[i].domid > list[i - 1].domid);
	CHECK_INT(h.ops->list_domains(&h, list, 0), 0);
	CHECK_INT(h.ops->list_domains(&h, list, -1), -EINVAL);
	errno = 0;
	CHECK(h.ops->map_grant(&h, 0x7ff0, HV_GNTTAB_XENSTORE) == NULL);
	CHECK_INT(errno, EINVAL);
	rc = h.ops->local_ring(&h, &page, &port);
	CHECK(rc == 0 || rc == -ENOENT);
	if (rc == 0)
		CHECK(page != NULL);
	hv_close(&h);
}

int main(void)
{
	RUN(test_none);
	RUN(test_bad_specs);
	RUN(test_auto);
	RUN(test_xen_absent);
	RUN(test_sim_absent);
	RUN(test_xen_live);
	return CHECK_DONE();
}
