/*
 * fakexen.c: an LD_PRELOAD shim that lets Debian's C xenstored 4.17
 * (/usr/lib/xen-4.17/bin/xenstored, package xen-utils-4.17) run without a
 * hypervisor, so the integration tests can be run against the reference
 * implementation to check their expectations.  Not part of any build.
 *
 * Every domain below DOMID_FIRST_RESERVED "exists", event channels bind to
 * made-up ports and never fire, grant maps return fresh zeroed pages, and
 * /proc/xen/xsd_{port,kva} are served from memfds so dom0 can be set up.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

static int dummy;
static int evpipe[2] = {-1, -1};
static int next_port = 10;

xc_interface *xc_interface_open(xentoollog_logger *logger,
				xentoollog_logger *dombuild_logger,
				unsigned open_flags)
{
	return (xc_interface *)&dummy;
}

int xc_interface_close(xc_interface *xch)
{
	return 0;
}

int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid,
		      unsigned int max_doms, xc_dominfo_t *info)
{
	if (first_domid >= 0x7ff0 || max_doms < 1)
		return 0;
	memset(info, 0, sizeof(*info));
	info->domid = first_domid;
	return 1;
}

xenevtchn_handle *xenevtchn_open(xentoollog_logger *logger, unsigned flags)
{
	if (evpipe[0] < 0 && pipe(evpipe) < 0)
		return NULL;
	return (xenevtchn_handle *)&dummy;
}

xenevtchn_handle *xenevtchn_fdopen(xentoollog_logger *logger, int fd,
				   unsigned flags)
{
	return xenevtchn_open(logger, flags);
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
	return evpipe[0];
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce,
					      unsigned int virq)
{
	return 1;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce,
						     uint32_t domid,
						     evtchn_port_t remote_port)
{
	return next_port++;
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	return 0;
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
	return -1;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	return 0;
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	return 0;
}

xengnttab_handle *xengnttab_open(xentoollog_logger *logger, unsigned flags)
{
	return (xengnttab_handle *)&dummy;
}

int xengnttab_close(xengnttab_handle *xgt)
{
	return 0;
}

int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
	return 0;
}

void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid,
			      uint32_t ref, int prot)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
	return munmap(start_address, 4096);
}

/* A memfd holding len bytes of data (or len zero bytes if data is NULL). */
static int memfd_with(const char *data, size_t len)
{
	int fd = memfd_create("fakexen", 0);

	if (fd < 0)
		return -1;
	if (data ? write(fd, data, len) != (ssize_t)len
		 : ftruncate(fd, (off_t)len) < 0) {
		close(fd);
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

int open(const char *path, int flags, ...)
{
	static int (*real_open)(const char *, int, ...);
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & O_CREAT)
		mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	if (!strcmp(path, "/proc/xen/xsd_port"))
		return memfd_with("1", 1);
	if (!strcmp(path, "/proc/xen/xsd_kva"))
		return memfd_with(NULL, 4096);
	if (!real_open)
		real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT,
								   "open");
	return real_open(path, flags, mode);
}
