/*
 * zengin_bank.c — the reader of the bank's 200-byte statements (振込入金
 * 通知 01, 入出金取引明細 03): the layout as one table per kind, then a
 * reader in the manner of zengin.c's (frame the file, hand out records,
 * enforce 1, 2…, 8 per group and one 9, compare each trailer with its
 * group). zengin_bank.h describes the format.
 */
#include "core/xalloc.h"
#include "payments/zengin_bank.h"

#include <stdarg.h>
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

/* ---------------------------------------------------------------------- */
/* Records and their places                                               */
/* ---------------------------------------------------------------------- */

struct rec {
    const char *in; /* the 200 bytes */
    char type;      /* '1' '2' '8' '9', 0 unknown */
    size_t line, index, offset;
    bool show_offset;
    const struct zengin_field *layout;
    struct zengin_fault *fault;
};

static void
place(const struct rec *r, char *out, size_t cap)
{
    char what[64] = "";
    if (r->type == '2')
        snprintf(what, sizeof(what), "データ %zu 件目", r->index);
    else if (r->type == '1')
        snprintf(what, sizeof(what), "ヘッダー");
    else if (r->type == '8')
        snprintf(what, sizeof(what), "トレーラー");
    else if (r->type == '9')
        snprintf(what, sizeof(what), "エンド");
    if (r->show_offset)
        snprintf(out, cap, "%zu レコード目（先頭から %zu バイト目%s%s）",
                 r->line, r->offset + 1, what[0] ? "、" : "", what);
    else if (what[0])
        snprintf(out, cap, "%zu 行目（%s）", r->line, what);
    else
        snprintf(out, cap, "%zu 行目", r->line);
}

