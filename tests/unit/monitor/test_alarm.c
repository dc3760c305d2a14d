/*
 * test_alarm.c — tests src/monitor/alarm.c: which device events are
 * alarms, which open repair requests, and the two state machines.
 *
 * Every safety shut-off and the leak warning are alarms with the
 * severity monitor.c gives them; info events (test and remote shut-off,
 * remaining gas, restore) are not; unknown events are not. Heater errors
 * are alarms only when critical (140 overheat yes, 111 ignition no) and
 * every well-formed heater error opens a repair request. Alarms move
 * open → acknowledged → dispatched → resolved, resolve also from
 * acknowledged, nothing else; repairs never go back, done is final.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "monitor/alarm.h"

static void
test_meter_events_classified_by_severity(void **state)
{
    (void)state;
    enum severity s;
    static const char *const alarms[] = {"shutoff_total_flow",
                                         "shutoff_flow_increase",
                                         "shutoff_duration",
                                         "shutoff_gas_alarm",
                                         "pressure_drop",
                                         "earthquake_shutoff",
                                         NULL};
    for (int i = 0; alarms[i]; i++) {
        assert_true(alarm_classify("meter_event", alarms[i], NULL, &s));
        assert_int_equal(s, SEVERITY_CRITICAL);
    }
    assert_true(alarm_classify("meter_event", "leak_warning", NULL, &s));
    assert_int_equal(s, SEVERITY_WARNING);
    assert_false(alarm_classify("meter_event", "shutoff_test", NULL, &s));
    assert_false(alarm_classify("meter_event", "restored", NULL, &s));
    assert_false(alarm_classify("meter_event", "gas_remaining_low", NULL, &s));
    assert_false(alarm_classify("meter_event", "no_such_event", NULL, &s));
    assert_false(alarm_classify(NULL, "leak_warning", NULL, &s));
}

static void
test_heater_errors_alarm_when_critical_and_open_repairs(void **state)
{
    (void)state;
    enum severity s;
    assert_true(alarm_classify("heater_status", "heater_error", "140", &s));
    assert_int_equal(s, SEVERITY_CRITICAL);
    assert_false(alarm_classify("heater_status", "heater_error", "111", &s));
    assert_false(alarm_classify("heater_status", "heater_status", NULL, &s));
    assert_true(alarm_opens_repair("heater_status", "111"));
    assert_true(alarm_opens_repair("heater_status", "140"));
    assert_false(alarm_opens_repair("heater_status", NULL));
    assert_false(alarm_opens_repair("heater_status", "1x1"));
    assert_false(alarm_opens_repair("meter_event", "111"));
    assert_string_equal(alarm_label_ja("heater_error", "111"), "点火不良");
    assert_string_equal(alarm_label_ja("leak_warning", NULL), "微少漏洩警告");
}

static void
test_alarm_state_machine(void **state)
{
    (void)state;
    enum alarm_state n;
    assert_true(alarm_transition(ALARM_OPEN, ALARM_ACK, &n));
    assert_int_equal(n, ALARM_ACKNOWLEDGED);
    assert_true(alarm_transition(ALARM_ACKNOWLEDGED, ALARM_DISPATCH, &n));
    assert_int_equal(n, ALARM_DISPATCHED);
    assert_true(alarm_transition(ALARM_DISPATCHED, ALARM_RESOLVE, &n));
    assert_true(alarm_transition(ALARM_ACKNOWLEDGED, ALARM_RESOLVE, &n));
    assert_false(alarm_transition(ALARM_OPEN, ALARM_DISPATCH, &n));
    assert_false(alarm_transition(ALARM_OPEN, ALARM_RESOLVE, &n));
    assert_false(alarm_transition(ALARM_ACKNOWLEDGED, ALARM_ACK, &n));
    assert_false(alarm_transition(ALARM_DISPATCHED, ALARM_DISPATCH, &n));
    assert_false(alarm_transition(ALARM_RESOLVED, ALARM_ACK, &n));
    assert_false(alarm_transition(ALARM_RESOLVED, ALARM_RESOLVE, &n));
    assert_int_equal(alarm_state_parse("dispatched"), ALARM_DISPATCHED);
    assert_int_equal(alarm_state_parse("closed"), -1);
    assert_string_equal(alarm_state_name(ALARM_RESOLVED), "resolved");
}

static void
test_repair_state_machine(void **state)
{
    (void)state;
    assert_true(repair_transition_ok(REPAIR_RECEIVED, REPAIR_SCHEDULED));
    assert_true(repair_transition_ok(REPAIR_RECEIVED, REPAIR_DONE));
    assert_true(repair_transition_ok(REPAIR_SCHEDULED, REPAIR_DONE));
    assert_false(repair_transition_ok(REPAIR_SCHEDULED, REPAIR_RECEIVED));
    assert_false(repair_transition_ok(REPAIR_DONE, REPAIR_DONE));
    assert_false(repair_transition_ok(REPAIR_RECEIVED, REPAIR_RECEIVED));
    assert_int_equal(repair_state_parse("scheduled"), REPAIR_SCHEDULED);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meter_events_classified_by_severity),
        cmocka_unit_test(
            test_heater_errors_alarm_when_critical_and_open_repairs),
        cmocka_unit_test(test_alarm_state_machine),
        cmocka_unit_test(test_repair_state_machine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
