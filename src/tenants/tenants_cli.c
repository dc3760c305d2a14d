/*
 * tenants_cli.c — `pilotlight tenant create|list|show`.
 */
#include "cli.h"
#include "store/pool.h"
#include "tenants/tenants.h"
#include "tenants/tenants_cli.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tenant_opts {
    char data[4096];
    char code[64];
    char name[512];
    char prefecture[32];
    bool json;
};

#define O(f)  offsetof(struct tenant_opts, f)
#define SZ(f) sizeof(((struct tenant_opts *)0)->f)
#define OPT_DATA                                                               \
    {                                                                          \
        "data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",          \
            "data directory"                                                   \
    }
#define OPT_JSON                                                               \
    {                                                                          \
        "json", OPT_BOOL, O(json), 0, "false", 0, 0, OPT_NO_ENV, NULL,         \
            "print JSON instead of text"                                       \
    }

static const struct opt create_opts[] = {
    OPT_DATA,
    {"code", OPT_STR, O(code), SZ(code), NULL, 0, 0, OPT_REQUIRED | OPT_NO_ENV,
     "CODE", "the retailer's login code: 4-12 letters, digits, inner hyphens"},
    {"name", OPT_STR, O(name), SZ(name), NULL, 0, 0, OPT_REQUIRED | OPT_NO_ENV,
     "NAME", "the retailer's name, 1-100 characters"},
    {"prefecture", OPT_STR, O(prefecture), SZ(prefecture), "", 0, 0, OPT_NO_ENV,
     "PREF", "head office prefecture, in full (静岡県)"},
    OPT_JSON,
    OPT_END,
};

static const struct opt list_opts[] = {OPT_DATA, OPT_JSON, OPT_END};

static const struct opt show_opts[] = {
    OPT_DATA,
    {"code", OPT_STR, O(code), SZ(code), NULL, 0, 0, OPT_REQUIRED | OPT_NO_ENV,
     "CODE", "the tenant's code"},
    OPT_JSON,
    OPT_END,
};

static json_t *
tenant_json(const struct tenant *t)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)t->id,
                     "code", t->code, "name", t->name, "prefecture",
                     t->prefecture, "status", t->status, "created_at",
                     t->created_at);
}

static void
print_tenant(const struct tenant *t, bool json)
{
    if (json) {
        json_t *j = tenant_json(t);
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(j);
        return;
    }
    printf("code:       %s\nname:       %s\nprefecture: %s\nstatus:     %s\n"
           "created:    %s\nid:         %lld\n",
           t->code, t->name, t->prefecture[0] ? t->prefecture : "-", t->status,
           t->created_at, (long long)t->id);
}

static int
cmd_create(int argc, char **argv)
{
    struct tenant_opts o;
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight tenant create --code CODE --name NAME [options]",
                 "Register a retailer (事業者) and create its store.",
                 create_opts);
        return 0;
    }
    enum err rc = opt_parse(create_opts, &o, argc, argv);
    struct store *platform;
    struct tenant t;
    if (!rc)
        rc = cli_open_platform(o.data, &platform);
    if (!rc)
        rc = tenant_create(platform, o.data, cli_actor(), o.code, o.name,
                           o.prefecture, &t);
    if (rc)
        return cli_fail("tenant create", rc);
    print_tenant(&t, o.json);
    return 0;
}

struct list_ctx {
    bool json;
    json_t *arr;
};

static bool
list_one(const struct tenant *t, void *arg)
{
    struct list_ctx *c = arg;
    if (c->json)
        json_array_append_new(c->arr, tenant_json(t));
    else
        printf("%-12s  %-9s  %-8s  %s\n", t->code, t->status,
               t->prefecture[0] ? t->prefecture : "-", t->name);
    return true;
}

static int
cmd_list(int argc, char **argv)
{
    struct tenant_opts o;
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight tenant list [options]",
                 "List every tenant in code order.", list_opts);
        return 0;
    }
    enum err rc = opt_parse(list_opts, &o, argc, argv);
    struct store *platform;
    if (!rc)
        rc = cli_open_platform(o.data, &platform);
    struct list_ctx c = {o.json, json_array()};
    if (!rc && !o.json)
        printf("%-12s  %-9s  %-8s  %s\n", "CODE", "STATUS", "PREF", "NAME");
    if (!rc)
        rc = tenant_each(platform, list_one, &c);
    if (!rc && o.json) {
        json_dumpf(c.arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
    }
    json_decref(c.arr);
    return rc ? cli_fail("tenant list", rc) : 0;
}

static int
cmd_show(int argc, char **argv)
{
    struct tenant_opts o;
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight tenant show --code CODE [options]",
                 "Show one tenant.", show_opts);
        return 0;
    }
    enum err rc = opt_parse(show_opts, &o, argc, argv);
    struct store *platform;
    struct tenant t;
    if (!rc)
        rc = cli_open_platform(o.data, &platform);
    if (!rc)
        rc = tenant_find_code(platform, o.code, &t);
    if (rc)
        return cli_fail("tenant show", rc);
    print_tenant(&t, o.json);
    return 0;
}

static void
tenant_usage(FILE *f)
{
    fprintf(f, "usage: pilotlight tenant <create|list|show> [options]\n\n"
               "  create   register a retailer and create its store\n"
               "  list     list tenants\n"
               "  show     show one tenant\n\n"
               "`pilotlight tenant <cmd> --help` lists each command's "
               "options.\n");
}

int
tenant_main(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 ||
        strcmp(argv[0], "-h") == 0) {
        tenant_usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    if (strcmp(argv[0], "create") == 0)
        return cmd_create(argc - 1, argv + 1);
    if (strcmp(argv[0], "list") == 0)
        return cmd_list(argc - 1, argv + 1);
    if (strcmp(argv[0], "show") == 0)
        return cmd_show(argc - 1, argv + 1);
    fprintf(stderr, "pilotlight tenant: unknown command '%s'\n\n", argv[0]);
    tenant_usage(stderr);
    return 2;
}
