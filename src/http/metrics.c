/*
 * metrics.c — Prometheus counters for HTTP requests.
 */
#include "core/version.h"
#include "core/xalloc.h"
#include "http/metrics.h"
#include "http/router.h"
#include "store/pool.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Statuses counted one by one; anything else is counted under "other". */
static const int statuses[] = {200, 201, 202, 204, 304, 400, 401, 403, 404,
                               405, 409, 413, 415, 422, 423, 429, 500, 503};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))
/* Histogram bounds in microseconds: 0.5 ms … 2.5 s. */
static const uint64_t bounds_us[] = {500,    1000,   2500,    5000,
                                     10000,  25000,  50000,   100000,
                                     250000, 500000, 1000000, 2500000};
#define NBOUNDS (sizeof(bounds_us) / sizeof(bounds_us[0]))

struct slot {
    atomic_uint_fast64_t by_status[NSTATUS + 1]; /* last: other */
    atomic_uint_fast64_t buckets[NBOUNDS + 1];   /* last: +Inf */
    atomic_uint_fast64_t sum_us;
};

static struct slot *slots;
static size_t nslots;
static const struct router *router;

void
metrics_init(const struct router *rt)
{
    router = rt;
    nslots = router_count(rt) + 2;
    slots = xcalloc(nslots, sizeof(*slots));
}

void
metrics_free(void)
{
    free(slots);
    slots = NULL;
    nslots = 0;
}

int
metrics_slot_static(void)
{
    return (int)nslots - 2;
}

int
metrics_slot_unmatched(void)
{
    return (int)nslots - 1;
}

void
metrics_observe(int slot, int status, uint64_t duration_ns)
{
    if (!slots || slot < 0 || (size_t)slot >= nslots)
        return;
    struct slot *s = &slots[slot];
    size_t i = 0;
    while (i < NSTATUS && statuses[i] != status)
        i++;
    atomic_fetch_add(&s->by_status[i], 1);
    uint64_t us = duration_ns / 1000;
    size_t b = 0;
    while (b < NBOUNDS && us > bounds_us[b])
        b++;
    atomic_fetch_add(&s->buckets[b], 1);
    atomic_fetch_add(&s->sum_us, us);
}

static void
labels(size_t i, const char **method, const char **route)
{
    if (i + 2 == nslots) {
        *method = "GET";
        *route = "static";
    } else if (i + 1 == nslots) {
        *method = "any";
        *route = "unmatched";
    } else {
        const struct route *r = router_get(router, i);
        *method = r->method;
        *route = r->pattern;
    }
}

static enum err
render_requests(struct buf *b)
{
    enum err rc =
        buf_puts(b, "# HELP pilotlight_http_requests_total HTTP "
                    "requests by route and status.\n"
                    "# TYPE pilotlight_http_requests_total counter\n");
    for (size_t i = 0; i < nslots && !rc; i++) {
        const char *m, *route;
        labels(i, &m, &route);
        for (size_t k = 0; k <= NSTATUS && !rc; k++) {
            uint64_t n = atomic_load(&slots[i].by_status[k]);
            if (!n)
                continue;
            char st[8];
            if (k < NSTATUS)
                snprintf(st, sizeof(st), "%d", statuses[k]);
            else
                snprintf(st, sizeof(st), "other");
            rc = buf_printf(b,
                            "pilotlight_http_requests_total{method=\"%s\","
                            "route=\"%s\",status=\"%s\"} %llu\n",
                            m, route, st, (unsigned long long)n);
        }
    }
    return rc;
}

static enum err
render_histogram(struct buf *b)
{
    enum err rc = buf_puts(
        b, "# HELP pilotlight_http_request_duration_seconds Time from "
           "request line to response completed.\n"
           "# TYPE pilotlight_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < nslots && !rc; i++) {
        uint64_t total = 0;
        for (size_t k = 0; k <= NBOUNDS; k++)
            total += atomic_load(&slots[i].buckets[k]);
        if (!total)
            continue;
        const char *m, *route;
        labels(i, &m, &route);
        uint64_t cum = 0;
        for (size_t k = 0; k <= NBOUNDS && !rc; k++) {
            cum += atomic_load(&slots[i].buckets[k]);
            char le[24];
            if (k < NBOUNDS)
                snprintf(le, sizeof(le), "%g", (double)bounds_us[k] / 1e6);
            else
                snprintf(le, sizeof(le), "+Inf");
            rc = buf_printf(b,
                            "pilotlight_http_request_duration_seconds_bucket{"
                            "method=\"%s\",route=\"%s\",le=\"%s\"} %llu\n",
                            m, route, le, (unsigned long long)cum);
        }
        if (!rc)
            rc = buf_printf(
                b,
                "pilotlight_http_request_duration_seconds_sum{method=\"%s\","
                "route=\"%s\"} %.6f\n"
                "pilotlight_http_request_duration_seconds_count{method=\"%s\","
                "route=\"%s\"} %llu\n",
                m, route, (double)atomic_load(&slots[i].sum_us) / 1e6, m, route,
                (unsigned long long)cum);
    }
    return rc;
}

enum err
metrics_render(struct buf *b)
{
    enum err rc = render_requests(b);
    if (!rc)
        rc = render_histogram(b);
    if (!rc)
        rc = buf_printf(
            b,
            "# HELP pilotlight_tenant_stores_open Tenant store "
            "connections open.\n"
            "# TYPE pilotlight_tenant_stores_open gauge\n"
            "pilotlight_tenant_stores_open %zu\n"
            "# HELP pilotlight_build_info Build of this process.\n"
            "# TYPE pilotlight_build_info gauge\n"
            "pilotlight_build_info{version=\"%s\",commit=\"%s\"} 1\n",
            pool_open_tenant_stores(), pl_version(), pl_commit());
    return rc;
}
