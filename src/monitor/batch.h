/*
 * batch.h — the batch a device posts to ingest (POST /v1/batches): parse,
 * validate, and render each message in its canonical form. No I/O; the
 * fuzz target tests/fuzz/fuzz_batch.c drives it.
 *
 * The body (UTF-8 JSON, at most BATCH_BODY_MAX bytes):
 *
 *   {"device_id": "NCU-0001A2B3",               same as X-Device-Id
 *    "sent_at": "2026-11-10T06:00:05+09:00",    optional, device clock
 *    "messages": [ 1–BATCH_MESSAGES_MAX messages ]}
 *
 * Every message has "seq" (integer 1–2^53−1, strictly increasing within
 * the batch), "kind" and "at" (RFC 3339 with seconds and an offset: "Z"
 * or ±HH:MM; fractions allowed; years 2000–2999), and by kind:
 *
 *   reading        "index": "1234.5"   the meter's index, m³ with at most
 *                                      one decimal (1–8 integer digits)
 *   event          "event": a meter event name (monitor.h), "code":
 *                  optional vendor code (1–32 of [0-9A-Za-z_.:-]),
 *                  "index": optional, as for a reading
 *   heater_status  "error": "111" or null (3 digits: fault, circuit),
 *                  "hours": optional combustion hours (0–10^7),
 *                  "ignitions": optional count (0–10^9)
 *   heartbeat      "battery_mv": optional 0–10000, "rssi": optional
 *                  −200–0 (dBm)
 *
 * No other keys are accepted (a typo must not pass as "absent"); which
 * kinds a device may send depends on its kind (monitor_msg_allowed).
 *
 * The canonical form of a message is compact JSON with keys in the order
 * above, "at" in UTC with milliseconds ("2026-11-09T21:00:00.000Z") and
 * the index as "1234.5"; optional members appear only when given (error
 * always, null when none). That is what ingest logs and forwards:
 *
 *   {"seq":17,"kind":"reading","at":"2026-11-09T21:00:00.000Z",
 *    "index":"1234.5"}
 */
#ifndef PL_MONITOR_BATCH_H
#define PL_MONITOR_BATCH_H

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "monitor/monitor.h"

#include <stddef.h>
#include <stdint.h>

#define BATCH_BODY_MAX     (1u << 20) /* bytes */
#define BATCH_MESSAGES_MAX 5000
#define BATCH_SEQ_MAX      9007199254740991LL /* 2^53 − 1: exact in JSON */
#define BATCH_ERRORS_MAX   20 /* field errors reported; the rest counted */
#define BATCH_TEXT_MAX     (4u << 20) /* canonical text of one batch */

struct batch_msg {
    int64_t seq;
    enum msg_kind kind;
    int64_t at_ms; /* device time, Unix milliseconds */
    uint32_t off;  /* canonical JSON: text.data + off, len bytes */
    uint32_t len;
};

struct batch {
    char device_id[DEVICE_ID_MAX + 1];
    int64_t sent_ms; /* 0 when sent_at was absent */
    size_t n;
    struct batch_msg *msgs; /* owned */
    struct buf text;        /* every message's canonical JSON, back to back */
};

/* An empty batch (before batch_parse). */
void batch_init(struct batch *b);
/* Free what batch_parse filled; b is empty again. */
void batch_free(struct batch *b);

/*
 * Parse body (len bytes) as the batch of device_id, a device of kind dk.
 * ERR_HTTP_BAD_JSON (err_detail: line and column) when it is not JSON;
 * ERR_INGEST_BATCH_INVALID with field errors in k ("messages[3].index",
 * at most BATCH_ERRORS_MAX of them) when it breaks the schema. k must be
 * initialised (jcheck_init) by the caller. On success b holds the
 * messages in order with their canonical text.
 */
enum err batch_parse(const char *body, size_t len, const char *device_id,
                     enum device_kind dk, struct batch *b, struct jcheck *k);

/*
 * Parse one message object m (canonical or as a device sends it) of a
 * device of kind dk and append it to b (which batch_init made): the
 * internal device-events endpoint checks what ingest forwards with the
 * same rules. ERR_INVALID with field errors in k ("seq", "at", …).
 */
enum err batch_message_parse(json_t *m, enum device_kind dk, struct batch *b,
                             struct jcheck *k);

/*
 * RFC 3339 "2026-11-10T06:00:00+09:00" (seconds required; fraction and
 * offset Z/±HH:MM) into Unix milliseconds (fraction truncated to ms).
 * False when malformed or outside the years 2000–2999.
 */
bool batch_time_parse(const char *s, int64_t *ms);
/* Unix ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC) into out[32]. */
void batch_time_format(int64_t ms, char out[32]);
/* "1234.5" or "1234" (1–8 integer digits) into tenths; false if not. */
bool batch_index_parse(const char *s, int64_t *tenths);

#endif
