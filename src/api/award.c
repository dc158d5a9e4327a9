/*
 * api/award.c — complaints, the signed contract and bonds over HTTP
 * (api/award.h).
 *
 * Handlers read and check the body's shape (unknown keys refused), call
 * the domain and answer with the award view of the tender as the caller
 * sees it (award_view_json), so every step's answer is the page's new
 * state. Who may do what is the domain's; the route table narrows the
 * roles. A refusal by a rule carries the rule's name, the bound it needed
 * and its legal source, as tender refusals do. Complaint steps are
 * published on the supervisors' "supervision" SSE topic after the commit
 * (the complaint's id and tender, its step; never its text).
 *
 * Every /api/tenders/:id/award... route takes ?lot=N (default 1; a lot the
 * tender lacks: 404 lot_not_found; not a number from 1: 422 invalid_field,
 * as the evaluation's routes); a complaint step answers with the view of
 * the complaint's lot.
 */
#include "api/award.h"

#include <stdlib.h>

#include "api/evaluation.h"

#include "api/tenders.h"
#include "base/base64.h"
#include "domain/bond.h"
#include "domain/complaint.h"
#include "domain/contract.h"

#define VIEW_MAX (8u << 20)

static bool known_keys(struct http_response *res, json_t *body, const char *const *known, size_t n)
{
    const char *key;
    json_t *value;
    json_object_foreach(body, key, value)
    {
        bool ok = false;
        for (size_t i = 0; i < n && !ok; i++)
            ok = strcmp(key, known[i]) == 0;
        if (!ok) {
            http_res_error_field(res, ERR_INVALID_FIELD, key, "unknown field");
            return false;
        }
    }
    return true;
}

/* A JSON body of only the known keys ({} when empty); NULL after an answer
 * was written. */
static json_t *body_of(struct http_request *req, struct http_response *res,
                       const char *const *known, size_t n)
{
    if (req->body_len == 0)
        return json_object();
    json_t *body = api_body(req, res);
    if (body != NULL && !known_keys(res, body, known, n)) {
        json_decref(body);
        return NULL;
    }
    return body;
}

/* ?lot=N: the lot (1 when absent); false after a 422 invalid_field (not a
 * number from 1). Whether the tender has it is the domain's (404
 * lot_not_found). */
static bool lot_of(struct http_request *req, struct http_response *res, int64_t *lot);

/* ?lot=N before a write whose answer is the lot's view: the lot checked
 * first, so that a lot the tender lacks changes nothing. */
static bool lot_checked(struct http_request *req, struct http_response *res, int64_t *lot)
{
    struct tender_caller c = api_tender_caller(req);
    if (!lot_of(req, res, lot))
        return false;
    if (*lot == 1)
        return true; /* every tender has lot 1; the write checks the rest */
    enum err e = award_lot_visible(api_app(req)->store, &c, api_param_id(req), *lot);
    if (e != ERR_OK) {
        api_error(res, e, e == ERR_LOT_NOT_FOUND ? "lot" : NULL);
        return false;
    }
    return true;
}

static bool lot_of(struct http_request *req, struct http_response *res, int64_t *lot)
{
    int n = 1;
    bool ok = api_eval_lot(req, res, &n); /* the evaluation's rule, one for both */
    *lot = n;
    return ok;
}

static void view(struct http_request *req, struct http_response *res, int64_t tender_id,
                 int64_t lot, int status)
{
    struct tender_caller c = api_tender_caller(req);
    struct buf b;
    struct jsonw w;
    buf_init(&b, VIEW_MAX);
    enum err e = award_view_json(api_app(req)->store, &c, tender_id, lot, &b);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
    } else {
        api_json_begin(res, &w, status);
        jsonw_raw(&w, b.data, b.len);
        api_json_end(res, &w);
    }
    buf_release(&b);
}

static void refusal(struct http_response *res, enum err e, const struct award_refusal *why)
{
    if (why == NULL || why->rule == NULL) {
        api_error(res, e, why ? why->field : NULL);
        return;
    }
    struct jsonw w;
    int r = award_rule_parse(why->rule);
    api_json_begin(res, &w, err_status(e));
    jsonw_obj_begin(&w);
    jsonw_key(&w, "error");
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "code", err_code(e));
    jsonw_kstr(&w, "message", err_message(e));
    if (why->field != NULL)
        jsonw_kstr(&w, "field", why->field);
    jsonw_kstr(&w, "rule", why->rule);
    if (why->limit != 0)
        jsonw_kint(&w, "limit", why->limit);
    if (r >= 0)
        jsonw_kstr(&w, "source", award_rule_defs[r].source);
    jsonw_obj_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

