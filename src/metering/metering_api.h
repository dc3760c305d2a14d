/*
 * metering_api.h — helpers shared by the metering core's HTTP handlers
 * (readings_api.c, periods_api.c, review_api.c).
 */
#ifndef PL_METERING_METERING_API_H
#define PL_METERING_METERING_API_H

#include "core/err.h"
#include "core/json.h"

#include <stdint.h>

struct req;

/* The body as a JSON object (borrowed, lives as long as the request), or
 * *out NULL when the body is empty (an action without options). */
enum err metering_body(struct req *r, json_t **out);
/* The {id} path parameter; not_found when it is not a positive integer. */
enum err metering_path_id(struct req *r, enum err not_found, int64_t *id);

#endif
