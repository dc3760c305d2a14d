/*
 * dunning_letter.c — what a reminder letter (督促状・催告書・供給停止予告)
 * says: the retailer (the issuer of its statements, billing settings), the
 * customer's mailing address, the overdue invoices as the ledger ages
 * them (oldest first, what is still open of each), the total, the date to
 * pay by and, for a stop notice, the planned stop date; reminder_pdf.c
 * draws it.
 *
 * The wording grows firmer step by step; a stop notice says that the
 * supply will be resumed only after payment and a safety check of the
 * appliances by the retailer's staff.
 */
#include "billing/billing.h"
#include "core/timeutil.h"
#include "payments/payments.h"
#include "payments/payments_int.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static const char *
title_of(enum dunning_step s)
{
    switch (s) {
    case DUNNING_DEMAND:
        return "催告書";
    case DUNNING_STOP_NOTICE:
        return "ガス供給停止予告通知書";
    default:
        return "ガス料金お支払いのお願い（督促状）";
    }
}

static const char *
body_of(enum dunning_step s)
{
    switch (s) {
    case DUNNING_DEMAND:
        return "先にお送りしたお支払いのお願いにもかかわらず、下記のガス料金の"
               "ご入金が確認できておりません。お支払期限までに必ずお支払い"
               "ください。期限までにお支払いいただけない場合は、ガスの供給を"
               "停止させていただくことがあります。";
    case DUNNING_STOP_NOTICE:
        return "再三のお願いにもかかわらず、下記のガス料金のご入金が確認"
               "できておりません。お支払期限までにご入金が確認できない場合、"
               "誠に遺憾ながら、下記の停止予定日にガスの供給を停止させて"
               "いただきます。供給の再開には、未払い料金のお支払いと、係員に"
               "よるガス設備の安全点検が必要です。";
    default:
        return "平素はLPガスをご利用いただき、誠にありがとうございます。"
               "下記のガス料金につきまして、お支払期限を過ぎてもご入金が"
               "確認できておりません。お手数ですが、お支払期限までにお支払い"
               "くださいますようお願い申し上げます。なお、本状と行き違いに"
               "お支払いいただいている場合は、ご容赦ください。";
    }
}

/* {number, name, postal_code, address} of the customer. */
static enum err
addressee(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s;
    bool row = false;
    enum err rc =
        store_query(st, &s,
                    "SELECT number, name, COALESCE(postal_code, ''),"
                    " COALESCE(prefecture, '') || COALESCE(address, '')"
                    " FROM customers WHERE id = $1",
                    "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *out = json_pack("{s:s, s:s, s:s, s:s}", "number", stmt_text(s, 0),
                         "name", stmt_text(s, 1), "postal_code",
                         stmt_text(s, 2), "address", stmt_text(s, 3));
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_CUSTOMER_NOT_FOUND, "顧客が見つかりません");
    return rc;
}

/* The overdue ones of the ledger's open invoices (bucket ≥ 1). */
static json_t *
overdue_of(const json_t *open)
{
    json_t *a = json_array(), *x;
    size_t i;
    json_array_foreach(open, i, x)
    {
        if (json_integer_value(json_object_get(x, "bucket")) < 1)
            continue;
        json_array_append_new(
            a, json_pack("{s:O, s:O, s:O, s:O, s:O}", "number",
                         json_object_get(x, "number"), "issued_on",
                         json_object_get(x, "issued_on"), "due_on",
                         json_object_get(x, "due_on"), "amount_yen",
                         json_object_get(x, "amount_yen"), "open_yen",
                         json_object_get(x, "open_yen")));
    }
    return a;
}

/* The stop date a stop-notice letter names: the caller's, else the one
 * the open case's notice recorded. */
static enum err
stop_date(struct store *st, int64_t id, const char *given, char out[11])
{
    struct stmt *s;
    bool row = false;
    if (given) {
        snprintf(out, 11, "%s", given);
        return ERR_OK;
    }
    enum err rc = store_query(
        st, &s,
        "SELECT stop_planned_on FROM dunning_steps WHERE customer_id = $1"
        " AND step = 'stop_notice' AND case_no = (SELECT MAX(case_no)"
        "  FROM dunning_steps WHERE customer_id = $1)",
        "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        snprintf(out, 11, "%s", stmt_text(s, 0));
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_INVALID, "供給停止予告には停止予定日"
                                   "（stop_planned_on）を指定してください");
    return rc;
}

static json_t *
issuer_of(const struct billing_settings *b)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "name", b->issuer_name, "address",
                     b->issuer_address, "phone", b->issuer_phone,
                     "registration", b->registration);
}

enum err
dunning_letter_json(struct store *st, int64_t customer_id,
                    enum dunning_step step, const char *as_of,
                    const char *pay_by, const char *stop_on, json_t **out)
{
    struct billing_settings b;
    json_t *cust = NULL, *led = NULL, *inv = NULL;
    char stop[11] = "";
    enum err rc = addressee(st, customer_id, &cust);
    if (!rc)
        rc = ledger_customer_json(st, customer_id, as_of, 1, &led);
    if (!rc)
        rc = billing_settings_get(st, &b);
    if (!rc && step == DUNNING_STOP_NOTICE)
        rc = stop_date(st, customer_id, stop_on, stop);
    if (!rc) {
        inv = overdue_of(json_object_get(led, "open_invoices"));
        if (!json_array_size(inv))
            rc = err_fail(ERR_DUNNING_NOT_OVERDUE,
                          "%s の時点で支払期限を過ぎた未収金はありません",
                          as_of);
    }
    if (!rc) {
        *out = json_pack(
            "{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:O, s:o, s:s}", "title",
            title_of(step), "step", dunning_step_name(step), "issued_on", as_of,
            "pay_by", pay_by, "customer", cust, "issuer", issuer_of(&b),
            "invoices", inv, "overdue_yen",
            json_object_get(json_object_get(led, "ageing"), "overdue_yen"),
            "stop_planned_on", stop[0] ? json_string(stop) : json_null(),
            "body", body_of(step));
        cust = inv = NULL;
    }
    json_decref(cust);
    json_decref(inv);
    json_decref(led);
    return rc;
}
