/*
 * ingest_util.h — what the ingest and smart-meter API tests share
 * (static helpers): a device with its key, signing and posting batches
 * to ingest, ingest's /status, paging through serve's device events, and
 * reading back a point's meter (its device, an index in tenths).
 */
#ifndef PL_TESTS_INGEST_UTIL_H
#define PL_TESTS_INGEST_UTIL_H

#include "accounts.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct dev {
    char id[72];
    unsigned char key[32];
    int64_t seq; /* the last seq sent */
};

/* "1234.5" (a meter index as the API writes it, m³) → 12345 tenths. */
static inline int64_t
tenths(const char *s)
{
    long long w = 0, t = 0;
    assert_true(sscanf(s, "%lld.%lld", &w, &t) >= 1);
    return w * 10 + t;
}

/* The device of supply point id's installed meter into out ("" for a
 * meter without one), asked of s as c; how many meters the point has
 * had. */
static inline size_t
device_of(struct server *s, struct client *c, int64_t id, char *out, size_t n)
{
    struct http h;
    char path[96];
    size_t i;
    json_t *m;
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/meters",
             (long long)id);
    client_req(s, c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    out[0] = '\0';
    json_array_foreach(json_object_get(h.json, "meters"), i, m)
    {
        const char *device = json_string_value(json_object_get(m, "device_id"));
        if (json_is_null(json_object_get(m, "removed_date")) && device)
            snprintf(out, n, "%s", device);
    }
    size_t count = json_array_size(json_object_get(h.json, "meters"));
    http_free(&h);
    return count;
}

/* The key from 64 hex characters. */
static inline void
dev_key(struct dev *d, const char *hex)
{
    size_t got = 0;
    assert_non_null(hex);
    assert_int_equal(strlen(hex), 64);
    assert_int_equal(sodium_hex2bin(d->key, 32, hex, 64, NULL, &got, NULL), 0);
    assert_int_equal(got, 32);
}

/* Register id (kind) with the CLI, for tenant 0001 of s; keeps the key. */
static inline void
dev_register_cli(struct server *s, struct dev *d, const char *id,
                 const char *kind)
{
    char *out, *err;
    const char *args[] = {"device",   "register", "--data", s->data,
                          "--tenant", "0001",     "--id",   id,
                          "--kind",   kind,       "--json", NULL};
    memset(d, 0, sizeof(*d));
    snprintf(d->id, sizeof(d->id), "%s", id);
    if (cli_run(args, &out, &err) != 0)
        fail_msg("device register: %s", err);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    dev_key(d, json_string_value(json_object_get(j, "key")));
    json_decref(j);
    free(out);
    free(err);
}

/* POST body to ingest g as d, X-Timestamp now + skew; sig_override, when
 * set, replaces the signature. */
static inline void
dev_post_raw(struct server *g, const struct dev *d, const char *body,
             size_t len, long skew, const char *sig_override, struct http *h)
{
    char ts[24], sig[65], hdev[100], hts[48], hsig[100];
    unsigned char mac[32];
    crypto_auth_hmacsha256_state st;
    snprintf(ts, sizeof(ts), "%ld", (long)time(NULL) + skew);
    crypto_auth_hmacsha256_init(&st, d->key, 32);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(sig, sizeof(sig), mac, sizeof(mac));
    snprintf(hdev, sizeof(hdev), "X-Device-Id: %s", d->id);
    snprintf(hts, sizeof(hts), "X-Timestamp: %s", ts);
    snprintf(hsig, sizeof(hsig), "X-Signature: %s",
             sig_override ? sig_override : sig);
    const char *hdrs[] = {"Content-Type: application/json", hdev, hts, hsig,
                          NULL};
    http_req_headers(g, "POST", "/v1/batches", hdrs, body, len, h);
}

static inline void
dev_post(struct server *g, const struct dev *d, const char *body,
         struct http *h)
{
    dev_post_raw(g, d, body, strlen(body), 0, NULL, h);
}

static inline size_t
util_sink(char *p, size_t size, size_t nmemb, void *arg)
{
    struct http *h = arg;
    size_t n = size * nmemb;
    h->body = realloc(h->body, h->len + n + 1);
    memcpy(h->body + h->len, p, n);
    h->len += n;
    h->body[h->len] = '\0';
    return n;
}

/* As dev_post, for a device that meets failures: status 0 when ingest
 * cannot be reached (no test failure), and thread-safe. */
