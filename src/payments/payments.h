/*
 * payments.h — payments other than direct debit, and dunning (入金・督促):
 * bank transfers and their matching, the ledger's entries and follow-ups
 * as lists, the convenience-store payment import, contact notes, the
 * supply-stop warning steps and the reminder letter. Shared by the routes
 * (payments_api.c, dunning_api.c), the seed and the tests. The ledger
 * itself (posting, balances, ageing, the carried balance) is ledger.h.
 *
 * Everything that writes runs inside the caller's transaction and writes
 * no audit entry: the route writes it, in the same transaction.
 */
#ifndef PL_PAYMENTS_PAYMENTS_H
#define PL_PAYMENTS_PAYMENTS_H

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "customers/charset.h"
#include "payments/ledger.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define PAYMENTS_LIMIT_MAX 500 /* rows per list page */

/* ---------------------------------------------------------------------- */
/* Bank transfers (振込): transfer.c, transfer_store.c                      */
/* ---------------------------------------------------------------------- */

#define TRANSFER_KEY_MAX        256 /* bytes of a folded name key */
#define TRANSFER_NAME_MAX       60  /* characters of a payer's name */
#define TRANSFER_CANDIDATES_MAX 10  /* kept for the review list */
#define TRANSFER_RECENT_MONTHS                                                 \
    3 /* amount-only candidates: invoices of                                   \
         the runs of the last 3 months */

/* The matching key of a kana name, the payer's as the bank reports it or
 * a customer's (transfer.c describes the folding). "" when nothing is
 * left. ERR_TOO_LARGE when it does not fit cap. */
enum err transfer_name_key(const char *in, char *out, size_t cap);

struct transfer_candidate {
    int64_t invoice_id, invoice_number, customer_id;
    int64_t open_yen; /* amount due less payments naming it */
    bool name;        /* the customer's kana key is the payer's */
    bool amount;      /* open_yen is the transfer's amount */
};

/* The index of the sure match in c[0..n) — the one candidate with both
 * name and amount — or -1 (none, or several). */
int transfer_decide(const struct transfer_candidate *c, size_t n);

struct transfer_in {
    const char *received_on;    /* YYYY-MM-DD */
    int64_t amount_yen;         /* > 0 */
    const char *payer_name;     /* as the bank reports it */
    const char *bank_reference; /* NULL ok */
    int64_t customer_id;        /* 0: match by name and amount */
    int64_t invoice_id;         /* 0: none (with customer_id) or match */
    const char *note;           /* NULL ok */
    const char *source_key;     /* NULL ok: the statement record it came
                                   from (unique: bank_import.c) */
    const char *actor;
};

struct transfer_out {
    int64_t transfer_id;
    int64_t entry_id;   /* 0 while on the review list */
    const char *status; /* "matched" (sure), "assigned" (the caller named
                           the customer), "review" */
};

/* Record a transfer; post it as a payment when it is a sure match or the
 * caller named the customer, else put it on the review list with its
 * candidates. ERR_INVALID, ERR_CUSTOMER_NOT_FOUND, ERR_INVOICE_NOT_FOUND,
 * ERR_PAYMENT_INVOICE_MISMATCH. */
enum err transfer_record(struct store *st, const struct transfer_in *in,
                         struct transfer_out *out);
/* Post a transfer on the review list to customer_id (invoice_id 0:
 * none); ERR_TRANSFER_NOT_FOUND, ERR_TRANSFER_RESOLVED (not on the list
 * any more), and ledger_post's errors. */
enum err transfer_assign(struct store *st, int64_t id, int64_t customer_id,
                         int64_t invoice_id, const char *note,
                         const char *actor, int64_t *entry_id);
/* Take a transfer off the review list without posting it (not a
 * customer's payment: returned to the sender, ...). */
enum err transfer_dismiss(struct store *st, int64_t id, const char *reason,
                          const char *actor);
/* {"id", "received_on", "amount_yen", "payer_name", "bank_reference",
 * "status", "customer", "invoice_id", "entry_id", "candidates":
 * [{"invoice_id", "invoice_number", "customer": {id, number, name},
 * "open_yen", "name", "amount"}], "resolution_note", "created_at",
 * "created_by", "resolved_at", "resolved_by"}; ERR_TRANSFER_NOT_FOUND. */
enum err transfer_json(struct store *st, int64_t id, json_t **out);
/* {"transfers": [...], "next_after"} by id; status NULL: any. */
enum err transfer_list(struct store *st, const char *status, int64_t after,
                       int64_t limit, json_t **out);

/* ---------------------------------------------------------------------- */
/* Entries and follow-ups as lists: entries_store.c                        */
/* ---------------------------------------------------------------------- */

