/*
 * api/opening.c — the opening hall over HTTP (api/opening.h). The rules are
 * in domain/opening.c; this file reads the bodies, calls the step, answers
 * and publishes the step's change after the commit.
 */
#include "api/opening.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/clock.h"

#include "api/tenders.h"
#include "domain/opening.h"
#include "domain/orgsig.h"

/* Publishes a change on the tender's topic (and phase changes and the
 * record on "public"). */
static void publish(struct http_request *req, const struct opening_change *ch)
{
    struct buf b;
    char topic[40];
    if (ch->event == NULL)
        return;
    buf_init(&b, 4096);
    if (opening_change_json(ch, &b) == 0) {
        snprintf(topic, sizeof topic, "opening.%lld", (long long)ch->tender_id);
        api_publish(req, topic, ch->event, &b);
        if (strcmp(ch->event, "opening.phase") == 0 || strcmp(ch->event, "opening.record") == 0)
            api_publish(req, "public", ch->event, &b);
    }
    /* sealing and 流标 move the tender: its page listens for tender.state */
    buf_reset(&b);
    if (ch->tender_moved && tender_change_json(&ch->move, &b) == 0)
        api_publish(req, "public", ch->move.event, &b);
    buf_release(&b);
}

void api_opening_publish_escrow(struct http_request *req, int64_t tender_id, int received,
                                bool recovered)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct tender t;
    struct buf b;
    struct jsonw w;
    char topic[40];
    arena_init(&a, 0);
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK) {
        rc = store_tender_get(tx, &a, tender_id, &t);
        store_rollback(tx);
    }
    if (rc == STORE_OK) {
        /* counts only: no share content */
        buf_init(&b, 1024);
        jsonw_init(&w, &b);
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "tender_id", tender_id);
        jsonw_kstr(&w, "event", "opening.escrow");
        jsonw_key(&w, "lot");
        jsonw_null(&w);
        jsonw_key(&w, "bid");
        jsonw_null(&w);
        jsonw_kint(&w, "received", received);
        jsonw_kint(&w, "needed", t.escrow_k);
        jsonw_kbool(&w, "recovered", recovered);
        jsonw_kint(&w, "at_ms", clock_now_ms());
        jsonw_obj_end(&w);
        snprintf(topic, sizeof topic, "opening.%lld", (long long)tender_id);
        if (jsonw_finish(&w) == JSONW_OK)
            api_publish(req, topic, "opening.escrow", &b);
        buf_release(&b);
    }
    arena_release(&a);
}

/* Answers a step: its change as JSON, or the error; publishes on success. */
static void answer(struct http_request *req, struct http_response *res, enum err e,
                   const struct opening_change *ch, int64_t created_id)
{
    struct jsonw w;
    struct buf b;
    if (e != ERR_OK) {
        api_error(res, e, NULL);
        return;
    }
    buf_init(&b, 4096);
    if (opening_change_json(ch, &b) != 0) {
        buf_release(&b);
        api_error(res, ERR_INTERNAL, NULL);
        return;
    }
    api_json_begin(res, &w, created_id != 0 ? 201 : 200);
    jsonw_obj_begin(&w);
    if (created_id != 0)
        jsonw_kint(&w, "id", created_id);
    jsonw_key(&w, "change");
    jsonw_raw(&w, b.data, b.len);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
    buf_release(&b);
    publish(req, ch);
}

/* An optional (required: mandatory) text field of the JSON body; false when
 * the answer has been written. An empty body counts as {} when optional. */
static bool body_text(struct http_request *req, struct http_response *res, const char *key,
                      bool required, const char **out)
{
    *out = NULL;
    if (!required && req->body_len == 0)
        return true;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return false;
    bool ok = api_field_str(req, res, body, key, required, OPENING_TEXT_MAX, out);
    json_decref(body);
    return ok;
}

void api_opening_get(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct buf b;
    struct jsonw w;
    buf_init(&b, OPENING_RECORD_MAX * 2);
    enum err e = opening_view_json(api_app(req)->store, &c, api_param_id(req), &b);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
    } else {
        api_json_begin(res, &w, 200);
        jsonw_raw(&w, b.data, b.len);
        api_json_end(res, &w);
    }
    buf_release(&b);
}

void api_opening_events(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct tender t;
    struct tender_access acc;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc != STORE_OK) {
        api_error(res, domain_store_err(rc), NULL);
        return;
    }
    enum err e = api_tender_load(req, tx, &t, &acc);
    store_rollback(tx);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
        return;
    }
    char *topic = arena_alloc(req->arena, 40);
    if (topic == NULL) {
        api_error(res, ERR_INTERNAL, NULL);
        return;
    }
    snprintf(topic, 40, "opening.%lld", (long long)t.id);
    res->sse_topic = topic;
}

