/*
 * test_hostile.c: hostile guests against the real daemon, end to end.
 *
 *	test_hostile XENSIM XENSIM_XL XENBACKD [CASE...]
 *
 * Each case starts its own xensim and `xenbackd -N --hypervisor sim:PATH
 * --socket ... --no-consoles` (its stderr kept in a file; the lab is
 * labkit.c's, shared with test_sim_console), makes domains with
 * `xensim-xl create` (libxl's steps, INTRODUCE included), attaches
 * guests in-process (one guest_host for all), talks to the daemon as dom0
 * over its socket with a small raw client (every wait has a deadline),
 * and ends by destroying every domain, checking that the store's counts
 * (CONTROL memreport) are back where they started, and stopping the
 * daemon with SIGTERM: it must exit 0 with no sanitizer report (a leak
 * fails the case under -DXENBACKD_SANITIZE=ON).  A well-behaved guest
 * does write/read round trips before, during and after the misbehaviour
 * in every case.  The cases:
 *
 * req_index    req_prod far ahead of req_cons.  The ring's error field
 *              becomes XENSTORE_ERROR_RINGIDX; the daemon logs it once
 *              (however much the guest pokes afterwards); the domain stays
 *              introduced (IS_DOMAIN_INTRODUCED: T), its ring mapped and
 *              its connection kept, nothing more is read or written, no
 *              @releaseDomain fires.  Once the toolstack destroys it,
 *              @releaseDomain fires once, it is no longer introduced, the
 *              nodes it owned outside its home (/hostile/D) go, and the
 *              daemon unmaps its ring (the simulator forgets the domain).
 * rsp_index    rsp_cons far ahead of rsp_prod, noticed when the daemon has
 *              a reply to write: the same checks.
 * oversized    A payload of exactly 4096 bytes is answered; a header with
 *              len 4097 gives XENSTORE_ERROR_PROTO and the same checks.
 * garbage      300 framed messages from a seeded generator: random types
 *              (valid, just past the table, any 32-bit value), random
 *              transaction ids, lengths up to 4096, random bytes.  Every
 *              one gets exactly one reply, an error or an echo of its
 *              type; the ring is not marked and the guest is still served.
 *              Then raw random bytes whose header says len > 4096: marked
 *              with XENSTORE_ERROR_PROTO, and the checks of req_index.
 *              HOSTILE_SEED=N in the environment picks another seed.
 * flood        A guest keeps 4000 requests queued, refilling as replies
 *              come.  Meanwhile the quiet guest's 200 round trips have a
 *              p99 under 50 ms, and the flooder is served too (at least as
 *              many replies as the quiet guest's round trips, then all of
 *              them, without errors, once it stops).
 * flood_many   40 guests keep their rings full (200 requests queued each,
 *              refilled as replies come): the quiet guest's round trips
 *              have the same p99 bound, and every flooder is served
 *              meanwhile.  (A daemon that runs its busy rings turn after
 *              turn without polling never sees the quiet guest's event.)
 * noread       A guest never reads its replies and sends 2500 requests:
 *              the daemon handles no more than the outstanding quota (20)
 *              plus what fits in the response ring, then stops; its RSS
 *              stays bounded; the others are fine.  When the guest reads
 *              again it gets every reply, and every write happened.
 * watches      128 watches are allowed, the 129th gets ENOSPC (4.17
 *              counts: the limit is allowed); UNWATCH gives one back.
 * events       A guest watches its home (with a 1000-byte token) and stops
 *              reading; dom0 writes one node 5000 times (identical events
 *              coalesce: a handful arrive) and then 5000 distinct nodes
 *              (the memory quota bounds what is queued: fewer than 2560
 *              arrive).  The daemon's RSS stays bounded.
 * transactions 10 transactions are allowed, the 11th gets ENOSPC; ending
 *              one gives it back; nothing written in them shows; the
 *              domain dies with 10 open and they are all freed.
 * txn_memory   What open transactions hold counts against the domain's
 *              memory quota (2.5 MiB: "node+watch+transaction+buffer
 *              memory", XSA-326): writes of 1900-byte values in 10 open
 *              transactions stop being accepted past it, and reading
 *              1.6 MiB of its own nodes in each of 10 transactions does not
 *              make the daemon hold 10 copies (RSS, not under ASan).
 * die_in_txn   A guest opens a transaction, writes, removes and makes
 *              nodes in it, leaves replies unread, and is destroyed by the
 *              toolstack: nothing of the transaction ever appears, its
 *              nodes go, CONTROL check says OK, the other guest commits,
 *              no transaction is left and nothing leaks (ASan at exit).
 * reuse        A hostile domain (its own lowered transaction quota, open
 *              transactions and watches, read access to a dom0 node, an
 *              owned node, unread replies, a ring marked RINGIDX) dies;
 *              a new domain with the same domid has error 0 and is served,
 *              is logged about nowhere, starts with zero usage and the
 *              default quotas (10 transactions, not 3), cannot read the
 *              node the old one could, and finds the old one's node gone.
 * ignored_sheds
 *              Two guests with a watch (on their home) and two open
 *              transactions each break their rings (bad indexes, an
 *              oversized header).  Kept, as above, but holding nothing:
 *              their watches and transactions are dropped, so no watch
 *              event is queued for a ring that will never be read again
 *              (xenstored's ignore_connection: "All watches, transactions,
 *              buffers will be freed").
 *
 * Without CASE every case runs, one after the other.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

#include "protocol/proto.h"
#include "sim/guest.h"
#include "sim/simclient.h"
#include "tests/sim/labkit.h"
#include "tests/unit/check.h"

CHECK_MAIN_DEFS;

#define WAIT_MS        5000 /* any one thing we wait for */
#define CASE_SECONDS   55   /* the watchdog, per case */
#define RSS_SLACK_KB   (32 * 1024)
#define P99_BOUND_MS   50.0
#define QUOTA_OUTSTAND 20
#define QUOTA_WATCHES  128
#define QUOTA_TXNS     10
#define QUOTA_MEMORY   (2560 * 1024)

#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_BUILD 1
#endif
#endif

static const char *exe_sim, *exe_xl, *exe_xbd;

/* ---- strings ---- */

static int errno_of(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (strcmp(s, xsd_errors[i].errstring) == 0)
			return xsd_errors[i].errnum;
	return EIO;
}

/* ---- dom0's raw client of the daemon's socket ---- */

#define EVQ_MAX 4096

struct xsev {
	char *path, *token;
};

struct xsc {
	int fd;
	uint32_t next_id;
	struct xsev ev[EVQ_MAX];
	size_t nev;
	unsigned long dropped;
	char body[XENSTORE_PAYLOAD_MAX + 1];
};

static int xsc_connect(const char *path, struct xsc **out)
{
	struct sockaddr_un sun;
	struct xsc *c;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		close(fd);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	c->next_id = 1;
	*out = c;
	return 0;
}

static void xsc_close(struct xsc *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nev; i++) {
		free(c->ev[i].path);
		free(c->ev[i].token);
	}
	close(c->fd);
	free(c);
}

/* 1 when fd is ready before the deadline, 0 if not, -errno. */
static int wait_fd(int fd, short what, double deadline)
{
	struct pollfd p = {fd, what, 0};

	for (;;) {
		double left = deadline - now_ms();
		int rc = poll(&p, 1, left > 0 ? (int)left + 1 : 0);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		return rc > 0;
	}
}

static int io_all(int fd, void *buf, size_t len, bool wr, double deadline)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n;
		int rc = wait_fd(fd, wr ? POLLOUT : POLLIN, deadline);

		if (rc <= 0)
			return rc < 0 ? rc : -ETIMEDOUT;
		n = wr ? send(fd, (char *)buf + off, len - off, MSG_NOSIGNAL)
		       : read(fd, (char *)buf + off, len - off);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		off += (size_t)n;
	}
	return 0;
}

/*
 * One message: 1 for a reply (in hdr and c->body), 0 for a watch event
 * (queued), -ETIMEDOUT if none began before the deadline, -errno.
 */
static int xsc_pump(struct xsc *c, struct xsd_sockmsg *hdr, double deadline)
{
	int rc = wait_fd(c->fd, POLLIN, deadline);

	if (rc <= 0)
		return rc < 0 ? rc : -ETIMEDOUT;
	/* Once a message has begun it is read whole. */
	rc = io_all(c->fd, hdr, sizeof(*hdr), false, now_ms() + WAIT_MS);
	if (rc == 0 && hdr->len > XENSTORE_PAYLOAD_MAX)
		rc = -EPROTO;
	if (rc == 0)
		rc = io_all(c->fd, c->body, hdr->len, false,
			    now_ms() + WAIT_MS);
	if (rc < 0)
		return rc;
	c->body[hdr->len] = '\0';
	if (hdr->type != XS_WATCH_EVENT)
		return 1;
	if (c->nev == EVQ_MAX) {
		c->dropped++;
		return 0;
	}
	c->ev[c->nev].path = strdup(c->body);
	c->ev[c->nev].token = strdup(strlen(c->body) < hdr->len
					     ? c->body + strlen(c->body) + 1
					     : "");
	if (c->ev[c->nev].path && c->ev[c->nev].token) {
		c->nev++;
	} else {
		free(c->ev[c->nev].path);
		free(c->ev[c->nev].token);
		c->dropped++;
	}
	return 0;
}

