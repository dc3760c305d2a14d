/*
 * transfer_store.c — bank transfers (振込) in the tenant store: finding the
 * candidates for a transfer, recording it (posted at once when sure, else
 * on the review list), assigning and dismissing, and the lists.
 *
 * Candidates (transfer.c says what decides):
 *   by name: customers whose kana key (customers.kana_key, the search
 *     key) starts with the payer key's first character — the index finds
 *     them — and whose kana folds to the payer's key exactly; for each,
 *     its latest issued invoices still open;
 *   by amount: issued invoices of the billing runs of the last
 *     TRANSFER_RECENT_MONTHS months whose amount due is the transfer's
 *     and that are still open.
 * "Open" here is the invoice's amount due less the payments that name it
 * (a transfer pays one invoice's slip); the ledger's ageing allocates
 * oldest first regardless.
 */
#include "core/timeutil.h"
#include "payments/payments.h"
#include "payments/payments_int.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_CUSTOMERS_MAX 20 /* customers a name may match */
#define OPEN_PER_CUSTOMER  6  /* latest open invoices per such customer */
#define PROBE_MAX          64 /* candidates gathered before ranking */

struct probe {
    struct transfer_candidate c[PROBE_MAX];
    size_t n;
    int64_t amount_yen;
};

/* The candidate for invoice_id, added when new. */
static struct transfer_candidate *
probe_slot(struct probe *p, int64_t invoice_id)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->c[i].invoice_id == invoice_id)
            return &p->c[i];
    if (p->n == PROBE_MAX)
        return NULL;
    struct transfer_candidate *c = &p->c[p->n++];
    memset(c, 0, sizeof(*c));
    c->invoice_id = invoice_id;
    return c;
}

/* Open invoices of the statement's rows (id, number, customer_id, open). */
static enum err
probe_rows(struct probe *p, struct stmt *s, bool by_name, size_t max)
{
    bool row = true;
    enum err rc = ERR_OK;
    size_t taken = 0;
    while (!rc && taken < max && !(rc = stmt_step(s, &row)) && row) {
        if (stmt_int(s, 3) <= 0)
            continue;
        struct transfer_candidate *c = probe_slot(p, stmt_int(s, 0));
        if (!c)
            break;
        c->invoice_number = stmt_int(s, 1);
        c->customer_id = stmt_int(s, 2);
        c->open_yen = stmt_int(s, 3);
        c->amount = c->open_yen == p->amount_yen;
        c->name |= by_name;
        taken++;
    }
    stmt_done(s);
    return rc;
}

#define OPEN_COLS                                                              \
    "i.id, i.number, i.customer_id, i.amount_due_yen + COALESCE((SELECT"       \
    " SUM(e.amount_yen) FROM receivable_entries e WHERE e.invoice_id = i.id)," \
    " 0)"

static enum err
probe_customer(struct store *st, struct probe *p, int64_t customer_id)
{
    struct stmt *s;
    enum err rc = store_query(st, &s,
                              "SELECT " OPEN_COLS " FROM invoices i"
                              " WHERE i.customer_id = $1"
                              " AND i.status = 'issued' ORDER BY i.id DESC"
                              " LIMIT 24",
                              "i", customer_id);
    return rc ? rc : probe_rows(p, s, true, OPEN_PER_CUSTOMER);
}

/* The first UTF-8 character of key (lo) and the string just above every
 * string starting with it (hi: its last byte + 1), for a prefix range on
 * an index. */
static void
first_char_range(const char *key, char lo[8], char hi[8])
{
    unsigned char c = (unsigned char)key[0];
    size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    len = strnlen(key, len); /* a key cut inside a character */
    memcpy(lo, key, len);
    lo[len] = '\0';
    memcpy(hi, lo, len + 1); /* with lo's terminator, not key's next byte */
    for (size_t i = len; i-- > 0;) { /* increment the last byte */
        if ((unsigned char)hi[i] < 0xFF) {
            hi[i]++;
            break;
        }
    }
}

/* Customers whose kana folds to key: their open invoices, as by name. */
static enum err
probe_by_name(struct store *st, struct probe *p, const char *key)
{
    struct stmt *s;
    bool row;
    char lo[8], hi[8], k[TRANSFER_KEY_MAX];
    int64_t ids[NAME_CUSTOMERS_MAX];
    size_t n = 0;
    if (!*key)
        return ERR_OK;
    first_char_range(key, lo, hi);
    enum err rc = store_query(st, &s,
                              "SELECT id, kana FROM customers"
                              " WHERE kana_key >= $1 AND kana_key < $2",
                              "tt", lo, hi);
    while (!rc && n < NAME_CUSTOMERS_MAX && !(rc = stmt_step(s, &row)) && row)
        if (!transfer_name_key(stmt_text(s, 1), k, sizeof(k)) &&
            !strcmp(k, key))
            ids[n++] = stmt_int(s, 0);
    stmt_done(s);
    for (size_t i = 0; !rc && i < n; i++)
        rc = probe_customer(st, p, ids[i]);
    return rc;
}

