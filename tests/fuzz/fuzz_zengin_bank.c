/*
 * fuzz_zengin_bank.c — libFuzzer target for the bank's statements
 * (src/payments/zengin_bank.c: 振込入金通知, 入出金取引明細) and the
 * convenience-store barcode (cvs_barcode.c): any bytes through both.
 *
 * Checks what zengin_bank.h promises. The reader either refuses with
 * ERR_BANK_STATEMENT_FORMAT (ERR_TOO_LARGE past ZBANK_FILE_MAX), a record
 * number inside the input and, when a field is named, one of the
 * layout's, leaving nothing allocated; or it returns accounts and entries
 * that hold together: each account's entries are contiguous and in
 * file order, dates are real ISO dates inside the account's period,
 * amounts positive, text JIS X 0201 without trailing spaces, and the
 * sums per account are what its trailer was checked against. The
 * barcode parser either refuses with ERR_CVS_BARCODE or returns fields
 * that rebuild the same 44 digits, the check digit included.
 */
#include "core/timeutil.h"
#include "payments/payments.h"
#include "payments/zengin_bank.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
jis_text(const char *s, size_t max)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x20 || (b >= 0x7F && b <= 0xA0) || b > 0xDF)
            return false;
    }
    return n <= max && (!n || s[n - 1] != ' ');
}

static bool
digits(const char *s, size_t len)
{
    return strlen(s) == len && strspn(s, "0123456789") == len;
}

static const char *const fields[] = {"record_type",
                                     "kind_code",
                                     "code_set",
                                     "created_on",
                                     "from",
                                     "to",
                                     "bank_code",
                                     "bank_name",
                                     "branch_code",
                                     "branch_name",
                                     "account_type",
                                     "account_number",
                                     "account_name",
                                     "reference",
                                     "booked_on",
                                     "value_on",
                                     "direction",
                                     "txn_kind",
                                     "amount",
                                     "other_bank_amount",
                                     "payer_code",
                                     "payer_name",
                                     "from_bank",
                                     "from_branch",
                                     "cancel",
                                     "summary",
                                     "edi",
                                     "credit_count",
                                     "credit_amount",
                                     "cancel_count",
                                     "cancel_amount",
                                     "debit_count",
                                     "debit_amount",
                                     "record_count",
                                     NULL};

static void
check_refusal(enum err rc, const struct zengin_fault *fault,
              const struct zbank_file *f, size_t n)
{
    if (rc == ERR_TOO_LARGE) {
        if (n <= ZBANK_FILE_MAX)
            abort();
        return;
    }
    if (rc != ERR_BANK_STATEMENT_FORMAT)
        abort();
    if (f->entries || f->accounts || f->n_entries || f->n_accounts)
        abort();
    if (fault->line < 1 || fault->line > n / ZBANK_RECORD_LEN + 2)
        abort();
    if (fault->field) {
        bool known = false;
        for (size_t i = 0; fields[i]; i++)
            known |= !strcmp(fields[i], fault->field);
        if (!known)
            abort();
    }
}

static void
check_file(const struct zbank_file *f)
{
    if (f->kind != ZBANK_DEPOSIT_NOTICE && f->kind != ZBANK_STATEMENT)
        abort();
    if (!f->n_accounts)
        abort();
    size_t next = 0, last_line = 0;
    for (size_t a = 0; a < f->n_accounts; a++) {
        const struct zbank_account *x = &f->accounts[a];
        if (x->first != next || !time_date_valid(x->from) ||
            !time_date_valid(x->to) || strcmp(x->from, x->to) > 0 ||
            !digits(x->bank_code, 4) || !digits(x->branch_code, 3) ||
            !jis_text(x->bank_name, 15) || !jis_text(x->account_name, 40))
            abort();
        next += x->count;
        for (size_t i = x->first; i < x->first + x->count; i++) {
            const struct zbank_entry *e = &f->entries[i];
            if (e->account != a || e->line <= last_line ||
                !time_date_valid(e->booked_on) ||
                strcmp(e->booked_on, x->from) < 0 ||
                strcmp(e->booked_on, x->to) > 0 || e->amount_yen <= 0 ||
                e->other_bank_yen > e->amount_yen ||
                (e->value_on[0] && !time_date_valid(e->value_on)) ||
                !jis_text(e->payer_name, 48) || !jis_text(e->edi, 20) ||
                !digits(e->payer_code, 10))
                abort();
            if (f->kind == ZBANK_DEPOSIT_NOTICE &&
                (!e->credit || e->txn_kind != ZBANK_TXN_TRANSFER))
                abort();
            last_line = e->line;
        }
    }
    if (next != f->n_entries)
        abort();
}

static void
check_barcode(const uint8_t *data, size_t size)
{
    char s[96], again[64];
    struct cvs_barcode b;
    memcpy(s, data, size);
    s[size] = '\0';
    enum err rc = cvs_barcode_parse(s, &b);
    if (rc) {
        if (rc != ERR_CVS_BARCODE)
            abort();
        return;
    }
    snprintf(again, sizeof(again), "91%s000000%015lld%d%.2s%.2s%.2s%d%06lld",
             b.biller, (long long)b.invoice_number, b.reissue, b.pay_by + 2,
             b.pay_by + 5, b.pay_by + 8, b.stamp ? 1 : 0,
             (long long)b.amount_yen);
    if (strlen(again) != CVS_BARCODE_DIGITS - 1)
        abort();
    size_t k = strlen(again);
    again[k] = (char)('0' + cvs_barcode_check_digit(again));
    again[k + 1] = '\0';
    size_t o = 0; /* the input without ( ) space - */
    for (size_t i = 0; s[i]; i++)
        if (!strchr("() -", s[i]))
            s[o++] = s[i];
    s[o] = '\0';
    if (strcmp(s, again))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zbank_file f;
    struct zengin_fault fault;
    enum err rc = zbank_read((const char *)data, size, &f, &fault);
    if (rc)
        check_refusal(rc, &fault, &f, size);
    else
        check_file(&f);
    zbank_file_free(&f);
    if (size < 90 && !memchr(data, 0, size))
        check_barcode(data, size);
    return 0;
}
