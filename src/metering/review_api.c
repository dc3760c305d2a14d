/*
 * review_api.c — the review list (要確認リスト) over HTTP: what the office
 * confirms, corrects or decides.
 *
 *   GET  /api/v1/readings/review                  readings.manage
 *        → {"readings": [flagged…], "conflicts": [open…]}
 *   POST /api/v1/readings/{id}/confirm            readings.manage
 *   POST /api/v1/readings/{id}/correct            readings.manage
 *        {"index", "read_on"?, "note"?} → the new reading (corrects_id)
 *   POST /api/v1/reading-conflicts/{id}/resolve   readings.manage
 *        {"accept": true|false}
 *
 * Each decision and its audit entry commit together; a correction's entry
 * holds the index and date before and after. Readings of a closed period
 * are refused (metering.period_closed): billing's correction flow owns
 * them.
 */
#include "auth/auth.h"
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

#define REVIEW_BODY_MAX (4 * 1024)

static enum err
get_review(struct req *r)
{
    json_t *out;
    enum err rc = review_list(auth_ctx(r)->st, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

/* Answer with reading id after the transaction committed. */
static enum err
answer_reading(struct req *r, int64_t id)
{
    json_t *out;
    enum err rc = reading_json(auth_ctx(r)->st, id, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

static enum err
post_confirm(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    int64_t id;
    json_t *b;
    char target[48];
    enum err rc = metering_path_id(r, ERR_READING_NOT_FOUND, &id);
    if (rc || (rc = metering_body(r, &b)) || (rc = store_tx_begin(a->st)))
        return rc;
    record_target(target, sizeof(target), "reading", id);
    if (!(rc = reading_confirm(a->st, id, a->actor)))
        rc = auth_audit(r, a->st, NULL, "reading.confirm", target,
                        json_object());
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    return answer_reading(r, id);
}

struct correction {
    int64_t index;
    const char *read_on, *note;
};

static enum err
read_correction(struct req *r, struct correction *c)
{
    static const char *const allowed[] = {"index", "read_on", "note", NULL};
    json_t *b;
    struct jcheck k;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    if (equipment_tenths_parse(json_object_get(b, "index"), &c->index))
        jcheck_add(&k, "index", "format",
                   "指針は 0.1 m³ 単位の数値（例: 1234.5）で入力してください");
    jcheck_str(&k, b, "read_on", 10, 0, &c->read_on);
    if (c->read_on && !time_date_valid(c->read_on))
        jcheck_add(&k, "read_on", "format",
                   "検針日は YYYY-MM-DD の形式で入力してください");
    jcheck_str(&k, b, "note", READING_NOTE_MAX, 0, &c->note);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

/* The audit entry of a correction: index and date before and after. */
static enum err
audit_correction(struct req *r, int64_t old_id, int64_t new_id)
{
    struct store *st = auth_ctx(r)->st;
    json_t *before, *after;
    char target[48];
    enum err rc = reading_json(st, old_id, &before);
    if (rc)
        return rc;
    if ((rc = reading_json(st, new_id, &after))) {
        json_decref(before);
        return rc;
    }
    record_target(target, sizeof(target), "reading", old_id);
    rc = auth_audit(r, st, NULL, "reading.correct", target,
                    json_pack("{s:I, s:{s:O, s:O}, s:{s:O, s:O}}", "new_id",
                              (json_int_t)new_id, "before", "index",
                              json_object_get(before, "index"), "read_on",
                              json_object_get(before, "read_on"), "after",
                              "index", json_object_get(after, "index"),
                              "read_on", json_object_get(after, "read_on")));
    json_decref(before);
    json_decref(after);
    return rc;
}

static enum err
post_correct(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct correction c = {0};
    int64_t id, new_id = 0;
    enum err rc = metering_path_id(r, ERR_READING_NOT_FOUND, &id);
    if (rc || (rc = read_correction(r, &c)) || (rc = store_tx_begin(a->st)))
        return rc;
    if (!(rc = reading_correct(a->st, id, c.index, c.read_on, c.note, a->actor,
                               &new_id)))
        rc = audit_correction(r, id, new_id);
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    return answer_reading(r, new_id);
}

static enum err
read_accept(struct req *r, bool *accept)
{
    static const char *const allowed[] = {"accept", NULL};
    json_t *b, *v;
    struct jcheck k;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    v = json_object_get(b, "accept");
    if (!json_is_boolean(v))
        jcheck_add(&k, "accept", "required",
                   "採用する（true）か退ける（false）かを指定してください");
    *accept = json_is_true(v);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

static enum err
post_resolve(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    int64_t id, reading = 0;
    bool accept;
    char target[48];
    enum err rc = metering_path_id(r, ERR_CONFLICT_NOT_FOUND, &id);
    if (rc || (rc = read_accept(r, &accept)) || (rc = store_tx_begin(a->st)))
        return rc;
    record_target(target, sizeof(target), "reading_conflict", id);
    if (!(rc = conflict_resolve(a->st, id, accept, a->actor, &reading)))
        rc = auth_audit(r, a->st, NULL, "reading_conflict.resolve", target,
                        json_pack("{s:b, s:I}", "accept", accept, "reading_id",
                                  (json_int_t)reading));
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    json_t *reading_out;
    if ((rc = reading_json(a->st, reading, &reading_out)))
        return rc;
    resp_json(r, 200,
              json_pack("{s:I, s:s, s:o}", "conflict_id", (json_int_t)id,
                        "status", accept ? "accepted" : "rejected", "reading",
                        reading_out));
    return ERR_OK;
}

#define MANAGE "readings.manage"

const struct route review_routes[] = {
    {"GET", "/api/v1/readings/review", get_review, 0, MANAGE, NULL, 0},
    {"POST", "/api/v1/readings/{id}/confirm", post_confirm, REVIEW_BODY_MAX,
     MANAGE, "reading.confirm", 0},
    {"POST", "/api/v1/readings/{id}/correct", post_correct, REVIEW_BODY_MAX,
     MANAGE, "reading.correct", 0},
    {"POST", "/api/v1/reading-conflicts/{id}/resolve", post_resolve,
     REVIEW_BODY_MAX, MANAGE, "reading_conflict.resolve", 0},
    ROUTES_END,
};
