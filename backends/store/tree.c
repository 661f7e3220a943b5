/*
 * tree.c: the live node tree (see tree.h for the layout).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backends/store/tree.h"
#include "lib/hmap.h"

struct node {
	node_id parent;
	node_id next;  /* next sibling; the list is circular */
	node_id prev;  /* previous sibling; first->prev is the last child */
	node_id child; /* first child */
	uint32_t perms;
	uint32_t blob; /* name, then value; 0 when both are empty */
	uint32_t gen;
	uint16_t nlen;
	uint16_t vlen;
};

#define NODE_CHUNK_SHIFT 12
#define NODE_CHUNK       (1u << NODE_CHUNK_SHIFT)
#define BLOB_CHUNK_SHIFT 18 /* 1 MiB of 4-byte units */
#define BLOB_CHUNK       (1u << BLOB_CHUNK_SHIFT)
#define BLOB_MAX_UNITS   4096 /* 16 KiB: more than any name + value */
#define FREE_MARK        0xFFFFFFFFu

struct tree {
	uint64_t *gen;
	struct node **nchunks;
	uint32_t nchunk_count;
	uint32_t nodes_used; /* ids handed out so far (id 0 unused) */
	node_id free_nodes;  /* free headers, chained through ->next */
	size_t live;

	uint32_t **bchunks;
	uint32_t bchunk_count;
	uint32_t btail; /* next free unit in the last chunk */
	uint32_t bfree[BLOB_MAX_UNITS + 1]; /* free blocks by size */
	size_t blob_units;                  /* units in live blobs */

	struct idmap index;
	node_id root;
};

static struct node *N(const struct tree *t, node_id id)
{
	return &t->nchunks[id >> NODE_CHUNK_SHIFT][id & (NODE_CHUNK - 1)];
}

static uint32_t *B(const struct tree *t, uint32_t ref)
{
	return &t->bchunks[ref >> BLOB_CHUNK_SHIFT][ref & (BLOB_CHUNK - 1)];
}

static uint32_t units(size_t bytes)
{
	return (uint32_t)((bytes + 3) / 4);
}

/* A blob of u units; 0 on failure. */
static uint32_t blob_alloc(struct tree *t, uint32_t u)
{
	uint32_t ref;

	if (u == 0 || u > BLOB_MAX_UNITS)
		return 0;
	if (t->bfree[u]) {
		ref = t->bfree[u];
		t->bfree[u] = *B(t, ref);
	} else {
		if (t->bchunk_count == 0 || t->btail + u > BLOB_CHUNK) {
			uint32_t **nc;
			uint32_t *chunk;

			if (t->bchunk_count >= (1u << (32 - BLOB_CHUNK_SHIFT)))
				return 0;
			chunk = malloc(BLOB_CHUNK * sizeof(uint32_t));
			nc = realloc(t->bchunks,
				     (t->bchunk_count + 1) * sizeof(*nc));
			if (!chunk || !nc) {
				free(chunk);
				if (nc)
					t->bchunks = nc;
				return 0;
			}
			t->bchunks = nc;
			t->bchunks[t->bchunk_count++] = chunk;
			/* Unit 0 of chunk 0 stays unused: ref 0 means none. */
			t->btail = t->bchunk_count == 1 ? 1 : 0;
		}
		ref = ((t->bchunk_count - 1) << BLOB_CHUNK_SHIFT) | t->btail;
		t->btail += u;
	}
	t->blob_units += u;
	return ref;
}

static void blob_free(struct tree *t, uint32_t ref, uint32_t u)
{
	if (!ref)
		return;
	*B(t, ref) = t->bfree[u];
	t->bfree[u] = ref;
	t->blob_units -= u;
}

static node_id node_alloc(struct tree *t)
{
	node_id id;

	if (t->free_nodes) {
		id = t->free_nodes;
		t->free_nodes = N(t, id)->next;
		return id;
	}
	if (t->nodes_used + 1 >= t->nchunk_count * NODE_CHUNK) {
		struct node **nc;
		struct node *chunk;

		if (t->nchunk_count >= (1u << (32 - NODE_CHUNK_SHIFT)) - 1)
			return 0;
		chunk = calloc(NODE_CHUNK, sizeof(*chunk));
		nc = realloc(t->nchunks, (t->nchunk_count + 1) * sizeof(*nc));
		if (!chunk || !nc) {
			free(chunk);
			if (nc)
				t->nchunks = nc;
			return 0;
		}
		t->nchunks = nc;
		t->nchunks[t->nchunk_count++] = chunk;
	}
	return ++t->nodes_used;
}

static void node_release(struct tree *t, node_id id)
{
	struct node *n = N(t, id);

	blob_free(t, n->blob, units((size_t)n->nlen + n->vlen));
	memset(n, 0, sizeof(*n));
	n->perms = FREE_MARK;
	n->next = t->free_nodes;
	t->free_nodes = id;
	t->live--;
}

