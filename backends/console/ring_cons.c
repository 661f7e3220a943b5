/*
 * ring_cons.c: console page directions (see ring_cons.h).
 */
#include <stddef.h>
#include <stdint.h>

#include <xen/io/console.h>

#include "backends/console/ring_cons.h"

_Static_assert(sizeof(((struct xencons_interface *)0)->out) ==
		       RING_CONS_OUT_SIZE,
	       "console out ring size");
_Static_assert(sizeof(((struct xencons_interface *)0)->in) == RING_CONS_IN_SIZE,
	       "console in ring size");
_Static_assert(sizeof(struct xencons_interface) == RING_CONS_CONNECTION_OFFSET,
	       "the connection byte follows the indexes");

void ring_cons_out(void *page, struct ring_dir *r)
{
	struct xencons_interface *intf = page;

	r->data = intf->out;
	r->size = RING_CONS_OUT_SIZE;
	r->cons = &intf->out_cons;
	r->prod = &intf->out_prod;
}

void ring_cons_in(void *page, struct ring_dir *r)
{
	struct xencons_interface *intf = page;

	r->data = intf->in;
	r->size = RING_CONS_IN_SIZE;
	r->cons = &intf->in_cons;
	r->prod = &intf->in_prod;
}

ssize_t ring_cons_in_room(void *page)
{
	struct ring_dir r;
	ssize_t used;

	ring_cons_in(page, &r);
	used = ring_avail(&r);
	if (used < 0)
		return used;
	return (ssize_t)RING_CONS_IN_SIZE - used;
}

void ring_cons_set_connected(void *page)
{
	uint8_t *flag = (uint8_t *)page + RING_CONS_CONNECTION_OFFSET;

	/* The ring is ready before the guest may see "connected". */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(flag, RING_CONS_CONNECTED, __ATOMIC_RELAXED);
}
