/*
 * bank_import.c — the bank's statement of money received (振込入金通知 /
 * 入出金取引明細, zengin_bank.h) into bank_transfers, all or nothing
 * (payments.h describes what is taken and the answer).
 *
 * Each credited transfer gets a source key naming the statement record:
 *   "zb:<bank>:<branch>:<account>:<勘定日>:<照会番号>"
 * (account and 照会番号 without leading zeros: a 01 writes 7 and 6
 * digits, a 03 10 and 8) or, when the bank leaves 照会番号 zero,
 *   "zb:<bank>:<branch>:<account>:<勘定日>:<amount>:<payer code>:<payer
 *    name>#<n>" (n: the how-many-th such record in the file, from 0),
 * kept unique in bank_transfers (migration 3): a key there already is a
 * duplicate and changes nothing. transfer_record() does the matching by
 * amount and kana name (transfer_store.c), the same as a transfer entered
 * by hand.
 *
 * One transaction whatever happens; commit only for a real run without
 * errors, with one audit entry (counts, the file's BLAKE2b; never names).
 */
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "payments/payments.h"
#include "payments/zengin_bank.h"
#include "store/store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 256

struct job {
    struct store *st;
    const struct zbank_file *f;
    char **keys; /* each entry's source key */
    const char *actor;
    size_t transfers, imported, matched, review, duplicates, skipped;
    size_t nerrors, nitems;
    int64_t total_yen;
    json_t *items, *errors;
};

static void
job_error(struct job *j, size_t line, const char *field, const char *code,
          const char *msg)
{
    if (j->nerrors++ >= CVS_IMPORT_ERRORS_MAX)
        return;
    json_array_append_new(j->errors, json_pack("{s:I, s:s, s:s, s:s}", "line",
                                               (json_int_t)line, "field", field,
                                               "code", code, "message", msg));
}

/* One line of the answer's list (the first BANK_IMPORT_ITEMS_MAX). */
static void
job_item(struct job *j, const struct zbank_entry *e, const char *name,
         const char *status, int64_t transfer_id, const char *reason)
{
    if (j->nitems++ >= BANK_IMPORT_ITEMS_MAX)
        return;
    json_array_append_new(
        j->items,
        json_pack("{s:I, s:s, s:I, s:s, s:s, s:o, s:o}", "line",
                  (json_int_t)e->line, "received_on", e->booked_on,
                  "amount_yen", (json_int_t)e->amount_yen, "payer_name", name,
                  "status", status, "transfer_id",
                  transfer_id ? json_integer(transfer_id) : json_null(),
                  "reason", reason ? json_string(reason) : json_null()));
}

/* Why a record is not a transfer to import, or NULL when it is. */
static const char *
skip_reason(const struct zbank_file *f, const struct zbank_entry *e)
{
    if (e->cancelled)
        return "取消の明細です（元の振込は振込一覧で処理してください）";
    if (!e->credit)
        return "出金の明細です";
    if (f->kind == ZBANK_STATEMENT && e->txn_kind != ZBANK_TXN_TRANSFER)
        return "振込以外の入金です（現金・振替など）";
    return NULL;
}

static bool
no_reference(const struct zbank_entry *e)
{
    return strspn(e->reference, "0") == strlen(e->reference);
}

/* The key without its "#n" (the account's numbers without their zeros,
 * so a 01 and a 03 of one account name a record alike). */
static void
base_key(const struct zbank_file *f, const struct zbank_entry *e,
         char out[KEY_MAX])
{
    const struct zbank_account *a = &f->accounts[e->account];
    const char *acct = a->account_number + strspn(a->account_number, "0");
    const char *ref = e->reference + strspn(e->reference, "0");
    if (*ref)
        snprintf(out, KEY_MAX, "zb:%s:%s:%s:%s:%s", a->bank_code,
                 a->branch_code, acct, e->booked_on, ref);
    else
        snprintf(out, KEY_MAX, "zb:%s:%s:%s:%s:%lld:%s:%s", a->bank_code,
                 a->branch_code, acct, e->booked_on, (long long)e->amount_yen,
                 e->payer_code, e->payer_name);
}

struct keyed {
    char *key;
    size_t index;
};

