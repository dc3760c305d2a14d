/*
 * audit_migrations.c — the audit_log table, in both kinds of store.
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

const struct migration audit_platform_migrations[] = {
    {"audit", 1, AUDIT_V1},
    {NULL, 0, NULL},
};

const struct migration audit_tenant_migrations[] = {
    {"audit", 1, AUDIT_V1},
    {NULL, 0, NULL},
};
