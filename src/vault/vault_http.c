/*
 * vault_http.c — the vault's HTTP server (calls and rules: vault_http.h).
 *
 * A small libmicrohttpd server of its own rather than src/http/: serve's
 * server brings the router with every module's routes, the authorizer,
 * sessions and the tenant pool, and buffers each body in memory. The vault
 * needs none of that and must stream bodies of hundreds of MB to disk; an
 * independent server also keeps a bug in serve's stack from becoming a way
 * into the backups. This file is the one exception to "only src/http/
 * includes microhttpd.h", for that reason.
 *
 * A request goes: first call (headers) → route, token, method, names; a PUT
 * object opens its upload here so a 409 is answered before any body is
 * read → body calls (stream to the upload or into a bounded buffer) → last
 * call → act and answer. An error found with the headers is answered at
 * once when a large body is coming (a client that sends Expect:
 * 100-continue, as curl does past 1 MiB, then never sends it) and after
 * the body, read and dropped, otherwise (keep-alive).
 */
#include "vault/vault_http.h"
#include "http/listen.h"

#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "status/heartbeat.h"
#include "vault/manifest.h"
#include "vault/vault_client.h"
#include "vault/vault_dir.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define DISCARD_MAX (1u << 20) /* body bytes read after an error */

enum route {
    R_NONE,
    R_HEALTH,
    R_STORES,
    R_OBJECT,
    R_MANIFESTS,
    R_MANIFEST,
};

struct vault_srv {
    struct MHD_Daemon *d;
    struct vault_dir *v;
    char token_digest[SEAL_NAME_HEX];
    const struct vault_http_opts *o;
};

struct vreq {
    char id[17];
    enum route route;
    char method[16];
    char name[SEAL_NAME_HEX];
    char store[VAULT_STORE_MAX];
    int64_t seq;
    struct vault_upload *up;
    struct buf body; /* manifest bodies */
    bool started, answered;
    enum err early;
    char early_detail[512];
    size_t discarded;
    int status;
    uint64_t start_ns;
};

/* ------------------------------------------------------------ responses */

static void
common_headers(struct vreq *r, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
}

static void
queue(struct MHD_Connection *c, struct vreq *r, int status,
      struct MHD_Response *resp)
{
    common_headers(r, resp);
    MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    r->status = status;
    r->answered = true;
}

static void
respond_bytes(struct MHD_Connection *c, struct vreq *r, int status,
              const char *ctype, const void *p, size_t n)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(n, (void *)p, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(resp, "Content-Type", ctype);
    queue(c, r, status, resp);
}

/* Send j (stolen) as JSON. */
static void
respond_json(struct MHD_Connection *c, struct vreq *r, int status, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!s)
        abort(); /* allocation failure */
    respond_bytes(c, r, status, "application/json", s, strlen(s));
    free(s);
}

static const char *
allow_of(enum route rt)
{
    switch (rt) {
    case R_OBJECT:
    case R_MANIFEST:
        return "GET, HEAD, PUT";
    default:
        return "GET, HEAD";
    }
}

/* The problem+json answer for e with detail. */
static void
respond_problem(struct MHD_Connection *c, struct vreq *r, enum err e,
                const char *detail)
{
    int status = err_http_status(e);
    char type[128];
    snprintf(type, sizeof(type), "urn:pilotlight:problem:%s", err_code(e));
    json_t *j = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", type, "title",
                          err_title(e), "status", status, "code", err_code(e),
                          "request_id", r->id);
    if (status < 500 && detail && *detail)
        json_object_set_new(j, "detail", json_string(detail));
    if (status >= 500)
        log_msg(LOG_ERROR, "vault.error", "%s: %s", err_code(e),
                detail ? detail : "");
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!s)
        abort(); /* allocation failure */
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_COPY);
    free(s);
    MHD_add_response_header(resp, "Content-Type",
                            "application/problem+json; charset=utf-8");
    if (e == ERR_VAULT_UNAUTHORIZED)
        MHD_add_response_header(resp, "WWW-Authenticate",
                                "Bearer realm=\"pilotlight-vault\"");
    if (e == ERR_HTTP_METHOD)
        MHD_add_response_header(resp, "Allow", allow_of(r->route));
    queue(c, r, status, resp);
}

