/*
 * store/credit.c — the SQL of credit records (store/credit.h).
 */
#include "store/credit.h"

#include <stdint.h>
#include <string.h>

#include "store/rows.h"

#define COLS                                                                                       \
    "id, org_uscc, org_name, source, kind, ref, record_ms, expires_ms, body, created_by,"          \
    " created_ms"

static void credit_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct credit_record *c = item;
    c->id = store_col_int(r, 0);
    c->org_uscc = store_row_text(r, a, 1);
    c->org_name = store_row_text(r, a, 2);
    c->source = store_row_text(r, a, 3);
    c->kind = store_row_text(r, a, 4);
    c->ref = store_row_text(r, a, 5);
    c->record_ms = store_col_int(r, 6);
    c->expires_ms = store_row_i0(r, 7);
    c->body = store_row_text(r, a, 8);
    c->created_by = store_row_i0(r, 9);
    c->created_ms = store_col_int(r, 10);
}

/* Runs sql for one page of credit records. */
static int query_page(struct store_tx *tx, struct arena *a, const char *sql,
                      const struct store_param *p, int np, int limit, struct page *out)
{
    return store_query_page(tx, a, sql, p, np, sizeof(struct credit_record), limit, credit_fill,
                            out);
}

int store_credit_insert(struct store_tx *tx, const struct credit_record *r, int64_t *id)
{
    struct store_param p[] = {SP_T(r->org_uscc),
                              SP_T(r->org_name),
                              SP_T(r->source),
                              SP_T(r->kind),
                              SP_T(r->ref),
                              SP_I(r->record_ms),
                              r->expires_ms ? SP_I(r->expires_ms) : SP_NUL,
                              SP_T(r->body),
                              r->created_by ? SP_I(r->created_by) : SP_NUL,
                              SP_I(r->created_ms)};
    return store_query_int(tx,
                           "INSERT INTO credit_records (org_uscc, org_name, source, kind, ref,"
                           " record_ms, expires_ms, body, created_by, created_ms)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                           p, 10, id);
}

int store_credit_valid_at(struct store_tx *tx, struct arena *a, const char *uscc, int64_t at_ms,
                          int limit, struct page *out)
{
    struct store_param p[] = {SP_T(uscc), SP_I(at_ms), SP_I(limit + 1)};
    return query_page(tx, a,
                      "SELECT " COLS " FROM credit_records WHERE org_uscc = $1"
                      " AND record_ms <= $2 AND (expires_ms IS NULL OR expires_ms > $2)"
                      " ORDER BY record_ms DESC, id DESC LIMIT $3",
                      p, 3, limit, out);
}

int store_credit_list(struct store_tx *tx, struct arena *a, const char *uscc, int64_t before_id,
                      int limit, struct page *out)
{
    int64_t before = before_id > 0 ? before_id : INT64_MAX;
    if (uscc == NULL) {
        struct store_param p[] = {SP_I(before), SP_I(limit + 1)};
        return query_page(tx, a,
                          "SELECT " COLS " FROM credit_records WHERE id < $1"
                          " ORDER BY id DESC LIMIT $2",
                          p, 2, limit, out);
    }
    struct store_param p[] = {SP_T(uscc), SP_I(before), SP_I(limit + 1)};
    return query_page(tx, a,
                      "SELECT " COLS " FROM credit_records WHERE org_uscc = $1 AND id < $2"
                      " ORDER BY id DESC LIMIT $3",
                      p, 3, limit, out);
}
