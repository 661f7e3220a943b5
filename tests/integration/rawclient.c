/*
 * rawclient.c: speaks the XenStore wire protocol over a plain AF_UNIX
 * socket, without libxenstore, so it can send what no library would:
 * malformed payloads, unknown types, bogus transaction ids, broken framing,
 * floods.  Every reply must copy req_id and tx_id from its request and
 * carry the exact payload (error replies are "E<NAME>\0").  A second
 * connection checks after each abuse that the daemon still serves others.
 *
 * Usage: rawclient GROUP...   groups: errors framing flood watches
 * XENSTORED_PATH names the socket; DAEMON_PID (set by lib.sh) lets the
 * flood check the daemon's memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

#define PAYLOAD_MAX 4096
#define HDR_SIZE    ((uint32_t)sizeof(struct xsd_sockmsg))
#define REPLY_MS    5000
#define GEN_MAX     32 /* room for a DIRECTORY_PART generation */

/* A payload given as a string literal, embedded NULs included. */
#define L(s) s, sizeof(s) - 1
/* A payload given as pointer and length, as one macro argument. */
#define BUF(p, n) p, n

struct msg {
	struct xsd_sockmsg hdr;
	char body[PAYLOAD_MAX + 1]; /* NUL added after the payload */
};

static int n_pass, n_fail;
static const char *group = "-";
static uint32_t next_req = 0x100;

static bool check_at(int line, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool check_at(int line, bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		n_pass++;
		return true;
	}
	n_fail++;
	fprintf(stderr, "FAIL [%s] rawclient.c:%d: ", group, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return false;
}

#define CHECK(ok, ...) check_at(__LINE__, (ok), __VA_ARGS__)

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static int conn_open(void)
{
	const char *path = getenv("XENSTORED_PATH");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (!path || strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr,
			"rawclient: XENSTORED_PATH unset or too long\n");
		exit(2);
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "rawclient: connect %s: %s\n", path,
			strerror(errno));
		exit(2);
	}
	return fd;
}

/*
 * Send all len bytes of buf (out), or receive them within ms; 0,
 * -ETIMEDOUT, -EPIPE at EOF, or -errno.
 */
static int io_full(int fd, void *buf, size_t len, bool out, int ms)
{
	long end = now_ms() + ms;
	char *p = buf;

	while (len) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long left = end - now_ms();
		ssize_t n;

		if (!out && (left <= 0 || poll(&pfd, 1, (int)left) == 0))
			return -ETIMEDOUT;
		n = out ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (n == 0 && !out)
			return -EPIPE;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_all(int fd, void *buf, size_t len)
{
	return io_full(fd, buf, len, true, 0);
}

static int recv_full(int fd, void *buf, size_t len, int ms)
{
	return io_full(fd, buf, len, false, ms);
}

/*
 * Lay out a message at buf: a header announcing len payload bytes, then
 * the plen bytes at p (fewer or more than len for broken framing).
 * Returns the size laid out.
 */
static size_t put_msg(char *buf, uint32_t type, uint32_t req, uint32_t tx,
		      uint32_t len, const void *p, size_t plen)
{
	struct xsd_sockmsg h = {type, req, tx, len};

	memcpy(buf, &h, HDR_SIZE);
	if (plen)
		memcpy(buf + HDR_SIZE, p, plen);
	return HDR_SIZE + plen;
}

static int send_req(int fd, uint32_t type, uint32_t req, uint32_t tx,
		    const void *p, uint32_t len)
{
	char buf[HDR_SIZE + PAYLOAD_MAX + 64];

	if (len > sizeof(buf) - HDR_SIZE)
		return -E2BIG;
	return send_all(fd, buf, put_msg(buf, type, req, tx, len, p, len));
}

/* Read one message; 0 or -errno (-EPROTO for an oversized reply). */
static int recv_msg(int fd, struct msg *m, int ms)
{
	int r = recv_full(fd, &m->hdr, HDR_SIZE, ms);

	if (r)
		return r;
	if (m->hdr.len > PAYLOAD_MAX)
		return -EPROTO;
	r = recv_full(fd, m->body, m->hdr.len, ms);
	m->body[r ? 0 : m->hdr.len] = 0;
	return r;
}

/* Read the next message that is not a watch event. */
static int recv_reply(int fd, struct msg *m, int ms)
{
	int r;

	while (!(r = recv_msg(fd, m, ms)) && m->hdr.type == XS_WATCH_EVENT)
		;
	return r;
}

static const char *type_name(uint32_t t)
{
	static const char *names[] = {
		"CONTROL",
		"DIRECTORY",
		"READ",
		"GET_PERMS",
		"WATCH",
		"UNWATCH",
		"TRANSACTION_START",
		"TRANSACTION_END",
		"INTRODUCE",
		"RELEASE",
		"GET_DOMAIN_PATH",
		"WRITE",
		"MKDIR",
		"RM",
		"SET_PERMS",
		"WATCH_EVENT",
		"ERROR",
		"IS_DOMAIN_INTRODUCED",
		"RESUME",
		"SET_TARGET",
		"RESTRICT",
		"RESET_WATCHES",
		"DIRECTORY_PART",
	};
	static char buf[16];

	if (t < sizeof(names) / sizeof(names[0]))
		return names[t];
	snprintf(buf, sizeof(buf), "type %u", t);
	return buf;
}

/* Printable form of a payload for messages. */
static const char *show(const char *p, size_t len)
{
	static char buf[4][200];
	static int k;
	char *b = buf[k++ & 3];
	size_t i, o = 0;

	for (i = 0; i < len && o < sizeof(buf[0]) - 8; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == 0)
			o += (size_t)sprintf(b + o, "\\0");
		else if (c < ' ' || c > '~')
			o += (size_t)sprintf(b + o, "\\x%02x", c);
		else
			b[o++] = (char)c;
	}
	if (i < len)
		o += (size_t)sprintf(b + o, "...");
	b[o] = 0;
	return b;
}

