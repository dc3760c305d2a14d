/*
 * tariff_api.c — tariffs (料金表) over HTTP, under /api/v1; billing.read to
 * read, billing.write to change (meter readers, delivery and safety staff
 * have neither):
 *
 *   GET/POST  /tariffs                    list (with the version in force
 *                                         today) / create {code,name,kind}
 *   GET/PATCH /tariffs/{id}               one with its versions / rename
 *                                         (ETag = the tariff's version,
 *                                         If-Match required)
 *   GET/POST  /tariffs/{id}/versions      dated price versions; a price
 *                                         change is a new version from its
 *                                         date
 *   GET/PUT   /tariffs/{id}/versions/{vid}   one version (ETag = its
 *                                         revision) / correct a version
 *                                         entered with a mistake (If-Match,
 *                                         reason; 訂正)
 *   GET       /tariffs/{id}/versions/{vid}/history   its corrections
 *   POST      /tariffs/{id}/quote         {usage_m3, date?} → the charge
 *                                         breakdown (the console calculator)
 *   GET       /cost-adjustments           原料費調整 by month
 *   GET/PUT   /cost-adjustments/{month}   {per_m3, tax_included}
 *   PUT       /contracts/{id}/tariff      {tariff_id}
 *   GET/POST  /contracts/{id}/equipment-fees   設備料金 of a contract
 *   PATCH     /contracts/{id}/equipment-fees/{fee}       correct amount,
 *                                         description, appliance (reason)
 *   POST      /contracts/{id}/equipment-fees/{fee}/end   its last day
 *   GET/PUT   /settings/billing           rounding, tax rounding, price
 *                                         change rule, partial base,
 *                                         registration (T+13), due days,
 *                                         issuer
 *
 * Money in requests: "735.99" (at most two decimals) or a whole number of
 * yen; usage "12.3" m³. Every change writes its audit entry in its
 * transaction; a refused input changes nothing.
 *
 * Corrections (訂正) change what future billing and 赤黒 corrections use,
 * never an issued invoice: an invoice keeps the snapshot that priced it.
 * A stale If-Match is customers.version_conflict (409) with the current
 * ETag, as for the ledger's records (records_api.h).
 */
#include "auth/auth.h"
#include "billing/billing.h"
#include "core/timeutil.h"
#include "customers/customers.h"
#include "customers/records_api.h"
#include "http/http.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TARIFF_BODY_MAX (32 * 1024)
#define SMALL_BODY_MAX  (4 * 1024)

static enum err
answer(struct req *r, enum err rc, int status, json_t *out)
{
    if (!rc)
        resp_json(r, status, out);
    else
        json_decref(out);
    return rc;
}

static void
etag_set(struct req *r, int64_t v)
{
    char tag[32];
    snprintf(tag, sizeof(tag), "\"%lld\"", (long long)v);
    resp_header(r, "ETag", tag);
}

/* answer() with the ETag of out[key] (a tariff's version, a version's
 * revision). */
static enum err
answer_tagged(struct req *r, enum err rc, int status, json_t *out,
              const char *key)
{
    if (!rc)
        etag_set(r, json_integer_value(json_object_get(out, key)));
    return answer(r, rc, status, out);
}

/* One field error and ERR_INVALID. */
static enum err
field_error(struct req *r, const char *field, const char *code, const char *msg)
{
    struct jcheck k;
    jcheck_init(&k);
    jcheck_add(&k, field, code, msg);
    return req_invalid(r, &k);
}

/* A money field: "735.99" or whole yen; absent/null → dflt (-1 = none).
 * neg allows negative amounts (adjustments). */
static void
check_money(struct jcheck *k, const json_t *b, const char *key, int64_t dflt,
            bool neg, int64_t *out)
{
    const json_t *v = json_object_get(b, key);
    *out = dflt;
    if (v == NULL || json_is_null(v))
        return;
    int64_t c = 0;
    bool ok = false;
    if (json_is_string(v))
        ok = tariff_cyen_parse(json_string_value(v), &c);
    else if (json_is_integer(v) &&
             json_integer_value(v) <= TARIFF_PRICE_MAX_CYEN / 100 &&
             json_integer_value(v) >= -TARIFF_PRICE_MAX_CYEN / 100) {
        c = json_integer_value(v) * 100;
        ok = true;
    }
    if (!ok || (!neg && c < 0)) {
        jcheck_add(k, key, "format",
                   "金額は \"735.99\" のように小数2桁までで指定してください");
        return;
    }
    *out = c;
}

static void
check_date(struct jcheck *k, const json_t *b, const char *key, bool required,
           const char **out)
{
    jcheck_str(k, b, key, 10, required ? JSTR_REQUIRED : 0, out);
    if (*out && !time_date_valid(*out)) {
        jcheck_add(k, key, "format",
                   "日付は YYYY-MM-DD の形式で入力してください");
        *out = NULL;
    }
}

static bool
month_valid(const char *m)
{
    char d[11];
    if (m == NULL || strlen(m) != 7)
        return false;
    snprintf(d, sizeof(d), "%s-01", m);
    return time_date_valid(d);
}

/* The {id} of a tariff that exists. */
static enum err
tariff_path(struct req *r, int64_t *id, char kind[16])
{
    enum err rc = record_path_id(r, ERR_TARIFF_NOT_FOUND, id);
    if (!rc)
        rc = tariff_kind_get(auth_ctx(r)->st, *id, kind);
    return rc;
}

/* ----------------------------------------------------------------------
 * Tariffs
 * ---------------------------------------------------------------------- */

static enum err
get_tariffs(struct req *r)
{
    json_t *out = NULL;
    enum err rc = tariff_list(auth_ctx(r)->st, &out);
    return answer(r, rc, 200, out);
}

static bool
code_valid(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789_-",
                    s[i]))
            return false;
    return n >= 1 && n <= 16;
}

