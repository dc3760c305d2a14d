/*
 * zengin.c — the Zengin record layout (one table), the request writer and
 * the result reader. zengin.h describes the format; zengin_kana.c does the
 * characters.
 *
 * Both directions go through the table: the writer fills a 120-byte
 * record field by field (put_digits, put_number, put_code, put_kana), the
 * reader takes one apart the same way (zrec_digits, zrec_number,
 * zrec_text), and every problem is reported through zrec_fail(), which
 * names the record (line, data count, byte offset) and the field (its
 * table row). zengin_rec.c holds that machinery, shared with the bank's
 * statements (zengin_bank.c).
 *
 * The reader works on the whole file in memory (at most ZENGIN_FILE_MAX
 * bytes): zrec_open() decides the line ends and strips what may trail the
 * end record (CR LF, 0x1A), zrec_next() hands out one 120-byte record at
 * a time with its number, in the order 1, 2…, 8, 9 (one group a file).
 * The trailer is compared with what the data records add up to.
 */
#include "core/xalloc.h"
#include "payments/zengin.h"
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
    H_REQUESTER_CODE,
    H_REQUESTER_NAME,
    H_DATE,
    H_BANK_CODE,
    H_BANK_NAME,
    H_BRANCH_CODE,
    H_BRANCH_NAME,
    H_ACCOUNT_TYPE,
    H_ACCOUNT_NUMBER,
    H_FILLER,
    D_TYPE,
    D_BANK_CODE,
    D_BANK_NAME,
    D_BRANCH_CODE,
    D_BRANCH_NAME,
    D_FILLER1,
    D_ACCOUNT_TYPE,
    D_ACCOUNT_NUMBER,
    D_DEPOSITOR,
    D_AMOUNT,
    D_NEW_CODE,
    D_CUSTOMER,
    D_RESULT,
    D_FILLER2,
    T_TYPE,
    T_COUNT,
    T_AMOUNT,
    T_DEBITED_COUNT,
    T_DEBITED_AMOUNT,
    T_FAILED_COUNT,
    T_FAILED_AMOUNT,
    T_FILLER,
    E_TYPE,
    E_FILLER,
    NFIELDS
};

/* record, type, pos, len, name, label */
static const struct zengin_field layout[NFIELDS] = {
    [H_TYPE] = {'1', 'N', 1, 1, "record_type", "データ区分"},
    [H_KIND] = {'1', 'N', 2, 2, "kind_code", "種別コード"},
    [H_CODE_SET] = {'1', 'N', 4, 1, "code_set", "コード区分"},
    [H_REQUESTER_CODE] = {'1', 'N', 5, 10, "requester_code", "委託者コード"},
    [H_REQUESTER_NAME] = {'1', 'C', 15, 40, "requester_name", "委託者名"},
    [H_DATE] = {'1', 'N', 55, 4, "debit_date", "引落日"},
    [H_BANK_CODE] = {'1', 'N', 59, 4, "bank_code", "取引銀行番号"},
    [H_BANK_NAME] = {'1', 'C', 63, 15, "bank_name", "取引銀行名"},
    [H_BRANCH_CODE] = {'1', 'N', 78, 3, "branch_code", "取引支店番号"},
    [H_BRANCH_NAME] = {'1', 'C', 81, 15, "branch_name", "取引支店名"},
    [H_ACCOUNT_TYPE] = {'1', 'N', 96, 1, "account_type", "預金種目"},
    [H_ACCOUNT_NUMBER] = {'1', 'N', 97, 7, "account_number", "口座番号"},
    [H_FILLER] = {'1', 'F', 104, 17, "filler", "ダミー"},
    [D_TYPE] = {'2', 'N', 1, 1, "record_type", "データ区分"},
    [D_BANK_CODE] = {'2', 'N', 2, 4, "bank_code", "引落銀行番号"},
    [D_BANK_NAME] = {'2', 'C', 6, 15, "bank_name", "引落銀行名"},
    [D_BRANCH_CODE] = {'2', 'N', 21, 3, "branch_code", "引落支店番号"},
    [D_BRANCH_NAME] = {'2', 'C', 24, 15, "branch_name", "引落支店名"},
    [D_FILLER1] = {'2', 'F', 39, 4, "filler", "ダミー"},
    [D_ACCOUNT_TYPE] = {'2', 'N', 43, 1, "account_type", "預金種目"},
    [D_ACCOUNT_NUMBER] = {'2', 'N', 44, 7, "account_number", "口座番号"},
    [D_DEPOSITOR] = {'2', 'C', 51, 30, "depositor_name", "預金者名"},
    [D_AMOUNT] = {'2', 'N', 81, 10, "amount", "引落金額"},
    [D_NEW_CODE] = {'2', 'N', 91, 1, "new_code", "新規コード"},
    [D_CUSTOMER] = {'2', 'N', 92, 20, "customer_number", "顧客番号"},
    [D_RESULT] = {'2', 'N', 112, 1, "result_code", "振替結果コード"},
    [D_FILLER2] = {'2', 'F', 113, 8, "filler", "ダミー"},
    [T_TYPE] = {'8', 'N', 1, 1, "record_type", "データ区分"},
    [T_COUNT] = {'8', 'N', 2, 6, "total_count", "合計件数"},
    [T_AMOUNT] = {'8', 'N', 8, 12, "total_amount", "合計金額"},
    [T_DEBITED_COUNT] = {'8', 'N', 20, 6, "debited_count", "振替済件数"},
    [T_DEBITED_AMOUNT] = {'8', 'N', 26, 12, "debited_amount", "振替済金額"},
    [T_FAILED_COUNT] = {'8', 'N', 38, 6, "failed_count", "振替不能件数"},
    [T_FAILED_AMOUNT] = {'8', 'N', 44, 12, "failed_amount", "振替不能金額"},
    [T_FILLER] = {'8', 'F', 56, 65, "filler", "ダミー"},
    [E_TYPE] = {'9', 'N', 1, 1, "record_type", "データ区分"},
    [E_FILLER] = {'9', 'F', 2, 119, "filler", "ダミー"},
};

