/*
 * dunning_api.c — dunning (督促) over HTTP.
 *
 *   GET  /api/v1/dunning/overdue                  payments.read
 *        ?as_of=&min_months=1..3&min_yen=&payment_method=&after=&limit=
 *   GET  /api/v1/customers/{id}/contact-notes     payments.read
 *   POST /api/v1/customers/{id}/contact-notes     payments.write → 201
 *        {"contacted_on", "channel", "summary", "staff"?, "person"?,
 *         "agreement"?, "promised_yen"?, "promised_on"?}
 *        (contact_note.create)
 *   GET  /api/v1/customers/{id}/dunning-steps     payments.read
 *   POST /api/v1/customers/{id}/dunning-steps     payments.write → 201
 *        {"step", "taken_on", "stop_planned_on"?, "note"?}
 *        (dunning.step); out of order: 409 payments.dunning_step_order;
 *        nothing overdue: 409 payments.not_overdue. The tenant's own
 *        people only (no API token, no support grant), with a fresh
 *        step-up (a TOTP code in the last minutes, 403
 *        auth.step_up_required otherwise): a supply stop is a person's
 *        decision and act, never an integration's, and the steps are the
 *        legal record of the warning.
 *   GET  /api/v1/customers/{id}/reminder.pdf      payments.read
 *        ?step=reminder|demand|stop_notice&as_of=&pay_by=&stop_planned_on=
 *        the letter (A4 PDF); printing it records nothing — the step is
 *        recorded when the letter is sent.
 */
#include "auth/auth.h"
#include "core/timeutil.h"
#include "customers/records_api.h"
#include "http/http.h"
#include "payments/payments.h"
#include "payments/payments_http.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#define DUNNING_BODY_MAX (16 * 1024)
#define REMINDER_PDF_MAX (4u << 20)

