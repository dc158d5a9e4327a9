/*
 * api/escrow.h — the tender escrow key and personal certificates over HTTP
 * (api/escrow.c; docs/escrow.md). The rules are in domain/escrow.c,
 * domain/opening_escrow.c and domain/usercert.c.
 *
 *   GET  /api/users/me/certs                          officer/expert: own certificates
 *   POST /api/users/me/certs                          PEM body, or {"sign","enc"}
 *   GET  /api/tenders/:id/escrow                      public: k, n, keys, officers, recovered
 *   PUT  /api/tenders/:id/escrow/officers {"officers":[user ids]}   agent, owner, draft
 *   GET  /api/tenders/:id/escrow/share                officer: {"x","encrypted_share"}
 *   POST /api/tenders/:id/escrow/shares {"share"}     officer, tender in `opening`
 *   POST /api/tenders/:id/opening/escrow-open {"lot_no","org_id"}   host, phase decrypt
 *   GET  /api/escrow/candidates                       agent, supervisor, admin: who may
 *                                                     be named an officer
 *
 * Worker threads.
 */
#ifndef SUNBID_API_ESCROW_H
#define SUNBID_API_ESCROW_H

#include "api/api.h"

#define API_USERCERT_MAX_BODY (160 << 10)
/* who may hold a personal certificate */
#define API_USERCERT_ROLES    (ROLE_AGENT | ROLE_SUPERVISOR | ROLE_ADMIN | ROLE_EXPERT)
/* who may be an opening officer */
#define API_OFFICER_ROLES     (ROLE_AGENT | ROLE_SUPERVISOR | ROLE_ADMIN)

void api_usercerts_list(struct http_request *req, struct http_response *res);
void api_usercerts_register(struct http_request *req, struct http_response *res);
#define ESCROW_CANDIDATES_MAX 500 /* users GET /api/escrow/candidates lists */

void api_escrow_candidates(struct http_request *req, struct http_response *res);
void api_escrow_get(struct http_request *req, struct http_response *res);
void api_escrow_officers(struct http_request *req, struct http_response *res);
void api_escrow_share_get(struct http_request *req, struct http_response *res);
void api_escrow_share_submit(struct http_request *req, struct http_response *res);
void api_escrow_open(struct http_request *req, struct http_response *res);

#endif
