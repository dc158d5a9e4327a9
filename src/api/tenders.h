/*
 * api/tenders.h — what the tender handlers share (api/tenders.c and
 * api/tender_qa.c), and their entry points for the route table.
 *
 * Routes (roles and ownership declared in api/routes.c; docs/api.md):
 *
 *   GET  /api/tenders                       public (drafts: their own agents, supervisor)
 *   POST /api/tenders                       agent
 *   GET  /api/tenders/:id                   public (a draft: 404 unless yours)
 *   PUT  /api/tenders/:id                   agent, owner
 *   POST /api/tenders/:id/lots              agent, owner
 *   GET  /api/tenders/:id/documents         public (metadata and hashes)
 *   POST /api/tenders/:id/documents?name=   agent, owner (raw body)
 *   GET  /api/tenders/:id/documents/:version  bidder (registered, logged), agent owner, supervisor
 *   POST /api/tenders/:id/publish           agent, owner
 *   POST /api/tenders/:id/cancel            agent, owner
 *   POST /api/tenders/:id/register          bidder
 *   GET  /api/tenders/:id/registrations     agent owner, supervisor
 *   GET  /api/tenders/:id/downloads         agent owner, supervisor
 *   POST /api/tenders/:id/questions         bidder (registered)
 *   GET  /api/tenders/:id/questions         bidder (own), agent owner, supervisor (with asker)
 *   POST /api/tenders/:id/clarifications    agent, owner
 *   GET  /api/tenders/:id/clarifications    bidder (registered), agent owner, supervisor
 *   POST /api/tenders/:id/objections        bidder (registered)
 *   GET  /api/tenders/:id/objections        bidder (own), agent owner, supervisor
 *   POST /api/tenders/:id/objections/:oid/answer   agent, owner
 *   GET  /api/tender-rules                  public
 *   PUT  /api/tender-rules/:procedure/:rule admin
 *   POST /api/test/clock                    admin, and only under `serve --test-clock`
 *
 * Worker threads; request memory in the request's arena.
 */
#ifndef SUNBID_API_TENDERS_H
#define SUNBID_API_TENDERS_H

#include "api/api.h"
#include "domain/tender.h"

/* The caller of a request (anonymous: no roles, no organisation). */
struct tender_caller api_tender_caller(const struct http_request *req);
/* Writes a domain error; a rule's refusal adds "rule", "limit" and the
 * rule's legal "source" to the error object. */
void api_tender_error(struct http_response *res, enum err e, const struct tender_refusal *why);
/* Publishes the changes on the "public" SSE topic. */
void api_tender_publish(struct http_request *req, const struct tender_changes *ch);
/* Reads the tender of route parameter :id and what the caller may see
 * (ERR_NOT_FOUND for a draft that is not theirs). */
enum err api_tender_load(struct http_request *req, struct store_tx *tx, struct tender *t,
                         struct tender_access *acc);

/* Ownership checks of the route table. agent_owner: the caller's
 * organisation runs the tender (a supervisor passes). reader: agents must
 * own it; bidders and supervisors pass (the handler checks the rest). */
enum err api_tenders_agent_owner(struct http_request *req);
enum err api_tenders_reader(struct http_request *req);

/* api/tenders.c */
void api_tenders_list(struct http_request *req, struct http_response *res);
void api_tenders_create(struct http_request *req, struct http_response *res);
void api_tenders_get(struct http_request *req, struct http_response *res);
void api_tenders_edit(struct http_request *req, struct http_response *res);
void api_tenders_lot_add(struct http_request *req, struct http_response *res);
void api_tenders_doc_list(struct http_request *req, struct http_response *res);
void api_tenders_doc_upload(struct http_request *req, struct http_response *res);
void api_tenders_doc_get(struct http_request *req, struct http_response *res);
void api_tenders_publish(struct http_request *req, struct http_response *res);
void api_tenders_cancel(struct http_request *req, struct http_response *res);
/* The invitees of an invited tender (邀请招标): list, add {org_id | uscc},
 * remove (docs/tenders.md, "Invited tenders"). */
void api_tenders_invitees(struct http_request *req, struct http_response *res);
void api_tenders_invite(struct http_request *req, struct http_response *res);
void api_tenders_uninvite(struct http_request *req, struct http_response *res);
void api_tender_rules_list(struct http_request *req, struct http_response *res);
void api_tender_rules_set(struct http_request *req, struct http_response *res);
void api_test_clock(struct http_request *req, struct http_response *res);

/* api/tender_qa.c */
void api_tenders_register(struct http_request *req, struct http_response *res);
void api_tenders_registrations(struct http_request *req, struct http_response *res);
void api_tenders_downloads(struct http_request *req, struct http_response *res);
void api_tenders_ask(struct http_request *req, struct http_response *res);
void api_tenders_questions(struct http_request *req, struct http_response *res);
void api_tenders_clarify(struct http_request *req, struct http_response *res);
void api_tenders_clarifications(struct http_request *req, struct http_response *res);
void api_tenders_object(struct http_request *req, struct http_response *res);
void api_tenders_objections(struct http_request *req, struct http_response *res);
void api_tenders_answer(struct http_request *req, struct http_response *res);

#endif
