/*
 * store.c — bench_store: the store benchmark of issue 3. The same write-heavy
 * and read-heavy workload against SQLite and PostgreSQL in one run, with 1, 2
 * and 4 worker threads (each with its own connection, as the server's
 * workers have).
 *
 * Data. Organisations (orgs), tenders and bid receipts. Tenders do not exist
 * yet as a table: the public notices table (kind 'tender') stands in for
 * them. Receipts go into a scratch table this benchmark creates,
 * bench_receipts (notice, org, receipt number, amount in fen, a 32-byte
 * digest, time), shaped like a bid receipt. Before the runs: 20 orgs, 200
 * tenders and 20,000 receipts.
 *
 * Workloads (each op is one transaction; commits are durable: SQLite
 * synchronous=FULL, PostgreSQL synchronous_commit=on):
 *   write  19 of 20 ops submit a receipt: read the tender (is it there?),
 *          insert the receipt, commit; 1 of 20 publishes a new tender
 *          (store_notice_insert, the domain's own SQL). An op that gets
 *          STORE_BUSY (PostgreSQL's serialization failures under
 *          SERIALIZABLE) is retried, and its latency includes the retries.
 *   read   one read transaction: the newest page of notices
 *          (store_notice_list, 20 rows) and the first page of receipts of a
 *          random tender (20 rows).
 * Each (backend, workload, threads) runs for BENCH_STORE_SECONDS (default 3)
 * after a 0.5 s warm-up.
 *
 * Output, every figure on its own line:
 *     bench: store_sqlite_write_ops_t4 1234 ops/s
 *     bench: store_sqlite_write_p99_t4 2.10 ms
 *     bench: store_pg_write_busy_t4 12 retries
 *     bench: store_pg_vs_sqlite_write_ratio_t4 0.80 x      (ops/s, pg / sqlite)
 * for write and read, t1, t2 and t4.
 *
 * PostgreSQL: SUNBID_BENCH_PG_URL if set (the benchmark works in a schema of
 * its own, dropped at the end); otherwise it starts a throw-away cluster
 * with scripts/pg-local in a temporary folder and stops it at the end. Both
 * stores live under BENCH_TMP (default /tmp), on the same file system.
 * BENCH_STORE_BACKENDS="sqlite" (or "pg") runs one backend only.
 *
 * Exit status 1 when a store cannot be set up or an op fails for a reason
 * other than STORE_BUSY.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "store/accounts.h"
#include "store/store.h"

#define NORGS        20
#define NTENDERS     200
#define NRECEIPTS    20000
#define PAGE         20
#define MAX_SAMPLES  (1 << 20) /* latencies kept per thread */
#define MAX_THREADS  4
#define BUSY_RETRIES 100

enum workload { W_WRITE, W_READ };

/* One backend under test. */
struct bstore {
    const char *name;     /* "sqlite" or "pg": the figures' prefix */
    struct store *s;      /* open and migrated */
    char dir[PATH_MAX];   /* data directory */
    char url[2048];       /* store URL ("" = default sqlite in dir) */
    char schema[64];      /* pg: our schema in someone's database, or "" */
    char admin_url[2048]; /* pg: the URL without our schema (to drop it) */
    int64_t tender_max;   /* tenders have ids 1..tender_max (approximately) */
    int64_t org_ids[NORGS];
    int64_t tender_ids[NTENDERS];
};

/* One worker thread's run. */
struct worker {
    struct bstore *b;  /* the store */
    enum workload w;   /* what it runs */
    int idx;           /* thread number */
    atomic_int *phase; /* 0 warm-up, 1 measure, 2 stop */
    uint64_t rng;      /* xorshift state */
    int64_t *lat_ns;   /* measured op latencies */
    size_t nlat;       /* entries in lat_ns */
    long busy;         /* STORE_BUSY retries while measuring */
    int failed;        /* an op failed for good */
    char why[256];     /* the first failure */
    int64_t seq;       /* receipts this thread made (unique numbers) */
};

