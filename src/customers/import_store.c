/*
 * import_store.c — the SQL an import needs beyond the ledger's own
 * functions (customers_store.c): whether a number is taken (for dry runs
 * and the rows checked after writing has stopped), and a bigger page
 * cache while a real run writes.
 *
 * The cache: a 100,000-row import touches the customers table, its
 * number, name and kana indexes, supply points, occupancy and the search
 * index's segments; with SQLite's default 2 MB cache the transaction
 * spills dirty pages to the WAL long before its commit and reads them
 * back. 64 MiB for the length of the import keeps them in memory (about
 * 5% off a 100,000-row import into an empty ledger, measured).
 */
#include "customers/import.h"
#include "store/store.h"

enum err
import_number_taken(struct store *st, const char *number, bool *taken)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(
        st, &s, "SELECT 1 FROM customers WHERE number = $1", "t", number);
    if (!rc)
        rc = stmt_step(s, &row);
    stmt_done(s);
    *taken = row;
    return rc;
}

enum err
import_cache_grow(struct store *st)
{
    return store_exec(st, "PRAGMA cache_size = -65536"); /* KiB: 64 MiB */
}

void
import_cache_restore(struct store *st)
{
    store_exec(st, "PRAGMA cache_size = -2000"); /* SQLite's default */
}
