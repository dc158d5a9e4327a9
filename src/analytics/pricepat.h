/*
 * pricepat.h — price patterns: the evidence a supervisor can read off the
 * bids themselves, next to the screens (docs/screens.md, "Patterns").
 *
 * Within one tender (from struct screens):
 *   identical_prices     two or more bids of exactly the same value
 *   arithmetic_progression  three or more adjacent bids with equal gaps
 *   near_ceiling         at least half of the bids (and at least 2) within
 *                        ceiling_pct below the ceiling price
 * Across tenders (needs the bidder column; the discount needs a ceiling):
 *   fixed_ratio          two bidders whose bids stand in the same ratio
 *                        (within ratio_tol, relative) in at least
 *                        min_tenders tenders and in at least half of the
 *                        tenders both bid in
 *   same_discount        a bidder bidding the same discount off the ceiling
 *                        (1 - bid / ceiling, within discount_tol) in at
 *                        least min_tenders tenders and at least half of its
 *                        tenders with a ceiling
 *
 * "The same" is the largest cluster of values no wider than the tolerance
 * (a sliding window over the sorted values). Pairs are formed only in
 * tenders of at most max_pair_bids bids, and at most max_pairs pair records
 * are kept (PRICEPAT_ETOOBIG past it), so memory stays bounded.
 */
#ifndef SUNBID_PRICEPAT_H
#define SUNBID_PRICEPAT_H

#include <stddef.h>
#include <stdint.h>

#include "analytics/bidcsv.h"
#include "analytics/screens.h"

enum pricepat_kind {
    PRICEPAT_IDENTICAL,
    PRICEPAT_ARITHMETIC,
    PRICEPAT_NEAR_CEILING,
    PRICEPAT_FIXED_RATIO,
    PRICEPAT_SAME_DISCOUNT
};

enum { PRICEPAT_OK = 0, PRICEPAT_ENOMEM = -1, PRICEPAT_ETOOBIG = -2 };

struct pricepat_opts {
    double ratio_tol;       /* relative width of a cluster of ratios (default 0.001) */
    double discount_tol;    /* width of a cluster of discounts (default 0.001) */
    unsigned min_tenders;   /* default 3 */
    unsigned max_pair_bids; /* default 50 */
    size_t max_pairs;       /* default 20,000,000 */
};

void pricepat_opts_default(struct pricepat_opts *o);

struct pricepat_hit {
    enum pricepat_kind kind;
    size_t tender;    /* tender index (within-tender kinds); SIZE_MAX otherwise */
    uint32_t a, b;    /* bidder indices (BIDCSV_NO_BIDDER when not about bidders) */
    uint32_t tenders; /* tenders looked at: 1, or those the bidder(s) bid in */
    uint32_t count;   /* bids (within a tender) or tenders (across) showing it */
    double value;     /* the price, gap, share, ratio or discount */
};

/* Whether the patterns of one tender (its screens s, n bids) give hits;
 * appends up to 3 to hits (room for 3 needed). Returns how many. */
size_t pricepat_tender(const struct screens *s, const double *sorted, size_t tender,
                       struct pricepat_hit *hits);

/* The patterns across the tenders of t. *hits is a new array (free()). */
int pricepat_across(const struct bid_table *t, const struct pricepat_opts *o,
                    struct pricepat_hit **hits, size_t *nhits);

const char *pricepat_name(enum pricepat_kind k);

#endif
