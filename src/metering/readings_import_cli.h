/*
 * readings_import_cli.h — `pilotlight import readings FILE --tenant CODE`.
 */
#ifndef PL_METERING_READINGS_IMPORT_CLI_H
#define PL_METERING_READINGS_IMPORT_CLI_H

/*
 * argv starts after "import readings". Returns the exit code: 0 imported
 * (or a dry run without errors), 1 errors (each printed as FILE:LINE:
 * column X: message; nothing imported) or failure, 2 bad usage.
 */
int readings_import_main(int argc, char **argv);

#endif