struct payment_filter {
    int64_t customer_id;   /* 0: any */
    const char *kind;      /* NULL: any */
    const char *method;    /* NULL: any */
    const char *from, *to; /* entry dates, NULL: open */
    int64_t after, limit;  /* keyset by id, newest first when after = 0 */
};

/* One entry: {"id", "customer": {...}, "kind", "method", "amount_yen",
 * "on", "invoice_id", "invoice_number", "receipt_number", "transfer_id",
 * "reverses_id", "reversed_by", "reference", "note", "created_at",
 * "created_by"}; ERR_PAYMENT_NOT_FOUND. */
enum err payment_json(struct store *st, int64_t id, json_t **out);
/* {"payments": [...], "next_after"}: entries newest first (ids below
 * after when after > 0). */
enum err payment_list(struct store *st, const struct payment_filter *f,
                      json_t **out);

/* {"followups": [{"id", "customer", "invoice_id", "invoice_number",
 * "result_code", "action", "status", "amount_yen", "reference",
 * "created_at", "closed_at", "closed_by", "close_note"}], "next_after"};
 * status NULL: any; customer_id 0: any. */
enum err followup_list(struct store *st, const char *status,
                       int64_t customer_id, int64_t after, int64_t limit,
                       json_t **out);
/* Mark a follow-up done; ERR_FOLLOWUP_NOT_FOUND, ERR_FOLLOWUP_CLOSED. */
enum err followup_close(struct store *st, int64_t id, const char *note,
                        const char *actor);

/* ---------------------------------------------------------------------- */
/* Convenience-store payments from the agent's CSV: cvs_import.c           */
/* ---------------------------------------------------------------------- */

#define CVS_IMPORT_BYTES_MAX  (8u << 20) /* file size */
#define CVS_IMPORT_ROWS_MAX   100000     /* data rows */
#define CVS_IMPORT_ERRORS_MAX 200        /* listed (all are counted) */

/* Writes the import's one audit entry inside the open transaction. */
typedef enum err (*cvs_audit_fn)(void *arg, struct store *st, json_t *detail);

/*
 * Import the collection agent's report (コンビニ収納速報): a heading row,
 * then one payment per row with the invoice number (請求書番号,
 * invoice_number) or the slip's barcode (バーコード, barcode: the invoice
 * and the amount from it, cvs_barcode_parse), the amount (金額,
 * amount_yen; may be left out with a barcode, must equal the barcode's
 * when both are there) and the day paid (入金日, paid_on), optional store
 * (店舗) and reference (受付番号); UTF-8 or
 * Shift_JIS (cs, CHARSET_AUTO detects). Every row is checked and posted
 * in ONE transaction: a dry run, or any row with an error, rolls it all
 * back and the summary lists each error with its line; a clean real run
 * commits with one audit entry. A row the ledger has already (same
 * invoice, amount and date from an earlier file) is a duplicate and
 * changes nothing, so a file can be sent again.
 * *summary (new ref): {"dry_run", "charset", "rows", "valid",
 * "duplicates", "total_yen", "error_count", "errors": [{"line", "field",
 * "code", "message"}], "errors_truncated", "imported" (real run)}.
 * ERR_IMPORT_ROWS (rows failed: nothing written, *summary set),
 * ERR_IMPORT_FORMAT / ERR_IMPORT_CHARSET / ERR_IMPORT_MAPPING (the file
 * cannot be read as described), ERR_TOO_LARGE.
 */
enum err cvs_import_run(struct store *st, const char *data, size_t n,
                        enum charset cs, bool dry_run, const char *actor,
                        cvs_audit_fn audit, void *arg, json_t **summary);

/*
 * The GS1-128 (EAN-128) barcode of a convenience-store slip (コンビニ収納
 * 代行, 標準料金代理収納ガイドライン): 44 digits,
 *
 *   pos  len
 *     1    2  AI "91"
 *     3    6  biller code (請求書発行企業コード)
 *     9   21  free area: on our slips the invoice number, zero-filled
 *    30    1  reissue count (再発行区分)
 *    31    6  payment deadline YYMMDD (西暦 2 digits: 20YY)
 *    37    1  revenue-stamp flag (印紙フラグ) 0 or 1
 *    38    6  amount in yen
 *    44    1  check digit: modulus 10, weights 3 and 1 alternating from
 *             the right over the 43 digits before it (AI included)
 *
 * Parentheses, spaces and hyphens (as people copy "(91)123456-…") are
 * ignored; full-width digits are the caller's to fold.
 */
#define CVS_BARCODE_DIGITS 44

struct cvs_barcode {
    char biller[7];
    int64_t invoice_number; /* from the free area, > 0 */
    int reissue;
    char pay_by[11]; /* YYYY-MM-DD */
    bool stamp;
    int64_t amount_yen;
};

