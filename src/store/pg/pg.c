/*
 * pg/pg.c — the PostgreSQL backend of the store (driver.h's table), through
 * libpq. Chosen by postgres:// and postgresql:// URLs; the whole URL goes to
 * libpq, after these defaults, which the URL may override:
 *
 *     application_name=sunbid  client_encoding=UTF8  connect_timeout=10
 *     keepalives=1 (idle 30 s, interval 10 s, count 3)  tcp_user_timeout=30 s
 *     target_session_attrs=read-write  (after a fail-over, a reconnect to a
 *                                       multi-host URL finds the new primary)
 *
 * Every connection then runs: bytea_output=hex, lock_timeout=5 s (a lock not
 * obtained in 5 s is STORE_BUSY, like SQLite's busy_timeout), and
 * synchronous_commit=on if the server's default is off (acknowledged means
 * durable, DESIGN.md §6). The server must be PostgreSQL 11 or newer with
 * UTF8 encoding.
 *
 * Connections and threads. One connection per worker thread: store.c keeps
 * a thread's struct pg_conn and calls everything below on that thread only.
 * The blob store uses a small pool of other connections (struct pg_state,
 * per store, mutex-guarded), so that a blob call never disturbs the calling
 * thread's transaction.
 *
 * Transactions and isolation.
 *
 *     STORE_WRITE   BEGIN ISOLATION LEVEL SERIALIZABLE, READ WRITE
 *     STORE_READ    BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY
 *     migrations    BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE;
 *                   SELECT pg_advisory_xact_lock(PG_LOCK_MIGRATE, schema)
 *
 * Why SERIALIZABLE for writes. On SQLite one writer runs at a time, so every
 * write transaction sees the effect of all earlier ones and nothing changes
 * under it: the domain's read-check-write transactions (is the tender still
 * open? then insert the bid; how many failed logins? then store one more)
 * are correct by construction. PostgreSQL runs writers concurrently; the
 * only level that keeps that guarantee is SERIALIZABLE: the outcome is that
 * of some serial order, or a transaction fails with SQLSTATE 40001, which is
 * STORE_BUSY ("retry"). REPEATABLE READ would allow write skew (a bid
 * inserted while another transaction closes the tender, each having read the
 * other's "before"), and READ COMMITTED lost updates too; UNIQUE constraints
 * alone cover only uniqueness. The price: under contention some write
 * transactions fail with STORE_BUSY where SQLite would have waited, so a
 * caller that can retry should (a serialization failure never leaves
 * anything behind). Reads are one REPEATABLE READ snapshot (cheaper than
 * SERIALIZABLE READ ONLY DEFERRABLE, which may wait); a reader sees a state
 * some prefix of commits produced.
 *
 * Migrations take a transaction-scoped advisory lock keyed by the schema, in
 * READ COMMITTED, so the runner's "is this version applied?" read, made after
 * the lock is granted, sees what the previous holder committed: several
 * processes migrating at once apply each migration exactly once.
 *
 * Errors (SQLSTATE -> store_rc):
 *
 *     class 23 (unique, foreign key, check, not null; the audit_log
 *       triggers raise 23000)                               STORE_CONSTRAINT
 *     40001 serialization, 40P01 deadlock, 55P03 lock
 *       timeout, 57014 statement cancelled / timed out      STORE_BUSY
 *     class 08, 57P01-57P03 (shutdown, crash, starting),
 *       class 53 (disk full, out of memory, too many
 *       connections), class 58 (I/O), 25006 in a write
 *       transaction (connected to a standby), and any
 *       failure after which the connection is not OK        STORE_UNAVAILABLE
 *     54000 (row or index entry too big)                    STORE_TOOBIG
 *     everything else (syntax, 25006 in a read transaction) STORE_ERROR
 *
 * Messages keep the primary text, the constraint name and the SQLSTATE, not
 * libpq's DETAIL (which quotes the row's values) — they go to logs.
 *
 * Lost connections. A failure that leaves the connection not OK is
 * STORE_UNAVAILABLE; store.c then drops the connection when the transaction
 * ends (the request in flight gets a 503) and the thread's next begin
 * connects again. A connection found dead at BEGIN (the server restarted
 * while it was idle) is reset and the BEGIN retried once, since nothing of
 * the transaction had run. A COMMIT whose connection breaks has an unknown
 * outcome: STORE_UNAVAILABLE, and the caller must not assume either way.
 *
 * Statement cache. Each connection keeps up to PG_CACHE_MAX server-side
 * prepared statements named sb1, sb2, ... keyed by the SQL text and the
 * parameters' types (one letter each: n null, i int8, t text, b bytea), in a
 * hash table plus an LRU list like sqlite.c's; the least recently used is
 * DEALLOCATEd when full. Names are never reused in a session. SQL longer than
 * PG_CACHE_SQL runs unnamed (PQexecParams). Results are read whole into the
 * PGresult at query time, so a statement is never "busy" and a cursor holds
 * only its result; pages must be bounded by LIMIT.
 *
 * Parameters are checked once per statement, as sqlite.c does: exactly
 * $1..$N, each used, N = the count given (libpq would otherwise fail at bind
 * time with a protocol error). All are sent in binary: SP_INT as int8,
 * SP_TEXT as text (its exact length, no NUL needed), SP_BLOB as bytea,
 * SP_NULL as NULL of unknown type (the server infers it). Results are text,
 * except that bytea columns (hex) are decoded by col_blob/col_text.
 *
 * Blobs and the per-store state (driver->open/close, blob_*) are in
 * pg/blob.c; the helpers it shares with this file are declared in pg.h.
 */
