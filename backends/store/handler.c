/*
 * handler.c: what each XenStore request does, one table row per type
 * (xenstored's wire_funcs[] in spirit).  Handlers parse their arguments,
 * call the db/txn/watch/domain layers, and leave a reply in the request's
 * buffer; errors come back as -errno and become "E<NAME>" exactly here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/store/control.h"
#include "backends/store/db.h"
#include "backends/store/domain_ops.h"
#include "backends/store/handler.h"
#include "backends/store/txn.h"
#include "backends/store/watch.h"

#define ARGS_MAX 8

struct req {
	struct store *st;
	struct conn *c;
	struct txn *t;
	const struct xsd_sockmsg *hdr;
	const char *payload;
	size_t len;
	struct actx a;
	char out[XENSTORE_PAYLOAD_MAX + 1];
	size_t outlen;
	bool overflow;
	bool replied; /* the handler queued its reply itself */
};

/* Append bytes to the reply; too long a reply becomes E2BIG. */
static void put(struct req *r, const void *p, size_t len)
{
	if (r->overflow || r->outlen + len > XENSTORE_PAYLOAD_MAX) {
		r->overflow = true;
		return;
	}
	memcpy(r->out + r->outlen, p, len);
	r->outlen += len;
}

static void put_str0(struct req *r, const char *s)
{
	put(r, s, strlen(s) + 1);
}

static int ok(struct req *r)
{
	put_str0(r, "OK");
	return 0;
}

/* The single string argument, or NULL: the payload must be "arg\0". */
static const char *onearg(const struct req *r)
{
	int l = proto_first_len(r->payload, r->len);

	return l >= 0 && (size_t)l + 1 == r->len ? r->payload : NULL;
}

/* Exactly n strings, NUL-terminated, filling the payload. */
static bool nargs(const struct req *r, const char **argv, int n)
{
	return proto_split(r->payload, r->len, argv, n) == n;
}

/* Canonicalise a client path into buf (XENSTORE_ABS_PATH_MAX + 1). */
static int canon(struct req *r, const char *path, bool special, char *buf,
		 enum proto_path_kind *kind)
{
	int l = proto_canonical(path, r->c->domid, special, buf,
				XENSTORE_ABS_PATH_MAX + 1, kind);

	if (l == -E2BIG)
		return -EINVAL;
	if (l < 0)
		return l;
	if (!r->c->priv) {
		unsigned q = domain_quota(r->st, r->c->domid, QUOTA_PATH_MAX);

		if (q && buf[0] == '/' && proto_quota_path_len(buf) > q)
			return -EINVAL;
	}
	return l;
}

/* The request's single argument, a path, canonicalised into buf. */
static int onepath(struct req *r, bool special, char *buf)
{
	const char *arg = onearg(r);
	int ret;

	if (!arg)
		return -EINVAL;
	ret = canon(r, arg, special, buf, NULL);
	return ret < 0 ? ret : 0;
}

static int parse_domid(const char *s, unsigned *domid)
{
	unsigned long v;

	if (!s || !proto_parse_uint(s, PROTO_DOMID_FIRST_RESERVED - 1, &v))
		return -EINVAL;
	*domid = (unsigned)v;
	return 0;
}

static int do_read(struct req *r)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	struct nview v;
	int ret = onepath(r, false, path);

	if (ret < 0)
		return ret;
	ret = db_get(&r->a, path, PERM_READ, &v);
	if (ret < 0)
		return ret;
	put(r, v.value, v.vlen);
	return 0;
}

static int dir_cb(void *arg, const char *name, size_t len)
{
	struct req *r = arg;

	put(r, name, len);
	put(r, "", 1);
	return r->overflow;
}

static int do_directory(struct req *r)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	struct nview v;
	int ret = onepath(r, false, path);

	if (ret < 0)
		return ret;
	ret = db_get(&r->a, path, PERM_READ, &v);
	if (ret < 0)
		return ret;
	return db_children(&r->a, &v, path, dir_cb, r) < 0 ? -ENOMEM : 0;
}

struct part_ctx {
	struct req *r;
	size_t off, pos; /* wanted offset, bytes of names seen so far */
	size_t room;
	bool done;
};

