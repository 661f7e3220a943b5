/*
 * watch.c: the path-indexed watch table (see watch.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/store/store_int.h"
#include "backends/store/watch.h"

struct watch {
	struct watch *cnext; /* the connection's list */
	struct watch *bnext; /* the bucket's list */
	struct wbucket *b;
	struct conn *c;
	char *token;
	size_t prefix_len;
	int depth;
};

/* All watches on one path. */
struct wbucket {
	uint32_t hash;
	struct watch *head;
	char path[];
};

struct watch_index {
	struct hmap paths;
};

struct pkey {
	const char *p;
	size_t len;
};

static bool bucket_eq(const void *val, const void *key, void *ctx)
{
	const struct wbucket *b = val;
	const struct pkey *k = key;

	return strncmp(b->path, k->p, k->len) == 0 && b->path[k->len] == '\0';
}

struct watch_index *watch_index_new(void)
{
	struct watch_index *wi = calloc(1, sizeof(*wi));

	if (wi)
		hmap_init(&wi->paths);
	return wi;
}

void watch_index_free(struct watch_index *wi)
{
	size_t cur = 0;
	struct wbucket *b;

	if (!wi)
		return;
	while ((b = hmap_next(&wi->paths, &cur)))
		free(b);
	hmap_free(&wi->paths);
	free(wi);
}

static struct wbucket *bucket_find(struct watch_index *wi, const char *p,
				   size_t len)
{
	struct pkey k = {p, len};

	return hmap_get(&wi->paths, hash_bytes(p, len, 0), bucket_eq, &k, NULL);
}

static size_t watch_bytes(const char *path, const char *token)
{
	return strlen(path) + strlen(token) + sizeof(struct watch);
}

