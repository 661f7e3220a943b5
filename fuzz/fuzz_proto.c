/*
 * fuzz_proto.c: libFuzzer harness for the pure wire helpers of
 * protocol/proto.c.  Each input is a few control bytes and a payload; every
 * helper runs on it and its result is checked against an independent
 * model, trapping on any difference.
 *
 * Input layout:
 *   byte 0      which domid the relative paths resolve against
 *   byte 1      output buffer size for proto_canonical
 *   byte 2      limit for proto_parse_uint, argv size for proto_split
 *   byte 3..6   a raw struct proto_perm for proto_perm_format
 *   the rest    the payload (split on NULs; the first string is the path,
 *               the number, the permission string)
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/proto.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* FUZZ_PROTO_SKIP=uint: no proto_parse_uint limits below 10 (a known bug). */
static bool skip_small_uint;

/* Fail loudly: the message lands next to the stack trace. */
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_proto: %s:%d: %s\n", __FILE__,   \
				__LINE__, #cond);                              \
			__builtin_trap();                                      \
		}                                                              \
	} while (0)

static const unsigned domids[] = {
	0, 1, 2, 7, 42, 32751, 32752, 0x7FF5, 65535, 99999, 100000, UINT_MAX,
};

static const size_t outsizes[] = {
	0, 1, 2, 3, 15, 16, 17, 18, 19, 20, 24, 32, 64, 2049, 3073, 4097,
};

static const unsigned long uint_maxes[] = {
	0, 1, 9, 10, 255, 1000, 32751, 65535, 0xFFFFFFFFul, ULONG_MAX,
};

static bool model_valid_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '/' || c == '_' ||
	       c == '@';
}

static void fuzz_split(const char *p, size_t len, int max)
{
	const char *argv[64];
	size_t nuls = 0, i;
	int n, first, k;
	const char *s;

	if (max > 64)
		max = 64;
	for (i = 0; i < len; i++)
		nuls += p[i] == '\0';
	n = proto_split(p, len, argv, max);
	if (len > 0 && p[len - 1] != '\0') {
		CHECK(n == -1);
	} else {
		CHECK(n >= 0 && (size_t)n == nuls);
		/* The strings lie back to back from the start. */
		for (k = 0, s = p; k < n && k < max; k++) {
			CHECK(argv[k] == s);
			s += strlen(s) + 1;
			CHECK(s <= p + len);
		}
	}
	first = proto_first_len(p, len);
	s = memchr(p, '\0', len);
	CHECK(s ? first == (int)(s - p) : first == -1);
}

/* strtoul's job, done by hand: digits only, whole string, <= max. */
static bool model_parse_uint(const char *s, unsigned long max,
			     unsigned long *out)
{
	unsigned __int128 v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return false;
	}
	*out = (unsigned long)v;
	return true;
}

static void fuzz_uint(const char *s, unsigned long max)
{
	unsigned long got = 12345, want = 0;
	bool ok;

	if (skip_small_uint && max < 10)
		max = 10;
	ok = proto_parse_uint(s, max, &got);

	CHECK(ok == model_parse_uint(s, max, &want));
	if (ok)
		CHECK(got == want && got <= max);
	else
		CHECK(got == 12345); /* untouched on failure */
}

/*
 * The model of proto_canonical: build the full path in a large buffer,
 * then judge it.  Returns the length; -EINVAL for a path refused before
 * its size matters (empty, bad characters, a bad special path); -EDOM for
 * one whose full form is bad ("//" or a trailing '/'), where -E2BIG may
 * come first when the full form does not fit.
 */
