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

#include "core/buf.h"
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
    FIELD_TENTHS = 1 << 3, /* m³ to 0.1: "1234.5" in JSON, 12345 in SQL */
    FIELD_FIXED = 1 << 4,  /* set when the record is made, never changed */
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
 * to k. Normalizes kana and FIELD_TENTHS values ("12" → "12.0") in place.
 * Keys outside fields are errors too.
 */
void cfield_check(const struct cfield *fields, json_t *rec, struct jcheck *k);

/* --- customers_store.c: SQL, inside the caller's transaction for writes */

/* Insert a checked record; *id receives the new id.
 * ERR_CUSTOMER_NUMBER_TAKEN when the number is used. */
enum err customer_insert(struct store *st, const json_t *rec, int64_t *id);
/* As customer_insert with the search keys already worked out
 * (search_key_of of the name and kana). */
enum err customer_insert_keyed(struct store *st, const json_t *rec,
                               const char *name_key, const char *kana_key,
                               int64_t *id);
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
/* Page through customers by number, ascending, after after (NULL = from
 * the start); status NULL = any. A q (NULL = none) searches as
 * customer_search() does. New ref. */
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
/* Move customer_id into a point that has never been occupied (created in
 * the same transaction, e.g. by an import): no one to move out, no checks
 * beyond the foreign keys. */
enum err supply_point_first_move_in(struct store *st, int64_t id,
                                    int64_t customer_id, const char *date);

/* --- equipment.c, equipment_store.c: what hangs off a supply point ---- */

/*
 * Contracts (契約), meters (メーター), cylinder set-ups (容器設置) and
 * appliances (消費機器) belong to one supply point each and share one
 * record layer: a struct rtable gives a table's SQL (string literals), its
 * editable fields (bound $1..$n in table order) and its read-only columns
 * (set by ending or removing the record). Meter indexes, usage_30d and
 * gas_out_index are FIELD_TENTHS: integer tenths of a m³ in SQL.
 *
 * Bank accounts (口座振替): the store holds the full account number
 * (7 digits, zero-padded); record_get() and friends return it, and the
 * API masks it ("****567") or drops every bank field for roles without
 * customers.bank (contract_mask). Nothing else may print it.
 */

#define METER_INDEX_MAX     999999999 /* tenths: 99,999,999.9 m³ (8 digits) */
#define CONTRACT_HOLDER_MAX 30        /* 全銀 depositor name: 30 half-width */

/* The editable fields of each kind, in column order, {NULL}-ended. */
extern const struct cfield contract_fields[];
extern const struct cfield meter_fields[];
extern const struct cfield cylinder_fields[];
extern const struct cfield appliance_fields[];

/* The bank fields of a contract, NULL-ended (account_number last). */
extern const char *const contract_bank_fields[];

/*
 * A volume in tenths of a m³ from JSON: "1234.5", "1234", 1234 or 1234.5;
 * at most one decimal, not negative, at most METER_INDEX_MAX. ERR_INVALID
 * otherwise.
 */
enum err equipment_tenths_parse(const json_t *v, int64_t *tenths);
/* "1234.5" for 12345 (out: 24 bytes). */
void equipment_tenths_format(int64_t tenths, char out[24]);
/* The largest index a register of digits integer digits shows, in tenths
 * (4 → 99999, i.e. 9,999.9 m³). */
int64_t meter_index_max(int64_t digits);
/* 号数: one of "1.6" "2.5" "4" "6" "10" "16" "25" "40" (m³/h). */
bool meter_capacity_valid(const char *s);
/* 検定満期 "YYYY-MM", month 01–12, year 1900–2999. */
bool meter_expiry_valid(const char *s);
/* True when the month of today ("YYYY-MM-DD", JST) is after expiry
 * ("YYYY-MM"): a meter may be used to the end of its expiry month. */
bool meter_expired(const char *expiry, const char *today);
/* 銀行コード 4 digits, 支店コード 3 digits, 預金種目 "1" 普通 / "2" 当座 /
 * "9" その他, 口座番号 1–7 digits. */
bool contract_bank_code_valid(const char *s);
bool contract_branch_code_valid(const char *s);
bool contract_account_type_valid(const char *s);
bool contract_account_number_valid(const char *s);
/*
 * 口座名義 for 全銀 files: half-width katakana (ｶﾞ, ﾊﾟ as two characters,
 * small kana made large: ｯ → ﾂ), A–Z (lower case raised), 0–9, space,
 * ( ) . - / and ｰ, at most CONTRACT_HOLDER_MAX characters. Accepts
 * full-width or half-width katakana, hiragana and full-width ASCII.
 * ERR_INVALID (detail names the character) for anything else or blank;
 * ERR_TOO_LARGE when longer or out (cap bytes) is too small.
 */
