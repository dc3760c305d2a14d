/*
 * debit.h — bank direct debit (口座振替): the tenant's collection contract
 * with its bank (委託者 settings), the request file sent to the bank
 * (口座振替依頼データ) and the import of the result file it sends back
 * (振替結果). The Zengin bytes are zengin.h's; the money is the ledger's
 * (ledger.h): a result posts through ledger_post_debit_result().
 *
 * A request (debit_requests; its id is its number, gapless per tenant)
 * takes the issued invoices of one billing run, or of every run of a
 * month (some groups of it), whose contract is paid by debit today, and
 * that are on no live request yet; it writes one Zengin file, or one per
 * payer's bank (the collection contract says which), and stores each file
 * whole in the tenant store with its BLAKE2b (debit_files), with one row
 * per data record saying which invoice it collects (debit_lines: record
 * number, invoice, customer, customer number, amount). An invoice whose
 * data cannot go into a file (no account, a holder name no bank takes, a
 * customer number that is not digits) is kept as a problem of the request
 * (debit_problems) with its reason; one that owes nothing is kept as
 * skipped. The request builds for the rest.
 *
 * The amount of a line (debit_amount) is what the invoice asks for
 * (amount_due_yen: its total plus the balance it carried, 前回未収/前受)
 * but never more than the customer owes today less what live requests
 * are already collecting and the bank has not answered for yet:
 *     min(amount_due_yen, balance − pending)
 * balance being the ledger's Σ movements (issued invoices, payments,
 * adjustments), pending the amounts of the customer's live lines without
 * a result, the lines of this request before it included. So a balance
 * carried on by a new invoice while an earlier request is still out is
 * not debited twice, money paid since the invoice was issued is not asked
 * for again, and a customer is never debited more than the statement
 * said. Zero or less: skipped (nothing owed). An invoice is on at most
 * one live line ever (a unique index): a failed debit stays owed and the
 * next invoice carries it (the ledger's follow-up "redebit").
 *
 * A result must match the stored request file it answers, record by
 * record (debit_match): the same requester code and debit date, as many
 * records, and each record's bank, branch, account type and number,
 * amount and customer number equal to the request's record at the same
 * place (the depositor name and the new code are not compared: banks
 * may write the name as their own records have it). Anything else is
 * refused naming the line and the field, and nothing changes. A match posts
 * each record's result code in ONE transaction with one audit entry: 0 a
 * payment naming the invoice, any other code a follow-up (ledger.h), each under
 * the source key "debit:<request>:<file>:<record>". The same result again
 * changes nothing and says so (already_imported); different result codes for
 * records already answered are refused (ERR_DEBIT_RESULT_IMPORTED).
 *
 * Account numbers are personal data: they are in the stored files (the
 * tenant store, beside the contracts they come from, mode 0600, sealed in
 * backups) and nowhere else this module writes — never in lines,
 * problems, answers, audit entries, logs or error messages. Only the file
 * download shows them (payments.debit_file, step-up).
 */
#ifndef PL_PAYMENTS_DEBIT_H
#define PL_PAYMENTS_DEBIT_H

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "payments/zengin.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define DEBIT_LIST_MAX           1000 /* problems, failures in an answer */
#define DEBIT_RESULT_BODY_MAX    (32u << 20) /* a result file over HTTP */
#define DEBIT_GROUPS_MAX         31          /* billing groups in one request */
#define DEBIT_REQUESTER_NAME_MAX 40          /* characters typed */
#define DEBIT_BANK_NAME_MAX      15

/* ---------------------------------------------------------------------- */
/* The collection contract (debit_settings.c): settings payments.debit.*   */
/* ---------------------------------------------------------------------- */

struct debit_settings {
    char requester_code[11]; /* 委託者コード: 10 digits from the bank */
    char requester_name[DEBIT_REQUESTER_NAME_MAX * 4 + 1]; /* 委託者名 */
    char bank_code[5];                                     /* 取引銀行 */
    char bank_name[DEBIT_BANK_NAME_MAX * 4 + 1];
    char branch_code[4];
    char branch_name[DEBIT_BANK_NAME_MAX * 4 + 1];
    int account_type;       /* 1 普通, 2 当座, 9 その他; 0 not set */
    char account_number[8]; /* the requester's own account, 7 digits */
    enum zengin_eol eol;    /* CR LF after each record, or none */
    bool per_bank;          /* one file per payer's bank, else combined */
};

/* The tenant's settings (defaults: nothing set, CR LF, combined). */
enum err debit_settings_get(struct store *st, struct debit_settings *out);
/* Store every key of s (inside the caller's transaction). */
enum err debit_settings_put(struct store *st, const struct debit_settings *s);
/* True when a request can be written with s (every header field set). */
bool debit_settings_complete(const struct debit_settings *s);
/* Field errors for what is set but malformed (codes, a name that does not
 * convert to Zengin kana or is too long); "debit.<key>" fields. */