/*
 * Send a request and check its reply: type want_type (the request's own
 * type, or XS_ERROR), req_id and tx_id copied, payload exactly want.
 * Returns true when everything matched; the reply is left in *out.
 */
static bool xfer_at(int line, int fd, uint32_t type, uint32_t tx, const char *p,
		    uint32_t plen, uint32_t want_type, const char *want,
		    uint32_t wlen, struct msg *out, const char *what)
{
	static struct msg scratch;
	struct msg *m = out ? out : &scratch;
	uint32_t req = next_req;
	int r;

	next_req += 7919;
	r = send_req(fd, type, req, tx, p, plen);
	if (!check_at(line, r == 0, "%s: send %s: %s", what, type_name(type),
		      strerror(-r)))
		return false;
	r = recv_reply(fd, m, REPLY_MS);
	if (!check_at(line, r == 0, "%s: no reply to %s(%s): %s", what,
		      type_name(type), show(p, plen),
		      r == -EPIPE ? "connection closed" : strerror(-r)))
		return false;
	if (!check_at(line, m->hdr.req_id == req && m->hdr.tx_id == tx,
		      "%s: reply ids req %u tx %u, want req %u tx %u", what,
		      m->hdr.req_id, m->hdr.tx_id, req, tx))
		return false;
	if (!want)
		return true;
	return check_at(line,
			m->hdr.type == want_type && m->hdr.len == wlen &&
				!memcmp(m->body, want, wlen),
			"%s: %s(%s) got %s(%s), want %s(%s)", what,
			type_name(type), show(p, plen), type_name(m->hdr.type),
			show(m->body, m->hdr.len), type_name(want_type),
			show(want, wlen));
}

/* Expect a successful reply with exactly this payload. */
#define OKAY(fd, type, tx, P, W, what)                                         \
	xfer_at(__LINE__, fd, type, tx, P, type, W, NULL, what)
/* Expect an error reply "ENAME\0". */
#define FAILS(fd, type, tx, P, ename, what)                                    \
	xfer_at(__LINE__, fd, type, tx, P, XS_ERROR, ename, sizeof(ename),     \
		NULL, what)
/* Expect any reply with the right ids; it is left in *out. */
#define REPLY(fd, type, tx, P, out, what)                                      \
	xfer_at(__LINE__, fd, type, tx, P, type, NULL, 0, out, what)

/* A request sent with xfer_at and the exact reply it must get. */
struct xcase {
	int line;
	uint32_t type, tx; /* tx TX_OPEN: the transaction under test */
	const char *p;
	uint32_t plen, want_type;
	const char *want;
	uint32_t wlen;
	const char *what;
};

#define TX_OPEN UINT32_MAX
/* Table rows: like OKAY and FAILS without the connection. */
#define C_OK(type, tx, P, W, what)                                             \
	{                                                                      \
		__LINE__, type, tx, P, type, W, what                           \
	}
#define C_ERR(type, tx, P, ename, what)                                        \
	{                                                                      \
		__LINE__, type, tx, P, XS_ERROR, ename, sizeof(ename), what    \
	}

static void run_cases(int fd, uint32_t tx, const struct xcase *c, size_t n)
{
	for (; n--; c++)
		xfer_at(c->line, fd, c->type, c->tx == TX_OPEN ? tx : c->tx,
			c->p, c->plen, c->want_type, c->want, c->wlen, NULL,
			c->what);
}

#define RUN_CASES(fd, tx, cases)                                               \
	run_cases(fd, tx, cases, sizeof(cases) / sizeof(cases[0]))

/* The other connection still gets answers. */
static void ping_at(int line, int fd, const char *what)
{
	xfer_at(line, fd, XS_GET_DOMAIN_PATH, 0, L("3\0"), XS_GET_DOMAIN_PATH,
		L("/local/domain/3\0"), NULL, what);
}

#define PING(fd, what) ping_at(__LINE__, fd, what)

/* The connection was closed by the daemon (EOF or reset), no reply. */
static void closed_at(int line, int fd, const char *what)
{
	struct msg m;
	int r = recv_msg(fd, &m, REPLY_MS);

	if (r == 0)
		check_at(line, false, "%s: got %s(%s), want a disconnect", what,
			 type_name(m.hdr.type), show(m.body, m.hdr.len));
	else
		check_at(line, r == -EPIPE || r == -ECONNRESET,
			 "%s: want a disconnect, got %s", what,
			 r == -ETIMEDOUT ? "silence" : strerror(-r));
}

#define CLOSED(fd, what) closed_at(__LINE__, fd, what)

/*
 * Send n bytes of a broken message on a new connection and close it (once
 * the daemon has closed it, with closed): other still gets answers.
 */
static void abuse_at(int line, int other, void *buf, size_t n, bool closed,
		     const char *what)
{
	int fd = conn_open();
	char after[128];

	send_all(fd, buf, n);
	if (closed)
		closed_at(line, fd, what);
	close(fd);
	snprintf(after, sizeof(after), "after %s", what);
	ping_at(line, other, after);
}

#define ABUSE(other, buf, n, closed, what)                                     \
	abuse_at(__LINE__, other, buf, n, closed, what)

/* Build "path\0value" (value may hold NULs) into buf; returns the length. */
static uint32_t path_val(char *buf, const char *path, const char *val,
			 size_t vlen)
{
	size_t pl = strlen(path) + 1;

	memcpy(buf, path, pl);
	memcpy(buf + pl, val, vlen);
	return (uint32_t)(pl + vlen);
}

static void write_node(int fd, const char *path, const char *val)
{
	char buf[PAYLOAD_MAX];
	uint32_t n = path_val(buf, path, val, strlen(val));

	OKAY(fd, XS_WRITE, 0, BUF(buf, n), L("OK\0"), path);
}

