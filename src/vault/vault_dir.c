/*
 * vault_dir.c — the vault's rules on a local directory (see vault_dir.h).
 *
 * Every write goes: temp file in DIR/tmp → write → fchmod 0400 → fsync →
 * rename with RENAME_NOREPLACE (link + unlink where the file system lacks
 * it) → fsync of the target directory. A crash leaves either nothing or a
 * whole file; leftovers in tmp/ are removed by prune after a day.
 */
#include "vault/vault_dir.h"

#include "core/json.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "vault/keys.h"
#include "vault/manifest.h"
#include "vault/seal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TRUST_FILE "trusted-keys"
#define MARK_FILE  "vault.json"
#define LOCK_FILE  "lock"
#define VAULT_PATH (PATH_MAX + 128)
#define TEMP_MAX_S 86400 /* an upload older than this is abandoned */
#define DAY_S      86400

struct vault_dir {
    char root[PATH_MAX];
    struct keyring trust; /* only ntrusted/trusted are used */
    uint64_t object_max;
};

struct vault_upload {
    struct vault_dir *v;
    char name[SEAL_NAME_HEX];
    char tmp[VAULT_PATH];
    int fd;
    struct seal_hash *h;
    uint64_t bytes;
};

/* ------------------------------------------------------------- helpers */

static void
object_path(const struct vault_dir *v, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/objects/%.2s/%s", v->root, name, name);
}

static void
manifest_path(const struct vault_dir *v, const char *store, int64_t seq,
              char *out, size_t n)
{
    snprintf(out, n, "%s/manifests/%s/%015lld.json", v->root, store,
             (long long)seq);
}

static enum err
sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return err_fail(ERR_IO, "%s: %s", dir, strerror(errno));
    int r = fsync(fd);
    close(fd);
    return r == 0 ? ERR_OK
                  : err_fail(ERR_IO, "%s: fsync: %s", dir, strerror(errno));
}

/* mkdir (0700) that is fine when the directory exists; a new directory's
 * parent is fsync'd so the entry survives a crash. */
static enum err
ensure_dir(const char *path)
{
    if (mkdir(path, 0700) == 0) {
        char parent[VAULT_PATH];
        snprintf(parent, sizeof(parent), "%s", path);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) {
            *slash = '\0';
            return sync_dir(parent);
        }
        return ERR_OK;
    }
    if (errno == EEXIST)
        return ERR_OK;
    return err_fail(ERR_IO, "%s: %s", path, strerror(errno));
}

/* The directory part of path into out. */
static void
dir_of(const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s", path);
    char *slash = strrchr(out, '/');
    if (slash)
        *slash = '\0';
}

/* rename that never replaces: -1 with errno EEXIST when to exists. */
static int
rename_noreplace(const char *from, const char *to)
{
#ifdef RENAME_NOREPLACE
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
#endif
    if (link(from, to) != 0)
        return -1;
    unlink(from);
    return 0;
}

/* A new temp file in DIR/tmp: *fd open for writing, path in tmp. */
static enum err
temp_open(const struct vault_dir *v, char *tmp, size_t n, int *fd)
{
    snprintf(tmp, n, "%s/tmp/put-XXXXXX", v->root);
    *fd = mkostemp(tmp, O_CLOEXEC);
    if (*fd < 0)
        return err_fail(ERR_IO, "%s: %s", tmp, strerror(errno));
    return ERR_OK;
}

static enum err
write_all(int fd, const void *p, size_t n, const char *what)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return err_fail(ERR_IO, "%s: write: %s", what, strerror(errno));
        c += w;
        n -= (size_t)w;
    }
    return ERR_OK;
}

/* Make the temp file read-only and durable, then close it. */
static enum err
temp_seal(int fd, const char *tmp)
{
    enum err rc = ERR_OK;
    if (fchmod(fd, 0400) != 0 || fsync(fd) != 0)
        rc = err_fail(ERR_IO, "%s: %s", tmp, strerror(errno));
    if (close(fd) != 0 && !rc)
        rc = err_fail(ERR_IO, "%s: close: %s", tmp, strerror(errno));
    return rc;
}

/* Move the sealed temp file to path (never replacing: exists_err), then
 * fsync path's directory. The temp file is gone afterwards either way. */
