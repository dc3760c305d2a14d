/*
 * vault.c — store ids and sequence numbers (rules in vault.h).
 */
#include "vault/vault.h"

#include <string.h>

bool
vault_store_id_valid(const char *s)
{
    static const char ok[] = "abcdefghijklmnopqrstuvwxyz0123456789_-";
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n >= VAULT_STORE_MAX || strspn(s, ok) != n)
        return false;
    return (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9');
}

bool
vault_seq_parse(const char *s, int64_t *out)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 15 || s[0] == '0' || strspn(s, "0123456789") != n)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    *out = v;
    return true;
}
