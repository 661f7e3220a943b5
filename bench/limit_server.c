/*
 * limit_server: the baseline for bench/run.sh.
 *
 * A XenStore socket server that keeps no store: it answers every request at
 * once with a fixed reply of the right type, so the time a client sees is the
 * time of the Unix socket round trip and libxenstore itself.  xenbackd is
 * measured as a ratio to this server in the same run.
 *
 * The only state kept is a list of watches, so that a WRITE (or MKDIR, RM,
 * SET_PERMS) under a watched path sends a WATCH_EVENT and the watch latency
 * benchmark can run against this server too.  Paths are made absolute
 * (relative ones are under /local/domain/0) and events carry absolute paths.
 *
 * Usage: limit_server --socket PATH [--children N]
 * DIRECTORY answers with the N children "0" .. "N-1" (default 1000).
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

#define LIMIT_PAYLOAD_MAX  4096
#define LIMIT_HDR_SIZE     ((size_t)sizeof(struct xsd_sockmsg))
#define LIMIT_IN_SIZE      (64 * 1024)
#define LIMIT_OUT_MAX      (16 * 1024 * 1024) /* queued bytes per client */
#define LIMIT_WATCHES_MAX  4096               /* watches, all clients */
#define LIMIT_CHILDREN_MAX 1000
#define LIMIT_EVENTS       64

/* One connected client: a partial input message and unsent output. */
struct client {
	int fd;
	bool want_out; /* EPOLLOUT is armed */
	size_t in_len;
	unsigned char in[LIMIT_IN_SIZE];
	unsigned char *out;
	size_t out_off, out_len, out_cap;
};

/* A watch: absolute path prefix and the token to send back. */
struct watch {
	struct client *client;
	char *path;
	char *token;
};

static int epfd = -1;
static volatile sig_atomic_t quit;
static struct watch watches[LIMIT_WATCHES_MAX];
static size_t nr_watches;
static char dir_reply[LIMIT_PAYLOAD_MAX];
static size_t dir_reply_len;

/* A fixed 32-byte value, the size the benchmark writes. */
static const char read_reply[32] = "0123456789abcdef0123456789abcdef";

static void quit_cb(int sig)
{
	(void)sig;
	quit = 1;
}

/* Build the DIRECTORY answer "0\0" "1\0" ... once. */
static int dir_reply_init(unsigned int children)
{
	size_t len = 0;
	unsigned int i;
	int n;

	for (i = 0; i < children; i++) {
		n = snprintf(dir_reply + len, sizeof(dir_reply) - len, "%u", i);
		if (n < 0 || (size_t)n + 1 > sizeof(dir_reply) - len)
			return -E2BIG;
		len += (size_t)n + 1;
	}
	dir_reply_len = len;
	return 0;
}

/* Queue bytes for a client; -ENOBUFS if it stopped reading. */
static int client_queue(struct client *c, const void *data, size_t len)
{
	size_t cap;
	unsigned char *p;

	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + len > c->out_cap) {
		if (c->out_len - c->out_off + len > LIMIT_OUT_MAX)
			return -ENOBUFS;
		if (c->out_off > 0) {
			memmove(c->out, c->out + c->out_off,
				c->out_len - c->out_off);
			c->out_len -= c->out_off;
			c->out_off = 0;
		}
		cap = c->out_cap ? c->out_cap : 8192;
		while (cap < c->out_len + len)
			cap *= 2;
		if (cap != c->out_cap) {
			p = realloc(c->out, cap);
			if (p == NULL)
				return -ENOMEM;
			c->out = p;
			c->out_cap = cap;
		}
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return 0;
}

/* Queue one message: header with the given ids, then the payload. */
static int client_send(struct client *c, uint32_t type, uint32_t req_id,
		       uint32_t tx_id, const void *data, size_t len)
{
	struct xsd_sockmsg hdr = {
		.type = type,
		.req_id = req_id,
		.tx_id = tx_id,
		.len = (uint32_t)len,
	};
	int r;

	r = client_queue(c, &hdr, sizeof(hdr));
	if (r < 0)
		return r;
	return client_queue(c, data, len);
}

