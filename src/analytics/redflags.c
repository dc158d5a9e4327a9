/*
 * redflags.c — Cardinal's red flags over OCDS compiled releases (redflags.h,
 * docs/redflags.md): the run's state, the per-release folds and the fences.
 *
 * A run has Cardinal's two phases. fold (rf_consume): each release, already
 * reduced to the members the indicators read (redflags_extract.c), is
 * filtered like Cardinal (an object with a string "ocid", /tender/status not
 * "cancelled", /tender/procurementMethodDetails not in [exclusions]) and
 * handed to every enabled indicator in Cardinal's order; indicators about one
 * contracting process set their result at once, indicators about
 * organisations add to fractions. finish: the indicators that compare against
 * all contracting processes or organisations take their quartiles
 * (redflags_num.c) and flag the outliers. Cardinal folds on several threads
 * and merges; here folding is sequential, in file order (only parsing is
 * parallel, redflags_read.c), which makes "the first currency seen" the first
 * in the file and the output order stable.
 *
 * The helpers below mirror Cardinal's Indicators methods:
 *   complete_awards()   get_complete_awards_and_bids_if_all_awards_final:
 *                       the active awards, or nothing when an award is still
 *                       pending (any status but active, cancelled, unsuccessful)
 *   is_submitted()      a bid whose status is a string other than "invited"
 *                       and "withdrawn" (pending, valid, disqualified)
 *   valid_tuple()       get_tenderer_and_value_of_valid_bids: a valid bid with
 *                       an amount, a currency and exactly one tenderer with an id
 *
 * Runs on the thread that calls redflags_read / redflags_feed_line.
 */
#include "analytics/redflags_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* R028: one submitted bid with a price and tenderers. */
struct rf_bid28 {
    double amount;     /* -0 folded into 0, like OrderedFloat */
    uint32_t currency; /* interned */
    uint32_t order;    /* position among the release's priced bids */
    size_t ids;        /* offset of its sorted, distinct tenderer ids in u32c */
    size_t nids;
};

static const char *const indicator_names[RF__COUNT] = {
    "R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038", "R048", "R058"};
static const char *const group_names[RF_GROUP__COUNT] = {"OCID", "Buyer", "ProcuringEntity",
                                                         "Tenderer"};

const char *redflags_indicator_name(enum redflags_indicator i)
{
    return (unsigned)i < RF__COUNT ? indicator_names[i] : "?";
}

const char *redflags_group_name(enum redflags_group g)
{
    return (unsigned)g < RF_GROUP__COUNT ? group_names[g] : "?";
}

/* ---- vectors and keyed vectors ---------------------------------------- */

/* A new zeroed element at the end of v; NULL on out of memory. */
static void *vec_push(struct rf_vec *v, size_t sz)
{
    if (!rf_grow(&v->p, &v->cap, v->n + 1, sz))
        return NULL;
    void *e = (char *)v->p + v->n * sz;
    memset(e, 0, sz);
    v->n++;
    return e;
}

static void keyed_release(struct rf_keyed *k)
{
    rf_map_release(&k->index);
    free(k->items.p);
    memset(k, 0, sizeof(*k));
}

/* The element for key, added (zeroed) when new; NULL on out of memory. */
static void *keyed_get(struct rf_keyed *k, uint64_t key, size_t sz, bool *added)
{
    if (!rf_grow(&k->items.p, &k->items.cap, k->items.n + 1, sz))
        return NULL;
    uint32_t slot = rf_map_add(&k->index, key, added);
    if (slot == RF_NO_ID)
        return NULL;
    if (*added) {
        memset((char *)k->items.p + k->items.n * sz, 0, sz);
        k->items.n++;
    }
    return (char *)k->items.p + (size_t)slot * sz;
}

/* ---- state ------------------------------------------------------------ */

struct redflags *redflags_new(const struct redflags_settings *s, bool map)
{
    struct redflags *rf = calloc(1, sizeof(*rf));
    if (rf == NULL)
        return NULL;
    rf->set = s;
    rf->map = map;
    rf->want_slbr = s->enabled[RF_R024] || s->enabled[RF_R058];
    rf->want_tenderers = map && (s->enabled[RF_R025] || s->enabled[RF_R038] || s->enabled[RF_R048]);
    rf->currency = RF_NO_ID;
    rf->threads = 0;
    rf_strtab_init(&rf->strs);
    rf_map_init(&rf->r048_codes);
    return rf;
}

void redflags_free(struct redflags *rf)
{
    if (rf == NULL)
        return;
    rf_strtab_release(&rf->strs);
    for (int g = 0; g < RF_GROUP__COUNT; g++)
        keyed_release(&rf->groups[g]);
    keyed_release(&rf->ratios);
    keyed_release(&rf->r025);
    for (int i = 0; i < 3; i++)
        keyed_release(&rf->r038[i]);
    keyed_release(&rf->r048);
    rf_map_release(&rf->r048_codes);
    for (int i = 0; i < RF_MAP__COUNT; i++) {
        keyed_release(&rf->sets[i].keys);
        rf_map_release(&rf->sets[i].pairs);
        free(rf->sets[i].els.p);
    }
    keyed_release(&rf->ocid_buyer);
    keyed_release(&rf->ocid_pe);
    free(rf->u32a.p);
    free(rf->u32b.p);
    free(rf->u32c.p);
    free(rf->ptrs.p);
    free(rf->bids28.p);
    rf_mem_release(&rf->mem);
    free(rf);
}