#include "store/pg/pg.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <libpq-fe.h>

#include "base/hash.h"
#include "base/log.h"
#include "base/lru.h"

#define PG_CACHE_MAX    256    /* cached statements per connection */
#define PG_BUCKETS      512    /* hash buckets (power of two) */
#define PG_CACHE_SQL    16384  /* longer SQL runs unnamed, uncached */
#define PG_MIN_SERVER   110000 /* PostgreSQL 11: EXECUTE FUNCTION, sha256() */
#define PG_LOCK_TIMEOUT "5000" /* ms, lock_timeout: then STORE_BUSY */
#define PG_CONN_TIMEOUT "10"   /* s, connect_timeout unless the URL says */

/* A cached prepared statement. */
struct pg_ent {
    uint64_t hash;        /* FNV-1a of the key */
    size_t sqllen;        /* strlen of the SQL */
    int np;               /* parameters, = strlen of the type letters */
    char name[24];        /* server-side name, "sb<n>" */
    struct pg_ent *hnext; /* next in the bucket */
    struct lru_link lru;  /* place in the connection's LRU list */
    char key[];           /* the SQL, NUL, the type letters, NUL */
};

/* One thread's connection. */
struct pg_conn {
    PGconn *pq;                        /* the libpq connection */
    enum store_txmode mode;            /* mode of the open (or last) transaction */
    bool in_tx;                        /* a transaction is open */
    uint64_t next_name;                /* suffix of the next statement's name */
    struct pg_ent *bucket[PG_BUCKETS]; /* hash table of cached statements */
    struct lru_list lru;               /* cached statements, most recently used first */
    int ncached;                       /* entries, <= PG_CACHE_MAX */
    char msg[PG_MSG_MAX];              /* message of the last failure */
};

/* A bytea column of the current row, decoded (lazily) from hex. */
struct pg_dec {
    char *p;    /* the bytes, NUL-terminated; owned */
    size_t n;   /* bytes, without the NUL */
    size_t cap; /* bytes allocated */
    int row;    /* row they were decoded from; -1: none */
};

struct store_rows {
    struct store_rows_head head; /* store.c's; must be first */
    PGresult *res;               /* every row of the result; owned */
    int nrows;                   /* rows in res */
    int ncols;                   /* columns in each row */
    int row;                     /* current row; -1 before the first */
    struct pg_dec *dec;          /* ncols decoders, allocated on first bytea read */
};

/* ---- messages and error mapping ---- */

static int pg_misuse(struct pg_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records a message of our own (a misuse of the interface): STORE_ERROR. */
static int pg_misuse(struct pg_conn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
    va_end(ap);
    return STORE_ERROR;
}

/* SQLSTATE -> store_rc; write: the transaction may write (25006 then means
 * the server is a read-only standby, not a misuse). */
static int map_state(const char *st, bool write)
{
    if (st == NULL || strlen(st) != 5)
        return STORE_ERROR;
    if (strncmp(st, "23", 2) == 0)
        return STORE_CONSTRAINT;
    if (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0 || strcmp(st, "55P03") == 0 ||
        strcmp(st, "57014") == 0)
        return STORE_BUSY;
    if (strncmp(st, "08", 2) == 0 || strncmp(st, "53", 2) == 0 || strncmp(st, "58", 2) == 0 ||
        strcmp(st, "57P01") == 0 || strcmp(st, "57P02") == 0 || strcmp(st, "57P03") == 0)
        return STORE_UNAVAILABLE;
    if (strcmp(st, "25006") == 0)
        return write ? STORE_UNAVAILABLE : STORE_ERROR;
    if (strcmp(st, "54000") == 0)
        return STORE_TOOBIG;
    return STORE_ERROR;
}

/* Copies s into out on one line: runs of white space (libpq's messages
 * have newlines and tabs) become one space, none at the ends. */
void pg_trim_copy(char *out, size_t outlen, const char *s)
{
    size_t j = 0;
    bool space = false;
    if (outlen == 0)
        return;
    for (; s != NULL && *s != '\0' && j + 1 < outlen; s++) {
        if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') {
            space = j > 0;
            continue;
        }
        if (space && j + 2 < outlen)
            out[j++] = ' ';
        space = false;
        out[j++] = *s;
    }
    out[j] = '\0';
}

