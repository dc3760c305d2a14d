/*
 * sqlite_int.h — private to src/store/: the one header that includes
 * sqlite3.h, and what the SQLite backend's files share.
 *
 * Debian's libsqlite3 has the session extension compiled in, but sqlite3.h
 * declares its API (sqlite3session_*, sqlite3changeset_*, the pre-update
 * hook) only when these are defined before the include. Every file of the
 * store that needs SQLite includes this header instead of sqlite3.h, so the
 * declarations are the same everywhere. Nothing outside src/store/ includes
 * it: SQLite's types never leave the store.
 */
#ifndef PL_STORE_SQLITE_INT_H
#define PL_STORE_SQLITE_INT_H

#define SQLITE_ENABLE_SESSION        1
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include <sqlite3.h>

#include "store/store.h"

struct capture;

/* Process-wide SQLite settings, once, before SQLite's first use in the
 * process (no memory statistics: keeping them takes a global mutex on
 * every allocation, which serializes restore's parallel jobs). Every file
 * here that opens a connection calls it first. */
void store_sqlite_configure(void);
/* The connection behind st. */
sqlite3 *store_sqlite_db(struct store *st);
/* Map a SQLite result code to enum err with a detail naming what. */
enum err store_sqlite_err(struct store *st, int rc, const char *what);
/* The capture attached to st (NULL when none), and attaching it. */
struct capture *store_capture_of(struct store *st);
void store_capture_set(struct store *st, struct capture *c);

/* ---- hooks from store_sqlite.c into capture.c --------------------------
 * capture_attach() runs at the end of store_open() (after migrations); the
 * others run only when a capture is attached (st's capture is non-NULL). */

/* Attach change capture to st if it is on (see capture.h), setting it on
 * st. Errors fail the open. */
enum err capture_attach(struct store *st, enum store_kind kind);
/* Before BEGIN IMMEDIATE: refuse (ERR_CAPTURE_UNAVAILABLE) while the
 * journal is broken and cannot be healed. */
enum err capture_before_begin(struct capture *c);
/* After BEGIN IMMEDIATE: start recording the transaction's changes. */
enum err capture_begin(struct capture *c);
/* Commit the open transaction, journaling its changeset (capture.c has the
 * protocol). On an error before COMMIT the caller rolls back; an error
 * after it is ERR_CAPTURE_FAILED (committed, not acknowledged). */
enum err capture_commit(struct capture *c);
/* After each statement inside a transaction: a transaction too large to
 * journal as a changeset stops recording; it becomes a resync with a
 * snapshot at commit. */
void capture_after_step(struct capture *c);
/* The transaction was rolled back: forget its changes. */
void capture_rollback(struct capture *c);
/* The store is closing. NULL is ok. */
void capture_detach(struct capture *c);

#endif
