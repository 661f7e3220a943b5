/*
 * fuzz_store.c: libFuzzer harness for the store's request handler, driven
 * through real connections (conn.h) over an in-memory transport.
 *
 * Each input builds a fresh store with four connections:
 *   0  dom0, privileged (the toolstack's socket)
 *   1  domain 1, unprivileged (a guest ring)
 *   2  domain 2, unprivileged (or, with a flag, a second ring of domain 1)
 *   3  dom0, privileged (another socket client)
 * and plays a sequence of operations on them: framed requests built from
 * small dictionaries (so the input gets deep quickly), raw byte chunks
 * (anything at all, including truncated and oversized frames), peers that
 * stop reading or read a few bytes at a time, and reconnections.
 *
 * Everything the store writes back is parsed and checked as it arrives:
 * frames no longer than XENSTORE_PAYLOAD_MAX, exactly one reply per
 * request, in order, with the request's req_id and tx_id, never a success
 * for a privileged request from an unprivileged connection, well-formed
 * watch events and error strings.  Through the trace hook, each successful
 * unprivileged READ, DIRECTORY(_PART), GET_PERMS, WRITE, MKDIR or SET_PERMS
 * outside a transaction is checked against the node's permissions at the
 * moment its reply is queued.  At the end every connection is drained
 * and must have answered every complete request; CONTROL "check" must say
 * "OK"; and once the connections are gone, no watches or transactions may
 * remain and each domain's node and memory accounting must match a recount
 * of the tree.  Then everything is freed so LeakSanitizer sees leaks.
 *
 * Input layout: byte 0 is a set of flags (F_* below); then operations, each
 * starting with a byte whose top two bits pick the connection and whose low
 * six bits pick what to do (see run_op()).  With F_RAW the rest is a plain
 * list of [conn][len][bytes] chunks.
 *
 * FUZZ_STORE_VERBOSE=1 prints every frame sent and received, to follow a
 * reproducer.  FUZZ_STORE_SKIP (environment) lists checks to skip,
 * comma-separated: "acct" (the recount), "mem" (memory figures only), "check",
 * "fifo", "kill", "perm", "want"; handy to get past a known bug.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/store/conn.h"
#include "backends/store/store.h"
#include "backends/store/store_int.h"
#include "backends/store/tree.h"
#include "lib/log.h"
#include "protocol/proto.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NCONN        4
#define IN_MAX       (1u << 16) /* bytes a peer may have unread by us */
#define FRAME_MAX    (PROTO_HDR_SIZE + XENSTORE_PAYLOAD_MAX)
#define PUMP_LIMIT   100000 /* conn_input() calls before "livelock" */
#define MAX_OPS      256
#define RECENT_TXIDS 4

/* Flags in the first input byte. */
#define F_QUOTA_MASK  0x03 /* 0 defaults, 1 small, 2 tiny, 3 unlimited */
#define F_KEEP_ORPH   0x04 /* -K: a dead domain's nodes go to dom0 */
#define F_SMALL_OUTQ  0x08 /* cut a client at 8 KiB unread */
#define F_HOOKS       0x10 /* a control hook for "log" and "logfile" */
#define F_SETUP       0x20 /* introduce domains 1, 2 and give them homes */
#define F_RAW         0x40 /* raw chunks only */
#define F_SAME_DOMAIN 0x80 /* connection 2 is a second ring of domain 1 */

static unsigned skip_checks;
static bool verbose; /* FUZZ_STORE_VERBOSE: print every frame */
#define SKIP_ACCT  1u
#define SKIP_CHECK 2u
#define SKIP_FIFO  4u
#define SKIP_KILL  8u
#define SKIP_WANT  16u
#define SKIP_MEM   32u /* memory figures only (node counts still) */
#define SKIP_PERM  64u

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* A broken invariant: say which, then trap for the stack trace. */
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fuzz_store: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	__builtin_trap();
}

/* Print one frame for FUZZ_STORE_VERBOSE, NULs as '|'. */
static void show(int idx, const char *dir, const struct xsd_sockmsg *h,
		 const uint8_t *pl, size_t len)
{
	const char *name = proto_type_name(h->type);
	size_t i;

	fprintf(stderr, "conn %d %s %s(%u) req %u tx %u len %u: ", idx, dir,
		name ? name : "?", h->type, h->req_id, h->tx_id, h->len);
	for (i = 0; i < len && i < 96; i++) {
		int c = pl[i];

		fputc(c == 0 ? '|' : (c < 32 || c > 126) ? '.' : c, stderr);
	}
	fputs(i < len ? "...\n" : "\n", stderr);
}

/* A request we fed and whose reply we expect, in order. */
struct pend {
	uint32_t type, req_id, tx_id;
};

/* One simulated peer and its connection. */
struct peer {
	struct fz *fz;
	int idx;
	struct conn *c;
	unsigned domid;
	bool priv;
	bool dead;    /* killed, or conn_input/conn_output failed */
	bool killed;  /* the store gave up on it (conn_kill) */
	bool blocked; /* the peer reads nothing for now */
	bool want;    /* the connection asked for write readiness */
	bool pinned;  /* kept when its domain is released */
	size_t wmax;  /* bytes taken per write; 0 for all */
	bool werr;    /* writes fail (the peer reset the connection) */
	bool eof;     /* the peer closed its end: reads end in -EPIPE */

	/* Bytes the peer sent that the connection has not read yet. */
	uint8_t *in;
	size_t inlen, inpos;

	/* Our own framing of everything sent: the replies to expect. */
	uint8_t sh[FRAME_MAX];
	size_t shlen;
	bool oversized; /* a header with len > 4096 was sent */
	struct pend *fifo;
	size_t fhead, ftail, fcap;

	/* The output stream, reassembled into frames. */
	uint8_t ob[FRAME_MAX];
	size_t oblen;
	uint32_t txids[RECENT_TXIDS]; /* newest first */
	uint32_t next_req;
	/* The request being handled, as the trace hook saw it. */
	uint32_t rq_type, rq_id, rq_tx;
	char rq_path[XENSTORE_ABS_PATH_MAX + 1];
	/* The last reply seen, for synchronous requests. */
	uint32_t last_type;
	char last[XENSTORE_PAYLOAD_MAX + 1];
	size_t last_len;
	unsigned replies;
};

struct fz {
	struct store *st;
	struct peer p[NCONN];
};

