/*
 * store_sqlite.c — the SQLite backend of the store interface.
 *
 * SQLite comes in through store/sqlite_int.h, the one header that includes
 * sqlite3.h (STYLE.md), with the session extension's declarations enabled
 * for change capture (store/capture.c). With capture attached, transactions
 * go through it (capture_begin/commit/rollback), and a write that would
 * otherwise autocommit runs in an implicit transaction of its own so that
 * it is journaled too (store_exec, stmt_step).
 *
 * Placeholders are written `$1`, `$2`… for portability; SQLite treats them as
 * named parameters, so binding by number looks the name up.
 */
#include "store/sqlite_int.h"

#include "core/log.h"
#include "core/xalloc.h"
#include "store/migrate.h"
#include "store/store.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BUSY_TIMEOUT_MS 5000

#define STMT_PARAMS_MAX 64 /* $1..$64: far above any statement here */

struct stmt {
    sqlite3_stmt *s;
    struct store *st;
    const char *key; /* the SQL literal's address */
    bool busy;       /* handed out and not yet stmt_done() */
    bool implicit;   /* stepping inside its own implicit transaction */
    /* SQLite's index of $n, worked out once at prepare (binding by name
     * on every call cost a snprintf and a name search per value). */
    unsigned char param[STMT_PARAMS_MAX + 1];
};

struct store {
    sqlite3 *db;
    char *path;
    struct stmt **cache;
    size_t ncache, capcache;
    const char *tx_file; /* where the open transaction began */
    int tx_line;
    struct capture *cap; /* change capture, NULL when off */
};

static enum err
map_rc(struct store *st, int rc, const char *what)
{
    int prim = rc & 0xFF;
    const char *msg =
        st && st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
    if (rc == SQLITE_CONSTRAINT_COMMITHOOK)
        return err_fail(ERR_CAPTURE_OUTSIDE_TX,
                        "%s: a write outside store_tx_begin cannot be "
                        "journaled",
                        what);
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        return err_fail(ERR_STORE_BUSY, "%s: %s", what, msg);
    if (prim == SQLITE_CONSTRAINT)
        return err_fail(ERR_STORE_CONSTRAINT, "%s: %s", what, msg);
    return err_fail(ERR_STORE, "%s: %s", what, msg);
}

static enum err
configure(struct store *st)
{
    static const char *const pragmas[] = {
        "PRAGMA journal_mode=WAL",  "PRAGMA foreign_keys=ON",
        "PRAGMA synchronous=FULL",  "PRAGMA trusted_schema=OFF",
        "PRAGMA temp_store=MEMORY",
    };
    sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
    sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    sqlite3_extended_result_codes(st->db, 1);
    for (size_t i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++) {
        enum err rc = store_exec(st, pragmas[i]);
        if (rc)
            return rc;
    }
    return ERR_OK;
}

/* Process-wide SQLite settings, before its first use: no memory
 * statistics (nothing reads them, and keeping them takes a global mutex
 * on every allocation SQLite makes). */
static void
sqlite_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); /* MISUSE if too late: ok */
}

void
store_sqlite_configure(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_configure);
}

enum err
store_open_with(const char *path, const struct migration *const *sets,
                struct store **out)
{
    store_sqlite_configure();
    *out = NULL;
    struct store *st = xcalloc(1, sizeof(*st));
    st->path = xstrdup(path);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    int rc = sqlite3_open_v2(path, &st->db, flags, NULL);
    enum err e = ERR_OK;
    if (rc != SQLITE_OK) {
        e = map_rc(st, rc, path);
        goto out;
    }
    if ((e = configure(st)))
        goto out;
    if ((e = migrate_apply(st, sets)))
        goto out;
    *out = st;
out:
    if (e)
        store_close(st);
    return e;
}

enum err
store_open_readonly(const char *path, struct store **out)
{
    store_sqlite_configure();
    *out = NULL;
    struct store *st = xcalloc(1, sizeof(*st));
    st->path = xstrdup(path);
    int rc = sqlite3_open_v2(path, &st->db,
                             SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX |
                                 SQLITE_OPEN_EXRESCODE,
                             NULL);
    if (rc != SQLITE_OK) {
        enum err e = map_rc(st, rc, path);
        store_close(st);
        return e;
    }
    sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
    *out = st;
    return ERR_OK;
}

