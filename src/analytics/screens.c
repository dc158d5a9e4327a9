/*
 * screens.c — the screens of screens.h.
 *
 * The full-tender screens take three short passes over the sorted bids (the
 * sum; the central moments and the losing bids' moments; the KS distance,
 * which needs the standard deviation), all in cache. Zero spread is detected
 * from the sorted order (bn == b1, bn == b2), never from a computed standard
 * deviation, which rounding can leave a hair above zero.
 *
 * Subsets: for sorted bids, nested index loops i < j < k (< l) give every
 * subset already sorted, so the subset kernel (subset_screens, inlined with a
 * constant size so the compiler unrolls it) needs no sort. Each defined value
 * is added to the running sum/min/max of its screen and appended to that
 * screen's column of the workspace; the median is then a selection
 * (quickselect, median-of-three pivot) over the column. No allocation
 * happens per tender.
 */
#include "analytics/screens.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"

#define SQRT3 1.7320508075688772

void screens_opts_default(struct screens_opts *o)
{
    o->seed = 1;
    o->subsets = true;
    o->ceiling_pct = 0.01;
    o->tol = 1e-9;
}

int screens_ws_init(struct screens_ws *ws, const struct screens_opts *o)
{
    if (o)
        ws->o = *o;
    else
        screens_opts_default(&ws->o);
    ws->vals = malloc(sizeof(double) * (SCREEN_COUNT + 2) * SCREENS_MAX_SUBSETS);
    return ws->vals ? 0 : -1;
}

void screens_ws_release(struct screens_ws *ws)
{
    free(ws->vals);
    ws->vals = NULL;
}

static const char *const screen_names[SCREEN_COUNT] = {"cv",    "spd",  "diffp", "rd", "rdnor",
                                                       "rdalt", "kurt", "skew",  "ks"};
static const char *const stat_names[SSTAT_COUNT] = {"mean", "median", "min", "max"};

const char *screens_name(enum screen_id id)
{
    return (unsigned)id < SCREEN_COUNT ? screen_names[id] : NULL;
}

const char *screens_stat_name(enum screen_stat st)
{
    return (unsigned)st < SSTAT_COUNT ? stat_names[st] : NULL;
}

#define SUMS(p, x) p "_" #x "_mean", p "_" #x "_median", p "_" #x "_min", p "_" #x "_max"
static const char *const feature_names[SCREENS_NFEATURES] = {"nbids",
                                                             "cv",
                                                             "spd",
                                                             "diffp",
                                                             "rd",
                                                             "rdnor",
                                                             "rdalt",
                                                             "kurt",
                                                             "skew",
                                                             "ks",
                                                             SUMS("s3", cv),
                                                             SUMS("s3", spd),
                                                             SUMS("s3", diffp),
                                                             SUMS("s3", rd),
                                                             SUMS("s3", rdnor),
                                                             SUMS("s3", rdalt),
                                                             SUMS("s3", skew),
                                                             SUMS("s3", ks),
                                                             SUMS("s4", cv),
                                                             SUMS("s4", spd),
                                                             SUMS("s4", diffp),
                                                             SUMS("s4", rd),
                                                             SUMS("s4", rdnor),
                                                             SUMS("s4", rdalt),
                                                             SUMS("s4", kurt),
                                                             SUMS("s4", skew),
                                                             SUMS("s4", ks),
                                                             "identical_share"};
#undef SUMS

const char *screens_feature_name(size_t i)
{
    return i < SCREENS_NFEATURES ? feature_names[i] : NULL;
}

/* KS distance of sorted x[0..n) from the uniform distribution with mean m and
 * standard deviation s > 0. */
static inline double ks_uniform(const double *x, size_t n, double m, double s)
{
    double lo = m - SQRT3 * s, iw = 1.0 / (2.0 * SQRT3 * s), d = 0.0, inv = 1.0 / (double)n;
    for (size_t i = 0; i < n; i++) {
        double f = (x[i] - lo) * iw;
        f = f < 0.0 ? 0.0 : (f > 1.0 ? 1.0 : f);
        double up = (double)(i + 1) * inv - f, dn = f - (double)i * inv;
        d = up > d ? up : d;
        d = dn > d ? dn : d;
    }
    return d;
}

