/*
 * store.c — the backend-independent half of the store (see store.h): URL
 * dispatch, one connection per thread, transaction state, the migrations
 * runner, and the thin wrappers that forward statements and cursors to the
 * backend's table (driver.h). The on-disk blob store is in blob.c.
 *
 * Threads and connections. A store owns a pthread key. The first time a
 * thread begins a transaction it gets a struct store_conn (its record), which
 * holds the backend connection; the thread keeps it until it ends (the key's
 * destructor closes it), calls store_thread_done(), or store_close() runs.
 * Every record is also on the store's list, under `mu`, so store_close() can
 * close the connections of all threads. Only the owning thread touches a
 * record's connection and transaction; `mu` guards the list alone.
 *
 *     struct store --key--> this thread's store_conn --conn--> backend handle
 *          |                                    \--tx--> struct store_tx (0 or 1)
 *          \--conns: every thread's store_conn (mu)          \--rows (0 or 1)
 *
 * Invariants:
 *   - a thread has at most one open transaction per store (nested begin is a
 *     returned STORE_ERROR, logged);
 *   - a transaction has at most one open cursor; commit and rollback with a
 *     cursor still open are BUG()s (the caller would be left holding a
 *     dangling cursor);
 *   - after any statement fails the transaction is doomed, as in PostgreSQL:
 *     later statements fail with STORE_ERROR and store_commit() rolls back and
 *     returns the first failure's code, so a half-done write never commits;
 *   - a connection that reported STORE_UNAVAILABLE is dropped when its
 *     transaction ends; the thread's next store_begin() reconnects.
 *
 * Which thread may call: any thread, for its own transactions. store_open()
 * and store_close() run on one thread (main); store_close() only after the
 * other threads have stopped using the store (joined, or idle for good).
 */
#include "store/store.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "store/driver.h"
#include "store/pg/pg.h"
#include "store/sqlite/sqlite.h"

#define STORE_MAX_CONNS     512  /* threads with a connection, per store */
#define STORE_MAX_PARAMS    999  /* parameters per statement */
#define STORE_ERRMSG_MAX    512  /* bytes of store_errmsg(), NUL included */
#define STORE_URL_MAX       4096 /* bytes of a store URL */
#define STORE_MIGRATE_WAITS 12   /* busy timeouts a migration waits for the lock */

struct store_conn;

struct store {
    const struct store_driver *drv; /* backend table, never NULL */
    char *url;                      /* the URL in use (the default filled in) */
    char *target;                   /* what drv->connect opens: sqlite path, pg URL */
    char *data_dir;                 /* as given, without a trailing slash */
    char *blob_dir;                 /* data_dir/blobs */
    pthread_key_t key;              /* this thread's struct store_conn */
    pthread_mutex_t mu;             /* guards conns and nconns */
    struct store_conn *conns;       /* every thread's record, doubly linked */
    int nconns;                     /* records on the list, <= STORE_MAX_CONNS */
    atomic_bool meta_ready;         /* schema_migrations is known to exist */
    void *drv_state;                /* drv->open's per-store state, or NULL */
};

/* One thread's record: its backend connection and its open transaction. */
struct store_conn {
    struct store *s;         /* the store this record belongs to */
    void *conn;              /* backend connection; NULL until connected */
    struct store_tx *tx;     /* the open transaction, or NULL */
    bool drop;               /* the backend is unavailable: reconnect next time */
    struct store_conn *prev; /* store's list (mu) */
    struct store_conn *next; /* store's list (mu) */
};

struct store_tx {
    struct store_conn *c;    /* the owning thread's record */
    enum store_txmode mode;  /* STORE_READ or STORE_WRITE */
    int failed;              /* first statement failure (store_rc), 0 if none */
    struct store_rows *rows; /* the open cursor, or NULL */
};

/* The last failure on this thread, whatever store it came from. */
static _Thread_local char t_errmsg[STORE_ERRMSG_MAX];

void store_set_errmsg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t_errmsg, sizeof(t_errmsg), fmt, ap);
    va_end(ap);
}

const char *store_errmsg(struct store *s)
{
    (void)s;
    return t_errmsg;
}