/* Tells the supervisors: {"complaint_id","tender_id"} as event. */
static void tell(struct http_request *req, const char *event, int64_t id, int64_t tender_id)
{
    struct buf b;
    struct jsonw w;
    buf_init(&b, 256);
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "complaint_id", id);
    jsonw_kint(&w, "tender_id", tender_id);
    jsonw_obj_end(&w);
    if (jsonw_finish(&w) == JSONW_OK)
        api_publish(req, "supervision", event, &b);
    buf_release(&b);
}

void api_award_get(struct http_request *req, struct http_response *res)
{
    int64_t lot;
    if (lot_of(req, res, &lot))
        view(req, res, api_param_id(req), lot, 200);
}

/* ---- complaints ---- */

void api_award_complain(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"subject", "body", "known_ms", "lot"};
    struct tender_caller c = api_tender_caller(req);
    struct complaint_input in = {0};
    struct award_refusal why = {0};
    struct jsonw w;
    int64_t id = 0;
    json_t *body = body_of(req, res, known, 4);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "subject", true, 32, &in.subject) &&
              api_field_str(req, res, body, "body", true, COMPLAINT_TEXT_MAX, &in.body) &&
              api_field_int(req, res, body, "known_ms", false, &in.known_ms) &&
              api_field_int(req, res, body, "lot", false, &in.lot);
    json_decref(body);
    if (!ok)
        return;
    if (in.lot < 0 || in.lot > TENDER_LOTS_MAX) {
        api_error(res, in.lot < 0 ? ERR_INVALID_FIELD : ERR_LOT_NOT_FOUND, "lot");
        return;
    }
    enum err e = complaint_file(api_app(req)->store, &c, api_param_id(req), &in, &id, &why);
    if (e != ERR_OK) {
        refusal(res, e, &why);
        return;
    }
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "id", id);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
    tell(req, "complaint.file", id, api_param_id(req));
}

/* After a supervisor's or the complainant's step: the view of its tender. */
static void complaint_done(struct http_request *req, struct http_response *res, enum err e,
                           const char *event, const char *field)
{
    struct tender_caller c = api_tender_caller(req);
    int64_t tender_id = 0, lot = 0, id = api_param_id(req);
    if (e == ERR_OK)
        e = complaint_tender(api_app(req)->store, &c, id, &tender_id, &lot);
    if (e != ERR_OK) {
        api_error(res, e, field);
        return;
    }
    view(req, res, tender_id, lot > 0 ? lot : 1, 200);
    tell(req, event, id, tender_id);
}

void api_complaint_accept(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    json_t *body = body_of(req, res, NULL, 0);
    if (body == NULL)
        return;
    json_decref(body);
    enum err e = complaint_accept(api_app(req)->store, &c, api_param_id(req));
    complaint_done(req, res, e, "complaint.accept", NULL);
}

void api_complaint_refuse(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"reason"};
    struct tender_caller c = api_tender_caller(req);
    const char *reason = NULL;
    json_t *body = body_of(req, res, known, 1);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "reason", true, COMPLAINT_TEXT_MAX, &reason);
    json_decref(body);
    if (!ok)
        return;
    enum err e = complaint_refuse(api_app(req)->store, &c, api_param_id(req), reason);
    complaint_done(req, res, e, "complaint.refuse", e == ERR_INVALID_FIELD ? "reason" : NULL);
}

void api_complaint_suspend(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"suspend"};
    struct tender_caller c = api_tender_caller(req);
    bool on = true;
    json_t *body = body_of(req, res, known, 1);
    if (body == NULL)
        return;
    bool ok =
        json_object_get(body, "suspend") == NULL || api_field_bool(req, res, body, "suspend", &on);
    json_decref(body);
    if (!ok)
        return;
    enum err e = complaint_suspend(api_app(req)->store, &c, api_param_id(req), on);
    complaint_done(req, res, e, on ? "complaint.suspend" : "complaint.lift", NULL);
}

void api_complaint_decide(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"decision", "remedy", "text"};
    struct tender_caller c = api_tender_caller(req);
    const char *decision = NULL, *remedy = NULL, *text = NULL;
    json_t *body = body_of(req, res, known, 3);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "decision", true, 32, &decision) &&
              api_field_str(req, res, body, "remedy", false, 32, &remedy) &&
              api_field_str(req, res, body, "text", true, COMPLAINT_TEXT_MAX, &text);
    json_decref(body);
    if (!ok)
        return;
    enum err e =
        complaint_decide(api_app(req)->store, &c, api_param_id(req), decision, remedy, text);
    const char *field = NULL;
    if (e == ERR_MISSING_FIELD)
        field = "remedy";
    else if (e == ERR_INVALID_FIELD)
        field = strcmp(decision, "upheld") != 0 && strcmp(decision, "dismissed") != 0 ? "decision"
                : remedy != NULL && strcmp(decision, "upheld") == 0 &&
                        strcmp(remedy, "re_evaluation") != 0 && strcmp(remedy, "annul_award") != 0
                    ? "remedy"
                : remedy != NULL && strcmp(decision, "dismissed") == 0 ? "remedy"
                                                                       : "text";
    complaint_done(req, res, e, "complaint.decide", field);
}

