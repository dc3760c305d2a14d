/*
 * search_store.c — keeping the search index (顧客検索) in step with the
 * ledger.
 *
 * Derived data, rebuilt from the tables: customers.name_key and kana_key
 * (folded name and kana past a legal form, for prefix lookups of short
 * queries: search_key()),
 * customer_phones (each phone as bare digits) and one document per
 * customer in the FTS5 trigram table customer_search (rowid = customer
 * id; its sections are described in search.c): the customer's number,
 * name, kana, phones, e-mail, billing address with postal code, and for
 * every supply point the customer currently occupies (moved_out IS NULL)
 * its address and the serial of the meter installed there.
 *
 * Everything is read in batches of customers with consecutive ids: one
 * query for the customers, one for their points, then the writes. A single
 * refresh is a batch of one, a rebuild walks the whole table in batches
 * of BATCH, and a deferred flush (bulk import) takes runs of the noted
 * ids. Statements are cached by the store, so a rebuild prepares each once.
 *
 * Deferring is per thread (a store connection and a request both belong
 * to one thread): while on, a refresh only notes the id.
 */
#include "core/xalloc.h"
#include "customers/customers.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH   256
#define DOC_MAX SEARCH_DOC_MAX
#define KEY_MAX SEARCH_KEY_MAX

struct batch {
    struct search_entry *e;
    size_t n, cap;
    bool fresh;      /* the index was emptied: nothing to replace */
    bool keys_saved; /* customer_insert stored name_key/kana_key */
};

/* Ids noted while deferred (per thread). */
static _Thread_local struct {
    bool on;
    bool new_only; /* every noted customer is new: nothing to replace */
    bool muted;    /* the caller stores this customer's entry itself */
    int64_t *ids;
    size_t n, cap;
} pending;

/* ---------------------------------------------------------------------- */
/* Reading                                                                */
/* ---------------------------------------------------------------------- */

/* Fold text, add it to the document as field, and keep its key (past a
 * legal form) in key (KEY_MAX); text that cannot be folded leaves the key
 * empty (the customer is still saved). */
static enum err
add_keyed(struct buf *doc, enum search_field field, const char *text, char *key)
{
    key[0] = '\0';
    if (!text || search_normalize(text, key, KEY_MAX) != ERR_OK || !*key) {
        key[0] = '\0';
        return ERR_OK;
    }
    enum err rc = buf_putc(doc, (char)field);
    if (!rc)
        rc = buf_puts(doc, key);
    const char *k = search_key(key);
    memmove(key, k, strlen(k) + 1);
    return rc;
}

void
search_entry_init(struct search_entry *e)
{
    memset(e, 0, sizeof(*e));
    buf_init(&e->doc, DOC_MAX);
}

void
search_entry_free(struct search_entry *e)
{
    buf_free(&e->doc);
}

enum err
search_entry_customer(struct search_entry *e, const struct search_customer *c)
{
    enum err rc;
    buf_reset(&e->doc);
    search_digits(c->phone1 ? c->phone1 : "", e->phone[0], sizeof(e->phone[0]));
    search_digits(c->phone2 ? c->phone2 : "", e->phone[1], sizeof(e->phone[1]));
    snprintf(e->bill, sizeof(e->bill), "%s%s",
             c->prefecture ? c->prefecture : "", c->address ? c->address : "");
    if ((rc = search_doc_add(&e->doc, SEARCH_NUMBER, c->number)) ||
        (rc = add_keyed(&e->doc, SEARCH_NAME, c->name, e->name_key)) ||
        (rc = add_keyed(&e->doc, SEARCH_KANA, c->kana, e->kana_key)) ||
        (rc = search_doc_add(&e->doc, SEARCH_PHONE, e->phone[0])) ||
        (rc = search_doc_add(&e->doc, SEARCH_PHONE, e->phone[1])) ||
        (rc = search_doc_add(&e->doc, SEARCH_EMAIL, c->email)))
        return rc;
    return search_doc_add(&e->doc, SEARCH_ADDRESS, c->postal);
}

/* Fill e from a row of read_customers()'s query. */
static enum err
entry_read(struct search_entry *e, struct stmt *s)
{
    const struct search_customer c = {
        stmt_text(s, 1), stmt_text(s, 2), stmt_text(s, 3),
        stmt_text(s, 4), stmt_text(s, 5), stmt_text(s, 6),
        stmt_text(s, 7), stmt_text(s, 8), stmt_text(s, 9),
    };
    e->id = stmt_int(s, 0);
    return search_entry_customer(e, &c);
}

/* The billing address, unless a point's address already holds it (most
 * customers are billed where they live: no index work for a repeat). */
enum err
search_entry_finish(struct search_entry *e)
{
    char folded[KEY_MAX];
    if (search_normalize(e->bill, folded, sizeof(folded)) == ERR_OK &&
        *folded && strstr(buf_str(&e->doc), folded))
        return ERR_OK;
    return search_doc_add(&e->doc, SEARCH_ADDRESS, e->bill);
}

