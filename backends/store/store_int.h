/*
 * store_int.h: the store's private structures, shared by the modules of
 * backends/store/ and by nobody else.
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backends/store/conn.h"
#include "backends/store/perms.h"
#include "backends/store/store.h"
#include "backends/store/tree.h"
#include "lib/hmap.h"

struct txn;
struct watch;
struct watch_index;

/* A domain as the store accounts for it; made on first use. */
struct domain {
	unsigned domid;
	uint64_t incarnation; /* new each time the domid starts afresh */
	bool introduced;
	bool shutdown_fired; /* @releaseDomain already sent for a shutdown */
	unsigned target;     /* SET_TARGET, or DOMID_NONE */
	uint64_t mfn;
	unsigned port;
	unsigned features; /* SET_FEATURE */
	bool features_set;
	bool own_quota; /* SET_QUOTA for this domain */
	struct quota_set hard;
	struct quota_set soft;
	size_t nodes;      /* nodes owned */
	size_t memory;     /* bytes of nodes and watches owned */
	size_t txn_memory; /* bytes its open transactions hold */
	size_t watches;    /* watches of its connections */
	size_t transactions;
	bool soft_warned;
};

/* A queued message: header and payload back to back. */
struct msg {
	struct msg *next;
	struct msg *evnext; /* pending-event set chain */
	uint32_t evhash;    /* non-zero for a coalescable watch event */
	size_t len;         /* header + payload */
	size_t off;         /* bytes already written */
	time_t queued;
	union {
		struct xsd_sockmsg hdr;
		char bytes[sizeof(struct xsd_sockmsg)];
	} u;
	char payload[];
};

struct conn {
	struct store *st;
	struct conn *next, *prev; /* store's list */
	unsigned id;
	unsigned domid;
	bool priv;
	uint64_t incarnation; /* of the domain it was made for */
	bool dead;            /* given up on: ignore input, drop output */
	bool ww;              /* write readiness asked of the transport */
	bool quota_wait;      /* input held back by the outstanding quota */
	bool dirty;           /* output queued since the last flush */
	struct conn *dnext;
	const struct conn_transport *tp;
	void *arg;

	/* Input: a message being assembled. */
	char *ibuf;
	size_t ilen;

	/* Output. */
	struct msg *out_head, *out_tail;
	size_t out_bytes;
	size_t out_events;
	size_t out_msgs;
	struct hmap pending_events; /* evhash -> struct msg */

	struct watch *watches; /* this connection's watches */
	size_t nwatches;
	struct txn *txns;
	size_t ntxns;
	uint32_t next_txid;
};

struct store {
	struct store_config cfg;
	struct store_hooks hooks;
	struct store_domain_ops dops;
	uint64_t generation;
	struct tree *tree;
	struct perms_table *perms;
	struct watch_index *widx;
	struct hmap domains;
	struct conn *conns;
	struct conn *dirty; /* connections with output to try writing */
	size_t nconns;
	unsigned next_conn_id;
	uint64_t next_incarnation;
	size_t ntxns;
	size_t nwatches;
	uint32_t default_perms; /* "n0": the root and special nodes */
};

/* domain.c */
struct domain *domain_get(struct store *st, unsigned domid);
struct domain *domain_find(const struct store *st, unsigned domid);
/*
 * The domain entry a connection's usage counts against: NULL for a
 * connection that outlived its domain (released, then perhaps reused).
 */
struct domain *conn_domain(const struct conn *c);
void domain_free_all(struct store *st);
unsigned domain_quota(const struct store *st, unsigned domid, enum quota_id q);
/* Account nodes and bytes to an owner; delta may be negative. */
void domain_acct_node(struct store *st, unsigned owner, long nodes, long bytes);
unsigned domain_target(const struct store *st, unsigned domid);

/* Bytes a node counts against its owner's memory quota. */
size_t node_acct_bytes(size_t nlen, size_t vlen, unsigned nperms);

/* conn.c: queue a reply or an event. */
int conn_queue(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
	       const void *payload, size_t len, uint32_t evhash);
void conn_kill(struct conn *c, const char *why);
bool conn_special_ok(const struct conn *c);

#endif
