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
#include <sys/socket.h>

struct route;
struct router;

struct server {
    struct MHD_Daemon *d;
    struct router *rt;
    const struct serve_opts *o;
    char web_root[PATH_MAX];      /* real path, no trailing slash */
    struct sockaddr_storage addr; /* --bind and --port */
    bool v6;
    atomic_int inflight; /* requests between uri_log and completion */
    atomic_bool draining;
    const struct route *const *tables; /* API-only server's routes, or
                                          NULL for every module's */
#ifdef PILOTLIGHT_BENCH
    struct MHD_Response *null_resp;
#endif
};

/* The process's server (one per process). */
struct server *server_current(void);
/* Check the options that need no side effects (address, web root). */
enum err server_prepare(struct server *s, const struct serve_opts *o);
/* After server_prepare: build routes, bind, start; *port is the bound port. */
enum err server_start(struct server *s, int *port);
/* Drain in-flight requests and stop. */
void server_stop(struct server *s);

#endif