static enum err
post_tariff(struct req *r)
{
    static const char *const allowed[] = {"code", "name", "kind", "notes",
                                          NULL};
    struct auth_ctx *a = auth_ctx(r);
    json_t *b, *out = NULL;
    const char *code, *name, *kind, *notes;
    struct jcheck k;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    jcheck_str(&k, b, "code", 16, JSTR_REQUIRED, &code);
    jcheck_str(&k, b, "name", 64, JSTR_REQUIRED, &name);
    jcheck_str(&k, b, "kind", 16, JSTR_REQUIRED, &kind);
    jcheck_str(&k, b, "notes", 500, JSTR_MULTILINE, &notes);
    if (code && !code_valid(code))
        jcheck_add(&k, "code", "format",
                   "コードは英数字・-・_ の16文字以内で指定してください");
    if (kind && strcmp(kind, "two_part") && strcmp(kind, "three_part") &&
        strcmp(kind, "minimum") && strcmp(kind, "fixed"))
        jcheck_add(&k, "kind", "enum",
                   "two_part / three_part / minimum / fixed のいずれかです");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    int64_t id = 0;
    char target[48];
    if ((rc = store_tx_begin(a->st)))
        return rc;
    rc = tariff_create(a->st, code, name, kind, notes, &id);
    if (rc == ERR_CONFLICT) {
        store_tx_rollback(a->st);
        return field_error(r, "code", "taken",
                           "このコードの料金表はすでにあります");
    }
    record_target(target, sizeof(target), "tariff", id);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "tariff.create", target,
                        json_pack("{s:s, s:s, s:s}", "code", code, "name", name,
                                  "kind", kind));
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    rc = tariff_get(a->st, id, &out);
    return answer(r, rc, 201, out);
}

static enum err
get_tariff(struct req *r)
{
    int64_t id;
    char kind[16];
    json_t *out = NULL;
    enum err rc = tariff_path(r, &id, kind);
    if (!rc)
        rc = tariff_get(auth_ctx(r)->st, id, &out);
    return answer_tagged(r, rc, 200, out, "version");
}

/* A stale If-Match on tariff id: 409 with the current ETag. */
static enum err
tariff_stale(struct req *r, int64_t id)
{
    json_t *cur = NULL;
    enum err rc = tariff_get(auth_ctx(r)->st, id, &cur);
    if (rc)
        return rc;
    int64_t v = json_integer_value(json_object_get(cur, "version"));
    json_decref(cur);
    etag_set(r, v);
    return err_fail(ERR_CUSTOMER_VERSION_CONFLICT, "current version is %lld",
                    (long long)v);
}

static enum err
patch_tariff(struct req *r)
{
    static const char *const allowed[] = {"name", "notes", NULL};
    struct auth_ctx *a = auth_ctx(r);
    int64_t id, version;
    char kind[16], target[48];
    json_t *b, *out = NULL;
    const char *name, *notes;
    struct jcheck k;
    enum err rc = tariff_path(r, &id, kind);
    if (rc || (rc = req_json_object(r, &b)) ||
        (rc = record_if_match(r, &version)))
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    jcheck_str(&k, b, "name", 64, 0, &name);
    jcheck_str(&k, b, "notes", 500, JSTR_MULTILINE, &notes);
    if (name && !*name)
        jcheck_add(&k, "name", "required", "料金表の名前を入力してください");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    if ((rc = store_tx_begin(a->st)))
        return rc;
    rc = tariff_update(a->st, id, version, name, notes,
                       json_object_get(b, "notes") != NULL);
    record_target(target, sizeof(target), "tariff", id);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "tariff.update", target,
                        json_pack("{s:s?, s:b}", "name", name, "notes",
                                  json_object_get(b, "notes") != NULL));
    if ((rc = record_tx_end(a->st, rc)))
        return rc == ERR_CUSTOMER_VERSION_CONFLICT ? tariff_stale(r, id) : rc;
    rc = tariff_get(a->st, id, &out);
    return answer_tagged(r, rc, 200, out, "version");
}

/* ----------------------------------------------------------------------
 * Versions
 * ---------------------------------------------------------------------- */

/* bands: [{upper_m3: "4.7" | null, unit_price, base_fee?}] into p. */
static void
read_bands(struct jcheck *k, const json_t *b, struct tariff_price *p)
{
    const json_t *bands = json_object_get(b, "bands");
    p->nbands = 0;
    if (bands == NULL && strcmp(p->kind, "fixed") == 0)
        return;
    if (!json_is_array(bands) || json_array_size(bands) > TARIFF_BANDS_MAX) {
        jcheck_add(k, "bands", "format",
                   "段階（bands）を16個以内の配列で指定してください");
        return;
    }
    for (size_t i = 0; i < json_array_size(bands); i++) {
        const json_t *e = json_array_get(bands, i);
        struct band *d = &p->band[p->nbands++];
        const json_t *u = json_object_get(e, "upper_m3");
        d->upper_tenths = -1;
        if (!json_is_object(e) ||
            (u && !json_is_null(u) &&
             equipment_tenths_parse(u, &d->upper_tenths))) {
            jcheck_add(k, "bands", "format",
                       "段階の上限（upper_m3）は 0.1 m³ 単位です");
            return;
        }
        check_money(k, e, "unit_price", -2, false, &d->unit_price_cyen);
        check_money(k, e, "base_fee", -1, false, &d->base_fee_cyen);
        if (d->unit_price_cyen == -2) {
            jcheck_add(k, "bands", "required", "段階の単位料金が必要です");
            return;
        }
    }
}

#define VERSION_FIELDS                                                         \
    "effective_from", "tax_included", "slide", "base_fee", "equipment_fee",    \
        "minimum_charge", "minimum_usage_m3", "fixed_amount", "bands"
#define VERSION_REASON_MAX 200

/* The body of POST /tariffs/{id}/versions (or of its correction, PUT
 * …/versions/{vid}, which adds "reason") into p (kind from the tariff);
 * field errors into k. */
