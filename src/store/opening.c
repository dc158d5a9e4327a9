/*
 * store/opening.c — the SQL of the opening hall (store/opening.h).
 */
#include "store/opening.h"

#include <string.h>

#include "store/rows.h"

/* An optional integer: 0 is NULL. */
static struct store_param opt_i(int64_t v)
{
    return v != 0 ? SP_I(v) : SP_NUL;
}

/* ---- the hall ---- */

int store_opening_hall_insert(struct store_tx *tx, const struct opening_hall *h)
{
    struct store_param p[] = {SP_I(h->tender_id),  SP_T(h->phase),          SP_I(h->bidders),
                              SP_I(h->min_bids),   opt_i(h->window_end_ms), SP_I(h->created_ms),
                              SP_I(h->updated_ms), SP_I(h->version)};
    return store_exec(tx,
                      "INSERT INTO opening_halls (tender_id, phase, bidders, min_bids,"
                      " window_end_ms, created_ms, updated_ms, version)"
                      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                      p, 8, NULL);
}

int store_opening_hall_get(struct store_tx *tx, struct arena *a, int64_t tender_id,
                           struct opening_hall *out)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(tender_id)};
    int rc = store_query(tx,
                         "SELECT tender_id, phase, bidders, min_bids, window_end_ms, record,"
                         " record_hash, created_ms, updated_ms, version, signing_end_ms"
                         " FROM opening_halls WHERE tender_id = $1",
                         p, 1, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        out->tender_id = store_col_int(r, 0);
        out->phase = store_row_text(r, a, 1);
        out->bidders = store_col_int(r, 2);
        out->min_bids = store_col_int(r, 3);
        out->window_end_ms = store_row_i0(r, 4);
        out->record = store_row_text(r, a, 5);
        out->record_hash = store_row_text(r, a, 6);
        out->created_ms = store_col_int(r, 7);
        out->updated_ms = store_col_int(r, 8);
        out->version = store_col_int(r, 9);
        out->signing_end_ms = store_row_i0(r, 10);
        rc = out->phase != NULL ? STORE_OK : STORE_TOOBIG;
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_opening_hall_update(struct store_tx *tx, const struct opening_hall *h)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(h->tender_id), SP_T(h->phase),          opt_i(h->window_end_ms),
                              SP_T(h->record),    SP_T(h->record_hash),    SP_I(h->updated_ms),
                              SP_I(h->version),   opt_i(h->signing_end_ms)};
    int rc = store_exec(tx,
                        "UPDATE opening_halls SET phase = $2, window_end_ms = $3, record = $4,"
                        " record_hash = $5, updated_ms = $6, version = $7, signing_end_ms = $8"
                        " WHERE tender_id = $1",
                        p, 8, &changes);
    if (rc == STORE_OK && changes == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

int store_opening_halls_due(struct store_tx *tx, int64_t now_ms, int64_t *ids, int max, int *n)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(now_ms), SP_I(max)};
    *n = 0;
    int rc = store_query(tx,
                         "SELECT h.tender_id FROM opening_halls h WHERE h.phase = 'decrypt'"
                         " AND h.window_end_ms <= $1 AND EXISTS (SELECT 1 FROM opening_bids b"
                         " WHERE b.tender_id = h.tender_id AND b.status = 'pending')"
                         " ORDER BY h.window_end_ms, h.tender_id LIMIT $2",
                         p, 2, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1 && *n < max)
        ids[(*n)++] = store_col_int(r, 0);
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

/* ---- the bids ---- */

int store_opening_bids_revoke_pending(struct store_tx *tx, int64_t tender_id, const char *reason,
                                      int64_t at_ms, int64_t *n)
{
    struct store_param p[] = {SP_I(tender_id), SP_T(reason), SP_I(at_ms)};
    return store_exec(tx,
                      "UPDATE opening_bids SET status = 'revoked', reason = $2, decided_ms = $3"
                      " WHERE tender_id = $1 AND status = 'pending'",
                      p, 3, n);
}

int store_opening_bids_seed(struct store_tx *tx, int64_t tender_id, int64_t *n)
{
    struct store_param p[] = {SP_I(tender_id)};
    return store_exec(tx,
                      "INSERT INTO opening_bids (bid_id, tender_id, lot_no, org_id, status)"
                      " SELECT id, tender_id, lot_no, org_id, 'pending' FROM bids"
                      " WHERE tender_id = $1 AND state = 'submitted'",
                      p, 1, n);
}

