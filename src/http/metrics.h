/*
 * metrics.h — request counters and latency histograms for /metrics
 * (Prometheus text exposition format 0.0.4).
 *
 * One slot per route, plus one for static files and one for requests that
 * matched nothing (so a flood of 404s is visible without exploding the label
 * set with arbitrary paths). Counters are lock-free atomics.
 */
#ifndef PL_HTTP_METRICS_H
#define PL_HTTP_METRICS_H

#include "core/buf.h"

#include <stdint.h>

struct router;

/* Size the slots for rt's routes. Call once before serving. */
void metrics_init(const struct router *rt);
void metrics_free(void);
/* Slot numbers for the two pseudo-routes. */
int metrics_slot_static(void);
int metrics_slot_unmatched(void);
/* Count one finished request. */
void metrics_observe(int slot, int status, uint64_t duration_ns);
/* Render every metric onto b. */
enum err metrics_render(struct buf *b);

#endif
