/*
 * simclient.c: a client of the Xen simulator (see simclient.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/hmap.h"
#include "sim/simclient.h"

#define RSP_MAX                                                                \
	(sizeof(struct sim_rsp) + SIM_LIST_MAX * sizeof(struct sim_dominfo))

struct simclient {
	int fd;    /* requests and replies */
	int evfd;  /* event records */
	int memfd; /* machine memory */
	uint32_t seq;
	struct sim_event part; /* a record partly read */
	size_t part_len;
	bool gone;        /* the simulator closed the event stream */
	int quiet_peer;   /* keeps the replaced event fd silent */
	struct hmap maps; /* struct cmap by page address */
	char rbuf[RSP_MAX];
};

struct cmap {
	void *page;
	uint64_t id;
};

static uint32_t page_hash(const void *page)
{
	uintptr_t a = (uintptr_t)page;

	return hash_bytes(&a, sizeof(a), 11);
}

static bool cmap_eq(const void *val, const void *key, void *ctx)
{
	return ((const struct cmap *)val)->page == key;
}

/* Send a request; with a reply, wait for it and take its payload. */
static int call(struct simclient *c, struct sim_req *rq, struct sim_rsp *rsp,
		void *payload, size_t plen, int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))];
	struct iovec iov = {c->rbuf, sizeof(c->rbuf)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;
	ssize_t n;

	rq->seq = ++c->seq;
	do
		n = send(c->fd, rq, sizeof(*rq), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (rq->flags & SIM_REQ_NOREPLY)
		return 0;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	do
		n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		int got, i;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		got = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < got; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(fd));
			if (i < nfds)
				fds[i] = fd;
			else
				close(fd);
		}
	}
	if ((size_t)n < sizeof(*rsp) || (mh.msg_flags & MSG_TRUNC))
		return -EPROTO;
	memcpy(rsp, c->rbuf, sizeof(*rsp));
	if (rsp->seq != rq->seq || rsp->op != rq->op ||
	    rsp->len != (size_t)n - sizeof(*rsp))
		return -EPROTO;
	if (rsp->err)
		return rsp->err < 0 ? rsp->err : -EPROTO;
	if (payload)
		memcpy(payload, c->rbuf + sizeof(*rsp),
		       rsp->len < plen ? rsp->len : plen);
	return 0;
}

/* A request with up to four arguments; val0 gets the first value. */
static int simple(struct simclient *c, uint32_t op, unsigned as, uint64_t a0,
		  uint64_t a1, uint64_t a2, uint64_t a3, uint64_t *val0)
{
	struct sim_req rq = {.op = op, .dom = as, .arg = {a0, a1, a2, a3}};
	struct sim_rsp rsp;
	int rc = call(c, &rq, &rsp, NULL, 0, NULL, 0);

	if (rc == 0 && val0)
		*val0 = rsp.val[0];
	return rc;
}

