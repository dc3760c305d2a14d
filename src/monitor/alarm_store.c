/*
 * alarm_store.c — the SQL of serve's alarms and repair requests
 * (alarm_store.h). Alarms are made in the transaction that stores the
 * device event (events_api.c calls alarm_from_event), so an event and its
 * alarm commit together and a resent event makes nothing twice.
 */
#include "monitor/alarm_store.h"
#include "core/timeutil.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* From events                                                            */
/* ---------------------------------------------------------------------- */

#define NEXT_SEQ "(SELECT COALESCE(MAX(updated_seq), 0) + 1 FROM alarms)"

static enum err
repair_open(struct store *st, int64_t event_id, const char *device_id,
            const char *code, const char *at)
{
    char now[32];
    time_now_iso(now);
    enum err rc = store_run(
        st,
        "UPDATE repair_requests SET occurrences = occurrences + 1,"
        " last_at = $3, updated_at = $4"
        " WHERE device_id = $1 AND error_code = $2 AND state <> 'done'",
        "tttt", device_id, code, at, now);
    if (rc || store_changes(st))
        return rc;
    return store_run(
        st,
        "INSERT INTO repair_requests (device_event_id, device_id, error_code,"
        " appliance_id, supply_point_id, customer_id, first_at, last_at,"
        " created_at, updated_at)"
        " SELECT id, device_id, error_code, appliance_id, supply_point_id,"
        " customer_id, device_at, device_at, $2, $2 FROM device_events"
        " WHERE id = $1 ON CONFLICT DO NOTHING",
        "it", event_id, now);
}