void api_complaint_withdraw(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"reason"};
    struct tender_caller c = api_tender_caller(req);
    const char *reason = NULL;
    json_t *body = body_of(req, res, known, 1);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "reason", false, COMPLAINT_TEXT_MAX, &reason);
    json_decref(body);
    if (!ok)
        return;
    enum err e = complaint_withdraw(api_app(req)->store, &c, api_param_id(req), reason);
    complaint_done(req, res, e, "complaint.withdraw", e == ERR_INVALID_FIELD ? "reason" : NULL);
}

void api_complaints_queue(struct http_request *req, struct http_response *res)
{
    struct buf b;
    struct jsonw w;
    buf_init(&b, VIEW_MAX);
    enum err e = complaint_queue_json(api_app(req)->store, &b);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
    } else {
        api_json_begin(res, &w, 200);
        jsonw_raw(&w, b.data, b.len);
        api_json_end(res, &w);
    }
    buf_release(&b);
}

/* ---- the contract ---- */

void api_award_contract_upload(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    const char *name = http_query(req, "name");
    const char *amount = http_query(req, "amount_fen");
    const char *field = NULL;
    char sha[65];
    char *end = NULL;
    long long v = 0;
    int64_t lot;
    if (!lot_of(req, res, &lot))
        return;
    if (amount == NULL) {
        api_error(res, ERR_MISSING_FIELD, "amount_fen");
        return;
    }
    if (*amount >= '1' && *amount <= '9' && strlen(amount) <= 18)
        v = strtoll(amount, &end, 10);
    if (v <= 0 || end == NULL || *end != '\0') {
        api_error(res, ERR_INVALID_FIELD, "amount_fen");
        return;
    }
    enum err e = contract_upload(api_app(req)->store, &c, api_param_id(req), lot, name,
                                 http_header(req, "content-type"), req->body, req->body_len,
                                 (int64_t)v, sha, &field);
    if (e != ERR_OK) {
        api_error(res, e, field);
        return;
    }
    view(req, res, api_param_id(req), lot, 201);
}

/* RFC 6266 / 8187: an ASCII fallback and the UTF-8 name, percent-encoded. */
static const char *disposition(struct arena *a, const char *name)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(name), o = 0;
    char *ascii = arena_alloc(a, n + 1);
    char *enc = arena_alloc(a, 3 * n + 1);
    if (ascii == NULL || enc == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        ascii[i] =
            (ch >= 0x20 && ch < 0x7F && ch != '"' && ch != '\\' && ch != '%') ? (char)ch : '_';
        bool plain = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                     (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';
        if (plain) {
            enc[o++] = (char)ch;
        } else {
            enc[o++] = '%';
            enc[o++] = hex[ch >> 4];
            enc[o++] = hex[ch & 15];
        }
    }
    ascii[n] = '\0';
    enc[o] = '\0';
    size_t len = n + o + 64;
    char *cd = arena_alloc(a, len);
    if (cd == NULL)
        return NULL;
    snprintf(cd, len, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, enc);
    return cd;
}

void api_award_contract_document(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct award_contract k;
    int64_t lot;
    if (!lot_of(req, res, &lot))
        return;
    enum err e = contract_document(api_app(req)->store, &c, req->arena, api_param_id(req), lot, &k,
                                   &res->body);
    if (e != ERR_OK) {
        buf_reset(&res->body);
        api_error(res, e, NULL);
        return;
    }
    res->status = 200;
    res->content_type = k.doc_type;
    const char *cd = disposition(req->arena, k.doc_name);
    if (cd != NULL)
        http_res_header(res, "Content-Disposition", cd);
    http_res_header(res, "X-Document-SHA256", k.doc_sha);
    http_res_header(res, "Cache-Control", "no-store");
}

