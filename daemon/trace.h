/*
 * trace.h: the access trace (-T FILE), one line per message in the spirit
 * of xenstored's IO trace:
 *
 *   io: IN 3 (d0) 20240131 12:00:00 WRITE (/a 1)
 *
 * NULs in the payload show as spaces; long payloads are cut.  CONTROL
 * "log on|off" and "logfile PATH" steer it at run time, and SIGHUP
 * reopens the file (for logrotate).
 */
#ifndef DAEMON_TRACE_H
#define DAEMON_TRACE_H

#include <stdbool.h>

#include "backends/store/store.h"

struct trace;

/* A trace writing to path (may be NULL: off until "logfile").  NULL with
 * errno set when the file cannot be opened. */
struct trace *trace_new(const char *path);
void trace_free(struct trace *t);
/* Close and open the file again; 0 or -errno (tracing is then off). */
int trace_reopen(struct trace *t);
/* Point the store's trace and control hooks at t. */
void trace_hooks(struct trace *t, struct store_hooks *hooks);

#endif
