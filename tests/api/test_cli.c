/*
 * test_cli.c — the commands an operator types: tenant create/list/show,
 * seed, --help for every command, and the refusal to open a store written
 * by a newer pilotlight.
 */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static struct server tmp; /* only its temp dir is used */

static int
setup(void **state)
{
    (void)state;
    server_prepare(&tmp);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    rm_rf(tmp.dir);
    return 0;
}

/* Run and expect exit code rc; returns stdout (caller frees). */
static char *
run(int rc, const char *const *args, const char *err_has)
{
    char *out, *err;
    int got = cli_run(args, &out, &err);
    if (got != rc)
        fail_msg("exit %d (want %d)\nstdout: %s\nstderr: %s", got, rc, out,
                 err);
    if (err_has && !strstr(err, err_has))
        fail_msg("stderr lacks '%s': %s", err_has, err);
    free(err);
    return out;
}

static void
test_tenant_create_list_show(void **state)
{
    (void)state;
    const char *c1[] = {
        "tenant",       "create", "--data", tmp.data,
        "--code",       "0001",   "--name", "静岡中央ガス株式会社",
        "--prefecture", "静岡県", NULL};
    free(run(0, c1, NULL));
    const char *c2[] = {"tenant", "create", "--data", tmp.data,
                        "--code", "ab-12",  "--name", "有限会社佐藤燃料店",
                        NULL};
    free(run(0, c2, NULL));
    const char *l[] = {"tenant", "list", "--data", tmp.data, NULL};
    char *out = run(0, l, NULL);
    assert_non_null(strstr(out, "静岡中央ガス株式会社"));
    assert_non_null(strstr(out, "有限会社佐藤燃料店"));
    assert_true(strstr(out, "0001") < strstr(out, "ab-12")); /* code order */
    free(out);
    const char *s[] = {"tenant", "show",  "--data", tmp.data,
                       "--code", "AB-12", "--json", NULL};
    out = run(0, s, NULL);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "code")), "ab-12");
    assert_string_equal(json_string_value(json_object_get(j, "status")),
                        "active");
    json_decref(j);
    free(out);
    char path[600];
    snprintf(path, sizeof(path), "%s/tenants/1.db", tmp.data);
    assert_int_equal(access(path, F_OK), 0);
}

static void
test_tenant_create_refuses_bad_input(void **state)
{
    (void)state;
    const char *dup[] = {"tenant", "create", "--data", tmp.data, "--code",
                         "AB-12",  "--name", "重複",   NULL};
    free(run(1, dup, "already used"));
    const char *code[] = {"tenant", "create", "--data", tmp.data, "--code",
                          "../etc", "--name", "x",      NULL};
    free(run(1, code, "tenant code"));
    const char *sh[] = {"tenant", "create", "--data", tmp.data, "--code",
                        "01",     "--name", "x",      NULL};
    free(run(1, sh, "4 to 12"));
    const char *name[] = {"tenant", "create", "--data",    tmp.data, "--code",
                          "9999",   "--name", " 前に空白", NULL};
    free(run(1, name, "space"));
    const char *pref[] = {"tenant",       "create", "--data", tmp.data,
                          "--code",       "9998",   "--name", "テスト",
                          "--prefecture", "静岡",   NULL};
    free(run(1, pref, "prefecture"));
    const char *miss[] = {"tenant", "create", "--data", tmp.data,
                          "--code", "9997",   NULL};
    free(run(2, miss, "--name is required"));
    const char *show[] = {"tenant", "show", "--data", tmp.data,
                          "--code", "7777", NULL};
    free(run(1, show, "no tenant"));
    const char *l[] = {"tenant", "list", "--data", tmp.data, "--json", NULL};
    char *out = run(0, l, NULL);
    json_t *j = json_loads(out, 0, NULL);
    assert_int_equal(json_array_size(j), 2); /* nothing was added */
    json_decref(j);
    free(out);
}

