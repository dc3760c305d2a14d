/*
 * drill.c — `pilotlight drill`: restore the latest backups into a scratch
 * dir and prove they hold what the live stores hold.
 *
 * Consistency on a busy system. The restored store is as of some journal
 * seq R (the newest manifest); the live store keeps moving. For each store:
 *
 *   1. restore it from the vault into SCRATCH/<id>.db (restore.c: every
 *      signature, hash and check) — as of R;
 *   2. checksum the live store in ONE read transaction; the checksum
 *      carries the seq L it was read at (store_capture is read in the same
 *      transaction);
 *   3. bring the restored copy from R to L by replaying the LOCAL journal
 *      records (R, L] (waiting briefly for an append still in flight);
 *   4. checksum the restored copy and compare, table by table.
 *
 * Both sides are then the store as of L: equal when the vault's backup plus
 * the journal reproduce the live store, different when a live row changed
 * behind the journal's back (sqlite3 on the file) or the backup is wrong.
 * A RESYNC between R and L cannot be crossed: ship first (`backup ship`)
 * and run the drill again.
 */
#include "vault/restore.h"

#include "cli.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "store/capture.h"
#include "store/pool.h"
#include "store/store.h"
#include "tenants/tenants.h"
#include "vault/journal.h"
#include "vault/keys.h"
#include "vault/replay.h"
#include "vault/ship.h"
#include "vault/vault_client.h"

#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DRILL_APPEND_WAIT_MS 10000ull

struct drill_opts {
    char data[4096];
    char token_file[4096];
    char kit[4096];
    char data_keys[4096];
    char scratch[4096];
    bool keep;
};

#define O(f)  offsetof(struct drill_opts, f)
#define SZ(f) sizeof(((struct drill_opts *)0)->f)

static const struct opt drill_opts[] = {
    {"data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",
     "the live data directory"},
    {"token-file", OPT_STR, O(token_file), SZ(token_file), "", 0, 0, 0, "FILE",
     "the vault token (http:// vaults)"},
    {"kit", OPT_STR, O(kit), SZ(kit), "", 0, 0, OPT_NO_ENV, "FILE",
     "the recovery kit"},
    {"data-keys", OPT_STR, O(data_keys), SZ(data_keys), "", 0, 0, OPT_NO_ENV,
     "DIR", "or a data dir whose keys/ to use"},
    {"scratch", OPT_STR, O(scratch), SZ(scratch), "", 0, 0, OPT_NO_ENV, "DIR",
     "where to restore (default: a new temp dir, removed after)"},
    {"keep", OPT_BOOL, O(keep), 0, "false", 0, 0, OPT_NO_ENV, NULL,
     "keep the scratch dir"},
    OPT_END,
};

/* Per-table digests of one side. */
struct sums {
    size_t n, cap;
    struct {
        char table[128];
        char hex[65];
        uint64_t rows;
    } * t;
};

static void
collect(const char *table, uint64_t rows, const char *hex, void *arg)
{
    struct sums *s = arg;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 32;
        s->t = xrealloc(s->t, s->cap * sizeof(*s->t));
    }
    snprintf(s->t[s->n].table, sizeof(s->t[0].table), "%s", table);
    snprintf(s->t[s->n].hex, sizeof(s->t[0].hex), "%s", hex);
    s->t[s->n++].rows = rows;
}

static const char *
find_hex(const struct sums *s, const char *table)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->t[i].table, table) == 0)
            return s->t[i].hex;
    return NULL;
}

/* The tables that differ, named in err_detail(). */
static enum err
compare(const char *id, const struct sums *live, const struct sums *rest)
{
    char diff[1024] = "";
    size_t len = 0;
    for (int side = 0; side < 2; side++) {
        const struct sums *a = side ? rest : live, *b = side ? live : rest;
        for (size_t i = 0; i < a->n; i++) {
            const char *h = find_hex(b, a->t[i].table);
            if ((h && (side || strcmp(h, a->t[i].hex) == 0)) ||
                len >= sizeof(diff) - 80)
                continue;
            len += (size_t)snprintf(
                diff + len, sizeof(diff) - len, "%s%s%s", len ? ", " : "",
                a->t[i].table,
                h ? "" : (side ? " (only restored)" : " (only live)"));
        }
    }
    if (!len)
        return ERR_OK;
    return err_fail(ERR_DRILL_MISMATCH, "store %s: table %s differs", id, diff);
}

struct drill {
    const struct drill_opts *o;
    struct vault_client *c;
    struct keyring kr;
    char scratch[PATH_MAX];
    unsigned stores, failed;
};

static void
quiet(void *arg, const char *store, const char *phase, uint64_t bytes)
{
    (void)arg;
    (void)store;
    (void)phase;
    (void)bytes;
}

