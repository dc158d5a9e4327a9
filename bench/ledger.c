/*
 * ledger.c — bench_ledger: the witness log's benchmark (issue 4), SQLite.
 *
 * Figures, each on its own line as "bench: NAME VALUE UNIT":
 *   ledger_sha256_node_hashes   raw OpenSSL SHA-256 over 65-byte inputs (one
 *   ledger_sm3_node_hashes      interior node's worth), hashes/s, and MB/s over
 *   ledger_sha256_mbps          16 KiB buffers: the ceiling the append rate is
 *   ledger_sm3_mbps             compared to
 *   ledger_append_single        ledger_append in its own durable transaction, appends/s
 *   ledger_append_batched       1000 ledger_append per transaction, appends/s
 *   ledger_integrate            sequencer rounds (1024 per transaction: leaf,
 *                               subtree rows, queue delete), entries/s
 *   ledger_inclusion_gen_us     at N entries (default 1,000,000): generating
 *   ledger_inclusion_verify_us  an inclusion proof (in a READ transaction) and
 *   ledger_consistency_gen_us   verifying it, mean over 1000 random leaves;
 *   ledger_consistency_verify_us likewise consistency proofs between random sizes
 *   ledger_proof_reads          mean stored-hash reads per inclusion proof
 *   cert_build_100_entries_ms   a witness certificate (ledger/cert.h) of a
 *                               subject with 100 entries, built in a READ
 *                               transaction on that tree
 *   cert_verify_1_entry_us      cert_verify of a one-entry certificate with
 *   cert_verify_100_entries_ms  the log key pinned, and of the 100-entry one
 *                               (mean over repeated runs; no witness or TSA)
 *
 * Then a big tree, built directly through the store's leaf and node inserts
 * (synthetic 16-byte entries, one transaction per 2^20 leaves, no queue
 * or signing) in its own scratch store, deleted afterwards, with BIG
 * leaves (default 10,000,000; BENCH_LEDGER_BIG=0 skips it):
 *   ledger_big_build_entries_per_s, ledger_big_db_mb    how long it took, disk used
 *   ledger_inclusion_gen_us_1m / _verify_us_1m          as above, against the
 *   ledger_consistency_gen_us_1m / _verify_us_1m        tree's first 1,000,000
 *   ledger_inclusion_gen_us_10m / ... _10m              and against all BIG
 *                                                       (named _10m for the default)
 *   ledger_proof_reads_1m, ledger_proof_reads_10m
 * The first 1 M leaves of the big tree are a tree of 1 M leaves (the stored
 * subtrees are the same), so one build gives both sizes.
 *
 * The first tree is built through the real path (queue, then sequencer
 * rounds); BENCH_LEDGER_N overrides N, BENCH_TMP the scratch folder
 * (default /tmp). Exit status 1 when anything fails.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "ledger/cert.h"
#include "ledger/ledger.h"
#include "store/ledger.h"

static double now_s(void)
{
    return (double)clock_mono_ns() / 1e9;
}

static void hash_rate(const char *name, const char *md_name)
{
    EVP_MD *md = EVP_MD_fetch(NULL, md_name, NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char in[16384], out[64];
    unsigned int ol;
    long n = 0;
    double t0, t;
    if (md == NULL || ctx == NULL) {
        printf("bench: ledger_%s_node_hashes 0 unavailable\n", name);
        goto out;
    }
    memset(in, 0xa5, sizeof in);
    t0 = now_s();
    do {
        for (int i = 0; i < 10000; i++) {
            EVP_DigestInit_ex2(ctx, md, NULL);
            EVP_DigestUpdate(ctx, in, 65);
            EVP_DigestFinal_ex(ctx, out, &ol);
        }
        n += 10000;
        t = now_s() - t0;
    } while (t < 1.0);
    printf("bench: ledger_%s_node_hashes %.0f hashes/s\n", name, (double)n / t);
    n = 0;
    t0 = now_s();
    do {
        for (int i = 0; i < 100; i++) {
            EVP_DigestInit_ex2(ctx, md, NULL);
            EVP_DigestUpdate(ctx, in, sizeof in);
            EVP_DigestFinal_ex(ctx, out, &ol);
        }
        n += 100;
        t = now_s() - t0;
    } while (t < 1.0);
    printf("bench: ledger_%s_mbps %.1f MB/s\n", name, (double)n * sizeof in / t / 1e6);
out:
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
}

static int append(struct store *s, int per_tx, int count, int64_t *id)
{
    for (int done = 0; done < count; done += per_tx) {
        struct store_tx *tx = NULL;
        if (store_begin(s, STORE_WRITE, &tx) != STORE_OK)
            return -1;
        for (int i = 0; i < per_tx; i++) {
            struct ledger_event ev = {"bench.event", "bench", (*id)++, 1, "bench", NULL, 0};
            if (ledger_append(tx, &ev) != STORE_OK) {
                store_rollback(tx);
                return -1;
            }
        }
        if (store_commit(tx) != STORE_OK)
            return -1;
    }
    return 0;
}

static int integrate(struct store *s, struct ledger_log *log, long *total)
{
    int n;
    int64_t sz;
    do {
        if (ledger_sequencer_run_once(s, log, &n, &sz) != STORE_OK)
            return -1;
        *total += n;
    } while (n > 0);
    return 0;
}

struct counting {
    struct store_tx *tx;
    long reads;
};

static int counting_read(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    struct counting *c = ctx;
    c->reads++;
    return ledger_read_hash(c->tx, level, index, out);
}

/* Mean microseconds of inclusion and consistency proof generation and
 * verification against the first `size` leaves of the stored tree, over
 * `probes` random leaves / sizes; printed with the suffix (e.g. "_1m"). */
