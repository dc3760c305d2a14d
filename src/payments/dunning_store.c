/*
 * dunning_store.c — dunning (督促) in the tenant store: the warning steps,
 * recorded in order (dunning.c says which), notes of contact, and the
 * content of a reminder letter.
 *
 * A step is checked against the customer's latest step: its case (a step
 * that ends a case makes the next one start case + 1 with a reminder),
 * its date (not before the step before it, not in the future) and, up to
 * the stop itself, against the ledger: something must be overdue on the
 * step's date (ledger.h's ageing). A stop may not come before the date
 * its notice announced. UNIQUE (customer_id, case_no, step) keeps two
 * people from recording the same step of a case twice.
 */
#include "billing/billing.h"
#include "core/timeutil.h"
#include "payments/payments.h"
#include "payments/payments_int.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static json_t *
text_or_null(struct stmt *s, int col)
{
    return stmt_is_null(s, col) ? json_null() : json_string(stmt_text(s, col));
}

/* The customer's latest step: its case, step, date and (of the case's
 * notice) the stop date announced. */
struct dunning_state {
    int64_t case_no; /* 0: never dunned */
    enum dunning_step last;
    char taken_on[11], stop_planned_on[11];
};

static enum err
state_of(struct store *st, int64_t customer_id, struct dunning_state *d)
{
    struct stmt *s;
    bool row = false;
    memset(d, 0, sizeof(*d));
    enum err rc = store_query(
        st, &s,
        "SELECT case_no, step, taken_on, (SELECT n.stop_planned_on"
        "  FROM dunning_steps n WHERE n.customer_id = d.customer_id"
        "  AND n.case_no = d.case_no AND n.step = 'stop_notice')"
        " FROM dunning_steps d WHERE customer_id = $1 ORDER BY id DESC LIMIT 1",
        "i", customer_id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        d->case_no = stmt_int(s, 0);
        dunning_step_parse(stmt_text(s, 1), &d->last);
        snprintf(d->taken_on, sizeof(d->taken_on), "%s", stmt_text(s, 2));
        if (!stmt_is_null(s, 3))
            snprintf(d->stop_planned_on, sizeof(d->stop_planned_on), "%s",
                     stmt_text(s, 3));
    }
    stmt_done(s);
    return rc;
}

/* The step's dates against the case so far. */
static enum err
check_dates(const struct dunning_step_in *in, const struct dunning_state *d,
            bool open)
{
    char today[11];
    time_today_jst(today);
    if (!in->taken_on || !time_date_valid(in->taken_on) ||
        strcmp(in->taken_on, today) > 0)
        return err_fail(ERR_INVALID,
                        "実施日は今日までの日付で入力してください");
    if (open && strcmp(in->taken_on, d->taken_on) < 0)
        return err_fail(ERR_DUNNING_STEP_ORDER,
                        "%s（%s）より前の日付は記録できません",
                        dunning_step_label(d->last), d->taken_on);
    if (in->step == DUNNING_STOP_NOTICE &&
        (!in->stop_planned_on || !time_date_valid(in->stop_planned_on) ||
         strcmp(in->stop_planned_on, in->taken_on) <= 0))
        return err_fail(ERR_DUNNING_STEP_ORDER,
                        "供給停止予告には、予告日より後の停止予定日が必要です");
    if (in->step == DUNNING_STOPPED &&
        strcmp(in->taken_on, d->stop_planned_on) < 0)
        return err_fail(ERR_DUNNING_STEP_ORDER,
                        "予告した停止予定日（%s）より前に供給停止は記録でき"
                        "ません",
                        d->stop_planned_on);
    return ERR_OK;
}

/* The checks of dunning_step_record; *case_no, *overdue for the row. */
static enum err
step_check(struct store *st, int64_t customer_id,
           const struct dunning_step_in *in, int64_t *case_no, int64_t *overdue)
{
    struct dunning_state d;
    struct ledger_ageing ag;
    enum err rc = pay_customer_exists(st, customer_id);
    if (!rc)
        rc = state_of(st, customer_id, &d);
    if (rc)
        return rc;
    bool open = d.case_no && !dunning_step_ends_case(d.last);
    enum dunning_step last = open ? d.last : DUNNING_NONE;
    if (!dunning_step_allowed(last, in->step))
        return err_fail(ERR_DUNNING_STEP_ORDER, "%sの次に%sは記録できません",
                        last ? dunning_step_label(last) : "督促のない状態",
                        dunning_step_label(in->step));
    if ((rc = check_dates(in, &d, open)))
        return rc;
    *case_no = open ? d.case_no : d.case_no + 1;
    if ((rc = ledger_customer_ageing(st, customer_id, in->taken_on, &ag)))
        return rc;
    *overdue = ag.overdue_yen;
    bool needs = in->step != DUNNING_RESUMED && in->step != DUNNING_RESOLVED;
    if (needs && ag.overdue_yen <= 0)
        return err_fail(ERR_DUNNING_NOT_OVERDUE,
                        "%s の時点で支払期限を過ぎた未収金はありません",
                        in->taken_on);
    return ERR_OK;
}

#define STEP_COLS                                                              \
    "id, case_no, step, taken_on, overdue_yen, stop_planned_on, note,"         \
    " created_at, created_by"

