/*
 * readings_api.c — readings over HTTP: the batch the handhelds send, one
 * reading, and a point's history for the customer page's chart.
 *
 *   POST /api/v1/readings                     readings.write
 *        {"items": [{key, supply_point_id, read_on, index, note}]}
 *        → 200 {"results": [{key, outcome, reading, flags, error}]}
 *   GET  /api/v1/readings/{id}                readings.read
 *   GET  /api/v1/supply-points/{id}/readings  readings.read (months=24)
 *
 * A batch holds 1–500 items; each is its own transaction, so a bad item
 * (outcome "error" with a stable code and a Japanese detail) blocks none
 * of the others. Each item carries an idempotency key chosen by the
 * handheld: the first answer given for a key is stored with a digest of
 * the item, and the same item sent again under that key gets the same
 * answer without any change — a handheld on a bad network resends safely.
 * The same key with another item is "error" metering.idempotency_mismatch.
 * Errors are not stored under the key: the reader may fix the cause (an
 * office opens the period) and resend.
 *
 * A reading comes from the field when a meter reader (role reader) sends
 * it, from the office otherwise. The supply point is looked up in the
 * caller's tenant store only: another tenant's point is simply not found.
 */
#include "auth/auth.h"
#include "auth/crypto.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "customers/customers.h"
#include "customers/records_api.h"
#include "http/http.h"
#include "metering/metering.h"
#include "metering/metering_api.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READINGS_BODY_MAX (256 * 1024)

enum err
metering_body(struct req *r, json_t **out)
{
    size_t n = 0;
    req_body(r, &n);
    *out = NULL;
    return n ? req_json_object(r, out) : ERR_OK;
}

enum err
metering_path_id(struct req *r, enum err not_found, int64_t *id)
{
    return record_path_id(r, not_found, id);
}

/* ---------------------------------------------------------------------- */
/* One item                                                               */
/* ---------------------------------------------------------------------- */

static bool
key_valid(const char *k)
{
    size_t n = k ? strlen(k) : 0;
    return n >= READING_KEY_MIN && n <= READING_KEY_MAX &&
           strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789_-") == n;
}

/* An item read and checked. */
struct item {
    const char *key;
    struct reading_in in;
    char hash[CRYPTO_DIGEST_HEX];
};

/* Check item o (field errors into k) and fill it. */
static void
item_check(json_t *o, struct item *it, struct jcheck *k)
{
    static const char *const allowed[] = {
        "key", "supply_point_id", "read_on", "index", "note", NULL};
    char today[11], limit[11];
    bool present;
    jcheck_only(k, o, allowed);
    jcheck_str(k, o, "key", READING_KEY_MAX, JSTR_REQUIRED, &it->key);
    if (it->key && !key_valid(it->key))
        jcheck_add(k, "key", "format",
                   "送信キーは英数字・_・- の 8〜64 文字です");
    jcheck_int(k, o, "supply_point_id", 1, INT64_MAX, true,
               &it->in.supply_point_id, &present);
    jcheck_str(k, o, "read_on", 10, JSTR_REQUIRED, &it->in.read_on);
    time_today_jst(today);
    time_date_add(today, 1, limit);
    if (it->in.read_on && !time_date_valid(it->in.read_on))
        jcheck_add(k, "read_on", "format",
                   "検針日は YYYY-MM-DD の形式で入力してください");
    else if (it->in.read_on && strcmp(it->in.read_on, limit) > 0)
        jcheck_add(k, "read_on", "range", "未来の日付は入力できません");
    if (equipment_tenths_parse(json_object_get(o, "index"),
                               &it->in.index_tenths))
        jcheck_add(k, "index", "format",
                   "指針は 0.1 m³ 単位の数値（例: 1234.5）で入力してください");
    jcheck_str(k, o, "note", READING_NOTE_MAX, 0, &it->in.note);
}

/* A digest of the item without its key: what "the same content" means. */
static void
item_hash(const json_t *o, char out[CRYPTO_DIGEST_HEX])
{
    json_t *c = json_deep_copy(o);
    json_object_del(c, "key");
    char *text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
    crypto_digest_hex(text ? text : "", text ? strlen(text) : 0, out);
    free(text);
    json_decref(c);
}

/* A failure's code, title and detail (the detail only for what the
 * client can act on: never a 5xx's internals). */
static json_t *
error_json(enum err rc)
{
    if (err_http_status(rc) >= 500) /* the cause goes to the log only */
        log_fields(LOG_ERROR, "readings.item_error",
                   json_pack("{s:s, s:s}", "code", err_code(rc), "detail",
                             err_detail()));
    return json_pack("{s:s, s:s, s:s}", "code", err_code(rc), "title",
                     err_title(rc), "detail",
                     err_http_status(rc) < 500 ? err_detail() : "");
}

/* The answer for an item that failed with rc. */
static json_t *
item_error(const char *key, enum err rc)
{
    return json_pack("{s:s?, s:s, s:n, s:[], s:o}", "key", key, "outcome",
                     "error", "reading", "flags", "error", error_json(rc));
}

/* The answer for a reading taken in (or found). */
static enum err
item_answer(struct store *st, const char *key, const struct reading_out *o,
            json_t **out)
{
    json_t *reading, *flags = NULL;
    enum err rc = reading_json(st, o->id, &reading);
    if (rc)
        return rc;
    json_parse(o->flags, strlen(o->flags), &flags);
    if (o->outcome == READING_CONFLICT)
        err_fail(ERR_READING_CONFLICT,
                 "指針 %s は登録済みの値と異なるため、事務所の確認待ちです",
                 json_string_value(json_object_get(reading, "index")));
    *out = json_pack(
        "{s:s, s:s, s:o, s:o, s:o}", "key", key, "outcome",
        reading_outcome_name(o->outcome), "reading", reading, "flags",
        json_is_array(flags) ? flags : json_array(), "error",
        o->outcome == READING_CONFLICT ? error_json(ERR_READING_CONFLICT)
                                       : json_null());
    return ERR_OK;
}

