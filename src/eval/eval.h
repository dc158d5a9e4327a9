/*
 * eval/eval.h — the evaluation engine (評標): methods, price formulas,
 * aggregation, ranking and score anomaly checks. Pure C over arrays: no
 * store, no clock, no I/O, so every formula is tested against hand-computed
 * numbers (tests/unit/test_eval_*.c) and the bench runs it in memory.
 * docs/evaluation.md is the reference, with the sources of the formulas.
 *
 * Units. Money is integer fen. Points are integer centi-points (hundredths:
 * 1234 = 12.34 points); every division rounds half up to the centi-point
 * (or the fen) in exact 128-bit integer arithmetic, so results do not depend
 * on floating point and the report's numbers hash the same everywhere.
 *
 * The picture of one evaluation:
 *
 *   template (eval_template_parse)   method, qualification criteria,
 *        |                           scoring items, price formula, ...
 *   qualification votes --eval_qualify--> qualified[] (majority per criterion)
 *        |
 *   prices, form fields, expert scores --eval_compute--> item scores,
 *        |                           totals (or evaluated prices), ranks,
 *        |                           up to 3 candidates
 *   eval_anomalies --> warnings: outlier (leave-one-out median/MAD),
 *                      out of the allowed range, identical sheets,
 *                      pivotal expert (its removal changes the winner)
 *
 * Methods (the tender's eval_method):
 *   comprehensive     綜合評估法: items of kind subjective (each expert
 *                     scores), objective (computed from an opening-form
 *                     field) and price (a formula); the points add to 100
 *   lowest_evaluated  經評審的最低投標價法: evaluated price = bid price +
 *                     the committee's price adjustments; lowest first
 *   lowest_price      最低價法: the lowest valid bid price first
 *   highest_price     the highest first (property rights, transfers)
 * Every method starts with the qualification review (pass/fail per
 * criterion with a reason); a bid failing it, or above the ceiling price,
 * or not positive, is not valid and not ranked.
 *
 * Threads: any; no shared state. Memory: eval_result_init allocates the
 * result's arrays (eval_result_release frees them); nothing else allocates
 * except eval_template_parse's jansson tree, freed before it returns.
 */
#ifndef SUNBID_EVAL_EVAL_H
#define SUNBID_EVAL_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define EVAL_ITEMS_MAX    64    /* scoring items of one template */
#define EVAL_CRITERIA_MAX 64    /* qualification criteria */
#define EVAL_BIDDERS_MAX  1000  /* bids one evaluation ranks */
#define EVAL_EXPERTS_MAX  49    /* members who score */
#define EVAL_CODE_MAX     32    /* an item's or criterion's code, bytes */
#define EVAL_NAME_MAX     300   /* its name, bytes */
#define EVAL_TEMPLATE_MAX 65536 /* bytes of a template's JSON */
#define EVAL_CANDIDATES   3     /* at most: 招標投標法實施條例 art. 53 */
#define EVAL_ABSENT       (-1)  /* a score not given */
#define EVAL_FIELD_ABSENT INT64_MIN
#define EVAL_POINTS_MAX   10000 /* 100.00 points */
#define EVAL_TEMPLATE_FMT "sunbid-eval-template/1"

enum eval_rc {
    EVAL_OK = 0,
    EVAL_EINVAL,     /* the template or the input is not acceptable */
    EVAL_ETOOBIG,    /* past a maximum */
    EVAL_EINCOMPLETE /* a score or a vote is missing */
};

enum eval_method { EM_COMPREHENSIVE, EM_LOWEST_EVALUATED, EM_LOWEST_PRICE, EM_HIGHEST_PRICE };
enum eval_item_kind { EK_SUBJECTIVE, EK_OBJECTIVE, EK_PRICE };
enum eval_price_formula { EPF_LOW_BASE, EPF_AVG_BASE };
enum eval_aggregate { EA_MEAN, EA_TRIMMED };

