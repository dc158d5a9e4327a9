/*
 * Unit tests for the draw's algorithm (domain/drawalg.h) and its record
 * (domain/draw_record.h): the worked example of docs/draw.md, number for
 * number (also computed by the independent Python in that page);
 * determinism; a changed seed, checkpoint or snapshot changes the order;
 * the forward shuffle's prefix stability; a rough uniformity check over
 * many seeds; validation of requests and snapshots; and a whole record —
 * with a real signed checkpoint and real inclusion proofs — that verifies,
 * then fails with the right check named for each kind of tampering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/evp.h>
#include <string.h>

#include "base/jsonw.h"
#include "crypto/random.h"
#include "domain/draw_record.h"
#include "domain/drawalg.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

/* ---- the worked example of docs/draw.md ---- */

static const char *s3[] = {"A", "A01", "A01.02"};
static const char *s5[] = {"A", "A01", "A01.01"};
static const char *s8[] = {"A", "A01", "A01.02", "C", "C01", "C01.03"};
static const char *s9[] = {"C", "C01", "C01.03"};
static const char *s12[] = {"A", "A01", "A01.04", "C", "C01", "C01.03"};
static const char *s15[] = {"A", "A01", "A01.01"};

static const struct draw_expert ex[] = {
    {3, "350102", s3, 3}, {5, "350100", s5, 3},   {8, "350200", s8, 6},
    {9, "350103", s9, 3}, {12, "350104", s12, 6}, {15, "350181", s15, 3},
};

static const struct draw_request ex_req[] = {{"A01", "350100", 2, 1}, {"C01.03", "", 1, 1}};

static const char ex_cp[] =
    "sunbid.local/ledger\n5\nq5JDAvZkr0fO3SCi/hWNgUpmNb4dPHkVtOq5rI9Y2+A=\n\n"
    "\xe2\x80\x94 sunbid.local/ledger "
    "Az3gFmZ4Zm9vYmFyYmF6cXV4cXV1eHh5eXp6MDAxMTIyMzM0NDU1NjY3Nzg4OTlhYWJiY2NkZA==\n";

static void ex_seed(uint8_t seed[DRAW_SEED_LEN])
{
    for (int i = 0; i < DRAW_SEED_LEN; i++)
        seed[i] = (uint8_t)i;
}

static void hex_eq(const uint8_t *h, const char *want)
{
    char hex[2 * DRAW_HASH_LEN + 1];
    drawalg_hex(h, DRAW_HASH_LEN, hex);
    assert_string_equal(hex, want);
}

/* The worked example run from a hash computed elsewhere (domain/draw.c
 * hashes the snapshot from its pool's lines): the same key and orders,
 * the lines are the snapshot text's, and a malformed expert has none. */
static void test_run_hashed(void **state)
{
    (void)state;
    uint8_t seed[DRAW_SEED_LEN], sha[DRAW_HASH_LEN];
    struct draw_run a, b;
    struct buf t;
    ex_seed(seed);
    buf_init(&t, 4096);
    assert_int_equal(buf_puts(&t, "sunbid-draw-snapshot/1\n"), BUF_OK);
    for (int i = 0; i < 6; i++)
        assert_int_equal(drawalg_snapshot_line(&ex[i], &t), DRAWALG_OK);
    crypto_sha256(t.data, t.len, sha);
    hex_eq(sha, "f054620ed26a61ed83ca122f2da9f83bb224e12661dbfa5851a623c49b966ecc");
    size_t len = t.len;
    struct draw_expert bad = ex[0];
    bad.region = "3501";
    assert_int_equal(drawalg_snapshot_line(&bad, &t), DRAWALG_EINVAL);
    assert_int_equal(t.len, len);
    buf_release(&t);
    assert_int_equal(drawalg_run(&a, seed, ex_cp, strlen(ex_cp), ex_req, 2, ex, 6), DRAWALG_OK);
    assert_int_equal(drawalg_run_hashed(&b, seed, ex_cp, strlen(ex_cp), ex_req, 2, ex, 6, sha),
                     DRAWALG_OK);
    assert_memory_equal(a.key, b.key, DRAW_HASH_LEN);
    for (int g = 0; g < 2; g++) {
        assert_int_equal(a.g[g].m, b.g[g].m);
        assert_memory_equal(a.g[g].a, b.g[g].a, a.g[g].m * sizeof(int64_t));
    }
    drawalg_run_release(&b);
    /* another hash is another key */
    sha[0] ^= 1;
    assert_int_equal(drawalg_run_hashed(&b, seed, ex_cp, strlen(ex_cp), ex_req, 2, ex, 6, sha),
                     DRAWALG_OK);
    assert_memory_not_equal(a.key, b.key, DRAW_HASH_LEN);
    drawalg_run_release(&a);
    drawalg_run_release(&b);
}

