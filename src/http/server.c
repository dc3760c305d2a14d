/*
 * server.c — libmicrohttpd glue: request lifecycle, limits, shutdown.
 *
 * Lifecycle of one request:
 *   uri_log       request line read: a request struct and its arena are made
 *                 (the raw URI is kept here, before the library decodes it)
 *   on_access #1  headers read: route matched, Content-Length checked
 *                 against the route's body limit; errors answered at once
 *   on_access #n  body chunks appended to a bounded buffer
 *   on_access end handler runs, response queued
 *   on_completed  metrics, access log, arena freed — also on client abort
 *                 and timeout, so nothing leaks whatever the client does
 */
#include "core/arena.h"
#include "http/listen.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "http/internal.h"
#include "http/metrics.h"
#include "http/routes.h"
#include "http/server.h"
#include "http/server_int.h"
#include "http/sse.h"
#include "store/pool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static struct server the_server;
#ifdef PILOTLIGHT_BENCH
/* *con_cls for /bench/null: skips everything we add. The response is queued
 * on the second call, as for any bodiless request, so keep-alive holds. */
static char bench_marker, bench_marker_started;
#endif

struct server *
server_current(void)
{
    return &the_server;
}

static void *
uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct server *s = cls;
    (void)c;
#ifdef PILOTLIGHT_BENCH
    if (strcmp(uri, "/bench/null") == 0)
        return &bench_marker;
#endif
    struct arena *a = arena_new();
    struct req *r = arena_alloc(a, sizeof(*r));
    r->arena = a;
    r->srv = s;
    rand_hex(r->id, 8);
    r->raw_uri = arena_strdup(a, uri);
    r->start_ns = time_mono_ns();
    r->body_max = s->o->body_max;
    buf_init(&r->body, r->body_max);
    atomic_fetch_add(&s->inflight, 1);
    return r;
}

static void
queue(struct req *r)
{
    if (!r->resp) {
        err_fail(ERR_INTERNAL, "handler set no response");
        problem_respond(r, ERR_INTERNAL);
    }
    resp_common_headers(r, r->resp);
    resp_apply_headers(r, r->resp);
    if (atomic_load(&r->srv->draining))
        MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONNECTION, "close");
    if (MHD_queue_response(r->conn, (unsigned)r->status, r->resp) != MHD_YES)
        log_msg(LOG_WARN, "http.queue_failed", "status %d", r->status);
    MHD_destroy_response(r->resp);
    r->resp = NULL;
    r->queued = true;
}

static bool
is_api_path(const char *raw)
{
    size_t n = strcspn(raw, "?");
    return strncmp(raw, "/api/", 5) == 0 ||
           (n == 4 && !strncmp(raw, "/api", 4));
}

/* Headers are in: match the route and check what can be checked now. */
static enum err
begin(struct server *s, struct req *r)
{
    char **segs;
    size_t nsegs;
    enum err rc = router_split(r->arena, r->raw_uri, &segs, &nsegs);
    if (rc)
        return rc;
    rc = router_match(s->rt, r->method, segs, nsegs, &r->match);
    bool get = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
    if (rc == ERR_HTTP_NOT_FOUND && get && !is_api_path(r->raw_uri) &&
        s->web_root[0]) { /* an API-only server (ingest) has no files */
        r->is_static = true;
        r->segs = segs;
        r->nsegs = nsegs;
        rc = ERR_OK;
    }
    if (rc)
        return rc;
    if (r->match.route && r->match.route->body_max) {
        r->body_max = r->match.route->body_max;
        r->body.max = r->body_max;
    }
    const char *cl = req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > r->body_max)
        return err_fail(ERR_HTTP_BODY_TOO_LARGE,
                        "the body is %s bytes; this endpoint accepts at most "
                        "%zu",
                        cl, r->body_max);
    return ERR_OK;
}

/* How much of an over-limit body (sent without Content-Length) is read and
 * dropped so the client still gets its 413; past this the connection is
 * closed instead. The library cannot answer in the middle of an upload. */
#define DISCARD_MAX(r) ((r)->body_max * 4)

static void
receive(struct req *r, const char *data, size_t n)
{
    if (r->early) {
        r->discarded += n;
        return;
    }
    if (buf_append(&r->body, data, n)) {
        r->early =
            err_fail(ERR_HTTP_BODY_TOO_LARGE,
                     "this endpoint accepts at most %zu bytes", r->body_max);
        r->early_detail = arena_strdup(r->arena, err_detail());
        r->discarded += n;
        buf_free(&r->body);
    }
}

