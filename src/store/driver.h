/*
 * driver.h — what a storage backend implements (internal to src/store/).
 * store.c holds the backend-independent parts (URL dispatch, the per-thread
 * connection, transaction state, migrations runner) and blob.c the on-disk
 * blob store; both call a backend through this table. A backend keeps its own
 * prepared-statement cache per connection (sqlite.c has a bounded LRU keyed by
 * the SQL text that another backend may copy).
 *
 * A backend connection (void *conn) belongs to one thread. A statement handle
 * (void *stmt) belongs to the connection that prepared it. store.c guarantees:
 * begin/commit/rollback/query/exec_script run on the connection's own thread
 * (store_close may disconnect an idle connection from another thread); query
 * is only called inside a transaction; at most one cursor is open per
 * connection (an exec may run while it is); commit/rollback are never called
 * with a cursor open.
 */
#ifndef SUNBID_STORE_DRIVER_H
#define SUNBID_STORE_DRIVER_H

#include "store/store.h"

struct store_migration {
    int version; /* 1, 2, 3 ... with no gaps */
    const char *name;
    const char *sql; /* one or more statements */
};

struct store_driver {
    const char *name; /* "sqlite", "postgres" */
    /* Opens a connection for the calling thread. */
    int (*connect)(struct store *s, void **conn, char *err, size_t errlen);
    void (*disconnect)(void *conn);
    int (*begin)(void *conn, enum store_txmode mode);
    int (*commit)(void *conn);
    void (*rollback)(void *conn);
    /* Runs one statement with params $1..$np. rows != NULL (store_query): on
     * success *rows is a new cursor, freed by rows_free. rows == NULL
     * (store_exec): runs to completion, discarding any rows; *changes (if not
     * NULL) gets the rows affected. Returns a store_rc. */
    int (*query)(void *conn, const char *sql, const struct store_param *p, int np,
                 struct store_rows **rows, int64_t *changes);
    int (*rows_next)(struct store_rows *r);
    bool (*col_null)(struct store_rows *r, int col);
    int64_t (*col_int)(struct store_rows *r, int col);
    const char *(*col_text)(struct store_rows *r, int col, size_t *len);
    const void *(*col_blob)(struct store_rows *r, int col, size_t *len);
    void (*rows_free)(struct store_rows *r);
    const char *(*errmsg)(void *conn);
    /* Runs a script of several statements (migrations), inside a transaction. */
    int (*exec_script)(void *conn, const char *sql);
    /* Migrations of this backend, in order. */
    const struct store_migration *migrations;
    /* Their count, by address: the list lives in another file (migrations.c)
     * and an extern const int cannot initialise this static table. */
    const int *nmigrations;
    /* Optional per-store state (NULL hooks: none). open runs in store_open()
     * once the URL is parsed, before the first connection; close runs in
     * store_close() after every thread's connection is closed, and only when
     * open succeeded. The state is shared by all threads: the backend guards
     * it itself. store_driver_state() returns it. */
    int (*open)(struct store *s, void **state, char *err, size_t errlen);
    void (*close)(void *state);
    /* Optional: begins the write transaction a migration runs in, already
     * holding the backend's migration lock, so that several processes
     * migrating at once apply each migration once and never race on DDL.
     * NULL: begin(conn, STORE_WRITE), enough when that lock is global
     * (SQLite's BEGIN IMMEDIATE). */
    int (*begin_migrate)(void *conn);
    /* Blobs: a backend may keep them itself (PostgreSQL); NULL = on disk. */
    int (*blob_put)(struct store *s, const void *data, size_t len, const char *hash);
    int (*blob_get)(struct store *s, const char *hash, struct buf *out);
    int (*blob_exists)(struct store *s, const char *hash, bool *exists, size_t *len);
};

/*
 * What store.c offers backends and blob.c.
 *
 * Every backend's struct store_rows must begin with a struct store_rows_head,
 * so store.c can find the transaction (and the driver) a cursor belongs to:
 *     struct store_rows { struct store_rows_head head; ...backend fields... };
 */
struct store_rows_head {
    struct store_tx *tx; /* set by store.c after query() returns; backends ignore it */
};

/* What the backend connects to: sqlite a file path, postgres the whole URL. */
const char *store_target(const struct store *s);
/* data_dir/blobs, without a trailing slash. */
const char *store_blob_dir(const struct store *s);
const struct store_driver *store_driver_of(const struct store *s);
/* The backend's per-store state (driver->open), or NULL. */
void *store_driver_state(const struct store *s);
/* Sets this thread's store_errmsg() text. */
void store_set_errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
