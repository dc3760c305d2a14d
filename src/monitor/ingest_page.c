/*
 * ingest_page.c — the alarm page people reach on ingest's port while
 * serve (and so the console) is down (ingest_page.h has the sign-in
 * design):
 *
 *   GET  /alarms              signed in: the tenant's open alarms (kind,
 *                             severity, place, customer, time) with an
 *                             acknowledge button each, and the recently
 *                             acknowledged; else the sign-in form
 *   POST /alarms/signin       tenant, login, password, code, csrf
 *   POST /alarms/{id}/ack     csrf: acknowledge (ingest.db, then queued
 *                             to serve through the serve_ack outbox)
 *   POST /alarms/signout      csrf
 *
 * Plain HTML forms, no script (a CSP forbids any), readable on a phone;
 * the list reloads itself every minute (meta refresh). Forms post
 * application/x-www-form-urlencoded and answer 303 to GET /alarms.
 * Failures are the page again with the error's Japanese title, its
 * stable code (data-code) and its HTTP status.
 *
 * CSRF: the sign-in form carries a token that must equal the value of a
 * cookie set with the form (double submit); signed-in forms carry the
 * session's own token. Cookies are HttpOnly and SameSite=Strict; with
 * --page-secure-cookies also Secure with the __Host- prefix.
 */
#include "auth/password.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "http/http.h"
#include "monitor/batch.h"
#include "monitor/ingest_int.h"
#include "monitor/ingest_page.h"
#include "monitor/notify_alarm.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE_BODY_MAX 8192
#define PAGE_HTML_MAX (4u << 20)
#define ACKED_SHOWN   20

#define CSP                                                                    \
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self';"       \
    " frame-ancestors 'none'; base-uri 'none'"

static const char style[] =
    "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:40rem;"
    "padding:.75rem;line-height:1.5;color:#111}"
    "h1{font-size:1.3rem}h2{font-size:1.1rem;margin-top:1.5rem}"
    "label{display:block;margin:.6rem 0}"
    "input{display:block;width:100%;box-sizing:border-box;font-size:1.1rem;"
    "padding:.4rem}"
    "button{font-size:1.1rem;padding:.5rem 1rem;margin-top:.5rem}"
    ".error{background:#fde8e8;border-left:4px solid #c00;padding:.5rem}"
    ".alarm{border:1px solid #999;border-radius:6px;padding:.6rem;"
    "margin:.6rem 0;list-style:none}"
    ".critical{border-color:#c00;border-width:3px}"
    ".sev{font-weight:bold}.critical .sev{color:#c00}"
    "ul{padding:0}dl{margin:.3rem 0}dt{float:left;clear:left;width:5rem;"
    "color:#555}dd{margin-left:5.5rem}"
    ".bar{display:flex;justify-content:space-between;align-items:center;"
    "flex-wrap:wrap;gap:.5rem}";

/* ---------------------------------------------------------------------- */
/* HTML and forms                                                         */
/* ---------------------------------------------------------------------- */

static void
esc(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            buf_puts(b, "&amp;");
            break;
        case '<':
            buf_puts(b, "&lt;");
            break;
        case '>':
            buf_puts(b, "&gt;");
            break;
        case '"':
            buf_puts(b, "&quot;");
            break;
        case '\'':
            buf_puts(b, "&#39;");
            break;
        default:
            buf_putc(b, *s);
        }
    }
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode one urlencoded value of n bytes into the arena; NULL when it
 * holds a bad escape or a control character. */
static char *
form_decode(struct arena *a, const char *p, size_t n)
{
    char *out = arena_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)p[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 2 < n ? hexval(p[i + 1]) : -1;
            int lo = hi >= 0 ? hexval(p[i + 2]) : -1;
            if (lo < 0)
                return NULL;
            c = hi * 16 + lo;
            i += 2;
        }
        if (c < 0x20 || c == 0x7f)
            return NULL;
        out[k++] = (char)c;
    }
    out[k] = '\0';
    return out;
}

/* The form field name of r's urlencoded body (decoded, in the arena);
 * NULL when absent or undecodable. */
static const char *
form_get(struct req *r, const char *name)
{
    size_t len, nl = strlen(name);
    const char *p = req_body(r, &len), *end = p + len;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if ((size_t)(stop - p) > nl && !memcmp(p, name, nl) && p[nl] == '=')
            return form_decode(req_arena(r), p + nl + 1,
                               (size_t)(stop - p) - nl - 1);
        p = amp ? amp + 1 : end;
    }
    return NULL;
}

