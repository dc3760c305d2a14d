/*
 * keys.h — backup keys, per-store data keys and the recovery kit.
 *
 * Three kinds of key, all made on the backed-up host by `pilotlight keys
 * init` and kept in DATA/keys/ (directory 0700, files 0600, one line of hex
 * each; never overwritten):
 *
 *   backup.key    the backup key (32 random bytes). It wraps each store's
 *                 data key and nothing else. Whoever has it can read every
 *                 backup: it is what the recovery kit is for.
 *   signing.key   the seed of an Ed25519 key pair that signs manifests.
 *                 Needed to write backups, not to restore them.
 *   signing.pub   the Ed25519 public keys whose manifests are trusted (one
 *                 per line): the current one first, older ones after a
 *                 signing key was replaced.
 *   stores/<id>.key  a store's data key, wrapped by the backup key (key id
 *                 and wrapped hex), made on first use by keys_store_key().
 *
 * A data key (struct seal_key, 32 bytes) encrypts a store's objects. It is
 * random per store and travels wrapped in every manifest of that store:
 * XChaCha20-Poly1305 (crypto_aead_xchacha20poly1305_ietf) under the backup
 * key, random 24-byte nonce, associated data "pilotlight data key v1" +
 * store id + key id, so a wrapped key cannot be moved to another store.
 * Wrapped form: nonce (24) || ciphertext (32) || tag (16), 144 hex digits.
 *
 * The recovery kit (keys_kit_export) holds what a restore needs and nothing
 * more: the backup key and the signing public keys. The signing seed is
 * left out on purpose: a kit is the copy most likely to be seen by someone
 * else (paper in an office safe), and without the seed a leaked kit lets a
 * thief read backups but not forge a manifest a restore or the vault would
 * accept. After a disaster the rebuilt host makes a new signing key
 * (`keys init --signing-only`), the vault is told to trust it (`vault
 * trust`), and a new kit is printed.
 *
 * Kit text (version 1): lines starting with '#' are prose; every other
 * non-blank line is "label  hex hex … hex  check": the label, the key bytes
 * as groups of 4 hex digits (16 bytes a line), and 8 hex digits of
 * BLAKE2b("pilotlight kit v1|" label "|" the line's hex). Labels:
 * backup-key/1..2, signing-public-N/1..2 (N = 1..8), kit-check/1 (the first
 * 16 bytes of BLAKE2b over all key bytes in order: a dropped or mixed-in
 * line is caught even when every line checks).
 */
#ifndef PL_VAULT_KEYS_H
#define PL_VAULT_KEYS_H

#include "core/buf.h"
#include "core/err.h"
#include "vault/seal.h"

#include <stdbool.h>
#include <stddef.h>

#define KEYS_BACKUP_BYTES    32
#define KEYS_PUBLIC_BYTES    32
#define KEYS_SEED_BYTES      32
#define KEYS_SECRET_BYTES    64 /* libsodium's Ed25519 secret key */
#define KEYS_SIGNATURE_BYTES 64
#define KEYS_PUBLIC_HEX      65
#define KEYS_SIGNATURE_HEX   129
#define KEYS_PUBLIC_MAX      8
#define KEYS_WRAPPED_BYTES   (24 + 32 + 16)
#define KEYS_WRAPPED_HEX     (2 * KEYS_WRAPPED_BYTES + 1)
#define KEYS_KIT_MAX         (64 * 1024) /* bytes of kit text accepted */

/* What DATA/keys holds, in memory. keys_wipe() when done. */
struct keyring {
    bool has_backup;
    unsigned char backup[KEYS_BACKUP_BYTES];
    bool has_signing; /* sign_secret/sign_public are set */
    unsigned char sign_secret[KEYS_SECRET_BYTES];
    unsigned char sign_public[KEYS_PUBLIC_BYTES];
    size_t ntrusted; /* signing.pub: trusted manifest signers */
    unsigned char trusted[KEYS_PUBLIC_MAX][KEYS_PUBLIC_BYTES];
};

