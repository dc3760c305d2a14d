/*
 * billing_cli.h — `pilotlight billing run|runs`: the billing run
 * (請求締め) from the command line (billing_cli.c).
 */
#ifndef PL_BILLING_BILLING_CLI_H
#define PL_BILLING_BILLING_CLI_H

/* Entry point (argv without "billing"). */
int billing_main(int argc, char **argv);

#endif
