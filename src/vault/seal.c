/*
 * seal.c — sealed objects: zstd, then secretstream (XChaCha20-Poly1305);
 * named by BLAKE2b-256. The format is described in seal.h.
 *
 * Sealing: plaintext → zstd stream → chunker (C bytes) → secretstream push
 * → hash + sink. A chunk is pushed only when it is full and more bytes
 * arrive, so the final chunk (pushed by seal_finish) is never empty unless
 * the whole compressed stream is.
 *
 * Opening: bytes → hash → header (44 bytes) → chunks of C + 17 → pull →
 * zstd → sink. A full chunk is pulled as soon as it is complete; whatever is
 * left at seal_open_finish must be the final chunk.
 */
#include "vault/seal.h"

#include "core/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define MAGIC      "PLSO"
#define VERSION    1
#define AD_BYTES   20 /* header bytes authenticated with every chunk */
#define ABYTES     crypto_secretstream_xchacha20poly1305_ABYTES
#define TAG_FINAL  crypto_secretstream_xchacha20poly1305_TAG_FINAL
#define WINDOW_LOG 23 /* zstd window: 8 MiB at most (levels 1-19) */
#define IO_BYTES   (256u * 1024)

_Static_assert(crypto_secretstream_xchacha20poly1305_HEADERBYTES ==
                   SEAL_HEADER_BYTES - AD_BYTES,
               "header layout");
_Static_assert(crypto_secretstream_xchacha20poly1305_KEYBYTES == SEAL_KEY_BYTES,
               "key size");

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;

static void
sodium_start(void)
{
    if (sodium_init() < 0)
        abort(); /* no randomness, no security: refuse to run */
}

static void
sodium_ready(void)
{
    pthread_once(&sodium_once, sodium_start);
}

/* ------------------------------------------------------------------ keys */

void
seal_key_new(struct seal_key *k)
{
    sodium_ready();
    crypto_secretstream_xchacha20poly1305_keygen(k->key);
    seal_key_id(k);
}

void
seal_key_id(struct seal_key *k)
{
    static const char label[] = "pilotlight data key id v1";
    sodium_ready();
    crypto_generichash(k->id, sizeof(k->id), (const unsigned char *)label,
                       sizeof(label) - 1, k->key, sizeof(k->key));
}

void
seal_key_id_hex(const struct seal_key *k, char *out)
{
    sodium_bin2hex(out, SEAL_KEY_ID_HEX, k->id, sizeof(k->id));
}

void
seal_key_wipe(struct seal_key *k)
{
    sodium_memzero(k, sizeof(*k));
}

/* ---------------------------------------------------------------- hashing */

