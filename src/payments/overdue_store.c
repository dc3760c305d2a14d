/*
 * overdue_store.c — the tenant's receivables as lists: the ageing summary
 * (年齢調べ) with the customers that have a balance, the overdue list for
 * dunning with its filters, and the content of a reminder letter.
 *
 * Both lists age every customer in one ordered pass (ledger_scan) and
 * keep the totals of all, the rows of one page (customers by id after
 * `after`). The overdue list then adds, for its page only, what the
 * office needs to decide the next step: phone, payment methods, the open
 * case's last step, the last contact and open debit follow-ups.
 */
#include "billing/billing.h"
#include "core/timeutil.h"
#include "payments/payments.h"
#include "payments/payments_int.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* The ageing summary                                                     */
/* ---------------------------------------------------------------------- */

struct ageing_pass {
    struct ledger_ageing sum;
    int64_t customers, overdue, credit;
    int64_t after, limit, n, last;
    const char *as_of;
    json_t *page;
};

static void
ageing_add(struct ledger_ageing *sum, const struct ledger_ageing *a)
{
    for (int b = 0; b < LEDGER_BUCKETS; b++)
        sum->bucket_yen[b] += a->bucket_yen[b];
    sum->overdue_yen += a->overdue_yen;
    sum->credit_yen += a->credit_yen;
    sum->balance_yen += a->balance_yen;
    if (a->oldest_overdue_on[0] &&
        (!sum->oldest_overdue_on[0] ||
         strcmp(a->oldest_overdue_on, sum->oldest_overdue_on) < 0))
        memcpy(sum->oldest_overdue_on, a->oldest_overdue_on, 11);
    if (a->worst_bucket > sum->worst_bucket)
        sum->worst_bucket = a->worst_bucket;
}

static enum err
ageing_one(void *arg, int64_t id, const struct ledger_ageing *a)
{
    struct ageing_pass *p = arg;
    ageing_add(&p->sum, a);
    p->customers++;
    p->overdue += a->overdue_yen > 0;
    p->credit += a->credit_yen > 0;
    if (id <= p->after || p->n >= p->limit)
        return ERR_OK;
    p->n++;
    p->last = id;
    json_array_append_new(p->page,
                          json_pack("{s:I, s:o}", "customer_id", (json_int_t)id,
                                    "ageing", ledger_ageing_json(a, p->as_of)));
    return ERR_OK;
}

/* Each row's "customer_id" replaced by "customer": {id, number, name}. */
static enum err
add_customers(struct store *st, json_t *rows)
{
    json_t *r;
    size_t i;
    enum err rc = ERR_OK;
    json_array_foreach(rows, i, r)
    {
        json_t *c = NULL;
        int64_t id = json_integer_value(json_object_get(r, "customer_id"));
        if ((rc = pay_customer_json(st, id, &c)))
            break;
        json_object_set_new(r, "customer", c);
        json_object_del(r, "customer_id");
    }
    return rc;
}

