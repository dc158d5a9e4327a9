/*
 * Unit tests for bid receipts (crypto/receipt.h) and for the blob store
 * taking a spooled upload as it is (blob_put_file, store.h):
 *   - format then parse gives back the fields and the same bytes; every
 *     field out of its rules is refused by format; a text with a changed,
 *     missing, extra or reordered line, or bytes after it, is refused by
 *     parse;
 *   - the receipt key is created once (mode 0600) and read back the same;
 *     a signature verifies, and fails for any changed byte of the text, for
 *     another key, and for a mangled signature;
 *   - blob_put_file renames the spool file into the blob store (no copy,
 *     the spool name is gone), the blob reads back verified, putting the same
 *     bytes again is a no-op that still consumes the file, and a bad hash
 *     is refused and the file removed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/random.h"
#include "crypto/receipt.h"
#include "store/store.h"

static char tmpdir[512];

static int setup(void **state)
{
    (void)state;
    const char *t = getenv("SUNBID_TEST_TMP");
    mkdir(t ? t : "/tmp", 0755);
    snprintf(tmpdir, sizeof tmpdir, "%s/receipt-XXXXXX", t ? t : "/tmp");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

static struct receipt sample(void)
{
    struct receipt r = {0};
    snprintf(r.kind, sizeof r.kind, "submit");
    snprintf(r.tender, sizeof r.tender, "350100-GC-2026-00042");
    r.tender_id = 42;
    r.lot = 2;
    snprintf(r.bidder, sizeof r.bidder, "91350000158143215N");
    r.bidder_org_id = 4;
    r.bid_id = 17;
    r.version = 3;
    memset(r.sha256, 'a', 64);
    memset(r.chain, 'b', 64);
    snprintf(r.suite, sizeof r.suite, "gm");
    r.size = 123456;
    memset(r.signer, 'c', 64);
    r.time_ms = 1767258000123;
    r.seq = 9;
    return r;
}

static void test_format_parse(void **state)
{
    (void)state;
    struct receipt r = sample(), back;
    struct buf b;
    buf_init(&b, RECEIPT_MAX_TEXT);
    assert_int_equal(receipt_format(&r, &b), 0);
    assert_non_null(strstr(b.data, "time_utc: 2026-01-01T09:00:00.123Z\n"));
    assert_int_equal(receipt_parse(b.data, b.len, &back), 0);
    assert_memory_equal(&r, &back, sizeof r);
    /* each changed line, and trailing or missing bytes */
    char *t = malloc(b.len + 8);
    memcpy(t, b.data, b.len);
    assert_int_not_equal(receipt_parse(t, b.len - 1, &back), 0);
    memcpy(t + b.len, "x\n", 2);
    assert_int_not_equal(receipt_parse(t, b.len + 2, &back), 0);
    char *line = strstr(t, "seq: 9");
    line[5] = '0'; /* seq: 0 */
    assert_int_not_equal(receipt_parse(t, b.len, &back), 0);
    line[5] = '9';
    char *ver = strstr(t, "version: 3");
    ver[9] = ' '; /* not a number */
    assert_int_not_equal(receipt_parse(t, b.len, &back), 0);
    ver[9] = '3';
    char *utc = strstr(t, "time_utc: 2026");
    utc[13] = '5'; /* the date must be the time's */
    assert_int_not_equal(receipt_parse(t, b.len, &back), 0);
    free(t);
    buf_release(&b);
    /* fields out of their rules */
    struct receipt bad = sample();
    buf_init(&b, RECEIPT_MAX_TEXT);
    snprintf(bad.kind, sizeof bad.kind, "steal");
    assert_int_not_equal(receipt_format(&bad, &b), 0);
    bad = sample();
    bad.sha256[3] = 'G';
    assert_int_not_equal(receipt_format(&bad, &b), 0);
    bad = sample();
    snprintf(bad.tender, sizeof bad.tender, "has space");
    assert_int_not_equal(receipt_format(&bad, &b), 0);
    bad = sample();
    bad.size = 0;
    assert_int_not_equal(receipt_format(&bad, &b), 0);
    buf_release(&b);
}

