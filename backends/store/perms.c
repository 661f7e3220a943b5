/*
 * perms.c: interned permission sets (see perms.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backends/store/perms.h"
#include "lib/hmap.h"

struct pset {
	uint32_t id;
	uint32_t refs;
	uint32_t hash;
	unsigned n;
	struct proto_perm p[];
};

struct perms_table {
	struct pset **sets; /* by id */
	uint32_t cap;
	uint32_t free_head; /* free ids chained through sets[] as NULL + list */
	uint32_t *free_ids;
	uint32_t nfree;
	struct hmap index; /* hash of entries -> pset */
	size_t live;
};

struct pkey {
	const struct proto_perm *p;
	unsigned n;
};

static uint32_t pset_hash(const struct proto_perm *p, unsigned n)
{
	return hash_bytes(p, n * sizeof(*p), n);
}

static bool pset_eq(const void *val, const void *key, void *ctx)
{
	const struct pset *s = val;
	const struct pkey *k = key;

	return s->n == k->n && memcmp(s->p, k->p, k->n * sizeof(*k->p)) == 0;
}

struct perms_table *perms_table_new(void)
{
	struct perms_table *pt = calloc(1, sizeof(*pt));

	if (pt)
		hmap_init(&pt->index);
	return pt;
}

void perms_table_free(struct perms_table *pt)
{
	uint32_t i;

	if (!pt)
		return;
	for (i = 0; i < pt->cap; i++)
		free(pt->sets[i]);
	free(pt->sets);
	free(pt->free_ids);
	hmap_free(&pt->index);
	free(pt);
}

static int take_id(struct perms_table *pt, uint32_t *id)
{
	if (pt->nfree) {
		*id = pt->free_ids[--pt->nfree];
		return 0;
	}
	if (pt->live >= pt->cap) {
		uint32_t ncap = pt->cap ? pt->cap * 2 : 64;
		struct pset **ns = realloc(pt->sets, ncap * sizeof(*ns));
		uint32_t *nf;

		if (!ns)
			return -ENOMEM;
		pt->sets = ns;
		nf = realloc(pt->free_ids, ncap * sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		pt->free_ids = nf;
		memset(ns + pt->cap, 0, (ncap - pt->cap) * sizeof(*ns));
		pt->cap = ncap;
	}
	*id = (uint32_t)pt->live;
	return 0;
}

uint32_t perms_intern(struct perms_table *pt, const struct proto_perm *p,
		      unsigned n)
{
	struct pkey k = {p, n};
	uint32_t h = pset_hash(p, n), id;
	struct pset *s = hmap_get(&pt->index, h, pset_eq, &k, NULL);

	if (s) {
		s->refs++;
		return s->id;
	}
	if (n == 0 || take_id(pt, &id) < 0)
		return PERMS_NONE;
	s = malloc(sizeof(*s) + n * sizeof(*p));
	if (!s)
		goto fail;
	s->id = id;
	s->refs = 1;
	s->hash = h;
	s->n = n;
	memcpy(s->p, p, n * sizeof(*p));
	if (hmap_put(&pt->index, h, s) < 0) {
		free(s);
		goto fail;
	}
	pt->sets[id] = s;
	pt->live++;
	return id;
fail:
	pt->free_ids[pt->nfree++] = id;
	return PERMS_NONE;
}

void perms_ref(struct perms_table *pt, uint32_t id)
{
	pt->sets[id]->refs++;
}

void perms_unref(struct perms_table *pt, uint32_t id)
{
	struct pset *s;

	if (id == PERMS_NONE)
		return;
	s = pt->sets[id];
	if (--s->refs)
		return;
	hmap_del(&pt->index, s->hash, s);
	pt->sets[id] = NULL;
	free(s);
	pt->free_ids[pt->nfree++] = id;
	pt->live--;
}

const struct proto_perm *perms_get(const struct perms_table *pt, uint32_t id,
				   unsigned *n)
{
	*n = pt->sets[id]->n;
	return pt->sets[id]->p;
}

unsigned perms_owner(const struct perms_table *pt, uint32_t id)
{
	return pt->sets[id]->p[0].domid;
}

unsigned perms_access(const struct proto_perm *p, unsigned n, unsigned domid,
		      unsigned target)
{
	unsigned i;

	if (p[0].domid == domid || p[0].domid == target)
		return PERM_READ | PERM_WRITE | PERM_OWNER;
	for (i = 1; i < n; i++) {
		if (p[i].ignore)
			continue;
		if (p[i].domid == domid || p[i].domid == target ||
		    p[i].domid == PROTO_DOMID_ANY)
			return p[i].perm;
	}
	return p[0].perm;
}

size_t perms_forget_domain(struct perms_table *pt, unsigned domid)
{
	size_t changed = 0;
	uint32_t i;
	unsigned j;

	for (i = 0; i < pt->cap; i++) {
		struct pset *s = pt->sets[i];
		bool hit = false;

		if (!s)
			continue;
		for (j = 1; j < s->n; j++) {
			if (s->p[j].domid == domid && !s->p[j].ignore) {
				s->p[j].ignore = 1;
				hit = true;
				changed++;
			}
		}
		if (hit) {
			/* Rehash: its entries changed.  Duplicates are fine. */
			hmap_del(&pt->index, s->hash, s);
			s->hash = pset_hash(s->p, s->n);
			hmap_put(&pt->index, s->hash, s);
		}
	}
	return changed;
}

int perms_format(const struct proto_perm *p, unsigned n, char *buf, size_t size)
{
	size_t off = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		int l;

		if (p[i].ignore)
			continue;
		l = proto_perm_format(&p[i], buf + off, size - off);
		if (l < 0 || off + (size_t)l + 1 > size)
			return -E2BIG;
		off += (size_t)l + 1;
	}
	return (int)off;
}

size_t perms_table_count(const struct perms_table *pt)
{
	return pt->live;
}