const char *store_rc_name(int rc)
{
    if (rc < 0)
        rc = -rc;
    switch (rc) {
    case STORE_OK:
        return "ok";
    case STORE_NOTFOUND:
        return "notfound";
    case STORE_CONSTRAINT:
        return "constraint";
    case STORE_BUSY:
        return "busy";
    case STORE_UNAVAILABLE:
        return "unavailable";
    case STORE_ERROR:
        return "error";
    case STORE_TOOBIG:
        return "toobig";
    default:
        return "unknown";
    }
}

const char *store_target(const struct store *s)
{
    return s->target;
}

const char *store_blob_dir(const struct store *s)
{
    return s->blob_dir;
}

const struct store_driver *store_driver_of(const struct store *s)
{
    return s->drv;
}

void *store_driver_state(const struct store *s)
{
    return s->drv_state;
}

const char *store_backend(const struct store *s)
{
    return s->drv->name;
}

/* ---- records and connections ---- */

/* Closes a record's transaction (rolling back) and connection. The record
 * must already be off the list, or the caller holds mu. */
static void conn_release(struct store_conn *c)
{
    const struct store_driver *drv = c->s->drv;
    if (c->tx != NULL) {
        if (c->tx->rows != NULL)
            drv->rows_free(c->tx->rows);
        if (c->conn != NULL)
            drv->rollback(c->conn);
        free(c->tx);
        c->tx = NULL;
    }
    if (c->conn != NULL)
        drv->disconnect(c->conn);
    c->conn = NULL;
}

static void conn_unlink(struct store *s, struct store_conn *c)
{
    pthread_mutex_lock(&s->mu);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    s->nconns--;
    pthread_mutex_unlock(&s->mu);
}

/* The key's destructor: the thread is ending with a record still set. */
static void conn_destructor(void *p)
{
    struct store_conn *c = p;
    if (c->tx != NULL)
        log_warn("store: a thread ended inside a transaction; rolled back");
    conn_unlink(c->s, c);
    conn_release(c);
    free(c);
}

/* This thread's record, created on first use; NULL (errmsg set) when the
 * store has too many threads or memory ran out. */
static struct store_conn *conn_get(struct store *s)
{
    struct store_conn *c = pthread_getspecific(s->key);
    if (c != NULL)
        return c;
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        store_set_errmsg("out of memory");
        return NULL;
    }
    c->s = s;
    pthread_mutex_lock(&s->mu);
    if (s->nconns >= STORE_MAX_CONNS) {
        pthread_mutex_unlock(&s->mu);
        free(c);
        store_set_errmsg("more than %d threads use the store", STORE_MAX_CONNS);
        return NULL;
    }
    c->next = s->conns;
    if (s->conns != NULL)
        s->conns->prev = c;
    s->conns = c;
    s->nconns++;
    pthread_mutex_unlock(&s->mu);
    if (pthread_setspecific(s->key, c) != 0) {
        conn_unlink(s, c);
        free(c);
        store_set_errmsg("pthread_setspecific failed");
        return NULL;
    }
    return c;
}

/* Makes sure the record has a live backend connection. */
static int conn_connect(struct store_conn *c)
{
    char err[STORE_ERRMSG_MAX];
    int rc;
    if (c->drop && c->conn != NULL) {
        c->s->drv->disconnect(c->conn);
        c->conn = NULL;
    }
    c->drop = false;
    if (c->conn != NULL)
        return STORE_OK;
    err[0] = '\0';
    rc = c->s->drv->connect(c->s, &c->conn, err, sizeof(err));
    if (rc != STORE_OK) {
        c->conn = NULL;
        store_set_errmsg("%s: connect: %s", c->s->drv->name, err);
    }
    return rc;
}

void store_thread_done(struct store *s)
{
    struct store_conn *c;
    if (s == NULL)
        return;
    c = pthread_getspecific(s->key);
    if (c == NULL)
        return;
    if (c->tx != NULL)
        log_warn("store: store_thread_done inside a transaction; rolled back");
    pthread_setspecific(s->key, NULL);
    conn_unlink(s, c);
    conn_release(c);
    free(c);
}

/* ---- open and close ---- */

