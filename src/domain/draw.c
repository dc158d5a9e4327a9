/*
 * domain/draw.c — the expert draw (draw.h; docs/draw.md).
 *
 * The pool is two halves (below, "the pool and the recusal rules"): what
 * each expert is, a pool_base cached in memory by the pool's version (in
 * the store, bumped by every expert write), and what this draw decides
 * about each, read afresh; draw_recusal() then gives each a reason or none.
 * The same code checks one expert again when a replacement is called, so
 * the rules at the draw and at a re-draw are the same rules.
 *
 * draw_run works in three steps so that no write lock is held while the
 * pool is read: a read transaction decides the pool, hashes the snapshot
 * from the base's lines and runs drawalg; the pool's blob is made durable
 * (once per version: blob_put, fsync); a write transaction checks the draw
 * is still committed at the version read, writes the excluded list
 * (blob_put_tx, durable by this commit), the members and the log event.
 * The draw row names the pool blob and the excluded list; the snapshot is
 * the pool's lines less the excluded (docs/draw.md, "Storage"). Draws
 * stored before migration 25 name a blob of the snapshot itself, and
 * snapshot_load reads both.
 *
 * A replacement (after a decline or a release) takes, in its group, the
 * next row held as a reserve, then extends the order (drawalg_extend over
 * the stored snapshot, seed and checkpoint) one position at a time; a
 * candidate no longer eligible gets a "skipped" row with its reason, so
 * the record accounts for every position used.
 *
 * The pool, its cache, the recusal rules and the warmer are in
 * draw_pool.c (draw_internal.h).
 *
 * Threads: any. The one shared state is the pool cache (cache_mu): a
 * base is immutable once cached, held by reference counts; builds and
 * pool blob writes are one at a time (build_mu, durable_mu), so the
 * warmer (draw_warmer_start: a per-node thread that rebuilds the base and
 * writes its blob ahead of the draws) and a draw never both do them.
 */
#include "domain/draw.h"
#include "domain/draw_internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "base/roles.h"
#include "crypto/random.h"
#include "domain/committee.h"
#include "ledger/ledger.h"
#include "store/lease_worker.h"
#include "store/ledger.h"

#define REASON_MAX 400

/* ---- the log ---- */

static int record(struct store_tx *tx, const struct tender_caller *c, const char *type,
                  int64_t draw_id, int64_t tender_id, const char *doc_hash, const char *detail)
{
    int rc = audit_record(tx, &c->who, type, "draw", draw_id, detail);
    if (rc != STORE_OK)
        return rc;
    struct ledger_event ev = {.type = type,
                              .subject_type = "draw",
                              .subject_id = draw_id,
                              .actor_id = c->who.user_id,
                              .actor_name = c->who.name ? c->who.name : "system",
                              .doc_hash = doc_hash,
                              .tender_id = tender_id};
    return ledger_append(tx, &ev);
}

static enum err say(struct expert_refusal *why, enum err e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static enum err say(struct expert_refusal *why, enum err e, const char *field, const char *fmt, ...)
{
    why->field = field;
    why->detail[0] = '\0';
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why->detail, sizeof why->detail, fmt, ap);
        va_end(ap);
    }
    return e;
}

/* ---- who sees what ---- */

static bool revealed(const struct draw_row *d)
{
    return strcmp(d->state, "revealed") == 0;
}

struct draw_view draw_view(const struct tender_caller *c, const struct tender_access *acc,
                           const struct draw_row *d)
{
    struct draw_view v = {false, false, false};
    if (c->system || acc->supervisor) {
        v.see = v.list = v.seed = true;
    } else if (revealed(d)) {
        v.see = v.list = v.seed = true; /* public after the evaluation */
    } else if (acc->owner) {
        v.see = true;
    }
    return v;
}

enum err draw_load(struct store_tx *tx, struct arena *a, const struct tender_caller *c,
                   int64_t draw_id, struct draw_row *d, struct tender *t, struct draw_view *v)
{
    struct tender_access acc;
    int rc = store_draw_get(tx, a, draw_id, d);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    rc = store_tender_get(tx, a, d->tender_id, t);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e = tender_access_check(tx, c, t, &acc);
    if (e != ERR_OK)
        return e;
    *v = draw_view(c, &acc, d);
    return v->see ? ERR_OK : ERR_NOT_FOUND;
}

/* ---- create ---- */

static bool tender_drawable(const char *state)
{
    return strcmp(state, "published") == 0 || strcmp(state, "bidding") == 0 ||
           strcmp(state, "opening") == 0 || strcmp(state, "evaluation") == 0;
}

static bool tender_after_evaluation(const char *state)
{
    static const char *const after[] = {"publicity", "awarded", "contracted",
                                        "archived",  "failed",  "cancelled"};
    for (size_t i = 0; i < sizeof after / sizeof after[0]; i++)
        if (strcmp(state, after[i]) == 0)
            return true;
    return false;
}

struct create_job {
    const struct tender_caller *c;
    int64_t tender_id;
    const struct draw_input *in;
    int64_t id;
    struct expert_refusal *why;
    struct arena a;
};