static int xsc_send(struct xsc *c, uint32_t type, uint32_t tx, const void *body,
		    size_t len, uint32_t *id)
{
	struct xsd_sockmsg hdr = {type, c->next_id++, tx, (uint32_t)len};
	int rc = io_all(c->fd, &hdr, sizeof(hdr), true, now_ms() + WAIT_MS);

	if (rc == 0 && len)
		rc = io_all(c->fd, (void *)body, len, true, now_ms() + WAIT_MS);
	*id = hdr.req_id;
	return rc;
}

/* The reply to id: 0 with *out (malloc'd), -errno for XS_ERROR or I/O. */
static int xsc_reply(struct xsc *c, uint32_t id, char **out)
{
	double end = now_ms() + WAIT_MS;
	struct xsd_sockmsg hdr;

	for (;;) {
		int rc = xsc_pump(c, &hdr, end);

		if (rc < 0)
			return rc;
		if (rc == 0 || hdr.req_id != id)
			continue;
		if (hdr.type == XS_ERROR)
			return -errno_of(c->body);
		if (out)
			*out = strdup(c->body);
		return 0;
	}
}

/* Take queued watch events with this token: how many. */
static int xsc_take(struct xsc *c, const char *token)
{
	size_t i, j = 0;
	int n = 0;

	for (i = 0; i < c->nev; i++) {
		if (strcmp(c->ev[i].token, token) == 0) {
			free(c->ev[i].path);
			free(c->ev[i].token);
			n++;
		} else {
			c->ev[j++] = c->ev[i];
		}
	}
	c->nev = j;
	return n;
}

/* Read events for ms, then take those with token: how many. */
static int xsc_events(struct xsc *c, const char *token, int ms)
{
	double end = now_ms() + ms;
	struct xsd_sockmsg hdr;

	while (xsc_pump(c, &hdr, end) >= 0)
		; /* replies nobody waits for are dropped */
	return xsc_take(c, token);
}

/* Wait up to ms for one event with token: 1, or 0 on timeout. */
static int xsc_wait_event(struct xsc *c, const char *token, int ms)
{
	double end = now_ms() + ms;
	struct xsd_sockmsg hdr;
	size_t i;

	for (;;) {
		for (i = 0; i < c->nev; i++) {
			if (strcmp(c->ev[i].token, token) != 0)
				continue;
			free(c->ev[i].path);
			free(c->ev[i].token);
			memmove(&c->ev[i], &c->ev[i + 1],
				(c->nev - i - 1) * sizeof(c->ev[0]));
			c->nev--;
			return 1;
		}
		if (xsc_pump(c, &hdr, end) < 0)
			return 0;
	}
}

/* ---- the lab: xensim, xenbackd, a guest host, dom0 ---- */

struct memrep {
	long nodes, conns, watches, txns, domains;
};

static struct lab L;

/*
 * dom0: its raw client of the daemon, its client of the simulator, and the
 * store's counts once the lab is up.
 */
static struct {
	struct xsc *xs;
	struct simclient *sim;
	struct memrep base;
} dom0;

static int xs_call(uint32_t type, const void *body, size_t len, char **out)
{
	uint32_t id;
	int rc = xsc_send(dom0.xs, type, 0, body, len, &id);

	return rc < 0 ? rc : xsc_reply(dom0.xs, id, out);
}

static int xs_callv(uint32_t type, const char *const *args, int nargs,
		    bool nul_end, char **out)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	int len = guest_join(buf, sizeof(buf), args, nargs, nul_end);

	return len < 0 ? len : xs_call(type, buf, (size_t)len, out);
}

static int xs_read(const char *path, char **val)
{
	return xs_callv(XS_READ, &path, 1, true, val);
}

static int xs_write(const char *path, const char *val)
{
	const char *a[2] = {path, val};

	return xs_callv(XS_WRITE, a, 2, false, NULL);
}

static int xs_mkdir(const char *path)
{
	return xs_callv(XS_MKDIR, &path, 1, true, NULL);
}

static int xs_rm(const char *path)
{
	return xs_callv(XS_RM, &path, 1, true, NULL);
}

static int xs_perms(const char *path, const char *p1, const char *p2)
{
	const char *a[3] = {path, p1, p2};

	return xs_callv(XS_SET_PERMS, a, p2 ? 3 : 2, true, NULL);
}

static int xs_watch(const char *path, const char *token)
{
	const char *a[2] = {path, token};

	return xs_callv(XS_WATCH, a, 2, true, NULL);
}

/* CONTROL with up to three words: the reply (malloc'd) or NULL. */
static char *xs_control(const char *w1, const char *w2, const char *w3)
{
	const char *a[3] = {w1, w2, w3};
	char *out = NULL;
	int n = w3 ? 3 : w2 ? 2 : 1;

	if (xs_callv(XS_CONTROL, a, n, true, &out) < 0)
		return NULL;
	return out;
}

/* IS_DOMAIN_INTRODUCED: 'T', 'F', or '?' on error. */
static char introduced(unsigned domid)
{
	char id[16], *out = NULL, r;
	const char *a = id;

	snprintf(id, sizeof(id), "%u", domid);
	if (xs_callv(XS_IS_DOMAIN_INTRODUCED, &a, 1, true, &out) < 0)
		return '?';
	r = out[0];
	free(out);
	return r;
}

/* How many children path has, or -errno. */
static int children(const char *path)
{
	char buf[XENSTORE_PAYLOAD_MAX + 1];
	uint32_t id;
	struct xsd_sockmsg hdr;
	double end = now_ms() + WAIT_MS;
	int rc =
		xsc_send(dom0.xs, XS_DIRECTORY, 0, path, strlen(path) + 1, &id);
	size_t i;
	int n = 0;

	while (rc >= 0) {
		rc = xsc_pump(dom0.xs, &hdr, end);
		if (rc == 1 && hdr.req_id == id)
			break;
	}
	if (rc < 0)
		return rc;
	if (hdr.type == XS_ERROR)
		return -errno_of(dom0.xs->body);
	memcpy(buf, dom0.xs->body, hdr.len + 1);
	for (i = 0; i < hdr.len; i++)
		n += buf[i] == '\0';
	return n;
}

/* dom0 writes DIR/0 .. DIR/count-1, or DIR/same count times, pipelined. */
static int xs_write_many(const char *dir, bool distinct, unsigned count)
{
	char body[256];
	uint32_t ids[128];
	unsigned i = 0, j, batch;
	int rc = 0, len;

	while (i < count && rc == 0) {
		batch = count - i < 128 ? count - i : 128;
		for (j = 0; j < batch && rc == 0; j++, i++) {
			len = distinct ? snprintf(body, sizeof(body),
						  "%s/%u%c%u", dir, i, 0, i)
				       : snprintf(body, sizeof(body),
						  "%s/same%c%u", dir, 0, i);
			rc = xsc_send(dom0.xs, XS_WRITE, 0, body, (size_t)len,
				      &ids[j]);
		}
		for (j = 0; j < batch && rc == 0; j++)
			rc = xsc_reply(dom0.xs, ids[j], NULL);
	}
	return rc;
}

static bool memreport(struct memrep *m)
{
	char *r = xs_control("memreport", NULL, NULL);
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{"nodes:", offsetof(struct memrep, nodes)},
		{"connections:", offsetof(struct memrep, conns)},
		{"watches:", offsetof(struct memrep, watches)},
		{"transactions:", offsetof(struct memrep, txns)},
		{"domains:", offsetof(struct memrep, domains)},
	};
	size_t i;

	memset(m, 0, sizeof(*m));
	if (!r)
		return false;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *p = strstr(r, keys[i].key);

		if (p)
			*(long *)((char *)m + keys[i].off) =
				strtol(p + strlen(keys[i].key), NULL, 10);
	}
	free(r);
	return true;
}

/* A number from CONTROL "quota D" ("watches   :   128 / 128"), or -1. */
static long quota_use(unsigned domid, const char *what)
{
	char id[16], *r, *p;
	long v = -1;

	snprintf(id, sizeof(id), "%u", domid);
	r = xs_control("quota", id, NULL);
	if (!r)
		return -1;
	p = strstr(r, what);
	if (p && (p = strchr(p, ':')))
		v = strtol(p + 1, NULL, 10);
	free(r);
	return v;
}

static long daemon_rss_kb(void)
{
	char path[64], *s, *p;
	long kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)L.xbd);
	s = slurp(path, NULL);
	if (s && (p = strstr(s, "VmRSS:")))
		kb = strtol(p + 6, NULL, 10);
	free(s);
	return kb;
}

