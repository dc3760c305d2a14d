/*
 * server.h — `pilotlight serve`: the HTTP server for the console and API.
 *
 * libmicrohttpd with epoll and an internal thread pool. Every limit is set
 * explicitly (the library's defaults include no connection timeout and no
 * per-IP limit): body size (per route override), header/connection memory,
 * connection timeout, connections per IP, total connections; strict HTTP
 * parsing. SIGINT/SIGTERM stop accepting, let in-flight requests finish
 * (up to --drain-timeout), then exit 0.
 */
#ifndef PL_HTTP_SERVER_H
#define PL_HTTP_SERVER_H

#include "core/config.h"

#include <stdbool.h>
#include <stddef.h>

struct serve_opts {
    char data[4096];
    char bind[64];
    long long port;
    char web[4096];
    long long threads;
    size_t body_max;
    size_t conn_memory;
    long long conn_timeout;
    long long per_ip;
    long long conn_max;
    long long drain_timeout;
    long long tenant_cache;
    char log_level[8];
    bool access_log;
    bool secure_cookies;
    long long session_idle; /* minutes */
    long long session_max;  /* hours */
    long long hash_slots;   /* concurrent Argon2id */
    long long step_up;      /* seconds a TOTP counts as fresh */
    long long login_rate;   /* sign-in attempts per IP per minute */
    char smtp_url[256];     /* e-mail relay for notices, \"\" = none */
    char mail_from[256];    /* From: of those e-mails */
    bool webhook_private;   /* allow webhooks to private addresses */
    bool trust_proxy;       /* take the client address from X-Forwarded-For */
    char internal_token_file[4096]; /* ingest's shared secret, "" = none */
    long long remote_op_ttl;        /* seconds to approve, then to confirm */
};

/* The option table of `serve` (and `demo`, with other defaults). */
extern const struct opt serve_opts_table[];

/* Called once the server listens: the port actually bound. */
typedef void (*serve_ready_fn)(const struct serve_opts *o, int port, void *arg);

/*
 * Run until SIGINT/SIGTERM; then drain and return ERR_OK. Start-up failures
 * (bad address, port in use, unusable data dir) return an error with detail.
 */
enum err serve_run(const struct serve_opts *o, serve_ready_fn ready, void *arg);

/* Check --bind and --web without touching anything (for callers that have
 * work to do before serve_run, like demo's seeding). */
enum err serve_check(const struct serve_opts *o);

/* Resolve the web root: the flag if given, else ./web, else next to the
 * binary (../web, ../share/pilotlight/web). ERR_CONFIG when none exists. */
enum err server_resolve_web(const char *flag, char *out, size_t n);

/*
 * A server for an API of its own, without the console (`pilotlight
 * ingest`): listen as o says (bind, port, threads, limits, access log)
 * and serve tables (NULL-ended route tables) only. One per process, like
 * serve's. *port is the bound port. ERR_CONFIG for a bad address, ERR_IO
 * when it cannot listen.
 */
struct route;
enum err server_api_start(const struct serve_opts *o,
                          const struct route *const *tables, int *port);
/* Stop accepting, let in-flight requests finish (--drain-timeout), stop. */
void server_api_stop(void);

/* `pilotlight serve` entry point (argv without the subcommand). */
int serve_main(int argc, char **argv);

#endif