static const struct zrec_format format = {
    .record_len = ZENGIN_RECORD_LEN,
    .layout = layout,
    .n_fields = NFIELDS,
    .error = ERR_ZENGIN_FORMAT,
    .groups = false, /* one group a file */
};

const struct zengin_field *
zengin_layout(size_t *n)
{
    *n = NFIELDS;
    return layout;
}

const char *
zengin_result_name(int code)
{
    switch (code) {
    case ZENGIN_DEBITED:
        return "振替済";
    case ZENGIN_NO_FUNDS:
        return "資金不足";
    case ZENGIN_NO_ACCOUNT:
        return "預金取引なし";
    case ZENGIN_STOPPED_BY_DEPOSITOR:
        return "預金者の都合による振替停止";
    case ZENGIN_NO_MANDATE:
        return "預金口座振替依頼書なし";
    case ZENGIN_STOPPED_BY_REQUESTER:
        return "委託者の都合による振替停止";
    case ZENGIN_OTHER:
        return "その他";
    default:
        return NULL;
    }
}

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

static void
fault_clear(struct zengin_fault *fault)
{
    if (fault)
        memset(fault, 0, sizeof(*fault));
}

/* Whether "MMDD" is a day of some year (29 February included). */
static bool
mmdd_valid(const char *s)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int m = (s[0] - '0') * 10 + (s[1] - '0');
    int d = (s[2] - '0') * 10 + (s[3] - '0');
    return m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1];
}

/* ---------------------------------------------------------------------- */
/* Writer                                                                 */
/* ---------------------------------------------------------------------- */

/* One record being written, and its place for zrec_fail(). */
struct rec {
    struct zrec z;
    char b[ZENGIN_RECORD_LEN + 2]; /* the bytes (+ CR LF) */
    unsigned kana_flags;
    size_t truncated; /* names cut in this record */
};

static void
rec_start(struct rec *r, char type, size_t line, size_t index,
          const struct zengin_writer *w, struct zengin_fault *fault)
{
    memset(r, 0, sizeof(*r));
    memset(r->b, ' ', ZENGIN_RECORD_LEN);
    r->b[0] = type;
    r->z.fmt = &format;
    r->z.type = type;
    r->z.line = line;
    r->z.index = index;
    r->z.fault = fault;
    r->kana_flags = w->kana_flags;
}

static char *
at(struct rec *r, enum fid f)
{
    return r->b + layout[f].pos - 1;
}

/* The digit string s, right-aligned and zero-filled: exactly the field's
 * length when exact, else 1 to that many digits. */
