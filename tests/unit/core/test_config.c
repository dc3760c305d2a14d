/*
 * test_config.c — tests src/core/config.c: option tables (opt_parse).
 *
 * A small settings struct and option table stand in for a subcommand's. The
 * cases follow config.h: default < PILOTLIGHT_<NAME> < flag, both flag
 * forms, bare bools, every refusal (range, type, unknown flag, missing value,
 * required, too long, positional) naming the flag or variable at fault, and
 * the size parser's suffixes and overflow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct settings {
    char dir[16];
    long long port;
    size_t body_max;
    bool verbose;
    char secret[8];
};

static const struct opt opts[] = {
    {"data-dir", OPT_STR, offsetof(struct settings, dir), 16, "data", 0, 0, 0,
     "DIR", "data directory"},
    {"port", OPT_INT, offsetof(struct settings, port), 0, "8080", 1, 65535, 0,
     "PORT", "TCP port"},
    {"body-max", OPT_SIZE, offsetof(struct settings, body_max), 0, "1M", 1024,
     64LL * 1024 * 1024, 0, "BYTES", "request body limit"},
    {"verbose", OPT_BOOL, offsetof(struct settings, verbose), 0, "false", 0, 0,
     0, NULL, "log more"},
    {"secret", OPT_STR, offsetof(struct settings, secret), 8, "", 0, 0,
     OPT_NO_ENV, "S", "flag only"},
    OPT_END,
};

struct req_settings {
    char tenant[16];
    long long level;
};

static const struct opt req_opts[] = {
    {"tenant", OPT_STR, offsetof(struct req_settings, tenant), 16, NULL, 0, 0,
     OPT_REQUIRED, "CODE", "tenant code"},
    {"level", OPT_INT, offsetof(struct req_settings, level), 0, "1", 0, 9, 0,
     "N", "level"},
    OPT_END,
};

static const char *const env_vars[] = {
    "PILOTLIGHT_DATA_DIR", "PILOTLIGHT_PORT",   "PILOTLIGHT_BODY_MAX",
    "PILOTLIGHT_VERBOSE",  "PILOTLIGHT_SECRET", "PILOTLIGHT_TENANT",
    "PILOTLIGHT_LEVEL",
};

static int
clear_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
        unsetenv(env_vars[i]);
    err_clear();
    return 0;
}

/* Parse argv (NULL-ended) into *s with the main table. */
static enum err
parse(struct settings *s, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    memset(s, 0x5A, sizeof(*s)); /* defaults must overwrite garbage */
    return opt_parse(opts, s, argc, argv);
}

static void
assert_detail_has(const char *needle)
{
    if (!strstr(err_detail(), needle))
        fail_msg("detail '%s' does not mention '%s'", err_detail(), needle);
}

static void
test_defaults_are_applied(void **state)
{
    (void)state;
    struct settings s;
    char *argv[] = {NULL};
    assert_int_equal(parse(&s, argv), ERR_OK);
    assert_string_equal(s.dir, "data");
    assert_int_equal(s.port, 8080);
    assert_int_equal(s.body_max, 1024 * 1024);
    assert_false(s.verbose);
    assert_string_equal(s.secret, "");
}

static void
test_env_var_overrides_default(void **state)
{
    (void)state;
    struct settings s;
    char *argv[] = {NULL};
    setenv("PILOTLIGHT_DATA_DIR", "/srv/pl", 1);
    setenv("PILOTLIGHT_PORT", "9090", 1);
    setenv("PILOTLIGHT_BODY_MAX", "64K", 1);
    assert_int_equal(parse(&s, argv), ERR_OK);
    assert_string_equal(s.dir, "/srv/pl");
    assert_int_equal(s.port, 9090);
    assert_int_equal(s.body_max, 64 * 1024);
}

static void
test_flag_overrides_env_var(void **state)
{
    (void)state;
    struct settings s;
    char *argv[] = {"--port", "7070", "--data-dir", "/x", NULL};
    setenv("PILOTLIGHT_PORT", "9090", 1);
    setenv("PILOTLIGHT_DATA_DIR", "/srv/pl", 1);
    assert_int_equal(parse(&s, argv), ERR_OK);
    assert_int_equal(s.port, 7070);
    assert_string_equal(s.dir, "/x");
}

static void
test_equals_form_sets_value(void **state)
{
    (void)state;
    struct settings s;
    char *argv[] = {"--port=81", "--body-max=2M", "--data-dir=a=b", NULL};
    assert_int_equal(parse(&s, argv), ERR_OK);
    assert_int_equal(s.port, 81);
    assert_int_equal(s.body_max, 2 * 1024 * 1024);
    assert_string_equal(s.dir, "a=b"); /* only the first '=' splits */
}

