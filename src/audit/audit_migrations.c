/*
 * audit_migrations.c — the audit_log table, in both kinds of store.
 *
 * Version 1 is released: never edit it; change the table with a new version.
 *
 * Version 2 adds the hash chain (see audit.h): ip and user_agent, prev_hash
 * and hash. BLAKE2b cannot be computed in SQL, so rows already present keep
 * hash '' and audit_verify() treats them as pre-chain entries, accepted
 * only before the first hashed one (there was no production data before
 * version 2). From then on a trigger refuses any INSERT without a
 * 64-character hash: entries are written by audit_append() alone. The
 * indexes serve audit_search(), newest first, by actor, action or target.
 */
#include "store/migrate.h"

#include <stddef.h>

#define AUDIT_V1                                                               \
    "CREATE TABLE audit_log ("                                                 \
    " id INTEGER PRIMARY KEY,"                                                 \
    " ts TEXT NOT NULL,"                                                       \
    " actor TEXT NOT NULL,"                                                    \
    " action TEXT NOT NULL,"                                                   \
    " target TEXT,"                                                            \
    " detail TEXT);"                                                           \
    "CREATE INDEX audit_log_ts ON audit_log (ts);"                             \
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"            \
    " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"             \
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"            \
    " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"

#define AUDIT_V2                                                               \
    "ALTER TABLE audit_log ADD COLUMN ip TEXT;"                                \
    "ALTER TABLE audit_log ADD COLUMN user_agent TEXT;"                        \
    "ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';"     \
    "ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';"          \
    "CREATE INDEX audit_log_actor ON audit_log (actor, id);"                   \
    "CREATE INDEX audit_log_action ON audit_log (action, id);"                 \
    "CREATE INDEX audit_log_target ON audit_log (target, id);"                 \
    "CREATE TRIGGER audit_log_hashed_only BEFORE INSERT ON audit_log"          \
    " WHEN length(NEW.hash) <> 64 OR length(NEW.prev_hash) NOT IN (0, 64)"     \
    " BEGIN SELECT RAISE(ABORT, 'audit_log entries must be hashed'); END;"

const struct migration audit_platform_migrations[] = {
    {"audit", 1, AUDIT_V1},
    {"audit", 2, AUDIT_V2},
    {NULL, 0, NULL},
};

const struct migration audit_tenant_migrations[] = {
    {"audit", 1, AUDIT_V1},
    {"audit", 2, AUDIT_V2},
    {NULL, 0, NULL},
};
