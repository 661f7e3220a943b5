/*
 * xs-introduce DOMID MFN PORT: send INTRODUCE for a domain the store
 * already knows, as a toolstack does after the guest rebinds its store
 * event channel (kexec) and C xenstored accepts: it rebinds the channel.
 * Prints "INTRODUCE: OK" or "INTRODUCE: <error>".  Built by run.sh and
 * run inside the test Dom0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

int main(int argc, char **argv)
{
	struct xs_handle *h;
	bool ok;

	if (argc != 4) {
		fprintf(stderr, "usage: xs-introduce DOMID MFN PORT\n");
		return 2;
	}
	h = xs_open(0);
	if (!h) {
		printf("INTRODUCE: xs_open: %s\n", strerror(errno));
		return 1;
	}
	ok = xs_introduce_domain(h, (unsigned)atoi(argv[1]),
				 strtoul(argv[2], NULL, 0),
				 (unsigned)atoi(argv[3]));
	printf("INTRODUCE: %s\n", ok ? "OK" : strerror(errno));
	xs_close(h);
	return ok ? 0 : 1;
}
