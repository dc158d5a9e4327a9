/*
 * store.h — the one storage interface. Callers (the query files in src/store/,
 * which hold all the SQL) see transactions, parameterised statements and row
 * cursors; the backend behind it is SQLite (store/sqlite/) or PostgreSQL
 * (store/pg/), chosen by URL:
 *
 *     sqlite:PATH           (default: sqlite:<data-dir>/sunbid.db)
 *     postgres://...        (libpq connection URI)
 *
 * SQL dialect. Statements are written once in the subset both engines speak:
 * parameters are $1..$N, RETURNING for generated ids, integers are BIGINT
 * (INTEGER in SQLite), text is TEXT, bytes are BLOB/BYTEA (bind as SP_B).
 * Times are integer milliseconds from clock_now_ms(), never SQL now().
 * Money is integer fen. Migrations are per backend, kept in step by number.
 *
 * Connections and threads. Each thread that calls store_begin() gets its own
 * connection, opened on first use and kept for the thread's life (worker
 * threads are long-lived). A thread has at most one open transaction.
 * Prepared statements are cached per connection, keyed by the SQL text.
 *
 * Durability. A write transaction that store_commit() reports STORE_OK is on
 * disk (SQLite WAL with synchronous=FULL; PostgreSQL's default commit).
 *
 * Errors are store_rc values; store_errmsg() has the backend's message for
 * the last failure on this thread (for logs, never for clients).
 */
#ifndef SUNBID_STORE_H
#define SUNBID_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"

enum store_rc {
    STORE_OK = 0,
    STORE_NOTFOUND = 1,    /* a query that must return a row returned none */
    STORE_CONSTRAINT = 2,  /* unique / foreign key / check violated */
    STORE_BUSY = 3,        /* lock not obtained in time; the caller may retry */
    STORE_UNAVAILABLE = 4, /* backend down or connection lost: 503 */
    STORE_ERROR = 5,       /* anything else (bad SQL is a bug) */
    STORE_TOOBIG = 6       /* a value or result exceeds a limit */
};

enum store_txmode {
    STORE_READ, /* consistent snapshot, no writes */
    STORE_WRITE /* takes the write lock at begin (SQLite BEGIN IMMEDIATE) */
};

enum store_ptype { SP_NULL, SP_INT, SP_TEXT, SP_BLOB };

struct store_param {
    enum store_ptype type;
    int64_t i;     /* SP_INT */
    const void *p; /* SP_TEXT / SP_BLOB; borrowed for the call */
    size_t n;      /* bytes at p */
};

#define SP_I(v) ((struct store_param){.type = SP_INT, .i = (int64_t)(v)})
/* Text, or NULL for SQL NULL. */
static inline struct store_param store_param_text(const char *s)
{
    struct store_param p = {.type = s ? SP_TEXT : SP_NULL, .p = s, .n = s ? strlen(s) : 0};
    return p;
}
#define SP_T(s)        store_param_text(s)
#define SP_TN(s, len)  ((struct store_param){.type = SP_TEXT, .p = (s), .n = (len)})
#define SP_B(ptr, len) ((struct store_param){.type = SP_BLOB, .p = (ptr), .n = (len)})
#define SP_NUL         ((struct store_param){.type = SP_NULL})

struct store;
struct store_tx;
struct store_rows;

/* Opens the store named by url (NULL: sqlite in data_dir), creating the data
 * directory and the blob directory if needed. Does not migrate. */
int store_open(struct store **out, const char *url, const char *data_dir, char *err, size_t errlen);
void store_close(struct store *s);                /* NULL is a no-op; all threads' connections */
const char *store_backend(const struct store *s); /* "sqlite" or "postgres" */
/* Applies missing numbered migrations in one transaction each; *applied gets
 * how many ran. Safe to run from several processes at once. */
int store_migrate(struct store *s, int *applied);
int store_schema_version(struct store *s, int *version);
/* Drops this thread's connection (for threads that end). */
void store_thread_done(struct store *s);

/* Begins this thread's transaction (at most one per thread and store: a
 * nested begin is STORE_ERROR). STORE_READ sees one snapshot from its first
 * statement on and refuses statements that write. After a statement fails the
 * transaction is doomed (as in PostgreSQL): later statements return
 * STORE_ERROR and store_commit() rolls back and returns the first failure. */
