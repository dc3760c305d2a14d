/*
 * payments_seed.c — seed module "payments": payment histories for the
 * billing history (入金履歴), realistic enough for demos and tests.
 *
 * Month by month: the billing seed calls payments_seed_month() after
 * each month's runs, so the next month's invoices carry what was left
 * unpaid (前回未収) or overpaid (前受) exactly as in production. For
 * each issued invoice of the month, by its payment method:
 *   debit (口座振替): debited on the due date; about 2.5 % fail (資金
 *     不足 mostly; also 停止, その他), through ledger_post_debit_result —
 *     a follow-up is opened, the next invoice carries the amount and its
 *     debit collects it, and the follow-up is closed then;
 *   transfer (振込): paid up to ten days before the due date (late payers
 *     up to nine days after), recorded as an assigned bank transfer;
 *   collection (集金): collected by staff three to fifteen days after
 *     issue, with gapless receipt numbers;
 *   cvs (コンビニ): paid between issue and the due date.
 * About 0.3 % of customers round their transfer or cash up to the next
 * ¥1,000 (an overpayment: 前受 on the next invoice); about 0.6 % stop
 * paying at some month of the history and fall 1 to 3+ months behind.
 * Nothing is dated after --as-of: what falls later is not paid yet.
 *
 * Then the module itself (payments_seed, after billing): for the accounts
 * overdue as of --as-of for 20 days or more, notes of contact (a call, a
 * promise to pay),
 * reminders (督促状) for those two months behind and demands (催告) for
 * three; and a few transfers of the last days that match nobody, on the
 * review list. Everything is audited as "seed", one entry per month and
 * tenant. Each tenant draws from its own stream ("payments", tenant),
 * each invoice from ("payments-invoice", tenant, invoice).
 */
#include "audit/audit.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "payments/payments.h"
#include "seed/seed.h"
#include "store/pool.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL_PER_MILLE       25 /* debits that fail */
#define LATE_PER_MILLE       30 /* customers who pay a little late */
#define ROUND_UP_PER_MILLE   3  /* customers who round up (overpay) */
#define DELINQUENT_PER_MILLE 6  /* customers who stop paying */

struct seed_invoice {
    int64_t id, customer_id, amount_due_yen;
    char due_on[11], issued_on[11], method[16];
    char kana[128]; /* the payer's name on a transfer */
};

struct seed_month {
    const struct seed_ctx *c;
    long long tenant;
    struct store *st;
    const char *month;
    char until[11]; /* as_of, or today when as_of is later */
    int64_t payments, failures, skipped;
    int64_t *open_cust, *open_id; /* open follow-ups: customer → id */
    size_t nopen;
};

/* A per-customer trait, the same every month: a draw in [0, 1000). */
static uint64_t
trait(const struct seed_ctx *c, long long tenant, int64_t customer,
      const char *which)
{
    struct rng r;
    rng_init(&r, c->seed, which, ((uint64_t)tenant << 40) ^ (uint64_t)customer);
    return rng_below(&r, 1000);
}

/* The month (YYYY-MM) a delinquent customer stops paying, within the
 * last six months before as_of; "" for the others. */
static void
delinquent_from(const struct seed_ctx *c, long long tenant, int64_t customer,
                char out[8])
{
    out[0] = '\0';
    if (trait(c, tenant, customer, "payments-delinquent") >=
        DELINQUENT_PER_MILLE)
        return;
    int back = 2 + (int)trait(c, tenant, customer, "payments-delinquent-m") % 5;
    int y = (int)strtol(c->as_of, NULL, 10);
    int m = (int)strtol(c->as_of + 5, NULL, 10) - 1 - back;
    while (m < 0) {
        m += 12;
        y--;
    }
    snprintf(out, 8, "%04d-%02d", y % 10000, m + 1);
}