/* --------------------------------------------------------------- routing */

/* Split the raw path into at most 3 segments; false when it has more, an
 * empty one, or does not start with '/'. */
static bool
split(const char *url, char segs[3][80], int *n)
{
    *n = 0;
    if (url[0] != '/')
        return false;
    const char *p = url + 1;
    for (;;) {
        size_t len = strcspn(p, "/");
        if (len == 0 || len >= 80 || *n == 3)
            return false;
        memcpy(segs[*n], p, len);
        segs[(*n)++][len] = '\0';
        if (!p[len])
            return true;
        p += len + 1;
    }
}

static enum route
route_of(char segs[3][80], int n)
{
    if (n == 1 && strcmp(segs[0], "healthz") == 0)
        return R_HEALTH;
    if (n == 1 && strcmp(segs[0], "stores") == 0)
        return R_STORES;
    if (n == 2 && strcmp(segs[0], "objects") == 0)
        return R_OBJECT;
    if (n == 2 && strcmp(segs[0], "manifests") == 0)
        return R_MANIFESTS;
    if (n == 3 && strcmp(segs[0], "manifests") == 0)
        return R_MANIFEST;
    return R_NONE;
}

static bool
method_ok(enum route rt, const char *m)
{
    bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    bool put = strcmp(m, "PUT") == 0;
    return get || (put && (rt == R_OBJECT || rt == R_MANIFEST));
}

/* Names in the path, validated strictly. */
static enum err
take_names(struct vreq *r, char segs[3][80])
{
    if (r->route == R_OBJECT) {
        if (!seal_name_valid(segs[1]))
            return err_fail(ERR_VAULT_BAD_NAME,
                            "an object name is 64 lowercase hex digits");
        memcpy(r->name, segs[1], SEAL_NAME_HEX);
    }
    if (r->route == R_MANIFESTS || r->route == R_MANIFEST) {
        if (!vault_store_id_valid(segs[1]))
            return err_fail(ERR_VAULT_BAD_NAME,
                            "a store id is 1-64 of a-z 0-9 _ -, starting "
                            "with a letter or digit");
        snprintf(r->store, sizeof(r->store), "%s", segs[1]);
    }
    if (r->route == R_MANIFEST && !vault_seq_parse(segs[2], &r->seq))
        return err_fail(ERR_VAULT_BAD_NAME,
                        "a sequence is a number from 1, without leading "
                        "zeros");
    return ERR_OK;
}

static enum err
check_token(struct vault_srv *s, struct MHD_Connection *c)
{
    const char *h =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    size_t n = h ? strlen(h) : 0;
    if (n > 7 && n <= 7 + VAULT_TOKEN_MAX && !strncasecmp(h, "Bearer ", 7)) {
        char digest[SEAL_NAME_HEX];
        seal_hash_hex(h + 7, n - 7, digest);
        if (sodium_memcmp(digest, s->token_digest, SEAL_NAME_HEX - 1) == 0)
            return ERR_OK;
    }
    return err_fail(ERR_VAULT_UNAUTHORIZED,
                    "send Authorization: Bearer <the vault token>");
}

static unsigned long long
content_length(struct MHD_Connection *c)
{
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    return cl ? strtoull(cl, NULL, 10) : 0;
}

