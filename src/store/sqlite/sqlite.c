/*
 * sqlite/sqlite.c — the SQLite backend of the store (driver.h's table).
 *
 * One connection per thread: connections are opened with SQLITE_OPEN_NOMUTEX
 * (SQLite's "multi-thread" mode), so SQLite takes no locks of its own and a
 * connection must never be used by two threads at once; store.c guarantees
 * that by giving each thread its own. Settings on every connection:
 *
 *     journal_mode=WAL     readers never block the writer nor it them
 *     synchronous=FULL     a COMMIT that returned is on disk (WAL fsync'd)
 *     foreign_keys=ON      REFERENCES are enforced
 *     busy_timeout=5000    wait up to 5 s for the write lock, then SQLITE_BUSY
 *     defensive, no double-quoted strings, untrusted schema
 *                          (so "x" is an identifier, as in PostgreSQL)
 *
 * Transactions: STORE_WRITE is BEGIN IMMEDIATE (the write lock is taken at
 * begin, so a write transaction never fails half-way for lack of it);
 * before it, the thread takes the database's writer gate, a process-wide
 * mutex (one of SQ_GATES, chosen by the path's hash), held until COMMIT or
 * ROLLBACK. SQLite's own busy handler polls: a writer that finds the lock
 * taken sleeps 1, 2, 5, 10 ms... and wakes late, so under several writer
 * threads most of the time went to sleeping. The gate hands the lock over
 * at once; other processes on the same file still meet busy_timeout. A
 * thread that already holds a gate (a write transaction nested in another
 * on a second connection) does not wait on one again: it gets the busy
 * timeout as before, and the gate is never waited on longer than it.
 * STORE_READ is a deferred BEGIN whose snapshot starts at the first read, and
 * statements that would write are refused in it (sqlite3_stmt_readonly).
 *
 * Statement cache. Each connection keeps up to SQ_CACHE_MAX prepared
 * statements (SQLITE_PREPARE_PERSISTENT) keyed by the exact SQL text, in a
 * chained hash table plus an LRU list; when full, the least recently used
 * statement that is not running is finalised. A statement is "busy" while a
 * cursor or an exec uses it; asking for busy SQL again prepares a one-off
 * statement that is finalised after use. After use every statement is reset
 * and its bindings cleared, so no caller memory is referenced afterwards.
 *
 *     bucket[h % SQ_BUCKETS] -> ent -> ent ...       (hnext)
 *     lru.newest <-> ent <-> ... <-> ent <-> lru.oldest   (base/lru.h)
 *
 * Parameters are $1..$N in the SQL. Every statement's parameter names are
 * checked once when prepared (only $<n>, 1 <= n <= count), and each value is
 * bound by sqlite3_bind_parameter_index(stmt, "$i"), so the order in which
 * parameters appear in the SQL does not matter.
 *
 * Result codes: SQLITE_CONSTRAINT* (unique, foreign key, check, not null, and
 * RAISE(ABORT) in a trigger) -> STORE_CONSTRAINT; BUSY/LOCKED -> STORE_BUSY;
 * FULL/IOERR/CANTOPEN/READONLY/PROTOCOL -> STORE_UNAVAILABLE; TOOBIG ->
 * STORE_TOOBIG; everything else -> STORE_ERROR.
 *
 * Thread: a connection and everything under it belong to the thread that
 * opened it (disconnect may run elsewhere once that thread is done with it).
 */
#include "store/sqlite/sqlite.h"

#include <pthread.h>
#include <sqlite3.h>
#include <time.h>

#include "base/hash.h"
#include "base/log.h"
#include "base/lru.h"

#define SQ_BUSY_MS     5000  /* busy_timeout: wait this long for a lock */
#define SQ_CACHE_MAX   256   /* cached statements per connection */
#define SQ_BUCKETS     512   /* hash buckets (power of two) */
#define SQ_CACHE_SQL   16384 /* longer SQL is prepared but not cached */
#define SQ_MSG_MAX     512   /* bytes of the last error message */
#define SQ_WAL_RETRIES 50    /* attempts to switch a new file to WAL */
#define SQ_GATES       16    /* writer gates (power of two) */

