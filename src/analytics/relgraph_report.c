/*
 * relgraph_report.c — the relationship report as JSON (docs/graph.md, "The
 * report"). Organisations are named by their ids from the files; every flag
 * carries its evidence (the shared keys, the lots, the winners). The output
 * depends only on the inputs and the parameters.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analytics/relgraph_internal.h"
#include "base/jsonw.h"

#define RG_SHOW_LINKS 100000 /* links listed; stats.links counts them all */

static void put_num(struct jsonw *w, const char *key, double v)
{
    char tmp[40];
    jsonw_key(w, key);
    if (!isfinite(v)) {
        jsonw_null(w);
        return;
    }
    int n = snprintf(tmp, sizeof tmp, "%.6g", v);
    jsonw_raw(w, tmp, (size_t)n);
}

static const char *org_id(const struct relgraph *g, uint32_t o)
{
    return g->orgid.s[o];
}

static void put_roles(struct jsonw *w, uint8_t roles)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } names[] = {{ROLE_LEGAL_REP, "legal_rep"},
                 {ROLE_SHAREHOLDER, "shareholder"},
                 {ROLE_MANAGER, "manager"},
                 {ROLE_KEY_STAFF, "key_staff"},
                 {ROLE_OTHER, "other"}};
    jsonw_key(w, "roles");
    jsonw_arr_begin(w);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (roles & names[i].bit)
            jsonw_str(w, names[i].name);
    jsonw_arr_end(w);
}

/* One link (a linking key): its kind, value, and the organisations. */
static void put_link(const struct relgraph *g, struct jsonw *w, uint32_t l)
{
    uint32_t key = g->link_key[l];
    const char *k = g->keys.s[key];
    enum rg_kind kind = (enum rg_kind)(k[0] - '0');
    jsonw_obj_begin(w);
    jsonw_kstr(w, "kind", rg_kind_name(kind));
    jsonw_kint(w, "component", g->comp[g->link_mem[g->link_off[l]].org]);
    if (kind == RK_PERSON) {
        /* "i:ID" or "n:name" */
        jsonw_kstr(w, "value", k + 3);
        jsonw_kbool(w, "by_name", k[1] == 'n');
        jsonw_kstr(w, "name", g->keylabel != NULL && key < g->labelcap ? g->keylabel[key] : NULL);
    } else {
        jsonw_kstr(w, "value", k + 1);
    }
    jsonw_key(w, "orgs");
    jsonw_arr_begin(w);
    for (uint32_t x = g->link_off[l]; x < g->link_off[l + 1]; x++) {
        const struct rg_member *m = &g->link_mem[x];
        if (kind == RK_PERSON) {
            jsonw_obj_begin(w);
            jsonw_kstr(w, "org", org_id(g, m->org));
            put_roles(w, m->roles);
            jsonw_obj_end(w);
        } else {
            jsonw_str(w, org_id(g, m->org));
        }
    }
    jsonw_arr_end(w);
    jsonw_obj_end(w);
}

static void put_lot(const struct relgraph *g, struct jsonw *w, uint32_t l)
{
    const char *k = g->lots.s[l];
    const char *sep = strchr(k, '\x1f');
    jsonw_key(w, "tender");
    jsonw_strn(w, k, sep != NULL ? (size_t)(sep - k) : strlen(k));
    jsonw_kstr(w, "lot", sep != NULL ? sep + 1 : "");
    if (g->lotdate != NULL && l < g->datecap && g->lotdate[l] != NULL)
        jsonw_kstr(w, "date", g->lotdate[l]);
}

static void write_params(const struct relgraph *g, struct jsonw *w)
{
    const struct rg_params *p = &g->p;
    jsonw_key(w, "params");
    jsonw_obj_begin(w);
    jsonw_kint(w, "max_share", p->max_share);
    jsonw_kbool(w, "match_names", p->match_names);
    jsonw_kint(w, "min_cobids", p->min_cobids);
    put_num(w, "min_co_ratio", p->min_co_ratio);
    jsonw_kint(w, "min_lots", p->min_lots);
    put_num(w, "min_capture", p->min_capture);
    put_num(w, "min_evenness", p->min_evenness);
    jsonw_kint(w, "max_group", p->max_group);
    jsonw_kint(w, "min_cover_bids", p->min_cover_bids);
    put_num(w, "min_cover_rank", p->min_cover_rank);
    put_num(w, "alpha", p->alpha);
    jsonw_obj_end(w);
}

