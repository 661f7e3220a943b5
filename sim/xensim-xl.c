/*
 * xensim-xl.c: the toolstack's part, as xl/libxl play it, on the Xen
 * simulator and a XenStore reached through libxenstore.
 *
 *	xensim-xl [--sim PATH] [--xs PATH] create NAME [options]
 *	xensim-xl [--sim PATH] [--xs PATH] shutdown DOMID [REASON] [-w] [--hard]
 *	xensim-xl [--sim PATH] [--xs PATH] destroy DOMID
 *	xensim-xl [--sim PATH] [--xs PATH] list
 *
 * create follows libxl (tools/libs/light/libxl_create.c, libxl_dom.c,
 * libxl_console.c): build the domain (here: the simulator's domain
 * builder), write /local/domain/N, /vm/UUID and /libxl/N with libxl's
 * permissions in one transaction, then memory, domid and store/{port,
 * ring-ref} in another, send INTRODUCE(domid, store gfn, store port), and
 * add the console device (console/ read-only nodes for the guest, and the
 * backend directory under /local/domain/0/backend/console/N/0).
 * shutdown asks the guest through control/shutdown, as libxl does (--hard
 * shuts it down in the simulator instead); destroy removes the domain's
 * nodes and then destroys it.  libxl does not RELEASE the domain: the
 * store notices the death through VIRQ_DOM_EXC.
 *
 * The simulator's socket comes from --sim or $XENSIM_SOCKET; the store's
 * from --xs or $XENSTORED_PATH (libxenstore's own variable).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "sim/simclient.h"

#define CONSOLE_LIMIT   1048576 /* LIBXL_XENCONSOLE_LIMIT */
#define XBS_INIT        1       /* XenbusStateInitialising */
#define SHUTDOWN_WAIT_S 60

struct ctx {
	struct simclient *sc;
	struct xs_handle *xs; /* NULL with --no-xenstore */
	bool verbose;
};

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xensim-xl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static char *xasprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("out of memory");
	return s;
}

/* ---- xenstore helpers: the first failure in a transaction aborts it ---- */

struct tx {
	struct xs_handle *xs;
	xs_transaction_t t;
	bool failed;
	int err;
	char what[256];
};

static void tx_fail(struct tx *tx, const char *path)
{
	tx->failed = true;
	tx->err = errno;
	snprintf(tx->what, sizeof(tx->what), "%s", path);
}

/* dir/key = val; with perms (n > 0) set on it too. */
static void tx_put(struct tx *tx, const char *dir, const char *key,
		   const char *val, struct xs_permissions *perms, unsigned n)
{
	char *p;

	if (tx->failed)
		return;
	p = xasprintf("%s/%s", dir, key);
	if (!xs_write(tx->xs, tx->t, p, val, strlen(val)) ||
	    (n && !xs_set_permissions(tx->xs, tx->t, p, perms, n)))
		tx_fail(tx, p);
	free(p);
}

/* libxl__xs_mknod: an empty node with these permissions. */
static void tx_mknod(struct tx *tx, const char *dir, const char *key,
		     struct xs_permissions *perms, unsigned n)
{
	char *p;

	if (tx->failed)
		return;
	p = key ? xasprintf("%s/%s", dir, key) : xasprintf("%s", dir);
	if (!xs_mkdir(tx->xs, tx->t, p) ||
	    !xs_set_permissions(tx->xs, tx->t, p, perms, n))
		tx_fail(tx, p);
	free(p);
}

static void tx_rm(struct tx *tx, const char *path)
{
	/* A missing node is fine, as for libxl. */
	if (!tx->failed && !xs_rm(tx->xs, tx->t, path) && errno != ENOENT)
		tx_fail(tx, path);
}

