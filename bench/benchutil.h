/*
 * benchutil.h: helpers shared by the benchmark programs in bench/ (xsbench,
 * guests, console_bench): fatal errors, the clock, a process's CPU time and
 * latency samples with their statistics.
 */
#ifndef XB_BENCH_BENCHUTIL_H
#define XB_BENCH_BENCHUTIL_H

#include <stddef.h>
#include <stdint.h>

/* The program's name, the start of die()'s messages; each defines it. */
extern const char bench_prog[];

/* Print "<bench_prog>: <message>" on stderr and exit(1). */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same, with ": <strerror(errno)>" after the message. */
_Noreturn void die_errno(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* CLOCK_MONOTONIC in ns. */
uint64_t now_ns(void);

/*
 * Process @pid's user+system CPU time in ns, from /proc/PID/stat; 0 if
 * @pid <= 0 or the file cannot be parsed.  Dies if it cannot be opened.
 */
uint64_t cpu_ns(long pid);

/* Latency samples in ns, in an array that grows as needed. */
struct samples {
	uint64_t *v;
	size_t n, cap;
};

/* Add one sample; dies when out of memory. */
void samples_add(struct samples *s, uint64_t ns);

/* Add every sample of @from to @to. */
void samples_merge(struct samples *to, const struct samples *from);

/* What samples_stats() finds, in µs. */
struct stats {
	size_t n;
	double mean, p50, p99, max;
};

/*
 * Sort @s (s->v is in ascending order afterwards) and return its count,
 * mean, nearest-rank p50 and p99 and maximum; all 0 without samples.
 */
struct stats samples_stats(struct samples *s);

#endif