/*
 * Maps a failed result (res may be NULL: libpq could not even make one) on
 * pq to a store_rc and writes the message into msg. A connection that is no
 * longer OK is STORE_UNAVAILABLE whatever the SQLSTATE.
 */
int pg_map_result(PGconn *pq, const PGresult *res, bool write, char *msg, size_t msglen)
{
    const char *st = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *prim = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *cons = res != NULL ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    char text[PG_MSG_MAX];
    int rc = map_state(st, write);

    if (prim != NULL)
        pg_trim_copy(text, sizeof(text), prim);
    else if (res != NULL && PQresultErrorMessage(res)[0] != '\0')
        pg_trim_copy(text, sizeof(text), PQresultErrorMessage(res));
    else
        pg_trim_copy(text, sizeof(text), PQerrorMessage(pq));
    if (text[0] == '\0')
        snprintf(text, sizeof(text), "%s",
                 res != NULL ? PQresStatus(PQresultStatus(res)) : "no result (out of memory?)");
    if (PQstatus(pq) != CONNECTION_OK) {
        rc = STORE_UNAVAILABLE;
        snprintf(msg, msglen, "%.400s (connection lost%s%s)", text, st ? ", SQLSTATE " : "",
                 st ? st : "");
        return rc;
    }
    snprintf(msg, msglen, "%.400s%s%.64s%s (SQLSTATE %s)", text, cons ? " [" : "", cons ? cons : "",
             cons ? "]" : "", st ? st : "none");
    return rc;
}

static int pg_fail(struct pg_conn *c, const PGresult *res)
{
    bool write = !c->in_tx || c->mode == STORE_WRITE;
    return pg_map_result(c->pq, res, write, c->msg, sizeof(c->msg));
}

static const char *pg_errmsg(void *conn)
{
    struct pg_conn *c = conn;
    if (c == NULL)
        return "no connection";
    return c->msg[0] != '\0' ? c->msg : PQerrorMessage(c->pq);
}

/* NOTICE and WARNING messages from the server: debug log, not stderr. */
static void notice_to_log(void *arg, const char *message)
{
    char text[PG_MSG_MAX];
    (void)arg;
    pg_trim_copy(text, sizeof(text), message);
    log_debug("store: postgres: %s", text);
}

/* ---- parameters ---- */

static bool ident_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '$' || ch >= 0x80;
}

/* Past the dollar-quoted string starting at p ("$tag$...$tag$"), or NULL
 * when p does not start one. */
static const char *skip_dollar_quote(const char *p)
{
    const char *q = p + 1;
    size_t taglen;
    const char *end;
    if (*q >= '0' && *q <= '9')
        return NULL; /* $1 is a parameter */
    while (*q != '\0' && *q != '$' && ident_char((unsigned char)*q))
        q++;
    if (*q != '$')
        return NULL;
    taglen = (size_t)(q - p) + 1; /* "$tag$" */
    for (end = q + 1; *end != '\0'; end++)
        if (*end == '$' && strncmp(end, p, taglen) == 0)
            return end + taglen;
    return end; /* unterminated: the server will say so */
}

/*
 * Checks that the parameters written in sql are exactly $1..$np, each at
 * least once. Skips string literals ('..', E'..'), quoted identifiers,
 * comments (nested /-*), dollar-quoted strings, and $ inside identifiers.
 */