struct lookup_key {
	node_id parent;
	const char *name;
	size_t len;
};

static uint32_t key_hash(node_id parent, const char *name, size_t len)
{
	return hash_bytes(name, len, parent);
}

static uint32_t index_hash_cb(uint32_t id, void *ctx)
{
	const struct tree *t = ctx;
	const struct node *n = N(t, id);

	return key_hash(n->parent, (const char *)B(t, n->blob), n->nlen);
}

static bool index_eq_cb(uint32_t id, const void *key, void *ctx)
{
	const struct tree *t = ctx;
	const struct lookup_key *k = key;
	const struct node *n = N(t, id);

	return n->parent == k->parent && n->nlen == k->len &&
	       (k->len == 0 || memcmp(B(t, n->blob), k->name, k->len) == 0);
}

struct tree *tree_new(uint64_t *generation)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->gen = generation;
	idmap_init(&t->index, index_hash_cb, t);
	t->root = tree_create(t, 0, "", 0, 0, NULL, 0);
	if (!t->root) {
		tree_free(t);
		return NULL;
	}
	return t;
}

void tree_free(struct tree *t)
{
	uint32_t i;

	if (!t)
		return;
	idmap_free(&t->index);
	for (i = 0; i < t->nchunk_count; i++)
		free(t->nchunks[i]);
	for (i = 0; i < t->bchunk_count; i++)
		free(t->bchunks[i]);
	free(t->nchunks);
	free(t->bchunks);
	free(t);
}

node_id tree_root(const struct tree *t)
{
	return t->root;
}

node_id tree_child(const struct tree *t, node_id parent, const char *name,
		   size_t len)
{
	struct lookup_key k = {parent, name, len};

	return idmap_get(&t->index, key_hash(parent, name, len), index_eq_cb,
			 &k);
}

node_id tree_lookup(const struct tree *t, const char *path)
{
	node_id cur;
	const char *p, *end;

	if (path[0] == '@')
		return tree_child(t, 0, path, strlen(path));
	if (path[0] != '/')
		return 0;
	cur = t->root;
	for (p = path + 1; *p && cur; p = *end ? end + 1 : end) {
		end = strchrnul(p, '/');
		cur = tree_child(t, cur, p, (size_t)(end - p));
	}
	return cur;
}

static void stamp(struct tree *t, node_id id)
{
	N(t, id)->gen = (uint32_t)++ * t->gen;
}

static void link_child(struct tree *t, node_id parent, node_id id)
{
	struct node *p = N(t, parent), *n = N(t, id);

	if (!p->child) {
		p->child = id;
		n->next = n->prev = id;
	} else {
		struct node *first = N(t, p->child);
		node_id last = first->prev;

		N(t, last)->next = id;
		n->prev = last;
		n->next = p->child;
		first->prev = id;
	}
}

static void unlink_child(struct tree *t, node_id id)
{
	struct node *n = N(t, id), *p;

	if (!n->parent)
		return;
	p = N(t, n->parent);
	if (n->next == id) {
		p->child = 0;
	} else {
		N(t, n->prev)->next = n->next;
		N(t, n->next)->prev = n->prev;
		if (p->child == id)
			p->child = n->next;
	}
}

node_id tree_create(struct tree *t, node_id parent, const char *name,
		    size_t nlen, uint32_t perms, const void *val, size_t vlen)
{
	node_id id;
	struct node *n;
	uint32_t blob = 0;

	if (nlen > UINT16_MAX || vlen > UINT16_MAX)
		return 0;
	if (nlen + vlen) {
		blob = blob_alloc(t, units(nlen + vlen));
		if (!blob)
			return 0;
	}
	id = node_alloc(t);
	if (!id) {
		blob_free(t, blob, units(nlen + vlen));
		return 0;
	}
	n = N(t, id);
	memset(n, 0, sizeof(*n));
	n->parent = parent;
	n->perms = perms;
	n->blob = blob;
	n->nlen = (uint16_t)nlen;
	n->vlen = (uint16_t)vlen;
	if (nlen)
		memcpy(B(t, blob), name, nlen);
	if (vlen)
		memcpy((char *)B(t, blob) + nlen, val, vlen);
	if (idmap_put(&t->index, key_hash(parent, name, nlen), id) < 0) {
		blob_free(t, blob, units(nlen + vlen));
		n->blob = 0;
		t->live++;
		node_release(t, id);
		return 0;
	}
	t->live++;
	if (parent) {
		link_child(t, parent, id);
		stamp(t, parent);
	}
	stamp(t, id);
	return id;
}

