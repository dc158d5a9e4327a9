/*
 * Unit tests for ledger/note.h: C2SP signed notes, Ed25519 and SM2 keys,
 * tlog checkpoints.
 *
 * The Ed25519 vector (data only) is the example key and note of Go's
 * signed-note package, golang/mod sumdb/note/note_test.go (TestSign,
 * TestOpen): signer key "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEK...", verifier
 * "PeterNeumann+c74f20a3+ARpc...", the EnochRoot verifier key and signature,
 * and the signed text "If you think cryptography is the answer...".
 * Ed25519 is deterministic, so our signature must equal Go's byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/base64.h"
#include "ledger/note.h"

static const char peter_skey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char peter_vkey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char enoch_vkey[] = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
static const char text[] = "If you think cryptography is the answer to your problem,\n"
                           "then you don't know what your problem is.\n";
static const char peter_sig[] =
    "\xe2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfq"
    "dngotpRZb6KE6RyyBwJnAM=\n";
static const char enoch_sig[] =
    "\xe2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG0"
    "1oOTGwnWLox33WWd1RvMc+QQ=\n";

static void test_go_vector_sign(void **state)
{
    struct note_key k;
    struct buf out, vk;
    buf_init(&out, 4096);
    buf_init(&vk, 4096);
    assert_int_equal(note_key_parse_skey(&k, peter_skey, strlen(peter_skey)), NOTE_OK);
    assert_int_equal(k.id, 0xc74f20a3u);
    assert_string_equal(k.name, "PeterNeumann");
    assert_int_equal(note_key_vkey(&k, &vk), NOTE_OK);
    assert_string_equal(vk.data, peter_vkey);
    buf_reset(&vk);
    assert_int_equal(note_key_skey(&k, &vk), NOTE_OK);
    assert_string_equal(vk.data, peter_skey);
    assert_int_equal(note_sign(text, strlen(text), &k, 1, &out), NOTE_OK);
    char want[1024];
    snprintf(want, sizeof want, "%s\n%s", text, peter_sig);
    assert_string_equal(out.data, want);
    note_key_release(&k);
    buf_release(&out);
    buf_release(&vk);
}

static void test_go_vector_open(void **state)
{
    struct note_key keys[2];
    char msg[2048];
    size_t tl;
    int good;
    assert_int_equal(note_key_parse_vkey(&keys[0], peter_vkey, strlen(peter_vkey)), NOTE_OK);
    assert_int_equal(note_key_parse_vkey(&keys[1], enoch_vkey, strlen(enoch_vkey)), NOTE_OK);
    assert_int_equal(keys[1].id, 0xaf0cfe78u);
    int n = snprintf(msg, sizeof msg, "%s\n%s%s", text, peter_sig, enoch_sig);
    /* one known key: one verified, the other ignored */
    assert_int_equal(note_open(msg, (size_t)n, keys, 1, &tl, &good), NOTE_OK);
    assert_int_equal(tl, strlen(text));
    assert_int_equal(good, 1);
    assert_int_equal(note_open(msg, (size_t)n, keys, 2, &tl, &good), NOTE_OK);
    assert_int_equal(good, 2);
    /* no known key */
    assert_int_equal(note_open(msg, (size_t)n, NULL, 0, NULL, NULL), NOTE_EUNVERIFIED);
    /* a known key whose signature is wrong rejects the note */
    n = snprintf(msg, sizeof msg, "%s\n%.60sABCD%s", text, peter_sig, peter_sig + 60);
    assert_int_equal(note_open(msg, (size_t)n, keys, 1, NULL, NULL), NOTE_EBADSIG);
    n = snprintf(msg, sizeof msg, "%s\n%s", text, peter_sig);
    msg[0] = 'i'; /* the text changed */
    assert_int_equal(note_open(msg, (size_t)n, keys, 1, NULL, NULL), NOTE_EBADSIG);
    /* Go's malformed messages */
    for (int i = 0; i < 7; i++) {
        switch (i) {
        case 0:
            n = snprintf(msg, sizeof msg, "%s", text);
            break;
        case 1:
            n = snprintf(msg, sizeof msg, "%s\n", text);
            break;
        case 2:
            n = snprintf(msg, sizeof msg, "%s\n%s", text, peter_sig) - 1; /* no final newline */
            break;
        case 3:
            n = snprintf(msg, sizeof msg, "\x01%s\n%s", text, peter_sig);
            break;
        case 4:
            n = snprintf(msg, sizeof msg, "\xff%s\n%s", text, peter_sig);
            break;
        case 5:
            n = snprintf(msg, sizeof msg, "%s\n\xe2\x80\x94 Bad Name %s", text,
                         peter_sig + strlen("\xe2\x80\x94 PeterNeumann "));
            break;
        default:
            n = snprintf(msg, sizeof msg, "%s\n%sUnexpected line.\n", text, peter_sig);
            break;
        }
        assert_int_equal(note_open(msg, (size_t)n, keys, 1, NULL, NULL), NOTE_EMALFORMED);
    }
    /* too many signatures */
    struct buf big;
    buf_init(&big, NOTE_MAX_BYTES * 2);
    buf_printf(&big, "%s\n", text);
    for (int i = 0; i <= NOTE_MAX_SIGS; i++)
        buf_puts(&big, peter_sig);
    assert_int_equal(note_open(big.data, big.len, keys, 1, NULL, NULL), NOTE_EMALFORMED);
    buf_release(&big);
    note_key_release(&keys[0]);
    note_key_release(&keys[1]);
}