static void
read_version(struct jcheck *k, const json_t *b, struct tariff_price *p,
             bool correction)
{
    static const char *const fields[] = {VERSION_FIELDS, NULL};
    static const char *const fix_fields[] = {VERSION_FIELDS, "reason", NULL};
    const char *from, *slide;
    jcheck_only(k, b, correction ? fix_fields : fields);
    check_date(k, b, "effective_from", true, &from);
    snprintf(p->effective_from, sizeof(p->effective_from), "%s",
             from ? from : "");
    const json_t *ti = json_object_get(b, "tax_included");
    if (!json_is_boolean(ti))
        jcheck_add(k, "tax_included", "required",
                   "税込（true）か税抜（false）かを指定してください");
    p->tax_included = json_is_true(ti);
    jcheck_str(k, b, "slide", 8, 0, &slide);
    snprintf(p->slide, sizeof(p->slide), "%s", slide ? slide : "block");
    check_money(k, b, "base_fee", 0, false, &p->base_fee_cyen);
    check_money(k, b, "equipment_fee", 0, false, &p->equipment_fee_cyen);
    check_money(k, b, "minimum_charge", -1, false, &p->minimum_charge_cyen);
    check_money(k, b, "fixed_amount", -1, false, &p->fixed_amount_cyen);
    const json_t *mu = json_object_get(b, "minimum_usage_m3");
    p->minimum_usage_tenths = -1;
    if (mu && !json_is_null(mu) &&
        equipment_tenths_parse(mu, &p->minimum_usage_tenths))
        jcheck_add(k, "minimum_usage_m3", "format",
                   "0.1 m³ 単位で指定してください");
    read_bands(k, b, p);
}

/* A version body into p, checked: field errors (invalid) or the tariff
 * rules (billing.tariff_invalid naming the field). reason non-NULL: a
 * correction, whose reason is required. */
static enum err
version_body(struct req *r, const json_t *b, struct tariff_price *p,
             const char **reason)
{
    struct jcheck k;
    const char *field = NULL, *msg = NULL;
    jcheck_init(&k);
    read_version(&k, b, p, reason != NULL);
    if (reason)
        jcheck_str(&k, b, "reason", VERSION_REASON_MAX,
                   JSTR_REQUIRED | JSTR_MULTILINE, reason);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    if (tariff_validate(p, &field, &msg)) {
        jcheck_add(&k, field, "tariff_rule", msg);
        req_invalid(r, &k);
        return err_fail(ERR_TARIFF_INVALID, "%s", msg);
    }
    jcheck_free(&k);
    return ERR_OK;
}

static enum err
date_taken(struct req *r)
{
    return field_error(r, "effective_from", "taken",
                       "この適用開始日の版はすでにあります。改定は新しい"
                       "日付の版として登録してください");
}

static enum err
post_version(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct tariff_price p;
    int64_t id, vid = 0;
    char target[48];
    json_t *b, *out = NULL;
    memset(&p, 0, sizeof(p));
    enum err rc = tariff_path(r, &id, p.kind);
    if (rc || (rc = req_json_object(r, &b)) ||
        (rc = version_body(r, b, &p, NULL)))
        return rc;
    if ((rc = store_tx_begin(a->st)))
        return rc;
    rc = tariff_version_add(a->st, id, &p, a->actor, &vid);
    if (rc == ERR_CONFLICT) {
        store_tx_rollback(a->st);
        return date_taken(r);
    }
    record_target(target, sizeof(target), "tariff", id);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "tariff.version", target,
                        tariff_price_json(&p));
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    rc = tariff_get(a->st, id, &out);
    return answer(r, rc, 201, out);
}

static enum err
get_versions(struct req *r)
{
    int64_t id;
    char kind[16];
    json_t *list = NULL;
    enum err rc = tariff_path(r, &id, kind);
    if (!rc)
        rc = tariff_versions(auth_ctx(r)->st, id, &list);
    return answer(r, rc, 200, rc ? NULL : json_pack("{s:o}", "versions", list));
}

/* The {id} tariff (kind) and {vid} of one of its versions. */
static enum err
version_path(struct req *r, int64_t *id, char kind[16], int64_t *vid)
{
    const char *v = req_param(r, "vid");
    char *end = NULL;
    enum err rc = tariff_path(r, id, kind);
    if (rc)
        return rc;
    long long n = v ? strtoll(v, &end, 10) : 0;
    if (!v || *end || n <= 0)
        return err_fail(ERR_NOT_FOUND, "no such tariff version");
    *vid = n;
    return ERR_OK;
}

static enum err
get_version(struct req *r)
{
    int64_t id, vid;
    char kind[16];
    json_t *out = NULL;
    enum err rc = version_path(r, &id, kind, &vid);
    if (!rc)
        rc = tariff_version_get(auth_ctx(r)->st, id, vid, &out);
    return answer_tagged(r, rc, 200, out, "revision");
}

static enum err
get_version_history(struct req *r)
{
    int64_t id, vid;
    char kind[16];
    json_t *out = NULL;
    enum err rc = version_path(r, &id, kind, &vid);
    if (!rc)
        rc = tariff_version_history(auth_ctx(r)->st, id, vid, &out);
    return answer(r, rc, 200, out);
}

/* The equipment fee of version JSON v (null: none) in hundredths. */
static int64_t
version_equipment_cyen(const json_t *v)
{
    int64_t c = 0;
    const char *s = json_string_value(json_object_get(v, "equipment_fee"));
    return s && tariff_cyen_parse(s, &c) ? c : 0;
}

/* 三部料金制: a correction that takes the version's 設備料金 away must not
 * leave a contract on the tariff without one. */
