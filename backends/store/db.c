/*
 * db.c: node operations in or out of a transaction (see db.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/store/db.h"
#include "backends/store/watch.h"

#define MAX_LEVELS (XENSTORE_ABS_PATH_MAX / 2 + 1)

void actx_init(struct actx *a, struct store *st, struct conn *c, struct txn *t)
{
	a->st = st;
	a->c = c;
	a->t = t;
	a->domid = c ? c->domid : st->cfg.priv_domid;
	a->priv = c ? c->priv : true;
	a->target = domain_target(st, a->domid);
}

unsigned db_access(const struct actx *a, uint32_t perms)
{
	const struct proto_perm *p;
	unsigned n;

	if (a->priv)
		return PERM_READ | PERM_WRITE | PERM_OWNER;
	if (perms == PERMS_NONE)
		return 0;
	p = perms_get(a->st->perms, perms, &n);
	return perms_access(p, n, a->domid, a->target);
}

static unsigned perms_count(const struct store *st, uint32_t perms)
{
	unsigned n = 0;

	if (perms != PERMS_NONE)
		perms_get(st->perms, perms, &n);
	return n;
}

/* The node at path in the caller's view: 0, or -ENOENT, -ENOMEM... */
static int lookup(struct actx *a, const char *path, size_t plen,
		  struct nview *v)
{
	memset(v, 0, sizeof(*v));
	if (a->t) {
		int err = 0;
		struct txnode *tn =
			txn_node(a->st, a->c, a->t, path, plen, &err);

		if (!tn)
			return err;
		if (!tn->exists)
			return -ENOENT;
		v->tn = tn;
		v->value = tn->value ? tn->value : "";
		v->vlen = tn->vlen;
		v->perms = tn->perms;
		v->gen = tn->gen_seen;
		return 0;
	}
	if (path[plen] != '\0') {
		char buf[XENSTORE_ABS_PATH_MAX + 1];

		if (plen >= sizeof(buf))
			return -ENOENT;
		memcpy(buf, path, plen);
		buf[plen] = '\0';
		v->id = tree_lookup(a->st->tree, buf);
	} else {
		v->id = tree_lookup(a->st->tree, path);
	}
	if (!v->id)
		return -ENOENT;
	v->value = tree_value(a->st->tree, v->id, &v->vlen);
	v->perms = tree_perms(a->st->tree, v->id);
	v->gen = tree_gen(a->st->tree, v->id);
	return 0;
}

/* Length of the parent's path ("/" for top-level nodes), 0 for "/". */
static size_t parent_len(const char *path, size_t plen)
{
	if (path[0] != '/' || plen <= 1)
		return 0;
	while (plen > 1 && path[plen - 1] != '/')
		plen--;
	return plen > 1 ? plen - 1 : 1;
}

/* The nearest existing strict ancestor in the caller's view. */
static int nearest_parent(struct actx *a, const char *path, struct nview *v)
{
	size_t plen = strlen(path);

	if (path[0] != '/' || plen <= 1)
		return -ENOENT;
	for (;;) {
		int r;

		plen = parent_len(path, plen);
		if (plen == 0)
			return -ENOENT;
		r = lookup(a, path, plen, v);
		if (r != -ENOENT || plen == 1)
			return r;
	}
}

int db_get(struct actx *a, const char *path, unsigned want, struct nview *v)
{
	struct nview pv;
	int r = lookup(a, path, strlen(path), v);

	if (r == 0) {
		if ((db_access(a, v->perms) & want) == want)
			return 0;
		r = -EACCES;
	}
	if ((r != -ENOENT && r != -EACCES) || a->priv)
		return r;
	/* Say nothing about nodes below a parent the caller cannot use. */
	if (nearest_parent(a, path, &pv) < 0)
		return -EACCES;
	return (db_access(a, pv.perms) & want) ? r : -EACCES;
}

