/*
 * expertperm.c — the expert-favouring permutation test (expertperm.h).
 *
 * Owns: the scores (ids interned into three tables: tenders, experts,
 * firms), the residual rows and the tested pairs. The steps of ep_analyse:
 *
 *   rows sorted by (tender, firm, expert)   duplicates refused; each group's
 *                                           sum gives every row its peers' mean
 *                                           and r = score - that mean
 *   rows with r sorted by (expert, tender)  each group with two or more firms
 *                                           gives D = r - the group's mean r;
 *                                           kept as `drows`, each knowing its
 *                                           group (start, length)
 *   drows' indices sorted by (expert, firm, tender)
 *                                           runs = pairs; with min_tenders
 *                                           tenders, a pair is tested
 *
 * A permutation of a pair draws, for each shared tender, one D of that
 * tender's (expert, tender) group uniformly: the value a random relabelling
 * of the firms would put on the pair's firm. Memory: O(rows). Time: sorting,
 * plus draws x shared tenders per pair (early stopping keeps most pairs to
 * stop_hits / p draws). Single-threaded; no global state.
 */
#include "analytics/expertperm.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonw.h"
#include "sheet/sheet.h"

/* ---- interning ---- */

struct intern {
    char **names;    /* by id */
    uint32_t n, cap; /* ids in use, allocated */
    uint32_t *slots; /* open addressing: id + 1, 0 empty */
    size_t nslots;   /* a power of two, > 2 n */
};

static uint64_t str_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static void intern_release(struct intern *t)
{
    for (uint32_t i = 0; i < t->n; i++)
        free(t->names[i]);
    free(t->names);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static int intern_grow(struct intern *t)
{
    size_t ns = t->nslots ? t->nslots * 2 : 64;
    uint32_t *sl = calloc(ns, sizeof *sl);
    if (sl == NULL)
        return -1;
    for (uint32_t i = 0; i < t->n; i++) {
        size_t k = (size_t)str_hash(t->names[i], strlen(t->names[i])) & (ns - 1);
        while (sl[k] != 0)
            k = (k + 1) & (ns - 1);
        sl[k] = i + 1;
    }
    free(t->slots);
    t->slots = sl;
    t->nslots = ns;
    return 0;
}

/* The id of s (added when new); -1 when out of memory. */
static int64_t intern_id(struct intern *t, const char *s)
{
    size_t len = strlen(s);
    if ((size_t)(t->n + 1) * 2 >= t->nslots && intern_grow(t) != 0)
        return -1;
    size_t k = (size_t)str_hash(s, len) & (t->nslots - 1);
    while (t->slots[k] != 0) {
        uint32_t id = t->slots[k] - 1;
        if (strcmp(t->names[id], s) == 0)
            return id;
        k = (k + 1) & (t->nslots - 1);
    }
    if (t->n == t->cap) {
        uint32_t nc = t->cap ? t->cap * 2 : 64;
        char **nn = realloc(t->names, nc * sizeof *nn);
        if (nn == NULL)
            return -1;
        t->names = nn;
        t->cap = nc;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, s, len + 1);
    t->names[t->n] = copy;
    t->slots[k] = t->n + 1;
    return t->n++;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(**(char **const *)a, **(char **const *)b);
}

/* Renumbers the ids in name order (so that nothing downstream depends on
 * the order the rows came in); map[old] gets the new id. The slots are
 * rebuilt. */
static int intern_sort(struct intern *t, uint32_t **map)
{
    char ***ptr = malloc((t->n ? t->n : 1) * sizeof *ptr);
    char **names = malloc((t->n ? t->n : 1) * sizeof *names);
    *map = malloc((t->n ? t->n : 1) * sizeof **map);
    if (ptr == NULL || names == NULL || *map == NULL) {
        free(ptr);
        free(names);
        free(*map);
        *map = NULL;
        return -1;
    }
    for (uint32_t i = 0; i < t->n; i++)
        ptr[i] = &t->names[i];
    if (t->n > 1) /* qsort and memcpy take no NULL, even for nothing */
        qsort(ptr, t->n, sizeof *ptr, cmp_name);
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t old = (uint32_t)(ptr[i] - t->names);
        (*map)[old] = i;
        names[i] = t->names[old];
    }
    if (t->n > 0)
        memcpy(t->names, names, t->n * sizeof *names);
    free(ptr);
    free(names);
    size_t ns = 64;
    while (ns <= (size_t)t->n * 2)
        ns *= 2;
    uint32_t *sl = calloc(ns, sizeof *sl);
    if (sl == NULL)
        return -1;
    for (uint32_t i = 0; i < t->n; i++) {
        size_t k = (size_t)str_hash(t->names[i], strlen(t->names[i])) & (ns - 1);
        while (sl[k] != 0)
            k = (k + 1) & (ns - 1);
        sl[k] = i + 1;
    }
    free(t->slots);
    t->slots = sl;
    t->nslots = ns;
    return 0;
}

