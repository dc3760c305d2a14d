/*
 * events.h — device events in the tenant store (monitor_migrations.c has
 * the table): what serve keeps of the meter events and water-heater
 * statuses ingest forwards, for the alarms to come and for the console.
 *
 *   events_api.c    POST /internal/v1/device-events (from ingest)
 *   devices_api.c   GET  /api/v1/device-events (tenant users)
 *   events_store.c  the SQL, and placing an event in the ledger
 */
#ifndef PL_MONITOR_EVENTS_H
#define PL_MONITOR_EVENTS_H

#include "core/err.h"
#include "core/json.h"
#include "monitor/monitor.h"

#include <stdbool.h>
#include <stdint.h>

struct store;

#define EVENTS_LIST_MAX 500

/* One event to store. Strings borrow from the caller. */
struct device_event_in {
    const char *device_id;
    enum device_kind device_kind;
    int64_t epoch, seq;
    const char *category; /* "meter_event" or "heater_status" */
    const char *kind;     /* normalised: "leak_warning", "heater_error" */
    enum severity severity;
    bool shutoff;
    const char *vendor_code; /* or NULL */
    const char *error_code;  /* or NULL */
    int64_t index_tenths;    /* -1: none */
    int64_t at_ms;           /* device time */
    const char *received_at; /* ingest's receipt, UTC ISO */
    /* the registry's links, used when the ledger has none (0: none) */
    int64_t meter_id, appliance_id, supply_point_id;
    const char *payload; /* the message's canonical JSON */
};

/*
 * Store ev once: placed in the ledger on its device date (JST) — the
 * meter or appliance carrying the device id then, its supply point and
 * that point's occupant — else with the registry's links. Inside the
 * caller's transaction. *id is the row (the existing one when
 * *duplicate: the same device, epoch and seq were stored before).
 */
enum err device_event_store(struct store *st, const struct device_event_in *ev,
                            int64_t *id, bool *duplicate);

/* What GET /api/v1/device-events asks. */
struct device_event_query {
    const char *device_id;   /* NULL: any */
    int64_t supply_point_id; /* 0: any */
    const char *severity;    /* NULL: any */
    int64_t before_id;       /* 0: from the newest */
    int limit;               /* 1..EVENTS_LIST_MAX */
};

/* {"events": [...], "next_before_id": id|null}, newest first. New ref. */
enum err device_event_list(struct store *st, const struct device_event_query *q,
                           json_t **out);

#endif
