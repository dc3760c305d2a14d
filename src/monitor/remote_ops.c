/*
 * remote_ops.c — remote shutoff and restore (遠隔遮断・復帰) in serve's
 * stores: requests, dual-control approval, the hourly cap, the outbox to
 * ingest, syncing "sent", confirmation by the meter's event. The life of
 * an operation and the reasons are in remote_ops.h; the routes are in
 * remote_ops_api.c, the cap's CLI in remote_ops_cli.c.
 *
 * Two stores: the operation and its audit entries live in the tenant's
 * store, the cap and the outbox in the platform store (ingest reads only
 * the platform store). An approval writes the outbox row first and the
 * tenant's transaction commits after it; if that commit fails the row is
 * withdrawn (remote_op_unqueue) before ingest's next poll could matter
 * only in the narrow case of a crash in between, which leaves a command
 * without an approved operation: the device would shut off and its event
 * would find nothing to confirm — logged, and never silent.
 */
#include "audit/audit.h"
#include "auth/auth.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "monitor/devices.h"
#include "monitor/events.h"
#include "monitor/remote_ops.h"
#include "store/pool.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACTOR_INGEST "internal:ingest"
#define ACTOR_SYSTEM "system"

static int64_t ttl_s = REMOTE_OP_TTL_S;

void
remote_op_configure(int64_t ttl)
{
    ttl_s = ttl >= REMOTE_OP_TTL_MIN && ttl <= REMOTE_OP_TTL_MAX
                ? ttl
                : REMOTE_OP_TTL_S;
}

/* ---------------------------------------------------------------------- */
/* The cap                                                                */
/* ---------------------------------------------------------------------- */

