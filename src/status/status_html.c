/*
 * status_html.c — the status page as HTML, from a snapshot
 * (status_view.c): Japanese first, English beside it, no script, one
 * small stylesheet (/style.css), readable on a phone, refreshing itself.
 * Times are shown in Japan time; every text from a file is escaped.
 */
#include "status/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Append s with &, <, >, " and ' escaped. */
static enum err
esc(struct buf *b, const char *s)
{
    enum err rc = ERR_OK;
    for (; s && *s && !rc; s++) {
        switch (*s) {
        case '&':
            rc = buf_puts(b, "&amp;");
            break;
        case '<':
            rc = buf_puts(b, "&lt;");
            break;
        case '>':
            rc = buf_puts(b, "&gt;");
            break;
        case '"':
            rc = buf_puts(b, "&quot;");
            break;
        case '\'':
            rc = buf_puts(b, "&#39;");
            break;
        default:
            rc = buf_putc(b, *s);
        }
    }
    return rc;
}

static const char *
str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* An ISO time from the snapshot as Japan time ("—" when absent). */
static void
jst(const char *iso, char out[32])
{
    int64_t ms;
    if (status_time_parse(iso, &ms))
        status_time_jst(ms, out);
    else
        snprintf(out, 32, "—");
}

struct label {
    const char *key, *ja, *en;
};

static const struct label overall_labels[] = {
    {"ok", "すべて正常に稼働しています", "All systems operational"},
    {"degraded", "一部のサービスに問題が発生しています",
     "Some services are affected"},
    {"outage", "サービスを停止しています（復旧作業中）",
     "Service outage (recovery in progress)"},
    {NULL, NULL, NULL},
};

static const struct label state_labels[] = {
    {"ok", "正常", "operational"},
    {"degraded", "一部低下", "degraded"},
    {"stopped", "停止", "stopped"},
    {"stale", "停止中（応答なし）", "not responding"},
    {"unknown", "不明", "unknown"},
    {"running", "復旧中", "restoring"},
    {"stalled", "停滞（進捗の更新なし）", "stalled (no progress reported)"},
    {"finished", "完了", "finished"},
    {"finished_with_errors", "完了（一部失敗）", "finished with errors"},
    {"info", "お知らせ", "information"},
    {"warning", "注意", "warning"},
    {"outage", "障害", "outage"},
    {NULL, NULL, NULL},
};

static const struct label component_labels[] = {
    {"serve", "業務システム（Web画面・API）", "Back office (web, API)"},
    {"ingest", "集中監視（メーター・警報の受信）",
     "Monitoring gateway (meters, alarms)"},
    {"backup", "バックアップ転送", "Backup shipping"},
    {"vault", "バックアップ保管庫", "Backup vault"},
    {NULL, NULL, NULL},
};

static const struct label *
find(const struct label *t, const char *key)
{
    for (; t->key; t++)
        if (strcmp(t->key, key) == 0)
            return t;
    return NULL;
}

/* "日本語 <span lang=en>English</span>" for key, or key itself. */
static enum err
label(struct buf *b, const struct label *t, const char *key)
{
    const struct label *l = find(t, key);
    if (!l)
        return esc(b, key);
    return buf_printf(b, "%s <span lang=\"en\">%s</span>", l->ja, l->en);
}

static enum err
head(struct buf *b, const json_t *snap, int refresh_s)
{
    char when[32];
    const char *ov = str(snap, "overall");
    jst(str(snap, "generated_at"), when);
    enum err rc = buf_printf(
        b,
        "<!doctype html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\"><meta http-equiv=\"refresh\" content=\"%d\">"
        "<title>稼働状況 Service status</title>"
        "<link rel=\"stylesheet\" href=\"/style.css\"></head><body>\n"
        "<h1>稼働状況 <span lang=\"en\">Service status</span></h1>\n"
        "<p class=\"overall %s\">",
        refresh_s, find(overall_labels, ov) ? ov : "degraded");
    if (!rc)
        rc = label(b, overall_labels, ov);
    if (!rc)
        rc = buf_printf(b,
                        "</p>\n<p class=\"meta\">更新 <span lang=\"en\">"
                        "Updated</span>: %s (JST) · %d秒ごとに自動更新 "
                        "<span lang=\"en\">refreshes every %d s</span> · "
                        "<a href=\"/status.json\">JSON</a></p>\n",
                        when, refresh_s, refresh_s);
    return rc;
}