int tree_set_value(struct tree *t, node_id id, const void *val, size_t vlen)
{
	struct node *n = N(t, id);
	uint32_t oldu = units((size_t)n->nlen + n->vlen);
	uint32_t newu = units((size_t)n->nlen + vlen);
	uint32_t blob = n->blob;

	if (vlen > UINT16_MAX)
		return -E2BIG;
	if (newu != oldu || !blob) {
		blob = newu ? blob_alloc(t, newu) : 0;
		if (newu && !blob)
			return -ENOMEM;
		if (n->nlen)
			memcpy(B(t, blob), B(t, n->blob), n->nlen);
		blob_free(t, n->blob, oldu);
		n->blob = blob;
	}
	if (vlen)
		memcpy((char *)B(t, blob) + n->nlen, val, vlen);
	n->vlen = (uint16_t)vlen;
	stamp(t, id);
	return 0;
}

void tree_set_perms(struct tree *t, node_id id, uint32_t perms)
{
	N(t, id)->perms = perms;
	stamp(t, id);
}

void tree_move_last(struct tree *t, node_id id)
{
	node_id parent = N(t, id)->parent;

	if (!parent)
		return;
	unlink_child(t, id);
	link_child(t, parent, id);
}

void tree_touch(struct tree *t, node_id id)
{
	stamp(t, id);
}

/* Unlink one childless node and give its header back. */
static void drop_leaf(struct tree *t, node_id id)
{
	struct node *n = N(t, id);

	idmap_del(&t->index,
		  key_hash(n->parent, (const char *)B(t, n->blob), n->nlen),
		  id);
	unlink_child(t, id);
	node_release(t, id);
}

void tree_remove(struct tree *t, node_id top, const char *path,
		 tree_visit_fn *visit, void *arg)
{
	char buf[4096];
	size_t plen = strlen(path);
	node_id cur = top, parent = N(t, top)->parent;
	bool pathok = plen < sizeof(buf);

	if (pathok)
		memcpy(buf, path, plen + 1);
	for (;;) {
		node_id up;

		/* Go down to a leaf, extending the path as we go. */
		while (N(t, cur)->child) {
			struct node *c;

			cur = N(t, cur)->child;
			c = N(t, cur);
			if (pathok && plen + 1 + c->nlen < sizeof(buf)) {
				if (plen != 1)
					buf[plen++] = '/';
				memcpy(buf + plen, B(t, c->blob), c->nlen);
				plen += c->nlen;
				buf[plen] = '\0';
			} else {
				pathok = false;
			}
		}
		if (visit)
			visit(arg, cur, pathok ? buf : "", pathok ? plen : 0);
		up = N(t, cur)->parent;
		if (pathok && cur != top) {
			plen -= N(t, cur)->nlen;
			if (plen > 1)
				plen--;
			buf[plen] = '\0';
		}
		if (cur == top) {
			drop_leaf(t, cur);
			break;
		}
		drop_leaf(t, cur);
		cur = up;
	}
	if (parent)
		stamp(t, parent);
}

const char *tree_name(const struct tree *t, node_id id, size_t *len)
{
	const struct node *n = N(t, id);

	*len = n->nlen;
	return n->blob ? (const char *)B(t, n->blob) : "";
}

const char *tree_value(const struct tree *t, node_id id, size_t *len)
{
	const struct node *n = N(t, id);

	*len = n->vlen;
	return n->blob ? (const char *)B(t, n->blob) + n->nlen : "";
}

uint32_t tree_perms(const struct tree *t, node_id id)
{
	return N(t, id)->perms;
}

uint32_t tree_gen(const struct tree *t, node_id id)
{
	return N(t, id)->gen;
}

node_id tree_parent(const struct tree *t, node_id id)
{
	return N(t, id)->parent;
}

node_id tree_first_child(const struct tree *t, node_id id)
{
	return N(t, id)->child;
}

node_id tree_next_sibling(const struct tree *t, node_id id)
{
	const struct node *n = N(t, id);

	if (!n->parent || n->next == N(t, n->parent)->child)
		return 0;
	return n->next;
}

node_id tree_walk_next(const struct tree *t, node_id id)
{
	if (id == 0)
		return t->root;
	if (N(t, id)->child)
		return N(t, id)->child;
	return tree_walk_skip(t, id);
}

node_id tree_walk_skip(const struct tree *t, node_id id)
{
	node_id nx;

	while (id) {
		nx = tree_next_sibling(t, id);
		if (nx)
			return nx;
		id = N(t, id)->parent;
	}
	return 0;
}

size_t tree_count(const struct tree *t)
{
	return t->live;
}

size_t tree_bytes(const struct tree *t)
{
	return (size_t)t->nchunk_count * NODE_CHUNK * sizeof(struct node) +
	       (size_t)t->bchunk_count * BLOB_CHUNK * 4 +
	       idmap_bytes(&t->index);
}
