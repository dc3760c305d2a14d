/*
 * user_cli.c — `pilotlight user create|list|disable|enable|reset-mfa|unlock`:
 * bootstrap and rescue for tenant users, run by the platform operator on
 * the server. Tenant admins use the API for the same things day to day.
 */
#include "audit/audit.h"
#include "auth/auth.h"
#include "auth/password.h"
#include "auth/roles.h"
#include "auth/throttle.h"
#include "auth/user_cli.h"
#include "cli.h"
#include "store/pool.h"
#include "store/store.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct user_opts {
    char data[4096];
    char tenant[32];
    char login[80];
    char name[256];
    char role[16];
    char email[256];
    bool password_stdin;
    bool json;
};

#define O(f)  offsetof(struct user_opts, f)
#define SZ(f) sizeof(((struct user_opts *)0)->f)
#define OPT_DATA                                                               \
    {                                                                          \
        "data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",          \
            "data directory"                                                   \
    }
#define OPT_TENANT                                                             \
    {                                                                          \
        "tenant", OPT_STR, O(tenant), SZ(tenant), NULL, 0, 0,                  \
            OPT_REQUIRED | OPT_NO_ENV, "CODE",                                 \
            "the tenant's code (事業者コード)"                           \
    }
#define OPT_LOGIN                                                              \
    {                                                                          \
        "login", OPT_STR, O(login), SZ(login), NULL, 0, 0,                     \
            OPT_REQUIRED | OPT_NO_ENV, "ID", "the user's login ID"             \
    }

static const struct opt create_opts[] = {
    OPT_DATA,
    OPT_TENANT,
    OPT_LOGIN,
    {"name", OPT_STR, O(name), SZ(name), NULL, 0, 0, OPT_REQUIRED | OPT_NO_ENV,
     "NAME", "display name (表示名)"},
    {"role", OPT_STR, O(role), SZ(role), "admin", 0, 0, OPT_NO_ENV, "ROLE",
     "admin, office, reader, delivery, safety, accountant or readonly"},
    {"email", OPT_STR, O(email), SZ(email), "", 0, 0, OPT_NO_ENV, "ADDR",
     "e-mail address for notices"},
    {"password-stdin", OPT_BOOL, O(password_stdin), 0, "false", 0, 0,
     OPT_NO_ENV, NULL,
     "read the initial password from standard input (else one is made)"},
    OPT_END,
};
static const struct opt one_opts[] = {OPT_DATA, OPT_TENANT, OPT_LOGIN, OPT_END};
static const struct opt list_opts[] = {
    OPT_DATA,
    OPT_TENANT,
    {"json", OPT_BOOL, O(json), 0, "false", 0, 0, OPT_NO_ENV, NULL,
     "print JSON"},
    OPT_END,
};

/* `pilotlight operator …` runs these commands on the platform store's
 * users: the platform operators (role "operator", no tenant). */
static bool op_realm;

/* The option table for the realm: operators have no --tenant or --role. */
static const struct opt *
realm_opts(const struct opt *src)
{
    static struct opt buf[16];
    if (!op_realm)
        return src;
    int n = 0;
    for (const struct opt *o = src; o->name && n < 15; o++)
        if (strcmp(o->name, "tenant") && strcmp(o->name, "role"))
            buf[n++] = *o;
    buf[n] = (struct opt)OPT_END;
    return buf;
}

struct open_tenant {
    struct store *platform, *st;
    struct tenant t;
};

static enum err
open_tenant(const struct user_opts *o, struct open_tenant *ot)
{
    enum err rc = cli_open_platform(o->data, &ot->platform);
    if (!rc && op_realm) {
        ot->st = ot->platform;
        snprintf(ot->t.code, sizeof(ot->t.code), "op");
        return ERR_OK;
    }
    if (!rc)
        rc = tenant_find_code(ot->platform, o->tenant, &ot->t);
    if (!rc)
        rc = pool_tenant(ot->t.id, &ot->st);
    return rc;
}

static enum err
read_password(const struct user_opts *o, char *out, size_t n)
{
    if (!o->password_stdin) {
        crypto_readable_code(out, 4, 5); /* ~99 bits */
        return ERR_OK;
    }
    if (!fgets(out, (int)n, stdin))
        return err_fail(ERR_CONFIG, "no password on standard input");
    out[strcspn(out, "\r\n")] = '\0';
    return ERR_OK;
}

static enum err
hash_password(const char *typed, const struct user_opts *o, char *hash)
{
    char *norm = NULL;
    const char *reason = "";
    enum err rc = password_normalize(typed, &norm);
    if (!rc)
        rc = password_check(norm, o->login, o->tenant, &reason);
    if (!rc)
        rc = crypto_pw_hash(norm, hash);
    if (norm) {
        crypto_wipe(norm, strlen(norm));
        free(norm);
    }
    return rc;
}

