/*
 * store/ledger.c — SQL for the witness log (see ledger.h). Written once in
 * the dialect both backends speak ($N parameters). Runs on whatever thread
 * owns the transaction. Hashes read back are length-checked: a stored hash
 * of the wrong size is corruption and reported as STORE_ERROR.
 */
#include "store/ledger.h"

#include <stdlib.h>
#include <string.h>

/* Copies at most cap-1 bytes of a text column; STORE_TOOBIG if longer. */
static int col_copy(struct store_rows *r, int col, char *out, size_t cap)
{
    size_t n;
    const char *s = store_col_text(r, col, &n);
    if (s == NULL || n >= cap)
        return STORE_TOOBIG;
    memcpy(out, s, n);
    out[n] = '\0';
    return STORE_OK;
}

int store_ledger_config_get(struct store_tx *tx, struct store_ledger_config *out)
{
    struct store_rows *r = NULL;
    int rc = store_query(tx,
                         "SELECT origin, hash_alg, vkeys, tree_size FROM ledger_config"
                         " WHERE id = 1",
                         NULL, 0, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        rc = col_copy(r, 0, out->origin, sizeof out->origin);
        if (rc == STORE_OK)
            rc = col_copy(r, 1, out->hash_alg, sizeof out->hash_alg);
        if (rc == STORE_OK)
            rc = col_copy(r, 2, out->vkeys, sizeof out->vkeys);
        out->tree_size = store_col_int(r, 3);
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_ledger_config_create(struct store_tx *tx, const char *origin, const char *hash_alg,
                               const char *vkeys, int64_t now_ms, int *created)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_T(origin), SP_T(hash_alg), SP_T(vkeys), SP_I(now_ms)};
    int rc = store_exec(tx,
                        "INSERT INTO ledger_config (id, origin, hash_alg, vkeys, tree_size,"
                        " created_ms) VALUES (1, $1, $2, $3, 0, $4)"
                        " ON CONFLICT (id) DO NOTHING",
                        p, 4, &changes);
    *created = changes > 0;
    return rc;
}

int store_ledger_set_size(struct store_tx *tx, int64_t tree_size)
{
    struct store_param p[] = {SP_I(tree_size)};
    return store_exec(tx, "UPDATE ledger_config SET tree_size = $1 WHERE id = 1", p, 1, NULL);
}

int store_ledger_queue_insert(struct store_tx *tx, const void *entry, size_t n, int64_t now_ms)
{
    struct store_param p[] = {SP_B(entry, n), SP_I(now_ms)};
    if (n > STORE_LEDGER_ENTRY_MAX)
        return STORE_TOOBIG;
    return store_exec(tx, "INSERT INTO ledger_queue (entry, queued_ms) VALUES ($1, $2)", p, 2,
                      NULL);
}

void store_ledger_queued_free(struct store_ledger_queued *q, int count)
{
    if (q == NULL)
        return;
    for (int i = 0; i < count; i++)
        free(q[i].entry);
    free(q);
}

int store_ledger_queue_take(struct store_tx *tx, int limit, struct store_ledger_queued **out,
                            int *count)
{
    struct store_rows *r = NULL;
    struct store_ledger_queued *q;
    struct store_param p[] = {SP_I(limit)};
    int rc, n = 0;

    *out = NULL;
    *count = 0;
    if (limit <= 0)
        return STORE_OK;
    q = calloc((size_t)limit, sizeof *q);
    if (q == NULL)
        return STORE_TOOBIG;
    rc = store_query(tx, "SELECT seq, queued_ms, entry FROM ledger_queue ORDER BY seq LIMIT $1", p,
                     1, &r);
    if (rc != STORE_OK) {
        free(q);
        return rc;
    }
    while (n < limit && (rc = store_rows_next(r)) == 1) {
        size_t len;
        const void *b = store_col_blob(r, 2, &len);
        q[n].seq = store_col_int(r, 0);
        q[n].queued_ms = store_col_int(r, 1);
        q[n].entry = malloc(len > 0 ? len : 1);
        if (q[n].entry == NULL || len > STORE_LEDGER_ENTRY_MAX) {
            free(q[n].entry);
            rc = -STORE_TOOBIG;
            break;
        }
        if (len > 0)
            memcpy(q[n].entry, b, len);
        q[n].n = len;
        n++;
    }
    store_rows_free(r);
    if (rc < 0) {
        store_ledger_queued_free(q, n);
        return -rc;
    }
    *out = q;
    *count = n;
    return STORE_OK;
}