static int check_params(struct pg_conn *c, const char *sql, int np)
{
    unsigned char used[PG_MAX_PARAMS + 1];
    const char *p = sql;
    int max = 0;

    memset(used, 0, sizeof(used));
    while (*p != '\0') {
        char ch = *p;
        if (ch == '\'') {
            bool esc = p > sql && (p[-1] == 'E' || p[-1] == 'e') &&
                       (p - 1 == sql || !ident_char((unsigned char)p[-2]));
            for (p++; *p != '\0'; p++) {
                if (esc && *p == '\\' && p[1] != '\0') {
                    p++;
                    continue;
                }
                if (*p == '\'') {
                    if (p[1] != '\'')
                        break;
                    p++;
                }
            }
            if (*p != '\0')
                p++;
            continue;
        }
        if (ch == '"') {
            for (p++; *p != '\0'; p++) {
                if (*p == '"') {
                    if (p[1] != '"')
                        break;
                    p++;
                }
            }
            if (*p != '\0')
                p++;
            continue;
        }
        if (ch == '-' && p[1] == '-') {
            while (*p != '\0' && *p != '\n')
                p++;
            continue;
        }
        if (ch == '/' && p[1] == '*') {
            int depth = 1;
            p += 2;
            while (*p != '\0' && depth > 0) {
                if (p[0] == '/' && p[1] == '*') {
                    depth++;
                    p += 2;
                } else if (p[0] == '*' && p[1] == '/') {
                    depth--;
                    p += 2;
                } else {
                    p++;
                }
            }
            continue;
        }
        if (ch != '$' && ident_char((unsigned char)ch)) {
            while (*p != '\0' && ident_char((unsigned char)*p))
                p++; /* a word: "a$1" is one identifier */
            continue;
        }
        if (ch == '$') {
            if (p[1] >= '0' && p[1] <= '9') {
                long n = 0;
                p++;
                while (*p >= '0' && *p <= '9') {
                    n = n * 10 + (*p - '0');
                    if (n > PG_MAX_PARAMS)
                        return pg_misuse(c, "parameter $%ld is beyond $%d", n, PG_MAX_PARAMS);
                    p++;
                }
                if (n == 0)
                    return pg_misuse(c, "parameter $0 does not exist: they start at $1");
                used[n] = 1;
                if (n > max)
                    max = (int)n;
                continue;
            }
            const char *end = skip_dollar_quote(p);
            p = end != NULL ? end : p + 1;
            continue;
        }
        p++;
    }
    if (max != np)
        return pg_misuse(c, "the statement has %d parameters, %d given", max, np);
    for (int i = 1; i <= max; i++)
        if (!used[i])
            return pg_misuse(c, "parameters must be written $1..$N without gaps ($%d is missing)",
                             i);
    return STORE_OK;
}

void pg_args_release(struct pg_args *a)
{
    free(a->heap);
    a->heap = NULL;
}

/* Fills libpq's arrays from p[0..np). On failure msg says why (STORE_ERROR). */
int pg_args_init(struct pg_args *a, const struct store_param *p, int np, char *msg, size_t msglen)
{
    a->heap = NULL;
    if (np < 0 || np > PG_MAX_PARAMS) {
        snprintf(msg, msglen, "bad parameter count %d", np);
        return STORE_ERROR;
    }
    if (np <= PG_ARGS_STACK) {
        a->types = a->s_types;
        a->vals = a->s_vals;
        a->lens = a->s_lens;
        a->fmts = a->s_fmts;
        a->ints = a->s_ints;
        a->sig = a->s_sig;
    } else {
        size_t n = (size_t)np;
        size_t bytes = n * (sizeof(Oid) + sizeof(char *) + 2 * sizeof(int) + 8) + n + 1;
        char *h = calloc(1, bytes + 64);
        if (h == NULL) {
            snprintf(msg, msglen, "out of memory");
            return STORE_ERROR;
        }
        a->heap = h;
        /* Largest alignment first. */
        a->vals = (const char **)(void *)h;
        h += n * sizeof(char *);
        a->ints = (unsigned char(*)[8])(void *)h;
        h += n * 8;
        a->types = (Oid *)(void *)h;
        h += n * sizeof(Oid);
        a->lens = (int *)(void *)h;
        h += n * sizeof(int);
        a->fmts = (int *)(void *)h;
        h += n * sizeof(int);
        a->sig = h;
    }
    for (int i = 0; i < np; i++) {
        a->fmts[i] = 1;
        switch (p[i].type) {
        case SP_NULL:
            a->types[i] = 0;
            a->vals[i] = NULL;
            a->lens[i] = 0;
            a->sig[i] = 'n';
            break;
        case SP_INT: {
            uint64_t v = (uint64_t)p[i].i;
            for (int b = 7; b >= 0; b--) {
                a->ints[i][b] = (unsigned char)(v & 0xff);
                v >>= 8;
            }
            a->types[i] = PG_OID_INT8;
            a->vals[i] = (const char *)a->ints[i];
            a->lens[i] = 8;
            a->sig[i] = 'i';
            break;
        }
        case SP_TEXT:
        case SP_BLOB:
            if (p[i].n > (size_t)INT32_MAX) {
                snprintf(msg, msglen, "parameter $%d: %zu bytes is too long", i + 1, p[i].n);
                pg_args_release(a);
                return STORE_TOOBIG;
            }
            if (p[i].p == NULL && p[i].n > 0) {
                snprintf(msg, msglen, "parameter $%d: NULL pointer with %zu bytes", i + 1, p[i].n);
                pg_args_release(a);
                return STORE_ERROR;
            }
            a->types[i] = p[i].type == SP_TEXT ? PG_OID_TEXT : PG_OID_BYTEA;
            a->vals[i] = p[i].p != NULL ? p[i].p : ""; /* empty, not NULL */
            a->lens[i] = (int)p[i].n;
            a->sig[i] = p[i].type == SP_TEXT ? 't' : 'b';
            break;
        default:
            snprintf(msg, msglen, "parameter $%d has bad type %d", i + 1, (int)p[i].type);
            pg_args_release(a);
            return STORE_ERROR;
        }
    }
    a->sig[np] = '\0';
    return STORE_OK;
}