/* mkdir -p path with mode for the directories it creates. */
static int mkdir_p(const char *path, mode_t mode, char *err, size_t errlen)
{
    char tmp[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(tmp)) {
        snprintf(err, errlen, "bad directory path '%s'", path);
        return STORE_ERROR;
    }
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char saved = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, mode) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "mkdir %s: %s", tmp, strerror(errno));
            return STORE_UNAVAILABLE;
        }
        tmp[i] = saved;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is not a directory", path);
        return STORE_UNAVAILABLE;
    }
    return STORE_OK;
}

static char *dup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *dup_printf(const char *fmt, ...)
{
    struct buf b;
    va_list ap;
    int rc;
    buf_init(&b, PATH_MAX + STORE_URL_MAX);
    va_start(ap, fmt);
    rc = buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (rc != BUF_OK || b.data == NULL) {
        buf_release(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Picks the backend and its target from the URL. */
static int parse_url(struct store *s, const char *url, char *err, size_t errlen)
{
    if (url == NULL || strcmp(url, "sqlite:") == 0 || strcmp(url, "sqlite") == 0) {
        s->drv = &sqlite_driver;
        s->target = dup_printf("%s/sunbid.db", s->data_dir);
        s->url = dup_printf("sqlite:%s", s->target ? s->target : "");
        goto check;
    }
    if (strlen(url) >= STORE_URL_MAX) {
        snprintf(err, errlen, "store URL is longer than %d bytes", STORE_URL_MAX);
        return STORE_ERROR;
    }
    if (has_prefix(url, "sqlite:")) {
        const char *path = url + strlen("sqlite:");
        if (has_prefix(path, "//")) /* sqlite:///abs/path */
            path += 2;
        if (path[0] == '\0') {
            snprintf(err, errlen, "store URL '%s' has no path", url);
            return STORE_ERROR;
        }
        s->drv = &sqlite_driver;
        s->target = dup_printf("%s", path);
        s->url = dup_printf("%s", url);
        goto check;
    }
    if (has_prefix(url, "postgres://") || has_prefix(url, "postgresql://")) {
        /* The target is the whole URL, handed to libpq as it is. */
        s->drv = &pg_driver;
        s->target = dup_printf("%s", url);
        s->url = dup_printf("%s", url);
        goto check;
    }
    /* Only the scheme is echoed: a URL may carry a password. */
    size_t scheme = strcspn(url, ":/@");
    snprintf(err, errlen, "unknown store URL scheme '%.*s' (want sqlite:PATH or postgres://...)",
             (int)(scheme < 32 ? scheme : 32), url);
    return STORE_ERROR;
check:
    if (s->target == NULL || s->url == NULL) {
        snprintf(err, errlen, "out of memory");
        return STORE_ERROR;
    }
    return STORE_OK;
}

int store_open(struct store **out, const char *url, const char *data_dir, char *err, size_t errlen)
{
    struct store *s = NULL;
    struct store_conn *c;
    bool have_key = false, have_mu = false;
    int rc;

    *out = NULL;
    if (errlen > 0)
        err[0] = '\0';
    if (data_dir == NULL || data_dir[0] == '\0') {
        snprintf(err, errlen, "no data directory given");
        return STORE_ERROR;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return STORE_ERROR;
    }
    size_t n = strlen(data_dir);
    while (n > 1 && data_dir[n - 1] == '/')
        n--;
    s->data_dir = dup_printf("%.*s", (int)n, data_dir);
    s->blob_dir = s->data_dir ? dup_printf("%s/blobs", s->data_dir) : NULL;
    if (s->data_dir == NULL || s->blob_dir == NULL) {
        snprintf(err, errlen, "data directory path too long or out of memory");
        rc = STORE_ERROR;
        goto out;
    }
    rc = parse_url(s, url, err, errlen);
    if (rc != STORE_OK)
        goto out;
    rc = mkdir_p(s->data_dir, 0700, err, errlen);
    if (rc != STORE_OK)
        goto out;
    if (mkdir(s->blob_dir, 0750) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "mkdir %s: %s", s->blob_dir, strerror(errno));
        rc = STORE_UNAVAILABLE;
        goto out;
    }
    if (pthread_key_create(&s->key, conn_destructor) != 0) {
        snprintf(err, errlen, "pthread_key_create failed");
        rc = STORE_ERROR;
        goto out;
    }
    have_key = true;
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        snprintf(err, errlen, "pthread_mutex_init failed");
        rc = STORE_ERROR;
        goto out;
    }
    have_mu = true;
    atomic_init(&s->meta_ready, false);
    if (s->drv->open != NULL) {
        rc = s->drv->open(s, &s->drv_state, err, errlen);
        if (rc != STORE_OK) {
            s->drv_state = NULL;
            goto out;
        }
    }

    /* Connect now, on the opening thread, so a bad path or a down server is
     * reported here rather than at the first request. */
    c = conn_get(s);
    if (c == NULL) {
        snprintf(err, errlen, "%s", t_errmsg);
        rc = STORE_ERROR;
        goto out;
    }
    rc = conn_connect(c);
    if (rc != STORE_OK) {
        snprintf(err, errlen, "%s", t_errmsg);
        goto out;
    }
    *out = s;
    s = NULL;
out:
    if (s != NULL) {
        if (have_key && have_mu) {
            store_close(s);
            return rc;
        }
        if (have_key)
            pthread_key_delete(s->key);
        free(s->url);
        free(s->target);
        free(s->data_dir);
        free(s->blob_dir);
        free(s);
    }
    return rc;
}

void store_close(struct store *s)
{
    struct store_conn *c, *next;
    if (s == NULL)
        return;
    /* No destructor may run for this key after this point. */
    pthread_setspecific(s->key, NULL);
    pthread_key_delete(s->key);
    pthread_mutex_lock(&s->mu);
    for (c = s->conns; c != NULL; c = next) {
        next = c->next;
        if (c->tx != NULL)
            log_warn("store: closed with a transaction open; rolled back");
        conn_release(c);
        free(c);
    }
    s->conns = NULL;
    s->nconns = 0;
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_destroy(&s->mu);
    if (s->drv->close != NULL && s->drv_state != NULL)
        s->drv->close(s->drv_state);
    free(s->url);
    free(s->target);
    free(s->data_dir);
    free(s->blob_dir);
    free(s);
}

/* ---- transactions ---- */

/* store_begin(); migrate: a STORE_WRITE transaction that holds the
 * backend's migration lock (driver->begin_migrate). */
static int begin_tx(struct store *s, enum store_txmode mode, bool migrate, struct store_tx **out)
{
    struct store_conn *c;
    struct store_tx *tx = NULL;
    int rc;

    *out = NULL;
    c = conn_get(s);
    if (c == NULL)
        return STORE_ERROR;
    if (c->tx != NULL) {
        /* A second transaction would silently join the first (SQLite) or be
         * refused (PostgreSQL); either way the caller has a bug. */
        store_set_errmsg("nested transaction: this thread already has one open");
        log_error("store: nested store_begin on one thread");
        return STORE_ERROR;
    }
    if (mode != STORE_READ && mode != STORE_WRITE) {
        store_set_errmsg("bad transaction mode %d", (int)mode);
        return STORE_ERROR;
    }
    rc = conn_connect(c);
    if (rc != STORE_OK)
        return rc;
    tx = calloc(1, sizeof(*tx));
    if (tx == NULL) {
        store_set_errmsg("out of memory");
        return STORE_ERROR;
    }
    if (migrate && s->drv->begin_migrate != NULL)
        rc = s->drv->begin_migrate(c->conn);
    else
        rc = s->drv->begin(c->conn, mode);
    if (rc != STORE_OK) {
        store_set_errmsg("%s: begin: %s", s->drv->name, s->drv->errmsg(c->conn));
        if (rc == STORE_UNAVAILABLE)
            c->drop = true;
        free(tx);
        return rc;
    }
    tx->c = c;
    tx->mode = mode;
    c->tx = tx;
    *out = tx;
    return STORE_OK;
}

int store_begin(struct store *s, enum store_txmode mode, struct store_tx **out)
{
    return begin_tx(s, mode, false, out);
}

/* Records a statement failure: the message, and dooms the transaction. */
static int tx_fail(struct store_tx *tx, int rc, const char *what)
{
    const struct store_driver *drv = tx->c->s->drv;
    store_set_errmsg("%s: %s: %s", drv->name, what, drv->errmsg(tx->c->conn));
    if (tx->failed == 0)
        tx->failed = rc;
    if (rc == STORE_UNAVAILABLE)
        tx->c->drop = true;
    return rc;
}

/* Ends tx (already committed or rolled back in the backend). */
static void tx_end(struct store_tx *tx)
{
    struct store_conn *c = tx->c;
    c->tx = NULL;
    free(tx);
    if (c->drop && c->conn != NULL) {
        c->s->drv->disconnect(c->conn);
        c->conn = NULL;
        c->drop = false;
    }
}

/* Checks tx may run a statement now: open, on its own thread, not failed. */
static int tx_usable(struct store_tx *tx, const struct store_param *p, int np)
{
    if (tx == NULL) {
        store_set_errmsg("no transaction");
        return STORE_ERROR;
    }
    if (pthread_getspecific(tx->c->s->key) != tx->c || tx->c->tx != tx) {
        store_set_errmsg("transaction used from another thread");
        log_error("store: transaction used from another thread");
        return STORE_ERROR;
    }
    if (tx->failed != 0) {
        store_set_errmsg("an earlier statement failed (%s); roll the transaction back",
                         store_rc_name(tx->failed));
        return STORE_ERROR;
    }
    if (np < 0 || np > STORE_MAX_PARAMS || (np > 0 && p == NULL)) {
        store_set_errmsg("bad parameter count %d", np);
        return STORE_ERROR;
    }
    return STORE_OK;
}

int store_commit(struct store_tx *tx)
{
    const struct store_driver *drv;
    int rc;
    if (tx == NULL) {
        store_set_errmsg("no transaction");
        return STORE_ERROR;
    }
    if (tx->rows != NULL)
        BUG("store_commit with a cursor open: store_rows_free() it first");
    drv = tx->c->s->drv;
    if (tx->failed != 0) {
        rc = tx->failed;
        drv->rollback(tx->c->conn);
        goto out;
    }
    rc = drv->commit(tx->c->conn);
    if (rc != STORE_OK) {
        store_set_errmsg("%s: commit: %s", drv->name, drv->errmsg(tx->c->conn));
        if (rc == STORE_UNAVAILABLE)
            tx->c->drop = true;
        drv->rollback(tx->c->conn);
    }
out:
    tx_end(tx);
    return rc;
}

void store_rollback(struct store_tx *tx)
{
    if (tx == NULL)
        return;
    if (tx->rows != NULL)
        BUG("store_rollback with a cursor open: store_rows_free() it first");
    tx->c->s->drv->rollback(tx->c->conn);
    tx_end(tx);
}

/* ---- statements and cursors ---- */

struct store *store_tx_store(struct store_tx *tx)
{
    return tx->c->s;
}

int store_exec(struct store_tx *tx, const char *sql, const struct store_param *p, int np,
               int64_t *changes)
{
    int rc = tx_usable(tx, p, np);
    if (changes != NULL)
        *changes = 0;
    if (rc != STORE_OK)
        return rc;
    rc = tx->c->s->drv->query(tx->c->conn, sql, p, np, NULL, changes);
    if (rc != STORE_OK)
        return tx_fail(tx, rc, "exec");
    return STORE_OK;
}

int store_query(struct store_tx *tx, const char *sql, const struct store_param *p, int np,
                struct store_rows **rows)
{
    struct store_rows *r = NULL;
    int rc;
    *rows = NULL;
    rc = tx_usable(tx, p, np);
    if (rc != STORE_OK)
        return rc;
    if (tx->rows != NULL) {
        store_set_errmsg("a cursor is already open in this transaction");
        log_error("store: second cursor opened in one transaction");
        return STORE_ERROR;
    }
    rc = tx->c->s->drv->query(tx->c->conn, sql, p, np, &r, NULL);
    if (rc != STORE_OK)
        return tx_fail(tx, rc, "query");
    ((struct store_rows_head *)(void *)r)->tx = tx;
    tx->rows = r;
    *rows = r;
    return STORE_OK;
}

static struct store_tx *rows_tx(struct store_rows *r)
{
    return ((struct store_rows_head *)(void *)r)->tx;
}

int store_rows_next(struct store_rows *r)
{
    struct store_tx *tx = rows_tx(r);
    int rc = tx->c->s->drv->rows_next(r);
    if (rc < 0)
        return -tx_fail(tx, -rc, "next row");
    return rc;
}

bool store_col_null(struct store_rows *r, int col)
{
    return rows_tx(r)->c->s->drv->col_null(r, col);
}

int64_t store_col_int(struct store_rows *r, int col)
{
    return rows_tx(r)->c->s->drv->col_int(r, col);
}

const char *store_col_text(struct store_rows *r, int col, size_t *len)
{
    return rows_tx(r)->c->s->drv->col_text(r, col, len);
}

const void *store_col_blob(struct store_rows *r, int col, size_t *len)
{
    return rows_tx(r)->c->s->drv->col_blob(r, col, len);
}

void store_rows_free(struct store_rows *r)
{
    struct store_tx *tx;
    if (r == NULL)
        return;
    tx = rows_tx(r);
    tx->rows = NULL;
    tx->c->s->drv->rows_free(r);
}

/* Opens a cursor and steps to its first row; NOTFOUND for no row or NULL. */
static int query_first(struct store_tx *tx, const char *sql, const struct store_param *p, int np,
                       struct store_rows **rows)
{
    int rc = store_query(tx, sql, p, np, rows);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(*rows);
    if (rc < 0)
        return -rc;
    if (rc == 0 || store_col_null(*rows, 0))
        return STORE_NOTFOUND;
    return STORE_OK;
}

int store_query_int(struct store_tx *tx, const char *sql, const struct store_param *p, int np,
                    int64_t *out)
{
    struct store_rows *r = NULL;
    int rc = query_first(tx, sql, p, np, &r);
    if (rc == STORE_OK)
        *out = store_col_int(r, 0);
    store_rows_free(r);
    return rc;
}

int store_query_text(struct store_tx *tx, const char *sql, const struct store_param *p, int np,
                     struct buf *out)
{
    struct store_rows *r = NULL;
    const char *t;
    size_t n = 0;
    int rc = query_first(tx, sql, p, np, &r);
    if (rc != STORE_OK)
        goto out;
    t = store_col_text(r, 0, &n);
    buf_reset(out);
    if (t == NULL) {
        rc = STORE_ERROR;
        store_set_errmsg("out of memory reading a text column");
        goto out;
    }
    switch (buf_append(out, t, n)) {
    case BUF_OK:
        break;
    case BUF_TOOBIG:
        store_set_errmsg("text of %zu bytes exceeds the buffer's %zu", n, out->max);
        rc = STORE_TOOBIG;
        break;
    default:
        store_set_errmsg("out of memory");
        rc = STORE_ERROR;
        break;
    }
out:
    store_rows_free(r);
    return rc;
}

/* ---- migrations ---- */

/* Creates schema_migrations once per store. The SQL is valid in both
 * dialects (BIGINT is a 64-bit INTEGER in SQLite). Retried once: two
 * PostgreSQL sessions creating it at once may collide in the catalog. */
static int ensure_meta(struct store *s)
{
    struct store_tx *tx = NULL;
    int rc = STORE_OK;
    if (atomic_load(&s->meta_ready))
        return STORE_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        rc = begin_tx(s, STORE_WRITE, true, &tx);
        if (rc != STORE_OK)
            continue;
        rc = store_exec(tx,
                        "CREATE TABLE IF NOT EXISTS schema_migrations ("
                        " version INTEGER PRIMARY KEY,"
                        " name TEXT NOT NULL,"
                        " applied_ms BIGINT NOT NULL)",
                        NULL, 0, NULL);
        if (rc != STORE_OK) {
            store_rollback(tx);
            continue;
        }
        rc = store_commit(tx);
        if (rc == STORE_OK)
            break;
    }
    if (rc == STORE_OK)
        atomic_store(&s->meta_ready, true);
    return rc;
}

