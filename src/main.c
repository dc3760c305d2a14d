/*
 * main.c — `pilotlight <command>`: one binary, several processes.
 *
 * Each command is a row: name, entry point, one-line summary. Commands take
 * only --flags (see `pilotlight <command> --help`); every command that
 * touches stores takes --data DIR (or PILOTLIGHT_DATA).
 */
#include "core/version.h"
#include "audit/audit_cli.h"
#include "auth/totp_cli.h"
#include "auth/user_cli.h"
#include "billing/billing_cli.h"
#include "customers/export_cli.h"
#include "customers/import_cli.h"
#include "customers/search_cli.h"
#include "demo/demo.h"
#include "http/server.h"
#include "monitor/devices_cli.h"
#include "monitor/ingest.h"
#include "monitor/remote_ops_cli.h"
#include "monitor/simulate.h"
#include "payments/debit_cli.h"
#include "seed/seed.h"
#include "status/status_cli.h"
#include "tenants/tenants_cli.h"
#include "vault/backup_cli.h"
#include "vault/restore.h"
#include "vault/vault_cli.h"

#include <stdio.h>
#include <sys/stat.h>
#include <string.h>

static const struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"serve", serve_main, "serve the operator console and JSON API"},
    {"ingest", ingest_main,
     "device gateway (集中監視): signed batches, durable log, forwarding"},
    {"device", device_main,
     "register, list, retire, re-key monitoring devices"},
    {"remote-ops", remote_ops_main,
     "remote shutoff (遠隔遮断): the tenant's hourly cap (operator only)"},
    {"simulate", simulate_main,
     "simulated meters and water heaters posting to ingest (demo, bench)"},
    {"tenant", tenant_main, "create, list and show tenants (retailers)"},
    {"user", user_main, "create, list, disable, unlock tenant users"},
    {"operator", operator_main, "the same for platform operators (support)"},
    {"audit", audit_main, "verify and list the hash-chained audit log"},
    {"totp", totp_main, "print the current one-time code of a secret"},
    {"seed", seed_main, "fill an empty data dir with realistic demo data"},
    {"import", import_main,
     "import customers or readings from CSV (UTF-8/Shift_JIS)"},
    {"export", export_main, "export the customer ledger (CSV, XLSX)"},
    {"billing", billing_main,
     "run the billing (請求締め), list runs, print a run's statements"},
    {"payments", payments_main,
     "direct debit (口座振替) request files and results, bank statements"},
    {"search", search_main, "rebuild a tenant's customer search index"},
    {"backup", backup_main,
     "snapshots, journal checks and checksums of the stores' backups"},
    {"demo", demo_main, "seed ./demo-data if absent and serve it"},
    {"vault", vault_main,
     "the append-only backup vault (run on another host); init, prune"},
    {"restore", restore_main,
     "rebuild a data dir from a vault (verified; --at a point in time)"},
    {"drill", drill_main,
     "restore the latest backups aside and compare them with live"},
    {"keys", keys_main,
     "backup and signing keys; print or read the recovery kit"},
    {"status", status_main,
     "the public status page: heartbeats, notices, restore progress"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
    fprintf(f, "usage: pilotlight <command> [options]\n\n"
               "pilotlight — the back office of an LP gas retailer "
               "(LPガス販売事業者向け基幹システム).\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n`pilotlight <command> --help` describes every option.\n"
               "`pilotlight --version` prints the version.\n");
}

int
main(int argc, char **argv)
{
    umask(077); /* data files are the service's alone */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
        strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("pilotlight %s (%s)\n", pl_version(), pl_commit());
        return 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].fn(argc - 2, argv + 2);
    fprintf(stderr, "pilotlight: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