static enum err
notice(struct buf *b, const json_t *n)
{
    char posted[32], resolved[32];
    bool open = json_is_null(json_object_get(n, "resolved_at"));
    jst(str(n, "posted_at"), posted);
    jst(str(n, "resolved_at"), resolved);
    enum err rc = buf_printf(
        b, "<article class=\"notice %s%s\"><h3>", open ? "" : "resolved ",
        find(state_labels, str(n, "level")) ? str(n, "level") : "info");
    if (!rc)
        rc = buf_puts(b, "<span class=\"tag\">");
    if (!rc)
        rc = label(b, state_labels, str(n, "level"));
    if (!rc)
        rc = buf_puts(b, "</span> ");
    if (!rc)
        rc = esc(b, str(n, "title"));
    if (!rc)
        rc = buf_printf(b,
                        "</h3><p class=\"meta\">掲載 <span lang=\"en\">"
                        "Posted</span>: %s (JST)",
                        posted);
    if (!rc && !open)
        rc = buf_printf(b, " · 解決 <span lang=\"en\">Resolved</span>: %s",
                        resolved);
    if (!rc)
        rc = buf_puts(b, "</p><p class=\"body\">");
    if (!rc)
        rc = esc(b, str(n, "body"));
    if (!rc && *str(n, "resolution"))
        rc = buf_puts(b, "</p><p class=\"body\">");
    if (!rc)
        rc = esc(b, str(n, "resolution"));
    if (!rc)
        rc = buf_puts(b, "</p></article>\n");
    return rc;
}

static enum err
notices(struct buf *b, const json_t *a)
{
    size_t i;
    json_t *n;
    enum err rc = buf_puts(b, "<h2>お知らせ <span lang=\"en\">Notices"
                              "</span></h2>\n");
    if (!rc && json_array_size(a) == 0)
        rc = buf_puts(b, "<p>現在お知らせはありません。 <span lang=\"en\">"
                         "No notices.</span></p>\n");
    json_array_foreach(a, i, n)
    {
        if (!rc)
            rc = notice(b, n);
    }
    return rc;
}

/* "45.3%" or "—". */
static void
pct(const json_t *v, char out[16])
{
    if (json_is_number(v))
        snprintf(out, 16, "%.1f%%", json_number_value(v));
    else
        snprintf(out, 16, "—");
}

static enum err
restore_summary(struct buf *b, const json_t *r)
{
    char p[16], started[32], updated[32];
    pct(json_object_get(r, "percent"), p);
    jst(str(r, "started_at"), started);
    jst(str(r, "updated_at"), updated);
    enum err rc = buf_puts(b, "<p class=\"restore\"><strong>");
    if (!rc)
        rc = label(b, state_labels, str(r, "state"));
    if (!rc)
        rc = buf_printf(b,
                        " — %s</strong></p>\n<p class=\"meta\">開始 "
                        "<span lang=\"en\">Started</span>: %s · 最終更新 "
                        "<span lang=\"en\">Last update</span>: %s (JST)",
                        p, started, updated);
    json_t *done = json_object_get(r, "stores_done");
    json_t *total = json_object_get(r, "stores_total");
    if (!rc && json_is_integer(done) && json_is_integer(total))
        rc = buf_printf(b,
                        " · データベース <span lang=\"en\">stores</span> "
                        "%lld / %lld",
                        (long long)json_integer_value(done),
                        (long long)json_integer_value(total));
    json_t *eta = json_object_get(r, "eta_s");
    if (!rc && json_is_integer(eta) && !strcmp(str(r, "state"), "running"))
        rc = buf_printf(b,
                        " · 残り約 <span lang=\"en\">about</span> %lld "
                        "分 <span lang=\"en\">min left</span>",
                        (long long)(json_integer_value(eta) + 59) / 60);
    return rc ? rc : buf_puts(b, "</p>\n");
}

