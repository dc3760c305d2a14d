/*
 * ledger.c — the receivables ledger's pure logic: names of kinds and
 * methods, the ageing buckets and the oldest-first allocation (ledger.h
 * states the rule). No I/O.
 */
#include "payments/ledger.h"

#include <stdlib.h>
#include <string.h>

const char *
ledger_kind_name(enum ledger_kind k)
{
    static const char *const names[] = {"payment", "refund", "adjustment",
                                        "reversal"};
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "";
}

static const char *const method_names[] = {NULL,   "debit", "transfer",
                                           "cash", "cvs",   "other"};
#define NMETHODS (sizeof(method_names) / sizeof(method_names[0]))

const char *
ledger_method_name(enum ledger_method m)
{
    return (unsigned)m < NMETHODS ? method_names[m] : NULL;
}

bool
ledger_method_parse(const char *s, enum ledger_method *m)
{
    for (size_t i = 1; s && i < NMETHODS; i++)
        if (!strcmp(s, method_names[i])) {
            *m = (enum ledger_method)i;
            return true;
        }
    return false;
}

const char *
ledger_followup_action(int result_code)
{
    switch (result_code) {
    case 1: /* 資金不足: the next invoice carries it and is debited */
        return "redebit";
    case 2: /* 取引なし (no account) */
    case 4: /* 依頼書なし (no mandate) */
        return "transfer_slip";
    case 3: /* 預金者の都合による振替停止 */
    case 8: /* 委託者の都合による振替停止 */
    case 9: /* その他 */
        return "contact";
    default:
        return NULL;
    }
}

/* Year × 12 + month of "YYYY-MM-DD" (digits checked by the caller). */
static int
month_index(const char *d)
{
    int y = (int)strtol(d, NULL, 10);
    int m = (int)strtol(d + 5, NULL, 10);
    return y * 12 + m - 1;
}

int
ledger_bucket(const char *due_on, const char *as_of)
{
    if (strcmp(due_on, as_of) >= 0)
        return 0; /* not overdue: paid on the due date is on time */
    int months = month_index(as_of) - month_index(due_on);
    if (months < 1)
        return 1;
    return months > 3 ? 3 : months;
}

/* Debits first, by due date then seq; credits after, in seq order. */
static int
item_cmp(const void *pa, const void *pb)
{
    const struct ledger_item *a = pa, *b = pb;
    bool da = a->amount_yen > 0, db = b->amount_yen > 0;
    if (da != db)
        return da ? -1 : 1;
    int c = da ? strcmp(a->due_on, b->due_on) : 0;
    if (c)
        return c;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void
ledger_age(struct ledger_item *items, size_t n, const char *as_of,
           struct ledger_ageing *out)
{
    int64_t credit = 0;
    memset(out, 0, sizeof(*out));
    if (n > 1)
        qsort(items, n, sizeof(*items), item_cmp);
    for (size_t i = 0; i < n; i++) {
        out->balance_yen += items[i].amount_yen;
        if (items[i].amount_yen < 0)
            credit -= items[i].amount_yen;
    }
    /* 先入先出: the pooled credits settle the oldest debits first */
    for (size_t i = 0; i < n; i++) {
        struct ledger_item *it = &items[i];
        if (it->amount_yen <= 0) {
            it->open_yen = 0;
            it->bucket = -1;
            continue;
        }
        int64_t paid = credit < it->amount_yen ? credit : it->amount_yen;
        credit -= paid;
        it->open_yen = it->amount_yen - paid;
        it->bucket = ledger_bucket(it->due_on, as_of);
        if (!it->open_yen)
            continue;
        out->bucket_yen[it->bucket] += it->open_yen;
        if (it->bucket > 0) {
            out->overdue_yen += it->open_yen;
            if (!out->oldest_overdue_on[0])
                memcpy(out->oldest_overdue_on, it->due_on, 11);
            if (it->bucket > out->worst_bucket)
                out->worst_bucket = it->bucket;
        }
    }
    out->credit_yen = credit;
}

json_t *
ledger_ageing_json(const struct ledger_ageing *a, const char *as_of)
{
    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "as_of",
                     as_of, "current_yen", (json_int_t)a->bucket_yen[0],
                     "overdue_1_yen", (json_int_t)a->bucket_yen[1],
                     "overdue_2_yen", (json_int_t)a->bucket_yen[2],
                     "overdue_3plus_yen", (json_int_t)a->bucket_yen[3],
                     "overdue_yen", (json_int_t)a->overdue_yen, "credit_yen",
                     (json_int_t)a->credit_yen, "balance_yen",
                     (json_int_t)a->balance_yen, "oldest_overdue_on",
                     a->oldest_overdue_on[0] ? json_string(a->oldest_overdue_on)
                                             : json_null());
}
