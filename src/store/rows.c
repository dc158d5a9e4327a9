/*
 * store/rows.c — the row helpers of store/rows.h, shared by the
 * per-schema SQL files (they stood as static copies in each before).
 */
#include "store/rows.h"

#include <string.h>

const char *store_row_text(struct store_rows *r, struct arena *a, int col)
{
    size_t n;
    const char *s = store_col_text(r, col, &n);
    if (s == NULL)
        return NULL;
    return arena_strndup(a, s, n);
}

const void *store_row_blob(struct store_rows *r, struct arena *a, int col, size_t *len)
{
    size_t n = 0;
    const void *p = store_col_blob(r, col, &n);
    *len = 0;
    if (p == NULL)
        return NULL;
    void *copy = arena_alloc(a, n > 0 ? n : 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, p, n);
    *len = n;
    return copy;
}

int64_t store_row_i0(struct store_rows *r, int col)
{
    return store_col_null(r, col) ? 0 : store_col_int(r, col);
}

int store_query_page(struct store_tx *tx, struct arena *a, const char *sql,
                     const struct store_param *p, int np, size_t item_size, int limit,
                     store_fill_fn fill, struct page *out)
{
    struct store_rows *r = NULL;
    int rc = store_query(tx, sql, p, np, &r);
    out->n = 0;
    out->more = false;
    out->items = NULL;
    if (rc != STORE_OK)
        return rc;
    out->items = arena_calloc(a, item_size * (size_t)(limit > 0 ? limit : 1));
    if (out->items == NULL) {
        store_rows_free(r);
        return STORE_TOOBIG;
    }
    while ((rc = store_rows_next(r)) == 1) {
        if (out->n == limit) {
            out->more = true;
            break;
        }
        fill(r, a, (char *)out->items + item_size * (size_t)out->n);
        out->n++;
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_query_one(struct store_tx *tx, struct arena *a, const char *sql,
                    const struct store_param *p, int np, store_fill_fn fill, void *out)
{
    struct store_rows *r = NULL;
    int rc = store_query(tx, sql, p, np, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        fill(r, a, out);
        rc = STORE_OK;
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}
