/*
 * `sunbid ca` end to end: init a CA per algorithm, issue signing and
 * encryption certificates, check them (also with both CAs trusted at once),
 * move the check time, revoke, publish a CRL, check again (exit 5 with the
 * stable code), and verify the certificates — and a revocation — with the
 * `openssl verify` command to prove they interoperate: P-256 as is, SM2
 * with the default SM2 id (-vfyopt distid:1234567812345678). No server is
 * started; it_cli's --data-dir is accepted and ignored by `ca`.
 *
 * IT_NO_STORE: offline commands only, so there is no PostgreSQL variant.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define USCC1 "91330100799655058B"

static struct it_server srv; /* only its data dir (scratch space) is used */
static char dir[600];
static char p_sm2ca[700], p_p256ca[700], p_sign[700], p_enc[700], p_p256[700];
static char c_sign[720], c_enc[720], c_p256[720], crl_sm2[720], crl_p256[720];

static int setup(void **state)
{
    const char *tmp = getenv("SUNBID_TEST_TMP");
    memset(&srv, 0, sizeof(srv));
    mkdir(tmp ? tmp : "/tmp", 0755);
    snprintf(srv.data_dir, sizeof(srv.data_dir), "%s/ca-cli-%d", tmp ? tmp : "/tmp", (int)getpid());
    mkdir(srv.data_dir, 0700);
    snprintf(dir, sizeof dir, "%s", srv.data_dir);
    snprintf(p_sm2ca, sizeof p_sm2ca, "%s/ca-sm2", dir);
    snprintf(p_p256ca, sizeof p_p256ca, "%s/ca-p256", dir);
    snprintf(p_sign, sizeof p_sign, "%s/org-sign", dir);
    snprintf(p_enc, sizeof p_enc, "%s/org-enc", dir);
    snprintf(p_p256, sizeof p_p256, "%s/org-p256", dir);
    snprintf(c_sign, sizeof c_sign, "%s.crt.pem", p_sign);
    snprintf(c_enc, sizeof c_enc, "%s.crt.pem", p_enc);
    snprintf(c_p256, sizeof c_p256, "%s.crt.pem", p_p256);
    snprintf(crl_sm2, sizeof crl_sm2, "%s/sm2.crl.pem", dir);
    snprintf(crl_p256, sizeof crl_p256, "%s/p256.crl.pem", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", srv.data_dir);
    return system(cmd);
}

static int mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (int)(st.st_mode & 0777);
}

