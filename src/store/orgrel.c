/*
 * store/orgrel.c — the SQL of organisations' relationship records and the
 * graph's inputs (store/orgrel.h).
 */
#include "store/orgrel.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/rows.h"

static int64_t col_i(struct store_rows *r, int col, int64_t dflt)
{
    return store_col_null(r, col) ? dflt : store_col_int(r, col);
}

#define REL_COLS                                                                                   \
    "r.id, r.org_id, r.kind, r.name, r.id_number, r.role, r.share_bp, r.value, r.norm, r.source,"  \
    " r.user_id, r.created_ms"

static void fill_rel(struct store_rows *r, struct arena *a, void *item)
{
    struct orgrel_row *o = item;
    o->id = store_col_int(r, 0);
    o->org_id = store_col_int(r, 1);
    o->kind = store_row_text(r, a, 2);
    o->name = store_row_text(r, a, 3);
    o->id_number = store_row_text(r, a, 4);
    o->role = store_row_text(r, a, 5);
    o->share_bp = col_i(r, 6, -1);
    o->value = store_row_text(r, a, 7);
    o->norm = store_row_text(r, a, 8);
    o->source = store_row_text(r, a, 9);
    o->user_id = col_i(r, 10, 0);
    o->created_ms = store_col_int(r, 11);
    o->org_name = NULL;
}

static void fill_rel_org(struct store_rows *r, struct arena *a, void *item)
{
    fill_rel(r, a, item);
    ((struct orgrel_row *)item)->org_name = store_row_text(r, a, 12);
}

int store_orgrel_insert(struct store_tx *tx, const struct orgrel_row *r, int64_t *id)
{
    struct store_param p[] = {SP_I(r->org_id),    SP_T(r->kind),
                              SP_T(r->name),      SP_T(r->id_number),
                              SP_T(r->role),      r->share_bp >= 0 ? SP_I(r->share_bp) : SP_NUL,
                              SP_T(r->value),     SP_T(r->norm ? r->norm : ""),
                              SP_T(r->source),    r->user_id > 0 ? SP_I(r->user_id) : SP_NUL,
                              SP_I(r->created_ms)};
    return store_query_int(tx,
                           "INSERT INTO org_relations (org_id, kind, name, id_number, role,"
                           " share_bp, value, norm, source, user_id, created_ms)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                           p, 11, id);
}

int store_orgrel_delete(struct store_tx *tx, int64_t org_id, int64_t id, const char *source,
                        int64_t at_ms)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(org_id), SP_I(id), SP_I(at_ms), SP_T(source ? source : "")};
    int rc = store_exec(tx,
                        "UPDATE org_relations SET deleted_ms = $3 WHERE org_id = $1 AND id = $2"
                        " AND deleted_ms IS NULL AND ($4 = '' OR source = $4)",
                        p, 4, &changes);
    if (rc == STORE_OK && changes == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

int store_orgrel_list(struct store_tx *tx, struct arena *a, int64_t org_id, int limit,
                      struct page *out)
{
    struct store_param p[] = {SP_I(org_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT " REL_COLS " FROM org_relations r WHERE r.org_id = $1"
                            " AND r.deleted_ms IS NULL ORDER BY r.id LIMIT $2",
                            p, 2, sizeof(struct orgrel_row), limit, fill_rel, out);
}

int store_orgrel_by_norm(struct store_tx *tx, struct arena *a, const char *norm, int limit,
                         struct page *out)
{
    struct store_param p[] = {SP_T(norm), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT " REL_COLS ", o.name FROM org_relations r"
                            " JOIN orgs o ON o.id = r.org_id WHERE r.norm = $1"
                            " AND r.deleted_ms IS NULL ORDER BY r.org_id, r.id LIMIT $2",
                            p, 2, sizeof(struct orgrel_row), limit, fill_rel_org, out);
}

int store_orgrel_tender_orgs(struct store_tx *tx, int64_t tender_id, int64_t *ids, int max, int *n)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(tender_id), SP_I(max)};
    int rc = store_query(tx,
                         "SELECT DISTINCT org_id FROM bids WHERE tender_id = $1"
                         " ORDER BY org_id LIMIT $2",
                         p, 2, &r);
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
    struct orgrel_bid *b = item;
    b->tender_id = store_col_int(r, 0);
    b->lot_no = store_col_int(r, 1);
    b->org_id = store_col_int(r, 2);
    b->status = store_row_text(r, a, 3);
    b->form = store_row_text(r, a, 4);
    b->at_ms = store_col_int(r, 5);
}

int store_orgrel_bids(struct store_tx *tx, struct arena *a, const int64_t *orgs, int n, int limit,
                      struct page *out)
{
    struct store_param p[257];
    char sql[4096];
    size_t k;
    if (n < 1 || n > 256)
        return STORE_ERROR;
    k = (size_t)snprintf(sql, sizeof sql,
                         "SELECT ob.tender_id, ob.lot_no, ob.org_id, ob.status, ob.form,"
                         " h.created_ms FROM opening_bids ob"
                         " JOIN opening_halls h ON h.tender_id = ob.tender_id"
                         " WHERE h.phase = 'sealed' AND ob.tender_id IN (SELECT tender_id"
                         " FROM opening_bids WHERE org_id IN (");
    for (int i = 0; i < n && k < sizeof sql; i++) {
        p[i] = SP_I(orgs[i]);
        k += (size_t)snprintf(sql + k, sizeof sql - k, "%s$%d", i ? ", " : "", i + 1);
    }
    p[n] = SP_I(limit + 1);
    if (k < sizeof sql)
        k += (size_t)snprintf(sql + k, sizeof sql - k,
                              ")) ORDER BY h.created_ms, ob.tender_id, ob.lot_no, ob.org_id"
                              " LIMIT $%d",
                              n + 1);
    if (k >= sizeof sql)
        return STORE_ERROR;
    return store_query_page(tx, a, sql, p, n + 1, sizeof(struct orgrel_bid), limit, fill_bid, out);
}

int store_orgrel_org_ref(struct store_tx *tx, const char *ref, int64_t *id)
{
    char up[64];
    size_t n = strlen(ref);
    bool digits = n > 0 && n < 19;
    for (size_t i = 0; i < n; i++)
        digits &= ref[i] >= '0' && ref[i] <= '9';
    if (digits) {
        struct store_param p[] = {SP_I(strtoll(ref, NULL, 10))};
        return store_query_int(tx, "SELECT id FROM orgs WHERE id = $1", p, 1, id);
    }
    if (n == 0 || n >= sizeof up)
        return STORE_NOTFOUND;
    for (size_t i = 0; i <= n; i++)
        up[i] = (char)toupper((unsigned char)ref[i]);
    struct store_param p[] = {SP_T(up)};
    return store_query_int(tx, "SELECT id FROM orgs WHERE uscc = $1", p, 1, id);
}
