/*
 * Unit tests for the pure parts of `sunbid witness` (cli/witness.h) and its
 * HTTP client's parsers (cli/httpc.h): judging a served checkpoint against
 * the one cosigned last (first use, same, newer and consistent, rollback,
 * split view, failed proof, other origin, the empty tree), reading the
 * log's proof and key answers, parsing URLs and raw HTTP responses
 * (Content-Length, chunked, until close) and refusing malformed ones.
 *
 * Trees are built in memory from leaves "leaf 0", "leaf 1", ...; proofs
 * come from ledger/merkle.c over a reader that folds the leaves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "cli/httpc.h"
#include "cli/witness.h"

#define NLEAVES 40

static uint8_t leaves[NLEAVES][MERKLE_HASH_LEN];

/* The complete subtree (level, index) folded from the leaves. */
static int read_hash(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    (void)ctx;
    if (level == 0) {
        if (index >= NLEAVES)
            return -1;
        memcpy(out, leaves[index], MERKLE_HASH_LEN);
        return 0;
    }
    uint8_t l[MERKLE_HASH_LEN], r[MERKLE_HASH_LEN];
    if (read_hash(NULL, level - 1, 2 * index, l) != 0 ||
        read_hash(NULL, level - 1, 2 * index + 1, r) != 0)
        return -1;
    return merkle_node_hash(MERKLE_SHA256, l, r, out) == MERKLE_OK ? 0 : -1;
}

static const struct merkle_reader rd = {read_hash, NULL};

static void tree(uint64_t size, struct checkpoint *cp)
{
    memset(cp, 0, sizeof *cp);
    memcpy(cp->origin, "log.example/w", 14);
    cp->size = size;
    if (size == 0)
        assert_int_equal(merkle_hash(MERKLE_SHA256, "", 0, cp->root), MERKLE_OK);
    else
        assert_int_equal(merkle_root(MERKLE_SHA256, &rd, size, cp->root), MERKLE_OK);
}

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < NLEAVES; i++) {
        char e[32];
        int n = snprintf(e, sizeof e, "leaf %d", i);
        assert_int_equal(merkle_leaf_hash(MERKLE_SHA256, e, (size_t)n, leaves[i]), MERKLE_OK);
    }
    return 0;
}

static enum witness_verdict judge(const struct checkpoint *old, const struct checkpoint *cur)
{
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    size_t n = 0;
    if (old != NULL && old->size > 0 && cur->size > old->size)
        assert_int_equal(
            merkle_consistency_proof(MERKLE_SHA256, &rd, old->size, cur->size, proof, &n),
            MERKLE_OK);
    return witness_judge(old, cur, MERKLE_SHA256, (const uint8_t(*)[MERKLE_HASH_LEN])proof, n);
}

static void test_judge(void **state)
{
    (void)state;
    struct checkpoint a, b, c;
    tree(7, &a);
    tree(7, &b);
    tree(23, &c);
    assert_int_equal(witness_judge(NULL, &a, MERKLE_SHA256, NULL, 0), WITNESS_NEW);
    assert_int_equal(judge(&a, &b), WITNESS_SAME);
    assert_int_equal(judge(&a, &c), WITNESS_NEW);
    assert_int_equal(judge(&c, &a), WITNESS_ROLLBACK);
    /* every pair of sizes up to NLEAVES is consistent */
    for (uint64_t m = 0; m <= NLEAVES; m++)
        for (uint64_t n = m + 1; n <= NLEAVES; n++) {
            tree(m, &a);
            tree(n, &c);
            assert_int_equal(judge(&a, &c), WITNESS_NEW);
        }
    /* the same size with another root: split view */
    tree(7, &a);
    b.root[3] ^= 1;
    assert_int_equal(judge(&a, &b), WITNESS_FORK);
    /* a forged old root: the proof fails */
    tree(7, &a);
    tree(23, &c);
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    size_t n = 0;
    assert_int_equal(merkle_consistency_proof(MERKLE_SHA256, &rd, 7, 23, proof, &n), MERKLE_OK);
    a.root[0] ^= 1;
    assert_int_equal(
        witness_judge(&a, &c, MERKLE_SHA256, (const uint8_t(*)[MERKLE_HASH_LEN])proof, n),
        WITNESS_INCONSISTENT);
    a.root[0] ^= 1;
    /* a tampered proof, a truncated one, the wrong hash */
    proof[0][5] ^= 1;
    assert_int_equal(
        witness_judge(&a, &c, MERKLE_SHA256, (const uint8_t(*)[MERKLE_HASH_LEN])proof, n),
        WITNESS_INCONSISTENT);
    proof[0][5] ^= 1;
    assert_int_equal(
        witness_judge(&a, &c, MERKLE_SHA256, (const uint8_t(*)[MERKLE_HASH_LEN])proof, n - 1),
        WITNESS_INCONSISTENT);
    assert_int_equal(witness_judge(&a, &c, MERKLE_SM3, (const uint8_t(*)[MERKLE_HASH_LEN])proof, n),
                     WITNESS_INCONSISTENT);
    assert_int_equal(
        witness_judge(&a, &c, MERKLE_SHA256, (const uint8_t(*)[MERKLE_HASH_LEN])proof, n),
        WITNESS_NEW);
    /* an "empty tree" state whose root is not H(""), or with a proof */
    tree(0, &a);
    a.root[0] ^= 1;
    assert_int_equal(judge(&a, &c), WITNESS_INCONSISTENT);
    tree(0, &a);
    assert_int_equal(
        witness_judge(&a, &c, MERKLE_SHA256, (const uint8_t(*)[MERKLE_HASH_LEN])proof, 1),
        WITNESS_INCONSISTENT);
    /* another log */
    tree(7, &a);
    memcpy(c.origin, "other.example/w", 16);
    assert_int_equal(judge(&a, &c), WITNESS_OTHER_LOG);
    for (int v = WITNESS_OTHER_LOG; v <= WITNESS_SAME; v++)
        assert_true(strlen(witness_verdict_text((enum witness_verdict)v)) > 10);
}

