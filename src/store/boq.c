/*
 * store/boq.c — the SQL of the bills of quantities (store/boq.h).
 */
#include "store/boq.h"

#include <string.h>

#include "store/rows.h"

int store_boq_tender_put(struct store_tx *tx, const struct boq_tender_row *r)
{
    struct store_param k[] = {SP_I(r->tender_id), SP_I(r->lot_no)};
    int rc =
        store_exec(tx, "DELETE FROM boq_tender WHERE tender_id = $1 AND lot_no = $2", k, 2, NULL);
    if (rc != STORE_OK)
        return rc;
    struct store_param p[] = {SP_I(r->tender_id),  SP_I(r->lot_no),
                              SP_T(r->name),       SP_T(r->blob_hash),
                              SP_I(r->lines),      r->uploaded_by ? SP_I(r->uploaded_by) : SP_NUL,
                              SP_I(r->uploaded_ms)};
    return store_exec(tx,
                      "INSERT INTO boq_tender (tender_id, lot_no, name, blob_hash, lines,"
                      " uploaded_by, uploaded_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                      p, 7, NULL);
}

int store_boq_tender_get(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t lot_no,
                         struct boq_tender_row *out)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(tender_id), SP_I(lot_no)};
    int rc = store_query(tx,
                         "SELECT name, blob_hash, lines, uploaded_by, uploaded_ms FROM boq_tender"
                         " WHERE tender_id = $1 AND lot_no = $2",
                         p, 2, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        out->tender_id = tender_id;
        out->lot_no = lot_no;
        out->name = store_row_text(r, a, 0);
        out->blob_hash = store_row_text(r, a, 1);
        out->lines = store_col_int(r, 2);
        out->uploaded_by = store_col_null(r, 3) ? 0 : store_col_int(r, 3);
        out->uploaded_ms = store_col_int(r, 4);
        rc = out->name != NULL && out->blob_hash != NULL ? STORE_OK : STORE_TOOBIG;
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_boq_key_put(struct store_tx *tx, int64_t tender_id, int64_t org_id, int64_t lot_no,
                      const char *key_hex, int64_t at_ms)
{
    int64_t bid_id = 0;
    struct store_param q[] = {SP_I(tender_id), SP_I(org_id), SP_I(lot_no)};
    int rc = store_query_int(tx,
                             "SELECT bid_id FROM opening_bids WHERE tender_id = $1 AND org_id = $2"
                             " AND lot_no = $3",
                             q, 3, &bid_id);
    if (rc != STORE_OK)
        return rc;
    struct store_param d[] = {SP_I(bid_id)};
    rc = store_exec(tx, "DELETE FROM boq_keys WHERE bid_id = $1", d, 1, NULL);
    if (rc != STORE_OK)
        return rc;
    struct store_param p[] = {SP_I(bid_id), SP_I(tender_id), SP_I(lot_no),
                              SP_I(org_id), SP_T(key_hex),   SP_I(at_ms)};
    return store_exec(tx,
                      "INSERT INTO boq_keys (bid_id, tender_id, lot_no, org_id, content_key,"
                      " kept_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                      p, 6, NULL);
}

int store_boq_bids(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t lot_no,
                   int limit, struct page *out)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(tender_id), SP_I(lot_no), SP_I(limit + 1)};
    out->n = 0;
    out->more = false;
    out->items = arena_calloc(a, sizeof(struct boq_bid_row) * (size_t)(limit > 0 ? limit : 1));
    if (out->items == NULL)
        return STORE_TOOBIG;
    int rc = store_query(tx,
                         "SELECT ob.bid_id, ob.org_id, o.name, b.blob_hash, k.content_key,"
                         " k.boq_status, k.boq_name, k.boq_hash, k.boq_reason"
                         " FROM opening_bids ob JOIN orgs o ON o.id = ob.org_id"
                         " JOIN bids b ON b.id = ob.bid_id"
                         " LEFT JOIN boq_keys k ON k.bid_id = ob.bid_id"
                         " WHERE ob.tender_id = $1 AND ob.lot_no = $2 AND ob.status = 'opened'"
                         " ORDER BY ob.org_id LIMIT $3",
                         p, 3, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        if (out->n == limit) {
            out->more = true;
            break;
        }
        struct boq_bid_row *b = (struct boq_bid_row *)out->items + out->n;
        b->bid_id = store_col_int(r, 0);
        b->org_id = store_col_int(r, 1);
        b->org_name = store_row_text(r, a, 2);
        b->env_hash = store_row_text(r, a, 3);
        b->key = store_row_text(r, a, 4);
        b->boq_status = store_row_text(r, a, 5);
        b->boq_name = store_row_text(r, a, 6);
        b->boq_hash = store_row_text(r, a, 7);
        b->boq_reason = store_row_text(r, a, 8);
        out->n++;
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_boq_key_read(struct store_tx *tx, int64_t bid_id, const char *status, const char *name,
                       const char *hash, const char *reason, int64_t at_ms)
{
    struct store_param p[] = {SP_I(bid_id), SP_T(status), SP_T(name),
                              SP_T(hash),   SP_T(reason), SP_I(at_ms)};
    return store_exec(tx,
                      "UPDATE boq_keys SET boq_status = $2, boq_name = $3, boq_hash = $4,"
                      " boq_reason = $5, read_ms = $6 WHERE bid_id = $1",
                      p, 6, NULL);
}
