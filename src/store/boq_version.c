/*
 * store/boq_version.c — the SQL of the tender BoQ's versions
 * (store/boq_version.h, migration 21).
 */
#include "store/boq_version.h"

#include <string.h>

int store_boq_version_add(struct store_tx *tx, const struct boq_tender_row *r, int64_t *version)
{
    int64_t last = 0;
    struct store_param k[] = {SP_I(r->tender_id), SP_I(r->lot_no)};
    int rc = store_query_int(tx,
                             "SELECT COALESCE(MAX(version), 0) FROM boq_tender_versions"
                             " WHERE tender_id = $1 AND lot_no = $2",
                             k, 2, &last);
    if (rc != STORE_OK)
        return rc;
    *version = last + 1;
    struct store_param p[] = {SP_I(r->tender_id),
                              SP_I(r->lot_no),
                              SP_I(*version),
                              SP_T(r->name),
                              SP_T(r->blob_hash),
                              SP_I(r->lines),
                              r->uploaded_by ? SP_I(r->uploaded_by) : SP_NUL,
                              SP_I(r->uploaded_ms)};
    return store_exec(tx,
                      "INSERT INTO boq_tender_versions (tender_id, lot_no, version, name,"
                      " blob_hash, lines, uploaded_by, uploaded_ms)"
                      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                      p, 8, NULL);
}

int store_boq_version_notice(struct store_tx *tx, int64_t tender_id, int64_t lot_no,
                             int64_t version, int64_t notice_no)
{
    struct store_param p[] = {SP_I(notice_no), SP_I(tender_id), SP_I(lot_no), SP_I(version)};
    return store_exec(tx,
                      "UPDATE boq_tender_versions SET notice_no = $1"
                      " WHERE tender_id = $2 AND lot_no = $3 AND version = $4",
                      p, 4, NULL);
}

int store_boq_versions(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t lot_no,
                       struct page *out)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(tender_id), SP_I(lot_no), SP_I(BOQ_VERSIONS_MAX + 1)};
    memset(out, 0, sizeof(*out));
    int rc = store_query(tx,
                         "SELECT version, name, blob_hash, lines, uploaded_ms, notice_no"
                         " FROM boq_tender_versions WHERE tender_id = $1 AND lot_no = $2"
                         " ORDER BY version LIMIT $3",
                         p, 3, &r);
    if (rc != STORE_OK)
        return rc;
    struct boq_version_row *v = arena_alloc(a, sizeof(*v) * (BOQ_VERSIONS_MAX + 1));
    if (v == NULL) {
        store_rows_free(r);
        return STORE_TOOBIG;
    }
    out->items = v;
    while ((rc = store_rows_next(r)) == 1) {
        if (out->n == BOQ_VERSIONS_MAX) {
            out->more = true;
            break;
        }
        struct boq_version_row *x = &v[out->n];
        size_t n;
        const char *s;
        x->version = store_col_int(r, 0);
        s = store_col_text(r, 1, &n);
        x->name = s != NULL ? arena_strndup(a, s, n) : "";
        s = store_col_text(r, 2, &n);
        x->hash = s != NULL ? arena_strndup(a, s, n) : "";
        x->lines = store_col_int(r, 3);
        x->uploaded_ms = store_col_int(r, 4);
        x->notice_no = store_col_null(r, 5) ? 0 : store_col_int(r, 5);
        if (x->name == NULL || x->hash == NULL) {
            rc = -STORE_TOOBIG;
            break;
        }
        out->n++;
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_boq_bid_submitted(struct store_tx *tx, int64_t bid_id, int64_t *ms)
{
    struct store_param p[] = {SP_I(bid_id)};
    return store_query_int(tx, "SELECT submitted_ms FROM bids WHERE id = $1", p, 1, ms);
}