static const char *g_tmp = "/tmp";
static char g_pglocal[PATH_MAX]; /* scripts/pg-local, when we started a cluster */
static char g_pgdir[PATH_MAX];   /* its folder */

static uint64_t rnd(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
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

/* ---- PostgreSQL set-up ---- */

/* Finds scripts/pg-local: $SUNBID_SOURCE_DIR, then from the executable's
 * place (BUILD/bench/bench_store -> ../../../scripts), then the cwd. */
static bool find_pglocal(char *out, size_t n)
{
    const char *src = getenv("SUNBID_SOURCE_DIR");
    char exe[PATH_MAX];
    ssize_t len;
    if (src != NULL && src[0] != '\0') {
        int m = snprintf(out, n, "%s/scripts/pg-local", src);
        if (m > 0 && (size_t)m < n && access(out, X_OK) == 0)
            return true;
    }
    len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len > 0) {
        exe[len] = '\0';
        for (int up = 0; up < 4; up++) {
            char *slash = strrchr(exe, '/');
            if (slash == NULL)
                break;
            *slash = '\0';
            int m = snprintf(out, n, "%s/scripts/pg-local", exe);
            if (m > 0 && (size_t)m < n && access(out, X_OK) == 0)
                return true;
        }
    }
    snprintf(out, n, "scripts/pg-local");
    return access(out, X_OK) == 0;
}

/* Starts a throw-away cluster; url gets its URL. */
static bool pg_start(char *url, size_t n)
{
    char cmd[PATH_MAX * 2 + 64];
    FILE *f;
    size_t len;
    if (!find_pglocal(g_pglocal, sizeof(g_pglocal))) {
        fprintf(stderr, "bench_store: scripts/pg-local not found (set SUNBID_SOURCE_DIR)\n");
        return false;
    }
    snprintf(g_pgdir, sizeof(g_pgdir), "%s/sunbid-bench-pg-XXXXXX", g_tmp);
    if (mkdtemp(g_pgdir) == NULL) {
        fprintf(stderr, "bench_store: mkdtemp %s: %s\n", g_pgdir, strerror(errno));
        g_pgdir[0] = '\0';
        return false;
    }
    snprintf(cmd, sizeof(cmd), "'%s' start '%s'", g_pglocal, g_pgdir);
    f = popen(cmd, "r");
    if (f == NULL || fgets(url, (int)n, f) == NULL) {
        if (f != NULL)
            pclose(f);
        fprintf(stderr, "bench_store: %s failed\n", cmd);
        return false;
    }
    if (pclose(f) != 0)
        return false;
    len = strlen(url);
    while (len > 0 && (url[len - 1] == '\n' || url[len - 1] == '\r'))
        url[--len] = '\0';
    printf("bench_store: started PostgreSQL at %s (in %s)\n", url, g_pgdir);
    return true;
}

