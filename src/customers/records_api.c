/*
 * records_api.c — generic handlers for the ledger's records: read one,
 * PATCH with If-Match, history, and for what hangs off a supply point
 * (contracts, meters, cylinder set-ups, appliances) create, list and
 * end/remove. A struct rkind (records_api.h) supplies what differs.
 *
 * What leaves: every response passes through the kind's mask (contracts:
 * the account number becomes "****567", and without customers.bank every
 * bank field goes). What stays: history rows hold masked before/after;
 * audit entries of personal kinds (customers, contracts) hold the names of
 * the changed fields only, as the audit chain is append-only and must not
 * keep personal data longer than the ledger does.
 *
 * Lookups run in the caller's tenant store, so another tenant's id is
 * simply not found.
 */
#include "customers/records_api.h"
#include "auth/auth.h"
#include "core/timeutil.h"
#include "http/http.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Basics                                                                 */
/* ---------------------------------------------------------------------- */

enum err
record_path_id(struct req *r, enum err not_found, int64_t *id)
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

enum err
record_answer(struct req *r, int status, json_t *rec)
{
    set_etag(r, rec);
    resp_json(r, status, rec);
    return ERR_OK;
}

void
record_target(char *out, size_t n, const char *prefix, int64_t id)
{
    snprintf(out, n, "%s:%" PRId64, prefix, id);
}

enum err
record_if_match(struct req *r, int64_t *version)
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

enum err
record_tx_end(struct store *st, enum err rc)
{
    if (!rc)
        rc = store_tx_commit(st);
    if (rc)
        store_tx_rollback(st);
    return rc;
}

bool
record_bank_allowed(struct req *r)
{
    return auth_allows(auth_ctx(r), "customers.bank");
}

static const char *
str_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ---------------------------------------------------------------------- */
/* Reading, writing and showing a kind                                    */
/* ---------------------------------------------------------------------- */

static enum err
kind_get(struct store *st, const struct rkind *k, int64_t id, json_t **out)
{
    return k->table ? record_get(st, k->table, id, out) : k->get(st, id, out);
}

static enum err
kind_update(struct store *st, const struct rkind *k, int64_t id,
            int64_t version, const json_t *rec)
{
    return k->table ? record_update(st, k->table, id, version, rec)
                    : k->update(st, id, version, rec);
}

/* Write a history row with before/after masked for storage. */
static enum err
kind_history(struct store *st, const struct rkind *k, int64_t id,
             const char *actor, const json_t *before, const json_t *after)
{
    json_t *b = json_deep_copy(before), *a = json_deep_copy(after);
    if (k->mask) {
        k->mask(b, true);
        k->mask(a, true);
    }
    enum err rc = k->history ? k->history(st, id, actor, b, a)
                             : record_history_add(st, k->name, id, actor, b, a);
    json_decref(b);
    json_decref(a);
    return rc;
}

/* Mask rec for this request's reader. */
static void
show(struct req *r, const struct rkind *k, json_t *rec)
{
    if (k->mask)
        k->mask(rec, record_bank_allowed(r));
}

enum err
record_respond(struct req *r, const struct rkind *k, int status, int64_t id)
{
    struct store *st = auth_ctx(r)->st;
    json_t *out = NULL;
    enum err rc = kind_get(st, k, id, &out);
    if (!rc && k->extend)
        rc = k->extend(st, id, out);
    if (rc) {
        json_decref(out);
        return rc;
    }
    show(r, k, out);
    return record_answer(r, status, out);
}

/* ---------------------------------------------------------------------- */
/* Validation                                                             */
/* ---------------------------------------------------------------------- */

enum err
record_guard(struct req *r, const struct rkind *k, const json_t *body)
{
    if (!k->guarded || record_bank_allowed(r))
        return ERR_OK;
    for (const char *const *g = k->guarded; *g; g++)
        if (json_object_get(body, *g))
            return err_fail(ERR_AUTH_FORBIDDEN,
                            "setting bank details needs customers.bank");
    return ERR_OK;
}

