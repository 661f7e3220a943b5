/*
 * labkit.c: the lab of the end-to-end tests on the simulator, xensim and
 * xenbackd as child processes, and the helpers those tests share.  See
 * labkit.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/sim/labkit.h"
#include "tests/unit/check.h"

/* ---- time, files, processes ---- */

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void sleep_ms(int ms)
{
	sleep_us((long)ms * 1000);
}

void *slurp(const char *path, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;

	if (lenp)
		*lenp = 0;
	if (fd < 0)
		return NULL;
	for (;;) {
		if (cap - len < 65536) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, ncap);

			if (!nb) {
				free(buf);
				close(fd);
				return NULL;
			}
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

static bool file_has(const char *path, const char *text)
{
	size_t len;
	char *b = slurp(path, &len);
	bool found = b && memmem(b, len, text, strlen(text)) != NULL;

	free(b);
	return found;
}

static bool wait_file(const char *path, const char *text, int ms)
{
	double end = now_ms() + ms;

	while (!file_has(path, text)) {
		if (now_ms() > end)
			return false;
		sleep_ms(10);
	}
	return true;
}

/* The end of a file on stderr. */
static void dump(const char *what, const char *path)
{
	size_t len;
	char *b = slurp(path, &len);
	size_t from = len > 8000 ? len - 8000 : 0;

	fprintf(stderr, "---- %s (last 8000 bytes) ----\n%s\n----\n", what,
		b ? b + from : "(none)");
	free(b);
}

/* fork and exec; the child dies with us (a hung test leaves nothing). */
static pid_t spawn(const char *const *argv, int out_fd, int err_fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (out_fd >= 0)
			dup2(out_fd, 1);
		if (err_fd >= 0)
			dup2(err_fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Wait for pid: its exit code (128 + signal), or -ETIMEDOUT, -errno. */
static int reap(pid_t pid, int ms)
{
	double end = now_ms() + ms;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st)
					     : 128 + WTERMSIG(st);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (now_ms() > end)
			return -ETIMEDOUT;
		sleep_ms(5);
	}
}

/* SIGTERM, then SIGKILL if it does not exit in time: as reap(). */
static int stop(pid_t pid)
{
	int rc;

	kill(pid, SIGTERM);
	rc = reap(pid, LAB_STOP_MS);
	if (rc == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		reap(pid, 5000);
	}
	return rc;
}

/* argv with its stdout and stderr in the file at log. */
static pid_t spawn_logged(const char *const *argv, const char *log)
{
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	pid_t pid;

	if (fd < 0)
		return -1;
	pid = spawn(argv, fd, fd);
	close(fd);
	return pid;
}

uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* ---- the lab ---- */

bool lab_start_sim(struct lab *l, const char *tmpl, const char *exe_sim)
{
	const char *argv[] = {exe_sim, "--socket", l->sim_sock, NULL};

	memset(l, 0, sizeof(*l));
	l->failures_before = check_failures;
	if (strlen(tmpl) >= sizeof(l->dir))
		return false;
	memcpy(l->dir, tmpl, strlen(tmpl) + 1);
	if (!mkdtemp(l->dir)) {
		l->dir[0] = '\0';
		return false;
	}
	snprintf(l->sim_sock, sizeof(l->sim_sock), "%s/sim.sock", l->dir);
	snprintf(l->xs_sock, sizeof(l->xs_sock), "%s/xs.sock", l->dir);
	snprintf(l->sim_log, sizeof(l->sim_log), "%s/xensim.log", l->dir);
	snprintf(l->xbd_log, sizeof(l->xbd_log), "%s/xenbackd.log", l->dir);

	l->sim = spawn_logged(argv, l->sim_log);
	if (l->sim < 0 ||
	    !wait_file(l->sim_log, "xensim: ready", LAB_START_MS)) {
		fprintf(stderr, "xensim did not start\n");
		return false;
	}
	return true;
}

bool lab_start_daemon(struct lab *l, const char *exe_xbd,
		      const char *const *args, bool (*ready)(void))
{
	const char *argv[24];
	char hv[160];
	double end;
	int n = 0;
	bool up = false;

	snprintf(hv, sizeof(hv), "sim:%s", l->sim_sock);
	argv[n++] = exe_xbd;
	argv[n++] = "-N";
	argv[n++] = "--socket";
	argv[n++] = l->xs_sock;
	argv[n++] = "--hypervisor";
	argv[n++] = hv;
	while (args && *args && n < 23)
		argv[n++] = *args++;
	argv[n] = NULL;
	l->xbd = spawn_logged(argv, l->xbd_log);
	end = now_ms() + LAB_START_MS;
	while (l->xbd > 0 && !(up = ready()) && now_ms() < end)
		sleep_ms(10);
	if (!up) {
		fprintf(stderr, "xenbackd did not start\n");
		dump("xenbackd", l->xbd_log);
		return false;
	}
	return simclient_open(l->sim_sock, 0, &l->gc) == 0 &&
	       (l->gh = guest_host_new(l->gc)) != NULL;
}

void lab_stop(struct lab *l, bool check_sim)
{
	int rc;

	guest_host_free(l->gh);
	l->gh = NULL;
	simclient_close(l->gc);
	l->gc = NULL;
	if (l->xbd > 0) {
		rc = stop(l->xbd);
		CHECK_INT(rc, 0); /* exits 0 on SIGTERM, no leak */
		CHECK(!file_has(l->xbd_log, "Sanitizer"));
		CHECK(!file_has(l->xbd_log, "runtime error"));
		l->xbd = 0;
	}
	if (l->sim > 0) {
		rc = stop(l->sim);
		if (check_sim)
			CHECK_INT(rc, 0);
		l->sim = 0;
	}
	if (check_failures != l->failures_before) {
		dump("xenbackd stderr", l->xbd_log);
		dump("xensim output", l->sim_log);
	}
}

void lab_remove(struct lab *l)
{
	char path[sizeof(l->dir) + 256 + 1];
	struct dirent *e;
	DIR *d;

	if (!l->dir[0])
		return;
	if (getenv("TEST_KEEP")) {
		fprintf(stderr, "kept %s\n", l->dir);
		return;
	}
	d = opendir(l->dir);
	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", l->dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(l->dir);
	l->dir[0] = '\0';
}

/* ---- the toolstack ---- */

int lab_xl(const struct lab *l, const char *exe_xl, const char *const *args,
	   char *out, size_t size, int ms)
{
	const char *argv[16] = {exe_xl, "--sim", l->sim_sock, "--xs",
				l->xs_sock};
	double end = now_ms() + ms;
	size_t len = 0;
	int n = 5, pfd[2], rc;
	pid_t pid;

	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = spawn(argv, pfd[1], -1);
	close(pfd[1]);
	while (len < size - 1) {
		struct pollfd p = {pfd[0], POLLIN, 0};
		double left = end - now_ms();
		ssize_t r;

		rc = poll(&p, 1, left > 0 ? (int)left + 1 : 0);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			break;
		r = read(pfd[0], out + len, size - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	out[len] = '\0';
	close(pfd[0]);
	if (pid < 0)
		return -EAGAIN;
	rc = reap(pid, ms);
	if (rc == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		reap(pid, 5000);
	}
	if (rc != 0)
		fprintf(stderr, "xensim-xl %s %s: status %d\n",
			argv[5] ? argv[5] : "",
			argv[5] && argv[6] ? argv[6] : "", rc);
	return rc;
}

int lab_xl_domid(const char *out)
{
	const char *p = strstr(out, ": domain ");
	unsigned d;

	if (!p || sscanf(p, ": domain %u", &d) != 1)
		return -1;
	return (int)d;
}
