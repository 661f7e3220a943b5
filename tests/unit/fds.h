/*
 * fds.h: how many file descriptors this process has open, for the tests
 * that check a module leaks none.
 */
#ifndef TESTS_UNIT_FDS_H
#define TESTS_UNIT_FDS_H

#include <dirent.h>

/* Entries of /proc/self/fd (the directory's own included), or -1. */
static inline int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

#endif