static void
test_bare_bool_flag_means_true(void **state)
{
    (void)state;
    struct settings s;
    char *argv[] = {"--verbose", NULL};
    assert_int_equal(parse(&s, argv), ERR_OK);
    assert_true(s.verbose);
    char *argv2[] = {"--verbose=false", NULL};
    setenv("PILOTLIGHT_VERBOSE", "1", 1);
    assert_int_equal(parse(&s, argv2), ERR_OK);
    assert_false(s.verbose);
}

static void
test_bool_flag_takes_a_following_bool_word(void **state)
{
    (void)state;
    struct settings s;
    char *argv[] = {"--verbose", "false", "--port", "81", NULL};
    assert_int_equal(parse(&s, argv), ERR_OK);
    assert_false(s.verbose);
    assert_int_equal(s.port, 81);
    /* a word that is not a bool is not swallowed */
    char *argv2[] = {"--verbose", "--port", "82", NULL};
    assert_int_equal(parse(&s, argv2), ERR_OK);
    assert_true(s.verbose);
    assert_int_equal(s.port, 82);
    char *argv3[] = {"--verbose", "maybe", NULL};
    assert_int_equal(parse(&s, argv3), ERR_CONFIG);
    assert_detail_has("maybe");
}

static void
test_bool_env_values_are_understood(void **state)
{
    (void)state;
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    struct settings s;
    char *argv[] = {NULL};
    for (int i = 0; i < 4; i++) {
        setenv("PILOTLIGHT_VERBOSE", yes[i], 1);
        assert_int_equal(parse(&s, argv), ERR_OK);
        assert_true(s.verbose);
        setenv("PILOTLIGHT_VERBOSE", no[i], 1);
        assert_int_equal(parse(&s, argv), ERR_OK);
        assert_false(s.verbose);
    }
    setenv("PILOTLIGHT_VERBOSE", "maybe", 1);
    assert_int_equal(parse(&s, argv), ERR_CONFIG);
    assert_detail_has("PILOTLIGHT_VERBOSE");
}

static void
test_int_out_of_range_names_the_flag(void **state)
{
    (void)state;
    struct settings s;
    char *low[] = {"--port", "0", NULL};
    assert_int_equal(parse(&s, low), ERR_CONFIG);
    assert_detail_has("--port");
    assert_detail_has("1..65535");
    char *high[] = {"--port=65536", NULL};
    assert_int_equal(parse(&s, high), ERR_CONFIG);
    assert_detail_has("--port");
    char *edges[] = {"--port", "65535", NULL};
    assert_int_equal(parse(&s, edges), ERR_OK);
    assert_int_equal(s.port, 65535);
}

static void
test_int_out_of_range_in_env_names_the_variable(void **state)
{
    (void)state;
    struct settings s;
    char *argv[] = {NULL};
    setenv("PILOTLIGHT_PORT", "70000", 1);
    assert_int_equal(parse(&s, argv), ERR_CONFIG);
    assert_detail_has("PILOTLIGHT_PORT");
}

static void
test_int_that_is_not_a_number_is_refused(void **state)
{
    (void)state;
    struct settings s;
    const char *bad[] = {"80x", "",    "8.0", "0x50", "99999999999999999999",
                         " 80", "+80", "-"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *argv[] = {"--port", (char *)bad[i], NULL};
        assert_int_equal(parse(&s, argv), ERR_CONFIG);
        assert_detail_has("--port");
    }
}

static void
test_unknown_flag_is_refused(void **state)
{
    (void)state;
    struct settings s;
    char *argv[] = {"--nope=1", NULL};
    assert_int_equal(parse(&s, argv), ERR_CONFIG);
    assert_detail_has("--nope");
    /* A prefix of a real flag is not that flag. */
    char *prefix[] = {"--por", "80", NULL};
    assert_int_equal(parse(&s, prefix), ERR_CONFIG);
    assert_detail_has("--por'");
}

static void
test_flag_without_its_value_is_refused(void **state)
{
    (void)state;
    struct settings s;
    char *argv[] = {"--port", NULL};
    assert_int_equal(parse(&s, argv), ERR_CONFIG);
    assert_detail_has("--port needs a value");
}

static void
test_required_option_missing_is_refused(void **state)
{
    (void)state;
    struct req_settings s;
    char *none[] = {NULL};
    assert_int_equal(opt_parse(req_opts, &s, 0, none), ERR_CONFIG);
    assert_detail_has("--tenant is required");
    char *given[] = {"--tenant", "0001", NULL};
    assert_int_equal(opt_parse(req_opts, &s, 2, given), ERR_OK);
    assert_string_equal(s.tenant, "0001");
    assert_int_equal(s.level, 1);
}

static void
test_required_string_given_in_env_is_accepted(void **state)
{
    (void)state;
    struct req_settings s;
    char *none[] = {NULL};
    setenv("PILOTLIGHT_TENANT", "ABCD", 1);
    assert_int_equal(opt_parse(req_opts, &s, 0, none), ERR_OK);
    assert_string_equal(s.tenant, "ABCD");
}

