/*
 * devices_cli.c — `pilotlight device register|list|retire|rekey`: the
 * device registry from the command line (the same functions as serve's
 * API, devices.h; audited in the tenant's log as cli:<login name>).
 */
#include "audit/audit.h"
#include "cli.h"
#include "monitor/devices.h"
#include "monitor/devices_cli.h"
#include "store/pool.h"
#include "tenants/tenants.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct device_opts {
    char data[4096];
    char tenant[64];
    char id[128];
    char kind[32];
    long long meter;
    long long appliance;
    char note[512];
    char status[16];
    bool json;
};

#define O(f)  offsetof(struct device_opts, f)
#define SZ(f) sizeof(((struct device_opts *)0)->f)
#define OPT_DATA                                                               \
    {                                                                          \
        "data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",          \
            "data directory"                                                   \
    }
#define OPT_TENANT                                                             \
    {                                                                          \
        "tenant", OPT_STR, O(tenant), SZ(tenant), NULL, 0, 0,                  \
            OPT_REQUIRED | OPT_NO_ENV, "CODE", "the tenant's code"             \
    }
#define OPT_ID                                                                 \
    {                                                                          \
        "id", OPT_STR, O(id), SZ(id), NULL, 0, 0, OPT_REQUIRED | OPT_NO_ENV,   \
            "DEVICE", "the device id (NCU-0001A2B3)"                           \
    }
#define OPT_JSON                                                               \
    {                                                                          \
        "json", OPT_BOOL, O(json), 0, "false", 0, 0, OPT_NO_ENV, NULL,         \
            "print JSON instead of text"                                       \
    }

static const struct opt register_opts[] = {
    OPT_DATA,
    OPT_TENANT,
    OPT_ID,
    {"kind", OPT_STR, O(kind), SZ(kind), NULL, 0, 0, OPT_REQUIRED | OPT_NO_ENV,
     "KIND", "smart_meter, water_heater or gateway"},
    {"meter", OPT_INT, O(meter), 0, "0", 0, (long long)1 << 62, OPT_NO_ENV,
     "ID", "the ledger's meter carrying the id (default: found by id)"},
    {"appliance", OPT_INT, O(appliance), 0, "0", 0, (long long)1 << 62,
     OPT_NO_ENV, "ID", "the ledger's water heater carrying the id"},
    {"note", OPT_STR, O(note), SZ(note), "", 0, 0, OPT_NO_ENV, "TEXT",
     "a note (where it is installed), up to 100 characters"},
    OPT_JSON,
    OPT_END,
};

static const struct opt list_opts[] = {
    OPT_DATA,
    OPT_TENANT,
    {"status", OPT_STR, O(status), SZ(status), "", 0, 0, OPT_NO_ENV, "STATUS",
     "active or retired (default: both)"},
    OPT_JSON,
    OPT_END,
};

static const struct opt one_opts[] = {OPT_DATA, OPT_TENANT, OPT_ID, OPT_JSON,
                                      OPT_END};

struct target {
    struct store *platform, *tenant;
    struct tenant t;
};

static enum err
open_target(const struct device_opts *o, struct target *x)
{
    enum err rc = cli_open_platform(o->data, &x->platform);
    if (!rc)
        rc = tenant_find_code(x->platform, o->tenant, &x->t);
    if (!rc)
        rc = pool_tenant(x->t.id, &x->tenant);
    return rc;
}

static enum err
cli_audit(void *arg, struct store *tenant, const char *action,
          const char *target, json_t *detail)
{
    (void)arg;
    char *text = json_dumps(detail, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(detail);
    enum err rc = audit_record(tenant, cli_actor(), action, target, text);
    free(text);
    return rc;
}

static void
print_device(const struct device *d, const char *key, const char *warning,
             bool json)
{
    if (json) {
        json_t *j = json_pack("{s:o}", "device", device_json(d));
        if (key)
            json_object_set_new(j, "key", json_string(key));
        if (warning && *warning)
            json_object_set_new(j, "warning", json_string(warning));
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(j);
        return;
    }
    printf("device:      %s\nkind:        %s\nstatus:      %s\nepoch:       "
           "%lld\nfingerprint: %s\n",
           d->device_id, device_kind_name(d->kind),
           d->active ? "active" : "retired", (long long)d->epoch, d->key_fp);
    if (d->meter_id)
        printf("meter:       %lld\n", (long long)d->meter_id);
    if (d->appliance_id)
        printf("appliance:   %lld\n", (long long)d->appliance_id);
    if (d->supply_point_id)
        printf("point:       %lld\n", (long long)d->supply_point_id);
    if (warning && *warning)
        printf("warning:     %s\n", warning);
    if (key)
        printf("key:         %s\n(shown this once: set it in the device and "
               "keep it safe)\n",
               key);
}

static int
cmd_register(int argc, char **argv)
{
    struct device_opts o;
    struct target x;
    struct device d;
    char key[DEVKEY_HEX], warning[256];
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight device register --tenant CODE --id DEVICE "
                 "--kind KIND [options]",
                 "Register a monitoring device and print its key (once).",
                 register_opts);
        return 0;
    }
    enum err rc = opt_parse(register_opts, &o, argc, argv);
    int kind = rc ? 0 : device_kind_parse(o.kind);
    if (!rc && kind < 0)
        rc = err_fail(ERR_CONFIG,
                      "--kind: smart_meter, water_heater or gateway");
    if (!rc)
        rc = open_target(&o, &x);
    struct device_in in = {o.id, (enum device_kind)(kind < 0 ? 0 : kind),
                           o.meter, o.appliance, o.note[0] ? o.note : NULL};
    if (!rc)
        rc = device_register(x.platform, x.tenant, x.t.id, &in, cli_actor(),
                             cli_audit, NULL, &d, key, warning);
    if (rc)
        return cli_fail("device register", rc);
    print_device(&d, key, warning, o.json);
    devkey_wipe(key, sizeof(key));
    return 0;
}