/* Runs a shell command; its exit status. */
static int sh(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void expect(int rc, char *out, int want_rc, const char *want_text)
{
    if (rc != want_rc || (want_text != NULL && (out == NULL || strstr(out, want_text) == NULL)))
        fail_msg("exit %d (want %d), output: %s (want '%s')", rc, want_rc,
                 out != NULL ? out : "(none)", want_text != NULL ? want_text : "");
    free(out);
}

/* Runs `sunbid ARGS...` (NULL-terminated) and checks its exit code and,
 * when want_text is not NULL, that stdout contains it. */
#define EXPECT(want_rc, want_text, ...)                                                            \
    do {                                                                                           \
        char *o_ = NULL;                                                                           \
        int rc_ = it_cli(&srv, &o_, __VA_ARGS__);                                                  \
        expect(rc_, o_, want_rc, want_text);                                                       \
    } while (0)

static void test_usage_errors(void **state)
{
    EXPECT(0, "sunbid ca init", "ca", "--help", NULL);
    EXPECT(2, NULL, "ca", "frobnicate", NULL);
    EXPECT(2, NULL, "ca", "init", "--dir", p_sm2ca, NULL);
    EXPECT(3, NULL, "ca", "init", "--dir", p_sm2ca, "--alg", "rsa", "--name", "x", NULL);
    EXPECT(2, NULL, "ca", "check", "--ca", dir, NULL);
}

static void test_init_issue_check(void **state)
{
    char *out = NULL, path[800];
    EXPECT(0, "sunbid 测试 CA", "ca", "init", "--dir", p_sm2ca, "--alg", "sm2", "--name",
           "sunbid 测试 CA", NULL);
    EXPECT(0, NULL, "ca", "init", "--dir", p_p256ca, "--alg", "p256", "--name",
           "sunbid test CA P-256", NULL);
    /* a second init over the same directory: conflict */
    EXPECT(4, NULL, "ca", "init", "--dir", p_sm2ca, "--alg", "sm2", "--name", "again", NULL);
    snprintf(path, sizeof path, "%s/ca.key.pem", p_sm2ca);
    assert_int_equal(mode_of(path), 0600);

    assert_int_equal(it_cli(&srv, &out, "ca", "issue", "--dir", p_sm2ca, "--alg", "sm2", "--usage",
                            "sign", "--subject-cn", "某建设集团有限公司", "--uscc", USCC1, "--out",
                            p_sign, NULL),
                     0);
    assert_non_null(out);
    assert_int_equal(strcspn(out, "\n"), 32); /* the serial: 32 hex digits */
    free(out);
    EXPECT(0, NULL, "ca", "issue", "--dir", p_sm2ca, "--usage", "encrypt", "--subject-cn",
           "某建设集团有限公司", "--uscc", USCC1, "--out", p_enc, NULL);
    EXPECT(0, NULL, "ca", "issue", "--dir", p_p256ca, "--alg", "p256", "--usage", "both",
           "--subject-cn", "Example Co", "--days", "30", "--out", p_p256, NULL);
    snprintf(path, sizeof path, "%s.key.pem", p_sign);
    assert_int_equal(mode_of(path), 0600);
    /* bad USCC, existing output, unknown usage */
    EXPECT(3, NULL, "ca", "issue", "--dir", p_sm2ca, "--usage", "sign", "--subject-cn", "x",
           "--uscc", "91330100799655058C", "--out", path, NULL);
    EXPECT(4, NULL, "ca", "issue", "--dir", p_sm2ca, "--usage", "sign", "--subject-cn", "x",
           "--out", p_sign, NULL);
    EXPECT(3, NULL, "ca", "issue", "--dir", p_sm2ca, "--usage", "root", "--subject-cn", "x",
           "--out", path, NULL);

    EXPECT(0, "ok: valid", "ca", "check", "--ca", p_sm2ca, "--usage", "sign", c_sign, NULL);
    EXPECT(0, "key: sm2", "ca", "check", "--ca", p_sm2ca, "--usage", "encrypt", c_enc, NULL);
    EXPECT(5, "cert_wrong_usage", "ca", "check", "--ca", p_sm2ca, "--usage", "encrypt", c_sign,
           NULL);
    /* only the P-256 CA trusted: the SM2 certificate is not */
    EXPECT(5, "cert_untrusted_issuer", "ca", "check", "--ca", p_p256ca, c_sign, NULL);
    /* both CAs at once: mutual recognition */
    EXPECT(0, "ok:", "ca", "check", "--ca", p_p256ca, "--ca", p_sm2ca, c_sign, NULL);
    EXPECT(0, "key: p256", "ca", "check", "--ca", p_p256ca, "--ca", p_sm2ca, c_p256, NULL);
    /* the check time moves */
    char at[32];
    snprintf(at, sizeof at, "%lld", (long long)time(NULL) - 86400);
    EXPECT(5, "cert_not_yet_valid", "ca", "check", "--ca", p_sm2ca, "--at", at, c_sign, NULL);
    snprintf(at, sizeof at, "%lld", (long long)time(NULL) + 31 * 86400);
    EXPECT(5, "cert_expired", "ca", "check", "--ca", p_p256ca, "--at", at, c_p256, NULL);
    EXPECT(3, NULL, "ca", "check", "--ca", p_sm2ca, "--at", "yesterday", c_sign, NULL);
}

static void test_revoke_and_crl(void **state)
{
    char path[800], at[32];
    EXPECT(0, "revoked", "ca", "revoke", "--dir", p_sm2ca, "--reason", "keyCompromise", c_sign,
           NULL);
    EXPECT(4, NULL, "ca", "revoke", "--dir", p_sm2ca, c_sign, NULL);
    EXPECT(4, NULL, "ca", "revoke", "--dir", p_sm2ca, "ABCDEF0123", NULL);
    EXPECT(3, NULL, "ca", "revoke", "--dir", p_sm2ca, "not-hex!", NULL);
    /* a certificate of the other CA is not this CA's to revoke */
    EXPECT(4, NULL, "ca", "revoke", "--dir", p_sm2ca, c_p256, NULL);
    EXPECT(0, NULL, "ca", "crl", "--dir", p_sm2ca, "--out", crl_sm2, NULL);

    /* the index: header, then the revoked signing cert and the valid encryption cert */
    snprintf(path, sizeof path, "%s/index.txt", p_sm2ca);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[1200];
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "# sunbid-ca-index v1\n");
    assert_non_null(fgets(line, sizeof line, f));
    assert_true(line[0] == 'R' && strstr(line, "\tkeyCompromise\tsign\tsm2\t") != NULL);
    assert_non_null(strstr(line, "serialNumber=" USCC1));
    assert_non_null(fgets(line, sizeof line, f));
    assert_true(line[0] == 'V' && strstr(line, "\t-\t-\tencrypt\tsm2\t") != NULL);
    assert_null(fgets(line, sizeof line, f));
    fclose(f);

    EXPECT(5, "cert_revoked", "ca", "check", "--ca", p_sm2ca, "--crl", crl_sm2, "--usage", "sign",
           c_sign, NULL);
    EXPECT(0, "revocation checked", "ca", "check", "--ca", p_sm2ca, "--crl", crl_sm2, "--usage",
           "encrypt", c_enc, NULL);
    /* a week later the CRL (7 days) has expired */
    snprintf(at, sizeof at, "%lld", (long long)time(NULL) + 8 * 86400);
    EXPECT(5, "cert_crl_expired", "ca", "check", "--ca", p_sm2ca, "--crl", crl_sm2, "--at", at,
           c_enc, NULL);
    /* CRLs required, none given */
    EXPECT(5, "cert_crl_missing", "ca", "check", "--ca", p_sm2ca, "--require-crl", c_enc, NULL);
    /* a CRL is not a trust anchor */
    EXPECT(3, NULL, "ca", "check", "--ca", crl_sm2, c_enc, NULL);
}

