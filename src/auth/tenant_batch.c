/*
 * tenant_batch.c — items for many tenants, grouped per tenant into one
 * audited transaction each (tenant_batch.h).
 */
#include "auth/tenant_batch.h"
#include "auth/auth.h"
#include "store/pool.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

json_t *
tenant_batch_counts(const struct tenant_batch *b, size_t from)
{
    json_t *o = json_object();
    for (const char *const *name = b->outcomes; *name; name++) {
        json_int_t n = 0;
        for (size_t i = from; i < json_array_size(b->results); i++) {
            const char *out = json_string_value(
                json_object_get(json_array_get(b->results, i), "outcome"));
            n += out && !strcmp(out, *name);
        }
        json_object_set_new(o, *name, json_integer(n));
    }
    return o;
}

void
tenant_batch_end(struct tenant_batch *b)
{
    if (!b->open)
        return;
    b->open = false;
    json_t *detail = json_pack("{s:s, s:o}", "tenant", b->tenant, "counts",
                               tenant_batch_counts(b, b->first));
    enum err rc =
        auth_audit(b->r, b->st, b->actor, b->action, b->target, detail);
    if (!rc)
        rc = store_tx_commit(b->st);
    if (!rc) {
        if (b->committed)
            b->committed();
        return;
    }
    char text[512];
    snprintf(text, sizeof(text), "%s", err_detail());
    store_tx_rollback(b->st);
    for (size_t i = b->first; i < json_array_size(b->results); i++) {
        json_t *res = json_array_get(b->results, i);
        const char *o = json_string_value(json_object_get(res, "outcome"));
        if (o && strcmp(o, "error")) {
            err_fail(rc, "%s", text);
            b->fail(res, rc);
        }
    }
}

void
tenant_batch_start(struct tenant_batch *b, const char *code)
{
    struct store *platform;
    struct tenant t;
    tenant_batch_end(b);
    snprintf(b->tenant, sizeof(b->tenant), "%s", code);
    b->first = json_array_size(b->results);
    b->rc = pool_platform(&platform);
    if (!b->rc)
        b->rc = tenant_find_code(platform, code, &t);
    if (b->rc == ERR_TENANT_NOT_FOUND)
        err_fail(b->rc, "事業者コード %s は登録されていません", code);
    if (!b->rc)
        b->rc = pool_tenant(t.id, &b->st);
    if (!b->rc)
        b->rc = store_tx_begin(b->st);
    b->open = !b->rc;
    snprintf(b->detail, sizeof(b->detail), "%s", b->rc ? err_detail() : "");
}
