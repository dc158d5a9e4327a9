/*
 * relgraph_bids.c — what bidders do across tenders (relgraph.h,
 * docs/graph.md): co-bidding frequency, bid rotation, cover bidding.
 *
 * Co-bidding: every pair of distinct bidders of a lot (lots of at most
 * RG_MAX_LOT bidders) counts one meeting; a pair is frequent when it met in
 * at least min_cobids lots and in at least min_co_ratio of the lots of the
 * one that bid less.
 *
 * Rotation (OECD 2009: "conspirators continue to bid, but they agree to
 * take turns being the winning bidder"). For a group G, its lots are those
 * where two or more members bid and a winner is known (n of them, in
 * chronological order). With q_l = members bidding / bidders in lot l, the
 * number of lots a member wins would be Poisson-binomial(q_1..q_n) if any
 * bidder were as likely to win; p = P(X >= wins) exactly (dynamic
 * programming). G looks like a rotation when
 *     n >= min_lots, capture = wins / n >= min_capture, every member won at
 *     least once, evenness = H(win shares) / ln|G| >= min_evenness, and the
 *     winner changed between consecutive group lots at least as often as
 *     independent draws with those shares would change it (1 - sum s_i^2);
 * it is flagged when moreover p <= alpha / (groups tested). Groups tried:
 * every frequent co-bidding pair, every component of the frequent-pair
 * graph and every relationship component of 3..max_group members that bid,
 * and for each of these not flagged the members that won any of its lots.
 *
 * Cover bidding (OECD 2009: a bid "too high to be accepted"; Porter & Zona
 * 1993 read it in the ranks of losing bids). A firm with at least
 * min_cover_bids lots with two or more priced bids and a known winner, that
 * won none of them; its relative rank in a lot of m priced bids is
 * (rank - 1) / (m - 1), 0 the lowest price, 1 the highest (ties share the
 * mean rank). p = P(sum of ranks drawn uniformly in each lot >= the firm's
 * sum), exact on a grid rounded in the conservative direction (cover_p).
 * Flagged when the mean is at least min_cover_rank and p <= alpha / (firms
 * tested). The beneficiary is the firm that won most of those lots.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/relgraph_internal.h"
#include "base/hash.h"

/* ---- co-bidding --------------------------------------------------------- */

struct pairmap {
    uint64_t *key; /* a << 32 | b, a < b, never 0 because b > a >= 0 */
    uint32_t *val;
    size_t cap, n;
};

static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static int pm_add(struct pairmap *m, uint32_t a, uint32_t b)
{
    uint64_t key = (uint64_t)a << 32 | b;
    if ((m->n + 1) * 2 > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 4096;
        uint64_t *k = calloc(nc, sizeof *k);
        uint32_t *v = malloc(nc * sizeof *v);
        if (k == NULL || v == NULL) {
            free(k);
            free(v);
            return RG_NOMEM;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (m->key[i] == 0)
                continue;
            size_t j = (size_t)mix(m->key[i]) & (nc - 1);
            while (k[j] != 0)
                j = (j + 1) & (nc - 1);
            k[j] = m->key[i];
            v[j] = m->val[i];
        }
        free(m->key);
        free(m->val);
        m->key = k;
        m->val = v;
        m->cap = nc;
    }
    size_t j = (size_t)mix(key) & (m->cap - 1);
    while (m->key[j] != 0 && m->key[j] != key)
        j = (j + 1) & (m->cap - 1);
    if (m->key[j] == 0) {
        m->key[j] = key;
        m->val[j] = 0;
        m->n++;
    }
    m->val[j]++;
    return RG_OK;
}

static int cmp_cobid(const void *x, const void *y)
{
    const struct rg_cobid *a = x, *b = y;
    if (a->together != b->together)
        return a->together > b->together ? -1 : 1;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return (a->b > b->b) - (a->b < b->b);
}

static uint32_t nlots_of(const struct relgraph *g, uint32_t o)
{
    return g->org_loff[o + 1] - g->org_loff[o];
}

