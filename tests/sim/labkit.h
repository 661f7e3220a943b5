/*
 * labkit.h: the lab of the end-to-end tests on the simulator (test_hostile,
 * test_sim_console): a private xensim and the real xenbackd on sockets in
 * a fresh temp dir, their output kept in files there, a guest host for
 * in-process guests, xensim-xl as the toolstack; and the small helpers
 * such tests share (time, files, a seeded generator).
 *
 * The checks of lab_stop() count as the calling test's (tests/unit/check.h).
 */
#ifndef TESTS_SIM_LABKIT_H
#define TESTS_SIM_LABKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sim/guest.h"
#include "sim/simclient.h"

#define LAB_START_MS 15000 /* a process to come up */
#define LAB_STOP_MS  20000 /* one to exit (the daemon's leak check included) */

struct lab {
	char dir[64];
	char sim_sock[128], xs_sock[128]; /* xensim's, xenbackd's */
	char sim_log[128], xbd_log[128];  /* their stdout and stderr */
	pid_t sim, xbd;
	struct simclient *gc; /* the guest host's connection */
	struct guest_host *gh;
	int failures_before; /* check_failures when the lab was started */
};

/*
 * Make a fresh directory from tmpl ("/tmp/xb-NAME.XXXXXX"), start xensim
 * there and wait until it is ready.
 */
bool lab_start_sim(struct lab *l, const char *tmpl, const char *exe_sim);
/*
 * Start `xenbackd -N --socket XS --hypervisor sim:SIM ARGS...` and call
 * ready() every 10 ms until it says the daemon serves (the dump of its
 * output if it never does); then open the guest host.
 */
bool lab_start_daemon(struct lab *l, const char *exe_xbd,
		      const char *const *args, bool (*ready)(void));
/*
 * Close the guest host, stop the daemon with SIGTERM (checked: exit 0, no
 * sanitizer report in its output) and xensim (its exit status checked if
 * check_sim); dump both outputs if any check failed since the start.
 * The test closes its own connections first.
 */
void lab_stop(struct lab *l, bool check_sim);
/* Remove the directory and what is in it (one level), unless $TEST_KEEP. */
void lab_remove(struct lab *l);

/*
 * Run `xensim-xl --sim SIM --xs XS ARGS...`, its stdout in out (read for
 * up to ms), given ms more to exit before it is killed: its exit status
 * (128 + signal), or -errno.
 */
int lab_xl(const struct lab *l, const char *exe_xl, const char *const *args,
	   char *out, size_t size, int ms);
/* The domid in the output of xensim-xl create (": domain D"), or -1. */
int lab_xl_domid(const char *out);

double now_ms(void); /* CLOCK_MONOTONIC */
void sleep_ms(int ms);
void sleep_us(long us);
/*
 * The whole file, NUL-terminated, its length in *len if len is not NULL;
 * NULL if unreadable.
 */
void *slurp(const char *path, size_t *len);
/* The seeded generator of the tests' random data (xorshift32). */
uint32_t xorshift(uint32_t *s);

#endif