enum err
receivables_ageing(struct store *st, const char *as_of, int64_t after,
                   int64_t limit, json_t **out)
{
    struct ageing_pass p = {.as_of = as_of, .after = after, .limit = limit};
    p.page = json_array();
    enum err rc = ledger_scan(st, as_of, ageing_one, &p);
    if (!rc)
        rc = add_customers(st, p.page);
    if (rc) {
        json_decref(p.page);
        return rc;
    }
    json_t *totals = ledger_ageing_json(&p.sum, as_of);
    json_object_set_new(totals, "customers", json_integer(p.customers));
    json_object_set_new(totals, "customers_overdue", json_integer(p.overdue));
    json_object_set_new(totals, "customers_credit", json_integer(p.credit));
    *out = json_pack("{s:s, s:o, s:o, s:o}", "as_of", as_of, "totals", totals,
                     "customers", p.page, "next_after",
                     p.n == limit ? json_integer(p.last) : json_null());
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* The overdue list                                                       */
/* ---------------------------------------------------------------------- */

struct overdue_pass {
    struct store *st;
    const struct overdue_filter *f;
    int64_t count, overdue_yen, n, last;
    json_t *page;
};

/* Whether the customer has a contract in force paid by method. */
static enum err
pays_by(struct store *st, int64_t id, const char *method, const char *on,
        bool *yes)
{
    struct stmt *s;
    enum err rc = store_query(st, &s,
                              "SELECT 1 FROM contracts WHERE customer_id = $1"
                              " AND payment_method = $2 AND start_date <= $3"
                              " AND (end_date IS NULL OR end_date >= $3)"
                              " LIMIT 1",
                              "itt", id, method, on);
    if (!rc)
        rc = stmt_step(s, yes);
    stmt_done(s);
    return rc;
}

static enum err
overdue_one(void *arg, int64_t id, const struct ledger_ageing *a)
{
    struct overdue_pass *p = arg;
    const struct overdue_filter *f = p->f;
    bool yes = true;
    if (a->overdue_yen <= 0 || a->worst_bucket < f->min_months ||
        a->overdue_yen < f->min_yen)
        return ERR_OK;
    enum err rc = f->payment_method
                      ? pays_by(p->st, id, f->payment_method, f->as_of, &yes)
                      : ERR_OK;
    if (rc || !yes)
        return rc;
    p->count++;
    p->overdue_yen += a->overdue_yen;
    if (id <= f->after || p->n >= f->limit)
        return ERR_OK;
    p->n++;
    p->last = id;
    json_array_append_new(p->page,
                          json_pack("{s:I, s:o}", "customer_id", (json_int_t)id,
                                    "ageing", ledger_ageing_json(a, f->as_of)));
    return ERR_OK;
}

/* What the office needs beside a row: phone, payment methods, the last
 * step, the last contact, open follow-ups. */
#define ROW_FACTS                                                              \
    "SELECT cu.number, cu.name, cu.phone1,"                                    \
    " (SELECT d.step || ' ' || d.taken_on FROM dunning_steps d"                \
    "  WHERE d.customer_id = cu.id ORDER BY d.id DESC LIMIT 1),"               \
    " (SELECT MAX(n.contacted_on) FROM contact_notes n"                        \
    "  WHERE n.customer_id = cu.id),"                                          \
    " (SELECT COUNT(*) FROM payment_followups f"                               \
    "  WHERE f.customer_id = cu.id AND f.status = 'open')"                     \
    " FROM customers cu WHERE cu.id = $1"

static json_t *
last_step_json(const char *text)
{
    enum dunning_step k;
    char name[16];
    const char *sp = text ? strchr(text, ' ') : NULL;
    if (!sp)
        return json_null();
    snprintf(name, sizeof(name), "%.*s", (int)(sp - text), text);
    if (!dunning_step_parse(name, &k))
        return json_null();
    return json_pack("{s:s, s:s, s:s}", "step", name, "label",
                     dunning_step_label(k), "taken_on", sp + 1);
}

/* "payment_methods": the methods of the customer's contracts in force. */
static enum err
methods_of(struct store *st, json_t *r, int64_t id, const char *as_of)
{
    struct stmt *s;
    bool row;
    json_t *a = json_array();
    enum err rc = store_query(st, &s,
                              "SELECT DISTINCT payment_method FROM contracts"
                              " WHERE customer_id = $1 AND (end_date IS NULL"
                              " OR end_date >= $2) ORDER BY 1",
                              "it", id, as_of);
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(a, json_string(stmt_text(s, 0)));
    stmt_done(s);
    json_object_set_new(r, "payment_methods", a);
    return rc;
}

static enum err
row_facts(struct store *st, json_t *r, const char *as_of)
{
    struct stmt *s;
    bool row = false;
    int64_t id = json_integer_value(json_object_get(r, "customer_id"));
    enum err rc = store_query(st, &s, ROW_FACTS, "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        json_object_set_new(
            r, "customer",
            json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)id, "number",
                      stmt_text(s, 0), "name", stmt_text(s, 1), "phone",
                      stmt_is_null(s, 2) ? json_null()
                                         : json_string(stmt_text(s, 2))));
        json_object_set_new(r, "last_step", last_step_json(stmt_text(s, 3)));
        json_object_set_new(r, "last_contact_on",
                            stmt_is_null(s, 4) ? json_null()
                                               : json_string(stmt_text(s, 4)));
        json_object_set_new(r, "open_followups", json_integer(stmt_int(s, 5)));
        json_object_del(r, "customer_id");
    }
    stmt_done(s);
    return rc ? rc : methods_of(st, r, id, as_of);
}

enum err
dunning_overdue(struct store *st, const struct overdue_filter *f, json_t **out)
{
    struct overdue_pass p = {.st = st, .f = f};
    json_t *r;
    size_t i;
    p.page = json_array();
    enum err rc = ledger_scan(st, f->as_of, overdue_one, &p);
    json_array_foreach(p.page, i, r)
    {
        if (!rc)
            rc = row_facts(st, r, f->as_of);
    }
    if (rc) {
        json_decref(p.page);
        return rc;
    }
    *out =
        json_pack("{s:s, s:I, s:I, s:o, s:o}", "as_of", f->as_of, "count",
                  (json_int_t)p.count, "overdue_yen", (json_int_t)p.overdue_yen,
                  "customers", p.page, "next_after",
                  p.n == f->limit ? json_integer(p.last) : json_null());
    return ERR_OK;
}