/* Start a transaction; returns its id (0 on failure). */
static uint32_t tx_start(int fd)
{
	struct msg m;
	unsigned long id = 0;
	char *end;

	if (REPLY(fd, XS_TRANSACTION_START, 0, L("\0"), &m,
		  "transaction start") &&
	    CHECK(m.hdr.type == XS_TRANSACTION_START && m.hdr.len >= 2 &&
			  m.body[m.hdr.len - 1] == 0,
		  "transaction start reply %s(%s)", type_name(m.hdr.type),
		  show(m.body, m.hdr.len))) {
		id = strtoul(m.body, &end, 10);
		CHECK(*end == 0 && id > 0 && id <= UINT32_MAX,
		      "transaction id '%s' is a non-zero decimal", m.body);
	}
	return (uint32_t)id;
}

/*
 * The next message on fd must be a watch event whose payload starts with
 * the wlen bytes of want; with whole, exactly those, with ids 0.
 */
static void event_at(int line, int fd, const char *want, uint32_t wlen,
		     bool whole, const char *what)
{
	struct msg m;
	int r = recv_msg(fd, &m, REPLY_MS);

	if (r) {
		check_at(line, false, "%s: no watch event: %s", what,
			 r == -ETIMEDOUT ? "silence" : strerror(-r));
		return;
	}
	check_at(line,
		 m.hdr.type == XS_WATCH_EVENT && !memcmp(m.body, want, wlen) &&
			 (!whole || (m.hdr.len == wlen && m.hdr.req_id == 0 &&
				     m.hdr.tx_id == 0)),
		 "%s: %s(%s) req %u tx %u, want WATCH_EVENT(%s)", what,
		 type_name(m.hdr.type), show(m.body, m.hdr.len), m.hdr.req_id,
		 m.hdr.tx_id, show(want, wlen));
}

/* Exactly this event, with ids 0. */
#define EVENT(fd, W, what) event_at(__LINE__, fd, W, true, what)
/* An event whose payload starts with these bytes. */
#define EVENT_PREFIX(fd, W, what) event_at(__LINE__, fd, W, false, what)

/*
 * DIRECTORY_PART of path from offset off: any reply with the right ids,
 * left in *m; a successful one's generation is copied to gen (if gen).
 */
static bool dir_part_at(int line, int fd, const char *path, unsigned off,
			struct msg *m, char gen[GEN_MAX], const char *what)
{
	char req[PAYLOAD_MAX];
	int rl = snprintf(req, sizeof(req), "%s%c%u", path, 0, off) + 1;

	if (!xfer_at(line, fd, XS_DIRECTORY_PART, 0, req, (uint32_t)rl,
		     XS_DIRECTORY_PART, NULL, 0, m, what))
		return false;
	if (gen)
		snprintf(gen, GEN_MAX, "%.*s", GEN_MAX - 1, m->body);
	return true;
}

#define DIR_PART(fd, path, off, m, gen, what)                                  \
	dir_part_at(__LINE__, fd, path, off, m, gen, what)

/* ---- errors: one bad request after another, each with its exact error */