/* The check digit of the 43 digits at d ('0'..'9'). */
int cvs_barcode_check_digit(const char *d);
/* Parse s; ERR_CVS_BARCODE with a Japanese detail saying what is wrong. */
enum err cvs_barcode_parse(const char *s, struct cvs_barcode *out);

/* ---------------------------------------------------------------------- */
/* Bank statements into transfers: bank_import.c                           */
/* ---------------------------------------------------------------------- */

#define BANK_IMPORT_ITEMS_MAX 500 /* lines listed in the summary */

/*
 * Import the bank's 振込入金通知 (01) or 入出金取引明細 (03) file
 * (zengin_bank.h) into bank_transfers: every credited transfer (入金 with
 * 取引区分 振込; every record of a 01 but its cancellations) is recorded
 * by transfer_record() — matched at once when sure, else on the review
 * list — with the payer's name as the bank wrote it, the 勘定日 as the day
 * received and the 照会番号 as the bank reference. Other records
 * (出金, cash deposits, 取消) are counted as skipped. A record imported
 * before (same account, 勘定日 and 照会番号; without a 照会番号 the same
 * amount, payer and occurrence in the day) is a duplicate and changes
 * nothing, so a file can be sent again, or a later statement that
 * overlaps. One transaction: a dry run, a malformed file or any record
 * that cannot be taken (a 勘定日 after today, no payer name) writes
 * nothing; a real run commits with one audit entry.
 * *summary (new ref): {"dry_run", "kind" ("deposit_notice" |
 * "statement"), "accounts": [{"bank_code", "branch_code",
 * "account_number", "from", "to", "records"}], "records", "transfers",
 * "imported", "matched", "review", "duplicates", "skipped", "total_yen",
 * "items": [{"line", "received_on", "amount_yen", "payer_name", "status"
 * (matched | review | duplicate | skipped), "transfer_id", "reason"}],
 * "items_truncated", "error_count", "errors": [{"line", "field", "code",
 * "message"}]}. ERR_BANK_STATEMENT_FORMAT (the file; *summary holds the
 * one error), ERR_IMPORT_ROWS (records refused; nothing written),
 * ERR_TOO_LARGE.
 */
enum err bank_import_run(struct store *st, const char *data, size_t n,
                         bool dry_run, const char *actor, cvs_audit_fn audit,
                         void *arg, json_t **summary);

/* ---------------------------------------------------------------------- */
/* Idempotency keys of POST /payments: idempotency.c                       */
/* ---------------------------------------------------------------------- */

#define IDEMPOTENCY_KEY_MAX 255         /* bytes, printable ASCII */
#define IDEMPOTENCY_KEEP_S  (24 * 3600) /* how long an answer is kept */

/* A stored answer: found, whether its request hash is the one asked
 * about, and the answer (status, JSON text; free() it). */
struct idem_hit {
    bool found, same;
    int status;
    char *response;
};

/* Whether key is acceptable: 1–IDEMPOTENCY_KEY_MAX printable ASCII. */
bool idempotency_key_valid(const char *key);
/* The answer actor got for key within the last IDEMPOTENCY_KEEP_S
 * seconds before now_s; hash is the request's (hex BLAKE2b). */
enum err idempotency_find(struct store *st, const char *actor, const char *key,
                          const char *hash, int64_t now_s,
                          struct idem_hit *hit);
/* Keep the answer (inside the transaction that made it); drops answers
 * older than IDEMPOTENCY_KEEP_S. */
enum err idempotency_save(struct store *st, const char *actor, const char *key,
                          const char *hash, int status, const char *response,
                          int64_t now_s);

/* ---------------------------------------------------------------------- */
/* Dunning (督促): dunning.c (the step order), dunning_store.c              */
/* ---------------------------------------------------------------------- */

/* The supply-stop warning steps, in order. A case starts with a
 * reminder and ends with resolved (paid or agreed: from any step before
 * a stop) or resumed (supply restored: only after a stop). */
enum dunning_step {
    DUNNING_NONE = 0,    /* no open case */
    DUNNING_REMINDER,    /* 督促状 */
    DUNNING_DEMAND,      /* 催告 */
    DUNNING_STOP_NOTICE, /* 供給停止予告: names the planned stop date */
    DUNNING_STOPPED,     /* 供給停止: done by a person on site */
    DUNNING_RESUMED,     /* 供給再開 */
    DUNNING_RESOLVED,    /* 解決 (paid, or a payment plan agreed) */
};

#define DUNNING_NOTE_MAX    400
#define CONTACT_TEXT_MAX    1000
#define DUNNING_PAY_BY_DAYS 14 /* a letter's pay-by date by default */