static int
keyed_cmp(const void *pa, const void *pb)
{
    const struct keyed *a = pa, *b = pb;
    int d = strcmp(a->key, b->key);
    return d ? d : a->index < b->index ? -1 : a->index > b->index;
}

/* Every entry's source key into keys[i] (malloc'd): the base key, and for
 * records without a 照会番号 "#n", n counting the same base key earlier
 * in the file (sorted, so a large file costs n log n). */
static void
source_keys(const struct zbank_file *f, char **keys)
{
    struct keyed *k = xcalloc(f->n_entries ? f->n_entries : 1, sizeof(*k));
    size_t nk = 0;
    char base[KEY_MAX];
    for (size_t i = 0; i < f->n_entries; i++) {
        base_key(f, &f->entries[i], base);
        keys[i] = xstrdup(base);
        if (no_reference(&f->entries[i]))
            k[nk++] = (struct keyed){keys[i], i};
    }
    qsort(k, nk, sizeof(*k), keyed_cmp);
    size_t n = 0; /* k[i].key stays the base key: keys[] gets the new */
    for (size_t i = 0; i < nk; i++) {
        n = i && !strcmp(k[i].key, k[i - 1].key) ? n + 1 : 0;
        snprintf(base, sizeof(base), "%s#%zu", k[i].key, n);
        keys[k[i].index] = xstrdup(base);
    }
    for (size_t i = 0; i < nk; i++)
        free(k[i].key);
    free(k);
}

static enum err
key_exists(struct store *st, const char *key, bool *exists)
{
    struct stmt *s;
    enum err rc = store_query(st, &s,
                              "SELECT 1 FROM bank_transfers"
                              " WHERE source_key = $1",
                              "t", key);
    if (!rc)
        rc = stmt_step(s, exists);
    stmt_done(s);
    return rc;
}

/* Record entry i; a record that cannot be taken is an error of the file,
 * a store failure ends the job. */
static enum err
job_entry(struct job *j, size_t i, const char *today)
{
    const struct zbank_entry *e = &j->f->entries[i];
    char name[3 * sizeof(e->payer_name) + 1], ref[32];
    const char *key = j->keys[i];
    bool exists = false;
    struct transfer_out out;
    if (!zengin_text_utf8(e->payer_name, name, sizeof(name)))
        name[0] = '\0';
    const char *why = skip_reason(j->f, e);
    if (why) {
        j->skipped++;
        job_item(j, e, name, "skipped", 0, why);
        return ERR_OK;
    }
    j->transfers++;
    if (strcmp(e->booked_on, today) > 0) {
        job_error(j, e->line, "booked_on", "future",
                  "勘定日が今日より後です（和暦 令和の年として読んでいます）");
        return ERR_OK;
    }
    if (!name[0]) {
        job_error(j, e->line, "payer_name", "required", "振込依頼人名が空です");
        return ERR_OK;
    }
    enum err rc = key_exists(j->st, key, &exists);
    if (rc)
        return rc;
    if (exists) {
        j->duplicates++;
        job_item(j, e, name, "duplicate", 0, "取込済みの振込です");
        return ERR_OK;
    }
    snprintf(ref, sizeof(ref), "照会番号 %s", e->reference);
    struct transfer_in in = {.received_on = e->booked_on,
                             .amount_yen = e->amount_yen,
                             .payer_name = name,
                             .bank_reference = ref,
                             .source_key = key,
                             .actor = j->actor};
    rc = transfer_record(j->st, &in, &out);
    if (rc == ERR_STORE || rc == ERR_STORE_BUSY || rc == ERR_INTERNAL)
        return rc;
    if (rc) {
        job_error(j, e->line, "", err_code(rc), err_detail());
        return ERR_OK;
    }
    j->imported++;
    j->total_yen += e->amount_yen;
    if (!strcmp(out.status, "review"))
        j->review++;
    else
        j->matched++;
    job_item(j, e, name, out.status, out.transfer_id, NULL);
    return ERR_OK;
}

static json_t *
accounts_json(const struct zbank_file *f)
{
    json_t *a = json_array();
    for (size_t i = 0; i < f->n_accounts; i++) {
        const struct zbank_account *x = &f->accounts[i];
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "bank_code",
                         x->bank_code, "branch_code", x->branch_code,
                         "account_number", x->account_number, "from", x->from,
                         "to", x->to, "records", (json_int_t)x->count));
    }
    return a;
}

