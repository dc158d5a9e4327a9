/*
 * fuzz/sheet_check.h — what the expert pool's spreadsheet readers
 * (sheet/sheet.h: CSV, XLSX) and the importer (expert_import_rows,
 * expert_input_check) promise, checked by the fuzz targets
 * fuzz_expert_csv.c and fuzz_expert_xlsx.c, which define FUZZ_NAME (for
 * the message) before including this file and call fuzz_sheet_run:
 *   - a reader failure leaves an empty sheet and a printable message;
 *   - a success gives rows in increasing line order, every cell valid UTF-8
 *     without NUL, within the limits;
 *   - the importer's refusal is one of its two codes and names the row;
 *     its success gives rows with a valid code each, unique.
 * A header of static functions: each target is its own program.
 */
#ifndef SUNBID_FUZZ_SHEET_CHECK_H
#define SUNBID_FUZZ_SHEET_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonr.h"
#include "domain/expert.h"
#include "sheet/sheet.h"

static void fail(const char *what, size_t size)
{
    fprintf(stderr, "%s: %s (input of %zu bytes)\n", FUZZ_NAME, what, size);
    abort();
}

/* The reader's promises on a sheet it returned. */
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

/* The importer's promises on the rows it read from the sheet. */
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

/* Reads data with read and checks the result: a failure leaves an empty
 * sheet and a printable message; a success passes check_sheet and
 * check_import. lim is the target's limits. */
static int fuzz_sheet_run(const uint8_t *data, size_t size, const struct sheet_limits *lim,
                          int (*read)(struct sheet *, const void *, size_t,
                                      const struct sheet_limits *, struct sheet_error *))
{
    struct sheet s;
    struct sheet_error err;
    sheet_init(&s);
    int rc = read(&s, data, size, lim, &err);
    if (rc != SHEET_OK) {
        if (s.nrows != 0 || err.msg[0] == '\0')
            fail("a failure left rows or no message", size);
        for (const char *p = err.msg; *p; p++)
            if ((unsigned char)*p < 0x20)
                fail("an unprintable message", size);
    } else {
        check_sheet(&s, lim, size);
        check_import(&s, size);
    }
    sheet_release(&s);
    return 0;
}

#endif
