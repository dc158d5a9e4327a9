/*
 * eval/score.c — qualification, the price formulas, aggregation and ranking
 * (eval.h; docs/evaluation.md has every formula with its source).
 *
 * All arithmetic is integer: fen and centi-points, products in 128 bits,
 * every quotient rounded half up (ties away from zero) by div_half_up, so a
 * score is the same number on every machine and in the hand-computed
 * examples of tests/unit/test_eval_price.c.
 *
 * Ranking (the tie-breaks, in order):
 *   comprehensive      total points, higher first; then the bid price,
 *                      lower first; then the points other than price, higher
 *                      first (87號令 art. 55: 得分相同的，按投標報價由低到高
 *                      順序排列); still equal: the same rank (並列)
 *   lowest_evaluated   evaluated price, lower first; then the bid price
 *   lowest_price       the bid price, lower first
 *   highest_price      the bid price, higher first
 * Bids of the same rank are listed in input order (the opening's order),
 * and tie_at_cutoff tells the committee when a tie straddles the last
 * candidate: the law leaves that to the tender documents or the committee.
 *
 * Any thread.
 */
#include "eval/eval.h"

#include <stdlib.h>
#include <string.h>

/* n / d rounded half up (away from zero); d > 0. */
static int64_t div_half_up(__int128 n, __int128 d)
{
    if (n >= 0)
        return (int64_t)((2 * n + d) / (2 * d));
    return -(int64_t)((2 * -n + d) / (2 * d));
}

int eval_qualify(const int8_t *votes, int ne, int nb, int nc, bool *qualified, int *failed)
{
    for (int b = 0; b < nb; b++) {
        qualified[b] = true;
        if (failed != NULL)
            failed[b] = -1;
        for (int c = 0; c < nc; c++) {
            int pass = 0;
            for (int e = 0; e < ne; e++) {
                int8_t v = votes[((size_t)e * (size_t)nb + (size_t)b) * (size_t)nc + (size_t)c];
                if (v == EVAL_ABSENT)
                    return EVAL_EINCOMPLETE;
                pass += v == 1;
            }
            if (2 * pass <= ne && qualified[b]) {
                qualified[b] = false;
                if (failed != NULL)
                    failed[b] = c;
            }
        }
    }
    return EVAL_OK;
}

/* ---- the price formulas ---- */

