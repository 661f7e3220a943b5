/*
 * ring_cons.h: the console page (xen/io/console.h) for protocol/ring.h:
 * the guest's output ("out", 2048 bytes, guest to backend) and keyboard
 * input ("in", 1024 bytes, backend to guest), each with free-running
 * 32-bit indexes.  ring_take() and ring_put() do the index checks and
 * barriers; the caller notifies the guest after any call that moved an
 * index.
 */
#ifndef CONSOLE_RING_CONS_H
#define CONSOLE_RING_CONS_H

#include <sys/types.h>

#include "protocol/ring.h"

#define RING_CONS_IN_SIZE  1024u
#define RING_CONS_OUT_SIZE 2048u

/* 4.21+: a byte after the indexes; 0 connected, 1 disconnected.  Debian
 * 12's console.h predates it. */
#define RING_CONS_CONNECTION_OFFSET 3088u
#define RING_CONS_CONNECTED         0u
#define RING_CONS_DISCONNECTED      1u

/* The guest-to-backend direction of a mapped console page. */
void ring_cons_out(void *page, struct ring_dir *r);
/* The backend-to-guest direction. */
void ring_cons_in(void *page, struct ring_dir *r);
/* Room left in the "in" ring, or -EPROTO when its indexes are bad. */
ssize_t ring_cons_in_room(void *page);
/* Tell the guest a backend is there (the 4.21+ connection flag). */
void ring_cons_set_connected(void *page);

#endif