static enum err
put_digits(struct rec *r, enum fid f, const char *s, bool exact)
{
    size_t len = layout[f].len, n = s ? strlen(s) : 0;
    if (!n || n > len || (exact && n != len) || strspn(s, "0123456789") != n) {
        if (exact)
            return zrec_fail(&r->z, ERR_ZENGIN_FIELD, f,
                             "数字 %zu 桁で指定してください", len);
        return zrec_fail(&r->z, ERR_ZENGIN_FIELD, f,
                         "数字 1–%zu 桁で指定してください", len);
    }
    memset(at(r, f), '0', len - n);
    memcpy(at(r, f) + len - n, s, n);
    return ERR_OK;
}

/* A number already checked to fit, zero-filled. */
static void
put_number(struct rec *r, enum fid f, int64_t v)
{
    char tmp[24];
    snprintf(tmp, sizeof(tmp), "%0*lld", (int)layout[f].len, (long long)v);
    memcpy(at(r, f), tmp, layout[f].len);
}

/* A one-digit code that must be one of allowed ("1, 2, 9"). */
static enum err
put_code(struct rec *r, enum fid f, int v, const char *allowed)
{
    if (v < 0 || v > 9 || !strchr(allowed, '0' + v))
        return zrec_fail(&r->z, ERR_ZENGIN_FIELD, f,
                         "%d は使えません（%s のどれか）", v, allowed);
    *at(r, f) = (char)('0' + v);
    return ERR_OK;
}

static enum err
put_date(struct rec *r, enum fid f, const char *mmdd)
{
    enum err rc = put_digits(r, f, mmdd, true);
    if (!rc && !mmdd_valid(mmdd))
        rc = zrec_fail(&r->z, ERR_ZENGIN_FIELD, f,
                       "月日 MMDD として正しくありません");
    return rc;
}

/* A name through zengin_kana(); blank is an error when required. */
static enum err
put_kana(struct rec *r, enum fid f, const char *utf8, bool required)
{
    bool cut = false;
    char *p = at(r, f);
    enum err rc =
        zengin_kana(utf8, r->kana_flags, p, layout[f].len, &cut, r->z.fault);
    if (rc)
        return zrec_fail(&r->z, rc, f, "%s", err_detail());
    if (required && p[0] == ' ')
        return zrec_fail(&r->z, ERR_ZENGIN_FIELD, f, "空です");
    r->truncated += cut;
    return ERR_OK;
}

/* Append the finished record (and CR LF). */
static enum err
emit(struct zengin_writer *w, struct rec *r)
{
    size_t n = ZENGIN_RECORD_LEN;
    if (w->eol == ZENGIN_EOL_CRLF) {
        r->b[n++] = '\r';
        r->b[n++] = '\n';
    }
    if (buf_append(w->out, r->b, n))
        return zrec_fail(&r->z, ERR_TOO_LARGE, NFIELDS,
                         "ファイルが上限の %zu バイトを超えます", w->out->max);
    return ERR_OK;
}

static enum err
out_of_order(const char *what)
{
    return err_fail(ERR_INTERNAL, "zengin writer: %s out of order", what);
}

void
zengin_writer_init(struct zengin_writer *w, struct buf *out,
                   enum zengin_eol eol, unsigned kana_flags)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->eol = eol;
    w->kana_flags = kana_flags;
}

enum err
zengin_write_header(struct zengin_writer *w, const struct zengin_requester *r,
                    struct zengin_fault *fault)
{
    struct rec rec;
    enum err rc;
    fault_clear(fault);
    if (w->state != 0)
        return out_of_order("header");
    rec_start(&rec, '1', 1, 0, w, fault);
    memcpy(at(&rec, H_KIND), "91", 2); /* 口座振替 */
    *at(&rec, H_CODE_SET) = '0';       /* JIS */
    rc = put_digits(&rec, H_REQUESTER_CODE, r->requester_code, true);
    if (!rc)
        rc = put_kana(&rec, H_REQUESTER_NAME, r->requester_name, true);
    if (!rc)
        rc = put_date(&rec, H_DATE, r->debit_date);
    if (!rc)
        rc = put_digits(&rec, H_BANK_CODE, r->bank_code, true);
    if (!rc)
        rc = put_kana(&rec, H_BANK_NAME, r->bank_name, false);
    if (!rc)
        rc = put_digits(&rec, H_BRANCH_CODE, r->branch_code, true);
    if (!rc)
        rc = put_kana(&rec, H_BRANCH_NAME, r->branch_name, false);
    if (!rc)
        rc = put_code(&rec, H_ACCOUNT_TYPE, r->account_type, "1, 2, 9");
    if (!rc)
        rc = put_digits(&rec, H_ACCOUNT_NUMBER, r->account_number, false);
    if (!rc)
        rc = emit(w, &rec);
    if (!rc) {
        w->truncated += rec.truncated;
        w->state = 1;
    }
    return rc;
}

