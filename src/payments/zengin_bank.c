/*
 * zengin_bank.c — the reader of the bank's 200-byte statements (振込入金
 * 通知 01, 入出金取引明細 03): the layout as one table per kind, then a
 * reader on zengin_rec.c's records, as zengin.c's is (frame the file,
 * hand out records in the order 1, 2…, 8 per group and one 9), which
 * compares each trailer with its group. zengin_bank.h describes the
 * format.
 */
#include "core/xalloc.h"
#include "payments/zengin_bank.h"
#include "payments/zengin_rec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* The layout                                                             */
/* ---------------------------------------------------------------------- */

enum fid {
    H_TYPE,
    H_KIND,
    H_CODE_SET,
    H_CREATED,
    H_FROM,
    H_TO,
    H_BANK_CODE,
    H_BANK_NAME,
    H_BRANCH_CODE,
    H_BRANCH_NAME,
    H_ACCOUNT_TYPE,
    H_ACCOUNT_NUMBER,
    H_ACCOUNT_NAME,
    D_REFERENCE,
    D_BOOKED,
    D_VALUE,
    D_DIRECTION,
    D_TXN_KIND,
    D_AMOUNT,
    D_OTHER_BANK,
    D_PAYER_CODE,
    D_PAYER_NAME,
    D_FROM_BANK,
    D_FROM_BRANCH,
    D_CANCEL,
    D_SUMMARY,
    D_EDI,
    T_CREDIT_COUNT,
    T_CREDIT_AMOUNT,
    T_OTHER_COUNT, /* 01: 取消, 03: 出金 */
    T_OTHER_AMOUNT,
    T_RECORD_COUNT, /* 03 only */
    NFIELDS
};

/* record, type, pos, len, name, label; len 0: not in this kind */
static const struct zengin_field notice[NFIELDS] = {
    [H_TYPE] = {'1', 'N', 1, 1, "record_type", "データ区分"},
    [H_KIND] = {'1', 'N', 2, 2, "kind_code", "種別コード"},
    [H_CODE_SET] = {'1', 'N', 4, 1, "code_set", "コード区分"},
    [H_CREATED] = {'1', 'N', 5, 6, "created_on", "作成日"},
    [H_FROM] = {'1', 'N', 11, 6, "from", "勘定日（自）"},
    [H_TO] = {'1', 'N', 17, 6, "to", "勘定日（至）"},
    [H_BANK_CODE] = {'1', 'N', 23, 4, "bank_code", "銀行コード"},
    [H_BANK_NAME] = {'1', 'C', 27, 15, "bank_name", "銀行名"},
    [H_BRANCH_CODE] = {'1', 'N', 42, 3, "branch_code", "支店コード"},
    [H_BRANCH_NAME] = {'1', 'C', 45, 15, "branch_name", "支店名"},
    [H_ACCOUNT_TYPE] = {'1', 'N', 60, 1, "account_type", "預金種目"},
    [H_ACCOUNT_NUMBER] = {'1', 'N', 61, 7, "account_number", "口座番号"},
    [H_ACCOUNT_NAME] = {'1', 'C', 68, 40, "account_name", "口座名"},
    [D_REFERENCE] = {'2', 'N', 2, 6, "reference", "照会番号"},
    [D_BOOKED] = {'2', 'N', 8, 6, "booked_on", "勘定日"},
    [D_VALUE] = {'2', 'N', 14, 6, "value_on", "起算日"},
    [D_AMOUNT] = {'2', 'N', 20, 10, "amount", "金額"},
    [D_OTHER_BANK] = {'2', 'N', 30, 10, "other_bank_amount", "うち他店券金額"},
    [D_PAYER_CODE] = {'2', 'N', 40, 10, "payer_code", "振込依頼人コード"},
    [D_PAYER_NAME] = {'2', 'C', 50, 48, "payer_name", "振込依頼人名"},
    [D_FROM_BANK] = {'2', 'C', 98, 15, "from_bank", "仕向銀行名"},
    [D_FROM_BRANCH] = {'2', 'C', 113, 15, "from_branch", "仕向支店名"},
    [D_CANCEL] = {'2', 'C', 128, 1, "cancel", "取消区分"},
    [D_EDI] = {'2', 'C', 129, 20, "edi", "EDI情報"},
    [T_CREDIT_COUNT] = {'8', 'N', 2, 6, "credit_count", "入金件数"},
    [T_CREDIT_AMOUNT] = {'8', 'N', 8, 12, "credit_amount", "入金額合計"},
    [T_OTHER_COUNT] = {'8', 'N', 20, 6, "cancel_count", "取消件数"},
    [T_OTHER_AMOUNT] = {'8', 'N', 26, 12, "cancel_amount", "取消金額合計"},
};

