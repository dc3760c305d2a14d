/*
 * cli.h — helpers shared by the subcommands.
 */
#ifndef PL_CLI_H
#define PL_CLI_H

#include "core/config.h"
#include "core/err.h"

#include <stddef.h>

struct store;

/* Who runs this command, for audit entries: "cli:<login name>". */
const char *cli_actor(void);
/* Open DATA's platform store (created and migrated if new). */
enum err cli_open_platform(const char *data_dir, struct store **out);
/* Open tenant code's store under DATA (the registry finds its file).
 * ERR_TENANT_NOT_FOUND for an unknown code. Borrowed: do not close. */
enum err cli_open_tenant(const char *data_dir, const char *code,
                         struct store **out);
/* Print "pilotlight <cmd>: <detail>" on stderr; exit code 2 for bad usage
 * (ERR_CONFIG), 1 otherwise. */
int cli_fail(const char *cmd, enum err rc);
/* Print usage, description and the option table. */
void cli_help(const char *usage, const char *what, const struct opt *opts);

#endif