static void test_openssl_interop(void **state)
{
    char cmd[4000], cafile[800];
    if (sh("openssl version >/dev/null 2>&1") != 0) {
        printf("openssl command not found: interoperability not checked\n");
        skip();
    }
    snprintf(cafile, sizeof cafile, "%s/ca.crt.pem", p_p256ca);
    snprintf(cmd, sizeof cmd, "openssl verify -CAfile '%s' '%s'", cafile, c_p256);
    assert_int_equal(sh(cmd), 0);
    /* SM2: OpenSSL's verify needs the SM2 id for the leaf's signature */
    snprintf(cafile, sizeof cafile, "%s/ca.crt.pem", p_sm2ca);
    snprintf(cmd, sizeof cmd,
             "openssl verify -vfyopt distid:1234567812345678 -CAfile '%s' '%s' '%s'", cafile,
             c_sign, c_enc);
    assert_int_equal(sh(cmd), 0);
    /* the key files are ordinary PKCS#8 that openssl reads, and they match */
    snprintf(cmd, sizeof cmd,
             "test \"$(openssl pkey -in '%s.key.pem' -pubout)\" = "
             "\"$(openssl x509 -in '%s' -noout -pubkey)\"",
             p_p256, c_p256);
    assert_int_equal(sh(cmd), 0);
    /* a P-256 revocation as openssl sees it */
    snprintf(cafile, sizeof cafile, "%s/ca.crt.pem", p_p256ca);
    EXPECT(0, NULL, "ca", "revoke", "--dir", p_p256ca, c_p256, NULL);
    EXPECT(0, NULL, "ca", "crl", "--dir", p_p256ca, "--out", crl_p256, "--days", "2", NULL);
    snprintf(cmd, sizeof cmd,
             "openssl verify -crl_check -CAfile '%s' -CRLfile '%s' '%s' 2>&1 | "
             "grep -q 'certificate revoked'",
             cafile, crl_p256, c_p256);
    assert_int_equal(sh(cmd), 0);
    snprintf(cmd, sizeof cmd, "openssl crl -in '%s' -noout -text | grep -q 'CRL Number'", crl_p256);
    assert_int_equal(sh(cmd), 0);
    EXPECT(5, "cert_revoked", "ca", "check", "--ca", p_p256ca, "--crl", crl_p256, c_p256, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_init_issue_check),
        cmocka_unit_test(test_revoke_and_crl),
        cmocka_unit_test(test_openssl_interop),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
