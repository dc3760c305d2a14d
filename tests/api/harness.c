/*
 * harness.c — start/stop a real server, HTTP helpers, CLI runner.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

const char *
bin_path(void)
{
    const char *b = getenv("PILOTLIGHT_BIN");
    return b ? b : "./build/pilotlight";
}

const char *
src_path(void)
{
    const char *s = getenv("PILOTLIGHT_SRC");
    return s ? s : ".";
}

static int
free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t len = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

void
server_prepare(struct server *s)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->dir, sizeof(s->dir), "/tmp/pl-api-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->data, sizeof(s->data), "%s/data", s->dir);
    snprintf(s->log, sizeof(s->log), "%s/serve.log", s->dir);
}

static void
wait_healthy(struct server *s)
{
    for (int i = 0; i < 400; i++) {
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            char *log = slurp(s->log);
            fprintf(stderr, "server exited during start-up:\n%s\n",
                    log ? log : "");
            free(log);
            fail();
        }
        static const char req[] = "GET /healthz HTTP/1.1\r\nHost: t\r\n"
                                  "Connection: close\r\n\r\n";
        char buf[512];
        size_t n =
            raw_exchange(s->port, req, strlen(req), buf, sizeof(buf), 500);
        if (n && strstr(buf, " 200 "))
            return;
        usleep(25000);
    }
    fail_msg("server did not become healthy");
}

/* Run argv (the binary first) as s's process, stderr to s->log, and wait
 * until /healthz answers on s->port. */
static void
spawn(struct server *s, const char *const *argv)
{
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        dup2(fd, 2);
        close(fd);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    wait_healthy(s);
}