static int cobidding(struct relgraph *g)
{
    struct pairmap m = {0};
    int rc = RG_OK;
    for (size_t l = 0; l < g->lots.n && rc == RG_OK; l++) {
        uint32_t s = g->lot_off[l], e = g->lot_off[l + 1];
        if (e - s > RG_MAX_LOT)
            e = s + RG_MAX_LOT;
        for (uint32_t x = s; x < e && rc == RG_OK; x++)
            for (uint32_t y = x + 1; y < e && rc == RG_OK; y++) {
                uint32_t a = g->bids[x].org, b = g->bids[y].org;
                rc = pm_add(&m, a < b ? a : b, a < b ? b : a);
            }
    }
    size_t n = 0;
    for (size_t i = 0; i < m.cap && rc == RG_OK; i++) {
        if (m.key[i] == 0 || m.val[i] < g->p.min_cobids)
            continue;
        uint32_t a = (uint32_t)(m.key[i] >> 32), b = (uint32_t)m.key[i];
        uint32_t least = nlots_of(g, a) < nlots_of(g, b) ? nlots_of(g, a) : nlots_of(g, b);
        if ((double)m.val[i] < g->p.min_co_ratio * (double)least)
            continue;
        if (n % 1024 == 0) {
            struct rg_cobid *c = realloc(g->cobid, (n + 1024) * sizeof *c);
            if (c == NULL) {
                rc = RG_NOMEM;
                break;
            }
            g->cobid = c;
        }
        g->cobid[n++] = (struct rg_cobid){a, b, m.val[i]};
    }
    g->ncobid = n;
    if (n > 1)
        qsort(g->cobid, n, sizeof *g->cobid, cmp_cobid);
    free(m.key);
    free(m.val);
    return rc;
}

/* ---- rotation ----------------------------------------------------------- */

struct groupset { /* groups tried, to try each once */
    uint64_t *hash;
    size_t cap, n;
};

static bool seen_group(struct groupset *s, const uint32_t *m, size_t n, int *rc)
{
    uint64_t h = hash_fnv1a64(HASH_FNV1A64_SEED, m, n * sizeof *m);
    h = h ? h : 1;
    if ((s->n + 1) * 2 > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 1024;
        uint64_t *k = calloc(nc, sizeof *k);
        if (k == NULL) {
            *rc = RG_NOMEM;
            return true;
        }
        for (size_t i = 0; i < s->cap; i++) {
            if (s->hash[i] == 0)
                continue;
            size_t j = (size_t)mix(s->hash[i]) & (nc - 1);
            while (k[j] != 0)
                j = (j + 1) & (nc - 1);
            k[j] = s->hash[i];
        }
        free(s->hash);
        s->hash = k;
        s->cap = nc;
    }
    size_t j = (size_t)mix(h) & (s->cap - 1);
    while (s->hash[j] != 0) {
        if (s->hash[j] == h)
            return true; /* a 64-bit collision only skips a group */
        j = (j + 1) & (s->cap - 1);
    }
    s->hash[j] = h;
    s->n++;
    return false;
}

/* Scratch for evaluating groups: per lot, how many members bid (stamped). */
struct rotctx {
    struct relgraph *g;
    uint32_t *stamp; /* per lot: the try that counted it */
    uint32_t *cnt;   /* per lot: members bidding */
    uint64_t *glots; /* the group's lots: chronological rank << 32 | lot */
    uint32_t try_id;
    struct groupset seen;
    double *dp; /* Poisson-binomial table */
    size_t dpcap;
};

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

static int member_index(const uint32_t *m, size_t n, uint32_t o)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m[mid] < o)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && m[lo] == o ? (int)lo : -1;
}

/* P(X >= k) for X the sum of independent Bernoulli(q[i]). */
static double pb_tail(struct rotctx *rc, const double *q, size_t n, size_t k, int *err)
{
    if (n + 1 > rc->dpcap) {
        double *d = realloc(rc->dp, (n + 1) * sizeof *d);
        if (d == NULL) {
            *err = RG_NOMEM;
            return 1.0;
        }
        rc->dp = d;
        rc->dpcap = n + 1;
    }
    double *dp = rc->dp;
    dp[0] = 1.0;
    for (size_t i = 1; i <= n; i++)
        dp[i] = 0.0;
    for (size_t i = 0; i < n; i++) {
        /* After lot i, dp[j] = P(j wins in lots 0..i), j = 0..i+1. */
        for (size_t j = i + 1; j > 0; j--)
            dp[j] = dp[j] * (1.0 - q[i]) + dp[j - 1] * q[i];
        dp[0] *= 1.0 - q[i];
    }
    double t = 0;
    for (size_t j = k; j <= n; j++)
        t += dp[j];
    return t > 1.0 ? 1.0 : t;
}

