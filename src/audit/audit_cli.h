/*
 * audit_cli.h — `pilotlight audit`.
 */
#ifndef PL_AUDIT_CLI_H
#define PL_AUDIT_CLI_H

/*
 * argv starts at the command after "audit" (verify/list). Returns the exit
 * code: 0 done (chain intact), 1 chain broken or failure, 2 bad usage.
 */
int audit_main(int argc, char **argv);

#endif
