/*
 * test_remote_api.c — tests remote_configure() in
 * src/metering/remote_api.c: which token files `serve
 * --internal-token-file` accepts. A file others may read or write, a
 * directory, a missing file, a token that is too short or too long, has
 * spaces or a NUL: refused with ERR_CONFIG and a reason. A good token
 * (with or without a trailing line break) and no file at all (the
 * endpoint off) are accepted. The route itself is tested over HTTP in
 * tests/api/test_metering_io.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metering/remote_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GOOD "k3mpx7qwta9Vb2cDe5FgH8jKm4NpQr6StUvWx1YzA0B"

static char dir[64], path[128];

static int
setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/pl-token-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/token", dir);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

/* Write n bytes of text to the token file with mode. */
static void
token_file(const char *text, size_t n, mode_t mode)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void
refused(const char *text, size_t n, mode_t mode, const char *why)
{
    token_file(text, n, mode);
    assert_int_equal(remote_configure(path), ERR_CONFIG);
    if (!strstr(err_detail(), why))
        fail_msg("%s: detail \"%s\" lacks \"%s\"", text, err_detail(), why);
}

static void
test_good_token_files_are_taken(void **state)
{
    (void)state;
    token_file(GOOD "\n", strlen(GOOD) + 1, 0600);
    assert_int_equal(remote_configure(path), ERR_OK);
    token_file(GOOD, strlen(GOOD), 0640); /* the group may read it */
    assert_int_equal(remote_configure(path), ERR_OK);
    token_file(GOOD "\r\n", strlen(GOOD) + 2, 0400);
    assert_int_equal(remote_configure(path), ERR_OK);
    assert_int_equal(remote_configure(""), ERR_OK); /* off */
    assert_int_equal(remote_configure(NULL), ERR_OK);
}

static void
test_bad_token_files_are_refused(void **state)
{
    char big[REMOTE_TOKEN_MAX + 2];
    (void)state;
    refused(GOOD, strlen(GOOD), 0644, "others");
    refused(GOOD, strlen(GOOD), 0602, "others");
    refused("short-token", 11, 0600, "characters");
    memset(big, 'a', sizeof(big));
    refused(big, sizeof(big), 0600, "characters");
    refused("k3mpx7qwta9Vb2cDe5FgH 8jKm4NpQr6StUvWx1YzA0B", 44, 0600, "spaces");
    refused(GOOD "\0" GOOD, 2 * strlen(GOOD) + 1, 0600, "NUL");
    unlink(path);
    assert_int_equal(remote_configure(path), ERR_CONFIG); /* missing */
    assert_int_equal(remote_configure(dir), ERR_CONFIG);  /* a directory */
    assert_non_null(strstr(err_detail(), "regular"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_token_files_are_taken),
        cmocka_unit_test(test_bad_token_files_are_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
