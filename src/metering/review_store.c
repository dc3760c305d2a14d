/*
 * review_store.c — the review list (要確認リスト) and what the office does
 * with it: confirm a flagged reading, resolve a conflict (a second value
 * sent for a reading that already had one); the idempotency record of
 * handheld submissions; the tenant's check thresholds.
 *
 * Confirming keeps the reading as it is (status confirmed); correcting
 * makes a new row (metering_store.c). Accepting a conflict corrects the
 * reading to the conflict's value; rejecting keeps the reading. Nothing
 * changes in a closed period (corrections then go through billing).
 *
 * Thresholds live in the tenant's settings table under
 * metering.high_percent, metering.low_percent and metering.min_usage_l.
 */
#include "core/timeutil.h"
#include "customers/customers.h"
#include "metering/metering.h"
#include "metering/metering_int.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REVIEW_MAX "1000"

/* ---------------------------------------------------------------------- */
/* The review list                                                        */
/* ---------------------------------------------------------------------- */

/* Where a reading or conflict is: point, address, occupant (columns from
 * col: sp.id, route, route_order, 5 address columns, customer id, number,
 * name). */
#define WHERE_COLS                                                             \
    "sp.id, sp.route, sp.route_order, sp.prefecture, sp.city, sp.street,"      \
    " sp.building, sp.room, c.id, c.number, c.name"
#define WHERE_JOINS                                                            \
    " JOIN supply_points sp ON sp.id = r.supply_point_id"                      \
    " LEFT JOIN occupancy o ON o.supply_point_id = sp.id"                      \
    "  AND o.moved_out IS NULL"                                                \
    " LEFT JOIN customers c ON c.id = o.customer_id"

static void
add_where(json_t *o, struct stmt *s, int col)
{
    char addr[1024];
    metering_address(s, col + 3, addr, sizeof(addr));
    json_object_set_new(
        o, "supply_point",
        json_pack("{s:I, s:s?, s:o, s:s}", "id", (json_int_t)stmt_int(s, col),
                  "route", stmt_text(s, col + 1), "route_order",
                  stmt_is_null(s, col + 2) ? json_null()
                                           : json_integer(stmt_int(s, col + 2)),
                  "address", addr));
    json_object_set_new(o, "customer",
                        stmt_is_null(s, col + 8)
                            ? json_null()
                            : json_pack("{s:I, s:s, s:s}", "id",
                                        (json_int_t)stmt_int(s, col + 8),
                                        "number", stmt_text(s, col + 9), "name",
                                        stmt_text(s, col + 10)));
}

/* Flagged readings with where they are and the reading before. */
static enum err
review_readings(struct store *st, json_t *list)
{
    struct stmt *s;
    bool row;
    char prev[24];
    enum err rc = store_query(
        st, &s,
        "SELECT " READING_COLS ", " WHERE_COLS ", pv.index_tenths, pv.read_on"
        " FROM readings r" WHERE_JOINS
        " LEFT JOIN readings pv ON pv.id = r.previous_id"
        " WHERE r.status = 'flagged'"
        " ORDER BY sp.route, sp.route_order, r.id LIMIT " REVIEW_MAX,
        "");
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        json_t *o = reading_row_json(s);
        int c = READING_NCOLS + 11;
        add_where(o, s, READING_NCOLS);
        equipment_tenths_format(stmt_int(s, c), prev);
        json_object_set_new(o, "previous",
                            stmt_is_null(s, c)
                                ? json_null()
                                : json_pack("{s:s, s:s}", "index", prev,
                                            "read_on", stmt_text(s, c + 1)));
        json_array_append_new(list, o);
    }
    stmt_done(s);
    return rc;
}

