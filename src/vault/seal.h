/*
 * seal.h — sealed objects: the bytes a vault stores.
 *
 * An object (a snapshot, a batch of changesets, anything a restore needs) is
 * compressed with zstd, then encrypted and authenticated with libsodium's
 * secretstream (XChaCha20-Poly1305) under its store's data key. Its name is
 * the BLAKE2b-256 of the sealed bytes as 64 lowercase hex digits: anyone,
 * the vault included, can check an object against its name without a key;
 * only a holder of the data key can read it.
 *
 * Format, version 1 (integers big-endian):
 *
 *   offset  size  field
 *   0       4     magic "PLSO" (pilotlight sealed object)
 *   4       1     version, 1
 *   5       1     kind (enum seal_kind)
 *   6       2     reserved, 0
 *   8       4     chunk size C: plaintext bytes per chunk, 4 KiB–1 MiB
 *   12      8     data key id (seal_key_id(): keyed BLAKE2b of the key)
 *   20      24    secretstream header
 *   44      …     chunks: every chunk but the last is C + 17 bytes
 *                 (ciphertext and tag); the last is 17 to C + 17 bytes and
 *                 carries TAG_FINAL. The plaintext of the chunks, in order,
 *                 is one zstd frame.
 *
 * Bytes 0–19 are the associated data of every chunk, so a changed kind,
 * chunk size or key id fails authentication. secretstream chains the chunks:
 * a reordered, dropped, repeated or truncated chunk fails, and bytes after
 * the final chunk are refused.
 *
 * Why secretstream and not one crypto_aead_xchacha20poly1305_ietf call: an
 * object may be hundreds of MB, and a one-shot AEAD needs the whole message
 * in memory on both sides (and gives no answer until the end). secretstream
 * is the same cipher made for streams: memory stays at one chunk plus zstd's
 * window (at most 8 MiB, levels 1–19) whatever the object's size, and a
 * failure names the chunk. Each chunk costs 17 bytes (0.03 % at 64 KiB).
 *
 * Sealing and opening are push-style (begin, update…, finish) so a caller
 * can feed bytes as they are produced (the SQLite backup API, an HTTP
 * download) and receive output through a sink; file and memory helpers wrap
 * them. Opening writes plaintext to the sink as chunks authenticate: when
 * seal_open_finish() (or a helper) fails, the caller must discard whatever
 * the sink received.
 */
#ifndef PL_VAULT_SEAL_H
#define PL_VAULT_SEAL_H

#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEAL_NAME_HEX      65 /* 64 hex digits + NUL */
#define SEAL_KEY_BYTES     32
#define SEAL_KEY_ID_BYTES  8
#define SEAL_KEY_ID_HEX    17 /* 16 hex digits + NUL */
#define SEAL_HEADER_BYTES  44
#define SEAL_CHUNK_DEFAULT (64u * 1024)
#define SEAL_CHUNK_MIN     (4u * 1024)
#define SEAL_CHUNK_MAX     (1024u * 1024)
#define SEAL_LEVEL_DEFAULT 3 /* zstd: ~250 MB/s here (ARCHITECTURE.md) */
#define SEAL_LEVEL_MAX     19

/* What an object holds; authenticated, checked by seal_open_begin. */
enum seal_kind {
    SEAL_KIND_ANY = 0,       /* only as an expectation: accept any kind */
    SEAL_KIND_SNAPSHOT = 1,  /* a whole store (SQLite online backup) */
    SEAL_KIND_CHANGESET = 2, /* one or more session changesets */
    SEAL_KIND_BLOB = 3,      /* anything else a restore needs */
};

/* A store's data key and its id (seal_key_id()). Wipe with seal_key_wipe. */
struct seal_key {
    unsigned char key[SEAL_KEY_BYTES];
    unsigned char id[SEAL_KEY_ID_BYTES];
};

/* What seal/open did. */
struct seal_info {
    char name[SEAL_NAME_HEX]; /* BLAKE2b-256 hex of the sealed bytes */
    enum seal_kind kind;
    uint64_t plain_bytes;  /* before compression */
    uint64_t sealed_bytes; /* the object's size */
};

/* Where output goes: n bytes at p. A non-zero return stops the work and is
 * returned by the seal/open call that was running. */
typedef enum err (*seal_sink_fn)(void *arg, const void *p, size_t n);

/* A new random data key with its id. */
void seal_key_new(struct seal_key *k);
/* Fill k->id from k->key: BLAKE2b-64 keyed with the key over a constant
 * string (a PRF output: tells keys apart, reveals nothing about them). */
