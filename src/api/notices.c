/*
 * api/notices.c — GET /api/notices?limit&cursor&category (public): published
 * notices, newest first. The cursor is "published_ms.id" of the last row.
 */
#include "api/api.h"

static bool category_ok(const char *c)
{
    static const char *const known[] = {"works",  "goods",    "services", "land",  "mining",
                                        "assets", "emission", "rural",    "forest"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(c, known[i]) == 0)
            return true;
    return false;
}

void api_notices_list(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct page pg;
    struct jsonw w;
    int limit;
    int64_t before_ms, before_id;
    const char *category = http_query(req, "category");
    if (!api_page_args(req, res, &limit, &before_ms, &before_id))
        return;
    if (category != NULL && *category == '\0')
        category = NULL;
    if (category != NULL && !category_ok(category)) {
        http_res_error_field(res, ERR_INVALID_FIELD, "category", "unknown category");
        return;
    }
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_notice_list(tx, req->arena, category, before_ms, before_id, limit, &pg);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    struct notice *n = pg.items;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "id", n[i].id);
        jsonw_kstr(&w, "kind", n[i].kind);
        jsonw_kstr(&w, "category", n[i].category);
        jsonw_kstr(&w, "title", n[i].title);
        jsonw_kstr(&w, "region", n[i].region);
        jsonw_kstr(&w, "ref_type", n[i].ref_type);
        jsonw_key(&w, "ref_id");
        if (n[i].ref_id)
            jsonw_int(&w, n[i].ref_id);
        else
            jsonw_null(&w);
        jsonw_kint(&w, "published_ms", n[i].published_ms);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    api_write_cursor(&w, pg.more, pg.n ? n[pg.n - 1].published_ms : 0, pg.n ? n[pg.n - 1].id : 0,
                     true);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}