/* Run fn inside a transaction on the tenant's store and audit it. */
static enum err
in_tx(struct open_tenant *ot, const char *action, const char *target,
      enum err (*fn)(struct store *, void *), void *arg)
{
    enum err rc = store_tx_begin(ot->st);
    if (rc)
        return rc;
    struct audit_entry e = {cli_actor(), action, target, NULL, NULL, NULL};
    if (!(rc = fn(ot->st, arg)) && !(rc = audit_append(ot->st, &e)))
        rc = store_tx_commit(ot->st);
    if (rc)
        store_tx_rollback(ot->st);
    return rc;
}

struct create_args {
    const struct user_opts *o;
    const char *hash;
    struct user u;
};

static enum err
do_create(struct store *st, void *arg)
{
    struct create_args *c = arg;
    const struct user_opts *o = c->o;
    return user_insert(st, o->login, o->name, o->role,
                       o->email[0] ? o->email : NULL, c->hash, &c->u);
}

static int
cmd_create(int argc, char **argv)
{
    struct user_opts o;
    memset(&o, 0, sizeof(o)); /* rows left out for operators stay empty */
    if (opt_wants_help(argc, argv)) {
        cli_help(op_realm ? "pilotlight operator create --login ID --name NAME"
                          : "pilotlight user create --tenant CODE --login ID "
                            "--name NAME [options]",
                 "Create a tenant user. The user sets up the second factor "
                 "at first sign-in.",
                 realm_opts(create_opts));
        return 0;
    }
    enum err rc = opt_parse(realm_opts(create_opts), &o, argc, argv);
    char pw[PASSWORD_MAX_BYTES + 2], hash[CRYPTO_PW_HASH_MAX];
    if (op_realm)
        snprintf(o.role, sizeof(o.role), "operator");
    struct open_tenant ot;
    if (!rc && (rc = user_check_login_id(o.login)) == ERR_OK &&
        (rc = user_check_name(o.name)) == ERR_OK && !op_realm &&
        !role_valid(o.role))
        rc = err_fail(ERR_AUTH_ROLE, "--role: '%s' is not a role", o.role);
    if (!rc && !(rc = read_password(&o, pw, sizeof(pw))))
        rc = hash_password(pw, &o, hash);
    struct create_args c = {&o, hash, {0}};
    if (!rc && !(rc = open_tenant(&o, &ot)))
        rc = in_tx(&ot, "user.create", o.login, do_create, &c);
    if (rc) {
        crypto_wipe(pw, sizeof(pw));
        return cli_fail("user create", rc);
    }
    if (op_realm)
        printf("created operator %s (%s)\n", c.u.login_id, c.u.display_name);
    else
        printf("created user %s (%s, %s) in tenant %s\n", c.u.login_id,
               c.u.display_name, role_label_ja(c.u.role), ot.t.code);
    if (!o.password_stdin)
        printf("initial password: %s\n(shown once; the user sets up the "
               "one-time code at first sign-in)\n",
               pw);
    crypto_wipe(pw, sizeof(pw));
    return 0;
}

static bool
print_user(const struct user *u, void *arg)
{
    json_t *list = arg;
    if (list)
        json_array_append_new(
            list,
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:b}", "id", (json_int_t)u->id,
                      "login_id", u->login_id, "display_name", u->display_name,
                      "role", u->role, "status", u->status, "mfa_enrolled",
                      u->totp_secret[0] != '\0'));
    else
        printf("%-20s  %-10s  %-8s  %-3s  %s\n", u->login_id, u->role,
               u->status, u->totp_secret[0] ? "yes" : "no", u->display_name);
    return true;
}

static int
cmd_list(int argc, char **argv)
{
    struct user_opts o;
    memset(&o, 0, sizeof(o)); /* rows left out for operators stay empty */
    if (opt_wants_help(argc, argv)) {
        cli_help(op_realm ? "pilotlight operator list [--json]"
                          : "pilotlight user list --tenant CODE [--json]",
                 "List a tenant's users.", realm_opts(list_opts));
        return 0;
    }
    enum err rc = opt_parse(realm_opts(list_opts), &o, argc, argv);
    struct open_tenant ot;
    if (!rc)
        rc = open_tenant(&o, &ot);
    json_t *list = o.json ? json_array() : NULL;
    if (!rc && !o.json)
        printf("%-20s  %-10s  %-8s  %-3s  %s\n", "LOGIN", "ROLE", "STATUS",
               "MFA", "NAME");
    if (!rc)
        rc = user_each(ot.st, print_user, list);
    if (!rc && list) {
        json_dumpf(list, stdout, JSON_INDENT(2));
        putchar('\n');
    }
    json_decref(list);
    return rc ? cli_fail("user list", rc) : 0;
}