void
record_validate(const struct rkind *k, json_t *rec, const json_t *cur,
                struct jcheck *jc)
{
    cfield_check(k->fields, rec, jc);
    if (k->check)
        k->check(rec, cur, jc);
    if (!cur || !k->table)
        return;
    const char *start = str_of(rec, k->table->start_key);
    const char *end = str_of(cur, k->table->close_key);
    if (start && end && strcmp(start, end) > 0)
        jcheck_add(jc, k->table->start_key, "range",
                   "終了日・撤去日より後の日付は指定できません");
}

enum err
record_check_new(struct req *r, const struct rkind *k, json_t *body)
{
    struct jcheck jc;
    enum err rc = record_guard(r, k, body);
    if (rc)
        return rc;
    jcheck_init(&jc);
    record_validate(k, body, NULL, &jc);
    if (!jcheck_ok(&jc))
        return req_invalid(r, &jc);
    jcheck_free(&jc);
    return ERR_OK;
}

void
record_nest_errors(struct jcheck *jc, const char *prefix, struct jcheck *sub)
{
    size_t i;
    json_t *e;
    char field[96];
    json_array_foreach(sub->errors, i, e)
    {
        snprintf(field, sizeof(field), "%s.%s", prefix, str_of(e, "field"));
        jcheck_add(jc, field, str_of(e, "code"), str_of(e, "message"));
    }
    jcheck_free(sub);
}

/* ---------------------------------------------------------------------- */
/* Reading one, and its history                                           */
/* ---------------------------------------------------------------------- */

enum err
record_get_one(struct req *r, const struct rkind *k)
{
    int64_t id = 0;
    enum err rc = record_path_id(r, k->not_found, &id);
    if (rc)
        return rc;
    return record_respond(r, k, 200, id);
}

enum err
record_history_get(struct req *r, const struct rkind *k)
{
    struct store *st = auth_ctx(r)->st;
    int64_t id = 0;
    size_t i;
    json_t *cur, *out, *e;
    enum err rc = record_path_id(r, k->not_found, &id);
    if (rc || (rc = kind_get(st, k, id, &cur)))
        return rc;
    json_decref(cur);
    if ((rc = record_history_list(st, k->name, id, &out)))
        return rc;
    json_array_foreach(json_object_get(out, "history"), i, e)
    {
        show(r, k, json_object_get(e, "before"));
        show(r, k, json_object_get(e, "after"));
    }
    resp_json(r, 200, out);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* PATCH                                                                  */
/* ---------------------------------------------------------------------- */

/* Merge the body over cur's fields into *merged; before/after get the
 * fields that differ. Field errors go to jc. */
static void
merge(const struct rkind *k, const json_t *cur, json_t *body, struct jcheck *jc,
      json_t **merged, json_t **before, json_t **after)
{
    *merged = json_object();
    *before = json_object();
    *after = json_object();
    for (const struct cfield *f = k->fields; f->name; f++)
        json_object_set(*merged, f->name, json_object_get(cur, f->name));
    json_object_update(*merged, body);
    record_validate(k, *merged, cur, jc);
    for (const struct cfield *f = k->fields; f->name && jcheck_ok(jc); f++) {
        json_t *b = json_object_get(cur, f->name);
        json_t *n = json_object_get(*merged, f->name);
        if (json_equal(b, n))
            continue;
        if (f->flags & FIELD_FIXED)
            jcheck_add(jc, f->name, "fixed", "作成後は変更できません");
        json_object_set(*before, f->name, b);
        json_object_set(*after, f->name, n);
    }
}

/* The names of rec's keys whose value is not null, as a JSON array. */
static json_t *
field_names(const json_t *rec)
{
    json_t *names = json_array();
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)rec, key, v)
    {
        if (!json_is_null(v))
            json_array_append_new(names, json_string(key));
    }
    return names;
}

/* What the audit entry of an update says: for personal kinds only the
 * names of the changed fields (the values stay in the history). */
