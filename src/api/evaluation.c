/*
 * api/evaluation.c — the evaluation room over HTTP (api/evaluation.h).
 *
 * Handlers read and check the body's shape (unknown keys refused, lists
 * bounded), call domain/evaluation.c and answer with the evaluation as the
 * caller may see it (evaluation_view_json), so every step's answer is the
 * room's new state. Who may do what is the domain's: the route table lets
 * any signed-in user reach the members' routes, and the domain answers
 * not_committee_member, forbidden or not_found. Refusals carry the field
 * the domain named. Scores are decimals with at most two places.
 *
 * Every route works on one lot: ?lot=N (default 1; a lot the tender does
 * not have is 404 lot_not_found, a malformed one 422 invalid_field).
 */
#include "api/evaluation.h"

#include <math.h>
#include <stdlib.h>

#include "api/tenders.h"
#include "base/base64.h"
#include "crypto/random.h"
#include "domain/evaluation.h"
#include "domain/evaluation_pdf.h"
#include "domain/evaluation_live.h"

#define LOT_QUERY_MAX 1000000 /* the largest ?lot= read */

/* ?lot=N: 1..LOT_QUERY_MAX in decimal without a leading zero; 0 when
 * malformed, 1 when absent. */
static int lot_query(const struct http_request *req)
{
    const char *q = http_query(req, "lot");
    char *end = NULL;
    if (q == NULL)
        return 1;
    if (*q < '1' || *q > '9' || strlen(q) > 7)
        return 0;
    long v = strtol(q, &end, 10);
    return end != NULL && *end == '\0' && v >= 1 && v <= LOT_QUERY_MAX ? (int)v : 0;
}

bool api_eval_lot(struct http_request *req, struct http_response *res, int *lot)
{
    *lot = lot_query(req);
    if (*lot == 0)
        api_error(res, ERR_INVALID_FIELD, "lot");
    return *lot != 0;
}

/* Tells the room's followers that a step of this route committed
 * (counts and phase only, domain/evaluation_live.h). */
static void live(struct http_request *req)
{
    evaluation_live_publish_lot(api_app(req)->store, api_app(req)->cluster, api_param_id(req),
                                lot_query(req),
                                req->route != NULL ? req->route->name : "evaluation");
}

/* Refuses a body with keys outside known. */
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

/* Answers with the evaluation as the caller sees it (status 200 or 201). */
static void view(struct http_request *req, struct http_response *res, int status)
{
    struct tender_caller c = api_tender_caller(req);
    struct buf b;
    struct jsonw w;
    buf_init(&b, EVALUATION_REPORT_MAX * 2);
    enum err e =
        evaluation_view_json(api_app(req)->store, &c, api_param_id(req), lot_query(req), &b);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
    } else {
        api_json_begin(res, &w, status);
        jsonw_raw(&w, b.data, b.len);
        api_json_end(res, &w);
    }
    buf_release(&b);
}

static void done(struct http_request *req, struct http_response *res, enum err e, const char *field)
{
    if (e != ERR_OK)
        api_error(res, e, field);
    else {
        view(req, res, 200);
        live(req);
    }
}

/* A JSON body of only the known keys; NULL after an answer was written.
 * An empty body counts as {}. */
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

void api_eval_templates(struct http_request *req, struct http_response *res)
{
    static const char *const names[] = {"works_comprehensive", "goods_comprehensive",
                                        "lowest_evaluated", "lowest_price"};
    struct jsonw w;
    struct buf canon;
    struct eval_template *t = arena_calloc(req->arena, sizeof(*t));
    if (t == NULL) {
        api_error(res, ERR_INTERNAL, NULL);
        return;
    }
    buf_init(&canon, EVAL_TEMPLATE_MAX * 2);
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *j = eval_template_builtin(names[i]);
        if (eval_template_parse(j, strlen(j), t, &canon, NULL) != EVAL_OK)
            continue;
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "name", names[i]);
        jsonw_key(&w, "template");
        jsonw_raw(&w, canon.data, canon.len);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
    buf_release(&canon);
}

void api_eval_get(struct http_request *req, struct http_response *res)
{
    int lot;
    if (!api_eval_lot(req, res, &lot))
        return;
    view(req, res, 200);
}

