/*
 * test_alarm_page.c — ingest's own alarm page (GET /alarms on ingest's
 * port) with serve stopped: a tenant admin signs in with password and
 * one-time code, sees the leak alarm ingest recorded, acknowledges it;
 * a replayed code, a wrong code and a wrong password are refused, and
 * after 5 failures an address, and an account, are throttled; a meter
 * reader is refused; forms without the CSRF token are refused. When
 * serve is back, the acknowledgement made on the page shows in serve's
 * GET /api/v1/alarms/{id}, made via ingest.
 */
#include "ingest_util.h"

#include <signal.h>

#define TOKEN "k3mpx7qwta9Vb2cDe5FgH8jKm4NpQr6StUvWx1YzA0B"
#define SHEET "/api/v1/reading-routes/R02/sheet?month=2026-06"
#define FORM  "application/x-www-form-urlencoded"

static struct server srv, ing;
static struct account admin, reader;
static struct client admin_c;
static char token_file[320], used_code[8];
static struct dev meter;
static long long page_alarm_id;

static const char *const serve_extra[] = {
    "--login-rate", "100000", "--internal-token-file", token_file, NULL};

/* ---- set-up ------------------------------------------------------------ */

static const char *
str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static long long
num(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* The device id of an installed meter of route R02. */
static void
pick_device(char *device, size_t n)
{
    struct http h, m;
    size_t i, k;
    json_t *p, *x;
    char path[96];
    client_req(&srv, &admin_c, "GET", SHEET, NULL, &h);
    assert_int_equal(h.status, 200);
    device[0] = '\0';
    json_array_foreach(json_object_get(h.json, "points"), i, p)
    {
        snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/meters",
                 num(p, "supply_point_id"));
        client_req(&srv, &admin_c, "GET", path, NULL, &m);
        json_array_foreach(json_object_get(m.json, "meters"), k, x)
        {
            if (json_is_null(json_object_get(x, "removed_date")) &&
                str(x, "device_id") && !device[0])
                snprintf(device, n, "%s", str(x, "device_id"));
        }
        http_free(&m);
        if (device[0])
            break;
    }
    http_free(&h);
    assert_true(device[0] != '\0');
}

static int
setup(void **state)
{
    (void)state;
    char device[72];
    server_prepare(&srv);
    const char *seed[] = {"seed",      "--data",     srv.data,
                          "--tenants", "1",          "--customers-per-tenant",
                          "400",       "--months",   "1",
                          "--as-of",   "2026-06-15", NULL};
    cli_ok(seed);
    account_make(&srv, "0001", "admin", "admin", &admin);
    account_make(&srv, "0001", "yamada", "reader", &reader);
    server_token_file(&srv, TOKEN, token_file, sizeof(token_file));
    server_start(&srv, serve_extra);
    const char *iextra[] = {"--refresh-ms", "200", "--retry-max", "1", NULL};
    ingest_start(&ing, &srv, token_file, iextra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &reader);
    account_sign_in(&srv, &admin_c, &admin);
    pick_device(device, sizeof(device));
    dev_register_cli(&srv, &meter, device, "smart_meter");
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    assert_int_equal(server_signal_wait(&ing, SIGTERM), 0);
    server_down(&srv);
    return 0;
}

/* ---- the page ---------------------------------------------------------- */

/* The value of the first csrf field in a page into out. */
static void
csrf_of(const struct http *h, char *out, size_t n)
{
    const char *p = strstr(h->body, "name=\"csrf\" value=\"");
    assert_non_null(p);
    p += strlen("name=\"csrf\" value=\"");
    snprintf(out, n, "%.*s", (int)strcspn(p, "\""), p);
    assert_int_equal(strlen(out), 43);
}

/* A fresh page client from source address ip (NULL: 127.0.0.1) that has
 * loaded the sign-in form: its CSRF token into csrf. */
