/*
 * alarm.c — which device events are alarms, and the state machines of
 * alarms and repair requests (alarm.h has the rules). Pure: the ingest
 * side (notify_alarm.c) and serve's side (alarm_store.c) classify with
 * the same function, so both agree on what is an alarm.
 */
#include "monitor/alarm.h"

#include <stddef.h>
#include <string.h>

bool
alarm_classify(const char *category, const char *kind, const char *error_code,
               enum severity *sev)
{
    if (!category)
        return false;
    if (!strcmp(category, "meter_event")) {
        const struct meter_event *e = kind ? meter_event_find(kind) : NULL;
        if (!e || e->severity < SEVERITY_WARNING)
            return false;
        *sev = e->severity;
        return true;
    }
    if (!strcmp(category, "heater_status") && error_code) {
        enum severity s;
        const char *label;
        if (!heater_code_parse(error_code, &s, &label) ||
            s != SEVERITY_CRITICAL)
            return false;
        *sev = s;
        return true;
    }
    return false;
}

bool
alarm_opens_repair(const char *category, const char *error_code)
{
    enum severity s;
    const char *label;
    return category && !strcmp(category, "heater_status") && error_code &&
           heater_code_parse(error_code, &s, &label);
}

const char *
alarm_label_ja(const char *kind, const char *error_code)
{
    enum severity s;
    const char *label = "";
    if (error_code && heater_code_parse(error_code, &s, &label))
        return label;
    const struct meter_event *e = kind ? meter_event_find(kind) : NULL;
    return e ? e->label_ja : "";
}

static const char *const state_names[] = {"open", "acknowledged", "dispatched",
                                          "resolved", NULL};
static const char *const state_labels[] = {"未対応", "確認済み", "出動中",
                                           "対応完了"};

const char *
alarm_state_name(enum alarm_state s)
{
    return (unsigned)s < ALARM_STATE_COUNT ? state_names[s] : NULL;
}

int
alarm_state_parse(const char *s)
{
    for (int i = 0; s && state_names[i]; i++)
        if (!strcmp(state_names[i], s))
            return i;
    return -1;
}

const char *
alarm_state_label_ja(enum alarm_state s)
{
    return (unsigned)s < ALARM_STATE_COUNT ? state_labels[s] : "";
}

bool
alarm_transition(enum alarm_state s, enum alarm_action a,
                 enum alarm_state *next)
{
    switch (a) {
    case ALARM_ACK:
        *next = ALARM_ACKNOWLEDGED;
        return s == ALARM_OPEN;
    case ALARM_DISPATCH:
        *next = ALARM_DISPATCHED;
        return s == ALARM_ACKNOWLEDGED;
    case ALARM_RESOLVE:
        *next = ALARM_RESOLVED;
        return s == ALARM_ACKNOWLEDGED || s == ALARM_DISPATCHED;
    }
    return false;
}

static const char *const repair_names[] = {"received", "scheduled", "done",
                                           NULL};

const char *
repair_state_name(enum repair_state s)
{
    return (unsigned)s < REPAIR_STATE_COUNT ? repair_names[s] : NULL;
}

int
repair_state_parse(const char *s)
{
    for (int i = 0; s && repair_names[i]; i++)
        if (!strcmp(repair_names[i], s))
            return i;
    return -1;
}

bool
repair_transition_ok(enum repair_state from, enum repair_state to)
{
    return (unsigned)from < REPAIR_STATE_COUNT &&
           (unsigned)to < REPAIR_STATE_COUNT && to > from &&
           from != REPAIR_DONE;
}