static void pg_stop(void)
{
    char cmd[PATH_MAX * 2 + 64];
    if (g_pgdir[0] == '\0')
        return;
    snprintf(cmd, sizeof(cmd), "'%s' stop '%s' >/dev/null", g_pglocal, g_pgdir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_store: stopping the cluster failed\n");
    rm_rf(g_pgdir);
    g_pgdir[0] = '\0';
}

/* Runs one statement in its own transaction on a store opened on url. */
static int admin_exec(const char *url, const char *dir, const char *sql)
{
    char err[512] = "";
    struct store *s = NULL;
    struct store_tx *tx = NULL;
    int rc = store_open(&s, url, dir, err, sizeof(err));
    if (rc == STORE_OK)
        rc = store_begin(s, STORE_WRITE, &tx);
    if (rc == STORE_OK)
        rc = store_exec(tx, sql, NULL, 0, NULL);
    if (rc == STORE_OK)
        rc = store_commit(tx);
    else
        store_rollback(tx);
    if (rc != STORE_OK)
        fprintf(stderr, "bench_store: '%s': %s %s\n", sql, err, s ? store_errmsg(s) : "");
    store_close(s);
    return rc;
}

/* ---- data ---- */

static const char *receipts_ddl(const struct bstore *b)
{
    if (strcmp(b->name, "sqlite") == 0)
        return "CREATE TABLE bench_receipts ("
               " id INTEGER PRIMARY KEY,"
               " notice_id INTEGER NOT NULL REFERENCES notices(id),"
               " org_id INTEGER NOT NULL REFERENCES orgs(id),"
               " receipt TEXT NOT NULL UNIQUE,"
               " amount_fen INTEGER NOT NULL,"
               " digest BLOB NOT NULL,"
               " created_ms INTEGER NOT NULL)";
    return "CREATE TABLE bench_receipts ("
           " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
           " notice_id BIGINT NOT NULL REFERENCES notices(id),"
           " org_id BIGINT NOT NULL REFERENCES orgs(id),"
           " receipt TEXT NOT NULL UNIQUE,"
           " amount_fen BIGINT NOT NULL,"
           " digest BYTEA NOT NULL,"
           " created_ms BIGINT NOT NULL)";
}

static int insert_receipt(struct store_tx *tx, int64_t notice, int64_t org, const char *receipt,
                          int64_t amount, const unsigned char digest[32])
{
    struct store_param p[] = {SP_I(notice), SP_I(org),        SP_T(receipt),
                              SP_I(amount), SP_B(digest, 32), SP_I(clock_now_ms())};
    int64_t id;
    return store_query_int(tx,
                           "INSERT INTO bench_receipts (notice_id, org_id, receipt, amount_fen,"
                           " digest, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                           p, 6, &id);
}

static int new_tender(struct store_tx *tx, uint64_t *rng, int64_t *id)
{
    static const char *const cats[] = {"works", "goods", "services", "land"};
    char title[96];
    struct notice n = {0};
    snprintf(title, sizeof(title), "福州市某某工程施工招标 %llu",
             (unsigned long long)(rnd(rng) % 1000000));
    n.kind = "tender";
    n.category = cats[rnd(rng) % 4];
    n.title = title;
    n.region = "350100";
    n.body = "招标公告正文";
    n.ref_type = "tender";
    n.published_ms = clock_now_ms();
    return store_notice_insert(tx, &n, id);
}

/* Opens, migrates and fills one backend. */
static bool bstore_setup(struct bstore *b, const char *pg_url)
{
    char err[512] = "";
    struct store_tx *tx = NULL;
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    int applied = 0, rc;

    snprintf(b->dir, sizeof(b->dir), "%s/sunbid-bench-%s-XXXXXX", g_tmp, b->name);
    if (mkdtemp(b->dir) == NULL) {
        fprintf(stderr, "bench_store: mkdtemp: %s\n", strerror(errno));
        return false;
    }
    if (pg_url != NULL) {
        snprintf(b->schema, sizeof(b->schema), "bench_%ld", (long)getpid());
        snprintf(b->admin_url, sizeof(b->admin_url), "%s", pg_url);
        char sql[128];
        snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", b->schema);
        if (admin_exec(pg_url, b->dir, sql) != STORE_OK)
            return false;
        snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", b->schema);
        if (admin_exec(pg_url, b->dir, sql) != STORE_OK)
            return false;
        snprintf(b->url, sizeof(b->url), "%s%soptions=-csearch_path%%3D%s", pg_url,
                 strchr(pg_url, '?') ? "&" : "?", b->schema);
    }
    rc = store_open(&b->s, b->url[0] ? b->url : NULL, b->dir, err, sizeof(err));
    if (rc != STORE_OK) {
        fprintf(stderr, "bench_store: %s: store_open: %s\n", b->name, err);
        return false;
    }
    rc = store_migrate(b->s, &applied);
    if (rc == STORE_OK)
        rc = store_begin(b->s, STORE_WRITE, &tx);
    if (rc == STORE_OK)
        rc = store_exec(tx, receipts_ddl(b), NULL, 0, NULL);
    if (rc == STORE_OK)
        rc = store_exec(tx, "CREATE INDEX bench_receipts_notice ON bench_receipts(notice_id, id)",
                        NULL, 0, NULL);
    for (int i = 0; rc == STORE_OK && i < NORGS; i++) {
        char name[64], uscc[32];
        struct org o = {0};
        snprintf(name, sizeof(name), "福建某某建设有限公司 %d", i);
        snprintf(uscc, sizeof(uscc), "BENCH%013d", i); /* not checked here: no domain layer */
        o.name = name;
        o.uscc = uscc;
        o.legal_rep = "张三";
        o.created_ms = clock_now_ms();
        rc = store_org_insert(tx, &o, &b->org_ids[i]);
    }
    for (int i = 0; rc == STORE_OK && i < NTENDERS; i++)
        rc = new_tender(tx, &rng, &b->tender_ids[i]);
    for (int i = 0; rc == STORE_OK && i < NRECEIPTS; i++) {
        unsigned char digest[32];
        char receipt[48];
        for (int k = 0; k < 32; k++)
            digest[k] = (unsigned char)rnd(&rng);
        snprintf(receipt, sizeof(receipt), "R-seed-%d", i);
        rc = insert_receipt(tx, b->tender_ids[rnd(&rng) % NTENDERS], b->org_ids[i % NORGS], receipt,
                            (int64_t)(rnd(&rng) % 100000000), digest);
    }
    if (rc == STORE_OK)
        rc = store_commit(tx);
    else
        store_rollback(tx);
    if (rc != STORE_OK) {
        fprintf(stderr, "bench_store: %s: set-up: %s: %s\n", b->name, store_rc_name(rc),
                store_errmsg(b->s));
        return false;
    }
    return true;
}

static void bstore_teardown(struct bstore *b)
{
    store_close(b->s);
    b->s = NULL;
    if (b->schema[0] != '\0') {
        char sql[128];
        snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", b->schema);
        admin_exec(b->admin_url, b->dir, sql);
    }
    if (b->dir[0] != '\0')
        rm_rf(b->dir);
}

/* ---- the ops ---- */

/* One write op (one transaction); STORE_BUSY is the caller's to retry. */
static int op_write(struct worker *w)
{
    struct bstore *b = w->b;
    struct store_tx *tx = NULL;
    int64_t id = 0, published = 0;
    int rc = store_begin(b->s, STORE_WRITE, &tx);
    if (rc != STORE_OK)
        return rc;
    if (rnd(&w->rng) % 20 == 0) {
        rc = new_tender(tx, &w->rng, &id);
    } else {
        unsigned char digest[32];
        char receipt[64];
        int64_t tender = b->tender_ids[rnd(&w->rng) % NTENDERS];
        struct store_param p[] = {SP_I(tender)};
        rc =
            store_query_int(tx, "SELECT published_ms FROM notices WHERE id = $1", p, 1, &published);
        for (int k = 0; k < 32; k++)
            digest[k] = (unsigned char)rnd(&w->rng);
        snprintf(receipt, sizeof(receipt), "R-%s-%d-%lld-%lld", b->name, w->idx,
                 (long long)w->seq++, (long long)clock_mono_ns());
        if (rc == STORE_OK)
            rc = insert_receipt(tx, tender, b->org_ids[rnd(&w->rng) % NORGS], receipt,
                                (int64_t)(rnd(&w->rng) % 100000000), digest);
    }
    if (rc != STORE_OK) {
        store_rollback(tx);
        return rc;
    }
    return store_commit(tx);
}

static int op_read(struct worker *w, struct arena *a)
{
    struct bstore *b = w->b;
    struct store_tx *tx = NULL;
    struct store_rows *r = NULL;
    struct page pg;
    int64_t tender = b->tender_ids[rnd(&w->rng) % NTENDERS];
    struct store_param p[] = {SP_I(tender), SP_I(0), SP_I(PAGE)};
    int rc = store_begin(b->s, STORE_READ, &tx);
    if (rc != STORE_OK)
        return rc;
    rc = store_notice_list(tx, a, NULL, 0, 0, PAGE, &pg);
    if (rc == STORE_OK)
        rc = store_query(tx,
                         "SELECT id, org_id, receipt, amount_fen, digest, created_ms"
                         " FROM bench_receipts WHERE notice_id = $1 AND id > $2"
                         " ORDER BY id LIMIT $3",
                         p, 3, &r);
    if (rc == STORE_OK) {
        int n;
        size_t len;
        while ((n = store_rows_next(r)) == 1) {
            (void)store_col_int(r, 0);
            (void)store_col_text(r, 2, &len);
            (void)store_col_blob(r, 4, &len);
        }
        if (n < 0)
            rc = -n;
        store_rows_free(r);
    }
    store_rollback(tx);
    arena_release(a);
    return rc;
}

static void *worker_main(void *p)
{
    struct worker *w = p;
    struct arena a;
    arena_init(&a, 0);
    while (atomic_load(w->phase) < 2 && !w->failed) {
        bool measuring = atomic_load(w->phase) == 1;
        int64_t t0 = clock_mono_ns();
        int rc = STORE_BUSY;
        for (int attempt = 0; attempt < BUSY_RETRIES && rc == STORE_BUSY; attempt++) {
            rc = w->w == W_WRITE ? op_write(w) : op_read(w, &a);
            if (rc == STORE_BUSY && measuring)
                w->busy++;
        }
        int64_t dt = clock_mono_ns() - t0;
        if (rc != STORE_OK) {
            w->failed = 1;
            snprintf(w->why, sizeof(w->why), "%s: %s", store_rc_name(rc), store_errmsg(w->b->s));
            break;
        }
        if (measuring && w->nlat < MAX_SAMPLES)
            w->lat_ns[w->nlat++] = dt;
    }
    arena_release(&a);
    store_thread_done(w->b->s);
    return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

struct result {
    double ops; /* ops per second */
    double p99; /* ms */
    long busy;  /* STORE_BUSY retries */
};

/* Runs workload w on b with nth threads for secs seconds. */
static bool run_one(struct bstore *b, enum workload wl, int nth, double secs, struct result *out)
{
    struct worker w[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    atomic_int phase;
    int64_t t0, t1;
    size_t total = 0;
    int64_t *all;
    bool ok = true;

    memset(w, 0, sizeof(w));
    atomic_init(&phase, 0);
    for (int i = 0; i < nth; i++) {
        w[i].b = b;
        w[i].w = wl;
        w[i].idx = i;
        w[i].phase = &phase;
        w[i].rng = 0x2545F4914F6CDD1DULL * (uint64_t)(i + 1) + (uint64_t)clock_mono_ns();
        w[i].lat_ns = malloc(sizeof(int64_t) * MAX_SAMPLES);
        if (w[i].lat_ns == NULL) {
            fprintf(stderr, "bench_store: out of memory\n");
            exit(1);
        }
        if (pthread_create(&th[i], NULL, worker_main, &w[i]) != 0) {
            fprintf(stderr, "bench_store: pthread_create failed\n");
            exit(1);
        }
    }
    sleep_ms(500);
    t0 = clock_mono_ns();
    atomic_store(&phase, 1);
    sleep_ms((int)(secs * 1000));
    atomic_store(&phase, 2);
    t1 = clock_mono_ns();
    for (int i = 0; i < nth; i++) {
        pthread_join(th[i], NULL);
        total += w[i].nlat;
        if (w[i].failed) {
            fprintf(stderr, "bench_store: %s thread %d: %s\n", b->name, i, w[i].why);
            ok = false;
        }
    }
    all = malloc(sizeof(int64_t) * (total > 0 ? total : 1));
    if (all == NULL) {
        fprintf(stderr, "bench_store: out of memory\n");
        exit(1);
    }
    total = 0;
    out->busy = 0;
    for (int i = 0; i < nth; i++) {
        memcpy(all + total, w[i].lat_ns, sizeof(int64_t) * w[i].nlat);
        total += w[i].nlat;
        out->busy += w[i].busy;
        free(w[i].lat_ns);
    }
    qsort(all, total, sizeof(int64_t), cmp_i64);
    out->ops = (double)total / ((double)(t1 - t0) / 1e9);
    out->p99 = total > 0 ? (double)all[(size_t)((double)(total - 1) * 0.99)] / 1e6 : 0;
    free(all);
    return ok;
}

int main(void)
{
    static const int threads[] = {1, 2, 4};
    const char *env_secs = getenv("BENCH_STORE_SECONDS");
    const char *only = getenv("BENCH_STORE_BACKENDS");
    const char *pg_env = getenv("SUNBID_BENCH_PG_URL");
    double secs = 3;
    char pg_url[2048] = "";
    struct bstore bs[2];
    struct result res[2][2][3]; /* [backend][workload][threads] */
    bool have[2] = {false, false};
    int status = 0;

    log_set_level(LOG_WARN);
    if (getenv("BENCH_TMP") != NULL && getenv("BENCH_TMP")[0] != '\0')
        g_tmp = getenv("BENCH_TMP");
    if (env_secs != NULL && strtod(env_secs, NULL) > 0)
        secs = strtod(env_secs, NULL);
    memset(bs, 0, sizeof(bs));
    memset(res, 0, sizeof(res));
    bs[0].name = "sqlite";
    bs[1].name = "pg";

    for (int k = 0; k < 2; k++) {
        if (only != NULL && only[0] != '\0' && strstr(only, bs[k].name) == NULL)
            continue;
        if (k == 1) {
            if (pg_env != NULL && pg_env[0] != '\0')
                snprintf(pg_url, sizeof(pg_url), "%s", pg_env);
            else if (!pg_start(pg_url, sizeof(pg_url))) {
                status = 1;
                pg_stop();
                continue;
            }
        }
        if (!bstore_setup(&bs[k], k == 1 ? pg_url : NULL)) {
            status = 1;
            bstore_teardown(&bs[k]);
            continue;
        }
        have[k] = true;
        for (int wl = 0; wl < 2; wl++) {
            for (int t = 0; t < 3; t++) {
                struct result *r = &res[k][wl][t];
                const char *wn = wl == W_WRITE ? "write" : "read";
                if (!run_one(&bs[k], (enum workload)wl, threads[t], secs, r))
                    status = 1;
                printf("bench: store_%s_%s_ops_t%d %.0f ops/s\n", bs[k].name, wn, threads[t],
                       r->ops);
                printf("bench: store_%s_%s_p99_t%d %.2f ms\n", bs[k].name, wn, threads[t], r->p99);
                if (wl == W_WRITE && k == 1)
                    printf("bench: store_pg_write_busy_t%d %ld retries\n", threads[t], r->busy);
                fflush(stdout);
            }
        }
        bstore_teardown(&bs[k]);
    }
    if (have[0] && have[1]) {
        for (int wl = 0; wl < 2; wl++)
            for (int t = 0; t < 3; t++)
                if (res[0][wl][t].ops > 0)
                    printf("bench: store_pg_vs_sqlite_%s_ratio_t%d %.2f x\n",
                           wl == W_WRITE ? "write" : "read", threads[t],
                           res[1][wl][t].ops / res[0][wl][t].ops);
    }
    pg_stop();
    return status;
}