/* Lines of the daemon's log holding a and (if given) b. */
static int log_count(const char *a, const char *b)
{
	char *s = slurp(L.xbd_log, NULL), *line, *save = NULL;
	int n = 0;

	if (!s)
		return -1;
	for (line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (strstr(line, a) && (!b || strstr(line, b)))
			n++;
	free(s);
	return n;
}

/*
 * Lines about the domain ("domain D: ..." from domains.c, "connection N
 * (ring, domain D): ..." from the store), holding why if given.
 */
static int log_about_why(unsigned domid, const char *why)
{
	char a[32], b[32];

	snprintf(a, sizeof(a), "domain %u:", domid);
	snprintf(b, sizeof(b), "domain %u)", domid);
	return log_count(a, why) + log_count(b, why);
}

static int log_about(unsigned domid)
{
	return log_about_why(domid, NULL);
}

/* Run the guests' loop for ms. */
static void spin(int ms)
{
	double end = now_ms() + ms;
	double left;

	while ((left = end - now_ms()) > 0)
		guest_host_run_once(L.gh, (int)left + 1);
}

/* The daemon serves dom0 (lab_start_daemon's ready). */
static bool dom0_up(void)
{
	char r;

	if (!dom0.xs && xsc_connect(L.xs_sock, &dom0.xs) < 0)
		return false;
	r = introduced(0);
	if (r == '?') { /* not yet: a new connection next time */
		xsc_close(dom0.xs);
		dom0.xs = NULL;
	}
	return r == 'T';
}

static bool lab_up(const char *const *extra)
{
	const char *args[20] = {"--no-consoles"};
	int n = 1;

	memset(&dom0, 0, sizeof(dom0));
	while (extra && *extra && n < 19)
		args[n++] = *extra++;
	if (!lab_start_sim(&L, "/tmp/xb-hostile.XXXXXX", exe_sim) ||
	    !lab_start_daemon(&L, exe_xbd, args, dom0_up) ||
	    simclient_open(L.sim_sock, SIMCLIENT_DOM0, &dom0.sim) < 0)
		return false;
	/* dom0 hears of every released domain. */
	if (xs_watch("@releaseDomain", "rel") < 0 ||
	    !xsc_wait_event(dom0.xs, "rel", WAIT_MS))
		return false;
	/* What xensim-xl makes and leaves: counted in the baseline. */
	if (xs_mkdir("/hostile") < 0 ||
	    xs_mkdir("/local/domain/0/backend/console") < 0 ||
	    xs_mkdir("/vm") < 0 || xs_mkdir("/libxl") < 0 ||
	    !memreport(&dom0.base))
		return false;
	return true;
}

/*
 * Every domain is gone by now: the counts are back to where they were
 * (the connections of xensim-xl may take a moment to be noticed).
 */
static void lab_check_clean(void)
{
	struct memrep m;
	double end = now_ms() + WAIT_MS;

	do {
		CHECK(memreport(&m));
		if (m.conns == dom0.base.conns &&
		    m.watches == dom0.base.watches &&
		    m.txns == dom0.base.txns &&
		    m.domains == dom0.base.domains &&
		    m.nodes == dom0.base.nodes)
			break;
		sleep_ms(20);
	} while (now_ms() < end);
	CHECK_INT(m.conns, dom0.base.conns);
	CHECK_INT(m.watches, dom0.base.watches);
	CHECK_INT(m.txns, dom0.base.txns);
	CHECK_INT(m.domains, dom0.base.domains);
	CHECK_INT(m.nodes, dom0.base.nodes);
	{
		char *r = xs_control("check", NULL, NULL);

		CHECK_STR(r, "OK");
		free(r);
	}
}

static void lab_down(void)
{
	simclient_close(dom0.sim);
	xsc_close(dom0.xs);
	memset(&dom0, 0, sizeof(dom0));
	lab_stop(&L, true);
	lab_remove(&L);
}

/* ---- the toolstack: xensim-xl ---- */

static int xl_run(char *out, size_t size, const char *const *args)
{
	return lab_xl(&L, exe_xl, args, out, size, 20000);
}

/* xl create NAME [--domid D]: the new domid, or -1. */
static int xl_create(const char *name, unsigned domid)
{
	char out[512], id[16];
	const char *args[5] = {"create", name, NULL, NULL, NULL};

	if (domid) {
		snprintf(id, sizeof(id), "%u", domid);
		args[2] = "--domid";
		args[3] = id;
	}
	if (xl_run(out, sizeof(out), args) != 0)
		return -1;
	return lab_xl_domid(out);
}

static int xl_destroy(unsigned domid)
{
	char out[256], id[16];
	const char *args[3] = {"destroy", id, NULL};

	snprintf(id, sizeof(id), "%u", domid);
	return xl_run(out, sizeof(out), args);
}

/* ---- guests ---- */

struct dom {
	unsigned domid;
	struct guest *g;
	struct sim_start_info si;
	volatile struct xenstore_domain_interface *ring; /* our own view */
	unsigned maps0; /* foreign mappings of it once introduced */
	char home[64];  /* /local/domain/D */
	char owned[64]; /* /hostile/D, owned by D */
};

static bool dom_up(struct dom *d, const char *name, unsigned want)
{
	struct sim_dominfo di;
	int id = xl_create(name, want), err;

	memset(d, 0, sizeof(*d));
	CHECK(id > 0);
	if (id <= 0)
		return false;
	d->domid = (unsigned)id;
	snprintf(d->home, sizeof(d->home), "/local/domain/%u", d->domid);
	snprintf(d->owned, sizeof(d->owned), "/hostile/%u", d->domid);
	d->g = guest_attach(L.gh, d->domid, &err);
	CHECK(d->g != NULL);
	if (!d->g)
		return false;
	d->si = *guest_start_info(d->g);
	d->ring = simclient_map_gfn(L.gc, d->domid, d->domid, d->si.store_mfn);
	CHECK(d->ring != NULL);
	if (!d->ring)
		return false;
	/* The error field means something: the daemon says it sets it. */
	CHECK(d->ring->server_features & XENSTORE_SERVER_FEATURE_ERROR);
	CHECK_INT(d->ring->error, 0);
	CHECK_INT(simclient_domain_info(dom0.sim, d->domid, &di), 0);
	d->maps0 = di.foreign_maps;
	CHECK(d->maps0 >= 1); /* the daemon maps its ring */
	return true;
}

/* A node outside its home owned by the domain: /hostile/D/mine. */
static void dom_own(struct dom *d)
{
	char owner[16], path[96];

	snprintf(owner, sizeof(owner), "n%u", d->domid);
	CHECK_INT(xs_mkdir(d->owned), 0);
	CHECK_INT(xs_perms(d->owned, owner, NULL), 0);
	snprintf(path, sizeof(path), "%s/mine", d->owned);
	CHECK_INT(guest_xs_write(d->g, path, "x"), 0);
}

static void dom_unmap(struct dom *d)
{
	if (d->ring)
		simclient_unmap(L.gc, (void *)d->ring);
	d->ring = NULL;
}

/* Wait until the simulator has forgotten the domain (ring unmapped). */
static bool wait_gone(unsigned domid)
{
	struct sim_dominfo di;
	double end = now_ms() + WAIT_MS;

	while (simclient_domain_info(dom0.sim, domid, &di) == 0) {
		if (now_ms() > end)
			return false;
		spin(10);
	}
	return true;
}

/*
 * The toolstack destroys the domain: @releaseDomain fires once, it is
 * no longer introduced, what it owned goes, its ring is unmapped.
 */
static void dom_destroy(struct dom *d)
{
	char *v = NULL;

	if (!d->g)
		return;
	CHECK_INT(xl_destroy(d->domid), 0);
	CHECK_INT(xsc_wait_event(dom0.xs, "rel", WAIT_MS), 1);
	CHECK_INT(xsc_events(dom0.xs, "rel", 100), 0); /* just once */
	CHECK_INT(introduced(d->domid), 'F');
	CHECK_INT(xs_read(d->owned, &v), -ENOENT);
	CHECK_INT(xs_read(d->home, &v), -ENOENT);
	CHECK(wait_gone(d->domid));
	dom_unmap(d);
	guest_detach(d->g);
	d->g = NULL;
}

/* A call with NUL-joined args: 0 with *reply, or -errno. */
static int gcall(struct guest *g, uint32_t type, uint32_t tx,
		 const char *const *args, int nargs, bool nul_end, char **reply)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	int len = guest_join(buf, sizeof(buf), args, nargs, nul_end);

	if (len < 0)
		return len;
	return guest_xs_call(g, type, tx, buf, (size_t)len, reply, NULL,
			     WAIT_MS);
}