enum err
store_open(const char *path, enum store_kind kind, struct store **out)
{
    enum err rc = store_open_with(
        path, kind == STORE_PLATFORM ? schema_platform : schema_tenant, out);
    if (!rc && (rc = capture_attach(*out, kind))) {
        store_close(*out);
        *out = NULL;
    }
    return rc;
}

sqlite3 *
store_sqlite_db(struct store *st)
{
    return st->db;
}

enum err
store_sqlite_err(struct store *st, int rc, const char *what)
{
    return map_rc(st, rc, what);
}

struct capture *
store_capture_of(struct store *st)
{
    return st->cap;
}

void
store_capture_set(struct store *st, struct capture *c)
{
    st->cap = c;
}

void
store_close(struct store *st)
{
    if (!st)
        return;
    if (st->tx_file) {
        log_msg(LOG_ERROR, "store.tx_left_open", "%s: transaction from %s:%d",
                st->path, st->tx_file, st->tx_line);
        store_tx_rollback(st);
    }
    capture_detach(st->cap);
    for (size_t i = 0; i < st->ncache; i++) {
        sqlite3_finalize(st->cache[i]->s);
        free(st->cache[i]);
    }
    free(st->cache);
    sqlite3_close(st->db);
    free(st->path);
    free(st);
}

const char *
store_path(const struct store *st)
{
    return st->path;
}

static void param_map(struct stmt *c);

enum err
store_prepare(struct store *st, const char *sql, struct stmt **out)
{
    *out = NULL; /* so a caller's stmt_done() after a failure is harmless */
    for (size_t i = 0; i < st->ncache; i++) {
        struct stmt *c = st->cache[i];
        if (c->key == sql) {
            assert(!c->busy && "statement already in use");
            if (c->busy)
                return err_fail(ERR_INTERNAL, "statement in use: %.60s", sql);
            c->busy = true;
            *out = c;
            return ERR_OK;
        }
    }
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s,
                                NULL);
    if (rc != SQLITE_OK)
        return map_rc(st, rc, "prepare");
    if (st->ncache == st->capcache) {
        st->capcache = st->capcache ? st->capcache * 2 : 16;
        st->cache = xrealloc(st->cache, st->capcache * sizeof(*st->cache));
    }
    struct stmt *c = xcalloc(1, sizeof(*c));
    c->s = s;
    c->st = st;
    c->key = sql;
    c->busy = true;
    param_map(c);
    st->cache[st->ncache++] = c;
    *out = c;
    return ERR_OK;
}

static enum err
exec_plain(struct store *st, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
    sqlite3_free(msg);
    if (rc != SQLITE_OK)
        return map_rc(st, rc, "exec");
    return ERR_OK;
}

/* True for BEGIN, COMMIT, END, ROLLBACK, SAVEPOINT and RELEASE (which
 * sqlite3_stmt_readonly() does not call read-only when IMMEDIATE). */
static bool
tx_control(const char *sql)
{
    static const char *const words[] = {"BEGIN",    "COMMIT",    "END",
                                        "ROLLBACK", "SAVEPOINT", "RELEASE"};
    sql += strspn(sql, " \t\r\n");
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strncasecmp(sql, words[i], strlen(words[i])) == 0)
            return true;
    return false;
}

/* store_exec with capture attached and no transaction open: statement by
 * statement, each write in an implicit transaction of its own. */
static enum err
exec_each(struct store *st, const char *sql)
{
    enum err rc = ERR_OK;
    while (!rc && sql && *sql) {
        sqlite3_stmt *s = NULL;
        int src = sqlite3_prepare_v2(st->db, sql, -1, &s, &sql);
        if (src != SQLITE_OK)
            return map_rc(st, src, "exec");
        if (!s) /* blank or a comment */
            continue;
        bool wrap = sqlite3_get_autocommit(st->db) &&
                    !sqlite3_stmt_readonly(s) && !tx_control(sqlite3_sql(s));
        if (wrap)
            rc = store_tx_begin_at(st, __FILE__, __LINE__);
        while (!rc && (src = sqlite3_step(s)) == SQLITE_ROW)
            ;
        if (!rc && src != SQLITE_DONE)
            rc = map_rc(st, src, "exec");
        sqlite3_finalize(s);
        if (wrap && !rc)
            rc = store_tx_commit(st);
        else if (wrap)
            store_tx_rollback(st);
    }
    return rc;
}

