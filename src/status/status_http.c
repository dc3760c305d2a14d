/*
 * status_http.c — the status page's HTTP server (calls: status_http.h).
 *
 * Like vault_http.c, a small libmicrohttpd server of its own rather than
 * src/http/: serve's server brings the router, sessions, the authorizer
 * and the tenant pool, and the point of this page is to stay up when all
 * of that is broken. This file and vault_http.c are the exceptions to
 * "only src/http/ includes microhttpd.h", for that reason.
 *
 * Each request is answered from a cache of the rendered page and JSON,
 * rebuilt when older than a second (under a mutex: one rebuild at a time,
 * the others wait for it). A request body is never read: a request that
 * announces one is refused.
 */
#include "status/status_http.h"
#include "http/listen.h"

#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "status/status.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define CACHE_MS 1000
#define PAGE_MAX (1 << 20)

static const char css[] =
    "body{font-family:system-ui,'Hiragino Sans','Noto Sans CJK JP',"
    "sans-serif;max-width:46rem;margin:0 auto;padding:1rem;line-height:1.6;"
    "color:#111;background:#fff}\n"
    "h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;"
    "border-bottom:1px solid #ccc}h3{font-size:1.05rem;margin:0}\n"
    "span[lang=en]{color:#555;font-size:.9em}.meta{color:#555;"
    "font-size:.9rem}\n"
    ".overall{padding:.8rem;border-radius:.4rem;font-weight:bold}\n"
    ".overall.ok{background:#e6f4ea}.overall.degraded{background:#fff4d6}"
    ".overall.outage{background:#fde2e1}\n"
    "table{border-collapse:collapse;width:100%}td,th{text-align:left;"
    "padding:.3rem .4rem;border-bottom:1px solid #eee;vertical-align:top}\n"
    ".state.ok{color:#176b2c}.state.degraded{color:#8a5a00}"
    ".state.stale,.state.stopped,.state.unknown{color:#b3261e}\n"
    ".notice{border-left:.3rem solid #888;padding:.2rem .8rem;"
    "margin:1rem 0}.notice.outage{border-color:#b3261e}"
    ".notice.warning{border-color:#c98a00}.notice.resolved{opacity:.7}\n"
    ".body{white-space:pre-wrap}.tag{font-size:.8rem;padding:0 .3rem;"
    "border:1px solid #888;border-radius:.2rem}.kv{color:#555}\n"
    "footer{margin-top:2rem;color:#777;font-size:.8rem}\n";

struct status_srv {
    struct MHD_Daemon *d;
    const struct status_http_opts *o;
    pthread_mutex_t mu;
    int64_t built_ms;
    char *html, *json; /* the cache */
    size_t html_len, json_len;
};

/* Rebuild the cache when older than CACHE_MS; called with mu held. */
static void
refresh(struct status_srv *s)
{
    int64_t now = status_now_ms();
    if (s->html && now - s->built_ms < CACHE_MS && now >= s->built_ms)
        return;
    struct status_view_opts vo = {s->o->data, s->o->stale, s->o->restore_stale,
                                  s->o->components};
    json_t *snap = status_snapshot(&vo);
    struct buf h;
    buf_init(&h, PAGE_MAX);
    if (status_html(snap, (int)s->o->refresh, &h)) {
        buf_reset(&h);
        buf_puts(&h, "<!doctype html><title>status</title><p>too large");
    }
    char *j = json_dumps(snap, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                   JSON_REAL_PRECISION(6));
    json_decref(snap);
    if (!j)
        abort(); /* allocation failure */
    free(s->html);
    free(s->json);
    s->html_len = h.len;
    s->html = buf_steal(&h);
    s->json_len = strlen(j);
    s->json = j;
    s->built_ms = now;
}

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *ctype,
      const char *p, size_t n)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(n, (void *)p, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", ctype);
    MHD_add_response_header(r, "Cache-Control", "no-cache, max-age=0");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; style-src 'self'; "
                            "base-uri 'none'; form-action 'none'; "
                            "frame-ancestors 'none'");
    if (status == 405)
        MHD_add_response_header(r, "Allow", "GET, HEAD");
    if (strncmp(ctype, "application/json", 16) == 0)
        MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result
