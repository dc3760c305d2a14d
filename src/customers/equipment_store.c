/*
 * equipment_store.c — the SQL of contracts (契約), meters (メーター) and
 * their exchanges, cylinder set-ups (容器設置), appliances (消費機器) and
 * record_history.
 *
 * One record layer serves the four kinds: each struct rtable below holds
 * its table's statements as string literals and the field tables that say
 * which columns they bind and read. Every statement of a table reads the
 * same columns:
 *
 *   id, supply_point_id, version, created_at, updated_at,   (0–4)
 *   <editable fields, in field-table order>, <read-only columns>
 *
 * and binds editable fields as $1..$n, so the generic code below needs no
 * per-kind branches. FIELD_TENTHS values travel as "1234.5" in JSON and
 * as integer tenths in SQL. Writes run inside the caller's transaction;
 * an update names the version it expects and no change means someone else
 * got there first.
 */
#include "core/timeutil.h"
#include "customers/customers.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD_COLS "id, supply_point_id, version, created_at, updated_at, "
#define HEAD_N    5
#define LIST_MAX  "500" /* rows per point: far above any real point */

/* ---------------------------------------------------------------------- */
/* The four tables                                                        */
/* ---------------------------------------------------------------------- */

static const struct cfield contract_ro[] = {
    {"end_date", 10, 0, 0, 0, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const struct cfield removed_ro[] = {
    {"removed_date", 10, 0, 0, 0, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const struct cfield meter_ro[] = {
    {"removed_date", 10, 0, 0, 0, NULL, NULL},
    {"final_index", 0, FIELD_TENTHS, 0, 0, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

#define CONTRACT_COLS                                                          \
    HEAD_COLS "customer_id, tariff_id, start_date, payment_method,"            \
              " bank_code, branch_code, account_type, account_number,"         \
              " account_holder, notes, end_date"

const struct rtable contract_table = {
    "contract",
    contract_fields,
    contract_ro,
    "start_date",
    "end_date",
    ERR_CONTRACT_NOT_FOUND,
    NULL,
    "INSERT INTO contracts (customer_id, tariff_id, start_date,"
    " payment_method, bank_code, branch_code, account_type, account_number,"
    " account_holder, notes, supply_point_id, created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)"
    " RETURNING id",
    "SELECT " CONTRACT_COLS " FROM contracts WHERE id = $1",
    "SELECT " CONTRACT_COLS " FROM contracts WHERE supply_point_id = $1"
    " ORDER BY start_date DESC, id DESC LIMIT " LIST_MAX,
    "SELECT " CONTRACT_COLS " FROM contracts WHERE supply_point_id = $1"
    " AND (end_date IS NULL OR end_date >= $2)"
    " ORDER BY start_date, id LIMIT " LIST_MAX,
    "UPDATE contracts SET customer_id = $1, tariff_id = $2, start_date = $3,"
    " payment_method = $4, bank_code = $5, branch_code = $6,"
    " account_type = $7, account_number = $8, account_holder = $9,"
    " notes = $10, updated_at = $11, version = version + 1"
    " WHERE id = $12 AND version = $13",
    "UPDATE contracts SET end_date = $1, updated_at = $2,"
    " version = version + 1 WHERE id = $3 AND end_date IS NULL",
};

#define METER_COLS                                                             \
    HEAD_COLS "serial, maker, model, kind, capacity, digits, install_date,"    \
              " initial_index, certification_expiry, device_id, notes,"        \
              " removed_date, final_index"

const struct rtable meter_table = {
    "meter",
    meter_fields,
    meter_ro,
    "install_date",
    "removed_date",
    ERR_METER_NOT_FOUND,
    meter_finish,
    "INSERT INTO meters (serial, maker, model, kind, capacity, digits,"
    " install_date, initial_index, certification_expiry, device_id, notes,"
    " supply_point_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5,"
    " $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
    "SELECT " METER_COLS " FROM meters WHERE id = $1",
    "SELECT " METER_COLS " FROM meters WHERE supply_point_id = $1"
    " ORDER BY CASE WHEN removed_date IS NULL THEN 0 ELSE 1 END,"
    " install_date DESC, id DESC LIMIT " LIST_MAX,
    "SELECT " METER_COLS " FROM meters WHERE supply_point_id = $1"
    " AND (removed_date IS NULL OR removed_date > $2)"
    " ORDER BY install_date, id LIMIT " LIST_MAX,
    "UPDATE meters SET serial = $1, maker = $2, model = $3, kind = $4,"
    " capacity = $5, digits = $6, install_date = $7, initial_index = $8,"
    " certification_expiry = $9, device_id = $10, notes = $11,"
    " updated_at = $12, version = version + 1"
    " WHERE id = $13 AND version = $14",
    NULL, /* a meter leaves by exchange (meter_remove) */
};

#define CYLINDER_COLS                                                          \
    HEAD_COLS "size_kg, supply_count, reserve_count, switch_kind,"             \
              " usage_30d, gas_out_index, installed_date, notes, removed_date"

const struct rtable cylinder_table = {
    "cylinder",
    cylinder_fields,
    removed_ro,
    "installed_date",
    "removed_date",
    ERR_CYLINDER_NOT_FOUND,
    NULL,
    "INSERT INTO cylinders (size_kg, supply_count, reserve_count,"
    " switch_kind, usage_30d, gas_out_index, installed_date, notes,"
    " supply_point_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5,"
    " $6, $7, $8, $9, $10, $10) RETURNING id",
    "SELECT " CYLINDER_COLS " FROM cylinders WHERE id = $1",
    "SELECT " CYLINDER_COLS " FROM cylinders WHERE supply_point_id = $1"
    " ORDER BY CASE WHEN removed_date IS NULL THEN 0 ELSE 1 END, id DESC"
    " LIMIT " LIST_MAX,
    "SELECT " CYLINDER_COLS " FROM cylinders WHERE supply_point_id = $1"
    " AND (removed_date IS NULL OR removed_date > $2) ORDER BY id"
    " LIMIT " LIST_MAX,
    "UPDATE cylinders SET size_kg = $1, supply_count = $2,"
    " reserve_count = $3, switch_kind = $4, usage_30d = $5,"
    " gas_out_index = $6, installed_date = $7, notes = $8,"
    " updated_at = $9, version = version + 1"
    " WHERE id = $10 AND version = $11",
    "UPDATE cylinders SET removed_date = $1, updated_at = $2,"
    " version = version + 1 WHERE id = $3 AND removed_date IS NULL",
};

#define APPLIANCE_COLS                                                         \
    HEAD_COLS "kind, maker, model, serial, install_date, ownership,"           \
              " device_id, notes, removed_date"

const struct rtable appliance_table = {
    "appliance",
    appliance_fields,
    removed_ro,
    "install_date",
    "removed_date",
    ERR_APPLIANCE_NOT_FOUND,
    NULL,
    "INSERT INTO appliances (kind, maker, model, serial, install_date,"
    " ownership, device_id, notes, supply_point_id, created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    "SELECT " APPLIANCE_COLS " FROM appliances WHERE id = $1",
    "SELECT " APPLIANCE_COLS " FROM appliances WHERE supply_point_id = $1"
    " ORDER BY CASE WHEN removed_date IS NULL THEN 0 ELSE 1 END, id DESC"
    " LIMIT " LIST_MAX,
    "SELECT " APPLIANCE_COLS " FROM appliances WHERE supply_point_id = $1"
    " AND (removed_date IS NULL OR removed_date > $2) ORDER BY id"
    " LIMIT " LIST_MAX,
    "UPDATE appliances SET kind = $1, maker = $2, model = $3, serial = $4,"
    " install_date = $5, ownership = $6, device_id = $7, notes = $8,"
    " updated_at = $9, version = version + 1"
    " WHERE id = $10 AND version = $11",
    "UPDATE appliances SET removed_date = $1, updated_at = $2,"
    " version = version + 1 WHERE id = $3 AND removed_date IS NULL",
};

/* ---------------------------------------------------------------------- */
/* Binding and reading by field table                                     */
/* ---------------------------------------------------------------------- */

static int
nfields(const struct cfield *f)
{
    int n = 0;
    while (f[n].name)
        n++;
    return n;
}

/* Bind rec's fields to $first.. in table order (null when absent). */
static enum err
bind_fields(struct stmt *s, int first, const struct cfield *fields,
            const json_t *rec)
{
    enum err rc = ERR_OK;
    for (int i = 0; !rc && fields[i].name; i++) {
        json_t *v = json_object_get(rec, fields[i].name);
        int64_t t;
        if (json_is_null(v) || !v)
            rc = stmt_bind_null(s, first + i);
        else if (fields[i].flags & FIELD_TENTHS)
            rc = equipment_tenths_parse(v, &t)
                     ? ERR_INTERNAL /* cfield_check let it through */
                     : stmt_bind_int(s, first + i, t);
        else if (json_is_integer(v))
            rc = stmt_bind_int(s, first + i, json_integer_value(v));
        else
            rc = stmt_bind_text(s, first + i, json_string_value(v));
    }
    return rc;
}

/* Read fields from column first.. into out; returns how many. */
static int
read_fields(struct stmt *s, int first, const struct cfield *fields, json_t *out)
{
    int i;
    char t[24];
    for (i = 0; fields[i].name; i++) {
        json_t *v;
        if (stmt_is_null(s, first + i)) {
            v = json_null();
        } else if (fields[i].flags & FIELD_TENTHS) {
            equipment_tenths_format(stmt_int(s, first + i), t);
            v = json_string(t);
        } else if (fields[i].flags & FIELD_INT) {
            v = json_integer(stmt_int(s, first + i));
        } else {
            v = json_string(stmt_text(s, first + i));
        }
        json_object_set_new(out, fields[i].name, v);
    }
    return i;
}

/* The current row of one of t's statements as JSON. */
static json_t *
row_json(struct stmt *s, const struct rtable *t)
{
    json_t *r =
        json_pack("{s:I, s:I, s:I, s:s, s:s}", "id", (json_int_t)stmt_int(s, 0),
                  "supply_point_id", (json_int_t)stmt_int(s, 1), "version",
                  (json_int_t)stmt_int(s, 2), "created_at", stmt_text(s, 3),
                  "updated_at", stmt_text(s, 4));
    int n = read_fields(s, HEAD_N, t->fields, r);
    read_fields(s, HEAD_N + n, t->ro, r);
    if (t->finish)
        t->finish(r);
    return r;
}

/* Step s (bound with rc) to its end, collecting rows into a new array;
 * releases s. */
static enum err
collect(struct stmt *s, enum err rc, const struct rtable *t, json_t **out)
{
    bool row;
    json_t *list = json_array();
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(list, row_json(s, t));
    stmt_done(s);
    if (rc)
        json_decref(list);
    *out = rc ? NULL : list;
    return rc;
}

/* The first row of a list (new ref), or NULL; takes list. */
static json_t *
first_of(json_t *list)
{
    json_t *one = json_incref(json_array_get(list, 0));
    json_decref(list);
    return one;
}

/* The first row of a list, or JSON null; takes list. */
static json_t *
first_or_null(json_t *list)
{
    json_t *one = first_of(list);
    return one ? one : json_null();
}

/* Step a bound write to its end; *id gets column 0 when it returns a row. */
static enum err
finish(struct stmt *s, enum err rc, int64_t *id)
{
    bool row = false;
    if (!rc)
        rc = stmt_step(s, &row);
    if (!rc && id)
        *id = row ? stmt_int(s, 0) : 0;
    stmt_done(s);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The record layer                                                       */
/* ---------------------------------------------------------------------- */

enum err
record_insert(struct store *st, const struct rtable *t, int64_t point,
              const json_t *rec, int64_t *id)
{
    struct stmt *s;
    char now[32];
    int n = nfields(t->fields);
    time_now_iso(now);
    enum err rc = store_prepare(st, t->sql_insert, &s);
    if (rc)
        return rc;
    if (!(rc = bind_fields(s, 1, t->fields, rec)) &&
        !(rc = stmt_bind_int(s, n + 1, point)))
        rc = stmt_bind_text(s, n + 2, now);
    return finish(s, rc, id);
}

enum err
record_get(struct store *st, const struct rtable *t, int64_t id, json_t **out)
{
    struct stmt *s;
    enum err rc = store_query(st, &s, t->sql_get, "i", id);
    if ((rc = collect(s, rc, t, out)))
        return rc;
    if (!(*out = first_of(*out)))
        return err_fail(t->not_found, "no %s %lld", t->kind, (long long)id);
    return ERR_OK;
}

enum err
record_list(struct store *st, const struct rtable *t, int64_t point,
            bool current, json_t **out)
{
    struct stmt *s;
    char today[11];
    time_today_jst(today);
    enum err rc = current
                      ? store_query(st, &s, t->sql_current, "it", point, today)
                      : store_query(st, &s, t->sql_list, "i", point);
    return collect(s, rc, t, out);
}

enum err
record_update(struct store *st, const struct rtable *t, int64_t id,
              int64_t version, const json_t *rec)
{
    struct stmt *s;
    char now[32];
    int n = nfields(t->fields);
    time_now_iso(now);
    enum err rc = store_prepare(st, t->sql_update, &s);
    if (rc)
        return rc;
    if (!(rc = bind_fields(s, 1, t->fields, rec)) &&
        !(rc = stmt_bind_text(s, n + 1, now)) &&
        !(rc = stmt_bind_int(s, n + 2, id)))
        rc = stmt_bind_int(s, n + 3, version);
    rc = finish(s, rc, NULL);
    if (!rc && store_changes(st) != 1)
        rc = err_fail(ERR_CUSTOMER_VERSION_CONFLICT, "%s changed", t->kind);
    return rc;
}

enum err
record_close(struct store *st, const struct rtable *t, int64_t id,
             const char *date)
{
    char now[32];
    time_now_iso(now);
    enum err rc = store_run(st, t->sql_close, "tti", date, now, id);
    if (!rc && store_changes(st) != 1)
        rc = err_fail(ERR_CONFLICT, "the %s has already ended", t->kind);
    return rc;
}

enum err
record_history_add(struct store *st, const char *kind, int64_t id,
                   const char *actor, const json_t *before, const json_t *after)
{
    char now[32];
    time_now_iso(now);
    char *b = json_dumps(before, JSON_COMPACT);
    char *a = json_dumps(after, JSON_COMPACT);
    enum err rc = ERR_INTERNAL;
    if (b && a)
        rc = store_run(st,
                       "INSERT INTO record_history (kind, record_id,"
                       " changed_at, actor, before, after)"
                       " VALUES ($1, $2, $3, $4, $5, $6)",
                       "titttt", kind, id, now, actor, b, a);
    free(b);
    free(a);
    return rc;
}

enum err
record_history_rows(struct stmt *s, enum err rc, json_t **out)
{
    bool row;
    json_t *list = json_array();
    *out = NULL;
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s, s:o?, s:o?}", "id",
                            (json_int_t)stmt_int(s, 0), "changed_at",
                            stmt_text(s, 1), "actor", stmt_text(s, 2), "before",
                            json_loads(stmt_text(s, 3), 0, NULL), "after",
                            json_loads(stmt_text(s, 4), 0, NULL)));
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o}", "history", list);
    return ERR_OK;
}

enum err
record_history_list(struct store *st, const char *kind, int64_t id,
                    json_t **out)
{
    struct stmt *s;
    enum err rc = store_query(
        st, &s,
        "SELECT id, changed_at, actor, before, after FROM record_history"
        " WHERE kind = $1 AND record_id = $2 ORDER BY id DESC LIMIT 1000",
        "ti", kind, id);
    return record_history_rows(s, rc, out);
}

/* ---------------------------------------------------------------------- */
/* Supply points                                                          */
/* ---------------------------------------------------------------------- */

/* Column 0 of the one row of a bound query (*v = 0 when none). */
static enum err
scalar(struct stmt *s, enum err rc, int64_t *v)
{
    bool row = false;
    *v = 0;
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *v = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

enum err
equipment_point_exists(struct store *st, int64_t id)
{
    struct stmt *s;
    int64_t found;
    enum err rc = store_query(
        st, &s, "SELECT id FROM supply_points WHERE id = $1", "i", id);
    if ((rc = scalar(s, rc, &found)))
        return rc;
    return found ? ERR_OK
                 : err_fail(ERR_SUPPLY_POINT_NOT_FOUND, "no supply point %lld",
                            (long long)id);
}

enum err
equipment_point_occupant(struct store *st, int64_t id, int64_t *customer_id)
{
    struct stmt *s;
    enum err rc = store_query(st, &s,
                              "SELECT customer_id FROM occupancy"
                              " WHERE supply_point_id = $1"
                              " AND moved_out IS NULL",
                              "i", id);
    return scalar(s, rc, customer_id);
}

enum err
equipment_summary(struct store *st, int64_t point, json_t *rec)
{
    json_t *contracts, *meters, *cylinders, *appliances;
    enum err rc = record_list(st, &contract_table, point, true, &contracts);
    if (rc)
        return rc;
    json_object_set_new(rec, "contract", first_or_null(contracts));
    if ((rc = record_list(st, &meter_table, point, true, &meters)))
        return rc;
    json_object_set_new(rec, "meter", first_or_null(meters));
    if ((rc = record_list(st, &cylinder_table, point, true, &cylinders)))
        return rc;
    json_object_set_new(rec, "cylinders", cylinders);
    if ((rc = record_list(st, &appliance_table, point, true, &appliances)))
        return rc;
    json_object_set_new(rec, "appliances", appliances);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Contracts                                                              */
/* ---------------------------------------------------------------------- */

enum err
contract_overlap_check(struct store *st, int64_t id)
{
    json_t *c;
    struct stmt *s;
    int64_t other;
    enum err rc = record_get(st, &contract_table, id, &c);
    if (rc)
        return rc;
    const char *end = json_string_value(json_object_get(c, "end_date"));
    rc = store_query(
        st, &s,
        "SELECT id FROM contracts WHERE supply_point_id = $1"
        " AND id <> $2 AND start_date <= $3"
        " AND (end_date IS NULL OR end_date >= $4) LIMIT 1",
        "iitt",
        (int64_t)json_integer_value(json_object_get(c, "supply_point_id")), id,
        end ? end : "9999-12-31",
        json_string_value(json_object_get(c, "start_date")));
    rc = scalar(s, rc, &other);
    json_decref(c);
    if (!rc && other)
        rc = err_fail(ERR_CONTRACT_OVERLAP,
                      "the dates overlap contract %lld at this supply point",
                      (long long)other);
    return rc;
}

enum err
contract_open(struct store *st, int64_t point, json_t **out)
{
    struct stmt *s;
    enum err rc = store_query(st, &s,
                              "SELECT " CONTRACT_COLS " FROM contracts"
                              " WHERE supply_point_id = $1"
                              " AND end_date IS NULL"
                              " ORDER BY start_date DESC, id DESC LIMIT 1",
                              "i", point);
    if (!(rc = collect(s, rc, &contract_table, out)))
        *out = first_of(*out);
    return rc;
}

enum err
contract_list_for_customer(struct store *st, int64_t customer_id, json_t **out)
{
    struct stmt *s;
    json_t *list;
    enum err rc =
        store_query(st, &s,
                    "SELECT " CONTRACT_COLS " FROM contracts"
                    " WHERE customer_id = $1"
                    " ORDER BY start_date DESC, id DESC LIMIT " LIST_MAX,
                    "i", customer_id);
    if (!(rc = collect(s, rc, &contract_table, &list)))
        *out = json_pack("{s:o}", "contracts", list);
    return rc;
}

enum err
contract_get_for_export(struct store *st, int64_t id, json_t **out)
{
    return record_get(st, &contract_table, id, out);
}

/* ---------------------------------------------------------------------- */
/* Meters and exchanges (メーター交換)                                    */
/* ---------------------------------------------------------------------- */

enum err
meter_installed(struct store *st, int64_t point, json_t **out)
{
    struct stmt *s;
    enum err rc = store_query(st, &s,
                              "SELECT " METER_COLS " FROM meters"
                              " WHERE supply_point_id = $1"
                              " AND removed_date IS NULL",
                              "i", point);
    if (!(rc = collect(s, rc, &meter_table, out)))
        *out = first_of(*out);
    return rc;
}

enum err
meter_remove(struct store *st, int64_t id, const char *date,
             int64_t final_index)
{
    char now[32];
    time_now_iso(now);
    enum err rc = store_run(st,
                            "UPDATE meters SET removed_date = $1,"
                            " final_index = $2, updated_at = $3,"
                            " version = version + 1"
                            " WHERE id = $4 AND removed_date IS NULL",
                            "titi", date, final_index, now, id);
    if (!rc && store_changes(st) != 1)
        rc = err_fail(ERR_METER_EXCHANGE, "the meter is already removed");
    return rc;
}

enum err
meter_exchange_add(struct store *st, const struct meter_exchange *x,
                   int64_t *id)
{
    struct stmt *s;
    char now[32];
    time_now_iso(now);
    enum err rc = store_query(
        st, &s,
        "INSERT INTO meter_exchanges (supply_point_id, old_meter_id,"
        " new_meter_id, exchanged_on, old_final_index, new_initial_index,"
        " reason, actor, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
        " $9) RETURNING id",
        "iiitiittt", x->point, x->old_meter, x->new_meter, x->date,
        x->old_final, x->new_initial, x->reason, x->actor, now);
    return finish(s, rc, id);
}

/* One meter_exchanges row (columns of meter_exchange_list) as JSON. */
static json_t *
exchange_json(struct stmt *s)
{
    char fin[24], ini[24];
    equipment_tenths_format(stmt_int(s, 5), fin);
    equipment_tenths_format(stmt_int(s, 6), ini);
    return json_pack("{s:I, s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s?, s:s, s:s}",
                     "id", (json_int_t)stmt_int(s, 0), "old_meter_id",
                     (json_int_t)stmt_int(s, 1), "old_serial", stmt_text(s, 2),
                     "new_meter_id", (json_int_t)stmt_int(s, 3), "new_serial",
                     stmt_text(s, 4), "exchanged_on", stmt_text(s, 7),
                     "old_final_index", fin, "new_initial_index", ini, "reason",
                     stmt_text(s, 8), "actor", stmt_text(s, 9), "created_at",
                     stmt_text(s, 10));
}

enum err
meter_exchange_list(struct store *st, int64_t point, json_t **out)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(
        st, &s,
        "SELECT x.id, x.old_meter_id, o.serial, x.new_meter_id, n.serial,"
        " x.old_final_index, x.new_initial_index, x.exchanged_on, x.reason,"
        " x.actor, x.created_at FROM meter_exchanges x"
        " JOIN meters o ON o.id = x.old_meter_id"
        " JOIN meters n ON n.id = x.new_meter_id"
        " WHERE x.supply_point_id = $1"
        " ORDER BY x.exchanged_on DESC, x.id DESC LIMIT " LIST_MAX,
        "i", point);
    json_t *list = json_array();
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(list, exchange_json(s));
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o}", "exchanges", list);
    return ERR_OK;
}
