/*
 * xsclient.c: integration checks that need libxenstore rather than the
 * xenstore-* command line tools: transactions, watch events, large
 * directories, domain commands, permissions and CONTROL.
 *
 * Usage (XENSTORED_PATH names the daemon's socket):
 *	xsclient GROUP...		run check groups: tx watch dir domain
 *					perms control, or "all"
 *	xsclient introduce DOMID MFN PORT
 *	xsclient release DOMID
 *	xsclient getperms PATH		print "n0,r5,..."
 *	xsclient control CMD [ARG...]	print the reply of a CONTROL command
 *
 * The groups print one line per failed check and a tally, and exit 1 if
 * anything failed.  The utility commands print "error: ENAME" on stderr
 * and exit 3 on failure, like xenstore-control.
 *
 * Watch events are checked with a sentinel: every watching handle also
 * watches /sentinel/<tag>; sync_events() writes that node and collects the
 * events that arrive before the sentinel's, so "nothing fired" is checked
 * without sleeping.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xenstore.h>

#define MAX_EVENTS    64
#define EVENT_WAIT_MS 5000
#define BOGUS_TX      ((xs_transaction_t)0x7ead1234u)
#define PAYLOAD_MAX   4096

static int n_pass, n_fail;
static const char *group = "-";

struct evlist {
	int n;
	char *ev[MAX_EVENTS]; /* "path|token" */
};

