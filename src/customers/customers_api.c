/*
 * customers_api.c — the customer ledger over HTTP.
 *
 *   GET    /api/v1/customers                 customers.read (q, status,
 *                                            after, limit)
 *   POST   /api/v1/customers                 customers.write → 201 + ETag
 *   GET    /api/v1/customers/{id}            customers.read, ETag
 *   PATCH  /api/v1/customers/{id}            customers.write, If-Match
 *   POST   /api/v1/customers/{id}/status     customers.write
 *   DELETE /api/v1/customers/{id}            customers.write (never used)
 *   GET    /api/v1/customers/{id}/history    customers.read
 *   POST   /api/v1/supply-points             customers.write → 201 + ETag
 *   GET    /api/v1/supply-points/{id}        customers.read, with occupants
 *                                            and equipment summaries
 *   PATCH  /api/v1/supply-points/{id}        customers.write, If-Match
 *   POST   /api/v1/supply-points/{id}/move   customers.write (転居・入居),
 *                                            optionally with the newcomer's
 *                                            contract
 *   GET    /api/v1/supply-points/{id}/history customers.read
 *
 * The generic record handlers (read, PATCH with If-Match, history) live in
 * records_api.c. A move ends the point's open contract on the day before
 * the move date (contract dates are inclusive) and, when the body carries
 * "contract", opens the newcomer's from the move date; when it carries
 * "reading": {"index"} (転居時検針), the meter is read on the move date
 * for both (a move_out reading for the leaving occupant, a move_in for
 * the newcomer: metering.h), so the period's usage splits between the two
 * contracts. Occupancy, contracts, readings, their history rows and one
 * audit entry per change commit in one transaction. Supply-point edits
 * and moves are kept in record_history ("supply_point"); customers in
 * customer_history.
 */
#include "auth/auth.h"
#include "core/timeutil.h"
#include "customers/customers.h"
#include "customers/records_api.h"
#include "http/http.h"
#include "metering/metering.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CUSTOMERS_BODY_MAX (16 * 1024)

/* A supply point as the console shows it: with its current contract,
 * meter, cylinders and appliances (one call per screen). */
static enum err
point_extend(struct store *st, int64_t id, json_t *rec)
{
    return equipment_summary(st, id, rec);
}

/* The summary's contract is masked like any contract. */
static void
point_mask(json_t *rec, bool bank)
{
    json_t *c = json_object_get(rec, "contract");
    if (json_is_object(c))
        contract_mask(c, bank);
}

static const struct rkind customer_kind = {
    .name = "customer",
    .fields = customer_fields,
    .get = customer_get,
    .update = customer_update,
    .history = customer_history_add,
    .personal = true,
    .not_found = ERR_CUSTOMER_NOT_FOUND,
};

const struct rkind point_kind = {
    .name = "supply_point",
    .fields = supply_point_fields,
    .get = supply_point_get,
    .update = supply_point_update,
    .extend = point_extend,
    .mask = point_mask,
    .not_found = ERR_SUPPLY_POINT_NOT_FOUND,
};

/* ---------------------------------------------------------------------- */
/* Creating and reading                                                   */
/* ---------------------------------------------------------------------- */

/* What the audit entry of a create says: a customer's number and name
 * (as user.create names the user), a supply point's whole record. */
static json_t *
audit_created(const json_t *rec)
{
    json_t *number = json_object_get(rec, "number");
    if (!number)
        return json_deep_copy(rec);
    return json_pack("{s:O, s:O}", "number", number, "name",
                     json_object_get(rec, "name"));
}

static enum err
create(struct req *r, const struct rkind *kind,
       enum err (*insert)(struct store *, const json_t *, int64_t *),
       const char *action)
{
    struct auth_ctx *a = auth_ctx(r);
    json_t *rec;
    int64_t id = 0;
    char target[48];
    enum err rc = req_json_object(r, &rec);
    if (rc || (rc = record_check_new(r, kind, rec)) ||
        (rc = store_tx_begin(a->st)))
        return rc;
    rc = insert(a->st, rec, &id);
    record_target(target, sizeof(target), kind->name, id);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, action, target, audit_created(rec));
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    return record_respond(r, kind, 201, id);
}

