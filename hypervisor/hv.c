/*
 * hv.c: choose and open a hypervisor implementation (see hv.h).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/hv.h"
#include "lib/log.h"

#define HV_EVTCHN_DEV "/dev/xen/evtchn"
#define HV_SIM_PREFIX "sim:"

/* Map spec to an ops table and its argument; NULL when spec is bad. */
static const struct hv_ops *hv_parse_spec(const char *spec, const char **arg)
{
	size_t plen = strlen(HV_SIM_PREFIX);

	*arg = NULL;
	if (strcmp(spec, "xen") == 0)
		return &hv_xen_ops;
	if (strcmp(spec, "none") == 0)
		return &hv_none_ops;
	if (strncmp(spec, HV_SIM_PREFIX, plen) == 0 && spec[plen] != '\0') {
		*arg = spec + plen;
		return &hv_sim_ops;
	}
	return NULL;
}

/* The default: Xen when its event channel device is there. */
static const char *hv_auto_spec(void)
{
	if (access(HV_EVTCHN_DEV, F_OK) == 0)
		return "xen";
	log_info("no %s: not running on Xen, serving the socket alone",
		 HV_EVTCHN_DEV);
	return "none";
}

int hv_open(struct hv *h, const char *spec)
{
	const struct hv_ops *ops;
	const char *arg;
	int rc;

	if (!h)
		return -EINVAL;
	h->ops = NULL;
	h->priv = NULL;
	if (!spec)
		spec = hv_auto_spec();
	ops = hv_parse_spec(spec, &arg);
	if (!ops)
		return -EINVAL;
	h->ops = ops;
	rc = ops->open(h, arg);
	if (rc < 0) {
		h->ops = NULL;
		h->priv = NULL;
		return rc;
	}
	return 0;
}

void hv_close(struct hv *h)
{
	if (!h || !h->ops)
		return;
	h->ops->close(h);
	h->ops = NULL;
	h->priv = NULL;
}