static void
page_open(struct client *c, const char *ip, char csrf[64])
{
    struct http h;
    client_init(c);
    c->source_ip = ip;
    client_req(&ing, c, "GET", "/alarms", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_non_null(strstr(http_header(&h, "Content-Type"), "text/html"));
    assert_non_null(strstr(http_header(&h, "Content-Security-Policy"),
                           "default-src 'none'"));
    assert_non_null(strstr(h.body, "action=\"/alarms/signin\""));
    csrf_of(&h, csrf, 64);
    http_free(&h);
}

/* POST the sign-in form; a refused one shows the form again with a new
 * token, which replaces csrf (as a browser would). */
static void
page_signin(struct client *c, char *csrf, const char *tenant, const char *login,
            const char *password, const char *code, struct http *h)
{
    char body[1024];
    CURL *e = curl_easy_init();
    char *pw = curl_easy_escape(e, password, 0);
    snprintf(body, sizeof(body),
             "csrf=%s&tenant=%s&login=%s&password=%s&code=%s", csrf, tenant,
             login, pw, code);
    curl_free(pw);
    curl_easy_cleanup(e);
    client_req_body(&ing, c, "POST", "/alarms/signin", FORM, body, strlen(body),
                    h);
    if (strstr(h->body, "name=\"csrf\" value=\""))
        csrf_of(h, csrf, 64);
}

static void
page_post(struct client *c, const char *path, const char *body, struct http *h)
{
    client_req_body(&ing, c, "POST", path, FORM, body, strlen(body), h);
}

/* The page answered status with the error code in data-code. */
static void
assert_page_error(const struct http *h, long status, const char *code)
{
    char want[96];
    if (h->status != status)
        fail_msg("status %ld, want %ld: %s", h->status, status, h->body);
    snprintf(want, sizeof(want), "data-code=\"%s\"", code);
    assert_non_null(strstr(h->body, want));
}

static void
post_event(struct dev *d, const char *ev)
{
    struct http h;
    char *body = events_body(d->id, ++d->seq, 1, ev);
    dev_post(&ing, d, body, &h);
    free(body);
    assert_int_equal(h.status, 200);
    http_free(&h);
}

/* ---- tests ------------------------------------------------------------- */

static void
test_admin_signs_in_sees_and_acknowledges_with_serve_stopped(void **state)
{
    (void)state;
    struct client c;
    struct http h;
    char csrf[64], scsrf[64], path[64], body[128], want[64];
    assert_int_equal(server_signal_wait(&srv, SIGTERM), 0);
    post_event(&meter, "leak_warning");
    page_open(&c, NULL, csrf);
    /* the form's token must match its cookie */
    account_code(&admin, used_code);
    char bad[64] = "x";
    page_signin(&c, bad, "0001", admin.login, admin.password, used_code, &h);
    assert_page_error(&h, 403, "auth.csrf");
    http_free(&h);
    snprintf(csrf, sizeof(csrf), "%s", bad); /* the form shown again */
    page_signin(&c, csrf, "0001", admin.login, admin.password, used_code, &h);
    assert_int_equal(h.status, 303);
    assert_string_equal(http_header(&h, "Location"), "/alarms");
    const char *cookie = http_header(&h, "Set-Cookie");
    assert_non_null(cookie);
    http_free(&h);
    char sess[64];
    assert_true(client_cookie(&c, "pl_alarm", sess, sizeof(sess)));
    client_req(&ing, &c, "GET", "/alarms", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_non_null(strstr(h.body, "微少漏洩警告"));
    assert_non_null(strstr(h.body, meter.id));
    assert_non_null(strstr(h.body, "action=\"/alarms/signout\""));
    const char *ack = strstr(h.body, "/ack\"");
    assert_non_null(ack);
    const char *start = ack;
    while (start > h.body && start[-1] != '/')
        start--;
    page_alarm_id = strtoll(start, NULL, 10);
    assert_true(page_alarm_id > 0);
    csrf_of(&h, scsrf, sizeof(scsrf));
    http_free(&h);
    /* the customer and place come from the tenant's store (read only) */
    for (int i = 0; i < 50; i++) {
        client_req(&ing, &c, "GET", "/alarms", NULL, &h);
        bool placed = !strstr(h.body, "<dt>場所</dt><dd>—</dd>");
        http_free(&h);
        if (placed)
            break;
        usleep(100000);
    }
    client_req(&ing, &c, "GET", "/alarms", NULL, &h);
    assert_null(strstr(h.body, "<dt>場所</dt><dd>—</dd>"));
    assert_null(strstr(h.body, "<dt>お客様</dt><dd>—</dd>"));
    http_free(&h);
    snprintf(path, sizeof(path), "/alarms/%lld/ack", page_alarm_id);
    page_post(&c, path, "csrf=wrong", &h);
    assert_page_error(&h, 403, "auth.csrf");
    http_free(&h);
    snprintf(body, sizeof(body), "csrf=%s", scsrf);
    page_post(&c, path, body, &h);
    assert_int_equal(h.status, 303);
    http_free(&h);
    client_req(&ing, &c, "GET", "/alarms", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_null(strstr(h.body, path)); /* no button any more */
    snprintf(want, sizeof(want), "id=\"alarm-%lld\"", page_alarm_id);
    assert_non_null(strstr(h.body, want));
    assert_non_null(strstr(h.body, "確認済み"));
    http_free(&h);
    page_post(&c, path, body, &h);
    assert_page_error(&h, 409, "alarm.state");
    http_free(&h);
    /* signing out ends the session */
    page_post(&c, "/alarms/signout", body, &h);
    assert_int_equal(h.status, 303);
    http_free(&h);
    client_req(&ing, &c, "GET", "/alarms", NULL, &h);
    assert_non_null(strstr(h.body, "action=\"/alarms/signin\""));
    http_free(&h);
    page_post(&c, path, body, &h);
    assert_page_error(&h, 401, "alarm.page_session");
    http_free(&h);
    client_free(&c);
}

static void
test_replayed_or_wrong_codes_refused_then_throttled(void **state)
{
    (void)state;
    struct client a, b;
    struct http h;
    char csrf_a[64], csrf_b[64];
    page_open(&a, "127.0.0.2", csrf_a);
    /* the code spent on the page a moment ago (kept in ingest.db) */
    page_signin(&a, csrf_a, "0001", admin.login, admin.password, used_code, &h);
    assert_page_error(&h, 401, "alarm.page_signin");
    assert_non_null(strstr(h.body, "事業者コード・ログインID"));
    http_free(&h);
    page_signin(&a, csrf_a, "0001", admin.login, admin.password, "000000", &h);
    assert_page_error(&h, 401, "alarm.page_signin");
    http_free(&h);
    for (int i = 0; i < 3; i++) {
        page_signin(&a, csrf_a, "0001", "nobody", "wrong password!", "123456",
                    &h);
        assert_page_error(&h, 401, "alarm.page_signin");
        http_free(&h);
    }
    /* 5 failures from this address: refused before any check */
    page_signin(&a, csrf_a, "0001", admin.login, admin.password, "123456", &h);
    assert_page_error(&h, 429, "alarm.page_throttled");
    assert_non_null(http_header(&h, "Retry-After"));
    http_free(&h);
    /* per account: nobody has 3; 2 more from another address */
    page_open(&b, "127.0.0.3", csrf_b);
    for (int i = 0; i < 2; i++) {
        page_signin(&b, csrf_b, "0001", "NoBody", "wrong", "123456", &h);
        assert_page_error(&h, 401, "alarm.page_signin");
        http_free(&h);
    }
    page_signin(&b, csrf_b, "0001", "nobody", "wrong", "123456", &h);
    assert_page_error(&h, 429, "alarm.page_throttled");
    http_free(&h);
    client_free(&a);
    client_free(&b);
}

static void
test_meter_reader_is_refused(void **state)
{
    (void)state;
    struct client c;
    struct http h;
    char csrf[64], code[8];
    page_open(&c, "127.0.0.4", csrf);
    account_code(&reader, code);
    page_signin(&c, csrf, "0001", reader.login, reader.password, code, &h);
    assert_page_error(&h, 403, "auth.forbidden");
    assert_null(http_header(&h, "Location"));
    http_free(&h);
    client_req(&ing, &c, "GET", "/alarms", NULL, &h);
    assert_non_null(strstr(h.body, "action=\"/alarms/signin\""));
    http_free(&h);
    client_free(&c);
}

static void
test_acknowledgement_reaches_serve_when_it_is_back(void **state)
{
    (void)state;
    struct http h;
    char path[64];
    long long id = 0;
    server_restart(&srv, serve_extra);
    client_free(&admin_c);
    account_sign_in(&srv, &admin_c, &admin);
    for (int i = 0; i < 300 && !id; i++) {
        size_t k;
        json_t *a;
        client_req(&srv, &admin_c, "GET", "/api/v1/alarms?limit=200", NULL, &h);
        json_array_foreach(json_object_get(h.json, "alarms"), k, a)
        {
            if (!strcmp(str(a, "device_id"), meter.id) &&
                num(a, "event_seq") == meter.seq)
                id = num(a, "id");
        }
        http_free(&h);
        if (!id)
            usleep(100000);
    }
    assert_true(id > 0);
    snprintf(path, sizeof(path), "/api/v1/alarms/%lld", id);
    json_t *a = NULL;
    for (int i = 0; i < 300; i++) {
        client_req(&srv, &admin_c, "GET", path, NULL, &h);
        assert_int_equal(h.status, 200);
        a = json_object_get(h.json, "alarm");
        if (!strcmp(str(a, "state"), "acknowledged"))
            break;
        http_free(&h);
        a = NULL;
        usleep(100000);
    }
    assert_non_null(a);
    json_t *ack = json_object_get(a, "acknowledged");
    assert_string_equal(str(ack, "via"), "ingest");
    assert_non_null(strstr(str(ack, "by"), "admin"));
    http_free(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_admin_signs_in_sees_and_acknowledges_with_serve_stopped),
        cmocka_unit_test(test_replayed_or_wrong_codes_refused_then_throttled),
        cmocka_unit_test(test_meter_reader_is_refused),
        cmocka_unit_test(test_acknowledgement_reaches_serve_when_it_is_back),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
