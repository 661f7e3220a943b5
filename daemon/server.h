/*
 * server.h: the Unix socket clients connect to, and one store connection
 * per accepted client.  Socket clients act as dom0, with full privilege.
 *
 * Each client has a read event (always on), a write event (on only while
 * output is queued), a zero-timeout event to come back to input already
 * buffered after other clients had their turn, and a one-shot event that
 * frees it outside any callback of its own.
 */
#ifndef DAEMON_SERVER_H
#define DAEMON_SERVER_H

#include <event2/event.h>

struct store;
struct server;

/*
 * Bind a listening socket at path: create the missing parent directories
 * (0755), remove a stale socket (but not one a live daemon answers on),
 * bind with mode 0600, listen.  Returns the fd or -errno (logged).
 */
int server_listen(const char *path);

/*
 * The socket systemd passed us (the first of LISTEN_FDS), which must be a
 * listening Unix stream socket.  Returns the fd, -ENOENT when there is
 * none, or another -errno (logged) when it is unusable.
 */
int server_systemd_fd(void);

/*
 * Serve clients on listening socket fd, which the server then owns.
 * path (may be NULL) names a socket server_listen() bound: it is removed
 * again by server_free() if it is still ours.
 */
struct server *server_new(struct event_base *base, struct store *st, int fd,
			  const char *path);
/* Close every client (conn_free) and the listening socket. */
void server_free(struct server *srv);

#endif