static int part_cb(void *arg, const char *name, size_t len)
{
	struct part_ctx *p = arg;

	if (p->pos >= p->off) {
		if (len + 1 > p->room)
			return 1; /* this chunk is full */
		put(p->r, name, len);
		put(p->r, "", 1);
		p->room -= len + 1;
	}
	p->pos += len + 1;
	return 0;
}

static int do_directory_part(struct req *r)
{
	const char *argv[2];
	char path[XENSTORE_ABS_PATH_MAX + 1], gen[24];
	struct part_ctx p = {r, 0, 0, 0, false};
	unsigned long off;
	struct nview v;
	int ret, gl;

	if (!nargs(r, argv, 2) || !proto_parse_uint(argv[1], SIZE_MAX, &off))
		return -EINVAL;
	ret = canon(r, argv[0], false, path, NULL);
	if (ret < 0)
		return ret;
	ret = db_get(&r->a, path, PERM_READ, &v);
	if (ret < 0)
		return ret;
	gl = snprintf(gen, sizeof(gen), "%u", v.gen);
	put(r, gen, (size_t)gl + 1);
	p.off = off;
	/* Leave room for the final empty string. */
	p.room = XENSTORE_PAYLOAD_MAX - r->outlen - 1;
	ret = db_children(&r->a, &v, path, part_cb, &p);
	if (ret < 0)
		return -ENOMEM;
	if (ret == 0)
		put(r, "", 1); /* the last chunk ends with an empty string */
	return 0;
}

static int do_get_perms(struct req *r)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	const struct proto_perm *p;
	struct nview v;
	unsigned n;
	int ret = onepath(r, true, path);

	if (ret < 0)
		return ret;
	ret = db_get(&r->a, path, PERM_READ, &v);
	if (ret < 0)
		return ret;
	p = perms_get(r->st->perms, v.perms, &n);
	ret = perms_format(p, n, r->out, sizeof(r->out) - 1);
	if (ret < 0)
		return ret;
	r->outlen = (size_t)ret;
	return 0;
}

static int do_write(struct req *r)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	int l = proto_first_len(r->payload, r->len), ret;

	if (l < 0)
		return -EINVAL;
	ret = canon(r, r->payload, false, path, NULL);
	if (ret < 0)
		return ret;
	ret = db_write(&r->a, path, r->payload + l + 1, r->len - (size_t)l - 1);
	return ret < 0 ? ret : ok(r);
}

/* A request naming one node, answered "OK". */
static int path_op(struct req *r, int (*op)(struct actx *, const char *))
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	int ret = onepath(r, false, path);

	if (ret < 0)
		return ret;
	ret = op(&r->a, path);
	return ret < 0 ? ret : ok(r);
}

static int do_mkdir(struct req *r)
{
	return path_op(r, db_mkdir);
}

static int do_rm(struct req *r)
{
	return path_op(r, db_rm);
}

static int do_set_perms(struct req *r)
{
	const char *argv[64];
	struct proto_perm p[63];
	char path[XENSTORE_ABS_PATH_MAX + 1];
	int n = proto_split(r->payload, r->len, argv, 64), i, ret;

	if (n < 2 || n > 64)
		return n > 64 ? -ENOSPC : -EINVAL;
	ret = canon(r, argv[0], true, path, NULL);
	if (ret < 0)
		return ret;
	for (i = 1; i < n; i++)
		if (proto_perm_parse(argv[i], &p[i - 1]) < 0)
			return -EINVAL;
	/*
	 * Entries naming a domain that does not exist are kept but ignored
	 * (C's XS_PERM_IGNORE), so a domain made later with that domid gets
	 * nothing from them; an owner that does not exist is an error.
	 */
	if (!domain_exists(r->a.st, p[0].domid))
		return -ENOENT;
	for (i = 1; i < n - 1; i++)
		if (p[i].domid != PROTO_DOMID_ANY &&
		    !domain_exists(r->a.st, p[i].domid))
			p[i].ignore = 1;
	ret = db_set_perms(&r->a, path, p, (unsigned)(n - 1));
	return ret < 0 ? ret : ok(r);
}

