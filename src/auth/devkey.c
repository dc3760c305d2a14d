/*
 * devkey.c — device keys: random keys, sealing to ingest's key pair,
 * HMAC-SHA256 signatures (devkey.h has the design).
 */
#include "auth/devkey.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEAL_TAG       "pl-devkey-v1"
#define SEAL_PLAIN_MAX (sizeof(SEAL_TAG) + DEVKEY_ID_CAP + 8 + DEVKEY_BYTES)
#define DEVKEY_ID_CAP  65 /* device id (≤ 64) and its NUL */
#define B64_VARIANT    sodium_base64_VARIANT_URLSAFE_NO_PADDING

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
start(void)
{
    if (sodium_init() < 0)
        abort(); /* no randomness, no keys */
}

void
devkey_generate(unsigned char key[DEVKEY_BYTES])
{
    pthread_once(&once, start);
    randombytes_buf(key, DEVKEY_BYTES);
}

void
devkey_hex(const unsigned char key[DEVKEY_BYTES], char out[DEVKEY_HEX])
{
    sodium_bin2hex(out, DEVKEY_HEX, key, DEVKEY_BYTES);
}

static bool
from_hex(const char *hex, unsigned char *out, size_t n)
{
    size_t got = 0;
    const char *end = NULL;
    return hex && strlen(hex) == 2 * n &&
           sodium_hex2bin(out, n, hex, 2 * n, NULL, &got, &end) == 0 &&
           got == n && end == hex + 2 * n;
}

bool
devkey_from_hex(const char *hex, unsigned char key[DEVKEY_BYTES])
{
    return from_hex(hex, key, DEVKEY_BYTES);
}

static void
short_id(const unsigned char *p, size_t n, char out[DEVKEY_FP_HEX])
{
    unsigned char h[32];
    pthread_once(&once, start);
    crypto_generichash(h, sizeof(h), p, n, NULL, 0);
    sodium_bin2hex(out, DEVKEY_FP_HEX, h, 8);
}

void
devkey_fingerprint(const unsigned char key[DEVKEY_BYTES],
                   char out[DEVKEY_FP_HEX])
{
    short_id(key, DEVKEY_BYTES, out);
}

void
devkey_pk_id(const unsigned char pk[DEVKEY_SEAL_PK], char out[DEVKEY_FP_HEX])
{
    short_id(pk, DEVKEY_SEAL_PK, out);
}

void
devkey_pk_hex(const unsigned char pk[DEVKEY_SEAL_PK], char out[65])
{
    sodium_bin2hex(out, 65, pk, DEVKEY_SEAL_PK);
}

bool
devkey_pk_from_hex(const char *hex, unsigned char pk[DEVKEY_SEAL_PK])
{
    return from_hex(hex, pk, DEVKEY_SEAL_PK);
}

/* The plaintext that is sealed: tag, id, epoch, key. Its length. */
static size_t
plain_make(unsigned char *p, const char *device_id, int64_t epoch,
           const unsigned char key[DEVKEY_BYTES])
{
    size_t n = 0, idlen = strnlen(device_id, DEVKEY_ID_CAP - 1);
    memcpy(p, SEAL_TAG, sizeof(SEAL_TAG)); /* with its NUL */
    n += sizeof(SEAL_TAG);
    memcpy(p + n, device_id, idlen);
    n += idlen;
    p[n++] = '\0';
    uint64_t e = (uint64_t)epoch;
    for (int i = 0; i < 8; i++)
        p[n++] = (unsigned char)(e >> (8 * i));
    memcpy(p + n, key, DEVKEY_BYTES);
    return n + DEVKEY_BYTES;
}

void
devkey_seal(const unsigned char pk[DEVKEY_SEAL_PK], const char *device_id,
            int64_t epoch, const unsigned char key[DEVKEY_BYTES],
            char out[DEVKEY_SEALED_MAX])
{
    unsigned char plain[SEAL_PLAIN_MAX];
    unsigned char sealed[SEAL_PLAIN_MAX + crypto_box_SEALBYTES];
    pthread_once(&once, start);
    size_t n = plain_make(plain, device_id, epoch, key);
    crypto_box_seal(sealed, plain, n, pk);
    sodium_bin2base64(out, DEVKEY_SEALED_MAX, sealed, n + crypto_box_SEALBYTES,
                      B64_VARIANT);
    sodium_memzero(plain, sizeof(plain));
}

