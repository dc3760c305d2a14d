/*
 * tenants_cli.h — `pilotlight tenant`.
 */
#ifndef PL_TENANTS_CLI_H
#define PL_TENANTS_CLI_H

/* argv starts at the command after "tenant" (create/list/show). */
int tenant_main(int argc, char **argv);

#endif