static void group_errors(void)
{
	/* Payload framing inside a message, then bad paths. */
	static const struct xcase malformed[] = {
		C_ERR(XS_READ, 0, L("/test"), "EINVAL", "READ without its NUL"),
		C_ERR(XS_READ, 0, L(""), "EINVAL", "READ with no payload"),
		C_ERR(XS_READ, 0, L("\0"), "EINVAL", "READ of the empty path"),
		C_ERR(XS_READ, 0, L("/test\0xxx\0"), "EINVAL",
		      "READ with two arguments"),
		C_ERR(XS_WRITE, 0, L("/raw/nv2"), "EINVAL",
		      "WRITE without any NUL"),
		C_ERR(XS_WRITE, 0, L(""), "EINVAL", "WRITE with no payload"),
		C_ERR(XS_READ, 0, L("/raw/nv2\0"), "ENOENT",
		      "the bad WRITE created nothing"),
		C_OK(XS_WRITE, 0, L("/raw/nv\0"), L("OK\0"),
		     "WRITE with no value part"),
		C_OK(XS_READ, 0, L("/raw/nv\0"), L(""),
		     "a value-less WRITE stores an empty value"),
		C_OK(XS_WRITE, 0, L("/raw/bin\0a\0b\0"), L("OK\0"),
		     "WRITE of a value with NULs"),
		C_OK(XS_READ, 0, L("/raw/bin\0"), L("a\0b\0"),
		     "binary value comes back whole, no NUL added"),

		C_ERR(XS_READ, 0, L("/a b\0"), "EINVAL", "space in a path"),
		C_ERR(XS_READ, 0, L("/a//b\0"), "EINVAL", "double slash"),
		C_ERR(XS_READ, 0, L("/a/\0"), "EINVAL", "trailing slash"),
		C_ERR(XS_READ, 0, L("a b\0"), "EINVAL", "space, relative path"),
		C_ERR(XS_READ, 0, L("/a\tb\0"), "EINVAL", "tab in a path"),
		C_ERR(XS_READ, 0, L("/a\xc3\xa9\0"), "EINVAL",
		      "UTF-8 in a path"),
		C_ERR(XS_WRITE, 0, L("/a b\0v"), "EINVAL",
		      "WRITE to a bad path"),
		C_ERR(XS_MKDIR, 0, L("/a//b\0"), "EINVAL",
		      "MKDIR of a bad path"),
		C_ERR(XS_RM, 0, L("/a/\0"), "EINVAL", "RM of a bad path"),
		C_ERR(XS_DIRECTORY, 0, L("//\0"), "EINVAL",
		      "DIRECTORY of a bad path"),
	};
	/* Transaction ids, before and then inside a transaction. */
	static const struct xcase bad_tx[] = {
		C_ERR(XS_READ, 12345, L("/raw/nv\0"), "ENOENT",
		      "READ with an unknown tx id"),
		C_ERR(XS_WRITE, 12345, L("/raw/x\0v"), "ENOENT",
		      "WRITE with an unknown tx id"),
		C_ERR(XS_TRANSACTION_START, 777, L("\0"), "ENOENT",
		      "TRANSACTION_START with an unknown tx id"),
		C_ERR(XS_TRANSACTION_END, 0, L("T\0"), "ENOENT",
		      "TRANSACTION_END outside a transaction"),
		C_ERR(XS_TRANSACTION_END, 0, L("X\0"), "EINVAL",
		      "TRANSACTION_END with X"),
		C_OK(XS_WATCH, 4242, L("/raw/w\0tok\0"), L("OK\0"),
		     "WATCH ignores the tx id"),
		C_OK(XS_UNWATCH, 4242, L("/raw/w\0tok\0"), L("OK\0"),
		     "UNWATCH ignores the tx id"),
	};
	static const struct xcase in_tx[] = {
		C_ERR(XS_TRANSACTION_START, TX_OPEN, L("\0"), "EBUSY",
		      "TRANSACTION_START inside a transaction"),
		C_ERR(XS_TRANSACTION_END, TX_OPEN, L("X\0"), "EINVAL",
		      "TRANSACTION_END with X inside a transaction"),
		C_ERR(XS_TRANSACTION_END, TX_OPEN, L("T"), "EINVAL",
		      "TRANSACTION_END without its NUL"),
		C_OK(XS_WRITE, TX_OPEN, L("/raw/txnode\0v"), L("OK\0"),
		     "WRITE in tx"),
		C_OK(XS_READ, TX_OPEN, L("/raw/txnode\0"), L("v"),
		     "READ in tx"),
		C_ERR(XS_READ, 0, L("/raw/txnode\0"), "ENOENT",
		      "READ outside the tx"),
	};
	/* The transaction's end, then nodes, watches and domains. */
	static const struct xcase after_tx[] = {
		C_OK(XS_TRANSACTION_END, TX_OPEN, L("T\0"), L("OK\0"),
		     "commit"),
		C_OK(XS_READ, 0, L("/raw/txnode\0"), L("v"),
		     "READ after commit"),
		C_ERR(XS_TRANSACTION_END, TX_OPEN, L("T\0"), "ENOENT",
		      "second commit of the same tx"),
		C_ERR(XS_READ, TX_OPEN, L("/raw/txnode\0"), "ENOENT",
		      "READ with an ended tx id"),

		C_OK(XS_MKDIR, 0, L("/raw/md\0"), L("OK\0"), "MKDIR"),
		C_OK(XS_MKDIR, 0, L("/raw/md\0"), L("OK\0"),
		     "MKDIR of an existing node"),
		C_OK(XS_DIRECTORY, 0, L("/raw/md\0"), L(""),
		     "DIRECTORY of a leaf"),
		C_ERR(XS_DIRECTORY, 0, L("/raw/missing\0"), "ENOENT",
		      "DIRECTORY of a missing node"),
		C_OK(XS_DIRECTORY, 0, L("/raw\0"), L("nv\0bin\0txnode\0md\0"),
		     "DIRECTORY in creation order"),
		C_ERR(XS_RM, 0, L("/\0"), "EINVAL", "RM of /"),
		C_OK(XS_RM, 0, L("/raw/missing\0"), L("OK\0"),
		     "RM of a missing node whose parent exists"),
		C_ERR(XS_RM, 0, L("/raw/none/missing\0"), "ENOENT",
		      "RM of a node whose parent is missing"),
		C_OK(XS_GET_PERMS, 0, L("/\0"), L("n0\0"), "GET_PERMS of /"),
		C_ERR(XS_GET_PERMS, 0, L("/raw/missing\0"), "ENOENT",
		      "GET_PERMS of a missing node"),
		C_ERR(XS_SET_PERMS, 0, L("/raw/nv\0x5\0"), "EINVAL",
		      "SET_PERMS with letter x"),
		C_ERR(XS_SET_PERMS, 0, L("/raw/nv\0r\0"), "EINVAL",
		      "SET_PERMS without a domid"),
		C_ERR(XS_SET_PERMS, 0, L("/raw/nv\0r5x\0"), "EINVAL",
		      "SET_PERMS with junk after the domid"),
		C_ERR(XS_SET_PERMS, 0, L("/raw/nv\0"), "EINVAL",
		      "SET_PERMS without permissions"),
		C_OK(XS_GET_PERMS, 0, L("/raw/nv\0"), L("n0\0"),
		     "failed SET_PERMS changed nothing"),
		C_OK(XS_SET_PERMS, 0, L("/raw/nv\0n0\0r5\0"), L("OK\0"),
		     "SET_PERMS"),
		C_OK(XS_GET_PERMS, 0, L("/raw/nv\0"), L("n0\0r5\0"),
		     "GET_PERMS"),

		C_ERR(XS_WATCH, 0, L("/raw/w\0"), "EINVAL",
		      "WATCH without a token"),
		C_ERR(XS_WATCH, 0, L("/raw//w\0t\0"), "EINVAL",
		      "WATCH of a bad path"),
		C_ERR(XS_UNWATCH, 0, L("/raw/none\0tok\0"), "ENOENT",
		      "UNWATCH of an unknown watch"),

		/* Socket clients are privileged. */
		C_OK(XS_GET_DOMAIN_PATH, 0, L("7\0"), L("/local/domain/7\0"),
		     "GET_DOMAIN_PATH"),
		C_ERR(XS_GET_DOMAIN_PATH, 0, L(""), "EINVAL",
		      "GET_DOMAIN_PATH with no payload"),
		C_OK(XS_IS_DOMAIN_INTRODUCED, 0, L("4321\0"), L("F\0"),
		     "IS_DOMAIN_INTRODUCED of an unknown domain"),
		C_ERR(XS_INTRODUCE, 0, L("5\0"), "EINVAL",
		      "INTRODUCE without mfn and port"),
		C_ERR(XS_INTRODUCE, 0,
		      L("5\0"
			"0\0"
			"0\0"),
		      "EINVAL", "INTRODUCE with port 0"),
		C_OK(XS_IS_DOMAIN_INTRODUCED, 0, L("5\0"), L("F\0"),
		     "failed INTRODUCE"),
		C_ERR(XS_RELEASE, 0, L("0\0"), "EINVAL", "RELEASE of domain 0"),
		C_ERR(XS_RELEASE, 0, L("4321\0"), "ENOENT",
		      "RELEASE of an unknown domain"),
		C_ERR(XS_RESUME, 0, L("4321\0"), "ENOENT",
		      "RESUME of an unknown domain"),
		C_ERR(XS_SET_TARGET, 0,
		      L("4321\0"
			"4322\0"),
		      "ENOENT", "SET_TARGET of unknown domains"),
		C_ERR(XS_CONTROL, 0, L("no-such-command\0"), "EINVAL",
		      "unknown CONTROL command"),
		C_ERR(XS_CONTROL, 0, L(""), "EINVAL",
		      "CONTROL with no payload"),

		/* The connection that misbehaved still works. */
		C_OK(XS_READ, 0, L("/raw/nv\0"), L(""),
		     "bad requests do not break the connection"),
	};
	static const uint32_t unknown[] = {
		20, 27, 99, 1000, 65535, XS_WATCH_EVENT, XS_ERROR};
	int fd = conn_open(), other = conn_open();
	char buf[PAYLOAD_MAX + 16];
	uint32_t tx, n;
	size_t i;

	PING(other, "second connection");
	RUN_CASES(fd, 0, malformed);
	buf[0] = '/';
	memset(buf + 1, 'a', 3100);
	buf[3101] = 0;
	FAILS(fd, XS_READ, 0, BUF(buf, 3102), "EINVAL",
	      "READ of a 3101-char path");
	n = path_val(buf, buf, "v", 1);
	FAILS(fd, XS_WRITE, 0, BUF(buf, n), "EINVAL",
	      "WRITE to a 3101-char path");

	/* Unknown and server-only message types. */
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		snprintf(buf, sizeof(buf), "message type %u", unknown[i]);
		FAILS(fd, unknown[i], 0, L("/\0"), "ENOSYS", buf);
	}

	RUN_CASES(fd, 0, bad_tx);
	tx = tx_start(fd);
	RUN_CASES(fd, tx, in_tx);
	FAILS(other, XS_READ, tx, L("/raw/txnode\0"), "ENOENT",
	      "another connection cannot use the tx id");
	RUN_CASES(fd, tx, after_tx);
	PING(other, "second connection after the bad requests");
	close(fd);
	close(other);
}