/* ---- state ---- */

struct row {
    uint32_t t, e, f; /* interned ids */
    uint32_t line;    /* CSV line, 0 for ep_add */
    double s;         /* the score */
    double r;         /* s - peers' mean (valid when ok) */
    bool ok;          /* enough peers for r */
    bool suspect;     /* (e, f) flagged in an earlier round: out of the others' baselines */
};

struct drow {
    uint32_t t, e, f;
    double s, peer, r, d; /* score, peers' mean, r, D */
    uint32_t gstart;      /* the (expert, tender) group in drows */
    uint32_t glen;
};

struct pair {
    uint32_t e, f;
    uint32_t first; /* into order[] */
    uint32_t n;     /* shared tenders */
    double stat, p;
    uint32_t draws;
    bool flagged;
};

struct expertperm {
    struct ep_params p;
    struct intern tenders, experts, firms;
    struct row *rows;
    size_t nrows, caprows;
    struct drow *drows;
    size_t ndrows;
    uint32_t *order; /* drows by (expert, firm, tender) */
    struct pair *pairs;
    size_t npairs;
    size_t nflags;
    uint64_t draws;
    unsigned perms; /* B in use: the parameter, or chosen from the threshold */
    double threshold;
    bool analysed;
    uint32_t cur_line; /* line stamped on rows added by ep_load_csv */
};

void ep_params_init(struct ep_params *p)
{
    p->min_tenders = 3;
    p->min_peers = 1;
    p->perms = 0; /* auto */
    p->stop_hits = 20;
    p->alpha = 0.05;
    p->min_effect = 0;
    p->seed = 1;
    p->max_pairs = 50;
}

struct expertperm *ep_new(const struct ep_params *p)
{
    if (p == NULL || p->min_tenders < 1 || p->min_peers < 1 || p->perms > EP_MAX_PERMS ||
        !(p->alpha > 0 && p->alpha < 1) || !isfinite(p->min_effect))
        return NULL;
    struct expertperm *x = calloc(1, sizeof *x);
    if (x == NULL)
        return NULL;
    x->p = *p;
    return x;
}

void ep_free(struct expertperm *x)
{
    if (x == NULL)
        return;
    intern_release(&x->tenders);
    intern_release(&x->experts);
    intern_release(&x->firms);
    free(x->rows);
    free(x->drows);
    free(x->order);
    free(x->pairs);
    free(x);
}

const char *ep_err_code(int e)
{
    switch (e) {
    case EP_OK:
        return "ok";
    case EP_NOMEM:
        return "out_of_memory";
    case EP_CSV:
        return "csv_invalid";
    case EP_MISSING_COLUMN:
        return "csv_missing_column";
    case EP_BAD_VALUE:
        return "bad_value";
    case EP_DUPLICATE:
        return "duplicate_score";
    case EP_TOO_MANY_ROWS:
        return "too_many_rows";
    case EP_BAD_PARAMS:
        return "bad_parameters";
    }
    return "unknown";
}

static int fail(struct ep_error *err, int code, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct ep_error *err, int code, size_t line, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        err->line = line;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

static bool id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= EP_MAX_ID;
}

