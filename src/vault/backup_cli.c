/*
 * backup_cli.c — `pilotlight backup <verb>`: the local side of backups.
 *
 *   snapshot  take a snapshot of stores now (DATA/snapshots/<id>/)
 *   verify    read and check stores' journals (DATA/journal/<id>/)
 *   checksum  print the logical checksum of stores or of a database file
 *   replay    apply a journal to a copy of a snapshot, up to a seq or time
 *
 * Which stores: by default the platform store; --tenant CODE one tenant;
 * --all the platform store and every tenant. Each verb is one row of
 * `verbs[]`; the shipping verbs (pushing journals and snapshots to vaults)
 * go in the same table.
 */
#include "vault/backup_cli.h"

#include "cli.h"
#include "core/log.h"
#include "store/capture.h"
#include "store/pool.h"
#include "store/store.h"
#include "tenants/tenants.h"
#include "vault/journal.h"
#include "vault/replay.h"
#include "vault/ship.h"
#include "vault/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct backup_opts {
    char data[4096];
    char tenant[64];
    bool all;
    bool json;
    char file[4096];
    char snapshot[4096];
    char journal[4096];
    char to[4096];
    long long until_seq;
    char at[64];
};

#define O(f)  offsetof(struct backup_opts, f)
#define SZ(f) sizeof(((struct backup_opts *)0)->f)
#define OPT_DATA                                                               \
    {                                                                          \
        "data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",          \
            "data directory"                                                   \
    }
#define OPT_TENANT                                                             \
    {                                                                          \
        "tenant", OPT_STR, O(tenant), SZ(tenant), "", 0, 0, OPT_NO_ENV,        \
            "CODE", "one tenant's store (default: the platform store)"         \
    }
#define OPT_ALL                                                                \
    {                                                                          \
        "all", OPT_BOOL, O(all), 0, "false", 0, 0, OPT_NO_ENV, NULL,           \
            "the platform store and every tenant's"                            \
    }
#define OPT_JSON                                                               \
    {                                                                          \
        "json", OPT_BOOL, O(json), 0, "false", 0, 0, OPT_NO_ENV, NULL,         \
            "print JSON lines instead of text"                                 \
    }

static const struct opt stores_opts[] = {OPT_DATA, OPT_TENANT, OPT_ALL,
                                         OPT_JSON, OPT_END};

static const struct opt checksum_opts[] = {
    OPT_DATA,
    OPT_TENANT,
    OPT_ALL,
    {"file", OPT_STR, O(file), SZ(file), "", 0, 0, OPT_NO_ENV, "PATH",
     "a database file instead (a snapshot, a restored store)"},
    OPT_JSON,
    OPT_END,
};

static const struct opt replay_opts[] = {
    {"snapshot", OPT_STR, O(snapshot), SZ(snapshot), NULL, 0, 0,
     OPT_REQUIRED | OPT_NO_ENV, "PATH", "the snapshot to start from"},
    {"journal", OPT_STR, O(journal), SZ(journal), NULL, 0, 0,
     OPT_REQUIRED | OPT_NO_ENV, "DIR", "the store's journal directory"},
    {"to", OPT_STR, O(to), SZ(to), NULL, 0, 0, OPT_REQUIRED | OPT_NO_ENV,
     "PATH", "the database to write (must not exist)"},
    {"until-seq", OPT_INT, O(until_seq), 0, "0", 0, INT64_MAX, OPT_NO_ENV, "N",
     "stop after this journal seq (0: the end)"},
    {"at", OPT_STR, O(at), SZ(at), "", 0, 0, OPT_NO_ENV, "TIME",
     "stop at this time (2026-04-01T09:30:00+09:00): no later commit"},
    OPT_JSON,
    OPT_END,
};

/* ---- walking the stores a command names -------------------------------- */

typedef enum err (*store_fn)(struct store *st, const struct backup_opts *o);

struct each_ctx {
    const struct backup_opts *o;
    store_fn fn;
    enum err rc;
    int failed;
};

static void
store_failed(struct each_ctx *c, const char *what, enum err rc)
{
    fprintf(stderr, "pilotlight backup: %s: %s\n", what,
            *err_detail() ? err_detail() : err_code(rc));
    c->failed++;
    c->rc = rc;
    err_clear();
}

/* The pool's LRU keeps a few tenant stores open, closing the oldest. */
static bool
each_tenant(const struct tenant *t, void *arg)
{
    struct each_ctx *c = arg;
    struct store *st;
    enum err rc = pool_tenant(t->id, &st);
    if (!rc)
        rc = c->fn(st, c->o);
    if (rc)
        store_failed(c, t->code, rc);
    return true;
}