static void report(int line, bool ok, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void report(int line, bool ok, const char *fmt, va_list ap)
{
	if (ok) {
		n_pass++;
		return;
	}
	n_fail++;
	fprintf(stderr, "FAIL [%s] xsclient.c:%d: ", group, line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* Count one check; print the message when it failed. */
static bool check_at(int line, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool check_at(int line, bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(line, ok, fmt, ap);
	va_end(ap);
	return ok;
}

#define CHECK(ok, ...) check_at(__LINE__, (ok), __VA_ARGS__)

static const char *errname(int e);

/* A libxenstore call must succeed; on failure say why (its errno). */
static void check_call_at(int line, bool ok, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void check_call_at(int line, bool ok, int e, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	check_at(line, ok, "%s: %s", msg, errname(e));
}

/* errno is read only after the call has run. */
#define CHECK_CALL(call, ...)                                                  \
	do {                                                                   \
		bool ok_ = (call);                                             \
		int e_ = errno;                                                \
		check_call_at(__LINE__, ok_, e_, __VA_ARGS__);                 \
	} while (0)

static const char *errname(int e)
{
	static char buf[32];

	switch (e) {
	case EINVAL:
		return "EINVAL";
	case EACCES:
		return "EACCES";
	case EEXIST:
		return "EEXIST";
	case EISDIR:
		return "EISDIR";
	case ENOENT:
		return "ENOENT";
	case ENOMEM:
		return "ENOMEM";
	case ENOSPC:
		return "ENOSPC";
	case EIO:
		return "EIO";
	case ENOTEMPTY:
		return "ENOTEMPTY";
	case ENOSYS:
		return "ENOSYS";
	case EROFS:
		return "EROFS";
	case EBUSY:
		return "EBUSY";
	case EAGAIN:
		return "EAGAIN";
	case EISCONN:
		return "EISCONN";
	case E2BIG:
		return "E2BIG";
	case EPERM:
		return "EPERM";
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

/* A libxenstore call returned ok; it must have failed with want. */
static void errno_at(int line, bool ok, int want, const char *what)
{
	int e = errno;

	if (ok)
		check_at(line, false, "%s: succeeded, want %s", what,
			 errname(want));
	else
		check_at(line, e == want, "%s: got %s, want %s", what,
			 errname(e), errname(want));
}

#define EXPECT_ERRNO(call, want, what) errno_at(__LINE__, (call), want, what)

static struct xs_handle *open_xs(void)
{
	struct xs_handle *h = xs_open(0);

	if (!h) {
		fprintf(stderr, "xsclient: xs_open: %s\n", strerror(errno));
		exit(2);
	}
	return h;
}

static void write_at(int line, struct xs_handle *h, xs_transaction_t t,
		     const char *path, const char *val)
{
	bool ok = xs_write(h, t, path, val, strlen(val));

	check_at(line, ok, "write %s (tx %u): %s", path, t,
		 ok ? "" : errname(errno));
}

#define WRITE(h, t, path, val) write_at(__LINE__, h, t, path, val)

static void rm_at(int line, struct xs_handle *h, xs_transaction_t t,
		  const char *path)
{
	bool ok = xs_rm(h, t, path);

	check_at(line, ok, "rm %s (tx %u): %s", path, t,
		 ok ? "" : errname(errno));
}

#define RM(h, t, path) rm_at(__LINE__, h, t, path)

/* path must read back exactly want (binary safe, wantlen bytes). */
static void read_at(int line, struct xs_handle *h, xs_transaction_t t,
		    const char *path, const void *want, size_t wantlen)
{
	unsigned len = 0;
	char *v = xs_read(h, t, path, &len);

	if (!v) {
		check_at(line, false, "read %s (tx %u): %s", path, t,
			 errname(errno));
		return;
	}
	if (len == wantlen && !memcmp(v, want, len))
		check_at(line, true, "ok");
	else if (len < 200 && wantlen < 200)
		check_at(line, false,
			 "read %s (tx %u): got '%.*s', want '%.*s'", path, t,
			 (int)len, v, (int)wantlen, (const char *)want);
	else
		check_at(
			line, false,
			"read %s (tx %u): %u bytes differ from the %zu written",
			path, t, len, wantlen);
	free(v);
}

#define READ(h, t, path, want) read_at(__LINE__, h, t, path, want, strlen(want))

static void read_err_at(int line, struct xs_handle *h, xs_transaction_t t,
			const char *path, int want)
{
	unsigned len;
	char *v = xs_read(h, t, path, &len);
	int e = errno;

	if (v) {
		check_at(line, false, "read %s (tx %u): got '%.*s', want %s",
			 path, t, (int)len, v, errname(want));
		free(v);
		return;
	}
	check_at(line, e == want, "read %s (tx %u): got %s, want %s", path, t,
		 errname(e), errname(want));
}

#define READ_ERR(h, t, path, e) read_err_at(__LINE__, h, t, path, e)

/* The children of path joined with ',', malloc'ed; NULL with errno. */
static char *dir_join(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	unsigned n, i;
	size_t sz = 1;
	char **v = xs_directory(h, t, path, &n);
	char *s;

	if (!v)
		return NULL;
	for (i = 0; i < n; i++)
		sz += strlen(v[i]) + 1;
	s = calloc(1, sz);
	for (i = 0; s && i < n; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, v[i]);
	}
	free(v);
	return s;
}

static void dir_at(int line, struct xs_handle *h, xs_transaction_t t,
		   const char *path, const char *want)
{
	char *s = dir_join(h, t, path);

	if (!s)
		check_at(line, false, "directory %s (tx %u): %s", path, t,
			 errname(errno));
	else
		check_at(line, !strcmp(s, want),
			 "directory %s (tx %u): got '%s', want '%s'", path, t,
			 s, want);
	free(s);
}

#define DIR(h, t, path, want) dir_at(__LINE__, h, t, path, want)

/* Permissions of path as "n0,r5", malloc'ed; NULL with errno. */
static char *perms_join(struct xs_handle *h, xs_transaction_t t,
			const char *path)
{
	unsigned n, i;
	struct xs_permissions *p = xs_get_permissions(h, t, path, &n);
	char *s;
	size_t off = 0;

	if (!p)
		return NULL;
	s = malloc(n * 16 + 1);
	if (!s) {
		free(p);
		return NULL;
	}
	s[0] = 0;
	for (i = 0; i < n; i++) {
		char c;

		switch (p[i].perms & (XS_PERM_READ | XS_PERM_WRITE)) {
		case XS_PERM_READ:
			c = 'r';
			break;
		case XS_PERM_WRITE:
			c = 'w';
			break;
		case XS_PERM_READ | XS_PERM_WRITE:
			c = 'b';
			break;
		default:
			c = 'n';
		}
		off += sprintf(s + off, "%s%c%u", i ? "," : "", c, p[i].id);
	}
	free(p);
	return s;
}

static void perms_at(int line, struct xs_handle *h, const char *path,
		     const char *want)
{
	char *s = perms_join(h, XBT_NULL, path);

	if (!s)
		check_at(line, false, "get perms %s: %s", path, errname(errno));
	else
		check_at(line, !strcmp(s, want),
			 "get perms %s: got '%s', want '%s'", path, s, want);
	free(s);
}

#define PERMS(h, path, want) perms_at(__LINE__, h, path, want)

/* Parse "n0,r5" into perms; returns the count. */
static unsigned perms_parse(const char *s, struct xs_permissions *p,
			    unsigned max)
{
	unsigned n = 0;

	while (*s && n < max) {
		switch (*s) {
		case 'r':
			p[n].perms = XS_PERM_READ;
			break;
		case 'w':
			p[n].perms = XS_PERM_WRITE;
			break;
		case 'b':
			p[n].perms = XS_PERM_READ | XS_PERM_WRITE;
			break;
		default:
			p[n].perms = XS_PERM_NONE;
		}
		p[n].id = (unsigned)strtoul(s + 1, (char **)&s, 10);
		n++;
		if (*s == ',')
			s++;
	}
	return n;
}

static bool set_perms(struct xs_handle *h, const char *path, const char *spec)
{
	struct xs_permissions p[32];
	unsigned n = perms_parse(spec, p, 32);

	return xs_set_permissions(h, XBT_NULL, path, p, n);
}

/* ---- watch events ---- */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* Next watch event on h within ms milliseconds: "path|token" or NULL. */
static char *next_event(struct xs_handle *h, int ms)
{
	long end = now_ms() + ms;
	struct pollfd pfd = {.fd = xs_fileno(h), .events = POLLIN};

	for (;;) {
		char **v = xs_check_watch(h);
		char *s;
		long left;

		if (v) {
			size_t sz = strlen(v[XS_WATCH_PATH]) +
				    strlen(v[XS_WATCH_TOKEN]) + 2;

			s = malloc(sz);
			if (s)
				snprintf(s, sz, "%s|%s", v[XS_WATCH_PATH],
					 v[XS_WATCH_TOKEN]);
			free(v);
			return s;
		}
		left = end - now_ms();
		if (left <= 0)
			return NULL;
		poll(&pfd, 1, (int)left);
	}
}

static void evlist_clear(struct evlist *l)
{
	while (l->n > 0)
		free(l->ev[--l->n]);
}

/* Register the sentinel watch of h and swallow its first event. */
static void sentinel_setup(struct xs_handle *h, const char *tag)
{
	char path[64], *e;

	snprintf(path, sizeof(path), "/sentinel/%s", tag);
	CHECK_CALL(xs_watch(h, path, "sentinel"), "watch %s", path);
	e = next_event(h, EVENT_WAIT_MS);
	CHECK(e && !strncmp(e, path, strlen(path)),
	      "first event of the sentinel watch: got '%s'", e ? e : "(none)");
	free(e);
}

/*
 * Write h's sentinel and collect every other event h receives before the
 * sentinel's own (events on /sentinel/... are dropped).
 */
static bool sync_events_at(int line, struct xs_handle *h, const char *tag,
			   struct evlist *out)
{
	static unsigned seq;
	char path[64], want[80], val[16];
	char *e;

	evlist_clear(out);
	snprintf(path, sizeof(path), "/sentinel/%s", tag);
	snprintf(want, sizeof(want), "%s|sentinel", path);
	snprintf(val, sizeof(val), "%u", ++seq);
	if (!check_at(line, xs_write(h, XBT_NULL, path, val, strlen(val)),
		      "write sentinel %s: %s", path, errname(errno)))
		return false;
	while ((e = next_event(h, EVENT_WAIT_MS))) {
		if (!strcmp(e, want)) {
			free(e);
			return true;
		}
		if (!strncmp(e, "/sentinel/", 10) || out->n == MAX_EVENTS)
			free(e);
		else
			out->ev[out->n++] = e;
	}
	check_at(line, false, "sentinel event %s did not arrive in %d ms", want,
		 EVENT_WAIT_MS);
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *evlist_str(struct evlist *l, bool sorted)
{
	static char buf[8192];
	size_t off = 0;
	int i;

	if (sorted)
		qsort(l->ev, l->n, sizeof(l->ev[0]), cmp_str);
	buf[0] = 0;
	for (i = 0; i < l->n && off < sizeof(buf) - 1; i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s",
				i ? " " : "", l->ev[i]);
	return buf;
}

/*
 * The events h got before its sentinel must be exactly want (a space
 * separated list of "path|token"); with sorted, in any order.
 */
static void events_at(int line, struct xs_handle *h, const char *tag,
		      bool sorted, const char *want, const char *what)
{
	struct evlist l = {0};
	char wbuf[2048], *w[MAX_EVENTS], *tok, *sp;
	char *got;
	int n = 0, i;
	static char wjoined[2048];
	size_t off = 0;

	if (!sync_events_at(line, h, tag, &l))
		return;
	got = evlist_str(&l, sorted);
	snprintf(wbuf, sizeof(wbuf), "%s", want);
	for (tok = strtok_r(wbuf, " ", &sp); tok && n < MAX_EVENTS;
	     tok = strtok_r(NULL, " ", &sp))
		w[n++] = tok;
	if (sorted)
		qsort(w, n, sizeof(w[0]), cmp_str);
	wjoined[0] = 0;
	for (i = 0; i < n; i++)
		off += snprintf(wjoined + off, sizeof(wjoined) - off, "%s%s",
				i ? " " : "", w[i]);
	check_at(line, !strcmp(got, wjoined), "%s: events [%s], want [%s]",
		 what, got, wjoined);
	evlist_clear(&l);
}

#define EVENTS(h, tag, want, what)                                             \
	events_at(__LINE__, h, tag, false, want, what)
#define EVENTS_ANY_ORDER(h, tag, want, what)                                   \
	events_at(__LINE__, h, tag, true, want, what)

static void watch_at(int line, struct xs_handle *h, const char *path,
		     const char *token)
{
	check_at(line, xs_watch(h, path, token), "watch %s %s: %s", path, token,
		 errname(errno));
}

#define WATCH(h, path, token) watch_at(__LINE__, h, path, token)

/*
 * t, whose reads o has made stale, writes path: its commit must fail with
 * EAGAIN and the write must be lost.
 */
static void conflict_at(int line, struct xs_handle *h, struct xs_handle *o,
			xs_transaction_t t, const char *path, const char *what)
{
	write_at(line, h, t, path, "from-tx");
	errno_at(line, xs_transaction_end(h, t, false), EAGAIN, what);
	read_err_at(line, o, XBT_NULL, path, ENOENT);
}

#define CONFLICT(h, o, t, path, what) conflict_at(__LINE__, h, o, t, path, what)

/* ---- groups ---- */

static void group_tx(void)
{
	struct xs_handle *h = open_xs(), *o = open_xs();
	xs_transaction_t t, t2, tv[5];
	char path[64], val[16];
	int i;

	WRITE(o, XBT_NULL, "/tx/a", "old");

	/* Isolation: the tx sees its writes, everyone else the old tree. */
	t = xs_transaction_start(h);
	CHECK(t != XBT_NULL, "transaction_start: %s", errname(errno));
	WRITE(h, t, "/tx/a", "new");
	WRITE(h, t, "/tx/created", "c");
	READ(h, t, "/tx/a", "new");
	READ(h, t, "/tx/created", "c");
	READ(o, XBT_NULL, "/tx/a", "old");
	READ(h, XBT_NULL, "/tx/a", "old");
	READ_ERR(o, XBT_NULL, "/tx/created", ENOENT);
	DIR(h, t, "/tx", "a,created");
	DIR(o, XBT_NULL, "/tx", "a");
	CHECK_CALL(xs_transaction_end(h, t, false), "commit");
	READ(o, XBT_NULL, "/tx/a", "new");
	READ(o, XBT_NULL, "/tx/created", "c");
	DIR(o, XBT_NULL, "/tx", "a,created");
	READ_ERR(h, t, "/tx/a", ENOENT);
	EXPECT_ERRNO(xs_transaction_end(h, t, false), ENOENT,
		     "commit of an ended transaction");

	/* Abort: nothing the tx did is visible. */
	t = xs_transaction_start(h);
	CHECK(t != XBT_NULL, "transaction_start: %s", errname(errno));
	WRITE(h, t, "/tx/a", "aborted");
	RM(h, t, "/tx/created");
	CHECK_CALL(xs_mkdir(h, t, "/tx/newdir"), "mkdir in tx");
	READ_ERR(h, t, "/tx/created", ENOENT);
	READ(o, XBT_NULL, "/tx/created", "c");
	DIR(h, t, "/tx", "a,newdir");
	CHECK_CALL(xs_transaction_end(h, t, true), "abort");
	READ(o, XBT_NULL, "/tx/a", "new");
	READ(o, XBT_NULL, "/tx/created", "c");
	READ_ERR(o, XBT_NULL, "/tx/newdir", ENOENT);

	/* Conflict: a node read in the tx changed outside. */
	t = xs_transaction_start(h);
	READ(h, t, "/tx/a", "new");
	WRITE(o, XBT_NULL, "/tx/a", "changed");
	CONFLICT(h, o, t, "/tx/b", "commit after a read node changed outside");
	READ(o, XBT_NULL, "/tx/a", "changed");

	/* Conflict: a node read in the tx was deleted outside. */
	WRITE(o, XBT_NULL, "/tx/d", "x");
	t = xs_transaction_start(h);
	READ(h, t, "/tx/d", "x");
	RM(o, XBT_NULL, "/tx/d");
	CONFLICT(h, o, t, "/tx/e",
		 "commit after a read node was deleted outside");

	/* Conflict: a node the tx found missing was created outside. */
	t = xs_transaction_start(h);
	READ_ERR(h, t, "/tx/ghost", ENOENT);
	WRITE(o, XBT_NULL, "/tx/ghost", "boo");
	CONFLICT(h, o, t, "/tx/f",
		 "commit after a node read as missing was created outside");

	/* No conflict: only nodes the tx never touched changed outside. */
	WRITE(o, XBT_NULL, "/txo/x", "v");
	t = xs_transaction_start(h);
	READ(h, t, "/tx/a", "changed");
	WRITE(h, t, "/tx/w1", "tx-value");
	WRITE(o, XBT_NULL, "/txo/x", "v2");
	CHECK_CALL(xs_transaction_end(h, t, false),
		   "commit with only unrelated outside changes");
	READ(o, XBT_NULL, "/tx/w1", "tx-value");
	READ(o, XBT_NULL, "/txo/x", "v2");

	/*
	 * C xenstored reads every node it writes (the write path looks the
	 * node up first), so in a tx that wrote an existing node without
	 * reading it, an outside write of that node still conflicts.
	 * Checked against Debian's xenstored 4.17.
	 */
	WRITE(o, XBT_NULL, "/tx/blind", "old");
	t = xs_transaction_start(h);
	WRITE(h, t, "/tx/blind", "tx");
	WRITE(o, XBT_NULL, "/tx/blind", "outside");
	EXPECT_ERRNO(xs_transaction_end(h, t, false), EAGAIN,
		     "C compat: commit after an outside write of a node the "
		     "tx only wrote");
	READ(o, XBT_NULL, "/tx/blind", "outside");

	/* Two transactions of one connection that cross each other. */
	WRITE(o, XBT_NULL, "/tx/A", "a0");
	WRITE(o, XBT_NULL, "/tx/B", "b0");
	t = xs_transaction_start(h);
	t2 = xs_transaction_start(h);
	CHECK(t && t2 && t != t2, "two open transactions: ids %u, %u", t, t2);
	READ(h, t, "/tx/A", "a0");
	READ(h, t2, "/tx/B", "b0");
	WRITE(h, t, "/tx/B", "b1");
	WRITE(h, t2, "/tx/A", "a1");
	READ(h, t2, "/tx/B", "b0");
	CHECK_CALL(xs_transaction_end(h, t, false), "first crossing commit");
	EXPECT_ERRNO(xs_transaction_end(h, t2, false), EAGAIN,
		     "second crossing commit");
	READ(o, XBT_NULL, "/tx/A", "a0");
	READ(o, XBT_NULL, "/tx/B", "b1");

	/*
	 * Several concurrent transactions on disjoint nodes: each sees its
	 * own write only, and all of them commit.
	 */
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "/tx/multi/%d", i);
		WRITE(o, XBT_NULL, path, "init");
	}
	for (i = 0; i < 5; i++) {
		tv[i] = xs_transaction_start(h);
		CHECK(tv[i] != XBT_NULL, "start tx %d: %s", i, errname(errno));
		snprintf(path, sizeof(path), "/tx/multi/%d", i);
		snprintf(val, sizeof(val), "t%d", i);
		WRITE(h, tv[i], path, val);
	}
	t = xs_transaction_start(h);
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "/tx/multi/%d", i);
		snprintf(val, sizeof(val), "t%d", i);
		READ(h, tv[i], path, val);
		READ(h, t, path, "init");
	}
	CHECK_CALL(xs_transaction_end(h, t, true), "abort of the reader");
	for (i = 4; i >= 0; i--)
		CHECK_CALL(xs_transaction_end(h, tv[i], false),
			   "commit of disjoint tx %d", i);
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "/tx/multi/%d", i);
		snprintf(val, sizeof(val), "t%d", i);
		READ(o, XBT_NULL, path, val);
	}

	/* Aborting always works, even when a commit would conflict. */
	t = xs_transaction_start(h);
	READ(h, t, "/tx/A", "a0");
	WRITE(o, XBT_NULL, "/tx/A", "a2");
	WRITE(h, t, "/tx/C", "c");
	CHECK_CALL(xs_transaction_end(h, t, true), "abort of a stale tx");
	READ_ERR(o, XBT_NULL, "/tx/C", ENOENT);

	/* Permissions set in a transaction appear at commit. */
	WRITE(o, XBT_NULL, "/tx/p", "v");
	t = xs_transaction_start(h);
	{
		struct xs_permissions np[2] = {{0, XS_PERM_NONE},
					       {4, XS_PERM_READ}};
		char *ps;

		CHECK_CALL(xs_set_permissions(h, t, "/tx/p", np, 2),
			   "set perms in tx");
		ps = perms_join(h, t, "/tx/p");
		CHECK(ps && !strcmp(ps, "n0,r4"), "perms inside the tx: %s",
		      ps ? ps : "-");
		free(ps);
		ps = perms_join(o, XBT_NULL, "/tx/p");
		CHECK(ps && !strcmp(ps, "n0"), "perms outside the tx: %s",
		      ps ? ps : "-");
		free(ps);
		CHECK_CALL(xs_transaction_end(h, t, false), "commit of perms");
		ps = perms_join(o, XBT_NULL, "/tx/p");
		CHECK(ps && !strcmp(ps, "n0,r4"), "perms after commit: %s",
		      ps ? ps : "-");
		free(ps);
	}

	/* A subtree removed and rebuilt in one transaction. */
	WRITE(o, XBT_NULL, "/tx/res/a/b", "old");
	WRITE(o, XBT_NULL, "/tx/res/a/b/deep", "old");
	t = xs_transaction_start(h);
	RM(h, t, "/tx/res/a");
	READ_ERR(h, t, "/tx/res/a/b", ENOENT);
	DIR(h, t, "/tx/res", "");
	WRITE(h, t, "/tx/res/a/c", "new");
	DIR(h, t, "/tx/res/a", "c");
	DIR(o, XBT_NULL, "/tx/res/a", "b");
	CHECK_CALL(xs_transaction_end(h, t, false), "commit of a rebuild");
	DIR(o, XBT_NULL, "/tx/res/a", "c");
	READ_ERR(o, XBT_NULL, "/tx/res/a/b", ENOENT);
	READ_ERR(o, XBT_NULL, "/tx/res/a/b/deep", ENOENT);
	READ(o, XBT_NULL, "/tx/res/a/c", "new");

	/* dom0 is not limited to 10 open transactions. */
	{
		xs_transaction_t many[20];
		bool all = true;

		for (i = 0; i < 20; i++) {
			many[i] = xs_transaction_start(h);
			all = all && many[i] != XBT_NULL;
		}
		CHECK(all, "20 open transactions on one connection");
		for (i = 0; i < 20; i++)
			if (many[i] != XBT_NULL)
				xs_transaction_end(h, many[i], true);
	}

	/* Many operations in one transaction. */
	t = xs_transaction_start(h);
	for (i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "/tx/bulk/n%d", i);
		snprintf(val, sizeof(val), "%d", i);
		WRITE(h, t, path, val);
	}
	READ_ERR(o, XBT_NULL, "/tx/bulk", ENOENT);
	CHECK_CALL(xs_transaction_end(h, t, false), "commit of 200 writes");
	READ(o, XBT_NULL, "/tx/bulk/n199", "199");

	/* Unknown transaction ids: ENOENT, on any request. */
	READ_ERR(h, BOGUS_TX, "/tx/a", ENOENT);
	EXPECT_ERRNO(xs_write(h, BOGUS_TX, "/tx/bogus", "x", 1), ENOENT,
		     "write with an unknown tx id");
	EXPECT_ERRNO(xs_directory(h, BOGUS_TX, "/tx", &(unsigned){0}) != NULL,
		     ENOENT, "directory with an unknown tx id");
	EXPECT_ERRNO(xs_transaction_end(h, BOGUS_TX, false), ENOENT,
		     "commit of an unknown tx id");
	READ_ERR(o, XBT_NULL, "/tx/bogus", ENOENT);

	/* Transaction ids belong to their connection. */
	t = xs_transaction_start(h);
	READ_ERR(o, t, "/tx/a", ENOENT);
	EXPECT_ERRNO(xs_transaction_end(o, t, false), ENOENT,
		     "commit of another connection's tx");
	CHECK_CALL(xs_transaction_end(h, t, true), "abort");

	/* Closing a connection drops its open transactions. */
	t = xs_transaction_start(h);
	WRITE(h, t, "/tx/dropped", "x");
	xs_close(h);
	READ_ERR(o, XBT_NULL, "/tx/dropped", ENOENT);
	xs_close(o);
}

