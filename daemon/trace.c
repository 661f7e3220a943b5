/*
 * trace.c: the access trace and its CONTROL commands (see trace.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/store/conn.h"
#include "daemon/trace.h"
#include "lib/log.h"

#define TRACE_PAYLOAD_MAX 256 /* payload bytes shown per line */
#define TRACE_LINE_MAX    (128 + TRACE_PAYLOAD_MAX + 8)

struct trace {
	char *path;       /* NULL: no file chosen yet */
	int fd;           /* -1 while off */
	bool on;          /* "log on" (the default with a file) */
	bool write_error; /* a failed write was logged */
};

static int trace_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	return fd < 0 ? -errno : fd;
}

static void trace_close(struct trace *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

struct trace *trace_new(const char *path)
{
	struct trace *t = calloc(1, sizeof(*t));
	int fd;

	if (!t)
		return NULL;
	t->fd = -1;
	if (!path)
		return t;
	t->path = strdup(path);
	if (!t->path)
		goto fail;
	fd = trace_open(path);
	if (fd < 0) {
		errno = -fd;
		goto fail;
	}
	t->fd = fd;
	t->on = true;
	return t;
fail:
	trace_free(t);
	return NULL;
}

void trace_free(struct trace *t)
{
	int saved = errno;

	if (!t)
		return;
	trace_close(t);
	free(t->path);
	free(t);
	errno = saved;
}

int trace_reopen(struct trace *t)
{
	int fd;

	if (!t->on || !t->path)
		return 0;
	trace_close(t);
	fd = trace_open(t->path);
	if (fd < 0)
		return fd;
	t->fd = fd;
	t->write_error = false;
	return 0;
}

/* Append the payload as text: NULs as spaces, other control bytes as dots. */
static size_t trace_payload(char *dst, const char *payload, size_t len)
{
	size_t i, show = len < TRACE_PAYLOAD_MAX ? len : TRACE_PAYLOAD_MAX;

	for (i = 0; i < show; i++) {
		unsigned char ch = (unsigned char)payload[i];

		dst[i] = ch == '\0'                ? ' '
			 : ch < 0x20 || ch >= 0x7f ? '.'
						   : (char)ch;
	}
	if (show < len) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	return i;
}

/* store_hooks.trace: one line per message. */
static void trace_io_cb(void *arg, const struct conn *c, bool out,
			const struct xsd_sockmsg *hdr, const char *payload)
{
	struct trace *t = arg;
	char line[TRACE_LINE_MAX], unknown[24];
	const char *name;
	struct tm tm;
	time_t now;
	int n;

	if (!t->on || t->fd < 0)
		return;
	name = proto_type_name(hdr->type);
	if (!name) {
		snprintf(unknown, sizeof(unknown), "UNKNOWN-%u", hdr->type);
		name = unknown;
	}
	now = time(NULL);
	localtime_r(&now, &tm);
	n = snprintf(line, sizeof(line),
		     "io: %s %u (d%u) %04d%02d%02d %02d:%02d:%02d %s (",
		     out ? "OUT" : "IN", conn_id(c), conn_domid(c),
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, name);
	if (n < 0 || (size_t)n > sizeof(line) - TRACE_PAYLOAD_MAX - 8)
		return;
	if (payload)
		n += (int)trace_payload(line + n, payload, hdr->len);
	line[n++] = ')';
	line[n++] = '\n';
	if (write(t->fd, line, (size_t)n) != n && !t->write_error) {
		t->write_error = true;
		log_warn("trace file %s", t->path);
	}
}

/* Switch to another file: open it first, so a bad path changes nothing. */
static int trace_switch(struct trace *t, const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return -ENOMEM;
	fd = trace_open(path);
	if (fd < 0) {
		free(copy);
		return fd;
	}
	trace_close(t);
	free(t->path);
	t->path = copy;
	t->fd = fd;
	t->on = true;
	t->write_error = false;
	log_info("tracing to %s", path);
	return 0;
}

/* "log" alone: say where tracing stands. */
static int trace_status(const struct trace *t, char **reply)
{
	int rc;

	if (t->on && t->fd >= 0)
		rc = asprintf(reply, "Tracing is on: %s", t->path);
	else if (t->path)
		rc = asprintf(reply, "Tracing is off: %s", t->path);
	else
		rc = asprintf(reply, "Tracing is off: no file");
	return rc < 0 ? -ENOMEM : 0;
}

/* "log on|off"; "+io"/"-io" as later xenstored spells them. */
static int trace_log_cmd(struct trace *t, const char *what)
{
	int rc;

	if (!strcmp(what, "off") || !strcmp(what, "-io")) {
		trace_close(t);
		t->on = false;
		return 0;
	}
	if (strcmp(what, "on") != 0 && strcmp(what, "+io") != 0)
		return -EINVAL;
	if (!t->path)
		return -EINVAL; /* nowhere to write: "logfile PATH" first */
	t->on = true;
	if (t->fd >= 0)
		return 0;
	rc = trace_reopen(t);
	if (rc < 0)
		t->on = false;
	return rc;
}

/* store_hooks.control: CONTROL log [on|off], CONTROL logfile PATH. */
static int trace_control_cb(void *arg, int argc, const char **argv,
			    char **reply)
{
	struct trace *t = arg;
	int rc;

	if (argc < 1)
		return -ENOSYS;
	if (!strcmp(argv[0], "log")) {
		if (argc == 1)
			return trace_status(t, reply);
		if (argc != 2)
			return -EINVAL;
		rc = trace_log_cmd(t, argv[1]);
	} else if (!strcmp(argv[0], "logfile")) {
		if (argc != 2 || argv[1][0] == '\0')
			return -EINVAL;
		rc = trace_switch(t, argv[1]);
	} else {
		return -ENOSYS;
	}
	if (rc < 0)
		return rc;
	*reply = strdup("OK");
	return *reply ? 0 : -ENOMEM;
}

void trace_hooks(struct trace *t, struct store_hooks *hooks)
{
	hooks->arg = t;
	hooks->trace = trace_io_cb;
	hooks->control = trace_control_cb;
}