/* Read the customers with ids first..last (at most b->cap) into b. */
static enum err
read_customers(struct store *st, struct batch *b, int64_t first, int64_t last)
{
    struct stmt *s;
    bool row;
    b->n = 0;
    enum err rc = store_query(
        st, &s,
        "SELECT id, number, name, kana, phone1, phone2, email, postal_code,"
        " prefecture, address FROM customers WHERE id BETWEEN $1 AND $2"
        " ORDER BY id LIMIT $3",
        "iii", first, last, (int64_t)b->cap);
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        rc = entry_read(&b->e[b->n++], s);
    stmt_done(s);
    return rc;
}

/* The batch entry for customer id, or NULL (entries are in id order). */
static struct search_entry *
entry_find(struct batch *b, int64_t id)
{
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->e[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < b->n && b->e[lo].id == id ? &b->e[lo] : NULL;
}

enum err
search_entry_point(struct search_entry *e, const char *const part[5],
                   const char *meter)
{
    char addr[1024];
    snprintf(addr, sizeof(addr), "%s%s%s%s%s", part[0] ? part[0] : "",
             part[1] ? part[1] : "", part[2] ? part[2] : "",
             part[3] ? part[3] : "", part[4] ? part[4] : "");
    enum err rc = search_doc_add(&e->doc, SEARCH_ADDRESS, addr);
    return rc ? rc : search_doc_add(&e->doc, SEARCH_METER, meter);
}

/* Add the address and installed meter of a point row to e's document. */
static enum err
point_read(struct search_entry *e, struct stmt *s)
{
    const char *const part[5] = {stmt_text(s, 1), stmt_text(s, 2),
                                 stmt_text(s, 3), stmt_text(s, 4),
                                 stmt_text(s, 5)};
    return search_entry_point(e, part, stmt_text(s, 6));
}

/* Add the points the batch's customers occupy now, with their meters. */
static enum err
read_points(struct store *st, struct batch *b)
{
    struct stmt *s;
    bool row;
    if (!b->n)
        return ERR_OK;
    enum err rc = store_query(
        st, &s,
        "SELECT o.customer_id, p.prefecture, p.city, p.street, p.building,"
        " p.room, m.serial FROM occupancy o"
        " JOIN supply_points p ON p.id = o.supply_point_id"
        " LEFT JOIN meters m ON m.supply_point_id = p.id"
        "  AND m.removed_date IS NULL"
        " WHERE o.customer_id BETWEEN $1 AND $2 AND o.moved_out IS NULL"
        " ORDER BY o.customer_id, o.id",
        "ii", b->e[0].id, b->e[b->n - 1].id);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        struct search_entry *e = entry_find(b, stmt_int(s, 0));
        if (e)
            rc = point_read(e, s);
    }
    stmt_done(s);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Writing                                                                */
/* ---------------------------------------------------------------------- */

/* Remove customer id's phone rows and document. */
static enum err
forget(struct store *st, int64_t id)
{
    enum err rc = store_run(
        st, "DELETE FROM customer_phones WHERE customer_id = $1", "i", id);
    if (!rc)
        rc = store_run(st, "DELETE FROM customer_search WHERE rowid = $1", "i",
                       id);
    return rc;
}

static enum err
entry_write(struct store *st, const struct search_entry *e,
            const struct batch *b)
{
    bool fresh = b->fresh;
    enum err rc = ERR_OK;
    if (!b->keys_saved)
        rc = store_run(st,
                       "UPDATE customers SET name_key = $1, kana_key = $2"
                       " WHERE id = $3",
                       "tti", e->name_key, e->kana_key, e->id);
    if (!rc && !fresh)
        rc = store_run(st, "DELETE FROM customer_phones WHERE customer_id = $1",
                       "i", e->id);
    for (int i = 0; i < 2 && !rc; i++)
        if (*e->phone[i])
            rc = store_run(st,
                           "INSERT OR IGNORE INTO customer_phones (digits,"
                           " customer_id) VALUES ($1, $2)",
                           "ti", e->phone[i], e->id);
    if (!rc && fresh) /* nothing to replace: a plain insert is cheaper */
        rc = store_run(st,
                       "INSERT INTO customer_search (rowid, doc)"
                       " VALUES ($1, $2)",
                       "it", e->id, buf_str(&e->doc));
    else if (!rc)
        rc = store_run(st,
                       "INSERT OR REPLACE INTO customer_search (rowid, doc)"
                       " VALUES ($1, $2)",
                       "it", e->id, buf_str(&e->doc));
    return rc;
}

enum err
customer_search_put_new(struct store *st, const struct search_entry *e)
{
    const struct batch fresh = {.fresh = true, .keys_saved = true};
    return entry_write(st, e, &fresh);
}

/* Index the customers with ids first..last (up to b->cap); *next
 * gets the id after the last one read, or 0 when none was. */
static enum err
index_range(struct store *st, struct batch *b, int64_t first, int64_t last,
            int64_t *next)
{
    enum err rc = read_customers(st, b, first, last);
    if (!rc)
        rc = read_points(st, b);
    for (size_t i = 0; !rc && i < b->n; i++)
        if (!(rc = search_entry_finish(&b->e[i])))
            rc = entry_write(st, &b->e[i], b);
    *next = b->n ? b->e[b->n - 1].id + 1 : 0;
    return rc;
}

static void
batch_init(struct batch *b, size_t cap, bool fresh)
{
    b->e = xcalloc(cap, sizeof(*b->e));
    b->n = 0;
    b->cap = cap;
    b->fresh = fresh;
    b->keys_saved = false;
    for (size_t i = 0; i < cap; i++)
        buf_init(&b->e[i].doc, DOC_MAX);
}

static void
batch_free(struct batch *b)
{
    for (size_t i = 0; i < b->cap; i++)
        buf_free(&b->e[i].doc);
    free(b->e);
}

/* ---------------------------------------------------------------------- */
/* Entry points                                                           */
/* ---------------------------------------------------------------------- */

static void
note(int64_t id)
{
    if (pending.n == pending.cap) {
        pending.cap = pending.cap ? pending.cap * 2 : 256;
        pending.ids = xrealloc(pending.ids, pending.cap * sizeof(int64_t));
    }
    pending.ids[pending.n++] = id;
}

enum err
customer_search_refresh(struct store *st, int64_t customer_id)
{
    struct batch b;
    int64_t next;
    if (pending.on) {
        if (!pending.muted)
            note(customer_id);
        return ERR_OK;
    }
    batch_init(&b, 1, false);
    enum err rc = index_range(st, &b, customer_id, customer_id, &next);
    if (!rc && !b.n) /* deleted: drop what the index still holds */
        rc = forget(st, customer_id);
    batch_free(&b);
    return rc;
}

enum err
customer_search_refresh_point(struct store *st, int64_t point_id)
{
    struct stmt *s;
    bool row;
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    enum err rc = store_query(st, &s,
                              "SELECT DISTINCT customer_id FROM occupancy"
                              " WHERE supply_point_id = $1",
                              "i", point_id);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            ids = xrealloc(ids, cap * sizeof(*ids));
        }
        ids[n++] = stmt_int(s, 0);
    }
    stmt_done(s);
    for (size_t i = 0; !rc && i < n; i++)
        rc = customer_search_refresh(st, ids[i]);
    free(ids);
    return rc;
}

