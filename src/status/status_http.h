/*
 * status_http.h — `pilotlight status`: the status page server.
 *
 * Its own small process (like the vault's server): it reads files under
 * DATA/status and nothing else, so it keeps answering while serve, the
 * stores or the whole app are down or being restored. Calls (GET or HEAD
 * only; anything else 405, unknown paths 404; the path is never used to
 * name a file):
 *
 *   GET /              the page (HTML, Japanese and English, refreshes)
 *   GET /status.json   the same content as JSON (status_view.c)
 *   GET /style.css     its stylesheet
 *   GET /healthz       {"status":"ok"}
 *
 * Public on purpose and read-only: no token, no cookie, no body accepted,
 * nothing tenant-specific in it. The content is rebuilt at most once a
 * second however many clients poll, so load on the disk stays flat.
 */
#ifndef PL_STATUS_STATUS_HTTP_H
#define PL_STATUS_STATUS_HTTP_H

#include "core/err.h"

#include <stdbool.h>

struct status_http_opts {
    char data[4096];
    char bind[64];
    long long port;
    long long stale;         /* seconds: heartbeat older = not responding */
    long long restore_stale; /* seconds: progress older = stalled */
    long long refresh;       /* seconds: the page's auto-refresh */
    char components[256];    /* shown even without a heartbeat */
    long long conn_max;
    long long per_ip;
    long long conn_timeout;
    char log_level[8];
};

/* Called once listening, with the port bound (useful with --port 0). */
typedef void (*status_ready_fn)(int port, void *arg);

/* Serve until SIGINT/SIGTERM, then return ERR_OK. ERR_CONFIG for bad
 * settings, ERR_IO when the address cannot be bound. */
enum err status_http_run(const struct status_http_opts *o,
                         status_ready_fn ready, void *arg);

#endif
