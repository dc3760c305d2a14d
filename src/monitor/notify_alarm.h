/*
 * notify_alarm.h — ingest's own alarms: recorded in ingest.db as soon as
 * a batch with a safety event is durable, and notified at once by
 * webhook and e-mail from a notifier thread with a durable outbox
 * (notify_alarm.c has the design). Part of `pilotlight ingest`.
 */
#ifndef PL_MONITOR_NOTIFY_ALARM_H
#define PL_MONITOR_NOTIFY_ALARM_H

#include "core/err.h"
#include "monitor/batch.h"
#include "store/migrate.h"

#include <stdint.h>

struct reg_view;

/* ingest.db's alarm tables (ingest_state.c lists them after its own). */
extern const struct migration alarms_ingest_migrations[];

/* Start/stop the notifier thread (after/before the writer). */
enum err alarm_notify_start(void);
void alarm_notify_stop(void);

/*
 * Record the alarms among b's messages (accepted or duplicate: a resent
 * event makes its alarm if a crash lost it) and wake the notifier. Called
 * by the request thread after the batch is durable, before the answer.
 */
enum err alarm_on_batch(const struct reg_view *v, const char *device_id,
                        const struct batch *b, int64_t recv_ms);

/* The open alarms of tenant_id as JSON (new ref): for ingest's page. */
enum err alarm_page_list(int64_t tenant_id, json_t **out);
/* Acknowledge alarm id of tenant_id on ingest's page as login; queues
 * the acknowledgement for serve. ERR_ALARM_NOT_FOUND, ERR_ALARM_STATE. */
enum err alarm_page_ack(int64_t tenant_id, int64_t id, const char *login);

#endif
