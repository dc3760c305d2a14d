/*
 * auth_mfa_api.c — the second factor over HTTP: code entry, recovery codes,
 * enrolment, step-up.
 *
 * Wrong codes count against the same per-account throttle as wrong
 * passwords (a stolen password does not buy unlimited code guesses), and
 * the user is told in-app that someone knew the password.
 */
#include "auth/auth.h"
#include "auth/auth_api.h"
#include "auth/login.h"
#include "auth/roles.h"
#include "auth/throttle.h"
#include "auth/totp.h"
#include "store/pool.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MFA_BODY_MAX 1024

static void
account_key(const struct auth_ctx *a, char *key, size_t n)
{
    throttle_key(a->tenant.code, a->user.login_id, key, n);
}

/* Refuse while the account is throttled. */
static enum err
mfa_throttled(struct req *r, const struct auth_ctx *a)
{
    struct store *platform;
    char key[160], v[24];
    int64_t retry = 0;
    account_key(a, key, sizeof(key));
    enum err rc = pool_platform(&platform);
    if (!rc)
        rc = throttle_check(platform, key, auth_now(), &retry);
    if (rc == ERR_AUTH_LOCKED) {
        snprintf(v, sizeof(v), "%" PRId64, retry);
        resp_header(r, "Retry-After", v);
    }
    return rc;
}

/* A wrong code: count it, tell the user, audit it. Returns rc. */
static enum err
mfa_failed(struct req *r, struct auth_ctx *a, const char *action, enum err rc)
{
    struct store *platform;
    char key[160];
    account_key(a, key, sizeof(key));
    if (!pool_platform(&platform))
        throttle_fail(platform, key, auth_now());
    if (!strcmp(a->sess.stage, "mfa") && !store_tx_begin(a->st)) {
        if (notice_add(a->st, a->user.id, "mfa_failed",
                       "パスワードは正しく入力されましたが、ワンタイムコードが"
                       "誤っていました。心当たりがない場合はパスワードを変更"
                       "し、管理者に連絡してください。",
                       NULL) ||
            store_tx_commit(a->st))
            store_tx_rollback(a->st);
    }
    auth_audit(r, a->st, NULL, action, a->user.login_id,
               json_pack("{s:s}", "reason", err_code(rc)));
    return rc;
}

/* The code was right: replace the pending session by a full one. */
static enum err
mfa_succeeded(struct req *r, struct auth_ctx *a, const char *action,
              json_t *extra)
{
    struct store *platform;
    char key[160];
    bool is_new = false;
    account_key(a, key, sizeof(key));
    if (!pool_platform(&platform))
        throttle_clear(platform, key);
    enum err rc = store_tx_begin(a->st);
    if (!rc && !(rc = session_delete(a->st, a->sess.token_hash)) &&
        !(rc = login_note_device(a->st, &a->user, req_client_ip(r),
                                 req_header(r, "User-Agent"), &is_new)))
        rc = store_tx_commit(a->st);
    if (rc) {
        store_tx_rollback(a->st);
        json_decref(extra);
        return rc;
    }
    auth_audit(r, a->st, NULL, action, a->user.login_id,
               json_pack("{s:b}", "new_device", is_new));
    return auth_start_session(r, a->st, &a->user, a->operator? 0 : a->tenant.id,
                              "full", extra);
}

static enum err
post_totp(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    const char *code;
    enum err rc = auth_read_code(r, &code);
    if (rc || (rc = mfa_throttled(r, a)))
        return rc;
    if (!(rc = store_tx_begin(a->st))) {
        rc = login_check_totp(a->st, &a->user, code, auth_now());
        if (!rc)
            rc = store_tx_commit(a->st);
        if (rc)
            store_tx_rollback(a->st);
    }
    if (rc)
        return mfa_failed(r, a, "auth.totp_failed", rc);
    return mfa_succeeded(r, a, "auth.login", NULL);
}

static enum err
post_recovery(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    const char *code;
    char hash[CRYPTO_DIGEST_HEX];
    enum err rc = auth_read_code(r, &code);
    if (rc || (rc = mfa_throttled(r, a)))
        return rc;
    recovery_hash(code, hash);
    if (!(rc = store_tx_begin(a->st))) {
        rc = recovery_use(a->st, a->user.id, hash);
        if (!rc)
            rc = notice_add(a->st, a->user.id, "recovery_used",
                            "リカバリーコードでログインしました。残りが少ない"
                            "場合は二段階認証を設定し直してください。",
                            NULL);
        if (!rc)
            rc = store_tx_commit(a->st);
        if (rc)
            store_tx_rollback(a->st);
    }
    if (rc)
        return mfa_failed(r, a, "auth.recovery_failed", rc);
    return mfa_succeeded(r, a, "auth.login_recovery", NULL);
}

/* The secret offered for enrolment, made (and kept) on first request. */
static enum err
pending_secret(struct auth_ctx *a)
{
    if (a->user.totp_pending[0])
        return ERR_OK;
    unsigned char raw[TOTP_SECRET_BYTES];
    totp_secret_new(raw);
    enum err rc = totp_secret_to_base32(raw, sizeof(raw), a->user.totp_pending,
                                        sizeof(a->user.totp_pending));
    crypto_wipe(raw, sizeof(raw));
    if (!rc && !(rc = store_tx_begin(a->st))) {
        rc = user_set_totp(a->st, a->user.id, NULL, a->user.totp_pending, 0);
        if (!rc)
            rc = store_tx_commit(a->st);
        if (rc)
            store_tx_rollback(a->st);
    }
    return rc;
}