static int posted(struct simclient *c, uint32_t op, unsigned as, uint64_t a0)
{
	struct sim_req rq = {.op = op,
			     .dom = as,
			     .flags = SIM_REQ_NOREPLY,
			     .arg = {a0, 0, 0, 0}};

	return call(c, &rq, NULL, NULL, 0, NULL, 0);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

int simclient_open(const char *path, unsigned flags, struct simclient **out)
{
	struct simclient *c;
	struct sim_req rq = {.op = SIM_OP_HELLO};
	struct sim_rsp rsp;
	int fds[2] = {-1, -1}, rc;

	*out = NULL;
	if (!path)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->evfd = c->memfd = c->quiet_peer = -1;
	hmap_init(&c->maps);
	c->fd = connect_to(path);
	if (c->fd < 0) {
		rc = c->fd;
		goto fail;
	}
	rq.arg[0] = SIMPROTO_VERSION;
	rq.arg[1] = (flags & SIMCLIENT_DOM0) ? SIM_HELLO_DOM0 : 0;
	rc = call(c, &rq, &rsp, NULL, 0, fds, 2);
	c->evfd = fds[0];
	c->memfd = fds[1];
	if (rc == 0 && (c->evfd < 0 || c->memfd < 0))
		rc = -EPROTO;
	if (rc < 0)
		goto fail;
	if (fcntl(c->evfd, F_SETFL, O_NONBLOCK) < 0) {
		rc = -errno;
		goto fail;
	}
	*out = c;
	return 0;
fail:
	simclient_close(c);
	return rc;
}

void simclient_close(struct simclient *c)
{
	struct cmap *m;
	size_t cur = 0;

	if (!c)
		return;
	while ((m = hmap_next(&c->maps, &cur))) {
		munmap(m->page, SIM_PAGE_SIZE);
		free(m);
	}
	hmap_free(&c->maps);
	if (c->fd >= 0)
		close(c->fd);
	if (c->evfd >= 0)
		close(c->evfd);
	if (c->memfd >= 0)
		close(c->memfd);
	if (c->quiet_peer >= 0)
		close(c->quiet_peer);
	free(c);
}

int simclient_event_fd(const struct simclient *c)
{
	return c->evfd;
}

/*
 * The simulator is gone.  A poll loop would see the fd readable (EOF)
 * forever, so put a socket that never becomes readable in its place:
 * the caller's loop goes quiet, and every call says -EPIPE.
 */
static int stream_gone(struct simclient *c)
{
	int sv[2];

	if (c->gone)
		return -EPIPE;
	c->gone = true;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
		dup2(sv[0], c->evfd);
		close(sv[0]);
		c->quiet_peer = sv[1];
	}
	return -EPIPE;
}

int simclient_next_event(struct simclient *c, struct sim_event *ev)
{
	char *p = (char *)&c->part;
	ssize_t n;

	if (c->gone)
		return -EPIPE;
	/* One record at a time, as libxenevtchn reads one port. */
	do
		n = read(c->evfd, p + c->part_len,
			 sizeof(c->part) - c->part_len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n == 0)
		return stream_gone(c);
	c->part_len += (size_t)n;
	if (c->part_len < sizeof(c->part))
		return 0;
	*ev = c->part;
	c->part_len = 0;
	return 1;
}

int simclient_read_events(struct simclient *c, struct sim_event *ev, int max)
{
	char *buf = (char *)ev;
	size_t want, have = c->part_len;
	ssize_t n;

	if (max <= 0)
		return -EINVAL;
	if (c->gone)
		return -EPIPE;
	want = (size_t)max * sizeof(*ev);
	memcpy(buf, &c->part, have);
	do
		n = read(c->evfd, buf + have, want - have);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno != EAGAIN)
		return -errno;
	if (n == 0)
		return stream_gone(c);
	if (n > 0)
		have += (size_t)n;
	c->part_len = have % sizeof(*ev);
	memcpy(&c->part, buf + have - c->part_len, c->part_len);
	return (int)(have / sizeof(*ev));
}

int simclient_attach(struct simclient *c, unsigned domid,
		     struct sim_start_info *si)
{
	struct sim_req rq = {.op = SIM_OP_ATTACH, .arg = {domid, 0, 0, 0}};
	struct sim_rsp rsp;
	struct sim_start_info tmp;

	return call(c, &rq, &rsp, si ? si : &tmp, sizeof(tmp), NULL, 0);
}

int simclient_detach(struct simclient *c, unsigned domid)
{
	return simple(c, SIM_OP_DETACH, 0, domid, 0, 0, 0, NULL);
}

/* A port number from a reply value, or the error. */
static int port_result(int rc, uint64_t v)
{
	return rc < 0 ? rc : (int)v;
}

int simclient_alloc_unbound(struct simclient *c, unsigned as, unsigned dom,
			    unsigned remote)
{
	uint64_t v = 0;
	int rc = simple(c, SIM_OP_EVTCHN_ALLOC_UNBOUND, as, dom, remote, 0, 0,
			&v);

	return port_result(rc, v);
}

int simclient_bind_interdomain(struct simclient *c, unsigned as, unsigned rdom,
			       unsigned rport)
{
	uint64_t v = 0;
	int rc = simple(c, SIM_OP_EVTCHN_BIND_INTERDOMAIN, as, rdom, rport, 0,
			0, &v);

	return port_result(rc, v);
}

