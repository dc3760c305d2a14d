/*
 * alarm_api.c — serve's routes for gas alarms, repair requests and the
 * notification targets (alarm.h has the rules, alarm_store.c the SQL).
 *
 *   GET  /api/v1/alarms                ?state=open|acknowledged|dispatched|
 *                                      resolved|active &severity= &since=
 *                                      &before_id= &limit=    alarms.read
 *   GET  /api/v1/alarms/stream         Server-Sent Events of new alarms
 *                                      and moves (alarm_stream.c)
 *   GET  /api/v1/alarms/{id}                                  alarms.read
 *   POST /api/v1/alarms/{id}/acknowledge  {"note"?}           alarms.write
 *   POST /api/v1/alarms/{id}/dispatch     {"responder", "note"?}
 *   POST /api/v1/alarms/{id}/resolve      {"responder"?, "arrived_at"
 *        (required after a dispatch), "findings", "action", "note"?}
 *   GET  /api/v1/repair-requests       ?state=received|scheduled|done|open
 *   PATCH /api/v1/repair-requests/{id} {"state"?, "scheduled_for"?,
 *                                       "note"?}              alarms.write
 *   GET  /api/v1/alarm-settings                               alarms.read
 *   PUT  /api/v1/alarm-settings (step-up) {"webhook_url": url|null,
 *        "emails": [...], "rotate_secret"?: bool}             alarms.write
 *        → the webhook's signing secret, shown once, when the URL is set
 *        for the first time or rotate_secret is true
 *   POST /internal/v1/alarm-acks       internal token: acknowledgements
 *        made on ingest's own alarm page while serve was away
 *
 * Every change is audited (alarm.acknowledge, alarm.dispatch,
 * alarm.resolve, repair.update, alarm.settings, alarm.ack_ingest).
 */
#include "auth/auth.h"
#include "auth/devkey.h"
#include "core/timeutil.h"
#include "core/log.h"
#include "http/http.h"
#include "http/sse.h"
#include "metering/remote_api.h"
#include "monitor/alarm_store.h"
#include "monitor/batch.h"
#include "store/pool.h"
#include "store/store.h"
#include "tenants/tenants.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALARM_BODY_MAX  16384
#define ALARM_TEXT_MAX  2000
#define ALARM_EMAILS    10
#define ALARM_ACKS_BODY (1u << 20)

static enum err
bad_query(struct req *r, const char *name, const char *msg)
{
    struct jcheck k;
    jcheck_init(&k);
    jcheck_add(&k, name, "range", msg);
    return req_invalid(r, &k);
}

static enum err
query_int(struct req *r, const char *name, int64_t lo, int64_t hi, int64_t def,
          int64_t *out)
{
    const char *v = req_query(r, name);
    char *end;
    *out = def;
    if (!v)
        return ERR_OK;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n < lo || n > hi)
        return bad_query(r, name, "範囲外の値です");
    *out = n;
    return ERR_OK;
}

