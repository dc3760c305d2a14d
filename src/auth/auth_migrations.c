/*
 * auth_migrations.c — accounts, sessions and login throttling.
 *
 * Tenant store: the tenant's users (事業者ユーザー), their recovery codes,
 * sessions, known devices and in-app notices. Platform store: login failure
 * counters keyed by what was typed (tenant code + login id), so unknown
 * tenants and unknown ids are throttled exactly like real ones and responses
 * cannot tell them apart.
 */
#include "store/migrate.h"

#include <stddef.h>

/* The account tables, shared by tenant users and platform operators. */
#define ACCOUNT_TABLES(ROLE_CHECK)                                             \
    "CREATE TABLE users ("                                                     \
    " id INTEGER PRIMARY KEY,"                                                 \
    " login_id TEXT NOT NULL COLLATE NOCASE UNIQUE,"                           \
    " display_name TEXT NOT NULL,"                                             \
    " role TEXT NOT NULL CHECK (" ROLE_CHECK "),"                              \
    " email TEXT,"                                                             \
    " password_hash TEXT NOT NULL,"                                            \
    " totp_secret TEXT,"                                                       \
    " totp_pending TEXT,"                                                      \
    " totp_last_step INTEGER NOT NULL DEFAULT 0,"                              \
    " status TEXT NOT NULL DEFAULT 'active'"                                   \
    "  CHECK (status IN ('active', 'disabled')),"                              \
    " created_at TEXT NOT NULL,"                                               \
    " updated_at TEXT NOT NULL);"                                              \
    "CREATE TABLE recovery_codes ("                                            \
    " user_id INTEGER NOT NULL REFERENCES users (id),"                         \
    " code_hash TEXT NOT NULL,"                                                \
    " used_at TEXT,"                                                           \
    " PRIMARY KEY (user_id, code_hash));"                                      \
    "CREATE TABLE sessions ("                                                  \
    " token_hash TEXT NOT NULL PRIMARY KEY,"                                   \
    " user_id INTEGER NOT NULL REFERENCES users (id),"                         \
    " stage TEXT NOT NULL CHECK (stage IN ('mfa', 'enroll', 'full')),"         \
    " csrf TEXT NOT NULL,"                                                     \
    " created_at INTEGER NOT NULL,"                                            \
    " last_seen INTEGER NOT NULL,"                                             \
    " expires_at INTEGER NOT NULL,"                                            \
    " mfa_at INTEGER NOT NULL DEFAULT 0,"                                      \
    " ip TEXT,"                                                                \
    " user_agent TEXT);"                                                       \
    "CREATE INDEX sessions_user ON sessions (user_id);"                        \
    "CREATE TABLE known_devices ("                                             \
    " user_id INTEGER NOT NULL REFERENCES users (id),"                         \
    " fingerprint TEXT NOT NULL,"                                              \
    " first_seen TEXT NOT NULL,"                                               \
    " last_seen TEXT NOT NULL,"                                                \
    " PRIMARY KEY (user_id, fingerprint));"                                    \
    "CREATE TABLE notices ("                                                   \
    " id INTEGER PRIMARY KEY,"                                                 \
    " user_id INTEGER NOT NULL REFERENCES users (id),"                         \
    " kind TEXT NOT NULL,"                                                     \
    " message TEXT NOT NULL,"                                                  \
    " detail TEXT,"                                                            \
    " created_at TEXT NOT NULL,"                                               \
    " read_at TEXT);"                                                          \
    "CREATE INDEX notices_user ON notices (user_id, id);"

const struct migration auth_tenant_migrations[] = {
    {"auth", 1,
     ACCOUNT_TABLES("role IN ('admin', 'office', 'reader', 'delivery',"
                    " 'safety', 'accountant', 'readonly')")},
    {"auth", 2,
     "CREATE TABLE support_grants ("
     " id INTEGER PRIMARY KEY,"
     " operator_login TEXT NOT NULL COLLATE NOCASE,"
     " access TEXT NOT NULL CHECK (access IN ('read', 'write')),"
     " reason TEXT NOT NULL,"
     " granted_by INTEGER NOT NULL REFERENCES users (id),"
     " created_at TEXT NOT NULL,"
     " expires_at INTEGER NOT NULL,"
     " revoked_at TEXT);"
     "CREATE INDEX support_grants_operator ON support_grants"
     " (operator_login, expires_at);"},
    {"auth", 3,
     "CREATE TABLE approvals ("
     " id INTEGER PRIMARY KEY,"
     " action TEXT NOT NULL,"
     " target_user INTEGER NOT NULL REFERENCES users (id),"
     " params TEXT NOT NULL,"
     " requested_by INTEGER NOT NULL REFERENCES users (id),"
     " requested_at TEXT NOT NULL,"
     " expires_at INTEGER NOT NULL,"
     " status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN"
     "  ('pending', 'approved', 'rejected')),"
     " decided_by INTEGER REFERENCES users (id),"
     " decided_at TEXT);"
     "CREATE INDEX approvals_status ON approvals (status, id);"},
    {"auth", 4,
     "CREATE TABLE settings ("
     " key TEXT NOT NULL PRIMARY KEY,"
     " value TEXT NOT NULL);"
     "CREATE TABLE notify_outbox ("
     " id INTEGER PRIMARY KEY,"
     " channel TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),"
     " destination TEXT NOT NULL,"
     " subject TEXT,"
     " payload TEXT NOT NULL,"
     " created_at TEXT NOT NULL,"
     " attempts INTEGER NOT NULL DEFAULT 0,"
     " next_at INTEGER NOT NULL,"
     " delivered_at TEXT,"
     " last_error TEXT);"
     "CREATE INDEX notify_outbox_due ON notify_outbox (delivered_at, "
     "next_at);"},
    {"auth", 5,
     "CREATE TABLE api_tokens ("
     " id INTEGER PRIMARY KEY,"
     " name TEXT NOT NULL,"
     " token_hash TEXT NOT NULL UNIQUE,"
     " permissions TEXT NOT NULL,"
     " created_by INTEGER NOT NULL REFERENCES users (id),"
     " created_at TEXT NOT NULL,"
     " expires_at INTEGER NOT NULL,"
     " revoked_at TEXT);"},
    {NULL, 0, NULL},
};

const struct migration auth_platform_migrations[] = {
    {"auth", 1,
     "CREATE TABLE login_failures ("
     " account TEXT NOT NULL PRIMARY KEY," /* lower(tenant code)/lower(id) */
     " failures INTEGER NOT NULL,"
     " last_failure INTEGER NOT NULL,"
     " locked_until INTEGER NOT NULL DEFAULT 0);"},
    /* platform operators are the platform store's users: one realm, the
     * same sign-in machinery, never mixed with any tenant's users */
    {"auth", 2, ACCOUNT_TABLES("role = 'operator'")},
    {NULL, 0, NULL},
};
