/*
 * Unit tests for ledger/cosign.h: C2SP tlog-cosignature v1 lines — sign and
 * verify round trips, wrong key, wrong timestamp, tampered body, malformed
 * lines and key texts (witness keys are note.h keys of type
 * NOTE_COSIGN_V1), that log keys and witness keys never stand in for each
 * other, and loading the trusted witnesses.
 *
 * Vector: the checkpoint body and timestamp (1679315147, 0x641850CB) are
 * those of the example in the spec (c2sp.org/tlog-cosignature v1.0.0); the
 * spec does not publish the witness's key, so the key (seed 00 01 .. 1f)
 * and the expected key id and line were computed independently with
 * Python's `cryptography` Ed25519 and hashlib (not with this code).
 * Ed25519 is deterministic, so our line must equal it byte for byte.
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

#include "ledger/cosign.h"

static const char body[] = "example.com/behind-the-sofa\n20852163\n"
                           "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
static const char w1_vkey[] =
    "witness.example.com/w1+a0059f11+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
static const char w1_skey[] = "PRIVATE+KEY+witness.example.com/w1+a0059f11+"
                              "BAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
static const char w1_line[] =
    "\xe2\x80\x94 witness.example.com/w1 "
    "oAWfEQAAAABkGFDLBuRDazBLVac2NE+Y+IjbjQOcXLfF9CSDZVUIoS83rE1nFZsVE8YiWV6Ngr7lV8H6bdoBQGP/"
    "l73euDMQ9k+bBQ==\n";
#define W1_TS UINT64_C(1679315147)

static void test_vector(void **state)
{
    (void)state;
    struct note_key sk, vk;
    struct buf b;
    uint64_t ts = 0;
    buf_init(&b, 4096);
    assert_int_equal(note_key_parse_skey(&sk, w1_skey, strlen(w1_skey)), NOTE_OK);
    assert_int_equal(note_key_parse_vkey(&vk, w1_vkey, strlen(w1_vkey)), NOTE_OK);
    assert_int_equal(sk.id, 0xa0059f11u);
    assert_int_equal(cosign_sign(&sk, body, strlen(body), W1_TS, &b), NOTE_OK);
    assert_string_equal(b.data, w1_line);
    assert_int_equal(cosign_verify_line(&vk, body, strlen(body), w1_line, strlen(w1_line), &ts),
                     NOTE_OK);
    assert_true(ts == W1_TS);
    /* key texts re-format to the same strings */
    buf_reset(&b);
    assert_int_equal(note_key_vkey(&sk, &b), NOTE_OK);
    assert_string_equal(b.data, w1_vkey);
    buf_reset(&b);
    assert_int_equal(note_key_skey(&sk, &b), NOTE_OK);
    assert_string_equal(b.data, w1_skey);
    buf_reset(&b);
    assert_int_equal(note_key_skey(&vk, &b), NOTE_EMALFORMED);
    note_key_release(&sk);
    note_key_release(&vk);
    note_key_release(&vk);
    buf_release(&b);
}

