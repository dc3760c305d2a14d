/*
 * devices_api.c — tenant admins and the office register monitoring
 * devices (集中監視の機器登録), and everyone who may read them sees them
 * and their events.
 *
 *   GET  /api/v1/devices                     devices.read
 *        ?status=active|retired &kind= &after=<device id> &limit=1–500
 *   POST /api/v1/devices                     devices.write
 *        {device_id, kind, meter_id?, appliance_id?, note?}
 *        → 201 {device, key, warning} — the key is shown this once
 *   GET  /api/v1/devices/{device_id}         devices.read
 *   POST /api/v1/devices/{device_id}/rekey   devices.write
 *        → 200 {device, key}: a new key and epoch (the old key stops
 *        working at once; the device's sequence numbers start again)
 *   POST /api/v1/devices/{device_id}/retire  devices.write
 *   GET  /api/v1/device-events               devices.read
 *        ?device_id= &supply_point_id= &severity= &before_id= &limit=
 *
 * The key is a credential for the device alone: routes that show one are
 * for the tenant's own people (never an operator under a support grant,
 * never an API token). Each change is audited in the tenant's log
 * (device.register, device.rekey, device.retire); devices.h has how the
 * registry and the audit entry commit.
 */
#include "auth/auth.h"
#include "http/http.h"
#include "monitor/devices.h"
#include "monitor/events.h"
#include "store/pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEVICES_BODY_MAX 4096

static enum err
api_audit(void *arg, struct store *tenant, const char *action,
          const char *target, json_t *detail)
{
    return auth_audit(arg, tenant, NULL, action, target, detail);
}

/* A positive integer query parameter (absent: def). */
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
    if (!*v || *end || n < lo || n > hi) {
        struct jcheck k;
        jcheck_init(&k);
        jcheck_add(&k, name, "range", "範囲外の値です");
        return req_invalid(r, &k);
    }
    *out = n;
    return ERR_OK;
}

