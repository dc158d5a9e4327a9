/*
 * pg/blob.c — the PostgreSQL backend's per-store state and its blob store
 * (driver->open/close and driver->blob_*).
 *
 * Per-store state (struct pg_state, pg.h): a pool of libpq connections used
 * only by blob calls, at most PG_POOL_MAX at once, PG_POOL_IDLE kept idle,
 * guarded by a mutex. Blob calls never use the calling thread's worker
 * connection, so a blob call made while that thread has a transaction open
 * does not disturb it, and the pool outlives any one thread.
 *
 * Blobs: content-addressed bytes (SHA-256, hex), kept in the database so that
 * every node shares them:
 *
 *     blobs(hash PK, size, nchunks, created_ms)
 *     blob_chunks(hash, n, data)   n = 0 .. nchunks-1, PG_BLOB_CHUNK bytes each
 *                                  (the last may be shorter)
 *
 * Invariants:
 *   - a blobs row and all its chunks commit in one transaction, so a blob is
 *     whole and durable (synchronous_commit on) when blob_put returns
 *     STORE_OK, and readers never see part of one;
 *   - blob_get hands out only bytes that hash to the name asked for (a
 *     mismatch, a missing chunk or a wrong size is STORE_ERROR, logged);
 *   - putting bytes that are already stored checks them on the server
 *     (sha256() over the chunks) and rewrites a damaged copy, as blob.c does
 *     on disk; two nodes putting the same bytes at once: the second INSERT
 *     waits for the first and then does nothing (ON CONFLICT, READ
 *     COMMITTED), and its check reads the first one's committed chunks;
 *   - blob calls are idempotent: one that failed because a pooled connection
 *     had died while idle (the server restarted) runs once more on a new
 *     connection.
 *
 * Thread: any thread (the pool is shared, under its mutex); open and close
 * on the thread that opens and closes the store.
 */
#include "store/pg/pg.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "base/clock.h"
#include "base/log.h"

/* ---- per-store state: the blob connections ---- */

int pg_open(struct store *s, void **out, char *err, size_t errlen)
{
    struct pg_state *st;
    *out = NULL;
    if (!PQisthreadsafe()) {
        snprintf(err, errlen, "this libpq was built without thread support");
        return STORE_ERROR;
    }
    st = calloc(1, sizeof(*st));
    if (st == NULL)
        goto oom;
    st->url = strdup(store_target(s));
    if (st->url == NULL)
        goto oom;
    if (pthread_mutex_init(&st->mu, NULL) != 0) {
        free(st->url);
        free(st);
        snprintf(err, errlen, "pthread_mutex_init failed");
        return STORE_ERROR;
    }
    *out = st;
    return STORE_OK;
oom:
    if (st != NULL)
        free(st->url);
    free(st);
    snprintf(err, errlen, "out of memory");
    return STORE_ERROR;
}

void pg_close(void *state)
{
    struct pg_state *st = state;
    if (st == NULL)
        return;
    for (int i = 0; i < st->nidle; i++)
        PQfinish(st->idle[i]);
    if (st->nopen != st->nidle)
        log_warn("store: %d postgres blob connection(s) still lent at close",
                 st->nopen - st->nidle);
    pthread_mutex_destroy(&st->mu);
    free(st->url);
    free(st);
}

/* Lends a blob connection: an idle one (*fresh false) or a new one. */
static int pool_get(struct pg_state *st, PGconn **out, bool *fresh)
{
    char err[PG_MSG_MAX];
    int rc;

    *out = NULL;
    *fresh = false;
    pthread_mutex_lock(&st->mu);
    if (st->nidle > 0) {
        *out = st->idle[--st->nidle];
        pthread_mutex_unlock(&st->mu);
        return STORE_OK;
    }
    if (st->nopen >= PG_POOL_MAX) {
        pthread_mutex_unlock(&st->mu);
        store_set_errmsg("postgres: %d blob calls already running", PG_POOL_MAX);
        return STORE_BUSY;
    }
    st->nopen++;
    pthread_mutex_unlock(&st->mu);
    err[0] = '\0';
    rc = pg_pq_open(st->url, out, err, sizeof(err));
    if (rc != STORE_OK) {
        pthread_mutex_lock(&st->mu);
        st->nopen--;
        pthread_mutex_unlock(&st->mu);
        store_set_errmsg("postgres: blob connection: %s", err);
        return rc;
    }
    *fresh = true;
    return STORE_OK;
}

