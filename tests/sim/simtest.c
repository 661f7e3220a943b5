/*
 * simtest.c: run a private xensim for a test (see simtest.h).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/sim/simtest.h"

#define READY_TIMEOUT_MS 10000

/* Read the child's "xensim: ready" line. */
static int wait_ready(int fd)
{
	char buf[256];
	size_t len = 0;

	while (len < sizeof(buf) - 1) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t n;

		if (poll(&p, 1, READY_TIMEOUT_MS) <= 0)
			return -ETIMEDOUT;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return -EPIPE;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "xensim: ready"))
			return 0;
	}
	return -EPROTO;
}

int simtest_start(struct simtest *t, const char *exe, const char *const *extra)
{
	const char *argv[16];
	int pfd[2], n = 0, rc;

	snprintf(t->dir, sizeof(t->dir), "/tmp/xensim-test.XXXXXX");
	if (!mkdtemp(t->dir))
		return -errno;
	snprintf(t->path, sizeof(t->path), "%s/sim.sock", t->dir);
	argv[n++] = exe;
	argv[n++] = "--socket";
	argv[n++] = t->path;
	while (extra && *extra && n < 15)
		argv[n++] = *extra++;
	argv[n] = NULL;
	if (pipe(pfd) < 0)
		return -errno;
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (t->pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	rc = wait_ready(pfd[0]);
	close(pfd[0]);
	if (rc < 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
		t->pid = 0;
	}
	return rc;
}

int simtest_stop(struct simtest *t)
{
	int st;

	if (t->pid <= 0)
		return -1;
	kill(t->pid, SIGTERM);
	if (waitpid(t->pid, &st, 0) < 0)
		return -1;
	t->pid = 0;
	unlink(t->path);
	rmdir(t->dir);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

struct simclient *simtest_open(const struct simtest *t, unsigned flags)
{
	struct simclient *c = NULL;
	int rc = simclient_open(t->path, flags, &c);

	if (rc < 0)
		fprintf(stderr, "simclient_open: %s\n", strerror(-rc));
	return c;
}

int simtest_event(struct simclient *c, int ms, struct sim_event *ev)
{
	struct pollfd p = {simclient_event_fd(c), POLLIN, 0};
	int rc = simclient_next_event(c, ev);

	while (rc == 0) {
		rc = poll(&p, 1, ms);
		if (rc <= 0)
			return rc < 0 ? -errno : 0;
		rc = simclient_next_event(c, ev);
	}
	return rc;
}

int simtest_drain(struct simclient *c, int ms)
{
	struct sim_event ev;
	int n = 0;

	while (simtest_event(c, ms, &ev) == 1)
		n++;
	return n;
}
