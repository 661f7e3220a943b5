/*
 * hmap.h: two small open-addressing hash tables with linear probing and
 * backward-shift deletion (no tombstones, so lookups never slow down as
 * entries come and go).
 *
 * hmap  maps a 32-bit hash to a pointer; the caller compares keys.
 * idmap holds 32-bit non-zero handles only (4 bytes a slot) and asks the
 *       caller to hash a handle again when the table grows.  The store's
 *       node index uses it to stay small.
 *
 * Both are iterated with a cursor: start at 0, stop when next returns 0.
 */
#ifndef LIB_HMAP_H
#define LIB_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

uint32_t hash_bytes(const void *p, size_t len, uint32_t seed);

struct hmap {
	uint32_t *hashes; /* 0 marks an empty slot; real hashes are |1 */
	void **vals;
	size_t cap; /* a power of two, or 0 */
	size_t count;
};

typedef bool hmap_eq_fn(const void *val, const void *key, void *ctx);

void hmap_init(struct hmap *m);
void hmap_free(struct hmap *m);
/* The value for key, or NULL. */
void *hmap_get(const struct hmap *m, uint32_t hash, hmap_eq_fn *eq,
	       const void *key, void *ctx);
/* Add val (the caller has checked it is absent).  -ENOMEM on failure. */
int hmap_put(struct hmap *m, uint32_t hash, void *val);
/* Remove val itself (pointer identity); returns whether it was there. */
bool hmap_del(struct hmap *m, uint32_t hash, const void *val);
/* Iterate: *cursor starts at 0; returns NULL at the end. */
void *hmap_next(const struct hmap *m, size_t *cursor);
size_t hmap_bytes(const struct hmap *m);

typedef uint32_t idmap_hash_fn(uint32_t id, void *ctx);
typedef bool idmap_eq_fn(uint32_t id, const void *key, void *ctx);

struct idmap {
	uint32_t *slots; /* 0 marks an empty slot */
	uint32_t cap;    /* a power of two, or 0 */
	uint32_t count;
	idmap_hash_fn *hash;
	void *ctx;
};

void idmap_init(struct idmap *m, idmap_hash_fn *hash, void *ctx);
void idmap_free(struct idmap *m);
uint32_t idmap_get(const struct idmap *m, uint32_t hash, idmap_eq_fn *eq,
		   const void *key);
int idmap_put(struct idmap *m, uint32_t hash, uint32_t id);
bool idmap_del(struct idmap *m, uint32_t hash, uint32_t id);
size_t idmap_bytes(const struct idmap *m);

#endif