static enum err
check_fix_three_part(struct req *r, const struct tariff_correction *c,
                     int64_t old_cyen)
{
    int64_t n = 0;
    char msg[200];
    const struct tariff_price *p = c->price;
    if (strcmp(p->kind, "three_part") || p->equipment_fee_cyen > 0 ||
        old_cyen <= 0)
        return ERR_OK;
    enum err rc = tariff_contracts_lacking_equipment(
        auth_ctx(r)->st, c->tariff_id, c->version_id, p->effective_from, &n);
    if (rc || n == 0)
        return rc;
    snprintf(msg, sizeof(msg),
             "三部料金制の契約 %lld 件に設備料金がなくなります。先に契約の"
             "設備料金を登録してください",
             (long long)n);
    field_error(r, "equipment_fee", "tariff_rule", msg);
    return err_fail(ERR_TARIFF_INVALID, "%s", msg);
}

/* Correct the version inside a transaction, with its audit entry. */
static enum err
correct_in_tx(struct req *r, struct tariff_correction *c, int64_t old_cyen)
{
    struct auth_ctx *a = auth_ctx(r);
    char target[48];
    enum err rc = check_fix_three_part(r, c, old_cyen);
    if (!rc)
        rc = tariff_version_correct(a->st, c);
    record_target(target, sizeof(target), "tariff", c->tariff_id);
    if (!rc && c->changed)
        rc = auth_audit(r, a->st, NULL, "tariff.version_correct", target,
                        json_pack("{s:I, s:I, s:s, s:O, s:O}", "version_id",
                                  (json_int_t)c->version_id, "revision",
                                  (json_int_t)c->current, "reason", c->reason,
                                  "before", c->before, "after", c->after));
    return rc;
}

/* What a refused correction answers: 409 with the current ETag when the
 * If-Match is stale; the date of another version as a field error. */
static enum err
correct_refused(struct req *r, const struct tariff_correction *c, enum err rc)
{
    if (rc == ERR_CUSTOMER_VERSION_CONFLICT) {
        etag_set(r, c->current);
        return err_fail(rc, "current revision is %lld", (long long)c->current);
    }
    return rc == ERR_CONFLICT ? date_taken(r) : rc;
}

/* PUT /tariffs/{id}/versions/{vid}: a version entered with a mistake is
 * corrected (訂正); its invoices keep their snapshots and are put right
 * by 赤黒 corrections (POST /invoices/{id}/correct). */
static enum err
put_version(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct tariff_price p;
    struct tariff_correction c = {.price = &p, .actor = a->actor};
    json_t *b, *cur = NULL, *out = NULL;
    memset(&p, 0, sizeof(p));
    enum err rc = version_path(r, &c.tariff_id, p.kind, &c.version_id);
    if (rc || (rc = tariff_version_get(a->st, c.tariff_id, c.version_id, &cur)))
        return rc;
    int64_t old_cyen = version_equipment_cyen(cur);
    json_decref(cur);
    if ((rc = req_json_object(r, &b)) ||
        (rc = record_if_match(r, &c.revision)) ||
        (rc = version_body(r, b, &p, &c.reason)) ||
        (rc = store_tx_begin(a->st)))
        return rc;
    rc = record_tx_end(a->st, correct_in_tx(r, &c, old_cyen));
    json_decref(c.before);
    json_decref(c.after);
    if (rc)
        return correct_refused(r, &c, rc);
    rc = tariff_version_get(a->st, c.tariff_id, c.version_id, &out);
    return answer_tagged(r, rc, 200, out, "revision");
}

/* ----------------------------------------------------------------------
 * Quote (試算)
 * ---------------------------------------------------------------------- */

json_t *
bill_out_json(const struct bill_out *o)
{
    static const int rates[3] = {10, 8, 0};
    json_t *lines = json_array(), *tax = json_array();
    int64_t tax_sum = 0;
    for (size_t i = 0; i < o->nlines; i++) {
        const struct charge_line *l = &o->line[i];
        char q[24], u[24];
        snprintf(q, sizeof(q), "%lld.%lld",
                 (long long)(l->quantity_tenths / 10),
                 (long long)(l->quantity_tenths % 10));
        tariff_cyen_format(l->unit_price_cyen, u, sizeof(u));
        json_array_append_new(
            lines, json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:b}", "kind",
                             l->kind, "description", l->description,
                             "quantity_m3", q, "unit_price", u, "amount_yen",
                             (json_int_t)l->amount_yen, "tax_rate", l->tax_rate,
                             "tax_included", l->tax_included));
    }
    for (int k = 0; k < 3; k++) {
        json_array_append_new(
            tax, json_pack("{s:i, s:I, s:I}", "rate", rates[k], "taxable_yen",
                           (json_int_t)o->taxable_yen[k], "tax_yen",
                           (json_int_t)o->tax_yen[k]));
        tax_sum += o->tax_yen[k];
    }
    return json_pack("{s:o, s:o, s:I, s:I, s:I}", "lines", lines, "tax", tax,
                     "subtotal_yen", (json_int_t)o->subtotal_yen, "tax_yen",
                     (json_int_t)tax_sum, "total_yen",
                     (json_int_t)o->total_yen);
}

/* Price usage on date with the tenant's settings and that month's
 * adjustment (no equipment fees: no contract). */
static enum err
quote(struct store *st, int64_t id, int64_t usage, const char *date,
      json_t **out)
{
    struct tariff_price p, before;
    struct billing_settings s;
    bool hb;
    struct bill_in in;
    struct bill_out o;
    enum err rc = tariff_price_at(st, id, date, &p, &before, &hb);
    if (!rc)
        rc = billing_settings_get(st, &s);
    memset(&in, 0, sizeof(in));
    if (!rc)
        rc = cost_adjustment_at(st, date, &in.adjustment_cyen_per_m3,
                                &in.adjustment_tax_included);
    if (rc)
        return rc;
    in.price = &p;
    in.usage_tenths = usage;
    in.rounding = s.rounding;
    in.tax_rounding = s.tax_rounding;
    if ((rc = bill_compute(&in, &o)))
        return rc;
    *out = bill_out_json(&o);
    json_object_set_new(*out, "tariff_id", json_integer(id));
    json_object_set_new(*out, "date", json_string(date));
    json_object_set_new(*out, "price", tariff_price_json(&p));
    return ERR_OK;
}

