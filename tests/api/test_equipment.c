/*
 * test_equipment.c — what hangs off a supply point, over HTTP: contracts
 * (契約) with bank details for 口座振替, meters (メーター) and their
 * exchanges, cylinder set-ups (容器設置) and appliances (消費機器).
 *
 * Covers create/read/update of each kind with ETag/If-Match, field errors
 * that name the field and change nothing, overlapping contracts, one
 * installed meter per point, the meter exchange, a move that ends one
 * contract and opens the next, history, tenant isolation, and bank
 * masking: a meter reader (role reader) sees no bank field at all, office
 * staff see "****321", and the full account number appears in no response
 * body, no audit entry and not in the server's log.
 */
#include "accounts.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define FULL_NUMBER "7654321" /* the account number every debit uses */

static struct server srv;
static struct account admin, office, reader, other_admin;
static struct client admin_c, office_c, reader_c, other_c;
static bool leaked; /* a response body held FULL_NUMBER */

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    tenant_make(&srv, "0001", "テストガス株式会社");
    tenant_make(&srv, "0002", "別府プロパン有限会社");
    account_make(&srv, "0001", "admin", "admin", &admin);
    account_make(&srv, "0001", "suzuki", "office", &office);
    account_make(&srv, "0001", "yamada", "reader", &reader);
    account_make(&srv, "0002", "admin", "admin", &other_admin);
    const char *extra[] = {"--login-rate", "100000", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &office);
    account_enroll(&srv, &reader);
    account_enroll(&srv, &other_admin);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &office_c, &office);
    account_sign_in(&srv, &reader_c, &reader);
    account_sign_in(&srv, &other_c, &other_admin);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    client_free(&office_c);
    client_free(&reader_c);
    client_free(&other_c);
    server_down(&srv);
    return 0;
}

/* A request with If-Match: "<version>" (0 sends none); notes a leak of
 * the full account number in the answer. */
static void
call(struct client *c, const char *method, const char *path, const char *json,
     int version, struct http *h)
{
    char hdr[64];
    snprintf(hdr, sizeof(hdr), "If-Match: \"%d\"", version);
    c->extra_header = version ? hdr : NULL;
    client_req(&srv, c, method, path, json, h);
    c->extra_header = NULL;
    if (h->body && strstr(h->body, FULL_NUMBER))
        leaked = true;
}

static void
get(struct client *c, const char *path, struct http *h)
{
    call(c, "GET", path, NULL, 0, h);
}

static void
post(const char *path, const char *json, struct http *h)
{
    call(&admin_c, "POST", path, json, 0, h);
}

static const char *
str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int64_t
num(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* True when the problem h names field in its errors[] (in Japanese). */
static bool
names_field(const struct http *h, const char *field)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(h->json, "errors"), i, e)
    {
        if (!strcmp(str(e, "field"), field) && has_japanese(str(e, "message")))
            return true;
    }
    return false;
}

static void
expect_fields(const struct http *h, const char *const *fields)
{
    assert_problem(h, 422, "invalid");
    for (; *fields; fields++)
        if (!names_field(h, *fields))
            fail_msg("no error for %s: %s", *fields, h->body);
}

/* POST path; returns the new id (fails the test unless 201). */
static int64_t
make(const char *path, const char *json)
{
    struct http h;
    post(path, json, &h);
    if (h.status != 201)
        fail_msg("POST %s: %ld %s", path, h.status, h.body);
    assert_string_equal(http_header(&h, "ETag"), "\"1\"");
    int64_t id = num(h.json, "id");
    http_free(&h);
    return id;
}

static int64_t
make_customer(const char *number)
{
    char body[256];
    snprintf(body, sizeof(body),
             "{\"number\":\"%s\",\"name\":\"山田花子\",\"kana\":\"ヤマダ\","
             "\"kind\":\"household\"}",
             number);
    return make("/api/v1/customers", body);
}

static int64_t
make_point(void)
{
    return make("/api/v1/supply-points",
                "{\"prefecture\":\"大分県\",\"city\":\"別府市\","
                "\"street\":\"鉄輪3-1\",\"supply_kind\":\"individual\"}");
}

/* Move customer into point on date, with an optional contract object. */
static void
move(int64_t point, int64_t customer, const char *date, const char *contract,
     struct http *h)
{
    char path[64], body[1024];
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/move",
             (long long)point);
    snprintf(body, sizeof(body), "{\"customer_id\":%lld,\"date\":\"%s\"%s%s}",
             (long long)customer, date, contract ? ",\"contract\":" : "",
             contract ? contract : "");
    post(path, body, h);
}

