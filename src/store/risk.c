/*
 * store/risk.c — the SQL of the tender risk table and the risk inputs
 * (store/risk.h).
 */
#include "store/risk.h"

#include <string.h>

#include "store/rows.h"

#define RISK_COLS                                                                                  \
    "r.tender_id, r.score, r.level, r.flags, r.basis_version, r.computed_ms, r.warned_ms,"         \
    " t.code, t.title, t.state"

static void fill_risk(struct store_rows *r, struct arena *a, void *item)
{
    struct risk_row *o = item;
    o->tender_id = store_col_int(r, 0);
    o->score = store_col_int(r, 1);
    o->level = store_row_text(r, a, 2);
    o->flags = store_row_text(r, a, 3);
    o->basis_version = store_col_int(r, 4);
    o->computed_ms = store_col_int(r, 5);
    o->warned_ms = store_row_i0(r, 6);
    o->code = store_row_text(r, a, 7);
    o->title = store_row_text(r, a, 8);
    o->state = store_row_text(r, a, 9);
}

int store_risk_put(struct store_tx *tx, const struct risk_row *r)
{
    struct store_param p[] = {SP_I(r->tender_id),
                              SP_I(r->score),
                              SP_T(r->level),
                              SP_T(r->flags),
                              SP_I(r->basis_version),
                              SP_I(r->computed_ms),
                              r->warned_ms ? SP_I(r->warned_ms) : SP_NUL};
    return store_exec(tx,
                      "INSERT INTO tender_risk (tender_id, score, level, flags, basis_version,"
                      " computed_ms, warned_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                      " ON CONFLICT (tender_id) DO UPDATE SET score = excluded.score,"
                      " level = excluded.level, flags = excluded.flags,"
                      " basis_version = excluded.basis_version,"
                      " computed_ms = excluded.computed_ms,"
                      " warned_ms = COALESCE(excluded.warned_ms, tender_risk.warned_ms)",
                      p, 7, NULL);
}

int store_risk_get(struct store_tx *tx, struct arena *a, int64_t tender_id, struct risk_row *out)
{
    struct page pg;
    struct store_param p[] = {SP_I(tender_id)};
    int rc = store_query_page(tx, a,
                              "SELECT " RISK_COLS
                              " FROM tender_risk r JOIN tenders t ON t.id = r.tender_id"
                              " WHERE r.tender_id = $1",
                              p, 1, sizeof *out, 1, fill_risk, &pg);
    if (rc != STORE_OK)
        return rc;
    if (pg.n == 0)
        return STORE_NOTFOUND;
    memcpy(out, pg.items, sizeof *out);
    return out->flags != NULL ? STORE_OK : STORE_TOOBIG;
}

int store_risk_list(struct store_tx *tx, struct arena *a, int64_t min_score, int64_t before_score,
                    int64_t before_id, int limit, struct page *out)
{
    if (before_id > 0) {
        struct store_param p[] = {SP_I(min_score), SP_I(before_score), SP_I(before_id),
                                  SP_I(limit + 1)};
        return store_query_page(
            tx, a,
            "SELECT " RISK_COLS " FROM tender_risk r JOIN tenders t ON t.id = r.tender_id"
            " WHERE r.score >= $1 AND (r.score < $2 OR (r.score = $2 AND"
            " r.tender_id < $3)) ORDER BY r.score DESC, r.tender_id DESC LIMIT $4",
            p, 4, sizeof(struct risk_row), limit, fill_risk, out);
    }
    struct store_param p[] = {SP_I(min_score), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT " RISK_COLS
                            " FROM tender_risk r JOIN tenders t ON t.id = r.tender_id"
                            " WHERE r.score >= $1 ORDER BY r.score DESC, r.tender_id DESC LIMIT $2",
                            p, 2, sizeof(struct risk_row), limit, fill_risk, out);
}

int store_risk_set_warned(struct store_tx *tx, int64_t tender_id, int64_t at_ms)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(at_ms)};
    return store_exec(tx, "UPDATE tender_risk SET warned_ms = $2 WHERE tender_id = $1", p, 2, NULL);
}

int store_risk_stale(struct store_tx *tx, int64_t *ids, int max, int *n)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(max)};
    int rc = store_query(tx,
                         "SELECT h.tender_id FROM opening_halls h"
                         " LEFT JOIN tender_risk r ON r.tender_id = h.tender_id"
                         " WHERE h.phase = 'sealed' AND (r.tender_id IS NULL"
                         " OR r.basis_version <> h.version) ORDER BY h.tender_id LIMIT $1",
                         p, 1, &r);
    *n = 0;
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1 && *n < max)
        ids[(*n)++] = store_col_int(r, 0);
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

static void fill_bid(struct store_rows *r, struct arena *a, void *item)
{
    struct risk_bid *b = item;
    b->bid_id = store_col_int(r, 0);
    b->lot_no = store_col_int(r, 1);
    b->org_id = store_col_int(r, 2);
    b->org_name = store_row_text(r, a, 3);
    b->status = store_row_text(r, a, 4);
    b->form = store_row_text(r, a, 5);
    b->blob_hash = store_row_text(r, a, 6);
    b->signer_fp = store_row_text(r, a, 7);
    b->remote_addr = store_row_text(r, a, 8);
    b->user_id = store_row_i0(r, 9);
    b->legal_rep = store_row_text(r, a, 10);
    b->phone = store_row_text(r, a, 11);
    b->email = store_row_text(r, a, 12);
    b->address = store_row_text(r, a, 13);
}

int store_risk_bids(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                    struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT ob.bid_id, ob.lot_no, ob.org_id, o.name, ob.status, ob.form,"
                            " b.blob_hash, b.signer_fp, b.remote_addr, b.user_id, o.legal_rep,"
                            " o.contact_phone, o.contact_email, o.address"
                            " FROM opening_bids ob JOIN bids b ON b.id = ob.bid_id"
                            " JOIN orgs o ON o.id = ob.org_id WHERE ob.tender_id = $1"
                            " ORDER BY ob.lot_no, ob.org_id LIMIT $2",
                            p, 2, sizeof(struct risk_bid), limit, fill_bid, out);
}