static int do_watch(struct req *r)
{
	const char *argv[3];
	char path[XENSTORE_ABS_PATH_MAX + 1];
	enum proto_path_kind kind;
	int n = proto_split(r->payload, r->len, argv, 3), ret, depth = -1;
	size_t prefix;

	if (n != 2 && n != 3)
		return -EINVAL;
	if (n == 3) {
		unsigned long d;

		if (!proto_parse_uint(argv[2], 1000, &d))
			return -EINVAL;
		depth = (int)d;
	}
	ret = canon(r, argv[0], true, path, &kind);
	if (ret < 0)
		return ret;
	if (kind == PROTO_PATH_SPECIAL && depth > 1)
		return -EINVAL;
	prefix =
		kind == PROTO_PATH_REL ? proto_home_prefix_len(r->c->domid) : 0;
	ret = watch_add(r->st, r->c, path, argv[1], prefix, depth);
	if (ret < 0)
		return ret;
	/* OK first, then the event every new watch fires at once. */
	conn_queue(r->c, XS_WATCH, r->hdr->req_id, r->hdr->tx_id, "OK", 3, 0);
	{
		char ev[XENSTORE_PAYLOAD_MAX];
		size_t pl = strlen(argv[0]), tl = strlen(argv[1]);

		if (pl + tl + 2 <= sizeof(ev)) {
			memcpy(ev, argv[0], pl + 1);
			memcpy(ev + pl + 1, argv[1], tl + 1);
			conn_queue(r->c, XS_WATCH_EVENT, 0, 0, ev, pl + tl + 2,
				   0);
		}
	}
	r->replied = true;
	return 0;
}

static int do_unwatch(struct req *r)
{
	const char *argv[2];
	char path[XENSTORE_ABS_PATH_MAX + 1];
	int ret;

	if (!nargs(r, argv, 2))
		return -EINVAL;
	ret = canon(r, argv[0], true, path, NULL);
	if (ret < 0)
		return ret;
	ret = watch_del(r->st, r->c, path, argv[1]);
	return ret < 0 ? ret : ok(r);
}

static int do_reset_watches(struct req *r)
{
	watch_del_all(r->st, r->c);
	txn_free_all(r->st, r->c);
	r->t = NULL;
	return ok(r);
}

static int do_transaction_start(struct req *r)
{
	char buf[16];
	uint32_t id;
	int ret;

	if (r->t)
		return -EBUSY; /* no nested transactions */
	ret = txn_start(r->st, r->c, &id);
	if (ret < 0)
		return ret;
	snprintf(buf, sizeof(buf), "%u", id);
	put_str0(r, buf);
	return 0;
}

static int do_transaction_end(struct req *r)
{
	const char *arg = onearg(r);
	struct txn *t = r->t;
	int ret;

	if (!arg || (strcmp(arg, "T") != 0 && strcmp(arg, "F") != 0))
		return -EINVAL;
	if (!t)
		return -ENOENT;
	r->t = NULL;
	ret = txn_end(r->st, r->c, t, arg[0] == 'T');
	return ret < 0 ? ret : ok(r);
}

static int do_get_domain_path(struct req *r)
{
	char buf[40];
	unsigned domid;

	if (parse_domid(onearg(r), &domid) < 0)
		return -EINVAL;
	snprintf(buf, sizeof(buf), "/local/domain/%u", domid);
	put_str0(r, buf);
	return 0;
}

static int do_introduce(struct req *r)
{
	const char *argv[3];
	unsigned domid;
	unsigned long port;
	char *end;
	long long mfn;
	int n = proto_split(r->payload, r->len, argv, 3);

	if (n < 3 || parse_domid(argv[0], &domid) < 0 ||
	    !proto_parse_uint(argv[2], 0xFFFFFFFFul, &port) || port == 0)
		return -EINVAL;
	errno = 0;
	mfn = strtoll(argv[1], &end, 10);
	if (errno || end == argv[1] || *end)
		return -EINVAL;
	n = domain_introduce(r->st, domid, (uint64_t)mfn, (unsigned)port);
	return n < 0 ? n : ok(r);
}

