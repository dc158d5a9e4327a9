/*
 * api/auctions.h — the auction handlers (api/auctions.c) for the route table.
 *
 * Routes (roles and ownership declared in api/routes.c; docs/api.md):
 *
 *   GET  /api/auctions                           public
 *   POST /api/auctions                           agent
 *   GET  /api/auctions/:id                       public (the caller's own standing too)
 *   POST /api/auctions/:id/cancel                agent, owner
 *   POST /api/auctions/:id/register              bidder
 *   GET  /api/auctions/:id/registrations         agent owner, supervisor
 *   POST /api/auctions/:id/registrations/:rid    agent owner: {"qualify": true|false}
 *   POST /api/auctions/:id/bids                  bidder (qualified)
 *   POST /api/auctions/:id/envelope              bidder (qualified), sealed: the raw envelope
 *   GET  /api/auctions/:id/envelope              bidder: its own envelope, as stored
 *   POST /api/auctions/:id/reveal                bidder, sealed, after the end: {"key": K hex}
 *   GET  /api/auctions/:id/bids                  public (sealed: hidden until the end)
 *   GET  /api/auctions/:id/events                public: SSE topic "auction.<id>"
 *   GET  /api/auctions/:id/result                public once closed: the signed result
 *
 * Worker threads; request memory in the request's arena.
 */
#ifndef SUNBID_API_AUCTIONS_H
#define SUNBID_API_AUCTIONS_H

#include "api/api.h"

/* The route's body limit: AUCTION_ENVELOPE_MAX (domain/auction.h). */
#define API_AUCTION_ENVELOPE_MAX (256u << 10)

/* Ownership: the caller's organisation runs the auction (supervisors pass). */
enum err api_auctions_owner(struct http_request *req);

void api_auctions_list(struct http_request *req, struct http_response *res);
void api_auctions_create(struct http_request *req, struct http_response *res);
void api_auctions_get(struct http_request *req, struct http_response *res);
void api_auctions_cancel(struct http_request *req, struct http_response *res);
void api_auctions_register(struct http_request *req, struct http_response *res);
void api_auctions_registrations(struct http_request *req, struct http_response *res);
void api_auctions_decide(struct http_request *req, struct http_response *res);
void api_auctions_bid(struct http_request *req, struct http_response *res);
void api_auctions_envelope(struct http_request *req, struct http_response *res);
void api_auctions_my_envelope(struct http_request *req, struct http_response *res);
void api_auctions_reveal(struct http_request *req, struct http_response *res);
void api_auctions_bids(struct http_request *req, struct http_response *res);
void api_auctions_events(struct http_request *req, struct http_response *res);
void api_auctions_result(struct http_request *req, struct http_response *res);

#endif
