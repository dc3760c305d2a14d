/*
 * slip.h — the reading slip (検針票): what a meter reader prints for the
 * household right after reading its meter (80 mm mobile thermal printers),
 * or the office reprints.
 *
 * A slip is a quote for one reading, not an invoice: it is priced by the
 * billing run's own price_item() (run.c) — the same contract (run_store.c's
 * rule: the contract in force on the reading date, or for a move_out
 * reading the leaving occupant's), the same tariff version, usage,
 * 設備料金, 原料費調整, rounding and tax — but it writes nothing and takes
 * none of the customer's open charges (those wait for the invoice). So the
 * slip's lines and totals are the gas lines and totals the run will invoice
 * for that reading, as long as the ledger and the tariff do not change in
 * between.
 *
 * What the store cannot price is an error with its own code (err.h
 * 810–814) and a Japanese detail:
 *   ERR_SLIP_NO_CONTRACT  no contract on the reading date (vacant point)
 *   ERR_SLIP_NO_TARIFF    the contract has no tariff
 *   ERR_SLIP_NO_PRICE     the tariff has no version in force on that date
 *   ERR_SLIP_NO_USAGE     nothing to bill: the first reading of a meter
 *                         (no usage yet), a negative usage (estimates
 *                         settled), a move_in reading without usage, or an
 *                         extra reading (開栓, meter exchange: never billed)
 *   ERR_SLIP_CORRECTED    the reading was corrected (訂正): print the slip
 *                         of its correction instead (the detail names it)
 * A three-part tariff without any 設備料金 is ERR_TARIFF_INVALID, as in the
 * billing run.
 *
 * Dates the slip adds (slip.c):
 *   次回検針予定日  the same day next month (the month's last day when it
 *                  is shorter), moved into the window of the route's next
 *                  reading period when the store has one (its first day
 *                  when earlier, its last day when later — so a route read
 *                  every two months gets the right month);
 *   口座振替日 / お支払期限  what a billing run issued on the day the slip
 *                  is printed would set: that day + the tenant's due_days
 *                  (none when due_days is 0). The invoice's own date
 *                  follows the day its run is issued.
 */
#ifndef PL_BILLING_SLIP_H
#define PL_BILLING_SLIP_H

#include "core/err.h"
#include "core/json.h"

#include <stdbool.h>
#include <stdint.h>

struct store;
struct run_item;

#define SLIP_PDF_MAX (1u << 20) /* bytes of one slip's PDF */

/*
 * The slip of reading reading_id, priced as of today ("YYYY-MM-DD"), as
 * JSON (new ref in *out):
 *   {"reading_id", "contract_id", "priced_on",
 *    "customer": {"id", "number", "name"},
 *    "supply_point": {"id", "address"},
 *    "reading": {"kind", "estimated", "previous_index", "previous_on",
 *                "current_index", "current_on", "usage_m3",
 *                "last_month_usage_m3", "last_year_usage_m3"},
 *    "period": {"from", "to", "days"},
 *    "lines": [invoice lines], "tax": [{"rate", "taxable_yen", "tax_yen"}],
 *    "subtotal_yen", "tax_yen", "total_yen",
 *    "payment_method", "due_on" (or null), "next_reading_on",
 *    "issuer": {"name", "registration", "address", "phone"}}
 * Money is as on invoices (billing.h); usage and indexes "12.3".
 * ERR_READING_NOT_FOUND, the slip errors above, ERR_TARIFF_INVALID.
 */
enum err slip_json(struct store *st, int64_t reading_id, const char *today,
                   json_t **out);

/* 次回検針予定日 (see the top of this file) into out: read_on plus one
 * month, moved into [win_from, win_to] when win_from is not NULL. All
 * dates valid "YYYY-MM-DD". Pure. */
void slip_next_reading(const char *read_on, const char *win_from,
                       const char *win_to, char out[11]);

/* ----------------------------------------------------------------------
 * slip_store.c (SQL); for slip.c only
 * ---------------------------------------------------------------------- */

/* What the slip needs besides the run item. */
struct slip_facts {
    bool has_contract; /* false: it is not filled */
    bool has_usage;    /* usage_l not NULL */
    bool corrected;    /* status corrected */
    bool estimated;    /* source estimated (推定検針) */
    int64_t period_id; /* 0 when none */
    char route[64];    /* "" when the point has none */
};

/* Reading id with the contract it bills (run_store.c's rule) into it and
 * f. ERR_READING_NOT_FOUND when there is no such reading. */
enum err slip_item_load(struct store *st, int64_t reading_id,
                        struct run_item *it, struct slip_facts *f);
/* The reading that corrects reading_id (0: none). */
enum err slip_correction_of(struct store *st, int64_t reading_id, int64_t *id);
/* The point's regular usage in the month before read_on's (-1: none). */
enum err slip_last_month_l(struct store *st, int64_t point_id,
                           const char *read_on, int64_t *usage_l);
/* The window of route's first reading period starting after read_on, other
 * than period_id; *found false when there is none. */
enum err slip_next_period(struct store *st, const char *route,
                          const char *read_on, int64_t period_id, char from[11],
                          char to[11], bool *found);

#endif
