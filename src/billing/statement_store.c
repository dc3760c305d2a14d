/*
 * statement_store.c — the SQL of statements out (statement.h): the issued
 * invoices of a billing run, and the rows of the vendor CSV.
 *
 * The CSV's mailing fields (name, kana, postal code, address) come from
 * the customer ledger as it is now — where the letter must go today —
 * while amounts, dates and the payment method are the invoice's own
 * (issued invoices never change). A customer without an address of their
 * own is mailed at the supply point.
 */
#include "billing/billing.h"
#include "billing/statement.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

enum err
statement_run_check(struct store *st, int64_t run_id)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(
        st, &s, "SELECT 1 FROM billing_runs WHERE id = $1", "i", run_id);
    if (rc)
        return rc;
    rc = stmt_step(s, &row);
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_BILLING_RUN_NOT_FOUND, "billing run %lld",
                      (long long)run_id);
    return rc;
}

enum err
statement_run_invoices(struct store *st, int64_t run_id, int64_t after,
                       size_t cap, int64_t *ids, int64_t *nums, size_t *n,
                       bool *more)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(st, &s,
                              "SELECT id, number FROM invoices"
                              " WHERE run_id = $1 AND status = 'issued'"
                              " AND number > $2 ORDER BY number LIMIT $3",
                              "iii", run_id, after, (int64_t)cap + 1);
    *n = 0;
    *more = false;
    if (rc)
        return rc;
    while (!(rc = stmt_step(s, &row)) && row) {
        if (*n == cap) {
            *more = true;
            break;
        }
        ids[*n] = stmt_int(s, 0);
        nums[*n] = stmt_int(s, 1);
        (*n)++;
    }
    stmt_done(s);
    return rc;
}

/* Column text, "" for NULL. */
static const char *
col(struct stmt *s, int i)
{
    const char *t = stmt_text(s, i);
    return t ? t : "";
}

/* One row of the CSV from the query below, in export_csv.c's order. */
static enum err
emit_row(struct stmt *s, export_csv_row_fn fn, void *arg)
{
    char num[24], usage[32], amt[5][24], mail[512], point[512];
    int64_t u = stmt_int(s, 10);
    snprintf(num, sizeof(num), "%lld", (long long)stmt_int(s, 0));
    snprintf(point, sizeof(point), "%s%s%s%s%s%s%s", col(s, 7), col(s, 8),
             col(s, 9), *col(s, 18) ? " " : "", col(s, 18),
             *col(s, 19) ? " " : "", col(s, 19));
    snprintf(mail, sizeof(mail), "%s%s", col(s, 5), col(s, 6));
    if (!*col(s, 6))
        snprintf(mail, sizeof(mail), "%s", point);
    if (stmt_is_null(s, 10))
        usage[0] = '\0';
    else
        snprintf(usage, sizeof(usage), "%s%lld.%lld", u < 0 ? "-" : "",
                 (long long)(u < 0 ? -u : u) / 10,
                 (long long)(u < 0 ? -u : u) % 10);
    for (int i = 0; i < 5; i++)
        snprintf(amt[i], sizeof(amt[i]), "%lld",
                 (long long)stmt_int(s, 11 + i));
    const char *v[] = {
        num,    col(s, 1), col(s, 2),  col(s, 3),  col(s, 4),  col(s, 20),
        mail,   point,     col(s, 16), col(s, 17), usage,      amt[0],
        amt[1], amt[2],    amt[3],     amt[4],     col(s, 21), col(s, 22)};
    return fn(arg, v, sizeof(v) / sizeof(v[0]));
}

enum err
statement_export_walk(struct store *st, int64_t run_id, export_csv_row_fn fn,
                      void *arg)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(
        st, &s,
        "SELECT i.number, i.issued_on, c.number, c.name, c.kana,"
        " c.prefecture, c.address, p.prefecture, p.city, p.street,"
        " i.usage_tenths, i.subtotal_yen, i.tax_yen, i.total_yen,"
        " i.previous_balance_yen, i.amount_due_yen, i.period_from,"
        " i.period_to, p.building, p.room, c.postal_code, i.due_on,"
        " i.payment_method"
        " FROM invoices i JOIN customers c ON c.id = i.customer_id"
        " JOIN supply_points p ON p.id = i.supply_point_id"
        " WHERE i.run_id = $1 AND i.status = 'issued' ORDER BY i.number",
        "i", run_id);
    if (rc)
        return rc;
    while (!(rc = stmt_step(s, &row)) && row)
        if ((rc = emit_row(s, fn, arg)))
            break;
    stmt_done(s);
    return rc;
}