static enum err create_tx(struct store_tx *tx, void *arg)
{
    struct create_job *j = arg;
    struct tender t;
    struct tender_access acc;
    struct draw_row d = {0};
    struct page pg;
    int64_t max30 = 0, min_size = 0;
    char detail[256];
    arena_release(&j->a);
    int rc = store_tender_get(tx, &j->a, j->tender_id, &t);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e = tender_access_check(tx, j->c, &t, &acc);
    if (e != ERR_OK)
        return e;
    if (!acc.owner)
        return ERR_NOT_OWNER;
    if (!tender_drawable(t.state))
        return ERR_WRONG_STATE;
    rc = store_draw_list(tx, &j->a, t.id, DRAW_PER_TENDER_MAX, &pg);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (pg.more || pg.n >= DRAW_PER_TENDER_MAX)
        return say(j->why, ERR_CONFLICT, NULL, "at most %d draws per tender", DRAW_PER_TENDER_MAX);
    for (int i = 0; i < j->in->nreq; i++) {
        struct specialty sp;
        rc = store_specialty_get(tx, &j->a, j->in->req[i].specialty, &sp);
        if (rc == STORE_NOTFOUND)
            return say(j->why, ERR_UNKNOWN_SPECIALTY, "requests", "'%s' (group %d)",
                       j->in->req[i].specialty, i + 1);
        if (rc != STORE_OK)
            return domain_store_err(rc);
    }
    rc = expert_setting(tx, EXPERT_SET_MAX_DRAWS, &max30);
    if (rc == STORE_OK)
        rc = expert_setting(tx, EXPERT_SET_COMMITTEE, &min_size);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    /* the committee this draw is for must be able to meet the rules; an
     * earlier live draw of the tender (this one supplements it, 補抽) adds
     * the experts it asked for and still has; one draw commits at a time */
    int experts = 0;
    for (int i = 0; i < j->in->nreq; i++)
        experts += j->in->req[i].count;
    for (int i = 0; i < pg.n; i++) {
        const struct draw_row *o = (const struct draw_row *)pg.items + i;
        struct page oq;
        if (strcmp(o->state, "committed") == 0)
            return say(j->why, ERR_CONFLICT, NULL, "draw %lld of this tender is not run yet",
                       (long long)o->id);
        if (strcmp(o->state, "drawn") != 0)
            continue;
        rc = store_draw_requests(tx, &j->a, o->id, DRAW_GROUPS_MAX, &oq);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        for (int k = 0; k < oq.n; k++)
            experts += (int)((const struct draw_request_row *)oq.items)[k].count;
        experts -= (int)o->short_n;
    }
    e = committee_rules_check(experts, j->in->reps, min_size);
    if (e != ERR_OK)
        return say(j->why, e, "requests", "%d experts and %d representatives", experts,
                   j->in->reps);
    d.tender_id = t.id;
    d.state = "committed";
    crypto_random(d.seed, sizeof d.seed);
    char commitment[2 * DRAW_HASH_LEN + 1];
    drawalg_commitment(d.seed, commitment);
    d.commitment = commitment;
    d.eval_start_ms = j->in->eval_start_ms;
    d.eval_end_ms = j->in->eval_end_ms;
    d.reps = j->in->reps;
    d.max_draws_30d = max30;
    d.requested_by = j->c->who.user_id;
    d.requested_ms = clock_now_ms();
    d.version = 1;
    rc = store_draw_insert(tx, &d, &j->id);
    for (int i = 0; rc == STORE_OK && i < j->in->nreq; i++) {
        struct draw_request_row q = {j->id,
                                     i + 1,
                                     j->in->req[i].specialty,
                                     j->in->req[i].region,
                                     j->in->req[i].count,
                                     j->in->req[i].reserves};
        rc = store_draw_request_insert(tx, &q);
    }
    snprintf(detail, sizeof detail,
             "{\"groups\":%d,\"experts\":%d,\"reps\":%d,\"commitment\":\"%s\"}", j->in->nreq,
             experts, j->in->reps, commitment);
    if (rc == STORE_OK)
        rc = record(tx, j->c, "draw.commit", j->id, t.id, commitment, detail);
    return domain_store_err(rc);
}

enum err draw_create(struct store *s, const struct tender_caller *c, int64_t tender_id,
                     const struct draw_input *in, int64_t *draw_id, struct expert_refusal *why)
{
    memset(why, 0, sizeof(*why));
    if (!(c->roles & ROLE_AGENT))
        return ERR_FORBIDDEN;
    if (!drawalg_requests_ok(in->req, in->nreq))
        return say(why, ERR_INVALID_FIELD, "requests",
                   "1 to %d groups: a specialty code, a region (six digits or empty), count 1 to "
                   "%d, reserves 0 to %d",
                   DRAW_GROUPS_MAX, DRAW_COUNT_MAX, DRAW_RESERVE_MAX);
    if (in->eval_start_ms <= 0 || in->eval_end_ms <= in->eval_start_ms ||
        in->eval_end_ms - in->eval_start_ms > (int64_t)DRAW_EVAL_DAYS_MAX * 86400000)
        return say(why, ERR_INVALID_FIELD, "eval_end_ms",
                   "the evaluation ends after it starts, within %d days", DRAW_EVAL_DAYS_MAX);
    if (in->reps < 0 || in->reps > DRAW_COUNT_MAX)
        return say(why, ERR_INVALID_FIELD, "reps", NULL);
    struct create_job j = {c, tender_id, in, 0, why, {0}};
    arena_init(&j.a, 0);
    enum err e = domain_write(s, create_tx, &j);
    arena_release(&j.a);
    if (e == ERR_OK)
        *draw_id = j.id;
    return e;
}

/* ---- run ---- */

struct leaf_find {
    const char *type; /* "\"type\":\"draw.commit\"" */
    int64_t idx;      /* -1: not found */
    char *entry;      /* heap copy, when wanted */
    bool want_entry;
};

static int on_leaf(void *ctx, int64_t idx, const void *entry, size_t n,
                   const uint8_t leaf_hash[STORE_LEDGER_HASH])
{
    struct leaf_find *f = ctx;
    (void)leaf_hash;
    if (f->idx >= 0 || memmem(entry, n, f->type, strlen(f->type)) == NULL)
        return 0;
    f->idx = idx;
    if (f->want_entry) {
        f->entry = malloc(n + 1);
        if (f->entry == NULL)
            return 1;
        memcpy(f->entry, entry, n);
        f->entry[n] = '\0';
    }
    return 1; /* the first is the one */
}

/* The leaf of the draw's event of `type` ("draw.commit"), -1 when it is
 * not integrated yet. */
