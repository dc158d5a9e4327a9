/*
 * `sunbid serve --ledger-hash sha256|sm3 --ledger-origin ORIGIN` (and, as
 * integration/ledger_flags_pg, on PostgreSQL): the flags choose a NEW
 * witness log's tree hash and origin, and win over $SUNBID_LEDGER_HASH /
 * $SUNBID_LEDGER_ORIGIN. A log created with `--ledger-hash sm3` publishes
 * SM3 and an Ed25519 plus an SM2 key under the flag's origin, its
 * checkpoints verify with both and its leaf hashes are SM3's. Once the log
 * exists its choice is fixed: restarting with a flag that disagrees stops
 * serve with exit 2 and a message naming both values, while the same flags
 * (or an environment value that disagrees, which is only logged) start
 * normally. Bad values are usage errors (exit 2) before anything starts.
 */
#include "harness.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base64.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

#define ORIGIN "flags.sunbid.test/ledger"

static struct it_server srv;
static const char *const sm3_args[] = {"--ledger-hash", "sm3", "--ledger-origin", ORIGIN, NULL};

static int setup(void **state)
{
    (void)state;
    /* the flags must win over the environment */
    setenv("SUNBID_LEDGER_HASH", "sha256", 1);
    setenv("SUNBID_LEDGER_ORIGIN", "env.sunbid.test/ledger", 1);
    it_server_start(&srv, IT_DEMO, sm3_args);
    unsetenv("SUNBID_LEDGER_HASH");
    unsetenv("SUNBID_LEDGER_ORIGIN");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(it_server_stop(&srv), 0);
    return 0;
}

static json_t *get_json(const char *path)
{
    struct it_resp r;
    json_error_t e;
    assert_int_equal(it_request(&srv, "GET", path, NULL, NULL, &r), 0);
    if (r.status != 200)
        fail_msg("GET %s: %d %s", path, r.status, r.body);
    json_t *j = json_loads(r.body, 0, &e);
    it_resp_free(&r);
    assert_non_null(j);
    return j;
}

static void test_sm3_log_by_flag(void **state)
{
    (void)state;
    struct note_key keys[2];
    json_t *j = get_json("/api/ledger/key");
    assert_string_equal(json_string_value(json_object_get(j, "hash")), "sm3");
    assert_string_equal(json_string_value(json_object_get(j, "origin")), ORIGIN);
    json_t *ks = json_object_get(j, "keys");
    assert_int_equal(json_array_size(ks), 2);
    for (size_t i = 0; i < 2; i++) {
        const char *vk = json_string_value(json_array_get(ks, i));
        assert_int_equal(note_key_parse_vkey(&keys[i], vk, strlen(vk)), NOTE_OK);
        assert_string_equal(keys[i].name, ORIGIN);
    }
    json_decref(j);
    assert_int_equal(keys[0].type, NOTE_ED25519);
    assert_int_equal(keys[1].type, NOTE_SM2);

    /* the demo's writes land in a checkpoint signed by both keys */
    struct checkpoint cp = {0};
    for (int i = 0; i < 200 && cp.size == 0; i++) {
        struct it_resp r;
        size_t tl;
        int good = 0;
        assert_int_equal(it_request(&srv, "GET", "/api/ledger/checkpoint", NULL, NULL, &r), 0);
        if (r.status == 200) {
            assert_int_equal(note_open(r.body, r.body_len, keys, 2, &tl, &good), NOTE_OK);
            assert_int_equal(good, 2);
            assert_int_equal(checkpoint_parse(r.body, tl, &cp), NOTE_OK);
        }
        it_resp_free(&r);
        if (cp.size == 0)
            usleep(50 * 1000);
    }
    assert_true(cp.size > 0);
    assert_string_equal(cp.origin, ORIGIN);

    /* leaf hashes are SM3's, and they build the signed root */
    struct merkle_frontier f;
    uint8_t root[MERKLE_HASH_LEN];
    merkle_frontier_init(&f, MERKLE_SM3);
    char path[128];
    snprintf(path, sizeof path, "/api/ledger/entries?start=0&end=%llu",
             (unsigned long long)cp.size);
    j = get_json(path);
    json_t *arr = json_object_get(j, "entries");
    assert_int_equal(json_array_size(arr), cp.size);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        uint8_t lh[MERKLE_HASH_LEN];
        const char *h = json_string_value(json_object_get(e, "leaf_hash"));
        assert_int_equal(b64_decode(h, strlen(h), lh, sizeof lh, 0), MERKLE_HASH_LEN);
        const char *eb = json_string_value(json_object_get(e, "entry"));
        if (eb != NULL) {
            char entry[8192];
            uint8_t mine[MERKLE_HASH_LEN];
            long n = b64_decode(eb, strlen(eb), entry, sizeof entry, 0);
            assert_true(n > 0);
            assert_int_equal(merkle_leaf_hash(MERKLE_SM3, entry, (size_t)n, mine), MERKLE_OK);
            assert_memory_equal(lh, mine, MERKLE_HASH_LEN);
        }
        assert_int_equal(merkle_frontier_append(&f, lh, NULL, NULL), MERKLE_OK);
    }
    json_decref(j);
    assert_int_equal(merkle_frontier_root(&f, root), MERKLE_OK);
    assert_memory_equal(root, cp.root, MERKLE_HASH_LEN);
    note_key_release(&keys[0]);
    note_key_release(&keys[1]);
}

