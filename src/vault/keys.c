/*
 * keys.c — DATA/keys/, data key wrapping, signatures, the recovery kit.
 * What the files hold and why the kit omits the signing seed: keys.h.
 */
#include "vault/keys.h"

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "vault/vault.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYS_DIR     "keys"
#define BACKUP_FILE  "backup.key"
#define SIGN_FILE    "signing.key"
#define PUB_FILE     "signing.pub"
#define STORES_DIR   "stores"
#define KEY_FILE_MAX 4096
#define WRAP_AD      "pilotlight data key v1"
#define KIT_HEADER   "# pilotlight recovery kit v1"
#define KIT_DOMAIN   "pilotlight kit v1|"
#define KIT_LINE     16 /* key bytes per kit line */

/* ------------------------------------------------------------ file helpers */

static void
keys_path(char *out, size_t n, const char *data_dir, const char *file)
{
    snprintf(out, n, "%s/" KEYS_DIR "%s%s", data_dir, file ? "/" : "",
             file ? file : "");
}

static bool
exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Create path (mode 0600, must not exist) holding text; fsync'd. */
static enum err
write_new(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_fail(errno == EEXIST ? ERR_BACKUP_KEYS_EXIST : ERR_IO,
                        "%s: %s", path, strerror(errno));
    size_t n = strlen(text);
    ssize_t w = write(fd, text, n);
    enum err rc = ERR_OK;
    if (w < 0 || (size_t)w != n || fsync(fd) != 0)
        rc = err_fail(ERR_IO, "%s: %s", path, strerror(errno));
    close(fd);
    if (rc)
        unlink(path);
    return rc;
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

static enum err
make_dir(const char *path)
{
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return err_fail(ERR_IO, "%s: %s", path, strerror(errno));
    return ERR_OK;
}

/* Read a key file (at most KEY_FILE_MAX bytes) into out (NUL-terminated).
 * ERR_NOT_FOUND when absent; ERR_CONFIG when group/others may read it. */
static enum err
read_small(const char *path, char *out, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return err_fail(errno == ENOENT ? ERR_NOT_FOUND : ERR_IO, "%s: %s",
                        path, strerror(errno));
    struct stat st;
    enum err rc = ERR_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = err_fail(ERR_IO, "%s: not a regular file", path);
    else if (st.st_mode & 077)
        rc = err_fail(ERR_CONFIG,
                      "%s: readable by group or others (chmod 600 it)", path);
    ssize_t r = rc ? 0 : read(fd, out, n - 1);
    if (!rc && (r < 0 || (size_t)r >= n - 1))
        rc = err_fail(ERR_BACKUP_KEYS_MISSING, "%s: unreadable or too long",
                      path);
    close(fd);
    out[rc ? 0 : r] = '\0';
    return rc;
}

/* Decode exactly n bytes of hex (surrounding white space allowed). */
static bool
hex_exact(const char *hex, unsigned char *out, size_t n)
{
    while (isspace((unsigned char)*hex))
        hex++;
    size_t len = strlen(hex);
    while (len && isspace((unsigned char)hex[len - 1]))
        len--;
    size_t got;
    const char *end;
    return len == 2 * n &&
           sodium_hex2bin(out, n, hex, len, NULL, &got, &end) == 0 &&
           got == n && end == hex + len;
}

/* ------------------------------------------------------------------ init */

static enum err
write_key_hex(const char *path, const unsigned char *b, size_t n)
{
    char hex[2 * 64 + 2];
    sodium_bin2hex(hex, sizeof(hex) - 1, b, n);
    hex[2 * n] = '\n';
    hex[2 * n + 1] = '\0';
    enum err rc = write_new(path, hex);
    sodium_memzero(hex, sizeof(hex));
    return rc;
}

/* Text of signing.pub: first, then the n keys of rest. */
static void
pub_text(struct buf *b, const unsigned char *first,
         const unsigned char (*rest)[KEYS_PUBLIC_BYTES], size_t n)
{
    char hex[KEYS_PUBLIC_HEX];
    if (first) {
        keys_public_hex(first, hex);
        buf_printf(b, "%s\n", hex);
    }
    for (size_t i = 0; i < n; i++) {
        if (first && !memcmp(rest[i], first, KEYS_PUBLIC_BYTES))
            continue;
        keys_public_hex(rest[i], hex);
        buf_printf(b, "%s\n", hex);
    }
}

/* A new signing key: signing.key, and its public key first in signing.pub
 * followed by the keys already trusted (n of them). */
static enum err
init_signing(const char *dir, const unsigned char (*trusted)[32], size_t n)
{
    char sk_path[4200], pub_path[4200], tmp[4300];
    snprintf(sk_path, sizeof(sk_path), "%s/" SIGN_FILE, dir);
    snprintf(pub_path, sizeof(pub_path), "%s/" PUB_FILE, dir);
    snprintf(tmp, sizeof(tmp), "%s/." PUB_FILE ".new", dir);
    unsigned char seed[KEYS_SEED_BYTES], pk[32], sk[64];
    randombytes_buf(seed, sizeof(seed));
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(sk, sizeof(sk));
    enum err rc = write_key_hex(sk_path, seed, sizeof(seed));
    sodium_memzero(seed, sizeof(seed));
    if (rc)
        return rc;
    struct buf b;
    buf_init(&b, 4096);
    pub_text(&b, pk, trusted, n);
    unlink(tmp);
    rc = write_new(tmp, buf_str(&b));
    buf_free(&b);
    if (!rc && rename(tmp, pub_path) != 0)
        rc = err_fail(ERR_IO, "%s: %s", pub_path, strerror(errno));
    if (rc)
        unlink(sk_path);
    return rc;
}

static enum err
init_all(const char *dir)
{
    const char *files[] = {BACKUP_FILE, SIGN_FILE, PUB_FILE};
    char path[4200];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        if (exists(path))
            return err_fail(ERR_BACKUP_KEYS_EXIST,
                            "%s exists: keys are never overwritten", path);
    }
    unsigned char bk[KEYS_BACKUP_BYTES];
    randombytes_buf(bk, sizeof(bk));
    snprintf(path, sizeof(path), "%s/" BACKUP_FILE, dir);
    enum err rc = write_key_hex(path, bk, sizeof(bk));
    sodium_memzero(bk, sizeof(bk));
    if (!rc && (rc = init_signing(dir, NULL, 0)))
        unlink(path);
    return rc;
}