static int find_leaf(struct store_tx *tx, int64_t draw_id, const char *type, bool want_entry,
                     struct leaf_find *f)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"type\":\"%s\"", type);
    f->type = pat;
    f->idx = -1;
    f->entry = NULL;
    f->want_entry = want_entry;
    int rc = store_ledger_subject_leaves(tx, "draw", draw_id, INT64_MAX, 64, on_leaf, f);
    f->type = NULL;
    return rc == 1 ? STORE_OK : rc;
}

struct cp_find {
    int64_t size;
    struct buf *note;
};

static int on_checkpoint(void *ctx, int64_t size, const void *root, size_t root_len,
                         const char *note, size_t note_len)
{
    struct cp_find *f = ctx;
    (void)root;
    (void)root_len;
    f->size = size;
    if (buf_append(f->note, note, note_len) != BUF_OK)
        f->size = -1;
    return 1; /* the first */
}

/* The first checkpoint whose tree holds leaf idx; size 0 when none yet. */
static int first_checkpoint(struct store_tx *tx, int64_t idx, int64_t *size, struct buf *note)
{
    struct cp_find f = {0, note};
    int rc = store_ledger_checkpoints(tx, idx + 1, INT64_MAX, on_checkpoint, &f);
    if (rc == 1)
        rc = STORE_OK;
    if (rc == STORE_OK && f.size < 0)
        rc = STORE_TOOBIG;
    *size = f.size > 0 ? f.size : 0;
    return rc;
}

struct requests {
    struct draw_request req[DRAW_GROUPS_MAX];
    int n;
};

static int load_requests(struct store_tx *tx, struct arena *a, int64_t draw_id, struct requests *r)
{
    struct page pg;
    int rc = store_draw_requests(tx, a, draw_id, DRAW_GROUPS_MAX, &pg);
    r->n = 0;
    for (int i = 0; rc == STORE_OK && i < pg.n; i++) {
        const struct draw_request_row *q = (const struct draw_request_row *)pg.items + i;
        struct draw_request *x = &r->req[r->n++];
        snprintf(x->specialty, sizeof x->specialty, "%s", q->specialty);
        snprintf(x->region, sizeof x->region, "%s", q->region);
        x->count = (int)q->count;
        x->reserves = (int)q->reserves;
    }
    return rc;
}

/* The excluded experts as text: "sunbid-draw-excluded/1\n" then "x ID REASON\n". */
static int excluded_text(const struct pool *p, struct buf *out)
{
    int rc = buf_puts(out, "sunbid-draw-excluded/1\n");
    for (size_t i = 0; rc == BUF_OK && i < p->b->n; i++)
        if (p->reason[i] != NULL)
            rc = buf_printf(out, "x %lld %s\n", (long long)p->b->v[i].id, p->reason[i]);
        else if (p->b->v[i].ncodes == 0)
            rc = buf_printf(out, "x %lld no_specialty\n", (long long)p->b->v[i].id);
    return rc;
}

/* The ids of an excluded text, ascending; malformed lines are an error. */
static int excluded_ids(const char *text, size_t len, int64_t **ids, size_t *n)
{
    static const char head[] = "sunbid-draw-excluded/1\n";
    size_t lines = 0;
    *ids = NULL;
    *n = 0;
    if (len < sizeof head - 1 || memcmp(text, head, sizeof head - 1) != 0)
        return STORE_ERROR;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    *ids = malloc(lines * sizeof(int64_t) + 1);
    if (*ids == NULL)
        return STORE_TOOBIG;
    const char *q = text + sizeof head - 1, *end = text + len;
    while (q < end) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        char *after = NULL;
        if (nl == NULL || nl - q < 4 || q[0] != 'x' || q[1] != ' ')
            return STORE_ERROR;
        long long id = strtoll(q + 2, &after, 10);
        if (after == NULL || *after != ' ' || id <= 0 || (*n > 0 && (*ids)[*n - 1] >= id))
            return STORE_ERROR;
        (*ids)[(*n)++] = id;
        q = nl + 1;
    }
    return STORE_OK;
}

/* The snapshot text of drawn draw d into out: its blob (before migration
 * 25), or its pool's lines less its excluded ids; either way checked
 * against d->snapshot_sha. */
static int snapshot_load(struct store *s, const struct draw_row *d, struct buf *out)
{
    struct buf pool, excl;
    int64_t *ids = NULL;
    size_t nids = 0;
    char hex[BLOB_HASH_HEX + 1];
    if (d->pool_sha == NULL)
        return blob_get(s, d->snapshot_sha, out); /* verified against its name */
    buf_init(&pool, SNAPSHOT_MAX);
    buf_init(&excl, SNAPSHOT_MAX);
    int rc = blob_get(s, d->pool_sha, &pool);
    if (rc == STORE_OK)
        rc = d->excluded_sha ? blob_get(s, d->excluded_sha, &excl) : STORE_ERROR;
    if (rc == STORE_OK)
        rc = excluded_ids(excl.data, excl.len, &ids, &nids);
    if (rc == STORE_OK && (pool.len < sizeof POOL_HEAD - 1 ||
                           memcmp(pool.data, POOL_HEAD, sizeof POOL_HEAD - 1) != 0))
        rc = STORE_ERROR;
    if (rc == STORE_OK && buf_reserve(out, pool.len) != BUF_OK)
        rc = STORE_TOOBIG;
    if (rc == STORE_OK && buf_puts(out, SNAP_HEAD) != BUF_OK)
        rc = STORE_TOOBIG;
    const char *q = pool.data + sizeof POOL_HEAD - 1, *end = pool.data + pool.len;
    size_t k = 0;
    while (rc == STORE_OK && q < end) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        char *after = NULL;
        long long id = nl != NULL && nl - q > 2 && q[0] == 'e' ? strtoll(q + 2, &after, 10) : 0;
        if (id <= 0 || after == NULL || *after != ' ') {
            rc = STORE_ERROR;
            break;
        }
        while (k < nids && ids[k] < id)
            k++;
        if ((k == nids || ids[k] != id) && buf_append(out, q, (size_t)(nl + 1 - q)) != BUF_OK)
            rc = STORE_TOOBIG;
        q = nl + 1;
    }
    if (rc == STORE_OK) {
        crypto_sha256_hex(out->data, out->len, hex);
        if (strcmp(hex, d->snapshot_sha) != 0) {
            log_error("draw %lld: its pool and excluded blobs do not give its snapshot",
                      (long long)d->id);
            rc = STORE_ERROR;
        }
    }
    free(ids);
    buf_release(&pool);
    buf_release(&excl);
    return rc;
}

