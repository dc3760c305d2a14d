/*
 * remote_ops.h — remote shutoff and restore of a gas meter (遠隔遮断・
 * 復帰): requested in serve, approved by a second person, delivered to the
 * meter by ingest, confirmed by the meter's own event.
 *
 * Life of an operation (tenant store, remote_operations):
 *
 *   requested ──approve (another user, step-up)──▶ approved ──ingest──▶
 *   sent ──the meter's shutoff_remote / restored event──▶ confirmed
 *
 *   requested ──reject──▶ rejected;  requested, approved or sent past
 *   expires_s ──▶ expired;  approved or sent, and the meter reports it
 *   could not (a command_failed event) or the device was retired before
 *   delivery ──▶ failed
 *
 * Dual control: the request and the approval both need devices.operate
 * and a fresh one-time code (step-up); the approver must be another user
 * than the requester, always — unlike user changes (auth/approvals.h)
 * there is no single-person fallback: a tenant with one such user cannot
 * shut gas off remotely. API tokens and support grants cannot do either.
 *
 * The cap: at most N shutoffs per tenant per rolling hour (default
 * REMOTE_OP_CAP_DEFAULT), counted at request (requests of the last hour
 * not rejected) and again at approval (approvals of the last hour). N
 * lives in the platform store (remote_op_caps) and is changed only by
 * `pilotlight remote-ops cap` on the host: no route writes it, because
 * a mass shutoff is exactly what an intruder with stolen accounts would
 * do (docs/security.md). Restores are not capped.
 *
 * Delivery: approval writes a row in the platform store's
 * device_commands (the outbox ingest reads; serve and ingest share
 * nothing else). ingest (remote_deliver.c) hands a queued command to the
 * device in the answer to its next HTTP batch ("commands") and, with
 * --mqtt, publishes it at once on pl/v1/<device>/command; it then marks
 * the row sent. serve records "sent" in the tenant's operation when it
 * next looks (remote_op_sync), and "confirmed" when the forwarded event
 * arrives (remote_op_confirm), "failed" when the meter's
 * command_failed event does. "Sent", "expired" and "failed" (device
 * retired) do not wait for someone to look: serve's sweeper
 * (remote_ops_sweep.c) brings every tenant with an operation in flight up
 * to date every REMOTE_OP_SWEEP_MS, and every read does too. Each step is
 * an audit entry in the tenant's log: remote_op.request, .approve,
 * .reject, .sent, .confirm, .expire, .fail; the cap's changes as
 * remote_op.cap.
 */
#ifndef PL_MONITOR_REMOTE_OPS_H
#define PL_MONITOR_REMOTE_OPS_H

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"

#include <stdbool.h>
#include <stdint.h>

struct store;
struct req;
struct device_event_in;

#define REMOTE_OP_CAP_DEFAULT 5    /* shutoffs per tenant per hour */
#define REMOTE_OP_CAP_MAX     1000 /* what the CLI accepts */
#define REMOTE_OP_TTL_S       3600 /* to approve; then to confirm */
#define REMOTE_OP_TTL_MIN     10   /* what serve --remote-op-ttl accepts */
#define REMOTE_OP_TTL_MAX     86400
#define REMOTE_OP_SWEEP_MS    2000 /* the sweeper's period */
#define REMOTE_OP_REASON_MAX  200  /* characters */
#define REMOTE_OP_LIST_MAX    200

/* What a request asks (strings borrow). */
struct remote_op_in {
    const char *device_id;
    const char *action; /* "shutoff" or "restore" */
    const char *reason;
    int64_t requested_by; /* user id */
    const char *actor;    /* for the audit entry */
};

/* ---- serve: remote_ops.c ------------------------------------------- */

/* The time to approve, then to confirm (serve --remote-op-ttl; default
 * REMOTE_OP_TTL_S). Call before serving. */
void remote_op_configure(int64_t ttl_s);

/* The tenant's shutoff cap per hour (the default when none is set). */
enum err remote_op_cap_get(struct store *platform, int64_t tenant_id,
                           int64_t *cap);
