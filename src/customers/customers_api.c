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
 *   PATCH  /api/v1/supply-points/{id}        customers.write, If-Match
 *   POST   /api/v1/supply-points/{id}/move   customers.write (転居・入居)
 *
 * Optimistic locking: the ETag is the row's version ("3"); a PATCH must
 * send it back in If-Match. A missing If-Match is a field error; a stale
 * one is customers.version_conflict (409) with the current version in the
 * detail and the ETag header. Every change and its audit entry (and, for
 * customers, its history row) commit in one transaction. Lookups run in
 * the caller's tenant store, so another tenant's id is simply not found.
 */
#include "auth/auth.h"
#include "core/timeutil.h"
#include "customers/customers.h"
#include "http/http.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CUSTOMERS_BODY_MAX (16 * 1024)

/* What PATCH needs to know about a kind of record. */
struct rkind {
    const struct cfield *fields;
    enum err (*get)(struct store *st, int64_t id, json_t **out);
    enum err (*update)(struct store *st, int64_t id, int64_t version,
                       const json_t *rec);
    const char *target; /* audit target prefix */
    const char *action; /* audit action of an update */
    bool history;       /* write customer_history */
    enum err not_found;
};

static const struct rkind customer_kind = {
    customer_fields,   customer_get, customer_update,        "customer",
    "customer.update", true,         ERR_CUSTOMER_NOT_FOUND,
};

static const struct rkind point_kind = {
    supply_point_fields,        supply_point_get,
    supply_point_update,        "supply_point",
    "supply_point.update",      false,
    ERR_SUPPLY_POINT_NOT_FOUND,
};

/* The {id} path parameter; not_found when it is not a positive integer. */
static enum err
path_id(struct req *r, enum err not_found, int64_t *id)
{
    char *end;
    long long v = strtoll(req_param(r, "id"), &end, 10);
    if (*end || v <= 0)
        return err_fail(not_found, "no such id");
    *id = v;
    return ERR_OK;
}

static void
set_etag(struct req *r, const json_t *rec)
{
    char tag[32];
    snprintf(tag, sizeof(tag), "\"%" JSON_INTEGER_FORMAT "\"",
             json_integer_value(json_object_get(rec, "version")));
    resp_header(r, "ETag", tag);
}

/* Answer status with rec (stolen) and its ETag. */
static enum err
answer(struct req *r, int status, json_t *rec)
{
    set_etag(r, rec);
    resp_json(r, status, rec);
    return ERR_OK;
}

static void
make_target(char *out, size_t n, const char *prefix, int64_t id)
{
    snprintf(out, n, "%s:%" PRId64, prefix, id);
}

/* The version named by If-Match ("3" or W/"3"); a field error if absent. */
static enum err
if_match(struct req *r, int64_t *version)
{
    const char *h = req_header(r, "If-Match");
    char *end = NULL;
    if (h && !strncmp(h, "W/", 2))
        h += 2;
    if (h && *h == '"') {
        long long v = strtoll(h + 1, &end, 10);
        *version = v;
        if (v > 0 && end && !strcmp(end, "\""))
            return ERR_OK;
    }
    struct jcheck k;
    jcheck_init(&k);
    jcheck_add(&k, "If-Match", "required",
               "If-Match ヘッダーに取得時の ETag を指定してください");
    return req_invalid(r, &k);
}

/* Validate a whole new record (the request body). */
static enum err
read_record(struct req *r, const struct cfield *fields, json_t **rec)
{
    struct jcheck k;
    enum err rc = req_json_object(r, rec);
    if (rc)
        return rc;
    jcheck_init(&k);
    cfield_check(fields, *rec, &k);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

/* Commit, or roll back on rc; returns rc (or the commit's failure). */
static enum err
tx_end(struct store *st, enum err rc)
{
    if (!rc)
        rc = store_tx_commit(st);
    if (rc)
        store_tx_rollback(st);
    return rc;
}

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
    json_t *rec, *out;
    int64_t id = 0;
    char target[48];
    enum err rc = read_record(r, kind->fields, &rec);
    if (rc || (rc = store_tx_begin(a->st)))
        return rc;
    rc = insert(a->st, rec, &id);
    make_target(target, sizeof(target), kind->target, id);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, action, target, audit_created(rec));
    if ((rc = tx_end(a->st, rc)) || (rc = kind->get(a->st, id, &out)))
        return rc;
    return answer(r, 201, out);
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
get_one(struct req *r, const struct rkind *kind)
{
    int64_t id;
    json_t *out;
    enum err rc = path_id(r, kind->not_found, &id);
    if (rc || (rc = kind->get(auth_ctx(r)->st, id, &out)))
        return rc;
    return answer(r, 200, out);
}

