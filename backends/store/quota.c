/*
 * quota.c: quota names and defaults (see quota.h).
 */
#include <errno.h>
#include <string.h>

#include "backends/store/quota.h"
#include "protocol/proto.h"

static const char *const names[QUOTA_COUNT] = {
	[QUOTA_NODES] = "nodes",
	[QUOTA_WATCHES] = "watches",
	[QUOTA_OUTSTANDING] = "outstanding",
	[QUOTA_MEMORY] = "memory",
	[QUOTA_TRANSACTIONS] = "transactions",
	[QUOTA_TRANSACTION_NODES] = "transaction-nodes",
	[QUOTA_NODE_PERMS] = "node-permissions",
	[QUOTA_PATH_MAX] = "path-max",
	[QUOTA_NODE_SIZE] = "node-size",
};

const char *quota_name(enum quota_id id)
{
	return (unsigned)id < QUOTA_COUNT ? names[id] : NULL;
}

int quota_lookup(const char *name)
{
	int i;

	for (i = 0; i < QUOTA_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

void quota_defaults(struct quota_set *hard, struct quota_set *soft)
{
	memset(hard, 0, sizeof(*hard));
	memset(soft, 0, sizeof(*soft));
	hard->val[QUOTA_NODES] = 1000;
	hard->val[QUOTA_WATCHES] = 128;
	hard->val[QUOTA_OUTSTANDING] = 20;
	hard->val[QUOTA_MEMORY] = 2560 * 1024;
	hard->val[QUOTA_TRANSACTIONS] = 10;
	hard->val[QUOTA_TRANSACTION_NODES] = 1024;
	hard->val[QUOTA_NODE_PERMS] = 5;
	hard->val[QUOTA_PATH_MAX] = XENSTORE_REL_PATH_MAX;
	hard->val[QUOTA_NODE_SIZE] = 2048;
	soft->val[QUOTA_MEMORY] = 2048 * 1024;
}

int quota_parse_assign(struct quota_set *set, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char name[64];
	unsigned long v;
	int id;

	if (!eq || (size_t)(eq - arg) >= sizeof(name))
		return -EINVAL;
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	id = quota_lookup(name);
	if (id < 0 || !proto_parse_uint(eq + 1, 0xFFFFFFFFul, &v))
		return -EINVAL;
	set->val[id] = (unsigned)v;
	return 0;
}