static enum err
publish(const char *tmp, const char *path, enum err exists_err)
{
    char dir[VAULT_PATH];
    dir_of(path, dir, sizeof(dir));
    enum err rc = ensure_dir(dir);
    if (!rc && rename_noreplace(tmp, path) != 0)
        rc = errno == EEXIST
                 ? err_fail(exists_err, "%s exists already",
                            strrchr(path, '/') + 1)
                 : err_fail(ERR_IO, "%s: %s", path, strerror(errno));
    if (rc) {
        unlink(tmp);
        return rc;
    }
    return sync_dir(dir);
}

/* Read a whole file of at most max bytes into out. */
static enum err
read_file(const char *path, size_t max, struct buf *out, enum err missing)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT
                   ? err_fail(missing, "%s does not exist", path)
                   : err_fail(ERR_IO, "%s: %s", path, strerror(errno));
    char b[65536];
    ssize_t n;
    enum err rc = ERR_OK;
    while (!rc && (n = read(fd, b, sizeof(b))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = err_fail(ERR_IO, "%s: %s", path, strerror(errno));
        else if (out->len + (size_t)n > max)
            rc = err_fail(ERR_TOO_LARGE, "%s: over %zu bytes", path, max);
        else
            rc = buf_append(out, b, (size_t)n);
    }
    close(fd);
    return rc;
}

/* Take the vault's lock (LOCK_SH or LOCK_EX); returns the fd or -1. */
static int
lock_take(const char *root, int op)
{
    char path[VAULT_PATH];
    snprintf(path, sizeof(path), "%s/" LOCK_FILE, root);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    while (flock(fd, op) != 0)
        if (errno != EINTR) {
            close(fd);
            return -1;
        }
    return fd;
}

/* ------------------------------------------------- init, trust, open */

/* Parse trusted-keys text into kr->trusted. */
static enum err
parse_trust(const char *path, char *text, struct keyring *kr)
{
    int line = 0;
    for (char *p = text, *nl; *p; p = nl ? nl + 1 : p + strlen(p)) {
        nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        line++;
        p += strspn(p, " \t\r");
        if (!*p || *p == '#')
            continue;
        if (kr->ntrusted == KEYS_PUBLIC_MAX)
            return err_fail(ERR_CONFIG, "%s: more than %d keys", path,
                            KEYS_PUBLIC_MAX);
        if (keys_public_parse(p, kr->trusted[kr->ntrusted++]))
            return err_fail(ERR_CONFIG, "%s line %d: not a public key", path,
                            line);
    }
    return ERR_OK;
}

static enum err
load_trust(const char *root, struct keyring *kr)
{
    char path[VAULT_PATH];
    struct buf b;
    snprintf(path, sizeof(path), "%s/" TRUST_FILE, root);
    buf_init(&b, 64 * 1024);
    memset(kr, 0, sizeof(*kr));
    enum err rc = read_file(path, 64 * 1024, &b, ERR_CONFIG);
    if (!rc)
        rc = parse_trust(path, b.data ? b.data : (char[]){""}, kr);
    buf_free(&b);
    if (!rc && !kr->ntrusted)
        rc = err_fail(ERR_CONFIG, "%s lists no signing key", path);
    return rc;
}

/* Write the list of trusted keys (replacing the file: a local change). */
static enum err
save_trust(const char *root, const struct keyring *kr)
{
    struct vault_dir tmpv;
    char tmp[VAULT_PATH], path[VAULT_PATH], hex[KEYS_PUBLIC_HEX];
    int fd;
    snprintf(tmpv.root, sizeof(tmpv.root), "%s", root);
    snprintf(path, sizeof(path), "%s/" TRUST_FILE, root);
    struct buf b;
    buf_init(&b, 64 * 1024);
    buf_puts(&b, "# Ed25519 public keys whose manifests this vault "
                 "accepts (pilotlight vault trust)\n");
    for (size_t i = 0; i < kr->ntrusted; i++) {
        keys_public_hex(kr->trusted[i], hex);
        buf_printf(&b, "%s\n", hex);
    }
    enum err rc = temp_open(&tmpv, tmp, sizeof(tmp), &fd);
    if (!rc && (rc = write_all(fd, b.data, b.len, tmp)))
        close(fd);
    if (!rc)
        rc = temp_seal(fd, tmp);
    if (!rc && rename(tmp, path) != 0)
        rc = err_fail(ERR_IO, "%s: %s", path, strerror(errno));
    if (rc)
        unlink(tmp);
    buf_free(&b);
    return rc ? rc : sync_dir(root);
}