/* serve on s->port with extra args. */
static void
serve_on(struct server *s, const char *const *extra)
{
    char port[16], web[4096];
    snprintf(port, sizeof(port), "%d", s->port);
    snprintf(web, sizeof(web), "%s/web", src_path());
    const char *argv[48] = {bin_path(), "serve", "--data", s->data,
                            "--port",   port,    "--web",  web};
    int argc = 8;
    for (int i = 0; extra && extra[i] && argc < 46; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    spawn(s, argv);
}

void
server_start(struct server *s, const char *const *extra)
{
    s->port = free_port();
    serve_on(s, extra);
}

void
server_restart(struct server *s, const char *const *extra)
{
    serve_on(s, extra);
}

void
server_token_file(const struct server *s, const char *token, char *path,
                  size_t n)
{
    snprintf(path, n, "%s/token", s->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", token);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
}

void
ingest_start(struct server *g, const struct server *s, const char *token_file,
             const char *const *extra)
{
    char port[16], serve[64];
    if (!g->port) { /* first start: a port and a log of its own */
        memset(g, 0, sizeof(*g));
        g->port = free_port();
        snprintf(g->data, sizeof(g->data), "%s", s->data);
        snprintf(g->log, sizeof(g->log), "%s/ingest.log", s->dir);
    }
    snprintf(port, sizeof(port), "%d", g->port);
    snprintf(serve, sizeof(serve), "http://127.0.0.1:%d", s->port);
    const char *argv[48] = {bin_path(),     "ingest",
                            "--data",       g->data,
                            "--port",       port,
                            "--serve",      token_file ? serve : "",
                            "--token-file", token_file ? token_file : ""};
    int argc = 10;
    for (int i = 0; extra && extra[i] && argc < 46; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    spawn(g, argv);
}

void
server_up(struct server *s)
{
    server_prepare(s);
    server_start(s, NULL);
}

int
server_signal_wait(struct server *s, int sig)
{
    int status = 0;
    if (s->pid <= 0)
        return -1;
    kill(s->pid, sig);
    for (int i = 0; i < 3000; i++) { /* 30 s */
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = 0;
            return WIFEXITED(status) ? WEXITSTATUS(status)
                                     : 128 + WTERMSIG(status);
        }
        usleep(10000);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &status, 0);
    s->pid = 0;
    return -1;
}

bool
server_alive(struct server *s)
{
    int status;
    return s->pid > 0 && waitpid(s->pid, &status, WNOHANG) == 0;
}

void
server_down(struct server *s)
{
    int rc = server_signal_wait(s, SIGTERM);
    if (rc != 0 && rc != -1) {
        char *log = slurp(s->log);
        fprintf(stderr, "server exit status %d; log:\n%s\n", rc,
                log ? log : "");
        free(log);
    }
    rm_rf(s->dir);
}

struct sink {
    char *p;
    size_t n;
};

static size_t
sink_write(char *p, size_t size, size_t nmemb, void *arg)
{
    struct sink *k = arg;
    size_t n = size * nmemb;
    k->p = realloc(k->p, k->n + n + 1);
    memcpy(k->p + k->n, p, n);
    k->n += n;
    k->p[k->n] = '\0';
    return n;
}

/* Fill out from a finished curl handle and the sinks. */
static void
finish(CURL *c, CURLcode rc, const char *what, struct sink *b, struct sink *h,
       struct http *out)
{
    if (rc != CURLE_OK)
        fail_msg("%s: %s", what, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    out->body = b->p ? b->p : calloc(1, 1);
    out->len = b->n;
    out->headers = h->p ? h->p : calloc(1, 1);
    out->json = json_loadb(out->body, out->len, 0, NULL);
}

static void
setup_handle(CURL *c, struct server *s, const char *method, const char *path,
             const char *body, size_t len, struct curl_slist *list,
             struct sink *b, struct sink *h)
{
    char url[4096];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    /* back to a plain GET first: a reused handle must not keep the last
     * request's POST mode (a body-less DELETE would then wait for a body) */
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0 ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink_write);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
}

void
http_req(struct server *s, const char *method, const char *path,
         const char *ctype, const char *body, size_t len, struct http *out)
{
    memset(out, 0, sizeof(*out));
    CURL *c = curl_easy_init();
    char hdr[256];
    struct sink b = {0}, h = {0};
    struct curl_slist *list = NULL;
    if (ctype) {
        snprintf(hdr, sizeof(hdr), "Content-Type: %s", ctype);
        list = curl_slist_append(list, hdr);
    }
    list = curl_slist_append(list, "Expect:");
    setup_handle(c, s, method, path, body, len, list, &b, &h);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(list);
    finish(c, rc, path, &b, &h, out);
    curl_easy_cleanup(c);
}

void
http_req_headers(struct server *s, const char *method, const char *path,
                 const char *const *headers, const char *body, size_t len,
                 struct http *out)
{
    memset(out, 0, sizeof(*out));
    CURL *c = curl_easy_init();
    struct sink b = {0}, h = {0};
    struct curl_slist *list = curl_slist_append(NULL, "Expect:");
    for (int i = 0; headers && headers[i]; i++)
        list = curl_slist_append(list, headers[i]);
    setup_handle(c, s, method, path, body, len, list, &b, &h);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(list);
    finish(c, rc, path, &b, &h, out);
    curl_easy_cleanup(c);
}

void
client_init(struct client *cl)
{
    memset(cl, 0, sizeof(*cl));
    cl->curl = curl_easy_init();
    curl_easy_setopt(cl->curl, CURLOPT_COOKIEFILE, ""); /* cookie engine */
}

void
client_free(struct client *cl)
{
    curl_easy_cleanup(cl->curl);
    cl->curl = NULL;
}

bool
client_cookie(struct client *cl, const char *name, char *out, size_t n)
{
    struct curl_slist *list = NULL;
    bool found = false;
    curl_easy_getinfo(cl->curl, CURLINFO_COOKIELIST, &list);
    for (struct curl_slist *p = list; p && !found; p = p->next) {
        /* Netscape format: 7 tab-separated fields, name and value last */
        const char *f = p->data;
        for (int i = 0; i < 5 && f; i++) {
            f = strchr(f, '\t');
            f = f ? f + 1 : NULL;
        }
        size_t len = strlen(name);
        if (f && !strncmp(f, name, len) && f[len] == '\t') {
            snprintf(out, n, "%s", f + len + 1);
            found = true;
        }
    }
    curl_slist_free_all(list);
    return found;
}

void
client_req(struct server *s, struct client *cl, const char *method,
           const char *path, const char *json, struct http *out)
{
    memset(out, 0, sizeof(*out));
    struct sink b = {0}, h = {0};
    struct curl_slist *list = curl_slist_append(NULL, "Expect:");
    char hdr[200];
    if (json)
        list = curl_slist_append(list, "Content-Type: application/json");
    if (cl->csrf[0]) {
        snprintf(hdr, sizeof(hdr), "X-CSRF-Token: %s", cl->csrf);
        list = curl_slist_append(list, hdr);
    }
    if (cl->extra_header)
        list = curl_slist_append(list, cl->extra_header);
    setup_handle(cl->curl, s, method, path, json, json ? strlen(json) : 0, list,
                 &b, &h);
    curl_easy_setopt(cl->curl, CURLOPT_INTERFACE, cl->source_ip);
    CURLcode rc = curl_easy_perform(cl->curl);
    curl_slist_free_all(list);
    finish(cl->curl, rc, path, &b, &h, out);
    const char *csrf = json_string_value(json_object_get(out->json, "csrf"));
    if (csrf)
        snprintf(cl->csrf, sizeof(cl->csrf), "%s", csrf);
}

void
client_req_body(struct server *s, struct client *cl, const char *method,
                const char *path, const char *ctype, const char *body,
                size_t len, struct http *out)
{
    memset(out, 0, sizeof(*out));
    struct sink b = {0}, h = {0};
    struct curl_slist *list = curl_slist_append(NULL, "Expect:");
    char hdr[200];
    snprintf(hdr, sizeof(hdr), "Content-Type: %s", ctype);
    list = curl_slist_append(list, hdr);
    if (cl->csrf[0]) {
        snprintf(hdr, sizeof(hdr), "X-CSRF-Token: %s", cl->csrf);
        list = curl_slist_append(list, hdr);
    }
    if (cl->extra_header)
        list = curl_slist_append(list, cl->extra_header);
    setup_handle(cl->curl, s, method, path, body, len, list, &b, &h);
    curl_easy_setopt(cl->curl, CURLOPT_INTERFACE, cl->source_ip);
    CURLcode rc = curl_easy_perform(cl->curl);
    curl_slist_free_all(list);
    finish(cl->curl, rc, path, &b, &h, out);
}

void
http_get(struct server *s, const char *path, struct http *out)
{
    http_req(s, "GET", path, NULL, NULL, 0, out);
}

const char *
http_header(const struct http *h, const char *name)
{
    static char value[1024];
    char key[128];
    snprintf(key, sizeof(key), "\n%s:", name);
    const char *p = strcasestr(h->headers, key);
    if (!p)
        return NULL;
    p += strlen(key);
    while (*p == ' ')
        p++;
    size_t n = strcspn(p, "\r\n");
    snprintf(value, sizeof(value), "%.*s", (int)n, p);
    return value;
}

void
http_free(struct http *h)
{
    free(h->body);
    free(h->headers);
    json_decref(h->json);
    memset(h, 0, sizeof(*h));
}

bool
has_japanese(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

void
assert_problem(const struct http *h, long status, const char *code)
{
    assert_int_equal(h->status, status);
    const char *ct = http_header(h, "content-type");
    assert_non_null(ct);
    assert_non_null(strstr(ct, "application/problem+json"));
    assert_non_null(h->json);
    assert_string_equal(json_string_value(json_object_get(h->json, "code")),
                        code);
    assert_int_equal(json_integer_value(json_object_get(h->json, "status")),
                     status);
    const char *title = json_string_value(json_object_get(h->json, "title"));
    assert_non_null(title);
    assert_true(has_japanese(title));
    assert_non_null(json_string_value(json_object_get(h->json, "type")));
    assert_non_null(json_object_get(h->json, "detail"));
}

int
raw_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

size_t
raw_exchange(int port, const char *req, size_t n, char *out, size_t outlen,
             int timeout_ms)
{
    out[0] = '\0';
    int fd = raw_connect(port);
    if (fd < 0)
        return 0;
    if (n && send(fd, req, n, MSG_NOSIGNAL) < 0) {
        close(fd);
        return 0;
    }
    size_t got = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (got + 1 < outlen && poll(&p, 1, timeout_ms) > 0) {
        ssize_t r = recv(fd, out + got, outlen - 1 - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    out[got] = '\0';
    close(fd);
    return got;
}

static char *
read_fd(int fd)
{
    size_t n = 0, cap = 4096;
    char *p = malloc(cap);
    ssize_t r;
    while ((r = read(fd, p + n, cap - n - 1)) > 0) {
        n += (size_t)r;
        if (cap - n < 2)
            p = realloc(p, cap *= 2);
    }
    p[n] = '\0';
    return p;
}

int
cli_run(const char *const *args, char **out, char **err)
{
    char opath[] = "/tmp/pl-cli-out-XXXXXX", epath[] = "/tmp/pl-cli-err-XXXXXX";
    int ofd = mkstemp(opath), efd = mkstemp(epath);
    const char *argv[64] = {bin_path()};
    int argc = 1;
    for (int i = 0; args[i] && argc < 63; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(ofd, 1);
        dup2(efd, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    lseek(ofd, 0, SEEK_SET);
    lseek(efd, 0, SEEK_SET);
    *out = read_fd(ofd);
    *err = read_fd(efd);
    close(ofd);
    close(efd);
    unlink(opath);
    unlink(epath);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

char *
slurp(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    char *p = read_fd(fd);
    close(fd);
    return p;
}

void
rm_rf(const char *path)
{
    if (strncmp(path, "/tmp/pl-", 8) != 0)
        return; /* never outside our own temp dirs */
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", path, (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
}
