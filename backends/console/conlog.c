/*
 * conlog.c: console log files (see conlog.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/console/conlog.h"

#define CONLOG_CHUNK     4096 /* bytes rewritten at a time for ESC */
#define CONLOG_ESC       0x1b
#define CONLOG_OPENED    "Logfile Opened\n"
#define CONLOG_STAMP_MAX 32

struct conlog {
	int fd;
	char *path;
	bool timestamps;
	bool replace_escape;
	bool line_start; /* the next byte starts a line: stamp it */
	bool after_nl;   /* the last byte was '\n': drop '\r's */
};

/* write() all of buf, through EINTR and short writes. */
static int conlog_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write, with ESC as '.' when asked to. */
static int conlog_put(struct conlog *l, const char *data, size_t len)
{
	char chunk[CONLOG_CHUNK];

	if (!l->replace_escape || !memchr(data, CONLOG_ESC, len))
		return conlog_write_all(l->fd, data, len);
	while (len) {
		size_t n = len < sizeof(chunk) ? len : sizeof(chunk);
		int rc;

		for (size_t i = 0; i < n; i++)
			chunk[i] = data[i] == CONLOG_ESC ? '.' : data[i];
		rc = conlog_write_all(l->fd, chunk, n);
		if (rc < 0)
			return rc;
		data += n;
		len -= n;
	}
	return 0;
}

static size_t conlog_stamp(char *buf, size_t sz)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!localtime_r(&now, &tm))
		return 0;
	return strftime(buf, sz, "[%Y-%m-%d %H:%M:%S] ", &tm);
}

/* Line by line: a stamp before each line, no '\r' right after '\n'. */
static int conlog_put_stamped(struct conlog *l, const char *data, size_t len)
{
	char stamp[CONLOG_STAMP_MAX];
	size_t slen = conlog_stamp(stamp, sizeof(stamp));
	const char *end = data + len;
	int rc;

	while (data < end) {
		const char *nl;
		size_t n;

		if (l->after_nl) {
			while (data < end && *data == '\r')
				data++;
			if (data == end)
				break;
			l->after_nl = false;
		}
		if (l->line_start && slen) {
			rc = conlog_write_all(l->fd, stamp, slen);
			if (rc < 0)
				return rc;
		}
		nl = memchr(data, '\n', (size_t)(end - data));
		n = nl ? (size_t)(nl - data) + 1 : (size_t)(end - data);
		rc = conlog_put(l, data, n);
		if (rc < 0)
			return rc;
		l->line_start = l->after_nl = nl != NULL;
		data += n;
	}
	return 0;
}

int conlog_write(struct conlog *l, const void *data, size_t len)
{
	if (l->fd < 0)
		return -EBADF;
	if (!len)
		return 0;
	if (l->timestamps)
		return conlog_put_stamped(l, data, len);
	return conlog_put(l, data, len);
}

/* Open the file and say so when stamping. */
static int conlog_open_fd(struct conlog *l)
{
	l->fd = open(l->path,
		     O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY,
		     0644);
	if (l->fd < 0)
		return -errno;
	if (l->timestamps) {
		l->line_start = true;
		l->after_nl = false;
		return conlog_write(l, CONLOG_OPENED, strlen(CONLOG_OPENED));
	}
	return 0;
}

struct conlog *conlog_open(const char *path, bool timestamps,
			   bool replace_escape)
{
	struct conlog *l = calloc(1, sizeof(*l));
	int rc;

	if (!l)
		return NULL;
	l->fd = -1;
	l->timestamps = timestamps;
	l->replace_escape = replace_escape;
	l->line_start = true;
	l->path = strdup(path);
	if (!l->path) {
		free(l);
		return NULL;
	}
	rc = conlog_open_fd(l);
	if (rc < 0) {
		conlog_close(l);
		errno = -rc;
		return NULL;
	}
	return l;
}

void conlog_close(struct conlog *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	free(l);
}

int conlog_reopen(struct conlog *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	return conlog_open_fd(l);
}

const char *conlog_path(const struct conlog *l)
{
	return l->path;
}
