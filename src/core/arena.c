/*
 * arena.c — bump allocator over a list of blocks.
 *
 * Small requests come from the current block; a request larger than a
 * quarter of the block size gets a block of its own, so one large body does
 * not waste the rest of a block. Blocks are freed together.
 */
#include "core/arena.h"
#include "core/xalloc.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 8192

struct block {
    struct block *next;
    size_t cap, used;
    alignas(max_align_t) unsigned char data[];
};

struct cleanup {
    struct cleanup *next;
    arena_cleanup_fn fn;
    void *ptr;
};

struct arena {
    struct block *head;
    struct cleanup *cleanups;
    size_t used;
};

static struct block *
block_new(size_t cap)
{
    struct block *b = xmalloc(sizeof(*b) + cap);
    b->next = NULL;
    b->cap = cap;
    b->used = 0;
    return b;
}

struct arena *
arena_new(void)
{
    struct arena *a = xcalloc(1, sizeof(*a));
    a->head = block_new(ARENA_BLOCK);
    return a;
}

void
arena_free(struct arena *a)
{
    if (!a)
        return;
    for (struct cleanup *c = a->cleanups; c; c = c->next)
        c->fn(c->ptr);
    struct block *b = a->head;
    while (b) {
        struct block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

static size_t
align_up(size_t n)
{
    size_t al = alignof(max_align_t);
    return (n + al - 1) & ~(al - 1);
}

void *
arena_alloc(struct arena *a, size_t n)
{
    size_t need = align_up(n ? n : 1);
    if (need < n)
        abort(); /* size overflow is a bug in the caller */
    struct block *b = a->head;
    if (need > ARENA_BLOCK / 4) {
        /* Big allocation: own block, linked behind the current one. */
        struct block *big = block_new(need);
        big->used = need;
        big->next = b->next;
        b->next = big;
        a->used += need;
        memset(big->data, 0, need);
        return big->data;
    }
    if (b->cap - b->used < need) {
        b = block_new(ARENA_BLOCK);
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->used += need;
    memset(p, 0, need);
    return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = arena_alloc(a, len + 1);
    memcpy(p, s, len);
    return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
    if (!s)
        return NULL;
    return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return arena_strdup(a, "");
    }
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

void
arena_defer(struct arena *a, arena_cleanup_fn fn, void *ptr)
{
    struct cleanup *c = arena_alloc(a, sizeof(*c));
    c->fn = fn;
    c->ptr = ptr;
    c->next = a->cleanups;
    a->cleanups = c;
}

size_t
arena_used(const struct arena *a)
{
    return a->used;
}