static enum err
get_devices(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct store *platform;
    json_t *out;
    int64_t limit;
    const char *status = req_query(r, "status");
    const char *kind = req_query(r, "kind");
    int k = kind ? device_kind_parse(kind) : -1;
    enum err rc = query_int(r, "limit", 1, DEVICE_LIST_MAX, 100, &limit);
    if (rc)
        return rc;
    if ((status && strcmp(status, "active") && strcmp(status, "retired")) ||
        (kind && k < 0))
        return err_fail(ERR_INVALID, "status は active か retired、kind は "
                                     "smart_meter・water_heater・gateway です");
    if (!(rc = pool_platform(&platform)))
        rc = device_list(platform, a->tenant.id, status, k,
                         req_query(r, "after"), (int)limit, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

static enum err
get_device(struct req *r)
{
    struct store *platform;
    struct device d;
    enum err rc = pool_platform(&platform);
    if (!rc)
        rc = device_get(platform, auth_ctx(r)->tenant.id,
                        req_param(r, "device_id"), &d);
    if (!rc)
        resp_json(r, 200, json_pack("{s:o}", "device", device_json(&d)));
    return rc;
}

/* The body of a registration into in (borrows from the request). */
static enum err
read_device_in(struct req *r, struct device_in *in)
{
    static const char *const keys[] = {"device_id",    "kind", "meter_id",
                                       "appliance_id", "note", NULL};
    json_t *b;
    const char *kind;
    bool has;
    struct jcheck k;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    memset(in, 0, sizeof(*in));
    jcheck_init(&k);
    jcheck_only(&k, b, keys);
    jcheck_str(&k, b, "device_id", DEVICE_ID_MAX, JSTR_REQUIRED,
               &in->device_id);
    jcheck_str(&k, b, "kind", 16, JSTR_REQUIRED, &kind);
    jcheck_int(&k, b, "meter_id", 1, INT64_MAX, false, &in->meter_id, &has);
    jcheck_int(&k, b, "appliance_id", 1, INT64_MAX, false, &in->appliance_id,
               &has);
    jcheck_str(&k, b, "note", DEVICE_NOTE_MAX, 0, &in->note);
    if (in->device_id && !monitor_device_id_valid(in->device_id))
        jcheck_add(&k, "device_id", "format",
                   "機器IDは半角英数字と - _ . : の1〜64文字（英数字で始まる）"
                   "で入力してください");
    int dk = kind ? device_kind_parse(kind) : 0;
    if (dk < 0)
        jcheck_add(&k, "kind", "format",
                   "smart_meter、water_heater、gateway のいずれかです");
    in->kind = dk < 0 ? DEVICE_GATEWAY : (enum device_kind)dk;
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

static json_t *
key_answer(const struct device *d, const char *key_hex, const char *warning)
{
    return json_pack("{s:o, s:s, s:s, s:s?}", "device", device_json(d), "key",
                     key_hex, "key_note",
                     "この鍵は今回だけ表示されます。機器に設定し、安全に"
                     "保管してください",
                     "warning", warning && *warning ? warning : NULL);
}

static enum err
post_device(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct store *platform;
    struct device_in in;
    struct device d;
    char key[DEVKEY_HEX], warning[256];
    enum err rc = read_device_in(r, &in);
    if (!rc)
        rc = pool_platform(&platform);
    if (!rc)
        rc = device_register(platform, a->st, a->tenant.id, &in, a->actor,
                             api_audit, r, &d, key, warning);
    if (!rc)
        resp_json(r, 201, key_answer(&d, key, warning));
    devkey_wipe(key, sizeof(key));
    return rc;
}

static enum err
post_rekey(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct store *platform;
    struct device d;
    char key[DEVKEY_HEX];
    enum err rc = pool_platform(&platform);
    if (!rc)
        rc = device_rekey(platform, a->st, a->tenant.id,
                          req_param(r, "device_id"), a->actor, api_audit, r, &d,
                          key);
    if (!rc)
        resp_json(r, 200, key_answer(&d, key, NULL));
    devkey_wipe(key, sizeof(key));
    return rc;
}

static enum err
post_retire(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct store *platform;
    struct device d;
    enum err rc = pool_platform(&platform);
    if (!rc)
        rc = device_retire(platform, a->st, a->tenant.id,
                           req_param(r, "device_id"), a->actor, api_audit, r,
                           &d);
    if (!rc)
        resp_json(r, 200, json_pack("{s:o}", "device", device_json(&d)));
    return rc;
}

static enum err
get_events(struct req *r)
{
    struct device_event_query q = {0};
    int64_t limit;
    json_t *out;
    enum err rc = query_int(r, "limit", 1, EVENTS_LIST_MAX, 100, &limit);
    if (!rc)
        rc = query_int(r, "before_id", 1, INT64_MAX, 0, &q.before_id);
    if (!rc)
        rc = query_int(r, "supply_point_id", 1, INT64_MAX, 0,
                       &q.supply_point_id);
    if (rc)
        return rc;
    q.limit = (int)limit;
    q.device_id = req_query(r, "device_id");
    q.severity = req_query(r, "severity");
    rc = device_event_list(auth_ctx(r)->st, &q, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

const struct route devices_routes[] = {
    {"GET", "/api/v1/devices", get_devices, 0, "devices.read", NULL, 0},
    {"POST", "/api/v1/devices", post_device, DEVICES_BODY_MAX, "devices.write",
     "device.register", ROUTE_NO_SUPPORT},
    {"GET", "/api/v1/devices/{device_id}", get_device, 0, "devices.read", NULL,
     0},
    {"POST", "/api/v1/devices/{device_id}/rekey", post_rekey, 1024,
     "devices.write", "device.rekey", ROUTE_NO_SUPPORT},
    {"POST", "/api/v1/devices/{device_id}/retire", post_retire, 1024,
     "devices.write", "device.retire", 0},
    {"GET", "/api/v1/device-events", get_events, 0, "devices.read", NULL, 0},
    ROUTES_END,
};