int watch_add(struct store *st, struct conn *c, const char *path,
	      const char *token, size_t prefix_len, int depth)
{
	struct watch_index *wi = st->widx;
	size_t plen = strlen(path);
	struct wbucket *b = bucket_find(wi, path, plen);
	struct watch *w;
	struct domain *d = NULL;

	if (b)
		for (w = b->head; w; w = w->bnext)
			if (w->c == c && strcmp(w->token, token) == 0)
				return -EEXIST;
	if (!c->priv) {
		unsigned q = domain_quota(st, c->domid, QUOTA_WATCHES);
		unsigned mq = domain_quota(st, c->domid, QUOTA_MEMORY);

		d = conn_domain(c);
		if (!d)
			return -EACCES; /* the domain this was made for is gone
					 */
		if (q && d->watches >= q)
			return -ENOSPC;
		if (mq && d->memory + watch_bytes(path, token) > mq)
			return -ENOSPC;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->token = strdup(token);
	if (!w->token)
		goto nomem;
	if (!b) {
		b = malloc(sizeof(*b) + plen + 1);
		if (!b)
			goto nomem;
		memcpy(b->path, path, plen + 1);
		b->hash = hash_bytes(path, plen, 0);
		b->head = NULL;
		if (hmap_put(&wi->paths, b->hash, b) < 0) {
			free(b);
			goto nomem;
		}
	}
	w->b = b;
	w->c = c;
	w->prefix_len = prefix_len;
	w->depth = depth;
	w->bnext = b->head;
	b->head = w;
	w->cnext = c->watches;
	c->watches = w;
	c->nwatches++;
	st->nwatches++;
	if (d) {
		d->watches++;
		d->memory += watch_bytes(path, token);
	}
	return 0;
nomem:
	free(w->token);
	free(w);
	return -ENOMEM;
}

/* Unlink w from its bucket (dropping an empty bucket) and free it. */
static void watch_destroy(struct store *st, struct watch *w)
{
	struct wbucket *b = w->b;
	size_t bytes = watch_bytes(b->path, w->token);
	struct watch **pp;

	for (pp = &b->head; *pp != w; pp = &(*pp)->bnext)
		;
	*pp = w->bnext;
	if (!b->head) {
		hmap_del(&st->widx->paths, b->hash, b);
		free(b);
	}
	if (!w->c->priv) {
		struct domain *d = conn_domain(w->c);

		/* A released domain's usage was reset already. */
		if (d) {
			d->watches -= d->watches ? 1 : 0;
			d->memory -= d->memory >= bytes ? bytes : d->memory;
		}
	}
	w->c->nwatches--;
	st->nwatches--;
	free(w->token);
	free(w);
}

int watch_del(struct store *st, struct conn *c, const char *path,
	      const char *token)
{
	struct watch **pp;

	for (pp = &c->watches; *pp; pp = &(*pp)->cnext) {
		struct watch *w = *pp;

		if (strcmp(w->b->path, path) == 0 &&
		    strcmp(w->token, token) == 0) {
			*pp = w->cnext;
			watch_destroy(st, w);
			return 0;
		}
	}
	return -ENOENT;
}

void watch_del_all(struct store *st, struct conn *c)
{
	while (c->watches) {
		struct watch *w = c->watches;

		c->watches = w->cnext;
		watch_destroy(st, w);
	}
}

/* May c see an event on a node with these permissions (XSA-115)? */
static bool may_see(struct store *st, struct conn *c, uint32_t perms,
		    uint32_t old_perms, uint32_t parent_perms)
{
	unsigned target = domain_target(st, c->domid), n;
	const struct proto_perm *p;

	if (c->priv)
		return true;
	if (old_perms != PERMS_NONE) {
		p = perms_get(st->perms, old_perms, &n);
		if (perms_access(p, n, c->domid, target) & PERM_READ)
			return true;
	}
	if (perms != PERMS_NONE) {
		p = perms_get(st->perms, perms, &n);
		if (perms_access(p, n, c->domid, target) & PERM_READ)
			return true;
	}
	if (parent_perms != PERMS_NONE) {
		p = perms_get(st->perms, parent_perms, &n);
		if (perms_access(p, n, c->domid, target) & PERM_READ)
			return true;
	}
	return false;
}

/* Levels below the watched path (length wlen) that path lies. */
static int depth_below(const char *path, size_t wlen)
{
	int d = 0;
	const char *s = path + wlen;

	if (wlen == 1 && path[0] == '/')
		s = path; /* "/" watches: "/a" is one level down */
	if (!*s || (wlen == 1 && !path[1]))
		return 0;
	for (; *s; s++)
		d += *s == '/';
	return d;
}

static void send_event(struct store *st, struct watch *w, const char *path,
		       size_t plen, bool special)
{
	char buf[XENSTORE_PAYLOAD_MAX + 1];
	const char *ep = path + (w->prefix_len <= plen ? w->prefix_len : 0);
	size_t elen = strlen(ep), tlen = strlen(w->token);
	size_t len = elen + 1 + tlen + 1;

	if (len > XENSTORE_PAYLOAD_MAX || w->c->dead)
		return; /* over-long events are dropped (XSA-324) */
	if (!w->c->priv) {
		/* Unread events count against the domain's memory. */
		unsigned q = domain_quota(st, w->c->domid, QUOTA_MEMORY);
		struct domain *d = conn_domain(w->c);

		if (q && (d ? d->memory : 0) + w->c->out_bytes + len > q)
			return;
	}
	memcpy(buf, ep, elen + 1);
	memcpy(buf + elen + 1, w->token, tlen + 1);
	conn_queue(w->c, XS_WATCH_EVENT, 0, 0, buf, len,
		   special ? 0 : (hash_bytes(buf, len, 7) | 1));
}

static void fire_bucket(struct store *st, struct wbucket *b, const char *path,
			size_t plen, uint32_t perms, uint32_t old_perms,
			uint32_t parent_perms)
{
	struct watch *w, *next;
	bool special = path[0] == '@';
	size_t wlen = strlen(b->path);

	for (w = b->head; w; w = next) {
		next = w->bnext;
		if (w->depth >= 0 && !special &&
		    depth_below(path, wlen) > w->depth)
			continue;
		if (!may_see(st, w->c, perms, old_perms, parent_perms))
			continue;
		send_event(st, w, path, plen, special);
	}
}

void watch_fire(struct store *st, const char *path, bool exact, uint32_t perms,
		uint32_t old_perms)
{
	struct watch_index *wi = st->widx;
	size_t plen = strlen(path), i;
	uint32_t parent_perms = PERMS_NONE;
	struct wbucket *b;

	if (wi->paths.count == 0)
		return;
	if (path[0] == '/' && plen > 1) {
		const char *slash = strrchr(path, '/');
		char parent[XENSTORE_ABS_PATH_MAX + 1];
		size_t l = slash == path ? 1 : (size_t)(slash - path);
		node_id pn;

		if (l < sizeof(parent)) {
			memcpy(parent, path, l);
			parent[l] = '\0';
			pn = tree_lookup(st->tree, parent);
			if (pn)
				parent_perms = tree_perms(st->tree, pn);
		}
	}
	if (exact || path[0] != '/') {
		b = bucket_find(wi, path, plen);
		if (b)
			fire_bucket(st, b, path, plen, perms, old_perms,
				    parent_perms);
		return;
	}
	/* "/", then every ancestor, then the path itself. */
	b = bucket_find(wi, "/", 1);
	if (b)
		fire_bucket(st, b, path, plen, perms, old_perms, parent_perms);
	for (i = 1; i <= plen && plen > 1; i++) {
		if (i < plen && path[i] != '/')
			continue;
		b = bucket_find(wi, path, i);
		if (b)
			fire_bucket(st, b, path, plen, perms, old_perms,
				    parent_perms);
	}
}

/* One event for a special watch: which path it shows depends on the watch. */
static void fire_special_bucket(struct store *st, struct wbucket *b,
				const char *name, const char *with_domid,
				uint32_t perms)
{
	struct watch *w, *next;
	bool exact = strcmp(b->path, name) != 0;

	for (w = b->head; w; w = next) {
		const char *path = exact || w->depth >= 1 ? with_domid : name;

		next = w->bnext;
		if (!may_see(st, w->c, perms, PERMS_NONE, PERMS_NONE))
			continue;
		send_event(st, w, path, strlen(path), true);
	}
}

void watch_fire_special(struct store *st, const char *name, unsigned domid,
			uint32_t perms)
{
	char with_domid[64];
	struct wbucket *b;

	snprintf(with_domid, sizeof(with_domid), "%s/%u", name, domid);
	b = bucket_find(st->widx, name, strlen(name));
	if (b)
		fire_special_bucket(st, b, name, with_domid, perms);
	b = bucket_find(st->widx, with_domid, strlen(with_domid));
	if (b)
		fire_special_bucket(st, b, name, with_domid, perms);
}
