/*
 * test_stuffing.c — platform-wide credential-stuffing signals: one address
 * failing on many accounts is slowed down (only that address), and one
 * account failing from many addresses is reported to the tenant's admins
 * without locking the account beyond its own throttle.
 *
 * Other sources are other loopback addresses (127.0.0.2, …): Linux routes
 * all of 127.0.0.0/8 to the loopback interface.
 */
#include "accounts.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static struct server srv;
static struct account admin, victim;

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    tenant_make(&srv, "0001", "テストガス株式会社");
    account_make(&srv, "0001", "admin", "admin", &admin);
    account_make(&srv, "0001", "victim", "office", &victim);
    const char *extra[] = {"--login-rate", "1000", "--trust-proxy", "true",
                           NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    server_down(&srv);
    return 0;
}

static long
try_login(const char *source, const char *login, const char *password)
{
    struct account a = {.tenant = "0001"};
    snprintf(a.login, sizeof(a.login), "%s", login);
    struct client c;
    struct http h;
    client_init(&c);
    c.source_ip = source;
    account_post_login(&srv, &c, &a, password, &h);
    long status = h.status;
    http_free(&h);
    client_free(&c);
    return status;
}

static void
test_one_address_spraying_many_accounts_is_slowed(void **state)
{
    (void)state;
    for (int i = 0; i < 10; i++) { /* ten different accounts */
        char login[32];
        snprintf(login, sizeof(login), "sprayed%02d", i);
        assert_int_equal(try_login("127.0.0.9", login, "Summer2026!!x"), 401);
    }
    /* now that address gets 2 a minute: a burst is refused with 429 */
    int limited = 0;
    for (int i = 0; i < 5; i++)
        limited += try_login("127.0.0.9", "another", "Summer2026!!x") == 429;
    assert_true(limited >= 3);
    /* while the real user, elsewhere, signs in as usual */
    assert_int_equal(try_login("127.0.0.10", "admin", admin.password), 200);
    char *log = slurp(srv.log);
    assert_non_null(strstr(log, "auth.stuffing_suspected"));
    free(log);
}

static void
test_one_account_from_many_addresses_is_reported(void **state)
{
    (void)state;
    static const char *const sources[] = {
        "127.0.0.21", "127.0.0.22", "127.0.0.23", "127.0.0.24", "127.0.0.25"};
    for (int i = 0; i < 5; i++)
        assert_int_equal(try_login(sources[i], "victim", "not-the-one-123"),
                         401);
    struct client c;
    struct http h;
    account_sign_in(&srv, &c, &admin);
    client_req(&srv, &c, "GET", "/api/v1/notices", NULL, &h);
    assert_int_equal(h.status, 200);
    bool found = false;
    json_t *list = json_object_get(h.json, "notices");
    for (size_t i = 0; i < json_array_size(list); i++)
        found |= !strcmp(
            json_string_value(json_object_get(json_array_get(list, i), "kind")),
            "login_attack");
    assert_true(found);
    http_free(&h);
    client_free(&c);
    /* the victim is not locked by it: after its own one-second backoff
     * (5 failures) the right password works */
    sleep(2);
    assert_int_equal(try_login("127.0.0.30", "victim", victim.password), 200);
}

/* Behind the proxy, the address that counts is the one nginx forwards. */
static void
test_forwarded_address_is_the_one_throttled(void **state)
{
    (void)state;
    struct account a = {.tenant = "0001"};
    struct client c;
    struct http h;
    int limited = 0;
    for (int i = 0; i < 14; i++) {
        snprintf(a.login, sizeof(a.login), "fwd%02d", i);
        client_init(&c);
        c.extra_header = "X-Forwarded-For: 10.9.8.7, 198.51.100.77";
        account_post_login(&srv, &c, &a, "Autumn2026!!x", &h);
        limited += h.status == 429;
        http_free(&h);
        client_free(&c);
    }
    assert_true(limited >= 1); /* 198.51.100.77 sprayed ten accounts */
    /* same socket address, another forwarded client: not slowed */
    client_init(&c);
    c.extra_header = "X-Forwarded-For: 198.51.100.78";
    account_post_login(&srv, &c, &admin, admin.password, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    client_free(&c);
    const char *list[] = {"audit",    "list", "--data",   srv.data,
                          "--tenant", "0001", "--action", "auth.login_failed",
                          "--json",   NULL};
    char *out, *err;
    assert_int_equal(cli_run(list, &out, &err), 0);
    if (!strstr(out, "198.51.100.77"))
        fail_msg("audit: %.1500s", out);
    free(out);
    free(err);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_address_spraying_many_accounts_is_slowed),
        cmocka_unit_test(test_one_account_from_many_addresses_is_reported),
        cmocka_unit_test(test_forwarded_address_is_the_one_throttled),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
