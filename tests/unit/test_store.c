/*
 * test_store.c — the store interface, written once, run against every backend.
 *
 * SUNBID_TEST_STORES lists the stores to test, space-separated:
 *     sqlite               a fresh SQLite file in a new temp dir per test (default)
 *     sqlite:PATH          that SQLite file
 *     postgres://...       that PostgreSQL database (store/pg): each test gets a
 *                          fresh schema in it (CREATE SCHEMA, search_path set
 *                          through the URL's options), dropped afterwards
 * Each test gets a new data directory under $SUNBID_TEST_TMP (or /tmp).
 * tests/pg/run-with-pg starts a throw-away PostgreSQL and sets this list.
 *
 * The tests may share one database (sqlite:PATH): every row they write
 * carries a tag unique to the test, and they count only their own rows.
 * Generic rows go into a scratch table store_test created here, in each
 * dialect; the places the test knows about backends are scratch_ddl(), the
 * PostgreSQL half of test_blobs_big (a chunk damaged in the table) and the
 * PostgreSQL-only fault tests at the end:
 *   - test_conn_killed: the connection is killed under a transaction
 *     (pg_terminate_backend from another thread): the statement in flight
 *     is STORE_UNAVAILABLE, nothing of it remains, the thread's next
 *     transaction reconnects; an idle connection killed between
 *     transactions is replaced at the next begin without an error;
 *   - test_restart_under_load: only when SUNBID_TEST_PG_RESTART names a
 *     command that restarts the server (run-with-pg --exclusive sets it to
 *     `scripts/pg-local restart DIR immediate`, a crash and WAL recovery):
 *     writers see STORE_UNAVAILABLE, then succeed again; every acknowledged
 *     commit survives and no transaction is half there.
 *
 * Decisions pinned here:
 *   - a NULL value in store_query_int/text is STORE_NOTFOUND, as no row is;
 *   - UPDATE/DELETE on audit_log fail with STORE_CONSTRAINT (SQLite's
 *     RAISE(ABORT) is a constraint error; PostgreSQL's trigger must raise
 *     SQLSTATE 23xxx to match);
 *   - after a failed statement the transaction is doomed: later statements
 *     are STORE_ERROR and commit rolls back, returning the first failure;
 *   - write transactions serialise: test_check_then_insert runs two
 *     "insert if none yet" transactions at once (no UNIQUE constraint) and
 *     wants exactly one row (SQLite: one writer at a time; PostgreSQL:
 *     SERIALIZABLE refuses one with STORE_BUSY, its retry sees the row).
 * STORE_BUSY is exercised without timing asserts: a writer that waits for
 * another's lock must get it once the other commits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/buf.h"
#include "base/clock.h"
#include "store/store.h"

#define MAX_STORES 8

static const char *g_urls[MAX_STORES]; /* NULL: fresh default sqlite */
static int g_nurls;
static const char *g_url; /* the store under test, as listed */

#define MAX_SCHEMAS 4

struct fx {
    char dir[PATH_MAX];            /* this test's data directory */
    struct store *s;               /* open and migrated */
    char tag[40];                  /* unique per test, on every row it writes */
    char url[1024];                /* the URL this test opens (pg: with its schema) */
    const char *urlp;              /* url, or NULL for a fresh default sqlite */
    char schemas[MAX_SCHEMAS][64]; /* pg schemas this test made, dropped at teardown */
    int nschemas;                  /* entries in schemas */
};

static struct fx g_fx;

/* ---- helpers ---- */