enum err
keys_init(const char *data_dir, bool signing_only)
{
    if (sodium_init() < 0)
        abort();
    char dir[4200];
    enum err rc = make_dir(data_dir);
    keys_path(dir, sizeof(dir), data_dir, NULL);
    if (!rc)
        rc = make_dir(dir);
    if (!rc && !signing_only)
        rc = init_all(dir);
    if (!rc && signing_only) {
        struct keyring kr;
        rc = keys_load(data_dir, &kr);
        if (!rc && kr.has_signing)
            rc = err_fail(ERR_BACKUP_KEYS_EXIST,
                          "%s/" SIGN_FILE " exists: keys are never "
                          "overwritten",
                          dir);
        if (!rc)
            rc = init_signing(dir, (const unsigned char(*)[32])kr.trusted,
                              kr.ntrusted);
        keys_wipe(&kr);
    }
    return rc ? rc : sync_dir(dir);
}

/* ------------------------------------------------------------------ load */

static enum err
load_pub(const char *path, struct keyring *kr)
{
    char text[KEY_FILE_MAX];
    enum err rc = read_small(path, text, sizeof(text));
    if (rc == ERR_NOT_FOUND)
        return ERR_OK;
    int line = 0;
    for (char *p = text, *nl; !rc && *p; p = nl ? nl + 1 : p + strlen(p)) {
        nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        line++;
        if (strspn(p, " \t\r") == strlen(p))
            continue;
        if (kr->ntrusted == KEYS_PUBLIC_MAX)
            rc = err_fail(ERR_BACKUP_KEYS_MISSING, "%s: more than %d keys",
                          path, KEYS_PUBLIC_MAX);
        else if (!hex_exact(p, kr->trusted[kr->ntrusted++], 32))
            rc = err_fail(ERR_BACKUP_KEYS_MISSING,
                          "%s line %d: not a 64-digit hex public key", path,
                          line);
    }
    return rc;
}

