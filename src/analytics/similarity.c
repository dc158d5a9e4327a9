/*
 * similarity.c — the passes of the similarity analysis (similarity.h has
 * the pipeline; docs/similarity.md the parameters and why).
 *
 *   pass 1  signatures   every document: load, normalise, shingle, mark
 *                        the template; cut into segments, MinHash each
 *                        (one-permutation hashing, optimal densification),
 *                        keep b band keys per segment
 *   LSH                  per band: radix-sort (key) of all segments; each
 *                        bucket of 2..max_bucket documents gives its pairs;
 *                        plus every pair of a small lot (exhaustive_lot)
 *   pass 2  pairs        per candidate pair (grouped by its first document,
 *                        loaded once per group): exact set measures and the
 *                        passages; the passages' shingle hashes are kept
 *   pass 3  frequencies  every document again: how many documents contain
 *                        each distinct passage shingle (the only table that
 *                        grows with the corpus, and only with its evidence)
 *   weigh                idf = ln((N + 1) / df); passages and pairs summed,
 *                        sorted, the heaviest max_shown passages kept
 *
 * Memory: pass 1 keeps, per segment, its document and b 64-bit band keys
 * (b x 8 + 4 bytes: 260 with the defaults) and nothing of the text; LSH
 * sorts one band at a time; pass 2 keeps the evidence (8 bytes per passage
 * shingle, at most SIM_MAX_EVIDENCE) and each shown passage's text. The
 * per-thread scratch holds one or two documents at a time.
 *
 * Threads: each pass hands out work by an atomic counter to `threads`
 * workers, each with its own scratch; results go to per-document or
 * per-pair slots, and everything order-dependent is sorted afterwards, so
 * the output does not depend on the number of threads.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analytics/similarity_internal.h"
#include "base/clock.h"
#include "base/utf8.h"

#define SIM_MAX_THREADS 64
#define PAIR_EXHAUSTIVE 0x80000000u /* flag in a pair's hit count */

const char *sim_err_code(int e)
{
    switch (e) {
    case SIM_OK:
        return "ok";
    case SIM_NOMEM:
        return "out_of_memory";
    case SIM_BAD_PARAMS:
        return "bad_parameters";
    case SIM_TOO_MANY_DOCS:
        return "too_many_documents";
    case SIM_TOO_MANY_PAIRS:
        return "too_many_pairs";
    case SIM_EVIDENCE_TOO_LARGE:
        return "evidence_too_large";
    default:
        return "unknown_error";
    }
}

void sim_params_init(struct sim_params *p)
{
    memset(p, 0, sizeof *p);
    p->shingle = SIM_DEFAULT_SHINGLE;
    p->hashes = SIM_DEFAULT_HASHES;
    p->bands = SIM_DEFAULT_BANDS;
    p->segment = SIM_DEFAULT_SEGMENT;
    p->min_segment = SIM_DEFAULT_MIN_SEGMENT;
    p->max_bucket = SIM_DEFAULT_MAX_BUCKET;
    p->exhaustive_lot = SIM_DEFAULT_EXHAUSTIVE;
    p->min_passage = SIM_DEFAULT_MIN_PASSAGE;
    p->max_shown = SIM_DEFAULT_MAX_SHOWN;
    p->max_repeat = SIM_DEFAULT_MAX_REPEAT;
    p->show_bytes = SIM_DEFAULT_SHOW_BYTES;
    p->max_pairs = SIM_DEFAULT_MAX_PAIRS;
    p->seed = SIM_DEFAULT_SEED;
}

static bool params_ok(const struct sim_params *p)
{
    bool pow2 = p->hashes >= 16 && p->hashes <= 1024 && (p->hashes & (p->hashes - 1)) == 0;
    return p->shingle >= 3 && p->shingle <= 64 && pow2 && p->bands >= 1 &&
           p->hashes % p->bands == 0 && p->segment >= 64 && p->segment <= (1u << 20) &&
           p->min_segment >= 1 && p->max_bucket >= 2 && p->min_passage >= p->shingle &&
           p->max_repeat >= 1 && p->max_pairs >= 1 && p->threads >= 0 &&
           p->threads <= SIM_MAX_THREADS && p->show_bytes <= (1u << 20);
}

struct sim *sim_new(const struct sim_params *p)
{
    if (!params_ok(p))
        return NULL;
    struct sim *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->p = *p;
    s->tmpl.sets = calloc(1, sizeof *s->tmpl.sets);
    if (s->tmpl.sets == NULL) {
        free(s);
        return NULL;
    }
    s->tmpl.n = 1;
    s->base = sim_mix64(p->seed ^ 0x243f6a8885a308d3ULL) | 1;
    s->pow_k = 1;
    for (unsigned i = 1; i < p->shingle; i++)
        s->pow_k *= s->base;
    return s;
}

