/*
 * log.c: leveled logging to stderr (see log.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "lib/log.h"

static const char *log_ident = "xenbackd";
static int log_verbose;
static int log_journal;

/* Set the program name and verbosity; detect journald on stderr. */
void log_init(const char *ident, int verbose)
{
	log_ident = ident;
	log_verbose = verbose;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

int log_get_verbose(void)
{
	return log_verbose;
}

static void log_vwrite(int pri, const char *fmt, va_list ap, int with_errno,
		       int saved) __attribute__((format(printf, 2, 0)));

static void log_vwrite(int pri, const char *fmt, va_list ap, int with_errno,
		       int saved)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_journal)
		fprintf(stderr, "<%d>%s%s%s\n", pri, msg,
			with_errno ? ": " : "",
			with_errno ? strerror(saved) : "");
	else
		fprintf(stderr, "%s: %s%s%s\n", log_ident, msg,
			with_errno ? ": " : "",
			with_errno ? strerror(saved) : "");
	fflush(stderr);
}

#define LOG_BODY(pri, with_errno)                                              \
	do {                                                                   \
		int saved = errno;                                             \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		log_vwrite(pri, fmt, ap, with_errno, saved);                   \
		va_end(ap);                                                    \
		errno = saved;                                                 \
	} while (0)

void log_warn(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, 1);
}

void log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, 0);
}

void log_info(const char *fmt, ...)
{
	if (log_verbose < 0)
		return;
	LOG_BODY(LOG_INFO, 0);
}

void log_debug(const char *fmt, ...)
{
	if (log_verbose < 1)
		return;
	LOG_BODY(LOG_DEBUG, 0);
}

void fatal(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, 1);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, 0);
	exit(1);
}