static enum err rec_fail(const struct rec *r, enum fid f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ERR_BANK_STATEMENT_FORMAT naming the record, the field f (NFIELDS:
 * none; H_TYPE when no layout is known yet) and the message. */
static enum err
rec_fail(const struct rec *r, enum fid f, const char *fmt, ...)
{
    char msg[320], where[160], field[160] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    place(r, where, sizeof(where));
    const struct zengin_field *l = r->layout ? r->layout : notice;
    const struct zengin_field *d = f < NFIELDS ? &l[f] : NULL;
    const char *name = d ? d->name : NULL;
    if (f == H_TYPE) /* the record type field exists in every record */
        snprintf(field, sizeof(field), "のデータ区分 record_type（1 桁目）");
    else if (d && d->len == 1)
        snprintf(field, sizeof(field), "の%s %s（%u 桁目）", d->label, d->name,
                 d->pos);
    else if (d)
        snprintf(field, sizeof(field), "の%s %s（%u–%u 桁目）", d->label,
                 d->name, d->pos, d->pos + d->len - 1);
    if (r->fault) {
        r->fault->line = r->line;
        r->fault->offset = r->offset;
        r->fault->field = f == H_TYPE ? "record_type" : name;
    }
    return err_fail(ERR_BANK_STATEMENT_FORMAT, "%s%s: %s", where, field, msg);
}

static const char *
in_at(const struct rec *r, enum fid f)
{
    return r->in + r->layout[f].pos - 1;
}

static enum err
get_digits(const struct rec *r, enum fid f, char *out)
{
    const char *p = in_at(r, f);
    for (size_t i = 0; i < r->layout[f].len; i++)
        if (p[i] < '0' || p[i] > '9')
            return rec_fail(r, f, "%zu 桁目が数字ではありません（0x%02X）",
                            r->layout[f].pos + i, (unsigned char)p[i]);
    memcpy(out, p, r->layout[f].len);
    out[r->layout[f].len] = '\0';
    return ERR_OK;
}

static enum err
get_number(const struct rec *r, enum fid f, int64_t *v)
{
    char tmp[24];
    enum err rc = get_digits(r, f, tmp);
    if (!rc)
        *v = strtoll(tmp, NULL, 10); /* at most 14 digits: fits */
    return rc;
}

static enum err
get_text(const struct rec *r, enum fid f, char *out)
{
    const unsigned char *p = (const unsigned char *)in_at(r, f);
    size_t len = r->layout[f].len;
    for (size_t i = 0; i < len; i++)
        if (p[i] < 0x20 || (p[i] >= 0x7F && p[i] <= 0xA0) || p[i] > 0xDF)
            return rec_fail(r, f,
                            "%zu 桁目が JIS 半角文字ではありません（0x%02X）",
                            r->layout[f].pos + i, p[i]);
    while (len > 0 && p[len - 1] == ' ')
        len--;
    memcpy(out, p, len);
    out[len] = '\0';
    return ERR_OK;
}

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
get_date(const struct rec *r, enum fid f, bool zero_ok, char out[11])
{
    char tmp[8];
    enum err rc = get_digits(r, f, tmp);
    if (rc)
        return rc;
    if (zero_ok && !strcmp(tmp, "000000")) {
        out[0] = '\0';
        return ERR_OK;
    }
    if (!zbank_date(tmp, out))
        return rec_fail(
            r, f, "和暦（令和）の年月日 YYMMDD ではありません（%s）", tmp);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Records                                                                */
/* ---------------------------------------------------------------------- */

struct reader {
    const char *p;
    size_t n, off, line;
    enum zengin_eol eol;
    struct zengin_fault *fault;
    int state; /* 0 header next, 1 data or trailer, 2 header or end, 3 done */
    size_t cap;
    bool kind_known;
};

static enum err
read_header(struct reader *rd, struct rec *r, struct zbank_file *f)
{
    char kind[4], code[4];
    r->layout = notice; /* for the kind code's own error */
    enum err rc = get_digits(r, H_KIND, kind);
    if (rc)
        return rc;
    int k = (int)strtol(kind, NULL, 10);
    if (k != ZBANK_DEPOSIT_NOTICE && k != ZBANK_STATEMENT)
        return rec_fail(r, H_KIND,
                        "%s は 01（振込入金通知）でも 03（入出金取引明細）でも"
                        "ありません",
                        kind);
    if (rd->kind_known && (enum zbank_kind)k != f->kind)
        return rec_fail(r, H_KIND,
                        "1 つ目のグループと種別コードが違います（%s）", kind);
    f->kind = (enum zbank_kind)k;
    rd->kind_known = true;
    r->layout = k == ZBANK_STATEMENT ? statement : notice;
    if ((rc = get_digits(r, H_CODE_SET, code)))
        return rc;
    if (strcmp(code, "0"))
        return rec_fail(r, H_CODE_SET, "0（JIS）のはずです（%s）", code);
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
        !(rc = get_digits(r, H_BANK_CODE, a->bank_code)) &&
        !(rc = get_text(r, H_BANK_NAME, a->bank_name)) &&
        !(rc = get_digits(r, H_BRANCH_CODE, a->branch_code)) &&
        !(rc = get_text(r, H_BRANCH_NAME, a->branch_name)) &&
        !(rc = get_number(r, H_ACCOUNT_TYPE, &type)) &&
        !(rc = get_digits(r, H_ACCOUNT_NUMBER, a->account_number)))
        rc = get_text(r, H_ACCOUNT_NAME, a->account_name);
    if (!rc && strcmp(a->from, a->to) > 0)
        rc = rec_fail(r, H_TO, "勘定日（至）が勘定日（自）より前です");
    if (rc)
        return rc;
    a->account_type = (int)type;
    f->n_accounts++;
    return ERR_OK;
}

static enum err
read_data(struct rec *r, struct zbank_file *f, struct zbank_entry *e)
{
    const struct zbank_account *a = &f->accounts[f->n_accounts - 1];
    char cancel[4];
    int64_t dir = 1, kind = ZBANK_TXN_TRANSFER;
    e->line = r->line;
    e->account = f->n_accounts - 1;
    enum err rc = get_digits(r, D_REFERENCE, e->reference);
    if (!rc)
        rc = get_date(r, D_BOOKED, false, e->booked_on);
    if (!rc &&
        (strcmp(e->booked_on, a->from) < 0 || strcmp(e->booked_on, a->to) > 0))
        rc = rec_fail(r, D_BOOKED,
                      "ヘッダーの勘定日（%s〜%s）の範囲外です（%s）", a->from,
                      a->to, e->booked_on);
    if (!rc)
        rc = get_date(r, D_VALUE, true, e->value_on);
    if (!rc && f->kind == ZBANK_STATEMENT &&
        !(rc = get_number(r, D_DIRECTION, &dir)) && dir != 1 && dir != 2)
        rc = rec_fail(r, D_DIRECTION, "1（入金）か 2（出金）のはずです");
    if (!rc && f->kind == ZBANK_STATEMENT)
        rc = get_number(r, D_TXN_KIND, &kind);
    if (!rc)
        rc = get_number(r, D_AMOUNT, &e->amount_yen);
    if (!rc && e->amount_yen <= 0)
        rc = rec_fail(r, D_AMOUNT, "金額が 0 です");
    if (!rc)
        rc = get_number(r, D_OTHER_BANK, &e->other_bank_yen);
    if (!rc && e->other_bank_yen > e->amount_yen)
        rc = rec_fail(r, D_OTHER_BANK, "金額より大きい他店券金額です");
    if (!rc)
        rc = get_digits(r, D_PAYER_CODE, e->payer_code);
    if (!rc)
        rc = get_text(r, D_PAYER_NAME, e->payer_name);
    if (!rc)
        rc = get_text(r, D_FROM_BANK, e->from_bank);
    if (!rc)
        rc = get_text(r, D_FROM_BRANCH, e->from_branch);
    if (!rc && f->kind == ZBANK_STATEMENT)
        rc = get_text(r, D_SUMMARY, e->summary);
    if (!rc)
        rc = get_text(r, D_EDI, e->edi);
    if (!rc && f->kind == ZBANK_DEPOSIT_NOTICE &&
        !(rc = get_text(r, D_CANCEL, cancel))) {
        if (cancel[0] && strcmp(cancel, "0") && strcmp(cancel, "1"))
            rc = rec_fail(r, D_CANCEL, "空白・0・1（取消）のどれかのはずです");
        e->cancelled = !strcmp(cancel, "1");
    }
    e->credit = dir == 1;
    e->txn_kind = (int)kind;
    return rc;
}

static enum err
add_data(struct reader *rd, struct rec *r, struct zbank_file *f)
{
    if (f->n_entries >= ZBANK_MAX_RECORDS)
        return rec_fail(r, NFIELDS, "データレコードが %d 件を超えています",
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
figure(const struct rec *r, enum fid f, int64_t want)
{
    int64_t got = 0;
    enum err rc = get_number(r, f, &got);
    if (!rc && got != want)
        rc = rec_fail(r, f, "データレコードの合計は %lld です（%lld）",
                      (long long)want, (long long)got);
    return rc;
}

static enum err
read_trailer(struct rec *r, const struct zbank_file *f)
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

static void
frame(struct reader *rd, struct zbank_file *f)
{
    if (rd->n && rd->p[rd->n - 1] == 0x1A)
        rd->n--;
    const char *lf = rd->n ? memchr(rd->p, '\n', rd->n) : NULL;
    rd->eol = ZENGIN_EOL_NONE;
    if (lf && lf == rd->p + rd->n - 1 && rd->n >= 2 && lf[-1] == '\r')
        rd->n -= 2;
    else if (lf)
        rd->eol = ZENGIN_EOL_CRLF;
    f->eol = rd->eol;
}

static enum err
next_record(struct reader *rd, struct rec *r, bool *got)
{
    memset(r, 0, sizeof(*r));
    r->line = ++rd->line;
    r->offset = rd->off;
    r->show_offset = rd->eol == ZENGIN_EOL_NONE;
    r->fault = rd->fault;
    *got = rd->off < rd->n;
    if (!*got)
        return ERR_OK;
    const char *s = rd->p + rd->off;
    size_t rest = rd->n - rd->off, len = rest;
    const char *lf = rd->eol == ZENGIN_EOL_CRLF ? memchr(s, '\n', rest) : NULL;
    if (rd->eol == ZENGIN_EOL_NONE && len > ZBANK_RECORD_LEN)
        len = ZBANK_RECORD_LEN;
    if (lf)
        len = (size_t)(lf - s);
    rd->off += lf ? len + 1 : len;
    if (lf && (!len || s[len - 1] != '\r'))
        return rec_fail(r, NFIELDS,
                        "LF だけで改行されています（CR LF のはず）");
    len -= lf ? 1 : 0;
    const char *cr = memchr(s, '\r', len);
    if (cr)
        return rec_fail(r, NFIELDS,
                        "%zu 桁目に CR があります（改行は CR LF か、なし）",
                        (size_t)(cr - s) + 1);
    if (len != ZBANK_RECORD_LEN)
        return rec_fail(r, NFIELDS, "%zu バイトです（レコードは 200 バイト）",
                        len);
    r->in = s;
    return ERR_OK;
}

static enum err
dispatch(struct reader *rd, struct rec *r, struct zbank_file *f)
{
    char t = r->in[0];
    if (!t || !strchr("1289", t))
        return rec_fail(r, H_TYPE, "0x%02X は 1, 2, 8, 9 のどれでもありません",
                        (unsigned char)t);
    r->type = rd->state == 3 ? 0 : t;
    r->index = t == '2' ? f->n_entries + 1 : 0;
    r->layout = f->kind == ZBANK_STATEMENT ? statement : notice;
    if ((rd->state == 0 || rd->state == 2) && t == '1') {
        rd->state = 1;
        return read_header(rd, r, f);
    }
    if (rd->state == 1 && t == '2')
        return add_data(rd, r, f);
    if (rd->state == 1 && t == '8') {
        rd->state = 2;
        return read_trailer(r, f);
    }
    if (rd->state == 2 && t == '9') {
        rd->state = 3;
        return ERR_OK;
    }
    if (rd->state == 0)
        return rec_fail(r, H_TYPE, "先頭はヘッダー (1) のはずです（%c）", t);
    if (rd->state == 1 && t == '1')
        return rec_fail(r, H_TYPE, "トレーラー (8) がないまま次のヘッダーです");
    if (rd->state == 1)
        return rec_fail(r, H_TYPE, "トレーラー (8) がないままエンド (9) です");
    if (rd->state == 2)
        return rec_fail(r, H_TYPE,
                        "トレーラーの次はヘッダー (1) かエンド (9) のはずです"
                        "（%c）",
                        t);
    return rec_fail(r, NFIELDS, "エンドレコードの後にデータがあります");
}

static enum err
at_end(const struct reader *rd, const struct rec *r)
{
    static const char *const missing[] = {
        "ヘッダー (1) がありません（空のファイル）",
        "トレーラー (8) がありません",
        "エンド (9) がありません",
    };
    if (rd->state == 3)
        return ERR_OK;
    return rec_fail(r, NFIELDS, "%s", missing[rd->state]);
}

enum err
zbank_read(const char *p, size_t n, struct zbank_file *f,
           struct zengin_fault *fault)
{
    struct reader rd = {.p = p, .n = n, .fault = fault};
    enum err rc = ERR_OK;
    memset(f, 0, sizeof(*f));
    if (fault)
        memset(fault, 0, sizeof(*fault));
    if (n > ZBANK_FILE_MAX)
        return err_fail(ERR_TOO_LARGE,
                        "入金明細ファイルが大きすぎます（%u バイトまで）",
                        ZBANK_FILE_MAX);
    frame(&rd, f);
    for (bool got = true; !rc && got;) {
        struct rec r;
        rc = next_record(&rd, &r, &got);
        if (!rc)
            rc = got ? dispatch(&rd, &r, f) : at_end(&rd, &r);
    }
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
