/*
 * api/tender_qa.c — the bidders' side of a tender before its deadline, and
 * the agent's answers: registration, the registration and download logs,
 * questions (答疑) and clarifications (澄清), objections (異議) and their
 * answers. Routes: api/tenders.h.
 *
 * Secrecy (招標投標法 art. 22: who obtained the documents, and how many,
 * is not disclosed): registrations and downloads are listed to the
 * tender's agents and the supervisor only; a question's asker is shown to
 * them only — other bidders see the clarification and the questions it
 * answers, never who asked; a bidder lists its own questions and
 * objections. Clarifications are for registered bidders (and the agents
 * and the supervisor). Worker threads.
 */
#include "api/tenders.h"

#include "base/roles.h"

#define QA_LIST_MAX 500 /* questions attached to one page of clarifications */

/* Opens a read transaction and loads the tender of :id; on failure writes
 * the error and returns false (the transaction is closed). */
static bool load(struct http_request *req, struct http_response *res, struct store_tx **tx,
                 struct tender *t, struct tender_access *acc)
{
    int rc = store_begin(api_app(req)->store, STORE_READ, tx);
    enum err e = domain_store_err(rc);
    if (e == ERR_OK)
        e = api_tender_load(req, *tx, t, acc);
    if (e != ERR_OK) {
        store_rollback(*tx);
        *tx = NULL;
        http_res_error(res, e, NULL);
        return false;
    }
    return true;
}

/* Only the tender's agents and the supervisor. */
static bool privileged(const struct tender_access *acc)
{
    return acc->owner || acc->supervisor;
}

static void write_created(struct http_response *res, const char *key, int64_t id)
{
    struct jsonw w;
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, key, id);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

/* A required text field "body" (or another key) of the JSON body. */
static bool read_text(struct http_request *req, struct http_response *res, const char *key,
                      size_t max, const char **out)
{
    json_t *body = api_body(req, res);
    if (body == NULL)
        return false;
    bool ok = api_field_str(req, res, body, key, true, max, out);
    json_decref(body);
    return ok;
}

void api_tenders_register(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct tender_refusal why = {0};
    struct jsonw w;
    enum err e = tender_register(api_app(req)->store, &c, api_param_id(req), &why);
    if (e != ERR_OK) {
        api_tender_error(res, e, &why);
        return;
    }
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "tender_id", api_param_id(req));
    jsonw_kint(&w, "org_id", c.org_id);
    jsonw_kbool(&w, "registered", true);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_tenders_registrations(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct tender t;
    struct tender_access acc;
    struct page pg;
    struct jsonw w;
    int limit;
    int64_t after, unused;
    if (!api_page_args(req, res, &limit, &after, &unused) || !load(req, res, &tx, &t, &acc))
        return;
    int rc = privileged(&acc) ? store_tender_reg_list(tx, req->arena, t.id, after, limit, &pg) : -1;
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, rc < 0 ? ERR_NOT_OWNER : domain_store_err(rc), NULL);
        return;
    }
    const struct tender_registration *r = pg.items;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "org_id", r[i].org_id);
        jsonw_kstr(&w, "org_name", r[i].org_name);
        jsonw_kint(&w, "registered_ms", r[i].registered_ms);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    api_write_cursor(&w, pg.more, pg.n ? r[pg.n - 1].org_id : 0, 0, false);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_tenders_downloads(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct tender t;
    struct tender_access acc;
    struct page pg;
    struct jsonw w;
    int limit;
    int64_t before, unused;
    if (!api_page_args(req, res, &limit, &before, &unused) || !load(req, res, &tx, &t, &acc))
        return;
    int rc = privileged(&acc) ? store_tender_download_list(tx, req->arena, t.id, before, limit, &pg)
                              : -1;
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, rc < 0 ? ERR_NOT_OWNER : domain_store_err(rc), NULL);
        return;
    }
    const struct tender_download *d = pg.items;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "id", d[i].id);
        jsonw_kint(&w, "version", d[i].doc_version);
        jsonw_kint(&w, "org_id", d[i].org_id);
        jsonw_kstr(&w, "org_name", d[i].org_name);
        jsonw_kint(&w, "user_id", d[i].user_id);
        jsonw_kint(&w, "at_ms", d[i].at_ms);
        jsonw_kstr(&w, "remote_addr", d[i].remote_addr);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    api_write_cursor(&w, pg.more, pg.n ? d[pg.n - 1].id : 0, 0, false);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_tenders_ask(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct tender_refusal why = {0};
    const char *text = NULL;
    int64_t id = 0;
    if (!read_text(req, res, "body", TENDER_QUESTION_MAX, &text))
        return;
    enum err e = tender_ask(api_app(req)->store, &c, api_param_id(req), text, &id, &why);
    if (e != ERR_OK) {
        api_tender_error(res, e, &why);
        return;
    }
    write_created(res, "id", id);
}

