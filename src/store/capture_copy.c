/*
 * capture_copy.c — the SQLite-level tools of backup and restore: a
 * consistent copy of a store (online backup API), replicas that changesets
 * are replayed onto, and logical checksums (see capture.h).
 *
 * Files opened here are opened directly, not with store_open(): a snapshot
 * or replica is not a live store, so it gets no migrations, no capture and
 * no journal. A snapshot is left in rollback-journal mode (journal_mode
 * DELETE) so it can be read with SQLITE_OPEN_READONLY without leaving -wal
 * and -shm files beside it; store_open() puts a restored store back in WAL.
 *
 * The checksum builds SQL from table and column names. They come from the
 * database's own schema (never from a request) and are quoted as
 * identifiers; it is the one place that does so.
 */
#include "store/capture.h"

#include "auth/crypto.h"
#include "core/buf.h"
#include "core/xalloc.h"
#include "store/sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUM_BYTES 32

static enum err
db_err(sqlite3 *db, int rc, const char *what)
{
    return err_fail((rc & 0xFF) == SQLITE_BUSY ? ERR_STORE_BUSY : ERR_STORE,
                    "%s: %s", what,
                    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static enum err
db_open(const char *path, int flags, sqlite3 **out)
{
    store_sqlite_configure();
    int rc = sqlite3_open_v2(path, out, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        enum err e = db_err(*out, rc, path);
        sqlite3_close(*out);
        *out = NULL;
        return e;
    }
    sqlite3_extended_result_codes(*out, 1);
    sqlite3_busy_timeout(*out, 5000);
    return ERR_OK;
}

static enum err
db_exec(sqlite3 *db, const char *sql)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? ERR_OK : db_err(db, rc, sql);
}

/* store_capture's seq and committed_ms on db. */
static enum err
db_state(sqlite3 *db, uint64_t *seq, int64_t *time_ms)
{
    static const char sql[] =
        "SELECT seq, committed_ms FROM store_capture WHERE id = 1";
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return db_err(db, rc, "store_capture");
    rc = sqlite3_step(s);
    enum err e = ERR_OK;
    if (rc == SQLITE_ROW) {
        *seq = (uint64_t)sqlite3_column_int64(s, 0);
        *time_ms = sqlite3_column_int64(s, 1);
    } else {
        e = rc == SQLITE_DONE ? err_fail(ERR_STORE, "store_capture is empty")
                              : db_err(db, rc, "store_capture");
    }
    sqlite3_finalize(s);
    return e;
}

static enum err
fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = fd >= 0 ? fsync(fd) : -1;
    int e = errno;
    if (fd >= 0)
        close(fd);
    return rc == 0 ? ERR_OK
                   : err_fail(ERR_IO, "fsync %s: %s", path, strerror(e));
}

/* ---- snapshots --------------------------------------------------------- */

static bool
data_version(sqlite3 *db, int64_t *v)
{
    sqlite3_stmt *s;
    bool ok = sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &s, NULL) ==
                  SQLITE_OK &&
              sqlite3_step(s) == SQLITE_ROW;
    if (ok)
        *v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return ok;
}

