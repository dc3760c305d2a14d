/*
 * test_batch.c — tests src/monitor/batch.c: the batch a device posts to
 * ingest, and the canonical form ingest logs.
 *
 * A good batch of each message kind parses into its canonical JSON
 * (time in UTC with milliseconds, index as tenths, optional members only
 * when given); each schema problem is refused with a field error naming
 * the place (messages[i].key): device id unlike the header, unknown keys,
 * missing or out-of-range seq, seq not increasing, malformed times, bad
 * index, an unknown event, a bad heater code, a kind the device may not
 * send, no messages, too many; malformed JSON is http.malformed_json; a
 * bad batch of thousands of messages reports a bounded number of errors.
 * Times: offsets and fractions convert exactly; impossible dates fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "monitor/batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum err
parse(const char *body, enum device_kind dk, struct batch *b, struct jcheck *k)
{
    batch_init(b);
    jcheck_init(k);
    return batch_parse(body, strlen(body), "NCU-1", dk, b, k);
}

/* The canonical text of message i. */
static char *
canon(const struct batch *b, size_t i)
{
    static char out[512];
    snprintf(out, sizeof(out), "%.*s", (int)b->msgs[i].len,
             b->text.data + b->msgs[i].off);
    return out;
}

/* Parse and expect a refusal with a field error on field with code. */
static void
refused(const char *body, enum device_kind dk, const char *field,
        const char *code)
{
    struct batch b;
    struct jcheck k;
    assert_int_equal(parse(body, dk, &b, &k), ERR_INGEST_BATCH_INVALID);
    bool seen = false;
    for (size_t i = 0; i < json_array_size(k.errors); i++) {
        json_t *e = json_array_get(k.errors, i);
        if (!strcmp(json_string_value(json_object_get(e, "field")), field) &&
            !strcmp(json_string_value(json_object_get(e, "code")), code))
            seen = true;
    }
    if (!seen)
        fail_msg("no %s error on %s: %s", code, field, json_dumps(k.errors, 0));
    jcheck_free(&k);
    batch_free(&b);
}

static void
test_reading_event_heartbeat_render_canonically(void **state)
{
    (void)state;
    struct batch b;
    struct jcheck k;
    const char *body =
        "{\"device_id\":\"NCU-1\",\"sent_at\":\"2026-11-10T06:00:05+09:00\","
        "\"messages\":["
        "{\"seq\":1,\"kind\":\"reading\",\"at\":\"2026-11-10T06:00:00+09:00\","
        "\"index\":\"1234.5\"},"
        "{\"index\":\"1234\",\"kind\":\"reading\",\"seq\":2,"
        "\"at\":\"2026-11-09T21:00:00.25Z\"},"
        "{\"seq\":7,\"kind\":\"event\",\"at\":\"2026-11-10T06:01:00+09:00\","
        "\"event\":\"shutoff_total_flow\",\"code\":\"A-12\"},"
        "{\"seq\":8,\"kind\":\"heartbeat\",\"at\":\"2026-11-10T00:00:00-05:"
        "30\","
        "\"battery_mv\":3010,\"rssi\":-71}]}";
    assert_int_equal(parse(body, DEVICE_SMART_METER, &b, &k), ERR_OK);
    assert_int_equal(b.n, 4);
    assert_string_equal(b.device_id, "NCU-1");
    assert_string_equal(canon(&b, 0),
                        "{\"seq\":1,\"kind\":\"reading\",\"at\":"
                        "\"2026-11-09T21:00:00.000Z\",\"index\":\"1234.5\"}");
    assert_string_equal(canon(&b, 1),
                        "{\"seq\":2,\"kind\":\"reading\",\"at\":"
                        "\"2026-11-09T21:00:00.250Z\",\"index\":\"1234.0\"}");
    assert_string_equal(canon(&b, 2),
                        "{\"seq\":7,\"kind\":\"event\",\"at\":"
                        "\"2026-11-09T21:01:00.000Z\",\"event\":"
                        "\"shutoff_total_flow\",\"code\":\"A-12\"}");
    assert_string_equal(canon(&b, 3),
                        "{\"seq\":8,\"kind\":\"heartbeat\",\"at\":"
                        "\"2026-11-10T05:30:00.000Z\",\"battery_mv\":3010,"
                        "\"rssi\":-71}");
    assert_int_equal(b.msgs[2].seq, 7);
    assert_int_equal(b.msgs[2].kind, MSG_EVENT);
    assert_int_equal(b.sent_ms, 1794258005000LL);
    jcheck_free(&k);
    batch_free(&b);
}

