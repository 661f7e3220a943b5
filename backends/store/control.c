/*
 * control.c: XS_CONTROL: check, help, log, logfile, memreport, print,
 * quota, quota-soft.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/store/control.h"
#include "backends/store/domain_ops.h"
#include "backends/store/store_int.h"
#include "lib/log.h"

/* A growing reply string. */
struct out {
	char *buf;
	size_t len, cap;
	int err;
};

static void outf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void outf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->err)
		return;
	for (;;) {
		size_t room = o->cap - o->len;

		va_start(ap, fmt);
		n = vsnprintf(o->buf ? o->buf + o->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->err = -EINVAL;
			return;
		}
		if ((size_t)n < room) {
			o->len += (size_t)n;
			return;
		}
		{
			size_t ncap = (o->cap + (size_t)n + 1) * 2;
			char *nb = realloc(o->buf, ncap);

			if (!nb) {
				o->err = -ENOMEM;
				return;
			}
			o->buf = nb;
			o->cap = ncap;
		}
	}
}

static int out_done(struct out *o, char **reply)
{
	if (o->err) {
		free(o->buf);
		return o->err;
	}
	*reply = o->buf ? o->buf : strdup("");
	return *reply ? 0 : -ENOMEM;
}

/* Recount what each domain owns and compare with the accounting. */
static int cmd_check(struct store *st, int argc, const char **argv,
		     struct out *o)
{
	size_t *owned, total = 0, cur = 0, bad = 0;
	struct domain *d;
	node_id n;

	if (argc != 1)
		return -EINVAL;
	owned = calloc(65536, sizeof(*owned));
	if (!owned)
		return -ENOMEM;
	for (n = tree_walk_next(st->tree, 0); n;
	     n = tree_walk_next(st->tree, n)) {
		owned[perms_owner(st->perms, tree_perms(st->tree, n)) &
		      0xFFFF]++;
		total++;
	}
	/* Special nodes sit beside the tree. */
	for (cur = 0; cur < 2; cur++) {
		n = tree_lookup(st->tree,
				cur ? "@releaseDomain" : "@introduceDomain");
		if (n) {
			owned[perms_owner(st->perms,
					  tree_perms(st->tree, n))]++;
			total++;
		}
	}
	cur = 0;
	while ((d = hmap_next(&st->domains, &cur))) {
		if (owned[d->domid & 0xFFFF] != d->nodes) {
			outf(o, "domain %u: %zu nodes accounted, %zu found\n",
			     d->domid, d->nodes, owned[d->domid & 0xFFFF]);
			bad++;
		}
		owned[d->domid & 0xFFFF] = 0;
	}
	for (cur = 0; cur < 65536; cur++) {
		if (owned[cur]) {
			outf(o, "domain %zu owns %zu unaccounted nodes\n", cur,
			     owned[cur]);
			bad++;
		}
	}
	if (total != tree_count(st->tree)) {
		outf(o, "the tree counts %zu nodes, the walk found %zu\n",
		     tree_count(st->tree), total);
		bad++;
	}
	free(owned);
	if (!bad)
		outf(o, "OK");
	return 0;
}

static int cmd_memreport(struct store *st, int argc, const char **argv,
			 struct out *o)
{
	struct store_stats s;

	if (argc != 1)
		return -EINVAL;
	store_get_stats(st, &s);
	outf(o,
	     "nodes: %zu\nnode memory: %zu bytes\npermission sets: %zu\n"
	     "connections: %zu\nwatches: %zu\ntransactions: %zu\n"
	     "domains: %zu\n",
	     s.nodes, s.node_bytes, perms_table_count(st->perms), s.connections,
	     s.watches, s.transactions, s.domains);
	return 0;
}

static void quota_list(const struct quota_set *set, struct out *o)
{
	int i;

	outf(o, "Quota settings:\n");
	for (i = 0; i < QUOTA_COUNT; i++)
		outf(o, "%-18s: %8u\n", quota_name(i), set->val[i]);
}

static int quota_set_cmd(struct quota_set *set, int argc, const char **argv,
			 struct out *o)
{
	unsigned long v;
	int q;

	if (argc != 2)
		return -EINVAL;
	q = quota_lookup(argv[0]);
	if (q < 0 || !proto_parse_uint(argv[1], 0x7FFFFFFFul, &v) || v < 1)
		return -EINVAL;
	set->val[q] = (unsigned)v;
	outf(o, "OK");
	return 0;
}

