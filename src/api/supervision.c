/*
 * api/supervision.c — risk lists, expert-score analysis and leads over HTTP
 * (api/supervision.h has the routes; docs/supervision.md the reference).
 *
 * Supervisors only, by the route table. Handlers parse, call domain/risk.h,
 * domain/leads.h or analytics/expertperm.h, and write JSON; the stored risk
 * analysis is JSON already and is passed through as it is. A recompute
 * that raises a warning publishes it on "supervision" like the watcher.
 * Worker threads.
 */
#include "api/supervision.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/expertperm.h"
#include "domain/risk_sim.h"
#include "base/log.h"
#include "domain/leads.h"
#include "domain/risk.h"
#include "domain/risk_experts.h"
#include "store/leads.h"
#include "store/risk.h"
#include "store/simres.h"

#define API_PACKAGE_MAX ((size_t)256 << 20)

static bool query_i64(struct http_request *req, struct http_response *res, const char *key,
                      int64_t lo, int64_t hi, int64_t *out)
{
    const char *s = http_query(req, key);
    char *end = NULL;
    if (s == NULL || *s == '\0')
        return true;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || v < lo || v > hi) {
        http_res_error_field(res, ERR_INVALID_FIELD, key, NULL);
        return false;
    }
    *out = (int64_t)v;
    return true;
}

static void opt_int(struct jsonw *w, const char *key, int64_t v)
{
    jsonw_key(w, key);
    if (v != 0)
        jsonw_int(w, v);
    else
        jsonw_null(w);
}

static void write_risk(struct jsonw *w, const struct risk_row *r, bool analysis)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "tender_id", r->tender_id);
    jsonw_kstr(w, "code", r->code);
    jsonw_kstr(w, "title", r->title);
    jsonw_kstr(w, "state", r->state);
    jsonw_kint(w, "score", r->score);
    jsonw_kstr(w, "level", r->level);
    jsonw_kint(w, "computed_ms", r->computed_ms);
    opt_int(w, "warned_ms", r->warned_ms);
    if (analysis) {
        jsonw_key(w, "analysis");
        jsonw_raw(w, r->flags, strlen(r->flags));
    }
    jsonw_obj_end(w);
}

void api_sup_risks(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct page pg;
    struct jsonw w;
    int limit;
    int64_t cs, cid, min_score = 0;
    if (!api_page_args(req, res, &limit, &cs, &cid) ||
        !query_i64(req, res, "min_score", 0, 100, &min_score))
        return;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_risk_list(tx, req->arena, min_score, cs, cid, limit, &pg);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    const struct risk_row *r = pg.items;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++)
        write_risk(&w, &r[i], false);
    jsonw_arr_end(&w);
    api_write_cursor(&w, pg.more, pg.n ? r[pg.n - 1].score : 0, pg.n ? r[pg.n - 1].tender_id : 0,
                     true);
    jsonw_kint(&w, "warn_score", RISK_LEVEL_LOW);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_sup_risk_get(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct risk_row r;
    struct jsonw w;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_risk_get(tx, req->arena, api_param_id(req), &r);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc),
                       rc == STORE_NOTFOUND ? "No risk assessment of this tender: its opening is "
                                              "not sealed yet."
                                            : NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "risk");
    write_risk(&w, &r, true);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_sup_risk_recompute(struct http_request *req, struct http_response *res)
{
    bool warn = false;
    struct buf ev;
    buf_init(&ev, 8192);
    enum err e = risk_recompute(api_app(req)->store, api_param_id(req), &warn, &ev);
    if (e == ERR_OK && warn)
        api_publish(req, "supervision", "risk.warning", &ev);
    buf_release(&ev);
    if (e != ERR_OK) {
        http_res_error(res, e,
                       e == ERR_NOT_FOUND ? "The tender has no sealed opening to assess." : NULL);
        return;
    }
    api_sup_risk_get(req, res);
}

