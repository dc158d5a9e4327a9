/*
 * store/idempotency.c — SQL of idempotency_keys (see idempotency.h). Runs in
 * the caller's transaction, on the caller's thread.
 */
#include "store/idempotency.h"

int store_idem_get(struct store_tx *tx, struct arena *a, int64_t user_id, const char *key,
                   struct idem_row *out)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(user_id), SP_T(key)};
    size_t n;
    int rc = store_query(tx,
                         "SELECT fingerprint, state, status, content_type, body, created_ms"
                         " FROM idempotency_keys WHERE user_id = $1 AND key = $2",
                         p, 2, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        const char *s = store_col_text(r, 0, &n);
        out->fingerprint = s ? arena_strndup(a, s, n) : NULL;
        s = store_col_text(r, 1, &n);
        out->done = s != NULL && strcmp(s, "done") == 0;
        out->status = store_col_null(r, 2) ? 0 : (int)store_col_int(r, 2);
        s = store_col_text(r, 3, &n);
        out->content_type = s ? arena_strndup(a, s, n) : NULL;
        const void *b = store_col_blob(r, 4, &n);
        out->body = b ? arena_strndup(a, b, n) : NULL;
        out->body_len = b ? n : 0;
        out->created_ms = store_col_int(r, 5);
        rc = (out->fingerprint == NULL || (b && out->body == NULL)) ? STORE_TOOBIG : STORE_OK;
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_idem_start(struct store_tx *tx, int64_t user_id, const char *key, const char *fingerprint,
                     int64_t now_ms)
{
    struct store_param p[] = {SP_I(user_id), SP_T(key), SP_T(fingerprint), SP_I(now_ms)};
    return store_exec(tx,
                      "INSERT INTO idempotency_keys (user_id, key, fingerprint, state, created_ms)"
                      " VALUES ($1, $2, $3, 'running', $4)",
                      p, 4, NULL);
}

int store_idem_finish(struct store_tx *tx, int64_t user_id, const char *key, int status,
                      const char *content_type, const char *body, size_t body_len)
{
    struct store_param p[] = {SP_I(status), SP_T(content_type), SP_B(body, body_len), SP_I(user_id),
                              SP_T(key)};
    return store_exec(tx,
                      "UPDATE idempotency_keys SET state = 'done', status = $1, content_type = $2,"
                      " body = $3 WHERE user_id = $4 AND key = $5",
                      p, 5, NULL);
}

int store_idem_delete(struct store_tx *tx, int64_t user_id, const char *key)
{
    struct store_param p[] = {SP_I(user_id), SP_T(key)};
    return store_exec(tx, "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2", p, 2,
                      NULL);
}

int store_idem_prune(struct store_tx *tx, int64_t cutoff_ms)
{
    struct store_param p[] = {SP_I(cutoff_ms)};
    return store_exec(tx, "DELETE FROM idempotency_keys WHERE created_ms < $1", p, 1, NULL);
}