static inline void
dev_post_status(struct server *g, const struct dev *d, const char *body,
                struct http *h)
{
    char ts[24], sig[65], hdev[100], hts[48], hsig[100], url[96];
    unsigned char mac[32];
    crypto_auth_hmacsha256_state st;
    memset(h, 0, sizeof(*h));
    snprintf(ts, sizeof(ts), "%ld", (long)time(NULL));
    crypto_auth_hmacsha256_init(&st, d->key, 32);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body,
                                  strlen(body));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(sig, sizeof(sig), mac, sizeof(mac));
    snprintf(hdev, sizeof(hdev), "X-Device-Id: %s", d->id);
    snprintf(hts, sizeof(hts), "X-Timestamp: %s", ts);
    snprintf(hsig, sizeof(hsig), "X-Signature: %s", sig);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/batches", g->port);
    struct curl_slist *l = curl_slist_append(NULL, "Expect:");
    l = curl_slist_append(l, "Content-Type: application/json");
    l = curl_slist_append(l, hdev);
    l = curl_slist_append(l, hts);
    l = curl_slist_append(l, hsig);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, l);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, util_sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &h->status);
    curl_easy_cleanup(c);
    curl_slist_free_all(l);
    if (!h->body)
        h->body = calloc(1, 1);
    h->headers = calloc(1, 1);
    h->json = json_loadb(h->body, h->len, 0, NULL);
}

/* A batch of n events (kind ev) of device id with seqs first..first+n-1
 * (malloc'd). */
static inline char *
events_body(const char *id, int64_t first, int n, const char *ev)
{
    size_t cap = 256 + (size_t)n * 160, len;
    char *b = malloc(cap);
    len = (size_t)snprintf(b, cap, "{\"device_id\":\"%s\",\"messages\":[", id);
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(
            b + len, cap - len,
            "%s{\"seq\":%lld,\"kind\":\"event\",\"at\":"
            "\"2026-06-18T06:%02d:%02d+09:00\",\"event\":\"%s\","
            "\"code\":\"T%d\"}",
            i ? "," : "", (long long)(first + i), (i / 60) % 60, i % 60, ev, i);
    snprintf(b + len, cap - len, "]}");
    return b;
}

/* GET path on ingest g as JSON (new ref). */
static inline json_t *
ingest_get(struct server *g, const char *path)
{
    struct http h;
    http_get(g, path, &h);
    assert_int_equal(h.status, 200);
    json_t *j = json_incref(h.json);
    http_free(&h);
    return j;
}

static inline long long
jint(const json_t *o, const char *a, const char *b)
{
    return (long long)json_integer_value(
        json_object_get(json_object_get(o, a), b));
}

/* Wait until ingest g has forwarded everything in its log. */
static inline void
wait_forwarded(struct server *g, int seconds)
{
    for (int i = 0; i < seconds * 20; i++) {
        json_t *st = ingest_get(g, "/status");
        bool done = jint(st, "forward", "cursor") >= jint(st, "log", "end") &&
                    jint(st, "forward", "backlog_bytes") == 0;
        json_decref(st);
        if (done)
            return;
        usleep(50000);
    }
    fail_msg("ingest did not forward its log in %d s", seconds);
}

/* Serve's device events of device id: how many rows; seen[seq] counts
 * each seq up to max (the rest are counted in *beyond). */
static inline size_t
events_count(struct server *s, struct client *c, const char *id, int *seen,
             int64_t max)
{
    char path[256];
    long long before = 0;
    size_t n = 0;
    for (;;) {
        struct http h;
        size_t i;
        json_t *e;
        if (before)
            snprintf(path, sizeof(path),
                     "/api/v1/device-events?device_id=%s&limit=500"
                     "&before_id=%lld",
                     id, before);
        else
            snprintf(path, sizeof(path),
                     "/api/v1/device-events?device_id=%s&limit=500", id);
        client_req(s, c, "GET", path, NULL, &h);
        assert_int_equal(h.status, 200);
        json_array_foreach(json_object_get(h.json, "events"), i, e)
        {
            long long seq =
                (long long)json_integer_value(json_object_get(e, "seq"));
            if (seen && seq >= 1 && seq <= max)
                seen[seq]++;
            n++;
        }
        json_t *next = json_object_get(h.json, "next_before_id");
        before =
            json_is_integer(next) ? (long long)json_integer_value(next) : 0;
        http_free(&h);
        if (!before)
            return n;
    }
}

#endif
