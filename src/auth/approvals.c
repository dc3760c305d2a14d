/*
 * approvals.c — pending dual-control requests in a tenant store.
 */
#include "auth/approvals.h"
#include "auth/users.h"
#include "core/timeutil.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

enum err
approval_apply(struct store *st, const char *action, int64_t target_user,
               const json_t *params)
{
    struct user u;
    enum err rc = user_find_id(st, target_user, &u);
    if (rc)
        return rc;
    if (!strcmp(action, "user.role")) {
        const char *role = json_string_value(json_object_get(params, "role"));
        return role ? user_change(st, &u, NULL, role, NULL)
                    : err_fail(ERR_INVALID, "approval without a role");
    }
    if (!strcmp(action, "user.reset_mfa"))
        return user_reset_mfa(st, u.id);
    if (!strcmp(action, "user.status")) {
        const char *v = json_string_value(json_object_get(params, "status"));
        return v ? user_change(st, &u, NULL, NULL, v)
                 : err_fail(ERR_INVALID, "approval without a status");
    }
    return err_fail(ERR_INVALID, "unknown dual-control action %s", action);
}

bool
approval_required(struct store *st)
{
    struct stmt *s;
    bool row = false;
    int64_t n = 0;
    if (store_query(st, &s,
                    "SELECT count(*) FROM users WHERE role = 'admin'"
                    " AND status = 'active'",
                    "") == ERR_OK &&
        stmt_step(s, &row) == ERR_OK && row)
        n = stmt_int(s, 0);
    stmt_done(s);
    return n >= 2;
}

enum err
approval_request(struct store *st, const char *action, int64_t target_user,
                 const char *params, int64_t requested_by, int64_t now,
                 int64_t *id)
{
    char ts[32];
    time_now_iso(ts);
    struct stmt *s;
    enum err rc = store_query(
        st, &s,
        "INSERT INTO approvals (action, target_user, params, requested_by,"
        " requested_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)"
        " RETURNING id",
        "tititi", action, target_user, params, requested_by, ts,
        now + APPROVAL_TTL_S);
    bool row = false;
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *id = stmt_int(s, 0);
    stmt_done(s);
    if (rc)
        return rc;
    char detail[64];
    snprintf(detail, sizeof(detail), "{\"approval\":%lld}", (long long)*id);
    return notice_admins(st, requested_by, "approval_pending",
                         "承認待ちの操作があります。内容を確認し、承認または"
                         "却下してください。",
                         detail);
}