/* The fields of a debit (all but the amount's limits). */
static enum err
debit_fields(struct rec *rec, const struct zengin_debit *d)
{
    enum err rc = put_digits(rec, D_BANK_CODE, d->bank_code, true);
    if (!rc)
        rc = put_kana(rec, D_BANK_NAME, d->bank_name, false);
    if (!rc)
        rc = put_digits(rec, D_BRANCH_CODE, d->branch_code, true);
    if (!rc)
        rc = put_kana(rec, D_BRANCH_NAME, d->branch_name, false);
    if (!rc)
        rc = put_code(rec, D_ACCOUNT_TYPE, d->account_type, "1, 2, 9");
    if (!rc)
        rc = put_digits(rec, D_ACCOUNT_NUMBER, d->account_number, false);
    if (!rc)
        rc = put_kana(rec, D_DEPOSITOR, d->depositor_name, true);
    if (!rc && (d->amount_yen < 1 || d->amount_yen > ZENGIN_AMOUNT_MAX))
        rc = zrec_fail(&rec->z, ERR_ZENGIN_FIELD, D_AMOUNT,
                       "1 円から 9,999,999,999 円までです");
    if (!rc)
        put_number(rec, D_AMOUNT, d->amount_yen);
    if (!rc)
        rc = put_code(rec, D_NEW_CODE, d->new_code, "0, 1, 2");
    if (!rc)
        rc = put_digits(rec, D_CUSTOMER, d->customer_number, false);
    *at(rec, D_RESULT) = '0';
    return rc;
}

enum err
zengin_write_debit(struct zengin_writer *w, const struct zengin_debit *d,
                   struct zengin_fault *fault)
{
    struct rec rec;
    size_t index = w->totals.count + 1;
    fault_clear(fault);
    if (w->state != 1)
        return out_of_order("debit");
    rec_start(&rec, '2', index + 1, index, w, fault);
    if (w->totals.count >= ZENGIN_MAX_RECORDS)
        return zrec_fail(&rec.z, ERR_TOO_LARGE, NFIELDS,
                         "1 ファイルのデータは %d 件までです",
                         ZENGIN_MAX_RECORDS);
    enum err rc = debit_fields(&rec, d);
    if (!rc && w->totals.amount_yen + d->amount_yen > ZENGIN_TOTAL_MAX)
        rc = zrec_fail(&rec.z, ERR_TOO_LARGE, D_AMOUNT,
                       "合計金額が 12 桁を超えます");
    if (!rc)
        rc = emit(w, &rec);
    if (rc)
        return rc;
    w->totals.count++;
    w->totals.amount_yen += d->amount_yen;
    w->truncated += rec.truncated;
    return ERR_OK;
}

enum err
zengin_write_end(struct zengin_writer *w, struct zengin_fault *fault)
{
    struct rec rec;
    size_t line = w->totals.count + 2;
    fault_clear(fault);
    if (w->state != 1)
        return out_of_order("end");
    rec_start(&rec, '8', line, 0, w, fault);
    put_number(&rec, T_COUNT, (int64_t)w->totals.count);
    put_number(&rec, T_AMOUNT, w->totals.amount_yen);
    put_number(&rec, T_DEBITED_COUNT, 0); /* a request: no results yet */
    put_number(&rec, T_DEBITED_AMOUNT, 0);
    put_number(&rec, T_FAILED_COUNT, 0);
    put_number(&rec, T_FAILED_AMOUNT, 0);
    enum err rc = emit(w, &rec);
    if (!rc) {
        rec_start(&rec, '9', line + 1, 0, w, fault);
        rc = emit(w, &rec);
    }
    if (!rc)
        w->state = 2;
    return rc;
}