/* ---- statement cache ---- */

/* Removes e from the table and the list and frees it; the server-side
 * statement is left alone (see ent_evict). */
static void ent_forget(struct pg_conn *c, struct pg_ent *e)
{
    struct pg_ent **pp = &c->bucket[e->hash & (PG_BUCKETS - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    lru_unlink(&c->lru, &e->lru);
    c->ncached--;
    free(e);
}

/* DEALLOCATEs e on the server and forgets it. Runs inside the caller's
 * transaction (DEALLOCATE is allowed in a read-only one); a failure dooms
 * the transaction like any failed statement. */
static int ent_evict(struct pg_conn *c, struct pg_ent *e)
{
    char sql[48];
    PGresult *res;
    int rc = STORE_OK;
    snprintf(sql, sizeof(sql), "DEALLOCATE %s", e->name);
    ent_forget(c, e);
    res = PQexec(c->pq, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = pg_fail(c, res);
    PQclear(res);
    return rc;
}

/* Forgets every cached statement (the session is gone or going). */
static void cache_clear(struct pg_conn *c)
{
    while (c->lru.oldest != NULL)
        ent_forget(c, lru_entry(c->lru.oldest, struct pg_ent, lru));
}

/*
 * Finds or prepares the statement for (sql, the types in a). *out is its
 * cache entry. Parameters are checked when it is first prepared.
 */
static int stmt_get(struct pg_conn *c, const char *sql, size_t len, int np, const struct pg_args *a,
                    struct pg_ent **out)
{
    uint64_t h = hash_fnv1a64(hash_fnv1a64(HASH_FNV1A64_SEED, sql, len + 1), a->sig, (size_t)np);
    struct pg_ent *e;
    PGresult *res;
    int rc;

    *out = NULL;
    for (e = c->bucket[h & (PG_BUCKETS - 1)]; e != NULL; e = e->hnext)
        if (e->hash == h && e->sqllen == len && e->np == np && memcmp(e->key, sql, len) == 0 &&
            memcmp(e->key + len + 1, a->sig, (size_t)np) == 0)
            break;
    if (e != NULL) {
        lru_touch(&c->lru, &e->lru);
        *out = e;
        return STORE_OK;
    }
    rc = check_params(c, sql, np);
    if (rc != STORE_OK)
        return rc;
    if (c->ncached >= PG_CACHE_MAX) {
        rc = ent_evict(c, lru_entry(c->lru.oldest, struct pg_ent, lru));
        if (rc != STORE_OK)
            return rc;
    }
    e = calloc(1, sizeof(*e) + len + 1 + (size_t)np + 1);
    if (e == NULL)
        return pg_misuse(c, "out of memory");
    memcpy(e->key, sql, len + 1);
    memcpy(e->key + len + 1, a->sig, (size_t)np + 1);
    e->hash = h;
    e->sqllen = len;
    e->np = np;
    snprintf(e->name, sizeof(e->name), "sb%" PRIu64, ++c->next_name);
    res = PQprepare(c->pq, e->name, sql, np, a->types);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = pg_fail(c, res);
        PQclear(res);
        free(e);
        return rc;
    }
    PQclear(res);
    e->hnext = c->bucket[h & (PG_BUCKETS - 1)];
    c->bucket[h & (PG_BUCKETS - 1)] = e;
    lru_push_newest(&c->lru, &e->lru);
    c->ncached++;
    *out = e;
    return STORE_OK;
}

/* ---- connect ---- */

/* Per-connection settings, run once after every (re)connect. */
static const char session_sql[] = "SET bytea_output = 'hex';"
                                  "SET lock_timeout = " PG_LOCK_TIMEOUT ";"
                                  "SELECT set_config('synchronous_commit', 'on', false)"
                                  " WHERE current_setting('synchronous_commit') = 'off'";

/* Checks the server and applies session_sql on a fresh connection. */
static int session_setup(PGconn *pq, char *err, size_t errlen)
{
    const char *enc = PQparameterStatus(pq, "server_encoding");
    PGresult *res;
    int rc = STORE_OK;

    PQsetNoticeProcessor(pq, notice_to_log, NULL);
    if (PQserverVersion(pq) < PG_MIN_SERVER) {
        snprintf(err, errlen, "PostgreSQL %d is too old: sunbid needs 11 or newer",
                 PQserverVersion(pq) / 10000);
        return STORE_ERROR;
    }
    if (enc == NULL || strcmp(enc, "UTF8") != 0) {
        snprintf(err, errlen, "the database's encoding is %s, not UTF8", enc ? enc : "unknown");
        return STORE_ERROR;
    }
    res = PQexec(pq, session_sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = pg_map_result(pq, res, true, err, errlen);
    PQclear(res);
    return rc;
}

/* Opens and sets up a libpq connection to url. */
int pg_pq_open(const char *url, PGconn **out, char *err, size_t errlen)
{
    static const char *const keys[] = {"application_name",
                                       "client_encoding",
                                       "connect_timeout",
                                       "keepalives",
                                       "keepalives_idle",
                                       "keepalives_interval",
                                       "keepalives_count",
                                       "tcp_user_timeout",
                                       "target_session_attrs",
                                       "dbname",
                                       NULL};
    const char *vals[] = {"sunbid", "UTF8",  PG_CONN_TIMEOUT, "1", "30", "10",
                          "3",      "30000", "read-write",    url, NULL};
    PGconn *pq;
    int rc;

    *out = NULL;
    pq = PQconnectdbParams(keys, vals, 1);
    if (pq == NULL) {
        snprintf(err, errlen, "out of memory");
        return STORE_ERROR;
    }
    if (PQstatus(pq) != CONNECTION_OK) {
        /* libpq's text names host and port, never the password. */
        pg_trim_copy(err, errlen, PQerrorMessage(pq));
        PQfinish(pq);
        return STORE_UNAVAILABLE;
    }
    rc = session_setup(pq, err, errlen);
    if (rc != STORE_OK) {
        PQfinish(pq);
        return rc;
    }
    *out = pq;
    return STORE_OK;
}

static void pg_disconnect(void *conn)
{
    struct pg_conn *c = conn;
    if (c == NULL)
        return;
    cache_clear(c);
    PQfinish(c->pq);
    free(c);
}

static int pg_connect(struct store *s, void **out, char *err, size_t errlen)
{
    struct pg_conn *c;
    int rc;

    *out = NULL;
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return STORE_ERROR;
    }
    rc = pg_pq_open(store_target(s), &c->pq, err, errlen);
    if (rc != STORE_OK) {
        free(c);
        return rc;
    }
    *out = c;
    return STORE_OK;
}

/* Reconnects with the same parameters; the statement cache goes (the
 * server-side statements died with the old session). */
static int conn_reset(struct pg_conn *c)
{
    cache_clear(c);
    PQreset(c->pq);
    if (PQstatus(c->pq) != CONNECTION_OK) {
        pg_trim_copy(c->msg, sizeof(c->msg), PQerrorMessage(c->pq));
        return STORE_UNAVAILABLE;
    }
    return session_setup(c->pq, c->msg, sizeof(c->msg));
}

/* ---- transactions ---- */

/* Rolls back whatever transaction block the server has open on pq. */
void pg_pq_rollback(PGconn *pq)
{
    PGTransactionStatusType ts;
    PGresult *res;
    if (PQstatus(pq) != CONNECTION_OK)
        return; /* the server rolls back when the session ends */
    ts = PQtransactionStatus(pq);
    if (ts != PQTRANS_INTRANS && ts != PQTRANS_INERROR)
        return;
    res = PQexec(pq, "ROLLBACK");
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        log_warn("store: postgres ROLLBACK failed: %s", PQresultErrorMessage(res));
    PQclear(res);
}

/*
 * Runs a BEGIN (sql may hold more statements: begin_migrate's lock). A
 * connection found dead is reset and the BEGIN retried once: nothing of the
 * transaction has run yet, so nothing is lost by trying again.
 */
static int run_begin(struct pg_conn *c, enum store_txmode mode, const char *sql)
{
    int rc = STORE_ERROR;

    c->msg[0] = '\0';
    if (c->in_tx)
        return pg_misuse(c, "begin inside a transaction");
    c->mode = mode;
    for (int attempt = 0; attempt < 2; attempt++) {
        PGresult *res;
        ExecStatusType st;
        if (PQstatus(c->pq) != CONNECTION_OK) {
            rc = conn_reset(c);
            if (rc != STORE_OK)
                return rc;
        }
        res = PQexec(c->pq, sql);
        st = PQresultStatus(res);
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
            PQclear(res);
            if (PQtransactionStatus(c->pq) != PQTRANS_INTRANS) {
                pg_pq_rollback(c->pq);
                return pg_misuse(c, "BEGIN did not open a transaction");
            }
            c->in_tx = true;
            return STORE_OK;
        }
        rc = pg_map_result(c->pq, res, mode == STORE_WRITE, c->msg, sizeof(c->msg));
        PQclear(res);
        if (PQstatus(c->pq) == CONNECTION_OK) {
            pg_pq_rollback(c->pq); /* e.g. the migration lock timed out */
            return rc;
        }
        if (attempt == 0)
            log_info("store: postgres connection lost while idle (%s); reconnecting", c->msg);
    }
    return rc;
}

static int pg_begin(void *conn, enum store_txmode mode)
{
    return run_begin(conn, mode,
                     mode == STORE_WRITE ? "BEGIN ISOLATION LEVEL SERIALIZABLE, READ WRITE"
                                         : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
}

static int pg_begin_migrate(void *conn)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE;"
             " SELECT pg_advisory_xact_lock(%d, hashtext(coalesce(current_schema(), '')))",
             PG_LOCK_MIGRATE);
    return run_begin(conn, STORE_WRITE, sql);
}

