/*
 * store.h: the XenStore as the daemon sees it.  The store owns the tree,
 * permissions, transactions, watches, quotas and the domain table; it does
 * no I/O.  Connections (conn.h) carry bytes between a transport (a Unix
 * socket, a guest ring) and the store's request handler.
 */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/store/quota.h"
#include "protocol/proto.h"

struct store;
struct conn;

struct store_hooks {
	void *arg;
	/* Access trace: every message in (out=false) and out (out=true). */
	void (*trace)(void *arg, const struct conn *c, bool out,
		      const struct xsd_sockmsg *hdr, const char *payload);
	/*
	 * CONTROL commands owned by the daemon ("log", "logfile").  Returns
	 * 0 with a malloc'ed *reply (a C string), or -errno; -ENOSYS means
	 * "not mine".
	 */
	int (*control)(void *arg, int argc, const char **argv, char **reply);
};

struct store_config {
	struct quota_set hard;
	struct quota_set soft;
	unsigned priv_domid;          /* the privileged domain, 0 */
	unsigned watch_event_timeout; /* seconds an unread event lives, 0=oo */
	bool keep_orphans;      /* -K: give a dead domain's nodes to dom0 */
	size_t socket_outq_max; /* unsent bytes before a client is cut */
};

struct store_stats {
	size_t nodes;
	size_t connections;
	size_t watches;
	size_t transactions;
	size_t domains;
	size_t node_bytes; /* bytes used by nodes and their index */
};

/*
 * What the store asks of whoever owns guest rings (the daemon), so that
 * INTRODUCE and RELEASE reach the hypervisor layer.
 */
struct store_domain_ops {
	void *arg;
	/* Connect the domain's ring: 0, or -errno for the INTRODUCE reply. */
	int (*introduce)(void *arg, unsigned domid, uint64_t mfn,
			 unsigned port);
	/* The domain is released or dead: drop its ring connection. */
	void (*release)(void *arg, unsigned domid);
	/* Does the domain exist (the hypervisor knows it)?  NULL: assume so
	 * (no hypervisor to ask). */
	bool (*exists)(void *arg, unsigned domid);
};

void store_config_defaults(struct store_config *cfg);
struct store *store_new(const struct store_config *cfg,
			const struct store_hooks *hooks);
void store_free(struct store *st);
void store_get_stats(const struct store *st, struct store_stats *out);
void store_set_domain_ops(struct store *st, const struct store_domain_ops *ops);

/*
 * Try to write the output queued since the last flush, for every
 * connection; conn_input() does this itself.  Call it after other calls
 * into the store that may queue events (store_domain_gone, ...).
 */
void store_flush(struct store *st);

/* The hypervisor says the domain shut down: @releaseDomain, once until
 * RESUME. */
void store_domain_shutdown(struct store *st, unsigned domid);
/* The domain is gone: @releaseDomain, its ring, nodes and permissions. */
void store_domain_gone(struct store *st, unsigned domid);

#endif
