/*
 * api/escrow.c — the tender escrow key and personal certificates over HTTP
 * (api/escrow.h): reads the bodies, calls the domain, answers; the hall's
 * change of an escrow opening is published after its commit like the key
 * release's. Worker threads.
 */
#include "api/escrow.h"

#include <stdio.h>
#include <string.h>

#include "api/opening.h"
#include "api/tenders.h"
#include "base/clock.h"
#include "store/escrow.h"
#include "base/base64.h"
#include "domain/bids.h"
#include "domain/escrow.h"
#include "domain/usercert.h"

/* ---- personal certificates ---- */

static void certs_answer(struct http_request *req, struct http_response *res, int status)
{
    struct store_tx *tx = NULL;
    struct page pg;
    struct jsonw w;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_user_cert_list(tx, req->arena, req->who->user_id, 100, &pg);
    store_rollback(tx);
    if (rc != STORE_OK) {
        api_error(res, domain_store_err(rc), NULL);
        return;
    }
    const struct user_cert *c = pg.items;
    api_json_begin(res, &w, status);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "id", c[i].id);
        jsonw_kstr(&w, "usage", c[i].usage);
        jsonw_kstr(&w, "status", c[i].status);
        jsonw_kstr(&w, "fingerprint", c[i].fingerprint);
        jsonw_kstr(&w, "subject", c[i].subject);
        jsonw_kstr(&w, "issuer", c[i].issuer);
        jsonw_kstr(&w, "serial", c[i].serial);
        jsonw_kstr(&w, "key_alg", c[i].key_alg);
        jsonw_kint(&w, "not_before_ms", c[i].not_before_ms);
        jsonw_kint(&w, "not_after_ms", c[i].not_after_ms);
        jsonw_kint(&w, "registered_ms", c[i].registered_ms);
        if (c[i].replaced_ms > 0)
            jsonw_kint(&w, "replaced_ms", c[i].replaced_ms);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_usercerts_list(struct http_request *req, struct http_response *res)
{
    certs_answer(req, res, 200);
}

/* A PEM (or DER) body is one certificate; a JSON body {"sign", "enc"} (or
 * "encrypt") one or both. */
void api_usercerts_register(struct http_request *req, struct http_response *res)
{
    struct bid_service *svc = api_app(req)->bids;
    struct actor who = api_actor(req);
    struct usercert_result out;
    const char *sign = NULL, *enc = NULL, *enc2 = NULL;
    size_t slen = 0, elen = 0;
    if (svc == NULL) {
        http_res_error(res, ERR_INTERNAL, "certificates are not set up on this server");
        return;
    }
    size_t i = 0;
    while (i < req->body_len && (req->body[i] == ' ' || req->body[i] == '\n' ||
                                 req->body[i] == '\r' || req->body[i] == '\t'))
        i++;
    if (i < req->body_len && req->body[i] == '{') {
        json_t *body = api_body(req, res);
        if (body == NULL)
            return;
        bool ok = api_field_str(req, res, body, "sign", false, USERCERT_MAX_PEM, &sign) &&
                  api_field_str(req, res, body, "enc", false, USERCERT_MAX_PEM, &enc) &&
                  api_field_str(req, res, body, "encrypt", false, USERCERT_MAX_PEM, &enc2);
        json_decref(body);
        if (!ok)
            return;
        if (enc == NULL)
            enc = enc2;
        if (sign == NULL && enc == NULL) {
            api_error(res, ERR_MISSING_FIELD, "enc");
            return;
        }
        slen = sign ? strlen(sign) : 0;
        elen = enc ? strlen(enc) : 0;
    } else {
        enc = req->body;
        elen = req->body_len;
        if (elen == 0) {
            api_error(res, ERR_MISSING_FIELD, "body");
            return;
        }
    }
    enum err e = usercert_register(api_app(req)->store, svc->trust, &who, req->who->user_id, sign,
                                   slen, enc, elen, &out);
    if (e != ERR_OK) {
        http_res_error_field(res, e, "certificate",
                             out.check.message[0] ? out.check.message : NULL);
        return;
    }
    certs_answer(req, res, 201);
}

/* ---- the escrow key ---- */

void api_escrow_get(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct buf b;
    struct jsonw w;
    buf_init(&b, 1 << 20);
    enum err e = escrow_view_json(api_app(req)->store, &c, api_param_id(req), &b);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
    } else {
        api_json_begin(res, &w, 200);
        jsonw_raw(&w, b.data, b.len);
        api_json_end(res, &w);
    }
    buf_release(&b);
}

/* GET /api/escrow/candidates: who may be named an opening officer, for the
 * tender editor's picker (agents may not list users otherwise). Certificates
 * that expired since registration are left out: publishing would refuse
 * them. Subjects only, never keys. */
