/*
 * hmap.c: open-addressing hash tables (see hmap.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"

/* FNV-1a, then a final avalanche so linear probing sees mixed low bits. */
uint32_t hash_bytes(const void *p, size_t len, uint32_t seed)
{
	const unsigned char *s = p;
	uint32_t h = 2166136261u ^ seed;

	while (len--) {
		h ^= *s++;
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	h ^= h >> 16;
	return h;
}

void hmap_init(struct hmap *m)
{
	memset(m, 0, sizeof(*m));
}

void hmap_free(struct hmap *m)
{
	free(m->hashes);
	free(m->vals);
	hmap_init(m);
}

static int hmap_grow(struct hmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16, i;
	uint32_t *nh = calloc(ncap, sizeof(*nh));
	void **nv = calloc(ncap, sizeof(*nv));

	if (!nh || !nv) {
		free(nh);
		free(nv);
		return -ENOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->hashes[i])
			continue;
		for (j = m->hashes[i] & (ncap - 1); nh[j];
		     j = (j + 1) & (ncap - 1))
			;
		nh[j] = m->hashes[i];
		nv[j] = m->vals[i];
	}
	free(m->hashes);
	free(m->vals);
	m->hashes = nh;
	m->vals = nv;
	m->cap = ncap;
	return 0;
}

void *hmap_get(const struct hmap *m, uint32_t hash, hmap_eq_fn *eq,
	       const void *key, void *ctx)
{
	size_t i;

	if (!m->cap)
		return NULL;
	hash |= 1;
	for (i = hash & (m->cap - 1); m->hashes[i]; i = (i + 1) & (m->cap - 1))
		if (m->hashes[i] == hash && eq(m->vals[i], key, ctx))
			return m->vals[i];
	return NULL;
}

int hmap_put(struct hmap *m, uint32_t hash, void *val)
{
	size_t i;

	if ((m->count + 1) * 4 > m->cap * 3 && hmap_grow(m) < 0)
		return -ENOMEM;
	hash |= 1;
	for (i = hash & (m->cap - 1); m->hashes[i]; i = (i + 1) & (m->cap - 1))
		;
	m->hashes[i] = hash;
	m->vals[i] = val;
	m->count++;
	return 0;
}

bool hmap_del(struct hmap *m, uint32_t hash, const void *val)
{
	size_t i, j, mask = m->cap - 1;

	if (!m->cap)
		return false;
	hash |= 1;
	for (i = hash & mask; m->hashes[i]; i = (i + 1) & mask)
		if (m->vals[i] == val)
			break;
	if (!m->hashes[i])
		return false;
	/* Backward-shift: pull later entries of the run into the hole. */
	for (j = (i + 1) & mask; m->hashes[j]; j = (j + 1) & mask) {
		size_t home = m->hashes[j] & mask;

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->hashes[i] = m->hashes[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->hashes[i] = 0;
	m->vals[i] = NULL;
	m->count--;
	return true;
}

void *hmap_next(const struct hmap *m, size_t *cursor)
{
	while (*cursor < m->cap) {
		size_t i = (*cursor)++;

		if (m->hashes[i])
			return m->vals[i];
	}
	return NULL;
}

size_t hmap_bytes(const struct hmap *m)
{
	return m->cap * (sizeof(uint32_t) + sizeof(void *));
}

void idmap_init(struct idmap *m, idmap_hash_fn *hash, void *ctx)
{
	memset(m, 0, sizeof(*m));
	m->hash = hash;
	m->ctx = ctx;
}

void idmap_free(struct idmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->count = 0;
}

static int idmap_grow(struct idmap *m)
{
	uint32_t ncap = m->cap ? m->cap * 2 : 64, i;
	uint32_t *ns = calloc(ncap, sizeof(*ns));

	if (!ns || ncap < m->cap)
		return free(ns), -ENOMEM;
	for (i = 0; i < m->cap; i++) {
		uint32_t j;

		if (!m->slots[i])
			continue;
		j = m->hash(m->slots[i], m->ctx) & (ncap - 1);
		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return 0;
}

uint32_t idmap_get(const struct idmap *m, uint32_t hash, idmap_eq_fn *eq,
		   const void *key)
{
	uint32_t i;

	if (!m->cap)
		return 0;
	for (i = hash & (m->cap - 1); m->slots[i]; i = (i + 1) & (m->cap - 1))
		if (eq(m->slots[i], key, m->ctx))
			return m->slots[i];
	return 0;
}

int idmap_put(struct idmap *m, uint32_t hash, uint32_t id)
{
	uint32_t i;

	/* Grow at 3/4 so probe runs stay short. */
	if (((uint64_t)m->count + 1) * 4 > (uint64_t)m->cap * 3 &&
	    idmap_grow(m) < 0)
		return -ENOMEM;
	for (i = hash & (m->cap - 1); m->slots[i]; i = (i + 1) & (m->cap - 1))
		;
	m->slots[i] = id;
	m->count++;
	return 0;
}

bool idmap_del(struct idmap *m, uint32_t hash, uint32_t id)
{
	uint32_t i, j, mask = m->cap - 1;

	if (!m->cap)
		return false;
	for (i = hash & mask; m->slots[i]; i = (i + 1) & mask)
		if (m->slots[i] == id)
			break;
	if (!m->slots[i])
		return false;
	for (j = (i + 1) & mask; m->slots[j]; j = (j + 1) & mask) {
		uint32_t home = m->hash(m->slots[j], m->ctx) & mask;

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i] = 0;
	m->count--;
	return true;
}

size_t idmap_bytes(const struct idmap *m)
{
	return (size_t)m->cap * sizeof(uint32_t);
}
