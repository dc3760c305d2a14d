/*
 * restore.h — rebuild stores from a vault (restore.c) and check backups
 * against live stores (drill.c).
 */
#ifndef PL_VAULT_RESTORE_H
#define PL_VAULT_RESTORE_H

#include "core/err.h"

#include <stdbool.h>
#include <stdint.h>

struct vault_client;
struct keyring;

/* What restore_store_file() did. */
struct restore_result {
    int64_t manifest_seq; /* the manifest used */
    uint64_t seq;         /* the journal seq the file is as of */
    int64_t time_ms;      /* its commit time */
    uint64_t records;     /* changesets replayed */
    uint64_t bytes;       /* object bytes downloaded */
    int64_t audit_entry;  /* the restored chain's head entry */
    bool at_limited;      /* --at stopped before the manifest's end */
    uint64_t snapshot_ns; /* time spent: snapshot fetched and written, */
    uint64_t replay_ns;   /* changesets fetched and applied, committed, */
    uint64_t verify_ns;   /* integrity_check and the audit chain */
};

/* Progress callback: phase ("manifest", "snapshot", "replay", "verify") and
 * the bytes downloaded since the last call. */
typedef void (*restore_progress_fn)(void *arg, const char *store,
                                    const char *phase, uint64_t bytes);

/*
 * Rebuild store id from vault c into the new file path (removed on
 * failure): the newest manifest (or, with at_ms > 0, the newest whose
 * snapshot is not after at_ms, replaying no record committed after it),
 * its signature checked against trust->trusted, every object's hash and
 * authentication, the data key unwrapped with trust->backup, records
 * replayed exactly, PRAGMA integrity_check, and the audit chain verified
 * (its head equal to the manifest's unless --at stopped early). Errors,
 * with err_detail() naming the object or check: ERR_RESTORE_NO_BACKUP,
 * ERR_VAULT_SIGNATURE, ERR_VAULT_MANIFEST_INVALID, ERR_VAULT_HASH_MISMATCH,
 * ERR_VAULT_OBJECT_NOT_FOUND, ERR_BACKUP_DECRYPT, ERR_BACKUP_FORMAT,
 * ERR_REPLAY_CONFLICT, ERR_JOURNAL_GAP, ERR_RESTORE_INTEGRITY,
 * ERR_RESTORE_AUDIT, ERR_VAULT_UNAVAILABLE, ERR_IO.
 */
enum err restore_store_file(struct vault_client *c, const struct keyring *trust,
                            const char *id, int64_t at_ms, const char *path,
                            restore_progress_fn fn, void *arg,
                            struct restore_result *res);

/* Read the keys a restore needs: a recovery kit file, or DIR/keys of a
 * data dir (kit "" then). ERR_BACKUP_KIT_INVALID, ERR_BACKUP_KEYS_MISSING. */
enum err restore_load_keys(const char *kit, const char *data_keys,
                           struct keyring *kr);

/* `pilotlight restore` and `pilotlight drill`. */
int restore_main(int argc, char **argv);
int drill_main(int argc, char **argv);

#endif