/* Evaluates group m[0..n) (sorted); flags it, and tries its winners. */
static int try_group(struct rotctx *c, const uint32_t *m, size_t n, int depth)
{
    struct relgraph *g = c->g;
    int rc = RG_OK;
    if (n < 2 || n > g->p.max_group || seen_group(&c->seen, m, n, &rc))
        return rc;
    uint32_t t = ++c->try_id;
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        for (uint32_t x = g->org_loff[m[i]]; x < g->org_loff[m[i] + 1]; x++) {
            uint32_t l = g->org_lot[x];
            if (c->stamp[l] != t) {
                c->stamp[l] = t;
                c->cnt[l] = 0;
            }
            if (++c->cnt[l] == 2 && g->lot_winner[l] != RG_NONE)
                c->glots[ng++] = (uint64_t)g->lot_rank[l] << 32 | l;
        }
    }
    if (ng < g->p.min_lots)
        return RG_OK;
    g->groups_tried++; /* a test: counted for the Bonferroni bound */
    qsort(c->glots, ng, sizeof *c->glots, cmp_u64);
    double *q = malloc(ng * sizeof *q);
    uint32_t *wins = calloc(n, sizeof *wins);
    if (q == NULL || wins == NULL) {
        free(q);
        free(wins);
        return RG_NOMEM;
    }
    size_t won = 0, changes = 0;
    int last = -1;
    double expected = 0;
    for (size_t i = 0; i < ng; i++) {
        uint32_t l = (uint32_t)c->glots[i];
        q[i] = (double)c->cnt[l] / (double)(g->lot_off[l + 1] - g->lot_off[l]);
        expected += q[i];
        int w = member_index(m, n, g->lot_winner[l]);
        if (w >= 0) {
            wins[w]++;
            won++;
            if (last >= 0 && w != last)
                changes++;
            last = w;
        }
    }
    double capture = (double)won / (double)ng;
    double h = 0, sumsq = 0;
    size_t winners = 0;
    for (size_t i = 0; i < n; i++) {
        if (wins[i] == 0)
            continue;
        winners++;
        double s = (double)wins[i] / (double)(won ? won : 1);
        h -= s * log(s);
        sumsq += s * s;
    }
    double evenness = h / log((double)n);
    double sw = won >= 2 ? (double)changes / (double)(won - 1) : 0.0;
    double sw0 = 1.0 - sumsq;
    double p = 1.0;
    if (capture >= g->p.min_capture)
        p = pb_tail(c, q, ng, won, &rc);
    /* Kept when it looks like turns; whether p is small enough is decided
     * once every group has been tried (rotation(): Bonferroni). */
    bool flag = rc == RG_OK && capture >= g->p.min_capture && winners == n &&
                evenness >= g->p.min_evenness && sw + 1e-9 >= sw0;
    if (flag) {
        if (g->nrot == g->rotcap) {
            size_t nc = g->rotcap ? g->rotcap * 2 : 16;
            struct rg_rotation *r = realloc(g->rot, nc * sizeof *r);
            if (r == NULL) {
                rc = RG_NOMEM;
                goto out;
            }
            g->rot = r;
            g->rotcap = nc;
        }
        struct rg_rotation *r = &g->rot[g->nrot];
        memset(r, 0, sizeof *r);
        r->orgs = malloc(n * sizeof *r->orgs);
        size_t nseq = ng < RG_MAX_SEQUENCE ? ng : RG_MAX_SEQUENCE;
        r->seq = malloc(nseq * sizeof *r->seq);
        if (r->orgs == NULL || r->seq == NULL) {
            free(r->orgs);
            free(r->seq);
            rc = RG_NOMEM;
            goto out;
        }
        memcpy(r->orgs, m, n * sizeof *m);
        r->norgs = n;
        r->wins = wins;
        wins = NULL;
        r->lots = ng;
        r->capture = capture;
        r->expected = expected / (double)ng;
        r->p = p;
        r->evenness = evenness;
        r->switch_rate = sw;
        r->expected_switch = sw0;
        r->linked = g->comp[m[0]] != RG_NONE;
        for (size_t i = 1; i < n; i++)
            if (g->comp[m[i]] != g->comp[m[0]])
                r->linked = false;
        for (size_t i = 0; i < nseq; i++)
            r->seq[i] =
                (struct rg_seq){(uint32_t)c->glots[i], g->lot_winner[(uint32_t)c->glots[i]]};
        r->nseq = nseq;
        g->nrot++;
    } else if (depth == 0 && winners >= 2 && winners < n) {
        /* The members that won: the ring inside a wider circle of bidders. */
        uint32_t *sub = malloc(winners * sizeof *sub);
        if (sub == NULL) {
            rc = RG_NOMEM;
            goto out;
        }
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (wins[i] > 0)
                sub[k++] = m[i];
        free(q);
        q = NULL;
        free(wins);
        wins = NULL;
        rc = try_group(c, sub, k, depth + 1);
        free(sub);
    }
