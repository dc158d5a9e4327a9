/*
 * screens.h — statistical screens for bid rigging, per tender.
 *
 * A screen is a statistic of the distribution of the bids in one tender that
 * moves when bids are rigged: cover bids bunch up (low variance), and the
 * gap between the winner and the rest opens (asymmetry). The nine screens and
 * their sources (docs/screens.md has the derivations and examples), for the
 * bids of one tender sorted b1 <= b2 <= ... <= bn, mean m and sample standard
 * deviation s = sqrt(sum (bi - m)^2 / (n - 1)):
 *
 *   CV     s / m                                        Huber & Imhof 2019
 *   SPD    (bn - b1) / b1                               Huber & Imhof 2019
 *   DIFFP  (b2 - b1) / b1                               Imhof, Karagök & Rutz 2018
 *   RD     (b2 - b1) / s_losing, s_losing the sample    Imhof, Karagök & Rutz 2018
 *          standard deviation of b2..bn
 *   RDNOR  (b2 - b1) / ((bn - b1) / (n - 1)): the gap   Huber & Imhof 2019
 *          over the mean gap of all adjacent bids
 *   RDALT  (b2 - b1) / ((bn - b2) / (n - 2)): the gap   Huber & Imhof 2019
 *          over the mean gap of adjacent losing bids
 *   SKEW   n / ((n-1)(n-2)) * sum ((bi - m)/s)^3        Huber & Imhof 2019
 *   KURT   n(n+1) / ((n-1)(n-2)(n-3)) * sum ((bi - m)/s)^4
 *          - 3 (n-1)^2 / ((n-2)(n-3))                   Huber & Imhof 2019
 *   KS     max over i of max(i/n - U(bi), U(bi) - (i-1)/n), U the CDF of the
 *          uniform distribution with the bids' mean and standard deviation
 *          (support m -+ sqrt(3) s): the Kolmogorov-Smirnov distance of the
 *          bids from uniform                            Huber & Imhof 2019
 *
 * Undefined is NaN, never a made-up number: every screen needs n >= 2; RD,
 * RDALT and SKEW need n >= 3; KURT needs n >= 4; a zero denominator (all bids
 * equal: s = 0; equal losing bids: bn = b2) leaves the screens that divide by
 * it undefined, except CV, which is 0 when all bids are equal (zero spread is
 * exactly what the screen looks for). For n = 2, RDNOR is 1 by construction.
 *
 * Summary screens (Wallimann, Imhof & Huber 2022): the screens above computed
 * for every subset of 3 bids and every subset of 4 bids of the tender, then
 * the mean, median, minimum and maximum over the subsets of each size (over
 * the subsets where the screen is defined; NaN when none is). They find a
 * cartel that does not include every bidder: the cartel's own bids form
 * subsets with tight, asymmetric screens even when outsiders' bids blur the
 * full-tender ones. KURT is undefined for 3 bids, so the 3-subsets give 8
 * screens and the 4-subsets 9. Up to SCREENS_SUBSET_MAX_N bids every subset
 * is taken (C(30,4) = 27,405); beyond, SCREENS_SUBSET_SAMPLES subsets of each
 * size are drawn uniformly at random (indices distinct, with replacement
 * between draws) from a generator seeded by the options' seed and the bids
 * themselves, so the result is the same on every run, thread and machine.
 *
 * Price patterns of one tender (evidence, not screens): bids that repeat
 * exactly, a run of bids in arithmetic progression, bids hugging the ceiling
 * price. Patterns across tenders (fixed ratios between two bidders, the same
 * discount off the ceiling) are in pricepat.h.
 *
 * Speed: a struct screens_ws holds every scratch array, allocated once and
 * reused, so the per-tender path never allocates; subsets are enumerated in
 * sorted index order (so a subset is already sorted) and each subset screen
 * is a few dozen flops; medians are selections (not sorts). A workspace
 * belongs to one thread; screens_batch() runs threads with one each.
 */
#ifndef SUNBID_SCREENS_H
#define SUNBID_SCREENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analytics/bidcsv.h"

enum screen_id {
    SCREEN_CV,
    SCREEN_SPD,
    SCREEN_DIFFP,
    SCREEN_RD,
    SCREEN_RDNOR,
    SCREEN_RDALT,
    SCREEN_KURT,
    SCREEN_SKEW,
    SCREEN_KS,
    SCREEN_COUNT
};