/* Headers are in: everything that can be decided before the body. */
static enum err
begin(struct vault_srv *s, struct vreq *r, struct MHD_Connection *c,
      const char *url)
{
    char segs[3][80];
    int n;
    r->route = split(url, segs, &n) ? route_of(segs, n) : R_NONE;
    if (r->route != R_HEALTH) {
        enum err rc = check_token(s, c);
        if (rc)
            return rc;
    }
    if (r->route == R_NONE)
        return err_fail(ERR_HTTP_NOT_FOUND, "no such vault call");
    if (!method_ok(r->route, r->method))
        return err_fail(ERR_HTTP_METHOD,
                        "a vault never deletes or changes what it holds");
    enum err rc = take_names(r, segs);
    bool put = strcmp(r->method, "PUT") == 0;
    unsigned long long cl = content_length(c);
    if (!rc && put && r->route == R_OBJECT && cl > s->o->object_max)
        rc = err_fail(ERR_HTTP_BODY_TOO_LARGE,
                      "an object may be at most %zu bytes", s->o->object_max);
    if (!rc && put && r->route == R_MANIFEST && cl > MANIFEST_MAX_BYTES)
        rc = err_fail(ERR_HTTP_BODY_TOO_LARGE,
                      "a manifest may be at most %u bytes", MANIFEST_MAX_BYTES);
    if (!rc && put && r->route == R_OBJECT)
        rc = vault_upload_begin(s->v, r->name, &r->up);
    if (!rc && put && r->route == R_MANIFEST)
        buf_init(&r->body, MANIFEST_MAX_BYTES);
    return rc;
}

/* ------------------------------------------------------------- handlers */

static enum err
get_object(struct vault_srv *s, struct vreq *r, struct MHD_Connection *c)
{
    int fd;
    uint64_t bytes;
    enum err rc = vault_dir_open_object(s->v, r->name, &fd, &bytes);
    if (rc)
        return rc;
    struct MHD_Response *resp = MHD_create_response_from_fd64(bytes, fd);
    if (!resp) {
        close(fd);
        return err_fail(ERR_INTERNAL, "cannot make a response");
    }
    char etag[SEAL_NAME_HEX + 2];
    snprintf(etag, sizeof(etag), "\"%s\"", r->name);
    MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
    MHD_add_response_header(resp, "ETag", etag);
    queue(c, r, 200, resp);
    return ERR_OK;
}

static enum err
put_object(struct vault_srv *s, struct vreq *r, struct MHD_Connection *c)
{
    (void)s;
    enum err rc = vault_upload_finish(r->up);
    r->up = NULL;
    if (rc)
        return rc;
    log_msg(LOG_INFO, "vault.object", "stored object %s", r->name);
    respond_json(c, r, 201, json_pack("{s:s}", "name", r->name));
    return ERR_OK;
}

static enum err
put_manifest(struct vault_srv *s, struct vreq *r, struct MHD_Connection *c)
{
    enum err rc = vault_dir_put_manifest(s->v, r->store, r->seq, r->body.data,
                                         r->body.len);
    if (rc)
        return rc;
    char hash[SEAL_NAME_HEX];
    seal_hash_hex(r->body.data, r->body.len, hash);
    log_msg(LOG_INFO, "vault.manifest", "stored manifest %s/%lld", r->store,
            (long long)r->seq);
    respond_json(c, r, 201,
                 json_pack("{s:s, s:I, s:s}", "store", r->store, "seq",
                           (json_int_t)r->seq, "hash", hash));
    return ERR_OK;
}

static enum err
get_manifest(struct vault_srv *s, struct vreq *r, struct MHD_Connection *c)
{
    struct buf b;
    buf_init(&b, MANIFEST_MAX_BYTES);
    enum err rc = vault_dir_get_manifest(s->v, r->store, r->seq, &b);
    if (!rc)
        respond_bytes(c, r, 200, "application/json", b.data ? b.data : "",
                      b.len);
    buf_free(&b);
    return rc;
}

static enum err
list_manifests(struct vault_srv *s, struct vreq *r, struct MHD_Connection *c)
{
    struct vault_manifest_ref *refs;
    size_t n;
    enum err rc = vault_dir_list_manifests(s->v, r->store, &refs, &n);
    if (rc)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:I, s:s, s:I}", "seq",
                                           (json_int_t)refs[i].seq, "hash",
                                           refs[i].hash, "bytes",
                                           (json_int_t)refs[i].bytes));
    free(refs);
    respond_json(c, r, 200,
                 json_pack("{s:s, s:o}", "store", r->store, "manifests", a));
    return ERR_OK;
}