void api_eval_start(struct http_request *req, struct http_response *res)
{
    int lot;
    if (!api_eval_lot(req, res, &lot))
        return;
    static const char *const known[] = {"template"};
    struct tender_caller c = api_tender_caller(req);
    const char *field = NULL;
    char *dump = NULL;
    const char *tpl;
    json_t *body = body_of(req, res, known, 1);
    if (body == NULL)
        return;
    json_t *v = json_object_get(body, "template");
    if (json_is_string(v)) {
        tpl = eval_template_builtin(json_string_value(v));
        if (tpl == NULL) {
            json_decref(body);
            api_error(res, ERR_EVAL_TEMPLATE_INVALID, "template");
            return;
        }
    } else if (json_is_object(v)) {
        dump = json_dumps(v, JSON_COMPACT);
        tpl = dump;
    } else {
        json_decref(body);
        api_error(res, v == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD, "template");
        return;
    }
    enum err e = tpl == NULL ? ERR_INTERNAL
                             : evaluation_start(api_app(req)->store, &c, api_param_id(req), lot,
                                                tpl, strlen(tpl), &field);
    free(dump);
    json_decref(body);
    if (e != ERR_OK)
        api_error(res, e, field);
    else {
        view(req, res, 201);
        live(req);
    }
}

void api_eval_qualify(struct http_request *req, struct http_response *res)
{
    int lot;
    if (!api_eval_lot(req, res, &lot))
        return;
    static const char *const known[] = {"votes", "submit"};
    static const char *const vknown[] = {"org_id", "criterion", "pass", "reason"};
    struct tender_caller c = api_tender_caller(req);
    const char *field = NULL;
    bool submit = false;
    json_t *body = body_of(req, res, known, 2);
    if (body == NULL)
        return;
    json_t *a = json_object_get(body, "votes");
    if ((a != NULL && (!json_is_array(a) || json_array_size(a) > EVALUATION_ENTRIES_MAX)) ||
        !api_field_bool(req, res, body, "submit", &submit)) {
        if (a != NULL && (!json_is_array(a) || json_array_size(a) > EVALUATION_ENTRIES_MAX))
            api_error(res, ERR_INVALID_FIELD, "votes");
        json_decref(body);
        return;
    }
    size_t n = json_array_size(a);
    struct evaluation_vote *v = arena_calloc(req->arena, sizeof(*v) * (n > 0 ? n : 1));
    bool ok = v != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        json_t *o = json_array_get(a, i);
        ok = json_is_object(o) && known_keys(res, o, vknown, 4) &&
             api_field_int(req, res, o, "org_id", true, &v[i].org_id) &&
             api_field_str(req, res, o, "criterion", true, EVAL_CODE_MAX, &v[i].criterion) &&
             api_field_bool(req, res, o, "pass", &v[i].pass) &&
             api_field_str(req, res, o, "reason", false, EVALUATION_TEXT_MAX, &v[i].reason);
        if (ok && !json_is_boolean(json_object_get(o, "pass"))) {
            api_error(res, ERR_MISSING_FIELD, "pass");
            ok = false;
        }
        if (!ok && !json_is_object(o))
            api_error(res, ERR_INVALID_FIELD, "votes");
    }
    json_decref(body);
    if (!ok)
        return;
    enum err e = evaluation_qualify(api_app(req)->store, &c, api_param_id(req), lot, v, (int)n,
                                    submit, &field);
    done(req, res, e, field);
}

/* A number with at most two decimals, 0..100 -> centi; false if not. */
static bool centi_of(json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0 || i > 100)
            return false;
        *out = (int64_t)i * 100;
        return true;
    }
    if (!json_is_real(v))
        return false;
    double d = json_real_value(v) * 100.0;
    double r = nearbyint(d);
    if (!isfinite(d) || fabs(d - r) > 1e-6 || r < 0 || r > 10000)
        return false;
    *out = (int64_t)r;
    return true;
}

