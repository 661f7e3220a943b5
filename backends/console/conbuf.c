/*
 * conbuf.c: a console's pty backlog with xenconsoled's overflow policy
 * (see conbuf.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/console/conbuf.h"

#define CONBUF_SLACK 1024 /* grown by what is needed plus this */

void conbuf_init(struct conbuf *b, size_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
}

void conbuf_free(struct conbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->consumed = b->size = b->capacity = 0;
}

/* Slide the unwritten bytes to the front. */
static void conbuf_compact(struct conbuf *b)
{
	memmove(b->data, b->data + b->consumed, b->size - b->consumed);
	b->size -= b->consumed;
	b->consumed = 0;
}

/*
 * Past 5/4 of the limit: drop what was written, or else the middle.  One
 * cut removes [limit/2, limit).  Where xenconsoled would let the buffer
 * grow (a slow reader that keeps more than a quarter written, or a limit
 * under two ring sizes), as many cuts as bring it back under 5/4 of the
 * limit are made at once, so it stays bounded.
 */
static void conbuf_overflow(struct conbuf *b)
{
	size_t limit = b->limit, head = limit / 2, cut_len = limit - limit / 2;
	size_t max = 5 * limit / 4, cuts, cut;

	if (!limit || b->size <= max)
		return;
	if (b->consumed > limit / 4) {
		conbuf_compact(b);
		if (b->size <= max)
			return;
	}
	/* consumed <= limit/4 < limit/2: the kept head still holds it. */
	cuts = (b->size - max + cut_len - 1) / cut_len;
	cut = cuts * cut_len;
	memmove(b->data + head, b->data + head + cut, b->size - head - cut);
	b->size -= cut;
	b->dropped += cut;
}

int conbuf_append(struct conbuf *b, const void *data, size_t len, bool discard)
{
	if (!discard && b->consumed && b->capacity - b->size < len)
		conbuf_compact(b);
	if (b->capacity - b->size < len) {
		size_t cap = b->size + len + CONBUF_SLACK;
		char *p = realloc(b->data, cap);

		if (!p)
			return -ENOMEM;
		b->data = p;
		b->capacity = cap;
	}
	memcpy(b->data + b->size, data, len);
	b->size += len;
	if (discard)
		conbuf_overflow(b);
	return 0;
}

size_t conbuf_pending(const struct conbuf *b, const char **start)
{
	if (start)
		*start = b->data + b->consumed;
	return b->size - b->consumed;
}

void conbuf_advance(struct conbuf *b, size_t len)
{
	b->consumed += len;
	if (b->consumed < b->size)
		return;
	b->consumed = b->size = 0;
	/* Give back what a burst grew beyond the limit. */
	if (b->limit && b->capacity > b->limit + CONBUF_SLACK) {
		char *p = realloc(b->data, b->limit);

		if (p) {
			b->data = p;
			b->capacity = b->limit;
		}
	}
}

size_t conbuf_room(const struct conbuf *b)
{
	size_t held = b->size - b->consumed;

	if (!b->limit)
		return SIZE_MAX;
	return held >= b->limit ? 0 : b->limit - held;
}
