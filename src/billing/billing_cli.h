/*
 * billing_cli.h — `pilotlight billing run|runs`: the billing run
 * (請求締め) from the command line (billing_cli.c); `pilotlight billing
 * statements`: a run's statements as one PDF file (statements_cli.c).
 */
#ifndef PL_BILLING_BILLING_CLI_H
#define PL_BILLING_BILLING_CLI_H

/* Entry point (argv without "billing"). */
int billing_main(int argc, char **argv);
/* `billing statements` (argv without "billing statements"). */
int billing_statements_main(int argc, char **argv);

#endif
