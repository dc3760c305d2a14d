/*
 * events_store.c — device events: placing an event in the ledger, storing
 * it once, listing (events.h).
 *
 * Placing. An event happened at a device at a time; the ledger says
 * which meter (smart meters) or appliance (water-heater adapters)
 * carried that device id on that JST date, at which supply point, and
 * who lived there. A device the ledger does not know yet keeps the
 * registry's links; an event is never refused for want of a place.
 */
#include "monitor/batch.h"
#include "core/timeutil.h"
#include "monitor/events.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The JST date of Unix ms into out[11]. */
static void
jst_date(int64_t ms, char out[11])
{
    char iso[32];
    batch_time_format(ms + 9 * 3600 * 1000LL, iso);
    memcpy(out, iso, 10);
    out[10] = '\0';
}

/* Two integer columns of the first row of s (0 when none). */
static enum err
two_ints(struct stmt *s, enum err rc, int64_t *a, int64_t *b)
{
    bool row = false;
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        *a = stmt_int(s, 0);
        if (b)
            *b = stmt_int(s, 1);
    }
    stmt_done(s);
    return rc;
}

/* The meter or appliance carrying the device id on day, and its point. */
static enum err
place_device(struct store *st, const struct device_event_in *ev,
             const char *day, int64_t *rec, int64_t *point)
{
    struct stmt *s = NULL;
    enum err rc = ERR_OK;
    *rec = *point = 0;
    if (ev->device_kind == DEVICE_SMART_METER)
        rc = store_query(st, &s,
                         "SELECT id, supply_point_id FROM meters"
                         " WHERE device_id = $1 AND install_date <= $2"
                         " AND (removed_date IS NULL OR removed_date >= $2)"
                         " ORDER BY id DESC LIMIT 1",
                         "tt", ev->device_id, day);
    else if (ev->device_kind == DEVICE_WATER_HEATER)
        rc = store_query(st, &s,
                         "SELECT id, supply_point_id FROM appliances"
                         " WHERE device_id = $1"
                         " AND (install_date IS NULL OR install_date <= $2)"
                         " AND (removed_date IS NULL OR removed_date >= $2)"
                         " ORDER BY id DESC LIMIT 1",
                         "tt", ev->device_id, day);
    else
        return ERR_OK;
    return two_ints(s, rc, rec, point);
}

/* The occupant of point on day (0: vacant). */
static enum err
place_customer(struct store *st, int64_t point, const char *day,
               int64_t *customer)
{
    struct stmt *s = NULL;
    *customer = 0;
    if (!point)
        return ERR_OK;
    enum err rc = store_query(st, &s,
                              "SELECT customer_id FROM occupancy"
                              " WHERE supply_point_id = $1 AND moved_in <= $2"
                              " AND (moved_out IS NULL OR moved_out > $2)"
                              " ORDER BY moved_in DESC LIMIT 1",
                              "it", point, day);
    return two_ints(s, rc, customer, NULL);
}

static enum err
existing_id(struct store *st, const struct device_event_in *ev, int64_t *id)
{
    struct stmt *s = NULL;
    enum err rc = store_query(st, &s,
                              "SELECT id FROM device_events"
                              " WHERE device_id = $1 AND epoch = $2"
                              " AND seq = $3",
                              "tii", ev->device_id, ev->epoch, ev->seq);
    return two_ints(s, rc, id, NULL);
}

enum err
device_event_store(struct store *st, const struct device_event_in *ev,
                   int64_t *id, bool *duplicate)
{
    char day[11], at[32], now[32];
    int64_t rec = 0, point = 0, customer = 0;
    int64_t meter = 0, appliance = 0;
    jst_date(ev->at_ms, day);
    batch_time_format(ev->at_ms, at);
    time_now_iso(now);
    *id = 0;
    *duplicate = false;
    enum err rc = place_device(st, ev, day, &rec, &point);
    if (!rc && !rec) { /* the registry's links */
        rec = ev->device_kind == DEVICE_SMART_METER ? ev->meter_id
                                                    : ev->appliance_id;
        point = ev->supply_point_id;
    }
    if (ev->device_kind == DEVICE_SMART_METER)
        meter = rec;
    else
        appliance = rec;
    if (!rc)
        rc = place_customer(st, point, day, &customer);
    if (!rc)
        rc = store_run(
            st,
            "INSERT INTO device_events (device_id, device_kind, epoch, seq,"
            " category, kind, severity, shutoff, vendor_code, error_code,"
            " index_tenths, device_at, received_at, stored_at,"
            " supply_point_id, meter_id, appliance_id, customer_id, payload)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
            " NULLIF($11, -1), $12, $13, $14, NULLIF($15, 0), NULLIF($16, 0),"
            " NULLIF($17, 0), NULLIF($18, 0), $19)"
            " ON CONFLICT (device_id, epoch, seq) DO NOTHING",
            "ttiitttittitttiiiit", ev->device_id,
            device_kind_name(ev->device_kind), ev->epoch, ev->seq, ev->category,
            ev->kind, severity_name(ev->severity), (int64_t)ev->shutoff,
            ev->vendor_code, ev->error_code, ev->index_tenths, at,
            ev->received_at, now, point, meter, appliance, customer,
            ev->payload);
    if (rc)
        return rc;
    if (store_changes(st) == 1) {
        *id = store_last_id(st);
        return ERR_OK;
    }
    *duplicate = true;
    return existing_id(st, ev, id);
}