/* Runs `sunbid serve` on srv's store with args and expects it to stop at
 * once with exit code want and want_msg on stderr. */
static void serve_refused(int want, const char *want_msg, const char *a1, const char *a2,
                          const char *a3, const char *a4)
{
    char *err = NULL;
    alarm(120); /* a serve that wrongly starts must not hang the test */
    int rc = it_cli_stderr(&srv, &err, "serve", "--listen", "127.0.0.1:0", a1, a2, a3, a4, NULL);
    alarm(0);
    printf("%s", err != NULL ? err : "");
    assert_int_equal(rc, want);
    assert_non_null(err);
    if (strstr(err, want_msg) == NULL)
        fail_msg("expected '%s' in: %s", want_msg, err);
    free(err);
}

static void test_mismatch_refused(void **state)
{
    (void)state;
    assert_int_equal(it_server_stop(&srv), 0);
    serve_refused(2,
                  "--ledger-hash sha256 disagrees with the witness log, which was created "
                  "with sm3",
                  "--ledger-hash", "sha256", NULL, NULL);
    serve_refused(2,
                  "--ledger-origin other.sunbid.test/ledger disagrees with the witness log, "
                  "whose origin is " ORIGIN,
                  "--ledger-hash", "sm3", "--ledger-origin", "other.sunbid.test/ledger");
    /* bad values, before anything is opened */
    serve_refused(2, "--ledger-hash must be sha256 or sm3, not 'md5'", "--ledger-hash", "md5", NULL,
                  NULL);
    serve_refused(2, "is not a valid origin", "--ledger-origin", "a b", NULL, NULL);
    serve_refused(2, "is not a valid origin", "--ledger-origin", "a+b", NULL, NULL);
    serve_refused(2, "is not a valid origin", "--ledger-origin", "", NULL, NULL);

    /* an environment value that disagrees is only logged */
    setenv("SUNBID_LEDGER_HASH", "sha256", 1);
    it_server_restart(&srv, NULL);
    unsetenv("SUNBID_LEDGER_HASH");
    json_t *j = get_json("/api/ledger/key");
    assert_string_equal(json_string_value(json_object_get(j, "hash")), "sm3");
    json_decref(j);
    assert_int_equal(it_server_stop(&srv), 0);

    /* the same flags start normally, and the log is intact */
    it_server_restart(&srv, sm3_args);
    j = get_json("/api/ledger/key");
    assert_string_equal(json_string_value(json_object_get(j, "origin")), ORIGIN);
    json_decref(j);
    char *out = NULL;
    assert_int_equal(it_cli(&srv, &out, "ledger", "check", NULL), 0);
    assert_non_null(strstr(out, "intact"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm3_log_by_flag),
        cmocka_unit_test(test_mismatch_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