static int pg_commit(void *conn)
{
    struct pg_conn *c = conn;
    PGresult *res;
    int rc = STORE_OK;

    c->msg[0] = '\0';
    if (!c->in_tx)
        return pg_misuse(c, "commit outside a transaction");
    res = PQexec(c->pq, "COMMIT");
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        /* A broken connection here leaves the outcome unknown. */
        rc = pg_fail(c, res);
    } else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        /* The server had aborted the transaction: COMMIT rolled it back. */
        rc = pg_misuse(c, "the transaction had failed; COMMIT rolled it back");
    }
    PQclear(res);
    if (rc == STORE_OK || PQtransactionStatus(c->pq) == PQTRANS_IDLE)
        c->in_tx = false;
    return rc;
}

static void pg_rollback(void *conn)
{
    struct pg_conn *c = conn;
    pg_pq_rollback(c->pq);
    c->in_tx = false;
}

/* ---- statements and cursors ---- */

/* Rows affected by a command, from its status ("INSERT 0 3", "UPDATE 2"). */
int64_t pg_changes_of(PGresult *res)
{
    const char *st = PQcmdStatus(res);
    const char *n;
    if (strncmp(st, "INSERT", 6) != 0 && strncmp(st, "UPDATE", 6) != 0 &&
        strncmp(st, "DELETE", 6) != 0 && strncmp(st, "MERGE", 5) != 0)
        return 0;
    n = PQcmdTuples(res);
    return n != NULL && n[0] != '\0' ? strtoll(n, NULL, 10) : 0;
}