struct eval_criterion {
    char code[EVAL_CODE_MAX + 1];
    char name[EVAL_NAME_MAX + 1];
};

struct eval_item {
    char code[EVAL_CODE_MAX + 1];
    char name[EVAL_NAME_MAX + 1];
    enum eval_item_kind kind;
    int64_t points; /* the item's full points (its weight × 100), centi */
    int64_t min;    /* subjective: the allowed range of an expert's score, centi; */
    int64_t max;    /* a score outside it is a warning, outside 0..points refused */
    char field[65]; /* objective: the opening form's integer field */
    bool higher;    /* objective: a higher value is better (else lower) */
};

struct eval_price {
    enum eval_price_formula formula;
    int64_t k_bp;        /* avg_base: the K coefficient in basis points (9700 = 0.97) */
    int trim_min;        /* avg_base: drop the highest and the lowest bid from the
                          * average when there are at least this many; 0: never */
    int64_t above_centi; /* avg_base: points off per 1 % above the base */
    int64_t below_centi; /* avg_base: points off per 1 % below the base */
};

struct eval_anomaly_opts {
    int64_t mad_k_centi; /* a robust z above this is an outlier (350 = 3.5) */
    int64_t min_gap_bp;  /* and the gap to the median at least this share of the
                          * item's points, basis points (1000 = 10 %) */
};

struct eval_template {
    enum eval_method method;
    struct eval_criterion crit[EVAL_CRITERIA_MAX];
    int ncrit;
    struct eval_item items[EVAL_ITEMS_MAX];
    int nitems;
    struct eval_price price;
    enum eval_aggregate aggregate;
    int candidates; /* 1..EVAL_CANDIDATES */
    struct eval_anomaly_opts anomaly;
};

const char *eval_method_name(enum eval_method m);
int eval_method_parse(const char *s); /* -1 when unknown */

/* Parses and checks a template (docs/evaluation.md "Templates"). On
 * EVAL_EINVAL / EVAL_ETOOBIG, *field (may be NULL) names the offending key
 * (static). canon (may be NULL) gets the template's canonical JSON: every
 * field written, in a fixed order, numbers as decimals — the form stored and
 * hashed. */
int eval_template_parse(const char *json, size_t len, struct eval_template *t, struct buf *canon,
                        const char **field);
/* The JSON of a built-in template ("works_comprehensive",
 * "goods_comprehensive", "lowest_evaluated", "lowest_price"), or NULL. */
const char *eval_template_builtin(const char *name);
/* Writes a centi value as a decimal ("12.5" -> "12.50", "-3.00"). */
void eval_centi_str(int64_t v, char out[32]);

/* ---- qualification (初步評審 / 資格審查) ---- */

/* votes[(e * nb + b) * nc + c]: 1 pass, 0 fail, EVAL_ABSENT not given.
 * A criterion passes a bidder when more than half of the ne experts pass
 * it; the bidder is qualified when every criterion passes. failed[b] gets
 * the first criterion that failed, or -1. EVAL_EINCOMPLETE when a vote is
 * missing. */
int eval_qualify(const int8_t *votes, int ne, int nb, int nc, bool *qualified, int *failed);

/* ---- scoring and ranking ---- */

struct eval_input {
    const struct eval_template *t;
    int nb;                    /* bidders */
    int ne;                    /* experts who score */
    const int64_t *price_fen;  /* [nb] the opened bid prices */
    const bool *qualified;     /* [nb] the qualification review's outcome */
    const int64_t *field;      /* [nb * nitems] objective items' form values, or
                                * EVAL_FIELD_ABSENT; may be NULL without objective items */
    const int64_t *scores;     /* [(e * nb + b) * nitems + i] subjective scores, centi,
                                * EVAL_ABSENT for other kinds; NULL without subjective items */
    const int64_t *adjust_fen; /* [nb] lowest_evaluated: the price adjustments; may be NULL */
    int64_t ceiling_fen;       /* the ceiling price (最高投標限價); 0: none */
};

