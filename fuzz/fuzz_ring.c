/*
 * fuzz_ring.c: libFuzzer harness for the shared-ring copying of
 * protocol/ring.c, against a model.  The indexes start anywhere (wrapped
 * near 2^32, or already further apart than the ring is big), a misbehaving
 * peer may rewrite either of them between calls, and every call is checked:
 * -EPROTO exactly when prod - cons exceeds the size, otherwise exactly
 * min(len, what is there) bytes moved, the right bytes, only the caller's
 * own index moved, and nothing touched outside the ring or the buffer
 * (both are allocated at their exact sizes, so ASan sees any overrun).
 *
 * Input layout:
 *   byte 0       % 6: a bare ring of 1024, 2048, 16 or 1 bytes, or the
 *                request (4) or response (5) direction of a XenStore page
 *                (ring_xs_req/ring_xs_rsp), whose other bytes must not move
 *   bytes 1..8   initial cons and prod (little-endian)
 *   then ops:    [op][len lo][len hi][bytes for a put...]
 *                op % 5: 0 take, 1 put, 2 avail, 3 peer sets prod,
 *                4 peer sets cons (the new value is the len field plus
 *                the current index)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xs_wire.h>

#include "protocol/ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_ring: %s:%d: %s\n", __FILE__,    \
				__LINE__, #cond);                              \
			__builtin_trap();                                      \
		}                                                              \
	} while (0)

struct rd {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static uint32_t u32(struct rd *r)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++)
		v |= (uint32_t)u8(r) << (8 * i);
	return v;
}

static void do_take(const struct ring_dir *rd, size_t len, char *snap)
{
	uint32_t cons = *rd->cons, prod = *rd->prod, avail = prod - cons;
	uint32_t mask = rd->size - 1, i;
	char *buf = malloc(len ? len : 1);
	ssize_t n;

	memcpy(snap, rd->data, rd->size);
	n = ring_take(rd, buf, len);
	CHECK(*rd->prod == prod);
	CHECK(memcmp(snap, rd->data, rd->size) == 0);
	if (avail > rd->size) {
		CHECK(n == -EPROTO && *rd->cons == cons);
	} else {
		CHECK(n == (ssize_t)(len < avail ? len : avail));
		CHECK(*rd->cons == cons + (uint32_t)n);
		for (i = 0; i < (uint32_t)n; i++)
			CHECK(buf[i] == snap[(cons + i) & mask]);
	}
	free(buf);
}

static void do_put(const struct ring_dir *rd, const uint8_t *src, size_t len,
		   char *snap)
{
	uint32_t cons = *rd->cons, prod = *rd->prod, used = prod - cons;
	uint32_t mask = rd->size - 1, i, room;
	char *buf = malloc(len ? len : 1); /* exact size: ASan guards */
	ssize_t n;

	memcpy(buf, src, len);
	memcpy(snap, rd->data, rd->size);
	n = ring_put(rd, buf, len);
	CHECK(*rd->cons == cons);
	if (used > rd->size) {
		CHECK(n == -EPROTO && *rd->prod == prod);
		CHECK(memcmp(snap, rd->data, rd->size) == 0);
	} else {
		room = rd->size - used;
		CHECK(n == (ssize_t)(len < room ? len : room));
		CHECK(*rd->prod == prod + (uint32_t)n);
		/* The new bytes went in after prod; nothing else changed. */
		for (i = 0; i < (uint32_t)n; i++)
			snap[(prod + i) & mask] = buf[i];
		CHECK(memcmp(snap, rd->data, rd->size) == 0);
	}
	free(buf);
}

/* Is byte off of the page part of what this direction may change? */
static bool own_byte(const struct ring_dir *rd, const void *page, size_t off)
{
	const char *p = (const char *)page + off;

	return (p >= rd->data && p < rd->data + rd->size) ||
	       (p >= (const char *)rd->cons &&
		p < (const char *)(rd->cons + 1)) ||
	       (p >= (const char *)rd->prod &&
		p < (const char *)(rd->prod + 1));
}

/* One operation from the input; the indexes are rd's. */
static void run_op(struct ring_dir *rd, struct rd *r, char *snap)
{
	uint8_t op = u8(r);
	size_t len = u8(r);
	uint32_t cons, prod;
	ssize_t a;

	len |= (size_t)u8(r) << 8;
	switch (op % 5) {
	case 0:
		do_take(rd, len, snap);
		break;
	case 1:
		if (len > r->n)
			len = r->n;
		do_put(rd, r->p, len, snap);
		r->p += len;
		r->n -= len;
		break;
	case 2:
		cons = *rd->cons;
		prod = *rd->prod;
		a = ring_avail(rd);
		CHECK(prod - cons > rd->size ? a == -EPROTO
					     : a == (ssize_t)(prod - cons));
		break;
	case 3:
		*rd->prod += (uint32_t)len | (uint32_t)(op >> 3) << 16;
		break;
	case 4:
		*rd->cons += (uint32_t)len | (uint32_t)(op >> 3) << 16;
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t sizes[] = {1024, 2048, 16, 1};
	struct xenstore_domain_interface *intf = NULL, before;
	struct rd r = {data, size};
	struct ring_dir rd;
	uint32_t idx[2];
	uint8_t kind;
	size_t i;
	char *snap;

	if (size < 9 || size > 65536)
		return 0;
	kind = u8(&r) % 6;
	if (kind < 4) {
		/* A bare ring of its exact size: ASan guards both ends. */
		rd.size = sizes[kind];
		rd.data = calloc(1, rd.size);
		rd.cons = &idx[0];
		rd.prod = &idx[1];
	} else {
		/* A XenStore page: the other direction must stay untouched. */
		intf = calloc(1, sizeof(*intf));
		if (kind == 4)
			ring_xs_req(intf, &rd);
		else
			ring_xs_rsp(intf, &rd);
	}
	*rd.cons = u32(&r);
	*rd.prod = u32(&r);
	snap = malloc(rd.size);
	while (r.n) {
		if (intf)
			memcpy(&before, intf, sizeof(before));
		run_op(&rd, &r, snap);
		for (i = 0; intf && i < sizeof(before); i++)
			CHECK(own_byte(&rd, intf, i) ||
			      ((char *)intf)[i] == ((char *)&before)[i]);
	}
	free(snap);
	if (intf)
		free(intf);
	else
		free(rd.data);
	return 0;
}
