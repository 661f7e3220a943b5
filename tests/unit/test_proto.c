/*
 * test_proto.c: the wire helpers of protocol/proto.c as pure functions:
 * argument splitting, number parsing, path canonicalisation and the
 * path-max measure, permission strings, error and type names.
 *
 * Expectations follow xenstored (tools/xenstored/core.c: get_strings,
 * canonicalize, valid_chars, send_error) and libxenstore's permission
 * parser (xenstore_strings_to_perms: one letter, then strtol(..., 0)).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "protocol/proto.h"
#include "tests/unit/check.h"

CHECK_MAIN_DEFS;

static void test_split(void)
{
	const char *argv[4] = {"x", "x", "x", "x"};
	const char *sentinel = "untouched";

	/* An empty payload has no strings. */
	CHECK_INT(proto_split("", 0, argv, 4), 0);
	CHECK_INT(proto_split("a", 2, argv, 4), 1);
	CHECK_STR(argv[0], "a");
	CHECK_INT(proto_split("a\0bc", 5, argv, 4), 2);
	CHECK_STR(argv[0], "a");
	CHECK_STR(argv[1], "bc");
	/* The final NUL is required. */
	CHECK_INT(proto_split("a\0b", 3, argv, 4), -1);
	CHECK_INT(proto_split("a", 1, argv, 4), -1);
	/* Empty strings count. */
	CHECK_INT(proto_split("", 1, argv, 4), 1);
	CHECK_STR(argv[0], "");
	CHECK_INT(proto_split("a\0", 3, argv, 4), 2);
	CHECK_STR(argv[1], "");
	CHECK_INT(proto_split("\0\0", 3, argv, 4), 3);
	/* More strings than room: all are counted, only max are stored. */
	argv[2] = sentinel;
	CHECK_INT(proto_split("a\0b\0c\0d", 8, argv, 2), 4);
	CHECK_STR(argv[0], "a");
	CHECK_STR(argv[1], "b");
	CHECK(argv[2] == sentinel);
	CHECK_INT(proto_split("a\0b", 4, argv, 0), 2);
	/* Binary bytes between the NULs are kept. */
	CHECK_INT(proto_split("\x01\xff", 3, argv, 4), 1);
	CHECK_INT((unsigned char)argv[0][1], 0xff);
}

static void test_first_len(void)
{
	CHECK_INT(proto_first_len("abc\0def", 7), 3);
	CHECK_INT(proto_first_len("\0", 1), 0);
	CHECK_INT(proto_first_len("abc", 3), -1);
	CHECK_INT(proto_first_len("", 0), -1);
}

static void test_parse_uint(void)
{
	unsigned long v = 12345;
	char buf[64];

	CHECK(proto_parse_uint("0", 10, &v) && v == 0);
	CHECK(proto_parse_uint("123", 1000, &v) && v == 123);
	CHECK(proto_parse_uint("007", 10, &v) && v == 7);
	CHECK(proto_parse_uint("65535", 65535, &v) && v == 65535);
	v = 99;
	CHECK(!proto_parse_uint("65536", 65535, &v));
	CHECK_INT(v, 99); /* untouched on failure */
	CHECK(!proto_parse_uint("", 10, &v));
	CHECK(!proto_parse_uint("-1", 10, &v));
	CHECK(!proto_parse_uint("+1", 10, &v));
	CHECK(!proto_parse_uint(" 1", 10, &v));
	CHECK(!proto_parse_uint("1 ", 10, &v));
	CHECK(!proto_parse_uint("0x10", 100, &v));
	CHECK(!proto_parse_uint("1.5", 100, &v));
	/* The full range of unsigned long, and one past it. */
	snprintf(buf, sizeof(buf), "%lu", ULONG_MAX);
	CHECK(proto_parse_uint(buf, ULONG_MAX, &v) && v == ULONG_MAX);
	CHECK(!proto_parse_uint("18446744073709551616", ULONG_MAX, &v) ||
	      ULONG_MAX != 18446744073709551615ul);
	CHECK(!proto_parse_uint("99999999999999999999999999", ULONG_MAX, &v));
	snprintf(buf, sizeof(buf), "%lu", ULONG_MAX - 1);
	CHECK(!proto_parse_uint(buf, ULONG_MAX - 2, &v));
	CHECK(proto_parse_uint(buf, ULONG_MAX - 1, &v) && v == ULONG_MAX - 1);
	/* 4294967295 with a 32-bit maximum, then one more. */
	CHECK(proto_parse_uint("4294967295", 0xFFFFFFFFul, &v) &&
	      v == 0xFFFFFFFFul);
	CHECK(!proto_parse_uint("4294967296", 0xFFFFFFFFul, &v));
}

