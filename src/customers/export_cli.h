/*
 * export_cli.h — `pilotlight export customers --tenant CODE`.
 */
#ifndef PL_CUSTOMERS_EXPORT_CLI_H
#define PL_CUSTOMERS_EXPORT_CLI_H

/* argv starts after "export". Returns the exit code: 0 written, 1
 * failure, 2 bad usage. */
int export_main(int argc, char **argv);

#endif