static int model_canonical(const char *path, unsigned domid, bool allow_special,
			   char *full, size_t fullsz,
			   enum proto_path_kind *kind)
{
	size_t len = strlen(path), i;
	int n;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!model_valid_char(path[i]))
			return -EINVAL;
	if (path[0] == '@') {
		if (!allow_special || strchr(path + 1, '@') ||
		    path[len - 1] == '/' || strstr(path, "//"))
			return -EINVAL;
		*kind = PROTO_PATH_SPECIAL;
		snprintf(full, fullsz, "%s", path);
		return (int)len;
	}
	if (path[0] == '/') {
		*kind = PROTO_PATH_ABS;
		n = snprintf(full, fullsz, "%s", path);
	} else {
		*kind = PROTO_PATH_REL;
		n = snprintf(full, fullsz, "/local/domain/%u/%s", domid, path);
	}
	/* '@' is an ordinary character past the start, as in C xenstored. */
	if (strstr(full, "//"))
		return -EDOM;
	if (n > 1 && full[n - 1] == '/')
		return -EDOM;
	return n;
}

/* Invariants any canonical path must hold. */
static void check_canonical_shape(const char *out, size_t len)
{
	size_t i;

	CHECK(strlen(out) == len);
	CHECK(out[0] == '/' || out[0] == '@');
	CHECK(!strstr(out, "//"));
	CHECK(len == 1 || out[len - 1] != '/');
	CHECK(out[0] == '/' || !strchr(out + 1, '@'));
	for (i = 0; i < len; i++)
		CHECK(model_valid_char(out[i]));
}

/* The documented quota rule: drop a leading "/local/domain/<digits>/". */
/* What C xenstored counts: the reference is its own sscanf. */
static size_t model_quota_len(const char *p)
{
	unsigned domid;
	int off = 0;

	if (sscanf(p, "/local/domain/%5u/%n", &domid, &off) != 1 || !off)
		return strlen(p);
	return strlen(p) - (size_t)off;
}

static void fuzz_canonical(const char *path, unsigned domid, size_t outsz,
			   bool special)
{
	char full[8192];
	char *out = malloc(outsz ? outsz : 1); /* exact size: ASan guards */
	enum proto_path_kind kind, mkind;
	int got, want;

	memset(&kind, 0xFF, sizeof(kind)); /* no kind: must be set on success */
	want = model_canonical(path, domid, special, full, sizeof(full),
			       &mkind);
	got = proto_canonical(path, domid, special, out, outsz, &kind);
	if (want == -EINVAL) {
		CHECK(got == -EINVAL);
	} else if (want == -EDOM) {
		/* A bad path is EINVAL; E2BIG may win when it cannot fit. */
		CHECK(got == -EINVAL || got == -E2BIG);
		if (got == -E2BIG)
			CHECK(strlen(full) + 1 > outsz);
	} else if ((size_t)want + 1 > outsz) {
		CHECK(got == -E2BIG);
	} else {
		CHECK(got == want);
		CHECK(kind == mkind);
		CHECK(strcmp(out, full) == 0);
		check_canonical_shape(out, (size_t)got);
		if (kind == PROTO_PATH_ABS)
			CHECK(strcmp(out, path) == 0);
		if (kind == PROTO_PATH_REL)
			CHECK((size_t)got ==
			      proto_home_prefix_len(domid) + strlen(path));
		if (out[0] == '/')
			CHECK(proto_quota_path_len(out) ==
			      model_quota_len(out));
	}
	/* Passing kind as NULL changes nothing. */
	CHECK(proto_canonical(path, domid, special, out, outsz, NULL) == got);
	free(out);
}

