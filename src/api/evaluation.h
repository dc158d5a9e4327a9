/*
 * api/evaluation.h — the evaluation room, the candidates' publicity, the
 * award and the contract over HTTP (docs/evaluation.md has the routes and
 * shapes; the rules are in domain/evaluation.c). Worker threads.
 */
#ifndef SUNBID_API_EVALUATION_H
#define SUNBID_API_EVALUATION_H

#include "api/api.h"

#define API_EVAL_MAX_BODY (1u << 20) /* a whole score sheet */

void api_eval_templates(struct http_request *req, struct http_response *res);
void api_eval_get(struct http_request *req, struct http_response *res);
void api_eval_start(struct http_request *req, struct http_response *res);
void api_eval_qualify(struct http_request *req, struct http_response *res);
void api_eval_score(struct http_request *req, struct http_response *res);
void api_eval_adjust(struct http_request *req, struct http_response *res);
void api_eval_confirm(struct http_request *req, struct http_response *res);
void api_eval_advance(struct http_request *req, struct http_response *res);
void api_eval_report(struct http_request *req, struct http_response *res);
void api_eval_sign(struct http_request *req, struct http_response *res);
void api_eval_publish(struct http_request *req, struct http_response *res);
void api_eval_object(struct http_request *req, struct http_response *res);
void api_eval_answer(struct http_request *req, struct http_response *res);
void api_eval_award(struct http_request *req, struct http_response *res);
void api_eval_notice(struct http_request *req, struct http_response *res);
void api_eval_contract(struct http_request *req, struct http_response *res);
void api_eval_fail(struct http_request *req, struct http_response *res);
/* The ?lot=N of an evaluation or award route into *lot (1 when absent);
 * false after answering 422 invalid_field "lot" for a malformed one. */
bool api_eval_lot(struct http_request *req, struct http_response *res, int *lot);

#endif
