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
 *
 * The tree is built through the real path (queue, then sequencer rounds);
 * BENCH_LEDGER_N overrides N, BENCH_TMP the scratch folder (default /tmp).
 * Exit status 1 when anything fails.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
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
            struct ledger_event ev = {"bench.event", "bench", (*id)++, 1, "bench", NULL};
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
    struct counting cnt = {tx, 0};
    struct merkle_reader rd = {counting_read, &cnt};
    uint8_t root[MERKLE_HASH_LEN], lh[MERKLE_HASH_LEN];
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    const uint8_t(*p)[MERKLE_HASH_LEN] = (const uint8_t(*)[MERKLE_HASH_LEN])proof;
    uint64_t size = (uint64_t)total;
    size_t n;
    double gen = 0, ver = 0;
    const int probes = 1000;
    srand(42);
    if (merkle_root(log.alg, &rd, size, root) != MERKLE_OK)
        goto out_tx;
    cnt.reads = 0;
    for (int i = 0; i < probes; i++) {
        uint64_t idx = ((uint64_t)rand() * 7919u + (uint64_t)rand()) % size;
        if (ledger_read_hash(tx, 0, idx, lh) != 0)
            goto out_tx;
        t0 = now_s();
        if (merkle_inclusion_proof(log.alg, &rd, idx, size, proof, &n) != MERKLE_OK)
            goto out_tx;
        gen += now_s() - t0;
        t0 = now_s();
        if (merkle_inclusion_verify(log.alg, idx, size, lh, p, n, root) != MERKLE_OK)
            goto out_tx;
        ver += now_s() - t0;
    }
    printf("bench: ledger_inclusion_gen_us %.1f us\n", gen / probes * 1e6);
    printf("bench: ledger_inclusion_verify_us %.1f us\n", ver / probes * 1e6);
    printf("bench: ledger_proof_reads %.1f reads\n", (double)cnt.reads / probes);
    gen = ver = 0;
    for (int i = 0; i < probes; i++) {
        uint64_t m = 1 + ((uint64_t)rand() * 7919u + (uint64_t)rand()) % size;
        uint8_t rm[MERKLE_HASH_LEN];
        if (merkle_root(log.alg, &rd, m, rm) != MERKLE_OK)
            goto out_tx;
        t0 = now_s();
        if (merkle_consistency_proof(log.alg, &rd, m, size, proof, &n) != MERKLE_OK)
            goto out_tx;
        gen += now_s() - t0;
        t0 = now_s();
        if (merkle_consistency_verify(log.alg, m, size, rm, root, p, n) != MERKLE_OK)
            goto out_tx;
        ver += now_s() - t0;
    }
    printf("bench: ledger_consistency_gen_us %.1f us\n", gen / probes * 1e6);
    printf("bench: ledger_consistency_verify_us %.1f us\n", ver / probes * 1e6);
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
