/*
 * metering.h — meter reading (検針): the domain API shared by the HTTP
 * routes (periods, readings, review), the CSV import, remote readings and
 * the move-in/out flow of the ledger.
 *
 * Units: indexes (指針) are integer tenths of a m³ (index_tenths), as in
 * the ledger; usage is integer litres (usage_l; 0.1 m³ = 100 L). The API
 * shows indexes as "1234.5" and usage also as m³ "12.3" (usage_m3).
 *
 * Recording a reading (reading_record) is the one way a reading enters
 * the store, whoever produced it: the handheld, the office, an import, a
 * remote (集中監視) reading or an estimate. Inside the caller's
 * transaction it
 *   1. finds the meter installed at the point on read_on,
 *   2. for a regular reading, the period: the point's route's period whose
 *      window or month holds read_on (open: used; only closed:
 *      ERR_PERIOD_CLOSED; none: ERR_PERIOD_NOT_FOUND); a move or extra
 *      reading joins that period when it is open, else none,
 *   3. answers DUPLICATE when the meter already has that reading (same
 *      index) and CONFLICT (a reading_conflicts row; the stored reading
 *      unchanged) when the index differs; a real reading replaces an
 *      estimated one of the same open period, and a person's reading
 *      (field, office, import) a remote one, unless the remote meter's
 *      interval reading of that same day disagrees (then CONFLICT),
 *   4. computes usage from the point's previous counted reading: rollover
 *      past the register's maximum, meter exchanges in between (old
 *      meter's final index, new meter's initial index), and the settlement
 *      of estimates (usage = index − last real index − estimated usage
 *      since); impossible values are ERR_READING_IMPOSSIBLE with a
 *      Japanese detail (err_fail),
 *   5. runs the checks (要確認: high, low, zero, inactive, date_outside,
 *      decimal) and stores the row, status "flagged" when any check fired.
 * It writes no audit entry: the caller does (inside the same transaction).
 *
 * usage.c holds the arithmetic and the checks without I/O (unit-tested);
 * metering_store.c the SQL; periods_api.c, readings_api.c and review_api.c
 * the routes. Only the functions declared here are defined by the core
 * metering files; other metering files keep their own helpers static or
 * in their own headers.
 */
#ifndef PL_METERING_METERING_H
#define PL_METERING_METERING_H

#include "core/err.h"
#include "core/json.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define READING_NOTE_MAX  200 /* characters */
#define READING_BATCH_MAX 500 /* items in one POST /readings */
#define READING_KEY_MIN   8   /* idempotency key: [A-Za-z0-9_-] */
#define READING_KEY_MAX   64

/* ----------------------------------------------------------------------
 * Recording one reading
 * ---------------------------------------------------------------------- */

/* What was read. Strings borrow from the caller. */
struct reading_in {
    int64_t supply_point_id;
    const char *read_on;  /* "YYYY-MM-DD" (JST) */
    int64_t index_tenths; /* 0..METER_INDEX_MAX */
    const char *kind;     /* "regular" (NULL = regular), "move_in",
                             "move_out", "extra" */
    const char *source;   /* "field", "office", "import", "remote",
                             "estimated" */
    const char *note;     /* NULL or ≤ READING_NOTE_MAX characters */
    const char *actor;    /* entered_by: the user's name or "system" */
};

/* How a reading was taken in. */
enum reading_outcome {
    READING_ACCEPTED = 0, /* stored, status accepted */
    READING_FLAGGED,      /* stored, status flagged (要確認) */
    READING_DUPLICATE,    /* already there with the same index: nothing */
    READING_CONFLICT,     /* a different index was there: conflict row */
    READING_INTERVAL,     /* remote: kept as an interval reading only (the
                             period's regular reading is another one, or
                             no open period's window holds the day) */
};

struct reading_out {
    int64_t id;      /* the stored reading (the existing one for DUPLICATE and
                        CONFLICT) */
    int64_t usage_l; /* of that reading; 0 when it has none */
    char status[16]; /* accepted | flagged | confirmed | corrected */
    char flags[128]; /* JSON array text: ["high","rollover"] or [] */
    int outcome;     /* enum reading_outcome */
    int64_t conflict_id; /* CONFLICT: the reading_conflicts row */
};

/*
 * Record one reading inside the caller's open transaction (see the top of
 * this file). Errors: ERR_SUPPLY_POINT_NOT_FOUND, ERR_READING_NO_METER (no
 * meter installed on read_on), ERR_PERIOD_NOT_FOUND, ERR_PERIOD_CLOSED,
 * ERR_READING_IMPOSSIBLE, ERR_INVALID (bad kind/source/date/index), each
 * with a Japanese err_detail(). Writes no audit entry.
 */
enum err reading_record(struct store *st, const struct reading_in *in,
                        struct reading_out *out);