struct run_plan {
    struct draw_row d; /* as read */
    struct tender t;
    struct requests rq;
    int64_t leaf, cp_size;
    struct buf note, excl;
    struct pool_base *base; /* a reference */
    char snap_sha[BLOB_HASH_HEX + 1];
    struct draw_run run;
    bool have_run;
};

static enum err run_read(struct store *s, const struct tender_caller *c, int64_t draw_id,
                         struct arena *a, struct run_plan *p, struct expert_refusal *why)
{
    struct store_tx *tx = NULL;
    struct draw_view v;
    struct pool pool = {0};
    struct leaf_find lf;
    struct draw_expert *snap = NULL;
    size_t nsnap = 0;
    uint8_t snap_sha[DRAW_HASH_LEN];
    int64_t now = clock_now_ms();
    enum err e = domain_store_err(store_begin(s, STORE_READ, &tx));
    if (e == ERR_OK)
        e = draw_load(tx, a, c, draw_id, &p->d, &p->t, &v);
    if (e != ERR_OK)
        goto out;
    struct tender_access acc;
    e = tender_access_check(tx, c, &p->t, &acc);
    if (e == ERR_OK && !(c->system || acc.supervisor || acc.owner))
        e = ERR_NOT_OWNER;
    if (e == ERR_OK && (strcmp(p->d.state, "committed") != 0 || !tender_drawable(p->t.state)))
        e = ERR_WRONG_STATE;
    if (e != ERR_OK)
        goto out;
    int rc = find_leaf(tx, draw_id, "draw.commit", false, &lf);
    if (rc == STORE_OK && lf.idx < 0) {
        e = say(why, ERR_DRAW_NOT_READY, NULL, "the commitment is not integrated in the log yet");
        goto out;
    }
    p->leaf = lf.idx;
    if (rc == STORE_OK)
        rc = first_checkpoint(tx, p->leaf, &p->cp_size, &p->note);
    if (rc == STORE_OK && p->cp_size == 0) {
        e = say(why, ERR_DRAW_NOT_READY, NULL, "no signed checkpoint includes leaf %lld yet",
                (long long)p->leaf);
        goto out;
    }
    if (rc == STORE_OK)
        rc = load_requests(tx, a, draw_id, &p->rq);
    if (rc == STORE_OK)
        rc = draw_base_get(s, tx, NULL, &p->base);
    if (rc == STORE_OK)
        rc = draw_pool_load(tx, a, p->base, &p->d, now, 0, &pool);
    if (rc == STORE_OK)
        rc = draw_pool_snapshot(&pool, a, &snap, &nsnap, snap_sha);
    if (rc == STORE_OK && excluded_text(&pool, &p->excl) != BUF_OK)
        rc = STORE_TOOBIG;
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    drawalg_hex(snap_sha, DRAW_HASH_LEN, p->snap_sha);
    int arc = drawalg_run_hashed(&p->run, p->d.seed, p->note.data, p->note.len, p->rq.req, p->rq.n,
                                 snap, nsnap, snap_sha);
    if (arc != DRAWALG_OK) {
        log_error("draw %lld: the algorithm failed (%d)", (long long)draw_id, arc);
        e = ERR_INTERNAL;
        goto out;
    }
    p->have_run = true;
    for (int g = 0; g < p->rq.n; g++)
        if (p->run.g[g].n < (size_t)p->rq.req[g].count) {
            e = say(why, ERR_DRAW_TOO_FEW_EXPERTS, "requests",
                    "group %d (%s%s%s): %zu eligible for %d", g + 1, p->rq.req[g].specialty,
                    p->rq.req[g].region[0] ? " in " : "", p->rq.req[g].region, p->run.g[g].n,
                    p->rq.req[g].count);
            goto out;
        }
out:
    store_rollback(tx);
    draw_pool_release(&pool);
    return e;
}

struct run_job {
    const struct tender_caller *c;
    struct run_plan *p;
    char excl_sha[BLOB_HASH_HEX + 1];
    bool excl_in_tx; /* small: made durable by the commit (blob_put_tx) */
};