static void test_key_and_signature(void **state)
{
    (void)state;
    EVP_PKEY *k1 = NULL, *k2 = NULL;
    char err[256], id1[65], id2[65], sig[RECEIPT_SIG_B64];
    struct stat st;
    char path[600];
    assert_int_equal(receipt_key_load(tmpdir, &k1, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/%s", tmpdir, RECEIPT_KEY_FILE);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(receipt_key_load(tmpdir, &k2, err, sizeof err), 0); /* read back */
    assert_int_equal(receipt_key_id(k1, id1), 0);
    assert_int_equal(receipt_key_id(k2, id2), 0);
    assert_string_equal(id1, id2);

    struct receipt r = sample();
    struct buf b, pem;
    buf_init(&b, RECEIPT_MAX_TEXT);
    buf_init(&pem, 4096);
    assert_int_equal(receipt_format(&r, &b), 0);
    assert_int_equal(receipt_sign(k1, b.data, b.len, sig), 0);
    assert_int_equal(receipt_key_pem(k1, &pem), 0);
    EVP_PKEY *pub = receipt_key_parse(pem.data, pem.len);
    assert_non_null(pub);
    assert_true(receipt_verify(pub, b.data, b.len, sig));
    /* any changed byte */
    for (size_t i = 0; i < b.len; i += 7) {
        b.data[i] ^= 0x20;
        assert_false(receipt_verify(pub, b.data, b.len, sig));
        b.data[i] ^= 0x20;
    }
    /* another key; a mangled signature */
    EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_false(receipt_verify(other, b.data, b.len, sig));
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    assert_false(receipt_verify(pub, b.data, b.len, sig));
    assert_false(receipt_verify(pub, b.data, b.len, "short"));
    assert_null(receipt_key_parse("not a key", 9));
    EVP_PKEY_free(other);
    EVP_PKEY_free(pub);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
    buf_release(&b);
    buf_release(&pem);
}

static void test_blob_put_file(void **state)
{
    (void)state;
    struct store *s = NULL;
    char err[256], spool[700], hash[65], blobpath[900];
    struct stat st;
    snprintf(spool, sizeof spool, "%s/data", tmpdir);
    assert_int_equal(store_open(&s, NULL, spool, err, sizeof err), STORE_OK);
    const char body[] = "\x89SBE\r\n\x1a\n an envelope's bytes";
    crypto_sha256_hex(body, sizeof body - 1, hash);
    for (int round = 0; round < 2; round++) {
        snprintf(spool, sizeof spool, "%s/data/up-%d", tmpdir, round);
        FILE *f = fopen(spool, "wb");
        assert_non_null(f);
        fwrite(body, 1, sizeof body - 1, f);
        fclose(f);
        assert_int_equal(blob_put_file(s, spool, sizeof body - 1, hash), STORE_OK);
        assert_int_not_equal(stat(spool, &st), 0); /* consumed */
    }
    snprintf(blobpath, sizeof blobpath, "%s/data/blobs/%.2s/%s", tmpdir, hash, hash);
    assert_int_equal(stat(blobpath, &st), 0);
    assert_int_equal((size_t)st.st_size, sizeof body - 1);
    struct buf out;
    buf_init(&out, 1024);
    assert_int_equal(blob_get(s, hash, &out), STORE_OK);
    assert_memory_equal(out.data, body, sizeof body - 1);
    buf_release(&out);
    /* a bad hash: refused, and the file goes all the same */
    snprintf(spool, sizeof spool, "%s/data/up-bad", tmpdir);
    FILE *f = fopen(spool, "wb");
    fputs("x", f);
    fclose(f);
    assert_int_not_equal(blob_put_file(s, spool, 1, "nothex"), STORE_OK);
    assert_int_not_equal(stat(spool, &st), 0);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_parse),
        cmocka_unit_test(test_key_and_signature),
        cmocka_unit_test(test_blob_put_file),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
