/*
 * store/rows.h — small helpers the per-schema SQL files (store/bids.c,
 * store/escrow.c, ...) share to turn result rows into structs: copy a
 * column into the caller's arena, read a nullable integer as 0, and run a
 * query for one row or for one page of rows through a fill callback.
 * Internal to src/store; the public row API is store.h (store_col_*).
 *
 * Every string and byte string returned is copied into the arena the caller
 * passes, so rows outlive the result set. Runs on whatever thread owns the
 * transaction.
 */
#ifndef SUNBID_STORE_ROWS_H
#define SUNBID_STORE_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/accounts.h"
#include "store/store.h"

/* Column col as a NUL-terminated copy in a; NULL for SQL NULL (or when the
 * arena is full). */
const char *store_row_text(struct store_rows *r, struct arena *a, int col);
/* Column col's bytes copied into a, their count in *len; NULL (and *len 0)
 * for SQL NULL or a full arena. */
const void *store_row_blob(struct store_rows *r, struct arena *a, int col, size_t *len);
/* Column col as an integer, SQL NULL as 0. */
int64_t store_row_i0(struct store_rows *r, int col);

/* Fills item (a struct of the caller's) from the current row, copying
 * into a. */
typedef void (*store_fill_fn)(struct store_rows *r, struct arena *a, void *item);

/* Runs sql and fills out->items (limit items of item_size, allocated in a)
 * row by row; out->more when a further row exists. A store_rc; STORE_TOOBIG
 * when the arena cannot hold the page. */
int store_query_page(struct store_tx *tx, struct arena *a, const char *sql,
                     const struct store_param *p, int np, size_t item_size, int limit,
                     store_fill_fn fill, struct page *out);
/* Runs sql and fills out from its first row: STORE_OK, STORE_NOTFOUND when
 * there is none, or the query's error. */
int store_query_one(struct store_tx *tx, struct arena *a, const char *sql,
                    const struct store_param *p, int np, store_fill_fn fill, void *out);

#endif