enum err
store_exec(struct store *st, const char *sql)
{
    if (st->cap && sqlite3_get_autocommit(st->db))
        return exec_each(st, sql);
    enum err rc = exec_plain(st, sql);
    if (st->cap && st->tx_file)
        capture_after_step(st->cap);
    return rc;
}

/* SQLite's index of $n in s, or 0 (binding 0 answers SQLITE_RANGE). */
static int
param_index(struct stmt *s, int n)
{
    return n >= 1 && n <= STMT_PARAMS_MAX ? s->param[n] : 0;
}

/* Fill c->param from the statement's parameter names ("$1", "$12"). */
static void
param_map(struct stmt *c)
{
    int count = sqlite3_bind_parameter_count(c->s);
    for (int i = 1; i <= count && i <= 255; i++) {
        const char *name = sqlite3_bind_parameter_name(c->s, i);
        char *end;
        long n = name && name[0] == '$' ? strtol(name + 1, &end, 10) : 0;
        if (n >= 1 && n <= STMT_PARAMS_MAX && *end == '\0')
            c->param[n] = (unsigned char)i;
    }
}

static enum err
bind_result(struct stmt *s, int rc, int n)
{
    if (rc == SQLITE_OK)
        return ERR_OK;
    if (rc == SQLITE_RANGE)
        return err_fail(ERR_INTERNAL, "no parameter $%d", n);
    return map_rc(s->st, rc, "bind");
}

enum err
stmt_bind_int(struct stmt *s, int n, int64_t v)
{
    return bind_result(s, sqlite3_bind_int64(s->s, param_index(s, n), v), n);
}

enum err
stmt_bind_text(struct stmt *s, int n, const char *v)
{
    if (!v)
        return stmt_bind_null(s, n);
    return bind_result(
        s, sqlite3_bind_text(s->s, param_index(s, n), v, -1, SQLITE_TRANSIENT),
        n);
}

enum err
stmt_bind_text_ref(struct stmt *s, int n, const char *v)
{
    if (!v)
        return stmt_bind_null(s, n);
    return bind_result(
        s, sqlite3_bind_text(s->s, param_index(s, n), v, -1, SQLITE_STATIC), n);
}

enum err
stmt_bind_textn_ref(struct stmt *s, int n, const char *v, size_t len)
{
    if (!v)
        return stmt_bind_null(s, n);
    if (len > INT_MAX)
        return err_fail(ERR_INVALID, "$%d: text too long", n);
    return bind_result(
        s,
        sqlite3_bind_text(s->s, param_index(s, n), v, (int)len, SQLITE_STATIC),
        n);
}

enum err
stmt_bind_null(struct stmt *s, int n)
{
    return bind_result(s, sqlite3_bind_null(s->s, param_index(s, n)), n);
}

/* The end of a statement's implicit transaction: commit, or roll back on
 * rc. */
static enum err
implicit_end(struct stmt *s, enum err rc)
{
    s->implicit = false;
    if (!rc)
        return store_tx_commit(s->st);
    sqlite3_reset(s->s);
    store_tx_rollback(s->st);
    return rc;
}

enum err
stmt_step(struct stmt *s, bool *row)
{
    struct store *st = s->st;
    if (st->cap && !s->implicit && sqlite3_get_autocommit(st->db) &&
        !sqlite3_stmt_busy(s->s) && !sqlite3_stmt_readonly(s->s) &&
        !tx_control(sqlite3_sql(s->s))) {
        enum err e = store_tx_begin_at(st, __FILE__, __LINE__);
        if (e)
            return e;
        s->implicit = true;
    }
    int rc = sqlite3_step(s->s);
    *row = rc == SQLITE_ROW;
    enum err e = rc == SQLITE_ROW || rc == SQLITE_DONE
                     ? ERR_OK
                     : map_rc(s->st, rc, "step");
    if (st->cap && st->tx_file)
        capture_after_step(st->cap);
    if (s->implicit && rc != SQLITE_ROW)
        e = implicit_end(s, e);
    return e;
}