static void test_worked_example(void **state)
{
    (void)state;
    uint8_t seed[DRAW_SEED_LEN];
    char c[2 * DRAW_HASH_LEN + 1];
    struct draw_run r;
    struct buf b;
    ex_seed(seed);
    buf_init(&b, 4096);
    assert_int_equal(drawalg_snapshot_text(ex, 6, &b), 0);
    assert_string_equal(b.data, "sunbid-draw-snapshot/1\n"
                                "e 3 350102 A,A01,A01.02\n"
                                "e 5 350100 A,A01,A01.01\n"
                                "e 8 350200 A,A01,A01.02,C,C01,C01.03\n"
                                "e 9 350103 C,C01,C01.03\n"
                                "e 12 350104 A,A01,A01.04,C,C01,C01.03\n"
                                "e 15 350181 A,A01,A01.01\n");
    buf_reset(&b);
    assert_int_equal(drawalg_requests_text(ex_req, 2, &b), 0);
    assert_string_equal(b.data, "sunbid-draw-requests/1\n"
                                "g 1 A01 350100 2 1\n"
                                "g 2 C01.03 - 1 1\n");
    buf_release(&b);
    drawalg_commitment(seed, c);
    assert_string_equal(c, "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd");
    assert_int_equal(drawalg_run(&r, seed, ex_cp, strlen(ex_cp), ex_req, 2, ex, 6), DRAWALG_OK);
    hex_eq(r.checkpoint_sha, "daa739c7ec56e8d710fbd01f319f037bf3e8b28b126ae73d002c8cd87666349b");
    hex_eq(r.snapshot_sha, "f054620ed26a61ed83ca122f2da9f83bb224e12661dbfa5851a623c49b966ecc");
    hex_eq(r.requests_sha, "de61667c9cb0a8f37adb18ec77dc1ccc7fcaa0a6f761a2845063bf3b274a7f5b");
    hex_eq(r.key, "fb19031bb9373ad91149470b917992c3a5252d6f9a5a205b3c2afbc048948d33");
    /* group 1: A01 under 3501 -> 3, 5, 12, 15 (8 is in 3502); 3 positions */
    assert_int_equal(r.g[0].n, 4);
    assert_int_equal(r.g[0].m, 3);
    assert_int_equal(r.g[0].a[0], 5);
    assert_int_equal(r.g[0].a[1], 3);
    assert_int_equal(r.g[0].a[2], 12);
    /* group 2: C01.03 anywhere, less 12 (taken above) -> 8, 9 */
    assert_int_equal(r.g[1].n, 2);
    assert_int_equal(r.g[1].a[0], 9);
    assert_int_equal(r.g[1].a[1], 8);
    /* extending group 1 past its reserves */
    assert_int_equal(drawalg_extend(&r, 0, 10), DRAWALG_OK);
    assert_int_equal(r.g[0].m, 4);
    assert_int_equal(r.g[0].a[3], 15);
    assert_int_equal(drawalg_extend(&r, 5, 1), DRAWALG_EINVAL);
    drawalg_run_release(&r);
}

/* ---- properties on a larger pool ---- */

#define POOL 500
static struct draw_expert pool[POOL];
static const char *pool_specs_a[] = {"A", "A01", "A01.02"};
static const char *pool_specs_c[] = {"C", "C01", "C01.03"};
static const char *regions[] = {"350102", "350103", "350200", "350181"};

static void make_pool(void)
{
    for (int i = 0; i < POOL; i++) {
        pool[i].id = 10 + 3 * i;
        pool[i].region = regions[i % 4];
        pool[i].specs = i % 3 == 0 ? pool_specs_c : pool_specs_a;
        pool[i].nspecs = 3;
    }
}

static const struct draw_request pool_req[] = {{"A01", "350100", 5, 2}, {"C01", "", 2, 1}};

static void run_pool(struct draw_run *r, const uint8_t *seed, const char *cp,
                     const struct draw_expert *e, size_t n)
{
    assert_int_equal(drawalg_run(r, seed, cp, strlen(cp), pool_req, 2, e, n), DRAWALG_OK);
}