enum screen_stat { SSTAT_MEAN, SSTAT_MEDIAN, SSTAT_MIN, SSTAT_MAX, SSTAT_COUNT };

#define SCREENS_SUBSET_MAX_N   30    /* every subset up to this many bids */
#define SCREENS_SUBSET_SAMPLES 20000 /* subsets of each size drawn beyond it */
#define SCREENS_MAX_SUBSETS    27405 /* C(30,4): the most subsets ever evaluated */

/* Features a model sees, in this order: nbids, the 9 screens, the 8 screens of
 * the 3-subsets x 4 statistics, the 9 of the 4-subsets x 4, identical_share. */
#define SCREENS_NFEATURES (1 + SCREEN_COUNT + (SCREEN_COUNT - 1) * 4 + SCREEN_COUNT * 4 + 1)

struct screens_opts {
    uint64_t seed;      /* mixes into the subset sampling beyond SCREENS_SUBSET_MAX_N */
    bool subsets;       /* compute the summary screens (false: leave them NaN) */
    double ceiling_pct; /* pattern: a bid within this fraction below the ceiling hugs it */
    double tol;         /* relative tolerance for "equal" gaps (arithmetic progression) */
};

/* Defaults: seed 1, subsets on, ceiling_pct 0.01 (1 %), tol 1e-9. */
void screens_opts_default(struct screens_opts *o);

struct screens {
    uint32_t n;                             /* bids in the tender */
    double full[SCREEN_COUNT];              /* the screens of all bids; NaN undefined */
    double sub3[SCREEN_COUNT][SSTAT_COUNT]; /* summaries over 3-bid subsets (KURT NaN) */
    double sub4[SCREEN_COUNT][SSTAT_COUNT]; /* summaries over 4-bid subsets */
    uint32_t nsub3, nsub4;                  /* subsets evaluated of each size */
    bool sampled;                           /* n > SCREENS_SUBSET_MAX_N: subsets drawn */
    /* patterns of this tender */
    uint32_t identical;    /* bids equal to at least one other bid of the tender */
    uint32_t arith_run;    /* most bids in one run of equal adjacent gaps (>= 3), else 0 */
    double arith_gap;      /* that gap; NaN when arith_run is 0 */
    uint32_t near_ceiling; /* bids >= ceiling * (1 - ceiling_pct); 0 without a ceiling */
    double win_discount;   /* 1 - b1 / ceiling; NaN without a ceiling */
};

/* Scratch memory of one thread. */
struct screens_ws {
    struct screens_opts o;
    double *vals; /* (SCREEN_COUNT + 2) * SCREENS_MAX_SUBSETS: a column of values of one
                     subset size per screen, and scratch for the median */
};

int screens_ws_init(struct screens_ws *ws, const struct screens_opts *o); /* 0 or -1 (no memory) */
void screens_ws_release(struct screens_ws *ws);

/* The nine screens of n sorted bids into out[SCREEN_COUNT]. Pure; no workspace. */
void screens_full(const double *sorted, size_t n, double out[SCREEN_COUNT]);

/* Everything of one tender: sorted bids b[0..n), ceiling (NaN for none). */
void screens_compute(struct screens_ws *ws, const double *sorted, size_t n, double ceiling,
                     struct screens *out);

/* The model's feature vector of s into out[SCREENS_NFEATURES]. */
void screens_features(const struct screens *s, double out[SCREENS_NFEATURES]);
/* Name of feature i ("nbids", "cv", "s3_rd_median", ...); NULL past the end. */
const char *screens_feature_name(size_t i);
/* Lower-case name of a screen ("cv", "rdnor", ...). */
const char *screens_name(enum screen_id id);
const char *screens_stat_name(enum screen_stat st);

/* Screens of tenders [from, to) of t, on nthreads threads (0 or 1: the
 * caller's): into sc[to - from] if sc is not NULL, and their features into
 * feat (row-major, SCREENS_NFEATURES a row) if feat is not NULL. Results do
 * not depend on nthreads. Returns 0, or -1 when memory or a thread could not
 * be had. */
int screens_batch(const struct bid_table *t, size_t from, size_t to, const struct screens_opts *o,
                  unsigned nthreads, struct screens *sc, double *feat);

#endif
