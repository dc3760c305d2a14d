/*
 * payments_http.c — query parameters and body fields of the payments
 * routes (payments_http.h).
 */
#include "core/timeutil.h"
#include "http/http.h"
#include "payments/payments_http.h"
#include "payments/payments_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
pay_query_int(struct req *r, struct jcheck *k, const char *name, int64_t def,
              int64_t lo, int64_t hi, int64_t *out)
{
    const char *s = req_query(r, name);
    char *end = NULL, msg[96];
    *out = def;
    if (!s)
        return;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi || s[0] == '+') {
        snprintf(msg, sizeof(msg),
                 "%lld 以上 %lld 以下の整数で指定してください", (long long)lo,
                 (long long)hi);
        jcheck_add(k, name, "range", msg);
        return;
    }
    *out = v;
}

void
pay_query_date(struct req *r, struct jcheck *k, const char *name,
               const char *def, char out[11])
{
    const char *s = req_query(r, name);
    snprintf(out, 11, "%s", def ? def : "");
    if (!s)
        return;
    if (strlen(s) != 10 || !time_date_valid(s)) {
        jcheck_add(k, name, "format",
                   "日付は YYYY-MM-DD の形式で指定してください");
        return;
    }
    memcpy(out, s, 11);
}

const char *
pay_query_enum(struct req *r, struct jcheck *k, const char *name,
               const char *const *allowed)
{
    const char *s = req_query(r, name);
    if (!s)
        return NULL;
    for (size_t i = 0; allowed[i]; i++)
        if (!strcmp(s, allowed[i]))
            return allowed[i];
    jcheck_add(k, name, "unknown", "指定できない値です");
    return NULL;
}

void
pay_body_date(struct jcheck *k, const json_t *b, const char *key, bool required,
              bool not_future, char out[11])
{
    const char *s = NULL;
    char today[11];
    out[0] = '\0';
    jcheck_str(k, b, key, 10, required ? JSTR_REQUIRED : 0, &s);
    if (!s || !*s)
        return;
    if (strlen(s) != 10 || !time_date_valid(s)) {
        jcheck_add(k, key, "format",
                   "日付は YYYY-MM-DD の形式で入力してください");
        return;
    }
    time_today_jst(today);
    if (not_future && strcmp(s, today) > 0) {
        jcheck_add(k, key, "future", "今日より後の日付は入力できません");
        return;
    }
    memcpy(out, s, 11);
}

void
pay_body_id(struct jcheck *k, const json_t *b, const char *key, bool required,
            int64_t *out)
{
    bool present;
    *out = 0;
    jcheck_int(k, b, key, 1, INT64_MAX, required, out, &present);
}

enum err
pay_check_customer(struct store *st, struct jcheck *k, const char *key,
                   int64_t id)
{
    enum err rc = id ? pay_customer_exists(st, id) : ERR_OK;
    if (rc == ERR_CUSTOMER_NOT_FOUND) {
        jcheck_add(k, key, "not_found", "顧客が見つかりません");
        rc = ERR_OK;
    }
    return rc;
}

enum err
pay_check_invoice(struct store *st, struct jcheck *k, const char *key,
                  int64_t id, int64_t *customer_id)
{
    struct pay_invoice iv;
    enum err rc = id ? pay_invoice_get(st, id, &iv) : ERR_OK;
    if (rc == ERR_INVOICE_NOT_FOUND) {
        jcheck_add(k, key, "not_found", "請求書が見つかりません");
        return ERR_OK;
    }
    if (!rc && id && customer_id) {
        if (*customer_id && *customer_id != iv.customer_id)
            jcheck_add(k, key, "mismatch",
                       "請求書が指定の顧客のものではありません");
        *customer_id = iv.customer_id;
    }
    return rc;
}