void sim_free(struct sim *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->tmpl.n; i++)
        sim_hset_release(&s->tmpl.sets[i]);
    free(s->tmpl.sets);
    free(s);
}

int sim_template_new(struct sim *s, int *set)
{
    if (s->tmpl.n >= SIM_MAX_TEMPLATES)
        return SIM_BAD_PARAMS;
    struct sim_hset *g = realloc(s->tmpl.sets, (s->tmpl.n + 1) * sizeof *g);
    if (g == NULL)
        return SIM_NOMEM;
    s->tmpl.sets = g;
    memset(&g[s->tmpl.n], 0, sizeof *g);
    *set = (int)s->tmpl.n++;
    return SIM_OK;
}

int sim_template_add(struct sim *s, int set, const char *text, size_t len)
{
    if (set < 0 || (size_t)set >= s->tmpl.n)
        return SIM_BAD_PARAMS;
    struct sim_prep p = {0};
    int rc = sim_prep_hashes(s, &p, text, len);
    struct sim_hset *h = &s->tmpl.sets[set];
    for (size_t i = 0; rc == SIM_OK && i < p.nsh; i++) {
        if (h->n >= SIM_MAX_TEMPLATE)
            rc = SIM_BAD_PARAMS;
        else
            rc = sim_hset_add(h, p.sh[i]);
    }
    sim_prep_release(&p);
    return rc;
}

/* ---- threads ------------------------------------------------------------ */

struct worker {
    void (*fn)(void *ctx, int tid);
    void *ctx;
    int tid;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    w->fn(w->ctx, w->tid);
    return NULL;
}

/* Runs fn(ctx, tid) on n threads (the caller's is thread 0). */
static void run_threads(int n, void (*fn)(void *, int), void *ctx)
{
    pthread_t th[SIM_MAX_THREADS];
    struct worker w[SIM_MAX_THREADS];
    int started = 0;
    for (int i = 1; i < n; i++) {
        w[i] = (struct worker){fn, ctx, i};
        if (pthread_create(&th[i], NULL, worker_main, &w[i]) != 0)
            break; /* fewer threads; the counters hand the work out anyway */
        started = i;
    }
    fn(ctx, 0);
    for (int i = 1; i <= started; i++)
        pthread_join(th[i], NULL);
}

static void set_err(_Atomic int *rc, int e)
{
    int expected = SIM_OK;
    atomic_compare_exchange_strong(rc, &expected, e);
}

static double secs_since(int64_t t0)
{
    return (double)(clock_mono_ns() - t0) / 1e9;
}

/* ---- pass 1: signatures ------------------------------------------------- */

struct p1_thread {
    struct sim_prep prep;
    uint64_t *nt; /* non-template shingle hashes of the document */
    size_t ntcap;
    uint32_t *segdoc; /* per segment: its document */
    uint64_t *keys;   /* per segment: bands keys */
    size_t nseg, segcap;
};

struct run {
    const struct sim *s;
    const struct sim_doc *docs;
    size_t n;
    const struct sim_source *src;
    struct sim_docstat *st;
    int threads;
    _Atomic size_t next;
    _Atomic int rc;
    struct p1_thread *t1;
    /* pass 2 */
    struct sim_pair *pairs;
    size_t npairs;
    size_t *units; /* start of each group of pairs with the same a; units[nunits] = npairs */
    size_t nunits;
    uint64_t **evid; /* per pair: its passages' shingle hashes */
    _Atomic size_t evidence;
    /* pass 3 */
    uint64_t *ukey; /* distinct evidence hashes, open addressing (0 empty) */
    uint32_t *uidx; /* slot -> index in df */
    size_t ucap;
    uint32_t *df; /* updated with __atomic builtins */
    size_t ndistinct;
    uint64_t *ubits; /* one bit per (top bits of a) hash in the table: most
                      * shingles are not evidence and stop here, in cache */
    unsigned ushift; /* 64 - log2(bits) */
};

static int p1_push_segment(struct p1_thread *t, uint32_t doc, const uint64_t *keys, unsigned bands)
{
    if (t->nseg == t->segcap) {
        size_t nc = t->segcap ? t->segcap * 2 : 1024;
        uint32_t *sd = realloc(t->segdoc, nc * sizeof *sd);
        if (sd == NULL)
            return SIM_NOMEM;
        t->segdoc = sd;
        uint64_t *k = realloc(t->keys, nc * bands * sizeof *k);
        if (k == NULL)
            return SIM_NOMEM;
        t->keys = k;
        t->segcap = nc;
    }
    t->segdoc[t->nseg] = doc;
    memcpy(t->keys + t->nseg * bands, keys, bands * sizeof *keys);
    t->nseg++;
    return SIM_OK;
}