static int
cmd_list(int argc, char **argv)
{
    struct device_opts o;
    struct target x;
    json_t *out = NULL;
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight device list --tenant CODE [options]",
                 "List a tenant's monitoring devices.", list_opts);
        return 0;
    }
    enum err rc = opt_parse(list_opts, &o, argc, argv);
    if (!rc)
        rc = open_target(&o, &x);
    const char *after = NULL;
    json_t *all = json_array();
    while (!rc) {
        rc = device_list(x.platform, x.t.id, o.status[0] ? o.status : NULL, -1,
                         after, DEVICE_LIST_MAX, &out);
        if (rc)
            break;
        json_array_extend(all, json_object_get(out, "devices"));
        json_t *next = json_object_get(out, "next");
        static char cursor[DEVICE_ID_MAX + 1];
        if (!json_is_string(next)) {
            json_decref(out);
            break;
        }
        snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
        after = cursor;
        json_decref(out);
    }
    if (rc) {
        json_decref(all);
        return cli_fail("device list", rc);
    }
    if (o.json) {
        json_dumpf(all, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
    } else {
        size_t i;
        json_t *d;
        printf("%-24s  %-12s  %-7s  %5s  %s\n", "DEVICE", "KIND", "STATUS",
               "EPOCH", "LAST SEEN");
        json_array_foreach(all, i, d)
        {
            const char *seen =
                json_string_value(json_object_get(d, "last_seen_at"));
            printf("%-24s  %-12s  %-7s  %5lld  %s\n",
                   json_string_value(json_object_get(d, "device_id")),
                   json_string_value(json_object_get(d, "kind")),
                   json_string_value(json_object_get(d, "status")),
                   (long long)json_integer_value(json_object_get(d, "epoch")),
                   seen ? seen : "-");
        }
    }
    json_decref(all);
    return 0;
}

static int
cmd_change(int argc, char **argv, bool rekey)
{
    struct device_opts o;
    struct target x;
    struct device d;
    char key[DEVKEY_HEX] = "";
    const char *name = rekey ? "device rekey" : "device retire";
    if (opt_wants_help(argc, argv)) {
        cli_help(rekey ? "pilotlight device rekey --tenant CODE --id DEVICE"
                       : "pilotlight device retire --tenant CODE --id DEVICE",
                 rekey ? "Give a device a new key (printed once); its old "
                         "key stops working."
                       : "Retire a device: ingest refuses it from then on.",
                 one_opts);
        return 0;
    }
    enum err rc = opt_parse(one_opts, &o, argc, argv);
    if (!rc)
        rc = open_target(&o, &x);
    if (!rc && rekey)
        rc = device_rekey(x.platform, x.tenant, x.t.id, o.id, cli_actor(),
                          cli_audit, NULL, &d, key);
    else if (!rc)
        rc = device_retire(x.platform, x.tenant, x.t.id, o.id, cli_actor(),
                           cli_audit, NULL, &d);
    if (rc)
        return cli_fail(name, rc);
    print_device(&d, rekey ? key : NULL, NULL, o.json);
    devkey_wipe(key, sizeof(key));
    return 0;
}

static void
usage(FILE *f)
{
    fprintf(f, "usage: pilotlight device <register|list|retire|rekey> "
               "[options]\n\n"
               "  register  register a monitoring device, print its key once\n"
               "  list      list a tenant's devices\n"
               "  retire    retire a device (ingest refuses it)\n"
               "  rekey     give a device a new key, print it once\n\n"
               "`pilotlight device <cmd> --help` lists each command's "
               "options.\n");
}

int
device_main(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    if (!strcmp(argv[0], "register"))
        return cmd_register(argc - 1, argv + 1);
    if (!strcmp(argv[0], "list"))
        return cmd_list(argc - 1, argv + 1);
    if (!strcmp(argv[0], "retire"))
        return cmd_change(argc - 1, argv + 1, false);
    if (!strcmp(argv[0], "rekey"))
        return cmd_change(argc - 1, argv + 1, true);
    fprintf(stderr, "pilotlight device: unknown command '%s'\n\n", argv[0]);
    usage(stderr);
    return 2;
}
