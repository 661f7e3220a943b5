/*
 * hv_xen.c: the hypervisor interface on the real Xen libraries (see hv.h).
 *
 * Opening takes the event channel and grant table handles, which a
 * store or console backend cannot work without; the privileged ones
 * (libxenctrl for domain state, libxenforeignmemory for the console's
 * gfn fallback) open on first use, so a failure there costs only the
 * operation that needed them.  The event channel fd is non-blocking:
 * pending() says -EAGAIN instead of sleeping.
 *
 * The libraries' own messages go to log_debug(); every failure is also
 * returned as -errno (or NULL with errno set) for the caller to report.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>

#include "hypervisor/hv.h"
#include "lib/log.h"

#define XSD_KVA_PATH  "/proc/xen/xsd_kva"
#define XSD_PORT_PATH "/proc/xen/xsd_port"
#define LIST_BATCH    32 /* domains fetched per getinfolist call */

struct hv_xen {
	xenevtchn_handle *xce;
	xengnttab_handle *xgt;
	xenforeignmemory_handle *xfm; /* opened on first use */
	xc_interface *xch;            /* opened on first use */
	void *xsd_page;               /* dom0's ring, mapped on first use */
	unsigned xsd_port;
};

static void xen_log_vmessage(struct xentoollog_logger *logger,
			     xentoollog_level level, int errnoval,
			     const char *context, const char *format,
			     va_list al) __attribute__((format(printf, 5, 0)));

/* Route a Xen library message to our debug log. */
static void xen_log_vmessage(struct xentoollog_logger *logger,
			     xentoollog_level level, int errnoval,
			     const char *context, const char *format,
			     va_list al)
{
	char msg[512];

	if (log_get_verbose() < 1)
		return;
	vsnprintf(msg, sizeof(msg), format, al);
	if (errnoval > 0)
		log_debug("%s: %s: %s", context ? context : "xen", msg,
			  strerror(errnoval));
	else
		log_debug("%s: %s", context ? context : "xen", msg);
}

static void xen_log_destroy(struct xentoollog_logger *logger)
{
}

static struct xentoollog_logger xen_logger = {
	.vmessage = xen_log_vmessage,
	.progress = NULL,
	.destroy = xen_log_destroy,
};

static struct hv_xen *xen_of(struct hv *h)
{
	return h->priv;
}

/* -errno for a library call that failed, never 0. */
static int xen_err(void)
{
	return errno > 0 ? -errno : -EIO;
}

/* A domid a guest could really have (not DOMID_SELF and friends). */
static bool xen_domid_ok(unsigned domid)
{
	return domid < DOMID_FIRST_RESERVED;
}

static void xen_close(struct hv *h)
{
	struct hv_xen *x = xen_of(h);

	if (!x)
		return;
	if (x->xsd_page)
		munmap(x->xsd_page, HV_PAGE_SIZE);
	if (x->xch)
		xc_interface_close(x->xch);
	if (x->xfm)
		xenforeignmemory_close(x->xfm);
	if (x->xgt)
		xengnttab_close(x->xgt);
	if (x->xce)
		xenevtchn_close(x->xce);
	free(x);
	h->priv = NULL;
}