int store_ledger_queue_delete(struct store_tx *tx, int64_t seq)
{
    struct store_param p[] = {SP_I(seq)};
    return store_exec(tx, "DELETE FROM ledger_queue WHERE seq = $1", p, 1, NULL);
}

int store_ledger_leaf_insert(struct store_tx *tx, int64_t idx, const void *entry, size_t n,
                             const uint8_t leaf_hash[STORE_LEDGER_HASH], int64_t queued_ms,
                             int64_t now_ms)
{
    struct store_param p[] = {SP_I(idx), SP_B(entry, n), SP_B(leaf_hash, STORE_LEDGER_HASH),
                              SP_I(queued_ms), SP_I(now_ms)};
    return store_exec(tx,
                      "INSERT INTO ledger_leaves (idx, entry, leaf_hash, queued_ms, integrated_ms)"
                      " VALUES ($1, $2, $3, $4, $5)",
                      p, 5, NULL);
}

int store_ledger_node_insert(struct store_tx *tx, unsigned level, int64_t idx,
                             const uint8_t hash[STORE_LEDGER_HASH])
{
    struct store_param p[] = {SP_I(level), SP_I(idx), SP_B(hash, STORE_LEDGER_HASH)};
    return store_exec(tx, "INSERT INTO ledger_nodes (level, idx, hash) VALUES ($1, $2, $3)", p, 3,
                      NULL);
}