static enum err
restore(struct buf *b, const json_t *r)
{
    size_t i;
    json_t *pt;
    if (!json_is_object(r))
        return ERR_OK;
    enum err rc = buf_puts(b, "<h2>復旧の進捗 <span lang=\"en\">Restore "
                              "progress</span></h2>\n");
    if (!rc)
        rc = restore_summary(b, r);
    if (!rc)
        rc = buf_puts(b, "<table class=\"progress\"><thead><tr><th>時刻 "
                         "<span lang=\"en\">Time</span> (JST)</th><th>進捗 "
                         "<span lang=\"en\">Progress</span></th></tr>"
                         "</thead><tbody>\n");
    json_array_foreach(json_object_get(r, "points"), i, pt)
    {
        char when[32], p[16];
        jst(str(pt, "time"), when);
        pct(json_object_get(pt, "percent"), p);
        if (!rc)
            rc = buf_printf(b, "<tr><td>%s</td><td>%s</td></tr>\n", when, p);
    }
    return rc ? rc : buf_puts(b, "</tbody></table>\n");
}

/* The detail entries as "key value" pairs, escaped. */
static enum err
detail(struct buf *b, const json_t *d)
{
    const char *k;
    json_t *v;
    enum err rc = ERR_OK;
    json_object_foreach((json_t *)d, k, v)
    {
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));
        if (!rc)
            rc = buf_puts(b, "<span class=\"kv\">");
        if (!rc)
            rc = esc(b, k);
        if (!rc)
            rc = buf_putc(b, ' ');
        if (!rc)
            rc = esc(b, s ? s : "");
        if (!rc)
            rc = buf_puts(b, "</span> ");
        free(s);
    }
    return rc;
}

static enum err
component(struct buf *b, const json_t *c)
{
    char seen[32];
    jst(str(c, "last_seen"), seen);
    enum err rc = buf_puts(b, "<tr><td>");
    if (!rc)
        rc = label(b, component_labels, str(c, "component"));
    if (!rc)
        rc = buf_printf(b, "</td><td class=\"state %s\">",
                        find(state_labels, str(c, "state")) ? str(c, "state")
                                                            : "unknown");
    if (!rc)
        rc = label(b, state_labels, str(c, "state"));
    if (!rc)
        rc = buf_printf(b, "</td><td>%s<br><small>", seen);
    if (!rc)
        rc = detail(b, json_object_get(c, "detail"));
    return rc ? rc : buf_puts(b, "</small></td></tr>\n");
}

static enum err
components(struct buf *b, const json_t *a)
{
    size_t i;
    json_t *c;
    enum err rc = buf_puts(
        b, "<h2>各サービスの状態 <span lang=\"en\">Components</span></h2>\n"
           "<table class=\"components\"><thead><tr><th>サービス <span "
           "lang=\"en\">Service</span></th><th>状態 <span lang=\"en\">"
           "State</span></th><th>最終応答 <span lang=\"en\">Last "
           "heartbeat</span> (JST)</th></tr></thead><tbody>\n");
    json_array_foreach(a, i, c)
    {
        if (!rc)
            rc = component(b, c);
    }
    return rc ? rc : buf_puts(b, "</tbody></table>\n");
}

enum err
status_html(const json_t *snap, int refresh_s, struct buf *out)
{
    buf_reset(out);
    enum err rc = head(out, snap, refresh_s);
    if (!rc)
        rc = restore(out, json_object_get(snap, "restore"));
    if (!rc)
        rc = notices(out, json_object_get(snap, "notices"));
    if (!rc)
        rc = components(out, json_object_get(snap, "components"));
    if (!rc)
        rc = buf_puts(out, "<footer><p>このページは障害時も別のプロセスで"
                           "動いています。 <span lang=\"en\">This page runs "
                           "apart from the service it reports on.</span></p>"
                           "</footer>\n</body></html>\n");
    return rc;
}