static enum err
path_id(struct req *r, int64_t *id)
{
    char *end;
    const char *v = req_param(r, "id");
    long long n = v ? strtoll(v, &end, 10) : 0;
    if (!v || !*v || *end || n < 1)
        return err_fail(ERR_HTTP_NOT_FOUND, "no such resource");
    *id = n;
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Alarms                                                                 */
/* ---------------------------------------------------------------------- */

static enum err
get_alarms(struct req *r)
{
    struct alarm_query q = {0};
    int64_t limit, ms;
    json_t *out;
    enum err rc = query_int(r, "limit", 1, ALARM_LIST_MAX, 50, &limit);
    if (!rc)
        rc = query_int(r, "before_id", 1, INT64_MAX, 0, &q.before_id);
    if (!rc)
        rc = query_int(r, "customer_id", 1, INT64_MAX, 0, &q.customer_id);
    if (rc)
        return rc;
    q.limit = (int)limit;
    q.state = req_query(r, "state");
    q.severity = req_query(r, "severity");
    q.since = req_query(r, "since");
    if (q.state && strcmp(q.state, "active") && alarm_state_parse(q.state) < 0)
        return bad_query(r, "state",
                         "open・acknowledged・dispatched・resolved・active "
                         "のいずれかです");
    if (q.severity && strcmp(q.severity, "warning") &&
        strcmp(q.severity, "critical") && strcmp(q.severity, "info"))
        return bad_query(r, "severity", "info・warning・critical です");
    char since[32];
    if (q.since) {
        if (!batch_time_parse(q.since, &ms))
            return bad_query(r, "since", "日時の形式が正しくありません");
        batch_time_format(ms, since);
        q.since = since;
    }
    rc = alarm_list(auth_ctx(r)->st, &q, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

static enum err
get_alarm(struct req *r)
{
    int64_t id;
    json_t *a;
    enum err rc = path_id(r, &id);
    if (!rc)
        rc = alarm_get(auth_ctx(r)->st, id, &a);
    if (!rc)
        resp_json(r, 200, json_pack("{s:o}", "alarm", a));
    return rc;
}

/* The body of a move into m (borrows from the request). */
static enum err
move_read(struct req *r, struct alarm_move *m)
{
    static const char *const keys[] = {"note",     "responder", "arrived_at",
                                       "findings", "action",    NULL};
    json_t *b = NULL;
    struct jcheck k;
    size_t len;
    int64_t ms;
    req_body(r, &len);
    if (len) {
        enum err rc = req_json_object(r, &b);
        if (rc)
            return rc;
    } else {
        b = json_object();
    }
    jcheck_init(&k);
    jcheck_only(&k, b, keys);
    jcheck_str(&k, b, "note", ALARM_TEXT_MAX, JSTR_MULTILINE, &m->note);
    jcheck_str(&k, b, "responder", 100,
               m->action == ALARM_DISPATCH ? JSTR_REQUIRED : 0, &m->responder);
    jcheck_str(&k, b, "arrived_at", 40, 0, &m->arrived_at);
    unsigned need = m->action == ALARM_RESOLVE ? JSTR_REQUIRED : 0;
    jcheck_str(&k, b, "findings", ALARM_TEXT_MAX, need | JSTR_MULTILINE,
               &m->findings);
    jcheck_str(&k, b, "action", ALARM_TEXT_MAX, need | JSTR_MULTILINE,
               &m->action_taken);
    if (m->arrived_at && !batch_time_parse(m->arrived_at, &ms))
        jcheck_add(&k, "arrived_at", "format",
                   "日時（例 2026-06-18T10:15:00+09:00）で入力してください");
    if (m->action != ALARM_RESOLVE && (m->arrived_at || m->findings))
        jcheck_add(&k, "findings", "not_allowed",
                   "出動記録は対応完了のときに入力します");
    if (!len)
        json_decref(b);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

static enum err
post_move(struct req *r, enum alarm_action action, const char *audit)
{
    struct auth_ctx *a = auth_ctx(r);
    struct alarm_move m = {
        .action = action, .actor = a->actor, .via = "console"};
    char arrived[32];
    int64_t id, ms;
    json_t *out = NULL;
    enum err rc = path_id(r, &id);
    if (!rc)
        rc = move_read(r, &m);
    if (rc)
        return rc;
    if (m.arrived_at && batch_time_parse(m.arrived_at, &ms)) {
        batch_time_format(ms, arrived);
        m.arrived_at = arrived;
    }
    rc = store_tx_begin(a->st);
    if (!rc)
        rc = alarm_apply(a->st, id, &m);
    if (!rc)
        rc = alarm_get(a->st, id, &out);
    if (!rc) {
        char target[32];
        snprintf(target, sizeof(target), "alarm:%" PRId64, id);
        rc = auth_audit(
            r, a->st, NULL, audit, target,
            json_pack("{s:s, s:s?, s:s?, s:s?}", "state",
                      json_string_value(json_object_get(out, "state")),
                      "responder", m.responder, "arrived_at", m.arrived_at,
                      "findings", m.findings));
    }
    if (!rc)
        rc = store_tx_commit(a->st);
    if (rc) {
        store_tx_rollback(a->st);
        json_decref(out);
        return rc;
    }
    sse_kick(); /* the console's streams see the move now */
    resp_json(r, 200, json_pack("{s:o}", "alarm", out));
    return ERR_OK;
}

static enum err
post_ack(struct req *r)
{
    return post_move(r, ALARM_ACK, "alarm.acknowledge");
}

static enum err
post_dispatch(struct req *r)
{
    return post_move(r, ALARM_DISPATCH, "alarm.dispatch");
}

static enum err
post_resolve(struct req *r)
{
    return post_move(r, ALARM_RESOLVE, "alarm.resolve");
}

/* ---------------------------------------------------------------------- */
/* Repair requests                                                        */
/* ---------------------------------------------------------------------- */

static enum err
get_repairs(struct req *r)
{
    int64_t limit, before;
    json_t *out;
    const char *state = req_query(r, "state");
    enum err rc = query_int(r, "limit", 1, ALARM_LIST_MAX, 50, &limit);
    if (!rc)
        rc = query_int(r, "before_id", 1, INT64_MAX, 0, &before);
    if (rc)
        return rc;
    if (state && strcmp(state, "open") && repair_state_parse(state) < 0)
        return bad_query(r, "state", "received・scheduled・done・open です");
    rc = repair_list(auth_ctx(r)->st, state, before, (int)limit, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

static enum err
patch_repair(struct req *r)
{
    static const char *const keys[] = {"state", "scheduled_for", "note", NULL};
    struct auth_ctx *a = auth_ctx(r);
    const char *to = NULL, *when = NULL, *note = NULL;
    json_t *b, *out = NULL;
    struct jcheck k;
    int64_t id;
    enum err rc = path_id(r, &id);
    if (!rc)
        rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, keys);
    jcheck_str(&k, b, "state", 16, 0, &to);
    jcheck_str(&k, b, "scheduled_for", 10, 0, &when);
    jcheck_str(&k, b, "note", ALARM_TEXT_MAX, JSTR_MULTILINE, &note);
    if (to && repair_state_parse(to) < 0)
        jcheck_add(&k, "state", "format", "received・scheduled・done です");
    if (when && !time_date_valid(when))
        jcheck_add(&k, "scheduled_for", "format",
                   "日付（YYYY-MM-DD）で入力してください");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    rc = store_tx_begin(a->st);
    if (!rc)
        rc = repair_update(a->st, id, to, when, note, a->actor);
    if (!rc)
        rc = repair_get(a->st, id, &out);
    if (!rc) {
        char target[40];
        snprintf(target, sizeof(target), "repair_request:%" PRId64, id);
        rc = auth_audit(
            r, a->st, NULL, "repair.update", target,
            json_pack("{s:s, s:s?}", "state",
                      json_string_value(json_object_get(out, "state")),
                      "scheduled_for", when));
    }
    if (!rc)
        rc = store_tx_commit(a->st);
    if (rc) {
        store_tx_rollback(a->st);
        json_decref(out);
        return rc;
    }
    resp_json(r, 200, json_pack("{s:o}", "repair_request", out));
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Notification targets                                                   */
/* ---------------------------------------------------------------------- */

static enum err
settings_json(struct store *st, json_t **out)
{
    char url[600], emails[4096];
    enum err rc = alarm_setting_get(st, ALARM_SET_URL, url, sizeof(url));
    if (!rc)
        rc = alarm_setting_get(st, ALARM_SET_EMAILS, emails, sizeof(emails));
    if (rc)
        return rc;
    json_t *list = emails[0] ? json_loads(emails, 0, NULL) : NULL;
    *out = json_pack("{s:s?, s:o}", "webhook_url", url[0] ? url : NULL,
                     "emails", json_is_array(list) ? list : json_array());
    if (list && !json_is_array(list))
        json_decref(list);
    return ERR_OK;
}

static enum err
get_settings(struct req *r)
{
    json_t *out;
    enum err rc = settings_json(auth_ctx(r)->st, &out);
    if (!rc)
        resp_json(r, 200, json_pack("{s:o}", "settings", out));
    return rc;
}

static bool
email_ok(const char *s)
{
    const char *at = strchr(s, '@');
    return at && at != s && at[1] && !strchr(at + 1, '@') && strlen(s) <= 254 &&
           !strpbrk(s, " <>\",;\r\n\t");
}

/* The body of PUT /api/v1/alarm-settings, checked. */
static enum err
settings_read(struct req *r, const char **url, json_t **emails, bool *rotate)
{
    static const char *const keys[] = {"webhook_url", "emails", "rotate_secret",
                                       NULL};
    json_t *b, *v;
    struct jcheck k;
    size_t i;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, keys);
    jcheck_str(&k, b, "webhook_url", 512, 0, url);
    if (*url && strncmp(*url, "https://", 8) && strncmp(*url, "http://", 7))
        jcheck_add(&k, "webhook_url", "format",
                   "https:// で始まるURLを入力してください");
    *emails = json_object_get(b, "emails");
    if (*emails && !json_is_array(*emails))
        jcheck_add(&k, "emails", "type", "配列で指定してください");
    else if (json_array_size(*emails) > ALARM_EMAILS)
        jcheck_add(&k, "emails", "too_many", "宛先は10件までです");
    json_array_foreach(*emails, i, v)
    {
        if (!json_is_string(v) || !email_ok(json_string_value(v)))
            jcheck_add(&k, "emails", "format",
                       "メールアドレスの形式が正しくありません");
    }
    v = json_object_get(b, "rotate_secret");
    if (v && !json_is_boolean(v))
        jcheck_add(&k, "rotate_secret", "type", "true か false です");
    *rotate = json_is_true(v);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

static enum err
put_settings(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    const char *url = NULL;
    json_t *emails = NULL, *out = NULL;
    bool rotate = false;
    char old[600], secret[DEVKEY_HEX] = "";
    enum err rc = settings_read(r, &url, &emails, &rotate);
    if (!rc)
        rc = store_tx_begin(a->st);
    if (rc)
        return rc;
    rc = alarm_setting_get(a->st, ALARM_SET_SECRET, old, sizeof(old));
    if (!rc && url && (rotate || !old[0])) {
        unsigned char key[DEVKEY_BYTES];
        devkey_generate(key);
        devkey_hex(key, secret);
        devkey_wipe(key, sizeof(key));
        rc = alarm_setting_put(a->st, ALARM_SET_SECRET, secret);
    }
    if (!rc)
        rc = alarm_setting_put(a->st, ALARM_SET_URL, url);
    if (!rc && emails) {
        char *text = json_dumps(emails, JSON_COMPACT);
        rc = alarm_setting_put(a->st, ALARM_SET_EMAILS,
                               json_array_size(emails) ? text : NULL);
        free(text);
    }
    if (!rc)
        rc = settings_json(a->st, &out);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "alarm.settings", "alarm_settings",
                        json_pack("{s:O, s:b}", "settings", out,
                                  "secret_rotated", secret[0] != '\0'));
    if (!rc)
        rc = store_tx_commit(a->st);
    if (rc) {
        store_tx_rollback(a->st);
        json_decref(out);
        devkey_wipe(secret, sizeof(secret));
        return rc;
    }
    resp_json(r, 200,
              json_pack("{s:o, s:s?, s:s?}", "settings", out, "webhook_secret",
                        secret[0] ? secret : NULL, "secret_note",
                        secret[0] ? "この署名用シークレットは今回だけ表示"
                                    "されます。受信側に設定してください"
                                  : NULL));
    devkey_wipe(secret, sizeof(secret));
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Acknowledgements from ingest's page                                    */
/* ---------------------------------------------------------------------- */

struct ack_in {
    const char *tenant, *device_id, *by, *at;
    int64_t epoch, seq;
};

static bool
ack_parse(json_t *v, struct ack_in *in)
{
    static const char *const keys[] = {"tenant", "device_id", "epoch", "seq",
                                       "by",     "at",        NULL};
    struct jcheck k;
    bool has;
    int64_t ms;
    jcheck_init(&k);
    if (!json_is_object(v)) {
        jcheck_free(&k);
        return false;
    }
    jcheck_only(&k, v, keys);
    jcheck_str(&k, v, "tenant", TENANT_CODE_MAX, JSTR_REQUIRED, &in->tenant);
    jcheck_str(&k, v, "device_id", DEVICE_ID_MAX, JSTR_REQUIRED,
               &in->device_id);
    jcheck_str(&k, v, "by", 64, JSTR_REQUIRED, &in->by);
    jcheck_str(&k, v, "at", 40, JSTR_REQUIRED, &in->at);
    jcheck_int(&k, v, "epoch", 1, INT32_MAX, true, &in->epoch, &has);
    jcheck_int(&k, v, "seq", 1, INT64_MAX, true, &in->seq, &has);
    bool ok = jcheck_ok(&k) && batch_time_parse(in->at, &ms);
    jcheck_free(&k);
    return ok;
}

/* Apply one acknowledgement: "acknowledged", "already" (serve's alarm
 * moved on, or was acknowledged in the console), "pending" (the event
 * has not arrived yet: ingest sends it again) or "error". */
static const char *
ack_apply(struct req *r, const struct ack_in *in)
{
    struct store *platform, *st;
    struct tenant t;
    int64_t id = 0;
    char actor[128], target[32];
    const char *outcome = "pending";
    enum err rc = pool_platform(&platform);
    if (!rc)
        rc = tenant_find_code(platform, in->tenant, &t);
    if (!rc)
        rc = pool_tenant(t.id, &st);
    if (rc)
        return rc == ERR_TENANT_NOT_FOUND ? "error" : "pending";
    snprintf(actor, sizeof(actor), "ingest-page:%s:%s", in->tenant, in->by);
    struct alarm_move m = {
        .action = ALARM_ACK, .actor = actor, .via = "ingest", .at = in->at};
    rc = store_tx_begin(st);
    if (!rc)
        rc = alarm_by_event(st, in->device_id, in->epoch, in->seq, &id);
    if (!rc && id) {
        rc = alarm_apply(st, id, &m);
        outcome = rc == ERR_ALARM_STATE ? "already" : "acknowledged";
        if (rc == ERR_ALARM_STATE)
            rc = ERR_OK;
        snprintf(target, sizeof(target), "alarm:%" PRId64, id);
        if (!rc && !strcmp(outcome, "acknowledged"))
            rc = auth_audit(r, st, actor, "alarm.ack_ingest", target,
                            json_pack("{s:s}", "at", in->at));
    }
    if (!rc)
        rc = store_tx_commit(st);
    if (rc) {
        store_tx_rollback(st);
        log_msg(LOG_WARN, "alarm.ack_failed", "%s: %s", err_code(rc),
                err_detail());
        return "pending";
    }
    return outcome;
}

static enum err
post_acks(struct req *r)
{
    json_t *b, *list, *v;
    size_t i;
    enum err rc = remote_internal_auth(r);
    if (!rc)
        rc = req_json_object(r, &b);
    if (rc)
        return rc;
    list = json_object_get(b, "acks");
    if (!json_is_array(list) || json_array_size(list) > 1000)
        return err_fail(ERR_INVALID, "acks: 1〜1,000件の配列です");
    json_t *results = json_array();
    json_array_foreach(list, i, v)
    {
        struct ack_in in = {0};
        const char *o = ack_parse(v, &in) ? ack_apply(r, &in) : "error";
        json_array_append_new(results, json_pack("{s:I, s:s}", "index",
                                                 (json_int_t)i, "outcome", o));
    }
    sse_kick();
    resp_json(r, 200, json_pack("{s:o}", "results", results));
    return ERR_OK;
}

enum err get_alarm_stream(struct req *r); /* alarm_stream.c */

const struct route alarm_routes[] = {
    {"GET", "/api/v1/alarms", get_alarms, 0, "alarms.read", NULL, 0},
    /* before {id}: a literal registered first wins (alarm_stream.c) */
    {"GET", "/api/v1/alarms/stream", get_alarm_stream, 0, "alarms.read", NULL,
     0},
    {"GET", "/api/v1/alarms/{id}", get_alarm, 0, "alarms.read", NULL, 0},
    {"POST", "/api/v1/alarms/{id}/acknowledge", post_ack, ALARM_BODY_MAX,
     "alarms.write", "alarm.acknowledge", 0},
    {"POST", "/api/v1/alarms/{id}/dispatch", post_dispatch, ALARM_BODY_MAX,
     "alarms.write", "alarm.dispatch", 0},
    {"POST", "/api/v1/alarms/{id}/resolve", post_resolve, ALARM_BODY_MAX,
     "alarms.write", "alarm.resolve", 0},
    {"GET", "/api/v1/repair-requests", get_repairs, 0, "alarms.read", NULL, 0},
    {"PATCH", "/api/v1/repair-requests/{id}", patch_repair, ALARM_BODY_MAX,
     "alarms.write", "repair.update", 0},
    {"GET", "/api/v1/alarm-settings", get_settings, 0, "alarms.read", NULL, 0},
    {"PUT", "/api/v1/alarm-settings", put_settings, ALARM_BODY_MAX,
     "alarms.write", "alarm.settings", ROUTE_NO_SUPPORT | ROUTE_STEP_UP},
    /* perm NULL: no session; post_acks checks the internal token first */
    {"POST", "/internal/v1/alarm-acks", post_acks, ALARM_ACKS_BODY, NULL,
     "alarm.ack_ingest", 0},
    ROUTES_END,
};
