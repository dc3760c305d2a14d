/*
 * devkey.h — the keys of monitoring devices (集中監視の機器鍵), over
 * libsodium (this folder is the only place that includes sodium.h).
 *
 * A device signs each batch it posts to ingest with HMAC-SHA256 under its
 * own 32-byte key:
 *
 *   X-Signature = hex(HMAC-SHA256(key, X-Timestamp "\n" body))
 *
 * ingest must be able to compute that HMAC, so it needs the key itself,
 * not a hash of it. The key is therefore stored encrypted, and the design
 * choice is whom it is encrypted to:
 *
 *   sealed to ingest   ingest owns an X25519 key pair (the secret half in
 *                      DATA/ingest/device-seal.key, mode 0600; the public
 *                      half published in the platform store). Whoever
 *                      registers a device (serve's API, the CLI) makes a
 *                      random key, shows it once, and stores only
 *                      crypto_box_seal(ingest's public key, key). Only
 *                      ingest can open it.
 *
 * Why not one server secret for both processes (secretbox), or per-device
 * keys derived from a master (crypto_kdf)? Both put a secret that yields
 * every device key into serve — the process that faces users and was the
 * one attacked in 2023. Sealing gives serve the power to make keys but
 * not to read any back: a stolen platform.db plus serve's whole data dir
 * reveals no device key. A derived-key master would also make rotating
 * the master re-key every device in the field; sealed keys survive a new
 * ingest key pair by re-sealing (see docs/operations.md).
 *
 * The sealed plaintext binds the key to its row: "pl-devkey-v1" NUL,
 * device id, NUL, epoch (8 bytes, little endian), key. ingest checks the
 * id and epoch on opening, so a sealed key copied onto another device's
 * row, or an old epoch's key put back, does not open.
 *
 * A key is identified without revealing it by its fingerprint: the first
 * 8 bytes of BLAKE2b-256(key), hex (16 characters).
 */
#ifndef PL_AUTH_DEVKEY_H
#define PL_AUTH_DEVKEY_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEVKEY_BYTES      32  /* HMAC-SHA256 key */
#define DEVKEY_HEX        65  /* 64 hex + NUL */
#define DEVKEY_FP_HEX     17  /* fingerprint: 16 hex + NUL */
#define DEVKEY_SEAL_PK    32  /* X25519 public key */
#define DEVKEY_SEAL_SK    32  /* X25519 secret key */
#define DEVKEY_SEALED_MAX 256 /* base64 of a sealed key, with NUL */
#define DEVKEY_SIG_HEX    65  /* HMAC-SHA256 as hex + NUL */

/* A new random device key. */
void devkey_generate(unsigned char key[DEVKEY_BYTES]);
/* key as 64 lowercase hex characters. */
void devkey_hex(const unsigned char key[DEVKEY_BYTES], char out[DEVKEY_HEX]);
/* Parse 64 hex characters; false when malformed. */
bool devkey_from_hex(const char *hex, unsigned char key[DEVKEY_BYTES]);
/* The key's fingerprint (16 hex). */
void devkey_fingerprint(const unsigned char key[DEVKEY_BYTES],
                        char out[DEVKEY_FP_HEX]);

/*
 * Seal key for device_id at epoch to the public key pk: base64 (no
 * padding, URL-safe) into out[DEVKEY_SEALED_MAX].
 */
void devkey_seal(const unsigned char pk[DEVKEY_SEAL_PK], const char *device_id,
                 int64_t epoch, const unsigned char key[DEVKEY_BYTES],
                 char out[DEVKEY_SEALED_MAX]);
/*
 * Open a sealed key with the pair (pk, sk). ERR_DEVICE_KEY_UNREADABLE
 * when it is malformed, sealed to another key pair, or made for another
 * device id or epoch.
 */
enum err devkey_open(const unsigned char pk[DEVKEY_SEAL_PK],
                     const unsigned char sk[DEVKEY_SEAL_SK], const char *sealed,
                     const char *device_id, int64_t epoch,
                     unsigned char key[DEVKEY_BYTES]);

/*
 * The sealing key pair in the file at path (64 hex characters of the
 * secret key, mode 0600): read it, or, when create is set and the file
 * does not exist, make a new pair and write it (O_EXCL, fsync). The file
 * must not be readable by group or others. ERR_CONFIG with the reason.
 */
enum err devkey_pair_load(const char *path, bool create,
                          unsigned char pk[DEVKEY_SEAL_PK],
                          unsigned char sk[DEVKEY_SEAL_SK], bool *created);
/* The id of a sealing public key: first 8 bytes of BLAKE2b-256, hex. */
void devkey_pk_id(const unsigned char pk[DEVKEY_SEAL_PK],
                  char out[DEVKEY_FP_HEX]);
/* Public key to/from 64 hex characters. */
void devkey_pk_hex(const unsigned char pk[DEVKEY_SEAL_PK], char out[65]);
bool devkey_pk_from_hex(const char *hex, unsigned char pk[DEVKEY_SEAL_PK]);

/* HMAC-SHA256(key, ts "\n" body) as lowercase hex into out. */
void devkey_sign(const unsigned char key[DEVKEY_BYTES], const char *ts,
                 const void *body, size_t len, char out[DEVKEY_SIG_HEX]);
/*
 * True when sig_hex (64 hex characters, either case) is the signature of
 * ts and body under key; compared in constant time. raw receives the 32
 * signature bytes (the replay cache keys on them) when it is not NULL.
 */
bool devkey_verify(const unsigned char key[DEVKEY_BYTES], const char *ts,
                   const void *body, size_t len, const char *sig_hex,
                   unsigned char raw[32]);
/* Wipe n bytes (not optimised away). */
void devkey_wipe(void *p, size_t n);

#endif