static json_t *
summary_of(const struct job *j, bool dry_run)
{
    const struct zbank_file *f = j->f;
    return json_pack(
        "{s:b, s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:O, s:b,"
        " s:I, s:O}",
        "dry_run", dry_run, "kind",
        f->kind == ZBANK_STATEMENT ? "statement" : "deposit_notice", "accounts",
        accounts_json(f), "records", (json_int_t)f->n_entries, "transfers",
        (json_int_t)j->transfers, "imported", (json_int_t)j->imported,
        "matched", (json_int_t)j->matched, "review", (json_int_t)j->review,
        "duplicates", (json_int_t)j->duplicates, "skipped",
        (json_int_t)j->skipped, "total_yen", (json_int_t)j->total_yen, "items",
        j->items, "items_truncated", j->nitems > BANK_IMPORT_ITEMS_MAX,
        "error_count", (json_int_t)j->nerrors, "errors", j->errors);
}

static json_t *
audit_detail(const struct job *j, const char *data, size_t n)
{
    unsigned char h[32];
    char hex[65];
    crypto_generichash(h, sizeof(h), (const unsigned char *)data, n, NULL, 0);
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    return json_pack(
        "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s}", "kind",
        j->f->kind == ZBANK_STATEMENT ? "statement" : "deposit_notice",
        "records", (json_int_t)j->f->n_entries, "imported",
        (json_int_t)j->imported, "matched", (json_int_t)j->matched, "review",
        (json_int_t)j->review, "duplicates", (json_int_t)j->duplicates,
        "skipped", (json_int_t)j->skipped, "total_yen",
        (json_int_t)j->total_yen, "bytes", (json_int_t)n, "blake2b", hex);
}

/* The file's one error as a summary, for the problem's errors[]. */
static json_t *
format_summary(bool dry_run, const struct zengin_fault *fault)
{
    return json_pack("{s:b, s:I, s:[{s:I, s:s, s:s, s:s}]}", "dry_run", dry_run,
                     "error_count", (json_int_t)1, "errors", "line",
                     (json_int_t)fault->line, "field",
                     fault->field ? fault->field : "", "code", "format",
                     "message", err_detail());
}

enum err
bank_import_run(struct store *st, const char *data, size_t n, bool dry_run,
                const char *actor, cvs_audit_fn audit, void *arg,
                json_t **summary)
{
    struct zbank_file f;
    struct zengin_fault fault;
    char today[11];
    *summary = NULL;
    enum err rc = zbank_read(data ? data : "", n, &f, &fault);
    if (rc == ERR_BANK_STATEMENT_FORMAT)
        *summary = format_summary(dry_run, &fault);
    if (rc || (rc = store_tx_begin(st))) {
        zbank_file_free(&f);
        return rc;
    }
    struct job j = {.st = st,
                    .f = &f,
                    .actor = actor,
                    .keys =
                        xcalloc(f.n_entries ? f.n_entries : 1, sizeof(char *)),
                    .items = json_array(),
                    .errors = json_array()};
    source_keys(&f, j.keys);
    time_today_jst(today);
    for (size_t i = 0; !rc && i < f.n_entries; i++)
        rc = job_entry(&j, i, today);
    if (!rc && j.nerrors)
        rc = err_fail(ERR_IMPORT_ROWS, "%zu 件の明細を取り込めません",
                      j.nerrors);
    if (!rc || rc == ERR_IMPORT_ROWS)
        *summary = summary_of(&j, dry_run);
    if (!rc && !dry_run)
        rc = audit(arg, st, audit_detail(&j, data, n));
    if (!rc && !dry_run)
        rc = store_tx_commit(st);
    if (rc || dry_run)
        store_tx_rollback(st);
    if (rc && rc != ERR_IMPORT_ROWS) {
        json_decref(*summary);
        *summary = NULL;
    }
    for (size_t i = 0; i < f.n_entries; i++)
        free(j.keys[i]);
    free(j.keys);
    json_decref(j.items);
    json_decref(j.errors);
    zbank_file_free(&f);
    return rc;
}
