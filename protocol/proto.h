/*
 * proto.h: the XenStore wire protocol as pure functions: message types and
 * their names, error strings, argument splitting, path checks and
 * canonicalisation, permission strings.  No I/O, no allocation beyond what
 * a caller passes in, so everything here is easy to test and to fuzz.
 *
 * Debian 12 ships Xen 4.17's xs_wire.h; the types and feature bits added in
 * 4.21 and 4.22 are defined here (see docs/misc/xenstore.txt upstream).
 */
#ifndef PROTOCOL_PROTO_H
#define PROTOCOL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

/* Message types newer than 4.17's header. */
#define XS_GET_FEATURE_T 23
#define XS_SET_FEATURE_T 24
#define XS_GET_QUOTA_T   25
#define XS_SET_QUOTA_T   26
#define XS_TYPE_MAX      27 /* one past the last type we know */

/* Ring feature bits (4.21/4.22). */
#ifndef XENSTORE_SERVER_FEATURE_WATCHDEPTH
#define XENSTORE_SERVER_FEATURE_WATCHDEPTH 4
#endif
#ifndef XENSTORE_SERVER_FEATURE_DOMID_ANY
#define XENSTORE_SERVER_FEATURE_DOMID_ANY 8
#endif

#define PROTO_HDR_SIZE             ((size_t)sizeof(struct xsd_sockmsg))
#define PROTO_DOMID_ANY            0x7FF5u
#define PROTO_DOMID_FIRST_RESERVED 0x7FF0u

/* Name of a message type ("READ"), or NULL when unknown. */
const char *proto_type_name(uint32_t type);

/* Wire error string for a positive errno: "EINVAL" for anything unknown. */
const char *proto_errno_name(int err);

/*
 * Split a payload into NUL-terminated strings.  Stores up to max pointers
 * into argv and returns how many strings there are, or -1 when the payload
 * does not end in a NUL (an empty payload has 0 strings).
 */
int proto_split(const char *payload, size_t len, const char **argv, int max);

/* The length of the first string of a payload, or -1 if there is no NUL. */
int proto_first_len(const char *payload, size_t len);

/* Parse an unsigned decimal that must fill the whole string. */
bool proto_parse_uint(const char *s, unsigned long max, unsigned long *out);

/* Valid node-name characters: [A-Za-z0-9-/_@]. */
bool proto_valid_chars(const char *s);

enum proto_path_kind {
	PROTO_PATH_ABS,     /* /... */
	PROTO_PATH_REL,     /* relative to the domain's home */
	PROTO_PATH_SPECIAL, /* @introduceDomain ... */
};

/*
 * Canonicalise a client path: relative paths get "/local/domain/<domid>/"
 * in front.  Writes the result, NUL-terminated, into out (outsz bytes).
 * Returns the canonical length, -EINVAL for a bad path (bad characters,
 * empty, "//", trailing "/" other than the root, '@' where not allowed),
 * or -E2BIG when it does not fit.  *kind (may be NULL) says which form the
 * input had.
 */
int proto_canonical(const char *path, unsigned domid, bool allow_special,
		    char *out, size_t outsz, enum proto_path_kind *kind);

/* Characters of "/local/domain/<domid>/" for that domid. */
size_t proto_home_prefix_len(unsigned domid);

/*
 * The part of a canonical path that counts against the path-max quota: the
 * path without any leading "/local/domain/<N>/" (N of up to 5 digits).
 */
size_t proto_quota_path_len(const char *canonical);

/* Permissions. */
#define PROTO_PERM_NONE  0
#define PROTO_PERM_READ  1
#define PROTO_PERM_WRITE 2
#define PROTO_PERM_BOTH  3

struct proto_perm {
	uint16_t domid;
	uint8_t perm;   /* PROTO_PERM_* */
	uint8_t ignore; /* entry of a dead domain, skipped */
};

/*
 * Parse one "r5" / "w0" / "b3" / "n1" string.  The domid takes the usual
 * strtol base-0 forms as libxenstore writes them.  Returns 0 or -EINVAL.
 */
int proto_perm_parse(const char *s, struct proto_perm *p);

/* Format one permission ("r5") into buf; returns its length. */
int proto_perm_format(const struct proto_perm *p, char *buf, size_t sz);

#endif
