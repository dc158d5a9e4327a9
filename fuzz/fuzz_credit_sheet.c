/*
 * fuzz_credit_sheet.c — libFuzzer target for the credit records' import
 * (domain/credit.h credit_rows_read): the sheet reader (CSV or XLSX), the
 * header mapping, dates, kinds, USCCs and the field checks, which is every
 * step of an import before the store.
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks what the
 * reader promises: a refusal is one of its two codes (or ERR_INTERNAL for
 * memory) and a row refusal names its row and field; a success gives rows
 * with a valid normalised USCC, a known kind, a date, and an expiry after
 * the date when there is one.
 *
 * Seeds: fuzz/corpus/credit_sheet/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/credit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_credit_sheet: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct credit_rows rows;
    struct credit_refusal why;
    enum err e = credit_rows_read(&rows, data, size, &why);
    if (e == ERR_IMPORT_ROW_INVALID) {
        if (why.row <= 0 || why.field == NULL)
            fail("a row refusal without its row and field");
    } else if (e == ERR_OK) {
        for (size_t i = 0; i < rows.n; i++) {
            const struct credit_record *r = &rows.rows[i];
            char norm[USCC_LEN + 1];
            if (!uscc_valid(r->org_uscc, norm) || strcmp(norm, r->org_uscc) != 0)
                fail("a row with a bad USCC");
            if (credit_kind_parse(r->kind) == NULL || strcmp(credit_kind_parse(r->kind), r->kind))
                fail("a row with a bad kind");
            if (r->record_ms <= 0 || (r->expires_ms != 0 && r->expires_ms <= r->record_ms))
                fail("a row with bad dates");
        }
    } else if (e != ERR_SPREADSHEET_INVALID && e != ERR_INTERNAL) {
        fail("an unexpected code");
    }
    credit_rows_release(&rows);
    return 0;
}