int simclient_bind_virq(struct simclient *c, unsigned as, unsigned virq)
{
	uint64_t v = 0;
	int rc = simple(c, SIM_OP_EVTCHN_BIND_VIRQ, as, virq, 0, 0, 0, &v);

	return port_result(rc, v);
}

int simclient_notify(struct simclient *c, unsigned as, unsigned port)
{
	return posted(c, SIM_OP_EVTCHN_SEND, as, port);
}

int simclient_unmask(struct simclient *c, unsigned as, unsigned port)
{
	return posted(c, SIM_OP_EVTCHN_UNMASK, as, port);
}

int simclient_close_port(struct simclient *c, unsigned as, unsigned port)
{
	return simple(c, SIM_OP_EVTCHN_CLOSE, as, port, 0, 0, 0, NULL);
}

int simclient_port_status(struct simclient *c, unsigned as, unsigned dom,
			  unsigned port, struct simclient_port_status *st)
{
	struct sim_req rq = {.op = SIM_OP_EVTCHN_STATUS,
			     .dom = as,
			     .arg = {dom, port, 0, 0}};
	struct sim_rsp rsp;
	int rc = call(c, &rq, &rsp, NULL, 0, NULL, 0);

	if (rc < 0)
		return rc;
	st->state = (unsigned)rsp.val[0];
	st->remote_dom = (unsigned)rsp.val[1];
	st->remote_port = (unsigned)rsp.val[2];
	st->bits = (unsigned)rsp.val[3];
	return 0;
}

int simclient_grant(struct simclient *c, unsigned as, unsigned dom,
		    unsigned gref, unsigned flags, unsigned grantee,
		    uint32_t gfn)
{
	return simple(c, SIM_OP_GNTTAB_SET, as, gref,
		      (flags & 0xFFFFu) | ((uint64_t)(grantee & 0xFFFFu) << 16),
		      gfn, dom, NULL);
}

/* mmap what a MAP_* reply names, and remember it for unmap. */
static void *map_reply(struct simclient *c, const struct sim_rsp *rsp, bool ro)
{
	struct cmap *m = malloc(sizeof(*m));
	void *p;
	int e;

	if (!m) {
		e = ENOMEM;
		goto undo;
	}
	p = mmap(NULL, SIM_PAGE_SIZE, PROT_READ | (ro ? 0 : PROT_WRITE),
		 MAP_SHARED, c->memfd, (off_t)rsp->val[1]);
	if (p == MAP_FAILED) {
		e = errno;
		goto undo;
	}
	m->page = p;
	m->id = rsp->val[0];
	if (hmap_put(&c->maps, page_hash(p), m) < 0) {
		munmap(p, SIM_PAGE_SIZE);
		e = ENOMEM;
		goto undo;
	}
	return p;
undo:
	free(m);
	posted(c, SIM_OP_UNMAP, 0, rsp->val[0]);
	errno = e;
	return NULL;
}

void *simclient_map_grant(struct simclient *c, unsigned as, unsigned dom,
			  unsigned gref, unsigned flags)
{
	struct sim_req rq = {.op = SIM_OP_MAP_GRANT,
			     .dom = as,
			     .arg = {dom, gref, flags, 0}};
	struct sim_rsp rsp;
	int rc = call(c, &rq, &rsp, NULL, 0, NULL, 0);

	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	return map_reply(c, &rsp, (flags & SIM_MAP_READONLY) != 0);
}

void *simclient_map_gfn(struct simclient *c, unsigned as, unsigned dom,
			uint64_t gfn)
{
	struct sim_req rq = {
		.op = SIM_OP_MAP_GFN, .dom = as, .arg = {dom, gfn, 0, 0}};
	struct sim_rsp rsp;
	int rc = call(c, &rq, &rsp, NULL, 0, NULL, 0);

	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	return map_reply(c, &rsp, false);
}

