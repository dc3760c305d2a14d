/*
 * alarm_store.h — serve's alarms and repair requests (alarm_store.c has
 * the SQL; alarm_migrations.c the tables; alarm.h the rules).
 */
#ifndef PL_MONITOR_ALARM_STORE_H
#define PL_MONITOR_ALARM_STORE_H

#include "core/err.h"
#include "core/json.h"
#include "monitor/alarm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define ALARM_LIST_MAX 200

/*
 * Make the alarm and/or repair request device event event_id calls for
 * (alarm.h), inside the caller's transaction. Nothing when it is neither;
 * nothing again for an event already handled. *alarm_id is the alarm made
 * (0: none).
 */
enum err alarm_from_event(struct store *st, int64_t event_id,
                          int64_t *alarm_id);

struct alarm_query {
    const char *state;    /* NULL: any; "active": not resolved */
    const char *severity; /* NULL: any */
    const char *since;    /* ISO time: received at or after; NULL: any */
    int64_t before_id;    /* 0: from the newest */
    int64_t customer_id;  /* 0: any customer's (and none's) */
    int64_t after_seq;    /* > 0: changed after this updated_seq, oldest
                             change first (live updates) */
    bool live;            /* after_seq applies even when 0 (a stream
                             opened before the first alarm) */
    int limit;
};

/* {"alarms": [...], "next_before_id": n|null}, newest first. New ref. */
enum err alarm_list(struct store *st, const struct alarm_query *q,
                    json_t **out);
/* One alarm as JSON (new ref); ERR_ALARM_NOT_FOUND. */
enum err alarm_get(struct store *st, int64_t id, json_t **out);

/* What a move carries (strings borrow; NULL when absent). */
struct alarm_move {
    enum alarm_action action;
    const char *actor; /* audit actor */
    const char *via;   /* "console" or "ingest" (acknowledge) */
    const char *at;    /* when (UTC ISO); NULL: now */
    const char *responder, *arrived_at, *findings, *action_taken, *note;
};

/* Apply m to alarm id inside the caller's transaction. ERR_ALARM_NOT_FOUND,
 * ERR_ALARM_STATE (detail: the current state), ERR_INVALID (a resolve of a
 * dispatched alarm without arrived_at). */
enum err alarm_apply(struct store *st, int64_t id, const struct alarm_move *m);
/* The alarm made from device_id's epoch/seq event (0 when none yet). */
enum err alarm_by_event(struct store *st, const char *device_id, int64_t epoch,
                        int64_t seq, int64_t *id);
/* The highest updated_seq (live updates start after it). */
enum err alarm_last_seq(struct store *st, int64_t *seq);

/* Repair requests: {"repair_requests": [...], "next_before_id"}. */
enum err repair_list(struct store *st, const char *state, int64_t before_id,
                     int limit, json_t **out);
enum err repair_get(struct store *st, int64_t id, json_t **out);
/* Move request id to state to (alarm.h), with an optional scheduled_for
 * date and note, inside the caller's transaction. ERR_REPAIR_NOT_FOUND,
 * ERR_REPAIR_STATE. */
enum err repair_update(struct store *st, int64_t id, const char *to,
                       const char *scheduled_for, const char *note,
                       const char *actor);

/* Notification targets kept in the tenant's settings (ingest reads them):
 * alarms.webhook_url, alarms.webhook_secret (64 hex), alarms.emails (a JSON
 * array of addresses). */
#define ALARM_SET_URL    "alarms.webhook_url"
#define ALARM_SET_SECRET "alarms.webhook_secret"
#define ALARM_SET_EMAILS "alarms.emails"

/* A tenant setting into out ("" when unset). */
enum err alarm_setting_get(struct store *st, const char *key, char *out,
                           size_t n);
/* Set a tenant setting (value NULL: remove), in the caller's transaction. */
enum err alarm_setting_put(struct store *st, const char *key,
                           const char *value);

#endif
