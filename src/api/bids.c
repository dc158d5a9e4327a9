/*
 * api/bids.c — submitting, replacing and withdrawing sealed bids, the
 * bidder's own list, and the receipt keys (routes in api/bids.h; the rules
 * in domain/bids.h; the protocol in docs/bids.md).
 *
 * The upload is a STREAM_BODY route: api_bid_submit runs twice on a worker,
 * first with req->admitting (bid_upload_begin: refuse before any byte is
 * read, or set up the sink), then after the body with the upload complete
 * (bid_upload_commit). Between the two, the loop thread calls the sink
 * below for every piece of the body: it only writes to the spool file and
 * hashes (bid_upload_write), never touches the store.
 *
 * Worker threads, except the sink (loop thread) and its release (any).
 */
#include "api/bids.h"

#include <errno.h>
#include <stdlib.h>

#include "api/tenders.h"
#include "base/log.h"

/* The sink's context: the upload, and the request whose sink.message it sets. */
struct bid_sink {
    struct bid_upload *u;
    struct http_request *req;
};

static enum err sink_write(void *ctx, const void *p, size_t n)
{
    struct bid_sink *s = ctx;
    enum err e = bid_upload_write(s->u, p, n);
    if (e != ERR_OK)
        s->req->sink.message = bid_upload_message(s->u);
    return e;
}

static enum err sink_finish(void *ctx, const char **digest)
{
    struct bid_sink *s = ctx;
    enum err e = bid_upload_end(s->u, digest);
    if (e != ERR_OK)
        s->req->sink.message = bid_upload_message(s->u);
    return e;
}

static void sink_release(void *ctx)
{
    struct bid_sink *s = ctx;
    bid_upload_free(s->u);
    s->u = NULL;
}

static int64_t param_int(const struct http_request *req, const char *name)
{
    const char *s = http_param(req, name);
    char *end;
    if (s == NULL || *s < '1' || *s > '9')
        return 0;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return 0;
    return (int64_t)v;
}

/* Content-Length as a number, -1 when absent (chunked). */
static int64_t declared_length(const struct http_request *req)
{
    const char *s = http_header(req, "content-length");
    char *end;
    if (s == NULL)
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0)
        return -1;
    return (int64_t)v;
}

static void write_bid(struct jsonw *w, const struct bid *b, const char *tender_code)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "id", b->id);
    jsonw_kint(w, "tender_id", b->tender_id);
    if (tender_code != NULL)
        jsonw_kstr(w, "tender_code", tender_code);
    jsonw_kint(w, "lot", b->lot_no);
    jsonw_kint(w, "version", b->version);
    jsonw_kstr(w, "state", b->state);
    jsonw_kstr(w, "sha256", b->blob_hash);
    jsonw_kint(w, "size", b->size);
    jsonw_kstr(w, "suite", b->suite);
    jsonw_kstr(w, "chain", b->chain_hash);
    jsonw_kstr(w, "signer", b->signer_fp);
    jsonw_kint(w, "submitted_ms", b->submitted_ms);
    jsonw_kint(w, "seq", b->seq);
    if (b->remote_addr != NULL)
        jsonw_kstr(w, "remote_addr", b->remote_addr);
    if (b->ended_ms > 0)
        jsonw_kint(w, "ended_ms", b->ended_ms);
    jsonw_obj_end(w);
}

static void write_receipt(struct jsonw *w, const struct bid_receipt *r, const char *public_pem)
{
    jsonw_obj_begin(w);
    jsonw_kstr(w, "kind", r->kind);
    jsonw_kint(w, "seq", r->seq);
    jsonw_kint(w, "bid_id", r->bid_id);
    jsonw_kint(w, "created_ms", r->created_ms);
    jsonw_kstr(w, "text", r->body);
    jsonw_kstr(w, "alg", "ed25519");
    jsonw_kstr(w, "key_id", r->key_id);
    jsonw_kstr(w, "signature", r->signature);
    if (public_pem != NULL)
        jsonw_kstr(w, "public_key", public_pem);
    jsonw_obj_end(w);
}

