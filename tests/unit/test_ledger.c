/*
 * Unit tests for ledger/ledger.h on a fresh SQLite store: canonical JSON,
 * queueing in the caller's transaction, the sequencer's rounds (batches,
 * stored subtrees, checkpoints), proofs over the stored tree, reopening,
 * SM3 logs with two signatures, missing keys, append-only tables.
 * (The PostgreSQL path is covered by tests/integration/test_ledger.c's _pg
 * variant.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "ledger/ledger.h"
#include "store/ledger.h"

struct fx {
    char dir[512];
    struct store *s;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    const char *tmp = getenv("SUNBID_TEST_TMP");
    static int seq;
    char err[256];
    int applied;
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "%s/ledger-%d-%d", tmp ? tmp : "/tmp", (int)getpid(), seq++);
    clock_manual(1764400000000);
    if (store_open(&f->s, NULL, f->dir, err, sizeof err) != STORE_OK)
        fail_msg("store_open: %s", err);
    assert_int_equal(store_migrate(f->s, &applied), STORE_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[600];
    store_close(f->s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void append_n(struct store *s, int from, int n)
{
    struct store_tx *tx = NULL;
    assert_int_equal(store_begin(s, STORE_WRITE, &tx), STORE_OK);
    for (int i = from; i < from + n; i++) {
        struct ledger_event ev = {"org.create", "org", i, 1, "admin", NULL, 0};
        assert_int_equal(ledger_append(tx, &ev), STORE_OK);
    }
    assert_int_equal(store_commit(tx), STORE_OK);
}

/* Runs rounds until the queue is empty; returns the last signed size. */
static int64_t drain(struct store *s, struct ledger_log *log)
{
    int n;
    int64_t signed_size = -1, last = -1;
    do {
        assert_int_equal(ledger_sequencer_run_once(s, log, &n, &signed_size), STORE_OK);
        if (signed_size >= 0)
            last = signed_size;
    } while (n > 0);
    return last;
}

/* The latest checkpoint, verified with the log's keys. */
static void latest(struct store *s, struct ledger_log *log, struct checkpoint *cp)
{
    struct store_tx *tx = NULL;
    struct buf note;
    int64_t size, ms;
    size_t tl;
    int good;
    buf_init(&note, NOTE_MAX_BYTES);
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_ledger_checkpoint_latest(tx, &size, &ms, &note), STORE_OK);
    store_rollback(tx);
    assert_int_equal(note_open(note.data, note.len, log->keys, (size_t)log->nkeys, &tl, &good),
                     NOTE_OK);
    assert_int_equal(good, log->nkeys);
    assert_int_equal(checkpoint_parse(note.data, tl, cp), NOTE_OK);
    assert_int_equal((int64_t)cp->size, size);
    assert_string_equal(cp->origin, log->origin);
    buf_release(&note);
}

