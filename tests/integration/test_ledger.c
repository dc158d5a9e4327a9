/*
 * The witness log end to end, against the real server (and, as
 * integration/ledger_pg, on PostgreSQL): a real write (POST /api/orgs) queues
 * its event in the same transaction, the sequencer (holder of the
 * ledger.sequencer lease) integrates it and signs a checkpoint, and
 * everything a monitor needs comes over the public HTTP API and is checked
 * here with the library's own verifiers (ledger/merkle.h, ledger/note.h),
 * without trusting the server: the checkpoint signature against the
 * published key, each entry's leaf hash, an inclusion proof for every leaf,
 * a consistency proof between two checkpoints. Bad parameters are refused.
 * A second server creates its log with SM3 (SUNBID_LEDGER_HASH) and signs
 * with Ed25519 and SM2.
 *
 * Entry bytes of private events (user.create: the demo's users) are
 * withheld from anonymous callers and from signed-in users other than admin
 * and supervisor, who get them; everyone gets every leaf hash and
 * "public", and a withheld entry's leaf hash still has an inclusion proof.
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

static struct it_server srv;
static struct it_session admin;
static struct note_key keys[2]; /* the log's published verifier keys */
static size_t nkeys;
static enum merkle_alg alg;

static int setup(void **state)
{
    it_server_start(&srv, IT_DEMO, NULL);
    assert_int_equal(it_login(&srv, "admin", IT_DEMO_PASSWORD, 1, &admin), 200);
    return 0;
}

static int teardown(void **state)
{
    for (size_t i = 0; i < nkeys; i++)
        note_key_release(&keys[i]);
    nkeys = 0;
    assert_int_equal(it_server_stop(&srv), 0);
    return 0;
}

static json_t *get_json(const char *path, int want_status)
{
    struct it_resp r;
    json_error_t e;
    assert_int_equal(it_request(&srv, "GET", path, NULL, NULL, &r), 0);
    if (r.status != want_status)
        fail_msg("GET %s: %d %s", path, r.status, r.body);
    json_t *j = json_loads(r.body, 0, &e);
    it_resp_free(&r);
    assert_non_null(j);
    return j;
}

static void b64_32(const char *s, uint8_t out[MERKLE_HASH_LEN])
{
    assert_int_equal(b64_decode(s, strlen(s), out, MERKLE_HASH_LEN, 0), MERKLE_HASH_LEN);
}

/* Waits for a signed checkpoint of at least min_size; verifies it. */
static void wait_checkpoint(uint64_t min_size, struct checkpoint *cp)
{
    for (int i = 0; i < 200; i++) {
        struct it_resp r;
        size_t tl;
        int good;
        assert_int_equal(it_request(&srv, "GET", "/api/ledger/checkpoint", NULL, NULL, &r), 0);
        if (r.status == 200) {
            assert_non_null(strstr(r.headers, "text/plain"));
            /* every published key signed it */
            assert_int_equal(note_open(r.body, r.body_len, keys, nkeys, &tl, &good), NOTE_OK);
            assert_int_equal(good, (int)nkeys);
            assert_int_equal(checkpoint_parse(r.body, tl, cp), NOTE_OK);
            it_resp_free(&r);
            if (cp->size >= min_size)
                return;
        } else {
            assert_int_equal(r.status, 404);
            it_resp_free(&r);
        }
        usleep(50 * 1000);
    }
    fail_msg("no checkpoint of size >= %llu", (unsigned long long)min_size);
}

static int64_t create_org(const char *name, const char *uscc)
{
    struct it_resp r;
    char body[512];
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"uscc\":\"%s\",\"legal_rep\":\"张三\"}", name,
             uscc);
    assert_int_equal(it_request_as(&srv, &admin, "POST", "/api/orgs", body, &r), 0);
    if (r.status != 201)
        fail_msg("POST /api/orgs: %d %s", r.status, r.body);
    const char *p = strstr(r.body, "\"id\":");
    assert_non_null(p);
    int64_t id = strtoll(p + 5, NULL, 10);
    it_resp_free(&r);
    return id;
}

