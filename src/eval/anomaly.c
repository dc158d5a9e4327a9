/*
 * eval/anomaly.c — score anomaly warnings (eval.h, docs/evaluation.md
 * "Warnings"). Four checks over the experts' subjective scores:
 *
 *   outlier    leave-one-out: expert e's score x of (bid, item) against the
 *              OTHER experts' scores of it — their median m and median
 *              absolute deviation MAD; sigma = max(1.4826 × MAD, 2 % of the
 *              item's points) (1.4826 makes MAD estimate a normal standard
 *              deviation; the floor keeps unanimous others from making any
 *              difference infinite). A warning when |x − m| > k × sigma
 *              (k = mad_k, 3.5 by default: Iglewicz and Hoaglin's cut-off
 *              for the modified z-score) and |x − m| >= min_gap × points
 *              (10 % by default), so a half-point difference among close
 *              scores is not flagged. Run per item and on the expert's sum
 *              of subjective points for the bid (item -1, with half that
 *              share as the least gap), which catches one expert marking
 *              one bidder down a little on every item.
 *              Needs at least three other experts.
 *   range      a score outside the item's allowed range (min..max).
 *   identical  two experts' whole sheets (every bid, every subjective item)
 *              are equal, with at least two scores in them.
 *   pivotal    without expert e's scores (the others aggregated the same
 *              way) the first-ranked bid is another one.
 *
 * Cost: outliers O(ne² · nb · ni) with tiny sorts; pivotal ne recomputations
 * of the result. 200 bids × 9 experts × 40 items runs in a few ms
 * (bench/evaluation.c). Any thread.
 */
#include "eval/eval.h"

#include <stdlib.h>
#include <string.h>

static const char *const warn_names[EW__COUNT] = {"outlier", "range", "identical", "pivotal"};

const char *eval_warn_name(enum eval_warn_kind k)
{
    return (unsigned)k < EW__COUNT ? warn_names[k] : "?";
}

struct sink {
    struct eval_warning *w;
    int max;
    int n;
};

static void emit(struct sink *s, const struct eval_warning *w)
{
    if (s->n < s->max)
        s->w[s->n] = *w;
    s->n++;
}