/* A supply point with an occupant who moved in on 2026-01-10. */
static int64_t
occupied_point(const char *number, int64_t *customer)
{
    struct http h;
    int64_t point = make_point();
    *customer = make_customer(number);
    move(point, *customer, "2026-01-10", NULL, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    return point;
}

#define DEBIT                                                                  \
    "\"payment_method\":\"debit\",\"bank_code\":\"0177\","                     \
    "\"branch_code\":\"201\",\"account_type\":\"1\","                          \
    "\"account_number\":\"" FULL_NUMBER "\","                                  \
    "\"account_holder\":\"やまだ はなこ\""

static void
sp_path(char *out, size_t n, int64_t point, const char *what)
{
    snprintf(out, n, "/api/v1/supply-points/%lld/%s", (long long)point, what);
}

static void
rec_path(char *out, size_t n, const char *kind, int64_t id, const char *tail)
{
    snprintf(out, n, "/api/v1/%s/%lld%s", kind, (long long)id, tail);
}

/* ---------------------------------------------------------------------- */

static void
test_contract_for_occupant_with_masked_debit(void **state)
{
    (void)state;
    struct http h;
    char path[96];
    int64_t customer, point = occupied_point("5010", &customer);
    sp_path(path, sizeof(path), point, "contracts");
    int64_t id = make(path, "{\"start_date\":\"2026-01-10\"," DEBIT "}");
    rec_path(path, sizeof(path), "contracts", id, "");
    get(&office_c, path, &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(num(h.json, "customer_id"), customer); /* occupant */
    assert_string_equal(str(h.json, "account_number_masked"), "****321");
    assert_null(json_object_get(h.json, "account_number"));
    assert_string_equal(str(h.json, "account_holder"), "ﾔﾏﾀﾞ ﾊﾅｺ");
    assert_string_equal(str(h.json, "bank_code"), "0177");
    assert_true(json_is_null(json_object_get(h.json, "end_date")));
    http_free(&h);
    call(&office_c, "PATCH", path,
         "{\"account_number\":\"98765\",\"notes\":\"引落日 27日\"}", 1, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(http_header(&h, "ETag"), "\"2\"");
    assert_string_equal(str(h.json, "account_number_masked"), "****765");
    http_free(&h);
    call(&office_c, "PATCH", path, "{\"customer_id\":999999}", 2, &h);
    expect_fields(&h, (const char *const[]){"customer_id", NULL});
    http_free(&h);
    /* the tariff only through PUT /contracts/{id}/tariff (its checks) */
    call(&office_c, "PATCH", path, "{\"tariff_id\":1}", 2, &h);
    expect_fields(&h, (const char *const[]){"tariff_id", NULL});
    http_free(&h);
}

static void
test_contract_errors_name_fields_and_change_nothing(void **state)
{
    (void)state;
    struct http h;
    char path[96], cpath[96];
    int64_t customer, point = occupied_point("5020", &customer);
    sp_path(path, sizeof(path), point, "contracts");
    post(path,
         "{\"start_date\":\"2026-02-30\",\"payment_method\":\"debit\","
         "\"bank_code\":\"177\",\"account_type\":\"3\","
         "\"account_number\":\"12345678\",\"account_holder\":\"山田花子\"}",
         &h);
    expect_fields(&h, (const char *const[]){"start_date", "bank_code",
                                            "branch_code", "account_type",
                                            "account_number", "account_holder",
                                            NULL});
    http_free(&h);
    post(path,
         "{\"start_date\":\"2026-01-10\",\"payment_method\":\"transfer\","
         "\"bank_code\":\"0177\",\"colour\":\"red\"}",
         &h);
    expect_fields(&h, (const char *const[]){"bank_code", "colour", NULL});
    http_free(&h);
    get(&admin_c, path, &h);
    assert_int_equal(json_array_size(json_object_get(h.json, "contracts")), 0);
    http_free(&h);
    int64_t id = make(
        path, "{\"start_date\":\"2026-01-10\",\"payment_method\":\"cvs\"}");
    rec_path(cpath, sizeof(cpath), "contracts", id, "");
    call(&admin_c, "PATCH", cpath, "{\"payment_method\":\"debit\"}", 1, &h);
    expect_fields(&h, (const char *const[]){"bank_code", "account_number",
                                            "account_holder", NULL});
    http_free(&h);
    get(&admin_c, cpath, &h);
    assert_string_equal(str(h.json, "payment_method"), "cvs");
    assert_int_equal(num(h.json, "version"), 1);
    http_free(&h);
}

static void
test_reader_sees_no_bank_fields_office_only_masked(void **state)
{
    (void)state;
    struct http h;
    char path[96];
    static const char *const bank[] = {
        "bank_code",      "branch_code",    "account_type",
        "account_number", "account_holder", "account_number_masked"};
    int64_t customer, point = occupied_point("5030", &customer);
    sp_path(path, sizeof(path), point, "contracts");
    int64_t id = make(path, "{\"start_date\":\"2026-01-10\"," DEBIT "}");
    rec_path(path, sizeof(path), "contracts", id, "");
    get(&reader_c, path, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(str(h.json, "payment_method"), "debit");
    for (size_t i = 0; i < sizeof(bank) / sizeof(bank[0]); i++)
        if (json_object_get(h.json, bank[i]))
            fail_msg("reader sees %s: %s", bank[i], h.body);
    http_free(&h);
    sp_path(path, sizeof(path), point, "");
    path[strlen(path) - 1] = '\0'; /* the point itself, with summaries */
    get(&reader_c, path, &h);
    json_t *c = json_object_get(h.json, "contract");
    assert_int_equal(num(c, "id"), id);
    assert_null(json_object_get(c, "bank_code"));
    assert_null(json_object_get(c, "account_number_masked"));
    http_free(&h);
    get(&office_c, path, &h);
    c = json_object_get(h.json, "contract");
    assert_string_equal(str(c, "account_number_masked"), "****321");
    http_free(&h);
    call(&reader_c, "PATCH", path, "{\"notes\":\"x\"}", 1, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    assert_false(leaked);
}

static void
test_overlapping_contracts_conflict(void **state)
{
    (void)state;
    struct http h;
    char path[96], end[96];
    int64_t customer, point = occupied_point("5040", &customer);
    sp_path(path, sizeof(path), point, "contracts");
    int64_t first = make(
        path, "{\"start_date\":\"2026-01-10\",\"payment_method\":\"cvs\"}");
    post(path, "{\"start_date\":\"2026-05-01\",\"payment_method\":\"cvs\"}",
         &h);
    assert_problem(&h, 409, "customers.contract_overlap");
    http_free(&h);
    rec_path(end, sizeof(end), "contracts", first, "/end");
    post(end, "{\"end_date\":\"2026-01-09\"}", &h); /* before the start */
    expect_fields(&h, (const char *const[]){"end_date", NULL});
    http_free(&h);
    post(end, "{\"end_date\":\"2026-04-30\",\"reason\":\"解約\"}", &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(str(h.json, "end_date"), "2026-04-30");
    assert_string_equal(http_header(&h, "ETag"), "\"2\"");
    http_free(&h);
    post(end, "{\"end_date\":\"2026-05-31\"}", &h);
    assert_problem(&h, 409, "conflict");
    http_free(&h);
    post(path, "{\"start_date\":\"2026-04-30\",\"payment_method\":\"cvs\"}",
         &h); /* the last day of the first */
    assert_problem(&h, 409, "customers.contract_overlap");
    http_free(&h);
    make(path, "{\"start_date\":\"2026-05-01\",\"payment_method\":\"cvs\"}");
    get(&admin_c, path, &h);
    json_t *list = json_object_get(h.json, "contracts");
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(str(json_array_get(list, 0), "start_date"),
                        "2026-05-01");
    http_free(&h);
}

/* Install a meter at point; returns its id. */
static int64_t
install_meter(int64_t point, const char *serial, const char *more)
{
    char path[96], body[512];
    sp_path(path, sizeof(path), point, "meters");
    snprintf(body, sizeof(body),
             "{\"serial\":\"%s\",\"maker\":\"愛知時計電機\",\"kind\":\"E\","
             "\"capacity\":\"2.5\",\"install_date\":\"2020-06-01\"%s}",
             serial, more);
    return make(path, body);
}

static void
test_meter_create_read_update_one_installed(void **state)
{
    (void)state;
    struct http h;
    char path[96];
    int64_t point = make_point();
    int64_t id = install_meter(point, "AT-1001",
                               ",\"initial_index\":12.3,"
                               "\"certification_expiry\":\"2024-05\"");
    rec_path(path, sizeof(path), "meters", id, "");
    get(&reader_c, path, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(str(h.json, "initial_index"), "12.3");
    assert_int_equal(num(h.json, "digits"), 4);
    assert_true(json_is_true(json_object_get(h.json, "certification_expired")));
    http_free(&h);
    call(&admin_c, "PATCH", path,
         "{\"certification_expiry\":\"2999-12\",\"initial_index\":\"100\"}", 1,
         &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(str(h.json, "initial_index"), "100.0");
    assert_true(
        json_is_false(json_object_get(h.json, "certification_expired")));
    http_free(&h);
    call(&admin_c, "PATCH", path, "{\"serial\":\"AT-9\"}", 1, &h);
    assert_problem(&h, 409, "customers.version_conflict");
    assert_string_equal(http_header(&h, "ETag"), "\"2\"");
    http_free(&h);
    call(&admin_c, "PATCH", path,
         "{\"initial_index\":\"1.25\",\"capacity\":\"3\",\"kind\":\"X\","
         "\"digits\":9}",
         2, &h);
    expect_fields(&h, (const char *const[]){"initial_index", "capacity", "kind",
                                            "digits", NULL});
    http_free(&h);
    get(&admin_c, path, &h);
    assert_string_equal(str(h.json, "serial"), "AT-1001");
    assert_int_equal(num(h.json, "version"), 2);
    http_free(&h);
    sp_path(path, sizeof(path), point, "meters");
    post(path,
         "{\"serial\":\"AT-2\",\"kind\":\"S\",\"install_date\":\"2026-01-01\"}",
         &h);
    assert_problem(&h, 409, "customers.meter_installed");
    http_free(&h);
}

static void
test_meter_exchange_keeps_old_meter_and_row(void **state)
{
    (void)state;
    struct http h;
    char path[96];
    int64_t point = make_point();
    int64_t old = install_meter(point, "AT-3001", ",\"initial_index\":\"5\"");
    sp_path(path, sizeof(path), point, "meter-exchange");
    post(path,
         "{\"date\":\"2026-04-01\",\"old_final_index\":\"4.9\","
         "\"new_meter\":{\"serial\":\"AT-3002\",\"kind\":\"smart\"}}",
         &h);
    assert_problem(&h, 422, "customers.meter_exchange"); /* below 5.0 */
    http_free(&h);
    post(path,
         "{\"date\":\"2019-04-01\",\"old_final_index\":\"10\","
         "\"new_meter\":{\"serial\":\"AT-3002\",\"kind\":\"smart\"}}",
         &h);
    assert_problem(&h, 422, "customers.meter_exchange"); /* before install */
    http_free(&h);
    post(path,
         "{\"date\":\"2026-04-01\",\"old_final_index\":\"1.23\","
         "\"new_meter\":{\"kind\":\"smart\",\"install_date\":\"2026-04-01\"}}",
         &h);
    expect_fields(&h,
                  (const char *const[]){"old_final_index", "new_meter.serial",
                                        "new_meter.install_date", NULL});
    http_free(&h);
    post(path,
         "{\"date\":\"2026-04-01\",\"old_final_index\":\"2345.6\","
         "\"reason\":\"検定満期\",\"new_meter\":{\"serial\":\"AT-3002\","
         "\"kind\":\"smart\",\"device_id\":\"ncu-77\",\"initial_index\":0.4}}",
         &h);
    assert_int_equal(h.status, 201);
    json_t *o = json_object_get(h.json, "old_meter");
    json_t *n = json_object_get(h.json, "new_meter");
    assert_int_equal(num(o, "id"), old);
    assert_string_equal(str(o, "removed_date"), "2026-04-01");
    assert_string_equal(str(o, "final_index"), "2345.6");
    assert_string_equal(str(n, "install_date"), "2026-04-01");
    assert_string_equal(str(n, "initial_index"), "0.4");
    http_free(&h);
    sp_path(path, sizeof(path), point, "meter-exchanges");
    get(&reader_c, path, &h);
    json_t *x = json_array_get(json_object_get(h.json, "exchanges"), 0);
    assert_string_equal(str(x, "old_serial"), "AT-3001");
    assert_string_equal(str(x, "new_serial"), "AT-3002");
    assert_string_equal(str(x, "old_final_index"), "2345.6");
    assert_string_equal(str(x, "new_initial_index"), "0.4");
    assert_string_equal(str(x, "reason"), "検定満期");
    http_free(&h);
    sp_path(path, sizeof(path), point, "meters");
    get(&admin_c, path, &h);
    json_t *list = json_object_get(h.json, "meters");
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(str(json_array_get(list, 0), "serial"), "AT-3002");
    http_free(&h);
    rec_path(path, sizeof(path), "meters", old, "/history");
    get(&admin_c, path, &h);
    json_t *e = json_array_get(json_object_get(h.json, "history"), 0);
    assert_string_equal(str(json_object_get(e, "after"), "final_index"),
                        "2345.6");
    http_free(&h);
}

static void
test_meter_removed_at_supply_end_leaves_point_without_meter(void **state)
{
    (void)state;
    struct http h;
    char path[96];
    int64_t point = make_point();
    int64_t id = install_meter(point, "RM-1", "");
    rec_path(path, sizeof(path), "meters", id, "/remove");
    post(path, "{\"date\":\"2026-13-01\",\"final_index\":\"-1\"}", &h);
    expect_fields(&h, (const char *const[]){"date", "final_index", NULL});
    http_free(&h);
    post(path, "{\"date\":\"2019-01-01\",\"final_index\":\"10\"}", &h);
    assert_problem(&h, 422, "customers.meter_exchange"); /* before install */
    http_free(&h);
    post(path,
         "{\"date\":\"2026-05-31\",\"final_index\":\"812.3\","
         "\"reason\":\"閉栓\"}",
         &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(str(h.json, "removed_date"), "2026-05-31");
    assert_string_equal(str(h.json, "final_index"), "812.3");
    http_free(&h);
    post(path, "{\"date\":\"2026-06-01\",\"final_index\":\"812.3\"}", &h);
    assert_problem(&h, 409, "conflict"); /* already removed */
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld",
             (long long)point);
    get(&reader_c, path, &h);
    assert_true(json_is_null(json_object_get(h.json, "meter")));
    http_free(&h);
    install_meter(point, "RM-2", ""); /* the point takes a new meter */
}

static void
test_move_with_contract_ends_old_and_opens_new(void **state)
{
    (void)state;
    struct http h;
    char path[96];
    int64_t first, point = occupied_point("5050", &first);
    sp_path(path, sizeof(path), point, "contracts");
    int64_t old = make(path, "{\"start_date\":\"2026-01-10\"," DEBIT "}");
    int64_t next = make_customer("5051");
    move(point, next, "2026-06-01", "{\"payment_method\":\"bank\"}", &h);
    expect_fields(&h, (const char *const[]){"contract.payment_method", NULL});
    http_free(&h);
    move(point, next, "2026-06-01",
         "{\"payment_method\":\"collection\",\"start_date\":\"2026-06-01\"}",
         &h);
    expect_fields(&h, (const char *const[]){"contract.start_date", NULL});
    http_free(&h);
    move(point, next, "2026-06-01", "{\"payment_method\":\"collection\"}", &h);
    assert_int_equal(h.status, 200);
    json_t *c = json_object_get(h.json, "contract");
    assert_int_equal(num(c, "customer_id"), next);
    assert_string_equal(str(c, "start_date"), "2026-06-01");
    http_free(&h);
    rec_path(path, sizeof(path), "contracts", old, "");
    get(&admin_c, path, &h);
    assert_string_equal(str(h.json, "end_date"), "2026-05-31");
    http_free(&h);
    rec_path(path, sizeof(path), "customers", next, "/contracts");
    get(&admin_c, path, &h);
    json_t *list = json_object_get(h.json, "contracts");
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(str(json_array_get(list, 0), "payment_method"),
                        "collection");
    http_free(&h);
    rec_path(path, sizeof(path), "customers", first, "/contracts");
    get(&admin_c, path, &h);
    list = json_object_get(h.json, "contracts");
    assert_string_equal(str(json_array_get(list, 0), "account_number_masked"),
                        "****321");
    http_free(&h);
    rec_path(path, sizeof(path), "supply-points", point, "/history");
    get(&admin_c, path, &h);
    json_t *e = json_array_get(json_object_get(h.json, "history"), 0);
    assert_int_equal(num(json_object_get(e, "after"), "customer_id"), next);
    http_free(&h);
}

static void
test_cylinders_and_appliances_update_and_remove(void **state)
{
    (void)state;
    struct http h;
    char path[96], list_path[96];
    int64_t point = make_point();
    sp_path(list_path, sizeof(list_path), point, "cylinders");
    int64_t cyl = make(list_path,
                       "{\"size_kg\":50,\"supply_count\":2,\"reserve_count\":2,"
                       "\"switch_kind\":\"auto\",\"usage_30d\":\"18.5\","
                       "\"installed_date\":\"2026-01-10\"}");
    post(list_path,
         "{\"size_kg\":0,\"supply_count\":1,\"reserve_count\":1,"
         "\"switch_kind\":\"auto\",\"gas_out_index\":\"-3\"}",
         &h);
    expect_fields(&h, (const char *const[]){"size_kg", "gas_out_index", NULL});
    http_free(&h);
    rec_path(path, sizeof(path), "cylinders", cyl, "");
    call(&admin_c, "PATCH", path, "{\"gas_out_index\":1234.5}", 1, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(str(h.json, "gas_out_index"), "1234.5");
    assert_string_equal(str(h.json, "usage_30d"), "18.5");
    http_free(&h);
    sp_path(list_path, sizeof(list_path), point, "appliances");
    int64_t app =
        make(list_path, "{\"kind\":\"water_heater\",\"maker\":\"リンナイ\","
                        "\"model\":\"RUF-A2405SAW\",\"ownership\":\"leased\","
                        "\"install_date\":\"2025-11-03\"}");
    post(list_path, "{\"kind\":\"toaster\",\"ownership\":\"borrowed\"}", &h);
    expect_fields(&h, (const char *const[]){"kind", "ownership", NULL});
    http_free(&h);
    rec_path(path, sizeof(path), "appliances", app, "/remove");
    post(path, "{\"date\":\"2026-03-31\",\"reason\":\"故障のため交換\"}", &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(str(h.json, "removed_date"), "2026-03-31");
    http_free(&h);
    rec_path(path, sizeof(path), "cylinders", cyl, "/remove");
    post(path, "{\"date\":\"2026-13-01\"}", &h);
    expect_fields(&h, (const char *const[]){"date", NULL});
    http_free(&h);
    post(path, "{\"date\":\"2026-01-09\"}", &h); /* before installed */
    expect_fields(&h, (const char *const[]){"date", NULL});
    http_free(&h);
    post(path, "{\"date\":\"2026-02-01\",\"reason\":\"バルク化\"}", &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(http_header(&h, "ETag"), "\"3\"");
    http_free(&h);
    sp_path(path, sizeof(path), point, "cylinders");
    make(path, "{\"size_kg\":20,\"supply_count\":1,\"reserve_count\":1,"
               "\"switch_kind\":\"manual\"}");
    rec_path(path, sizeof(path), "supply-points", point, "");
    get(&admin_c, path, &h);
    assert_int_equal(json_array_size(json_object_get(h.json, "cylinders")), 1);
    assert_int_equal(json_array_size(json_object_get(h.json, "appliances")), 0);
    assert_true(json_is_null(json_object_get(h.json, "meter")));
    http_free(&h);
    get(&admin_c, list_path, &h);
    assert_int_equal(json_array_size(json_object_get(h.json, "appliances")), 1);
    http_free(&h);
}

static void
test_history_lists_changes_with_masked_numbers(void **state)
{
    (void)state;
    struct http h;
    char path[96];
    int64_t customer, point = occupied_point("5060", &customer);
    sp_path(path, sizeof(path), point, "contracts");
    int64_t id = make(path, "{\"start_date\":\"2026-01-10\"," DEBIT "}");
    rec_path(path, sizeof(path), "contracts", id, "");
    call(&admin_c, "PATCH", path, "{\"account_number\":\"1111222\"}", 1, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    rec_path(path, sizeof(path), "contracts", id, "/end");
    post(path, "{\"end_date\":\"2026-12-31\",\"reason\":\"転出\"}", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    rec_path(path, sizeof(path), "contracts", id, "/history");
    get(&office_c, path, &h);
    json_t *list = json_object_get(h.json, "history");
    assert_int_equal(json_array_size(list), 2);
    json_t *end = json_array_get(list, 0), *edit = json_array_get(list, 1);
    assert_string_equal(str(json_object_get(end, "after"), "end_date"),
                        "2026-12-31");
    assert_string_equal(
        str(json_object_get(edit, "before"), "account_number_masked"),
        "****321");
    assert_string_equal(
        str(json_object_get(edit, "after"), "account_number_masked"),
        "****222");
    http_free(&h);
    get(&reader_c, path, &h);
    edit = json_array_get(json_object_get(h.json, "history"), 1);
    assert_int_equal(json_object_size(json_object_get(edit, "after")), 0);
    http_free(&h);
}

static void
test_other_tenant_and_missing_point_are_not_found(void **state)
{
    (void)state;
    struct http h;
    char path[96];
    int64_t customer, point = occupied_point("5070", &customer);
    int64_t meter = install_meter(point, "AT-7001", "");
    sp_path(path, sizeof(path), point, "contracts");
    int64_t contract = make(
        path, "{\"start_date\":\"2026-01-10\",\"payment_method\":\"cvs\"}");
    rec_path(path, sizeof(path), "contracts", contract, "");
    get(&other_c, path, &h);
    assert_problem(&h, 404, "customers.contract_not_found");
    http_free(&h);
    rec_path(path, sizeof(path), "meters", meter, "");
    call(&other_c, "PATCH", path, "{\"serial\":\"X\"}", 1, &h);
    assert_problem(&h, 404, "customers.meter_not_found");
    http_free(&h);
    sp_path(path, sizeof(path), point, "meters");
    get(&other_c, path, &h);
    assert_problem(&h, 404, "customers.supply_point_not_found");
    http_free(&h);
    call(&other_c, "POST", "/api/v1/supply-points/999999/cylinders",
         "{\"size_kg\":20,\"supply_count\":1,\"reserve_count\":1,"
         "\"switch_kind\":\"manual\"}",
         0, &h);
    assert_problem(&h, 404, "customers.supply_point_not_found");
    http_free(&h);
    get(&admin_c, "/api/v1/appliances/999999", &h);
    assert_problem(&h, 404, "customers.appliance_not_found");
    http_free(&h);
}

/* A program's request with an API token (no cookie, no CSRF token). */
static void
as_token(const char *token, const char *method, const char *path,
         const char *json, struct http *h)
{
    struct client c;
    char hdr[160];
    client_init(&c);
    snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", token);
    c.extra_header = hdr;
    client_req(&srv, &c, method, path, json, h);
    client_free(&c);
    if (h->body && strstr(h->body, FULL_NUMBER))
        leaked = true;
}

/* Install a meter with certification expiry on a new occupied point of
 * route. */
static int64_t
meter_expiring(const char *number, const char *serial, const char *expiry,
               const char *route)
{
    char path[96], body[256];
    struct http h;
    snprintf(body, sizeof(body),
             "{\"prefecture\":\"大分県\",\"city\":\"別府市\","
             "\"street\":\"鉄輪3-1\",\"supply_kind\":\"individual\","
             "\"route\":\"%s\"}",
             route);
    int64_t point = make("/api/v1/supply-points", body);
    move(point, make_customer(number), "2026-01-10", NULL, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    sp_path(path, sizeof(path), point, "meters");
    snprintf(body, sizeof(body),
             "{\"serial\":\"%s\",\"kind\":\"E\",\"install_date\":"
             "\"2016-05-01\",\"certification_expiry\":\"%s\"}",
             serial, expiry);
    return make(path, body);
}

static void
test_meters_expiring_worklist_pages_in_expiry_order(void **state)
{
    (void)state;
    struct http h;
    int64_t late = meter_expiring("7010", "EXP-3", "2026-09", "R77");
    int64_t soon = meter_expiring("7020", "EXP-1", "2026-03", "R77");
    int64_t mid = meter_expiring("7030", "EXP-2", "2026-06", "R77");
    meter_expiring("7040", "EXP-4", "2031-01", "R77"); /* not yet due */
    meter_expiring("7050", "EXP-5", "2026-04", "R78"); /* other route */
    get(&reader_c, "/api/v1/meters?expiring_by=2026-12&route=R77&limit=2", &h);
    assert_int_equal(h.status, 200);
    json_t *list = json_object_get(h.json, "meters");
    assert_int_equal(json_array_size(list), 2);
    assert_int_equal(num(json_array_get(list, 0), "id"), soon);
    assert_int_equal(num(json_array_get(list, 1), "id"), mid);
    json_t *first = json_array_get(list, 0);
    assert_string_equal(str(json_object_get(first, "customer"), "number"),
                        "7020");
    assert_string_equal(str(json_object_get(first, "supply_point"), "city"),
                        "別府市");
    char path[128];
    snprintf(path, sizeof(path),
             "/api/v1/meters?expiring_by=2026-12&route=R77&limit=2&after=%s",
             str(h.json, "next"));
    http_free(&h);
    get(&reader_c, path, &h);
    assert_int_equal(h.status, 200);
    list = json_object_get(h.json, "meters");
    assert_int_equal(json_array_size(list), 1);
    assert_int_equal(num(json_array_get(list, 0), "id"), late);
    assert_true(json_is_null(json_object_get(h.json, "next")));
    http_free(&h);
    get(&reader_c, "/api/v1/meters?expiring_by=2026-13&after=x&limit=0", &h);
    expect_fields(&h,
                  (const char *const[]){"expiring_by", "after", "limit", NULL});
    http_free(&h);
    get(&other_c, "/api/v1/meters?expiring_by=2030-01", &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(json_array_size(json_object_get(h.json, "meters")), 0);
    http_free(&h);
}

static void
test_customer_points_show_current_and_past(void **state)
{
    (void)state;
    struct http h;
    char path[96];
    int64_t first, second = make_customer("7110");
    int64_t point = occupied_point("7100", &first);
    int64_t other = make_point();
    move(point, second, "2026-06-01", NULL, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    move(other, first, "2026-06-01", NULL, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/customers/%lld/supply-points",
             (long long)first);
    get(&reader_c, path, &h);
    assert_int_equal(h.status, 200);
    json_t *list = json_object_get(h.json, "supply_points");
    assert_int_equal(json_array_size(list), 2);
    json_t *now = json_array_get(list, 0), *before = json_array_get(list, 1);
    assert_int_equal(num(json_object_get(now, "supply_point"), "id"), other);
    assert_true(json_is_null(json_object_get(now, "moved_out")));
    assert_int_equal(num(json_object_get(before, "supply_point"), "id"), point);
    assert_string_equal(str(before, "moved_out"), "2026-06-01");
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/customers/%lld/supply-points",
             (long long)first);
    get(&other_c, path, &h);
    assert_problem(&h, 404, "customers.not_found");
    http_free(&h);
}

static void
test_bank_details_need_customers_bank_to_set(void **state)
{
    (void)state;
    struct http h;
    char path[96], token[128];
    int64_t customer, point = occupied_point("5080", &customer);
    post("/api/v1/api-tokens",
         "{\"name\":\"検針連携\",\"permissions\":[\"customers.read\","
         "\"customers.write\"],\"days\":30}",
         &h);
    assert_int_equal(h.status, 201);
    snprintf(token, sizeof(token), "%s", str(h.json, "token"));
    http_free(&h);
    sp_path(path, sizeof(path), point, "contracts");
    as_token(token, "POST", path, "{\"start_date\":\"2026-01-10\"," DEBIT "}",
             &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    int64_t id = make(path, "{\"start_date\":\"2026-01-10\"," DEBIT "}");
    rec_path(path, sizeof(path), "contracts", id, "");
    as_token(token, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_null(json_object_get(h.json, "account_number_masked"));
    assert_null(json_object_get(h.json, "account_holder"));
    http_free(&h);
    as_token(token, "PATCH", path, "{\"bank_code\":\"0005\"}", &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
}

/* Last: every change is audited, and the full number is nowhere. */
static void
test_audited_and_full_number_never_leaves(void **state)
{
    (void)state;
    const char *list[] = {"audit", "list",   "--data",  srv.data, "--tenant",
                          "0001",  "--json", "--limit", "500",    NULL};
    char *out, *err;
    int rc = cli_run(list, &out, &err);
    if (rc)
        fail_msg("audit list: %d %s", rc, err);
    static const char *const actions[] = {
        "contract.create",  "contract.update",  "contract.end",
        "meter.create",     "meter.update",     "meter.exchange",
        "cylinder.create",  "cylinder.update",  "cylinder.remove",
        "appliance.create", "appliance.remove", "supply_point.move"};
    const char *missing = NULL;
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (!strstr(out, actions[i]))
            missing = actions[i];
    bool in_audit = strstr(out, FULL_NUMBER) != NULL;
    free(out);
    free(err);
    if (missing)
        fail_msg("no %s in the audit log", missing);
    assert_false(in_audit);
    char *log = slurp(srv.log);
    assert_non_null(log);
    bool in_log = strstr(log, FULL_NUMBER) != NULL;
    free(log);
    assert_false(in_log);
    assert_false(leaked);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contract_for_occupant_with_masked_debit),
        cmocka_unit_test(test_contract_errors_name_fields_and_change_nothing),
        cmocka_unit_test(test_reader_sees_no_bank_fields_office_only_masked),
        cmocka_unit_test(test_overlapping_contracts_conflict),
        cmocka_unit_test(test_meter_create_read_update_one_installed),
        cmocka_unit_test(test_meter_exchange_keeps_old_meter_and_row),
        cmocka_unit_test(
            test_meter_removed_at_supply_end_leaves_point_without_meter),
        cmocka_unit_test(test_move_with_contract_ends_old_and_opens_new),
        cmocka_unit_test(test_cylinders_and_appliances_update_and_remove),
        cmocka_unit_test(test_history_lists_changes_with_masked_numbers),
        cmocka_unit_test(test_other_tenant_and_missing_point_are_not_found),
        cmocka_unit_test(test_meters_expiring_worklist_pages_in_expiry_order),
        cmocka_unit_test(test_customer_points_show_current_and_past),
        cmocka_unit_test(test_bank_details_need_customers_bank_to_set),
        cmocka_unit_test(test_audited_and_full_number_never_leaves), /* last */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