static enum err
post_quote(struct req *r)
{
    static const char *const allowed[] = {"usage_m3", "date", NULL};
    int64_t id, usage = 0;
    char kind[16], today[11];
    json_t *b, *out = NULL;
    const char *date;
    struct jcheck k;
    enum err rc = tariff_path(r, &id, kind);
    if (rc || (rc = req_json_object(r, &b)))
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    if (equipment_tenths_parse(json_object_get(b, "usage_m3"), &usage))
        jcheck_add(&k, "usage_m3", "format",
                   "使用量を 0.1 m³ 単位で指定してください");
    check_date(&k, b, "date", false, &date);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    time_today_jst(today);
    rc = quote(auth_ctx(r)->st, id, usage, date ? date : today, &out);
    return answer(r, rc, 200, out);
}

/* ----------------------------------------------------------------------
 * Cost adjustments (原料費調整)
 * ---------------------------------------------------------------------- */

static enum err
get_adjustments(struct req *r)
{
    json_t *out = NULL;
    enum err rc = cost_adjustment_list(auth_ctx(r)->st, &out);
    return answer(r, rc, 200, out);
}

static enum err
month_path(struct req *r, const char **month)
{
    *month = req_param(r, "month");
    if (!month_valid(*month))
        return err_fail(ERR_NOT_FOUND, "年月は YYYY-MM の形式です");
    return ERR_OK;
}

static enum err
get_adjustment(struct req *r)
{
    const char *month;
    json_t *out = NULL;
    enum err rc = month_path(r, &month);
    if (!rc)
        rc = cost_adjustment_get(auth_ctx(r)->st, month, &out);
    return answer(r, rc, 200, out);
}

static enum err
put_adjustment(struct req *r)
{
    static const char *const allowed[] = {"per_m3", "tax_included", "source",
                                          NULL};
    struct auth_ctx *a = auth_ctx(r);
    const char *month, *source;
    int64_t cyen;
    json_t *b, *out = NULL;
    struct jcheck k;
    enum err rc = month_path(r, &month);
    if (rc || (rc = req_json_object(r, &b)))
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    check_money(&k, b, "per_m3", TARIFF_ADJUST_MAX_CYEN + 1, true, &cyen);
    if (cyen > TARIFF_ADJUST_MAX_CYEN || cyen < -TARIFF_ADJUST_MAX_CYEN)
        jcheck_add(&k, "per_m3", "range",
                   "1 m³ あたり ±1,000 円の範囲で指定してください");
    const json_t *ti = json_object_get(b, "tax_included");
    if (ti && !json_is_boolean(ti))
        jcheck_add(&k, "tax_included", "format", "true か false です");
    jcheck_str(&k, b, "source", 8, 0, &source);
    if (source && strcmp(source, "entered") && strcmp(source, "formula"))
        jcheck_add(&k, "source", "enum", "entered か formula です");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    bool incl = ti == NULL || json_is_true(ti);
    if ((rc = store_tx_begin(a->st)))
        return rc;
    rc = cost_adjustment_put(a->st, month, cyen, incl,
                             source ? source : "entered", a->actor);
    char target[48];
    snprintf(target, sizeof(target), "cost_adjustment:%s", month);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "cost_adjustment.set", target,
                        json_pack("{s:I, s:b}", "cyen_per_m3", (json_int_t)cyen,
                                  "tax_included", incl));
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    rc = cost_adjustment_get(a->st, month, &out);
    return answer(r, rc, 200, out);
}

/* ----------------------------------------------------------------------
 * Contracts: tariff, equipment fees (設備料金)
 * ---------------------------------------------------------------------- */

/* Three-part rule for contract on today's version of tariff: a 設備料金
 * must come from the version or the contract's fees (else a field error
 * on field). */
static enum err
check_three_part(struct req *r, struct store *st, int64_t contract,
                 int64_t tariff, const char *field)
{
    struct tariff_price p, before;
    bool hb;
    char today[11];
    int64_t fees = 0;
    const char *msg = NULL;
    time_today_jst(today);
    enum err rc = tariff_price_at(st, tariff, today, &p, &before, &hb);
    if (rc == ERR_TARIFF_NO_PRICE) /* priced later: checked at billing */
        return ERR_OK;
    if (!rc)
        rc = contract_equipment_sum(st, contract, today, &fees);
    if (!rc && tariff_check_equipment(&p, fees, &msg)) {
        field_error(r, field, "tariff_rule", msg);
        rc = err_fail(ERR_TARIFF_INVALID, "%s", msg);
    }
    return rc;
}

static enum err
put_contract_tariff(struct req *r)
{
    static const char *const allowed[] = {"tariff_id", NULL};
    struct auth_ctx *a = auth_ctx(r);
    int64_t id, tariff = 0, point, old;
    bool present;
    char kind[16], target[48];
    json_t *b;
    struct jcheck k;
    enum err rc = record_path_id(r, ERR_CONTRACT_NOT_FOUND, &id);
    if (rc || (rc = req_json_object(r, &b)))
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    jcheck_int(&k, b, "tariff_id", 1, INT64_MAX, true, &tariff, &present);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    if ((rc = store_tx_begin(a->st)))
        return rc;
    rc = contract_point_get(a->st, id, &point, &old);
    if (!rc && tariff_kind_get(a->st, tariff, kind)) {
        store_tx_rollback(a->st);
        return field_error(r, "tariff_id", "not_found",
                           "指定の料金表が見つかりません");
    }
    if (!rc)
        rc = check_three_part(r, a->st, id, tariff, "tariff_id");
    if (!rc)
        rc = contract_tariff_set(a->st, id, tariff);
    record_target(target, sizeof(target), "contract", id);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "contract.tariff", target,
                        json_pack("{s:o, s:I}", "from",
                                  old ? json_integer(old) : json_null(), "to",
                                  (json_int_t)tariff));
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    return answer(r, rc, 200,
                  json_pack("{s:I, s:I}", "contract_id", (json_int_t)id,
                            "tariff_id", (json_int_t)tariff));
}

