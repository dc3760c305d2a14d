/*
 * fuzz_zengin.c — libFuzzer target for the Zengin files
 * (src/payments/zengin.c, zengin_kana.c): any bytes through the reader,
 * as a bank's result and as a request, and through the name conversion.
 *
 * Checks what zengin.h promises. The reader either refuses with
 * ERR_ZENGIN_FORMAT (ERR_TOO_LARGE past ZENGIN_FILE_MAX), a record number
 * inside the input and a field from the layout, leaving nothing
 * allocated; or it returns records whose trailer adds up, whose numeric
 * fields are digits and whose text is JIS X 0201. A file read that way,
 * when its names are in the Zengin set and its values in the writer's
 * ranges, is written again by the writer and reads back the same.
 * zengin_kana() writes only bytes of the Zengin set, exactly the width,
 * refuses with the position of a character inside the input, and is
 * idempotent: its output, shown as UTF-8 and converted again, is the
 * same bytes.
 */
#include "payments/zengin.h"

#include <stdlib.h>
#include <string.h>

/* A byte of the Zengin character set (zengin.h). */
static bool
zengin_byte(unsigned char b)
{
    return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') ||
           (b && strchr(" (),-./\\", b)) || b == 0xA2 || b == 0xA3 ||
           b == 0xA6 || (b >= 0xB0 && b <= 0xDF);
}

static bool
all_zengin(const char *s)
{
    for (; *s; s++)
        if (!zengin_byte((unsigned char)*s))
            return false;
    return true;
}

static bool
all_digits(const char *s, size_t len)
{
    return strlen(s) == len && strspn(s, "0123456789") == len;
}

static bool
jis_text(const char *s, size_t max)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x20 || (b >= 0x7F && b <= 0xA0) || b > 0xDF)
            return false;
    }
    return n <= max && (!n || s[n - 1] != ' ');
}

static void
check_refusal(enum err rc, const struct zengin_fault *fault,
              const struct zengin_file *f, size_t size)
{
    size_t n;
    const struct zengin_field *layout = zengin_layout(&n);
    bool named = !fault->field;
    if (rc == ERR_TOO_LARGE && size > ZENGIN_FILE_MAX)
        return;
    if (rc != ERR_ZENGIN_FORMAT || fault->line < 1 ||
        fault->line > size / ZENGIN_RECORD_LEN + 2 || fault->offset > size ||
        f->records || f->n_records)
        abort();
    for (size_t i = 0; !named && i < n; i++)
        named = !strcmp(fault->field, layout[i].name);
    if (!named)
        abort();
}

static void
check_records(const struct zengin_file *f, enum zengin_kind kind)
{
    struct zengin_totals t = {0};
    const struct zengin_header *h = &f->header;
    if (!all_digits(h->requester_code, 10) || !all_digits(h->debit_date, 4) ||
        !all_digits(h->bank_code, 4) || !all_digits(h->branch_code, 3) ||
        !all_digits(h->account_number, 7) || !jis_text(h->requester_name, 40) ||
        !jis_text(h->bank_name, 15) || !jis_text(h->branch_name, 15))
        abort();
    for (size_t i = 0; i < f->n_records; i++) {
        const struct zengin_record *r = &f->records[i];
        if (r->line != i + 2 || !zengin_result_name(r->result) ||
            (kind == ZENGIN_REQUEST && r->result) ||
            !all_digits(r->customer_number, 20) ||
            !all_digits(r->account_number, 7) || r->amount_yen < 0 ||
            r->amount_yen > ZENGIN_AMOUNT_MAX ||
            !jis_text(r->depositor_name, 30))
            abort();
        t.count++;
        t.amount_yen += r->amount_yen;
        t.debited_count += r->result == 0;
        t.debited_yen += r->result == 0 ? r->amount_yen : 0;
    }
    if (t.count != f->totals.count || t.amount_yen != f->totals.amount_yen ||
        f->totals.debited_count + f->totals.failed_count !=
            (kind == ZENGIN_RESULT ? t.count : 0) ||
        (kind == ZENGIN_RESULT && (t.debited_count != f->totals.debited_count ||
                                   t.debited_yen != f->totals.debited_yen)))
        abort();
}

/* The UTF-8 of a read name, for the writer. */
static const char *
utf8(const char *jis, char *out, size_t cap)
{
    if (!zengin_text_utf8(jis, out, cap))
        abort();
    return out;
}

/* Names as the writer leaves them: no leading spaces. */
static bool
same_name(const char *a, const char *b)
{
    while (*a == ' ')
        a++;
    while (*b == ' ')
        b++;
    return !strcmp(a, b);
}