/* The writer gates: gate[fnv(path) % SQ_GATES] serialises the write
 * transactions of this process on one database file (two files sharing a
 * gate are merely serialised together). */
static pthread_mutex_t sq_gate[SQ_GATES];
static pthread_once_t sq_gate_once = PTHREAD_ONCE_INIT;
static _Thread_local bool sq_gate_held; /* this thread holds a gate */

static void sq_gate_init(void)
{
    for (int i = 0; i < SQ_GATES; i++)
        pthread_mutex_init(&sq_gate[i], NULL);
}

/* A cached prepared statement. */
struct sq_ent {
    char *sql;            /* owned copy of the key, NUL-terminated */
    size_t len;           /* strlen(sql) */
    uint64_t hash;        /* FNV-1a of sql */
    sqlite3_stmt *st;     /* the prepared statement */
    bool busy;            /* a cursor or exec is using st right now */
    struct sq_ent *hnext; /* next in the bucket */
    struct lru_link lru;  /* place in the connection's LRU list */
};

/* One thread's connection. */
struct sq_conn {
    sqlite3 *db;                       /* the connection (NOMUTEX) */
    enum store_txmode mode;            /* mode of the open transaction */
    bool in_tx;                        /* a transaction is open */
    pthread_mutex_t *gate;             /* this database's writer gate */
    bool gate_held;                    /* this connection holds it */
    sqlite3_stmt *begin_read;          /* BEGIN */
    sqlite3_stmt *begin_write;         /* BEGIN IMMEDIATE */
    sqlite3_stmt *commit;              /* COMMIT */
    sqlite3_stmt *rollback;            /* ROLLBACK */
    struct sq_ent *bucket[SQ_BUCKETS]; /* hash table of cached statements */
    struct lru_list lru;               /* cached statements, most recently used first */
    int ncached;                       /* entries, <= SQ_CACHE_MAX */
    char msg[SQ_MSG_MAX];              /* message of the last failure */
};

struct store_rows {
    struct store_rows_head head; /* store.c's; must be first */
    struct sq_conn *c;           /* the connection */
    sqlite3_stmt *st;            /* the running statement */
    struct sq_ent *ent;          /* its cache entry; NULL: one-off, finalise on free */
    int ncols;                   /* columns in each row */
    bool has_row;                /* st is on a row: columns may be read */
    bool done;                   /* stepped past the last row (or failed) */
};

/* ---- result codes and messages ---- */

static int sq_map(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return STORE_OK;
    case SQLITE_CONSTRAINT:
        return STORE_CONSTRAINT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return STORE_BUSY;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
        return STORE_UNAVAILABLE;
    case SQLITE_TOOBIG:
        return STORE_TOOBIG;
    default:
        return STORE_ERROR;
    }
}

/* Records SQLite's message for rc and returns the store_rc. */
static int sq_fail(struct sq_conn *c, int rc)
{
    snprintf(c->msg, sizeof(c->msg), "%s (%s, %d)", sqlite3_errmsg(c->db), sqlite3_errstr(rc), rc);
    return sq_map(rc);
}