int db_children(struct actx *a, const struct nview *v, const char *path,
		db_child_fn *fn, void *arg)
{
	struct tree *t = a->st->tree;
	node_id id = v->id, ch;
	size_t i;
	int r;

	if (v->tn) {
		for (i = 0; i < v->tn->nkids; i++) {
			r = fn(arg, v->tn->kids[i], strlen(v->tn->kids[i]));
			if (r)
				return r;
		}
		return 0;
	}
	if (!id)
		return 0;
	for (ch = tree_first_child(t, id); ch; ch = tree_next_sibling(t, ch)) {
		size_t len;
		const char *name = tree_name(t, ch, &len);

		r = fn(arg, name, len);
		if (r)
			return r;
	}
	return 0;
}

struct sizer {
	size_t total, limit;
};

static int size_cb(void *arg, const char *name, size_t len)
{
	struct sizer *s = arg;

	s->total += len + 1;
	return s->total > s->limit;
}

/* Would this node exceed the node-size quota? */
static bool too_big(struct actx *a, const struct nview *v, const char *path,
		    uint32_t perms, size_t vlen, size_t extra)
{
	unsigned q = domain_quota(a->st, a->domid, QUOTA_NODE_SIZE);
	struct sizer s;

	if (a->priv || !q)
		return false;
	s.total = perms_count(a->st, perms) * 8 + vlen + extra;
	s.limit = q;
	if (s.total > q)
		return true;
	if (v)
		db_children(a, v, path, size_cb, &s);
	return s.total > q;
}

static void fire(struct actx *a, struct txnode *tn, const char *path,
		 bool exact, uint32_t perms, uint32_t old_perms)
{
	if (a->t) {
		if (!exact)
			tn->fire = FIRE_SUBTREE;
		else if (tn->fire == FIRE_NONE)
			tn->fire = FIRE_EXACT;
		return;
	}
	watch_fire(a->st, path, exact, perms, old_perms);
}

/* Permissions for a node created below parent_perms by the caller:
 * the parent's, but an unprivileged creator owns what it makes. */
static uint32_t inherit_perms(struct store *st, uint32_t parent_perms,
			      bool priv, unsigned domid)
{
	struct proto_perm p[64];
	const struct proto_perm *pp;
	unsigned n;

	pp = perms_get(st->perms, parent_perms, &n);
	if (priv || pp[0].domid == domid || n > 64) {
		perms_ref(st->perms, parent_perms);
		return parent_perms;
	}
	memcpy(p, pp, n * sizeof(*p));
	p[0].domid = (uint16_t)domid;
	return perms_intern(st->perms, p, n);
}

static size_t bytes_of(struct store *st, size_t nlen, size_t vlen,
		       uint32_t perms)
{
	return node_acct_bytes(nlen, vlen, perms_count(st, perms));
}

/* A new live node holding the reference `perms`, accounted to its owner. */
static node_id live_new_node(struct store *st, node_id parent, const char *name,
			     size_t nlen, uint32_t perms, const void *val,
			     size_t vlen)
{
	node_id id =
		tree_create(st->tree, parent, name, nlen, perms, val, vlen);

	if (!id) {
		perms_unref(st->perms, perms);
		return 0;
	}
	domain_acct_node(st, perms_owner(st->perms, perms), 1,
			 (long)bytes_of(st, nlen, vlen, perms));
	return id;
}

static int live_set_value(struct store *st, node_id id, const void *val,
			  size_t vlen)
{
	size_t old;
	uint32_t perms = tree_perms(st->tree, id);
	int r;

	tree_value(st->tree, id, &old);
	r = tree_set_value(st->tree, id, val, vlen);
	if (r == 0)
		domain_acct_node(st, perms_owner(st->perms, perms), 0,
				 (long)vlen - (long)old);
	return r;
}

/* Move node id to the permission set `perms` (a reference we pass on). */
static void live_set_perms(struct store *st, node_id id, uint32_t perms)
{
	uint32_t old = tree_perms(st->tree, id);
	size_t nlen, vlen;

	tree_name(st->tree, id, &nlen);
	tree_value(st->tree, id, &vlen);
	domain_acct_node(st, perms_owner(st->perms, old), -1,
			 -(long)bytes_of(st, nlen, vlen, old));
	domain_acct_node(st, perms_owner(st->perms, perms), 1,
			 (long)bytes_of(st, nlen, vlen, perms));
	tree_set_perms(st->tree, id, perms);
	perms_unref(st->perms, old);
}