/* True when the client announced a body (so an early answer saves reading
 * it); false for bodiless requests, answered at the end to keep the
 * connection alive. */
static bool
body_expected(struct req *r)
{
    const char *cl = req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te = req_header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    return (cl && strcmp(cl, "0") != 0) || te;
}

static http_authorize_fn authorizer;

void
http_set_authorizer(http_authorize_fn fn)
{
    authorizer = fn;
}

static void
dispatch(struct server *s, struct req *r)
{
    enum err rc = ERR_OK;
    const struct route *rt = r->match.route;
    if (r->is_static)
        rc = static_serve(r, s->web_root, r->segs, r->nsegs);
    else if (rt->perm && !authorizer) /* deny by default */
        rc = err_fail(ERR_AUTH_REQUIRED, "no authorizer installed");
    else if (!rt->perm || !(rc = authorizer(r, rt)))
        rc = rt->fn(r);
    if (rc)
        problem_respond(r, rc);
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *c, const char *url,
          const char *method, const char *version, const char *data,
          size_t *size, void **cc)
{
    struct server *s = cls;
    struct req *r = *cc;
    (void)url;
    (void)version;
#ifdef PILOTLIGHT_BENCH
    if (*cc == &bench_marker) {
        *cc = &bench_marker_started;
        return MHD_YES;
    }
    if (*cc == &bench_marker_started)
        return MHD_queue_response(c, MHD_HTTP_OK, s->null_resp);
#endif
    if (!r)
        return MHD_NO;
    if (r->queued) { /* answered early: discard the rest of the body */
        *size = 0;
        return MHD_YES;
    }
    log_set_request(r->id);
    err_clear();
    enum err rc = ERR_OK;
    if (!r->started) {
        r->started = true;
        r->conn = c;
        r->method = arena_strdup(r->arena, method);
        rc = begin(s, r);
        if (rc && !body_expected(r)) {
            r->early = rc; /* answer after the (empty) body: keep-alive */
            r->early_detail = arena_strdup(r->arena, err_detail());
            rc = ERR_OK;
        }
    } else if (*size) {
        receive(r, data, *size);
        *size = 0;
        if (r->discarded > DISCARD_MAX(r)) {
            log_set_request(NULL);
            return MHD_NO; /* still streaming far past the limit: hang up */
        }
    } else {
        if (r->early)
            problem_respond(r, err_fail(r->early, "%s", r->early_detail));
        else
            dispatch(s, r);
        queue(r);
    }
    if (rc) {
        problem_respond(r, rc);
        queue(r);
    }
    log_set_request(NULL);
    return MHD_YES;
}

static int
metrics_slot(const struct req *r)
{
    if (r->match.route)
        return r->match.index;
    return r->is_static ? metrics_slot_static() : metrics_slot_unmatched();
}

static void
access_log(const struct req *r, uint64_t ns, enum MHD_RequestTerminationCode t)
{
    size_t plen = strcspn(r->raw_uri, "?"); /* never log query strings */
    json_t *f = json_pack(
        "{s:s, s:s%, s:i, s:I}", "method", r->method ? r->method : "-", "path",
        r->raw_uri, plen > 256 ? (size_t)256 : plen, "status",
        r->queued ? r->status : 0, "us", (json_int_t)(ns / 1000));
    if (!f) /* path was not valid UTF-8 */
        f = json_pack("{s:s, s:i}", "path", "(binary)", "status", r->status);
    if (t != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        json_object_set_new(f, "aborted", json_integer(t));
    log_set_request(r->id);
    log_fields(LOG_INFO, "http.request", f);
    log_set_request(NULL);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **cc,
             enum MHD_RequestTerminationCode toe)
{
    struct server *s = cls;
    struct req *r = *cc;
    (void)c;
    if (!r)
        return;
#ifdef PILOTLIGHT_BENCH
    if (*cc == &bench_marker || *cc == &bench_marker_started)
        return;
#endif
    uint64_t ns = time_mono_ns() - r->start_ns;
    metrics_observe(metrics_slot(r), r->queued ? r->status : 0, ns);
    if (s->o->access_log)
        access_log(r, ns, toe);
    if (r->resp)
        MHD_destroy_response(r->resp);
    buf_free(&r->body);
    arena_free(r->arena);
    *cc = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

static struct MHD_Daemon *
start_daemon(struct server *s, const struct sockaddr_storage *ss, bool v6)
{
    /* No MHD_USE_TURBO: it trades safety checks for speed. Suspend and
     * resume: idle event streams leave the event loop (sse.c). */
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
                     MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
    if (v6)
        flags |= MHD_USE_IPv6;
    const struct serve_opts *o = s->o;
    return MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, s, MHD_OPTION_EXTERNAL_LOGGER,
        http_mhd_log, NULL, MHD_OPTION_SOCK_ADDR, ss,
        MHD_OPTION_URI_LOG_CALLBACK, uri_log, s, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)o->conn_max,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)o->per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->conn_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, o->conn_memory,
        MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_LISTEN_BACKLOG_SIZE, 512u,
        MHD_OPTION_END);
}

