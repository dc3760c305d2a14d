/*
 * rand.c — getrandom(2) wrapper.
 */
#include "core/rand.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

void
rand_bytes(void *p, size_t n)
{
    unsigned char *c = p;
    while (n) {
        ssize_t r = getrandom(c, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            abort(); /* no entropy source: nothing safe to do */
        }
        c += r;
        n -= (size_t)r;
    }
}

void
rand_hex(char *out, size_t nbytes)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[64];
    if (nbytes > sizeof(b))
        abort();
    rand_bytes(b, nbytes);
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * nbytes] = '\0';
}
