/*
 * conback.c: the console backend: which domains, which consoles, and the
 * event channel they share (see conback.h).
 *
 * Watches, as xenconsoled sets them:
 *   @introduceDomain, @releaseDomain  token "domlist": list the domains,
 *                                     take on new ones, drop dead ones;
 *   <domain path>/console             token "dom<N>": (re)try to serve
 *   (and <domain path>/vuart/0)       that domain's consoles.
 * Both fire once when set, so a domain's consoles are looked at as soon
 * as it is known, and again whenever the toolstack changes their nodes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <event2/event.h>

#include "backends/console/conback.h"
#include "backends/console/console.h"
#include "backends/console/hvlog.h"
#include "backends/console/sclient.h"
#include "hypervisor/hv.h"
#include "lib/hmap.h"
#include "lib/log.h"

#define CONBACK_TOKEN_LIST  "domlist"
#define CONBACK_TOKEN_DOM   "dom"
#define CONBACK_TOOL_DOMID  "/tool/xenconsoled/domid"
#define CONBACK_DOMAIN_ROOT "/local/domain"
#define CONBACK_PORT_BATCH  256     /* ports handled per evtchn callback */
#define CONBACK_LIST_FIRST  64      /* domains asked for at first */
#define CONBACK_DOMID_MAX   0x7FEFu /* DOMID_FIRST_RESERVED - 1 */
#define CONBACK_PATH_MAX    256

/* xenconsoled's console_type[]: the vuart is Arm's, by frame only. */
static const struct console_type conback_types[] = {
	{"console", "", true},
	{"vuart/0", "-vuart0", false},
};
#define CONBACK_NTYPES (sizeof(conback_types) / sizeof(conback_types[0]))

struct cdom {
	unsigned domid;
	char *path;
	unsigned seen; /* the listing pass that last saw it */
	struct console *con[CONBACK_NTYPES];
};

struct conback {
	struct event_base *base;
	struct hv *hv;
	struct sclient *sc;
	struct conback_config cfg;
	char *log_dir;
	struct console_env env;
	struct hmap doms; /* struct cdom, by domid */
	struct console **by_port;
	size_t nports;
	struct event *ev_evtchn;
	unsigned pass;
	bool watching;
	struct hvlog *hvlog;
	int hvlog_port;
	struct conback_hvlog hv_con_ring; /* adapters over our hv handle */
	unsigned long dropped_gone; /* by consoles already freed */
};

static uint32_t conback_hash(unsigned domid)
{
	return hash_bytes(&domid, sizeof(domid), 29);
}

static bool cdom_eq(const void *val, const void *key, void *ctx)
{
	return ((const struct cdom *)val)->domid == *(const unsigned *)key;
}

static struct cdom *conback_find(struct conback *cb, unsigned domid)
{
	return hmap_get(&cb->doms, conback_hash(domid), cdom_eq, &domid, NULL);
}

static size_t conback_ntypes(const struct conback *cb)
{
	return cb->cfg.vuart ? CONBACK_NTYPES : 1;
}

/* console_env.set_port: keep the port -> console table. */
static void conback_set_port(void *owner, int port, struct console *con)
{
	struct conback *cb = owner;

	if (port < 0)
		return;
	if ((size_t)port >= cb->nports) {
		size_t n = (size_t)port * 2 + 64;
		struct console **p;

		if (!con)
			return;
		p = realloc(cb->by_port, n * sizeof(*p));
		if (!p) {
			log_warnx("out of memory: console port %d unserved",
				  port);
			return;
		}
		memset(p + cb->nports, 0, (n - cb->nports) * sizeof(*p));
		cb->by_port = p;
		cb->nports = n;
	}
	cb->by_port[port] = con;
}

static void conback_evtchn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conback *cb = arg;
	struct hv *hv = cb->hv;
	int port = -EAGAIN, n;

	for (n = 0; n < CONBACK_PORT_BATCH; n++) {
		port = hv->ops->pending(hv);
		if (port < 0)
			break;
		if ((size_t)port < cb->nports && cb->by_port[port]) {
			console_port_event(cb->by_port[port]);
			continue;
		}
		if (port == cb->hvlog_port && cb->hvlog)
			hvlog_read(cb->hvlog);
		hv->ops->unmask(hv, (unsigned)port);
	}
	if (port < 0 && port != -EAGAIN)
		log_warnx("console event channels: %s", strerror(-port));
}

/* Look at each of a domain's consoles again. */
static void cdom_setup(struct conback *cb, struct cdom *d)
{
	for (size_t i = 0; i < conback_ntypes(cb); i++) {
		int rc;

		if (!d->con[i])
			d->con[i] = console_new(&cb->env, d->domid, d->path,
						&conback_types[i]);
		if (!d->con[i])
			continue;
		rc = console_setup(d->con[i]);
		if (rc < 0 && rc != -ESRCH)
			log_debug("domain %u: %s not served: %s", d->domid,
				  conback_types[i].node, strerror(-rc));
	}
}