/* Reads GET /api/ledger/key into keys/nkeys/alg; checks the hash named. */
static void load_key(enum merkle_alg want_alg, size_t want_keys)
{
    json_t *j = get_json("/api/ledger/key", 200);
    const char *origin = json_string_value(json_object_get(j, "origin"));
    const char *hash = json_string_value(json_object_get(j, "hash"));
    json_t *ks = json_object_get(j, "keys");
    assert_non_null(origin);
    assert_non_null(hash);
    alg = merkle_alg_parse(hash);
    assert_int_equal(alg, want_alg);
    assert_int_equal(json_array_size(ks), want_keys);
    for (size_t i = 0; i < nkeys; i++)
        note_key_release(&keys[i]);
    nkeys = 0;
    for (size_t i = 0; i < want_keys; i++) {
        const char *vk = json_string_value(json_array_get(ks, i));
        assert_int_equal(note_key_parse_vkey(&keys[i], vk, strlen(vk)), NOTE_OK);
        assert_string_equal(keys[i].name, origin);
        nkeys++;
    }
    json_decref(j);
}

static void test_key(void **state)
{
    load_key(MERKLE_SHA256, 1);
    assert_int_equal(keys[0].type, NOTE_ED25519);
}

/* Fetches [0, size) and checks every entry's leaf hash; returns the index of
 * the org.create entry for org_id (or -1). */
static int64_t check_entries(uint64_t size, int64_t org_id)
{
    int64_t found = -1;
    char want[64];
    snprintf(want, sizeof want, "\"subject\":{\"id\":%lld,\"type\":\"org\"}", (long long)org_id);
    for (uint64_t start = 0; start < size;) {
        char path[128];
        snprintf(path, sizeof path, "/api/ledger/entries?start=%llu&end=%llu",
                 (unsigned long long)start, (unsigned long long)size);
        json_t *j = get_json(path, 200);
        json_t *arr = json_object_get(j, "entries");
        assert_true(json_array_size(arr) > 0);
        for (size_t i = 0; i < json_array_size(arr); i++) {
            json_t *e = json_array_get(arr, i);
            uint8_t lh[MERKLE_HASH_LEN], mine[MERKLE_HASH_LEN];
            const char *eb = json_string_value(json_object_get(e, "entry"));
            char entry[8192];
            /* the public gets the bytes of public events only */
            assert_true(json_is_boolean(json_object_get(e, "public")));
            if (eb == NULL) {
                assert_true(json_is_false(json_object_get(e, "public")));
                b64_32(json_string_value(json_object_get(e, "leaf_hash")), lh);
                continue;
            }
            assert_true(json_is_true(json_object_get(e, "public")));
            long n = b64_decode(eb, strlen(eb), entry, sizeof entry - 1, 0);
            assert_true(n > 0);
            entry[n] = '\0';
            assert_int_equal(json_integer_value(json_object_get(e, "index")), start + i);
            b64_32(json_string_value(json_object_get(e, "leaf_hash")), lh);
            assert_int_equal(merkle_leaf_hash(alg, entry, (size_t)n, mine), MERKLE_OK);
            assert_memory_equal(lh, mine, MERKLE_HASH_LEN);
            if (strstr(entry, "\"type\":\"org.create\"") != NULL && strstr(entry, want) != NULL)
                found = (int64_t)(start + i);
        }
        start += json_array_size(arr);
        json_decref(j);
    }
    return found;
}

static void inclusion(uint64_t index, const struct checkpoint *cp)
{
    char path[128];
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN], lh[MERKLE_HASH_LEN];
    snprintf(path, sizeof path, "/api/ledger/entries?start=%llu&end=%llu",
             (unsigned long long)index, (unsigned long long)index + 1);
    json_t *e = get_json(path, 200);
    b64_32(json_string_value(
               json_object_get(json_array_get(json_object_get(e, "entries"), 0), "leaf_hash")),
           lh);
    json_decref(e);
    snprintf(path, sizeof path, "/api/ledger/proof/inclusion?index=%llu&size=%llu",
             (unsigned long long)index, (unsigned long long)cp->size);
    json_t *j = get_json(path, 200);
    json_t *h = json_object_get(j, "hashes");
    size_t n = json_array_size(h);
    assert_true(n <= MERKLE_MAX_PROOF);
    for (size_t i = 0; i < n; i++)
        b64_32(json_string_value(json_array_get(h, i)), proof[i]);
    assert_int_equal(merkle_inclusion_verify(alg, index, cp->size, lh,
                                             (const uint8_t(*)[MERKLE_HASH_LEN])proof, n, cp->root),
                     MERKLE_OK);
    /* the same proof does not prove another leaf */
    if (cp->size > 1)
        assert_int_not_equal(merkle_inclusion_verify(alg, (index + 1) % cp->size, cp->size, lh,
                                                     (const uint8_t(*)[MERKLE_HASH_LEN])proof, n,
                                                     cp->root),
                             MERKLE_OK);
    json_decref(j);
}

