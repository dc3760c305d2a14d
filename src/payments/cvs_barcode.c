/*
 * cvs_barcode.c — the GS1-128 barcode of a convenience-store slip (コンビニ
 * 収納代行): its 44 digits taken apart and checked (payments.h has the
 * layout). Pure code.
 */
#include "core/timeutil.h"
#include "payments/payments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cvs_barcode_check_digit(const char *d)
{
    int sum = 0;
    for (int i = 0; i < CVS_BARCODE_DIGITS - 1; i++) {
        int from_right = CVS_BARCODE_DIGITS - 2 - i; /* 0: the last one */
        sum += (d[i] - '0') * (from_right % 2 == 0 ? 3 : 1);
    }
    return (10 - sum % 10) % 10;
}

/* n digits at p as a number. */
static int64_t
digits_value(const char *p, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

enum err
cvs_barcode_parse(const char *s, struct cvs_barcode *out)
{
    char d[CVS_BARCODE_DIGITS + 1];
    size_t n = 0;
    memset(out, 0, sizeof(*out));
    for (; *s; s++) {
        if (strchr("() -", *s))
            continue;
        if (*s < '0' || *s > '9')
            return err_fail(ERR_CVS_BARCODE,
                            "バーコードに数字以外の文字があります");
        if (n == CVS_BARCODE_DIGITS)
            return err_fail(ERR_CVS_BARCODE, "バーコードが 44 桁より長いです");
        d[n++] = *s;
    }
    d[n] = '\0';
    if (n != CVS_BARCODE_DIGITS)
        return err_fail(ERR_CVS_BARCODE,
                        "バーコードは 44 桁です（%zu 桁あります）", n);
    if (strncmp(d, "91", 2))
        return err_fail(ERR_CVS_BARCODE,
                        "収納代行のバーコードは 91 で始まります");
    int cd = cvs_barcode_check_digit(d);
    if (d[43] - '0' != cd)
        return err_fail(ERR_CVS_BARCODE,
                        "チェックデジットが合いません（読み取りか入力の"
                        "誤り）");
    memcpy(out->biller, d + 2, 6);
    out->biller[6] = '\0';
    /* the free area: 21 digits; an invoice number has at most 15 */
    if (strspn(d + 8, "0") < 6)
        return err_fail(ERR_CVS_BARCODE,
                        "自由使用欄が請求書番号（15 桁まで）ではありません");
    out->invoice_number = digits_value(d + 14, 15);
    if (out->invoice_number <= 0)
        return err_fail(ERR_CVS_BARCODE, "自由使用欄に請求書番号がありません");
    out->reissue = d[29] - '0';
    snprintf(out->pay_by, sizeof(out->pay_by), "20%.2s-%.2s-%.2s", d + 30,
             d + 32, d + 34);
    if (!time_date_valid(out->pay_by))
        return err_fail(ERR_CVS_BARCODE,
                        "支払期限日（31–36 桁目）が日付ではありません");
    if (d[36] != '0' && d[36] != '1')
        return err_fail(ERR_CVS_BARCODE, "印紙フラグ（37 桁目）は 0 か 1 です");
    out->stamp = d[36] == '1';
    out->amount_yen = digits_value(d + 37, 6);
    if (out->amount_yen <= 0)
        return err_fail(ERR_CVS_BARCODE, "バーコードの金額が 0 円です");
    return ERR_OK;
}
