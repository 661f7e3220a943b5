/*
 * control.h: XS_CONTROL commands, as xenstore-control sends them.
 */
#ifndef STORE_CONTROL_H
#define STORE_CONTROL_H

struct store;

/*
 * Run command argv[0] with its arguments.  Returns 0 with a malloc'ed
 * reply (or NULL for a plain "OK"), or -errno.
 */
int control_run(struct store *st, int argc, const char **argv, char **reply);

#endif