/* Run body in a transaction, retrying on EAGAIN as libxl does. */
static int in_tx(struct ctx *c, void (*body)(struct tx *, void *), void *arg)
{
	for (;;) {
		struct tx tx = {c->xs, xs_transaction_start(c->xs), false, 0,
				""};

		if (tx.t == XBT_NULL) {
			fprintf(stderr, "xensim-xl: transaction start: %s\n",
				strerror(errno));
			return -1;
		}
		body(&tx, arg);
		if (tx.failed) {
			xs_transaction_end(c->xs, tx.t, true);
			fprintf(stderr, "xensim-xl: writing %s: %s\n", tx.what,
				strerror(tx.err));
			return -1;
		}
		if (xs_transaction_end(c->xs, tx.t, false))
			return 0;
		if (errno != EAGAIN) {
			fprintf(stderr, "xensim-xl: transaction end: %s\n",
				strerror(errno));
			return -1;
		}
	}
}

/* ---- create ---- */

struct newdom {
	unsigned domid;
	char name[128];
	char uuid[37];
	unsigned pages;
	struct sim_start_info si;
};

static void make_uuid(char out[37])
{
	unsigned char b[16];
	size_t i;

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)rand();
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* libxl__domain_make: the directories and their permissions. */
static void make_body(struct tx *tx, void *arg)
{
	struct newdom *nd = arg;
	unsigned d = nd->domid;
	struct xs_permissions noperm[1] = {{0, XS_PERM_NONE}};
	struct xs_permissions roperm[2] = {{0, XS_PERM_NONE},
					   {d, XS_PERM_READ}};
	struct xs_permissions rwperm[1] = {{d, XS_PERM_NONE}};
	static const char *const guest_ro[] = {"cpu", "memory", "device",
					       "control"};
	static const char *const guest_rw[] = {"device/suspend/event-channel",
					       "control/shutdown",
					       "control/feature-poweroff",
					       "control/feature-reboot",
					       "control/feature-suspend",
					       "control/sysrq",
					       "data",
					       "drivers",
					       "feature",
					       "attr",
					       "error"};
	char *dom = xasprintf("/local/domain/%u", d);
	char *vm = xasprintf("/vm/%s", nd->uuid);
	char *lib = xasprintf("/libxl/%u", d);
	size_t i;

	tx_rm(tx, dom);
	tx_mknod(tx, dom, NULL, roperm, 2);
	tx_rm(tx, vm);
	tx_mknod(tx, vm, NULL, roperm, 2);
	tx_rm(tx, lib);
	tx_mknod(tx, lib, NULL, noperm, 1);
	tx_mknod(tx, lib, "device", noperm, 1);
	tx_put(tx, dom, "vm", vm, NULL, 0);
	tx_put(tx, dom, "name", nd->name, NULL, 0); /* libxl__domain_rename */
	for (i = 0; i < sizeof(guest_ro) / sizeof(guest_ro[0]); i++)
		tx_mknod(tx, dom, guest_ro[i], roperm, 2);
	for (i = 0; i < sizeof(guest_rw) / sizeof(guest_rw[0]); i++)
		tx_mknod(tx, dom, guest_rw[i], rwperm, 1);
	tx_put(tx, vm, "uuid", nd->uuid, NULL, 0);
	tx_put(tx, vm, "name", nd->name, NULL, 0);
	tx_put(tx, dom, "control/platform-feature-multiprocessor-suspend", "1",
	       NULL, 0);
	tx_put(tx, dom, "control/platform-feature-xs_reset_watches", "1", NULL,
	       0);
	tx_put(tx, lib, "type", "pvh", NULL, 0);
	free(dom);
	free(vm);
	free(lib);
}

/* libxl__build_post: what the guest and the store need to know. */
static void post_body(struct tx *tx, void *arg)
{
	struct newdom *nd = arg;
	char *dom = xasprintf("/local/domain/%u", nd->domid);
	unsigned long kb = (unsigned long)nd->pages * (SIM_PAGE_SIZE / 1024);
	char buf[64], *vm, *p;

	snprintf(buf, sizeof(buf), "%lu", kb);
	tx_put(tx, dom, "memory/static-max", buf, NULL, 0);
	tx_put(tx, dom, "memory/target", buf, NULL, 0);
	tx_put(tx, dom, "memory/videoram", "0", NULL, 0);
	snprintf(buf, sizeof(buf), "%u", nd->domid);
	tx_put(tx, dom, "domid", buf, NULL, 0);
	snprintf(buf, sizeof(buf), "%u", nd->si.store_evtchn);
	tx_put(tx, dom, "store/port", buf, NULL, 0);
	snprintf(buf, sizeof(buf), "%lu", (unsigned long)nd->si.store_mfn);
	tx_put(tx, dom, "store/ring-ref", buf, NULL, 0);
	tx_put(tx, dom, "cpu/0/availability", "online", NULL, 0);
	p = xasprintf("%s/vm", dom);
	vm = xs_read(tx->xs, tx->t, p, NULL);
	free(p);
	if (vm)
		tx_put(tx, vm, "start_time", "0", NULL, 0);
	free(vm);
	free(dom);
}

