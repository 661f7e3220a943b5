/*
 * ring.c: shared-ring copying (see ring.h).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <xen/io/xs_wire.h>

#include "protocol/ring.h"

/* The other side runs concurrently: load each index once. */
static uint32_t load_index(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

ssize_t ring_avail(const struct ring_dir *r)
{
	uint32_t cons = load_index(r->cons), prod = load_index(r->prod);

	if (prod - cons > r->size)
		return -EPROTO;
	return (ssize_t)(prod - cons);
}

ssize_t ring_take(const struct ring_dir *r, void *buf, size_t len)
{
	uint32_t cons = load_index(r->cons), prod = load_index(r->prod);
	uint32_t avail = prod - cons, off, first;
	char *out = buf;

	if (avail > r->size)
		return -EPROTO;
	/* Read the indexes before the data they cover. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (len > avail)
		len = avail;
	off = cons & (r->size - 1);
	first = r->size - off < len ? r->size - off : (uint32_t)len;
	memcpy(out, r->data + off, first);
	memcpy(out + first, r->data, len - first);
	/* Finish reading the data before handing the space back. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(r->cons, cons + (uint32_t)len, __ATOMIC_RELAXED);
	return (ssize_t)len;
}

ssize_t ring_put(const struct ring_dir *r, const void *buf, size_t len)
{
	uint32_t cons = load_index(r->cons), prod = load_index(r->prod);
	uint32_t used = prod - cons, room, off, first;
	const char *in = buf;

	if (used > r->size)
		return -EPROTO;
	/* Read cons before overwriting the space it freed. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	room = r->size - used;
	if (len > room)
		len = room;
	off = prod & (r->size - 1);
	first = r->size - off < len ? r->size - off : (uint32_t)len;
	memcpy(r->data + off, in, first);
	memcpy(r->data, in + first, len - first);
	/* Publish the data before the index that covers it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(r->prod, prod + (uint32_t)len, __ATOMIC_RELAXED);
	return (ssize_t)len;
}

void ring_xs_req(struct xenstore_domain_interface *intf, struct ring_dir *r)
{
	r->data = intf->req;
	r->size = XENSTORE_RING_SIZE;
	r->cons = &intf->req_cons;
	r->prod = &intf->req_prod;
}

void ring_xs_rsp(struct xenstore_domain_interface *intf, struct ring_dir *r)
{
	r->data = intf->rsp;
	r->size = XENSTORE_RING_SIZE;
	r->cons = &intf->rsp_cons;
	r->prod = &intf->rsp_prod;
}