/* Run fn on the stores o names; the exit code. */
static int
for_stores(const char *cmd, const struct backup_opts *o, store_fn fn)
{
    struct store *st;
    struct each_ctx c = {o, fn, ERR_OK, 0};
    enum err rc;
    if (o->tenant[0] && o->all)
        return cli_fail(
            cmd, err_fail(ERR_CONFIG, "give --tenant or --all, not both"));
    if (o->tenant[0]) {
        if ((rc = cli_open_tenant(o->data, o->tenant, &st)) || (rc = fn(st, o)))
            return cli_fail(cmd, rc);
        return 0;
    }
    if ((rc = cli_open_platform(o->data, &st)) || (rc = fn(st, o)))
        store_failed(&c, "platform", rc);
    if (o->all && !(rc = cli_open_platform(o->data, &st)))
        rc = tenant_each(st, each_tenant, &c);
    if (rc && !c.failed)
        return cli_fail(cmd, rc);
    return c.failed ? 1 : 0;
}

static void
print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s)
        puts(s);
    free(s);
    json_decref(j);
}

/* ---- snapshot ---------------------------------------------------------- */

static enum err
do_snapshot(struct store *st, const struct backup_opts *o)
{
    struct snapshot_info si;
    enum err rc = snapshot_take(st, &si);
    if (rc)
        return rc;
    if (o->json)
        print_json(json_pack("{s:s, s:I, s:I, s:I, s:s}", "store",
                             capture_store_id(st), "seq", (json_int_t)si.seq,
                             "time_ms", (json_int_t)si.time_ms, "bytes",
                             (json_int_t)si.bytes, "path", si.path));
    else
        printf("%-10s seq %-8" PRIu64 " %10" PRIu64 " bytes  %s\n",
               capture_store_id(st), si.seq, si.bytes, si.path);
    return ERR_OK;
}

/* ---- verify ------------------------------------------------------------ */

static enum err
do_verify(struct store *st, const struct backup_opts *o)
{
    struct journal_info ji;
    struct journal *j = capture_journal(st);
    uint64_t seq, jseq = 0;
    int64_t ms;
    enum err rc = journal_lock(j); /* the two agree under the lock */
    if (!rc) {
        jseq = journal_last_seq(j);
        rc = capture_state(st, &seq, &ms);
        journal_unlock(j);
    }
    if (!rc && seq != jseq)
        rc = err_fail(ERR_JOURNAL_GAP,
                      "store %s is at seq %" PRIu64 ", its journal at %" PRIu64,
                      capture_store_id(st), seq, jseq);
    if (!rc)
        rc = journal_verify(journal_dir(j), &ji);
    if (rc)
        return rc;
    if (o->json)
        print_json(json_pack(
            "{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "store",
            capture_store_id(st), "segments", (json_int_t)ji.segments, "bytes",
            (json_int_t)ji.bytes, "records", (json_int_t)ji.records,
            "first_seq", (json_int_t)ji.first_seq, "last_seq",
            (json_int_t)ji.last_seq, "resync_seq", (json_int_t)ji.resync_seq));
    else
        printf("%-10s journal ok: seq %" PRIu64 "..%" PRIu64 " (%" PRIu64
               " records, %u segments, %" PRIu64 " bytes), last resync %" PRIu64
               "\n",
               capture_store_id(st), ji.first_seq, ji.last_seq, ji.records,
               ji.segments, ji.bytes, ji.resync_seq);
    return ERR_OK;
}

/* The journal of a store opened with capture off cannot be checked. */
static enum err
need_capture(struct store *st)
{
    if (!capture_attached(st))
        return err_fail(ERR_CONFIG, "change capture is off "
                                    "(PILOTLIGHT_CAPTURE)");
    return ERR_OK;
}

static enum err
do_verify_checked(struct store *st, const struct backup_opts *o)
{
    enum err rc = need_capture(st);
    return rc ? rc : do_verify(st, o);
}

/* ---- checksum ---------------------------------------------------------- */

static void
print_table(const char *table, uint64_t rows, const char *hex, void *arg)
{
    const struct backup_opts *o = arg;
    if (!o->json)
        printf("  %-40s %10" PRIu64 " rows  %s\n", table, rows, hex);
}

static void
print_sum(const char *name, const struct capture_sum *s, bool json)
{
    if (json)
        print_json(json_pack("{s:s, s:s, s:I, s:I, s:I}", "store", name,
                             "checksum", s->hex, "seq", (json_int_t)s->seq,
                             "tables", (json_int_t)s->tables, "rows",
                             (json_int_t)s->rows));
    else
        printf("%-10s %s  seq %" PRIu64 ", %" PRIu64 " tables, %" PRIu64
               " rows\n",
               name, s->hex, s->seq, s->tables, s->rows);
}

static enum err
do_checksum(struct store *st, const struct backup_opts *o)
{
    struct capture_sum s;
    enum err rc = capture_checksum_store(st, &s, print_table, (void *)o);
    if (!rc)
        print_sum(capture_store_id(st) ? capture_store_id(st) : store_path(st),
                  &s, o->json);
    return rc;
}

/* ---- replay ------------------------------------------------------------ */

/* Copy from to to (which must not exist), durably. */
static enum err
copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return err_fail(ERR_IO, "cannot open %s: %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        enum err rc =
            err_fail(ERR_IO, "cannot create %s: %s", to, strerror(errno));
        close(in);
        return rc;
    }
    char buf[1 << 16];
    ssize_t n;
    bool ok = true;
    while (ok && (n = read(in, buf, sizeof(buf))) > 0)
        ok = write(out, buf, (size_t)n) == n;
    ok = ok && n == 0 && fsync(out) == 0;
    close(in);
    close(out);
    if (!ok) {
        unlink(to);
        return err_fail(ERR_IO, "cannot copy %s to %s", from, to);
    }
    return ERR_OK;
}

