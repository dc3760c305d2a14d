/*
 * audit.c — append an audit entry.
 */
#include "audit/audit.h"
#include "core/timeutil.h"
#include "store/store.h"

#include <stdbool.h>

enum err
audit_record(struct store *st, const char *actor, const char *action,
             const char *target, const char *detail_json)
{
    static const char sql[] =
        "INSERT INTO audit_log (ts, actor, action, target, detail)"
        " VALUES ($1, $2, $3, $4, $5)";
    if (!store_in_tx(st))
        return err_fail(ERR_INTERNAL, "audit_record outside a transaction");
    char now[32];
    time_now_iso(now);
    struct stmt *s;
    enum err rc = store_prepare(st, sql, &s);
    bool row;
    if (!rc && !(rc = stmt_bind_text(s, 1, now)) &&
        !(rc = stmt_bind_text(s, 2, actor)) &&
        !(rc = stmt_bind_text(s, 3, action)) &&
        !(rc = stmt_bind_text(s, 4, target)) &&
        !(rc = stmt_bind_text(s, 5, detail_json)))
        rc = stmt_step(s, &row);
    stmt_done(s);
    return rc;
}