void api_tenders_questions(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct tender t;
    struct tender_access acc;
    struct page pg;
    struct jsonw w;
    int limit;
    int64_t after, unused;
    if (!api_page_args(req, res, &limit, &after, &unused) || !load(req, res, &tx, &t, &acc))
        return;
    bool all = privileged(&acc);
    int64_t org = all ? 0 : (req->who ? req->who->org_id : 0);
    int rc = (all || org != 0)
                 ? store_tender_question_list(tx, req->arena, t.id, org, after, limit, &pg)
                 : -1;
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, rc < 0 ? ERR_NOT_REGISTERED : domain_store_err(rc), NULL);
        return;
    }
    const struct tender_question *q = pg.items;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "id", q[i].id);
        jsonw_kstr(&w, "body", q[i].body);
        jsonw_kint(&w, "asked_ms", q[i].asked_ms);
        jsonw_kbool(&w, "answered", q[i].clarification_id != 0);
        if (all) /* the asker: agents and the supervisor only */
            jsonw_kint(&w, "org_id", q[i].org_id);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    api_write_cursor(&w, pg.more, pg.n ? q[pg.n - 1].id : 0, 0, false);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_tenders_clarify(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct tender_refusal why = {0};
    struct tender_changes ch = {0};
    const char *text = NULL;
    int64_t qids[TENDER_CLARIFY_QS_MAX];
    int64_t doc_version = 0, no = 0;
    int nq = 0;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "body", true, TENDER_TEXT_MAX, &text) &&
              api_field_int(req, res, body, "document_version", false, &doc_version);
    json_t *arr = json_object_get(body, "question_ids");
    if (ok && arr != NULL && !json_is_null(arr)) {
        size_t i;
        json_t *v;
        if (!json_is_array(arr) || json_array_size(arr) > TENDER_CLARIFY_QS_MAX) {
            http_res_error_field(res, ERR_INVALID_FIELD, "question_ids",
                                 "must be an array of at most 50 ids");
            ok = false;
        }
        json_array_foreach(arr, i, v)
        {
            if (!ok)
                break;
            if (!json_is_integer(v) || json_integer_value(v) <= 0) {
                http_res_error_field(res, ERR_INVALID_FIELD, "question_ids",
                                     "must be positive integers");
                ok = false;
                break;
            }
            qids[nq++] = (int64_t)json_integer_value(v);
        }
    }
    json_decref(body);
    if (!ok)
        return;
    enum err e = tender_clarify(api_app(req)->store, &c, api_param_id(req), text, qids, nq,
                                doc_version, &no, &ch, &why);
    if (e != ERR_OK) {
        api_tender_error(res, e, &why);
        return;
    }
    struct jsonw w;
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "no", no);
    jsonw_kint(&w, "bid_deadline_ms", ch.n > 0 ? ch.c[0].bid_deadline_ms : 0);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
    api_tender_publish(req, &ch);
}