static void group_watch(void)
{
	struct xs_handle *h = open_xs(), *w = open_xs(), *r = open_xs();
	xs_transaction_t t;
	char *e;

	sentinel_setup(w, "w");
	sentinel_setup(r, "r");

	/* A new watch fires once at once, with its own path and token. */
	WATCH(w, "/wt", "tok1");
	EVENTS(w, "w", "/wt|tok1", "first event of a new watch");

	WRITE(h, XBT_NULL, "/wt/a/b", "1");
	EVENTS(w, "w", "/wt/a/b|tok1", "write of a descendant");
	WRITE(h, XBT_NULL, "/wt", "x");
	EVENTS(w, "w", "/wt|tok1", "write of the watched node");
	WRITE(h, XBT_NULL, "/wtx", "1");
	WRITE(h, XBT_NULL, "/w", "1");
	EVENTS(w, "w", "",
	       "writes of a sibling with the same prefix and of "
	       "the parent");

	WRITE(h, XBT_NULL, "/wt/o1", "1");
	WRITE(h, XBT_NULL, "/wt/o2/x", "2");
	WRITE(h, XBT_NULL, "/wt/o3", "3");
	RM(h, XBT_NULL, "/wt/o2");
	WRITE(h, XBT_NULL, "/wt/o4", "4");
	EVENTS(w, "w",
	       "/wt/o1|tok1 /wt/o2/x|tok1 /wt/o3|tok1 /wt/o2|tok1 "
	       "/wt/o4|tok1",
	       "events arrive in the order of the changes");

	WRITE(h, XBT_NULL, "/wt/o1", "1");
	EVENTS(w, "w", "/wt/o1|tok1", "rewrite with the same value");
	CHECK_CALL(xs_mkdir(h, XBT_NULL, "/wt/md"), "mkdir");
	EVENTS(w, "w", "/wt/md|tok1", "mkdir of a new node");
	CHECK_CALL(xs_mkdir(h, XBT_NULL, "/wt/md"), "mkdir");
	EVENTS(w, "w", "", "mkdir of an existing node");
	CHECK_CALL(set_perms(h, "/wt/md", "n0,r3"), "set perms");
	EVENTS(w, "w", "/wt/md|tok1", "set perms");
	RM(h, XBT_NULL, "/wt/never");
	EVENTS(w, "w", "", "rm of a missing node");
	EXPECT_ERRNO(xs_write(h, XBT_NULL, "/wt/bad//x", "1", 1), EINVAL,
		     "write of a bad path");
	EVENTS(w, "w", "", "a failed write");

	/* Relative watches get relative event paths. */
	WATCH(w, "wrel", "rt");
	EVENTS(w, "w", "wrel|rt", "first event of a relative watch");
	WRITE(h, XBT_NULL, "/local/domain/0/wrel/x", "1");
	EVENTS(w, "w", "wrel/x|rt", "absolute write under a relative watch");
	WATCH(w, "/local/domain/0/wabs", "at");
	EVENTS(w, "w", "/local/domain/0/wabs|at",
	       "first event of an absolute watch");
	WRITE(h, XBT_NULL, "wabs/y", "1");
	EVENTS(w, "w", "/local/domain/0/wabs/y|at",
	       "relative write under an absolute watch");

	/* Duplicates and unwatch. */
	EXPECT_ERRNO(xs_watch(w, "/wt", "tok1"), EEXIST, "duplicate watch");
	EXPECT_ERRNO(xs_watch(w, "/local/domain/0/wrel", "rt"), EEXIST,
		     "duplicate watch spelled absolutely");
	EVENTS(w, "w", "", "failed watches fire nothing");
	WATCH(w, "/wt", "tok2");
	EVENTS(w, "w", "/wt|tok2", "same path, other token");
	WRITE(h, XBT_NULL, "/wt/z", "1");
	EVENTS_ANY_ORDER(w, "w", "/wt/z|tok1 /wt/z|tok2",
			 "two watches on one path");
	CHECK_CALL(xs_unwatch(w, "/wt", "tok2"), "unwatch");
	EXPECT_ERRNO(xs_unwatch(w, "/wt", "tok2"), ENOENT, "second unwatch");
	EXPECT_ERRNO(xs_unwatch(w, "/nowatch", "t"), ENOENT,
		     "unwatch of an unknown watch");
	EXPECT_ERRNO(xs_unwatch(w, "/wt", "tok9"), ENOENT,
		     "unwatch with an unknown token");
	CHECK_CALL(xs_unwatch(w, "/local/domain/0/wrel", "rt"),
		   "unwatch of a relative watch spelled absolutely");
	WRITE(h, XBT_NULL, "/wt/z", "2");
	WRITE(h, XBT_NULL, "wrel/q", "1");
	EVENTS(w, "w", "/wt/z|tok1", "only the remaining watch fires");
	EXPECT_ERRNO(xs_watch(w, "/bad//path", "t"), EINVAL,
		     "watch of a bad path");
	EXPECT_ERRNO(xs_watch(w, "/bad path", "t"), EINVAL,
		     "watch of a path with a space");

	/* A watch on / sees everything. */
	WATCH(r, "/", "root");
	EVENTS(r, "r", "/|root", "first event of a watch on /");
	WRITE(h, XBT_NULL, "/anything/at/all", "1");
	EVENTS(r, "r", "/anything/at/all|root", "watch on / sees any write");

	/* Recursive rm: the root to ancestors, exact paths to descendants. */
	WRITE(h, XBT_NULL, "/wr/a/b/c", "1");
	WRITE(h, XBT_NULL, "/wr/a/d", "1");
	WRITE(h, XBT_NULL, "/wr/q", "1");
	WATCH(w, "/wr", "anc");
	WATCH(w, "/wr/a", "root");
	WATCH(w, "/wr/a/b", "mid");
	WATCH(w, "/wr/a/b/c", "leaf");
	WATCH(w, "/wr/a/zz", "none");
	WATCH(w, "/wr/q", "other");
	EVENTS(w, "w",
	       "/wr|anc /wr/a|root /wr/a/b|mid /wr/a/b/c|leaf "
	       "/wr/a/zz|none /wr/q|other",
	       "first events of the rm watches");
	RM(h, XBT_NULL, "/wr/a");
	EVENTS_ANY_ORDER(w, "w",
			 "/wr/a|anc /wr/a|root /wr/a/b|mid /wr/a/b/c|leaf",
			 "recursive rm");

	/* The same inside a transaction, fired at commit. */
	WRITE(h, XBT_NULL, "/wr2/a/b/c", "1");
	WATCH(w, "/wr2", "anc2");
	WATCH(w, "/wr2/a/b", "mid2");
	EVENTS(w, "w", "/wr2|anc2 /wr2/a/b|mid2", "first events");
	t = xs_transaction_start(h);
	RM(h, t, "/wr2/a");
	EVENTS(w, "w", "", "a recursive rm inside an open transaction");
	CHECK_CALL(xs_transaction_end(h, t, false), "commit");
	EVENTS_ANY_ORDER(w, "w", "/wr2/a|anc2 /wr2/a/b|mid2",
			 "recursive rm committed");

	/* Changes in a transaction fire at commit, never on abort. */
	WATCH(w, "/wtx", "txw");
	EVENTS(w, "w", "/wtx|txw", "first event of the tx watch");
	t = xs_transaction_start(h);
	WRITE(h, t, "/wtx/a", "1");
	EVENTS(w, "w", "", "a write inside an open transaction");
	CHECK_CALL(xs_transaction_end(h, t, false), "commit");
	EVENTS(w, "w", "/wtx/a|txw", "commit fires the queued event");
	t = xs_transaction_start(h);
	WRITE(h, t, "/wtx/b", "1");
	CHECK_CALL(xs_transaction_end(h, t, true), "abort");
	EVENTS(w, "w", "", "an aborted transaction");
	t = xs_transaction_start(h);
	RM(h, t, "/wtx/a");
	EVENTS(w, "w", "", "an rm inside an open transaction");
	CHECK_CALL(xs_transaction_end(h, t, false), "commit");
	EVENTS(w, "w", "/wtx/a|txw", "commit fires the queued rm event");
	t = xs_transaction_start(h);
	READ_ERR(h, t, "/wtx/c", ENOENT);
	WRITE(h, XBT_NULL, "/wtx/c", "outside");
	WRITE(h, t, "/wtx/d", "1");
	EXPECT_ERRNO(xs_transaction_end(h, t, false), EAGAIN,
		     "conflicting commit");
	EVENTS(w, "w", "/wtx/c|txw", "a failed commit fires nothing");

	/* Closing a watching connection does not disturb the others. */
	xs_close(r);
	WRITE(h, XBT_NULL, "/wt/after-close", "1");
	EVENTS(w, "w", "/wt/after-close|tok1", "after another watcher left");

	e = next_event(w, 100);
	CHECK(!e, "stray event after the checks: %s", e ? e : "");
	free(e);
	xs_close(w);
	xs_close(h);
}