static void
test_no_env_option_ignores_environment(void **state)
{
    (void)state;
    struct settings s;
    char *argv[] = {NULL};
    setenv("PILOTLIGHT_SECRET", "leaked", 1);
    assert_int_equal(parse(&s, argv), ERR_OK);
    assert_string_equal(s.secret, "");
}

static void
test_string_too_long_is_refused(void **state)
{
    (void)state;
    struct settings s;
    char *fits[] = {"--data-dir", "123456789012345", NULL}; /* 15 bytes */
    assert_int_equal(parse(&s, fits), ERR_OK);
    assert_string_equal(s.dir, "123456789012345");
    char *over[] = {"--data-dir", "1234567890123456", NULL}; /* 16 bytes */
    assert_int_equal(parse(&s, over), ERR_CONFIG);
    assert_detail_has("--data-dir");
    assert_detail_has("15 bytes");
}

static void
test_positional_argument_is_refused(void **state)
{
    (void)state;
    struct settings s;
    const char *bad[] = {"serve", "-p", "--", "-"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *argv[] = {(char *)bad[i], NULL};
        assert_int_equal(parse(&s, argv), ERR_CONFIG);
        assert_detail_has("unexpected argument");
    }
}

static void
test_size_option_outside_bounds_is_refused(void **state)
{
    (void)state;
    struct settings s;
    char *big[] = {"--body-max", "65M", NULL};
    assert_int_equal(parse(&s, big), ERR_CONFIG);
    assert_detail_has("--body-max");
    char *small[] = {"--body-max", "1023", NULL};
    assert_int_equal(parse(&s, small), ERR_CONFIG);
    char *bad[] = {"--body-max", "1MB", NULL};
    assert_int_equal(parse(&s, bad), ERR_CONFIG);
    assert_detail_has("not a size");
    char *top[] = {"--body-max", "64M", NULL};
    assert_int_equal(parse(&s, top), ERR_OK);
    assert_int_equal(s.body_max, 64 * 1024 * 1024);
}

static void
test_parse_size_understands_suffixes(void **state)
{
    (void)state;
    size_t v = 0;
    assert_true(opt_parse_size("4096", &v));
    assert_int_equal(v, 4096);
    assert_true(opt_parse_size("64K", &v));
    assert_int_equal(v, 65536);
    assert_true(opt_parse_size("64k", &v));
    assert_int_equal(v, 65536);
    assert_true(opt_parse_size("3M", &v));
    assert_int_equal(v, 3 * 1024 * 1024);
    assert_true(opt_parse_size("2G", &v));
    assert_int_equal(v, 2ULL * 1024 * 1024 * 1024);
    assert_true(opt_parse_size("0", &v));
    assert_int_equal(v, 0);
}

static void
test_parse_size_refuses_malformed_and_overflow(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "K",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1T",
        "1KB",
        "1.5M",
        "0x10",
        "1kk",
        "M1",
        "18446744073709551616", /* 2^64: past strtoull */
        "17179869184G",         /* 2^34 G = 2^64 bytes */
        "18014398509481984M",   /* 2^54 M = 2^74 bytes */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t v = 12345;
        if (opt_parse_size(bad[i], &v))
            fail_msg("'%s' was accepted as %zu", bad[i], v);
        assert_int_equal(v, 12345); /* untouched on failure */
    }
    size_t v = 0;
    assert_true(opt_parse_size("17179869183G", &v)); /* largest whole G */
    assert_int_equal(v, SIZE_MAX - (1024ULL * 1024 * 1024 - 1));
}

static void
test_wants_help_finds_help_flags(void **state)
{
    (void)state;
    char *h[] = {"--port", "80", "-h"};
    char *help[] = {"--help"};
    char *none[] = {"--port", "80", "--helpme"};
    assert_true(opt_wants_help(3, h));
    assert_true(opt_wants_help(1, help));
    assert_false(opt_wants_help(3, none));
    assert_false(opt_wants_help(0, none));
}

#define T(f) cmocka_unit_test_setup_teardown(f, clear_env, clear_env)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_defaults_are_applied),
        T(test_env_var_overrides_default),
        T(test_flag_overrides_env_var),
        T(test_equals_form_sets_value),
        T(test_bare_bool_flag_means_true),
        T(test_bool_flag_takes_a_following_bool_word),
        T(test_bool_env_values_are_understood),
        T(test_int_out_of_range_names_the_flag),
        T(test_int_out_of_range_in_env_names_the_variable),
        T(test_int_that_is_not_a_number_is_refused),
        T(test_unknown_flag_is_refused),
        T(test_flag_without_its_value_is_refused),
        T(test_required_option_missing_is_refused),
        T(test_required_string_given_in_env_is_accepted),
        T(test_no_env_option_ignores_environment),
        T(test_string_too_long_is_refused),
        T(test_positional_argument_is_refused),
        T(test_size_option_outside_bounds_is_refused),
        T(test_parse_size_understands_suffixes),
        T(test_parse_size_refuses_malformed_and_overflow),
        T(test_wants_help_finds_help_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