bool
seal_name_valid(const char *s)
{
    if (!s || strlen(s) != SEAL_NAME_HEX - 1)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

/* crypto_generichash_state wants 64-byte alignment; xmalloc gives 16. */
struct seal_hash {
    unsigned char raw[sizeof(crypto_generichash_state) + 63];
};

static crypto_generichash_state *
hash_state(struct seal_hash *h)
{
    uintptr_t p = (uintptr_t)h->raw;
    return (crypto_generichash_state *)((p + 63) & ~(uintptr_t)63);
}

struct seal_hash *
seal_hash_new(void)
{
    sodium_ready();
    struct seal_hash *h = xmalloc(sizeof(*h));
    crypto_generichash_init(hash_state(h), NULL, 0, 32);
    return h;
}

void
seal_hash_update(struct seal_hash *h, const void *p, size_t n)
{
    crypto_generichash_update(hash_state(h), p, n);
}

void
seal_hash_final(struct seal_hash *h, char *out)
{
    unsigned char d[32];
    crypto_generichash_final(hash_state(h), d, sizeof(d));
    sodium_bin2hex(out, SEAL_NAME_HEX, d, sizeof(d));
    free(h);
}

void
seal_hash_hex(const void *p, size_t n, char *out)
{
    struct seal_hash *h = seal_hash_new();
    seal_hash_update(h, p, n);
    seal_hash_final(h, out);
}

enum err
seal_hash_file(const char *path, char *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_fail(ERR_IO, "%s: %s", path, strerror(errno));
    struct seal_hash *h = seal_hash_new();
    char *b = xmalloc(IO_BYTES);
    ssize_t n;
    while ((n = read(fd, b, IO_BYTES)) > 0)
        seal_hash_update(h, b, (size_t)n);
    int e = errno;
    free(b);
    close(fd);
    seal_hash_final(h, out);
    if (n < 0)
        return err_fail(ERR_IO, "%s: %s", path, strerror(e));
    return ERR_OK;
}

/* ---------------------------------------------------------------- sealing */

struct seal_ctx {
    ZSTD_CCtx *z;
    crypto_secretstream_xchacha20poly1305_state st;
    struct seal_hash *h;
    seal_sink_fn sink;
    void *arg;
    enum seal_kind kind;
    unsigned char ad[AD_BYTES];
    unsigned char *chunk; /* C plaintext bytes */
    size_t chunk_len;
    unsigned char *cipher; /* C + ABYTES */
    unsigned char *zout;   /* zstd output */
    size_t zout_cap;
    uint64_t plain, sealed;
    enum err rc; /* sticky */
};

static void
put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t
get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static enum err
emit(struct seal_ctx *s, const void *p, size_t n)
{
    seal_hash_update(s->h, p, n);
    s->sealed += n;
    enum err rc = s->sink(s->arg, p, n);
    if (rc)
        s->rc = rc;
    return rc;
}

static enum err
push_chunk(struct seal_ctx *s, unsigned char tag)
{
    unsigned long long clen;
    crypto_secretstream_xchacha20poly1305_push(
        &s->st, s->cipher, &clen, s->chunk, s->chunk_len, s->ad, AD_BYTES, tag);
    s->chunk_len = 0;
    return emit(s, s->cipher, (size_t)clen);
}

/* Compressed bytes into chunks; a full chunk goes out when more arrive. */
static enum err
chunk_add(struct seal_ctx *s, const unsigned char *p, size_t n)
{
    while (n) {
        if (s->chunk_len == SEAL_CHUNK_DEFAULT) {
            enum err rc = push_chunk(s, 0);
            if (rc)
                return rc;
        }
        size_t k = SEAL_CHUNK_DEFAULT - s->chunk_len;
        if (k > n)
            k = n;
        memcpy(s->chunk + s->chunk_len, p, k);
        s->chunk_len += k;
        p += k;
        n -= k;
    }
    return ERR_OK;
}

/* Run zstd over in with directive d until done; output to the chunker. */
static enum err
compress(struct seal_ctx *s, const void *p, size_t n, ZSTD_EndDirective d)
{
    ZSTD_inBuffer in = {p, n, 0};
    for (;;) {
        ZSTD_outBuffer out = {s->zout, s->zout_cap, 0};
        size_t left = ZSTD_compressStream2(s->z, &out, &in, d);
        if (ZSTD_isError(left))
            return s->rc = err_fail(ERR_INTERNAL, "zstd: %s",
                                    ZSTD_getErrorName(left));
        enum err rc = chunk_add(s, s->zout, out.pos);
        if (rc)
            return rc;
        bool done = d == ZSTD_e_continue ? in.pos == in.size : left == 0;
        if (done)
            return ERR_OK;
    }
}

static void
seal_free(struct seal_ctx *s)
{
    if (!s)
        return;
    ZSTD_freeCCtx(s->z);
    if (s->h) {
        char junk[SEAL_NAME_HEX];
        seal_hash_final(s->h, junk);
    }
    sodium_memzero(&s->st, sizeof(s->st));
    sodium_memzero(s->chunk, SEAL_CHUNK_DEFAULT);
    free(s->chunk);
    free(s->cipher);
    free(s->zout);
    free(s);
}

void
seal_abort(struct seal_ctx *s)
{
    seal_free(s);
}

static void
header_ad(unsigned char *ad, enum seal_kind kind, uint32_t chunk,
          const struct seal_key *k)
{
    memcpy(ad, MAGIC, 4);
    ad[4] = VERSION;
    ad[5] = (unsigned char)kind;
    ad[6] = ad[7] = 0;
    put_be32(ad + 8, chunk);
    memcpy(ad + 12, k->id, SEAL_KEY_ID_BYTES);
}

enum err
seal_begin(const struct seal_key *k, enum seal_kind kind, int level,
           seal_sink_fn sink, void *arg, struct seal_ctx **out)
{
    *out = NULL;
    if (kind < SEAL_KIND_SNAPSHOT || kind > SEAL_KIND_BLOB)
        return err_fail(ERR_INVALID, "seal: unknown object kind %d", kind);
    if (level == 0)
        level = SEAL_LEVEL_DEFAULT;
    if (level < 1 || level > SEAL_LEVEL_MAX)
        return err_fail(ERR_INVALID, "seal: zstd level %d is outside 1..%d",
                        level, SEAL_LEVEL_MAX);
    sodium_ready();
    struct seal_ctx *s = xcalloc(1, sizeof(*s));
    s->z = ZSTD_createCCtx();
    if (!s->z)
        abort(); /* allocation failure */
    ZSTD_CCtx_setParameter(s->z, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(s->z, ZSTD_c_windowLog, WINDOW_LOG);
    s->zout_cap = ZSTD_CStreamOutSize();
    s->zout = xmalloc(s->zout_cap);
    s->chunk = xmalloc(SEAL_CHUNK_DEFAULT);
    s->cipher = xmalloc(SEAL_CHUNK_DEFAULT + ABYTES);
    s->h = seal_hash_new();
    s->sink = sink;
    s->arg = arg;
    s->kind = kind;
    unsigned char hdr[SEAL_HEADER_BYTES];
    header_ad(hdr, kind, SEAL_CHUNK_DEFAULT, k);
    memcpy(s->ad, hdr, AD_BYTES);
    crypto_secretstream_xchacha20poly1305_init_push(&s->st, hdr + AD_BYTES,
                                                    k->key);
    enum err rc = emit(s, hdr, sizeof(hdr));
    if (rc) {
        seal_free(s);
        return rc;
    }
    *out = s;
    return ERR_OK;
}

enum err
seal_update(struct seal_ctx *s, const void *p, size_t n)
{
    if (s->rc)
        return s->rc;
    s->plain += n;
    return n ? compress(s, p, n, ZSTD_e_continue) : ERR_OK;
}

enum err
seal_finish(struct seal_ctx *s, struct seal_info *info)
{
    enum err rc = s->rc;
    if (!rc)
        rc = compress(s, NULL, 0, ZSTD_e_end);
    if (!rc)
        rc = push_chunk(s, TAG_FINAL);
    if (!rc && info) {
        memset(info, 0, sizeof(*info));
        info->kind = s->kind;
        info->plain_bytes = s->plain;
        info->sealed_bytes = s->sealed;
        seal_hash_final(s->h, info->name);
        s->h = NULL;
    }
    seal_free(s);
    return rc;
}

/* ---------------------------------------------------------------- opening */

struct seal_open_ctx {
    struct seal_key key;
    char expect_name[SEAL_NAME_HEX]; /* "" = do not check */
    enum seal_kind expect_kind;
    enum seal_kind kind;
    seal_sink_fn sink;
    void *arg;
    struct seal_hash *h;
    unsigned char hdr[SEAL_HEADER_BYTES];
    size_t hdr_len;
    crypto_secretstream_xchacha20poly1305_state st;
    uint32_t chunk_size;
    unsigned char *cipher; /* chunk_size + ABYTES */
    size_t cipher_len;
    unsigned char *plain; /* chunk_size */
    ZSTD_DCtx *z;
    unsigned char *zout;
    size_t zout_cap;
    bool zdone; /* the zstd frame is complete */
    uint64_t chunks, offset, plain_bytes, sealed;
    bool final;
    enum err rc; /* sticky */
};

void
seal_open_begin(const struct seal_key *k, const char *expect_name,
                enum seal_kind expect_kind, seal_sink_fn sink, void *arg,
                struct seal_open_ctx **out)
{
    sodium_ready();
    struct seal_open_ctx *o = xcalloc(1, sizeof(*o));
    o->key = *k;
    if (expect_name)
        snprintf(o->expect_name, sizeof(o->expect_name), "%s", expect_name);
    o->expect_kind = expect_kind;
    o->sink = sink;
    o->arg = arg;
    o->h = seal_hash_new();
    *out = o;
}

void
seal_open_abort(struct seal_open_ctx *o)
{
    if (!o)
        return;
    if (o->h) {
        char junk[SEAL_NAME_HEX];
        seal_hash_final(o->h, junk);
    }
    ZSTD_freeDCtx(o->z);
    if (o->plain)
        sodium_memzero(o->plain, o->chunk_size);
    free(o->plain);
    free(o->cipher);
    free(o->zout);
    sodium_memzero(o, sizeof(*o));
    free(o);
}

static const char *
kind_name(int kind)
{
    switch (kind) {
    case SEAL_KIND_SNAPSHOT:
        return "snapshot";
    case SEAL_KIND_CHANGESET:
        return "changeset";
    case SEAL_KIND_BLOB:
        return "blob";
    default:
        return "unknown";
    }
}

/* Check the 44-byte header and get ready for chunks. */
static enum err
parse_header(struct seal_open_ctx *o)
{
    const unsigned char *p = o->hdr;
    if (memcmp(p, MAGIC, 4) != 0)
        return err_fail(ERR_BACKUP_FORMAT,
                        "not a sealed object: the first bytes are not the "
                        "pilotlight magic \"PLSO\"");
    if (p[4] != VERSION)
        return err_fail(ERR_BACKUP_FORMAT,
                        "sealed object format version %u; this pilotlight "
                        "reads version %d",
                        p[4], VERSION);
    o->kind = (enum seal_kind)p[5];
    if (o->kind < SEAL_KIND_SNAPSHOT || o->kind > SEAL_KIND_BLOB || p[6] ||
        p[7])
        return err_fail(ERR_BACKUP_FORMAT,
                        "sealed object header is damaged (kind %u, reserved "
                        "%u %u)",
                        p[5], p[6], p[7]);
    if (o->expect_kind && o->kind != o->expect_kind)
        return err_fail(ERR_BACKUP_FORMAT,
                        "the object is a %s, a %s was expected",
                        kind_name(o->kind), kind_name(o->expect_kind));
    o->chunk_size = get_be32(p + 8);
    if (o->chunk_size < SEAL_CHUNK_MIN || o->chunk_size > SEAL_CHUNK_MAX)
        return err_fail(ERR_BACKUP_FORMAT,
                        "sealed object chunk size %u is outside %u..%u",
                        o->chunk_size, SEAL_CHUNK_MIN, SEAL_CHUNK_MAX);
    if (sodium_memcmp(p + 12, o->key.id, SEAL_KEY_ID_BYTES) != 0) {
        char have[SEAL_KEY_ID_HEX], want[SEAL_KEY_ID_HEX];
        sodium_bin2hex(have, sizeof(have), p + 12, SEAL_KEY_ID_BYTES);
        seal_key_id_hex(&o->key, want);
        return err_fail(ERR_BACKUP_WRONG_KEY,
                        "the object was sealed under data key %s; the key "
                        "given is %s",
                        have, want);
    }
    if (crypto_secretstream_xchacha20poly1305_init_pull(&o->st, p + AD_BYTES,
                                                        o->key.key) != 0)
        return err_fail(ERR_BACKUP_FORMAT, "sealed object header is damaged");
    o->cipher = xmalloc(o->chunk_size + ABYTES);
    o->plain = xmalloc(o->chunk_size);
    o->z = ZSTD_createDCtx();
    if (!o->z)
        abort(); /* allocation failure */
    ZSTD_DCtx_setParameter(o->z, ZSTD_d_windowLogMax, WINDOW_LOG);
    o->zout_cap = ZSTD_DStreamOutSize();
    o->zout = xmalloc(o->zout_cap);
    return ERR_OK;
}

/* Decompress n bytes to the sink. The object holds exactly one frame:
 * once ZSTD_decompressStream says it is complete (0), more input is an
 * error. */
static enum err
decompress(struct seal_open_ctx *o, const void *p, size_t n)
{
    ZSTD_inBuffer in = {p, n, 0};
    while (!o->zdone) {
        ZSTD_outBuffer out = {o->zout, o->zout_cap, 0};
        size_t r = ZSTD_decompressStream(o->z, &out, &in);
        if (ZSTD_isError(r))
            return err_fail(ERR_BACKUP_FORMAT,
                            "the decrypted data is not a valid zstd stream "
                            "(%s)",
                            ZSTD_getErrorName(r));
        o->zdone = r == 0;
        o->plain_bytes += out.pos;
        if (out.pos) {
            enum err rc = o->sink(o->arg, o->zout, out.pos);
            if (rc)
                return rc;
        }
        if (!o->zdone && in.pos == in.size && out.pos < out.size)
            return ERR_OK;
    }
    if (in.pos < in.size)
        return err_fail(ERR_BACKUP_FORMAT,
                        "data follows the end of the compressed stream");
    return ERR_OK;
}

static enum err
pull_chunk(struct seal_open_ctx *o)
{
    unsigned long long mlen;
    unsigned char tag;
    uint64_t start = SEAL_HEADER_BYTES + o->offset;
    if (crypto_secretstream_xchacha20poly1305_pull(
            &o->st, o->plain, &mlen, &tag, o->cipher, o->cipher_len, o->hdr,
            AD_BYTES) != 0)
        return err_fail(ERR_BACKUP_DECRYPT,
                        "chunk %llu (bytes %llu-%llu of the object) does not "
                        "authenticate: the object was altered or damaged",
                        (unsigned long long)o->chunks + 1,
                        (unsigned long long)start,
                        (unsigned long long)(start + o->cipher_len - 1));
    o->chunks++;
    o->offset += o->cipher_len;
    o->cipher_len = 0;
    if (tag == TAG_FINAL)
        o->final = true;
    else if (tag != 0)
        return err_fail(ERR_BACKUP_FORMAT,
                        "chunk %llu carries an unexpected tag %u",
                        (unsigned long long)o->chunks, tag);
    /* an empty chunk (only ever the final one) has nothing for zstd */
    return mlen ? decompress(o, o->plain, (size_t)mlen) : ERR_OK;
}

/* Take header bytes from *p; parse once all 44 are in. */
static enum err
take_header(struct seal_open_ctx *o, const unsigned char **p, size_t *n)
{
    size_t k = SEAL_HEADER_BYTES - o->hdr_len;
    if (k > *n)
        k = *n;
    memcpy(o->hdr + o->hdr_len, *p, k);
    o->hdr_len += k;
    *p += k;
    *n -= k;
    return o->hdr_len == SEAL_HEADER_BYTES ? parse_header(o) : ERR_OK;
}

static enum err
open_feed(struct seal_open_ctx *o, const unsigned char *p, size_t n)
{
    enum err rc;
    if (o->hdr_len < SEAL_HEADER_BYTES && (rc = take_header(o, &p, &n)))
        return rc;
    size_t full = o->chunk_size + ABYTES;
    while (n) {
        if (o->final)
            return err_fail(ERR_BACKUP_FORMAT,
                            "%zu bytes follow the final chunk (the object "
                            "was altered)",
                            n);
        size_t k = full - o->cipher_len;
        if (k > n)
            k = n;
        memcpy(o->cipher + o->cipher_len, p, k);
        o->cipher_len += k;
        p += k;
        n -= k;
        if (o->cipher_len == full && (rc = pull_chunk(o)))
            return rc;
    }
    return ERR_OK;
}

enum err
seal_open_update(struct seal_open_ctx *o, const void *p, size_t n)
{
    if (o->rc)
        return o->rc;
    seal_hash_update(o->h, p, n);
    o->sealed += n;
    return o->rc = open_feed(o, p, n);
}

static enum err
open_end(struct seal_open_ctx *o)
{
    if (o->hdr_len < SEAL_HEADER_BYTES)
        return err_fail(ERR_BACKUP_FORMAT,
                        "truncated: %llu bytes, shorter than the %d-byte "
                        "header of a sealed object",
                        (unsigned long long)o->sealed, SEAL_HEADER_BYTES);
    if (!o->final && o->cipher_len < ABYTES)
        return err_fail(ERR_BACKUP_FORMAT,
                        "truncated: the object ends after %llu bytes, "
                        "before its final chunk",
                        (unsigned long long)o->sealed);
    enum err rc;
    if (!o->final && (rc = pull_chunk(o)))
        return rc;
    if (!o->final)
        return err_fail(ERR_BACKUP_FORMAT,
                        "truncated: the object ends after %llu bytes, "
                        "before its final chunk",
                        (unsigned long long)o->sealed);
    if (!o->zdone)
        return err_fail(ERR_BACKUP_FORMAT,
                        "the compressed stream inside the object is "
                        "incomplete");
    return ERR_OK;
}

enum err
seal_open_finish(struct seal_open_ctx *o, struct seal_info *info)
{
    enum err rc = o->rc ? o->rc : open_end(o);
    char name[SEAL_NAME_HEX];
    seal_hash_final(o->h, name);
    o->h = NULL;
    if (!rc && o->expect_name[0] && strcmp(name, o->expect_name) != 0)
        rc = err_fail(ERR_VAULT_HASH_MISMATCH,
                      "the object's bytes hash to %.16s…, not to its name "
                      "%.16s…",
                      name, o->expect_name);
    if (!rc && info) {
        memset(info, 0, sizeof(*info));
        memcpy(info->name, name, sizeof(name));
        info->kind = o->kind;
        info->plain_bytes = o->plain_bytes;
        info->sealed_bytes = o->sealed;
    }
    seal_open_abort(o);
    return rc;
}

/* ----------------------------------------------------- files and memory */

static enum err
fd_sink(void *arg, const void *p, size_t n)
{
    int fd = *(int *)arg;
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return err_fail(ERR_IO, "write: %s", strerror(errno));
        c += w;
        n -= (size_t)w;
    }
    return ERR_OK;
}

static enum err
buf_sink(void *arg, const void *p, size_t n)
{
    return buf_append(arg, p, n);
}

/* Open in_path for reading and out_path for a new file (0600, O_EXCL). */
static enum err
open_pair(const char *in_path, const char *out_path, int *in, int *out)
{
    *in = open(in_path, O_RDONLY | O_CLOEXEC);
    if (*in < 0)
        return err_fail(ERR_IO, "%s: %s", in_path, strerror(errno));
    *out = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (*out < 0) {
        int e = errno;
        close(*in);
        return err_fail(e == EEXIST ? ERR_CONFLICT : ERR_IO, "%s: %s", out_path,
                        strerror(e));
    }
    return ERR_OK;
}

/* Feed the file fd to fn(ctx) in IO_BYTES pieces. */
static enum err
pump(int fd, const char *path, enum err (*fn)(void *, const void *, size_t),
     void *ctx)
{
    char *b = xmalloc(IO_BYTES);
    enum err rc = ERR_OK;
    for (;;) {
        ssize_t n = read(fd, b, IO_BYTES);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = err_fail(ERR_IO, "%s: %s", path, strerror(errno));
        if (n <= 0 || (rc = fn(ctx, b, (size_t)n)))
            break;
    }
    free(b);
    return rc;
}

static enum err
seal_update_cb(void *ctx, const void *p, size_t n)
{
    return seal_update(ctx, p, n);
}

static enum err
open_update_cb(void *ctx, const void *p, size_t n)
{
    return seal_open_update(ctx, p, n);
}

/* fsync and close out; remove out_path when rc is an error. */
static enum err
close_out(int out, const char *out_path, enum err rc)
{
    if (!rc && fsync(out) != 0)
        rc = err_fail(ERR_IO, "%s: fsync: %s", out_path, strerror(errno));
    if (close(out) != 0 && !rc)
        rc = err_fail(ERR_IO, "%s: close: %s", out_path, strerror(errno));
    if (rc)
        unlink(out_path);
    return rc;
}

enum err
seal_file(const struct seal_key *k, enum seal_kind kind, int level,
          const char *in_path, const char *out_path, struct seal_info *info)
{
    int in, out;
    enum err rc = open_pair(in_path, out_path, &in, &out);
    if (rc)
        return rc;
    struct seal_ctx *s;
    rc = seal_begin(k, kind, level, fd_sink, &out, &s);
    if (!rc)
        rc = pump(in, in_path, seal_update_cb, s);
    if (!rc)
        rc = seal_finish(s, info);
    else
        seal_abort(s);
    close(in);
    return close_out(out, out_path, rc);
}

enum err
seal_open_file(const struct seal_key *k, const char *expect_name,
               enum seal_kind expect_kind, const char *in_path,
               const char *out_path, struct seal_info *info)
{
    int in, out;
    enum err rc = open_pair(in_path, out_path, &in, &out);
    if (rc)
        return rc;
    struct seal_open_ctx *o;
    seal_open_begin(k, expect_name, expect_kind, fd_sink, &out, &o);
    rc = pump(in, in_path, open_update_cb, o);
    if (!rc)
        rc = seal_open_finish(o, info);
    else
        seal_open_abort(o);
    close(in);
    return close_out(out, out_path, rc);
}

enum err
seal_mem(const struct seal_key *k, enum seal_kind kind, int level,
         const void *p, size_t n, struct buf *out, struct seal_info *info)
{
    struct seal_ctx *s;
    enum err rc = seal_begin(k, kind, level, buf_sink, out, &s);
    if (rc)
        return rc;
    rc = seal_update(s, p, n);
    if (rc) {
        seal_abort(s);
        return rc;
    }
    return seal_finish(s, info);
}

enum err
seal_open_mem(const struct seal_key *k, const char *expect_name,
              enum seal_kind expect_kind, const void *p, size_t n,
              struct buf *out, struct seal_info *info)
{
    struct seal_open_ctx *o;
    seal_open_begin(k, expect_name, expect_kind, buf_sink, out, &o);
    enum err rc = seal_open_update(o, p, n);
    if (rc) {
        seal_open_abort(o);
        return rc;
    }
    return seal_open_finish(o, info);
}
