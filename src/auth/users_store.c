/*
 * users_store.c — SQL for users, recovery codes, sessions and notices in a
 * tenant store.
 */
#include "auth/notify.h"
#include "auth/users.h"
#include "core/timeutil.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#define USER_COLS                                                              \
    "id, login_id, display_name, role, coalesce(email, ''), password_hash,"    \
    " coalesce(totp_secret, ''), coalesce(totp_pending, ''), totp_last_step,"  \
    " status, created_at, updated_at"

static void
col(struct stmt *s, int i, char *dst, size_t n)
{
    const char *v = stmt_text(s, i);
    snprintf(dst, n, "%s", v ? v : "");
}

static void
read_user(struct stmt *s, struct user *u)
{
    u->id = stmt_int(s, 0);
    col(s, 1, u->login_id, sizeof(u->login_id));
    col(s, 2, u->display_name, sizeof(u->display_name));
    col(s, 3, u->role, sizeof(u->role));
    col(s, 4, u->email, sizeof(u->email));
    col(s, 5, u->password_hash, sizeof(u->password_hash));
    col(s, 6, u->totp_secret, sizeof(u->totp_secret));
    col(s, 7, u->totp_pending, sizeof(u->totp_pending));
    u->totp_last_step = stmt_int(s, 8);
    col(s, 9, u->status, sizeof(u->status));
    col(s, 10, u->created_at, sizeof(u->created_at));
    col(s, 11, u->updated_at, sizeof(u->updated_at));
}

/* Step a prepared user query once into *u. */
static enum err
one_user(struct stmt *s, struct user *u)
{
    bool row = false;
    enum err rc = stmt_step(s, &row);
    if (!rc && row)
        read_user(s, u);
    else if (!rc)
        rc = err_fail(ERR_AUTH_USER_NOT_FOUND, "no such user");
    stmt_done(s);
    return rc;
}

enum err
user_find_login(struct store *st, const char *login_id, struct user *out)
{
    struct stmt *s;
    enum err rc = store_query(
        st, &s, "SELECT " USER_COLS " FROM users WHERE login_id = $1", "t",
        login_id);
    return rc ? rc : one_user(s, out);
}

enum err
user_find_id(struct store *st, int64_t id, struct user *out)
{
    struct stmt *s;
    enum err rc = store_query(
        st, &s, "SELECT " USER_COLS " FROM users WHERE id = $1", "i", id);
    return rc ? rc : one_user(s, out);
}

enum err
user_insert(struct store *st, const char *login_id, const char *display_name,
            const char *role, const char *email, const char *password_hash,
            struct user *out)
{
    char now[32];
    time_now_iso(now);
    struct stmt *s;
    enum err rc = store_query(
        st, &s,
        "INSERT INTO users (login_id, display_name, role, email,"
        " password_hash, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING " USER_COLS,
        "tttttt", login_id, display_name, role, email, password_hash, now);
    if (rc)
        return rc;
    rc = one_user(s, out);
    if (rc == ERR_STORE_CONSTRAINT)
        rc = err_fail(ERR_AUTH_USER_EXISTS, "login id %s is already used",
                      login_id);
    return rc;
}

/* UPDATE one user; ERR_AUTH_USER_NOT_FOUND when no row changed. */
static enum err
changed_one(struct store *st, enum err rc)
{
    if (!rc && store_changes(st) != 1)
        rc = err_fail(ERR_AUTH_USER_NOT_FOUND, "no such user");
    return rc;
}

enum err
user_set_password(struct store *st, int64_t id, const char *hash)
{
    char now[32];
    time_now_iso(now);
    return changed_one(
        st, store_run(st,
                      "UPDATE users SET password_hash = $1, updated_at = $2"
                      " WHERE id = $3",
                      "tti", hash, now, id));
}

enum err
user_set_totp(struct store *st, int64_t id, const char *secret,
              const char *pending, int64_t last_step)
{
    char now[32];
    time_now_iso(now);
    return changed_one(
        st,
        store_run(st,
                  "UPDATE users SET totp_secret = $1, totp_pending = $2,"
                  " totp_last_step = $3, updated_at = $4 WHERE id = $5",
                  "ttiti", secret && *secret ? secret : NULL,
                  pending && *pending ? pending : NULL, last_step, now, id));
}

enum err
user_set_role(struct store *st, int64_t id, const char *role)
{
    char now[32];
    time_now_iso(now);
    return changed_one(st,
                       store_run(st,
                                 "UPDATE users SET role = $1, updated_at = $2"
                                 " WHERE id = $3",
                                 "tti", role, now, id));
}