static void group_dir(void)
{
	struct xs_handle *h = open_xs();
	char path[128], name[64], *val;
	char **v;
	unsigned n = 0, i, len;
	bool order_ok = true;
	size_t vlen;
	xs_transaction_t t;

	/* 1000 children keep their creation order (not sorted). */
	for (i = 0; i < 1000; i++) {
		snprintf(path, sizeof(path), "/dir/big/n%03u",
			 (i * 7919) % 1000);
		WRITE(h, XBT_NULL, path, "v");
	}
	v = xs_directory(h, XBT_NULL, "/dir/big", &n);
	CHECK(v && n == 1000, "directory of 1000 children: %s, %u entries",
	      v ? "ok" : errname(errno), n);
	for (i = 0; v && i < n && i < 1000; i++) {
		snprintf(name, sizeof(name), "n%03u", (i * 7919) % 1000);
		if (strcmp(v[i], name)) {
			order_ok = false;
			CHECK(false, "child %u is %s, want %s", i, v[i], name);
			break;
		}
	}
	CHECK(order_ok, "1000 children in creation order");
	free(v);
	RM(h, XBT_NULL, "/dir/big/n500");
	v = xs_directory(h, XBT_NULL, "/dir/big", &n);
	CHECK(v && n == 999 && !strcmp(v[0], "n000") && !strcmp(v[998], "n081"),
	      "after removing one child: %u entries, first %s, last %s", n,
	      v && n ? v[0] : "-", v && n ? v[n - 1] : "-");
	free(v);

	/* A listing over 4096 bytes still comes back whole, in order. */
	for (i = 0; i < 400; i++) {
		snprintf(path, sizeof(path),
			 "/dir/long/child-%03u-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			 "xxxxxxxxx",
			 399 - i);
		WRITE(h, XBT_NULL, path, "1");
	}
	v = xs_directory(h, XBT_NULL, "/dir/long", &n);
	CHECK(v && n == 400, "directory of a 20 KB listing: %s, %u entries",
	      v ? "ok" : errname(errno), n);
	order_ok = v && n == 400;
	for (i = 0; order_ok && i < n; i++) {
		snprintf(name, sizeof(name),
			 "child-%03u-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
			 399 - i);
		if (strcmp(v[i], name)) {
			order_ok = false;
			CHECK(false, "long child %u is %s, want %s", i, v[i],
			      name);
		}
	}
	CHECK(order_ok, "400 long children complete and in creation order");
	free(v);
	t = xs_transaction_start(h);
	v = xs_directory(h, t, "/dir/long", &n);
	CHECK(v && n == 400, "big directory inside a transaction: %s, %u",
	      v ? "ok" : errname(errno), n);
	free(v);
	xs_transaction_end(h, t, true);

	/* Empty and missing directories. */
	CHECK_CALL(xs_mkdir(h, XBT_NULL, "/dir/empty"), "mkdir");
	v = xs_directory(h, XBT_NULL, "/dir/empty", &n);
	CHECK(v && n == 0, "empty directory: %s, %u entries",
	      v ? "ok" : errname(errno), n);
	free(v);
	EXPECT_ERRNO(xs_directory(h, XBT_NULL, "/dir/missing", &n) != NULL,
		     ENOENT, "directory of a missing node");

	/* The biggest value a WRITE can carry reads back intact. */
	vlen = PAYLOAD_MAX - strlen("/dir/max") - 1;
	val = malloc(vlen);
	for (i = 0; i < vlen; i++)
		val[i] = (char)(i * 31 + 7);
	CHECK_CALL(xs_write(h, XBT_NULL, "/dir/max", val, vlen),
		   "write of a %zu-byte value", vlen);
	read_at(__LINE__, h, XBT_NULL, "/dir/max", val, vlen);
	t = xs_transaction_start(h);
	read_at(__LINE__, h, t, "/dir/max", val, vlen);
	xs_transaction_end(h, t, true);
	free(val);
	val = xs_read(h, XBT_NULL, "/dir/max", &len);
	CHECK(val && len == vlen, "max value length %u", len);
	free(val);

	/* A tree 600 levels deep is written, read and removed. */
	{
		char deep[1300];
		size_t o = 0;

		o += (size_t)sprintf(deep, "/deep");
		for (i = 0; i < 600; i++)
			o += (size_t)sprintf(deep + o, "/a");
		WRITE(h, XBT_NULL, deep, "bottom");
		READ(h, XBT_NULL, deep, "bottom");
		RM(h, XBT_NULL, "/deep");
		READ_ERR(h, XBT_NULL, deep, ENOENT);
		READ_ERR(h, XBT_NULL, "/deep/a", ENOENT);
	}

	RM(h, XBT_NULL, "/dir/big");
	READ_ERR(h, XBT_NULL, "/dir/big/n001", ENOENT);
	DIR(h, XBT_NULL, "/dir", "long,empty,max");
	xs_close(h);
}