static int read_version(struct store *s, int64_t *version)
{
    struct store_tx *tx = NULL;
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc != STORE_OK)
        return rc;
    rc = store_query_int(tx, "SELECT max(version) FROM schema_migrations", NULL, 0, version);
    if (rc == STORE_NOTFOUND) {
        *version = 0;
        rc = STORE_OK;
    }
    store_rollback(tx);
    return rc;
}

int store_schema_version(struct store *s, int *version)
{
    int64_t v = 0;
    int rc = ensure_meta(s);
    *version = 0;
    if (rc != STORE_OK)
        return rc;
    rc = read_version(s, &v);
    if (rc == STORE_OK)
        *version = (int)v;
    return rc;
}

/* Is version recorded? Asked inside tx. */
static int has_version(struct store_tx *tx, int version, bool *present)
{
    int64_t n = 0;
    struct store_param p[] = {SP_I(version)};
    int rc =
        store_query_int(tx, "SELECT count(*) FROM schema_migrations WHERE version = $1", p, 1, &n);
    *present = (rc == STORE_OK && n > 0);
    return rc;
}

/* Applies one migration in its own write transaction. *ran is false when
 * another process had already applied it. */
static int apply_one(struct store *s, const struct store_migration *m, bool *ran)
{
    struct store_tx *tx = NULL;
    bool present = false;
    int rc;

    *ran = false;
    rc = begin_tx(s, STORE_WRITE, true, &tx);
    if (rc != STORE_OK)
        return rc;
    /* The transaction holds the migration lock (SQLite: BEGIN IMMEDIATE's
     * write lock; PostgreSQL: an advisory lock taken by begin_migrate in a
     * READ COMMITTED transaction, so this read sees what the lock's previous
     * holder committed): this recheck cannot race. */
    rc = has_version(tx, m->version, &present);
    if (rc != STORE_OK || present)
        goto out;
    rc = s->drv->exec_script(tx->c->conn, m->sql);
    if (rc != STORE_OK) {
        tx_fail(tx, rc, "migration");
        goto out;
    }
    {
        struct store_param p[] = {SP_I(m->version), SP_T(m->name), SP_I(clock_now_ms())};
        rc = store_exec(tx,
                        "INSERT INTO schema_migrations (version, name, applied_ms)"
                        " VALUES ($1, $2, $3)",
                        p, 3, NULL);
    }
    if (rc != STORE_OK)
        goto out;
    rc = store_commit(tx);
    tx = NULL;
    if (rc == STORE_OK)
        *ran = true;
out:
    store_rollback(tx);
    return rc;
}