static enum err
load_signing(const char *path, struct keyring *kr)
{
    char text[KEY_FILE_MAX];
    unsigned char seed[KEYS_SEED_BYTES];
    enum err rc = read_small(path, text, sizeof(text));
    if (rc == ERR_NOT_FOUND)
        return ERR_OK;
    if (!rc && !hex_exact(text, seed, sizeof(seed)))
        rc = err_fail(ERR_BACKUP_KEYS_MISSING,
                      "%s: not a 64-digit hex key seed", path);
    if (!rc) {
        crypto_sign_seed_keypair(kr->sign_public, kr->sign_secret, seed);
        kr->has_signing = true;
    }
    sodium_memzero(seed, sizeof(seed));
    sodium_memzero(text, sizeof(text));
    return rc;
}

enum err
keys_load(const char *data_dir, struct keyring *kr)
{
    if (sodium_init() < 0)
        abort();
    memset(kr, 0, sizeof(*kr));
    char path[4200], text[KEY_FILE_MAX];
    keys_path(path, sizeof(path), data_dir, BACKUP_FILE);
    enum err rc = read_small(path, text, sizeof(text));
    if (rc == ERR_NOT_FOUND)
        return err_fail(ERR_BACKUP_KEYS_MISSING,
                        "no backup key in %s/" KEYS_DIR
                        " (pilotlight keys init, or keys import)",
                        data_dir);
    if (!rc && !hex_exact(text, kr->backup, sizeof(kr->backup)))
        rc = err_fail(ERR_BACKUP_KEYS_MISSING, "%s: not a 64-digit hex key",
                      path);
    sodium_memzero(text, sizeof(text));
    kr->has_backup = !rc;
    keys_path(path, sizeof(path), data_dir, SIGN_FILE);
    if (!rc)
        rc = load_signing(path, kr);
    keys_path(path, sizeof(path), data_dir, PUB_FILE);
    if (!rc)
        rc = load_pub(path, kr);
    if (rc)
        keys_wipe(kr);
    return rc;
}

void
keys_wipe(struct keyring *kr)
{
    sodium_memzero(kr, sizeof(*kr));
}

/* ------------------------------------------------------------ public keys */

void
keys_public_hex(const unsigned char *pub, char *out)
{
    sodium_bin2hex(out, KEYS_PUBLIC_HEX, pub, KEYS_PUBLIC_BYTES);
}

enum err
keys_public_parse(const char *hex, unsigned char *pub)
{
    if (!hex_exact(hex, pub, KEYS_PUBLIC_BYTES))
        return err_fail(ERR_INVALID,
                        "a signing public key is 64 hex digits ('%.80s')", hex);
    return ERR_OK;
}

enum err
keys_sign(const struct keyring *kr, const void *msg, size_t n,
          unsigned char *sig)
{
    if (!kr->has_signing)
        return err_fail(ERR_BACKUP_KEYS_MISSING,
                        "no signing key (pilotlight keys init)");
    crypto_sign_detached(sig, NULL, msg, n, kr->sign_secret);
    return ERR_OK;
}

bool
keys_verify(const unsigned char *pub, const void *msg, size_t n,
            const unsigned char *sig)
{
    if (sodium_init() < 0)
        abort();
    return crypto_sign_verify_detached(sig, msg, n, pub) == 0;
}

/* ------------------------------------------------------------- data keys */

