/*
 * customers.h — the customer ledger (顧客台帳): customers, supply points
 * (供給地点) and who occupies which point when (転居・入居).
 *
 * A record travels as a JSON object whose keys are described by a field
 * table (struct cfield): validation, SQL binding and JSON output all walk
 * the same table, so a column is added in one place. Values are strings,
 * except FIELD_INT fields (integers); optional fields may be null.
 *
 * Invariants: a customer number (顧客番号) is 1–20 of [0-9A-Za-z-] and
 * unique in the tenant; kana (フリガナ) is stored as full-width katakana
 * whatever the user typed (hiragana, half-width kana); a supply point has
 * at most one occupancy with moved_out NULL (its current occupant).
 * Every row carries a version, bumped on each change; a PATCH must name
 * the version it was based on (If-Match) or it is refused.
 */
#ifndef PL_CUSTOMERS_CUSTOMERS_H
#define PL_CUSTOMERS_CUSTOMERS_H

#include "core/err.h"
#include "core/json.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define CUSTOMER_NUMBER_MAX 20
#define CUSTOMER_KANA_MAX   100 /* characters */

enum cfield_flags {
    FIELD_REQUIRED = 1 << 0,
    FIELD_MULTILINE = 1 << 1,
    FIELD_INT = 1 << 2,
};

/* One column of a record: its JSON key (= column name) and its rules. */
struct cfield {
    const char *name;
    size_t max_chars;
    unsigned flags;
    int64_t min, max;             /* FIELD_INT bounds */
    bool (*valid)(const char *v); /* extra format check, or NULL */
    const char *message_ja;       /* shown when valid() refuses */
};

/* The editable fields of a customer and of a supply point, in column
 * order; each ends with a {NULL} row. */
extern const struct cfield customer_fields[];
extern const struct cfield supply_point_fields[];

/* Format checks (no I/O). */
bool customer_number_valid(const char *s); /* 1–20 of [0-9A-Za-z-] */
bool customer_phone_valid(const char *s);  /* digits/hyphens, 10–13 digits */
bool customer_postal_valid(const char *s); /* "NNN-NNNN" */
bool customer_prefecture_valid(const char *s); /* one of the 47 */
bool customer_status_valid(const char *s);     /* active|suspended|closed */
bool customer_coord_valid(const char *s);      /* decimal degrees, |v| <= 180 */

/*
 * Normalize kana to full-width katakana: NFKC (half-width ｶﾅ → カナ), then
 * hiragana → katakana. Spaces, ー and ・ are kept. ERR_INVALID when in is
 * not valid UTF-8, is blank, or anything else remains; ERR_TOO_LARGE when
 * the result
 * does not fit out (cap bytes, NUL included).
 */
enum err customer_kana_normalize(const char *in, char *out, size_t cap);

/*
 * Check rec against fields, adding one field error (Japanese) per problem
 * to k. Normalizes kana in place. Keys outside fields are errors too.
 */
void cfield_check(const struct cfield *fields, json_t *rec, struct jcheck *k);

/* --- customers_store.c: SQL, inside the caller's transaction for writes */

/* Insert a checked record; *id receives the new id.
 * ERR_CUSTOMER_NUMBER_TAKEN when the number is used. */
enum err customer_insert(struct store *st, const json_t *rec, int64_t *id);
/* The customer as JSON (new ref), with id, status, version, timestamps.
 * ERR_CUSTOMER_NOT_FOUND when absent. */
enum err customer_get(struct store *st, int64_t id, json_t **out);
/* Replace the editable fields if the row is still at version; bumps it.
 * ERR_CUSTOMER_VERSION_CONFLICT when it moved on. */
enum err customer_update(struct store *st, int64_t id, int64_t version,
                         const json_t *rec);
/* Set status (bumps the version). */
enum err customer_set_status(struct store *st, int64_t id, const char *status);
/* Record a change: before/after hold the changed fields only. */
enum err customer_history_add(struct store *st, int64_t id, const char *actor,
                              const json_t *before, const json_t *after);
/* Delete a never-used customer: ERR_CUSTOMER_HAS_HISTORY when it has any
 * history or occupancy. */
enum err customer_delete(struct store *st, int64_t id);
/* Page through customers by number, descending, below after (NULL = from
 * the top); q matches number/name/kana; status NULL = any. New ref. */
enum err customer_list(struct store *st, const char *q, const char *status,
                       const char *after, int64_t limit, json_t **out);
/* A customer's change history, newest first. New ref. */
enum err customer_history(struct store *st, int64_t id, json_t **out);

enum err supply_point_insert(struct store *st, const json_t *rec, int64_t *id);
/* The point as JSON with "occupants" (current and past). New ref.
 * ERR_SUPPLY_POINT_NOT_FOUND when absent. */
enum err supply_point_get(struct store *st, int64_t id, json_t **out);
enum err supply_point_update(struct store *st, int64_t id, int64_t version,
                             const json_t *rec);
/* 転居・入居: close the current occupancy on date and open one for
 * customer_id. ERR_CUSTOMER_MOVE_DATE when date is before the current
 * occupant's move-in; ERR_CUSTOMER_NOT_FOUND for an unknown customer. */
enum err supply_point_move(struct store *st, int64_t id, int64_t customer_id,
                           const char *date);

/* --- search.c: search keys and the FTS5 trigram index (顧客検索) ------- */

/*
 * Fold text the way office staff type it: NFKC (全角 ＡＢ１ → AB1, ﾀﾅｶ →
 * タナカ), hiragana → katakana, lower case, whitespace removed. ERR_INVALID
 * for bad UTF-8, ERR_TOO_LARGE when out (cap bytes) is too small.
 */
enum err search_normalize(const char *in, char *out, size_t cap);
/* Recompute one customer's search keys (name/kana prefixes, phone digits)
 * and index row, inside the caller's transaction. Call after any write to
 * the customer, its occupancies, the points it occupies or their meters. */
enum err customer_search_refresh(struct store *st, int64_t customer_id);
/* Refresh everyone who ever occupied supply point id. */
enum err customer_search_refresh_point(struct store *st, int64_t point_id);
/* Rebuild every customer's keys and the index (after seeding, a bulk
 * import or a restore). */
enum err customer_search_rebuild(struct store *st);

#endif
