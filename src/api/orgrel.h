/*
 * api/orgrel.h — organisations' relationship records and the tender graph
 * over HTTP (api/orgrel.c; docs/supervision.md, "Relationship records and
 * the tender graph").
 *
 *   GET    /api/orgs/:id/relations           admin, supervisor, a member
 *   POST   /api/orgs/:id/relations           a bidder of it ("self"), a supervisor
 *          {"kind","name","id_number","role","share_pct","value"}   201
 *   DELETE /api/orgs/:id/relations/:rid      a bidder of it (its own "self"
 *                                            records), a supervisor (any)
 *   POST   /api/supervision/relations/import supervisors; body: a CSV file of
 *                                            `sunbid graph` (docs/graph.md)
 *   GET    /api/supervision/tenders/:id/graph supervisors: nodes, edges,
 *                                            components, patterns
 *
 * Worker threads.
 */
#ifndef SUNBID_API_ORGREL_H
#define SUNBID_API_ORGREL_H

#include "api/api.h"

#define API_RELATIONS_MAX_BODY ((size_t)8 << 20)

/* The owner check of the write routes: a supervisor, or a member of the
 * organisation. */
enum err api_orgrel_owner(struct http_request *req);
void api_orgrel_list(struct http_request *req, struct http_response *res);
void api_orgrel_add(struct http_request *req, struct http_response *res);
void api_orgrel_delete(struct http_request *req, struct http_response *res);
void api_orgrel_import(struct http_request *req, struct http_response *res);
void api_orgrel_graph(struct http_request *req, struct http_response *res);

#endif
