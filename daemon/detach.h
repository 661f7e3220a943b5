/*
 * detach.h: going into the background as xenstored does, except that the
 * process that started us exits only once the daemon is listening, so a
 * client run right after us finds the socket.
 */
#ifndef DAEMON_DETACH_H
#define DAEMON_DETACH_H

#include <stdbool.h>

/*
 * Fork twice and start a new session.  Returns, in the daemon, the fd to
 * report readiness through.  The original process waits and exits: 0
 * once the daemon is ready (printing the daemon's pid first when
 * output_pid), 1 if the daemon died before that.  Call before creating
 * the event base.
 */
int detach_start(bool output_pid);

/*
 * Release the waiting parent; point stdin and stdout (and stderr unless it
 * is the journal) at /dev/null, and leave the current directory.
 */
void detach_ready(int fd);

#endif