static void test_roundtrip_and_failures(void **state)
{
    (void)state;
    struct note_key k, other, same_name;
    struct buf line, vt;
    uint64_t ts = 0;
    size_t n = strlen(body);
    buf_init(&line, 4096);
    buf_init(&vt, 4096);
    assert_int_equal(note_key_generate(&k, "w.example/a", NOTE_COSIGN_V1), NOTE_OK);
    assert_int_equal(note_key_generate(&other, "w.example/b", NOTE_COSIGN_V1), NOTE_OK);
    assert_int_equal(note_key_generate(&same_name, "w.example/a", NOTE_COSIGN_V1), NOTE_OK);
    assert_int_equal(cosign_sign(&k, body, n, 1764400000, &line), NOTE_OK);

    /* the verifier key alone verifies */
    struct note_key pub;
    assert_int_equal(note_key_vkey(&k, &vt), NOTE_OK);
    assert_int_equal(note_key_parse_vkey(&pub, vt.data, vt.len), NOTE_OK);
    assert_false(pub.has_private);
    assert_int_equal(cosign_verify_line(&pub, body, n, line.data, line.len, &ts), NOTE_OK);
    assert_true(ts == 1764400000);
    /* without the final newline too */
    assert_int_equal(cosign_verify_line(&pub, body, n, line.data, line.len - 1, NULL), NOTE_OK);

    /* wrong key: another name, or the same name with another key */
    assert_int_equal(cosign_verify_line(&other, body, n, line.data, line.len, NULL),
                     NOTE_EUNVERIFIED);
    assert_int_equal(cosign_verify_line(&same_name, body, n, line.data, line.len, NULL),
                     NOTE_EUNVERIFIED);

    /* tampered body */
    char *t = strdup(body);
    t[strlen("example.com/behind-the-sofa\n2085216")] = '4';
    assert_int_equal(cosign_verify_line(&pub, t, n, line.data, line.len, NULL), NOTE_EBADSIG);
    free(t);

    /* wrong timestamp: sign at T, change the 8 timestamp bytes to T+1 */
    struct buf l2;
    buf_init(&l2, 4096);
    assert_int_equal(cosign_sign(&k, body, n, 1764400001, &l2), NOTE_OK);
    /* the line of T+1 verifies, and carries T+1 */
    assert_int_equal(cosign_verify_line(&pub, body, n, l2.data, l2.len, &ts), NOTE_OK);
    assert_true(ts == 1764400001);
    /* graft T+1's key id and timestamp onto T's signature: the first 12
     * bytes are the first 16 base64 characters after the name */
    size_t off = strlen("\xe2\x80\x94 w.example/a ");
    char *graft = strdup(line.data);
    memcpy(graft + off, l2.data + off, 16);
    assert_int_equal(cosign_verify_line(&pub, body, n, graft, strlen(graft), NULL), NOTE_EBADSIG);
    free(graft);

    /* malformed lines */
    const char *bad[] = {
        "",
        "- w.example/a AAAA\n",
        "\xe2\x80\x94 w.example/a\n",
        "\xe2\x80\x94  w.example/a AAAA\n",
        "\xe2\x80\x94 w.example/a AAA\n",
        "\xe2\x80\x94 w.example/a AAAA AAAA\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_not_equal(cosign_verify_line(&pub, body, n, bad[i], strlen(bad[i]), NULL),
                             NOTE_OK);
    /* right id, wrong length */
    assert_int_equal(cosign_verify_line(&pub, body, n, line.data, off + 16, NULL), NOTE_EMALFORMED);
    /* the body must end in a newline */
    assert_int_equal(cosign_verify_line(&pub, body, n - 1, line.data, line.len, NULL),
                     NOTE_EMALFORMED);

    /* name from a line */
    const char *nm;
    size_t nl;
    assert_true(cosign_line_name(line.data, line.len, &nm, &nl));
    assert_int_equal(nl, strlen("w.example/a"));
    assert_memory_equal(nm, "w.example/a", nl);
    assert_false(cosign_line_name("x", 1, &nm, &nl));

    note_key_release(&k);
    note_key_release(&other);
    note_key_release(&same_name);
    note_key_release(&pub);
    buf_release(&line);
    buf_release(&l2);
    buf_release(&vt);
}

static void test_bad_keys(void **state)
{
    (void)state;
    struct note_key k;
    const char *bad[] = {
        "",
        "witness.example.com/w1",
        /* wrong key id */
        "witness.example.com/w1+a0059f12+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4",
        /* upper-case hex */
        "witness.example.com/w1+A0059F11+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4",
        /* other name, same key */
        "witness.example.com/w2+a0059f11+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4",
        /* truncated */
        "witness.example.com/w1+a0059f11+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVT",
        "a b+a0059f11+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(note_key_parse_vkey(&k, bad[i], strlen(bad[i])), NOTE_EMALFORMED);
        assert_null(k.pkey);
    }
    assert_int_equal(note_key_parse_skey(&k, w1_vkey, strlen(w1_vkey)), NOTE_EMALFORMED);
    assert_int_equal(note_key_generate(&k, "bad name", NOTE_COSIGN_V1), NOTE_EMALFORMED);
    assert_int_equal(note_key_generate(&k, "a+b", NOTE_COSIGN_V1), NOTE_EMALFORMED);
}

/* Cosignature keys (0x04) and note keys (0x01) share struct note_key but
 * never stand in for each other. */
