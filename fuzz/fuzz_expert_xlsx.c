/*
 * fuzz_expert_xlsx.c — libFuzzer target for the expert pool's XLSX import:
 * the XLSX reader (sheet/xlsx.c: libzip, libxml2, the package and workbook
 * relationships, shared strings, cells) and the importer's reading of the
 * table (expert_import_rows: header mapping, list
 * cells, day ranges) and field checks (expert_input_check), which is every
 * step of an import before the store.
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks what they
 * promise:
 *   - a reader failure leaves an empty sheet and a printable message (a
 *     DOCTYPE, a part past its size, a damaged zip among them);
 *   - a success gives rows in increasing line order, every cell valid UTF-8
 *     without NUL, within the limits;
 *   - the importer's refusal is one of its two codes and names the row;
 *     its success gives rows with a valid code each, unique.
 *
 * Seeds: fuzz/corpus/expert_xlsx/. Run: fuzz/run BUILD_DIR SECONDS
 * expert_xlsx, or replay the corpus through fuzz/replay.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonr.h"
#include "domain/expert.h"
#include "sheet/sheet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t size)
{
    fprintf(stderr, "fuzz_expert_xlsx: %s (input of %zu bytes)\n", what, size);
    abort();
}

/* The checks on a sheet (as in fuzz_expert_csv.c). */
static void check_sheet(const struct sheet *s, const struct sheet_limits *lim, size_t size)
{
    size_t last = 0;
    for (size_t i = 0; i < s->nrows; i++) {
        const struct sheet_row *r = &s->rows[i];
        if (r->line <= last && i > 0)
            fail("rows out of order", size);
        last = r->line;
        if (r->ncells > lim->max_cols)
            fail("a row past the column limit", size);
        bool blank = true;
        for (size_t k = 0; k < r->ncells; k++) {
            size_t n = strlen(r->cells[k]);
            if (n > lim->max_cell || !jsonr_utf8_valid(r->cells[k], n))
                fail("a cell past the limit or not UTF-8", size);
            if (n > 0)
                blank = false;
        }
        if (blank)
            fail("a blank row was kept", size);
    }
}

static void check_import(const struct sheet *s, size_t size)
{
    struct arena a;
    struct expert_import_row *rows = NULL;
    struct expert_refusal why;
    int n = 0;
    arena_init(&a, 0);
    enum err e = expert_import_rows(s, &a, &rows, &n, &why);
    if (e == ERR_OK) {
        for (int i = 0; i < n; i++) {
            if (rows[i].in.code == NULL || rows[i].in.code[0] == '\0')
                fail("an imported row without a code", size);
            for (int k = 0; k < i && n < 200; k++)
                if (strcmp(rows[k].in.code, rows[i].in.code) == 0)
                    fail("a code twice", size);
            struct expert_refusal w2;
            enum err c1 = expert_input_check(&rows[i].in, true, &w2);
            enum err c2 = expert_input_check(&rows[i].in, false, &w2);
            if ((c1 != ERR_OK && w2.field == NULL && c2 == ERR_OK) || err_status(c1) < 200 ||
                err_status(c2) < 200)
                fail("a check without a field", size);
        }
    } else if (e != ERR_SPREADSHEET_INVALID && e != ERR_IMPORT_ROW_INVALID && e != ERR_INTERNAL) {
        fail("an unexpected refusal", size);
    } else if (e == ERR_IMPORT_ROW_INVALID && (why.row <= 0 || why.field == NULL)) {
        fail("a row refusal without its row or field", size);
    }
    arena_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sheet s;
    struct sheet_error err;
    struct sheet_limits lim = sheet_default_limits;
    lim.max_rows = 500;
    sheet_init(&s);
    lim.max_part = 1u << 20; /* keep each run quick */
    int rc = sheet_read_xlsx(&s, data, size, &lim, &err);
    if (rc != SHEET_OK) {
        if (s.nrows != 0 || err.msg[0] == '\0')
            fail("a failure left rows or no message", size);
        for (const char *p = err.msg; *p; p++)
            if ((unsigned char)*p < 0x20)
                fail("an unprintable message", size);
    } else {
        check_sheet(&s, &lim, size);
        check_import(&s, size);
    }
    sheet_release(&s);
    return 0;
}