int64_t
stmt_int(struct stmt *s, int col)
{
    return sqlite3_column_int64(s->s, col);
}

const char *
stmt_text(struct stmt *s, int col)
{
    return (const char *)sqlite3_column_text(s->s, col);
}

bool
stmt_is_null(struct stmt *s, int col)
{
    return sqlite3_column_type(s->s, col) == SQLITE_NULL;
}

void
stmt_done(struct stmt *s)
{
    if (!s)
        return;
    sqlite3_reset(s->s);
    sqlite3_clear_bindings(s->s);
    s->busy = false;
    if (s->implicit && implicit_end(s, ERR_OK)) /* left before SQLITE_DONE */
        log_msg(LOG_ERROR, "store.implicit_commit", "%s: %s", s->st->path,
                err_detail());
}

static enum err
bind_va(struct stmt *s, const char *types, va_list ap)
{
    enum err rc = ERR_OK;
    for (int n = 1; types[n - 1] && !rc; n++) {
        if (types[n - 1] == 'i')
            rc = stmt_bind_int(s, n, va_arg(ap, int64_t));
        else if (types[n - 1] == 't')
            rc = stmt_bind_text(s, n, va_arg(ap, const char *));
        else
            rc = err_fail(ERR_INTERNAL, "bad bind type '%c'", types[n - 1]);
    }
    return rc;
}

enum err
store_query(struct store *st, struct stmt **out, const char *sql,
            const char *types, ...)
{
    enum err rc = store_prepare(st, sql, out);
    if (rc)
        return rc;
    va_list ap;
    va_start(ap, types);
    rc = bind_va(*out, types, ap);
    va_end(ap);
    if (rc) {
        stmt_done(*out);
        *out = NULL;
    }
    return rc;
}

enum err
store_run(struct store *st, const char *sql, const char *types, ...)
{
    struct stmt *s;
    enum err rc = store_prepare(st, sql, &s);
    if (rc)
        return rc;
    va_list ap;
    va_start(ap, types);
    rc = bind_va(s, types, ap);
    va_end(ap);
    bool row;
    if (!rc)
        rc = stmt_step(s, &row);
    stmt_done(s);
    return rc;
}

int64_t
store_changes(struct store *st)
{
    return sqlite3_changes64(st->db);
}

int64_t
store_last_id(struct store *st)
{
    return sqlite3_last_insert_rowid(st->db);
}

enum err
store_tx_begin_at(struct store *st, const char *file, int line)
{
    if (st->tx_file)
        return err_fail(ERR_INTERNAL,
                        "%s:%d: transaction already open at %s:%d", file, line,
                        st->tx_file, st->tx_line);
    enum err rc = st->cap ? capture_before_begin(st->cap) : ERR_OK;
    if (!rc && (rc = exec_plain(st, "BEGIN IMMEDIATE")) && st->cap)
        capture_rollback(st->cap);
    if (rc)
        return rc;
    st->tx_file = file;
    st->tx_line = line;
    if (st->cap && (rc = capture_begin(st->cap)))
        store_tx_rollback(st);
    return rc;
}

enum err
store_tx_commit(struct store *st)
{
    assert(st->tx_file && "commit without begin");
    enum err rc = st->cap ? capture_commit(st->cap) : store_exec(st, "COMMIT");
    if (rc) {
        store_tx_rollback(st);
        return rc;
    }
    st->tx_file = NULL;
    return ERR_OK;
}

void
store_tx_rollback(struct store *st)
{
    if (st->cap)
        capture_rollback(st->cap);
    if (!sqlite3_get_autocommit(st->db)) {
        char *msg = NULL;
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, &msg);
        sqlite3_free(msg);
    }
    st->tx_file = NULL;
}

bool
store_in_tx(const struct store *st)
{
    return st->tx_file != NULL;
}

enum err
store_ping(struct store *st)
{
    struct stmt *s;
    enum err rc = store_prepare(st, "SELECT 1", &s);
    if (rc)
        return rc;
    bool row;
    rc = stmt_step(s, &row);
    stmt_done(s);
    return rc;
}
