/*
 * vault_client.c — the vault client: file:// through vault_dir, http(s)://
 * through libcurl with retries (behaviour: vault_client.h).
 *
 * Over HTTP each call is one struct http_call run by call(): attempt, and
 * on a transient failure back off and attempt again, unless bytes already
 * reached a caller's sink that cannot be rewound. A 2xx body goes to the
 * call's sink or buffer; any other body is kept (bounded) to read the
 * problem document's stable code back into an enum err.
 */
#include "vault/vault_client.h"

#include "core/json.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/xalloc.h"
#include "vault/manifest.h"
#include "vault/vault_dir.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ERR_BODY_MAX  (64 * 1024)
#define LIST_MAX      (64u << 20) /* a list answer, in bytes */
#define BACKOFF_MAXMS 10000
#define IO_BYTES      (256 * 1024)

struct vault_client {
    char url[VAULT_URL_MAX];         /* as given */
    char base[VAULT_URL_MAX];        /* http: without a trailing slash */
    char auth[VAULT_TOKEN_MAX + 32]; /* "Authorization: Bearer …" */
    struct vault_dir *dir;           /* file:// */
    CURL *curl;                      /* http(s):// */
    int attempts, base_ms;
};

/* --------------------------------------------------------------- token */

static enum err
token_check(const char *path, const char *t, size_t n)
{
    if (n < VAULT_TOKEN_MIN || n > VAULT_TOKEN_MAX)
        return err_fail(ERR_CONFIG,
                        "token file %s: the token must be %d-%d characters",
                        path, VAULT_TOKEN_MIN, VAULT_TOKEN_MAX);
    for (size_t i = 0; i < n; i++)
        if (t[i] <= ' ' || t[i] > '~')
            return err_fail(ERR_CONFIG,
                            "token file %s: the token must be printable "
                            "ASCII without spaces",
                            path);
    return ERR_OK;
}

enum err
vault_token_read(const char *path, char *out, size_t n)
{
    char text[VAULT_TOKEN_MAX + 4];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_fail(ERR_CONFIG, "token file %s: %s", path, strerror(errno));
    struct stat st;
    enum err rc = ERR_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = err_fail(ERR_CONFIG, "token file %s: not a regular file", path);
    else if (st.st_mode & (S_IROTH | S_IWOTH))
        rc = err_fail(ERR_CONFIG,
                      "token file %s: readable or writable by others "
                      "(chmod o-rw)",
                      path);
    ssize_t r = rc ? 0 : read(fd, text, sizeof(text) - 1);
    close(fd);
    if (!rc && r < 0)
        rc = err_fail(ERR_CONFIG, "token file %s: %s", path, strerror(errno));
    size_t len = r > 0 ? (size_t)r : 0;
    text[len] = '\0';
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    if (!rc && strlen(text) != len)
        rc = err_fail(ERR_CONFIG, "token file %s: NUL byte", path);
    if (!rc)
        rc = token_check(path, text, len);
    if (!rc && len >= n)
        rc = err_fail(ERR_CONFIG, "token file %s: too long", path);
    if (!rc)
        memcpy(out, text, len + 1);
    explicit_bzero(text, sizeof(text));
    return rc;
}

