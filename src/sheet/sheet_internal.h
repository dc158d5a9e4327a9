/*
 * sheet_internal.h — what the CSV and XLSX readers share (src/sheet/ only).
 */
#ifndef SUNBID_SHEET_INTERNAL_H
#define SUNBID_SHEET_INTERNAL_H

#include "sheet/sheet.h"

/* Fills err (row, printf message made printable) and returns rc. */
int sheet_fail(struct sheet_error *err, size_t row, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds one row of n cells (cells[i] holds lens[i] bytes, not necessarily
 * NUL-terminated), checking UTF-8 and the limits; a row whose every cell is
 * empty is not kept. Returns a SHEET_* code. */
int sheet_add_row(struct sheet *s, const struct sheet_limits *lim, size_t line, char **cells,
                  const size_t *lens, size_t n, struct sheet_error *err);

#endif
