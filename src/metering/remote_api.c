/*
 * remote_api.c — remote readings (遠隔検針) arriving from `ingest`.
 *
 *   POST /internal/v1/remote-readings     internal token (remote_api.h)
 *   {"readings": [{"tenant": "0001", "device_id": "NCU-1234ABCD",
 *                  "read_at": "2026-11-10T06:00:00+09:00",
 *                  "index": "1234.5"}]}              1–5,000 readings
 *
 * Each reading names its tenant by code; the registry (platform store)
 * gives its id and pool_tenant its store. The supply point is the one
 * whose meter carries device_id on the reading date (read_at taken to the
 * JST date). Every reading is kept as the meter's interval reading of
 * that day; the one nearest the period's reading day (検針日) inside the
 * open period's window is the point's regular reading (source "remote",
 * replaced while the period is open as nearer ones arrive), with the same
 * usage and checks as a reader's (remote_store.c). Sending the same
 * reading again is a duplicate and changes nothing, so ingest may resend
 * after any failure.
 *
 * Answer: 200 {"results": [{"index", "tenant", "device_id", "outcome":
 * accepted|flagged|interval|duplicate|conflict|error, "reading":
 * {...}|null (the period's regular reading of the point),
 * "flags": [...], "error": {"code", "title", "detail"}|null}],
 * "counts": {...}}: one result per reading, in order. A bad reading does
 * not hold back the others.
 *
 * Transactions: consecutive readings of one tenant share one write
 * transaction with one audit entry (reading.remote, counts only); each
 * reading runs inside a savepoint, so one that fails leaves nothing
 * behind. When the commit itself fails, every reading of that group is
 * reported as an error (nothing of it was stored; ingest resends).
 */
#include "auth/auth.h"
#include "auth/crypto.h"
#include "auth/tenant_batch.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "customers/customers.h"
#include "http/http.h"
#include "metering/metering.h"
#include "metering/readings_import.h"
#include "metering/remote_api.h"
#include "store/pool.h"
#include "store/store.h"
#include "tenants/tenants.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static bool token_set;
static char token_digest[CRYPTO_DIGEST_HEX];

/* ---------------------------------------------------------------------- */
/* The token                                                              */
/* ---------------------------------------------------------------------- */

static enum err
token_file_mode(const char *path, FILE *f)
{
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0)
        return err_fail(ERR_CONFIG, "--internal-token-file %s: %s", path,
                        strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return err_fail(ERR_CONFIG,
                        "--internal-token-file %s: not a regular file", path);
    if (sb.st_mode & (S_IROTH | S_IWOTH))
        return err_fail(ERR_CONFIG,
                        "--internal-token-file %s: readable or writable by "
                        "others (chmod o-rw)",
                        path);
    return ERR_OK;
}

/* The token in text (n bytes, a trailing line break dropped). */
static enum err
token_check(const char *path, char *text, size_t n)
{
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        text[--n] = '\0';
    if (n < REMOTE_TOKEN_MIN || n > REMOTE_TOKEN_MAX)
        return err_fail(ERR_CONFIG,
                        "--internal-token-file %s: the token must be %d–%d "
                        "characters",
                        path, REMOTE_TOKEN_MIN, REMOTE_TOKEN_MAX);
    for (size_t i = 0; i < n; i++)
        if (text[i] <= ' ' || text[i] > '~')
            return err_fail(ERR_CONFIG,
                            "--internal-token-file %s: the token must be "
                            "printable ASCII without spaces",
                            path);
    return ERR_OK;
}

enum err
remote_configure(const char *path)
{
    char text[REMOTE_TOKEN_MAX + 4];
    token_set = false;
    if (!path || !*path)
        return ERR_OK;
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_fail(ERR_CONFIG, "--internal-token-file %s: %s", path,
                        strerror(errno));
    enum err rc = token_file_mode(path, f);
    size_t n = rc ? 0 : fread(text, 1, sizeof(text) - 1, f);
    if (!rc && ferror(f))
        rc = err_fail(ERR_CONFIG, "--internal-token-file %s: read error", path);
    fclose(f);
    text[n] = '\0';
    if (!rc && strlen(text) != n)
        rc = err_fail(ERR_CONFIG, "--internal-token-file %s: NUL byte", path);
    if (!rc && !(rc = token_check(path, text, n))) {
        crypto_digest_hex(text, strlen(text), token_digest);
        token_set = true;
    }
    crypto_wipe(text, sizeof(text));
    return rc;
}

