/*
 * relgraph.c — the relationship graph (relgraph.h, docs/graph.md): interned
 * organisations and keys, the links, union-find components, the lot tables
 * and the linked-bidders flag with its evidence.
 *
 * The graph is bipartite: organisations on one side, keys (a person, a
 * phone, an e-mail, an address, a bank account) on the other; an edge is a
 * membership read from the files. A key with 2..max_share organisations is
 * a link: union-find (path halving, union by size) joins them. Evidence for
 * two linked bidders is the shortest chain organisation - key - organisation
 * ... between them, found by breadth-first search over the links, at most
 * RG_MAX_VISIT nodes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/relgraph_internal.h"
#include "base/hash.h"

const char *rg_err_code(int e)
{
    switch (e) {
    case RG_OK:
        return "ok";
    case RG_NOMEM:
        return "out_of_memory";
    case RG_CSV_QUOTE:
        return "csv_unterminated_quote";
    case RG_CSV_TOO_LONG:
        return "csv_too_long";
    case RG_MISSING_COLUMN:
        return "csv_missing_column";
    case RG_BAD_VALUE:
        return "bad_value";
    case RG_TOO_MANY_ROWS:
        return "too_many_rows";
    case RG_BAD_PARAMS:
        return "bad_parameters";
    default:
        return "unknown_error";
    }
}

const char *rg_kind_name(enum rg_kind k)
{
    static const char *const names[RK__COUNT] = {"person", "phone", "email", "address",
                                                 "bank_account"};
    return k < RK__COUNT ? names[k] : "?";
}

void rg_params_init(struct rg_params *p)
{
    memset(p, 0, sizeof *p);
    p->max_share = 20;
    p->min_cobids = 3;
    p->min_co_ratio = 0.5;
    p->max_pairs_shown = 1000;
    p->min_lots = 5;
    p->min_capture = 0.8;
    p->min_evenness = 0.8;
    p->max_group = 8;
    p->min_cover_bids = 5;
    p->min_cover_rank = 0.75;
    p->alpha = 0.01;
}

/* ---- interning ---------------------------------------------------------- */

static uint64_t str_hash(const char *s, size_t n)
{
    return hash_fnv1a64(HASH_FNV1A64_SEED, s, n);
}

uint32_t rg_lookup(const struct rg_strtab *t, const char *s, size_t n)
{
    if (t->scap == 0)
        return RG_NONE;
    size_t j = (size_t)str_hash(s, n) & (t->scap - 1);
    while (t->slot[j] != 0) {
        uint32_t i = t->slot[j] - 1;
        if (t->len[i] == n && memcmp(t->s[i], s, n) == 0)
            return i;
        j = (j + 1) & (t->scap - 1);
    }
    return RG_NONE;
}

uint32_t rg_intern(struct rg_strtab *t, const char *s, size_t n)
{
    uint32_t found = rg_lookup(t, s, n);
    if (found != RG_NONE)
        return found;
    if (t->n >= UINT32_MAX - 1)
        return RG_NONE;
    if ((t->n + 1) * 2 > t->scap) {
        size_t ncap = t->scap ? t->scap * 2 : 1024;
        uint32_t *ns = calloc(ncap, sizeof *ns);
        if (ns == NULL)
            return RG_NONE;
        for (size_t i = 0; i < t->n; i++) {
            size_t j = (size_t)str_hash(t->s[i], t->len[i]) & (ncap - 1);
            while (ns[j] != 0)
                j = (j + 1) & (ncap - 1);
            ns[j] = (uint32_t)i + 1;
        }
        free(t->slot);
        t->slot = ns;
        t->scap = ncap;
    }
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 1024;
        char **ss = realloc(t->s, nc * sizeof *ss);
        if (ss == NULL)
            return RG_NONE;
        t->s = ss;
        uint32_t *ll = realloc(t->len, nc * sizeof *ll);
        if (ll == NULL)
            return RG_NONE;
        t->len = ll;
        t->cap = nc;
    }
    char *copy = malloc(n + 1);
    if (copy == NULL)
        return RG_NONE;
    memcpy(copy, s, n);
    copy[n] = '\0';
    t->s[t->n] = copy;
    t->len[t->n] = (uint32_t)n;
    size_t j = (size_t)str_hash(s, n) & (t->scap - 1);
    while (t->slot[j] != 0)
        j = (j + 1) & (t->scap - 1);
    t->slot[j] = (uint32_t)t->n + 1;
    return (uint32_t)t->n++;
}

