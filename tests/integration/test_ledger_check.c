/*
 * Tamper tests for `sunbid ledger check` (and, as integration/ledger_check_pg,
 * on PostgreSQL): real writes (POST /api/orgs) land in the log, the server
 * signs a checkpoint and stops; the check finds the log intact. Then, as an
 * attacker with database access would, the test disables the append-only
 * triggers and alters one stored row at a time — one entry byte, one leaf
 * hash, one subtree hash, one checkpoint byte — runs the check (exit 5, the
 * altered row named), restores the row and checks that the log is intact
 * again. The store is altered through sunbid's own store API (store.h), which
 * speaks both SQLite and PostgreSQL; nothing of the ledger code is used to
 * alter it.
 *
 * The server trusts a witness (--witness) and a local TSA (--tsa-cert, made
 * with `openssl`); the test cosigns the latest checkpoint and timestamps it
 * through the public API, and runs the check with the same --witness and
 * --tsa-cert: altering one byte of the stored cosignature line, of the
 * stored token, or the token's genTime column is caught (exit 5). Without
 * the flags the check calls the line unverifiable and the token not
 * checked, and the log is still intact. Without an `openssl` command the
 * timestamp parts are skipped (with a message).
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain/uscc.h"
#include "ledger/cosign.h"
#include "store/store.h"

static struct it_server srv;
static int64_t cp_size; /* the latest stored checkpoint */
static struct note_key witness;
static struct buf witness_vkey;
static char tsa_dir[] = "/tmp/sunbid-it-lc-XXXXXX";
static char tsa_cert[600]; /* empty: no openssl, timestamps not tested */

static void create_org(const struct it_session *admin, int i)
{
    struct it_resp r;
    char body[256];
    char uscc[19];
    snprintf(uscc, sizeof uscc, "9144030070846%04u", (1000u + (unsigned)i) % 10000u);
    uscc[17] = uscc_check_char(uscc);
    uscc[18] = '\0';
    snprintf(body, sizeof body, "{\"name\":\"篡改测试%d\",\"uscc\":\"%s\",\"legal_rep\":\"张三\"}",
             i, uscc);
    assert_int_equal(it_request_as(&srv, admin, "POST", "/api/orgs", body, &r), 0);
    if (r.status != 201)
        fail_msg("POST /api/orgs: %d %s", r.status, r.body);
    it_resp_free(&r);
}

static struct store *open_store(void)
{
    struct store *s = NULL;
    char err[512];
    if (store_open(&s, srv.db_url[0] ? srv.db_url : NULL, srv.data_dir, err, sizeof err) !=
        STORE_OK)
        fail_msg("store_open: %s", err);
    return s;
}

static void exec_sql(struct store *s, const char *sql, const struct store_param *p, int np)
{
    struct store_tx *tx = NULL;
    assert_int_equal(store_begin(s, STORE_WRITE, &tx), STORE_OK);
    if (store_exec(tx, sql, p, np, NULL) != STORE_OK)
        fail_msg("%s: %s", sql, store_errmsg(s));
    assert_int_equal(store_commit(tx), STORE_OK);
}

/* The first column of the first row, as bytes. */
static size_t read_col(struct store *s, const char *sql, const struct store_param *p, int np,
                       unsigned char *out, size_t cap, int text)
{
    struct store_tx *tx = NULL;
    struct store_rows *r = NULL;
    size_t n = 0;
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_query(tx, sql, p, np, &r), STORE_OK);
    assert_int_equal(store_rows_next(r), 1);
    const void *b = text ? (const void *)store_col_text(r, 0, &n) : store_col_blob(r, 0, &n);
    assert_non_null(b);
    assert_true(n <= cap);
    memcpy(out, b, n);
    store_rows_free(r);
    store_rollback(tx);
    return n;
}

/* Runs the check with the witness and the TSA trusted; returns its exit
 * code, output into *out (caller frees). */
static int check(char **out)
{
    int rc = tsa_cert[0]
                 ? it_cli(&srv, out, "ledger", "check", "--witness", witness_vkey.data,
                          "--tsa-cert", tsa_cert, NULL)
                 : it_cli(&srv, out, "ledger", "check", "--witness", witness_vkey.data, NULL);
    printf("%s", *out != NULL ? *out : "(no output)\n");
    return rc;
}

