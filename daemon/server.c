/*
 * server.c: listening socket and socket clients (see server.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "backends/store/conn.h"
#include "daemon/server.h"
#include "lib/log.h"

#define SERVER_ACCEPT_BATCH        32 /* accepts per wakeup */
#define SERVER_BACKOFF_SECONDS     1  /* pause after EMFILE/ENFILE */
#define SERVER_BACKOFF_LOG_SECONDS 60 /* at most one warning a minute */

struct client {
	struct server *srv;
	TAILQ_ENTRY(client) entry;
	int fd;
	struct conn *conn;
	struct event *ev_read;
	struct event *ev_write; /* added only while output is queued */
	struct event *ev_more;  /* zero timeout: input already buffered */
	struct event *ev_close; /* one-shot: free outside our callbacks */
	bool dead;              /* closing: no more I/O */
	bool freeing;           /* inside conn_free() */
};

struct server {
	struct event_base *base;
	struct store *store;
	int fd;
	char *path; /* a socket we bound, removed at the end if still ours */
	dev_t dev;
	ino_t ino;
	struct event *ev_accept;
	struct event *ev_backoff;
	bool backing_off;
	time_t backoff_logged; /* when we last said so */
	TAILQ_HEAD(, client) clients;
};

static const struct timeval zero_tv = {0, 0};

/* Create the directories above path that are missing. */
static int make_parents(const char *path)
{
	char *dir = strdup(path);
	char *p;
	int rc = 0;

	if (!dir)
		return -ENOMEM;
	for (p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			rc = -errno;
			log_warn("mkdir %s", dir);
			break;
		}
		*p = '/';
	}
	free(dir);
	return rc;
}

/* Remove a socket left by a dead daemon; refuse to take a live one's. */
static int remove_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, rc;

	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("%s exists and is not a socket", sun->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	if (rc == 0 || errno == EAGAIN) {
		close(fd);
		log_warnx("%s: another daemon is listening there",
			  sun->sun_path);
		return -EADDRINUSE;
	}
	close(fd);
	if (unlink(sun->sun_path) < 0 && errno != ENOENT) {
		rc = -errno;
		log_warn("unlink %s", sun->sun_path);
		return rc;
	}
	return 0;
}

/* socket, bind (no moment with looser permissions than 0600), listen. */
static int bind_listen(const struct sockaddr_un *sun)
{
	mode_t old;
	int fd, rc;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		log_warn("socket");
		return rc;
	}
	old = umask(0177);
	rc = bind(fd, (const struct sockaddr *)sun, sizeof(*sun));
	umask(old);
	if (rc < 0) {
		rc = -errno;
		log_warn("bind %s", sun->sun_path);
		goto fail;
	}
	if (chmod(sun->sun_path, 0600) < 0 || listen(fd, SOMAXCONN) < 0) {
		rc = -errno;
		log_warn("%s", sun->sun_path);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return rc;
}

int server_listen(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	rc = make_parents(path);
	if (rc == 0)
		rc = remove_stale(&sun);
	if (rc < 0)
		return rc;
	return bind_listen(&sun);
}

int server_systemd_fd(void)
{
	int n, rc, fd = SD_LISTEN_FDS_START;

	n = sd_listen_fds(1);
	if (n < 0) {
		log_warnx("sd_listen_fds: %s", strerror(-n));
		return n;
	}
	if (n == 0)
		return -ENOENT;
	rc = sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0);
	if (rc <= 0) {
		log_warnx("fd %d from systemd is not a listening Unix "
			  "stream socket",
			  fd);
		return rc < 0 ? rc : -ENOTSOCK;
	}
	if (n > 1)
		log_warnx("systemd passed %d sockets; using the first", n);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		rc = -errno;
		log_warn("fcntl");
		return rc;
	}
	return fd;
}

/*
 * Client transport.
 */

static ssize_t client_read(void *arg, void *buf, size_t len)
{
	struct client *cl = arg;
	ssize_t n;

	if (cl->dead)
		return -EPIPE;
	n = read(cl->fd, buf, len);
	if (n > 0)
		return n;
	if (n == 0)
		return -EPIPE;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	return -errno;
}

