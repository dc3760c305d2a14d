/*
 * ship.c — `pilotlight backup ship`: every store's snapshots and journal
 * records to the vaults, in order, resumable.
 *
 * For each store (platform, then every tenant) and each vault, a pass:
 *
 *   1. If the snapshot policy (snapshot_due) says so, take a snapshot.
 *   2. Under the journal lock (no commit can be in flight in any process)
 *      read the point N: the store's seq, its audit chain head and schema
 *      versions. The journal's last seq must equal the store's (else the
 *      capture heals first; the store is skipped this pass).
 *   3. On the current base, ship the records (last shipped, N] as
 *      changeset objects (journal frames as they are, batched up to
 *      SHIP_BATCH_BYTES of plaintext), then a manifest (next seq) listing
 *      the base snapshot and every changeset object since it, with N's
 *      audit head: this manifest restores the store exactly as of N.
 *   4. When the changesets on the base pass --snapshot-replay-pct of its
 *      size (and --snapshot-replay-min bytes), take a snapshot: a restore
 *      then loads it instead of replaying them. If a local snapshot is
 *      newer than the base (this, step 1, a resync, or `backup snapshot`),
 *      first ship the old base's records up to the snapshot's seq with a
 *      manifest as of it, then the snapshot and a manifest with it alone
 *      (its audit head read from the snapshot file); then step 3 again on
 *      it. So the old base's last manifest reaches the new snapshot: a
 *      point-in-time restore before it still finds every record (restore.c
 *      walks back). A fresh state may go round twice (the first base's
 *      records made it replay-heavy).
 *   5. When every vault's pass succeeded, delete the local snapshots older
 *      than the oldest base any vault builds on (never the newest) and the
 *      journal segments wholly at or before it (--prune, prune_local()).
 *
 * Order and resumption. The per-vault state, DATA/backup/ship/<vault
 * key>/<store>.json (vault key: the first 16 hex of BLAKE2b(url)), holds
 * the last manifest seq, the base snapshot, the changeset objects since it
 * and the last journal seq they cover. Objects go first (an object already
 * in the vault counts as sent); then the state is written WITH the new
 * manifest's bytes as "pending" (fsync, rename); then the manifest is put;
 * then pending is cleared. A crash at any point either leaves objects no
 * manifest names yet (harmless; prune removes them) or a pending manifest
 * that the next pass puts again byte for byte (the vault accepts the same
 * bytes twice). So no record is skipped and none reordered. Without a state
 * file (new vault, lost state) the pass starts after the vault's last
 * manifest with a fresh base snapshot.
 *
 * RPO. After each pass DATA/backup/ship/heartbeat.json says, per vault and
 * worst over stores, the records and milliseconds committed but not yet in
 * a manifest (the platform console reads it; it names the vaults); the
 * status page's heartbeat, component "backup" (status_heartbeat()), says
 * the same without URLs; `ship.pass` is logged with the same figures.
 */
#include "vault/ship.h"

#include "cli.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "status/heartbeat.h"
#include "store/capture.h"
#include "store/pool.h"
#include "store/store.h"
#include "tenants/tenants.h"
#include "vault/journal.h"
#include "vault/keys.h"
#include "vault/manifest.h"
#include "vault/seal.h"
#include "vault/snapshot.h"
#include "vault/vault.h"
#include "vault/vault_client.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SHIP_BATCH_BYTES (4u << 20)

struct ship_opts_s {
    char data[4096];
    char token_file[4096];
    bool once, daemon;
    long long interval_ms;
    long long snap_records;
    long long snap_ms;
    long long replay_pct;
    long long replay_min;
    bool prune;
};

#define O(f)  offsetof(struct ship_opts_s, f)
#define SZ(f) sizeof(((struct ship_opts_s *)0)->f)

const struct opt ship_opts[] = {
    {"data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",
     "data directory"},
    {"token-file", OPT_STR, O(token_file), SZ(token_file), "", 0, 0, 0, "FILE",
     "the vault token (http:// vaults)"},
    {"once", OPT_BOOL, O(once), 0, "false", 0, 0, OPT_NO_ENV, NULL,
     "one pass over every store, then exit (the default)"},
    {"daemon", OPT_BOOL, O(daemon), 0, "false", 0, 0, OPT_NO_ENV, NULL,
     "pass after pass until SIGTERM"},
    {"interval-ms", OPT_INT, O(interval_ms), 0, "1000", 10, 3600000, 0, "MS",
     "daemon: pause between passes"},
    {"snapshot-records", OPT_INT, O(snap_records), 0, "10000", 0, INT64_MAX, 0,
     "N", "snapshot after N journal records (0: no limit)"},
    {"snapshot-ms", OPT_INT, O(snap_ms), 0, "86400000", 0, INT64_MAX, 0, "MS",
     "snapshot when the newest is older (0: no limit)"},
    {"snapshot-replay-pct", OPT_INT, O(replay_pct), 0, "25", 0, 100000, 0,
     "PCT",
     "snapshot when the changesets a restore replays pass PCT% of the base "
     "snapshot's size (0: no limit)"},
    {"snapshot-replay-min", OPT_INT, O(replay_min), 0, "1048576", 0, INT64_MAX,
     0, "BYTES",
     "but not for fewer changeset bytes than this (small stores would "
     "churn)"},
    {"prune", OPT_BOOL, O(prune), 0, "true", 0, 0, 0, "BOOL",
     "delete local snapshots and journal segments every vault has moved "
     "past"},
    OPT_END,
};

