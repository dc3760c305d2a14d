/*
 * devices_cli.h — `pilotlight device register|list|retire|rekey`.
 */
#ifndef PL_MONITOR_DEVICES_CLI_H
#define PL_MONITOR_DEVICES_CLI_H

/* Entry point (argv without the subcommand). */
int device_main(int argc, char **argv);

#endif