static void test_bad_keys(void **state)
{
    struct note_key k;
    char b[sizeof peter_vkey];
    /* every truncation and every one-byte change is refused */
    for (size_t i = 1; i < strlen(peter_vkey); i++)
        assert_int_not_equal(note_key_parse_vkey(&k, peter_vkey, i), NOTE_OK);
    for (size_t i = 0; i < strlen(peter_vkey); i++) {
        memcpy(b, peter_vkey, sizeof b);
        b[i]++;
        int rc = note_key_parse_vkey(&k, b, strlen(b));
        assert_int_not_equal(rc, NOTE_OK);
    }
    const char *wrong_len =
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==";
    assert_int_not_equal(note_key_parse_vkey(&k, wrong_len, strlen(wrong_len)), NOTE_OK);
    const char *bad_alg = "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    assert_int_not_equal(note_key_parse_vkey(&k, bad_alg, strlen(bad_alg)), NOTE_OK);
    assert_int_not_equal(note_key_parse_skey(&k, peter_vkey, strlen(peter_vkey)), NOTE_OK);
    assert_int_not_equal(note_key_generate(&k, "a+b", NOTE_ED25519), NOTE_OK);
    assert_int_not_equal(note_key_generate(&k, "a b", NOTE_ED25519), NOTE_OK);
    assert_int_not_equal(note_key_generate(&k, "", NOTE_ED25519), NOTE_OK);
}

static void roundtrip(enum note_type type)
{
    struct note_key k, pub, priv;
    struct buf vk, sk, out;
    buf_init(&vk, 4096);
    buf_init(&sk, 4096);
    buf_init(&out, 8192);
    assert_int_equal(note_key_generate(&k, "sunbid.example/log", type), NOTE_OK);
    assert_int_equal(note_key_vkey(&k, &vk), NOTE_OK);
    assert_int_equal(note_key_skey(&k, &sk), NOTE_OK);
    assert_int_equal(note_key_parse_vkey(&pub, vk.data, vk.len), NOTE_OK);
    assert_int_equal(note_key_parse_skey(&priv, sk.data, sk.len), NOTE_OK);
    assert_int_equal(pub.id, k.id);
    assert_int_equal(priv.id, k.id);
    assert_int_equal(note_sign(text, strlen(text), &priv, 1, &out), NOTE_OK);
    assert_int_equal(note_open(out.data, out.len, &pub, 1, NULL, NULL), NOTE_OK);
    /* a public key cannot sign */
    struct buf o2;
    buf_init(&o2, 8192);
    assert_int_equal(note_sign(text, strlen(text), &pub, 1, &o2), NOTE_EMALFORMED);
    buf_release(&o2);
    /* flip one byte of the text */
    out.data[3] ^= 1;
    assert_int_equal(note_open(out.data, out.len, &pub, 1, NULL, NULL), NOTE_EBADSIG);
    note_key_release(&k);
    note_key_release(&pub);
    note_key_release(&priv);
    note_key_release(&priv); /* twice is safe */
    buf_release(&vk);
    buf_release(&sk);
    buf_release(&out);
}