enum err contract_holder_normalize(const char *in, char *out, size_t cap);
/* "****567": the last three digits of number (out: 16 bytes). */
void contract_mask_number(const char *number, char out[16]);
/*
 * Turn a contract (or a history before/after) into what may leave the
 * store: account_number becomes account_number_masked; without bank
 * (customers.bank) every bank field goes.
 */
void contract_mask(json_t *rec, bool bank);

/* Cross-field rules of each kind, after cfield_check; cur is the stored
 * record on an update, NULL on a create (which also fills defaults). */
void contract_check(json_t *rec, const json_t *cur, struct jcheck *k);
void meter_check(json_t *rec, const json_t *cur, struct jcheck *k);
/* Adds "certification_expired" (today, JST) to a meter read from SQL. */
void meter_finish(json_t *rec);

/* One table of the record layer (equipment_store.c defines four). */
struct rtable {
    const char *kind;            /* "contract": history kind, audit target */
    const struct cfield *fields; /* editable: $1..$n on insert and update */
    const struct cfield *ro;     /* read-only columns after the fields */
    const char *start_key;       /* when it starts (install or start date) */
    const char *close_key;       /* end_date / removed_date */
    enum err not_found;
    void (*finish)(json_t *rec); /* computed fields, or NULL */
    const char *sql_insert;      /* fields, $n+1 point, $n+2 now; RETURNING */
    const char *sql_get;         /* $1 id */
    const char *sql_list;        /* $1 point; current first */
    const char *sql_current;     /* $1 point, $2 today (JST) */
    const char *sql_update;      /* fields, $n+1 now, $n+2 id, $n+3 version */
    const char *sql_close;       /* $1 date, $2 now, $3 id; only when open */
};

extern const struct rtable contract_table, meter_table, cylinder_table,
    appliance_table;

/* ERR_SUPPLY_POINT_NOT_FOUND unless point id exists. */
enum err equipment_point_exists(struct store *st, int64_t id);
/* The point's current occupant (*customer_id = 0 when vacant). */
enum err equipment_point_occupant(struct store *st, int64_t id,
                                  int64_t *customer_id);
/* Insert a checked record under point; *id receives the new id. */
enum err record_insert(struct store *st, const struct rtable *t, int64_t point,
                       const json_t *rec, int64_t *id);
/* The record as JSON (new ref) with id, supply_point_id, version and
 * timestamps; t->not_found when absent. Contracts hold the full account
 * number: mask before output. */
enum err record_get(struct store *st, const struct rtable *t, int64_t id,
                    json_t **out);
/* The point's records (new ref array; current ones only when current). */
enum err record_list(struct store *st, const struct rtable *t, int64_t point,
                     bool current, json_t **out);
/* Replace the editable fields if still at version; bumps it.
 * ERR_CUSTOMER_VERSION_CONFLICT when it moved on. */
enum err record_update(struct store *st, const struct rtable *t, int64_t id,
                       int64_t version, const json_t *rec);
/* End or remove on date (bumps the version); ERR_CONFLICT when already
 * ended or removed. */
enum err record_close(struct store *st, const struct rtable *t, int64_t id,
                      const char *date);
/* A record_history row (kind, id); before/after must already be masked. */
enum err record_history_add(struct store *st, const char *kind, int64_t id,
                            const char *actor, const json_t *before,
                            const json_t *after);
/* Step a bound history query (id, changed_at, actor, before, after) to
 * its end into {"history": [...]} (new ref); releases s. For any history
 * table (customer_history could use it too). */
struct stmt;
enum err record_history_rows(struct stmt *s, enum err rc, json_t **out);
/* {"history": [...]} of kind/id, newest first (at most 1,000). New ref. */
enum err record_history_list(struct store *st, const char *kind, int64_t id,
                             json_t **out);
/* Add "contract", "meter" (current or null), "cylinders" and
 * "appliances" (current) to a supply point's JSON. Contract unmasked. */
enum err equipment_summary(struct store *st, int64_t point, json_t *rec);