/* Takes a lent connection back: kept if healthy and idle, else closed. */
static void pool_put(struct pg_state *st, PGconn *pq)
{
    if (PQstatus(pq) == CONNECTION_OK && PQtransactionStatus(pq) == PQTRANS_IDLE) {
        pthread_mutex_lock(&st->mu);
        if (st->nidle < PG_POOL_IDLE) {
            st->idle[st->nidle++] = pq;
            pthread_mutex_unlock(&st->mu);
            return;
        }
        pthread_mutex_unlock(&st->mu);
    }
    PQfinish(pq);
    pthread_mutex_lock(&st->mu);
    st->nopen--;
    pthread_mutex_unlock(&st->mu);
}

/* ---- blobs ---- */

/* One blob call's connection and what it reports. */
struct bctx {
    PGconn *pq;           /* the lent connection */
    char msg[PG_MSG_MAX]; /* message of the failure */
};

/* Runs one statement on a blob connection; *res (may be NULL) gets the
 * result on success. fmt: 0 text results, 1 binary. */
static int bexec(struct bctx *b, const char *sql, const struct store_param *p, int np, int fmt,
                 PGresult **out)
{
    struct pg_args a;
    PGresult *res;
    ExecStatusType st;
    int rc;

    if (out != NULL)
        *out = NULL;
    rc = pg_args_init(&a, p, np, b->msg, sizeof(b->msg));
    if (rc != STORE_OK)
        return rc;
    res = PQexecParams(b->pq, sql, np, a.types, a.vals, a.lens, a.fmts, fmt);
    pg_args_release(&a);
    st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rc = pg_map_result(b->pq, res, true, b->msg, sizeof(b->msg));
        PQclear(res);
        return rc;
    }
    if (out != NULL)
        *out = res;
    else
        PQclear(res);
    return STORE_OK;
}

static int bcommit(struct bctx *b)
{
    PGresult *res = NULL;
    int rc = bexec(b, "COMMIT", NULL, 0, 0, &res);
    if (rc == STORE_OK && strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        snprintf(b->msg, sizeof(b->msg), "the blob transaction had failed");
        rc = STORE_ERROR;
    }
    PQclear(res);
    return rc;
}

struct put_arg {
    const void *data; /* the bytes (borrowed) */
    size_t len;       /* their count */
    const char *hash; /* their SHA-256, hex */
};

struct get_arg {
    const char *hash; /* the name asked for */
    struct buf *out;  /* gets the bytes */
};

struct exists_arg {
    const char *hash; /* the name asked for */
    bool *exists;     /* gets whether it is stored */
    size_t *len;      /* gets its size (may be NULL) */
};

static int put_chunks(struct bctx *b, const struct put_arg *a)
{
    const char *ins = "INSERT INTO blob_chunks (hash, n, data) VALUES ($1, $2, $3)";
    size_t off = 0;
    int rc = STORE_OK;
    for (int64_t n = 0; off < a->len; n++) {
        size_t k = a->len - off < PG_BLOB_CHUNK ? a->len - off : PG_BLOB_CHUNK;
        struct store_param p[] = {SP_T(a->hash), SP_I(n), SP_B((const char *)a->data + off, k)};
        rc = bexec(b, ins, p, 3, 0, NULL);
        if (rc != STORE_OK)
            return rc;
        off += k;
    }
    return rc;
}