void screens_full(const double *x, size_t n, double o[SCREEN_COUNT])
{
    for (int j = 0; j < SCREEN_COUNT; j++)
        o[j] = NAN;
    if (n < 2)
        return;
    double b1 = x[0], b2 = x[1], bn = x[n - 1], dn = (double)n;
    double gap = b2 - b1;
    o[SCREEN_SPD] = (bn - b1) / b1;
    o[SCREEN_DIFFP] = gap / b1;
    if (bn == b1) { /* every bid equal */
        o[SCREEN_CV] = 0.0;
        return;
    }
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    double m = sum / dn, m2 = 0.0, m3 = 0.0, m4 = 0.0;
    double lm = n > 1 ? (sum - b1) / (dn - 1.0) : 0.0, l2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - m, d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
        if (i > 0) {
            double e = x[i] - lm;
            l2 += e * e;
        }
    }
    double var = m2 / (dn - 1.0), s = sqrt(var);
    o[SCREEN_CV] = s / m;
    o[SCREEN_RDNOR] = gap * (dn - 1.0) / (bn - b1);
    o[SCREEN_KS] = ks_uniform(x, n, m, s);
    if (n < 3)
        return;
    if (bn > b2) { /* the losing bids are not all equal */
        o[SCREEN_RD] = gap / sqrt(l2 / (dn - 2.0));
        o[SCREEN_RDALT] = gap * (dn - 2.0) / (bn - b2);
    }
    o[SCREEN_SKEW] = dn / ((dn - 1.0) * (dn - 2.0)) * (m3 / (var * s));
    if (n < 4)
        return;
    o[SCREEN_KURT] = dn * (dn + 1.0) / ((dn - 1.0) * (dn - 2.0) * (dn - 3.0)) * (m4 / (var * var)) -
                     3.0 * (dn - 1.0) * (dn - 1.0) / ((dn - 2.0) * (dn - 3.0));
}

/* The screens of one sorted subset of k = 3 or 4 bids; inlined per k. Same
 * formulas as screens_full(). */
