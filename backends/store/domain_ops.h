/*
 * domain_ops.h: what INTRODUCE, RELEASE, RESUME, SET_TARGET, GET/SET_FEATURE
 * and GET/SET_QUOTA do to the domain table.  Rings and event channels
 * belong to the hypervisor layer; this is the store's side.
 */
#ifndef STORE_DOMAIN_OPS_H
#define STORE_DOMAIN_OPS_H

#include <stdbool.h>
#include <stdint.h>

struct store;

/* Feature bits this store implements (ring server_features). */
#define STORE_FEATURES                                                         \
	(XENSTORE_SERVER_FEATURE_ERROR | XENSTORE_SERVER_FEATURE_WATCHDEPTH |  \
	 XENSTORE_SERVER_FEATURE_DOMID_ANY)

int domain_introduce(struct store *st, unsigned domid, uint64_t mfn,
		     unsigned port);
/* Tear a domain down: @releaseDomain, its nodes and permission entries. */
int domain_release(struct store *st, unsigned domid);
int domain_resume(struct store *st, unsigned domid);
bool domain_is_introduced(const struct store *st, unsigned domid);
/* Introduced, or known to the hypervisor (SET_PERMS's owner must be). */
bool domain_exists(const struct store *st, unsigned domid);
int domain_set_target(struct store *st, unsigned domid, unsigned target);
long domain_get_features(const struct store *st, unsigned domid);
int domain_set_features(struct store *st, unsigned domid, unsigned features);
/* Fire a special watch ("@introduceDomain") about domid, for everyone
 * allowed to see it. */
void domain_fire_special(struct store *st, const char *name, unsigned domid);

/* Quota by name ("nodes", "soft-memory"); domid -1 for the global one. */
int store_quota_get(const struct store *st, int domid, const char *name,
		    unsigned *val);
int store_quota_set(struct store *st, int domid, const char *name,
		    unsigned val);

#endif