static int quota_domain(struct store *st, const char *arg, struct out *o)
{
	const struct domain *d;
	unsigned long v;

	if (!proto_parse_uint(arg, PROTO_DOMID_FIRST_RESERVED - 1, &v))
		return -EINVAL;
	d = domain_find(st, (unsigned)v);
	if (!d)
		return -ENOENT;
	outf(o, "Domain %u:%s\n", d->domid,
	     d->introduced ? "" : " (not introduced)");
	outf(o, "%-18s: %8zu / %u\n", "nodes", d->nodes,
	     domain_quota(st, d->domid, QUOTA_NODES));
	outf(o, "%-18s: %8zu / %u\n", "watches", d->watches,
	     domain_quota(st, d->domid, QUOTA_WATCHES));
	outf(o, "%-18s: %8zu / %u\n", "transactions", d->transactions,
	     domain_quota(st, d->domid, QUOTA_TRANSACTIONS));
	outf(o, "%-18s: %8zu / %u\n", "memory", d->memory,
	     domain_quota(st, d->domid, QUOTA_MEMORY));
	return 0;
}

/* The most any unprivileged domain uses now ("quota max"). */
static int quota_max(struct store *st, int argc, const char **argv,
		     struct out *o)
{
	size_t nodes = 0, watches = 0, txns = 0, mem = 0, cur = 0;
	const struct domain *d;

	if (argc > 1 || (argc == 1 && strcmp(argv[0], "-r") != 0))
		return -EINVAL;
	while ((d = hmap_next(&st->domains, &cur))) {
		if (d->domid == st->cfg.priv_domid)
			continue;
		nodes = d->nodes > nodes ? d->nodes : nodes;
		watches = d->watches > watches ? d->watches : watches;
		txns = d->transactions > txns ? d->transactions : txns;
		mem = d->memory > mem ? d->memory : mem;
	}
	outf(o,
	     "Max. per-domain usage:\n%-18s: %8zu\n%-18s: %8zu\n"
	     "%-18s: %8zu\n%-18s: %8zu\n",
	     "nodes", nodes, "watches", watches, "transactions", txns, "memory",
	     mem);
	return 0;
}

/* quota [set <name> <val> | <domid> | max [-r]] */
static int cmd_quota(struct store *st, int argc, const char **argv,
		     struct out *o)
{
	if (argc == 1) {
		quota_list(&st->cfg.hard, o);
		return 0;
	}
	if (strcmp(argv[1], "set") == 0)
		return quota_set_cmd(&st->cfg.hard, argc - 2, argv + 2, o);
	if (strcmp(argv[1], "max") == 0)
		return quota_max(st, argc - 2, argv + 2, o);
	if (argc != 2)
		return -EINVAL;
	return quota_domain(st, argv[1], o);
}

/* quota-soft [set <name> <val>] */
static int cmd_quota_soft(struct store *st, int argc, const char **argv,
			  struct out *o)
{
	if (argc == 1) {
		quota_list(&st->cfg.soft, o);
		return 0;
	}
	if (strcmp(argv[1], "set") == 0)
		return quota_set_cmd(&st->cfg.soft, argc - 2, argv + 2, o);
	return -EINVAL;
}

static int cmd_print(struct store *st, int argc, const char **argv,
		     struct out *o)
{
	if (argc != 2)
		return -EINVAL;
	log_info("control: %s", argv[1]);
	outf(o, "OK");
	return 0;
}

static int cmd_help(struct store *st, int argc, const char **argv,
		    struct out *o);

static const struct {
	const char *name;
	const char *args;
	int (*fn)(struct store *st, int argc, const char **argv, struct out *o);
} cmds[] = {
	{"check", "", cmd_check},
	{"help", "", cmd_help},
	{"log", "on|off", NULL},
	{"logfile", "<file>", NULL},
	{"memreport", "", cmd_memreport},
	{"print", "<string>", cmd_print},
	{"quota", "[set <name> <val>|<domid>|max [-r]]", cmd_quota},
	{"quota-soft", "[set <name> <val>]", cmd_quota_soft},
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static int cmd_help(struct store *st, int argc, const char **argv,
		    struct out *o)
{
	size_t i;

	if (argc != 1)
		return -EINVAL;
	outf(o, "Available commands:\n");
	for (i = 0; i < NCMDS; i++)
		outf(o, "%-11s %s\n", cmds[i].name, cmds[i].args);
	return 0;
}

int control_run(struct store *st, int argc, const char **argv, char **reply)
{
	struct out o = {NULL, 0, 0, 0};
	size_t i;
	int ret;

	*reply = NULL;
	for (i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, argv[0]) == 0)
			break;
	if (i == NCMDS)
		return -EINVAL;
	if (!cmds[i].fn) {
		/* Owned by the daemon: tracing. */
		if (!st->hooks.control)
			return -ENOSYS;
		return st->hooks.control(st->hooks.arg, argc, argv, reply);
	}
	ret = cmds[i].fn(st, argc, argv, &o);
	if (ret < 0) {
		free(o.buf);
		return ret;
	}
	return out_done(&o, reply);
}