static json_t *
audit_detail(const struct rkind *k, const json_t *before, const json_t *after)
{
    if (!k->personal)
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

/* Apply the merged record (inside the transaction); history and audit. */
static enum err
apply_patch(struct req *r, const struct rkind *k, const json_t *cur,
            int64_t version, json_t *merged, json_t *before, json_t *after)
{
    struct auth_ctx *a = auth_ctx(r);
    char target[48], action[48];
    int64_t id = json_integer_value(json_object_get(cur, "id"));
    int64_t point = json_integer_value(json_object_get(cur, "supply_point_id"));
    record_target(target, sizeof(target), k->name, id);
    snprintf(action, sizeof(action), "%s.update", k->name);
    enum err rc = kind_update(a->st, k, id, version, merged);
    if (!rc && k->written)
        rc = k->written(a->st, point, id, after);
    if (!rc)
        rc = kind_history(a->st, k, id, a->actor, before, after);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, action, target,
                        audit_detail(k, before, after));
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
patch_in_tx(struct req *r, const struct rkind *k, int64_t version, json_t *body,
            json_t *cur)
{
    json_t *merged, *before, *after;
    struct jcheck jc;
    enum err rc;
    if (json_integer_value(json_object_get(cur, "version")) != version)
        return conflict(r, cur);
    jcheck_init(&jc);
    merge(k, cur, body, &jc, &merged, &before, &after);
    if (!jcheck_ok(&jc))
        rc = req_invalid(r, &jc);
    else if (json_object_size(after) == 0) /* nothing changed */
        rc = ERR_OK;
    else
        rc = apply_patch(r, k, cur, version, merged, before, after);
    jcheck_free(&jc);
    json_decref(merged);
    json_decref(before);
    json_decref(after);
    return rc;
}

enum err
record_patch(struct req *r, const struct rkind *k)
{
    struct store *st = auth_ctx(r)->st;
    int64_t id = 0, version = 0;
    json_t *body, *cur = NULL;
    enum err rc = record_path_id(r, k->not_found, &id);
    if (rc || (rc = req_json_object(r, &body)) ||
        (rc = record_guard(r, k, body)) ||
        (rc = record_if_match(r, &version)) || (rc = store_tx_begin(st)))
        return rc;
    if (!(rc = kind_get(st, k, id, &cur)))
        rc = patch_in_tx(r, k, version, body, cur);
    json_decref(cur);
    if ((rc = record_tx_end(st, rc)))
        return rc;
    return record_respond(r, k, 200, id);
}

/* ---------------------------------------------------------------------- */
/* Records of a supply point: create, list, end/remove                    */
/* ---------------------------------------------------------------------- */

/* What the audit entry of a create says: the record, or for personal
 * kinds the names of its fields; and the supply point. */
static json_t *
audit_created(const struct rkind *k, int64_t point, const json_t *rec)
{
    json_t *d = k->personal ? json_pack("{s:o}", "fields", field_names(rec))
                            : json_deep_copy(rec);
    json_object_set_new(d, "supply_point_id", json_integer(point));
    return d;
}

enum err
record_create_in_tx(struct req *r, const struct rkind *k, int64_t point,
                    json_t *rec, int64_t *id)
{
    struct auth_ctx *a = auth_ctx(r);
    char target[48], action[48];
    enum err rc = k->prepare ? k->prepare(r, a->st, point, rec) : ERR_OK;
    if (!rc)
        rc = record_insert(a->st, k->table, point, rec, id);
    if (!rc && k->written)
        rc = k->written(a->st, point, *id, rec);
    if (rc)
        return rc;
    record_target(target, sizeof(target), k->name, *id);
    snprintf(action, sizeof(action), "%s.create", k->name);
    return auth_audit(r, a->st, NULL, action, target,
                      audit_created(k, point, rec));
}

enum err
record_create(struct req *r, const struct rkind *k)
{
    struct store *st = auth_ctx(r)->st;
    int64_t point = 0, id = 0;
    json_t *body;
    enum err rc = record_path_id(r, ERR_SUPPLY_POINT_NOT_FOUND, &point);
    if (rc || (rc = equipment_point_exists(st, point)) ||
        (rc = req_json_object(r, &body)) ||
        (rc = record_check_new(r, k, body)) || (rc = store_tx_begin(st)))
        return rc;
    rc = record_tx_end(st, record_create_in_tx(r, k, point, body, &id));
    if (rc)
        return rc;
    return record_respond(r, k, 201, id);
}

enum err
record_list_get(struct req *r, const struct rkind *k, const char *key)
{
    struct store *st = auth_ctx(r)->st;
    int64_t point = 0;
    size_t i;
    json_t *list, *e;
    enum err rc = record_path_id(r, ERR_SUPPLY_POINT_NOT_FOUND, &point);
    if (rc || (rc = equipment_point_exists(st, point)) ||
        (rc = record_list(st, k->table, point, false, &list)))
        return rc;
    json_array_foreach(list, i, e)
    {
        show(r, k, e);
    }
    resp_json(r, 200, json_pack("{s:o}", key, list));
    return ERR_OK;
}

enum err
record_close_in_tx(struct req *r, const struct rkind *k, int64_t id,
                   const char *date, const char *reason, const char *verb)
{
    struct auth_ctx *a = auth_ctx(r);
    const char *key = k->table->close_key;
    char target[48], action[48];
    json_t *before = json_pack("{s:n}", key);
    json_t *after = json_pack("{s:s, s:s?}", key, date, "reason", reason);
    record_target(target, sizeof(target), k->name, id);
    snprintf(action, sizeof(action), "%s.%s", k->name, verb);
    enum err rc = record_close(a->st, k->table, id, date);
    if (!rc)
        rc = kind_history(a->st, k, id, a->actor, before, after);
    if (!rc)
        rc = auth_audit(
            r, a->st, NULL, action, target,
            json_pack("{s:O, s:O}", "before", before, "after", after));
    json_decref(before);
    json_decref(after);
    return rc;
}

/* Read {date_key, reason} of an end/remove request. */
static enum err
read_close(struct req *r, const char *date_key, const char **date,
           const char **reason)
{
    const char *allowed[] = {date_key, "reason", NULL};
    json_t *b;
    struct jcheck jc;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&jc);
    jcheck_only(&jc, b, allowed);
    jcheck_str(&jc, b, date_key, 10, JSTR_REQUIRED, date);
    jcheck_str(&jc, b, "reason", 200, 0, reason);
    if (*date && !time_date_valid(*date))
        jcheck_add(&jc, date_key, "format",
                   "日付は YYYY-MM-DD の形式で入力してください");
    if (!jcheck_ok(&jc))
        return req_invalid(r, &jc);
    jcheck_free(&jc);
    return ERR_OK;
}