/* "accepted", "flagged", "duplicate", "conflict", "interval". */
const char *reading_outcome_name(int outcome);

/*
 * Reading id as JSON (new ref): {"id", "supply_point_id", "meter_id",
 * "period_id", "kind", "index", "read_on", "usage_l", "usage_m3",
 * "status", "flags": [...], "source", "note", "previous_id",
 * "corrects_id", "entered_by", "version", "created_at", "updated_at"}.
 * ERR_READING_NOT_FOUND when absent.
 */
enum err reading_json(struct store *st, int64_t id, json_t **out);

/* ----------------------------------------------------------------------
 * usage.c: arithmetic and checks, no I/O
 * ---------------------------------------------------------------------- */

#define USAGE_EXCHANGES_MAX 4 /* exchanges between two readings */

/* One meter exchange between the previous reading and this one. */
struct usage_exchange {
    int64_t old_final;   /* old meter's index at removal (tenths) */
    int64_t new_initial; /* new meter's index at installation */
    int64_t old_digits;  /* old meter's register digits */
};

/* Usage between the previous counted reading and this one. */
struct usage_in {
    int64_t prev_index;    /* last real reading's index (tenths) */
    int64_t index;         /* this reading's index (tenths) */
    int64_t digits;        /* the current meter's integer digits (3–8) */
    int64_t capacity_dl_h; /* 号数 in tenths of m³/h (25 = 2.5 m³/h);
                              0 = unknown (40 m³/h assumed) */
    int64_t days;          /* since the last real reading (0 = same day) */
    int64_t estimated_l;   /* estimated usage billed since (settles now) */
    size_t n_exchanges;
    struct usage_exchange exchanges[USAGE_EXCHANGES_MAX]; /* oldest first */
};

struct usage_out {
    int64_t usage_l; /* may be < 0 only when estimates are settled */
    bool rollover;   /* a register went past its maximum */
    bool exchange;   /* a meter exchange lies in between */
};

/*
 * Usage in litres: index difference per meter segment (old meter from the
 * previous index to its final index, each newer meter from its initial
 * index), a segment that goes backwards counted as a rollover when the
 * rolled usage is under half the register and within capacity, minus
 * estimated_l. ERR_READING_IMPOSSIBLE (Japanese err_detail) when a segment
 * goes backwards without a plausible rollover or the usage is beyond the
 * meter's capacity × hours elapsed.
 */
enum err reading_usage(const struct usage_in *in, struct usage_out *out);

/* Check codes, as bits. The first six put a reading on the review list. */
enum reading_flag {
    FLAG_HIGH = 1 << 0,
    FLAG_LOW = 1 << 1,
    FLAG_ZERO = 1 << 2,
    FLAG_INACTIVE = 1 << 3,
    FLAG_DATE_OUTSIDE = 1 << 4,
    FLAG_DECIMAL = 1 << 5,
    FLAG_ROLLOVER = 1 << 6, /* informational */
    FLAG_EXCHANGE = 1 << 7, /* informational */
};
#define FLAGS_REVIEW 0x3f

/* Tenant thresholds (settings metering.high_percent, metering.low_percent,
 * metering.min_usage_l). */
struct metering_thresholds {
    int64_t high_percent; /* default 200: more than 2× both references */
    int64_t low_percent;  /* default 50: less than 0.5× both references */
    int64_t min_l;        /* default 5000: only when 5 m³ is at stake */
};
extern const struct metering_thresholds metering_thresholds_default;

/* A reference usage over some days (0 days = none). */
struct usage_ref {
    int64_t usage_l;
    int64_t days;
};

/* What the checks look at. */
struct check_in {
    bool regular;               /* high/low/zero/date only for regular */
    int64_t usage_l;            /* this reading's usage (settled) */
    int64_t days;               /* over how many days */
    struct usage_ref recent;    /* recent months */
    struct usage_ref last_year; /* same month last year */
    bool contract_active;       /* open contract, customer active, occupied */
    bool point_inactive;        /* vacant, suspended or closed */
    bool date_outside;          /* read_on outside the period's window */
    int64_t prev_index;         /* for the decimal check (tenths) */
    int64_t index;
    bool has_prev;
};

/* The flags the checks raise (enum reading_flag bits). */
unsigned reading_checks(const struct check_in *c,
                        const struct metering_thresholds *t);
/* True when index looks like a misplaced decimal point: its usage is far
 * from expected_l while index ×10 or ÷10 would be close. */
bool reading_decimal_suspect(int64_t prev_index, int64_t index,
                             int64_t expected_l);
/* flags as a JSON array text into out (cap ≥ 128). */
void reading_flags_text(unsigned flags, char *out, size_t cap);
/* Parse a JSON array text of flag codes (NULL = none). */
unsigned reading_flags_parse(const char *text);

