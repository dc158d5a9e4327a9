/*
 * api/opening_head.c — the head of a bidder's own envelope at the opening:
 *
 *   GET /api/tenders/:id/opening/envelope-head?lot_no=N      bidder
 *
 * answers application/octet-stream: the envelope's bytes from its first
 * byte to the end of its recipient blocks (docs/envelope.md "Header"),
 *
 *   preamble | created tender lot org host-hash mac-hash tool cert
 *            | recipient count | recipients ...          <- ends here
 *            | file count | files ...                    (left out)
 *
 * which is all a browser needs to release the content key K
 * (web/seal.js releaseKey): it finds its own block by key id, unwraps K
 * with its encryption key locally and posts K to /opening/decrypt. The
 * bidder's tool (`sunbid unseal --release-key`) needs none of this: it
 * holds the sealed copy.
 *
 * Who and when, checked in this order (stable codes, docs/opening.md):
 *   caller not a bidder with an organisation        403 opening_not_bidder
 *   lot_no not an integer 1..2^31                   422 invalid_field (lot_no)
 *   tender unknown or not visible                   404 not_found
 *   no hall yet, or the hall not in phase decrypt   409 opening_wrong_phase
 *   the decryption window over (server time)        409 opening_window_closed
 *   no bid of the caller's organisation on the lot  403 opening_not_bidder
 *   the stored blob gone                            404 not_found
 *   the blob damaged or not an envelope             500 internal
 * Only the caller's own organisation's bid in the hall is ever served: the
 * head is not secret (wrapped keys open only with private keys), but the
 * organisations that bid stay unknown until the read-out.
 *
 * The blob is read whole and checked against its name by blob_get
 * (bounded by OPENING_ENVELOPE_MAX, as the decryption reads it), then the
 * envelope reader parses the preamble and header. Worker threads.
 */
#include "api/opening_head.h"

#include <stdlib.h>
#include <string.h>

#include "api/tenders.h"
#include "base/clock.h"
#include "base/roles.h"
#include "crypto/envelope.h"
#include "domain/opening.h"

#define HEAD_PREAMBLE 16 /* magic 8, version, suite, flags 2, header length 4 */

/* The blob hash of org's bid for lot_no in the hall of the tender. */
static enum err find_own_bid(struct http_request *req, const struct tender_caller *c,
                             int64_t lot_no, struct buf *hash)
{
    struct store_tx *tx = NULL;
    struct tender t;
    struct tender_access acc;
    struct opening_hall h;
    struct page bids = {0};
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e = api_tender_load(req, tx, &t, &acc);
    if (e != ERR_OK)
        goto out;
    rc = store_opening_hall_get(tx, req->arena, t.id, &h);
    if (rc == STORE_NOTFOUND) {
        e = ERR_OPENING_WRONG_PHASE;
        goto out;
    }
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    if (strcmp(h.phase, "decrypt") != 0) {
        e = ERR_OPENING_WRONG_PHASE;
        goto out;
    }
    if (clock_now_ms() >= h.window_end_ms) {
        e = ERR_OPENING_WINDOW_CLOSED;
        goto out;
    }
    rc = store_opening_bid_list(tx, req->arena, t.id, OPENING_BIDS_MAX, &bids);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    e = ERR_OPENING_NOT_BIDDER;
    for (int i = 0; i < bids.n; i++) {
        const struct opening_bid *b = (const struct opening_bid *)bids.items + i;
        if (b->org_id == c->org_id && b->lot_no == lot_no && b->blob_hash != NULL) {
            e = buf_append(hash, b->blob_hash, strlen(b->blob_hash) + 1) == 0 ? ERR_OK
                                                                              : ERR_INTERNAL;
            break;
        }
    }
out:
    store_rollback(tx);
    return e;
}

/* Where the recipient blocks of the envelope env end: 0 when env is not a
 * well-formed envelope head. */
size_t api_opening_head_end(const uint8_t *env, size_t len)
{
    struct envelope_reader *r = NULL;
    struct seal_error err = {SEAL_OK, ""};
    size_t end = 0;
    if (len < HEAD_PREAMBLE)
        return 0;
    uint64_t hl = ((uint64_t)env[12] << 24) | ((uint64_t)env[13] << 16) | ((uint64_t)env[14] << 8) |
                  (uint64_t)env[15];
    if (hl == 0 || hl > ENVELOPE_MAX_HEADER || HEAD_PREAMBLE + hl > len)
        return 0;
    r = envelope_reader_new(NULL);
    if (r == NULL)
        return 0;
    if (envelope_reader_feed(r, env, (size_t)(HEAD_PREAMBLE + hl), &err) != SEAL_OK)
        goto out;
    const struct envelope_header *h = envelope_reader_header(r);
    if (h == NULL || h->header_len != HEAD_PREAMBLE + hl)
        goto out;
    /* the header ends with: file count (1), then 9 bytes per file */
    uint64_t files = 1 + 9 * (uint64_t)h->n_files;
    if (h->header_len <= HEAD_PREAMBLE + files)
        goto out;
    end = (size_t)(h->header_len - files);
out:
    envelope_reader_free(r);
    return end;
}

void api_opening_envelope_head(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct buf hash, env;
    int64_t lot_no = 1;
    enum err e = ERR_OK;
    buf_init(&hash, 128);
    buf_init(&env, OPENING_ENVELOPE_MAX);
    if (!(c.roles & ROLE_BIDDER) || c.org_id == 0) {
        api_error(res, ERR_OPENING_NOT_BIDDER, NULL);
        goto out;
    }
    const char *lot = http_query(req, "lot_no");
    if (lot != NULL) {
        char *end = NULL;
        long long v = *lot >= '1' && *lot <= '9' ? strtoll(lot, &end, 10) : 0;
        if (v < 1 || v > 2147483647LL || end == NULL || *end != '\0') {
            api_error(res, ERR_INVALID_FIELD, "lot_no");
            goto out;
        }
        lot_no = (int64_t)v;
    }
    e = find_own_bid(req, &c, lot_no, &hash);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
        goto out;
    }
    int rc = blob_get(api_app(req)->store, hash.data, &env);
    if (rc != STORE_OK) {
        api_error(res, rc == STORE_NOTFOUND ? ERR_NOT_FOUND : domain_store_err(rc), NULL);
        goto out;
    }
    size_t n = api_opening_head_end((const uint8_t *)env.data, env.len);
    if (n == 0) {
        api_error(res, ERR_INTERNAL, NULL);
        goto out;
    }
    if (buf_append(&res->body, env.data, n) != 0) {
        api_error(res, ERR_INTERNAL, NULL);
        goto out;
    }
    res->status = 200;
    res->content_type = "application/octet-stream";
    http_res_header(res, "Cache-Control", "no-store");
out:
    buf_release(&hash);
    buf_release(&env);
}
