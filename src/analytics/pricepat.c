/*
 * pricepat.c — the price patterns of pricepat.h.
 *
 * Across tenders, every (bidder pair, ratio) and (bidder, discount) record is
 * put in one flat array, sorted by key then value, and each key's run is
 * scanned with a sliding window for the largest cluster. Sorting keeps it
 * O(r log r) in the number of records, with no hash tables.
 */
#include "analytics/pricepat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void pricepat_opts_default(struct pricepat_opts *o)
{
    o->ratio_tol = 0.001;
    o->discount_tol = 0.001;
    o->min_tenders = 3;
    o->max_pair_bids = 50;
    o->max_pairs = 20000000;
}

const char *pricepat_name(enum pricepat_kind k)
{
    switch (k) {
    case PRICEPAT_IDENTICAL:
        return "identical_prices";
    case PRICEPAT_ARITHMETIC:
        return "arithmetic_progression";
    case PRICEPAT_NEAR_CEILING:
        return "near_ceiling";
    case PRICEPAT_FIXED_RATIO:
        return "fixed_ratio";
    case PRICEPAT_SAME_DISCOUNT:
        return "same_discount";
    }
    return "?";
}

size_t pricepat_tender(const struct screens *s, const double *x, size_t tender,
                       struct pricepat_hit *hits)
{
    size_t k = 0;
    if (s->identical >= 2) {
        double v = NAN; /* the lowest repeated price */
        for (size_t i = 0; i + 1 < s->n; i++)
            if (x[i] == x[i + 1]) {
                v = x[i];
                break;
            }
        hits[k++] = (struct pricepat_hit){
            PRICEPAT_IDENTICAL, tender, BIDCSV_NO_BIDDER, BIDCSV_NO_BIDDER, 1, s->identical, v};
    }
    if (s->arith_run >= 3)
        hits[k++] = (struct pricepat_hit){PRICEPAT_ARITHMETIC, tender, BIDCSV_NO_BIDDER,
                                          BIDCSV_NO_BIDDER,    1,      s->arith_run,
                                          s->arith_gap};
    if (s->n > 0 && s->near_ceiling >= 2 && 2 * s->near_ceiling >= s->n)
        hits[k++] = (struct pricepat_hit){PRICEPAT_NEAR_CEILING,
                                          tender,
                                          BIDCSV_NO_BIDDER,
                                          BIDCSV_NO_BIDDER,
                                          1,
                                          s->near_ceiling,
                                          (double)s->near_ceiling / (double)s->n};
    return k;
}

/* One record: a key (bidder pair or bidder) and a value (ratio or discount). */
struct rec {
    uint32_t a, b;
    double v;
};

static int rec_cmp(const void *x, const void *y)
{
    const struct rec *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    if (p->b != q->b)
        return p->b < q->b ? -1 : 1;
    return (p->v > q->v) - (p->v < q->v);
}

struct recs {
    struct rec *r;
    size_t n, cap, max;
};

static int recs_push(struct recs *rs, uint32_t a, uint32_t b, double v)
{
    if (rs->n == rs->cap) {
        if (rs->n >= rs->max)
            return PRICEPAT_ETOOBIG;
        size_t cap = rs->cap ? rs->cap * 2 : 1024;
        if (cap > rs->max)
            cap = rs->max;
        struct rec *r = realloc(rs->r, cap * sizeof(*r));
        if (r == NULL)
            return PRICEPAT_ENOMEM;
        rs->r = r;
        rs->cap = cap;
    }
    rs->r[rs->n++] = (struct rec){a, b, v};
    return PRICEPAT_OK;
}

struct hits {
    struct pricepat_hit *h;
    size_t n, cap;
};

static int hits_push(struct hits *hs, const struct pricepat_hit *h)
{
    if (hs->n == hs->cap) {
        size_t cap = hs->cap ? hs->cap * 2 : 64;
        struct pricepat_hit *p = realloc(hs->h, cap * sizeof(*p));
        if (p == NULL)
            return PRICEPAT_ENOMEM;
        hs->h = p;
        hs->cap = cap;
    }
    hs->h[hs->n++] = *h;
    return PRICEPAT_OK;
}

