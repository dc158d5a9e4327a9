/*
 * bidcsv.h — reads a bid table: CSV with one row per bid, grouped into
 * tenders. It is the input of every `sunbid screens` command.
 *
 * Format (RFC 4180, docs/screens.md): a header row is required; columns are
 * found by name (case-insensitive, surrounding blanks ignored), in any order,
 * and columns we do not know are ignored:
 *
 *   tender_id   required  the tender (or lot) the bid belongs to
 *   bid_value   required  the bid, a positive decimal number (no thousands separators)
 *   label       optional  1 = collusive tender, 0 = competitive, empty = unknown
 *   market      optional  a market name (calibration per market), empty = none
 *   bidder      optional  the bidder, for the patterns across tenders
 *   ceiling     optional  the ceiling price or estimate of the tender, empty = none
 *
 * Fields may be quoted ("a,b", "say ""x"""), quoted fields may hold line
 * breaks, records end with LF or CRLF, blank lines are skipped, a UTF-8 byte
 * order mark is skipped. label, market and ceiling are properties of the
 * tender: every row of a tender must agree (a row that leaves them empty
 * agrees with anything). Rows of one tender need not be adjacent.
 *
 * The whole input is held in memory (the caller's buffer, or the file read by
 * bidcsv_read_file()); the table keeps what it needs and does not point into
 * the input. Every error names the line (of the record's first byte) and the
 * problem, in a message safe to print (control bytes replaced).
 *
 * Hard limits, so that outside input cannot grow memory without bound: a field
 * of BIDCSV_MAX_FIELD bytes, BIDCSV_MAX_COLUMNS columns, BIDCSV_MAX_TENDER_BIDS
 * bids per tender, and the caller's max_rows. Not thread-safe per table;
 * independent tables may be read in parallel.
 */
#ifndef SUNBID_BIDCSV_H
#define SUNBID_BIDCSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

#define BIDCSV_MAX_FIELD       4096   /* bytes in one field (after unquoting) */
#define BIDCSV_MAX_ID          256    /* bytes in a tender_id, market or bidder */
#define BIDCSV_MAX_COLUMNS     256    /* fields in one record */
#define BIDCSV_MAX_TENDER_BIDS 100000 /* bids in one tender */
#define BIDCSV_NO_BIDDER       UINT32_MAX

enum bidcsv_rc {
    BIDCSV_OK = 0,
    BIDCSV_EINPUT = -1,  /* the input is not a valid bid table; err says where and why */
    BIDCSV_ENOMEM = -2,  /* out of memory */
    BIDCSV_ETOOBIG = -3, /* more rows (or bytes) than the caller allowed */
    BIDCSV_EIO = -4      /* the file could not be read */
};

struct bidcsv_error {
    size_t line;   /* 1-based line of the offending record; 0 when not about a line */
    char msg[240]; /* what is wrong, printable ASCII/UTF-8, no line number */
};

struct bid_tender {
    const char *id;     /* tender_id, NUL-terminated UTF-8, owned by the table */
    size_t off;         /* index of its first bid in bid_table.value */
    uint32_t n;         /* number of bids; value[off .. off+n) ascending */
    int8_t label;       /* 1 collusive, 0 competitive, -1 not given */
    const char *market; /* interned: equal names are the same pointer; NULL = none */
    int32_t market_ix;  /* index of market in bid_table.markets; -1 = none */
    double ceiling;     /* ceiling price / estimate; NaN when not given */
    size_t line;        /* line of the tender's first row */
};

struct bid_table {
    struct bid_tender *tenders; /* in order of first appearance */
    size_t ntenders;
    double *value;    /* nbids bids, grouped by tender, ascending within one */
    uint32_t *bidder; /* nbids bidder indices (BIDCSV_NO_BIDDER), NULL without the column */
    size_t nbids;
    const char **bidders; /* nbidders names, index -> name */
    size_t nbidders;
    const char **markets; /* nmarkets distinct market names, first appearance order */
    size_t nmarkets;
    bool has_label, has_market, has_bidder, has_ceiling; /* which optional columns exist */
    struct arena strings;                                /* every string above */
};

/* Parses len bytes at data (need not be NUL-terminated). max_rows 0 means no
 * limit beyond memory. On success fills *out (release with bid_table_release);
 * on failure *out is empty and err says why. */
int bidcsv_parse(const char *data, size_t len, size_t max_rows, struct bid_table *out,
                 struct bidcsv_error *err);

/* Reads the file at path ("-" is standard input), at most max_bytes bytes
 * (BIDCSV_ETOOBIG past it), and parses it. */
int bidcsv_read_file(const char *path, size_t max_bytes, size_t max_rows, struct bid_table *out,
                     struct bidcsv_error *err);

/* Frees the contents; the table is empty after. Safe on an empty table. */
void bid_table_release(struct bid_table *t);

#endif
