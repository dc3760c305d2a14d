/*
 * remote_api.h — remote readings (遠隔検針) from `ingest`, the process
 * that talks to the central monitoring (集中監視) devices:
 *
 *   POST /internal/v1/remote-readings
 *
 * Not a user route: no session, no CSRF, no permission. The caller proves
 * itself with a shared secret (the internal token) in
 * "Authorization: Bearer <token>". serve reads the token from the file
 * named by --internal-token-file (PILOTLIGHT_INTERNAL_TOKEN_FILE) at
 * start-up; without one the route answers 404 as if it did not exist.
 * Only the token's BLAKE2b-256 digest stays in memory, and the presented
 * token is compared digest to digest in constant time.
 */
#ifndef PL_METERING_REMOTE_API_H
#define PL_METERING_REMOTE_API_H

#include "core/err.h"

#include <stdint.h>

struct req;
struct store;

#define REMOTE_TOKEN_MIN    32  /* characters: at least 192 bits of base64 */
#define REMOTE_TOKEN_MAX    512 /* characters */
#define REMOTE_BODY_MAX     (1u << 20)
#define REMOTE_READINGS_MAX 5000

/*
 * Take the internal token from the file at path ("" = none: the endpoint
 * is off). The file holds one token (32–512 printable ASCII characters
 * without spaces; a trailing line break is ignored) and must not be
 * readable or writable by others (mode o-rw). ERR_CONFIG with the reason
 * otherwise. Call once at start-up, before the server takes requests.
 */
enum err remote_configure(const char *path);

/*
 * The token check of every /internal/v1/ route (this one and monitoring's
 * device events): ERR_OK for the configured token; ERR_HTTP_NOT_FOUND
 * when none is configured (the endpoints are off); ERR_INTERNAL_AUTH
 * (logged, with WWW-Authenticate set) otherwise.
 */
enum err remote_internal_auth(struct req *r);

/* --- remote_store.c -------------------------------------------------- */

/*
 * The supply point whose meter with device_id was installed on read_on
 * ("YYYY-MM-DD"). ERR_READING_NO_METER (Japanese detail) when none;
 * ERR_CONFLICT when two points' meters carry the id.
 */
enum err remote_point_by_device(struct store *st, const char *device_id,
                                const char *read_on, int64_t *point);

/* Who enters remote readings (readings.entered_by, audit actor). */
#define REMOTE_ACTOR "internal:ingest"

/* One index a device reported (strings borrow from the caller). */
struct remote_reading {
    int64_t point;         /* remote_point_by_device() */
    const char *device_id; /* the reporting device */
    const char *read_on;   /* "YYYY-MM-DD" (JST) */
    int64_t index;         /* tenths of a m³ */
    const char *actor;
};

/*
 * Take a device's index inside the caller's transaction (see the top of
 * remote_store.c): kept as the meter's interval reading of its day, and
 * made the open period's regular reading when it is the nearest to the
 * reading day so far. out->outcome: ACCEPTED/FLAGGED (the regular reading
 * is now this one: out->id), INTERVAL (kept; out->id is the period's
 * regular reading or 0), DUPLICATE (the day already holds this index or a
 * higher one), CONFLICT (a person's regular reading of the same day says
 * otherwise). Errors as reading_record and reading_correct.
 */
struct reading_out;
enum err remote_reading_take(struct store *st, const struct remote_reading *in,
                             struct reading_out *out);

/* The interval reading of meter_id on read_on: *index -1 when none. */
enum err remote_interval_of(struct store *st, int64_t meter_id,
                            const char *read_on, int64_t *index);

/*
 * A period just opened: each remote meter of its route with interval
 * readings inside the window gets its regular reading (the nearest to the
 * reading day). One that does not add up is skipped (logged) and stays an
 * interval. *count: readings made.
 */
enum err remote_period_fill(struct store *st, int64_t period, int64_t *count);

#endif