static bool same_order(const struct draw_run *a, const struct draw_run *b)
{
    for (int g = 0; g < a->ngroups; g++) {
        if (a->g[g].m != b->g[g].m)
            return false;
        for (size_t i = 0; i < a->g[g].m; i++)
            if (a->g[g].a[i] != b->g[g].a[i])
                return false;
    }
    return true;
}

static void test_determinism_and_sensitivity(void **state)
{
    (void)state;
    uint8_t seed[DRAW_SEED_LEN];
    struct draw_run a, b;
    make_pool();
    ex_seed(seed);
    run_pool(&a, seed, ex_cp, pool, POOL);
    run_pool(&b, seed, ex_cp, pool, POOL);
    assert_true(same_order(&a, &b));
    /* no expert twice, every one eligible for its group */
    for (int g = 0; g < 2; g++)
        for (size_t i = 0; i < a.g[g].m; i++)
            for (int h = 0; h < 2; h++)
                for (size_t k = 0; k < a.g[h].m; k++)
                    if (!(g == h && i == k))
                        assert_true(a.g[g].a[i] != a.g[h].a[k]);
    drawalg_run_release(&b);
    /* one bit of the seed */
    seed[7] ^= 1;
    run_pool(&b, seed, ex_cp, pool, POOL);
    assert_false(same_order(&a, &b));
    assert_memory_not_equal(a.key, b.key, DRAW_HASH_LEN);
    drawalg_run_release(&b);
    seed[7] ^= 1;
    /* one byte of the checkpoint */
    char cp2[sizeof ex_cp];
    memcpy(cp2, ex_cp, sizeof ex_cp);
    cp2[21] = '6'; /* size 5 -> 6 */
    run_pool(&b, seed, cp2, pool, POOL);
    assert_false(same_order(&a, &b));
    drawalg_run_release(&b);
    /* the snapshot without one expert who was not even drawn still moves the key */
    int drop = -1;
    for (int i = 0; i < POOL && drop < 0; i++) {
        bool used = false;
        for (int g = 0; g < 2; g++)
            for (size_t k = 0; k < a.g[g].m; k++)
                if (a.g[g].a[k] == pool[i].id)
                    used = true;
        if (!used)
            drop = i;
    }
    struct draw_expert *less = malloc(sizeof pool);
    memcpy(less, pool, (size_t)drop * sizeof pool[0]);
    memcpy(less + drop, pool + drop + 1, (size_t)(POOL - drop - 1) * sizeof pool[0]);
    run_pool(&b, seed, ex_cp, less, POOL - 1);
    assert_memory_not_equal(a.snapshot_sha, b.snapshot_sha, DRAW_HASH_LEN);
    assert_false(same_order(&a, &b));
    drawalg_run_release(&b);
    free(less);
    drawalg_run_release(&a);
}

static void test_prefix_stable(void **state)
{
    (void)state;
    uint8_t seed[DRAW_SEED_LEN];
    struct draw_run a, b;
    make_pool();
    ex_seed(seed);
    run_pool(&a, seed, ex_cp, pool, POOL);
    run_pool(&b, seed, ex_cp, pool, POOL);
    assert_int_equal(drawalg_extend(&b, 0, 40), DRAWALG_OK);
    assert_int_equal(b.g[0].m, 40);
    for (size_t i = 0; i < a.g[0].m; i++)
        assert_true(a.g[0].a[i] == b.g[0].a[i]);
    /* the full order is a permutation of the candidates */
    assert_int_equal(drawalg_extend(&b, 0, b.g[0].n), DRAWALG_OK);
    assert_int_equal(b.g[0].m, b.g[0].n);
    int64_t sum = 0, want = 0;
    for (size_t i = 0; i < b.g[0].n; i++)
        sum += b.g[0].a[i];
    for (int i = 0; i < POOL; i++)
        if (pool[i].specs == pool_specs_a && strncmp(pool[i].region, "3501", 4) == 0)
            want += pool[i].id;
    /* less the ids group 2 could not take: group 1 is first, it takes from all */
    assert_true(sum == want);
    drawalg_run_release(&a);
    drawalg_run_release(&b);
}

