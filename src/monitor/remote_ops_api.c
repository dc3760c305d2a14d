/*
 * remote_ops_api.c — remote shutoff and restore (遠隔遮断・復帰) over HTTP
 * (remote_ops.h has the life of an operation and why).
 *
 *   POST /api/v1/devices/{device_id}/shutoff   devices.operate, step-up
 *        {"reason": "…"}                       → 202 {"operation": {…}}
 *   POST /api/v1/devices/{device_id}/restore   devices.operate, step-up
 *        {"reason": "…", "safety_confirmed": true}
 *   GET  /api/v1/remote-operations             devices.read  ?status=
 *   GET  /api/v1/remote-operations/cap         devices.read
 *        → {"shutoffs_per_hour", "used_last_hour", "changeable": "cli"}
 *   GET  /api/v1/remote-operations/{id}        devices.read
 *   POST /api/v1/remote-operations/{id}/approve devices.operate, step-up
 *   POST /api/v1/remote-operations/{id}/reject  devices.operate
 *
 * There is deliberately no route that writes the cap. Every route is for
 * the tenant's own people (never a support grant; step-up also refuses
 * API tokens). Reads bring states up to date first (remote_op_sync), as
 * serve's sweeper does every REMOTE_OP_SWEEP_MS (remote_ops_sweep.c).
 */
#include "auth/auth.h"
#include "http/http.h"
#include "monitor/devices.h"
#include "monitor/remote_ops.h"
#include "store/pool.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum err
sync_now(struct req *r, struct store **platform)
{
    struct auth_ctx *a = auth_ctx(r);
    enum err rc = pool_platform(platform);
    if (!rc)
        rc = remote_op_sync(a->st, *platform, a->tenant.id, r);
    return rc;
}

/* The body of a request: reason (required), safety_confirmed (restore). */
static enum err
read_request(struct req *r, bool restore, json_t **body, const char **reason)
{
    static const char *const keys[] = {"reason", "safety_confirmed", NULL};
    struct jcheck k;
    enum err rc = req_json_object(r, body);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, *body, keys);
    jcheck_str(&k, *body, "reason", REMOTE_OP_REASON_MAX, JSTR_REQUIRED,
               reason);
    if (restore && !json_is_true(json_object_get(*body, "safety_confirmed")))
        jcheck_add(&k, "safety_confirmed", "required",
                   "復帰の前に、お客様への連絡と現地での漏えい確認の手配を"
                   "確認してください（safety_confirmed: true）");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

static enum err
device_check(struct store *platform, int64_t tenant_id, const char *id)
{
    struct device d;
    enum err rc = device_get(platform, tenant_id, id, &d);
    if (!rc && (d.kind != DEVICE_SMART_METER || !d.active))
        rc = err_fail(ERR_REMOTE_OP_DEVICE, "機器 %s は%s", id,
                      d.active ? "スマートメーターではありません"
                               : "使用停止済みです");
    return rc;
}

static enum err
respond_op(struct req *r, int status, int64_t id)
{
    json_t *op;
    enum err rc = remote_op_get(auth_ctx(r)->st, id, &op);
    if (!rc)
        resp_json(r, status, json_pack("{s:o}", "operation", op));
    return rc;
}

static enum err
request_op(struct req *r, const char *action)
{
    struct auth_ctx *a = auth_ctx(r);
    struct store *platform;
    json_t *body = NULL;
    const char *reason = NULL, *dev = req_param(r, "device_id");
    int64_t cap = 0, id = 0, now = auth_now();
    enum err rc = read_request(r, !strcmp(action, "restore"), &body, &reason);
    if (!rc)
        rc = sync_now(r, &platform);
    if (!rc)
        rc = device_check(platform, a->tenant.id, dev);
    if (!rc)
        rc = remote_op_cap_get(platform, a->tenant.id, &cap);
    struct remote_op_in in = {dev, action, reason, a->user.id, a->actor};
    if (!rc && !(rc = store_tx_begin(a->st))) {
        rc = remote_op_request(a->st, cap, &in, now, &id);
        if (!rc)
            rc =
                auth_audit(r, a->st, NULL, "remote_op.request", dev,
                           json_pack("{s:I, s:s, s:s, s:I}", "operation",
                                     (json_int_t)id, "action", action, "reason",
                                     reason, "cap_per_hour", (json_int_t)cap));
        if (!rc)
            rc = store_tx_commit(a->st);
        if (rc)
            store_tx_rollback(a->st);
    }
    if (!rc) /* the sweeper expires it if nobody decides */
        remote_op_watch(a->tenant.id);
    return rc ? rc : respond_op(r, 202, id);
}