/* A cursor over the fuzzer's bytes; reads past the end give zeros. */
struct rd {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

/* Little-endian; the reads are sequenced, low byte first. */
static uint16_t u16(struct rd *r)
{
	uint16_t lo = u8(r);

	return (uint16_t)(lo | u8(r) << 8);
}

static uint32_t u32(struct rd *r)
{
	uint32_t lo = u16(r);

	return lo | (uint32_t)u16(r) << 16;
}

/* ---- the transport ---- */

#define BIT(t) (1u << (t))

/* Types only privileged connections may use. */
#define PRIV_TYPES                                                             \
	(BIT(XS_CONTROL) | BIT(XS_INTRODUCE) | BIT(XS_RELEASE) |               \
	 BIT(XS_IS_DOMAIN_INTRODUCED) | BIT(XS_RESUME) | BIT(XS_SET_TARGET) |  \
	 BIT(XS_SET_FEATURE_T) | BIT(XS_GET_QUOTA_T) | BIT(XS_SET_QUOTA_T))

/* Requests whose only successful reply is "OK". */
#define OK_TYPES                                                               \
	(BIT(XS_WRITE) | BIT(XS_MKDIR) | BIT(XS_RM) | BIT(XS_SET_PERMS) |      \
	 BIT(XS_WATCH) | BIT(XS_UNWATCH) | BIT(XS_TRANSACTION_END) |           \
	 BIT(XS_INTRODUCE) | BIT(XS_RELEASE) | BIT(XS_RESUME) |                \
	 BIT(XS_SET_TARGET) | BIT(XS_RESET_WATCHES) | BIT(XS_SET_FEATURE_T) |  \
	 BIT(XS_SET_QUOTA_T))

static bool type_in(uint32_t t, uint32_t set)
{
	return t < 32 && (set & BIT(t));
}

static bool is_known_type(uint32_t t)
{
	return t < XS_TYPE_MAX && t != 20 && t != XS_WATCH_EVENT &&
	       t != XS_ERROR;
}

static bool known_error(const char *s, size_t len)
{
	static const char *const names[] = {
		"EINVAL", "EACCES",  "EEXIST",    "EISDIR", "ENOENT", "ENOMEM",
		"ENOSPC", "EIO",     "ENOTEMPTY", "ENOSYS", "EROFS",  "EBUSY",
		"EAGAIN", "EISCONN", "E2BIG",     "EPERM",
	};
	size_t i;

	if (len == 0 || s[len - 1] != '\0')
		return false;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return true;
	return false;
}

static void remember_txid(struct peer *p, const char *s, size_t len)
{
	unsigned long id;

	if (len == 0 || s[len - 1] != '\0' ||
	    !proto_parse_uint(s, 0xFFFFFFFFul, &id))
		die("conn %d: TRANSACTION_START reply is not a number", p->idx);
	if (id == 0)
		die("conn %d: transaction id 0", p->idx);
	memmove(p->txids + 1, p->txids,
		(RECENT_TXIDS - 1) * sizeof(p->txids[0]));
	p->txids[0] = (uint32_t)id;
}

/* One complete frame the store sent: check it against what we asked. */
static void check_reply(struct peer *p, const struct xsd_sockmsg *h,
			const char *pl)
{
	struct pend want;

	if (verbose)
		show(p->idx, "<", h, (const uint8_t *)pl, h->len);
	if (h->type == XS_WATCH_EVENT) {
		const char *argv[2];

		if (h->req_id || h->tx_id)
			die("conn %d: watch event with req_id %u tx_id %u",
			    p->idx, h->req_id, h->tx_id);
		if (proto_split(pl, h->len, argv, 2) != 2)
			die("conn %d: watch event is not <path>\\0<token>\\0",
			    p->idx);
		return;
	}
	p->last_type = h->type;
	memcpy(p->last, pl, h->len);
	p->last[h->len] = '\0';
	p->last_len = h->len;
	p->replies++;
	if (skip_checks & SKIP_FIFO)
		return;
	if (p->fhead == p->ftail)
		die("conn %d: a reply (type %u) to no request", p->idx,
		    h->type);
	want = p->fifo[p->fhead++];
	if (h->req_id != want.req_id || h->tx_id != want.tx_id)
		die("conn %d: reply ids %u/%u for a request with %u/%u", p->idx,
		    h->req_id, h->tx_id, want.req_id, want.tx_id);
	if (h->type == XS_ERROR) {
		if (!known_error(pl, h->len))
			die("conn %d: bad error string", p->idx);
		if (!is_known_type(want.type) && strcmp(pl, "ENOSYS") != 0)
			die("conn %d: type %u gave %s, not ENOSYS", p->idx,
			    want.type, pl);
		return;
	}
	if (h->type != want.type)
		die("conn %d: reply type %u to a request of type %u", p->idx,
		    h->type, want.type);
	if (!is_known_type(want.type))
		die("conn %d: unknown type %u succeeded", p->idx, want.type);
	if (!p->priv && type_in(want.type, PRIV_TYPES))
		die("conn %d: unprivileged %s succeeded", p->idx,
		    proto_type_name(want.type));
	if (type_in(want.type, OK_TYPES) &&
	    (h->len != 3 || memcmp(pl, "OK", 3) != 0))
		die("conn %d: %s replied other than OK", p->idx,
		    proto_type_name(want.type));
	if (want.type == XS_TRANSACTION_START)
		remember_txid(p, pl, h->len);
}

static ssize_t t_read(void *arg, void *buf, size_t len)
{
	struct peer *p = arg;
	size_t n = p->inlen - p->inpos;

	if (n == 0 && p->eof)
		return -EPIPE;
	if (n > len)
		n = len;
	memcpy(buf, p->in + p->inpos, n);
	p->inpos += n;
	if (p->inpos == p->inlen)
		p->inpos = p->inlen = 0;
	return (ssize_t)n;
}

static ssize_t t_write(void *arg, const void *buf, size_t len)
{
	struct peer *p = arg;
	const uint8_t *b = buf;
	size_t i;

	if (p->killed)
		die("conn %d: written to after it was killed", p->idx);
	if (p->werr)
		return -EPIPE;
	if (p->blocked)
		return 0;
	if (p->wmax && len > p->wmax)
		len = p->wmax;
	for (i = 0; i < len;) {
		struct xsd_sockmsg h;
		size_t take;

		if (p->oblen < PROTO_HDR_SIZE) {
			take = PROTO_HDR_SIZE - p->oblen;
		} else {
			memcpy(&h, p->ob, sizeof(h));
			if (h.len > XENSTORE_PAYLOAD_MAX)
				die("conn %d: the store sent a %u-byte payload",
				    p->idx, h.len);
			take = PROTO_HDR_SIZE + h.len - p->oblen;
		}
		if (take > len - i)
			take = len - i;
		memcpy(p->ob + p->oblen, b + i, take);
		p->oblen += take;
		i += take;
		if (p->oblen < PROTO_HDR_SIZE)
			continue;
		memcpy(&h, p->ob, sizeof(h));
		if (h.len > XENSTORE_PAYLOAD_MAX)
			die("conn %d: the store sent a %u-byte payload", p->idx,
			    h.len);
		if (p->oblen == PROTO_HDR_SIZE + h.len) {
			check_reply(p, &h,
				    (const char *)p->ob + PROTO_HDR_SIZE);
			p->oblen = 0;
		}
	}
	return (ssize_t)len;
}

static void t_want_write(void *arg, bool on)
{
	((struct peer *)arg)->want = on;
}

static void t_kill(void *arg, const char *why)
{
	struct peer *p = arg;

	p->dead = p->killed = true;
}

static const struct conn_transport fuzz_tp = {
	"fuzz", t_read, t_write, t_want_write, t_kill,
};

static void peer_reset(struct peer *p)
{
	free(p->fifo);
	p->fifo = NULL;
	p->fhead = p->ftail = p->fcap = 0;
	p->dead = p->killed = p->blocked = p->want = p->oversized = false;
	p->werr = p->eof = false;
	p->wmax = 0;
	p->inlen = p->inpos = p->shlen = p->oblen = 0;
	memset(p->txids, 0, sizeof(p->txids));
	p->next_req = 1;
}

static void peer_open(struct peer *p)
{
	peer_reset(p);
	p->c = conn_new(p->fz->st, p->domid, p->priv, &fuzz_tp, p);
	if (!p->c)
		die("conn_new failed");
}

static void peer_close(struct peer *p)
{
	conn_free(p->c); /* NULL after the domain's release */
	p->c = NULL;
	peer_reset(p);
}

static void fifo_push(struct peer *p, const struct xsd_sockmsg *h)
{
	if (p->ftail == p->fcap) {
		if (p->fhead) {
			memmove(p->fifo, p->fifo + p->fhead,
				(p->ftail - p->fhead) * sizeof(*p->fifo));
			p->ftail -= p->fhead;
			p->fhead = 0;
		}
		if (p->ftail == p->fcap) {
			p->fcap = p->fcap ? p->fcap * 2 : 64;
			p->fifo = realloc(p->fifo, p->fcap * sizeof(*p->fifo));
			if (!p->fifo)
				die("out of memory");
		}
	}
	p->fifo[p->ftail].type = h->type;
	p->fifo[p->ftail].req_id = h->req_id;
	p->fifo[p->ftail].tx_id = h->tx_id;
	p->ftail++;
}

/* Follow the framing of bytes we send, as the store should. */
static void shadow(struct peer *p, const uint8_t *b, size_t len)
{
	while (len && !p->oversized) {
		struct xsd_sockmsg h;
		size_t need, take;

		if (p->shlen < PROTO_HDR_SIZE) {
			need = PROTO_HDR_SIZE;
		} else {
			memcpy(&h, p->sh, sizeof(h));
			need = PROTO_HDR_SIZE + h.len;
		}
		take = need - p->shlen < len ? need - p->shlen : len;
		memcpy(p->sh + p->shlen, b, take);
		p->shlen += take;
		b += take;
		len -= take;
		if (p->shlen < PROTO_HDR_SIZE)
			continue;
		memcpy(&h, p->sh, sizeof(h));
		if (h.len > XENSTORE_PAYLOAD_MAX) {
			if (verbose)
				show(p->idx, "> oversized", &h, NULL, 0);
			p->oversized = true;
			return;
		}
		if (p->shlen == PROTO_HDR_SIZE + h.len) {
			if (verbose)
				show(p->idx, ">", &h, p->sh + PROTO_HDR_SIZE,
				     h.len);
			fifo_push(p, &h);
			p->shlen = 0;
		}
	}
}

/* Let a connection read and write until it has nothing more to do. */
static void pump(struct peer *p)
{
	int i, r, o;

	for (i = 0; i < PUMP_LIMIT && p->c && !p->dead; i++) {
		r = conn_input(p->c);
		if (r < 0) {
			p->dead = true;
			break;
		}
		o = 0;
		if (!p->blocked && conn_has_output(p->c)) {
			o = conn_output(p->c);
			if (o < 0) {
				p->dead = true;
				break;
			}
		}
		if (r != 1 && o != 1)
			break;
	}
	if (i == PUMP_LIMIT)
		die("conn %d: still busy after %d rounds", p->idx, i);
	/* After a failed write the store waits for the read side to fail. */
	if (!(skip_checks & SKIP_WANT) && p->c && !p->dead && !p->werr &&
	    conn_has_output(p->c) && !p->want)
		die("conn %d: output queued but write readiness not asked",
		    p->idx);
}

static void pump_all(struct fz *f)
{
	int i, round;

	/* Watch events cross connections: go round until all is quiet. */
	for (round = 0; round < 3; round++)
		for (i = 0; i < NCONN; i++)
			pump(&f->p[i]);
}

/* The peer sends bytes; the connection handles what is complete. */
static void send_bytes(struct peer *p, const void *buf, size_t len)
{
	if (!p->c || p->dead || len > IN_MAX - p->inlen)
		return;
	memcpy(p->in + p->inlen, buf, len);
	p->inlen += len;
	shadow(p, buf, len);
	pump_all(p->fz);
}

/* ---- building requests ---- */

struct msgbuf {
	uint8_t b[PROTO_HDR_SIZE + 2 * XENSTORE_PAYLOAD_MAX];
	size_t len; /* payload bytes so far */
};

static void add(struct msgbuf *m, const void *s, size_t len)
{
	size_t room = sizeof(m->b) - PROTO_HDR_SIZE - m->len;

	if (len > room)
		len = room;
	memcpy(m->b + PROTO_HDR_SIZE + m->len, s, len);
	m->len += len;
}

/* An argument: the string and its NUL. */
static void arg(struct msgbuf *m, const char *s)
{
	add(m, s, strlen(s) + 1);
}

static const char *const paths[] = {
	"/",
	"/a",
	"/a/b",
	"/a/b/c",
	"/a/b/c/d",
	"/b",
	"a",
	"a/b",
	"rel",
	"rel/x",
	"/local",
	"/local/domain",
	"/local/domain/0",
	"/local/domain/1",
	"/local/domain/1/data",
	"/local/domain/1/data/x",
	"/local/domain/2",
	"/local/domain/2/data",
	"/local/domain/2/data/y",
	"/local/domain/3",
	"data",
	"data/x",
	"data/x/y",
	"/tool",
	"/tool/xenstored",
	"@introduceDomain",
	"@releaseDomain",
	"@releaseDomain/1",
	"@other",
	"/vm/1",
	"/libxl/1",
	"/local/domain/1/device/vif/0",
	"device/vif/0/state",
	"//",
	"/a/",
	"",
	"/a b",
	"/a@b",
	"@",
	"/local/domain/",
	"/local/domain/123456/x",
	"-",
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))