void debit_settings_check(const struct debit_settings *s, struct jcheck *k);
/* {"debit": {"requester_code", "requester_name", "bank": {"code",
 * "name"}, "branch": {"code", "name"}, "account_type",
 * "account_number", "line_ending": "crlf"|"none", "files":
 * "combined"|"per_bank", "complete"}} (new ref). */
json_t *debit_settings_json(const struct debit_settings *s);
/* Apply a PUT body's "debit" object over s (keys present only), with
 * field errors for malformed values. */
void debit_settings_read(struct jcheck *k, const json_t *body,
                         struct debit_settings *s);

/* ---------------------------------------------------------------------- */
/* Pure rules (debit.c)                                                    */
/* ---------------------------------------------------------------------- */

/* A Japanese national holiday (祝日, 振替休日, 国民の休日) by the law in
 * force since 2022; date is a valid "YYYY-MM-DD" of 2000–2099. */
bool debit_holiday(const char *date);
/* A day banks debit on: not Saturday, Sunday, a holiday, nor 12-31,
 * 01-01 … 01-03. False for a malformed date or a year outside 2000–2099. */
bool debit_business_day(const char *date);

/* The amount to debit for an invoice (see the top): min(amount_due,
 * balance − pending), 0 when that is not positive. */
int64_t debit_amount(int64_t amount_due_yen, int64_t balance_yen,
                     int64_t pending_yen);

/* One invoice that may be debited, as the selection loads it. */
struct debit_cand {
    int64_t invoice_id, invoice_number, customer_id, contract_id;
    int64_t amount_due_yen, balance_yen, pending_yen;
    char customer_number[24];
    char bank_code[8], branch_code[8], account_type[4], account_number[16];
    char holder[96]; /* 口座名義 as stored (half-width kana) */
    bool first;      /* no earlier live line for this contract: 新規 1 */
    /* set by debit_plan */
    int64_t amount_yen; /* to debit; 0 when skipped or a problem */
    const char *reason; /* NULL: fine; "no_account", "kana", ... */
    const char *field;  /* the contract/customer field at fault */
    char message[192];  /* Japanese, never the account number */
    int file;           /* 0-based file index (per bank: by bank code) */
    size_t line;        /* set by the writer: record number in its file */
};

/*
 * Decide every candidate of c[0..n): reorders c by customer, invoice
 * number to work out the amounts (debit_amount with the customer's
 * earlier lines as pending), checks the account, holder name and customer
 * number (reason "no_account", "account", "kana", "customer_number",
 * "amount", or "nothing_owed" for a skip), then orders c as the files
 * are written: by bank code when per_bank, then invoice number; sets
 * file (consecutive per bank) and returns the number of files in *files.
 */
void debit_plan(struct debit_cand *c, size_t n, bool per_bank, size_t *files);

/*
 * Whether the result res answers the request req (both read by
 * zengin_read): the same requester code and debit date, as many records,
 * and each record's bank, branch, account type, account number, amount
 * and customer number equal to the request's at the same place.
 * ERR_DEBIT_RESULT_MISMATCH with err_detail() naming the line and the
 * field (never the values), fault (may be NULL) set as zengin_read sets it.
 */
enum err debit_match(const struct zengin_file *req,
                     const struct zengin_file *res, struct zengin_fault *fault);

/* Hex for storing a file as text: out gets 2n + 1 bytes. */
void debit_hex_encode(const char *p, size_t n, char *out);
/* Decode len hex digits into out (len / 2 bytes); false when malformed. */
bool debit_hex_decode(const char *hex, size_t len, char *out);

/* ---------------------------------------------------------------------- */
/* Requests (debit_store.c)                                                */
/* ---------------------------------------------------------------------- */

/* Writes the one audit entry of a change, inside its transaction. */
typedef enum err (*debit_audit_fn)(void *arg, struct store *st,
                                   const char *action, const char *target,
                                   json_t *detail);

struct debit_request_in {
    int64_t run_id;        /* one billing run, or 0: */
    const char *month;     /* every run of this month (YYYY-MM) */
    const int64_t *groups; /* of these groups (n_groups 0: every one) */
    size_t n_groups;
    const char *debit_on;  /* 振替日: a business day, YYYY-MM-DD */
    const char *bank_code; /* NULL: every payer's bank; else only it */
    bool preview;          /* work it all out, store nothing */
    const char *actor;
};

/*
 * Select, work out, write and store a request (see the top) in one
 * transaction with its audit entry debit_request.create (counts, totals,
 * files' hashes; never accounts). *out (new ref) is debit_request_json's
 * answer (a preview: the same without an id, "preview": true).
 * ERR_DEBIT_SETTINGS_MISSING (the collection contract is incomplete),
 * ERR_BILLING_RUN_NOT_FOUND (no such run / no run of the month),
 * ERR_CONFLICT (a run not committed yet), ERR_INVALID (a date that is not
 * a business day), ERR_DEBIT_NOTHING (no invoice could go into a file:
 * the detail counts problems and skips; nothing stored).
 */
