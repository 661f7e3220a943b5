/*
 * txn.c: transaction overlays and commit (see txn.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/store/db.h"
#include "backends/store/store_int.h"
#include "backends/store/txn.h"
#include "backends/store/watch.h"

struct tkey {
	const char *p;
	size_t len;
};

static bool tn_eq(const void *val, const void *key, void *ctx)
{
	const struct txnode *tn = val;
	const struct tkey *k = key;

	return tn->plen == k->len && memcmp(tn->path, k->p, k->len) == 0;
}

struct txn *txn_find(struct conn *c, uint32_t id)
{
	struct txn *t;

	for (t = c->txns; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

int txn_start(struct store *st, struct conn *c, uint32_t *id)
{
	struct txn *t;
	struct domain *d = NULL;

	if (!c->priv) {
		unsigned q = domain_quota(st, c->domid, QUOTA_TRANSACTIONS);

		d = conn_domain(c);
		if (!d)
			return -EACCES; /* the domain this was made for is gone
					 */
		if (q && d->transactions >= q)
			return -ENOSPC;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	hmap_init(&t->map);
	/* Ids are per connection; 0 means "no transaction". */
	do {
		t->id = ++c->next_txid;
	} while (t->id == 0 || txn_find(c, t->id));
	t->next = c->txns;
	c->txns = t;
	c->ntxns++;
	st->ntxns++;
	if (d)
		d->transactions++;
	*id = t->id;
	return 0;
}

static void txnode_free(struct store *st, struct txnode *tn)
{
	size_t i;

	perms_unref(st->perms, tn->perms);
	perms_unref(st->perms, tn->orig_perms);
	for (i = 0; i < tn->nkids; i++)
		free(tn->kids[i]);
	free(tn->kids);
	free(tn->value);
	free(tn);
}

/* Unlink t from c and free it. */
static void txn_destroy(struct store *st, struct conn *c, struct txn *t)
{
	struct txn **pp;
	struct txnode *tn, *next;

	for (pp = &c->txns; *pp && *pp != t; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = t->next;
	for (tn = t->first; tn; tn = next) {
		next = tn->onext;
		txnode_free(st, tn);
	}
	hmap_free(&t->map);
	txn_charge(st, c, t, -(long)t->bytes);
	if (!c->priv) {
		struct domain *d = conn_domain(c);

		if (d && d->transactions)
			d->transactions--;
	}
	c->ntxns--;
	st->ntxns--;
	free(t);
}

void txn_charge(struct store *st, struct conn *c, struct txn *t, long bytes)
{
	struct domain *d = c->priv ? NULL : conn_domain(c);

	if (bytes < 0 && (size_t)-bytes > t->bytes)
		bytes = -(long)t->bytes;
	t->bytes = (size_t)((long)t->bytes + bytes);
	if (!d)
		return;
	if (bytes < 0 && (size_t)-bytes > d->txn_memory)
		d->txn_memory = 0;
	else
		d->txn_memory = (size_t)((long)d->txn_memory + bytes);
}

/* What an overlay entry costs: itself, its value and its child list. */
static size_t txnode_bytes(const struct txnode *tn)
{
	size_t n = sizeof(*tn) + tn->plen + 1 + tn->vlen, i;

	for (i = 0; i < tn->nkids; i++)
		n += sizeof(char *) + strlen(tn->kids[i]) + 1;
	return n;
}

void txn_free_all(struct store *st, struct conn *c)
{
	while (c->txns)
		txn_destroy(st, c, c->txns);
}

struct txnode *txn_node(struct store *st, struct conn *c, struct txn *t,
			const char *path, size_t plen, int *err)
{
	struct tkey k = {path, plen};
	uint32_t h = hash_bytes(path, plen, 11);
	struct txnode *tn = hmap_get(&t->map, h, tn_eq, &k, NULL);
	node_id id;

	if (tn)
		return tn;
	if (!c->priv) {
		unsigned q =
			domain_quota(st, c->domid, QUOTA_TRANSACTION_NODES);

		if (q && t->count >= q) {
			*err = -ENOSPC;
			return NULL;
		}
	}
	tn = calloc(1, sizeof(*tn) + plen + 1);
	if (!tn)
		goto nomem;
	memcpy(tn->path, path, plen);
	tn->plen = plen;
	tn->hash = h;
	tn->check = true;
	tn->perms = tn->orig_perms = PERMS_NONE;
	id = tree_lookup(st->tree, tn->path);
	if (id) {
		size_t vlen;
		const char *v = tree_value(st->tree, id, &vlen);

		tn->exists = true;
		tn->gen_seen = tree_gen(st->tree, id);
		tn->perms = tn->orig_perms = tree_perms(st->tree, id);
		perms_ref(st->perms, tn->perms);
		perms_ref(st->perms, tn->orig_perms);
		/* The child list as it was at first sight, like the rest. */
		if (txn_set_value(tn, v, vlen) < 0 ||
		    txn_own_kids(st, tn) < 0) {
			txnode_free(st, tn);
			goto nomem;
		}
	} else {
		tn->seen_absent = true;
	}
	tn->kids_set = true;
	tn->order = (unsigned)t->count;
	if (!c->priv) {
		/* Overlays count against the domain's memory (XSA-326). */
		unsigned q = domain_quota(st, c->domid, QUOTA_MEMORY);
		struct domain *d = conn_domain(c);

		if (q && d &&
		    d->memory + d->txn_memory + txnode_bytes(tn) > q) {
			txnode_free(st, tn);
			*err = -ENOSPC;
			return NULL;
		}
	}
	if (hmap_put(&t->map, h, tn) < 0) {
		txnode_free(st, tn);
		goto nomem;
	}
	txn_charge(st, c, t, (long)txnode_bytes(tn));
	if (t->last)
		t->last->onext = tn;
	else
		t->first = tn;
	t->last = tn;
	t->count++;
	return tn;
nomem:
	*err = -ENOMEM;
	return NULL;
}

int txn_set_value(struct txnode *tn, const void *val, size_t len)
{
	char *v = malloc(len ? len : 1);

	if (!v)
		return -ENOMEM;
	if (len)
		memcpy(v, val, len);
	free(tn->value);
	tn->value = v;
	tn->vlen = len;
	return 0;
}

int txn_kid_add(struct txnode *tn, const char *name, size_t len)
{
	char *s;

	if (tn->nkids == tn->kcap) {
		size_t ncap = tn->kcap ? tn->kcap * 2 : 8;
		char **nk = realloc(tn->kids, ncap * sizeof(*nk));

		if (!nk)
			return -ENOMEM;
		tn->kids = nk;
		tn->kcap = ncap;
	}
	s = strndup(name, len);
	if (!s)
		return -ENOMEM;
	tn->kids[tn->nkids++] = s;
	tn->kids_changed = tn->kids_set;
	return 0;
}

void txn_kid_del(struct txnode *tn, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < tn->nkids; i++) {
		if (strncmp(tn->kids[i], name, len) == 0 &&
		    tn->kids[i][len] == '\0') {
			free(tn->kids[i]);
			memmove(&tn->kids[i], &tn->kids[i + 1],
				(tn->nkids - i - 1) * sizeof(*tn->kids));
			tn->nkids--;
			tn->kids_changed = true;
			return;
		}
	}
}