enum err
devkey_open(const unsigned char pk[DEVKEY_SEAL_PK],
            const unsigned char sk[DEVKEY_SEAL_SK], const char *sealed,
            const char *device_id, int64_t epoch,
            unsigned char key[DEVKEY_BYTES])
{
    unsigned char box[SEAL_PLAIN_MAX + crypto_box_SEALBYTES];
    unsigned char plain[SEAL_PLAIN_MAX], want[SEAL_PLAIN_MAX];
    size_t n = 0;
    enum err rc = ERR_OK;
    pthread_once(&once, start);
    if (!sealed ||
        sodium_base642bin(box, sizeof(box), sealed, strlen(sealed), NULL, &n,
                          NULL, B64_VARIANT) != 0 ||
        n <= crypto_box_SEALBYTES ||
        crypto_box_seal_open(plain, box, n, pk, sk) != 0) {
        rc = err_fail(ERR_DEVICE_KEY_UNREADABLE,
                      "the key of device %s does not open with this ingest's "
                      "key pair",
                      device_id);
        goto out;
    }
    n -= crypto_box_SEALBYTES;
    if (n < sizeof(SEAL_TAG) + 1 + 8 + DEVKEY_BYTES) {
        rc = err_fail(ERR_DEVICE_KEY_UNREADABLE,
                      "the stored key of device %s is too short", device_id);
        goto out;
    }
    /* the same layout with this row's id and epoch must come out */
    size_t m = plain_make(want, device_id, epoch, plain + n - DEVKEY_BYTES);
    if (m != n || sodium_memcmp(want, plain, n) != 0) {
        rc = err_fail(ERR_DEVICE_KEY_UNREADABLE,
                      "the stored key of device %s was made for another "
                      "device or epoch",
                      device_id);
        goto out;
    }
    memcpy(key, plain + n - DEVKEY_BYTES, DEVKEY_BYTES);
out:
    sodium_memzero(plain, sizeof(plain));
    sodium_memzero(want, sizeof(want));
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The sealing key pair's file                                            */
/* ---------------------------------------------------------------------- */

static enum err
pair_read(const char *path, int fd, unsigned char sk[DEVKEY_SEAL_SK])
{
    struct stat sb;
    char hex[2 * DEVKEY_SEAL_SK + 8];
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        return err_fail(ERR_CONFIG, "%s: not a regular file", path);
    if (sb.st_mode & (S_IRWXG | S_IRWXO))
        return err_fail(ERR_CONFIG,
                        "%s: readable by group or others (chmod 600)", path);
    ssize_t n = read(fd, hex, sizeof(hex) - 1);
    if (n < 0)
        return err_fail(ERR_CONFIG, "%s: %s", path, strerror(errno));
    while (n > 0 && (hex[n - 1] == '\n' || hex[n - 1] == '\r'))
        n--;
    hex[n] = '\0';
    bool ok = from_hex(hex, sk, DEVKEY_SEAL_SK);
    sodium_memzero(hex, sizeof(hex));
    return ok ? ERR_OK
              : err_fail(ERR_CONFIG, "%s: not 64 hex characters", path);
}

static enum err
pair_write(const char *path, unsigned char pk[DEVKEY_SEAL_PK],
           unsigned char sk[DEVKEY_SEAL_SK])
{
    char hex[2 * DEVKEY_SEAL_SK + 2];
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_fail(ERR_CONFIG, "%s: %s", path, strerror(errno));
    crypto_box_keypair(pk, sk);
    sodium_bin2hex(hex, sizeof(hex) - 1, sk, DEVKEY_SEAL_SK);
    size_t n = strlen(hex);
    hex[n++] = '\n';
    bool ok = write(fd, hex, n) == (ssize_t)n && fsync(fd) == 0;
    sodium_memzero(hex, sizeof(hex));
    close(fd);
    if (!ok) {
        unlink(path);
        return err_fail(ERR_CONFIG, "%s: cannot write the key", path);
    }
    return ERR_OK;
}

enum err
devkey_pair_load(const char *path, bool create,
                 unsigned char pk[DEVKEY_SEAL_PK],
                 unsigned char sk[DEVKEY_SEAL_SK], bool *created)
{
    pthread_once(&once, start);
    *created = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        enum err rc = pair_write(path, pk, sk);
        *created = !rc;
        return rc;
    }
    if (fd < 0)
        return err_fail(ERR_CONFIG, "%s: %s", path, strerror(errno));
    enum err rc = pair_read(path, fd, sk);
    close(fd);
    if (!rc)
        crypto_scalarmult_base(pk, sk);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Signatures                                                             */
/* ---------------------------------------------------------------------- */

static void
hmac(const unsigned char key[DEVKEY_BYTES], const char *ts, const void *body,
     size_t len, unsigned char out[32])
{
    crypto_auth_hmacsha256_state st;
    pthread_once(&once, start);
    crypto_auth_hmacsha256_init(&st, key, DEVKEY_BYTES);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, body, len);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof(st));
}

void
devkey_sign(const unsigned char key[DEVKEY_BYTES], const char *ts,
            const void *body, size_t len, char out[DEVKEY_SIG_HEX])
{
    unsigned char mac[32];
    hmac(key, ts, body, len, mac);
    sodium_bin2hex(out, DEVKEY_SIG_HEX, mac, sizeof(mac));
}

bool
devkey_verify(const unsigned char key[DEVKEY_BYTES], const char *ts,
              const void *body, size_t len, const char *sig_hex,
              unsigned char raw[32])
{
    unsigned char mac[32], given[32];
    if (!from_hex(sig_hex, given, sizeof(given)))
        return false;
    hmac(key, ts, body, len, mac);
    bool ok = sodium_memcmp(mac, given, sizeof(mac)) == 0;
    if (raw)
        memcpy(raw, given, sizeof(given));
    return ok;
}

void
devkey_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}