static enum err run_tx(struct store_tx *tx, void *arg)
{
    struct run_job *j = arg;
    struct run_plan *p = j->p;
    struct draw_row d = p->d;
    int64_t now = clock_now_ms();
    char detail[256];
    int rc = STORE_OK;
    int notified = 0;
    if (j->excl_in_tx)
        rc = blob_put_tx(tx, p->excl.data, p->excl.len, j->excl_sha);
    for (int g = 0; rc == STORE_OK && g < p->rq.n; g++) {
        const struct draw_group *gr = &p->run.g[g];
        for (size_t i = 0; rc == STORE_OK && i < gr->m; i++) {
            struct draw_member m = {0};
            int64_t id;
            bool primary = i < (size_t)p->rq.req[g].count;
            m.draw_id = d.id;
            m.grp = g + 1;
            m.position = (int64_t)i;
            m.expert_id = gr->a[i];
            m.role = primary ? "primary" : "reserve";
            m.status = primary ? "notified" : "reserve";
            m.notified_ms = primary ? now : 0;
            m.created_ms = now;
            notified += primary;
            rc = store_draw_member_insert(tx, &m, &id);
        }
    }
    d.state = "drawn";
    d.commit_leaf = p->leaf;
    d.checkpoint_size = p->cp_size;
    d.checkpoint_note = p->note.data;
    d.snapshot_sha = p->snap_sha;
    d.excluded_sha = j->excl_sha;
    d.pool_sha = p->base->sha;
    d.drawn_ms = now;
    d.version = p->d.version + 1;
    if (rc == STORE_OK)
        rc = store_draw_update(tx, &d, p->d.version);
    if (rc == STORE_NOTFOUND)
        return ERR_CONFLICT; /* someone ran or cancelled it meanwhile */
    snprintf(detail, sizeof detail,
             "{\"checkpoint_size\":%lld,\"commit_leaf\":%lld,\"snapshot_sha256\":\"%s\","
             "\"notified\":%d}",
             (long long)p->cp_size, (long long)p->leaf, p->snap_sha, notified);
    if (rc == STORE_OK)
        rc = record(tx, j->c, "draw.run", d.id, d.tender_id, p->snap_sha, detail);
    return domain_store_err(rc);
}

enum err draw_run(struct store *s, const struct tender_caller *c, int64_t draw_id,
                  struct expert_refusal *why)
{
    struct arena a;
    struct run_plan *p = calloc(1, sizeof(*p));
    enum err e;
    memset(why, 0, sizeof(*why));
    if (p == NULL)
        return ERR_INTERNAL;
    arena_init(&a, (size_t)512 << 20);
    buf_init(&p->note, NOTE_MAX_BYTES);
    buf_init(&p->excl, SNAPSHOT_MAX);
    e = run_read(s, c, draw_id, &a, p, why);
    if (e == ERR_OK) {
        struct run_job j = {c, p, "", p->excl.len <= BLOB_TX_MAX};
        int rc = draw_pool_durable(s, p->base);
        crypto_sha256_hex(p->excl.data, p->excl.len, j.excl_sha);
        if (rc == STORE_OK && !j.excl_in_tx)
            rc = blob_put(s, p->excl.data, p->excl.len, j.excl_sha);
        e = domain_store_err(rc);
        if (e == ERR_OK)
            e = domain_write(s, run_tx, &j);
    }
    if (p->have_run)
        drawalg_run_release(&p->run);
    draw_base_unref(p->base);
    buf_release(&p->note);
    buf_release(&p->excl);
    free(p);
    arena_release(&a);
    return e;
}

/* ---- answers and replacements ---- */

struct answer_job {
    struct store *s;
    const struct tender_caller *c;
    int64_t member_id;
    bool accept;
    bool release; /* a supervisor's release */
    const char *reason;
    struct expert_refusal *why;
    struct arena a;
    int64_t replacement; /* out: the member called, 0: none */
};

/* Is expert id eligible for draw d now (the reason, or NULL)? An expert
 * with another row in this draw (self: the row being called, 0: none),
 * other than a skipped one, is not. */
static int recheck(struct store_tx *tx, struct arena *a, const struct draw_row *d,
                   const struct page *members, int64_t self, int64_t id, int64_t now,
                   const char **reason)
{
    struct pool pool = {0};
    struct pool_base *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return STORE_TOOBIG;
    b->refs = 1;
    for (int i = 0; i < members->n; i++) {
        const struct draw_member *m = (const struct draw_member *)members->items + i;
        if (m->expert_id == id && m->id != self && strcmp(m->status, "skipped") != 0) {
            *reason = "already_in_draw";
            draw_base_unref(b);
            return STORE_OK;
        }
    }
    int rc = draw_base_read(tx, id, false, b);
    if (rc == STORE_OK)
        rc = draw_pool_load(tx, a, b, d, now, id, &pool);
    *reason = rc == STORE_OK && b->n == 1 ? pool.reason[0] : "not_in_pool";
    if (rc == STORE_OK && b->n == 1 && b->v[0].ncodes == 0)
        *reason = "no_specialty";
    draw_pool_release(&pool);
    draw_base_unref(b);
    return rc;
}

/* The order of group g (0-based) recomputed from the stored draw. */
static enum err order_of(struct store *s, struct arena *a, const struct draw_row *d,
                         const struct requests *rq, struct draw_run *run)
{
    struct buf snap;
    struct draw_expert *e = NULL;
    size_t n = 0;
    buf_init(&snap, SNAPSHOT_MAX);
    int rc = snapshot_load(s, d, &snap);
    enum err err = domain_store_err(rc);
    if (err == ERR_OK && drawalg_snapshot_parse(snap.data, snap.len, a, &e, &n) != DRAWALG_OK)
        err = ERR_INTERNAL;
    if (err == ERR_OK && drawalg_run(run, d->seed, d->checkpoint_note, strlen(d->checkpoint_note),
                                     rq->req, rq->n, e, n) != DRAWALG_OK)
        err = ERR_INTERNAL;
    buf_release(&snap);
    return err;
}

