/*
 * test_support.c — platform operators are a separate realm and see tenant
 * data only under a support grant the tenant's admin gave: read or write,
 * bounded in time, revocable, and every access audited in the tenant's log.
 */
#include "accounts.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static struct server srv;
static struct account admin, admin2, other_admin, alice;
/* one signed-in session each, shared by the tests (codes are single-use) */
static struct client admin_c, admin2_c, other_c, op_c;

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    tenant_make(&srv, "0001", "テストガス株式会社");
    tenant_make(&srv, "0002", "別府プロパン有限会社");
    account_make(&srv, "0001", "admin", "admin", &admin);
    account_make(&srv, "0001", "admin2", "admin", &admin2);
    account_make(&srv, "0002", "admin", "admin", &other_admin);
    account_make_operator(&srv, "alice", &alice);
    const char *extra[] = {"--login-rate", "100000", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &admin2);
    account_enroll(&srv, &other_admin);
    account_enroll(&srv, &alice);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &admin2_c, &admin2);
    account_sign_in(&srv, &other_c, &other_admin);
    account_sign_in(&srv, &op_c, &alice);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    client_free(&admin2_c);
    client_free(&other_c);
    client_free(&op_c);
    server_down(&srv);
    return 0;
}

/* The operator's request into tenant code, with the support header. */
static void
as_support(struct client *op, const char *tenant, const char *method,
           const char *path, const char *json, struct http *h)
{
    char hdr[64];
    snprintf(hdr, sizeof(hdr), "X-Support-Tenant: %s", tenant);
    op->extra_header = hdr;
    client_req(&srv, op, method, path, json, h);
    op->extra_header = NULL;
}

static void
grant(struct client *c, const char *access, int64_t *id)
{
    struct http h;
    char body[256];
    snprintf(body, sizeof(body),
             "{\"operator_login\":\"alice\",\"access\":\"%s\",\"hours\":2,"
             "\"reason\":\"お問い合わせ #123 の調査\"}",
             access);
    client_req(&srv, c, "POST", "/api/v1/support-grants", body, &h);
    if (h.status != 201)
        fail_msg("grant: %ld %s", h.status, h.body);
    *id = json_integer_value(json_object_get(h.json, "id"));
    http_free(&h);
}

static void
revoke(struct client *c, int64_t id)
{
    struct http h;
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/support-grants/%lld/revoke",
             (long long)id);
    client_req(&srv, c, "POST", path, "{}", &h);
    assert_int_equal(h.status, 204);
    http_free(&h);
}

