/*
 * operator_api.c — what the platform console shows a signed-in platform
 * operator (full operator session, cookie pl_op; never a tenant user, an
 * API token or a support grant):
 *
 *   GET /api/v1/operator/tenants   the tenant registry, in code order:
 *        {"tenants": [{"id", "code", "name", "prefecture", "status",
 *                      "created_at"}], "count"}
 *   GET /api/v1/operator/status    the status page's snapshot, as
 *        `pilotlight status` builds it from DATA/status (components with
 *        their heartbeats, incident notices, a restore in progress): see
 *        status_view.c. Stale after 15 s, restore stalled after 120 s,
 *        serve and ingest always listed (status's defaults).
 *   GET /api/v1/operator/backup    the backup shipper's last pass, from
 *        DATA/backup/ship/heartbeat.json (vault/ship.c writes it after
 *        every pass): {"ship": null} before any pass, else {"ship":
 *        {"state", "time", "age_s", "stores", "failed",
 *        "rpo_lag_records", "rpo_lag_ms", "vaults": [{"url",
 *        "rpo_lag_records", "rpo_lag_ms", "failed"}]}}; "state" is
 *        "unreadable" (and nothing else is given) when the file does not
 *        parse. Only these fields are copied; a vault URL is shown without
 *        user information, query or fragment.
 *
 * Read only: nothing here changes a file or a store, so nothing is
 * audited (as with every GET). Files are read bounded (status.h).
 */
#include "auth/roles.h"
#include "http/http.h"
#include "status/status.h"
#include "store/pool.h"
#include "tenants/tenants.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ tenants */

static bool
collect_tenant(const struct tenant *t, void *arg)
{
    json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id",
                                         (json_int_t)t->id, "code", t->code,
                                         "name", t->name, "prefecture",
                                         t->prefecture, "status", t->status,
                                         "created_at", t->created_at));
    return true;
}

static enum err
get_tenants(struct req *r)
{
    struct store *platform;
    enum err rc = pool_platform(&platform);
    if (rc)
        return rc;
    json_t *list = json_array();
    if ((rc = tenant_each(platform, collect_tenant, list))) {
        json_decref(list);
        return rc;
    }
    resp_json(r, 200,
              json_pack("{s:o, s:I}", "tenants", list, "count",
                        (json_int_t)json_array_size(list)));
    return ERR_OK;
}

/* ------------------------------------------------------------- status */

static enum err
get_status(struct req *r)
{
    struct status_view_opts o = {pool_data_dir(), 15, 120, "serve,ingest"};
    resp_json(r, 200, status_snapshot(&o));
    return ERR_OK;
}

/* ------------------------------------------------------------- backup */

/* url without "user:pass@", "?query" and "#fragment", into out. */
static void
url_public(const char *url, char *out, size_t n)
{
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    size_t hostlen = strcspn(host, "/?#");
    const char *at = memchr(host, '@', hostlen);
    size_t scheme = (size_t)(host - url);
    const char *rest = at ? at + 1 : host;
    snprintf(out, n, "%.*s%.*s", (int)scheme, url, (int)strcspn(rest, "?#"),
             rest);
}

static json_int_t
int_of(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? json_integer_value(v) : 0;
}

static json_t *
vaults_public(const json_t *in)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(in, i, v)
    {
        const char *url = json_string_value(json_object_get(v, "url"));
        char clean[512];
        url_public(url ? url : "", clean, sizeof(clean));
        json_array_append_new(
            out, json_pack("{s:s, s:I, s:I, s:b}", "url", clean,
                           "rpo_lag_records", int_of(v, "rpo_lag_records"),
                           "rpo_lag_ms", int_of(v, "rpo_lag_ms"), "failed",
                           int_of(v, "failed") != 0));
        if (i + 1 >= 8) /* ship.c writes at most SHIP_VAULTS_MAX (4) */
            break;
    }
    return out;
}

/* The shipper's heartbeat document as the console gets it. */
static json_t *
ship_public(const json_t *hb)
{
    const char *state = json_string_value(json_object_get(hb, "state"));
    const char *time = json_string_value(json_object_get(hb, "time"));
    int64_t at_ms = 0;
    if (!json_is_object(hb) || !state || !time ||
        !status_time_parse(time, &at_ms) ||
        (strcmp(state, "ok") && strcmp(state, "degraded")))
        return json_pack("{s:s}", "state", "unreadable");
    int64_t age_s = (status_now_ms() - at_ms) / 1000;
    return json_pack(
        "{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o}", "state", state, "time",
        time, "age_s", (json_int_t)(age_s > 0 ? age_s : 0), "stores",
        int_of(hb, "stores"), "failed", int_of(hb, "failed"), "rpo_lag_records",
        int_of(hb, "rpo_lag_records"), "rpo_lag_ms", int_of(hb, "rpo_lag_ms"),
        "vaults", vaults_public(json_object_get(hb, "vaults")));
}

static enum err
get_backup(struct req *r)
{
    char path[4200];
    struct buf b;
    snprintf(path, sizeof(path), "%.4000s/backup/ship/heartbeat.json",
             pool_data_dir());
    buf_init(&b, STATUS_FILE_MAX);
    enum err rc = status_file_read(path, STATUS_FILE_MAX, &b);
    json_t *ship;
    if (rc == ERR_NOT_FOUND) {
        ship = json_null();
    } else if (rc) { /* unreadable or too big: say so, the page goes on */
        err_clear();
        ship = json_pack("{s:s}", "state", "unreadable");
    } else {
        json_t *hb = json_loadb(buf_str(&b), b.len, 0, NULL);
        ship = ship_public(hb);
        json_decref(hb);
    }
    buf_free(&b);
    resp_json(r, 200, json_pack("{s:o}", "ship", ship));
    return ERR_OK;
}

const struct route operator_routes[] = {
    {"GET", "/api/v1/operator/tenants", get_tenants, 0, PERM_OP_SESSION, NULL,
     0},
    {"GET", "/api/v1/operator/status", get_status, 0, PERM_OP_SESSION, NULL, 0},
    {"GET", "/api/v1/operator/backup", get_backup, 0, PERM_OP_SESSION, NULL, 0},
    ROUTES_END,
};
