/*
 * `sunbid witness` against a real log (and, as integration/witness_pg, on
 * PostgreSQL). `sunbid witness keygen` makes the witness's key; the server
 * trusts it (--witness VKEY). `sunbid witness --once` run twice, with the
 * log grown between: each run verifies the checkpoint with the log's key,
 * checks consistency with the checkpoint it cosigned before (its state
 * file), cosigns and posts; the served checkpoint then carries a
 * witness line that verifies (checked here with the library), and the
 * state file holds the cosigned body. A third run with nothing new cosigns
 * nothing. Then the witness must refuse (exit 5, and say why): a forged
 * state with another root at the served size (split view), a forged state
 * at a smaller size (the consistency proof fails), a state larger than the
 * log (rollback), and a log key that did not sign the checkpoint. Usage
 * errors are 2, a key of the wrong kind 3, an unreachable log 1.
 */
#include "harness.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base64.h"
#include "domain/uscc.h"
#include "ledger/cosign.h"
#include "ledger/merkle.h"

#define WNAME "witness.example/w1"

static struct it_server srv;
static char dir[] = "/tmp/sunbid-it-witness-XXXXXX";
static char keyfile[600], state[600], url[64], vkey[512], logvkey[512];

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *p = calloc(1, 8192);
    assert_non_null(p);
    size_t n = fread(p, 1, 8191, f);
    p[n] = '\0';
    fclose(f);
    return p;
}

/* Runs the witness once with the given state file and log key; returns the
 * exit code, output (stdout and stderr) into *out. */
static int witness(const char *st, const char *lk, char **out)
{
    int rc = it_run(out, "witness", "--log", url, "--log-key", lk, "--key", keyfile, "--state", st,
                    "--once", NULL);
    printf("[witness exit %d] %s", rc, *out ? *out : "");
    return rc;
}

