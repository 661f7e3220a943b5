/*
 * txn.h: transactions.
 *
 * A transaction never copies the store.  It keeps an overlay of the nodes
 * it has touched, keyed by path: what the transaction sees of each (its
 * value, permissions, existence, and a child list once its children
 * change), plus the generation each node had when the transaction first
 * read it.  Commit fails with EAGAIN only if a node the transaction *read*
 * has changed since (nodes it only wrote are not checked), then applies
 * the overlay to the live tree and fires the queued watch events.
 *
 * Worked example (generations in brackets):
 *   live: /a=1 [5], /b=2 [6]
 *   T: read /a        -> overlay /a: seen [5], checked
 *   T: write /b=3     -> overlay /b: read first for permissions [6], then
 *                        modified; /b's event queued
 *   other: write /c   -> no effect on T (T never looked at /c)
 *   other: write /a=9 -> /a becomes [7]
 *   T: commit         -> /a seen [5] but now [7]: EAGAIN, nothing applied
 */
#ifndef STORE_TXN_H
#define STORE_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/store/tree.h"
#include "lib/hmap.h"

struct store;
struct conn;

enum { FIRE_NONE, FIRE_EXACT, FIRE_SUBTREE };

struct txnode {
	struct txnode *onext; /* in order of first access */
	uint32_t hash;
	bool check;       /* first access was a read: verify at commit */
	bool seen_absent; /* ... and the node did not exist then */
	bool modified;
	bool exists;
	bool kids_set;     /* kids[] is the child list the transaction sees */
	bool kids_changed; /* ... and the transaction changed it */
	unsigned order;    /* position in first-access order */
	uint8_t fire;      /* FIRE_* */
	uint32_t gen_seen;
	uint32_t perms;      /* held reference, PERMS_NONE if !exists */
	uint32_t orig_perms; /* permissions when first seen, for events */
	char *value;
	size_t vlen;
	char **kids;
	size_t nkids, kcap;
	size_t plen;
	char path[];
};

struct txn {
	struct txn *next; /* the connection's list */
	uint32_t id;
	size_t count;    /* overlay entries, for transaction-nodes */
	int error;       /* sticky: the commit reports it */
	long node_delta; /* nodes the connection's domain gains */
	size_t bytes;    /* memory charged to the domain (quota memory) */
	struct txnode *first, *last;
	struct hmap map; /* path -> txnode */
};

/* Start a transaction on c; -ENOSPC over quota, -ENOMEM. */
int txn_start(struct store *st, struct conn *c, uint32_t *id);
struct txn *txn_find(struct conn *c, uint32_t id);
/* End it: commit (true) or abort.  0, -EAGAIN, -ENOSPC, -ENOMEM. */
int txn_end(struct store *st, struct conn *c, struct txn *t, bool commit);
void txn_free_all(struct store *st, struct conn *c);

/* The overlay entry for path (canonical, plen bytes), made from the live
 * tree on first use.  NULL with -ENOSPC/-ENOMEM in *err. */
struct txnode *txn_node(struct store *st, struct conn *c, struct txn *t,
			const char *path, size_t plen, int *err);
/* Give tn its own child list (a copy of the live one) to edit. */
int txn_own_kids(struct store *st, struct txnode *tn);
int txn_kid_add(struct txnode *tn, const char *name, size_t len);
void txn_kid_del(struct txnode *tn, const char *name, size_t len);
int txn_set_value(struct txnode *tn, const void *val, size_t len);
/* Charge (or give back) bytes of t to its connection's domain. */
void txn_charge(struct store *st, struct conn *c, struct txn *t, long bytes);

#endif
