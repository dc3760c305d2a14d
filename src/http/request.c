/*
 * request.c — request accessors and response builders for handlers.
 */
#include "core/arena.h"
#include "core/log.h"
#include "http/internal.h"
#include "http/server_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct arena *
req_arena(struct req *r)
{
    return r->arena;
}

const char *
req_id(const struct req *r)
{
    return r->id;
}

const char *
req_method(const struct req *r)
{
    return r->method;
}

const char *
req_param(const struct req *r, const char *name)
{
    for (size_t i = 0; i < r->match.nparams; i++)
        if (strcmp(r->match.names[i], name) == 0)
            return r->match.values[i];
    return NULL;
}

const char *
req_query(struct req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *
req_header(struct req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *
req_path(struct req *r)
{
    return arena_strndup(r->arena, r->raw_uri, strcspn(r->raw_uri, "?"));
}

const char *
req_cookie(struct req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

/* The last entry of X-Forwarded-For, when it is an address. */
static bool
forwarded_ip(struct req *r, char *out, size_t n)
{
    const char *xff = req_header(r, "X-Forwarded-For");
    if (!xff)
        return false;
    const char *last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    while (*last == ' ')
        last++;
    char ip[64];
    snprintf(ip, sizeof(ip), "%.*s", (int)strcspn(last, " "), last);
    unsigned char bin[16];
    if (inet_pton(AF_INET, ip, bin) != 1 && inet_pton(AF_INET6, ip, bin) != 1)
        return false;
    snprintf(out, n, "%s", ip);
    return true;
}

const char *
req_client_ip(struct req *r)
{
    if (r->ip[0])
        return r->ip;
    if (r->srv->o->trust_proxy && forwarded_ip(r, r->ip, sizeof(r->ip)))
        return r->ip;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    snprintf(r->ip, sizeof(r->ip), "unknown");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->ip,
                  sizeof(r->ip));
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                  r->ip, sizeof(r->ip));
    return r->ip;
}

void *
req_auth(const struct req *r)
{
    return r->auth;
}

void
req_set_auth(struct req *r, void *ctx)
{
    r->auth = ctx;
}

const char *
req_body(const struct req *r, size_t *len)
{
    *len = r->body.len;
    return buf_str(&r->body);
}

/* application/json, optionally with parameters (charset=utf-8). */
static int
is_json_type(const char *ct)
{
    if (!ct)
        return 0;
    size_t n = strlen("application/json");
    if (strncasecmp(ct, "application/json", n) != 0)
        return 0;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static void
decref_cleanup(void *p)
{
    json_decref(p);
}

enum err
req_json_object(struct req *r, json_t **out)
{
    *out = NULL;
    if (!is_json_type(req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE)))
        return err_fail(ERR_HTTP_MEDIA_TYPE,
                        "send the body as application/json");
    json_t *v;
    enum err rc = json_parse(r->body.data ? r->body.data : "", r->body.len, &v);
    if (rc)
        return rc;
    arena_defer(r->arena, decref_cleanup, v);
    if (!json_is_object(v)) {
        struct jcheck c;
        jcheck_init(&c);
        jcheck_add(&c, "", "type", "JSON オブジェクトで送信してください");
        return req_invalid(r, &c);
    }
    *out = v;
    return ERR_OK;
}

enum err
req_json_batch(struct req *r, const char *key, size_t max, const char *what,
               json_t **list)
{
    const char *const keys[] = {key, NULL};
    json_t *body;
    struct jcheck k;
    char msg[160];
    enum err rc = req_json_object(r, &body);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, body, keys);
    *list = json_object_get(body, key);
    if (!json_is_array(*list) || !json_array_size(*list)) {
        snprintf(msg, sizeof(msg), "%s に1件以上の%sを指定してください", key,
                 what);
        jcheck_add(&k, key, "required", msg);
    } else if (json_array_size(*list) > max) {
        snprintf(msg, sizeof(msg), "一度に送れる%sは%zu件までです", what, max);
        jcheck_add(&k, key, "too_many", msg);
    }
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

enum err
req_invalid(struct req *r, struct jcheck *c)
{
    json_decref(r->field_errors);
    r->field_errors = c->errors;
    c->errors = NULL;
    arena_defer(r->arena, decref_cleanup, r->field_errors);
    return ERR_INVALID;
}

static void
set_response(struct req *r, int status, struct MHD_Response *resp)
{
    if (r->resp)
        MHD_destroy_response(r->resp);
    r->resp = resp;
    r->status = status;
}

void
resp_bytes(struct req *r, int status, const char *content_type,
           const void *data, size_t len)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                content_type);
    set_response(r, status, resp);
}

void
resp_json_typed(struct req *r, int status, json_t *body, const char *ctype)
{
    struct buf b;
    buf_init(&b, 64u << 20);
    if (json_to_buf(body, &b)) {
        log_msg(LOG_ERROR, "http.response_too_large", "status %d", status);
        buf_reset(&b);
        buf_puts(&b, "{}");
        status = 500;
    }
    json_decref(body);
    resp_bytes(r, status, ctype, b.data ? b.data : "{}", b.len ? b.len : 2);
    buf_free(&b);
}

void
resp_json(struct req *r, int status, json_t *body)
{
    resp_json_typed(r, status, body, "application/json; charset=utf-8");
}

void
resp_empty(struct req *r, int status)
{
    set_response(
        r, status,
        MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT));
}

void
resp_header(struct req *r, const char *name, const char *value)
{
    /* kept until the response is queued, so headers set before an error
     * (Retry-After, Set-Cookie) reach the problem response too */
    struct pending_header *h = arena_alloc(r->arena, sizeof(*h));
    h->name = arena_strdup(r->arena, name);
    h->value = arena_strdup(r->arena, value);
    h->next = r->headers;
    r->headers = h;
}

void
resp_apply_headers(struct req *r, struct MHD_Response *resp)
{
    for (struct pending_header *h = r->headers; h; h = h->next)
        MHD_add_response_header(resp, h->name, h->value);
}

void
resp_common_headers(struct req *r, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    if (!MHD_get_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                                "no-store");
}
