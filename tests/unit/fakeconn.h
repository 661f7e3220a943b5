/*
 * fakeconn.h: a store connection over an in-memory transport, for unit
 * tests: send a request, read back replies and watch events as strings.
 */
#ifndef TESTS_FAKECONN_H
#define TESTS_FAKECONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct fake;

struct fake *fake_new(struct store *st, unsigned domid, bool priv);
void fake_free(struct fake *f);
bool fake_killed(const struct fake *f);

/* Send raw bytes as if the peer wrote them; handles what is complete. */
void fake_feed(struct fake *f, const void *buf, size_t len);
/* While held, fake_feed() and fake_send() only queue the bytes: the test
 * drives conn_input_budget()/conn_output() on fake_conn() itself. */
void fake_hold(struct fake *f, bool held);
struct conn *fake_conn(struct fake *f);
/* Send one request with a raw payload. */
void fake_send(struct fake *f, uint32_t type, uint32_t tx_id,
	       const void *payload, size_t len);

/*
 * Send one request whose payload is the given strings, each followed by
 * a NUL (the list ends with NULL; for WRITE the value, last, gets no NUL,
 * as libxenstore sends it), and return the reply as
 * "<TYPE>:<payload with NULs shown as '|'>", e.g. "READ:hello",
 * "ERROR:ENOENT|".  Watch events that arrive meanwhile are kept for
 * fake_event().  The string lives until the next call.
 */
const char *fake_req(struct fake *f, uint32_t type, uint32_t tx_id, ...);
/* As fake_req, with a raw payload. */
const char *fake_req_raw(struct fake *f, uint32_t type, uint32_t tx_id,
			 const void *payload, size_t len);

/* The next pending watch event as "path|token|", or NULL. */
const char *fake_event(struct fake *f);
/* How many watch events are pending. */
int fake_event_count(struct fake *f);
/* Drop pending events. */
void fake_clear_events(struct fake *f);

/* The tx id a TRANSACTION_START returned. */
uint32_t fake_tx_start(struct fake *f);

/*
 * Stop (true) or resume (false) reading what the store sends, like a
 * guest that leaves its ring full.  On resume everything queued is taken
 * and input the store held back meanwhile is handled.
 */
void fake_block(struct fake *f, bool blocked);
/* The next reply already received (e.g. after fake_send() and
 * fake_block(f, false)), formatted as by fake_req(), or NULL. */
const char *fake_reply(struct fake *f);
/* Watch events received so far and their bytes (headers included),
 * counting those fake_event() has no room to keep. */
unsigned long fake_events_seen(struct fake *f);
size_t fake_event_bytes(struct fake *f);
/* Types of the messages taken so far, in arrival order:
 * "WATCH WATCH_EVENT ".  Only what fake_req() and friends took. */
const char *fake_log(struct fake *f);
void fake_log_reset(struct fake *f);

#endif
