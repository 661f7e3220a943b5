/*
 * db.h: node operations with permissions, quotas and watches, the same
 * whether or not the caller is inside a transaction.  Paths are canonical.
 *
 * Outside a transaction an operation changes the live tree and fires
 * watches at once; inside one it edits the transaction's overlay (txn.h)
 * and queues the events for the commit.
 */
#ifndef STORE_DB_H
#define STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/store/store_int.h"
#include "backends/store/txn.h"

/* Who is asking, and in which transaction (or NULL). */
struct actx {
	struct store *st;
	struct conn *c;
	struct txn *t;
	unsigned domid;
	unsigned target;
	bool priv;
};

/* One node as the caller sees it. */
struct nview {
	node_id id;        /* the live node, outside a transaction */
	struct txnode *tn; /* the overlay entry, inside one */
	const char *value;
	size_t vlen;
	uint32_t perms;
	uint32_t gen;
};

void actx_init(struct actx *a, struct store *st, struct conn *c, struct txn *t);

/* Access bits (PERM_*) the caller has under a permission set. */
unsigned db_access(const struct actx *a, uint32_t perms);

/*
 * Find a node and check the caller has `want` on it.  Errors: -ENOENT or
 * -EACCES, laundered so that a caller who may not see the nearest parent
 * learns nothing about the node (EACCES either way); -ENOMEM, -ENOSPC.
 */
int db_get(struct actx *a, const char *path, unsigned want, struct nview *v);

typedef int db_child_fn(void *arg, const char *name, size_t len);
/* Call fn for each child name in creation order; stops on non-zero. */
int db_children(struct actx *a, const struct nview *v, const char *path,
		db_child_fn *fn, void *arg);

int db_write(struct actx *a, const char *path, const void *val, size_t vlen);
int db_mkdir(struct actx *a, const char *path);
int db_rm(struct actx *a, const char *path);
int db_set_perms(struct actx *a, const char *path, const struct proto_perm *p,
		 unsigned n);

/* Live-tree primitives, for transaction commit and domain handling. */
void db_live_remove(struct store *st, const char *path, bool fire);
int db_live_put(struct store *st, struct conn *c, const char *path,
		const void *val, size_t vlen, uint32_t perms);

#endif
