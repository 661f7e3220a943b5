/*
 * conback.h: the console backend, xenconsoled's job.
 *
 * It finds guests' consoles through a store client (sclient.h): the
 * in-process store in the combined daemon, or another xenstored when run
 * alone.  On @introduceDomain and @releaseDomain it lists the domains
 * (the hypervisor's list, else the store's /local/domain) and watches
 * each one's console nodes; a console is served when its ring-ref and
 * port are there, its type is absent or "xenconsoled", and its backend
 * is this domain.  Serving means: map the ring (grant 0, else the frame),
 * bind the event channel, open a raw pty and write its name to
 * console/tty at once, open guest-<name>.log.  Guest output goes to the
 * log first, then to the pty through a buffer bounded by console/limit;
 * pty input goes to the guest's "in" ring.  Each console may wake us at
 * most 30 times per 200 ms; past that its port stays masked until the
 * period ends, so a flooding guest cannot starve anyone else.  When a
 * domain dies, what is left in its ring goes to the log before
 * everything is closed.
 *
 * The backend opens its own event channel handle (the hv it is given),
 * so it never competes with the store's guest rings for ports.
 */
#ifndef CONSOLE_CONBACK_H
#define CONSOLE_CONBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct hv;
struct sclient;
struct conback;

#define CONBACK_LOG_DIR "/var/log/xen/console"
/* libxl's console/limit (LIBXL_XENCONSOLE_LIMIT), used when a console
 * has none, so no guest's backlog grows without bound. */
#define CONBACK_DEFAULT_LIMIT 1048576
/* Let the store say (the node "domid" relative to our home), else 0. */
#define CONBACK_DOMID_AUTO (-1)

/*
 * The hypervisor's own console ring (hypervisor.log).  NULL: use the
 * backend's hv handle (hv.h's console-ring ops), when it has them; tests
 * pass their own.
 */
struct conback_hvlog {
	void *arg;
	/* Bind VIRQ_CON_RING on the backend's hv: the local port, -errno. */
	int (*bind_virq)(void *arg);
	/*
	 * xc_readconsolering(clear=0, incremental=1): copy up to *len bytes
	 * from *index on, set *len to what was copied, advance *index.
	 */
	int (*read)(void *arg, char *buf, unsigned *len, uint32_t *index);
};

struct conback_config {
	int domid;            /* whose consoles we serve; CONBACK_DOMID_AUTO */
	bool log_guest;       /* --log=guest|all */
	bool log_hv;          /* --log=hv|all */
	bool timestamp_guest; /* --timestamp=guest|all */
	bool timestamp_hv;    /* --timestamp=hv|all */
	const char *log_dir;  /* NULL: CONBACK_LOG_DIR */
	bool overflow_keep;   /* -o keep: stall the guest, never drop */
	bool replace_escape;  /* ESC as '.' in logs */
	bool vuart;           /* also serve vuart/0 (Arm) */
	size_t default_limit; /* with no console/limit; 0: unbounded */
	bool announce;        /* write /tool/xenconsoled/domid */
	const struct conback_hvlog *hvlog;
};

struct conback_stats {
	size_t domains;        /* domains watched */
	size_t consoles;       /* consoles served */
	unsigned long dropped; /* bytes discarded by the overflow policy */
};

void conback_config_defaults(struct conback_config *cfg);

/*
 * Start serving consoles: set the store watches and look at every domain
 * there is now.  The hv and the store client stay the caller's, and must
 * outlive the backend; the backend sets the client's event callback.
 * NULL on failure (logged).
 */
struct conback *conback_new(struct event_base *base, struct hv *hv,
			    struct sclient *sc,
			    const struct conback_config *cfg);
/* Stop: close every pty and log, unmap, unbind.  NULL is fine. */
void conback_free(struct conback *cb);
/* SIGHUP: close and reopen every log (after logrotate). */
void conback_reopen_logs(struct conback *cb);
void conback_get_stats(const struct conback *cb, struct conback_stats *out);

#endif
