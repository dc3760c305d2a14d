/*
 * xalloc.h — allocation wrappers that abort on failure.
 *
 * Out-of-memory is not an error a request can recover from; every allocation
 * in pilotlight goes through these (STYLE.md: no raw malloc outside core/).
 */
#ifndef PL_CORE_XALLOC_H
#define PL_CORE_XALLOC_H

#include <stddef.h>

/* malloc that aborts on failure. Never returns NULL. */
void *xmalloc(size_t n);
/* calloc(1, n) that aborts on failure. */
void *xcalloc(size_t count, size_t size);
/* realloc that aborts on failure. */
void *xrealloc(void *p, size_t n);
/* strdup that aborts on failure; NULL in gives NULL out. */
char *xstrdup(const char *s);
/* strndup that aborts on failure. */
char *xstrndup(const char *s, size_t n);

#endif