int rg_write_json(const struct relgraph *g, struct buf *out)
{
    struct jsonw w;
    struct rg_stats st;
    rg_stats(g, &st);
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "version", 1);
    write_params(g, &w);
    jsonw_key(&w, "stats");
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "orgs", (int64_t)st.orgs);
    jsonw_kint(&w, "people_rows", (int64_t)st.people);
    jsonw_kint(&w, "contact_rows", (int64_t)st.contacts);
    jsonw_kint(&w, "bids", (int64_t)st.bids);
    jsonw_kint(&w, "lots", (int64_t)st.lots);
    jsonw_kint(&w, "links", (int64_t)st.links);
    jsonw_kint(&w, "hubs", (int64_t)st.hubs);
    jsonw_kint(&w, "components", (int64_t)st.components);
    jsonw_kint(&w, "linked_lots", (int64_t)st.linked_lots);
    jsonw_kint(&w, "cobid_pairs", (int64_t)st.cobid_pairs);
    jsonw_kint(&w, "rotation_tests", (int64_t)st.groups_tried);
    put_num(&w, "rotation_threshold", st.rotation_threshold);
    jsonw_kint(&w, "cover_tests", (int64_t)st.covers_tested);
    put_num(&w, "cover_threshold", st.cover_threshold);
    jsonw_kint(&w, "rotations", (int64_t)st.rotations);
    jsonw_kint(&w, "covers", (int64_t)st.covers);
    jsonw_kbool(&w, "have_prices", st.have_prices);
    jsonw_kbool(&w, "have_winners", st.have_winners);
    jsonw_obj_end(&w);

    /* Components, each with its organisations and the links inside it. */
    jsonw_key(&w, "components");
    jsonw_arr_begin(&w);
    for (size_t c = 0; c < g->ncomp; c++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "id", (int64_t)c);
        jsonw_key(&w, "orgs");
        jsonw_arr_begin(&w);
        for (uint32_t x = g->comp_off[c]; x < g->comp_off[c + 1]; x++) {
            uint32_t o = g->comp_org[x];
            jsonw_obj_begin(&w);
            jsonw_kstr(&w, "id", org_id(g, o));
            jsonw_kstr(&w, "name", o < g->namecap ? g->orgname[o] : NULL);
            jsonw_obj_end(&w);
        }
        jsonw_arr_end(&w);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);

    /* Every link (in key order), with its component. */
    jsonw_key(&w, "links");
    jsonw_arr_begin(&w);
    for (size_t l = 0; l < g->nlinks && l < RG_SHOW_LINKS; l++)
        put_link(g, &w, (uint32_t)l);
    jsonw_arr_end(&w);

    jsonw_key(&w, "hubs");
    jsonw_arr_begin(&w);
    for (size_t h = 0; h < g->nhubs; h++) {
        const char *k = g->keys.s[g->hub_key[h]];
        enum rg_kind kind = (enum rg_kind)(k[0] - '0');
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "kind", rg_kind_name(kind));
        jsonw_kstr(&w, "value", kind == RK_PERSON ? k + 3 : k + 1);
        jsonw_kint(&w, "orgs", g->hub_count[h]);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);

    jsonw_key(&w, "linked_bidders");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < g->nlinked; i++) {
        const struct rg_linked *lk = &g->linked[i];
        jsonw_obj_begin(&w);
        put_lot(g, &w, lk->lot);
        jsonw_kint(&w, "component", lk->comp);
        jsonw_key(&w, "orgs");
        jsonw_arr_begin(&w);
        for (size_t x = 0; x < lk->norgs; x++)
            jsonw_str(&w, org_id(g, lk->orgs[x]));
        jsonw_arr_end(&w);
        jsonw_key(&w, "evidence");
        jsonw_arr_begin(&w);
        for (size_t x = 0; x < lk->nkeys; x++)
            put_link(g, &w, lk->keys[x]);
        jsonw_arr_end(&w);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);

    jsonw_key(&w, "co_bidding");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < g->ncobid && i < g->p.max_pairs_shown; i++) {
        const struct rg_cobid *c = &g->cobid[i];
        uint32_t na = g->org_loff[c->a + 1] - g->org_loff[c->a];
        uint32_t nb = g->org_loff[c->b + 1] - g->org_loff[c->b];
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "a", org_id(g, c->a));
        jsonw_kstr(&w, "b", org_id(g, c->b));
        jsonw_kint(&w, "together", c->together);
        jsonw_kint(&w, "bids_a", na);
        jsonw_kint(&w, "bids_b", nb);
        put_num(&w, "ratio", (double)c->together / (double)(na < nb ? na : nb));
        jsonw_kbool(&w, "linked", g->comp[c->a] != RG_NONE && g->comp[c->a] == g->comp[c->b]);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);

    jsonw_key(&w, "rotation");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < g->nrot; i++) {
        const struct rg_rotation *r = &g->rot[i];
        jsonw_obj_begin(&w);
        jsonw_key(&w, "orgs");
        jsonw_arr_begin(&w);
        for (size_t x = 0; x < r->norgs; x++)
            jsonw_str(&w, org_id(g, r->orgs[x]));
        jsonw_arr_end(&w);
        jsonw_key(&w, "wins");
        jsonw_obj_begin(&w);
        for (size_t x = 0; x < r->norgs; x++)
            jsonw_kint(&w, org_id(g, r->orgs[x]), r->wins[x]);
        jsonw_obj_end(&w);
        jsonw_kint(&w, "lots", (int64_t)r->lots);
        put_num(&w, "capture", r->capture);
        put_num(&w, "expected_capture", r->expected);
        put_num(&w, "p_value", r->p);
        put_num(&w, "evenness", r->evenness);
        put_num(&w, "switch_rate", r->switch_rate);
        put_num(&w, "expected_switch_rate", r->expected_switch);
        jsonw_kbool(&w, "linked", r->linked);
        jsonw_key(&w, "sequence");
        jsonw_arr_begin(&w);
        for (size_t x = 0; x < r->nseq; x++) {
            jsonw_obj_begin(&w);
            put_lot(g, &w, r->seq[x].lot);
            jsonw_kstr(&w, "winner", org_id(g, r->seq[x].winner));
            jsonw_obj_end(&w);
        }
        jsonw_arr_end(&w);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);

    jsonw_key(&w, "cover_bidding");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < g->ncover; i++) {
        const struct rg_cover *c = &g->cover[i];
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "org", org_id(g, c->org));
        jsonw_kint(&w, "bids", c->bids);
        jsonw_kint(&w, "wins", c->wins);
        put_num(&w, "mean_rank", c->mean_rank);
        put_num(&w, "p_value", c->p);
        jsonw_kstr(&w, "beneficiary", c->beneficiary != RG_NONE ? org_id(g, c->beneficiary) : NULL);
        jsonw_kint(&w, "beneficiary_wins", c->beneficiary_wins);
        jsonw_kbool(&w, "linked_to_beneficiary", c->linked);
        jsonw_key(&w, "lots");
        jsonw_arr_begin(&w);
        for (size_t x = 0; x < c->nlots && x < RG_MAX_SEQUENCE; x++) {
            uint32_t l = c->lots[x];
            jsonw_obj_begin(&w);
            put_lot(g, &w, l);
            jsonw_kstr(&w, "winner", org_id(g, g->lot_winner[l]));
            jsonw_obj_end(&w);
        }
        jsonw_arr_end(&w);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    return jsonw_finish(&w) == JSONW_OK ? RG_OK : RG_NOMEM;
}