static enum err
post_shutoff(struct req *r)
{
    return request_op(r, "shutoff");
}

static enum err
post_restore(struct req *r)
{
    return request_op(r, "restore");
}

static int64_t
path_id(struct req *r)
{
    char *end;
    long long id = strtoll(req_param(r, "id"), &end, 10);
    return *end || id <= 0 ? 0 : (int64_t)id;
}

static enum err
decide(struct req *r, bool approve)
{
    struct auth_ctx *a = auth_ctx(r);
    struct store *platform;
    int64_t id = path_id(r), cap = 0, cmd = 0, now = auth_now();
    char target[48];
    snprintf(target, sizeof(target), "remote_op:%" PRId64, id);
    enum err rc = id ? sync_now(r, &platform)
                     : err_fail(ERR_REMOTE_OP_NOT_FOUND, "no such operation");
    if (!rc)
        rc = remote_op_cap_get(platform, a->tenant.id, &cap);
    if (rc || (rc = store_tx_begin(a->st)))
        return rc;
    rc = approve ? remote_op_approve(a->st, platform, a->tenant.id, cap, id,
                                     a->user.id, now, &cmd)
                 : remote_op_reject(a->st, id, a->user.id, now);
    if (!rc)
        rc = auth_audit(r, a->st, NULL,
                        approve ? "remote_op.approve" : "remote_op.reject",
                        target,
                        json_pack("{s:I, s:I}", "operation", (json_int_t)id,
                                  "command", (json_int_t)cmd));
    if (!rc)
        rc = store_tx_commit(a->st);
    if (rc) {
        store_tx_rollback(a->st);
        if (cmd)
            remote_op_unqueue(platform, cmd);
        return rc;
    }
    return respond_op(r, 200, id);
}

static enum err
post_approve(struct req *r)
{
    return decide(r, true);
}

static enum err
post_reject(struct req *r)
{
    return decide(r, false);
}

static enum err
get_list(struct req *r)
{
    struct store *platform;
    json_t *list;
    const char *status = req_query(r, "status");
    enum err rc = sync_now(r, &platform);
    if (!rc)
        rc = remote_op_list(auth_ctx(r)->st, status && *status ? status : NULL,
                            REMOTE_OP_LIST_MAX, &list);
    if (!rc)
        resp_json(r, 200, json_pack("{s:o}", "operations", list));
    return rc;
}

static enum err
get_one(struct req *r)
{
    struct store *platform;
    int64_t id = path_id(r);
    enum err rc = id ? sync_now(r, &platform)
                     : err_fail(ERR_REMOTE_OP_NOT_FOUND, "no such operation");
    return rc ? rc : respond_op(r, 200, id);
}

static enum err
get_cap(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct store *platform;
    int64_t cap = 0, used = 0;
    enum err rc = pool_platform(&platform);
    if (!rc)
        rc = remote_op_cap_get(platform, a->tenant.id, &cap);
    if (!rc)
        rc = remote_op_shutoffs_hour(a->st, auth_now(), false, &used);
    if (!rc)
        resp_json(r, 200,
                  json_pack("{s:I, s:I, s:s, s:s}", "shutoffs_per_hour",
                            (json_int_t)cap, "used_last_hour", (json_int_t)used,
                            "changeable", "cli", "note",
                            "上限は運用担当者がサーバー上のコマンド"
                            "（pilotlight remote-ops cap）でのみ変更できます"));
    return rc;
}

#define OPERATE ROUTE_STEP_UP | ROUTE_NO_SUPPORT

const struct route remote_ops_routes[] = {
    {"POST", "/api/v1/devices/{device_id}/shutoff", post_shutoff, 4096,
     "devices.operate", "remote_op.request", OPERATE},
    {"POST", "/api/v1/devices/{device_id}/restore", post_restore, 4096,
     "devices.operate", "remote_op.request", OPERATE},
    {"GET", "/api/v1/remote-operations", get_list, 0, "devices.read", NULL,
     ROUTE_NO_SUPPORT},
    {"GET", "/api/v1/remote-operations/cap", get_cap, 0, "devices.read", NULL,
     ROUTE_NO_SUPPORT},
    {"GET", "/api/v1/remote-operations/{id}", get_one, 0, "devices.read", NULL,
     ROUTE_NO_SUPPORT},
    {"POST", "/api/v1/remote-operations/{id}/approve", post_approve, 1024,
     "devices.operate", "remote_op.approve", OPERATE},
    {"POST", "/api/v1/remote-operations/{id}/reject", post_reject, 1024,
     "devices.operate", "remote_op.reject", ROUTE_NO_SUPPORT},
    ROUTES_END,
};