/* ---- framing: partial, split, pipelined and oversized messages ---- */

static void group_framing(void)
{
	int other = conn_open(), fd, i;
	char buf[2 * (HDR_SIZE + 32)], big[HDR_SIZE + PAYLOAD_MAX];
	char stall[100], as[200];
	struct msg m;
	uint32_t n;
	long t0;

	PING(other, "second connection");

	/* Three requests in one write: three replies, in order. */
	fd = conn_open();
	{
		char p[3 * (HDR_SIZE + 2)];
		size_t o = 0;

		for (i = 0; i < 3; i++) {
			char dom[2] = {(char)('1' + i), 0};

			o += put_msg(p + o, XS_GET_DOMAIN_PATH,
				     1000u + (uint32_t)i, 0, 2, dom, 2);
		}
		CHECK(send_all(fd, p, sizeof(p)) == 0, "pipelined send");
		for (i = 0; i < 3; i++) {
			char want[32];
			int r = recv_reply(fd, &m, REPLY_MS);

			snprintf(want, sizeof(want), "/local/domain/%d", i + 1);
			CHECK(r == 0 && m.hdr.req_id == 1000u + (uint32_t)i &&
				      !strcmp(m.body, want),
			      "pipelined reply %d: req %u '%s'", i,
			      r ? 0 : m.hdr.req_id, r ? "" : m.body);
		}
	}

	/* A request trickled in byte by byte. */
	n = (uint32_t)put_msg(buf, XS_GET_DOMAIN_PATH, 77, 0, 3, "42", 3);
	for (i = 0; i < (int)n; i++) {
		send_all(fd, buf + i, 1);
		sleep_ms(2);
	}
	CHECK(recv_reply(fd, &m, REPLY_MS) == 0 && m.hdr.req_id == 77 &&
		      !strcmp(m.body, "/local/domain/42"),
	      "reply to a byte-by-byte request");
	PING(fd, "same connection after the trickle");
	close(fd);

	/* A truncated header, or a header with half its payload, then close. */
	ABUSE(other, buf, 8, false, "a truncated header and close");
	n = (uint32_t)put_msg(buf, XS_WRITE, 5, 0, 20, "/raw/h", 6);
	ABUSE(other, buf, n, false, "a truncated payload and close");
	FAILS(other, XS_READ, 0, L("/raw/h\0"), "ENOENT",
	      "a truncated WRITE wrote nothing");

	/* Half a message, then a stall: others are served meanwhile. */
	fd = conn_open();
	stall[0] = '/';
	memset(stall + 1, 'a', 99);
	put_msg(big, XS_READ, 99, 0, 100, stall, 100);
	send_all(fd, big, HDR_SIZE + 10);
	t0 = now_ms();
	for (i = 0; i < 20; i++)
		PING(other, "while another client stalls mid-message");
	CHECK(now_ms() - t0 < 5000, "20 requests took %ld ms during a stall",
	      now_ms() - t0);
	send_all(fd, big + HDR_SIZE + 10, 90);
	i = recv_reply(fd, &m, REPLY_MS);
	CHECK(i == 0 && m.hdr.req_id == 99 && m.hdr.type == XS_ERROR &&
		      !strcmp(m.body, "EINVAL"),
	      "the stalled request, completed without a NUL, gets EINVAL: "
	      "%s req %u %s(%s)",
	      i ? strerror(-i) : "reply", m.hdr.req_id, type_name(m.hdr.type),
	      show(m.body, m.hdr.len));
	PING(fd, "the stalled connection works afterwards");
	close(fd);

	/* Over-long payloads kill the connection, and only it. */
	memset(as, 'a', sizeof(as));
	n = (uint32_t)put_msg(big, XS_READ, 1, 0, PAYLOAD_MAX + 1, as,
			      sizeof(as));
	ABUSE(other, big, n, true, "a len 4097 client");
	n = (uint32_t)put_msg(buf, XS_WRITE, 1, 0, 0xffffffffu, NULL, 0);
	ABUSE(other, buf, n, true, "a len 0xffffffff client");

	/* Exactly 4096 bytes of payload is fine. */
	fd = conn_open();
	n = path_val(big, "/raw/max", "", 0);
	memset(big + n, 'v', PAYLOAD_MAX - n);
	OKAY(fd, XS_WRITE, 0, BUF(big, PAYLOAD_MAX), L("OK\0"),
	     "WRITE of a 4096-byte payload");
	OKAY(fd, XS_READ, 0, L("/raw/max\0"), BUF(big + n, PAYLOAD_MAX - n),
	     "READ of the largest value");

	/* WATCH: the OK comes first, then the event with ids 0. */
	CHECK(send_req(fd, XS_WATCH, 555, 0, L("/raw/wo\0tok\0")) == 0,
	      "send WATCH");
	CHECK(recv_msg(fd, &m, REPLY_MS) == 0 && m.hdr.type == XS_WATCH &&
		      m.hdr.req_id == 555 && !strcmp(m.body, "OK"),
	      "WATCH reply comes before its event");
	EVENT(fd, L("/raw/wo\0tok\0"), "first watch event");
	write_node(other, "/raw/wo/x", "1");
	EVENT(fd, L("/raw/wo/x\0tok\0"), "event for another client's write");

	/*
	 * An event that would not fit in 4096 bytes is dropped, and the
	 * connection goes on: watch a 2000-char path with a 2090-char token,
	 * then write a child whose event is too long, then one that fits.
	 */
	{
		char wp[PAYLOAD_MAX], tok[2100], child[2100];
		uint32_t wl;

		memset(child, 0, sizeof(child));
		child[0] = '/';
		memset(child + 1, 'p', 1999);
		memset(tok, 't', 2090);
		tok[2090] = 0;
		wl = path_val(wp, child, tok, 2091);
		OKAY(fd, XS_WATCH, 0, BUF(wp, wl), L("OK\0"),
		     "WATCH with a 4092-byte payload");
		CHECK(recv_msg(fd, &m, REPLY_MS) == 0 &&
			      m.hdr.type == XS_WATCH_EVENT && m.hdr.len == wl,
		      "its 4092-byte first event: %s len %u",
		      type_name(m.hdr.type), m.hdr.len);
		strcpy(child + 2000, "/xxxxxxxxxx");
		write_node(other, child, "1");
		strcpy(child + 2000, "/x");
		write_node(other, child, "2");
		CHECK(recv_msg(fd, &m, REPLY_MS) == 0 &&
			      m.hdr.type == XS_WATCH_EVENT &&
			      m.hdr.len == 2002 + 1 + 2091 &&
			      !strcmp(m.body, child),
		      "the too-long event is dropped, the next one arrives: "
		      "%s len %u",
		      type_name(m.hdr.type), m.hdr.len);
		memset(child + 2000, 0, 10);
		OKAY(fd, XS_UNWATCH, 0, BUF(wp, wl), L("OK\0"),
		     "UNWATCH of the long watch");
	}

	/* RESET_WATCHES drops the caller's watches and transactions. */
	{
		uint32_t tx = tx_start(fd);

		OKAY(fd, XS_RESET_WATCHES, 0, L("\0"), L("OK\0"),
		     "RESET_WATCHES");
		FAILS(fd, XS_READ, tx, L("/raw/max\0"), "ENOENT",
		      "a transaction after RESET_WATCHES");
		write_node(other, "/raw/wo/y", "1");
		CHECK(send_req(fd, XS_WATCH, 556, 0, L("/raw/wo2\0t2\0")) == 0,
		      "send WATCH");
		CHECK(recv_msg(fd, &m, REPLY_MS) == 0 &&
			      m.hdr.type == XS_WATCH && m.hdr.req_id == 556,
		      "a dropped watch fired after RESET_WATCHES: %s(%s)",
		      type_name(m.hdr.type), show(m.body, m.hdr.len));
		write_node(other, "/raw/wo2/z", "1");
		EVENT_PREFIX(fd, L("/raw/wo2\0t2\0"),
			     "initial event of the new watch");
		EVENT_PREFIX(fd, L("/raw/wo2/z\0t2\0"),
			     "only the new watch fires after RESET_WATCHES");

		/* Inside a transaction (XSA-484): any answer, no crash. */
		tx = tx_start(fd);
		REPLY(fd, XS_RESET_WATCHES, tx, L("\0"), NULL,
		      "RESET_WATCHES inside a transaction");
		PING(fd, "after RESET_WATCHES inside a transaction");
		PING(other, "other client after RESET_WATCHES in a tx");
	}

	/* DIRECTORY_PART: generation, children, and a final empty string. */
	write_node(other, "/raw/dp/c1", "1");
	write_node(other, "/raw/dp/c2", "1");
	write_node(other, "/raw/dp/c3", "1");
	{
		char gen1[GEN_MAX] = "", gen2[GEN_MAX] = "", gen3[GEN_MAX] = "";
		size_t gl;

		if (DIR_PART(fd, "/raw/dp", 0, &m, gen1, "DIRECTORY_PART")) {
			gl = strlen(m.body);
			CHECK(m.hdr.type == XS_DIRECTORY_PART && gl > 0 &&
				      strspn(m.body, "0123456789") == gl &&
				      m.hdr.len == gl + 1 + 10 &&
				      !memcmp(m.body + gl + 1, "c1\0c2\0c3\0\0",
					      10),
			      "DIRECTORY_PART reply %s",
			      show(m.body, m.hdr.len));
		}
		if (DIR_PART(fd, "/raw/dp", 999, &m, gen2,
			     "DIRECTORY_PART past the end")) {
			gl = strlen(m.body);
			CHECK(m.hdr.type == XS_DIRECTORY_PART &&
				      m.hdr.len == gl + 2 &&
				      m.body[gl + 1] == 0,
			      "DIRECTORY_PART past the end: %s",
			      show(m.body, m.hdr.len));
		}
		CHECK(*gen1 && !strcmp(gen1, gen2),
		      "generation unchanged without changes: %s, %s", gen1,
		      gen2);
		write_node(other, "/raw/dp/c4", "1");
		DIR_PART(fd, "/raw/dp", 0, &m, gen3,
			 "DIRECTORY_PART after a new child");
		CHECK(*gen3 && strcmp(gen1, gen3),
		      "generation changes with the children: %s, %s", gen1,
		      gen3);
		FAILS(fd, XS_DIRECTORY_PART, 0, L("/raw/dp\0"), "EINVAL",
		      "DIRECTORY_PART without an offset");
		FAILS(fd, XS_DIRECTORY_PART, 0,
		      L("/raw/nodp\0"
			"0\0"),
		      "ENOENT", "DIRECTORY_PART of a missing node");
	}

	/* A listing over 4096 bytes: E2BIG, then whole via DIRECTORY_PART. */
	{
		char path[128], want[8192], got[8192];
		size_t wl = 0, gl = 0;
		unsigned off = 0;
		int rounds = 0;

		for (i = 0; i < 100; i++) {
			snprintf(path, sizeof(path),
				 "/raw/big/%02d-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
				 "yyyyyyyyyyyyyyy",
				 99 - i);
			write_node(other, path, "");
			wl += (size_t)sprintf(want + wl, "%s", path + 9) + 1;
		}
		FAILS(fd, XS_DIRECTORY, 0, L("/raw/big\0"), "E2BIG",
		      "DIRECTORY of a 5 KB listing");
		for (;;) {
			size_t hl;

			if (!DIR_PART(fd, "/raw/big", off, &m, NULL,
				      "DIRECTORY_PART of a big listing") ||
			    !CHECK(m.hdr.type == XS_DIRECTORY_PART,
				   "DIRECTORY_PART error %s", m.body) ||
			    ++rounds > 10)
				break;
			hl = strlen(m.body) + 1;
			if (m.hdr.len == hl + 1)
				break; /* just the final empty string */
			if (m.hdr.len > hl &&
			    gl + m.hdr.len - hl < sizeof(got)) {
				size_t cl = m.hdr.len - hl;
				bool last = m.body[m.hdr.len - 1] == 0 &&
					    m.body[m.hdr.len - 2] == 0;

				if (last)
					cl--;
				memcpy(got + gl, m.body + hl, cl);
				gl += cl;
				off += (unsigned)cl;
				if (last)
					break;
			}
		}
		CHECK(gl == wl && !memcmp(got, want, wl),
		      "DIRECTORY_PART chunks add up to the listing (%zu of %zu "
		      "bytes, %d rounds)",
		      gl, wl, rounds);
		CHECK(rounds >= 2, "a 5 KB listing needs several chunks (%d)",
		      rounds);
	}

	/* Many connections at once. */
	{
		int fds[200];

		for (i = 0; i < 200; i++) {
			fds[i] = conn_open();
			send_all(fds[i], buf,
				 put_msg(buf, XS_GET_DOMAIN_PATH, (uint32_t)i,
					 0, 2, "9", 2));
		}
		n = 0;
		for (i = 0; i < 200; i++) {
			if (recv_reply(fds[i], &m, REPLY_MS) == 0 &&
			    m.hdr.req_id == (uint32_t)i &&
			    !strcmp(m.body, "/local/domain/9"))
				n++;
			close(fds[i]);
		}
		CHECK(n == 200, "%u of 200 simultaneous connections answered",
		      n);
	}
	PING(other, "after 200 connections came and went");
	close(fd);
	close(other);
}