static void test_uniform_enough(void **state)
{
    (void)state;
    /* 6 candidates, 6000 seeds: each should come first about 1000 times */
    static const struct draw_request one[] = {{"A01", "", 1, 0}};
    int first[6] = {0};
    uint8_t seed[DRAW_SEED_LEN] = {0};
    for (int s = 0; s < 6000; s++) {
        struct draw_run r;
        seed[0] = (uint8_t)s;
        seed[1] = (uint8_t)(s >> 8);
        assert_int_equal(drawalg_run(&r, seed, ex_cp, strlen(ex_cp), one, 1, ex, 6), DRAWALG_OK);
        /* A01 holders: 3, 5, 8, 12, 15 */
        for (int k = 0; k < 6; k++)
            if (r.g[0].a[0] == ex[k].id)
                first[k]++;
        drawalg_run_release(&r);
    }
    assert_int_equal(first[3], 0); /* 9 has no A01 */
    for (int k = 0; k < 6; k++)
        if (k != 3 && (first[k] < 1000 || first[k] > 1400)) /* expected 1200 */
            fail_msg("expert %lld first %d times of 6000", (long long)ex[k].id, first[k]);
}

static void test_validation(void **state)
{
    (void)state;
    assert_true(drawalg_spec_ok("A01.02"));
    assert_false(drawalg_spec_ok(""));
    assert_false(drawalg_spec_ok(".A"));
    assert_false(drawalg_spec_ok("A."));
    assert_false(drawalg_spec_ok("A..1"));
    assert_false(drawalg_spec_ok("a01"));
    assert_false(drawalg_spec_ok("A 1"));
    assert_true(drawalg_region_ok(""));
    assert_true(drawalg_region_ok("350100"));
    assert_false(drawalg_region_ok("35010"));
    assert_false(drawalg_region_ok("3501x0"));
    assert_true(drawalg_region_match("", "350102"));
    assert_true(drawalg_region_match("350100", "350102"));
    assert_true(drawalg_region_match("350000", "350200"));
    assert_false(drawalg_region_match("350100", "350200"));
    assert_true(drawalg_region_match("350102", "350102"));
    assert_false(drawalg_region_match("350102", "350103"));
    struct draw_request bad[] = {{"A01", "", 0, 0}};
    assert_false(drawalg_requests_ok(bad, 1));
    bad[0].count = DRAW_COUNT_MAX + 1;
    assert_false(drawalg_requests_ok(bad, 1));
    bad[0].count = 1;
    bad[0].reserves = -1;
    assert_false(drawalg_requests_ok(bad, 1));
    assert_false(drawalg_requests_ok(bad, 0));
    /* a snapshot out of order, or with unsorted codes */
    struct draw_expert two[] = {ex[1], ex[0]};
    struct buf b;
    buf_init(&b, 4096);
    assert_int_equal(drawalg_snapshot_text(two, 2, &b), DRAWALG_EINVAL);
    static const char *unsorted[] = {"A01", "A"};
    struct draw_expert u = {1, "350100", unsorted, 2};
    buf_reset(&b);
    assert_int_equal(drawalg_snapshot_text(&u, 1, &b), DRAWALG_EINVAL);
    buf_release(&b);
    uint8_t seed[DRAW_SEED_LEN] = {0};
    struct draw_run r;
    assert_int_equal(drawalg_run(&r, seed, ex_cp, strlen(ex_cp), ex_req, 2, two, 2),
                     DRAWALG_EINVAL);
    /* the canonical snapshot parses back, and only canonical text does */
    struct arena a;
    struct draw_expert *back = NULL;
    size_t nb = 0;
    arena_init(&a, 0);
    buf_init(&b, 4096);
    assert_int_equal(drawalg_snapshot_text(ex, 6, &b), 0);
    assert_int_equal(drawalg_snapshot_parse(b.data, b.len, &a, &back, &nb), DRAWALG_OK);
    assert_int_equal(nb, 6);
    assert_int_equal(back[4].id, 12);
    assert_string_equal(back[4].specs[5], "C01.03");
    static const char *const noncanon[] = {
        "sunbid-draw-snapshot/1\ne 3 350102 A01,A\n",           /* codes unsorted */
        "sunbid-draw-snapshot/1\ne 03 350102 A\n",              /* leading zero */
        "sunbid-draw-snapshot/1\ne 3 350102 A\ne 2 350102 A\n", /* ids out of order */
        "sunbid-draw-snapshot/1\ne 3  350102 A\n",              /* two blanks */
        "sunbid-draw-snapshot/1\ne 3 350102 A",                 /* no final line break */
        "sunbid-draw-snapshot/2\n",
    };
    for (size_t i = 0; i < sizeof noncanon / sizeof noncanon[0]; i++)
        assert_int_equal(drawalg_snapshot_parse(noncanon[i], strlen(noncanon[i]), &a, &back, &nb),
                         DRAWALG_EINVAL);
    buf_release(&b);
    arena_release(&a);
    uint8_t raw[4];
    assert_true(drawalg_unhex("00fFa1", raw, 3));
    assert_int_equal(raw[1], 0xff);
    assert_false(drawalg_unhex("00fg", raw, 2));
    assert_false(drawalg_unhex("00f", raw, 2));
}