static enum err
get_overdue(struct req *r)
{
    static const char *const methods[] = {"debit", "transfer", "collection",
                                          "cvs", NULL};
    struct overdue_filter f = {0};
    struct jcheck k;
    int64_t months;
    char today[11], as_of[11];
    json_t *out = NULL;
    time_today_jst(today);
    jcheck_init(&k);
    pay_query_date(r, &k, "as_of", today, as_of);
    pay_query_int(r, &k, "min_months", 1, 1, 3, &months);
    pay_query_int(r, &k, "min_yen", 0, 0, LEDGER_AMOUNT_MAX_YEN, &f.min_yen);
    f.payment_method = pay_query_enum(r, &k, "payment_method", methods);
    pay_query_int(r, &k, "after", 0, 0, INT64_MAX, &f.after);
    pay_query_int(r, &k, "limit", 100, 1, PAYMENTS_LIMIT_MAX, &f.limit);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    f.as_of = as_of;
    f.min_months = (int)months;
    enum err rc = dunning_overdue(auth_ctx(r)->st, &f, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

static enum err
get_notes(struct req *r)
{
    int64_t id;
    json_t *out = NULL;
    enum err rc = record_path_id(r, ERR_CUSTOMER_NOT_FOUND, &id);
    if (!rc)
        rc = contact_notes_json(auth_ctx(r)->st, id, 500, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

/* The note's fields; the dates are copied into days (2 × 11 bytes). */
static enum err
read_note(struct req *r, struct contact_note_in *n, char days[2][11])
{
    static const char *const allowed[] = {
        "contacted_on", "channel",      "staff",       "person", "summary",
        "agreement",    "promised_yen", "promised_on", NULL};
    static const char *const channels[] = {"phone", "visit", "letter",
                                           "email", "other", NULL};
    json_t *b;
    struct jcheck k;
    bool present, known = false;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    pay_body_date(&k, b, "contacted_on", true, true, days[0]);
    jcheck_str(&k, b, "channel", 16, JSTR_REQUIRED, &n->channel);
    for (size_t i = 0; n->channel && channels[i]; i++)
        known |= !strcmp(n->channel, channels[i]);
    if (n->channel && !known)
        jcheck_add(&k, "channel", "unknown",
                   "phone、visit、letter、email、other のいずれかを指定して"
                   "ください");
    jcheck_str(&k, b, "staff", 60, 0, &n->staff);
    jcheck_str(&k, b, "person", 60, 0, &n->person);
    jcheck_str(&k, b, "summary", CONTACT_TEXT_MAX,
               JSTR_REQUIRED | JSTR_MULTILINE, &n->summary);
    jcheck_str(&k, b, "agreement", CONTACT_TEXT_MAX, JSTR_MULTILINE,
               &n->agreement);
    jcheck_int(&k, b, "promised_yen", 1, LEDGER_AMOUNT_MAX_YEN, false,
               &n->promised_yen, &present);
    pay_body_date(&k, b, "promised_on", false, false, days[1]);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    n->contacted_on = days[0];
    n->promised_on = days[1][0] ? days[1] : NULL;
    return ERR_OK;
}

static enum err
post_note(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct contact_note_in n = {0};
    char days[2][11], target[48];
    int64_t id;
    json_t *out = NULL;
    enum err rc = record_path_id(r, ERR_CUSTOMER_NOT_FOUND, &id);
    if (rc || (rc = read_note(r, &n, days)))
        return rc;
    if (!n.staff) /* who made the contact: the user, unless named */
        n.staff = a->user.display_name[0] ? a->user.display_name : a->actor;
    n.actor = a->actor;
    if ((rc = store_tx_begin(a->st)))
        return rc;
    record_target(target, sizeof(target), "customer", id);
    if (!(rc = contact_note_add(a->st, id, &n, &out)))
        rc = auth_audit(r, a->st, NULL, "contact_note.create", target,
                        json_pack("{s:O, s:s, s:s}", "id",
                                  json_object_get(out, "id"), "channel",
                                  n.channel, "contacted_on", n.contacted_on));
    if ((rc = record_tx_end(a->st, rc))) {
        json_decref(out);
        return rc;
    }
    resp_json(r, 201, out);
    return ERR_OK;
}

static enum err
get_steps(struct req *r)
{
    int64_t id;
    json_t *out = NULL;
    enum err rc = record_path_id(r, ERR_CUSTOMER_NOT_FOUND, &id);
    if (!rc)
        rc = dunning_steps_json(auth_ctx(r)->st, id, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

static enum err
read_step(struct req *r, struct dunning_step_in *in, char days[2][11])
{
    static const char *const allowed[] = {"step", "taken_on", "stop_planned_on",
                                          "note", NULL};
    json_t *b;
    struct jcheck k;
    const char *step = NULL;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    jcheck_str(&k, b, "step", 16, JSTR_REQUIRED, &step);
    if (step && !dunning_step_parse(step, &in->step))
        jcheck_add(&k, "step", "unknown",
                   "reminder、demand、stop_notice、stopped、resumed、"
                   "resolved のいずれかを指定してください");
    pay_body_date(&k, b, "taken_on", true, true, days[0]);
    pay_body_date(&k, b, "stop_planned_on", in->step == DUNNING_STOP_NOTICE,
                  false, days[1]);
    if (days[1][0] && in->step != DUNNING_STOP_NOTICE)
        jcheck_add(&k, "stop_planned_on", "not_allowed",
                   "停止予定日は供給停止予告のときだけ入力します");
    jcheck_str(&k, b, "note", DUNNING_NOTE_MAX, JSTR_MULTILINE, &in->note);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    in->taken_on = days[0];
    in->stop_planned_on = days[1][0] ? days[1] : NULL;
    return ERR_OK;
}

static enum err
post_step(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct dunning_step_in in = {0};
    char days[2][11], target[48];
    int64_t id;
    json_t *out = NULL;
    enum err rc = record_path_id(r, ERR_CUSTOMER_NOT_FOUND, &id);
    if (rc || (rc = read_step(r, &in, days)))
        return rc;
    in.actor = a->actor;
    if ((rc = store_tx_begin(a->st)))
        return rc;
    record_target(target, sizeof(target), "customer", id);
    if (!(rc = dunning_step_record(a->st, id, &in, &out)))
        rc = auth_audit(
            r, a->st, NULL, "dunning.step", target,
            json_pack(
                "{s:s, s:O, s:s, s:O, s:O}", "step", dunning_step_name(in.step),
                "case_no", json_object_get(out, "case_no"), "taken_on",
                in.taken_on, "overdue_yen", json_object_get(out, "overdue_yen"),
                "stop_planned_on", json_object_get(out, "stop_planned_on")));
    if ((rc = record_tx_end(a->st, rc))) {
        json_decref(out);
        return rc;
    }
    resp_json(r, 201, out);
    return ERR_OK;
}

static enum err
get_reminder(struct req *r)
{
    static const char *const letters[] = {"reminder", "demand", "stop_notice",
                                          NULL};
    struct auth_ctx *a = auth_ctx(r);
    struct jcheck k;
    enum dunning_step step = DUNNING_REMINDER;
    char today[11], as_of[11], pay_by[11], def[11], stop[11], name[64];
    int64_t id;
    json_t *doc = NULL;
    struct buf pdf;
    enum err rc = record_path_id(r, ERR_CUSTOMER_NOT_FOUND, &id);
    if (rc)
        return rc;
    time_today_jst(today);
    jcheck_init(&k);
    const char *s = pay_query_enum(r, &k, "step", letters);
    if (s)
        dunning_step_parse(s, &step);
    pay_query_date(r, &k, "as_of", today, as_of);
    time_date_add(as_of, DUNNING_PAY_BY_DAYS, def);
    pay_query_date(r, &k, "pay_by", def, pay_by);
    pay_query_date(r, &k, "stop_planned_on", "", stop);
    if (strcmp(pay_by, as_of) < 0)
        jcheck_add(&k, "pay_by", "range", "発行日以降の日付を指定してください");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    rc = dunning_letter_json(a->st, id, step, as_of, pay_by,
                             stop[0] ? stop : NULL, &doc);
    if (rc)
        return rc;
    buf_init(&pdf, REMINDER_PDF_MAX);
    if (!(rc = reminder_pdf(doc, &pdf))) {
        snprintf(name, sizeof(name), "inline; filename=\"reminder-%lld.pdf\"",
                 (long long)id);
        resp_header(r, "Content-Disposition", name);
        resp_header(r, "Cache-Control", "private, no-store");
        resp_bytes(r, 200, "application/pdf", pdf.data, pdf.len);
    }
    buf_free(&pdf);
    json_decref(doc);
    return rc;
}

#define R "payments.read"
#define W "payments.write"
#define B DUNNING_BODY_MAX

const struct route dunning_routes[] = {
    {"GET", "/api/v1/dunning/overdue", get_overdue, 0, R, NULL, 0},
    {"GET", "/api/v1/customers/{id}/contact-notes", get_notes, 0, R, NULL, 0},
    {"POST", "/api/v1/customers/{id}/contact-notes", post_note, B, W,
     "contact_note.create", 0},
    {"GET", "/api/v1/customers/{id}/dunning-steps", get_steps, 0, R, NULL, 0},
    {"POST", "/api/v1/customers/{id}/dunning-steps", post_step, B, W,
     "dunning.step", ROUTE_STEP_UP | ROUTE_NO_SUPPORT},
    {"GET", "/api/v1/customers/{id}/reminder.pdf", get_reminder, 0, R, NULL, 0},
    ROUTES_END,
};