/* ---------------------------------------------------------------------- */
/* Listing                                                                */
/* ---------------------------------------------------------------------- */

/* The Japanese label of an event row. */
static void
label_of(const char *category, const char *kind, const char *error_code,
         char *out, size_t n)
{
    if (!strcmp(category, "heater_status")) {
        enum severity sev;
        const char *label;
        if (error_code && heater_code_parse(error_code, &sev, &label))
            snprintf(out, n, "給湯器エラー %s（%s%s%s）", error_code, label,
                     *heater_circuit_ja(error_code) ? "・" : "",
                     heater_circuit_ja(error_code));
        else
            snprintf(out, n, "給湯器の状態");
        return;
    }
    const struct meter_event *e = meter_event_find(kind);
    snprintf(out, n, "%s", e ? e->label_ja : kind);
}

static json_t *
opt_int(struct stmt *s, int col)
{
    return stmt_is_null(s, col) ? json_null() : json_integer(stmt_int(s, col));
}

static json_t *
event_row(struct stmt *s)
{
    char label[160], index[24] = "";
    label_of(stmt_text(s, 5), stmt_text(s, 6), stmt_text(s, 10), label,
             sizeof(label));
    if (!stmt_is_null(s, 11))
        snprintf(index, sizeof(index), "%" PRId64 ".%" PRId64,
                 stmt_int(s, 11) / 10, stmt_int(s, 11) % 10);
    json_t *payload = json_loads(stmt_text(s, 19), 0, NULL);
    json_t *j = json_pack(
        "{s:I, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:b, s:s?, s:s?}", "id",
        (json_int_t)stmt_int(s, 0), "device_id", stmt_text(s, 1), "device_kind",
        stmt_text(s, 2), "epoch", (json_int_t)stmt_int(s, 3), "seq",
        (json_int_t)stmt_int(s, 4), "category", stmt_text(s, 5), "kind",
        stmt_text(s, 6), "label", label, "severity", stmt_text(s, 7), "shutoff",
        stmt_int(s, 8) != 0, "vendor_code", stmt_text(s, 9), "error_code",
        stmt_text(s, 10));
    json_object_set_new(j, "index",
                        index[0] ? json_string(index) : json_null());
    json_object_set_new(j, "device_at", json_string(stmt_text(s, 12)));
    json_object_set_new(j, "received_at", json_string(stmt_text(s, 13)));
    json_object_set_new(j, "stored_at", json_string(stmt_text(s, 14)));
    json_object_set_new(j, "supply_point_id", opt_int(s, 15));
    json_object_set_new(j, "meter_id", opt_int(s, 16));
    json_object_set_new(j, "appliance_id", opt_int(s, 17));
    json_object_set_new(j, "customer_id", opt_int(s, 18));
    json_object_set_new(j, "payload", payload ? payload : json_null());
    return j;
}

enum err
device_event_list(struct store *st, const struct device_event_query *q,
                  json_t **out)
{
    struct stmt *s;
    bool row = false;
    int n = 0;
    int64_t last = 0;
    json_t *list = json_array();
    enum err rc = store_query(
        st, &s,
        "SELECT id, device_id, device_kind, epoch, seq, category, kind,"
        " severity, shutoff, vendor_code, error_code, index_tenths,"
        " device_at, received_at, stored_at, supply_point_id, meter_id,"
        " appliance_id, customer_id, payload FROM device_events"
        " WHERE ($1 IS NULL OR device_id = $1)"
        " AND ($2 = 0 OR supply_point_id = $2)"
        " AND ($3 IS NULL OR severity = $3)"
        " AND ($4 = 0 OR id < $4)"
        " ORDER BY id DESC LIMIT $5",
        "titii", q->device_id, q->supply_point_id, q->severity, q->before_id,
        (int64_t)q->limit + 1);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        if (++n > q->limit)
            break;
        last = stmt_int(s, 0);
        json_array_append_new(list, event_row(s));
    }
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "events", list, "next_before_id",
                     n > q->limit ? json_integer(last) : json_null());
    return ERR_OK;
}