static void
test_operator_realm_is_separate(void **state)
{
    (void)state;
    struct client *op = &op_c;
    struct http h;
    client_req(&srv, op, "GET", "/api/v1/operator/me", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(json_string_value(json_object_get(h.json, "realm")),
                        "operator");
    http_free(&h);
    /* an operator session is no tenant session */
    client_req(&srv, op, "GET", "/api/v1/users", NULL, &h);
    assert_problem(&h, 401, "auth.required");
    http_free(&h);
    /* and a tenant user cannot use the operator realm's routes */
    client_req(&srv, &admin_c, "GET", "/api/v1/operator/me", NULL, &h);
    assert_problem(&h, 401, "auth.required");
    http_free(&h);
}

static void
test_no_grant_no_access(void **state)
{
    (void)state;
    struct client *op = &op_c;
    struct http h;
    as_support(op, "0001", "GET", "/api/v1/users", NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
}

static void
test_read_grant_reads_but_never_writes(void **state)
{
    (void)state;
    int64_t id;
    grant(&admin_c, "read", &id);
    struct client *op = &op_c;
    struct http h;
    as_support(op, "0001", "GET", "/api/v1/users", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_true(json_array_size(json_object_get(h.json, "users")) >= 2);
    http_free(&h);
    as_support(op, "0001", "POST", "/api/v1/users/1/unlock", "{}", &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    /* the grant is for 0001 only */
    as_support(op, "0002", "GET", "/api/v1/users", NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    /* and never lets the operator grant themselves more */
    as_support(op, "0001", "GET", "/api/v1/support-grants", NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    revoke(&admin2_c, id);
    as_support(op, "0001", "GET", "/api/v1/users", NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
}

static void
test_write_grant_allows_changes_and_is_audited(void **state)
{
    (void)state;
    int64_t id;
    grant(&admin_c, "write", &id);
    struct client *op = &op_c;
    struct http h;
    as_support(op, "0001", "POST", "/api/v1/users/2/unlock", "{}", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    const char *list[] = {"audit", "list",     "--data",   srv.data, "--tenant",
                          "0001",  "--action", "support.", NULL};
    char *out, *err;
    assert_int_equal(cli_run(list, &out, &err), 0);
    assert_non_null(strstr(out, "support.grant"));
    assert_non_null(strstr(out, "support.access"));
    assert_non_null(strstr(out, "operator:"));
    free(out);
    free(err);
    revoke(&admin_c, id);
}

static void
test_expired_grant_gives_no_access(void **state)
{
    (void)state;
    int64_t id;
    grant(&admin2_c, "read", &id);
    char cmd[512];
    snprintf(cmd, sizeof(cmd),
             "sqlite3 %s/tenants/1.db \"UPDATE support_grants SET "
             "expires_at = strftime('%%s','now') - 1 WHERE id = %lld\"",
             srv.data, (long long)id);
    assert_int_equal(system(cmd), 0); /* two hours later */
    struct client *op = &op_c;
    struct http h;
    as_support(op, "0001", "GET", "/api/v1/users", NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
}

static void
test_grant_needs_a_known_operator(void **state)
{
    (void)state;
    struct http h;
    client_req(&srv, &other_c, "POST", "/api/v1/support-grants",
               "{\"operator_login\":\"mallory\",\"access\":\"write\","
               "\"hours\":1,\"reason\":\"x\"}",
               &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
    client_req(&srv, &other_c, "POST", "/api/v1/support-grants",
               "{\"operator_login\":\"alice\",\"access\":\"root\","
               "\"hours\":100,\"reason\":\"x\"}",
               &h);
    assert_problem(&h, 422, "invalid");
    assert_int_equal(json_array_size(json_object_get(h.json, "errors")), 2);
    http_free(&h);
}

static void
test_role_change_needs_a_second_admin(void **state)
{
    (void)state;
    struct account clerk;
    struct http h;
    account_make(&srv, "0001", "clerk", "office", &clerk);
    client_req(&srv, &admin_c, "GET", "/api/v1/users", NULL, &h);
    int64_t clerk_id = 0;
    json_t *users = json_object_get(h.json, "users");
    for (size_t i = 0; i < json_array_size(users); i++) {
        json_t *u = json_array_get(users, i);
        if (!strcmp(json_string_value(json_object_get(u, "login_id")), "clerk"))
            clerk_id = json_integer_value(json_object_get(u, "id"));
    }
    http_free(&h);
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/users/%lld", (long long)clerk_id);
    client_req(&srv, &admin_c, "PATCH", path, "{\"role\":\"accountant\"}", &h);
    assert_int_equal(h.status, 202);
    int64_t id = json_integer_value(json_object_get(h.json, "approval"));
    http_free(&h);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_string_equal(json_string_value(json_object_get(h.json, "role")),
                        "office"); /* not yet */
    http_free(&h);
    char decide[96];
    snprintf(decide, sizeof(decide), "/api/v1/approvals/%lld/approve",
             (long long)id);
    client_req(&srv, &admin_c, "POST", decide, "{}", &h);
    assert_problem(&h, 403, "auth.forbidden"); /* not one's own */
    http_free(&h);
    client_req(&srv, &admin2_c, "POST", decide, "{}", &h);
    assert_int_equal(h.status, 204);
    http_free(&h);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_string_equal(json_string_value(json_object_get(h.json, "role")),
                        "accountant");
    http_free(&h);
    client_req(&srv, &admin2_c, "POST", decide, "{}", &h);
    assert_int_equal(h.status, 404); /* decided once */
    http_free(&h);
    /* a reset of the second factor, rejected */
    snprintf(path, sizeof(path), "/api/v1/users/%lld/reset-mfa",
             (long long)clerk_id);
    client_req(&srv, &admin_c, "POST", path, "{}", &h);
    assert_int_equal(h.status, 202);
    id = json_integer_value(json_object_get(h.json, "approval"));
    http_free(&h);
    snprintf(decide, sizeof(decide), "/api/v1/approvals/%lld/reject",
             (long long)id);
    client_req(&srv, &admin2_c, "POST", decide, "{}", &h);
    assert_int_equal(h.status, 204);
    http_free(&h);
    client_req(&srv, &admin2_c, "GET", "/api/v1/approvals", NULL, &h);
    json_t *first = json_array_get(json_object_get(h.json, "approvals"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "status")),
                        "rejected");
    http_free(&h);
}

static void
test_single_admin_tenant_changes_at_once(void **state)
{
    (void)state;
    struct account helper;
    struct http h;
    account_make(&srv, "0002", "helper", "office", &helper);
    client_req(&srv, &other_c, "PATCH", "/api/v1/users/2",
               "{\"role\":\"safety\"}", &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(json_string_value(json_object_get(h.json, "role")),
                        "safety");
    http_free(&h);
}

static void
test_new_admins_and_disabling_admins_need_approval(void **state)
{
    (void)state;
    struct http h;
    client_req(&srv, &admin_c, "POST", "/api/v1/users",
               "{\"login_id\":\"boss\",\"display_name\":\"社長\","
               "\"role\":\"admin\",\"password\":"
               "\"会社の合言葉は毎朝変わります\"}",
               &h);
    assert_int_equal(h.status, 202);
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/users", NULL, &h);
    json_t *users = json_object_get(h.json, "users");
    const char *role = NULL;
    for (size_t i = 0; i < json_array_size(users); i++) {
        json_t *u = json_array_get(users, i);
        if (!strcmp(json_string_value(json_object_get(u, "login_id")), "boss"))
            role = json_string_value(json_object_get(u, "role"));
    }
    assert_string_equal(role, "readonly"); /* admin only once approved */
    http_free(&h);
    /* one admin cannot quietly switch off the other */
    client_req(&srv, &admin_c, "PATCH", "/api/v1/users/2",
               "{\"status\":\"disabled\"}", &h);
    assert_int_equal(h.status, 202);
    char decide[80];
    snprintf(
        decide, sizeof(decide), "/api/v1/approvals/%lld/reject",
        (long long)json_integer_value(json_object_get(h.json, "approval")));
    http_free(&h);
    client_req(&srv, &admin2_c, "POST", decide, "{}", &h);
    assert_problem(&h, 403, "auth.forbidden"); /* not about oneself */
    http_free(&h);
    client_req(&srv, &admin2_c, "GET", "/api/v1/auth/me", NULL, &h);
    assert_int_equal(h.status, 200); /* admin2 still works */
    http_free(&h);
}

/* A program's request with an API token: no cookie, no CSRF token. */
static void
as_token(const char *token, const char *method, const char *path,
         const char *json, struct http *h)
{
    struct client c;
    char hdr[160];
    client_init(&c);
    snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", token);
    c.extra_header = hdr;
    client_req(&srv, &c, method, path, json, h);
    client_free(&c);
}

static void
test_api_tokens_reach_only_their_scope(void **state)
{
    (void)state;
    struct http h;
    client_req(&srv, &admin_c, "POST", "/api/v1/api-tokens",
               "{\"name\":\"口座振替ツール\",\"permissions\":[\"root\"],"
               "\"days\":30}",
               &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
    client_req(&srv, &admin_c, "POST", "/api/v1/api-tokens",
               "{\"name\":\"口座振替ツール\",\"permissions\":[\"users.read\"],"
               "\"days\":30}",
               &h);
    assert_int_equal(h.status, 201);
    char token[128];
    snprintf(token, sizeof(token), "%s",
             json_string_value(json_object_get(h.json, "token")));
    int64_t id = json_integer_value(json_object_get(h.json, "id"));
    http_free(&h);
    assert_true(!strncmp(token, "plt_1_", 6));
    as_token(token, "GET", "/api/v1/users", NULL, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    as_token(token, "POST", "/api/v1/users/2/unlock", "{}", &h);
    assert_problem(&h, 403, "auth.forbidden"); /* not in its scope */
    http_free(&h);
    as_token(token, "GET", "/api/v1/auth/me", NULL, &h);
    assert_problem(&h, 403, "auth.forbidden"); /* not a person */
    http_free(&h);
    char moved[128];
    snprintf(moved, sizeof(moved), "plt_2_%s", token + 6);
    as_token(moved, "GET", "/api/v1/users", NULL, &h);
    assert_problem(&h, 401, "auth.required"); /* another tenant: nothing */
    http_free(&h);
    char path[80];
    snprintf(path, sizeof(path), "/api/v1/api-tokens/%lld/revoke",
             (long long)id);
    client_req(&srv, &admin_c, "POST", path, "{}", &h);
    assert_int_equal(h.status, 204);
    http_free(&h);
    as_token(token, "GET", "/api/v1/users", NULL, &h);
    assert_problem(&h, 401, "auth.required");
    http_free(&h);
}

static void
test_tenant_sets_its_own_session_limits(void **state)
{
    (void)state;
    struct http h;
    client_req(&srv, &other_c, "PUT", "/api/v1/settings/sessions",
               "{\"idle_minutes\": 3, \"max_hours\": 30}", &h);
    assert_problem(&h, 422, "invalid"); /* outside 5–240 and 1–24 */
    assert_int_equal(json_array_size(json_object_get(h.json, "errors")), 2);
    http_free(&h);
    client_req(&srv, &other_c, "PUT", "/api/v1/settings/sessions",
               "{\"idle_minutes\": 15, \"max_hours\": 1}", &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(json_integer_value(json_object_get(h.json, "max_hours")),
                     1);
    http_free(&h);
    /* a new session of that tenant ends within the hour */
    struct client c;
    account_sign_in(&srv, &c, &other_admin);
    client_req(&srv, &c, "GET", "/api/v1/auth/me", NULL, &h);
    int64_t ends =
        json_integer_value(json_object_get(h.json, "session_expires_at"));
    assert_true(ends - (int64_t)time(NULL) <= 3600);
    assert_true(ends - (int64_t)time(NULL) > 3500);
    http_free(&h);
    client_free(&c);
}

static void
test_support_cannot_take_over_accounts(void **state)
{
    (void)state;
    int64_t id;
    struct http h;
    grant(&admin_c, "write", &id);
    as_support(&op_c, "0001", "POST", "/api/v1/users/2/reset-password", "{}",
               &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    as_support(&op_c, "0001", "POST", "/api/v1/users",
               "{\"login_id\":\"mole\",\"display_name\":\"x\","
               "\"role\":\"admin\",\"password\":"
               "\"会社の合言葉は毎朝変わります\"}",
               &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/users", NULL, &h);
    assert_null(strstr(h.body, "\"mole\"")); /* nothing left behind */
    http_free(&h);
    revoke(&admin_c, id);
}

static void
test_token_dies_with_its_creator(void **state)
{
    (void)state;
    struct http h;
    client_req(&srv, &admin2_c, "POST", "/api/v1/api-tokens",
               "{\"name\":\"bridge\",\"permissions\":[\"users.read\"],"
               "\"days\":1}",
               &h);
    assert_int_equal(h.status, 201);
    char token[128];
    snprintf(token, sizeof(token), "%s",
             json_string_value(json_object_get(h.json, "token")));
    http_free(&h);
    as_token(token, "GET", "/api/v1/users", NULL, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    const char *off[] = {"user", "disable", "--data", srv.data, "--tenant",
                         "0001", "--login", "admin2", NULL};
    cli_ok(off);
    as_token(token, "GET", "/api/v1/users", NULL, &h);
    assert_problem(&h, 401, "auth.required");
    http_free(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operator_realm_is_separate),
        cmocka_unit_test(test_no_grant_no_access),
        cmocka_unit_test(test_read_grant_reads_but_never_writes),
        cmocka_unit_test(test_write_grant_allows_changes_and_is_audited),
        cmocka_unit_test(test_expired_grant_gives_no_access),
        cmocka_unit_test(test_grant_needs_a_known_operator),
        cmocka_unit_test(test_role_change_needs_a_second_admin),
        cmocka_unit_test(test_single_admin_tenant_changes_at_once),
        cmocka_unit_test(test_new_admins_and_disabling_admins_need_approval),
        cmocka_unit_test(test_api_tokens_reach_only_their_scope),
        cmocka_unit_test(test_tenant_sets_its_own_session_limits),
        cmocka_unit_test(test_support_cannot_take_over_accounts),
        cmocka_unit_test(test_token_dies_with_its_creator), /* last */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