/* "YYYY-MM" months before on's month. */
static void
month_back(const char *on, int months, char out[8])
{
    int y = (int)strtol(on, NULL, 10);
    int m = (int)strtol(on + 5, NULL, 10) - 1 - months;
    while (m < 0) {
        m += 12;
        y--;
    }
    snprintf(out, 8, "%04d-%02d", y % 10000, m + 1);
}

/* Open invoices of recent runs whose amount due is the transfer's. */
static enum err
probe_by_amount(struct store *st, struct probe *p, const char *on)
{
    struct stmt *s;
    char from[8];
    month_back(on, TRANSFER_RECENT_MONTHS, from);
    enum err rc =
        store_query(st, &s,
                    "SELECT " OPEN_COLS " FROM billing_runs b"
                    " JOIN invoices i ON i.run_id = b.id WHERE b.month >= $1"
                    " AND i.amount_due_yen = $2 AND i.status = 'issued'"
                    " ORDER BY i.id DESC LIMIT 40",
                    "ti", from, p->amount_yen);
    return rc ? rc : probe_rows(p, s, false, TRANSFER_CANDIDATES_MAX);
}

/* Rank: name and amount, then amount only, then name only. */
static int
cand_rank(const struct transfer_candidate *c)
{
    return c->name && c->amount ? 0 : c->amount ? 1 : 2;
}

static int
cand_cmp(const void *pa, const void *pb)
{
    const struct transfer_candidate *a = pa, *b = pb;
    int d = cand_rank(a) - cand_rank(b);
    if (d)
        return d;
    return a->invoice_id < b->invoice_id   ? 1
           : a->invoice_id > b->invoice_id ? -1
                                           : 0;
}

/* The candidates as stored on a review item (at most
 * TRANSFER_CANDIDATES_MAX). */
static char *
cand_text(const struct probe *p)
{
    json_t *a = json_array();
    for (size_t i = 0; i < p->n && i < TRANSFER_CANDIDATES_MAX; i++) {
        const struct transfer_candidate *c = &p->c[i];
        json_array_append_new(
            a, json_pack("{s:I, s:I, s:I, s:I, s:b, s:b}", "invoice_id",
                         (json_int_t)c->invoice_id, "invoice_number",
                         (json_int_t)c->invoice_number, "customer_id",
                         (json_int_t)c->customer_id, "open_yen",
                         (json_int_t)c->open_yen, "name", c->name, "amount",
                         c->amount));
    }
    char *t = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return t;
}

static enum err
check_in(const struct transfer_in *in)
{
    char today[11];
    time_today_jst(today);
    if (!in->received_on || !time_date_valid(in->received_on) ||
        strcmp(in->received_on, today) > 0)
        return err_fail(ERR_INVALID, "入金日が正しくありません");
    if (in->amount_yen < 1 || in->amount_yen > LEDGER_AMOUNT_MAX_YEN)
        return err_fail(ERR_INVALID, "金額が範囲外です");
    if (!in->payer_name || !*in->payer_name)
        return err_fail(ERR_INVALID, "振込依頼人名がありません");
    return ERR_OK;
}

static enum err
transfer_insert(struct store *st, const struct transfer_in *in, const char *key,
                const char *status, const char *cands, int64_t *id)
{
    char now[32];
    time_now_iso(now);
    enum err rc = store_run(
        st,
        "INSERT INTO bank_transfers (received_on, amount_yen, payer_name,"
        " payer_key, bank_reference, status, candidates, resolution_note,"
        " created_at, created_by, source_key) VALUES ($1, $2, $3, $4, $5,"
        " $6, $7, $8, $9, $10, $11)",
        "tittttttttt", in->received_on, in->amount_yen, in->payer_name, key,
        in->bank_reference, status, cands, in->note, now, in->actor,
        in->source_key);
    if (!rc)
        *id = store_last_id(st);
    return rc;
}

/* Post transfer id as a payment of customer (invoice 0: none) and mark it
 * status, resolved by actor now. */
