/*
 * store.c: creating the store and its initial tree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backends/store/store_int.h"
#include "backends/store/watch.h"

void store_config_defaults(struct store_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	quota_defaults(&cfg->hard, &cfg->soft);
	cfg->priv_domid = 0;
	cfg->watch_event_timeout = 20;
	cfg->socket_outq_max = 16u << 20;
}

/* A node of the initial tree, owned by the privileged domain, "n<priv>". */
static int add_initial(struct store *st, node_id parent, const char *name)
{
	node_id n;

	perms_ref(st->perms, st->default_perms);
	n = tree_create(st->tree, parent, name, strlen(name), st->default_perms,
			NULL, 0);
	if (!n) {
		perms_unref(st->perms, st->default_perms);
		return -ENOMEM;
	}
	domain_acct_node(st, st->cfg.priv_domid, 1,
			 (long)node_acct_bytes(strlen(name), 0, 1));
	return (int)n;
}

/* "/", "/tool", "/tool/xenstored" and the two special nodes. */
static int initial_tree(struct store *st)
{
	struct proto_perm p = {(uint16_t)st->cfg.priv_domid, PROTO_PERM_NONE,
			       0};
	node_id root = tree_root(st->tree);
	int tool;

	st->default_perms = perms_intern(st->perms, &p, 1);
	if (st->default_perms == PERMS_NONE)
		return -ENOMEM;
	/* The root holds the table's first reference. */
	tree_set_perms(st->tree, root, st->default_perms);
	domain_acct_node(st, st->cfg.priv_domid, 1,
			 (long)node_acct_bytes(0, 0, 1));
	tool = add_initial(st, root, "tool");
	if (tool < 0 || add_initial(st, (node_id)tool, "xenstored") < 0 ||
	    add_initial(st, 0, "@introduceDomain") < 0 ||
	    add_initial(st, 0, "@releaseDomain") < 0)
		return -ENOMEM;
	return 0;
}

struct store *store_new(const struct store_config *cfg,
			const struct store_hooks *hooks)
{
	struct store *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->cfg = *cfg;
	if (hooks)
		st->hooks = *hooks;
	hmap_init(&st->domains);
	st->tree = tree_new(&st->generation);
	st->perms = perms_table_new();
	st->widx = watch_index_new();
	if (!st->tree || !st->perms || !st->widx || initial_tree(st) < 0) {
		store_free(st);
		return NULL;
	}
	return st;
}

void store_free(struct store *st)
{
	if (!st)
		return;
	while (st->conns)
		conn_free(st->conns);
	watch_index_free(st->widx);
	tree_free(st->tree);
	perms_table_free(st->perms);
	domain_free_all(st);
	free(st);
}

void store_set_domain_ops(struct store *st, const struct store_domain_ops *ops)
{
	st->dops = *ops;
}

void store_get_stats(const struct store *st, struct store_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->nodes = tree_count(st->tree);
	out->connections = st->nconns;
	out->watches = st->nwatches;
	out->transactions = st->ntxns;
	out->domains = st->domains.count;
	out->node_bytes = tree_bytes(st->tree);
}
