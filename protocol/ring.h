/*
 * ring.h: index arithmetic and copying for the shared rings (the XenStore
 * ring of xen/io/xs_wire.h; the console ring of xen/io/console.h), as
 * docs/misc/xenstore-ring.txt describes it.
 *
 * Indexes are free-running 32-bit counters; the byte at stream offset x
 * sits at x & (size - 1).  Each index is read exactly once per call, the
 * distance between them is checked against the ring size before any data
 * is touched, and barriers order the data against the index updates.  The
 * caller notifies the peer after a call that moved an index.
 */
#ifndef PROTOCOL_RING_H
#define PROTOCOL_RING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One direction of a ring: its data and the two indexes. */
struct ring_dir {
	char *data;
	uint32_t size; /* a power of two */
	uint32_t *cons;
	uint32_t *prod;
};

/*
 * Consumer side: copy up to len bytes out and advance cons.  Returns the
 * bytes taken (0: empty), or -EPROTO when prod - cons exceeds the size.
 */
ssize_t ring_take(const struct ring_dir *r, void *buf, size_t len);

/*
 * Producer side: copy up to len bytes in and advance prod.  Returns the
 * bytes put (0: full), or -EPROTO when prod - cons exceeds the size.
 */
ssize_t ring_put(const struct ring_dir *r, const void *buf, size_t len);

/* Bytes waiting (consumer view), or -EPROTO; reads each index once. */
ssize_t ring_avail(const struct ring_dir *r);

struct xenstore_domain_interface;
/* The request (guest to server) and response directions of a page. */
void ring_xs_req(struct xenstore_domain_interface *intf, struct ring_dir *r);
void ring_xs_rsp(struct xenstore_domain_interface *intf, struct ring_dir *r);

#endif