static enum err
list_stores(struct vault_srv *s, struct vreq *r, struct MHD_Connection *c)
{
    struct vault_store_ref *st;
    size_t n;
    enum err rc = vault_dir_list_stores(s->v, &st, &n);
    if (rc)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            a, json_pack("{s:s, s:I, s:I}", "store", st[i].id, "last_seq",
                         (json_int_t)st[i].last_seq, "manifests",
                         (json_int_t)st[i].manifests));
    free(st);
    respond_json(c, r, 200, json_pack("{s:o}", "stores", a));
    return ERR_OK;
}

static enum err
dispatch(struct vault_srv *s, struct vreq *r, struct MHD_Connection *c)
{
    bool put = strcmp(r->method, "PUT") == 0;
    switch (r->route) {
    case R_HEALTH:
        respond_json(c, r, 200, json_pack("{s:s}", "status", "ok"));
        return ERR_OK;
    case R_STORES:
        return list_stores(s, r, c);
    case R_OBJECT:
        return put ? put_object(s, r, c) : get_object(s, r, c);
    case R_MANIFESTS:
        return list_manifests(s, r, c);
    case R_MANIFEST:
        return put ? put_manifest(s, r, c) : get_manifest(s, r, c);
    default:
        return err_fail(ERR_HTTP_NOT_FOUND, "no such vault call");
    }
}

/* ------------------------------------------------------ libmicrohttpd */

static void
fail_early(struct vreq *r, enum err rc)
{
    r->early = rc;
    snprintf(r->early_detail, sizeof(r->early_detail), "%s", err_detail());
    vault_upload_abort(r->up);
    r->up = NULL;
    buf_free(&r->body);
}

static enum err
receive(struct vreq *r, const char *data, size_t n)
{
    if (r->up)
        return vault_upload_write(r->up, data, n);
    if (r->route == R_MANIFEST && buf_append(&r->body, data, n))
        return err_fail(ERR_HTTP_BODY_TOO_LARGE,
                        "a manifest may be at most %u bytes",
                        MANIFEST_MAX_BYTES);
    return ERR_OK;
}

/* True when the client announced a body too large to read and drop
 * (or of unknown size): such a request is answered at once and its
 * connection closed. A smaller body is read and dropped, and the answer
 * comes after it, so the connection stays usable and the client reads the
 * answer instead of a reset. */
static bool
body_large(struct MHD_Connection *c)
{
    const char *te =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
    return content_length(c) > DISCARD_MAX || te;
}

static enum MHD_Result
on_first(struct vault_srv *s, struct vreq *r, struct MHD_Connection *c,
         const char *url, const char *method)
{
    r->started = true;
    snprintf(r->method, sizeof(r->method), "%s", method);
    enum err rc = begin(s, r, c, url);
    if (!rc)
        return MHD_YES;
    fail_early(r, rc);
    if (body_large(c)) /* answer now; the body is never read */
        respond_problem(c, r, rc, r->early_detail);
    return MHD_YES;
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *c, const char *url,
          const char *method, const char *version, const char *data,
          size_t *size, void **cc)
{
    struct vault_srv *s = cls;
    struct vreq *r = *cc;
    (void)version;
    if (!r->started)
        return on_first(s, r, c, url, method);
    if (*size) {
        size_t n = *size;
        *size = 0;
        if (r->answered || r->early) {
            r->discarded += n;
            return r->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
        }
        enum err rc = receive(r, data, n);
        if (rc)
            fail_early(r, rc);
        return MHD_YES;
    }
    if (r->answered)
        return MHD_YES;
    enum err rc = r->early;
    if (rc)
        err_fail(rc, "%s", r->early_detail);
    else
        rc = dispatch(s, r, c);
    if (rc)
        respond_problem(c, r, rc, err_detail());
    return MHD_YES;
}

