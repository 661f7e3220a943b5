/*
 * test_hmap.c: lib/hmap.h, both tables: many entries, deliberate
 * collisions and wrap-around runs, and backward-shift deletion in random
 * orders, after which every remaining key must still be found.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"
#include "tests/unit/check.h"

CHECK_MAIN_DEFS;

/* A small deterministic generator, so failures reproduce. */
static uint32_t rng_state = 12345;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void shuffle(uint32_t *a, size_t n)
{
	size_t i;

	for (i = n; i > 1; i--) {
		size_t j = rnd() % i;
		uint32_t t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

struct item {
	uint32_t key;
	uint32_t hash;
};

static bool item_eq(const void *val, const void *key, void *ctx)
{
	(void)ctx;
	return ((const struct item *)val)->key == *(const uint32_t *)key;
}

/* Hash functions, from good to terrible. */
enum hkind { H_GOOD, H_FEW, H_HIGH, H_ZERO };

static uint32_t hash_of(uint32_t key, enum hkind k)
{
	switch (k) {
	case H_GOOD:
		return hash_bytes(&key, sizeof(key), 0);
	case H_FEW: /* 8 distinct hashes: long runs */
		return (key % 8) * 0x9E3779B9u;
	case H_HIGH: /* home slots at the top of any table: runs wrap */
		return 0xFFFFFFF0u | (key % 16);
	case H_ZERO: /* everything collides, hash 0 included */
		return 0;
	}
	return 0;
}

/* Every key in keys[0..n) whose live[] flag is set is found, the others
 * are not. */
static bool hmap_consistent(const struct hmap *m, struct item *items,
			    const bool *live, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct item *got = hmap_get(m, items[i].hash, item_eq,
					    &items[i].key, NULL);

		if (live[i] ? got != &items[i] : got != NULL)
			return false;
	}
	return true;
}

/* Fill with n items, delete in random order checking everything after
 * each step (or every `every` steps). */
static void hmap_round(size_t n, enum hkind k, size_t every)
{
	struct hmap m;
	struct item *items = calloc(n, sizeof(*items));
	bool *live = calloc(n, sizeof(*live));
	uint32_t *order = calloc(n, sizeof(*order));
	size_t i, cur, seen;
	bool ok = true;

	hmap_init(&m);
	CHECK(hmap_get(&m, 1, item_eq, &n, NULL) == NULL);
	CHECK(!hmap_del(&m, 1, items));
	for (i = 0; i < n; i++) {
		items[i].key = (uint32_t)i * 7 + 1;
		items[i].hash = hash_of(items[i].key, k);
		CHECK_INT(hmap_put(&m, items[i].hash, &items[i]), 0);
		live[i] = true;
		order[i] = (uint32_t)i;
	}
	CHECK_INT(m.count, n);
	CHECK(hmap_consistent(&m, items, live, n));
	/* Iteration sees each value once. */
	seen = 0;
	cur = 0;
	while (hmap_next(&m, &cur))
		seen++;
	CHECK_INT(seen, n);
	CHECK(hmap_bytes(&m) >= n * (sizeof(uint32_t) + sizeof(void *)));
	shuffle(order, n);
	for (i = 0; i < n; i++) {
		struct item *it = &items[order[i]];

		if (!hmap_del(&m, it->hash, it))
			ok = false;
		live[order[i]] = false;
		/* Deleting twice finds nothing. */
		if (hmap_del(&m, it->hash, it))
			ok = false;
		if ((i % every == 0 || i + 1 == n) &&
		    !hmap_consistent(&m, items, live, n))
			ok = false;
		/* Put some back now and then: holes get refilled. */
		if (i % 5 == 4 && i + 1 < n) {
			struct item *back = &items[order[i - 2]];

			if (hmap_put(&m, back->hash, back) < 0)
				ok = false;
			live[order[i - 2]] = true;
			if (every == 1 && !hmap_consistent(&m, items, live, n))
				ok = false;
			if (!hmap_del(&m, back->hash, back))
				ok = false;
			live[order[i - 2]] = false;
		}
	}
	CHECK(ok);
	CHECK_INT(m.count, 0);
	cur = 0;
	CHECK(hmap_next(&m, &cur) == NULL);
	hmap_free(&m);
	hmap_free(&m); /* freeing twice is harmless */
	free(items);
	free(live);
	free(order);
}

static void test_hmap_basic(void)
{
	struct hmap m;
	struct item a = {1, 5}, b = {2, 5}, c = {3, 5 | 1};
	uint32_t k;

	hmap_init(&m);
	CHECK_INT(hmap_put(&m, a.hash, &a), 0);
	CHECK_INT(hmap_put(&m, b.hash, &b), 0);
	CHECK_INT(hmap_put(&m, c.hash, &c), 0);
	k = 1;
	CHECK(hmap_get(&m, 5, item_eq, &k, NULL) == &a);
	k = 2;
	CHECK(hmap_get(&m, 5, item_eq, &k, NULL) == &b);
	k = 3;
	CHECK(hmap_get(&m, 5, item_eq, &k, NULL) == &c);
	k = 4;
	CHECK(hmap_get(&m, 5, item_eq, &k, NULL) == NULL);
	/* Deletion is by identity: an equal-hash neighbour stays. */
	CHECK(hmap_del(&m, 5, &b));
	k = 1;
	CHECK(hmap_get(&m, 5, item_eq, &k, NULL) == &a);
	k = 2;
	CHECK(hmap_get(&m, 5, item_eq, &k, NULL) == NULL);
	k = 3;
	CHECK(hmap_get(&m, 5, item_eq, &k, NULL) == &c);
	CHECK(!hmap_del(&m, 5, &b));
	CHECK_INT(m.count, 2);
	hmap_free(&m);
}

static void test_hmap_collisions(void)
{
	/* Exhaustive checks after every deletion, terrible hashes. */
	hmap_round(300, H_FEW, 1);
	hmap_round(300, H_HIGH, 1);
	hmap_round(200, H_ZERO, 1);
	hmap_round(1000, H_GOOD, 1);
}

static void test_hmap_many(void)
{
	rng_state = 777;
	hmap_round(200000, H_GOOD, 20000);
	hmap_round(3000, H_HIGH, 500);
}

/* idmap: ids are the keys; the table asks us for their hashes. */
struct idctx {
	enum hkind k;
	size_t calls;
};

static uint32_t id_hash_cb(uint32_t id, void *ctx)
{
	struct idctx *c = ctx;

	c->calls++;
	return hash_of(id, c->k);
}

static bool id_eq_cb(uint32_t id, const void *key, void *ctx)
{
	(void)ctx;
	return id == *(const uint32_t *)key;
}

static bool idmap_consistent(const struct idmap *m, struct idctx *c,
			     const uint32_t *ids, const bool *live, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t got =
			idmap_get(m, hash_of(ids[i], c->k), id_eq_cb, &ids[i]);

		if (live[i] ? got != ids[i] : got != 0)
			return false;
	}
	return true;
}

