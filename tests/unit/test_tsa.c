/*
 * Unit tests for ledger/tsa.h: RFC 3161 timestamp tokens over a checkpoint
 * note. Fixtures are made at test time with the `openssl` command in a
 * temporary directory: a CA, a TSA certificate (extendedKeyUsage critical
 * timeStamping) and a second, untrusted CA and TSA; `openssl ts -query` /
 * `-reply -token_out` make the tokens. Checks: a valid token (bare and as a
 * full response) verifies and gives genTime; a token over other bytes is a
 * mismatch; a token by the untrusted TSA is refused; garbage, truncation
 * and oversize are malformed. Skipped (with a message) when no `openssl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ledger/tsa.h"

static char dir[] = "/tmp/sunbid-tsa-XXXXXX";
static const char note[] = "sunbid.local/ledger\n3\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=\n";

__attribute__((format(printf, 1, 2))) static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof cmd)
        return -1;
    return system(cmd);
}

static void write_file(const char *name, const void *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

static size_t read_file(const char *name, unsigned char *out, size_t cap)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(out, 1, cap, f);
    fclose(f);
    return n;
}

/* Makes CA PREFIX (ca.key/ca.pem) and its TSA (tsa.key/tsa.pem). */
static int make_tsa(const char *prefix)
{
    return sh("(cd %s && P='%s' && "
              "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
              "-keyout ${P}ca.key -out ${P}ca.pem -days 2 -subj /CN=${P}CA && "
              "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
              "-keyout ${P}tsa.key -out ${P}tsa.csr -subj /CN=${P}TSA && "
              "printf '[e]\\nbasicConstraints=CA:FALSE\\n"
              "extendedKeyUsage=critical,timeStamping\\n' > ext.cnf && "
              "openssl x509 -req -in ${P}tsa.csr -CA ${P}ca.pem -CAkey ${P}ca.key "
              "-CAcreateserial -out ${P}tsa.pem -days 2 -extfile ext.cnf -extensions e && "
              "printf '[tsa]\\ndefault_tsa=t\\n[t]\\nserial=serial\\nsigner_digest=sha256\\n"
              "default_policy=1.2.3.4.1\\ndigests=sha256\\ness_cert_id_alg=sha256\\n' > tsa.cnf) "
              ">/dev/null 2>&1",
              dir, prefix);
}

/* Token by TSA PREFIX over data file DATA into OUT (bare token) and
 * OUT.resp (full response). */
static int stamp(const char *prefix, const char *data, const char *out)
{
    return sh("(cd %s && P='%s' D='%s' O='%s' && "
              "openssl ts -query -data $D -sha256 -cert -out $O.tsq && "
              "openssl ts -reply -queryfile $O.tsq -signer ${P}tsa.pem -inkey ${P}tsa.key "
              "-chain ${P}ca.pem -config tsa.cnf -token_out -out $O && "
              "openssl ts -reply -queryfile $O.tsq -signer ${P}tsa.pem -inkey ${P}tsa.key "
              "-chain ${P}ca.pem -config tsa.cnf -out $O.resp) >/dev/null 2>&1",
              dir, prefix, data, out);
}

static int setup(void **state)
{
    (void)state;
    if (system("openssl version >/dev/null 2>&1") != 0) {
        print_message("test_tsa: SKIPPED: no `openssl` command on PATH\n");
        return -1;
    }
    if (mkdtemp(dir) == NULL)
        return -1;
    write_file("note.txt", note, sizeof note - 1);
    write_file("other.txt", "other\n", 6);
    if (make_tsa("") != 0 || make_tsa("evil") != 0)
        return -1;
    if (stamp("", "note.txt", "tok.der") != 0 || stamp("", "other.txt", "other.der") != 0 ||
        stamp("evil", "note.txt", "evil.der") != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sh("rm -rf %s", dir);
    return 0;
}

static void load(struct tsa_trust *t, const char *file)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    assert_int_equal(tsa_trust_load(t, path, err, sizeof err), TSA_OK);
}

