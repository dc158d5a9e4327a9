/*
 * api/clarify.c — clarification questions to bidders (不見面詢標) over
 * HTTP (api/boq.h, docs/credit.md "Clarification"). The domain
 * (domain/clarify.c) checks the chair, the bidder and the deadline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/boq.h"
#include "api/tenders.h"
#include "domain/clarify.h"
#include "domain/evaluation_live.h"

void api_clarify_list(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    buf_reset(&res->body);
    enum err e = clarify_list_json(api_app(req)->store, &c, api_param_id(req), &res->body);
    if (e != ERR_OK) {
        buf_reset(&res->body);
        http_res_error(res, e, NULL);
        return;
    }
    res->status = 200;
    http_res_header(res, "Cache-Control", "no-store");
}

void api_clarify_ask(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    const char *text = NULL, *field = NULL;
    int64_t org_id = 0, deadline = 0, id = 0;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_int(req, res, body, "org_id", true, &org_id) &&
              api_field_str(req, res, body, "body", true, CLARIFY_TEXT_MAX, &text) &&
              api_field_int(req, res, body, "deadline_ms", true, &deadline);
    json_decref(body);
    if (!ok)
        return;
    enum err e = clarify_ask(api_app(req)->store, &c, api_param_id(req), org_id, text, deadline,
                             &id, &field);
    if (e != ERR_OK) {
        api_error(res, e, field);
        return;
    }
    /* the room follows inquiries live (docs/evaluation.md) */
    evaluation_live_publish(api_app(req)->store, api_app(req)->cluster, api_param_id(req),
                            req->route->name);
    struct jsonw w;
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "id", id);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_clarify_answer(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    const char *answer = NULL, *sig = NULL, *field = NULL;
    const char *qs = http_param(req, "qid");
    char *end = NULL;
    long long qid = qs != NULL ? strtoll(qs, &end, 10) : 0;
    if (qs == NULL || end == NULL || *end != '\0' || qid <= 0) {
        http_res_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "answer", true, CLARIFY_TEXT_MAX, &answer) &&
              api_field_str(req, res, body, "signature", true, 256, &sig);
    json_decref(body);
    if (!ok)
        return;
    enum err e = clarify_answer(api_app(req)->store, &c, api_param_id(req), (int64_t)qid, answer,
                                sig, &field);
    if (e != ERR_OK) {
        api_error(res, e, field);
        return;
    }
    evaluation_live_publish(api_app(req)->store, api_app(req)->cluster, api_param_id(req),
                            req->route->name);
    struct jsonw w;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "id", (int64_t)qid);
    jsonw_kstr(&w, "status", "answered");
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}