/* Open conflicts with the reading they contest. */
static enum err
review_conflicts(struct store *st, json_t *list)
{
    struct stmt *s;
    bool row;
    char idx[24], cur[24];
    enum err rc = store_query(
        st, &s,
        "SELECT k.id, k.reading_id, k.index_tenths, k.read_on, k.source,"
        " k.entered_by, k.created_at, r.index_tenths, r.read_on, r.source,"
        " r.entered_by, " WHERE_COLS " FROM reading_conflicts k"
        " JOIN readings r ON r.id = k.reading_id" WHERE_JOINS
        " WHERE k.status = 'open' ORDER BY k.id LIMIT " REVIEW_MAX,
        "");
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        equipment_tenths_format(stmt_int(s, 2), idx);
        equipment_tenths_format(stmt_int(s, 7), cur);
        json_t *o = json_pack(
            "{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "id",
            (json_int_t)stmt_int(s, 0), "reading_id",
            (json_int_t)stmt_int(s, 1), "index", idx, "read_on",
            stmt_text(s, 3), "source", stmt_text(s, 4), "entered_by",
            stmt_text(s, 5), "created_at", stmt_text(s, 6), "reading", "index",
            cur, "read_on", stmt_text(s, 8), "source", stmt_text(s, 9),
            "entered_by", stmt_text(s, 10));
        add_where(o, s, 11);
        json_array_append_new(list, o);
    }
    stmt_done(s);
    return rc;
}

enum err
review_list(struct store *st, json_t **out)
{
    json_t *readings = json_array(), *conflicts = json_array();
    enum err rc = review_readings(st, readings);
    if (!rc)
        rc = review_conflicts(st, conflicts);
    if (rc) {
        json_decref(readings);
        json_decref(conflicts);
        return rc;
    }
    *out =
        json_pack("{s:o, s:o}", "readings", readings, "conflicts", conflicts);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Confirm, resolve                                                       */
/* ---------------------------------------------------------------------- */

/* Reading id's status and whether its period is closed. */
static enum err
reading_state(struct store *st, int64_t id, char status[12], bool *closed)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(st, &s,
                              "SELECT r.status, p.status FROM readings r"
                              " LEFT JOIN reading_periods p"
                              " ON p.id = r.period_id WHERE r.id = $1",
                              "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        metering_copy(status, 12, stmt_text(s, 0));
        *closed = stmt_text(s, 1) && !strcmp(stmt_text(s, 1), "closed");
    }
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_READING_NOT_FOUND, "検針 %" PRId64 " がありません",
                      id);
    return rc;
}

enum err
reading_confirm(struct store *st, int64_t id, const char *actor)
{
    char status[12], now[32];
    bool closed = false;
    enum err rc = reading_state(st, id, status, &closed);
    if (rc)
        return rc;
    if (closed)
        return err_fail(ERR_PERIOD_CLOSED, "この検針の検針月は締め済みです");
    if (strcmp(status, "flagged"))
        return err_fail(ERR_CONFLICT, "要確認の検針ではありません（%s）",
                        status);
    time_now_iso(now);
    (void)actor; /* who confirmed is in the audit entry */
    return store_run(st,
                     "UPDATE readings SET status = 'confirmed',"
                     " version = version + 1, updated_at = $1"
                     " WHERE id = $2 AND status = 'flagged'",
                     "ti", now, id);
}

/* The live reading that reading id became (following corrections). */
static enum err
live_reading(struct store *st, int64_t id, int64_t *live)
{
    for (int i = 0; i < 16; i++) {
        struct stmt *s;
        int64_t next;
        enum err rc = store_query(
            st, &s, "SELECT id FROM readings WHERE corrects_id = $1", "i", id);
        if ((rc = metering_scalar(s, rc, &next)))
            return rc;
        if (!next)
            break;
        id = next;
    }
    *live = id;
    return ERR_OK;
}

