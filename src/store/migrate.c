/*
 * migrate.c — apply the embedded migrations to a store, all or nothing.
 */
#include "core/timeutil.h"
#include "store/migrate.h"
#include "store/store.h"

#include <string.h>

static const char SQL_CREATE[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " module TEXT NOT NULL, version INTEGER NOT NULL,"
    " applied_at TEXT NOT NULL, PRIMARY KEY (module, version))";

/* Highest version of module in sets, 0 when the module is unknown. */
static int
known_version(const struct migration *const *sets, const char *module)
{
    int v = 0;
    for (size_t i = 0; sets[i]; i++)
        for (const struct migration *m = sets[i]; m->module; m++)
            if (strcmp(m->module, module) == 0 && m->version > v)
                v = m->version;
    return v;
}

/* Refuse a store that records migrations this binary does not have. */
static enum err
check_not_newer(struct store *st, const struct migration *const *sets)
{
    static const char sql[] = "SELECT module, max(version) FROM "
                              "schema_migrations GROUP BY module";
    struct stmt *s;
    enum err rc = store_prepare(st, sql, &s);
    bool row;
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        const char *module = stmt_text(s, 0);
        int have = (int)stmt_int(s, 1);
        int known = known_version(sets, module);
        if (have > known) {
            rc = err_fail(ERR_STORE_NEWER,
                          "%s was written by a newer pilotlight (module '%s' "
                          "at schema %d, this binary knows %d): upgrade "
                          "pilotlight before opening it",
                          store_path(st), module, have, known);
        }
    }
    stmt_done(s);
    return rc;
}

static enum err
applied_version(struct store *st, const char *module, int *out)
{
    static const char sql[] = "SELECT coalesce(max(version), 0) FROM "
                              "schema_migrations WHERE module = $1";
    struct stmt *s;
    enum err rc = store_prepare(st, sql, &s);
    bool row = false;
    if (!rc && !(rc = stmt_bind_text(s, 1, module)) &&
        !(rc = stmt_step(s, &row)) && row)
        *out = (int)stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

static enum err
record(struct store *st, const struct migration *m)
{
    static const char sql[] = "INSERT INTO schema_migrations"
                              " (module, version, applied_at)"
                              " VALUES ($1, $2, $3)";
    char now[32];
    time_now_iso(now);
    struct stmt *s;
    enum err rc = store_prepare(st, sql, &s);
    bool row;
    if (!rc && !(rc = stmt_bind_text(s, 1, m->module)) &&
        !(rc = stmt_bind_int(s, 2, m->version)) &&
        !(rc = stmt_bind_text(s, 3, now)))
        rc = stmt_step(s, &row);
    stmt_done(s);
    return rc;
}

static enum err
apply_list(struct store *st, const struct migration *list)
{
    if (!list->module)
        return ERR_OK;
    int have = 0;
    enum err rc = applied_version(st, list->module, &have);
    int expect = 1;
    for (const struct migration *m = list; !rc && m->module; m++, expect++) {
        if (m->version != expect || strcmp(m->module, list->module) != 0)
            return err_fail(ERR_STORE_MIGRATION,
                            "migration list '%s' is not numbered 1..n",
                            list->module);
        if (m->version <= have)
            continue;
        rc = store_exec(st, m->sql);
        if (rc)
            return err_fail(ERR_STORE_MIGRATION, "%s migration %d: %s",
                            m->module, m->version, err_detail());
        rc = record(st, m);
    }
    return rc;
}

/* Every table needs a declared, non-null primary key (session extension).
 * Virtual tables (FTS5 search indexes) and their shadow tables are derived
 * data, rebuilt from ordinary tables, so they are not checked. */
static enum err
check_primary_keys(struct store *st)
{
    static const char sql[] =
        "SELECT t.name FROM pragma_table_list t WHERE t.type = 'table'"
        " AND t.schema = 'main' AND t.name NOT LIKE 'sqlite_%' AND ("
        "  NOT EXISTS (SELECT 1 FROM pragma_table_info(t.name) c"
        "              WHERE c.pk > 0)"
        "  OR EXISTS (SELECT 1 FROM pragma_table_info(t.name) c"
        "             WHERE c.pk > 0 AND c.\"notnull\" = 0 AND NOT ("
        "               upper(c.type) = 'INTEGER' AND (SELECT count(*)"
        "               FROM pragma_table_info(t.name) k WHERE k.pk > 0) = 1)))"
        " LIMIT 1";
    struct stmt *s;
    enum err rc = store_prepare(st, sql, &s);
    bool row = false;
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        rc = err_fail(ERR_STORE_MIGRATION,
                      "table '%s' has no NOT NULL primary key (required for "
                      "change capture)",
                      stmt_text(s, 0));
    stmt_done(s);
    return rc;
}

enum err
migrate_apply(struct store *st, const struct migration *const *sets)
{
    enum err rc = store_tx_begin(st);
    if (rc)
        return rc;
    if ((rc = store_exec(st, SQL_CREATE)))
        goto out;
    if ((rc = check_not_newer(st, sets)))
        goto out;
    for (size_t i = 0; sets[i] && !rc; i++)
        rc = apply_list(st, sets[i]);
    if (!rc)
        rc = check_primary_keys(st);
    if (!rc)
        rc = store_tx_commit(st);
out:
    if (rc)
        store_tx_rollback(st);
    return rc;
}
