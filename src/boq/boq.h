/*
 * boq.h — bills of quantities (工程量清單): reading the tender's BoQ and the
 * bidders' priced BoQs from CSV or XLSX (src/sheet), lining them up by item
 * code and flagging what the experts should look at. Pure computation: no
 * store, no HTTP; the server (domain/boq.c), the CLI (`sunbid boq compare`)
 * and the benchmark call the same functions. docs/boq.md is the reference.
 *
 * A sheet becomes a struct boq (boq_read): the header row is found among
 * the first BOQ_HEADER_SCAN rows by its column names (Chinese or English,
 * docs/boq.md), then every row with an item code is a line; rows without a
 * code (section titles, subtotals) are skipped. Numbers are decimals with
 * optional thousands separators; anything else is refused with its row and
 * column. A code that repeats is refused.
 *
 * boq_compare lines n bidders up against the tender:
 *
 *   tender line i  ---- code ---->  bidder b's line (or none: missing)
 *   bidder lines with a code the tender has not: extra
 *   same code, other quantity (or unit): changed
 *
 * and flags, with the thresholds of struct boq_config (defaults in
 * boq_default_config, documented in docs/boq.md):
 *
 *   unbalanced   a unit price far from the others on its line: robust
 *                z = 0.6745 (p - median) / MAD over the priced bids of the
 *                line (at least min_bids of them), |z| > z_max AND the
 *                relative gap |p - median| / median > rel_min; with MAD = 0
 *                the relative gap alone decides
 *   arithmetic   quantity x unit price differs from the line's total by
 *                more than max(arith_abs, arith_rel x |total|)
 *   identical    two bidders' unit-price columns: every line both priced
 *                equal (whole column; at least two equal non-zero prices),
 *                or at least share_min of the informative lines both
 *                priced equal and at least same_min of them; a line is
 *                informative unless three or more bidders priced it and
 *                all alike (a fixed provisional sum 暫列金額 every bidder
 *                copies proves nothing), and zero prices never count
 *
 * Ownership: a struct boq owns its strings (its arena); struct
 * boq_comparison borrows the boqs it was computed from, so they must
 * outlive it. Thread-safe: no shared state.
 */
#ifndef SUNBID_BOQ_H
#define SUNBID_BOQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "sheet/sheet.h"

#define BOQ_LINES_MAX   200000 /* lines of one BoQ */
#define BOQ_BIDDERS_MAX 1000   /* bidders in one comparison */
#define BOQ_HEADER_SCAN 10     /* rows searched for the header */
#define BOQ_FILE_MAX    (64u << 20)

enum boq_rc {
    BOQ_OK = 0,
    BOQ_EINPUT = -1,  /* not a readable CSV/XLSX table */
    BOQ_EHEADER = -2, /* no header row with item code and quantity (and unit price) */
    BOQ_EVALUE = -3,  /* a cell is not a number where one is needed */
    BOQ_EDUP = -4,    /* an item code repeats */
    BOQ_ETOOBIG = -5, /* past a limit */
    BOQ_ENOMEM = -6
};

/* Where reading failed. */
struct boq_error {
    size_t row;         /* 1-based sheet row; 0: not about a row */
    const char *column; /* "code", "quantity", "unit_price", "total"; NULL */
    char msg[200];      /* printable */
};

/* One line of a BoQ. Numbers are in the sheet's units (yuan for money). */
struct boq_line {
    const char *code; /* item code (項目編碼), trimmed; never empty */
    const char *name; /* item name (項目名稱); may be "" */
    const char *unit; /* unit of measure (計量單位); may be "" */
    double qty;       /* quantity (工程量) */
    double price;     /* unit price (綜合單價), when has_price */
    double total;     /* total (合價), when has_total */
    bool has_price;
    bool has_total;
    size_t row; /* 1-based sheet row */
};

struct boq {
    struct boq_line *lines; /* n, in file order */
    size_t n;
    size_t cap;
    bool priced;    /* the sheet has a unit-price column */
    struct arena a; /* strings */
};

void boq_init(struct boq *b);
void boq_release(struct boq *b);

/* Reads a BoQ from CSV or XLSX bytes (sheet_read decides which). want_price:
 * a priced BoQ (the unit-price column is required). b is boq_init'ed by the
 * caller and released by it on failure too. Returns a BOQ_* code. */
int boq_read(struct boq *b, const void *data, size_t len, bool want_price, struct boq_error *err);
/* One file for boq_read_many. */
struct boq_input {
    const void *data; /* borrowed: CSV or XLSX bytes */
    size_t len;
    bool want_price; /* a priced BoQ */
};

#define BOQ_THREADS_MAX 8

/* Reads n files into b[0..n) (each boq_init'ed by the caller, released by
 * it whatever happens), with up to `threads` threads (clamped to 1 ..
 * BOQ_THREADS_MAX and to n; 1: all in the calling thread). rc[i] and err[i]
 * (err may be NULL) get each file's boq_read result. Returns BOQ_OK when
 * every file read, else the code of the first failing file (by index).
 * The files are independent, so this is boq_read in a loop, only sooner. */
