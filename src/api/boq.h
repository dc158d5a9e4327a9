/*
 * api/boq.h — what the experts read beside the bids, over HTTP: the bills
 * of quantities (api/boq.c), the credit records (api/credit.c) and the
 * clarifications (api/clarify.c). The routes are declared here as one
 * table fragment, API_BOQ_ROUTES, which api/routes.c includes; the domain
 * checks committee membership, chairmanship and the bidder's organisation.
 * Shapes: docs/api.md, docs/boq.md, docs/credit.md.
 *
 *   POST /api/tenders/:id/lots/:lot/boq              agent of the tender (raw CSV/XLSX, ?name=)
 *   GET  /api/tenders/:id/lots/:lot/boq/comparison   committee, supervisor, agent of the tender
 *        ?format=json|xlsx ?z_max= ?rel_min= ?min_bids= ?share_min= ?same_min=
 *   GET  /api/tenders/:id/credit                     committee, supervisor, agent of the tender
 *   GET  /api/credit-records                         supervisor, admin (?uscc= ?limit= ?cursor=)
 *   POST /api/credit-records                         supervisor, admin (one record, JSON)
 *   POST /api/credit-records/import                  supervisor, admin (raw CSV/XLSX)
 *   GET  /api/tenders/:id/inquiries                  committee, supervisor, agent; a bidder: its
 * own POST /api/tenders/:id/inquiries                  the committee's chair POST
 * /api/tenders/:id/inquiries/:qid/answer      a bidder of the organisation asked
 *
 * ("inquiries": /api/tenders/:id/clarifications are the tender documents'
 * clarifications, docs/tenders.md.) Worker threads.
 */
#ifndef SUNBID_API_BOQ_H
#define SUNBID_API_BOQ_H

#include "api/api.h"
#include "api/tenders.h"
#include "boq/boq.h"
#include "domain/credit.h"

#define API_BOQ_UPLOAD_MAX BOQ_FILE_MAX

void api_boq_upload(struct http_request *req, struct http_response *res);
void api_boq_comparison(struct http_request *req, struct http_response *res);
void api_credit_tender(struct http_request *req, struct http_response *res);
void api_credit_list(struct http_request *req, struct http_response *res);
void api_credit_add(struct http_request *req, struct http_response *res);
void api_credit_import(struct http_request *req, struct http_response *res);
void api_clarify_list(struct http_request *req, struct http_response *res);
void api_clarify_ask(struct http_request *req, struct http_response *res);
void api_clarify_answer(struct http_request *req, struct http_response *res);

/* The routes, for api/routes.c's table. */
/* clang-format off */
#define API_BOQ_ROUTES \
    {HTTP_M_POST, "/api/tenders/:id/lots/:lot/boq", api_boq_upload, ROLE_AGENT, \
     api_tenders_agent_owner, API_BOQ_UPLOAD_MAX, HTTP_ROUTE_RAW_BODY, "boq.upload"}, \
    {HTTP_M_GET, "/api/tenders/:id/lots/:lot/boq/comparison", api_boq_comparison, ROLE_ALL, \
     NULL, 0, 0, "boq.comparison"}, \
    {HTTP_M_GET, "/api/tenders/:id/credit", api_credit_tender, ROLE_ALL, NULL, 0, 0, \
     "credit.tender"}, \
    {HTTP_M_GET, "/api/credit-records", api_credit_list, ROLE_SUPERVISOR | ROLE_ADMIN, NULL, 0, \
     0, "credit.list"}, \
    {HTTP_M_POST, "/api/credit-records", api_credit_add, ROLE_SUPERVISOR | ROLE_ADMIN, NULL, \
     65536, 0, "credit.add"}, \
    {HTTP_M_POST, "/api/credit-records/import", api_credit_import, \
     ROLE_SUPERVISOR | ROLE_ADMIN, NULL, CREDIT_IMPORT_MAX, HTTP_ROUTE_RAW_BODY, \
     "credit.import"}, \
    {HTTP_M_GET, "/api/tenders/:id/inquiries", api_clarify_list, ROLE_ALL, NULL, 0, 0, \
     "clarify.list"}, \
    {HTTP_M_POST, "/api/tenders/:id/inquiries", api_clarify_ask, ROLE_ALL, NULL, 65536, 0, \
     "clarify.ask"}, \
    {HTTP_M_POST, "/api/tenders/:id/inquiries/:qid/answer", api_clarify_answer, ROLE_BIDDER, \
     NULL, 65536, 0, "clarify.answer"}
/* clang-format on */

#endif