/* Associated data of a wrapped key: label, store id, key id. */
static size_t
wrap_ad(unsigned char *ad, size_t cap, const char *store, const char *id)
{
    int n = snprintf((char *)ad, cap, WRAP_AD "|%s|%s", store, id);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

enum err
keys_wrap(const struct keyring *kr, const char *store,
          const struct seal_key *dk, struct keys_wrapped *out)
{
    if (!kr->has_backup)
        return err_fail(ERR_BACKUP_KEYS_MISSING, "no backup key");
    if (!vault_store_id_valid(store))
        return err_fail(ERR_INVALID, "store id '%.80s' is malformed", store);
    unsigned char ad[160], w[KEYS_WRAPPED_BYTES];
    seal_key_id_hex(dk, out->id);
    size_t adlen = wrap_ad(ad, sizeof(ad), store, out->id);
    randombytes_buf(w, 24);
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        w + 24, &clen, dk->key, SEAL_KEY_BYTES, ad, adlen, NULL, w, kr->backup);
    sodium_bin2hex(out->wrapped, sizeof(out->wrapped), w, sizeof(w));
    return ERR_OK;
}

enum err
keys_unwrap(const struct keyring *kr, const char *store,
            const struct keys_wrapped *w, struct seal_key *dk)
{
    unsigned char ad[160], b[KEYS_WRAPPED_BYTES], id[SEAL_KEY_ID_BYTES];
    if (!kr->has_backup)
        return err_fail(ERR_BACKUP_KEYS_MISSING, "no backup key");
    if (!vault_store_id_valid(store) || !hex_exact(w->wrapped, b, sizeof(b)) ||
        !hex_exact(w->id, id, sizeof(id)))
        return err_fail(ERR_BACKUP_FORMAT,
                        "the wrapped data key of store "
                        "'%.80s' is malformed",
                        store);
    size_t adlen = wrap_ad(ad, sizeof(ad), store, w->id);
    unsigned long long mlen;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(dk->key, &mlen, NULL, b + 24,
                                                   sizeof(b) - 24, ad, adlen, b,
                                                   kr->backup) != 0)
        return err_fail(ERR_BACKUP_DECRYPT,
                        "the data key of store '%s' does not unwrap with "
                        "this backup key (another installation's kit, or "
                        "altered)",
                        store);
    seal_key_id(dk);
    if (sodium_memcmp(dk->id, id, sizeof(id)) != 0) {
        seal_key_wipe(dk);
        return err_fail(ERR_BACKUP_FORMAT, "data key id mismatch");
    }
    return ERR_OK;
}

/* Parse "<id> <wrapped>\n" of a stores/<id>.key file. */
static enum err
read_store_key(const char *path, struct keys_wrapped *w)
{
    char text[KEY_FILE_MAX];
    enum err rc = read_small(path, text, sizeof(text));
    if (rc)
        return rc;
    if (sscanf(text, "%16s %144s", w->id, w->wrapped) != 2)
        return err_fail(ERR_BACKUP_KEYS_MISSING, "%s: malformed", path);
    return ERR_OK;
}

enum err
keys_store_key(const char *data_dir, const struct keyring *kr,
               const char *store, struct seal_key *dk, struct keys_wrapped *w)
{
    if (!vault_store_id_valid(store))
        return err_fail(ERR_INVALID, "store id '%.80s' is malformed", store);
    char dir[4200], path[4300];
    keys_path(dir, sizeof(dir), data_dir, STORES_DIR);
    snprintf(path, sizeof(path), "%s/%s.key", dir, store);
    enum err rc = read_store_key(path, w);
    if (rc == ERR_NOT_FOUND) {
        char text[KEYS_WRAPPED_HEX + 64];
        seal_key_new(dk);
        rc = make_dir(dir);
        if (!rc)
            rc = keys_wrap(kr, store, dk, w);
        snprintf(text, sizeof(text), "%s %s\n", w->id, w->wrapped);
        if (!rc)
            rc = write_new(path, text);
        if (rc == ERR_BACKUP_KEYS_EXIST) /* lost a race: use theirs */
            rc = read_store_key(path, w);
        else if (!rc)
            return sync_dir(dir);
    }
    return rc ? rc : keys_unwrap(kr, store, w, dk);
}

/* ------------------------------------------------------------------- kit */

