/*
 * domain.c: the store's domain table and per-domain accounting.
 *
 * An entry is made the first time a domain owns a node, opens a
 * transaction, sets a watch or is introduced.  Quotas count against the
 * entry; SET_QUOTA can give one domain limits of its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backends/store/db.h"
#include "backends/store/domain_ops.h"
#include "backends/store/store_int.h"
#include "backends/store/watch.h"
#include "lib/log.h"

static uint32_t dom_hash(unsigned domid)
{
	return hash_bytes(&domid, sizeof(domid), 3);
}

static bool dom_eq(const void *val, const void *key, void *ctx)
{
	return ((const struct domain *)val)->domid == *(const unsigned *)key;
}

struct domain *domain_find(const struct store *st, unsigned domid)
{
	return hmap_get(&st->domains, dom_hash(domid), dom_eq, &domid, NULL);
}

struct domain *conn_domain(const struct conn *c)
{
	struct domain *d = domain_find(c->st, c->domid);

	return d && d->incarnation == c->incarnation ? d : NULL;
}

struct domain *domain_get(struct store *st, unsigned domid)
{
	struct domain *d = domain_find(st, domid);

	if (d)
		return d;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->domid = domid;
	d->incarnation = ++st->next_incarnation;
	d->target = DOMID_NONE;
	if (hmap_put(&st->domains, dom_hash(domid), d) < 0) {
		free(d);
		return NULL;
	}
	return d;
}

void domain_free_all(struct store *st)
{
	size_t cur = 0;
	struct domain *d;

	while ((d = hmap_next(&st->domains, &cur)))
		free(d);
	hmap_free(&st->domains);
}

unsigned domain_quota(const struct store *st, unsigned domid, enum quota_id q)
{
	const struct domain *d = domain_find(st, domid);

	if (d && d->own_quota)
		return d->hard.val[q];
	return st->cfg.hard.val[q];
}

unsigned domain_target(const struct store *st, unsigned domid)
{
	const struct domain *d = domain_find(st, domid);

	return d ? d->target : DOMID_NONE;
}

size_t node_acct_bytes(size_t nlen, size_t vlen, unsigned nperms)
{
	return 32 + nlen + vlen + nperms * sizeof(struct proto_perm);
}

void domain_acct_node(struct store *st, unsigned owner, long nodes, long bytes)
{
	struct domain *d = domain_get(st, owner);
	unsigned soft;

	if (!d)
		return; /* out of memory: accounting is best effort then */
	soft = d->own_quota ? d->soft.val[QUOTA_MEMORY]
			    : st->cfg.soft.val[QUOTA_MEMORY];
	/* Saturate: a released domain's usage was reset already. */
	d->nodes = (long)d->nodes + nodes < 0
			   ? 0
			   : (size_t)((long)d->nodes + nodes);
	d->memory = (long)d->memory + bytes < 0
			    ? 0
			    : (size_t)((long)d->memory + bytes);
	if (owner != st->cfg.priv_domid && soft && d->memory > soft &&
	    !d->soft_warned) {
		log_warnx("domain %u uses %zu bytes, over the soft memory "
			  "quota of %u",
			  owner, d->memory, soft);
		d->soft_warned = true;
	} else if (d->memory <= soft) {
		d->soft_warned = false;
	}
}

bool domain_is_introduced(const struct store *st, unsigned domid)
{
	const struct domain *d = domain_find(st, domid);

	return domid == st->cfg.priv_domid || (d && d->introduced);
}

bool domain_exists(const struct store *st, unsigned domid)
{
	if (domain_is_introduced(st, domid) || !st->dops.exists)
		return true;
	return st->dops.exists(st->dops.arg, domid);
}

void domain_fire_special(struct store *st, const char *name, unsigned domid)
{
	node_id n = tree_lookup(st->tree, name);

	if (n)
		watch_fire_special(st, name, domid, tree_perms(st->tree, n));
}