static enum err
write_mark(const char *root)
{
    char path[VAULT_PATH], now[32], text[256];
    time_now_iso(now);
    snprintf(path, sizeof(path), "%s/" MARK_FILE, root);
    snprintf(text, sizeof(text),
             "{\"format\":\"pilotlight-vault\",\"version\":1,"
             "\"created\":\"%s\"}\n",
             now);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_fail(errno == EEXIST ? ERR_CONFLICT : ERR_IO, "%s: %s", path,
                        strerror(errno));
    enum err rc = write_all(fd, text, strlen(text), path);
    if (!rc && fsync(fd) != 0)
        rc = err_fail(ERR_IO, "%s: %s", path, strerror(errno));
    close(fd);
    return rc ? rc : sync_dir(root);
}

enum err
vault_dir_init(const char *dir, const char *signing_key_hex)
{
    struct keyring kr;
    memset(&kr, 0, sizeof(kr));
    enum err rc = keys_public_parse(signing_key_hex, kr.trusted[0]);
    if (rc)
        return rc;
    kr.ntrusted = 1;
    char path[VAULT_PATH];
    snprintf(path, sizeof(path), "%s/" MARK_FILE, dir);
    if (access(path, F_OK) == 0)
        return err_fail(ERR_CONFLICT,
                        "%s is a vault already (pilotlight vault trust adds "
                        "a signing key)",
                        dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return err_fail(ERR_IO, "%s: %s", dir, strerror(errno));
    const char *subs[] = {"objects", "manifests", "tmp"};
    for (size_t i = 0; !rc && i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, subs[i]);
        rc = ensure_dir(path);
    }
    int fd = rc ? -1 : lock_take(dir, LOCK_SH);
    if (!rc && fd < 0)
        rc = err_fail(ERR_IO, "%s/" LOCK_FILE ": %s", dir, strerror(errno));
    if (fd >= 0)
        close(fd);
    if (!rc)
        rc = save_trust(dir, &kr);
    return rc ? rc : write_mark(dir); /* last: marks the vault complete */
}

enum err
vault_dir_trust(const char *dir, const char *signing_key_hex)
{
    unsigned char pub[KEYS_PUBLIC_BYTES];
    struct vault_dir *v;
    enum err rc = keys_public_parse(signing_key_hex, pub);
    if (!rc)
        rc = vault_dir_open(dir, &v);
    if (rc)
        return rc;
    struct keyring *kr = &v->trust;
    for (size_t i = 0; i < kr->ntrusted; i++)
        if (memcmp(kr->trusted[i], pub, sizeof(pub)) == 0) {
            vault_dir_close(v);
            return ERR_OK;
        }
    if (kr->ntrusted == KEYS_PUBLIC_MAX)
        rc = err_fail(ERR_CONFLICT, "a vault trusts at most %d keys",
                      KEYS_PUBLIC_MAX);
    if (!rc) {
        memcpy(kr->trusted[kr->ntrusted++], pub, sizeof(pub));
        rc = save_trust(v->root, kr);
    }
    vault_dir_close(v);
    return rc;
}

enum err
vault_dir_open(const char *dir, struct vault_dir **out)
{
    *out = NULL;
    char path[VAULT_PATH];
    snprintf(path, sizeof(path), "%s/" MARK_FILE, dir);
    if (strlen(dir) >= PATH_MAX - 128 || access(path, F_OK) != 0)
        return err_fail(ERR_CONFIG,
                        "%s is not a vault (make one with pilotlight vault "
                        "init --data DIR --signing-key HEX)",
                        dir);
    struct vault_dir *v = xcalloc(1, sizeof(*v));
    snprintf(v->root, sizeof(v->root), "%s", dir);
    v->object_max = VAULT_OBJECT_MAX_DEFAULT;
    enum err rc = load_trust(dir, &v->trust);
    snprintf(path, sizeof(path), "%s/tmp", dir);
    if (!rc)
        rc = ensure_dir(path);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    return ERR_OK;
}

void
vault_dir_close(struct vault_dir *v)
{
    free(v);
}

void
vault_dir_set_object_max(struct vault_dir *v, uint64_t bytes)
{
    v->object_max = bytes;
}

/* ------------------------------------------------------------- objects */