static void cdom_watch(struct conback *cb, struct cdom *d, bool on)
{
	struct sclient *sc = cb->sc;
	char token[32], path[CONBACK_PATH_MAX];

	snprintf(token, sizeof(token), CONBACK_TOKEN_DOM "%u", d->domid);
	for (size_t i = 0; i < conback_ntypes(cb); i++) {
		int n = snprintf(path, sizeof(path), "%s/%s", d->path,
				 conback_types[i].node);
		int rc;

		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		rc = on ? sc->ops->watch(sc, path, token)
			: sc->ops->unwatch(sc, path, token);
		if (rc < 0 && on)
			log_warnx("domain %u: cannot watch %s: %s", d->domid,
				  path, strerror(-rc));
	}
}

/* Drop a domain: drain (when it died) and close its consoles. */
static void cdom_free(struct conback *cb, struct cdom *d, bool drain)
{
	hmap_del(&cb->doms, conback_hash(d->domid), d);
	if (cb->watching)
		cdom_watch(cb, d, false);
	for (size_t i = 0; i < CONBACK_NTYPES; i++) {
		if (!d->con[i])
			continue;
		cb->dropped_gone += console_dropped(d->con[i]);
		console_free(d->con[i], drain);
	}
	log_debug("domain %u: consoles closed", d->domid);
	free(d->path);
	free(d);
}

/* A domain seen for the first time: watch and try its consoles. */
static struct cdom *cdom_new(struct conback *cb, unsigned domid)
{
	struct cdom *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->domid = domid;
	d->path = cb->sc->ops->domain_path(cb->sc, domid);
	if (!d->path || hmap_put(&cb->doms, conback_hash(domid), d) < 0) {
		log_warnx("domain %u: cannot follow its consoles", domid);
		free(d->path);
		free(d);
		return NULL;
	}
	log_debug("domain %u: following its consoles", domid);
	cdom_watch(cb, d, true);
	cdom_setup(cb, d);
	return d;
}

/* A domain is alive: know it, mark it seen in this pass. */
static void conback_alive(struct conback *cb, unsigned domid)
{
	struct cdom *d;

	if (domid == 0 || domid == cb->env.domid || domid > CONBACK_DOMID_MAX)
		return;
	d = conback_find(cb, domid);
	if (!d)
		d = cdom_new(cb, domid);
	if (d)
		d->seen = cb->pass;
}

/* The hypervisor's list: -errno when it has none to give. */
static int conback_list_hv(struct conback *cb)
{
	struct hv *hv = cb->hv;
	struct hv_dominfo *info = NULL;
	int max = CONBACK_LIST_FIRST, n;

	for (;;) {
		struct hv_dominfo *p = realloc(info, (size_t)max * sizeof(*p));

		if (!p) {
			free(info);
			return -ENOMEM;
		}
		info = p;
		n = hv->ops->list_domains(hv, info, max);
		if (n < max || max > (int)CONBACK_DOMID_MAX)
			break;
		max *= 4;
	}
	for (int i = 0; i < n; i++) {
		struct cdom *d = conback_find(cb, info[i].domid);

		if (!info[i].dying)
			conback_alive(cb, info[i].domid);
		else if (d)
			cdom_free(cb, d, true);
	}
	free(info);
	return n < 0 ? n : 0;
}

/* Every child of dir that is a domid counts as alive. */
static int conback_list_dir(struct conback *cb, const char *dir)
{
	struct sclient *sc = cb->sc;
	unsigned num;
	char **names = sc->ops->directory(sc, dir, &num);

	if (!names)
		return errno ? -errno : -EIO;
	for (unsigned i = 0; i < num; i++) {
		char *end;
		unsigned long id = strtoul(names[i], &end, 10);

		if (end != names[i] && !*end && id <= CONBACK_DOMID_MAX)
			conback_alive(cb, (unsigned)id);
	}
	free(names);
	return 0;
}

/* Without the hypervisor's list: the store's domains, or at least the
 * frontends the toolstack gave us (a driver domain may not read more). */
static void conback_list_store(struct conback *cb)
{
	char path[CONBACK_PATH_MAX];
	char *home;

	if (conback_list_dir(cb, CONBACK_DOMAIN_ROOT) == 0)
		return;
	home = cb->sc->ops->domain_path(cb->sc, cb->env.domid);
	if (!home)
		return;
	snprintf(path, sizeof(path), "%s/backend/console", home);
	free(home);
	conback_list_dir(cb, path);
}