static void group_domain(void)
{
	struct xs_handle *h = open_xs(), *w = open_xs();
	char *s;

	s = xs_get_domain_path(h, 0);
	CHECK(s && !strcmp(s, "/local/domain/0"), "domain path of 0: %s",
	      s ? s : errname(errno));
	free(s);
	s = xs_get_domain_path(h, 7);
	CHECK(s && !strcmp(s, "/local/domain/7"), "domain path of 7: %s",
	      s ? s : errname(errno));
	free(s);

	CHECK(!xs_is_domain_introduced(h, 5), "domain 5 is not introduced");

	sentinel_setup(w, "d");
	WATCH(w, "@introduceDomain", "intro");
	EVENTS(w, "d", "@introduceDomain|intro",
	       "first @introduceDomain event");
	CHECK_CALL(xs_introduce_domain(h, 5, 0x1234, 7), "introduce 5");
	EVENTS(w, "d", "@introduceDomain|intro", "introduce fires");
	CHECK(xs_is_domain_introduced(h, 5), "domain 5 is introduced");
	CHECK_CALL(xs_introduce_domain(h, 5, 0x1234, 7), "re-introduce 5");
	EVENTS(w, "d", "", "re-introducing a known domain");
	CHECK_CALL(xs_introduce_domain(h, 6, 0x2345, 8), "introduce 6");
	EVENTS(w, "d", "@introduceDomain|intro",
	       "introduce of a second domain");
	EXPECT_ERRNO(xs_introduce_domain(h, 9, 0x1234, 0), EINVAL,
		     "introduce with event channel 0");
	CHECK(!xs_is_domain_introduced(h, 9), "failed introduce of 9");

	CHECK_CALL(xs_set_target(h, 6, 5), "set_target 6 -> 5");
	EXPECT_ERRNO(xs_set_target(h, 6, 77), ENOENT,
		     "set_target to an unknown domain");
	EXPECT_ERRNO(xs_set_target(h, 77, 5), ENOENT,
		     "set_target of an unknown domain");
	CHECK_CALL(xs_resume_domain(h, 5), "resume 5");
	EXPECT_ERRNO(xs_resume_domain(h, 78), ENOENT,
		     "resume of an unknown domain");
	EXPECT_ERRNO(xs_resume_domain(h, 0), EINVAL, "resume of domain 0");

	/* Release: @releaseDomain fires and the domain's nodes go. */
	WRITE(h, XBT_NULL, "/local/domain/5/owned", "x");
	CHECK_CALL(set_perms(h, "/local/domain/5/owned", "n5"),
		   "give a node to domain 5");
	WRITE(h, XBT_NULL, "/local/domain/5/kept", "y");
	CHECK_CALL(set_perms(h, "/local/domain/5/kept", "n0,r5"), "set perms");
	WATCH(w, "@releaseDomain", "rel");
	EVENTS(w, "d", "@releaseDomain|rel", "first @releaseDomain event");
	CHECK_CALL(xs_release_domain(h, 6), "release 6");
	EVENTS(w, "d", "@releaseDomain|rel", "release of 6 fires");
	CHECK(!xs_is_domain_introduced(h, 6), "domain 6 is gone");
	CHECK(xs_is_domain_introduced(h, 5), "domain 5 is still there");
	CHECK_CALL(xs_release_domain(h, 5), "release 5");
	EVENTS(w, "d", "@releaseDomain|rel", "release of 5 fires");
	CHECK(!xs_is_domain_introduced(h, 5), "domain 5 is gone");
	READ_ERR(h, XBT_NULL, "/local/domain/5/owned", ENOENT);
	READ(h, XBT_NULL, "/local/domain/5/kept", "y");
	EXPECT_ERRNO(xs_release_domain(h, 5), ENOENT, "second release of 5");
	EXPECT_ERRNO(xs_release_domain(h, 0), EINVAL, "release of domain 0");
	EXPECT_ERRNO(xs_release_domain(h, 4321), ENOENT,
		     "release of an unknown domain");
	EVENTS(w, "d", "", "failed releases fire nothing");

	/* Special nodes: permissions can be read and set. */
	s = perms_join(h, XBT_NULL, "@introduceDomain");
	CHECK(s && !strncmp(s, "n0", 2) && (s[2] == 0 || s[2] == ','),
	      "perms of @introduceDomain: %s", s ? s : errname(errno));
	free(s);
	s = perms_join(h, XBT_NULL, "@releaseDomain");
	CHECK(s && !strncmp(s, "n0", 2) && (s[2] == 0 || s[2] == ','),
	      "perms of @releaseDomain: %s", s ? s : errname(errno));
	free(s);
	CHECK_CALL(set_perms(h, "@introduceDomain", "n0,r3"),
		   "set perms of @introduceDomain");
	PERMS(h, "@introduceDomain", "n0,r3");
	xs_close(w);
	xs_close(h);
}

