/*
 * harness.h — API tests drive a real `pilotlight` process.
 *
 * server_start() makes a fresh data dir, picks a free loopback port, starts
 * `pilotlight serve` (PILOTLIGHT_BIN) with its stderr captured to a log file,
 * and waits until /healthz answers. Requests go over HTTP with libcurl;
 * raw_exchange() sends bytes curl would refuse to send. cli_run() runs the
 * binary as a command and captures its output.
 */
#ifndef PL_TESTS_HARNESS_H
#define PL_TESTS_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct server {
    pid_t pid;
    int port;
    char dir[256];  /* temp dir: data/, serve.log */
    char data[300]; /* data dir */
    char log[300];  /* the server's stderr */
};

struct http {
    long status;
    char *body;
    size_t len;
    char *headers; /* raw header block */
    json_t *json;  /* parsed body, when it is JSON */
};

/* The pilotlight binary under test and the source tree. */
const char *bin_path(void);
const char *src_path(void);

/* Make a temp dir for s (s->dir, s->data) without starting anything. */
void server_prepare(struct server *s);
/* Start serve on s->data with extra args (NULL-ended, may be NULL). */
void server_start(struct server *s, const char *const *extra);
/* Start serve again on s's data dir and port (after it was stopped). */
void server_restart(struct server *s, const char *const *extra);
/*
 * Start `pilotlight ingest` as g on s's data dir: a free port (kept on a
 * restart: call again with the same g), its stderr in s->dir/ingest.log,
 * forwarding to s with the internal token in token_file (NULL: --serve
 * "", everything stays in ingest's log). Stop it with server_signal_wait
 * (never server_down: its files belong to s).
 */
void ingest_start(struct server *g, const struct server *s,
                  const char *token_file, const char *const *extra);
/* Write token as s's internal token file (s->dir/token, readable by its
 * owner only, as serve requires) and its path into path (n bytes), for
 * serve's --internal-token-file and ingest_start(). */
void server_token_file(const struct server *s, const char *token, char *path,
                       size_t n);
/* Prepare + start with defaults. */
void server_up(struct server *s);
/* Send sig and wait; returns the exit status (or 128+signal). */
int server_signal_wait(struct server *s, int sig);
/* Stop (SIGTERM), wait, remove the temp dir. */
void server_down(struct server *s);
/* True if the process is still running. */
bool server_alive(struct server *s);

/* One HTTP request. body may be NULL. ctype NULL sends none. */
void http_req(struct server *s, const char *method, const char *path,
              const char *ctype, const char *body, size_t len,
              struct http *out);
void http_get(struct server *s, const char *path, struct http *out);
/* A request with extra headers ("Name: value", NULL-ended). */
void http_req_headers(struct server *s, const char *method, const char *path,
                      const char *const *headers, const char *body, size_t len,
                      struct http *out);
/* A browser-like client: keeps cookies, sends its CSRF token. */
struct client {
    void *curl;               /* CURL handle with a cookie engine */
    char csrf[128];           /* sent as X-CSRF-Token when set */
    const char *extra_header; /* one more request header, or NULL */
    const char *source_ip;    /* bind to this loopback address, or NULL */
};
void client_init(struct client *c);
void client_free(struct client *c);
/* A JSON request (body may be NULL). Picks up "csrf" from JSON answers. */
void client_req(struct server *s, struct client *c, const char *method,
                const char *path, const char *json, struct http *out);
/* A request with a raw body of len bytes sent as ctype (a file upload);
 * otherwise as client_req. */
void client_req_body(struct server *s, struct client *c, const char *method,
                     const char *path, const char *ctype, const char *body,
                     size_t len, struct http *out);

/* The value of the client's cookie name into out; false when absent. */
bool client_cookie(struct client *c, const char *name, char *out, size_t n);

/* Header value (first), case-insensitive name; NULL when absent. Static
 * buffer: copy it before the next call. */
const char *http_header(const struct http *h, const char *name);
void http_free(struct http *h);
/* True when s holds any non-ASCII character (a Japanese message). */
bool has_japanese(const char *s);
/* Assert h is problem+json with this status and code. */
void assert_problem(const struct http *h, long status, const char *code);

/* Connect, send n bytes, read until close or timeout_ms; returns bytes
 * read into out (NUL-terminated). */
size_t raw_exchange(int port, const char *req, size_t n, char *out,
                    size_t outlen, int timeout_ms);
/* Connect and return the socket (for tests that send in pieces). */
int raw_connect(int port);

/* Run `pilotlight args...`; returns the exit code; out and err get
 * malloc'd copies of stdout and stderr. */
int cli_run(const char *const *args, char **out, char **err);

/* Read a whole file (malloc'd, NUL-terminated); NULL if absent. */
char *slurp(const char *path);
/* rm -rf path. */
void rm_rf(const char *path);

#endif