enum err debit_request_create(struct store *st,
                              const struct debit_request_in *in,
                              debit_audit_fn audit, void *arg, json_t **out);
/* {"id", "status", "debit_on", "runs", "bank_code", "files_mode",
 * "line_ending", "lines", "amount_yen", "files": [{"file_no",
 * "bank_code", "lines", "amount_yen", "bytes", "blake2b", "downloads",
 * "last_download_at", "result": null | {...}}], "problem_count",
 * "problems": [{"invoice_id", "invoice_number", "customer": {"id",
 * "number", "name"}, "reason", "field", "message"}], "skipped_count",
 * "skipped": [...], "results": {"debited_count", "debited_yen",
 * "failed_count", "failed_yen", "pending_count"}, "created_at",
 * "created_by", "cancelled_at", "cancelled_by", "cancel_reason"}.
 * ERR_DEBIT_REQUEST_NOT_FOUND. */
enum err debit_request_json(struct store *st, int64_t id, json_t **out);
/* {"debit_requests": [summary without problems...], "next_after"}
 * newest first (ids below after when after > 0). */
enum err debit_request_list(struct store *st, int64_t after, int64_t limit,
                            json_t **out);
/* {"lines": [{"file_no", "line", "invoice_id", "invoice_number",
 * "customer": {...}, "amount_yen", "result_code", "result_name",
 * "followup_id", "entry_id"}], "next_after"} in file and record order;
 * status "pending" | "debited" | "failed" | NULL (all). */
enum err debit_request_lines(struct store *st, int64_t id, const char *status,
                             int64_t after, int64_t limit, json_t **out);
/* Cancel a request nobody answered for yet: its invoices may go on
 * another request (debit_request.cancel). ERR_DEBIT_REQUEST_NOT_FOUND,
 * ERR_DEBIT_REQUEST_CANCELLED, ERR_DEBIT_RESULT_IMPORTED. */
enum err debit_request_cancel(struct store *st, int64_t id, const char *reason,
                              const char *actor, debit_audit_fn audit,
                              void *arg);

/* A stored file, as handed out. */
struct debit_file_out {
    struct buf data; /* the Zengin bytes (caller: buf_free) */
    int file_no;
    size_t records; /* data records */
    char bank_code[5];
    char blake2b[65];
    char name[64]; /* "debit-<request>-<file>-<MMDD>.txt" */
};
/*
 * The request's file file_no (0: the only one) with its hash checked,
 * counted as a download and audited (debit_request.download: request,
 * file, records, amount, hash) in one transaction: no entry, no file.
 * ERR_DEBIT_REQUEST_NOT_FOUND, ERR_DEBIT_FILE_NOT_FOUND (no such file, or
 * file_no 0 with several), ERR_DEBIT_REQUEST_CANCELLED, ERR_INTERNAL
 * when the stored bytes no longer match their hash.
 */
enum err debit_file_take(struct store *st, int64_t request_id, int file_no,
                         debit_audit_fn audit, void *arg,
                         struct debit_file_out *out);

/* ---------------------------------------------------------------------- */
/* Results (debit_result.c)                                                */
/* ---------------------------------------------------------------------- */

struct debit_result_in {
    int64_t request_id;
    int file_no;      /* 0: the request's only file, or the one whose bank
                         the result's records are at */
    const char *data; /* the bank's file */
    size_t n;
    bool dry_run; /* check and summarise; write nothing */
    const char *actor;
};

/*
 * Import a result file (see the top). *summary (new ref): {"request_id",
 * "file_no", "dry_run", "already_imported", "records", "debit_on",
 * "by_code": [{"code", "name", "count", "amount_yen"}], "debited":
 * {"count", "amount_yen"}, "failed": {...}, "failures": [{"line",
 * "invoice_id", "invoice_number", "customer": {"id", "number", "name"},
 * "amount_yen", "result_code", "result_name", "action", "followup_id"}],
 * "failures_truncated"}. ERR_ZENGIN_FORMAT (the file is not a well-formed
 * result: line and field in the detail), ERR_DEBIT_RESULT_MISMATCH,
 * ERR_DEBIT_RESULT_IMPORTED, ERR_DEBIT_REQUEST_NOT_FOUND,
 * ERR_DEBIT_REQUEST_CANCELLED, ERR_DEBIT_FILE_NOT_FOUND. On any error
 * nothing is written.
 */
enum err debit_result_import(struct store *st, const struct debit_result_in *in,
                             debit_audit_fn audit, void *arg, json_t **summary);

#endif
