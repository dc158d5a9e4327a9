/*
 * api/boq.c — the bills of quantities over HTTP (api/boq.h, docs/boq.md):
 * the tender's BoQ upload and the comparison, as JSON or XLSX. The domain
 * (domain/boq.c) decides who may do what.
 */
#include "api/boq.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/tenders.h"
#include "domain/boq.h"
#include "sheet/sheet.h"

static void boq_error(struct http_response *res, enum err e, const struct boq_refusal *why)
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
        jsonw_kint(&w, "row", (int64_t)why->row);
    if (why != NULL && why->msg[0] != '\0')
        jsonw_kstr(&w, "detail", why->msg);
    jsonw_obj_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

/* The route parameter ":lot" as a positive integer, or 0. */
static int64_t lot_param(const struct http_request *req)
{
    const char *s = http_param(req, "lot");
    char *end = NULL;
    if (s == NULL || s[0] < '1' || s[0] > '9')
        return 0;
    long long v = strtoll(s, &end, 10);
    return end != NULL && *end == '\0' && v > 0 && v <= 100000 ? (int64_t)v : 0;
}

void api_boq_upload(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct boq_refusal why;
    struct boq_upload up;
    struct tender_changes ch = {0};
    int64_t lot = lot_param(req);
    const char *name = http_query(req, "name");
    if (lot == 0) {
        http_res_error_field(res, ERR_INVALID_FIELD, "lot", NULL);
        return;
    }
    if (name == NULL)
        name = sheet_is_zip(req->body, req->body_len) ? "boq.xlsx" : "boq.csv";
    enum err e = boq_tender_upload(api_app(req)->store, &c, api_param_id(req), lot, name, req->body,
                                   req->body_len, &up, &ch, &why);
    if (e != ERR_OK) {
        boq_error(res, e, &why);
        return;
    }
    struct jsonw w;
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "lot_no", lot);
    jsonw_kstr(&w, "name", name);
    jsonw_kint(&w, "lines", up.lines);
    jsonw_kint(&w, "size", (int64_t)req->body_len);
    jsonw_kint(&w, "version", up.version);
    if (up.notice_no > 0)
        jsonw_kint(&w, "notice_no", up.notice_no);
    else
        jsonw_kstr(&w, "notice_no", NULL);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
    api_tender_publish(req, &ch); /* the notice's changes, for the live stream */
}

/* ?key= as a number within [lo, hi] into *v (kept when absent). */
static bool query_num(struct http_request *req, struct http_response *res, const char *key,
                      double lo, double hi, double *v)
{
    const char *s = http_query(req, key);
    char *end = NULL;
    if (s == NULL)
        return true;
    double d = strtod(s, &end);
    if (s[0] == '\0' || end == NULL || *end != '\0' || !(d >= lo && d <= hi)) {
        http_res_error_field(res, ERR_INVALID_FIELD, key, NULL);
        return false;
    }
    *v = d;
    return true;
}

void api_boq_comparison(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct boq_config cfg = boq_default_config;
    double min_bids = cfg.min_bids, same_min = cfg.same_min;
    int64_t lot = lot_param(req);
    const char *fmt = http_query(req, "format");
    bool xlsx = fmt != NULL && strcmp(fmt, "xlsx") == 0;
    if (fmt != NULL && !xlsx && strcmp(fmt, "json") != 0) {
        http_res_error_field(res, ERR_INVALID_FIELD, "format", "json or xlsx");
        return;
    }
    if (lot == 0) {
        http_res_error_field(res, ERR_INVALID_FIELD, "lot", NULL);
        return;
    }
    if (!query_num(req, res, "z_max", 0, 1000, &cfg.z_max) ||
        !query_num(req, res, "rel_min", 0, 100, &cfg.rel_min) ||
        !query_num(req, res, "share_min", 0, 1, &cfg.share_min) ||
        !query_num(req, res, "min_bids", 2, BOQ_BIDDERS_MAX, &min_bids) ||
        !query_num(req, res, "same_min", 1, 1000000, &same_min))
        return;
    cfg.min_bids = (int)min_bids;
    cfg.same_min = (int)same_min;
    if (boq_config_check(&cfg) != 0 || min_bids != floor(min_bids) || same_min != floor(same_min)) {
        http_res_error_field(res, ERR_INVALID_FIELD, "config", "a threshold is out of range");
        return;
    }
    buf_reset(&res->body);
    enum err e = boq_comparison_view(api_app(req)->store, &c, api_param_id(req), lot, &cfg, xlsx,
                                     &res->body);
    if (e != ERR_OK) {
        buf_reset(&res->body);
        http_res_error(res, e, NULL);
        return;
    }
    res->status = 200;
    if (xlsx) {
        res->content_type = SHEET_XLSX_MEDIA;
        http_res_header(res, "Content-Disposition", "attachment; filename=\"boq-comparison.xlsx\"");
    }
    http_res_header(res, "Cache-Control", "no-store");
}
