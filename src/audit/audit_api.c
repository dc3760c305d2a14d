/*
 * audit_api.c — tenant admins search their audit log (監査ログ).
 *
 *   GET /api/v1/audit?actor=&action=&target=&from=&to=&before=&limit=
 *
 * action ending in '.' matches a prefix ("auth." = every sign-in event);
 * from/to are UTC ISO timestamps (from inclusive, to exclusive); before is
 * an entry id for paging backwards; limit is 1–500 (default 100). Newest
 * first; the answer carries next_before for the next page.
 */
#include "audit/audit.h"
#include "auth/auth.h"
#include "http/http.h"

#include <stdlib.h>
#include <string.h>

static bool
collect(const struct audit_row *r, void *arg)
{
    json_t *e = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s}", "id",
                          (json_int_t)r->id, "ts", r->ts, "actor", r->actor,
                          "action", r->action, "target", r->target, "ip", r->ip,
                          "user_agent", r->user_agent, "hash", r->hash);
    json_t *detail = r->detail ? json_loads(r->detail, 0, NULL) : NULL;
    if (e && detail)
        json_object_set_new(e, "detail", detail);
    else
        json_decref(detail);
    if (e)
        json_array_append_new(arg, e);
    return true;
}

/* A whole number query value in [min, max]; def when absent. */
static enum err
query_int(struct req *r, const char *name, long long min, long long max,
          long long def, long long *out)
{
    const char *v = req_query(r, name);
    char *end;
    *out = def;
    if (!v)
        return ERR_OK;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n < min || n > max) {
        struct jcheck c;
        jcheck_init(&c);
        jcheck_add(&c, name, "range", "範囲外の値です");
        return req_invalid(r, &c);
    }
    *out = n;
    return ERR_OK;
}

static enum err
get_audit(struct req *r)
{
    long long limit, before;
    enum err rc = query_int(r, "limit", 1, 500, 100, &limit);
    if (!rc)
        rc = query_int(r, "before", 1, INT64_MAX, 0, &before);
    if (rc)
        return rc;
    struct audit_query q = {req_query(r, "actor"),
                            req_query(r, "action"),
                            req_query(r, "target"),
                            req_query(r, "from"),
                            req_query(r, "to"),
                            before,
                            (int)limit};
    json_t *list = json_array();
    rc = audit_search(auth_ctx(r)->st, &q, collect, list);
    if (rc) {
        json_decref(list);
        return rc;
    }
    size_t n = json_array_size(list);
    json_t *last =
        n ? json_object_get(json_array_get(list, n - 1), "id") : NULL;
    json_t *body = json_pack("{s:o}", "entries", list);
    if (last && n == (size_t)limit)
        json_object_set(body, "next_before", last);
    resp_json(r, 200, body);
    return ERR_OK;
}

const struct route audit_routes[] = {
    {"GET", "/api/v1/audit", get_audit, 0, "audit.read", NULL, 0},
    ROUTES_END,
};