void api_opening_record(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct tender t;
    struct tender_access acc;
    struct opening_hall h;
    struct jsonw w;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc != STORE_OK) {
        api_error(res, domain_store_err(rc), NULL);
        return;
    }
    enum err e = api_tender_load(req, tx, &t, &acc);
    if (e == ERR_OK) {
        rc = store_opening_hall_get(tx, req->arena, t.id, &h);
        e = rc == STORE_NOTFOUND ? ERR_OPENING_WRONG_PHASE : domain_store_err(rc);
    }
    store_rollback(tx);
    if (e == ERR_OK &&
        (h.record == NULL || h.record_hash == NULL || strcmp(h.phase, "sealed") != 0))
        e = ERR_OPENING_WRONG_PHASE;
    if (e != ERR_OK) {
        api_error(res, e, NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "record_sha256", h.record_hash);
    jsonw_key(&w, "record");
    jsonw_raw(&w, h.record, strlen(h.record));
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_opening_signin(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct opening_change ch = {0};
    enum err e = opening_sign_in(api_app(req)->store, &c, api_param_id(req), &ch);
    answer(req, res, e, &ch, 0);
}

void api_opening_advance(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct opening_change ch = {0};
    const char *from = NULL;
    int expect = OP__COUNT;
    if (!body_text(req, res, "from", false, &from))
        return;
    if (from != NULL && (expect = opening_phase_parse(from)) < 0) {
        api_error(res, ERR_INVALID_FIELD, "from");
        return;
    }
    enum err e = opening_advance(api_app(req)->store, &c, api_param_id(req),
                                 (enum opening_phase)expect, &ch);
    answer(req, res, e, &ch, 0);
}

void api_opening_fail(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct opening_change ch = {0};
    const char *reason = NULL;
    if (!body_text(req, res, "reason", false, &reason))
        return;
    enum err e = opening_fail(api_app(req)->store, &c, api_param_id(req), reason, &ch);
    answer(req, res, e, &ch, 0);
}

void api_opening_object(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct opening_change ch = {0};
    const char *text = NULL;
    int64_t id = 0;
    if (!body_text(req, res, "body", true, &text))
        return;
    enum err e = opening_object(api_app(req)->store, &c, api_param_id(req), text, &id, &ch);
    answer(req, res, e, &ch, id);
}

void api_opening_answer(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct opening_change ch = {0};
    const char *text = NULL;
    const char *oid = http_param(req, "oid");
    char *end = NULL;
    long long objection = oid != NULL && *oid >= '1' && *oid <= '9' ? strtoll(oid, &end, 10) : 0;
    if (objection <= 0 || end == NULL || *end != '\0') {
        api_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    if (!body_text(req, res, "answer", true, &text))
        return;
    enum err e =
        opening_answer(api_app(req)->store, &c, api_param_id(req), (int64_t)objection, text, &ch);
    answer(req, res, e, &ch, 0);
}

void api_opening_decrypt(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct opening_change ch = {0};
    struct opening_outcome out;
    uint8_t key[SUITE_KEY_LEN];
    const char *hex = NULL;
    int64_t lot_no = 1;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "key", true, 2 * SUITE_KEY_LEN, &hex) &&
              api_field_int(req, res, body, "lot_no", false, &lot_no);
    json_decref(body);
    if (!ok)
        return;
    if (strlen(hex) != 2 * SUITE_KEY_LEN) {
        api_error(res, ERR_INVALID_FIELD, "key");
        return;
    }
    for (size_t i = 0; i < SUITE_KEY_LEN; i++) {
        char two[3] = {hex[2 * i], hex[2 * i + 1], '\0'};
        char *end = NULL;
        long v = strtol(two, &end, 16);
        if (end != two + 2 ||
            !((two[0] >= '0' && two[0] <= '9') || (two[0] >= 'a' && two[0] <= 'f') ||
              (two[0] >= 'A' && two[0] <= 'F'))) {
            api_error(res, ERR_INVALID_FIELD, "key");
            return;
        }
        key[i] = (uint8_t)v;
    }
    enum err e =
        opening_decrypt(api_app(req)->store, &c, api_param_id(req), lot_no, key, &out, &ch);
    memset(key, 0, sizeof key);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
        return;
    }
    struct jsonw w;
    struct buf b;
    buf_init(&b, 4096);
    if (opening_change_json(&ch, &b) != 0) {
        buf_release(&b);
        api_error(res, ERR_INTERNAL, NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "status", out.status);
    jsonw_kstr(&w, "reason", out.reason);
    jsonw_key(&w, "change");
    jsonw_raw(&w, b.data, b.len);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
    buf_release(&b);
    publish(req, &ch);
}

/* {"signature": base64 (DER, or raw r || s), "draft_sha256"?: the hash
 * signed}; orgsig_decode is the parser of the signature (fuzz_orgsig). */
void api_opening_sign(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct opening_change ch = {0};
    const char *b64 = NULL, *draft = NULL;
    uint8_t sig[ORGSIG_MAX];
    size_t sig_len = 0;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "signature", true, ORGSIG_B64_MAX, &b64) &&
              api_field_str(req, res, body, "draft_sha256", false, 64, &draft);
    json_decref(body);
    if (!ok)
        return;
    enum err e = orgsig_decode(b64, strlen(b64), sig, &sig_len);
    if (e == ERR_OK)
        e = opening_sign(api_app(req)->store, &c, api_param_id(req), sig, sig_len, draft, &ch);
    answer(req, res, e, &ch, 0);
}