/* The favour test's parameters from the query; false after answering 422. */
static bool ep_query(struct http_request *req, struct http_response *res, struct ep_params *p)
{
    int64_t mt = 3, perms = 0, seed = 1, alpha_ppm = 50000;
    ep_params_init(p);
    if (!query_i64(req, res, "min_tenders", 1, 1000000, &mt) ||
        !query_i64(req, res, "permutations", 0, 10000000, &perms) ||
        !query_i64(req, res, "seed", 0, INT64_MAX, &seed) ||
        !query_i64(req, res, "alpha_ppm", 1, 999999, &alpha_ppm))
        return false;
    p->min_tenders = (unsigned)mt;
    p->perms = (unsigned)perms;
    p->seed = (uint64_t)seed;
    p->alpha = (double)alpha_ppm / 1e6;
    return true;
}

void api_sup_experts_stored(struct http_request *req, struct http_response *res)
{
    struct ep_params p;
    if (!ep_query(req, res, &p))
        return;
    buf_reset(&res->body);
    res->body.max = RISK_EXPERTS_JSON_MAX;
    enum err e = risk_experts_bias(api_app(req)->store, &p, &res->body);
    if (e != ERR_OK) {
        buf_reset(&res->body);
        http_res_error(res, e, NULL);
        return;
    }
    res->status = 200;
}

void api_sup_similarity(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct simres_row r;
    struct jsonw w;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_simres_get(tx, req->arena, api_param_id(req), &r);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc),
                       rc == STORE_NOTFOUND ? "No similarity of this tender's bids yet: it is "
                                              "computed once its opening is sealed (POST to "
                                              "compute it now)."
                                            : NULL);
        return;
    }
    res->body.max = RSIM_JSON_MAX + 4096;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "similarity");
    jsonw_raw(&w, r.result, strlen(r.result));
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_sup_similarity_recompute(struct http_request *req, struct http_response *res)
{
    bool warn = false;
    struct buf ev;
    buf_init(&ev, 8192);
    enum err e = risk_recompute(api_app(req)->store, api_param_id(req), &warn, &ev);
    if (e == ERR_OK && warn)
        api_publish(req, "supervision", "risk.warning", &ev);
    buf_release(&ev);
    if (e != ERR_OK) {
        http_res_error(res, e,
                       e == ERR_NOT_FOUND ? "The tender has no sealed opening to compare." : NULL);
        return;
    }
    api_sup_similarity(req, res);
}

void api_sup_experts_bias(struct http_request *req, struct http_response *res)
{
    struct ep_params p;
    struct ep_error err = {0};
    if (!ep_query(req, res, &p))
        return;
    struct expertperm *x = ep_new(&p);
    if (x == NULL) {
        http_res_error(res, ERR_INTERNAL, NULL);
        return;
    }
    int rc = ep_load_csv(x, req->body ? req->body : "", req->body_len, &err);
    if (rc == EP_OK)
        rc = ep_analyse(x, &err);
    if (rc != EP_OK) {
        char msg[300];
        if (err.line > 0)
            snprintf(msg, sizeof msg, "line %zu: %s: %s", err.line, ep_err_code(rc), err.msg);
        else
            snprintf(msg, sizeof msg, "%s: %s", ep_err_code(rc), err.msg);
        http_res_error(res, rc == EP_NOMEM ? ERR_INTERNAL : ERR_SCORES_INVALID, msg);
        ep_free(x);
        return;
    }
    res->status = 200;
    buf_reset(&res->body);
    if (ep_write_json(x, &res->body) != 0)
        http_res_error(res, ERR_INTERNAL, "the report is too large");
    ep_free(x);
}

/* ---- leads ---- */

