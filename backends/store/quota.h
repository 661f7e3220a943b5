/*
 * quota.h: the named per-domain limits of the store, as xenstored 4.17
 * names them (GET_QUOTA/SET_QUOTA, CONTROL quota, -Q name=value).
 * A value of 0 means "no limit".  Privileged connections are exempt.
 */
#ifndef STORE_QUOTA_H
#define STORE_QUOTA_H

#include <stdbool.h>

enum quota_id {
	QUOTA_NODES,             /* nodes owned by a domain */
	QUOTA_WATCHES,           /* watches per domain */
	QUOTA_OUTSTANDING,       /* requests/events queued and unread */
	QUOTA_MEMORY,            /* bytes of store memory per domain */
	QUOTA_TRANSACTIONS,      /* open transactions per domain */
	QUOTA_TRANSACTION_NODES, /* nodes touched by one transaction */
	QUOTA_NODE_PERMS,        /* permission entries per node */
	QUOTA_PATH_MAX,          /* path length below the domain's home */
	QUOTA_NODE_SIZE,         /* perms + child names + value of one node */
	QUOTA_COUNT
};

struct quota_set {
	unsigned val[QUOTA_COUNT];
};

/* Name of a quota ("nodes"); NULL past the end. */
const char *quota_name(enum quota_id id);
/* Index of a quota name, or -1. */
int quota_lookup(const char *name);
/* xenstored 4.17's defaults: hard limits, and the soft memory warning. */
void quota_defaults(struct quota_set *hard, struct quota_set *soft);
/* Parse "name=value" into set; returns 0 or -EINVAL. */
int quota_parse_assign(struct quota_set *set, const char *arg);

#endif