/* libxl__device_console_add + libxl__device_generic_add, console 0. */
static void console_body(struct tx *tx, void *arg)
{
	struct newdom *nd = arg;
	unsigned d = nd->domid, be = nd->si.cons_domid;
	struct xs_permissions fe_perms[2] = {{d, XS_PERM_NONE},
					     {be, XS_PERM_READ}};
	struct xs_permissions ro_perms[2] = {{be, XS_PERM_NONE},
					     {d, XS_PERM_READ}};
	char *fe = xasprintf("/local/domain/%u/console", d);
	char *bk = xasprintf("/local/domain/%u/backend/console/%u/0", be, d);
	char buf[64];

	tx_rm(tx, fe);
	tx_mknod(tx, fe, NULL, fe_perms, 2);
	tx_put(tx, fe, "backend", bk, NULL, 0);
	snprintf(buf, sizeof(buf), "%u", be);
	tx_put(tx, fe, "backend-id", buf, NULL, 0);
	/* Read-only for the guest. */
	snprintf(buf, sizeof(buf), "%d", CONSOLE_LIMIT);
	tx_put(tx, fe, "limit", buf, ro_perms, 2);
	tx_put(tx, fe, "type", "xenconsoled", ro_perms, 2);
	tx_put(tx, fe, "output", "pty", ro_perms, 2);
	tx_put(tx, fe, "tty", "", ro_perms, 2);
	snprintf(buf, sizeof(buf), "%u", nd->si.cons_evtchn);
	tx_put(tx, fe, "port", buf, ro_perms, 2);
	snprintf(buf, sizeof(buf), "%lu", (unsigned long)nd->si.cons_mfn);
	tx_put(tx, fe, "ring-ref", buf, ro_perms, 2);
	/* The backend's directory. */
	tx_rm(tx, bk);
	tx_mknod(tx, bk, NULL, ro_perms, 2);
	tx_put(tx, bk, "frontend", fe, NULL, 0);
	snprintf(buf, sizeof(buf), "%u", d);
	tx_put(tx, bk, "frontend-id", buf, NULL, 0);
	tx_put(tx, bk, "online", "1", NULL, 0);
	snprintf(buf, sizeof(buf), "%d", XBS_INIT);
	tx_put(tx, bk, "state", buf, NULL, 0);
	tx_put(tx, bk, "protocol", "vt100", NULL, 0);
	free(fe);
	free(bk);
}

/* libxl waits (LIBXL_INIT_TIMEOUT) for the console backend's pty. */
static int wait_tty(struct ctx *c, unsigned domid, int seconds)
{
	char *path = xasprintf("/local/domain/%u/console/tty", domid);
	struct timespec t0, now;
	int rc = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!xs_watch(c->xs, path, "tty"))
		goto out;
	for (;;) {
		struct pollfd p = {xs_fileno(c->xs), POLLIN, 0};
		char *v = xs_read(c->xs, XBT_NULL, path, NULL);
		char **w;
		long left;

		if (v && *v) {
			free(v);
			rc = 0;
			break;
		}
		free(v);
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = seconds * 1000L -
		       ((now.tv_sec - t0.tv_sec) * 1000L +
			(now.tv_nsec - t0.tv_nsec) / 1000000L);
		if (left <= 0 || poll(&p, 1, (int)left) < 0)
			break;
		while ((w = xs_check_watch(c->xs)))
			free(w);
	}
	xs_unwatch(c->xs, path, "tty");
out:
	free(path);
	return rc;
}

static void xs_rm_quiet(struct ctx *c, const char *path)
{
	if (!xs_rm(c->xs, XBT_NULL, path) && errno != ENOENT)
		fprintf(stderr, "xensim-xl: xs_rm %s: %s\n", path,
			strerror(errno));
}