static enum err
load_invoices(struct store *st, const char *month, struct seed_invoice **v,
              size_t *n)
{
    struct stmt *s;
    bool row;
    size_t cap = 0;
    *v = NULL;
    *n = 0;
    enum err rc = store_query(
        st, &s,
        "SELECT i.id, i.customer_id, i.amount_due_yen,"
        " COALESCE(NULLIF(i.due_on, ''), i.issued_on), i.issued_on,"
        " COALESCE(i.payment_method, 'debit'), cu.kana FROM invoices i"
        " JOIN billing_runs b ON b.id = i.run_id"
        " JOIN customers cu ON cu.id = i.customer_id"
        " WHERE b.month = $1 AND i.status = 'issued' ORDER BY i.id",
        "t", month);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 1024;
            *v = xrealloc(*v, cap * sizeof(**v));
        }
        struct seed_invoice *x = &(*v)[(*n)++];
        x->id = stmt_int(s, 0);
        x->customer_id = stmt_int(s, 1);
        x->amount_due_yen = stmt_int(s, 2);
        snprintf(x->due_on, sizeof(x->due_on), "%s", stmt_text(s, 3));
        snprintf(x->issued_on, sizeof(x->issued_on), "%s", stmt_text(s, 4));
        snprintf(x->method, sizeof(x->method), "%s", stmt_text(s, 5));
        snprintf(x->kana, sizeof(x->kana), "%s", stmt_text(s, 6));
    }
    stmt_done(s);
    return rc;
}

static enum err
load_open_followups(struct seed_month *m)
{
    struct stmt *s;
    bool row;
    size_t cap = 0;
    enum err rc = store_query(m->st, &s,
                              "SELECT customer_id, id FROM payment_followups"
                              " WHERE status = 'open'",
                              "");
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        if (m->nopen == cap) {
            cap = cap ? cap * 2 : 64;
            m->open_cust = xrealloc(m->open_cust, cap * sizeof(int64_t));
            m->open_id = xrealloc(m->open_id, cap * sizeof(int64_t));
        }
        m->open_cust[m->nopen] = stmt_int(s, 0);
        m->open_id[m->nopen++] = stmt_int(s, 1);
    }
    stmt_done(s);
    return rc;
}

/* A debit collected the customer's arrears: close their follow-ups. */
static enum err
close_followups(struct seed_month *m, int64_t customer, const char *on)
{
    enum err rc = ERR_OK;
    char note[96];
    snprintf(note, sizeof(note), "%s の口座振替で回収", on);
    for (size_t i = 0; !rc && i < m->nopen; i++)
        if (m->open_cust[i] == customer && m->open_id[i]) {
            rc = followup_close(m->st, m->open_id[i], note, "seed");
            m->open_id[i] = 0;
        }
    return rc;
}

/* 口座振替: debited on the due date, or failed. */
static enum err
seed_debit(struct seed_month *m, const struct seed_invoice *x, struct rng *r)
{
    static const int fail_codes[] = {1, 1, 1, 1, 1, 1, 1, 3, 9, 2, 4};
    struct ledger_debit_posted out;
    char key[64];
    snprintf(key, sizeof(key), "seed:debit:%lld", (long long)x->id);
    bool fail = rng_below(r, 1000) < FAIL_PER_MILLE;
    struct ledger_debit_result d = {
        .invoice_id = x->id,
        .amount_yen = x->amount_due_yen,
        .result_code = fail
                           ? fail_codes[rng_below(r, sizeof(fail_codes) /
                                                         sizeof(fail_codes[0]))]
                           : 0,
        .debit_on = x->due_on,
        .source_key = key,
        .reference = "seed",
        .actor = "seed"};
    enum err rc = ledger_post_debit_result(m->st, &d, &out);
    if (!rc && fail)
        m->failures++;
    else if (!rc)
        rc = close_followups(m, x->customer_id, x->due_on);
    return rc;
}

/* The day a non-debit payment is made: from issue to due (late payers a
 * few days after), never before the day after issue. */
static void
pay_day(const struct seed_invoice *x, int from, int span, struct rng *r,
        char out[11])
{
    time_date_add(x->due_on, from + (int64_t)rng_below(r, (uint64_t)span), out);
    if (strcmp(out, x->issued_on) <= 0)
        time_date_add(x->issued_on, 1, out);
}

static const char *const collectors[] = {"佐藤", "鈴木", "高橋", "田中"};

static enum err
seed_other(struct seed_month *m, const struct seed_invoice *x, struct rng *r,
           int64_t amount, bool late)
{
    char on[11];
    struct ledger_posted posted;
    bool cash = !strcmp(x->method, "collection");
    bool transfer = !strcmp(x->method, "transfer");
    if (cash)
        time_date_add(x->issued_on, 3 + (int64_t)rng_below(r, 13), on);
    else if (late)
        pay_day(x, 1, 9, r, on);
    else
        pay_day(x, -10, 11, r, on);
    if (strcmp(on, m->until) > 0) /* not paid yet */
        return ERR_OK;
    if (transfer) {
        struct transfer_out out;
        struct transfer_in in = {.received_on = on,
                                 .amount_yen = amount,
                                 .payer_name = x->kana,
                                 .customer_id = x->customer_id,
                                 .invoice_id = x->id,
                                 .actor = "seed"};
        return transfer_record(m->st, &in, &out);
    }
    struct ledger_post p = {.kind = LEDGER_PAYMENT,
                            .method = cash ? LEDGER_CASH : LEDGER_CVS,
                            .invoice_id = x->id,
                            .amount_yen = amount,
                            .on = on,
                            .receipt = cash,
                            .reference =
                                cash ? collectors[rng_below(r, 4)] : NULL,
                            .actor = "seed"};
    return ledger_post(m->st, &p, &posted);
}