static void test_ed25519_roundtrip(void **state)
{
    roundtrip(NOTE_ED25519);
}

static void test_sm2_roundtrip(void **state)
{
    roundtrip(NOTE_SM2);
}

/* A cosignature key (0x04) is a note key in its text, id and parsing, but
 * it never signs or opens a note: note_sign refuses it, note_open skips
 * it even when its (name, id) matches a signature line. */
static void test_cosign_key_type(void **state)
{
    struct note_key k, pub, priv, twin;
    struct buf vk, sk, out;
    int good = -1;
    buf_init(&vk, 4096);
    buf_init(&sk, 4096);
    buf_init(&out, 8192);
    assert_int_equal(note_key_generate(&k, "witness.example/w", NOTE_COSIGN_V1), NOTE_OK);
    assert_int_equal(note_key_vkey(&k, &vk), NOTE_OK);
    assert_int_equal(note_key_skey(&k, &sk), NOTE_OK);
    assert_int_equal(note_key_parse_vkey(&pub, vk.data, vk.len), NOTE_OK);
    assert_int_equal(note_key_parse_skey(&priv, sk.data, sk.len), NOTE_OK);
    assert_int_equal(pub.type, NOTE_COSIGN_V1);
    assert_int_equal(priv.type, NOTE_COSIGN_V1);
    assert_int_equal(pub.id, k.id);
    /* the text's type byte is 0x04: base64 "B..." after the key id */
    assert_memory_equal(vk.data + strlen("witness.example/w+12345678+"), "B", 1);
    assert_int_equal(note_sign(text, strlen(text), &priv, 1, &out), NOTE_EMALFORMED);
    /* an Ed25519 note key of the same name has another id */
    assert_int_equal(note_key_generate(&twin, "witness.example/w", NOTE_ED25519), NOTE_OK);
    assert_int_not_equal(twin.id, k.id);
    /* a note line signed with the cosignature key over the note text, with
     * its id, verifies as bytes, yet note_open does not count it */
    uint8_t sig[4 + 64];
    char b64[128], msg[2048];
    size_t sl = 16;
    assert_int_not_equal(note_key_sign_raw(&priv, "m", 1, sig, &sl), NOTE_OK); /* too small */
    sl = 64;
    for (int i = 0; i < 4; i++)
        sig[i] = (uint8_t)(k.id >> (24 - 8 * i));
    assert_int_equal(note_key_sign_raw(&k, text, strlen(text), sig + 4, &sl), NOTE_OK);
    assert_int_equal(sl, 64);
    assert_int_equal(note_key_verify_raw(&pub, text, strlen(text), sig + 4, sl), NOTE_OK);
    assert_int_equal(note_key_sign_raw(&pub, text, strlen(text), sig + 4, &sl), NOTE_EMALFORMED);
    b64_encode(sig, sizeof sig, b64);
    int n = snprintf(msg, sizeof msg, "%s\n\xe2\x80\x94 witness.example/w %s\n", text, b64);
    assert_int_equal(note_open(msg, (size_t)n, &pub, 1, NULL, &good), NOTE_EUNVERIFIED);
    assert_int_equal(good, 0);
    note_key_release(&k);
    note_key_release(&pub);
    note_key_release(&priv);
    note_key_release(&twin);
    buf_release(&vk);
    buf_release(&sk);
    buf_release(&out);
}