void api_eval_score(struct http_request *req, struct http_response *res)
{
    int lot;
    if (!api_eval_lot(req, res, &lot))
        return;
    static const char *const known[] = {"scores", "submit", "reason"};
    static const char *const sknown[] = {"org_id", "item", "score"};
    struct tender_caller c = api_tender_caller(req);
    const char *field = NULL, *reason = NULL;
    bool submit = false;
    json_t *body = body_of(req, res, known, 3);
    if (body == NULL)
        return;
    json_t *a = json_object_get(body, "scores");
    if (a != NULL && (!json_is_array(a) || json_array_size(a) > EVALUATION_ENTRIES_MAX)) {
        json_decref(body);
        api_error(res, ERR_INVALID_FIELD, "scores");
        return;
    }
    if (!api_field_bool(req, res, body, "submit", &submit) ||
        !api_field_str(req, res, body, "reason", false, EVALUATION_TEXT_MAX, &reason)) {
        json_decref(body);
        return;
    }
    size_t n = json_array_size(a);
    struct evaluation_score *v = arena_calloc(req->arena, sizeof(*v) * (n > 0 ? n : 1));
    bool ok = v != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        json_t *o = json_array_get(a, i);
        if (!json_is_object(o)) {
            api_error(res, ERR_INVALID_FIELD, "scores");
            ok = false;
            break;
        }
        ok = known_keys(res, o, sknown, 3) &&
             api_field_int(req, res, o, "org_id", true, &v[i].org_id) &&
             api_field_str(req, res, o, "item", true, EVAL_CODE_MAX, &v[i].item);
        if (ok && !centi_of(json_object_get(o, "score"), &v[i].centi)) {
            api_error(res,
                      json_object_get(o, "score") ? ERR_EVAL_SCORE_OUT_OF_RANGE : ERR_MISSING_FIELD,
                      "score");
            ok = false;
        }
    }
    json_decref(body);
    if (!ok)
        return;
    enum err e = evaluation_score(api_app(req)->store, &c, api_param_id(req), lot, v, (int)n,
                                  submit, reason, &field);
    done(req, res, e, field);
}

void api_eval_adjust(struct http_request *req, struct http_response *res)
{
    int lot;
    if (!api_eval_lot(req, res, &lot))
        return;
    static const char *const known[] = {"org_id", "adjust_fen", "reason"};
    struct tender_caller c = api_tender_caller(req);
    int64_t org = 0, adj = 0;
    const char *reason = NULL;
    json_t *body = body_of(req, res, known, 3);
    if (body == NULL)
        return;
    bool ok = api_field_int(req, res, body, "org_id", true, &org) &&
              api_field_int(req, res, body, "adjust_fen", true, &adj) &&
              api_field_str(req, res, body, "reason", true, EVALUATION_TEXT_MAX, &reason);
    json_decref(body);
    if (!ok)
        return;
    enum err e =
        evaluation_adjust(api_app(req)->store, &c, api_param_id(req), lot, org, adj, reason);
    done(req, res, e, e == ERR_INVALID_FIELD || e == ERR_MISSING_FIELD ? "adjust_fen" : NULL);
}

static int64_t param2(const struct http_request *req, const char *name)
{
    const char *s = http_param(req, name);
    char *end = NULL;
    if (s == NULL || *s < '1' || *s > '9')
        return 0;
    long long v = strtoll(s, &end, 10);
    return end != NULL && *end == '\0' && v > 0 ? (int64_t)v : 0;
}

/* A body of one required text field. */
static bool one_text(struct http_request *req, struct http_response *res, const char *key,
                     bool required, const char **out)
{
    const char *known[] = {key};
    *out = NULL;
    json_t *body = body_of(req, res, known, 1);
    if (body == NULL)
        return false;
    bool ok = api_field_str(req, res, body, key, required, EVALUATION_TEXT_MAX, out);
    json_decref(body);
    return ok;
}

void api_eval_confirm(struct http_request *req, struct http_response *res)
{
    int lot;
    if (!api_eval_lot(req, res, &lot))
        return;
    struct tender_caller c = api_tender_caller(req);
    const char *reason;
    if (!one_text(req, res, "reason", true, &reason))
        return;
    enum err e = evaluation_confirm(api_app(req)->store, &c, api_param_id(req), lot,
                                    param2(req, "wid"), reason);
    done(req, res, e, e == ERR_INVALID_FIELD ? "reason" : NULL);
}

void api_eval_advance(struct http_request *req, struct http_response *res)
{
    int lot;
    if (!api_eval_lot(req, res, &lot))
        return;
    struct tender_caller c = api_tender_caller(req);
    const char *from;
    if (!one_text(req, res, "from", false, &from))
        return;
    done(req, res, evaluation_advance(api_app(req)->store, &c, api_param_id(req), lot, from), NULL);
}

