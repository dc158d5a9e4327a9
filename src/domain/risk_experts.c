/*
 * domain/risk_experts.c — the favour test over the stored expert scores
 * (risk_experts.h).
 *
 * Owns: turning stored rows into expertperm ids ("E<experts.id>" for a pool
 * expert, "M<member id>" for a member added by hand; tender and firm ids as
 * decimal text) and collecting the names the report's ids stand for.
 * Threads: the caller's.
 */
#include "domain/risk_experts.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonw.h"
#include "domain/accounts.h"
#include "store/simres.h"

struct collect {
    struct expertperm *x;
    json_t *tenders, *experts, *firms; /* id -> name(s) */
    size_t rows;
    int64_t last_tender;
    size_t evaluations;
    int rc; /* ep_err of the first failed ep_add */
};

static int on_score(const struct simres_score *s, void *ud)
{
    struct collect *c = ud;
    char t[24], e[24], f[24];
    snprintf(t, sizeof t, "%lld", (long long)s->tender_id);
    if (s->expert_id > 0)
        snprintf(e, sizeof e, "E%lld", (long long)s->expert_id);
    else
        snprintf(e, sizeof e, "M%lld", (long long)s->member_id);
    snprintf(f, sizeof f, "%lld", (long long)s->org_id);
    c->rc = ep_add(c->x, t, e, f, (double)s->centi / 100.0);
    if (c->rc != EP_OK)
        return 1;
    c->rows++;
    if (s->tender_id != c->last_tender) {
        c->evaluations++;
        c->last_tender = s->tender_id;
    }
    if (json_object_get(c->tenders, t) == NULL)
        json_object_set_new(
            c->tenders, t,
            json_pack("{s:s?,s:s?}", "code", s->tender_code, "title", s->tender_title));
    if (json_object_get(c->experts, e) == NULL)
        json_object_set_new(c->experts, e, json_string(s->expert_name ? s->expert_name : ""));
    if (json_object_get(c->firms, f) == NULL)
        json_object_set_new(c->firms, f, json_string(s->org_name ? s->org_name : ""));
    return 0;
}

enum err risk_experts_bias(struct store *s, const struct ep_params *p, struct buf *out)
{
    struct store_tx *tx = NULL;
    struct collect c = {0};
    struct buf rep;
    struct ep_error eerr = {0};
    enum err e = ERR_OK;
    buf_init(&rep, RISK_EXPERTS_JSON_MAX);
    c.x = ep_new(p);
    c.tenders = json_object();
    c.experts = json_object();
    c.firms = json_object();
    if (c.x == NULL || c.tenders == NULL || c.experts == NULL || c.firms == NULL) {
        e = ERR_INTERNAL;
        goto out;
    }
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_simres_scores(tx, on_score, &c);
    store_rollback(tx);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    if (c.rc != EP_OK || ep_analyse(c.x, &eerr) != EP_OK || ep_write_json(c.x, &rep) != 0) {
        e = ERR_INTERNAL; /* the store's rows are unique and valid: only memory fails here */
        goto out;
    }
    char *names = NULL;
    json_t *nm =
        json_pack("{s:O,s:O,s:O}", "tenders", c.tenders, "experts", c.experts, "firms", c.firms);
    if (nm != NULL)
        names = json_dumps(nm, JSON_COMPACT);
    json_decref(nm);
    if (names == NULL) {
        e = ERR_INTERNAL;
        goto out;
    }
    struct jsonw w;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "source");
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "evaluations", (int64_t)c.evaluations);
    jsonw_kint(&w, "scores", (int64_t)c.rows);
    jsonw_obj_end(&w);
    jsonw_key(&w, "report");
    jsonw_raw(&w, rep.data, rep.len);
    jsonw_key(&w, "names");
    jsonw_raw(&w, names, strlen(names));
    jsonw_obj_end(&w);
    free(names);
    if (jsonw_finish(&w) != 0)
        e = ERR_INTERNAL;
out:
    ep_free(c.x);
    json_decref(c.tenders);
    json_decref(c.experts);
    json_decref(c.firms);
    buf_release(&rep);
    return e;
}