/* Why a bid is not ranked (static strings). */
#define EVAL_INVALID_QUALIFICATION "qualification"
#define EVAL_INVALID_CEILING       "above_ceiling"
#define EVAL_INVALID_PRICE         "price_not_positive"

struct eval_result {
    int nb, ni;
    bool *valid;          /* [nb] */
    const char **invalid; /* [nb] why not valid, or NULL */
    int64_t *item;        /* [nb * ni] the aggregated item scores, centi */
    int64_t *tech;        /* [nb] the points of the items other than price */
    int64_t *total;       /* [nb] comprehensive: all points; else 0 */
    int64_t *evaluated;   /* [nb] lowest_evaluated: price + adjustments, fen */
    int *order;           /* [nb] bidder indices, the valid in rank order, then the rest */
    int *rank;            /* [nb] 1..; tied bids share a rank; 0: not valid */
    int nvalid;
    int ncand;          /* candidates: min(template's, valid) */
    bool tie_at_cutoff; /* the last candidate ties with the next bid */
    int64_t base_fen;   /* the price formula's base (評標基準價); 0: none */
    int64_t avg_fen;    /* avg_base: the average before K */
};

int eval_result_init(struct eval_result *r, int nb, int ni);
void eval_result_release(struct eval_result *r);

/* Computes the result; use (may be NULL: all) says which experts' scores
 * count (the pivotal check leaves one out). EVAL_EINCOMPLETE when a valid
 * bid lacks a used expert's score of a subjective item. */
int eval_compute(const struct eval_input *in, const bool *use, struct eval_result *r);

/* ---- the price formulas, alone (docs/evaluation.md "Price") ---- */

/* low_base: points × base / price, half up; 0 when price <= 0. */
int64_t eval_price_low_base(int64_t points, int64_t base_fen, int64_t price_fen);
/* avg_base's base: the mean of the n prices (less the highest and lowest
 * when n >= trim_min > 0) × K, rounded half up to the fen; *avg gets the
 * mean (rounded) before K. 0 when n is 0. */
int64_t eval_price_avg_base(const int64_t *prices, int n, int trim_min, int64_t k_bp, int64_t *avg);
/* avg_base's score: points − |price − base| / base × 100 × (above or
 * below per 1 %), half up, never below 0. */
int64_t eval_price_avg_score(int64_t points, int64_t base_fen, int64_t price_fen,
                             int64_t above_centi, int64_t below_centi);
/* The mean of n scores (centi) half up; trimmed: without one highest and
 * one lowest when n >= 5. */
int64_t eval_aggregate(const int64_t *v, int n, enum eval_aggregate how);

/* ---- anomalies ---- */

enum eval_warn_kind {
    EW_OUTLIER,   /* far from the other experts' scores of the same bid and item */
    EW_RANGE,     /* outside the item's allowed range */
    EW_IDENTICAL, /* two experts' sheets are identical */
    EW_PIVOTAL,   /* without this expert the winner changes */
    EW__COUNT
};

struct eval_warning {
    enum eval_warn_kind kind;
    int expert;      /* index */
    int other;       /* identical: the other expert; pivotal: the winner without it; else -1 */
    int bidder;      /* -1: the whole sheet */
    int item;        /* -1: the whole sheet */
    int64_t score;   /* outlier, range: the score; centi */
    int64_t median;  /* outlier: the others' median; range: the bound passed */
    int64_t z_centi; /* outlier: the robust z × 100 (capped) */
};

const char *eval_warn_name(enum eval_warn_kind k);

/* Runs every check on the input and its computed result r (all experts):
 * up to max warnings into w, *n the number found (may exceed max). */
int eval_anomalies(const struct eval_input *in, const struct eval_result *r, struct eval_warning *w,
                   int max, int *n);

#endif
