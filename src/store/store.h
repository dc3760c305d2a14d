/*
 * store.h — the store interface: open, prepare, bind, step, transaction.
 *
 * A store is one database: the platform store (DATA/platform.db: the tenant
 * registry) or one tenant's store (DATA/tenants/<id>.db). SQLite is the
 * backend now; the interface leaves room for PostgreSQL (one schema and role
 * per tenant), so SQL written against it stays portable: `$1`-style
 * placeholders bound by number, RETURNING, ON CONFLICT, no SQLite-only
 * functions in shared queries.
 *
 * Rules (STYLE.md): SQL text is always a string literal; values are always
 * bound. Prepared statements are cached per connection, keyed by the SQL
 * literal's address, and returned to the cache with stmt_done(). A store
 * connection belongs to one thread at a time.
 *
 * Writes run inside store_tx_begin()/store_tx_commit(), which takes the write
 * lock up front (BEGIN IMMEDIATE) and records where the transaction began,
 * so a transaction left open names its culprit.
 */
#ifndef PL_STORE_STORE_H
#define PL_STORE_STORE_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct stmt;
struct migration;

enum store_kind { STORE_PLATFORM, STORE_TENANT };

/*
 * Open (creating if absent) the database at path, set WAL, foreign keys and
 * the busy timeout, and apply the kind's migrations. A store written by a
 * newer binary is refused with ERR_STORE_NEWER. Caller owns *out.
 */
enum err store_open(const char *path, enum store_kind kind, struct store **out);
/* As store_open, with an explicit migration list (tests, tools). */
enum err store_open_with(const char *path, const struct migration *const *sets,
                         struct store **out);
/* Open an existing database for reading only: no migrations, no pragmas
 * that write (ingest reads tenant stores this way; serve writes them). */
enum err store_open_readonly(const char *path, struct store **out);
/* Finalize cached statements and close. NULL is ok. */
void store_close(struct store *st);
/* The file this store was opened from. */
const char *store_path(const struct store *st);

/* A prepared statement for the literal sql (cached). Release: stmt_done(). */
enum err store_prepare(struct store *st, const char *sql, struct stmt **out);
/* Run SQL without parameters or results (DDL, pragmas). */
enum err store_exec(struct store *st, const char *sql);

/* Bind $n (1-based) to a value. */
enum err stmt_bind_int(struct stmt *s, int n, int64_t v);
enum err stmt_bind_text(struct stmt *s, int n, const char *v);
/* As stmt_bind_text without a copy: v must stay valid and unchanged
 * until stmt_done() (bulk writes binding values they own). */
enum err stmt_bind_text_ref(struct stmt *s, int n, const char *v);
/* The same with its length in bytes known (SQLite need not measure it). */
enum err stmt_bind_textn_ref(struct stmt *s, int n, const char *v, size_t len);
enum err stmt_bind_null(struct stmt *s, int n);
/* Advance: *row is true while a row is available. */
enum err stmt_step(struct stmt *s, bool *row);
/* Columns of the current row (0-based). Text borrows until the next step. */
int64_t stmt_int(struct stmt *s, int col);
const char *stmt_text(struct stmt *s, int col); /* NULL for SQL NULL */
bool stmt_is_null(struct stmt *s, int col);
/* Reset, clear bindings and return the statement to the cache. NULL ok. */
void stmt_done(struct stmt *s);

/*
 * Run one statement without result rows: prepare, bind $1.. from the
 * variadic arguments by the letters of types ('i' int64_t, 't' const char *
 * where NULL binds SQL NULL), step, release. For INSERT/UPDATE/DELETE.
 */
enum err store_run(struct store *st, const char *sql, const char *types, ...);
/* Rows changed by the last INSERT/UPDATE/DELETE on this connection. */
int64_t store_changes(struct store *st);
/* The rowid of the last successful INSERT on this connection (cheaper than
 * INSERT … RETURNING, which SQLite runs through a temporary table). */
int64_t store_last_id(struct store *st);
/* Prepare sql and bind $1.. as store_run does; the caller steps and calls
 * stmt_done(). */
enum err store_query(struct store *st, struct stmt **out, const char *sql,
                     const char *types, ...);

/* Begin a write transaction (BEGIN IMMEDIATE); file/line name the caller. */
enum err store_tx_begin_at(struct store *st, const char *file, int line);
#define store_tx_begin(st) store_tx_begin_at((st), __FILE__, __LINE__)
enum err store_tx_commit(struct store *st);
/* Roll back if a transaction is open; safe to call when none is. */
void store_tx_rollback(struct store *st);
/* True while a transaction begun with store_tx_begin is open. */
bool store_in_tx(const struct store *st);

/* A quick health probe: runs SELECT 1. */
enum err store_ping(struct store *st);

#endif