/* The 8-hex checksum of one kit line. */
static void
kit_check(const char *label, const char *hex, char *out)
{
    crypto_generichash_state st;
    unsigned char d[4];
    crypto_generichash_init(&st, NULL, 0, sizeof(d));
    crypto_generichash_update(&st, (const unsigned char *)KIT_DOMAIN,
                              strlen(KIT_DOMAIN));
    crypto_generichash_update(&st, (const unsigned char *)label, strlen(label));
    crypto_generichash_update(&st, (const unsigned char *)"|", 1);
    crypto_generichash_update(&st, (const unsigned char *)hex, strlen(hex));
    crypto_generichash_final(&st, d, sizeof(d));
    sodium_bin2hex(out, 9, d, sizeof(d));
}

/* One kit line per KIT_LINE bytes of key b[0..n), labelled name/1, /2… */
static void
kit_key(struct buf *out, const char *name, const unsigned char *b, size_t n)
{
    for (size_t off = 0, part = 1; off < n; off += KIT_LINE, part++) {
        char label[48], hex[2 * KIT_LINE + 1], check[9];
        size_t len = n - off < KIT_LINE ? n - off : KIT_LINE;
        snprintf(label, sizeof(label), "%s/%zu", name, part);
        sodium_bin2hex(hex, sizeof(hex), b + off, len);
        kit_check(label, hex, check);
        buf_printf(out, "%-20s", label);
        for (size_t i = 0; i < 2 * len; i += 4)
            buf_printf(out, " %.4s", hex + i);
        buf_printf(out, "  %s\n", check);
        sodium_memzero(hex, sizeof(hex));
    }
}

/* BLAKE2b over the backup key and the trusted keys, in order. */
static void
kit_digest(const struct keyring *kr, unsigned char *out16)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 16);
    crypto_generichash_update(&st, kr->backup, sizeof(kr->backup));
    for (size_t i = 0; i < kr->ntrusted; i++)
        crypto_generichash_update(&st, kr->trusted[i], KEYS_PUBLIC_BYTES);
    crypto_generichash_final(&st, out16, 16);
}

enum err
keys_kit_export(const struct keyring *kr, struct buf *out)
{
    if (!kr->has_backup || !kr->ntrusted)
        return err_fail(ERR_BACKUP_KEYS_MISSING,
                        "the kit needs the backup key and a signing public "
                        "key (pilotlight keys init)");
    char now[32], id[SEAL_KEY_ID_HEX];
    struct seal_key bk;
    memcpy(bk.key, kr->backup, sizeof(bk.key));
    seal_key_id(&bk);
    seal_key_id_hex(&bk, id);
    seal_key_wipe(&bk);
    time_now_iso(now);
    buf_printf(out,
               KIT_HEADER
               " (復旧キット)\n"
               "# created %s; backup key id %s\n"
               "#\n"
               "# Everything a restore needs: the backup key (it decrypts "
               "every backup)\n"
               "# and the public keys that signed them. Keep it offline: on "
               "paper in a\n"
               "# safe, or on media in another building. Anyone holding it "
               "can read\n"
               "# the backups. It cannot sign new ones.\n"
               "# Restore: pilotlight keys import --data DIR < this-file\n"
               "# Each key line ends with a checksum that import verifies.\n"
               "\n",
               now, id);
    kit_key(out, "backup-key", kr->backup, sizeof(kr->backup));
    for (size_t i = 0; i < kr->ntrusted; i++) {
        char name[32];
        snprintf(name, sizeof(name), "signing-public-%zu", i + 1);
        kit_key(out, name, kr->trusted[i], KEYS_PUBLIC_BYTES);
    }
    unsigned char d[16];
    kit_digest(kr, d);
    kit_key(out, "kit-check", d, sizeof(d));
    return ERR_OK;
}

/* What the parser has seen. */
struct kit_state {
    struct keyring *kr;
    unsigned backup_parts; /* bit per part seen */
    unsigned pub_parts[KEYS_PUBLIC_MAX];
    bool have_check;
    unsigned char check[16];
};

