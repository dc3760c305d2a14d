/*
 * import_cli.h — `pilotlight import customers FILE --tenant CODE`.
 */
#ifndef PL_CUSTOMERS_IMPORT_CLI_H
#define PL_CUSTOMERS_IMPORT_CLI_H

/*
 * argv starts after "import". Returns the exit code: 0 imported (or a dry
 * run without errors), 1 errors (each printed as FILE:LINE: column X:
 * message; nothing imported) or failure, 2 bad usage.
 */
int import_main(int argc, char **argv);

#endif
