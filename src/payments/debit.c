/*
 * debit.c — the pure rules of direct debit (debit.h): the banks' calendar,
 * the amount of a line, deciding each candidate invoice of a request, and
 * matching a result file to the request it answers. No store, no I/O.
 *
 * The calendar. Banks debit on business days: not Saturday or Sunday, not
 * a national holiday (国民の祝日に関する法律) and not the year-end days
 * 12-31, 01-02, 01-03 (01-01 is a holiday). The holidays follow the law as
 * in force since 2022 (the Olympic moves of 2020–21 are not modelled):
 * fixed days, the Happy Monday days, the equinoxes by the usual formula
 * (valid 1980–2099), 振替休日 (a holiday on a Sunday moves to the next day
 * that is not a holiday) and 国民の休日 (a day between two holidays).
 *
 * Matching. Banks echo the request record by record; a result is taken
 * only for the request it answers, compared field by field at the same
 * place. The message names the line and the field through the Zengin
 * layout table (positions and Japanese labels), never a value.
 */
#include "customers/customers.h"
#include "core/timeutil.h"
#include "payments/debit.h"
#include "payments/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* The calendar                                                           */
/* ---------------------------------------------------------------------- */

/* 0 Sunday … 6 Saturday. */
static int
weekday_of(int64_t days)
{
    int64_t w = (days + 4) % 7; /* 1970-01-01 was a Thursday */
    return (int)(w < 0 ? w + 7 : w);
}

/* 春分日 and 秋分日 of year y (1980–2099). */
static int
equinox_day(int y, double base)
{
    return (int)(base + 0.242194 * (y - 1980)) - (y - 1980) / 4;
}

/* A holiday by its date alone (no 振替休日, no 国民の休日). */
static bool
fixed_holiday(int y, int m, int d, int wd)
{
    bool monday = wd == 1;
    int nth = (d - 1) / 7 + 1; /* which Monday of the month */
    switch (m) {
    case 1: /* 元日, 成人の日 */
        return d == 1 || (monday && nth == 2);
    case 2: /* 建国記念の日, 天皇誕生日 */
        return d == 11 || d == 23;
    case 3: /* 春分の日 */
        return d == equinox_day(y, 20.8431);
    case 4: /* 昭和の日 */
        return d == 29;
    case 5: /* 憲法記念日, みどりの日, こどもの日 */
        return d >= 3 && d <= 5;
    case 7: /* 海の日 */
        return monday && nth == 3;
    case 8: /* 山の日 */
        return d == 11;
    case 9: /* 敬老の日, 秋分の日 */
        return (monday && nth == 3) || d == equinox_day(y, 23.2488);
    case 10: /* スポーツの日 */
        return monday && nth == 2;
    case 11: /* 文化の日, 勤労感謝の日 */
        return d == 3 || d == 23;
    default:
        return false;
    }
}

