/*
 * console.c: console throughput, guest ring -> log file, on the simulator.
 *
 *	console XENSIM XENSIM_XL XENBACKD GUESTS MIB
 *
 * Starts xensim and `xenbackd -N --log=guest -o keep` in a temp dir, makes
 * GUESTS domains (`xensim-xl create cb -n GUESTS --wait-tty 10`), reads
 * every console's pty (raw, discarding, so keep mode never holds a guest
 * up for long) and attaches the guests in-process.  Each writes MIB MiB to
 * its console ring as fast as the ring takes it; the time is from the
 * first byte written to the last byte in the logs.  Then the same total is
 * written with write(2) in 2 KiB chunks to GUESTS plain files in the same
 * directory, timed.  One line of results on stdout:
 *
 *	guests MIB console_s plain_s ratio console_MiB/s
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "bench/benchutil.h"
#include "sim/guest.h"
#include "sim/simclient.h"

#define MAXG 1000

const char bench_prog[] = "console";

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pid_t spawn(const char *const *argv, int out_fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (out_fd >= 0) {
			dup2(out_fd, 1);
			dup2(out_fd, 2);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static void stop(pid_t pid)
{
	int st;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (long)st.st_size;
}

/* ---- the pty drain ---- */

static int ptys[MAXG];
static int nptys;
static volatile bool drain_stop;

static void *drain_main(void *arg)
{
	struct pollfd pf[MAXG];
	char buf[65536];
	int i;

	(void)arg;
	for (i = 0; i < nptys; i++)
		pf[i] = (struct pollfd){ptys[i], POLLIN, 0};
	while (!drain_stop) {
		if (poll(pf, (nfds_t)nptys, 50) <= 0)
			continue;
		for (i = 0; i < nptys; i++)
			if (pf[i].revents & POLLIN)
				while (read(pf[i].fd, buf, sizeof(buf)) > 0)
					;
	}
	return NULL;
}

static int open_pty(const char *name)
{
	struct termios t;
	int fd = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 || tcgetattr(fd, &t) < 0)
		die("cannot open a console pty");
	cfmakeraw(&t);
	tcsetattr(fd, TCSANOW, &t);
	return fd;
}

/* ---- plain files: the reference ---- */

static double plain(const char *dir, int guests, size_t per,
		    const unsigned char *data)
{
	char path[256];
	double t0 = now_s(), t;
	int i;

	for (i = 0; i < guests; i++) {
		size_t off;
		int fd;

		snprintf(path, sizeof(path), "%s/plain-%d.log", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			  0644);
		if (fd < 0)
			die("cannot write a plain file");
		for (off = 0; off < per; off += 2048)
			if (write(fd, data + off % (1 << 20), 2048) != 2048)
				die("short write");
		close(fd);
	}
	t = now_s() - t0;
	for (i = 0; i < guests; i++) {
		snprintf(path, sizeof(path), "%s/plain-%d.log", dir, i);
		unlink(path);
	}
	return t;
}