static void
test_heater_status_with_and_without_error(void **state)
{
    (void)state;
    struct batch b;
    struct jcheck k;
    const char *body =
        "{\"device_id\":\"NCU-1\",\"messages\":["
        "{\"seq\":1,\"kind\":\"heater_status\",\"at\":\"2026-11-10T06:00:00Z\","
        "\"error\":\"111\",\"hours\":1234,\"ignitions\":5678},"
        "{\"seq\":2,\"kind\":\"heater_status\",\"at\":\"2026-11-10T07:00:00Z\","
        "\"error\":null}]}";
    assert_int_equal(parse(body, DEVICE_WATER_HEATER, &b, &k), ERR_OK);
    assert_string_equal(canon(&b, 0),
                        "{\"seq\":1,\"kind\":\"heater_status\",\"at\":"
                        "\"2026-11-10T06:00:00.000Z\",\"error\":\"111\","
                        "\"hours\":1234,\"ignitions\":5678}");
    assert_string_equal(canon(&b, 1),
                        "{\"seq\":2,\"kind\":\"heater_status\",\"at\":"
                        "\"2026-11-10T07:00:00.000Z\",\"error\":null}");
    jcheck_free(&k);
    batch_free(&b);
}

#define ONE(msg) "{\"device_id\":\"NCU-1\",\"messages\":[" msg "]}"
#define R(extra)                                                               \
    "{\"seq\":1,\"kind\":\"reading\",\"at\":\"2026-11-10T06:00:00Z\"" extra "}"

static void
test_schema_problems_are_named(void **state)
{
    (void)state;
    refused(
        "{\"device_id\":\"NCU-2\",\"messages\":[" R(",\"index\":\"1.0\"") "]}",
        DEVICE_SMART_METER, "device_id", "mismatch");
    refused(ONE(R(",\"index\":\"1.0\",\"extra\":1")), DEVICE_SMART_METER,
            "messages[0].extra", "unknown");
    refused("{\"device_id\":\"NCU-1\",\"messages\":[],\"x\":1}",
            DEVICE_SMART_METER, "messages", "required");
    refused(ONE("{\"kind\":\"reading\",\"at\":\"2026-11-10T06:00:00Z\","
                "\"index\":\"1.0\"}"),
            DEVICE_SMART_METER, "messages[0].seq", "required");
    refused(ONE("{\"seq\":0,\"kind\":\"reading\",\"at\":"
                "\"2026-11-10T06:00:00Z\",\"index\":\"1.0\"}"),
            DEVICE_SMART_METER, "messages[0].seq", "range");
    refused(ONE("{\"seq\":\"1\",\"kind\":\"reading\",\"at\":"
                "\"2026-11-10T06:00:00Z\",\"index\":\"1.0\"}"),
            DEVICE_SMART_METER, "messages[0].seq", "type");
    refused(ONE(R(",\"index\":\"1.0\"") "," R(",\"index\":\"1.1\"")),
            DEVICE_SMART_METER, "messages[1].seq", "order");
    refused(ONE("{\"seq\":1,\"kind\":\"reading\",\"at\":\"2026-11-10 06:00\","
                "\"index\":\"1.0\"}"),
            DEVICE_SMART_METER, "messages[0].at", "format");
    refused(ONE("{\"seq\":1,\"kind\":\"reading\",\"at\":"
                "\"2026-02-30T06:00:00Z\",\"index\":\"1.0\"}"),
            DEVICE_SMART_METER, "messages[0].at", "format");
    refused(ONE(R(",\"index\":\"12.34\"")), DEVICE_SMART_METER,
            "messages[0].index", "format");
    refused(ONE(R(",\"index\":1234.5")), DEVICE_SMART_METER,
            "messages[0].index", "type");
    refused(ONE(R("")), DEVICE_SMART_METER, "messages[0].index", "required");
    refused(ONE("{\"seq\":1,\"kind\":\"event\",\"at\":\"2026-11-10T06:00:00Z\","
                "\"event\":\"gas_is_fine\"}"),
            DEVICE_SMART_METER, "messages[0].event", "unknown");
    refused(ONE("{\"seq\":1,\"kind\":\"heater_status\",\"at\":"
                "\"2026-11-10T06:00:00Z\",\"error\":\"11\"}"),
            DEVICE_WATER_HEATER, "messages[0].error", "format");
    refused(ONE(R(",\"index\":\"1.0\"")), DEVICE_WATER_HEATER,
            "messages[0].kind", "not_allowed");
    refused(ONE("{\"seq\":1,\"kind\":\"telemetry\",\"at\":"
                "\"2026-11-10T06:00:00Z\"}"),
            DEVICE_SMART_METER, "messages[0].kind", "unknown");
    refused(ONE("{\"seq\":1,\"kind\":\"heartbeat\",\"at\":"
                "\"2026-11-10T06:00:00Z\",\"rssi\":5}"),
            DEVICE_GATEWAY, "messages[0].rssi", "range");
    refused("[1,2]", DEVICE_SMART_METER, "", "type");
}

