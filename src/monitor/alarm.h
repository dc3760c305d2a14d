/*
 * alarm.h — gas alarms (ガス警報) and repair requests (修理受付): the
 * vocabulary both processes share. No I/O here (alarm.c).
 *
 * Which device events are alarms. A meter event whose severity (monitor.c)
 * is warning or critical is an alarm: every safety shut-off (合計流量・
 * 増加流量・継続使用時間・ガス警報器連動・圧力低下・感震遮断), the leak
 * warning (微少漏洩警告), abnormal pressure, the 5-minute notice before a
 * duration shut-off, low battery. Info events (test and remote shut-off,
 * remaining gas, switch-over, restore) are not. A water heater's error is
 * an alarm only when it is critical (CO sensor, overheat, outlet
 * over-temperature, combustion abnormality, lock-out: 13, 14, 16, 90, 99);
 * every heater error opens a repair request.
 *
 * Life of an alarm (出動記録 for the safety ledger):
 *
 *   open ──acknowledge──▶ acknowledged ──dispatch──▶ dispatched
 *                              │                        │
 *                              └──────resolve───────────┴──▶ resolved
 *
 * acknowledge: someone has seen it (console, or ingest's own page while
 * serve is down); dispatch: someone is on the way (responder named);
 * resolve: the response record — who went, when they arrived (required
 * after a dispatch), what was found, what was done. Nothing goes back.
 *
 * Repair requests: received → scheduled → done (scheduled may be skipped);
 * at most one open request per water heater and error code.
 */
#ifndef PL_MONITOR_ALARM_H
#define PL_MONITOR_ALARM_H

#include "monitor/monitor.h"

#include <stdbool.h>

enum alarm_state {
    ALARM_OPEN = 0,
    ALARM_ACKNOWLEDGED,
    ALARM_DISPATCHED,
    ALARM_RESOLVED,
    ALARM_STATE_COUNT
};

enum alarm_action { ALARM_ACK = 0, ALARM_DISPATCH, ALARM_RESOLVE };

enum repair_state {
    REPAIR_RECEIVED = 0,
    REPAIR_SCHEDULED,
    REPAIR_DONE,
    REPAIR_STATE_COUNT
};

/*
 * Is a device event an alarm? category "meter_event" with the event's
 * name in kind, or "heater_status" with error_code (NULL: no error).
 * True with *sev set when it is.
 */
bool alarm_classify(const char *category, const char *kind,
                    const char *error_code, enum severity *sev);
/* True when a heater status with error_code opens a repair request. */
bool alarm_opens_repair(const char *category, const char *error_code);
/* The Japanese label of an alarm's kind ("微少漏洩警告", "給湯器エラー
 * 140 過熱防止装置・温度ヒューズ" → only the fault's label). */
const char *alarm_label_ja(const char *kind, const char *error_code);

/* "open", "acknowledged", "dispatched", "resolved"; NULL past the end. */
const char *alarm_state_name(enum alarm_state s);
/* -1 when unknown. */
int alarm_state_parse(const char *s);
/* Japanese label of a state ("未対応", "確認済み", "出動中", "対応完了"). */
const char *alarm_state_label_ja(enum alarm_state s);
/* The state after action from s; false when the move is not allowed. */
bool alarm_transition(enum alarm_state s, enum alarm_action a,
                      enum alarm_state *next);

/* "received", "scheduled", "done"; NULL past the end. */
const char *repair_state_name(enum repair_state s);
int repair_state_parse(const char *s);
/* received → scheduled → done, received → done; nothing back. */
bool repair_transition_ok(enum repair_state from, enum repair_state to);

#endif