void rg_strtab_release(struct rg_strtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->s[i]);
    free(t->s);
    free(t->len);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

/* Grows a per-index array of owned strings to hold index i. */
static int grow_strs(char ***v, size_t *cap, size_t i)
{
    if (i < *cap)
        return RG_OK;
    size_t nc = *cap ? *cap : 1024;
    while (nc <= i)
        nc *= 2;
    char **g = realloc(*v, nc * sizeof *g);
    if (g == NULL)
        return RG_NOMEM;
    memset(g + *cap, 0, (nc - *cap) * sizeof *g);
    *v = g;
    *cap = nc;
    return RG_OK;
}

uint32_t rg_org(struct relgraph *g, const char *id, const char *name)
{
    uint32_t o = rg_intern(&g->orgid, id, strlen(id));
    if (o == RG_NONE || grow_strs(&g->orgname, &g->namecap, o) != RG_OK)
        return RG_NONE;
    if (name != NULL && name[0] != '\0' && g->orgname[o] == NULL) {
        g->orgname[o] = strdup(name);
        if (g->orgname[o] == NULL)
            return RG_NONE;
    }
    return o;
}

int rg_add_member(struct relgraph *g, uint32_t org, enum rg_kind kind, const char *value,
                  size_t vlen, uint8_t roles, const char *label)
{
    char key[RG_MAX_FIELD * 4 + 16];
    if (vlen + 1 > sizeof key)
        return RG_OK;
    key[0] = (char)('0' + kind);
    memcpy(key + 1, value, vlen);
    uint32_t k = rg_intern(&g->keys, key, vlen + 1);
    if (k == RG_NONE || grow_strs(&g->keylabel, &g->labelcap, k) != RG_OK)
        return RG_NOMEM;
    if (label != NULL && g->keylabel[k] == NULL) {
        g->keylabel[k] = strdup(label);
        if (g->keylabel[k] == NULL)
            return RG_NOMEM;
    }
    if (g->nmem == g->memcap) {
        size_t nc = g->memcap ? g->memcap * 2 : 1024;
        struct rg_member *m = realloc(g->mem, nc * sizeof *m);
        if (m == NULL)
            return RG_NOMEM;
        g->mem = m;
        g->memcap = nc;
    }
    g->mem[g->nmem++] = (struct rg_member){k, org, roles};
    return RG_OK;
}

struct relgraph *rg_new(const struct rg_params *p)
{
    if (p->max_share < 2 || p->min_cobids < 1 || p->min_lots < 2 || p->max_group < 2 ||
        p->max_group > 64 || p->min_cover_bids < 1 || !(p->alpha > 0 && p->alpha <= 1) ||
        !(p->min_co_ratio >= 0 && p->min_co_ratio <= 1) ||
        !(p->min_capture >= 0 && p->min_capture <= 1) ||
        !(p->min_evenness >= 0 && p->min_evenness <= 1) ||
        !(p->min_cover_rank >= 0 && p->min_cover_rank <= 1))
        return NULL;
    struct relgraph *g = calloc(1, sizeof *g);
    if (g != NULL)
        g->p = *p;
    return g;
}

