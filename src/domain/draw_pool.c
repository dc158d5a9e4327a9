/*
 * domain/draw_pool.c — the pool of an expert draw (draw_internal.h;
 * docs/draw.md "Storage"): the cached base of what each expert is, what a
 * draw decides about each, the recusal rules, the snapshot hashed from the
 * base's lines, the pool blob, and the per-node warmer. Split from draw.c,
 * which runs the draw, answers and replacements, and the record.
 *
 * Threads: any. The one shared state is the pool cache (cache_mu): a base
 * is immutable once cached, held by reference counts; builds and pool blob
 * writes are one at a time (build_mu, durable_mu), so the warmer and a
 * draw never both do them.
 */
#include "domain/draw_internal.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "crypto/random.h"
#include "store/lease_worker.h"

/* ---- the pool and the recusal rules ----
 *
 * The pool has two halves. What an expert is (region, status, employer,
 * specialties with their ancestors, and its line of the snapshot text) is
 * a pool_base: read in two ordered scans and kept in memory for the next
 * draw, keyed by the store and the pool's version (store_pool_version:
 * the database's triggers bump it with every write of an expert, its
 * specialties or the specialty tree, whoever writes, in the writing
 * transaction, so a draw on any node that reads the version
 * in its snapshot knows whether the base it holds is that snapshot's).
 * What a draw decides about an expert (the tender's parties, relations,
 * leave, the 30-day count, other draws of the tender) is read afresh at
 * every draw, into per-draw arrays beside the base (struct pool).
 *
 * The base's text, "sunbid-draw-pool/1" then the snapshot line of every
 * expert with a specialty whatever its status, is also a blob (written
 * once per version, fsync'd, before a draw that names it commits): a
 * draw stores that blob's name and its excluded list, and its snapshot is
 * the pool's lines less the excluded ids (docs/draw.md, "Storage").
 */

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pool_base *cache;      /* the newest base read, one reference */
static struct draw_pool_stats stats; /* under cache_mu */
/* one base built at a time; taken before cache_mu */
static pthread_mutex_t build_mu = PTHREAD_MUTEX_INITIALIZER;
/* one pool blob written at a time; taken before cache_mu */
static pthread_mutex_t durable_mu = PTHREAD_MUTEX_INITIALIZER;

void draw_base_unref(struct pool_base *b)
{
    if (b == NULL)
        return;
    pthread_mutex_lock(&cache_mu);
    bool last = --b->refs == 0;
    pthread_mutex_unlock(&cache_mu);
    if (last) {
        free(b->v);
        buf_release(&b->text);
        arena_release(&b->a);
        free(b);
    }
}

