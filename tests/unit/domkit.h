/*
 * domkit.h: dom0-side helpers shared by the store's unit tests.
 */
#ifndef TESTS_DOMKIT_H
#define TESTS_DOMKIT_H

struct fake;

/* The home libxl makes: /local/domain/N "n0,rN" and data "nN". */
void home(struct fake *d0, unsigned domid);
/* INTRODUCE / RELEASE domid, checking the reply. */
void introduce(struct fake *d0, unsigned domid);
void release(struct fake *d0, unsigned domid);
/* A usage figure from CONTROL "quota <domid>" ("nodes", "memory"...),
 * or -1. */
long usage(struct fake *d0, unsigned domid, const char *what);

#endif
