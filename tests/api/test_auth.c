/*
 * test_auth.c — a stolen password is not enough.
 *
 * A real server with two tenants. Accounts are made with `pilotlight user
 * create`, second factors are set up through the enrolment API, and codes
 * come from `pilotlight totp`. Each test states one promise of the identity
 * module; the last ones check the audit chain those tests left behind.
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
#include <unistd.h>

#include <cmocka.h>

static struct server srv;

/* separate admins so no account needs more than 3 codes in 90 s */
static struct account admin_a, admin_a2, admin_a3, admin_a4, admin_a5, admin_b,
    reader_a, clerk_a;

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    tenant_make(&srv, "0001", "テストガス株式会社");
    tenant_make(&srv, "0002", "別府プロパン有限会社");
    account_make(&srv, "0001", "admin", "admin", &admin_a);
    account_make(&srv, "0001", "admin2", "admin", &admin_a2);
    account_make(&srv, "0001", "admin3", "admin", &admin_a3);
    account_make(&srv, "0001", "admin4", "admin", &admin_a4);
    account_make(&srv, "0001", "admin5", "admin", &admin_a5);
    account_make(&srv, "0001", "clerk", "office", &clerk_a);
    account_make(&srv, "0001", "yamada", "reader", &reader_a);
    account_make(&srv, "0002", "admin", "admin", &admin_b);
    const char *extra[] = {"--login-rate", "100000", "--step-up", "3", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin_a);
    account_enroll(&srv, &admin_a2);
    account_enroll(&srv, &admin_a3);
    account_enroll(&srv, &admin_a4);
    account_enroll(&srv, &admin_a5);
    account_enroll(&srv, &clerk_a);
    account_enroll(&srv, &reader_a);
    account_enroll(&srv, &admin_b);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    server_down(&srv);
    return 0;
}

static void
test_password_alone_reaches_no_tenant_route(void **state)
{
    (void)state;
    struct client c;
    struct http h;
    client_init(&c);
    account_post_login(&srv, &c, &admin_a, admin_a.password, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    static const char *const paths[] = {"/api/v1/users", "/api/v1/auth/me",
                                        "/api/v1/notices", "/api/v1/users/1"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        client_req(&srv, &c, "GET", paths[i], NULL, &h);
        assert_problem(&h, 401, "auth.mfa_required");
        http_free(&h);
    }
    client_req(&srv, &c, "GET", "/api/v1/auth/enroll", NULL, &h);
    assert_int_equal(h.status, 401); /* no re-enrolment behind a password */
    http_free(&h);
    client_free(&c);
}

static void
test_no_session_gets_401(void **state)
{
    (void)state;
    struct http h;
    http_get(&srv, "/api/v1/users", &h);
    assert_problem(&h, 401, "auth.required");
    http_free(&h);
}

static void
test_wrong_and_replayed_codes_fail(void **state)
{
    (void)state;
    struct client c;
    struct http h;
    client_init(&c);
    account_post_login(&srv, &c, &admin_a, admin_a.password, &h);
    http_free(&h);
    account_post_code(&srv, &c, "/api/v1/auth/totp", "000000", &h);
    assert_problem(&h, 401, "auth.totp_invalid");
    http_free(&h);
    /* the code that enrolment or an earlier sign-in already used */
    char t[32], *out, *err;
    snprintf(t, sizeof(t), "%lld", (long long)(admin_a.last_step * 30));
    const char *args[] = {"totp",   "--secret", admin_a.secret,
                          "--time", t,          NULL};
    assert_int_equal(cli_run(args, &out, &err), 0);
    char used[8];
    snprintf(used, sizeof(used), "%.6s", out);
    free(out);
    free(err);
    account_post_code(&srv, &c, "/api/v1/auth/totp", used, &h);
    assert_problem(&h, 401, "auth.totp_replay");
    http_free(&h);
    client_req(&srv, &c, "GET", "/api/v1/users", NULL, &h);
    assert_int_equal(h.status, 401);
    http_free(&h);
    client_free(&c);
}

/* True when GET /api/v1/auth/me's permissions list perm. */
static bool
me_allows(json_t *me, const char *perm)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(me, "permissions"), i, p)
    {
        if (strcmp(json_string_value(p), perm) == 0)
            return true;
    }
    return false;
}