int main(int argc, char **argv)
{
	static char dir[64] = "/tmp/xb-conbench.XXXXXX";
	char sim[128], xs[128], hv[160], logdir[160], out[160], n_s[16];
	char logs[MAXG][192];
	struct guest *g[MAXG];
	size_t sent[MAXG];
	struct xs_handle *h = NULL;
	struct simclient *sc;
	struct guest_host *gh;
	unsigned char *data;
	pthread_t th;
	pid_t psim, pxbd, pxl;
	int guests, mib, i, fd, st, ng = 0, done;
	size_t per;
	double t0, t1, tp, end;
	uint32_t x = 12345;
	char **ents;
	unsigned nents, k;

	if (argc != 6)
		die("usage: console XENSIM XENSIM_XL XENBACKD GUESTS MIB");
	guests = atoi(argv[4]);
	mib = atoi(argv[5]);
	if (guests < 1 || guests > MAXG || mib < 1)
		die("bad GUESTS or MIB");
	per = (size_t)mib << 20;
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir))
		die("mkdtemp");
	snprintf(sim, sizeof(sim), "%s/sim.sock", dir);
	snprintf(xs, sizeof(xs), "%s/xs.sock", dir);
	snprintf(hv, sizeof(hv), "sim:%s", sim);
	snprintf(logdir, sizeof(logdir), "--log-dir=%s", dir);
	snprintf(out, sizeof(out), "%s/daemons.out", dir);
	setenv("XENSIM_SOCKET", sim, 1);
	setenv("XENSTORED_PATH", xs, 1);
	data = malloc(1 << 20);
	for (i = 0; i < 1 << 20; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (unsigned char)(x >> 7);
	}

	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	psim = spawn((const char *const[]){argv[1], "--socket", sim, NULL}, fd);
	for (end = now_s() + 10; file_size(sim) < 0 && now_s() < end;)
		usleep(10000);
	pxbd = spawn((const char *const[]){argv[3], "-N", "--socket", xs,
					   "--hypervisor", hv, "--log=guest",
					   logdir, "-o", "keep", NULL},
		     fd);
	close(fd);
	for (end = now_s() + 10; now_s() < end; usleep(10000)) {
		unsigned l;
		void *v;

		if (!(h = xs_open(0)))
			continue;
		if ((v = xs_read(h, XBT_NULL, "/", &l))) {
			free(v);
			break;
		}
		xs_close(h);
		h = NULL;
	}
	if (!h)
		die("xenbackd did not start");
	snprintf(n_s, sizeof(n_s), "%d", guests);
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	pxl = spawn((const char *const[]){argv[2], "create", "cb", "-n", n_s,
					  "--wait-tty", "10", NULL},
		    fd);
	close(fd);
	if (waitpid(pxl, &st, 0) != pxl || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		die("xensim-xl create failed");

	if (simclient_open(sim, 0, &sc) < 0 || !(gh = guest_host_new(sc)))
		die("simclient");
	ents = xs_directory(h, XBT_NULL, "/local/domain", &nents);
	for (k = 0; ents && k < nents && ng < guests; k++) {
		unsigned domid = (unsigned)atoi(ents[k]), l;
		char p[96], *name, *tty;
		int err;

		if (domid == 0)
			continue;
		snprintf(p, sizeof(p), "/local/domain/%u/name", domid);
		name = xs_read(h, XBT_NULL, p, &l);
		snprintf(p, sizeof(p), "/local/domain/%u/console/tty", domid);
		tty = xs_read(h, XBT_NULL, p, &l);
		if (!name || !tty)
			die("domain without name or tty");
		snprintf(logs[ng], sizeof(logs[ng]), "%s/guest-%s.log", dir,
			 name);
		ptys[nptys++] = open_pty(tty);
		g[ng] = guest_attach(gh, domid, &err);
		if (!g[ng])
			die("guest_attach");
		sent[ng++] = 0;
		free(name);
		free(tty);
	}
	free(ents);
	if (ng != guests)
		die("not every domain found");
	if (pthread_create(&th, NULL, drain_main, NULL) != 0)
		die("pthread_create");

	t0 = now_s();
	end = t0 + 600;
	do {
		done = 0;
		for (i = 0; i < ng; i++) {
			while (sent[i] < per &&
			       guest_console_pending(g[i]) < 16384) {
				size_t n = per - sent[i] < 4096 ? per - sent[i]
								: 4096;

				guest_console_write(
					g[i], data + sent[i] % (1 << 20), n);
				sent[i] += n;
			}
			done += sent[i] == per;
		}
		guest_host_run_once(gh, 2);
	} while (done < ng && now_s() < end);
	for (;;) {
		long total = 0;

		for (i = 0; i < ng; i++) {
			long s = file_size(logs[i]);

			total += s > 0 ? s : 0;
		}
		if (total >= (long)per * ng)
			break;
		if (now_s() > end)
			die("timed out waiting for the logs");
		guest_host_run_once(gh, 1);
	}
	t1 = now_s();
	for (i = 0; i < ng; i++)
		if (file_size(logs[i]) != (long)per)
			die("a log has the wrong size");

	tp = plain(dir, guests, per, data);
	printf("%d %d %.3f %.3f %.1f %.1f\n", guests, mib, t1 - t0, tp,
	       (t1 - t0) / tp, (double)mib * guests / (t1 - t0));

	drain_stop = true;
	pthread_join(th, NULL);
	guest_host_free(gh);
	simclient_close(sc);
	xs_close(h);
	stop(pxbd);
	stop(psim);
	for (i = 0; i < nptys; i++)
		close(ptys[i]);
	for (i = 0; i < ng; i++)
		unlink(logs[i]);
	unlink(out);
	rmdir(dir);
	free(data);
	return 0;
}