/* ERR_CONTRACT_OVERLAP when contract id's dates overlap another contract
 * on its supply point. */
enum err contract_overlap_check(struct store *st, int64_t id);
/* The point's contract with no end date (*out NULL when none). */
enum err contract_open(struct store *st, int64_t point, json_t **out);
/* A customer's contracts, newest start first: {"contracts": [...]}. */
enum err contract_list_for_customer(struct store *st, int64_t customer_id,
                                    json_t **out);
/* The contract with the FULL account number: for step-up-checked exports
 * only (never a response or a log). */
enum err contract_get_for_export(struct store *st, int64_t id, json_t **out);

/* One meter exchange (メーター交換): indexes in tenths. */
struct meter_exchange {
    int64_t point, old_meter, new_meter;
    const char *date, *reason, *actor;
    int64_t old_final, new_initial;
};
/* The point's installed meter (*out NULL when none). */
enum err meter_installed(struct store *st, int64_t point, json_t **out);
/* Mark meter id removed on date with its final index (tenths). */
enum err meter_remove(struct store *st, int64_t id, const char *date,
                      int64_t final_index);
/* Record an exchange; *id receives its id. */
enum err meter_exchange_add(struct store *st, const struct meter_exchange *x,
                            int64_t *id);
/* {"exchanges": [...]} of a point, newest first, with both serials. */
enum err meter_exchange_list(struct store *st, int64_t point, json_t **out);

/* --- lists_store.c: cross-record lists --------------------------------- */

/* Where customer id lives and lived: {"supply_points": [{occupancy_id,
 * moved_in, moved_out, supply_point: {...}}]}, current first. New ref. */
enum err customer_points(struct store *st, int64_t customer_id, json_t **out);

/* 検定満期 worklist: installed meters expiring by month "YYYY-MM", in
 * (expiry, id) order after the cursor ("" and 0 for the first page). */
struct expiry_query {
    const char *by;          /* "YYYY-MM" */
    const char *route;       /* one route, or NULL */
    const char *after_month; /* cursor: "YYYY-MM" or "" */
    int64_t after_id;        /* cursor: meter id or 0 */
    int64_t limit;
};
/* {"meters": [{..., supply_point: {...}, customer: {...}|null}], "next":
 * "YYYY-MM.<id>"|null}. New ref. */
enum err meter_expiry_list(struct store *st, const struct expiry_query *q,
                           json_t **out);

/* --- search.c: search keys and the FTS5 trigram index (顧客検索) ------- */

#define SEARCH_QUERY_MAX 1024 /* bytes of a folded query, NUL included */

/* The fields of a search document. Each value is the tag byte that starts
 * its section in the document (below ' ', never in folded text). */
enum search_field {
    SEARCH_NUMBER = 1, /* 顧客番号 */
    SEARCH_NAME,       /* 氏名 */
    SEARCH_KANA,       /* フリガナ */
    SEARCH_PHONE,      /* 電話番号, as bare digits */
    SEARCH_EMAIL,      /* メールアドレス */
    SEARCH_ADDRESS,    /* billing address, postal code, occupied points */
    SEARCH_METER,      /* serials of the meters installed at those points */
};

/* How one query typed in the search box is looked up (search_plan). */
struct search_plan {
    char norm[SEARCH_QUERY_MAX];        /* folded query; "" = no query */
    char digits[SEARCH_QUERY_MAX];      /* phone-shaped: its digits, or "" */
    char fts[2 * SEARCH_QUERY_MAX + 8]; /* FTS5 MATCH expression, or "" */
    bool prefix_only; /* 1–2 characters: number/name/kana prefixes only */
};

/*
 * Fold text the way office staff type it: NFKC with case folding (全角
 * ＡＢ１ → ab1, ﾀﾅｶ → タナカ), hiragana → katakana, whitespace and ・
 * dropped, dash variants → '-' (ー too, after a digit), and after a digit
 * 丁目/番地/番 → '-' and 号 dropped. ERR_INVALID for bad UTF-8,
 * ERR_TOO_LARGE when in is over 2 KiB or the result does not fit out (cap
 * bytes, NUL included).
 */
enum err search_normalize(const char *in, char *out, size_t cap);
/* Fold q and choose how to look it up. ERR_INVALID for bad UTF-8 or a
 * query too long once folded. */
enum err search_plan(const char *q, struct search_plan *p);
/* Append text, folded (phones as bare digits), as a field's section of a
 * search document. NULL, empty or absurdly long text adds nothing. */