/* One invoice's payment, by its method. */
static enum err
seed_invoice(struct seed_month *m, const struct seed_invoice *x)
{
    struct rng r;
    char from[8];
    rng_init(&r, m->c->seed, "payments-invoice",
             ((uint64_t)m->tenant << 40) ^ (uint64_t)x->id);
    delinquent_from(m->c, m->tenant, x->customer_id, from);
    if (x->amount_due_yen <= 0 || (from[0] && strcmp(m->month, from) >= 0)) {
        m->skipped++;
        return ERR_OK;
    }
    if (!strcmp(x->method, "debit")) {
        if (strcmp(x->due_on, m->until) > 0)
            return ERR_OK;
        m->payments++;
        return seed_debit(m, x, &r);
    }
    int64_t amount = x->amount_due_yen;
    bool round_up = strcmp(x->method, "cvs") &&
                    trait(m->c, m->tenant, x->customer_id, "payments-round") <
                        ROUND_UP_PER_MILLE;
    if (round_up) /* 前受: the next invoice shows the credit */
        amount = (amount / 1000 + 1) * 1000;
    bool late = trait(m->c, m->tenant, x->customer_id, "payments-late") <
                LATE_PER_MILLE;
    m->payments++;
    return seed_other(m, x, &r, amount, late);
}

static enum err
seed_audit(struct store *st, const char *action, const char *target,
           json_t *detail)
{
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    if (!text)
        return err_fail(ERR_INTERNAL, "audit detail");
    struct audit_entry e = {"seed", action, target, text, NULL, NULL};
    enum err rc = audit_append(st, &e);
    free(text);
    return rc;
}

static enum err
month_body(struct seed_month *m)
{
    struct seed_invoice *v = NULL;
    size_t n = 0;
    enum err rc = load_invoices(m->st, m->month, &v, &n);
    if (!rc)
        rc = load_open_followups(m);
    for (size_t i = 0; !rc && i < n; i++)
        rc = seed_invoice(m, &v[i]);
    if (!rc && n)
        rc = seed_audit(m->st, "payment.record", "seed",
                        json_pack("{s:s, s:I, s:I}", "month", m->month,
                                  "payments", (json_int_t)m->payments,
                                  "debit_failures", (json_int_t)m->failures));
    free(v);
    return rc;
}

