/*
 * guest.c: simulated guests' xenbus and console drivers (see guest.h).
 *
 * The XenStore ring, from the guest's side: requests are queued in wq and
 * copied into req as room appears; rsp is read a message at a time into
 * rbuf (header first, then exactly hdr.len bytes).  Every pass over a
 * ring that moved an index ends with one notification.  Index reading,
 * the size check and the barriers are protocol/ring.c's.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/console.h>

#include "protocol/ring.h"
#include "sim/guest.h"

#define XS_HDR             sizeof(struct xsd_sockmsg)
#define WQ_MAX             (256 * 1024) /* queued request bytes per guest */
#define CQ_MAX             (256 * 1024) /* queued console bytes per guest */
#define WATCHQ_MAX         256          /* queued watch events per guest */
#define EVENTS_PER_READ    256
#define READS_PER_DISPATCH 4 /* then the caller's loop gets a say */

struct watchev {
	struct watchev *next;
	char *path, *token;
};

/* A growable byte queue. */
struct bytes {
	char *buf;
	size_t len, cap;
};

struct guest {
	struct guest_host *gh;
	unsigned domid;
	struct sim_start_info si;
	void *si_page;
	struct xenstore_domain_interface *xs;
	struct xencons_interface *cons;
	bool dead, shutdown, no_read, broken;
	unsigned busy; /* in a callback: detach later */
	bool detach_pending;
	/* XenStore */
	struct bytes wq;
	char rbuf[XS_HDR + XENSTORE_PAYLOAD_MAX + 1];
	size_t rlen;
	uint32_t next_id;
	unsigned outstanding;
	struct watchev *wq_head, *wq_tail;
	unsigned nwatch;
	/* A blocking call in progress. */
	bool waiting, done;
	uint32_t wait_id;
	int call_err;
	char *call_reply;
	size_t call_len;
	/* Console */
	struct bytes cq;
	/* Callbacks */
	guest_reply_fn *on_reply;
	guest_watch_fn *on_watch;
	guest_state_fn *on_state;
	void *arg;
	guest_input_fn *on_input;
	void *input_arg;
};

struct guest_host {
	struct simclient *sc;
	uint32_t idseed;
	struct guest **by_dom; /* indexed by domid */
	size_t count;
	/* Events taken off the stream by a detach, still to dispatch. */
	struct sim_event *stash;
	size_t nstash, stash_pos, stash_cap;
};

/* ---- helpers ---- */

static int bytes_add(struct bytes *b, const void *p, size_t len, size_t max)
{
	if (b->len + len > max)
		return -ENOBUFS;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *nb;

		while (cap < b->len + len)
			cap *= 2;
		nb = realloc(b->buf, cap);
		if (!nb)
			return -ENOMEM;
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, p, len);
	b->len += len;
	return 0;
}

static void bytes_drop(struct bytes *b, size_t n)
{
	memmove(b->buf, b->buf + n, b->len - n);
	b->len -= n;
}

static void notify(struct guest *g, uint32_t port)
{
	simclient_notify(g->gh->sc, g->domid, port);
}

/* The errno an XS_ERROR string names. */
static int xs_errno(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (strcmp(s, xsd_errors[i].errstring) == 0)
			return xsd_errors[i].errnum;
	return EIO;
}

static void console_dirs(struct guest *g, struct ring_dir *out,
			 struct ring_dir *in)
{
	out->data = g->cons->out;
	out->size = sizeof(g->cons->out);
	out->cons = &g->cons->out_cons;
	out->prod = &g->cons->out_prod;
	in->data = g->cons->in;
	in->size = sizeof(g->cons->in);
	in->cons = &g->cons->in_cons;
	in->prod = &g->cons->in_prod;
}

/* ---- the XenStore ring ---- */

