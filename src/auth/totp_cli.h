/*
 * totp_cli.h — `pilotlight totp`: print the current one-time code of a
 * secret, for trying the second factor of the demo without a phone.
 */
#ifndef PL_AUTH_TOTP_CLI_H
#define PL_AUTH_TOTP_CLI_H

/* argv holds only the options after "totp" (--secret, --time, --help).
 * Returns the process exit code: 0, 2 for bad usage, 1 otherwise. */
int totp_main(int argc, char **argv);

#endif