int domain_introduce(struct store *st, unsigned domid, uint64_t mfn,
		     unsigned port)
{
	struct domain *d = domain_get(st, domid);
	bool fresh;

	if (!d)
		return -ENOMEM;
	fresh = !d->introduced;
	/* A fresh domain, or a new port (kexec, soft reset): (re)connect. */
	if ((fresh || port != d->port) && st->dops.introduce) {
		int r = st->dops.introduce(st->dops.arg, domid, mfn, port);

		if (r < 0)
			return r;
	}
	d->introduced = true;
	d->mfn = mfn;
	d->port = port;
	if (fresh) {
		d->shutdown_fired = false;
		domain_fire_special(st, "@introduceDomain", domid);
	}
	return 0;
}

/* Full path of a node into buf; false when it does not fit. */
static bool node_path(struct store *st, node_id n, char *buf, size_t size)
{
	size_t pos = size - 1;

	buf[pos] = '\0';
	if (n == tree_root(st->tree)) {
		buf[0] = '/';
		buf[1] = '\0';
		return true;
	}
	while (n && n != tree_root(st->tree)) {
		size_t len;
		const char *name = tree_name(st->tree, n, &len);

		if (len + 1 > pos)
			return false;
		pos -= len;
		memcpy(buf + pos, name, len);
		buf[--pos] = '/';
		n = tree_parent(st->tree, n);
	}
	memmove(buf, buf + pos, size - pos);
	return true;
}

/* Give node n to the privileged domain (-K/--keep-orphans). */
static void give_to_priv(struct store *st, node_id n, unsigned domid)
{
	struct proto_perm p[64];
	const struct proto_perm *pp;
	unsigned cnt;
	uint32_t np;

	pp = perms_get(st->perms, tree_perms(st->tree, n), &cnt);
	if (cnt > 64)
		cnt = 64;
	memcpy(p, pp, cnt * sizeof(*p));
	p[0].domid = (uint16_t)st->cfg.priv_domid;
	np = perms_intern(st->perms, p, cnt);
	if (np == PERMS_NONE)
		return;
	{
		size_t nlen, vlen;
		long bytes;

		tree_name(st->tree, n, &nlen);
		tree_value(st->tree, n, &vlen);
		bytes = (long)node_acct_bytes(nlen, vlen, cnt);
		domain_acct_node(st, domid, -1, -bytes);
		domain_acct_node(st, st->cfg.priv_domid, 1, bytes);
	}
	perms_unref(st->perms, tree_perms(st->tree, n));
	tree_set_perms(st->tree, n, np);
}

/*
 * Delete every node the domain owns, with whatever lies below it (or,
 * with -K, hand them to the privileged domain).  One walk of the tree
 * finds the topmost owned nodes; then each subtree goes.
 */
static void remove_owned(struct store *st, unsigned domid)
{
	char path[XENSTORE_ABS_PATH_MAX + 64];
	char **doomed = NULL;
	size_t n = 0, cap = 0, i;
	node_id id = tree_walk_next(st->tree, 0);

	/* "/" and the special nodes cannot go: dom0 takes them back. */
	for (i = 0; i < 3; i++) {
		node_id keep =
			i == 0   ? tree_root(st->tree)
			: i == 1 ? tree_lookup(st->tree, "@introduceDomain")
				 : tree_lookup(st->tree, "@releaseDomain");

		if (keep &&
		    perms_owner(st->perms, tree_perms(st->tree, keep)) == domid)
			give_to_priv(st, keep, domid);
	}
	while (id) {
		if (id == tree_root(st->tree) ||
		    perms_owner(st->perms, tree_perms(st->tree, id)) != domid) {
			id = tree_walk_next(st->tree, id);
			continue;
		}
		if (st->cfg.keep_orphans) {
			give_to_priv(st, id, domid);
			id = tree_walk_next(st->tree, id);
			continue;
		}
		if (n == cap) {
			char **nd = realloc(doomed,
					    (cap ? cap * 2 : 16) * sizeof(*nd));

			if (!nd)
				break;
			doomed = nd;
			cap = cap ? cap * 2 : 16;
		}
		if (node_path(st, id, path, sizeof(path)) &&
		    (doomed[n] = strdup(path)))
			n++;
		id = tree_walk_skip(st->tree, id);
	}
	for (i = 0; i < n; i++) {
		db_live_remove(st, doomed[i], true);
		free(doomed[i]);
	}
	free(doomed);
}

