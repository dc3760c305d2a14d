/*
 * totp.c — RFC 6238 one-time passwords over liboath, base32, the otpauth://
 * URI and its QR code (libqrencode) as SVG or terminal text.
 *
 * liboath computes the HOTP value of a step; everything around it is ours:
 * the window (one step either side), the replay rule (a step must be newer
 * than the user's last accepted step, which liboath does not track), the
 * strict shape of a typed code, and constant-time comparison. Base32 is done
 * here rather than with oath_base32_decode() so that the output is bounded by
 * the caller's buffer and no secret passes through a malloc we do not wipe.
 *
 * Generated codes and the normalised typed code are wiped before returning.
 */
#include "auth/totp.h"
#include "auth/crypto.h"
#include "core/buf.h"

#include <liboath/oath.h>
#include <pthread.h>
#include <qrencode.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define QR_SVG_QUIET  4 /* modules of light margin around the SVG code */
#define QR_TERM_QUIET 2 /* the same for the terminal */
#define QR_SVG_MAX    (1024 * 1024) /* version 40 needs about 320 KiB */
#define QR_TERM_MAX   (256 * 1024)  /* version 40 needs about 50 KiB */

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;

static void
oath_start(void)
{
    if (oath_init() != OATH_OK)
        abort(); /* no HMAC, no second factor: refuse to run */
}

void
totp_secret_new(unsigned char out[TOTP_SECRET_BYTES])
{
    crypto_random(out, TOTP_SECRET_BYTES);
}

/* ===================== base32 (RFC 4648) ===================== */

enum err
totp_secret_to_base32(const unsigned char *secret, size_t n, char *out,
                      size_t outlen)
{
    if (n > SIZE_MAX / 8 - 4 || outlen < (n * 8 + 4) / 5 + 1) {
        if (outlen)
            out[0] = '\0';
        return ERR_TOO_LARGE;
    }
    uint32_t acc = 0; /* only the low `bits` bits matter */
    unsigned bits = 0;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        acc = acc << 8 | secret[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[j++] = b32_alphabet[acc >> bits & 31];
        }
    }
    if (bits)
        out[j++] = b32_alphabet[acc << (5 - bits) & 31];
    out[j] = '\0';
    crypto_wipe(&acc, sizeof(acc));
    return ERR_OK;
}

/* The 5-bit value of base32 character c (either case), or -1. */
static int
b32_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

static bool
b32_ignored(char c)
{
    return c == ' ' || c == '=' || c == '\t' || c == '\n' || c == '\r';
}

enum err
totp_secret_from_base32(const char *b32, unsigned char *out, size_t *n)
{
    size_t cap = *n, len = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    enum err rc = ERR_OK;
    *n = 0;
    for (const char *p = b32; *p && !rc; p++) {
        if (b32_ignored(*p))
            continue;
        int v = b32_value((unsigned char)*p);
        if (v < 0) {
            rc = ERR_INVALID;
            break;
        }
        acc = acc << 5 | (uint32_t)v;
        bits += 5;
        if (bits < 8)
            continue;
        bits -= 8;
        if (len == cap)
            rc = ERR_TOO_LARGE;
        else
            out[len++] = (unsigned char)(acc >> bits);
    }
    /* 1, 3 or 6 characters past a multiple of 8 leave 5 or more bits: no
     * encoder makes that. The bits left over must be zero padding. */
    if (!rc && (bits >= 5 || (acc & ((1u << bits) - 1))))
        rc = ERR_INVALID;
    if (rc)
        crypto_wipe(out, len);
    else
        *n = len;
    crypto_wipe(&acc, sizeof(acc));
    return rc;
}

/* ===================== codes ===================== */

int64_t
totp_step(int64_t now)
{
    int64_t q = now / TOTP_STEP_SECONDS;
    if (now % TOTP_STEP_SECONDS < 0)
        q--; /* C division truncates toward zero; we want the floor */
    return q;
}

enum err
totp_code_at(const unsigned char *secret, size_t n, int64_t step,
             unsigned digits, char *out)
{
    if ((digits != 6 && digits != 8) || step < 0 || !secret || n == 0)
        return ERR_INVALID;
    pthread_once(&oath_once, oath_start);
    int rc = oath_hotp_generate((const char *)secret, n, (uint64_t)step, digits,
                                false, OATH_HOTP_DYNAMIC_TRUNCATION, out);
    return rc == OATH_OK ? ERR_OK : ERR_INTERNAL;
}

/* Copy code without its ASCII spaces into out; false unless exactly
 * TOTP_DIGITS ASCII digits remain (so no sign, no full-width digits). */
static bool
code_normalize(const char *code, char out[TOTP_DIGITS + 1])
{
    size_t k = 0;
    out[0] = '\0';
    if (!code)
        return false;
    for (const char *p = code; *p; p++) {
        if (*p == ' ')
            continue;
        if (*p < '0' || *p > '9' || k == TOTP_DIGITS)
            return false;
        out[k++] = *p;
    }
    out[k] = '\0';
    return k == TOTP_DIGITS;
}