static void watch_queue(struct guest *g, const char *path, const char *token)
{
	struct watchev *w;

	if (g->nwatch >= WATCHQ_MAX) { /* drop the oldest */
		w = g->wq_head;
		g->wq_head = w->next;
		if (!g->wq_head)
			g->wq_tail = NULL;
		g->nwatch--;
		free(w->path);
		free(w->token);
		free(w);
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return;
	w->path = strdup(path);
	w->token = strdup(token);
	if (!w->path || !w->token) {
		free(w->path);
		free(w->token);
		free(w);
		return;
	}
	if (g->wq_tail)
		g->wq_tail->next = w;
	else
		g->wq_head = w;
	g->wq_tail = w;
	g->nwatch++;
}

static void deliver_watch(struct guest *g, const char *body, uint32_t len)
{
	const char *path = body, *token;
	size_t plen = strnlen(body, len);

	if (plen >= len)
		return; /* malformed: no token */
	token = body + plen + 1;
	if (g->on_watch)
		g->on_watch(g, path, token, g->arg);
	else
		watch_queue(g, path, token);
}

static void deliver_reply(struct guest *g, const struct xsd_sockmsg *hdr,
			  const char *body)
{
	if (g->outstanding)
		g->outstanding--;
	if (g->waiting && hdr->req_id == g->wait_id) {
		g->done = true;
		g->call_err = hdr->type == XS_ERROR ? -xs_errno(body) : 0;
		g->call_reply = malloc(hdr->len + 1);
		if (g->call_reply) {
			memcpy(g->call_reply, body, hdr->len + 1);
			g->call_len = hdr->len;
		} else if (!g->call_err) {
			g->call_err = -ENOMEM;
		}
		return;
	}
	if (g->on_reply)
		g->on_reply(g, hdr, body, g->arg);
}

/* Read what rsp holds; true if the index moved. */
static bool xs_read_rsp(struct guest *g)
{
	struct ring_dir d;
	struct xsd_sockmsg hdr;
	bool moved = false;

	ring_xs_rsp(g->xs, &d);
	while (!g->no_read && !g->broken && !g->dead) {
		size_t want = XS_HDR;
		ssize_t n;

		if (g->rlen >= XS_HDR) {
			memcpy(&hdr, g->rbuf, XS_HDR);
			want = XS_HDR + hdr.len;
		}
		if (g->rlen < want) {
			n = ring_take(&d, g->rbuf + g->rlen, want - g->rlen);
			if (n < 0)
				g->broken = true; /* the server broke it */
			if (n <= 0)
				break;
			moved = true;
			g->rlen += (size_t)n;
			memcpy(&hdr, g->rbuf, XS_HDR);
			if (g->rlen == XS_HDR && hdr.len > XENSTORE_PAYLOAD_MAX)
				g->broken = true;
			continue;
		}
		g->rbuf[g->rlen] = '\0';
		g->rlen = 0;
		if (hdr.type == XS_WATCH_EVENT)
			deliver_watch(g, g->rbuf + XS_HDR, hdr.len);
		else
			deliver_reply(g, &hdr, g->rbuf + XS_HDR);
	}
	return moved;
}

/* Copy queued requests into req; true if the index moved. */
static bool xs_write_req(struct guest *g)
{
	struct ring_dir d;
	ssize_t n;

	if (!g->wq.len || g->broken)
		return false;
	ring_xs_req(g->xs, &d);
	n = ring_put(&d, g->wq.buf, g->wq.len);
	if (n < 0) {
		g->broken = true;
		return false;
	}
	bytes_drop(&g->wq, (size_t)n);
	return n > 0;
}

/* Callbacks may detach their guest: that waits until we are out. */
static void hold(struct guest *g)
{
	g->busy++;
}

static void unhold(struct guest *g)
{
	if (--g->busy == 0 && g->detach_pending)
		guest_detach(g);
}

/* Send what is queued, without reading: no callback runs from here, so a
 * caller learns its req_id before the reply can be handed over. */
static void xs_push(struct guest *g)
{
	if (!g->dead && !g->shutdown && xs_write_req(g))
		notify(g, g->si.store_evtchn);
}

static void xs_service(struct guest *g)
{
	bool moved;

	if (g->dead || g->shutdown)
		return;
	hold(g);
	moved = xs_read_rsp(g);
	moved |= xs_write_req(g);
	if (moved && !g->dead)
		notify(g, g->si.store_evtchn);
	unhold(g);
}

/* ---- the console ring ---- */

/* Copy queued output into out; true if the index moved. */
static bool console_put(struct guest *g, const struct ring_dir *out)
{
	ssize_t n;

	if (!g->cq.len)
		return false;
	n = ring_put(out, g->cq.buf, g->cq.len);
	if (n <= 0)
		return false;
	bytes_drop(&g->cq, (size_t)n);
	return true;
}

/* Output only, as xs_push. */
static void console_push(struct guest *g)
{
	struct ring_dir out, in;

	if (g->dead || g->shutdown)
		return;
	console_dirs(g, &out, &in);
	if (console_put(g, &out))
		notify(g, g->si.cons_evtchn);
}

static void console_service(struct guest *g)
{
	struct ring_dir out, in;
	char buf[sizeof(g->cons->in)];
	bool moved = false;
	ssize_t n;

	if (g->dead || g->shutdown)
		return;
	hold(g);
	console_dirs(g, &out, &in);
	moved = console_put(g, &out);
	n = ring_take(&in, buf, sizeof(buf));
	if (n > 0) {
		moved = true;
		if (g->on_input)
			g->on_input(g, buf, (size_t)n, g->input_arg);
	}
	if (moved && !g->dead)
		notify(g, g->si.cons_evtchn);
	unhold(g);
}

static long now_ms(void);

/* ---- the host ---- */

struct guest_host *guest_host_new(struct simclient *sc)
{
	struct guest_host *gh = calloc(1, sizeof(*gh));

	if (!gh)
		return NULL;
	gh->by_dom = calloc(SIM_DOMID_MAX + 1, sizeof(*gh->by_dom));
	if (!gh->by_dom) {
		free(gh);
		return NULL;
	}
	gh->sc = sc;
	gh->idseed = (uint32_t)now_ms() ^ ((uint32_t)getpid() << 16);
	return gh;
}

void guest_host_free(struct guest_host *gh)
{
	unsigned id;

	if (!gh)
		return;
	for (id = 0; id <= SIM_DOMID_MAX && gh->count; id++)
		if (gh->by_dom[id])
			guest_detach(gh->by_dom[id]);
	free(gh->by_dom);
	free(gh->stash);
	free(gh);
}

int guest_host_fd(const struct guest_host *gh)
{
	return simclient_event_fd(gh->sc);
}

int guest_host_drain(struct guest_host *gh, int timeout_ms)
{
	long end = now_ms() + timeout_ms;
	unsigned id;

	for (;;) {
		bool busy = false;
		long left = end - now_ms();

		for (id = 0; id <= SIM_DOMID_MAX && !busy; id++) {
			struct guest *g = gh->by_dom[id];

			busy = g && !guest_dead(g) && !g->no_read &&
			       (g->outstanding || g->wq.len || g->cq.len);
		}
		if (!busy)
			return 0;
		if (left <= 0)
			return -ETIMEDOUT;
		if (guest_host_run_once(gh, (int)left) < 0)
			return -EPIPE;
	}
}

size_t guest_host_count(const struct guest_host *gh)
{
	return gh->count;
}

static void state_change(struct guest *g)
{
	hold(g);
	if (g->on_state)
		g->on_state(g, g->arg);
	unhold(g);
}

static void handle_event(struct guest_host *gh, const struct sim_event *ev)
{
	struct guest *g = ev->dom <= SIM_DOMID_MAX ? gh->by_dom[ev->dom] : NULL;

	if (!g)
		return;
	switch (ev->port) {
	case SIM_EVT_DEAD:
		g->dead = true;
		state_change(g);
		return;
	case SIM_EVT_SHUTDOWN:
		g->shutdown = true;
		state_change(g);
		return;
	case SIM_EVT_RESUMED:
		g->shutdown = false;
		state_change(g);
		return;
	}
	if (ev->port == g->si.store_evtchn)
		xs_service(g);
	else if (ev->port == g->si.cons_evtchn)
		console_service(g);
}

/*
 * A guest is detached: take what the event stream holds off it now,
 * dropping its domain's records.  xensim writes a client's events before
 * its reply, so this catches a death notice sent before the detach,
 * which would otherwise reach the next guest on that domid.
 */
static void stash_events(struct guest_host *gh, unsigned domid)
{
	struct sim_event ev[EVENTS_PER_READ];
	int n, i;

	do {
		n = simclient_read_events(gh->sc, ev, EVENTS_PER_READ);
		for (i = 0; i < n; i++) {
			if (ev[i].dom == domid)
				continue;
			if (gh->nstash == gh->stash_cap) {
				size_t cap = gh->stash_cap ? gh->stash_cap * 2
							   : EVENTS_PER_READ;
				struct sim_event *ns =
					realloc(gh->stash, cap * sizeof(*ns));

				if (!ns)
					return; /* lost */
				gh->stash = ns;
				gh->stash_cap = cap;
			}
			gh->stash[gh->nstash++] = ev[i];
		}
	} while (n == EVENTS_PER_READ);
}

int guest_host_dispatch(struct guest_host *gh)
{
	struct sim_event ev[EVENTS_PER_READ];
	int n, i, total = 0, reads = 0;

	/* A callback's detach may stash more: walk by index. */
	while (gh->stash_pos < gh->nstash && total < EVENTS_PER_READ) {
		struct sim_event e = gh->stash[gh->stash_pos++];

		handle_event(gh, &e);
		total++;
	}
	if (gh->stash_pos == gh->nstash)
		gh->stash_pos = gh->nstash = 0;

	do {
		n = simclient_read_events(gh->sc, ev, EVENTS_PER_READ);
		if (n < 0)
			return total ? total : n;
		for (i = 0; i < n; i++)
			handle_event(gh, &ev[i]);
		total += n;
	} while (n == EVENTS_PER_READ && ++reads < READS_PER_DISPATCH);
	return total;
}

int guest_host_run_once(struct guest_host *gh, int timeout_ms)
{
	struct pollfd p = {guest_host_fd(gh), POLLIN, 0};
	int rc = poll(&p, 1, gh->nstash ? 0 : timeout_ms);

	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	if (rc == 0 && !gh->nstash)
		return 0;
	return guest_host_dispatch(gh);
}

/* ---- one guest ---- */

static void guest_unmap(struct guest *g)
{
	struct simclient *sc = g->gh->sc;

	if (g->si_page)
		simclient_unmap(sc, g->si_page);
	if (g->xs)
		simclient_unmap(sc, g->xs);
	if (g->cons)
		simclient_unmap(sc, g->cons);
	g->si_page = g->xs = NULL;
	g->cons = NULL;
}

static int guest_map(struct guest *g)
{
	struct simclient *sc = g->gh->sc;
	unsigned d = g->domid;

	g->si_page = simclient_map_gfn(sc, d, d, SIM_GFN_START_INFO);
	if (!g->si_page)
		return -errno;
	/* What a PV kernel reads first: start_info. */
	memcpy(&g->si, g->si_page, sizeof(g->si));
	if (memcmp(g->si.magic, SIM_START_MAGIC, sizeof(SIM_START_MAGIC)))
		return -EPROTO;
	g->xs = simclient_map_gfn(sc, d, d, g->si.store_mfn);
	if (!g->xs)
		return -errno;
	if (g->si.cons_evtchn) {
		g->cons = simclient_map_gfn(sc, d, d, g->si.cons_mfn);
		if (!g->cons)
			return -errno;
	}
	return 0;
}

struct guest *guest_attach(struct guest_host *gh, unsigned domid, int *err)
{
	struct guest *g;
	int rc;

	if (domid > SIM_DOMID_MAX || gh->by_dom[domid]) {
		*err = -EEXIST;
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		*err = -ENOMEM;
		return NULL;
	}
	g->gh = gh;
	g->domid = domid;
	/* Replies a previous kernel left in the ring must not match ours. */
	gh->idseed = gh->idseed * 1103515245u + 12345u;
	g->next_id = (gh->idseed & 0x7FFFFF00u) | 1;
	rc = simclient_attach(gh->sc, domid, NULL);
	if (rc < 0) {
		free(g);
		*err = rc;
		return NULL;
	}
	rc = guest_map(g);
	if (rc < 0) {
		guest_unmap(g);
		simclient_detach(gh->sc, domid);
		free(g);
		*err = rc;
		return NULL;
	}
	gh->by_dom[domid] = g;
	gh->count++;
	*err = 0;
	return g;
}

void guest_detach(struct guest *g)
{
	struct watchev *w;

	if (!g)
		return;
	if (g->busy) {
		g->detach_pending = true;
		return;
	}
	guest_unmap(g);
	if (!g->dead) {
		simclient_detach(g->gh->sc, g->domid);
		stash_events(g->gh, g->domid);
	}
	g->gh->by_dom[g->domid] = NULL;
	g->gh->count--;
	while ((w = g->wq_head)) {
		g->wq_head = w->next;
		free(w->path);
		free(w->token);
		free(w);
	}
	free(g->wq.buf);
	free(g->cq.buf);
	free(g->call_reply);
	free(g);
}

unsigned guest_domid(const struct guest *g)
{
	return g->domid;
}

const struct sim_start_info *guest_start_info(const struct guest *g)
{
	return &g->si;
}

bool guest_dead(const struct guest *g)
{
	return g->dead || g->shutdown || g->broken;
}

bool guest_is_shutdown(const struct guest *g)
{
	return g->shutdown;
}

uint32_t guest_xs_error(const struct guest *g)
{
	return g->xs ? __atomic_load_n(&g->xs->error, __ATOMIC_RELAXED) : 0;
}

int guest_shutdown(struct guest *g, unsigned reason)
{
	return simclient_domain_shutdown(g->gh->sc, g->domid, SIM_DOMID_SELF,
					 reason);
}

void guest_set_handlers(struct guest *g, guest_reply_fn *reply,
			guest_watch_fn *watch, guest_state_fn *state, void *arg)
{
	g->on_reply = reply;
	g->on_watch = watch;
	g->on_state = state;
	g->arg = arg;
}

void guest_set_console_input(struct guest *g, guest_input_fn *fn, void *arg)
{
	g->on_input = fn;
	g->input_arg = arg;
}

void *guest_arg(const struct guest *g)
{
	return g->arg;
}

/* ---- requests ---- */

/* Request ids stay in 1 .. 2^31 - 1: they are returned as a positive int. */
static uint32_t take_id(struct guest *g)
{
	uint32_t id = g->next_id;

	g->next_id = id >= 0x7FFFFFFFu ? 1 : id + 1;
	return id;
}

static int xs_queue(struct guest *g, uint32_t type, uint32_t tx,
		    const struct bytes *body)
{
	struct xsd_sockmsg hdr = {type, 0, tx, (uint32_t)body->len};
	int rc;

	if (g->dead)
		return -EPIPE;
	if (body->len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	hdr.req_id = take_id(g);
	if (g->wq.len + XS_HDR + body->len > WQ_MAX)
		return -ENOBUFS;
	rc = bytes_add(&g->wq, &hdr, XS_HDR, WQ_MAX);
	if (rc == 0)
		rc = bytes_add(&g->wq, body->buf, body->len, WQ_MAX);
	if (rc < 0)
		return rc;
	g->outstanding++;
	xs_push(g);
	return (int)hdr.req_id;
}

int guest_xs_send(struct guest *g, uint32_t type, uint32_t tx, const void *body,
		  size_t len)
{
	struct bytes b = {(char *)body, len, len};

	return xs_queue(g, type, tx, &b);
}

int guest_join(char *buf, size_t size, const char *const *args, int nargs,
	       bool nul_end)
{
	size_t len = 0;
	int i;

	for (i = 0; i < nargs; i++) {
		size_t l = strlen(args[i]);
		bool nul = i < nargs - 1 || nul_end;

		if (len + l + nul > size)
			return -E2BIG;
		memcpy(buf + len, args[i], l);
		len += l;
		if (nul)
			buf[len++] = '\0';
	}
	return (int)len;
}

int guest_xs_sendv(struct guest *g, uint32_t type, uint32_t tx,
		   const char *const *args, int nargs, bool nul_end)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	int len = guest_join(buf, sizeof(buf), args, nargs, nul_end);

	if (len < 0)
		return len;
	return guest_xs_send(g, type, tx, buf, (size_t)len);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Run the host until done() or the deadline: 0, -ETIMEDOUT, -EPIPE. */
static int run_until(struct guest *g, bool (*done)(const struct guest *),
		     int timeout_ms)
{
	long end = now_ms() + timeout_ms;

	while (!done(g)) {
		long left = end - now_ms();
		int rc;

		if (g->dead || g->broken || g->shutdown)
			return -EPIPE;
		if (timeout_ms >= 0 && left <= 0)
			return -ETIMEDOUT;
		rc = guest_host_run_once(g->gh,
					 timeout_ms < 0 ? -1 : (int)left);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static bool call_done(const struct guest *g)
{
	return g->done;
}

int guest_xs_call(struct guest *g, uint32_t type, uint32_t tx, const void *body,
		  size_t len, char **reply, size_t *rlen, int timeout_ms)
{
	int id, rc;

	if (g->waiting)
		return -EBUSY; /* one blocking call per guest at a time */
	g->waiting = true;
	g->done = false;
	g->call_reply = NULL;
	id = guest_xs_send(g, type, tx, body, len);
	if (id < 0) {
		g->waiting = false;
		return id;
	}
	g->wait_id = (uint32_t)id;
	rc = run_until(g, call_done, timeout_ms);
	g->waiting = false;
	if (rc == 0)
		rc = g->call_err;
	if (rc == 0 && reply) {
		*reply = g->call_reply;
		g->call_reply = NULL;
	}
	if (rc == 0 && rlen)
		*rlen = g->call_len;
	free(g->call_reply);
	g->call_reply = NULL;
	return rc;
}

#define CALL_TIMEOUT_MS 10000

/* A blocking call with string arguments. */
static int callv(struct guest *g, uint32_t type, const char *const *args,
		 int nargs, bool nul_end, char **reply)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	int len = guest_join(buf, sizeof(buf), args, nargs, nul_end);

	if (len < 0)
		return len;
	return guest_xs_call(g, type, 0, buf, (size_t)len, reply, NULL,
			     CALL_TIMEOUT_MS);
}

int guest_xs_read(struct guest *g, const char *path, char **val)
{
	return callv(g, XS_READ, &path, 1, true, val);
}

int guest_xs_write(struct guest *g, const char *path, const char *val)
{
	const char *args[2] = {path, val};

	return callv(g, XS_WRITE, args, 2, false, NULL);
}

int guest_xs_watch(struct guest *g, const char *path, const char *token)
{
	const char *args[2] = {path, token};

	return callv(g, XS_WATCH, args, 2, true, NULL);
}

static bool watch_ready(const struct guest *g)
{
	return g->wq_head != NULL;
}

int guest_xs_wait_watch(struct guest *g, char **path, char **token,
			int timeout_ms)
{
	struct watchev *w;
	int rc = run_until(g, watch_ready, timeout_ms);

	if (rc < 0)
		return rc;
	w = g->wq_head;
	g->wq_head = w->next;
	if (!g->wq_head)
		g->wq_tail = NULL;
	g->nwatch--;
	*path = w->path;
	*token = w->token;
	free(w);
	return 0;
}

unsigned guest_xs_outstanding(const struct guest *g)
{
	return g->outstanding;
}

/* ---- console ---- */

int guest_console_write(struct guest *g, const void *buf, size_t len)
{
	int rc;

	if (!g->cons)
		return -ENODEV;
	if (g->dead)
		return -EPIPE;
	rc = bytes_add(&g->cq, buf, len, CQ_MAX);
	if (rc < 0)
		return rc;
	console_push(g);
	return (int)len;
}

size_t guest_console_pending(const struct guest *g)
{
	uint32_t cons, prod;

	if (!g->cons)
		return 0;
	cons = __atomic_load_n(&g->cons->out_cons, __ATOMIC_RELAXED);
	prod = __atomic_load_n(&g->cons->out_prod, __ATOMIC_RELAXED);
	return g->cq.len + (prod - cons);
}

/* ---- misbehaviour ---- */

int guest_bad_xs_index(struct guest *g)
{
	uint32_t cons = __atomic_load_n(&g->xs->req_cons, __ATOMIC_RELAXED);

	__atomic_store_n(&g->xs->req_prod, cons + 3 * XENSTORE_RING_SIZE,
			 __ATOMIC_RELEASE);
	notify(g, g->si.store_evtchn);
	return 0;
}

/* Bytes straight into req, whatever they are; as many as fit. */
int guest_bad_xs_raw(struct guest *g, const void *bytes, size_t len)
{
	struct ring_dir d;
	ssize_t n;

	ring_xs_req(g->xs, &d);
	n = ring_put(&d, bytes, len);
	if (n > 0)
		notify(g, g->si.store_evtchn);
	return (int)n;
}

int guest_bad_xs_oversized(struct guest *g)
{
	struct xsd_sockmsg hdr = {XS_WRITE, take_id(g), 0,
				  XENSTORE_PAYLOAD_MAX + 1};

	return guest_bad_xs_raw(g, &hdr, sizeof(hdr));
}

int guest_bad_xs_garbage(struct guest *g, size_t len, unsigned seed)
{
	char buf[XENSTORE_RING_SIZE];
	size_t i;

	if (len > sizeof(buf))
		len = sizeof(buf);
	for (i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (char)(seed >> 16);
	}
	return guest_bad_xs_raw(g, buf, len);
}

void guest_bad_xs_no_read(struct guest *g, bool on)
{
	g->no_read = on;
	if (!on)
		xs_service(g);
}

int guest_bad_console_index(struct guest *g)
{
	uint32_t cons;

	if (!g->cons)
		return -ENODEV;
	cons = __atomic_load_n(&g->cons->out_cons, __ATOMIC_RELAXED);
	__atomic_store_n(&g->cons->out_prod, cons + 4 * sizeof(g->cons->out),
			 __ATOMIC_RELEASE);
	notify(g, g->si.cons_evtchn);
	return 0;
}

int guest_xs_set_index_base(struct guest *g, uint32_t base)
{
	struct xenstore_domain_interface *x = g->xs;

	if (g->wq.len || g->outstanding || g->rlen)
		return -EBUSY;
	__atomic_store_n(&x->req_cons, base, __ATOMIC_RELAXED);
	__atomic_store_n(&x->req_prod, base, __ATOMIC_RELAXED);
	__atomic_store_n(&x->rsp_cons, base, __ATOMIC_RELAXED);
	__atomic_store_n(&x->rsp_prod, base, __ATOMIC_RELEASE);
	return 0;
}