static void write_lead(struct jsonw *w, const struct lead *l)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "id", l->id);
    jsonw_kint(w, "tender_id", l->tender_id);
    jsonw_kstr(w, "tender_code", l->tender_code);
    jsonw_kstr(w, "tender_title", l->tender_title);
    jsonw_kstr(w, "title", l->title);
    jsonw_kstr(w, "source", l->source);
    jsonw_kstr(w, "status", l->status);
    jsonw_kint(w, "opened_ms", l->opened_ms);
    jsonw_kstr(w, "transferred_to", l->transferred_to);
    jsonw_kstr(w, "transferred_on", l->transferred_on);
    jsonw_kstr(w, "transfer_note", l->transfer_note);
    opt_int(w, "transferred_ms", l->transferred_ms);
    jsonw_kstr(w, "close_reason", l->close_reason);
    opt_int(w, "closed_ms", l->closed_ms);
    jsonw_kint(w, "version", l->version);
    jsonw_obj_end(w);
}

void api_leads_list(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct page pg;
    struct jsonw w;
    int limit;
    int64_t before, unused, tender = 0;
    if (!api_page_args(req, res, &limit, &before, &unused) ||
        !query_i64(req, res, "tender_id", 1, INT64_MAX, &tender))
        return;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_lead_list(tx, req->arena, tender, before, limit, &pg);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    const struct lead *l = pg.items;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++)
        write_lead(&w, &l[i]);
    jsonw_arr_end(&w);
    api_write_cursor(&w, pg.more, pg.n ? l[pg.n - 1].id : 0, 0, false);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_leads_get(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct lead l;
    struct page evs, hist;
    struct jsonw w;
    int64_t id = api_param_id(req);
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_lead_get(tx, req->arena, id, &l);
    if (rc == STORE_OK)
        rc = store_lead_evidence_list(tx, req->arena, id, LEAD_FILES_MAX, &evs);
    if (rc == STORE_OK)
        rc = store_lead_history(tx, req->arena, id, 1000, &hist);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "lead");
    write_lead(&w, &l);
    jsonw_key(&w, "evidence");
    jsonw_arr_begin(&w);
    const struct lead_evidence *e = evs.items;
    for (int i = 0; i < evs.n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "id", e[i].id);
        jsonw_kstr(&w, "kind", e[i].kind);
        /* a note's text; a snapshot is in the package */
        jsonw_kstr(&w, "text", strcmp(e[i].kind, "note") == 0 ? e[i].body : NULL);
        jsonw_kstr(&w, "name", e[i].name);
        jsonw_kstr(&w, "media_type", e[i].media_type);
        jsonw_kstr(&w, "sha256", e[i].sha256);
        jsonw_kint(&w, "size", e[i].size);
        jsonw_kint(&w, "added_ms", e[i].added_ms);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "history");
    jsonw_arr_begin(&w);
    const struct audit_entry *h = hist.items;
    for (int i = 0; i < hist.n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "at_ms", h[i].at_ms);
        jsonw_kstr(&w, "actor", h[i].actor);
        jsonw_kstr(&w, "action", h[i].action);
        jsonw_key(&w, "detail");
        if (h[i].detail != NULL)
            jsonw_raw(&w, h[i].detail, strlen(h[i].detail));
        else
            jsonw_null(&w);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

/* Answers a lead step: 200 (or 201) with the lead as it is now. */
static void answer_lead(struct http_request *req, struct http_response *res, enum err e,
                        const char *field, int64_t id, int status, int64_t evidence_id)
{
    struct store_tx *tx = NULL;
    struct lead l;
    struct jsonw w;
    if (e != ERR_OK) {
        api_error(res, e, field);
        return;
    }
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_lead_get(tx, req->arena, id, &l);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    api_json_begin(res, &w, status);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "lead");
    write_lead(&w, &l);
    if (evidence_id)
        jsonw_kint(&w, "evidence_id", evidence_id);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_leads_open(struct http_request *req, struct http_response *res)
{
    const char *title = NULL, *source = NULL, *field = NULL;
    int64_t tender = 0, id = 0;
    json_t *b = api_body(req, res);
    if (b == NULL)
        return;
    bool ok = api_field_int(req, res, b, "tender_id", true, &tender) &&
              api_field_str(req, res, b, "title", true, LEAD_TITLE_MAX, &title) &&
              api_field_str(req, res, b, "source", false, 16, &source);
    if (ok) {
        struct actor who = api_actor(req);
        enum err e = lead_open(api_app(req)->store, &who, tender, title, source, &id, &field);
        answer_lead(req, res, e, field, id, 201, 0);
    }
    json_decref(b);
}