static bool
is_form(struct req *r)
{
    const char *ct = req_header(r, "Content-Type");
    return ct && !strncmp(ct, "application/x-www-form-urlencoded", 33);
}

static void
page_head(struct buf *b, bool refresh)
{
    buf_printf(
        b,
        "<!doctype html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\">%s<title>ガス警報（緊急用ページ）</title>"
        "<style>%s</style></head><body>\n"
        "<h1>ガス警報（緊急用ページ）</h1>\n",
        refresh ? "<meta http-equiv=\"refresh\" content=\"60\">" : "", style);
}

static void
page_error(struct buf *b, enum err e, const char *text)
{
    if (!e)
        return;
    buf_printf(b, "<p class=\"error\" role=\"alert\" data-code=\"%s\">",
               err_code(e));
    esc(b, text ? text : err_title(e));
    buf_puts(b, "</p>\n");
}

static void
send_html(struct req *r, int status, struct buf *b)
{
    buf_puts(b, "</body></html>\n");
    resp_bytes(r, status, "text/html; charset=utf-8", b->data, b->len);
    resp_header(r, "Content-Security-Policy", CSP);
    buf_free(b);
}

/* ---------------------------------------------------------------------- */
/* Cookies                                                                */
/* ---------------------------------------------------------------------- */

static bool
secure(void)
{
    return ingest_g.o && ingest_g.o->page_secure_cookies;
}

static const char *
cookie_name(bool csrf)
{
    if (csrf)
        return secure() ? "__Host-pl_alarm_csrf" : "pl_alarm_csrf";
    return secure() ? "__Host-pl_alarm" : "pl_alarm";
}

/* Set (value) or clear (NULL) a cookie of the page. */
static void
cookie_set(struct req *r, bool csrf, const char *value, int64_t max_age_s)
{
    char v[256];
    snprintf(v, sizeof(v),
             "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%" PRId64 "%s",
             cookie_name(csrf), value ? value : "", value ? max_age_s : 0,
             secure() ? "; Secure" : "");
    resp_header(r, "Set-Cookie", v);
}

static void
redirect(struct req *r)
{
    resp_header(r, "Location", "/alarms");
    resp_empty(r, 303);
}

/* ---------------------------------------------------------------------- */
/* The sign-in form                                                       */
/* ---------------------------------------------------------------------- */

static void
field(struct buf *b, const char *label, const char *name, const char *type,
      const char *extra, const char *value)
{
    buf_printf(b, "<label>%s<input name=\"%s\" type=\"%s\" required %s", label,
               name, type, extra);
    if (value) {
        buf_puts(b, " value=\"");
        esc(b, value);
        buf_puts(b, "\"");
    }
    buf_puts(b, "></label>\n");
}

