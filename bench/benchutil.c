/*
 * benchutil.c: helpers shared by the benchmark programs in bench/; see
 * benchutil.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/benchutil.h"

static _Noreturn void vdie(const char *err, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static _Noreturn void vdie(const char *err, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", bench_prog);
	vfprintf(stderr, fmt, ap);
	if (err != NULL)
		fprintf(stderr, ": %s", err);
	fputc('\n', stderr);
	exit(1);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdie(NULL, fmt, ap);
}

void die_errno(const char *fmt, ...)
{
	const char *err = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vdie(err, fmt, ap);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t cpu_ns(long pid)
{
	unsigned long long ut, st;
	char name[64], buf[1024], *p;
	FILE *f;
	int n;

	if (pid <= 0)
		return 0;
	snprintf(name, sizeof(name), "/proc/%ld/stat", pid);
	f = fopen(name, "r");
	if (f == NULL)
		die_errno("%s", name);
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* Fields 14 and 15; skip "pid (comm)" first, comm may hold blanks. */
	if (p != NULL)
		p = strrchr(buf, ')');
	n = p ? sscanf(p + 2,
		       "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		       &ut, &st)
	      : 0;
	if (n != 2)
		return 0;
	return (ut + st) *
	       (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK));
}

void samples_add(struct samples *s, uint64_t ns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		uint64_t *nv = realloc(s->v, cap * sizeof(*nv));

		if (nv == NULL)
			die("out of memory");
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = ns;
}

void samples_merge(struct samples *to, const struct samples *from)
{
	size_t i;

	for (i = 0; i < from->n; i++)
		samples_add(to, from->v[i]);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct stats samples_stats(struct samples *s)
{
	struct stats st = {0, 0, 0, 0, 0};
	double sum = 0;
	size_t i;

	if (s->n == 0)
		return st;
	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	for (i = 0; i < s->n; i++)
		sum += (double)s->v[i];
	st.n = s->n;
	st.mean = sum / (double)s->n / 1e3;
	/* Nearest rank. */
	st.p50 = (double)s->v[(s->n * 50 + 99) / 100 - 1] / 1e3;
	st.p99 = (double)s->v[(s->n * 99 + 99) / 100 - 1] / 1e3;
	st.max = (double)s->v[s->n - 1] / 1e3;
	return st;
}
