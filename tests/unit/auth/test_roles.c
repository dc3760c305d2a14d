/*
 * test_roles.c — tests src/auth/roles.c: which role holds which
 * permission.
 *
 * Every permission a route may name is known; admin holds them all. The
 * monitoring devices (集中監視): admin and office register and retire
 * them (devices.write) and see them (devices.read); read-only users see
 * them; a meter reader, delivery, safety and accounting staff do neither.
 * Unknown roles and permissions hold nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/roles.h"

#include <string.h>

static void
test_admin_holds_every_known_permission(void **state)
{
    (void)state;
    for (const char *const *p = perm_names; *p; p++) {
        assert_true(perm_known(*p));
        assert_true(role_allows("admin", *p));
    }
    assert_false(perm_known("devices.delete"));
    assert_false(role_allows("nobody", "devices.read"));
}

static void
test_device_permissions_by_role(void **state)
{
    (void)state;
    static const struct {
        const char *role;
        bool read, write;
    } want[] = {
        {"admin", true, true},        {"office", true, true},
        {"readonly", true, false},    {"reader", false, false},
        {"delivery", false, false},   {"safety", true, false},
        {"accountant", false, false},
    };
    assert_true(perm_known("devices.read"));
    assert_true(perm_known("devices.write"));
    /* remote shutoff/restore (遠隔遮断・復帰): admin and safety only */
    assert_true(perm_known("devices.operate"));
    assert_true(role_allows("admin", "devices.operate"));
    assert_true(role_allows("safety", "devices.operate"));
    assert_false(role_allows("office", "devices.operate"));
    assert_false(role_allows("readonly", "devices.operate"));
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_true(role_valid(want[i].role));
        if (role_allows(want[i].role, "devices.read") != want[i].read ||
            role_allows(want[i].role, "devices.write") != want[i].write)
            fail_msg("role %s: devices.read %d, devices.write %d", want[i].role,
                     want[i].read, want[i].write);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admin_holds_every_known_permission),
        cmocka_unit_test(test_device_permissions_by_role),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
