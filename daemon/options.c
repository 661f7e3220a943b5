/*
 * options.c: command line parsing (see options.h).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/options.h"
#include "protocol/proto.h"

enum {
	OPT_VERSION = 256,
	OPT_SOCKET,
	OPT_HYPERVISOR,
	OPT_TRACE_CONTROL,
	OPT_LOG,
	OPT_LOG_DIR,
	OPT_TIMESTAMP,
	OPT_REPLACE_ESCAPE,
	OPT_CONSOLE_ONLY,
	OPT_NO_CONSOLES,
	OPT_CONSOLE_DOMID,
};

static const char short_opts[] = "A:DE:e:F:HI::iKM:m:NPo:p:Q:q:RS:T:t:UVvW:w:";
/* As xenconsoled's, plus -N, -F and -P. */
static const char console_short_opts[] = "hVvit:o:NF:P";

static const struct option long_opts[] = {
	{"help", no_argument, NULL, 'H'},
	{"version", no_argument, NULL, OPT_VERSION},
	{"socket", required_argument, NULL, OPT_SOCKET},
	{"hypervisor", required_argument, NULL, OPT_HYPERVISOR},
	{"no-fork", no_argument, NULL, 'N'},
	{"pid-file", required_argument, NULL, 'F'},
	{"output-pid", no_argument, NULL, 'P'},
	{"trace-file", required_argument, NULL, 'T'},
	{"verbose", no_argument, NULL, 'V'},
	{"entry-nb", required_argument, NULL, 'E'},
	{"entry-size", required_argument, NULL, 'S'},
	{"watch-nb", required_argument, NULL, 'W'},
	{"transaction", required_argument, NULL, 't'},
	{"perm-nb", required_argument, NULL, 'A'},
	{"path-max", required_argument, NULL, 'M'},
	{"quota", required_argument, NULL, 'Q'},
	{"quota-soft", required_argument, NULL, 'q'},
	{"timeout", required_argument, NULL, 'w'},
	{"keep-orphans", no_argument, NULL, 'K'},
	{"priv-domid", required_argument, NULL, 'p'},
	{"master-domid", required_argument, NULL, 'm'},
	{"event", required_argument, NULL, 'e'},
	/* xenstored compatibility, accepted and ignored */
	{"no-domain-init", no_argument, NULL, 'D'},
	{"no-recovery", no_argument, NULL, 'R'},
	{"internal-db", optional_argument, NULL, 'I'},
	{"trace-control", required_argument, NULL, OPT_TRACE_CONTROL},
	/* xenstored compatibility, refused */
	{"live-update", no_argument, NULL, 'U'},
	/* consoles */
	{"log", required_argument, NULL, OPT_LOG},
	{"log-dir", required_argument, NULL, OPT_LOG_DIR},
	{"overflow-data", required_argument, NULL, 'o'},
	{"replace-escape", no_argument, NULL, OPT_REPLACE_ESCAPE},
	{"interactive", no_argument, NULL, 'i'},
	{"console-only", no_argument, NULL, OPT_CONSOLE_ONLY},
	{"console-domid", required_argument, NULL, OPT_CONSOLE_DOMID},
	{"timestamp", required_argument, NULL, OPT_TIMESTAMP},
	{"no-consoles", no_argument, NULL, OPT_NO_CONSOLES},
	{NULL, 0, NULL, 0},
};

