/*
 * ingest_state.c — ingest's own store, DATA/ingest/ingest.db (SQLite, the
 * same store interface; not a platform or tenant store, so it is opened
 * with its own migration list and is not backed up: everything in it is
 * about the log beside it).
 *
 *   device_seqs    each device's last accepted sequence number in its
 *                  epoch, as of the LSN in ingest_state 'seq_covered':
 *                  with the log from there it gives every device's last
 *                  sequence after a restart (segments before it may be
 *                  deleted)
 *   ingest_state   'cursor_lsn', 'cursor_msg': where forwarding resumes
 *                  (a record and the next message in it); 'seq_covered'
 *   dead_letters   messages serve did not take, set aside so they do not
 *                  hold back the others: 'parked' when the office can
 *                  still make them fit (no open period yet, the meter not
 *                  yet in the ledger): sent again every --park-retry
 *                  seconds for --park-days, then 'dead'; 'dead' at once
 *                  for other refusals (a 4xx code). Kept with the error:
 *                  nothing acknowledged is lost silently
 *
 * The alarms module adds its tables (alarms, alarm_outbox, alarm_targets)
 * with its own list after this one (notify_alarm.c).
 */
#include "core/timeutil.h"
#include "monitor/ingest_int.h"
#include "monitor/ingest_page.h"
#include "monitor/notify_alarm.h"
#include "store/migrate.h"
#include "store/store.h"

#include <stdio.h>
#include <time.h>

static const struct migration ingest_migrations[] = {
    {"ingest", 1,
     "CREATE TABLE device_seqs ("
     " device_id TEXT NOT NULL PRIMARY KEY,"
     " epoch INTEGER NOT NULL,"
     " last_seq INTEGER NOT NULL,"
     " updated_at TEXT NOT NULL);"
     "CREATE TABLE ingest_state ("
     " key TEXT NOT NULL PRIMARY KEY,"
     " value INTEGER NOT NULL);"
     "CREATE TABLE dead_letters ("
     " id INTEGER PRIMARY KEY,"
     " lsn INTEGER NOT NULL,"
     " msg INTEGER NOT NULL,"
     " device_id TEXT NOT NULL,"
     " tenant TEXT NOT NULL,"
     " kind TEXT NOT NULL,"
     " message TEXT NOT NULL,"
     " state TEXT NOT NULL CHECK (state IN ('parked', 'dead')),"
     " attempts INTEGER NOT NULL DEFAULT 1,"
     " first_at INTEGER NOT NULL,"
     " next_at INTEGER NOT NULL,"
     " error_code TEXT NOT NULL,"
     " error_detail TEXT,"
     " created_at TEXT NOT NULL,"
     " UNIQUE (lsn, msg));"
     "CREATE INDEX dead_letters_due ON dead_letters (state, next_at);"},
    {NULL, 0, NULL},
};

static const struct migration *const ingest_sets[] = {
    ingest_migrations, alarms_ingest_migrations, alarm_page_migrations, NULL};

enum err
state_open(struct store **out)
{
    return store_open_with(ingest_g.state_path, ingest_sets, out);
}