static enum err
check_name(const char *name)
{
    if (!seal_name_valid(name))
        return err_fail(ERR_VAULT_BAD_NAME,
                        "an object name is 64 lowercase hex digits "
                        "(BLAKE2b-256 of its bytes)");
    return ERR_OK;
}

enum err
vault_dir_has_object(struct vault_dir *v, const char *name, bool *present,
                     uint64_t *bytes)
{
    enum err rc = check_name(name);
    if (rc)
        return rc;
    char path[VAULT_PATH];
    struct stat st;
    object_path(v, name, path, sizeof(path));
    *present = lstat(path, &st) == 0 && S_ISREG(st.st_mode);
    if (bytes)
        *bytes = *present ? (uint64_t)st.st_size : 0;
    return ERR_OK;
}

enum err
vault_dir_open_object(struct vault_dir *v, const char *name, int *fd,
                      uint64_t *bytes)
{
    enum err rc = check_name(name);
    if (rc)
        return rc;
    char path[VAULT_PATH];
    struct stat st;
    object_path(v, name, path, sizeof(path));
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (*fd < 0)
        return errno == ENOENT
                   ? err_fail(ERR_VAULT_OBJECT_NOT_FOUND,
                              "no object %.16s… in this vault", name)
                   : err_fail(ERR_IO, "%s: %s", path, strerror(errno));
    if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(*fd);
        return err_fail(ERR_IO, "%s: not a regular file", path);
    }
    *bytes = (uint64_t)st.st_size;
    return ERR_OK;
}

enum err
vault_upload_begin(struct vault_dir *v, const char *name,
                   struct vault_upload **out)
{
    *out = NULL;
    enum err rc = check_name(name);
    if (rc)
        return rc;
    char path[VAULT_PATH];
    object_path(v, name, path, sizeof(path));
    if (access(path, F_OK) == 0) {
        utimensat(AT_FDCWD, path, NULL, 0); /* offered again: keep it */
        return err_fail(ERR_VAULT_OBJECT_EXISTS,
                        "object %.16s… is stored already", name);
    }
    struct vault_upload *u = xcalloc(1, sizeof(*u));
    u->v = v;
    memcpy(u->name, name, SEAL_NAME_HEX);
    if ((rc = temp_open(v, u->tmp, sizeof(u->tmp), &u->fd))) {
        free(u);
        return rc;
    }
    u->h = seal_hash_new();
    *out = u;
    return ERR_OK;
}

enum err
vault_upload_write(struct vault_upload *u, const void *p, size_t n)
{
    if (u->bytes + n > u->v->object_max)
        return err_fail(ERR_HTTP_BODY_TOO_LARGE,
                        "an object may be at most %llu bytes",
                        (unsigned long long)u->v->object_max);
    seal_hash_update(u->h, p, n);
    u->bytes += n;
    return write_all(u->fd, p, n, u->tmp);
}

void
vault_upload_abort(struct vault_upload *u)
{
    if (!u)
        return;
    if (u->fd >= 0)
        close(u->fd);
    unlink(u->tmp);
    if (u->h) {
        char junk[SEAL_NAME_HEX];
        seal_hash_final(u->h, junk);
    }
    free(u);
}

enum err
vault_upload_finish(struct vault_upload *u)
{
    char got[SEAL_NAME_HEX], path[VAULT_PATH];
    seal_hash_final(u->h, got);
    u->h = NULL;
    if (strcmp(got, u->name) != 0) {
        enum err rc = err_fail(ERR_VAULT_HASH_MISMATCH,
                               "the %llu bytes sent hash to %s, not to "
                               "the name %s",
                               (unsigned long long)u->bytes, got, u->name);
        vault_upload_abort(u);
        return rc;
    }
    enum err rc = temp_seal(u->fd, u->tmp);
    u->fd = -1;
    object_path(u->v, u->name, path, sizeof(path));
    if (!rc)
        rc = publish(u->tmp, path, ERR_VAULT_OBJECT_EXISTS);
    else
        unlink(u->tmp);
    free(u);
    return rc;
}

enum err
vault_dir_put_object_file(struct vault_dir *v, const char *name,
                          const char *path)
{
    struct vault_upload *u;
    enum err rc = vault_upload_begin(v, name, &u);
    if (rc)
        return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        vault_upload_abort(u);
        return err_fail(ERR_IO, "%s: %s", path, strerror(errno));
    }
    char *b = xmalloc(256 * 1024);
    ssize_t n;
    while (!rc && (n = read(fd, b, 256 * 1024)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        rc = n < 0 ? err_fail(ERR_IO, "%s: %s", path, strerror(errno))
                   : vault_upload_write(u, b, (size_t)n);
    }
    free(b);
    close(fd);
    if (rc) {
        vault_upload_abort(u);
        return rc;
    }
    return vault_upload_finish(u);
}