/* One vault and this pass's worst lag. */
struct ship_vault {
    struct vault_client *c;
    const char *url;
    char key[17];
    uint64_t lag_records;
    int64_t lag_ms;
    unsigned failed;
};

/* A store's shipping state in one vault (see the top). */
struct ship_state {
    char path[PATH_MAX];
    int64_t mseq;
    char snapshot[SEAL_NAME_HEX];
    uint64_t snap_seq;
    uint64_t last_seq;
    int64_t last_ms;
    uint64_t base_bytes;   /* the base snapshot's size (plain) */
    uint64_t replay_bytes; /* changeset frames shipped on the base */
    size_t ncs, cap;
    char (*cs)[SEAL_NAME_HEX];
    char *pending;
};

struct ship_ctx {
    const struct ship_opts_s *o;
    struct keyring kr;
    struct ship_vault v[SHIP_VAULTS_MAX];
    int nv;
    unsigned stores, failed;
    /* this pass, for the heartbeat and the log */
    uint64_t records, snapshots;        /* shipped */
    unsigned pruned_segs, pruned_snaps; /* deleted locally */
    uint64_t platform_seq;              /* platform's, in every vault */
    int64_t shipped_ms;                 /* newest commit in every vault */
    uint64_t hb_ns;                     /* last heartbeat written */
};

/* ---- reading a point ----------------------------------------------------- */

enum err
ship_point_read(struct store *st, struct ship_point *p)
{
    static const char q_seq[] = "SELECT seq, committed_ms FROM store_capture";
    static const char q_audit[] =
        "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1";
    static const char q_schema[] = "SELECT module, max(version) FROM "
                                   "schema_migrations GROUP BY module";
    struct stmt *s = NULL;
    bool row = false;
    memset(p, 0, sizeof(*p));
    enum err rc = store_prepare(st, q_seq, &s);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        p->seq = (uint64_t)stmt_int(s, 0);
        p->time_ms = stmt_int(s, 1);
    }
    stmt_done(s);
    if (!rc && !(rc = store_prepare(st, q_audit, &s))) {
        if (!(rc = stmt_step(s, &row)) && row && stmt_text(s, 1) &&
            strlen(stmt_text(s, 1)) == 64) {
            p->audit_entry = stmt_int(s, 0);
            snprintf(p->audit_hash, sizeof(p->audit_hash), "%s",
                     stmt_text(s, 1));
        }
        stmt_done(s);
    }
    if (!rc && !(rc = store_prepare(st, q_schema, &s))) {
        while (!(rc = stmt_step(s, &row)) && row && p->nschema < 32) {
            const char *m = stmt_text(s, 0);
            if (!m || strlen(m) > 32)
                continue;
            snprintf(p->schema[p->nschema].name, 33, "%s", m);
            p->schema[p->nschema++].version = stmt_int(s, 1);
        }
        stmt_done(s);
    }
    return rc;
}

enum err
ship_point_file(const char *path, struct ship_point *p)
{
    struct store *st;
    enum err rc = store_open_readonly(path, &st);
    if (rc)
        return rc;
    rc = ship_point_read(st, p);
    store_close(st);
    return rc;
}

/* ---- state files --------------------------------------------------------- */

static void
state_free(struct ship_state *s)
{
    free(s->cs);
    free(s->pending);
    s->cs = NULL;
    s->pending = NULL;
    s->ncs = s->cap = 0;
}

static void
state_add(struct ship_state *s, const char *name)
{
    if (s->ncs == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        s->cs = xrealloc(s->cs, s->cap * sizeof(*s->cs));
    }
    snprintf(s->cs[s->ncs++], SEAL_NAME_HEX, "%s", name);
}

/* Write path durably: tmp, fsync, rename. */
static enum err
write_atomic(const char *path, const char *text)
{
    char tmp[PATH_MAX + 32];
    snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_fail(ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    size_t n = strlen(text);
    bool ok = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return err_fail(ERR_IO, "cannot write %s", path);
    }
    return ERR_OK;
}

static enum err
state_save(const struct ship_state *s)
{
    json_t *cs = json_array();
    for (size_t i = 0; i < s->ncs; i++)
        json_array_append_new(cs, json_string(s->cs[i]));
    json_t *j = json_pack(
        "{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:s?}", "manifest_seq",
        (json_int_t)s->mseq, "snapshot", s->snapshot, "snapshot_seq",
        (json_int_t)s->snap_seq, "last_seq", (json_int_t)s->last_seq, "last_ms",
        (json_int_t)s->last_ms, "base_bytes", (json_int_t)s->base_bytes,
        "replay_bytes", (json_int_t)s->replay_bytes, "changesets", cs,
        "pending", s->pending);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    enum err rc = text ? write_atomic(s->path, text)
                       : err_fail(ERR_INTERNAL, "cannot encode ship state");
    free(text);
    return rc;
}