/* The audit entry of a stored reading or a new conflict. */
static enum err
item_audit(struct req *r, struct store *st, const struct item *it,
           const struct reading_out *o)
{
    char target[48], idx[24];
    if (o->outcome == READING_DUPLICATE)
        return ERR_OK;
    record_target(target, sizeof(target), "reading", o->id);
    equipment_tenths_format(it->in.index_tenths, idx);
    return auth_audit(
        r, st, NULL,
        o->outcome == READING_CONFLICT ? "reading.conflict" : "reading.record",
        target,
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "supply_point_id",
                  (json_int_t)it->in.supply_point_id, "read_on", it->in.read_on,
                  "index", idx, "outcome", reading_outcome_name(o->outcome),
                  "key", it->key, "conflict_id", (json_int_t)o->conflict_id));
}

/* Record it inside the open transaction; *out is the answer to store. */
static enum err
item_record(struct req *r, struct store *st, const struct item *it,
            json_t **out)
{
    struct reading_out o;
    bool found, same;
    json_t *stored;
    enum err rc = submission_get(st, it->key, it->hash, &found, &same, &stored);
    if (rc)
        return rc;
    if (found && same) {
        *out = stored; /* the first answer, again */
        return ERR_OK;
    }
    if (found)
        return err_fail(ERR_IDEMPOTENCY_MISMATCH,
                        "送信キー %s は別の内容で使われています", it->key);
    if ((rc = reading_record(st, &it->in, &o)) ||
        (rc = item_audit(r, st, it, &o)) ||
        (rc = item_answer(st, it->key, &o, out)))
        return rc;
    if ((rc = submission_put(st, it->key, it->hash, o.outcome, *out))) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* One item of the batch, in its own transaction; never fails the batch. */
static json_t *
item_run(struct req *r, json_t *o, const char *source)
{
    struct auth_ctx *a = auth_ctx(r);
    struct item it = {0};
    struct jcheck k;
    json_t *out = NULL;
    err_clear();
    jcheck_init(&k);
    if (!json_is_object(o))
        jcheck_add(&k, "", "type", "JSON オブジェクトで送信してください");
    else
        item_check(o, &it, &k);
    if (!jcheck_ok(&k)) {
        json_t *e = item_error(it.key, ERR_INVALID);
        json_object_set_new(json_object_get(e, "error"), "errors", k.errors);
        k.errors = NULL;
        jcheck_free(&k);
        return e;
    }
    jcheck_free(&k);
    it.in.kind = "regular";
    it.in.source = source;
    it.in.actor = a->actor;
    item_hash(o, it.hash);
    enum err rc = store_tx_begin(a->st);
    if (!rc)
        rc = record_tx_end(a->st, item_record(r, a->st, &it, &out));
    if (rc) {
        json_decref(out);
        return item_error(it.key, rc);
    }
    return out;
}

/* ---------------------------------------------------------------------- */
/* Handlers                                                               */
/* ---------------------------------------------------------------------- */

static enum err
post_readings(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    json_t *b, *items, *results, *o;
    size_t i;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    items = json_object_get(b, "items");
    if (!json_is_array(items) || !json_array_size(items) ||
        json_array_size(items) > READING_BATCH_MAX ||
        json_object_size(b) != 1) {
        struct jcheck k;
        jcheck_init(&k);
        jcheck_add(&k, "items", "range",
                   "items に 1〜500 件の検針を配列で指定してください");
        return req_invalid(r, &k);
    }
    const char *source = strcmp(a->user.role, "reader") ? "office" : "field";
    results = json_array();
    json_array_foreach(items, i, o)
    {
        json_array_append_new(results, item_run(r, o, source));
    }
    resp_json(r, 200, json_pack("{s:o}", "results", results));
    return ERR_OK;
}

static enum err
get_reading(struct req *r)
{
    int64_t id;
    json_t *out;
    enum err rc = metering_path_id(r, ERR_READING_NOT_FOUND, &id);
    if (rc || (rc = reading_json(auth_ctx(r)->st, id, &out)))
        return rc;
    resp_json(r, 200, out);
    return ERR_OK;
}

static enum err
get_point_readings(struct req *r)
{
    int64_t id, months = 24;
    json_t *out;
    const char *m = req_query(r, "months");
    enum err rc = metering_path_id(r, ERR_SUPPLY_POINT_NOT_FOUND, &id);
    if (rc)
        return rc;
    if (m) {
        char *end;
        months = strtoll(m, &end, 10);
        if (*end || months < 1 || months > 120) {
            struct jcheck k;
            jcheck_init(&k);
            jcheck_add(&k, "months", "range",
                       "1 から 120 の範囲で指定してください");
            return req_invalid(r, &k);
        }
    }
    if ((rc = point_readings(auth_ctx(r)->st, id, months, &out)))
        return rc;
    resp_json(r, 200, out);
    return ERR_OK;
}

const struct route readings_routes[] = {
    {"POST", "/api/v1/readings", post_readings, READINGS_BODY_MAX,
     "readings.write", "reading.record", 0},
    {"GET", "/api/v1/supply-points/{id}/readings", get_point_readings, 0,
     "readings.read", NULL, 0},
    ROUTES_END,
};

/* After the review routes (readings/review is literal). */
const struct route readings_id_routes[] = {
    {"GET", "/api/v1/readings/{id}", get_reading, 0, "readings.read", NULL, 0},
    ROUTES_END,
};
