/*
 * sheet.h — tables of text cells in and out of CSV and XLSX files, for the
 * imports and exports an operator does with a spreadsheet (the expert pool,
 * the specialty list; the bills of quantities later).
 *
 * Reading turns a file into rows of NUL-terminated UTF-8 cells and nothing
 * more: what a column means is the caller's business. Two readers:
 *
 *   CSV   RFC 4180 (csv.c): fields may be quoted ("a,b", "say ""x"""),
 *         quoted fields may hold line breaks, records end with LF or CRLF,
 *         blank lines are skipped, a UTF-8 byte order mark is skipped. Input
 *         that is not valid UTF-8 is read as GB 18030 (what Excel writes for
 *         "CSV" on a Chinese Windows) and converted with iconv; input that
 *         is neither is refused.
 *   XLSX  the first worksheet of an Office Open XML workbook (xlsx.c), read
 *         with libzip (the package) and libxml2's xmlTextReader (the XML),
 *         both Debian packages the DOCX reader uses too: the part names are
 *         followed through the package and workbook relationships, shared
 *         strings, inline strings, numbers (as their text), booleans and
 *         formula results are read, phonetic runs are skipped. A DOCTYPE is
 *         refused (OOXML never has one), which closes the door on entity
 *         expansion. Debian has no C library that reads XLSX (libfreexl
 *         reads only .xls; xlsxio is not packaged), so these two well-kept
 *         libraries carry the format and only the SpreadsheetML walk is ours.
 *
 * Every reader is bounded by struct sheet_limits: rows, columns, bytes of a
 * cell, and the uncompressed bytes of any XML part (a zip bomb stops there,
 * checked against the stored size before inflating and again while
 * reading). Errors carry the 1-based row and a printable message.
 *
 * Writing: sheet_csv_row() appends one CSV record (quoted where needed,
 * CRLF); struct sheet_xlsx writes a workbook with one worksheet through
 * Debian's libxlsxwriter, which writes to a file: a temporary file is used
 * and read back into memory.
 *
 * Thread-safe: no shared state; one sheet per thread at a time.
 */
#ifndef SUNBID_SHEET_H
#define SUNBID_SHEET_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"

#define SHEET_XLSX_MEDIA "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define SHEET_CSV_MEDIA  "text/csv; charset=utf-8"

enum sheet_rc {
    SHEET_OK = 0,
    SHEET_EINPUT = -1,  /* not a valid file; err says where and why */
    SHEET_ETOOBIG = -2, /* past a limit */
    SHEET_ENOMEM = -3,  /* out of memory */
    SHEET_EIO = -4      /* a temporary file could not be written or read */
};

struct sheet_limits {
    size_t max_rows;  /* rows kept (blank ones are not kept) */
    size_t max_cols;  /* cells in one row */
    size_t max_cell;  /* bytes of one cell */
    size_t max_part;  /* XLSX: uncompressed bytes of one XML part */
    size_t max_bytes; /* bytes of all cells together */
};

/* Limits for a few thousand rows of short text. */
extern const struct sheet_limits sheet_default_limits;

struct sheet_error {
    size_t row;    /* 1-based row (CSV: line of the record's start); 0: not about a row */
    char msg[200]; /* printable, without the row number */
};

struct sheet_row {
    size_t line;        /* 1-based: CSV line of the record's start, XLSX row number */
    size_t ncells;      /* cells, trailing empty ones included as read */
    const char **cells; /* ncells NUL-terminated UTF-8 strings, owned by the sheet */
};

struct sheet {
    struct sheet_row *rows; /* nrows, in file order, blank rows left out */
    size_t nrows;
    size_t cap;      /* rows allocated */
    size_t bytes;    /* cell bytes so far, against max_bytes */
    struct arena a;  /* every cell and cells array */
    bool utf8_input; /* CSV: the input was UTF-8 (false: converted from GB 18030) */
};

void sheet_init(struct sheet *s);
void sheet_release(struct sheet *s); /* frees everything; safe on an empty sheet */

/* The cell (row, col) or "" when the row is shorter. */
const char *sheet_cell(const struct sheet *s, size_t row, size_t col);

/* Parse len bytes into s (sheet_init'ed by the caller; released on failure
 * too, so the caller always calls sheet_release). */
int sheet_read_csv(struct sheet *s, const void *data, size_t len, const struct sheet_limits *lim,
                   struct sheet_error *err);
int sheet_read_xlsx(struct sheet *s, const void *data, size_t len, const struct sheet_limits *lim,
                    struct sheet_error *err);
/* XLSX when the data starts with a zip signature, CSV otherwise. */
int sheet_read(struct sheet *s, const void *data, size_t len, const struct sheet_limits *lim,
               struct sheet_error *err);
/* True when data looks like a zip archive (an XLSX file). */
bool sheet_is_zip(const void *data, size_t len);

/* Appends one CSV record of n cells (NULL is empty) with CRLF. A cell is
 * quoted when it holds a comma, a quote, CR or LF, or starts or ends with
 * a blank. A cell that starts with = + - @ gets a leading apostrophe
 * inside the quotes, so a spreadsheet does not run it as a formula (CSV
 * injection); sheet_read_csv() does not undo that, the importer does
 * (sheet_unguard). Returns a BUF_* code. */
int sheet_csv_row(struct buf *out, const char *const *cells, size_t n);
/* The cell without the formula guard sheet_csv_row() added. */
const char *sheet_unguard(const char *cell);

/* One workbook with one worksheet, written row by row. */
struct sheet_xlsx;
/* Starts a workbook whose worksheet is called `name` (ASCII or UTF-8, at
 * most 31 characters). NULL on failure. */
struct sheet_xlsx *sheet_xlsx_new(const char *name);
/* Writes row `row` (0-based) of n cells; NULL cells stay empty. 0 or -1. */
int sheet_xlsx_row(struct sheet_xlsx *x, size_t row, const char *const *cells, size_t n);
/* Closes the workbook and appends its bytes to out; frees x in every case.
 * Returns a SHEET_* code. */
int sheet_xlsx_finish(struct sheet_xlsx *x, struct buf *out);
/* Frees an unfinished workbook; NULL is a no-op. */
void sheet_xlsx_free(struct sheet_xlsx *x);

#endif
