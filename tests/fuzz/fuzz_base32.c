/*
 * fuzz_base32.c — libFuzzer target for the TOTP secret decoder
 * (totp_secret_from_base32) and the round trip it promises: whatever
 * decodes, encodes back to a string that decodes to the same bytes.
 */
#include "auth/totp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256)
        return 0;
    char text[257];
    memcpy(text, data, size);
    text[size] = '\0';
    unsigned char raw[200], again[200];
    size_t n = sizeof(raw), m = sizeof(again);
    if (totp_secret_from_base32(text, raw, &n) != ERR_OK || n == 0)
        return 0;
    char b32[400];
    if (totp_secret_to_base32(raw, n, b32, sizeof(b32)) != ERR_OK)
        abort(); /* what decodes must encode */
    if (totp_secret_from_base32(b32, again, &m) != ERR_OK || m != n ||
        memcmp(raw, again, n) != 0)
        abort();
    char code[9];
    if (totp_code_at(raw, n, 56789012, 6, code) != ERR_OK || strlen(code) != 6)
        abort();
    return 0;
}