/* Cosigns the latest checkpoint with the witness and, when a TSA was made,
 * timestamps it; both through the public API. */
static void attach(void)
{
    struct it_resp r;
    struct buf line;
    char path[128];
    assert_int_equal(it_request(&srv, "GET", "/api/ledger/checkpoint", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    const char *blank = strstr(r.body, "\n\n");
    assert_non_null(blank);
    long long size = strtoll(strchr(r.body, '\n') + 1, NULL, 10);
    buf_init(&line, 4096);
    assert_int_equal(cosign_sign(&witness, r.body, (size_t)(blank - r.body) + 1, 1764400000, &line),
                     NOTE_OK);
    /* the stored note: the served one has no cosignature lines yet */
    size_t note_len = r.body_len;
    char *note = malloc(note_len);
    memcpy(note, r.body, note_len);
    it_resp_free(&r);
    snprintf(path, sizeof path, "/api/ledger/cosignature?size=%lld", size);
    assert_int_equal(it_request(&srv, "POST", path, "Content-Type: text/plain\r\n", line.data, &r),
                     0);
    if (r.status != 201)
        fail_msg("POST %s: %d %s", path, r.status, r.body);
    it_resp_free(&r);
    buf_release(&line);
    if (tsa_cert[0]) {
        size_t n = 0;
        char *tok = it_tsa_stamp(tsa_dir, "", note, note_len, &n);
        assert_non_null(tok);
        char head[512];
        int fd = it_connect(srv.port);
        assert_true(fd >= 0);
        int hl = snprintf(head, sizeof head,
                          "POST /api/ledger/timestamp?size=%lld HTTP/1.1\r\nHost: localhost\r\n"
                          "Content-Type: application/timestamp-reply\r\nContent-Length: %zu\r\n"
                          "Connection: close\r\n\r\n",
                          size, n);
        assert_int_equal(it_send_all(fd, head, (size_t)hl), 0);
        assert_int_equal(it_send_all(fd, tok, n), 0);
        assert_int_equal(it_read_response(fd, &r, 0), 0);
        close(fd);
        if (r.status != 201)
            fail_msg("POST timestamp: %d %s", r.status, r.body);
        it_resp_free(&r);
        free(tok);
    }
    free(note);
}

static void assert_intact(void)
{
    char *out = NULL;
    assert_int_equal(check(&out), 0);
    assert_non_null(strstr(out, "intact"));
    free(out);
}

static void assert_damaged(const char *want1, const char *want2)
{
    char *out = NULL;
    assert_int_equal(check(&out), 5);
    assert_non_null(out);
    if (strstr(out, want1) == NULL || (want2 != NULL && strstr(out, want2) == NULL))
        fail_msg("expected '%s' / '%s' in:\n%s", want1, want2 ? want2 : "", out);
    /* the one altered row, and nothing above it */
    assert_non_null(strstr(out, ", 1 problem\n"));
    free(out);
}

static int setup(void **state)
{
    struct it_session admin;
    buf_init(&witness_vkey, 4096);
    assert_int_equal(note_key_generate(&witness, "witness.example/lc", NOTE_COSIGN_V1), NOTE_OK);
    assert_int_equal(note_key_vkey(&witness, &witness_vkey), NOTE_OK);
    assert_non_null(mkdtemp(tsa_dir));
    if (it_tsa_make(tsa_dir, "") == 0)
        snprintf(tsa_cert, sizeof tsa_cert, "%s/tsa.pem", tsa_dir);
    else
        print_message("ledger_check: no `openssl` command: timestamp checks SKIPPED\n");
    const char *args[] = {"--witness", witness_vkey.data, tsa_cert[0] ? "--tsa-cert" : NULL,
                          tsa_cert, NULL};
    it_server_start(&srv, IT_DEMO, args);
    assert_int_equal(it_login(&srv, "admin", IT_DEMO_PASSWORD, 1, &admin), 200);
    for (int i = 0; i < 5; i++)
        create_org(&admin, i);
    /* wait for a checkpoint covering everything queued */
    for (int i = 0;; i++) {
        struct it_resp r;
        assert_int_equal(it_request(&srv, "GET", "/api/ledger/checkpoint", NULL, NULL, &r), 0);
        long long size = 0;
        if (r.status == 200) {
            const char *nl = strchr(r.body, '\n');
            size = nl != NULL ? strtoll(nl + 1, NULL, 10) : 0;
        }
        it_resp_free(&r);
        if (size >= 5)
            break;
        if (i > 200)
            fail_msg("no checkpoint of size >= 5");
        usleep(50 * 1000);
    }
    attach();
    assert_int_equal(it_server_stop(&srv), 0);

    /* the attacker's first step: switch off the append-only triggers */
    struct store *s = open_store();
    if (it_on_postgres()) {
        exec_sql(s, "ALTER TABLE ledger_leaves DISABLE TRIGGER USER", NULL, 0);
        exec_sql(s, "ALTER TABLE ledger_nodes DISABLE TRIGGER USER", NULL, 0);
        exec_sql(s, "ALTER TABLE ledger_checkpoints DISABLE TRIGGER USER", NULL, 0);
        exec_sql(s, "ALTER TABLE ledger_cosignatures DISABLE TRIGGER USER", NULL, 0);
        exec_sql(s, "ALTER TABLE ledger_timestamps DISABLE TRIGGER USER", NULL, 0);
    } else {
        exec_sql(s, "DROP TRIGGER ledger_leaves_no_update", NULL, 0);
        exec_sql(s, "DROP TRIGGER ledger_nodes_no_update", NULL, 0);
        exec_sql(s, "DROP TRIGGER ledger_checkpoints_no_update", NULL, 0);
        exec_sql(s, "DROP TRIGGER ledger_cosignatures_no_update", NULL, 0);
        exec_sql(s, "DROP TRIGGER ledger_timestamps_no_update", NULL, 0);
    }
    struct store_tx *tx = NULL;
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(
        store_query_int(tx, "SELECT max(size) FROM ledger_checkpoints", NULL, 0, &cp_size),
        STORE_OK);
    store_rollback(tx);
    store_close(s);
    assert_true(cp_size >= 5);
    return 0;
}

static int teardown(void **state)
{
    char cmd[600];
    note_key_release(&witness);
    buf_release(&witness_vkey);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tsa_dir);
    if (system(cmd) != 0)
        print_message("cannot remove %s\n", tsa_dir);
    return 0;
}

static void test_intact(void **state)
{
    char *out = NULL;
    assert_int_equal(check(&out), 0);
    assert_non_null(strstr(out, "ledger: "));
    assert_non_null(strstr(out, "checkpoints, intact"));
    assert_non_null(strstr(out, "cosignatures: 1 stored, 1 verified\n"));
    if (tsa_cert[0])
        assert_non_null(strstr(out, "timestamps: 1 stored, 1 verified\n"));
    free(out);
}

/* Without --witness and --tsa-cert: unverifiable and not checked, yet intact. */
static void test_attachments_unchecked(void **state)
{
    char *out = NULL, want[160];
    assert_int_equal(it_cli(&srv, &out, "ledger", "check", NULL), 0);
    printf("%s", out);
    snprintf(want, sizeof want,
             "checkpoint at size %lld: cosignature by witness.example/lc: unverifiable (not a "
             "configured witness)",
             (long long)cp_size);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "cosignatures: 1 stored, 0 verified, 1 unverifiable"));
    if (tsa_cert[0])
        assert_non_null(
            strstr(out, "timestamps: 1 stored, 0 verified, 1 not checked (no --tsa-cert)"));
    assert_non_null(strstr(out, "checkpoints, intact"));
    free(out);
    /* a witness key that is not one is refused as usage */
    assert_int_equal(it_cli(&srv, &out, "ledger", "check", "--witness", "nonsense", NULL), 2);
    free(out);
}