enum err
payments_seed_month(const struct seed_ctx *c, long long tenant,
                    struct store *st, const char *month)
{
    struct seed_month m = {.c = c, .tenant = tenant, .st = st, .month = month};
    time_today_jst(m.until);
    if (strcmp(c->as_of, m.until) < 0)
        snprintf(m.until, sizeof(m.until), "%s", c->as_of);
    enum err rc = store_tx_begin(st);
    if (rc)
        return rc;
    rc = month_body(&m);
    if (rc)
        store_tx_rollback(st);
    else
        rc = store_tx_commit(st);
    free(m.open_cust);
    free(m.open_id);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The module: dunning of the overdue accounts, a review list              */
/* ---------------------------------------------------------------------- */

#define DUN_MAX        200 /* overdue accounts worked per tenant */
#define DUN_AFTER_DAYS 20  /* overdue this long before anyone calls */

struct overdue_acct {
    int64_t customer_id;
    int worst;
    char oldest[11];
};

struct dun_pass {
    struct overdue_acct v[DUN_MAX];
    size_t n;
    char until[11];
};

static enum err
collect_overdue(void *arg, int64_t id, const struct ledger_ageing *a)
{
    struct dun_pass *p = arg;
    char since[11];
    /* a debit that failed last week is a follow-up, not yet a call */
    time_date_add(p->until, -DUN_AFTER_DAYS, since);
    if (a->worst_bucket < 1 || p->n == DUN_MAX ||
        strcmp(a->oldest_overdue_on, since) > 0)
        return ERR_OK;
    p->v[p->n].customer_id = id;
    p->v[p->n].worst = a->worst_bucket;
    memcpy(p->v[p->n++].oldest, a->oldest_overdue_on, 11);
    return ERR_OK;
}

/* day days after from, but not after until. */
static void
day_after(const char *from, int days, const char *until, char out[11])
{
    time_date_add(from, days, out);
    if (strcmp(out, until) > 0)
        snprintf(out, 11, "%s", until);
}

static enum err
dun_one(struct store *st, const struct overdue_acct *o, const char *until,
        int64_t *steps)
{
    char called[11], promised[11], reminded[11], demanded[11];
    json_t *out = NULL;
    day_after(o->oldest, 7, until, called);
    time_date_add(called, 14, promised);
    struct contact_note_in n = {
        .contacted_on = called,
        .channel = "phone",
        .staff = "佐藤",
        .person = "ご本人",
        .summary = "お支払期限を過ぎている旨を電話でお伝えした。",
        .agreement = "月末までに振込で支払うとのこと。",
        .promised_on = promised,
        .actor = "seed"};
    enum err rc = contact_note_add(st, o->customer_id, &n, &out);
    json_decref(out);
    if (rc || o->worst < 2)
        return rc;
    day_after(o->oldest, 35, until, reminded);
    struct dunning_step_in in = {DUNNING_REMINDER, reminded, NULL,
                                 "督促状を郵送", "seed"};
    out = NULL;
    if (!(rc = dunning_step_record(st, o->customer_id, &in, &out)))
        (*steps)++;
    json_decref(out);
    if (rc || o->worst < 3)
        return rc;
    day_after(o->oldest, 65, until, demanded);
    struct dunning_step_in d = {DUNNING_DEMAND, demanded, NULL,
                                "催告書を郵送（配達証明）", "seed"};
    out = NULL;
    if (!(rc = dunning_step_record(st, o->customer_id, &d, &out)))
        (*steps)++;
    json_decref(out);
    return rc;
}

/* Two transfers of the last days that match no customer's name. */
static enum err
review_list(struct store *st, const char *until)
{
    static const struct {
        const char *name;
        int64_t yen;
    } odd[] = {{"ﾔﾏﾀﾞ ｼﾖｳｼﾞ", 5000}, {"ｶ)ﾐﾄﾞﾘｻﾝｷﾞﾖｳ", 12340}};
    enum err rc = ERR_OK;
    char on[11];
    time_date_add(until, -1, on);
    for (size_t i = 0; !rc && i < sizeof(odd) / sizeof(odd[0]); i++) {
        struct transfer_out out;
        struct transfer_in in = {.received_on = on,
                                 .amount_yen = odd[i].yen,
                                 .payer_name = odd[i].name,
                                 .actor = "seed"};
        rc = transfer_record(st, &in, &out);
    }
    return rc;
}

static enum err
tenant_wrapup(const struct seed_ctx *c, struct store *st, int64_t *accounts,
              int64_t *steps)
{
    struct dun_pass *p = xcalloc(1, sizeof(*p));
    char *until = p->until;
    time_today_jst(until);
    if (strcmp(c->as_of, until) < 0)
        snprintf(until, sizeof(p->until), "%s", c->as_of);
    enum err rc = store_tx_begin(st);
    if (!rc)
        rc = ledger_scan(st, until, collect_overdue, p);
    for (size_t i = 0; !rc && i < p->n; i++)
        rc = dun_one(st, &p->v[i], until, steps);
    if (!rc && c->months > 0)
        rc = review_list(st, until);
    if (!rc)
        rc = seed_audit(st, "dunning.step", "seed",
                        json_pack("{s:I, s:I}", "overdue_accounts",
                                  (json_int_t)p->n, "steps",
                                  (json_int_t)*steps));
    if (rc)
        store_tx_rollback(st);
    else
        rc = store_tx_commit(st);
    *accounts += (int64_t)p->n;
    free(p);
    return rc;
}

enum err
payments_seed(struct seed_ctx *c)
{
    enum err rc = ERR_OK;
    int64_t accounts = 0, steps = 0;
    for (long long i = 0; !rc && i < c->ntenant_ids; i++) {
        struct store *st;
        if (!(rc = pool_tenant(c->tenant_ids[i], &st)))
            rc = tenant_wrapup(c, st, &accounts, &steps);
    }
    if (!rc && !c->quiet)
        fprintf(stderr,
                "seed: payments   %lld overdue accounts, %lld "
                "dunning steps\n",
                (long long)accounts, (long long)steps);
    return rc;
}