out:
    free(q);
    free(wins);
    return rc;
}

static uint32_t uf_find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/* Components of `parent` over the organisations marked in `in`, with
 * 3..max_group members: each is tried. */
static int try_components(struct rotctx *c, uint32_t *parent, const uint8_t *in)
{
    struct relgraph *g = c->g;
    size_t norg = g->orgid.n;
    int rc = RG_OK;
    uint64_t *order = malloc((norg ? norg : 1) * sizeof *order);
    uint32_t *members = malloc((g->p.max_group + 1) * sizeof *members);
    if (order == NULL || members == NULL) {
        free(order);
        free(members);
        return RG_NOMEM;
    }
    size_t k = 0;
    for (size_t o = 0; o < norg; o++)
        if (in[o])
            order[k++] = (uint64_t)uf_find(parent, (uint32_t)o) << 32 | o;
    qsort(order, k, sizeof *order, cmp_u64); /* by root, then organisation */
    for (size_t i = 0; i < k && rc == RG_OK;) {
        size_t j = i;
        while (j < k && order[j] >> 32 == order[i] >> 32)
            j++;
        if (j - i >= 3 && j - i <= g->p.max_group) {
            for (size_t x = i; x < j; x++)
                members[x - i] = (uint32_t)order[x];
            rc = try_group(c, members, j - i, 0);
        }
        i = j;
    }
    free(members);
    free(order);
    return rc;
}

static int rotation(struct relgraph *g)
{
    size_t norg = g->orgid.n, nl = g->lots.n;
    struct rotctx c = {.g = g};
    int rc = RG_OK;
    c.stamp = calloc(nl ? nl : 1, sizeof *c.stamp);
    c.cnt = malloc((nl ? nl : 1) * sizeof *c.cnt);
    c.glots = malloc((g->nbids ? g->nbids : 1) * sizeof *c.glots);
    uint32_t *parent = malloc((norg ? norg : 1) * sizeof *parent);
    uint8_t *in = calloc(norg ? norg : 1, 1);
    if (c.stamp == NULL || c.cnt == NULL || c.glots == NULL || parent == NULL || in == NULL) {
        rc = RG_NOMEM;
        goto out;
    }
    /* Frequent pairs, and the components of their graph. */
    for (size_t o = 0; o < norg; o++)
        parent[o] = (uint32_t)o;
    for (size_t i = 0; i < g->ncobid && rc == RG_OK; i++) {
        uint32_t pair[2] = {g->cobid[i].a, g->cobid[i].b};
        rc = try_group(&c, pair, 2, 0);
        uint32_t a = uf_find(parent, pair[0]), b = uf_find(parent, pair[1]);
        if (a != b)
            parent[b] = a;
        in[pair[0]] = in[pair[1]] = 1;
    }
    if (rc == RG_OK)
        rc = try_components(&c, parent, in);
    /* Relationship components: their members that bid. */
    uint32_t *members = malloc((g->p.max_group + 1) * sizeof *members);
    if (members == NULL) {
        rc = RG_NOMEM;
        goto out;
    }
    for (size_t comp = 0; comp < g->ncomp && rc == RG_OK; comp++) {
        size_t k = 0;
        bool fits = true;
        for (uint32_t x = g->comp_off[comp]; x < g->comp_off[comp + 1]; x++) {
            uint32_t o = g->comp_org[x];
            if (nlots_of(g, o) == 0)
                continue;
            if (k == g->p.max_group) {
                fits = false;
                break;
            }
            members[k++] = o;
        }
        if (fits && k >= 2)
            rc = try_group(&c, members, k, 0); /* comp_org is in organisation order */
    }
    free(members);
    /* Family-wise error: a group is flagged when p <= alpha / groups tested. */
    g->rot_threshold = g->p.alpha / (double)(g->groups_tried ? g->groups_tried : 1);
    size_t kept = 0;
    for (size_t i = 0; i < g->nrot; i++) {
        if (g->rot[i].p <= g->rot_threshold) {
            g->rot[kept++] = g->rot[i];
        } else {
            free(g->rot[i].orgs);
            free(g->rot[i].wins);
            free(g->rot[i].seq);
        }
    }
    g->nrot = kept;
out:
    free(c.stamp);
    free(c.cnt);
    free(c.glots);
    free(c.seen.hash);
    free(c.dp);
    free(parent);
    free(in);
    return rc;
}

