/*
 * simtest.h: run a private xensim for a test and talk to it.
 */
#ifndef TESTS_SIM_SIMTEST_H
#define TESTS_SIM_SIMTEST_H

#include <stdbool.h>
#include <sys/types.h>

#include "sim/simclient.h"

struct simtest {
	char dir[64];
	char path[128];
	pid_t pid;
};

/* Start xensim (the binary at exe) on a socket in a fresh temp dir. */
int simtest_start(struct simtest *t, const char *exe, const char *const *extra);
/* Stop it with SIGTERM: its exit status (0: clean), or -1. */
int simtest_stop(struct simtest *t);
struct simclient *simtest_open(const struct simtest *t, unsigned flags);

/* Wait up to ms for one event: 1 with *ev, 0 on timeout, -errno. */
int simtest_event(struct simclient *c, int ms, struct sim_event *ev);
/* How many events arrive within ms (all of them read). */
int simtest_drain(struct simclient *c, int ms);

#endif