static enum err
state_get(struct store *st, const char *key, int64_t *v)
{
    struct stmt *s;
    bool row = false;
    *v = 0;
    enum err rc = store_query(
        st, &s, "SELECT value FROM ingest_state WHERE key = $1", "t", key);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *v = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

static enum err
state_set(struct store *st, const char *key, int64_t v)
{
    return store_run(st,
                     "INSERT INTO ingest_state (key, value) VALUES ($1, $2)"
                     " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                     "ti", key, v);
}

enum err
state_load_seqs(struct store *st, uint64_t *covered)
{
    struct stmt *s = NULL;
    bool row = false;
    int64_t c = 0;
    enum err rc = state_get(st, "seq_covered", &c);
    *covered = (uint64_t)c;
    if (!rc)
        rc = store_query(
            st, &s, "SELECT device_id, epoch, last_seq FROM device_seqs", "");
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        writer_seed(stmt_text(s, 0), stmt_int(s, 1), stmt_int(s, 2));
    stmt_done(s);
    return rc;
}

enum err
state_save_seqs(struct store *st, const struct seen *e, size_t n,
                uint64_t covered)
{
    char now[32];
    time_now_iso(now);
    enum err rc = store_tx_begin(st);
    for (size_t i = 0; !rc && i < n; i++)
        rc = store_run(st,
                       "INSERT INTO device_seqs (device_id, epoch, last_seq,"
                       " updated_at) VALUES ($1, $2, $3, $4)"
                       " ON CONFLICT (device_id) DO UPDATE SET"
                       " epoch = excluded.epoch,"
                       " last_seq = excluded.last_seq,"
                       " updated_at = excluded.updated_at"
                       " WHERE excluded.epoch > device_seqs.epoch"
                       " OR (excluded.epoch = device_seqs.epoch"
                       " AND excluded.last_seq > device_seqs.last_seq)",
                       "tiit", e[i].device_id, e[i].epoch, e[i].last_seq, now);
    if (!rc)
        rc = state_set(st, "seq_covered", (int64_t)covered);
    if (!rc)
        rc = store_tx_commit(st);
    if (rc)
        store_tx_rollback(st);
    return rc;
}

enum err
state_cursor(struct store *st, uint64_t *lsn, int64_t *msg)
{
    int64_t l = 0;
    enum err rc = state_get(st, "cursor_lsn", &l);
    if (!rc)
        rc = state_get(st, "cursor_msg", msg);
    *lsn = (uint64_t)l;
    return rc;
}

enum err
state_advance(struct store *st, uint64_t lsn, int64_t msg,
              const struct dead *dead, size_t ndead)
{
    char now[32];
    int64_t now_s = (int64_t)time(NULL);
    time_now_iso(now);
    enum err rc = store_tx_begin(st);
    for (size_t i = 0; !rc && i < ndead; i++) {
        const struct dead *d = &dead[i];
        rc = store_run(st,
                       "INSERT INTO dead_letters (lsn, msg, device_id,"
                       " tenant, kind, message, state, first_at, next_at,"
                       " error_code, error_detail, created_at)"
                       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
                       " $11, $12) ON CONFLICT (lsn, msg) DO NOTHING",
                       "iitttttiittt", (int64_t)d->lsn, d->msg, d->device_id,
                       d->tenant, d->kind, d->message,
                       d->parked ? "parked" : "dead", now_s,
                       now_s + ingest_g.o->park_retry, d->code, d->detail, now);
    }
    if (!rc)
        rc = state_set(st, "cursor_lsn", (int64_t)lsn);
    if (!rc)
        rc = state_set(st, "cursor_msg", msg);
    if (!rc)
        rc = store_tx_commit(st);
    if (rc)
        store_tx_rollback(st);
    return rc;
}

enum err
state_parked_due(struct store *st, int64_t now_s, int limit,
                 bool (*fn)(const struct parked *p, void *arg), void *arg)
{
    struct stmt *s = NULL;
    bool row = false;
    enum err rc = store_query(st, &s,
                              "SELECT id, device_id, tenant, message,"
                              " first_at FROM dead_letters"
                              " WHERE state = 'parked' AND next_at <= $1"
                              " ORDER BY next_at, id LIMIT $2",
                              "ii", now_s, (int64_t)limit);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        struct parked p = {stmt_int(s, 0), stmt_text(s, 1), stmt_text(s, 2),
                           stmt_text(s, 3), stmt_int(s, 4)};
        if (!fn(&p, arg))
            break;
    }
    stmt_done(s);
    return rc;
}

enum err
state_parked_update(struct store *st, const struct parked_result *r, size_t n,
                    int64_t now_s)
{
    enum err rc = store_tx_begin(st);
    for (size_t i = 0; !rc && i < n; i++) {
        if (r[i].done)
            rc = store_run(st, "DELETE FROM dead_letters WHERE id = $1", "i",
                           r[i].id);
        else
            rc = store_run(
                st,
                "UPDATE dead_letters SET attempts = attempts + 1,"
                " next_at = $2, error_code = $3,"
                " error_detail = $4,"
                " state = CASE WHEN $5 = 1 OR first_at < $6"
                " THEN 'dead' ELSE 'parked' END WHERE id = $1",
                "iittii", r[i].id,
                now_s + (r[i].retry_s ? r[i].retry_s : ingest_g.o->park_retry),
                r[i].code, r[i].detail, (int64_t)r[i].dead,
                now_s - ingest_g.o->park_days * 86400);
    }
    if (!rc)
        rc = store_tx_commit(st);
    if (rc)
        store_tx_rollback(st);
    return rc;
}