static int pg_query(void *conn, const char *sql, const struct store_param *p, int np,
                    struct store_rows **rows, int64_t *changes)
{
    struct pg_conn *c = conn;
    struct pg_args a;
    struct pg_ent *ent = NULL;
    PGresult *res = NULL;
    ExecStatusType st;
    size_t len;
    int rc;

    c->msg[0] = '\0';
    if (rows != NULL)
        *rows = NULL;
    if (changes != NULL)
        *changes = 0;
    if (!c->in_tx)
        return pg_misuse(c, "statement outside a transaction");
    rc = pg_args_init(&a, p, np, c->msg, sizeof(c->msg));
    if (rc != STORE_OK)
        return rc;
    len = strlen(sql);
    if (len > PG_CACHE_SQL) {
        rc = check_params(c, sql, np);
        if (rc != STORE_OK)
            goto out;
        res = PQexecParams(c->pq, sql, np, a.types, a.vals, a.lens, a.fmts, 0);
    } else {
        rc = stmt_get(c, sql, len, np, &a, &ent);
        if (rc != STORE_OK)
            goto out;
        res = PQexecPrepared(c->pq, ent->name, np, a.vals, a.lens, a.fmts, 0);
    }
    st = PQresultStatus(res);
    if (st == PGRES_EMPTY_QUERY) {
        rc = pg_misuse(c, "empty SQL statement");
        goto out;
    }
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        rc = pg_fail(c, res);
        /* A statement the server no longer has (26000) or whose plan no
         * longer fits the table (0A000, after DDL) is prepared afresh next
         * time; this transaction is doomed either way. */
        if (ent != NULL && state != NULL &&
            (strcmp(state, "26000") == 0 || strcmp(state, "0A000") == 0))
            ent_forget(c, ent);
        goto out;
    }
    if (rows != NULL) {
        struct store_rows *r = calloc(1, sizeof(*r));
        if (r == NULL) {
            rc = pg_misuse(c, "out of memory");
            goto out;
        }
        r->res = res;
        r->nrows = PQntuples(res);
        r->ncols = PQnfields(res);
        r->row = -1;
        res = NULL; /* the cursor owns it */
        *rows = r;
    } else if (changes != NULL) {
        *changes = pg_changes_of(res);
    }