/* Bytes [0, n) of file in to out, in the kernel. */
static bool
copy_bytes(int in, int out, off_t n)
{
    loff_t from = 0, to = 0;
    while (from < n) {
        ssize_t k = copy_file_range(in, &from, out, &to, (size_t)(n - from), 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
    }
    return true;
}

/* The fast way to a consistent copy. With the WAL wholly checkpointed and
 * the write lock held, no frame can be added, so no checkpoint can write
 * into the store's file: the file is the whole store, copied by the
 * kernel (an 84 MB store: ~25 ms against ~80 ms through the online backup
 * API). False, with nothing held and out empty, when that cannot be had
 * at once: a reader kept the checkpoint short, a writer holds the lock, or
 * another connection committed in between (PRAGMA data_version). */
static bool
file_copy(sqlite3 *src, int out)
{
    int64_t v1, v2, busy_ms = 0;
    int nlog = -1, nckpt = -1;
    const char *path = sqlite3_db_filename(src, "main");
    if (!path || !*path || !data_version(src, &v1) ||
        sqlite3_wal_checkpoint_v2(src, "main", SQLITE_CHECKPOINT_PASSIVE, &nlog,
                                  &nckpt) != SQLITE_OK ||
        nlog < 0 || nlog != nckpt)
        return false;
    sqlite3_stmt *s; /* the busy timeout, put back below */
    if (sqlite3_prepare_v2(src, "PRAGMA busy_timeout", -1, &s, NULL) ==
            SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        busy_ms = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_busy_timeout(src, 0); /* never wait here: the slow way instead */
    bool ok =
        sqlite3_exec(src, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_busy_timeout(src, (int)busy_ms);
    if (!ok)
        return false;
    int in = -1;
    struct stat sb;
    ok = data_version(src, &v2) && v1 == v2 &&
         (in = open(path, O_RDONLY | O_CLOEXEC)) >= 0 && fstat(in, &sb) == 0 &&
         copy_bytes(in, out, sb.st_size);
    if (in >= 0)
        close(in);
    sqlite3_exec(src, "ROLLBACK", NULL, NULL, NULL); /* nothing was written */
    if (!ok && ftruncate(out, 0) != 0)
        return false; /* the backup API overwrites it anyway */
    return ok;
}

/* The copy as a snapshot: out of WAL mode (readable read-only, no -wal
 * or -shm beside it), its state read. */
static enum err
copy_settle(const char *dest_path, uint64_t *seq, int64_t *time_ms)
{
    sqlite3 *dst;
    enum err e = db_open(dest_path, SQLITE_OPEN_READWRITE, &dst);
    if (!e)
        e = db_exec(dst, "PRAGMA journal_mode=DELETE");
    if (!e)
        e = db_state(dst, seq, time_ms);
    if (dst && sqlite3_close(dst) != SQLITE_OK && !e)
        e = err_fail(ERR_STORE, "close %s", dest_path);
    return e ? e : fsync_path(dest_path);
}

enum err
capture_backup(struct store *st, const char *dest_path, uint64_t *seq,
               int64_t *time_ms)
{
    sqlite3 *src = store_sqlite_db(st);
    if (!sqlite3_get_autocommit(src))
        return err_fail(ERR_INTERNAL, "snapshot inside a transaction");
    int out = open(dest_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0)
        return err_fail(ERR_IO, "cannot create %s: %s", dest_path,
                        strerror(errno));
    bool copied = file_copy(src, out);
    close(out);
    if (copied)
        return copy_settle(dest_path, seq, time_ms);
    sqlite3 *dst;
    enum err e =
        db_open(dest_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &dst);
    if (e)
        return e;
    /* a new file that is renamed into place only once whole and synced
     * (snapshot.c): no rollback journal and no syncs of SQLite's own while
     * copying, one fsync at the end (~15 % of a large snapshot's time) */
    if ((e = db_exec(dst, "PRAGMA journal_mode=OFF")) ||
        (e = db_exec(dst, "PRAGMA synchronous=OFF"))) {
        sqlite3_close(dst);
        return e;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        e = db_err(dst, sqlite3_errcode(dst), "backup");
        sqlite3_close(dst);
        return e;
    }
    int rc = sqlite3_backup_step(b, -1); /* all pages, one read txn */
    int fin = sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE)
        e = db_err(dst, rc, "backup");
    else if (fin != SQLITE_OK)
        e = db_err(dst, fin, "backup");
    if (!e)
        e = db_exec(dst, "PRAGMA journal_mode=DELETE");
    if (!e)
        e = db_state(dst, seq, time_ms);
    if (sqlite3_close(dst) != SQLITE_OK && !e)
        e = err_fail(ERR_STORE, "close %s", dest_path);
    return e ? e : fsync_path(dest_path);
}

enum err
capture_file_state(const char *path, uint64_t *seq, int64_t *time_ms)
{
    sqlite3 *db;
    enum err e = db_open(path, SQLITE_OPEN_READONLY, &db);
    if (!e)
        e = db_state(db, seq, time_ms);
    sqlite3_close(db);
    return e;
}

/* ---- replicas ---------------------------------------------------------- */

struct replica {
    sqlite3 *db;
    char *path;
    char conflict[256]; /* the first conflict, for the error */
    char **tables;      /* tables known to exist (the filter asks) */
    size_t ntables;
};

enum err
replica_open(const char *path, struct replica **out)
{
    *out = NULL;
    sqlite3 *db;
    enum err e = db_open(path, SQLITE_OPEN_READWRITE, &db);
    if (e)
        return e;
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FKEY, 0, (int *)NULL);
    if (!(e = db_exec(db, "PRAGMA synchronous=OFF")) &&
        !(e = db_exec(db, "PRAGMA journal_mode=MEMORY")) &&
        !(e = db_exec(db, "PRAGMA locking_mode=EXCLUSIVE")) &&
        !(e = db_exec(db, "PRAGMA cache_size=-131072")))
        e = db_exec(db, "BEGIN IMMEDIATE");
    if (e) {
        sqlite3_close(db);
        return e;
    }
    struct replica *r = xcalloc(1, sizeof(*r));
    r->db = db;
    r->path = xstrdup(path);
    *out = r;
    return ERR_OK;
}

enum err
replica_state(struct replica *r, uint64_t *seq, int64_t *time_ms)
{
    return db_state(r->db, seq, time_ms);
}

static const char *
conflict_name(int kind)
{
    switch (kind) {
    case SQLITE_CHANGESET_DATA:
        return "row differs from the changeset's old values";
    case SQLITE_CHANGESET_NOTFOUND:
        return "row not found";
    case SQLITE_CHANGESET_CONFLICT:
        return "row already present";
    case SQLITE_CHANGESET_CONSTRAINT:
        return "constraint violated";
    case SQLITE_CHANGESET_FOREIGN_KEY:
        return "foreign key violated";
    }
    return "conflict";
}

/* Any conflict aborts: a restore must be exact. */
static int
on_conflict(void *arg, int kind, sqlite3_changeset_iter *it)
{
    struct replica *r = arg;
    const char *table = "?";
    int ncol = 0, op = 0;
    sqlite3changeset_op(it, &table, &ncol, &op, NULL);
    if (!r->conflict[0])
        snprintf(r->conflict, sizeof(r->conflict), "%s of a row in %s: %s",
                 op == SQLITE_INSERT   ? "insert"
                 : op == SQLITE_DELETE ? "delete"
                                       : "update",
                 table, conflict_name(kind));
    return SQLITE_CHANGESET_ABORT;
}

/* sqlite3changeset_apply skips a table the target lacks with only a log
 * line; the filter makes that a conflict instead. */
static int
on_table(void *arg, const char *table)
{
    struct replica *r = arg;
    for (size_t i = 0; i < r->ntables; i++)
        if (strcmp(r->tables[i], table) == 0)
            return 1;
    sqlite3_stmt *s;
    int found = 0;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT 1 FROM sqlite_schema WHERE type = 'table'"
                           " AND name = ?1",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
        found = sqlite3_step(s) == SQLITE_ROW;
        sqlite3_finalize(s);
    }
    if (!found) {
        if (!r->conflict[0])
            snprintf(r->conflict, sizeof(r->conflict),
                     "table %s is not in the replica", table);
        return 0;
    }
    r->tables = xrealloc(r->tables, (r->ntables + 1) * sizeof(*r->tables));
    r->tables[r->ntables++] = xstrdup(table);
    return 1;
}