/* A new request: its state, freed in on_completed. */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)uri;
    (void)c;
    struct vreq *r = xcalloc(1, sizeof(*r));
    rand_hex(r->id, 8);
    r->start_ns = time_mono_ns();
    return r;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **cc,
             enum MHD_RequestTerminationCode toe)
{
    struct vault_srv *s = cls;
    struct vreq *r = *cc;
    (void)c;
    if (!r)
        return;
    if (s->o->access_log)
        log_fields(
            LOG_INFO, "vault.request",
            json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:b}", "req", r->id,
                      "method", r->method[0] ? r->method : "-", "store",
                      r->store, "object", r->name, "status", r->status, "us",
                      (json_int_t)((time_mono_ns() - r->start_ns) / 1000),
                      "completed", toe == MHD_REQUEST_TERMINATED_COMPLETED_OK));
    vault_upload_abort(r->up); /* an upload cut short leaves nothing */
    buf_free(&r->body);
    free(r);
    *cc = NULL;
}

/* ------------------------------------------------------------- start-up */

static enum err
start(struct vault_srv *s, int *port)
{
    struct sockaddr_storage ss;
    bool v6;
    enum err rc = http_listen_addr(s->o->bind, s->o->port, &ss, &v6);
    if (rc)
        return rc;
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD |
                     MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG |
                     MHD_USE_ITC | (v6 ? MHD_USE_IPv6 : 0);
    s->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, s, MHD_OPTION_EXTERNAL_LOGGER,
        http_mhd_log, (void *)"vault.http", MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_UNESCAPE_CALLBACK, http_no_unescape,
        NULL, /* as received */
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->o->conn_max,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)s->o->per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->o->conn_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
        MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
    if (!s->d)
        return err_fail(ERR_IO, "cannot listen on %s port %lld (in use?)",
                        s->o->bind, s->o->port);
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    *port = info ? info->port : (int)s->o->port;
    return ERR_OK;
}

/* The vault's heartbeat detail: free space where it keeps backups
 * ("degraded" under 1 GiB: uploads are about to fail). */
static json_t *
vault_heartbeat(void *arg, enum heartbeat_state *state)
{
    const struct vault_http_opts *o = arg;
    struct statvfs sv;
    if (statvfs(o->data, &sv) != 0)
        return NULL;
    unsigned long long avail =
        (unsigned long long)sv.f_bavail * (unsigned long long)sv.f_frsize;
    if (avail < (1ull << 30))
        *state = HEARTBEAT_DEGRADED;
    return json_pack("{s:I}", "disk_free_bytes", (json_int_t)avail);
}

enum err
vault_http_run(const struct vault_http_opts *o, vault_ready_fn ready, void *arg)
{
    int lvl = log_level_parse(o->log_level);
    if (lvl < 0)
        return err_fail(ERR_CONFIG,
                        "--log-level: '%s' is not debug, info, "
                        "warn or error",
                        o->log_level);
    log_set_level((enum log_level)lvl);
    struct vault_srv s = {.o = o};
    char token[VAULT_TOKEN_MAX + 1];
    enum err rc = vault_token_read(o->token_file, token, sizeof(token));
    if (rc)
        return rc;
    seal_hash_hex(token, strlen(token), s.token_digest);
    sodium_memzero(token, sizeof(token));
    if ((rc = vault_dir_open(o->data, &s.v)))
        return rc;
    vault_dir_set_object_max(s.v, o->object_max);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    int port = 0;
    if ((rc = start(&s, &port))) {
        vault_dir_close(s.v);
        return rc;
    }
    log_fields(LOG_INFO, "vault.listening",
               json_pack("{s:s, s:i, s:s}", "bind", o->bind, "port", port,
                         "data", o->data));
    struct heartbeat *hb = o->status_data[0]
                               ? heartbeat_start(o->status_data, "vault",
                                                 vault_heartbeat, (void *)o)
                               : NULL;
    if (ready)
        ready(port, arg);
    int sig = 0;
    sigwait(&set, &sig);
    log_msg(LOG_INFO, "vault.signal", "received %s, stopping",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    heartbeat_stop(hb);
    MHD_stop_daemon(s.d);
    vault_dir_close(s.v);
    return ERR_OK;
}
