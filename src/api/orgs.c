/*
 * api/orgs.c — organisations.
 *
 *   GET  /api/orgs?limit&cursor   admin, supervisor
 *   POST /api/orgs                admin; 201 with the organisation
 *   GET  /api/orgs/:id            admin, supervisor, or a member of it
 */
#include "api/api.h"

enum err api_orgs_owner(struct http_request *req)
{
    if (req->who->roles & (ROLE_ADMIN | ROLE_SUPERVISOR))
        return ERR_OK;
    int64_t id = api_param_id(req);
    if (id != 0 && req->who->org_id == id)
        return ERR_OK;
    return ERR_NOT_OWNER;
}

void api_orgs_list(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct page pg;
    struct jsonw w;
    int limit;
    int64_t after, unused;
    if (!api_page_args(req, res, &limit, &after, &unused))
        return;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_org_list(tx, req->arena, after, limit, &pg);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    struct org *orgs = pg.items;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++)
        api_write_org(&w, &orgs[i]);
    jsonw_arr_end(&w);
    api_write_cursor(&w, pg.more, pg.n ? orgs[pg.n - 1].id : 0, 0, false);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_orgs_create(struct http_request *req, struct http_response *res)
{
    struct org in = {0}, out;
    struct actor who = api_actor(req);
    struct store_tx *tx = NULL;
    struct jsonw w;
    const char *field = NULL;
    int64_t id = 0;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "name", true, 400, &in.name) &&
              api_field_str(req, res, body, "uscc", true, 64, &in.uscc) &&
              api_field_str(req, res, body, "legal_rep", true, 200, &in.legal_rep) &&
              api_field_str(req, res, body, "contact_name", false, 200, &in.contact_name) &&
              api_field_str(req, res, body, "contact_phone", false, 80, &in.contact_phone) &&
              api_field_str(req, res, body, "contact_email", false, 400, &in.contact_email) &&
              api_field_str(req, res, body, "address", false, 600, &in.address);
    json_decref(body);
    if (!ok)
        return;
    enum err e = org_create(api_app(req)->store, &who, &in, &id, &field);
    if (e != ERR_OK) {
        api_error(res, e, field);
        return;
    }
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_org_get(tx, req->arena, id, &out);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    api_json_begin(res, &w, 201);
    api_write_org(&w, &out);
    api_json_end(res, &w);
    {
        struct buf ev;
        struct jsonw ew;
        buf_init(&ev, 8192);
        jsonw_init(&ew, &ev);
        jsonw_obj_begin(&ew);
        jsonw_kstr(&ew, "action", "org.create");
        jsonw_kint(&ew, "org_id", id);
        jsonw_kstr(&ew, "name", out.name);
        jsonw_kstr(&ew, "actor", who.name);
        jsonw_obj_end(&ew);
        if (jsonw_finish(&ew) == JSONW_OK)
            api_publish(req, "audit", "org.create", &ev);
        buf_release(&ev);
    }
}

void api_orgs_get(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
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
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    api_write_org(&w, &o);
    api_json_end(res, &w);
}