enum err
replica_apply(struct replica *r, const void *changeset, size_t len)
{
    if (len > INT32_MAX)
        return err_fail(ERR_TOO_LARGE, "changeset of %zu bytes", len);
    r->conflict[0] = '\0';
    enum err e = db_exec(r->db, "SAVEPOINT replica_apply");
    if (e)
        return e;
    int rc = sqlite3changeset_apply_v2(r->db, (int)len, (void *)changeset,
                                       on_table, on_conflict, r, NULL, NULL,
                                       SQLITE_CHANGESETAPPLY_NOSAVEPOINT);
    if (r->conflict[0])
        e = err_fail(ERR_REPLAY_CONFLICT, "%s", r->conflict);
    else if (rc != SQLITE_OK)
        e = db_err(r->db, rc, "apply");
    if (e)
        sqlite3_exec(r->db, "ROLLBACK TO replica_apply", NULL, NULL, NULL);
    sqlite3_exec(r->db, "RELEASE replica_apply", NULL, NULL, NULL);
    return e;
}

enum err
replica_close(struct replica *r, bool keep)
{
    if (!r)
        return ERR_OK;
    enum err e = ERR_OK;
    if (keep)
        e = db_exec(r->db, "COMMIT");
    if (!keep || e)
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    if (sqlite3_close(r->db) != SQLITE_OK && !e)
        e = err_fail(ERR_STORE, "close %s", r->path);
    if (!e && keep)
        e = fsync_path(r->path);
    for (size_t i = 0; i < r->ntables; i++)
        free(r->tables[i]);
    free(r->tables);
    free(r->path);
    free(r);
    return e;
}