out:
    PQclear(res);
    pg_args_release(&a);
    return rc;
}

static int pg_rows_next(struct store_rows *r)
{
    if (r->row >= r->nrows)
        return 0;
    r->row++;
    return r->row < r->nrows ? 1 : 0;
}

static bool col_ok(struct store_rows *r, int col)
{
    return r->row >= 0 && r->row < r->nrows && col >= 0 && col < r->ncols;
}

static bool pg_col_null(struct store_rows *r, int col)
{
    return !col_ok(r, col) || PQgetisnull(r->res, r->row, col);
}

static int64_t pg_col_int(struct store_rows *r, int col)
{
    const char *v;
    if (pg_col_null(r, col))
        return 0;
    v = PQgetvalue(r->res, r->row, col);
    if (PQftype(r->res, col) == PG_OID_BOOL)
        return v[0] == 't' ? 1 : 0;
    return strtoll(v, NULL, 10);
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* The bytes of bytea column col of the current row (decoded once per row),
 * or NULL when memory runs out or the text is not bytea output. */
static const char *bytea_of(struct store_rows *r, int col, size_t *len)
{
    const char *v = PQgetvalue(r->res, r->row, col);
    size_t vlen = (size_t)PQgetlength(r->res, r->row, col);
    struct pg_dec *d;
    size_t n;

    if (r->dec == NULL) {
        r->dec = calloc((size_t)r->ncols, sizeof(*r->dec));
        if (r->dec == NULL)
            return NULL;
        for (int i = 0; i < r->ncols; i++)
            r->dec[i].row = -1;
    }
    d = &r->dec[col];
    if (d->row == r->row) {
        *len = d->n;
        return d->p;
    }
    if (vlen < 2 || v[0] != '\\' || v[1] != 'x' || vlen % 2 != 0)
        return NULL; /* bytea_output is hex on every connection */
    n = (vlen - 2) / 2;
    if (d->cap < n + 1) {
        char *np = realloc(d->p, n + 1);
        if (np == NULL)
            return NULL;
        d->p = np;
        d->cap = n + 1;
    }
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(v[2 + 2 * i]), lo = hexval(v[3 + 2 * i]);
        if (hi < 0 || lo < 0)
            return NULL;
        d->p[i] = (char)(hi << 4 | lo);
    }
    d->p[n] = '\0';
    d->n = n;
    d->row = r->row;
    *len = n;
    return d->p;
}

static const char *pg_col_text(struct store_rows *r, int col, size_t *len)
{
    size_t n = 0;
    const char *t;
    if (len != NULL)
        *len = 0;
    if (pg_col_null(r, col))
        return NULL;
    if (PQftype(r->res, col) == PG_OID_BYTEA) {
        t = bytea_of(r, col, &n);
    } else {
        t = PQgetvalue(r->res, r->row, col);
        n = (size_t)PQgetlength(r->res, r->row, col);
    }
    if (t != NULL && len != NULL)
        *len = n;
    return t;
}

static const void *pg_col_blob(struct store_rows *r, int col, size_t *len)
{
    return pg_col_text(r, col, len); /* never NULL for an empty value */
}

static void pg_rows_free(struct store_rows *r)
{
    if (r == NULL)
        return;
    if (r->dec != NULL)
        for (int i = 0; i < r->ncols; i++)
            free(r->dec[i].p);
    free(r->dec);
    PQclear(r->res);
    free(r);
}

static int pg_exec_script(void *conn, const char *sql)
{
    struct pg_conn *c = conn;
    PGresult *res;
    ExecStatusType st;
    int rc = STORE_OK;

    c->msg[0] = '\0';
    if (!c->in_tx)
        return pg_misuse(c, "script outside a transaction");
    /* Several statements in one simple query: they run inside the open
     * transaction block, and the first failure stops them. */
    res = PQexec(c->pq, sql);
    st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
        rc = pg_fail(c, res);
    PQclear(res);
    return rc;
}

const struct store_driver pg_driver = {
    .name = "postgres",
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .query = pg_query,
    .rows_next = pg_rows_next,
    .col_null = pg_col_null,
    .col_int = pg_col_int,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .rows_free = pg_rows_free,
    .errmsg = pg_errmsg,
    .exec_script = pg_exec_script,
    .migrations = pg_migrations,
    .nmigrations = &pg_nmigrations,
    .open = pg_open,
    .close = pg_close,
    .begin_migrate = pg_begin_migrate,
    .blob_put = pg_blob_put,
    .blob_get = pg_blob_get,
    .blob_exists = pg_blob_exists,
};
