/*
 * config.h — one table of options per subcommand (Redis's config table).
 *
 * Each option is a row: its flag name, type, where it lands in the
 * subcommand's settings struct, its default, its bounds and its help text.
 * Values come from, in increasing priority: the default, the environment
 * variable PILOTLIGHT_<NAME> (name upper-cased, '-' as '_'), the flag
 * `--name value` or `--name=value`. Every value is validated against the row
 * (type, range, length); a bad one is refused with the flag or variable at
 * fault, never clamped silently. The same table prints `--help`.
 */
#ifndef PL_CORE_CONFIG_H
#define PL_CORE_CONFIG_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum opt_type {
    OPT_STR,  /* char[len]; at most len-1 bytes */
    OPT_INT,  /* long long, within [min, max] */
    OPT_SIZE, /* size_t bytes; accepts K, M, G suffixes (1024-based) */
    OPT_BOOL, /* bool; a bare flag means true */
};

enum opt_flags {
    OPT_NO_ENV = 1 << 0,   /* flag only: no environment variable */
    OPT_REQUIRED = 1 << 1, /* must be given (no default) */
};

struct opt {
    const char *name;
    enum opt_type type;
    size_t off; /* offsetof(settings struct, field) */
    size_t len; /* OPT_STR: size of the char array */
    const char *def;
    long long min, max;
    unsigned flags;
    const char *arg;  /* placeholder in help, e.g. "DIR" */
    const char *help; /* one line */
};

/* The end of an option table. */
#define OPT_END                                                                \
    {                                                                          \
        NULL, OPT_STR, 0, 0, NULL, 0, 0, 0, NULL, NULL                         \
    }

/*
 * Fill *settings from defaults, environment and argv[0..argc) (argv holds
 * only options; the subcommand name is not in it). Returns ERR_OK, or
 * ERR_CONFIG with err_detail() naming the flag or variable and the problem.
 */
enum err opt_parse(const struct opt *opts, void *settings, int argc,
                   char **argv);
/* True when argv contains -h or --help. */
bool opt_wants_help(int argc, char **argv);
/* Print the table as help text: flag, variable, default, bounds. */
void opt_print_help(FILE *f, const struct opt *opts);
/* Parse a size like "1M", "512K", "4096"; false when malformed/overflow. */
bool opt_parse_size(const char *s, size_t *out);

#endif