send_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    return reply(c, status, "text/plain; charset=utf-8", text, strlen(text));
}

/* Answer from the cache (copied under the lock). */
static enum MHD_Result
send_cached(struct status_srv *s, struct MHD_Connection *c, bool html)
{
    pthread_mutex_lock(&s->mu);
    refresh(s);
    enum MHD_Result rc =
        html ? reply(c, 200, "text/html; charset=utf-8", s->html, s->html_len)
             : reply(c, 200, "application/json; charset=utf-8", s->json,
                     s->json_len);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static bool
has_body(struct MHD_Connection *c)
{
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    const char *te =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
    return te || (cl && strcmp(cl, "0") != 0);
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *c, const char *url,
          const char *method, const char *version, const char *data,
          size_t *size, void **cc)
{
    struct status_srv *s = cls;
    (void)version;
    (void)data;
    if (!*cc) { /* headers only: decide now, never read a body */
        *cc = s;
        if (*size == 0 && !has_body(c))
            return MHD_YES;
    }
    if (*size || has_body(c)) {
        *size = 0;
        return send_text(c, 413, "no request body is accepted\n");
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return send_text(c, 405, "the status page is read-only\n");
    if (strcmp(url, "/") == 0)
        return send_cached(s, c, true);
    if (strcmp(url, "/status.json") == 0)
        return send_cached(s, c, false);
    if (strcmp(url, "/style.css") == 0)
        return reply(c, 200, "text/css; charset=utf-8", css, sizeof(css) - 1);
    if (strcmp(url, "/healthz") == 0)
        return reply(c, 200, "application/json; charset=utf-8",
                     "{\"status\":\"ok\"}", 15);
    return send_text(c, 404, "not found\n");
}

/* Paths are compared as received: no percent-decoding. */
static enum err
start(struct status_srv *s, int *port)
{
    struct sockaddr_storage ss;
    bool v6;
    enum err rc = http_listen_addr(s->o->bind, s->o->port, &ss, &v6);
    if (rc)
        return rc;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_USE_ERROR_LOG | MHD_USE_ITC | (v6 ? MHD_USE_IPv6 : 0);
    s->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, s, MHD_OPTION_EXTERNAL_LOGGER,
        http_mhd_log, (void *)"status.http", MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_UNESCAPE_CALLBACK, http_no_unescape, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)s->o->conn_max, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)s->o->per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)s->o->conn_timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(32 * 1024), MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
    if (!s->d)
        return err_fail(ERR_IO, "cannot listen on %s port %lld (in use?)",
                        s->o->bind, s->o->port);
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    *port = info ? info->port : (int)s->o->port;
    return ERR_OK;
}

enum err
status_http_run(const struct status_http_opts *o, status_ready_fn ready,
                void *arg)
{
    int lvl = log_level_parse(o->log_level);
    if (lvl < 0)
        return err_fail(ERR_CONFIG,
                        "--log-level: '%s' is not debug, info, warn or error",
                        o->log_level);
    log_set_level((enum log_level)lvl);
    struct status_srv s = {.o = o};
    pthread_mutex_init(&s.mu, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    int port = 0;
    enum err rc = start(&s, &port);
    if (rc) {
        pthread_mutex_destroy(&s.mu);
        return rc;
    }
    log_fields(LOG_INFO, "status.listening",
               json_pack("{s:s, s:i, s:s}", "bind", o->bind, "port", port,
                         "data", o->data));
    if (ready)
        ready(port, arg);
    int sig = 0;
    sigwait(&set, &sig);
    log_msg(LOG_INFO, "status.signal", "received %s, stopping",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    MHD_stop_daemon(s.d);
    free(s.html);
    free(s.json);
    pthread_mutex_destroy(&s.mu);
    return ERR_OK;
}
