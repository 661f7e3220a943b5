/*
 * domkit.c: dom0-side helpers shared by the store's unit tests: lay out a
 * domain's home as libxl does, introduce and release it, read its usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/proto.h"
#include "tests/unit/check.h"
#include "tests/unit/domkit.h"
#include "tests/unit/fakeconn.h"

#define R(f, type, ...) fake_req(f, type, 0, __VA_ARGS__, NULL)

void home(struct fake *d0, unsigned domid)
{
	char path[64], r[16], n[16];

	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	snprintf(r, sizeof(r), "r%u", domid);
	snprintf(n, sizeof(n), "n%u", domid);
	CHECK_STR(R(d0, XS_MKDIR, path), "MKDIR:OK|");
	CHECK_STR(R(d0, XS_SET_PERMS, path, "n0", r), "SET_PERMS:OK|");
	strcat(path, "/data");
	CHECK_STR(R(d0, XS_MKDIR, path), "MKDIR:OK|");
	CHECK_STR(R(d0, XS_SET_PERMS, path, n), "SET_PERMS:OK|");
}

void introduce(struct fake *d0, unsigned domid)
{
	char dom[16];

	snprintf(dom, sizeof(dom), "%u", domid);
	CHECK_STR(R(d0, XS_INTRODUCE, dom, "4096", "3"), "INTRODUCE:OK|");
}

void release(struct fake *d0, unsigned domid)
{
	char dom[16];

	snprintf(dom, sizeof(dom), "%u", domid);
	CHECK_STR(R(d0, XS_RELEASE, dom), "RELEASE:OK|");
}

long usage(struct fake *d0, unsigned domid, const char *what)
{
	char dom[16];
	const char *r, *p;

	snprintf(dom, sizeof(dom), "%u", domid);
	r = R(d0, XS_CONTROL, "quota", dom);
	p = strstr(r, what);
	if (strncmp(r, "CONTROL:", 8) != 0 || !p)
		return -1;
	p += strlen(what);
	while (*p && (*p < '0' || *p > '9'))
		p++;
	return *p ? strtol(p, NULL, 10) : -1;
}