static int sq_misuse(struct sq_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records a message of our own (a misuse of the interface): STORE_ERROR. */
static int sq_misuse(struct sq_conn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
    va_end(ap);
    return STORE_ERROR;
}

static const char *sq_errmsg(void *conn)
{
    struct sq_conn *c = conn;
    return c->msg[0] != '\0' ? c->msg : sqlite3_errmsg(c->db);
}

/* ---- statement cache ---- */

static void ent_free(struct sq_ent *e)
{
    sqlite3_finalize(e->st);
    free(e->sql);
    free(e);
}

/* Removes e from the table and the list and frees it. */
static void ent_evict(struct sq_conn *c, struct sq_ent *e)
{
    struct sq_ent **pp = &c->bucket[e->hash & (SQ_BUCKETS - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    lru_unlink(&c->lru, &e->lru);
    c->ncached--;
    ent_free(e);
}

/* Checks that the statement's parameters are exactly $1..$count. */
static int check_params(struct sq_conn *c, sqlite3_stmt *st)
{
    int count = sqlite3_bind_parameter_count(st);
    for (int i = 1; i <= count; i++) {
        const char *name = sqlite3_bind_parameter_name(st, i);
        char *end = NULL;
        long n;
        if (name == NULL || name[0] != '$' || name[1] < '1' || name[1] > '9')
            goto bad;
        n = strtol(name + 1, &end, 10);
        if (*end != '\0' || n < 1 || n > count)
            goto bad;
        continue;
    bad:
        return sq_misuse(c, "parameters must be written $1..$N without gaps (found '%s')",
                         name ? name : "?");
    }
    return STORE_OK;
}

/* Prepares exactly one statement. */
static int prepare(struct sq_conn *c, const char *sql, size_t len, unsigned flags,
                   sqlite3_stmt **out)
{
    const char *tail = NULL;
    sqlite3_stmt *st = NULL;
    int rc;

    *out = NULL;
    if (len >= (size_t)INT32_MAX)
        return sq_misuse(c, "SQL text too long");
    rc = sqlite3_prepare_v3(c->db, sql, (int)len + 1, flags, &st, &tail);
    if (rc != SQLITE_OK)
        return sq_fail(c, rc);
    if (st == NULL)
        return sq_misuse(c, "empty SQL statement");
    while (tail != NULL &&
           (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == '\r' || *tail == ';'))
        tail++;
    if (tail != NULL && *tail != '\0') {
        sqlite3_finalize(st);
        return sq_misuse(c, "more than one statement in one call: '%.60s'", tail);
    }
    rc = check_params(c, st);
    if (rc != STORE_OK) {
        sqlite3_finalize(st);
        return rc;
    }
    *out = st;
    return STORE_OK;
}

/* Gets a statement for sql, from the cache or newly prepared. *ent is its
 * cache entry (marked busy), or NULL for a one-off statement. */
static int stmt_get(struct sq_conn *c, const char *sql, sqlite3_stmt **st, struct sq_ent **ent)
{
    size_t len = strlen(sql);
    uint64_t h;
    struct sq_ent *e;
    int rc;

    *st = NULL;
    *ent = NULL;
    if (len > SQ_CACHE_SQL)
        return prepare(c, sql, len, 0, st);
    h = hash_fnv1a64(HASH_FNV1A64_SEED, sql, len);
    for (e = c->bucket[h & (SQ_BUCKETS - 1)]; e != NULL; e = e->hnext)
        if (e->hash == h && e->len == len && memcmp(e->sql, sql, len) == 0)
            break;
    if (e != NULL && e->busy)
        return prepare(c, sql, len, 0, st); /* in use by an open cursor */
    if (e != NULL) {
        lru_touch(&c->lru, &e->lru);
        e->busy = true;
        *st = e->st;
        *ent = e;
        return STORE_OK;
    }
    if (c->ncached >= SQ_CACHE_MAX) {
        struct lru_link *l = c->lru.oldest;
        while (l != NULL && lru_entry(l, struct sq_ent, lru)->busy)
            l = l->newer;
        if (l == NULL)
            return prepare(c, sql, len, 0, st);
        ent_evict(c, lru_entry(l, struct sq_ent, lru));
    }
    e = calloc(1, sizeof(*e));
    if (e == NULL)
        return sq_misuse(c, "out of memory");
    e->sql = malloc(len + 1);
    if (e->sql == NULL) {
        free(e);
        return sq_misuse(c, "out of memory");
    }
    memcpy(e->sql, sql, len + 1);
    e->len = len;
    e->hash = h;
    rc = prepare(c, sql, len, SQLITE_PREPARE_PERSISTENT, &e->st);
    if (rc != STORE_OK) {
        free(e->sql);
        free(e);
        return rc;
    }
    e->hnext = c->bucket[h & (SQ_BUCKETS - 1)];
    c->bucket[h & (SQ_BUCKETS - 1)] = e;
    lru_push_newest(&c->lru, &e->lru);
    c->ncached++;
    e->busy = true;
    *st = e->st;
    *ent = e;
    return STORE_OK;
}

/* Done with a statement: reset it, drop the bindings, free it if one-off. */
static void stmt_put(sqlite3_stmt *st, struct sq_ent *ent)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (ent != NULL)
        ent->busy = false;
    else
        sqlite3_finalize(st);
}

static int bind_params(struct sq_conn *c, sqlite3_stmt *st, const struct store_param *p, int np,
                       bool copy)
{
    sqlite3_destructor_type how = copy ? SQLITE_TRANSIENT : SQLITE_STATIC;
    int count = sqlite3_bind_parameter_count(st);
    if (count != np)
        return sq_misuse(c, "the statement has %d parameters, %d given", count, np);
    for (int i = 0; i < np; i++) {
        char name[16];
        int idx, rc;
        snprintf(name, sizeof(name), "$%d", i + 1);
        idx = sqlite3_bind_parameter_index(st, name);
        if (idx == 0)
            return sq_misuse(c, "parameter %s is not in the statement", name);
        switch (p[i].type) {
        case SP_NULL:
            rc = sqlite3_bind_null(st, idx);
            break;
        case SP_INT:
            rc = sqlite3_bind_int64(st, idx, p[i].i);
            break;
        case SP_TEXT:
            rc = sqlite3_bind_text64(st, idx, p[i].p != NULL ? p[i].p : "", p[i].n, how,
                                     SQLITE_UTF8);
            break;
        case SP_BLOB:
            if (p[i].n == 0)
                rc = sqlite3_bind_zeroblob(st, idx, 0); /* empty, not NULL */
            else if (p[i].p == NULL)
                return sq_misuse(c, "parameter %s: NULL blob of %zu bytes", name, p[i].n);
            else
                rc = sqlite3_bind_blob64(st, idx, p[i].p, p[i].n, how);
            break;
        default:
            return sq_misuse(c, "parameter %s has bad type %d", name, (int)p[i].type);
        }
        if (rc != SQLITE_OK)
            return sq_fail(c, rc);
    }
    return STORE_OK;
}

/* ---- connect ---- */

/* Runs a PRAGMA that returns one text value into out. */
static int pragma_text(struct sq_conn *c, const char *sql, char *out, size_t outlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(out, outlen, "%s", t ? (const char *)t : "");
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

static void sq_disconnect(void *conn)
{
    struct sq_conn *c = conn;
    if (c == NULL)
        return;
    if (c->gate_held) { /* a transaction left open: its thread is done with it */
        c->gate_held = false;
        pthread_mutex_unlock(c->gate);
    }
    while (c->lru.oldest != NULL)
        ent_evict(c, lru_entry(c->lru.oldest, struct sq_ent, lru));
    sqlite3_finalize(c->begin_read);
    sqlite3_finalize(c->begin_write);
    sqlite3_finalize(c->commit);
    sqlite3_finalize(c->rollback);
    if (sqlite3_close(c->db) != SQLITE_OK) {
        log_error("store: sqlite3_close: %s", sqlite3_errmsg(c->db));
        sqlite3_close_v2(c->db);
    }
    free(c);
}

static int sq_connect(struct store *s, void **out, char *err, size_t errlen)
{
    const char *path = store_target(s);
    struct sq_conn *c = NULL;
    char mode[16] = "";
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc, src;

    *out = NULL;
    if (!sqlite3_threadsafe()) {
        snprintf(err, errlen, "this SQLite library was built without thread support");
        return STORE_ERROR;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return STORE_ERROR;
    }
    pthread_once(&sq_gate_once, sq_gate_init);
    c->gate = &sq_gate[hash_fnv1a32(path) & (SQ_GATES - 1)];
#ifdef SQLITE_OPEN_EXRESCODE
    flags |= SQLITE_OPEN_EXRESCODE;
#endif
    src = sqlite3_open_v2(path, &c->db, flags, NULL);
    if (src != SQLITE_OK)
        goto fail;
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, SQ_BUSY_MS);
    sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    sqlite3_db_config(c->db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL);
    sqlite3_db_config(c->db, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)NULL);
    sqlite3_db_config(c->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);

    /* A new file switches to WAL under an exclusive lock; several threads
     * opening it at once may see SQLITE_BUSY despite the timeout. */
    for (int i = 0; i < SQ_WAL_RETRIES; i++) {
        src = pragma_text(c, "PRAGMA journal_mode=WAL", mode, sizeof(mode));
        if ((src & 0xff) != SQLITE_BUSY && (src & 0xff) != SQLITE_LOCKED)
            break;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (src != SQLITE_OK)
        goto fail;
    if (strcmp(mode, "wal") != 0) {
        snprintf(err, errlen, "%s: journal_mode is '%s', not wal", path, mode);
        rc = STORE_UNAVAILABLE;
        goto out;
    }
    src = sqlite3_exec(c->db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", NULL, NULL, NULL);
    if (src != SQLITE_OK)
        goto fail;
    src = pragma_text(c, "PRAGMA synchronous", mode, sizeof(mode));
    if (src != SQLITE_OK)
        goto fail;
    if (strcmp(mode, "2") != 0) {
        snprintf(err, errlen, "%s: synchronous is %s, not FULL (2)", path, mode);
        rc = STORE_ERROR;
        goto out;
    }
    {
        const struct {
            const char *sql;
            sqlite3_stmt **st;
        } control[] = {{"BEGIN", &c->begin_read},
                       {"BEGIN IMMEDIATE", &c->begin_write},
                       {"COMMIT", &c->commit},
                       {"ROLLBACK", &c->rollback}};
        for (size_t i = 0; i < sizeof(control) / sizeof(control[0]); i++) {
            src = sqlite3_prepare_v3(c->db, control[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
                                     control[i].st, NULL);
            if (src != SQLITE_OK)
                goto fail;
        }
    }
    *out = c;
    return STORE_OK;
fail:
    snprintf(err, errlen, "%s: %s", path,
             c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(src));
    rc = sq_map(src);
    if (rc == STORE_OK)
        rc = STORE_ERROR;
out:
    if (c->db == NULL) {
        free(c);
        return rc;
    }
    sq_disconnect(c);
    return rc;
}

/* ---- transactions ---- */

/* Steps a one-row-less control statement (BEGIN, COMMIT, ROLLBACK). */
static int run_control(struct sq_conn *c, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return STORE_OK;
    return sq_fail(c, rc);
}

/* Takes the writer gate, waiting at most SQ_BUSY_MS (then BEGIN IMMEDIATE
 * meets the busy timeout as it would have without a gate). */
static void gate_enter(struct sq_conn *c)
{
    struct timespec until;
    if (sq_gate_held)
        return;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += SQ_BUSY_MS / 1000;
    if (pthread_mutex_timedlock(c->gate, &until) == 0)
        c->gate_held = sq_gate_held = true;
}

static void gate_leave(struct sq_conn *c)
{
    if (!c->gate_held)
        return;
    c->gate_held = sq_gate_held = false;
    pthread_mutex_unlock(c->gate);
}

static int sq_begin(void *conn, enum store_txmode mode)
{
    struct sq_conn *c = conn;
    int rc;
    c->msg[0] = '\0';
    if (mode == STORE_WRITE)
        gate_enter(c);
    rc = run_control(c, mode == STORE_WRITE ? c->begin_write : c->begin_read);
    if (rc != STORE_OK) {
        gate_leave(c);
        return rc;
    }
    c->mode = mode;
    c->in_tx = true;
    return STORE_OK;
}

static int sq_commit(void *conn)
{
    struct sq_conn *c = conn;
    int rc;
    c->msg[0] = '\0';
    rc = run_control(c, c->commit);
    if (rc == STORE_OK) {
        c->in_tx = false;
        gate_leave(c);
    }
    return rc;
}

static void sq_rollback(void *conn)
{
    struct sq_conn *c = conn;
    /* SQLite may already have rolled back by itself (IOERR, FULL, NOMEM). */
    if (!sqlite3_get_autocommit(c->db)) {
        int rc = run_control(c, c->rollback);
        if (rc != STORE_OK)
            log_error("store: sqlite ROLLBACK failed: %s", c->msg);
    }
    c->in_tx = false;
    gate_leave(c);
}

/* ---- statements and cursors ---- */

static int sq_query(void *conn, const char *sql, const struct store_param *p, int np,
                    struct store_rows **rows, int64_t *changes)
{
    struct sq_conn *c = conn;
    struct store_rows *r = NULL;
    struct sq_ent *ent = NULL;
    sqlite3_stmt *st = NULL;
    int rc;

    c->msg[0] = '\0';
    if (rows != NULL)
        *rows = NULL;
    if (!c->in_tx) {
        rc = sq_misuse(c, "statement outside a transaction");
        goto out;
    }
    rc = stmt_get(c, sql, &st, &ent);
    if (rc != STORE_OK)
        goto out;
    if (c->mode == STORE_READ && !sqlite3_stmt_readonly(st)) {
        rc = sq_misuse(c, "a read transaction cannot write: '%.60s'", sql);
        goto out;
    }
    /* A cursor steps after this call returns, when p is gone: copy. */
    rc = bind_params(c, st, p, np, rows != NULL);
    if (rc != STORE_OK)
        goto out;
    if (rows != NULL) {
        r = calloc(1, sizeof(*r));
        if (r == NULL) {
            rc = sq_misuse(c, "out of memory");
            goto out;
        }
        r->c = c;
        r->st = st;
        r->ent = ent;
        r->ncols = sqlite3_column_count(st);
        *rows = r;
        st = NULL; /* the cursor owns it now */
        goto out;
    }
    for (;;) {
        int src = sqlite3_step(st);
        if (src == SQLITE_ROW)
            continue;
        if (src == SQLITE_DONE)
            break;
        rc = sq_fail(c, src);
        goto out;
    }
    if (changes != NULL)
        *changes = sqlite3_stmt_readonly(st) ? 0 : sqlite3_changes64(c->db);
out:
    if (st != NULL)
        stmt_put(st, ent);
    return rc;
}

static int sq_rows_next(struct store_rows *r)
{
    int src;
    if (r->done)
        return 0;
    src = sqlite3_step(r->st);
    if (src == SQLITE_ROW) {
        r->has_row = true;
        return 1;
    }
    r->has_row = false;
    r->done = true;
    if (src == SQLITE_DONE)
        return 0;
    return -sq_fail(r->c, src);
}

static bool col_ok(struct store_rows *r, int col)
{
    return r->has_row && col >= 0 && col < r->ncols;
}

static bool sq_col_null(struct store_rows *r, int col)
{
    return !col_ok(r, col) || sqlite3_column_type(r->st, col) == SQLITE_NULL;
}

static int64_t sq_col_int(struct store_rows *r, int col)
{
    return col_ok(r, col) ? sqlite3_column_int64(r->st, col) : 0;
}

static const char *sq_col_text(struct store_rows *r, int col, size_t *len)
{
    const unsigned char *t = NULL;
    if (len != NULL)
        *len = 0;
    if (sq_col_null(r, col))
        return NULL;
    t = sqlite3_column_text(r->st, col);
    if (t != NULL && len != NULL)
        *len = (size_t)sqlite3_column_bytes(r->st, col);
    return (const char *)t;
}

static const void *sq_col_blob(struct store_rows *r, int col, size_t *len)
{
    const void *b;
    if (len != NULL)
        *len = 0;
    if (sq_col_null(r, col))
        return NULL;
    b = sqlite3_column_blob(r->st, col);
    if (len != NULL)
        *len = (size_t)sqlite3_column_bytes(r->st, col);
    return b != NULL ? b : ""; /* an empty blob is not NULL */
}

static void sq_rows_free(struct store_rows *r)
{
    if (r == NULL)
        return;
    stmt_put(r->st, r->ent);
    free(r);
}

static int sq_exec_script(void *conn, const char *sql)
{
    struct sq_conn *c = conn;
    char *em = NULL;
    int src;
    c->msg[0] = '\0';
    src = sqlite3_exec(c->db, sql, NULL, NULL, &em);
    if (src == SQLITE_OK)
        return STORE_OK;
    snprintf(c->msg, sizeof(c->msg), "%s (%s, %d)", em ? em : sqlite3_errmsg(c->db),
             sqlite3_errstr(src), src);
    sqlite3_free(em);
    return sq_map(src);
}

const struct store_driver sqlite_driver = {
    .name = "sqlite",
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .query = sq_query,
    .rows_next = sq_rows_next,
    .col_null = sq_col_null,
    .col_int = sq_col_int,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .rows_free = sq_rows_free,
    .errmsg = sq_errmsg,
    .exec_script = sq_exec_script,
    .migrations = sqlite_migrations,
    .nmigrations = &sqlite_nmigrations,
    .blob_put = NULL,
    .blob_get = NULL,
    .blob_exists = NULL,
};