struct rm_ctx {
	struct store *st;
	node_id top;
	bool fire;
};

static void rm_visit(void *arg, node_id n, const char *path, size_t plen)
{
	struct rm_ctx *rc = arg;
	struct store *st = rc->st;
	uint32_t perms = tree_perms(st->tree, n);
	size_t nlen, vlen;

	if (rc->fire && plen)
		watch_fire(st, path, n != rc->top, perms, PERMS_NONE);
	tree_name(st->tree, n, &nlen);
	tree_value(st->tree, n, &vlen);
	domain_acct_node(st, perms_owner(st->perms, perms), -1,
			 -(long)bytes_of(st, nlen, vlen, perms));
	perms_unref(st->perms, perms);
}

void db_live_remove(struct store *st, const char *path, bool fire)
{
	struct rm_ctx rc = {st, tree_lookup(st->tree, path), fire};

	if (rc.top && rc.top != tree_root(st->tree))
		tree_remove(st->tree, rc.top, path, rm_visit, &rc);
}

int db_live_put(struct store *st, struct conn *c, const char *path,
		const void *val, size_t vlen, uint32_t perms)
{
	node_id cur = tree_root(st->tree), next;
	const char *p = path + 1, *end;
	bool priv = c ? c->priv : true;
	unsigned domid = c ? c->domid : st->cfg.priv_domid;

	if (path[0] == '@') {
		/* Special nodes exist from the start; only perms change. */
		next = tree_lookup(st->tree, path);
		if (next && tree_perms(st->tree, next) != perms) {
			perms_ref(st->perms, perms);
			live_set_perms(st, next, perms);
		}
		return next ? 0 : -ENOENT;
	}
	if (path[0] != '/')
		return -EINVAL;
	for (; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, '/');
		next = tree_child(st->tree, cur, p, (size_t)(end - p));
		if (!next) {
			uint32_t np =
				*end ? inherit_perms(st,
						     tree_perms(st->tree, cur),
						     priv, domid)
				     : perms;

			if (!*end)
				perms_ref(st->perms, np);
			if (np == PERMS_NONE)
				return -ENOMEM;
			next = live_new_node(st, cur, p, (size_t)(end - p), np,
					     *end ? NULL : val,
					     *end ? 0 : vlen);
			if (!next)
				return -ENOMEM;
		} else if (!*end) {
			if (live_set_value(st, next, val, vlen) < 0)
				return -ENOMEM;
			if (tree_perms(st->tree, next) != perms) {
				perms_ref(st->perms, perms);
				live_set_perms(st, next, perms);
			}
		}
		cur = next;
	}
	return 0;
}

/* Would the caller's domain go over its node quota with `more` nodes? */
static bool over_node_quota(struct actx *a, size_t more)
{
	unsigned q = domain_quota(a->st, a->domid, QUOTA_NODES);
	struct domain *d;
	long have;

	if (a->priv || !q)
		return false;
	d = domain_find(a->st, a->domid);
	have = (long)(d ? d->nodes : 0) + (a->t ? a->t->node_delta : 0);
	return have + (long)more > (long)q;
}

static bool over_memory_quota(struct actx *a, size_t more)
{
	unsigned q = domain_quota(a->st, a->domid, QUOTA_MEMORY);
	struct domain *d;

	if (a->priv || !q)
		return false;
	d = domain_find(a->st, a->domid);
	return (d ? d->memory + d->txn_memory : 0) + more > q;
}

/* Where the last component of path[0..plen) starts. */
static size_t base_off(const char *path, size_t plen)
{
	size_t l = parent_len(path, plen);

	return l + (l > 1);
}