static void group_perms(void)
{
	struct xs_handle *h = open_xs();
	struct xs_permissions p[1];

	PERMS(h, "/", "n0");
	WRITE(h, XBT_NULL, "/pm/node", "v");
	PERMS(h, "/pm/node", "n0");
	CHECK_CALL(set_perms(h, "/pm/node", "n0,r5,w7,b9,r1,r2,r3,r4"),
		   "dom0 may set more than 5 permissions");
	PERMS(h, "/pm/node", "n0,r5,w7,b9,r1,r2,r3,r4");
	WRITE(h, XBT_NULL, "/pm/node/child", "c");
	PERMS(h, "/pm/node/child", "n0,r5,w7,b9,r1,r2,r3,r4");
	READ(h, XBT_NULL, "/pm/node", "v");
	CHECK_CALL(set_perms(h, "/pm/node", "b0"), "set perms b0");
	PERMS(h, "/pm/node", "b0");
	PERMS(h, "/pm/node/child", "n0,r5,w7,b9,r1,r2,r3,r4");
	EXPECT_ERRNO(set_perms(h, "/pm/missing", "n0"), ENOENT,
		     "set perms of a missing node");
	EXPECT_ERRNO(xs_get_permissions(h, XBT_NULL, "/pm/missing",
					&(unsigned){0}) != NULL,
		     ENOENT, "get perms of a missing node");
	EXPECT_ERRNO(xs_set_permissions(h, XBT_NULL, "/pm/node", p, 0), EINVAL,
		     "set perms with no entries");
	EXPECT_ERRNO(set_perms(h, "/pm/bad//path", "n0"), EINVAL,
		     "set perms of a bad path");
	PERMS(h, "/pm/node", "b0");
	xs_close(h);
}