static enum err
transfer_post(struct store *st, int64_t id, const struct transfer_in *in,
              int64_t customer, int64_t invoice, const char *status,
              int64_t *entry_id)
{
    char now[32], key[32];
    struct ledger_posted posted;
    snprintf(key, sizeof(key), "transfer:%lld", (long long)id);
    struct ledger_post p = {.kind = LEDGER_PAYMENT,
                            .method = LEDGER_TRANSFER,
                            .customer_id = customer,
                            .invoice_id = invoice,
                            .amount_yen = in->amount_yen,
                            .on = in->received_on,
                            .transfer_id = id,
                            .reference = in->bank_reference,
                            .source_key = key,
                            .note = in->note,
                            .actor = in->actor};
    enum err rc = ledger_post(st, &p, &posted);
    if (rc)
        return rc;
    *entry_id = posted.entry_id;
    time_now_iso(now);
    return store_run(st,
                     "UPDATE bank_transfers SET status = $2, customer_id = $3,"
                     " invoice_id = NULLIF($4, 0), resolved_at = $5,"
                     " resolved_by = $6 WHERE id = $1",
                     "itiitt", id, status, posted.customer_id, invoice, now,
                     in->actor);
}

enum err
transfer_record(struct store *st, const struct transfer_in *in,
                struct transfer_out *out)
{
    struct probe p = {.amount_yen = in->amount_yen};
    char key[TRANSFER_KEY_MAX], *cands = NULL;
    int sure = -1;
    memset(out, 0, sizeof(*out));
    enum err rc = check_in(in);
    if (!rc && (rc = transfer_name_key(in->payer_name, key, sizeof(key))))
        rc = err_fail(ERR_INVALID, "振込依頼人名が長すぎます");
    if (rc)
        return rc;
    if (!in->customer_id) {
        if (!(rc = probe_by_name(st, &p, key)))
            rc = probe_by_amount(st, &p, in->received_on);
        qsort(p.c, p.n, sizeof(p.c[0]), cand_cmp);
        sure = transfer_decide(p.c, p.n);
        cands = rc ? NULL : cand_text(&p);
    }
    out->status = in->customer_id ? "assigned"
                  : sure >= 0     ? "matched"
                                  : "review";
    if (!rc)
        rc = transfer_insert(st, in, key, "review", cands, &out->transfer_id);
    free(cands);
    if (rc || !strcmp(out->status, "review"))
        return rc;
    return transfer_post(st, out->transfer_id, in,
                         sure >= 0 ? p.c[sure].customer_id : in->customer_id,
                         sure >= 0 ? p.c[sure].invoice_id : in->invoice_id,
                         out->status, &out->entry_id);
}

/* The stored transfer as a transfer_in (strings live until stmt_done). */
static enum err
transfer_load(struct store *st, int64_t id, struct stmt **s,
              struct transfer_in *in)
{
    bool row = false;
    enum err rc = store_query(st, s,
                              "SELECT received_on, amount_yen, payer_name,"
                              " bank_reference, status FROM bank_transfers"
                              " WHERE id = $1",
                              "i", id);
    if (!rc && !(rc = stmt_step(*s, &row)) && row) {
        in->received_on = stmt_text(*s, 0);
        in->amount_yen = stmt_int(*s, 1);
        in->payer_name = stmt_text(*s, 2);
        in->bank_reference = stmt_text(*s, 3);
        if (strcmp(stmt_text(*s, 4), "review"))
            rc = err_fail(ERR_TRANSFER_RESOLVED, "振込 %lld は処理済みです",
                          (long long)id);
    }
    if (!rc && !row)
        rc = err_fail(ERR_TRANSFER_NOT_FOUND, "振込 %lld が見つかりません",
                      (long long)id);
    return rc;
}

enum err
transfer_assign(struct store *st, int64_t id, int64_t customer_id,
                int64_t invoice_id, const char *note, const char *actor,
                int64_t *entry_id)
{
    struct stmt *s = NULL;
    struct transfer_in in = {0};
    char on[11], ref[LEDGER_REF_MAX * 4 + 1];
    enum err rc = transfer_load(st, id, &s, &in);
    if (!rc) { /* copy out: the statement goes back to the cache */
        snprintf(on, sizeof(on), "%s", in.received_on);
        snprintf(ref, sizeof(ref), "%s",
                 in.bank_reference ? in.bank_reference : "");
        in.received_on = on;
        in.bank_reference = *ref ? ref : NULL;
    }
    stmt_done(s);
    if (rc)
        return rc;
    in.note = note;
    in.actor = actor;
    rc = transfer_post(st, id, &in, customer_id, invoice_id, "assigned",
                       entry_id);
    if (!rc && note)
        rc = store_run(st,
                       "UPDATE bank_transfers SET resolution_note = $2"
                       " WHERE id = $1",
                       "it", id, note);
    return rc;
}

