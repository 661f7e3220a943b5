/*
 * options.h: the daemon's command line.  The flags follow xenstored 4.17 so
 * that its start scripts (launch-xenstore, Debian's init script) can run
 * xenbackd unchanged; the flags that make no sense here are accepted and
 * ignored.
 */
#ifndef DAEMON_OPTIONS_H
#define DAEMON_OPTIONS_H

#include <stdbool.h>

#include "backends/store/store.h"

#define OPTIONS_DEFAULT_RUNDIR "/run/xenstored"

/* --log and --timestamp: which consoles (xenconsoled's words). */
#define OPTIONS_CONSOLE_GUEST 1u
#define OPTIONS_CONSOLE_HV    2u

struct options {
	struct store_config store;
	char *socket_path;     /* --socket; NULL: from the environment */
	char *pid_file;        /* -F, absolute, or NULL */
	char *trace_file;      /* -T, absolute, or NULL */
	char *hypervisor;      /* --hypervisor, or NULL: pick one */
	int verbose;           /* -V, once per flag */
	bool no_fork;          /* -N */
	bool output_pid;       /* -P: print the daemon's pid once it is ready */
	unsigned dom0_event;   /* -e, kept for the dom0 ring */
	unsigned master_domid; /* -m, kept for the dom0 ring */

	/* Consoles (xenconsoled's options). */
	bool console_only;          /* --console-only, or run as xenconsoled */
	bool no_consoles;           /* --no-consoles */
	unsigned console_log;       /* --log: OPTIONS_CONSOLE_* bits */
	unsigned console_timestamp; /* --timestamp: OPTIONS_CONSOLE_* bits */
	char *console_log_dir;      /* --log-dir, or NULL */
	bool overflow_keep;         /* -o keep */
	bool replace_escape;        /* --replace-escape */
	int console_domid;          /* --console-domid, or -1 */
};

/*
 * Parse argv into o (store defaults first).  Returns -1 to go on, or the
 * status to exit with: 0 after --help/--version, 2 after a usage error
 * (already reported on stderr).
 *
 * With --console-only, or when run as "xenconsoled", the short options are
 * xenconsoled's (-i, -t WHICH, -o HOW, -v verbose, -V version, -h help), so
 * its start scripts work unchanged; otherwise they are xenstored's (-t is
 * the transaction quota) and the console options are long ones.
 */
int options_parse(struct options *o, int argc, char **argv);
void options_free(struct options *o);

/*
 * The socket to listen on: --socket, else $XENSTORED_PATH, else
 * $XENSTORED_RUNDIR/socket, else /run/xenstored/socket.  Returns a
 * malloc'ed absolute path, or NULL on allocation failure.
 */
char *options_socket_path(const struct options *o);

/* Make path absolute against the current directory: malloc'ed or NULL. */
char *options_absolute(const char *path);

#endif
