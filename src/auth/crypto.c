/*
 * crypto.c — libsodium wrappers: Argon2id through a bounded pool, tokens,
 * BLAKE2b digests, constant-time comparison.
 */
#include "auth/crypto.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv = PTHREAD_COND_INITIALIZER;
static unsigned pool_max = 2, pool_busy;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void
sodium_start(void)
{
    if (sodium_init() < 0)
        abort(); /* no randomness, no security: refuse to run */
}

void
crypto_init(unsigned max_concurrent_hashes)
{
    pthread_once(&init_once, sodium_start);
    pthread_mutex_lock(&pool_mu);
    pool_max = max_concurrent_hashes ? max_concurrent_hashes : 1;
    pthread_mutex_unlock(&pool_mu);
}

unsigned
crypto_pw_slots(void)
{
    return pool_max;
}

static void
slot_take(void)
{
    pthread_once(&init_once, sodium_start);
    pthread_mutex_lock(&pool_mu);
    while (pool_busy >= pool_max)
        pthread_cond_wait(&pool_cv, &pool_mu);
    pool_busy++;
    pthread_mutex_unlock(&pool_mu);
}

static void
slot_give(void)
{
    pthread_mutex_lock(&pool_mu);
    pool_busy--;
    pthread_cond_signal(&pool_cv);
    pthread_mutex_unlock(&pool_mu);
}

enum err
crypto_pw_hash(const char *password, char *out)
{
    _Static_assert(CRYPTO_PW_HASH_MAX == crypto_pwhash_STRBYTES, "size");
    slot_take();
    int rc = crypto_pwhash_str_alg(out, password, strlen(password),
                                   CRYPTO_PW_OPSLIMIT, CRYPTO_PW_MEMLIMIT,
                                   crypto_pwhash_ALG_ARGON2ID13);
    slot_give();
    if (rc != 0)
        return err_fail(ERR_INTERNAL, "password hashing failed (memory)");
    return ERR_OK;
}

/* A fixed hash of a random password, made once, for dummy verifications. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void
make_dummy(void)
{
    char pw[CRYPTO_TOKEN_CHARS + 1];
    crypto_token(pw);
    if (crypto_pw_hash(pw, dummy_hash) != ERR_OK)
        abort();
}

bool
crypto_pw_verify(const char *hash, const char *password)
{
    pthread_once(&dummy_once, make_dummy);
    bool shaped = strncmp(hash, "$argon2id$", 10) == 0 &&
                  strlen(hash) < crypto_pwhash_STRBYTES;
    slot_take();
    int rc = crypto_pwhash_str_verify(shaped ? hash : dummy_hash, password,
                                      strlen(password));
    slot_give();
    return shaped && rc == 0;
}

void
crypto_pw_dummy_verify(const char *password)
{
    pthread_once(&dummy_once, make_dummy);
    (void)crypto_pw_verify(dummy_hash, password);
}

bool
crypto_pw_needs_rehash(const char *hash)
{
    return crypto_pwhash_str_needs_rehash(hash, CRYPTO_PW_OPSLIMIT,
                                          CRYPTO_PW_MEMLIMIT) != 0;
}

void
crypto_token(char *out)
{
    unsigned char raw[32];
    crypto_random(raw, sizeof(raw));
    sodium_bin2base64(out, CRYPTO_TOKEN_CHARS + 1, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

void
crypto_digest_hex(const void *data, size_t len, char *out)
{
    unsigned char h[32];
    pthread_once(&init_once, sodium_start);
    crypto_generichash(h, sizeof(h), data, len, NULL, 0);
    sodium_bin2hex(out, CRYPTO_DIGEST_HEX, h, sizeof(h));
}

_Static_assert(sizeof(crypto_generichash_state) <=
                   sizeof(((struct crypto_hash *)0)->opaque),
               "struct crypto_hash too small for libsodium's state");

void
crypto_hash_init(struct crypto_hash *h, size_t outlen)
{
    pthread_once(&init_once, sodium_start);
    h->outlen = outlen;
    crypto_generichash_init((crypto_generichash_state *)(void *)h->opaque, NULL,
                            0, outlen);
}

void
crypto_hash_update(struct crypto_hash *h, const void *p, size_t n)
{
    crypto_generichash_update((crypto_generichash_state *)(void *)h->opaque, p,
                              n);
}

void
crypto_hash_final(struct crypto_hash *h, unsigned char *out)
{
    crypto_generichash_final((crypto_generichash_state *)(void *)h->opaque, out,
                             h->outlen);
}

bool
crypto_streq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return false;
    return sodium_memcmp(a, b, la) == 0;
}

void
crypto_readable_code(char *out, int groups, int per_group)
{
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
    int j = 0;
    for (int g = 0; g < groups; g++) {
        if (g)
            out[j++] = '-';
        for (int k = 0; k < per_group; k++)
            out[j++] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
    }
    out[j] = '\0';
}

void
crypto_random(void *p, size_t n)
{
    pthread_once(&init_once, sodium_start);
    randombytes_buf(p, n);
}

void
crypto_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}
