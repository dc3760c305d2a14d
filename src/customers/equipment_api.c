/*
 * equipment_api.c — what hangs off a supply point, over HTTP: contracts
 * (契約), meters (メーター) and their exchanges (メーター交換), cylinder
 * set-ups (容器設置) and appliances (消費機器). All under /api/v1,
 * customers.read to read and customers.write to change:
 *
 *   POST/GET  /supply-points/{id}/contracts    GET /customers/{id}/contracts
 *   GET/PATCH /contracts/{id}                  POST /contracts/{id}/end
 *   POST/GET  /supply-points/{id}/meters       GET/PATCH /meters/{id}
 *   POST      /supply-points/{id}/meter-exchange
 *   POST      /meters/{id}/remove      撤去 without a successor (閉栓)
 *   GET       /supply-points/{id}/meter-exchanges
 *   POST/GET  /supply-points/{id}/cylinders    GET/PATCH /cylinders/{id}
 *   POST      /cylinders/{id}/remove
 *   POST/GET  /supply-points/{id}/appliances   GET/PATCH /appliances/{id}
 *   POST      /appliances/{id}/remove
 *   GET       /{contracts|meters|cylinders|appliances}/{id}/history
 *
 * The handlers are the generic ones of records_api.c driven by the four
 * struct rkind below. What is particular: a supply point has at most one
 * contract on any date (customers.contract_overlap) and at most one
 * installed meter (customers.meter_installed); a contract without
 * customer_id is for the point's current occupant; bank details need
 * customers.bank to be set and to be seen (the account number only ever
 * as "****567"); a meter write refreshes the search keys of everyone who
 * lived at the point (meter serials are searchable).
 */
#include "auth/auth.h"
#include "core/timeutil.h"
#include "customers/customers.h"
#include "customers/records_api.h"
#include "http/http.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#define EQUIPMENT_BODY_MAX (16 * 1024)

/* ---------------------------------------------------------------------- */
/* The kinds                                                              */
/* ---------------------------------------------------------------------- */

/* A contract is for the point's occupant unless it names a customer. */
static enum err
contract_prepare(struct req *r, struct store *st, int64_t point, json_t *rec)
{
    int64_t customer = json_integer_value(json_object_get(rec, "customer_id"));
    json_t *c;
    enum err rc;
    if (!customer && (rc = equipment_point_occupant(st, point, &customer)))
        return rc;
    if (!customer) {
        struct jcheck k;
        jcheck_init(&k);
        jcheck_add(&k, "customer_id", "required",
                   "入居者がいないため customer_id を指定してください");
        return req_invalid(r, &k);
    }
    json_object_set_new(rec, "customer_id", json_integer(customer));
    rc = customer_get(st, customer, &c);
    json_decref(c);
    return rc;
}

static enum err
contract_written(struct store *st, int64_t point, int64_t id,
                 const json_t *changed)
{
    (void)point;
    (void)changed;
    return contract_overlap_check(st, id);
}

const struct rkind contract_kind = {
    .name = "contract",
    .fields = contract_fields,
    .table = &contract_table,
    .check = contract_check,
    .prepare = contract_prepare,
    .written = contract_written,
    .mask = contract_mask,
    .guarded = contract_bank_fields,
    .personal = true,
    .not_found = ERR_CONTRACT_NOT_FOUND,
};

/* One installed meter per point (the partial unique index backs this). */
static enum err
meter_prepare(struct req *r, struct store *st, int64_t point, json_t *rec)
{
    (void)r;
    (void)rec;
    json_t *m;
    enum err rc = meter_installed(st, point, &m);
    if (!rc && m)
        rc = err_fail(ERR_METER_INSTALLED,
                      "meter %" JSON_INTEGER_FORMAT " is installed here",
                      json_integer_value(json_object_get(m, "id")));
    json_decref(m);
    return rc;
}

/* Meter serials are search keys of the point's customers. */
static enum err
meter_written(struct store *st, int64_t point, int64_t id,
              const json_t *changed)
{
    (void)id;
    if (!json_object_get(changed, "serial"))
        return ERR_OK;
    return customer_search_refresh_point(st, point);
}

const struct rkind meter_kind = {
    .name = "meter",
    .fields = meter_fields,
    .table = &meter_table,
    .check = meter_check,
    .prepare = meter_prepare,
    .written = meter_written,
    .not_found = ERR_METER_NOT_FOUND,
};

