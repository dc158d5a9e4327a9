/*
 * redflags_internal.h — the state of one red-flags run, shared by
 * redflags.c (reading, folding, the fences) and redflags_out.c (the JSON).
 *
 * Tables keyed by interned ids are "keyed vectors": an rf_map from the key to
 * a slot plus a vector of elements where element i is slot i, so elements sit
 * in the order their key was first added (redflags_table.h). Element
 * pointers are only valid until the next add to the same table.
 */
#ifndef SUNBID_REDFLAGS_INTERNAL_H
#define SUNBID_REDFLAGS_INTERNAL_H

#include <jansson.h>

#include "analytics/redflags.h"
#include "analytics/redflags_table.h"

struct rf_vec {
    void *p;    /* heap elements */
    size_t n;   /* elements in use */
    size_t cap; /* elements allocated */
};

struct rf_keyed {
    struct rf_map index; /* key -> slot = element index */
    struct rf_vec items; /* the elements, in insertion order */
};

#define VEC_AT(v, T, i)   (((T *)(v).p)[i])
#define KEYED_AT(k, T, i) (((T *)(k).items.p)[i])

/* One identifier's results in one group. */
struct rf_row {
    uint32_t id;         /* interned identifier */
    uint16_t mask;       /* bit i: indicator i has a result */
    double v[RF__COUNT]; /* the results */
};

/* numerator / denominator, summed over contracting processes (Cardinal's
 * Fraction, added as a mediant). */
struct rf_frac {
    uint32_t id;
    uint64_t num, den;
};

/* R024 / R058: the winning bid against the lowest other valid bid. */
struct rf_ratio {
    uint32_t ocid;
    uint32_t winner; /* tenderer of the winning bid */
    uint32_t loser;  /* tenderer of the lowest non-winning valid bid */
    double ratio;    /* (loser amount - winner amount) / winner amount */
};

/* R048: a supplier's contracting processes and distinct classification
 * prefixes (the prefixes themselves are pairs in r048_codes). */
struct rf_supplier {
    uint32_t id;
    uint64_t processes; /* contracting processes with an active award to it */
    uint64_t codes;     /* distinct prefixes */
    int64_t last;       /* release number it was last counted in */
};

/* Cardinal's Maps: an ocid and a set of identifiers (elements chained). */
struct rf_setkey {
    uint32_t ocid;
    uint32_t head, tail; /* first and last element index, RF_NO_ID if none */
};
struct rf_setel {
    uint32_t id;
    uint32_t next; /* next element of the same ocid, RF_NO_ID at the end */
};
struct rf_setmap {
    struct rf_keyed keys; /* ocid -> struct rf_setkey */
    struct rf_map pairs;  /* (ocid, id) already present */
    struct rf_vec els;    /* struct rf_setel */
};
/* An ocid and one identifier; a later value replaces the earlier one. */
struct rf_onekv {
    uint32_t ocid;
    uint32_t id;
};

/* A bump allocator whose blocks are kept for reuse: one per batch of lines,
 * rewound when the batch is refilled. */
struct rf_mem_block;
struct rf_mem {
    struct rf_mem_block *first; /* blocks in order */
    struct rf_mem_block *cur;   /* allocations come from here */
};

#define RF_META_MAX 12

/* The "Meta" of one indicator: quartiles and fences, in insertion order. */
struct rf_meta {
    size_t n;
    const char *key[RF_META_MAX]; /* static strings */
    double val[RF_META_MAX];
};

enum {
    RF_MAP_TENDERER, /* ocid_tenderer: every tenderer of a submitted bid */
    RF_MAP_R024,
    RF_MAP_R028,
    RF_MAP_R030,
    RF_MAP_R035,
    RF_MAP_R058,
    RF_MAP__COUNT
};

struct redflags {
    const struct redflags_settings *set; /* borrowed */
    bool map;                            /* keep the Maps */
    bool want_slbr;                      /* R024 or R058: winner/second-lowest ratios */
    bool want_tenderers;                 /* Maps and R025, R038 or R048: ocid_tenderer */
    bool oom;                            /* memory ran out; the run is unusable */
    bool finished;                       /* redflags_finish ran */
    int threads;                         /* parsing threads; 0: one per CPU */
    redflags_warn_fn warn;               /* hook for skipped lines, may be NULL */
    void *warn_ud;
    struct redflags_stats stats;
    int64_t release_no; /* releases folded so far; numbers R048's per-release counting */

    struct rf_strtab strs; /* every identifier kept */
    uint32_t currency;     /* the main currency, RF_NO_ID until first needed */