/* Split "name/part"; false when malformed. */
static bool
kit_label(const char *label, char *name, size_t n, unsigned *part)
{
    const char *slash = strchr(label, '/');
    if (!slash || slash == label || (size_t)(slash - label) >= n ||
        strlen(slash + 1) != 1 || slash[1] < '1' || slash[1] > '2')
        return false;
    memcpy(name, label, (size_t)(slash - label));
    name[slash - label] = '\0';
    *part = (unsigned)(slash[1] - '0');
    return true;
}

/* Place 16 decoded bytes of label at their key. */
static enum err
kit_place(struct kit_state *s, int line, const char *label,
          const unsigned char *b)
{
    char name[40];
    unsigned part, idx;
    if (!kit_label(label, name, sizeof(name), &part))
        return err_fail(ERR_BACKUP_KIT_INVALID, "line %d: unknown label '%s'",
                        line, label);
    unsigned char *dst = NULL;
    unsigned *seen = NULL;
    if (strcmp(name, "backup-key") == 0) {
        dst = s->kr->backup;
        seen = &s->backup_parts;
    } else if (strcmp(name, "kit-check") == 0 && part == 1) {
        memcpy(s->check, b, 16);
        s->have_check = true;
        return ERR_OK;
    } else if (sscanf(name, "signing-public-%u", &idx) == 1 && idx >= 1 &&
               idx <= KEYS_PUBLIC_MAX) {
        dst = s->kr->trusted[idx - 1];
        seen = &s->pub_parts[idx - 1];
    } else {
        return err_fail(ERR_BACKUP_KIT_INVALID, "line %d: unknown label '%s'",
                        line, label);
    }
    if (*seen & (1u << part))
        return err_fail(ERR_BACKUP_KIT_INVALID, "line %d: %s appears twice",
                        line, label);
    *seen |= 1u << part;
    memcpy(dst + (part - 1) * KIT_LINE, b, KIT_LINE);
    return ERR_OK;
}