int store_ledger_hash_get(struct store_tx *tx, unsigned level, int64_t idx,
                          uint8_t out[STORE_LEDGER_HASH])
{
    struct store_rows *r = NULL;
    int rc;
    if (level == 0) {
        struct store_param p[] = {SP_I(idx)};
        rc = store_query(tx, "SELECT leaf_hash FROM ledger_leaves WHERE idx = $1", p, 1, &r);
    } else {
        struct store_param p[] = {SP_I(level), SP_I(idx)};
        rc = store_query(tx, "SELECT hash FROM ledger_nodes WHERE level = $1 AND idx = $2", p, 2,
                         &r);
    }
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        size_t n;
        const void *b = store_col_blob(r, 0, &n);
        if (b == NULL || n != STORE_LEDGER_HASH) {
            rc = STORE_ERROR;
        } else {
            memcpy(out, b, STORE_LEDGER_HASH);
            rc = STORE_OK;
        }
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_ledger_leaves(struct store_tx *tx, int64_t start, int64_t end, store_ledger_leaf_fn fn,
                        void *ctx)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(start), SP_I(end)};
    int rc = store_query(tx,
                         "SELECT idx, entry, leaf_hash FROM ledger_leaves"
                         " WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                         p, 2, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        size_t n, hn;
        const void *e = store_col_blob(r, 1, &n);
        const void *h = store_col_blob(r, 2, &hn);
        if (h == NULL || hn != STORE_LEDGER_HASH) {
            rc = -STORE_ERROR;
            break;
        }
        if (fn(ctx, store_col_int(r, 0), e != NULL ? e : "", e != NULL ? n : 0, h) != 0)
            break;
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_ledger_checkpoint_insert(struct store_tx *tx, int64_t size,
                                   const uint8_t root[STORE_LEDGER_HASH], const char *note,
                                   int64_t now_ms)
{
    struct store_param p[] = {SP_I(size), SP_B(root, STORE_LEDGER_HASH), SP_T(note), SP_I(now_ms)};
    return store_exec(tx,
                      "INSERT INTO ledger_checkpoints (size, root, note, created_ms)"
                      " VALUES ($1, $2, $3, $4)",
                      p, 4, NULL);
}

int store_ledger_checkpoint_latest(struct store_tx *tx, int64_t *size, int64_t *created_ms,
                                   struct buf *note)
{
    struct store_rows *r = NULL;
    int rc = store_query(tx,
                         "SELECT size, created_ms, note FROM ledger_checkpoints"
                         " ORDER BY size DESC LIMIT 1",
                         NULL, 0, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        *size = store_col_int(r, 0);
        if (created_ms != NULL)
            *created_ms = store_col_int(r, 1);
        rc = STORE_OK;
        if (note != NULL) {
            size_t n;
            const char *t = store_col_text(r, 2, &n);
            if (t == NULL || buf_append(note, t, n) != BUF_OK)
                rc = STORE_TOOBIG;
        }
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_ledger_leaves_raw(struct store_tx *tx, int64_t start, int64_t end,
                            store_ledger_leaf_raw_fn fn, void *ctx)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(start), SP_I(end)};
    int rc = store_query(tx,
                         "SELECT idx, entry, leaf_hash FROM ledger_leaves"
                         " WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                         p, 2, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        size_t n = 0, hn = 0;
        const void *e = store_col_blob(r, 1, &n);
        const void *h = store_col_blob(r, 2, &hn);
        if (fn(ctx, store_col_int(r, 0), e != NULL ? e : "", e != NULL ? n : 0, h != NULL ? h : "",
               h != NULL ? hn : 0) != 0)
            break;
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_ledger_nodes(struct store_tx *tx, unsigned level, int64_t start, int64_t end,
                       store_ledger_node_fn fn, void *ctx)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(level), SP_I(start), SP_I(end)};
    int rc = store_query(tx,
                         "SELECT idx, hash FROM ledger_nodes"
                         " WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx",
                         p, 3, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        size_t hn = 0;
        const void *h = store_col_blob(r, 1, &hn);
        if (fn(ctx, store_col_int(r, 0), h != NULL ? h : "", h != NULL ? hn : 0) != 0)
            break;
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_ledger_checkpoints(struct store_tx *tx, int64_t lo, int64_t hi,
                             store_ledger_checkpoint_fn fn, void *ctx)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(lo), SP_I(hi)};
    int rc = store_query(tx,
                         "SELECT size, root, note FROM ledger_checkpoints"
                         " WHERE size >= $1 AND size < $2 ORDER BY size",
                         p, 2, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        size_t rn = 0, nn = 0;
        const void *root = store_col_blob(r, 1, &rn);
        const char *note = store_col_text(r, 2, &nn);
        if (fn(ctx, store_col_int(r, 0), root != NULL ? root : "", root != NULL ? rn : 0,
               note != NULL ? note : "", note != NULL ? nn : 0) != 0)
            break;
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_ledger_counts(struct store_tx *tx, int64_t *leaves, int64_t *nodes, int64_t *checkpoints)
{
    int rc = store_query_int(tx, "SELECT count(*) FROM ledger_leaves", NULL, 0, leaves);
    if (rc == STORE_OK)
        rc = store_query_int(tx, "SELECT count(*) FROM ledger_nodes", NULL, 0, nodes);
    if (rc == STORE_OK)
        rc = store_query_int(tx, "SELECT count(*) FROM ledger_checkpoints", NULL, 0, checkpoints);
    return rc;
}

int store_ledger_cosignature_insert(struct store_tx *tx, int64_t size, const char *witness,
                                    const char *line, int64_t timestamp, int64_t now_ms,
                                    int *inserted)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(size), SP_T(witness), SP_T(line), SP_I(timestamp), SP_I(now_ms)};
    int rc = store_exec(tx,
                        "INSERT INTO ledger_cosignatures (size, witness, line, timestamp,"
                        " created_ms) VALUES ($1, $2, $3, $4, $5)"
                        " ON CONFLICT (size, witness) DO NOTHING",
                        p, 5, &changes);
    *inserted = changes > 0;
    return rc;
}

int store_ledger_cosignatures(struct store_tx *tx, int64_t size, struct buf *out)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(size)};
    int rc = store_query(tx,
                         "SELECT line FROM ledger_cosignatures WHERE size = $1"
                         " ORDER BY created_ms, witness",
                         p, 1, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        size_t n = 0;
        const char *t = store_col_text(r, 0, &n);
        if (t == NULL || buf_append(out, t, n) != BUF_OK || buf_putc(out, '\n') != BUF_OK) {
            store_rows_free(r);
            return STORE_TOOBIG;
        }
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_ledger_checkpoint_get(struct store_tx *tx, int64_t size, struct buf *note)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(size)};
    int rc = store_query(tx, "SELECT note FROM ledger_checkpoints WHERE size = $1", p, 1, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        size_t n;
        const char *t = store_col_text(r, 0, &n);
        rc = t == NULL || buf_append(note, t, n) != BUF_OK ? STORE_TOOBIG : STORE_OK;
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_ledger_timestamp_insert(struct store_tx *tx, int64_t size, const void *token, size_t n,
                                  int64_t gen_time_ms, int64_t now_ms, int *inserted)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(size), SP_B(token, n), SP_I(gen_time_ms), SP_I(now_ms)};
    int rc = store_exec(tx,
                        "INSERT INTO ledger_timestamps (size, token, gen_time_ms, created_ms)"
                        " VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING",
                        p, 4, &changes);
    *inserted = changes > 0;
    return rc;
}

