/*
 * system_api.c — the service's own endpoints: liveness, readiness, metrics,
 * build info, and the console's error reports.
 *
 *   GET  /healthz                 the process answers (no store access)
 *   GET  /readyz                  the platform store answers and the data
 *                                 directory is writable; 503 otherwise
 *   GET  /metrics                 Prometheus text format; restrict it to the
 *                                 monitoring network at the proxy
 *   GET  /api/v1/meta             name, version, server time, JST date
 *   POST /api/v1/client-errors    a JavaScript error seen in the console,
 *                                 logged for operators (16 KiB max)
 */
#include "core/version.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "http/http.h"
#include "http/metrics.h"
#include "store/pool.h"
#include "store/store.h"

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

static enum err
get_healthz(struct req *r)
{
    resp_json(r, 200, json_pack("{s:s}", "status", "ok"));
    return ERR_OK;
}

static enum err
get_readyz(struct req *r)
{
    struct store *platform;
    enum err rc = pool_platform(&platform);
    if (!rc)
        rc = store_ping(platform);
    if (rc)
        return err_fail(ERR_UNAVAILABLE, "platform store: %s", err_detail());
    char tenants[PATH_MAX];
    snprintf(tenants, sizeof(tenants), "%s/tenants", pool_data_dir());
    if (access(pool_data_dir(), W_OK) != 0 || access(tenants, W_OK) != 0)
        return err_fail(ERR_UNAVAILABLE, "data directory is not writable");
    resp_json(r, 200,
              json_pack("{s:s, s:{s:s, s:s}}", "status", "ready", "checks",
                        "platform_store", "ok", "data_dir", "ok"));
    return ERR_OK;
}

static enum err
get_metrics(struct req *r)
{
    struct buf b;
    buf_init(&b, 16u << 20);
    enum err rc = metrics_render(&b);
    if (rc) /* our own buffer, not the client's fault */
        rc = err_fail(ERR_INTERNAL, "metrics larger than 16 MiB");
    if (!rc)
        resp_bytes(r, 200, "text/plain; version=0.0.4; charset=utf-8",
                   buf_str(&b), b.len);
    buf_free(&b);
    return rc;
}

static enum err
get_meta(struct req *r)
{
    char now[32], today[11];
    time_now_iso(now);
    time_today_jst(today);
    resp_json(r, 200,
              json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", "pilotlight",
                        "version", pl_version(), "commit", pl_commit(), "time",
                        now, "date_jst", today));
    return ERR_OK;
}

static enum err
post_client_error(struct req *r)
{
    static const char *const allowed[] = {"message", "page",  "source", "line",
                                          "column",  "stack", NULL};
    json_t *body;
    enum err rc = req_json_object(r, &body);
    if (rc)
        return rc;
    struct jcheck c;
    jcheck_init(&c);
    const char *msg, *page, *source, *stack;
    int64_t line = 0, col = 0;
    bool has_line, has_col;
    jcheck_only(&c, body, allowed);
    jcheck_str(&c, body, "message", 1000, JSTR_REQUIRED | JSTR_MULTILINE, &msg);
    jcheck_str(&c, body, "page", 500, 0, &page);
    jcheck_str(&c, body, "source", 500, 0, &source);
    jcheck_str(&c, body, "stack", 8000, JSTR_MULTILINE, &stack);
    jcheck_int(&c, body, "line", 0, 10000000, false, &line, &has_line);
    jcheck_int(&c, body, "column", 0, 10000000, false, &col, &has_col);
    if (!jcheck_ok(&c))
        return req_invalid(r, &c);
    jcheck_free(&c);
    json_t *f = json_pack("{s:s, s:s?, s:s?, s:s?}", "message", msg, "page",
                          page, "source", source, "stack", stack);
    if (has_line)
        json_object_set_new(f, "line", json_integer(line));
    if (has_col)
        json_object_set_new(f, "column", json_integer(col));
    log_fields(LOG_WARN, "client.error", f);
    resp_empty(r, 204);
    return ERR_OK;
}

const struct route system_routes[] = {
    {"GET", "/healthz", get_healthz, 0, NULL, NULL, 0},
    {"GET", "/readyz", get_readyz, 0, NULL, NULL, 0},
    {"GET", "/metrics", get_metrics, 0, NULL, NULL, 0},
    {"GET", "/api/v1/meta", get_meta, 0, NULL, NULL, 0},
    {"POST", "/api/v1/client-errors", post_client_error, 16 * 1024, NULL, NULL,
     0},
    ROUTES_END,
};
