/*
 * notify_api.c — a tenant admin's settings for notices and sessions.
 *
 *   GET    /api/v1/settings/sessions  users.read   {idle_minutes, max_hours}
 *   PUT    /api/v1/settings/sessions  users.write, step-up
 *          {idle_minutes: 5–240, max_hours: 1–24}; sessions already open
 *          follow the new idle limit at once and keep their end time
 *
 *   GET    /api/v1/settings/webhook   users.read   {url, configured}
 *   PUT    /api/v1/settings/webhook   users.write, step-up  {url}
 *          → {url, secret}: the HMAC secret, shown this once
 *   DELETE /api/v1/settings/webhook   users.write, step-up
 */
#include "auth/auth.h"
#include "auth/notify.h"
#include "http/http.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static enum err
get_webhook(struct req *r)
{
    char url[600];
    enum err rc = notify_webhook_get(auth_ctx(r)->st, url, sizeof(url));
    if (!rc)
        resp_json(r, 200,
                  json_pack("{s:s?, s:b}", "url", url[0] ? url : NULL,
                            "configured", url[0] != '\0'));
    return rc;
}

static enum err
put_webhook(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    json_t *b;
    const char *url;
    char secret[128];
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    struct jcheck c;
    jcheck_init(&c);
    static const char *const allowed[] = {"url", NULL};
    jcheck_only(&c, b, allowed);
    jcheck_str(&c, b, "url", 500, JSTR_REQUIRED, &url);
    if (url && strncmp(url, "https://", 8) && strncmp(url, "http://", 7))
        jcheck_add(&c, "url", "scheme",
                   "https:// または http:// で始まる URL を入力してください");
    if (!jcheck_ok(&c))
        return req_invalid(r, &c);
    jcheck_free(&c);
    if ((rc = store_tx_begin(a->st)))
        return rc;
    if (!(rc = notify_webhook_set(a->st, url, secret, sizeof(secret))) &&
        !(rc =
              auth_audit(r, a->st, NULL, "settings.webhook",
                         "notify.webhook_url", json_pack("{s:s}", "url", url))))
        rc = store_tx_commit(a->st);
    if (rc) {
        store_tx_rollback(a->st);
        return rc;
    }
    resp_json(r, 200, json_pack("{s:s, s:s}", "url", url, "secret", secret));
    return ERR_OK;
}

static enum err
delete_webhook(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    enum err rc = store_tx_begin(a->st);
    if (!rc && !(rc = notify_webhook_clear(a->st)) &&
        !(rc = auth_audit(r, a->st, NULL, "settings.webhook_removed",
                          "notify.webhook_url", NULL)))
        rc = store_tx_commit(a->st);
    if (rc) {
        store_tx_rollback(a->st);
        return rc;
    }
    resp_empty(r, 204);
    return ERR_OK;
}

static enum err
get_sessions(struct req *r)
{
    int64_t idle, absolute;
    auth_session_limits(auth_ctx(r)->st, true, &idle, &absolute);
    resp_json(r, 200,
              json_pack("{s:I, s:I}", "idle_minutes", (json_int_t)(idle / 60),
                        "max_hours", (json_int_t)(absolute / 3600)));
    return ERR_OK;
}

static enum err
put_sessions(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    json_t *b;
    int64_t idle = 0, hours = 0;
    bool has;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    struct jcheck c;
    jcheck_init(&c);
    static const char *const allowed[] = {"idle_minutes", "max_hours", NULL};
    jcheck_only(&c, b, allowed);
    jcheck_int(&c, b, "idle_minutes", 5, 240, true, &idle, &has);
    jcheck_int(&c, b, "max_hours", 1, 24, true, &hours, &has);
    if (!jcheck_ok(&c))
        return req_invalid(r, &c);
    jcheck_free(&c);
    static const char sql[] =
        "INSERT INTO settings (key, value) VALUES ($1, $2)"
        " ON CONFLICT (key) DO UPDATE SET value = $2";
    char v1[24], v2[24];
    snprintf(v1, sizeof(v1), "%lld", (long long)idle);
    snprintf(v2, sizeof(v2), "%lld", (long long)hours);
    if (!(rc = store_tx_begin(a->st))) {
        rc = store_run(a->st, sql, "tt", "session.idle_minutes", v1);
        if (!rc)
            rc = store_run(a->st, sql, "tt", "session.max_hours", v2);
        if (!rc)
            rc = auth_audit(r, a->st, NULL, "settings.sessions", "session",
                            json_pack("{s:I, s:I}", "idle_minutes",
                                      (json_int_t)idle, "max_hours",
                                      (json_int_t)hours));
        if (!rc)
            rc = store_tx_commit(a->st);
        if (rc)
            store_tx_rollback(a->st);
    }
    if (rc)
        return rc;
    return get_sessions(r);
}

const struct route notify_routes[] = {
    {"GET", "/api/v1/settings/sessions", get_sessions, 0, "users.read", NULL,
     0},
    {"PUT", "/api/v1/settings/sessions", put_sessions, 1024, "users.write",
     "settings.sessions", ROUTE_STEP_UP | ROUTE_NO_SUPPORT},
    {"GET", "/api/v1/settings/webhook", get_webhook, 0, "users.read", NULL, 0},
    {"PUT", "/api/v1/settings/webhook", put_webhook, 2048, "users.write",
     "settings.webhook", ROUTE_STEP_UP | ROUTE_NO_SUPPORT},
    {"DELETE", "/api/v1/settings/webhook", delete_webhook, 0, "users.write",
     "settings.webhook_removed", ROUTE_STEP_UP | ROUTE_NO_SUPPORT},
    ROUTES_END,
};