/* Calls the next candidate of group grp after member `gone` left. */
static int call_next(struct store_tx *tx, struct answer_job *j, struct draw_row *d,
                     const struct draw_member *gone, int64_t now)
{
    struct page pg;
    struct requests rq;
    char detail[200];
    int rc = store_draw_members(tx, &j->a, d->id, DRAW_MEMBERS_MAX, &pg);
    if (rc == STORE_OK)
        rc = load_requests(tx, &j->a, d->id, &rq);
    if (rc != STORE_OK)
        return rc;
    int64_t maxpos = -1;
    /* 1. the reserves held, in position order */
    for (int i = 0; i < pg.n; i++) {
        struct draw_member *m = (struct draw_member *)pg.items + i;
        if (m->grp != gone->grp)
            continue;
        if (m->position > maxpos)
            maxpos = m->position;
        if (strcmp(m->status, "reserve") != 0)
            continue;
        const char *reason = NULL;
        rc = recheck(tx, &j->a, d, &pg, m->id, m->expert_id, now, &reason);
        if (rc != STORE_OK)
            return rc;
        if (reason != NULL) {
            m->status = "skipped";
            m->reason = reason;
            rc = store_draw_member_update(tx, m);
            if (rc != STORE_OK)
                return rc;
            continue;
        }
        m->status = "notified";
        m->notified_ms = now;
        m->replaces_id = gone->id;
        rc = store_draw_member_update(tx, m);
        j->replacement = m->id;
        snprintf(detail, sizeof detail, "{\"member\":%lld,\"replaces\":%lld,\"group\":%lld}",
                 (long long)m->id, (long long)gone->id, (long long)m->grp);
        return rc == STORE_OK ? record(tx, j->c, "draw.replace", d->id, d->tender_id, NULL, detail)
                              : rc;
    }
    /* 2. further down the order */
    struct draw_run run;
    enum err e = order_of(j->s, &j->a, d, &rq, &run);
    if (e != ERR_OK)
        return e == ERR_INTERNAL ? STORE_ERROR : STORE_UNAVAILABLE;
    int g = (int)gone->grp - 1;
    rc = STORE_OK;
    for (size_t pos = (size_t)(maxpos + 1); rc == STORE_OK; pos++) {
        if (drawalg_extend(&run, g, pos + 1) != DRAWALG_OK || run.g[g].m <= pos)
            break; /* the order is exhausted */
        struct draw_member m = {0};
        const char *reason = NULL;
        m.draw_id = d->id;
        m.grp = gone->grp;
        m.position = (int64_t)pos;
        m.expert_id = run.g[g].a[pos];
        m.role = "replacement";
        m.created_ms = now;
        rc = recheck(tx, &j->a, d, &pg, 0, m.expert_id, now, &reason);
        if (rc != STORE_OK)
            break;
        if (reason != NULL) {
            m.status = "skipped";
            m.reason = reason;
            rc = store_draw_member_insert(tx, &m, &m.id);
            continue;
        }
        m.status = "notified";
        m.notified_ms = now;
        m.replaces_id = gone->id;
        rc = store_draw_member_insert(tx, &m, &m.id);
        if (rc == STORE_OK) {
            j->replacement = m.id;
            snprintf(detail, sizeof detail,
                     "{\"member\":%lld,\"replaces\":%lld,\"group\":%lld,\"position\":%zu}",
                     (long long)m.id, (long long)gone->id, (long long)m.grp, pos);
            rc = record(tx, j->c, "draw.replace", d->id, d->tender_id, NULL, detail);
        }
        drawalg_run_release(&run);
        return rc;
    }
    drawalg_run_release(&run);
    if (rc != STORE_OK)
        return rc;
    /* 3. nobody left: the draw is short by one */
    int64_t ver = d->version;
    d->short_n++;
    d->version++;
    rc = store_draw_update(tx, d, ver);
    snprintf(detail, sizeof detail, "{\"group\":%lld,\"short\":%lld}", (long long)gone->grp,
             (long long)d->short_n);
    if (rc == STORE_OK)
        rc = record(tx, j->c, "draw.short", d->id, d->tender_id, NULL, detail);
    return rc;
}

static enum err answer_tx(struct store_tx *tx, void *arg)
{
    struct answer_job *j = arg;
    struct draw_member m;
    struct draw_row d;
    struct tender t;
    char detail[200];
    int64_t now = clock_now_ms();
    arena_release(&j->a);
    j->replacement = 0;
    int rc = store_draw_member_get(tx, &j->a, j->member_id, &m);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (j->release) {
        struct tender_access acc;
        rc = store_tender_get(tx, &j->a, m.tender_id, &t);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        enum err e = tender_access_check(tx, j->c, &t, &acc);
        if (e != ERR_OK)
            return e;
        if (!acc.supervisor)
            return ERR_FORBIDDEN;
    } else if (m.expert_user_id == 0 || m.expert_user_id != j->c->who.user_id) {
        return ERR_NOT_FOUND; /* not your invitation: it does not exist for you */
    }
    rc = store_draw_get(tx, &j->a, m.draw_id, &d);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    rc = store_tender_get(tx, &j->a, d.tender_id, &t);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (strcmp(d.state, "drawn") != 0 || !tender_drawable(t.state))
        return ERR_WRONG_STATE;
    bool open =
        strcmp(m.status, "notified") == 0 || (j->release && strcmp(m.status, "confirmed") == 0);
    if (!open)
        return ERR_INVITATION_CLOSED;
    const char *type;
    if (j->release) {
        m.status = "released";
        type = "draw.release";
    } else {
        m.status = j->accept ? "confirmed" : "declined";
        type = j->accept ? "draw.confirm" : "draw.decline";
    }
    m.reason = j->reason;
    m.answered_ms = now;
    rc = store_draw_member_update(tx, &m);
    snprintf(detail, sizeof detail, "{\"member\":%lld,\"group\":%lld,\"position\":%lld}",
             (long long)m.id, (long long)m.grp, (long long)m.position);
    if (rc == STORE_OK)
        rc = record(tx, j->c, type, d.id, d.tender_id, NULL, detail);
    if (rc == STORE_OK && !j->accept)
        rc = call_next(tx, j, &d, &m, now);
    return domain_store_err(rc);
}

static enum err answer(struct store *s, struct answer_job *j)
{
    arena_init(&j->a, (size_t)512 << 20);
    enum err e = domain_write(s, answer_tx, j);
    arena_release(&j->a);
    return e;
}