/* TRANSACTION_START: the id, or -errno. */
static long txn_start(struct guest *g)
{
	const char *empty = "";
	char *id = NULL;
	long v;
	int rc = gcall(g, XS_TRANSACTION_START, 0, &empty, 1, true, &id);

	if (rc < 0)
		return rc;
	v = strtol(id, NULL, 10);
	free(id);
	return v;
}

static int txn_end(struct guest *g, long id, bool commit)
{
	const char *arg = commit ? "T" : "F";

	return gcall(g, XS_TRANSACTION_END, (uint32_t)id, &arg, 1, true, NULL);
}

static int txn_write(struct guest *g, long id, const char *path,
		     const char *val)
{
	const char *a[2] = {path, val};

	return gcall(g, XS_WRITE, (uint32_t)id, a, 2, false, NULL);
}

/*
 * n calls by g, alternately writing data/TAG and reading it back; each
 * call's latency into lat (if given).  Returns how many failed.
 */
static int round_trips_lat(struct guest *g, const char *tag, int n, double *lat)
{
	char path[64], val[32] = "", *got;
	int i, bad = 0;

	snprintf(path, sizeof(path), "data/%s", tag);
	for (i = 0; i < n; i++) {
		double t0 = now_ms();
		int rc;

		if (i % 2 == 0) {
			snprintf(val, sizeof(val), "%d", i);
			rc = guest_xs_write(g, path, val);
		} else {
			got = NULL;
			rc = guest_xs_read(g, path, &got);
			if (rc == 0 && strcmp(got, val) != 0)
				rc = -EIO;
			free(got);
		}
		if (lat)
			lat[i] = now_ms() - t0;
		if (rc) {
			fprintf(stderr, "domain %u %s %d: %s\n", guest_domid(g),
				tag, i, strerror(-rc));
			bad++;
		}
	}
	return bad;
}

static int round_trips(struct guest *g, const char *tag, int n)
{
	return round_trips_lat(g, tag, n, NULL);
}

/* Replies and events of async requests. */
struct counts {
	unsigned replies, errors, events;
};

static void count_reply(struct guest *g, const struct xsd_sockmsg *hdr,
			const char *body, void *arg)
{
	struct counts *c = arg;

	c->replies++;
	c->errors += hdr->type == XS_ERROR;
}

static void count_watch(struct guest *g, const char *path, const char *token,
			void *arg)
{
	((struct counts *)arg)->events++;
}

static bool wait_replies(const struct counts *c, unsigned want, int ms)
{
	double end = now_ms() + ms;

	while (c->replies < want && now_ms() < end)
		guest_host_run_once(L.gh, 20);
	return c->replies >= want;
}

/* Bytes straight into the request ring, waiting for room. */
static bool raw_all(struct dom *d, const void *buf, size_t len)
{
	double end = now_ms() + WAIT_MS;
	size_t off = 0;

	while (off < len) {
		int n = guest_bad_xs_raw(d->g, (const char *)buf + off,
					 len - off);

		if (n < 0)
			return false;
		off += (size_t)n;
		if (off < len) {
			if (now_ms() > end)
				return false;
			guest_host_run_once(L.gh, 5);
		}
	}
	return true;
}

/*
 * The ring has been given up on: error field err, one log line (holding
 * why), nothing more read or written however the guest pokes, and the
 * domain kept: introduced, mapped, its connection counted, no
 * @releaseDomain.  The good guest does round trips meanwhile.
 */
static void expect_marked(struct dom *d, uint32_t err, const char *why,
			  struct dom *good)
{
	struct sim_dominfo di;
	struct memrep m0, m1;
	double end = now_ms() + WAIT_MS;
	uint32_t req_cons, rsp_prod;
	static const char read_name[] = "name";
	struct xsd_sockmsg hdr = {XS_READ, 0x7777, 0, sizeof(read_name)};
	char msg[sizeof(hdr) + sizeof(read_name)];
	int i;

	while (guest_xs_error(d->g) != err && now_ms() < end)
		guest_host_run_once(L.gh, 10);
	CHECK_INT(guest_xs_error(d->g), err);
	CHECK_INT(log_about_why(d->domid, why), 1);
	CHECK(memreport(&m0));

	/* Poke it: events, and a well-formed request where one fits. */
	req_cons = d->ring->req_cons;
	rsp_prod = d->ring->rsp_prod;
	memcpy(msg, &hdr, sizeof(hdr));
	memcpy(msg + sizeof(hdr), read_name, sizeof(read_name));
	guest_bad_xs_raw(d->g, msg, sizeof(msg));
	for (i = 0; i < 20; i++) {
		simclient_notify(L.gc, d->domid, d->si.store_evtchn);
		CHECK_INT(round_trips(good->g, "during", 2), 0);
	}
	spin(200);
	CHECK_INT(d->ring->req_cons, req_cons);
	CHECK_INT(d->ring->rsp_prod, rsp_prod);
	CHECK_INT(guest_xs_error(d->g), err);

	/* Logged once; kept until it dies. */
	CHECK_INT(log_about(d->domid), 1);
	CHECK_INT(introduced(d->domid), 'T');
	CHECK_INT(xsc_events(dom0.xs, "rel", 50), 0);
	CHECK_INT(simclient_domain_info(dom0.sim, d->domid, &di), 0);
	CHECK(!(di.flags & SIM_DOMINFO_DYING));
	CHECK_INT(di.foreign_maps, d->maps0);
	CHECK(memreport(&m1));
	CHECK_INT(m1.conns, m0.conns);
}

static void hostile_end(struct dom *d, struct dom *good)
{
	dom_destroy(d);
	CHECK_INT(round_trips(good->g, "after", 20), 0);
	CHECK_INT(log_about(d->domid), 1); /* still only the one line */
}

/* ---- the cases ---- */

static void test_index(bool rsp)
{
	struct dom good, evil;

	if (!dom_up(&good, "good", 0) || !dom_up(&evil, "evil", 0))
		return;
	CHECK_INT(round_trips(good.g, "before", 20), 0);
	CHECK_INT(round_trips(evil.g, "before", 4), 0);
	dom_own(&evil);
	if (!rsp) {
		guest_bad_xs_index(evil.g);
		expect_marked(&evil, XENSTORE_ERROR_RINGIDX,
			      "bad request indexes", &good);
	} else {
		/* Noticed when the daemon has a reply to write. */
		evil.ring->rsp_cons =
			evil.ring->rsp_prod + 3 * XENSTORE_RING_SIZE;
		guest_xs_send(evil.g, XS_READ, 0, "name", 5);
		expect_marked(&evil, XENSTORE_ERROR_RINGIDX,
			      "bad response indexes", &good);
	}
	hostile_end(&evil, &good);
	dom_destroy(&good);
	lab_check_clean();
}

static void test_req_index(void)
{
	test_index(false);
}

static void test_rsp_index(void)
{
	test_index(true);
}

static void test_oversized(void)
{
	struct dom good, evil;
	char body[XENSTORE_PAYLOAD_MAX];
	int rc;

	if (!dom_up(&good, "good", 0) || !dom_up(&evil, "evil", 0))
		return;
	CHECK_INT(round_trips(good.g, "before", 20), 0);
	dom_own(&evil);
	/* The boundary: 4096 bytes of payload are fine (answered). */
	memset(body, 'v', sizeof(body));
	memcpy(body, "data/big", 9);
	rc = guest_xs_call(evil.g, XS_WRITE, 0, body, sizeof(body), NULL, NULL,
			   WAIT_MS);
	CHECK(rc != -ETIMEDOUT && rc != -EPIPE);
	CHECK_INT(guest_xs_error(evil.g), 0);
	CHECK_INT(round_trips(evil.g, "still", 4), 0);
	/* 4097 are not. */
	CHECK(guest_bad_xs_oversized(evil.g) > 0);
	expect_marked(&evil, XENSTORE_ERROR_PROTO, "longer than 4096", &good);
	hostile_end(&evil, &good);
	dom_destroy(&good);
	lab_check_clean();
}

#define GARBAGE_MSGS 300
#define GARBAGE_ID0  0x40000000u

struct garbage {
	uint32_t type[GARBAGE_MSGS];
	unsigned answers[GARBAGE_MSGS];
	unsigned replies, errors, stray, mismatched;
	unsigned by_err[5]; /* ENOSYS EINVAL EACCES ENOENT other */
	unsigned events;
};

static void garbage_reply(struct guest *g, const struct xsd_sockmsg *hdr,
			  const char *body, void *arg)
{
	struct garbage *gb = arg;
	uint32_t i = hdr->req_id - GARBAGE_ID0;

	if (i >= GARBAGE_MSGS) {
		gb->stray++;
		return;
	}
	gb->replies++;
	gb->answers[i]++;
	if (hdr->type == XS_ERROR) {
		int e = errno_of(body);

		gb->errors++;
		gb->by_err[e == ENOSYS   ? 0
			   : e == EINVAL ? 1
			   : e == EACCES ? 2
			   : e == ENOENT ? 3
					 : 4]++;
	} else if (hdr->type != gb->type[i]) {
		gb->mismatched++;
	}
}