static inline __attribute__((always_inline)) void subset_screens(const double *x, const int k,
                                                                 double o[SCREEN_COUNT])
{
    const double dk = (double)k;
    double b1 = x[0], b2 = x[1], bn = x[k - 1], gap = b2 - b1;
    o[SCREEN_SPD] = (bn - b1) / b1;
    o[SCREEN_DIFFP] = gap / b1;
    if (bn == b1) {
        o[SCREEN_CV] = 0.0;
        o[SCREEN_RD] = o[SCREEN_RDNOR] = o[SCREEN_RDALT] = NAN;
        o[SCREEN_KURT] = o[SCREEN_SKEW] = o[SCREEN_KS] = NAN;
        return;
    }
    double sum = 0.0;
    for (int i = 0; i < k; i++)
        sum += x[i];
    double m = sum / dk, lm = (sum - b1) / (dk - 1.0), m2 = 0.0, m3 = 0.0, m4 = 0.0, l2 = 0.0;
    for (int i = 0; i < k; i++) {
        double d = x[i] - m, d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    for (int i = 1; i < k; i++) {
        double e = x[i] - lm;
        l2 += e * e;
    }
    double var = m2 / (dk - 1.0), s = sqrt(var);
    o[SCREEN_CV] = s / m;
    o[SCREEN_RDNOR] = gap * (dk - 1.0) / (bn - b1);
    if (bn > b2) {
        o[SCREEN_RD] = gap / sqrt(l2 / (dk - 2.0));
        o[SCREEN_RDALT] = gap * (dk - 2.0) / (bn - b2);
    } else {
        o[SCREEN_RD] = o[SCREEN_RDALT] = NAN;
    }
    o[SCREEN_SKEW] = dk / ((dk - 1.0) * (dk - 2.0)) * (m3 / (var * s));
    if (k >= 4)
        o[SCREEN_KURT] =
            dk * (dk + 1.0) / ((dk - 1.0) * (dk - 2.0) * (dk - 3.0)) * (m4 / (var * var)) -
            3.0 * (dk - 1.0) * (dk - 1.0) / ((dk - 2.0) * (dk - 3.0));
    else
        o[SCREEN_KURT] = NAN;
    o[SCREEN_KS] = ks_uniform(x, (size_t)k, m, s);
}

/* Running summaries of one subset size. */
struct acc {
    double sum[SCREEN_COUNT], mn[SCREEN_COUNT], mx[SCREEN_COUNT];
    uint32_t cnt[SCREEN_COUNT];
    double *col; /* SCREEN_COUNT columns of SCREENS_MAX_SUBSETS */
    double *tmp; /* 2 * SCREENS_MAX_SUBSETS scratch for the median */
};

static void acc_init(struct acc *a, double *col, double *tmp)
{
    for (int j = 0; j < SCREEN_COUNT; j++) {
        a->sum[j] = 0.0;
        a->mn[j] = INFINITY;
        a->mx[j] = -INFINITY;
        a->cnt[j] = 0;
    }
    a->col = col;
    a->tmp = tmp;
}

static inline void acc_add(struct acc *a, const double v[SCREEN_COUNT])
{
    for (int j = 0; j < SCREEN_COUNT; j++) {
        double x = v[j];
        if (x != x) /* NaN: undefined for this subset */
            continue;
        a->sum[j] += x;
        a->mn[j] = x < a->mn[j] ? x : a->mn[j];
        a->mx[j] = x > a->mx[j] ? x : a->mx[j];
        a->col[(size_t)j * SCREENS_MAX_SUBSETS + a->cnt[j]++] = x;
    }
}

static double max_of(const double *a, size_t n)
{
    double m = -INFINITY;
    for (size_t i = 0; i < n; i++)
        m = a[i] > m ? a[i] : m;
    return m;
}

/* The k-th smallest (0-based) of buf[0][0..n), n >= 1, and in *below the
 * (k-1)-th (-INFINITY for k = 0). A selection in the manner of Floyd and
 * Rivest: two pivots are taken from a sorted sample of 8 so that the k-th
 * value most likely lies between them, and one pass splits the window into
 * below / between / above. The pass has no branches: each value is written
 * to all three places and the three counters advance by the comparison
 * results, so random data costs no mispredictions. Usually the middle part
 * is small enough to finish by insertion sort after one pass. buf[0..2] are
 * three buffers of n values, all clobbered. */
static double select2(double *buf[3], size_t n, size_t k, double *below)
{
    double *a = buf[0], *lowb = buf[1], *midb = buf[2];
    double lowmax = -INFINITY; /* largest value ranked below the window */
    bool stalled = false;      /* the last pass left the window as it was */
    while (n > 24) {
        double smp[8];
        for (size_t i = 0; i < 8; i++)
            smp[i] = a[(2 * i + 1) * n / 16];
        static const uint8_t net[19][2] = {{0, 1}, {2, 3}, {4, 5}, {6, 7}, {0, 2}, {1, 3}, {4, 6},
                                           {5, 7}, {1, 2}, {5, 6}, {0, 4}, {1, 5}, {2, 6}, {3, 7},
                                           {2, 4}, {3, 5}, {1, 2}, {3, 4}, {5, 6}};
        for (size_t c = 0; c < 19; c++) { /* Batcher's network: sorts 8 without branches */
            double u = smp[net[c][0]], v = smp[net[c][1]];
            smp[net[c][0]] = u < v ? u : v;
            smp[net[c][1]] = u < v ? v : u;
        }
        size_t r = k * 8 / n;
        double p1 = smp[r >= 1 ? r - 1 : 0], p2 = smp[r + 1 <= 7 ? r + 1 : 7];
        if (stalled) /* many equal values: split around p1 alone */
            p2 = p1;
        size_t lo = 0, hi = 0, md = 0;
        for (size_t i = 0; i < n; i++) {
            double x = a[i];
            size_t l = x<p1, h = x> p2;
            lowb[lo] = x;
            lowb[n - 1 - hi] = x;
            midb[md] = x;
            lo += l;
            hi += h;
            md += 1 - l - h;
        }
        double *old = a;
        if (k < lo) {
            stalled = false;
            a = lowb;
            n = lo;
            lowb = old;
        } else if (k < lo + md) {
            if (lo > 0)
                lowmax = max_of(lowb, lo);
            if (p1 == p2) { /* the middle part is all one value */
                *below = k > lo ? p1 : lowmax;
                return p1;
            }
            stalled = md == n;
            a = midb;
            k -= lo;
            n = md;
            midb = old;
        } else {
            stalled = false;
            lowmax = md > 0 ? max_of(midb, md) : max_of(lowb, lo);
            a = lowb + (n - hi);
            k -= lo + md;
            n = hi;
            lowb = old;
        }
    }
    for (size_t i = 1; i < n; i++) { /* a small window: insertion sort */
        double x = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > x) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
    *below = k > 0 ? a[k - 1] : lowmax;
    return a[k];
}

/* Median of a[0..n): the middle value, or the mean of the two middle values. */
static double median(double *a, double *tmp, uint32_t n)
{
    double below, *buf[3] = {a, tmp, tmp + SCREENS_MAX_SUBSETS};
    double up = select2(buf, n, n / 2, &below);
    return n % 2 == 1 ? up : (below + up) / 2.0;
}

static void acc_finish(struct acc *a, double out[SCREEN_COUNT][SSTAT_COUNT])
{
    for (int j = 0; j < SCREEN_COUNT; j++) {
        if (a->cnt[j] == 0) {
            for (int st = 0; st < SSTAT_COUNT; st++)
                out[j][st] = NAN;
            continue;
        }
        out[j][SSTAT_MEAN] = a->sum[j] / (double)a->cnt[j];
        out[j][SSTAT_MEDIAN] = median(a->col + (size_t)j * SCREENS_MAX_SUBSETS, a->tmp, a->cnt[j]);
        out[j][SSTAT_MIN] = a->mn[j];
        out[j][SSTAT_MAX] = a->mx[j];
    }
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Every 3-subset of sorted x[0..n). */
static uint32_t all3(const double *x, size_t n, struct acc *a)
{
    double y[3], v[SCREEN_COUNT];
    uint32_t c = 0;
    for (size_t i = 0; i + 2 < n; i++) {
        y[0] = x[i];
        for (size_t j = i + 1; j + 1 < n; j++) {
            y[1] = x[j];
            for (size_t k = j + 1; k < n; k++) {
                y[2] = x[k];
                subset_screens(y, 3, v);
                acc_add(a, v);
                c++;
            }
        }
    }
    return c;
}

/* Every 4-subset of sorted x[0..n). */
static uint32_t all4(const double *x, size_t n, struct acc *a)
{
    double y[4], v[SCREEN_COUNT];
    uint32_t c = 0;
    for (size_t i = 0; i + 3 < n; i++) {
        y[0] = x[i];
        for (size_t j = i + 1; j + 2 < n; j++) {
            y[1] = x[j];
            for (size_t k = j + 1; k + 1 < n; k++) {
                y[2] = x[k];
                for (size_t l = k + 1; l < n; l++) {
                    y[3] = x[l];
                    subset_screens(y, 4, v);
                    acc_add(a, v);
                    c++;
                }
            }
        }
    }
    return c;
}

/* SCREENS_SUBSET_SAMPLES random k-subsets of sorted x[0..n), n > k. */
static uint32_t sample(const double *x, size_t n, int k, uint64_t seed, struct acc *a)
{
    uint64_t st = seed;
    double y[4], v[SCREEN_COUNT];
    uint32_t idx[4];
    for (uint32_t s = 0; s < SCREENS_SUBSET_SAMPLES; s++) {
        int got = 0;
        while (got < k) {
            uint32_t r = (uint32_t)((splitmix64(&st) >> 32) * (uint64_t)n >> 32);
            int p = got;
            bool dup = false;
            for (int q = 0; q < got; q++)
                dup |= idx[q] == r;
            if (dup)
                continue;
            while (p > 0 && idx[p - 1] > r) { /* keep idx sorted */
                idx[p] = idx[p - 1];
                p--;
            }
            idx[p] = r;
            got++;
        }
        for (int q = 0; q < k; q++)
            y[q] = x[idx[q]];
        if (k == 3)
            subset_screens(y, 3, v);
        else
            subset_screens(y, 4, v);
        acc_add(a, v);
    }
    return SCREENS_SUBSET_SAMPLES;
}

static void patterns(const struct screens_opts *o, const double *x, size_t n, double ceiling,
                     struct screens *out)
{
    out->identical = 0;
    out->arith_run = 0;
    out->arith_gap = NAN;
    out->near_ceiling = 0;
    out->win_discount = NAN;
    for (size_t i = 0; i < n;) { /* runs of equal bids */
        size_t j = i + 1;
        while (j < n && x[j] == x[i])
            j++;
        if (j - i > 1)
            out->identical += (uint32_t)(j - i);
        i = j;
    }
    if (n >= 3) { /* runs of equal positive gaps */
        double tol = o->tol * x[n - 1];
        size_t run = 1, best = 0; /* gaps in the current run, in the best */
        double best_gap = NAN;
        for (size_t i = 1; i + 1 < n; i++) {
            double g0 = x[i] - x[i - 1], g1 = x[i + 1] - x[i];
            if (g0 > tol && g1 > tol && fabs(g1 - g0) <= tol)
                run++;
            else
                run = 1;
            if (run >= 2 && run > best) {
                best = run;
                best_gap = g1;
            }
        }
        if (best >= 2) {
            out->arith_run = (uint32_t)best + 1;
            out->arith_gap = best_gap;
        }
    }
    if (ceiling > 0 && n > 0) {
        double lim = ceiling * (1.0 - o->ceiling_pct);
        for (size_t i = n; i-- > 0 && x[i] >= lim;)
            out->near_ceiling++;
        out->win_discount = 1.0 - x[0] / ceiling;
    }
}

void screens_compute(struct screens_ws *ws, const double *x, size_t n, double ceiling,
                     struct screens *out)
{
    out->n = (uint32_t)n;
    out->nsub3 = out->nsub4 = 0;
    out->sampled = false;
    screens_full(x, n, out->full);
    patterns(&ws->o, x, n, ceiling, out);
    struct acc a;
    for (int k = 3; k <= 4; k++) {
        double(*sum)[SSTAT_COUNT] = k == 3 ? out->sub3 : out->sub4;
        uint32_t cnt = 0;
        acc_init(&a, ws->vals, ws->vals + (size_t)SCREEN_COUNT * SCREENS_MAX_SUBSETS);
        if (ws->o.subsets && n >= (size_t)k) {
            if (n <= SCREENS_SUBSET_MAX_N) {
                cnt = k == 3 ? all3(x, n, &a) : all4(x, n, &a);
            } else {
                uint64_t seed = hash_fnv1a64(HASH_FNV1A64_SEED ^ ws->o.seed, x, n * sizeof(*x));
                cnt = sample(x, n, k, seed + (uint64_t)k, &a);
                out->sampled = true;
            }
        }
        acc_finish(&a, sum);
        if (k == 3) {
            out->nsub3 = cnt;
            for (int st = 0; st < SSTAT_COUNT; st++) /* undefined for 3 bids */
                out->sub3[SCREEN_KURT][st] = NAN;
        } else {
            out->nsub4 = cnt;
        }
    }
}

void screens_features(const struct screens *s, double f[SCREENS_NFEATURES])
{
    size_t i = 0;
    f[i++] = (double)s->n;
    for (int j = 0; j < SCREEN_COUNT; j++)
        f[i++] = s->full[j];
    for (int j = 0; j < SCREEN_COUNT; j++) {
        if (j == SCREEN_KURT)
            continue;
        for (int st = 0; st < SSTAT_COUNT; st++)
            f[i++] = s->sub3[j][st];
    }
    for (int j = 0; j < SCREEN_COUNT; j++)
        for (int st = 0; st < SSTAT_COUNT; st++)
            f[i++] = s->sub4[j][st];
    f[i++] = s->n ? (double)s->identical / (double)s->n : NAN;
}

struct batch_job {
    const struct bid_table *t;
    size_t from, to;
    const struct screens_opts *o;
    struct screens *sc; /* entry of tender `from`, or NULL */
    double *feat;       /* row of tender `from`, or NULL */
    int rc;
};

static void *batch_run(void *arg)
{
    struct batch_job *j = arg;
    struct screens_ws ws;
    struct screens s, *sp;
    if (screens_ws_init(&ws, j->o) != 0) {
        j->rc = -1;
        return NULL;
    }
    for (size_t i = j->from; i < j->to; i++) {
        const struct bid_tender *bt = &j->t->tenders[i];
        sp = j->sc ? &j->sc[i - j->from] : &s;
        screens_compute(&ws, j->t->value + bt->off, bt->n, bt->ceiling, sp);
        if (j->feat)
            screens_features(sp, j->feat + (i - j->from) * SCREENS_NFEATURES);
    }
    screens_ws_release(&ws);
    j->rc = 0;
    return NULL;
}

#define SCREENS_MAX_THREADS 64

int screens_batch(const struct bid_table *t, size_t from, size_t to, const struct screens_opts *o,
                  unsigned nthreads, struct screens *sc, double *feat)
{
    struct batch_job jobs[SCREENS_MAX_THREADS];
    pthread_t th[SCREENS_MAX_THREADS];
    size_t len = to > from ? to - from : 0;
    if (nthreads == 0)
        nthreads = 1;
    if (nthreads > SCREENS_MAX_THREADS)
        nthreads = SCREENS_MAX_THREADS;
    if (nthreads > len)
        nthreads = len ? (unsigned)len : 1;
    for (unsigned i = 0; i < nthreads; i++) {
        size_t a = from + len * i / nthreads, b = from + len * (i + 1) / nthreads;
        jobs[i].t = t;
        jobs[i].from = a;
        jobs[i].to = b;
        jobs[i].o = o;
        jobs[i].sc = sc ? sc + (a - from) : NULL;
        jobs[i].feat = feat ? feat + (a - from) * SCREENS_NFEATURES : NULL;
        jobs[i].rc = -1;
    }
    if (nthreads == 1) {
        batch_run(&jobs[0]);
        return jobs[0].rc;
    }
    unsigned started = 0;
    int rc = 0;
    for (; started < nthreads; started++)
        if (pthread_create(&th[started], NULL, batch_run, &jobs[started]) != 0) {
            rc = -1;
            break;
        }
    for (unsigned i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
        if (jobs[i].rc != 0)
            rc = -1;
    }
    return rc;
}
