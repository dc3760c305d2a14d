/*
 * grants_store.c — support grants in a tenant store.
 */
#include "auth/grants.h"
#include "core/timeutil.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#define GRANT_COLS                                                             \
    "id, operator_login, access, reason, granted_by, created_at,"              \
    " expires_at, coalesce(revoked_at, '')"

static void
read_grant(struct stmt *s, struct grant *g)
{
    g->id = stmt_int(s, 0);
    snprintf(g->operator_login, sizeof(g->operator_login), "%s",
             stmt_text(s, 1));
    snprintf(g->access, sizeof(g->access), "%s", stmt_text(s, 2));
    snprintf(g->reason, sizeof(g->reason), "%s", stmt_text(s, 3));
    g->granted_by = stmt_int(s, 4);
    snprintf(g->created_at, sizeof(g->created_at), "%s", stmt_text(s, 5));
    g->expires_at = stmt_int(s, 6);
    snprintf(g->revoked_at, sizeof(g->revoked_at), "%s", stmt_text(s, 7));
}

enum err
grant_create(struct store *st, const char *operator_login, const char *access,
             int hours, const char *reason, int64_t granted_by, int64_t now,
             struct grant *out)
{
    char ts[32];
    time_now_iso(ts);
    struct stmt *s;
    enum err rc = store_query(
        st, &s,
        "INSERT INTO support_grants (operator_login, access, reason,"
        " granted_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)"
        " RETURNING " GRANT_COLS,
        "tttiti", operator_login, access, reason, granted_by, ts,
        now + (int64_t)hours * 3600);
    bool row = false;
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        read_grant(s, out);
    stmt_done(s);
    return rc;
}

enum err
grant_find_active(struct store *st, const char *operator_login, int64_t now,
                  struct grant *out)
{
    struct stmt *s;
    enum err rc = store_query(st, &s,
                              "SELECT " GRANT_COLS " FROM support_grants"
                              " WHERE operator_login = $1 AND expires_at > $2"
                              " AND revoked_at IS NULL ORDER BY id DESC"
                              " LIMIT 1",
                              "ti", operator_login, now);
    bool row = false;
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        read_grant(s, out);
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_AUTH_FORBIDDEN, "no active support grant");
    return rc;
}

enum err
grant_revoke(struct store *st, int64_t id)
{
    char ts[32];
    time_now_iso(ts);
    enum err rc = store_run(st,
                            "UPDATE support_grants SET revoked_at = $1"
                            " WHERE id = $2 AND revoked_at IS NULL",
                            "ti", ts, id);
    if (!rc && store_changes(st) != 1)
        rc = err_fail(ERR_NOT_FOUND, "no such active grant");
    return rc;
}

enum err
grant_each(struct store *st, bool (*fn)(const struct grant *, void *),
           void *arg)
{
    struct stmt *s;
    enum err rc = store_query(st, &s,
                              "SELECT " GRANT_COLS " FROM support_grants"
                              " ORDER BY id DESC LIMIT 200",
                              "");
    bool row;
    struct grant g;
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        read_grant(s, &g);
        if (!fn(&g, arg))
            break;
    }
    stmt_done(s);
    return rc;
}