static int proofs_at(struct store_tx *tx, enum merkle_alg alg, uint64_t size, int probes,
                     const char *suffix)
{
    struct counting cnt = {tx, 0};
    struct merkle_reader rd = {counting_read, &cnt};
    uint8_t root[MERKLE_HASH_LEN], lh[MERKLE_HASH_LEN], rm[MERKLE_HASH_LEN];
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    const uint8_t(*p)[MERKLE_HASH_LEN] = (const uint8_t(*)[MERKLE_HASH_LEN])proof;
    double gen = 0, ver = 0, t0;
    size_t n;
    if (merkle_root(alg, &rd, size, root) != MERKLE_OK)
        return -1;
    cnt.reads = 0;
    for (int i = 0; i < probes; i++) {
        uint64_t idx = ((uint64_t)rand() * 7919u + (uint64_t)rand()) % size;
        if (ledger_read_hash(tx, 0, idx, lh) != 0)
            return -1;
        t0 = now_s();
        if (merkle_inclusion_proof(alg, &rd, idx, size, proof, &n) != MERKLE_OK)
            return -1;
        gen += now_s() - t0;
        t0 = now_s();
        if (merkle_inclusion_verify(alg, idx, size, lh, p, n, root) != MERKLE_OK)
            return -1;
        ver += now_s() - t0;
    }
    long reads = cnt.reads;
    printf("bench: ledger_inclusion_gen_us%s %.1f us\n", suffix, gen / probes * 1e6);
    printf("bench: ledger_inclusion_verify_us%s %.1f us\n", suffix, ver / probes * 1e6);
    printf("bench: ledger_proof_reads%s %.1f reads\n", suffix, (double)reads / probes);
    gen = ver = 0;
    for (int i = 0; i < probes; i++) {
        uint64_t m = 1 + ((uint64_t)rand() * 7919u + (uint64_t)rand()) % size;
        if (merkle_root(alg, &rd, m, rm) != MERKLE_OK)
            return -1;
        t0 = now_s();
        if (merkle_consistency_proof(alg, &rd, m, size, proof, &n) != MERKLE_OK)
            return -1;
        gen += now_s() - t0;
        t0 = now_s();
        if (merkle_consistency_verify(alg, m, size, rm, root, p, n) != MERKLE_OK)
            return -1;
        ver += now_s() - t0;
    }
    printf("bench: ledger_consistency_gen_us%s %.1f us\n", suffix, gen / probes * 1e6);
    printf("bench: ledger_consistency_verify_us%s %.1f us\n", suffix, ver / probes * 1e6);
    return 0;
}

/* Certificates on the real tree: 100 entries of tender 1, then build and
 * verify timings. */
