/*
 * fakeconn.c: in-memory transport for store unit tests (see fakeconn.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/store/conn.h"
#include "protocol/proto.h"
#include "tests/unit/fakeconn.h"

#define FAKE_IN  (1 << 16)
#define FAKE_OUT (1 << 22)

struct fake {
	struct conn *c;
	char in[FAKE_IN];
	size_t inlen, inpos;
	char *out;
	size_t outlen, outpos;
	bool killed;
	bool blocked; /* the peer reads nothing: writes make no progress */
	bool held;    /* fake_feed() queues without handling */
	unsigned long nseen; /* watch events received, all of them */
	size_t seen_bytes;   /* their bytes, headers included */
	char log[4096];      /* message types in arrival order */
	size_t loglen;
	char events[256][XENSTORE_PAYLOAD_MAX + 1];
	int nev, evpos;
	char reply[2 * XENSTORE_PAYLOAD_MAX + 64];
	char evbuf[XENSTORE_PAYLOAD_MAX + 1];
};

static ssize_t f_read(void *arg, void *buf, size_t len)
{
	struct fake *f = arg;
	size_t n = f->inlen - f->inpos;

	if (n > len)
		n = len;
	memcpy(buf, f->in + f->inpos, n);
	f->inpos += n;
	if (f->inpos == f->inlen)
		f->inpos = f->inlen = 0;
	return (ssize_t)n;
}

static ssize_t f_write(void *arg, const void *buf, size_t len)
{
	struct fake *f = arg;

	if (f->blocked)
		return 0;
	if (len > FAKE_OUT - f->outlen)
		len = FAKE_OUT - f->outlen;
	memcpy(f->out + f->outlen, buf, len);
	f->outlen += len;
	return (ssize_t)len;
}

static void f_want_write(void *arg, bool on)
{
	struct fake *f = arg;

	if (on && f->c)
		conn_output(f->c);
}

static void f_kill(void *arg, const char *why)
{
	((struct fake *)arg)->killed = true;
}

static const struct conn_transport fake_tp = {
	"fake", f_read, f_write, f_want_write, f_kill,
};

struct fake *fake_new(struct store *st, unsigned domid, bool priv)
{
	struct fake *f = calloc(1, sizeof(*f));

	f->out = malloc(FAKE_OUT);
	f->c = conn_new(st, domid, priv, &fake_tp, f);
	return f;
}

void fake_free(struct fake *f)
{
	if (!f)
		return;
	conn_free(f->c);
	free(f->out);
	free(f);
}

bool fake_killed(const struct fake *f)
{
	return f->killed;
}

void fake_feed(struct fake *f, const void *buf, size_t len)
{
	if (f->killed || len > FAKE_IN - f->inlen)
		return;
	memcpy(f->in + f->inlen, buf, len);
	f->inlen += len;
	while (!f->killed && !f->held) {
		int r = conn_input(f->c);

		if (r < 0)
			f->killed = true;
		if (r != 1)
			break;
	}
	if (!f->killed && !f->held)
		conn_output(f->c);
}

void fake_hold(struct fake *f, bool held)
{
	f->held = held;
}

struct conn *fake_conn(struct fake *f)
{
	return f->c;
}

void fake_send(struct fake *f, uint32_t type, uint32_t tx_id,
	       const void *payload, size_t len)
{
	struct xsd_sockmsg h = {type, 42, tx_id, (uint32_t)len};
	char buf[sizeof(h) + XENSTORE_PAYLOAD_MAX + 64];

	if (len > XENSTORE_PAYLOAD_MAX + 64)
		return;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), payload, len);
	fake_feed(f, buf, sizeof(h) + len);
}

static void show(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		dst[i] = src[i] ? src[i] : '|';
	dst[len] = '\0';
}

/* Note a message type in the arrival log. */
static void log_type(struct fake *f, uint32_t type)
{
	const char *name = proto_type_name(type);
	int n;

	if (f->loglen >= sizeof(f->log))
		return;
	n = snprintf(f->log + f->loglen, sizeof(f->log) - f->loglen, "%s ",
		     name ? name : "?");
	if (n > 0)
		f->loglen += (size_t)n;
	if (f->loglen >= sizeof(f->log))
		f->loglen = sizeof(f->log) - 1;
}

