/*
 * guest.h: simulated guests, as a Linux guest's xenbus and console drivers
 * behave, on the Xen simulator.
 *
 * A guest_host is one simclient connection that is the kernel of any
 * number of guest domains; one poll loop on guest_host_fd() drives them
 * all.  A guest attaches to a domain the toolstack created, reads its
 * start_info page (the store and console gfns and event channels), maps
 * its own ring pages and then:
 *
 *  - speaks xs_wire.h over the XenStore ring (docs/misc/xenstore-ring.txt):
 *    requests go into req as room appears, replies and watch events come
 *    out of rsp, the peer is notified after every index update;
 *  - writes console output into the console ring's out and reads in.
 *
 * Calls are asynchronous (guest_xs_send, with the replies handed to a
 * callback) or blocking (guest_xs_call, which runs the host's loop until
 * its reply arrives, so other guests keep going meanwhile; do not call it
 * from a callback).  Callbacks run only from guest_host_dispatch (and the
 * blocking calls), never from inside a send, so a sender always has its
 * req_id before the reply can arrive; a callback may send and may detach
 * its guest.  The guest_bad_* knobs make a guest misbehave, for tests of
 * how a backend copes with a hostile one.
 */
#ifndef SIM_GUEST_H
#define SIM_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#include "sim/simclient.h"

struct guest_host;
struct guest;

struct guest_host *guest_host_new(struct simclient *sc);
/* Detaches and frees every guest; the simclient stays open. */
void guest_host_free(struct guest_host *gh);
int guest_host_fd(const struct guest_host *gh);
/* Service the guests named by waiting events (a bounded number of them,
 * so a caller's loop keeps control under a flood): how many, or -errno. */
int guest_host_dispatch(struct guest_host *gh);
/* Wait up to timeout_ms (-1: forever) for events, then dispatch them. */
int guest_host_run_once(struct guest_host *gh, int timeout_ms);
size_t guest_host_count(const struct guest_host *gh);
/*
 * Run until every live guest has its replies and its console output is
 * taken (0), or timeout_ms passes (-ETIMEDOUT): call before exiting, so
 * that no reply is left in a ring for the domain's next kernel.
 */
int guest_host_drain(struct guest_host *gh, int timeout_ms);

/* Become domid's kernel and map its rings; NULL with *err on failure. */
struct guest *guest_attach(struct guest_host *gh, unsigned domid, int *err);
/* Stop being its kernel.  Events about the domain still unread (its
 * death, say) are dropped: they must not reach the next guest on the
 * domid. */
void guest_detach(struct guest *g);
unsigned guest_domid(const struct guest *g);
const struct sim_start_info *guest_start_info(const struct guest *g);
/* Destroyed, shut down, or the ring was given up on by the server. */
bool guest_dead(const struct guest *g);
bool guest_is_shutdown(const struct guest *g);
/* The ring's error field as the server set it (0: none). */
uint32_t guest_xs_error(const struct guest *g);
/* SCHEDOP_shutdown: the guest stops itself with a SHUTDOWN_* reason. */
int guest_shutdown(struct guest *g, unsigned reason);

typedef void guest_reply_fn(struct guest *g, const struct xsd_sockmsg *hdr,
			    const char *body, void *arg);
typedef void guest_watch_fn(struct guest *g, const char *path,
			    const char *token, void *arg);
typedef void guest_input_fn(struct guest *g, const char *buf, size_t len,
			    void *arg);
typedef void guest_state_fn(struct guest *g, void *arg);

/*
 * Callbacks: replies to guest_xs_send, watch events (without one they
 * queue for guest_xs_wait_watch), console input, and a change of state
 * (shut down, destroyed).  body is NUL-terminated past hdr->len.
 */
void guest_set_handlers(struct guest *g, guest_reply_fn *reply,
			guest_watch_fn *watch, guest_state_fn *state,
			void *arg);
void guest_set_console_input(struct guest *g, guest_input_fn *fn, void *arg);
void *guest_arg(const struct guest *g);

/* Queue a request (the ring takes it as room appears): its req_id, from 1
 * to 2^31 - 1, or -errno. */
int guest_xs_send(struct guest *g, uint32_t type, uint32_t tx, const void *body,
		  size_t len);
/* Strings joined by NULs (and one after the last if nul_end) into buf of
 * size bytes: the length, or -E2BIG. */
int guest_join(char *buf, size_t size, const char *const *args, int nargs,
	       bool nul_end);
/* guest_xs_send with strings joined as guest_join does. */
int guest_xs_sendv(struct guest *g, uint32_t type, uint32_t tx,
		   const char *const *args, int nargs, bool nul_end);
/*
 * Send and wait for the reply: 0 with *reply (malloc'd, NUL-terminated,
 * may be NULL to discard) and *rlen, -errno for an XS_ERROR reply (its
 * string mapped back to errno), -ETIMEDOUT, or -EPIPE if the guest died.
 */
int guest_xs_call(struct guest *g, uint32_t type, uint32_t tx, const void *body,
		  size_t len, char **reply, size_t *rlen, int timeout_ms);
int guest_xs_read(struct guest *g, const char *path, char **val);
int guest_xs_write(struct guest *g, const char *path, const char *val);
int guest_xs_watch(struct guest *g, const char *path, const char *token);
/* The next queued watch event: 0, -ETIMEDOUT, or -EPIPE. */
int guest_xs_wait_watch(struct guest *g, char **path, char **token,
			int timeout_ms);
/* Requests sent whose replies have not come back yet. */
unsigned guest_xs_outstanding(const struct guest *g);

/* Queue console output: bytes taken (all, or -ENOBUFS past the limit). */
int guest_console_write(struct guest *g, const void *buf, size_t len);
/* Console output not yet taken by the backend. */
size_t guest_console_pending(const struct guest *g);

/* Misbehaviour. */
int guest_bad_xs_index(struct guest *g); /* req_prod far ahead */
int guest_bad_xs_raw(struct guest *g, const void *bytes, size_t len);
int guest_bad_xs_oversized(struct guest *g); /* len > payload max */
int guest_bad_xs_garbage(struct guest *g, size_t len, unsigned seed);
void guest_bad_xs_no_read(struct guest *g, bool on); /* ignore rsp */
int guest_bad_console_index(struct guest *g);        /* out_prod far ahead */
/* Set all four ring indexes to base (only while the ring is idle). */
int guest_xs_set_index_base(struct guest *g, uint32_t base);

#endif