static void group_control(void)
{
	struct xs_handle *h = open_xs();
	char hello[] = "hello", extra[] = "extra";
	char *r;

	r = xs_control_command(h, "check", NULL, 0);
	CHECK(r != NULL, "control check: %s", r ? "" : errname(errno));
	free(r);
	r = xs_control_command(h, "help", NULL, 0);
	CHECK(r && strstr(r, "check") && strstr(r, "help"),
	      "control help lists check and help: %s", r ? r : errname(errno));
	free(r);
	r = xs_control_command(h, "quota", NULL, 0);
	CHECK(r && *r, "control quota: %s", r ? r : errname(errno));
	free(r);
	r = xs_control_command(h, "print", hello, sizeof(hello));
	CHECK(r != NULL, "control print: %s", r ? "" : errname(errno));
	free(r);
	EXPECT_ERRNO(xs_control_command(h, "no-such-command", NULL, 0) != NULL,
		     EINVAL, "unknown control command");
	EXPECT_ERRNO(xs_control_command(h, "check", extra, sizeof(extra)) !=
			     NULL,
		     EINVAL, "check with a parameter");
	xs_close(h);
}

static const struct {
	const char *name;
	void (*fn)(void);
} groups[] = {
	{"tx", group_tx},       {"watch", group_watch},
	{"dir", group_dir},     {"domain", group_domain},
	{"perms", group_perms}, {"control", group_control},
};