static int put_fn(struct bctx *b, void *arg)
{
    const struct put_arg *a = arg;
    int64_t nchunks = (int64_t)((a->len + PG_BLOB_CHUNK - 1) / PG_BLOB_CHUNK);
    PGresult *res = NULL;
    int rc;

    /* READ COMMITTED: a concurrent put of the same blob makes the INSERT
     * wait for it and then do nothing; the check below then sees its
     * committed chunks. */
    rc = bexec(b, "BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE", NULL, 0, 0, NULL);
    if (rc != STORE_OK)
        return rc;
    {
        struct store_param p[] = {SP_T(a->hash), SP_I(a->len), SP_I(nchunks), SP_I(clock_now_ms())};
        rc = bexec(b,
                   "INSERT INTO blobs (hash, size, nchunks, created_ms) VALUES ($1, $2, $3, $4)"
                   " ON CONFLICT (hash) DO NOTHING",
                   p, 4, 0, &res);
    }
    if (rc != STORE_OK)
        return rc;
    if (pg_changes_of(res) == 0) {
        /* Already stored: check the stored bytes, as blob.c does on disk. */
        struct store_param p[] = {SP_T(a->hash)};
        PQclear(res);
        res = NULL;
        rc = bexec(b,
                   "SELECT b.size, encode(sha256(coalesce((SELECT string_agg(c.data, ''::bytea"
                   " ORDER BY c.n) FROM blob_chunks c WHERE c.hash = b.hash), ''::bytea)), 'hex')"
                   " FROM blobs b WHERE b.hash = $1 FOR UPDATE",
                   p, 1, 0, &res);
        if (rc != STORE_OK)
            return rc;
        if (PQntuples(res) == 1 && strtoll(PQgetvalue(res, 0, 0), NULL, 10) == (long long)a->len &&
            strcmp(PQgetvalue(res, 0, 1), a->hash) == 0) {
            PQclear(res);
            return bcommit(b); /* nothing to write */
        }
        PQclear(res);
        res = NULL;
        log_warn("store: blob %s in postgres is damaged; writing it again", a->hash);
        struct store_param q[] = {SP_T(a->hash), SP_I(a->len), SP_I(nchunks)};
        rc = bexec(b, "DELETE FROM blob_chunks WHERE hash = $1", q, 1, 0, NULL);
        if (rc == STORE_OK)
            rc =
                bexec(b, "UPDATE blobs SET size = $2, nchunks = $3 WHERE hash = $1", q, 3, 0, NULL);
        if (rc != STORE_OK)
            return rc;
    }
    PQclear(res);
    rc = put_chunks(b, a);
    if (rc != STORE_OK)
        return rc;
    return bcommit(b); /* durable: synchronous_commit is on */
}

static void to_hex(const unsigned char *md, char hex[BLOB_HASH_HEX + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < BLOB_HASH_HEX / 2; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 0xf];
    }
    hex[BLOB_HASH_HEX] = '\0';
}

