/*
 * tenants_store.c — the tenant registry's SQL.
 */
#include "audit/audit.h"
#include "core/timeutil.h"
#include "store/pool.h"
#include "store/store.h"
#include "tenants/tenants.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TENANT_COLS "id, code, name, prefecture, status, created_at"

static void
copy_col(struct stmt *s, int col, char *dst, size_t n)
{
    const char *v = stmt_text(s, col);
    snprintf(dst, n, "%s", v ? v : "");
}

static void
read_row(struct stmt *s, struct tenant *t)
{
    t->id = stmt_int(s, 0);
    copy_col(s, 1, t->code, sizeof(t->code));
    copy_col(s, 2, t->name, sizeof(t->name));
    copy_col(s, 3, t->prefecture, sizeof(t->prefecture));
    copy_col(s, 4, t->status, sizeof(t->status));
    copy_col(s, 5, t->created_at, sizeof(t->created_at));
}

static enum err
insert_row(struct store *st, const char *code, const char *name,
           const char *pref, struct tenant *out)
{
    static const char sql[] =
        "INSERT INTO tenants (code, name, prefecture, created_at)"
        " VALUES ($1, $2, $3, $4) RETURNING " TENANT_COLS;
    char now[32];
    time_now_iso(now);
    struct stmt *s;
    enum err rc = store_prepare(st, sql, &s);
    bool row = false;
    if (!rc && !(rc = stmt_bind_text(s, 1, code)) &&
        !(rc = stmt_bind_text(s, 2, name)) &&
        !(rc = stmt_bind_text(s, 3, pref)) &&
        !(rc = stmt_bind_text(s, 4, now)) && !(rc = stmt_step(s, &row)) && row)
        read_row(s, out);
    stmt_done(s);
    if (rc == ERR_STORE_CONSTRAINT)
        rc = err_fail(ERR_TENANT_CODE_TAKEN, "tenant code %s is already used",
                      code);
    return rc;
}

static enum err
audit_create(struct store *st, const char *actor, const struct tenant *t)
{
    json_t *d =
        json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)t->id, "code",
                  t->code, "name", t->name, "prefecture", t->prefecture);
    char *text = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(d);
    char target[40];
    snprintf(target, sizeof(target), "tenant:%s", t->code);
    enum err rc = audit_record(st, actor, "tenant.create", target, text);
    free(text);
    return rc;
}

enum err
tenant_create(struct store *platform, const char *data_dir, const char *actor,
              const char *code, const char *name, const char *prefecture,
              struct tenant *out)
{
    enum err rc;
    if ((rc = tenant_check_code(code)) || (rc = tenant_check_name(name)) ||
        (rc = tenant_check_prefecture(prefecture)))
        return rc;
    if ((rc = store_tx_begin(platform)))
        return rc;
    if ((rc = insert_row(platform, code, name, prefecture, out)))
        goto out;
    if ((rc = audit_create(platform, actor, out)))
        goto out;
    /* The store file is made inside the registry transaction: if it cannot
     * be made the row is rolled back, and if the commit fails it is removed. */
    if ((rc = pool_create_tenant_store(data_dir, out->id, out->code)))
        goto out;
    if ((rc = store_tx_commit(platform))) {
        char path[4096];
        pool_tenant_path(data_dir, out->id, path, sizeof(path));
        unlink(path);
    }
out:
    if (rc)
        store_tx_rollback(platform);
    return rc;
}

enum err
tenant_find_code(struct store *platform, const char *code, struct tenant *out)
{
    static const char sql[] =
        "SELECT " TENANT_COLS " FROM tenants WHERE code = $1";
    struct stmt *s;
    enum err rc = store_prepare(platform, sql, &s);
    bool row = false;
    if (!rc && !(rc = stmt_bind_text(s, 1, code)) &&
        !(rc = stmt_step(s, &row))) {
        if (row)
            read_row(s, out);
        else
            rc = err_fail(ERR_TENANT_NOT_FOUND, "no tenant with code %s", code);
    }
    stmt_done(s);
    return rc;
}

enum err
tenant_find_id(struct store *platform, int64_t id, struct tenant *out)
{
    static const char sql[] =
        "SELECT " TENANT_COLS " FROM tenants WHERE id = $1";
    struct stmt *s;
    enum err rc = store_query(platform, &s, sql, "i", id);
    bool row = false;
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        read_row(s, out);
    else if (!rc)
        rc = err_fail(ERR_TENANT_NOT_FOUND, "no tenant %lld", (long long)id);
    stmt_done(s);
    return rc;
}

enum err
tenant_each(struct store *platform,
            bool (*fn)(const struct tenant *t, void *arg), void *arg)
{
    static const char sql[] =
        "SELECT " TENANT_COLS " FROM tenants ORDER BY code";
    struct stmt *s;
    enum err rc = store_prepare(platform, sql, &s);
    bool row;
    struct tenant t;
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        read_row(s, &t);
        if (!fn(&t, arg))
            break;
    }
    stmt_done(s);
    return rc;
}

enum err
tenant_count(struct store *platform, int64_t *out)
{
    static const char sql[] = "SELECT count(*) FROM tenants";
    struct stmt *s;
    enum err rc = store_prepare(platform, sql, &s);
    bool row = false;
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *out = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}