static void test_sig_line_parse(void **state)
{
    const char *name;
    size_t nlen, sl;
    uint8_t sig[4 + NOTE_MAX_SIG];
    assert_int_equal(
        note_sig_line_parse(peter_sig, strlen(peter_sig), &name, &nlen, sig, sizeof sig, &sl),
        NOTE_OK);
    assert_int_equal(nlen, strlen("PeterNeumann"));
    assert_memory_equal(name, "PeterNeumann", nlen);
    assert_int_equal(sl, 68);
    assert_int_equal(sig[0], 0xc7);
    /* without its newline too */
    assert_int_equal(
        note_sig_line_parse(peter_sig, strlen(peter_sig) - 1, &name, &nlen, sig, sizeof sig, &sl),
        NOTE_OK);
    /* too small a buffer */
    assert_int_equal(note_sig_line_parse(peter_sig, strlen(peter_sig), &name, &nlen, sig, 64, &sl),
                     NOTE_EMALFORMED);
    const char *bad[] = {
        "",
        "\xe2\x80\x94",
        "- PeterNeumann x08go/ZJ\n",
        "\xe2\x80\x94 PeterNeumann\n",
        "\xe2\x80\x94  PeterNeumann x08go/ZJ\n",
        "\xe2\x80\x94 Peter+Neumann x08go/ZJ\n",
        "\xe2\x80\x94 PeterNeumann x08g\n",              /* 3 bytes: no room for an id */
        "\xe2\x80\x94 PeterNeumann x08go/ZJ x08go/ZJ\n", /* two fields */
        "\xe2\x80\x94 PeterNeumann x08goB==\n",          /* non-canonical base64 */
        "\xe2\x80\x94 PeterNeumann x08go/ZJ\n\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(
            note_sig_line_parse(bad[i], strlen(bad[i]), &name, &nlen, sig, sizeof sig, &sl),
            NOTE_EMALFORMED);
    assert_true(note_name_ok("a.b/c", 5));
    assert_false(note_name_ok("a\xe3\x80\x80"
                              "b",
                              5)); /* U+3000 ideographic space */
    assert_false(note_name_ok("", 0));
}

static void test_two_signers(void **state)
{
    struct note_key keys[2];
    struct buf out;
    int good;
    buf_init(&out, 8192);
    assert_int_equal(note_key_generate(&keys[0], "log.example", NOTE_ED25519), NOTE_OK);
    assert_int_equal(note_key_generate(&keys[1], "log.example", NOTE_SM2), NOTE_OK);
    assert_int_not_equal(keys[0].id, keys[1].id);
    assert_int_equal(note_sign(text, strlen(text), keys, 2, &out), NOTE_OK);
    assert_int_equal(note_open(out.data, out.len, keys, 2, NULL, &good), NOTE_OK);
    assert_int_equal(good, 2);
    assert_int_equal(note_open(out.data, out.len, &keys[1], 1, NULL, &good), NOTE_OK);
    assert_int_equal(good, 1);
    note_key_release(&keys[0]);
    note_key_release(&keys[1]);
    buf_release(&out);
}

static void test_checkpoint(void **state)
{
    struct checkpoint cp = {.origin = "sunbid.example/log", .size = 8}, got;
    struct buf b;
    buf_init(&b, 4096);
    for (int i = 0; i < MERKLE_HASH_LEN; i++)
        cp.root[i] = (uint8_t)i;
    assert_int_equal(checkpoint_format(&cp, &b), NOTE_OK);
    assert_string_equal(b.data,
                        "sunbid.example/log\n8\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
    assert_int_equal(checkpoint_parse(b.data, b.len, &got), NOTE_OK);
    assert_string_equal(got.origin, cp.origin);
    assert_int_equal(got.size, 8);
    assert_memory_equal(got.root, cp.root, MERKLE_HASH_LEN);
    /* an extension line is allowed */
    buf_puts(&b, "ext\n");
    assert_int_equal(checkpoint_parse(b.data, b.len, &got), NOTE_OK);
    const char *bad[] = {
        "",
        "o\n8\n",
        "\n8\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "o\n08\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "o\n-8\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "o\n\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "o\n99999999999999999999\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "o\n8\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
        "o\n8\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "o\n8\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHw==\n",
        "o\n8\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n",
        "o\t\n8\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(checkpoint_parse(bad[i], strlen(bad[i]), &got), NOTE_EMALFORMED);
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_vector_sign), cmocka_unit_test(test_go_vector_open),
        cmocka_unit_test(test_bad_keys),       cmocka_unit_test(test_ed25519_roundtrip),
        cmocka_unit_test(test_sm2_roundtrip),  cmocka_unit_test(test_two_signers),
        cmocka_unit_test(test_checkpoint),     cmocka_unit_test(test_cosign_key_type),
        cmocka_unit_test(test_sig_line_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