static json_t *
step_row(struct stmt *s)
{
    enum dunning_step k = DUNNING_NONE;
    dunning_step_parse(stmt_text(s, 2), &k);
    return json_pack(
        "{s:I, s:I, s:s, s:s, s:s, s:I, s:o, s:o, s:s, s:s}", "id",
        (json_int_t)stmt_int(s, 0), "case_no", (json_int_t)stmt_int(s, 1),
        "step", stmt_text(s, 2), "label", dunning_step_label(k), "taken_on",
        stmt_text(s, 3), "overdue_yen", (json_int_t)stmt_int(s, 4),
        "stop_planned_on", text_or_null(s, 5), "note", text_or_null(s, 6),
        "created_at", stmt_text(s, 7), "created_by", stmt_text(s, 8));
}

static enum err
step_get(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(
        st, &s, "SELECT " STEP_COLS " FROM dunning_steps WHERE id = $1", "i",
        id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *out = step_row(s);
    stmt_done(s);
    return rc ? rc : row ? ERR_OK : ERR_INTERNAL;
}

enum err
dunning_step_record(struct store *st, int64_t customer_id,
                    const struct dunning_step_in *in, json_t **out)
{
    int64_t case_no = 0, overdue = 0;
    char now[32];
    enum err rc = step_check(st, customer_id, in, &case_no, &overdue);
    if (rc)
        return rc;
    time_now_iso(now);
    rc = store_run(st,
                   "INSERT INTO dunning_steps (customer_id, case_no, step,"
                   " taken_on, overdue_yen, stop_planned_on, note, created_at,"
                   " created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                   "iittitttt", customer_id, case_no,
                   dunning_step_name(in->step), in->taken_on, overdue,
                   in->step == DUNNING_STOP_NOTICE ? in->stop_planned_on : NULL,
                   in->note, now, in->actor);
    if (rc == ERR_STORE_CONSTRAINT) /* the same step, recorded meanwhile */
        return err_fail(ERR_DUNNING_STEP_ORDER, "この段階は記録済みです");
    if (!rc)
        rc = step_get(st, store_last_id(st), out);
    return rc;
}

enum err
dunning_steps_json(struct store *st, int64_t customer_id, json_t **out)
{
    struct stmt *s = NULL;
    bool row;
    struct dunning_state d;
    const char *next[4];
    json_t *list = json_array(), *names = json_array();
    enum err rc = pay_customer_exists(st, customer_id);
    if (!rc)
        rc = state_of(st, customer_id, &d);
    if (!rc)
        rc = store_query(st, &s,
                         "SELECT " STEP_COLS " FROM dunning_steps"
                         " WHERE customer_id = $1 ORDER BY id",
                         "i", customer_id);
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(list, step_row(s));
    stmt_done(s);
    if (rc) {
        json_decref(list);
        json_decref(names);
        return rc;
    }
    bool open = d.case_no && !dunning_step_ends_case(d.last);
    dunning_next_steps(open ? d.last : DUNNING_NONE, next);
    for (size_t i = 0; next[i]; i++)
        json_array_append_new(names, json_string(next[i]));
    *out = json_pack("{s:I, s:I, s:b, s:o, s:o}", "customer_id",
                     (json_int_t)customer_id, "case_no", (json_int_t)d.case_no,
                     "open", open, "next_steps", names, "steps", list);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Notes of contact                                                       */
/* ---------------------------------------------------------------------- */

#define NOTE_COLS                                                              \
    "id, contacted_on, channel, staff, person, summary, agreement,"            \
    " promised_yen, promised_on, created_at, created_by"

static json_t *
note_row(struct stmt *s)
{
    return json_pack(
        "{s:I, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:s, s:s}", "id",
        (json_int_t)stmt_int(s, 0), "contacted_on", stmt_text(s, 1), "channel",
        stmt_text(s, 2), "staff", stmt_text(s, 3), "person", text_or_null(s, 4),
        "summary", stmt_text(s, 5), "agreement", text_or_null(s, 6),
        "promised_yen",
        stmt_is_null(s, 7) ? json_null() : json_integer(stmt_int(s, 7)),
        "promised_on", text_or_null(s, 8), "created_at", stmt_text(s, 9),
        "created_by", stmt_text(s, 10));
}

enum err
contact_note_add(struct store *st, int64_t customer_id,
                 const struct contact_note_in *in, json_t **out)
{
    struct stmt *s = NULL;
    bool row = false;
    char now[32];
    enum err rc = pay_customer_exists(st, customer_id);
    if (rc)
        return rc;
    time_now_iso(now);
    rc = store_run(st,
                   "INSERT INTO contact_notes (customer_id, contacted_on,"
                   " channel, staff, person, summary, agreement, promised_yen,"
                   " promised_on, created_at, created_by) VALUES ($1, $2, $3,"
                   " $4, $5, $6, $7, NULLIF($8, 0), $9, $10, $11)",
                   "ittttttittt", customer_id, in->contacted_on, in->channel,
                   in->staff, in->person, in->summary, in->agreement,
                   in->promised_yen, in->promised_on, now, in->actor);
    if (!rc)
        rc = store_query(
            st, &s, "SELECT " NOTE_COLS " FROM contact_notes WHERE id = $1",
            "i", store_last_id(st));
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *out = note_row(s);
    stmt_done(s);
    return rc;
}

enum err
contact_notes_json(struct store *st, int64_t customer_id, int64_t limit,
                   json_t **out)
{
    struct stmt *s = NULL;
    bool row;
    json_t *list = json_array();
    enum err rc = pay_customer_exists(st, customer_id);
    if (!rc)
        rc = store_query(st, &s,
                         "SELECT " NOTE_COLS " FROM contact_notes"
                         " WHERE customer_id = $1 ORDER BY contacted_on DESC,"
                         " id DESC LIMIT $2",
                         "ii", customer_id, limit);
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(list, note_row(s));
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o}", "contact_notes", list);
    return ERR_OK;
}