void redflags_set_warn(struct redflags *rf, redflags_warn_fn fn, void *ud)
{
    rf->warn = fn;
    rf->warn_ud = ud;
}

void redflags_set_threads(struct redflags *rf, int n)
{
    rf->threads = n < 0 ? 0 : n;
}

const struct redflags_stats *redflags_stats(const struct redflags *rf)
{
    return &rf->stats;
}

/* Interns s; on failure marks the run out of memory. */
static bool intern(struct redflags *rf, const char *s, size_t n, uint32_t *id)
{
    if (!rf_intern(&rf->strs, s, n, id)) {
        rf->oom = true;
        return false;
    }
    return true;
}

static void set_result(struct redflags *rf, enum redflags_group g, uint32_t id,
                       enum redflags_indicator i, double v)
{
    bool added;
    struct rf_row *row = keyed_get(&rf->groups[g], id, sizeof(*row), &added);
    if (row == NULL) {
        rf->oom = true;
        return;
    }
    row->id = id;
    row->mask |= (uint16_t)(1u << i);
    row->v[i] = v;
}

static void set_meta(struct redflags *rf, enum redflags_indicator i, const char *key, double v)
{
    struct rf_meta *m = &rf->meta[i];
    for (size_t j = 0; j < m->n; j++)
        if (strcmp(m->key[j], key) == 0) {
            m->val[j] = v;
            return;
        }
    if (m->n < RF_META_MAX) {
        m->key[m->n] = key;
        m->val[m->n++] = v;
    }
}

/* Adds id to the set of ocid in one of the Maps (only when mapping). */
static void set_map(struct redflags *rf, int which, uint32_t ocid, uint32_t id)
{
    if (!rf->map)
        return;
    struct rf_setmap *sm = &rf->sets[which];
    bool added;
    if (rf_map_get(&sm->pairs, rf_pair(ocid, id)) != RF_NO_ID)
        return;
    if (rf_map_add(&sm->pairs, rf_pair(ocid, id), &added) == RF_NO_ID)
        goto oom;
    struct rf_setel *el = vec_push(&sm->els, sizeof(*el));
    if (el == NULL)
        goto oom;
    uint32_t eli = (uint32_t)(sm->els.n - 1);
    el->id = id;
    el->next = RF_NO_ID;
    struct rf_setkey *k = keyed_get(&sm->keys, ocid, sizeof(*k), &added);
    if (k == NULL)
        goto oom;
    if (added) {
        k->ocid = ocid;
        k->head = eli;
    } else {
        VEC_AT(sm->els, struct rf_setel, k->tail).next = eli;
    }
    k->tail = eli;
    return;
oom:
    rf->oom = true;
}

/* ocid_buyer_r038 / ocid_procuringentity_r038: a later ocid line replaces. */
static void set_one(struct redflags *rf, struct rf_keyed *k, uint32_t ocid, uint32_t id)
{
    bool added;
    struct rf_onekv *kv = keyed_get(k, ocid, sizeof(*kv), &added);
    if (kv == NULL) {
        rf->oom = true;
        return;
    }
    kv->ocid = ocid;
    kv->id = id;
}

static void frac_add(struct redflags *rf, struct rf_keyed *k, uint32_t id, uint64_t num,
                     uint64_t den)
{
    bool added;
    struct rf_frac *f = keyed_get(k, id, sizeof(*f), &added);
    if (f == NULL) {
        rf->oom = true;
        return;
    }
    f->id = id;
    f->num += num;
    f->den += den;
}

