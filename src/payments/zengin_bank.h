/*
 * zengin_bank.h — the bank's statements of money received, in the 全銀協
 * fixed-length format: 振込入金通知 (kind code 01, the transfers credited
 * to the retailer's account) and 入出金取引明細 (kind code 03, every
 * movement of the account). Pure code: bytes in, records out; no store,
 * no HTTP, no file I/O. bank_import.c turns the credits into
 * bank_transfers.
 *
 * Records are 200 bytes of JIS X 0201 8-bit text (コード区分 0), numeric
 * fields right-aligned zero-filled, text left-aligned space-filled, as in
 * the 120-byte direct-debit files (zengin.h): the same line-end rules (back
 * to back, or CR LF after each; one final 0x1A ignored). A file is one or
 * more groups — header (1), data (2)…, trailer (8), one per account — and
 * one end record (9). Dates are 和暦 YYMMDD, read as 令和 (YY 01 = 2019):
 * the format predates the era and banks still write it so.
 *
 *   振込入金通知 (01)
 *   header (1)            pos len   data (2)                 pos len
 *   record_type "1"     N   1   1   record_type "2"       N   1   1
 *   kind_code "01"      N   2   2   reference 照会番号     N   2   6
 *   code_set "0"        N   4   1   booked_on 勘定日       N   8   6
 *   created_on 作成日   N   5   6   value_on 起算日        N  14   6
 *   from 勘定日(自)      N  11   6   amount 金額            N  20  10
 *   to 勘定日(至)        N  17   6   other_bank 他店券金額  N  30  10
 *   bank_code           N  23   4   payer_code 依頼人コード N  40  10
 *   bank_name           C  27  15   payer_name 依頼人名    C  50  48
 *   branch_code         N  42   3   from_bank 仕向銀行名   C  98  15
 *   branch_name         C  45  15   from_branch 仕向店名   C 113  15
 *   account_type        N  60   1   cancel 取消区分        C 128   1
 *   account_number      N  61   7   edi EDI情報            C 129  20
 *   account_name        C  68  40   filler                    149  52
 *   filler                108  93
 *   trailer (8): record_type 1, credit_count 入金件数 N 2/6, credit_amount
 *   入金額合計 N 8/12, cancel_count 取消件数 N 20/6, cancel_amount 取消金額
 *   合計 N 26/12, filler 38/163. Cancellations (取消区分 1) count only in
 *   the cancel figures; 取消区分 is space or 0 otherwise.
 *
 *   入出金取引明細 (03)
 *   header (1)            pos len   data (2)                 pos len
 *   record_type "1"     N   1   1   record_type "2"       N   1   1
 *   kind_code "03"      N   2   2   reference 照会番号     N   2   8
 *   code_set "0"        N   4   1   booked_on 勘定日       N  10   6
 *   created_on          N   5   6   value_on 預入払出日    N  16   6
 *   from                N  11   6   direction 入払区分     N  22   1
 *   to                  N  17   6   txn_kind 取引区分      N  23   2
 *   bank_code           N  23   4   amount 取引金額        N  25  12
 *   bank_name           C  27  15   other_bank 他店券金額  N  37  12
 *   branch_code         N  42   3   (交換呈示日, 不渡返還日,
 *   branch_name         C  45  15    手形区分, 手形番号, 僚店番号:
 *   filler              N  60   3    fillers here)            49  23
 *   account_type        N  63   1   payer_code 依頼人コード N  72  10
 *   account_number      N  64  10   payer_name 依頼人名    C  82  48
 *   account_name        C  74  40   from_bank 仕向銀行名   C 130  15
 *   overdraft 貸越区分  N 114   1   from_branch 仕向店名   C 145  15
 *   passbook 通帳区分   N 115   1   summary 摘要内容       C 160  20
 *   balance_before      N 116  14   edi EDI情報            C 180  20
 *   filler                130  71   filler                    200   1
 *   trailer (8): credit_count N 2/7, credit_amount N 9/13, debit_count N
 *   22/7, debit_amount N 29/13, overdraft N 42/1, balance_after N 43/14,
 *   record_count N 57/7, filler 64/137. 入払区分 1 is a credit (入金), 2 a
 *   debit (出金); 取引区分 11 is a transfer (振込), 10 cash, 12 他店券,
 *   13 交換, 14 振替, 18 other, 19 a correction.
 *
 * This is the standard layout as banks reproduce it; like zengin.c's,
 * the table is one array in zengin_bank.c, where a bank's variant goes.
 * The reader checks what it can without the bank: record lengths and
 * order, kind code 01 or 03 (the same in every group), code set 0,
 * digits in numeric fields, real dates, JIS X 0201 text, 入払区分 1/2,
 * 取消区分, and each trailer's counts and sums against its group. It
 * does not check the balance carried from header to trailer. Errors are
 * ERR_BANK_STATEMENT_FORMAT with the place in Japanese in err_detail()
 * and in struct zengin_fault (line, offset, the layout's field name).
 */