static enum err
get_fees(struct req *r)
{
    struct store *st = auth_ctx(r)->st;
    int64_t id, point, tariff;
    json_t *out = NULL;
    enum err rc = record_path_id(r, ERR_CONTRACT_NOT_FOUND, &id);
    if (!rc)
        rc = contract_point_get(st, id, &point, &tariff);
    if (!rc)
        rc = equipment_fee_list(st, id, &out);
    return answer(r, rc, 200, out);
}

/* 2025 rule: costs of things unrelated to gas may not be recovered. */
static bool
unrelated_to_gas(const char *d)
{
    static const char *const words[] = {
        "エアコン", "インターホン", "Wi-Fi",  "WiFi", "wifi", "インターネット",
        "照明",     "防犯カメラ",   "テレビ", "TV",   NULL};
    for (size_t i = 0; words[i]; i++)
        if (strstr(d, words[i]))
            return true;
    return false;
}

/* The appliance a fee pays for: at the contract's point, in place, ours
 * or leased (a customer's own appliance is not our upkeep). */
static void
check_fee_appliance(struct jcheck *k, struct store *st, int64_t point,
                    int64_t appliance)
{
    int64_t at;
    char own[16];
    bool removed;
    if (appliance_for_fee(st, appliance, &at, own, &removed) || at != point)
        jcheck_add(k, "appliance_id", "not_found",
                   "この契約の供給地点にある消費機器を指定してください");
    else if (removed)
        jcheck_add(k, "appliance_id", "removed", "撤去済みの機器です");
    else if (!strcmp(own, "customer"))
        jcheck_add(k, "appliance_id", "ownership",
                   "お客様所有の機器に設備料金はかけられません");
}

static enum err
post_fee(struct req *r)
{
    static const char *const allowed[] = {"appliance_id", "description", "fee",
                                          "starts_on",    "ends_on",     NULL};
    struct auth_ctx *a = auth_ctx(r);
    int64_t id, point, tariff, appliance = 0, fee, fid = 0;
    bool present;
    const char *desc, *from, *to;
    char target[48];
    json_t *b, *out = NULL;
    struct jcheck k;
    enum err rc = record_path_id(r, ERR_CONTRACT_NOT_FOUND, &id);
    if (rc || (rc = contract_point_get(a->st, id, &point, &tariff)) ||
        (rc = req_json_object(r, &b)))
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    jcheck_int(&k, b, "appliance_id", 1, INT64_MAX, false, &appliance,
               &present);
    jcheck_str(&k, b, "description", 40, JSTR_REQUIRED, &desc);
    check_money(&k, b, "fee", -1, false, &fee);
    if (fee < 0 && json_object_get(b, "fee") == NULL)
        jcheck_add(&k, "fee", "required", "設備料金の月額を指定してください");
    check_date(&k, b, "starts_on", true, &from);
    check_date(&k, b, "ends_on", false, &to);
    if (from && to && strcmp(to, from) < 0)
        jcheck_add(&k, "ends_on", "range", "終了日は開始日以降にしてください");
    if (desc && unrelated_to_gas(desc))
        jcheck_add(&k, "description", "unrelated",
                   "ガスの使用に関係のない設備の費用は設備料金にできません");
    if (present && appliance > 0)
        check_fee_appliance(&k, a->st, point, appliance);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    if ((rc = store_tx_begin(a->st)))
        return rc;
    rc = equipment_fee_add(a->st, id, appliance, desc, fee, from, to, &fid);
    record_target(target, sizeof(target), "contract", id);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "contract.equipment_fee", target,
                        json_pack("{s:I, s:s, s:I, s:s}", "id", (json_int_t)fid,
                                  "description", desc, "fee_cyen",
                                  (json_int_t)fee, "starts_on", from));
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    rc = equipment_fee_list(a->st, id, &out);
    return answer(r, rc, 201, out);
}

/* The {fee} path parameter. */
static enum err
fee_path(struct req *r, int64_t *fee)
{
    char *end;
    *fee = strtoll(req_param(r, "fee"), &end, 10);
    if (*end || *fee <= 0)
        return err_fail(ERR_NOT_FOUND, "no such equipment fee");
    return ERR_OK;
}

/* POST /contracts/{id}/equipment-fees/{fee}/end {ends_on}: the fee's last
 * day (the equipment was removed, or the lease ended). */
static enum err
end_fee(struct req *r)
{
    static const char *const allowed[] = {"ends_on", "reason", NULL};
    struct auth_ctx *a = auth_ctx(r);
    int64_t id, fee;
    const char *to, *reason;
    char target[48];
    json_t *b, *out = NULL;
    struct jcheck k;
    enum err rc = record_path_id(r, ERR_CONTRACT_NOT_FOUND, &id);
    if (rc || (rc = req_json_object(r, &b)) || (rc = fee_path(r, &fee)))
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    check_date(&k, b, "ends_on", true, &to);
    jcheck_str(&k, b, "reason", 200, 0, &reason);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    if ((rc = store_tx_begin(a->st)))
        return rc;
    rc = equipment_fee_end(a->st, id, fee, to);
    record_target(target, sizeof(target), "contract", id);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "contract.equipment_fee_end", target,
                        json_pack("{s:I, s:s, s:s?}", "id", (json_int_t)fee,
                                  "ends_on", to, "reason", reason));
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    rc = equipment_fee_list(a->st, id, &out);
    return answer(r, rc, 200, out);
}

/* A correction of an equipment fee: what changes (-1 / NULL: kept). */
struct fee_fix {
    int64_t appliance; /* 0: no appliance any more */
    int64_t fee_cyen;
    const char *desc, *reason;
};