enum err
zengin_write_request(const struct zengin_requester *r,
                     const struct zengin_debit *d, size_t n,
                     enum zengin_eol eol, unsigned kana_flags, struct buf *out,
                     struct zengin_totals *totals, struct zengin_fault *fault)
{
    struct zengin_writer w;
    zengin_writer_init(&w, out, eol, kana_flags);
    enum err rc = zengin_write_header(&w, r, fault);
    for (size_t i = 0; !rc && i < n; i++)
        rc = zengin_write_debit(&w, &d[i], fault);
    if (!rc)
        rc = zengin_write_end(&w, fault);
    if (!rc && totals)
        *totals = w.totals;
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Reader: records                                                        */
/* ---------------------------------------------------------------------- */

/* A code or type of one or two digits. */
static enum err
get_int(const struct zrec *r, enum fid f, int *v)
{
    int64_t x = 0;
    enum err rc = zrec_number(r, f, &x);
    *v = (int)x;
    return rc;
}

static enum err
read_header(const struct zrec *r, struct zengin_header *h)
{
    char kind[3], set[2];
    enum err rc = zrec_digits(r, H_KIND, kind);
    if (!rc && strcmp(kind, "91"))
        rc = zrec_fail(r, ERR_ZENGIN_FORMAT, H_KIND,
                       "%s は口座振替 (91) ではありません", kind);
    if (!rc)
        rc = zrec_digits(r, H_CODE_SET, set);
    if (!rc && set[0] != '0')
        rc = zrec_fail(r, ERR_ZENGIN_FORMAT, H_CODE_SET,
                       "%s は扱えません（0 JIS だけ）", set);
    if (!rc)
        rc = zrec_digits(r, H_REQUESTER_CODE, h->requester_code);
    if (!rc)
        rc = zrec_text(r, H_REQUESTER_NAME, h->requester_name);
    if (!rc)
        rc = zrec_digits(r, H_DATE, h->debit_date);
    if (!rc && !mmdd_valid(h->debit_date))
        rc = zrec_fail(r, ERR_ZENGIN_FORMAT, H_DATE,
                       "%s は月日 MMDD として正しくありません", h->debit_date);
    if (!rc)
        rc = zrec_digits(r, H_BANK_CODE, h->bank_code);
    if (!rc)
        rc = zrec_text(r, H_BANK_NAME, h->bank_name);
    if (!rc)
        rc = zrec_digits(r, H_BRANCH_CODE, h->branch_code);
    if (!rc)
        rc = zrec_text(r, H_BRANCH_NAME, h->branch_name);
    if (!rc)
        rc = get_int(r, H_ACCOUNT_TYPE, &h->account_type);
    if (!rc)
        rc = zrec_digits(r, H_ACCOUNT_NUMBER, h->account_number);
    return rc;
}

static enum err
read_data(const struct zrec *r, enum zengin_kind kind, struct zengin_record *d)
{
    d->line = r->line;
    enum err rc = zrec_digits(r, D_BANK_CODE, d->bank_code);
    if (!rc)
        rc = zrec_text(r, D_BANK_NAME, d->bank_name);
    if (!rc)
        rc = zrec_digits(r, D_BRANCH_CODE, d->branch_code);
    if (!rc)
        rc = zrec_text(r, D_BRANCH_NAME, d->branch_name);
    if (!rc)
        rc = get_int(r, D_ACCOUNT_TYPE, &d->account_type);
    if (!rc)
        rc = zrec_digits(r, D_ACCOUNT_NUMBER, d->account_number);
    if (!rc)
        rc = zrec_text(r, D_DEPOSITOR, d->depositor_name);
    if (!rc)
        rc = zrec_number(r, D_AMOUNT, &d->amount_yen);
    if (!rc)
        rc = get_int(r, D_NEW_CODE, &d->new_code);
    if (!rc)
        rc = zrec_digits(r, D_CUSTOMER, d->customer_number);
    if (!rc)
        rc = get_int(r, D_RESULT, &d->result);
    if (!rc && kind == ZENGIN_REQUEST && d->result != 0)
        rc = zrec_fail(r, ERR_ZENGIN_FORMAT, D_RESULT,
                       "依頼データの振替結果コードは 0 です（%d）", d->result);
    if (!rc && !zengin_result_name(d->result))
        rc = zrec_fail(r, ERR_ZENGIN_FORMAT, D_RESULT,
                       "%d は振替結果コード（0 1 2 3 4 8 9）ではありません",
                       d->result);
    return rc;
}

/* One trailer figure read and compared with what the records add up to. */
static enum err
trailer_figure(const struct zrec *r, enum fid f, int64_t want, int64_t *got)
{
    enum err rc = zrec_number(r, f, got);
    if (!rc && *got != want)
        rc = zrec_fail(r, ERR_ZENGIN_FORMAT, f,
                       "%lld ですが、データレコードからは %lld です",
                       (long long)*got, (long long)want);
    return rc;
}

static enum err
read_trailer(const struct zrec *r, enum zengin_kind kind, struct zengin_file *f)
{
    static const enum fid fids[6] = {T_COUNT,         T_AMOUNT,
                                     T_DEBITED_COUNT, T_DEBITED_AMOUNT,
                                     T_FAILED_COUNT,  T_FAILED_AMOUNT};
    int64_t want[6] = {0}, got[6] = {0};
    enum err rc = ERR_OK;
    for (size_t i = 0; i < f->n_records; i++) {
        const struct zengin_record *d = &f->records[i];
        int part = d->result == ZENGIN_DEBITED ? 2 : 4; /* want[] index */
        want[0]++;
        want[1] += d->amount_yen;
        if (kind == ZENGIN_RESULT) { /* a request's parts are zero */
            want[part]++;
            want[part + 1] += d->amount_yen;
        }
    }
    for (size_t i = 0; !rc && i < 6; i++)
        rc = trailer_figure(r, fids[i], want[i], &got[i]);
    if (rc)
        return rc;
    f->totals.count = (size_t)got[0];
    f->totals.amount_yen = got[1];
    f->totals.debited_count = (size_t)got[2];
    f->totals.debited_yen = got[3];
    f->totals.failed_count = (size_t)got[4];
    f->totals.failed_yen = got[5];
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Reader: the file                                                       */
/* ---------------------------------------------------------------------- */

struct reader {
    struct zrec_reader z;
    size_t cap; /* records allocated */
};

/* A data record onto f->records. */
static enum err
add_data(struct reader *rd, struct zrec *r, enum zengin_kind kind,
         struct zengin_file *f)
{
    if (f->n_records >= ZENGIN_MAX_RECORDS)
        return zrec_fail(r, ERR_ZENGIN_FORMAT, NFIELDS,
                         "データレコードが %d 件を超えています",
                         ZENGIN_MAX_RECORDS);
    if (f->n_records == rd->cap) {
        rd->cap = rd->cap ? rd->cap * 2 : 64;
        if (rd->cap > ZENGIN_MAX_RECORDS)
            rd->cap = ZENGIN_MAX_RECORDS;
        f->records = xrealloc(f->records, rd->cap * sizeof(*f->records));
    }
    struct zengin_record *d = &f->records[f->n_records];
    memset(d, 0, sizeof(*d));
    enum err rc = read_data(r, kind, d);
    if (!rc)
        f->n_records++;
    return rc;
}

/* One record, already in its place in the order (zrec_next). */
static enum err
dispatch(struct reader *rd, struct zrec *r, enum zengin_kind kind,
         struct zengin_file *f)
{
    switch (r->type) {
    case '1':
        return read_header(r, &f->header);
    case '2':
        return add_data(rd, r, kind, f);
    case '8':
        return read_trailer(r, kind, f);
    default:
        return ERR_OK; /* the end record */
    }
}

enum err
zengin_read(const char *p, size_t n, enum zengin_kind kind,
            struct zengin_file *f, struct zengin_fault *fault)
{
    struct reader rd = {0};
    struct zrec r;
    bool got = true;
    enum err rc = ERR_OK;
    memset(f, 0, sizeof(*f));
    fault_clear(fault);
    if (n > ZENGIN_FILE_MAX)
        return err_fail(ERR_TOO_LARGE,
                        "全銀ファイルが大きすぎます（%zu バイトまで）",
                        (size_t)ZENGIN_FILE_MAX);
    zrec_open(&rd.z, p, n, &format, fault);
    f->eol = rd.z.eol;
    f->eof_mark = rd.z.eof_mark;
    while (!rc && !(rc = zrec_next(&rd.z, &r, &got)) && got)
        rc = dispatch(&rd, &r, kind, f);
    if (rc)
        zengin_file_free(f);
    return rc;
}

void
zengin_file_free(struct zengin_file *f)
{
    free(f->records);
    memset(f, 0, sizeof(*f));
}
