/*
 * api/cluster.c — GET /api/cluster (admin, supervisor): this node's name,
 * whether the store is shared by several nodes, and the leases this node
 * wants and holds (store/cluster.h). Operators use it to see which node runs
 * the single-writer work; the multi-node tests use it to watch a failover.
 */
#include "api/api.h"

void api_cluster(struct http_request *req, struct http_response *res)
{
    struct app *app = api_app(req);
    char names[CLUSTER_MAX_LEASES][CLUSTER_LEASE_NAME];
    bool held[CLUSTER_MAX_LEASES];
    struct jsonw w;
    int n = 0;
    if (app->cluster != NULL)
        n = cluster_leases(app->cluster, names, held, CLUSTER_MAX_LEASES);
    if (n > CLUSTER_MAX_LEASES)
        n = CLUSTER_MAX_LEASES;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "node", app->cluster ? cluster_node(app->cluster) : NULL);
    jsonw_kstr(&w, "store", store_backend(app->store));
    jsonw_kbool(&w, "shared", app->cluster && cluster_shared(app->cluster));
    jsonw_key(&w, "leases");
    jsonw_arr_begin(&w);
    for (int i = 0; i < n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "name", names[i]);
        jsonw_kbool(&w, "held", held[i]);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}