/* ---- logical checksums ------------------------------------------------- */

struct sum {
    sqlite3 *db;
    struct crypto_hash all, table;
    struct capture_sum *out;
    capture_sum_fn fn;
    void *arg;
};

static void
put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Feed bytes to both the store's and the table's digest. */
static void
feed(struct sum *s, const void *p, size_t n)
{
    crypto_hash_update(&s->all, p, n);
    crypto_hash_update(&s->table, p, n);
}

static void
feed_tagged(struct sum *s, char tag, const void *p, uint64_t n)
{
    unsigned char h[9];
    h[0] = (unsigned char)tag;
    put_le64(h + 1, n);
    feed(s, h, sizeof(h));
    if (n)
        feed(s, p, (size_t)n);
}

static void
feed_value(struct sum *s, sqlite3_stmt *st, int col)
{
    unsigned char v[9];
    switch (sqlite3_column_type(st, col)) {
    case SQLITE_INTEGER:
        v[0] = 'I';
        put_le64(v + 1, (uint64_t)sqlite3_column_int64(st, col));
        feed(s, v, 9);
        break;
    case SQLITE_FLOAT: {
        double d = sqlite3_column_double(st, col);
        uint64_t bits;
        memcpy(&bits, &d, sizeof(bits));
        v[0] = 'F';
        put_le64(v + 1, bits);
        feed(s, v, 9);
        break;
    }
    case SQLITE_TEXT:
        feed_tagged(s, 'S', sqlite3_column_text(st, col),
                    (uint64_t)sqlite3_column_bytes(st, col));
        break;
    case SQLITE_BLOB:
        feed_tagged(s, 'B', sqlite3_column_blob(st, col),
                    (uint64_t)sqlite3_column_bytes(st, col));
        break;
    default:
        feed(s, "N", 1);
    }
}

/* Append name to b as a quoted SQL identifier. */
static enum err
quote_ident(struct buf *b, const char *name)
{
    enum err rc = buf_putc(b, '"');
    for (const char *p = name; !rc && *p; p++)
        rc = *p == '"' ? buf_puts(b, "\"\"") : buf_putc(b, *p);
    return rc ? rc : buf_putc(b, '"');
}

/* SELECT * FROM "t" ORDER BY its primary key (rowid when none), and the
 * column names fed to the digest. */
static enum err
table_query(struct sum *s, const char *table, struct buf *sql)
{
    static const char pk_sql[] = "SELECT name, pk FROM pragma_table_info(?1)"
                                 " ORDER BY pk, cid";
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, pk_sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_err(s->db, rc, "table_info");
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    struct buf order;
    buf_init(&order, 1 << 16);
    enum err e = buf_puts(sql, "SELECT * FROM ");
    if (!e)
        e = quote_ident(sql, table);
    while (!e && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *col = (const char *)sqlite3_column_text(st, 0);
        feed_tagged(s, 'C', col, strlen(col));
        if (sqlite3_column_int(st, 1) > 0) {
            e = buf_puts(&order, order.len ? ", " : " ORDER BY ");
            if (!e)
                e = quote_ident(&order, col);
        }
    }
    if (!e && rc != SQLITE_DONE)
        e = db_err(s->db, rc, "table_info");
    sqlite3_finalize(st);
    if (!e)
        e = buf_puts(sql, order.len ? buf_str(&order) : " ORDER BY rowid");
    buf_free(&order);
    return e;
}