enum err draw_answer(struct store *s, const struct tender_caller *c, int64_t member_id, bool accept,
                     const char *reason, struct expert_refusal *why)
{
    memset(why, 0, sizeof(*why));
    if (!(c->roles & ROLE_EXPERT))
        return ERR_FORBIDDEN;
    if (reason != NULL && (strlen(reason) > REASON_MAX || memchr(reason, '\n', strlen(reason))))
        return say(why, ERR_INVALID_FIELD, "reason", "at most %d bytes on one line", REASON_MAX);
    struct answer_job j = {s, c, member_id, accept, false, reason, why, {0}, 0};
    return answer(s, &j);
}

enum err draw_release(struct store *s, const struct tender_caller *c, int64_t member_id,
                      const char *reason, struct expert_refusal *why)
{
    memset(why, 0, sizeof(*why));
    if (!(c->roles & ROLE_SUPERVISOR))
        return ERR_FORBIDDEN;
    if (reason == NULL || reason[0] == '\0' || strlen(reason) > REASON_MAX)
        return say(why, reason ? ERR_INVALID_FIELD : ERR_MISSING_FIELD, "reason", NULL);
    struct answer_job j = {s, c, member_id, false, true, reason, why, {0}, 0};
    return answer(s, &j);
}

/* ---- reveal and cancel ---- */

struct state_job {
    const struct tender_caller *c;
    int64_t draw_id;
    bool reveal; /* else cancel */
    const char *reason;
    struct arena a;
};

static enum err state_tx(struct store_tx *tx, void *arg)
{
    struct state_job *j = arg;
    struct draw_row d;
    struct tender t;
    struct draw_view v;
    struct tender_access acc;
    char detail[600];
    arena_release(&j->a);
    enum err e = draw_load(tx, &j->a, j->c, j->draw_id, &d, &t, &v);
    if (e == ERR_OK)
        e = tender_access_check(tx, j->c, &t, &acc);
    if (e != ERR_OK)
        return e;
    if (!(acc.supervisor || acc.owner))
        return ERR_NOT_OWNER;
    int64_t ver = d.version, now = clock_now_ms();
    char seed_hex[2 * DRAW_SEED_LEN + 1];
    const char *doc = NULL;
    if (j->reveal) {
        if (strcmp(d.state, "drawn") != 0 || !tender_after_evaluation(t.state))
            return ERR_WRONG_STATE;
        d.state = "revealed";
        d.revealed_ms = now;
        drawalg_hex(d.seed, DRAW_SEED_LEN, seed_hex);
        doc = seed_hex; /* the seed itself goes into the log (docs/draw.md) */
        snprintf(detail, sizeof detail, "{\"seed\":\"%s\"}", seed_hex);
    } else {
        if (strcmp(d.state, "committed") != 0 && strcmp(d.state, "drawn") != 0)
            return ERR_WRONG_STATE;
        d.state = "cancelled";
        d.cancelled_ms = now;
        d.cancel_reason = j->reason;
        struct buf b;
        struct jsonw w;
        buf_init(&b, sizeof detail - 1);
        jsonw_init(&w, &b);
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "reason", j->reason);
        jsonw_obj_end(&w);
        snprintf(detail, sizeof detail, "%s", jsonw_finish(&w) == JSONW_OK ? b.data : "{}");
        buf_release(&b);
    }
    d.version++;
    int rc = store_draw_update(tx, &d, ver);
    if (rc == STORE_OK)
        rc = record(tx, j->c, j->reveal ? "draw.reveal" : "draw.cancel", d.id, d.tender_id, doc,
                    detail);
    return domain_store_err(rc);
}

enum err draw_reveal(struct store *s, const struct tender_caller *c, int64_t draw_id)
{
    if (!(c->roles & (ROLE_SUPERVISOR | ROLE_AGENT)))
        return ERR_FORBIDDEN;
    struct state_job j = {c, draw_id, true, NULL, {0}};
    arena_init(&j.a, 0);
    enum err e = domain_write(s, state_tx, &j);
    arena_release(&j.a);
    return e;
}

enum err draw_cancel(struct store *s, const struct tender_caller *c, int64_t draw_id,
                     const char *reason)
{
    if (!(c->roles & (ROLE_SUPERVISOR | ROLE_AGENT)))
        return ERR_FORBIDDEN;
    if (reason == NULL || reason[0] == '\0' || strlen(reason) > REASON_MAX)
        return reason == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    struct state_job j = {c, draw_id, false, reason, {0}};
    arena_init(&j.a, 0);
    enum err e = domain_write(s, state_tx, &j);
    arena_release(&j.a);
    return e;
}

/* ---- the record ---- */

/* The proof of leaf idx in the tree of size `size`. */
static int proof_of(struct store_tx *tx, struct arena *a, enum merkle_alg alg, int64_t idx,
                    int64_t size, struct draw_log_entry *e)
{
    e->proof = arena_alloc(a, MERKLE_MAX_PROOF * MERKLE_HASH_LEN);
    if (e->proof == NULL)
        return STORE_TOOBIG;
    struct merkle_reader rd = {ledger_read_hash, tx};
    int mrc = merkle_inclusion_proof(alg, &rd, (uint64_t)idx, (uint64_t)size, e->proof, &e->nproof);
    return mrc == MERKLE_OK ? STORE_OK : STORE_ERROR;
}

static int parse_excluded(struct arena *a, const char *text, size_t len, struct draw_record *r)
{
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    r->excluded = arena_calloc(a, (lines ? lines : 1) * sizeof(*r->excluded));
    if (r->excluded == NULL)
        return STORE_TOOBIG;
    r->nexcluded = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            break;
        long long id = 0;
        char reason[DRAW_REASON_MAX];
        char line[128];
        size_t ll = (size_t)(nl - p) < sizeof line - 1 ? (size_t)(nl - p) : sizeof line - 1;
        memcpy(line, p, ll);
        line[ll] = '\0';
        if (sscanf(line, "x %lld %63s", &id, reason) == 2) {
            r->excluded[r->nexcluded].id = id;
            r->excluded[r->nexcluded].reason = arena_strdup(a, reason);
            r->nexcluded++;
        }
        p = nl + 1;
    }
    return STORE_OK;
}