/* Sorts a few values in place (insertion sort: n <= EVAL_EXPERTS_MAX). */
static void sort_small(int64_t *v, int n)
{
    for (int i = 1; i < n; i++) {
        int64_t x = v[i];
        int j = i - 1;
        while (j >= 0 && v[j] > x) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

/* The median of sorted v (the mean of the middle two, rounded down). */
static int64_t median_sorted(const int64_t *v, int n)
{
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Checks the ne values x[] (one per expert) of one bid and item with full
 * points `points`; item -1 is the sheet's sum. */
static void outliers(const struct eval_template *t, const int64_t *x, int ne, int64_t points,
                     int64_t min_gap_bp, int b, int item, struct sink *s)
{
    int64_t o[EVAL_EXPERTS_MAX], d[EVAL_EXPERTS_MAX];
    if (ne < 4)
        return;
    for (int e = 0; e < ne; e++) {
        int n = 0;
        for (int k = 0; k < ne; k++)
            if (k != e)
                o[n++] = x[k];
        sort_small(o, n);
        int64_t m = median_sorted(o, n);
        for (int k = 0; k < n; k++)
            d[k] = o[k] > m ? o[k] - m : m - o[k];
        sort_small(d, n);
        int64_t mad = median_sorted(d, n);
        int64_t sigma = (mad * 14826 + 5000) / 10000;
        int64_t floor = (points * 2 + 50) / 100;
        if (sigma < floor)
            sigma = floor;
        if (sigma < 1)
            sigma = 1;
        int64_t gap = x[e] > m ? x[e] - m : m - x[e];
        int64_t min_gap = (points * min_gap_bp + 5000) / 10000;
        if (gap * 100 <= t->anomaly.mad_k_centi * sigma || gap < min_gap)
            continue;
        int64_t z = gap * 100 / sigma;
        struct eval_warning w = {.kind = EW_OUTLIER,
                                 .expert = e,
                                 .other = -1,
                                 .bidder = b,
                                 .item = item,
                                 .score = x[e],
                                 .median = m,
                                 .z_centi = z > 999999 ? 999999 : z};
        emit(s, &w);
    }
}

int eval_anomalies(const struct eval_input *in, const struct eval_result *r, struct eval_warning *w,
                   int max, int *n)
{
    const struct eval_template *t = in->t;
    int nb = in->nb, ne = in->ne, ni = t->nitems;
    struct sink s = {w, max, 0};
    int64_t x[EVAL_EXPERTS_MAX];
    int64_t subj_points = 0;
    int nsubj = 0;
    int rc = EVAL_OK;
    *n = 0;
    for (int i = 0; i < ni; i++)
        if (t->items[i].kind == EK_SUBJECTIVE) {
            subj_points += t->items[i].points;
            nsubj++;
        }
    if (nsubj == 0 || ne == 0 || in->scores == NULL)
        return EVAL_OK;
    size_t sheet = (size_t)nb * (size_t)ni;
    /* range and outliers, per bid */
    int64_t *sum = calloc((size_t)ne, sizeof(int64_t));
    if (sum == NULL)
        return EVAL_ETOOBIG;
    for (int b = 0; b < nb; b++) {
        bool complete = true;
        memset(sum, 0, sizeof(int64_t) * (size_t)ne);
        for (int i = 0; i < ni; i++) {
            const struct eval_item *it = &t->items[i];
            if (it->kind != EK_SUBJECTIVE)
                continue;
            bool all = true;
            for (int e = 0; e < ne; e++) {
                int64_t v = in->scores[(size_t)e * sheet + (size_t)b * (size_t)ni + (size_t)i];
                x[e] = v;
                if (v == EVAL_ABSENT) {
                    all = false;
                    continue;
                }
                sum[e] += v;
                if (v < it->min || v > it->max) {
                    struct eval_warning rw = {.kind = EW_RANGE,
                                              .expert = e,
                                              .other = -1,
                                              .bidder = b,
                                              .item = i,
                                              .score = v,
                                              .median = v < it->min ? it->min : it->max};
                    emit(&s, &rw);
                }
            }
            if (all)
                outliers(t, x, ne, it->points, t->anomaly.min_gap_bp, b, i, &s);
            else
                complete = false;
        }
        if (complete && nsubj > 1)
            outliers(t, sum, ne, subj_points, t->anomaly.min_gap_bp / 2, b, -1, &s);
    }
    free(sum);
    /* identical sheets */
    for (int e = 0; e < ne; e++) {
        const int64_t *a = in->scores + (size_t)e * sheet;
        int given = 0;
        for (size_t k = 0; k < sheet && given < 2; k++)
            given += a[k] != EVAL_ABSENT;
        if (given < 2)
            continue;
        for (int f = e + 1; f < ne; f++)
            if (memcmp(a, in->scores + (size_t)f * sheet, sizeof(int64_t) * sheet) == 0) {
                struct eval_warning iw = {
                    .kind = EW_IDENTICAL, .expert = e, .other = f, .bidder = -1, .item = -1};
                emit(&s, &iw);
            }
    }
    /* pivotal experts */
    if (ne >= 2 && r->nvalid > 0) {
        struct eval_result r2;
        bool use[EVAL_EXPERTS_MAX];
        int winner = r->order[0];
        rc = eval_result_init(&r2, nb, ni);
        if (rc != EVAL_OK)
            return rc;
        for (int e = 0; e < ne; e++) {
            for (int k = 0; k < ne; k++)
                use[k] = k != e;
            rc = eval_compute(in, use, &r2);
            if (rc != EVAL_OK)
                break;
            /* another first bid, which does not merely tie with the winner */
            int w2 = r2.order[0];
            if (r2.nvalid > 0 && w2 != winner && r2.rank[winner] != 1) {
                struct eval_warning pw = {
                    .kind = EW_PIVOTAL, .expert = e, .other = w2, .bidder = winner, .item = -1};
                emit(&s, &pw);
            }
        }
        eval_result_release(&r2);
    }
    *n = s.n;
    return rc;
}