/* Load s->path; *found false when there is none. */
static enum err
state_load(struct ship_state *s, bool *found)
{
    json_error_t je;
    json_t *j = json_load_file(s->path, 0, &je);
    *found = j != NULL;
    if (!j)
        return access(s->path, F_OK) == 0
                   ? err_fail(ERR_SHIP_STATE, "%s: %s", s->path, je.text)
                   : ERR_OK;
    json_int_t mseq = 0, snap_seq = 0, last_seq = 0, last_ms = 0;
    /* absent from older state files: the base then counts as replay-heavy
     * once --snapshot-replay-min bytes follow it */
    json_int_t base_bytes = 0, replay_bytes = 0;
    const char *snap = NULL;
    json_t *cs = NULL, *pending = NULL;
    enum err rc = ERR_OK;
    if (json_unpack(j, "{s:I, s:s, s:I, s:I, s:I, s?I, s?I, s:o, s?o}",
                    "manifest_seq", &mseq, "snapshot", &snap, "snapshot_seq",
                    &snap_seq, "last_seq", &last_seq, "last_ms", &last_ms,
                    "base_bytes", &base_bytes, "replay_bytes", &replay_bytes,
                    "changesets", &cs, "pending", &pending) != 0 ||
        !json_is_array(cs) || base_bytes < 0 || replay_bytes < 0) {
        rc = err_fail(ERR_SHIP_STATE, "%s: fields missing", s->path);
        goto out;
    }
    s->mseq = mseq;
    snprintf(s->snapshot, sizeof(s->snapshot), "%s", snap);
    s->snap_seq = (uint64_t)snap_seq;
    s->last_seq = (uint64_t)last_seq;
    s->last_ms = last_ms;
    s->base_bytes = (uint64_t)base_bytes;
    s->replay_bytes = (uint64_t)replay_bytes;
    s->pending =
        json_is_string(pending) ? xstrdup(json_string_value(pending)) : NULL;
    for (size_t i = 0; i < json_array_size(cs); i++) {
        const char *n = json_string_value(json_array_get(cs, i));
        if (!n || !seal_name_valid(n)) {
            rc = err_fail(ERR_SHIP_STATE, "%s: a bad object name", s->path);
            goto out;
        }
        state_add(s, n);
    }
out:
    json_decref(j);
    return rc;
}

/* ---- objects and manifests ----------------------------------------------- */

/* Upload the sealed file at path as name; "exists" counts as done. */
static enum err
put_object(struct ship_vault *v, const char *name, const char *path)
{
    enum err rc = vault_client_put_object(v->c, name, path);
    if (rc == ERR_VAULT_OBJECT_EXISTS) {
        err_clear();
        rc = ERR_OK;
    }
    return rc;
}

static void
tmp_path(const struct ship_ctx *c, char *out, size_t n)
{
    snprintf(out, n, "%s/backup/ship/tmp-%d.obj", c->o->data, (int)getpid());
}

/* Seal n bytes of frames and upload them; the name is added to s. */
static enum err
ship_batch(struct ship_ctx *c, struct ship_vault *v, const struct seal_key *dk,
           struct buf *frames, struct ship_state *s)
{
    struct buf sealed;
    struct seal_info si;
    char tmp[PATH_MAX];
    buf_init(&sealed, (size_t)SHIP_BATCH_BYTES * 2 + (1u << 20));
    enum err rc = seal_mem(dk, SEAL_KIND_CHANGESET, 0, frames->data,
                           frames->len, &sealed, &si);
    tmp_path(c, tmp, sizeof(tmp));
    if (!rc) {
        char *z = buf_steal(&sealed);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        bool ok = fd >= 0 &&
                  write(fd, z, si.sealed_bytes) == (ssize_t)si.sealed_bytes;
        if (fd >= 0)
            close(fd);
        free(z);
        rc = ok ? put_object(v, si.name, tmp)
                : err_fail(ERR_IO, "cannot write %s", tmp);
        unlink(tmp);
    }
    buf_free(&sealed);
    if (!rc) {
        state_add(s, si.name);
        s->replay_bytes += frames->len; /* what a restore replays */
    }
    buf_reset(frames);
    return rc;
}

/*
 * Ship the journal records (s->last_seq, upto] as changeset objects. Stops
 * before a RESYNC (*blocked: the next base must be a newer snapshot).
 */
