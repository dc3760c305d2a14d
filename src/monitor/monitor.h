/*
 * monitor.h — centralized monitoring (集中監視): the vocabulary shared by
 * the device registry, `pilotlight ingest` and serve's internal
 * device-events endpoint. No I/O here (monitor.c holds the tables).
 *
 * Devices. A device is a terminal that talks to ingest: a smart gas meter
 * or the NCU / LTE-M terminal wired to a meter ("smart_meter"), a
 * water-heater adapter ("water_heater"), or a gateway that relays for
 * others and reports only on itself ("gateway"). Device ids are the
 * maker's ids as the ledger already knows them (meters.device_id,
 * appliances.device_id): 1–64 of [0-9A-Za-z-_.:] starting with a letter or
 * digit, unique on the platform.
 *
 * Messages. Each message a device sends has its own sequence number
 * (seq, per device and key epoch, increasing) and one of four kinds:
 *   reading        the meter's index (指針), tenths of a m³
 *   event          a meter event: a normalised kind (below) plus the raw
 *                  vendor code, since numeric alarm codes are
 *                  maker-specific and not public (DOMAIN §8)
 *   heater_status  a water heater's status: error code (3 digits: two for
 *                  the fault, one for the circuit, DOMAIN §9) or none,
 *                  combustion hours and ignition counts
 *   heartbeat      "still here", with battery and signal when known
 * Which kinds a device may send depends on its kind (monitor_msg_allowed).
 *
 * Severity is a hint for the alarms that come later: critical (gas is off
 * for a safety reason, or a heater fault that burns or poisons), warning
 * (someone should look soon), info (delivery and bookkeeping signals).
 */
#ifndef PL_MONITOR_MONITOR_H
#define PL_MONITOR_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEVICE_ID_MAX 64

enum device_kind {
    DEVICE_SMART_METER = 0,
    DEVICE_WATER_HEATER,
    DEVICE_GATEWAY,
    DEVICE_KIND_COUNT
};

enum msg_kind {
    MSG_READING = 0,
    MSG_EVENT,
    MSG_HEATER_STATUS,
    MSG_HEARTBEAT,
    MSG_KIND_COUNT
};

enum severity { SEVERITY_INFO = 0, SEVERITY_WARNING, SEVERITY_CRITICAL };

/* One normalised meter event (マイコンメーターの警報・遮断). */
struct meter_event {
    const char *name;     /* "shutoff_total_flow" */
    const char *label_ja; /* "合計流量遮断" */
    enum severity severity;
    bool shutoff; /* the meter has shut the gas off */
};

/* True when s is a well-formed device id. */
bool monitor_device_id_valid(const char *s);
/* "smart_meter", "water_heater", "gateway"; NULL past the end. */
const char *device_kind_name(enum device_kind k);
/* The kind named s; -1 when unknown. */
int device_kind_parse(const char *s);
/* Japanese label of a device kind ("スマートメーター・NCU"). */
const char *device_kind_label_ja(enum device_kind k);

/* "reading", "event", "heater_status", "heartbeat". */
const char *msg_kind_name(enum msg_kind k);
/* The message kind named s; -1 when unknown. */
int msg_kind_parse(const char *s);
/* True when a device of kind dk may send messages of kind mk. */
bool monitor_msg_allowed(enum device_kind dk, enum msg_kind mk);

/* The meter event named s, NULL when unknown. */
const struct meter_event *meter_event_find(const char *name);
/* Every meter event, NULL-name ended (documentation, tests). */
extern const struct meter_event meter_events[];

/* "info", "warning", "critical". */
const char *severity_name(enum severity s);

/*
 * A water heater's error code: exactly three digits, the first two the
 * fault (10–99), the last the circuit. True when well-formed; *severity
 * and *label_ja (fault, Japanese; "不明なエラー" for codes the common
 * scheme does not list) describe it.
 */
bool heater_code_parse(const char *code, enum severity *severity,
                       const char **label_ja);
/* The circuit of a well-formed code ("給湯", "風呂", …; "" when unknown). */
const char *heater_circuit_ja(const char *code);

#endif
