/*
 * arena.h — a memory pool per request (h2o/lwan style).
 *
 * Everything a request allocates comes from its arena and is released in one
 * place, arena_free(), which libmicrohttpd's completion callback calls (also
 * on client abort and timeout). Cleanups that must run with it (finalizing a
 * statement, wiping a secret) are registered with arena_defer() and run in
 * reverse order of registration, before the memory goes.
 *
 * Invariant: allocations are aligned for any object (max_align_t) and live
 * until arena_free(); there is no per-object free.
 */
#ifndef PL_CORE_ARENA_H
#define PL_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

typedef void (*arena_cleanup_fn)(void *ptr);

/* A new, empty arena. Owned by the caller; release with arena_free(). */
struct arena *arena_new(void);
/* Run deferred cleanups (newest first), then free every block. NULL is ok. */
void arena_free(struct arena *a);
/* n bytes, zeroed, aligned for any object. Aborts only when out of memory. */
void *arena_alloc(struct arena *a, size_t n);
/* A copy of s (NUL-terminated) in the arena; NULL in gives NULL out. */
char *arena_strdup(struct arena *a, const char *s);
/* A copy of the first n bytes of s, NUL-terminated. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* printf into the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Register fn(ptr) to run when the arena is freed. */
void arena_defer(struct arena *a, arena_cleanup_fn fn, void *ptr);
/* Bytes handed out so far (for metrics and tests). */
size_t arena_used(const struct arena *a);

#endif