struct one_args {
    const char *what; /* "disable", "enable", "reset-mfa", "unlock",
                         "reset-password" */
    struct open_tenant *ot;
    struct user u;
    char temp[32]; /* reset-password: the temporary password */
};

static enum err
do_one(struct store *st, void *arg)
{
    struct one_args *a = arg;
    enum err rc = ERR_OK;
    if (!strcmp(a->what, "disable"))
        rc = user_set_status(st, a->u.id, "disabled");
    else if (!strcmp(a->what, "enable"))
        return user_set_status(st, a->u.id, "active");
    else if (!strcmp(a->what, "reset-mfa") &&
             !(rc = user_set_totp(st, a->u.id, NULL, NULL, 0)))
        rc = store_run(st, "DELETE FROM recovery_codes WHERE user_id = $1", "i",
                       a->u.id);
    else if (!strcmp(a->what, "reset-password")) {
        char hash[CRYPTO_PW_HASH_MAX];
        crypto_readable_code(a->temp, 4, 5);
        if (!(rc = crypto_pw_hash(a->temp, hash)))
            rc = user_set_password(st, a->u.id, hash);
    } else if (!strcmp(a->what, "unlock")) {
        char key[160];
        throttle_key(a->ot->t.code, a->u.login_id, key, sizeof(key));
        return throttle_clear(a->ot->platform, key);
    }
    return rc ? rc : session_delete_user(st, a->u.id);
}

static int
cmd_one(const char *what, int argc, char **argv)
{
    struct user_opts o;
    memset(&o, 0, sizeof(o)); /* rows left out for operators stay empty */
    char usage[128], action[32], cmd[32];
    snprintf(usage, sizeof(usage),
             "pilotlight user %s --tenant CODE --login "
             "ID",
             what);
    snprintf(cmd, sizeof(cmd), "user %s", what);
    if (opt_wants_help(argc, argv)) {
        cli_help(usage,
                 "disable/enable a user, reset their second factor, or "
                 "unlock them after failed sign-ins; disable and reset-mfa "
                 "end their sessions.",
                 one_opts);
        return 0;
    }
    enum err rc = opt_parse(realm_opts(one_opts), &o, argc, argv);
    struct open_tenant ot;
    struct one_args a = {what, &ot, {0}, ""};
    if (!rc && !(rc = open_tenant(&o, &ot)))
        rc = user_find_login(ot.st, o.login, &a.u);
    snprintf(action, sizeof(action), "user.%s", what);
    for (char *p = action; *p; p++)
        *p = *p == '-' ? '_' : *p;
    if (!rc)
        rc = in_tx(&ot, action, a.u.login_id, do_one, &a);
    if (rc)
        return cli_fail(cmd, rc);
    printf("%s: done for %s in tenant %s\n", what, a.u.login_id, ot.t.code);
    if (a.temp[0])
        printf("temporary password: %s\n(shown once; the second factor is "
               "unchanged)\n",
               a.temp);
    crypto_wipe(a.temp, sizeof(a.temp));
    return 0;
}

static void
usage(FILE *f)
{
    fprintf(f, "usage: pilotlight %s <command> %s[options]\n\n",
            op_realm ? "operator" : "user", op_realm ? "" : "--tenant CODE ");
    fprintf(f,
            "  create     create a user (prints an initial password)\n"
            "  list       list users\n"
            "  disable    disable a user and end their sessions\n"
            "  enable     enable a disabled user\n"
            "  reset-mfa  clear the second factor (set up again at next "
            "sign-in)\n"
            "  unlock     clear failed sign-in attempts\n"
            "  reset-password  set a temporary password (printed once)\n\n"
            "`pilotlight %s <command> --help` lists the options.\n",
            op_realm ? "operator" : "user");
}

int
operator_main(int argc, char **argv)
{
    op_realm = true;
    return user_main(argc, argv);
}

int
user_main(int argc, char **argv)
{
    static const char *const one[] = {"disable", "enable",         "reset-mfa",
                                      "unlock",  "reset-password", NULL};
    crypto_init(2);
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    if (!strcmp(argv[0], "create"))
        return cmd_create(argc - 1, argv + 1);
    if (!strcmp(argv[0], "list"))
        return cmd_list(argc - 1, argv + 1);
    for (int i = 0; one[i]; i++)
        if (!strcmp(argv[0], one[i]))
            return cmd_one(one[i], argc - 1, argv + 1);
    fprintf(stderr, "pilotlight user: unknown command '%s'\n\n", argv[0]);
    usage(stderr);
    return 2;
}