int txn_own_kids(struct store *st, struct txnode *tn)
{
	node_id id, ch;

	if (tn->kids_set)
		return 0;
	id = tree_lookup(st->tree, tn->path);
	if (!id || !tn->exists)
		return 0;
	for (ch = tree_first_child(st->tree, id); ch;
	     ch = tree_next_sibling(st->tree, ch)) {
		size_t len;
		const char *name = tree_name(st->tree, ch, &len);

		if (txn_kid_add(tn, name, len) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Has anything this transaction read changed since? */
static bool txn_conflicts(struct store *st, struct txn *t)
{
	struct txnode *tn;

	for (tn = t->first; tn; tn = tn->onext) {
		node_id id;

		if (!tn->check)
			continue;
		id = tree_lookup(st->tree, tn->path);
		if (tn->seen_absent
			    ? id != 0
			    : (!id || tree_gen(st->tree, id) != tn->gen_seen))
			return true;
	}
	return false;
}

static unsigned depth_of(const struct txnode *tn)
{
	unsigned d = 0;
	size_t i;

	for (i = 0; i < tn->plen; i++)
		d += tn->path[i] == '/';
	return d;
}

/* Parents before children; otherwise in order of first access. */
static int by_depth(const void *a, const void *b)
{
	const struct txnode *x = *(struct txnode *const *)a;
	const struct txnode *y = *(struct txnode *const *)b;
	unsigned dx = depth_of(x), dy = depth_of(y);

	if (dx != dy)
		return dx < dy ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Give the live children of a committed node the order the transaction
 * saw (a child it re-created, one it created after reading its absence). */
static void reorder_kids(struct store *st, const struct txnode *tn)
{
	node_id parent = tree_lookup(st->tree, tn->path), ch;
	size_t i;

	if (!parent)
		return;
	for (i = 0; i < tn->nkids; i++) {
		ch = tree_child(st->tree, parent, tn->kids[i],
				strlen(tn->kids[i]));
		if (ch)
			tree_move_last(st->tree, ch);
	}
}

/* Apply the overlay: removals, then creations and updates parents first. */
static int txn_apply(struct store *st, struct conn *c, struct txn *t)
{
	struct txnode *tn, **order;
	size_t n = 0, i;

	order = malloc(t->count * sizeof(*order));
	if (!order && t->count)
		return -ENOMEM;
	for (tn = t->first; tn; tn = tn->onext) {
		if (!tn->modified)
			continue;
		if (!tn->exists)
			db_live_remove(st, tn->path, false);
		else
			order[n++] = tn;
	}
	qsort(order, n, sizeof(*order), by_depth);
	for (i = 0; i < n; i++)
		db_live_put(st, c, order[i]->path, order[i]->value,
			    order[i]->vlen, order[i]->perms);
	for (i = 0; i < n; i++)
		if (order[i]->kids_changed)
			reorder_kids(st, order[i]);
	free(order);
	for (tn = t->first; tn; tn = tn->onext)
		if (tn->fire != FIRE_NONE)
			watch_fire(st, tn->path, tn->fire == FIRE_EXACT,
				   tn->exists ? tn->perms : tn->orig_perms,
				   tn->orig_perms);
	return 0;
}

int txn_end(struct store *st, struct conn *c, struct txn *t, bool commit)
{
	int ret = 0;

	if (commit) {
		if (t->error)
			ret = t->error;
		else if (txn_conflicts(st, t))
			ret = -EAGAIN;
		else if (!c->priv && t->node_delta > 0) {
			unsigned q = domain_quota(st, c->domid, QUOTA_NODES);
			struct domain *d = conn_domain(c);
			size_t have = d ? d->nodes : 0;

			if (q && have + (size_t)t->node_delta > q)
				ret = -ENOSPC;
		}
		if (!ret)
			ret = txn_apply(st, c, t);
	}
	txn_destroy(st, c, t);
	return ret;
}
