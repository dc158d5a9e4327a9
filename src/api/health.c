/*
 * api/health.c — GET /api/health, answered on the loop thread (INLINE): it
 * reads nothing but the server's readiness flag, so it must stay cheap.
 */
#include "api/api.h"

void api_health(struct http_request *req, struct http_response *res)
{
    struct app *app = api_app(req);
    struct jsonw w;
    bool ready = app->srv != NULL && http_server_ready(app->srv);
    api_json_begin(res, &w, ready ? 200 : 503);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "status", ready ? "ok" : "unavailable");
    jsonw_kstr(&w, "version", SUNBID_VERSION);
    jsonw_kstr(&w, "store", store_backend(app->store));
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}
