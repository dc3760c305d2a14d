/*
 * config.c — option tables: defaults, PILOTLIGHT_* variables, flags.
 */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ENV_PREFIX "PILOTLIGHT_"
#define OPT_MAX    64 /* rows in one option table */

static void
env_name(const struct opt *o, char *out, size_t n)
{
    size_t j = strlen(ENV_PREFIX);
    memcpy(out, ENV_PREFIX, j);
    for (const char *p = o->name; *p && j + 1 < n; p++)
        out[j++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    out[j] = '\0';
}

bool
opt_parse_size(const char *s, size_t *out)
{
    if (!*s || !isdigit((unsigned char)*s))
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return false;
    unsigned long long mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1024ULL, end++;
    else if (*end == 'M' || *end == 'm')
        mul = 1024ULL * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mul = 1024ULL * 1024 * 1024, end++;
    if (*end || v > SIZE_MAX / mul)
        return false;
    *out = (size_t)(v * mul);
    return true;
}

static bool
parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, yes[i]) == 0)
            return *out = true, true;
        if (strcmp(s, no[i]) == 0)
            return *out = false, true;
    }
    return false;
}

static bool
parse_int(const char *s, long long *out)
{
    if (!*s || !(isdigit((unsigned char)*s) || (*s == '-' && s[1])))
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* Store text value v into the field of option o; who names the source. */
static enum err
set_value(const struct opt *o, void *settings, const char *v, const char *who)
{
    char *field = (char *)settings + o->off;
    long long iv;
    size_t sv;
    switch (o->type) {
    case OPT_STR:
        if (strlen(v) >= o->len)
            return err_fail(ERR_CONFIG, "%s: value is longer than %zu bytes",
                            who, o->len - 1);
        memcpy(field, v, strlen(v) + 1);
        return ERR_OK;
    case OPT_BOOL:
        if (!parse_bool(v, (bool *)field))
            return err_fail(ERR_CONFIG, "%s: '%s' is not true/false", who, v);
        return ERR_OK;
    case OPT_INT:
        if (!parse_int(v, &iv))
            return err_fail(ERR_CONFIG, "%s: '%s' is not a whole number", who,
                            v);
        if (iv < o->min || iv > o->max)
            return err_fail(ERR_CONFIG, "%s: %lld is outside %lld..%lld", who,
                            iv, o->min, o->max);
        *(long long *)field = iv;
        return ERR_OK;
    case OPT_SIZE:
        if (!opt_parse_size(v, &sv))
            return err_fail(ERR_CONFIG,
                            "%s: '%s' is not a size (e.g. 4096, 64K, 1M)", who,
                            v);
        if ((long long)sv < o->min || (long long)sv > o->max)
            return err_fail(ERR_CONFIG, "%s: %zu is outside %lld..%lld bytes",
                            who, sv, o->min, o->max);
        *(size_t *)field = sv;
        return ERR_OK;
    }
    return ERR_INTERNAL;
}

static const struct opt *
find_opt(const struct opt *opts, const char *name, size_t n)
{
    for (const struct opt *o = opts; o->name; o++)
        if (strlen(o->name) == n && strncmp(o->name, name, n) == 0)
            return o;
    return NULL;
}

static enum err
apply_defaults_and_env(const struct opt *opts, void *settings, bool *seen)
{
    for (const struct opt *o = opts; o->name; o++) {
        enum err rc = ERR_OK;
        if (o->def)
            rc = set_value(o, settings, o->def, o->name);
        else if (o->type == OPT_STR)
            ((char *)settings + o->off)[0] = '\0';
        if (rc)
            return rc;
        if (o->flags & OPT_NO_ENV)
            continue;
        char env[96];
        env_name(o, env, sizeof(env));
        const char *v = getenv(env);
        if (v && (rc = set_value(o, settings, v, env)))
            return rc;
        if (v)
            seen[o - opts] = true;
    }
    return ERR_OK;
}

/* Apply argv[*i] (and maybe argv[*i+1]); seen[] marks given options. */
static enum err
apply_flag(const struct opt *opts, void *settings, int argc, char **argv,
           int *i, bool *seen)
{
    const char *a = argv[*i];
    if (strncmp(a, "--", 2) != 0 || !a[2])
        return err_fail(ERR_CONFIG, "unexpected argument '%s' (see --help)", a);
    const char *name = a + 2;
    const char *eq = strchr(name, '=');
    size_t n = eq ? (size_t)(eq - name) : strlen(name);
    const struct opt *o = find_opt(opts, name, n);
    if (!o)
        return err_fail(ERR_CONFIG, "unknown option '--%.*s' (see --help)",
                        (int)n, name);
    seen[o - opts] = true;
    char who[80];
    snprintf(who, sizeof(who), "--%s", o->name);
    if (eq)
        return set_value(o, settings, eq + 1, who);
    bool b;
    if (o->type == OPT_BOOL) /* `--json`, or `--access-log false` */
        return set_value(
            o, settings,
            *i + 1 < argc && parse_bool(argv[*i + 1], &b) ? argv[++*i] : "true",
            who);
    if (*i + 1 >= argc)
        return err_fail(ERR_CONFIG, "%s needs a value", who);
    return set_value(o, settings, argv[++*i], who);
}

enum err
opt_parse(const struct opt *opts, void *settings, int argc, char **argv)
{
    size_t count = 0;
    while (opts[count].name)
        count++;
    bool seen[OPT_MAX] = {0};
    if (count > OPT_MAX)
        return err_fail(ERR_INTERNAL, "option table longer than %d", OPT_MAX);
    enum err rc = apply_defaults_and_env(opts, settings, seen);
    if (rc)
        return rc;
    for (int i = 0; i < argc; i++)
        if ((rc = apply_flag(opts, settings, argc, argv, &i, seen)))
            return rc;
    for (size_t k = 0; k < count; k++) {
        const struct opt *o = &opts[k];
        if (!(o->flags & OPT_REQUIRED))
            continue;
        if (seen[k] && (o->type != OPT_STR || ((char *)settings + o->off)[0]))
            continue; /* given, and a required string is not empty */
        return err_fail(ERR_CONFIG, "--%s is required (see --help)", o->name);
    }
    return ERR_OK;
}

bool
opt_wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

void
opt_print_help(FILE *f, const struct opt *opts)
{
    for (const struct opt *o = opts; o->name; o++) {
        char flag[64];
        snprintf(flag, sizeof(flag), "--%s%s%s", o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
        fprintf(f, "  %-26s %s\n", flag, o->help);
        char env[96];
        env_name(o, env, sizeof(env));
        fprintf(f, "  %-26s ", "");
        if (o->flags & OPT_REQUIRED)
            fprintf(f, "required");
        else
            fprintf(f, "default: %s", o->def && *o->def ? o->def : "(none)");
        if (o->type == OPT_INT || o->type == OPT_SIZE)
            fprintf(f, "; range %lld..%lld", o->min, o->max);
        if (!(o->flags & OPT_NO_ENV))
            fprintf(f, "; env %s", env);
        fputc('\n', f);
    }
    fprintf(f, "  %-26s %s\n", "--help", "show this help");
}