/* ---- a whole record ---- */

/* A small in-memory tree: every complete subtree hash by (level, index). */
#define TREE_LEAVES 16
static uint8_t tree[6][TREE_LEAVES][MERKLE_HASH_LEN];

static int tree_emit(void *ctx, unsigned level, uint64_t index, const uint8_t h[MERKLE_HASH_LEN])
{
    (void)ctx;
    memcpy(tree[level][index], h, MERKLE_HASH_LEN);
    return 0;
}

static int tree_read(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    (void)ctx;
    memcpy(out, tree[level][index], MERKLE_HASH_LEN);
    return 0;
}

struct fixture {
    struct arena a;
    struct note_key key;
    char *commit_entry, *run_entry;
    struct buf cp1, cp2; /* checkpoints after leaf 3 (commit) and leaf 6 (run) */
    uint8_t (*p1)[MERKLE_HASH_LEN];
    size_t n1;
    uint8_t (*p2)[MERKLE_HASH_LEN];
    size_t n2;
};

static char *entry(const char *type, const char *doc_hash)
{
    struct ledger_event ev = {.type = type,
                              .subject_type = "draw",
                              .subject_id = 7,
                              .actor_id = 0,
                              .actor_name = "system",
                              .doc_hash = doc_hash,
                              .tender_id = 3};
    struct buf b;
    buf_init(&b, 4096);
    assert_int_equal(ledger_event_json(&ev, 1767225600000, &b), 0);
    char *s = strdup(b.data);
    buf_release(&b);
    return s;
}

static void sign_cp(struct fixture *f, struct merkle_frontier *fr, struct buf *out)
{
    struct checkpoint cp = {0};
    struct buf text;
    snprintf(cp.origin, sizeof cp.origin, "test.example/log");
    cp.size = fr->size;
    assert_int_equal(merkle_frontier_root(fr, cp.root), MERKLE_OK);
    buf_init(&text, 1024);
    assert_int_equal(checkpoint_format(&cp, &text), 0);
    buf_init(out, NOTE_MAX_BYTES);
    assert_int_equal(note_sign(text.data, text.len, &f->key, 1, out), NOTE_OK);
    buf_release(&text);
}

static void build_log(struct fixture *f, const char *commitment, const char *snapshot_sha)
{
    struct merkle_frontier fr;
    uint8_t leaf[MERKLE_HASH_LEN];
    merkle_frontier_init(&fr, MERKLE_SHA256);
    struct merkle_reader rd = {tree_read, NULL};
    f->commit_entry = entry("draw.commit", commitment);
    f->run_entry = entry("draw.run", snapshot_sha);
    for (int i = 0; i < 8; i++) {
        const char *data = i == 3 ? f->commit_entry : i == 6 ? f->run_entry : "other";
        assert_int_equal(merkle_leaf_hash(MERKLE_SHA256, data, strlen(data), leaf), MERKLE_OK);
        assert_int_equal(merkle_frontier_append(&fr, leaf, tree_emit, NULL), MERKLE_OK);
        if (i == 4) { /* the first checkpoint after the commitment: size 5 */
            sign_cp(f, &fr, &f->cp1);
            f->p1 = malloc(MERKLE_MAX_PROOF * MERKLE_HASH_LEN);
            assert_int_equal(merkle_inclusion_proof(MERKLE_SHA256, &rd, 3, 5, f->p1, &f->n1),
                             MERKLE_OK);
        }
    }
    sign_cp(f, &fr, &f->cp2);
    f->p2 = malloc(MERKLE_MAX_PROOF * MERKLE_HASH_LEN);
    assert_int_equal(merkle_inclusion_proof(MERKLE_SHA256, &rd, 6, 8, f->p2, &f->n2), MERKLE_OK);
}

