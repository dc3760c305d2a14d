/*
 * buf.h — the one growable buffer (Fossil's Blob, with a mandatory maximum).
 *
 * Every buf has a maximum size set at init; an append that would pass it
 * fails with ERR_TOO_LARGE and leaves the buffer as it was. The data is always
 * NUL-terminated so text can be passed to C string functions.
 */
#ifndef PL_CORE_BUF_H
#define PL_CORE_BUF_H

#include "core/err.h"

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len; /* bytes used, not counting the terminator */
    size_t cap; /* bytes allocated */
    size_t max; /* largest len allowed */
};

/* Set up an empty buffer that may grow to max bytes. */
void buf_init(struct buf *b, size_t max);
/* Release the memory; the buffer is empty again and may be reused. */
void buf_free(struct buf *b);
/* Forget the contents but keep the memory. */
void buf_reset(struct buf *b);
/* Append n bytes. ERR_TOO_LARGE past max (buffer unchanged). */
enum err buf_append(struct buf *b, const void *p, size_t n);
/* Append a C string. */
enum err buf_puts(struct buf *b, const char *s);
/* Append one byte. */
enum err buf_putc(struct buf *b, char c);
/* Append formatted text. */
enum err buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
enum err buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* The contents as a C string ("" when empty). */
const char *buf_str(const struct buf *b);
/* Take ownership of the data (caller frees with free()); buffer is reset. */
char *buf_steal(struct buf *b);

#endif