/* The sign-in page with a fresh CSRF token (also set as a cookie). */
static enum err
render_signin(struct req *r, int status, enum err e, const char *text)
{
    struct buf b;
    char token[CRYPTO_TOKEN_CHARS + 1];
    crypto_token(token);
    buf_init(&b, PAGE_HTML_MAX);
    page_head(&b, false);
    buf_puts(&b, "<p>事務所のシステムが使えない間も、警報の確認と受付が"
                 "できるページです。警報の確認ができる役割の方だけが"
                 "サインインできます。</p>\n");
    page_error(&b, e, text);
    buf_printf(&b,
               "<form method=\"post\" action=\"/alarms/signin\">"
               "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n",
               token);
    field(&b, "事業者コード", "tenant", "text",
          "autocomplete=\"organization\" maxlength=\"32\"",
          form_get(r, "tenant"));
    field(&b, "ログインID", "login", "text",
          "autocomplete=\"username\" autocapitalize=\"none\" maxlength=\"64\"",
          form_get(r, "login"));
    field(&b, "パスワード", "password", "password",
          "autocomplete=\"current-password\"", NULL);
    field(&b, "確認コード（認証アプリの6桁）", "code", "text",
          "inputmode=\"numeric\" autocomplete=\"one-time-code\" "
          "maxlength=\"8\"",
          NULL);
    buf_puts(&b, "<button type=\"submit\">サインイン</button></form>\n");
    cookie_set(r, true, token, 3600);
    send_html(r, status, &b);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* The list                                                               */
/* ---------------------------------------------------------------------- */

static const char *
jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* "2026-06-18 06:00" in Japan time, or the text as given. */
static void
time_jst(const char *iso, char out[32])
{
    int64_t ms;
    struct tm tm;
    if (!iso || !batch_time_parse(iso, &ms)) {
        snprintf(out, 32, "%s", iso ? iso : "—");
        return;
    }
    time_t t = (time_t)(ms / 1000) + 9 * 3600;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%d %H:%M", &tm);
}

static void
dd(struct buf *b, const char *label, const char *value)
{
    buf_printf(b, "<dt>%s</dt><dd>", label);
    esc(b, value && *value ? value : "—");
    buf_puts(b, "</dd>");
}

static void
render_alarm(struct buf *b, const json_t *a, const struct page_user *u)
{
    char when[32];
    const char *sev = jstr(a, "severity");
    bool open = !strcmp(jstr(a, "state") ? jstr(a, "state") : "", "open");
    int64_t id = json_integer_value(json_object_get(a, "id"));
    time_jst(jstr(a, "device_at"), when);
    buf_printf(b, "<li class=\"alarm %s\" id=\"alarm-%" PRId64 "\"><b>",
               sev && !strcmp(sev, "critical") ? "critical" : "warning", id);
    esc(b, jstr(a, "label_ja"));
    buf_printf(b, "</b> <span class=\"sev\">%s</span>%s<dl>",
               sev && !strcmp(sev, "critical") ? "重大" : "警告",
               json_is_true(json_object_get(a, "shutoff")) ? "（ガス遮断）"
                                                           : "");
    dd(b, "場所", jstr(json_object_get(a, "supply_point"), "address"));
    dd(b, "お客様", jstr(json_object_get(a, "customer"), "name"));
    dd(b, "発生", when);
    dd(b, "機器", jstr(a, "device_id"));
    dd(b, "状態", open ? "未対応" : "確認済み");
    buf_puts(b, "</dl>");
    if (open)
        buf_printf(b,
                   "<form method=\"post\" action=\"/alarms/%" PRId64 "/ack\">"
                   "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                   "<button type=\"submit\">確認しました（受付）</button>"
                   "</form>",
                   id, u->csrf);
    buf_puts(b, "</li>\n");
}

static void
render_section(struct buf *b, json_t *list, bool open,
               const struct page_user *u)
{
    size_t i, n = 0;
    json_t *a;
    json_array_foreach(list, i, a)
    {
        const char *st = jstr(a, "state");
        if (!st || (!strcmp(st, "open")) != open || (!open && n >= ACKED_SHOWN))
            continue;
        if (!n++)
            buf_puts(b, "<ul>\n");
        render_alarm(b, a, u);
    }
    if (n)
        buf_puts(b, "</ul>\n");
    else
        buf_printf(b, "<p>%s</p>\n",
                   open ? "未対応の警報はありません。" : "ありません。");
}

static enum err
render_list(struct req *r, const struct page_user *u, int status, enum err e,
            const char *text)
{
    struct buf b;
    json_t *list = NULL;
    enum err rc = alarm_page_list(u->tenant_id, &list);
    buf_init(&b, PAGE_HTML_MAX);
    page_head(&b, true);
    buf_puts(&b, "<div class=\"bar\"><span>事業者 ");
    esc(&b, u->tenant);
    buf_puts(&b, "・");
    esc(&b, u->name[0] ? u->name : u->login);
    buf_printf(&b,
               " さん</span><form method=\"post\" action=\"/alarms/signout\">"
               "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
               "<button type=\"submit\">サインアウト</button></form></div>\n",
               u->csrf);
    page_error(&b, e ? e : rc, text);
    buf_puts(&b, "<h2>未対応の警報</h2>\n");
    render_section(&b, list, true, u);
    buf_puts(&b, "<h2>確認済み（最近のもの）</h2>\n");
    render_section(&b, list, false, u);
    buf_puts(&b, "<p><small>受付はこの監視サーバーに記録され、事務所の"
                 "システムが戻りしだい自動で反映されます。</small></p>\n");
    json_decref(list);
    send_html(r, rc && !e ? err_http_status(rc) : status, &b);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Routes                                                                 */
/* ---------------------------------------------------------------------- */

/* The caller's session; ERR_ALARM_PAGE_SESSION when none. */
static enum err
session_of(struct req *r, struct page_user *u)
{
    return page_session_find(req_cookie(r, cookie_name(false)), u);
}

static enum err
get_alarms(struct req *r)
{
    struct page_user u;
    if (session_of(r, &u))
        return render_signin(r, 200, ERR_OK, NULL);
    return render_list(r, &u, 200, ERR_OK, NULL);
}

/* A signed-in form post: session and its CSRF token. On failure the
 * answer is already set. */
static bool
form_session(struct req *r, struct page_user *u)
{
    const char *csrf = form_get(r, "csrf");
    enum err rc = is_form(r) ? session_of(r, u) : ERR_HTTP_MEDIA_TYPE;
    if (rc)
        render_signin(r, err_http_status(rc), rc, NULL);
    else if (!csrf || !crypto_streq(csrf, u->csrf))
        render_list(r, u, err_http_status(ERR_AUTH_CSRF), ERR_AUTH_CSRF, NULL);
    else
        return true;
    return false;
}

static enum err
post_signin(struct req *r)
{
    struct page_user u;
    char token[CRYPTO_TOKEN_CHARS + 1];
    int64_t retry = 0;
    const char *csrf = form_get(r, "csrf");
    const char *cookie = req_cookie(r, cookie_name(true));
    struct page_signin in = {form_get(r, "tenant"), form_get(r, "login"),
                             form_get(r, "password"), form_get(r, "code"),
                             req_client_ip(r)};
    enum err rc = ERR_OK;
    if (!is_form(r))
        rc = err_fail(ERR_HTTP_MEDIA_TYPE, "a form post is expected");
    else if (!csrf || !cookie || !crypto_streq(csrf, cookie))
        rc = err_fail(ERR_AUTH_CSRF, "sign-in form token");
    else if (!in.tenant || !in.login || !in.password || !in.code ||
             strlen(in.tenant) > TENANT_CODE_MAX ||
             strlen(in.login) > USER_LOGIN_MAX ||
             strlen(in.password) > PASSWORD_MAX_BYTES || strlen(in.code) > 16)
        rc = err_fail(ERR_ALARM_PAGE_SIGNIN, "a field is missing or too long");
    else
        rc = page_signin(&in, token, &u, &retry);
    if (rc) {
        if (rc == ERR_ALARM_PAGE_THROTTLED) {
            char v[24];
            snprintf(v, sizeof(v), "%" PRId64, retry);
            resp_header(r, "Retry-After", v);
        }
        return render_signin(r, err_http_status(rc), rc,
                             rc == ERR_AUTH_FORBIDDEN ? err_detail() : NULL);
    }
    cookie_set(r, false, token, PAGE_SESSION_S);
    cookie_set(r, true, NULL, 0);
    crypto_wipe(token, sizeof(token));
    redirect(r);
    return ERR_OK;
}

static enum err
post_ack(struct req *r)
{
    struct page_user u;
    char *end;
    const char *v = req_param(r, "id");
    long long id = v ? strtoll(v, &end, 10) : 0;
    if (!form_session(r, &u))
        return ERR_OK;
    if (!v || !*v || *end || id < 1)
        return render_list(r, &u, 404, ERR_ALARM_NOT_FOUND, NULL);
    enum err rc = alarm_page_ack(u.tenant_id, id, u.login);
    if (rc)
        return render_list(r, &u, err_http_status(rc), rc, NULL);
    log_msg(LOG_INFO, "alarm_page.ack", "alarm %lld by %s/%s", id, u.tenant,
            u.login);
    redirect(r);
    return ERR_OK;
}

static enum err
post_signout(struct req *r)
{
    struct page_user u;
    if (!form_session(r, &u))
        return ERR_OK;
    page_session_end(req_cookie(r, cookie_name(false)));
    cookie_set(r, false, NULL, 0);
    redirect(r);
    return ERR_OK;
}

const struct route ingest_page_routes[] = {
    {"GET", "/alarms", get_alarms, 0, NULL, NULL, 0},
    {"POST", "/alarms/signin", post_signin, PAGE_BODY_MAX, NULL, NULL, 0},
    {"POST", "/alarms/signout", post_signout, PAGE_BODY_MAX, NULL, NULL, 0},
    {"POST", "/alarms/{id}/ack", post_ack, PAGE_BODY_MAX, NULL, NULL, 0},
    ROUTES_END,
};