/* Run as xenconsoled: its flags, and ours that make sense alone. */
static const struct option console_long_opts[] = {
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{"verbose", no_argument, NULL, 'v'},
	{"pid-file", required_argument, NULL, 'F'},
	{"timestamp", required_argument, NULL, 't'},
	{"no-fork", no_argument, NULL, 'N'},
	{"output-pid", no_argument, NULL, 'P'},
	{"socket", required_argument, NULL, OPT_SOCKET},
	{"hypervisor", required_argument, NULL, OPT_HYPERVISOR},
	{"log", required_argument, NULL, OPT_LOG},
	{"log-dir", required_argument, NULL, OPT_LOG_DIR},
	{"overflow-data", required_argument, NULL, 'o'},
	{"replace-escape", no_argument, NULL, OPT_REPLACE_ESCAPE},
	{"interactive", no_argument, NULL, 'i'},
	{"console-only", no_argument, NULL, OPT_CONSOLE_ONLY},
	{"console-domid", required_argument, NULL, OPT_CONSOLE_DOMID},
	{NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
	fputs("Usage: xenbackd [OPTION]...\n"
	      "A XenStore daemon, drop-in for xenstored.\n"
	      "\n"
	      "  -H, --help                 show this help and exit\n"
	      "      --version              show the version and exit\n"
	      "      --socket PATH          listen on PATH (default: "
	      "$XENSTORED_PATH,\n"
	      "                             $XENSTORED_RUNDIR/socket, "
	      "/run/xenstored/socket)\n"
	      "      --hypervisor xen|sim:PATH|none\n"
	      "                             how to reach guests (default: xen "
	      "when\n"
	      "                             /dev/xen/evtchn exists, else "
	      "none)\n"
	      "  -N, --no-fork              stay in the foreground\n"
	      "  -F, --pid-file FILE        write the daemon's pid to FILE\n"
	      "  -P, --output-pid           print the daemon's pid once "
	      "ready\n"
	      "  -T, --trace-file FILE      trace every message to FILE\n"
	      "  -V, --verbose              log more (repeat for more)\n"
	      "  -E, --entry-nb N           quota nodes=N\n"
	      "  -S, --entry-size N         quota node-size=N\n"
	      "  -W, --watch-nb N           quota watches=N\n"
	      "  -t, --transaction N        quota transactions=N\n"
	      "  -A, --perm-nb N            quota node-permissions=N\n"
	      "  -M, --path-max N           quota path-max=N (at most 2048)\n"
	      "  -Q, --quota NAME=N         set a hard quota\n"
	      "  -q, --quota-soft NAME=N    set a soft quota (a warning)\n"
	      "  -w, --timeout watch-event=SECONDS\n"
	      "                             drop unread watch events after "
	      "SECONDS\n"
	      "  -K, --keep-orphans         give a dead domain's nodes to "
	      "dom0\n"
	      "  -p, --priv-domid N         the privileged domain (default "
	      "0)\n"
	      "\n"
	      "Consoles (xenconsoled's job; see also --console-only):\n"
	      "      --no-consoles          leave guest consoles alone\n"
	      "      --log none|guest|hv|all\n"
	      "                             which console logs to keep "
	      "(default none)\n"
	      "      --log-dir DIR          where (default "
	      "/var/log/xen/console)\n"
	      "      --timestamp none|guest|hv|all\n"
	      "                             which logs get a time on each "
	      "line\n"
	      "  -o, --overflow-data discard|keep\n"
	      "                             past console/limit: drop the "
	      "middle of the\n"
	      "                             backlog (default) or make the "
	      "guest wait\n"
	      "      --replace-escape       write ESC as '.' in the logs\n"
	      "      --console-domid N      serve consoles whose backend is "
	      "N\n"
	      "      --console-only         consoles alone, as a client of "
	      "another\n"
	      "                             xenstored (xenconsoled's flags; "
	      "--help)\n"
	      "  -i, --interactive          as -N\n"
	      "  -v                         as -V\n"
	      "\n"
	      "Accepted and ignored for xenstored compatibility:\n"
	      "  -D, --no-domain-init, -R, --no-recovery, -I, "
	      "--internal-db[=on|off],\n"
	      "  -e, --event N, -m, --master-domid N, --trace-control "
	      "[+-]SWITCH\n"
	      "\n"
	      "Quota names (a value of 0 means no limit):\n ",
	      f);
	for (int i = 0, col = 1; i < QUOTA_COUNT; i++) {
		const char *name = quota_name(i);

		if (col + 1 + strlen(name) > 78) {
			fputs("\n ", f);
			col = 1;
		}
		col += fprintf(f, " %s", name);
	}
	fputc('\n', f);
}

/* --console-only (or run as xenconsoled): xenconsoled's usage. */
static void console_usage(FILE *f)
{
	fputs("Usage: xenbackd --console-only [OPTION]...\n"
	      "   or: xenconsoled [OPTION]...\n"
	      "Serve Xen guest consoles (pty and log), as a client of a "
	      "xenstored.\n"
	      "\n"
	      "  -h, --help                 show this help and exit\n"
	      "  -V, --version              show the version and exit\n"
	      "  -v, --verbose              log more (repeat for more)\n"
	      "  -i, --interactive          stay in the foreground (also -N)\n"
	      "      --log=none|guest|hv|all\n"
	      "                             which logs to keep (default "
	      "none)\n"
	      "      --log-dir=DIR          where (default "
	      "/var/log/xen/console)\n"
	      "  -t, --timestamp=none|guest|hv|all\n"
	      "                             which logs get a time on each "
	      "line\n"
	      "  -o, --overflow-data=discard|keep\n"
	      "                             past console/limit: drop the "
	      "middle of the\n"
	      "                             backlog (default) or make the "
	      "guest wait\n"
	      "      --replace-escape       write ESC as '.' in the logs\n"
	      "      --pid-file=FILE        write the daemon's pid to FILE "
	      "(also -F)\n"
	      "      --socket=PATH          the xenstored socket (default: "
	      "libxenstore's\n"
	      "                             choice, $XENSTORED_PATH, then "
	      "/dev/xen/xenbus)\n"
	      "      --hypervisor xen|sim:PATH|none\n"
	      "      --console-domid=N      our domain id (default: the "
	      "store's \"domid\"\n"
	      "                             node of our home, else 0)\n",
	      f);
}

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Report a usage error; returns the exit status for it, 2. */
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("xenbackd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'xenbackd --help' for more information.\n", stderr);
	return 2;
}