static void test_cosignature_line(void **state)
{
    char orig[1100], bad[1100], want[128];
    struct store *s = open_store();
    struct store_param key[] = {SP_I(cp_size)};
    size_t n = read_col(s, "SELECT line FROM ledger_cosignatures WHERE size = $1", key, 1,
                        (unsigned char *)orig, sizeof orig - 1, 1);
    orig[n] = '\0';
    /* one base64 character inside the Ed25519 signature (not the last,
     * whose low bits may be padding) */
    memcpy(bad, orig, n + 1);
    bad[n - 10] = bad[n - 10] == 'A' ? 'B' : 'A';
    struct store_param p[] = {SP_TN(bad, n), SP_I(cp_size)};
    exec_sql(s, "UPDATE ledger_cosignatures SET line = $1 WHERE size = $2", p, 2);
    snprintf(want, sizeof want,
             "checkpoint at size %lld: cosignature by witness.example/lc does "
             "not verify",
             (long long)cp_size);
    assert_damaged(want, NULL);

    struct store_param q[] = {SP_TN(orig, n), SP_I(cp_size)};
    exec_sql(s, "UPDATE ledger_cosignatures SET line = $1 WHERE size = $2", q, 2);
    store_close(s);
    assert_intact();
}

static void test_timestamp_token(void **state)
{
    static unsigned char orig[70000], bad[70000];
    char want[128];
    if (!tsa_cert[0]) {
        print_message("SKIPPED: no `openssl` command\n");
        return;
    }
    struct store *s = open_store();
    struct store_param key[] = {SP_I(cp_size)};
    size_t n = read_col(s, "SELECT token FROM ledger_timestamps WHERE size = $1", key, 1, orig,
                        sizeof orig, 0);
    assert_true(n > 100);
    /* a byte of the TSA's signature, at the end of the DER token */
    memcpy(bad, orig, n);
    bad[n - 5] ^= 0x01;
    struct store_param p[] = {SP_B(bad, n), SP_I(cp_size)};
    exec_sql(s, "UPDATE ledger_timestamps SET token = $1 WHERE size = $2", p, 2);
    snprintf(want, sizeof want, "checkpoint at size %lld: timestamp token ", (long long)cp_size);
    assert_damaged(want, NULL);
    struct store_param q[] = {SP_B(orig, n), SP_I(cp_size)};
    exec_sql(s, "UPDATE ledger_timestamps SET token = $1 WHERE size = $2", q, 2);
    assert_intact();

    /* the genTime column, moved an hour */
    exec_sql(s, "UPDATE ledger_timestamps SET gen_time_ms = gen_time_ms + 3600000 WHERE size = $1",
             key, 1);
    snprintf(want, sizeof want, "checkpoint at size %lld: timestamp genTime stored as",
             (long long)cp_size);
    assert_damaged(want, NULL);
    exec_sql(s, "UPDATE ledger_timestamps SET gen_time_ms = gen_time_ms - 3600000 WHERE size = $1",
             key, 1);
    store_close(s);
    assert_intact();
}