static void test_valid(void **state)
{
    (void)state;
    static unsigned char tok[TSA_MAX_TOKEN + 2];
    struct tsa_trust t = {0};
    int64_t gen = 0, now = (int64_t)time(NULL) * 1000;

    load(&t, "tsa.pem");
    size_t n = read_file("tok.der", tok, sizeof tok);
    assert_int_equal(tsa_verify(&t, tok, n, note, sizeof note - 1, &gen), TSA_OK);
    assert_true(gen > now - 600000 && gen < now + 600000);
    assert_int_equal(gen % 1000, 0);
    /* the full TimeStampResp is accepted too */
    n = read_file("tok.der.resp", tok, sizeof tok);
    gen = 0;
    assert_int_equal(tsa_verify(&t, tok, n, note, sizeof note - 1, &gen), TSA_OK);
    assert_true(gen > 0);
    tsa_trust_free(&t);
    tsa_trust_free(&t);

    /* trusting the CA instead of the TSA certificate works as well */
    load(&t, "ca.pem");
    n = read_file("tok.der", tok, sizeof tok);
    assert_int_equal(tsa_verify(&t, tok, n, note, sizeof note - 1, NULL), TSA_OK);
    tsa_trust_free(&t);
}

static void test_refused(void **state)
{
    (void)state;
    static unsigned char tok[TSA_MAX_TOKEN + 2];
    struct tsa_trust t = {0};
    char err[256];

    load(&t, "tsa.pem");
    /* over other bytes: the note with one byte changed, and another file */
    size_t n = read_file("tok.der", tok, sizeof tok);
    char changed[sizeof note];
    memcpy(changed, note, sizeof note);
    changed[20] = '4';
    assert_int_equal(tsa_verify(&t, tok, n, changed, sizeof note - 1, NULL), TSA_EMISMATCH);
    n = read_file("other.der", tok, sizeof tok);
    assert_int_equal(tsa_verify(&t, tok, n, note, sizeof note - 1, NULL), TSA_EMISMATCH);
    /* untrusted TSA */
    n = read_file("evil.der", tok, sizeof tok);
    assert_int_equal(tsa_verify(&t, tok, n, note, sizeof note - 1, NULL), TSA_EUNTRUSTED);
    n = read_file("evil.der.resp", tok, sizeof tok);
    assert_int_equal(tsa_verify(&t, tok, n, note, sizeof note - 1, NULL), TSA_EUNTRUSTED);
    /* tampered signature bytes (last byte of the DER is in the signature) */
    n = read_file("tok.der", tok, sizeof tok);
    tok[n - 1] ^= 1;
    assert_int_not_equal(tsa_verify(&t, tok, n, note, sizeof note - 1, NULL), TSA_OK);
    /* truncated, trailing garbage, garbage, empty, oversize */
    n = read_file("tok.der", tok, sizeof tok);
    assert_int_equal(tsa_verify(&t, tok, n - 1, note, sizeof note - 1, NULL), TSA_EMALFORMED);
    tok[n] = 0;
    assert_int_equal(tsa_verify(&t, tok, n + 1, note, sizeof note - 1, NULL), TSA_EMALFORMED);
    assert_int_equal(tsa_verify(&t, "garbage", 7, note, sizeof note - 1, NULL), TSA_EMALFORMED);
    assert_int_equal(tsa_verify(&t, tok, 0, note, sizeof note - 1, NULL), TSA_EMALFORMED);
    assert_int_equal(tsa_verify(&t, tok, TSA_MAX_TOKEN + 1, note, sizeof note - 1, NULL),
                     TSA_EMALFORMED);
    /* no trust configured */
    tsa_trust_free(&t);
    n = read_file("tok.der", tok, sizeof tok);
    assert_int_equal(tsa_verify(&t, tok, n, note, sizeof note - 1, NULL), TSA_EUNTRUSTED);
    /* bad trust files */
    char path[512];
    snprintf(path, sizeof path, "%s/note.txt", dir);
    assert_int_not_equal(tsa_trust_load(&t, path, err, sizeof err), TSA_OK);
    assert_null(t.certs);
    snprintf(path, sizeof path, "%s/missing.pem", dir);
    assert_int_not_equal(tsa_trust_load(&t, path, err, sizeof err), TSA_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
