/*
 * api/opening.h — the opening hall over HTTP (api/opening.c; docs/opening.md).
 *
 *   GET  /api/tenders/:id/opening                        public (participants see more)
 *   GET  /api/tenders/:id/opening/events                 public: SSE, topic "opening.<id>"
 *   GET  /api/tenders/:id/opening/record                 public once sealed
 *   POST /api/tenders/:id/opening/signin                 bidder with a bid
 *   POST /api/tenders/:id/opening/advance {"from"}       host (agent, owner)
 *   POST /api/tenders/:id/opening/fail {"reason"}        host, fewer bids than the minimum
 *   POST /api/tenders/:id/opening/decrypt {"lot_no", "key"}   bidder: K, 64 hex digits
 *   POST /api/tenders/:id/opening/objections {"body"}    bidder with a bid
 *   POST /api/tenders/:id/opening/objections/:oid/answer {"answer"}   host
 *   POST /api/tenders/:id/opening/sign                   bidder with a bid
 *
 * Every change is published after its commit on the tender's topic
 * "opening.<id>" (a late joiner GETs the hall, then follows the stream;
 * Last-Event-ID resumes through the hub); phase changes and the sealed
 * record also go on "public", and a step that moves the tender (sealing,
 * 流标) publishes "tender.state" on "public". The hall's opening at the
 * deadline ("opening.open") comes from the scheduler (domain/opening.c).
 * Worker threads.
 */
#ifndef SUNBID_API_OPENING_H
#define SUNBID_API_OPENING_H

#include "api/api.h"

void api_opening_get(struct http_request *req, struct http_response *res);
void api_opening_events(struct http_request *req, struct http_response *res);
void api_opening_record(struct http_request *req, struct http_response *res);
void api_opening_signin(struct http_request *req, struct http_response *res);
void api_opening_advance(struct http_request *req, struct http_response *res);
void api_opening_fail(struct http_request *req, struct http_response *res);
void api_opening_object(struct http_request *req, struct http_response *res);
void api_opening_answer(struct http_request *req, struct http_response *res);
void api_opening_decrypt(struct http_request *req, struct http_response *res);
void api_opening_sign(struct http_request *req, struct http_response *res);
/* After an officer's escrow share is stored (api/escrow.c): "opening.escrow"
 * on "opening.<id>" with {"received", "needed" (k), "recovered"}, counts
 * only, no share content; "lot" and "bid" null (a share is the tender's). */
void api_opening_publish_escrow(struct http_request *req, int64_t tender_id, int received,
                                bool recovered);

#endif
