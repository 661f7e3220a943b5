/*
 * hvlog.h: hypervisor.log, the hypervisor's own console ring copied into
 * the log directory: once at start (the boot messages) and on every
 * VIRQ_CON_RING, in 16 KiB chunks, from where the last read stopped.
 */
#ifndef CONSOLE_HVLOG_H
#define CONSOLE_HVLOG_H

#include <stdbool.h>

struct conback_hvlog;
struct hvlog;

/* Open <dir>/hypervisor.log; NULL (logged) on failure. */
struct hvlog *hvlog_new(const struct conback_hvlog *ops, const char *dir,
			bool timestamps);
void hvlog_free(struct hvlog *h);
/* Copy everything new from the ring to the log. */
void hvlog_read(struct hvlog *h);
void hvlog_reopen(struct hvlog *h);

#endif
