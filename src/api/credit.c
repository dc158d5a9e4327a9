/*
 * api/credit.c — credit and supervision records over HTTP (api/boq.h,
 * docs/credit.md). The domain (domain/credit.c) decides who may do what.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/boq.h"
#include "api/tenders.h"
#include "domain/expert.h"

static void credit_error(struct http_response *res, enum err e, const struct credit_refusal *why)
{
    struct jsonw w;
    api_json_begin(res, &w, err_status(e));
    jsonw_obj_begin(&w);
    jsonw_key(&w, "error");
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "code", err_code(e));
    jsonw_kstr(&w, "message", err_message(e));
    if (why != NULL && why->field != NULL)
        jsonw_kstr(&w, "field", why->field);
    if (why != NULL && why->row > 0)
        jsonw_kint(&w, "row", why->row);
    if (why != NULL && why->detail[0] != '\0')
        jsonw_kstr(&w, "detail", why->detail);
    jsonw_obj_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

/* Writes the domain's JSON (already in res->body) with 200, or the error. */
static void respond(struct http_response *res, enum err e)
{
    if (e != ERR_OK) {
        buf_reset(&res->body);
        http_res_error(res, e, NULL);
        return;
    }
    res->status = 200;
    http_res_header(res, "Cache-Control", "no-store");
}

void api_credit_tender(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    buf_reset(&res->body);
    respond(res, credit_tender_json(api_app(req)->store, &c, api_param_id(req), &res->body));
}

void api_credit_list(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    int limit;
    int64_t cur = 0, unused = 0;
    if (!api_page_args(req, res, &limit, &cur, &unused))
        return;
    buf_reset(&res->body);
    respond(res, credit_list_json(api_app(req)->store, &c, http_query(req, "uscc"), cur, limit,
                                  &res->body));
}

/* "YYYY-MM-DD" field into ms (0 when absent and not required). */
static bool day_field(struct http_request *req, struct http_response *res, json_t *o,
                      const char *key, bool required, int64_t *ms)
{
    const char *s = NULL;
    *ms = 0;
    if (!api_field_str(req, res, o, key, required, 10, &s))
        return false;
    if (s != NULL && !expert_parse_day(s, strlen(s), ms)) {
        http_res_error_field(res, ERR_INVALID_FIELD, key, "YYYY-MM-DD");
        return false;
    }
    return true;
}

void api_credit_add(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct credit_input in = {0};
    struct credit_refusal why;
    int64_t id = 0;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "org_uscc", true, 64, &in.org_uscc) &&
              api_field_str(req, res, body, "org_name", true, CREDIT_SHORT_MAX, &in.org_name) &&
              api_field_str(req, res, body, "source", true, CREDIT_SHORT_MAX, &in.source) &&
              api_field_str(req, res, body, "kind", true, 64, &in.kind) &&
              api_field_str(req, res, body, "ref", false, CREDIT_SHORT_MAX, &in.ref) &&
              api_field_str(req, res, body, "text", true, CREDIT_TEXT_MAX, &in.body) &&
              day_field(req, res, body, "date", true, &in.record_ms) &&
              day_field(req, res, body, "expires", false, &in.expires_ms);
    json_decref(body);
    if (!ok)
        return;
    enum err e = credit_add(api_app(req)->store, &c, &in, &id, &why);
    if (e != ERR_OK) {
        credit_error(res, e, &why);
        return;
    }
    struct jsonw w;
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "id", id);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_credit_import(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct credit_refusal why;
    int64_t n = 0;
    enum err e = credit_import(api_app(req)->store, &c, req->body, req->body_len, &n, &why);
    if (e != ERR_OK) {
        credit_error(res, e, &why);
        return;
    }
    struct jsonw w;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "created", n);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}