static size_t base_find(const struct pool_base *b, int64_t id)
{
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (b->v[mid].id == id)
            return mid;
        if (b->v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

static int on_row(void *ctx, const struct pool_row *r)
{
    struct pool_base *b = ctx;
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 1024;
        struct base_expert *v = realloc(b->v, cap * sizeof(*v));
        if (v == NULL)
            return (b->oom = true);
        b->v = v;
        b->cap = cap;
    }
    struct base_expert *e = &b->v[b->n++];
    memset(e, 0, sizeof(*e));
    e->id = r->id;
    size_t rl = strlen(r->region);
    e->bad = rl != DRAW_REGION_LEN; /* the snapshot text refuses it */
    memcpy(e->region, r->region, rl < DRAW_REGION_LEN ? rl : DRAW_REGION_LEN);
    e->status = strcmp(r->status, "active") == 0      ? "active"
                : strcmp(r->status, "suspended") == 0 ? "suspended"
                                                      : "retired";
    e->employer = arena_strdup(&b->a, r->employer);
    e->employer_uscc = r->employer_uscc ? arena_strdup(&b->a, r->employer_uscc) : NULL;
    if (e->employer == NULL || (r->employer_uscc != NULL && e->employer_uscc == NULL))
        return (b->oom = true);
    return 0;
}

/* The codes gathered for expert b->v[b->cur]: its ancestors and its line. */
static int base_flush(struct pool_base *b)
{
    struct base_expert *e = &b->v[b->cur];
    const char *all[DRAW_SPECS_MAX];
    e->ncodes = b->ncur;
    b->ncur = 0;
    if (b->tree == NULL || e->ncodes == 0)
        return 0;
    /* 16 codes, each with at most 8 ancestors, fit in DRAW_SPECS_MAX */
    int m = specialty_expand(b->tree, b->codes, e->ncodes, all, DRAW_SPECS_MAX);
    e->specs = m > 0 ? arena_alloc(&b->a, (size_t)m * sizeof(char *)) : NULL;
    if (m <= 0 || e->specs == NULL)
        return (b->oom = true);
    memcpy(e->specs, all, (size_t)m * sizeof(char *));
    e->nspecs = m;
    if (e->bad)
        return 0;
    struct draw_expert x = {e->id, e->region, e->specs, e->nspecs};
    size_t off = b->text.len;
    int rc = drawalg_snapshot_line(&x, &b->text);
    if (rc == DRAWALG_EINVAL) {
        e->bad = true;
        b->text.len = off;
        return 0;
    }
    if (rc != DRAWALG_OK)
        return (b->oom = true);
    e->off = off;
    e->len = b->text.len - off;
    return 0;
}

static int on_spec(void *ctx, int64_t id, const char *code, const char *unused)
{
    struct pool_base *b = ctx;
    (void)unused;
    /* both scans go by expert id: move to this one, finishing those before */
    while (b->cur < b->n && b->v[b->cur].id < id) {
        if (base_flush(b) != 0)
            return 1;
        b->cur++;
    }
    if (b->cur < b->n && b->v[b->cur].id == id && b->ncur < EXPERT_SPECS_MAX) {
        b->codes[b->ncur] = arena_strdup(&b->a, code);
        if (b->codes[b->ncur] == NULL)
            return (b->oom = true);
        b->ncur++;
    }
    return 0;
}

/* Reads the base (only_id != 0: that expert alone; tree NULL: no lines). */
int draw_base_read(struct store_tx *tx, int64_t only_id, bool lines, struct pool_base *b)
{
    struct specialty_tree tree;
    arena_init(&b->a, (size_t)1 << 30);
    buf_init(&b->text, SNAPSHOT_MAX);
    int rc = lines ? specialty_tree_load(tx, &b->a, &tree) : STORE_OK;
    b->tree = lines ? &tree : NULL;
    if (rc == STORE_OK && lines && buf_puts(&b->text, POOL_HEAD) != BUF_OK)
        rc = STORE_TOOBIG;
    if (rc == STORE_OK)
        rc = store_pool_scan(tx, only_id, on_row, b);
    if (rc == STORE_OK)
        rc = store_pool_specs(tx, only_id, on_spec, b);
    for (; rc == STORE_OK && b->cur < b->n; b->cur++)
        if (base_flush(b) != 0)
            rc = STORE_TOOBIG;
    if (b->oom)
        rc = STORE_TOOBIG;
    b->tree = NULL;
    if (rc == STORE_OK && lines)
        crypto_sha256_hex(b->text.data, b->text.len, b->sha);
    return rc;
}

/* The cached base of store s at version, one reference more; NULL: none. */
static struct pool_base *cache_lookup(struct store *s, int64_t version)
{
    struct pool_base *b = NULL;
    pthread_mutex_lock(&cache_mu);
    if (cache != NULL && cache->s == s && cache->version == version) {
        cache->refs++;
        b = cache;
    }
    pthread_mutex_unlock(&cache_mu);
    return b;
}

/* The base of the pool as tx sees it: the cached one when its version is
 * tx's, else read now (and cached). One reference for the caller.
 *
 * Builds are one at a time (build_mu, taken before cache_mu): a draw and
 * the warmer that both miss do not both read the pool; the second waits
 * and finds the first's base when it is of its own version (else, its
 * snapshot being older or newer, it builds its own, as it must). A
 * draw's base replaces the cached one only when newer (versions only
 * grow), so a draw on an older snapshot does not push out the warmer's
 * newer base. The warmer passes since, the build count taken before its
 * transaction began: when any base was built meanwhile (a draw's, perhaps
 * of a newer version) it builds nothing (*out NULL; the next round looks
 * again); else its base, read just now, replaces the cached one whatever
 * the versions, so a database restored to a lower version is cached again
 * at its next round. Draws pass NULL. */
int draw_base_get(struct store *s, struct store_tx *tx, const uint64_t *since,
                  struct pool_base **out)
{
    int64_t version = 0;
    *out = NULL;
    int rc = store_pool_version(tx, &version);
    if (rc != STORE_OK)
        return rc;
    if ((*out = cache_lookup(s, version)) != NULL)
        return STORE_OK;
    pthread_mutex_lock(&build_mu);
    if ((*out = cache_lookup(s, version)) != NULL) { /* built while we waited */
        pthread_mutex_unlock(&build_mu);
        return STORE_OK;
    }
    if (since != NULL) {
        pthread_mutex_lock(&cache_mu);
        bool built = stats.builds != *since;
        pthread_mutex_unlock(&cache_mu);
        if (built) { /* the warmer's read may be older than that base */
            pthread_mutex_unlock(&build_mu);
            return STORE_OK;
        }
    }
    struct pool_base *b = calloc(1, sizeof(*b));
    if (b == NULL) {
        pthread_mutex_unlock(&build_mu);
        return STORE_TOOBIG;
    }
    b->s = s;
    b->version = version;
    b->refs = 1;
    rc = draw_base_read(tx, 0, true, b);
    if (rc != STORE_OK) {
        pthread_mutex_unlock(&build_mu);
        draw_base_unref(b);
        return rc;
    }
    pthread_mutex_lock(&cache_mu);
    struct pool_base *old = NULL;
    stats.builds++;
    if (since != NULL || cache == NULL || cache->s != s || cache->version < version) {
        old = cache;
        b->refs++;
        cache = b;
    }
    pthread_mutex_unlock(&cache_mu);
    pthread_mutex_unlock(&build_mu);
    draw_base_unref(old);
    *out = b;
    return STORE_OK;
}

static int on_party(void *ctx, int64_t id, const char *uscc, const char *name)
{
    struct pool *p = ctx;
    if (p->nparties == p->cparties) {
        int cap = p->cparties ? 2 * p->cparties : 32;
        struct party *v = realloc(p->parties, (size_t)cap * sizeof(*v));
        if (v == NULL)
            return (p->oom = true);
        p->parties = v;
        p->cparties = cap;
    }
    struct party *x = &p->parties[p->nparties++];
    x->id = id;
    x->uscc = uscc ? arena_strdup(p->a, uscc) : NULL;
    x->name = name ? arena_strdup(p->a, name) : NULL;
    return 0;
}

static bool party_match(const struct pool *p, const char *uscc, const char *name)
{
    for (int i = 0; i < p->nparties; i++) {
        const struct party *x = &p->parties[i];
        if ((uscc != NULL && x->uscc != NULL && strcmp(uscc, x->uscc) == 0) ||
            (name != NULL && x->name != NULL && strcmp(name, x->name) == 0))
            return true;
    }
    return false;
}

static int on_relation(void *ctx, int64_t id, const char *uscc, const char *name)
{
    struct pool *p = ctx;
    size_t i = base_find(p->b, id);
    if (i != SIZE_MAX && party_match(p, uscc, name))
        p->flags[i] |= F_RELATED;
    return 0;
}

static int set_flag(struct pool *p, int64_t id, uint8_t f)
{
    size_t i = base_find(p->b, id);
    if (i != SIZE_MAX)
        p->flags[i] |= f;
    return 0;
}

static int on_unavailable(void *ctx, int64_t id, int64_t n)
{
    (void)n;
    return set_flag(ctx, id, F_UNAVAILABLE);
}

static int on_in_tender(void *ctx, int64_t id, int64_t n)
{
    (void)n;
    return set_flag(ctx, id, F_IN_TENDER);
}

static int on_account(void *ctx, int64_t id, int64_t n)
{
    (void)n;
    return set_flag(ctx, id, F_ACCOUNT);
}

static int on_recent(void *ctx, int64_t id, int64_t n)
{
    struct pool *p = ctx;
    size_t i = base_find(p->b, id);
    if (i != SIZE_MAX)
        p->recent[i] = n;
    return 0;
}

/* The recusal rules, in the order docs/draw.md lists them. */
const char *draw_recusal(const struct pool *p, size_t i, int64_t max30)
{
    const struct base_expert *e = &p->b->v[i];
    if (strcmp(e->status, "active") != 0)
        return e->status; /* suspended, retired */
    if ((p->flags[i] & F_ACCOUNT) || party_match(p, e->employer_uscc, e->employer))
        return "employee";
    if (p->flags[i] & F_RELATED)
        return "relation";
    if (p->flags[i] & F_UNAVAILABLE)
        return "unavailable";
    if (p->recent[i] >= max30)
        return "limit_30d";
    if (p->flags[i] & F_IN_TENDER)
        return "already_drawn";
    return NULL;
}

void draw_pool_release(struct pool *p)
{
    free(p->flags);
    free(p->recent);
    free(p->reason);
    free(p->parties);
    memset(p, 0, sizeof(*p));
}

/* Decides base b's experts (only_id != 0: b holds that expert alone) as
 * draw d of its tender sees them at now: every expert's reason. */
int draw_pool_load(struct store_tx *tx, struct arena *a, const struct pool_base *b,
                   const struct draw_row *d, int64_t now, int64_t only_id, struct pool *p)
{
    memset(p, 0, sizeof(*p));
    p->a = a;
    p->b = b;
    size_t n = b->n ? b->n : 1;
    p->flags = calloc(n, sizeof(*p->flags));
    p->recent = calloc(n, sizeof(*p->recent));
    p->reason = calloc(n, sizeof(*p->reason));
    if (p->flags == NULL || p->recent == NULL || p->reason == NULL)
        return STORE_TOOBIG;
    int rc = store_tender_parties(tx, d->tender_id, on_party, p);
    if (rc == STORE_OK)
        rc = store_pool_account_employees(tx, only_id, d->tender_id, on_account, p);
    if (rc == STORE_OK)
        rc = store_pool_relations(tx, only_id, now, on_relation, p);
    if (rc == STORE_OK)
        rc = store_pool_unavailable(tx, only_id, d->eval_start_ms, d->eval_end_ms, on_unavailable,
                                    p);
    if (rc == STORE_OK)
        rc = store_pool_recent_draws(tx, only_id, now - DRAW_30D_MS, on_recent, p);
    if (rc == STORE_OK)
        rc = store_pool_in_tender(tx, only_id, d->tender_id, d->id, on_in_tender, p);
    if (rc == STORE_OK && p->oom)
        rc = STORE_TOOBIG;
    for (size_t i = 0; rc == STORE_OK && i < b->n; i++)
        p->reason[i] = draw_recusal(p, i, d->max_draws_30d);
    return rc;
}

/* The eligible experts as the algorithm sees them (codes with their
 * ancestors), ascending by id, and the SHA-256 of their canonical text,
 * hashed from the base's lines without writing the text out. */
int draw_pool_snapshot(const struct pool *p, struct arena *a, struct draw_expert **out, size_t *n,
                       uint8_t sha[DRAW_HASH_LEN])
{
    const struct pool_base *b = p->b;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int mdlen = 0;
    int rc = STORE_OK;
    *n = 0;
    *out = arena_calloc(a, (b->n ? b->n : 1) * sizeof(**out));
    if (*out == NULL || md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(md, SNAP_HEAD, sizeof SNAP_HEAD - 1) != 1)
        rc = STORE_TOOBIG;
    size_t run_off = 0, run_len = 0; /* consecutive lines, one update */
    for (size_t i = 0; rc == STORE_OK && i < b->n; i++) {
        const struct base_expert *e = &b->v[i];
        if (p->reason[i] != NULL || e->ncodes == 0)
            continue;
        if (e->bad) {
            log_error("draw: expert %lld has a region or code the snapshot refuses",
                      (long long)e->id);
            rc = STORE_ERROR;
            break;
        }
        struct draw_expert *x = &(*out)[(*n)++];
        x->id = e->id;
        x->region = e->region;
        x->specs = e->specs;
        x->nspecs = e->nspecs;
        if (run_len > 0 && run_off + run_len == e->off) {
            run_len += e->len;
            continue;
        }
        if (run_len > 0 && EVP_DigestUpdate(md, b->text.data + run_off, run_len) != 1)
            rc = STORE_ERROR;
        run_off = e->off;
        run_len = e->len;
    }
    if (rc == STORE_OK && run_len > 0 && EVP_DigestUpdate(md, b->text.data + run_off, run_len) != 1)
        rc = STORE_ERROR;
    if (rc == STORE_OK && (EVP_DigestFinal_ex(md, sha, &mdlen) != 1 || mdlen != DRAW_HASH_LEN))
        rc = STORE_ERROR;
    EVP_MD_CTX_free(md);
    return rc;
}

/* The pool's text is a blob on disk (fsync'd) before a draw names it:
 * once per base (durable_mu: a draw and the warmer do not both write it;
 * the second finds it done). */
int draw_pool_durable(struct store *s, struct pool_base *b)
{
    char hex[BLOB_HASH_HEX + 1];
    int rc = STORE_OK;
    pthread_mutex_lock(&cache_mu);
    bool done = b->durable; /* the usual case: no wait behind another version's write */
    pthread_mutex_unlock(&cache_mu);
    if (done)
        return STORE_OK;
    pthread_mutex_lock(&durable_mu);
    pthread_mutex_lock(&cache_mu);
    done = b->durable;
    pthread_mutex_unlock(&cache_mu);
    if (!done) {
        rc = blob_put(s, b->text.data, b->text.len, hex);
        if (rc == STORE_OK && strcmp(hex, b->sha) != 0)
            rc = STORE_ERROR;
    }
    if (!done && rc == STORE_OK) {
        pthread_mutex_lock(&cache_mu);
        b->durable = true;
        stats.blob_writes++;
        pthread_mutex_unlock(&cache_mu);
    }
    pthread_mutex_unlock(&durable_mu);
    return rc;
}

/* ---- the pool warmer ----
 *
 * A draw on a cached base whose blob is written costs its own reads and
 * one commit; one that finds the base stale reads the whole pool and
 * writes a new pool blob with fsync, several times longer (docs/draw.md).
 * The warmer takes that off the request path: every few seconds, and at
 * start, each node reads the pool's version and, when the base it holds
 * is another version's, builds the base (base_get, exactly as a draw
 * would) and writes its blob (pool_durable, content-addressed: writing it
 * twice is harmless), so the next draw finds both ready. It is per-node
 * work (each node keeps its own cache), so it runs on every node, without
 * a lease (lease_worker's lease-free mode). A draw that comes before the
 * warmer has caught up builds the base itself, as without the warmer; the
 * build and blob locks make the two share one build, never corrupt it. */

void draw_pool_stats(struct draw_pool_stats *out)
{
    pthread_mutex_lock(&cache_mu);
    *out = stats;
    pthread_mutex_unlock(&cache_mu);
}

int draw_pool_warm(struct store *s, bool *built)
{
    struct store_tx *tx = NULL;
    struct pool_base *b = NULL;
    struct draw_pool_stats before, after;
    draw_pool_stats(&before);
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = draw_base_get(s, tx, &before.builds, &b);
    store_rollback(tx);
    if (rc == STORE_OK && b != NULL)
        rc = draw_pool_durable(s, b);
    draw_base_unref(b);
    draw_pool_stats(&after);
    if (built != NULL)
        *built = after.builds != before.builds; /* by this round or a draw meanwhile */
    return rc;
}

struct draw_warmer {
    struct store *store; /* borrowed */
    struct lease_worker *worker;
};

static int warm_round(void *arg, bool *more)
{
    struct draw_warmer *w = arg;
    *more = false;
    return draw_pool_warm(w->store, NULL);
}

struct draw_warmer *draw_warmer_start(struct store *s, int64_t tick_ms)
{
    struct draw_warmer *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->store = s;
    struct lease_worker_config cfg = {.name = "draw-pool",
                                      .lease = NULL, /* per node */
                                      .tick_ms = tick_ms > 0 ? tick_ms : DRAW_WARM_TICK_MS,
                                      .max_rounds = 1,
                                      .round = warm_round,
                                      .arg = w};
    w->worker = lease_worker_start(s, NULL, &cfg);
    if (w->worker == NULL) {
        free(w);
        return NULL;
    }
    return w;
}

void draw_warmer_stop(struct draw_warmer *w)
{
    if (w == NULL)
        return;
    lease_worker_stop(w->worker);
    free(w);
}