/* ---- flood: a client that never reads its replies ---- */

static long daemon_rss_kb(void)
{
	const char *pid = getenv("DAEMON_PID");
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	if (!pid)
		return -1;
	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

static void group_flood(void)
{
	enum { NREQ = 100000, VAL = 4000, STALL_MS = 3000 };
	int b = conn_open(), d = conn_open(), i;
	char *val = malloc(VAL), *reqs, *p;
	const char path[] = "/flood/big";
	size_t rlen = HDR_SIZE + sizeof(path), total = rlen * NREQ, off = 0;
	long rss0, rss_max, rss, t0, worst = 0, stall_start = 0;
	bool disconnected = false, throttled = false;
	size_t next_ping = 0;

	memset(val, 'f', VAL);
	{
		char buf[PAYLOAD_MAX];
		uint32_t n = path_val(buf, path, val, VAL);

		OKAY(b, XS_WRITE, 0, BUF(buf, n), L("OK\0"),
		     "write the flood value");
	}
	rss0 = rss_max = daemon_rss_kb();
	reqs = malloc(total);
	for (i = 0, p = reqs; i < NREQ; i++)
		p += put_msg(p, XS_READ, (uint32_t)i, 0, sizeof(path), path,
			     sizeof(path));
	fcntl(d, F_SETFL, fcntl(d, F_GETFL) | O_NONBLOCK);
	while (off < total) {
		ssize_t n = send(d, reqs + off, total - off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			off += (size_t)n;
			stall_start = 0;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = {.fd = d, .events = POLLOUT};

			if (!stall_start)
				stall_start = now_ms();
			else if (now_ms() - stall_start > STALL_MS) {
				throttled = true;
				break;
			}
			poll(&pfd, 1, 100);
		} else if (n < 0 && errno != EINTR) {
			disconnected = errno == EPIPE || errno == ECONNRESET;
			CHECK(disconnected, "flood send: %s", strerror(errno));
			break;
		}
		if (off >= next_ping) {
			t0 = now_ms();
			PING(b, "another client during the flood");
			if (now_ms() - t0 > worst)
				worst = now_ms() - t0;
			rss = daemon_rss_kb();
			if (rss > rss_max)
				rss_max = rss;
			next_ping = off + 256 * 1024;
		}
	}
	rss = daemon_rss_kb();
	if (rss > rss_max)
		rss_max = rss;
	printf("flood: sent %zu of %zu bytes (%zu requests), %s; "
	       "daemon RSS %ld -> max %ld KiB; worst ping %ld ms\n",
	       off, total, off / rlen,
	       disconnected ? "disconnected"
			    : (throttled ? "throttled" : "all accepted"),
	       rss0, rss_max, worst);
	CHECK(disconnected || throttled,
	      "a client that never reads must be throttled or disconnected "
	      "(it sent all %d requests unhindered)",
	      NREQ);
	CHECK(worst < 2000, "other clients answered within 2 s (worst %ld ms)",
	      worst);
	if (rss0 > 0)
		CHECK(rss_max - rss0 < 64 * 1024,
		      "daemon memory stays bounded: RSS grew by %ld KiB",
		      rss_max - rss0);
	close(d);
	PING(b, "after the flooding client left");
	OKAY(b, XS_READ, 0, L("/flood/big\0"), BUF(val, VAL),
	     "flood value intact");
	free(reqs);
	free(val);
	close(b);
}

/* ---- watches: 10,000 watches from one client ---- */

static void group_watches(void)
{
	enum { NW = 10000, BATCH = 250 };
	int w = conn_open(), b = conn_open(), i, j;
	unsigned oks = 0, events = 0, bad = 0;
	char buf[BATCH * (HDR_SIZE + 40)], path[64];
	struct msg m;
	long t0 = now_ms(), dt;

	for (i = 0; i < NW; i += BATCH) {
		size_t o = 0;

		for (j = i; j < i + BATCH; j++) {
			char pl[40];
			int n = snprintf(pl, sizeof(pl), "/ww/%d%ctok%d", j, 0,
					 j) +
				1;

			o += put_msg(buf + o, XS_WATCH, (uint32_t)j, 0,
				     (uint32_t)n, pl, (size_t)n);
		}
		if (bad || !CHECK(send_all(w, buf, o) == 0, "send WATCH batch"))
			break;
		for (j = 0; j < 2 * BATCH; j++) {
			if (recv_msg(w, &m, REPLY_MS)) {
				bad++;
				break;
			}
			if (m.hdr.type == XS_WATCH && !strcmp(m.body, "OK"))
				oks++;
			else if (m.hdr.type == XS_WATCH_EVENT)
				events++;
			else
				bad++;
		}
	}
	dt = now_ms() - t0;
	printf("watches: %u OK, %u first events, %u other in %ld ms\n", oks,
	       events, bad, dt);
	CHECK(oks == NW && events == NW && !bad,
	      "10000 WATCHes from a privileged client: %u OK, %u events, "
	      "%u unexpected",
	      oks, events, bad);

	t0 = now_ms();
	PING(b, "another client with 10000 watches set");
	CHECK(now_ms() - t0 < 1000, "ping took %ld ms", now_ms() - t0);
	write_node(b, "/ww/1234", "x");
	EVENT_PREFIX(w, L("/ww/1234\0tok1234\0"),
		     "exactly the matching watch fires");
	t0 = now_ms();
	for (i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "/other/%d", i);
		write_node(b, path, "1");
	}
	dt = now_ms() - t0;
	CHECK(dt < 5000, "200 writes with 10000 watches set took %ld ms", dt);
	write_node(b, "/ww/9999/deep", "x");
	EVENT_PREFIX(w, L("/ww/9999/deep\0tok9999\0"),
		     "no stray events, then the next match");
	OKAY(w, XS_UNWATCH, 0, L("/ww/5000\0tok5000\0"), L("OK\0"),
	     "UNWATCH one of 10000");
	OKAY(w, XS_RESET_WATCHES, 0, L("\0"), L("OK\0"),
	     "RESET_WATCHES of 9999 watches");
	write_node(b, "/ww/1", "y");
	PING(w, "after RESET_WATCHES");
	close(w);
	PING(b, "after the watching client left");
	close(b);
}

static const struct {
	const char *name;
	void (*fn)(void);
} groups[] = {
	{"errors", group_errors},
	{"framing", group_framing},
	{"flood", group_flood},
	{"watches", group_watches},
};

int main(int argc, char **argv)
{
	size_t g;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s errors|framing|flood|watches...\n",
			argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
			if (!strcmp(argv[i], groups[g].name))
				break;
		if (g == sizeof(groups) / sizeof(groups[0])) {
			fprintf(stderr, "rawclient: unknown group %s\n",
				argv[i]);
			return 2;
		}
		group = groups[g].name;
		groups[g].fn();
	}
	printf("rawclient %s: %d passed, %d failed\n", argc == 2 ? argv[1] : "",
	       n_pass, n_fail);
	return n_fail ? 1 : 0;
}