static enum err
ship_records(struct ship_ctx *c, struct ship_vault *v, const char *jdir,
             const struct seal_key *dk, uint64_t upto, struct ship_state *s,
             bool *blocked)
{
    struct journal_reader *r;
    struct journal_record rec;
    struct buf frames;
    bool have = true;
    uint64_t last = s->last_seq;
    int64_t last_ms = s->last_ms;
    *blocked = false;
    enum err rc = journal_reader_open(jdir, s->last_seq, &r);
    if (rc)
        return rc;
    buf_init(&frames, (size_t)SHIP_BATCH_BYTES + JOURNAL_RECORD_MAX);
    /* never read past upto: the frame after it may be being appended */
    while (!rc && last < upto && !(rc = journal_reader_next(r, &rec, &have)) &&
           have && rec.seq <= upto) {
        if (rec.type == JOURNAL_RESYNC) {
            *blocked = true;
            break;
        }
        size_t n = journal_frame_size(rec.len);
        unsigned char *f = xmalloc(n);
        journal_frame_encode(&rec, f);
        rc = buf_append(&frames, f, n);
        free(f);
        last = rec.seq;
        last_ms = rec.time_ms;
        c->records++;
        if (!rc && frames.len >= SHIP_BATCH_BYTES)
            rc = ship_batch(c, v, dk, &frames, s);
    }
    if (!rc && frames.len)
        rc = ship_batch(c, v, dk, &frames, s);
    journal_reader_close(r);
    buf_free(&frames);
    if (!rc) {
        s->last_seq = last;
        s->last_ms = last_ms;
    }
    return rc;
}

/* Sign, record as pending, put, clear pending. */
static enum err
ship_manifest(struct ship_ctx *c, struct ship_vault *v, const char *store,
              const struct keys_wrapped *w, const struct ship_point *p,
              struct ship_state *s)
{
    struct manifest m;
    struct buf doc;
    enum err rc = ERR_OK;
    manifest_init(&m);
    buf_init(&doc, MANIFEST_MAX_BYTES);
    snprintf(m.store, sizeof(m.store), "%s", store);
    m.seq = s->mseq + 1;
    time_now_iso(m.time);
    snprintf(m.snapshot, sizeof(m.snapshot), "%s", s->snapshot);
    for (size_t i = 0; !rc && i < s->ncs; i++)
        rc = manifest_add_changeset(&m, s->cs[i]);
    snprintf(m.audit_hash, sizeof(m.audit_hash), "%s", p->audit_hash);
    m.audit_entry = p->audit_entry;
    for (size_t i = 0; !rc && i < p->nschema; i++)
        rc = manifest_set_schema(&m, p->schema[i].name, p->schema[i].version);
    m.data_key = *w;
    if (!rc)
        rc = manifest_sign(&m, &c->kr, &doc);
    if (!rc) {
        s->mseq = m.seq;
        s->pending = xstrndup(doc.data, doc.len);
        rc = state_save(s);
    }
    if (!rc)
        rc = vault_client_put_manifest(v->c, store, s->mseq, s->pending,
                                       strlen(s->pending));
    if (!rc) {
        free(s->pending);
        s->pending = NULL;
        rc = state_save(s);
    }
    manifest_free(&m);
    buf_free(&doc);
    return rc;
}

/* Put a pending manifest again (a crash after it was recorded). */
static enum err
ship_pending(struct ship_vault *v, const char *store, struct ship_state *s)
{
    if (!s->pending)
        return ERR_OK;
    enum err rc = vault_client_put_manifest(v->c, store, s->mseq, s->pending,
                                            strlen(s->pending));
    if (!rc) {
        free(s->pending);
        s->pending = NULL;
        rc = state_save(s);
    }
    return rc;
}

/* A fresh state: after the vault's last manifest of store, no base. */
static enum err
state_fresh(struct ship_vault *v, const char *store, struct ship_state *s)
{
    struct vault_manifest_ref *refs = NULL;
    size_t n = 0;
    enum err rc = vault_client_list_manifests(v->c, store, &refs, &n);
    if (rc == ERR_VAULT_MANIFEST_NOT_FOUND) {
        err_clear();
        rc = ERR_OK;
    }
    s->mseq = n ? refs[n - 1].seq : 0;
    free(refs);
    return rc;
}

/* Ship snapshot si as the new base, with its own manifest. */
static enum err
ship_rebase(struct ship_ctx *c, struct ship_vault *v, const char *store,
            const struct seal_key *dk, const struct keys_wrapped *w,
            const struct snapshot_info *si, struct ship_state *s)
{
    struct seal_info sealed;
    struct ship_point p;
    char tmp[PATH_MAX];
    tmp_path(c, tmp, sizeof(tmp));
    unlink(tmp);
    enum err rc = ship_point_file(si->path, &p);
    if (!rc)
        rc = seal_file(dk, SEAL_KIND_SNAPSHOT, 0, si->path, tmp, &sealed);
    if (!rc) {
        rc = put_object(v, sealed.name, tmp);
        unlink(tmp);
    }
    if (rc)
        return rc;
    snprintf(s->snapshot, sizeof(s->snapshot), "%s", sealed.name);
    s->snap_seq = si->seq;
    s->last_seq = si->seq;
    s->last_ms = si->time_ms;
    s->base_bytes = si->bytes;
    s->replay_bytes = 0;
    s->ncs = 0;
    c->snapshots++;
    return ship_manifest(c, v, store, w, &p, s);
}

/* Before moving to the newer snapshot si: the old base's records up to
 * si's seq with a manifest as of si (its audit head read from the file),
 * so a point-in-time restore before si still finds every record (restore
 * walks back to the old base). Not possible across a RESYNC. */
