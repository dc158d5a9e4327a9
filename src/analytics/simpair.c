/*
 * simpair.c — one candidate pair compared exactly (similarity.h, step 3).
 *
 * Set measures, over the distinct non-template shingles of each document
 * (the two indexes): shared = |A ∩ B|, Jaccard = shared / |A ∪ B|,
 * containment of a in b = shared / |A|.
 *
 * Passages: the maximal common substrings of the two normalised texts that
 * contain no template shingle, of at least min_passage code points.
 * Seed and extend: walk a's shingle positions in order; look each up in b's
 * index; every occurrence j in b of the same hash (confirmed on the code
 * points) is a match on the diagonal i - j, extended left and right while
 * the next code points are equal and the shingles there are not the
 * template's. The furthest end found on each diagonal is remembered, so a
 * run is extended once, not once per shingle in it. Shingles that occur
 * more than max_repeat times in either document (rules, dotted leaders,
 * repeated table rows) seed nothing, which keeps the work linear on
 * repetitive text; a passage may still run through them.
 */
#include <stdlib.h>
#include <string.h>

#include "analytics/similarity_internal.h"

/* diagonal -> end (exclusive, in a's shingle positions) of the last run. */
struct diagmap {
    int64_t *key;
    uint32_t *end;
    uint8_t *used;
    size_t cap, n;
};

static int diag_grow(struct diagmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 256;
    int64_t *k = malloc(ncap * sizeof *k);
    uint32_t *e = malloc(ncap * sizeof *e);
    uint8_t *u = calloc(ncap, 1);
    if (k == NULL || e == NULL || u == NULL) {
        free(k);
        free(e);
        free(u);
        return SIM_NOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->used[i])
            continue;
        size_t j = (size_t)sim_mix64((uint64_t)m->key[i]) & (ncap - 1);
        while (u[j])
            j = (j + 1) & (ncap - 1);
        u[j] = 1;
        k[j] = m->key[i];
        e[j] = m->end[i];
    }
    free(m->key);
    free(m->end);
    free(m->used);
    m->key = k;
    m->end = e;
    m->used = u;
    m->cap = ncap;
    return SIM_OK;
}

/* The slot of diagonal d, inserted with end 0 when new; SIZE_MAX on OOM. */
static size_t diag_slot(struct diagmap *m, int64_t d)
{
    if ((m->n + 1) * 2 > m->cap && diag_grow(m) != SIM_OK)
        return SIZE_MAX;
    size_t j = (size_t)sim_mix64((uint64_t)d) & (m->cap - 1);
    while (m->used[j]) {
        if (m->key[j] == d)
            return j;
        j = (j + 1) & (m->cap - 1);
    }
    m->used[j] = 1;
    m->key[j] = d;
    m->end[j] = 0;
    m->n++;
    return j;
}

static void diag_release(struct diagmap *m)
{
    free(m->key);
    free(m->end);
    free(m->used);
}

static int push_found(struct sim_found **found, size_t *n, size_t *cap, uint32_t ai, uint32_t bi,
                      uint32_t chars)
{
    if (*n >= SIM_MAX_PASSAGES)
        return SIM_OK; /* the rest is not shown; the counts say how much there was */
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        struct sim_found *g = realloc(*found, nc * sizeof *g);
        if (g == NULL)
            return SIM_NOMEM;
        *found = g;
        *cap = nc;
    }
    (*found)[*n].ai = ai;
    (*found)[*n].bi = bi;
    (*found)[*n].chars = chars;
    (*n)++;
    return SIM_OK;
}

int sim_compare(const struct sim *s, const struct sim_prep *a, const struct sim_prep *b,
                struct sim_pair *pair, struct sim_found **found, size_t *nfound, size_t *capfound)
{
    size_t k = s->p.shingle;
    uint32_t rep = s->p.max_repeat;
    uint64_t shared = 0;
    for (size_t j = 0; j < a->icap; j++)
        if (a->ikey[j] != 0 && sim_prep_find(b, a->ikey[j]) != SIZE_MAX)
            shared++;
    pair->shingles_a = a->idistinct;
    pair->shingles_b = b->idistinct;
    pair->shared = shared;
    uint64_t uni = a->idistinct + b->idistinct - shared;
    pair->jaccard = uni ? (double)shared / (double)uni : 0.0;
    pair->containment_a = a->idistinct ? (double)shared / (double)a->idistinct : 0.0;
    pair->containment_b = b->idistinct ? (double)shared / (double)b->idistinct : 0.0;
    *nfound = 0;
    if (shared == 0)
        return SIM_OK;

    struct diagmap dm = {0};
    int rc = SIM_OK;
    for (size_t i = 0; i < a->nsh && rc == SIM_OK; i++) {
        if (a->tm[i])
            continue;
        size_t sb = sim_prep_find(b, a->sh[i]);
        if (sb == SIZE_MAX || b->icount[sb] > rep)
            continue;
        size_t sa = sim_prep_find(a, a->sh[i]);
        if (sa == SIZE_MAX || a->icount[sa] > rep)
            continue;
        for (uint32_t j = b->ifirst[sb]; j != UINT32_MAX; j = b->next[j]) {
            int64_t d = (int64_t)i - (int64_t)j;
            size_t slot = diag_slot(&dm, d);
            if (slot == SIZE_MAX) {
                rc = SIM_NOMEM;
                break;
            }
            if (dm.end[slot] > i)
                continue; /* inside a run found already */
            if (memcmp(a->cp + i, b->cp + j, k * sizeof *a->cp) != 0)
                continue; /* a hash collision, not a match */
            size_t ai = i, bj = j;
            while (ai > 0 && bj > 0 && !a->tm[ai - 1] && !b->tm[bj - 1] &&
                   a->cp[ai - 1] == b->cp[bj - 1]) {
                ai--;
                bj--;
            }
            size_t ae = i, be = j; /* last shingle positions of the run */
            while (ae + 1 < a->nsh && be + 1 < b->nsh && !a->tm[ae + 1] && !b->tm[be + 1] &&
                   a->cp[ae + k] == b->cp[be + k]) {
                ae++;
                be++;
            }
            dm.end[slot] = (uint32_t)(ae + 1);
            size_t chars = ae - ai + k;
            if (chars >= s->p.min_passage)
                rc = push_found(found, nfound, capfound, (uint32_t)ai, (uint32_t)bj,
                                (uint32_t)chars);
        }
    }
    diag_release(&dm);
    return rc;
}