/* RELEASE and RESUME: one domid, never the store domain's own. */
static int do_domain_op(struct req *r,
			int (*op)(struct store *st, unsigned domid))
{
	unsigned domid;
	int ret;

	if (parse_domid(onearg(r), &domid) < 0 ||
	    domid == r->st->cfg.priv_domid)
		return -EINVAL;
	ret = op(r->st, domid);
	return ret < 0 ? ret : ok(r);
}

static int do_release(struct req *r)
{
	return do_domain_op(r, domain_release);
}

static int do_resume(struct req *r)
{
	return do_domain_op(r, domain_resume);
}

static int do_is_domain_introduced(struct req *r)
{
	unsigned domid;

	if (parse_domid(onearg(r), &domid) < 0)
		return -EINVAL;
	put_str0(r, domain_is_introduced(r->st, domid) ? "T" : "F");
	return 0;
}

static int do_set_target(struct req *r)
{
	const char *argv[2];
	unsigned domid, target;
	int ret;

	if (!nargs(r, argv, 2) || parse_domid(argv[0], &domid) < 0 ||
	    parse_domid(argv[1], &target) < 0)
		return -EINVAL;
	ret = domain_set_target(r->st, domid, target);
	return ret < 0 ? ret : ok(r);
}

static int do_get_feature(struct req *r)
{
	const char *argv[1];
	char buf[16];
	unsigned domid;
	int n = proto_split(r->payload, r->len, argv, 1);
	long v;

	if (n > 1 || n < 0)
		return -EINVAL;
	if (n == 1 && argv[0][0]) {
		if (!r->c->priv)
			return -EACCES;
		if (parse_domid(argv[0], &domid) < 0)
			return -EINVAL;
		v = domain_get_features(r->st, domid);
	} else {
		v = STORE_FEATURES;
	}
	snprintf(buf, sizeof(buf), "%ld", v);
	put_str0(r, buf);
	return 0;
}

static int do_set_feature(struct req *r)
{
	const char *argv[2];
	unsigned domid;
	unsigned long v;
	int ret;

	if (!nargs(r, argv, 2) || parse_domid(argv[0], &domid) < 0 ||
	    !proto_parse_uint(argv[1], 0xFFFFFFFFul, &v))
		return -EINVAL;
	ret = domain_set_features(r->st, domid, (unsigned)v);
	return ret < 0 ? ret : ok(r);
}

static int do_get_quota(struct req *r)
{
	const char *argv[2];
	int n = proto_split(r->payload, r->len, argv, 2), i;
	unsigned domid, v;
	char buf[16];
	int ret;

	if (n < 0 || n > 2)
		return -EINVAL;
	if (n == 0 || (n == 1 && !argv[0][0])) {
		for (i = 0; i < QUOTA_COUNT; i++) {
			if (i)
				put(r, " ", 1);
			put(r, quota_name(i), strlen(quota_name(i)));
		}
		/* Soft quotas that are in force, as "soft-<name>". */
		for (i = 0; i < QUOTA_COUNT; i++) {
			if (!r->st->cfg.soft.val[i])
				continue;
			put(r, " soft-", 6);
			put(r, quota_name(i), strlen(quota_name(i)));
		}
		put(r, "", 1);
		return 0;
	}
	if (n == 2 && parse_domid(argv[0], &domid) < 0)
		return -EINVAL;
	ret = store_quota_get(r->st, n == 2 ? (int)domid : -1, argv[n - 1], &v);
	if (ret < 0)
		return ret;
	snprintf(buf, sizeof(buf), "%u", v);
	put_str0(r, buf);
	return 0;
}

static int do_set_quota(struct req *r)
{
	const char *argv[3];
	int n = proto_split(r->payload, r->len, argv, 3);
	unsigned long v;
	unsigned domid;
	int ret;

	if (n != 2 && n != 3)
		return -EINVAL;
	if (n == 3 && parse_domid(argv[0], &domid) < 0)
		return -EINVAL;
	if (!proto_parse_uint(argv[n - 1], 0xFFFFFFFFul, &v))
		return -EINVAL;
	ret = store_quota_set(r->st, n == 3 ? (int)domid : -1, argv[n - 2],
			      (unsigned)v);
	return ret < 0 ? ret : ok(r);
}