static void test_write_lands_in_log(void **state)
{
    struct checkpoint cp1, cp2;
    int64_t org1 = create_org("见证测试一有限公司", "91440300708461136T");
    wait_checkpoint(1, &cp1);
    /* the checkpoint covers the org: wait until it does */
    int64_t idx = -1;
    for (int i = 0; i < 100 && idx < 0; i++) {
        idx = check_entries(cp1.size, org1);
        if (idx < 0) {
            wait_checkpoint(cp1.size + 1, &cp1);
        }
    }
    assert_true(idx >= 0);
    for (uint64_t i = 0; i < cp1.size; i++)
        inclusion(i, &cp1);

    /* a second write; the next checkpoint is consistent with the first */
    int64_t org2 = create_org("见证测试二有限公司", "91330100799655058B");
    wait_checkpoint(cp1.size + 1, &cp2);
    assert_true(check_entries(cp2.size, org2) >= (int64_t)cp1.size);
    inclusion(cp2.size - 1, &cp2);
    char path[128];
    snprintf(path, sizeof path, "/api/ledger/proof/consistency?from=%llu&to=%llu",
             (unsigned long long)cp1.size, (unsigned long long)cp2.size);
    json_t *j = get_json(path, 200);
    json_t *h = json_object_get(j, "hashes");
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    size_t n = json_array_size(h);
    assert_true(n > 0 && n <= MERKLE_MAX_PROOF);
    for (size_t i = 0; i < n; i++)
        b64_32(json_string_value(json_array_get(h, i)), proof[i]);
    const uint8_t(*p)[MERKLE_HASH_LEN] = (const uint8_t(*)[MERKLE_HASH_LEN])proof;
    assert_int_equal(merkle_consistency_verify(alg, cp1.size, cp2.size, cp1.root, cp2.root, p, n),
                     MERKLE_OK);
    assert_int_not_equal(
        merkle_consistency_verify(alg, cp1.size, cp2.size, cp2.root, cp1.root, p, n), MERKLE_OK);
    json_decref(j);
    snprintf(path, sizeof path, "/api/ledger/proof/consistency?from=%llu&to=%llu",
             (unsigned long long)cp2.size, (unsigned long long)cp2.size);
    j = get_json(path, 200);
    assert_int_equal(json_array_size(json_object_get(j, "hashes")), 0);
    json_decref(j);
}