enum err
totp_verify(const unsigned char *secret, size_t n, const char *code,
            int64_t now, int64_t last_step, int64_t *step_out)
{
    char typed[TOTP_DIGITS + 1], want[TOTP_DIGITS + 1];
    int64_t base = totp_step(now), found = -1;
    if (!code_normalize(code, typed)) {
        crypto_wipe(typed, sizeof(typed));
        return ERR_AUTH_TOTP_INVALID;
    }
    /* Every step is computed and compared; the newest match wins, so a code
     * that happens to repeat in a later step still counts as fresh. */
    for (int64_t d = -1; d <= 1; d++) {
        if (totp_code_at(secret, n, base + d, TOTP_DIGITS, want) != ERR_OK)
            continue; /* a negative step, near the epoch */
        bool eq = crypto_streq(typed, want);
        found = eq ? base + d : found;
    }
    crypto_wipe(typed, sizeof(typed));
    crypto_wipe(want, sizeof(want));
    if (found < 0)
        return ERR_AUTH_TOTP_INVALID;
    if (found <= last_step)
        return ERR_AUTH_TOTP_REPLAY;
    *step_out = found;
    return ERR_OK;
}

/* ===================== otpauth:// URI ===================== */

/* Append s percent-encoded: every byte but the RFC 3986 unreserved ones. */
static enum err
uri_put_encoded(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    enum err rc = ERR_OK;
    for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
        unsigned char c = *p;
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                     (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                     c == '_' || c == '~';
        char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
        rc = plain ? buf_putc(b, (char)c) : buf_append(b, esc, sizeof(esc));
    }
    return rc;
}

char *
totp_uri(const char *issuer, const char *account, const char *b32)
{
    struct buf b;
    buf_init(&b, TOTP_URI_MAX);
    enum err rc = buf_puts(&b, "otpauth://totp/");
    if (!rc)
        rc = uri_put_encoded(&b, issuer);
    if (!rc)
        rc = buf_putc(&b, ':');
    if (!rc)
        rc = uri_put_encoded(&b, account);
    if (!rc)
        rc = buf_puts(&b, "?secret=");
    if (!rc)
        rc = uri_put_encoded(&b, b32);
    if (!rc)
        rc = buf_puts(&b, "&issuer=");
    if (!rc)
        rc = uri_put_encoded(&b, issuer);
    if (!rc)
        rc = buf_printf(&b, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS,
                        TOTP_STEP_SECONDS);
    if (!rc)
        return buf_steal(&b);
    if (b.data)
        crypto_wipe(b.data, b.len); /* it holds the secret */
    buf_free(&b);
    return NULL;
}

/* ===================== QR codes ===================== */

/* Encode text at level M, smallest version that fits; NULL if none does. */
static QRcode *
qr_encode(const char *text)
{
    if (!text || !*text)
        return NULL;
    return QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
}

/* True when module (x, y) is dark; coordinates may fall in the margin. */
static bool
qr_dark(const QRcode *qr, int x, int y)
{
    int w = qr->width;
    return x >= 0 && y >= 0 && x < w && y < w && (qr->data[y * w + x] & 1);
}

/* Append one row of the code as path segments, one per run of dark
 * modules; y is the row's position in the viewBox. */
static enum err
svg_row(struct buf *b, const QRcode *qr, int row, int y)
{
    enum err rc = ERR_OK;
    int x = 0;
    while (x < qr->width && !rc) {
        int run = 0;
        while (qr_dark(qr, x + run, row))
            run++;
        if (run)
            rc = buf_printf(b, "M%d %dh%dv1h-%dz", x + QR_SVG_QUIET, y, run,
                            run);
        x += run ? run : 1;
    }
    return rc;
}

char *
totp_qr_svg(const char *text)
{
    QRcode *qr = qr_encode(text);
    if (!qr)
        return NULL;
    int size = qr->width + 2 * QR_SVG_QUIET;
    struct buf b;
    buf_init(&b, QR_SVG_MAX);
    enum err rc = buf_printf(
        &b,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
        "shape-rendering=\"crispEdges\">"
        "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
        "<path fill=\"#000\" d=\"",
        size, size, size, size);
    for (int row = 0; row < qr->width && !rc; row++)
        rc = svg_row(&b, qr, row, row + QR_SVG_QUIET);
    if (!rc)
        rc = buf_puts(&b, "\"/></svg>\n");
    QRcode_free(qr);
    if (!rc)
        return buf_steal(&b);
    buf_free(&b);
    return NULL;
}

char *
totp_qr_terminal(const char *text)
{
    /* Indexed by top dark + 2 * bottom dark. */
    static const char *const cell[4] = {" ", "▀", "▄", "█"};
    QRcode *qr = qr_encode(text);
    if (!qr)
        return NULL;
    int q = QR_TERM_QUIET, size = qr->width + 2 * q;
    struct buf b;
    buf_init(&b, QR_TERM_MAX);
    enum err rc = ERR_OK;
    for (int y = 0; y < size && !rc; y += 2) {
        for (int x = 0; x < size && !rc; x++) {
            int top = qr_dark(qr, x - q, y - q);
            int bottom = qr_dark(qr, x - q, y + 1 - q);
            rc = buf_puts(&b, cell[top + 2 * bottom]);
        }
        if (!rc)
            rc = buf_putc(&b, '\n');
    }
    QRcode_free(qr);
    if (!rc)
        return buf_steal(&b);
    buf_free(&b);
    return NULL;
}