static void idmap_round(size_t n, enum hkind k, size_t every)
{
	struct idctx c = {k, 0};
	struct idmap m;
	uint32_t *ids = calloc(n, sizeof(*ids));
	uint32_t *order = calloc(n, sizeof(*order));
	bool *live = calloc(n, sizeof(*live));
	size_t i;
	bool ok = true;

	idmap_init(&m, id_hash_cb, &c);
	CHECK_INT(idmap_get(&m, 1, id_eq_cb, &n), 0);
	CHECK(!idmap_del(&m, 1, 1));
	for (i = 0; i < n; i++) {
		ids[i] = (uint32_t)(i * 3 + 1); /* never 0 */
		CHECK_INT(idmap_put(&m, hash_of(ids[i], k), ids[i]), 0);
		live[i] = true;
		order[i] = (uint32_t)i;
	}
	CHECK_INT(m.count, n);
	CHECK(c.calls > 0 || n < 48); /* growth rehashes through us */
	CHECK(idmap_consistent(&m, &c, ids, live, n));
	CHECK(idmap_bytes(&m) >= n * sizeof(uint32_t));
	shuffle(order, n);
	for (i = 0; i < n; i++) {
		uint32_t id = ids[order[i]];

		if (!idmap_del(&m, hash_of(id, k), id))
			ok = false;
		live[order[i]] = false;
		if (idmap_del(&m, hash_of(id, k), id))
			ok = false;
		if ((i % every == 0 || i + 1 == n) &&
		    !idmap_consistent(&m, &c, ids, live, n))
			ok = false;
	}
	CHECK(ok);
	CHECK_INT(m.count, 0);
	idmap_free(&m);
	idmap_free(&m);
	free(ids);
	free(order);
	free(live);
}

static void test_idmap(void)
{
	rng_state = 4242;
	idmap_round(300, H_FEW, 1);
	idmap_round(300, H_HIGH, 1);
	idmap_round(200, H_ZERO, 1);
	idmap_round(1000, H_GOOD, 1);
	idmap_round(300000, H_GOOD, 30000);
}

static void test_hash_bytes(void)
{
	uint32_t a = hash_bytes("abc", 3, 0);

	CHECK_INT(hash_bytes("abc", 3, 0), a);
	CHECK(hash_bytes("abc", 3, 1) != a);
	CHECK(hash_bytes("abd", 3, 0) != a);
	CHECK(hash_bytes("ab", 2, 0) != a);
	CHECK(hash_bytes("", 0, 0) != hash_bytes("", 0, 1));
	/* Low bits vary over similar keys, for linear probing. */
	{
		unsigned seen = 0;
		int i;

		for (i = 0; i < 256; i++) {
			char k[16];
			int l = snprintf(k, sizeof(k), "node%d", i);

			seen |= 1u << (hash_bytes(k, (size_t)l, 0) & 31);
		}
		CHECK_INT(seen, 0xFFFFFFFFu);
	}
}

int main(void)
{
	RUN(test_hmap_basic);
	RUN(test_hmap_collisions);
	RUN(test_hmap_many);
	RUN(test_idmap);
	RUN(test_hash_bytes);
	return CHECK_DONE();
}