static enum err
post_customer(struct req *r)
{
    return create(r, &customer_kind, customer_insert, "customer.create");
}

static enum err
post_point(struct req *r)
{
    return create(r, &point_kind, supply_point_insert, "supply_point.create");
}

static enum err
get_customer(struct req *r)
{
    return record_get_one(r, &customer_kind);
}

static enum err
get_point(struct req *r)
{
    return record_get_one(r, &point_kind);
}

static enum err
get_point_history(struct req *r)
{
    return record_history_get(r, &point_kind);
}

/* An empty query parameter ("?q=") counts as absent. */
static const char *
nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

/* Read the list's query parameters; field errors for bad ones. */
static enum err
list_params(struct req *r, const char **q, const char **status,
            const char **after, int64_t *limit)
{
    const char *l = req_query(r, "limit");
    char *end = NULL;
    struct jcheck k;
    *q = nonempty(req_query(r, "q"));
    *status = nonempty(req_query(r, "status"));
    *after = nonempty(req_query(r, "after"));
    *limit = l ? strtoll(l, &end, 10) : 50;
    jcheck_init(&k);
    if (*q && utf8_chars(*q) > 100)
        jcheck_add(&k, "q", "format", "100 文字以内で入力してください");
    if (*status && !customer_status_valid(*status))
        jcheck_add(&k, "status", "unknown",
                   "active、suspended、closed のいずれかを指定してください");
    if (*after && !customer_number_valid(*after))
        jcheck_add(&k, "after", "format", "顧客番号が正しくありません");
    if ((end && *end) || *limit < 1 || *limit > 100)
        jcheck_add(&k, "limit", "range", "1 から 100 の範囲で指定してください");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

static enum err
list_customers(struct req *r)
{
    const char *q, *status, *after;
    int64_t limit;
    json_t *out;
    enum err rc = list_params(r, &q, &status, &after, &limit);
    if (rc ||
        (rc = customer_list(auth_ctx(r)->st, q, status, after, limit, &out)))
        return rc;
    resp_json(r, 200, out);
    return ERR_OK;
}

static enum err
get_history(struct req *r)
{
    struct store *st = auth_ctx(r)->st;
    int64_t id = 0;
    json_t *c, *out;
    enum err rc = record_path_id(r, ERR_CUSTOMER_NOT_FOUND, &id);
    if (rc || (rc = customer_get(st, id, &c)))
        return rc;
    json_decref(c);
    if ((rc = customer_history(st, id, &out)))
        return rc;
    resp_json(r, 200, out);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Changing                                                               */
/* ---------------------------------------------------------------------- */

static enum err
patch_customer(struct req *r)
{
    return record_patch(r, &customer_kind);
}

static enum err
patch_point(struct req *r)
{
    return record_patch(r, &point_kind);
}

static enum err
read_status(struct req *r, const char **status, const char **reason)
{
    static const char *const allowed[] = {"status", "reason", NULL};
    json_t *b;
    struct jcheck k;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    jcheck_str(&k, b, "status", 16, JSTR_REQUIRED, status);
    jcheck_str(&k, b, "reason", 200, 0, reason);
    if (*status && !customer_status_valid(*status))
        jcheck_add(&k, "status", "unknown",
                   "active、suspended、closed のいずれかを指定してください");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

/* Change status, with history and audit (inside the transaction). */
static enum err
status_in_tx(struct req *r, int64_t id, const char *status, const char *reason)
{
    struct auth_ctx *a = auth_ctx(r);
    json_t *cur, *before, *after;
    char target[48];
    enum err rc = customer_get(a->st, id, &cur);
    if (rc)
        return rc;
    before = json_pack("{s:O}", "status", json_object_get(cur, "status"));
    after = json_pack("{s:s, s:s?}", "status", status, "reason", reason);
    json_decref(cur);
    record_target(target, sizeof(target), "customer", id);
    if (!(rc = customer_set_status(a->st, id, status)) &&
        !(rc = customer_history_add(a->st, id, a->actor, before, after)))
        rc = auth_audit(
            r, a->st, NULL, "customer.status", target,
            json_pack("{s:O, s:O}", "before", before, "after", after));
    json_decref(before);
    json_decref(after);
    return rc;
}

static enum err
post_status(struct req *r)
{
    struct store *st = auth_ctx(r)->st;
    const char *status, *reason;
    int64_t id = 0;
    enum err rc = record_path_id(r, ERR_CUSTOMER_NOT_FOUND, &id);
    if (rc || (rc = read_status(r, &status, &reason)) ||
        (rc = store_tx_begin(st)))
        return rc;
    if ((rc = record_tx_end(st, status_in_tx(r, id, status, reason))))
        return rc;
    return record_respond(r, &customer_kind, 200, id);
}

static enum err
delete_customer(struct req *r)
{
    struct store *st = auth_ctx(r)->st;
    int64_t id = 0;
    json_t *cur = NULL;
    char target[48];
    enum err rc = record_path_id(r, ERR_CUSTOMER_NOT_FOUND, &id);
    if (rc || (rc = store_tx_begin(st)))
        return rc;
    record_target(target, sizeof(target), "customer", id);
    if (!(rc = customer_get(st, id, &cur)) && !(rc = customer_delete(st, id)))
        rc = auth_audit(r, st, NULL, "customer.delete", target,
                        json_pack("{s:O, s:O}", "number",
                                  json_object_get(cur, "number"), "name",
                                  json_object_get(cur, "name")));
    json_decref(cur);
    if ((rc = record_tx_end(st, rc)))
        return rc;
    resp_empty(r, 204);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* 転居・入居                                                             */
/* ---------------------------------------------------------------------- */

/* ---------------------------------------------------------------------- */
/* 転居・入居                                                             */
/* ---------------------------------------------------------------------- */

struct move {
    int64_t customer_id;
    const char *date;
    bool close_current;
    json_t *contract; /* the newcomer's contract (checked), or NULL */
    bool has_reading; /* 転居時検針: the index read on the move date */
    int64_t index_tenths;
};

/* "reading": {"index": "1234.5"} — the meter read on the move date; its
 * field errors are named "reading.<field>". */
static void
check_move_reading(const json_t *b, struct move *m, struct jcheck *k)
{
    json_t *rd = json_object_get(b, "reading");
    m->has_reading = rd && !json_is_null(rd);
    if (!m->has_reading)
        return;
    if (!json_is_object(rd) || json_object_size(rd) != 1 ||
        equipment_tenths_parse(json_object_get(rd, "index"), &m->index_tenths))
        jcheck_add(k, "reading.index", "format",
                   "転居時の指針を 0.1 m³ 単位の数値（例: 1234.5）で"
                   "指定してください");
}

/* The newcomer's contract starts on the move date, for the newcomer;
 * its field errors are named "contract.<field>". */
static void
check_move_contract(struct move *m, struct jcheck *k)
{
    static const char *const implied[] = {"customer_id", "start_date", NULL};
    struct jcheck sub;
    char field[48];
    for (const char *const *f = implied; *f; f++) {
        if (!json_object_get(m->contract, *f))
            continue;
        snprintf(field, sizeof(field), "contract.%s", *f);
        jcheck_add(k, field, "not_allowed",
                   "入居者と入居日から決まるため指定できません");
    }
    json_object_set_new(m->contract, "customer_id",
                        json_integer(m->customer_id));
    json_object_set_new(m->contract, "start_date", json_string(m->date));
    jcheck_init(&sub);
    record_validate(&contract_kind, m->contract, NULL, &sub);
    record_nest_errors(k, "contract", &sub);
}

static enum err
read_move(struct req *r, struct move *m)
{
    static const char *const allowed[] = {
        "customer_id", "date",    "previous_moves_out",
        "contract",    "reading", NULL};
    json_t *b, *pm, *c;
    struct jcheck k;
    bool present;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    c = json_object_get(b, "contract");
    m->contract = json_is_object(c) ? c : NULL;
    if (m->contract && (rc = record_guard(r, &contract_kind, m->contract)))
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    jcheck_int(&k, b, "customer_id", 1, INT64_MAX, true, &m->customer_id,
               &present);
    jcheck_str(&k, b, "date", 10, JSTR_REQUIRED, &m->date);
    if (m->date && !time_date_valid(m->date))
        jcheck_add(&k, "date", "format",
                   "日付は YYYY-MM-DD の形式で入力してください");
    pm = json_object_get(b, "previous_moves_out");
    if (pm && !json_is_boolean(pm))
        jcheck_add(&k, "previous_moves_out", "type",
                   "true か false を指定してください");
    m->close_current = !pm || json_is_true(pm);
    if (c && !json_is_null(c) && !m->contract)
        jcheck_add(&k, "contract", "type", "オブジェクトで指定してください");
    check_move_reading(b, m, &k);
    if (m->contract && jcheck_ok(&k))
        check_move_contract(m, &k);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

/* The customer id of the point's current occupant, or 0. */
static int64_t
current_customer(const json_t *point)
{
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(point, "occupants"), i, o)
    {
        if (json_is_null(json_object_get(o, "moved_out")))
            return json_integer_value(json_object_get(o, "customer_id"));
    }
    return 0;
}

/* The occupancy change itself, its history row and audit entry. */
static enum err
move_occupant(struct req *r, int64_t id, const struct move *m, int64_t prev)
{
    struct auth_ctx *a = auth_ctx(r);
    char target[48];
    json_t *before = json_pack("{s:o}", "customer_id",
                               prev ? json_integer(prev) : json_null());
    json_t *after = json_pack("{s:I, s:s}", "customer_id",
                              (json_int_t)m->customer_id, "moved_in", m->date);
    record_target(target, sizeof(target), "supply_point", id);
    enum err rc = supply_point_move(a->st, id, m->customer_id, m->date);
    if (!rc)
        rc = record_history_add(a->st, "supply_point", id, a->actor, before,
                                after);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "supply_point.move", target,
                        json_pack("{s:I, s:I, s:s}", "customer_id",
                                  (json_int_t)m->customer_id,
                                  "previous_customer_id", (json_int_t)prev,
                                  "date", m->date));
    json_decref(before);
    json_decref(after);
    return rc;
}

/* End the point's open contract on the day before the move: contract
 * dates are inclusive, and the newcomer's contract starts on the move
 * date, so each day belongs to one contract. */
static enum err
end_open_contract(struct req *r, int64_t point, const char *date)
{
    json_t *open;
    char end[11];
    enum err rc = contract_open(auth_ctx(r)->st, point, &open);
    if (rc || !open)
        return rc;
    int64_t id = json_integer_value(json_object_get(open, "id"));
    const char *start = json_string_value(json_object_get(open, "start_date"));
    time_date_add(date, -1, end);
    if (strcmp(end, start) < 0)
        rc = err_fail(ERR_CUSTOMER_MOVE_DATE,
                      "the current contract starts on %s", start);
    json_decref(open);
    if (!rc)
        rc = record_close_in_tx(r, &contract_kind, id, end, "転居", "end");
    return rc;
}

/* One move reading (kind move_out or move_in) and its audit entry. */
static enum err
move_reading(struct req *r, int64_t id, const struct move *m, const char *kind)
{
    struct auth_ctx *a = auth_ctx(r);
    struct reading_in in = {id,       m->date, m->index_tenths, kind,
                            "office", NULL,    a->actor};
    struct reading_out out;
    char target[48], idx[24];
    enum err rc = reading_record(a->st, &in, &out);
    if (!rc && out.outcome == READING_CONFLICT)
        rc = err_fail(ERR_READING_CONFLICT,
                      "%s の転居時検針に別の指針が登録されています", m->date);
    if (rc || out.outcome == READING_DUPLICATE)
        return rc;
    record_target(target, sizeof(target), "reading", out.id);
    equipment_tenths_format(m->index_tenths, idx);
    return auth_audit(r, a->st, NULL, "reading.record", target,
                      json_pack("{s:I, s:s, s:s, s:s, s:s}", "supply_point_id",
                                (json_int_t)id, "read_on", m->date, "index",
                                idx, "kind", kind, "outcome",
                                reading_outcome_name(out.outcome)));
}

/* 転居時検針: the leaving occupant's last reading and the newcomer's
 * first, same date and index, so the period's usage splits between the
 * two contracts. Recorded before the occupancy changes hands. */
static enum err
move_readings(struct req *r, int64_t id, const struct move *m, int64_t prev)
{
    enum err rc = ERR_OK;
    if (!m->has_reading)
        return ERR_OK;
    if (prev)
        rc = move_reading(r, id, m, "move_out");
    return rc ? rc : move_reading(r, id, m, "move_in");
}

static enum err
move_in_tx(struct req *r, int64_t id, const struct move *m)
{
    struct auth_ctx *a = auth_ctx(r);
    json_t *point;
    int64_t contract;
    enum err rc = supply_point_get(a->st, id, &point);
    if (rc)
        return rc;
    int64_t prev = current_customer(point);
    json_decref(point);
    if (prev && !m->close_current)
        return err_fail(ERR_CONFLICT, "the supply point is occupied");
    if (prev == m->customer_id)
        return err_fail(ERR_CONFLICT, "the customer already lives here");
    if (!(rc = move_readings(r, id, m, prev)))
        rc = move_occupant(r, id, m, prev);
    if (!rc)
        rc = end_open_contract(r, id, m->date);
    if (!rc && m->contract)
        rc = record_create_in_tx(r, &contract_kind, id, m->contract, &contract);
    return rc;
}

static enum err
post_move(struct req *r)
{
    struct store *st = auth_ctx(r)->st;
    struct move m;
    int64_t id = 0;
    enum err rc = record_path_id(r, ERR_SUPPLY_POINT_NOT_FOUND, &id);
    if (rc || (rc = read_move(r, &m)) || (rc = store_tx_begin(st)))
        return rc;
    if ((rc = record_tx_end(st, move_in_tx(r, id, &m))))
        return rc;
    return record_respond(r, &point_kind, 200, id);
}

#define W "customers.write"
#define R "customers.read"
#define B CUSTOMERS_BODY_MAX

const struct route customers_routes[] = {
    {"GET", "/api/v1/customers", list_customers, 0, R, NULL, 0},
    {"POST", "/api/v1/customers", post_customer, B, W, "customer.create", 0},
    {"GET", "/api/v1/customers/{id}", get_customer, 0, R, NULL, 0},
    {"PATCH", "/api/v1/customers/{id}", patch_customer, B, W, "customer.update",
     0},
    {"POST", "/api/v1/customers/{id}/status", post_status, B, W,
     "customer.status", 0},
    {"DELETE", "/api/v1/customers/{id}", delete_customer, 0, W,
     "customer.delete", 0},
    {"GET", "/api/v1/customers/{id}/history", get_history, 0, R, NULL, 0},
    {"POST", "/api/v1/supply-points", post_point, B, W, "supply_point.create",
     0},
    {"GET", "/api/v1/supply-points/{id}", get_point, 0, R, NULL, 0},
    {"PATCH", "/api/v1/supply-points/{id}", patch_point, B, W,
     "supply_point.update", 0},
    {"POST", "/api/v1/supply-points/{id}/move", post_move, B, W,
     "supply_point.move", 0},
    {"GET", "/api/v1/supply-points/{id}/history", get_point_history, 0, R, NULL,
     0},
    ROUTES_END,
};