enum err
remote_op_cap_get(struct store *platform, int64_t tenant_id, int64_t *cap)
{
    struct stmt *s;
    bool row = false;
    *cap = REMOTE_OP_CAP_DEFAULT;
    enum err rc = store_query(platform, &s,
                              "SELECT shutoffs_per_hour FROM remote_op_caps"
                              " WHERE tenant_id = $1",
                              "i", tenant_id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *cap = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

enum err
remote_op_cap_set(struct store *platform, int64_t tenant_id, int64_t cap,
                  const char *actor)
{
    char ts[32];
    if (cap < 0 || cap > REMOTE_OP_CAP_MAX)
        return err_fail(ERR_INVALID, "the cap is 0–%d shutoffs per hour",
                        REMOTE_OP_CAP_MAX);
    time_now_iso(ts);
    enum err rc = store_tx_begin(platform);
    if (!rc)
        rc = store_run(platform,
                       "INSERT INTO remote_op_caps (tenant_id,"
                       " shutoffs_per_hour, set_by, set_at)"
                       " VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id)"
                       " DO UPDATE SET shutoffs_per_hour = excluded."
                       "shutoffs_per_hour, set_by = excluded.set_by,"
                       " set_at = excluded.set_at",
                       "iitt", tenant_id, cap, actor, ts);
    if (!rc)
        rc = store_tx_commit(platform);
    if (rc)
        store_tx_rollback(platform);
    return rc;
}

enum err
remote_op_shutoffs_hour(struct store *st, int64_t now, bool approved,
                        int64_t *n)
{
    struct stmt *s;
    bool row = false;
    *n = 0;
    enum err rc =
        approved ? store_query(st, &s,
                               "SELECT count(*) FROM remote_operations"
                               " WHERE action = 'shutoff' AND approved_s > $1",
                               "i", now - 3600)
                 : store_query(st, &s,
                               "SELECT count(*) FROM remote_operations"
                               " WHERE action = 'shutoff' AND requested_s > $1"
                               " AND status <> 'rejected'",
                               "i", now - 3600);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *n = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

static enum err
cap_check(struct store *st, int64_t cap, int64_t now, bool approved)
{
    int64_t n;
    enum err rc = remote_op_shutoffs_hour(st, now, approved, &n);
    if (!rc && n >= cap)
        rc = err_fail(ERR_REMOTE_OP_CAP,
                      "遠隔遮断は1時間に%" PRId64
                      "件までです（直近1時間に%" PRId64
                      "件%s）。上限は画面やAPIからは変更できません。必要な"
                      "場合は運用担当者にご連絡ください。",
                      cap, n, approved ? "承認済み" : "依頼済み");
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Request, approve, reject                                               */
/* ---------------------------------------------------------------------- */

static enum err
busy_check(struct store *st, const char *device_id)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(st, &s,
                              "SELECT id, status FROM remote_operations"
                              " WHERE device_id = $1 AND status IN"
                              " ('requested', 'approved', 'sent') LIMIT 1",
                              "t", device_id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        rc = err_fail(ERR_REMOTE_OP_BUSY,
                      "機器 %s には処理中の遠隔操作（#%" PRId64 "、%s）が"
                      "あります。完了・却下・期限切れを待ってください。",
                      device_id, stmt_int(s, 0), stmt_text(s, 1));
    stmt_done(s);
    return rc;
}

enum err
remote_op_request(struct store *st, int64_t cap, const struct remote_op_in *in,
                  int64_t now, int64_t *id)
{
    char ts[32];
    enum err rc = busy_check(st, in->device_id);
    if (!rc && !strcmp(in->action, "shutoff"))
        rc = cap_check(st, cap, now, false);
    if (rc)
        return rc;
    time_now_iso(ts);
    rc = store_run(st,
                   "INSERT INTO remote_operations (device_id, action, reason,"
                   " requested_by, requested_at, requested_s, expires_s)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                   "tttitii", in->device_id, in->action, in->reason,
                   in->requested_by, ts, now, now + ttl_s);
    if (!rc)
        *id = store_last_id(st);
    return rc;
}

struct op_row {
    int64_t id, requested_by, expires_s;
    char device_id[72], action[16], status[16];
};

static enum err
op_load(struct store *st, int64_t id, struct op_row *o)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(st, &s,
                              "SELECT id, requested_by, expires_s, device_id,"
                              " action, status FROM remote_operations"
                              " WHERE id = $1",
                              "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        o->id = stmt_int(s, 0);
        o->requested_by = stmt_int(s, 1);
        o->expires_s = stmt_int(s, 2);
        snprintf(o->device_id, sizeof(o->device_id), "%s", stmt_text(s, 3));
        snprintf(o->action, sizeof(o->action), "%s", stmt_text(s, 4));
        snprintf(o->status, sizeof(o->status), "%s", stmt_text(s, 5));
    }
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_REMOTE_OP_NOT_FOUND, "no remote operation %" PRId64,
                      id);
    return rc;
}

/* The checks of approve and reject: pending, in time, someone else's. */
static enum err
decidable(struct store *st, int64_t id, int64_t user, int64_t now,
          struct op_row *o)
{
    enum err rc = op_load(st, id, o);
    if (rc)
        return rc;
    if (strcmp(o->status, "requested"))
        return err_fail(ERR_REMOTE_OP_STATE,
                        "遠隔操作 #%" PRId64 " は「%s」です。承認・却下できるの"
                        "は承認待ちの操作だけです。",
                        id, o->status);
    if (o->expires_s <= now)
        return err_fail(ERR_REMOTE_OP_EXPIRED,
                        "遠隔操作 #%" PRId64 " は承認期限（依頼から1時間）を"
                        "過ぎています。改めて依頼してください。",
                        id);
    if (o->requested_by == user)
        return err_fail(ERR_REMOTE_OP_SELF,
                        "遠隔操作 #%" PRId64 " を依頼した本人は承認・却下できま"
                        "せん。別の担当者（機器の遠隔操作の権限を持つ人）が"
                        "承認してください。",
                        id);
    return ERR_OK;
}

static enum err
queue_command(struct store *platform, int64_t tenant_id, const struct op_row *o,
              int64_t now, int64_t *command_id)
{
    char ts[32];
    time_now_iso(ts);
    enum err rc = store_run(platform,
                            "INSERT INTO device_commands (tenant_id, op_id,"
                            " device_id, action, issued_at, expires_s)"
                            " VALUES ($1, $2, $3, $4, $5, $6)",
                            "iittti", tenant_id, o->id, o->device_id, o->action,
                            ts, now + ttl_s);
    if (!rc)
        *command_id = store_last_id(platform);
    return rc;
}

enum err
remote_op_approve(struct store *st, struct store *platform, int64_t tenant_id,
                  int64_t cap, int64_t id, int64_t approver, int64_t now,
                  int64_t *command_id)
{
    struct op_row o;
    char ts[32];
    enum err rc = decidable(st, id, approver, now, &o);
    if (!rc && !strcmp(o.action, "shutoff"))
        rc = cap_check(st, cap, now, true);
    if (!rc)
        rc = queue_command(platform, tenant_id, &o, now, command_id);
    if (rc)
        return rc;
    time_now_iso(ts);
    rc = store_run(st,
                   "UPDATE remote_operations SET status = 'approved',"
                   " decided_by = $1, decided_at = $2, approved_s = $3,"
                   " expires_s = $4, command_id = $5 WHERE id = $6",
                   "itiiii", approver, ts, now, now + ttl_s, *command_id, id);
    if (rc)
        remote_op_unqueue(platform, *command_id);
    return rc;
}

void
remote_op_unqueue(struct store *platform, int64_t command_id)
{
    if (store_run(platform,
                  "UPDATE device_commands SET status = 'cancelled'"
                  " WHERE id = $1 AND status = 'queued'",
                  "i", command_id) != ERR_OK)
        log_msg(LOG_ERROR, "remote_op.unqueue",
                "command %" PRId64 " could not be withdrawn: %s", command_id,
                err_detail());
}

enum err
remote_op_reject(struct store *st, int64_t id, int64_t user, int64_t now)
{
    struct op_row o;
    char ts[32];
    enum err rc = decidable(st, id, user, now, &o);
    if (rc)
        return rc;
    time_now_iso(ts);
    return store_run(st,
                     "UPDATE remote_operations SET status = 'rejected',"
                     " decided_by = $1, decided_at = $2 WHERE id = $3",
                     "iti", user, ts, id);
}

/* ---------------------------------------------------------------------- */
/* Reading                                                                */
/* ---------------------------------------------------------------------- */

#define OP_COLS                                                                \
    "id, device_id, action, reason, status, requested_by, requested_at,"       \
    " expires_s, decided_by, decided_at, command_id, sent_at, sent_via,"       \
    " confirmed_at, confirm_event_id, failed_at, failure"

static json_t *
opt_int(struct stmt *s, int col)
{
    return stmt_is_null(s, col) ? json_null() : json_integer(stmt_int(s, col));
}

static json_t *
op_json(struct stmt *s)
{
    return json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:o, s:s?, s:o, s:s?, s:s?,"
        " s:s?, s:o, s:s?, s:s?}",
        "id", (json_int_t)stmt_int(s, 0), "device_id", stmt_text(s, 1),
        "action", stmt_text(s, 2), "reason", stmt_text(s, 3), "status",
        stmt_text(s, 4), "requested_by", (json_int_t)stmt_int(s, 5),
        "requested_at", stmt_text(s, 6), "expires_s",
        (json_int_t)stmt_int(s, 7), "decided_by", opt_int(s, 8), "decided_at",
        stmt_text(s, 9), "command_id", opt_int(s, 10), "sent_at",
        stmt_text(s, 11), "sent_via", stmt_text(s, 12), "confirmed_at",
        stmt_text(s, 13), "confirm_event_id", opt_int(s, 14), "failed_at",
        stmt_text(s, 15), "failure", stmt_text(s, 16));
}

enum err
remote_op_get(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s;
    bool row = false;
    *out = NULL;
    enum err rc = store_query(
        st, &s, "SELECT " OP_COLS " FROM remote_operations WHERE id = $1", "i",
        id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *out = op_json(s);
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_REMOTE_OP_NOT_FOUND, "no remote operation %" PRId64,
                      id);
    return rc;
}

enum err
remote_op_list(struct store *st, const char *status, int limit, json_t **out)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(st, &s,
                              "SELECT " OP_COLS " FROM remote_operations"
                              " WHERE ($1 IS NULL OR status = $1)"
                              " ORDER BY id DESC LIMIT $2",
                              "ti", status, (int64_t)limit);
    json_t *list = json_array();
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(list, op_json(s));
    stmt_done(s);
    *out = list;
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Sync with the outbox, expiry, confirmation                             */
/* ---------------------------------------------------------------------- */

/* An audit entry for operation id; without a request (the sweeper) it
 * goes straight into the tenant's log, inside the caller's transaction. */
static enum err
audit_op(struct req *r, struct store *st, const char *actor, const char *action,
         int64_t id, json_t *detail)
{
    char target[48];
    snprintf(target, sizeof(target), "remote_op:%" PRId64, id);
    if (r)
        return auth_audit(r, st, actor, action, target, detail);
    char *text = json_dumps(detail, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(detail);
    enum err rc = audit_record(st, actor, action, target, text);
    free(text);
    return rc;
}

/* The outbox row of command_id: its status, sent_at and sent_via. */
static bool
outbox_sent(struct store *platform, int64_t command_id, char at[32],
            char via[8])
{
    struct stmt *s;
    bool row = false, sent = false;
    if (store_query(platform, &s,
                    "SELECT sent_at, sent_via FROM device_commands"
                    " WHERE id = $1 AND sent_at IS NOT NULL",
                    "i", command_id) == ERR_OK &&
        stmt_step(s, &row) == ERR_OK && row) {
        snprintf(at, 32, "%s", stmt_text(s, 0));
        snprintf(via, 8, "%s", stmt_text(s, 1) ? stmt_text(s, 1) : "");
        sent = true;
    }
    stmt_done(s);
    return sent;
}

/* Approved operations whose command ingest has sent become sent. */
static enum err
sync_sent(struct store *st, struct store *platform, struct req *r)
{
    struct stmt *s;
    bool row;
    int64_t ids[64], cmds[64];
    size_t n = 0;
    enum err rc = store_query(st, &s,
                              "SELECT id, command_id FROM remote_operations"
                              " WHERE status = 'approved' LIMIT 64",
                              "");
    while (!rc && !(rc = stmt_step(s, &row)) && row && n < 64) {
        ids[n] = stmt_int(s, 0);
        cmds[n++] = stmt_int(s, 1);
    }
    stmt_done(s);
    for (size_t i = 0; !rc && i < n; i++) {
        char at[32], via[8];
        if (!outbox_sent(platform, cmds[i], at, via))
            continue;
        rc = store_run(st,
                       "UPDATE remote_operations SET status = 'sent',"
                       " sent_at = $1, sent_via = $2 WHERE id = $3",
                       "tti", at, via, ids[i]);
        if (!rc)
            rc = audit_op(r, st, ACTOR_INGEST, "remote_op.sent", ids[i],
                          json_pack("{s:I, s:s, s:s}", "command",
                                    (json_int_t)cmds[i], "sent_at", at, "via",
                                    via));
    }
    return rc;
}

/* Operations past their deadline expire; their commands are cancelled. */
static enum err
sync_expired(struct store *st, struct store *platform, struct req *r,
             int64_t now)
{
    struct stmt *s;
    bool row;
    int64_t ids[64], cmds[64];
    char was[64][16];
    size_t n = 0;
    enum err rc = store_query(st, &s,
                              "SELECT id, coalesce(command_id, 0), status"
                              " FROM remote_operations WHERE status IN"
                              " ('requested', 'approved', 'sent')"
                              " AND expires_s <= $1 LIMIT 64",
                              "i", now);
    while (!rc && !(rc = stmt_step(s, &row)) && row && n < 64) {
        ids[n] = stmt_int(s, 0);
        cmds[n] = stmt_int(s, 1);
        snprintf(was[n++], 16, "%s", stmt_text(s, 2));
    }
    stmt_done(s);
    for (size_t i = 0; !rc && i < n; i++) {
        if (cmds[i])
            remote_op_unqueue(platform, cmds[i]);
        rc = store_run(st,
                       "UPDATE remote_operations SET status = 'expired'"
                       " WHERE id = $1",
                       "i", ids[i]);
        if (!rc)
            rc = audit_op(r, st, ACTOR_SYSTEM, "remote_op.expire", ids[i],
                          json_pack("{s:s}", "was", was[i]));
    }
    return rc;
}

/* Approved operations whose device was retired before delivery fail
 * (their command is cancelled: no meter will take it). */
static enum err
sync_retired(struct store *st, struct store *platform, int64_t tenant_id,
             struct req *r)
{
    struct stmt *s;
    bool row;
    int64_t ids[64], cmds[64];
    char devs[64][72], ts[32];
    size_t n = 0;
    enum err rc = store_query(st, &s,
                              "SELECT id, coalesce(command_id, 0), device_id"
                              " FROM remote_operations"
                              " WHERE status = 'approved' LIMIT 64",
                              "");
    while (!rc && !(rc = stmt_step(s, &row)) && row && n < 64) {
        ids[n] = stmt_int(s, 0);
        cmds[n] = stmt_int(s, 1);
        snprintf(devs[n++], 72, "%s", stmt_text(s, 2));
    }
    stmt_done(s);
    time_now_iso(ts);
    for (size_t i = 0; !rc && i < n; i++) {
        struct device d;
        enum err g = device_get(platform, tenant_id, devs[i], &d);
        if (g == ERR_OK && d.active)
            continue;
        if (g != ERR_OK && g != ERR_DEVICE_NOT_FOUND)
            return g;
        if (cmds[i])
            remote_op_unqueue(platform, cmds[i]);
        rc = store_run(st,
                       "UPDATE remote_operations SET status = 'failed',"
                       " failed_at = $1, failure = 'device_retired'"
                       " WHERE id = $2 AND status = 'approved'",
                       "ti", ts, ids[i]);
        if (!rc)
            rc = audit_op(r, st, ACTOR_SYSTEM, "remote_op.fail", ids[i],
                          json_pack("{s:s, s:s}", "device_id", devs[i],
                                    "failure", "device_retired"));
    }
    return rc;
}

enum err
remote_op_sync(struct store *st, struct store *platform, int64_t tenant_id,
               struct req *r)
{
    enum err rc = store_tx_begin(st);
    if (rc)
        return rc;
    rc = sync_sent(st, platform, r);
    if (!rc)
        rc = sync_expired(st, platform, r, auth_now());
    if (!rc)
        rc = sync_retired(st, platform, tenant_id, r);
    if (!rc)
        rc = store_tx_commit(st);
    if (rc)
        store_tx_rollback(st);
    return rc;
}

/* The outbox row of a confirmed or failed operation is done (platform
 * store): the meter has answered. */
static enum err
remote_op_outbox_done(int64_t command_id)
{
    struct store *platform;
    char ts[32];
    time_now_iso(ts);
    enum err rc = pool_platform(&platform);
    if (!rc)
        rc = store_run(platform,
                       "UPDATE device_commands SET status = 'done',"
                       " sent_at = coalesce(sent_at, $2) WHERE id = $1",
                       "it", command_id, ts);
    return rc;
}

/* The operation a confirming event is for: the command its code names
 * ("cmd-17"), else the device's oldest approved or sent one of action
 * (NULL: of any action). */
static enum err
confirm_target(struct store *st, const struct device_event_in *ev,
               const char *action, int64_t *id, int64_t *cmd)
{
    struct stmt *s;
    bool row = false;
    int64_t named = 0;
    if (ev->vendor_code && !strncmp(ev->vendor_code, "cmd-", 4))
        named = strtoll(ev->vendor_code + 4, NULL, 10);
    enum err rc = store_query(st, &s,
                              "SELECT id, coalesce(command_id, 0)"
                              " FROM remote_operations WHERE device_id = $1"
                              " AND ($2 IS NULL OR action = $2) AND status IN"
                              " ('approved', 'sent') AND ($3 = 0 OR"
                              " command_id = $3) ORDER BY id LIMIT 1",
                              "tti", ev->device_id, action, named);
    *id = 0;
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        *id = stmt_int(s, 0);
        *cmd = stmt_int(s, 1);
    }
    stmt_done(s);
    return rc;
}

/* Before the meter's answer is recorded: an operation still "approved"
 * whose command ingest has sent becomes sent first (the answer can come
 * before a sweep), so its history always reads approve → sent → answer. */
static enum err
sent_first(struct store *st, struct req *r, int64_t id, int64_t cmd)
{
    struct store *platform;
    char at[32], via[8];
    if (!cmd || pool_platform(&platform) != ERR_OK ||
        !outbox_sent(platform, cmd, at, via))
        return ERR_OK;
    enum err rc = store_run(st,
                            "UPDATE remote_operations SET status = 'sent',"
                            " sent_at = $1, sent_via = $2"
                            " WHERE id = $3 AND status = 'approved'",
                            "tti", at, via, id);
    if (!rc && store_changes(st))
        rc = audit_op(r, st, ACTOR_INGEST, "remote_op.sent", id,
                      json_pack("{s:I, s:s, s:s}", "command", (json_int_t)cmd,
                                "sent_at", at, "via", via));
    return rc;
}

/* How a meter's answer closes the operation it is for. */
struct answer {
    const char *action;  /* the operations it answers; NULL: any */
    const char *sql;     /* $1 now, $2 the event's id, $3 the operation */
    const char *audit;   /* the audit action */
    const char *failure; /* what failed, NULL for a confirmation */
    bool log_unmatched;  /* an answer nobody waits for is worth a line */
};

/* The meter could not carry out the command its event names: failed. */
static const struct answer answer_failed = {
    .sql = "UPDATE remote_operations SET status = 'failed',"
           " failed_at = $1, failure = 'device_reported',"
           " confirm_event_id = $2 WHERE id = $3",
    .audit = "remote_op.fail",
    .failure = "device_reported",
    .log_unmatched = true,
};

static const char confirm_sql[] =
    "UPDATE remote_operations SET status = 'confirmed',"
    " confirmed_at = $1, confirm_event_id = $2,"
    " sent_at = coalesce(sent_at, $1) WHERE id = $3";

/* The meter did shut off (or restore) the supply; of the two, only a
 * shutoff that no operation asked for is logged. */
static const struct answer answer_shutoff = {
    .action = "shutoff",
    .sql = confirm_sql,
    .audit = "remote_op.confirm",
    .log_unmatched = true,
};
static const struct answer answer_restore = {
    .action = "restore",
    .sql = confirm_sql,
    .audit = "remote_op.confirm",
};

/* Record the meter's answer ev on the operation in flight it is for: sent
 * first if need be, then a's UPDATE, audited, and the outbox row done. No
 * operation in flight: nothing to do. */
static enum err
remote_op_answer(struct store *st, const struct device_event_in *ev,
                 int64_t event_id, struct req *r, const struct answer *a)
{
    int64_t id, cmd = 0;
    char ts[32];
    enum err rc = confirm_target(st, ev, a->action, &id, &cmd);
    if (rc || !id) {
        if (!rc && a->log_unmatched)
            log_msg(LOG_INFO, "remote_op.unmatched",
                    "%s reported %s with no operation in flight", ev->device_id,
                    ev->kind);
        return rc;
    }
    if ((rc = sent_first(st, r, id, cmd)))
        return rc;
    time_now_iso(ts);
    rc = store_run(st, a->sql, "tii", ts, event_id, id);
    if (!rc)
        rc = audit_op(r, st, ACTOR_INGEST, a->audit, id,
                      json_pack("{s:s, s:s, s:I, s:I, s:s*}", "device_id",
                                ev->device_id, "event", ev->kind, "event_id",
                                (json_int_t)event_id, "command",
                                (json_int_t)cmd, "failure", a->failure));
    if (!rc && cmd)
        rc = remote_op_outbox_done(cmd);
    return rc;
}

enum err
remote_op_confirm(struct store *st, const struct device_event_in *ev,
                  int64_t event_id, struct req *r)
{
    const struct answer *a =
        !strcmp(ev->kind, "command_failed")   ? &answer_failed
        : !strcmp(ev->kind, "shutoff_remote") ? &answer_shutoff
        : !strcmp(ev->kind, "restored")       ? &answer_restore
                                              : NULL;
    if (!a || !ev->device_id)
        return ERR_OK;
    return remote_op_answer(st, ev, event_id, r, a);
}
