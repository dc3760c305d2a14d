/*
 * fuzz_password.c — libFuzzer target for password normalization (ICU
 * NFKC) and the policy check: any bytes in, never a crash or a leak; what
 * normalizes is valid UTF-8 within the byte bound and checks without
 * error other than a policy refusal.
 */
#include "auth/password.h"
#include "core/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2 * PASSWORD_MAX_BYTES)
        return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char *norm = NULL;
    if (password_normalize(text, &norm) == ERR_OK) {
        if (utf8_chars(norm) == SIZE_MAX)
            abort(); /* normalized output must be valid UTF-8 */
        const char *reason = NULL;
        enum err rc = password_check(norm, "admin", "0001", &reason);
        if (rc != ERR_OK && rc != ERR_AUTH_PASSWORD_POLICY)
            abort();
        if (rc == ERR_AUTH_PASSWORD_POLICY && !reason)
            abort();
        free(norm);
    }
    free(text);
    return 0;
}