static bool
names_in_set(const struct zengin_file *f)
{
    if (!all_zengin(f->header.requester_name) ||
        !all_zengin(f->header.bank_name) || !all_zengin(f->header.branch_name))
        return false;
    for (size_t i = 0; i < f->n_records; i++)
        if (!all_zengin(f->records[i].bank_name) ||
            !all_zengin(f->records[i].branch_name) ||
            !all_zengin(f->records[i].depositor_name))
            return false;
    return true;
}

static void
compare(const struct zengin_file *a, const struct zengin_file *b)
{
    if (a->n_records != b->n_records ||
        strcmp(a->header.requester_code, b->header.requester_code) ||
        !same_name(a->header.requester_name, b->header.requester_name) ||
        strcmp(a->header.account_number, b->header.account_number))
        abort();
    for (size_t i = 0; i < a->n_records; i++) {
        const struct zengin_record *x = &a->records[i], *y = &b->records[i];
        if (strcmp(x->customer_number, y->customer_number) ||
            strcmp(x->bank_code, y->bank_code) ||
            strcmp(x->account_number, y->account_number) ||
            x->amount_yen != y->amount_yen || x->new_code != y->new_code ||
            x->account_type != y->account_type ||
            !same_name(x->depositor_name, y->depositor_name) ||
            !same_name(x->branch_name, y->branch_name))
            abort();
    }
}

/* Write one read record again as a debit. */
static enum err
rewrite_debit(struct zengin_writer *w, const struct zengin_record *r)
{
    char bank[64], branch[64], name[128];
    struct zengin_debit d = {
        r->bank_code,
        utf8(r->bank_name, bank, sizeof(bank)),
        r->branch_code,
        utf8(r->branch_name, branch, sizeof(branch)),
        r->account_type,
        r->account_number,
        utf8(r->depositor_name, name, sizeof(name)),
        r->amount_yen,
        r->new_code,
        r->customer_number,
    };
    return zengin_write_debit(w, &d, NULL);
}

/* Write f again as a request and read it back. */
static void
check_rewrite(const struct zengin_file *f)
{
    char rname[160], bank[64], branch[64];
    const struct zengin_header *h = &f->header;
    struct zengin_requester r = {
        h->requester_code,
        utf8(h->requester_name, rname, sizeof(rname)),
        h->debit_date,
        h->bank_code,
        utf8(h->bank_name, bank, sizeof(bank)),
        h->branch_code,
        utf8(h->branch_name, branch, sizeof(branch)),
        h->account_type,
        h->account_number,
    };
    struct buf out;
    struct zengin_writer w;
    struct zengin_file back;
    if (!names_in_set(f))
        return;
    buf_init(&out, ZENGIN_FILE_MAX);
    zengin_writer_init(&w, &out, f->eol, 0);
    enum err rc = zengin_write_header(&w, &r, NULL);
    for (size_t i = 0; !rc && i < f->n_records; i++)
        rc = rewrite_debit(&w, &f->records[i]);
    if (!rc)
        rc = zengin_write_end(&w, NULL);
    if (rc && rc != ERR_ZENGIN_FIELD) /* the reader takes what we refuse */
        abort();
    if (!rc) {
        if (zengin_read(out.data, out.len, ZENGIN_REQUEST, &back, NULL))
            abort();
        compare(f, &back);
        zengin_file_free(&back);
    }
    buf_free(&out);
}

static void
check_read(const uint8_t *data, size_t size, enum zengin_kind kind)
{
    struct zengin_file f;
    struct zengin_fault fault;
    enum err rc = zengin_read((const char *)data, size, kind, &f, &fault);
    if (rc) {
        check_refusal(rc, &fault, &f, size);
        return;
    }
    check_records(&f, kind);
    check_rewrite(&f);
    zengin_file_free(&f);
}

static void
check_kana(const uint8_t *data, size_t size, unsigned flags)
{
    char in[1024], out[31], shown[128], again[31];
    struct zengin_fault fault = {0};
    bool cut = false;
    if (size >= sizeof(in))
        size = sizeof(in) - 1;
    memcpy(in, data, size);
    in[size] = '\0';
    enum err rc = zengin_kana(in, flags, out, 30, &cut, &fault);
    if (rc) {
        if (rc != ERR_ZENGIN_KANA || fault.pos < 1 || fault.pos > size)
            abort();
        return;
    }
    out[30] = '\0';
    if (!all_zengin(out) || (cut && !(flags & ZENGIN_KANA_TRUNCATE)))
        abort();
    if (!zengin_text_utf8(out, shown, sizeof(shown)) ||
        zengin_kana(shown, 0, again, 30, &cut, NULL) || cut ||
        memcmp(out, again, 30))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_read(data, size, ZENGIN_RESULT);
    check_read(data, size, ZENGIN_REQUEST);
    check_kana(data, size, 0);
    check_kana(data, size, ZENGIN_KANA_TRUNCATE);
    return 0;
}