/* libxl's devices_destroy_cb, then xc_domain_destroy. */
static int destroy_domain(struct ctx *c, unsigned domid)
{
	char *dom = xasprintf("/local/domain/%u", domid), *p, *vm;
	int rc;

	if (c->xs) {
		p = xasprintf("/local/domain/0/backend/console/%u", domid);
		xs_rm_quiet(c, p);
		free(p);
		p = xasprintf("%s/vm", dom);
		vm = xs_read(c->xs, XBT_NULL, p, NULL);
		free(p);
		if (vm)
			xs_rm_quiet(c, vm);
		free(vm);
		xs_rm_quiet(c, dom);
		p = xasprintf("/libxl/%u", domid);
		xs_rm_quiet(c, p);
		free(p);
	}
	free(dom);
	rc = simclient_domain_destroy(c->sc, domid);
	if (rc < 0)
		fprintf(stderr, "xensim-xl: destroying domain %u: %s\n", domid,
			strerror(-rc));
	return rc;
}

static int build_one(struct ctx *c, struct newdom *nd,
		     const struct simclient_create *how, int wait_s)
{
	int d = simclient_domain_create(c->sc, how, &nd->si);

	if (d < 0) {
		fprintf(stderr, "xensim-xl: creating %s: %s\n", nd->name,
			strerror(-d));
		return -1;
	}
	nd->domid = (unsigned)d;
	if (!c->xs)
		return 0;
	make_uuid(nd->uuid);
	if (in_tx(c, make_body, nd) < 0 || in_tx(c, post_body, nd) < 0)
		goto fail;
	if (!xs_introduce_domain(c->xs, nd->domid,
				 (unsigned long)nd->si.store_mfn,
				 nd->si.store_evtchn)) {
		fprintf(stderr, "xensim-xl: introducing domain %u: %s\n",
			nd->domid, strerror(errno));
		goto fail;
	}
	if (in_tx(c, console_body, nd) < 0)
		goto fail;
	if (wait_s > 0 && wait_tty(c, nd->domid, wait_s) < 0) {
		fprintf(stderr,
			"xensim-xl: domain %u: no console tty after "
			"%d s\n",
			nd->domid, wait_s);
		goto fail;
	}
	return 0;
fail:
	destroy_domain(c, nd->domid); /* as libxl does on a failed create */
	return -1;
}

