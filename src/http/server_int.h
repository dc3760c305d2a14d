/*
 * server_int.h — the server object shared by server.c and serve.c.
 */
#ifndef PL_HTTP_SERVER_INT_H
#define PL_HTTP_SERVER_INT_H

#include "http/server.h"

#include <limits.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>

struct router;

struct server {
    struct MHD_Daemon *d;
    struct router *rt;
    const struct serve_opts *o;
    char web_root[PATH_MAX]; /* real path, no trailing slash */
    atomic_int inflight;     /* requests between uri_log and completion */
    atomic_bool draining;
#ifdef PILOTLIGHT_BENCH
    struct MHD_Response *null_resp;
#endif
};

/* The process's server (one per process). */
struct server *server_current(void);
/* Bind, build routes and start the daemon; *port is the bound port. */
enum err server_start(struct server *s, const struct serve_opts *o, int *port);
/* Drain in-flight requests and stop. */
void server_stop(struct server *s);

#endif
