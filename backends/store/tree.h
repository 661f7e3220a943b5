/*
 * tree.h: the live node tree, built to stay small and fast at hundreds of
 * thousands of nodes.
 *
 * A node is a 32-byte header in a chunked array, named by a 32-bit id, plus
 * one "blob" holding its name and value, carved from chunked arenas in
 * 4-byte units with a free list per size.  Children form a circular doubly
 * linked list in creation order, so adding or removing a child costs the
 * same whatever the parent's size.  One hash index maps (parent id, name)
 * to a node, so a lookup costs one probe per path component.
 *
 * Special nodes ("@introduceDomain") have no parent and live beside "/".
 * Every change stamps the node (and, when children change, the parent)
 * with the next value of the store's generation counter.
 */
#ifndef STORE_TREE_H
#define STORE_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t node_id; /* 0 is "no node" */

struct tree;

struct tree *tree_new(uint64_t *generation);
void tree_free(struct tree *t);

node_id tree_root(const struct tree *t);
/* The node at a canonical path ("/a/b" or "@name"), or 0. */
node_id tree_lookup(const struct tree *t, const char *path);
/* A child by name, or 0. */
node_id tree_child(const struct tree *t, node_id parent, const char *name,
		   size_t len);

/*
 * Create a node as the last child of parent (0 for a special node).  The
 * tree only records the permission-set id: taking and dropping references
 * is the caller's business.  Returns the id, or 0 when memory runs out.
 */
node_id tree_create(struct tree *t, node_id parent, const char *name,
		    size_t nlen, uint32_t perms, const void *val, size_t vlen);
/* Replace the value; -ENOMEM leaves the old one in place. */
int tree_set_value(struct tree *t, node_id n, const void *val, size_t vlen);
/* Point the node at another permission set (the caller moves the refs). */
void tree_set_perms(struct tree *t, node_id n, uint32_t perms);
/* Move a node to the end of its parent's child list. */
void tree_move_last(struct tree *t, node_id n);
/* Stamp a node as changed (its generation moves on). */
void tree_touch(struct tree *t, node_id n);

/*
 * Called for each node of a removed subtree, children before parents, with
 * the node's full path, while the node can still be read.
 */
typedef void tree_visit_fn(void *arg, node_id n, const char *path, size_t plen);
/*
 * Remove n and everything below it, without recursion.  path is n's full
 * path (at most 4095 bytes); visit may be NULL.
 */
void tree_remove(struct tree *t, node_id n, const char *path,
		 tree_visit_fn *visit, void *arg);

const char *tree_name(const struct tree *t, node_id n, size_t *len);
const char *tree_value(const struct tree *t, node_id n, size_t *len);
uint32_t tree_perms(const struct tree *t, node_id n);
uint32_t tree_gen(const struct tree *t, node_id n);
node_id tree_parent(const struct tree *t, node_id n);
/* Children in creation order: first, then next until 0. */
node_id tree_first_child(const struct tree *t, node_id n);
node_id tree_next_sibling(const struct tree *t, node_id n);

size_t tree_count(const struct tree *t);
size_t tree_bytes(const struct tree *t);

/*
 * Visit every node (pre-order, parents first) without recursion: start
 * with 0, get the next node until 0.
 */
node_id tree_walk_next(const struct tree *t, node_id n);
/* The next node after n and everything below it, in the same order. */
node_id tree_walk_skip(const struct tree *t, node_id n);

#endif