static void test_entry_byte(void **state)
{
    unsigned char orig[8192], bad[8192];
    struct store *s = open_store();
    struct store_param key[] = {SP_I(1)};
    size_t n =
        read_col(s, "SELECT entry FROM ledger_leaves WHERE idx = $1", key, 1, orig, sizeof orig, 0);
    assert_true(n > 10);
    memcpy(bad, orig, n);
    bad[n / 2] ^= 0x01;
    struct store_param p[] = {SP_B(bad, n), SP_I(1)};
    exec_sql(s, "UPDATE ledger_leaves SET entry = $1 WHERE idx = $2", p, 2);
    assert_damaged("leaf 1: stored hash ", "but entry hashes to");

    struct store_param q[] = {SP_B(orig, n), SP_I(1)};
    exec_sql(s, "UPDATE ledger_leaves SET entry = $1 WHERE idx = $2", q, 2);
    store_close(s);
    assert_intact();
}

static void test_leaf_hash(void **state)
{
    unsigned char orig[64], bad[64];
    struct store *s = open_store();
    struct store_param key[] = {SP_I(2)};
    size_t n = read_col(s, "SELECT leaf_hash FROM ledger_leaves WHERE idx = $1", key, 1, orig,
                        sizeof orig, 0);
    assert_int_equal(n, 32);
    memcpy(bad, orig, n);
    bad[7] ^= 0x80;
    struct store_param p[] = {SP_B(bad, n), SP_I(2)};
    exec_sql(s, "UPDATE ledger_leaves SET leaf_hash = $1 WHERE idx = $2", p, 2);
    assert_damaged("leaf 2: stored hash ", NULL);

    struct store_param q[] = {SP_B(orig, n), SP_I(2)};
    exec_sql(s, "UPDATE ledger_leaves SET leaf_hash = $1 WHERE idx = $2", q, 2);
    store_close(s);
    assert_intact();
}

