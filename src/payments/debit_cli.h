/*
 * debit_cli.h — `pilotlight payments debit-request|debit-result|
 * debit-requests|bank-transfers`: direct debit (口座振替) and the bank's
 * statements of transfers from the command line (debit_cli.c).
 */
#ifndef PL_PAYMENTS_DEBIT_CLI_H
#define PL_PAYMENTS_DEBIT_CLI_H

/* Entry point (argv without "payments"); returns the exit code. */
int payments_main(int argc, char **argv);

#endif
