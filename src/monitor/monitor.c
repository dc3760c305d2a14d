/*
 * monitor.c — the tables behind monitor.h: device kinds, message kinds,
 * meter events and water-heater error codes (DOMAIN §8, §9).
 *
 * Meter events are named after what the meter did, not after a maker's
 * code (codes are maker-specific and not public): every shut-off reason
 * the microcomputer meter knows is its own event, and the warnings and
 * delivery signals beside them. Severity is a hint only; the alarms
 * module decides what to notify.
 */
#include "monitor/monitor.h"

#include <string.h>

static const char *const device_kinds[] = {"smart_meter", "water_heater",
                                           "gateway", NULL};
static const char *const device_kinds_ja[] = {
    "スマートメーター・NCU", "給湯器アダプター", "ゲートウェイ", NULL};
static const char *const msg_kinds[] = {"reading", "event", "heater_status",
                                        "heartbeat", NULL};

bool
monitor_device_id_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    /* a letter or digit first: "." and ".." are not path segments */
    return n >= 1 && n <= DEVICE_ID_MAX &&
           strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ") >= 1 &&
           strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.:") == n;
}

const char *
device_kind_name(enum device_kind k)
{
    return (unsigned)k < DEVICE_KIND_COUNT ? device_kinds[k] : NULL;
}

static int
index_of(const char *const *names, const char *s)
{
    for (int i = 0; s && names[i]; i++)
        if (!strcmp(names[i], s))
            return i;
    return -1;
}

int
device_kind_parse(const char *s)
{
    return index_of(device_kinds, s);
}

const char *
device_kind_label_ja(enum device_kind k)
{
    return (unsigned)k < DEVICE_KIND_COUNT ? device_kinds_ja[k] : "";
}

const char *
msg_kind_name(enum msg_kind k)
{
    return (unsigned)k < MSG_KIND_COUNT ? msg_kinds[k] : NULL;
}

int
msg_kind_parse(const char *s)
{
    return index_of(msg_kinds, s);
}

bool
monitor_msg_allowed(enum device_kind dk, enum msg_kind mk)
{
    switch (dk) {
    case DEVICE_SMART_METER:
        return mk == MSG_READING || mk == MSG_EVENT || mk == MSG_HEARTBEAT;
    case DEVICE_WATER_HEATER:
        return mk == MSG_HEATER_STATUS || mk == MSG_HEARTBEAT;
    case DEVICE_GATEWAY:
        return mk == MSG_HEARTBEAT;
    default:
        return false;
    }
}

/* DOMAIN §8: what a microcomputer meter reports to the center. */
const struct meter_event meter_events[] = {
    /* shut-offs for safety */
    {"shutoff_total_flow", "合計流量遮断", SEVERITY_CRITICAL, true},
    {"shutoff_flow_increase", "増加流量遮断", SEVERITY_CRITICAL, true},
    {"shutoff_duration", "継続使用時間遮断", SEVERITY_CRITICAL, true},
    {"shutoff_gas_alarm", "ガス警報器連動遮断", SEVERITY_CRITICAL, true},
    {"pressure_drop", "圧力低下遮断", SEVERITY_CRITICAL, true},
    {"earthquake_shutoff", "感震遮断", SEVERITY_CRITICAL, true},
    /* shut-offs that are not a hazard, but the customer has no gas */
    {"shutoff_battery", "電池電圧低下遮断", SEVERITY_WARNING, true},
    {"shutoff_test", "テスト遮断", SEVERITY_INFO, true},
    {"shutoff_remote", "遠隔遮断", SEVERITY_INFO, true},
    /* warnings */
    {"leak_warning", "微少漏洩警告", SEVERITY_WARNING, false},
    {"duration_warning", "継続使用時間遮断予告", SEVERITY_WARNING, false},
    {"pressure_abnormal", "供給圧力異常", SEVERITY_WARNING, false},
    {"battery_low", "電池電圧低下", SEVERITY_WARNING, false},
    /* delivery and bookkeeping */
    {"gas_remaining_low", "残ガス警報", SEVERITY_INFO, false},
    {"supply_switched", "容器切替（切換情報）", SEVERITY_INFO, false},
    {"restored", "復帰", SEVERITY_INFO, false},
    /* a remote command (code "cmd-<id>") the meter could not carry out */
    {"command_failed", "遠隔操作不能", SEVERITY_WARNING, false},
    {NULL, NULL, SEVERITY_INFO, false},
};

const struct meter_event *
meter_event_find(const char *name)
{
    for (const struct meter_event *e = meter_events; name && e->name; e++)
        if (!strcmp(e->name, name))
            return e;
    return NULL;
}

const char *
severity_name(enum severity s)
{
    static const char *const names[] = {"info", "warning", "critical"};
    return (unsigned)s <= SEVERITY_CRITICAL ? names[s] : "info";
}

/* DOMAIN §9: the faults of the makers' shared scheme. Those that burn or
 * poison (CO sensor, overheat, outlet over-temperature, combustion
 * abnormality and its lock-out) are critical. */
static const struct {
    int lo, hi;
    const char *label;
    enum severity sev;
} faults[] = {
    {10, 10, "作動時間超過", SEVERITY_WARNING},
    {11, 11, "点火不良", SEVERITY_WARNING},
    {12, 12, "炎消え（立ち消え）", SEVERITY_WARNING},
    {13, 13, "COセンサー異常", SEVERITY_CRITICAL},
    {14, 14, "過熱防止装置・温度ヒューズ作動", SEVERITY_CRITICAL},
    {16, 16, "出湯温度異常高温", SEVERITY_CRITICAL},
    {29, 29, "中和器異常", SEVERITY_WARNING},
    {31, 39, "サーミスタ異常", SEVERITY_WARNING},
    {56, 56, "風呂注水電磁弁異常", SEVERITY_WARNING},
    {61, 61, "燃焼ファン異常", SEVERITY_WARNING},
    {63, 63, "風呂循環ポンプ異常", SEVERITY_WARNING},
    {70, 70, "制御基板異常", SEVERITY_WARNING},
    {90, 90, "燃焼異常", SEVERITY_CRITICAL},
    {99, 99, "燃焼異常後のロックアウト", SEVERITY_CRITICAL},
};

bool
heater_code_parse(const char *code, enum severity *severity,
                  const char **label_ja)
{
    *severity = SEVERITY_WARNING;
    *label_ja = "不明なエラー";
    if (!code || strlen(code) != 3 || strspn(code, "0123456789") != 3 ||
        code[0] == '0')
        return false;
    int fault = (code[0] - '0') * 10 + (code[1] - '0');
    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
        if (fault >= faults[i].lo && fault <= faults[i].hi) {
            *severity = faults[i].sev;
            *label_ja = faults[i].label;
        }
    return true;
}

const char *
heater_circuit_ja(const char *code)
{
    static const char *const circuits[] = {"共通", "給湯", "風呂", "暖房",
                                           "乾燥・床暖房"};
    if (!code || strlen(code) != 3 || code[2] < '0' || code[2] > '4')
        return "";
    return circuits[code[2] - '0'];
}
