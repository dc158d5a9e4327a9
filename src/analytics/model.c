/*
 * model.c — the classifiers of model.h: preprocessing, logistic regression,
 * random forest, Platt calibration per market, cross-validation, and the
 * JSON model file.
 *
 * Training on a set of rows (always given as an index list, so folds never
 * copy the data) is core_fit() — preprocessing and the learners — wrapped by
 * train_rows(), which adds the out-of-fold calibration. model_train() is
 * train_rows() over every row; model_cv() calls it once per fold.
 *
 * The forest grows each tree depth-first into flat arrays in preorder: the
 * left child of node i is i + 1 and right[i] > i + 1, which is also the
 * invariant a loaded model is checked against. Split search is by histogram:
 * each feature's values are coded once into at most `bins` quantile bins, so
 * finding the best split of a node costs one pass over its rows per feature
 * tried, not a sort.
 */
#include "analytics/model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_FORMAT  "sunbid-screens-model"
#define MODEL_VERSION 1
#define NEWTON_ITERS  100
#define PROB_EPS      1e-6 /* probabilities are kept in [eps, 1 - eps] before log-odds */

void model_params_default(struct model_params *p)
{
    p->algo = MODEL_BOTH;
    p->seed = 1;
    p->l2 = 1.0;
    p->trees = 200;
    p->max_depth = 12;
    p->min_leaf = 3;
    p->mtry = 0;
    p->bins = 64;
    p->calib_folds = 5;
    p->threshold = 0.5;
}

const char *model_algo_name(enum model_algo a)
{
    switch (a) {
    case MODEL_LOGIT:
        return "logit";
    case MODEL_FOREST:
        return "forest";
    case MODEL_BOTH:
        return "both";
    }
    return "?";
}

