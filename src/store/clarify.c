/*
 * store/clarify.c — the SQL of clarification questions (store/clarify.h).
 */
#include "store/clarify.h"

#include <string.h>

#include "store/rows.h"

#define COLS                                                                                       \
    "q.id, q.tender_id, q.org_id, o.name, q.member_id, q.asked_by, q.body, q.asked_ms,"            \
    " q.deadline_ms, q.answer, q.signature, q.cert_fp, q.key_alg, q.answered_by, q.answered_ms"

static void fill(struct store_rows *r, struct arena *a, struct clarify_question *q)
{
    q->id = store_col_int(r, 0);
    q->tender_id = store_col_int(r, 1);
    q->org_id = store_col_int(r, 2);
    q->org_name = store_row_text(r, a, 3);
    q->member_id = store_col_int(r, 4);
    q->asked_by = store_row_i0(r, 5);
    q->body = store_row_text(r, a, 6);
    q->asked_ms = store_col_int(r, 7);
    q->deadline_ms = store_col_int(r, 8);
    q->answer = store_row_text(r, a, 9);
    q->signature = store_row_text(r, a, 10);
    q->cert_fp = store_row_text(r, a, 11);
    q->key_alg = store_row_text(r, a, 12);
    q->answered_by = store_row_i0(r, 13);
    q->answered_ms = store_row_i0(r, 14);
}

int store_clarify_insert(struct store_tx *tx, const struct clarify_question *q, int64_t *id)
{
    struct store_param p[] = {SP_I(q->tender_id),  SP_I(q->org_id),
                              SP_I(q->member_id),  q->asked_by ? SP_I(q->asked_by) : SP_NUL,
                              SP_T(q->body),       SP_I(q->asked_ms),
                              SP_I(q->deadline_ms)};
    return store_query_int(tx,
                           "INSERT INTO clarify_questions (tender_id, org_id, member_id, asked_by,"
                           " body, asked_ms, deadline_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                           " RETURNING id",
                           p, 7, id);
}

int store_clarify_get(struct store_tx *tx, struct arena *a, int64_t id,
                      struct clarify_question *out)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(id)};
    int rc = store_query(tx,
                         "SELECT " COLS " FROM clarify_questions q JOIN orgs o ON o.id = q.org_id"
                         " WHERE q.id = $1",
                         p, 1, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        fill(r, a, out);
        rc = out->body != NULL ? STORE_OK : STORE_TOOBIG;
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_clarify_answer(struct store_tx *tx, const struct clarify_question *q)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(q->id),         SP_T(q->answer),
                              SP_T(q->signature),  SP_T(q->cert_fp),
                              SP_T(q->key_alg),    q->answered_by ? SP_I(q->answered_by) : SP_NUL,
                              SP_I(q->answered_ms)};
    int rc = store_exec(tx,
                        "UPDATE clarify_questions SET answer = $2, signature = $3, cert_fp = $4,"
                        " key_alg = $5, answered_by = $6, answered_ms = $7"
                        " WHERE id = $1 AND answer IS NULL",
                        p, 7, &changes);
    if (rc == STORE_OK && changes == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

int store_clarify_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t org_id,
                       int limit, struct page *out)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(tender_id), SP_I(org_id), SP_I(limit + 1)};
    out->n = 0;
    out->more = false;
    out->items = arena_calloc(a, sizeof(struct clarify_question) * (size_t)(limit > 0 ? limit : 1));
    if (out->items == NULL)
        return STORE_TOOBIG;
    int rc = store_query(tx,
                         "SELECT " COLS " FROM clarify_questions q JOIN orgs o ON o.id = q.org_id"
                         " WHERE q.tender_id = $1 AND ($2 = 0 OR q.org_id = $2)"
                         " ORDER BY q.id LIMIT $3",
                         p, 3, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        if (out->n == limit) {
            out->more = true;
            break;
        }
        fill(r, a, (struct clarify_question *)out->items + out->n);
        out->n++;
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}