/* A path from the dictionary, a long one, or raw bytes. */
static void path_arg(struct msgbuf *m, struct rd *r)
{
	static const unsigned longs[] = {
		1000, 2046, 2047, 2048, 2049, 2050, 3071, 3072, 3073, 4000,
	};
	uint8_t v = u8(r);

	if (v >= 0xF0) {
		size_t n = u8(r) % 64, i;
		char s[64];

		for (i = 0; i < n; i++)
			s[i] = (char)u8(r);
		add(m, s, n);
		add(m, "", 1);
	} else if (v >= 0xE0) {
		static char s[4200];
		uint8_t w = u8(r);
		size_t want = longs[w % 10], i;
		bool rel = w & 0x80;

		/* "/l/xxxxxxx/xxxxxxx/..." or "data/xxxx/..." */
		strcpy(s, rel ? "data" : "/l");
		for (i = strlen(s); i < want; i++)
			s[i] = (i % 8 == 0) ? '/' : 'x';
		if (s[want - 1] == '/')
			s[want - 1] = 'y';
		s[want] = '\0';
		arg(m, s);
	} else {
		arg(m, paths[v % NPATHS]);
	}
}

static void value_arg(struct msgbuf *m, struct rd *r, bool nul)
{
	static const size_t sizes[] = {
		0, 1, 100, 1000, 2000, 2048, 2049, 4000, 4080, 4096,
	};
	static char big[4096];
	uint8_t v = u8(r);
	size_t n, i;

	if (v >= 0xF0) {
		n = sizes[v % 10];
		memset(big, 'v', n);
		add(m, big, n);
	} else {
		n = v % 24;
		for (i = 0; i < n; i++)
			big[i] = (char)u8(r);
		add(m, big, n);
	}
	if (nul)
		add(m, "", 1);
}