/* ---------------------------------------------------------- open, close */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_start(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static enum err
open_http(struct vault_client *c, const char *token)
{
    if (!token || !*token)
        return err_fail(ERR_CONFIG, "vault %s: a token is needed", c->url);
    enum err rc = token_check("(given)", token, strlen(token));
    if (rc)
        return rc;
    snprintf(c->base, sizeof(c->base), "%s", c->url);
    size_t n = strlen(c->base);
    while (n && c->base[n - 1] == '/')
        c->base[--n] = '\0';
    snprintf(c->auth, sizeof(c->auth), "Authorization: Bearer %s", token);
    pthread_once(&curl_once, curl_start);
    c->curl = curl_easy_init();
    if (!c->curl)
        abort(); /* allocation failure */
    return ERR_OK;
}

enum err
vault_client_open(const char *url, const char *token, struct vault_client **out)
{
    *out = NULL;
    if (!url || strlen(url) >= VAULT_URL_MAX)
        return err_fail(ERR_CONFIG, "vault URL missing or too long");
    struct vault_client *c = xcalloc(1, sizeof(*c));
    snprintf(c->url, sizeof(c->url), "%s", url);
    c->attempts = 5;
    c->base_ms = 200;
    enum err rc;
    if (strncmp(url, "file://", 7) == 0)
        rc = url[7] == '/' ? vault_dir_open(url + 7, &c->dir)
                           : err_fail(ERR_CONFIG,
                                      "vault %s: file:// needs an absolute "
                                      "path (file:///srv/vault)",
                                      url);
    else if (strncmp(url, "http://", 7) == 0 ||
             strncmp(url, "https://", 8) == 0)
        rc = open_http(c, token);
    else
        rc = err_fail(ERR_CONFIG,
                      "vault %s: the URL must start with http://, https:// "
                      "or file:///",
                      url);
    if (rc) {
        vault_client_close(c);
        return rc;
    }
    *out = c;
    return ERR_OK;
}

void
vault_client_close(struct vault_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    vault_dir_close(c->dir);
    explicit_bzero(c->auth, sizeof(c->auth));
    free(c);
}

void
vault_client_set_retry(struct vault_client *c, int attempts, int base_ms)
{
    c->attempts = attempts < 1 ? 1 : attempts;
    c->base_ms = base_ms < 1 ? 1 : base_ms;
}

const char *
vault_client_url(const struct vault_client *c)
{
    return c->url;
}

/* ---------------------------------------------------------------- HTTP */

struct http_call {
    CURL *curl;
    const char *method; /* GET, HEAD, PUT */
    char path[512];
    const char *ctype; /* PUT body type */
    int in_fd;         /* PUT body from a file, or */
    const char *in_mem;
    uint64_t in_len, in_off;
    seal_sink_fn sink; /* 2xx body, or */
    void *arg;
    enum err (*restart)(void *arg); /* rewind the sink, NULL = cannot */
    struct buf *out;                /* 2xx body (bounded by out->max) */
    size_t out_start;
    struct seal_hash *h; /* of the sink's bytes */
    uint64_t delivered;
    enum err sink_rc;
    struct buf err; /* non-2xx body */
    long status;
    curl_off_t length; /* Content-Length of a HEAD answer */
};

static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
    struct http_call *x = arg;
    size_t n = size * nmemb;
    long st = 0;
    curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &st);
    if (st < 200 || st > 299) {
        if (x->err.len + n <= x->err.max)
            buf_append(&x->err, p, n);
        return n;
    }
    if (x->sink) {
        if (x->h)
            seal_hash_update(x->h, p, n);
        x->delivered += n;
        x->sink_rc = x->sink(x->arg, p, n);
        return x->sink_rc ? 0 : n;
    }
    if (x->out && (x->sink_rc = buf_append(x->out, p, n)))
        return 0;
    return n;
}

static size_t
on_read(char *p, size_t size, size_t nmemb, void *arg)
{
    struct http_call *x = arg;
    size_t n = size * nmemb;
    if (x->in_mem) {
        uint64_t left = x->in_len - x->in_off;
        if (n > left)
            n = (size_t)left;
        memcpy(p, x->in_mem + x->in_off, n);
        x->in_off += n;
        return n;
    }
    ssize_t r = read(x->in_fd, p, n);
    return r < 0 ? CURL_READFUNC_ABORT : (size_t)r;
}

static int
on_seek(void *arg, curl_off_t off, int origin)
{
    struct http_call *x = arg;
    if (origin != SEEK_SET || off < 0)
        return CURL_SEEKFUNC_CANTSEEK;
    if (x->in_mem) {
        x->in_off = (uint64_t)off;
        return CURL_SEEKFUNC_OK;
    }
    return lseek(x->in_fd, (off_t)off, SEEK_SET) < 0 ? CURL_SEEKFUNC_FAIL
                                                     : CURL_SEEKFUNC_OK;
}