/* Make the event channel fd non-blocking, so pending() never sleeps. */
static int xen_evtchn_nonblock(xenevtchn_handle *xce)
{
	int fd = xenevtchn_fd(xce);
	int fl;

	if (fd < 0)
		return -EBADF;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static int xen_open(struct hv *h, const char *arg)
{
	struct hv_xen *x = calloc(1, sizeof(*x));
	int rc;

	if (!x)
		return -ENOMEM;
	h->priv = x;
	x->xce = xenevtchn_open(&xen_logger, 0);
	if (!x->xce) {
		rc = xen_err();
		goto fail;
	}
	rc = xen_evtchn_nonblock(x->xce);
	if (rc < 0)
		goto fail;
	x->xgt = xengnttab_open(&xen_logger, 0);
	if (!x->xgt) {
		rc = xen_err();
		goto fail;
	}
	return 0;
fail:
	xen_close(h);
	return rc;
}

/* libxenctrl, opened the first time domain state is asked for. */
static xc_interface *xen_xch(struct hv_xen *x)
{
	if (!x->xch)
		x->xch = xc_interface_open(&xen_logger, &xen_logger, 0);
	return x->xch;
}

/* libxenforeignmemory, opened the first time a gfn is mapped. */
static xenforeignmemory_handle *xen_xfm(struct hv_xen *x)
{
	if (!x->xfm)
		x->xfm = xenforeignmemory_open(&xen_logger, 0);
	return x->xfm;
}

static int xen_evtchn_fd(struct hv *h)
{
	return xenevtchn_fd(xen_of(h)->xce);
}

static int xen_bind_interdomain(struct hv *h, unsigned domid,
				unsigned remote_port)
{
	xenevtchn_port_or_error_t port;

	if (!xen_domid_ok(domid))
		return -EINVAL;
	port = xenevtchn_bind_interdomain(xen_of(h)->xce, domid, remote_port);
	return port < 0 ? xen_err() : port;
}

static int xen_bind_virq_dom_exc(struct hv *h)
{
	xenevtchn_port_or_error_t port;

	port = xenevtchn_bind_virq(xen_of(h)->xce, VIRQ_DOM_EXC);
	return port < 0 ? xen_err() : port;
}

static int xen_notify(struct hv *h, unsigned port)
{
	return xenevtchn_notify(xen_of(h)->xce, port) < 0 ? xen_err() : 0;
}

static int xen_pending(struct hv *h)
{
	xenevtchn_port_or_error_t port;

	errno = 0;
	port = xenevtchn_pending(xen_of(h)->xce);
	if (port >= 0)
		return port;
	if (errno == EWOULDBLOCK)
		return -EAGAIN;
	return xen_err();
}

static int xen_unmask(struct hv *h, unsigned port)
{
	return xenevtchn_unmask(xen_of(h)->xce, port) < 0 ? xen_err() : 0;
}

static int xen_unbind(struct hv *h, unsigned port)
{
	return xenevtchn_unbind(xen_of(h)->xce, port) < 0 ? xen_err() : 0;
}

static void *xen_map_grant(struct hv *h, unsigned domid, unsigned gref)
{
	if (!xen_domid_ok(domid)) {
		errno = EINVAL;
		return NULL;
	}
	return xengnttab_map_grant_ref(xen_of(h)->xgt, domid, gref,
				       PROT_READ | PROT_WRITE);
}

static void *xen_map_foreign(struct hv *h, unsigned domid, uint64_t gfn)
{
	xenforeignmemory_handle *xfm;
	xen_pfn_t pfn = (xen_pfn_t)gfn;

	if (!xen_domid_ok(domid) || pfn != gfn) {
		errno = EINVAL;
		return NULL;
	}
	xfm = xen_xfm(xen_of(h));
	if (!xfm)
		return NULL;
	/* err == NULL: all or nothing, errno set on failure. */
	return xenforeignmemory_map(xfm, domid, PROT_READ | PROT_WRITE, 1, &pfn,
				    NULL);
}

static void xen_unmap(struct hv *h, void *page, bool grant)
{
	struct hv_xen *x = xen_of(h);
	int saved = errno;

	if (!page)
		return;
	/* Nobody to return an error to: a failed unmap leaks one page. */
	if (grant) {
		if (xengnttab_unmap(x->xgt, page, 1) < 0)
			log_warn("grant unmap of %p", page);
	} else if (!x->xfm) {
		log_warnx("foreign unmap of %p: nothing was mapped", page);
	} else if (xenforeignmemory_unmap(x->xfm, page, 1) < 0) {
		log_warn("foreign unmap of %p", page);
	}
	errno = saved;
}

/* Our view of one xc_domaininfo_t. */
static void xen_fill_dominfo(struct hv_dominfo *out, const xc_domaininfo_t *in)
{
	out->domid = in->domain;
	out->dying = (in->flags & XEN_DOMINF_dying) != 0;
	out->shutdown = (in->flags & XEN_DOMINF_shutdown) != 0;
	out->shutdown_reason = 0;
	if (out->shutdown)
		out->shutdown_reason = (in->flags >> XEN_DOMINF_shutdownshift) &
				       XEN_DOMINF_shutdownmask;
}

static int xen_domain_info(struct hv *h, unsigned domid,
			   struct hv_dominfo *info)
{
	xc_interface *xch;
	xc_domaininfo_t di;
	int n;

	if (!xen_domid_ok(domid))
		return -ENOENT;
	xch = xen_xch(xen_of(h));
	if (!xch)
		return xen_err();
	/* getinfolist starts at domid: the one it finds may be later. */
	n = xc_domain_getinfolist(xch, domid, 1, &di);
	if (n < 0)
		return xen_err();
	if (n == 0 || di.domain != domid)
		return -ENOENT;
	xen_fill_dominfo(info, &di);
	return 0;
}

static int xen_list_domains(struct hv *h, struct hv_dominfo *out, int max)
{
	xc_interface *xch;
	xc_domaininfo_t batch[LIST_BATCH];
	unsigned first = 0;
	int count = 0;

	if (max < 0 || (max > 0 && !out))
		return -EINVAL;
	xch = xen_xch(xen_of(h));
	if (!xch)
		return xen_err();
	while (count < max && first < DOMID_FIRST_RESERVED) {
		int want = max - count < LIST_BATCH ? max - count : LIST_BATCH;
		int n = xc_domain_getinfolist(xch, first, want, batch);

		if (n < 0)
			return xen_err();
		for (int i = 0; i < n; i++)
			xen_fill_dominfo(&out[count++], &batch[i]);
		if (n < want)
			break;
		first = batch[n - 1].domain + 1u;
	}
	return count;
}

/* Read dom0's xenbus event channel port from xenfs. */
static int xen_read_xsd_port(unsigned *port)
{
	char buf[32], *end;
	unsigned long val;
	ssize_t len;
	int fd;

	fd = open(XSD_PORT_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	if (len < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	close(fd);
	buf[len] = '\0';
	errno = 0;
	val = strtoul(buf, &end, 10);
	if (end == buf || errno || val > INT_MAX ||
	    (*end != '\0' && *end != '\n'))
		return -EINVAL;
	*port = (unsigned)val;
	return 0;
}

/* Map dom0's own xenbus ring page from xenfs. */
static int xen_map_xsd_kva(void **page)
{
	void *p;
	int fd, rc = 0;

	fd = open(XSD_KVA_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	p = mmap(NULL, HV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		rc = -errno;
	close(fd);
	if (rc == 0)
		*page = p;
	return rc;
}

static int xen_local_ring(struct hv *h, void **page, unsigned *remote_port)
{
	struct hv_xen *x = xen_of(h);
	unsigned port = 0;
	int rc;

	if (!x->xsd_page) {
		rc = xen_read_xsd_port(&port);
		if (rc < 0)
			return rc;
		rc = xen_map_xsd_kva(&x->xsd_page);
		if (rc < 0)
			return rc;
		x->xsd_port = port;
	}
	*page = x->xsd_page;
	*remote_port = x->xsd_port;
	return 0;
}

static int xen_bind_virq_con_ring(struct hv *h)
{
	xenevtchn_port_or_error_t port;

	port = xenevtchn_bind_virq(xen_of(h)->xce, VIRQ_CON_RING);
	return port < 0 ? xen_err() : port;
}

static int xen_read_console_ring(struct hv *h, char *buf, unsigned *len,
				 uint32_t *index)
{
	xc_interface *xch = xen_xch(xen_of(h));
	unsigned int size = *len;

	if (!xch || xc_readconsolering(xch, buf, &size, 0, 1, index) < 0)
		return xen_err();
	*len = size;
	return 0;
}

const struct hv_ops hv_xen_ops = {
	.name = "xen",
	.open = xen_open,
	.close = xen_close,
	.evtchn_fd = xen_evtchn_fd,
	.bind_interdomain = xen_bind_interdomain,
	.bind_virq_dom_exc = xen_bind_virq_dom_exc,
	.notify = xen_notify,
	.pending = xen_pending,
	.unmask = xen_unmask,
	.unbind = xen_unbind,
	.map_grant = xen_map_grant,
	.map_foreign = xen_map_foreign,
	.unmap = xen_unmap,
	.domain_info = xen_domain_info,
	.list_domains = xen_list_domains,
	.local_ring = xen_local_ring,
	.bind_virq_con_ring = xen_bind_virq_con_ring,
	.read_console_ring = xen_read_console_ring,
};