static void token_arg(struct msgbuf *m, struct rd *r)
{
	static const char *const toks[] = {
		"t", "tok", "a", "", "x/y", "@", "tok2", "T",
	};
	static char big[3100];
	uint8_t v = u8(r);

	if (v >= 0xF8) {
		size_t n = v == 0xFF ? 3000 : 1000;

		memset(big, 'k', n);
		big[n] = '\0';
		arg(m, big);
	} else {
		arg(m, toks[v % 8]);
	}
}

static const char *const domid_strs[] = {
	"0",          "1",     "2",  "3", "7",  "32751", "32752",
	"32757",      "65535", "x",  "",  "-1", "0x1",   "01",
	"4294967296", "1 ",    "99", "1", "2",  "1",
};
#define NDOMIDS (sizeof(domid_strs) / sizeof(domid_strs[0]))

static void domid_arg(struct msgbuf *m, struct rd *r)
{
	arg(m, domid_strs[u8(r) % NDOMIDS]);
}

static const char *const numbers[] = {
	"0",    "1",          "2",          "3", "5", "8",  "100",  "2048",
	"4096", "4294967295", "4294967296", "x", "",  "-1", "1000", "64",
};

static void number_arg(struct msgbuf *m, struct rd *r)
{
	arg(m, numbers[u8(r) % (sizeof(numbers) / sizeof(numbers[0]))]);
}

static const char *const quota_names[] = {
	"nodes",
	"watches",
	"outstanding",
	"memory",
	"transactions",
	"transaction-nodes",
	"node-permissions",
	"path-max",
	"node-size",
	"soft-memory",
	"soft-nodes",
	"bogus",
	"",
};

static void quota_arg(struct msgbuf *m, struct rd *r)
{
	arg(m, quota_names[u8(r) %
			   (sizeof(quota_names) / sizeof(quota_names[0]))]);
}

static void perm_arg(struct msgbuf *m, struct rd *r)
{
	static const char *const ids[] = {
		"0",     "1",     "2",  "3", "32757", "16", "0x1", "01",
		"65535", "65536", "-1", "",  "1",     "2",  "0",   "1",
	};
	char s[32];
	uint8_t v = u8(r);

	snprintf(s, sizeof(s), "%c%s", "nrwbnrwbnrwbnrwx"[v & 15],
		 ids[(v >> 4) & 15]);
	arg(m, s);
}

static void control_args(struct msgbuf *m, struct rd *r)
{
	static const char *const cmds[] = {
		"check",      "help", "memreport", "print", "quota", "quota",
		"quota-soft", "log",  "logfile",   "nope",  "",      "check",
	};
	uint8_t v = u8(r);
	const char *cmd = cmds[v % (sizeof(cmds) / sizeof(cmds[0]))];

	arg(m, cmd);
	switch ((v >> 4) & 3) {
	case 0:
		break;
	case 1:
		if (strcmp(cmd, "quota") == 0)
			domid_arg(m, r);
		else if (strncmp(cmd, "log", 3) == 0)
			arg(m, u8(r) & 1 ? "on" : "off");
		else
			token_arg(m, r);
		break;
	default:
		quota_arg(m, r);
		number_arg(m, r);
		break;
	}
}