/* Everything a released or dead domain leaves behind goes. */
static void domain_teardown(struct store *st, struct domain *d)
{
	unsigned domid = d->domid;

	d->introduced = false;
	domain_fire_special(st, "@releaseDomain", domid);
	if (st->dops.release)
		st->dops.release(st->dops.arg, domid);
	remove_owned(st, domid);
	perms_forget_domain(st->perms, domid);
	/*
	 * A later domain with this domid starts from nothing (XSA-483); the
	 * old connections' usage no longer counts anywhere.
	 */
	hmap_del(&st->domains, dom_hash(domid), d);
	free(d);
}

int domain_release(struct store *st, unsigned domid)
{
	struct domain *d = domain_find(st, domid);

	if (!d || !d->introduced)
		return -ENOENT;
	domain_teardown(st, d);
	return 0;
}

void store_domain_gone(struct store *st, unsigned domid)
{
	struct domain *d = domain_find(st, domid);

	/* The store domain's own tree is never torn down. */
	if (d && d->introduced && domid != st->cfg.priv_domid)
		domain_teardown(st, d);
}

void store_domain_shutdown(struct store *st, unsigned domid)
{
	struct domain *d = domain_find(st, domid);

	if (!d || !d->introduced || d->shutdown_fired)
		return;
	d->shutdown_fired = true;
	domain_fire_special(st, "@releaseDomain", domid);
}

int domain_resume(struct store *st, unsigned domid)
{
	struct domain *d = domain_find(st, domid);

	if (!d || !d->introduced)
		return -ENOENT;
	d->shutdown_fired = false;
	return 0;
}

int domain_set_target(struct store *st, unsigned domid, unsigned target)
{
	struct domain *d = domain_find(st, domid);

	if (!d || !d->introduced || !domain_is_introduced(st, target))
		return -ENOENT;
	d->target = target;
	return 0;
}

long domain_get_features(const struct store *st, unsigned domid)
{
	const struct domain *d = domain_find(st, domid);

	if (!d)
		return STORE_FEATURES;
	return d->features_set ? d->features : STORE_FEATURES;
}

int domain_set_features(struct store *st, unsigned domid, unsigned features)
{
	struct domain *d;

	if (features & ~(unsigned)STORE_FEATURES)
		return -EINVAL;
	d = domain_get(st, domid);
	if (!d)
		return -ENOMEM;
	if (d->introduced)
		return -EBUSY;
	d->features = features;
	d->features_set = true;
	return 0;
}

static int quota_by_name(const char *name, bool *soft)
{
	*soft = strncmp(name, "soft-", 5) == 0;
	return quota_lookup(*soft ? name + 5 : name);
}

int store_quota_get(const struct store *st, int domid, const char *name,
		    unsigned *val)
{
	bool soft;
	int q = quota_by_name(name, &soft);
	const struct domain *d;

	if (q < 0)
		return -EINVAL;
	if (domid < 0) {
		*val = soft ? st->cfg.soft.val[q] : st->cfg.hard.val[q];
		return 0;
	}
	d = domain_find(st, (unsigned)domid);
	if (!d)
		return -ENOENT;
	if (soft)
		*val = d->own_quota ? d->soft.val[q] : st->cfg.soft.val[q];
	else
		*val = d->own_quota ? d->hard.val[q] : st->cfg.hard.val[q];
	return 0;
}

int store_quota_set(struct store *st, int domid, const char *name, unsigned val)
{
	bool soft;
	int q = quota_by_name(name, &soft);
	struct domain *d;

	if (q < 0)
		return -EINVAL;
	if (domid < 0) {
		if (soft)
			st->cfg.soft.val[q] = val;
		else
			st->cfg.hard.val[q] = val;
		return 0;
	}
	d = domain_find(st, (unsigned)domid);
	if (!d)
		return -ENOENT;
	if (!d->own_quota) {
		d->hard = st->cfg.hard;
		d->soft = st->cfg.soft;
		d->own_quota = true;
	}
	if (soft)
		d->soft.val[q] = val;
	else
		d->hard.val[q] = val;
	return 0;
}