/* Stop accepting, wait for in-flight requests, then stop the daemon. */
static void
drain(struct server *s)
{
    atomic_store(&s->draining, true);
    sse_shutdown(); /* event streams end now (none may stay suspended) */
    /* the library hands the listening socket back; closing it makes new
     * clients fail fast (a proxy retries elsewhere) instead of queueing */
    MHD_socket ls = MHD_quiesce_daemon(s->d);
    if (ls != MHD_INVALID_SOCKET)
        shutdown(ls, SHUT_RDWR);
    log_msg(LOG_INFO, "serve.draining", "%d request(s) in flight",
            atomic_load(&s->inflight));
    uint64_t deadline =
        time_mono_ns() + (uint64_t)s->o->drain_timeout * 1000000000ULL;
    while (atomic_load(&s->inflight) > 0 && time_mono_ns() < deadline)
        usleep(10000);
    int left = atomic_load(&s->inflight);
    MHD_stop_daemon(s->d);
    s->d = NULL;
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    if (left)
        log_msg(LOG_WARN, "serve.stopped",
                "%d request(s) cut off at the drain deadline", left);
    else
        log_msg(LOG_INFO, "serve.stopped", "all requests finished");
}

static void
raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

enum err
server_prepare(struct server *s, const struct serve_opts *o)
{
    enum err rc = http_listen_addr(o->bind, o->port, &s->addr, &s->v6);
    if (!rc)
        rc = server_resolve_web(o->web, s->web_root, sizeof(s->web_root));
    s->o = o;
    return rc;
}

/* An API-only server: the address, its own tables, no console files. */
static enum err
server_prepare_api(struct server *s, const struct serve_opts *o,
                   const struct route *const *tables)
{
    s->web_root[0] = '\0';
    s->tables = tables;
    s->o = o;
    return http_listen_addr(o->bind, o->port, &s->addr, &s->v6);
}

enum err
server_start(struct server *s, int *port)
{
    const struct serve_opts *o = s->o;
    raise_fd_limit();
    if (s->tables) { /* an API-only server: its own tables */
        s->rt = router_new();
        for (size_t i = 0; s->tables[i]; i++)
            router_add(s->rt, s->tables[i]);
    } else {
        s->rt = routes_build();
    }
    metrics_init(s->rt);
#ifdef PILOTLIGHT_BENCH
    s->null_resp =
        MHD_create_response_from_buffer(2, "ok", MHD_RESPMEM_PERSISTENT);
#endif
    s->d = start_daemon(s, &s->addr, s->v6);
    if (!s->d)
        return err_fail(ERR_IO, "cannot listen on %s port %lld: %s", o->bind,
                        o->port, strerror(errno));
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    *port = di ? di->port : (int)o->port;
    return ERR_OK;
}

void
server_stop(struct server *s)
{
    if (s->d)
        drain(s);
#ifdef PILOTLIGHT_BENCH
    if (s->null_resp)
        MHD_destroy_response(s->null_resp);
    s->null_resp = NULL;
#endif
    metrics_free();
    router_free(s->rt);
    s->rt = NULL;
}

enum err
server_api_start(const struct serve_opts *o, const struct route *const *tables,
                 int *port)
{
    struct server *s = server_current();
    enum err rc = server_prepare_api(s, o, tables);
    return rc ? rc : server_start(s, port);
}

void
server_api_stop(void)
{
    server_stop(server_current());
}