static enum err
close_old_base(struct ship_ctx *c, struct ship_vault *v, const char *id,
               const char *jdir, const struct seal_key *dk,
               const struct keys_wrapped *w, const struct snapshot_info *si,
               struct ship_state *s)
{
    struct ship_point sp;
    bool blocked = false;
    if (!s->snapshot[0] || si->seq <= s->last_seq)
        return ERR_OK;
    enum err rc = ship_point_file(si->path, &sp);
    if (!rc)
        rc = ship_records(c, v, jdir, dk, si->seq, s, &blocked);
    if (!rc && !blocked && s->last_seq == si->seq)
        rc = ship_manifest(c, v, id, w, &sp, s);
    return rc;
}

/* Step 2: the point N, under the journal lock. *ok false when the store
 * and its journal disagree (the capture heals it; skip this pass). */
static enum err
locked_point(struct store *st, struct ship_point *p, bool *ok)
{
    struct journal *j = capture_journal(st);
    enum err rc = journal_lock(j);
    if (rc)
        return rc;
    uint64_t jseq = journal_last_seq(j);
    rc = ship_point_read(st, p);
    journal_unlock(j);
    *ok = !rc && p->seq == jseq;
    return rc;
}

/* Whether the changesets on s's base make its restore slow
 * (--snapshot-replay-pct): replaying costs ~12 ms of CPU per MB of
 * changesets, loading and checking a snapshot ~3 ms per MB of store
 * (bench/restore.sh on this project's 2-vCPU machine). */
static bool
replay_heavy(const struct ship_ctx *c, const struct ship_state *s)
{
    if (!c->o->replay_pct || !s->snapshot[0] ||
        s->replay_bytes < (uint64_t)c->o->replay_min)
        return false;
    return s->replay_bytes * 100 / (uint64_t)c->o->replay_pct >= s->base_bytes;
}

/* Take a snapshot for a replay-heavy base unless a newer one is there
 * already (another vault's pass took it); step 4 then ships it. */
static enum err
snapshot_for_replay(struct ship_ctx *c, struct store *st, const char *id,
                    const struct ship_state *s)
{
    struct snapshot_info si;
    enum err rc = snapshot_latest(c->o->data, id, UINT64_MAX, &si);
    if (rc == ERR_SNAPSHOT_NOT_FOUND) {
        err_clear();
        rc = ERR_OK;
        si.seq = 0;
    }
    if (rc || si.seq > s->snap_seq)
        return rc;
    log_msg(LOG_INFO, "ship.snapshot",
            "store %s: %" PRIu64 " bytes of changesets on a %" PRIu64
            "-byte base",
            id, s->replay_bytes, s->base_bytes);
    return snapshot_take(st, &si);
}

/* The RPO lag once this store's pass is done: what the journal holds now
 * (commits that came in while shipping included) past the last record in
 * a manifest, in records and in commit time. */
static void
note_lag(struct ship_vault *v, struct store *st, const struct ship_state *s)
{
    struct journal *j = capture_journal(st);
    if (journal_lock(j)) {
        err_clear();
        return;
    }
    uint64_t seq = journal_last_seq(j);
    int64_t ms = journal_last_time(j);
    journal_unlock(j);
    if (seq <= s->last_seq)
        return;
    uint64_t lag = seq - s->last_seq;
    int64_t lag_ms = ms - s->last_ms;
    v->lag_records = lag > v->lag_records ? lag : v->lag_records;
    v->lag_ms = lag_ms > v->lag_ms ? lag_ms : v->lag_ms;
}

/* What a vault holds of a store after a pass: its base snapshot's seq,
 * the last seq in a manifest and that record's commit time (0: unknown). */
struct ship_done {
    uint64_t base_seq, last_seq;
    int64_t last_ms;
};