static const char *tmp_base(void)
{
    const char *t = getenv("SUNBID_TEST_TMP");
    return t != NULL && t[0] != '\0' ? t : "/tmp";
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_rf(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* snprintf that fails the test on truncation. */
static void fmt(char *out, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));

static void fmt(char *out, size_t n, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int m = vsnprintf(out, n, f, ap);
    va_end(ap);
    assert_true(m >= 0 && (size_t)m < n);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool is_pg(const char *url)
{
    return url != NULL &&
           (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0);
}

/* Runs one statement in its own write transaction on a store opened on
 * url (PostgreSQL administration: CREATE / DROP SCHEMA). */
static int admin_exec(const char *url, const char *sql)
{
    char dir[PATH_MAX], err[512] = "";
    struct store *s = NULL;
    struct store_tx *tx = NULL;
    int n = snprintf(dir, sizeof(dir), "%s/store-admin-XXXXXX", tmp_base());
    int rc;
    if (n < 0 || (size_t)n >= sizeof(dir) || mkdtemp(dir) == NULL)
        return STORE_ERROR;
    rc = store_open(&s, url, dir, err, sizeof(err));
    if (rc == STORE_OK)
        rc = store_begin(s, STORE_WRITE, &tx);
    if (rc == STORE_OK)
        rc = store_exec(tx, sql, NULL, 0, NULL);
    if (rc == STORE_OK)
        rc = store_commit(tx);
    else
        store_rollback(tx);
    if (rc != STORE_OK)
        print_error("admin '%s': %s: %s %s\n", sql, store_rc_name(rc), err, store_errmsg(s));
    store_close(s);
    rm_rf(dir);
    return rc;
}

/*
 * A URL for a fresh, empty database named after this test and suffix: for
 * PostgreSQL a new schema in g_url's database, chosen by search_path in the
 * URL (dropped at teardown); for the default SQLite "" (store_open(NULL) in
 * a new directory). false when the store under test cannot make one
 * (sqlite:PATH).
 */
static bool fresh_url(const char *suffix, char *url, size_t n)
{
    char schema[64];
    if (g_url == NULL) {
        url[0] = '\0';
        return true;
    }
    if (!is_pg(g_url) || g_fx.nschemas >= MAX_SCHEMAS)
        return false;
    fmt(schema, sizeof(schema), "sbt_%s_%s", g_fx.tag, suffix);
    for (char *c = schema; *c != '\0'; c++)
        if (*c == '-')
            *c = '_';
    char sql[128];
    fmt(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
    if (admin_exec(g_url, sql) != STORE_OK)
        return false;
    fmt(g_fx.schemas[g_fx.nschemas++], sizeof(g_fx.schemas[0]), "%s", schema);
    fmt(url, n, "%s%soptions=-csearch_path%%3D%s", g_url, strchr(g_url, '?') ? "&" : "?", schema);
    return true;
}

static void drop_schemas(void)
{
    for (int i = 0; i < g_fx.nschemas; i++) {
        char sql[128];
        snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", g_fx.schemas[i]);
        admin_exec(g_url, sql);
    }
    g_fx.nschemas = 0;
}

static const char *scratch_ddl(struct store *s)
{
    if (strcmp(store_backend(s), "sqlite") == 0)
        return "CREATE TABLE IF NOT EXISTS store_test ("
               " id INTEGER PRIMARY KEY, tag TEXT NOT NULL, k TEXT UNIQUE, n INTEGER, b BLOB)";
    if (strcmp(store_backend(s), "postgres") == 0)
        return "CREATE TABLE IF NOT EXISTS store_test ("
               " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
               " tag TEXT NOT NULL, k TEXT UNIQUE, n BIGINT, b BYTEA)";
    return NULL;
}

static struct store *open_store(const char *dir)
{
    struct store *s = NULL;
    char err[512] = "";
    int rc = store_open(&s, g_fx.urlp, dir, err, sizeof(err));
    if (rc != STORE_OK)
        print_error("store_open(%s, %s): %s: %s\n", g_fx.urlp ? g_fx.urlp : "(default)", dir,
                    store_rc_name(rc), err);
    assert_int_equal(rc, STORE_OK);
    return s;
}

static int setup(void **state)
{
    static unsigned counter;
    struct store_tx *tx = NULL;
    char err[512] = "";
    int applied = -1;
    int n, rc;

    (void)state;
    memset(&g_fx, 0, sizeof(g_fx));
    mkdir(tmp_base(), 0700);
    n = snprintf(g_fx.dir, sizeof(g_fx.dir), "%s/store-XXXXXX", tmp_base());
    if (n < 0 || (size_t)n >= sizeof(g_fx.dir) || mkdtemp(g_fx.dir) == NULL) {
        print_error("cannot make a temp dir under %s\n", tmp_base());
        return -1;
    }
    snprintf(g_fx.tag, sizeof(g_fx.tag), "t%lx-%llx-%u", (unsigned long)getpid(),
             (unsigned long long)clock_mono_ns(), ++counter);
    g_fx.urlp = g_url;
    if (is_pg(g_url)) {
        if (!fresh_url("main", g_fx.url, sizeof(g_fx.url))) {
            snprintf(err, sizeof(err), "cannot make a schema");
            rc = STORE_ERROR;
            goto fail;
        }
        g_fx.urlp = g_fx.url;
    }
    rc = store_open(&g_fx.s, g_fx.urlp, g_fx.dir, err, sizeof(err));
    if (rc != STORE_OK) {
        snprintf(err + strlen(err), sizeof(err) - strlen(err), " (store_open)");
        goto fail;
    }
    rc = store_migrate(g_fx.s, &applied);
    if (rc == STORE_OK)
        rc = store_begin(g_fx.s, STORE_WRITE, &tx);
    if (rc == STORE_OK)
        rc = scratch_ddl(g_fx.s) ? store_exec(tx, scratch_ddl(g_fx.s), NULL, 0, NULL) : STORE_ERROR;
    if (rc == STORE_OK)
        rc = store_commit(tx);
    else
        store_rollback(tx);
    if (rc != STORE_OK) {
        snprintf(err, sizeof(err), "migrate/scratch table: %s", store_errmsg(g_fx.s));
        goto fail;
    }
    return 0;
fail:
    print_error("setup on %s: %s: %s\n", g_url ? g_url : "sqlite (fresh)", store_rc_name(rc), err);
    store_close(g_fx.s);
    g_fx.s = NULL;
    drop_schemas();
    rm_rf(g_fx.dir);
    return -1;
}

static int teardown(void **state)
{
    (void)state;
    store_close(g_fx.s);
    g_fx.s = NULL;
    drop_schemas();
    rm_rf(g_fx.dir);
    return 0;
}

static int insert_row(struct store_tx *tx, const char *k, int64_t n, int64_t *id)
{
    struct store_param p[] = {SP_T(g_fx.tag), SP_T(k), SP_I(n)};
    return store_query_int(
        tx, "INSERT INTO store_test (tag, k, n) VALUES ($1, $2, $3) RETURNING id", p, 3, id);
}

static int64_t count_tag(struct store *s)
{
    struct store_tx *tx = NULL;
    int64_t n = -1;
    struct store_param p[] = {SP_T(g_fx.tag)};
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(
        store_query_int(tx, "SELECT count(*) FROM store_test WHERE tag = $1", p, 1, &n), STORE_OK);
    store_rollback(tx);
    return n;
}

/* k values are per test: tag + suffix. */
static const char *key(const char *suffix, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s-%s", g_fx.tag, suffix);
    return out;
}

/* ---- migrations ---- */

struct mig_arg {
    const char *url; /* NULL: default sqlite in dir */
    const char *dir;
    int rc;
    int applied;
};

static void *mig_thread(void *p)
{
    struct mig_arg *a = p;
    struct store *s = NULL;
    char err[256];
    a->rc = store_open(&s, a->url, a->dir, err, sizeof(err));
    if (a->rc == STORE_OK)
        a->rc = store_migrate(s, &a->applied);
    store_close(s);
    return NULL;
}

static void test_migrate(void **state)
{
    int applied = -1, v1 = -1, v2 = -1;
    (void)state;
    /* Already migrated by setup: idempotent. */
    assert_int_equal(store_migrate(g_fx.s, &applied), STORE_OK);
    assert_int_equal(applied, 0);
    assert_int_equal(store_schema_version(g_fx.s, &v1), STORE_OK);
    assert_true(v1 >= 1);

    /* A second handle on the same database sees the same version. */
    struct store *s2 = open_store(g_fx.dir);
    assert_int_equal(store_migrate(s2, &applied), STORE_OK);
    assert_int_equal(applied, 0);
    assert_int_equal(store_schema_version(s2, &v2), STORE_OK);
    assert_int_equal(v1, v2);
    store_close(s2);

    /* The rest needs fresh databases (not possible on sqlite:PATH). */
    char fresh_u[1024], race_u[1024];
    if (!fresh_url("fresh", fresh_u, sizeof(fresh_u)) || !fresh_url("race", race_u, sizeof(race_u)))
        return;

    /* Fresh database: version 0, then every migration applied once. */
    char fresh[PATH_MAX];
    fmt(fresh, sizeof(fresh), "%s/fresh", g_fx.dir);
    struct store *s3 = NULL;
    char err[512] = "";
    assert_int_equal(store_open(&s3, fresh_u[0] ? fresh_u : NULL, fresh, err, sizeof(err)),
                     STORE_OK);
    assert_int_equal(store_schema_version(s3, &v2), STORE_OK);
    assert_int_equal(v2, 0);
    assert_int_equal(store_migrate(s3, &applied), STORE_OK);
    assert_int_equal(applied, v1);
    store_close(s3);

    /* Two "processes" (separate stores, separate connections) migrating a
     * fresh database at once: both succeed, each migration runs once. */
    char race[PATH_MAX];
    fmt(race, sizeof(race), "%s/race", g_fx.dir);
    struct mig_arg a[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        a[i] =
            (struct mig_arg){.url = race_u[0] ? race_u : NULL, .dir = race, .rc = -1, .applied = 0};
        assert_int_equal(pthread_create(&th[i], NULL, mig_thread, &a[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(a[i].rc, STORE_OK);
        total += a[i].applied;
    }
    assert_int_equal(total, v1);
}

/* ---- statements, rows, NULLs, blobs ---- */

static void test_insert_query(void **state)
{
    struct store_tx *tx = NULL;
    struct store_rows *r = NULL;
    int64_t id[3];
    char k[80];
    (void)state;

    assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(insert_row(tx, key("a", k, sizeof(k)), 10, &id[0]), STORE_OK);
    assert_int_equal(insert_row(tx, key("b", k, sizeof(k)), 20, &id[1]), STORE_OK);
    assert_int_equal(insert_row(tx, NULL, 30, &id[2]), STORE_OK); /* k NULL */
    assert_true(id[0] > 0 && id[1] > id[0] && id[2] > id[1]);
    {
        int64_t changes = -1;
        struct store_param p[] = {SP_NUL, SP_T(g_fx.tag), SP_I(id[2])};
        assert_int_equal(store_exec(tx, "UPDATE store_test SET n = $1 WHERE tag = $2 AND id = $3",
                                    p, 3, &changes),
                         STORE_OK);
        assert_int_equal(changes, 1);
    }
    assert_int_equal(store_commit(tx), STORE_OK);

    assert_int_equal(store_begin(g_fx.s, STORE_READ, &tx), STORE_OK);
    struct store_param p[] = {SP_T(g_fx.tag)};
    assert_int_equal(
        store_query(tx, "SELECT id, k, n FROM store_test WHERE tag = $1 ORDER BY id", p, 1, &r),
        STORE_OK);
    for (int i = 0; i < 3; i++) {
        size_t len = 99;
        assert_int_equal(store_rows_next(r), 1);
        assert_int_equal(store_col_int(r, 0), id[i]);
        const char *t = store_col_text(r, 1, &len);
        if (i < 2) {
            assert_false(store_col_null(r, 1));
            assert_string_equal(t, key(i == 0 ? "a" : "b", k, sizeof(k)));
            assert_int_equal(len, strlen(k));
            assert_int_equal(store_col_int(r, 2), (i + 1) * 10);
        } else {
            assert_true(store_col_null(r, 1));
            assert_null(t);
            assert_int_equal(len, 0);
            assert_true(store_col_null(r, 2));
            assert_int_equal(store_col_int(r, 2), 0);
        }
    }
    assert_int_equal(store_rows_next(r), 0);
    assert_int_equal(store_rows_next(r), 0); /* stays done */
    store_rows_free(r);
    store_rows_free(NULL);

    /* Parameters bind by name, not by order of appearance. */
    int64_t v = 0;
    struct store_param q[] = {SP_I(3), SP_I(10)};
    assert_int_equal(store_query_int(tx, "SELECT $2 - $1", q, 2, &v), STORE_OK);
    assert_int_equal(v, 7);
    assert_int_equal(store_query_int(tx, "SELECT $1 + $1", q, 1, &v), STORE_OK);
    assert_int_equal(v, 6);

    /* Text with an explicit length and 64-bit integers survive. */
    struct buf out;
    buf_init(&out, 64);
    struct store_param t[] = {SP_TN("hello world", 5)};
    assert_int_equal(store_query_text(tx, "SELECT $1", t, 1, &out), STORE_OK);
    assert_string_equal(out.data, "hello");
    struct store_param big[] = {SP_I(INT64_MAX)};
    assert_int_equal(store_query_int(tx, "SELECT $1", big, 1, &v), STORE_OK);
    assert_true(v == INT64_MAX);
    buf_release(&out);
    store_rollback(tx);
}

static void test_blob_column(void **state)
{
    static const unsigned char bytes[] = {0, 1, 2, 0, 255, 'x', 0};
    struct store_tx *tx = NULL;
    struct store_rows *r = NULL;
    (void)state;

    assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
    struct store_param p1[] = {SP_T(g_fx.tag), SP_I(1), SP_B(bytes, sizeof(bytes))};
    struct store_param p2[] = {SP_T(g_fx.tag), SP_I(2), SP_B("", 0)};
    struct store_param p3[] = {SP_T(g_fx.tag), SP_I(3), SP_NUL};
    const char *ins = "INSERT INTO store_test (tag, n, b) VALUES ($1, $2, $3)";
    assert_int_equal(store_exec(tx, ins, p1, 3, NULL), STORE_OK);
    assert_int_equal(store_exec(tx, ins, p2, 3, NULL), STORE_OK);
    assert_int_equal(store_exec(tx, ins, p3, 3, NULL), STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);

    assert_int_equal(store_begin(g_fx.s, STORE_READ, &tx), STORE_OK);
    struct store_param p[] = {SP_T(g_fx.tag)};
    assert_int_equal(
        store_query(tx, "SELECT n, b FROM store_test WHERE tag = $1 ORDER BY n", p, 1, &r),
        STORE_OK);
    size_t len = 99;
    assert_int_equal(store_rows_next(r), 1);
    const void *b = store_col_blob(r, 1, &len);
    assert_non_null(b);
    assert_int_equal(len, sizeof(bytes));
    assert_memory_equal(b, bytes, sizeof(bytes));
    assert_int_equal(store_rows_next(r), 1);
    b = store_col_blob(r, 1, &len);
    assert_non_null(b); /* empty, not NULL */
    assert_int_equal(len, 0);
    assert_false(store_col_null(r, 1));
    assert_int_equal(store_rows_next(r), 1);
    assert_null(store_col_blob(r, 1, &len));
    assert_true(store_col_null(r, 1));
    assert_int_equal(store_rows_next(r), 0);
    store_rows_free(r);
    store_rollback(tx);
}

static void test_query_shorthands(void **state)
{
    struct store_tx *tx = NULL;
    struct buf out;
    int64_t v = 42;
    (void)state;

    buf_init(&out, 8);
    assert_int_equal(store_begin(g_fx.s, STORE_READ, &tx), STORE_OK);
    struct store_param p[] = {SP_T(g_fx.tag)};
    assert_int_equal(store_query_int(tx, "SELECT id FROM store_test WHERE tag = $1", p, 1, &v),
                     STORE_NOTFOUND);
    assert_int_equal(v, 42); /* untouched */
    /* max() over no rows is one NULL row: NOTFOUND too. */
    assert_int_equal(store_query_int(tx, "SELECT max(id) FROM store_test WHERE tag = $1", p, 1, &v),
                     STORE_NOTFOUND);
    assert_int_equal(store_query_text(tx, "SELECT k FROM store_test WHERE tag = $1", p, 1, &out),
                     STORE_NOTFOUND);
    /* NOTFOUND does not doom the transaction. */
    struct store_param t[] = {SP_T("short")};
    assert_int_equal(store_query_text(tx, "SELECT $1", t, 1, &out), STORE_OK);
    assert_string_equal(out.data, "short");
    /* Past out->max: TOOBIG, and the transaction goes on. */
    struct store_param l[] = {SP_T("longer than eight")};
    assert_int_equal(store_query_text(tx, "SELECT $1", l, 1, &out), STORE_TOOBIG);
    assert_int_equal(store_query_int(tx, "SELECT 5", NULL, 0, &v), STORE_OK);
    assert_int_equal(v, 5);
    assert_int_equal(store_commit(tx), STORE_OK);
    buf_release(&out);
}

/* ---- transactions ---- */

static void test_constraint_rolls_back(void **state)
{
    struct store_tx *tx = NULL;
    int64_t id = 0;
    char k[80];
    (void)state;

    assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(insert_row(tx, key("dup", k, sizeof(k)), 1, &id), STORE_OK);
    assert_int_equal(insert_row(tx, key("other", k, sizeof(k)), 2, &id), STORE_OK);
    assert_int_equal(insert_row(tx, key("dup", k, sizeof(k)), 3, &id), STORE_CONSTRAINT);
    assert_true(strlen(store_errmsg(g_fx.s)) > 0);
    /* Doomed: no more statements, and commit rolls everything back. */
    assert_int_equal(insert_row(tx, key("late", k, sizeof(k)), 4, &id), STORE_ERROR);
    assert_int_equal(store_commit(tx), STORE_CONSTRAINT);
    assert_int_equal(count_tag(g_fx.s), 0);

    /* Same with an explicit rollback after the error. */
    assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(insert_row(tx, key("dup", k, sizeof(k)), 1, &id), STORE_OK);
    assert_int_equal(insert_row(tx, key("dup", k, sizeof(k)), 1, &id), STORE_CONSTRAINT);
    store_rollback(tx);
    assert_int_equal(count_tag(g_fx.s), 0);

    /* A NOT NULL violation is a constraint too. */
    assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_exec(tx, "INSERT INTO store_test (tag) VALUES (NULL)", NULL, 0, NULL),
                     STORE_CONSTRAINT);
    store_rollback(tx);
}

static void test_rollback_leaves_nothing(void **state)
{
    struct store_tx *tx = NULL;
    int64_t id;
    char k[80];
    (void)state;
    assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
    for (int i = 0; i < 10; i++) {
        char sfx[16];
        snprintf(sfx, sizeof(sfx), "r%d", i);
        assert_int_equal(insert_row(tx, key(sfx, k, sizeof(k)), i, &id), STORE_OK);
    }
    store_rollback(tx);
    store_rollback(NULL);
    assert_int_equal(count_tag(g_fx.s), 0);
}

static void test_commit_durable(void **state)
{
    struct store_tx *tx = NULL;
    int64_t id = 0, got = 0;
    char k[80];
    (void)state;
    assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(insert_row(tx, key("durable", k, sizeof(k)), 7, &id), STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);
    store_close(g_fx.s);

    g_fx.s = open_store(g_fx.dir);
    assert_int_equal(store_begin(g_fx.s, STORE_READ, &tx), STORE_OK);
    struct store_param p[] = {SP_T(k)};
    assert_int_equal(store_query_int(tx, "SELECT id FROM store_test WHERE k = $1", p, 1, &got),
                     STORE_OK);
    assert_int_equal(got, id);
    store_rollback(tx);
}

/* Worker thread: marks its connection, inserts rows in separate
 * transactions (retrying STORE_BUSY), then checks the mark is still there. */
struct ins_arg {
    int idx;   /* thread number */
    int rows;  /* rows to insert */
    int fails; /* failures seen (asserted on the main thread) */
    char why[160];
};

static void ins_fail(struct ins_arg *a, const char *what, int rc)
{
    if (a->fails++ == 0)
        snprintf(a->why, sizeof(a->why), "thread %d: %s: %s: %s", a->idx, what, store_rc_name(rc),
                 store_errmsg(g_fx.s));
}

static void *ins_thread(void *p)
{
    struct ins_arg *a = p;
    struct store_tx *tx = NULL;
    int64_t n = 0;
    int rc;

    /* A temp table lives in one connection: if two threads shared one,
     * the second CREATE would fail; if a thread's connection were not kept
     * across transactions, the later SELECT would. */
    rc = store_begin(g_fx.s, STORE_WRITE, &tx);
    if (rc == STORE_OK)
        rc = store_exec(tx, "CREATE TEMP TABLE conn_mark (x INTEGER)", NULL, 0, NULL);
    if (rc == STORE_OK)
        rc = store_commit(tx);
    else
        store_rollback(tx);
    if (rc != STORE_OK)
        ins_fail(a, "temp table", rc);

    for (int i = 0; i < a->rows; i++) {
        char k[96];
        int64_t id;
        snprintf(k, sizeof(k), "%s-th%d-%d", g_fx.tag, a->idx, i);
        for (int attempt = 0; attempt < 100; attempt++) {
            rc = store_begin(g_fx.s, STORE_WRITE, &tx);
            if (rc == STORE_OK) {
                rc = insert_row(tx, k, i, &id);
                if (rc == STORE_OK)
                    rc = store_commit(tx);
                else
                    store_rollback(tx);
            }
            if (rc != STORE_BUSY)
                break;
        }
        if (rc != STORE_OK)
            ins_fail(a, "insert", rc);
    }

    rc = store_begin(g_fx.s, STORE_READ, &tx);
    if (rc == STORE_OK) {
        rc = store_query_int(tx, "SELECT count(*) FROM conn_mark", NULL, 0, &n);
        store_rollback(tx);
    }
    if (rc != STORE_OK)
        ins_fail(a, "temp table gone", rc);
    store_thread_done(g_fx.s);
    return NULL;
}

static void test_threads(void **state)
{
    enum { NTH = 8, NROWS = 40 };
    struct ins_arg a[NTH];
    pthread_t th[NTH];
    (void)state;

    for (int i = 0; i < NTH; i++) {
        a[i] = (struct ins_arg){.idx = i, .rows = NROWS};
        assert_int_equal(pthread_create(&th[i], NULL, ins_thread, &a[i]), 0);
    }
    for (int i = 0; i < NTH; i++) {
        pthread_join(th[i], NULL);
        if (a[i].fails != 0)
            print_error("%s\n", a[i].why);
        assert_int_equal(a[i].fails, 0);
    }
    assert_int_equal(count_tag(g_fx.s), NTH * NROWS);

    /* The main thread's own connection is separate too, and can be dropped
     * and reopened. */
    store_thread_done(g_fx.s);
    store_thread_done(g_fx.s);
    assert_int_equal(count_tag(g_fx.s), NTH * NROWS);
}

/* A second writer waits for the first one's lock instead of failing. */
struct wait_arg {
    int rc;
    char why[160];
};

static void *waiting_writer(void *p)
{
    struct wait_arg *a = p;
    struct store_tx *tx = NULL;
    int64_t id;
    char k[80];
    a->rc = store_begin(g_fx.s, STORE_WRITE, &tx);
    if (a->rc == STORE_OK) {
        a->rc = insert_row(tx, key("second", k, sizeof(k)), 2, &id);
        if (a->rc == STORE_OK)
            a->rc = store_commit(tx);
        else
            store_rollback(tx);
    }
    if (a->rc != STORE_OK)
        snprintf(a->why, sizeof(a->why), "%s", store_errmsg(g_fx.s));
    store_thread_done(g_fx.s);
    return NULL;
}

static void test_busy_waits(void **state)
{
    struct store_tx *tx = NULL;
    struct wait_arg a = {.rc = -1};
    pthread_t th;
    int64_t id;
    char k[80];
    (void)state;

    assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(insert_row(tx, key("first", k, sizeof(k)), 1, &id), STORE_OK);
    assert_int_equal(pthread_create(&th, NULL, waiting_writer, &a), 0);
    sleep_ms(100); /* let it block on the lock (SQLite); not asserted */
    assert_int_equal(store_commit(tx), STORE_OK);
    pthread_join(th, NULL);
    if (a.rc != STORE_OK)
        print_error("waiting writer: %s: %s\n", store_rc_name(a.rc), a.why);
    assert_int_equal(a.rc, STORE_OK);
    assert_int_equal(count_tag(g_fx.s), 2);
}

static void *one_insert(void *p)
{
    int *rc = p;
    struct store_tx *tx = NULL;
    int64_t id;
    char k[80];
    *rc = store_begin(g_fx.s, STORE_WRITE, &tx);
    if (*rc == STORE_OK) {
        *rc = insert_row(tx, key("snap", k, sizeof(k)), 1, &id);
        if (*rc == STORE_OK)
            *rc = store_commit(tx);
        else
            store_rollback(tx);
    }
    /* No store_thread_done: the key's destructor closes the connection. */
    return NULL;
}

static void test_read_snapshot(void **state)
{
    struct store_tx *tx = NULL;
    pthread_t th;
    int trc = -1;
    int64_t n = -1;
    (void)state;

    struct store_param p[] = {SP_T(g_fx.tag)};
    const char *q = "SELECT count(*) FROM store_test WHERE tag = $1";
    assert_int_equal(store_begin(g_fx.s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_query_int(tx, q, p, 1, &n), STORE_OK); /* snapshot starts */
    assert_int_equal(n, 0);
    assert_int_equal(pthread_create(&th, NULL, one_insert, &trc), 0);
    pthread_join(th, NULL);
    assert_int_equal(trc, STORE_OK);
    assert_int_equal(store_query_int(tx, q, p, 1, &n), STORE_OK);
    assert_int_equal(n, 0); /* still the old snapshot */
    assert_int_equal(store_commit(tx), STORE_OK);
    assert_int_equal(count_tag(g_fx.s), 1);
}

static void test_misuse(void **state)
{
    struct store_tx *tx = NULL, *tx2 = NULL;
    struct store_rows *r = NULL, *r2 = NULL;
    int64_t v = 0;
    (void)state;

    /* Nested begin on one thread. */
    assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_begin(g_fx.s, STORE_READ, &tx2), STORE_ERROR);
    assert_null(tx2);
    /* A second cursor in one transaction (not a statement failure). */
    assert_int_equal(store_query(tx, "SELECT 1", NULL, 0, &r), STORE_OK);
    assert_int_equal(store_query(tx, "SELECT 2", NULL, 0, &r2), STORE_ERROR);
    assert_null(r2);
    /* An exec may run while a cursor is open, even the same SQL. */
    assert_int_equal(store_exec(tx, "SELECT 1", NULL, 0, NULL), STORE_OK);
    assert_int_equal(store_rows_next(r), 1);
    assert_int_equal(store_col_int(r, 0), 1);
    assert_int_equal(store_col_int(r, 7), 0); /* out of range: 0, not a crash */
    assert_null(store_col_text(r, -1, NULL));
    store_rows_free(r);
    assert_int_equal(store_commit(tx), STORE_OK);

    /* Each of these fails the statement and dooms its transaction. */
    static const struct {
        enum store_txmode mode;
        const char *sql;
        int np;
    } bad[] = {
        {STORE_WRITE, "SELECT ?", 1},                           /* not $N */
        {STORE_WRITE, "SELECT :x", 1},                          /* not $N */
        {STORE_WRITE, "SELECT $2", 1},                          /* a gap */
        {STORE_WRITE, "SELECT $1", 0},                          /* too few */
        {STORE_WRITE, "SELECT $1", 2},                          /* too many */
        {STORE_WRITE, "SELECT 1; SELECT 2", 0},                 /* two statements */
        {STORE_WRITE, "SELEKT 1", 0},                           /* bad SQL */
        {STORE_WRITE, "SELECT nope FROM store_test", 0},        /* no such column */
        {STORE_WRITE, "SELECT \"nope\" FROM store_test", 0},    /* "x" is a name */
        {STORE_READ, "DELETE FROM store_test WHERE n = -1", 0}, /* write in read tx */
    };
    struct store_param p[] = {SP_I(1), SP_I(2)};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(store_begin(g_fx.s, bad[i].mode, &tx), STORE_OK);
        int rc = store_exec(tx, bad[i].sql, p, bad[i].np, NULL);
        if (rc != STORE_ERROR)
            print_error("'%s' gave %s\n", bad[i].sql, store_rc_name(rc));
        assert_int_equal(rc, STORE_ERROR);
        assert_true(strlen(store_errmsg(g_fx.s)) > 0);
        assert_int_equal(store_query_int(tx, "SELECT 1", NULL, 0, &v), STORE_ERROR);
        assert_int_equal(store_commit(tx), STORE_ERROR);
    }

    /* Names of codes, negative too (store_rows_next returns -rc). */
    assert_string_equal(store_rc_name(STORE_OK), "ok");
    assert_string_equal(store_rc_name(STORE_NOTFOUND), "notfound");
    assert_string_equal(store_rc_name(STORE_CONSTRAINT), "constraint");
    assert_string_equal(store_rc_name(-STORE_BUSY), "busy");
    assert_string_equal(store_rc_name(STORE_UNAVAILABLE), "unavailable");
    assert_string_equal(store_rc_name(STORE_ERROR), "error");
    assert_string_equal(store_rc_name(STORE_TOOBIG), "toobig");
    assert_string_equal(store_rc_name(99), "unknown");
}

static void test_audit_append_only(void **state)
{
    struct store_tx *tx = NULL;
    int64_t n = 0;
    (void)state;
    struct store_param p[] = {SP_I(clock_now_ms()), SP_T(g_fx.tag)};
    struct store_param a[] = {SP_T(g_fx.tag)};

    assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_exec(tx,
                                "INSERT INTO audit_log (at_ms, actor, action, object_type)"
                                " VALUES ($1, $2, 'test.audit', 'test')",
                                p, 2, NULL),
                     STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);

    assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(
        store_exec(tx, "UPDATE audit_log SET detail = 'x' WHERE actor = $1", a, 1, NULL),
        STORE_CONSTRAINT);
    store_rollback(tx);
    assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_exec(tx, "DELETE FROM audit_log WHERE actor = $1", a, 1, NULL),
                     STORE_CONSTRAINT);
    store_rollback(tx);

    assert_int_equal(store_begin(g_fx.s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_query_int(tx,
                                     "SELECT count(*) FROM audit_log WHERE actor = $1"
                                     " AND detail IS NULL",
                                     a, 1, &n),
                     STORE_OK);
    assert_int_equal(n, 1);
    store_rollback(tx);
}

static void test_stmt_cache(void **state)
{
    struct store_tx *tx = NULL;
    int64_t v = 0;
    char sql[128];
    (void)state;

    /* One statement many times, then more distinct statements than the
     * cache holds (eviction), twice over; ASan's leak check does the rest. */
    assert_int_equal(store_begin(g_fx.s, STORE_READ, &tx), STORE_OK);
    for (int i = 0; i < 2000; i++) {
        struct store_param p[] = {SP_I(i)};
        assert_int_equal(store_query_int(tx, "SELECT $1 + 1", p, 1, &v), STORE_OK);
        assert_int_equal(v, i + 1);
    }
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 600; i++) {
            struct store_param p[] = {SP_I(i)};
            snprintf(sql, sizeof(sql), "SELECT $1 * %d", i + 1);
            assert_int_equal(store_query_int(tx, sql, p, 1, &v), STORE_OK);
            assert_int_equal(v, (int64_t)i * (i + 1));
        }
    }
    assert_int_equal(store_commit(tx), STORE_OK);

    /* Write statements, reused across transactions. */
    for (int t = 0; t < 20; t++) {
        assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
        for (int i = 0; i < 10; i++) {
            int64_t id;
            assert_int_equal(insert_row(tx, NULL, t * 10 + i, &id), STORE_OK);
        }
        assert_int_equal(store_commit(tx), STORE_OK);
    }
    assert_int_equal(count_tag(g_fx.s), 200);
}

/* ---- blobs ---- */

static void test_blobs(void **state)
{
    char h1[BLOB_HASH_HEX + 1], h2[BLOB_HASH_HEX + 1], h0[BLOB_HASH_HEX + 1];
    char data[5000];
    struct buf out;
    bool ex = false;
    size_t len = 0;
    (void)state;

    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (char)(i * 7 + 3);
    buf_init(&out, 1 << 20);

    assert_int_equal(blob_put(g_fx.s, data, sizeof(data), h1), STORE_OK);
    assert_int_equal(strlen(h1), BLOB_HASH_HEX);
    assert_int_equal(blob_put(g_fx.s, data, sizeof(data), h2), STORE_OK); /* no-op */
    assert_string_equal(h1, h2);
    assert_int_equal(blob_exists(g_fx.s, h1, &ex, &len), STORE_OK);
    assert_true(ex);
    assert_int_equal(len, sizeof(data));
    assert_int_equal(blob_get(g_fx.s, h1, &out), STORE_OK);
    assert_int_equal(out.len, sizeof(data));
    assert_memory_equal(out.data, data, sizeof(data));

    /* The empty blob has the well-known SHA-256. */
    assert_int_equal(blob_put(g_fx.s, NULL, 0, h0), STORE_OK);
    assert_string_equal(h0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_int_equal(blob_get(g_fx.s, h0, &out), STORE_OK);
    assert_int_equal(out.len, 0);

    /* Unknown and malformed names. */
    const char *unknown = "0000000000000000000000000000000000000000000000000000000000000000";
    assert_int_equal(blob_exists(g_fx.s, unknown, &ex, &len), STORE_OK);
    assert_false(ex);
    assert_int_equal(blob_get(g_fx.s, unknown, &out), STORE_NOTFOUND);
    assert_int_equal(blob_get(g_fx.s, "../../etc/passwd", &out), STORE_NOTFOUND);
    assert_int_equal(blob_exists(g_fx.s, "ABCDEF", &ex, NULL), STORE_OK);
    assert_false(ex);
    char upper[BLOB_HASH_HEX + 1];
    memcpy(upper, h1, sizeof(upper));
    upper[0] = (char)(upper[0] >= 'a' ? upper[0] - 32 : '-');
    assert_int_equal(blob_get(g_fx.s, upper, &out), STORE_NOTFOUND);

    /* Bounded by out->max. */
    struct buf small;
    buf_init(&small, sizeof(data) - 1);
    assert_int_equal(blob_get(g_fx.s, h1, &small), STORE_TOOBIG);
    assert_int_equal(small.len, 0);
    buf_release(&small);

    /* Tampering on disk is detected (on-disk backends only), and putting the
     * bytes again repairs the file. */
    char path[PATH_MAX];
    fmt(path, sizeof(path), "%s/blobs/%.2s/%s", g_fx.dir, h1, h1);
    struct stat st;
    if (stat(path, &st) == 0) {
        assert_int_equal(st.st_mode & 0022, 0); /* not group/world writable */
        assert_int_equal(chmod(path, 0600), 0);
        FILE *f = fopen(path, "r+b");
        assert_non_null(f);
        assert_int_equal(fseek(f, 100, SEEK_SET), 0);
        assert_int_equal(fputc('!', f), '!');
        assert_int_equal(fclose(f), 0);
        assert_int_equal(blob_get(g_fx.s, h1, &out), STORE_ERROR);
        assert_int_equal(out.len, 0);
        assert_true(strstr(store_errmsg(g_fx.s), "damaged") != NULL);
        assert_int_equal(blob_put(g_fx.s, data, sizeof(data), h2), STORE_OK);
        assert_int_equal(blob_get(g_fx.s, h1, &out), STORE_OK);
        assert_memory_equal(out.data, data, sizeof(data));
        /* A truncated file is damaged too. */
        assert_int_equal(truncate(path, 10), 0);
        assert_int_equal(blob_get(g_fx.s, h1, &out), STORE_ERROR);
    }
    buf_release(&out);
}

/* Blobs larger than one PostgreSQL chunk (1 MiB), on every backend; on
 * PostgreSQL, a chunk damaged in the table is detected and repaired by a
 * second put, as a damaged file is on disk. */
/* blob_put_tx: durable with the caller's commit, gone with its rollback
 * (no journal row; a file left behind is harmless), and on disk restored by
 * blob_journal_flush from the journal when a crash lost the unsynced file. */
static int64_t journal_rows(void)
{
    struct store_tx *tx = NULL;
    int64_t n = -1;
    assert_int_equal(store_begin(g_fx.s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_query_int(tx, "SELECT count(*) FROM blob_journal", NULL, 0, &n),
                     STORE_OK);
    store_rollback(tx);
    return n;
}

static void test_blobs_tx(void **state)
{
    unsigned char data[3000], md[32];
    char h[BLOB_HASH_HEX + 1], path[PATH_MAX * 2];
    struct store_tx *tx = NULL;
    struct buf out;
    int flushed = -1, restored = -1;
    (void)state;

    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (unsigned char)(i * 13 + 5);
    assert_int_equal(EVP_Digest(data, sizeof(data), md, NULL, EVP_sha256(), NULL), 1);
    for (int i = 0; i < 32; i++)
        snprintf(h + 2 * i, 3, "%02x", md[i]);
    buf_init(&out, 1 << 20);

    /* bad arguments change nothing */
    assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(blob_put_tx(tx, data, 0, h), STORE_ERROR);
    assert_int_equal(blob_put_tx(tx, data, (size_t)BLOB_TX_MAX + 1, h), STORE_ERROR);
    assert_int_equal(blob_put_tx(tx, data, sizeof(data), "../x"), STORE_ERROR);
    /* rolled back: no journal row; the blob is not there (PostgreSQL) or
     * only an unsynced file that nothing names (disk) */
    assert_int_equal(blob_put_tx(tx, data, sizeof(data), h), STORE_OK);
    store_rollback(tx);
    assert_int_equal(journal_rows(), 0);
    if (is_pg(g_url))
        assert_int_equal(blob_get(g_fx.s, h, &out), STORE_NOTFOUND);

    /* committed: readable at once; twice is a no-op */
    for (int k = 0; k < 2; k++) {
        assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
        assert_int_equal(blob_put_tx(tx, data, sizeof(data), h), STORE_OK);
        assert_int_equal(store_commit(tx), STORE_OK);
    }
    assert_int_equal(blob_get(g_fx.s, h, &out), STORE_OK);
    assert_memory_equal(out.data, data, sizeof(data));
    if (is_pg(g_url)) {
        assert_int_equal(journal_rows(), 0); /* in the blob tables already */
        assert_int_equal(blob_journal_flush(g_fx.s, &flushed, &restored), STORE_OK);
        assert_int_equal(flushed, 0);
        buf_release(&out);
        return;
    }
    assert_int_equal(journal_rows(), 1);
    /* a crash lost the unsynced file: the flush writes it again from the row */
    snprintf(path, sizeof(path), "%s/blobs/%.2s/%s", g_fx.dir, h, h);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(blob_get(g_fx.s, h, &out), STORE_NOTFOUND);
    assert_int_equal(blob_journal_flush(g_fx.s, &flushed, &restored), STORE_OK);
    assert_int_equal(flushed, 1);
    assert_int_equal(restored, 1);
    assert_int_equal(journal_rows(), 0);
    assert_int_equal(blob_get(g_fx.s, h, &out), STORE_OK);
    assert_memory_equal(out.data, data, sizeof(data));
    /* a damaged file is rewritten the same way */
    assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(blob_put_tx(tx, data, sizeof(data), h), STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);
    assert_int_equal(journal_rows(), 1); /* the file was there: the row makes it durable */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fputc('!', f);
    fclose(f);
    assert_int_equal(blob_journal_flush(g_fx.s, &flushed, &restored), STORE_OK);
    assert_int_equal(flushed, 1);
    assert_int_equal(restored, 1);
    assert_int_equal(blob_get(g_fx.s, h, &out), STORE_OK);
    /* nothing to do */
    assert_int_equal(blob_journal_flush(g_fx.s, &flushed, &restored), STORE_OK);
    assert_int_equal(flushed, 0);
    buf_release(&out);
}

static void test_blobs_big(void **state)
{
    enum { BIG = 2 * 1024 * 1024 + 12345 };
    char h[BLOB_HASH_HEX + 1], h2[BLOB_HASH_HEX + 1];
    unsigned char *data = malloc(BIG);
    struct buf out;
    bool ex = false;
    size_t len = 0;
    (void)state;

    assert_non_null(data);
    for (size_t i = 0; i < BIG; i++)
        data[i] = (unsigned char)((i * 2654435761u) >> 13);
    buf_init(&out, 64u << 20);
    assert_int_equal(blob_put(g_fx.s, data, BIG, h), STORE_OK);
    assert_int_equal(blob_exists(g_fx.s, h, &ex, &len), STORE_OK);
    assert_true(ex);
    assert_int_equal(len, BIG);
    assert_int_equal(blob_get(g_fx.s, h, &out), STORE_OK);
    assert_int_equal(out.len, BIG);
    assert_memory_equal(out.data, data, BIG);

    if (is_pg(g_url)) {
        struct store_tx *tx = NULL;
        struct store_param p[] = {SP_T(h)};
        int64_t changes = 0;
        assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
        assert_int_equal(store_exec(tx,
                                    "UPDATE blob_chunks SET data = overlay(data placing"
                                    " '\\x21'::bytea from 100) WHERE hash = $1 AND n = 1",
                                    p, 1, &changes),
                         STORE_OK);
        assert_int_equal(changes, 1);
        assert_int_equal(store_commit(tx), STORE_OK);
        assert_int_equal(blob_get(g_fx.s, h, &out), STORE_ERROR);
        assert_int_equal(out.len, 0);
        assert_true(strstr(store_errmsg(g_fx.s), "damaged") != NULL);
        assert_int_equal(blob_put(g_fx.s, data, BIG, h2), STORE_OK);
        assert_string_equal(h, h2);
        assert_int_equal(blob_get(g_fx.s, h, &out), STORE_OK);
        assert_memory_equal(out.data, data, BIG);
        /* A missing chunk is damage too. */
        assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
        assert_int_equal(
            store_exec(tx, "DELETE FROM blob_chunks WHERE hash = $1 AND n = 2", p, 1, &changes),
            STORE_OK);
        assert_int_equal(store_commit(tx), STORE_OK);
        assert_int_equal(blob_get(g_fx.s, h, &out), STORE_ERROR);
    }
    buf_release(&out);
    free(data);
}

/* Several threads putting the same bytes at once all succeed, and the blob
 * is there once, whole. */
struct bput_arg {
    const unsigned char *data; /* the bytes (shared) */
    size_t len;                /* their count */
    int rc;                    /* blob_put's result */
    char hash[BLOB_HASH_HEX + 1];
};

static void *bput_thread(void *p)
{
    struct bput_arg *a = p;
    a->rc = blob_put(g_fx.s, a->data, a->len, a->hash);
    store_thread_done(g_fx.s);
    return NULL;
}

static void test_blobs_concurrent_put(void **state)
{
    enum { NTH = 4, LEN = 1536 * 1024 };
    struct bput_arg a[NTH];
    pthread_t th[NTH];
    unsigned char *data = malloc(LEN);
    struct buf out;
    (void)state;

    assert_non_null(data);
    for (size_t i = 0; i < LEN; i++)
        data[i] = (unsigned char)(i ^ (i >> 9));
    for (int i = 0; i < NTH; i++) {
        a[i] = (struct bput_arg){.data = data, .len = LEN, .rc = -1};
        assert_int_equal(pthread_create(&th[i], NULL, bput_thread, &a[i]), 0);
    }
    for (int i = 0; i < NTH; i++) {
        pthread_join(th[i], NULL);
        if (a[i].rc != STORE_OK)
            print_error("put %d: %s: %s\n", i, store_rc_name(a[i].rc), store_errmsg(g_fx.s));
        assert_int_equal(a[i].rc, STORE_OK);
        assert_string_equal(a[i].hash, a[0].hash);
    }
    buf_init(&out, LEN);
    assert_int_equal(blob_get(g_fx.s, a[0].hash, &out), STORE_OK);
    assert_int_equal(out.len, LEN);
    assert_memory_equal(out.data, data, LEN);
    buf_release(&out);
    free(data);
}

/* ---- the write guarantee: check-then-insert serialises ---- */

/*
 * Two write transactions each insert a row only if none exists yet (with no
 * UNIQUE constraint to help): afterwards exactly one exists. SQLite gets
 * there by running one writer at a time; PostgreSQL by SERIALIZABLE, where
 * the second one fails with STORE_BUSY and its retry finds the row. Under
 * REPEATABLE READ or READ COMMITTED both would insert.
 */
struct rendezvous {
    pthread_mutex_t mu; /* guards arrived */
    pthread_cond_t cv;  /* signalled as threads arrive */
    int arrived;        /* threads that reached the meeting point */
};

/* Waits until `want` threads arrived or ms passed (SQLite: the other
 * writer is blocked at its begin, so it never arrives in time). */
static void meet(struct rendezvous *r, int want, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->mu);
    r->arrived++;
    pthread_cond_broadcast(&r->cv);
    while (r->arrived < want)
        if (pthread_cond_timedwait(&r->cv, &r->mu, &until) != 0)
            break;
    pthread_mutex_unlock(&r->mu);
}

struct cti_arg {
    struct rendezvous *rv; /* where the two meet after their read */
    int busy;              /* STORE_BUSY seen (then retried) */
    int inserted;          /* 1 if this thread's insert committed */
    int rc;                /* final result */
    char why[160];
};

static void *cti_thread(void *p)
{
    struct cti_arg *a = p;
    struct store_param q[] = {SP_T(g_fx.tag)};
    bool first = true;
    for (int attempt = 0; attempt < 50; attempt++) {
        struct store_tx *tx = NULL;
        int64_t n = -1, id;
        bool ins = false;
        a->rc = store_begin(g_fx.s, STORE_WRITE, &tx);
        if (a->rc == STORE_OK)
            a->rc = store_query_int(
                tx, "SELECT count(*) FROM store_test WHERE tag = $1 AND n = 777", q, 1, &n);
        if (first) {
            meet(a->rv, 2, 500);
            first = false;
        }
        if (a->rc == STORE_OK && n == 0) {
            a->rc = insert_row(tx, NULL, 777, &id);
            ins = true;
        }
        if (a->rc == STORE_OK) {
            a->rc = store_commit(tx);
        } else if (tx != NULL) {
            store_rollback(tx);
        }
        if (a->rc == STORE_BUSY) {
            /* back off a random while, as domain_write does, so two
             * symmetrical writers do not collide forever */
            a->busy++;
            usleep((useconds_t)(1000 * (attempt + 1) + rand() % 5000));
            continue;
        }
        if (a->rc == STORE_OK && ins)
            a->inserted = 1;
        break;
    }
    if (a->rc != STORE_OK)
        snprintf(a->why, sizeof(a->why), "%s: %s", store_rc_name(a->rc), store_errmsg(g_fx.s));
    store_thread_done(g_fx.s);
    return NULL;
}

static void test_check_then_insert(void **state)
{
    struct rendezvous rv = {.arrived = 0};
    struct cti_arg a[2];
    pthread_t th[2];
    int64_t n = -1;
    struct store_tx *tx = NULL;
    struct store_param q[] = {SP_T(g_fx.tag)};
    (void)state;

    pthread_mutex_init(&rv.mu, NULL);
    pthread_cond_init(&rv.cv, NULL);
    for (int i = 0; i < 2; i++) {
        a[i] = (struct cti_arg){.rv = &rv, .rc = -1};
        assert_int_equal(pthread_create(&th[i], NULL, cti_thread, &a[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        if (a[i].rc != STORE_OK)
            print_error("writer %d: %s\n", i, a[i].why);
        assert_int_equal(a[i].rc, STORE_OK);
    }
    pthread_cond_destroy(&rv.cv);
    pthread_mutex_destroy(&rv.mu);
    assert_int_equal(store_begin(g_fx.s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(
        store_query_int(tx, "SELECT count(*) FROM store_test WHERE tag = $1 AND n = 777", q, 1, &n),
        STORE_OK);
    store_rollback(tx);
    assert_int_equal(n, 1);
    assert_int_equal(a[0].inserted + a[1].inserted, 1);
    /* On PostgreSQL both read before either wrote: one had to be refused. */
    if (is_pg(g_url))
        assert_true(a[0].busy + a[1].busy > 0);
}

/* ---- faults (PostgreSQL) ---- */

struct kill_arg {
    int64_t pid; /* backend to terminate */
    int rc;      /* STORE_OK when it is gone */
    char why[200];
};

/* On its own thread (so its own connection): terminates backend a->pid and
 * waits until the server no longer lists it. */
static void *killer(void *p)
{
    struct kill_arg *a = p;
    struct store_tx *tx = NULL;
    struct store_param q[] = {SP_I(a->pid)};
    int64_t n = -1;
    a->rc = store_begin(g_fx.s, STORE_WRITE, &tx);
    if (a->rc == STORE_OK)
        a->rc = store_query_int(tx,
                                "SELECT CASE WHEN pg_terminate_backend(CAST($1 AS INTEGER))"
                                " THEN 1 ELSE 0 END",
                                q, 1, &n);
    if (a->rc == STORE_OK)
        a->rc = store_commit(tx);
    else
        store_rollback(tx);
    for (int i = 0; a->rc == STORE_OK && i < 500; i++) {
        a->rc = store_begin(g_fx.s, STORE_READ, &tx);
        if (a->rc != STORE_OK)
            break;
        a->rc =
            store_query_int(tx, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", q, 1, &n);
        store_rollback(tx);
        if (a->rc == STORE_OK && n == 0)
            break;
        sleep_ms(10);
    }
    if (a->rc == STORE_OK && n != 0)
        a->rc = STORE_BUSY;
    if (a->rc != STORE_OK)
        snprintf(a->why, sizeof(a->why), "%s: %s", store_rc_name(a->rc), store_errmsg(g_fx.s));
    store_thread_done(g_fx.s);
    return NULL;
}

static void kill_backend(int64_t pid)
{
    struct kill_arg a = {.pid = pid, .rc = -1};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, killer, &a), 0);
    pthread_join(th, NULL);
    if (a.rc != STORE_OK)
        print_error("killing backend %lld: %s\n", (long long)pid, a.why);
    assert_int_equal(a.rc, STORE_OK);
}

static int64_t backend_pid(void)
{
    struct store_tx *tx = NULL;
    int64_t pid = 0;
    assert_int_equal(store_begin(g_fx.s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_query_int(tx, "SELECT pg_backend_pid()", NULL, 0, &pid), STORE_OK);
    store_rollback(tx);
    return pid;
}

static void test_conn_killed(void **state)
{
    struct store_tx *tx = NULL;
    int64_t id = 0, pid, pid2, pid3;
    char k[80];
    (void)state;
    if (!is_pg(g_url))
        skip();

    /* In flight: one row written, then the server ends the session. */
    pid = backend_pid();
    assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(insert_row(tx, key("k1", k, sizeof(k)), 1, &id), STORE_OK);
    kill_backend(pid);
    assert_int_equal(insert_row(tx, key("k2", k, sizeof(k)), 2, &id), STORE_UNAVAILABLE);
    assert_true(strlen(store_errmsg(g_fx.s)) > 0);
    assert_int_equal(store_commit(tx), STORE_UNAVAILABLE);

    /* Nothing of it remains; this thread's next transactions reconnect. */
    assert_int_equal(count_tag(g_fx.s), 0);
    pid2 = backend_pid();
    assert_true(pid2 != pid);
    assert_int_equal(store_begin(g_fx.s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(insert_row(tx, key("k1", k, sizeof(k)), 1, &id), STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);
    assert_int_equal(count_tag(g_fx.s), 1);

    /* Killed while idle between transactions: the next begin notices and
     * reconnects by itself (nothing was in flight), and cached statements
     * are prepared again on the new session. */
    kill_backend(pid2);
    assert_int_equal(count_tag(g_fx.s), 1);
    pid3 = backend_pid();
    assert_true(pid3 != pid2);

    /* Killed under a read with a cursor open: the next row fetch cannot
     * fail (results are read whole), but the next statement does. */
    assert_int_equal(store_begin(g_fx.s, STORE_READ, &tx), STORE_OK);
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_T(g_fx.tag)};
    assert_int_equal(store_query(tx, "SELECT id FROM store_test WHERE tag = $1", p, 1, &r),
                     STORE_OK);
    kill_backend(pid3);
    assert_int_equal(store_rows_next(r), 1);
    assert_int_equal(store_rows_next(r), 0);
    store_rows_free(r);
    assert_int_equal(store_query_int(tx, "SELECT 1", NULL, 0, &id), STORE_UNAVAILABLE);
    store_rollback(tx);
    assert_int_equal(count_tag(g_fx.s), 1);
}

/* Writers during a server restart. */
struct load_arg {
    int idx;               /* thread number */
    atomic_int *stop;      /* set by the main thread */
    atomic_int *restarted; /* set once the restart command returned */
    int acked;             /* commits that returned STORE_OK */
    int unknown;           /* commits that returned STORE_UNAVAILABLE: outcome unknown */
    int unavailable;       /* STORE_UNAVAILABLE anywhere */
    int ok_after;          /* acknowledged commits after the restart */
    int other;             /* any other failure (fails the test) */
    char why[200];         /* the first other failure */
};

static void *load_thread(void *p)
{
    struct load_arg *a = p;
    for (int i = 0; !atomic_load(a->stop); i++) {
        struct store_tx *tx = NULL;
        int64_t id;
        char ka[96], kb[96];
        bool after = atomic_load(a->restarted) != 0;
        snprintf(ka, sizeof(ka), "%s-l%d-%d-a", g_fx.tag, a->idx, i);
        snprintf(kb, sizeof(kb), "%s-l%d-%d-b", g_fx.tag, a->idx, i);
        int rc = store_begin(g_fx.s, STORE_WRITE, &tx);
        if (rc == STORE_OK) {
            rc = insert_row(tx, ka, i, &id);
            if (rc == STORE_OK)
                rc = insert_row(tx, kb, i, &id);
            if (rc == STORE_OK) {
                rc = store_commit(tx);
                if (rc == STORE_UNAVAILABLE)
                    a->unknown++;
            } else {
                store_rollback(tx);
            }
        }
        if (rc == STORE_OK) {
            a->acked++;
            if (after)
                a->ok_after++;
            continue;
        }
        if (rc == STORE_UNAVAILABLE) {
            a->unavailable++;
            sleep_ms(20);
            continue;
        }
        if (rc == STORE_BUSY)
            continue;
        if (a->other++ == 0)
            snprintf(a->why, sizeof(a->why), "%s: %s", store_rc_name(rc), store_errmsg(g_fx.s));
    }
    store_thread_done(g_fx.s);
    return NULL;
}

static void test_restart_under_load(void **state)
{
    enum { NTH = 4 };
    const char *cmd = getenv("SUNBID_TEST_PG_RESTART");
    struct load_arg a[NTH];
    pthread_t th[NTH];
    atomic_int stop, restarted;
    int acked = 0, unknown = 0, unavailable = 0;
    int64_t rows = -1, broken = -1;
    struct store_tx *tx = NULL;
    (void)state;
    if (!is_pg(g_url) || cmd == NULL || cmd[0] == '\0')
        skip();

    atomic_init(&stop, 0);
    atomic_init(&restarted, 0);
    for (int i = 0; i < NTH; i++) {
        a[i] = (struct load_arg){.idx = i, .stop = &stop, .restarted = &restarted};
        assert_int_equal(pthread_create(&th[i], NULL, load_thread, &a[i]), 0);
    }
    sleep_ms(500);
    int st = system(cmd);
    atomic_store(&restarted, 1);
    sleep_ms(1500);
    atomic_store(&stop, 1);
    for (int i = 0; i < NTH; i++) {
        pthread_join(th[i], NULL);
        if (a[i].other != 0)
            print_error("load thread %d: %s\n", i, a[i].why);
        assert_int_equal(a[i].other, 0);
        acked += a[i].acked;
        unknown += a[i].unknown;
        unavailable += a[i].unavailable;
        /* Every writer got going again after the restart. */
        assert_true(a[i].ok_after > 0);
    }
    assert_int_equal(st, 0);
    print_message("restart under load: %d acknowledged, %d unknown, %d unavailable\n", acked,
                  unknown, unavailable);
    assert_true(unavailable > 0);

    /* No acknowledged transaction lost, none half there. */
    struct store_param p[] = {SP_T(g_fx.tag)};
    assert_int_equal(store_begin(g_fx.s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(
        store_query_int(tx, "SELECT count(*) FROM store_test WHERE tag = $1", p, 1, &rows),
        STORE_OK);
    assert_int_equal(store_query_int(tx,
                                     "SELECT count(*) FROM (SELECT substr(k, 1, length(k) - 2),"
                                     " count(*) AS c FROM store_test WHERE tag = $1"
                                     " GROUP BY 1) x WHERE c <> 2",
                                     p, 1, &broken),
                     STORE_OK);
    store_rollback(tx);
    assert_int_equal(broken, 0);
    assert_true(rows / 2 >= acked);
    assert_true(rows / 2 <= acked + unknown);
}

/* ---- opening (once, not per backend) ---- */

static void test_open(void **state)
{
    char base[PATH_MAX], dir[PATH_MAX], err[256];
    struct store *s = NULL;
    struct stat st;
    (void)state;

    fmt(base, sizeof(base), "%s/store-open-XXXXXX", tmp_base());
    mkdir(tmp_base(), 0700);
    assert_non_null(mkdtemp(base));

    assert_int_equal(store_open(&s, "mysql://x", base, err, sizeof(err)), STORE_ERROR);
    assert_null(s);
    assert_true(strlen(err) > 0);
    assert_int_equal(store_open(&s, NULL, NULL, err, sizeof(err)), STORE_ERROR);
    assert_int_equal(store_open(&s, "sqlite:", base, err, sizeof(err)), STORE_OK);
    store_close(s);
    store_close(NULL);

    /* The default URL creates nested data and blob directories. */
    fmt(dir, sizeof(dir), "%s/a/b/data/", base);
    assert_int_equal(store_open(&s, NULL, dir, err, sizeof(err)), STORE_OK);
    assert_string_equal(store_backend(s), "sqlite");
    store_close(s);
    fmt(dir, sizeof(dir), "%s/a/b/data", base);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0077, 0);
    fmt(dir, sizeof(dir), "%s/a/b/data/blobs", base);
    assert_int_equal(stat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    fmt(dir, sizeof(dir), "%s/a/b/data/sunbid.db", base);
    assert_int_equal(stat(dir, &st), 0);

    /* An explicit sqlite: path; a path that cannot be opened fails at open. */
    char url[PATH_MAX + 16];
    fmt(url, sizeof(url), "sqlite:%s/explicit.db", base);
    assert_int_equal(store_open(&s, url, base, err, sizeof(err)), STORE_OK);
    store_close(s);
    fmt(dir, sizeof(dir), "%s/explicit.db", base);
    assert_int_equal(stat(dir, &st), 0);
    fmt(url, sizeof(url), "sqlite:%s/no/such/dir/x.db", base);
    assert_int_not_equal(store_open(&s, url, base, err, sizeof(err)), STORE_OK);
    assert_null(s);
    rm_rf(base);
}

int main(void)
{
    static char list[4096];
    const char *env = getenv("SUNBID_TEST_STORES");
    char *save = NULL;
    int failed = 0;

    snprintf(list, sizeof(list), "%s", env != NULL && env[0] != '\0' ? env : "sqlite");
    for (char *tok = strtok_r(list, " \t", &save); tok != NULL && g_nurls < MAX_STORES;
         tok = strtok_r(NULL, " \t", &save)) {
        bool fresh = strcmp(tok, "sqlite") == 0 || strcmp(tok, "sqlite:") == 0;
        g_urls[g_nurls++] = fresh ? NULL : tok;
    }

    const struct CMUnitTest once[] = {cmocka_unit_test(test_open)};
    failed += cmocka_run_group_tests_name("store open", once, NULL, NULL);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blob_column, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_shorthands, setup, teardown),
        cmocka_unit_test_setup_teardown(test_constraint_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_durable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_append_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stmt_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blobs_tx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blobs_big, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blobs_concurrent_put, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_then_insert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conn_killed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_under_load, setup, teardown),
    };
    for (int i = 0; i < g_nurls; i++) {
        char name[256];
        g_url = g_urls[i];
        snprintf(name, sizeof(name), "store %s", g_url != NULL ? g_url : "sqlite (fresh)");
        failed += cmocka_run_group_tests_name(name, tests, NULL, NULL);
    }
    return failed != 0;
}