void api_award_contract_sign(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"signature", "document_sha256"};
    struct tender_caller c = api_tender_caller(req);
    const char *sig64 = NULL, *sha = NULL;
    uint8_t sig[CONTRACT_SIG_MAX];
    bool done = false;
    int64_t lot;
    if (!lot_of(req, res, &lot))
        return;
    json_t *body = body_of(req, res, known, 2);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "signature", true, 1024, &sig64) &&
              api_field_str(req, res, body, "document_sha256", true, 64, &sha);
    json_decref(body);
    if (!ok)
        return;
    long n = b64_decode(sig64, strlen(sig64), sig, sizeof sig, 0);
    if (n <= 0) {
        api_error(res, ERR_INVALID_FIELD, "signature");
        return;
    }
    enum err e =
        contract_sign(api_app(req)->store, &c, api_param_id(req), lot, sha, sig, (size_t)n, &done);
    if (e != ERR_OK) {
        api_error(res, e, e == ERR_INVALID_FIELD ? "document_sha256" : NULL);
        return;
    }
    view(req, res, api_param_id(req), lot, 200);
}

/* ---- bonds ---- */

void api_award_bond(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"org_id", "amount_fen", "form", "received_ms", "all"};
    struct tender_caller c = api_tender_caller(req);
    struct bond_input in = {0};
    const char *field = NULL;
    bool all = false;
    int64_t lot;
    if (!lot_checked(req, res, &lot))
        return;
    json_t *body = body_of(req, res, known, 5);
    if (body == NULL)
        return;
    if (json_object_get(body, "all") != NULL) {
        /* {"all":true}: every bidder, the tender's requirement */
        bool ok = api_field_bool(req, res, body, "all", &all);
        if (ok && (!all || json_object_size(body) != 1)) {
            api_error(res, ERR_INVALID_FIELD, "all");
            ok = false;
        }
        json_decref(body);
        if (!ok)
            return;
        enum err e = bond_record_all(api_app(req)->store, &c, api_param_id(req), NULL, &field);
        if (e != ERR_OK) {
            api_error(res, e, field);
            return;
        }
        view(req, res, api_param_id(req), lot, 200);
        return;
    }
    bool ok = api_field_int(req, res, body, "org_id", true, &in.org_id) &&
              api_field_int(req, res, body, "amount_fen", false, &in.amount_fen) &&
              api_field_str(req, res, body, "form", false, 32, &in.form) &&
              api_field_int(req, res, body, "received_ms", false, &in.received_ms);
    json_decref(body);
    if (!ok)
        return;
    enum err e = bond_record(api_app(req)->store, &c, api_param_id(req), &in, &field);
    if (e != ERR_OK) {
        api_error(res, e, field);
        return;
    }
    view(req, res, api_param_id(req), lot, 200);
}

void api_award_bond_refund(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"reference"};
    struct tender_caller c = api_tender_caller(req);
    const char *ref = NULL;
    const char *o = http_param(req, "org");
    char *end = NULL;
    long long org = o != NULL && *o >= '1' && *o <= '9' ? strtoll(o, &end, 10) : 0;
    int64_t lot;
    if (!lot_checked(req, res, &lot))
        return;
    if (org <= 0 || end == NULL || *end != '\0') {
        api_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    json_t *body = body_of(req, res, known, 1);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "reference", true, BOND_REF_MAX, &ref);
    json_decref(body);
    if (!ok)
        return;
    enum err e = bond_refund(api_app(req)->store, &c, api_param_id(req), (int64_t)org, ref);
    if (e != ERR_OK) {
        api_error(res, e, e == ERR_INVALID_FIELD ? "reference" : NULL);
        return;
    }
    view(req, res, api_param_id(req), lot, 200);
}

/* ---- supervisors, rules ---- */

void api_award_overdue(struct http_request *req, struct http_response *res)
{
    struct buf b;
    struct jsonw w;
    buf_init(&b, VIEW_MAX);
    enum err e = award_overdue_json(api_app(req)->store, &b);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
    } else {
        api_json_begin(res, &w, 200);
        jsonw_raw(&w, b.data, b.len);
        api_json_end(res, &w);
    }
    buf_release(&b);
}

void api_award_rules_get(struct http_request *req, struct http_response *res)
{
    struct jsonw w;
    api_json_begin(res, &w, 200);
    enum err e = award_rules_json(api_app(req)->store, &w);
    if (e != ERR_OK) {
        buf_reset(&res->body);
        api_error(res, e, NULL);
        return;
    }
    api_json_end(res, &w);
}

void api_award_rules_set(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"name", "value"};
    struct tender_caller c = api_tender_caller(req);
    const char *name = NULL;
    int64_t value = 0;
    json_t *body = body_of(req, res, known, 2);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "name", true, 64, &name) &&
              api_field_int(req, res, body, "value", true, &value);
    json_decref(body);
    if (!ok)
        return;
    enum err e = award_rule_set(api_app(req)->store, &c, name, value);
    if (e != ERR_OK) {
        api_error(res, e, award_rule_parse(name) < 0 ? "name" : "value");
        return;
    }
    api_award_rules_get(req, res);
}