/* Take messages off the output: events are stashed, the first reply is
 * formatted into f->reply.  Returns whether a reply was found. */
static bool drain(struct fake *f)
{
	bool got = false;

	/* Output queued by calls other than our own requests. */
	if (!f->killed)
		conn_output(f->c);

	while (f->outlen - f->outpos >= sizeof(struct xsd_sockmsg)) {
		struct xsd_sockmsg h;
		const char *p;

		memcpy(&h, f->out + f->outpos, sizeof(h));
		if (f->outlen - f->outpos < sizeof(h) + h.len)
			break;
		p = f->out + f->outpos + sizeof(h);
		if (h.type == XS_WATCH_EVENT) {
			log_type(f, h.type);
			f->nseen++;
			f->seen_bytes += sizeof(h) + h.len;
			if (f->nev < 256)
				show(f->events[f->nev++], p, h.len);
		} else if (!got) {
			const char *name = proto_type_name(h.type);
			int n = snprintf(f->reply, sizeof(f->reply),
					 "%s:", name ? name : "?");

			log_type(f, h.type);
			show(f->reply + n, p, h.len);
			got = true;
		} else {
			break;
		}
		f->outpos += sizeof(h) + h.len;
	}
	if (f->outpos == f->outlen)
		f->outpos = f->outlen = 0;
	return got;
}

const char *fake_req_raw(struct fake *f, uint32_t type, uint32_t tx_id,
			 const void *payload, size_t len)
{
	fake_send(f, type, tx_id, payload, len);
	if (!drain(f))
		snprintf(f->reply, sizeof(f->reply), "%s",
			 f->killed ? "KILLED" : "NOREPLY");
	return f->reply;
}

const char *fake_req(struct fake *f, uint32_t type, uint32_t tx_id, ...)
{
	char buf[XENSTORE_PAYLOAD_MAX + 64];
	size_t len = 0;
	const char *s;
	va_list ap;

	va_start(ap, tx_id);
	while ((s = va_arg(ap, const char *))) {
		size_t l = strlen(s) + 1;

		if (len + l > sizeof(buf))
			break;
		memcpy(buf + len, s, l);
		len += l;
	}
	va_end(ap);
	/* A WRITE's value is the rest of the payload, with no NUL. */
	if (type == XS_WRITE && len)
		len--;
	return fake_req_raw(f, type, tx_id, buf, len);
}

const char *fake_event(struct fake *f)
{
	drain(f);
	if (f->evpos >= f->nev) {
		f->evpos = f->nev = 0;
		return NULL;
	}
	memcpy(f->evbuf, f->events[f->evpos++], sizeof(f->evbuf));
	return f->evbuf;
}

int fake_event_count(struct fake *f)
{
	drain(f);
	return f->nev - f->evpos;
}

void fake_clear_events(struct fake *f)
{
	drain(f);
	f->nev = f->evpos = 0;
}

uint32_t fake_tx_start(struct fake *f)
{
	const char *r = fake_req(f, XS_TRANSACTION_START, 0, "", NULL);

	if (strncmp(r, "TRANSACTION_START:", 18) != 0)
		return 0;
	return (uint32_t)strtoul(r + 18, NULL, 10);
}

void fake_block(struct fake *f, bool blocked)
{
	int i, r;

	f->blocked = blocked;
	if (blocked || f->killed)
		return;
	/* Hand over what is queued, then handle input held back meanwhile. */
	for (i = 0; i < 100000; i++) {
		r = conn_output(f->c);
		if (r < 0) {
			f->killed = true;
			return;
		}
		if (r == 0 && f->inpos == f->inlen)
			break;
		do {
			r = conn_input(f->c);
		} while (r == 1);
		if (r < 0) {
			f->killed = true;
			return;
		}
	}
}

const char *fake_reply(struct fake *f)
{
	return drain(f) ? f->reply : NULL;
}

unsigned long fake_events_seen(struct fake *f)
{
	drain(f);
	return f->nseen;
}

size_t fake_event_bytes(struct fake *f)
{
	drain(f);
	return f->seen_bytes;
}

const char *fake_log(struct fake *f)
{
	f->log[f->loglen] = '\0';
	return f->log;
}

void fake_log_reset(struct fake *f)
{
	f->loglen = 0;
	f->log[0] = '\0';
}
