/*
 * redflags.h — the red flags of Open Contracting Partnership's Cardinal
 * (open-contracting/cardinal-rs, `ocdscardinal indicators`) over OCDS
 * compiled releases, one JSON object per line (docs/redflags.md).
 *
 * Eleven indicators, with Cardinal's definitions, defaults, settings file and
 * output shape:
 *
 *   R003 short submission period        R035 all except winning bid disqualified
 *   R018 single bid received            R036 lowest bid disqualified
 *   R024 price close to winning bid     R038 excessive disqualified bids
 *   R025 excessive unsuccessful bids    R048 heterogeneous supplier
 *   R028 identical bid prices           R058 heavily discounted bid
 *   R030 late bid won
 *
 * Use:
 *
 *   struct redflags_settings s;
 *   redflags_settings_init(&s);                    // Cardinal's defaults
 *   redflags_settings_load(&s, "f.ini", err, sizeof err);  // or _enable_all()
 *   struct redflags *rf = redflags_new(&s, map);   // borrows s until _free
 *   redflags_read(rf, stdin, max_line);            // or redflags_feed_line()
 *   redflags_finish(rf);                           // the quartiles and fences
 *   redflags_write(rf, &buf, REDFLAGS_OUT_META);   // Cardinal's JSON shape
 *   redflags_free(rf); redflags_settings_release(&s);
 *
 * A run folds every release as it is read: lines are parsed on worker
 * threads, each JSON tree freed as soon as the members the indicators read
 * are copied out, and folded in file order on the caller's thread, keeping
 * only what the indicators need across releases: interned identifiers,
 * per-organisation fractions, the bid ratio of each contracting process and
 * the results. Memory grows with the number of distinct contracting
 * processes and organisations, never with the size of the file, and with
 * the size of a line only up to the line limit. A run is not thread-safe:
 * one run, one calling thread.
 */
#ifndef SUNBID_REDFLAGS_H
#define SUNBID_REDFLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"

/* The indicators, in Cardinal's order (also the order of the output). */
enum redflags_indicator {
    RF_R003,
    RF_R018,
    RF_R024,
    RF_R025,
    RF_R028,
    RF_R030,
    RF_R035,
    RF_R036,
    RF_R038,
    RF_R048,
    RF_R058,
    RF__COUNT
};

/* The groups of results: what the identifier of a result names. */
enum redflags_group {
    RF_GROUP_OCID,             /* /ocid */
    RF_GROUP_BUYER,            /* /buyer/id */
    RF_GROUP_PROCURING_ENTITY, /* /tender/procuringEntity/id */
    RF_GROUP_TENDERER,         /* /bids/details[]/tenderers[]/id, /awards[]/suppliers[]/id */
    RF_GROUP__COUNT
};

#define REDFLAGS_DEFAULT_MAX_LINE ((size_t)64 << 20) /* bytes per JSONL line */
#define REDFLAGS_SETTINGS_MAX     ((size_t)1 << 20)  /* bytes of a settings file */
#define REDFLAGS_LIST_MAX         1024               /* entries of a pipe-separated list */

/* A pipe-separated list from the settings ("open|selective"), split like
 * Rust's split_terminator('|'): no trimming, a trailing '|' adds nothing. */
struct redflags_list {
    char **items; /* owned, NUL-terminated */
    size_t n;
};

/* One `[R003.procurement_method_details]` property. */
struct redflags_days {
    char *details; /* owned: a /tender/procurementMethodDetails value */
    int64_t days;  /* its R003 threshold in whole days */
};

/*
 * Everything a settings file can say (Cardinal's `indicators` settings). An
 * indicator runs when enabled[i] is set: a settings file enables the
 * indicators whose sections it has; redflags_settings_enable_all() enables all.
 * The has_* flags say a value was given, where Cardinal computes it otherwise.
 */
struct redflags_settings {
    bool enabled[RF__COUNT];
    char *currency;                     /* main currency; NULL: the first one seen */
    bool has_price_cmp;                 /* price_comparison_procurement_methods given */
    struct redflags_list price_cmp;     /* only these procurementMethodDetails compare prices */
    struct redflags_list no_price_cmp;  /* these never compare prices */
    struct redflags_list exclude_pmd;   /* [exclusions] procurement_method_details */
    int64_t r003_threshold;             /* days, default 15 */
    struct redflags_list r003_methods;  /* procurementMethod allow list; empty: all */
    struct redflags_days *r003_details; /* per-procurementMethodDetails thresholds */
    size_t r003_ndetails;
    struct redflags_list r018_methods; /* default open|selective */
    bool has_r024_threshold;
    double r024_threshold;  /* lower fence, else Q1 - 1.5 IQR */
    size_t r025_percentile; /* upper fence of valid bids, default 75 */
    bool has_r025_threshold;
    double r025_threshold; /* lower fence of win ratios, else Q1 - 1.5 IQR */
    size_t r035_threshold; /* minimum disqualified tenderers, default 1 (at least 1) */
    bool has_r038_threshold;
    double r038_threshold;     /* upper fence, else Q3 + 1.5 IQR */
    size_t r038_min_bids;      /* minimum_submitted_bids, default 2 */
    size_t r038_min_processes; /* minimum_contracting_processes, default 2 */
    size_t r048_digits;        /* classification prefix length, default 2 */
    bool has_r048_threshold;
    size_t r048_threshold;     /* upper fence, else Q3 + 1.5 IQR */
    size_t r048_min_processes; /* default 20 */
    bool has_r058_threshold;
    double r058_threshold;           /* upper fence, else Q3 + 1.5 IQR */
    bool ignored_r044, ignored_r055; /* sections of Cardinal indicators not implemented */
};

