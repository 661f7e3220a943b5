/*
 * harness.h: the console tests' world: an event loop, a fake hypervisor,
 * a store (in-process, or another daemon reached through libxenstore), a
 * toolstack client that writes domains' nodes as libxl does, guests that
 * write their console rings, and the console backend under test.
 */
#ifndef TESTS_CONSOLE_HARNESS_H
#define TESTS_CONSOLE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/console/conback.h"
#include "hypervisor/hv.h"
#include "tests/unit/fds.h"

struct event_base;
struct store;
struct sclient;
struct fakehv;

struct harness {
	struct event_base *base;
	struct store *st; /* NULL when the store is another process */
	struct fakehv *fh;
	struct hv hv;
	struct sclient *sc;   /* the backend's */
	struct sclient *tool; /* the toolstack's */
	struct conback *cb;
	struct conback_config cfg;
	char dir[64]; /* private: logs and the like */
	int fds;      /* open at the start, to find leaks */
	void *xs;     /* libxenstore handle for INTRODUCE/RELEASE, or NULL */
};

struct guest {
	unsigned domid;
	void *page;
	unsigned rport;
};

/* A world with an in-process store; h->cfg may be changed before
 * harness_backend(). */
void harness_init(struct harness *h);
/* The same with the store reached through libxenstore (XENSTORED_PATH). */
void harness_init_xs(struct harness *h);
/* Start the console backend with h->cfg. */
void harness_backend(struct harness *h);
/* Tear everything down, checking nothing leaked. */
void harness_fini(struct harness *h);

/* Run the loop for ms milliseconds. */
void harness_pump(struct harness *h, int ms);
/* Run the loop until cond(arg) or ms pass; whether cond came true. */
bool harness_until(struct harness *h, bool (*cond)(void *), void *arg, int ms);

void harness_write(struct harness *h, const char *path, const char *val);
/* malloc'ed value or NULL. */
char *harness_read(struct harness *h, const char *path);

/*
 * A guest as libxl builds one: its console nodes (type NULL: none; name
 * NULL: none; limit < 0: none), then INTRODUCE.
 */
void guest_new(struct harness *h, struct guest *g, unsigned domid,
	       const char *name, const char *type, long limit);
/* Nodes and page, without INTRODUCE. */
void guest_prepare(struct harness *h, struct guest *g, unsigned domid,
		   const char *name, const char *type, long limit);
void guest_introduce(struct harness *h, struct guest *g);
/* Put what fits of data in the "out" ring and notify: bytes put. */
size_t guest_write(struct harness *h, struct guest *g, const void *data,
		   size_t len);
/* The same without notifying (output the backend was not told of). */
size_t guest_put(struct guest *g, const void *data, size_t len);
/* Bytes waiting in the "out" ring. */
size_t guest_out_used(struct guest *g);
/* Take keyboard input from the "in" ring (notifies when it took some). */
size_t guest_read_in(struct harness *h, struct guest *g, void *buf, size_t len);
/* The domain dies: dying in the hypervisor, @releaseDomain. */
void guest_kill(struct harness *h, struct guest *g);
/* console/tty, malloc'ed ("" when empty, NULL when absent). */
char *guest_tty(struct harness *h, struct guest *g);
/* Open the guest's pty as `xl console` would: non-blocking, or -1. */
int guest_open_pty(struct harness *h, struct guest *g);

/*
 * Run the real daemon (argv[1] of the test) as a store alone on a socket
 * in a private directory, and point XENSTORED_PATH at it.  Returns its
 * pid, or -1 when it did not come up.
 */
int store_daemon_start(const char *bin, char *dir, size_t dirsz);
void store_daemon_stop(int pid, const char *dir);

/* A whole file, malloc'ed, its length in *len; NULL when absent. */
char *slurp(const char *path, size_t *len);
/* <h->dir>/guest-<name>.log */
void log_path(struct harness *h, const char *name, char *buf, size_t sz);
/* Seeded bytes: all 256 values, escape sequences, CR/LF runs. */
void random_bytes(uint64_t *seed, unsigned char *buf, size_t len);
uint64_t now_ms(void);

#endif
