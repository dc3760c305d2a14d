/*
 * manifest.h — signed manifests: what a store's backup consists of.
 *
 * A manifest says, for one store at one moment, which objects rebuild it:
 * the snapshot and the changesets after it, in the order they apply, plus
 * what the restored store must then show (the audit chain head, the schema
 * versions) and the store's data key wrapped by the backup key. Each
 * manifest stands alone: the newest one is enough to restore the store, and
 * any older one restores it as it was then.
 *
 * Sequence numbers start at 1 and go up by exactly 1 per store; the vault
 * refuses a gap or a second manifest with the same number.
 *
 * The document (JSON, UTF-8; every field required):
 *
 *   {"format": "pilotlight-manifest", "version": 1,
 *    "store": "t-0001", "seq": 42, "time": "2026-05-01T03:00:00.000Z",
 *    "snapshot": "<object name>" | null,
 *    "changesets": ["<object name>", …],
 *    "audit": {"hash": "<64 hex>", "entry": 1234} | null,
 *    "schema": {"<component>": <version>, …},
 *    "data_key": {"id": "<16 hex>", "wrapped": "<144 hex>"},
 *    "signer": "<Ed25519 public key, 64 hex>",
 *    "signature": "<Ed25519 signature, 128 hex>"}
 *
 * Signature: Ed25519 (crypto_sign_detached) over the bytes
 * "pilotlight manifest v1\n" followed by the canonical form: the document
 * without "signature", keys sorted bytewise, no white space, integers in
 * decimal. Every value is ASCII without quotes or backslashes (checked on
 * parse), so the canonical form needs no escaping rules. Verification
 * rebuilds the canonical form from the parsed values, so formatting changes
 * do not matter and any changed value does.
 */
#ifndef PL_VAULT_MANIFEST_H
#define PL_VAULT_MANIFEST_H

#include "core/buf.h"
#include "core/err.h"
#include "vault/keys.h"
#include "vault/seal.h"
#include "vault/vault.h"

#include <stddef.h>
#include <stdint.h>

#define MANIFEST_FORMAT         "pilotlight-manifest"
#define MANIFEST_VERSION        1
#define MANIFEST_MAX_BYTES      (8u << 20) /* a document, in bytes */
#define MANIFEST_CHANGESETS_MAX 100000
#define MANIFEST_SCHEMA_MAX     32
#define MANIFEST_SCHEMA_NAME    33 /* [a-z0-9_]{1,32} + NUL */

struct manifest_schema {
    char name[MANIFEST_SCHEMA_NAME];
    int64_t version;
};

struct manifest {
    char store[VAULT_STORE_MAX];
    int64_t seq;                  /* 1..VAULT_SEQ_MAX */
    char time[32];                /* UTC "YYYY-MM-DDTHH:MM:SS.mmmZ" */
    char snapshot[SEAL_NAME_HEX]; /* "" = none */
    size_t nchangesets;
    char (*changesets)[SEAL_NAME_HEX]; /* owned; in apply order */
    size_t changesets_cap;
    char audit_hash[SEAL_NAME_HEX]; /* "" = no audit chain (null) */
    int64_t audit_entry;            /* id of the chain's newest entry */
    size_t nschema;
    struct manifest_schema schema[MANIFEST_SCHEMA_MAX];
    struct keys_wrapped data_key;
    char signer[KEYS_PUBLIC_HEX];       /* set by manifest_sign/parse */
    char signature[KEYS_SIGNATURE_HEX]; /* set by manifest_sign/parse */
};

/* An empty manifest. manifest_free() releases it. */
void manifest_init(struct manifest *m);
void manifest_free(struct manifest *m);
/* Append an object name to the changesets. ERR_INVALID for a malformed
 * name, ERR_TOO_LARGE past MANIFEST_CHANGESETS_MAX. */
enum err manifest_add_changeset(struct manifest *m, const char *name);
/* Set a schema version ([a-z0-9_]{1,32}, version >= 0). ERR_INVALID. */
enum err manifest_set_schema(struct manifest *m, const char *name,
                             int64_t version);

/*
 * Check m's fields, sign it with kr's signing key (setting m->signer and
 * m->signature) and append the document to out. ERR_VAULT_MANIFEST_INVALID
 * (detail names the field), ERR_BACKUP_KEYS_MISSING without a signing key.
 */
enum err manifest_sign(struct manifest *m, const struct keyring *kr,
                       struct buf *out);
/* Append the bytes that are signed ("pilotlight manifest v1\n" and the
 * canonical form) to out. */
enum err manifest_signed_bytes(const struct manifest *m, struct buf *out);
/* Append the whole document (with signature) to out. */
enum err manifest_to_json(const struct manifest *m, struct buf *out);
/*
 * Parse a document strictly into *m (initialised here; manifest_free it
 * even on failure): unknown or missing fields, wrong types, malformed names,
 * a format version newer than MANIFEST_VERSION are ERR_VAULT_MANIFEST_INVALID
 * with detail. The signature is not checked.
 */
enum err manifest_parse(const char *p, size_t n, struct manifest *m);
/*
 * Check m's signature against the public keys trust->trusted (only those
 * are used). ERR_VAULT_SIGNATURE when the signer is not trusted or the
 * signature does not verify (the document was altered).
 */
enum err manifest_verify(const struct manifest *m, const struct keyring *trust);
/* manifest_parse, then manifest_verify. */
enum err manifest_open(const char *p, size_t n, const struct keyring *trust,
                       struct manifest *m);

#endif
