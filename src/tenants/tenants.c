/*
 * tenants.c — tenant validation (no I/O).
 */
#include "core/json.h"
#include "tenants/tenants.h"

#include <stdint.h>
#include <string.h>

const char *const tenant_prefectures[47] = {
    "北海道", "青森県",   "岩手県", "宮城県",   "秋田県", "山形県", "福島県",
    "茨城県", "栃木県",   "群馬県", "埼玉県",   "千葉県", "東京都", "神奈川県",
    "新潟県", "富山県",   "石川県", "福井県",   "山梨県", "長野県", "岐阜県",
    "静岡県", "愛知県",   "三重県", "滋賀県",   "京都府", "大阪府", "兵庫県",
    "奈良県", "和歌山県", "鳥取県", "島根県",   "岡山県", "広島県", "山口県",
    "徳島県", "香川県",   "愛媛県", "高知県",   "福岡県", "佐賀県", "長崎県",
    "熊本県", "大分県",   "宮崎県", "鹿児島県", "沖縄県",
};

static bool
is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}

enum err
tenant_check_code(const char *code)
{
    size_t n = strlen(code);
    if (n < 4 || n > TENANT_CODE_MAX)
        return err_fail(ERR_TENANT_CODE,
                        "tenant code must be 4 to %d characters (got %zu)",
                        TENANT_CODE_MAX, n);
    for (size_t i = 0; i < n; i++) {
        char c = code[i];
        bool inner_hyphen = c == '-' && i > 0 && i + 1 < n;
        if (!is_alnum(c) && !inner_hyphen)
            return err_fail(ERR_TENANT_CODE,
                            "tenant code may hold only letters A-Z, digits "
                            "and inner hyphens (bad character at %zu)",
                            i + 1);
    }
    return ERR_OK;
}

/* True for ASCII space and the ideographic space U+3000 at p. */
static size_t
space_len(const char *p)
{
    if (*p == ' ')
        return 1;
    if (strncmp(p, "\xE3\x80\x80", 3) == 0)
        return 3;
    return 0;
}

enum err
tenant_check_name(const char *name)
{
    size_t chars = utf8_chars(name);
    if (chars == SIZE_MAX)
        return err_fail(ERR_TENANT_NAME, "tenant name is not valid UTF-8");
    if (chars == 0 || chars > TENANT_NAME_MAX_CHARS)
        return err_fail(ERR_TENANT_NAME,
                        "tenant name must be 1 to %d characters (got %zu)",
                        TENANT_NAME_MAX_CHARS, chars);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return err_fail(ERR_TENANT_NAME,
                            "tenant name contains a control character");
    size_t len = strlen(name);
    bool lead = space_len(name) > 0;
    bool trail =
        name[len - 1] == ' ' || (len >= 3 && space_len(name + len - 3) == 3);
    if (lead || trail)
        return err_fail(ERR_TENANT_NAME,
                        "tenant name starts or ends with a space");
    return ERR_OK;
}

enum err
tenant_check_prefecture(const char *pref)
{
    if (!*pref)
        return ERR_OK;
    for (size_t i = 0; i < 47; i++)
        if (strcmp(pref, tenant_prefectures[i]) == 0)
            return ERR_OK;
    return err_fail(ERR_TENANT_PREFECTURE,
                    "'%s' is not a prefecture (write it in full, e.g. "
                    "静岡県, 東京都, 北海道)",
                    pref);
}
