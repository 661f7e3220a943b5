/*
 * pidfile.h: the pid file start scripts read (-F/--pid-file).
 */
#ifndef DAEMON_PIDFILE_H
#define DAEMON_PIDFILE_H

/* Write our pid to path; 0 or -errno. */
int pidfile_write(const char *path);
/* Remove path if it still holds our pid. */
void pidfile_remove(const char *path);

#endif