/* The enum err whose code the vault sent, or one by status. */
static enum err
from_status(long status, const char *code)
{
    static const enum err known[] = {
        ERR_VAULT_UNAUTHORIZED,
        ERR_VAULT_BAD_NAME,
        ERR_VAULT_OBJECT_EXISTS,
        ERR_VAULT_HASH_MISMATCH,
        ERR_VAULT_OBJECT_NOT_FOUND,
        ERR_VAULT_MANIFEST_EXISTS,
        ERR_VAULT_MANIFEST_GAP,
        ERR_VAULT_MANIFEST_NOT_FOUND,
        ERR_VAULT_MANIFEST_INVALID,
        ERR_VAULT_SIGNATURE,
        ERR_HTTP_NOT_FOUND,
        ERR_HTTP_METHOD,
        ERR_HTTP_BODY_TOO_LARGE,
        ERR_IO,
        ERR_INTERNAL,
    };
    for (size_t i = 0; code && i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(err_code(known[i]), code) == 0)
            return known[i];
    switch (status) {
    case 401:
        return ERR_VAULT_UNAUTHORIZED;
    case 404:
        return ERR_NOT_FOUND;
    case 409:
        return ERR_CONFLICT;
    case 413:
        return ERR_HTTP_BODY_TOO_LARGE;
    default:
        return status >= 500 ? ERR_VAULT_UNAVAILABLE : ERR_INVALID;
    }
}

static enum err
problem(const struct vault_client *c, const struct http_call *x)
{
    json_t *j = json_loadb(x->err.data ? x->err.data : "", x->err.len, 0, NULL);
    const char *code = json_string_value(json_object_get(j, "code"));
    const char *detail = json_string_value(json_object_get(j, "detail"));
    enum err e = from_status(x->status, code);
    err_fail(e, "vault %s: %s %s: %ld %s", c->url, x->method, x->path,
             x->status,
             detail ? detail
             : code ? code
                    : "");
    json_decref(j);
    return e;
}

static bool
transient_status(long st)
{
    return st == 429 || st == 500 || st == 502 || st == 503 || st == 504;
}

