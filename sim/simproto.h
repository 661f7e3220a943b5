/*
 * simproto.h: the wire protocol between the Xen simulator (xensim) and its
 * clients (simclient.c), and the facts about simulated domains that both
 * sides share.
 *
 * A client connects to xensim's Unix socket (SOCK_SEQPACKET) and sends
 * HELLO.  The reply carries two file descriptors: the client's end of its
 * event stream (a socket from which it reads struct sim_event records,
 * like port numbers from /dev/xen/evtchn) and the simulator's machine
 * memory (a memfd; a mapping reply names an offset into it).  Every later
 * request is one struct sim_req, answered by one struct sim_rsp (plus a
 * payload for INFO and LIST) unless it carries SIM_REQ_NOREPLY.
 *
 * Each request acts as one domain (sim_req.dom): domain 0 for a connection
 * that said HELLO with SIM_HELLO_DOM0 (a /dev/xen/evtchn-style handle in
 * the control domain), or a domain the connection has ATTACHed to as that
 * domain's kernel.  Requests for domain 0 are privileged.
 */
#ifndef SIM_SIMPROTO_H
#define SIM_SIMPROTO_H

#include <stdint.h>

#define SIMPROTO_VERSION 1
#define SIM_PAGE_SIZE    4096u
#define SIM_PAGE_SHIFT   12

/* Domain ids: 0 is the control domain; DOMID_SELF means "the caller". */
#define SIM_DOMID_MAX  0x7FEFu /* DOMID_FIRST_RESERVED - 1 */
#define SIM_DOMID_SELF 0x7FF0u /* DOMID_SELF */

/* A guest's pages: the domain builder's layout (gfns). */
#define SIM_GFN_START_INFO 0u
#define SIM_GFN_XENSTORE   1u
#define SIM_GFN_CONSOLE    2u
#define SIM_PAGES_MIN      4u
#define SIM_PAGES_DEFAULT  8u
#define SIM_PAGES_MAX      1024u

/* Limits per domain, as a toolstack would set them. */
#define SIM_PORTS_GUEST 1024u   /* libxl's event_channels default: 1023 */
#define SIM_PORTS_DOM0  131072u /* the FIFO ABI's limit */
#define SIM_GRANTS_MAX  32768u  /* 64 grant frames of 512 v1 entries */
#define SIM_NR_VIRQS    24u     /* NR_VIRQS */
#define SIM_LIST_MAX    256u    /* domains per LIST reply */

/* The hypervisor's console ring (xc_readconsolering). */
#define SIM_CONRING_SIZE     16384u /* Xen's default conring_size */
#define SIM_CONSOLE_READ_MAX 8192u  /* bytes per CONSOLE_READ reply */

/* HELLO flags. */
#define SIM_HELLO_DOM0 1u

/* Request flags. */
#define SIM_REQ_NOREPLY 1u /* no reply, not even an error */

/* MAP_GRANT flags. */
#define SIM_MAP_READONLY 1u

/*
 * Requests: arguments a0..a3 (sim_req.arg), values v0..v4 (sim_rsp.val).
 *
 *   HELLO           a0 version, a1 SIM_HELLO_*; gets the two fds
 *   ATTACH          a0 domid: become its kernel; payload its start_info
 *   DETACH          a0 domid
 *   EVTCHN_ALLOC_UNBOUND     a0 dom, a1 remote dom -> v0 port
 *   EVTCHN_BIND_INTERDOMAIN  a0 remote dom, a1 remote port -> v0 port
 *   EVTCHN_BIND_VIRQ         a0 virq -> v0 port
 *   EVTCHN_SEND, _UNMASK, _CLOSE  a0 port
 *   EVTCHN_STATUS   a0 dom, a1 port -> v0 state, v1 remote dom or virq,
 *                   v2 remote port, v3 SIM_PORT_* bits
 *   GNTTAB_SET      a0 gref, a1 flags | grantee << 16, a2 gfn, a3 dom
 *   MAP_GRANT       a0 dom, a1 gref, a2 SIM_MAP_* -> v0 map id, v1 offset
 *   MAP_GFN         a0 dom, a1 gfn -> v0 map id, v1 offset
 *   UNMAP           a0 map id
 *   DOMAIN_CREATE   a0 domid or 0, a1 pages, a2 SIM_CREATE_BACKENDS
 *                   -> v0 domid; payload its start_info
 *   DOMAIN_SHUTDOWN a0 domid, a1 SHUTDOWN_* reason
 *   DOMAIN_RESUME, DOMAIN_DESTROY  a0 domid
 *   DOMAIN_INFO     a0 domid; payload one sim_dominfo
 *   DOMAIN_LIST     a0 first domid, a1 max -> v0 count; payload the array
 *   START_INFO      a0 domid; payload its start_info
 *   CONSOLE_READ    a0 index, a1 max bytes -> v0 next index; payload the
 *                   hypervisor console's bytes (xc_readconsolering)
 *
 * A domid argument may be SIM_DOMID_SELF, the acting domain.
 */