static void bid_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct opening_bid *b = item;
    b->bid_id = store_col_int(r, 0);
    b->tender_id = store_col_int(r, 1);
    b->lot_no = store_col_int(r, 2);
    b->org_id = store_col_int(r, 3);
    b->org_name = store_row_text(r, a, 4);
    b->blob_hash = store_row_text(r, a, 5);
    b->status = store_row_text(r, a, 6);
    b->form = store_row_text(r, a, 7);
    b->reason = store_row_text(r, a, 8);
    b->signed_in_ms = store_row_i0(r, 9);
    b->decided_ms = store_row_i0(r, 10);
    b->signed_ms = store_row_i0(r, 11);
}

int store_opening_bid_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                           struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(limit + 1)};
    return store_query_page(
        tx, a,
        "SELECT ob.bid_id, ob.tender_id, ob.lot_no, ob.org_id, o.name, b.blob_hash,"
        " ob.status, ob.form, ob.reason, ob.signed_in_ms, ob.decided_ms,"
        " ob.signed_ms FROM opening_bids ob JOIN orgs o ON o.id = ob.org_id"
        " JOIN bids b ON b.id = ob.bid_id WHERE ob.tender_id = $1"
        " ORDER BY ob.lot_no, ob.org_id LIMIT $2",
        p, 2, sizeof(struct opening_bid), limit, bid_fill, out);
}

int store_opening_bid_decide(struct store_tx *tx, int64_t bid_id, const char *status,
                             const char *form, const char *reason, int64_t at_ms)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(bid_id), SP_T(status), SP_T(form), SP_T(reason), SP_I(at_ms)};
    int rc = store_exec(tx,
                        "UPDATE opening_bids SET status = $2, form = $3, reason = $4,"
                        " decided_ms = $5 WHERE bid_id = $1 AND status = 'pending'",
                        p, 5, &changes);
    if (rc == STORE_OK && changes == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

int store_opening_bid_stamp(struct store_tx *tx, int64_t tender_id, int64_t org_id, int what,
                            int64_t at_ms, int64_t *changes)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(org_id), SP_I(at_ms)};
    return store_exec(tx,
                      what == 0 ? "UPDATE opening_bids SET signed_in_ms = $3 WHERE tender_id = $1"
                                  " AND org_id = $2 AND signed_in_ms IS NULL"
                                : "UPDATE opening_bids SET signed_ms = $3 WHERE tender_id = $1"
                                  " AND org_id = $2 AND signed_ms IS NULL",
                      p, 3, changes);
}

int store_opening_tenders_unopened(struct store_tx *tx, int64_t *ids, int max, int *n)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(max)};
    *n = 0;
    int rc = store_query(tx,
                         "SELECT t.id FROM tenders t WHERE t.state = 'opening' AND NOT EXISTS"
                         " (SELECT 1 FROM opening_halls h WHERE h.tender_id = t.id)"
                         " ORDER BY t.id LIMIT $1",
                         p, 1, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1 && *n < max)
        ids[(*n)++] = store_col_int(r, 0);
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

/* ---- lots ---- */

int store_opening_lots_seed(struct store_tx *tx, int64_t tender_id)
{
    struct store_param p[] = {SP_I(tender_id)};
    int rc = store_exec(tx,
                        "INSERT INTO opening_lots (tender_id, lot_no, bidders)"
                        " SELECT tender_id, lot_no, count(DISTINCT org_id) FROM opening_bids"
                        " WHERE tender_id = $1 GROUP BY tender_id, lot_no"
                        " ON CONFLICT (tender_id, lot_no) DO NOTHING",
                        p, 1, NULL);
    if (rc == STORE_OK)
        rc = store_exec(tx,
                        "INSERT INTO opening_lots (tender_id, lot_no, bidders)"
                        " SELECT tender_id, lot_no, 0 FROM tender_lots WHERE tender_id = $1"
                        " ON CONFLICT (tender_id, lot_no) DO NOTHING",
                        p, 1, NULL);
    return rc;
}

static void lot_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct opening_lot *l = item;
    l->tender_id = store_col_int(r, 0);
    l->lot_no = store_col_int(r, 1);
    l->bidders = store_col_int(r, 2);
    l->failed_ms = store_row_i0(r, 3);
    l->reason = store_row_text(r, a, 4);
}

int store_opening_lot_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                           struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT tender_id, lot_no, bidders, failed_ms, reason FROM opening_lots"
                            " WHERE tender_id = $1 ORDER BY lot_no LIMIT $2",
                            p, 2, sizeof(struct opening_lot), limit, lot_fill, out);
}

