/*
 * api/bids.h — the HTTP face of sealed bids, organisations' certificates
 * and the trusted CAs (api/bids.c, api/certs.c; docs/bids.md, docs/api.md).
 *
 *   GET    /api/trust                       public: the CAs and CRLs trusted
 *   POST   /api/trust                       admin: add CA certificates / CRLs (PEM or DER body)
 *   DELETE /api/trust/:id                   admin: stop trusting one
 *   GET    /api/orgs/:id/certs              the organisation's members, admin, supervisor
 *   POST   /api/orgs/:id/certs              bidder of the organisation: {"sign":PEM,"encrypt":PEM}
 *   PUT    /api/tenders/:id/lots/:lot/bid   bidder: the envelope, streamed (POST too)
 *   DELETE /api/tenders/:id/lots/:lot/bid   bidder: withdraw the current version
 *   GET    /api/tenders/:id/bids            bidder: its own organisation's versions and receipts
 *   GET    /api/receipt-keys                public: the keys receipts are signed with
 *
 * No route returns another organisation's bid, its receipt, or a count of
 * bids: the bid routes are for bidders only and answer from the caller's
 * organisation's rows alone.
 *
 * Worker threads (the bid upload's sink runs on the loop, see bids.c).
 */
#ifndef SUNBID_API_BIDS_H
#define SUNBID_API_BIDS_H

#include "api/api.h"
#include "crypto/x509.h"
#include "domain/bids.h"
#include "domain/orgcert.h"

#define API_TRUST_MAX_BODY X509V_MAX_FILE
#define API_CERTS_MAX_BODY (2 * ORGCERT_MAX_PEM + 4096)
#define API_BID_MAX_BODY   BID_HARD_MAX /* the service's own limit is checked as bytes arrive */

/* api/certs.c */
void api_trust_list(struct http_request *req, struct http_response *res);
void api_trust_add(struct http_request *req, struct http_response *res);
void api_trust_remove(struct http_request *req, struct http_response *res);
void api_org_certs_list(struct http_request *req, struct http_response *res);
void api_org_certs_register(struct http_request *req, struct http_response *res);

/* api/bids.c */
void api_bid_submit(struct http_request *req, struct http_response *res); /* STREAM_BODY */
void api_bid_withdraw(struct http_request *req, struct http_response *res);
void api_bids_mine(struct http_request *req, struct http_response *res);
void api_receipt_keys(struct http_request *req, struct http_response *res);

#endif