int store_migrate(struct store *s, int *applied)
{
    const struct store_driver *drv = s->drv;
    int64_t have = 0;
    int rc;

    *applied = 0;
    const int nmig = *drv->nmigrations;
    for (int i = 0; i < nmig; i++)
        if (drv->migrations[i].version != i + 1)
            BUG("%s migration %d has version %d", drv->name, i, drv->migrations[i].version);
    rc = ensure_meta(s);
    if (rc != STORE_OK)
        return rc;
    rc = read_version(s, &have);
    if (rc != STORE_OK)
        return rc;
    if (have > nmig) {
        store_set_errmsg("the database is at schema version %lld, newer than this build's %d",
                         (long long)have, nmig);
        return STORE_ERROR;
    }
    for (int i = (int)have; i < nmig; i++) {
        const struct store_migration *m = &drv->migrations[i];
        bool ran = false;
        char saved[STORE_ERRMSG_MAX];
        /* Another process's long migration may hold the write lock past
         * one busy timeout: wait a bounded number of them. */
        for (int attempt = 0; attempt < STORE_MIGRATE_WAITS; attempt++) {
            rc = apply_one(s, m, &ran);
            if (rc != STORE_BUSY)
                break;
        }
        if (rc != STORE_OK) {
            /* Lost a race with another process? Then the version is there. */
            int64_t now_have = 0;
            memcpy(saved, t_errmsg, sizeof(saved));
            if (read_version(s, &now_have) == STORE_OK && now_have >= m->version)
                continue;
            memcpy(t_errmsg, saved, sizeof(saved));
            log_error("store: migration %d (%s) failed: %s", m->version, m->name, t_errmsg);
            return rc;
        }
        if (ran) {
            (*applied)++;
            log_info("store: applied migration %d (%s)", m->version, m->name);
        }
    }
    return STORE_OK;
}