static void fuzz_perm_roundtrip(const struct proto_perm *p)
{
	static const char letters[] = "nrwb";
	char buf[32], want[32], *small;
	struct proto_perm q;
	int l, sz;

	l = proto_perm_format(p, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%c%u", letters[p->perm & 3], p->domid);
	CHECK(l > 0 && strcmp(buf, want) == 0 && (size_t)l == strlen(buf));
	CHECK(proto_perm_parse(buf, &q) == 0);
	CHECK(q.domid == p->domid && q.perm == (p->perm & 3) && !q.ignore);
	/* Short buffers truncate, NUL-terminated, never overflow. */
	for (sz = 1; sz <= l; sz++) {
		small = malloc((size_t)sz);
		CHECK(proto_perm_format(p, small, (size_t)sz) == l);
		CHECK(strlen(small) == (size_t)sz - 1);
		CHECK(memcmp(small, buf, (size_t)sz - 1) == 0);
		free(small);
	}
}

static void fuzz_perm_parse(const char *s)
{
	struct proto_perm p, q;
	char buf[32];
	char *end;
	long v;

	memset(&p, 0xA5, sizeof(p));
	if (proto_perm_parse(s, &p) < 0) {
		/* Reject only what the model rejects. */
		if (strchr("nrwb", s[0]) && s[0] && s[1] >= '0' &&
		    s[1] <= '9') {
			errno = 0;
			v = strtol(s + 1, &end, 0);
			CHECK(errno || *end || v < 0 || v > 0xFFFF);
		}
		return;
	}
	CHECK(s[0] && strchr("nrwb", s[0]));
	CHECK(s[1] >= '0' && s[1] <= '9');
	CHECK(p.perm <= PROTO_PERM_BOTH && p.ignore == 0);
	CHECK(p.perm == (uint8_t)(strchr("nrwb", s[0]) - "nrwb"));
	/* Formatting gives the canonical decimal form back. */
	CHECK(proto_perm_format(&p, buf, sizeof(buf)) > 0);
	CHECK(proto_perm_parse(buf, &q) == 0);
	CHECK(q.domid == p.domid && q.perm == p.perm);
	CHECK(buf[0] == s[0]);
}

static void fuzz_names(uint32_t type, int err)
{
	const char *n = proto_type_name(type);
	const char *e = proto_errno_name(err);

	CHECK(type >= XS_TYPE_MAX || type == 20 ? n == NULL : n != NULL);
	CHECK(e && e[0] == 'E' && strlen(e) < 16);
	CHECK(strcmp(proto_errno_name(EACCES), "EACCES") == 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *s = getenv("FUZZ_PROTO_SKIP");

	skip_small_uint = s && strstr(s, "uint");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *payload, *first;
	struct proto_perm rp;
	size_t plen, i;
	char *str;
	unsigned domid;

	if (size < 7 || size > 4096)
		return 0;
	domid = domids[data[0] % (sizeof(domids) / sizeof(domids[0]))];
	if (data[0] >= 0xF0)
		domid = data[0] & 0x0F;
	payload = (const char *)data + 7;
	plen = size - 7;

	/* The payload as bytes off the wire (exact size, no NUL added). */
	{
		char *copy = malloc(plen ? plen : 1);

		memcpy(copy, payload, plen);
		fuzz_split(copy, plen, data[2] % 65);
		free(copy);
	}

	/* Its first string, NUL-terminated, for the string helpers. */
	str = malloc(plen + 1);
	memcpy(str, payload, plen);
	str[plen] = '\0';
	first = str;

	CHECK(proto_valid_chars(first) ==
	      (strspn(first, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			     "0123456789-/_@") == strlen(first)));
	fuzz_uint(first, uint_maxes[data[2] % (sizeof(uint_maxes) /
					       sizeof(uint_maxes[0]))]);
	for (i = 0; i < 2; i++) {
		size_t osz = outsizes[data[1] %
				      (sizeof(outsizes) / sizeof(outsizes[0]))];

		if (data[1] >= 0xC0)
			osz = (size_t)(data[1] - 0xC0) * 4;
		fuzz_canonical(first, domid, osz, i);
		fuzz_canonical(first, domid, XENSTORE_ABS_PATH_MAX + 1, i);
	}
	/* Its domain is paths (sscanf would also skip whitespace). */
	if (proto_valid_chars(first))
		CHECK(proto_quota_path_len(first) == model_quota_len(first));
	CHECK(proto_quota_path_len(first) <= strlen(first));
	fuzz_perm_parse(first);

	memcpy(&rp.domid, data + 3, sizeof(rp.domid));
	rp.perm = data[5];
	rp.ignore = data[6];
	fuzz_perm_roundtrip(&rp);
	fuzz_names((uint32_t)data[3] | (uint32_t)data[4] << 8,
		   (int)(int8_t)data[5]);
	CHECK(proto_home_prefix_len(domid) ==
	      strlen("/local/domain//") +
		      (size_t)snprintf(NULL, 0, "%u", domid));
	free(str);
	return 0;
}