enum sim_op {
	SIM_OP_HELLO = 1,
	SIM_OP_ATTACH,
	SIM_OP_DETACH,
	SIM_OP_EVTCHN_ALLOC_UNBOUND,
	SIM_OP_EVTCHN_BIND_INTERDOMAIN,
	SIM_OP_EVTCHN_BIND_VIRQ,
	SIM_OP_EVTCHN_SEND,
	SIM_OP_EVTCHN_UNMASK,
	SIM_OP_EVTCHN_CLOSE,
	SIM_OP_EVTCHN_STATUS,
	SIM_OP_GNTTAB_SET,
	SIM_OP_MAP_GRANT,
	SIM_OP_MAP_GFN,
	SIM_OP_UNMAP,
	SIM_OP_DOMAIN_CREATE,
	SIM_OP_DOMAIN_SHUTDOWN,
	SIM_OP_DOMAIN_RESUME,
	SIM_OP_DOMAIN_DESTROY,
	SIM_OP_DOMAIN_INFO,
	SIM_OP_DOMAIN_LIST,
	SIM_OP_START_INFO,
	SIM_OP_CONSOLE_READ,
	SIM_OP_COUNT
};

struct sim_req {
	uint32_t op;
	uint32_t seq;
	uint32_t dom; /* the domain this request acts as */
	uint32_t flags;
	uint64_t arg[4];
};

struct sim_rsp {
	uint32_t op;
	uint32_t seq;
	int32_t err;  /* 0 or -errno */
	uint32_t len; /* payload bytes after this header */
	uint64_t val[5];
};

/* DOMAIN_INFO / DOMAIN_LIST payload entries. */
#define SIM_DOMINFO_SHUTDOWN 1u /* shut down, not (yet) dying */
#define SIM_DOMINFO_DYING    2u /* destroyed; pages still mapped */
#define SIM_DOMINFO_ATTACHED 4u /* a kernel connection drives it */

struct sim_dominfo {
	uint32_t domid;
	uint32_t flags;
	uint32_t shutdown_reason;
	uint32_t nr_pages;
	uint32_t foreign_maps; /* mappings of its pages by others */
	uint32_t nr_ports;     /* event channels in use */
	uint64_t serial;       /* creation number: tells reused domids apart */
};

/* EVTCHN_STATUS states and bits. */
#define SIM_ECS_FREE        0 /* EVTCHNSTAT_closed */
#define SIM_ECS_UNBOUND     1 /* EVTCHNSTAT_unbound */
#define SIM_ECS_INTERDOMAIN 2 /* EVTCHNSTAT_interdomain */
#define SIM_ECS_VIRQ        4 /* EVTCHNSTAT_virq */
#define SIM_ECS_RESERVED    7 /* port 0: reported as closed by Xen */

#define SIM_PORT_PENDING 1u
#define SIM_PORT_MASKED  2u
#define SIM_PORT_OWNED   4u /* some connection receives it */

/*
 * The event stream: 8-byte records.  port is a port that fired, or one of
 * the notices below, sent to a domain's kernel connection only.
 */
struct sim_event {
	uint32_t dom;
	uint32_t port;
};

#define SIM_EVT_RESUMED  0xFFFFFFFDu /* the domain was resumed */
#define SIM_EVT_SHUTDOWN 0xFFFFFFFEu /* it shut down: its vcpus stop */
#define SIM_EVT_DEAD     0xFFFFFFFFu /* destroyed: detached from it */

/*
 * Page SIM_GFN_START_INFO of every guest: what a PV guest finds in
 * start_info (store_mfn/evtchn, console.domU.mfn/evtchn).  The domains are
 * auto-translated, so the "mfn" fields hold gfns, as for PVH and HVM.
 */
#define SIM_START_MAGIC "xensim-start-info-1"

struct sim_start_info {
	char magic[24];
	uint32_t domid;
	uint32_t nr_pages;
	uint64_t store_mfn;
	uint32_t store_evtchn;
	uint32_t store_domid;
	uint64_t cons_mfn;
	uint32_t cons_evtchn;
	uint32_t cons_domid;
};

/* DOMAIN_CREATE a2: the store and console backend domains. */
#define SIM_CREATE_BACKENDS(store, console)                                    \
	((uint64_t)(store) | ((uint64_t)(console) << 16))

#endif
