/*
 * crypto.h — the cryptography pilotlight uses, over libsodium. This folder
 * (src/auth/) is the only place that includes sodium.h.
 *
 *   passwords   Argon2id (crypto_pwhash_str), 19 MiB memory, 2 passes,
 *               parallelism 1 — the OWASP minimum. Hashing runs through a
 *               bounded pool: at most crypto_pw_slots() at a time, so a flood
 *               of logins cannot exhaust memory; callers beyond that wait.
 *   tokens      32 random bytes, base64url without padding (43 chars);
 *               stored only as BLAKE2b-256 hex (64 chars).
 *   hashing     BLAKE2b-256 for the audit chain and token digests.
 *   comparing   constant time (sodium_memcmp).
 */
#ifndef PL_AUTH_CRYPTO_H
#define PL_AUTH_CRYPTO_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

#define CRYPTO_PW_MEMLIMIT (19u * 1024 * 1024) /* bytes */
#define CRYPTO_PW_OPSLIMIT 2u                  /* passes */
#define CRYPTO_PW_HASH_MAX 128                 /* crypto_pwhash_STRBYTES */
#define CRYPTO_TOKEN_CHARS 43                  /* base64url of 32 bytes */
#define CRYPTO_DIGEST_HEX  65                  /* 64 hex + NUL */

/* Initialise libsodium and the hashing pool (max concurrent hashes). Safe
 * to call more than once; aborts if libsodium cannot start. */
void crypto_init(unsigned max_concurrent_hashes);
/* How many password hashes may run at once. */
unsigned crypto_pw_slots(void);

/* Hash a (normalized) password into out (CRYPTO_PW_HASH_MAX bytes). */
enum err crypto_pw_hash(const char *password, char *out);
/* True when password matches hash. Always costs one Argon2id run, also for
 * a malformed hash, so timing does not tell hashes apart. */
bool crypto_pw_verify(const char *hash, const char *password);
/* Spend the same time as a verification, for unknown accounts. */
void crypto_pw_dummy_verify(const char *password);
/* True when hash was made with other parameters than today's (rehash). */
bool crypto_pw_needs_rehash(const char *hash);

/* A new random token (CRYPTO_TOKEN_CHARS + 1 bytes, base64url). */
void crypto_token(char *out);
/* BLAKE2b-256 of data as lowercase hex into out[CRYPTO_DIGEST_HEX]. */
void crypto_digest_hex(const void *data, size_t len, char *out);

/* Incremental BLAKE2b (libsodium's generichash, unkeyed) for data that
 * arrives in pieces: the backup journal's records, logical checksums. */
struct crypto_hash {
    _Alignas(64) unsigned char opaque[384]; /* crypto_generichash_state */
    size_t outlen;
};
/* Start a digest of outlen bytes (16..64). */
void crypto_hash_init(struct crypto_hash *h, size_t outlen);
/* Add n bytes. */
void crypto_hash_update(struct crypto_hash *h, const void *p, size_t n);
/* Write the outlen-byte digest to out; h must be initialised again before
 * reuse. */
void crypto_hash_final(struct crypto_hash *h, unsigned char *out);
/* Constant-time equality of two NUL-terminated strings. */
bool crypto_streq(const char *a, const char *b);
/* A random code people can read aloud and type: groups of per_group
 * characters from 31 without look-alikes (no i, l, o, 0, 1), joined by '-'
 * ("k3mpx-7qwta"); ~4.95 bits per character. out holds
 * groups * (per_group + 1) bytes. */
void crypto_readable_code(char *out, int groups, int per_group);
/* n random bytes. */
void crypto_random(void *p, size_t n);
/* Wipe n bytes at p (not optimised away). */
void crypto_wipe(void *p, size_t n);

#endif