/* Types by how often they are worth trying. */
static const uint32_t req_types[] = {
	XS_READ,
	XS_READ,
	XS_WRITE,
	XS_WRITE,
	XS_WRITE,
	XS_WRITE,
	XS_MKDIR,
	XS_RM,
	XS_RM,
	XS_DIRECTORY,
	XS_DIRECTORY_PART,
	XS_GET_PERMS,
	XS_SET_PERMS,
	XS_SET_PERMS,
	XS_WATCH,
	XS_WATCH,
	XS_UNWATCH,
	XS_TRANSACTION_START,
	XS_TRANSACTION_START,
	XS_TRANSACTION_END,
	XS_TRANSACTION_END,
	XS_INTRODUCE,
	XS_RELEASE,
	XS_RESUME,
	XS_SET_TARGET,
	XS_GET_DOMAIN_PATH,
	XS_IS_DOMAIN_INTRODUCED,
	XS_RESET_WATCHES,
	XS_GET_FEATURE_T,
	XS_SET_FEATURE_T,
	XS_GET_QUOTA_T,
	XS_SET_QUOTA_T,
	XS_CONTROL,
	XS_CONTROL,
	XS_WATCH_EVENT,
	XS_ERROR,
	20,
	XS_TYPE_MAX,
	XS_INVALID,
	0xFFFFFFFF, /* a raw type from the input */
};
#define NTYPES (sizeof(req_types) / sizeof(req_types[0]))

static void build_args(struct msgbuf *m, uint32_t type, struct rd *r)
{
	uint8_t v;
	int i, n;

	switch (type) {
	case XS_READ:
	case XS_DIRECTORY:
	case XS_GET_PERMS:
	case XS_MKDIR:
	case XS_RM:
		path_arg(m, r);
		break;
	case XS_WRITE:
		path_arg(m, r);
		value_arg(m, r, false);
		break;
	case XS_DIRECTORY_PART:
		path_arg(m, r);
		number_arg(m, r);
		break;
	case XS_SET_PERMS:
		path_arg(m, r);
		n = u8(r) % 8;
		for (i = 0; i < n; i++)
			perm_arg(m, r);
		break;
	case XS_WATCH:
		path_arg(m, r);
		token_arg(m, r);
		v = u8(r);
		if (v & 1)
			number_arg(m, r);
		break;
	case XS_UNWATCH:
		path_arg(m, r);
		token_arg(m, r);
		break;
	case XS_TRANSACTION_START:
	case XS_RESET_WATCHES:
		arg(m, "");
		break;
	case XS_TRANSACTION_END:
		v = u8(r);
		arg(m, v < 200 ? (v & 1 ? "T" : "F") : v & 1 ? "" : "TF");
		break;
	case XS_INTRODUCE:
		domid_arg(m, r);
		number_arg(m, r);
		number_arg(m, r);
		break;
	case XS_SET_TARGET:
		domid_arg(m, r);
		domid_arg(m, r);
		break;
	case XS_RELEASE:
	case XS_RESUME:
	case XS_GET_DOMAIN_PATH:
	case XS_IS_DOMAIN_INTRODUCED:
		domid_arg(m, r);
		break;
	case XS_GET_FEATURE_T:
		if (u8(r) & 1)
			domid_arg(m, r);
		break;
	case XS_SET_FEATURE_T:
		domid_arg(m, r);
		number_arg(m, r);
		break;
	case XS_GET_QUOTA_T:
	case XS_SET_QUOTA_T:
		v = u8(r);
		if (v & 1)
			domid_arg(m, r);
		if (v & 2)
			quota_arg(m, r);
		if (type == XS_SET_QUOTA_T)
			number_arg(m, r);
		break;
	case XS_CONTROL:
		control_args(m, r);
		break;
	default:
		value_arg(m, r, true);
		break;
	}
}

/* The tx_id for a request: mostly 0 or a live transaction's. */
static uint32_t pick_txid(struct fz *f, struct peer *p, struct rd *r)
{
	uint8_t v = u8(r);

	switch (v % 8) {
	case 2:
	case 3:
	case 4:
		return p->txids[0];
	case 5:
		return p->txids[1 + (v >> 3) % (RECENT_TXIDS - 1)];
	case 6:
		return f->p[(p->idx + 1 + (v >> 3) % (NCONN - 1)) % NCONN]
			.txids[0];
	case 7:
		return u32(r);
	}
	return 0;
}

/* Build one request from the input into m; returns the frame length. */
static size_t build_request(struct fz *f, struct peer *p, struct msgbuf *m,
			    struct rd *r)
{
	struct xsd_sockmsg h;
	uint32_t type = req_types[u8(r) % NTYPES];
	uint8_t mut;

	if (type == 0xFFFFFFFF)
		type = u32(r);
	m->len = 0;
	h.type = type;
	h.req_id = p->next_req++;
	h.tx_id = pick_txid(f, p, r);
	build_args(m, type, r);
	/* Sometimes a payload that is subtly wrong. */
	mut = u8(r);
	if (mut >= 0xF0 && mut < 0xF8 && m->len)
		m->len--; /* the last NUL missing */
	else if (mut >= 0xF8 && mut < 0xFC)
		add(m, "", 1); /* an extra empty argument */
	else if (mut == 0xFC || mut == 0xFD)
		add(m, "junk", 5);
	else if (mut == 0xFE)
		m->len = 0;
	if (m->len > XENSTORE_PAYLOAD_MAX)
		m->len = XENSTORE_PAYLOAD_MAX;
	h.len = (uint32_t)m->len;
	if (mut == 0xFF)
		h.len += (u8(r) & 7) + 1; /* lie about the length */
	memcpy(m->b, &h, sizeof(h));
	return PROTO_HDR_SIZE + m->len;
}

/* Send one request and let everything settle. */
static void request(struct peer *p, uint32_t type, uint32_t tx_id,
		    const void *payload, size_t len)
{
	uint8_t b[FRAME_MAX];
	struct xsd_sockmsg h = {type, p->next_req++, tx_id, (uint32_t)len};

	memcpy(b, &h, sizeof(h));
	memcpy(b + sizeof(h), payload, len);
	send_bytes(p, b, sizeof(h) + len);
}

/* A request whose arguments are C strings, each sent with its NUL. */
static void request_str(struct peer *p, uint32_t type, ...)
{
	char b[XENSTORE_PAYLOAD_MAX];
	size_t len = 0, l;
	const char *s;
	va_list ap;

	va_start(ap, type);
	while ((s = va_arg(ap, const char *))) {
		l = strlen(s) + 1;
		memcpy(b + len, s, l);
		len += l;
	}
	va_end(ap);
	request(p, type, 0, b, len);
}