const char *dunning_step_name(enum dunning_step s);  /* "reminder" … */
const char *dunning_step_label(enum dunning_step s); /* 督促状 … */
bool dunning_step_parse(const char *s, enum dunning_step *out);
/* Whether next may be recorded after last, the last step of the
 * customer's open case (DUNNING_NONE: none open). */
bool dunning_step_allowed(enum dunning_step last, enum dunning_step next);
/* The steps a case may take next after last, as names (NULL-ended, at
 * most 3). */
void dunning_next_steps(enum dunning_step last, const char *out[4]);
/* True for the steps that close a case (resolved, resumed). */
bool dunning_step_ends_case(enum dunning_step s);

struct dunning_step_in {
    enum dunning_step step;
    const char *taken_on;        /* YYYY-MM-DD, not in the future */
    const char *stop_planned_on; /* stop_notice: the date announced */
    const char *note;            /* NULL ok */
    const char *actor;
};

/*
 * Record one step for the customer, refusing it out of order
 * (ERR_DUNNING_STEP_ORDER: not the next step of the open case, dated
 * before the step before it, a stop before the date its notice
 * announced, or a notice whose stop date is not after it) and, for every
 * step up to the stop itself, without anything overdue
 * (ERR_DUNNING_NOT_OVERDUE). ERR_CUSTOMER_NOT_FOUND, ERR_INVALID (dates;
 * a Japanese detail). *out (new ref): the step as dunning_steps_json
 * lists it.
 */
enum err dunning_step_record(struct store *st, int64_t customer_id,
                             const struct dunning_step_in *in, json_t **out);
/* {"customer_id", "case_no", "open": bool, "next_steps": [...], "steps":
 * [{"id", "case_no", "step", "label", "taken_on", "overdue_yen",
 * "stop_planned_on", "note", "created_at", "created_by"}]} oldest first. */
enum err dunning_steps_json(struct store *st, int64_t customer_id,
                            json_t **out);

struct contact_note_in {
    const char *contacted_on; /* YYYY-MM-DD */
    const char *channel;      /* phone visit letter email other */
    const char *staff;        /* who made the contact */
    const char *person;       /* who was reached (NULL ok) */
    const char *summary;      /* what was said */
    const char *agreement;    /* what was agreed (NULL ok) */
    int64_t promised_yen;     /* 0: none */
    const char *promised_on;  /* NULL ok */
    const char *actor;
};
/* Add a note of contact; *out (new ref) as listed. ERR_CUSTOMER_NOT_FOUND. */
enum err contact_note_add(struct store *st, int64_t customer_id,
                          const struct contact_note_in *in, json_t **out);
/* {"contact_notes": [...]} newest first, at most limit. */
enum err contact_notes_json(struct store *st, int64_t customer_id,
                            int64_t limit, json_t **out);

struct overdue_filter {
    const char *as_of;
    int min_months;             /* 1..3: oldest overdue at least this old */
    int64_t min_yen;            /* overdue at least this much */
    const char *payment_method; /* NULL: any (the customer's contracts) */
    int64_t after, limit;       /* customers by id */
};
/* {"as_of", "customers": [{"customer": {id, number, name, phone},
 * "ageing", "payment_methods", "last_step": {...} or null,
 * "last_contact_on", "open_followups"}], "next_after", "count",
 * "overdue_yen"} — count and overdue_yen over every customer that
 * passes the filter, the list one page of them. */
enum err dunning_overdue(struct store *st, const struct overdue_filter *f,
                         json_t **out);
/* The tenant's ageing: {"as_of", "totals": ageing JSON with
 * "customers", "customers_overdue", "customers_credit"}, "customers":
 * [{"customer", "ageing"}] of a page of customers with a balance}. */
enum err receivables_ageing(struct store *st, const char *as_of, int64_t after,
                            int64_t limit, json_t **out);

/* The content of a reminder letter for step (reminder, demand or
 * stop_notice) dated as_of: {"title", "step", "issued_on", "pay_by",
 * "customer": {number, name, postal_code, address}, "issuer": {name,
 * address, phone, registration}, "invoices": [{number, issued_on, due_on,
 * amount_yen, open_yen}] (the overdue ones), "overdue_yen",
 * "stop_planned_on", "body"}. A stop notice names stop_on, else the date
 * the open case's notice recorded (ERR_INVALID when neither).
 * ERR_CUSTOMER_NOT_FOUND, ERR_DUNNING_NOT_OVERDUE. */
enum err dunning_letter_json(struct store *st, int64_t customer_id,
                             enum dunning_step step, const char *as_of,
                             const char *pay_by, const char *stop_on,
                             json_t **out);

/* The letter as an A4 PDF (cairo/pango, IPAex Gothic) into out;
 * ERR_TOO_LARGE past out's maximum. reminder_pdf.c. */
enum err reminder_pdf(const json_t *letter, struct buf *out);

#endif