static enum err
get_enroll(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    enum err rc = pending_secret(a);
    if (rc)
        return rc;
    char account[160];
    snprintf(account, sizeof(account), "%s/%s", a->tenant.code,
             a->user.login_id);
    char *uri = totp_uri("pilotlight", account, a->user.totp_pending);
    char *svg = uri ? totp_qr_svg(uri) : NULL;
    if (!svg) {
        free(uri);
        return err_fail(ERR_INTERNAL, "cannot make the QR code");
    }
    resp_json(r, 200,
              json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "secret",
                        a->user.totp_pending, "otpauth_uri", uri, "qr_svg", svg,
                        "issuer", "pilotlight", "digits", TOTP_DIGITS, "period",
                        TOTP_STEP_SECONDS));
    free(uri);
    free(svg);
    return ERR_OK;
}

/* Confirm the pending secret with a code; issue recovery codes. */
static enum err
confirm_enrolment(struct auth_ctx *a, const char *code,
                  char codes[][RECOVERY_CODE_CHARS + 1])
{
    unsigned char raw[64];
    size_t n = sizeof(raw);
    int64_t step = 0;
    enum err rc = a->user.totp_pending[0]
                      ? totp_secret_from_base32(a->user.totp_pending, raw, &n)
                      : err_fail(ERR_AUTH_TOTP_INVALID, "no enrolment started");
    if (!rc)
        rc = totp_verify(raw, n, code, auth_now(), -1, &step);
    crypto_wipe(raw, sizeof(raw));
    if (rc || (rc = store_tx_begin(a->st)))
        return rc;
    rc = user_set_totp(a->st, a->user.id, a->user.totp_pending, NULL, step);
    if (!rc)
        rc = recovery_issue(a->st, a->user.id, codes);
    if (!rc)
        rc = store_tx_commit(a->st);
    if (rc)
        store_tx_rollback(a->st);
    return rc;
}

static enum err
post_enroll(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    const char *code;
    char codes[RECOVERY_CODES][RECOVERY_CODE_CHARS + 1];
    enum err rc = auth_read_code(r, &code);
    if (rc || (rc = mfa_throttled(r, a)))
        return rc;
    if ((rc = confirm_enrolment(a, code, codes)))
        return mfa_failed(r, a, "auth.enroll_failed", rc);
    json_t *list = json_array();
    for (int i = 0; i < RECOVERY_CODES; i++)
        json_array_append_new(list, json_string(codes[i]));
    crypto_wipe(codes, sizeof(codes));
    return mfa_succeeded(r, a, "auth.mfa_enrolled",
                         json_pack("{s:o}", "recovery_codes", list));
}

static enum err
post_step_up(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    const char *code;
    enum err rc = auth_read_code(r, &code);
    if (rc || (rc = mfa_throttled(r, a)))
        return rc;
    if (!(rc = store_tx_begin(a->st))) {
        rc = login_check_totp(a->st, &a->user, code, auth_now());
        if (!rc)
            rc = session_mfa_done(a->st, a->sess.token_hash, auth_now());
        if (!rc)
            rc = store_tx_commit(a->st);
        if (rc)
            store_tx_rollback(a->st);
    }
    if (rc)
        return mfa_failed(r, a, "auth.step_up_failed", rc);
    auth_audit(r, a->st, NULL, "auth.step_up", a->user.login_id, NULL);
    resp_empty(r, 204);
    return ERR_OK;
}

const struct route auth_mfa_routes[] = {
    {"POST", "/api/v1/auth/totp", post_totp, MFA_BODY_MAX, PERM_MFA,
     "auth.login", 0},
    {"POST", "/api/v1/auth/recovery", post_recovery, MFA_BODY_MAX, PERM_MFA,
     "auth.login_recovery", 0},
    {"GET", "/api/v1/auth/enroll", get_enroll, 0, PERM_ENROLL, NULL, 0},
    {"POST", "/api/v1/auth/enroll", post_enroll, MFA_BODY_MAX, PERM_ENROLL,
     "auth.mfa_enrolled", 0},
    {"POST", "/api/v1/auth/step-up", post_step_up, MFA_BODY_MAX, PERM_SESSION,
     "auth.step_up", ROUTE_NO_SUPPORT},
    /* the same steps for platform operators */
    {"POST", "/api/v1/operator/totp", post_totp, MFA_BODY_MAX, PERM_OP_MFA,
     "auth.login", 0},
    {"POST", "/api/v1/operator/recovery", post_recovery, MFA_BODY_MAX,
     PERM_OP_MFA, "auth.login_recovery", 0},
    {"GET", "/api/v1/operator/enroll", get_enroll, 0, PERM_OP_ENROLL, NULL, 0},
    {"POST", "/api/v1/operator/enroll", post_enroll, MFA_BODY_MAX,
     PERM_OP_ENROLL, "auth.mfa_enrolled", 0},
    {"POST", "/api/v1/operator/step-up", post_step_up, MFA_BODY_MAX,
     PERM_OP_SESSION, "auth.step_up", 0},
    ROUTES_END,
};