/* ---- operations ---- */

enum op_kind {
	OP_REQUEST,   /* one request */
	OP_SHUTDOWN,  /* the hypervisor: a domain shut down */
	OP_GONE,      /* the hypervisor: a domain is gone */
	OP_RAW,       /* raw bytes */
	OP_PIN,       /* the connection survives its domain's release */
	OP_BLOCK,     /* the peer stops reading */
	OP_UNBLOCK,   /* ... and reads again */
	OP_TRICKLE,   /* the peer reads a few bytes at a time */
	OP_RECONNECT, /* the peer hangs up and comes back */
	OP_SPLIT,     /* one request in two pieces */
	OP_REPEAT,    /* the same request several times in one write */
};

/* What the low six bits of an operation byte ask for. */
static enum op_kind op_kind(unsigned k)
{
	static const struct {
		unsigned below;
		enum op_kind kind;
	} ranges[] = {
		{37, OP_REQUEST}, {38, OP_SHUTDOWN}, {40, OP_GONE},
		{45, OP_RAW},     {46, OP_PIN},      {50, OP_BLOCK},
		{54, OP_UNBLOCK}, {56, OP_TRICKLE},  {58, OP_RECONNECT},
		{61, OP_SPLIT},   {64, OP_REPEAT},
	};
	size_t i;

	for (i = 0; k >= ranges[i].below; i++)
		;
	return ranges[i].kind;
}

static void run_op(struct fz *f, struct rd *r)
{
	static struct msgbuf m;
	static uint8_t many[8 * FRAME_MAX];
	uint8_t op = u8(r), v;
	struct peer *p = &f->p[op >> 6];
	size_t len, n, i;
	static const char *const names[] = {
		"request", "shutdown", "gone",      "raw",   "pin",    "block",
		"unblock", "trickle",  "reconnect", "split", "repeat",
	};

	if (verbose && op_kind(op & 63) != OP_REQUEST)
		fprintf(stderr, "conn %d: %s\n", p->idx,
			names[op_kind(op & 63)]);
	switch (op_kind(op & 63)) {
	case OP_RAW:
		len = u8(r);
		if (op & 1)
			len |= (size_t)(u8(r) & 0x1F) << 8;
		if (len > r->n)
			len = r->n;
		send_bytes(p, r->p, len);
		r->p += len;
		r->n -= len;
		break;
	case OP_PIN:
		p->pinned = !p->pinned;
		break;
	case OP_BLOCK:
		p->blocked = true;
		break;
	case OP_UNBLOCK:
		p->blocked = false;
		pump_all(f);
		break;
	case OP_TRICKLE:
		v = u8(r);
		if (verbose)
			fprintf(stderr, "conn %d: trickle %u\n", p->idx, v);
		if (v == 0xFF)
			p->werr = p->eof = true; /* reset: both ways fail */
		else if (v == 0xFE)
			p->eof = true;
		else
			p->wmax = v;
		pump_all(f);
		break;
	case OP_RECONNECT:
		peer_close(p);
		peer_open(p);
		pump_all(f);
		break;
	case OP_SPLIT:
		len = build_request(f, p, &m, r);
		n = u8(r) % (len + 1);
		send_bytes(p, m.b, n);
		send_bytes(p, m.b + n, len - n);
		break;
	case OP_REPEAT:
		len = build_request(f, p, &m, r);
		v = u8(r) % 6 + 2;
		for (i = 0; i < v; i++)
			memcpy(many + i * len, m.b, len);
		send_bytes(p, many, v * len);
		break;
	case OP_SHUTDOWN:
	case OP_GONE:
		v = u8(r);
		if (verbose)
			fprintf(stderr, "hypervisor: domain %u %s\n", v % 4,
				op_kind(op & 63) == OP_SHUTDOWN ? "shut down"
								: "is gone");
		if (op_kind(op & 63) == OP_SHUTDOWN)
			store_domain_shutdown(f->st, v % 4);
		else
			store_domain_gone(f->st, v % 4);
		store_flush(f->st);
		pump_all(f);
		break;
	case OP_REQUEST:
		len = build_request(f, p, &m, r);
		send_bytes(p, m.b, len);
		break;
	}
}

static void run_raw(struct fz *f, struct rd *r)
{
	while (r->n) {
		struct peer *p = &f->p[u8(r) % NCONN];
		size_t len = u16(r) % (2 * FRAME_MAX);

		if (len > r->n)
			len = r->n;
		send_bytes(p, r->p, len);
		r->p += len;
		r->n -= len;
	}
}

/* ---- the store and the end-of-input checks ---- */

static struct peer *peer_of(struct fz *f, const struct conn *c)
{
	int i;

	for (i = 0; i < NCONN; i++)
		if (f->p[i].c == c)
			return &f->p[i];
	return NULL;
}

/*
 * An unprivileged request outside a transaction succeeded: right after it
 * (the reply is being queued), the caller must hold the access it needed
 * on the node (XSA-115, XSA-352, XSA-353).
 */
static void check_access(struct fz *f, struct peer *p)
{
	struct store *st = f->st;
	char path[XENSTORE_ABS_PATH_MAX + 1];
	const struct proto_perm *pp;
	unsigned want, have, n;
	bool special;
	node_id id;

	switch (p->rq_type) {
	case XS_READ:
	case XS_DIRECTORY:
	case XS_DIRECTORY_PART:
	case XS_GET_PERMS:
		want = PERM_READ;
		break;
	case XS_WRITE:
	case XS_MKDIR:
		want = PERM_WRITE;
		break;
	case XS_SET_PERMS:
		want = PERM_WRITE | PERM_OWNER;
		break;
	default:
		return;
	}
	special = p->rq_type == XS_GET_PERMS || p->rq_type == XS_SET_PERMS;
	if (proto_canonical(p->rq_path, p->domid, special, path, sizeof(path),
			    NULL) < 0)
		die("conn %d: %s of bad path \"%.64s\" succeeded", p->idx,
		    proto_type_name(p->rq_type), p->rq_path);
	id = tree_lookup(st->tree, path);
	if (!id)
		die("conn %d: %s of %.64s succeeded, but there is no node",
		    p->idx, proto_type_name(p->rq_type), path);
	pp = perms_get(st->perms, tree_perms(st->tree, id), &n);
	have = perms_access(pp, n, p->domid, domain_target(st, p->domid));
	if ((have & want) != want)
		die("conn %d (domain %u): %s of %.64s succeeded with access "
		    "%#x",
		    p->idx, p->domid, proto_type_name(p->rq_type), path, have);
}