/* Write what is queued; arm EPOLLOUT only while something is left. */
static int client_flush(struct client *c)
{
	struct epoll_event ev = {.data.ptr = c};
	ssize_t n;
	bool want;

	while (c->out_off < c->out_len) {
		n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		c->out_off += (size_t)n;
	}
	want = c->out_off < c->out_len;
	if (want != c->want_out) {
		ev.events = EPOLLIN | (want ? EPOLLOUT : 0);
		if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
			return -errno;
		c->want_out = want;
	}
	return 0;
}

static void client_free(struct client *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < nr_watches;) {
		if (watches[i].client == c) {
			free(watches[i].path);
			free(watches[i].token);
			watches[i] = watches[--nr_watches];
		} else {
			i++;
		}
	}
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->out);
	free(c);
}

/* The absolute form of a request path, in a buffer the caller frees. */
static char *abs_path(const char *path)
{
	char *s;

	if (path[0] == '/' || path[0] == '@')
		return strdup(path);
	if (asprintf(&s, "/local/domain/0/%s", path) < 0)
		return NULL;
	return s;
}

/* Does a change to @path fire a watch on @wpath (itself or a parent)? */
static bool watch_matches(const char *wpath, const char *path)
{
	size_t n = strlen(wpath);

	if (strncmp(wpath, path, n) != 0)
		return false;
	return path[n] == '\0' || path[n] == '/' || (n == 1 && wpath[0] == '/');
}

/* Send a WATCH_EVENT for @path to every matching watch. */
static void watch_fire(const char *path)
{
	char buf[LIMIT_PAYLOAD_MAX];
	size_t i, plen, tlen;
	struct client *c;

	plen = strlen(path) + 1;
	for (i = 0; i < nr_watches; i++) {
		if (!watch_matches(watches[i].path, path))
			continue;
		tlen = strlen(watches[i].token) + 1;
		if (plen + tlen > sizeof(buf))
			continue;
		memcpy(buf, path, plen);
		memcpy(buf + plen, watches[i].token, tlen);
		c = watches[i].client;
		/* A failed queue shows up as a dead client later. */
		if (client_send(c, XS_WATCH_EVENT, 0, 0, buf, plen + tlen) == 0)
			client_flush(c);
	}
}

/* Register a watch "<path>\0<token>\0" and send its first event. */
static int watch_add(struct client *c, const struct xsd_sockmsg *hdr,
		     const char *body)
{
	size_t plen = strlen(body);
	struct watch *w;
	int r;

	if (plen >= hdr->len || nr_watches == LIMIT_WATCHES_MAX)
		return client_send(c, XS_ERROR, hdr->req_id, hdr->tx_id,
				   "EINVAL", 7);
	w = &watches[nr_watches];
	w->client = c;
	w->path = abs_path(body);
	w->token = strdup(body + plen + 1);
	if (w->path == NULL || w->token == NULL) {
		free(w->path);
		free(w->token);
		return -ENOMEM;
	}
	nr_watches++;
	r = client_send(c, hdr->type, hdr->req_id, hdr->tx_id, "OK", 3);
	if (r < 0)
		return r;
	/* The first event goes to this client only, with the path as given. */
	return client_send(c, XS_WATCH_EVENT, 0, 0, body, hdr->len);
}

/* Send an OK and, for changes, fire the watches on the path. */
static int reply_change(struct client *c, const struct xsd_sockmsg *hdr,
			const char *body)
{
	char *path;
	int r;

	r = client_send(c, hdr->type, hdr->req_id, hdr->tx_id, "OK", 3);
	if (r < 0 || nr_watches == 0 || hdr->tx_id != 0)
		return r;
	path = abs_path(body);
	if (path == NULL)
		return -ENOMEM;
	watch_fire(path);
	free(path);
	return 0;
}