static void test_valid_chars(void)
{
	CHECK(proto_valid_chars("azAZ09-_/@"));
	CHECK(proto_valid_chars(""));
	CHECK(!proto_valid_chars("a b"));
	CHECK(!proto_valid_chars("a.b"));
	CHECK(!proto_valid_chars("a:b"));
	CHECK(!proto_valid_chars("a\nb"));
	CHECK(!proto_valid_chars("a\xc3\xa9"));
	CHECK(!proto_valid_chars("a\\b"));
}

/* proto_canonical into a roomy buffer; returns the result or an
 * "ERR<n>" string. */
static const char *canon(const char *path, unsigned domid, bool special,
			 enum proto_path_kind *kind)
{
	static char out[XENSTORE_ABS_PATH_MAX + 64];
	static char err[32];
	int r = proto_canonical(path, domid, special, out, sizeof(out), kind);

	if (r < 0) {
		snprintf(err, sizeof(err), "ERR%d", -r);
		return err;
	}
	if ((size_t)r != strlen(out))
		return "BADLEN";
	return out;
}

static void test_canonical(void)
{
	enum proto_path_kind k = PROTO_PATH_SPECIAL;
	char einval[16], e2big[16], buf[8], big[XENSTORE_ABS_PATH_MAX + 8];
	int r;

	snprintf(einval, sizeof(einval), "ERR%d", EINVAL);
	snprintf(e2big, sizeof(e2big), "ERR%d", E2BIG);

	CHECK_STR(canon("/", 5, false, &k), "/");
	CHECK_INT(k, PROTO_PATH_ABS);
	CHECK_STR(canon("/a/b", 5, false, &k), "/a/b");
	CHECK_INT(k, PROTO_PATH_ABS);
	/* Relative paths go below the caller's home. */
	CHECK_STR(canon("a", 5, false, &k), "/local/domain/5/a");
	CHECK_INT(k, PROTO_PATH_REL);
	CHECK_STR(canon("a/b-c_d", 0, false, NULL), "/local/domain/0/a/b-c_d");
	CHECK_STR(canon("x", 32752, false, NULL), "/local/domain/32752/x");
	/* Structure: empty, "//", trailing '/' but for the root. */
	CHECK_STR(canon("", 5, false, NULL), einval);
	CHECK_STR(canon("", 5, true, NULL), einval);
	CHECK_STR(canon("//", 5, false, NULL), einval);
	CHECK_STR(canon("/a//b", 5, false, NULL), einval);
	CHECK_STR(canon("/a/", 5, false, NULL), einval);
	CHECK_STR(canon("a/", 5, false, NULL), einval);
	CHECK_STR(canon("a//b", 5, false, NULL), einval);
	/* XSA-481: "/local/domain/" is a trailing-slash path, nothing more. */
	CHECK_STR(canon("/local/domain/", 5, false, NULL), einval);
	CHECK_STR(canon("/local/domain/5/", 5, false, NULL), einval);
	/* Characters outside [A-Za-z0-9-/_@]. */
	CHECK_STR(canon("/a b", 5, false, NULL), einval);
	CHECK_STR(canon("/a.b", 5, false, NULL), einval);
	CHECK_STR(canon("a\tb", 5, false, NULL), einval);
	CHECK_STR(canon("/a\xff", 5, false, NULL), einval);
	/* '@' starts a special path only where one is allowed... */
	CHECK_STR(canon("@introduceDomain", 5, true, &k), "@introduceDomain");
	CHECK_INT(k, PROTO_PATH_SPECIAL);
	CHECK_STR(canon("@introduceDomain", 5, false, NULL), einval);
	CHECK_STR(canon("@releaseDomain/7", 0, true, NULL), "@releaseDomain/7");
	CHECK_STR(canon("@releaseDomain/", 0, true, NULL), einval);
	CHECK_STR(canon("@a//b", 0, true, NULL), einval);
	/* ... but inside a name it is an ordinary character (valid_chars). */
	CHECK_STR(canon("/a@b", 5, false, NULL), "/a@b");
	CHECK_STR(canon("x@y", 5, false, NULL), "/local/domain/5/x@y");

	/* What does not fit is E2BIG; an exact fit is fine. */
	r = proto_canonical("/abcdefg", 0, false, buf, sizeof(buf), NULL);
	CHECK_INT(r, -E2BIG);
	r = proto_canonical("/abcdef", 0, false, buf, sizeof(buf), NULL);
	CHECK_INT(r, 7);
	CHECK_STR(buf, "/abcdef");
	r = proto_canonical("a", 5, false, buf, sizeof(buf), NULL);
	CHECK_INT(r, -E2BIG);
	memset(big, 'x', sizeof(big));
	big[0] = '/';
	big[XENSTORE_ABS_PATH_MAX] = '\0';
	CHECK_INT(strlen(canon(big, 0, false, NULL)), XENSTORE_ABS_PATH_MAX);
	{
		char out[XENSTORE_ABS_PATH_MAX + 1];

		r = proto_canonical(big, 0, false, out, sizeof(out), NULL);
		CHECK_INT(r, XENSTORE_ABS_PATH_MAX);
		big[XENSTORE_ABS_PATH_MAX] = 'x';
		big[XENSTORE_ABS_PATH_MAX + 1] = '\0';
		r = proto_canonical(big, 0, false, out, sizeof(out), NULL);
		CHECK_INT(r, -E2BIG);
	}
}