/* Relative household use per month (percent; January 200, August 100). */
int64_t metering_season_percent(int month);
/*
 * 推定検針: usage_l over days ending on month (1–12), from a base usage
 * over base_days whose middle fell in base_month, scaled by season.
 * 0 when there is no base.
 */
int64_t reading_estimate_l(const struct usage_ref *base, int base_month,
                           int month, int64_t days);

/* "12.3" for 12345 litres (truncated to 0.1 m³; "-1.2" for settlements). */
void metering_m3_format(int64_t usage_l, char out[32]);

/* ----------------------------------------------------------------------
 * metering_store.c: periods, sheets, review (SQL; writes inside the
 * caller's transaction)
 * ---------------------------------------------------------------------- */

/* "YYYY-MM" with month 01–12, year 1900–2999. */
bool metering_month_valid(const char *s);
/* A route name: 1–20 characters, no control characters. */
bool metering_route_valid(const char *s);

/* Open a reading period; ERR_PERIOD_EXISTS when the route has that month.
 * reading_on is the reading day (検針日) inside the window, NULL for the
 * window's middle. The remote meters of the route that already sent
 * interval readings inside the window get their regular reading at once
 * (remote_period_fill; *remote_n counts them, remote_n may be NULL). *id
 * receives the new id. */
enum err period_create(struct store *st, const char *route, const char *month,
                       const char *starts_on, const char *ends_on,
                       const char *reading_on, const char *actor, int64_t *id,
                       int64_t *remote_n);
/* The reading day of a period whose row has reading_on (NULL: the middle
 * of starts_on..ends_on) into out[11]. */
void period_reading_day(const char *reading_on, const char *starts_on,
                        const char *ends_on, char out[11]);
/* The period with its progress counts ("points", "read", "remaining",
 * "estimated", "flagged", "conflicts"). ERR_PERIOD_NOT_FOUND. New ref. */
enum err period_json(struct store *st, int64_t id, json_t **out);
/* {"periods": [...]} filtered by route/month (NULL = any), newest month
 * first, at most 500. New ref. */
enum err period_list(struct store *st, const char *route, const char *month,
                     json_t **out);
/* Close an open period. Unless force, ERR_CONFLICT (detail in Japanese)
 * while flagged readings or open conflicts remain; ERR_PERIOD_CLOSED when
 * already closed. */
enum err period_close(struct store *st, int64_t id, bool force,
                      const char *actor);

/* {"routes": [...]} for month (see the API contract). New ref. */
enum err route_list(struct store *st, const char *month, json_t **out);
/* The route sheet of route for month (see the API contract); at most two
 * queries whatever the route's size. New ref. */
enum err route_sheet(struct store *st, const char *route, const char *month,
                     json_t **out);

/* {"readings": [flagged...], "conflicts": [open...]}. New ref. */
enum err review_list(struct store *st, json_t **out);
/* Confirm a flagged reading (status confirmed). ERR_READING_NOT_FOUND;
 * ERR_CONFLICT unless flagged; ERR_PERIOD_CLOSED in a closed period. */
enum err reading_confirm(struct store *st, int64_t id, const char *actor);
/* Correct reading id: a new row (corrects_id = id) with index (and
 * read_on, note when not NULL), usage recomputed and checks rerun; the old
 * row becomes corrected; the next reading's usage follows. *new_id
 * receives the new row. Errors as reading_record, plus
 * ERR_READING_NOT_FOUND and ERR_CONFLICT (already corrected). */
enum err reading_correct(struct store *st, int64_t id, int64_t index_tenths,
                         const char *read_on, const char *note,
                         const char *actor, int64_t *new_id);
/* Resolve an open conflict: accept corrects its reading to the conflict's
 * value; otherwise the value is rejected. ERR_CONFLICT_NOT_FOUND. */
enum err conflict_resolve(struct store *st, int64_t id, bool accept,
                          const char *actor, int64_t *reading_id);

/* {"readings": [...]} of a point over the last months, newest first (the
 * customer page's chart). ERR_SUPPLY_POINT_NOT_FOUND. New ref. */
enum err point_readings(struct store *st, int64_t point, int64_t months,
                        json_t **out);

/* Estimate the unread points of a period (points: NULL for all, else
 * those ids). *out (new ref): {"estimated": [reading...], "skipped":
 * [{"supply_point_id", "reason"}]}. ERR_PERIOD_NOT_FOUND,
 * ERR_PERIOD_CLOSED. */
enum err period_estimate(struct store *st, int64_t period_id,
                         const json_t *points, const char *actor, json_t **out);

/* Idempotency of handheld submissions (reading_submissions). */
/* *found false when key is new; else *same says whether hash matches and
 * *response (new ref) is the stored answer. */
enum err submission_get(struct store *st, const char *key, const char *hash,
                        bool *found, bool *same, json_t **response);
enum err submission_put(struct store *st, const char *key, const char *hash,
                        int outcome, const json_t *response);

#endif