/* What a run saw; the CLI reports it on stderr. */
struct redflags_stats {
    int64_t lines;            /* lines read */
    int64_t blank;            /* empty or whitespace-only lines, skipped silently */
    int64_t invalid;          /* lines that are not JSON, skipped with a warning */
    int64_t too_long;         /* lines over the limit, skipped with a warning */
    int64_t not_release;      /* JSON that is not an object with a string ocid */
    int64_t excluded;         /* cancelled tenders and [exclusions] matches */
    int64_t releases;         /* releases the indicators looked at */
    int64_t currency_skipped; /* bid amounts in another currency than the main one */
};

/* Warnings (a line skipped) go through this hook, one message per call;
 * line is 1-based. */
typedef void (*redflags_warn_fn)(void *ud, int64_t line, const char *msg);

/* Settings lifecycle. init sets Cardinal's defaults with no indicator
 * enabled; release frees the lists. */
void redflags_settings_init(struct redflags_settings *s);
void redflags_settings_release(struct redflags_settings *s);
void redflags_settings_enable_all(struct redflags_settings *s);

/* Parses a settings file (INI, docs/redflags.md) on top of s. Returns 0, or
 * -1 with "line N: reason" in err (s then holds whatever was parsed before). */
int redflags_settings_parse(struct redflags_settings *s, const char *text, size_t len, char *err,
                            size_t errlen);
/* Reads the file at path (at most REDFLAGS_SETTINGS_MAX bytes) and parses it. */
int redflags_settings_load(struct redflags_settings *s, const char *path, char *err, size_t errlen);

/* A run. s is borrowed and must outlive it. map: keep Cardinal's "Maps"
 * (contracting processes to organisations). NULL on out of memory. */
struct redflags *redflags_new(const struct redflags_settings *s, bool map);
void redflags_free(struct redflags *rf); /* NULL is a no-op */
void redflags_set_warn(struct redflags *rf, redflags_warn_fn fn, void *ud);
/* Threads that parse JSON for redflags_read (folding stays on the calling
 * thread, in file order, so the results do not depend on it). 0, the
 * default: one per online CPU, at most 8; 1: parse on the calling thread. */
void redflags_set_threads(struct redflags *rf, int n);

/* Folds one line (without its newline; a trailing '\r' is dropped) as line
 * number lineno. Bad lines are warnings, not errors. Returns 0, or -1 when
 * memory runs out (the run is then unusable). */
int redflags_feed_line(struct redflags *rf, const char *line, size_t len, int64_t lineno);
/* Streams a whole file, line by line; lines longer than max_line bytes (0:
 * REDFLAGS_DEFAULT_MAX_LINE) are skipped with a warning. Lines are parsed on
 * worker threads (redflags_set_threads) in batches and folded in order.
 * Returns 0, -1 on out of memory, -2 on a read error (errno set). */
int redflags_read(struct redflags *rf, FILE *in, size_t max_line);
/* Computes the indicators that need every release (quartiles, fences).
 * Call once, after the last line. Returns 0 or -1 (out of memory). */
int redflags_finish(struct redflags *rf);

enum {
    REDFLAGS_OUT_META = 1 << 0, /* add the "Meta" key (quartiles and fences) */
    REDFLAGS_OUT_MAPS = 1 << 1, /* add the "Maps" key (the run must have map on) */
};
/* Appends the results as one line of compact JSON (no newline) to out.
 * Returns a BUF_* code. */
int redflags_write(struct redflags *rf, struct buf *out, unsigned flags);

const struct redflags_stats *redflags_stats(const struct redflags *rf);
/* Number of identifiers with a result in group g (after finish). */
size_t redflags_group_count(const struct redflags *rf, enum redflags_group g);
/* Looks up one result. Returns true and sets *value when (g, id) has a result
 * for indicator i. */
bool redflags_result(const struct redflags *rf, enum redflags_group g, const char *id,
                     enum redflags_indicator i, double *value);

/* "R003" ... "R058"; "OCID", "Buyer", "ProcuringEntity", "Tenderer". */
const char *redflags_indicator_name(enum redflags_indicator i);
const char *redflags_group_name(enum redflags_group g);

/* The quantile Cardinal takes from statrs 0.16 (Hyndman and Fan's type 8,
 * "median-unbiased"): h = (n + 1/3) tau + 1/3, then the order statistics
 * around h, linearly interpolated. Sorts v in place. NaN when n == 0 or tau
 * is outside [0, 1]. */
double redflags_quantile(double *v, size_t n, double tau);

/* Formats a double as serde_json does (Rust's ryu: shortest round trip, "1.0",
 * "0.0001", "1e-7", "1e21"); "null" when not finite. out needs 32 bytes. */
void redflags_format_double(double v, char out[32]);

/* Parses an RFC 3339 date-time as chrono's parse_from_rfc3339 does. Sets
 * seconds since the epoch (UTC) and nanoseconds; returns false if invalid. */
bool redflags_parse_rfc3339(const char *s, size_t n, int64_t *secs, int32_t *nanos);

#endif