static void answer_outcome(struct http_request *req, struct http_response *res,
                           const struct bid_outcome *out, int status)
{
    struct bid_service *svc = api_app(req)->bids;
    struct jsonw w;
    /* the key that signed this receipt: ours, or another node's (then the
     * client fetches it from /api/receipt-keys) */
    const char *pem =
        out->receipt.key_id != NULL && strcmp(out->receipt.key_id, svc->receipt_key_id) == 0
            ? svc->receipt_pub_pem
            : NULL;
    api_json_begin(res, &w, status);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "bid");
    write_bid(&w, &out->bid, NULL);
    jsonw_key(&w, "receipt");
    write_receipt(&w, &out->receipt, pem);
    jsonw_kbool(&w, "unchanged", out->unchanged);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_bid_submit(struct http_request *req, struct http_response *res)
{
    struct bid_service *svc = api_app(req)->bids;
    if (svc == NULL) {
        http_res_error(res, ERR_INTERNAL, "sealed bids are not set up on this server");
        return;
    }
    if (req->admitting) {
        struct tender_caller c = api_tender_caller(req);
        struct bid_upload *u = NULL;
        const char *field = NULL;
        enum err e = bid_upload_begin(svc, &c, api_param_id(req), param_int(req, "lot"),
                                      declared_length(req), &u, &field);
        if (e != ERR_OK) {
            api_error(res, e, field);
            return;
        }
        struct bid_sink *s = arena_calloc(req->arena, sizeof(*s));
        if (s == NULL) {
            bid_upload_free(u);
            http_res_error(res, ERR_OVERLOADED, NULL);
            return;
        }
        s->u = u;
        s->req = req;
        req->sink.write = sink_write;
        req->sink.finish = sink_finish;
        req->sink.release = sink_release;
        req->sink.ctx = s;
        return;
    }
    struct bid_sink *s = req->sink.ctx;
    struct bid_outcome out;
    if (s == NULL || s->u == NULL) {
        http_res_error(res, ERR_INTERNAL, NULL);
        return;
    }
    enum err e = bid_upload_commit(s->u, req->arena, &out);
    if (e != ERR_OK) {
        http_res_error(res, e, bid_upload_message(s->u));
        return;
    }
    if (!out.unchanged)
        log_info("bid %lld: tender %lld lot %lld org %lld version %lld, %lld bytes, seq %lld",
                 (long long)out.bid.id, (long long)out.bid.tender_id, (long long)out.bid.lot_no,
                 (long long)out.bid.org_id, (long long)out.bid.version, (long long)out.bid.size,
                 (long long)out.bid.seq);
    answer_outcome(req, res, &out, out.unchanged ? 200 : 201);
}

void api_bid_withdraw(struct http_request *req, struct http_response *res)
{
    struct bid_service *svc = api_app(req)->bids;
    struct tender_caller c = api_tender_caller(req);
    struct bid_outcome out;
    const char *field = NULL;
    if (svc == NULL) {
        http_res_error(res, ERR_INTERNAL, NULL);
        return;
    }
    enum err e =
        bid_withdraw(svc, &c, api_param_id(req), param_int(req, "lot"), req->arena, &out, &field);
    if (e != ERR_OK) {
        api_error(res, e, field);
        return;
    }
    answer_outcome(req, res, &out, 200);
}

void api_bids_mine(struct http_request *req, struct http_response *res)
{
    struct bid_service *svc = api_app(req)->bids;
    struct tender_caller c = api_tender_caller(req);
    struct page bids, receipts;
    struct jsonw w;
    if (svc == NULL) {
        http_res_error(res, ERR_INTERNAL, NULL);
        return;
    }
    enum err e = bid_list_own(svc, &c, api_param_id(req), req->arena, &bids, &receipts);
    if (e != ERR_OK) {
        api_error(res, e, e == ERR_NOT_FOUND ? "tender" : NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "bids");
    jsonw_arr_begin(&w);
    for (int i = 0; i < bids.n; i++)
        write_bid(&w, (const struct bid *)bids.items + i, NULL);
    jsonw_arr_end(&w);
    jsonw_key(&w, "receipts");
    jsonw_arr_begin(&w);
    for (int i = 0; i < receipts.n; i++)
        write_receipt(&w, (const struct bid_receipt *)receipts.items + i, NULL);
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_receipt_keys(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct page pg;
    struct jsonw w;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_receipt_key_list(tx, req->arena, 100, &pg);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        const struct receipt_key_row *k = (const struct receipt_key_row *)pg.items + i;
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "key_id", k->key_id);
        jsonw_kstr(&w, "alg", k->alg);
        jsonw_kstr(&w, "public_key", k->public_pem);
        if (k->node != NULL)
            jsonw_kstr(&w, "node", k->node);
        jsonw_kint(&w, "created_ms", k->created_ms);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}