/* Every message in and out: note requests, check access on replies. */
static void trace_cb(void *arg, const struct conn *c, bool out,
		     const struct xsd_sockmsg *hdr, const char *payload)
{
	struct fz *f = arg;
	struct peer *p = peer_of(f, c);
	volatile unsigned sum = 0;
	uint32_t i;

	/* Touch every byte so ASan sees a payload shorter than its header. */
	for (i = 0; i < hdr->len; i++)
		sum += (unsigned char)payload[i];
	(void)sum;
	if (!p || p->priv || (skip_checks & SKIP_PERM))
		return;
	if (!out) {
		int l = proto_first_len(payload, hdr->len);

		p->rq_type = hdr->type;
		p->rq_id = hdr->req_id;
		p->rq_tx = hdr->tx_id;
		if (l < 0 || (size_t)l >= sizeof(p->rq_path))
			l = 0;
		memcpy(p->rq_path, payload, (size_t)l);
		p->rq_path[l] = '\0';
		return;
	}
	if (hdr->type == p->rq_type && hdr->req_id == p->rq_id &&
	    hdr->tx_id == p->rq_tx && p->rq_tx == 0)
		check_access(f, p);
}

static int control_cb(void *arg, int argc, const char **argv, char **reply)
{
	if (strcmp(argv[0], "log") == 0) {
		if (argc != 2)
			return -EINVAL;
		*reply = strdup(argv[1]);
		return *reply ? 0 : -ENOMEM;
	}
	if (strcmp(argv[0], "logfile") == 0)
		return argc == 2 ? 0 : -EINVAL;
	return -ENOSYS;
}

static void set_quotas(struct store_config *cfg, unsigned profile)
{
	static const unsigned small[QUOTA_COUNT] = {
		[QUOTA_NODES] = 30,       [QUOTA_WATCHES] = 6,
		[QUOTA_OUTSTANDING] = 8,  [QUOTA_MEMORY] = 8192,
		[QUOTA_TRANSACTIONS] = 3, [QUOTA_TRANSACTION_NODES] = 24,
		[QUOTA_NODE_PERMS] = 3,   [QUOTA_PATH_MAX] = 64,
		[QUOTA_NODE_SIZE] = 256,
	};
	static const unsigned tiny[QUOTA_COUNT] = {
		[QUOTA_NODES] = 4,        [QUOTA_WATCHES] = 2,
		[QUOTA_OUTSTANDING] = 2,  [QUOTA_MEMORY] = 600,
		[QUOTA_TRANSACTIONS] = 1, [QUOTA_TRANSACTION_NODES] = 4,
		[QUOTA_NODE_PERMS] = 1,   [QUOTA_PATH_MAX] = 8,
		[QUOTA_NODE_SIZE] = 40,
	};

	if (profile == 1)
		memcpy(cfg->hard.val, small, sizeof(small));
	else if (profile == 2)
		memcpy(cfg->hard.val, tiny, sizeof(tiny));
	else if (profile == 3)
		memset(&cfg->hard, 0, sizeof(cfg->hard));
	if (profile)
		cfg->soft.val[QUOTA_MEMORY] = cfg->hard.val[QUOTA_MEMORY] / 2;
}

/* libxl's layout for domain d: an introduced domain with a home. */
static void setup_domain(struct peer *d0, const char *d)
{
	char home[64], data[80], perm[16];

	snprintf(home, sizeof(home), "/local/domain/%s", d);
	snprintf(data, sizeof(data), "%s/data", home);
	request_str(d0, XS_INTRODUCE, d, "1234", "5", NULL);
	request_str(d0, XS_MKDIR, home, NULL);
	snprintf(perm, sizeof(perm), "r%s", d);
	request_str(d0, XS_SET_PERMS, home, "n0", perm, NULL);
	snprintf(perm, sizeof(perm), "n%s", d);
	request_str(d0, XS_MKDIR, data, NULL);
	request_str(d0, XS_SET_PERMS, data, perm, NULL);
}

/* CONTROL "check" over a fresh privileged connection must say OK. */
static void check_consistency(struct fz *f)
{
	struct peer *q = &f->p[0];

	/* Reuse slot 0's state machinery for a new dom0 client. */
	q->domid = 0;
	q->priv = true;
	peer_open(q);
	q->replies = 0;
	request_str(q, XS_CONTROL, "check", NULL);
	if (q->dead || q->replies != 1)
		die("CONTROL check: no reply");
	if (!(skip_checks & SKIP_CHECK) &&
	    (q->last_type != XS_CONTROL || strcmp(q->last, "OK") != 0))
		die("CONTROL check says: %s", q->last);
}

/* What the recount found one owner holds. */
struct owned {
	unsigned domid;
	size_t nodes, mem;
};

struct recount {
	struct owned *o;
	size_t n, cap;
};

static struct owned *owned_of(struct recount *rc, unsigned domid)
{
	size_t i;

	for (i = 0; i < rc->n; i++)
		if (rc->o[i].domid == domid)
			return &rc->o[i];
	if (rc->n == rc->cap) {
		rc->cap = rc->cap ? rc->cap * 2 : 16;
		rc->o = realloc(rc->o, rc->cap * sizeof(*rc->o));
		if (!rc->o)
			die("out of memory");
	}
	rc->o[rc->n].domid = domid;
	rc->o[rc->n].nodes = rc->o[rc->n].mem = 0;
	return &rc->o[rc->n++];
}

/* Add one node to the recount of what its owner holds. */
static void count_node(struct store *st, node_id n, struct recount *rc)
{
	const struct tree *t = st->tree;
	struct owned *o;
	size_t nl, vl;
	unsigned np;

	tree_name(t, n, &nl);
	tree_value(t, n, &vl);
	perms_get(st->perms, tree_perms(t, n), &np);
	o = owned_of(rc, perms_owner(st->perms, tree_perms(t, n)));
	o->nodes++;
	o->mem += node_acct_bytes(nl, vl, np);
}