/* The request's bearer token against ours. */
static enum err
token_verify(struct req *r)
{
    const char *h = req_header(r, "Authorization");
    char digest[CRYPTO_DIGEST_HEX];
    size_t n = h ? strlen(h) : 0;
    if (n > 7 && n <= 7 + REMOTE_TOKEN_MAX && !strncasecmp(h, "Bearer ", 7)) {
        crypto_digest_hex(h + 7, n - 7, digest);
        if (crypto_streq(digest, token_digest))
            return ERR_OK;
    }
    log_msg(LOG_WARN, "remote.unauthorized",
            "bad or missing internal token "
            "from %s",
            req_client_ip(r));
    resp_header(r, "WWW-Authenticate", "Bearer realm=\"pilotlight-internal\"");
    return err_fail(ERR_INTERNAL_AUTH, "bad or missing internal token");
}

enum err
remote_internal_auth(struct req *r)
{
    if (!token_set) /* the endpoints are off: as if there were no route */
        return err_fail(ERR_HTTP_NOT_FOUND, "no such resource");
    return token_verify(r);
}

/* ---------------------------------------------------------------------- */
/* One reading                                                            */
/* ---------------------------------------------------------------------- */

struct item {
    const char *tenant, *device_id;
    char read_on[11];
    int64_t index;
};

/* Set res to outcome "error" with rc's code (detail only for 4xx). */
static void
result_error(json_t *res, enum err rc)
{
    bool client = err_http_status(rc) < 500;
    json_object_set_new(res, "outcome", json_string("error"));
    json_object_set_new(res, "reading", json_null());
    json_object_set_new(res, "flags", json_array());
    json_object_set_new(res, "error",
                        json_pack("{s:s, s:s, s:s}", "code", err_code(rc),
                                  "title", err_title(rc), "detail",
                                  client ? err_detail() : ""));
    if (!client)
        log_msg(LOG_ERROR, "remote.reading_failed", "%s: %s", err_code(rc),
                err_detail());
}

static bool
device_valid(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 64 &&
           strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.:") == n;
}

/* True when day is after tomorrow (JST): a device clock gone wrong. */
static bool
future(const char *day)
{
    char today[11], latest[11];
    time_today_jst(today);
    time_date_add(today, 1, latest);
    return strcmp(day, latest) > 0;
}

/* Check one reading of the body; the problem goes into res. */
static bool
item_parse(const json_t *v, struct item *it, json_t *res)
{
    static const char *const keys[] = {"tenant", "device_id", "read_at",
                                       "index", NULL};
    struct jcheck k;
    const char *read_at = NULL;
    jcheck_init(&k);
    if (!json_is_object(v)) {
        jcheck_add(&k, "readings", "type", "オブジェクトで指定してください");
    } else {
        jcheck_only(&k, v, keys);
        jcheck_str(&k, v, "tenant", TENANT_CODE_MAX, JSTR_REQUIRED,
                   &it->tenant);
        jcheck_str(&k, v, "device_id", 64, JSTR_REQUIRED, &it->device_id);
        jcheck_str(&k, v, "read_at", 40, JSTR_REQUIRED, &read_at);
        if (it->device_id && !device_valid(it->device_id))
            jcheck_add(&k, "device_id", "format",
                       "機器IDは半角英数字と - _ . : の1〜64文字です");
        if (read_at && !readings_import_date(read_at, it->read_on))
            jcheck_add(&k, "read_at", "format",
                       "2026-11-10T06:00:00+09:00 の形式で指定してください");
        else if (read_at && future(it->read_on))
            jcheck_add(&k, "read_at", "future", "未来の日時です");
        if (equipment_tenths_parse(json_object_get(v, "index"), &it->index))
            jcheck_add(&k, "index", "format",
                       "指針は \"1234.5\" のように 0.1 m³ 単位で指定して"
                       "ください");
    }
    bool ok = jcheck_ok(&k);
    if (!ok) {
        json_t *first = json_array_get(k.errors, 0);
        err_fail(ERR_INVALID, "%s: %s",
                 json_string_value(json_object_get(first, "field")),
                 json_string_value(json_object_get(first, "message")));
        result_error(res, ERR_INVALID);
        json_object_set(json_object_get(res, "error"), "errors", k.errors);
    }
    jcheck_free(&k);
    return ok;
}