static int
cmd_replay(int argc, char **argv)
{
    struct backup_opts o;
    struct replay_limit lim = {0, 0};
    struct replay_stats rs;
    enum err rc = opt_parse(replay_opts, &o, argc, argv);
    if (!rc && o.at[0])
        rc = replay_parse_time(o.at, &lim.until_ms);
    lim.until_seq = (uint64_t)o.until_seq;
    if (!rc)
        rc = copy_file(o.snapshot, o.to);
    if (!rc && (rc = replay_journal(o.to, o.journal, &lim, &rs)))
        unlink(o.to);
    if (rc)
        return cli_fail("backup replay", rc);
    if (o.json)
        print_json(json_pack(
            "{s:I, s:I, s:I, s:I, s:b}", "base_seq", (json_int_t)rs.base_seq,
            "seq", (json_int_t)rs.last_seq, "time_ms", (json_int_t)rs.last_ms,
            "records", (json_int_t)rs.records, "limit_reached",
            rs.limit_reached));
    else
        printf("replayed %" PRIu64 " records: seq %" PRIu64 " -> %" PRIu64 "\n",
               rs.records, rs.base_seq, rs.last_seq);
    return 0;
}

/* ---- the verbs --------------------------------------------------------- */

static int
run_stores(const char *cmd, const struct opt *opts, int argc, char **argv,
           store_fn fn)
{
    struct backup_opts o;
    enum err rc = opt_parse(opts, &o, argc, argv);
    if (rc)
        return cli_fail(cmd, rc);
    return for_stores(cmd, &o, fn);
}

static int
cmd_snapshot(int argc, char **argv)
{
    return run_stores("backup snapshot", stores_opts, argc, argv, do_snapshot);
}

static int
cmd_verify(int argc, char **argv)
{
    return run_stores("backup verify", stores_opts, argc, argv,
                      do_verify_checked);
}

static int
cmd_checksum(int argc, char **argv)
{
    struct backup_opts o;
    enum err rc = opt_parse(checksum_opts, &o, argc, argv);
    if (rc)
        return cli_fail("backup checksum", rc);
    if (!o.file[0])
        return for_stores("backup checksum", &o, do_checksum);
    struct capture_sum s;
    if ((rc = capture_checksum_file(o.file, &s, print_table, &o)))
        return cli_fail("backup checksum", rc);
    print_sum(o.file, &s, o.json);
    return 0;
}

static const struct verb {
    const char *name;
    int (*fn)(int argc, char **argv);
    const struct opt *opts;
    const char *usage, *summary;
} verbs[] = {
    {"snapshot", cmd_snapshot, stores_opts,
     "pilotlight backup snapshot [--tenant CODE | --all] [options]",
     "take a snapshot of stores now (online backup API)"},
    {"verify", cmd_verify, stores_opts,
     "pilotlight backup verify [--tenant CODE | --all] [options]",
     "check stores' journals: every frame, hash and sequence number"},
    {"checksum", cmd_checksum, checksum_opts,
     "pilotlight backup checksum [--tenant CODE | --all | --file PATH]",
     "print logical checksums (per table with text output)"},
    {"replay", cmd_replay, replay_opts,
     "pilotlight backup replay --snapshot PATH --journal DIR --to PATH "
     "[--until-seq N | --at TIME]",
     "apply a journal to a copy of a snapshot"},
    {"ship", ship_main, ship_opts,
     "pilotlight backup ship --vault URL [--vault URL2] [--token-file F] "
     "[--once | --daemon]",
     "send snapshots and journal records to the vaults, in order"},
#ifdef PILOTLIGHT_BENCH
    {"bench-commit", backup_bench_main, backup_bench_opts,
     "pilotlight backup bench-commit --tenant CODE [--tx N] [--threads N] "
     "[--capture BOOL]",
     "bench: write-transaction latency with capture on or off"},
#endif
};

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

static void
backup_usage(FILE *f)
{
    fprintf(f, "usage: pilotlight backup <verb> [options]\n\n");
    for (size_t i = 0; i < NVERBS; i++)
        fprintf(f, "  %-9s %s\n", verbs[i].name, verbs[i].summary);
    fprintf(f, "\nBy default a verb acts on the platform store; --tenant CODE "
               "names one tenant,\n--all every store. `pilotlight backup "
               "<verb> --help` lists its options.\n");
}

int
backup_main(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 ||
        strcmp(argv[0], "-h") == 0) {
        backup_usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    for (size_t i = 0; i < NVERBS; i++) {
        if (strcmp(argv[0], verbs[i].name) != 0)
            continue;
        if (opt_wants_help(argc - 1, argv + 1)) {
            cli_help(verbs[i].usage, verbs[i].summary, verbs[i].opts);
            return 0;
        }
        return verbs[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "pilotlight backup: unknown verb '%s'\n\n", argv[0]);
    backup_usage(stderr);
    return 2;
}