int boq_read_many(struct boq *b, const struct boq_input *in, size_t n, int threads, int *rc,
                  struct boq_error *err);
/* The same from a sheet already read. */
int boq_from_sheet(struct boq *b, const struct sheet *s, bool want_price, struct boq_error *err);
/* The sheet limits BoQ files are read with (BOQ_LINES_MAX rows). */
extern const struct sheet_limits boq_sheet_limits;

struct boq_config {
    double z_max;     /* robust z beyond which a price is unbalanced (3.5) */
    double rel_min;   /* ... and at least this relative gap to the median (0.20) */
    int min_bids;     /* priced bids a line needs to be judged (3) */
    double arith_abs; /* yuan a total may differ from qty x price (0.01) */
    double arith_rel; /* ... or this share of the total (1e-6) */
    double share_min; /* share of informative lines equal that flags a pair (0.30) */
    int same_min;     /* ... with at least this many equal lines (10) */
    double qty_rel;   /* relative quantity difference that counts as changed (1e-9) */
};
extern const struct boq_config boq_default_config;

/* What happened to one tender line in one bid. */
enum boq_mark {
    BOQ_M_OK = 0,
    BOQ_M_MISSING = 1,  /* the bid has no line with this code */
    BOQ_M_CHANGED = 2,  /* other quantity or unit than the tender's */
    BOQ_M_UNPRICED = 4, /* present without a unit price */
    BOQ_M_HIGH = 8,     /* unbalanced: far above the others */
    BOQ_M_LOW = 16,     /* unbalanced: far below the others */
    BOQ_M_ARITH = 32    /* quantity x unit price != total */
};

struct boq_pair {
    int a, b;          /* bidder indexes, a < b */
    size_t same;       /* informative lines both priced equal */
    size_t both;       /* informative lines both priced */
    size_t all_same;   /* lines both priced equal (informative or not) */
    size_t all_both;   /* lines both priced */
    bool whole_column; /* every line both priced is equal */
};

struct boq_bidder_sum {
    size_t lines;      /* lines in its BoQ */
    size_t matched;    /* tender lines found */
    size_t missing;    /* tender lines not found */
    size_t extra;      /* lines the tender has not */
    size_t changed;    /* changed quantity or unit */
    size_t unpriced;   /* matched lines without a price */
    size_t unbalanced; /* HIGH or LOW marks */
    size_t arith;      /* arithmetic errors (matched or extra lines) */
    double total;      /* sum of its totals (or qty x price where no total) */
};

/* The comparison of n bidders against one tender BoQ. */
struct boq_comparison {
    const struct boq *tender;      /* borrowed */
    const struct boq *const *bids; /* borrowed, n of them */
    int n;
    const struct boq_line **at;    /* [line * n + b]: bidder b's line for tender line, or NULL */
    uint8_t *mark;                 /* [line * n + b]: enum boq_mark bits */
    double *price;                 /* [line * n + b]: the unit price; NAN: none or unpriced */
    double *median;                /* [line]: the median unit price; NAN: too few */
    double *mad;                   /* [line]: its MAD; NAN: too few */
    struct boq_bidder_sum *sum;    /* [b] */
    const struct boq_line **extra; /* lines the tender has not, all bidders */
    int *extra_bidder;             /* whose, for each */
    size_t nextra;
    struct boq_pair *pairs; /* flagged pairs only */
    size_t npairs;
    struct boq_config cfg;
};

/* Computes the comparison. cfg NULL: the defaults. Returns BOQ_OK, or
 * BOQ_ENOMEM / BOQ_ETOOBIG (more than BOQ_BIDDERS_MAX bidders). */
int boq_compare(struct boq_comparison *c, const struct boq *tender, const struct boq *const *bids,
                int n, const struct boq_config *cfg);
void boq_comparison_release(struct boq_comparison *c);

/* Checks a configuration (all thresholds in range); 0 or -1. */
int boq_config_check(const struct boq_config *cfg);

/* The comparison as one JSON object appended to out (docs/boq.md); names:
 * n bidder names (NULL: "1", "2", ...). max_lines: tender lines listed in
 * full (flagged lines always are, up to this many; 0: only flagged). 0 or -1. */
int boq_comparison_json(const struct boq_comparison *c, const char *const *names, size_t max_lines,
                        struct buf *out);
/* The comparison as an XLSX workbook appended to out: one row per tender
 * line with every bidder's unit price and marks, then the extra lines and
 * the flagged pairs. Returns a SHEET_* code. */
int boq_comparison_xlsx(const struct boq_comparison *c, const char *const *names, struct buf *out);

/* Short names of the marks ("missing", "changed", ...) written into the
 * JSON and the sheet: the bits of m joined by '+' into out (size n). */
void boq_mark_text(unsigned m, char *out, size_t n);

#endif