/* Set it (the operator's CLI only; no route calls this). */
enum err remote_op_cap_set(struct store *platform, int64_t tenant_id,
                           int64_t cap, const char *actor);
/* Shutoffs requested (not rejected) / approved in the hour before now. */
enum err remote_op_shutoffs_hour(struct store *st, int64_t now, bool approved,
                                 int64_t *n);

/*
 * Store a new request (inside the caller's transaction) after checking
 * the cap (ERR_REMOTE_OP_CAP, Japanese detail) and that the device has
 * no operation in flight (ERR_REMOTE_OP_BUSY). *id is the operation.
 */
enum err remote_op_request(struct store *st, int64_t cap,
                           const struct remote_op_in *in, int64_t now,
                           int64_t *id);
/*
 * Approve operation id as user approver (inside the caller's transaction
 * on st): ERR_REMOTE_OP_NOT_FOUND, ERR_REMOTE_OP_SELF (the requester),
 * ERR_REMOTE_OP_STATE (not requested), ERR_REMOTE_OP_EXPIRED,
 * ERR_REMOTE_OP_CAP. Then queues the command in platform's outbox;
 * *command_id is its id.
 */
enum err remote_op_approve(struct store *st, struct store *platform,
                           int64_t tenant_id, int64_t cap, int64_t id,
                           int64_t approver, int64_t now, int64_t *command_id);
/* Reject a requested operation (not by its requester). */
enum err remote_op_reject(struct store *st, int64_t id, int64_t user,
                          int64_t now);
/* Withdraw an operation's queued command (a failed commit). */
void remote_op_unqueue(struct store *platform, int64_t command_id);

/*
 * Bring the tenant's operations up to date with the outbox, the registry
 * and the clock (its own transaction): approved ones ingest has sent
 * become sent, overdue ones expire (their command is cancelled), approved
 * ones whose device was retired fail. Audited, actor "internal:ingest" or
 * "system", on request r (NULL: the sweeper, no request).
 */
enum err remote_op_sync(struct store *st, struct store *platform,
                        int64_t tenant_id, struct req *r);
/* One operation as the API shows it (new ref). ERR_REMOTE_OP_NOT_FOUND. */
enum err remote_op_get(struct store *st, int64_t id, json_t **out);
/* The newest operations (status NULL: any), at most limit. */
enum err remote_op_list(struct store *st, const char *status, int limit,
                        json_t **out);

/*
 * A meter event stored in serve (events_api.c, inside its transaction):
 * shutoff_remote or restored confirms the device's oldest sent (or
 * approved) operation of that action — the one whose command id the
 * event's code names ("cmd-17") when it does (remote_op.confirm);
 * command_failed fails the operation its code names, else the device's
 * oldest one in flight (remote_op.fail). Other events: nothing.
 */
enum err remote_op_confirm(struct store *st, const struct device_event_in *ev,
                           int64_t event_id, struct req *r);

/* ---- serve: remote_ops_sweep.c -------------------------------------- */

/* Start / stop serve's sweeper thread (remote_op_sync for every tenant
 * with an operation in flight, every REMOTE_OP_SWEEP_MS; every tenant at
 * start). */
enum err remote_op_sweeper_start(void);
void remote_op_sweeper_stop(void);
/* A request was stored for tenant_id: the sweeper watches it until it
 * has nothing left to decide. */
void remote_op_watch(int64_t tenant_id);

/* ---- ingest: remote_deliver.c -------------------------------------- */

/* Start / stop the thread that reads queued commands from platform.db
 * (every --refresh-ms) and publishes them on MQTT when it is on. */
enum err remote_deliver_start(void);
void remote_deliver_stop(void);
/*
 * Append ,"commands":[…] to the batch answer b when device_id has queued
 * commands (each signed with the device's key; see docs/ingest-api.md)
 * and mark them sent ("http"). Nothing when there are none.
 */
void remote_deliver_answer(const char *device_id, struct buf *b);
/* device_id has posted over MQTT: publish its commands on
 * pl/v1/<device_id>/command from now on. */
void remote_deliver_mqtt_seen(const char *device_id);

#endif