void api_escrow_candidates(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct page pg;
    struct jsonw w;
    int64_t now = clock_now_ms();
    arena_init(&a, 0);
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_escrow_candidates(tx, &a, API_OFFICER_ROLES, ESCROW_CANDIDATES_MAX, &pg);
    if (tx != NULL)
        store_rollback(tx);
    if (rc != STORE_OK) {
        api_error(res, domain_store_err(rc), NULL);
        arena_release(&a);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        const struct escrow_candidate *c = (const struct escrow_candidate *)pg.items + i;
        if (c->not_after_ms <= now)
            continue;
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "user_id", c->user_id);
        jsonw_kstr(&w, "username", c->username);
        jsonw_kstr(&w, "name", c->name);
        jsonw_key(&w, "roles");
        jsonw_arr_begin(&w);
        if (c->roles & ROLE_AGENT)
            jsonw_str(&w, "agent");
        if (c->roles & ROLE_SUPERVISOR)
            jsonw_str(&w, "supervisor");
        if (c->roles & ROLE_ADMIN)
            jsonw_str(&w, "admin");
        jsonw_arr_end(&w);
        jsonw_kstr(&w, "subject", c->subject);
        jsonw_kstr(&w, "key_alg", c->key_alg);
        jsonw_kint(&w, "not_after_ms", c->not_after_ms);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_kbool(&w, "more", pg.more);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
    arena_release(&a);
}

void api_escrow_officers(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    int64_t ids[ESCROW_MAX_OFFICERS], bad = 0;
    int n = 0;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    json_t *arr = json_object_get(body, "officers");
    enum err e = ERR_OK;
    if (arr == NULL)
        e = ERR_MISSING_FIELD;
    else if (!json_is_array(arr) || json_array_size(arr) > ESCROW_MAX_OFFICERS)
        e = ERR_INVALID_FIELD;
    for (size_t i = 0; e == ERR_OK && i < json_array_size(arr); i++) {
        json_t *v = json_array_get(arr, i);
        if (!json_is_integer(v) || json_integer_value(v) <= 0)
            e = ERR_INVALID_FIELD;
        else
            ids[n++] = (int64_t)json_integer_value(v);
    }
    json_decref(body);
    if (e != ERR_OK) {
        api_error(res, e, "officers");
        return;
    }
    e = escrow_officers_set(api_app(req)->store, &c, api_param_id(req), ids, n, &bad);
    if (e == ERR_ESCROW_OFFICERS_INVALID && bad != 0) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "User %lld cannot be an opening officer: it must be an agent, supervisor or "
                 "admin with a registered encryption certificate, named once.",
                 (long long)bad);
        http_res_error_field(res, e, "officers", msg);
        return;
    }
    if (e != ERR_OK) {
        api_error(res, e, e == ERR_ESCROW_OFFICERS_INVALID ? "officers" : NULL);
        return;
    }
    api_escrow_get(req, res);
}

void api_escrow_share_get(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct buf sealed;
    struct jsonw w;
    unsigned x = 0;
    buf_init(&sealed, ESCROW_SEALED_MAX);
    enum err e = escrow_share_get(api_app(req)->store, &c, api_param_id(req), &x, &sealed);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
        buf_release(&sealed);
        return;
    }
    char b64[B64_LEN(ESCROW_SEALED_MAX)];
    b64_encode(sealed.data, sealed.len, b64);
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "tender_id", api_param_id(req));
    jsonw_kint(&w, "x", x);
    jsonw_kstr(&w, "encrypted_share", b64);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
    buf_release(&sealed);
}

void api_escrow_share_submit(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct escrow_submit_result out;
    struct jsonw w;
    uint8_t share[SHAMIR_SHARE_LEN + 4];
    const char *b64 = NULL;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "share", true, B64_LEN(SHAMIR_SHARE_LEN) + 8, &b64);
    json_decref(body);
    if (!ok)
        return;
    long n = b64_decode(b64, strlen(b64), share, sizeof share, 0);
    enum err e = ERR_ESCROW_SHARE_INVALID;
    if (n == SHAMIR_SHARE_LEN)
        e = escrow_share_submit(api_app(req)->store, &c, api_param_id(req), share, (size_t)n, &out);
    OPENSSL_cleanse(share, sizeof share);
    if (e != ERR_OK) {
        api_error(res, e, e == ERR_ESCROW_SHARE_INVALID ? "share" : NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "x", out.x);
    jsonw_kint(&w, "submitted", out.submitted);
    jsonw_kbool(&w, "recovered", out.recovered);
    jsonw_kbool(&w, "mismatch", out.mismatch);
    jsonw_key(&w, "bad_shares");
    jsonw_arr_begin(&w);
    for (int i = 0; i < out.n_bad; i++)
        jsonw_int(&w, out.bad[i]);
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
    api_opening_publish_escrow(req, api_param_id(req), out.submitted, out.recovered);
}

/* ---- the hall ---- */

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
    }
    buf_release(&b);
}

void api_escrow_open(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct opening_change ch = {0};
    struct opening_outcome out;
    int64_t lot_no = 1, org_id = 0;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_int(req, res, body, "org_id", true, &org_id) &&
              api_field_int(req, res, body, "lot_no", false, &lot_no);
    json_decref(body);
    if (!ok)
        return;
    enum err e =
        opening_escrow_open(api_app(req)->store, &c, api_param_id(req), org_id, lot_no, &out, &ch);
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
    jsonw_kbool(&w, "escrow", true);
    jsonw_key(&w, "change");
    jsonw_raw(&w, b.data, b.len);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
    buf_release(&b);
    publish(req, &ch);
}
