/*
 * hvlog.c: hypervisor.log (see hvlog.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/console/conback.h"
#include "backends/console/conlog.h"
#include "backends/console/hvlog.h"
#include "lib/log.h"

#define HVLOG_CHUNK      16384
#define HVLOG_MAX_CHUNKS 64 /* per call: 1 MiB, then the loop goes on */

struct hvlog {
	const struct conback_hvlog *ops;
	struct conlog *log;
	uint32_t index;
	bool warned;
	char buf[HVLOG_CHUNK];
};

struct hvlog *hvlog_new(const struct conback_hvlog *ops, const char *dir,
			bool timestamps)
{
	struct hvlog *h = calloc(1, sizeof(*h));
	char path[1024];
	int n;

	if (!h)
		return NULL;
	h->ops = ops;
	n = snprintf(path, sizeof(path), "%s/hypervisor.log", dir);
	if (n > 0 && (size_t)n < sizeof(path))
		h->log = conlog_open(path, timestamps, false);
	if (!h->log) {
		log_warn("cannot open %s", path);
		free(h);
		return NULL;
	}
	return h;
}

void hvlog_free(struct hvlog *h)
{
	if (!h)
		return;
	conlog_close(h->log);
	free(h);
}

void hvlog_read(struct hvlog *h)
{
	for (int i = 0; i < HVLOG_MAX_CHUNKS; i++) {
		unsigned len = sizeof(h->buf);
		int rc = h->ops->read(h->ops->arg, h->buf, &len, &h->index);

		if (rc < 0 || len == 0) {
			if (rc < 0 && !h->warned)
				log_warnx("reading the hypervisor console: %s",
					  strerror(-rc));
			h->warned |= rc < 0;
			return;
		}
		rc = conlog_write(h->log, h->buf, len);
		if (rc < 0 && !h->warned)
			log_warnx("writing %s: %s", conlog_path(h->log),
				  strerror(-rc));
		h->warned |= rc < 0;
		if (len < sizeof(h->buf))
			return;
	}
}

void hvlog_reopen(struct hvlog *h)
{
	int rc = conlog_reopen(h->log);

	h->warned = false;
	if (rc < 0)
		log_warnx("reopening %s: %s", conlog_path(h->log),
			  strerror(-rc));
}