enum err
alarm_from_event(struct store *st, int64_t event_id, int64_t *alarm_id)
{
    struct stmt *s = NULL;
    bool row = false;
    char cat[32] = "", kind[64] = "", code[8] = "", dev[72] = "", at[40] = "";
    bool has_code = false;
    *alarm_id = 0;
    enum err rc = store_query(st, &s,
                              "SELECT category, kind, error_code, device_id,"
                              " device_at FROM device_events WHERE id = $1",
                              "i", event_id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        snprintf(cat, sizeof(cat), "%s", stmt_text(s, 0));
        snprintf(kind, sizeof(kind), "%s", stmt_text(s, 1));
        has_code = !stmt_is_null(s, 2);
        snprintf(code, sizeof(code), "%s", has_code ? stmt_text(s, 2) : "");
        snprintf(dev, sizeof(dev), "%s", stmt_text(s, 3));
        snprintf(at, sizeof(at), "%s", stmt_text(s, 4));
    }
    stmt_done(s);
    if (rc || !row)
        return rc;
    enum severity sev;
    char now[32];
    time_now_iso(now);
    if (alarm_classify(cat, kind, has_code ? code : NULL, &sev)) {
        rc = store_run(
            st,
            "INSERT INTO alarms (device_event_id, device_id, epoch, seq, kind,"
            " severity, shutoff, vendor_code, error_code, supply_point_id,"
            " meter_id, appliance_id, customer_id, device_at, received_at,"
            " created_at, updated_seq)"
            " SELECT id, device_id, epoch, seq, kind, $2, shutoff,"
            " vendor_code, error_code, supply_point_id, meter_id,"
            " appliance_id, customer_id, device_at, received_at, $3, " NEXT_SEQ
            " FROM device_events WHERE id = $1 ON CONFLICT DO NOTHING",
            "itt", event_id, severity_name(sev), now);
        if (!rc && store_changes(st))
            *alarm_id = store_last_id(st);
    }
    if (!rc && alarm_opens_repair(cat, has_code ? code : NULL))
        rc = repair_open(st, event_id, dev, code, at);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Reading                                                                */
/* ---------------------------------------------------------------------- */

#define ALARM_COLS                                                             \
    "a.id, a.device_event_id, a.device_id, a.kind, a.severity, a.shutoff,"     \
    " a.vendor_code, a.error_code, a.supply_point_id, a.meter_id,"             \
    " a.appliance_id, a.customer_id, c.name, a.device_at, a.received_at,"      \
    " a.created_at, a.state, a.acknowledged_by, a.acknowledged_at,"            \
    " a.ack_via, a.dispatched_by, a.dispatched_at, a.resolved_by,"             \
    " a.resolved_at, a.responder, a.arrived_at, a.findings, a.action,"         \
    " a.note, a.updated_seq, a.seq, a.epoch"                                   \
    " FROM alarms a LEFT JOIN customers c ON c.id = a.customer_id"

static json_t *
opt_int(struct stmt *s, int col)
{
    return stmt_is_null(s, col) ? json_null() : json_integer(stmt_int(s, col));
}

static json_t *
opt_str(struct stmt *s, int col)
{
    const char *v = stmt_text(s, col);
    return v ? json_string(v) : json_null();
}

static json_t *
alarm_row(struct stmt *s)
{
    const char *kind = stmt_text(s, 3), *code = stmt_text(s, 7);
    int st = alarm_state_parse(stmt_text(s, 16));
    json_t *o = json_pack(
        "{s:I, s:I, s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:o,"
        " s:o, s:s, s:s, s:s, s:s, s:s, s:I}",
        "id", (json_int_t)stmt_int(s, 0), "device_event_id",
        (json_int_t)stmt_int(s, 1), "device_id", stmt_text(s, 2), "kind", kind,
        "label_ja", alarm_label_ja(kind, code), "severity", stmt_text(s, 4),
        "shutoff", (int)stmt_int(s, 5), "vendor_code", opt_str(s, 6),
        "error_code", opt_str(s, 7), "supply_point_id", opt_int(s, 8),
        "meter_id", opt_int(s, 9), "appliance_id", opt_int(s, 10),
        "customer_id", opt_int(s, 11), "customer_name", opt_str(s, 12),
        "device_at", stmt_text(s, 13), "received_at", stmt_text(s, 14),
        "created_at", stmt_text(s, 15), "state", stmt_text(s, 16),
        "state_label_ja", alarm_state_label_ja((enum alarm_state)st), "seq",
        (json_int_t)stmt_int(s, 29));
    json_object_set_new(o, "event_seq", json_integer(stmt_int(s, 30)));
    json_object_set_new(o, "epoch", json_integer(stmt_int(s, 31)));
    json_object_set_new(o, "acknowledged",
                        stmt_is_null(s, 18)
                            ? json_null()
                            : json_pack("{s:o, s:o, s:o}", "by", opt_str(s, 17),
                                        "at", opt_str(s, 18), "via",
                                        opt_str(s, 19)));
    json_object_set_new(o, "dispatched",
                        stmt_is_null(s, 21)
                            ? json_null()
                            : json_pack("{s:o, s:o}", "by", opt_str(s, 20),
                                        "at", opt_str(s, 21)));
    json_object_set_new(o, "resolved",
                        stmt_is_null(s, 23)
                            ? json_null()
                            : json_pack("{s:o, s:o}", "by", opt_str(s, 22),
                                        "at", opt_str(s, 23)));
    json_object_set_new(o, "response",
                        json_pack("{s:o, s:o, s:o, s:o, s:o}", "responder",
                                  opt_str(s, 24), "arrived_at", opt_str(s, 25),
                                  "findings", opt_str(s, 26), "action",
                                  opt_str(s, 27), "note", opt_str(s, 28)));
    return o;
}

static enum err
rows_into(struct stmt *s, enum err rc, json_t *(*row_fn)(struct stmt *),
          json_t *list, int limit, int64_t *last_id)
{
    bool row = false;
    *last_id = 0;
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        if ((int)json_array_size(list) == limit) {
            *last_id = json_integer_value(
                json_object_get(json_array_get(list, (size_t)limit - 1), "id"));
            break;
        }
        json_array_append_new(list, row_fn(s));
    }
    stmt_done(s);
    return rc;
}

enum err
alarm_list(struct store *st, const struct alarm_query *q, json_t **out)
{
    struct stmt *s = NULL;
    json_t *list = json_array();
    int64_t next = 0;
    enum err rc;
    bool live = q->after_seq > 0 || q->live;
    if (live)
        rc = store_query(st, &s,
                         "SELECT " ALARM_COLS " WHERE a.updated_seq > $1"
                         " ORDER BY a.updated_seq LIMIT $2",
                         "ii", q->after_seq, (int64_t)q->limit + 1);
    else
        rc = store_query(
            st, &s,
            "SELECT " ALARM_COLS " WHERE ($1 IS NULL OR a.state = $1"
            "  OR ($1 = 'active' AND a.state <> 'resolved'))"
            " AND ($2 IS NULL OR a.severity = $2)"
            " AND ($3 IS NULL OR a.received_at >= $3)"
            " AND ($4 = 0 OR a.id < $4) AND ($6 = 0 OR a.customer_id = $6)"
            " ORDER BY a.id DESC LIMIT $5",
            "tttiii", q->state, q->severity, q->since, q->before_id,
            (int64_t)q->limit + 1, q->customer_id);
    rc = rows_into(s, rc, alarm_row, list, q->limit, &next);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "alarms", list, "next_before_id",
                     next && !live ? json_integer(next) : json_null());
    return ERR_OK;
}

