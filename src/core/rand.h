/*
 * rand.h — bytes from the kernel's CSPRNG (getrandom), for ids that must
 * not be guessable. Key material uses libsodium in src/auth/.
 */
#ifndef PL_CORE_RAND_H
#define PL_CORE_RAND_H

#include <stddef.h>

/* Fill p with n random bytes; aborts if the kernel cannot provide them. */
void rand_bytes(void *p, size_t n);
/* A random id of 2*nbytes lowercase hex digits into out (size 2*nbytes+1). */
void rand_hex(char *out, size_t nbytes);

#endif
