/*
 * readings_bulk.h — recording many readings at once (a large CSV import)
 * with the same outcome as calling reading_record() for each, about ten
 * times faster.
 *
 * reading_record() looks everything up for every reading (the point, its
 * occupant and contract on the day, the meter, the period, the point's
 * history, last year's reading, the thresholds): a dozen queries. A bulk
 * recorder reads the tenant's ledger and live reading history ONCE into
 * memory and then works each reading out there, with the core's own
 * arithmetic and checks (reading_usage, reading_checks, hist_recent,
 * metering_thresholds_get), writing one INSERT per reading.
 *
 * Only the plain case goes this way: a regular reading of a point with a
 * route, an open period, an installed meter, no live reading yet in that
 * period, and dated on or after the point's newest live reading (so no
 * later reading needs restating). Anything else — an error, a duplicate,
 * a conflict, an estimate to replace, a back-dated reading, history the
 * memory does not hold — goes through reading_record() itself, and the
 * point's history is read again from the store before its next reading.
 * tests/unit/metering/test_readings_bulk.c imports the same files both
 * ways into identical stores and compares every row.
 *
 * CHECK constraints: the readings table's CHECK (kind IN (...)) and
 * friends make SQLite build three temporary b-trees for every INSERT,
 * more than a third of a bulk import's time. While a bulk recorder is
 * open its connection runs with PRAGMA ignore_check_constraints = ON
 * (readings_bulk_free() turns it off again; SQLite re-prepares statements
 * when it changes): every value it writes is one of the allowed ones by
 * construction, and reading_record() checks its own inputs.
 *
 * Memory: the newest BULK_HISTORY live readings of every supply point of
 * the tenant (about 50 bytes each), its meters, occupancy, contracts,
 * exchanges and periods. Use it inside one write transaction; it knows
 * nothing of writes made past it by others.
 */
#ifndef PL_METERING_READINGS_BULK_H
#define PL_METERING_READINGS_BULK_H

#include "core/err.h"
#include "metering/metering.h"

#include <stddef.h>

struct store;
struct readings_bulk;

#define BULK_HISTORY 24 /* readings kept per point, as hist_load loads */

/* Load st's ledger and reading history. *out is the caller's; free with
 * readings_bulk_free(). Store errors. */
enum err readings_bulk_open(struct store *st, struct readings_bulk **out);
void readings_bulk_free(struct readings_bulk *b);

/* Record one reading inside the open transaction: exactly what
 * reading_record(st, in, out) would do, errors included. */
enum err readings_bulk_record(struct readings_bulk *b,
                              const struct reading_in *in,
                              struct reading_out *out);

/* How many readings went the fast way and how many through
 * reading_record (for the bench and the tests). */
void readings_bulk_counts(const struct readings_bulk *b, size_t *fast,
                          size_t *slow);

#endif