static void test_node_hash(void **state)
{
    unsigned char orig[64], bad[64];
    struct store *s = open_store();
    size_t n = read_col(s, "SELECT hash FROM ledger_nodes WHERE level = 1 AND idx = 0", NULL, 0,
                        orig, sizeof orig, 0);
    assert_int_equal(n, 32);
    memcpy(bad, orig, n);
    bad[31] ^= 0x01;
    struct store_param p[] = {SP_B(bad, n)};
    exec_sql(s, "UPDATE ledger_nodes SET hash = $1 WHERE level = 1 AND idx = 0", p, 1);
    char *out = NULL;
    assert_int_equal(check(&out), 5);
    assert_non_null(strstr(out, "node (level 1, index 0): stored hash "));
    /* the one altered row, and only it */
    assert_non_null(strstr(out, ", 1 problem\n"));
    free(out);

    struct store_param q[] = {SP_B(orig, n)};
    exec_sql(s, "UPDATE ledger_nodes SET hash = $1 WHERE level = 1 AND idx = 0", q, 1);
    store_close(s);
    assert_intact();
}

static void test_checkpoint_byte(void **state)
{
    unsigned char orig[16384];
    char bad[16384], want[64];
    struct store *s = open_store();
    struct store_param key[] = {SP_I(cp_size)};
    size_t n = read_col(s, "SELECT note FROM ledger_checkpoints WHERE size = $1", key, 1, orig,
                        sizeof orig - 1, 1);
    /* one byte of the root line (the third line) */
    memcpy(bad, orig, n);
    bad[n] = '\0';
    char *l2 = strchr(bad, '\n');
    assert_non_null(l2);
    char *l3 = strchr(l2 + 1, '\n');
    assert_non_null(l3);
    l3[1] = l3[1] == 'A' ? 'B' : 'A';
    struct store_param p[] = {SP_TN(bad, n), SP_I(cp_size)};
    exec_sql(s, "UPDATE ledger_checkpoints SET note = $1 WHERE size = $2", p, 2);
    snprintf(want, sizeof want, "checkpoint at size %lld: signature invalid", (long long)cp_size);
    char *out = NULL;
    assert_int_equal(check(&out), 5);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want, "checkpoint at size %lld: root mismatch: note root",
             (long long)cp_size);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, ", 2 problems\n"));
    free(out);

    struct store_param q[] = {SP_TN((const char *)orig, n), SP_I(cp_size)};
    exec_sql(s, "UPDATE ledger_checkpoints SET note = $1 WHERE size = $2", q, 2);

    /* and one byte of the stored root column */
    unsigned char root[64];
    size_t rn = read_col(s, "SELECT root FROM ledger_checkpoints WHERE size = $1", key, 1, root,
                         sizeof root, 0);
    assert_int_equal(rn, 32);
    root[0] ^= 0x01;
    struct store_param r[] = {SP_B(root, rn), SP_I(cp_size)};
    exec_sql(s, "UPDATE ledger_checkpoints SET root = $1 WHERE size = $2", r, 2);
    snprintf(want, sizeof want, "checkpoint at size %lld: root mismatch", (long long)cp_size);
    assert_damaged(want, NULL);
    root[0] ^= 0x01;
    exec_sql(s, "UPDATE ledger_checkpoints SET root = $1 WHERE size = $2", r, 2);
    store_close(s);
    assert_intact();
}

static void test_usage(void **state)
{
    char *out = NULL;
    assert_int_equal(it_cli(&srv, &out, "ledger", "frobnicate", NULL), 2);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intact),
        cmocka_unit_test(test_entry_byte),
        cmocka_unit_test(test_leaf_hash),
        cmocka_unit_test(test_node_hash),
        cmocka_unit_test(test_checkpoint_byte),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_attachments_unchecked),
        cmocka_unit_test(test_cosignature_line),
        cmocka_unit_test(test_timestamp_token),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
