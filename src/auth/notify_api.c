/*
 * notify_api.c — a tenant admin points notices at the tenant's webhook.
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
                   "https:// で始まる URL を入力してください");
    if (!jcheck_ok(&c))
        return req_invalid(r, &c);
    jcheck_free(&c);
    if ((rc = store_tx_begin(a->st)))
        return rc;
    if (!(rc = notify_webhook_set(a->st, url, secret, sizeof(secret))))
        rc = store_tx_commit(a->st);
    if (rc) {
        store_tx_rollback(a->st);
        return rc;
    }
    auth_audit(r, a->st, NULL, "settings.webhook", "notify.webhook_url",
               json_pack("{s:s}", "url", url));
    resp_json(r, 200, json_pack("{s:s, s:s}", "url", url, "secret", secret));
    return ERR_OK;
}

static enum err
delete_webhook(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    enum err rc = store_tx_begin(a->st);
    if (!rc && !(rc = notify_webhook_clear(a->st)))
        rc = store_tx_commit(a->st);
    if (rc) {
        store_tx_rollback(a->st);
        return rc;
    }
    auth_audit(r, a->st, NULL, "settings.webhook_removed", "notify.webhook_url",
               NULL);
    resp_empty(r, 204);
    return ERR_OK;
}

const struct route notify_routes[] = {
    {"GET", "/api/v1/settings/webhook", get_webhook, 0, "users.read", NULL, 0},
    {"PUT", "/api/v1/settings/webhook", put_webhook, 2048, "users.write",
     "settings.webhook", ROUTE_STEP_UP | ROUTE_NO_SUPPORT},
    {"DELETE", "/api/v1/settings/webhook", delete_webhook, 0, "users.write",
     "settings.webhook_removed", ROUTE_STEP_UP | ROUTE_NO_SUPPORT},
    ROUTES_END,
};