static void test_proof_parse(void **state)
{
    (void)state;
    uint8_t out[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    size_t n = 99;
    char err[256], json[4096], h[B64_LEN(MERKLE_HASH_LEN)];
    b64_encode(leaves[1], MERKLE_HASH_LEN, h);
    snprintf(json, sizeof json, "{\"from\":3,\"to\":7,\"hashes\":[\"%s\",\"%s\"]}", h, h);
    assert_int_equal(witness_proof_parse(json, strlen(json), 3, 7, out, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    assert_memory_equal(out[1], leaves[1], MERKLE_HASH_LEN);
    /* asked for another range */
    assert_int_equal(witness_proof_parse(json, strlen(json), 3, 8, out, &n, err, sizeof err), -1);
    assert_int_equal(n, 0);
    const char *bad[] = {
        "",
        "[]",
        "{\"from\":3,\"to\":7}",
        "{\"from\":3,\"to\":7,\"hashes\":\"x\"}",
        "{\"from\":3,\"to\":7,\"hashes\":[1]}",
        "{\"from\":3,\"to\":7,\"hashes\":[\"AAAA\"]}",
        "{\"from\":\"3\",\"to\":7,\"hashes\":[]}",
        "{\"from\":-3,\"to\":7,\"hashes\":[]}",
        /* 33 bytes, and a non-canonical spelling of 32 */
        "{\"from\":3,\"to\":7,\"hashes\":[\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"]}",
        "{\"from\":3,\"to\":7,\"hashes\":[\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\"]}",
        "{\"from\":3,\"to\":7,\"hashes\":[],\"from\":4}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(
            witness_proof_parse(bad[i], strlen(bad[i]), 3, 7, out, &n, err, sizeof err), -1);
    /* more than MERKLE_MAX_PROOF hashes */
    struct buf b;
    buf_init(&b, 1 << 20);
    buf_puts(&b, "{\"from\":3,\"to\":7,\"hashes\":[");
    for (int i = 0; i <= MERKLE_MAX_PROOF; i++)
        buf_printf(&b, "%s\"%s\"", i ? "," : "", h);
    buf_puts(&b, "]}");
    assert_int_equal(witness_proof_parse(b.data, b.len, 3, 7, out, &n, err, sizeof err), -1);
    buf_release(&b);
    /* an empty proof is fine (from == to) */
    assert_int_equal(witness_proof_parse("{\"from\":7,\"to\":7,\"hashes\":[]}", 29, 7, 7, out, &n,
                                         err, sizeof err),
                     0);
    assert_int_equal(n, 0);
}

static void test_key_hash(void **state)
{
    (void)state;
    enum merkle_alg alg = 0;
    char err[256];
    const char *sm3 = "{\"origin\":\"o\",\"hash\":\"sm3\",\"keys\":[]}";
    assert_int_equal(witness_key_hash(sm3, strlen(sm3), &alg, err, sizeof err), 0);
    assert_int_equal(alg, MERKLE_SM3);
    const char *md5 = "{\"hash\":\"md5\"}";
    assert_int_equal(witness_key_hash(md5, strlen(md5), &alg, err, sizeof err), -1);
    assert_int_equal(witness_key_hash("nope", 4, &alg, err, sizeof err), -1);
}

static void test_url(void **state)
{
    (void)state;
    struct httpc_url u;
    char err[256];
    assert_int_equal(httpc_url_parse("http://127.0.0.1:8080", &u, err, sizeof err), 0);
    assert_string_equal(u.host, "127.0.0.1");
    assert_string_equal(u.port, "8080");
    assert_string_equal(u.prefix, "");
    assert_int_equal(httpc_url_parse("http://log.example/base/", &u, err, sizeof err), 0);
    assert_string_equal(u.host, "log.example");
    assert_string_equal(u.port, "80");
    assert_string_equal(u.prefix, "/base");
    assert_int_equal(httpc_url_parse("HTTP://[::1]:9/", &u, err, sizeof err), 0);
    assert_string_equal(u.host, "::1");
    assert_string_equal(u.port, "9");
    const char *bad[] = {"https://log.example", "ftp://x",        "http://",     "http://:80",
                         "http://a:0",          "http://a:65536", "http://a:8x", "http://a b",
                         "http://a/b c",        "http://a/b?q=1", "http://[::1", "http://[]:80",
                         "http://[::1]x",       "http://a_b",     "log.example"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(httpc_url_parse(bad[i], &u, err, sizeof err), -1);
}

static int parse(const char *raw, struct httpc_resp *r)
{
    char err[256];
    return httpc_parse_response(raw, strlen(raw), r, err, sizeof err);
}

static void test_response(void **state)
{
    (void)state;
    struct httpc_resp r;
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello+extra", &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 5);
    assert_string_equal(r.body.data, "hello");
    httpc_resp_release(&r);
    /* chunked, with an extension and a trailer */
    assert_int_equal(parse("HTTP/1.1 201 Created\r\ntransfer-encoding: Chunked\r\n\r\n"
                           "3;x=y\r\nabc\r\n1\r\nd\r\n0\r\nT: v\r\n\r\n",
                           &r),
                     0);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body.data, "abcd");
    httpc_resp_release(&r);
    /* until close, HTTP/1.0, no reason phrase */
    assert_int_equal(parse("HTTP/1.0 404\r\n\r\nnot here", &r), 0);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body.data, "not here");
    httpc_resp_release(&r);
    /* an empty body is a string */
    assert_int_equal(parse("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", &r), 0);
    assert_non_null(r.body.data);
    assert_int_equal(r.body.len, 0);
    httpc_resp_release(&r);
    httpc_resp_release(&r);
    const char *bad[] = {
        "",
        "HTTP/1.1 200 OK",
        "HTTP/1.1 200 OK\r\n",
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 0x0 OK\r\n\r\n",
        "HTTP/1.1 099 OK\r\n\r\n",
        "HTTP/1.1 200 OK\nContent-Length: 1\n\nx",
        "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: v\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1 1\r\n\r\nx",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n123456789\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parse(bad[i], &r) == 0)
            fail_msg("accepted bad response %zu: %s", i, bad[i]);
        httpc_resp_release(&r);
    }
    /* a NUL in the headers */
    static const char nul[] = "HTTP/1.1 200 OK\r\nA: b\0c\r\n\r\n";
    char err[128];
    assert_int_equal(httpc_parse_response(nul, sizeof nul - 1, &r, err, sizeof err), -1);
    httpc_resp_release(&r);
    /* headers larger than HTTPC_MAX_HEADER */
    struct buf big;
    buf_init(&big, 1 << 20);
    buf_puts(&big, "HTTP/1.1 200 OK\r\n");
    while (big.len < HTTPC_MAX_HEADER + 100)
        buf_puts(&big, "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    buf_puts(&big, "\r\n");
    assert_int_equal(httpc_parse_response(big.data, big.len, &r, err, sizeof err), -1);
    httpc_resp_release(&r);
    buf_release(&big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judge),    cmocka_unit_test(test_proof_parse),
        cmocka_unit_test(test_key_hash), cmocka_unit_test(test_url),
        cmocka_unit_test(test_response),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
