/*
 * proto.c: XenStore wire helpers (see proto.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/proto.h"

static const char *const type_names[XS_TYPE_MAX] = {
	[XS_CONTROL] = "CONTROL",
	[XS_DIRECTORY] = "DIRECTORY",
	[XS_READ] = "READ",
	[XS_GET_PERMS] = "GET_PERMS",
	[XS_WATCH] = "WATCH",
	[XS_UNWATCH] = "UNWATCH",
	[XS_TRANSACTION_START] = "TRANSACTION_START",
	[XS_TRANSACTION_END] = "TRANSACTION_END",
	[XS_INTRODUCE] = "INTRODUCE",
	[XS_RELEASE] = "RELEASE",
	[XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH",
	[XS_WRITE] = "WRITE",
	[XS_MKDIR] = "MKDIR",
	[XS_RM] = "RM",
	[XS_SET_PERMS] = "SET_PERMS",
	[XS_WATCH_EVENT] = "WATCH_EVENT",
	[XS_ERROR] = "ERROR",
	[XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
	[XS_RESUME] = "RESUME",
	[XS_SET_TARGET] = "SET_TARGET",
	[XS_RESET_WATCHES] = "RESET_WATCHES",
	[XS_DIRECTORY_PART] = "DIRECTORY_PART",
	[XS_GET_FEATURE_T] = "GET_FEATURE",
	[XS_SET_FEATURE_T] = "SET_FEATURE",
	[XS_GET_QUOTA_T] = "GET_QUOTA",
	[XS_SET_QUOTA_T] = "SET_QUOTA",
};

const char *proto_type_name(uint32_t type)
{
	return type < XS_TYPE_MAX ? type_names[type] : NULL;
}

/* xsd_errors[] order; EPERM (2022) may be missing from older headers. */
static const struct {
	int err;
	const char *name;
} err_names[] = {
	{EINVAL, "EINVAL"}, {EACCES, "EACCES"},   {EEXIST, "EEXIST"},
	{EISDIR, "EISDIR"}, {ENOENT, "ENOENT"},   {ENOMEM, "ENOMEM"},
	{ENOSPC, "ENOSPC"}, {EIO, "EIO"},         {ENOTEMPTY, "ENOTEMPTY"},
	{ENOSYS, "ENOSYS"}, {EROFS, "EROFS"},     {EBUSY, "EBUSY"},
	{EAGAIN, "EAGAIN"}, {EISCONN, "EISCONN"}, {E2BIG, "E2BIG"},
	{EPERM, "EPERM"},
};

const char *proto_errno_name(int err)
{
	size_t i;

	for (i = 0; i < sizeof(err_names) / sizeof(err_names[0]); i++)
		if (err_names[i].err == err)
			return err_names[i].name;
	return "EINVAL";
}

int proto_split(const char *payload, size_t len, const char **argv, int max)
{
	size_t i, start = 0;
	int n = 0;

	if (len == 0)
		return 0;
	if (payload[len - 1] != '\0')
		return -1;
	for (i = 0; i < len; i++) {
		if (payload[i] != '\0')
			continue;
		if (n < max)
			argv[n] = payload + start;
		n++;
		start = i + 1;
	}
	return n;
}

int proto_first_len(const char *payload, size_t len)
{
	const char *nul = memchr(payload, '\0', len);

	return nul ? (int)(nul - payload) : -1;
}

bool proto_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned long d = (unsigned long)(*s - '0');

		if (v > max / 10 || d > max - v * 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool proto_valid_chars(const char *s)
{
	for (; *s; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '/' ||
		      c == '_' || c == '@'))
			return false;
	}
	return true;
}

size_t proto_home_prefix_len(unsigned domid)
{
	char buf[32];

	return (size_t)snprintf(buf, sizeof(buf), "/local/domain/%u/", domid);
}

/* Structure of an absolute path: no "//", no trailing '/' but the root. */
static bool abs_path_ok(const char *p, size_t len)
{
	if (len == 0 || p[0] != '/')
		return false;
	if (len == 1)
		return true;
	if (p[len - 1] == '/')
		return false;
	return memmem(p, len, "//", 2) == NULL;
}

int proto_canonical(const char *path, unsigned domid, bool allow_special,
		    char *out, size_t outsz, enum proto_path_kind *kind)
{
	size_t len = strlen(path), off = 0;
	enum proto_path_kind k;

	if (len == 0 || !proto_valid_chars(path))
		return -EINVAL;
	if (path[0] == '@') {
		if (!allow_special || memchr(path + 1, '@', len - 1) ||
		    path[len - 1] == '/' || memmem(path, len, "//", 2))
			return -EINVAL;
		k = PROTO_PATH_SPECIAL;
	} else if (path[0] == '/') {
		k = PROTO_PATH_ABS;
	} else {
		k = PROTO_PATH_REL;
		off = (size_t)snprintf(out, outsz, "/local/domain/%u/", domid);
		if (off >= outsz)
			return -E2BIG;
	}
	if (off + len + 1 > outsz)
		return -E2BIG;
	memcpy(out + off, path, len + 1);
	if (k != PROTO_PATH_SPECIAL && !abs_path_ok(out, off + len))
		return -EINVAL;
	if (kind)
		*kind = k;
	return (int)(off + len);
}

size_t proto_quota_path_len(const char *canonical)
{
	static const char pfx[] = "/local/domain/";
	size_t len = strlen(canonical), i = sizeof(pfx) - 1;

	if (strncmp(canonical, pfx, i) != 0)
		return len;
	/*
	 * As C's sscanf("/local/domain/%5u/%n"): a field of at most 5
	 * characters, an optional sign ('-' is a path character) and at
	 * least one digit, then '/'.
	 */
	if (canonical[i] == '-')
		i++;
	if (canonical[i] < '0' || canonical[i] > '9')
		return len;
	while (canonical[i] >= '0' && canonical[i] <= '9' &&
	       i < sizeof(pfx) - 1 + 5)
		i++;
	if (canonical[i] != '/')
		return len;
	return len - i - 1;
}

int proto_perm_parse(const char *s, struct proto_perm *p)
{
	char *end;
	long id;

	switch (s[0]) {
	case 'n':
		p->perm = PROTO_PERM_NONE;
		break;
	case 'r':
		p->perm = PROTO_PERM_READ;
		break;
	case 'w':
		p->perm = PROTO_PERM_WRITE;
		break;
	case 'b':
		p->perm = PROTO_PERM_BOTH;
		break;
	default:
		return -EINVAL;
	}
	if (s[1] < '0' || s[1] > '9')
		return -EINVAL;
	errno = 0;
	id = strtol(s + 1, &end, 0);
	if (errno || *end || id < 0 || id > 0xFFFF)
		return -EINVAL;
	p->domid = (uint16_t)id;
	p->ignore = 0;
	return 0;
}

int proto_perm_format(const struct proto_perm *p, char *buf, size_t sz)
{
	static const char letters[] = "nrwb";

	return snprintf(buf, sz, "%c%u", letters[p->perm & 3], p->domid);
}