/* The n digits at s as a number (the caller checked they are digits). */
static int
digits_at(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* fixed_holiday of the date days after 1970-01-01. */
static bool
fixed_on(int64_t days)
{
    char s[11];
    time_date_from_days(days, s);
    return fixed_holiday(digits_at(s, 4), digits_at(s + 5, 2),
                         digits_at(s + 8, 2), weekday_of(days));
}

static bool
year_ok(const char *date)
{
    if (!date || strlen(date) != 10 || !time_date_valid(date))
        return false;
    int y = digits_at(date, 4);
    return y >= 2000 && y <= 2099;
}

bool
debit_holiday(const char *date)
{
    if (!year_ok(date))
        return false;
    int64_t days = time_date_days(date);
    if (fixed_on(days))
        return true;
    /* 振替休日: the holidays just before include a Sunday */
    for (int64_t k = days - 1; fixed_on(k); k--)
        if (weekday_of(k) == 0)
            return true;
    /* 国民の休日: between two holidays (a Sunday is a rest day anyway) */
    return weekday_of(days) != 0 && fixed_on(days - 1) && fixed_on(days + 1);
}

bool
debit_business_day(const char *date)
{
    if (!year_ok(date))
        return false;
    int wd = weekday_of(time_date_days(date));
    const char *md = date + 5;
    if (wd == 0 || wd == 6 || !strcmp(md, "12-31") || !strcmp(md, "01-02") ||
        !strcmp(md, "01-03"))
        return false;
    return !debit_holiday(date);
}

/* ---------------------------------------------------------------------- */
/* Amounts and candidates                                                 */
/* ---------------------------------------------------------------------- */

int64_t
debit_amount(int64_t amount_due_yen, int64_t balance_yen, int64_t pending_yen)
{
    int64_t owed = balance_yen - pending_yen;
    int64_t a = amount_due_yen < owed ? amount_due_yen : owed;
    return a > 0 ? a : 0;
}

static bool
digits(const char *s, size_t lo, size_t hi)
{
    size_t n = strlen(s);
    return n >= lo && n <= hi && strspn(s, "0123456789") == n;
}

static void
problem(struct debit_cand *c, const char *reason, const char *field,
        const char *msg)
{
    c->reason = reason;
    c->field = field;
    c->amount_yen = 0;
    snprintf(c->message, sizeof(c->message), "%s", msg);
}

/* The contract's account and the customer's number as Zengin takes them.
 * True when fine; else the problem is set. */
static bool
check_account(struct debit_cand *c)
{
    char kana[ZENGIN_DEPOSITOR_NAME_LEN];
    struct zengin_fault f;
    if (!c->bank_code[0] || !c->branch_code[0] || !c->account_type[0] ||
        !c->account_number[0] || !c->holder[0]) {
        problem(c, "no_account", "account_number",
                "契約に引落口座（銀行・支店・預金種目・口座番号・口座名義）が"
                "そろっていません");
        return false;
    }
    if (!digits(c->bank_code, 4, 4) || !digits(c->branch_code, 3, 3) ||
        !digits(c->account_number, 1, 7) ||
        !strchr("129", c->account_type[0]) || c->account_type[1]) {
        problem(c, "account", "account_number",
                "契約の引落口座（銀行・支店コード、預金種目、口座番号）の形式が"
                "正しくありません");
        return false;
    }
    if (zengin_kana(c->holder, 0, kana, sizeof(kana), NULL, &f)) {
        char msg[192];
        snprintf(msg, sizeof(msg),
                 "口座名義の %zu 文字目が全銀ファイルで使えないか、半角 30 "
                 "文字を超えています",
                 f.pos);
        problem(c, "kana", "account_holder", msg);
        return false;
    }
    if (!digits(c->customer_number, 1, 20)) {
        problem(c, "customer_number", "number",
                "顧客番号が数字だけではないため、全銀ファイルの顧客番号欄"
                "（数字 20 桁）に書けません");
        return false;
    }
    return true;
}

static int
by_customer(const void *a, const void *b)
{
    const struct debit_cand *x = a, *y = b;
    if (x->customer_id != y->customer_id)
        return x->customer_id < y->customer_id ? -1 : 1;
    return (x->invoice_number > y->invoice_number) -
           (x->invoice_number < y->invoice_number);
}

static int
by_bank(const void *a, const void *b)
{
    const struct debit_cand *x = a, *y = b;
    int c = strcmp(x->bank_code, y->bank_code);
    if (c)
        return c;
    return (x->invoice_number > y->invoice_number) -
           (x->invoice_number < y->invoice_number);
}

static int
by_number(const void *a, const void *b)
{
    const struct debit_cand *x = a, *y = b;
    return (x->invoice_number > y->invoice_number) -
           (x->invoice_number < y->invoice_number);
}

/* Amounts in customer order, each invoice after the customer's earlier
 * ones of this request. */
static void
plan_amounts(struct debit_cand *c, size_t n)
{
    int64_t customer = 0, earlier = 0;
    if (n > 1)
        qsort(c, n, sizeof(*c), by_customer);
    for (size_t i = 0; i < n; i++) {
        if (c[i].customer_id != customer) {
            customer = c[i].customer_id;
            earlier = 0;
        }
        c[i].reason = NULL;
        c[i].field = NULL;
        c[i].message[0] = '\0';
        c[i].file = -1;
        c[i].line = 0;
        if (!check_account(&c[i]))
            continue;
        c[i].amount_yen = debit_amount(c[i].amount_due_yen, c[i].balance_yen,
                                       c[i].pending_yen + earlier);
        if (c[i].amount_yen == 0)
            problem(
                &c[i], "nothing_owed", NULL,
                "請求額が 0 円以下か、入金・依頼中の振替で残高がありません");
        else if (c[i].amount_yen > LEDGER_AMOUNT_MAX_YEN)
            problem(&c[i], "amount", "amount_due_yen",
                    "1 件の引落額が上限（1 億円）を超えています");
        else
            earlier += c[i].amount_yen;
    }
}

void
debit_plan(struct debit_cand *c, size_t n, bool per_bank, size_t *files)
{
    const char *bank = NULL;
    int file = -1;
    plan_amounts(c, n);
    if (n > 1)
        qsort(c, n, sizeof(*c), per_bank ? by_bank : by_number);
    for (size_t i = 0; i < n; i++) {
        if (c[i].reason)
            continue;
        if (file < 0 || (per_bank && strcmp(bank, c[i].bank_code))) {
            file++;
            bank = c[i].bank_code;
        }
        c[i].file = file;
    }
    *files = (size_t)(file + 1);
}

/* ---------------------------------------------------------------------- */
/* Matching a result to its request                                        */
/* ---------------------------------------------------------------------- */

/* The layout row of a field of record type rec. */
static const struct zengin_field *
field_of(char rec, const char *name)
{
    size_t n;
    const struct zengin_field *l = zengin_layout(&n);
    for (size_t i = 0; i < n; i++)
        if (l[i].record == rec && !strcmp(l[i].name, name))
            return &l[i];
    return NULL;
}

static enum err
mismatch(size_t line, size_t index, char rec, const char *name,
         const char *what, struct zengin_fault *fault)
{
    const struct zengin_field *f = field_of(rec, name);
    char where[64];
    if (index)
        snprintf(where, sizeof(where), "%zu 行目（データ %zu 件目）", line,
                 index);
    else
        snprintf(where, sizeof(where), "%zu 行目（%s）", line,
                 rec == '1' ? "ヘッダー" : "トレーラー");
    if (fault) {
        memset(fault, 0, sizeof(*fault));
        fault->line = line;
        fault->field = f ? f->name : name;
    }
    if (!f)
        return err_fail(ERR_DEBIT_RESULT_MISMATCH, "%s: %s", where, what);
    if (f->len == 1)
        return err_fail(ERR_DEBIT_RESULT_MISMATCH, "%sの%s %s（%u 桁目）: %s",
                        where, f->label, f->name, f->pos, what);
    return err_fail(ERR_DEBIT_RESULT_MISMATCH, "%sの%s %s（%u–%u 桁目）: %s",
                    where, f->label, f->name, f->pos, f->pos + f->len - 1,
                    what);
}

#define DIFFERS "依頼データと違います"

/* Record i of the result against the request's. */
static enum err
match_record(const struct zengin_record *q, const struct zengin_record *a,
             size_t i, struct zengin_fault *fault)
{
    size_t line = a->line;
    if (strcmp(q->bank_code, a->bank_code))
        return mismatch(line, i, '2', "bank_code", DIFFERS, fault);
    if (strcmp(q->branch_code, a->branch_code))
        return mismatch(line, i, '2', "branch_code", DIFFERS, fault);
    if (q->account_type != a->account_type)
        return mismatch(line, i, '2', "account_type", DIFFERS, fault);
    if (strcmp(q->account_number, a->account_number))
        return mismatch(line, i, '2', "account_number", DIFFERS, fault);
    if (q->amount_yen != a->amount_yen)
        return mismatch(line, i, '2', "amount", DIFFERS, fault);
    if (strcmp(q->customer_number, a->customer_number))
        return mismatch(line, i, '2', "customer_number", DIFFERS, fault);
    return ERR_OK;
}

enum err
debit_match(const struct zengin_file *req, const struct zengin_file *res,
            struct zengin_fault *fault)
{
    char what[160];
    if (fault)
        memset(fault, 0, sizeof(*fault));
    if (strcmp(req->header.requester_code, res->header.requester_code))
        return mismatch(1, 0, '1', "requester_code",
                        "委託者コードが依頼データと違います", fault);
    if (strcmp(req->header.debit_date, res->header.debit_date))
        return mismatch(1, 0, '1', "debit_date", "引落日が依頼データと違います",
                        fault);
    size_t n =
        req->n_records < res->n_records ? req->n_records : res->n_records;
    for (size_t i = 0; i < n; i++) {
        enum err rc =
            match_record(&req->records[i], &res->records[i], i + 1, fault);
        if (rc)
            return rc;
    }
    if (req->n_records == res->n_records)
        return ERR_OK;
    snprintf(what, sizeof(what),
             "データが %zu 件あります（依頼データは %zu 件）%s", res->n_records,
             req->n_records,
             res->n_records < req->n_records ? "。足りない行があります"
                                             : "。余分な行があります");
    return mismatch(res->n_records + 2, 0, '8', "total_count", what, fault);
}

/* ---------------------------------------------------------------------- */
/* Hex                                                                    */
/* ---------------------------------------------------------------------- */

void
debit_hex_encode(const char *p, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)p[i];
        out[2 * i] = hex[b >> 4];
        out[2 * i + 1] = hex[b & 15];
    }
    out[2 * n] = '\0';
}

static int
nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

bool
debit_hex_decode(const char *hex, size_t len, char *out)
{
    if (len % 2)
        return false;
    for (size_t i = 0; i < len; i += 2) {
        int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i / 2] = (char)(hi << 4 | lo);
    }
    return true;
}