enum err search_doc_add(struct buf *doc, enum search_field field,
                        const char *text);
/* The key of a folded name or kana: past a leading legal form (株式会社,
 * (有), カブシキガイシャ…) unless nothing would be left. */
const char *search_key(const char *folded);
/* The key (customers.name_key / kana_key) of a name or kana as typed:
 * folded, past a legal form; "" when it cannot be folded. */
void search_key_of(const char *text, char *key, size_t cap);
/*
 * One customer's search entry: its document, keys and phone digits, built
 * from plain values — by search_store.c from the store, or by a bulk
 * import from the rows it checked (on its reader thread, so the writer
 * only stores it). Build: search_entry_customer, then search_entry_point
 * for each occupied point, then search_entry_finish.
 */
#define SEARCH_KEY_MAX 1024
#define SEARCH_DOC_MAX (16 * 1024)
struct search_entry {
    int64_t id;
    struct buf doc;
    char name_key[SEARCH_KEY_MAX], kana_key[SEARCH_KEY_MAX];
    char phone[2][32]; /* bare digits */
    char bill[1024];   /* billing address, added last */
};
struct search_customer {
    const char *number, *name, *kana, *phone1, *phone2, *email, *postal,
        *prefecture, *address; /* any may be NULL */
};
void search_entry_init(struct search_entry *e);
void search_entry_free(struct search_entry *e);
enum err search_entry_customer(struct search_entry *e,
                               const struct search_customer *c);
/* part: prefecture, city, street, building, room (NULL = ""). */
enum err search_entry_point(struct search_entry *e, const char *const part[5],
                            const char *meter);
enum err search_entry_finish(struct search_entry *e);
/* Store the entry of a customer inserted in this transaction with its keys
 * (customer_insert_keyed): its phones and document, nothing to replace. */
enum err customer_search_put_new(struct store *st,
                                 const struct search_entry *e);
/* Copy the ASCII digits of in to out (cap bytes; in == out is fine);
 * returns how many. */
size_t search_digits(const char *in, char *out, size_t cap);
/* "number", "name", "kana", "phone", "email", "address", "meter"; NULL
 * for anything else. */
const char *search_field_name(enum search_field f);
/* The name of the field of doc that the plan matched, or NULL. */
const char *search_matched(const char *doc, const struct search_plan *p);

/* --- search_store.c: keeping the index (customer_search: customers_store.c) */

/* Recompute one customer's search keys (name/kana keys, phone digits)
 * and index row, inside the caller's transaction. Call after any write to
 * the customer, its occupancies, the points it occupies or their meters. */
enum err customer_search_refresh(struct store *st, int64_t customer_id);
/* Refresh everyone who ever occupied supply point id. */
enum err customer_search_refresh_point(struct store *st, int64_t point_id);
/* Rebuild every customer's keys and the index (after seeding, a bulk
 * import or a restore), in one pass; inside the caller's transaction. */
enum err customer_search_rebuild(struct store *st);
/*
 * Bulk writes (取込): after customer_search_defer(new_only), refreshes on this
 * thread only note the customer; customer_search_flush(st) then refreshes
 * each noted customer once (call it inside the transaction, before the
 * commit) and stops deferring. After a failure, customer_search_discard()
 * forgets the notes instead.
 */
/* new_only: every customer noted is new (no index rows yet), so the
 * flush inserts without first removing old rows (a bulk import). */
void customer_search_defer(bool new_only);
enum err customer_search_flush(struct store *st);
void customer_search_discard(void);
/* While deferred: true = refreshes are not even noted (the caller stores
 * the customer's entry itself with customer_search_put_new). Returns the
 * previous setting. */
bool customer_search_mute(bool muted);
/* Inside a bulk writer's transaction: on = let the index gather a whole
 * import's terms in memory (one segment at the commit); put it back (off)
 * before the commit. */
enum err customer_search_bulk(struct store *st, bool on);
/*
 * Search the ledger (the one box): customers matching q (see search.c),
 * with status (NULL = any), in ascending number order after the number
 * after (NULL = from the start), at most limit. *out (new ref) is
 * {"customers": [...], "next": number or null}; each customer says which
 * field "matched". ERR_INVALID when q cannot be folded. A q that folds to
 * nothing lists everyone.
 */
enum err customer_search(struct store *st, const char *q, const char *status,
                         const char *after, int64_t limit, json_t **out);

#endif
