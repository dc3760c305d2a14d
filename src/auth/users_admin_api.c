/*
 * users_admin_api.c — changing users: role, name, status, second factor,
 * lock, sessions; and a user's own notices. Routes are in users_api.c.
 *
 * Disabling a user, changing their role or resetting their second factor
 * ends all of their sessions at once.
 */
#include "auth/approvals.h"
#include "auth/auth.h"
#include "auth/auth_api.h"
#include "auth/roles.h"
#include "auth/throttle.h"
#include "store/pool.h"
#include "core/timeutil.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct change {
    const char *name, *role, *status;
};

static enum err
read_change(struct req *r, struct change *c)
{
    json_t *b;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    static const char *const allowed[] = {"display_name", "role", "status",
                                          NULL};
    struct jcheck k;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    jcheck_str(&k, b, "display_name", USER_NAME_MAX_CHARS, 0, &c->name);
    jcheck_str(&k, b, "role", 16, 0, &c->role);
    jcheck_str(&k, b, "status", 16, 0, &c->status);
    if (c->role && !role_valid(c->role))
        jcheck_add(&k, "role", "unknown", "役割が正しくありません");
    if (c->status && strcmp(c->status, "active") &&
        strcmp(c->status, "disabled"))
        jcheck_add(&k, "status", "unknown",
                   "active か disabled を指定してください");
    if (c->name && !*c->name)
        jcheck_add(&k, "display_name", "required", "必須項目です");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

/* Run fn in a transaction, then audit and answer with the user. */
static enum err
apply(struct req *r, struct user *u, const char *action, json_t *detail,
      enum err (*fn)(struct store *, struct user *, const void *),
      const void *arg)
{
    struct auth_ctx *a = auth_ctx(r);
    char target[48];
    snprintf(target, sizeof(target), "user:%" PRId64, u->id);
    enum err rc = store_tx_begin(a->st);
    if (rc) {
        json_decref(detail);
        return rc;
    }
    if ((rc = fn(a->st, u, arg)))
        json_decref(detail);
    else if (!(rc = auth_audit(r, a->st, NULL, action, target, detail)))
        rc = store_tx_commit(a->st);
    if (rc) {
        store_tx_rollback(a->st);
        return rc;
    }
    user_find_id(a->st, u->id, u);
    resp_json(r, 200, auth_user_json(u));
    return ERR_OK;
}

static enum err
do_change(struct store *st, struct user *u, const void *arg)
{
    const struct change *c = arg;
    return user_change(st, u, c->name, c->role, c->status);
}

/* Put a role change or MFA reset through dual control; answer with the
 * user when it applied at once. */
enum err
guarded(struct req *r, struct user *u, const char *action, json_t *params)
{
    bool pending = false;
    enum err rc = approval_or_apply(r, action, u, params, &pending);
    json_decref(params);
    if (!rc && !pending && !(rc = user_find_id(auth_ctx(r)->st, u->id, u)))
        resp_json(r, 200, auth_user_json(u));
    return rc;
}

enum err
users_patch(struct req *r)
{
    struct user u;
    struct change c = {0};
    enum err rc = read_change(r, &c);
    if (rc || (rc = users_path_user(r, &u)))
        return rc;
    if (u.id == auth_ctx(r)->user.id && (c.role || c.status))
        return err_fail(ERR_CONFLICT,
                        "an admin cannot change their own role or status");
    const char *new_role = c.role && strcmp(c.role, u.role) ? c.role : NULL;
    bool disable_admin = c.status && !strcmp(c.status, "disabled") &&
                         !strcmp(u.role, "admin") &&
                         strcmp(u.status, "disabled");
    c.role = NULL; /* the role goes through dual control, the rest not */
    if (disable_admin) {
        if (c.name || new_role)
            return err_fail(ERR_CONFLICT, "disable an admin on its own");
        return guarded(r, &u, "user.status",
                       json_pack("{s:s}", "status", "disabled"));
    }
    if (c.name || c.status || !new_role) {
        json_t *d =
            json_pack("{s:{s:s, s:s}, s:{s:s?, s:s?}}", "before",
                      "display_name", u.display_name, "status", u.status,
                      "after", "display_name", c.name, "status", c.status);
        if ((rc = apply(r, &u, "user.update", d, do_change, &c)) || !new_role)
            return rc;
    }
    return guarded(r, &u, "user.role",
                   json_pack("{s:s, s:s}", "role", new_role, "before", u.role));
}

enum err
users_reset_mfa(struct req *r)
{
    struct user u;
    enum err rc = users_path_user(r, &u);
    return rc ? rc : guarded(r, &u, "user.reset_mfa", json_object());
}

static enum err
do_revoke(struct store *st, struct user *u, const void *arg)
{
    (void)arg;
    return session_delete_user(st, u->id);
}

enum err
users_revoke(struct req *r)
{
    struct user u;
    enum err rc = users_path_user(r, &u);
    return rc ? rc
              : apply(r, &u, "user.revoke_sessions", NULL, do_revoke, NULL);
}

static enum err
do_unlock(struct store *st, struct user *u, const void *arg)
{
    (void)st;
    const struct auth_ctx *a = arg;
    struct store *platform;
    char key[160];
    throttle_key(a->tenant.code, u->login_id, key, sizeof(key));
    enum err rc = pool_platform(&platform);
    return rc ? rc : throttle_clear(platform, key);
}

enum err
users_unlock(struct req *r)
{
    struct user u;
    enum err rc = users_path_user(r, &u);
    return rc ? rc : apply(r, &u, "user.unlock", NULL, do_unlock, auth_ctx(r));
}

enum err
users_revoke_all(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    enum err rc = store_tx_begin(a->st);
    if (!rc && !(rc = session_delete_all(a->st)) &&
        !(rc = auth_audit(r, a->st, NULL, "session.revoke_all", a->tenant.code,
                          NULL)))
        rc = store_tx_commit(a->st);
    if (rc) {
        store_tx_rollback(a->st);
        return rc;
    }
    resp_empty(r, 204);
    auth_set_cookie(r, a->tenant.id, NULL, 0);
    return ERR_OK;
}

enum err
notices_get(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct stmt *s;
    enum err rc = store_query(a->st, &s,
                              "SELECT id, kind, message, detail, created_at,"
                              " read_at FROM notices WHERE user_id = $1"
                              " ORDER BY id DESC LIMIT 100",
                              "i", a->user.id);
    json_t *list = json_array();
    bool row;
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s, s:s?, s:s, s:s?}", "id",
                            (json_int_t)stmt_int(s, 0), "kind", stmt_text(s, 1),
                            "message", stmt_text(s, 2), "detail",
                            stmt_text(s, 3), "created_at", stmt_text(s, 4),
                            "read_at", stmt_text(s, 5)));
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    resp_json(r, 200, json_pack("{s:o}", "notices", list));
    return ERR_OK;
}

enum err
notices_read(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    char *end, now[32];
    long long id = strtoll(req_param(r, "id"), &end, 10);
    if (*end || id <= 0)
        return err_fail(ERR_NOT_FOUND, "no such notice");
    time_now_iso(now);
    enum err rc = store_run(a->st,
                            "UPDATE notices SET read_at = coalesce(read_at,"
                            " $1) WHERE id = $2 AND user_id = $3",
                            "tii", now, (int64_t)id, a->user.id);
    if (!rc && store_changes(a->st) != 1) /* only one's own notices */
        rc = err_fail(ERR_NOT_FOUND, "no such notice");
    if (!rc)
        resp_empty(r, 204);
    return rc;
}