#ifndef PL_PAYMENTS_ZENGIN_BANK_H
#define PL_PAYMENTS_ZENGIN_BANK_H

#include "core/err.h"
#include "payments/zengin.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZBANK_RECORD_LEN  200
#define ZBANK_MAX_RECORDS 200000 /* data records per file, all groups */
#define ZBANK_FILE_MAX    (16u << 20)

enum zbank_kind {
    ZBANK_DEPOSIT_NOTICE = 1, /* 01 振込入金通知 */
    ZBANK_STATEMENT = 3,      /* 03 入出金取引明細 */
};

#define ZBANK_TXN_TRANSFER 11 /* 取引区分 振込 */

/* One group's header: the account the statement is about. Text is the
 * file's JIS X 0201 bytes without the padding (zengin_text_utf8()). */
struct zbank_account {
    size_t line;                           /* the header's record number */
    char created_on[11], from[11], to[11]; /* YYYY-MM-DD */
    char bank_code[5];
    char bank_name[16];
    char branch_code[4];
    char branch_name[16];
    int account_type;
    char account_number[11]; /* 7 digits (01) or 10 (03), as written */
    char account_name[41];
    size_t first, count; /* its entries in zbank_file.entries */
};

/* One data record. */
struct zbank_entry {
    size_t line;        /* its record number in the file */
    size_t account;     /* index into zbank_file.accounts */
    char reference[9];  /* 照会番号 as written (6 or 8 digits) */
    char booked_on[11]; /* 勘定日 YYYY-MM-DD */
    char value_on[11];  /* 起算日 / 預入・払出日, "" when zero */
    bool credit;        /* 入金: always in 01, 入払区分 1 in 03 */
    int txn_kind;       /* 取引区分 (03); ZBANK_TXN_TRANSFER in 01 */
    bool cancelled;     /* 01: 取消区分 1 */
    int64_t amount_yen;
    int64_t other_bank_yen;
    char payer_code[11];
    char payer_name[49];
    char from_bank[16];
    char from_branch[16];
    char summary[21]; /* 摘要 (03) */
    char edi[21];
};

/* A file as read; zbank_file_free() releases it. */
struct zbank_file {
    enum zbank_kind kind;
    enum zengin_eol eol;
    struct zbank_account *accounts;
    size_t n_accounts;
    struct zbank_entry *entries; /* in file order */
    size_t n_entries;
};

/*
 * Parse the n bytes at p (not kept) into *f. ERR_BANK_STATEMENT_FORMAT
 * with fault (may be NULL) naming the record and field; ERR_TOO_LARGE
 * past ZBANK_FILE_MAX. On error *f is empty and needs no free.
 */
enum err zbank_read(const char *p, size_t n, struct zbank_file *f,
                    struct zengin_fault *fault);
void zbank_file_free(struct zbank_file *f);

/* 和暦 (令和) "YYMMDD" → "YYYY-MM-DD"; false when not a real date. */
bool zbank_date(const char *yymmdd, char out[11]);

#endif