static void test_prefix_and_quota_len(void)
{
	CHECK_INT(proto_home_prefix_len(5), strlen("/local/domain/5/"));
	CHECK_INT(proto_home_prefix_len(0), strlen("/local/domain/0/"));
	CHECK_INT(proto_home_prefix_len(12345), strlen("/local/domain/12345/"));

	/* Only what lies below /local/domain/<N>/ counts. */
	CHECK_INT(proto_quota_path_len("/local/domain/5/abc"), 3);
	CHECK_INT(proto_quota_path_len("/local/domain/12/a/b"), 3);
	CHECK_INT(proto_quota_path_len("/local/domain/32752/data"), 4);
	CHECK_INT(proto_quota_path_len("/local/domain/00005/data"), 4);
	/* Six digits are more than C's %5u reads: nothing is stripped. */
	CHECK_INT(proto_quota_path_len("/local/domain/000005/data"), 25);
	/* sscanf's %u takes a sign, and '-' may be in a path. */
	CHECK_INT(proto_quota_path_len("/local/domain/-1234/data"), 4);
	CHECK_INT(proto_quota_path_len("/local/domain/-12345/data"), 25);
	CHECK_INT(proto_quota_path_len("/local/domain/-/data"), 20);
	/* The home itself and anything else count in full. */
	CHECK_INT(proto_quota_path_len("/local/domain/5"),
		  strlen("/local/domain/5"));
	CHECK_INT(proto_quota_path_len("/local/domain"),
		  strlen("/local/domain"));
	CHECK_INT(proto_quota_path_len("/vm/abc"), 7);
	CHECK_INT(proto_quota_path_len("/"), 1);
	CHECK_INT(proto_quota_path_len("/local/domain/x/abc"),
		  strlen("/local/domain/x/abc"));
	CHECK_INT(proto_quota_path_len("/local/domain/5x/a"),
		  strlen("/local/domain/5x/a"));
	CHECK_INT(proto_quota_path_len("/local/domainx/5/a"),
		  strlen("/local/domainx/5/a"));
	CHECK_INT(proto_quota_path_len("/Local/domain/5/a"),
		  strlen("/Local/domain/5/a"));
	CHECK_INT(proto_quota_path_len("@releaseDomain"),
		  strlen("@releaseDomain"));
}

/* Parse one permission; "ERR" or "<perm>/<domid>". */
static const char *perm(const char *s)
{
	static char out[32];
	struct proto_perm p = {0xABCD, 0xEE, 0xEE};

	if (proto_perm_parse(s, &p) < 0)
		return "ERR";
	snprintf(out, sizeof(out), "%u/%u/%u", p.perm, p.domid, p.ignore);
	return out;
}