static void test_key_types_kept_apart(void **state)
{
    (void)state;
    static const char peter_vkey[] =
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    struct note_key wk, logk, peter;
    struct buf note, line;
    size_t n = strlen(body);
    int good = -1;
    buf_init(&note, NOTE_MAX_BYTES);
    buf_init(&line, 4096);

    assert_int_equal(note_key_parse_skey(&wk, w1_skey, strlen(w1_skey)), NOTE_OK);
    assert_int_equal(wk.type, NOTE_COSIGN_V1);
    assert_int_equal(note_key_parse_vkey(&peter, peter_vkey, strlen(peter_vkey)), NOTE_OK);
    assert_int_equal(peter.type, NOTE_ED25519);
    /* the log's key, named like the witness: the type byte alone tells them apart */
    assert_int_equal(note_key_generate(&logk, "witness.example.com/w1", NOTE_ED25519), NOTE_OK);
    assert_int_not_equal(logk.id, wk.id);

    /* a witness key does not sign notes; a note key does not cosign */
    assert_int_equal(note_sign(body, n, &wk, 1, &note), NOTE_EMALFORMED);
    buf_reset(&note);
    assert_int_equal(cosign_sign(&logk, body, n, W1_TS, &line), NOTE_EMALFORMED);
    assert_int_equal(cosign_verify_line(&logk, body, n, w1_line, strlen(w1_line), NULL),
                     NOTE_EUNVERIFIED);

    /* a checkpoint signed by the log and cosigned by the witness */
    assert_int_equal(note_sign(body, n, &logk, 1, &note), NOTE_OK);
    assert_int_equal(cosign_sign(&wk, body, n, W1_TS, &note), NOTE_OK);
    /* note_open never counts the cosignature as a note signature */
    assert_int_equal(note_open(note.data, note.len, &wk, 1, NULL, &good), NOTE_EUNVERIFIED);
    assert_int_equal(good, 0);
    struct note_key both[2] = {wk, logk};
    assert_int_equal(note_open(note.data, note.len, both, 2, NULL, &good), NOTE_OK);
    assert_int_equal(good, 1);
    /* ... while cosign_verify_line checks that last line */
    const char *last = strstr(note.data, w1_line);
    assert_non_null(last);
    assert_int_equal(cosign_verify_line(&wk, body, n, last, strlen(last), NULL), NOTE_OK);

    note_key_release(&wk);
    note_key_release(&logk);
    note_key_release(&peter);
    buf_release(&note);
    buf_release(&line);
}

static void test_witnesses_load(void **state)
{
    (void)state;
    struct cosign_witnesses w = {0};
    char err[256], path[] = "/tmp/sunbid-test-witnesses-XXXXXX";
    const char *peter = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const char *args[1] = {w1_vkey};

    /* a log (0x01) key is refused as a witness, with a reason */
    assert_int_equal(cosign_witnesses_load(&w, &peter, 1, NULL, err, sizeof err), NOTE_EMALFORMED);
    assert_non_null(strstr(err, "not a witness"));
    assert_null(w.keys);
    /* the same witness twice, once from the file */
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "# trusted witnesses\n\n%s\n", w1_vkey);
    fclose(f);
    assert_int_equal(cosign_witnesses_load(&w, args, 1, path, err, sizeof err), NOTE_EMALFORMED);
    assert_non_null(strstr(err, "twice"));
    /* from the file alone (comments and blank lines skipped) */
    assert_int_equal(cosign_witnesses_load(&w, NULL, 0, path, err, sizeof err), NOTE_OK);
    assert_int_equal(w.n, 1);
    const struct note_key *k = cosign_witness_find(&w, "witness.example.com/w1", 22);
    assert_non_null(k);
    assert_int_equal(k->type, NOTE_COSIGN_V1);
    assert_null(cosign_witness_find(&w, "witness.example.com/w2", 22));
    assert_int_equal(cosign_verify_line(k, body, strlen(body), w1_line, strlen(w1_line), NULL),
                     NOTE_OK);
    cosign_witnesses_free(&w);
    cosign_witnesses_free(&w);
    /* a missing file is no error */
    unlink(path);
    assert_int_equal(cosign_witnesses_load(&w, args, 1, path, err, sizeof err), NOTE_OK);
    assert_int_equal(w.n, 1);
    cosign_witnesses_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector),         cmocka_unit_test(test_roundtrip_and_failures),
        cmocka_unit_test(test_bad_keys),       cmocka_unit_test(test_key_types_kept_apart),
        cmocka_unit_test(test_witnesses_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
