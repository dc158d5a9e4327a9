/*
 * api/certs.c — the trusted CAs and CRLs (admin) and organisations'
 * certificates (bidders), see api/bids.h for the routes and
 * domain/trust.h, domain/orgcert.h for the rules. Worker threads.
 */
#include "api/bids.h"

#include "base/log.h"

static struct bid_service *svc_of(struct http_request *req, struct http_response *res)
{
    struct bid_service *svc = api_app(req)->bids;
    if (svc == NULL)
        http_res_error(res, ERR_INTERNAL, "sealed bids are not set up on this server");
    return svc;
}

/* ---- trusted CAs ---- */

static void write_trust_item(struct jsonw *w, const struct trust_item *t)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "id", t->id);
    jsonw_kstr(w, "kind", t->kind);
    jsonw_kstr(w, "fingerprint", t->fingerprint);
    jsonw_kstr(w, "subject", t->subject);
    if (t->not_after_ms > 0)
        jsonw_kint(w, "not_after_ms", t->not_after_ms);
    jsonw_kint(w, "added_ms", t->added_ms);
    jsonw_obj_end(w);
}

void api_trust_list(struct http_request *req, struct http_response *res)
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
        rc = store_trust_list(tx, req->arena, false, after, limit, &pg);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    const struct trust_item *items = pg.items;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++)
        write_trust_item(&w, &items[i]);
    jsonw_arr_end(&w);
    api_write_cursor(&w, pg.more, pg.n ? items[pg.n - 1].id : 0, 0, false);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_trust_add(struct http_request *req, struct http_response *res)
{
    struct trust_added added[TRUST_ADD_MAX];
    struct actor who = api_actor(req);
    struct jsonw w;
    char msg[320];
    int n = 0;
    enum err e =
        trust_add(api_app(req)->store, &who, req->body, req->body_len, added, &n, msg, sizeof(msg));
    if (e != ERR_OK) {
        http_res_error_field(res, e, "body", msg[0] ? msg : NULL);
        return;
    }
    bool any = false;
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "id", added[i].id);
        jsonw_kstr(&w, "kind", added[i].kind);
        jsonw_kstr(&w, "fingerprint", added[i].fingerprint);
        jsonw_kstr(&w, "subject", added[i].subject);
        if (added[i].not_after_ms > 0)
            jsonw_kint(&w, "not_after_ms", added[i].not_after_ms);
        jsonw_kbool(&w, "existed", added[i].existed);
        jsonw_obj_end(&w);
        any = any || !added[i].existed;
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    res->status = any ? 201 : 200;
    api_json_end(res, &w);
}

void api_trust_remove(struct http_request *req, struct http_response *res)
{
    struct actor who = api_actor(req);
    struct jsonw w;
    int64_t id = api_param_id(req);
    enum err e = trust_remove(api_app(req)->store, &who, id);
    if (e != ERR_OK) {
        api_error(res, e, e == ERR_NOT_FOUND ? "id" : NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "id", id);
    jsonw_kbool(&w, "removed", true);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

/* ---- organisations' certificates ---- */

static void write_cert(struct jsonw *w, const struct org_cert *c)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "id", c->id);
    jsonw_kstr(w, "usage", c->usage);
    jsonw_kstr(w, "status", c->status);
    jsonw_kstr(w, "fingerprint", c->fingerprint);
    jsonw_kstr(w, "subject", c->subject);
    jsonw_kstr(w, "issuer", c->issuer);
    jsonw_kstr(w, "serial", c->serial);
    jsonw_kstr(w, "key_alg", c->key_alg);
    if (c->uscc != NULL)
        jsonw_kstr(w, "uscc", c->uscc);
    jsonw_kint(w, "not_before_ms", c->not_before_ms);
    jsonw_kint(w, "not_after_ms", c->not_after_ms);
    jsonw_kint(w, "registered_ms", c->registered_ms);
    if (c->replaced_ms > 0)
        jsonw_kint(w, "replaced_ms", c->replaced_ms);
    jsonw_obj_end(w);
}

static void certs_answer(struct http_request *req, struct http_response *res, int64_t org_id,
                         int status)
{
    struct store_tx *tx = NULL;
    struct page pg;
    struct jsonw w;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_org_cert_list(tx, req->arena, org_id, 100, &pg);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    const struct org_cert *items = pg.items;
    api_json_begin(res, &w, status);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++)
        write_cert(&w, &items[i]);
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_org_certs_list(struct http_request *req, struct http_response *res)
{
    int64_t id = api_param_id(req);
    if (id <= 0) {
        api_error(res, ERR_NOT_FOUND, "id");
        return;
    }
    certs_answer(req, res, id, 200);
}

void api_org_certs_register(struct http_request *req, struct http_response *res)
{
    struct bid_service *svc = svc_of(req, res);
    struct actor who = api_actor(req);
    struct orgcert_result out;
    const char *sign = NULL, *enc = NULL;
    int64_t id = api_param_id(req);
    if (svc == NULL)
        return;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "sign", true, ORGCERT_MAX_PEM, &sign) &&
              api_field_str(req, res, body, "encrypt", true, ORGCERT_MAX_PEM, &enc);
    json_decref(body);
    if (!ok)
        return;
    enum err e = orgcert_register(api_app(req)->store, svc->trust, &who, id, sign, strlen(sign),
                                  enc, strlen(enc), &out);
    if (e != ERR_OK) {
        const char *msg = out.check.message[0] ? out.check.message : NULL;
        http_res_error_field(res, e, "certificate", msg);
        return;
    }
    certs_answer(req, res, id, 201);
}