/* /tool/xenconsoled/domid: the toolstack's console backend, else 0. */
static void conback_read_default_backend(struct conback *cb)
{
	unsigned long id;

	if (sclient_read_uint(cb->sc, CONBACK_TOOL_DOMID, &id) == 0)
		cb->env.default_backend = (unsigned)id;
	else
		cb->env.default_backend = 0;
}

/* "domlist": take on new domains, drop those gone or dying. */
static void conback_enumerate(struct conback *cb)
{
	unsigned *gone;
	size_t cur = 0, n = 0;
	struct cdom *d;

	cb->pass++;
	conback_read_default_backend(cb);
	if (conback_list_hv(cb) < 0)
		conback_list_store(cb);
	gone = malloc((cb->doms.count + 1) * sizeof(*gone));
	if (!gone)
		return;
	while ((d = hmap_next(&cb->doms, &cur)))
		if (d->seen != cb->pass)
			gone[n++] = d->domid;
	for (size_t i = 0; i < n; i++) {
		d = conback_find(cb, gone[i]);
		if (d)
			cdom_free(cb, d, true);
	}
	free(gone);
}

static void conback_event_cb(void *arg, const char *path, const char *token)
{
	struct conback *cb = arg;
	size_t plen = strlen(CONBACK_TOKEN_DOM);
	unsigned long domid;
	struct cdom *d;
	char *end;

	if (strcmp(token, CONBACK_TOKEN_LIST) == 0) {
		conback_enumerate(cb);
		return;
	}
	if (strncmp(token, CONBACK_TOKEN_DOM, plen) != 0)
		return;
	domid = strtoul(token + plen, &end, 10);
	if (end == token + plen || *end)
		return;
	/* A watch may fire for a domain dropped a moment ago. */
	d = conback_find(cb, (unsigned)domid);
	if (d)
		cdom_setup(cb, d);
}

/* Our own domid: given, or the store's "domid" node of our home. */
static unsigned conback_own_domid(struct sclient *sc, int given)
{
	unsigned long id;

	if (given >= 0)
		return (unsigned)given;
	if (sclient_read_uint(sc, "domid", &id) == 0 && id <= CONBACK_DOMID_MAX)
		return (unsigned)id;
	return 0;
}

/* Make the log directory (and its parents) when guest logs are on. */
static void conback_make_log_dir(const char *dir)
{
	char path[CONBACK_PATH_MAX * 4];
	size_t len = strlen(dir);

	if (len >= sizeof(path))
		return;
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		log_warn("cannot create the console log directory %s", dir);
}

static int hv_bind_con_ring_cb(void *arg)
{
	struct hv *hv = arg;

	return hv->ops->bind_virq_con_ring(hv);
}

static int hv_read_con_ring_cb(void *arg, char *buf, unsigned *len,
			       uint32_t *index)
{
	struct hv *hv = arg;

	return hv->ops->read_console_ring(hv, buf, len, index);
}

/* hypervisor.log: bind VIRQ_CON_RING and take the boot messages. */
static void conback_start_hvlog(struct conback *cb)
{
	const struct conback_hvlog *ops = cb->cfg.hvlog;

	if (!cb->cfg.log_hv)
		return;
	/* By default, the backend's own hypervisor handle, if it can. */
	if (!ops && cb->hv->ops->bind_virq_con_ring &&
	    cb->hv->ops->read_console_ring) {
		cb->hv_con_ring.arg = cb->hv;
		cb->hv_con_ring.bind_virq = hv_bind_con_ring_cb;
		cb->hv_con_ring.read = hv_read_con_ring_cb;
		ops = &cb->hv_con_ring;
	}
	if (!ops) {
		log_warnx("--log=hv: this hypervisor interface cannot read "
			  "Xen's console ring; no hypervisor.log");
		return;
	}
	cb->hvlog = hvlog_new(ops, cb->log_dir, cb->cfg.timestamp_hv);
	if (!cb->hvlog)
		return;
	cb->hvlog_port = ops->bind_virq(ops->arg);
	if (cb->hvlog_port < 0)
		log_warnx("cannot bind VIRQ_CON_RING: %s",
			  strerror(-cb->hvlog_port));
	hvlog_read(cb->hvlog);
}

/* Tell the toolstack we are the console backend (a driver domain). */
static void conback_announce(struct conback *cb)
{
	char val[16];
	int rc;

	snprintf(val, sizeof(val), "%u", cb->env.domid);
	rc = cb->sc->ops->write(cb->sc, CONBACK_TOOL_DOMID, val, strlen(val));
	if (rc < 0)
		log_warnx("cannot write %s: %s", CONBACK_TOOL_DOMID,
			  strerror(-rc));
}

void conback_config_defaults(struct conback_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->domid = CONBACK_DOMID_AUTO;
	cfg->default_limit = CONBACK_DEFAULT_LIMIT;
}