    struct rf_keyed groups[RF_GROUP__COUNT]; /* id -> struct rf_row */
    struct rf_keyed ratios;                  /* ocid -> struct rf_ratio */
    struct rf_keyed r025;                    /* tenderer -> struct rf_frac */
    struct rf_keyed r038[3];                 /* buyer, procuring entity, tenderer -> rf_frac */
    struct rf_keyed r048;                    /* supplier -> struct rf_supplier */
    struct rf_map r048_codes;                /* (supplier, prefix) seen */
    struct rf_setmap sets[RF_MAP__COUNT];
    struct rf_keyed ocid_buyer; /* ocid -> struct rf_onekv: ocid_buyer_r038 */
    struct rf_keyed ocid_pe;    /* ocid_procuringentity_r038 */
    struct rf_meta meta[RF__COUNT];

    /* Per-release scratch, reused. */
    struct rf_vec u32a, u32b, u32c; /* uint32_t */
    struct rf_vec ptrs;             /* const struct rf_xaward *: complete awards */
    struct rf_vec bids28;           /* struct rf_bid28 (redflags.c) */
    struct rf_mem mem;              /* redflags_feed_line's extraction */
};

/* ---- a release, as the indicators read it (redflags_extract.c) ---------- */

/* A string copied out of a release; s == NULL when the member is absent or
 * not a string (serde_json's Value::get then as_str, in Cardinal). */
struct rf_str {
    const char *s;
    size_t n;
};

/* /bids/details[] */
struct rf_xbid {
    struct rf_str status;
    struct rf_str date;
    const struct rf_str *tenderers; /* tenderers[].id, one per array element */
    size_t ntenderers;              /* the array's length; 0 when absent */
    bool has_amount;                /* /value is an object with a numeric amount */
    double amount;                  /* /value/amount */
    struct rf_str currency;         /* /value/currency */
};

/* /awards[] */
struct rf_xaward {
    struct rf_str status;
    const struct rf_str *suppliers; /* suppliers[].id, one per array element */
    size_t nsuppliers;
    const struct rf_str *codes; /* items[].classification.id, strings only */
    size_t ncodes;
};

/* The members of a compiled release the eleven indicators read. An absent
 * array and an empty one are the same to every indicator, so both are
 * empty here. */
struct rf_xrelease {
    struct rf_str ocid;             /* absent: not a release (or not an object) */
    struct rf_str status;           /* /tender/status */
    struct rf_str method;           /* /tender/procurementMethod */
    struct rf_str details;          /* /tender/procurementMethodDetails */
    struct rf_str start, end;       /* /tender/tenderPeriod/startDate, endDate */
    struct rf_str procuring_entity; /* /tender/procuringEntity/id */
    struct rf_str buyer;            /* /buyer/id */
    bool has_ntenderers;            /* /tender/numberOfTenderers is a number */
    double ntenderers;
    const struct rf_xbid *bids;
    size_t nbids;
    const struct rf_xaward *awards;
    size_t nawards;
};

void *rf_mem_alloc(struct rf_mem *m, size_t n); /* 16-aligned; NULL on out of memory */
void rf_mem_reset(struct rf_mem *m);            /* everything allocated is gone */
void rf_mem_release(struct rf_mem *m);          /* frees the blocks */

/* What one line is. */
enum rf_line {
    RF_LINE_JSON,     /* parsed and extracted */
    RF_LINE_BLANK,    /* empty or ASCII whitespace only: skipped silently */
    RF_LINE_INVALID,  /* not JSON: skipped with a warning */
    RF_LINE_TOO_LONG, /* over the line limit: skipped with a warning */
    RF_LINE_NOMEM,    /* memory ran out extracting it */
};

/* Classifies one line (a trailing '\r' dropped), parses it with jansson,
 * copies what the indicators read into *out (allocated from mem) and frees
 * the tree. Touches no run state: the parsing threads call it. err is set
 * for RF_LINE_INVALID. */
enum rf_line rf_parse_line(const char *line, size_t len, struct rf_mem *mem,
                           struct rf_xrelease *out, json_error_t *err);
/* Folds one classified line into the run, in file order (redflags.c).
 * max_line is for the too-long warning. Returns 0, or -1 when memory ran
 * out. */
int rf_consume(struct redflags *rf, int64_t lineno, enum rf_line kind,
               const struct rf_xrelease *rel, const json_error_t *err, size_t max_line);
void rf_warn(struct redflags *rf, int64_t line, const char *msg);

#endif