static void free_strs(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void rg_free(struct relgraph *g)
{
    if (g == NULL)
        return;
    free_strs(g->orgname, g->namecap);
    free_strs(g->keylabel, g->labelcap);
    free_strs(g->lotdate, g->datecap);
    rg_strtab_release(&g->orgid);
    rg_strtab_release(&g->keys);
    rg_strtab_release(&g->lots);
    free(g->mem);
    free(g->bids);
    free(g->parent);
    free(g->comp);
    free(g->comp_off);
    free(g->comp_org);
    free(g->link_key);
    free(g->link_off);
    free(g->link_mem);
    free(g->hub_key);
    free(g->hub_count);
    free(g->org_off);
    free(g->org_link);
    free(g->lot_off);
    free(g->lot_bid);
    free(g->lot_winner);
    free(g->lot_rank);
    free(g->org_loff);
    free(g->org_lot);
    for (size_t i = 0; i < g->nlinked; i++) {
        free(g->linked[i].orgs);
        free(g->linked[i].keys);
    }
    free(g->linked);
    free(g->cobid);
    for (size_t i = 0; i < g->nrot; i++) {
        free(g->rot[i].orgs);
        free(g->rot[i].wins);
        free(g->rot[i].seq);
    }
    free(g->rot);
    for (size_t i = 0; i < g->ncover; i++)
        free(g->cover[i].lots);
    free(g->cover);
    free(g);
}

/* ---- links and components ---------------------------------------------- */

static uint32_t find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static void unite(uint32_t *parent, uint32_t *size, uint32_t a, uint32_t b)
{
    a = find(parent, a);
    b = find(parent, b);
    if (a == b)
        return;
    if (size[a] < size[b]) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    parent[b] = a;
    size[a] += size[b];
}

static int cmp_member(const void *x, const void *y)
{
    const struct rg_member *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->org > b->org) - (a->org < b->org);
}

static int build_links(struct relgraph *g)
{
    size_t norg = g->orgid.n;
    if (g->nmem > 1)
        qsort(g->mem, g->nmem, sizeof *g->mem, cmp_member);
    /* One membership per (key, organisation), roles merged. */
    size_t k = 0;
    for (size_t i = 0; i < g->nmem; i++) {
        if (k > 0 && g->mem[k - 1].key == g->mem[i].key && g->mem[k - 1].org == g->mem[i].org)
            g->mem[k - 1].roles |= g->mem[i].roles;
        else
            g->mem[k++] = g->mem[i];
    }
    g->nmem = k;
    g->parent = malloc((norg ? norg : 1) * sizeof *g->parent);
    uint32_t *size = malloc((norg ? norg : 1) * sizeof *size);
    g->link_key = malloc((g->nmem ? g->nmem : 1) * sizeof *g->link_key);
    g->link_off = malloc((g->nmem + 1) * sizeof *g->link_off);
    g->link_mem = malloc((g->nmem ? g->nmem : 1) * sizeof *g->link_mem);
    g->hub_key = malloc((g->nmem ? g->nmem : 1) * sizeof *g->hub_key);
    g->hub_count = malloc((g->nmem ? g->nmem : 1) * sizeof *g->hub_count);
    if (g->parent == NULL || size == NULL || g->link_key == NULL || g->link_off == NULL ||
        g->link_mem == NULL || g->hub_key == NULL || g->hub_count == NULL) {
        free(size);
        return RG_NOMEM;
    }
    for (size_t i = 0; i < norg; i++) {
        g->parent[i] = (uint32_t)i;
        size[i] = 1;
    }
    size_t nm = 0;
    for (size_t i = 0; i < g->nmem;) {
        size_t j = i + 1;
        while (j < g->nmem && g->mem[j].key == g->mem[i].key)
            j++;
        size_t c = j - i;
        if (c >= 2 && c <= g->p.max_share) {
            g->link_key[g->nlinks] = g->mem[i].key;
            g->link_off[g->nlinks] = (uint32_t)nm;
            for (size_t x = i; x < j; x++) {
                g->link_mem[nm++] = g->mem[x];
                if (x > i)
                    unite(g->parent, size, g->mem[i].org, g->mem[x].org);
            }
            g->nlinks++;
        } else if (c > g->p.max_share) {
            g->hub_key[g->nhubs] = g->mem[i].key;
            g->hub_count[g->nhubs++] = (uint32_t)c;
        }
        i = j;
    }
    g->link_off[g->nlinks] = (uint32_t)nm;
    free(size);

    /* Components with two or more organisations, numbered by their first
     * organisation (the order of the input). */
    g->comp = malloc((norg ? norg : 1) * sizeof *g->comp);
    uint32_t *rootid = malloc((norg ? norg : 1) * sizeof *rootid);
    uint32_t *count = calloc(norg ? norg : 1, sizeof *count);
    if (g->comp == NULL || rootid == NULL || count == NULL) {
        free(rootid);
        free(count);
        return RG_NOMEM;
    }
    for (size_t i = 0; i < norg; i++) {
        rootid[i] = RG_NONE;
        count[find(g->parent, (uint32_t)i)]++;
    }
    for (size_t i = 0; i < norg; i++) {
        uint32_t r = find(g->parent, (uint32_t)i);
        if (count[r] < 2) {
            g->comp[i] = RG_NONE;
            continue;
        }
        if (rootid[r] == RG_NONE)
            rootid[r] = (uint32_t)g->ncomp++;
        g->comp[i] = rootid[r];
    }
    free(rootid);
    free(count);
    g->comp_off = calloc(g->ncomp + 1, sizeof *g->comp_off);
    g->comp_org = malloc((norg ? norg : 1) * sizeof *g->comp_org);
    if (g->comp_off == NULL || g->comp_org == NULL)
        return RG_NOMEM;
    for (size_t i = 0; i < norg; i++)
        if (g->comp[i] != RG_NONE)
            g->comp_off[g->comp[i] + 1]++;
    for (size_t c = 0; c < g->ncomp; c++)
        g->comp_off[c + 1] += g->comp_off[c];
    uint32_t *fill = malloc((g->ncomp + 1) * sizeof *fill);
    if (fill == NULL)
        return RG_NOMEM;
    memcpy(fill, g->comp_off, (g->ncomp + 1) * sizeof *fill);
    for (size_t i = 0; i < norg; i++)
        if (g->comp[i] != RG_NONE)
            g->comp_org[fill[g->comp[i]]++] = (uint32_t)i;
    free(fill);

    /* Organisation -> its links, for the evidence search. */
    g->org_off = calloc(norg + 1, sizeof *g->org_off);
    g->org_link = malloc((nm ? nm : 1) * sizeof *g->org_link);
    if (g->org_off == NULL || g->org_link == NULL)
        return RG_NOMEM;
    for (size_t i = 0; i < nm; i++)
        g->org_off[g->link_mem[i].org + 1]++;
    for (size_t i = 0; i < norg; i++)
        g->org_off[i + 1] += g->org_off[i];
    fill = malloc((norg + 1) * sizeof *fill);
    if (fill == NULL)
        return RG_NOMEM;
    memcpy(fill, g->org_off, (norg + 1) * sizeof *fill);
    for (size_t l = 0; l < g->nlinks; l++)
        for (uint32_t x = g->link_off[l]; x < g->link_off[l + 1]; x++)
            g->org_link[fill[g->link_mem[x].org]++] = (uint32_t)l;
    free(fill);
    return RG_OK;
}