static ssize_t client_write(void *arg, const void *buf, size_t len)
{
	struct client *cl = arg;
	ssize_t n;

	if (cl->dead)
		return -EPIPE;
	n = send(cl->fd, buf, len, MSG_NOSIGNAL);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	return -errno;
}

static void client_want_write(void *arg, bool on)
{
	struct client *cl = arg;

	if (cl->dead)
		return;
	if (on)
		event_add(cl->ev_write, NULL);
	else
		event_del(cl->ev_write);
}

/* Stop all I/O and free the client from its own one-shot event. */
static void client_close(struct client *cl)
{
	if (cl->dead)
		return;
	cl->dead = true;
	event_del(cl->ev_read);
	event_del(cl->ev_write);
	event_del(cl->ev_more);
	event_active(cl->ev_close, EV_TIMEOUT, 1);
}

static unsigned client_id(const struct client *cl)
{
	return cl->conn ? conn_id(cl->conn) : 0;
}

static void client_kill(void *arg, const char *why)
{
	struct client *cl = arg;

	if (cl->dead || cl->freeing)
		return;
	/* conn_kill() has already logged the reason as a warning. */
	log_debug("client %u: killed: %s", client_id(cl), why);
	client_close(cl);
}

static const struct conn_transport socket_transport = {
	.kind = "socket",
	.read = client_read,
	.write = client_write,
	.want_write = client_want_write,
	.kill = client_kill,
};

/*
 * Client events.
 */

/* Free everything of a client; the caller is none of its callbacks. */
static void client_destroy(struct client *cl)
{
	struct server *srv = cl->srv;

	cl->dead = true;
	cl->freeing = true;
	conn_free(cl->conn);
	event_free(cl->ev_read);
	event_free(cl->ev_write);
	event_free(cl->ev_more);
	event_free(cl->ev_close);
	close(cl->fd);
	TAILQ_REMOVE(&srv->clients, cl, entry);
	free(cl);
}

static void server_accept_resume(struct server *srv);

static void client_close_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;
	struct server *srv = cl->srv;

	log_debug("client %u: closed", client_id(cl));
	client_destroy(cl);
	/* An fd is free again: no need to wait out the back-off. */
	if (srv->backing_off)
		server_accept_resume(srv);
}

static void client_input(struct client *cl)
{
	int rc;

	if (cl->dead)
		return;
	rc = conn_input(cl->conn);
	if (cl->dead)
		return;
	if (rc < 0) {
		if (rc != -EPIPE)
			log_debug("client %u: input: %s", client_id(cl),
				  strerror(-rc));
		client_close(cl);
	} else if (rc > 0) {
		/* More is buffered: come back after the others had a turn. */
		evtimer_add(cl->ev_more, &zero_tv);
	}
}

static void client_read_cb(evutil_socket_t fd, short what, void *arg)
{
	client_input(arg);
}

static void client_more_cb(evutil_socket_t fd, short what, void *arg)
{
	client_input(arg);
}

static void client_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;
	int rc;

	if (cl->dead)
		return;
	rc = conn_output(cl->conn);
	if (cl->dead)
		return;
	if (rc < 0) {
		log_debug("client %u: output: %s", client_id(cl),
			  strerror(-rc));
		client_close(cl);
		return;
	}
	if (!conn_has_output(cl->conn))
		event_del(cl->ev_write);
	/* Input held back until replies were read can go on now. */
	if (rc > 0)
		evtimer_add(cl->ev_more, &zero_tv);
}

/* A client for an accepted (non-blocking) fd; on failure -errno, and
 * the fd is closed. */
