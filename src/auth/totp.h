/*
 * totp.h — the second factor: time-based one-time passwords (RFC 6238).
 *
 *   secret     20 random bytes per user (160 bits, as RFC 4226 recommends),
 *              shown once at enrolment as base32 (RFC 4648, upper case, no
 *              padding) and as an otpauth:// URI in a QR code.
 *   code       HMAC-SHA1 HOTP (RFC 4226) of the time step, 6 digits.
 *   step       floor(unix time / 30). A code is accepted for the current
 *              step and one step either side (clock drift, slow typing).
 *   replay     each user keeps last_step, the step of the last code accepted;
 *              a code whose step is not newer is refused even when right, so
 *              a code seen over a shoulder cannot be used a second time.
 *
 * Everything here is pure computation; storing the secret and last_step is
 * the caller's business.
 */
#ifndef PL_AUTH_TOTP_H
#define PL_AUTH_TOTP_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

#define TOTP_SECRET_BYTES 20 /* 160-bit secret, as RFC 4226 recommends */
#define TOTP_STEP_SECONDS 30
#define TOTP_DIGITS       6
#define TOTP_B32_MAX      40   /* base32 of 20 bytes is 32 chars; + NUL */
#define TOTP_URI_MAX      4096 /* longest otpauth:// URI totp_uri() makes */

/* A new random secret of TOTP_SECRET_BYTES bytes into out. */
void totp_secret_new(unsigned char out[TOTP_SECRET_BYTES]);

/*
 * RFC 4648 base32 (upper case, no padding) of secret[0..n) into out, which
 * has room for outlen bytes including the NUL. ERR_TOO_LARGE when out is too
 * small (it needs ceil(8n / 5) + 1 bytes); out is then "" if outlen > 0.
 */
enum err totp_secret_to_base32(const unsigned char *secret, size_t n, char *out,
                               size_t outlen);

/*
 * Decode base32 b32 into out, which has room for *n bytes; *n is set to the
 * decoded length. Letters may be either case; ASCII white space and '=' are
 * ignored wherever they appear. ERR_INVALID when a character is outside the
 * alphabet, the length cannot come from whole bytes, or the unused trailing
 * bits are not zero; ERR_TOO_LARGE when the result would not fit. *n is 0
 * after an error.
 */
enum err totp_secret_from_base32(const char *b32, unsigned char *out,
                                 size_t *n);

/* The time step containing unix time now: floor(now / 30), also for
 * negative times. */
int64_t totp_step(int64_t now);

/*
 * The HOTP code of secret[0..n) for time step step, digits 6 or 8, HMAC-SHA1,
 * into out (digits + 1 bytes, NUL-terminated, leading zeros kept).
 * ERR_INVALID for another digit count, a negative step or an empty secret;
 * ERR_INTERNAL if liboath fails.
 */
enum err totp_code_at(const unsigned char *secret, size_t n, int64_t step,
                      unsigned digits, char *out);

/*
 * Verify a 6-digit code typed at unix time now, accepting the steps now-1,
 * now and now+1. ASCII spaces anywhere in code are ignored ("123 456"); what
 * is left must be exactly 6 ASCII digits. last_step is the step of the last
 * code this user had accepted (-1 if none). Codes are compared in constant
 * time and all three steps are always computed.
 *
 * ERR_OK with *step_out set to the matched step, which the caller stores as
 * the user's new last_step; ERR_AUTH_TOTP_REPLAY when the code is right but
 * its step is <= last_step; ERR_AUTH_TOTP_INVALID when the code is wrong or
 * malformed. *step_out is untouched on failure.
 */
enum err totp_verify(const unsigned char *secret, size_t n, const char *code,
                     int64_t now, int64_t last_step, int64_t *step_out);

/*
 * The key URI authenticator apps read from the enrolment QR code:
 * otpauth://totp/ISSUER:ACCOUNT?secret=B32&issuer=ISSUER&algorithm=SHA1
 * &digits=6&period=30, with ISSUER and ACCOUNT percent-encoded byte by byte
 * (every byte but A-Z a-z 0-9 - . _ ~), so UTF-8 names such as 静岡ガス work.
 * Returns an xmalloc'd string the caller frees with free(); NULL when the
 * URI would be longer than TOTP_URI_MAX bytes.
 */
char *totp_uri(const char *issuer, const char *account, const char *b32);

/*
 * A QR code (error correction level M) of text as a standalone SVG
 * document: a viewBox in modules, a white background, one <path> of the
 * dark modules, a 4-module quiet zone, shape-rendering="crispEdges".
 * Returns an xmalloc'd string the caller frees with free(); NULL when text
 * is too long for a QR code.
 */
char *totp_qr_svg(const char *text);

/*
 * A QR code (level M) of text for a terminal: UTF-8 text using the half
 * blocks ▀ ▄ █ and spaces, two module rows per line, dark modules drawn as
 * blocks, a 2-module quiet zone, each line ending in '\n'. Returns an
 * xmalloc'd string the caller frees with free(); NULL when text is too long
 * for a QR code.
 */
char *totp_qr_terminal(const char *text);

#endif