enum err
alarm_get(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s = NULL;
    bool row = false;
    *out = NULL;
    enum err rc =
        store_query(st, &s, "SELECT " ALARM_COLS " WHERE a.id = $1", "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *out = alarm_row(s);
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_ALARM_NOT_FOUND, "警報 %" PRId64 " はありません", id);
    return rc;
}

enum err
alarm_by_event(struct store *st, const char *device_id, int64_t epoch,
               int64_t seq, int64_t *id)
{
    struct stmt *s = NULL;
    bool row = false;
    *id = 0;
    enum err rc = store_query(st, &s,
                              "SELECT id FROM alarms WHERE device_id = $1"
                              " AND epoch = $2 AND seq = $3",
                              "tii", device_id, epoch, seq);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *id = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

enum err
alarm_last_seq(struct store *st, int64_t *seq)
{
    struct stmt *s = NULL;
    bool row = false;
    *seq = 0;
    enum err rc = store_query(
        st, &s, "SELECT COALESCE(MAX(updated_seq), 0) FROM alarms", "");
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *seq = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Moves                                                                  */
/* ---------------------------------------------------------------------- */

static enum err
state_of(struct store *st, int64_t id, enum alarm_state *cur)
{
    struct stmt *s = NULL;
    bool row = false;
    enum err rc =
        store_query(st, &s, "SELECT state FROM alarms WHERE id = $1", "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *cur = (enum alarm_state)alarm_state_parse(stmt_text(s, 0));
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_ALARM_NOT_FOUND, "警報 %" PRId64 " はありません", id);
    return rc;
}

enum err
alarm_apply(struct store *st, int64_t id, const struct alarm_move *m)
{
    enum alarm_state cur = ALARM_OPEN, next;
    char now[32];
    const char *at = m->at ? m->at : now;
    time_now_iso(now);
    enum err rc = state_of(st, id, &cur);
    if (rc)
        return rc;
    if (!alarm_transition(cur, m->action, &next))
        return err_fail(ERR_ALARM_STATE, "警報 %" PRId64 " は「%s」(%s) です",
                        id, alarm_state_label_ja(cur), alarm_state_name(cur));
    if (m->action == ALARM_ACK)
        return store_run(st,
                         "UPDATE alarms SET state = 'acknowledged',"
                         " acknowledged_by = $2, acknowledged_at = $3,"
                         " ack_via = $4, note = COALESCE($5, note),"
                         " updated_seq = " NEXT_SEQ " WHERE id = $1",
                         "itttt", id, m->actor, at, m->via ? m->via : "console",
                         m->note);
    if (m->action == ALARM_DISPATCH)
        return store_run(st,
                         "UPDATE alarms SET state = 'dispatched',"
                         " dispatched_by = $2, dispatched_at = $3,"
                         " responder = $4, note = COALESCE($5, note),"
                         " updated_seq = " NEXT_SEQ " WHERE id = $1",
                         "itttt", id, m->actor, at, m->responder, m->note);
    if (cur == ALARM_DISPATCHED && !m->arrived_at)
        return err_fail(ERR_INVALID, "arrived_at: 出動した警報には到着時刻が"
                                     "必要です");
    return store_run(st,
                     "UPDATE alarms SET state = 'resolved', resolved_by = $2,"
                     " resolved_at = $3, responder = COALESCE($4, responder),"
                     " arrived_at = $5, findings = $6, action = $7,"
                     " note = COALESCE($8, note), updated_seq = " NEXT_SEQ
                     " WHERE id = $1",
                     "ittttttt", id, m->actor, at, m->responder, m->arrived_at,
                     m->findings, m->action_taken, m->note);
}

/* ---------------------------------------------------------------------- */
/* Repair requests                                                        */
/* ---------------------------------------------------------------------- */

#define REPAIR_COLS                                                            \
    "r.id, r.device_event_id, r.device_id, r.error_code, r.appliance_id,"      \
    " r.supply_point_id, r.customer_id, c.name, r.state, r.occurrences,"       \
    " r.first_at, r.last_at, r.scheduled_for, r.note, r.created_at,"           \
    " r.updated_at, r.updated_by"                                              \
    " FROM repair_requests r LEFT JOIN customers c ON c.id = r.customer_id"

static json_t *
repair_row(struct stmt *s)
{
    enum severity sev = SEVERITY_INFO;
    const char *label = "", *code = stmt_text(s, 3);
    heater_code_parse(code, &sev, &label);
    return json_pack(
        "{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:I,"
        " s:s, s:s, s:o, s:o, s:s, s:s, s:o}",
        "id", (json_int_t)stmt_int(s, 0), "device_event_id",
        (json_int_t)stmt_int(s, 1), "device_id", stmt_text(s, 2), "error_code",
        code, "label_ja", label, "circuit_ja", heater_circuit_ja(code),
        "severity", severity_name(sev), "appliance_id", opt_int(s, 4),
        "supply_point_id", opt_int(s, 5), "customer_id", opt_int(s, 6),
        "customer_name", opt_str(s, 7), "state", stmt_text(s, 8), "occurrences",
        (json_int_t)stmt_int(s, 9), "first_at", stmt_text(s, 10), "last_at",
        stmt_text(s, 11), "scheduled_for", opt_str(s, 12), "note",
        opt_str(s, 13), "created_at", stmt_text(s, 14), "updated_at",
        stmt_text(s, 15), "updated_by", opt_str(s, 16));
}

enum err
repair_list(struct store *st, const char *state, int64_t before_id, int limit,
            json_t **out)
{
    struct stmt *s = NULL;
    json_t *list = json_array();
    int64_t next = 0;
    enum err rc =
        store_query(st, &s,
                    "SELECT " REPAIR_COLS " WHERE ($1 IS NULL OR r.state = $1"
                    "  OR ($1 = 'open' AND r.state <> 'done'))"
                    " AND ($2 = 0 OR r.id < $2) ORDER BY r.id DESC LIMIT $3",
                    "tii", state, before_id, (int64_t)limit + 1);
    rc = rows_into(s, rc, repair_row, list, limit, &next);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "repair_requests", list, "next_before_id",
                     next ? json_integer(next) : json_null());
    return ERR_OK;
}

enum err
repair_get(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s = NULL;
    bool row = false;
    *out = NULL;
    enum err rc =
        store_query(st, &s, "SELECT " REPAIR_COLS " WHERE r.id = $1", "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *out = repair_row(s);
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_REPAIR_NOT_FOUND, "修理受付 %" PRId64 " はありません",
                      id);
    return rc;
}

enum err
repair_update(struct store *st, int64_t id, const char *to,
              const char *scheduled_for, const char *note, const char *actor)
{
    json_t *cur = NULL;
    char now[32];
    time_now_iso(now);
    enum err rc = repair_get(st, id, &cur);
    if (rc)
        return rc;
    const char *from = json_string_value(json_object_get(cur, "state"));
    int f = repair_state_parse(from), t = to ? repair_state_parse(to) : f;
    if (to && !repair_transition_ok((enum repair_state)f, (enum repair_state)t))
        rc = err_fail(ERR_REPAIR_STATE, "修理受付 %" PRId64 " は %s です", id,
                      from);
    else if (f == REPAIR_DONE)
        rc = err_fail(ERR_REPAIR_STATE, "修理受付 %" PRId64 " は完了しています",
                      id);
    json_decref(cur);
    if (!rc)
        rc = store_run(st,
                       "UPDATE repair_requests SET state = $2,"
                       " scheduled_for = COALESCE($3, scheduled_for),"
                       " note = COALESCE($4, note), updated_at = $5,"
                       " updated_by = $6 WHERE id = $1",
                       "itttt"
                       "t",
                       id, repair_state_name((enum repair_state)t),
                       scheduled_for, note, now, actor);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Notification targets                                                   */
/* ---------------------------------------------------------------------- */

enum err
alarm_setting_get(struct store *st, const char *key, char *out, size_t n)
{
    struct stmt *s = NULL;
    bool row = false;
    out[0] = '\0';
    enum err rc = store_query(
        st, &s, "SELECT value FROM settings WHERE key = $1", "t", key);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        snprintf(out, n, "%s", stmt_text(s, 0));
    stmt_done(s);
    return rc;
}

enum err
alarm_setting_put(struct store *st, const char *key, const char *value)
{
    if (!value)
        return store_run(st, "DELETE FROM settings WHERE key = $1", "t", key);
    return store_run(st,
                     "INSERT INTO settings (key, value) VALUES ($1, $2)"
                     " ON CONFLICT (key) DO UPDATE SET value = $2",
                     "tt", key, value);
}