static enum err
get_customer(struct req *r)
{
    return get_one(r, &customer_kind);
}

static enum err
get_point(struct req *r)
{
    return get_one(r, &point_kind);
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
    int64_t id;
    json_t *c, *out;
    enum err rc = path_id(r, ERR_CUSTOMER_NOT_FOUND, &id);
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

/* Merge the body over cur's fields into *merged; before/after get the
 * fields that differ. Field errors go to k. */
static void
merge(const struct cfield *fields, const json_t *cur, json_t *body,
      struct jcheck *k, json_t **merged, json_t **before, json_t **after)
{
    *merged = json_object();
    *before = json_object();
    *after = json_object();
    for (const struct cfield *f = fields; f->name; f++)
        json_object_set(*merged, f->name, json_object_get(cur, f->name));
    json_object_update(*merged, body);
    cfield_check(fields, *merged, k);
    for (const struct cfield *f = fields; f->name && jcheck_ok(k); f++) {
        json_t *b = json_object_get(cur, f->name);
        json_t *n = json_object_get(*merged, f->name);
        if (json_equal(b, n))
            continue;
        json_object_set(*before, f->name, b);
        json_object_set(*after, f->name, n);
    }
}

/* What the audit entry of an update says. For customers only the names of
 * the changed fields: the values (personal data) stay in customer_history,
 * not in the append-only audit chain. */
static json_t *
audit_detail(const struct rkind *kind, const json_t *before,
             const json_t *after)
{
    if (!kind->history)
        return json_pack("{s:O, s:O}", "before", before, "after", after);
    json_t *names = json_array();
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)after, key, v)
    {
        json_array_append_new(names, json_string(key));
    }
    return json_pack("{s:o}", "fields", names);
}

/* Apply the merged record (inside the transaction); audit and history. */
static enum err
apply_patch(struct req *r, const struct rkind *kind, int64_t id,
            int64_t version, json_t *merged, json_t *before, json_t *after)
{
    struct auth_ctx *a = auth_ctx(r);
    char target[48];
    make_target(target, sizeof(target), kind->target, id);
    enum err rc = kind->update(a->st, id, version, merged);
    if (!rc && kind->history)
        rc = customer_history_add(a->st, id, a->actor, before, after);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, kind->action, target,
                        audit_detail(kind, before, after));
    return rc;
}

/* A stale If-Match: the current version in the detail and the ETag. */
static enum err
conflict(struct req *r, const json_t *cur)
{
    set_etag(r, cur);
    return err_fail(ERR_CUSTOMER_VERSION_CONFLICT,
                    "current version is %" JSON_INTEGER_FORMAT,
                    json_integer_value(json_object_get(cur, "version")));
}

static enum err
patch_in_tx(struct req *r, const struct rkind *kind, int64_t id,
            int64_t version, json_t *body, json_t *cur)
{
    json_t *merged, *before, *after;
    struct jcheck k;
    enum err rc;
    if (json_integer_value(json_object_get(cur, "version")) != version)
        return conflict(r, cur);
    jcheck_init(&k);
    merge(kind->fields, cur, body, &k, &merged, &before, &after);
    if (!jcheck_ok(&k))
        rc = req_invalid(r, &k);
    else if (json_object_size(after) == 0) /* nothing changed */
        rc = ERR_OK;
    else
        rc = apply_patch(r, kind, id, version, merged, before, after);
    jcheck_free(&k);
    json_decref(merged);
    json_decref(before);
    json_decref(after);
    return rc;
}

