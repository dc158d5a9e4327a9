/*
 * expertperm.h — expert scoring anomalies across tenders (专家评分异常分析):
 * an expert who favours the same firm beyond their peers, found with a
 * permutation test (docs/supervision.md, "Expert scores").
 *
 * Input: one score per (tender, expert, firm). For expert e, firm f and a
 * tender t where both appear, with the panel of t having at least one other
 * expert who scored f:
 *
 *   r(e,g,t) = s(e,g,t) - mean of the other experts' scores of g in t
 *              (how far e stands from the rest of the panel on firm g)
 *   D(e,f,t) = r(e,f,t) - mean over the firms g of t that e scored of r(e,g,t)
 *              (e's lean towards f, relative to e's lean on every firm of t:
 *               a lenient or strict expert is not a favouring one)
 *   S(e,f)   = mean of D(e,f,t) over the tenders t that e and f share
 *
 * S is in score points: "E3 scores F2 on average 11.4 points above the panel
 * more than E3 does the other firms of the same tender".
 *
 * Null hypothesis: within each tender, e's scores do not depend on which
 * firm they belong to beyond what the panel sees, i.e. the firm labels of
 * e's residuals r(e,.,t) are exchangeable. Permuting the labels within each
 * tender independently puts on f a residual drawn uniformly from e's
 * residuals of that tender, so one permutation of S costs one draw per
 * shared tender (exactly the same distribution as shuffling whole vectors).
 * One-sided p-value (favouring, not disfavouring), Monte Carlo with the
 * add-one estimate p = (1 + #{S* >= S}) / (1 + B), stopped early after
 * `stop_hits` exceedances (Besag & Clifford 1991: p = hits / draws then),
 * so clearly unremarkable pairs cost a few dozen draws. A pair with S <= 0
 * cannot favour and is given p = 1 without drawing.
 *
 * Every pair (e,f) with at least min_tenders shared tenders is a test; a
 * flag needs S >= min_effect and p <= alpha / tests (Bonferroni), so the
 * chance of any false flag in one run is at most alpha. B must allow it:
 * the smallest p is 1 / (B + 1). By default (perms 0) B is chosen once
 * the number of tests is known: ceil(20 / threshold), at least 9999 and
 * at most EP_MAX_PERMS, so a pair may reach 19 exceedances and still be
 * flagged; early stopping keeps the cost to the few pairs near it. A
 * fixed B that cannot reach the threshold is reported.
 *
 * Contamination: in a small panel, a favouring expert's inflated score
 * of f raises the panel mean the others are measured against, so every
 * other expert seems to lean away from f, i.e. towards the other firms.
 * So the test runs in rounds (at most EP_ROUNDS): the scores of the pairs
 * flagged so far are left out of the other experts' baselines and
 * everything is computed again, until no new pair is flagged. The flagged
 * pairs' own statistics never include their own scores in the baseline.
 *
 * Determinism: the draws of a pair come from a generator seeded by the
 * options' seed and the pair's ids (their text), so a result does not
 * depend on the order of the rows or on the other pairs.
 *
 * Input format (CSV, RFC 4180, a header naming the columns in any order):
 * tender_id,expert_id,firm_id,score. Ids are non-empty text of at most
 * EP_MAX_ID bytes; a score is a finite decimal number with |score| <= 1e9;
 * a (tender, expert, firm) given twice is an error. Single-threaded.
 */
#ifndef SUNBID_EXPERTPERM_H
#define SUNBID_EXPERTPERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define EP_MAX_ID         256        /* bytes of one id */
#define EP_MAX_ROWS       5000000u   /* scores of one run */
#define EP_MAX_CASES      200        /* tenders listed as one flag's cases */
#define EP_ROUNDS         4          /* rounds of leaving flagged scores out of baselines */
#define EP_MAX_PERMS      100000000u /* permutations of one pair at most */
#define EP_AUTO_MIN_PERMS 9999u

enum ep_err {
    EP_OK = 0,
    EP_NOMEM,          /* out_of_memory */
    EP_CSV,            /* csv_invalid: not readable CSV (quotes, encoding, limits) */
    EP_MISSING_COLUMN, /* csv_missing_column: the header lacks a column */
    EP_BAD_VALUE,      /* bad_value: an empty or long id, a score that is no number */
    EP_DUPLICATE,      /* duplicate_score: a (tender, expert, firm) given twice */
    EP_TOO_MANY_ROWS,  /* too_many_rows */
    EP_BAD_PARAMS      /* bad_parameters */
};

struct ep_error {
    int code;
    size_t line; /* 1-based line of the record; 0 when not about a line */
    char msg[200];
};

struct ep_params {
    unsigned min_tenders; /* shared tenders for a pair to be tested (default 3) */
    unsigned min_peers;   /* other experts who scored the firm in the tender (default 1) */
    unsigned perms;       /* permutations B; 0 (default): auto, below */
    unsigned stop_hits;   /* stop a pair after this many S* >= S (default 20; 0: never) */
    double alpha;         /* family-wise significance (default 0.05) */
    double min_effect;    /* S needed for a flag, in score points (default 0) */
    uint64_t seed;        /* default 1 */
    unsigned max_pairs;   /* pairs listed in the report besides the flags (default 50) */
};

void ep_params_init(struct ep_params *p);

struct expertperm;

struct expertperm *ep_new(const struct ep_params *p); /* NULL on bad params or OOM */
void ep_free(struct expertperm *x);                   /* NULL is a no-op */

/* Adds one score (ids copied). EP_OK, EP_BAD_VALUE, EP_TOO_MANY_ROWS, EP_NOMEM.
 * Duplicates are found by ep_analyse. */
int ep_add(struct expertperm *x, const char *tender, const char *expert, const char *firm,
           double score);
/* Reads a CSV file's bytes (borrowed) and adds its rows; *err says where. */
int ep_load_csv(struct expertperm *x, const char *data, size_t n, struct ep_error *err);

/* Computes every pair's statistic and p-value and the flags. *err names a
 * duplicate row. May be called once. */
int ep_analyse(struct expertperm *x, struct ep_error *err);

struct ep_stats {
    size_t rows, tenders, experts, firms;
    size_t pairs_tested; /* pairs with min_tenders shared tenders */
    size_t flags;
    double threshold;   /* alpha / pairs_tested */
    unsigned perms;     /* B used */
    bool perms_too_few; /* 1 / (B + 1) > threshold: no pair could be flagged */
    uint64_t draws;     /* permutations drawn in all */
};
void ep_stats(const struct expertperm *x, struct ep_stats *st);

/* One tested pair: the statistic, its p-value, whether flagged. */
struct ep_pair {
    const char *expert, *firm; /* borrowed from x */
    uint32_t tenders;          /* shared tenders */
    double stat;               /* S, score points */
    double p;                  /* p-value */
    uint32_t draws;            /* permutations drawn */
    bool flagged;
};
/* Pairs sorted by p then by larger S then by ids; i < pairs_tested. */
bool ep_pair_get(const struct expertperm *x, size_t i, struct ep_pair *out);

/* The report (docs/supervision.md) as one JSON object appended to out:
 * params, stats, flags (each with its cases: tender, the expert's score,
 * the panel's mean, r and D) and the max_pairs most significant other
 * pairs. 0, or -1 when out is full. */
int ep_write_json(const struct expertperm *x, struct buf *out);

const char *ep_err_code(int e);

#endif
