/*
 * fuzz_config.c — libFuzzer target for src/core/config.c: the input split on
 * '\0' into up to 16 argv tokens, through opt_parse() on a table with every
 * option type, and opt_wants_help().
 *
 * Checks what config.h promises of an accepted command line: every value
 * within its row's bounds and every string within its array. A refusal must
 * be ERR_CONFIG with a detail.
 */
#include "core/config.h"

#include <stdint.h>
#include <string.h>
#include "core/xalloc.h"

#include <stdlib.h>

#define MAX_ARGS 16

struct fuzz_settings {
    char dir[16];
    long long port;
    size_t body_max;
    bool verbose;
    char code[8];
};

static const struct opt fuzz_opts[] = {
    {"data-dir", OPT_STR, offsetof(struct fuzz_settings, dir), 16, "data", 0, 0,
     0, "DIR", "data directory"},
    {"port", OPT_INT, offsetof(struct fuzz_settings, port), 0, "8080", 1, 65535,
     0, "PORT", "TCP port"},
    {"body-max", OPT_SIZE, offsetof(struct fuzz_settings, body_max), 0, "1M",
     1024, 64LL * 1024 * 1024, 0, "BYTES", "body limit"},
    {"verbose", OPT_BOOL, offsetof(struct fuzz_settings, verbose), 0, "false",
     0, 0, 0, NULL, "log more"},
    {"code", OPT_STR, offsetof(struct fuzz_settings, code), 8, NULL, 0, 0,
     OPT_REQUIRED | OPT_NO_ENV, "CODE", "tenant code"},
    OPT_END,
};

static void
check_settings(const struct fuzz_settings *s)
{
    if (s->port < 1 || s->port > 65535)
        abort();
    if (s->body_max < 1024 || s->body_max > 64u * 1024 * 1024)
        abort();
    /* Required means given; an empty --code= counts as given. */
    if (!memchr(s->dir, '\0', sizeof(s->dir)) ||
        !memchr(s->code, '\0', sizeof(s->code)))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = xmalloc(size + 1);
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    for (size_t i = 0; i <= size && argc < MAX_ARGS;) {
        argv[argc++] = copy + i;
        i += strlen(copy + i) + 1;
    }
    argv[argc] = NULL;
    struct fuzz_settings s;
    memset(&s, 0, sizeof(s));
    err_clear();
    enum err rc = opt_parse(fuzz_opts, &s, argc, argv);
    if (rc == ERR_OK)
        check_settings(&s);
    else if (rc != ERR_CONFIG || !err_detail()[0])
        abort();
    (void)opt_wants_help(argc, argv);
    free(copy);
    return 0;
}