/* Watch the domain list; it fires at once and lists every domain. */
static int conback_watch_list(struct conback *cb, bool on)
{
	static const char *const paths[] = {"@introduceDomain",
					    "@releaseDomain"};
	struct sclient *sc = cb->sc;

	for (size_t i = 0; i < 2; i++) {
		int rc =
			on ? sc->ops->watch(sc, paths[i], CONBACK_TOKEN_LIST)
			   : sc->ops->unwatch(sc, paths[i], CONBACK_TOKEN_LIST);

		if (rc < 0 && on) {
			log_warnx("cannot watch %s: %s", paths[i],
				  strerror(-rc));
			return rc;
		}
	}
	cb->watching = on;
	return 0;
}

struct conback *conback_new(struct event_base *base, struct hv *hv,
			    struct sclient *sc,
			    const struct conback_config *cfg)
{
	struct conback *cb = calloc(1, sizeof(*cb));
	int fd;

	if (!cb)
		return NULL;
	cb->base = base;
	cb->hv = hv;
	cb->sc = sc;
	cb->cfg = *cfg;
	cb->hvlog_port = -1;
	hmap_init(&cb->doms);
	cb->log_dir = strdup(cfg->log_dir ? cfg->log_dir : CONBACK_LOG_DIR);
	cb->cfg.log_dir = cb->log_dir;
	cb->env.base = base;
	cb->env.hv = hv;
	cb->env.sc = sc;
	cb->env.cfg = &cb->cfg;
	cb->env.domid = conback_own_domid(sc, cfg->domid);
	cb->env.set_port = conback_set_port;
	cb->env.owner = cb;
	if (!cb->log_dir) {
		conback_free(cb);
		return NULL;
	}
	/* Without event channels ("none") consoles are found, never served. */
	fd = hv->ops->evtchn_fd(hv);
	if (fd < 0)
		log_warnx("consoles: hypervisor %s has no event channels; "
			  "no console can be connected",
			  hv->ops->name);
	else
		cb->ev_evtchn = event_new(base, fd, EV_READ | EV_PERSIST,
					  conback_evtchn_cb, cb);
	if (fd >= 0 && (!cb->ev_evtchn || event_add(cb->ev_evtchn, NULL) < 0)) {
		conback_free(cb);
		return NULL;
	}
	if (cb->cfg.log_guest || cb->cfg.log_hv)
		conback_make_log_dir(cb->log_dir);
	conback_start_hvlog(cb);
	if (cb->cfg.announce && cb->env.domid != 0)
		conback_announce(cb);
	sclient_set_event_cb(sc, conback_event_cb, cb);
	if (conback_watch_list(cb, true) < 0) {
		conback_free(cb);
		return NULL;
	}
	log_info("consoles: serving as domain %u through %s", cb->env.domid,
		 sc->ops->name);
	return cb;
}

void conback_free(struct conback *cb)
{
	struct cdom *d;
	size_t cur;

	if (!cb)
		return;
	if (cb->watching)
		conback_watch_list(cb, false);
	for (;;) {
		cur = 0;
		d = hmap_next(&cb->doms, &cur);
		if (!d)
			break;
		cdom_free(cb, d, false);
	}
	if (cb->sc->event_arg == cb)
		sclient_set_event_cb(cb->sc, NULL, NULL);
	if (cb->hvlog_port >= 0)
		cb->hv->ops->unbind(cb->hv, (unsigned)cb->hvlog_port);
	hvlog_free(cb->hvlog);
	if (cb->ev_evtchn)
		event_free(cb->ev_evtchn);
	hmap_free(&cb->doms);
	free(cb->by_port);
	free(cb->log_dir);
	free(cb);
}

void conback_reopen_logs(struct conback *cb)
{
	size_t cur = 0;
	struct cdom *d;

	if (!cb)
		return;
	while ((d = hmap_next(&cb->doms, &cur)))
		for (size_t i = 0; i < CONBACK_NTYPES; i++)
			if (d->con[i])
				console_reopen_log(d->con[i]);
	if (cb->hvlog)
		hvlog_reopen(cb->hvlog);
}

void conback_get_stats(const struct conback *cb, struct conback_stats *out)
{
	size_t cur = 0;
	struct cdom *d;

	memset(out, 0, sizeof(*out));
	if (!cb)
		return;
	out->dropped = cb->dropped_gone;
	while ((d = hmap_next(&cb->doms, &cur))) {
		out->domains++;
		for (size_t i = 0; i < CONBACK_NTYPES; i++) {
			if (!d->con[i])
				continue;
			out->consoles += console_served(d->con[i]);
			out->dropped += console_dropped(d->con[i]);
		}
	}
}