static const struct zengin_field statement[NFIELDS] = {
    [H_TYPE] = {'1', 'N', 1, 1, "record_type", "データ区分"},
    [H_KIND] = {'1', 'N', 2, 2, "kind_code", "種別コード"},
    [H_CODE_SET] = {'1', 'N', 4, 1, "code_set", "コード区分"},
    [H_CREATED] = {'1', 'N', 5, 6, "created_on", "作成日"},
    [H_FROM] = {'1', 'N', 11, 6, "from", "勘定日（自）"},
    [H_TO] = {'1', 'N', 17, 6, "to", "勘定日（至）"},
    [H_BANK_CODE] = {'1', 'N', 23, 4, "bank_code", "銀行コード"},
    [H_BANK_NAME] = {'1', 'C', 27, 15, "bank_name", "銀行名"},
    [H_BRANCH_CODE] = {'1', 'N', 42, 3, "branch_code", "支店コード"},
    [H_BRANCH_NAME] = {'1', 'C', 45, 15, "branch_name", "支店名"},
    [H_ACCOUNT_TYPE] = {'1', 'N', 63, 1, "account_type", "預金種目"},
    [H_ACCOUNT_NUMBER] = {'1', 'N', 64, 10, "account_number", "口座番号"},
    [H_ACCOUNT_NAME] = {'1', 'C', 74, 40, "account_name", "口座名"},
    [D_REFERENCE] = {'2', 'N', 2, 8, "reference", "照会番号"},
    [D_BOOKED] = {'2', 'N', 10, 6, "booked_on", "勘定日"},
    [D_VALUE] = {'2', 'N', 16, 6, "value_on", "預入・払出日"},
    [D_DIRECTION] = {'2', 'N', 22, 1, "direction", "入払区分"},
    [D_TXN_KIND] = {'2', 'N', 23, 2, "txn_kind", "取引区分"},
    [D_AMOUNT] = {'2', 'N', 25, 12, "amount", "取引金額"},
    [D_OTHER_BANK] = {'2', 'N', 37, 12, "other_bank_amount", "うち他店券金額"},
    [D_PAYER_CODE] = {'2', 'N', 72, 10, "payer_code", "振込依頼人コード"},
    [D_PAYER_NAME] = {'2', 'C', 82, 48, "payer_name", "振込依頼人名"},
    [D_FROM_BANK] = {'2', 'C', 130, 15, "from_bank", "仕向銀行名"},
    [D_FROM_BRANCH] = {'2', 'C', 145, 15, "from_branch", "仕向店名"},
    [D_SUMMARY] = {'2', 'C', 160, 20, "summary", "摘要内容"},
    [D_EDI] = {'2', 'C', 180, 20, "edi", "EDI情報"},
    [T_CREDIT_COUNT] = {'8', 'N', 2, 7, "credit_count", "入金件数"},
    [T_CREDIT_AMOUNT] = {'8', 'N', 9, 13, "credit_amount", "入金額合計"},
    [T_OTHER_COUNT] = {'8', 'N', 22, 7, "debit_count", "出金件数"},
    [T_OTHER_AMOUNT] = {'8', 'N', 29, 13, "debit_amount", "出金額合計"},
    [T_RECORD_COUNT] = {'8', 'N', 57, 7, "record_count",
                        "データ・レコード件数"},
};

