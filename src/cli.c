/*
 * cli.c — helpers shared by the subcommands.
 */
#include "cli.h"
#include "store/pool.h"
#include "tenants/tenants.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

const char *
cli_actor(void)
{
    static char actor[96];
    const char *name = getenv("SUDO_USER");
    if (!name || !*name) {
        struct passwd *pw = getpwuid(getuid());
        name = pw ? pw->pw_name : "unknown";
    }
    snprintf(actor, sizeof(actor), "cli:%.80s", name);
    return actor;
}

enum err
cli_open_platform(const char *data_dir, struct store **out)
{
    enum err rc = pool_init(data_dir, 4);
    if (rc)
        return rc;
    return pool_platform(out);
}

enum err
cli_open_tenant(const char *data_dir, const char *code, struct store **out)
{
    struct store *platform;
    struct tenant t;
    enum err rc = cli_open_platform(data_dir, &platform);
    if (!rc)
        rc = tenant_find_code(platform, code, &t);
    if (!rc)
        rc = pool_tenant(t.id, out);
    return rc;
}

int
cli_fail(const char *cmd, enum err rc)
{
    fprintf(stderr, "pilotlight %s: %s\n", cmd,
            *err_detail() ? err_detail() : err_code(rc));
    return rc == ERR_CONFIG ? 2 : 1;
}

void
cli_help(const char *usage, const char *what, const struct opt *opts)
{
    printf("usage: %s\n\n%s\n\noptions:\n", usage, what);
    opt_print_help(stdout, opts);
}