enum err draw_record_export(struct store *s, const struct tender_caller *c, int64_t draw_id,
                            struct buf *out)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct draw_row d;
    struct tender t;
    struct draw_view v;
    struct draw_record r;
    struct requests rq;
    struct page pg;
    struct buf snap, excl, latest;
    struct leaf_find commit = {0}, run = {0};
    struct store_ledger_config *cfg = malloc(sizeof *cfg);
    memset(&r, 0, sizeof r);
    arena_init(&a, (size_t)512 << 20);
    buf_init(&snap, SNAPSHOT_MAX);
    buf_init(&excl, SNAPSHOT_MAX);
    buf_init(&latest, NOTE_MAX_BYTES);
    enum err e = cfg ? domain_store_err(store_begin(s, STORE_READ, &tx)) : ERR_INTERNAL;
    if (e == ERR_OK)
        e = draw_load(tx, &a, c, draw_id, &d, &t, &v);
    if (e == ERR_OK && !v.seed)
        e = ERR_DRAW_SECRET;
    if (e == ERR_OK && d.snapshot_sha == NULL)
        e = ERR_WRONG_STATE; /* not drawn */
    if (e != ERR_OK)
        goto out;
    int rc = load_requests(tx, &a, d.id, &rq);
    if (rc == STORE_OK)
        rc = store_draw_members(tx, &a, d.id, DRAW_MEMBERS_MAX, &pg);
    if (rc == STORE_OK)
        rc = store_ledger_config_get(tx, cfg);
    if (rc == STORE_OK)
        rc = find_leaf(tx, d.id, "draw.commit", true, &commit);
    if (rc == STORE_OK)
        rc = find_leaf(tx, d.id, "draw.run", true, &run);
    if (rc == STORE_OK)
        rc = snapshot_load(s, &d, &snap);
    if (rc == STORE_OK && d.excluded_sha != NULL)
        rc = blob_get(s, d.excluded_sha, &excl);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    enum merkle_alg alg = merkle_alg_parse(cfg->hash_alg);
    r.draw_id = d.id;
    r.tender_id = t.id;
    r.tender_code = t.code;
    r.state = d.state;
    snprintf(r.commitment, sizeof r.commitment, "%s", d.commitment);
    r.has_seed = true;
    memcpy(r.seed, d.seed, DRAW_SEED_LEN);
    memcpy(r.req, rq.req, sizeof rq.req);
    r.nreq = rq.n;
    r.checkpoint = d.checkpoint_note;
    r.checkpoint_len = strlen(d.checkpoint_note);
    r.log_hash = cfg->hash_alg;
    if (commit.idx >= 0) {
        r.commit.present = true;
        r.commit.index = commit.idx;
        r.commit.entry = commit.entry;
        rc = proof_of(tx, &a, alg, commit.idx, d.checkpoint_size, &r.commit);
    }
    int64_t cp_size = 0, cp_ms = 0;
    if (rc == STORE_OK && run.idx >= 0) {
        rc = store_ledger_checkpoint_latest(tx, &cp_size, &cp_ms, &latest);
        if (rc == STORE_OK && cp_size > run.idx) {
            r.run.present = true;
            r.run.index = run.idx;
            r.run.entry = run.entry;
            r.run.checkpoint = latest.data;
            rc = proof_of(tx, &a, alg, run.idx, cp_size, &r.run);
        }
    }
    if (rc == STORE_OK &&
        drawalg_snapshot_parse(snap.data, snap.len, &a, &r.experts, &r.nexperts) != DRAWALG_OK)
        rc = STORE_ERROR;
    if (rc == STORE_OK)
        rc = parse_excluded(&a, excl.data ? excl.data : "", excl.len, &r);
    {
        uint8_t h[DRAW_HASH_LEN];
        crypto_sha256(snap.data, snap.len, h);
        drawalg_hex(h, DRAW_HASH_LEN, r.snapshot_sha);
    }
    /* the orders: every position used, by group */
    for (int g = 0; rc == STORE_OK && g < rq.n; g++) {
        size_t m = 0;
        for (int i = 0; i < pg.n; i++) {
            const struct draw_member *x = (const struct draw_member *)pg.items + i;
            if (x->grp == g + 1 && (size_t)x->position + 1 > m)
                m = (size_t)x->position + 1;
        }
        r.orders[g] = arena_calloc(&a, (m ? m : 1) * sizeof(int64_t));
        r.norder[g] = m;
        if (r.orders[g] == NULL)
            rc = STORE_TOOBIG;
    }
    r.members = arena_calloc(&a, (size_t)(pg.n ? pg.n : 1) * sizeof(*r.members));
    if (rc == STORE_OK && r.members == NULL)
        rc = STORE_TOOBIG;
    for (int i = 0; rc == STORE_OK && i < pg.n; i++) {
        const struct draw_member *x = (const struct draw_member *)pg.items + i;
        struct draw_member_rec *mr = &r.members[r.nmembers++];
        r.orders[x->grp - 1][x->position] = x->expert_id;
        mr->expert = x->expert_id;
        mr->group = (int)x->grp;
        mr->position = x->position;
        mr->role = x->role;
        mr->status = x->status;
        mr->reason = x->reason;
        for (int k = 0; x->replaces_id && k < pg.n; k++) {
            const struct draw_member *y = (const struct draw_member *)pg.items + k;
            if (y->id == x->replaces_id)
                mr->replaces = y->expert_id;
        }
    }
    if (rc == STORE_OK && draw_record_write(&r, out) != JSONW_OK)
        rc = STORE_TOOBIG;
    e = domain_store_err(rc);
out:
    store_rollback(tx);
    free(commit.entry);
    free(run.entry);
    free(cfg);
    buf_release(&snap);
    buf_release(&excl);
    buf_release(&latest);
    arena_release(&a);
    return e;
}