/* The report as PDF (?format=pdf) from its JSON answer in b. */
static void report_pdf(struct http_request *req, struct http_response *res, const struct buf *b)
{
    json_error_t jerr;
    char err[160], disp[96];
    json_t *all = json_loadb(b->data, b->len, 0, &jerr);
    json_t *sg = json_object_get(all, "signatures");
    size_t n = json_array_size(sg);
    struct eval_signature *sigs = arena_calloc(req->arena, sizeof(*sigs) * (n > 0 ? n : 1));
    char *rep = json_dumps(json_object_get(all, "report"), JSON_COMPACT);
    for (size_t i = 0; sigs != NULL && i < n; i++) {
        sigs[i].member_id = json_integer_value(json_object_get(json_array_get(sg, i), "member_id"));
        sigs[i].signed_ms = json_integer_value(json_object_get(json_array_get(sg, i), "signed_ms"));
    }
    const char *sha = json_string_value(json_object_get(all, "report_sha256"));
    if (sigs == NULL || rep == NULL ||
        evaluation_report_pdf(rep, strlen(rep), sha, sigs, (int)n, &res->body, err, sizeof err) !=
            0) {
        buf_reset(&res->body);
        http_res_error(res, ERR_INTERNAL, "The report could not be rendered as PDF.");
    } else {
        snprintf(disp, sizeof disp, "attachment; filename=\"evaluation-%lld-lot%d.pdf\"",
                 (long long)api_param_id(req), lot_query(req));
        res->status = 200;
        res->content_type = "application/pdf";
        http_res_header(res, "Content-Disposition", disp);
        http_res_header(res, "Cache-Control", "private, no-store");
    }
    free(rep);
    json_decref(all);
}

void api_eval_report(struct http_request *req, struct http_response *res)
{
    int lot;
    if (!api_eval_lot(req, res, &lot))
        return;
    struct tender_caller c = api_tender_caller(req);
    struct buf b;
    struct jsonw w;
    const char *format = http_query(req, "format");
    if (format != NULL && strcmp(format, "pdf") != 0 && strcmp(format, "json") != 0) {
        api_error(res, ERR_INVALID_FIELD, "format");
        return;
    }
    buf_init(&b, EVALUATION_REPORT_MAX * 2);
    enum err e = evaluation_report_json(api_app(req)->store, &c, api_param_id(req), lot, &b);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
    } else if (format != NULL && strcmp(format, "pdf") == 0) {
        report_pdf(req, res, &b);
    } else {
        api_json_begin(res, &w, 200);
        jsonw_raw(&w, b.data, b.len);
        api_json_end(res, &w);
    }
    buf_release(&b);
}

void api_eval_sign(struct http_request *req, struct http_response *res)
{
    int lot;
    if (!api_eval_lot(req, res, &lot))
        return;
    struct tender_caller c = api_tender_caller(req);
    const char *sig64;
    uint8_t sig[EVALUATION_SIG_MAX];
    if (!one_text(req, res, "signature", true, &sig64))
        return;
    long n = b64_decode(sig64, strlen(sig64), sig, sizeof sig, 0);
    if (n <= 0) {
        api_error(res, ERR_INVALID_FIELD, "signature");
        return;
    }
    enum err e = evaluation_sign(api_app(req)->store, &c, api_param_id(req), lot, sig, (size_t)n);
    done(req, res, e, e == ERR_INVALID_FIELD ? "signature" : NULL);
}

void api_eval_publish(struct http_request *req, struct http_response *res)
{
    int lot;
    if (!api_eval_lot(req, res, &lot))
        return;
    static const char *const known[] = {"days"};
    struct tender_caller c = api_tender_caller(req);
    int64_t days = EVALUATION_PUBLICITY_MIN;
    json_t *body = body_of(req, res, known, 1);
    if (body == NULL)
        return;
    bool ok = json_object_get(body, "days") == NULL ||
              api_field_int(req, res, body, "days", false, &days);
    json_decref(body);
    if (!ok)
        return;
    enum err e = evaluation_publish(api_app(req)->store, &c, api_param_id(req), lot, days);
    done(req, res, e, e == ERR_INVALID_FIELD ? "days" : NULL);
}