/* The body of PATCH …/equipment-fees/{fee} into f; field errors into k. */
static void
read_fee_fix(struct jcheck *k, struct store *st, int64_t point, const json_t *b,
             struct fee_fix *f)
{
    static const char *const allowed[] = {"appliance_id", "description", "fee",
                                          "reason", NULL};
    const json_t *ap = json_object_get(b, "appliance_id");
    const json_t *fee = json_object_get(b, "fee");
    bool present;
    *f = (struct fee_fix){.appliance = -1, .fee_cyen = -1};
    jcheck_only(k, b, allowed);
    if (ap && json_is_null(ap))
        f->appliance = 0;
    else
        jcheck_int(k, b, "appliance_id", 1, INT64_MAX, false, &f->appliance,
                   &present);
    jcheck_str(k, b, "description", 40, 0, &f->desc);
    if (f->desc && !*f->desc)
        jcheck_add(k, "description", "required",
                   "設備の内容を入力してください");
    check_money(k, b, "fee", -1, false, &f->fee_cyen);
    if (fee && json_is_null(fee))
        jcheck_add(k, "fee", "required", "設備料金の月額を指定してください");
    jcheck_str(k, b, "reason", VERSION_REASON_MAX,
               JSTR_REQUIRED | JSTR_MULTILINE, &f->reason);
    if (!ap && !fee && !json_object_get(b, "description"))
        jcheck_add(k, "fee", "required",
                   "訂正する項目（fee・description・appliance_id）を"
                   "指定してください");
    if (f->desc && unrelated_to_gas(f->desc))
        jcheck_add(k, "description", "unrelated",
                   "ガスの使用に関係のない設備の費用は設備料金にできません");
    if (f->appliance > 0)
        check_fee_appliance(k, st, point, f->appliance);
}

/* Correct fee of contract (on tariff, 0: none) inside the transaction:
 * the three-part rule when the amount changes, audit before/after. */
static enum err
fee_fix_in_tx(struct req *r, int64_t contract, int64_t tariff, int64_t fee,
              const struct fee_fix *f)
{
    struct auth_ctx *a = auth_ctx(r);
    json_t *before = NULL, *after = NULL;
    char target[48];
    enum err rc = equipment_fee_get(a->st, contract, fee, &before);
    if (!rc)
        rc = equipment_fee_update(a->st, contract, fee, f->appliance, f->desc,
                                  f->fee_cyen);
    if (!rc && tariff && f->fee_cyen >= 0)
        rc = check_three_part(r, a->st, contract, tariff, "fee");
    if (!rc)
        rc = equipment_fee_get(a->st, contract, fee, &after);
    record_target(target, sizeof(target), "contract", contract);
    if (!rc)
        rc = auth_audit(
            r, a->st, NULL, "contract.equipment_fee_correct", target,
            json_pack("{s:I, s:s, s:O, s:O}", "id", (json_int_t)fee, "reason",
                      f->reason, "before", before, "after", after));
    json_decref(before);
    json_decref(after);
    return rc;
}

/* PATCH /contracts/{id}/equipment-fees/{fee} {fee?, description?,
 * appliance_id?, reason}: a fee entered with a mistake (訂正). The audit
 * entry keeps before and after; issued invoices keep what they billed. */
static enum err
patch_fee(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct fee_fix f;
    int64_t id, fee, point, tariff;
    json_t *b, *cur = NULL, *out = NULL;
    struct jcheck k;
    enum err rc = record_path_id(r, ERR_CONTRACT_NOT_FOUND, &id);
    if (rc || (rc = fee_path(r, &fee)) ||
        (rc = contract_point_get(a->st, id, &point, &tariff)) ||
        (rc = equipment_fee_get(a->st, id, fee, &cur)))
        return rc;
    json_decref(cur);
    if ((rc = req_json_object(r, &b)))
        return rc;
    jcheck_init(&k);
    read_fee_fix(&k, a->st, point, b, &f);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    if ((rc = store_tx_begin(a->st)) ||
        (rc = record_tx_end(a->st, fee_fix_in_tx(r, id, tariff, fee, &f))))
        return rc;
    rc = equipment_fee_list(a->st, id, &out);
    return answer(r, rc, 200, out);
}

/* ----------------------------------------------------------------------
 * Settings (請求の設定)
 * ---------------------------------------------------------------------- */

static json_t *
settings_json(const struct billing_settings *s)
{
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:i, s:{s:s, s:s, s:s}}", "rounding",
        tariff_rounding_name(s->rounding), "tax_rounding",
        tariff_rounding_name(s->tax_rounding), "price_change",
        s->day_split ? "day_split" : "reading_date", "partial_base",
        s->partial_base_by_days ? "days" : "full", "registration",
        s->registration, "due_days", s->due_days, "issuer", "name",
        s->issuer_name, "address", s->issuer_address, "phone", s->issuer_phone);
}

static enum err
get_settings(struct req *r)
{
    struct billing_settings s;
    enum err rc = billing_settings_get(auth_ctx(r)->st, &s);
    return answer(r, rc, 200, rc ? NULL : settings_json(&s));
}