enum err
transfer_dismiss(struct store *st, int64_t id, const char *reason,
                 const char *actor)
{
    struct stmt *s = NULL;
    struct transfer_in in = {0};
    char now[32];
    enum err rc = transfer_load(st, id, &s, &in);
    stmt_done(s);
    if (rc)
        return rc;
    time_now_iso(now);
    return store_run(st,
                     "UPDATE bank_transfers SET status = 'dismissed',"
                     " resolution_note = $2, resolved_at = $3,"
                     " resolved_by = $4 WHERE id = $1",
                     "ittt", id, reason, now, actor);
}

/* ---------------------------------------------------------------------- */
/* As JSON                                                                */
/* ---------------------------------------------------------------------- */

#define TRANSFER_COLS                                                          \
    "t.id, t.received_on, t.amount_yen, t.payer_name, t.bank_reference,"       \
    " t.status, t.candidates, COALESCE(t.customer_id, 0), t.invoice_id,"       \
    " (SELECT e.id FROM receivable_entries e"                                  \
    "  WHERE e.source_key = 'transfer:' || t.id), t.resolution_note,"          \
    " t.created_at, t.created_by, t.resolved_at, t.resolved_by"

static json_t *
text_or_null(struct stmt *s, int col)
{
    return stmt_is_null(s, col) ? json_null() : json_string(stmt_text(s, col));
}

static json_t *
int_or_null(struct stmt *s, int col)
{
    return stmt_is_null(s, col) ? json_null() : json_integer(stmt_int(s, col));
}

/* The stored candidates with each customer's number and name. */
static json_t *
cands_json(struct store *st, const char *text)
{
    json_t *a = NULL, *c;
    size_t i;
    if (!text || json_parse(text, strlen(text), &a) || !json_is_array(a)) {
        json_decref(a);
        return json_array();
    }
    json_array_foreach(a, i, c)
    {
        json_t *cust = NULL;
        int64_t id = json_integer_value(json_object_get(c, "customer_id"));
        if (!pay_customer_json(st, id, &cust))
            json_object_set_new(c, "customer", cust);
        json_object_del(c, "customer_id");
    }
    return a;
}

static json_t *
transfer_row(struct store *st, struct stmt *s)
{
    json_t *cust = NULL;
    if (stmt_int(s, 7))
        (void)pay_customer_json(st, stmt_int(s, 7), &cust);
    return json_pack(
        "{s:I, s:s, s:I, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:s,"
        " s:o, s:o}",
        "id", (json_int_t)stmt_int(s, 0), "received_on", stmt_text(s, 1),
        "amount_yen", (json_int_t)stmt_int(s, 2), "payer_name", stmt_text(s, 3),
        "bank_reference", text_or_null(s, 4), "status", stmt_text(s, 5),
        "candidates", cands_json(st, stmt_text(s, 6)), "customer",
        cust ? cust : json_null(), "invoice_id", int_or_null(s, 8), "entry_id",
        int_or_null(s, 9), "resolution_note", text_or_null(s, 10), "created_at",
        stmt_text(s, 11), "created_by", stmt_text(s, 12), "resolved_at",
        text_or_null(s, 13), "resolved_by", text_or_null(s, 14));
}

enum err
transfer_json(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(st, &s,
                              "SELECT " TRANSFER_COLS
                              " FROM bank_transfers t WHERE t.id = $1",
                              "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *out = transfer_row(st, s);
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_TRANSFER_NOT_FOUND, "振込 %lld が見つかりません",
                      (long long)id);
    return rc;
}

enum err
transfer_list(struct store *st, const char *status, int64_t after,
              int64_t limit, json_t **out)
{
    struct stmt *s;
    bool row;
    int64_t n = 0, last = 0;
    json_t *list = json_array();
    enum err rc;
    if (status && !strcmp(status, "review")) /* the review list's index */
        rc = store_query(st, &s,
                         "SELECT " TRANSFER_COLS " FROM bank_transfers t"
                         " WHERE t.status = 'review' AND t.id > $1"
                         " ORDER BY t.id LIMIT $2",
                         "ii", after, limit);
    else
        rc = store_query(st, &s,
                         "SELECT " TRANSFER_COLS " FROM bank_transfers t"
                         " WHERE ($1 IS NULL OR t.status = $1) AND t.id > $2"
                         " ORDER BY t.id LIMIT $3",
                         "tii", status, after, limit);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        last = stmt_int(s, 0);
        n++;
        json_array_append_new(list, transfer_row(st, s));
    }
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "transfers", list, "next_after",
                     n == limit ? json_integer(last) : json_null());
    return ERR_OK;
}