/* Makes the record of a draw over ex[] with ex_req, as domain/draw.c would. */
static void make_record(struct fixture *f, struct draw_record *r, struct buf *json)
{
    uint8_t seed[DRAW_SEED_LEN];
    struct draw_run run;
    char snap[2 * DRAW_HASH_LEN + 1];
    ex_seed(seed);
    memset(r, 0, sizeof(*r));
    r->draw_id = 7;
    r->tender_id = 3;
    r->tender_code = "350100-GC-2026-00001";
    r->state = "drawn";
    drawalg_commitment(seed, r->commitment);
    r->has_seed = true;
    memcpy(r->seed, seed, DRAW_SEED_LEN);
    memcpy(r->req, ex_req, sizeof ex_req);
    r->nreq = 2;
    /* the run needs the checkpoint, which needs the log, which needs the
     * snapshot hash: compute that first (the key does not matter for it) */
    assert_int_equal(drawalg_run(&run, seed, "x", 1, ex_req, 2, ex, 6), DRAWALG_OK);
    drawalg_hex(run.snapshot_sha, DRAW_HASH_LEN, snap);
    drawalg_run_release(&run);
    build_log(f, r->commitment, snap);
    r->checkpoint = f->cp1.data;
    r->checkpoint_len = f->cp1.len;
    r->log_hash = "sha256";
    r->commit = (struct draw_log_entry){true, 3, f->commit_entry, f->p1, f->n1, NULL};
    r->run = (struct draw_log_entry){true, 6, f->run_entry, f->p2, f->n2, f->cp2.data};
    memcpy(r->snapshot_sha, snap, sizeof snap);
    static struct draw_expert snap_ex[6];
    memcpy(snap_ex, ex, sizeof snap_ex);
    r->experts = snap_ex;
    r->nexperts = 6;
    static struct draw_excluded exc[] = {{21, "employee"}, {22, "relation"}};
    r->excluded = exc;
    r->nexcluded = 2;
    assert_int_equal(drawalg_run(&run, seed, r->checkpoint, r->checkpoint_len, ex_req, 2, ex, 6),
                     DRAWALG_OK);
    static int64_t o1[3], o2[2];
    memcpy(o1, run.g[0].a, sizeof o1);
    memcpy(o2, run.g[1].a, sizeof o2);
    r->orders[0] = o1;
    r->norder[0] = 3;
    r->orders[1] = o2;
    r->norder[1] = 2;
    static struct draw_member_rec m[5];
    m[0] = (struct draw_member_rec){o1[0], 1, 0, "primary", "confirmed", 0, NULL};
    m[1] = (struct draw_member_rec){o1[1], 1, 1, "primary", "declined", 0, "ill"};
    m[2] = (struct draw_member_rec){o1[2], 1, 2, "reserve", "confirmed", o1[1], NULL};
    m[3] = (struct draw_member_rec){o2[0], 2, 0, "primary", "confirmed", 0, NULL};
    m[4] = (struct draw_member_rec){o2[1], 2, 1, "reserve", "reserve", 0, NULL};
    r->members = m;
    r->nmembers = 5;
    drawalg_run_release(&run);
    buf_init(json, 1 << 20);
    assert_int_equal(draw_record_write(r, json), 0);
}

static void fixture_init(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    arena_init(&f->a, 0);
    assert_int_equal(note_key_generate(&f->key, "test.example/log", NOTE_ED25519), NOTE_OK);
}

static void fixture_release(struct fixture *f)
{
    arena_release(&f->a);
    note_key_release(&f->key);
    free(f->commit_entry);
    free(f->run_entry);
    free(f->p1);
    free(f->p2);
    buf_release(&f->cp1);
    buf_release(&f->cp2);
}

/* Parses text and verifies; returns the name of the first failed check, or
 * NULL when all pass. */
static const char *verify_text(struct fixture *f, const char *text, bool with_key)
{
    static char failed[64];
    struct draw_record r;
    struct draw_check ch[DRAW_CHECKS_MAX];
    char why[256];
    int n = 0;
    if (!draw_record_parse(text, strlen(text), &f->a, &r, why, sizeof why))
        return "parse";
    bool ok = draw_record_verify(&r, with_key ? &f->key : NULL, with_key ? 1 : 0, ch, &n);
    for (int i = 0; i < n; i++)
        if (!ch[i].ok) {
            snprintf(failed, sizeof failed, "%s", ch[i].name);
            return failed;
        }
    assert_true(ok);
    return NULL;
}

