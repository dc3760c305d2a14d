/*
 * vault_client.h — one interface to a vault, wherever it is.
 *
 *   http://host:port[/prefix]  (or https://) a `pilotlight vault` process;
 *                              every call sends the bearer token
 *   file:///abs/path           a vault directory on this machine (made with
 *                              `pilotlight vault init --data PATH`): the
 *                              second copy on another disk or a mount. The
 *                              same rules, from the same code (vault_dir.c)
 *
 * What the vault refuses comes back as the same enum err either way:
 * ERR_VAULT_OBJECT_EXISTS, ERR_VAULT_HASH_MISMATCH, ERR_VAULT_MANIFEST_GAP,
 * ERR_VAULT_MANIFEST_EXISTS, ERR_VAULT_SIGNATURE, ERR_VAULT_UNAUTHORIZED,
 * ERR_VAULT_*_NOT_FOUND …, with the vault's detail in err_detail().
 *
 * Transient failures over HTTP (cannot connect, reset, timeout, 429, 500,
 * 502, 503, 504) are retried with exponential backoff and jitter (default
 * 5 attempts from 200 ms, at most 10 s apart); when they persist the call
 * returns ERR_VAULT_UNAVAILABLE naming the last failure. Other answers are
 * final at once.
 *
 * Every object read is checked against its name (BLAKE2b-256) on the way
 * in: a vault cannot hand back altered bytes unnoticed.
 *
 * A client is not thread-safe: one per thread (they are cheap).
 */
#ifndef PL_VAULT_VAULT_CLIENT_H
#define PL_VAULT_VAULT_CLIENT_H

#include "core/buf.h"
#include "core/err.h"
#include "vault/seal.h"
#include "vault/vault.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VAULT_TOKEN_MIN 32
#define VAULT_TOKEN_MAX 512
#define VAULT_URL_MAX   2048

struct vault_client;

/*
 * Read a vault token file: one line of VAULT_TOKEN_MIN–VAULT_TOKEN_MAX
 * printable ASCII characters without spaces (a trailing line break is
 * dropped). The file must be a regular file no one else may read or write
 * (mode o-rw). ERR_CONFIG with detail. out holds VAULT_TOKEN_MAX + 1 bytes.
 */
enum err vault_token_read(const char *path, char *out, size_t n);

/*
 * A client for url (see above). token is needed for http(s):// and ignored
 * for file://; it is copied. ERR_CONFIG for an unknown scheme, a relative
 * file:// path, a missing token; a file:// directory that is not a vault
 * gives vault_dir_open's ERR_CONFIG. Nothing is contacted over HTTP yet.
 */
enum err vault_client_open(const char *url, const char *token,
                           struct vault_client **out);
void vault_client_close(struct vault_client *c);
/* Attempts per call (1 = no retry) and the first backoff. */
void vault_client_set_retry(struct vault_client *c, int attempts, int base_ms);
/* The URL the client was opened with. */
const char *vault_client_url(const struct vault_client *c);

/*
 * Store the sealed file at path as object name. ERR_VAULT_OBJECT_EXISTS
 * when the vault has it already: names are hashes, so the bytes there are
 * these bytes, and a backup counts it as done. ERR_VAULT_HASH_MISMATCH when
 * the file is not what name says.
 */
enum err vault_client_put_object(struct vault_client *c, const char *name,
                                 const char *path);
/* Whether the vault has object name, and its size (bytes may be NULL). */
enum err vault_client_has_object(struct vault_client *c, const char *name,
                                 bool *present, uint64_t *bytes);
/*
 * Stream object name into sink (for instance seal_open_update through a
 * small adapter, so a restore decrypts while it downloads). The bytes are
 * hashed as they pass: ERR_VAULT_HASH_MISMATCH at the end when they are not
 * the object's, and then the caller must discard what the sink received.
 * Retried only while nothing has reached the sink.
 */
enum err vault_client_get_object(struct vault_client *c, const char *name,
                                 seal_sink_fn sink, void *arg);
/* Download object name to path (a new file, mode 0600; written as
 * path.part, fsync'd, checked, then renamed). Retried from the start. */
enum err vault_client_get_object_file(struct vault_client *c, const char *name,
                                      const char *path);

/*
 * Store a signed manifest as seq of store. A manifest already there with
 * exactly these bytes is ERR_OK (a retry after a lost answer); different
 * bytes are ERR_VAULT_MANIFEST_EXISTS.
 */
enum err vault_client_put_manifest(struct vault_client *c, const char *store,
                                   int64_t seq, const char *p, size_t n);
/* Append manifest seq of store to out (verify it with manifest_open). */
enum err vault_client_get_manifest(struct vault_client *c, const char *store,
                                   int64_t seq, struct buf *out);
/* A store's manifests in order (*out xmalloc'd: free()).
 * ERR_VAULT_MANIFEST_NOT_FOUND for a store without any. */
enum err vault_client_list_manifests(struct vault_client *c, const char *store,
                                     struct vault_manifest_ref **out,
                                     size_t *n);
/* Every store the vault holds manifests for (*out xmalloc'd: free()). */
enum err vault_client_list_stores(struct vault_client *c,
                                  struct vault_store_ref **out, size_t *n);

#endif
