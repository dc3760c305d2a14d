/*
 * vault_http.h — `pilotlight vault`: a vault_dir served over HTTP.
 *
 * Its own process, data directory, port and token; nothing of serve's
 * stack (no sessions, tenants, stores): meant to run on another host under
 * another user. The only calls (everything else is 404, or 405 with Allow):
 *
 *   GET  /healthz                      {"status":"ok"}; no token needed
 *   PUT  /objects/{hash}               body = sealed bytes; 201, 409, 422
 *   GET  /objects/{hash}, HEAD         the bytes (Content-Length, ETag)
 *   PUT  /manifests/{store}/{seq}      body = signed manifest; 201, 409…
 *   GET  /manifests/{store}            {"store", "manifests": [{seq, hash,
 *                                       bytes}]}
 *   GET  /manifests/{store}/{seq}      the manifest's bytes
 *   GET  /stores                       {"stores": [{store, last_seq,
 *                                       manifests}]}
 *
 * There is no DELETE, no POST and no overwrite. Every call but /healthz
 * needs "Authorization: Bearer <token>", compared in constant time with the
 * token of --token-file (401 vault.unauthorized otherwise). Path segments
 * are not percent-decoded: a name or id holds only [a-z0-9_-], so any
 * encoding, dot or slash trick is refused (400 vault.bad_name or 404).
 * Bodies: objects up to --object-max, streamed to disk as they arrive
 * (memory stays small whatever their size); manifests up to
 * MANIFEST_MAX_BYTES. Errors are application/problem+json with the stable
 * code of core/err.h. One thread per connection: uploads fsync, and a slow
 * disk must not stall other clients.
 */
#ifndef PL_VAULT_VAULT_HTTP_H
#define PL_VAULT_VAULT_HTTP_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

struct vault_http_opts {
    char data[4096];
    char bind[64];
    long long port;
    char token_file[4096];
    size_t object_max;
    long long conn_timeout; /* seconds */
    long long conn_max;
    long long per_ip;
    char log_level[8];
    bool access_log;
    char status_data[4096]; /* a DATA dir for the heartbeat; "" = none */
};

/* Called once listening, with the port bound (useful with --port 0). */
typedef void (*vault_ready_fn)(int port, void *arg);

/*
 * Serve until SIGINT/SIGTERM, then stop and return ERR_OK. Start-up
 * failures (no vault in --data, bad token file, address in use) return an
 * error with detail and ERR_CONFIG for bad settings.
 */
enum err vault_http_run(const struct vault_http_opts *o, vault_ready_fn ready,
                        void *arg);

#endif