/* Scans the sorted records key by key for clusters. relative: the window is
 * v_hi <= v_lo * (1 + tol); otherwise v_hi - v_lo <= tol. */
static int clusters(const struct recs *rs, double tol, bool relative, unsigned min_tenders,
                    enum pricepat_kind kind, struct hits *out)
{
    for (size_t i = 0; i < rs->n;) {
        size_t j = i;
        while (j < rs->n && rs->r[j].a == rs->r[i].a && rs->r[j].b == rs->r[i].b)
            j++;
        size_t c = j - i, best = 0, at = i;
        for (size_t lo = i, hi = i; c >= min_tenders && hi < j; hi++) {
            double lim = relative ? rs->r[lo].v * (1.0 + tol) : rs->r[lo].v + tol;
            while (rs->r[hi].v > lim) {
                lo++;
                lim = relative ? rs->r[lo].v * (1.0 + tol) : rs->r[lo].v + tol;
            }
            if (hi - lo + 1 > best) {
                best = hi - lo + 1;
                at = lo;
            }
        }
        if (c >= min_tenders && best >= min_tenders && 2 * best >= c) {
            struct pricepat_hit h = {kind,
                                     SIZE_MAX,
                                     rs->r[i].a,
                                     rs->r[i].b,
                                     (uint32_t)c,
                                     (uint32_t)best,
                                     rs->r[at + best / 2].v};
            if (hits_push(out, &h) != PRICEPAT_OK)
                return PRICEPAT_ENOMEM;
        }
        i = j;
    }
    return PRICEPAT_OK;
}

int pricepat_across(const struct bid_table *t, const struct pricepat_opts *o,
                    struct pricepat_hit **hits, size_t *nhits)
{
    struct recs pairs = {NULL, 0, 0, o->max_pairs}, disc = {NULL, 0, 0, o->max_pairs};
    struct hits out = {0};
    int rc = PRICEPAT_OK;
    *hits = NULL;
    *nhits = 0;
    if (t->bidder == NULL)
        return PRICEPAT_OK;
    for (size_t k = 0; k < t->ntenders && rc == PRICEPAT_OK; k++) {
        const struct bid_tender *bt = &t->tenders[k];
        const double *v = t->value + bt->off;
        const uint32_t *bd = t->bidder + bt->off;
        if (bt->n <= o->max_pair_bids)
            for (size_t i = 0; i < bt->n && rc == PRICEPAT_OK; i++)
                for (size_t j = 0; j < bt->n && rc == PRICEPAT_OK; j++)
                    if (bd[i] < bd[j] && bd[j] != BIDCSV_NO_BIDDER)
                        rc = recs_push(&pairs, bd[i], bd[j], v[j] / v[i]);
        if (bt->ceiling > 0)
            for (size_t i = 0; i < bt->n && rc == PRICEPAT_OK; i++)
                if (bd[i] != BIDCSV_NO_BIDDER)
                    rc = recs_push(&disc, bd[i], BIDCSV_NO_BIDDER, 1.0 - v[i] / bt->ceiling);
    }
    if (rc != PRICEPAT_OK)
        goto out;
    if (pairs.n > 1)
        qsort(pairs.r, pairs.n, sizeof(struct rec), rec_cmp);
    if (disc.n > 1)
        qsort(disc.r, disc.n, sizeof(struct rec), rec_cmp);
    rc = clusters(&pairs, o->ratio_tol, true, o->min_tenders, PRICEPAT_FIXED_RATIO, &out);
    if (rc == PRICEPAT_OK)
        rc = clusters(&disc, o->discount_tol, false, o->min_tenders, PRICEPAT_SAME_DISCOUNT, &out);
out:
    free(pairs.r);
    free(disc.r);
    if (rc != PRICEPAT_OK) {
        free(out.h);
        return rc;
    }
    *hits = out.h;
    *nhits = out.n;
    return PRICEPAT_OK;
}