/*
 * FTS5 keeps new documents' terms in memory and writes them out as a
 * segment when they pass its hashsize (1 MiB by default), or at the
 * commit. A 100,000-customer import fills that about forty times, and each
 * small segment is then merged again; with 64 MiB the whole import is one
 * segment written at the commit (import 1.95 -> 1.80 s per 100k rows,
 * about 20 MB more memory at the peak). The setting lives in the index's
 * config table, so it is set inside the writer's transaction and put back
 * before the commit: a rollback undoes it too.
 */
#define HASH_BULK    (64 << 20)
#define HASH_DEFAULT (1 << 20)

enum err
customer_search_bulk(struct store *st, bool on)
{
    return store_run(st,
                     "INSERT INTO customer_search (customer_search, rank)"
                     " VALUES ('hashsize', $1)",
                     "i", (int64_t)(on ? HASH_BULK : HASH_DEFAULT));
}

enum err
customer_search_rebuild(struct store *st)
{
    struct batch b;
    int64_t next = 1;
    enum err rc = customer_search_bulk(st, true);
    if (!rc)
        rc = store_run(st, "DELETE FROM customer_phones", "");
    if (!rc)
        rc = store_run(st, "DELETE FROM customer_search", "");
    batch_init(&b, BATCH, true);
    while (!rc && next > 0)
        rc = index_range(st, &b, next, INT64_MAX, &next);
    batch_free(&b);
    if (!rc)
        rc = customer_search_bulk(st, false);
    if (!rc) /* one segment: no tombstones or small segments to merge at
                every query (a query on common trigrams got 5x slower) */
        rc = store_run(st,
                       "INSERT INTO customer_search (customer_search)"
                       " VALUES ('optimize')",
                       "");
    return rc;
}

void
customer_search_defer(bool new_only)
{
    pending.on = true;
    pending.new_only = new_only;
}

bool
customer_search_mute(bool muted)
{
    bool was = pending.muted;
    pending.muted = muted;
    return was;
}

void
customer_search_discard(void)
{
    free(pending.ids);
    memset(&pending, 0, sizeof(pending));
}

static int
cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

enum err
customer_search_flush(struct store *st)
{
    struct batch b;
    enum err rc = ERR_OK;
    int64_t next;
    size_t i = 0;
    pending.on = false;
    if (pending.n) /* none when every entry was stored directly */
        qsort(pending.ids, pending.n, sizeof(int64_t), cmp_id);
    batch_init(&b, BATCH, pending.new_only);
    b.keys_saved = pending.new_only; /* new rows: customer_insert set them */
    while (!rc && i < pending.n) {   /* runs of consecutive ids */
        size_t j = i + 1;
        while (j < pending.n && j - i < BATCH &&
               pending.ids[j] <= pending.ids[j - 1] + 1)
            j++;
        rc = index_range(st, &b, pending.ids[i], pending.ids[j - 1], &next);
        i = j;
    }
    batch_free(&b);
    customer_search_discard();
    return rc;
}