enum err
conflict_resolve(struct store *st, int64_t id, bool accept, const char *actor,
                 int64_t *reading_id)
{
    struct stmt *s;
    bool row = false;
    char read_on[11] = "", source[12] = "", now[32];
    int64_t reading = 0, index = 0;
    enum err rc = store_query(st, &s,
                              "SELECT reading_id, index_tenths, read_on,"
                              " source FROM reading_conflicts"
                              " WHERE id = $1 AND status = 'open'",
                              "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        reading = stmt_int(s, 0);
        index = stmt_int(s, 1);
        metering_copy(read_on, sizeof(read_on), stmt_text(s, 2));
        metering_copy(source, sizeof(source), stmt_text(s, 3));
    }
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_CONFLICT_NOT_FOUND,
                      "確認待ちの指針 %" PRId64 " がありません", id);
    if (!rc)
        rc = live_reading(st, reading, reading_id);
    if (!rc && accept)
        rc = reading_correct_as(st, *reading_id, index, read_on,
                                "二重送信の確認により訂正", source, actor,
                                reading_id);
    if (rc)
        return rc;
    time_now_iso(now);
    return store_run(st,
                     "UPDATE reading_conflicts SET status = $1,"
                     " resolved_by = $2, resolved_at = $3 WHERE id = $4",
                     "ttti", accept ? "accepted" : "rejected", actor, now, id);
}

/* ---------------------------------------------------------------------- */
/* Submissions (idempotency keys)                                         */
/* ---------------------------------------------------------------------- */

enum err
submission_get(struct store *st, const char *key, const char *hash, bool *found,
               bool *same, json_t **response)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(st, &s,
                              "SELECT request_hash, response"
                              " FROM reading_submissions WHERE key = $1",
                              "t", key);
    *found = *same = false;
    *response = NULL;
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        const char *text = stmt_text(s, 1);
        *found = true;
        *same = !strcmp(stmt_text(s, 0), hash);
        if (*same && json_parse(text, strlen(text), response))
            rc = err_fail(ERR_INTERNAL, "stored answer of %s unreadable", key);
    }
    stmt_done(s);
    return rc;
}

enum err
submission_put(struct store *st, const char *key, const char *hash, int outcome,
               const json_t *response)
{
    char now[32];
    char *text = json_dumps(response, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text)
        return err_fail(ERR_INTERNAL, "answer not serializable");
    time_now_iso(now);
    enum err rc = store_run(st,
                            "INSERT INTO reading_submissions (key,"
                            " request_hash, status, response, created_at)"
                            " VALUES ($1, $2, $3, $4, $5)",
                            "ttitt", key, hash, (int64_t)outcome, text, now);
    free(text);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Thresholds                                                             */
/* ---------------------------------------------------------------------- */

static const char *const threshold_keys[] = {
    "metering.high_percent", "metering.low_percent", "metering.min_usage_l"};

enum err
metering_thresholds_get(struct store *st, struct metering_thresholds *t)
{
    struct stmt *s;
    bool row;
    *t = metering_thresholds_default;
    int64_t *slot[] = {&t->high_percent, &t->low_percent, &t->min_l};
    enum err rc = store_query(st, &s,
                              "SELECT key, value FROM settings"
                              " WHERE key IN ($1, $2, $3)",
                              "ttt", threshold_keys[0], threshold_keys[1],
                              threshold_keys[2]);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        char *end;
        long long v = strtoll(stmt_text(s, 1), &end, 10);
        for (size_t i = 0; i < 3; i++)
            if (!strcmp(stmt_text(s, 0), threshold_keys[i]) && !*end &&
                v >= 0 && v <= 100000000)
                *slot[i] = v;
    }
    stmt_done(s);
    return rc;
}

enum err
metering_thresholds_put(struct store *st, const struct metering_thresholds *t)
{
    const int64_t v[] = {t->high_percent, t->low_percent, t->min_l};
    enum err rc = ERR_OK;
    for (size_t i = 0; i < 3 && !rc; i++) {
        char text[24];
        snprintf(text, sizeof(text), "%" PRId64, v[i]);
        rc = store_run(st,
                       "INSERT INTO settings (key, value) VALUES ($1, $2)"
                       " ON CONFLICT (key) DO UPDATE SET value = $2",
                       "tt", threshold_keys[i], text);
    }
    return rc;
}
