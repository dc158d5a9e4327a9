/*
 * store/simres.c — the SQL of the stored similarity and of the inputs of
 * the live similarity and expert-score analyses (store/simres.h).
 */
#include "store/simres.h"

#include <string.h>

#include "store/rows.h"

int store_simres_put(struct store_tx *tx, const struct simres_row *r)
{
    struct store_param p[] = {SP_I(r->tender_id), SP_I(r->basis_version), SP_T(r->status),
                              SP_I(r->pairs),     SP_T(r->result),        SP_I(r->computed_ms)};
    return store_exec(tx,
                      "INSERT INTO tender_similarity (tender_id, basis_version, status, pairs,"
                      " result, computed_ms) VALUES ($1, $2, $3, $4, $5, $6)"
                      " ON CONFLICT (tender_id) DO UPDATE SET"
                      " basis_version = excluded.basis_version, status = excluded.status,"
                      " pairs = excluded.pairs, result = excluded.result,"
                      " computed_ms = excluded.computed_ms",
                      p, 6, NULL);
}

int store_simres_get(struct store_tx *tx, struct arena *a, int64_t tender_id,
                     struct simres_row *out)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(tender_id)};
    int rc = store_query(tx,
                         "SELECT tender_id, basis_version, status, pairs, result, computed_ms"
                         " FROM tender_similarity WHERE tender_id = $1",
                         p, 1, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        out->tender_id = store_col_int(r, 0);
        out->basis_version = store_col_int(r, 1);
        out->status = store_row_text(r, a, 2);
        out->pairs = store_col_int(r, 3);
        out->result = store_row_text(r, a, 4);
        out->computed_ms = store_col_int(r, 5);
        rc = out->result != NULL && out->status != NULL ? STORE_OK : STORE_TOOBIG;
    } else {
        rc = rc < 0 ? -rc : STORE_NOTFOUND;
    }
    store_rows_free(r);
    return rc;
}

int store_simres_bids(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                      struct page *out)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(tender_id), SP_I(limit + 1)};
    out->n = 0;
    out->more = false;
    out->items = arena_calloc(a, sizeof(struct simres_bid) * (size_t)(limit > 0 ? limit : 1));
    if (out->items == NULL)
        return STORE_TOOBIG;
    int rc = store_query(tx,
                         "SELECT k.bid_id, k.lot_no, k.org_id, o.name, b.blob_hash, k.content_key"
                         " FROM boq_keys k JOIN bids b ON b.id = k.bid_id"
                         " JOIN opening_bids ob ON ob.bid_id = k.bid_id"
                         " JOIN orgs o ON o.id = k.org_id"
                         " WHERE k.tender_id = $1 AND ob.status = 'opened'"
                         " ORDER BY k.lot_no, k.org_id, k.bid_id LIMIT $2",
                         p, 2, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        if (out->n == limit) {
            out->more = true;
            break;
        }
        struct simres_bid *b = (struct simres_bid *)out->items + out->n;
        b->bid_id = store_col_int(r, 0);
        b->lot_no = store_col_int(r, 1);
        b->org_id = store_col_int(r, 2);
        b->org_name = store_row_text(r, a, 3);
        b->env_hash = store_row_text(r, a, 4);
        b->key = store_row_text(r, a, 5);
        out->n++;
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_simres_scores(struct store_tx *tx, simres_score_fn fn, void *ud)
{
    struct store_rows *r = NULL;
    int rc = store_query(
        tx,
        "SELECT e.tender_id, t.code, t.title, COALESCE(m.expert_id, 0), m.id, m.name,"
        " e.org_id, COALESCE(o.name, ''), CAST(SUM(e.value) AS BIGINT)"
        /* each lot's current (final) round; a tender's lots add up per bidder */
        " FROM evaluation_entries e JOIN evaluations v ON v.tender_id = e.tender_id"
        " AND v.lot_no = e.lot_no AND v.round = e.round"
        " JOIN tenders t ON t.id = e.tender_id"
        " JOIN committee_members m ON m.id = e.member_id"
        " LEFT JOIN orgs o ON o.id = e.org_id"
        " WHERE v.phase IN ('signed', 'publicity', 'awarded', 'contracted')"
        " AND m.kind = 'expert' AND e.item LIKE 's:%'"
        " GROUP BY e.tender_id, t.code, t.title, m.expert_id, m.id, m.name, e.org_id, o.name"
        " ORDER BY e.tender_id, m.id, e.org_id",
        NULL, 0, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        struct simres_score s;
        size_t n;
        s.tender_id = store_col_int(r, 0);
        s.tender_code = store_col_text(r, 1, &n);
        s.tender_title = store_col_text(r, 2, &n);
        s.expert_id = store_col_int(r, 3);
        s.member_id = store_col_int(r, 4);
        s.expert_name = store_col_text(r, 5, &n);
        s.org_id = store_col_int(r, 6);
        s.org_name = store_col_text(r, 7, &n);
        s.centi = store_col_int(r, 8);
        if (fn(&s, ud) != 0) {
            rc = 0;
            break;
        }
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}