int ep_add(struct expertperm *x, const char *tender, const char *expert, const char *firm,
           double score)
{
    if (x->analysed || !id_ok(tender) || !id_ok(expert) || !id_ok(firm) || !isfinite(score) ||
        fabs(score) > 1e9)
        return EP_BAD_VALUE;
    if (x->nrows >= EP_MAX_ROWS)
        return EP_TOO_MANY_ROWS;
    if (x->nrows == x->caprows) {
        size_t nc = x->caprows ? x->caprows * 2 : 1024;
        struct row *nr = realloc(x->rows, nc * sizeof *nr);
        if (nr == NULL)
            return EP_NOMEM;
        x->rows = nr;
        x->caprows = nc;
    }
    int64_t t = intern_id(&x->tenders, tender), e = intern_id(&x->experts, expert),
            f = intern_id(&x->firms, firm);
    if (t < 0 || e < 0 || f < 0)
        return EP_NOMEM;
    struct row *r = &x->rows[x->nrows++];
    memset(r, 0, sizeof *r);
    r->t = (uint32_t)t;
    r->e = (uint32_t)e;
    r->f = (uint32_t)f;
    r->s = score;
    r->line = x->cur_line;
    return EP_OK;
}

/* A decimal number: what strtod reads, whole, finite, not hex. */
static bool parse_score(const char *s, double *out)
{
    char *end = NULL;
    if (*s == '\0' || strpbrk(s, "xXpP") != NULL)
        return false;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

int ep_load_csv(struct expertperm *x, const char *data, size_t n, struct ep_error *err)
{
    static const char *const cols[4] = {"tender_id", "expert_id", "firm_id", "score"};
    struct sheet sh;
    struct sheet_error serr = {0};
    struct sheet_limits lim = {.max_rows = EP_MAX_ROWS + 1,
                               .max_cols = 64,
                               .max_cell = 4096,
                               .max_part = 0,
                               .max_bytes = (size_t)1 << 30};
    size_t col[4];
    int rc = EP_OK;
    sheet_init(&sh);
    int src = sheet_read_csv(&sh, data, n, &lim, &serr);
    if (src == SHEET_ENOMEM) {
        rc = fail(err, EP_NOMEM, 0, "%s", "out of memory");
        goto out;
    }
    if (src == SHEET_ETOOBIG && sh.nrows > EP_MAX_ROWS) {
        rc = fail(err, EP_TOO_MANY_ROWS, serr.row, "%s", serr.msg);
        goto out;
    }
    if (src != SHEET_OK) {
        rc = fail(err, EP_CSV, serr.row, "%s", serr.msg);
        goto out;
    }
    if (sh.nrows == 0) {
        rc = fail(err, EP_MISSING_COLUMN, 0, "%s", "the file is empty: no header row");
        goto out;
    }
    for (int c = 0; c < 4; c++) {
        col[c] = SIZE_MAX;
        for (size_t k = 0; k < sh.rows[0].ncells; k++)
            if (strcmp(sh.rows[0].cells[k], cols[c]) == 0)
                col[c] = k;
        if (col[c] == SIZE_MAX) {
            rc = fail(err, EP_MISSING_COLUMN, sh.rows[0].line, "the header has no column %s",
                      cols[c]);
            goto out;
        }
    }
    for (size_t i = 1; i < sh.nrows; i++) {
        const char *t = sheet_cell(&sh, i, col[0]), *e = sheet_cell(&sh, i, col[1]),
                   *f = sheet_cell(&sh, i, col[2]), *sc = sheet_cell(&sh, i, col[3]);
        double v;
        size_t line = sh.rows[i].line;
        if (!id_ok(t) || !id_ok(e) || !id_ok(f)) {
            rc = fail(err, EP_BAD_VALUE, line, "%s", "an id is empty or longer than 256 bytes");
            goto out;
        }
        if (!parse_score(sc, &v) || fabs(v) > 1e9) {
            rc = fail(err, EP_BAD_VALUE, line, "score is not a finite decimal number: %.60s", sc);
            goto out;
        }
        x->cur_line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
        rc = ep_add(x, t, e, f, v);
        x->cur_line = 0;
        if (rc != EP_OK) {
            rc = fail(err, rc, line, "%s",
                      rc == EP_TOO_MANY_ROWS ? "more scores than one run takes" : "out of memory");
            goto out;
        }
    }
out:
    sheet_release(&sh);
    return rc;
}

/* ---- analysis ---- */

static int cmp_tfe(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if (x->f != y->f)
        return x->f < y->f ? -1 : 1;
    if (x->e != y->e)
        return x->e < y->e ? -1 : 1;
    return 0;
}

static int cmp_etf(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->e != y->e)
        return x->e < y->e ? -1 : 1;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if (x->f != y->f)
        return x->f < y->f ? -1 : 1;
    return 0;
}