/* The served checkpoint (caller frees), its body length, its size. */
static char *served(size_t *body_len, uint64_t *size)
{
    struct it_resp r;
    struct checkpoint cp;
    assert_int_equal(it_request(&srv, "GET", "/api/ledger/checkpoint", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    const char *blank = strstr(r.body, "\n\n");
    assert_non_null(blank);
    *body_len = (size_t)(blank - r.body) + 1;
    assert_int_equal(checkpoint_parse(r.body, *body_len, &cp), NOTE_OK);
    *size = cp.size;
    char *note = strdup(r.body);
    it_resp_free(&r);
    return note;
}

static uint64_t wait_size(uint64_t min)
{
    for (int i = 0; i < 400; i++) {
        struct it_resp r;
        assert_int_equal(it_request(&srv, "GET", "/api/ledger/checkpoint", NULL, NULL, &r), 0);
        uint64_t size = 0;
        int ok = r.status == 200;
        if (ok)
            size = strtoull(strchr(r.body, '\n') + 1, NULL, 10);
        it_resp_free(&r);
        if (ok && size >= min)
            return size;
        usleep(50 * 1000);
    }
    fail_msg("no checkpoint of size >= %llu", (unsigned long long)min);
    return 0;
}

/* The served checkpoint carries a verifying line by the witness. */
static void assert_cosigned(uint64_t want_size)
{
    size_t bl;
    uint64_t size;
    struct note_key pub;
    char *note = served(&bl, &size);
    assert_int_equal(size, want_size);
    char *line = strstr(note, "\n\xe2\x80\x94 " WNAME " ");
    if (line == NULL)
        fail_msg("no witness line in:\n%s", note);
    line++;
    char *nl = strchr(line, '\n');
    assert_non_null(nl);
    assert_int_equal(note_key_parse_vkey(&pub, vkey, strlen(vkey)), NOTE_OK);
    assert_int_equal(cosign_verify_line(&pub, note, bl, line, (size_t)(nl - line), NULL), NOTE_OK);
    note_key_release(&pub);
    /* the state is the cosigned body */
    char *st = read_text(state);
    assert_int_equal(strlen(st), bl);
    assert_memory_equal(st, note, bl);
    free(st);
    free(note);
}

static void create_org(int n)
{
    struct it_session admin;
    struct it_resp r;
    char body[256], uscc[19];
    assert_int_equal(it_login(&srv, "admin", IT_DEMO_PASSWORD, 1, &admin), 200);
    snprintf(uscc, sizeof uscc, "9132010070846%04d", n);
    uscc[17] = uscc_check_char(uscc);
    uscc[18] = '\0';
    snprintf(body, sizeof body,
             "{\"name\":\"见证人测试%d\",\"uscc\":\"%s\",\"legal_rep\":\"张三\"}", n, uscc);
    assert_int_equal(it_request_as(&srv, &admin, "POST", "/api/orgs", body, &r), 0);
    assert_int_equal(r.status, 201);
    it_resp_free(&r);
}

static int setup(void **state_)
{
    (void)state_;
    char *out = NULL;
    assert_non_null(mkdtemp(dir));
    snprintf(keyfile, sizeof keyfile, "%s/w1.key", dir);
    snprintf(state, sizeof state, "%s/state", dir);
    /* the witness's key: signer key to the file, verifier key printed */
    assert_int_equal(it_run(&out, "witness", "keygen", WNAME, "--out", keyfile, NULL), 0);
    size_t n = strcspn(out, "\n");
    assert_true(n > 0 && n < sizeof vkey);
    memcpy(vkey, out, n);
    vkey[n] = '\0';
    free(out);
    struct stat st;
    assert_int_equal(stat(keyfile, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    const char *args[] = {"--witness", vkey, NULL};
    it_server_start(&srv, IT_DEMO, args);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
    struct it_resp r;
    json_error_t e;
    assert_int_equal(it_request(&srv, "GET", "/api/ledger/key", NULL, NULL, &r), 0);
    json_t *j = json_loads(r.body, 0, &e);
    it_resp_free(&r);
    assert_non_null(j);
    snprintf(logvkey, sizeof logvkey, "%s",
             json_string_value(json_array_get(json_object_get(j, "keys"), 0)));
    json_decref(j);
    return 0;
}

static int teardown(void **state_)
{
    (void)state_;
    char cmd[600];
    assert_int_equal(it_server_stop(&srv), 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        print_message("cannot remove %s\n", dir);
    return 0;
}

static void test_keygen(void **state_)
{
    (void)state_;
    char *out = NULL;
    /* never overwrites a key file */
    assert_int_equal(it_run(&out, "witness", "keygen", WNAME, "--out", keyfile, NULL), 4);
    free(out);
    assert_int_equal(it_run(&out, "witness", "keygen", "a b", NULL), 3);
    free(out);
    /* without --out: signer key, then verifier key */
    assert_int_equal(it_run(&out, "witness", "keygen", "w.example/x", NULL), 0);
    assert_true(strncmp(out, "PRIVATE+KEY+w.example/x+", 24) == 0);
    const char *second = strchr(out, '\n') + 1;
    struct note_key k;
    assert_int_equal(note_key_parse_vkey(&k, second, strcspn(second, "\n")), NOTE_OK);
    assert_int_equal(k.type, NOTE_COSIGN_V1);
    note_key_release(&k);
    free(out);
}

static void test_cosign_twice(void **state_)
{
    (void)state_;
    char *out = NULL;
    uint64_t size1 = wait_size(1);
    assert_int_equal(witness(state, logvkey, &out), 0);
    assert_non_null(strstr(out, "trusted on first use"));
    free(out);
    assert_cosigned(size1);

    /* the log grows; the witness checks consistency and cosigns again */
    create_org(1);
    uint64_t size2 = wait_size(size1 + 1);
    assert_int_equal(witness(state, logvkey, &out), 0);
    char want[64];
    snprintf(want, sizeof want, "(consistent with size %llu)", (unsigned long long)size1);
    assert_non_null(strstr(out, want));
    free(out);
    /* nothing else writes: the served checkpoint is the one cosigned */
    assert_cosigned(size2);

    /* nothing new: nothing cosigned, exit 0 */
    assert_int_equal(witness(state, logvkey, &out), 0);
    assert_non_null(strstr(out, "already cosigned"));
    free(out);
    assert_cosigned(size2);
}

static void test_refusals(void **state_)
{
    (void)state_;
    char *out = NULL, forged[600], text[512], b64[64];
    size_t bl;
    uint64_t size;
    /* one more entry, and wait until it is signed: nothing moves after */
    uint64_t before = wait_size(1);
    create_org(2);
    wait_size(before + 1);
    char *note = served(&bl, &size);
    struct checkpoint cp;
    assert_int_equal(checkpoint_parse(note, bl, &cp), NOTE_OK);
    free(note);
    snprintf(forged, sizeof forged, "%s/forged", dir);

    /* the same size, another root: a split view */
    uint8_t root[MERKLE_HASH_LEN];
    memcpy(root, cp.root, sizeof root);
    root[5] ^= 0x40;
    b64_encode(root, sizeof root, b64);
    snprintf(text, sizeof text, "%s\n%llu\n%s\n", cp.origin, (unsigned long long)cp.size, b64);
    write_text(forged, text);
    assert_int_equal(witness(forged, logvkey, &out), 5);
    assert_non_null(strstr(out, "REFUSED: split view"));
    free(out);
    /* the refused state is left alone */
    char *kept = read_text(forged);
    assert_string_equal(kept, text);
    free(kept);

    /* a smaller size with a root the log never had: the proof fails */
    snprintf(text, sizeof text, "%s\n%llu\n%s\n", cp.origin, (unsigned long long)cp.size - 1, b64);
    write_text(forged, text);
    assert_int_equal(witness(forged, logvkey, &out), 5);
    assert_non_null(strstr(out, "REFUSED: the consistency proof"));
    free(out);

    /* a state larger than the log: rollback */
    snprintf(text, sizeof text, "%s\n%llu\n%s\n", cp.origin, (unsigned long long)cp.size + 100,
             b64);
    write_text(forged, text);
    assert_int_equal(witness(forged, logvkey, &out), 5);
    assert_non_null(strstr(out, "REFUSED: the log rolled back"));
    free(out);

    /* a log key that did not sign: another key with the log's name */
    struct note_key other;
    struct buf ovk;
    buf_init(&ovk, 1024);
    assert_int_equal(note_key_generate(&other, cp.origin, NOTE_ED25519), NOTE_OK);
    assert_int_equal(note_key_vkey(&other, &ovk), NOTE_OK);
    assert_int_equal(witness(state, ovk.data, &out), 5);
    assert_non_null(strstr(out, "not signed by the log key"));
    free(out);
    note_key_release(&other);
    buf_release(&ovk);

    /* a state file that is not a checkpoint body */
    write_text(forged, "garbage\n");
    assert_int_equal(witness(forged, logvkey, &out), 1);
    assert_non_null(strstr(out, "is not a checkpoint body"));
    free(out);
}

static void test_usage(void **state_)
{
    (void)state_;
    char *out = NULL, logskey[600];
    assert_int_equal(it_run(&out, "witness", "--log", url, NULL), 2);
    free(out);
    assert_int_equal(it_run(&out, "witness", "--log", "https://127.0.0.1:1", "--log-key", logvkey,
                            "--key", keyfile, "--state", state, NULL),
                     2);
    assert_non_null(strstr(out, "https://"));
    free(out);
    assert_int_equal(it_run(&out, "witness", "--log", url, "--log-key", logvkey, "--key", keyfile,
                            "--state", state, "--interval", "0", NULL),
                     2);
    free(out);
    /* the witness key is not a log key, and the log's key is not a witness key */
    assert_int_equal(it_run(&out, "witness", "--log", url, "--log-key", vkey, "--key", keyfile,
                            "--state", state, NULL),
                     3);
    free(out);
    snprintf(logskey, sizeof logskey, "%s/ledger/ed25519.key", srv.data_dir);
    assert_int_equal(it_run(&out, "witness", "--log", url, "--log-key", logvkey, "--key", logskey,
                            "--state", state, NULL),
                     3);
    assert_non_null(strstr(out, "is not a witness signer key"));
    free(out);
    /* nobody listens there */
    assert_int_equal(it_run(&out, "witness", "--log", "http://127.0.0.1:1", "--log-key", logvkey,
                            "--key", keyfile, "--state", state, NULL),
                     1);
    assert_non_null(strstr(out, "cannot connect"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keygen),
        cmocka_unit_test(test_cosign_twice),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
