/*
 * api/award.h — complaints to the supervisor, the contract signed online by
 * both sides and the bidders' bonds over HTTP (docs/award.md has the routes
 * and shapes; the rules are in domain/complaint.c, domain/contract.c and
 * domain/bond.c). Worker threads.
 */
#ifndef SUNBID_API_AWARD_H
#define SUNBID_API_AWARD_H

#include "api/api.h"

#define API_AWARD_MAX_BODY 32768 /* a complaint, a decision */

void api_award_get(struct http_request *req, struct http_response *res);
void api_award_complain(struct http_request *req, struct http_response *res);
void api_complaint_accept(struct http_request *req, struct http_response *res);
void api_complaint_refuse(struct http_request *req, struct http_response *res);
void api_complaint_suspend(struct http_request *req, struct http_response *res);
void api_complaint_decide(struct http_request *req, struct http_response *res);
void api_complaint_withdraw(struct http_request *req, struct http_response *res);
void api_complaints_queue(struct http_request *req, struct http_response *res);
void api_award_contract_upload(struct http_request *req, struct http_response *res);
void api_award_contract_document(struct http_request *req, struct http_response *res);
void api_award_contract_sign(struct http_request *req, struct http_response *res);
void api_award_bond(struct http_request *req, struct http_response *res);
void api_award_bond_refund(struct http_request *req, struct http_response *res);
void api_award_overdue(struct http_request *req, struct http_response *res);
void api_award_rules_get(struct http_request *req, struct http_response *res);
void api_award_rules_set(struct http_request *req, struct http_response *res);

#endif