static void
test_full_sign_in_then_sign_out(void **state)
{
    (void)state;
    struct client c;
    struct http h;
    account_sign_in(&srv, &c, &admin_a);
    client_req(&srv, &c, "GET", "/api/v1/auth/me", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(h.json, "user"), "login_id")),
                        "admin");
    assert_true(me_allows(h.json, "users.write"));
    assert_true(me_allows(h.json, "billing.read"));
    http_free(&h);
    client_req(&srv, &c, "GET", "/api/v1/users", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(json_array_size(json_object_get(h.json, "users")), 7);
    http_free(&h);
    client_req(&srv, &c, "POST", "/api/v1/auth/logout", "{}", &h);
    assert_int_equal(h.status, 204);
    http_free(&h);
    client_req(&srv, &c, "GET", "/api/v1/auth/me", NULL, &h);
    assert_problem(&h, 401, "auth.required");
    http_free(&h);
    client_free(&c);
}

/* Same status and body (but the request id) for every kind of failure. */
/* One failed sign-in for a; its body without the request id into body. */
static double
failed_login_ms(struct account *a, char *body, size_t n)
{
    struct client c;
    struct http h;
    struct timespec t0, t1;
    client_init(&c);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    account_post_login(&srv, &c, a, "wrong password 123", &h);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_problem(&h, 401, "auth.failed");
    json_object_del(h.json, "request_id");
    char *text = json_dumps(h.json, JSON_SORT_KEYS);
    snprintf(body, n, "%s", text);
    free(text);
    http_free(&h);
    client_free(&c);
    return (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
}

static int
cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Same status and body (but the request id) for every kind of failure,
 * and the same work: medians of three within a factor of 3. */
static void
test_unknown_and_known_ids_look_the_same(void **state)
{
    (void)state;
    struct account ghost = {.tenant = "0001", .login = "nobody-here"};
    struct account no_tenant = {.tenant = "9999", .login = "admin"};
    struct account *who[] = {&admin_b, &ghost, &no_tenant};
    char first[1024] = "", body[1024];
    double median[3];
    for (int i = 0; i < 3; i++) {
        double ms[3];
        for (int k = 0; k < 3; k++) {
            ms[k] = failed_login_ms(who[i], body, sizeof(body));
            if (!first[0])
                snprintf(first, sizeof(first), "%s", body);
            assert_string_equal(body, first);
        }
        qsort(ms, 3, sizeof(double), cmp_double);
        median[i] = ms[1];
    }
    for (int i = 1; i < 3; i++)
        if (median[i] < median[0] / 3 || median[i] > median[0] * 3)
            fail_msg("timing differs: %.1f ms vs %.1f ms", median[i],
                     median[0]);
}

static void
test_lockout_then_admin_unlock(void **state)
{
    (void)state;
    struct account victim;
    account_make(&srv, "0001", "locked-user", "office", &victim);
    struct client c;
    struct http h;
    client_init(&c);
    for (int i = 0; i < 5; i++) {
        account_post_login(&srv, &c, &victim, "not the password!", &h);
        assert_problem(&h, 401, "auth.failed");
        http_free(&h);
    }
    /* the right password is refused too, and says when to retry */
    account_post_login(&srv, &c, &victim, victim.password, &h);
    assert_problem(&h, 423, "auth.locked");
    assert_non_null(http_header(&h, "retry-after"));
    http_free(&h);
    const char *unlock[] = {"user",    "unlock",      "--data",
                            srv.data,  "--tenant",    "0001",
                            "--login", "locked-user", NULL};
    cli_ok(unlock);
    account_post_login(&srv, &c, &victim, victim.password, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    client_free(&c);
}

/* The 2023 attack: real passwords for many accounts, no second factor. */
static void
test_twenty_stolen_passwords_get_no_session(void **state)
{
    (void)state;
    struct account acc[20];
    for (int i = 0; i < 20; i++) {
        char login[32];
        snprintf(login, sizeof(login), "staff%02d", i);
        account_make(&srv, "0001", login, "office", &acc[i]);
        struct client setup_c;
        struct http h;
        client_init(&setup_c); /* each account has its factor set up */
        account_post_login(&srv, &setup_c, &acc[i], acc[i].password, &h);
        http_free(&h);
        client_req(&srv, &setup_c, "GET", "/api/v1/auth/enroll", NULL, &h);
        snprintf(acc[i].secret, sizeof(acc[i].secret), "%s",
                 json_string_value(json_object_get(h.json, "secret")));
        http_free(&h);
        char code[8];
        account_code(&acc[i], code);
        account_post_code(&srv, &setup_c, "/api/v1/auth/enroll", code, &h);
        assert_int_equal(h.status, 200);
        http_free(&h);
        client_free(&setup_c);
    }
    int sessions = 0;
    for (int i = 0; i < 20; i++) {
        struct client c;
        struct http h;
        client_init(&c);
        account_post_login(&srv, &c, &acc[i], acc[i].password, &h);
        http_free(&h);
        account_post_code(&srv, &c, "/api/v1/auth/totp", "123456",
                          &h); /* a guess */
        http_free(&h);
        client_req(&srv, &c, "GET", "/api/v1/users", NULL, &h);
        sessions += h.status == 200;
        http_free(&h);
        client_free(&c);
    }
    assert_int_equal(sessions, 0);
}

static void
test_other_tenants_ids_are_404_not_403(void **state)
{
    (void)state;
    struct client c;
    struct http h;
    account_sign_in(&srv, &c, &admin_b); /* tenant 0002 has one user, id 1 */
    for (int id = 3; id <= 25; id++) {   /* ids that exist only in 0001 */
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/users/%d", id);
        client_req(&srv, &c, "GET", path, NULL, &h);
        assert_problem(&h, 404, "auth.user_not_found");
        http_free(&h);
    }
    client_free(&c);
}

static void
test_cookie_moved_to_another_tenant_is_refused(void **state)
{
    (void)state;
    struct client c;
    char value[256], raw[1024], out[4096];
    account_sign_in(&srv, &c, &admin_a2);
    assert_true(client_cookie(&c, "pl_session", value, sizeof(value)));
    assert_true(!strncmp(value, "1.", 2)); /* tenant 0001 has id 1 */
    /* the same valid token, presented as tenant 2's */
    int n = snprintf(raw, sizeof(raw),
                     "GET /api/v1/users HTTP/1.1\r\nHost: t\r\n"
                     "Cookie: pl_session=2.%s\r\nConnection: close\r\n\r\n",
                     value + 2);
    raw_exchange(srv.port, raw, (size_t)n, out, sizeof(out), 3000);
    assert_non_null(strstr(out, "HTTP/1.1 401"));
    assert_non_null(strstr(out, "auth.required"));
    n = snprintf(raw, sizeof(raw),
                 "GET /api/v1/users HTTP/1.1\r\nHost: t\r\n"
                 "Cookie: pl_session=%s\r\nConnection: close\r\n\r\n",
                 value);
    raw_exchange(srv.port, raw, (size_t)n, out, sizeof(out), 3000);
    assert_non_null(strstr(out, "HTTP/1.1 200")); /* where it belongs */
    client_free(&c);
}

static void
test_csrf_token_is_required_for_changes(void **state)
{
    (void)state;
    struct client c;
    struct http h;
    account_sign_in(&srv, &c, &admin_a3);
    char saved[128];
    snprintf(saved, sizeof(saved), "%s", c.csrf);
    c.csrf[0] = '\0';
    client_req(&srv, &c, "POST", "/api/v1/users/2/revoke-sessions", "{}", &h);
    assert_problem(&h, 403, "auth.csrf");
    http_free(&h);
    snprintf(c.csrf, sizeof(c.csrf), "%s", "not-the-token");
    client_req(&srv, &c, "POST", "/api/v1/users/2/revoke-sessions", "{}", &h);
    assert_problem(&h, 403, "auth.csrf");
    http_free(&h);
    snprintf(c.csrf, sizeof(c.csrf), "%s", saved);
    c.extra_header = "Sec-Fetch-Site: cross-site";
    client_req(&srv, &c, "POST", "/api/v1/users/2/revoke-sessions", "{}", &h);
    assert_problem(&h, 403, "auth.csrf");
    http_free(&h);
    c.extra_header = NULL;
    client_req(&srv, &c, "POST", "/api/v1/users/2/revoke-sessions", "{}", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    client_free(&c);
}

static void
test_reader_role_is_forbidden_user_admin(void **state)
{
    (void)state;
    struct client c;
    struct http h;
    account_sign_in(&srv, &c, &reader_a);
    client_req(&srv, &c, "GET", "/api/v1/users", NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    client_req(&srv, &c, "POST", "/api/v1/users/1/unlock", "{}", &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    client_req(&srv, &c, "GET", "/api/v1/auth/me", NULL, &h);
    assert_int_equal(h.status, 200); /* their own session still works */
    /* what the console builds its menu from: no billing for a reader */
    assert_true(me_allows(h.json, "readings.write"));
    assert_false(me_allows(h.json, "users.read"));
    assert_false(me_allows(h.json, "billing.read"));
    http_free(&h);
    client_free(&c);
}

static void
test_dangerous_change_needs_fresh_code(void **state)
{
    (void)state;
    struct client c;
    struct http h;
    account_sign_in(&srv, &c, &admin_a4);
    sleep(4); /* the server runs with --step-up 3 */
    const char *body = "{\"login_id\":\"newcomer\",\"display_name\":"
                       "\"新人\",\"role\":\"office\",\"password\":"
                       "\"ガス検針は毎月二十日に行います\"}";
    client_req(&srv, &c, "POST", "/api/v1/users", body, &h);
    assert_problem(&h, 403, "auth.step_up_required");
    http_free(&h);
    char code[8];
    account_code(&admin_a4, code);
    account_post_code(&srv, &c, "/api/v1/auth/step-up", code, &h);
    assert_int_equal(h.status, 204);
    http_free(&h);
    client_req(&srv, &c, "POST", "/api/v1/users", body, &h);
    assert_int_equal(h.status, 201);
    http_free(&h);
    client_free(&c);
}

static void
test_weak_password_refused_for_new_user(void **state)
{
    (void)state;
    struct client c;
    struct http h;
    account_sign_in(&srv, &c, &admin_a2);
    const char *body = "{\"login_id\":\"weakling\",\"display_name\":"
                       "\"弱い\",\"role\":\"office\",\"password\":"
                       "\"password1234\"}";
    client_req(&srv, &c, "POST", "/api/v1/users", body, &h);
    assert_problem(&h, 422, "invalid");
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(h.json, "errors"), 0), "code")),
        "common");
    http_free(&h);
    client_free(&c);
}

static void
test_admin_searches_the_audit_log(void **state)
{
    (void)state;
    struct client c;
    struct http h;
    account_sign_in(&srv, &c, &admin_a3);
    client_req(&srv, &c, "GET", "/api/v1/audit?action=auth.&limit=5", NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *entries = json_object_get(h.json, "entries");
    assert_int_equal(json_array_size(entries), 5);
    int64_t prev = INT64_MAX;
    for (size_t i = 0; i < 5; i++) {
        json_t *e = json_array_get(entries, i);
        assert_true(!strncmp(json_string_value(json_object_get(e, "action")),
                             "auth.", 5));
        int64_t id = json_integer_value(json_object_get(e, "id"));
        assert_true(id < prev); /* newest first */
        prev = id;
    }
    json_int_t next =
        json_integer_value(json_object_get(h.json, "next_before"));
    assert_int_equal(next, prev);
    http_free(&h);
    client_req(&srv, &c, "GET", "/api/v1/audit?actor=user:1&action=auth.login",
               NULL, &h);
    assert_int_equal(h.status, 200);
    assert_true(json_array_size(json_object_get(h.json, "entries")) >= 1);
    http_free(&h);
    client_req(&srv, &c, "GET", "/api/v1/audit?limit=0", NULL, &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
    client_free(&c);
    account_sign_in(&srv, &c, &reader_a);
    client_req(&srv, &c, "GET", "/api/v1/audit", NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    client_free(&c);
}

static void
test_user_changes_own_password(void **state)
{
    (void)state;
    struct client c;
    struct http h;
    account_sign_in(&srv, &c, &admin_a5);
    client_req(&srv, &c, "POST", "/api/v1/auth/password",
               "{\"current_password\":\"nope nope nope\","
               "\"new_password\":\"新しい合言葉は検針日の朝に\"}",
               &h);
    assert_problem(&h, 401, "auth.failed");
    http_free(&h);
    char body[256];
    snprintf(body, sizeof(body),
             "{\"current_password\":\"%s\",\"new_password\":\"admin5\"}",
             admin_a5.password);
    client_req(&srv, &c, "POST", "/api/v1/auth/password", body, &h);
    assert_problem(&h, 422, "invalid"); /* too short */
    http_free(&h);
    snprintf(body, sizeof(body),
             "{\"current_password\":\"%s\",\"new_password\":"
             "\"新しい合言葉は検針日の朝に\"}",
             admin_a5.password);
    client_req(&srv, &c, "POST", "/api/v1/auth/password", body, &h);
    assert_int_equal(h.status, 204);
    http_free(&h);
    client_req(&srv, &c, "GET", "/api/v1/auth/me", NULL, &h);
    assert_int_equal(h.status, 200); /* this session goes on */
    http_free(&h);
    client_free(&c);
    client_init(&c);
    account_post_login(&srv, &c, &admin_a5, admin_a5.password, &h);
    assert_problem(&h, 401, "auth.failed"); /* the old one is gone */
    http_free(&h);
    account_post_login(&srv, &c, &admin_a5, "新しい合言葉は検針日の朝に", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    client_free(&c);
}

static void
test_admin_resets_a_forgotten_password(void **state)
{
    (void)state;
    struct client c;
    struct http h;
    account_sign_in(&srv, &c, &admin_a);
    client_req(&srv, &c, "GET", "/api/v1/users", NULL, &h);
    int64_t id = 0;
    json_t *users = json_object_get(h.json, "users");
    for (size_t i = 0; i < json_array_size(users); i++)
        if (!strcmp(json_string_value(
                        json_object_get(json_array_get(users, i), "login_id")),
                    "clerk"))
            id = json_integer_value(
                json_object_get(json_array_get(users, i), "id"));
    http_free(&h);
    char path[80];
    snprintf(path, sizeof(path), "/api/v1/users/%lld/reset-password",
             (long long)id);
    client_req(&srv, &c, "POST", path, "{}", &h);
    assert_int_equal(h.status, 200);
    char temp[64];
    snprintf(temp, sizeof(temp), "%s",
             json_string_value(json_object_get(h.json, "temporary_password")));
    http_free(&h);
    client_free(&c);
    client_init(&c);
    account_post_login(&srv, &c, &clerk_a, clerk_a.password, &h);
    assert_problem(&h, 401, "auth.failed");
    http_free(&h);
    account_post_login(&srv, &c, &clerk_a, temp, &h);
    assert_int_equal(h.status, 200); /* and still the second factor */
    assert_string_equal(json_string_value(json_object_get(h.json, "stage")),
                        "mfa");
    http_free(&h);
    client_free(&c);
}

static void
test_audit_chain_verifies_then_catches_an_edit(void **state)
{
    (void)state;
    const char *verify[] = {"audit",    "verify", "--data", srv.data,
                            "--tenant", "0001",   NULL};
    char *out, *err;
    assert_int_equal(cli_run(verify, &out, &err), 0);
    assert_non_null(strstr(out, "intact"));
    free(out);
    free(err);
    const char *list[] = {"audit", "list",    "--data", srv.data, "--tenant",
                          "0001",  "--limit", "500",    NULL};
    assert_int_equal(cli_run(list, &out, &err), 0);
    static const char *const actions[] = {
        "auth.login_failed", "auth.password_ok",  "auth.totp_failed",
        "auth.login",        "auth.mfa_enrolled", "auth.logout",
        "auth.denied",       "auth.step_up",      "user.create",
        "user.unlock"};
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (!strstr(out, actions[i]))
            fail_msg("no %s in the audit log", actions[i]);
    free(out);
    free(err);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "sqlite3 %s/tenants/1.db \"DROP TRIGGER audit_log_no_update; "
             "UPDATE audit_log SET actor = 'someone-else' WHERE id = 3\"",
             srv.data);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(cli_run(verify, &out, &err), 1);
    assert_non_null(strstr(out, "entry 3"));
    free(out);
    free(err);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_alone_reaches_no_tenant_route),
        cmocka_unit_test(test_no_session_gets_401),
        cmocka_unit_test(test_wrong_and_replayed_codes_fail),
        cmocka_unit_test(test_full_sign_in_then_sign_out),
        cmocka_unit_test(test_unknown_and_known_ids_look_the_same),
        cmocka_unit_test(test_lockout_then_admin_unlock),
        cmocka_unit_test(test_twenty_stolen_passwords_get_no_session),
        cmocka_unit_test(test_other_tenants_ids_are_404_not_403),
        cmocka_unit_test(test_cookie_moved_to_another_tenant_is_refused),
        cmocka_unit_test(test_csrf_token_is_required_for_changes),
        cmocka_unit_test(test_reader_role_is_forbidden_user_admin),
        cmocka_unit_test(test_dangerous_change_needs_fresh_code),
        cmocka_unit_test(test_weak_password_refused_for_new_user),
        cmocka_unit_test(test_admin_searches_the_audit_log),
        cmocka_unit_test(test_user_changes_own_password),
        cmocka_unit_test(test_admin_resets_a_forgotten_password),
        cmocka_unit_test(test_audit_chain_verifies_then_catches_an_edit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