/* One store, one vault: steps 1-4 at the top; *done filled on success. */
static enum err
ship_store_vault(struct ship_ctx *c, struct ship_vault *v, struct store *st,
                 struct ship_done *done)
{
    const char *id = capture_store_id(st);
    struct ship_state s = {0};
    struct seal_key dk;
    struct keys_wrapped w;
    struct ship_point p;
    struct snapshot_info si;
    char jdir[PATH_MAX];
    bool found, ok, blocked = false;
    snprintf(s.path, sizeof(s.path), "%s/backup/ship/%s/%s.json", c->o->data,
             v->key, id);
    journal_dir_path(c->o->data, id, jdir, sizeof(jdir));
    enum err rc = keys_store_key(c->o->data, &c->kr, id, &dk, &w);
    if (!rc)
        rc = state_load(&s, &found);
    if (!rc && !found)
        rc = state_fresh(v, id, &s);
    if (!rc)
        rc = ship_pending(v, id, &s);
    if (!rc)
        rc = locked_point(st, &p, &ok);
    if (rc || !ok)
        goto out;
    if (s.snapshot[0] && p.seq > s.last_seq) {
        rc = ship_records(c, v, jdir, &dk, p.seq, &s, &blocked);
        if (!rc && !blocked && s.last_seq == p.seq)
            rc = ship_manifest(c, v, id, &w, &p, &s);
    }
    if (rc)
        goto out;
    /* step 4; a second round when the records just shipped on a new base
     * (a fresh state) already make it replay-heavy */
    for (int round = 0; !rc && round < 2; round++) {
        if (replay_heavy(c, &s))
            rc = snapshot_for_replay(c, st, id, &s);
        if (!rc && (rc = snapshot_latest(c->o->data, id, UINT64_MAX, &si)) ==
                       ERR_SNAPSHOT_NOT_FOUND) {
            err_clear();
            rc = snapshot_take(st, &si);
        }
        if (rc || (s.snapshot[0] && si.seq <= s.snap_seq))
            break;
        rc = close_old_base(c, v, id, jdir, &dk, &w, &si, &s);
        if (!rc)
            rc = ship_rebase(c, v, id, &dk, &w, &si, &s);
        if (!rc && (rc = locked_point(st, &p, &ok)) == ERR_OK && ok &&
            p.seq > s.last_seq) {
            rc = ship_records(c, v, jdir, &dk, p.seq, &s, &blocked);
            if (!rc && !blocked && s.last_seq == p.seq)
                rc = ship_manifest(c, v, id, &w, &p, &s);
        }
    }
    if (!rc && ok)
        note_lag(v, st, &s);
    if (!rc && !s.pending) {
        done->base_seq = s.snap_seq;
        done->last_seq = s.last_seq;
        done->last_ms = s.last_ms;
    }
out:
    seal_key_wipe(&dk);
    state_free(&s);
    return rc;
}

/* ---- the pass ------------------------------------------------------------ */

/*
 * Every vault builds on a base at or after base_seq (a snapshot it holds)
 * and has every record after it: delete the local snapshots before
 * base_seq (never the newest) and the journal segments whose records are
 * all at or before it. Kept: the snapshot at base_seq and every newer one,
 * and the records after base_seq, so the local snapshot and journal still
 * rebuild the store (`backup replay`), the newest snapshot and the records
 * after it can start a new vault, and drill finds the records after the
 * vault's last manifest. A failure is logged and left for the next pass.
 */
static void
prune_local(struct ship_ctx *c, const char *id, uint64_t base_seq)
{
    char jdir[PATH_MAX];
    unsigned snaps = 0, segs = 0;
    enum err rc = snapshot_prune_before(c->o->data, id, base_seq, &snaps);
    if (!rc && journal_dir_path(c->o->data, id, jdir, sizeof(jdir)))
        rc = journal_prune(jdir, base_seq, &segs);
    if (rc) {
        log_msg(LOG_WARN, "ship.prune_failed", "store %s: %s", id,
                err_detail());
        err_clear();
    }
    if (snaps || segs)
        log_msg(LOG_INFO, "ship.pruned",
                "store %s: %u snapshots, %u journal segments before seq "
                "%" PRIu64,
                id, snaps, segs, base_seq);
    c->pruned_snaps += snaps;
    c->pruned_segs += segs;
}

static void
ship_store(struct ship_ctx *c, struct store *st)
{
    const char *id = capture_store_id(st);
    struct snapshot_policy pol = {(uint64_t)c->o->snap_records, c->o->snap_ms};
    struct snapshot_info si;
    enum snapshot_why why = SNAPSHOT_NOT_DUE;
    c->stores++;
    if (!id) {
        fprintf(stderr, "pilotlight backup ship: capture is off\n");
        c->failed++;
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (!snapshot_due(st, &pol, now_ms, &why) && why != SNAPSHOT_NOT_DUE)
        (void)snapshot_take(st, &si);
    err_clear();
    struct ship_done all = {UINT64_MAX, UINT64_MAX, INT64_MAX};
    for (int i = 0; i < c->nv; i++) {
        struct ship_done d = {0, 0, 0};
        enum err rc = ship_store_vault(c, &c->v[i], st, &d);
        if (rc) {
            fprintf(stderr, "pilotlight backup ship: %s → %s: %s\n", id,
                    c->v[i].url, *err_detail() ? err_detail() : err_code(rc));
            log_msg(LOG_ERROR, "ship.failed", "store %s vault %s: %s", id,
                    c->v[i].url, err_code(rc));
            c->v[i].failed++;
            c->failed++;
            err_clear();
        }
        all.base_seq = d.base_seq < all.base_seq ? d.base_seq : all.base_seq;
        all.last_seq = d.last_seq < all.last_seq ? d.last_seq : all.last_seq;
        all.last_ms = d.last_ms < all.last_ms ? d.last_ms : all.last_ms;
    }
    if (c->nv == 0 || all.base_seq == 0)
        return; /* a vault failed or has no base yet: keep everything */
    if (strcmp(id, "platform") == 0)
        c->platform_seq = all.last_seq;
    if (all.last_ms > c->shipped_ms)
        c->shipped_ms = all.last_ms;
    if (c->o->prune)
        prune_local(c, id, all.base_seq);
}

/* UTC milliseconds as 2026-04-01T00:00:00.000Z into out[32] ("" for 0). */
static void
iso_ms(int64_t ms, char *out)
{
    out[0] = '\0';
    if (ms <= 0)
        return;
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm))
        snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/*
 * The status page's heartbeat (status/heartbeat.h), component "backup":
 * after each pass (final) with its figures, and every few seconds while a
 * long pass runs, repeating the last pass's figures so the page does not
 * call shipping stale. Public: no URLs, store ids or paths; the private
 * per-vault view is DATA/backup/ship/heartbeat.json.
 *
 *   stores, stores_failed, vaults   the pass
 *   rpo_lag_records, rpo_lag_ms     committed, not yet in a manifest
 *                                   (worst store and vault)
 *   last_shipped_seq                the platform store's seq in every vault
 *   last_shipped_at                 the newest commit (any store) that is
 *                                   in a manifest of every vault
 *   records_shipped, snapshots_shipped, pruned_segments, pruned_snapshots
 */