static void test_perm_parse(void)
{
	CHECK_STR(perm("n0"), "0/0/0");
	CHECK_STR(perm("r5"), "1/5/0");
	CHECK_STR(perm("w7"), "2/7/0");
	CHECK_STR(perm("b65535"), "3/65535/0");
	CHECK_STR(perm("r32757"), "1/32757/0"); /* DOMID_ANY */
	/* strtol(..., 0): hex and octal forms as libxenstore accepts. */
	CHECK_STR(perm("r0x1f"), "1/31/0");
	CHECK_STR(perm("w0X10"), "2/16/0");
	CHECK_STR(perm("b010"), "3/8/0");
	CHECK_STR(perm("r0xffff"), "1/65535/0");
	/* Whatever strtol leaves unparsed makes the string invalid. */
	CHECK_STR(perm("r08"), "ERR");
	CHECK_STR(perm("r0x"), "ERR");
	CHECK_STR(perm("r5x"), "ERR");
	CHECK_STR(perm("r5 "), "ERR");
	/* Letters. */
	CHECK_STR(perm("x5"), "ERR");
	CHECK_STR(perm("R5"), "ERR");
	CHECK_STR(perm("rw5"), "ERR");
	CHECK_STR(perm("5"), "ERR");
	CHECK_STR(perm(""), "ERR");
	/* A domid is required. */
	CHECK_STR(perm("r"), "ERR");
	CHECK_STR(perm("n"), "ERR");
	/* Out of range. */
	CHECK_STR(perm("r-1"), "ERR");
	CHECK_STR(perm("r65536"), "ERR");
	CHECK_STR(perm("r0x10000"), "ERR");
	CHECK_STR(perm("r99999999999999999999999"), "ERR");
}

static void test_perm_format(void)
{
	static const char *const all[] = {"n0", "r1",     "w2",
					  "b3", "b65535", "r32757"};
	struct proto_perm p;
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		CHECK_INT(proto_perm_parse(all[i], &p), 0);
		CHECK_INT(proto_perm_format(&p, buf, sizeof(buf)),
			  strlen(all[i]));
		CHECK_STR(buf, all[i]);
	}
	/* Parsed forms come back in decimal. */
	CHECK_INT(proto_perm_parse("r0x1f", &p), 0);
	proto_perm_format(&p, buf, sizeof(buf));
	CHECK_STR(buf, "r31");
}

static void test_errno_names(void)
{
	/* xsd_errors[] of xs_wire.h, EPERM (2022) included. */
	static const struct {
		int err;
		const char *name;
	} t[] = {
		{EINVAL, "EINVAL"},       {EACCES, "EACCES"},
		{EEXIST, "EEXIST"},       {EISDIR, "EISDIR"},
		{ENOENT, "ENOENT"},       {ENOMEM, "ENOMEM"},
		{ENOSPC, "ENOSPC"},       {EIO, "EIO"},
		{ENOTEMPTY, "ENOTEMPTY"}, {ENOSYS, "ENOSYS"},
		{EROFS, "EROFS"},         {EBUSY, "EBUSY"},
		{EAGAIN, "EAGAIN"},       {EISCONN, "EISCONN"},
		{E2BIG, "E2BIG"},         {EPERM, "EPERM"},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK_STR(proto_errno_name(t[i].err), t[i].name);
	/* Anything else is EINVAL on the wire (send_error). */
	CHECK_STR(proto_errno_name(ERANGE), "EINVAL");
	CHECK_STR(proto_errno_name(EPROTO), "EINVAL");
	CHECK_STR(proto_errno_name(0), "EINVAL");
	CHECK_STR(proto_errno_name(-ENOENT), "EINVAL");
	CHECK_STR(proto_errno_name(99999), "EINVAL");
}

static void test_type_names(void)
{
	CHECK_STR(proto_type_name(XS_CONTROL), "CONTROL");
	CHECK_STR(proto_type_name(XS_READ), "READ");
	CHECK_STR(proto_type_name(XS_DIRECTORY_PART), "DIRECTORY_PART");
	CHECK_STR(proto_type_name(XS_GET_FEATURE_T), "GET_FEATURE");
	CHECK_STR(proto_type_name(XS_SET_QUOTA_T), "SET_QUOTA");
	CHECK(proto_type_name(20) == NULL); /* the removed XS_RESTRICT */
	CHECK(proto_type_name(XS_TYPE_MAX) == NULL);
	CHECK(proto_type_name(XS_INVALID) == NULL);
	CHECK(proto_type_name(0xFFFFFFFFu) == NULL);
}

int main(void)
{
	RUN(test_split);
	RUN(test_first_len);
	RUN(test_parse_uint);
	RUN(test_valid_chars);
	RUN(test_canonical);
	RUN(test_prefix_and_quota_len);
	RUN(test_perm_parse);
	RUN(test_perm_format);
	RUN(test_errno_names);
	RUN(test_type_names);
	return CHECK_DONE();
}