static bool
transient_curl(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

static void
set_options(struct vault_client *c, struct http_call *x, struct curl_slist *h,
            char *errbuf)
{
    char url[VAULT_URL_MAX + 600];
    CURL *k = c->curl;
    curl_easy_reset(k);
    snprintf(url, sizeof(url), "%s%s", c->base, x->path);
    curl_easy_setopt(k, CURLOPT_URL, url);
    curl_easy_setopt(k, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(k, CURLOPT_LOW_SPEED_LIMIT, 1L); /* stalled 60 s */
    curl_easy_setopt(k, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(k, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(k, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(k, CURLOPT_WRITEDATA, x);
    if (strcmp(x->method, "HEAD") == 0)
        curl_easy_setopt(k, CURLOPT_NOBODY, 1L);
    if (x->sink) /* a download: fewer, larger writes into the open */
        curl_easy_setopt(k, CURLOPT_BUFFERSIZE, (long)IO_BYTES);
    if (strcmp(x->method, "PUT") == 0) {
        curl_easy_setopt(k, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(k, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(k, CURLOPT_READDATA, x);
        curl_easy_setopt(k, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(k, CURLOPT_SEEKDATA, x);
        curl_easy_setopt(k, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->in_len);
    }
}

/* One try. *transient says whether another may succeed. */
static enum err
attempt(struct vault_client *c, struct http_call *x, bool *transient)
{
    char errbuf[CURL_ERROR_SIZE] = "", ctype[128];
    struct curl_slist *h = curl_slist_append(NULL, c->auth);
    if (x->ctype) {
        snprintf(ctype, sizeof(ctype), "Content-Type: %s", x->ctype);
        h = curl_slist_append(h, ctype);
    }
    set_options(c, x, h, errbuf);
    CURLcode cr = curl_easy_perform(c->curl);
    curl_slist_free_all(h);
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &x->status);
    *transient = false;
    if (x->sink_rc)
        return x->sink_rc;
    if (cr != CURLE_OK) {
        *transient = transient_curl(cr);
        return err_fail(*transient ? ERR_VAULT_UNAVAILABLE : ERR_IO,
                        "vault %s: %s %s: %s", c->url, x->method, x->path,
                        errbuf[0] ? errbuf : curl_easy_strerror(cr));
    }
    if (x->status >= 200 && x->status <= 299) {
        curl_easy_getinfo(c->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
                          &x->length);
        return ERR_OK;
    }
    *transient = transient_status(x->status);
    enum err rc = problem(c, x);
    if (*transient)
        rc = err_fail(ERR_VAULT_UNAVAILABLE, "%s", err_detail());
    return rc;
}

static void
backoff(const struct vault_client *c, int n)
{
    long ms = c->base_ms;
    for (int i = 1; i < n && ms < BACKOFF_MAXMS; i++)
        ms *= 2;
    if (ms > BACKOFF_MAXMS)
        ms = BACKOFF_MAXMS;
    unsigned jitter;
    rand_bytes(&jitter, sizeof(jitter));
    ms = ms / 2 + (long)(jitter % (unsigned)(ms / 2 + 1)); /* 50-100 % */
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Rewind everything an attempt changed; false when it cannot be. */
static bool
rewind_call(struct http_call *x)
{
    if (x->delivered) {
        if (!x->restart || x->restart(x->arg))
            return false;
        if (x->h) {
            char junk[SEAL_NAME_HEX];
            seal_hash_final(x->h, junk);
            x->h = seal_hash_new();
        }
        x->delivered = 0;
    }
    if (x->out) {
        x->out->len = x->out_start;
        if (x->out->data)
            x->out->data[x->out_start] = '\0';
    }
    buf_reset(&x->err);
    x->in_off = 0;
    if (!x->in_mem && x->in_len && lseek(x->in_fd, 0, SEEK_SET) < 0)
        return false;
    return true;
}

static enum err
call(struct vault_client *c, struct http_call *x)
{
    x->curl = c->curl;
    buf_init(&x->err, ERR_BODY_MAX);
    if (x->out)
        x->out_start = x->out->len;
    enum err rc;
    for (int n = 1;; n++) {
        bool transient;
        rc = attempt(c, x, &transient);
        if (!transient || n >= c->attempts || !rewind_call(x))
            break;
        log_msg(LOG_WARN, "vault.retry", "%s (attempt %d of %d)", err_detail(),
                n, c->attempts);
        backoff(c, n);
    }
    buf_free(&x->err);
    return rc;
}

/* ------------------------------------------------------------- objects */

static enum err
check_object_name(const char *name)
{
    return seal_name_valid(name)
               ? ERR_OK
               : err_fail(ERR_VAULT_BAD_NAME, "'%.80s' is not an object name",
                          name);
}

enum err
vault_client_put_object(struct vault_client *c, const char *name,
                        const char *path)
{
    enum err rc = check_object_name(name);
    if (rc || c->dir)
        return rc ? rc : vault_dir_put_object_file(c->dir, name, path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        rc = err_fail(ERR_IO, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return rc;
    }
    struct http_call x = {.method = "PUT",
                          .ctype = "application/octet-stream",
                          .in_fd = fd,
                          .in_len = (uint64_t)st.st_size};
    snprintf(x.path, sizeof(x.path), "/objects/%s", name);
    rc = call(c, &x);
    close(fd);
    return rc;
}

enum err
vault_client_has_object(struct vault_client *c, const char *name, bool *present,
                        uint64_t *bytes)
{
    enum err rc = check_object_name(name);
    if (rc || c->dir)
        return rc ? rc : vault_dir_has_object(c->dir, name, present, bytes);
    struct http_call x = {.method = "HEAD"};
    snprintf(x.path, sizeof(x.path), "/objects/%s", name);
    rc = call(c, &x);
    *present = rc == ERR_OK;
    if (bytes)
        *bytes = *present && x.length > 0 ? (uint64_t)x.length : 0;
    if (rc == ERR_VAULT_OBJECT_NOT_FOUND || rc == ERR_NOT_FOUND) {
        err_clear();
        return ERR_OK;
    }
    return rc;
}

/* file:// download: read the object file through the hash into sink. */
static enum err
dir_get(struct vault_client *c, const char *name, struct seal_hash *h,
        seal_sink_fn sink, void *arg)
{
    int fd;
    uint64_t bytes;
    enum err rc = vault_dir_open_object(c->dir, name, &fd, &bytes);
    if (rc)
        return rc;
    char *b = xmalloc(IO_BYTES);
    ssize_t n;
    while (!rc && (n = read(fd, b, IO_BYTES)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = err_fail(ERR_IO, "object %.16s…: %s", name, strerror(errno));
            break;
        }
        seal_hash_update(h, b, (size_t)n);
        rc = sink(arg, b, (size_t)n);
    }
    free(b);
    close(fd);
    return rc;
}

static enum err
get_object(struct vault_client *c, const char *name, seal_sink_fn sink,
           void *arg, enum err (*restart)(void *))
{
    enum err rc = check_object_name(name);
    if (rc)
        return rc;
    struct http_call x = {.method = "GET",
                          .sink = sink,
                          .arg = arg,
                          .restart = restart,
                          .h = seal_hash_new()};
    snprintf(x.path, sizeof(x.path), "/objects/%s", name);
    rc = c->dir ? dir_get(c, name, x.h, sink, arg) : call(c, &x);
    char got[SEAL_NAME_HEX];
    seal_hash_final(x.h, got);
    if (!rc && strcmp(got, name) != 0)
        rc = err_fail(ERR_VAULT_HASH_MISMATCH,
                      "vault %s: object %.16s… came back with bytes that "
                      "hash to %.16s… (altered in the vault or on the way)",
                      c->url, name, got);
    return rc;
}

enum err
vault_client_get_object(struct vault_client *c, const char *name,
                        seal_sink_fn sink, void *arg)
{
    return get_object(c, name, sink, arg, NULL);
}

static enum err
file_sink(void *arg, const void *p, size_t n)
{
    int fd = *(int *)arg;
    const char *s = p;
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return err_fail(ERR_IO, "write: %s", strerror(errno));
        s += w;
        n -= (size_t)w;
    }
    return ERR_OK;
}

static enum err
file_restart(void *arg)
{
    int fd = *(int *)arg;
    if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) < 0)
        return err_fail(ERR_IO, "rewind: %s", strerror(errno));
    return ERR_OK;
}

enum err
vault_client_get_object_file(struct vault_client *c, const char *name,
                             const char *path)
{
    char part[4200];
    snprintf(part, sizeof(part), "%s.part", path);
    if (access(path, F_OK) == 0)
        return err_fail(ERR_CONFLICT, "%s exists", path);
    int fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_fail(ERR_IO, "%s: %s", part, strerror(errno));
    enum err rc = get_object(c, name, file_sink, &fd, file_restart);
    if (!rc && fsync(fd) != 0)
        rc = err_fail(ERR_IO, "%s: fsync: %s", part, strerror(errno));
    close(fd);
    if (!rc && rename(part, path) != 0)
        rc = err_fail(ERR_IO, "%s: %s", path, strerror(errno));
    if (rc)
        unlink(part);
    return rc;
}

/* ----------------------------------------------------------- manifests */

static enum err
check_store_seq(const char *store, int64_t seq)
{
    if (!vault_store_id_valid(store) || seq < 1 || seq > VAULT_SEQ_MAX)
        return err_fail(ERR_VAULT_BAD_NAME,
                        "store '%.80s' or sequence %lld is malformed", store,
                        (long long)seq);
    return ERR_OK;
}

enum err
vault_client_get_manifest(struct vault_client *c, const char *store,
                          int64_t seq, struct buf *out)
{
    enum err rc = check_store_seq(store, seq);
    if (rc || c->dir)
        return rc ? rc : vault_dir_get_manifest(c->dir, store, seq, out);
    struct http_call x = {.method = "GET", .out = out};
    snprintf(x.path, sizeof(x.path), "/manifests/%s/%lld", store,
             (long long)seq);
    return call(c, &x);
}

/* The same bytes stored already: a retry whose first answer was lost. */
static bool
same_manifest(struct vault_client *c, const char *store, int64_t seq,
              const char *p, size_t n)
{
    struct buf b;
    buf_init(&b, MANIFEST_MAX_BYTES);
    bool same = vault_client_get_manifest(c, store, seq, &b) == ERR_OK &&
                b.len == n && memcmp(b.data, p, n) == 0;
    buf_free(&b);
    return same;
}

enum err
vault_client_put_manifest(struct vault_client *c, const char *store,
                          int64_t seq, const char *p, size_t n)
{
    enum err rc = check_store_seq(store, seq);
    if (rc)
        return rc;
    if (c->dir) {
        rc = vault_dir_put_manifest(c->dir, store, seq, p, n);
    } else {
        struct http_call x = {.method = "PUT",
                              .ctype = "application/json",
                              .in_mem = p ? p : "",
                              .in_len = n};
        snprintf(x.path, sizeof(x.path), "/manifests/%s/%lld", store,
                 (long long)seq);
        rc = call(c, &x);
    }
    if (rc == ERR_VAULT_MANIFEST_EXISTS) {
        char detail[512];
        snprintf(detail, sizeof(detail), "%s", err_detail());
        if (same_manifest(c, store, seq, p, n)) {
            err_clear();
            return ERR_OK;
        }
        rc = err_fail(rc, "%s", detail);
    }
    return rc;
}

/* GET path as JSON into *out. */
static enum err
get_json(struct vault_client *c, const char *path, json_t **out)
{
    struct buf b;
    buf_init(&b, LIST_MAX);
    struct http_call x = {.method = "GET", .out = &b};
    snprintf(x.path, sizeof(x.path), "%s", path);
    enum err rc = call(c, &x);
    if (!rc && json_parse(b.data ? b.data : "", b.len, out))
        rc = err_fail(ERR_VAULT_UNAVAILABLE, "vault %s: GET %s: not JSON",
                      c->url, path);
    buf_free(&b);
    return rc;
}

enum err
vault_client_list_manifests(struct vault_client *c, const char *store,
                            struct vault_manifest_ref **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!vault_store_id_valid(store))
        return err_fail(ERR_VAULT_BAD_NAME, "store '%.80s' is malformed",
                        store);
    if (c->dir)
        return vault_dir_list_manifests(c->dir, store, out, n);
    char path[128];
    json_t *j;
    snprintf(path, sizeof(path), "/manifests/%s", store);
    enum err rc = get_json(c, path, &j);
    if (rc)
        return rc;
    json_t *a = json_object_get(j, "manifests");
    size_t i;
    json_t *v;
    *out = xcalloc(json_array_size(a) + 1, sizeof(**out));
    json_array_foreach(a, i, v)
    {
        struct vault_manifest_ref *m = &(*out)[(*n)++];
        m->seq = json_integer_value(json_object_get(v, "seq"));
        m->bytes = (uint64_t)json_integer_value(json_object_get(v, "bytes"));
        const char *hash = json_string_value(json_object_get(v, "hash"));
        snprintf(m->hash, sizeof(m->hash), "%s", hash ? hash : "");
    }
    json_decref(j);
    return ERR_OK;
}

enum err
vault_client_list_stores(struct vault_client *c, struct vault_store_ref **out,
                         size_t *n)
{
    *out = NULL;
    *n = 0;
    if (c->dir)
        return vault_dir_list_stores(c->dir, out, n);
    json_t *j;
    enum err rc = get_json(c, "/stores", &j);
    if (rc)
        return rc;
    json_t *a = json_object_get(j, "stores");
    size_t i;
    json_t *v;
    *out = xcalloc(json_array_size(a) + 1, sizeof(**out));
    json_array_foreach(a, i, v)
    {
        const char *id = json_string_value(json_object_get(v, "store"));
        if (!vault_store_id_valid(id))
            continue;
        struct vault_store_ref *s = &(*out)[(*n)++];
        snprintf(s->id, sizeof(s->id), "%s", id);
        s->last_seq = json_integer_value(json_object_get(v, "last_seq"));
        s->manifests =
            (uint64_t)json_integer_value(json_object_get(v, "manifests"));
    }
    json_decref(j);
    return ERR_OK;
}
