/*
 * test_notify.c — which webhook addresses are refused as private
 * (src/auth/notify.c, notify_addr_private).
 */
#include "auth/notify.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static void
test_private_and_special_addresses_are_refused(void **state)
{
    (void)state;
    static const char *const refused[] = {
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "::",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "::ffff:10.0.0.1",
        "ff02::1",
        "not-an-ip",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        if (!notify_addr_private(refused[i]))
            fail_msg("%s should count as private", refused[i]);
}

static void
test_public_addresses_are_allowed(void **state)
{
    (void)state;
    static const char *const allowed[] = {"8.8.8.8", "172.32.0.1",
                                          "203.0.113.10", "2001:db8::1",
                                          "::ffff:8.8.4.4"};
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        if (notify_addr_private(allowed[i]))
            fail_msg("%s should count as public", allowed[i]);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_private_and_special_addresses_are_refused),
        cmocka_unit_test(test_public_addresses_are_allowed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