static void
test_malformed_json_is_bad_json(void **state)
{
    (void)state;
    struct batch b;
    struct jcheck k;
    assert_int_equal(parse("{\"device_id\":", DEVICE_SMART_METER, &b, &k),
                     ERR_HTTP_BAD_JSON);
    assert_int_equal(json_array_size(k.errors), 0);
    jcheck_free(&k);
    batch_free(&b);
    /* duplicate keys are refused too (json_parse) */
    assert_int_equal(parse("{\"device_id\":\"NCU-1\",\"device_id\":\"NCU-1\","
                           "\"messages\":[]}",
                           DEVICE_SMART_METER, &b, &k),
                     ERR_HTTP_BAD_JSON);
    jcheck_free(&k);
    batch_free(&b);
}

static void
test_too_many_messages_and_bounded_errors(void **state)
{
    (void)state;
    struct buf body;
    struct batch b;
    struct jcheck k;
    buf_init(&body, 8u << 20);
    buf_puts(&body, "{\"device_id\":\"NCU-1\",\"messages\":[");
    for (int i = 0; i < BATCH_MESSAGES_MAX + 1; i++)
        buf_printf(&body,
                   "%s{\"seq\":%d,\"kind\":\"reading\",\"at\":"
                   "\"2026-11-10T06:00:00Z\",\"index\":\"1.0\"}",
                   i ? "," : "", i + 1);
    buf_puts(&body, "]}");
    batch_init(&b);
    jcheck_init(&k);
    assert_int_equal(
        batch_parse(body.data, body.len, "NCU-1", DEVICE_SMART_METER, &b, &k),
        ERR_INGEST_BATCH_INVALID);
    jcheck_free(&k);
    batch_free(&b);
    /* 3,000 bad messages: BATCH_ERRORS_MAX errors and one count */
    buf_reset(&body);
    buf_puts(&body, "{\"device_id\":\"NCU-1\",\"messages\":[");
    for (int i = 0; i < 3000; i++)
        buf_printf(&body,
                   "%s{\"seq\":%d,\"kind\":\"reading\",\"at\":\"x\","
                   "\"index\":\"1.0\"}",
                   i ? "," : "", i + 1);
    buf_puts(&body, "]}");
    batch_init(&b);
    jcheck_init(&k);
    assert_int_equal(
        batch_parse(body.data, body.len, "NCU-1", DEVICE_SMART_METER, &b, &k),
        ERR_INGEST_BATCH_INVALID);
    assert_int_equal(json_array_size(k.errors), BATCH_ERRORS_MAX + 1);
    jcheck_free(&k);
    batch_free(&b);
    buf_free(&body);
}

static void
test_times_convert_exactly(void **state)
{
    (void)state;
    int64_t ms;
    char out[32];
    assert_true(batch_time_parse("2000-01-01T00:00:00Z", &ms));
    assert_int_equal(ms, 946684800000LL);
    assert_true(batch_time_parse("2024-02-29T23:59:59.999+09:00", &ms));
    batch_time_format(ms, out);
    assert_string_equal(out, "2024-02-29T14:59:59.999Z");
    assert_true(batch_time_parse("2026-01-01T00:30:00.123456789+14:00", &ms));
    batch_time_format(ms, out);
    assert_string_equal(out, "2025-12-31T10:30:00.123Z");
    assert_false(batch_time_parse("2023-02-29T00:00:00Z", &ms));
    assert_false(batch_time_parse("1999-12-31T23:59:59Z", &ms));
    assert_false(batch_time_parse("2026-11-10T06:00:00", &ms));
    assert_false(batch_time_parse("2026-11-10T06:00:00+0900", &ms));
    assert_false(batch_time_parse("2026-11-10T24:00:00Z", &ms));
    assert_false(batch_time_parse("2026-11-10T06:00:00.Z", &ms));
    int64_t t;
    assert_true(batch_index_parse("0", &t));
    assert_int_equal(t, 0);
    assert_true(batch_index_parse("99999999.9", &t));
    assert_int_equal(t, 999999999);
    assert_false(batch_index_parse("123456789", &t));
    assert_false(batch_index_parse("1.", &t));
    assert_false(batch_index_parse(".5", &t));
    assert_false(batch_index_parse("-1", &t));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reading_event_heartbeat_render_canonically),
        cmocka_unit_test(test_heater_status_with_and_without_error),
        cmocka_unit_test(test_schema_problems_are_named),
        cmocka_unit_test(test_malformed_json_is_bad_json),
        cmocka_unit_test(test_too_many_messages_and_bounded_errors),
        cmocka_unit_test(test_times_convert_exactly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
