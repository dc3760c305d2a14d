/*
 * login.c — second-factor checks and recovery codes.
 */
#include "auth/login.h"
#include "auth/totp.h"
#include "core/timeutil.h"
#include "store/store.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void
recovery_hash(const char *typed, char out[CRYPTO_DIGEST_HEX])
{
    char norm[64];
    size_t n = 0;
    for (const char *p = typed; *p && n + 1 < sizeof(norm); p++)
        if (isalnum((unsigned char)*p))
            norm[n++] = (char)tolower((unsigned char)*p);
    norm[n] = '\0';
    crypto_digest_hex(norm, n, out);
}

enum err
recovery_issue(struct store *st, int64_t user_id,
               char codes[][RECOVERY_CODE_CHARS + 1])
{
    char hashes[RECOVERY_CODES][CRYPTO_DIGEST_HEX];
    for (int i = 0; i < RECOVERY_CODES; i++) {
        crypto_readable_code(codes[i], 2, 5); /* ~49 bits, single use */
        recovery_hash(codes[i], hashes[i]);
    }
    return recovery_replace(st, user_id, hashes, RECOVERY_CODES);
}

enum err
login_check_totp(struct store *st, struct user *u, const char *code,
                 int64_t now)
{
    unsigned char secret[64];
    size_t n = sizeof(secret);
    enum err rc = totp_secret_from_base32(u->totp_secret, secret, &n);
    int64_t step = 0;
    if (!rc)
        rc = totp_verify(secret, n, code, now, u->totp_last_step, &step);
    crypto_wipe(secret, sizeof(secret));
    if (rc)
        return rc;
    u->totp_last_step = step;
    return user_set_totp(st, u->id, u->totp_secret, NULL, step);
}

/* The network part of ip: a.b.c for IPv4, the first three groups for v6. */
static void
ip_range(const char *ip, char *out, size_t n)
{
    char sep = strchr(ip, ':') ? ':' : '.';
    int keep = 3;
    size_t i = 0;
    for (; ip[i] && i + 1 < n; i++) {
        if (ip[i] == sep && --keep == 0)
            break;
        out[i] = ip[i];
    }
    out[i] = '\0';
}

enum err
login_note_device(struct store *st, const struct user *u, const char *ip,
                  const char *user_agent, bool *is_new)
{
    char range[64], key[600], fp[CRYPTO_DIGEST_HEX], now[32];
    ip_range(ip, range, sizeof(range));
    snprintf(key, sizeof(key), "%s|%s", user_agent ? user_agent : "", range);
    crypto_digest_hex(key, strlen(key), fp);
    time_now_iso(now);
    struct stmt *s;
    enum err rc = store_query(st, &s,
                              "SELECT count(*), sum(fingerprint = $2)"
                              " FROM known_devices WHERE user_id = $1",
                              "it", u->id, fp);
    bool row = false;
    int64_t known = 0, this_one = 0;
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        known = stmt_int(s, 0);
        this_one = stmt_int(s, 1);
    }
    stmt_done(s);
    *is_new = !rc && known > 0 && this_one == 0;
    if (!rc)
        rc = store_run(st,
                       "INSERT INTO known_devices (user_id, fingerprint,"
                       " first_seen, last_seen) VALUES ($1, $2, $3, $3)"
                       " ON CONFLICT (user_id, fingerprint) DO UPDATE"
                       " SET last_seen = $3",
                       "itt", u->id, fp, now);
    if (rc || !*is_new)
        return rc;
    char detail[200];
    snprintf(detail, sizeof(detail), "{\"network\":\"%.60s\"}", range);
    rc = notice_add(st, u->id, "new_device",
                    "新しい端末またはネットワークからログインしました。"
                    "心当たりがない場合は管理者に連絡してください。",
                    detail);
    if (rc)
        return rc;
    char msg[256];
    snprintf(msg, sizeof(msg),
             "%s さんが新しい端末またはネットワークからログインしました。",
             u->display_name);
    return notice_admins(st, u->id, "new_device_admin", msg, detail);
}
