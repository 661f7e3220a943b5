/*
 * detach.c: daemonizing with a readiness pipe (see detach.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/detach.h"
#include "lib/log.h"

/* The original process: wait for the daemon's pid, then leave. */
static void __attribute__((noreturn))
parent_wait(int fd, pid_t child, bool output_pid)
{
	pid_t daemon_pid;
	ssize_t n;

	/* The middle process exits as soon as it has forked. */
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	do
		n = read(fd, &daemon_pid, sizeof(daemon_pid));
	while (n < 0 && errno == EINTR);
	/* A short read: the daemon died, and said why on stderr. */
	if (n != (ssize_t)sizeof(daemon_pid))
		_exit(1);
	if (output_pid) {
		printf("%ld\n", (long)daemon_pid);
		fflush(stdout);
	}
	_exit(0);
}

int detach_start(bool output_pid)
{
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		fatal("pipe");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid > 0) {
		close(pfd[1]);
		parent_wait(pfd[0], pid, output_pid);
	}
	close(pfd[0]);
	if (setsid() < 0)
		fatal("setsid");
	/* Not a session leader, so no terminal can become ours. */
	pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid > 0)
		_exit(0);
	return pfd[1];
}

/* Whether stderr is the journal stream systemd gave us. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void detach_ready(int fd)
{
	pid_t pid = getpid();
	int null;

	if (write(fd, &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
		log_warn("cannot tell the parent we are ready");
	close(fd);
	if (chdir("/") < 0)
		log_warn("chdir /");
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0) {
		log_warn("/dev/null");
		return;
	}
	dup2(null, STDIN_FILENO);
	dup2(null, STDOUT_FILENO);
	/* Nobody reads a daemon's terminal; the journal is another story. */
	if (!stderr_is_journal())
		dup2(null, STDERR_FILENO);
	if (null > STDERR_FILENO)
		close(null);
}