static int cert_figures(struct store *s, struct ledger_log *log, int64_t *id)
{
    struct store_tx *tx = NULL;
    struct cert one = {0}, hundred = {0};
    struct cert_report r = {0};
    struct cert_request rq1 = {"entry", 0, true}, rq100 = {"tender", 1, true};
    struct cert_trust trust = {log->keys, (size_t)log->nkeys, NULL, 0, NULL, false};
    long total = 0;
    double t0, t;
    int rc = -1, runs;

    if (store_begin(s, STORE_WRITE, &tx) != STORE_OK)
        return -1;
    for (int i = 0; i < 100; i++) {
        struct ledger_event ev = {.type = "bench.bid",
                                  .subject_type = "bid",
                                  .subject_id = (*id)++,
                                  .actor_id = 1,
                                  .actor_name = "bench",
                                  .tender_id = 1};
        if (ledger_append(tx, &ev) != STORE_OK) {
            store_rollback(tx);
            return -1;
        }
    }
    if (store_commit(tx) != STORE_OK || integrate(s, log, &total) != 0)
        return -1;
    if (store_begin(s, STORE_READ, &tx) != STORE_OK)
        return -1;
    if (cert_build(tx, &rq1, 0, &one) != CERT_OK)
        goto out;
    t0 = now_s();
    runs = 0;
    do {
        cert_free(&hundred);
        if (cert_build(tx, &rq100, 0, &hundred) != CERT_OK || hundred.nentries != 100)
            goto out;
        runs++;
        t = now_s() - t0;
    } while (t < 1.0);
    printf("bench: cert_build_100_entries_ms %.2f ms\n", t / runs * 1e3);
    store_rollback(tx);
    tx = NULL;
    t0 = now_s();
    runs = 0;
    do {
        if (cert_verify(&one, &trust, &r) != CERT_OK)
            goto out;
        cert_report_free(&r);
        runs++;
        t = now_s() - t0;
    } while (t < 1.0);
    printf("bench: cert_verify_1_entry_us %.1f us\n", t / runs * 1e6);
    t0 = now_s();
    runs = 0;
    do {
        if (cert_verify(&hundred, &trust, &r) != CERT_OK)
            goto out;
        cert_report_free(&r);
        runs++;
        t = now_s() - t0;
    } while (t < 1.0);
    printf("bench: cert_verify_100_entries_ms %.2f ms\n", t / runs * 1e3);
    rc = 0;
out:
    store_rollback(tx);
    cert_report_free(&r);
    cert_free(&one);
    cert_free(&hundred);
    return rc;
}

struct big_emit {
    struct store_tx *tx;
};

static int big_node(void *ctx, unsigned level, uint64_t index, const uint8_t h[MERKLE_HASH_LEN])
{
    struct big_emit *e = ctx;
    if (level == 0)
        return 0;
    return store_ledger_node_insert(e->tx, level, (int64_t)index, h) == STORE_OK ? 0 : -1;
}

/* A tree of `big` synthetic leaves in a scratch store under tmp, straight
 * through the store's inserts; then proofs at 1 M and at `big`. */
static int big_tree(const char *tmp, long big)
{
    char dir[512], err[256], cmd[600], path[600];
    struct store *s = NULL;
    struct merkle_frontier *f = malloc(sizeof *f);
    struct store_tx *tx = NULL;
    int applied, rc = -1;
    double t0 = now_s(), t;
    struct stat st;

    snprintf(dir, sizeof dir, "%s/bench-ledger-big-%d", tmp, (int)getpid());
    if (f == NULL || store_open(&s, NULL, dir, err, sizeof err) != STORE_OK ||
        store_migrate(s, &applied) != STORE_OK) {
        fprintf(stderr, "bench_ledger: big tree: %s\n", err);
        goto out;
    }
    merkle_frontier_init(f, MERKLE_SHA256);
    for (long done = 0; done < big;) {
        long chunk = big - done < (1L << 20) ? big - done : (1L << 20);
        struct big_emit e;
        if (store_begin(s, STORE_WRITE, &tx) != STORE_OK)
            goto out;
        e.tx = tx;
        for (long i = done; i < done + chunk; i++) {
            char entry[32];
            uint8_t lh[MERKLE_HASH_LEN];
            int n = snprintf(entry, sizeof entry, "bench-%010ld", i);
            if (merkle_leaf_hash(MERKLE_SHA256, entry, (size_t)n, lh) != MERKLE_OK ||
                store_ledger_leaf_insert(tx, i, entry, (size_t)n, lh, 0, 0) != STORE_OK ||
                merkle_frontier_append(f, lh, big_node, &e) != MERKLE_OK)
                goto out;
        }
        if (store_commit(tx) != STORE_OK)
            goto out;
        tx = NULL;
        done += chunk;
    }
    t = now_s() - t0;
    printf("bench: ledger_big_build_entries_per_s %.0f entries/s\n", (double)big / t);
    snprintf(path, sizeof path, "%s/sunbid.db", dir);
    if (stat(path, &st) == 0)
        printf("bench: ledger_big_db_mb %.0f MB\n", (double)st.st_size / 1e6);
    printf("bench: ledger_big_tree_size %ld entries\n", big);
    if (store_begin(s, STORE_READ, &tx) != STORE_OK)
        goto out;
    if (big >= 1000000 && proofs_at(tx, MERKLE_SHA256, 1000000, 1000, "_1m") != 0)
        goto out;
    if (proofs_at(tx, MERKLE_SHA256, (uint64_t)big, 1000, big == 10000000 ? "_10m" : "_big") != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "bench_ledger: big tree failed (%s)\n", store_errmsg(s));
    store_rollback(tx);
    store_close(s);
    free(f);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        rc = -1;
    return rc;
}