/* Replaces the first occurrence of `from` in text by `to` (new heap string). */
static char *replace(const char *text, const char *from, const char *to)
{
    const char *p = strstr(text, from);
    assert_non_null(p);
    size_t n = strlen(text) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    size_t pre = (size_t)(p - text);
    memcpy(out, text, pre);
    memcpy(out + pre, to, strlen(to));
    memcpy(out + pre + strlen(to), p + strlen(from), strlen(p + strlen(from)) + 1);
    return out;
}

static void test_record_verifies(void **state)
{
    (void)state;
    struct fixture f;
    struct draw_record r, back;
    struct buf json;
    char why[256];
    fixture_init(&f);
    make_record(&f, &r, &json);
    assert_null(verify_text(&f, json.data, true));
    assert_null(verify_text(&f, json.data, false));
    /* the record parses back to what was written */
    assert_true(draw_record_parse(json.data, json.len, &f.a, &back, why, sizeof why));
    assert_int_equal(back.nexperts, 6);
    assert_int_equal(back.nmembers, 5);
    assert_string_equal(back.members[1].reason, "ill");
    assert_int_equal(back.members[2].replaces, r.members[2].replaces);
    assert_int_equal(back.nexcluded, 2);
    assert_string_equal(back.checkpoint, f.cp1.data);
    /* the check list, in order */
    struct draw_check ch[DRAW_CHECKS_MAX];
    int n = 0;
    assert_true(draw_record_verify(&back, NULL, 0, ch, &n));
    static const char *names[] = {"format",           "commitment",     "commit-entry",
                                  "commit-inclusion", "checkpoint-key", "snapshot",
                                  "run-entry",        "order",          "members"};
    assert_int_equal(n, 9);
    for (int i = 0; i < n; i++)
        assert_string_equal(ch[i].name, names[i]);
    assert_true(ch[4].skipped);
    buf_release(&json);
    fixture_release(&f);
}