static void
status_heartbeat(struct ship_ctx *c, bool final)
{
    static json_t *last; /* the last pass's detail */
    static enum heartbeat_state last_state = HEARTBEAT_OK;
    uint64_t now = time_mono_ns();
    if (final) {
        uint64_t lag = 0;
        int64_t lag_ms = 0;
        for (int i = 0; i < c->nv; i++) {
            lag = c->v[i].lag_records > lag ? c->v[i].lag_records : lag;
            lag_ms = c->v[i].lag_ms > lag_ms ? c->v[i].lag_ms : lag_ms;
        }
        char at[32];
        iso_ms(c->shipped_ms, at);
        json_decref(last);
        last = json_pack(
            "{s:i, s:i, s:i, s:I, s:I, s:I, s:s, s:I, s:I, s:i, s:i}", "stores",
            (int)c->stores, "stores_failed", (int)c->failed, "vaults", c->nv,
            "rpo_lag_records", (json_int_t)lag, "rpo_lag_ms",
            (json_int_t)lag_ms, "last_shipped_seq", (json_int_t)c->platform_seq,
            "last_shipped_at", at, "records_shipped", (json_int_t)c->records,
            "snapshots_shipped", (json_int_t)c->snapshots, "pruned_segments",
            (int)c->pruned_segs, "pruned_snapshots", (int)c->pruned_snaps);
        last_state = c->failed ? HEARTBEAT_DEGRADED : HEARTBEAT_OK;
    } else if (!last ||
               now - c->hb_ns < (uint64_t)HEARTBEAT_INTERVAL_S * 1000000000u) {
        return; /* nothing to repeat yet, or written a moment ago */
    }
    c->hb_ns = now;
    if (heartbeat_write(c->o->data, "backup", last_state, json_deep_copy(last)))
        err_clear(); /* logged by heartbeat_write; shipping goes on */
}

/* The last heartbeat of a daemon that stops cleanly. */
static void
status_heartbeat_stopped(struct ship_ctx *c)
{
    if (heartbeat_write(c->o->data, "backup", HEARTBEAT_STOPPED, NULL))
        err_clear();
}

static struct ship_ctx *each_ctx;

static bool
each_tenant(const struct tenant *t, void *arg)
{
    struct store *st;
    (void)arg;
    if (pool_tenant(t->id, &st)) {
        fprintf(stderr, "pilotlight backup ship: tenant %s: %s\n", t->code,
                err_detail());
        each_ctx->failed++;
        err_clear();
        return true;
    }
    ship_store(each_ctx, st);
    status_heartbeat(each_ctx, false);
    return true;
}

static void
write_heartbeat(struct ship_ctx *c)
{
    char path[PATH_MAX], now[32];
    time_now_iso(now);
    json_t *vs = json_array();
    uint64_t lag = 0;
    int64_t lag_ms = 0;
    for (int i = 0; i < c->nv; i++) {
        json_array_append_new(
            vs, json_pack("{s:s, s:I, s:I, s:i}", "url", c->v[i].url,
                          "rpo_lag_records", (json_int_t)c->v[i].lag_records,
                          "rpo_lag_ms", (json_int_t)c->v[i].lag_ms, "failed",
                          (int)c->v[i].failed));
        lag = c->v[i].lag_records > lag ? c->v[i].lag_records : lag;
        lag_ms = c->v[i].lag_ms > lag_ms ? c->v[i].lag_ms : lag_ms;
    }
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:i, s:i, s:I, s:I, s:o}", "component", "backup-ship",
        "time", now, "state", c->failed ? "degraded" : "ok", "stores",
        (int)c->stores, "failed", (int)c->failed, "rpo_lag_records",
        (json_int_t)lag, "rpo_lag_ms", (json_int_t)lag_ms, "vaults", vs);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    snprintf(path, sizeof(path), "%s/backup/ship/heartbeat.json", c->o->data);
    if (text && write_atomic(path, text))
        err_clear();
    log_msg(LOG_INFO, "ship.pass",
            "stores %u failed %u rpo_lag_records %" PRIu64
            " rpo_lag_ms %" PRId64 " records %" PRIu64 " snapshots %" PRIu64
            " pruned_segments %u pruned_snapshots %u",
            c->stores, c->failed, lag, lag_ms, c->records, c->snapshots,
            c->pruned_segs, c->pruned_snaps);
    free(text);
    status_heartbeat(c, true);
}

