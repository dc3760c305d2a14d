/*
 * demo.c — `pilotlight demo`: a running service with demo data, one command.
 *
 * Seeds ./demo-data (3 retailers, fixed seed) the first time, then serves it
 * exactly as `pilotlight serve` would and prints where to go. Ctrl-C stops
 * it cleanly; the data stays for next time (delete demo-data to start over).
 */
#include "audit/audit.h"
#include "auth/totp.h"
#include "auth/users.h"
#include "cli.h"
#include "core/json.h"
#include "store/store.h"
#include "core/timeutil.h"
#include "demo/demo.h"
#include "http/server.h"
#include "monitor/simulate.h"
#include "seed/seed.h"
#include "store/pool.h"
#include "tenants/tenants.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEMO_TENANTS   3
#define DEMO_SEED      20260401
#define DEMO_CUSTOMERS 300 /* per tenant */

/*
 * The demo's sign-in: an admin of tenant 0001 with a known password and an
 * enrolled TOTP secret, written to DATA/demo-login.json (0600) so every
 * start can print it. Demo data only: real users get their password from
 * `pilotlight user create` and set up their own second factor.
 */
static enum err
make_admin(const char *data, struct store *platform)
{
    struct tenant t;
    struct store *st;
    char pw[32], hash[CRYPTO_PW_HASH_MAX], b32[TOTP_B32_MAX];
    unsigned char secret[TOTP_SECRET_BYTES];
    struct user u;
    crypto_readable_code(pw, 3, 5);
    totp_secret_new(secret);
    enum err rc = tenant_find_code(platform, "0001", &t);
    if (!rc)
        rc = pool_tenant(t.id, &st);
    if (!rc)
        rc = totp_secret_to_base32(secret, sizeof(secret), b32, sizeof(b32));
    if (!rc)
        rc = crypto_pw_hash(pw, hash);
    if (rc || (rc = store_tx_begin(st)))
        return rc;
    struct audit_entry e = {"demo", "user.create", "admin", NULL, NULL, NULL};
    if (!(rc = user_insert(st, "admin", "デモ管理者", "admin", NULL, hash,
                           &u)) &&
        !(rc = user_set_totp(st, u.id, b32, NULL, 0)) &&
        !(rc = audit_append(st, &e)))
        rc = store_tx_commit(st);
    if (rc) {
        store_tx_rollback(st);
        return rc;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/demo-login.json", data);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "tenant", "0001", "login_id",
                          "admin", "password", pw, "totp_secret", b32);
    if (json_dump_file(j, path, JSON_INDENT(2)) != 0)
        rc = err_fail(ERR_IO, "cannot write %s", path);
    json_decref(j);
    return rc;
}

static void
print_login(const char *data)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/demo-login.json", data);
    json_t *j = json_load_file(path, 0, NULL);
    const char *secret = json_string_value(json_object_get(j, "totp_secret"));
    if (!secret) {
        json_decref(j);
        return;
    }
    printf("\n  Sign in (ログイン):\n"
           "    事業者コード  %s\n    ログインID    %s\n    パスワード    %s\n"
           "    ワンタイムコード: add this secret to an authenticator app "
           "(Google Authenticator, Microsoft Authenticator, …)\n"
           "      %s\n"
           "    or print the current code with:\n"
           "      ./build/pilotlight totp --secret %s\n",
           json_string_value(json_object_get(j, "tenant")),
           json_string_value(json_object_get(j, "login_id")),
           json_string_value(json_object_get(j, "password")), secret, secret);
    char account[64];
    snprintf(account, sizeof(account), "0001/%s",
             json_string_value(json_object_get(j, "login_id")));
    char *uri = totp_uri("pilotlight", account, secret);
    char *qr = uri ? totp_qr_terminal(uri) : NULL;
    if (qr)
        printf("\n%s", qr);
    free(qr);
    free(uri);
    json_decref(j);
}

static enum err
seed_if_absent(const char *data)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/platform.db", data);
    bool fresh = access(path, F_OK) != 0;
    struct store *platform;
    enum err rc = cli_open_platform(data, &platform);
    int64_t n = 0;
    if (!rc)
        rc = tenant_count(platform, &n);
    if (rc || (!fresh && n > 0))
        return rc;
    printf("Seeding demo data into %s ...\n", data);
    fflush(stdout);
    char today[11];
    time_today_jst(today);
    struct seed_ctx c = {
        .data_dir = data,
        .platform = platform,
        .actor = "demo",
        .seed = DEMO_SEED,
        .tenants = DEMO_TENANTS,
        .customers_per_tenant = DEMO_CUSTOMERS,
        .months = 12,
        .quiet = 1,
        .as_of = today,
    };
    rc = seed_run(&c);
    free(c.tenant_ids);
    return rc ? rc : make_admin(data, platform);
}

static bool
print_tenant(const struct tenant *t, void *arg)
{
    (void)arg;
    printf("    %s  %s（%s）\n", t->code, t->name, t->prefecture);
    return true;
}

static void
on_ready(const struct serve_opts *o, int port, void *arg)
{
    (void)arg;
    const char *host = o->bind;
    bool v6 = strchr(host, ':') != NULL;
    char url[128];
    snprintf(url, sizeof(url), "http://%s%s%s:%d", v6 ? "[" : "", host,
             v6 ? "]" : "", port);
    printf("\npilotlight demo is running.\n\n"
           "  Console (browser):  %s/\n"
           "  Meter reading (検針, phones): %s/field/\n"
           "  Platform console (operators): %s/platform/ (an account: "
           "pilotlight operator create --data %s --login ID --name NAME)\n"
           "  Health check:       %s/healthz\n"
           "  API (JSON):         %s/api/v1/meta\n"
           "  Data directory:     %s\n\n"
           "  Demo retailers (事業者コード):\n",
           url, url, url, o->data, url, url, o->data);
    struct store *platform;
    if (!pool_platform(&platform))
        tenant_each(platform, print_tenant, NULL);
    print_login(o->data);
    printf("\nPress Ctrl-C to stop. Delete %s to start again from fresh demo "
           "data.\n",
           o->data);
    fflush(stdout);
}

/* serve's option table with ./demo-data as the data directory. */
static const struct opt *
demo_opts(void)
{
    static struct opt table[64];
    size_t n = 0;
    while (serve_opts_table[n].name && n + 1 < 64) {
        table[n] = serve_opts_table[n];
        if (strcmp(table[n].name, "data") == 0)
            table[n].def = "./demo-data";
        n++;
    }
    table[n] = (struct opt)OPT_END;
    return table;
}

int
demo_main(int argc, char **argv)
{
    const struct opt *opts = demo_opts();
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight demo [options]",
                 "Seed demo data (3 retailers) into the data directory if it "
                 "is empty, then serve it.\nTakes every option of `pilotlight "
                 "serve`.",
                 opts);
        return 0;
    }
    struct serve_opts o;
    enum err rc = opt_parse(opts, &o, argc, argv);
    if (!rc) /* check before seeding: a wrong --bind or --web changes nothing */
        rc = serve_check(&o);
    if (!rc)
        rc = seed_if_absent(o.data);
    if (!rc && !o.internal_token_file[0] && o.port) /* monitoring, too */
        simulate_demo_start(o.data, (int)o.port, o.internal_token_file,
                            sizeof(o.internal_token_file));
    if (!rc)
        rc = serve_run(&o, on_ready, NULL);
    if (rc)
        return cli_fail("demo", rc);
    printf("pilotlight demo stopped.\n");
    return 0;
}