int store_ledger_timestamp_get(struct store_tx *tx, int64_t size, struct buf *token,
                               int64_t *gen_time_ms)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(size)};
    int rc = store_query(tx, "SELECT token, gen_time_ms FROM ledger_timestamps WHERE size = $1", p,
                         1, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        size_t n = 0;
        *gen_time_ms = store_col_int(r, 1);
        const void *t = store_col_blob(r, 0, &n);
        rc = t == NULL || n > STORE_LEDGER_TIMESTAMP_MAX || buf_append(token, t, n) != BUF_OK
                 ? STORE_TOOBIG
                 : STORE_OK;
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_ledger_subject_insert(struct store_tx *tx, const char *type, int64_t id, int64_t idx)
{
    struct store_param p[] = {SP_T(type), SP_I(id), SP_I(idx)};
    if (strlen(type) > STORE_LEDGER_SUBJECT_TYPE)
        return STORE_TOOBIG;
    return store_exec(tx,
                      "INSERT INTO ledger_subjects (subject_type, subject_id, idx)"
                      " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                      p, 3, NULL);
}

int store_ledger_subject_leaves(struct store_tx *tx, const char *type, int64_t id, int64_t below,
                                int limit, store_ledger_leaf_fn fn, void *ctx)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_T(type), SP_I(id), SP_I(below), SP_I(limit)};
    int rc = store_query(tx,
                         "SELECT l.idx, l.entry, l.leaf_hash FROM ledger_subjects s"
                         " JOIN ledger_leaves l ON l.idx = s.idx"
                         " WHERE s.subject_type = $1 AND s.subject_id = $2 AND s.idx < $3"
                         " ORDER BY s.idx LIMIT $4",
                         p, 4, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        size_t n, hn;
        const void *e = store_col_blob(r, 1, &n);
        const void *h = store_col_blob(r, 2, &hn);
        if (h == NULL || hn != STORE_LEDGER_HASH) {
            rc = -STORE_ERROR;
            break;
        }
        if (fn(ctx, store_col_int(r, 0), e != NULL ? e : "", e != NULL ? n : 0, h) != 0)
            break;
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}