static void
hex32(const unsigned char *d, char *out)
{
    for (int i = 0; i < SUM_BYTES; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static enum err
sum_table(struct sum *s, const char *table)
{
    crypto_hash_init(&s->table, SUM_BYTES);
    feed_tagged(s, 'T', table, strlen(table));
    struct buf sql;
    buf_init(&sql, 1 << 16);
    enum err e = table_query(s, table, &sql);
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_OK;
    if (!e && (rc = sqlite3_prepare_v2(s->db, buf_str(&sql), -1, &st, NULL)))
        e = db_err(s->db, rc, table);
    uint64_t rows = 0;
    while (!e && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int n = sqlite3_column_count(st);
        feed(s, "R", 1);
        for (int i = 0; i < n; i++)
            feed_value(s, st, i);
        rows++;
    }
    if (!e && rc != SQLITE_DONE)
        e = db_err(s->db, rc, table);
    sqlite3_finalize(st);
    buf_free(&sql);
    unsigned char n8[8], d[SUM_BYTES];
    put_le64(n8, rows);
    feed_tagged(s, 'E', n8, 8);
    crypto_hash_final(&s->table, d);
    if (!e && s->fn) {
        char hex[2 * SUM_BYTES + 1];
        hex32(d, hex);
        s->fn(table, rows, hex, s->arg);
    }
    s->out->tables++;
    s->out->rows += rows;
    return e;
}

/* Every table but SQLite's own, by name, inside one read transaction. */
static enum err
sum_db(sqlite3 *db, struct capture_sum *out, capture_sum_fn fn, void *arg)
{
    static const char sql[] =
        "SELECT name FROM pragma_table_list WHERE schema = 'main'"
        " AND type IN ('table', 'shadow') AND name NOT LIKE 'sqlite\\_%'"
        " ESCAPE '\\' ORDER BY name COLLATE BINARY";
    struct sum s = {.db = db, .out = out, .fn = fn, .arg = arg};
    memset(out, 0, sizeof(*out));
    crypto_hash_init(&s.all, SUM_BYTES);
    enum err e = db_exec(db, "BEGIN");
    int64_t ms;
    if (!e && db_state(db, &out->seq, &ms))
        out->seq = 0; /* a store without capture: no seq */
    err_clear();
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_OK;
    if (!e && (rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)))
        e = db_err(db, rc, "table_list");
    while (!e && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        char *name = xstrdup((const char *)sqlite3_column_text(st, 0));
        e = sum_table(&s, name);
        free(name);
    }
    if (!e && rc != SQLITE_DONE)
        e = db_err(db, rc, "table_list");
    sqlite3_finalize(st);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    unsigned char d[SUM_BYTES];
    crypto_hash_final(&s.all, d);
    hex32(d, out->hex);
    return e;
}

enum err
capture_checksum_file(const char *path, struct capture_sum *out,
                      capture_sum_fn fn, void *arg)
{
    sqlite3 *db;
    enum err e = db_open(path, SQLITE_OPEN_READONLY, &db);
    if (!e)
        e = sum_db(db, out, fn, arg);
    sqlite3_close(db);
    return e;
}

enum err
capture_checksum_store(struct store *st, struct capture_sum *out,
                       capture_sum_fn fn, void *arg)
{
    sqlite3 *db = store_sqlite_db(st);
    if (!sqlite3_get_autocommit(db))
        return err_fail(ERR_INTERNAL, "checksum inside a transaction");
    return sum_db(db, out, fn, arg);
}
