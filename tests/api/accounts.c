/*
 * accounts.c — test accounts over the CLI and the sign-in API.
 */
#include "accounts.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static const char *
base(const struct account *a)
{
    return a->operator? "/api/v1/operator" : "/api/v1/auth";
}

void
cli_ok(const char *const *args)
{
    char *out, *err;
    if (cli_run(args, &out, &err) != 0)
        fail_msg("%s %s: %s", args[0], args[1], err);
    free(out);
    free(err);
}

void
tenant_make(struct server *s, const char *code, const char *name)
{
    const char *args[] = {"tenant", "create", "--data", s->data, "--code",
                          code,     "--name", name,     NULL};
    cli_ok(args);
}

static void
make(const char *const *args, struct account *a)
{
    char *out, *err;
    if (cli_run(args, &out, &err) != 0)
        fail_msg("%s create: %s", args[0], err);
    const char *p = strstr(out, "initial password: ");
    assert_non_null(p);
    sscanf(p + strlen("initial password: "), "%63s", a->password);
    free(out);
    free(err);
}

void
account_make(struct server *s, const char *tenant, const char *login,
             const char *role, struct account *a)
{
    memset(a, 0, sizeof(*a));
    a->tenant = tenant;
    snprintf(a->login, sizeof(a->login), "%s", login);
    const char *args[] = {"user",     "create",       "--data",  s->data,
                          "--tenant", tenant,         "--login", login,
                          "--name",   "テスト利用者", "--role",  role,
                          NULL};
    make(args, a);
}

void
account_make_operator(struct server *s, const char *login, struct account *a)
{
    memset(a, 0, sizeof(*a));
    a->operator= true;
    snprintf(a->login, sizeof(a->login), "%s", login);
    const char *args[] = {"operator", "create",       "--data",
                          s->data,    "--login",      login,
                          "--name",   "サポート担当", NULL};
    make(args, a);
}

/* The oldest step worth using now: the previous one is still accepted,
 * but only while the server will check it within the current step. */
static int64_t
lowest_step(int64_t now)
{
    return now % 30 <= 25 ? now / 30 - 1 : now / 30;
}

void
account_code(struct account *a, char code[8])
{
    int64_t now = (int64_t)time(NULL);
    int64_t want = a->last_step + 1 > lowest_step(now) ? a->last_step + 1
                                                       : lowest_step(now);
    if (want > now / 30 + 1) { /* window used up: wait for the next step */
        sleep((unsigned)(30 - now % 30 + 1));
        now = (int64_t)time(NULL);
        want = a->last_step + 1 > lowest_step(now) ? a->last_step + 1
                                                   : lowest_step(now);
    }
    char t[32];
    snprintf(t, sizeof(t), "%lld", (long long)(want * 30));
    const char *args[] = {"totp", "--secret", a->secret, "--time", t, NULL};
    char *out, *err;
    assert_int_equal(cli_run(args, &out, &err), 0);
    snprintf(code, 8, "%.6s", out);
    free(out);
    free(err);
    a->last_step = want;
}

void
account_post_login(struct server *s, struct client *c, const struct account *a,
                   const char *password, struct http *h)
{
    char body[512], path[64];
    if (a->operator)
        snprintf(body, sizeof(body),
                 "{\"login_id\":\"%s\",\"password\":\"%s\"}", a->login,
                 password);
    else
        snprintf(body, sizeof(body),
                 "{\"tenant\":\"%s\",\"login_id\":\"%s\",\"password\":\"%s\"}",
                 a->tenant, a->login, password);
    snprintf(path, sizeof(path), "%s/login", base(a));
    client_req(s, c, "POST", path, body, h);
}

void
account_post_code(struct server *s, struct client *c, const char *path,
                  const char *code, struct http *h)
{
    char body[64];
    snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
    client_req(s, c, "POST", path, body, h);
}

void
account_enroll(struct server *s, struct account *a)
{
    struct client c;
    struct http h;
    char path[64], code[8];
    client_init(&c);
    account_post_login(s, &c, a, a->password, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(json_string_value(json_object_get(h.json, "stage")),
                        "enroll");
    http_free(&h);
    snprintf(path, sizeof(path), "%s/enroll", base(a));
    client_req(s, &c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    snprintf(a->secret, sizeof(a->secret), "%s",
             json_string_value(json_object_get(h.json, "secret")));
    assert_non_null(
        strstr(json_string_value(json_object_get(h.json, "otpauth_uri")),
               "otpauth://totp/"));
    http_free(&h);
    account_code(a, code);
    account_post_code(s, &c, path, code, &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(json_array_size(json_object_get(h.json, "recovery_codes")),
                     10);
    http_free(&h);
    client_free(&c);
}

void
account_sign_in(struct server *s, struct client *c, struct account *a)
{
    struct http h;
    char path[64], code[8];
    client_init(c);
    account_post_login(s, c, a, a->password, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(json_string_value(json_object_get(h.json, "stage")),
                        "mfa");
    http_free(&h);
    account_code(a, code);
    snprintf(path, sizeof(path), "%s/totp", base(a));
    account_post_code(s, c, path, code, &h);
    if (h.status != 200)
        fail_msg("totp: %ld %s", h.status, h.body);
    http_free(&h);
}