static bool push_u32(struct redflags *rf, struct rf_vec *v, uint32_t x)
{
    uint32_t *e = vec_push(v, sizeof(*e));
    if (e == NULL) {
        rf->oom = true;
        return false;
    }
    *e = x;
    return true;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Sorts v[from, n) and drops duplicates; returns the new count from `from`. */
static size_t sort_unique(struct rf_vec *v, size_t from)
{
    size_t n = v->n - from, k = 0;
    if (n == 0)
        return 0; /* v->p may be NULL */
    uint32_t *a = (uint32_t *)v->p + from;
    qsort(a, n, sizeof(*a), cmp_u32);
    for (size_t i = 1; i < n; i++)
        if (a[i] != a[k])
            a[++k] = a[i];
    v->n = from + k + 1;
    return k + 1;
}

static bool contains_u32(const uint32_t *a, size_t n, uint32_t x)
{
    return n > 0 && bsearch(&x, a, n, sizeof(*a), cmp_u32) != NULL;
}

/* ---- one release ------------------------------------------------------ */

static bool str_eq(struct rf_str s, const char *lit)
{
    return s.s != NULL && strlen(lit) == s.n && memcmp(s.s, lit, s.n) == 0;
}

static bool same_str(struct rf_str a, struct rf_str b)
{
    return a.s != NULL && b.s != NULL && a.n == b.n && memcmp(a.s, b.s, a.n) == 0;
}

static bool list_has(const struct redflags_list *l, struct rf_str s)
{
    if (s.s == NULL)
        return false;
    for (size_t i = 0; i < l->n; i++)
        if (str_eq(s, l->items[i]))
            return true;
    return false;
}

struct rel {
    const struct rf_xrelease *x;
    uint32_t ocid_id; /* RF_NO_ID until interned */
};

static bool ocid_id(struct redflags *rf, struct rel *r, uint32_t *id)
{
    if (r->ocid_id == RF_NO_ID && !intern(rf, r->x->ocid.s, r->x->ocid.n, &r->ocid_id))
        return false;
    *id = r->ocid_id;
    return true;
}

static bool intern_str(struct redflags *rf, struct rf_str s, uint32_t *id)
{
    return s.s != NULL && intern(rf, s.s, s.n, id);
}

/* Cardinal's matches_procurement_method: an empty list matches everything;
 * otherwise /tender/procurementMethod must be listed. */
static bool matches_method(const struct rf_xrelease *x, const struct redflags_list *l)
{
    return l->n == 0 || list_has(l, x->method);
}

/* Cardinal's matches_procurement_method_details: a non-empty include list
 * is an allow list; otherwise exclude is a deny list. */
static bool matches_details(const struct rf_xrelease *x, const struct redflags_list *include,
                            const struct redflags_list *exclude)
{
    if (x->details.s != NULL)
        return include->n == 0 ? !list_has(exclude, x->details) : list_has(include, x->details);
    return include->n == 0;
}

static bool price_comparison(struct redflags *rf, const struct rf_xrelease *x)
{
    return matches_details(x, &rf->set->price_cmp, &rf->set->no_price_cmp);
}

/* Cardinal's get_complete_awards_and_bids_if_all_awards_final: collects the
 * active awards into rf->ptrs; false when an award is not final (a status
 * other than active, cancelled and unsuccessful; awards without a status
 * are passed over). */
static bool complete_awards(struct redflags *rf, const struct rf_xrelease *x)
{
    rf->ptrs.n = 0;
    for (size_t i = 0; i < x->nawards; i++) {
        const struct rf_xaward *a = &x->awards[i];
        if (a->status.s == NULL)
            continue;
        if (str_eq(a->status, "active")) {
            const struct rf_xaward **slot = vec_push(&rf->ptrs, sizeof(*slot));
            if (slot == NULL) {
                rf->oom = true;
                return false;
            }
            *slot = a;
        } else if (!str_eq(a->status, "cancelled") && !str_eq(a->status, "unsuccessful")) {
            return false;
        }
    }
    return true;
}

/* Pending, valid or disqualified: a status, not invited nor withdrawn. */
static bool is_submitted(const struct rf_xbid *b)
{
    return b->status.s != NULL && !str_eq(b->status, "invited") && !str_eq(b->status, "withdrawn");
}

/* The single supplier of the single active award (rf->ptrs), for R024, R025
 * and R058. */
static bool single_supplier(struct redflags *rf, struct rf_str *sup)
{
    if (rf->ptrs.n != 1)
        return false;
    const struct rf_xaward *a = VEC_AT(rf->ptrs, const struct rf_xaward *, 0);
    if (a->nsuppliers != 1 || a->suppliers[0].s == NULL)
        return false;
    *sup = a->suppliers[0];
    return true;
}

/* A valid bid with an amount, a currency and one tenderer with an id. */
static bool valid_tuple(const struct rf_xbid *b)
{
    return str_eq(b->status, "valid") && b->has_amount && b->currency.s != NULL &&
           b->ntenderers == 1 && b->tenderers[0].s != NULL;
}

/* Cardinal's shared "main currency": the settings' currency, else the first
 * currency an indicator compares. True when cur is the main currency. */
static bool main_currency(struct redflags *rf, struct rf_str cur)
{
    if (rf->currency == RF_NO_ID) {
        const char *c = rf->set->currency ? rf->set->currency : cur.s;
        size_t cn = rf->set->currency ? strlen(rf->set->currency) : cur.n;
        if (!intern(rf, c, cn, &rf->currency))
            return false;
    }
    if (rf->strs.len[rf->currency] == cur.n &&
        memcmp(rf->strs.str[rf->currency], cur.s, cur.n) == 0)
        return true;
    rf->stats.currency_skipped++;
    return false;
}

/* Maps: ocid_tenderer, every tenderer of a submitted bid. */
static void fold_tenderers(struct redflags *rf, struct rel *r)
{
    const struct rf_xrelease *x = r->x;
    for (size_t i = 0; i < x->nbids; i++) {
        const struct rf_xbid *b = &x->bids[i];
        if (!is_submitted(b))
            continue;
        for (size_t j = 0; j < b->ntenderers; j++) {
            uint32_t id, oc;
            if (intern_str(rf, b->tenderers[j], &id) && ocid_id(rf, r, &oc))
                set_map(rf, RF_MAP_TENDERER, oc, id);
        }
    }
}

/* R024 / R058: the winning bid and the lowest other valid bid. */
static void fold_ratio(struct redflags *rf, struct rel *r)
{
    const struct rf_xrelease *x = r->x;
    struct rf_str sup;
    if (!price_comparison(rf, x) || !complete_awards(rf, x) || !single_supplier(rf, &sup))
        return;
    const struct rf_xbid *win = NULL, *lose = NULL;
    for (size_t i = 0; i < x->nbids; i++) {
        const struct rf_xbid *b = &x->bids[i];
        if (!valid_tuple(b) || !main_currency(rf, b->currency))
            continue;
        if (same_str(b->tenderers[0], sup)) {
            if (win == NULL || b->amount < win->amount) /* several bids: its lowest */
                win = b;
        } else if (lose == NULL || b->amount < lose->amount) {
            lose = b;
        }
    }
    /* If the lowest bid did not win, the award criteria are not price only. */
    if (win == NULL || lose == NULL || !(lose->amount >= win->amount))
        return;
    uint32_t oc, wid, lid;
    if (!ocid_id(rf, r, &oc) || !intern_str(rf, win->tenderers[0], &wid) ||
        !intern_str(rf, lose->tenderers[0], &lid))
        return;
    bool added;
    struct rf_ratio *q = keyed_get(&rf->ratios, oc, sizeof(*q), &added);
    if (q == NULL) {
        rf->oom = true;
        return;
    }
    q->ocid = oc;
    q->winner = wid;
    q->loser = lid;
    q->ratio = (lose->amount - win->amount) / win->amount;
}

/* Whole days from start to end, truncated toward zero (chrono num_days). */
static int64_t whole_days(int64_t s0, int32_t n0, int64_t s1, int32_t n1)
{
    int64_t ds = s1 - s0;
    int32_t dn = n1 - n0;
    if (ds > 0 && dn < 0)
        ds--;
    else if (ds < 0 && dn > 0)
        ds++;
    return ds / 86400;
}

/* R003 short submission period. */
static void fold_r003(struct redflags *rf, struct rel *r)
{
    const struct redflags_settings *s = rf->set;
    const struct rf_xrelease *x = r->x;
    int64_t s0, s1;
    int32_t n0, n1;
    if (!matches_method(x, &s->r003_methods) || x->start.s == NULL || x->end.s == NULL ||
        !redflags_parse_rfc3339(x->start.s, x->start.n, &s0, &n0) ||
        !redflags_parse_rfc3339(x->end.s, x->end.n, &s1, &n1))
        return;
    int64_t threshold = s->r003_threshold;
    if (x->details.s != NULL)
        for (size_t i = 0; i < s->r003_ndetails; i++)
            if (str_eq(x->details, s->r003_details[i].details)) {
                threshold = s->r003_details[i].days;
                break;
            }
    uint32_t oc;
    if (whole_days(s0, n0, s1, n1) < threshold && ocid_id(rf, r, &oc))
        set_result(rf, RF_GROUP_OCID, oc, RF_R003, 1.0);
}

/* R018 single bid received: numberOfTenderers is 1 in a competitive
 * procedure. */
static void fold_r018(struct redflags *rf, struct rel *r)
{
    uint32_t oc;
    if (matches_method(r->x, &rf->set->r018_methods) && r->x->has_ntenderers &&
        r->x->ntenderers == 1.0 && ocid_id(rf, r, &oc))
        set_result(rf, RF_GROUP_OCID, oc, RF_R018, 1.0);
}

/* R025: per tenderer, processes won over processes with a valid bid. */
static void fold_r025(struct redflags *rf, struct rel *r)
{
    const struct rf_xrelease *x = r->x;
    struct rf_str sup;
    uint32_t sid;
    if (!complete_awards(rf, x) || !single_supplier(rf, &sup) || !intern_str(rf, sup, &sid))
        return;
    rf->u32a.n = 0;
    for (size_t i = 0; i < x->nbids; i++) {
        const struct rf_xbid *b = &x->bids[i];
        uint32_t tid;
        if (str_eq(b->status, "valid") && b->ntenderers == 1 &&
            intern_str(rf, b->tenderers[0], &tid) && !push_u32(rf, &rf->u32a, tid))
            return;
    }
    /* Each tenderer once per contracting process, however many bids. */
    size_t n = sort_unique(&rf->u32a, 0);
    for (size_t i = 0; i < n; i++) {
        uint32_t tid = VEC_AT(rf->u32a, uint32_t, i);
        frac_add(rf, &rf->r025, tid, tid == sid, 1);
    }
}

static int cmp_bid28(const void *a, const void *b)
{
    const struct rf_bid28 *x = a, *y = b;
    if (x->amount != y->amount)
        return x->amount < y->amount ? -1 : 1;
    if (x->currency != y->currency)
        return x->currency < y->currency ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

static bool same_ids(const struct redflags *rf, const struct rf_bid28 *x, const struct rf_bid28 *y)
{
    const uint32_t *ids = rf->u32c.p;
    return x->nids == y->nids && memcmp(ids + x->ids, ids + y->ids, x->nids * 4) == 0;
}

/* Interns the ids of n entries and appends them to v; false on out of
 * memory. */
static bool push_ids(struct redflags *rf, struct rf_vec *v, const struct rf_str *ids, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        uint32_t id;
        if (ids[j].s != NULL && (!intern_str(rf, ids[j], &id) || !push_u32(rf, v, id)))
            return false;
    }
    return true;
}

/* R028 identical bid prices from different tenderers. */
static void fold_r028(struct redflags *rf, struct rel *r)
{
    const struct rf_xrelease *x = r->x;
    if (!price_comparison(rf, x))
        return;
    rf->bids28.n = 0;
    rf->u32c.n = 0;
    for (size_t i = 0; i < x->nbids; i++) {
        const struct rf_xbid *bid = &x->bids[i];
        uint32_t cid;
        if (!is_submitted(bid) || !bid->has_amount || bid->currency.s == NULL)
            continue;
        size_t from = rf->u32c.n;
        if (!push_ids(rf, &rf->u32c, bid->tenderers, bid->ntenderers))
            return;
        size_t nids = sort_unique(&rf->u32c, from);
        if (nids == 0 || !intern_str(rf, bid->currency, &cid))
            continue;
        struct rf_bid28 *b = vec_push(&rf->bids28, sizeof(*b));
        if (b == NULL) {
            rf->oom = true;
            return;
        }
        b->amount = bid->amount == 0.0 ? 0.0 : bid->amount;
        b->currency = cid;
        b->order = (uint32_t)(rf->bids28.n - 1);
        b->ids = from;
        b->nids = nids;
    }
    /* Cardinal walks the bids in order, remembering the tenderers of the last
     * bid at each price; a bid at a known price from other tenderers flags
     * both sets, its own first. Sorting by (price, order) visits the same
     * pairs. */
    struct rf_bid28 *b = rf->bids28.p;
    size_t nb = rf->bids28.n;
    if (nb < 2)
        return;
    qsort(b, nb, sizeof(*b), cmp_bid28);
    uint32_t oc;
    for (size_t i = 1; i < nb; i++) {
        if (b[i].amount != b[i - 1].amount || b[i].currency != b[i - 1].currency ||
            same_ids(rf, &b[i], &b[i - 1]))
            continue;
        if (!ocid_id(rf, r, &oc))
            return;
        set_result(rf, RF_GROUP_OCID, oc, RF_R028, 1.0);
        for (int k = 0; k < 2; k++) {
            const struct rf_bid28 *y = &b[i - (size_t)k];
            for (size_t j = 0; j < y->nids; j++) {
                uint32_t id = VEC_AT(rf->u32c, uint32_t, y->ids + j);
                set_result(rf, RF_GROUP_TENDERER, id, RF_R028, 1.0);
                set_map(rf, RF_MAP_R028, oc, id);
            }
        }
    }
}

/* Byte-wise string order, like Rust's String comparison. */
static int cmp_bytes(struct rf_str a, struct rf_str b)
{
    int c = memcmp(a.s, b.s, a.n < b.n ? a.n : b.n);
    if (c != 0)
        return c;
    return (a.n > b.n) - (a.n < b.n);
}

/* R030 late bid won: a valid bid dated after the deadline, by a supplier of
 * an active award. */
static void fold_r030(struct redflags *rf, struct rel *r)
{
    const struct rf_xrelease *x = r->x;
    if (x->end.s == NULL)
        return;
    rf->u32a.n = 0;
    for (size_t i = 0; i < x->nawards; i++)
        if (str_eq(x->awards[i].status, "active") &&
            !push_ids(rf, &rf->u32a, x->awards[i].suppliers, x->awards[i].nsuppliers))
            return;
    size_t nsup = sort_unique(&rf->u32a, 0);
    if (nsup == 0)
        return;
    for (size_t i = 0; i < x->nbids; i++) {
        const struct rf_xbid *b = &x->bids[i];
        if (!str_eq(b->status, "valid") || b->date.s == NULL || cmp_bytes(b->date, x->end) <= 0)
            continue;
        for (size_t j = 0; j < b->ntenderers; j++) {
            uint32_t oc;
            if (b->tenderers[j].s == NULL)
                continue;
            uint32_t id = rf_lookup(&rf->strs, b->tenderers[j].s, b->tenderers[j].n);
            if (id == RF_NO_ID || !contains_u32(rf->u32a.p, nsup, id) || !ocid_id(rf, r, &oc))
                continue;
            set_result(rf, RF_GROUP_OCID, oc, RF_R030, 1.0);
            set_result(rf, RF_GROUP_TENDERER, id, RF_R030, 1.0);
            set_map(rf, RF_MAP_R030, oc, id);
        }
    }
}

/* R035 all except the winning bid disqualified. */
static void fold_r035(struct redflags *rf, struct rel *r)
{
    const struct rf_xrelease *x = r->x;
    if (!complete_awards(rf, x))
        return;
    struct rf_vec *sup = &rf->u32a, *valid = &rf->u32b, *disq = &rf->u32c;
    sup->n = valid->n = disq->n = 0;
    for (size_t i = 0; i < rf->ptrs.n; i++) {
        const struct rf_xaward *a = VEC_AT(rf->ptrs, const struct rf_xaward *, i);
        if (!push_ids(rf, sup, a->suppliers, a->nsuppliers))
            return;
    }
    for (size_t i = 0; i < x->nbids; i++) {
        const struct rf_xbid *b = &x->bids[i];
        struct rf_vec *into = str_eq(b->status, "valid")          ? valid
                              : str_eq(b->status, "disqualified") ? disq
                                                                  : NULL;
        if (into != NULL && !push_ids(rf, into, b->tenderers, b->ntenderers))
            return;
    }
    size_t ns = sort_unique(sup, 0), nv = sort_unique(valid, 0), nd = sort_unique(disq, 0);
    if (nv != 1 || ns != 1)
        return;
    uint32_t v = VEC_AT(*valid, uint32_t, 0);
    if (VEC_AT(*sup, uint32_t, 0) != v)
        return;
    size_t others = nd - (contains_u32(disq->p, nd, v) ? 1 : 0);
    uint32_t oc;
    if (others < rf->set->r035_threshold || !ocid_id(rf, r, &oc))
        return;
    set_result(rf, RF_GROUP_OCID, oc, RF_R035, (double)others);
    set_result(rf, RF_GROUP_TENDERER, v, RF_R035, 0.0);
    set_map(rf, RF_MAP_R035, oc, v);
}

/* R036 lowest submitted bid disqualified. */
static void fold_r036(struct redflags *rf, struct rel *r)
{
    const struct rf_xrelease *x = r->x;
    if (!price_comparison(rf, x))
        return;
    bool any_active = false;
    for (size_t i = 0; i < x->nawards; i++)
        if (str_eq(x->awards[i].status, "active"))
            any_active = true;
    if (!any_active)
        return;
    bool have_lowest = false, lowest_disq = false, valid_amount = false;
    double lowest = 0;
    for (size_t i = 0; i < x->nbids; i++) {
        const struct rf_xbid *b = &x->bids[i];
        if (!is_submitted(b) || !b->has_amount || b->currency.s == NULL ||
            !main_currency(rf, b->currency))
            continue;
        if (!have_lowest || b->amount < lowest) {
            have_lowest = true;
            lowest = b->amount;
            lowest_disq = str_eq(b->status, "disqualified");
        }
        if (str_eq(b->status, "valid"))
            valid_amount = true;
    }
    uint32_t oc;
    if (valid_amount && lowest_disq && ocid_id(rf, r, &oc))
        set_result(rf, RF_GROUP_OCID, oc, RF_R036, 1.0);
}

/* R038: disqualified over submitted bids, per buyer, procuring entity and
 * tenderer. */
static void fold_r038(struct redflags *rf, struct rel *r)
{
    const struct rf_xrelease *x = r->x;
    uint64_t submitted = 0, disqualified = 0;
    for (size_t i = 0; i < x->nbids; i++) {
        const struct rf_xbid *b = &x->bids[i];
        if (!is_submitted(b))
            continue;
        submitted++;
        uint64_t inc = str_eq(b->status, "disqualified") ? 1 : 0;
        disqualified += inc;
        for (size_t j = 0; j < b->ntenderers; j++) {
            uint32_t id;
            if (intern_str(rf, b->tenderers[j], &id))
                frac_add(rf, &rf->r038[2], id, inc, 1);
        }
    }
    if (submitted == 0)
        return;
    uint32_t id, oc;
    if (intern_str(rf, x->buyer, &id)) {
        frac_add(rf, &rf->r038[0], id, disqualified, submitted);
        if (rf->map && disqualified > 0 && ocid_id(rf, r, &oc))
            set_one(rf, &rf->ocid_buyer, oc, id);
    }
    if (intern_str(rf, x->procuring_entity, &id)) {
        frac_add(rf, &rf->r038[1], id, disqualified, submitted);
        if (rf->map && disqualified > 0 && ocid_id(rf, r, &oc))
            set_one(rf, &rf->ocid_pe, oc, id);
    }
}

/* Byte length of the first k characters of the UTF-8 string s. */
static size_t utf8_prefix(const char *s, size_t n, size_t k)
{
    size_t i = 0;
    for (size_t c = 0; c < k && i < n; c++) {
        i++;
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

/* R048: the distinct classification prefixes of the items awarded to each
 * supplier (active awards to a single supplier). */
static void fold_r048(struct redflags *rf, struct rel *r)
{
    const struct rf_xrelease *x = r->x;
    rf->release_no++;
    for (size_t i = 0; i < x->nawards; i++) {
        const struct rf_xaward *a = &x->awards[i];
        if (!str_eq(a->status, "active") || a->nsuppliers != 1 || a->suppliers[0].s == NULL)
            continue;
        for (size_t j = 0; j < a->ncodes; j++) {
            uint32_t sid, cid;
            size_t clen = utf8_prefix(a->codes[j].s, a->codes[j].n, rf->set->r048_digits);
            if (!intern_str(rf, a->suppliers[0], &sid) || !intern(rf, a->codes[j].s, clen, &cid))
                return;
            bool added;
            struct rf_supplier *y = keyed_get(&rf->r048, sid, sizeof(*y), &added);
            if (y == NULL) {
                rf->oom = true;
                return;
            }
            y->id = sid;
            if (added || y->last != rf->release_no) {
                y->processes++;
                y->last = rf->release_no;
            }
            if (rf_map_add(&rf->r048_codes, rf_pair(sid, cid), &added) == RF_NO_ID) {
                rf->oom = true;
                return;
            }
            if (added)
                y->codes++;
        }
    }
}

static void fold(struct redflags *rf, struct rel *r)
{
    const bool *on = rf->set->enabled;
    if (rf->want_tenderers)
        fold_tenderers(rf, r);
    if (rf->want_slbr)
        fold_ratio(rf, r);
    if (on[RF_R003])
        fold_r003(rf, r);
    if (on[RF_R018])
        fold_r018(rf, r);
    if (on[RF_R025])
        fold_r025(rf, r);
    if (on[RF_R028])
        fold_r028(rf, r);
    if (on[RF_R030])
        fold_r030(rf, r);
    if (on[RF_R035])
        fold_r035(rf, r);
    if (on[RF_R036])
        fold_r036(rf, r);
    if (on[RF_R038])
        fold_r038(rf, r);
    if (on[RF_R048])
        fold_r048(rf, r);
}

void rf_warn(struct redflags *rf, int64_t line, const char *msg)
{
    if (rf->warn != NULL)
        rf->warn(rf->warn_ud, line, msg);
}

int rf_consume(struct redflags *rf, int64_t lineno, enum rf_line kind, const struct rf_xrelease *x,
               const json_error_t *err, size_t max_line)
{
    char msg[256];
    if (rf->oom)
        return -1;
    rf->stats.lines++;
    switch (kind) {
    case RF_LINE_BLANK:
        rf->stats.blank++;
        return 0;
    case RF_LINE_TOO_LONG:
        rf->stats.too_long++;
        snprintf(msg, sizeof(msg), "longer than %zu bytes, skipped", max_line);
        rf_warn(rf, lineno, msg);
        return 0;
    case RF_LINE_INVALID:
        rf->stats.invalid++;
        snprintf(msg, sizeof(msg), "invalid JSON, skipped: %s (column %d)", err->text, err->column);
        rf_warn(rf, lineno, msg);
        return 0;
    case RF_LINE_NOMEM:
        rf->oom = true;
        return -1;
    case RF_LINE_JSON:
        break;
    }
    if (x->ocid.s == NULL) {
        rf->stats.not_release++;
    } else if (str_eq(x->status, "cancelled") || list_has(&rf->set->exclude_pmd, x->details)) {
        rf->stats.excluded++;
    } else {
        struct rel r = {x, RF_NO_ID};
        rf->stats.releases++;
        fold(rf, &r);
    }
    return rf->oom ? -1 : 0;
}

int redflags_feed_line(struct redflags *rf, const char *line, size_t len, int64_t lineno)
{
    if (rf->oom || rf->finished)
        return -1;
    struct rf_xrelease x;
    json_error_t err;
    rf_mem_reset(&rf->mem);
    enum rf_line kind = rf_parse_line(line, len, &rf->mem, &x, &err);
    return rf_consume(rf, lineno, kind, &x, &err, 0);
}

/* ---- finish: the indicators over all contracting processes ------------- */

/* The values of a keyed vector's doubles, copied out for the quantiles. */
static double *copy_values(struct redflags *rf, size_t n)
{
    double *v = malloc((n ? n : 1) * sizeof(*v));
    if (v == NULL)
        rf->oom = true;
    return v;
}

/* Q1 and Q3 of v (n values; v is reordered). */
static void quartiles(double *v, size_t n, double *q1, double *q3)
{
    *q1 = redflags_quantile(v, n, 0.25);
    *q3 = redflags_quantile(v, n, 0.75);
}

static void finish_r024(struct redflags *rf)
{
    const struct redflags_settings *s = rf->set;
    size_t n = rf->ratios.items.n;
    double lower, q1 = 1.0; /* with a threshold, a dummy that passes the guard */
    if (s->has_r024_threshold) {
        lower = s->r024_threshold;
    } else {
        double *v = copy_values(rf, n), q3;
        if (v == NULL)
            return;
        for (size_t i = 0; i < n; i++)
            v[i] = KEYED_AT(rf->ratios, struct rf_ratio, i).ratio;
        quartiles(v, n, &q1, &q3);
        free(v);
        set_meta(rf, RF_R024, "q1", q1);
        set_meta(rf, RF_R024, "q3", q3);
        lower = fma(q3 - q1, -1.5, q1);
    }
    set_meta(rf, RF_R024, "lower_fence", lower);
    /* The ratio is never negative: when Q1 is 0, a quarter of all processes
     * would be flagged, so nothing is. */
    if (!(q1 > 0.0 && lower > 0.0))
        return;
    for (size_t i = 0; i < n; i++) {
        struct rf_ratio x = KEYED_AT(rf->ratios, struct rf_ratio, i);
        if (!(x.ratio <= lower))
            continue;
        set_result(rf, RF_GROUP_OCID, x.ocid, RF_R024, x.ratio);
        set_result(rf, RF_GROUP_TENDERER, x.winner, RF_R024, 0.0);
        set_result(rf, RF_GROUP_TENDERER, x.loser, RF_R024, 0.0);
        set_map(rf, RF_MAP_R024, x.ocid, x.winner);
        set_map(rf, RF_MAP_R024, x.ocid, x.loser);
    }
}

static void finish_r025(struct redflags *rf)
{
    const struct redflags_settings *s = rf->set;
    size_t n = rf->r025.items.n;
    double *v = copy_values(rf, n);
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        v[i] = (double)KEYED_AT(rf->r025, struct rf_frac, i).den;
    double upper = redflags_quantile(v, n, (double)s->r025_percentile / 100.0);
    double lower, q1 = 1.0, q3;
    if (s->has_r025_threshold) {
        lower = s->r025_threshold;
    } else {
        for (size_t i = 0; i < n; i++) {
            struct rf_frac f = KEYED_AT(rf->r025, struct rf_frac, i);
            v[i] = (double)f.num / (double)f.den;
        }
        quartiles(v, n, &q1, &q3);
        set_meta(rf, RF_R025, "q1", q1);
        set_meta(rf, RF_R025, "q3", q3);
        lower = fma(q3 - q1, -1.5, q1);
    }
    free(v);
    set_meta(rf, RF_R025, "upper_fence", upper);
    set_meta(rf, RF_R025, "lower_fence", lower);
    if (!(q1 > 0.0 && lower > 0.0))
        return;
    for (size_t i = 0; i < n; i++) {
        struct rf_frac f = KEYED_AT(rf->r025, struct rf_frac, i);
        double ratio = (double)f.num / (double)f.den;
        if ((double)f.den >= upper && ratio <= lower)
            set_result(rf, RF_GROUP_TENDERER, f.id, RF_R025, ratio);
    }
}

/* R038 for one group: ratios of organisations with at least `minimum`
 * submitted bids (Cardinal compares the minimum with the fraction's
 * denominator, for buyers too), flagged at or above the upper fence. */
static void finish_r038_group(struct redflags *rf, struct rf_keyed *k, size_t minimum,
                              enum redflags_group g, const char *mq1, const char *mq3,
                              const char *mfence)
{
    const struct redflags_settings *s = rf->set;
    size_t n = k->items.n, m = 0;
    double *v = copy_values(rf, n);
    uint32_t *ids = malloc((n ? n : 1) * sizeof(*ids));
    if (v == NULL || ids == NULL) {
        rf->oom = true;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct rf_frac f = KEYED_AT(*k, struct rf_frac, i);
        if (f.den >= minimum) {
            ids[m] = f.id;
            v[m++] = (double)f.num / (double)f.den;
        }
    }
    if (m == 0)
        goto out;
    double upper;
    if (s->has_r038_threshold) {
        upper = s->r038_threshold;
    } else {
        double *w = malloc(m * sizeof(*w)), q1, q3;
        if (w == NULL) {
            rf->oom = true;
            goto out;
        }
        memcpy(w, v, m * sizeof(*w));
        quartiles(w, m, &q1, &q3);
        free(w);
        set_meta(rf, RF_R038, mq1, q1);
        set_meta(rf, RF_R038, mq3, q3);
        upper = fma(q3 - q1, 1.5, q3);
    }
    set_meta(rf, RF_R038, mfence, upper);
    if (upper > 0.0)
        for (size_t i = 0; i < m; i++)
            if (v[i] >= upper)
                set_result(rf, g, ids[i], RF_R038, v[i]);
out:
    free(v);
    free(ids);
}

static void finish_r048(struct redflags *rf)
{
    const struct redflags_settings *s = rf->set;
    size_t n = rf->r048.items.n, m = 0;
    double *v = copy_values(rf, n);
    uint32_t *ids = malloc((n ? n : 1) * sizeof(*ids));
    if (v == NULL || ids == NULL) {
        rf->oom = true;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct rf_supplier x = KEYED_AT(rf->r048, struct rf_supplier, i);
        if (x.processes >= s->r048_min_processes) {
            ids[m] = x.id;
            v[m++] = (double)x.codes;
        }
    }
    double upper;
    if (s->has_r048_threshold) {
        upper = (double)s->r048_threshold;
    } else {
        double *w = malloc((m ? m : 1) * sizeof(*w)), q1, q3;
        if (w == NULL) {
            rf->oom = true;
            goto out;
        }
        memcpy(w, v, m * sizeof(*w));
        quartiles(w, m, &q1, &q3);
        free(w);
        set_meta(rf, RF_R048, "q1", q1);
        set_meta(rf, RF_R048, "q3", q3);
        upper = fma(q3 - q1, 1.5, q3);
    }
    set_meta(rf, RF_R048, "upper_fence", upper);
    for (size_t i = 0; i < m; i++)
        if (v[i] >= upper)
            set_result(rf, RF_GROUP_TENDERER, ids[i], RF_R048, v[i]);
out:
    free(v);
    free(ids);
}

static void finish_r058(struct redflags *rf)
{
    const struct redflags_settings *s = rf->set;
    size_t n = rf->ratios.items.n;
    double upper;
    if (s->has_r058_threshold) {
        upper = s->r058_threshold;
    } else {
        double *v = copy_values(rf, n), q1, q3;
        if (v == NULL)
            return;
        for (size_t i = 0; i < n; i++)
            v[i] = KEYED_AT(rf->ratios, struct rf_ratio, i).ratio;
        quartiles(v, n, &q1, &q3);
        free(v);
        set_meta(rf, RF_R058, "q1", q1);
        set_meta(rf, RF_R058, "q3", q3);
        upper = fma(q3 - q1, 1.5, q3);
    }
    set_meta(rf, RF_R058, "upper_fence", upper);
    if (!(upper > 0.0))
        return;
    for (size_t i = 0; i < n; i++) {
        struct rf_ratio x = KEYED_AT(rf->ratios, struct rf_ratio, i);
        if (!(x.ratio >= upper))
            continue;
        set_result(rf, RF_GROUP_OCID, x.ocid, RF_R058, x.ratio);
        set_result(rf, RF_GROUP_TENDERER, x.winner, RF_R058, 0.0);
        set_map(rf, RF_MAP_R058, x.ocid, x.winner);
    }
}

int redflags_finish(struct redflags *rf)
{
    if (rf->oom || rf->finished)
        return -1;
    rf->finished = true;
    const bool *on = rf->set->enabled;
    if (on[RF_R024])
        finish_r024(rf);
    if (on[RF_R025])
        finish_r025(rf);
    if (on[RF_R038]) {
        finish_r038_group(rf, &rf->r038[0], rf->set->r038_min_processes, RF_GROUP_BUYER, "Buyer_q1",
                          "Buyer_q3", "Buyer_upper_fence");
        finish_r038_group(rf, &rf->r038[1], rf->set->r038_min_processes, RF_GROUP_PROCURING_ENTITY,
                          "ProcuringEntity_q1", "ProcuringEntity_q3",
                          "ProcuringEntity_upper_fence");
        finish_r038_group(rf, &rf->r038[2], rf->set->r038_min_bids, RF_GROUP_TENDERER,
                          "Tenderer_q1", "Tenderer_q3", "Tenderer_upper_fence");
    }
    if (on[RF_R048])
        finish_r048(rf);
    if (on[RF_R058])
        finish_r058(rf);
    return rf->oom ? -1 : 0;
}

size_t redflags_group_count(const struct redflags *rf, enum redflags_group g)
{
    return (unsigned)g < RF_GROUP__COUNT ? rf->groups[g].items.n : 0;
}

bool redflags_result(const struct redflags *rf, enum redflags_group g, const char *id,
                     enum redflags_indicator i, double *value)
{
    if ((unsigned)g >= RF_GROUP__COUNT || (unsigned)i >= RF__COUNT)
        return false;
    uint32_t sid = rf_lookup(&rf->strs, id, strlen(id));
    if (sid == RF_NO_ID)
        return false;
    uint32_t slot = rf_map_get(&rf->groups[g].index, sid);
    if (slot == RF_NO_ID)
        return false;
    const struct rf_row *row = &KEYED_AT(rf->groups[g], struct rf_row, slot);
    if (!(row->mask & (1u << i)))
        return false;
    *value = row->v[i];
    return true;
}
