/*
 * test_conlog.c: console log files: bytes verbatim, ESC replaced on
 * request, xenconsoled's timestamps, reopening after a rename.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/console/conlog.h"
#include "tests/console/harness.h"
#include "tests/unit/check.h"

CHECK_MAIN_DEFS;

static char dir[] = "/tmp/xbconlog.XXXXXX";

/* <dir>/<name>; four calls may be in use at once. */
static char *path_of(const char *name)
{
	static char buf[4][128];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

static bool file_eq(const char *path, const char *want, size_t wlen)
{
	size_t len;
	char *got = slurp(path, &len);
	bool ok = got && len == wlen && memcmp(got, want, len) == 0;

	free(got);
	return ok;
}

static void test_verbatim(void)
{
	static const char data[] = "a\0b\x1b[31m\r\n\xff\x80\x1b";
	struct conlog *l = conlog_open(path_of("plain.log"), false, false);

	CHECK(l != NULL);
	CHECK_INT(conlog_write(l, data, sizeof(data) - 1), 0);
	CHECK_INT(conlog_write(l, data, sizeof(data) - 1), 0);
	conlog_close(l);
	CHECK(file_eq(path_of("plain.log"),
		      "a\0b\x1b[31m\r\n\xff\x80\x1b"
		      "a\0b\x1b[31m\r\n\xff\x80\x1b",
		      2 * (sizeof(data) - 1)));
	unlink(path_of("plain.log"));
}

static void test_replace_escape(void)
{
	static const char data[] = "\x1b[2Jclear\x1b\x1b\n\0x";
	struct conlog *l = conlog_open(path_of("esc.log"), false, true);

	CHECK_INT(conlog_write(l, data, sizeof(data) - 1), 0);
	conlog_close(l);
	CHECK(file_eq(path_of("esc.log"), ".[2Jclear..\n\0x",
		      sizeof(data) - 1));
	unlink(path_of("esc.log"));
}

/* "[YYYY-mm-dd HH:MM:SS] " before each line; no '\r' after '\n'. */
static void test_timestamps(void)
{
	static const char *const want[] = {
		"Logfile Opened", "one", "two", "three", "four\rfive", "six",
	};
	struct conlog *l = conlog_open(path_of("ts.log"), true, false);
	char *text, *line, *save = NULL;
	size_t len, n = 0;
	regex_t re;

	CHECK_INT(conlog_write(l, "one\ntwo\n\r\rthr", 13), 0);
	CHECK_INT(conlog_write(l, "ee\n", 3), 0);
	CHECK_INT(conlog_write(l, "\r\rfour\rfive\nsix", 15), 0);
	CHECK_INT(conlog_write(l, "\n", 1), 0);
	conlog_close(l);
	CHECK_INT(regcomp(&re,
			  "^\\[[0-9]{4}-[0-9]{2}-[0-9]{2} "
			  "[0-9]{2}:[0-9]{2}:[0-9]{2}\\] (.*)$",
			  REG_EXTENDED),
		  0);
	text = slurp(path_of("ts.log"), &len);
	CHECK(text != NULL);
	text = realloc(text, len + 1);
	text[len] = '\0';
	CHECK(len > 0 && text[len - 1] == '\n');
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), n++) {
		regmatch_t m[2];

		CHECK(regexec(&re, line, 2, m, 0) == 0);
		if (n < 6)
			CHECK_STR(line + m[1].rm_so, want[n]);
	}
	CHECK_INT(n, 6);
	regfree(&re);
	free(text);
	unlink(path_of("ts.log"));
}

/* logrotate renames; SIGHUP reopens: old bytes stay, new ones follow. */
static void test_reopen(void)
{
	struct conlog *l = conlog_open(path_of("r.log"), false, false);

	conlog_write(l, "before", 6);
	CHECK_INT(rename(path_of("r.log"), path_of("r.log.1")), 0);
	conlog_write(l, "+late", 5); /* still the old file */
	CHECK_INT(conlog_reopen(l), 0);
	conlog_write(l, "after", 5);
	conlog_close(l);
	CHECK(file_eq(path_of("r.log.1"), "before+late", 11));
	CHECK(file_eq(path_of("r.log"), "after", 5));
	unlink(path_of("r.log"));
	unlink(path_of("r.log.1"));
	CHECK(conlog_open(path_of("no/such/dir.log"), false, false) == NULL);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(test_verbatim);
	RUN(test_replace_escape);
	RUN(test_timestamps);
	RUN(test_reopen);
	rmdir(dir);
	return CHECK_DONE();
}