static void test_event_json(void **state)
{
    struct buf b;
    buf_init(&b, 4096);
    struct ledger_event ev = {"org.create", "org", 7, 1, "ad\"m\\in\n\x01", "ab12", 0};
    assert_int_equal(ledger_event_json(&ev, 1764400000000, &b), 0);
    assert_string_equal(b.data, "{\"actor\":{\"id\":1,\"name\":\"ad\\\"m\\\\in\\n\\u0001\"},"
                                "\"doc_hash\":\"ab12\",\"subject\":{\"id\":7,\"type\":\"org\"},"
                                "\"time_ms\":1764400000000,\"type\":\"org.create\",\"v\":1}");
    struct ledger_event bad[] = {
        {"Org.create", "org", 1, 1, "a", NULL, 0},    {"org.create", "", 1, 1, "a", NULL, 0},
        {"org.create", "org", 1, 1, NULL, NULL, 0},   {"org.create", "org", 1, 1, "a", "AB", 0},
        {"org.create", "org", 1, 1, "\xff", NULL, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf_reset(&b);
        assert_int_equal(ledger_event_json(&bad[i], 0, &b), -1);
    }
    buf_release(&b);
}

static void test_sequence_and_prove(void **state)
{
    struct fx *f = *state;
    struct ledger_log log;
    struct ledger_options opt = {.origin = "test.example/log",
                                 .batch_max = 16,
                                 .checkpoint_every = 1000000,
                                 .checkpoint_ms = 1000};
    char err[256];
    struct checkpoint cp, cp0;

    assert_int_equal(ledger_log_open(f->s, f->dir, &opt, &log, err, sizeof err), STORE_OK);
    assert_int_equal(log.nkeys, 1);
    assert_int_equal(log.alg, MERKLE_SHA256);
    /* the first round signs the empty tree */
    assert_int_equal(drain(f->s, &log), 0);
    latest(f->s, &log, &cp0);
    assert_int_equal(cp0.size, 0);

    /* a rolled-back write queues nothing */
    struct store_tx *tx = NULL;
    struct ledger_event ev = {"org.create", "org", 1, 1, "admin", NULL, 0};
    assert_int_equal(store_begin(f->s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(ledger_append(tx, &ev), STORE_OK);
    store_rollback(tx);

    append_n(f->s, 0, 50);
    append_n(f->s, 50, 23);
    /* integrated in batches of 16; not signed before checkpoint_ms */
    assert_int_equal(drain(f->s, &log), -1);
    clock_manual_advance(1000);
    assert_int_equal(drain(f->s, &log), 73);
    latest(f->s, &log, &cp);
    assert_int_equal(cp.size, 73);

    /* the checkpoint's root is the RFC root of the stored leaves */
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    struct merkle_reader rd = {ledger_read_hash, tx};
    uint8_t root[MERKLE_HASH_LEN], proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    const uint8_t(*p)[MERKLE_HASH_LEN] = (const uint8_t(*)[MERKLE_HASH_LEN])proof;
    size_t n;
    assert_int_equal(merkle_root(MERKLE_SHA256, &rd, 73, root), MERKLE_OK);
    assert_memory_equal(root, cp.root, MERKLE_HASH_LEN);
    for (uint64_t i = 0; i < 73; i++) {
        uint8_t lh[MERKLE_HASH_LEN];
        assert_int_equal(ledger_read_hash(tx, 0, i, lh), 0);
        assert_int_equal(merkle_inclusion_proof(MERKLE_SHA256, &rd, i, 73, proof, &n), MERKLE_OK);
        assert_int_equal(merkle_inclusion_verify(MERKLE_SHA256, i, 73, lh, p, n, cp.root),
                         MERKLE_OK);
    }
    /* every intermediate size is consistent with 73 */
    for (uint64_t m = 1; m <= 73; m++) {
        uint8_t rm[MERKLE_HASH_LEN];
        assert_int_equal(merkle_root(MERKLE_SHA256, &rd, m, rm), MERKLE_OK);
        assert_int_equal(merkle_consistency_proof(MERKLE_SHA256, &rd, m, 73, proof, &n), MERKLE_OK);
        assert_int_equal(merkle_consistency_verify(MERKLE_SHA256, m, 73, rm, cp.root, p, n),
                         MERKLE_OK);
    }
    /* leaves and nodes are append-only */
    store_rollback(tx);
    assert_int_equal(store_begin(f->s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(
        store_exec(tx, "UPDATE ledger_leaves SET entry = entry WHERE idx = 0", NULL, 0, NULL),
        STORE_CONSTRAINT);
    store_rollback(tx);
    assert_int_equal(store_begin(f->s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_exec(tx, "DELETE FROM ledger_nodes", NULL, 0, NULL), STORE_CONSTRAINT);
    store_rollback(tx);

    /* timestamp tokens (migration 6): binary-safe, first kept, append-only */
    {
        static const unsigned char tok[] = {0x30, 0x00, 0x01, 0xff, 0x00};
        struct buf got;
        int64_t gen = 0;
        int ins = 0;
        buf_init(&got, 65536);
        assert_int_equal(store_begin(f->s, STORE_WRITE, &tx), STORE_OK);
        assert_int_equal(store_ledger_timestamp_get(tx, 73, &got, &gen), STORE_NOTFOUND);
        assert_int_equal(store_ledger_timestamp_insert(tx, 73, tok, sizeof tok, 1764400000000,
                                                       1764400000001, &ins),
                         STORE_OK);
        assert_int_equal(ins, 1);
        assert_int_equal(store_ledger_timestamp_insert(tx, 73, "x", 1, 1, 2, &ins), STORE_OK);
        assert_int_equal(ins, 0);
        assert_int_equal(store_commit(tx), STORE_OK);
        assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
        assert_int_equal(store_ledger_timestamp_get(tx, 73, &got, &gen), STORE_OK);
        store_rollback(tx);
        assert_int_equal(got.len, sizeof tok);
        assert_memory_equal(got.data, tok, sizeof tok);
        assert_int_equal(gen, 1764400000000);
        buf_release(&got);
        assert_int_equal(store_begin(f->s, STORE_WRITE, &tx), STORE_OK);
        assert_int_equal(
            store_exec(tx, "UPDATE ledger_timestamps SET gen_time_ms = 0", NULL, 0, NULL),
            STORE_CONSTRAINT);
        store_rollback(tx);
        assert_int_equal(store_begin(f->s, STORE_WRITE, &tx), STORE_OK);
        assert_int_equal(store_exec(tx, "DELETE FROM ledger_timestamps", NULL, 0, NULL),
                         STORE_CONSTRAINT);
        store_rollback(tx);
    }

    /* reopen (a restart): same key, the tree continues */
    struct ledger_log log2;
    assert_int_equal(ledger_log_open(f->s, f->dir, &opt, &log2, err, sizeof err), STORE_OK);
    assert_int_equal(log2.nkeys, 1);
    assert_int_equal(log2.keys[0].id, log.keys[0].id);
    append_n(f->s, 73, 40);
    assert_int_equal(drain(f->s, &log2), -1); /* integrated, not yet due */
    clock_manual_advance(1000);
    assert_int_equal(drain(f->s, &log2), 113);
    struct checkpoint cp2;
    latest(f->s, &log, &cp2);
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    rd.ctx = tx;
    assert_int_equal(merkle_consistency_proof(MERKLE_SHA256, &rd, 73, 113, proof, &n), MERKLE_OK);
    assert_int_equal(merkle_consistency_verify(MERKLE_SHA256, 73, 113, cp.root, cp2.root, p, n),
                     MERKLE_OK);
    store_rollback(tx);
    /* nothing queued: no new checkpoint */
    clock_manual_advance(5000);
    assert_int_equal(drain(f->s, &log2), -1);
    ledger_log_release(&log);
    ledger_log_release(&log2);
}

static void test_sm3_log(void **state)
{
    struct fx *f = *state;
    struct ledger_log log;
    struct ledger_options opt = {.alg = MERKLE_SM3, .checkpoint_every = 10};
    struct checkpoint cp;
    char err[256];
    assert_int_equal(ledger_log_open(f->s, f->dir, &opt, &log, err, sizeof err), STORE_OK);
    assert_int_equal(log.alg, MERKLE_SM3);
    assert_int_equal(log.nkeys, 2);
    assert_int_equal(log.keys[0].type, NOTE_ED25519);
    assert_int_equal(log.keys[1].type, NOTE_SM2);
    assert_string_equal(log.origin, "sunbid.local/ledger");
    append_n(f->s, 0, 10);
    /* 10 entries reach checkpoint_every without waiting */
    assert_int_equal(drain(f->s, &log), 10);
    latest(f->s, &log, &cp);
    struct store_tx *tx = NULL;
    uint8_t root[MERKLE_HASH_LEN];
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    struct merkle_reader rd = {ledger_read_hash, tx};
    assert_int_equal(merkle_root(MERKLE_SM3, &rd, 10, root), MERKLE_OK);
    store_rollback(tx);
    assert_memory_equal(root, cp.root, MERKLE_HASH_LEN);
    /* a log's hash is fixed at creation: asking for SHA-256 later changes nothing */
    struct ledger_log again;
    struct ledger_options sha = {.alg = MERKLE_SHA256};
    assert_int_equal(ledger_log_open(f->s, f->dir, &sha, &again, err, sizeof err), STORE_OK);
    assert_int_equal(again.alg, MERKLE_SM3);
    ledger_log_release(&again);
    ledger_log_release(&log);
}

static void test_missing_keys(void **state)
{
    struct fx *f = *state;
    struct ledger_log log;
    char err[256], path[700];
    int n;
    int64_t sz;
    assert_int_equal(ledger_log_open(f->s, f->dir, NULL, &log, err, sizeof err), STORE_OK);
    ledger_log_release(&log);
    snprintf(path, sizeof path, "%s/ledger/ed25519.key", f->dir);
    assert_int_equal(unlink(path), 0);
    /* the log is there, but this node cannot sign */
    assert_int_equal(ledger_log_open(f->s, f->dir, NULL, &log, err, sizeof err), STORE_OK);
    assert_int_equal(log.nkeys, 0);
    assert_int_equal(ledger_sequencer_run_once(f->s, &log, &n, &sz), STORE_ERROR);
    ledger_log_release(&log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_json),
        cmocka_unit_test_setup_teardown(test_sequence_and_prove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sm3_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_keys, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
