/*
 * user_cli.h — `pilotlight user`.
 */
#ifndef PL_AUTH_USER_CLI_H
#define PL_AUTH_USER_CLI_H

/* argv starts at the command after "user". */
int user_main(int argc, char **argv);
/* `pilotlight operator`: the same commands for platform operators. */
int operator_main(int argc, char **argv);

#endif
