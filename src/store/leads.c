/*
 * store/leads.c — the SQL of leads and their evidence (store/leads.h).
 */
#include "store/leads.h"

#include <stdio.h>
#include <string.h>

#include "store/rows.h"

static struct store_param opt_i(int64_t v)
{
    return v != 0 ? SP_I(v) : SP_NUL;
}

#define LEAD_COLS                                                                                  \
    "l.id, l.tender_id, l.title, l.source, l.status, l.opened_by, l.opened_ms,"                    \
    " l.transferred_to, l.transferred_on, l.transfer_note, l.transferred_by, l.transferred_ms,"    \
    " l.close_reason, l.closed_by, l.closed_ms, l.updated_ms, l.version, t.code, t.title"

static void fill_lead(struct store_rows *r, struct arena *a, void *item)
{
    struct lead *l = item;
    l->id = store_col_int(r, 0);
    l->tender_id = store_col_int(r, 1);
    l->title = store_row_text(r, a, 2);
    l->source = store_row_text(r, a, 3);
    l->status = store_row_text(r, a, 4);
    l->opened_by = store_row_i0(r, 5);
    l->opened_ms = store_col_int(r, 6);
    l->transferred_to = store_row_text(r, a, 7);
    l->transferred_on = store_row_text(r, a, 8);
    l->transfer_note = store_row_text(r, a, 9);
    l->transferred_by = store_row_i0(r, 10);
    l->transferred_ms = store_row_i0(r, 11);
    l->close_reason = store_row_text(r, a, 12);
    l->closed_by = store_row_i0(r, 13);
    l->closed_ms = store_row_i0(r, 14);
    l->updated_ms = store_col_int(r, 15);
    l->version = store_col_int(r, 16);
    l->tender_code = store_row_text(r, a, 17);
    l->tender_title = store_row_text(r, a, 18);
}

