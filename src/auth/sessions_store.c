/*
 * sessions_store.c — sessions in a tenant store, kept as token hashes.
 */
#include "auth/users.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#define TOUCH_EVERY_S 60

enum err
session_create(struct store *st, int64_t user_id, const char *stage,
               int64_t now, int64_t absolute_s, const char *ip,
               const char *user_agent, char *token, struct session *out)
{
    memset(out, 0, sizeof(*out));
    crypto_token(token);
    crypto_digest_hex(token, strlen(token), out->token_hash);
    crypto_token(out->csrf);
    out->user_id = user_id;
    snprintf(out->stage, sizeof(out->stage), "%s", stage);
    out->created_at = out->last_seen = now;
    out->expires_at = now + absolute_s;
    return store_run(st,
                     "INSERT INTO sessions (token_hash, user_id, stage, csrf,"
                     " created_at, last_seen, expires_at, ip, user_agent)"
                     " VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)",
                     "tittiitt", out->token_hash, user_id, stage, out->csrf,
                     now, out->expires_at, ip, user_agent);
}

enum err
session_find(struct store *st, const char *token, int64_t now, int64_t idle_s,
             struct session *out)
{
    char hash[CRYPTO_DIGEST_HEX];
    crypto_digest_hex(token, strlen(token), hash);
    struct stmt *s;
    enum err rc = store_query(st, &s,
                              "SELECT user_id, stage, csrf, created_at,"
                              " last_seen, expires_at, mfa_at FROM sessions"
                              " WHERE token_hash = $1",
                              "t", hash);
    bool row = false;
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        snprintf(out->token_hash, sizeof(out->token_hash), "%s", hash);
        out->user_id = stmt_int(s, 0);
        snprintf(out->stage, sizeof(out->stage), "%s", stmt_text(s, 1));
        snprintf(out->csrf, sizeof(out->csrf), "%s", stmt_text(s, 2));
        out->created_at = stmt_int(s, 3);
        out->last_seen = stmt_int(s, 4);
        out->expires_at = stmt_int(s, 5);
        out->mfa_at = stmt_int(s, 6);
    }
    stmt_done(s);
    if (rc)
        return rc;
    if (!row)
        return err_fail(ERR_AUTH_REQUIRED, "no such session");
    if (now >= out->expires_at || now - out->last_seen >= idle_s) {
        store_run(st, "DELETE FROM sessions WHERE token_hash = $1", "t", hash);
        return err_fail(ERR_AUTH_REQUIRED, "session expired");
    }
    return ERR_OK;
}

enum err
session_touch(struct store *st, const struct session *s, int64_t now)
{
    if (now - s->last_seen < TOUCH_EVERY_S)
        return ERR_OK;
    return store_run(st,
                     "UPDATE sessions SET last_seen = $1 WHERE token_hash = $2",
                     "it", now, s->token_hash);
}

enum err
session_mfa_done(struct store *st, const char *token_hash, int64_t now)
{
    return store_run(st,
                     "UPDATE sessions SET mfa_at = $1, last_seen = $1"
                     " WHERE token_hash = $2",
                     "it", now, token_hash);
}

enum err
session_delete(struct store *st, const char *token_hash)
{
    return store_run(st, "DELETE FROM sessions WHERE token_hash = $1", "t",
                     token_hash);
}

enum err
session_delete_user(struct store *st, int64_t user_id)
{
    return store_run(st, "DELETE FROM sessions WHERE user_id = $1", "i",
                     user_id);
}

enum err
session_delete_all(struct store *st)
{
    return store_run(st, "DELETE FROM sessions", "");
}