/* Answer one complete request; @body is NUL-terminated by the caller. */
static int handle_request(struct client *c, const struct xsd_sockmsg *hdr,
			  const char *body)
{
	char buf[LIMIT_PAYLOAD_MAX + 8];
	uint32_t t = hdr->type, rid = hdr->req_id, tid = hdr->tx_id;
	int n;

	switch (t) {
	case XS_READ:
		return client_send(c, t, rid, tid, read_reply,
				   sizeof(read_reply));
	case XS_DIRECTORY:
		return client_send(c, t, rid, tid, dir_reply, dir_reply_len);
	case XS_DIRECTORY_PART:
		/* "<gencnt>\0" children, then an empty string to end it. */
		memcpy(buf, "1", 2);
		memcpy(buf + 2, dir_reply, dir_reply_len);
		buf[2 + dir_reply_len] = '\0';
		return client_send(c, t, rid, tid, buf, dir_reply_len + 3);
	case XS_GET_PERMS:
		return client_send(c, t, rid, tid, "n0", 3);
	case XS_WATCH:
		return watch_add(c, hdr, body);
	case XS_TRANSACTION_START:
		return client_send(c, t, rid, tid, "1", 2);
	case XS_GET_DOMAIN_PATH:
		n = snprintf(buf, sizeof(buf), "/local/domain/%s", body);
		return client_send(c, t, rid, tid, buf, (size_t)n + 1);
	case XS_IS_DOMAIN_INTRODUCED:
		return client_send(c, t, rid, tid, "T", 2);
	case XS_WRITE:
	case XS_MKDIR:
	case XS_RM:
	case XS_SET_PERMS:
		return reply_change(c, hdr, body);
	case XS_UNWATCH:
	case XS_TRANSACTION_END:
	case XS_INTRODUCE:
	case XS_RELEASE:
	case XS_RESUME:
	case XS_SET_TARGET:
	case XS_RESET_WATCHES:
		return client_send(c, t, rid, tid, "OK", 3);
	default:
		return client_send(c, XS_ERROR, rid, tid, "ENOSYS", 7);
	}
}

/* Answer every complete message in the input buffer; keep the rest. */
static int client_process(struct client *c)
{
	char body[LIMIT_PAYLOAD_MAX + 1];
	struct xsd_sockmsg hdr;
	size_t off = 0;
	int r;

	while (c->in_len - off >= LIMIT_HDR_SIZE) {
		memcpy(&hdr, c->in + off, LIMIT_HDR_SIZE);
		if (hdr.len > LIMIT_PAYLOAD_MAX)
			return -EPROTO;
		if (c->in_len - off < LIMIT_HDR_SIZE + hdr.len)
			break;
		memcpy(body, c->in + off + LIMIT_HDR_SIZE, hdr.len);
		body[hdr.len] = '\0';
		r = handle_request(c, &hdr, body);
		if (r < 0)
			return r;
		off += LIMIT_HDR_SIZE + hdr.len;
	}
	if (off > 0) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
	return 0;
}

/* Read what is there, answer it and write the answers in one go. */
static int client_read(struct client *c)
{
	ssize_t n;
	int r;

	do {
		n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;
	c->in_len += (size_t)n;
	r = client_process(c);
	if (r < 0)
		return r;
	return client_flush(c);
}

static void accept_clients(int lfd)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct client *c;
	int fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				perror("limit_server: accept");
			return;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			return;
		}
		c->fd = fd;
		ev.data.ptr = c;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
		}
	}
}

static int listen_on(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fd, 128) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

static void usage(void)
{
	fprintf(stderr, "usage: limit_server --socket PATH [--children N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"children", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	struct epoll_event evs[LIMIT_EVENTS], ev = {.events = EPOLLIN};
	struct sigaction sa = {.sa_handler = quit_cb};
	const char *path = NULL;
	unsigned long children = LIMIT_CHILDREN_MAX;
	struct client *c;
	int lfd, n, i, opt;

	while ((opt = getopt_long(argc, argv, "s:c:", opts, NULL)) != -1) {
		if (opt == 's')
			path = optarg;
		else if (opt == 'c')
			children = strtoul(optarg, NULL, 10);
		else
			usage();
	}
	if (path == NULL || dir_reply_init((unsigned int)children) < 0)
		usage();

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lfd = listen_on(path);
	if (lfd < 0) {
		fprintf(stderr, "limit_server: %s: %s\n", path, strerror(-lfd));
		return 1;
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) < 0) {
		perror("limit_server: epoll");
		return 1;
	}

	while (!quit) {
		n = epoll_wait(epfd, evs, LIMIT_EVENTS, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("limit_server: epoll_wait");
			break;
		}
		for (i = 0; i < n; i++) {
			c = evs[i].data.ptr;
			if (c == NULL) {
				accept_clients(lfd);
				continue;
			}
			if ((evs[i].events & EPOLLOUT) && client_flush(c) < 0) {
				client_free(c);
				continue;
			}
			if ((evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
			    client_read(c) < 0)
				client_free(c);
		}
	}
	unlink(path);
	return 0;
}