static const struct drow *sort_drows; /* qsort has no context argument */

static int cmp_order(const void *a, const void *b)
{
    const struct drow *x = &sort_drows[*(const uint32_t *)a],
                      *y = &sort_drows[*(const uint32_t *)b];
    if (x->e != y->e)
        return x->e < y->e ? -1 : 1;
    if (x->f != y->f)
        return x->f < y->f ? -1 : 1;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return 0;
}

static const struct expertperm *sort_x;

static int cmp_pairs(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    if (x->stat != y->stat)
        return x->stat > y->stat ? -1 : 1;
    int c = strcmp(sort_x->experts.names[x->e], sort_x->experts.names[y->e]);
    if (c != 0)
        return c;
    return strcmp(sort_x->firms.names[x->f], sort_x->firms.names[y->f]);
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Residuals against the peers: rows sorted by (tender, firm, expert). */
static int residuals(struct expertperm *x, struct ep_error *err)
{
    size_t i = 0;
    if (x->nrows > 1)
        qsort(x->rows, x->nrows, sizeof *x->rows, cmp_tfe);
    while (i < x->nrows) {
        size_t j = i;
        while (j < x->nrows && x->rows[j].t == x->rows[i].t && x->rows[j].f == x->rows[i].f) {
            if (j > i && x->rows[j].e == x->rows[j - 1].e) {
                char what[3 * 80];
                snprintf(what, sizeof what, "%.70s / %.70s / %.70s", x->tenders.names[x->rows[j].t],
                         x->experts.names[x->rows[j].e], x->firms.names[x->rows[j].f]);
                return fail(err, EP_DUPLICATE, x->rows[j].line,
                            "a second score for tender / expert / firm %s", what);
            }
            j++;
        }
        /* the baseline leaves out the suspects (flagged in an earlier round) */
        double sum_n = 0;
        size_t cnt_n = 0;
        for (size_t k = i; k < j; k++)
            if (!x->rows[k].suspect) {
                sum_n += x->rows[k].s;
                cnt_n++;
            }
        for (size_t k = i; k < j; k++) {
            struct row *r = &x->rows[k];
            double psum = r->suspect ? sum_n : sum_n - r->s;
            size_t pcnt = r->suspect ? cnt_n : cnt_n - 1;
            r->ok = pcnt >= x->p.min_peers;
            if (r->ok)
                r->r = r->s - psum / (double)pcnt;
        }
        i = j;
    }
    return EP_OK;
}

/* D within each (expert, tender) group of two or more firms with r. */
static int deviations(struct expertperm *x)
{
    size_t i = 0;
    if (x->nrows > 1)
        qsort(x->rows, x->nrows, sizeof *x->rows, cmp_etf);
    x->drows = malloc((x->nrows ? x->nrows : 1) * sizeof *x->drows);
    if (x->drows == NULL)
        return EP_NOMEM;
    while (i < x->nrows) {
        size_t j = i, k = 0;
        double sum = 0;
        while (j < x->nrows && x->rows[j].e == x->rows[i].e && x->rows[j].t == x->rows[i].t) {
            if (x->rows[j].ok) {
                sum += x->rows[j].r;
                k++;
            }
            j++;
        }
        if (k >= 2) {
            double m = sum / (double)k;
            uint32_t start = (uint32_t)x->ndrows;
            for (size_t q = i; q < j; q++) {
                const struct row *r = &x->rows[q];
                if (!r->ok)
                    continue;
                struct drow *d = &x->drows[x->ndrows++];
                d->t = r->t;
                d->e = r->e;
                d->f = r->f;
                d->s = r->s;
                d->r = r->r;
                d->peer = r->s - r->r;
                d->d = r->r - m;
                d->gstart = start;
                d->glen = (uint32_t)k;
            }
        }
        i = j;
    }
    return EP_OK;
}

static void test_pair(struct expertperm *x, struct pair *pr)
{
    double sum = 0;
    for (uint32_t k = 0; k < pr->n; k++)
        sum += x->drows[x->order[pr->first + k]].d;
    pr->stat = sum / pr->n;
    pr->p = 1;
    pr->draws = 0;
    if (!(pr->stat > 1e-12))
        return;
    const char *en = x->experts.names[pr->e], *fn = x->firms.names[pr->f];
    uint64_t st = x->p.seed ^ str_hash(en, strlen(en)) ^ (str_hash(fn, strlen(fn)) * 31 + 7);
    splitmix64(&st);
    /* compare sums, not means, with a tolerance for rounding: a draw that
     * equals the observation counts as at least as extreme */
    double tol = 1e-9 * (fabs(sum) + 1);
    uint32_t hits = 0, b;
    for (b = 1; b <= x->perms; b++) {
        double s = 0;
        for (uint32_t k = 0; k < pr->n; k++) {
            const struct drow *d = &x->drows[x->order[pr->first + k]];
            uint32_t pick = (uint32_t)((splitmix64(&st) >> 32) * (uint64_t)d->glen >> 32);
            s += x->drows[d->gstart + pick].d;
        }
        if (s >= sum - tol) {
            hits++;
            if (x->p.stop_hits && hits >= x->p.stop_hits) {
                pr->draws = b;
                pr->p = (double)hits / (double)b;
                x->draws += b;
                return;
            }
        }
    }
    pr->draws = x->perms;
    pr->p = (1.0 + hits) / (1.0 + x->perms);
    x->draws += x->perms;
}

/* Residuals, deviations, pairs and their tests, from the rows as marked. */
static int one_round(struct expertperm *x, struct ep_error *err)
{
    int rc;
    free(x->drows);
    free(x->order);
    free(x->pairs);
    x->drows = NULL;
    x->order = NULL;
    x->pairs = NULL;
    x->ndrows = x->npairs = x->nflags = 0;
    rc = residuals(x, err);
    if (rc != EP_OK)
        return rc;
    rc = deviations(x);
    if (rc != EP_OK)
        return fail(err, rc, 0, "%s", "out of memory");
    x->order = malloc((x->ndrows ? x->ndrows : 1) * sizeof *x->order);
    x->pairs = malloc((x->ndrows ? x->ndrows : 1) * sizeof *x->pairs);
    if (x->order == NULL || x->pairs == NULL)
        return fail(err, EP_NOMEM, 0, "%s", "out of memory");
    for (size_t i = 0; i < x->ndrows; i++)
        x->order[i] = (uint32_t)i;
    sort_drows = x->drows;
    qsort(x->order, x->ndrows, sizeof *x->order, cmp_order);
    sort_drows = NULL;
    for (size_t i = 0; i < x->ndrows;) {
        const struct drow *a = &x->drows[x->order[i]];
        size_t j = i;
        while (j < x->ndrows && x->drows[x->order[j]].e == a->e && x->drows[x->order[j]].f == a->f)
            j++;
        if (j - i >= x->p.min_tenders) {
            struct pair *pr = &x->pairs[x->npairs++];
            memset(pr, 0, sizeof *pr);
            pr->e = a->e;
            pr->f = a->f;
            pr->first = (uint32_t)i;
            pr->n = (uint32_t)(j - i);
        }
        i = j;
    }
    x->threshold = x->npairs ? x->p.alpha / (double)x->npairs : x->p.alpha;
    x->perms = x->p.perms;
    if (x->perms == 0) { /* enough for up to 19 exceedances under the threshold */
        double b = ceil(20.0 / x->threshold);
        x->perms = b < EP_AUTO_MIN_PERMS ? EP_AUTO_MIN_PERMS
                   : b > EP_MAX_PERMS    ? EP_MAX_PERMS
                                         : (unsigned)b;
    }
    for (size_t i = 0; i < x->npairs; i++) {
        struct pair *pr = &x->pairs[i];
        test_pair(x, pr);
        pr->flagged = pr->stat >= x->p.min_effect && pr->p <= x->threshold;
        x->nflags += pr->flagged;
    }
    return EP_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Marks the rows of flagged pairs as suspects; true when a row was not
 * marked before (another round is due). */
static bool mark_suspects(struct expertperm *x)
{
    bool grew = false;
    uint64_t *keys = malloc((x->nflags ? x->nflags : 1) * sizeof *keys);
    size_t nk = 0;
    if (keys == NULL)
        return false; /* stay with this round's answer */
    for (size_t i = 0; i < x->npairs; i++)
        if (x->pairs[i].flagged)
            keys[nk++] = (uint64_t)x->pairs[i].e << 32 | x->pairs[i].f;
    qsort(keys, nk, sizeof *keys, cmp_u64);
    for (size_t i = 0; i < x->nrows && nk > 0; i++) {
        uint64_t k = (uint64_t)x->rows[i].e << 32 | x->rows[i].f;
        if (!x->rows[i].suspect && bsearch(&k, keys, nk, sizeof *keys, cmp_u64) != NULL) {
            x->rows[i].suspect = true;
            grew = true;
        }
    }
    free(keys);
    return grew;
}

int ep_analyse(struct expertperm *x, struct ep_error *err)
{
    int rc;
    if (x->analysed)
        return fail(err, EP_BAD_PARAMS, 0, "%s", "already analysed");
    x->analysed = true;
    uint32_t *mt = NULL, *me = NULL, *mf = NULL;
    if (intern_sort(&x->tenders, &mt) != 0 || intern_sort(&x->experts, &me) != 0 ||
        intern_sort(&x->firms, &mf) != 0) {
        free(mt);
        free(me);
        free(mf);
        return fail(err, EP_NOMEM, 0, "%s", "out of memory");
    }
    for (size_t i = 0; i < x->nrows; i++) {
        x->rows[i].t = mt[x->rows[i].t];
        x->rows[i].e = me[x->rows[i].e];
        x->rows[i].f = mf[x->rows[i].f];
    }
    free(mt);
    free(me);
    free(mf);
    for (int round = 0;; round++) {
        rc = one_round(x, err);
        if (rc != EP_OK)
            return rc;
        if (round + 1 >= EP_ROUNDS || !mark_suspects(x))
            break;
    }
    sort_x = x;
    qsort(x->pairs, x->npairs, sizeof *x->pairs, cmp_pairs);
    sort_x = NULL;
    return EP_OK;
}

void ep_stats(const struct expertperm *x, struct ep_stats *st)
{
    memset(st, 0, sizeof *st);
    st->rows = x->nrows;
    st->tenders = x->tenders.n;
    st->experts = x->experts.n;
    st->firms = x->firms.n;
    st->pairs_tested = x->npairs;
    st->flags = x->nflags;
    st->threshold = x->threshold;
    st->perms = x->perms;
    st->perms_too_few = 1.0 / (1.0 + x->perms) > x->threshold;
    st->draws = x->draws;
}

bool ep_pair_get(const struct expertperm *x, size_t i, struct ep_pair *out)
{
    if (i >= x->npairs)
        return false;
    const struct pair *p = &x->pairs[i];
    out->expert = x->experts.names[p->e];
    out->firm = x->firms.names[p->f];
    out->tenders = p->n;
    out->stat = p->stat;
    out->p = p->p;
    out->draws = p->draws;
    out->flagged = p->flagged;
    return true;
}

/* ---- the report ---- */

static void num(struct jsonw *w, const char *key, double v)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%.6g", v);
    jsonw_key(w, key);
    if (!isfinite(v) || n <= 0 || (size_t)n >= sizeof tmp)
        jsonw_null(w);
    else
        jsonw_raw(w, tmp, (size_t)n);
}

static void write_pair(struct jsonw *w, const struct expertperm *x, const struct pair *p,
                       bool cases)
{
    jsonw_obj_begin(w);
    jsonw_kstr(w, "expert", x->experts.names[p->e]);
    jsonw_kstr(w, "firm", x->firms.names[p->f]);
    jsonw_kint(w, "tenders", p->n);
    num(w, "mean_deviation", p->stat);
    num(w, "p_value", p->p);
    /* the smallest p any permutation test can give this pair: all of its
     * tenders' draws at their largest, prod 1 / firms (ties aside) */
    double floor_p = 1;
    for (uint32_t k = 0; k < p->n; k++)
        floor_p /= x->drows[x->order[p->first + k]].glen;
    num(w, "p_floor", floor_p);
    jsonw_kint(w, "permutations", p->draws);
    jsonw_kbool(w, "flagged", p->flagged);
    if (cases) {
        jsonw_key(w, "cases");
        jsonw_arr_begin(w);
        for (uint32_t k = 0; k < p->n && k < EP_MAX_CASES; k++) {
            const struct drow *d = &x->drows[x->order[p->first + k]];
            jsonw_obj_begin(w);
            jsonw_kstr(w, "tender", x->tenders.names[d->t]);
            num(w, "score", d->s);
            num(w, "panel_mean", d->peer);
            num(w, "residual", d->r);
            num(w, "deviation", d->d);
            jsonw_kint(w, "firms", d->glen);
            jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
    }
    jsonw_obj_end(w);
}

int ep_write_json(const struct expertperm *x, struct buf *out)
{
    struct jsonw w;
    struct ep_stats st;
    char seed[24];
    ep_stats(x, &st);
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "version", 1);
    jsonw_key(&w, "params");
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "min_tenders", x->p.min_tenders);
    jsonw_kint(&w, "min_peers", x->p.min_peers);
    jsonw_kint(&w, "permutations", x->perms);
    jsonw_kbool(&w, "permutations_auto", x->p.perms == 0);
    jsonw_kint(&w, "stop_hits", x->p.stop_hits);
    num(&w, "alpha", x->p.alpha);
    num(&w, "min_effect", x->p.min_effect);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)x->p.seed);
    jsonw_kstr(&w, "seed", seed);
    jsonw_kstr(&w, "statistic",
               "mean over shared tenders of (score - panel mean) minus the expert's mean of that "
               "over the tender's firms");
    jsonw_obj_end(&w);
    jsonw_key(&w, "stats");
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "rows", (int64_t)st.rows);
    jsonw_kint(&w, "tenders", (int64_t)st.tenders);
    jsonw_kint(&w, "experts", (int64_t)st.experts);
    jsonw_kint(&w, "firms", (int64_t)st.firms);
    jsonw_kint(&w, "pairs_tested", (int64_t)st.pairs_tested);
    jsonw_kint(&w, "flags", (int64_t)st.flags);
    num(&w, "threshold", st.threshold);
    jsonw_kbool(&w, "permutations_too_few", st.perms_too_few);
    jsonw_kint(&w, "draws", (int64_t)st.draws);
    jsonw_obj_end(&w);
    jsonw_key(&w, "flags");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < x->npairs; i++)
        if (x->pairs[i].flagged)
            write_pair(&w, x, &x->pairs[i], true);
    jsonw_arr_end(&w);
    jsonw_key(&w, "pairs");
    jsonw_arr_begin(&w);
    for (size_t i = 0, shown = 0; i < x->npairs && shown < x->p.max_pairs; i++)
        if (!x->pairs[i].flagged) {
            write_pair(&w, x, &x->pairs[i], false);
            shown++;
        }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    return jsonw_finish(&w) == 0 ? 0 : -1;
}
