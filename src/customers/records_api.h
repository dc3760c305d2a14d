/*
 * records_api.h — the HTTP side of the ledger's records, shared by
 * customers_api.c (customers, supply points) and equipment_api.c
 * (contracts, meters, cylinder set-ups, appliances).
 *
 * A struct rkind says what the generic handlers need to know about a kind
 * of record: its fields, how to read and write it (the record layer's
 * table, or get/update functions), its cross-field check, what happens
 * around a write (defaults before an insert, checks and search refresh
 * after), what a response adds (summaries) and hides (bank details), and
 * whether its audit entries may hold values (personal data: field names
 * only).
 *
 * Optimistic locking: the ETag is the row's version ("3"); a PATCH must
 * send it back in If-Match. A missing If-Match is a field error; a stale
 * one is customers.version_conflict (409) with the current version in the
 * detail and the ETag header. Each change, its history row (before/after
 * of the changed fields, bank numbers masked) and its audit entry commit
 * in one transaction.
 */
#ifndef PL_CUSTOMERS_RECORDS_API_H
#define PL_CUSTOMERS_RECORDS_API_H

#include "customers/customers.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct req;

struct rkind {
    const char *name; /* "contract": audit target/actions, history kind */
    const struct cfield *fields;
    const struct rtable *table; /* the record layer's, or NULL: get/update */
    enum err (*get)(struct store *st, int64_t id, json_t **out);
    enum err (*update)(struct store *st, int64_t id, int64_t version,
                       const json_t *rec);
    /* Write a history row; NULL: record_history under name. */
    enum err (*history)(struct store *st, int64_t id, const char *actor,
                        const json_t *before, const json_t *after);
    /* Cross-field rules after cfield_check (cur NULL on create). */
    void (*check)(json_t *rec, const json_t *cur, struct jcheck *k);
    /* Before an insert under point, inside the transaction: defaults
     * and existence checks (may answer field errors with req_invalid). */
    enum err (*prepare)(struct req *r, struct store *st, int64_t point,
                        json_t *rec);
    /* After an insert or update, inside the transaction; changed holds
     * the new values of the changed fields (all of them on insert). */
    enum err (*written)(struct store *st, int64_t point, int64_t id,
                        const json_t *changed);
    /* What a response adds to the record (e.g. summaries). */
    enum err (*extend)(struct store *st, int64_t id, json_t *rec);
    /* Hide what may not leave: bank false drops bank details. */
    void (*mask)(json_t *rec, bool bank);
    const char *const *guarded; /* fields that need customers.bank to set */
    bool personal;              /* audit names changed fields, not values */
    enum err not_found;
};

/* The {id} path parameter; not_found when it is not a positive integer. */
enum err record_path_id(struct req *r, enum err not_found, int64_t *id);
/* "<prefix>:<id>" for audit targets. */
void record_target(char *out, size_t n, const char *prefix, int64_t id);
/* Commit, or roll back on rc; returns rc (or the commit's failure). */
enum err record_tx_end(struct store *st, enum err rc);
/* True when the request may see bank details (customers.bank). */
bool record_bank_allowed(struct req *r);
/* The version named by If-Match ("3" or W/"3"); a field error if absent. */
enum err record_if_match(struct req *r, int64_t *version);

/* Answer status with record id of kind k as the request may see it, with
 * its ETag. */
enum err record_respond(struct req *r, const struct rkind *k, int status,
                        int64_t id);
/* Answer status with rec (stolen) and its ETag, as is. */
enum err record_answer(struct req *r, int status, json_t *rec);
/* ERR_AUTH_FORBIDDEN when body sets a guarded (bank) field and the
 * request lacks customers.bank. */
enum err record_guard(struct req *r, const struct rkind *k, const json_t *body);
/* Check rec as kind k (cur: the stored record on an update, else NULL):
 * field table, the kind's own rules, dates against the end date. */
void record_validate(const struct rkind *k, json_t *rec, const json_t *cur,
                     struct jcheck *jc);
/* Validate body as a new record of kind k (field errors → 422), after
 * record_guard. */
enum err record_check_new(struct req *r, const struct rkind *k, json_t *body);
/* Copy sub's errors into jc with "<prefix>." before each field name (a
 * nested object such as a move's "contract"); frees sub. */
void record_nest_errors(struct jcheck *jc, const char *prefix,
                        struct jcheck *sub);

/* The kinds that equipment_api.c and customers_api.c define. */
extern const struct rkind contract_kind, meter_kind, point_kind;

/* Handlers: GET /…/{id}, PATCH /…/{id}, GET /…/{id}/history. */
enum err record_get_one(struct req *r, const struct rkind *k);
enum err record_patch(struct req *r, const struct rkind *k);
enum err record_history_get(struct req *r, const struct rkind *k);

/* Records hanging off a supply point (k->table set). */
/* Insert a checked rec under point with its audit entry, inside the open
 * transaction; *id receives the new id. */
enum err record_create_in_tx(struct req *r, const struct rkind *k,
                             int64_t point, json_t *rec, int64_t *id);
/* POST /supply-points/{id}/<kind>s → 201 with the record. */
enum err record_create(struct req *r, const struct rkind *k);
/* GET /supply-points/{id}/<kind>s → {key: [...]}, current ones first. */
enum err record_list_get(struct req *r, const struct rkind *k, const char *key);
/* End or remove cur (record id) on date, with history and audit entry
 * <kind>.<verb>, inside the open transaction. */
enum err record_close_in_tx(struct req *r, const struct rkind *k, int64_t id,
                            const char *date, const char *reason,
                            const char *verb);
/* POST /…/{id}/<verb> {date_key, reason} → 200 with the record. */
enum err record_close_post(struct req *r, const struct rkind *k,
                           const char *date_key, const char *verb);

#endif
