/*
 * api/audit.c — GET /api/audit?limit&cursor (admin, supervisor): the audit
 * trail, newest first. Read-only: no route writes or edits it.
 */
#include "api/api.h"

void api_audit_list(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct page pg;
    struct jsonw w;
    int limit;
    int64_t before, unused;
    if (!api_page_args(req, res, &limit, &before, &unused))
        return;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_audit_list(tx, req->arena, before, limit, &pg);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    struct audit_entry *e = pg.items;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "id", e[i].id);
        jsonw_kint(&w, "at_ms", e[i].at_ms);
        jsonw_kstr(&w, "actor", e[i].actor);
        jsonw_key(&w, "actor_user_id");
        if (e[i].actor_user_id)
            jsonw_int(&w, e[i].actor_user_id);
        else
            jsonw_null(&w);
        jsonw_kstr(&w, "remote_addr", e[i].remote_addr);
        jsonw_kstr(&w, "request_id", e[i].request_id);
        jsonw_kstr(&w, "action", e[i].action);
        jsonw_kstr(&w, "object_type", e[i].object_type);
        jsonw_kstr(&w, "object_id", e[i].object_id);
        jsonw_key(&w, "detail");
        if (e[i].detail != NULL)
            jsonw_raw(&w, e[i].detail, strlen(e[i].detail));
        else
            jsonw_null(&w);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    api_write_cursor(&w, pg.more, pg.n ? e[pg.n - 1].id : 0, 0, false);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}
