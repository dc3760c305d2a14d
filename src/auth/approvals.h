/*
 * approvals.h — dual control (二重承認): the most dangerous user changes
 * take effect only when a second admin approves them.
 *
 * Covered: changing a user's role (including creating a user as admin,
 * which creates them read-only with a pending change to admin), disabling
 * an admin, and resetting a user's second factor — the ways an intruder
 * with one admin account would take over or shut out the others. The request is
 * stored as pending and answered 202; every other active admin gets a notice;
 * another admin (never the requester) approves with a fresh one-time code, and
 * only then is the change applied. Pending requests expire after 24 hours. A
 * tenant with a single active admin cannot have a second approver, so there the
 * change applies at once and the audit entry says so ("dual_control":
 * "single_admin").
 */
#ifndef PL_AUTH_APPROVALS_H
#define PL_AUTH_APPROVALS_H

#include "core/err.h"
#include "core/json.h"

#include <stdbool.h>
#include <stdint.h>

struct store;

#define APPROVAL_TTL_S (24 * 3600)

/* The actions under dual control and how each is applied. */
enum err approval_apply(struct store *st, const char *action,
                        int64_t target_user, const json_t *params);
/* True when the tenant has at least two active admins. */
bool approval_required(struct store *st);
/* Store a pending request (inside the caller's transaction) and notify the
 * other admins; *id receives its id. params is JSON object text. */
enum err approval_request(struct store *st, const char *action,
                          int64_t target_user, const char *params,
                          int64_t requested_by, int64_t now, int64_t *id);

#endif
