/*
 * vault_cli.h — `pilotlight vault` and `pilotlight keys`.
 */
#ifndef PL_VAULT_VAULT_CLI_H
#define PL_VAULT_VAULT_CLI_H

/* argv starts after "vault": serve options, or init|trust|prune. */
int vault_main(int argc, char **argv);
/* argv starts after "keys": init|export|import|public. */
int keys_main(int argc, char **argv);

#endif