/* Parse a decimal count for flag; false (reported) when it is not one. */
static bool parse_count(const char *flag, const char *arg, unsigned *out)
{
	unsigned long v;

	if (!proto_parse_uint(arg, INT_MAX, &v)) {
		usage_error("%s: not a number: '%s'", flag, arg);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

/* -Q/-q name=value: tell an unknown name from a bad value. */
static int parse_quota(struct quota_set *set, const char *arg)
{
	char name[64];
	const char *eq = strchr(arg, '=');
	size_t len;

	if (!eq)
		return usage_error("quotas are given as NAME=VALUE, not '%s'",
				   arg);
	len = (size_t)(eq - arg);
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, arg, len);
	name[len] = '\0';
	if (quota_lookup(name) < 0)
		return usage_error("unknown quota '%s' (see --help)", name);
	if (quota_parse_assign(set, arg) < 0)
		return usage_error("bad quota value in '%s'", arg);
	return -1;
}

/* -w watch-event=SECONDS, the only timeout there is. */
static int parse_timeout(struct store_config *cfg, const char *arg)
{
	static const char what[] = "watch-event=";

	if (strncmp(arg, what, sizeof(what) - 1) != 0)
		return usage_error("unknown timeout '%s' (only watch-event)",
				   arg);
	if (!parse_count("--timeout", arg + sizeof(what) - 1,
			 &cfg->watch_event_timeout))
		return 2;
	return -1;
}

/* Replace *slot with an absolute copy of path. */
static int set_path(char **slot, const char *flag, const char *path)
{
	if (*path == '\0')
		return usage_error("%s needs a non-empty path", flag);
	free(*slot);
	*slot = options_absolute(path);
	if (!*slot) {
		fprintf(stderr, "xenbackd: %s: %s\n", path, strerror(errno));
		return 2;
	}
	return -1;
}

static int set_count(struct options *o, enum quota_id q, const char *flag)
{
	if (!parse_count(flag, optarg, &o->store.hard.val[q]))
		return 2;
	return -1;
}

static bool on_off(const char *s)
{
	return s && (!strcmp(s, "on") || !strcmp(s, "off"));
}

/* -I [on|off]: xenstored's usage shows the value as a separate word. */
static int internal_db(int argc, char **argv)
{
	if (optarg && !on_off(optarg))
		return usage_error("--internal-db takes on or off, not '%s'",
				   optarg);
	if (!optarg && optind < argc && on_off(argv[optind]))
		optind++;
	return -1;
}

/* xenstored's flags about domains, and those that do nothing here. */
static int compat_flag(struct options *o, int ch, int argc, char **argv)
{
	switch (ch) {
	case 'D':
	case 'R':
	case OPT_TRACE_CONTROL:
		return -1;
	case 'I':
		return internal_db(argc, argv);
	case 'e':
		return parse_count("--event", optarg, &o->dom0_event) ? -1 : 2;
	case 'm':
		return parse_count("--master-domid", optarg, &o->master_domid)
			       ? -1
			       : 2;
	case 'p':
		return parse_count("--priv-domid", optarg, &o->store.priv_domid)
			       ? -1
			       : 2;
	case 'U':
		return usage_error("--live-update is not supported");
	}
	return usage_error("internal error: unhandled option %d", ch);
}

/* none|guest|hv|all as OPTIONS_CONSOLE_* bits; empty (an unset variable
 * in xenconsoled.service's --log=${XENCONSOLED_TRACE}) is none. */
static int parse_which(const char *flag, const char *arg, unsigned *out)
{
	static const char *const words[] = {"none", "guest", "hv", "all"};

	if (!*arg) {
		*out = 0;
		return -1;
	}
	for (unsigned i = 0; i < 4; i++) {
		if (strcmp(arg, words[i]) == 0) {
			*out = i;
			return -1;
		}
	}
	return usage_error("%s: '%s' is not none, guest, hv or all", flag, arg);
}

/* The console options both command lines share. */
static int console_flag(struct options *o, int ch)
{
	unsigned long v;

	switch (ch) {
	case 'i':
		o->no_fork = true;
		return -1;
	case 'v':
		o->verbose++;
		return -1;
	case 'o':
		if (strcmp(optarg, "keep") && strcmp(optarg, "discard"))
			return usage_error("--overflow-data: '%s' is not "
					   "discard or keep",
					   optarg);
		o->overflow_keep = strcmp(optarg, "keep") == 0;
		return -1;
	case OPT_LOG:
		return parse_which("--log", optarg, &o->console_log);
	case OPT_TIMESTAMP:
		return parse_which("--timestamp", optarg,
				   &o->console_timestamp);
	case OPT_LOG_DIR:
		if (!*optarg) /* --log-dir=${XENCONSOLED_LOG_DIR}, unset */
			return -1;
		return set_path(&o->console_log_dir, "--log-dir", optarg);
	case OPT_REPLACE_ESCAPE:
		o->replace_escape = true;
		return -1;
	case OPT_CONSOLE_ONLY:
		return -1; /* seen before parsing */
	case OPT_NO_CONSOLES:
		o->no_consoles = true;
		return -1;
	case OPT_CONSOLE_DOMID:
		if (!proto_parse_uint(optarg, PROTO_DOMID_FIRST_RESERVED - 1,
				      &v))
			return usage_error("--console-domid: not a domain "
					   "id: '%s'",
					   optarg);
		o->console_domid = (int)v;
		return -1;
	}
	return usage_error("internal error: unhandled option %d", ch);
}

static bool is_console_flag(int ch)
{
	return ch == 'i' || ch == 'v' || ch == 'o' ||
	       (ch >= OPT_LOG && ch <= OPT_CONSOLE_DOMID);
}

/* One flag; -1 to go on, or an exit status. */
static int parse_one(struct options *o, int ch, int argc, char **argv)
{
	switch (ch) {
	case 'H':
		usage(stdout);
		return 0;
	case OPT_VERSION:
		printf("xenbackd %s\n", XENBACKD_VERSION);
		return 0;
	case OPT_SOCKET:
		return set_path(&o->socket_path, "--socket", optarg);
	case OPT_HYPERVISOR:
		if (strcmp(optarg, "xen") != 0 && strcmp(optarg, "none") != 0 &&
		    (strncmp(optarg, "sim:", 4) != 0 || !optarg[4]))
			return usage_error("--hypervisor: '%s' is not xen, "
					   "sim:PATH or none",
					   optarg);
		free(o->hypervisor);
		o->hypervisor = strdup(optarg);
		return o->hypervisor ? -1 : usage_error("out of memory");
	case 'N':
		o->no_fork = true;
		return -1;
	case 'F':
		return set_path(&o->pid_file, "--pid-file", optarg);
	case 'P':
		o->output_pid = true;
		return -1;
	case 'T':
		return set_path(&o->trace_file, "--trace-file", optarg);
	case 'V':
		o->verbose++;
		return -1;
	case 'E':
		return set_count(o, QUOTA_NODES, "--entry-nb");
	case 'S':
		return set_count(o, QUOTA_NODE_SIZE, "--entry-size");
	case 'W':
		return set_count(o, QUOTA_WATCHES, "--watch-nb");
	case 't':
		return set_count(o, QUOTA_TRANSACTIONS, "--transaction");
	case 'A':
		return set_count(o, QUOTA_NODE_PERMS, "--perm-nb");
	case 'M':
		if (set_count(o, QUOTA_PATH_MAX, "--path-max") >= 0)
			return 2;
		/* As xenstored: never beyond the protocol's own limit. */
		if (o->store.hard.val[QUOTA_PATH_MAX] > XENSTORE_REL_PATH_MAX)
			o->store.hard.val[QUOTA_PATH_MAX] =
				XENSTORE_REL_PATH_MAX;
		return -1;
	case 'Q':
		return parse_quota(&o->store.hard, optarg);
	case 'q':
		return parse_quota(&o->store.soft, optarg);
	case 'w':
		return parse_timeout(&o->store, optarg);
	case 'K':
		o->store.keep_orphans = true;
		return -1;
	case '?':
		/* getopt has said what is wrong. */
		fputs("Try 'xenbackd --help' for more information.\n", stderr);
		return 2;
	}
	if (is_console_flag(ch))
		return console_flag(o, ch);
	return compat_flag(o, ch, argc, argv);
}

/* One flag of the console-only command line (xenconsoled's letters). */
static int parse_console(struct options *o, int ch, int argc, char **argv)
{
	switch (ch) {
	case 'h':
		console_usage(stdout);
		return 0;
	case 'V':
		printf("xenbackd %s (console backend)\n", XENBACKD_VERSION);
		return 0;
	case 't':
		return parse_which("--timestamp", optarg,
				   &o->console_timestamp);
	}
	return parse_one(o, ch, argc, argv);
}

/* Run as xenconsoled, or told --console-only? */
static bool console_mode(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/');

	name = name ? name + 1 : argv[0];
	if (strcmp(name, "xenconsoled") == 0)
		return true;
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (strcmp(argv[i], "--console-only") == 0)
			return true;
	return false;
}

int options_parse(struct options *o, int argc, char **argv)
{
	int ch, rc;

	memset(o, 0, sizeof(*o));
	store_config_defaults(&o->store);
	o->console_domid = -1;
	o->console_only = argc > 0 && console_mode(argc, argv);
	optind = 1;
	while ((ch = getopt_long(
			argc, argv,
			o->console_only ? console_short_opts : short_opts,
			o->console_only ? console_long_opts : long_opts,
			NULL)) != -1) {
		rc = o->console_only ? parse_console(o, ch, argc, argv)
				     : parse_one(o, ch, argc, argv);
		if (rc >= 0)
			return rc;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return -1;
}

void options_free(struct options *o)
{
	free(o->socket_path);
	free(o->pid_file);
	free(o->trace_file);
	free(o->hypervisor);
	free(o->console_log_dir);
	o->socket_path = o->pid_file = o->trace_file = o->hypervisor = NULL;
	o->console_log_dir = NULL;
}

char *options_absolute(const char *path)
{
	char *cwd, *out;

	if (path[0] == '/')
		return strdup(path);
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return NULL;
	if (asprintf(&out, "%s/%s", strcmp(cwd, "/") ? cwd : "", path) < 0)
		out = NULL;
	free(cwd);
	return out;
}

/* An environment variable, NULL when unset or empty. */
static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

char *options_socket_path(const struct options *o)
{
	const char *v;
	char *path;

	if (o->socket_path)
		return strdup(o->socket_path);
	if ((v = env("XENSTORED_PATH")))
		return options_absolute(v);
	v = env("XENSTORED_RUNDIR");
	if (asprintf(&path, "%s/socket", v ? v : OPTIONS_DEFAULT_RUNDIR) < 0)
		return NULL;
	if (path[0] != '/') {
		char *abs = options_absolute(path);

		free(path);
		path = abs;
	}
	return path;
}
