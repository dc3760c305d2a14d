/*
 * metering_int.h — what the metering core's store files share (not an
 * API: metering.h is). A reading's history (the point's live readings
 * before a position, newest first), the column list every reading query
 * reads, and small statement helpers.
 *
 * A position on a point's timeline is (read_on, id): readings of one day
 * follow each other in the order they were stored (a move-out before the
 * move-in of the same day). "Live" readings are those not corrected.
 */
#ifndef PL_METERING_METERING_INT_H
#define PL_METERING_METERING_INT_H

#include "metering/metering.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stmt;

/* Every reading query reads these columns, in this order. */
#define READING_COLS                                                           \
    "r.id, r.supply_point_id, r.meter_id, r.period_id, r.kind, r.read_on,"     \
    " r.index_tenths, r.usage_l, r.previous_id, r.source, r.status,"           \
    " r.flags, r.corrects_id, r.note, r.entered_by, r.version,"                \
    " r.created_at, r.updated_at"
#define READING_NCOLS 18

/* A reading row (READING_COLS from col 0) as JSON (new ref). */
json_t *reading_row_json(struct stmt *s);
/* Step s to its end, appending each reading row to list; releases s. */
enum err reading_rows(struct stmt *s, enum err rc, json_t *list);

/* One live reading before a position. */
struct hist_row {
    int64_t id, index, meter_id, usage_l;
    bool has_usage;
    char read_on[11];
    char prev_read_on[11]; /* its previous reading's date, or "" */
    char source[12];
};

#define HIST_MAX 24

struct hist {
    size_t n;
    struct hist_row rows[HIST_MAX]; /* newest first */
};

/* The point's live readings before (read_on, before_id), newest first. */
enum err hist_load(struct store *st, int64_t point, const char *read_on,
                   int64_t before_id, struct hist *h);
/* Usage over the recent readings of h (at most 3, within ~3 months of
 * the newest); *mid_month is the month (1–12) of that stretch's middle. */
void hist_recent(const struct hist *h, struct usage_ref *ref, int *mid_month);
/* The regular reading about a year before read_on (±15 days) as a
 * reference; days 0 when there is none. */
enum err hist_last_year(struct store *st, int64_t point, const char *read_on,
                        struct usage_ref *ref);

/* The tenant's check thresholds (settings), defaults where unset. */
enum err metering_thresholds_get(struct store *st,
                                 struct metering_thresholds *t);
/* Store them (inside the caller's transaction). */
enum err metering_thresholds_put(struct store *st,
                                 const struct metering_thresholds *t);

/* Supply points on route (any, with a meter or not). */
enum err route_point_count(struct store *st, const char *route, int64_t *n);
/* The address of a point from five columns from col (prefecture, city,
 * street, building, room): "静岡県浜松市中区元城町1-2 メゾン元城 201". */
void metering_address(struct stmt *s, int col, char *out, size_t cap);

/* First column of the first row as an integer (0 when no row); releases
 * s. */
enum err metering_scalar(struct stmt *s, enum err rc, int64_t *v);
/* Copy text (NULL → "") into out of cap bytes. */
void metering_copy(char *out, size_t cap, const char *text);
/* Month number 1–12 of "YYYY-MM…". */
int metering_month_of(const char *date);
/* "YYYY-MM-01" of the month n months after month "YYYY-MM" (n may be
 * negative) into out[11]. */
void metering_month_add(const char *month, int n, char out[11]);

/* Re-work previous, usage and flags of the live readings of point after
 * position (from, from_id) — after a reading was inserted before them or
 * corrected — through the first real one after (until, until_id) (the
 * estimates before it settle there). ERR_PERIOD_CLOSED when one of them
 * is in a closed period; ERR_READING_IMPOSSIBLE when one no longer adds
 * up. */
enum err reading_restate(struct store *st, int64_t point, const char *from,
                         int64_t from_id, const char *until, int64_t until_id);
/* Correct reading id to index/read_on with source (see reading_correct). */
enum err reading_correct_as(struct store *st, int64_t id, int64_t index_tenths,
                            const char *read_on, const char *note,
                            const char *source, const char *actor,
                            int64_t *new_id);

#endif