static bool parse_uint(const char *s, unsigned long max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

static int cmd_create(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"memory", required_argument, NULL, 'm'},
		{"domid", required_argument, NULL, 'd'},
		{"count", required_argument, NULL, 'n'},
		{"wait-tty", required_argument, NULL, 'w'},
		{"store-backend", required_argument, NULL, 's'},
		{"console-backend", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	struct simclient_create how = {0, 0, 0, 0};
	unsigned count = 1, wait_s = 0, i;
	struct newdom nd;
	int o;

	while ((o = getopt_long(argc, argv, "m:d:n:w:", lo, NULL)) != -1) {
		bool ok = false;

		if (o == 'm')
			ok = parse_uint(optarg, SIM_PAGES_MAX, &how.pages);
		else if (o == 'd')
			ok = parse_uint(optarg, SIM_DOMID_MAX, &how.domid);
		else if (o == 'n')
			ok = parse_uint(optarg, SIM_DOMID_MAX, &count);
		else if (o == 'w')
			ok = parse_uint(optarg, 3600, &wait_s);
		else if (o == 's')
			ok = parse_uint(optarg, SIM_DOMID_MAX, &how.store_be);
		else if (o == 'c')
			ok = parse_uint(optarg, SIM_DOMID_MAX, &how.console_be);
		if (!ok)
			die("create: bad option (see --help)");
	}
	if (optind != argc - 1 || count == 0 || (count > 1 && how.domid))
		die("usage: create NAME [-m PAGES] [--domid N | -n COUNT] "
		    "[--wait-tty SECONDS]");
	for (i = 0; i < count; i++) {
		memset(&nd, 0, sizeof(nd));
		if (count > 1)
			snprintf(nd.name, sizeof(nd.name), "%s-%u",
				 argv[optind], i + 1);
		else
			snprintf(nd.name, sizeof(nd.name), "%s", argv[optind]);
		nd.pages = how.pages ? how.pages : SIM_PAGES_DEFAULT;
		if (build_one(c, &nd, &how, (int)wait_s) < 0)
			return 1;
		if (count == 1 || c->verbose)
			printf("%s: domain %u (store port %u gfn %lu, console "
			       "port %u gfn %lu)\n",
			       nd.name, nd.domid, nd.si.store_evtchn,
			       (unsigned long)nd.si.store_mfn,
			       nd.si.cons_evtchn,
			       (unsigned long)nd.si.cons_mfn);
	}
	if (count > 1)
		printf("created %u domains\n", count);
	return 0;
}

static const struct {
	const char *name;
	unsigned code; /* SHUTDOWN_* */
} reasons[] = {
	{"poweroff", 0}, {"halt", 0},  {"reboot", 1},
	{"suspend", 2},  {"crash", 3},
};

/* Wait for the domain to stop: 0 once shut down, dying or gone. */
static int wait_stopped(struct ctx *c, unsigned domid, int seconds)
{
	int i;

	for (i = 0; i < seconds * 10; i++) {
		struct sim_dominfo di;
		int rc = simclient_domain_info(c->sc, domid, &di);

		if (rc == -ESRCH ||
		    (rc == 0 &&
		     (di.flags & (SIM_DOMINFO_SHUTDOWN | SIM_DOMINFO_DYING))))
			return 0;
		if (rc < 0)
			return rc;
		usleep(100000);
	}
	return -ETIMEDOUT;
}

static int cmd_shutdown(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"hard", no_argument, NULL, 'H'},
		{"wait", no_argument, NULL, 'w'},
		{NULL, 0, NULL, 0},
	};
	bool hard = !c->xs, wait = false;
	const char *reason = "poweroff";
	unsigned domid, code = 0, i;
	struct sim_dominfo di;
	int o, rc;

	while ((o = getopt_long(argc, argv, "wF", lo, NULL)) != -1) {
		if (o == 'H' || o == 'F')
			hard = true;
		else if (o == 'w')
			wait = true;
		else
			die("usage: shutdown DOMID [REASON] [-w] [--hard]");
	}
	if (optind >= argc || !parse_uint(argv[optind], SIM_DOMID_MAX, &domid))
		die("usage: shutdown DOMID [REASON] [-w] [--hard]");
	if (optind + 1 < argc)
		reason = argv[optind + 1];
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(reason, reasons[i].name) == 0)
			break;
	if (i == sizeof(reasons) / sizeof(reasons[0]))
		die("shutdown: unknown reason %s", reason);
	code = reasons[i].code;
	rc = simclient_domain_info(c->sc, domid, &di);
	if (rc < 0)
		die("domain %u: %s", domid, strerror(-rc));
	if (hard) {
		rc = simclient_domain_shutdown(c->sc, 0, domid, code);
	} else {
		/* libxl__domain_pvcontrol_write: ask the guest. */
		char *p = xasprintf("/local/domain/%u/control/shutdown", domid);

		rc = xs_write(c->xs, XBT_NULL, p, reason, strlen(reason))
			     ? 0
			     : -errno;
		free(p);
	}
	if (rc < 0)
		die("shutdown %u: %s", domid, strerror(-rc));
	if (!wait)
		return 0;
	rc = wait_stopped(c, domid, SHUTDOWN_WAIT_S);
	if (rc < 0)
		die("domain %u did not shut down: %s", domid, strerror(-rc));
	/* What xl's domain monitor does for on_poweroff=destroy. */
	return destroy_domain(c, domid) == 0 || rc == -ESRCH ? 0 : 1;
}

static int cmd_destroy(struct ctx *c, int argc, char **argv)
{
	unsigned domid;
	struct sim_dominfo di;

	if (argc != 2 || !parse_uint(argv[1], SIM_DOMID_MAX, &domid))
		die("usage: destroy DOMID");
	if (simclient_domain_info(c->sc, domid, &di) < 0)
		die("domain %u: no such domain", domid);
	return destroy_domain(c, domid) == 0 ? 0 : 1;
}