int main(void)
{
    const char *tmp = getenv("BENCH_TMP");
    const char *nv = getenv("BENCH_LEDGER_N");
    long target = nv ? strtol(nv, NULL, 10) : 1000000;
    char dir[512], err[256], cmd[600];
    struct store *s = NULL;
    struct ledger_log log;
    struct ledger_options opt = {.checkpoint_every = 1 << 30, .checkpoint_ms = 1};
    int applied, rc = 1;
    int64_t id = 0;
    long total = 0;
    double t0, t;

    log_set_level(LOG_WARN);
    hash_rate("sha256", "SHA256");
    hash_rate("sm3", "SM3");

    snprintf(dir, sizeof dir, "%s/bench-ledger-%d", tmp ? tmp : "/tmp", (int)getpid());
    if (store_open(&s, NULL, dir, err, sizeof err) != STORE_OK || store_migrate(s, &applied) ||
        ledger_log_open(s, dir, &opt, &log, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "bench_ledger: %s\n", err);
        return 1;
    }
    /* appends, one durable transaction each */
    t0 = now_s();
    long single = 0;
    do {
        if (append(s, 1, 50, &id) != 0)
            goto out;
        single += 50;
        t = now_s() - t0;
    } while (t < 2.0);
    printf("bench: ledger_append_single %.0f appends/s\n", (double)single / t);
    /* batched */
    t0 = now_s();
    long batched = 0;
    do {
        if (append(s, 1000, 1000, &id) != 0)
            goto out;
        batched += 1000;
        t = now_s() - t0;
    } while (t < 2.0);
    printf("bench: ledger_append_batched %.0f appends/s\n", (double)batched / t);
    /* integrate them, then build the rest of the tree in 100k slices */
    double integ_t = 0;
    t0 = now_s();
    if (integrate(s, &log, &total) != 0)
        goto out;
    integ_t += now_s() - t0;
    while (total < target) {
        long chunk = target - total < 100000 ? target - total : 100000;
        if (append(s, 10000 < chunk ? 10000 : (int)chunk, (int)chunk, &id) != 0)
            goto out;
        t0 = now_s();
        if (integrate(s, &log, &total) != 0)
            goto out;
        integ_t += now_s() - t0;
    }
    printf("bench: ledger_integrate %.0f entries/s\n", (double)total / integ_t);
    printf("bench: ledger_tree_size %ld entries\n", total);

    /* proofs at this size */
    struct store_tx *tx = NULL;
    if (store_begin(s, STORE_READ, &tx) != STORE_OK)
        goto out;
    srand(42);
    if (proofs_at(tx, log.alg, (uint64_t)total, 1000, "") != 0)
        goto out_tx;
    store_rollback(tx);
    tx = NULL;
    if (cert_figures(s, &log, &id) != 0)
        goto out_tx;
    const char *bv = getenv("BENCH_LEDGER_BIG");
    long big = bv ? strtol(bv, NULL, 10) : 10000000;
    if (big > 0 && big_tree(tmp ? tmp : "/tmp", big) != 0)
        goto out_tx;
    rc = 0;
out_tx:
    store_rollback(tx);
out:
    if (rc != 0)
        fprintf(stderr, "bench_ledger: failed (%s)\n", store_errmsg(s));
    ledger_log_release(&log);
    store_close(s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        rc = 1;
    return rc;
}