/* A data key wrapped by the backup key, as it travels in a manifest. */
struct keys_wrapped {
    char id[SEAL_KEY_ID_HEX];       /* the data key's id, 16 hex */
    char wrapped[KEYS_WRAPPED_HEX]; /* nonce || ciphertext || tag, hex */
};

/*
 * `keys init`: make DATA/keys/ with a new backup key and signing key pair.
 * ERR_BACKUP_KEYS_EXIST when any of the three files exists (nothing is
 * changed). With signing_only, make only signing.key (refused if present)
 * and add its public key first in signing.pub, keeping the trusted ones:
 * the step after `keys import` on a rebuilt host. ERR_IO with detail.
 */
enum err keys_init(const char *data_dir, bool signing_only);
/*
 * Read DATA/keys into *kr. ERR_BACKUP_KEYS_MISSING when there is no
 * backup.key; signing.key and signing.pub are optional (a restore-only host
 * has no signing.key). ERR_BACKUP_KEYS_MISSING also for a damaged file,
 * with detail naming it. Files readable by others are refused (ERR_CONFIG).
 */
enum err keys_load(const char *data_dir, struct keyring *kr);
/* Wipe every secret in *kr. */
void keys_wipe(struct keyring *kr);

/* Append the recovery kit of kr (backup key, trusted public keys) to out.
 * ERR_BACKUP_KEYS_MISSING without a backup key or a public key. */
enum err keys_kit_export(const struct keyring *kr, struct buf *out);
/*
 * Read a kit into *kr (backup key and trusted keys; no signing key).
 * ERR_BACKUP_KIT_INVALID with detail naming the line and the problem
 * (checksum, not hex, a missing or repeated line, kit-check mismatch).
 */
enum err keys_kit_parse(const char *text, size_t n, struct keyring *kr);
/* `keys import`: write kr's backup key and trusted keys into DATA/keys
 * (ERR_BACKUP_KEYS_EXIST when backup.key or signing.pub exists). */
enum err keys_import(const char *data_dir, const struct keyring *kr);

/* A public key as 64 hex digits into out[KEYS_PUBLIC_HEX]. */
void keys_public_hex(const unsigned char *pub, char *out);
/* Parse 64 hex digits (either case) into pub. ERR_INVALID otherwise. */
enum err keys_public_parse(const char *hex, unsigned char *pub);

/* Sign n bytes at msg with kr's signing key (ERR_BACKUP_KEYS_MISSING
 * without one) into sig[KEYS_SIGNATURE_BYTES]. */
enum err keys_sign(const struct keyring *kr, const void *msg, size_t n,
                   unsigned char *sig);
/* True when sig is pub's signature of msg. */
bool keys_verify(const unsigned char *pub, const void *msg, size_t n,
                 const unsigned char *sig);

/* Wrap data key dk of store with kr's backup key. */
enum err keys_wrap(const struct keyring *kr, const char *store,
                   const struct seal_key *dk, struct keys_wrapped *out);
/*
 * Unwrap w for store with kr's backup key. ERR_BACKUP_DECRYPT when it does
 * not authenticate (another installation's backup key, another store's
 * key, altered bytes); ERR_BACKUP_FORMAT when w is malformed.
 */
enum err keys_unwrap(const struct keyring *kr, const char *store,
                     const struct keys_wrapped *w, struct seal_key *dk);
/*
 * store's data key for backing up: read DATA/keys/stores/<store>.key, or
 * make, wrap and save a new one (atomically; two callers racing get the
 * same key). *dk and *w are both filled. ERR_INVALID for a bad store id.
 */
enum err keys_store_key(const char *data_dir, const struct keyring *kr,
                        const char *store, struct seal_key *dk,
                        struct keys_wrapped *w);

#endif
