/*
 * audit.h — the audit trail: every change writes an entry.
 *
 * Entries are append-only: the table refuses UPDATE and DELETE by trigger,
 * so not even a bug in pilotlight can rewrite history through SQL. The
 * platform store keeps platform actions (tenant created, …); each tenant
 * store keeps its own. The identity issue adds the hash chain over entries.
 */
#ifndef PL_AUDIT_AUDIT_H
#define PL_AUDIT_AUDIT_H

#include "core/err.h"

struct store;

/*
 * Append an entry inside the caller's open transaction. actor is who did it
 * ("cli:root", "user:12"), action a stable dotted name ("tenant.create"),
 * target what it was done to, detail a JSON object text or NULL.
 */
enum err audit_record(struct store *st, const char *actor, const char *action,
                      const char *target, const char *detail_json);

#endif
