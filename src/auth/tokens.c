/*
 * tokens.c — API tokens in a tenant store.
 */
#include "auth/crypto.h"
#include "auth/tokens.h"
#include "core/timeutil.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
token_parse(const char *bearer, int64_t *tenant_id, const char **secret)
{
    if (!bearer || strncmp(bearer, "plt_", 4) != 0)
        return false;
    char *end;
    long long tid = strtoll(bearer + 4, &end, 10);
    if (tid <= 0 || *end != '_' || strlen(end + 1) != CRYPTO_TOKEN_CHARS)
        return false;
    *tenant_id = tid;
    *secret = end + 1;
    return true;
}

enum err
token_create(struct store *st, int64_t tenant_id, const char *name,
             const char *perms_json, int days, int64_t created_by, int64_t now,
             int64_t *id, char *text, size_t n)
{
    char secret[CRYPTO_TOKEN_CHARS + 1], hash[CRYPTO_DIGEST_HEX], ts[32];
    crypto_token(secret);
    crypto_digest_hex(secret, strlen(secret), hash);
    snprintf(text, n, "plt_%lld_%s", (long long)tenant_id, secret);
    crypto_wipe(secret, sizeof(secret));
    time_now_iso(ts);
    struct stmt *s;
    enum err rc = store_query(
        st, &s,
        "INSERT INTO api_tokens (name, token_hash, permissions, created_by,"
        " created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)"
        " RETURNING id",
        "tttiti", name, hash, perms_json, created_by, ts,
        now + (int64_t)days * 86400);
    bool row = false;
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *id = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

enum err
token_find(struct store *st, const char *secret, int64_t now, int64_t *id,
           char *name, size_t name_n, char *perms, size_t perms_n,
           int64_t *created_by)
{
    char hash[CRYPTO_DIGEST_HEX];
    crypto_digest_hex(secret, strlen(secret), hash);
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(st, &s,
                              "SELECT id, name, permissions, created_by"
                              " FROM api_tokens"
                              " WHERE token_hash = $1 AND revoked_at IS NULL"
                              " AND expires_at > $2",
                              "ti", hash, now);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        *id = stmt_int(s, 0);
        snprintf(name, name_n, "%s", stmt_text(s, 1));
        snprintf(perms, perms_n, "%s", stmt_text(s, 2));
        *created_by = stmt_int(s, 3);
    }
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_AUTH_REQUIRED, "no such token");
    return rc;
}

enum err
token_revoke(struct store *st, int64_t id)
{
    char ts[32];
    time_now_iso(ts);
    enum err rc = store_run(st,
                            "UPDATE api_tokens SET revoked_at = $1"
                            " WHERE id = $2 AND revoked_at IS NULL",
                            "ti", ts, id);
    if (!rc && store_changes(st) != 1)
        rc = err_fail(ERR_NOT_FOUND, "no such active token");
    return rc;
}