static int get_fn(struct bctx *b, void *arg)
{
    const struct get_arg *a = arg;
    struct store_param p[] = {SP_T(a->hash)};
    EVP_MD_CTX *ctx = NULL;
    PGresult *res = NULL;
    unsigned char md[32];
    unsigned int mdlen = 0;
    char got[BLOB_HASH_HEX + 1];
    long long size, nchunks;
    int rc;

    buf_reset(a->out);
    rc = bexec(b, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", NULL, 0, 0, NULL);
    if (rc != STORE_OK)
        return rc;
    rc = bexec(b, "SELECT size, nchunks FROM blobs WHERE hash = $1", p, 1, 0, &res);
    if (rc != STORE_OK)
        goto out;
    if (PQntuples(res) != 1) {
        snprintf(b->msg, sizeof(b->msg), "blob %s: not found", a->hash);
        rc = STORE_NOTFOUND;
        goto out;
    }
    size = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    nchunks = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    res = NULL;
    if (size < 0 || (unsigned long long)size > a->out->max) {
        snprintf(b->msg, sizeof(b->msg), "blob %s has %lld bytes, more than the buffer's %zu",
                 a->hash, size, a->out->max);
        rc = STORE_TOOBIG;
        goto out;
    }
    if (size > 0 && buf_reserve(a->out, (size_t)size) != BUF_OK) {
        snprintf(b->msg, sizeof(b->msg), "out of memory");
        rc = STORE_ERROR;
        goto out;
    }
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        snprintf(b->msg, sizeof(b->msg), "EVP_DigestInit failed");
        rc = STORE_ERROR;
        goto out;
    }
    for (long long n = 0; n < nchunks; n++) {
        struct store_param q[] = {SP_T(a->hash), SP_I(n)};
        const char *data;
        size_t k;
        rc = bexec(b, "SELECT data FROM blob_chunks WHERE hash = $1 AND n = $2", q, 2, 1, &res);
        if (rc != STORE_OK)
            goto out;
        if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
            snprintf(b->msg, sizeof(b->msg), "blob %s is damaged: chunk %lld is missing", a->hash,
                     n);
            rc = STORE_ERROR;
            goto out;
        }
        data = PQgetvalue(res, 0, 0);
        k = (size_t)PQgetlength(res, 0, 0);
        if (a->out->len + k > (size_t)size) {
            snprintf(b->msg, sizeof(b->msg), "blob %s is damaged: more than %lld bytes", a->hash,
                     size);
            rc = STORE_ERROR;
            goto out;
        }
        if (buf_append(a->out, data, k) != BUF_OK) {
            snprintf(b->msg, sizeof(b->msg), "out of memory");
            rc = STORE_ERROR;
            goto out;
        }
        EVP_DigestUpdate(ctx, data, k);
        PQclear(res);
        res = NULL;
    }
    rc = bcommit(b);
    if (rc != STORE_OK)
        goto out;
    if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32) {
        snprintf(b->msg, sizeof(b->msg), "EVP_DigestFinal failed");
        rc = STORE_ERROR;
        goto out;
    }
    to_hex(md, got);
    if (a->out->len != (size_t)size || memcmp(got, a->hash, BLOB_HASH_HEX) != 0) {
        snprintf(b->msg, sizeof(b->msg), "blob %s is damaged: its content hashes to %s", a->hash,
                 got);
        log_error("store: %s", b->msg);
        rc = STORE_ERROR;
        goto out;
    }
out:
    PQclear(res);
    EVP_MD_CTX_free(ctx);
    if (rc != STORE_OK)
        buf_reset(a->out);
    return rc;
}

static int exists_fn(struct bctx *b, void *arg)
{
    const struct exists_arg *a = arg;
    struct store_param p[] = {SP_T(a->hash)};
    PGresult *res = NULL;
    int rc = bexec(b, "SELECT size FROM blobs WHERE hash = $1", p, 1, 0, &res);
    if (rc != STORE_OK)
        return rc;
    *a->exists = PQntuples(res) == 1;
    if (a->len != NULL && *a->exists)
        *a->len = (size_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return STORE_OK;
}

/*
 * Runs fn on a lent blob connection. Blob calls are idempotent, so a call
 * that failed because a pooled connection had died while idle (the server
 * restarted) is run once more on a new connection.
 */
static int blob_run(struct store *s, int (*fn)(struct bctx *, void *), void *arg)
{
    struct pg_state *st = store_driver_state(s);
    int rc = STORE_ERROR;

    for (int attempt = 0; attempt < 2; attempt++) {
        struct bctx b;
        bool fresh = false;
        b.msg[0] = '\0';
        rc = pool_get(st, &b.pq, &fresh);
        if (rc != STORE_OK)
            return rc;
        rc = fn(&b, arg);
        if (rc != STORE_OK)
            store_set_errmsg("postgres: %s", b.msg);
        pg_pq_rollback(b.pq); /* a failed call may leave its transaction open */
        bool lost = PQstatus(b.pq) != CONNECTION_OK;
        pool_put(st, b.pq);
        if (rc != STORE_UNAVAILABLE || fresh || !lost)
            break;
    }
    return rc;
}

int pg_blob_put(struct store *s, const void *data, size_t len, const char *hash)
{
    struct put_arg a = {data, len, hash};
    return blob_run(s, put_fn, &a);
}

int pg_blob_get(struct store *s, const char *hash, struct buf *out)
{
    struct get_arg a = {hash, out};
    return blob_run(s, get_fn, &a);
}

int pg_blob_exists(struct store *s, const char *hash, bool *exists, size_t *len)
{
    struct exists_arg a = {hash, exists, len};
    *exists = false;
    if (len != NULL)
        *len = 0;
    return blob_run(s, exists_fn, &a);
}