static const struct rkind cylinder_kind = {
    .name = "cylinder",
    .fields = cylinder_fields,
    .table = &cylinder_table,
    .not_found = ERR_CYLINDER_NOT_FOUND,
};

static const struct rkind appliance_kind = {
    .name = "appliance",
    .fields = appliance_fields,
    .table = &appliance_table,
    .not_found = ERR_APPLIANCE_NOT_FOUND,
};

/* ---------------------------------------------------------------------- */
/* Contracts                                                              */
/* ---------------------------------------------------------------------- */

static enum err
post_contract(struct req *r)
{
    return record_create(r, &contract_kind);
}

static enum err
list_contracts(struct req *r)
{
    return record_list_get(r, &contract_kind, "contracts");
}

static enum err
get_contract(struct req *r)
{
    return record_get_one(r, &contract_kind);
}

static enum err
patch_contract(struct req *r)
{
    return record_patch(r, &contract_kind);
}

static enum err
end_contract(struct req *r)
{
    return record_close_post(r, &contract_kind, "end_date", "end");
}

static enum err
contract_history(struct req *r)
{
    return record_history_get(r, &contract_kind);
}

/* GET /customers/{id}/contracts: every contract the customer holds or
 * held, at any supply point. */
static enum err
customer_contracts(struct req *r)
{
    struct store *st = auth_ctx(r)->st;
    bool bank = record_bank_allowed(r);
    int64_t id = 0;
    size_t i;
    json_t *c, *out, *e;
    enum err rc = record_path_id(r, ERR_CUSTOMER_NOT_FOUND, &id);
    if (rc || (rc = customer_get(st, id, &c)))
        return rc;
    json_decref(c);
    if ((rc = contract_list_for_customer(st, id, &out)))
        return rc;
    json_array_foreach(json_object_get(out, "contracts"), i, e)
    {
        contract_mask(e, bank);
    }
    resp_json(r, 200, out);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Meters and メーター交換                                                 */
/* ---------------------------------------------------------------------- */

static enum err
post_meter(struct req *r)
{
    return record_create(r, &meter_kind);
}

static enum err
list_meters(struct req *r)
{
    return record_list_get(r, &meter_kind, "meters");
}

static enum err
get_meter(struct req *r)
{
    return record_get_one(r, &meter_kind);
}

static enum err
patch_meter(struct req *r)
{
    return record_patch(r, &meter_kind);
}

static enum err
meter_history(struct req *r)
{
    return record_history_get(r, &meter_kind);
}

struct exchange {
    const char *date, *reason;
    int64_t final; /* the old meter's last index, tenths */
    json_t *meter; /* the new meter (checked); install_date = date */
};

/* The new meter: installed on the exchange date; errors "new_meter.*". */
static void
check_new_meter(struct exchange *x, struct jcheck *k)
{
    struct jcheck sub;
    if (json_object_get(x->meter, "install_date"))
        jcheck_add(k, "new_meter.install_date", "not_allowed",
                   "交換日が設置日になるため指定できません");
    json_object_set_new(x->meter, "install_date", json_string(x->date));
    jcheck_init(&sub);
    record_validate(&meter_kind, x->meter, NULL, &sub);
    record_nest_errors(k, "new_meter", &sub);
}

/* The date, reason and the old meter's last index (under key) of an
 * exchange or a removal, as field errors in k. True when date is valid. */
static bool
check_ending(struct jcheck *k, json_t *b, const char *key, struct exchange *x)
{
    json_t *fin = json_object_get(b, key);
    jcheck_str(k, b, "date", 10, JSTR_REQUIRED, &x->date);
    bool dated = x->date && time_date_valid(x->date);
    if (x->date && !dated)
        jcheck_add(k, "date", "format",
                   "日付は YYYY-MM-DD の形式で入力してください");
    jcheck_str(k, b, "reason", 200, 0, &x->reason);
    if (!fin || json_is_null(fin))
        jcheck_add(k, key, "required", "必須項目です");
    else if (equipment_tenths_parse(fin, &x->final))
        jcheck_add(k, key, "format",
                   "0 以上、小数点以下1桁までの数値で入力してください");
    return dated;
}

static enum err
read_exchange(struct req *r, struct exchange *x)
{
    static const char *const allowed[] = {"date", "old_final_index", "reason",
                                          "new_meter", NULL};
    json_t *b;
    struct jcheck k;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    bool dated = check_ending(&k, b, "old_final_index", x);
    x->meter = json_object_get(b, "new_meter");
    if (!json_is_object(x->meter))
        jcheck_add(&k, "new_meter", "required",
                   "新しいメーターをオブジェクトで指定してください");
    else if (dated)
        check_new_meter(x, &k);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

/* The old meter can end as the exchange says: not before it was put in,
 * its final index not below its first and within its register. */
static enum err
exchange_fits(const json_t *old, const struct exchange *x)
{
    const char *installed =
        json_string_value(json_object_get(old, "install_date"));
    int64_t initial = 0;
    int64_t digits = json_integer_value(json_object_get(old, "digits"));
    equipment_tenths_parse(json_object_get(old, "initial_index"), &initial);
    if (strcmp(x->date, installed) < 0)
        return err_fail(ERR_METER_EXCHANGE, "the old meter was installed on %s",
                        installed);
    if (x->final < initial)
        return err_fail(
            ERR_METER_EXCHANGE, "the final index is below the initial %s",
            json_string_value(json_object_get(old, "initial_index")));
    if (x->final > meter_index_max(digits))
        return err_fail(ERR_METER_EXCHANGE,
                        "the final index does not fit a %lld-digit register",
                        (long long)digits);
    return ERR_OK;
}

/* Take the old meter out: removed, final index, history row. */
static enum err
remove_old(struct req *r, const json_t *old, const struct exchange *x)
{
    struct auth_ctx *a = auth_ctx(r);
    int64_t id = json_integer_value(json_object_get(old, "id"));
    char fin[24];
    equipment_tenths_format(x->final, fin);
    json_t *before = json_pack("{s:n, s:n}", "removed_date", "final_index");
    json_t *after = json_pack("{s:s, s:s, s:s?}", "removed_date", x->date,
                              "final_index", fin, "reason", x->reason);
    enum err rc = meter_remove(a->st, id, x->date, x->final);
    if (!rc)
        rc = record_history_add(a->st, "meter", id, a->actor, before, after);
    json_decref(before);
    json_decref(after);
    return rc;
}

/* The exchange's audit entry (target the supply point). */
static enum err
audit_exchange(struct req *r, const struct meter_exchange *e)
{
    char target[48], fin[24], ini[24];
    record_target(target, sizeof(target), "supply_point", e->point);
    equipment_tenths_format(e->old_final, fin);
    equipment_tenths_format(e->new_initial, ini);
    return auth_audit(r, auth_ctx(r)->st, NULL, "meter.exchange", target,
                      json_pack("{s:I, s:I, s:s, s:s, s:s, s:s?}",
                                "old_meter_id", (json_int_t)e->old_meter,
                                "new_meter_id", (json_int_t)e->new_meter,
                                "date", e->date, "old_final_index", fin,
                                "new_initial_index", ini, "reason", e->reason));
}

/* メーター交換 inside the transaction: the installed meter out (removed,
 * final index, history), the new one in (meter.create), the exchange row
 * and its audit entry; *e describes what was done. */
static enum err
exchange_in_tx(struct req *r, int64_t point, const struct exchange *x,
               struct meter_exchange *e)
{
    struct auth_ctx *a = auth_ctx(r);
    json_t *old;
    int64_t id = 0;
    enum err rc = meter_installed(a->st, point, &old);
    if (rc)
        return rc;
    if (!old)
        return err_fail(ERR_METER_EXCHANGE, "no meter is installed here");
    *e = (struct meter_exchange){
        .point = point,
        .old_meter = json_integer_value(json_object_get(old, "id")),
        .date = x->date,
        .reason = x->reason,
        .actor = a->actor,
        .old_final = x->final,
    };
    if (!(rc = exchange_fits(old, x)) && !(rc = remove_old(r, old, x)))
        rc =
            record_create_in_tx(r, &meter_kind, point, x->meter, &e->new_meter);
    json_decref(old);
    if (!rc)
        rc = equipment_tenths_parse(json_object_get(x->meter, "initial_index"),
                                    &e->new_initial);
    if (!rc && !(rc = meter_exchange_add(a->st, e, &id)))
        rc = audit_exchange(r, e);
    return rc;
}

/* The answer to an exchange: the old meter (now removed) and the new. */
static enum err
exchange_answer(struct req *r, const struct meter_exchange *e)
{
    struct store *st = auth_ctx(r)->st;
    json_t *old = NULL, *fresh = NULL;
    char fin[24], ini[24];
    enum err rc = record_get(st, &meter_table, e->old_meter, &old);
    if (!rc)
        rc = record_get(st, &meter_table, e->new_meter, &fresh);
    if (rc) {
        json_decref(old);
        return rc;
    }
    equipment_tenths_format(e->old_final, fin);
    equipment_tenths_format(e->new_initial, ini);
    resp_json(r, 201,
              json_pack("{s:s, s:s, s:s, s:s?, s:o, s:o}", "exchanged_on",
                        e->date, "old_final_index", fin, "new_initial_index",
                        ini, "reason", e->reason, "old_meter", old, "new_meter",
                        fresh));
    return ERR_OK;
}

static enum err
post_exchange(struct req *r)
{
    struct store *st = auth_ctx(r)->st;
    struct exchange x;
    struct meter_exchange e = {0};
    int64_t point = 0;
    enum err rc = record_path_id(r, ERR_SUPPLY_POINT_NOT_FOUND, &point);
    if (rc || (rc = equipment_point_exists(st, point)) ||
        (rc = read_exchange(r, &x)) || (rc = store_tx_begin(st)))
        return rc;
    if ((rc = record_tx_end(st, exchange_in_tx(r, point, &x, &e))))
        return rc;
    return exchange_answer(r, &e);
}

static enum err
list_exchanges(struct req *r)
{
    struct store *st = auth_ctx(r)->st;
    int64_t point = 0;
    json_t *out;
    enum err rc = record_path_id(r, ERR_SUPPLY_POINT_NOT_FOUND, &point);
    if (rc || (rc = equipment_point_exists(st, point)) ||
        (rc = meter_exchange_list(st, point, &out)))
        return rc;
    resp_json(r, 200, out);
    return ERR_OK;
}

/* 撤去 without a successor (supply ended, 閉栓): the meter is removed on
 * date with its final index; the point is left without a meter. */
static enum err
remove_meter_in_tx(struct req *r, int64_t id, const struct exchange *x)
{
    struct auth_ctx *a = auth_ctx(r);
    json_t *old;
    char target[48], fin[24];
    enum err rc = record_get(a->st, &meter_table, id, &old);
    if (rc)
        return rc;
    int64_t point = json_integer_value(json_object_get(old, "supply_point_id"));
    if (!json_is_null(json_object_get(old, "removed_date")))
        rc = err_fail(ERR_CONFLICT, "the meter is already removed");
    if (!rc && !(rc = exchange_fits(old, x)) && !(rc = remove_old(r, old, x)))
        rc = customer_search_refresh_point(a->st, point);
    json_decref(old);
    record_target(target, sizeof(target), "meter", id);
    equipment_tenths_format(x->final, fin);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "meter.remove", target,
                        json_pack("{s:s, s:s, s:s?}", "date", x->date,
                                  "final_index", fin, "reason", x->reason));
    return rc;
}

static enum err
remove_meter(struct req *r)
{
    static const char *const allowed[] = {"date", "final_index", "reason",
                                          NULL};
    struct store *st = auth_ctx(r)->st;
    struct exchange x = {0};
    struct jcheck k;
    json_t *b;
    int64_t id;
    enum err rc = record_path_id(r, ERR_METER_NOT_FOUND, &id);
    if (rc || (rc = req_json_object(r, &b)))
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    check_ending(&k, b, "final_index", &x);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    if ((rc = store_tx_begin(st)) ||
        (rc = record_tx_end(st, remove_meter_in_tx(r, id, &x))))
        return rc;
    return record_respond(r, &meter_kind, 200, id);
}

/* ---------------------------------------------------------------------- */
/* Cylinder set-ups and appliances                                        */
/* ---------------------------------------------------------------------- */

static enum err
post_cylinder(struct req *r)
{
    return record_create(r, &cylinder_kind);
}

static enum err
list_cylinders(struct req *r)
{
    return record_list_get(r, &cylinder_kind, "cylinders");
}

static enum err
get_cylinder(struct req *r)
{
    return record_get_one(r, &cylinder_kind);
}

static enum err
patch_cylinder(struct req *r)
{
    return record_patch(r, &cylinder_kind);
}

static enum err
remove_cylinder(struct req *r)
{
    return record_close_post(r, &cylinder_kind, "date", "remove");
}

static enum err
cylinder_history(struct req *r)
{
    return record_history_get(r, &cylinder_kind);
}

static enum err
post_appliance(struct req *r)
{
    return record_create(r, &appliance_kind);
}

static enum err
list_appliances(struct req *r)
{
    return record_list_get(r, &appliance_kind, "appliances");
}

static enum err
get_appliance(struct req *r)
{
    return record_get_one(r, &appliance_kind);
}

static enum err
patch_appliance(struct req *r)
{
    return record_patch(r, &appliance_kind);
}

static enum err
remove_appliance(struct req *r)
{
    return record_close_post(r, &appliance_kind, "date", "remove");
}

static enum err
appliance_history(struct req *r)
{
    return record_history_get(r, &appliance_kind);
}

/* ---------------------------------------------------------------------- */
/* Routes                                                                 */
/* ---------------------------------------------------------------------- */

#define W  "customers.write"
#define R  "customers.read"
#define B  EQUIPMENT_BODY_MAX
#define SP "/api/v1/supply-points/{id}"

const struct route equipment_routes[] = {
    {"POST", SP "/contracts", post_contract, B, W, "contract.create", 0},
    {"GET", SP "/contracts", list_contracts, 0, R, NULL, 0},
    {"GET", "/api/v1/customers/{id}/contracts", customer_contracts, 0, R, NULL,
     0},
    {"GET", "/api/v1/contracts/{id}", get_contract, 0, R, NULL, 0},
    {"PATCH", "/api/v1/contracts/{id}", patch_contract, B, W, "contract.update",
     0},
    {"POST", "/api/v1/contracts/{id}/end", end_contract, B, W, "contract.end",
     0},
    {"GET", "/api/v1/contracts/{id}/history", contract_history, 0, R, NULL, 0},
    {"POST", SP "/meters", post_meter, B, W, "meter.create", 0},
    {"GET", SP "/meters", list_meters, 0, R, NULL, 0},
    {"POST", SP "/meter-exchange", post_exchange, B, W, "meter.exchange", 0},
    {"GET", SP "/meter-exchanges", list_exchanges, 0, R, NULL, 0},
    {"GET", "/api/v1/meters/{id}", get_meter, 0, R, NULL, 0},
    {"PATCH", "/api/v1/meters/{id}", patch_meter, B, W, "meter.update", 0},
    {"GET", "/api/v1/meters/{id}/history", meter_history, 0, R, NULL, 0},
    {"POST", "/api/v1/meters/{id}/remove", remove_meter, B, W, "meter.remove",
     0},
    {"POST", SP "/cylinders", post_cylinder, B, W, "cylinder.create", 0},
    {"GET", SP "/cylinders", list_cylinders, 0, R, NULL, 0},
    {"GET", "/api/v1/cylinders/{id}", get_cylinder, 0, R, NULL, 0},
    {"PATCH", "/api/v1/cylinders/{id}", patch_cylinder, B, W, "cylinder.update",
     0},
    {"POST", "/api/v1/cylinders/{id}/remove", remove_cylinder, B, W,
     "cylinder.remove", 0},
    {"GET", "/api/v1/cylinders/{id}/history", cylinder_history, 0, R, NULL, 0},
    {"POST", SP "/appliances", post_appliance, B, W, "appliance.create", 0},
    {"GET", SP "/appliances", list_appliances, 0, R, NULL, 0},
    {"GET", "/api/v1/appliances/{id}", get_appliance, 0, R, NULL, 0},
    {"PATCH", "/api/v1/appliances/{id}", patch_appliance, B, W,
     "appliance.update", 0},
    {"POST", "/api/v1/appliances/{id}/remove", remove_appliance, B, W,
     "appliance.remove", 0},
    {"GET", "/api/v1/appliances/{id}/history", appliance_history, 0, R, NULL,
     0},
    ROUTES_END,
};