/* With no connections left, recount what each domain owns. */
static void check_accounting(struct store *st)
{
	struct recount rc = {NULL, 0, 0};
	struct store_stats s;
	struct domain *d;
	struct owned *o;
	size_t cur = 0;
	node_id n;

	store_get_stats(st, &s);
	if (s.watches || s.transactions)
		die("%zu watches and %zu transactions outlive their "
		    "connections",
		    s.watches, s.transactions);
	if (skip_checks & SKIP_ACCT)
		return;
	for (n = tree_walk_next(st->tree, 0); n;
	     n = tree_walk_next(st->tree, n))
		count_node(st, n, &rc);
	/* Special nodes sit beside the tree. */
	if ((n = tree_lookup(st->tree, "@introduceDomain")))
		count_node(st, n, &rc);
	if ((n = tree_lookup(st->tree, "@releaseDomain")))
		count_node(st, n, &rc);
	while ((d = hmap_next(&st->domains, &cur))) {
		if (d->watches || d->transactions)
			die("domain %u: %zu watches, %zu transactions left",
			    d->domid, d->watches, d->transactions);
		o = owned_of(&rc, d->domid);
		if (d->nodes != o->nodes ||
		    (d->memory != o->mem && !(skip_checks & SKIP_MEM)))
			die("domain %u: accounted %zu nodes / %zu bytes, "
			    "owns %zu / %zu",
			    d->domid, d->nodes, d->memory, o->nodes, o->mem);
		o->domid = UINT32_MAX; /* seen */
	}
	for (cur = 0; cur < rc.n; cur++)
		if (rc.o[cur].domid != UINT32_MAX)
			die("domain %u owns %zu nodes but has no entry",
			    rc.o[cur].domid, rc.o[cur].nodes);
	free(rc.o);
}

/*
 * The hypervisor layer, as the daemon's: INTRODUCE of domain 1 or 2 gives
 * it a ring connection again if it lost it; a frame number of 4096 stands
 * for a ring that cannot be mapped.  Release frees the domain's rings at
 * once, from inside the store, as daemon/domains.c does, unless the
 * connection is pinned (OP_PIN): a transport that keeps it, as with a ring
 * still being serviced or a hypervisor layer with no release hook.
 */
static int dops_introduce(void *arg, unsigned domid, uint64_t mfn,
			  unsigned port)
{
	struct fz *f = arg;
	int i;

	if (mfn == 4096)
		return -EINVAL;
	for (i = 0; i < NCONN; i++)
		if (!f->p[i].priv && f->p[i].domid == domid && !f->p[i].c)
			peer_open(&f->p[i]);
	return 0;
}

static void dops_release(void *arg, unsigned domid)
{
	struct fz *f = arg;
	int i;

	for (i = 0; i < NCONN; i++)
		if (!f->p[i].priv && f->p[i].domid == domid && f->p[i].c &&
		    !f->p[i].pinned)
			peer_close(&f->p[i]);
}

static void fz_init(struct fz *f, unsigned flags)
{
	struct store_domain_ops dops = {f, dops_introduce, dops_release, NULL};
	static uint8_t inbufs[NCONN][IN_MAX];
	struct store_config cfg;
	struct store_hooks hooks = {f, trace_cb, control_cb};
	static const unsigned domids[NCONN] = {0, 1, 2, 0};
	int i;

	memset(f, 0, sizeof(*f));
	store_config_defaults(&cfg);
	set_quotas(&cfg, flags & F_QUOTA_MASK);
	cfg.keep_orphans = flags & F_KEEP_ORPH;
	if (flags & F_SMALL_OUTQ)
		cfg.socket_outq_max = 8192;
	if (!(flags & F_HOOKS))
		hooks.control = NULL;
	f->st = store_new(&cfg, &hooks);
	if (!f->st)
		die("store_new failed");
	store_set_domain_ops(f->st, &dops);
	for (i = 0; i < NCONN; i++) {
		struct peer *p = &f->p[i];

		p->fz = f;
		p->idx = i;
		p->domid = domids[i];
		p->priv = p->domid == 0;
		p->in = inbufs[i];
	}
	if (flags & F_SAME_DOMAIN)
		f->p[2].domid = 1;
	for (i = 0; i < NCONN; i++)
		peer_open(&f->p[i]);
	if (flags & F_SETUP) {
		setup_domain(&f->p[0], "1");
		setup_domain(&f->p[0], "2");
	}
}

static void fz_finish(struct fz *f)
{
	int i;

	/* Everyone reads everything now. */
	for (i = 0; i < NCONN; i++) {
		f->p[i].blocked = false;
		f->p[i].wmax = 0;
	}
	pump_all(f);
	for (i = 0; i < NCONN; i++) {
		struct peer *p = &f->p[i];

		if (p->dead)
			continue;
		if (p->oversized && !(skip_checks & SKIP_KILL))
			die("conn %d: survived a header longer than 4096", i);
		if (!p->oversized && p->fhead != p->ftail &&
		    !(skip_checks & SKIP_FIFO))
			die("conn %d: %zu requests never answered", i,
			    p->ftail - p->fhead);
	}
	for (i = 0; i < NCONN; i++)
		peer_close(&f->p[i]);
	check_consistency(f);
	peer_close(&f->p[0]);
	check_accounting(f->st);
	store_free(f->st);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *s = getenv("FUZZ_STORE_SKIP");

	log_init("fuzz_store", -1);
	verbose = getenv("FUZZ_STORE_VERBOSE") != NULL;
	if (s) {
		skip_checks |= strstr(s, "acct") ? SKIP_ACCT : 0;
		skip_checks |= strstr(s, "check") ? SKIP_CHECK : 0;
		skip_checks |= strstr(s, "fifo") ? SKIP_FIFO : 0;
		skip_checks |= strstr(s, "kill") ? SKIP_KILL : 0;
		skip_checks |= strstr(s, "want") ? SKIP_WANT : 0;
		skip_checks |= strstr(s, "mem") ? SKIP_MEM : 0;
		skip_checks |= strstr(s, "perm") ? SKIP_PERM : 0;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz f;
	struct rd r = {data, size};
	unsigned flags;
	int ops;

	if (size < 1 || size > 65536)
		return 0;
	flags = u8(&r);
	fz_init(&f, flags);
	if (flags & F_RAW)
		run_raw(&f, &r);
	else
		for (ops = 0; r.n && ops < MAX_OPS; ops++)
			run_op(&f, &r);
	fz_finish(&f);
	return 0;
}
