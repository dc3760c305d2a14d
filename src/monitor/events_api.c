/*
 * events_api.c — device events arriving from `ingest` (集中監視).
 *
 *   POST /internal/v1/device-events       internal token (remote_api.h)
 *   {"events": [{"tenant": "0001", "device_id": "NCU-0001A2B3",
 *                "device_kind": "smart_meter", "epoch": 1,
 *                "received_at": "2026-11-09T21:00:01.234Z",
 *                "link": {"meter_id": 12, "appliance_id": null,
 *                         "supply_point_id": 7},        optional
 *                "message": {"seq": 17, "kind": "event",
 *                            "at": "2026-11-09T21:00:00.000Z",
 *                            "event": "leak_warning", "code": "E12"}}]}
 *                                                    1–5,000 events
 *
 * message is the message as the device sent it and ingest logged it
 * (monitor/batch.h), kind "event" (a meter event) or "heater_status";
 * it is checked again with the same rules. Each event is stored once
 * in the tenant's device_events (events.h: placed in the ledger by its
 * device date); the same device, epoch and seq again is a duplicate and
 * changes nothing, so ingest may resend after any failure.
 *
 * Answer: 200 {"counts": {"stored", "duplicate", "error"}, "results":
 * [{"index", "outcome": stored|duplicate|error, "event_id": n|null,
 * "error": {"code", "title", "detail"}|null}]}, one per event in order.
 * A malformed event or an unknown tenant is an error for that event only
 * (4xx codes: ingest sets it aside). When a tenant's transaction cannot
 * commit, each event of that group is an error with a 5xx code (nothing
 * of it was stored; ingest sends it again later).
 *
 * Consecutive events of one tenant share one transaction and one audit
 * entry (device.events, with counts).
 */
#include "auth/auth.h"
#include "auth/tenant_batch.h"
#include "core/log.h"
#include "http/http.h"
#include "http/sse.h"
#include "metering/remote_api.h"
#include "monitor/alarm_store.h"
#include "monitor/batch.h"
#include "monitor/events.h"
#include "monitor/remote_ops.h"
#include "store/pool.h"
#include "store/store.h"
#include "tenants/tenants.h"

#include <stdio.h>
#include <string.h>

#define EVENTS_ACTOR    "internal:ingest"
#define EVENTS_BODY_MAX (4u << 20)
#define EVENTS_MAX      5000

/* One event of the body, checked. */
struct item {
    const char *tenant;
    struct device_event_in ev;
    struct batch b; /* the message, parsed (its canonical text) */
};

static void
result_error(json_t *res, enum err rc)
{
    bool client = err_http_status(rc) < 500;
    json_object_set_new(res, "outcome", json_string("error"));
    json_object_set_new(res, "event_id", json_null());
    json_object_set_new(res, "error",
                        json_pack("{s:s, s:s, s:s}", "code", err_code(rc),
                                  "title", err_title(rc), "detail",
                                  client ? err_detail() : ""));
    if (!client)
        log_msg(LOG_ERROR, "device_events.failed", "%s: %s", err_code(rc),
                err_detail());
}

static int64_t
link_of(const json_t *link, const char *key)
{
    json_t *v = json_object_get(link, key);
    return json_is_integer(v) && json_integer_value(v) > 0
               ? json_integer_value(v)
               : 0;
}

/* The meter-event or heater fields of the checked message m. */
static void
fields_of(json_t *m, struct device_event_in *ev)
{
    enum severity sev;
    const char *label;
    json_t *ix = json_object_get(m, "index");
    ev->index_tenths = -1;
    if (json_is_string(ix))
        batch_index_parse(json_string_value(ix), &ev->index_tenths);
    if (ev->device_kind == DEVICE_SMART_METER) {
        const struct meter_event *e =
            meter_event_find(json_string_value(json_object_get(m, "event")));
        ev->category = "meter_event";
        ev->kind = e->name;
        ev->severity = e->severity;
        ev->shutoff = e->shutoff;
        ev->vendor_code = json_string_value(json_object_get(m, "code"));
        return;
    }
    ev->category = "heater_status";
    ev->error_code = json_string_value(json_object_get(m, "error"));
    ev->kind = ev->error_code ? "heater_error" : "heater_status";
    ev->severity = SEVERITY_INFO;
    if (ev->error_code && heater_code_parse(ev->error_code, &sev, &label))
        ev->severity = sev;
}

/* The envelope of one event; the problem goes into k. */
static void
envelope_check(struct jcheck *k, json_t *v, struct item *it, int *dk)
{
    static const char *const keys[] = {"tenant",  "device_id",   "device_kind",
                                       "epoch",   "received_at", "link",
                                       "message", NULL};
    const char *kind, *recv;
    int64_t ms;
    bool has;
    jcheck_only(k, v, keys);
    jcheck_str(k, v, "tenant", TENANT_CODE_MAX, JSTR_REQUIRED, &it->tenant);
    jcheck_str(k, v, "device_id", DEVICE_ID_MAX, JSTR_REQUIRED,
               &it->ev.device_id);
    jcheck_str(k, v, "device_kind", 16, JSTR_REQUIRED, &kind);
    jcheck_str(k, v, "received_at", 40, JSTR_REQUIRED, &recv);
    jcheck_int(k, v, "epoch", 1, INT32_MAX, true, &it->ev.epoch, &has);
    if (it->ev.device_id && !monitor_device_id_valid(it->ev.device_id))
        jcheck_add(k, "device_id", "format", "機器IDの形式が正しくありません");
    *dk = kind ? device_kind_parse(kind) : -1;
    if (kind && (*dk < 0 || *dk == DEVICE_GATEWAY))
        jcheck_add(k, "device_kind", "format",
                   "smart_meter か water_heater を指定してください");
    if (recv && !batch_time_parse(recv, &ms))
        jcheck_add(k, "received_at", "format", "日時の形式が正しくありません");
    it->ev.received_at = recv;
    if (!json_is_object(json_object_get(v, "message")))
        jcheck_add(k, "message", "required", "message を指定してください");
}

