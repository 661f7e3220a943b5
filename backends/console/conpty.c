/*
 * conpty.c: console pseudo-terminals (see conpty.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "backends/console/conpty.h"

void conpty_init(struct conpty *p)
{
	p->master = p->slave = -1;
	p->name[0] = '\0';
}

void conpty_close(struct conpty *p)
{
	if (p->master >= 0)
		close(p->master);
	if (p->slave >= 0)
		close(p->slave);
	conpty_init(p);
}

/* Raw slave, non-blocking close-on-exec master. */
static int conpty_setup(struct conpty *p)
{
	struct termios t;
	int fl, rc;

	if (tcgetattr(p->slave, &t) < 0)
		return -errno;
	cfmakeraw(&t);
	if (tcsetattr(p->slave, TCSANOW, &t) < 0)
		return -errno;
	rc = ptsname_r(p->master, p->name, sizeof(p->name));
	if (rc != 0)
		return -rc;
	fl = fcntl(p->master, F_GETFL);
	if (fl < 0 || fcntl(p->master, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	if (fcntl(p->master, F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(p->slave, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	return 0;
}

int conpty_open(struct conpty *p)
{
	int rc;

	conpty_init(p);
	if (openpty(&p->master, &p->slave, NULL, NULL, NULL) < 0) {
		rc = -errno;
		conpty_init(p);
		return rc;
	}
	rc = conpty_setup(p);
	if (rc < 0)
		conpty_close(p);
	return rc;
}