/* ---- cover bidding ------------------------------------------------------ */

#define COVER_GRID  100 /* steps of a relative rank in the exact distribution */
#define COVER_EXACT 400 /* lots up to which the distribution is exact */

/* P(T >= t) for T the sum over n lots of a relative rank drawn uniformly
 * from {0, 1/(m-1), ..., 1}: each value rounded up to the grid of
 * 1/COVER_GRID, so the sum can only grow and the p-value only err on the
 * side of not flagging; the distribution by convolution. Past COVER_EXACT
 * lots the normal approximation (mean n/2, variance sum (m+1)/(12(m-1))). */
static double cover_p(const uint32_t *msz, size_t n, double t, double **dp, size_t *dpcap, int *rc)
{
    if (n > COVER_EXACT) {
        double var = 0;
        for (size_t i = 0; i < n; i++)
            var += (double)(msz[i] + 1) / (12.0 * (double)(msz[i] - 1));
        double z = (t - (double)n / 2.0) / sqrt(var);
        return 0.5 * erfc(z / sqrt(2.0));
    }
    size_t top = n * COVER_GRID + 1;
    if (2 * top > *dpcap) {
        double *d = realloc(*dp, 2 * top * sizeof *d);
        if (d == NULL) {
            *rc = RG_NOMEM;
            return 1.0;
        }
        *dp = d;
        *dpcap = 2 * top;
    }
    double *cur = *dp, *nxt = *dp + top;
    memset(cur, 0, top * sizeof *cur);
    cur[0] = 1.0;
    size_t span = 0; /* highest reachable sum so far */
    for (size_t i = 0; i < n; i++) {
        uint32_t m = msz[i];
        memset(nxt, 0, (span + COVER_GRID + 1) * sizeof *nxt);
        double w = 1.0 / (double)m;
        for (uint32_t k = 0; k < m; k++) {
            size_t c = ((size_t)k * COVER_GRID + (m - 2)) / (m - 1); /* ceil */
            for (size_t s = 0; s <= span; s++)
                nxt[s + c] += cur[s] * w;
        }
        span += COVER_GRID;
        double *x = cur;
        cur = nxt;
        nxt = x;
    }
    double need = ceil(t * COVER_GRID - 1e-6);
    double p = 0;
    for (size_t s = need > 0 ? (size_t)need : 0; s <= span; s++)
        p += cur[s];
    return p > 1.0 ? 1.0 : p;
}