static void state_str(const struct sim_dominfo *di, char out[7])
{
	/* xl's r b p s c d; a simulated vcpu is always "blocked". */
	memcpy(out, "-b----", 7);
	if (di->flags & SIM_DOMINFO_SHUTDOWN) {
		out[1] = '-';
		out[di->shutdown_reason == 3 ? 4 : 3] =
			di->shutdown_reason == 3 ? 'c' : 's';
	}
	if (di->flags & SIM_DOMINFO_DYING) {
		out[1] = '-';
		out[5] = 'd';
	}
}

static int cmd_list(struct ctx *c, int argc, char **argv)
{
	static struct sim_dominfo di[SIM_DOMID_MAX + 1];
	int n = simclient_domain_list(c->sc, 0, di, SIM_DOMID_MAX + 1), i;

	if (n < 0)
		die("list: %s", strerror(-n));
	printf("%-40s %5s %8s %5s %-6s %s\n", "Name", "ID", "Mem(KiB)", "VCPUs",
	       "State", "Kernel");
	for (i = 0; i < n; i++) {
		char *p = xasprintf("/local/domain/%u/name", di[i].domid);
		char *name = c->xs ? xs_read(c->xs, XBT_NULL, p, NULL) : NULL;
		char st[7];

		state_str(&di[i], st);
		printf("%-40s %5u %8u %5d %-6s %s\n",
		       name ? name : (di[i].domid ? "(null)" : "Domain-0"),
		       di[i].domid, di[i].nr_pages * (SIM_PAGE_SIZE / 1024), 1,
		       st,
		       (di[i].flags & SIM_DOMINFO_ATTACHED) ? "attached" : "-");
		free(name);
		free(p);
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: xensim-xl [--sim PATH] [--xs PATH] [--no-xenstore] "
		   "[-v] "
		   "COMMAND ...\n"
		   "  create NAME [-m PAGES] [--domid N | -n COUNT] "
		   "[--wait-tty SECONDS]\n"
		   "              [--store-backend DOMID] [--console-backend "
		   "DOMID]\n"
		   "  shutdown DOMID [poweroff|reboot|suspend|crash|halt] [-w] "
		   "[--hard]\n"
		   "  destroy DOMID\n"
		   "  list\n"
		   "The simulator's socket: --sim or $XENSIM_SOCKET; the "
		   "store's: --xs or\n$XENSTORED_PATH.\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"sim", required_argument, NULL, 's'},
		{"xs", required_argument, NULL, 'x'},
		{"no-xenstore", no_argument, NULL, 'N'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ctx c = {NULL, NULL, false};
	const char *sim = getenv("XENSIM_SOCKET");
	bool use_xs = true;
	int o, rc;

	while ((o = getopt_long(argc, argv, "+vh", lo, NULL)) != -1) {
		switch (o) {
		case 's':
			sim = optarg;
			break;
		case 'x':
			setenv("XENSTORED_PATH", optarg, 1);
			break;
		case 'N':
			use_xs = false;
			break;
		case 'v':
			c.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc || !sim) {
		usage(stderr);
		return 2;
	}
	rc = simclient_open(sim, SIMCLIENT_DOM0, &c.sc);
	if (rc < 0)
		die("simulator at %s: %s", sim, strerror(-rc));
	if (use_xs && !(c.xs = xs_open(0)))
		die("xenstore: %s (use --no-xenstore to do without)",
		    strerror(errno));
	argc -= optind;
	argv += optind;
	optind = 0; /* glibc: start afresh, permuting again */
	if (strcmp(argv[0], "create") == 0)
		rc = cmd_create(&c, argc, argv);
	else if (strcmp(argv[0], "shutdown") == 0)
		rc = cmd_shutdown(&c, argc, argv);
	else if (strcmp(argv[0], "destroy") == 0)
		rc = cmd_destroy(&c, argc, argv);
	else if (strcmp(argv[0], "list") == 0)
		rc = cmd_list(&c, argc, argv);
	else
		die("unknown command %s", argv[0]);
	if (c.xs)
		xs_close(c.xs);
	simclient_close(c.sc);
	return rc;
}
