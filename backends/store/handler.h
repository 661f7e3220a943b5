/*
 * handler.h: the request handler: one table row per message type.
 */
#ifndef STORE_HANDLER_H
#define STORE_HANDLER_H

#include "backends/store/store_int.h"

/* Handle one complete request; the reply goes on c's queue. */
void handle_request(struct conn *c, const struct xsd_sockmsg *hdr,
		    const char *payload);

#endif