int store_begin(struct store *s, enum store_txmode mode, struct store_tx **tx);
/* Commits and frees tx. On failure the transaction is rolled back. */
int store_commit(struct store_tx *tx);
/* Rolls back and frees tx; NULL is a no-op. */
void store_rollback(struct store_tx *tx);

/* Runs a statement without rows; *changes (may be NULL) gets rows affected. */
int store_exec(struct store_tx *tx, const char *sql, const struct store_param *p, int np,
               int64_t *changes);
/* Runs a query; iterate with store_rows_next(), then store_rows_free(). At most
 * one open cursor per transaction. */
int store_query(struct store_tx *tx, const char *sql, const struct store_param *p, int np,
                struct store_rows **rows);
/* 1: a row is ready; 0: no more rows; < 0: -store_rc on failure. */
int store_rows_next(struct store_rows *r);
bool store_col_null(struct store_rows *r, int col);
int64_t store_col_int(struct store_rows *r, int col);
/* Text of a column (NUL-terminated, valid until the next row), NULL for NULL. */
const char *store_col_text(struct store_rows *r, int col, size_t *len);
const void *store_col_blob(struct store_rows *r, int col, size_t *len);
void store_rows_free(struct store_rows *r); /* NULL is a no-op */

/* One-value shorthands: the first column of the first row. STORE_NOTFOUND
 * when there is no row or the value is NULL. Text is copied into out (bounded
 * by out->max: STORE_TOOBIG, which does not doom the transaction). */
int store_query_int(struct store_tx *tx, const char *sql, const struct store_param *p, int np,
                    int64_t *out);
int store_query_text(struct store_tx *tx, const char *sql, const struct store_param *p, int np,
                     struct buf *out);

/* The backend's message for the last failure on this thread. */
const char *store_errmsg(struct store *s);
const char *store_rc_name(int rc);

/*
 * Blobs: content-addressed bytes (SHA-256, lower-case hex), outside the
 * transaction. A blob is durable when blob_put returns STORE_OK; putting the
 * same bytes twice is a no-op. Rows refer to blobs by their hash.
 */
#define BLOB_HASH_HEX 64
int blob_put(struct store *s, const void *data, size_t len, char hash[BLOB_HASH_HEX + 1]);
/* Reads a whole blob into out (bounded by out->max -> STORE_TOOBIG). The
 * content is verified against its name; a mismatch is STORE_ERROR. A name
 * that is not 64 lower-case hex digits is STORE_NOTFOUND. */
int blob_get(struct store *s, const char *hash, struct buf *out);
/* Makes the file at path (len bytes, in the data directory's file system)
 * the blob `hash` without reading it into memory, consuming the file: on
 * disk it is fsync'd and renamed into place (no copy); a backend that keeps
 * blobs itself gets it through a read-only mapping. The caller computed
 * hash over exactly these bytes while writing them (a streamed upload), so
 * it is not hashed again here. The file is gone afterwards, whatever the
 * outcome. */
int blob_put_file(struct store *s, const char *path, size_t len, const char *hash);
int blob_exists(struct store *s, const char *hash, bool *exists, size_t *len);

/* A small blob (1..BLOB_TX_MAX bytes) made durable by the commit of the
 * caller's write transaction, so a row and the bytes it names cost one
 * durable write: readers see it with blob_get as any other. On disk the
 * file is not fsync'd before the commit; its bytes are also kept in the
 * blob_journal table until blob_journal_flush has fsync'd it (blob.c). The
 * caller computed hash over exactly these bytes. Idempotent. */
#define BLOB_TX_MAX        (256 << 10)
#define BLOB_JOURNAL_BATCH 512 /* journal rows one flush takes */
int blob_put_tx(struct store_tx *tx, const void *data, size_t len, const char *hash);
/* Makes journaled blobs durable on their own (fsync of the files and their
 * directories) and deletes their rows, restoring first any file a crash
 * lost; up to BLOB_JOURNAL_BATCH rows per call. Run at start before serving
 * and then periodically. *flushed / *restored (may be NULL) get the counts.
 * A no-op for a backend that keeps blobs itself. */
int blob_journal_flush(struct store *s, int *flushed, int *restored);
/* The store a transaction belongs to. */
struct store *store_tx_store(struct store_tx *tx);

#endif