void api_eval_object(struct http_request *req, struct http_response *res)
{
    int lot;
    if (!api_eval_lot(req, res, &lot))
        return;
    struct tender_caller c = api_tender_caller(req);
    const char *body;
    int64_t id = 0;
    if (!one_text(req, res, "body", true, &body))
        return;
    enum err e = evaluation_object(api_app(req)->store, &c, api_param_id(req), lot, body, &id);
    if (e != ERR_OK) {
        api_error(res, e, e == ERR_INVALID_FIELD ? "body" : NULL);
        return;
    }
    struct jsonw w;
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "id", id);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
    live(req);
}

void api_eval_answer(struct http_request *req, struct http_response *res)
{
    int lot;
    if (!api_eval_lot(req, res, &lot))
        return;
    struct tender_caller c = api_tender_caller(req);
    const char *answer;
    if (!one_text(req, res, "answer", true, &answer))
        return;
    enum err e = evaluation_answer(api_app(req)->store, &c, api_param_id(req), lot,
                                   param2(req, "oid"), answer);
    done(req, res, e, e == ERR_INVALID_FIELD ? "answer" : NULL);
}

void api_eval_award(struct http_request *req, struct http_response *res)
{
    int lot;
    if (!api_eval_lot(req, res, &lot))
        return;
    static const char *const known[] = {"org_id", "reason"};
    struct tender_caller c = api_tender_caller(req);
    int64_t org = 0;
    const char *reason = NULL;
    json_t *body = body_of(req, res, known, 2);
    if (body == NULL)
        return;
    bool ok = api_field_int(req, res, body, "org_id", false, &org) &&
              api_field_str(req, res, body, "reason", false, EVALUATION_TEXT_MAX, &reason);
    json_decref(body);
    if (!ok)
        return;
    enum err e = evaluation_award(api_app(req)->store, &c, api_param_id(req), lot, org, reason);
    done(req, res, e, e == ERR_MISSING_FIELD || e == ERR_INVALID_FIELD ? "reason" : NULL);
}

void api_eval_notice(struct http_request *req, struct http_response *res)
{
    int lot;
    if (!api_eval_lot(req, res, &lot))
        return;
    struct tender_caller c = api_tender_caller(req);
    struct buf b;
    struct jsonw w;
    buf_init(&b, 1 << 16);
    enum err e = evaluation_notice_json(api_app(req)->store, &c, api_param_id(req), lot, &b);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
    } else {
        char sha[65];
        crypto_sha256_hex(b.data, b.len, sha);
        api_json_begin(res, &w, 200);
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "notice_sha256", sha);
        jsonw_key(&w, "notice");
        jsonw_raw(&w, b.data, b.len);
        jsonw_obj_end(&w);
        api_json_end(res, &w);
    }
    buf_release(&b);
}

void api_eval_fail(struct http_request *req, struct http_response *res)
{
    int lot;
    if (!api_eval_lot(req, res, &lot))
        return;
    struct tender_caller c = api_tender_caller(req);
    const char *reason;
    if (!one_text(req, res, "reason", true, &reason))
        return;
    enum err e = evaluation_fail(api_app(req)->store, &c, api_param_id(req), lot, reason);
    done(req, res, e, e == ERR_INVALID_FIELD || e == ERR_MISSING_FIELD ? "reason" : NULL);
}

void api_eval_contract(struct http_request *req, struct http_response *res)
{
    int lot;
    if (!api_eval_lot(req, res, &lot))
        return;
    static const char *const known[] = {"amount_fen", "document_sha256"};
    struct tender_caller c = api_tender_caller(req);
    int64_t amount = 0;
    const char *doc = NULL;
    json_t *body = body_of(req, res, known, 2);
    if (body == NULL)
        return;
    bool ok = api_field_int(req, res, body, "amount_fen", true, &amount) &&
              api_field_str(req, res, body, "document_sha256", false, 64, &doc);
    json_decref(body);
    if (!ok)
        return;
    enum err e = evaluation_contract(api_app(req)->store, &c, api_param_id(req), lot, amount, doc);
    done(req, res, e, e == ERR_INVALID_FIELD ? "amount_fen" : NULL);
}