int store_lead_insert(struct store_tx *tx, const struct lead *l, int64_t *id)
{
    struct store_param p[] = {SP_I(l->tender_id), SP_T(l->title),      SP_T(l->source),
                              SP_T(l->status),    opt_i(l->opened_by), SP_I(l->opened_ms),
                              SP_I(l->updated_ms)};
    struct store_rows *r = NULL;
    int rc = store_query(tx,
                         "INSERT INTO leads (tender_id, title, source, status, opened_by,"
                         " opened_ms, updated_ms, version) VALUES ($1, $2, $3, $4, $5, $6, $7, 1)"
                         " RETURNING id",
                         p, 7, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        *id = store_col_int(r, 0);
        rc = STORE_OK;
    } else {
        rc = rc == 0 ? STORE_ERROR : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_lead_get(struct store_tx *tx, struct arena *a, int64_t id, struct lead *out)
{
    struct page pg;
    struct store_param p[] = {SP_I(id)};
    int rc =
        store_query_page(tx, a,
                         "SELECT " LEAD_COLS " FROM leads l JOIN tenders t ON t.id = l.tender_id"
                         " WHERE l.id = $1",
                         p, 1, sizeof *out, 1, fill_lead, &pg);
    if (rc != STORE_OK)
        return rc;
    if (pg.n == 0)
        return STORE_NOTFOUND;
    memcpy(out, pg.items, sizeof *out);
    return out->status != NULL ? STORE_OK : STORE_TOOBIG;
}

int store_lead_update(struct store_tx *tx, const struct lead *l)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(l->id),
                              SP_T(l->status),
                              SP_T(l->transferred_to),
                              SP_T(l->transferred_on),
                              SP_T(l->transfer_note),
                              opt_i(l->transferred_by),
                              opt_i(l->transferred_ms),
                              SP_T(l->close_reason),
                              opt_i(l->closed_by),
                              opt_i(l->closed_ms),
                              SP_I(l->updated_ms),
                              SP_I(l->version)};
    int rc = store_exec(tx,
                        "UPDATE leads SET status = $2, transferred_to = $3, transferred_on = $4,"
                        " transfer_note = $5, transferred_by = $6, transferred_ms = $7,"
                        " close_reason = $8, closed_by = $9, closed_ms = $10, updated_ms = $11,"
                        " version = $12 WHERE id = $1 AND version = $12 - 1",
                        p, 12, &changes);
    if (rc == STORE_OK && changes == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

int store_lead_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t before_id,
                    int limit, struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(before_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT " LEAD_COLS " FROM leads l JOIN tenders t ON t.id = l.tender_id"
                            " WHERE ($1 = 0 OR l.tender_id = $1) AND ($2 = 0 OR l.id < $2)"
                            " ORDER BY l.id DESC LIMIT $3",
                            p, 3, sizeof(struct lead), limit, fill_lead, out);
}

#define EV_COLS "id, lead_id, kind, body, name, media_type, sha256, size, added_by, added_ms"

static void fill_ev(struct store_rows *r, struct arena *a, void *item)
{
    struct lead_evidence *e = item;
    e->id = store_col_int(r, 0);
    e->lead_id = store_col_int(r, 1);
    e->kind = store_row_text(r, a, 2);
    e->body = store_row_text(r, a, 3);
    e->name = store_row_text(r, a, 4);
    e->media_type = store_row_text(r, a, 5);
    e->sha256 = store_row_text(r, a, 6);
    e->size = store_col_int(r, 7);
    e->added_by = store_row_i0(r, 8);
    e->added_ms = store_col_int(r, 9);
}

int store_lead_evidence_insert(struct store_tx *tx, const struct lead_evidence *e, int64_t *id)
{
    struct store_param p[] = {SP_I(e->lead_id), SP_T(e->kind),       SP_T(e->body),
                              SP_T(e->name),    SP_T(e->media_type), SP_T(e->sha256),
                              SP_I(e->size),    opt_i(e->added_by),  SP_I(e->added_ms)};
    struct store_rows *r = NULL;
    int rc = store_query(tx,
                         "INSERT INTO lead_evidence (lead_id, kind, body, name, media_type, sha256,"
                         " size, added_by, added_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                         " RETURNING id",
                         p, 9, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        *id = store_col_int(r, 0);
        rc = STORE_OK;
    } else {
        rc = rc == 0 ? STORE_ERROR : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_lead_evidence_list(struct store_tx *tx, struct arena *a, int64_t lead_id, int limit,
                             struct page *out)
{
    struct store_param p[] = {SP_I(lead_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT " EV_COLS " FROM lead_evidence WHERE lead_id = $1 ORDER BY id"
                            " LIMIT $2",
                            p, 2, sizeof(struct lead_evidence), limit, fill_ev, out);
}

int store_lead_evidence_get(struct store_tx *tx, struct arena *a, int64_t lead_id, int64_t id,
                            struct lead_evidence *out)
{
    struct page pg;
    struct store_param p[] = {SP_I(lead_id), SP_I(id)};
    int rc = store_query_page(
        tx, a, "SELECT " EV_COLS " FROM lead_evidence WHERE lead_id = $1 AND id = $2", p, 2,
        sizeof *out, 1, fill_ev, &pg);
    if (rc != STORE_OK)
        return rc;
    if (pg.n == 0)
        return STORE_NOTFOUND;
    memcpy(out, pg.items, sizeof *out);
    return STORE_OK;
}

static void fill_audit(struct store_rows *r, struct arena *a, void *item)
{
    struct audit_entry *e = item;
    e->id = store_col_int(r, 0);
    e->at_ms = store_col_int(r, 1);
    e->actor_user_id = store_row_i0(r, 2);
    e->actor = store_row_text(r, a, 3);
    e->action = store_row_text(r, a, 4);
    e->object_type = "lead";
    e->object_id = store_row_text(r, a, 5);
    e->detail = store_row_text(r, a, 6);
}

int store_lead_history(struct store_tx *tx, struct arena *a, int64_t lead_id, int limit,
                       struct page *out)
{
    char idbuf[24];
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)lead_id);
    struct store_param p[] = {SP_T(idbuf), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT id, at_ms, actor_user_id, actor, action, object_id, detail"
                            " FROM audit_log WHERE object_type = 'lead' AND object_id = $1"
                            " ORDER BY id LIMIT $2",
                            p, 2, sizeof(struct audit_entry), limit, fill_audit, out);
}