/* End/remove inside the transaction: not before the record started. */
static enum err
close_in_tx(struct req *r, const struct rkind *k, int64_t id,
            const char *date_key, const char *date, const char *reason,
            const char *verb)
{
    json_t *cur;
    enum err rc = record_get(auth_ctx(r)->st, k->table, id, &cur);
    if (rc)
        return rc;
    const char *start = str_of(cur, k->table->start_key);
    bool early = start && strcmp(date, start) < 0;
    json_decref(cur);
    if (early) {
        struct jcheck jc;
        jcheck_init(&jc);
        jcheck_add(&jc, date_key, "range",
                   "開始日・設置日より前の日付は指定できません");
        return req_invalid(r, &jc);
    }
    return record_close_in_tx(r, k, id, date, reason, verb);
}

enum err
record_close_post(struct req *r, const struct rkind *k, const char *date_key,
                  const char *verb)
{
    struct store *st = auth_ctx(r)->st;
    const char *date, *reason;
    int64_t id = 0;
    enum err rc = record_path_id(r, k->not_found, &id);
    if (rc || (rc = read_close(r, date_key, &date, &reason)) ||
        (rc = store_tx_begin(st)))
        return rc;
    rc = close_in_tx(r, k, id, date_key, date, reason, verb);
    if ((rc = record_tx_end(st, rc)))
        return rc;
    return record_respond(r, k, 200, id);
}