static enum err
patch(struct req *r, const struct rkind *kind)
{
    struct store *st = auth_ctx(r)->st;
    int64_t id, version = 0;
    json_t *body, *cur = NULL;
    enum err rc = path_id(r, kind->not_found, &id);
    if (rc || (rc = req_json_object(r, &body)) ||
        (rc = if_match(r, &version)) || (rc = store_tx_begin(st)))
        return rc;
    if (!(rc = kind->get(st, id, &cur)))
        rc = patch_in_tx(r, kind, id, version, body, cur);
    json_decref(cur);
    if ((rc = tx_end(st, rc)) || (rc = kind->get(st, id, &cur)))
        return rc;
    return answer(r, 200, cur);
}

static enum err
patch_customer(struct req *r)
{
    return patch(r, &customer_kind);
}

static enum err
patch_point(struct req *r)
{
    return patch(r, &point_kind);
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
    make_target(target, sizeof(target), "customer", id);
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
    int64_t id;
    json_t *out;
    enum err rc = path_id(r, ERR_CUSTOMER_NOT_FOUND, &id);
    if (rc || (rc = read_status(r, &status, &reason)) ||
        (rc = store_tx_begin(st)))
        return rc;
    rc = tx_end(st, status_in_tx(r, id, status, reason));
    if (rc || (rc = customer_get(st, id, &out)))
        return rc;
    return answer(r, 200, out);
}

static enum err
delete_customer(struct req *r)
{
    struct store *st = auth_ctx(r)->st;
    int64_t id;
    json_t *cur = NULL;
    char target[48];
    enum err rc = path_id(r, ERR_CUSTOMER_NOT_FOUND, &id);
    if (rc || (rc = store_tx_begin(st)))
        return rc;
    make_target(target, sizeof(target), "customer", id);
    if (!(rc = customer_get(st, id, &cur)) && !(rc = customer_delete(st, id)))
        rc = auth_audit(r, st, NULL, "customer.delete", target,
                        json_pack("{s:O, s:O}", "number",
                                  json_object_get(cur, "number"), "name",
                                  json_object_get(cur, "name")));
    json_decref(cur);
    if ((rc = tx_end(st, rc)))
        return rc;
    resp_empty(r, 204);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* 転居・入居                                                             */
/* ---------------------------------------------------------------------- */

struct move {
    int64_t customer_id;
    const char *date;
    bool close_current;
};

static enum err
read_move(struct req *r, struct move *m)
{
    static const char *const allowed[] = {"customer_id", "date",
                                          "previous_moves_out", NULL};
    json_t *b, *pm;
    struct jcheck k;
    bool present;
    enum err rc = req_json_object(r, &b);
    if (rc)
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

static enum err
move_in_tx(struct req *r, int64_t id, const struct move *m)
{
    struct auth_ctx *a = auth_ctx(r);
    json_t *point;
    char target[48];
    enum err rc = supply_point_get(a->st, id, &point);
    if (rc)
        return rc;
    int64_t prev = current_customer(point);
    json_decref(point);
    if (prev && !m->close_current)
        return err_fail(ERR_CONFLICT, "the supply point is occupied");
    if (prev == m->customer_id)
        return err_fail(ERR_CONFLICT, "the customer already lives here");
    make_target(target, sizeof(target), "supply_point", id);
    if (!(rc = supply_point_move(a->st, id, m->customer_id, m->date)))
        rc = auth_audit(r, a->st, NULL, "supply_point.move", target,
                        json_pack("{s:I, s:I, s:s}", "customer_id",
                                  (json_int_t)m->customer_id,
                                  "previous_customer_id", (json_int_t)prev,
                                  "date", m->date));
    return rc;
}

static enum err
post_move(struct req *r)
{
    struct store *st = auth_ctx(r)->st;
    struct move m;
    int64_t id;
    json_t *out;
    enum err rc = path_id(r, ERR_SUPPLY_POINT_NOT_FOUND, &id);
    if (rc || (rc = read_move(r, &m)) || (rc = store_tx_begin(st)))
        return rc;
    if ((rc = tx_end(st, move_in_tx(r, id, &m))) ||
        (rc = supply_point_get(st, id, &out)))
        return rc;
    return answer(r, 200, out);
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
    ROUTES_END,
};
