/*
 * test_conbuf.c: the pty backlog's overflow policy, exactly: hand-worked
 * cases, then seeded random appends and writes checked against a model
 * that tracks stream offsets instead of bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/console/conbuf.h"
#include "tests/unit/check.h"

CHECK_MAIN_DEFS;

static const char *pending(struct conbuf *b)
{
	static char out[256];
	const char *start;
	size_t n = conbuf_pending(b, &start);

	memcpy(out, start, n);
	out[n] = '\0';
	return out;
}

/* Past 5/4 of the limit with little written: the middle goes. */
static void test_drop_middle(void)
{
	struct conbuf b;

	conbuf_init(&b, 8);
	CHECK_INT(conbuf_append(&b, "abcdefghij", 10, true), 0);
	CHECK_STR(pending(&b), "abcdefghij"); /* 10 is not past 5/4 of 8 */
	CHECK_INT(conbuf_append(&b, "k", 1, true), 0);
	CHECK_STR(pending(&b), "abcdijk");
	CHECK_INT(b.dropped, 4);
	conbuf_advance(&b, 2);
	CHECK_STR(pending(&b), "cdijk");
	conbuf_free(&b);
}

/* Past 5/4 with more than a quarter written: only that goes. */
static void test_drop_written(void)
{
	struct conbuf b;

	conbuf_init(&b, 8);
	conbuf_append(&b, "abcdefgh", 8, true);
	conbuf_advance(&b, 3);
	conbuf_append(&b, "ijk", 3, true);
	CHECK_STR(pending(&b), "defghijk");
	CHECK_INT(b.dropped, 0);
	CHECK_INT(b.consumed, 0);
	conbuf_free(&b);
}

/* No limit, or keep mode: nothing is ever dropped. */
static void test_no_drop(void)
{
	struct conbuf b;
	char big[5000];

	memset(big, 'x', sizeof(big));
	conbuf_init(&b, 0);
	CHECK_INT(conbuf_room(&b), SIZE_MAX);
	conbuf_append(&b, big, sizeof(big), true);
	CHECK_INT(conbuf_pending(&b, NULL), sizeof(big));
	conbuf_free(&b);

	conbuf_init(&b, 8);
	conbuf_append(&b, "abcdefgh", 8, false);
	CHECK_INT(conbuf_room(&b), 0);
	conbuf_advance(&b, 5);
	CHECK_INT(conbuf_room(&b), 5);
	conbuf_append(&b, "ijklm", 5, false);
	CHECK_STR(pending(&b), "fghijklm");
	CHECK_INT(b.dropped, 0);
	conbuf_advance(&b, 8);
	CHECK_INT(conbuf_pending(&b, NULL), 0);
	CHECK_INT(conbuf_room(&b), 8);
	conbuf_free(&b);
}

/* The model: stream offsets of the bytes held, same policy. */
struct model {
	uint32_t *off;
	size_t size, consumed, limit;
	unsigned long dropped;
};

static void model_append(struct model *m, uint32_t first, size_t len)
{
	size_t max = 5 * m->limit / 4, head = m->limit / 2;

	for (size_t i = 0; i < len; i++)
		m->off[m->size++] = first + (uint32_t)i;
	if (m->size <= max)
		return;
	if (m->consumed > m->limit / 4) {
		size_t keep = m->size - m->consumed;

		memmove(m->off, m->off + m->consumed, keep * sizeof(*m->off));
		m->size = keep;
		m->consumed = 0;
	}
	/* One cut at a time: [limit/2, limit) of what is left. */
	while (m->size > max) {
		size_t tail = m->size - m->limit;

		memmove(m->off + head, m->off + m->limit,
			tail * sizeof(*m->off));
		m->dropped += m->limit - head;
		m->size = head + tail;
	}
}

static void model_advance(struct model *m, size_t n)
{
	m->consumed += n;
	if (m->consumed == m->size)
		m->consumed = m->size = 0;
}

static uint64_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005u + 1442695040888963407u;
	return *s >> 33;
}

/* Seeded appends and writes: the buffer's bytes are the model's. */
static void test_random(void)
{
	static const size_t limits[] = {1, 2, 7, 64, 1000, 4096, 65536};

	for (size_t li = 0; li < sizeof(limits) / sizeof(limits[0]); li++) {
		size_t limit = limits[li], bound = 0;
		/* The model cuts one half-limit at a time: keep it quick. */
		size_t chunk_max = limit < 64 ? 100 : 2048;
		uint64_t seed = 42 + li;
		struct conbuf b;
		struct model m = {NULL, 0, 0, limit, 0};
		uint32_t stream = 0;
		bool same = true;

		m.off = malloc((2 * limit + 2 * chunk_max + 2) *
			       sizeof(*m.off));
		conbuf_init(&b, limit);
		for (int op = 0; op < 10000 && same; op++) {
			if (rnd(&seed) % 3) {
				size_t len = 1 + rnd(&seed) % chunk_max;
				unsigned char buf[2048];

				for (size_t i = 0; i < len; i++)
					buf[i] = (unsigned char)(stream + i);
				conbuf_append(&b, buf, len, true);
				model_append(&m, stream, len);
				stream += (uint32_t)len;
			} else {
				size_t n = conbuf_pending(&b, NULL);

				n = n ? rnd(&seed) % (n + 1) : 0;
				conbuf_advance(&b, n);
				model_advance(&m, n);
			}
			same = b.size == m.size && b.consumed == m.consumed &&
			       b.dropped == m.dropped;
			/* Every byte now and then, and at the end. */
			for (size_t i = 0;
			     same && (op % 16 == 0 || op == 9999) && i < m.size;
			     i++)
				same = (unsigned char)b.data[i] ==
				       (unsigned char)m.off[i];
			if (b.size > bound)
				bound = b.size;
		}
		CHECK(same);
		CHECK(m.dropped > 0 || limit >= 65536);
		if (!same)
			fprintf(stderr, "limit %zu differs\n", limit);
		/* Bounded: 5/4 of the limit plus one ring's worth. */
		CHECK(bound <= 5 * limit / 4 + chunk_max);
		conbuf_free(&b);
		free(m.off);
	}
}

/* A reader slower than the guest: still bounded (xenconsoled is not). */
static void test_slow_reader(void)
{
	static char chunk[2048];
	struct conbuf b;
	size_t worst = 0;

	conbuf_init(&b, 4096);
	for (int i = 0; i < 1000; i++) {
		conbuf_append(&b, chunk, sizeof(chunk), true);
		conbuf_advance(&b, 1100); /* > limit/4 each time */
		if (b.size > worst)
			worst = b.size;
	}
	CHECK(worst <= 5 * 4096 / 4 + sizeof(chunk));
	CHECK_INT(b.dropped % 2048, 0);
	conbuf_free(&b);
}

int main(void)
{
	RUN(test_drop_middle);
	RUN(test_drop_written);
	RUN(test_no_drop);
	RUN(test_random);
	RUN(test_slow_reader);
	return CHECK_DONE();
}
