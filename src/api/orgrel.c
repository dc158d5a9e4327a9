/*
 * api/orgrel.c — relationship records and the tender graph over HTTP
 * (api/orgrel.h). Handlers parse, call domain/orgrel.h and write JSON.
 * A record's source follows from who enters it: a supervisor's is
 * "supervisor", an organisation member's "self", a file's "import".
 */
#include "api/orgrel.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/orgrel.h"

static bool is_supervisor(const struct http_request *req)
{
    return (req->who->roles & ROLE_SUPERVISOR) != 0;
}

enum err api_orgrel_owner(struct http_request *req)
{
    int64_t id = api_param_id(req);
    if (is_supervisor(req))
        return ERR_OK;
    if (id != 0 && req->who->org_id == id && (req->who->roles & ROLE_BIDDER))
        return ERR_OK;
    return ERR_NOT_OWNER;
}

static void write_rel(struct jsonw *w, const struct orgrel_row *r)
{
    char share[32];
    jsonw_obj_begin(w);
    jsonw_kint(w, "id", r->id);
    jsonw_kint(w, "org_id", r->org_id);
    jsonw_kstr(w, "kind", r->kind);
    jsonw_kstr(w, "name", r->name);
    jsonw_kstr(w, "id_number", r->id_number);
    jsonw_kstr(w, "role", r->role);
    jsonw_key(w, "share_pct");
    if (r->share_bp >= 0) {
        int n = snprintf(share, sizeof share, "%lld.%02lld", (long long)(r->share_bp / 100),
                         (long long)(r->share_bp % 100));
        jsonw_raw(w, share, (size_t)n);
    } else {
        jsonw_null(w);
    }
    jsonw_kstr(w, "value", r->value);
    jsonw_kstr(w, "key", r->norm && r->norm[0] ? r->norm : NULL);
    jsonw_kstr(w, "source", r->source);
    jsonw_kint(w, "created_ms", r->created_ms);
    jsonw_obj_end(w);
}

void api_orgrel_list(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct page pg = {0};
    struct org o;
    struct jsonw w;
    int64_t id = api_param_id(req);
    if (id == 0) {
        http_res_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_org_get(tx, req->arena, id, &o);
    if (rc == STORE_OK)
        rc = store_orgrel_list(tx, req->arena, id, ORGREL_MAX_LIST, &pg);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    const struct orgrel_row *R = pg.items;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "org_id", id);
    jsonw_kstr(&w, "org_name", o.name);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++)
        write_rel(&w, &R[i]);
    jsonw_arr_end(&w);
    jsonw_kbool(&w, "more", pg.more);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_orgrel_add(struct http_request *req, struct http_response *res)
{
    struct orgrel_row r = {.share_bp = -1};
    struct actor who = api_actor(req);
    const char *field = NULL;
    struct jsonw w;
    int64_t rid = 0;
    r.org_id = api_param_id(req);
    if (r.org_id == 0) {
        http_res_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "kind", true, 32, &r.kind) &&
              api_field_str(req, res, body, "name", false, 200, &r.name) &&
              api_field_str(req, res, body, "id_number", false, 64, &r.id_number) &&
              api_field_str(req, res, body, "role", false, 100, &r.role) &&
              api_field_str(req, res, body, "value", false, 600, &r.value);
    json_t *sp = json_object_get(body, "share_pct");
    if (ok && sp != NULL && !json_is_null(sp)) {
        double v = json_number_value(sp);
        if (!json_is_number(sp) || !isfinite(v) || v < 0 || v > 100) {
            http_res_error_field(res, ERR_RELATION_INVALID, "share_pct", NULL);
            ok = false;
        } else {
            r.share_bp = (int64_t)llround(v * 100);
        }
    }
    json_decref(body);
    if (!ok)
        return;
    r.source = is_supervisor(req) ? "supervisor" : "self";
    enum err e = orgrel_add(api_app(req)->store, &who, &r, &rid, &field);
    if (e != ERR_OK) {
        api_error(res, e, field);
        return;
    }
    struct store_tx *tx = NULL;
    struct page pg = {0};
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_orgrel_list(tx, req->arena, r.org_id, ORGREL_MAX_LIST, &pg);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    const struct orgrel_row *R = pg.items;
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "relation");
    int found = -1;
    for (int i = 0; i < pg.n; i++)
        if (R[i].id == rid)
            found = i;
    if (found >= 0)
        write_rel(&w, &R[found]);
    else
        jsonw_null(&w); /* deleted in between */
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_orgrel_delete(struct http_request *req, struct http_response *res)
{
    struct actor who = api_actor(req);
    struct jsonw w;
    const char *s = http_param(req, "rid");
    char *end = NULL;
    int64_t org = api_param_id(req);
    errno = 0;
    long long rid = s ? strtoll(s, &end, 10) : 0;
    if (org == 0 || s == NULL || end == s || *end != '\0' || errno != 0 || rid <= 0) {
        http_res_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    enum err e = orgrel_delete(api_app(req)->store, &who, org, (int64_t)rid, !is_supervisor(req));
    if (e != ERR_OK) {
        api_error(res, e, NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "deleted", rid);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_orgrel_import(struct http_request *req, struct http_response *res)
{
    struct actor who = api_actor(req);
    struct jsonw w;
    char msg[300];
    size_t added = 0, skipped = 0;
    enum err e = orgrel_import_csv(api_app(req)->store, &who, req->body ? req->body : "",
                                   req->body_len, &added, &skipped, msg, sizeof msg);
    if (e != ERR_OK) {
        http_res_error(res, e, msg[0] ? msg : NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "added", (int64_t)added);
    jsonw_kint(&w, "skipped", (int64_t)skipped);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_orgrel_graph(struct http_request *req, struct http_response *res)
{
    int64_t id = api_param_id(req);
    if (id == 0) {
        http_res_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    struct buf out;
    buf_init(&out, ORGREL_GRAPH_MAX);
    enum err e = orgrel_tender_graph(api_app(req)->store, id, &out);
    if (e != ERR_OK) {
        http_res_error(res, e, NULL);
        buf_release(&out);
        return;
    }
    res->status = 200;
    buf_reset(&res->body);
    if (buf_append(&res->body, out.data, out.len) != BUF_OK)
        http_res_error(res, ERR_INTERNAL, "the graph is too large");
    buf_release(&out);
}
