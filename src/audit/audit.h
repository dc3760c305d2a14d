/*
 * audit.h — the audit trail: every change writes an entry, and the entries
 * form a hash chain.
 *
 * Entries are append-only: the table refuses UPDATE and DELETE by trigger,
 * so not even a bug in pilotlight can rewrite history through SQL. The
 * platform store keeps platform actions (tenant created, …); each tenant
 * store keeps its own, with its own chain.
 *
 * The chain. Someone with the database file can drop the triggers, so each
 * entry also carries
 *
 *   prev_hash  the hash of the entry before it ("" for the first), and
 *   hash       BLAKE2b-256, lowercase hex, of  prev_hash "\n" canonical
 *
 * where canonical is the compact JSON array
 *
 *   [id,ts,actor,action,target,detail,ip,user_agent]
 *
 * id a decimal integer; the others strings exactly as stored, or null when
 * absent (detail is the stored JSON text, as a string, not re-serialised).
 * No whitespace; strings escape '"' and '\' with a backslash, U+0008,
 * U+0009, U+000A, U+000C, U+000D as \b \t \n \f \r, other code points below
 * U+0020 as \u00xx (lowercase hex), and everything else is written as its
 * UTF-8 bytes (RFC 8785's string form). Example of a first entry's input:
 *
 *   \n[1,"2026-04-01T00:00:00.000Z","user:12","auth.login",null,null,
 *      "192.0.2.1","curl/8.0"]
 *
 * Ids are contiguous (each is the previous + 1), so an edited entry fails
 * its own hash, a removed one leaves a gap, and moved ones break prev_hash.
 * What the chain cannot show by itself is the removal of the newest entries
 * or a wholesale rewrite: `pilotlight audit verify` prints the head hash so
 * an operator can record it elsewhere and compare later.
 *
 * Pre-chain entries. Rows written before audit schema 2 have hash "". They
 * are accepted (and not counted) only while no hashed entry precedes them;
 * the first hashed entry then has prev_hash "". Since schema 2 a trigger
 * refuses any INSERT without a 64-character hash, so only audit_append()
 * writes entries. There was no production data before schema 2.
 */
#ifndef PL_AUDIT_AUDIT_H
#define PL_AUDIT_AUDIT_H

#include "core/err.h"

#include <stdbool.h>
#include <stdint.h>

struct store;

#define AUDIT_NAME_MAX   200   /* bytes of actor, action, target */
#define AUDIT_DETAIL_MAX 65536 /* bytes of detail_json */
#define AUDIT_IP_MAX     64    /* bytes kept of ip */
#define AUDIT_UA_MAX     512   /* bytes kept of user_agent */
#define AUDIT_HASH_HEX   65    /* 64 hex + NUL (CRYPTO_DIGEST_HEX) */
#define AUDIT_LIMIT_MAX  500   /* rows per audit_search() */
#define AUDIT_LIMIT_DEF  50    /* rows when the query's limit is 0 */

struct audit_entry {
    const char *actor;       /* "user:12", "operator:3", "cli:root", "system" */
    const char *action;      /* stable dotted name: "auth.login" */
    const char *target;      /* what it was done to, or NULL */
    const char *detail_json; /* JSON object text (never secrets) or NULL */
    const char *ip;          /* client address or NULL */
    const char *user_agent;  /* or NULL */
};

/*
 * Append e inside the caller's open transaction (store_tx_begin), chained to
 * the newest entry. The entry gets id = previous id + 1 and ts = now; the
 * write lock the transaction holds keeps the id and prev_hash stable.
 *
 * actor and action are required, at most AUDIT_NAME_MAX bytes of UTF-8
 * without control characters; action is lowercase dotted segments of
 * [a-z0-9_-] ("tenant.create"); detail_json, when given, must be a JSON
 * object of at most AUDIT_DETAIL_MAX bytes. target, ip and user_agent may
 * come from a client (a login id typed at sign-in), so they are kept, never
 * refused: each ill-formed UTF-8 byte or control character becomes '?', and
 * they are cut at a character boundary to AUDIT_NAME_MAX, AUDIT_IP_MAX and
 * AUDIT_UA_MAX bytes. "" is stored as NULL for the optional fields.
 *
 * Errors: ERR_INTERNAL outside a transaction; ERR_INVALID or ERR_TOO_LARGE
 * for a bad entry (err_detail() names the field); store errors.
 */
enum err audit_append(struct store *st, const struct audit_entry *e);

/*
 * As audit_append() without ip and user_agent (kept for existing callers).
 */
enum err audit_record(struct store *st, const char *actor, const char *action,
                      const char *target, const char *detail_json);

/*
 * Walk the whole chain in id order and recompute every hash. ERR_OK when it
 * is intact, with *count the hashed entries checked and head (AUDIT_HASH_HEX
 * bytes) the newest entry's hash, "" when there is none. ERR_AUDIT_CHAIN
 * when it is not, with err_detail() exactly "entry N: <what is wrong>",
 * N being the first bad entry's id; *count and head then describe the
 * intact part before it. Store errors otherwise.
 */
enum err audit_verify(struct store *st, int64_t *count, char *head);

/*
 * Search filters; each may be NULL, "" or 0 for "any". action matches
 * exactly, or as a prefix when it ends with '.' ("auth." finds
 * "auth.login"). ts_from is inclusive, ts_to exclusive; both compare as
 * text with the stored UTC timestamps, so "2026-04-01" and
 * "2026-04-01T09:00:00.000Z" both work. before_id pages: entries with
 * id < before_id. limit is 1..AUDIT_LIMIT_MAX, 0 for AUDIT_LIMIT_DEF.
 */
struct audit_query {
    const char *actor, *action, *target, *ts_from, *ts_to;
    int64_t before_id;
    int limit;
};

/* One entry as stored; the strings borrow until the callback returns.
 * target, detail, ip and user_agent are NULL when absent. */
struct audit_row {
    int64_t id;
    const char *ts, *actor, *action, *target, *detail, *ip, *user_agent, *hash;
};

/*
 * Call fn for each entry matching q, newest first; fn returns false to stop.
 * fn may use the store but not call audit_search() on it again. Errors:
 * ERR_INVALID for a bad filter (limit, before_id, timestamp), store errors.
 */
enum err audit_search(struct store *st, const struct audit_query *q,
                      bool (*fn)(const struct audit_row *r, void *arg),
                      void *arg);

#endif