/* ----------------------------------------------------------- manifests */

/* Every object m refers to must be here. */
static enum err
check_objects(struct vault_dir *v, const struct manifest *m)
{
    bool present = false;
    if (m->snapshot[0]) {
        vault_dir_has_object(v, m->snapshot, &present, NULL);
        if (!present)
            return err_fail(ERR_VAULT_OBJECT_NOT_FOUND,
                            "the manifest's snapshot %.16s… is not in the "
                            "vault: upload objects before their manifest",
                            m->snapshot);
    }
    for (size_t i = 0; i < m->nchangesets; i++) {
        vault_dir_has_object(v, m->changesets[i], &present, NULL);
        if (!present)
            return err_fail(ERR_VAULT_OBJECT_NOT_FOUND,
                            "the manifest's changeset %zu (%.16s…) is not in "
                            "the vault: upload objects before their manifest",
                            i + 1, m->changesets[i]);
    }
    return ERR_OK;
}

static int64_t last_seq(struct vault_dir *v, const char *store);

/* seq must be the next: 1 for a new store, else the predecessor exists. */
static enum err
check_next(struct vault_dir *v, const char *store, int64_t seq)
{
    char path[VAULT_PATH];
    manifest_path(v, store, seq, path, sizeof(path));
    if (access(path, F_OK) == 0)
        return err_fail(ERR_VAULT_MANIFEST_EXISTS,
                        "manifest %s/%lld is stored already", store,
                        (long long)seq);
    int64_t last = -1;
    if (seq == 1)
        last = last_seq(v, store);
    else {
        manifest_path(v, store, seq - 1, path, sizeof(path));
        if (access(path, F_OK) != 0)
            last = last_seq(v, store);
    }
    if (last >= 0 && last + 1 != seq)
        return err_fail(ERR_VAULT_MANIFEST_GAP,
                        "the last manifest of store %s is %lld; the next "
                        "must be %lld, not %lld",
                        store, (long long)last, (long long)last + 1,
                        (long long)seq);
    return ERR_OK;
}

/* Parse, match the path, verify the signature. */
static enum err
check_manifest(struct vault_dir *v, const char *store, int64_t seq,
               const char *p, size_t n, struct manifest *m)
{
    enum err rc = manifest_parse(p, n, m);
    if (!rc && (strcmp(m->store, store) != 0 || m->seq != seq))
        rc = err_fail(ERR_VAULT_MANIFEST_INVALID,
                      "the manifest is for %s/%lld; the path says %s/%lld",
                      m->store, (long long)m->seq, store, (long long)seq);
    if (!rc && (rc = manifest_verify(m, &v->trust)) == ERR_VAULT_SIGNATURE) {
        /* `vault trust` may have added the key since this vault opened:
         * look at the file again (not shared: threads read v->trust) */
        struct keyring now;
        char detail[400];
        snprintf(detail, sizeof(detail), "%s", err_detail());
        if (!load_trust(v->root, &now))
            rc = manifest_verify(m, &now);
        if (rc)
            rc = err_fail(ERR_VAULT_SIGNATURE, "%s", detail);
        keys_wipe(&now);
    }
    return rc;
}

enum err
vault_dir_put_manifest(struct vault_dir *v, const char *store, int64_t seq,
                       const char *p, size_t n)
{
    if (!vault_store_id_valid(store) || seq < 1 || seq > VAULT_SEQ_MAX)
        return err_fail(ERR_VAULT_BAD_NAME,
                        "a store id is 1-64 of a-z 0-9 _ - and a sequence "
                        "is 1 or more");
    struct manifest m;
    enum err rc = check_manifest(v, store, seq, p, n, &m);
    int lock = rc ? -1 : lock_take(v->root, LOCK_SH);
    if (!rc && lock < 0)
        rc = err_fail(ERR_IO, "%s/" LOCK_FILE ": %s", v->root, strerror(errno));
    if (!rc)
        rc = check_objects(v, &m);
    if (!rc)
        rc = check_next(v, store, seq);
    char tmp[VAULT_PATH], path[VAULT_PATH];
    int fd = -1;
    if (!rc)
        rc = temp_open(v, tmp, sizeof(tmp), &fd);
    if (!rc && (rc = write_all(fd, p, n, tmp)))
        close(fd);
    if (!rc)
        rc = temp_seal(fd, tmp);
    manifest_path(v, store, seq, path, sizeof(path));
    if (!rc)
        rc = publish(tmp, path, ERR_VAULT_MANIFEST_EXISTS);
    else if (fd >= 0)
        unlink(tmp);
    if (lock >= 0)
        close(lock);
    manifest_free(&m);
    return rc;
}