enum err
user_set_status(struct store *st, int64_t id, const char *status)
{
    char now[32];
    time_now_iso(now);
    return changed_one(st,
                       store_run(st,
                                 "UPDATE users SET status = $1, updated_at = $2"
                                 " WHERE id = $3",
                                 "tti", status, now, id));
}

enum err
user_set_name(struct store *st, int64_t id, const char *name)
{
    char now[32];
    time_now_iso(now);
    return changed_one(
        st, store_run(st,
                      "UPDATE users SET display_name = $1, updated_at = $2"
                      " WHERE id = $3",
                      "tti", name, now, id));
}

enum err
user_change(struct store *st, const struct user *u, const char *name,
            const char *role, const char *status)
{
    enum err rc = ERR_OK;
    bool cut = false;
    if (name)
        rc = user_set_name(st, u->id, name);
    if (!rc && role && strcmp(role, u->role)) {
        rc = user_set_role(st, u->id, role);
        cut = true;
    }
    if (!rc && status && strcmp(status, u->status)) {
        rc = user_set_status(st, u->id, status);
        cut = cut || !strcmp(status, "disabled");
    }
    return !rc && cut ? session_delete_user(st, u->id) : rc;
}

enum err
user_reset_mfa(struct store *st, int64_t user_id)
{
    enum err rc = user_set_totp(st, user_id, NULL, NULL, 0);
    if (!rc)
        rc = store_run(st, "DELETE FROM recovery_codes WHERE user_id = $1", "i",
                       user_id);
    return rc ? rc : session_delete_user(st, user_id);
}

enum err
user_each(struct store *st, bool (*fn)(const struct user *u, void *), void *arg)
{
    struct stmt *s;
    enum err rc = store_query(
        st, &s, "SELECT " USER_COLS " FROM users ORDER BY login_id", "");
    bool row;
    struct user u;
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        read_user(s, &u);
        if (!fn(&u, arg))
            break;
    }
    stmt_done(s);
    return rc;
}

enum err
recovery_replace(struct store *st, int64_t user_id,
                 char hashes[][CRYPTO_DIGEST_HEX], int n)
{
    enum err rc = store_run(st, "DELETE FROM recovery_codes WHERE user_id = $1",
                            "i", user_id);
    for (int i = 0; i < n && !rc; i++)
        rc = store_run(st,
                       "INSERT INTO recovery_codes (user_id, code_hash)"
                       " VALUES ($1, $2)",
                       "it", user_id, hashes[i]);
    return rc;
}

enum err
recovery_use(struct store *st, int64_t user_id, const char *hash)
{
    char now[32];
    time_now_iso(now);
    enum err rc = store_run(st,
                            "UPDATE recovery_codes SET used_at = $1"
                            " WHERE user_id = $2 AND code_hash = $3"
                            " AND used_at IS NULL",
                            "tit", now, user_id, hash);
    if (!rc && store_changes(st) != 1)
        rc = err_fail(ERR_AUTH_TOTP_INVALID, "no such unused recovery code");
    return rc;
}

enum err
notice_admins(struct store *st, int64_t except_id, const char *kind,
              const char *message_ja, const char *detail_json)
{
    struct stmt *s;
    int64_t ids[64];
    int n = 0;
    bool row;
    enum err rc = store_query(st, &s,
                              "SELECT id FROM users WHERE role = 'admin'"
                              " AND status = 'active' AND id <> $1"
                              " ORDER BY id LIMIT 64",
                              "i", except_id);
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        ids[n++] = stmt_int(s, 0);
    stmt_done(s);
    for (int i = 0; i < n && !rc; i++)
        rc = notice_add(st, ids[i], kind, message_ja, detail_json);
    return rc;
}

enum err
notice_add(struct store *st, int64_t user_id, const char *kind,
           const char *message_ja, const char *detail_json)
{
    struct user u;
    enum err rc = user_find_id(st, user_id, &u);
    if (!rc)
        rc = notify_queue(st, &u, kind, message_ja, detail_json);
    if (rc)
        return rc;
    char now[32];
    time_now_iso(now);
    return store_run(st,
                     "INSERT INTO notices (user_id, kind, message, detail,"
                     " created_at) VALUES ($1, $2, $3, $4, $5)",
                     "itttt", user_id, kind, message_ja, detail_json, now);
}
