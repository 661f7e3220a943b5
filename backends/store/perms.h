/*
 * perms.h: permission sets, interned.
 *
 * Most nodes carry the same few permission lists (a domain's home and
 * everything under it), so nodes keep a 32-bit id into this table and
 * identical lists are stored once, reference counted.
 *
 * The model is xenstored's: the first entry names the owner, who may do
 * anything; its letter is the default for every domain without an entry
 * of its own; later entries grant per-domain access, the first match wins.
 * A connection acting for domain d with target t (SET_TARGET) matches
 * entries naming d or t.
 */
#ifndef STORE_PERMS_H
#define STORE_PERMS_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/proto.h"

#define PERM_READ  PROTO_PERM_READ
#define PERM_WRITE PROTO_PERM_WRITE
#define PERM_OWNER 4

#define PERMS_NONE UINT32_MAX /* no set */
#define DOMID_NONE 0xFFFFFFFFu

struct perms_table;

struct perms_table *perms_table_new(void);
void perms_table_free(struct perms_table *pt);

/* A reference to the set holding these n entries; PERMS_NONE on ENOMEM. */
uint32_t perms_intern(struct perms_table *pt, const struct proto_perm *p,
		      unsigned n);
void perms_ref(struct perms_table *pt, uint32_t id);
void perms_unref(struct perms_table *pt, uint32_t id);
/* The entries of a set. */
const struct proto_perm *perms_get(const struct perms_table *pt, uint32_t id,
				   unsigned *n);
unsigned perms_owner(const struct perms_table *pt, uint32_t id);

/*
 * Access (PERM_READ|PERM_WRITE|PERM_OWNER) that domain `domid`, with
 * `target` (or DOMID_NONE), has under these entries.  `any` enables the
 * DOMID_ANY wildcard entry.
 */
unsigned perms_access(const struct proto_perm *p, unsigned n, unsigned domid,
		      unsigned target);

/*
 * Mark every entry naming domid as ignored (the domain died), in every
 * set; owners are left alone.  Returns how many entries changed.
 */
size_t perms_forget_domain(struct perms_table *pt, unsigned domid);

/* Format a set as "r0\0w5\0" into buf; returns the length or -E2BIG. */
int perms_format(const struct proto_perm *p, unsigned n, char *buf,
		 size_t size);

size_t perms_table_count(const struct perms_table *pt);

#endif
