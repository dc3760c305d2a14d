/*
 * totp_cli.c — `pilotlight totp --secret BASE32 [--time UNIX]`.
 *
 * Prints the code an authenticator app would show for the secret now (or at
 * --time) and how many seconds it stays valid. Meant for demos and support:
 * the secret on the command line is visible to other local users (ps), so
 * it is never read from the environment either, and it is not for real
 * accounts' secrets on shared machines.
 */
#include "auth/crypto.h"
#include "auth/totp.h"
#include "auth/totp_cli.h"
#include "cli.h"

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#define TOTP_TIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z */

struct totp_opts {
    char secret[256];
    long long time;
};

#define O(f)  offsetof(struct totp_opts, f)
#define SZ(f) sizeof(((struct totp_opts *)0)->f)

static const struct opt totp_opts[] = {
    {"secret", OPT_STR, O(secret), SZ(secret), NULL, 0, 0,
     OPT_REQUIRED | OPT_NO_ENV, "BASE32",
     "the shared secret in base32 (as shown at enrolment)"},
    {"time", OPT_INT, O(time), 0, "-1", -1, TOTP_TIME_MAX, OPT_NO_ENV, "UNIX",
     "unix time to compute the code for; -1 means now"},
    OPT_END,
};

/* Decode o->secret and print the code at o->time (or now). */
static enum err
totp_print(const struct totp_opts *o)
{
    unsigned char secret[128];
    size_t n = sizeof(secret);
    char code[TOTP_DIGITS + 1];
    int64_t now = o->time >= 0 ? (int64_t)o->time : (int64_t)time(NULL);
    enum err rc = totp_secret_from_base32(o->secret, secret, &n);
    if (rc == ERR_TOO_LARGE)
        return err_fail(ERR_CONFIG, "--secret: longer than %zu bytes",
                        sizeof(secret));
    if (rc || n == 0)
        return err_fail(ERR_CONFIG,
                        "--secret: not a base32 secret (letters A-Z and "
                        "digits 2-7)");
    rc = totp_code_at(secret, n, totp_step(now), TOTP_DIGITS, code);
    crypto_wipe(secret, sizeof(secret));
    if (rc)
        return err_fail(rc, "cannot compute the code at time %lld",
                        (long long)now);
    int64_t left =
        TOTP_STEP_SECONDS - (now - totp_step(now) * TOTP_STEP_SECONDS);
    printf("%s (valid %lld more second%s)\n", code, (long long)left,
           left == 1 ? "" : "s");
    crypto_wipe(code, sizeof(code));
    return ERR_OK;
}

int
totp_main(int argc, char **argv)
{
    struct totp_opts o;
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight totp --secret BASE32 [--time UNIX]",
                 "Print the 6-digit one-time code (TOTP, RFC 6238: SHA-1, "
                 "30-second steps) that\nan authenticator app shows for "
                 "this secret, and how long it stays valid.\nFor demos: "
                 "the secret is visible to other users of this machine.",
                 totp_opts);
        return 0;
    }
    enum err rc = opt_parse(totp_opts, &o, argc, argv);
    if (!rc)
        rc = totp_print(&o);
    crypto_wipe(o.secret, sizeof(o.secret));
    return rc ? cli_fail("totp", rc) : 0;
}