static enum err
ship_pass(struct ship_ctx *c)
{
    struct store *platform;
    c->stores = c->failed = 0;
    c->records = c->snapshots = 0;
    c->pruned_segs = c->pruned_snaps = 0;
    c->platform_seq = 0;
    c->shipped_ms = 0;
    for (int i = 0; i < c->nv; i++) {
        c->v[i].lag_records = 0;
        c->v[i].lag_ms = 0;
        c->v[i].failed = 0;
    }
    enum err rc = cli_open_platform(c->o->data, &platform);
    if (rc)
        return rc;
    ship_store(c, platform);
    each_ctx = c;
    rc = tenant_each(platform, each_tenant, NULL);
    write_heartbeat(c);
    return rc;
}

/* ---- the command ----------------------------------------------------------
 */

int
ship_take_vaults(int argc, char **argv, const char **urls, int *nurls)
{
    int out = 0;
    *nurls = 0;
    for (int i = 0; i < argc; i++) {
        const char *val = NULL;
        if (strcmp(argv[i], "--vault") == 0) {
            if (i + 1 >= argc)
                return -1;
            val = argv[++i];
        } else if (strncmp(argv[i], "--vault=", 8) == 0) {
            val = argv[i] + 8;
        }
        if (!val) {
            argv[out++] = argv[i];
            continue;
        }
        if (*nurls >= SHIP_VAULTS_MAX)
            return -1;
        urls[(*nurls)++] = val;
    }
    return out;
}

static volatile sig_atomic_t ship_stop;

static void
on_term(int sig)
{
    (void)sig;
    ship_stop = 1;
}

static enum err
ship_open(struct ship_ctx *c, const char **urls, int nurls)
{
    char token[VAULT_TOKEN_MAX + 1] = "", dir[PATH_MAX];
    enum err rc = ERR_OK;
    if (nurls == 0)
        return err_fail(ERR_CONFIG, "give --vault URL (once per vault)");
    if (c->o->token_file[0])
        rc = vault_token_read(c->o->token_file, token, sizeof(token));
    if (!rc)
        rc = keys_load(c->o->data, &c->kr);
    if (!rc && !c->kr.has_signing)
        rc = err_fail(ERR_BACKUP_KEYS_MISSING,
                      "no signing key in %s/keys (keys init --signing-only)",
                      c->o->data);
    snprintf(dir, sizeof(dir), "%s/backup", c->o->data);
    mkdir(dir, 0700);
    snprintf(dir, sizeof(dir), "%s/backup/ship", c->o->data);
    mkdir(dir, 0700);
    for (int i = 0; !rc && i < nurls; i++) {
        struct ship_vault *v = &c->v[c->nv];
        char h[SEAL_NAME_HEX];
        v->url = urls[i];
        seal_hash_hex(urls[i], strlen(urls[i]), h);
        snprintf(v->key, sizeof(v->key), "%.16s", h);
        snprintf(dir, sizeof(dir), "%s/backup/ship/%s", c->o->data, v->key);
        mkdir(dir, 0700);
        if (!(rc = vault_client_open(urls[i], token, &v->c)))
            c->nv++;
    }
    explicit_bzero(token, sizeof(token));
    return rc;
}

int
ship_main(int argc, char **argv)
{
    struct ship_opts_s o;
    struct ship_ctx c;
    const char *urls[SHIP_VAULTS_MAX];
    int nurls;
    memset(&c, 0, sizeof(c));
    argc = ship_take_vaults(argc, argv, urls, &nurls);
    if (argc < 0)
        return cli_fail("backup ship", err_fail(ERR_CONFIG,
                                                "--vault needs a URL (at most "
                                                "%d vaults)",
                                                SHIP_VAULTS_MAX));
    enum err rc = opt_parse(ship_opts, &o, argc, argv);
    c.o = &o;
    if (!rc && o.once && o.daemon)
        rc = err_fail(ERR_CONFIG, "give --once or --daemon, not both");
    if (!rc)
        rc = ship_open(&c, urls, nurls);
    if (!rc && o.daemon) {
        signal(SIGTERM, on_term);
        signal(SIGINT, on_term);
        while (!ship_stop) {
            if (ship_pass(&c))
                err_clear();
            for (long long t = 0; t < o.interval_ms && !ship_stop; t += 10)
                usleep(10000);
        }
        status_heartbeat_stopped(&c);
    } else if (!rc) {
        rc = ship_pass(&c);
    }
    for (int i = 0; i < c.nv; i++)
        vault_client_close(c.v[i].c);
    keys_wipe(&c.kr);
    if (rc)
        return cli_fail("backup ship", rc);
    if (!o.daemon)
        printf("shipped %u stores to %d vault(s), %u failed\n", c.stores, c.nv,
               c.failed);
    return c.failed ? 1 : 0;
}