static void
test_every_command_describes_its_flags(void **state)
{
    (void)state;
    static const char *const cmds[][3] = {
        {"--help", NULL, NULL},     {"serve", "--help", NULL},
        {"seed", "--help", NULL},   {"demo", "--help", NULL},
        {"tenant", "--help", NULL}, {"tenant", "create", "--help"},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        const char *args[5] = {cmds[i][0], cmds[i][1], cmds[i][2], NULL};
        char *out = run(0, args, NULL);
        assert_non_null(strstr(out, "usage: pilotlight"));
        free(out);
    }
    const char *a[] = {"serve", "--help", NULL};
    char *out = run(0, a, NULL);
    static const char *const flags[] = {
        "--data",      "--port",       "--bind",          "--web",
        "--threads",   "--body-max",   "--conn-memory",   "--conn-timeout",
        "--per-ip",    "--conn-max",   "--drain-timeout", "--tenant-cache",
        "--log-level", "--access-log", "PILOTLIGHT_PORT", "default: 8080"};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (!strstr(out, flags[i]))
            fail_msg("serve --help lacks %s", flags[i]);
    free(out);
    const char *u[] = {"frobnicate", NULL};
    free(run(2, u, "unknown command"));
}

static char *
seed_and_list(const char *dir, const char *seed)
{
    const char *s[] = {"seed", "--data", dir,  "--tenants",
                       "40",   "--seed", seed, NULL};
    free(run(0, s, NULL));
    const char *l[] = {"tenant", "list", "--data", dir, NULL};
    return run(0, l, NULL);
}

static void
test_seed_is_deterministic_and_realistic(void **state)
{
    (void)state;
    char a[600], b[600], c[600];
    snprintf(a, sizeof(a), "%s/seed-a", tmp.dir);
    snprintf(b, sizeof(b), "%s/seed-b", tmp.dir);
    snprintf(c, sizeof(c), "%s/seed-c", tmp.dir);
    char *la = seed_and_list(a, "7"), *lb = seed_and_list(b, "7");
    char *lc = seed_and_list(c, "8");
    assert_string_equal(la, lb);
    assert_string_not_equal(la, lc);
    assert_non_null(strstr(la, "0040"));
    assert_true(strstr(la, "県") || strstr(la, "都") || strstr(la, "府") ||
                strstr(la, "北海道"));
    assert_true(strstr(la, "ガス") || strstr(la, "プロパン") ||
                strstr(la, "燃料") || strstr(la, "石油"));
    free(la);
    free(lb);
    free(lc);
    const char *again[] = {"seed", "--data", a, NULL};
    free(run(1, again, "already holds 40 tenant"));
}

static void
test_store_from_newer_binary_is_refused(void **state)
{
    (void)state;
    char dir[600], cmd[1400];
    snprintf(dir, sizeof(dir), "%s/newer", tmp.dir);
    const char *c[] = {"tenant", "create", "--data", dir, "--code",
                       "0001",   "--name", "テスト", NULL};
    free(run(0, c, NULL));
    snprintf(cmd, sizeof(cmd),
             "sqlite3 %s/platform.db \"INSERT INTO schema_migrations VALUES "
             "('tenants', 99, '2030-01-01T00:00:00.000Z')\"",
             dir);
    assert_int_equal(system(cmd), 0);
    const char *l[] = {"tenant", "list", "--data", dir, NULL};
    free(run(1, l, "newer pilotlight"));
    char web[600];
    snprintf(web, sizeof(web), "%s/web", src_path());
    const char *s[] = {"serve", "--data", dir, "--port",
                       "0",     "--web",  web, NULL};
    free(run(1, s, "upgrade pilotlight"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tenant_create_list_show),
        cmocka_unit_test(test_tenant_create_refuses_bad_input),
        cmocka_unit_test(test_every_command_describes_its_flags),
        cmocka_unit_test(test_seed_is_deterministic_and_realistic),
        cmocka_unit_test(test_store_from_newer_binary_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