int simclient_unmap(struct simclient *c, void *page)
{
	uint32_t h = page_hash(page);
	struct cmap *m = hmap_get(&c->maps, h, cmap_eq, page, NULL);
	uint64_t id;

	if (!m)
		return -EINVAL;
	hmap_del(&c->maps, h, m);
	id = m->id;
	munmap(page, SIM_PAGE_SIZE);
	free(m);
	/* Unmapped here first: the simulator may free the frame at once.
	 * Then wait, as a grant unmap is done when munmap returns. */
	return simple(c, SIM_OP_UNMAP, 0, id, 0, 0, 0, NULL);
}

int simclient_domain_create(struct simclient *c,
			    const struct simclient_create *how,
			    struct sim_start_info *si)
{
	struct sim_req rq = {.op = SIM_OP_DOMAIN_CREATE};
	struct sim_rsp rsp;
	struct sim_start_info tmp;
	int rc;

	rq.arg[0] = how ? how->domid : 0;
	rq.arg[1] = how ? how->pages : 0;
	rq.arg[2] =
		how ? SIM_CREATE_BACKENDS(how->store_be, how->console_be) : 0;
	rc = call(c, &rq, &rsp, si ? si : &tmp, sizeof(tmp), NULL, 0);
	return rc < 0 ? rc : (int)rsp.val[0];
}

int simclient_domain_shutdown(struct simclient *c, unsigned as, unsigned domid,
			      unsigned reason)
{
	return simple(c, SIM_OP_DOMAIN_SHUTDOWN, as, domid, reason, 0, 0, NULL);
}

int simclient_domain_resume(struct simclient *c, unsigned domid)
{
	return simple(c, SIM_OP_DOMAIN_RESUME, 0, domid, 0, 0, 0, NULL);
}

int simclient_domain_destroy(struct simclient *c, unsigned domid)
{
	return simple(c, SIM_OP_DOMAIN_DESTROY, 0, domid, 0, 0, 0, NULL);
}

int simclient_domain_info(struct simclient *c, unsigned domid,
			  struct sim_dominfo *info)
{
	struct sim_req rq = {.op = SIM_OP_DOMAIN_INFO, .arg = {domid, 0, 0, 0}};
	struct sim_rsp rsp;

	return call(c, &rq, &rsp, info, sizeof(*info), NULL, 0);
}

int simclient_domain_list(struct simclient *c, unsigned first,
			  struct sim_dominfo *out, unsigned max)
{
	struct sim_req rq = {.op = SIM_OP_DOMAIN_LIST};
	struct sim_rsp rsp;
	unsigned n = 0;

	/* Page through: each reply holds up to SIM_LIST_MAX domains. */
	while (n < max && first <= SIM_DOMID_MAX) {
		unsigned want = max - n < SIM_LIST_MAX ? max - n : SIM_LIST_MAX;
		int rc;

		rq.arg[0] = first;
		rq.arg[1] = want;
		rc = call(c, &rq, &rsp, out + n, want * sizeof(*out), NULL, 0);
		if (rc < 0)
			return rc;
		if (rsp.val[0] > want)
			return -EPROTO;
		n += (unsigned)rsp.val[0];
		if (rsp.val[0] < want)
			break;
		first = out[n - 1].domid + 1;
	}
	return (int)n;
}

int simclient_start_info(struct simclient *c, unsigned as, unsigned domid,
			 struct sim_start_info *si)
{
	struct sim_req rq = {
		.op = SIM_OP_START_INFO, .dom = as, .arg = {domid, 0, 0, 0}};
	struct sim_rsp rsp;

	return call(c, &rq, &rsp, si, sizeof(*si), NULL, 0);
}

int simclient_console_read(struct simclient *c, char *buf, unsigned *len,
			   uint32_t *index)
{
	struct sim_req rq = {.op = SIM_OP_CONSOLE_READ};
	struct sim_rsp rsp;
	unsigned want =
		*len < SIM_CONSOLE_READ_MAX ? *len : SIM_CONSOLE_READ_MAX;
	int rc;

	rq.arg[0] = *index;
	rq.arg[1] = want;
	rc = call(c, &rq, &rsp, buf, want, NULL, 0);
	if (rc < 0)
		return rc;
	if (rsp.len > want)
		return -EPROTO;
	*len = rsp.len;
	*index = (uint32_t)rsp.val[0];
	return 0;
}