enum err
vault_dir_get_manifest(struct vault_dir *v, const char *store, int64_t seq,
                       struct buf *out)
{
    if (!vault_store_id_valid(store) || seq < 1 || seq > VAULT_SEQ_MAX)
        return err_fail(ERR_VAULT_BAD_NAME, "malformed store id or sequence");
    char path[VAULT_PATH];
    manifest_path(v, store, seq, path, sizeof(path));
    enum err rc =
        read_file(path, MANIFEST_MAX_BYTES, out, ERR_VAULT_MANIFEST_NOT_FOUND);
    if (rc == ERR_VAULT_MANIFEST_NOT_FOUND)
        rc = err_fail(rc, "no manifest %s/%lld", store, (long long)seq);
    return rc;
}

/* Sequence of a manifest file name "<15 digits>.json"; 0 if it is not. */
static int64_t
seq_of(const char *fname)
{
    if (strlen(fname) != 20 || strcmp(fname + 15, ".json") != 0 ||
        strspn(fname, "0123456789") != 15)
        return 0;
    int64_t v = 0;
    for (int i = 0; i < 15; i++)
        v = v * 10 + (fname[i] - '0');
    return v;
}

static int
cmp_ref(const void *a, const void *b)
{
    int64_t x = ((const struct vault_manifest_ref *)a)->seq;
    int64_t y = ((const struct vault_manifest_ref *)b)->seq;
    return (x > y) - (x < y);
}

/* The sequences in a store directory, sorted (no hashes). */
static enum err
scan_store(const char *dir, struct vault_manifest_ref **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT
                   ? err_fail(ERR_VAULT_MANIFEST_NOT_FOUND, "no manifests")
                   : err_fail(ERR_IO, "%s: %s", dir, strerror(errno));
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        int64_t seq = seq_of(e->d_name);
        if (!seq)
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            *out = xrealloc(*out, cap * sizeof(**out));
        }
        memset(&(*out)[*n], 0, sizeof(**out));
        (*out)[(*n)++].seq = seq;
    }
    closedir(d);
    if (*n)
        qsort(*out, *n, sizeof(**out), cmp_ref);
    return ERR_OK;
}

/* The newest sequence of store (0 when it has none). */
static int64_t
last_seq(struct vault_dir *v, const char *store)
{
    char dir[VAULT_PATH];
    struct vault_manifest_ref *refs;
    size_t n;
    int64_t last = 0;
    snprintf(dir, sizeof(dir), "%s/manifests/%s", v->root, store);
    if (scan_store(dir, &refs, &n) == ERR_OK && n)
        last = refs[n - 1].seq;
    free(refs);
    err_clear();
    return last;
}

enum err
vault_dir_list_manifests(struct vault_dir *v, const char *store,
                         struct vault_manifest_ref **out, size_t *n)
{
    if (!vault_store_id_valid(store))
        return err_fail(ERR_VAULT_BAD_NAME, "malformed store id");
    char dir[VAULT_PATH], path[VAULT_PATH];
    snprintf(dir, sizeof(dir), "%s/manifests/%s", v->root, store);
    enum err rc = scan_store(dir, out, n);
    if (!rc && !*n)
        rc = ERR_VAULT_MANIFEST_NOT_FOUND;
    for (size_t i = 0; !rc && i < *n; i++) {
        struct stat st;
        manifest_path(v, store, (*out)[i].seq, path, sizeof(path));
        rc = seal_hash_file(path, (*out)[i].hash);
        if (!rc && stat(path, &st) == 0)
            (*out)[i].bytes = (uint64_t)st.st_size;
    }
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
        if (rc == ERR_VAULT_MANIFEST_NOT_FOUND)
            rc = err_fail(rc, "store %s has no manifests", store);
    }
    return rc;
}

