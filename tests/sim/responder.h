/*
 * responder.h: a tiny XenStore and console backend for the simulator's
 * tests, standing in for the daemon.  It runs in its own thread with its
 * own dom0 connection, maps each domain's rings through grant entries 1
 * and 0, binds their event channels and answers WRITE, READ and WATCH
 * from a flat table (a watch fires at once, and again, before the reply,
 * for each write under its path), and collects console output.  A ring
 * with bad indexes or an oversized header is given up on, with the ring's
 * error field set, as xenstored does.
 */
#ifndef TESTS_SIM_RESPONDER_H
#define TESTS_SIM_RESPONDER_H

#include <stddef.h>

struct responder;

/* Serve domains doms[0..n-1] of the simulator at path. */
struct responder *responder_start(const char *path, const unsigned *doms,
				  size_t n);
/* Stop the thread and free everything; returns requests served. */
unsigned long responder_stop(struct responder *r);
/* Console output collected from domain index i so far (a copy). */
size_t responder_console(struct responder *r, size_t i, char *buf, size_t max);
/* Queue console input for domain index i. */
void responder_console_input(struct responder *r, size_t i, const char *s);
/* Rings given up on so far. */
unsigned responder_broken(struct responder *r);

#endif
