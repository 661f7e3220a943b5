/*
 * notifysink: play systemd's side of NOTIFY_SOCKET for the notify test.
 *
 *   notifysink NOTIFY_PATH XS_SOCKET SECONDS
 *
 * Binds a datagram socket at NOTIFY_PATH and prints one line per message
 * received, with the milliseconds since start and the sender's pid:
 *
 *	120 pid=4242 READY=1
 *	121 pid=4242 STATUS=1 nodes, 1 connections, ...
 *
 * (newlines inside a message become spaces).  On READY=1 it checks at once
 * that the store answers: it connects to XS_SOCKET, sends READ "/", and
 * prints "probe ok" when a READ reply comes back within 5 s, else
 * "probe FAIL <why>".  Exits 0 on SIGTERM or after SECONDS.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define XS_READ          2 /* xs_wire.h; anything else is an error */
#define PROBE_TIMEOUT_MS 5000
#define MSG_MAX          4096

struct xs_hdr {
	uint32_t type, req_id, tx_id, len;
};

static volatile sig_atomic_t stop;
static struct timespec t0;

static void on_term(int sig)
{
	stop = 1;
}

static long elapsed_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0.tv_sec) * 1000 +
	       (t.tv_nsec - t0.tv_nsec) / 1000000;
}

/* Read exactly len bytes within the probe's deadline; false on failure. */
static int read_full(int fd, void *buf, size_t len, long deadline, char *why,
		     size_t wlen)
{
	char *p = buf;

	while (len > 0) {
		struct pollfd pfd = {fd, POLLIN, 0};
		long left = deadline - elapsed_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			snprintf(why, wlen, "no reply within %d ms",
				 PROBE_TIMEOUT_MS);
			return 0;
		}
		n = read(fd, p, len);
		if (n <= 0) {
			snprintf(why, wlen, "read: %s",
				 n < 0 ? strerror(errno) : "EOF");
			return 0;
		}
		p += n;
		len -= (size_t)n;
	}
	return 1;
}

/* Does the store at path answer READ "/" right now? */
static int probe(const char *path, char *why, size_t wlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct xs_hdr h = {XS_READ, 1, 0, 2};
	char req[sizeof(h) + 2], body[MSG_MAX];
	long deadline = elapsed_ms() + PROBE_TIMEOUT_MS;
	int fd, ok = 0;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, wlen, "socket: %s", strerror(errno));
		return 0;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(why, wlen, "connect: %s", strerror(errno));
		goto out;
	}
	memcpy(req, &h, sizeof(h));
	memcpy(req + sizeof(h), "/", 2);
	if (write(fd, req, sizeof(req)) != (ssize_t)sizeof(req)) {
		snprintf(why, wlen, "write: %s", strerror(errno));
		goto out;
	}
	if (!read_full(fd, &h, sizeof(h), deadline, why, wlen))
		goto out;
	if (h.len > sizeof(body)) {
		snprintf(why, wlen, "reply of %u bytes", h.len);
		goto out;
	}
	if (!read_full(fd, body, h.len, deadline, why, wlen))
		goto out;
	if (h.type != XS_READ) {
		snprintf(why, wlen, "reply type %u (%.*s)", h.type,
			 (int)(h.len ? h.len - 1 : 0), body);
		goto out;
	}
	ok = 1;
out:
	close(fd);
	return ok;
}

/* Print one datagram as a line; probe the store on READY=1. */
static void report(const char *msg, size_t len, pid_t pid, const char *xs)
{
	char line[MSG_MAX + 1], why[256];
	int ready = 0;

	memcpy(line, msg, len);
	line[len] = '\0';
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\n')
			line[i] = ' ';
	}
	/* READY=1 may share a datagram with other assignments. */
	for (const char *p = msg; p < msg + len;) {
		const char *nl = memchr(p, '\n', (size_t)(msg + len - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(msg + len - p);

		if (l == 7 && !memcmp(p, "READY=1", 7))
			ready = 1;
		p += l + 1;
	}
	printf("%ld pid=%ld %s\n", elapsed_ms(), (long)pid, line);
	if (ready) {
		if (probe(xs, why, sizeof(why)))
			printf("%ld probe ok\n", elapsed_ms());
		else
			printf("%ld probe FAIL %s\n", elapsed_ms(), why);
	}
	fflush(stdout);
}

/* One datagram with its sender's credentials; 0 when none waits. */
static int receive(int fd, const char *xs)
{
	char buf[MSG_MAX];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	pid_t pid = 0;
	ssize_t n;

	n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred uc;

			memcpy(&uc, CMSG_DATA(c), sizeof(uc));
			pid = uc.pid;
		}
	}
	report(buf, (size_t)n, pid, xs);
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd, one = 1;
	long limit;

	if (argc != 4 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: notifysink NOTIFY_PATH XS_SOCKET "
				"SECONDS\n");
		return 2;
	}
	limit = atol(argv[3]) * 1000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	strcpy(sun.sun_path, argv[1]);
	unlink(argv[1]);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
		perror(argv[1]);
		return 1;
	}
	printf("%ld listening\n", elapsed_ms());
	fflush(stdout);
	while (!stop && elapsed_ms() < limit) {
		struct pollfd pfd = {fd, POLLIN, 0};

		if (poll(&pfd, 1, 100) > 0)
			while (receive(fd, argv[2]) > 0)
				;
	}
	while (receive(fd, argv[2]) > 0)
		;
	close(fd);
	unlink(argv[1]);
	return 0;
}