/* ---- lots --------------------------------------------------------------- */

static int cmp_bid(const void *x, const void *y)
{
    const struct rg_bid *a = x, *b = y;
    if (a->lot != b->lot)
        return a->lot < b->lot ? -1 : 1;
    if (a->org != b->org)
        return a->org < b->org ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

struct lotorder {
    const char *date;
    uint32_t first_row;
    uint32_t lot;
};

static int cmp_lotorder(const void *x, const void *y)
{
    const struct lotorder *a = x, *b = y;
    if (a->date != NULL && b->date != NULL) {
        int c = strcmp(a->date, b->date);
        if (c != 0)
            return c;
    } else if (a->date != NULL || b->date != NULL) {
        return a->date != NULL ? -1 : 1; /* dated lots first */
    }
    return (a->first_row > b->first_row) - (a->first_row < b->first_row);
}

static int build_lots(struct relgraph *g)
{
    size_t nl = g->lots.n, norg = g->orgid.n;
    /* One bid per (lot, organisation): the first row. */
    if (g->nbids > 1)
        qsort(g->bids, g->nbids, sizeof *g->bids, cmp_bid);
    size_t k = 0;
    for (size_t i = 0; i < g->nbids; i++)
        if (k == 0 || g->bids[k - 1].lot != g->bids[i].lot || g->bids[k - 1].org != g->bids[i].org)
            g->bids[k++] = g->bids[i];
    g->nbids = k;
    g->lot_off = calloc(nl + 1, sizeof *g->lot_off);
    g->lot_bid = malloc((k ? k : 1) * sizeof *g->lot_bid);
    g->lot_winner = malloc((nl ? nl : 1) * sizeof *g->lot_winner);
    g->lot_rank = malloc((nl ? nl : 1) * sizeof *g->lot_rank);
    struct lotorder *lo = malloc((nl ? nl : 1) * sizeof *lo);
    if (g->lot_off == NULL || g->lot_bid == NULL || g->lot_winner == NULL || g->lot_rank == NULL ||
        lo == NULL) {
        free(lo);
        return RG_NOMEM;
    }
    for (size_t i = 0; i < k; i++)
        g->lot_off[g->bids[i].lot + 1]++;
    for (size_t l = 0; l < nl; l++)
        g->lot_off[l + 1] += g->lot_off[l];
    for (size_t i = 0; i < k; i++)
        g->lot_bid[i] = (uint32_t)i; /* bids are sorted by lot already */
    for (size_t l = 0; l < nl; l++) {
        uint32_t win = RG_NONE, first = UINT32_MAX;
        double best = INFINITY;
        uint32_t best_row = UINT32_MAX;
        for (uint32_t x = g->lot_off[l]; x < g->lot_off[l + 1]; x++) {
            const struct rg_bid *b = &g->bids[x];
            if (b->row < first)
                first = b->row;
            if (g->have_winners) {
                if (b->winner == 1 && (win == RG_NONE || b->row < best_row)) {
                    win = b->org;
                    best_row = b->row;
                }
            } else if (!isnan(b->price) &&
                       (b->price < best || (b->price == best && b->row < best_row))) {
                best = b->price;
                best_row = b->row;
                win = b->org;
            }
        }
        g->lot_winner[l] = win;
        lo[l] = (struct lotorder){g->lotdate != NULL ? g->lotdate[l] : NULL, first, (uint32_t)l};
    }
    qsort(lo, nl, sizeof *lo, cmp_lotorder);
    for (size_t i = 0; i < nl; i++)
        g->lot_rank[lo[i].lot] = (uint32_t)i;
    /* Organisation -> its lots in chronological order. */
    g->org_loff = calloc(norg + 1, sizeof *g->org_loff);
    g->org_lot = malloc((k ? k : 1) * sizeof *g->org_lot);
    uint32_t *fill = malloc((norg + 1) * sizeof *fill);
    if (g->org_loff == NULL || g->org_lot == NULL || fill == NULL) {
        free(lo);
        free(fill);
        return RG_NOMEM;
    }
    for (size_t i = 0; i < k; i++)
        g->org_loff[g->bids[i].org + 1]++;
    for (size_t o = 0; o < norg; o++)
        g->org_loff[o + 1] += g->org_loff[o];
    memcpy(fill, g->org_loff, (norg + 1) * sizeof *fill);
    for (size_t i = 0; i < nl; i++) {
        uint32_t l = lo[i].lot;
        for (uint32_t x = g->lot_off[l]; x < g->lot_off[l + 1]; x++)
            g->org_lot[fill[g->bids[x].org]++] = l;
    }
    free(fill);
    free(lo);
    return RG_OK;
}

/* ---- linked bidders ----------------------------------------------------- */

/* Breadth-first search from `from` over organisations and links, then the
 * links on the shortest chain to each target, appended to *keys (each once).
 * Scratch arrays are the caller's, sized to organisations and links; dist
 * is all RG_NONE and linkseen all 0 on entry and again on return. */
struct bfs {
    uint32_t *dist; /* per organisation */
    uint32_t *via;  /* per organisation: the link it was reached by */
    uint32_t *prev; /* per organisation: the organisation before */
    uint32_t *queue;
    uint8_t *linkseen; /* per link: expanded, or (after the search) on a chain */
    uint32_t *touched; /* links whose linkseen is set */
    size_t ntouched;
};

static int bfs_chain(struct relgraph *g, struct bfs *b, uint32_t from, const uint32_t *targets,
                     size_t nt, uint32_t **keys, size_t *nkeys)
{
    size_t head = 0, tail = 0, found = 0;
    b->dist[from] = 0;
    b->queue[tail++] = from;
    while (head < tail && found < nt && head < RG_MAX_VISIT) {
        uint32_t o = b->queue[head++];
        for (size_t t = 0; t < nt; t++)
            if (targets[t] == o)
                found++;
        for (uint32_t x = g->org_off[o]; x < g->org_off[o + 1]; x++) {
            uint32_t l = g->org_link[x];
            if (b->linkseen[l])
                continue;
            b->linkseen[l] = 1;
            b->touched[b->ntouched++] = l;
            for (uint32_t y = g->link_off[l]; y < g->link_off[l + 1]; y++) {
                uint32_t n = g->link_mem[y].org;
                if (b->dist[n] != RG_NONE)
                    continue;
                b->dist[n] = b->dist[o] + 1;
                b->via[n] = l;
                b->prev[n] = o;
                b->queue[tail++] = n;
            }
        }
    }
    for (size_t i = 0; i < b->ntouched; i++)
        b->linkseen[b->touched[i]] = 0;
    b->ntouched = 0;
    int rc = RG_OK;
    size_t cap = 0;
    for (size_t t = 0; t < nt && rc == RG_OK; t++) {
        uint32_t o = targets[t];
        while (o != from && b->dist[o] != RG_NONE) {
            uint32_t l = b->via[o];
            if (!b->linkseen[l]) {
                if (*nkeys == cap) {
                    size_t nc = cap ? cap * 2 : 8;
                    uint32_t *k = realloc(*keys, nc * sizeof *k);
                    if (k == NULL) {
                        rc = RG_NOMEM;
                        break;
                    }
                    *keys = k;
                    cap = nc;
                }
                (*keys)[(*nkeys)++] = l;
                b->linkseen[l] = 1;
                b->touched[b->ntouched++] = l;
            }
            o = b->prev[o];
        }
    }
    for (size_t i = 0; i < b->ntouched; i++)
        b->linkseen[b->touched[i]] = 0;
    b->ntouched = 0;
    for (size_t i = 0; i < tail; i++)
        b->dist[b->queue[i]] = RG_NONE;
    return rc;
}

struct orgcomp {
    uint32_t comp, org;
};

static int cmp_orgcomp(const void *x, const void *y)
{
    const struct orgcomp *a = x, *b = y;
    if (a->comp != b->comp)
        return a->comp < b->comp ? -1 : 1;
    return (a->org > b->org) - (a->org < b->org);
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

static int linked_bidders(struct relgraph *g)
{
    size_t norg = g->orgid.n, nl = g->lots.n;
    if (g->ncomp == 0)
        return RG_OK;
    struct bfs b = {0};
    b.dist = malloc((norg ? norg : 1) * sizeof *b.dist);
    b.via = malloc((norg ? norg : 1) * sizeof *b.via);
    b.prev = malloc((norg ? norg : 1) * sizeof *b.prev);
    b.queue = malloc((norg ? norg : 1) * sizeof *b.queue);
    b.linkseen = calloc(g->nlinks ? g->nlinks : 1, 1);
    b.touched = malloc((g->nlinks ? g->nlinks : 1) * sizeof *b.touched);
    struct orgcomp *oc = malloc(RG_MAX_LOT * sizeof *oc);
    int rc = RG_OK;
    if (b.dist == NULL || b.via == NULL || b.prev == NULL || b.queue == NULL ||
        b.linkseen == NULL || b.touched == NULL || oc == NULL) {
        rc = RG_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < norg; i++)
        b.dist[i] = RG_NONE;
    for (size_t l = 0; l < nl && rc == RG_OK; l++) {
        size_t m = 0;
        for (uint32_t x = g->lot_off[l]; x < g->lot_off[l + 1] && m < RG_MAX_LOT; x++) {
            uint32_t o = g->bids[x].org;
            if (g->comp[o] != RG_NONE)
                oc[m++] = (struct orgcomp){g->comp[o], o};
        }
        if (m < 2)
            continue;
        qsort(oc, m, sizeof *oc, cmp_orgcomp);
        for (size_t i = 0; i < m && rc == RG_OK;) {
            size_t j = i + 1;
            while (j < m && oc[j].comp == oc[i].comp)
                j++;
            if (j - i >= 2) {
                if (g->nlinked == g->linkedcap) {
                    size_t nc = g->linkedcap ? g->linkedcap * 2 : 64;
                    struct rg_linked *nlk = realloc(g->linked, nc * sizeof *nlk);
                    if (nlk == NULL) {
                        rc = RG_NOMEM;
                        break;
                    }
                    g->linked = nlk;
                    g->linkedcap = nc;
                }
                struct rg_linked *lk = &g->linked[g->nlinked];
                memset(lk, 0, sizeof *lk);
                lk->lot = (uint32_t)l;
                lk->comp = oc[i].comp;
                lk->orgs = malloc((j - i) * sizeof *lk->orgs);
                if (lk->orgs == NULL) {
                    rc = RG_NOMEM;
                    break;
                }
                for (size_t x = i; x < j; x++)
                    lk->orgs[lk->norgs++] = oc[x].org;
                g->nlinked++;
                rc = bfs_chain(g, &b, lk->orgs[0], lk->orgs + 1, lk->norgs - 1, &lk->keys,
                               &lk->nkeys);
                if (lk->nkeys > 1)
                    qsort(lk->keys, lk->nkeys, sizeof *lk->keys, cmp_u32);
            }
            i = j;
        }
    }
out:
    free(b.dist);
    free(b.via);
    free(b.prev);
    free(b.queue);
    free(b.linkseen);
    free(b.touched);
    free(oc);
    return rc;
}

int rg_analyse(struct relgraph *g)
{
    if (g->analysed)
        return RG_BAD_PARAMS;
    g->analysed = true;
    int rc = build_links(g);
    if (rc == RG_OK)
        rc = build_lots(g);
    if (rc == RG_OK)
        rc = linked_bidders(g);
    if (rc == RG_OK)
        rc = rg_analyse_bids(g);
    return rc;
}

void rg_stats(const struct relgraph *g, struct rg_stats *st)
{
    memset(st, 0, sizeof *st);
    st->orgs = g->orgid.n;
    st->people = g->people_rows;
    st->contacts = g->contact_rows;
    st->bids = g->nbids;
    st->lots = g->lots.n;
    st->links = g->nlinks;
    st->hubs = g->nhubs;
    st->components = g->ncomp;
    st->linked_lots = g->nlinked;
    st->cobid_pairs = g->ncobid;
    st->rotations = g->nrot;
    st->covers = g->ncover;
    st->groups_tried = g->groups_tried;
    st->covers_tested = g->covers_tested;
    st->rotation_threshold = g->rot_threshold;
    st->cover_threshold = g->cover_threshold;
    st->have_prices = g->have_prices;
    st->have_winners = g->have_winners;
}

int rg_component_of(const struct relgraph *g, const char *org)
{
    uint32_t o = rg_lookup(&g->orgid, org, strlen(org));
    if (o == RG_NONE || g->comp == NULL || g->comp[o] == RG_NONE)
        return -1;
    return (int)g->comp[o];
}

size_t rg_rotation_count(const struct relgraph *g)
{
    return g->nrot;
}

size_t rg_rotation_members(const struct relgraph *g, size_t i, const char **ids, size_t max)
{
    if (i >= g->nrot)
        return 0;
    size_t n = 0;
    for (size_t x = 0; x < g->rot[i].norgs && n < max; x++)
        ids[n++] = g->orgid.s[g->rot[i].orgs[x]];
    return n;
}

size_t rg_cover_count(const struct relgraph *g)
{
    return g->ncover;
}

const char *rg_cover_org(const struct relgraph *g, size_t i)
{
    return i < g->ncover ? g->orgid.s[g->cover[i].org] : NULL;
}

const char *rg_cover_beneficiary(const struct relgraph *g, size_t i)
{
    if (i >= g->ncover || g->cover[i].beneficiary == RG_NONE)
        return NULL;
    return g->orgid.s[g->cover[i].beneficiary];
}
