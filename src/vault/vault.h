/*
 * vault.h — the vocabulary every part of backup and recovery shares: store
 * ids and the limits that keep names safe to use as file names.
 *
 * A store id names one backed-up database: "platform", or a tenant store
 * such as "t-0001". It is 1–64 characters from [a-z0-9_-], starting with a
 * letter or digit: no dot, no slash, no upper case, so it is always one
 * safe path segment on every file system and in every URL, and two ids
 * never differ only by case.
 */
#ifndef PL_VAULT_VAULT_H
#define PL_VAULT_VAULT_H

#include <stdbool.h>
#include <stdint.h>

#define VAULT_STORE_MAX      65                /* 64 characters + NUL */
#define VAULT_SEQ_MAX        999999999999999LL /* 15 digits: sortable names */
#define VAULT_HASH_HEX       65 /* BLAKE2b-256 hex + NUL (= SEAL_NAME_HEX) */
#define VAULT_PRUNE_MIN_DAYS 30 /* prune never keeps less than this */

/* One manifest in a store's list: its number and the BLAKE2b-256 of its
 * bytes as stored. */
struct vault_manifest_ref {
    int64_t seq;
    char hash[VAULT_HASH_HEX];
    uint64_t bytes;
};

/* One store in a vault: its id, newest sequence, how many manifests. */
struct vault_store_ref {
    char id[VAULT_STORE_MAX];
    int64_t last_seq;
    uint64_t manifests;
};

/* True when s is a valid store id (see above). */
bool vault_store_id_valid(const char *s);
/* Parse a sequence number: decimal digits only, 1..VAULT_SEQ_MAX, no sign,
 * no leading zero. False otherwise. */
bool vault_seq_parse(const char *s, int64_t *out);

#endif