void seal_key_id(struct seal_key *k);
/* The id as 16 hex digits into out[SEAL_KEY_ID_HEX]. */
void seal_key_id_hex(const struct seal_key *k, char *out);
/* Wipe the key (not optimised away). */
void seal_key_wipe(struct seal_key *k);

/* True when s is exactly 64 lowercase hex digits (an object name). */
bool seal_name_valid(const char *s);

/* Incremental BLAKE2b-256, the object name function. */
struct seal_hash;
/* A new hash state. Never NULL. */
struct seal_hash *seal_hash_new(void);
void seal_hash_update(struct seal_hash *h, const void *p, size_t n);
/* The digest as hex into out[SEAL_NAME_HEX]; frees h. */
void seal_hash_final(struct seal_hash *h, char *out);
/* BLAKE2b-256 hex of p[0..n). */
void seal_hash_hex(const void *p, size_t n, char *out);
/* BLAKE2b-256 hex of a file's bytes. ERR_IO with detail. */
enum err seal_hash_file(const char *path, char *out);

/* Sealing, push style. */
struct seal_ctx;
/*
 * Start sealing an object of kind (not SEAL_KIND_ANY) under k at zstd level
 * (0 = SEAL_LEVEL_DEFAULT, at most SEAL_LEVEL_MAX). The header goes to sink
 * at once. *out is owned by the caller until seal_finish/seal_abort.
 * ERR_INVALID for a bad kind or level; sink errors.
 */
enum err seal_begin(const struct seal_key *k, enum seal_kind kind, int level,
                    seal_sink_fn sink, void *arg, struct seal_ctx **out);
/* Add n plaintext bytes. Sink errors; ERR_INTERNAL if zstd fails. */
enum err seal_update(struct seal_ctx *s, const void *p, size_t n);
/* Flush the last chunk, fill *info (may be NULL) and free s. */
enum err seal_finish(struct seal_ctx *s, struct seal_info *info);
/* Free s without finishing (after an error). NULL is fine. */
void seal_abort(struct seal_ctx *s);

/* Opening, push style. */
struct seal_open_ctx;
/*
 * Start opening an object with data key k. expect_name (NULL = do not
 * check) is compared with the BLAKE2b of every byte given; expect_kind
 * (SEAL_KIND_ANY = any) with the header's kind. Plaintext goes to sink.
 */
void seal_open_begin(const struct seal_key *k, const char *expect_name,
                     enum seal_kind expect_kind, seal_sink_fn sink, void *arg,
                     struct seal_open_ctx **out);
/*
 * Give the next n sealed bytes. Errors (err_detail() says why, in terms an
 * operator can act on): ERR_BACKUP_FORMAT (not a sealed object, a newer
 * version, a bad chunk size, the wrong kind, bytes after the end),
 * ERR_BACKUP_WRONG_KEY (sealed under another data key),
 * ERR_BACKUP_DECRYPT (a chunk does not authenticate: altered bytes),
 * sink errors. After an error only seal_open_abort is allowed.
 */
enum err seal_open_update(struct seal_open_ctx *o, const void *p, size_t n);
/*
 * The end of the object: the last chunk must be there and final, the zstd
 * frame complete, and the bytes must hash to expect_name
 * (ERR_VAULT_HASH_MISMATCH). Fills *info (may be NULL); frees o.
 */
enum err seal_open_finish(struct seal_open_ctx *o, struct seal_info *info);
/* Free o without finishing. NULL is fine. */
void seal_open_abort(struct seal_open_ctx *o);

/*
 * Seal the file in_path into out_path (created, mode 0600, must not exist:
 * ERR_CONFLICT; fsync'd). On failure out_path is removed. Memory is bounded
 * whatever the file's size. info may be NULL.
 */
enum err seal_file(const struct seal_key *k, enum seal_kind kind, int level,
                   const char *in_path, const char *out_path,
                   struct seal_info *info);
/* Open the sealed file in_path into out_path (same rules as seal_file). */
enum err seal_open_file(const struct seal_key *k, const char *expect_name,
                        enum seal_kind expect_kind, const char *in_path,
                        const char *out_path, struct seal_info *info);
/* Seal n bytes at p, appending the object to out (bounded by out->max). */
enum err seal_mem(const struct seal_key *k, enum seal_kind kind, int level,
                  const void *p, size_t n, struct buf *out,
                  struct seal_info *info);
/* Open n sealed bytes at p, appending the plaintext to out. */
enum err seal_open_mem(const struct seal_key *k, const char *expect_name,
                       enum seal_kind expect_kind, const void *p, size_t n,
                       struct buf *out, struct seal_info *info);

#endif
