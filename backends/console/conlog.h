/*
 * conlog.h: a console log file (guest-<name>.log, hypervisor.log).
 *
 * Opened O_WRONLY|O_CREAT|O_APPEND, mode 0644, as xenconsoled does.  With
 * timestamps, each line starts with "[YYYY-mm-dd HH:MM:SS] " (local time),
 * carriage returns right after a newline are dropped, and opening writes
 * a stamped "Logfile Opened" line.  With replace_escape, ESC bytes are
 * written as '.' (the pty still gets them).  Everything else reaches the
 * file byte for byte.
 *
 * conlog_reopen() closes and opens the same path again (SIGHUP, after
 * logrotate renamed the file); nothing written before returns is lost.
 */
#ifndef CONSOLE_CONLOG_H
#define CONSOLE_CONLOG_H

#include <stdbool.h>
#include <stddef.h>

struct conlog;

/* Open path: a new log, or NULL with errno set. */
struct conlog *conlog_open(const char *path, bool timestamps,
			   bool replace_escape);
void conlog_close(struct conlog *l);
/* Write all of data: 0 or -errno (the bytes that failed are lost). */
int conlog_write(struct conlog *l, const void *data, size_t len);
/* Close and open the same path again: 0 or -errno (then the log writes
 * nothing until a later reopen succeeds). */
int conlog_reopen(struct conlog *l);
const char *conlog_path(const struct conlog *l);

#endif