void api_tenders_clarifications(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct tender t;
    struct tender_access acc;
    struct page pg, qs = {0};
    struct jsonw w;
    int limit;
    int64_t after, unused;
    if (!api_page_args(req, res, &limit, &after, &unused) || !load(req, res, &tx, &t, &acc))
        return;
    int rc = -1;
    if (privileged(&acc) || acc.registered) {
        rc = store_tender_clar_list(tx, req->arena, t.id, after, limit, &pg);
        if (rc == STORE_OK) /* the questions they answer, without askers */
            rc = store_tender_question_list(tx, req->arena, t.id, 0, 0, QA_LIST_MAX, &qs);
    }
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, rc < 0 ? ERR_NOT_REGISTERED : domain_store_err(rc), NULL);
        return;
    }
    const struct tender_clarification *c = pg.items;
    const struct tender_question *q = qs.items;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "no", c[i].no);
        jsonw_kstr(&w, "body", c[i].body);
        jsonw_key(&w, "document_version");
        if (c[i].document_version)
            jsonw_int(&w, c[i].document_version);
        else
            jsonw_null(&w);
        jsonw_kint(&w, "deadline_before_ms", c[i].deadline_before_ms);
        jsonw_kint(&w, "deadline_after_ms", c[i].deadline_after_ms);
        jsonw_kint(&w, "published_ms", c[i].published_ms);
        jsonw_key(&w, "questions");
        jsonw_arr_begin(&w);
        for (int k = 0; k < qs.n; k++)
            if (q[k].clarification_id == c[i].id)
                jsonw_str(&w, q[k].body);
        jsonw_arr_end(&w);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    api_write_cursor(&w, pg.more, pg.n ? c[pg.n - 1].no : 0, 0, false);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_tenders_object(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct tender_refusal why = {0};
    struct tender_changes ch = {0};
    const char *text = NULL;
    int64_t id = 0;
    if (!read_text(req, res, "body", TENDER_QUESTION_MAX, &text))
        return;
    enum err e = tender_object(api_app(req)->store, &c, api_param_id(req), text, &id, &ch, &why);
    if (e != ERR_OK) {
        api_tender_error(res, e, &why);
        return;
    }
    write_created(res, "id", id);
    api_tender_publish(req, &ch);
}

void api_tenders_objections(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct tender t;
    struct tender_access acc;
    struct page pg;
    struct jsonw w;
    int limit;
    int64_t after, unused;
    if (!api_page_args(req, res, &limit, &after, &unused) || !load(req, res, &tx, &t, &acc))
        return;
    bool all = privileged(&acc);
    int64_t org = all ? 0 : (req->who ? req->who->org_id : 0);
    int rc = (all || org != 0)
                 ? store_tender_objection_list(tx, req->arena, t.id, org, after, limit, &pg)
                 : -1;
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, rc < 0 ? ERR_NOT_REGISTERED : domain_store_err(rc), NULL);
        return;
    }
    const struct tender_objection *o = pg.items;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "id", o[i].id);
        jsonw_kstr(&w, "body", o[i].body);
        jsonw_kint(&w, "raised_ms", o[i].raised_ms);
        jsonw_kint(&w, "answer_due_ms", o[i].answer_due_ms);
        jsonw_kstr(&w, "answer", o[i].answer);
        jsonw_key(&w, "answered_ms");
        if (o[i].answered_ms)
            jsonw_int(&w, o[i].answered_ms);
        else
            jsonw_null(&w);
        if (all)
            jsonw_kint(&w, "org_id", o[i].org_id);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    api_write_cursor(&w, pg.more, pg.n ? o[pg.n - 1].id : 0, 0, false);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_tenders_answer(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct tender_refusal why = {0};
    struct tender_changes ch = {0};
    const char *text = NULL;
    const char *oid = http_param(req, "oid");
    char *end = NULL;
    long long objection = oid != NULL && *oid >= '1' && *oid <= '9' ? strtoll(oid, &end, 10) : 0;
    if (objection <= 0 || end == NULL || *end != '\0') {
        http_res_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    if (!read_text(req, res, "answer", TENDER_TEXT_MAX, &text))
        return;
    enum err e = tender_answer(api_app(req)->store, &c, api_param_id(req), (int64_t)objection, text,
                               &ch, &why);
    if (e != ERR_OK) {
        api_tender_error(res, e, &why);
        return;
    }
    struct jsonw w;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "objection_id", (int64_t)objection);
    jsonw_kbool(&w, "resumed", ch.n > 0);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
    api_tender_publish(req, &ch);
}
