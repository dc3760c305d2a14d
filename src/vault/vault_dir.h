/*
 * vault_dir.h — a vault on a local directory: its layout and its rules.
 *
 * The one implementation of the vault's rules. `pilotlight vault` serves a
 * vault_dir over HTTP; a file:// URL in vault_client uses one directly (the
 * second copy on a local or mounted disk). Both therefore refuse the same
 * things in the same way.
 *
 * Layout:
 *
 *   DIR/vault.json                 {"format":"pilotlight-vault","version":1,
 *                                   "created":"…"}: marks an initialised vault
 *   DIR/trusted-keys               Ed25519 public keys (hex, one a line)
 *                                  whose manifests are accepted
 *   DIR/objects/<2 hex>/<64 hex>   sealed objects, fanned out on the first
 *                                  two digits of the name; mode 0400
 *   DIR/manifests/<store>/<seq>.json  manifests; seq as 15 digits, zero-
 *                                  padded, so names sort; mode 0400
 *   DIR/tmp/                       uploads in progress (same file system)
 *   DIR/lock                       flock: manifests are written under a
 *                                  shared lock, prune holds it exclusively
 *
 * Rules:
 *
 *   - Nothing is ever overwritten or deleted, except by prune. An object is
 *     written to tmp/, fsync'd, renamed into place with RENAME_NOREPLACE
 *     (so of two racing writers one gets "exists"), and its directory is
 *     fsync'd. An object that is already there is refused
 *     (ERR_VAULT_OBJECT_EXISTS) and its mtime is refreshed, so prune treats
 *     it as just uploaded.
 *   - An object's bytes must hash (BLAKE2b-256) to its name.
 *   - A manifest must parse, name the store and sequence of its path, carry
 *     a signature by a trusted key, refer only to objects the vault has, and
 *     have sequence 1 (for a new store) or the last sequence + 1.
 *   - The signing keys are pinned when the vault is made (`vault init
 *     --signing-key HEX`); another is added only on the vault host (`vault
 *     trust`). A stolen token alone cannot add manifests the backed-up host
 *     did not sign, and a stolen app server cannot change what the vault
 *     trusts.
 *   - Prune (local only) keeps every manifest received in the last N days
 *     (N >= VAULT_PRUNE_MIN_DAYS) and always each store's newest, removes
 *     only the oldest manifests of a store (the kept ones stay contiguous),
 *     and removes an object only when no kept manifest refers to it and it
 *     was received (or re-offered) more than N days ago: objects uploaded
 *     for a manifest still to come are safe. Times are the vault's own
 *     (file mtimes), never the times a client wrote into a manifest.
 */
#ifndef PL_VAULT_VAULT_DIR_H
#define PL_VAULT_VAULT_DIR_H

#include "core/buf.h"
#include "core/err.h"
#include "vault/vault.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VAULT_OBJECT_MAX_DEFAULT (4ULL << 30) /* 4 GiB */

struct vault_dir;
struct vault_upload;

/*
 * `vault init`: make dir (if needed) and its layout, and pin the signing
 * public key (64 hex). ERR_CONFLICT when dir is a vault already (use
 * `vault trust` to add a key); ERR_INVALID for a malformed key; ERR_IO.
 */
enum err vault_dir_init(const char *dir, const char *signing_key_hex);
/* `vault trust`: add a signing public key to an initialised vault. Adding
 * a key already trusted is ERR_OK. */
enum err vault_dir_trust(const char *dir, const char *signing_key_hex);
/*
 * Open an initialised vault. ERR_CONFIG (detail says how to make one) when
 * dir has no vault.json or no trusted key. *out is the caller's;
 * vault_dir_close(). Safe to share between threads.
 */
enum err vault_dir_open(const char *dir, struct vault_dir **out);
void vault_dir_close(struct vault_dir *v);
/* Largest object accepted (default VAULT_OBJECT_MAX_DEFAULT). */
void vault_dir_set_object_max(struct vault_dir *v, uint64_t bytes);

/* ---- objects ---- */

/* Whether object name is there, and its size. ERR_VAULT_BAD_NAME. */
enum err vault_dir_has_object(struct vault_dir *v, const char *name,
                              bool *present, uint64_t *bytes);
/* Open object name for reading: *fd (caller closes) and its size.
 * ERR_VAULT_BAD_NAME, ERR_VAULT_OBJECT_NOT_FOUND. */
enum err vault_dir_open_object(struct vault_dir *v, const char *name, int *fd,
                               uint64_t *bytes);
/*
 * Start storing object name: ERR_VAULT_BAD_NAME; ERR_VAULT_OBJECT_EXISTS
 * (its mtime is refreshed); ERR_IO. *out until finish/abort.
 */
enum err vault_upload_begin(struct vault_dir *v, const char *name,
                            struct vault_upload **out);
/* Append bytes. ERR_HTTP_BODY_TOO_LARGE past the object limit; ERR_IO. */
enum err vault_upload_write(struct vault_upload *u, const void *p, size_t n);
/* Check the hash (ERR_VAULT_HASH_MISMATCH), make the object durable and
 * visible (ERR_VAULT_OBJECT_EXISTS if another writer won). Frees u. */
enum err vault_upload_finish(struct vault_upload *u);
/* Drop the upload (temp file removed). NULL is fine. */
void vault_upload_abort(struct vault_upload *u);
/* Store the file at path as object name (begin, copy, finish). */
enum err vault_dir_put_object_file(struct vault_dir *v, const char *name,
                                   const char *path);

/* ---- manifests ---- */

/*
 * Store n bytes at p as manifest seq of store, by the rules above:
 * ERR_VAULT_BAD_NAME, ERR_VAULT_MANIFEST_INVALID, ERR_VAULT_SIGNATURE,
 * ERR_VAULT_OBJECT_NOT_FOUND (detail names the missing object),
 * ERR_VAULT_MANIFEST_EXISTS, ERR_VAULT_MANIFEST_GAP (detail gives the last
 * sequence), ERR_IO.
 */
enum err vault_dir_put_manifest(struct vault_dir *v, const char *store,
                                int64_t seq, const char *p, size_t n);
/* Append manifest seq of store to out. ERR_VAULT_MANIFEST_NOT_FOUND. */
enum err vault_dir_get_manifest(struct vault_dir *v, const char *store,
                                int64_t seq, struct buf *out);
/* A store's manifests in sequence order (*out xmalloc'd, free()).
 * ERR_VAULT_MANIFEST_NOT_FOUND for a store without any. */
enum err vault_dir_list_manifests(struct vault_dir *v, const char *store,
                                  struct vault_manifest_ref **out, size_t *n);
/* Every store with a manifest, by id (*out xmalloc'd, free()). */
enum err vault_dir_list_stores(struct vault_dir *v,
                               struct vault_store_ref **out, size_t *n);

/* ---- prune (local only) ---- */

struct vault_prune_report {
    uint64_t stores;
    uint64_t manifests_kept, manifests_removed;
    uint64_t objects_kept, objects_removed;
    uint64_t bytes_removed;
    uint64_t temp_removed; /* abandoned uploads older than a day */
};

/*
 * Prune dir by the rules above, keeping keep_days (ERR_CONFIG below
 * VAULT_PRUNE_MIN_DAYS). With dry_run nothing is removed and *r says what
 * would be. A manifest that cannot be read stops the prune before anything
 * is removed (ERR_VAULT_MANIFEST_INVALID with its path).
 */
enum err vault_dir_prune(const char *dir, int64_t keep_days, bool dry_run,
                         struct vault_prune_report *r);

#endif