int model_algo_parse(const char *s, enum model_algo *a)
{
    if (strcmp(s, "logit") == 0)
        *a = MODEL_LOGIT;
    else if (strcmp(s, "forest") == 0)
        *a = MODEL_FOREST;
    else if (strcmp(s, "both") == 0)
        *a = MODEL_BOTH;
    else
        return -1;
    return 0;
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform integer in [0, n), n < 2^32. */
static uint32_t rand_below(uint64_t *s, size_t n)
{
    return (uint32_t)((splitmix64(s) >> 32) * (uint64_t)n >> 32);
}

static double sigmoid(double z)
{
    if (z >= 0)
        return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

static double log_odds(double p)
{
    p = p < PROB_EPS ? PROB_EPS : (p > 1.0 - PROB_EPS ? 1.0 - PROB_EPS : p);
    return log(p / (1.0 - p));
}

static double softplus(double z)
{
    return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Linear-interpolated quantile q of sorted v[0..n), n >= 1. */
static double quantile(const double *v, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    if (i + 1 >= n)
        return v[n - 1];
    double f = pos - (double)i;
    return v[i] + f * (v[i + 1] - v[i]);
}

/* ---- the model object ---- */

static void tree_release(struct model_tree *t)
{
    free(t->feature);
    free(t->thr);
    free(t->right);
    free(t->value);
    memset(t, 0, sizeof(*t));
}

void model_free(struct model *m)
{
    if (m == NULL)
        return;
    if (m->features)
        for (size_t i = 0; i < m->p; i++)
            free(m->features[i]);
    free(m->features);
    free(m->impute);
    free(m->lo);
    free(m->hi);
    free(m->mean);
    free(m->sd);
    free(m->coef);
    if (m->trees)
        for (size_t i = 0; i < m->ntrees; i++)
            tree_release(&m->trees[i]);
    free(m->trees);
    if (m->market_names)
        for (size_t i = 0; i < m->nmarkets; i++)
            free(m->market_names[i]);
    free(m->market_names);
    free(m->market_cal);
    free(m);
}

/* A model with its per-feature arrays allocated; NULL when out of memory. */
static struct model *model_alloc(size_t p)
{
    struct model *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return NULL;
    m->p = p;
    m->impute = calloc(p, sizeof(double));
    m->lo = calloc(p, sizeof(double));
    m->hi = calloc(p, sizeof(double));
    m->mean = calloc(p, sizeof(double));
    m->sd = calloc(p, sizeof(double));
    m->coef = calloc(p, sizeof(double));
    m->global.a = 1.0;
    m->threshold = 0.5;
    if (!m->impute || !m->lo || !m->hi || !m->mean || !m->sd || !m->coef) {
        model_free(m);
        return NULL;
    }
    return m;
}

static inline double std_value(const struct model *m, size_t j, double x)
{
    if (x != x)
        x = m->impute[j];
    x = x < m->lo[j] ? m->lo[j] : (x > m->hi[j] ? m->hi[j] : x);
    return (x - m->mean[j]) / m->sd[j];
}

/* ---- preprocessing ---- */

static int prep_fit(struct model *m, const struct model_data *d, const size_t *rows, size_t nr)
{
    double *v = malloc((nr ? nr : 1) * sizeof(double));
    if (v == NULL)
        return MODEL_ENOMEM;
    for (size_t j = 0; j < m->p; j++) {
        size_t c = 0;
        for (size_t r = 0; r < nr; r++) {
            double x = d->x[rows[r] * d->p + j];
            if (x == x)
                v[c++] = x;
        }
        if (c == 0) {
            m->impute[j] = m->lo[j] = m->hi[j] = m->mean[j] = 0.0;
            m->sd[j] = 1.0;
            continue;
        }
        qsort(v, c, sizeof(double), cmp_double);
        m->impute[j] = quantile(v, c, 0.5);
        m->lo[j] = quantile(v, c, 0.01);
        m->hi[j] = quantile(v, c, 0.99);
        double sum = 0.0, ss = 0.0;
        m->mean[j] = 0.0;
        m->sd[j] = 1.0;
        for (size_t r = 0; r < nr; r++)
            sum += std_value(m, j, d->x[rows[r] * d->p + j]);
        double mean = sum / (double)nr;
        for (size_t r = 0; r < nr; r++) {
            double e = std_value(m, j, d->x[rows[r] * d->p + j]) - mean;
            ss += e * e;
        }
        double sd = sqrt(ss / (double)nr);
        m->mean[j] = mean;
        m->sd[j] = sd > 1e-12 * (fabs(mean) > 1.0 ? fabs(mean) : 1.0) ? sd : 1.0;
    }
    free(v);
    return MODEL_OK;
}

/* ---- logistic regression ---- */

/* Cholesky solve of the q x q system h x = g (h overwritten). -1 if not
 * positive definite. */
static int cholesky_solve(double *h, const double *g, double *x, size_t q)
{
    for (size_t j = 0; j < q; j++) {
        double s = h[j * q + j];
        for (size_t k = 0; k < j; k++)
            s -= h[j * q + k] * h[j * q + k];
        if (!(s > 0))
            return -1;
        double l = sqrt(s);
        h[j * q + j] = l;
        for (size_t i = j + 1; i < q; i++) {
            double t = h[i * q + j];
            for (size_t k = 0; k < j; k++)
                t -= h[i * q + k] * h[j * q + k];
            h[i * q + j] = t / l;
        }
    }
    for (size_t i = 0; i < q; i++) { /* L y = g */
        double t = g[i];
        for (size_t k = 0; k < i; k++)
            t -= h[i * q + k] * x[k];
        x[i] = t / h[i * q + i];
    }
    for (size_t i = q; i-- > 0;) { /* L^T x = y */
        double t = x[i];
        for (size_t k = i + 1; k < q; k++)
            t -= h[k * q + i] * x[k];
        x[i] = t / h[i * q + i];
    }
    return 0;
}

static double logit_objective(const double *z, const int8_t *y, size_t nr, size_t q,
                              const double *beta, double l2)
{
    double f = 0.0;
    for (size_t r = 0; r < nr; r++) {
        double s = 0.0;
        for (size_t j = 0; j < q; j++)
            s += z[r * q + j] * beta[j];
        f += softplus(s) - (y[r] ? s : 0.0);
    }
    for (size_t j = 1; j < q; j++)
        f += 0.5 * l2 * beta[j] * beta[j];
    return f;
}

static int logit_fit(struct model *m, const struct model_data *d, const size_t *rows, size_t nr,
                     double l2)
{
    size_t p = m->p, q = p + 1;
    int rc = MODEL_ENOMEM;
    double *z = malloc(nr * q * sizeof(double));
    int8_t *y = malloc(nr);
    double *beta = calloc(q, sizeof(double)), *nb = malloc(q * sizeof(double));
    double *g = malloc(q * sizeof(double)), *h = malloc(q * q * sizeof(double));
    double *delta = malloc(q * sizeof(double));
    if (!z || !y || !beta || !nb || !g || !h || !delta)
        goto out;
    size_t pos = 0;
    for (size_t r = 0; r < nr; r++) {
        const double *x = d->x + rows[r] * d->p;
        z[r * q] = 1.0;
        for (size_t j = 0; j < p; j++)
            z[r * q + 1 + j] = std_value(m, j, x[j]);
        y[r] = d->y[rows[r]];
        pos += (size_t)y[r];
    }
    beta[0] = log_odds(((double)pos + 0.5) / ((double)nr + 1.0));
    double f = logit_objective(z, y, nr, q, beta, l2);
    for (int it = 0; it < NEWTON_ITERS; it++) {
        memset(g, 0, q * sizeof(double));
        memset(h, 0, q * q * sizeof(double));
        for (size_t r = 0; r < nr; r++) {
            const double *zr = z + r * q;
            double s = 0.0;
            for (size_t j = 0; j < q; j++)
                s += zr[j] * beta[j];
            double pr = sigmoid(s), w = pr * (1.0 - pr), e = pr - (double)y[r];
            for (size_t i = 0; i < q; i++) {
                g[i] += e * zr[i];
                double wi = w * zr[i];
                for (size_t k = 0; k <= i; k++)
                    h[i * q + k] += wi * zr[k];
            }
        }
        for (size_t i = 0; i < q; i++) {
            for (size_t k = 0; k < i; k++)
                h[k * q + i] = h[i * q + k];
            if (i > 0) {
                g[i] += l2 * beta[i];
                h[i * q + i] += l2;
            }
            h[i * q + i] += 1e-10; /* keeps the intercept's pivot positive */
        }
        if (cholesky_solve(h, g, delta, q) != 0)
            break;
        double t = 1.0, nf = f, step = 0.0;
        for (int half = 0; half < 50; half++, t *= 0.5) {
            for (size_t j = 0; j < q; j++)
                nb[j] = beta[j] - t * delta[j];
            nf = logit_objective(z, y, nr, q, nb, l2);
            if (nf <= f + 1e-12 * fabs(f))
                break;
        }
        if (!(nf <= f + 1e-12 * fabs(f)))
            break; /* no descent left: at the optimum up to rounding */
        for (size_t j = 0; j < q; j++) {
            double s = fabs(nb[j] - beta[j]);
            step = s > step ? s : step;
            beta[j] = nb[j];
        }
        f = nf;
        if (step < 1e-9)
            break;
    }
    m->l2 = l2;
    m->bias = beta[0];
    memcpy(m->coef, beta + 1, p * sizeof(double));
    rc = MODEL_OK;
out:
    free(z);
    free(y);
    free(beta);
    free(nb);
    free(g);
    free(h);
    free(delta);
    return rc;
}

static double logit_raw(const struct model *m, const double *x)
{
    double s = m->bias;
    for (size_t j = 0; j < m->p; j++)
        s += m->coef[j] * std_value(m, j, x[j]);
    return s;
}

/* ---- random forest ---- */

/* The training rows coded into quantile bins. */
struct fdata {
    size_t n, p;
    uint8_t *code;   /* n * p: number of thresholds below the value */
    double *thr;     /* p * 255 thresholds, ascending per feature */
    uint16_t *nthr;  /* p */
    const int8_t *y; /* n labels (borrowed) */
};

static void fdata_release(struct fdata *f)
{
    free(f->code);
    free(f->thr);
    free(f->nthr);
}

static int fdata_build(struct fdata *f, const struct model *m, const struct model_data *d,
                       const size_t *rows, size_t nr, unsigned bins, int8_t *y)
{
    size_t p = m->p;
    memset(f, 0, sizeof(*f));
    f->n = nr;
    f->p = p;
    f->y = y;
    f->code = malloc(nr * p);
    f->thr = malloc(p * 255 * sizeof(double));
    f->nthr = calloc(p, sizeof(uint16_t));
    double *v = malloc(nr * sizeof(double));
    if (!f->code || !f->thr || !f->nthr || !v) {
        free(v);
        fdata_release(f);
        return MODEL_ENOMEM;
    }
    for (size_t r = 0; r < nr; r++)
        y[r] = d->y[rows[r]];
    for (size_t j = 0; j < p; j++) {
        for (size_t r = 0; r < nr; r++) {
            double x = d->x[rows[r] * d->p + j];
            v[r] = x != x ? m->impute[j] : x;
        }
        qsort(v, nr, sizeof(double), cmp_double);
        double *t = f->thr + j * 255;
        size_t nt = 0;
        for (unsigned k = 1; k < bins && nt < 255; k++) {
            double c = v[(size_t)k * nr / bins];
            if (c < v[nr - 1] && (nt == 0 || c > t[nt - 1]))
                t[nt++] = c;
        }
        f->nthr[j] = (uint16_t)nt;
        for (size_t r = 0; r < nr; r++) {
            double x = d->x[rows[r] * d->p + j];
            x = x != x ? m->impute[j] : x;
            size_t lo = 0, hi = nt; /* first threshold >= x */
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (t[mid] < x)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            f->code[r * p + j] = (uint8_t)lo;
        }
    }
    free(v);
    return MODEL_OK;
}

/* One tree under construction. */
struct grow {
    const struct fdata *fd;
    uint32_t *idx; /* the bootstrap sample, partitioned as the tree grows */
    struct model_tree t;
    uint32_t cap;
    uint64_t rng;
    unsigned mtry, max_depth, min_leaf;
    uint32_t *perm; /* p feature indices, partially shuffled per node */
    uint32_t cnt[256], pcnt[256];
    bool failed;
};

static int64_t tree_push(struct grow *g)
{
    struct model_tree *t = &g->t;
    if (t->nnodes == g->cap) {
        if (g->cap >= MODEL_MAX_NODES)
            return -1;
        uint32_t cap = g->cap ? g->cap * 2 : 64;
        int32_t *f = realloc(t->feature, cap * sizeof(*f));
        if (f)
            t->feature = f;
        double *th = realloc(t->thr, cap * sizeof(*th));
        if (th)
            t->thr = th;
        uint32_t *r = realloc(t->right, cap * sizeof(*r));
        if (r)
            t->right = r;
        double *v = realloc(t->value, cap * sizeof(*v));
        if (v)
            t->value = v;
        if (!f || !th || !r || !v)
            return -1;
        g->cap = cap;
    }
    uint32_t i = t->nnodes++;
    t->feature[i] = -1;
    t->thr[i] = 0.0;
    t->right[i] = 0;
    t->value[i] = 0.0;
    return i;
}

/* Grows the subtree over idx[lo, hi); returns its root or -1. */
static int64_t grow(struct grow *g, size_t lo, size_t hi, unsigned depth)
{
    const struct fdata *fd = g->fd;
    size_t n = hi - lo, pos = 0, p = fd->p;
    for (size_t i = lo; i < hi; i++)
        pos += (size_t)fd->y[g->idx[i]];
    int64_t node = tree_push(g);
    if (node < 0)
        return -1;
    g->t.value[node] = (double)pos / (double)n;
    if (depth >= g->max_depth || n < 2 * (size_t)g->min_leaf || pos == 0 || pos == n)
        return node;
    double parent = ((double)pos * (double)pos + (double)(n - pos) * (double)(n - pos)) / (double)n;
    double best = parent + 1e-9;
    int32_t bj = -1;
    unsigned bs = 0;
    for (unsigned t = 0; t < g->mtry && t < p; t++) {
        uint32_t r = t + rand_below(&g->rng, p - t), tmp = g->perm[t];
        g->perm[t] = g->perm[r];
        g->perm[r] = tmp;
        uint32_t j = g->perm[t];
        unsigned m = fd->nthr[j];
        if (m == 0)
            continue;
        memset(g->cnt, 0, (m + 1) * sizeof(uint32_t));
        memset(g->pcnt, 0, (m + 1) * sizeof(uint32_t));
        for (size_t i = lo; i < hi; i++) {
            uint32_t row = g->idx[i];
            uint8_t c = fd->code[(size_t)row * p + j];
            g->cnt[c]++;
            g->pcnt[c] += (uint32_t)fd->y[row];
        }
        size_t l = 0, lp = 0;
        for (unsigned s = 0; s < m; s++) {
            l += g->cnt[s];
            lp += g->pcnt[s];
            size_t rr = n - l, rp = pos - lp;
            if (l < g->min_leaf)
                continue;
            if (rr < g->min_leaf)
                break;
            double sc =
                ((double)lp * (double)lp + (double)(l - lp) * (double)(l - lp)) / (double)l +
                ((double)rp * (double)rp + (double)(rr - rp) * (double)(rr - rp)) / (double)rr;
            if (sc > best) {
                best = sc;
                bj = (int32_t)j;
                bs = s;
            }
        }
    }
    if (bj < 0)
        return node;
    size_t i = lo, k = hi; /* partition: code <= bs to the left */
    while (i < k) {
        if (fd->code[(size_t)g->idx[i] * p + (size_t)bj] <= bs) {
            i++;
        } else {
            uint32_t tmp = g->idx[i];
            g->idx[i] = g->idx[--k];
            g->idx[k] = tmp;
        }
    }
    g->t.feature[node] = bj;
    g->t.thr[node] = fd->thr[(size_t)bj * 255 + bs];
    if (grow(g, lo, i, depth + 1) < 0)
        return -1;
    int64_t right = grow(g, i, hi, depth + 1);
    if (right < 0)
        return -1;
    g->t.right[node] = (uint32_t)right;
    return node;
}

static int forest_fit(struct model *m, const struct model_params *prm, const struct model_data *d,
                      const size_t *rows, size_t nr, uint64_t seed)
{
    struct fdata fd;
    int8_t *y = malloc(nr);
    uint32_t *idx = malloc(nr * sizeof(uint32_t));
    uint32_t *perm = malloc(m->p * sizeof(uint32_t));
    int rc = MODEL_ENOMEM;
    unsigned bins = prm->bins < 2 ? 2 : (prm->bins > 256 ? 256 : prm->bins);
    if (!y || !idx || !perm) {
        free(y);
        free(idx);
        free(perm);
        return MODEL_ENOMEM;
    }
    rc = fdata_build(&fd, m, d, rows, nr, bins, y);
    if (rc != MODEL_OK) {
        free(y);
        free(idx);
        free(perm);
        return rc;
    }
    rc = MODEL_ENOMEM;
    m->trees = calloc(prm->trees ? prm->trees : 1, sizeof(struct model_tree));
    if (m->trees == NULL)
        goto out;
    m->max_depth = prm->max_depth;
    m->min_leaf = prm->min_leaf ? prm->min_leaf : 1;
    m->mtry = prm->mtry ? prm->mtry : (unsigned)floor(sqrt((double)m->p));
    if (m->mtry == 0)
        m->mtry = 1;
    if (m->mtry > m->p)
        m->mtry = (unsigned)m->p;
    m->bins = bins;
    for (unsigned t = 0; t < prm->trees; t++) {
        struct grow g;
        memset(&g, 0, sizeof(g));
        g.fd = &fd;
        g.idx = idx;
        g.perm = perm;
        g.mtry = m->mtry;
        g.max_depth = m->max_depth;
        g.min_leaf = m->min_leaf;
        g.rng = seed * 0x9E3779B97F4A7C15ULL + t + 1;
        splitmix64(&g.rng);
        for (size_t j = 0; j < m->p; j++)
            perm[j] = (uint32_t)j;
        for (size_t r = 0; r < nr; r++)
            idx[r] = rand_below(&g.rng, nr);
        if (grow(&g, 0, nr, 0) < 0) {
            tree_release(&g.t);
            goto out;
        }
        m->trees[m->ntrees++] = g.t;
    }
    rc = MODEL_OK;
out:
    fdata_release(&fd);
    free(y);
    free(idx);
    free(perm);
    return rc;
}

static double forest_prob(const struct model *m, const double *x)
{
    double s = 0.0;
    for (size_t t = 0; t < m->ntrees; t++) {
        const struct model_tree *tr = &m->trees[t];
        uint32_t i = 0;
        while (tr->feature[i] >= 0) {
            int32_t f = tr->feature[i];
            double v = x[f];
            if (v != v)
                v = m->impute[f];
            i = v <= tr->thr[i] ? i + 1 : tr->right[i];
        }
        s += tr->value[i];
    }
    return m->ntrees ? s / (double)m->ntrees : 0.5;
}

double model_raw(const struct model *m, const double *x)
{
    switch (m->algo) {
    case MODEL_LOGIT:
        return logit_raw(m, x);
    case MODEL_FOREST:
        return log_odds(forest_prob(m, x));
    case MODEL_BOTH:
        return log_odds(0.5 * (sigmoid(logit_raw(m, x)) + forest_prob(m, x)));
    }
    return 0.0;
}

static const struct model_platt *calibration_for(const struct model *m, const char *market)
{
    if (market == NULL || m->nmarkets == 0)
        return &m->global;
    size_t lo = 0, hi = m->nmarkets; /* market_names are sorted */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(m->market_names[mid], market);
        if (c == 0)
            return &m->market_cal[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return &m->global;
}

double model_score(const struct model *m, const double *x, const char *market)
{
    const struct model_platt *c = calibration_for(m, market);
    return sigmoid(c->a * model_raw(m, x) + c->b);
}

/* ---- calibration ---- */

/* Platt scaling: (a, b) minimising the log loss of sigmoid(a r + b) against
 * Platt's smoothed targets, by Newton's method with step halving. */
static void platt_fit(const double *raw, const int8_t *y, size_t n, struct model_platt *out)
{
    size_t np = 0;
    for (size_t i = 0; i < n; i++)
        np += (size_t)y[i];
    out->a = 1.0;
    out->b = 0.0;
    if (n == 0 || np == 0 || np == n)
        return;
    double tp = ((double)np + 1.0) / ((double)np + 2.0), tn = 1.0 / ((double)(n - np) + 2.0);
    double a = 1.0, b = 0.0;
    for (int it = 0; it < NEWTON_ITERS; it++) {
        double f = 0, ga = 0, gb = 0, haa = 1e-9, hab = 0, hbb = 1e-9;
        for (size_t i = 0; i < n; i++) {
            double t = y[i] ? tp : tn, z = a * raw[i] + b, p = sigmoid(z), e = p - t;
            double w = p * (1.0 - p);
            f += softplus(z) - t * z;
            ga += e * raw[i];
            gb += e;
            haa += w * raw[i] * raw[i];
            hab += w * raw[i];
            hbb += w;
        }
        double det = haa * hbb - hab * hab;
        if (!(det > 0))
            break;
        double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
        double step = 1.0, na = a, nb = b, nf = f;
        for (int h = 0; h < 50; h++, step *= 0.5) {
            na = a - step * da;
            nb = b - step * db;
            nf = 0;
            for (size_t i = 0; i < n; i++) {
                double t = y[i] ? tp : tn, z = na * raw[i] + nb;
                nf += softplus(z) - t * z;
            }
            if (nf <= f + 1e-12 * fabs(f))
                break;
        }
        if (!(nf <= f + 1e-12 * fabs(f)))
            break;
        double moved = fabs(na - a) + fabs(nb - b);
        a = na;
        b = nb;
        if (moved < 1e-10)
            break;
    }
    out->a = a;
    out->b = b;
}

/* Stratified fold numbers for rows[0..nr): each class shuffled by the seed,
 * then dealt round-robin (positives first, negatives continuing the count). */
static void strat_folds(const struct model_data *d, const size_t *rows, size_t nr, unsigned k,
                        uint64_t seed, unsigned *fold, size_t *tmp)
{
    uint64_t st = seed;
    size_t c = 0;
    for (int cls = 1; cls >= 0; cls--) {
        size_t m = 0;
        for (size_t r = 0; r < nr; r++)
            if (d->y[rows[r]] == cls)
                tmp[m++] = r;
        for (size_t i = m; i > 1; i--) {
            size_t j = rand_below(&st, i);
            size_t t = tmp[i - 1];
            tmp[i - 1] = tmp[j];
            tmp[j] = t;
        }
        for (size_t i = 0; i < m; i++)
            fold[tmp[i]] = (unsigned)(c++ % k);
    }
}

/* Preprocessing and learners on the rows; no calibration, no names. */
static int core_fit(const struct model_params *prm, const struct model_data *d, const size_t *rows,
                    size_t nr, uint64_t seed, struct model **out)
{
    struct model *m = model_alloc(d->p);
    int rc;
    if (m == NULL)
        return MODEL_ENOMEM;
    m->algo = prm->algo;
    m->seed = seed;
    m->threshold = prm->threshold;
    rc = prep_fit(m, d, rows, nr);
    if (rc == MODEL_OK && (prm->algo & MODEL_LOGIT))
        rc = logit_fit(m, d, rows, nr, prm->l2);
    if (rc == MODEL_OK && (prm->algo & MODEL_FOREST))
        rc = forest_fit(m, prm, d, rows, nr, seed);
    if (rc != MODEL_OK) {
        model_free(m);
        return rc;
    }
    *out = m;
    return MODEL_OK;
}

/* Per-market calibrations for markets with enough out-of-fold rows. */
static int calibrate_markets(struct model *m, const struct model_data *d, const size_t *rows,
                             size_t nr, const double *oof, int8_t *ybuf, double *rbuf)
{
    if (d->market == NULL || d->nmarkets == 0)
        return MODEL_OK;
    m->market_names = calloc(d->nmarkets, sizeof(char *));
    m->market_cal = calloc(d->nmarkets, sizeof(struct model_platt));
    if (!m->market_names || !m->market_cal)
        return MODEL_ENOMEM;
    for (size_t k = 0; k < d->nmarkets; k++) {
        size_t c = 0, pos = 0;
        for (size_t r = 0; r < nr; r++)
            if (d->market[rows[r]] == (int32_t)k) {
                rbuf[c] = oof[r];
                ybuf[c] = d->y[rows[r]];
                pos += (size_t)ybuf[c];
                c++;
            }
        if (c < MODEL_MARKET_MIN || pos < MODEL_MARKET_MIN_CLASS ||
            c - pos < MODEL_MARKET_MIN_CLASS)
            continue;
        char *name = strdup(d->market_names[k]);
        if (name == NULL)
            return MODEL_ENOMEM;
        m->market_names[m->nmarkets] = name;
        platt_fit(rbuf, ybuf, c, &m->market_cal[m->nmarkets]);
        m->nmarkets++;
    }
    /* sort names and calibrations together for the binary search */
    for (size_t i = 1; i < m->nmarkets; i++) {
        char *nm = m->market_names[i];
        struct model_platt pc = m->market_cal[i];
        size_t j = i;
        while (j > 0 && strcmp(m->market_names[j - 1], nm) > 0) {
            m->market_names[j] = m->market_names[j - 1];
            m->market_cal[j] = m->market_cal[j - 1];
            j--;
        }
        m->market_names[j] = nm;
        m->market_cal[j] = pc;
    }
    return MODEL_OK;
}

/* The full training on a set of rows: learners, then out-of-fold calibration. */
static int train_rows(const struct model_params *prm, const struct model_data *d,
                      const size_t *rows, size_t nr, uint64_t seed, struct model **out)
{
    struct model *m = NULL, *inner = NULL;
    size_t pos = 0;
    for (size_t r = 0; r < nr; r++)
        pos += (size_t)d->y[rows[r]];
    if (nr < 2 || pos == 0 || pos == nr)
        return MODEL_EINVAL;
    int rc = core_fit(prm, d, rows, nr, seed, &m);
    if (rc != MODEL_OK)
        return rc;
    unsigned k = prm->calib_folds;
    if (k < 2 || pos < k || nr - pos < k) {
        *out = m;
        return MODEL_OK; /* too few rows to calibrate: identity */
    }
    rc = MODEL_ENOMEM;
    unsigned *fold = malloc(nr * sizeof(unsigned));
    size_t *tmp = malloc(nr * sizeof(size_t)), *sub = malloc(nr * sizeof(size_t));
    double *oof = malloc(nr * sizeof(double)), *rbuf = malloc(nr * sizeof(double));
    int8_t *ybuf = malloc(nr);
    if (!fold || !tmp || !sub || !oof || !rbuf || !ybuf)
        goto out;
    strat_folds(d, rows, nr, k, seed ^ 0xC0FFEEULL, fold, tmp);
    for (unsigned f = 0; f < k; f++) {
        size_t ns = 0;
        for (size_t r = 0; r < nr; r++)
            if (fold[r] != f)
                sub[ns++] = rows[r];
        rc = core_fit(prm, d, sub, ns, seed + 1000003ULL * (f + 1), &inner);
        if (rc != MODEL_OK)
            goto out;
        for (size_t r = 0; r < nr; r++)
            if (fold[r] == f)
                oof[r] = model_raw(inner, d->x + rows[r] * d->p);
        model_free(inner);
        inner = NULL;
    }
    for (size_t r = 0; r < nr; r++)
        ybuf[r] = d->y[rows[r]];
    platt_fit(oof, ybuf, nr, &m->global);
    rc = calibrate_markets(m, d, rows, nr, oof, ybuf, rbuf);
out:
    free(fold);
    free(tmp);
    free(sub);
    free(oof);
    free(rbuf);
    free(ybuf);
    if (rc != MODEL_OK) {
        model_free(m);
        return rc;
    }
    *out = m;
    return MODEL_OK;
}

int model_train(const struct model_params *prm, const struct model_data *d, struct model **out)
{
    *out = NULL;
    if (d->n < 2 || d->p == 0 || d->p > MODEL_MAX_FEATURES || prm->trees > MODEL_MAX_TREES ||
        (prm->algo & MODEL_BOTH) == 0 || (d->market && d->nmarkets > MODEL_MAX_MARKETS))
        return MODEL_EINVAL;
    if (d->n > UINT32_MAX || ((prm->algo & MODEL_FOREST) && prm->trees == 0))
        return MODEL_EINVAL;
    size_t *rows = malloc(d->n * sizeof(size_t));
    if (rows == NULL)
        return MODEL_ENOMEM;
    for (size_t r = 0; r < d->n; r++)
        rows[r] = r;
    struct model *m = NULL;
    int rc = train_rows(prm, d, rows, d->n, prm->seed, &m);
    free(rows);
    if (rc != MODEL_OK)
        return rc;
    m->features = calloc(d->p, sizeof(char *));
    if (m->features == NULL) {
        model_free(m);
        return MODEL_ENOMEM;
    }
    for (size_t j = 0; j < d->p; j++) {
        char buf[32];
        const char *nm = d->feature_names ? d->feature_names[j] : NULL;
        if (nm == NULL) {
            snprintf(buf, sizeof(buf), "x%zu", j);
            nm = buf;
        }
        m->features[j] = strdup(nm);
        if (m->features[j] == NULL) {
            model_free(m);
            return MODEL_ENOMEM;
        }
    }
    m->seed = prm->seed;
    m->train_rows = d->n;
    for (size_t r = 0; r < d->n; r++)
        m->train_pos += (size_t)d->y[r];
    *out = m;
    return MODEL_OK;
}

/* ---- evaluation ---- */

struct sy {
    double s;
    int8_t y;
};

static int cmp_sy(const void *a, const void *b)
{
    double x = ((const struct sy *)a)->s, y = ((const struct sy *)b)->s;
    return (x > y) - (x < y);
}

double model_auc(const double *score, const int8_t *y, size_t n)
{
    struct sy *v = malloc((n ? n : 1) * sizeof(*v));
    size_t np = 0;
    if (v == NULL)
        return NAN;
    for (size_t i = 0; i < n; i++) {
        v[i].s = score[i];
        v[i].y = y[i];
        np += (size_t)y[i];
    }
    if (np == 0 || np == n) {
        free(v);
        return NAN;
    }
    qsort(v, n, sizeof(*v), cmp_sy); /* n >= 2: both classes are present */
    double rank_sum = 0.0;           /* ranks of the positives, ties averaged */
    for (size_t i = 0; i < n;) {
        size_t j = i + 1, pos = (size_t)v[i].y;
        while (j < n && v[j].s == v[i].s)
            pos += (size_t)v[j++].y;
        rank_sum += (double)pos * ((double)(i + 1) + (double)j) / 2.0;
        i = j;
    }
    free(v);
    double nn = (double)(n - np), pp = (double)np;
    return (rank_sum - pp * (pp + 1.0) / 2.0) / (pp * nn);
}

int model_cv(const struct model_params *prm, const struct model_data *d, unsigned folds,
             struct model_cv_result *res, double *scores)
{
    memset(res, 0, sizeof(*res));
    if (folds < 2 || d->n < folds || d->p == 0 || d->p > MODEL_MAX_FEATURES)
        return MODEL_EINVAL;
    size_t n = d->n, pos = 0;
    for (size_t r = 0; r < n; r++)
        pos += (size_t)d->y[r];
    if (pos < folds || n - pos < folds)
        return MODEL_EINVAL;
    int rc = MODEL_ENOMEM;
    size_t *all = malloc(n * sizeof(size_t)), *tmp = malloc(n * sizeof(size_t));
    size_t *sub = malloc(n * sizeof(size_t));
    unsigned *fold = malloc(n * sizeof(unsigned));
    double *sc = malloc(n * sizeof(double)), *acc = calloc(folds, sizeof(double));
    if (!all || !tmp || !sub || !fold || !sc || !acc)
        goto out;
    for (size_t r = 0; r < n; r++)
        all[r] = r;
    strat_folds(d, all, n, folds, prm->seed, fold, tmp);
    for (unsigned f = 0; f < folds; f++) {
        struct model *m = NULL;
        size_t ns = 0, nf = 0, right = 0;
        for (size_t r = 0; r < n; r++)
            if (fold[r] != f)
                sub[ns++] = r;
        rc = train_rows(prm, d, sub, ns, prm->seed + 7919ULL * (f + 1), &m);
        if (rc != MODEL_OK)
            goto out;
        for (size_t r = 0; r < n; r++) {
            if (fold[r] != f)
                continue;
            const char *mk = NULL;
            if (d->market && d->market[r] >= 0 && (size_t)d->market[r] < d->nmarkets)
                mk = d->market_names[d->market[r]];
            sc[r] = model_score(m, d->x + r * d->p, mk);
            bool flag = sc[r] >= prm->threshold;
            right += flag == (d->y[r] == 1);
            nf++;
        }
        acc[f] = nf ? (double)right / (double)nf : 0.0;
        model_free(m);
    }
    for (size_t r = 0; r < n; r++) {
        bool flag = sc[r] >= prm->threshold;
        if (flag && d->y[r])
            res->tp++;
        else if (flag)
            res->fp++;
        else if (d->y[r])
            res->fn++;
        else
            res->tn++;
    }
    res->n = n;
    res->pos = pos;
    res->folds = folds;
    res->accuracy = (double)(res->tp + res->tn) / (double)n;
    res->precision = res->tp + res->fp ? (double)res->tp / (double)(res->tp + res->fp) : NAN;
    res->recall = (double)res->tp / (double)pos;
    res->auc = model_auc(sc, d->y, n);
    res->majority = (double)(pos > n - pos ? pos : n - pos) / (double)n;
    double s = 0, ss = 0;
    for (unsigned f = 0; f < folds; f++)
        s += acc[f];
    res->fold_acc_mean = s / folds;
    for (unsigned f = 0; f < folds; f++)
        ss += (acc[f] - res->fold_acc_mean) * (acc[f] - res->fold_acc_mean);
    res->fold_acc_sd = folds > 1 ? sqrt(ss / (folds - 1)) : 0.0;
    if (scores)
        memcpy(scores, sc, n * sizeof(double));
    rc = MODEL_OK;
out:
    free(all);
    free(tmp);
    free(sub);
    free(fold);
    free(sc);
    free(acc);
    return rc;
}

/* ---- JSON ---- */

static json_t *jarray_doubles(const double *v, size_t n)
{
    json_t *a = json_array();
    if (a == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_real(isfinite(v[i]) ? v[i] : 0.0);
        if (x == NULL || json_array_append_new(a, x) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *jarray_ints(const int32_t *v, const uint32_t *u, size_t n)
{
    json_t *a = json_array();
    if (a == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_integer(v ? (json_int_t)v[i] : (json_int_t)u[i]);
        if (x == NULL || json_array_append_new(a, x) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* Sets key to v (a new reference) in o; counts a failure in *bad. */
static void put(json_t *o, const char *key, json_t *v, int *bad)
{
    if (v == NULL || json_object_set_new(o, key, v) != 0)
        (*bad)++;
}

json_t *model_to_json(const struct model *m)
{
    int bad = 0;
    json_t *j = json_object();
    if (j == NULL)
        return NULL;
    put(j, "format", json_string(MODEL_FORMAT), &bad);
    put(j, "version", json_integer(MODEL_VERSION), &bad);
    put(j, "algo", json_string(model_algo_name(m->algo)), &bad);
    put(j, "seed", json_integer((json_int_t)(m->seed & 0x7FFFFFFFFFFFFFFFULL)), &bad);
    put(j, "threshold", json_real(m->threshold), &bad);
    json_t *feat = json_array();
    for (size_t i = 0; feat && i < m->p; i++)
        if (json_array_append_new(feat, json_string(m->features ? m->features[i] : "?")) != 0)
            bad++;
    put(j, "features", feat, &bad);
    json_t *prep = json_object();
    if (prep) {
        put(prep, "impute", jarray_doubles(m->impute, m->p), &bad);
        put(prep, "lo", jarray_doubles(m->lo, m->p), &bad);
        put(prep, "hi", jarray_doubles(m->hi, m->p), &bad);
        put(prep, "mean", jarray_doubles(m->mean, m->p), &bad);
        put(prep, "sd", jarray_doubles(m->sd, m->p), &bad);
    }
    put(j, "preprocess", prep, &bad);
    if (m->algo & MODEL_LOGIT) {
        json_t *lg = json_object();
        if (lg) {
            put(lg, "l2", json_real(m->l2), &bad);
            put(lg, "bias", json_real(m->bias), &bad);
            put(lg, "coef", jarray_doubles(m->coef, m->p), &bad);
        }
        put(j, "logit", lg, &bad);
    }
    if (m->algo & MODEL_FOREST) {
        json_t *fo = json_object(), *trees = json_array();
        if (fo) {
            put(fo, "max_depth", json_integer(m->max_depth), &bad);
            put(fo, "min_leaf", json_integer(m->min_leaf), &bad);
            put(fo, "mtry", json_integer(m->mtry), &bad);
            put(fo, "bins", json_integer(m->bins), &bad);
        }
        for (size_t t = 0; trees && t < m->ntrees; t++) {
            const struct model_tree *tr = &m->trees[t];
            json_t *to = json_object();
            if (to == NULL) {
                bad++;
                break;
            }
            put(to, "f", jarray_ints(tr->feature, NULL, tr->nnodes), &bad);
            put(to, "t", jarray_doubles(tr->thr, tr->nnodes), &bad);
            put(to, "r", jarray_ints(NULL, tr->right, tr->nnodes), &bad);
            put(to, "v", jarray_doubles(tr->value, tr->nnodes), &bad);
            if (json_array_append_new(trees, to) != 0)
                bad++;
        }
        if (fo)
            put(fo, "trees", trees, &bad);
        else
            json_decref(trees);
        put(j, "forest", fo, &bad);
    }
    json_t *cal = json_object(), *mk = json_object();
    if (cal) {
        put(cal, "method", json_string("platt"), &bad);
        put(cal, "global", json_pack("[f,f]", m->global.a, m->global.b), &bad);
    }
    for (size_t i = 0; mk && i < m->nmarkets; i++)
        put(mk, m->market_names[i], json_pack("[f,f]", m->market_cal[i].a, m->market_cal[i].b),
            &bad);
    if (cal)
        put(cal, "markets", mk, &bad);
    else
        json_decref(mk);
    put(j, "calibration", cal, &bad);
    put(j, "training",
        json_pack("{s:I,s:I}", "tenders", (json_int_t)m->train_rows, "collusive",
                  (json_int_t)m->train_pos),
        &bad);
    if (bad) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* Loader helpers: each returns 0, or -1 with err set. */
struct jerr {
    char *buf;
    size_t len;
};

__attribute__((format(printf, 2, 3))) static int jfail(struct jerr *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (e->buf && e->len)
        vsnprintf(e->buf, e->len, fmt, ap);
    va_end(ap);
    return -1;
}

static int jget_doubles(struct jerr *e, const json_t *o, const char *key, size_t n, double *out)
{
    const json_t *a = json_object_get(o, key);
    if (!json_is_array(a) || json_array_size(a) != n)
        return jfail(e, "%s: expected an array of %zu numbers", key, n);
    for (size_t i = 0; i < n; i++) {
        const json_t *x = json_array_get(a, i);
        if (!json_is_number(x) || !isfinite(json_number_value(x)))
            return jfail(e, "%s[%zu]: not a finite number", key, i);
        out[i] = json_number_value(x);
    }
    return 0;
}

static int jget_number(struct jerr *e, const json_t *o, const char *key, double *out)
{
    const json_t *x = json_object_get(o, key);
    if (!json_is_number(x) || !isfinite(json_number_value(x)))
        return jfail(e, "%s: expected a finite number", key);
    *out = json_number_value(x);
    return 0;
}

static int jget_uint(struct jerr *e, const json_t *o, const char *key, unsigned max, unsigned *out)
{
    const json_t *x = json_object_get(o, key);
    if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) > max)
        return jfail(e, "%s: expected an integer in 0..%u", key, max);
    *out = (unsigned)json_integer_value(x);
    return 0;
}

static int jget_platt(struct jerr *e, const json_t *a, const char *what, struct model_platt *out)
{
    if (!json_is_array(a) || json_array_size(a) != 2 || !json_is_number(json_array_get(a, 0)) ||
        !json_is_number(json_array_get(a, 1)))
        return jfail(e, "calibration %s: expected [a, b]", what);
    out->a = json_number_value(json_array_get(a, 0));
    out->b = json_number_value(json_array_get(a, 1));
    if (!isfinite(out->a) || !isfinite(out->b))
        return jfail(e, "calibration %s: not finite", what);
    return 0;
}

static int load_tree(struct jerr *e, const json_t *to, size_t t, size_t p, struct model_tree *tr)
{
    const json_t *f = json_object_get(to, "f"), *th = json_object_get(to, "t");
    const json_t *r = json_object_get(to, "r"), *v = json_object_get(to, "v");
    if (!json_is_array(f) || !json_is_array(th) || !json_is_array(r) || !json_is_array(v))
        return jfail(e, "tree %zu: expected arrays f, t, r, v", t);
    size_t n = json_array_size(f);
    if (n == 0 || n > MODEL_MAX_NODES || json_array_size(th) != n || json_array_size(r) != n ||
        json_array_size(v) != n)
        return jfail(e, "tree %zu: arrays f, t, r, v must have one equal length in 1..%u", t,
                     MODEL_MAX_NODES);
    tr->nnodes = (uint32_t)n;
    tr->feature = malloc(n * sizeof(int32_t));
    tr->thr = malloc(n * sizeof(double));
    tr->right = malloc(n * sizeof(uint32_t));
    tr->value = malloc(n * sizeof(double));
    if (!tr->feature || !tr->thr || !tr->right || !tr->value)
        return jfail(e, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *fi = json_array_get(f, i), *ti = json_array_get(th, i);
        const json_t *ri = json_array_get(r, i), *vi = json_array_get(v, i);
        if (!json_is_integer(fi) || json_integer_value(fi) < -1 ||
            json_integer_value(fi) >= (json_int_t)p)
            return jfail(e, "tree %zu node %zu: feature out of range", t, i);
        if (!json_is_number(ti) || !isfinite(json_number_value(ti)))
            return jfail(e, "tree %zu node %zu: threshold not a finite number", t, i);
        if (!json_is_number(vi) || !(json_number_value(vi) >= 0 && json_number_value(vi) <= 1))
            return jfail(e, "tree %zu node %zu: value not in [0, 1]", t, i);
        if (!json_is_integer(ri) || json_integer_value(ri) < 0 ||
            json_integer_value(ri) >= (json_int_t)n)
            return jfail(e, "tree %zu node %zu: right child out of range", t, i);
        tr->feature[i] = (int32_t)json_integer_value(fi);
        tr->thr[i] = json_number_value(ti);
        tr->right[i] = (uint32_t)json_integer_value(ri);
        tr->value[i] = json_number_value(vi);
        /* an inner node's children come after it: no cycles, scoring ends */
        if (tr->feature[i] >= 0 && (i + 1 >= n || tr->right[i] <= i + 1))
            return jfail(e, "tree %zu node %zu: children must follow their node", t, i);
    }
    return 0;
}

int model_from_json(const json_t *j, struct model **out, char *err, size_t errlen)
{
    struct jerr e = {err, errlen};
    struct model *m = NULL;
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!json_is_object(j))
        return jfail(&e, "not a JSON object"), MODEL_EFORMAT;
    const char *fmt = json_string_value(json_object_get(j, "format"));
    if (fmt == NULL || strcmp(fmt, MODEL_FORMAT) != 0)
        return jfail(&e, "format: expected \"%s\"", MODEL_FORMAT), MODEL_EFORMAT;
    const json_t *ver = json_object_get(j, "version");
    if (!json_is_integer(ver) || json_integer_value(ver) != MODEL_VERSION)
        return jfail(&e, "version: expected %d", MODEL_VERSION), MODEL_EFORMAT;
    const json_t *feat = json_object_get(j, "features");
    if (!json_is_array(feat) || json_array_size(feat) == 0 ||
        json_array_size(feat) > MODEL_MAX_FEATURES)
        return jfail(&e, "features: expected 1..%d names", MODEL_MAX_FEATURES), MODEL_EFORMAT;
    size_t p = json_array_size(feat);
    m = model_alloc(p);
    if (m == NULL)
        return jfail(&e, "out of memory"), MODEL_ENOMEM;
    int rc = MODEL_EFORMAT;
    const char *algo = json_string_value(json_object_get(j, "algo"));
    if (algo == NULL || model_algo_parse(algo, &m->algo) != 0) {
        jfail(&e, "algo: expected logit, forest or both");
        goto out;
    }
    const json_t *seed = json_object_get(j, "seed");
    if (json_is_integer(seed) && json_integer_value(seed) >= 0)
        m->seed = (uint64_t)json_integer_value(seed);
    if (jget_number(&e, j, "threshold", &m->threshold) != 0)
        goto out;
    if (!(m->threshold > 0 && m->threshold < 1)) {
        jfail(&e, "threshold: expected a number between 0 and 1");
        goto out;
    }
    m->features = calloc(p, sizeof(char *));
    if (m->features == NULL)
        goto nomem;
    for (size_t i = 0; i < p; i++) {
        const char *s = json_string_value(json_array_get(feat, i));
        if (s == NULL || s[0] == '\0' || strlen(s) > 128) {
            jfail(&e, "features[%zu]: expected a name of 1..128 bytes", i);
            goto out;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(m->features[k], s) == 0) {
                jfail(&e, "features[%zu]: %s appears twice", i, s);
                goto out;
            }
        m->features[i] = strdup(s);
        if (m->features[i] == NULL)
            goto nomem;
    }
    const json_t *prep = json_object_get(j, "preprocess");
    if (!json_is_object(prep)) {
        jfail(&e, "preprocess: expected an object");
        goto out;
    }
    if (jget_doubles(&e, prep, "impute", p, m->impute) || jget_doubles(&e, prep, "lo", p, m->lo) ||
        jget_doubles(&e, prep, "hi", p, m->hi) || jget_doubles(&e, prep, "mean", p, m->mean) ||
        jget_doubles(&e, prep, "sd", p, m->sd))
        goto out;
    for (size_t i = 0; i < p; i++)
        if (!(m->sd[i] > 0) || m->lo[i] > m->hi[i]) {
            jfail(&e, "preprocess: feature %zu needs sd > 0 and lo <= hi", i);
            goto out;
        }
    if (m->algo & MODEL_LOGIT) {
        const json_t *lg = json_object_get(j, "logit");
        if (!json_is_object(lg)) {
            jfail(&e, "logit: expected an object");
            goto out;
        }
        if (jget_number(&e, lg, "l2", &m->l2) || jget_number(&e, lg, "bias", &m->bias) ||
            jget_doubles(&e, lg, "coef", p, m->coef))
            goto out;
    }
    if (m->algo & MODEL_FOREST) {
        const json_t *fo = json_object_get(j, "forest");
        const json_t *trees = json_object_get(fo, "trees");
        if (!json_is_object(fo) || !json_is_array(trees) || json_array_size(trees) == 0 ||
            json_array_size(trees) > MODEL_MAX_TREES) {
            jfail(&e, "forest: expected an object with 1..%d trees", MODEL_MAX_TREES);
            goto out;
        }
        if (jget_uint(&e, fo, "max_depth", 1000, &m->max_depth) ||
            jget_uint(&e, fo, "min_leaf", UINT32_MAX / 2, &m->min_leaf) ||
            jget_uint(&e, fo, "mtry", MODEL_MAX_FEATURES, &m->mtry) ||
            jget_uint(&e, fo, "bins", 256, &m->bins))
            goto out;
        size_t nt = json_array_size(trees);
        m->trees = calloc(nt, sizeof(struct model_tree));
        if (m->trees == NULL)
            goto nomem;
        m->ntrees = nt;
        for (size_t t = 0; t < nt; t++)
            if (load_tree(&e, json_array_get(trees, t), t, p, &m->trees[t]) != 0)
                goto out;
    }
    const json_t *cal = json_object_get(j, "calibration");
    if (!json_is_object(cal) ||
        jget_platt(&e, json_object_get(cal, "global"), "global", &m->global) != 0) {
        if (err && err[0] == '\0')
            jfail(&e, "calibration: expected an object with global");
        goto out;
    }
    const json_t *mk = json_object_get(cal, "markets");
    if (mk != NULL) {
        if (!json_is_object(mk) || json_object_size(mk) > MODEL_MAX_MARKETS) {
            jfail(&e, "calibration markets: expected an object of at most %d", MODEL_MAX_MARKETS);
            goto out;
        }
        size_t nm = json_object_size(mk);
        m->market_names = calloc(nm ? nm : 1, sizeof(char *));
        m->market_cal = calloc(nm ? nm : 1, sizeof(struct model_platt));
        if (!m->market_names || !m->market_cal)
            goto nomem;
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)(uintptr_t)mk, key, val)
        {
            if (jget_platt(&e, val, key, &m->market_cal[m->nmarkets]) != 0)
                goto out;
            m->market_names[m->nmarkets] = strdup(key);
            if (m->market_names[m->nmarkets] == NULL)
                goto nomem;
            m->nmarkets++;
        }
        /* sort by name, keeping the pairs together */
        for (size_t i = 1; i < m->nmarkets; i++) {
            char *nmk = m->market_names[i];
            struct model_platt pc = m->market_cal[i];
            size_t k = i;
            while (k > 0 && strcmp(m->market_names[k - 1], nmk) > 0) {
                m->market_names[k] = m->market_names[k - 1];
                m->market_cal[k] = m->market_cal[k - 1];
                k--;
            }
            m->market_names[k] = nmk;
            m->market_cal[k] = pc;
        }
    }
    const json_t *tr = json_object_get(j, "training");
    if (json_is_object(tr)) {
        json_int_t a = json_integer_value(json_object_get(tr, "tenders"));
        json_int_t b = json_integer_value(json_object_get(tr, "collusive"));
        m->train_rows = a > 0 ? (size_t)a : 0;
        m->train_pos = b > 0 ? (size_t)b : 0;
    }
    *out = m;
    return MODEL_OK;
nomem:
    rc = MODEL_ENOMEM;
    jfail(&e, "out of memory");
out:
    model_free(m);
    return rc;
}