static int do_control(struct req *r)
{
	const char *argv[ARGS_MAX];
	char *reply = NULL;
	int n = proto_split(r->payload, r->len, argv, ARGS_MAX), ret;

	if (n <= 0 || n > ARGS_MAX)
		return -EINVAL;
	ret = control_run(r->st, n, argv, &reply);
	if (ret < 0)
		return ret;
	if (reply) {
		put_str0(r, reply);
		free(reply);
	} else {
		ok(r);
	}
	return 0;
}

#define F_PRIV  1 /* privileged connections only */
#define F_NOTID 2 /* the transaction id is ignored */

static const struct {
	int (*fn)(struct req *r);
	unsigned flags;
} handlers[XS_TYPE_MAX] = {
	[XS_CONTROL] = {do_control, F_PRIV},
	[XS_DIRECTORY] = {do_directory, 0},
	[XS_READ] = {do_read, 0},
	[XS_GET_PERMS] = {do_get_perms, 0},
	[XS_WATCH] = {do_watch, F_NOTID},
	[XS_UNWATCH] = {do_unwatch, F_NOTID},
	[XS_TRANSACTION_START] = {do_transaction_start, 0},
	[XS_TRANSACTION_END] = {do_transaction_end, 0},
	[XS_INTRODUCE] = {do_introduce, F_PRIV},
	[XS_RELEASE] = {do_release, F_PRIV},
	[XS_GET_DOMAIN_PATH] = {do_get_domain_path, 0},
	[XS_WRITE] = {do_write, 0},
	[XS_MKDIR] = {do_mkdir, 0},
	[XS_RM] = {do_rm, 0},
	[XS_SET_PERMS] = {do_set_perms, 0},
	[XS_IS_DOMAIN_INTRODUCED] = {do_is_domain_introduced, F_PRIV},
	[XS_RESUME] = {do_resume, F_PRIV},
	[XS_SET_TARGET] = {do_set_target, F_PRIV},
	[XS_RESET_WATCHES] = {do_reset_watches, F_NOTID},
	[XS_DIRECTORY_PART] = {do_directory_part, 0},
	[XS_GET_FEATURE_T] = {do_get_feature, 0},
	[XS_SET_FEATURE_T] = {do_set_feature, F_PRIV},
	[XS_GET_QUOTA_T] = {do_get_quota, F_PRIV},
	[XS_SET_QUOTA_T] = {do_set_quota, F_PRIV},
};

static void reply_error(struct conn *c, const struct xsd_sockmsg *hdr, int err)
{
	const char *name = proto_errno_name(err);

	conn_queue(c, XS_ERROR, hdr->req_id, hdr->tx_id, name, strlen(name) + 1,
		   0);
}

void handle_request(struct conn *c, const struct xsd_sockmsg *hdr,
		    const char *payload)
{
	struct store *st = c->st;
	static struct req r; /* one request at a time; keeps 4 KiB off-stack */
	int ret;

	if (st->hooks.trace)
		st->hooks.trace(st->hooks.arg, c, false, hdr, payload);
	if (hdr->type >= XS_TYPE_MAX || !handlers[hdr->type].fn) {
		reply_error(c, hdr, ENOSYS);
		return;
	}
	if ((handlers[hdr->type].flags & F_PRIV) && !c->priv) {
		reply_error(c, hdr, EACCES);
		return;
	}
	memset(&r, 0, offsetof(struct req, out));
	r.st = st;
	r.c = c;
	r.hdr = hdr;
	r.payload = payload;
	r.len = hdr->len;
	r.outlen = 0;
	r.overflow = false;
	r.replied = false;
	if (!(handlers[hdr->type].flags & F_NOTID) && hdr->tx_id) {
		r.t = txn_find(c, hdr->tx_id);
		if (!r.t) {
			reply_error(c, hdr, ENOENT);
			return;
		}
	}
	actx_init(&r.a, st, c, r.t);
	ret = handlers[hdr->type].fn(&r);
	if (r.replied)
		return;
	if (ret == 0 && r.overflow)
		ret = -E2BIG;
	if (ret < 0)
		reply_error(c, hdr, -ret);
	else
		conn_queue(c, hdr->type, hdr->req_id, hdr->tx_id, r.out,
			   r.outlen, 0);
}
