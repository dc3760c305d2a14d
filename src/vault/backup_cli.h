/*
 * backup_cli.h — `pilotlight backup <verb>`: the local side of backups.
 */
#ifndef PL_VAULT_BACKUP_CLI_H
#define PL_VAULT_BACKUP_CLI_H

#include "core/config.h"

/* Entry point for `pilotlight backup`; argv holds the verb and options. */
int backup_main(int argc, char **argv);

/* `pilotlight backup bench-commit` (registered in bench builds only):
 * write-transaction latency with capture on or off (backup_bench.c). */
int backup_bench_main(int argc, char **argv);
extern const struct opt backup_bench_opts[];

#endif