/* Make one missing node (and its place in the parent) in the overlay. */
static int tx_create_one(struct actx *a, struct nview *pv, const char *path,
			 size_t plen, uint32_t perms, const void *val,
			 size_t vlen)
{
	size_t off = base_off(path, plen);
	struct txnode *tn;
	int err = 0;

	if (txn_own_kids(a->st, pv->tn) < 0 ||
	    txn_kid_add(pv->tn, path + off, plen - off) < 0) {
		perms_unref(a->st->perms, perms);
		return -ENOMEM;
	}
	pv->tn->modified = true;
	tn = txn_node(a->st, a->c, a->t, path, plen, &err);
	if (!tn) {
		perms_unref(a->st->perms, perms);
		return err;
	}
	perms_unref(a->st->perms, tn->perms);
	tn->perms = perms;
	tn->exists = tn->modified = tn->kids_set = true;
	if (txn_set_value(tn, val, vlen) < 0)
		return -ENOMEM;
	txn_charge(a->st, a->c, a->t, (long)vlen);
	if (perms_owner(a->st->perms, perms) == a->domid)
		a->t->node_delta++;
	memset(pv, 0, sizeof(*pv));
	pv->tn = tn;
	pv->perms = perms;
	return 0;
}

/*
 * Create path and its missing parents.  The nearest existing parent must
 * grant write (db_get has checked that).
 */
static int create(struct actx *a, const char *path, const void *val,
		  size_t vlen)
{
	size_t ends[MAX_LEVELS], plen = strlen(path), l;
	unsigned levels = 0, i;
	struct nview pv;
	int r;

	/* Walk up to the nearest existing node. */
	l = plen;
	for (;;) {
		if (levels >= MAX_LEVELS)
			return -EINVAL;
		ends[levels++] = l;
		l = parent_len(path, l);
		if (l == 0)
			return -ENOENT;
		r = lookup(a, path, l, &pv);
		if (r == 0)
			break;
		if (r != -ENOENT)
			return r;
	}
	if (over_node_quota(a, levels) ||
	    over_memory_quota(a, node_acct_bytes(plen, vlen, 5)) ||
	    too_big(a, NULL, path, pv.perms, vlen, 0))
		return -ENOSPC;
	if (too_big(a, &pv, path, pv.perms, pv.vlen, ends[levels - 1] - l))
		return -ENOSPC;
	for (i = levels; i-- > 0;) {
		size_t e = ends[i];
		const void *v = i == 0 ? val : NULL;
		size_t vl = i == 0 ? vlen : 0;
		uint32_t np = inherit_perms(a->st, pv.perms, a->priv, a->domid);
		const char *name = path + base_off(path, e);
		node_id id;

		if (np == PERMS_NONE)
			return -ENOMEM;
		if (a->t) {
			r = tx_create_one(a, &pv, path, e, np, v, vl);
			if (r < 0)
				return r;
		} else {
			id = live_new_node(a->st, pv.id, name,
					   e - (size_t)(name - path), np, v,
					   vl);
			if (!id)
				return -ENOMEM;
			pv.id = id;
			pv.perms = np;
		}
		l = e;
	}
	fire(a, pv.tn, path, false, pv.perms, PERMS_NONE);
	return 0;
}

int db_write(struct actx *a, const char *path, const void *val, size_t vlen)
{
	struct nview v;
	int r = db_get(a, path, PERM_WRITE, &v);

	if (r == -ENOENT)
		return create(a, path, val, vlen);
	if (r < 0)
		return r;
	if (path[0] == '@')
		return -EINVAL;
	if (too_big(a, &v, path, v.perms, vlen, 0) ||
	    (vlen > v.vlen && over_memory_quota(a, vlen - v.vlen)))
		return -ENOSPC;
	if (a->t) {
		long delta = (long)vlen - (long)v.tn->vlen;

		if (txn_set_value(v.tn, val, vlen) < 0)
			return -ENOMEM;
		txn_charge(a->st, a->c, a->t, delta);
		v.tn->modified = true;
	} else if (live_set_value(a->st, v.id, val, vlen) < 0) {
		return -ENOMEM;
	}
	fire(a, v.tn, path, false, v.perms, PERMS_NONE);
	return 0;
}

int db_mkdir(struct actx *a, const char *path)
{
	struct nview v;
	int r = db_get(a, path, PERM_WRITE, &v);

	if (r == -ENOENT)
		return create(a, path, NULL, 0);
	return r;
}