/* Steps 1-4 at the top for one live store. */
static enum err
drill_store(struct drill *d, struct store *st)
{
    const char *id = capture_store_id(st);
    struct restore_result res;
    struct capture_sum ls, rs;
    struct sums live = {0}, rest = {0};
    char path[PATH_MAX], jdir[PATH_MAX];
    if (!id)
        return err_fail(ERR_CONFIG, "change capture is off");
    snprintf(path, sizeof(path), "%s/%s.db", d->scratch, id);
    journal_dir_path(d->o->data, id, jdir, sizeof(jdir));
    enum err rc =
        restore_store_file(d->c, &d->kr, id, 0, path, quiet, NULL, &res);
    if (!rc)
        rc = capture_checksum_store(st, &ls, collect, &live);
    if (!rc && ls.seq < res.seq)
        rc = err_fail(ERR_DRILL_MISMATCH,
                      "store %s: the vault is at seq %" PRIu64
                      ", ahead of live %" PRIu64,
                      id, res.seq, ls.seq);
    /* the append of seq L may still be in flight: its writer holds the
     * journal lock from before COMMIT to after the append, so once the
     * lock is ours it is done (the retry below, DRILL_APPEND_WAIT_MS at
     * most, stays for a frame met half-written) */
    if (!rc && ls.seq > res.seq && !(rc = journal_lock(capture_journal(st))))
        journal_unlock(capture_journal(st));
    uint64_t deadline = time_mono_ns() + DRILL_APPEND_WAIT_MS * 1000000ull;
    while (!rc && ls.seq > res.seq) {
        struct replay_limit lim = {ls.seq, 0};
        rc = replay_journal(path, jdir, &lim, NULL);
        if (rc != ERR_JOURNAL_GAP || time_mono_ns() > deadline)
            break;
        err_clear();
        rc = ERR_OK;
        usleep(20000);
    }
    if (!rc)
        rc = capture_checksum_file(path, &rs, collect, &rest);
    if (!rc)
        rc = compare(id, &live, &rest);
    if (!rc)
        printf("%-12s ok  seq %" PRIu64 " (vault %" PRIu64 " + %" PRIu64
               " local records), %" PRIu64 " tables, %" PRIu64 " rows  %s\n",
               id, ls.seq, res.seq, ls.seq - res.seq, ls.tables, ls.rows,
               ls.hex);
    free(live.t);
    free(rest.t);
    return rc;
}

static void
drill_one(struct drill *d, struct store *st, const char *name)
{
    d->stores++;
    enum err rc = drill_store(d, st);
    if (rc) {
        d->failed++;
        printf("%-12s FAILED  %s\n", name,
               *err_detail() ? err_detail() : err_code(rc));
        err_clear();
    }
}

static struct drill *each_drill;

static bool
each_tenant(const struct tenant *t, void *arg)
{
    struct store *st;
    (void)arg;
    if (pool_tenant(t->id, &st)) {
        each_drill->stores++;
        each_drill->failed++;
        printf("%-12s FAILED  %s\n", t->code, err_detail());
        err_clear();
        return true;
    }
    drill_one(each_drill, st, t->code);
    return true;
}

static enum err
drill_setup(struct drill *d, const char **urls, int nurls)
{
    char token[VAULT_TOKEN_MAX + 1] = "";
    enum err rc = ERR_OK;
    if (nurls != 1)
        return err_fail(ERR_CONFIG, "give --vault URL once");
    if (d->o->token_file[0])
        rc = vault_token_read(d->o->token_file, token, sizeof(token));
    if (!rc)
        rc = restore_load_keys(d->o->kit, d->o->data_keys, &d->kr);
    if (!rc)
        rc = vault_client_open(urls[0], token, &d->c);
    explicit_bzero(token, sizeof(token));
    if (rc)
        return rc;
    if (d->o->scratch[0]) {
        snprintf(d->scratch, sizeof(d->scratch), "%s", d->o->scratch);
        mkdir(d->scratch, 0700);
    } else {
        snprintf(d->scratch, sizeof(d->scratch),
                 "/tmp/pilotlight-drill-XXXXXX");
        if (!mkdtemp(d->scratch))
            return err_fail(ERR_IO, "cannot make a scratch dir");
    }
    return ERR_OK;
}

/* Remove the scratch files this drill made. */
static void
drill_clean(struct drill *d)
{
    char p[PATH_MAX + 300];
    if (d->o->keep || !d->scratch[0])
        return;
    DIR *dir = opendir(d->scratch);
    struct dirent *e;
    while (dir && (e = readdir(dir))) {
        /* only <id>.db and its -wal/-shm/-journal are made there */
        if (e->d_name[0] == '.' || !strstr(e->d_name, ".db"))
            continue;
        snprintf(p, sizeof(p), "%s/%s", d->scratch, e->d_name);
        unlink(p);
    }
    if (dir)
        closedir(dir);
    rmdir(d->scratch);
}

int
drill_main(int argc, char **argv)
{
    struct drill_opts o;
    struct drill d;
    struct store *platform;
    const char *urls[SHIP_VAULTS_MAX];
    int nurls = 0;
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight drill --data DIR --vault URL (--kit FILE | "
                 "--data-keys DIR) [--token-file F] [--scratch DIR]",
                 "restore the latest backups aside and compare every table "
                 "with the live stores",
                 drill_opts);
        return 0;
    }
    memset(&d, 0, sizeof(d));
    argc = ship_take_vaults(argc, argv, urls, &nurls);
    enum err rc = argc < 0 ? err_fail(ERR_CONFIG, "--vault needs a URL")
                           : opt_parse(drill_opts, &o, argc, argv);
    d.o = &o;
    if (!rc)
        rc = drill_setup(&d, urls, nurls);
    if (!rc && !(rc = cli_open_platform(o.data, &platform))) {
        drill_one(&d, platform, "platform");
        each_drill = &d;
        rc = tenant_each(platform, each_tenant, NULL);
    }
    drill_clean(&d);
    vault_client_close(d.c);
    keys_wipe(&d.kr);
    if (rc)
        return cli_fail("drill", rc);
    printf("drill: %u stores, %u failed\n", d.stores, d.failed);
    return d.failed ? 1 : 0;
}