int64_t eval_price_low_base(int64_t points, int64_t base_fen, int64_t price_fen)
{
    if (price_fen <= 0 || base_fen <= 0)
        return 0;
    int64_t s = div_half_up((__int128)points * base_fen, price_fen);
    return s > points ? points : s;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int64_t eval_price_avg_base(const int64_t *prices, int n, int trim_min, int64_t k_bp, int64_t *avg)
{
    __int128 sum = 0;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    if (avg != NULL)
        *avg = 0;
    if (n <= 0)
        return 0;
    for (int i = 0; i < n; i++) {
        sum += prices[i];
        lo = prices[i] < lo ? prices[i] : lo;
        hi = prices[i] > hi ? prices[i] : hi;
    }
    int m = n;
    if (trim_min > 0 && n >= trim_min) {
        sum -= (__int128)lo + hi;
        m -= 2;
    }
    if (avg != NULL)
        *avg = div_half_up(sum, m);
    return div_half_up(sum * k_bp, (__int128)m * 10000);
}

int64_t eval_price_avg_score(int64_t points, int64_t base_fen, int64_t price_fen,
                             int64_t above_centi, int64_t below_centi)
{
    if (base_fen <= 0 || price_fen <= 0)
        return 0;
    int64_t diff = price_fen - base_fen;
    int64_t per = diff > 0 ? above_centi : below_centi;
    __int128 ad = diff < 0 ? -(__int128)diff : diff;
    /* |d| in percent = ad / base × 100; points off = |d| × per */
    int64_t off = div_half_up(ad * 100 * per, base_fen);
    return off >= points ? 0 : points - off;
}

int64_t eval_aggregate(const int64_t *v, int n, enum eval_aggregate how)
{
    __int128 sum = 0;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    if (n <= 0)
        return 0;
    for (int i = 0; i < n; i++) {
        sum += v[i];
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    if (how == EA_TRIMMED && n >= 5) {
        sum -= (__int128)lo + hi;
        n -= 2;
    }
    return div_half_up(sum, n);
}

/* ---- the result ---- */

int eval_result_init(struct eval_result *r, int nb, int ni)
{
    memset(r, 0, sizeof(*r));
    if (nb < 0 || nb > EVAL_BIDDERS_MAX || ni < 0 || ni > EVAL_ITEMS_MAX)
        return EVAL_ETOOBIG;
    size_t b = (size_t)(nb > 0 ? nb : 1), bi = b * (size_t)(ni > 0 ? ni : 1);
    r->nb = nb;
    r->ni = ni;
    r->valid = calloc(b, sizeof(bool));
    r->invalid = calloc(b, sizeof(char *));
    r->item = calloc(bi, sizeof(int64_t));
    r->tech = calloc(b, sizeof(int64_t));
    r->total = calloc(b, sizeof(int64_t));
    r->evaluated = calloc(b, sizeof(int64_t));
    r->order = calloc(b, sizeof(int));
    r->rank = calloc(b, sizeof(int));
    if (!r->valid || !r->invalid || !r->item || !r->tech || !r->total || !r->evaluated ||
        !r->order || !r->rank) {
        eval_result_release(r);
        return EVAL_ETOOBIG;
    }
    return EVAL_OK;
}

void eval_result_release(struct eval_result *r)
{
    free(r->valid);
    free(r->invalid);
    free(r->item);
    free(r->tech);
    free(r->total);
    free(r->evaluated);
    free(r->order);
    free(r->rank);
    memset(r, 0, sizeof(*r));
}

/* The comparison of two valid bids by the method's order: < 0 when a ranks
 * before b, 0 when they tie completely. */
static int rank_cmp(const struct eval_input *in, const struct eval_result *r, int a, int b)
{
    const int64_t *p = in->price_fen;
#define BY(x, y)                                                                                   \
    do {                                                                                           \
        if ((x) != (y))                                                                            \
            return (x) < (y) ? -1 : 1;                                                             \
    } while (0)
    switch (in->t->method) {
    case EM_COMPREHENSIVE:
        BY(-r->total[a], -r->total[b]);
        BY(p[a], p[b]);
        BY(-r->tech[a], -r->tech[b]);
        return 0;
    case EM_LOWEST_EVALUATED:
        BY(r->evaluated[a], r->evaluated[b]);
        BY(p[a], p[b]);
        return 0;
    case EM_LOWEST_PRICE:
        BY(p[a], p[b]);
        return 0;
    case EM_HIGHEST_PRICE:
        BY(-p[a], -p[b]);
        return 0;
    }
#undef BY
    return 0;
}

/* Insertion-free ranking: a stable merge sort of the valid indices. */
static void sort_valid(const struct eval_input *in, const struct eval_result *r, int *v, int *tmp,
                       int n)
{
    if (n < 2)
        return;
    int h = n / 2;
    sort_valid(in, r, v, tmp, h);
    sort_valid(in, r, v + h, tmp, n - h);
    int i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = rank_cmp(in, r, v[j], v[i]) < 0 ? v[j++] : v[i++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, sizeof(int) * (size_t)n);
}

/* The subjective item i of bidder b aggregated over the used experts. */
static int subjective(const struct eval_input *in, const bool *use, int b, int i, int64_t *buf,
                      int64_t *out)
{
    int n = 0, ni = in->t->nitems;
    for (int e = 0; e < in->ne; e++) {
        if (use != NULL && !use[e])
            continue;
        int64_t s = in->scores[((size_t)e * (size_t)in->nb + (size_t)b) * (size_t)ni + (size_t)i];
        if (s == EVAL_ABSENT)
            return EVAL_EINCOMPLETE;
        buf[n++] = s;
    }
    if (n == 0)
        return EVAL_EINCOMPLETE;
    *out = eval_aggregate(buf, n, in->t->aggregate);
    return EVAL_OK;
}

int eval_compute(const struct eval_input *in, const bool *use, struct eval_result *r)
{
    const struct eval_template *t = in->t;
    int nb = in->nb, ni = t->nitems;
    int64_t buf[EVAL_EXPERTS_MAX];
    int rc = EVAL_OK;
    if (nb != r->nb || ni != r->ni || in->ne < 0 || in->ne > EVAL_EXPERTS_MAX)
        return EVAL_EINVAL;
    /* validity */
    r->nvalid = 0;
    for (int b = 0; b < nb; b++) {
        const char *why = NULL;
        if (in->qualified != NULL && !in->qualified[b])
            why = EVAL_INVALID_QUALIFICATION;
        else if (in->price_fen[b] <= 0)
            why = EVAL_INVALID_PRICE;
        else if (in->ceiling_fen > 0 && in->price_fen[b] > in->ceiling_fen)
            why = EVAL_INVALID_CEILING;
        r->valid[b] = why == NULL;
        r->invalid[b] = why;
        r->nvalid += why == NULL;
        r->tech[b] = r->total[b] = r->evaluated[b] = 0;
        r->rank[b] = 0;
    }
    memset(r->item, 0, sizeof(int64_t) * (size_t)nb * (size_t)(ni > 0 ? ni : 1));
    /* the price base over the valid bids */
    r->base_fen = r->avg_fen = 0;
    int64_t *vp = malloc(sizeof(int64_t) * (size_t)(nb > 0 ? nb : 1));
    int *order = malloc(sizeof(int) * (size_t)(nb > 0 ? nb : 1) * 2);
    if (vp == NULL || order == NULL) {
        rc = EVAL_ETOOBIG;
        goto out;
    }
    int nv = 0;
    for (int b = 0; b < nb; b++)
        if (r->valid[b])
            vp[nv++] = in->price_fen[b];
    if (t->method == EM_COMPREHENSIVE && nv > 0) {
        if (t->price.formula == EPF_LOW_BASE) {
            qsort(vp, (size_t)nv, sizeof(int64_t), cmp_i64);
            r->base_fen = vp[0];
        } else {
            r->base_fen =
                eval_price_avg_base(vp, nv, t->price.trim_min, t->price.k_bp, &r->avg_fen);
        }
    }
    /* item scores */
    for (int b = 0; b < nb; b++) {
        if (!r->valid[b])
            continue;
        if (t->method == EM_LOWEST_EVALUATED)
            r->evaluated[b] = in->price_fen[b] + (in->adjust_fen ? in->adjust_fen[b] : 0);
        for (int i = 0; i < ni; i++) {
            const struct eval_item *it = &t->items[i];
            int64_t s = 0;
            if (it->kind == EK_SUBJECTIVE) {
                rc = subjective(in, use, b, i, buf, &s);
                if (rc != EVAL_OK)
                    goto out;
            } else if (it->kind == EK_PRICE) {
                s = t->price.formula == EPF_LOW_BASE
                        ? eval_price_low_base(it->points, r->base_fen, in->price_fen[b])
                        : eval_price_avg_score(it->points, r->base_fen, in->price_fen[b],
                                               t->price.above_centi, t->price.below_centi);
            } else {
                /* objective: points × best / value (lower better) or value / best */
                int64_t v =
                    in->field ? in->field[(size_t)b * (size_t)ni + (size_t)i] : EVAL_FIELD_ABSENT;
                int64_t best = 0;
                for (int o = 0; o < nb; o++) {
                    int64_t w = in->field ? in->field[(size_t)o * (size_t)ni + (size_t)i]
                                          : EVAL_FIELD_ABSENT;
                    if (!r->valid[o] || w == EVAL_FIELD_ABSENT || w <= 0)
                        continue;
                    if (best == 0 || (it->higher ? w > best : w < best))
                        best = w;
                }
                if (v != EVAL_FIELD_ABSENT && v > 0 && best > 0)
                    s = it->higher ? div_half_up((__int128)it->points * v, best)
                                   : div_half_up((__int128)it->points * best, v);
            }
            r->item[(size_t)b * (size_t)ni + (size_t)i] = s;
            if (it->kind != EK_PRICE)
                r->tech[b] += s;
            if (t->method == EM_COMPREHENSIVE)
                r->total[b] += s;
        }
    }
    /* ranking */
    int n = 0;
    for (int b = 0; b < nb; b++)
        if (r->valid[b])
            order[n++] = b;
    sort_valid(in, r, order, order + nb, n);
    for (int k = 0; k < n; k++)
        r->rank[order[k]] =
            k > 0 && rank_cmp(in, r, order[k - 1], order[k]) == 0 ? r->rank[order[k - 1]] : k + 1;
    int m = n;
    for (int b = 0; b < nb; b++)
        if (!r->valid[b])
            order[m++] = b;
    memcpy(r->order, order, sizeof(int) * (size_t)nb);
    r->ncand = t->candidates < n ? t->candidates : n;
    r->tie_at_cutoff =
        r->ncand > 0 && r->ncand < n && r->rank[order[r->ncand]] == r->rank[order[r->ncand - 1]];
out:
    free(vp);
    free(order);
    return rc;
}
