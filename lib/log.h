/*
 * log.h: the daemon's logging, in the spirit of OpenBSD's log.c.
 *
 * Messages go to stderr.  When stderr is the systemd journal, each line
 * carries a "<N>" priority prefix so journald files it at the right level.
 * log_warn() and fatal() append strerror(errno); the "x" forms do not.
 * errno is preserved across every call.
 */
#ifndef LIB_LOG_H
#define LIB_LOG_H

#include <stdarg.h>

#define LOG_ATTR(f, a) __attribute__((format(printf, f, a)))

void log_init(const char *ident, int verbose);
void log_set_verbose(int verbose);
int log_get_verbose(void);

void log_warn(const char *fmt, ...) LOG_ATTR(1, 2);
void log_warnx(const char *fmt, ...) LOG_ATTR(1, 2);
void log_info(const char *fmt, ...) LOG_ATTR(1, 2);
void log_debug(const char *fmt, ...) LOG_ATTR(1, 2);
void fatal(const char *fmt, ...) LOG_ATTR(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) LOG_ATTR(1, 2) __attribute__((noreturn));

#endif
