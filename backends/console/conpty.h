/*
 * conpty.h: a console's pseudo-terminal.  The slave is put in raw mode
 * and kept open for the pty's whole life (on Linux the master reports
 * EIO/HUP once the last slave closes, e.g. when `xl console` exits); the
 * master is non-blocking.  The slave's name goes to console/tty.
 */
#ifndef CONSOLE_CONPTY_H
#define CONSOLE_CONPTY_H

#define CONPTY_NAME_MAX 64

struct conpty {
	int master;
	int slave;
	char name[CONPTY_NAME_MAX]; /* "/dev/pts/N" */
};

/* Open a pty as above: 0 or -errno (then nothing is left open). */
int conpty_open(struct conpty *p);
/* Close both ends; fine on one that is closed or was never opened. */
void conpty_close(struct conpty *p);
/* A conpty that holds nothing. */
void conpty_init(struct conpty *p);

#endif