static int cover(struct relgraph *g)
{
    size_t norg = g->orgid.n;
    int rc = RG_OK;
    uint32_t *lots = NULL, *msz = NULL;
    double *dp = NULL;
    size_t cap = 0, dpcap = 0;
    uint32_t *bcount = calloc(norg ? norg : 1, sizeof *bcount);
    if (bcount == NULL)
        return RG_NOMEM;
    for (size_t o = 0; o < norg && rc == RG_OK; o++) {
        uint32_t nl = nlots_of(g, (uint32_t)o);
        if (nl < g->p.min_cover_bids)
            continue;
        if (nl > cap) {
            free(lots);
            free(msz);
            lots = malloc(nl * sizeof *lots);
            msz = malloc(nl * sizeof *msz);
            cap = nl;
            if (lots == NULL || msz == NULL) {
                rc = RG_NOMEM;
                break;
            }
        }
        size_t n = 0, wins = 0;
        double sum = 0;
        for (uint32_t x = g->org_loff[o]; x < g->org_loff[o + 1]; x++) {
            uint32_t l = g->org_lot[x];
            if (g->lot_winner[l] == RG_NONE)
                continue;
            double mine = NAN;
            uint32_t m = 0;
            for (uint32_t y = g->lot_off[l]; y < g->lot_off[l + 1]; y++) {
                if (isnan(g->bids[y].price))
                    continue;
                m++;
                if (g->bids[y].org == o)
                    mine = g->bids[y].price;
            }
            if (m < 2 || isnan(mine))
                continue;
            double below = 0, equal = 0;
            for (uint32_t y = g->lot_off[l]; y < g->lot_off[l + 1]; y++) {
                double pr = g->bids[y].price;
                if (isnan(pr))
                    continue;
                below += pr < mine;
                equal += pr == mine;
            }
            double rank = below + (equal + 1.0) / 2.0; /* 1-based, ties averaged */
            sum += (rank - 1.0) / (double)(m - 1);
            if (g->lot_winner[l] == o)
                wins++;
            lots[n] = l;
            msz[n] = m;
            n++;
        }
        if (n < g->p.min_cover_bids)
            continue;
        g->covers_tested++;
        if (wins > 0 || sum / (double)n < g->p.min_cover_rank)
            continue;
        double p = cover_p(msz, n, sum, &dp, &dpcap, &rc);
        if (rc != RG_OK)
            break;
        if (p > g->p.alpha) /* cannot pass any Bonferroni bound; not kept */
            continue;
        /* The beneficiary: who won most of these lots (first in input order
         * among equals). */
        uint32_t best = RG_NONE, bestc = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t w = g->lot_winner[lots[i]];
            if (++bcount[w] > bestc || (bcount[w] == bestc && w < best)) {
                bestc = bcount[w];
                best = w;
            }
        }
        for (size_t i = 0; i < n; i++)
            bcount[g->lot_winner[lots[i]]] = 0;
        if (g->ncover == g->covercap) {
            size_t nc = g->covercap ? g->covercap * 2 : 16;
            struct rg_cover *cv = realloc(g->cover, nc * sizeof *cv);
            if (cv == NULL) {
                rc = RG_NOMEM;
                break;
            }
            g->cover = cv;
            g->covercap = nc;
        }
        struct rg_cover *cv = &g->cover[g->ncover];
        memset(cv, 0, sizeof *cv);
        cv->lots = malloc(n * sizeof *cv->lots);
        if (cv->lots == NULL) {
            rc = RG_NOMEM;
            break;
        }
        memcpy(cv->lots, lots, n * sizeof *lots);
        cv->nlots = n;
        cv->org = (uint32_t)o;
        cv->bids = (uint32_t)n;
        cv->wins = 0;
        cv->mean_rank = sum / (double)n;
        cv->p = p;
        cv->beneficiary = best;
        cv->beneficiary_wins = bestc;
        cv->linked = best != RG_NONE && g->comp[o] != RG_NONE && g->comp[o] == g->comp[best];
        g->ncover++;
    }
    free(lots);
    free(msz);
    free(bcount);
    free(dp);
    g->cover_threshold = g->p.alpha / (double)(g->covers_tested ? g->covers_tested : 1);
    size_t kept = 0;
    for (size_t i = 0; i < g->ncover; i++) {
        if (g->cover[i].p <= g->cover_threshold)
            g->cover[kept++] = g->cover[i];
        else
            free(g->cover[i].lots);
    }
    g->ncover = kept;
    return rc;
}

int rg_analyse_bids(struct relgraph *g)
{
    int rc = cobidding(g);
    bool winners = false;
    for (size_t l = 0; l < g->lots.n && !winners; l++)
        winners = g->lot_winner[l] != RG_NONE;
    if (rc == RG_OK && winners)
        rc = rotation(g);
    if (rc == RG_OK && winners && g->have_prices)
        rc = cover(g);
    return rc;
}