/* インボイス登録番号: "T" and 13 digits (empty: not registered yet). */
static bool
registration_valid(const char *s)
{
    if (*s == '\0')
        return true;
    if (s[0] != 'T' || strlen(s) != 14)
        return false;
    for (int i = 1; i < 14; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static void
check_choice(struct jcheck *k, const json_t *b, const char *key,
             const char *one, const char *two, bool *out)
{
    const char *v;
    jcheck_str(k, b, key, 16, 0, &v);
    if (v && strcmp(v, one) && strcmp(v, two))
        jcheck_add(k, key, "enum", "指定できない値です");
    else if (v)
        *out = strcmp(v, two) == 0;
}

static void
check_rounding(struct jcheck *k, const json_t *b, const char *key,
               enum rounding *out)
{
    const char *v;
    jcheck_str(k, b, key, 8, 0, &v);
    if (v && !tariff_rounding_parse(v, out))
        jcheck_add(k, key, "enum", "down / half_up / up のいずれかです");
}

static void
check_text(struct jcheck *k, const json_t *b, const char *key, size_t max,
           char *out, size_t n)
{
    const char *v;
    jcheck_str(k, b, key, max, 0, &v);
    if (v)
        snprintf(out, n, "%s", v);
}

/* The body of PUT /settings/billing over the current settings s. */
static void
read_settings(struct jcheck *k, const json_t *b, struct billing_settings *s)
{
    static const char *const allowed[] = {
        "rounding",     "tax_rounding", "price_change", "partial_base",
        "registration", "due_days",     "issuer",       NULL};
    static const char *const issuer_keys[] = {"name", "address", "phone", NULL};
    bool present;
    int64_t due = s->due_days;
    jcheck_only(k, b, allowed);
    check_rounding(k, b, "rounding", &s->rounding);
    check_rounding(k, b, "tax_rounding", &s->tax_rounding);
    check_choice(k, b, "price_change", "reading_date", "day_split",
                 &s->day_split);
    check_choice(k, b, "partial_base", "full", "days",
                 &s->partial_base_by_days);
    check_text(k, b, "registration", 14, s->registration,
               sizeof(s->registration));
    if (!registration_valid(s->registration))
        jcheck_add(k, "registration", "format",
                   "登録番号は T と13桁の数字です（例: T1234567890123）");
    jcheck_int(k, b, "due_days", 0, 90, false, &due, &present);
    s->due_days = (int)due;
    const json_t *is = json_object_get(b, "issuer");
    if (is && !json_is_object(is)) {
        jcheck_add(k, "issuer", "format", "オブジェクトで指定してください");
        return;
    }
    if (!is)
        return;
    jcheck_only(k, is, issuer_keys);
    check_text(k, is, "name", 60, s->issuer_name, sizeof(s->issuer_name));
    check_text(k, is, "address", 80, s->issuer_address,
               sizeof(s->issuer_address));
    check_text(k, is, "phone", 20, s->issuer_phone, sizeof(s->issuer_phone));
    if (s->issuer_phone[0] && !customer_phone_valid(s->issuer_phone))
        jcheck_add(k, "issuer.phone", "format", "電話番号の形式ではありません");
}

static enum err
put_settings(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct billing_settings s;
    json_t *b;
    struct jcheck k;
    enum err rc = req_json_object(r, &b);
    if (rc || (rc = billing_settings_get(a->st, &s)))
        return rc;
    jcheck_init(&k);
    read_settings(&k, b, &s);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    if ((rc = store_tx_begin(a->st)))
        return rc;
    if (!(rc = billing_settings_put(a->st, &s)))
        rc = auth_audit(r, a->st, NULL, "settings.billing", "billing",
                        settings_json(&s));
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    return answer(r, rc, 200, settings_json(&s));
}

#define READ  "billing.read"
#define WRITE "billing.write"

const struct route tariff_routes[] = {
    {"GET", "/api/v1/tariffs", get_tariffs, 0, READ, NULL, 0},
    {"POST", "/api/v1/tariffs", post_tariff, SMALL_BODY_MAX, WRITE,
     "tariff.create", 0},
    {"GET", "/api/v1/tariffs/{id}", get_tariff, 0, READ, NULL, 0},
    {"PATCH", "/api/v1/tariffs/{id}", patch_tariff, SMALL_BODY_MAX, WRITE,
     "tariff.update", 0},
    {"GET", "/api/v1/tariffs/{id}/versions", get_versions, 0, READ, NULL, 0},
    {"POST", "/api/v1/tariffs/{id}/versions", post_version, TARIFF_BODY_MAX,
     WRITE, "tariff.version", 0},
    {"GET", "/api/v1/tariffs/{id}/versions/{vid}", get_version, 0, READ, NULL,
     0},
    {"PUT", "/api/v1/tariffs/{id}/versions/{vid}", put_version, TARIFF_BODY_MAX,
     WRITE, "tariff.version_correct", 0},
    {"GET", "/api/v1/tariffs/{id}/versions/{vid}/history", get_version_history,
     0, READ, NULL, 0},
    {"POST", "/api/v1/tariffs/{id}/quote", post_quote, SMALL_BODY_MAX, READ,
     NULL, 0},
    {"GET", "/api/v1/cost-adjustments", get_adjustments, 0, READ, NULL, 0},
    {"GET", "/api/v1/cost-adjustments/{month}", get_adjustment, 0, READ, NULL,
     0},
    {"PUT", "/api/v1/cost-adjustments/{month}", put_adjustment, SMALL_BODY_MAX,
     WRITE, "cost_adjustment.set", 0},
    {"PUT", "/api/v1/contracts/{id}/tariff", put_contract_tariff,
     SMALL_BODY_MAX, WRITE, "contract.tariff", 0},
    {"GET", "/api/v1/contracts/{id}/equipment-fees", get_fees, 0, READ, NULL,
     0},
    {"POST", "/api/v1/contracts/{id}/equipment-fees", post_fee, SMALL_BODY_MAX,
     WRITE, "contract.equipment_fee", 0},
    {"PATCH", "/api/v1/contracts/{id}/equipment-fees/{fee}", patch_fee,
     SMALL_BODY_MAX, WRITE, "contract.equipment_fee_correct", 0},
    {"POST", "/api/v1/contracts/{id}/equipment-fees/{fee}/end", end_fee,
     SMALL_BODY_MAX, WRITE, "contract.equipment_fee_end", 0},
    {"GET", "/api/v1/settings/billing", get_settings, 0, READ, NULL, 0},
    {"PUT", "/api/v1/settings/billing", put_settings, SMALL_BODY_MAX, WRITE,
     "settings.billing", 0},
    ROUTES_END,
};