/* Record it inside the group's transaction, within a savepoint. */
static void
item_record(struct store *st, const struct item *it, json_t *res)
{
    struct reading_out out;
    int64_t point = 0;
    json_t *reading = NULL;
    enum err rc = store_exec(st, "SAVEPOINT remote_reading");
    if (!rc)
        rc = remote_point_by_device(st, it->device_id, it->read_on, &point);
    if (!rc) {
        struct remote_reading in = {point, it->device_id, it->read_on,
                                    it->index, REMOTE_ACTOR};
        rc = remote_reading_take(st, &in, &out);
    }
    if (!rc && out.id)
        rc = reading_json(st, out.id, &reading);
    if (rc) {
        char detail[512];
        snprintf(detail, sizeof(detail), "%s", err_detail());
        store_exec(st, "ROLLBACK TO remote_reading");
        store_exec(st, "RELEASE remote_reading");
        err_fail(rc, "%s", detail);
        result_error(res, rc);
        return;
    }
    store_exec(st, "RELEASE remote_reading");
    json_t *flags = NULL, *error = json_null();
    json_parse(out.flags, strlen(out.flags), &flags);
    if (out.outcome == READING_CONFLICT) { /* held for the office */
        char sent[24];
        equipment_tenths_format(it->index, sent);
        error = json_pack(
            "{s:s, s:s, s:s++}", "code", err_code(ERR_READING_CONFLICT),
            "title", err_title(ERR_READING_CONFLICT), "detail", "指針 ", sent,
            " は登録済みの値と異なるため、事務所の確認待ちです");
    }
    json_object_set_new(res, "outcome",
                        json_string(reading_outcome_name(out.outcome)));
    json_object_set_new(res, "reading", reading ? reading : json_null());
    json_object_set_new(res, "flags", flags ? flags : json_array());
    json_object_set_new(res, "error", error);
}

/* ---------------------------------------------------------------------- */
/* Groups: consecutive readings of one tenant                             */
/* ---------------------------------------------------------------------- */

/* The outcomes a reading can have, counted per group and in the answer. */
static const char *const outcomes[] = {
    "accepted", "flagged", "interval", "duplicate", "conflict", "error", NULL};

/* ---------------------------------------------------------------------- */
/* The route                                                              */
/* ---------------------------------------------------------------------- */

static enum err
post_remote(struct req *r)
{
    json_t *list, *v;
    size_t i;
    if (!token_set) /* the endpoint is off: as if there were no route */
        return err_fail(ERR_HTTP_NOT_FOUND, "no such resource");
    enum err rc = token_verify(r);
    if (!rc)
        rc = req_json_batch(r, "readings", REMOTE_READINGS_MAX, "指針", &list);
    if (rc)
        return rc;
    struct tenant_batch g = {.r = r,
                             .results = json_array(),
                             .actor = REMOTE_ACTOR,
                             .action = "reading.remote",
                             .target = "readings",
                             .outcomes = outcomes,
                             .fail = result_error};
    json_array_foreach(list, i, v)
    {
        struct item it = {0};
        json_t *res = json_pack("{s:I}", "index", (json_int_t)i);
        json_t *tenant = json_object_get(v, "tenant");
        json_t *device = json_object_get(v, "device_id");
        json_object_set_new(res, "tenant",
                            json_is_string(tenant) ? json_incref(tenant)
                                                   : json_null());
        json_object_set_new(res, "device_id",
                            json_is_string(device) ? json_incref(device)
                                                   : json_null());
        json_array_append_new(g.results, res);
        if (!item_parse(v, &it, res))
            continue;
        if (!g.tenant[0] || strcmp(g.tenant, it.tenant))
            tenant_batch_start(&g, it.tenant);
        if (g.rc) {
            err_fail(g.rc, "%s", g.detail);
            result_error(res, g.rc);
            continue;
        }
        item_record(g.st, &it, res);
    }
    tenant_batch_end(&g);
    resp_json(r, 200,
              json_pack("{s:o, s:o}", "counts", tenant_batch_counts(&g, 0),
                        "results", g.results));
    return ERR_OK;
}

const struct route remote_routes[] = {
    /* perm NULL: no session; post_remote checks the internal token first */
    {"POST", "/internal/v1/remote-readings", post_remote, REMOTE_BODY_MAX, NULL,
     "reading.remote", 0},
    ROUTES_END,
};