/* MinHash of hashes h[0..n) into `bands` band keys: one-permutation hashing
 * (K bins by the top bits, the minimum of the low 32 bits in each), empty
 * bins filled by optimal densification, then r values per band hashed. */
static void sign_segment(const struct sim *s, const uint64_t *h, size_t n, uint64_t *keys)
{
    unsigned K = s->p.hashes, bands = s->p.bands, rows = K / bands;
    unsigned shift = 64;
    for (unsigned v = K; v > 1; v >>= 1)
        shift--;
    uint32_t bins[1024];
    uint8_t full[1024];
    memset(bins, 0xFF, K * sizeof *bins);
    memset(full, 0, K);
    for (size_t i = 0; i < n; i++) {
        unsigned b = (unsigned)(h[i] >> shift);
        uint32_t v = (uint32_t)h[i];
        if (v <= bins[b]) {
            bins[b] = v;
            full[b] = 1;
        }
    }
    for (unsigned j = 0; j < K; j++) {
        if (full[j])
            continue;
        /* Optimal densification (Shrivastava 2017): probe bins by a hash of
         * (empty bin, attempt) until one that was filled by data. */
        for (uint64_t attempt = 1; attempt < 64 * (uint64_t)K; attempt++) {
            unsigned r = (unsigned)(sim_mix64(s->p.seed ^ ((uint64_t)j << 32) ^ attempt) &
                                    (uint64_t)(K - 1));
            if (full[r]) {
                bins[j] = bins[r];
                break;
            }
        }
    }
    for (unsigned b = 0; b < bands; b++) {
        uint64_t k = sim_mix64(s->p.seed ^ (0x9e3779b97f4a7c15ULL * (b + 1)));
        for (unsigned r = 0; r < rows; r++)
            k = sim_mix64(k ^ bins[b * rows + r]);
        keys[b] = k;
    }
}

static int pass1_doc(struct run *r, struct p1_thread *t, size_t d)
{
    const struct sim *s = r->s;
    const char *text;
    size_t len;
    if (r->docs[d].error != NULL || r->src->load(r->src->ud, d, &text, &len) != 0) {
        r->st[d].failed = true;
        return SIM_OK;
    }
    if (len > SIM_MAX_TEXT) { /* offsets are 32-bit */
        if (r->src->release != NULL)
            r->src->release(r->src->ud, d, text);
        r->st[d].failed = true;
        return SIM_OK;
    }
    int rc = sim_prep_text(s, &t->prep, text, len, r->docs[d].template_set);
    if (r->src->release != NULL)
        r->src->release(r->src->ud, d, text);
    if (rc != SIM_OK)
        return rc;
    struct sim_docstat *st = &r->st[d];
    st->text_bytes = len;
    st->chars = t->prep.n;
    st->shingles = t->prep.nsh;
    st->template_shingles = t->prep.ntm;
    size_t m = t->prep.nsh - t->prep.ntm;
    if (m > t->ntcap) {
        uint64_t *nt = realloc(t->nt, m * sizeof *nt);
        if (nt == NULL)
            return SIM_NOMEM;
        t->nt = nt;
        t->ntcap = m;
    }
    size_t j = 0;
    for (size_t i = 0; i < t->prep.nsh; i++)
        if (!t->prep.tm[i])
            t->nt[j++] = t->prep.sh[i];
    if (m < s->p.min_segment)
        return SIM_OK;
    size_t S = s->p.segment, stride = S / 2;
    uint64_t keys[1024];
    for (size_t start = 0; start < m; start += stride) {
        if (start > 0 && m - start <= stride)
            break; /* covered by the previous segment */
        size_t len_seg = m - start < S ? m - start : S;
        sign_segment(s, t->nt + start, len_seg, keys);
        rc = p1_push_segment(t, (uint32_t)d, keys, s->p.bands);
        if (rc != SIM_OK)
            return rc;
        st->segments++;
    }
    return SIM_OK;
}

static void pass1_worker(void *ctx, int tid)
{
    struct run *r = ctx;
    struct p1_thread *t = &r->t1[tid];
    for (;;) {
        if (atomic_load(&r->rc) != SIM_OK)
            return;
        size_t d = atomic_fetch_add(&r->next, 1);
        if (d >= r->n)
            return;
        int rc = pass1_doc(r, t, d);
        if (rc != SIM_OK)
            set_err(&r->rc, rc);
    }
}

/* ---- LSH ---------------------------------------------------------------- */

struct pairmap {
    uint64_t *key; /* a << 32 | b, a < b; 0 empty */
    uint32_t *val; /* hits, | PAIR_EXHAUSTIVE */
    size_t cap, n, max;
};