#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

static int run_group(const char *name)
{
	size_t i;
	bool all = !strcmp(name, "all");

	for (i = 0; i < NGROUPS; i++) {
		if (!all && strcmp(name, groups[i].name))
			continue;
		group = groups[i].name;
		groups[i].fn();
		if (!all)
			return 0;
	}
	if (all)
		return 0;
	fprintf(stderr, "xsclient: unknown group or command %s\n", name);
	return -1;
}

static int fail_cmd(const char *what)
{
	fprintf(stderr, "error: %s: %s\n", what, errname(errno));
	return 3;
}

static int cmd_control(int argc, char **argv)
{
	struct xs_handle *h = open_xs();
	size_t len = 0;
	char *buf = NULL, *r;
	int i;

	for (i = 1; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;

		buf = realloc(buf, len + l);
		memcpy(buf + len, argv[i], l);
		len += l;
	}
	r = xs_control_command(h, argv[0], buf, (unsigned)len);
	free(buf);
	if (!r)
		return fail_cmd(argv[0]);
	if (*r)
		printf("%s\n", r);
	free(r);
	xs_close(h);
	return 0;
}

static int run_cmd(int argc, char **argv)
{
	struct xs_handle *h;
	char *s;
	bool ok = true;

	if (!strcmp(argv[0], "control") && argc >= 2)
		return cmd_control(argc - 1, argv + 1);
	if (!((!strcmp(argv[0], "introduce") && argc == 4) ||
	      (!strcmp(argv[0], "release") && argc == 2) ||
	      (!strcmp(argv[0], "getperms") && argc == 2)))
		return -1;
	h = open_xs();
	if (!strcmp(argv[0], "introduce")) {
		ok = xs_introduce_domain(h, atoi(argv[1]),
					 strtoul(argv[2], NULL, 0),
					 atoi(argv[3]));
	} else if (!strcmp(argv[0], "release")) {
		ok = xs_release_domain(h, atoi(argv[1]));
	} else {
		s = perms_join(h, XBT_NULL, argv[1]);
		ok = s != NULL;
		if (s)
			printf("%s\n", s);
		free(s);
	}
	if (!ok)
		return fail_cmd(argv[0]);
	xs_close(h);
	return 0;
}

int main(int argc, char **argv)
{
	int i, rc;

	if (argc < 2) {
		fprintf(stderr,
			"usage: %s GROUP... | introduce | release | "
			"getperms | control\n",
			argv[0]);
		return 2;
	}
	rc = run_cmd(argc - 1, argv + 1);
	if (rc >= 0)
		return rc;
	for (i = 1; i < argc; i++)
		if (run_group(argv[i]) < 0)
			return 2;
	printf("xsclient %s: %d passed, %d failed\n", argc == 2 ? argv[1] : "",
	       n_pass, n_fail);
	return n_fail ? 1 : 0;
}