/* Check one event of the body; the problem goes into res. */
static bool
item_parse(json_t *v, struct item *it, json_t *res)
{
    struct jcheck k;
    int dk = -1;
    jcheck_init(&k);
    if (!json_is_object(v))
        jcheck_add(&k, "events", "type", "オブジェクトで指定してください");
    else
        envelope_check(&k, v, it, &dk);
    json_t *m = json_object_get(v, "message");
    if (jcheck_ok(&k) &&
        !batch_message_parse(m, (enum device_kind)dk, &it->b, &k) &&
        (it->b.msgs[0].kind == MSG_EVENT ||
         it->b.msgs[0].kind == MSG_HEATER_STATUS)) {
        struct device_event_in *ev = &it->ev;
        json_t *link = json_object_get(v, "link");
        ev->device_kind = (enum device_kind)dk;
        ev->seq = it->b.msgs[0].seq;
        ev->at_ms = it->b.msgs[0].at_ms;
        ev->payload = it->b.text.data;
        ev->meter_id = link_of(link, "meter_id");
        ev->appliance_id = link_of(link, "appliance_id");
        ev->supply_point_id = link_of(link, "supply_point_id");
        fields_of(m, ev);
    } else if (jcheck_ok(&k)) {
        jcheck_add(&k, "message.kind", "not_allowed",
                   "event か heater_status のメッセージだけを送れます");
    }
    bool ok = jcheck_ok(&k);
    if (!ok) {
        json_t *first = json_array_get(k.errors, 0);
        err_fail(ERR_INVALID, "%s: %s",
                 json_string_value(json_object_get(first, "field")),
                 json_string_value(json_object_get(first, "message")));
        result_error(res, ERR_INVALID);
        json_object_set(json_object_get(res, "error"), "errors", k.errors);
    }
    jcheck_free(&k);
    return ok;
}

/* ---------------------------------------------------------------------- */
/* Groups: consecutive events of one tenant                               */
/* ---------------------------------------------------------------------- */

/* The outcomes an event can have, counted per group and in the answer. */
static const char *const outcomes[] = {"stored", "duplicate", "error", NULL};

static void
item_store(struct tenant_batch *g, const struct item *it, json_t *res)
{
    int64_t id = 0;
    bool dup = false;
    int64_t alarm_id = 0;
    enum err rc = device_event_store(g->st, &it->ev, &id, &dup);
    if (!rc && !dup) /* alarms and repair requests (alarm_store.c) */
        rc = alarm_from_event(g->st, id, &alarm_id);
    if (rc) { /* a failed statement leaves the transaction unusable */
        char text[512];
        snprintf(text, sizeof(text), "%s", err_detail());
        g->open = false;
        store_tx_rollback(g->st);
        for (size_t i = g->first; i < json_array_size(g->results); i++) {
            err_fail(rc, "%s", text);
            json_t *r = json_array_get(g->results, i);
            const char *o = json_string_value(json_object_get(r, "outcome"));
            if (!o || strcmp(o, "error") || r == res)
                result_error(r, rc);
        }
        g->rc = rc;
        snprintf(g->detail, sizeof(g->detail), "%s", text);
        return;
    }
    /* a meter's shutoff_remote / restored confirms a remote operation */
    if (!dup && (rc = remote_op_confirm(g->st, &it->ev, id, g->r)))
        log_msg(LOG_ERROR, "remote_op.confirm_failed", "%s: %s",
                it->ev.device_id, err_detail());
    json_object_set_new(res, "outcome",
                        json_string(dup ? "duplicate" : "stored"));
    json_object_set_new(res, "event_id", json_integer(id));
    json_object_set_new(res, "error", json_null());
}

/* ---------------------------------------------------------------------- */
/* The route                                                              */
/* ---------------------------------------------------------------------- */

static enum err
post_events(struct req *r)
{
    json_t *list, *v;
    size_t i;
    enum err rc = remote_internal_auth(r);
    if (!rc)
        rc = req_json_batch(r, "events", EVENTS_MAX, "イベント", &list);
    if (rc)
        return rc;
    struct tenant_batch g = {.r = r,
                             .results = json_array(),
                             .actor = EVENTS_ACTOR,
                             .action = "device.events",
                             .target = "device_events",
                             .outcomes = outcomes,
                             .fail = result_error,
                             .committed = sse_kick};
    json_array_foreach(list, i, v)
    {
        struct item it;
        memset(&it, 0, sizeof(it));
        batch_init(&it.b);
        json_t *res = json_pack("{s:I}", "index", (json_int_t)i);
        json_array_append_new(g.results, res);
        if (item_parse(v, &it, res)) {
            if (!g.tenant[0] || strcmp(g.tenant, it.tenant))
                tenant_batch_start(&g, it.tenant);
            if (g.rc) {
                err_fail(g.rc, "%s", g.detail);
                result_error(res, g.rc);
            } else {
                item_store(&g, &it, res);
            }
        }
        batch_free(&it.b);
    }
    tenant_batch_end(&g);
    resp_json(r, 200,
              json_pack("{s:o, s:o}", "counts", tenant_batch_counts(&g, 0),
                        "results", g.results));
    return ERR_OK;
}

const struct route device_events_internal_routes[] = {
    /* perm NULL: no session; post_events checks the internal token first */
    {"POST", "/internal/v1/device-events", post_events, EVENTS_BODY_MAX, NULL,
     "device.events", 0},
    ROUTES_END,
};