static int pairmap_add(struct pairmap *m, uint32_t a, uint32_t b, uint32_t add)
{
    if (a > b) {
        uint32_t x = a;
        a = b;
        b = x;
    }
    uint64_t key = (uint64_t)a << 32 | b;
    if ((m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 4096;
        uint64_t *k = calloc(ncap, sizeof *k);
        uint32_t *v = malloc(ncap * sizeof *v);
        if (k == NULL || v == NULL) {
            free(k);
            free(v);
            return SIM_NOMEM;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (m->key[i] == 0)
                continue;
            size_t j = (size_t)sim_mix64(m->key[i]) & (ncap - 1);
            while (k[j] != 0)
                j = (j + 1) & (ncap - 1);
            k[j] = m->key[i];
            v[j] = m->val[i];
        }
        free(m->key);
        free(m->val);
        m->key = k;
        m->val = v;
        m->cap = ncap;
    }
    size_t j = (size_t)sim_mix64(key) & (m->cap - 1);
    while (m->key[j] != 0 && m->key[j] != key)
        j = (j + 1) & (m->cap - 1);
    if (m->key[j] == 0) {
        if (m->n >= m->max)
            return SIM_TOO_MANY_PAIRS;
        m->key[j] = key;
        m->val[j] = 0;
        m->n++;
    }
    if (add == PAIR_EXHAUSTIVE)
        m->val[j] |= PAIR_EXHAUSTIVE;
    else if ((m->val[j] & ~PAIR_EXHAUSTIVE) < 0x7FFFFFFFu)
        m->val[j] += add;
    return SIM_OK;
}

struct ent {
    uint64_t key;
    uint32_t doc;
};

/* Stable LSD radix sort of a[0..n) by key, 8 bits at a time. */
static void radix_sort(struct ent *a, struct ent *tmp, size_t n)
{
    size_t count[256];
    for (unsigned shift = 0; shift < 64; shift += 8) {
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            count[(a[i].key >> shift) & 0xFF]++;
        size_t sum = 0;
        for (int i = 0; i < 256; i++) {
            size_t c = count[i];
            count[i] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[(a[i].key >> shift) & 0xFF]++] = a[i];
        struct ent *x = a;
        a = tmp;
        tmp = x;
    }
    /* Eight passes: the sorted data is back in the caller's array. */
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

struct lotref {
    const char *lot;
    uint32_t doc;
};

static int cmp_lotref(const void *x, const void *y)
{
    const struct lotref *a = x, *b = y;
    int c = strcmp(a->lot, b->lot);
    if (c != 0)
        return c;
    return (a->doc > b->doc) - (a->doc < b->doc);
}

static const char *lot_of(const struct sim_doc *d)
{
    return d->lot != NULL ? d->lot : "";
}

static int lsh(struct run *r, struct pairmap *pm, uint32_t *lotid, struct sim_result *out)
{
    const struct sim *s = r->s;
    unsigned bands = s->p.bands;
    int rc = SIM_OK;
    /* Lots: an id per distinct lot name, and the exhaustive pairs. */
    struct lotref *lr = malloc((r->n ? r->n : 1) * sizeof *lr);
    if (lr == NULL)
        return SIM_NOMEM;
    for (size_t i = 0; i < r->n; i++)
        lr[i] = (struct lotref){lot_of(&r->docs[i]), (uint32_t)i};
    qsort(lr, r->n, sizeof *lr, cmp_lotref);
    uint32_t id = 0;
    for (size_t i = 0; i < r->n;) {
        size_t j = i, live = 0;
        while (j < r->n && strcmp(lr[j].lot, lr[i].lot) == 0) {
            lotid[lr[j].doc] = id;
            live += !r->st[lr[j].doc].failed;
            j++;
        }
        if (s->p.exhaustive_lot > 0 && live >= 2 && live <= s->p.exhaustive_lot) {
            for (size_t x = i; x < j && rc == SIM_OK; x++)
                for (size_t y = x + 1; y < j && rc == SIM_OK; y++)
                    if (!r->st[lr[x].doc].failed && !r->st[lr[y].doc].failed)
                        rc = pairmap_add(pm, lr[x].doc, lr[y].doc, PAIR_EXHAUSTIVE);
        }
        id++;
        i = j;
    }
    free(lr);
    if (rc != SIM_OK)
        return rc;
    out->exhaustive_pairs = pm->n;

    size_t total = 0;
    for (int t = 0; t < r->threads; t++)
        total += r->t1[t].nseg;
    out->segments = total;
    if (total < 2)
        return SIM_OK;
    struct ent *e = malloc(total * sizeof *e), *tmp = malloc(total * sizeof *tmp);
    uint32_t *bucket = NULL;
    size_t bcap = 0;
    if (e == NULL || tmp == NULL) {
        rc = SIM_NOMEM;
        goto out;
    }
    uint64_t lsh_new = 0;
    for (unsigned b = 0; b < bands && rc == SIM_OK; b++) {
        size_t k = 0;
        for (int t = 0; t < r->threads; t++) {
            const struct p1_thread *th = &r->t1[t];
            for (size_t i = 0; i < th->nseg; i++)
                e[k++] = (struct ent){th->keys[i * bands + b], th->segdoc[i]};
        }
        radix_sort(e, tmp, total);
        for (size_t i = 0; i < total && rc == SIM_OK;) {
            size_t j = i + 1;
            while (j < total && e[j].key == e[i].key)
                j++;
            if (j - i >= 2) {
                if (j - i > bcap) {
                    uint32_t *g = realloc(bucket, (j - i) * sizeof *g);
                    if (g == NULL) {
                        rc = SIM_NOMEM;
                        break;
                    }
                    bucket = g;
                    bcap = j - i;
                }
                size_t m = 0;
                for (size_t x = i; x < j; x++)
                    bucket[m++] = e[x].doc;
                qsort(bucket, m, sizeof *bucket, cmp_u32);
                size_t u = 1;
                for (size_t x = 1; x < m; x++)
                    if (bucket[x] != bucket[u - 1])
                        bucket[u++] = bucket[x];
                if (u > s->p.max_bucket) {
                    out->boilerplate++;
                } else {
                    for (size_t x = 0; x < u && rc == SIM_OK; x++) {
                        for (size_t y = x + 1; y < u && rc == SIM_OK; y++) {
                            if (s->p.within_lots && lotid[bucket[x]] != lotid[bucket[y]])
                                continue;
                            size_t before = pm->n;
                            rc = pairmap_add(pm, bucket[x], bucket[y], 1);
                            lsh_new += pm->n > before;
                        }
                    }
                }
            }
            i = j;
        }
    }
    out->lsh_pairs = lsh_new;
out:
    free(e);
    free(tmp);
    free(bucket);
    return rc;
}

/* ---- pass 2: pairs ------------------------------------------------------ */

struct p2_thread {
    struct sim_prep a, b;
    struct sim_found *found;
    size_t nfound, capfound;
};

static size_t char_end(const char *text, size_t len, size_t o)
{
    if (o >= len)
        return len;
    size_t k = utf8_seq((const unsigned char *)text + o, len - o);
    return o + (k ? k : 1);
}

/* Turns the found passages of one pair into sim_passages with their text
 * and evidence. */
static int p2_passages(struct run *r, struct p2_thread *t, size_t pi, const char *ta, size_t la,
                       const char *tb, size_t lb)
{
    const struct sim *s = r->s;
    struct sim_pair *p = &r->pairs[pi];
    size_t k = s->p.shingle, nf = t->nfound;
    if (nf == 0)
        return SIM_OK;
    size_t nh = 0;
    for (size_t i = 0; i < nf; i++)
        nh += t->found[i].chars - k + 1;
    size_t total = atomic_fetch_add(&r->evidence, nh) + nh;
    if (total > SIM_MAX_EVIDENCE)
        return SIM_EVIDENCE_TOO_LARGE;
    p->passages = calloc(nf, sizeof *p->passages);
    r->evid[pi] = malloc(nh * sizeof **r->evid);
    if (p->passages == NULL || r->evid[pi] == NULL)
        return SIM_NOMEM;
    p->passages_found = nf;
    p->nshown = nf; /* trimmed after weighing */
    size_t h = 0;
    for (size_t i = 0; i < nf; i++) {
        const struct sim_found *f = &t->found[i];
        struct sim_passage *q = &p->passages[i];
        size_t ea = f->ai + f->chars - 1, eb = f->bi + f->chars - 1;
        q->a_start = t->a.off[f->ai];
        q->a_end = char_end(ta, la, t->a.off[ea]);
        q->b_start = t->b.off[f->bi];
        q->b_end = char_end(tb, lb, t->b.off[eb]);
        q->chars = f->chars;
        size_t show = q->a_end - q->a_start;
        if (show > s->p.show_bytes) {
            show = s->p.show_bytes;
            while (show > 0 && ((unsigned char)ta[q->a_start + show] & 0xC0) == 0x80)
                show--; /* cut on a character boundary */
            q->truncated = true;
        }
        q->text = malloc(show + 1);
        if (q->text == NULL)
            return SIM_NOMEM;
        memcpy(q->text, ta + q->a_start, show);
        q->text[show] = '\0';
        q->h_off = h;
        q->h_len = f->chars - k + 1;
        memcpy(r->evid[pi] + h, t->a.sh + f->ai, q->h_len * sizeof(uint64_t));
        h += q->h_len;
    }
    return SIM_OK;
}

static int pass2_unit(struct run *r, struct p2_thread *t, size_t u)
{
    const struct sim *s = r->s;
    size_t first = r->units[u], last = r->units[u + 1];
    uint32_t a = r->pairs[first].a;
    const char *ta, *tb;
    size_t la, lb;
    if (r->src->load(r->src->ud, a, &ta, &la) != 0)
        return SIM_OK; /* the pairs stay without passages and are dropped */
    int rc = sim_prep_text(s, &t->a, ta, la, r->docs[a].template_set);
    if (rc == SIM_OK)
        rc = sim_prep_index(&t->a);
    for (size_t pi = first; pi < last && rc == SIM_OK; pi++) {
        if (atomic_load(&r->rc) != SIM_OK)
            break;
        uint32_t b = r->pairs[pi].b;
        if (r->src->load(r->src->ud, b, &tb, &lb) != 0)
            continue;
        rc = sim_prep_text(s, &t->b, tb, lb, r->docs[b].template_set);
        if (rc == SIM_OK)
            rc = sim_prep_index(&t->b);
        if (rc == SIM_OK)
            rc = sim_compare(s, &t->a, &t->b, &r->pairs[pi], &t->found, &t->nfound, &t->capfound);
        if (rc == SIM_OK)
            rc = p2_passages(r, t, pi, ta, la, tb, lb);
        if (r->src->release != NULL)
            r->src->release(r->src->ud, b, tb);
    }
    if (r->src->release != NULL)
        r->src->release(r->src->ud, a, ta);
    return rc;
}

static void pass2_worker(void *ctx, int tid)
{
    struct run *r = ctx;
    struct p2_thread t = {0};
    for (;;) {
        if (atomic_load(&r->rc) != SIM_OK)
            break;
        size_t u = atomic_fetch_add(&r->next, 1);
        if (u >= r->nunits)
            break;
        int rc = pass2_unit(r, &t, u);
        if (rc != SIM_OK)
            set_err(&r->rc, rc);
    }
    sim_prep_release(&t.a);
    sim_prep_release(&t.b);
    free(t.found);
}

/* ---- pass 3: document frequencies -------------------------------------- */

static size_t u_find(const struct run *r, uint64_t h)
{
    uint64_t bit = h >> r->ushift;
    if (!(r->ubits[bit >> 6] >> (bit & 63) & 1))
        return SIZE_MAX;
    uint64_t key = h ? h : 1;
    size_t j = (size_t)sim_mix64(key) & (r->ucap - 1);
    while (r->ukey[j] != 0) {
        if (r->ukey[j] == key)
            return r->uidx[j];
        j = (j + 1) & (r->ucap - 1);
    }
    return SIZE_MAX;
}

static void pass3_worker(void *ctx, int tid)
{
    struct run *r = ctx;
    struct sim_prep p = {0};
    uint32_t *stamp = calloc(r->ndistinct, sizeof *stamp);
    if (stamp == NULL) {
        set_err(&r->rc, SIM_NOMEM);
        return;
    }
    for (;;) {
        if (atomic_load(&r->rc) != SIM_OK)
            break;
        size_t d = atomic_fetch_add(&r->next, 1);
        if (d >= r->n)
            break;
        if (r->st[d].failed)
            continue;
        const char *text;
        size_t len;
        if (r->src->load(r->src->ud, d, &text, &len) != 0)
            continue;
        int rc = sim_prep_hashes(r->s, &p, text, len);
        if (r->src->release != NULL)
            r->src->release(r->src->ud, d, text);
        if (rc != SIM_OK) {
            set_err(&r->rc, rc);
            break;
        }
        for (size_t i = 0; i < p.nsh; i++) {
            size_t x = u_find(r, p.sh[i]);
            if (x == SIZE_MAX || stamp[x] == d + 1)
                continue;
            stamp[x] = (uint32_t)(d + 1);
            __atomic_fetch_add(&r->df[x], 1, __ATOMIC_RELAXED);
        }
    }
    free(stamp);
    sim_prep_release(&p);
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

static int build_u(struct run *r)
{
    size_t total = atomic_load(&r->evidence);
    if (total == 0)
        return SIM_OK;
    uint64_t *all = malloc(total * sizeof *all);
    if (all == NULL)
        return SIM_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < r->npairs; i++) {
        const struct sim_pair *p = &r->pairs[i];
        for (size_t j = 0; j < p->passages_found; j++) {
            memcpy(all + k, r->evid[i] + p->passages[j].h_off, p->passages[j].h_len * sizeof *all);
            k += p->passages[j].h_len;
        }
    }
    qsort(all, k, sizeof *all, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || all[i] != all[u - 1])
            all[u++] = all[i];
    r->ndistinct = u;
    size_t cap = 16;
    while (cap < u * 2)
        cap *= 2;
    r->ukey = calloc(cap, sizeof *r->ukey);
    r->uidx = malloc(cap * sizeof *r->uidx);
    r->df = calloc(u, sizeof *r->df);
    if (r->ukey == NULL || r->uidx == NULL || r->df == NULL) {
        free(all);
        return SIM_NOMEM;
    }
    r->ucap = cap;
    /* The filter: 16 bits per distinct hash (about 6 % false hits), at
     * least 2^16 bits. */
    unsigned lg = 16;
    while (lg < 40 && ((size_t)1 << lg) < u * 16)
        lg++;
    r->ushift = 64 - lg;
    r->ubits = calloc(((size_t)1 << lg) / 64, sizeof *r->ubits);
    if (r->ubits == NULL) {
        free(all);
        return SIM_NOMEM;
    }
    for (size_t i = 0; i < u; i++) {
        uint64_t bit = all[i] >> r->ushift;
        r->ubits[bit >> 6] |= (uint64_t)1 << (bit & 63);
        uint64_t key = all[i] ? all[i] : 1;
        size_t j = (size_t)sim_mix64(key) & (cap - 1);
        while (r->ukey[j] != 0)
            j = (j + 1) & (cap - 1);
        r->ukey[j] = key;
        r->uidx[j] = (uint32_t)i;
    }
    free(all);
    return SIM_OK;
}

/* ---- weighing ----------------------------------------------------------- */

static int cmp_passage(const void *x, const void *y)
{
    const struct sim_passage *a = x, *b = y;
    if (a->weight != b->weight)
        return a->weight > b->weight ? -1 : 1;
    if (a->a_start != b->a_start)
        return a->a_start < b->a_start ? -1 : 1;
    return (a->b_start > b->b_start) - (a->b_start < b->b_start);
}

static int cmp_pair(const void *x, const void *y)
{
    const struct sim_pair *a = x, *b = y;
    if (a->weight != b->weight)
        return a->weight > b->weight ? -1 : 1;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return (a->b > b->b) - (a->b < b->b);
}

static void weigh(struct run *r, size_t analysed)
{
    double n1 = (double)analysed + 1.0;
    double top = log(n1 / 2.0);
    for (size_t i = 0; i < r->npairs; i++) {
        struct sim_pair *p = &r->pairs[i];
        double pw = 0;
        for (size_t j = 0; j < p->passages_found; j++) {
            struct sim_passage *q = &p->passages[j];
            const uint64_t *h = r->evid[i] + q->h_off;
            double w = 0;
            uint32_t mindf = UINT32_MAX;
            for (size_t x = 0; x < q->h_len; x++) {
                size_t ux = u_find(r, h[x]);
                uint32_t df = ux == SIZE_MAX ? 2 : r->df[ux];
                if (df < 1)
                    df = 1;
                w += log(n1 / (double)df);
                if (df < mindf)
                    mindf = df;
            }
            q->weight = w;
            q->min_df = mindf;
            q->rarity = top > 0 && q->h_len > 0 ? w / ((double)q->h_len * top) : 1.0;
            if (q->rarity > 1.0)
                q->rarity = 1.0;
            pw += w;
        }
        p->weight = pw;
        if (p->passages_found > 1)
            qsort(p->passages, p->passages_found, sizeof *p->passages, cmp_passage);
        size_t keep = p->passages_found < r->s->p.max_shown ? p->passages_found : r->s->p.max_shown;
        for (size_t j = keep; j < p->passages_found; j++)
            free(p->passages[j].text);
        p->nshown = keep;
        free(r->evid[i]);
        r->evid[i] = NULL;
    }
}

/* ---- the run ------------------------------------------------------------ */

static int cmp_pairkey(const void *x, const void *y)
{
    const struct sim_pair *a = x, *b = y;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return (a->b > b->b) - (a->b < b->b);
}

void sim_result_release(struct sim_result *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->npairs; i++) {
        for (size_t j = 0; j < r->pairs[i].nshown; j++)
            free(r->pairs[i].passages[j].text);
        free(r->pairs[i].passages);
    }
    free(r->pairs);
    free(r->docs);
    memset(r, 0, sizeof *r);
}

int sim_run(struct sim *s, const struct sim_doc *docs, size_t n, const struct sim_source *src,
            struct sim_result *out)
{
    memset(out, 0, sizeof *out);
    if (n > SIM_MAX_DOCS)
        return SIM_TOO_MANY_DOCS;
    struct run r = {.s = s, .docs = docs, .n = n, .src = src};
    atomic_init(&r.next, 0);
    atomic_init(&r.rc, SIM_OK);
    atomic_init(&r.evidence, 0);
    int threads = s->p.threads;
    if (threads == 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        threads = c < 1 ? 1 : c > SIM_MAX_THREADS ? SIM_MAX_THREADS : (int)c;
    }
    r.threads = threads;
    struct pairmap pm = {.max = s->p.max_pairs};
    uint32_t *lotid = NULL;
    int rc = SIM_OK;
    r.st = calloc(n ? n : 1, sizeof *r.st);
    r.t1 = calloc((size_t)threads, sizeof *r.t1);
    lotid = calloc(n ? n : 1, sizeof *lotid);
    if (r.st == NULL || r.t1 == NULL || lotid == NULL) {
        rc = SIM_NOMEM;
        goto out;
    }

    int64_t t0 = clock_mono_ns();
    run_threads(threads, pass1_worker, &r);
    rc = atomic_load(&r.rc);
    for (int t = 0; t < threads; t++) {
        sim_prep_release(&r.t1[t].prep);
        free(r.t1[t].nt);
        r.t1[t].nt = NULL;
    }
    if (rc != SIM_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        out->text_bytes += r.st[i].text_bytes;
        out->analysed += !r.st[i].failed;
    }
    out->pass_s[0] = secs_since(t0);

    t0 = clock_mono_ns();
    rc = lsh(&r, &pm, lotid, out);
    for (int t = 0; t < threads; t++) {
        free(r.t1[t].segdoc);
        free(r.t1[t].keys);
    }
    free(r.t1);
    r.t1 = NULL;
    if (rc != SIM_OK)
        goto out;
    r.npairs = pm.n;
    r.pairs = calloc(pm.n ? pm.n : 1, sizeof *r.pairs);
    r.evid = calloc(pm.n ? pm.n : 1, sizeof *r.evid);
    r.units = malloc((pm.n + 1) * sizeof *r.units);
    if (r.pairs == NULL || r.evid == NULL || r.units == NULL) {
        rc = SIM_NOMEM;
        goto out;
    }
    size_t k = 0;
    for (size_t i = 0; i < pm.cap; i++) {
        if (pm.key[i] == 0)
            continue;
        r.pairs[k].a = (uint32_t)(pm.key[i] >> 32);
        r.pairs[k].b = (uint32_t)pm.key[i];
        r.pairs[k].lsh_hits = pm.val[i] & ~PAIR_EXHAUSTIVE;
        r.pairs[k].exhaustive = (pm.val[i] & PAIR_EXHAUSTIVE) != 0;
        k++;
    }
    free(pm.key);
    free(pm.val);
    memset(&pm, 0, sizeof pm);
    qsort(r.pairs, r.npairs, sizeof *r.pairs, cmp_pairkey);
    for (size_t i = 0; i < r.npairs; i++)
        if (i == 0 || r.pairs[i].a != r.pairs[i - 1].a)
            r.units[r.nunits++] = i;
    r.units[r.nunits] = r.npairs;
    out->pass_s[1] = secs_since(t0);

    t0 = clock_mono_ns();
    atomic_store(&r.next, 0);
    run_threads(threads < (int)r.nunits ? threads : (r.nunits ? (int)r.nunits : 1), pass2_worker,
                &r);
    rc = atomic_load(&r.rc);
    if (rc != SIM_OK)
        goto out;
    out->verified = r.npairs;
    out->pass_s[2] = secs_since(t0);

    t0 = clock_mono_ns();
    rc = build_u(&r);
    if (rc != SIM_OK)
        goto out;
    out->evidence_shingles = atomic_load(&r.evidence);
    out->distinct_evidence = r.ndistinct;
    if (r.ndistinct > 0) {
        atomic_store(&r.next, 0);
        run_threads(threads, pass3_worker, &r);
        rc = atomic_load(&r.rc);
        if (rc != SIM_OK)
            goto out;
    }
    weigh(&r, out->analysed);
    out->pass_s[3] = secs_since(t0);

    /* Keep the pairs that share at least one passage, heaviest first. */
    size_t kept = 0;
    for (size_t i = 0; i < r.npairs; i++) {
        if (r.pairs[i].passages_found > 0)
            r.pairs[kept++] = r.pairs[i];
        else
            free(r.pairs[i].passages);
    }
    qsort(r.pairs, kept, sizeof *r.pairs, cmp_pair);
    out->pairs = r.pairs;
    out->npairs = kept;
    r.pairs = NULL;
    r.npairs = 0;
    out->docs = r.st;
    out->ndocs = n;
    r.st = NULL;
out:
    if (r.t1 != NULL) {
        for (int t = 0; t < threads; t++) {
            free(r.t1[t].segdoc);
            free(r.t1[t].keys);
        }
        free(r.t1);
    }
    free(pm.key);
    free(pm.val);
    if (r.pairs != NULL) {
        for (size_t i = 0; i < r.npairs; i++) {
            for (size_t j = 0; j < r.pairs[i].nshown; j++)
                free(r.pairs[i].passages[j].text);
            free(r.pairs[i].passages);
            if (r.evid != NULL)
                free(r.evid[i]);
        }
        free(r.pairs);
    }
    free(r.evid);
    free(r.units);
    free(r.ukey);
    free(r.uidx);
    free(r.ubits);
    free(r.df);
    free(r.st);
    free(lotid);
    if (rc != SIM_OK)
        sim_result_release(out);
    return rc;
}