void api_leads_note(struct http_request *req, struct http_response *res)
{
    const char *text = NULL, *field = NULL;
    int64_t eid = 0, id = api_param_id(req);
    json_t *b = api_body(req, res);
    if (b == NULL)
        return;
    if (api_field_str(req, res, b, "text", true, LEAD_TEXT_MAX, &text)) {
        struct actor who = api_actor(req);
        enum err e = lead_attach(api_app(req)->store, &who, id, "note", text, NULL, NULL, NULL, 0,
                                 &eid, &field);
        answer_lead(req, res, e, field, id, 201, eid);
    }
    json_decref(b);
}

void api_leads_flags(struct http_request *req, struct http_response *res)
{
    const char *field = NULL;
    int64_t eid = 0, id = api_param_id(req);
    struct actor who = api_actor(req);
    enum err e = lead_attach(api_app(req)->store, &who, id, "flags", NULL, NULL, NULL, NULL, 0,
                             &eid, &field);
    answer_lead(req, res, e, field, id, 201, eid);
}

void api_leads_file(struct http_request *req, struct http_response *res)
{
    const char *field = NULL;
    int64_t eid = 0, id = api_param_id(req);
    struct actor who = api_actor(req);
    const char *type = http_query(req, "type");
    if (type == NULL)
        type = http_header(req, "content-type");
    enum err e = lead_attach(api_app(req)->store, &who, id, "file", NULL, http_query(req, "name"),
                             type, req->body, req->body_len, &eid, &field);
    answer_lead(req, res, e, field, id, 201, eid);
}

void api_leads_transfer(struct http_request *req, struct http_response *res)
{
    const char *to = NULL, *on = NULL, *note = NULL, *field = NULL;
    int64_t id = api_param_id(req);
    json_t *b = api_body(req, res);
    if (b == NULL)
        return;
    if (api_field_str(req, res, b, "to", true, LEAD_BODY_MAX, &to) &&
        api_field_str(req, res, b, "on", true, 10, &on) &&
        api_field_str(req, res, b, "note", false, LEAD_TEXT_MAX, &note)) {
        struct actor who = api_actor(req);
        enum err e = lead_transfer(api_app(req)->store, &who, id, to, on, note, &field);
        answer_lead(req, res, e, field, id, 200, 0);
    }
    json_decref(b);
}

void api_leads_close(struct http_request *req, struct http_response *res)
{
    const char *reason = NULL, *field = NULL;
    int64_t id = api_param_id(req);
    json_t *b = api_body(req, res);
    if (b == NULL)
        return;
    if (api_field_str(req, res, b, "reason", true, LEAD_TEXT_MAX, &reason)) {
        struct actor who = api_actor(req);
        enum err e = lead_close(api_app(req)->store, &who, id, reason, &field);
        answer_lead(req, res, e, field, id, 200, 0);
    }
    json_decref(b);
}

void api_leads_package(struct http_request *req, struct http_response *res)
{
    char name[64], cd[128];
    buf_reset(&res->body);
    res->body.max = API_PACKAGE_MAX;
    enum err e = lead_package(api_app(req)->store, api_param_id(req), &res->body, name);
    if (e != ERR_OK) {
        res->body.max = (size_t)16 << 20;
        http_res_error(res, e, NULL);
        return;
    }
    res->status = 200;
    res->content_type = "application/zip";
    snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", name);
    http_res_header(res, "Content-Disposition", cd);
    http_res_header(res, "Cache-Control", "no-store");
}
