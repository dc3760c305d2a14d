/*
 * users.c — user validation (no I/O).
 */
#include "auth/users.h"
#include "core/json.h"

#include <stdint.h>
#include <string.h>

enum err
user_check_login_id(const char *id)
{
    size_t n = strlen(id);
    if (n < 3 || n > USER_LOGIN_MAX)
        return err_fail(ERR_AUTH_LOGIN_ID,
                        "login id must be 3 to %d characters", USER_LOGIN_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || strchr("._@-", c);
        if (!ok)
            return err_fail(ERR_AUTH_LOGIN_ID,
                            "login id may hold letters, digits and . _ @ - "
                            "(bad character at %zu)",
                            i + 1);
    }
    return ERR_OK;
}

enum err
user_check_name(const char *name)
{
    size_t n = utf8_chars(name);
    if (n == SIZE_MAX || n == 0 || n > USER_NAME_MAX_CHARS)
        return err_fail(ERR_INVALID, "display name must be 1 to %d characters",
                        USER_NAME_MAX_CHARS);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return err_fail(ERR_INVALID,
                            "display name has a control character");
    return ERR_OK;
}