/* Remove path and everything below it from the overlay. */
static int tx_rm(struct actx *a, const char *path, struct nview *v)
{
	char **stack = NULL;
	size_t n = 0, cap = 0, plen = strlen(path);
	struct nview pv;
	int r = 0;

	/* Unhook from the parent's child list first. */
	r = lookup(a, path, parent_len(path, plen), &pv);
	if (r < 0)
		return r;
	if (txn_own_kids(a->st, pv.tn) < 0)
		return -ENOMEM;
	txn_kid_del(pv.tn, path + base_off(path, plen),
		    plen - base_off(path, plen));
	pv.tn->modified = true;

	stack = malloc(sizeof(*stack) * 16);
	if (!stack)
		return -ENOMEM;
	cap = 16;
	stack[n++] = strdup(path);
	while (n > 0) {
		char *p = stack[--n];
		struct nview cv;
		size_t i;

		if (!p) {
			r = -ENOMEM;
			continue;
		}
		if (r == 0 && lookup(a, p, strlen(p), &cv) == 0) {
			struct txnode *tn = cv.tn;

			if (!tn->kids_set)
				r = txn_own_kids(a->st, tn);
			for (i = 0; r == 0 && i < tn->nkids; i++) {
				char *cp;

				if (n == cap) {
					char **ns = realloc(
						stack, 2 * cap * sizeof(*ns));

					if (!ns) {
						r = -ENOMEM;
						break;
					}
					stack = ns;
					cap *= 2;
				}
				if (asprintf(&cp, "%s/%s", p, tn->kids[i]) < 0)
					cp = NULL;
				stack[n++] = cp;
			}
			for (i = 0; i < tn->nkids; i++)
				free(tn->kids[i]);
			tn->nkids = 0;
			tn->kids_set = true;
			tn->exists = false;
			tn->modified = true;
			if (tn->perms != PERMS_NONE &&
			    perms_owner(a->st->perms, tn->perms) == a->domid)
				a->t->node_delta--;
			fire(a, tn, p, strcmp(p, path) != 0, tn->perms,
			     PERMS_NONE);
		}
		free(p);
	}
	free(stack);
	(void)v;
	return r;
}

int db_rm(struct actx *a, const char *path)
{
	struct nview v, pv;
	size_t plen = strlen(path);
	int r = db_get(a, path, PERM_WRITE, &v);

	if (r == -ENOENT) {
		size_t l = parent_len(path, plen);

		if (l && lookup(a, path, l, &pv) == 0)
			return 0;
		return -ENOENT;
	}
	if (r < 0)
		return r;
	if (strcmp(path, "/") == 0 || path[0] == '@')
		return -EINVAL;
	if (a->t)
		return tx_rm(a, path, &v);
	db_live_remove(a->st, path, true);
	return 0;
}

int db_set_perms(struct actx *a, const char *path, const struct proto_perm *p,
		 unsigned n)
{
	unsigned q = domain_quota(a->st, a->domid, QUOTA_NODE_PERMS);
	struct nview v;
	uint32_t np, old;
	int r;

	if (n == 0)
		return -EINVAL;
	if (!a->priv && q && n > q)
		return -ENOSPC;
	r = db_get(a, path, PERM_WRITE | PERM_OWNER, &v);
	if (r < 0)
		return r;
	old = v.perms;
	if (!a->priv && p[0].domid != perms_owner(a->st->perms, old))
		return -EPERM;
	np = perms_intern(a->st->perms, p, n);
	if (np == PERMS_NONE)
		return -ENOMEM;
	if (a->t) {
		/* The overlay may hold the only reference to the old set. */
		if (perms_owner(a->st->perms, old) == a->domid)
			a->t->node_delta--;
		if (perms_owner(a->st->perms, np) == a->domid)
			a->t->node_delta++;
		perms_unref(a->st->perms, v.tn->perms);
		v.tn->perms = np;
		v.tn->modified = true;
		fire(a, v.tn, path, false, np, old);
		return 0;
	}
	perms_ref(a->st->perms, old);
	live_set_perms(a->st, v.id, np);
	watch_fire(a->st, path, false, np, old);
	perms_unref(a->st->perms, old);
	return 0;
}
