/*
 * risk.h — platform-wide signals of credential stuffing, on top of the
 * per-account and per-IP throttles (throttle.h).
 *
 *   one address, many accounts   an address whose failed sign-ins touch
 *                                RISK_SPRAY_ACCOUNTS different accounts
 *                                within 10 minutes is slowed to
 *                                RISK_PENALTY_PER_MIN attempts a minute for
 *                                an hour — that address only.
 *   one account, many addresses  RISK_ACCOUNT_IPS different addresses
 *                                failing on one account within 10 minutes
 *                                is reported (log + notice to the tenant's
 *                                admins); the account is not locked beyond
 *                                its own throttle, so an attacker cannot
 *                                lock real users out.
 *   failure-rate jump            a minute with more than RISK_SPIKE_MIN
 *                                failures and over 10× the running average
 *                                is logged (auth.failure_spike) for
 *                                operators.
 *
 * State is in memory, per serve process: the signals are about the last
 * minutes, and losing them on restart only forgets an hour of penalty.
 */
#ifndef PL_AUTH_RISK_H
#define PL_AUTH_RISK_H

#include <stdbool.h>
#include <stdint.h>

#define RISK_WINDOW_S        (10 * 60)
#define RISK_SPRAY_ACCOUNTS  10
#define RISK_ACCOUNT_IPS     5
#define RISK_PENALTY_S       3600
#define RISK_PENALTY_PER_MIN 2
#define RISK_SPIKE_MIN       50

/* Record a failed sign-in of account (throttle key) from ip at now.
 * Returns true when this failure newly reveals one account failing from
 * many addresses (the caller notifies the tenant's admins). */
bool risk_failure(const char *ip, const char *account, int64_t now);
/* True while ip is penalized (the caller then allows only
 * RISK_PENALTY_PER_MIN attempts a minute from it). */
bool risk_penalized(const char *ip, int64_t now);

#endif