/* GET /api/ledger/entries?start=0&end=size as who (NULL: anonymous). */
static json_t *entries_as(const struct it_session *who, uint64_t size)
{
    struct it_resp r;
    json_error_t e;
    char path[128];
    snprintf(path, sizeof path, "/api/ledger/entries?start=0&end=%llu", (unsigned long long)size);
    if (who != NULL)
        assert_int_equal(it_request_as(&srv, who, "GET", path, NULL, &r), 0);
    else
        assert_int_equal(it_request(&srv, "GET", path, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    json_t *j = json_loads(r.body, 0, &e);
    it_resp_free(&r);
    assert_non_null(j);
    return j;
}

/* Counts (public with bytes, private with bytes, private without). */
static void count_entries(json_t *j, int *pub, int *priv_bytes, int *priv_none)
{
    json_t *arr = json_object_get(j, "entries");
    *pub = *priv_bytes = *priv_none = 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        const char *eb = json_string_value(json_object_get(e, "entry"));
        assert_non_null(json_string_value(json_object_get(e, "leaf_hash")));
        if (json_is_true(json_object_get(e, "public"))) {
            assert_non_null(eb);
            (*pub)++;
        } else {
            assert_true(json_is_false(json_object_get(e, "public")));
            if (eb != NULL) {
                char entry[8192];
                long n = b64_decode(eb, strlen(eb), entry, sizeof entry - 1, 0);
                assert_true(n > 0);
                entry[n] = '\0';
                /* private: users, and the demo tenders' steps; never a public type */
                assert_null(strstr(entry, "\"type\":\"org.create\""));
                (*priv_bytes)++;
            } else {
                (*priv_none)++;
            }
        }
    }
}

static void test_private_entries_withheld(void **state)
{
    struct checkpoint cp;
    struct it_session sup, bidder;
    int pub, pb, pn;
    /* the demo made 12 users (user.create, private) and 2 organisations */
    wait_checkpoint(14, &cp);
    assert_int_equal(it_login(&srv, "supervisor", IT_DEMO_PASSWORD, 1, &sup), 200);
    assert_int_equal(it_login(&srv, "bidder1", IT_DEMO_PASSWORD, 1, &bidder), 200);

    json_t *anon = entries_as(NULL, cp.size);
    count_entries(anon, &pub, &pb, &pn);
    assert_true(pub >= 2);
    assert_int_equal(pb, 0);
    assert_true(pn >= 12);
    int want_private = pn;
    json_t *j = entries_as(&bidder, cp.size);
    count_entries(j, &pub, &pb, &pn);
    assert_int_equal(pb, 0); /* a bidder is not the public's superior */
    assert_int_equal(pn, want_private);
    json_decref(j);
    const struct it_session *readers[] = {&admin, &sup};
    for (size_t k = 0; k < 2; k++) {
        j = entries_as(readers[k], cp.size);
        count_entries(j, &pub, &pb, &pn);
        assert_int_equal(pb, want_private);
        assert_int_equal(pn, 0);
        /* the same leaves, the same hashes */
        json_t *a = json_object_get(anon, "entries"), *b = json_object_get(j, "entries");
        assert_int_equal(json_array_size(a), json_array_size(b));
        for (size_t i = 0; i < json_array_size(a); i++)
            assert_string_equal(
                json_string_value(json_object_get(json_array_get(a, i), "leaf_hash")),
                json_string_value(json_object_get(json_array_get(b, i), "leaf_hash")));
        json_decref(j);
    }
    /* a withheld entry is still provable by its hash alone */
    json_t *arr = json_object_get(anon, "entries");
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (json_is_false(json_object_get(json_array_get(arr, i), "public"))) {
            inclusion(json_integer_value(json_object_get(json_array_get(arr, i), "index")), &cp);
            break;
        }
    json_decref(anon);
}

static void test_bad_parameters(void **state)
{
    static const char *const bad[] = {
        "/api/ledger/entries",
        "/api/ledger/entries?start=0",
        "/api/ledger/entries?start=-1&end=2",
        "/api/ledger/entries?start=2&end=2",
        "/api/ledger/entries?start=1000000&end=1000001",
        "/api/ledger/entries?start=01&end=2",
        "/api/ledger/proof/inclusion?index=0",
        "/api/ledger/proof/inclusion?index=5&size=5",
        "/api/ledger/proof/inclusion?index=0&size=0",
        "/api/ledger/proof/inclusion?index=0&size=1000000",
        "/api/ledger/proof/inclusion?index=x&size=1",
        "/api/ledger/proof/consistency?from=3&to=2",
        "/api/ledger/proof/consistency?from=1&to=1000000",
        "/api/ledger/proof/consistency?from=1&to=99999999999999999999",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = get_json(bad[i], 422);
        assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
                            "invalid_field");
        json_decref(j);
    }
}

/* A log created with SM3 (SUNBID_LEDGER_HASH=sm3 at its first start): SM3
 * tree, checkpoints signed with Ed25519 and SM2. */
static void test_sm3_log(void **state)
{
    struct it_server sha = srv;
    struct it_session sha_admin = admin;
    struct checkpoint cp;
    setenv("SUNBID_LEDGER_HASH", "sm3", 1);
    setenv("SUNBID_LEDGER_ORIGIN", "sm3.sunbid.test/ledger", 1);
    it_server_start(&srv, IT_DEMO, NULL);
    unsetenv("SUNBID_LEDGER_HASH");
    unsetenv("SUNBID_LEDGER_ORIGIN");
    assert_int_equal(it_login(&srv, "admin", IT_DEMO_PASSWORD, 1, &admin), 200);
    load_key(MERKLE_SM3, 2);
    assert_int_equal(keys[0].type, NOTE_ED25519);
    assert_int_equal(keys[1].type, NOTE_SM2);
    assert_string_equal(keys[0].name, "sm3.sunbid.test/ledger");
    int64_t org = create_org("国密见证有限公司", "91440300708461136T");
    wait_checkpoint(1, &cp);
    int64_t idx = -1;
    for (int i = 0; i < 100 && idx < 0; i++) {
        idx = check_entries(cp.size, org);
        if (idx < 0)
            wait_checkpoint(cp.size + 1, &cp);
    }
    assert_true(idx >= 0);
    inclusion((uint64_t)idx, &cp);
    assert_int_equal(it_server_stop(&srv), 0);
    srv = sha;
    admin = sha_admin;
    load_key(MERKLE_SHA256, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key),
        cmocka_unit_test(test_write_lands_in_log),
        cmocka_unit_test(test_bad_parameters),
        cmocka_unit_test(test_private_entries_withheld),
        cmocka_unit_test(test_sm3_log),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