static void garbage_watch(struct guest *g, const char *path, const char *token,
			  void *arg)
{
	((struct garbage *)arg)->events++;
}

static void test_garbage(void)
{
	static struct garbage gb;
	static char msg[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	struct dom good, evil;
	uint32_t seed = 0x5eed1234u, first_seed;
	struct xsd_sockmsg hdr;
	double end;
	unsigned i, answered_once = 0;
	size_t j;

	memset(&gb, 0, sizeof(gb));
	if (getenv("HOSTILE_SEED")) /* to explore further */
		seed = (uint32_t)strtoul(getenv("HOSTILE_SEED"), NULL, 0) | 1;
	first_seed = seed;
	if (!dom_up(&good, "good", 0) || !dom_up(&evil, "evil", 0))
		return;
	CHECK_INT(round_trips(good.g, "before", 20), 0);
	dom_own(&evil);
	guest_set_handlers(evil.g, garbage_reply, garbage_watch, NULL, &gb);
	for (i = 0; i < GARBAGE_MSGS; i++) {
		uint32_t r = xorshift(&seed);

		hdr.type = r % 4 == 0   ? xorshift(&seed)
			   : r % 4 == 1 ? XS_TYPE_MAX + xorshift(&seed) % 4
					: xorshift(&seed) % XS_TYPE_MAX;
		hdr.req_id = GARBAGE_ID0 + i;
		hdr.tx_id = xorshift(&seed) % 4 == 0 ? xorshift(&seed) : 0;
		hdr.len = xorshift(&seed) % 8 == 0
				  ? xorshift(&seed) % (XENSTORE_PAYLOAD_MAX + 1)
				  : xorshift(&seed) % 128;
		gb.type[i] = hdr.type;
		memcpy(msg, &hdr, sizeof(hdr));
		for (j = 0; j < hdr.len; j++)
			msg[sizeof(hdr) + j] = (char)xorshift(&seed);
		CHECK(raw_all(&evil, msg, sizeof(hdr) + hdr.len));
		if (i % 30 == 0)
			CHECK_INT(round_trips(good.g, "during", 2), 0);
	}
	end = now_ms() + WAIT_MS;
	while (gb.replies < GARBAGE_MSGS && now_ms() < end)
		guest_host_run_once(L.gh, 20);
	for (i = 0; i < GARBAGE_MSGS; i++)
		answered_once += gb.answers[i] == 1;
	printf("garbage (seed %#x): %u replies (%u errors: ENOSYS %u, EINVAL "
	       "%u, EACCES "
	       "%u, ENOENT %u, other %u), %u stray, %u events\n",
	       first_seed, gb.replies, gb.errors, gb.by_err[0], gb.by_err[1],
	       gb.by_err[2], gb.by_err[3], gb.by_err[4], gb.stray, gb.events);
	CHECK_INT(answered_once, GARBAGE_MSGS);
	CHECK_INT(gb.replies, GARBAGE_MSGS);
	CHECK_INT(gb.mismatched, 0);
	CHECK_INT(gb.stray, 0);
	CHECK(gb.by_err[0] > 0 && gb.by_err[1] > 0);
	CHECK_INT(guest_xs_error(evil.g), 0);
	CHECK_INT(log_about(evil.domid), 0);
	CHECK_INT(round_trips(evil.g, "served", 6), 0);

	/* Raw random bytes: the first header's len is over 4096. */
	do {
		for (j = 0; j < 256; j++)
			msg[j] = (char)xorshift(&seed);
		memcpy(&hdr, msg, sizeof(hdr));
	} while (hdr.len <= XENSTORE_PAYLOAD_MAX);
	CHECK_INT(guest_bad_xs_raw(evil.g, msg, 256), 256);
	expect_marked(&evil, XENSTORE_ERROR_PROTO, "longer than 4096", &good);
	hostile_end(&evil, &good);
	dom_destroy(&good);
	lab_check_clean();
}

#define FLOOD_QUEUED 4000
#define QUIET_CALLS  200

struct flood {
	struct guest *g;
	bool on;
	unsigned seq, sent, replies, errors, full;
};

static void flood_send(struct flood *f)
{
	char body[64];
	int len;
	uint32_t type;

	/* 64 nodes written first, then reads and rewrites of them. */
	if (f->seq < 64 || f->seq % 2 == 0) {
		type = XS_WRITE;
		len = snprintf(body, sizeof(body), "data/f%u%c%u", f->seq % 64,
			       0, f->seq);
	} else {
		type = XS_READ;
		len = snprintf(body, sizeof(body), "data/f%u", f->seq % 64) + 1;
	}
	if (guest_xs_send(f->g, type, 0, body, (size_t)len) >= 0) {
		f->sent++;
		f->seq++;
	} else {
		f->full++;
	}
}

static void flood_reply(struct guest *g, const struct xsd_sockmsg *hdr,
			const char *body, void *arg)
{
	struct flood *f = arg;

	f->replies++;
	f->errors += hdr->type == XS_ERROR;
	if (f->on)
		flood_send(f);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void test_flood(void)
{
	static double lat[QUIET_CALLS];
	struct dom quiet, fl;
	struct flood f;
	unsigned i, before;
	double end, p99 = 0;
	int try;

	if (!dom_up(&quiet, "quiet", 0) || !dom_up(&fl, "flooder", 0))
		return;
	CHECK_INT(round_trips(quiet.g, "before", 20), 0);
	memset(&f, 0, sizeof(f));
	f.g = fl.g;
	f.on = true;
	guest_set_handlers(fl.g, flood_reply, NULL, NULL, &f);
	for (i = 0; i < FLOOD_QUEUED; i++)
		flood_send(&f);
	CHECK_INT(f.sent, FLOOD_QUEUED);
	spin(50);
	/*
	 * A loaded build machine can stall any of the three processes for a
	 * while: a second and third try before the bound counts, as unfair
	 * service would show every time.
	 */
	for (try = 0; try < 3; try++) {
		before = f.replies;
		CHECK_INT(round_trips_lat(quiet.g, "during", QUIET_CALLS, lat),
			  0);
		qsort(lat, QUIET_CALLS, sizeof(lat[0]), by_value);
		p99 = lat[QUIET_CALLS * 99 / 100 - 1];
		printf("flood: quiet p50 %.2f ms, p99 %.2f ms, max %.2f ms; "
		       "the flooder got %u replies meanwhile\n",
		       lat[QUIET_CALLS / 2], p99, lat[QUIET_CALLS - 1],
		       f.replies - before);
		CHECK(f.replies - before >= QUIET_CALLS);
		if (p99 < P99_BOUND_MS)
			break;
	}
	CHECK(p99 < P99_BOUND_MS);
	/* Stop refilling: every request it queued is answered. */
	f.on = false;
	end = now_ms() + 3 * WAIT_MS;
	while (f.replies < f.sent && now_ms() < end)
		guest_host_run_once(L.gh, 20);
	CHECK_INT(f.replies, f.sent);
	CHECK_INT(f.errors, 0);
	CHECK_INT(guest_xs_error(fl.g), 0);
	CHECK_INT(log_about(fl.domid), 0);
	CHECK_INT(round_trips(fl.g, "after", 4), 0);
	CHECK_INT(round_trips(quiet.g, "after", 20), 0);
	dom_destroy(&fl);
	dom_destroy(&quiet);
	lab_check_clean();
}

#define NOREAD_REQS 2500

static void test_noread(void)
{
	struct dom good, nr;
	struct counts c = {0, 0, 0};
	char path[64], val[80], body[160], dir[96];
	long rss0, rss1;
	unsigned i, sent = 0;
	int h1, h2, len;
	/* What may be handled: the quota, plus replies ("OK") in the ring. */
	const int most = QUOTA_OUTSTAND + XENSTORE_RING_SIZE / 19 + 2;

	if (!dom_up(&good, "good", 0) || !dom_up(&nr, "noread", 0))
		return;
	CHECK_INT(round_trips(good.g, "before", 20), 0);
	CHECK_INT(round_trips(nr.g, "before", 4), 0);
	guest_set_handlers(nr.g, count_reply, NULL, NULL, &c);
	guest_bad_xs_no_read(nr.g, true);
	rss0 = daemon_rss_kb();
	memset(val, 'n', 64);
	for (i = 0; i < NOREAD_REQS; i++) {
		/* The first 200 make a node each, to count what is handled. */
		if (i < 200)
			snprintf(path, sizeof(path), "data/nr/%u", i);
		else
			snprintf(path, sizeof(path), "data/nr/x");
		snprintf(val + 64, sizeof(val) - 64, "%u", i);
		len = snprintf(body, sizeof(body), "%s%c%s", path, 0, val);
		if (guest_xs_send(nr.g, XS_WRITE, 0, body, (size_t)len) >= 0)
			sent++;
	}
	CHECK_INT(sent, NOREAD_REQS);
	CHECK_INT(round_trips(good.g, "during", 40), 0);
	spin(300);
	snprintf(dir, sizeof(dir), "%s/data/nr", nr.home);
	h1 = children(dir);
	CHECK_INT(round_trips(good.g, "during", 40), 0);
	spin(300);
	h2 = children(dir);
	rss1 = daemon_rss_kb();
	printf("noread: %d requests handled, then none (%d later); RSS %ld "
	       "-> %ld KiB\n",
	       h1, h2, rss0, rss1);
	CHECK_INT(h2, h1);
	CHECK(h1 >= QUOTA_OUTSTAND && h1 <= most);
	CHECK_INT(c.replies, 0);
	CHECK(rss0 > 0 && rss1 - rss0 < RSS_SLACK_KB);
	CHECK_INT(guest_xs_error(nr.g), 0);
	/* It reads again: every reply comes, every write happened. */
	guest_bad_xs_no_read(nr.g, false);
	CHECK(wait_replies(&c, sent, 3 * WAIT_MS));
	CHECK_INT(c.replies, sent);
	CHECK_INT(c.errors, 0);
	CHECK_INT(children(dir), 201);
	CHECK_INT(round_trips(nr.g, "after", 4), 0);
	CHECK_INT(round_trips(good.g, "after", 20), 0);
	CHECK_INT(log_about(nr.domid), 0);
	dom_destroy(&nr);
	dom_destroy(&good);
	lab_check_clean();
}

static void test_watches(void)
{
	struct dom good, w;
	char path[32], token[32];
	int i, ok = 0;

	if (!dom_up(&good, "good", 0) || !dom_up(&w, "watcher", 0))
		return;
	CHECK_INT(round_trips(good.g, "before", 20), 0);
	for (i = 0; i < QUOTA_WATCHES; i++) {
		snprintf(path, sizeof(path), "data/w%d", i);
		snprintf(token, sizeof(token), "t%d", i);
		ok += guest_xs_watch(w.g, path, token) == 0;
		if (i % 32 == 0)
			CHECK_INT(round_trips(good.g, "during", 2), 0);
	}
	CHECK_INT(ok, QUOTA_WATCHES);
	CHECK_INT(guest_xs_watch(w.g, "data/w128", "t128"), -ENOSPC);
	CHECK_INT(guest_xs_watch(w.g, "data/w129", "t129"), -ENOSPC);
	CHECK_INT(quota_use(w.domid, "watches"), QUOTA_WATCHES);
	/* UNWATCH gives one back. */
	{
		const char *a[2] = {"data/w0", "t0"};

		CHECK_INT(gcall(w.g, XS_UNWATCH, 0, a, 2, true, NULL), 0);
	}
	CHECK_INT(guest_xs_watch(w.g, "data/w128", "t128"), 0);
	CHECK_INT(guest_xs_watch(w.g, "data/w129", "t129"), -ENOSPC);
	/* The quota is per domain: the other guest is unaffected. */
	CHECK_INT(guest_xs_watch(good.g, "data/gw", "gw"), 0);
	CHECK_INT(guest_xs_error(w.g), 0);
	CHECK_INT(round_trips(w.g, "served", 4), 0);
	CHECK_INT(round_trips(good.g, "after", 20), 0);
	dom_destroy(&w);
	dom_destroy(&good);
	lab_check_clean();
}

#define EVENT_WRITES 5000
#define TOKEN_LEN    1000

static void test_events(void)
{
	static char token[TOKEN_LEN + 1];
	struct dom good, ev;
	struct counts c = {0, 0, 0};
	const char *a[2] = {"data", token};
	char dir[96], *v = NULL;
	long rss0, rss1, rss2;
	unsigned same, distinct;
	double end;

	if (!dom_up(&good, "good", 0) || !dom_up(&ev, "eventful", 0))
		return;
	CHECK_INT(round_trips(good.g, "before", 20), 0);
	memset(token, 'k', TOKEN_LEN);
	guest_set_handlers(ev.g, NULL, count_watch, NULL, &c);
	CHECK_INT(gcall(ev.g, XS_WATCH, 0, a, 2, true, NULL), 0);
	end = now_ms() + WAIT_MS;
	while (c.events < 1 && now_ms() < end)
		guest_host_run_once(L.gh, 20);
	CHECK_INT(c.events, 1); /* the watch's first event */
	snprintf(dir, sizeof(dir), "%s/data", ev.home);

	/* One node written 5000 times: identical events coalesce. */
	c.events = 0;
	guest_bad_xs_no_read(ev.g, true);
	rss0 = daemon_rss_kb();
	CHECK_INT(xs_write_many(dir, false, EVENT_WRITES), 0);
	CHECK_INT(round_trips(good.g, "during", 20), 0);
	rss1 = daemon_rss_kb();
	guest_bad_xs_no_read(ev.g, false);
	CHECK_INT(guest_xs_read(ev.g, "data/same", &v), 0); /* after them */
	free(v);
	same = c.events;

	/* 5000 distinct nodes: the memory quota bounds what waits. */
	c.events = 0;
	guest_bad_xs_no_read(ev.g, true);
	CHECK_INT(xs_write_many(dir, true, EVENT_WRITES), 0);
	CHECK_INT(round_trips(good.g, "during", 20), 0);
	rss2 = daemon_rss_kb();
	guest_bad_xs_no_read(ev.g, false);
	v = NULL;
	CHECK_INT(guest_xs_read(ev.g, "data/same", &v), 0);
	free(v);
	distinct = c.events;
	printf("events: 5000 writes of one node -> %u events, of distinct "
	       "nodes -> %u; RSS %ld -> %ld -> %ld KiB\n",
	       same, distinct, rss0, rss1, rss2);
	CHECK(same >= 1 && same <= 8);
	CHECK(distinct >= 100 && distinct <= QUOTA_MEMORY / TOKEN_LEN + 4);
	CHECK(rss0 > 0 && rss2 - rss0 < RSS_SLACK_KB);
	CHECK_INT(guest_xs_error(ev.g), 0);
	CHECK_INT(log_about(ev.domid), 0);
	/* Served still (reads: dom0's writes used up its node quota). */
	v = NULL;
	CHECK_INT(guest_xs_read(ev.g, "data/same", &v), 0);
	CHECK_STR(v, "4999");
	free(v);
	CHECK_INT(round_trips(good.g, "after", 20), 0);
	dom_destroy(&ev);
	dom_destroy(&good);
	lab_check_clean();
}

static void test_transactions(void)
{
	struct dom good, t;
	long ids[QUOTA_TXNS], id, gid;
	char path[96], *v = NULL;
	int i, ok = 0;

	if (!dom_up(&good, "good", 0) || !dom_up(&t, "txns", 0))
		return;
	CHECK_INT(round_trips(good.g, "before", 20), 0);
	for (i = 0; i < QUOTA_TXNS; i++) {
		snprintf(path, sizeof(path), "data/tx%d", i);
		ids[i] = txn_start(t.g);
		ok += ids[i] > 0 && txn_write(t.g, ids[i], path, "v") == 0;
		CHECK_INT(round_trips(good.g, "during", 2), 0);
	}
	CHECK_INT(ok, QUOTA_TXNS);
	CHECK_INT(txn_start(t.g), -ENOSPC);
	CHECK_INT(quota_use(t.domid, "transactions"), QUOTA_TXNS);
	/* Ending one gives it back. */
	CHECK_INT(txn_end(t.g, ids[0], false), 0);
	ids[0] = txn_start(t.g);
	CHECK(ids[0] > 0);
	CHECK_INT(txn_start(t.g), -ENOSPC);
	/* The quota is per domain. */
	gid = txn_start(good.g);
	CHECK(gid > 0);
	CHECK_INT(txn_write(good.g, gid, "data/gtx", "g"), 0);
	CHECK_INT(txn_end(good.g, gid, true), 0);
	/* Nothing written in them shows. */
	snprintf(path, sizeof(path), "%s/data/tx1", t.home);
	CHECK_INT(xs_read(path, &v), -ENOENT);
	CHECK_INT(guest_xs_error(t.g), 0);
	id = txn_start(t.g);
	CHECK_INT(id, -ENOSPC);
	/* It dies with 10 open: all freed (lab_check_clean, ASan). */
	dom_destroy(&t);
	CHECK_INT(round_trips(good.g, "after", 20), 0);
	dom_destroy(&good);
	lab_check_clean();
}

static void test_die_in_txn(void)
{
	struct dom good, x;
	struct counts c = {0, 0, 0};
	char pre[96], intx[96], sub[96], *v = NULL;
	struct memrep m;
	long id, gid;
	int i;

	if (!dom_up(&good, "good", 0) || !dom_up(&x, "dier", 0))
		return;
	CHECK_INT(round_trips(good.g, "before", 20), 0);
	dom_own(&x);
	snprintf(pre, sizeof(pre), "%s/pre", x.owned);
	snprintf(intx, sizeof(intx), "%s/intx", x.owned);
	snprintf(sub, sizeof(sub), "%s/sub", x.owned);
	CHECK_INT(guest_xs_write(x.g, pre, "1"), 0);
	id = txn_start(x.g);
	CHECK(id > 0);
	CHECK_INT(txn_write(x.g, id, intx, "1"), 0);
	CHECK_INT(txn_write(x.g, id, "data/intx", "1"), 0);
	CHECK_INT(txn_write(x.g, id, pre, "changed"), 0);
	CHECK_INT(gcall(x.g, XS_MKDIR, (uint32_t)id, (const char *const[]){sub},
			1, true, NULL),
		  0);
	/* The good guest has one open too. */
	gid = txn_start(good.g);
	CHECK(gid > 0);
	CHECK_INT(txn_write(good.g, gid, "data/gtx", "g"), 0);
	/* Replies left unread when it dies. */
	guest_set_handlers(x.g, count_reply, NULL, NULL, &c);
	guest_bad_xs_no_read(x.g, true);
	for (i = 0; i < 100; i++)
		guest_xs_send(x.g, XS_READ, (uint32_t)id, "data/intx", 10);
	spin(100);
	CHECK_INT(xs_read(intx, &v), -ENOENT);
	CHECK_INT(xs_read(pre, &v), 0);
	CHECK_STR(v, "1");
	free(v);
	v = NULL;
	CHECK(memreport(&m));
	CHECK_INT(m.txns, dom0.base.txns + 2);

	dom_destroy(&x); /* with its transaction open */
	CHECK_INT(xs_read(intx, &v), -ENOENT);
	CHECK_INT(xs_read(sub, &v), -ENOENT);
	CHECK_INT(xs_read(pre, &v), -ENOENT);
	CHECK(memreport(&m));
	CHECK_INT(m.txns, dom0.base.txns + 1);
	{
		char *r = xs_control("check", NULL, NULL);

		CHECK_STR(r, "OK");
		free(r);
	}
	CHECK_INT(txn_end(good.g, gid, true), 0);
	CHECK_INT(guest_xs_read(good.g, "data/gtx", &v), 0);
	CHECK_STR(v, "g");
	free(v);
	CHECK_INT(round_trips(good.g, "after", 20), 0);
	dom_destroy(&good);
	lab_check_clean();
}

static void test_reuse(void)
{
	struct dom good, old, nu;
	char id[16], secret_perm[16], *v = NULL;
	const char *q[3] = {id, "transactions", "3"};
	struct counts c = {0, 0, 0};
	unsigned domid;
	int i, ok = 0;

	if (!dom_up(&good, "good", 0) || !dom_up(&old, "old", 0))
		return;
	domid = old.domid;
	snprintf(id, sizeof(id), "%u", domid);
	CHECK_INT(round_trips(good.g, "before", 20), 0);
	dom_own(&old);
	/* What it has: read access, its own quota, usage, unread replies. */
	snprintf(secret_perm, sizeof(secret_perm), "r%u", domid);
	CHECK_INT(xs_write("/secret", "s"), 0);
	CHECK_INT(xs_perms("/secret", "n0", secret_perm), 0);
	CHECK_INT(guest_xs_read(old.g, "/secret", &v), 0);
	CHECK_STR(v, "s");
	free(v);
	v = NULL;
	CHECK_INT(xs_callv(XS_SET_QUOTA_T, q, 3, true, NULL), 0);
	for (i = 0; i < 3; i++)
		ok += txn_start(old.g) > 0;
	CHECK_INT(ok, 3);
	CHECK_INT(txn_start(old.g), -ENOSPC);
	for (i = 0; i < 5; i++) {
		char p[16];

		snprintf(p, sizeof(p), "data/w%d", i);
		CHECK_INT(guest_xs_watch(old.g, p, p), 0);
	}
	/*
	 * Replies it does not read fill its ring; then rsp_cons jumps ahead
	 * (a stuck ring's request indexes are not looked at: nothing is read
	 * from it while its outstanding quota is used up).
	 */
	guest_set_handlers(old.g, count_reply, NULL, NULL, &c);
	guest_bad_xs_no_read(old.g, true);
	for (i = 0; i < 100; i++)
		guest_xs_send(old.g, XS_READ, 0, "name", 5);
	spin(100);
	CHECK_INT(c.replies, 0);
	old.ring->rsp_cons = old.ring->rsp_prod + 3 * XENSTORE_RING_SIZE;
	simclient_notify(L.gc, domid, old.si.store_evtchn);
	expect_marked(&old, XENSTORE_ERROR_RINGIDX, "bad response indexes",
		      &good);
	hostile_end(&old, &good);

	/* The same domid again: nothing carried over. */
	if (!dom_up(&nu, "new", domid))
		return;
	CHECK_INT(nu.domid, domid);
	CHECK_INT(guest_xs_error(nu.g), 0);
	CHECK_INT(introduced(domid), 'T');
	CHECK_INT(round_trips(nu.g, "fresh", 20), 0);
	CHECK_INT(quota_use(domid, "watches"), 0);
	CHECK_INT(quota_use(domid, "transactions"), 0);
	{
		const char *gq[2] = {id, "transactions"};

		CHECK_INT(xs_callv(XS_GET_QUOTA_T, gq, 2, true, &v), 0);
		CHECK_STR(v, "10");
		free(v);
		v = NULL;
	}
	for (ok = 0, i = 0; i < QUOTA_TXNS; i++)
		ok += txn_start(nu.g) > 0;
	CHECK_INT(ok, QUOTA_TXNS);
	CHECK_INT(txn_start(nu.g), -ENOSPC);
	CHECK_INT(guest_xs_read(nu.g, "/secret", &v), -EACCES);
	CHECK_INT(xs_read(old.owned, &v), -ENOENT);
	CHECK_INT(log_about(domid), 1); /* the old one's line only */
	CHECK_INT(round_trips(good.g, "after", 20), 0);
	CHECK_INT(xs_rm("/secret"), 0);
	dom_destroy(&nu);
	dom_destroy(&good);
	lab_check_clean();
}

/* Wait up to 2 s for the domain's watch and transaction use to be 0. */
static bool wait_unused(unsigned domid)
{
	double end = now_ms() + 2000;

	do {
		if (quota_use(domid, "watches") == 0 &&
		    quota_use(domid, "transactions") == 0)
			return true;
		spin(10);
	} while (now_ms() < end);
	return false;
}

static void test_ignored_sheds(void)
{
	static char token[TOKEN_LEN + 1];
	const char *a[2] = {"data", token};
	struct dom good, idx, big;
	struct dom *bad[2] = {&idx, &big};
	struct memrep m;
	char dir[96];
	int i;

	if (!dom_up(&good, "good", 0) || !dom_up(&idx, "badindex", 0) ||
	    !dom_up(&big, "oversized", 0))
		return;
	CHECK_INT(round_trips(good.g, "before", 20), 0);
	memset(token, 'k', TOKEN_LEN);
	for (i = 0; i < 2; i++) {
		CHECK_INT(gcall(bad[i]->g, XS_WATCH, 0, a, 2, true, NULL), 0);
		CHECK(txn_start(bad[i]->g) > 0);
		CHECK(txn_start(bad[i]->g) > 0);
		CHECK_INT(quota_use(bad[i]->domid, "watches"), 1);
		CHECK_INT(quota_use(bad[i]->domid, "transactions"), 2);
	}
	guest_bad_xs_index(idx.g);
	expect_marked(&idx, XENSTORE_ERROR_RINGIDX, "bad request indexes",
		      &good);
	CHECK(guest_bad_xs_oversized(big.g) > 0);
	expect_marked(&big, XENSTORE_ERROR_PROTO, "longer than 4096", &good);
	/* They hold nothing now: no watch fires for them, no transaction. */
	for (i = 0; i < 2; i++) {
		CHECK(wait_unused(bad[i]->domid));
		CHECK_INT(quota_use(bad[i]->domid, "watches"), 0);
		CHECK_INT(quota_use(bad[i]->domid, "transactions"), 0);
	}
	CHECK(memreport(&m));
	CHECK_INT(m.watches, dom0.base.watches);
	CHECK_INT(m.txns, dom0.base.txns);
	/* Writes where they watched: nothing queued for them, all fine. */
	snprintf(dir, sizeof(dir), "%s/data", idx.home);
	CHECK_INT(xs_write_many(dir, true, 300), 0);
	CHECK_INT(introduced(idx.domid), 'T');
	CHECK_INT(introduced(big.domid), 'T');
	hostile_end(&idx, &good);
	hostile_end(&big, &good);
	dom_destroy(&good);
	lab_check_clean();
}

#define BIG_VALUE 1900 /* under node-size (2048) with its perms */

/* Send a request, waiting for replies now and then (the ring is small). */
static void send_paced(struct dom *d, struct counts *c, unsigned *sent,
		       uint32_t type, uint32_t tx, const char *body, size_t len)
{
	if (guest_xs_send(d->g, type, tx, body, len) >= 0)
		(*sent)++;
	if (*sent % 64 == 0)
		wait_replies(c, *sent, WAIT_MS);
}

static void test_txn_memory(void)
{
	static char body[64 + BIG_VALUE];
	struct dom good, w, r;
	struct counts cw = {0, 0, 0}, cr = {0, 0, 0};
	unsigned sent = 0, rsent = 0, accepted;
	long id, rss0, rss1;
	int k, i, len;

	if (!dom_up(&good, "good", 0) || !dom_up(&w, "txwriter", 0) ||
	    !dom_up(&r, "txreader", 0))
		return;
	CHECK_INT(round_trips(good.g, "before", 20), 0);
	/*
	 * Writes: 10 transactions, each making 940 nodes of 1900 bytes
	 * (30 to a directory: the parents' node-size allows that), 17 MiB
	 * in all if nothing stops them.
	 */
	guest_set_handlers(w.g, count_reply, NULL, NULL, &cw);
	for (k = 0; k < QUOTA_TXNS; k++) {
		id = txn_start(w.g);
		CHECK(id > 0);
		for (i = 0; i < 940 && id > 0; i++) {
			len = snprintf(body, 64, "data/m%d/%d/%d", k, i / 30,
				       i) +
			      1;
			memset(body + len, 'm', BIG_VALUE);
			send_paced(&w, &cw, &sent, XS_WRITE, (uint32_t)id, body,
				   (size_t)len + BIG_VALUE);
		}
		CHECK_INT(round_trips(good.g, "during", 2), 0);
	}
	CHECK(wait_replies(&cw, sent, WAIT_MS));
	accepted = cw.replies - cw.errors;
	printf("txn_memory: %u of %u writes of %d bytes in open "
	       "transactions accepted (%.1f MiB; the memory quota is %.1f "
	       "MiB)\n",
	       accepted, sent, BIG_VALUE,
	       accepted * (double)BIG_VALUE / 1048576,
	       QUOTA_MEMORY / 1048576.0);
	CHECK((double)accepted * BIG_VALUE <= QUOTA_MEMORY + 65536);

	/*
	 * Reads: 900 nodes of 1900 bytes, within the quota, each read in
	 * all 10 transactions.  Only the daemon's RSS can tell what that
	 * holds (not under ASan: its quarantine keeps every freed reply).
	 */
	guest_set_handlers(r.g, count_reply, NULL, NULL, &cr);
	for (i = 0; i < 900; i++) {
		len = snprintf(body, 64, "data/r/%d/%d", i / 30, i) + 1;
		memset(body + len, 'r', BIG_VALUE);
		send_paced(&r, &cr, &rsent, XS_WRITE, 0, body,
			   (size_t)len + BIG_VALUE);
	}
	CHECK(wait_replies(&cr, rsent, WAIT_MS));
	CHECK_INT(cr.errors, 0);
	rss0 = daemon_rss_kb();
	for (k = 0; k < QUOTA_TXNS; k++) {
		id = txn_start(r.g);
		CHECK(id > 0);
		for (i = 0; i < 900 && id > 0; i++) {
			len = snprintf(body, 64, "data/r/%d/%d", i / 30, i) + 1;
			send_paced(&r, &cr, &rsent, XS_READ, (uint32_t)id, body,
				   (size_t)len);
		}
	}
	CHECK(wait_replies(&cr, rsent, WAIT_MS));
	rss1 = daemon_rss_kb();
	printf("txn_memory: reading 1.6 MiB in 10 transactions: RSS %ld -> "
	       "%ld KiB\n",
	       rss0, rss1);
#ifndef ASAN_BUILD
	CHECK(rss0 > 0 && rss1 - rss0 < 2 * QUOTA_MEMORY / 1024 + 8192);
#endif
	CHECK_INT(guest_xs_error(w.g), 0);
	CHECK_INT(guest_xs_error(r.g), 0);
	CHECK_INT(round_trips(good.g, "after", 20), 0);
	dom_destroy(&w);
	dom_destroy(&r);
	dom_destroy(&good);
	lab_check_clean();
}

#define FLOODERS    40
#define MANY_QUEUED 200

static void test_flood_many(void)
{
	static double lat[QUIET_CALLS];
	static struct dom fl[FLOODERS];
	static struct flood f[FLOODERS];
	struct dom quiet;
	unsigned i, k, before[FLOODERS], starved;
	double end, p99 = 0;
	int try;
	bool done;

	if (!dom_up(&quiet, "quiet", 0))
		return;
	for (k = 0; k < FLOODERS; k++)
		if (!dom_up(&fl[k], "flooder", 0))
			return;
	CHECK_INT(round_trips(quiet.g, "before", 20), 0);
	memset(f, 0, sizeof(f));
	for (k = 0; k < FLOODERS; k++) {
		f[k].g = fl[k].g;
		f[k].on = true;
		guest_set_handlers(fl[k].g, flood_reply, NULL, NULL, &f[k]);
		for (i = 0; i < MANY_QUEUED; i++)
			flood_send(&f[k]);
		CHECK_INT(f[k].sent, MANY_QUEUED);
	}
	spin(50);
	for (try = 0; try < 3; try++) {
		for (k = 0; k < FLOODERS; k++)
			before[k] = f[k].replies;
		CHECK_INT(round_trips_lat(quiet.g, "during", QUIET_CALLS, lat),
			  0);
		qsort(lat, QUIET_CALLS, sizeof(lat[0]), by_value);
		p99 = lat[QUIET_CALLS * 99 / 100 - 1];
		for (k = starved = 0; k < FLOODERS; k++)
			starved += f[k].replies == before[k];
		printf("flood_many: quiet p50 %.2f ms, p99 %.2f ms, max %.2f "
		       "ms; %u of %u flooders got no reply meanwhile\n",
		       lat[QUIET_CALLS / 2], p99, lat[QUIET_CALLS - 1], starved,
		       FLOODERS);
		CHECK_INT(starved, 0);
		if (p99 < P99_BOUND_MS)
			break;
	}
	CHECK(p99 < P99_BOUND_MS);
	for (k = 0; k < FLOODERS; k++)
		f[k].on = false;
	end = now_ms() + 3 * WAIT_MS;
	do {
		guest_host_run_once(L.gh, 20);
		for (k = 0, done = true; k < FLOODERS; k++)
			done &= f[k].replies == f[k].sent;
	} while (!done && now_ms() < end);
	for (k = 0; k < FLOODERS; k++) {
		CHECK_INT(f[k].replies, f[k].sent);
		CHECK_INT(f[k].errors, 0);
		CHECK_INT(guest_xs_error(fl[k].g), 0);
	}
	CHECK_INT(round_trips(quiet.g, "after", 20), 0);
	for (k = 0; k < FLOODERS; k++)
		dom_destroy(&fl[k]);
	dom_destroy(&quiet);
	lab_check_clean();
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{"req_index", test_req_index},   {"rsp_index", test_rsp_index},
	{"oversized", test_oversized},   {"garbage", test_garbage},
	{"flood", test_flood},           {"flood_many", test_flood_many},
	{"noread", test_noread},         {"watches", test_watches},
	{"events", test_events},         {"transactions", test_transactions},
	{"txn_memory", test_txn_memory}, {"die_in_txn", test_die_in_txn},
	{"reuse", test_reuse},           {"ignored_sheds", test_ignored_sheds},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static void on_alarm(int sig)
{
	static const char msg[] = "test_hostile: case timed out\n";

	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(1); /* the children die with us (PR_SET_PDEATHSIG) */
}

static int run(size_t i)
{
	int before = check_failures;
	double t0 = now_ms();

	alarm(CASE_SECONDS);
	if (lab_up(NULL))
		cases[i].fn();
	else
		CHECK(!"the lab did not come up");
	lab_down();
	alarm(0);
	printf("%s %s (%.1f s)\n", check_failures == before ? "ok  " : "FAIL",
	       cases[i].name, (now_ms() - t0) / 1e3);
	fflush(stdout);
	return check_failures == before ? 0 : 1;
}

int main(int argc, char **argv)
{
	size_t i;
	int a;

	if (argc < 4) {
		fprintf(stderr, "usage: test_hostile XENSIM XENSIM_XL XENBACKD "
				"[CASE...]\n");
		return 2;
	}
	exe_sim = argv[1];
	exe_xl = argv[2];
	exe_xbd = argv[3];
	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4) {
		for (i = 0; i < NCASES; i++)
			run(i);
		return CHECK_DONE();
	}
	for (a = 4; a < argc; a++) {
		for (i = 0; i < NCASES; i++)
			if (strcmp(argv[a], cases[i].name) == 0)
				break;
		if (i == NCASES) {
			fprintf(stderr, "no case %s\n", argv[a]);
			return 2;
		}
		run(i);
	}
	return CHECK_DONE();
}