static int client_new(struct server *srv, int fd)
{
	struct event_base *base = srv->base;
	struct client *cl = calloc(1, sizeof(*cl));

	if (!cl)
		goto fail;
	cl->srv = srv;
	cl->fd = fd;
	cl->ev_read =
		event_new(base, fd, EV_READ | EV_PERSIST, client_read_cb, cl);
	cl->ev_write =
		event_new(base, fd, EV_WRITE | EV_PERSIST, client_write_cb, cl);
	cl->ev_more = evtimer_new(base, client_more_cb, cl);
	cl->ev_close = event_new(base, -1, 0, client_close_cb, cl);
	if (!cl->ev_read || !cl->ev_write || !cl->ev_more || !cl->ev_close)
		goto fail;
	/* Socket clients act as dom0, with full privilege. */
	cl->conn = conn_new(srv->store, 0, true, &socket_transport, cl);
	if (!cl->conn)
		goto fail;
	if (event_add(cl->ev_read, NULL) < 0)
		goto fail;
	TAILQ_INSERT_TAIL(&srv->clients, cl, entry);
	log_debug("client %u: connected", conn_id(cl->conn));
	return 0;
fail:
	if (cl) {
		cl->dead = cl->freeing = true;
		conn_free(cl->conn);
		if (cl->ev_read)
			event_free(cl->ev_read);
		if (cl->ev_write)
			event_free(cl->ev_write);
		if (cl->ev_more)
			event_free(cl->ev_more);
		if (cl->ev_close)
			event_free(cl->ev_close);
		free(cl);
	}
	close(fd);
	return -ENOMEM;
}

/*
 * Accepting.
 */

static void server_accept_resume(struct server *srv)
{
	srv->backing_off = false;
	evtimer_del(srv->ev_backoff);
	event_add(srv->ev_accept, NULL);
}

static void server_backoff_cb(evutil_socket_t fd, short what, void *arg)
{
	server_accept_resume(arg);
}

/* Out of fds: stop accepting for a while rather than spin. */
static void server_backoff(struct server *srv)
{
	const struct timeval tv = {SERVER_BACKOFF_SECONDS, 0};
	time_t now = time(NULL);

	if (now - srv->backoff_logged >= SERVER_BACKOFF_LOG_SECONDS) {
		log_warn("accept: pausing for up to %d s",
			 SERVER_BACKOFF_SECONDS);
		srv->backoff_logged = now;
	}
	srv->backing_off = true;
	event_del(srv->ev_accept);
	evtimer_add(srv->ev_backoff, &tv);
}

static void server_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct server *srv = arg;
	int i, fd;

	for (i = 0; i < SERVER_ACCEPT_BATCH; i++) {
		fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			if (client_new(srv, fd) < 0)
				log_warnx("cannot set up a new client");
			continue;
		}
		switch (errno) {
		case EINTR:
		case ECONNABORTED:
			continue;
		case EAGAIN:
#if EAGAIN != EWOULDBLOCK
		case EWOULDBLOCK:
#endif
			return;
		case EMFILE:
		case ENFILE:
			server_backoff(srv);
			return;
		default:
			log_warn("accept");
			return;
		}
	}
}

struct server *server_new(struct event_base *base, struct store *st, int fd,
			  const char *path)
{
	struct server *srv = calloc(1, sizeof(*srv));
	struct stat sb;

	if (!srv)
		return NULL;
	srv->base = base;
	srv->store = st;
	srv->fd = fd;
	TAILQ_INIT(&srv->clients);
	if (path && stat(path, &sb) == 0) {
		srv->path = strdup(path);
		srv->dev = sb.st_dev;
		srv->ino = sb.st_ino;
	}
	srv->ev_accept = event_new(base, fd, EV_READ | EV_PERSIST,
				   server_accept_cb, srv);
	srv->ev_backoff = evtimer_new(base, server_backoff_cb, srv);
	if (!srv->ev_accept || !srv->ev_backoff ||
	    event_add(srv->ev_accept, NULL) < 0) {
		server_free(srv);
		return NULL;
	}
	return srv;
}

void server_free(struct server *srv)
{
	struct client *cl;
	struct stat sb;

	if (!srv)
		return;
	while ((cl = TAILQ_FIRST(&srv->clients)))
		client_destroy(cl);
	if (srv->ev_accept)
		event_free(srv->ev_accept);
	if (srv->ev_backoff)
		event_free(srv->ev_backoff);
	close(srv->fd);
	/* Leave the socket alone if someone else has bound it since. */
	if (srv->path && stat(srv->path, &sb) == 0 && sb.st_dev == srv->dev &&
	    sb.st_ino == srv->ino)
		unlink(srv->path);
	free(srv->path);
	free(srv);
}