static int
cmp_store(const void *a, const void *b)
{
    return strcmp(((const struct vault_store_ref *)a)->id,
                  ((const struct vault_store_ref *)b)->id);
}

enum err
vault_dir_list_stores(struct vault_dir *v, struct vault_store_ref **out,
                      size_t *n)
{
    char dir[VAULT_PATH], sub[VAULT_PATH];
    snprintf(dir, sizeof(dir), "%s/manifests", v->root);
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return err_fail(ERR_IO, "%s: %s", dir, strerror(errno));
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        struct vault_manifest_ref *refs;
        size_t nrefs;
        if (!vault_store_id_valid(e->d_name))
            continue;
        snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
        if (scan_store(sub, &refs, &nrefs) || !nrefs) {
            free(refs);
            continue;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            *out = xrealloc(*out, cap * sizeof(**out));
        }
        struct vault_store_ref *s = &(*out)[(*n)++];
        snprintf(s->id, sizeof(s->id), "%s", e->d_name);
        s->last_seq = refs[nrefs - 1].seq;
        s->manifests = nrefs;
        free(refs);
    }
    closedir(d);
    err_clear();
    if (*n)
        qsort(*out, *n, sizeof(**out), cmp_store);
    return ERR_OK;
}

/* --------------------------------------------------------------- prune */

/* A sorted set of object names. */
struct name_set {
    char (*names)[SEAL_NAME_HEX];
    size_t n, cap;
};

static void
set_add(struct name_set *s, const char *name)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->names = xrealloc(s->names, s->cap * sizeof(*s->names));
    }
    memcpy(s->names[s->n++], name, SEAL_NAME_HEX);
}

static int
cmp_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

static bool
set_has(const struct name_set *s, const char *name)
{
    return s->n && bsearch(name, s->names, s->n, sizeof(*s->names), cmp_name);
}

struct prune {
    struct vault_dir *v;
    time_t cutoff;
    bool dry;
    struct vault_prune_report *r;
    struct name_set keep;
    char (*doomed)[VAULT_PATH]; /* manifests to remove */
    size_t ndoomed, doomed_cap;
};

static time_t
mtime_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? st.st_mtime : 0;
}

/* Read manifest path and add its objects to the keep set. */
static enum err
keep_manifest(struct prune *p, const char *path)
{
    struct buf b;
    struct manifest m;
    buf_init(&b, MANIFEST_MAX_BYTES);
    manifest_init(&m);
    enum err rc = read_file(path, MANIFEST_MAX_BYTES, &b, ERR_IO);
    if (!rc && manifest_parse(b.data, b.len, &m) != ERR_OK)
        rc = err_fail(ERR_VAULT_MANIFEST_INVALID,
                      "%s cannot be read (%s): nothing was pruned", path,
                      err_detail());
    else if (!rc) {
        if (m.snapshot[0])
            set_add(&p->keep, m.snapshot);
        for (size_t i = 0; i < m.nchangesets; i++)
            set_add(&p->keep, m.changesets[i]);
    }
    manifest_free(&m);
    buf_free(&b);
    return rc;
}

/* One store: doom its oldest manifests (all older than the cutoff, never
 * the newest), keep the rest and what they refer to. */
static enum err
prune_store(struct prune *p, const char *store)
{
    char dir[VAULT_PATH], path[VAULT_PATH];
    struct vault_manifest_ref *refs;
    size_t n;
    snprintf(dir, sizeof(dir), "%s/manifests/%s", p->v->root, store);
    enum err rc = scan_store(dir, &refs, &n);
    if (rc || !n) {
        free(refs);
        return ERR_OK;
    }
    p->r->stores++;
    bool old_prefix = true;
    for (size_t i = 0; !rc && i < n; i++) {
        manifest_path(p->v, store, refs[i].seq, path, sizeof(path));
        old_prefix = old_prefix && i + 1 < n && mtime_of(path) < p->cutoff;
        if (!old_prefix) {
            p->r->manifests_kept++;
            rc = keep_manifest(p, path);
            continue;
        }
        if (p->ndoomed == p->doomed_cap) {
            p->doomed_cap = p->doomed_cap ? 2 * p->doomed_cap : 64;
            p->doomed = xrealloc(p->doomed, p->doomed_cap * sizeof(*p->doomed));
        }
        snprintf(p->doomed[p->ndoomed++], VAULT_PATH, "%s", path);
        p->r->manifests_removed++;
    }
    free(refs);
    return rc;
}

