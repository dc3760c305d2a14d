/*
 * remote_ops_cli.h — `pilotlight remote-ops`: the operator's commands for
 * remote shutoff and restore (remote_ops.h).
 */
#ifndef PL_MONITOR_REMOTE_OPS_CLI_H
#define PL_MONITOR_REMOTE_OPS_CLI_H

/* `pilotlight remote-ops <cap>` (argv without "remote-ops"). */
int remote_ops_main(int argc, char **argv);

#endif
