/*
 * sclient.c: what every store client implementation shares (see
 * sclient.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "backends/console/sclient.h"

void sclient_set_event_cb(struct sclient *sc, sclient_event_fn *fn, void *arg)
{
	sc->event_cb = fn;
	sc->event_arg = arg;
}

void sclient_free(struct sclient *sc)
{
	if (sc)
		sc->ops->free(sc);
}

int sclient_read_uint(struct sclient *sc, const char *path, unsigned long *out)
{
	char *val, *end;
	int rc = 0;

	errno = 0;
	val = sc->ops->read(sc, path, NULL);
	if (!val)
		return errno ? -errno : -EIO;
	errno = 0;
	if (val[0] < '0' || val[0] > '9')
		rc = -EINVAL;
	else
		*out = strtoul(val, &end, 0);
	if (!rc && (*end != '\0' || errno))
		rc = -EINVAL;
	free(val);
	return rc;
}