static void test_record_tampered(void **state)
{
    (void)state;
    struct fixture f;
    struct draw_record r;
    struct buf json;
    char *t;
    char hex[2 * DRAW_SEED_LEN + 1];
    fixture_init(&f);
    make_record(&f, &r, &json);

    /* another seed: the commitment fails first */
    drawalg_hex(r.seed, DRAW_SEED_LEN, hex);
    char other[sizeof hex];
    memcpy(other, hex, sizeof hex);
    other[0] = other[0] == '0' ? '1' : '0';
    t = replace(json.data, hex, other);
    assert_string_equal(verify_text(&f, t, false), "commitment");
    free(t);

    /* a seed and a commitment that match but are not the logged ones */
    {
        uint8_t s2[DRAW_SEED_LEN];
        char c2[2 * DRAW_HASH_LEN + 1];
        assert_true(drawalg_unhex(other, s2, DRAW_SEED_LEN));
        drawalg_commitment(s2, c2);
        char *t1 = replace(json.data, hex, other);
        t = replace(t1, r.commitment, c2);
        assert_string_equal(verify_text(&f, t, false), "commit-entry");
        free(t1);
        free(t);
    }

    /* another checkpoint (the later one): the commit proof fails */
    {
        struct buf esc1, esc2;
        buf_init(&esc1, 1 << 16);
        buf_init(&esc2, 1 << 16);
        json_escape(&esc1, f.cp1.data, f.cp1.len);
        json_escape(&esc2, f.cp2.data, f.cp2.len);
        t = replace(json.data, esc1.data, esc2.data);
        assert_string_equal(verify_text(&f, t, false), "commit-inclusion");
        free(t);
        buf_release(&esc1);
        buf_release(&esc2);
    }

    /* a checkpoint signed by someone else: only with the key */
    {
        struct note_key other_key;
        struct buf cp, esc1, esc2;
        size_t tl = draw_note_text_len(f.cp1.data, f.cp1.len);
        assert_int_equal(note_key_generate(&other_key, "test.example/log", NOTE_ED25519), 0);
        buf_init(&cp, NOTE_MAX_BYTES);
        assert_int_equal(note_sign(f.cp1.data, tl, &other_key, 1, &cp), NOTE_OK);
        buf_init(&esc1, 1 << 16);
        buf_init(&esc2, 1 << 16);
        json_escape(&esc1, f.cp1.data, f.cp1.len);
        json_escape(&esc2, cp.data, cp.len);
        t = replace(json.data, esc1.data, esc2.data);
        /* the body is the same: the order holds, the key does not */
        assert_string_equal(verify_text(&f, t, true), "checkpoint-key");
        free(t);
        note_key_release(&other_key);
        buf_release(&cp);
        buf_release(&esc1);
        buf_release(&esc2);
    }

    /* an expert's region changed in the snapshot */
    t = replace(json.data, "[15,\"350181\"", "[15,\"350182\"");
    assert_string_equal(verify_text(&f, t, false), "snapshot");
    free(t);

    /* the snapshot changed and its hash made to match: the log's run
     * entry no longer agrees */
    {
        struct buf snap;
        uint8_t h[DRAW_HASH_LEN];
        char hx[2 * DRAW_HASH_LEN + 1];
        struct draw_expert e2[6];
        memcpy(e2, ex, sizeof e2);
        e2[5].region = "350182";
        buf_init(&snap, 1 << 16);
        assert_int_equal(drawalg_snapshot_text(e2, 6, &snap), 0);
        unsigned int hl = 0;
        EVP_Digest(snap.data, snap.len, h, &hl, EVP_sha256(), NULL);
        drawalg_hex(h, DRAW_HASH_LEN, hx);
        char from[100], to[100];
        snprintf(from, sizeof from, "\"sha256\":\"%s\"", r.snapshot_sha);
        snprintf(to, sizeof to, "\"sha256\":\"%s\"", hx);
        char *t1 = replace(json.data, "[15,\"350181\"", "[15,\"350182\"");
        t = replace(t1, from, to);
        assert_string_equal(verify_text(&f, t, false), "run-entry");
        free(t1);
        free(t);
        buf_release(&snap);
    }

    /* the recorded order changed (two positions swapped) */
    {
        char from[64], to[64];
        snprintf(from, sizeof from, "\"orders\":[[%lld,%lld", (long long)r.orders[0][0],
                 (long long)r.orders[0][1]);
        snprintf(to, sizeof to, "\"orders\":[[%lld,%lld", (long long)r.orders[0][1],
                 (long long)r.orders[0][0]);
        t = replace(json.data, from, to);
        assert_string_equal(verify_text(&f, t, false), "order");
        free(t);
    }

    /* a member moved to another position */
    {
        char from[64];
        snprintf(from, sizeof from, "{\"expert\":%lld,\"group\":1,\"position\":0",
                 (long long)r.orders[0][0]);
        char to[64];
        snprintf(to, sizeof to, "{\"expert\":%lld,\"group\":1,\"position\":1",
                 (long long)r.orders[0][0]);
        t = replace(json.data, from, to);
        assert_string_equal(verify_text(&f, t, false), "members");
        free(t);
    }

    /* a reserve called a primary */
    t = replace(json.data, "\"position\":2,\"role\":\"reserve\"",
                "\"position\":2,\"role\":\"primary\"");
    assert_string_equal(verify_text(&f, t, false), "members");
    free(t);

    /* the seed withheld: cannot check */
    drawalg_hex(r.seed, DRAW_SEED_LEN, hex);
    char quoted[80];
    snprintf(quoted, sizeof quoted, "\"%s\"", hex);
    t = replace(json.data, quoted, "null");
    assert_string_equal(verify_text(&f, t, false), "commitment");
    free(t);

    /* malformed records are refused by the parser */
    static const char *bad[] = {
        "",
        "[]",
        "{\"format\":\"other\"}",
        "{\"format\":\"sunbid-draw-record/1\",\"draw\":1}",
        "{\"format\":\"sunbid-draw-record/1\",\"format\":\"sunbid-draw-record/1\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_string_equal(verify_text(&f, bad[i], false), "parse");
    t = replace(json.data, "\"hash\":\"sha256\"", "\"hash\":\"md5\"");
    assert_string_equal(verify_text(&f, t, false), "parse");
    free(t);
    t = replace(json.data, "\"specialty\":\"A01\"", "\"specialty\":\"a01\"");
    assert_string_equal(verify_text(&f, t, false), "parse");
    free(t);

    buf_release(&json);
    fixture_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_example),
        cmocka_unit_test(test_run_hashed),
        cmocka_unit_test(test_determinism_and_sensitivity),
        cmocka_unit_test(test_prefix_stable),
        cmocka_unit_test(test_uniform_enough),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_record_verifies),
        cmocka_unit_test(test_record_tampered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