/* One key line: label, 4-digit groups, checksum. */
static enum err
kit_line(struct kit_state *s, int line, char *p)
{
    char *tok[16], *save = NULL;
    int ntok = 0;
    for (char *t = strtok_r(p, " \t\r", &save); t && ntok < 16;
         t = strtok_r(NULL, " \t\r", &save))
        tok[ntok++] = t;
    if (ntok < 3)
        return err_fail(ERR_BACKUP_KIT_INVALID,
                        "line %d: expected a label, hex groups and a "
                        "checksum",
                        line);
    char hex[2 * KIT_LINE + 1], check[9];
    size_t len = 0;
    for (int i = 1; i < ntok - 1; i++) {
        size_t k = strlen(tok[i]);
        if (len + k > 2 * KIT_LINE)
            return err_fail(ERR_BACKUP_KIT_INVALID,
                            "line %d (%s): more than %d hex digits", line,
                            tok[0], 2 * KIT_LINE);
        memcpy(hex + len, tok[i], k);
        len += k;
    }
    hex[len] = '\0';
    for (char *c = hex; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    for (char *c = tok[ntok - 1]; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    unsigned char b[KIT_LINE];
    if (!hex_exact(hex, b, KIT_LINE))
        return err_fail(ERR_BACKUP_KIT_INVALID,
                        "line %d (%s): the key part is not %d hex digits", line,
                        tok[0], 2 * KIT_LINE);
    kit_check(tok[0], hex, check);
    sodium_memzero(hex, sizeof(hex));
    if (strcmp(check, tok[ntok - 1]) != 0)
        return err_fail(ERR_BACKUP_KIT_INVALID,
                        "line %d (%s): checksum does not match: a character "
                        "was mistyped or misread",
                        line, tok[0]);
    enum err rc = kit_place(s, line, tok[0], b);
    sodium_memzero(b, sizeof(b));
    return rc;
}

/* After every line: all parts there, public keys numbered 1..n, check. */
static enum err
kit_complete(struct kit_state *s)
{
    struct keyring *kr = s->kr;
    if (s->backup_parts != 6)
        return err_fail(ERR_BACKUP_KIT_INVALID, "backup-key/%d is missing",
                        (s->backup_parts & 2) ? 2 : 1);
    kr->has_backup = true;
    size_t n = 0;
    while (n < KEYS_PUBLIC_MAX && s->pub_parts[n] == 6)
        n++;
    for (size_t i = 0; i < KEYS_PUBLIC_MAX; i++)
        if (s->pub_parts[i] && (i >= n || s->pub_parts[i] != 6))
            return err_fail(ERR_BACKUP_KIT_INVALID,
                            "signing-public-%zu is incomplete or out of "
                            "order",
                            i + 1);
    if (!n)
        return err_fail(ERR_BACKUP_KIT_INVALID, "signing-public-1 is missing");
    kr->ntrusted = n;
    unsigned char d[16];
    kit_digest(kr, d);
    if (!s->have_check)
        return err_fail(ERR_BACKUP_KIT_INVALID, "kit-check/1 is missing");
    if (sodium_memcmp(d, s->check, sizeof(d)) != 0)
        return err_fail(ERR_BACKUP_KIT_INVALID,
                        "kit-check does not match the keys: lines are "
                        "missing or come from two kits");
    return ERR_OK;
}

static enum err
kit_lines(struct kit_state *s, char *text)
{
    int line = 0;
    bool header = false;
    enum err rc = ERR_OK;
    for (char *p = text, *nl; !rc && *p; p = nl ? nl + 1 : p + strlen(p)) {
        nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        line++;
        p += strspn(p, " \t\r");
        if (!*p)
            continue;
        if (!header && strncmp(p, KIT_HEADER, strlen(KIT_HEADER)) != 0)
            return err_fail(ERR_BACKUP_KIT_INVALID,
                            "line %d: a kit starts with '" KIT_HEADER "'",
                            line);
        header = true;
        if (*p != '#')
            rc = kit_line(s, line, p);
    }
    if (!rc && !header)
        rc = err_fail(ERR_BACKUP_KIT_INVALID, "the kit is empty");
    return rc;
}

enum err
keys_kit_parse(const char *text, size_t n, struct keyring *kr)
{
    if (sodium_init() < 0)
        abort();
    memset(kr, 0, sizeof(*kr));
    if (n > KEYS_KIT_MAX || memchr(text, '\0', n))
        return err_fail(ERR_BACKUP_KIT_INVALID,
                        "not a kit (over %d bytes, or binary)", KEYS_KIT_MAX);
    char *copy = xstrndup(text, n);
    struct kit_state s = {.kr = kr};
    enum err rc = kit_lines(&s, copy);
    if (!rc)
        rc = kit_complete(&s);
    sodium_memzero(copy, n);
    free(copy);
    sodium_memzero(&s.check, sizeof(s.check));
    if (rc)
        keys_wipe(kr);
    return rc;
}

enum err
keys_import(const char *data_dir, const struct keyring *kr)
{
    char dir[4200], path[4300];
    keys_path(dir, sizeof(dir), data_dir, NULL);
    enum err rc = make_dir(data_dir);
    if (!rc)
        rc = make_dir(dir);
    const char *files[] = {BACKUP_FILE, PUB_FILE};
    for (size_t i = 0; !rc && i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        if (exists(path))
            rc = err_fail(ERR_BACKUP_KEYS_EXIST,
                          "%s exists: keys are never overwritten", path);
    }
    snprintf(path, sizeof(path), "%s/" BACKUP_FILE, dir);
    if (!rc)
        rc = write_key_hex(path, kr->backup, sizeof(kr->backup));
    struct buf b;
    buf_init(&b, 4096);
    pub_text(&b, NULL, (const unsigned char(*)[32])kr->trusted, kr->ntrusted);
    char pub[4300];
    snprintf(pub, sizeof(pub), "%s/" PUB_FILE, dir);
    if (!rc && (rc = write_new(pub, buf_str(&b))))
        unlink(path);
    buf_free(&b);
    return rc ? rc : sync_dir(dir);
}
