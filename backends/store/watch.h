/*
 * watch.h: watches, indexed by path.
 *
 * A change at /a/b/c fires the watches set on "/", "/a", "/a/b" and
 * "/a/b/c" (an "exact" change, as for each node below a removed subtree,
 * fires only the last).  The index maps each watched path to its watches,
 * so a change costs one probe per path component plus one step per
 * matching watch, however many watches exist.
 *
 * Example: conn A watches "/local/domain/0/dev" with token "t" relative
 * (it asked for "dev"); a write of /local/domain/0/dev/x sends A the event
 * "dev/x\0t\0", if A may read the node or its parent (XSA-115).
 */
#ifndef STORE_WATCH_H
#define STORE_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct conn;

struct watch_index *watch_index_new(void);
void watch_index_free(struct watch_index *wi);

/*
 * Add a watch for c on canonical path; events show the path without its
 * first prefix_len characters; depth < 0 is unlimited.  -EEXIST for a
 * duplicate (path, token), -ENOSPC over quota, -ENOMEM.
 */
int watch_add(struct store *st, struct conn *c, const char *path,
	      const char *token, size_t prefix_len, int depth);
/* Remove c's watch; -ENOENT when there is none. */
int watch_del(struct store *st, struct conn *c, const char *path,
	      const char *token);
/* Remove every watch of c. */
void watch_del_all(struct store *st, struct conn *c);

/*
 * Fire watches for a change at a canonical path.  perms is the node's
 * permission set (as it was, for a removed node); old_perms, when not
 * PERMS_NONE, the set before a permission change: a watcher that could
 * read either is told.
 */
void watch_fire(struct store *st, const char *path, bool exact, uint32_t perms,
		uint32_t old_perms);

/*
 * Fire a special watch ("@releaseDomain") for domain domid: watchers of
 * the name get the name (or, with depth 1, "name/<domid>"), watchers of
 * "name/<domid>" get that (4.22).
 */
void watch_fire_special(struct store *st, const char *name, unsigned domid,
			uint32_t perms);

#endif