/* Until a header names the kind, places are named with the notice's table
 * (the record type and the kind code stand alike in both). */
static const struct zrec_format notice_format = {
    .record_len = ZBANK_RECORD_LEN,
    .layout = notice,
    .n_fields = NFIELDS,
    .error = ERR_BANK_STATEMENT_FORMAT,
    .groups = true,
};
static const struct zrec_format statement_format = {
    .record_len = ZBANK_RECORD_LEN,
    .layout = statement,
    .n_fields = NFIELDS,
    .error = ERR_BANK_STATEMENT_FORMAT,
    .groups = true,
};

/* ---------------------------------------------------------------------- */
/* Fields                                                                 */
/* ---------------------------------------------------------------------- */

bool
zbank_date(const char *s, char out[11])
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int i = 0; i < 6; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    int yy = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[2] - '0') * 10 + (s[3] - '0');
    int d = (s[4] - '0') * 10 + (s[5] - '0');
    int y = 2018 + yy; /* 令和元年 = 2019 */
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (yy < 1 || m < 1 || m > 12 || d < 1 ||
        d > days[m - 1] + (m == 2 && leap))
        return false;
    if (yy == 1 && m < 5) /* 令和は 2019-05-01 から */
        return false;
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
    return true;
}

/* A date field; zero_ok: 000000 is "" (no date). */
static enum err
get_date(const struct zrec *r, enum fid f, bool zero_ok, char out[11])
{
    char tmp[8];
    enum err rc = zrec_digits(r, f, tmp);
    if (rc)
        return rc;
    if (zero_ok && !strcmp(tmp, "000000")) {
        out[0] = '\0';
        return ERR_OK;
    }
    if (!zbank_date(tmp, out))
        return zrec_fail(r, ERR_BANK_STATEMENT_FORMAT, f,
                         "和暦（令和）の年月日 YYMMDD ではありません（%s）",
                         tmp);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Records                                                                */
/* ---------------------------------------------------------------------- */

struct reader {
    struct zrec_reader z;
    size_t cap;
    bool kind_known;
};

static enum err
read_header(struct reader *rd, struct zrec *r, struct zbank_file *f)
{
    char kind[4], code[4];
    enum err rc = zrec_digits(r, H_KIND, kind);
    if (rc)
        return rc;
    int k = (int)strtol(kind, NULL, 10);
    if (k != ZBANK_DEPOSIT_NOTICE && k != ZBANK_STATEMENT)
        return zrec_fail(r, ERR_BANK_STATEMENT_FORMAT, H_KIND,
                         "%s は 01（振込入金通知）でも 03（入出金取引明細）でも"
                         "ありません",
                         kind);
    if (rd->kind_known && (enum zbank_kind)k != f->kind)
        return zrec_fail(r, ERR_BANK_STATEMENT_FORMAT, H_KIND,
                         "1 つ目のグループと種別コードが違います（%s）", kind);
    f->kind = (enum zbank_kind)k;
    rd->kind_known = true;
    rd->z.fmt = k == ZBANK_STATEMENT ? &statement_format : &notice_format;
    r->fmt = rd->z.fmt;
    if ((rc = zrec_digits(r, H_CODE_SET, code)))
        return rc;
    if (strcmp(code, "0"))
        return zrec_fail(r, ERR_BANK_STATEMENT_FORMAT, H_CODE_SET,
                         "0（JIS）のはずです（%s）", code);
    if (f->n_accounts % 8 == 0)
        f->accounts =
            xrealloc(f->accounts, (f->n_accounts + 8) * sizeof(*f->accounts));
    struct zbank_account *a = &f->accounts[f->n_accounts];
    memset(a, 0, sizeof(*a));
    a->line = r->line;
    a->first = f->n_entries;
    int64_t type = 0;
    if (!(rc = get_date(r, H_CREATED, false, a->created_on)) &&
        !(rc = get_date(r, H_FROM, false, a->from)) &&
        !(rc = get_date(r, H_TO, false, a->to)) &&
        !(rc = zrec_digits(r, H_BANK_CODE, a->bank_code)) &&
        !(rc = zrec_text(r, H_BANK_NAME, a->bank_name)) &&
        !(rc = zrec_digits(r, H_BRANCH_CODE, a->branch_code)) &&
        !(rc = zrec_text(r, H_BRANCH_NAME, a->branch_name)) &&
        !(rc = zrec_number(r, H_ACCOUNT_TYPE, &type)) &&
        !(rc = zrec_digits(r, H_ACCOUNT_NUMBER, a->account_number)))
        rc = zrec_text(r, H_ACCOUNT_NAME, a->account_name);
    if (!rc && strcmp(a->from, a->to) > 0)
        rc = zrec_fail(r, ERR_BANK_STATEMENT_FORMAT, H_TO,
                       "勘定日（至）が勘定日（自）より前です");
    if (rc)
        return rc;
    a->account_type = (int)type;
    f->n_accounts++;
    return ERR_OK;
}

static enum err
read_data(struct zrec *r, struct zbank_file *f, struct zbank_entry *e)
{
    const struct zbank_account *a = &f->accounts[f->n_accounts - 1];
    char cancel[4];
    int64_t dir = 1, kind = ZBANK_TXN_TRANSFER;
    e->line = r->line;
    e->account = f->n_accounts - 1;
    enum err rc = zrec_digits(r, D_REFERENCE, e->reference);
    if (!rc)
        rc = get_date(r, D_BOOKED, false, e->booked_on);
    if (!rc &&
        (strcmp(e->booked_on, a->from) < 0 || strcmp(e->booked_on, a->to) > 0))
        rc = zrec_fail(r, ERR_BANK_STATEMENT_FORMAT, D_BOOKED,
                       "ヘッダーの勘定日（%s〜%s）の範囲外です（%s）", a->from,
                       a->to, e->booked_on);
    if (!rc)
        rc = get_date(r, D_VALUE, true, e->value_on);
    if (!rc && f->kind == ZBANK_STATEMENT &&
        !(rc = zrec_number(r, D_DIRECTION, &dir)) && dir != 1 && dir != 2)
        rc = zrec_fail(r, ERR_BANK_STATEMENT_FORMAT, D_DIRECTION,
                       "1（入金）か 2（出金）のはずです");
    if (!rc && f->kind == ZBANK_STATEMENT)
        rc = zrec_number(r, D_TXN_KIND, &kind);
    if (!rc)
        rc = zrec_number(r, D_AMOUNT, &e->amount_yen);
    if (!rc && e->amount_yen <= 0)
        rc = zrec_fail(r, ERR_BANK_STATEMENT_FORMAT, D_AMOUNT, "金額が 0 です");
    if (!rc)
        rc = zrec_number(r, D_OTHER_BANK, &e->other_bank_yen);
    if (!rc && e->other_bank_yen > e->amount_yen)
        rc = zrec_fail(r, ERR_BANK_STATEMENT_FORMAT, D_OTHER_BANK,
                       "金額より大きい他店券金額です");
    if (!rc)
        rc = zrec_digits(r, D_PAYER_CODE, e->payer_code);
    if (!rc)
        rc = zrec_text(r, D_PAYER_NAME, e->payer_name);
    if (!rc)
        rc = zrec_text(r, D_FROM_BANK, e->from_bank);
    if (!rc)
        rc = zrec_text(r, D_FROM_BRANCH, e->from_branch);
    if (!rc && f->kind == ZBANK_STATEMENT)
        rc = zrec_text(r, D_SUMMARY, e->summary);
    if (!rc)
        rc = zrec_text(r, D_EDI, e->edi);
    if (!rc && f->kind == ZBANK_DEPOSIT_NOTICE &&
        !(rc = zrec_text(r, D_CANCEL, cancel))) {
        if (cancel[0] && strcmp(cancel, "0") && strcmp(cancel, "1"))
            rc = zrec_fail(r, ERR_BANK_STATEMENT_FORMAT, D_CANCEL,
                           "空白・0・1（取消）のどれかのはずです");
        e->cancelled = !strcmp(cancel, "1");
    }
    e->credit = dir == 1;
    e->txn_kind = (int)kind;
    return rc;
}

static enum err
add_data(struct reader *rd, struct zrec *r, struct zbank_file *f)
{
    if (f->n_entries >= ZBANK_MAX_RECORDS)
        return zrec_fail(r, ERR_BANK_STATEMENT_FORMAT, NFIELDS,
                         "データレコードが %d 件を超えています",
                         ZBANK_MAX_RECORDS);
    if (f->n_entries == rd->cap) {
        rd->cap = rd->cap ? rd->cap * 2 : 64;
        f->entries = xrealloc(f->entries, rd->cap * sizeof(*f->entries));
    }
    struct zbank_entry *e = &f->entries[f->n_entries];
    memset(e, 0, sizeof(*e));
    enum err rc = read_data(r, f, e);
    if (!rc) {
        f->n_entries++;
        f->accounts[f->n_accounts - 1].count++;
    }
    return rc;
}

/* A trailer figure: equal to want or the error naming both. */
static enum err
figure(const struct zrec *r, enum fid f, int64_t want)
{
    int64_t got = 0;
    enum err rc = zrec_number(r, f, &got);
    if (!rc && got != want)
        rc = zrec_fail(r, ERR_BANK_STATEMENT_FORMAT, f,
                       "データレコードの合計は %lld です（%lld）",
                       (long long)want, (long long)got);
    return rc;
}

static enum err
read_trailer(struct zrec *r, const struct zbank_file *f)
{
    const struct zbank_account *a = &f->accounts[f->n_accounts - 1];
    int64_t n1 = 0, y1 = 0, n2 = 0, y2 = 0;
    for (size_t i = a->first; i < a->first + a->count; i++) {
        const struct zbank_entry *e = &f->entries[i];
        bool first = f->kind == ZBANK_STATEMENT ? e->credit : !e->cancelled;
        n1 += first;
        y1 += first ? e->amount_yen : 0;
        n2 += !first;
        y2 += first ? 0 : e->amount_yen;
    }
    enum err rc = figure(r, T_CREDIT_COUNT, n1);
    if (!rc)
        rc = figure(r, T_CREDIT_AMOUNT, y1);
    if (!rc)
        rc = figure(r, T_OTHER_COUNT, n2);
    if (!rc)
        rc = figure(r, T_OTHER_AMOUNT, y2);
    if (!rc && f->kind == ZBANK_STATEMENT)
        rc = figure(r, T_RECORD_COUNT, (int64_t)a->count);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The file                                                               */
/* ---------------------------------------------------------------------- */

/* One record, already in its place in the order (zrec_next). */
static enum err
dispatch(struct reader *rd, struct zrec *r, struct zbank_file *f)
{
    switch (r->type) {
    case '1':
        return read_header(rd, r, f);
    case '2':
        return add_data(rd, r, f);
    case '8':
        return read_trailer(r, f);
    default:
        return ERR_OK; /* the end record */
    }
}

enum err
zbank_read(const char *p, size_t n, struct zbank_file *f,
           struct zengin_fault *fault)
{
    struct reader rd = {0};
    struct zrec r;
    bool got = true;
    enum err rc = ERR_OK;
    memset(f, 0, sizeof(*f));
    if (fault)
        memset(fault, 0, sizeof(*fault));
    if (n > ZBANK_FILE_MAX)
        return err_fail(ERR_TOO_LARGE,
                        "入金明細ファイルが大きすぎます（%u バイトまで）",
                        ZBANK_FILE_MAX);
    zrec_open(&rd.z, p, n, &notice_format, fault);
    f->eol = rd.z.eol;
    while (!rc && !(rc = zrec_next(&rd.z, &r, &got)) && got)
        rc = dispatch(&rd, &r, f);
    if (rc)
        zbank_file_free(f);
    return rc;
}

void
zbank_file_free(struct zbank_file *f)
{
    free(f->accounts);
    free(f->entries);
    memset(f, 0, sizeof(*f));
}
