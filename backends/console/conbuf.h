/*
 * conbuf.h: the bytes a console has taken off the guest's ring but not yet
 * written to its pty, bounded by the guest's console/limit.
 *
 * Discard mode (xenconsoled's default, -o discard): once the buffer holds
 * more than 5/4 of the limit, either the part already written is dropped
 * from the front (when that is more than a quarter of the limit), or the
 * middle goes: bytes [limit/2, limit) of the buffer are cut, keeping the
 * first limit/2 bytes (the start of the backlog) and everything after the
 * first limit bytes (the latest output).  Example, limit 8: after 11 bytes
 * "abcdefghijk" with nothing written yet, the buffer is "abcdijk".
 * Unlike xenconsoled, a buffer still past 5/4 of the limit after that
 * (a slow reader; a tiny limit) loses further half-limits from the same
 * place, so it never holds more than 5/4 of the limit plus one append.
 *
 * Keep mode (-o keep) never drops: the caller takes no more from the ring
 * than conbuf_room() allows, so the guest waits.
 */
#ifndef CONSOLE_CONBUF_H
#define CONSOLE_CONBUF_H

#include <stdbool.h>
#include <stddef.h>

struct conbuf {
	char *data;
	size_t consumed; /* written to the pty */
	size_t size;     /* bytes held, consumed ones included */
	size_t capacity;
	size_t limit;          /* 0: none */
	unsigned long dropped; /* bytes discarded so far */
};

void conbuf_init(struct conbuf *b, size_t limit);
void conbuf_free(struct conbuf *b);
/* Append, applying the discard policy when discard is set: 0 or -ENOMEM
 * (nothing appended). */
int conbuf_append(struct conbuf *b, const void *data, size_t len, bool discard);
/* Bytes waiting for the pty, and where they start. */
size_t conbuf_pending(const struct conbuf *b, const char **start);
/* len bytes went to the pty. */
void conbuf_advance(struct conbuf *b, size_t len);
/* Keep mode: bytes that may still be taken before the unwritten ones
 * reach the limit (SIZE_MAX without one). */
size_t conbuf_room(const struct conbuf *b);

#endif
