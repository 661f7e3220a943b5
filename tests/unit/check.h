/*
 * check.h: a tiny unit-test kit.  Each test program runs its cases, prints
 * one line per failed check, and exits non-zero if any failed; CTest runs
 * one process per program.
 */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

extern int check_failures;
extern int check_count;

#define CHECK(cond)                                                            \
	do {                                                                   \
		check_count++;                                                 \
		if (!(cond)) {                                                 \
			check_failures++;                                      \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
		}                                                              \
	} while (0)

#define CHECK_STR(got, want)                                                   \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		check_count++;                                                 \
		if (!g_ || strcmp(g_, w_) != 0) {                              \
			check_failures++;                                      \
			fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n",    \
				__FILE__, __LINE__, g_ ? g_ : "(null)", w_);   \
		}                                                              \
	} while (0)

#define CHECK_INT(got, want)                                                   \
	do {                                                                   \
		long long g_ = (long long)(got), w_ = (long long)(want);       \
		check_count++;                                                 \
		if (g_ != w_) {                                                \
			check_failures++;                                      \
			fprintf(stderr, "%s:%d: %s = %lld, want %lld\n",       \
				__FILE__, __LINE__, #got, g_, w_);             \
		}                                                              \
	} while (0)

#define RUN(fn)                                                                \
	do {                                                                   \
		int before_ = check_failures;                                  \
		fn();                                                          \
		printf("%s %s\n", check_failures == before_ ? "ok  " : "FAIL", \
		       #fn);                                                   \
	} while (0)

#define CHECK_MAIN_DEFS                                                        \
	int check_failures;                                                    \
	int check_count

#define CHECK_DONE()                                                           \
	(printf("%d checks, %d failed\n", check_count, check_failures),        \
	 check_failures ? 1 : 0)

#endif