/* Remove the doomed manifests; fsync each store directory once. */
static enum err
remove_manifests(struct prune *p)
{
    char dir[VAULT_PATH], last[VAULT_PATH] = "";
    for (size_t i = 0; i < p->ndoomed; i++) {
        if (unlink(p->doomed[i]) != 0 && errno != ENOENT)
            return err_fail(ERR_IO, "%s: %s", p->doomed[i], strerror(errno));
        dir_of(p->doomed[i], dir, sizeof(dir));
        if (strcmp(dir, last) != 0 && last[0] && sync_dir(last))
            return ERR_IO;
        snprintf(last, sizeof(last), "%s", dir);
    }
    return last[0] ? sync_dir(last) : ERR_OK;
}

/* One fan-out directory of objects. */
static enum err
prune_fan(struct prune *p, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return err_fail(ERR_IO, "%s: %s", dir, strerror(errno));
    struct dirent *e;
    char path[VAULT_PATH];
    bool removed = false;
    while ((e = readdir(d))) {
        struct stat st;
        if (!seal_name_valid(e->d_name))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (lstat(path, &st) != 0)
            continue;
        if (set_has(&p->keep, e->d_name) || st.st_mtime >= p->cutoff) {
            p->r->objects_kept++;
            continue;
        }
        p->r->objects_removed++;
        p->r->bytes_removed += (uint64_t)st.st_size;
        if (!p->dry && unlink(path) == 0)
            removed = true;
    }
    closedir(d);
    return removed ? sync_dir(dir) : ERR_OK;
}

static enum err
prune_objects(struct prune *p)
{
    char dir[VAULT_PATH];
    for (int i = 0; i < 256; i++) {
        struct stat st;
        snprintf(dir, sizeof(dir), "%s/objects/%02x", p->v->root, i);
        if (stat(dir, &st) != 0)
            continue;
        enum err rc = prune_fan(p, dir);
        if (rc)
            return rc;
    }
    return ERR_OK;
}

/* Abandoned uploads: temp files older than a day. */
static void
prune_temp(struct prune *p)
{
    char dir[VAULT_PATH], path[VAULT_PATH];
    snprintf(dir, sizeof(dir), "%s/tmp", p->v->root);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    time_t old = time(NULL) - TEMP_MAX_S;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "put-", 4) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (mtime_of(path) < old) {
            p->r->temp_removed++;
            if (!p->dry)
                unlink(path);
        }
    }
    closedir(d);
}

static enum err
prune_run(struct prune *p)
{
    struct vault_store_ref *stores;
    size_t n;
    enum err rc = vault_dir_list_stores(p->v, &stores, &n);
    for (size_t i = 0; !rc && i < n; i++)
        rc = prune_store(p, stores[i].id);
    free(stores);
    if (rc)
        return rc; /* nothing removed yet */
    if (p->keep.n)
        qsort(p->keep.names, p->keep.n, sizeof(*p->keep.names), cmp_name);
    if (!p->dry && (rc = remove_manifests(p)))
        return rc;
    rc = prune_objects(p);
    prune_temp(p);
    return rc;
}

enum err
vault_dir_prune(const char *dir, int64_t keep_days, bool dry_run,
                struct vault_prune_report *r)
{
    memset(r, 0, sizeof(*r));
    if (keep_days < VAULT_PRUNE_MIN_DAYS)
        return err_fail(ERR_CONFIG,
                        "--keep-days %lld: a vault keeps at least %d days "
                        "(a backup younger than that is never pruned)",
                        (long long)keep_days, VAULT_PRUNE_MIN_DAYS);
    struct prune p = {.dry = dry_run, .r = r};
    enum err rc = vault_dir_open(dir, &p.v);
    if (rc)
        return rc;
    p.cutoff = time(NULL) - (time_t)keep_days * DAY_S;
    int lock = lock_take(p.v->root, LOCK_EX);
    if (lock < 0)
        rc = err_fail(ERR_IO, "%s/" LOCK_FILE ": %s", dir, strerror(errno));
    if (!rc)
        rc = prune_run(&p);
    if (lock >= 0)
        close(lock);
    free(p.keep.names);
    free(p.doomed);
    vault_dir_close(p.v);
    return rc;
}