int store_opening_lot_fail(struct store_tx *tx, int64_t tender_id, int64_t lot_no,
                           const char *reason, int64_t at_ms, int64_t *n)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(lot_no), SP_T(reason), SP_I(at_ms)};
    int rc = store_exec(tx,
                        "UPDATE opening_lots SET failed_ms = $4, reason = $3 WHERE tender_id = $1"
                        " AND lot_no = $2 AND failed_ms IS NULL",
                        p, 4, NULL);
    if (rc == STORE_OK)
        rc = store_exec(tx,
                        "UPDATE opening_bids SET status = 'withdrawn', reason = $3,"
                        " decided_ms = $4 WHERE tender_id = $1 AND lot_no = $2"
                        " AND status = 'pending'",
                        p, 4, n);
    return rc;
}

/* ---- signatures ---- */

int store_opening_signature_insert(struct store_tx *tx, const struct opening_signature *s,
                                   int64_t *added)
{
    struct store_param p[] = {
        SP_I(s->tender_id),          SP_I(s->org_id),  SP_T(s->bidder),    SP_T(s->certificate),
        SP_T(s->certificate_sha256), SP_T(s->key_alg), SP_T(s->signature), SP_I(s->signed_ms)};
    return store_exec(tx,
                      "INSERT INTO opening_signatures (tender_id, org_id, bidder, certificate,"
                      " certificate_sha256, key_alg, signature, signed_ms)"
                      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                      " ON CONFLICT (tender_id, org_id) DO NOTHING",
                      p, 8, added);
}

static void signature_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct opening_signature *s = item;
    s->tender_id = store_col_int(r, 0);
    s->org_id = store_col_int(r, 1);
    s->bidder = store_row_text(r, a, 2);
    s->certificate = store_row_text(r, a, 3);
    s->certificate_sha256 = store_row_text(r, a, 4);
    s->key_alg = store_row_text(r, a, 5);
    s->signature = store_row_text(r, a, 6);
    s->signed_ms = store_col_int(r, 7);
}

int store_opening_signature_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                                 struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT tender_id, org_id, bidder, certificate, certificate_sha256,"
                            " key_alg, signature, signed_ms FROM opening_signatures"
                            " WHERE tender_id = $1 ORDER BY signed_ms, org_id LIMIT $2",
                            p, 2, sizeof(struct opening_signature), limit, signature_fill, out);
}

/* ---- objections ---- */

int store_opening_objection_insert(struct store_tx *tx, const struct opening_objection *o,
                                   int64_t *id)
{
    struct store_param p[] = {SP_I(o->tender_id), SP_I(o->org_id), opt_i(o->user_id), SP_T(o->body),
                              SP_I(o->raised_ms)};
    return store_query_int(tx,
                           "INSERT INTO opening_objections (tender_id, org_id, user_id, body,"
                           " raised_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                           p, 5, id);
}

int store_opening_objection_answer(struct store_tx *tx, int64_t tender_id, int64_t id,
                                   const char *answer, int64_t by, int64_t at_ms)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(tender_id), SP_I(id), SP_T(answer), opt_i(by), SP_I(at_ms)};
    int rc = store_exec(tx,
                        "UPDATE opening_objections SET answer = $3, answered_by = $4,"
                        " answered_ms = $5 WHERE tender_id = $1 AND id = $2"
                        " AND answered_ms IS NULL",
                        p, 5, &changes);
    if (rc == STORE_OK && changes == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

int store_opening_objection_open_count(struct store_tx *tx, int64_t tender_id, int64_t *n)
{
    struct store_param p[] = {SP_I(tender_id)};
    return store_query_int(tx,
                           "SELECT count(*) FROM opening_objections"
                           " WHERE tender_id = $1 AND answered_ms IS NULL",
                           p, 1, n);
}

static void objection_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct opening_objection *o = item;
    o->id = store_col_int(r, 0);
    o->tender_id = store_col_int(r, 1);
    o->org_id = store_col_int(r, 2);
    o->user_id = store_row_i0(r, 3);
    o->body = store_row_text(r, a, 4);
    o->raised_ms = store_col_int(r, 5);
    o->answer = store_row_text(r, a, 6);
    o->answered_by = store_row_i0(r, 7);
    o->answered_ms = store_row_i0(r, 8);
}

int store_opening_objection_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                                 struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT id, tender_id, org_id, user_id, body, raised_ms, answer,"
                            " answered_by, answered_ms FROM opening_objections WHERE tender_id = $1"
                            " ORDER BY id LIMIT $2",
                            p, 2, sizeof(struct opening_objection), limit, objection_fill, out);
}
