/*
 * `sunbid seal` / `sunbid unseal`: the real binary on real files, with keys
 * and certificates made by the `openssl` command in a temporary directory
 * (SM2 with `openssl genpkey -algorithm SM2` and `req -x509 -sm3`; P-256
 * likewise with SHA-256).
 *
 * Round trips in both suites (several files with roles, an empty file, a
 * 1 MB file), the escrow recipient opening, --inspect, and every failure a
 * bidder or an opening officer can meet: wrong tender, lot, signer, key,
 * suite; a flipped byte; a truncated file; an existing output file;
 * usage errors. Checks the exit code, the stable code in the message, and
 * that a failed unseal leaves nothing in the output directory.
 *
 * IT_NO_STORE: offline commands only, so there is no PostgreSQL variant.
 */
#include "harness.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[512]; /* the test's scratch directory */

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

/* dir/name into a static rotating buffer. */
static const char *p(const char *name)
{
    static char bufs[16][640];
    static int i;
    char *b = bufs[i++ % 16];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

static void make_sm2(const char *name, const char *cn)
{
    sh("cd '%s' && openssl genpkey -algorithm SM2 -out %s.key 2>/dev/null && "
       "openssl req -x509 -new -key %s.key -sm3 -subj '/CN=%s' -days 30 -out %s.crt 2>/dev/null",
       dir, name, name, cn, name);
}

static void make_p256(const char *name, const char *cn)
{
    sh("cd '%s' && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out %s.key "
       "2>/dev/null && openssl req -x509 -new -key %s.key -sha256 -subj '/CN=%s' -days 30 "
       "-out %s.crt 2>/dev/null",
       dir, name, name, cn, name);
}

static int setup(void **state)
{
    const char *tmp = getenv("SUNBID_TEST_TMP");
    mkdir(tmp ? tmp : "/tmp", 0755);
    snprintf(dir, sizeof dir, "%s/seal-%d", tmp ? tmp : "/tmp", (int)getpid());
    sh("rm -rf '%s' && mkdir -p '%s'", dir, dir);
    make_sm2("gm-sign", "Bidder One sign");
    make_sm2("gm-enc", "Bidder One enc");
    make_sm2("gm-escrow", "Tender escrow");
    make_sm2("gm-other", "Bidder Two");
    make_p256("p-sign", "Bidder One sign");
    make_p256("p-enc", "Bidder One enc");
    make_p256("p-escrow", "Tender escrow");
    /* the bid files */
    sh("cd '%s' && printf '商務標 commercial part' > commercial.txt && "
       "head -c 1000003 /dev/urandom > technical.pdf && : > prices.xlsx",
       dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static int files_in(const char *d)
{
    DIR *dd = opendir(d);
    struct dirent *e;
    int n = 0;
    if (dd == NULL)
        return -1;
    while ((e = readdir(dd)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(dd);
    return n;
}

static void same_file(const char *a, const char *b)
{
    sh("cmp -s '%s' '%s'", a, b);
}

static void test_gm_round_trip(void **state)
{
    char *out = NULL;
    int rc = it_run(&out, "seal", "--suite", "gm", "--tender", "ZB-2026-0042", "--lot", "2",
                    "--org", "91330100799655058B", "--sign-key", p("gm-sign.key"), "--sign-cert",
                    p("gm-sign.crt"), "--recipient", p("gm-enc.crt"), "--out", p("gm.sbe"),
                    p("commercial.txt:commercial"), p("technical.pdf:technical"),
                    p("prices.xlsx:price-list"), NULL);
    if (rc != 0)
        fail_msg("seal: %s", out);
    assert_non_null(strstr(out, "sealed 3 files"));
    assert_non_null(strstr(out, "sha256: "));
    free(out);

    rc = it_run(&out, "unseal", "--inspect", p("gm.sbe"), NULL);
    if (rc != 0)
        fail_msg("inspect: %s", out);
    assert_non_null(strstr(out, "suite: gm"));
    assert_non_null(strstr(out, "tender: ZB-2026-0042"));
    assert_non_null(strstr(out, "lot: 2"));
    assert_non_null(strstr(out, "org: 91330100799655058B"));
    assert_non_null(strstr(out, "CN = Bidder One sign"));
    assert_non_null(strstr(out, "tool: sunbid "));
    assert_non_null(strstr(out, "file 2: technical, 1000003 bytes"));
    assert_non_null(strstr(out, "file 3: price-list, 0 bytes"));
    assert_non_null(strstr(out, "signature: valid"));
    assert_null(strstr(out, "technical.pdf")); /* names are encrypted */
    free(out);

    rc = it_run(&out, "unseal", "--key", p("gm-enc.key"), "--expect-tender", "ZB-2026-0042",
                "--expect-lot", "2", "--expect-signer", p("gm-sign.crt"), "--out-dir", p("gm-out"),
                p("gm.sbe"), NULL);
    if (rc != 0)
        fail_msg("unseal: %s", out);
    assert_non_null(strstr(out, "unsealed 3 files"));
    assert_non_null(strstr(out, "technical.pdf, sm3 "));
    free(out);
    same_file(p("commercial.txt"), p("gm-out/commercial.txt"));
    same_file(p("technical.pdf"), p("gm-out/technical.pdf"));
    same_file(p("prices.xlsx"), p("gm-out/prices.xlsx"));
    assert_int_equal(files_in(p("gm-out")), 3);
    /* the content hash is plain SM3 of the file */
    sh("cd '%s' && openssl dgst -sm3 -r technical.pdf | cut -c1-64 > sm3.txt", dir);
    FILE *f = fopen(p("sm3.txt"), "r");
    char want[80] = "";
    assert_non_null(fgets(want, sizeof want, f));
    fclose(f);
    want[64] = '\0';
    rc = it_run(&out, "unseal", "--key", p("gm-enc.key"), "--out-dir", p("gm-out2"), p("gm.sbe"),
                NULL);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, want));
    free(out);

    /* unsealing again into the same directory: refused, nothing changed */
    rc = it_run(&out, "unseal", "--key", p("gm-enc.key"), "--out-dir", p("gm-out"), p("gm.sbe"),
                NULL);
    assert_int_equal(rc, 4);
    assert_non_null(strstr(out, "already exists"));
    free(out);
    assert_int_equal(files_in(p("gm-out")), 3);
}

static void test_intl_round_trip_with_escrow(void **state)
{
    char *out = NULL;
    int rc = it_run(&out, "seal", "--suite", "intl", "--tender", "ZB-2026-0042", "--lot", "1",
                    "--sign-key", p("p-sign.key"), "--sign-cert", p("p-sign.crt"), "--recipient",
                    p("p-enc.crt"), "--recipient", p("p-escrow.crt"), "--out", p("intl.sbe"),
                    p("technical.pdf:technical"), p("commercial.txt"), NULL);
    if (rc != 0)
        fail_msg("seal: %s", out);
    assert_non_null(strstr(out, "2 recipients"));
    free(out);
    rc = it_run(&out, "unseal", "--inspect", p("intl.sbe"), NULL);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "suite: intl"));
    assert_non_null(strstr(out, "recipient 2: escrow key"));
    assert_non_null(strstr(out, "file 2: other, "));
    free(out);
    /* the escrow key opens it */
    rc = it_run(&out, "unseal", "--key", p("p-escrow.key"), "--out-dir", p("intl-escrow"),
                p("intl.sbe"), NULL);
    if (rc != 0)
        fail_msg("unseal by escrow: %s", out);
    assert_non_null(strstr(out, "sha256 "));
    free(out);
    same_file(p("technical.pdf"), p("intl-escrow/technical.pdf"));
    same_file(p("commercial.txt"), p("intl-escrow/commercial.txt"));
    /* and so does the bidder's */
    rc = it_run(&out, "unseal", "--key", p("p-enc.key"), "--out-dir", p("intl-bidder"),
                p("intl.sbe"), NULL);
    assert_int_equal(rc, 0);
    free(out);
    same_file(p("technical.pdf"), p("intl-bidder/technical.pdf"));
}

/* Runs unseal expecting failure with exit code want_rc and code in the
 * message; checks that out_dir stays empty. */
static void unseal_fails(const char *env, const char *key, const char *tender, const char *lot,
                         int want_rc, const char *code)
{
    char *out = NULL;
    const char *od = p("fail-out");
    int rc;
    sh("rm -rf '%s'", od);
    if (tender != NULL)
        rc = it_run(&out, "unseal", "--key", key, "--expect-tender", tender, "--expect-lot", lot,
                    "--out-dir", od, env, NULL);
    else
        rc = it_run(&out, "unseal", "--key", key, "--out-dir", od, env, NULL);
    if (rc != want_rc || strstr(out, code) == NULL)
        fail_msg("unseal %s: exit %d (want %d), output: %s (want %s)", env, rc, want_rc, out, code);
    free(out);
    assert_true(files_in(od) <= 0); /* empty, or never created */
}

static void test_failures(void **state)
{
    char *out = NULL;
    int rc = it_run(&out, "seal", "--tender", "ZB-1", "--lot", "1", "--sign-key", p("gm-sign.key"),
                    "--sign-cert", p("gm-sign.crt"), "--recipient", p("gm-enc.crt"), "--recipient",
                    p("gm-escrow.crt"), "--out", p("f.sbe"), p("technical.pdf:technical"),
                    p("commercial.txt:commercial"), NULL);
    if (rc != 0)
        fail_msg("seal: %s", out);
    free(out);

    unseal_fails(p("f.sbe"), p("gm-enc.key"), "ZB-2", "1", 5, "wrong_tender: bound to tender ZB-1");
    unseal_fails(p("f.sbe"), p("gm-enc.key"), "ZB-1", "9", 5, "wrong_lot");
    unseal_fails(p("f.sbe"), p("gm-other.key"), NULL, NULL, 5, "wrong_key");
    unseal_fails(p("f.sbe"), p("p-enc.key"), NULL, NULL, 5, "wrong_key_type");
    rc = it_run(&out, "unseal", "--key", p("gm-enc.key"), "--expect-signer", p("gm-other.crt"),
                "--out-dir", p("fail-out"), p("f.sbe"), NULL);
    assert_int_equal(rc, 5);
    assert_non_null(strstr(out, "wrong_signer"));
    free(out);

    /* one byte changed in the middle of the technical part */
    sh("cd '%s' && cp f.sbe g.sbe && printf 'X' | dd of=g.sbe bs=1 seek=500000 conv=notrunc "
       "2>/dev/null",
       dir);
    unseal_fails(p("g.sbe"), p("gm-enc.key"), NULL, NULL, 5, "bad_signature");
    rc = it_run(&out, "unseal", "--inspect", p("g.sbe"), NULL);
    assert_int_equal(rc, 5);
    assert_non_null(strstr(out, "bad_signature"));
    assert_non_null(strstr(out, "tender: ZB-1")); /* the header is still shown */
    free(out);
    /* cut short */
    sh("cd '%s' && head -c 700000 f.sbe > t.sbe", dir);
    unseal_fails(p("t.sbe"), p("gm-enc.key"), NULL, NULL, 5, "truncated: ends at byte 700000");
    /* not an envelope at all */
    unseal_fails(p("commercial.txt"), p("gm-enc.key"), NULL, NULL, 5, "malformed: not a sealed");
    /* no such envelope */
    unseal_fails(p("nope.sbe"), p("gm-enc.key"), NULL, NULL, 1, "cannot open");

    /* sealing errors */
    rc = it_run(&out, "seal", "--suite", "intl", "--tender", "ZB-1", "--lot", "1", "--sign-key",
                p("gm-sign.key"), "--sign-cert", p("gm-sign.crt"), "--recipient", p("gm-enc.crt"),
                "--out", p("x.sbe"), p("commercial.txt"), NULL);
    assert_int_equal(rc, 3);
    assert_non_null(strstr(out, "bad_certificate"));
    free(out);
    rc = it_run(&out, "seal", "--tender", "ZB-1", "--lot", "1", "--sign-key", p("gm-other.key"),
                "--sign-cert", p("gm-sign.crt"), "--recipient", p("gm-enc.crt"), "--out",
                p("x.sbe"), p("commercial.txt"), NULL);
    assert_int_equal(rc, 3);
    assert_non_null(strstr(out, "key_mismatch"));
    free(out);
    rc = it_run(&out, "seal", "--tender", "ZB-1", "--lot", "1", "--sign-key", p("gm-sign.key"),
                "--sign-cert", p("gm-sign.crt"), "--recipient", p("gm-enc.crt"), "--out",
                p("x.sbe"), p("missing.pdf"), NULL);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "cannot open"));
    free(out);
    rc = it_run(&out, "seal", "--tender", "ZB 1", "--lot", "1", "--sign-key", p("gm-sign.key"),
                "--sign-cert", p("gm-sign.crt"), "--recipient", p("gm-enc.crt"), "--out",
                p("x.sbe"), p("commercial.txt"), NULL);
    assert_int_equal(rc, 3);
    assert_non_null(strstr(out, "bad_input"));
    free(out);
    struct stat st;
    assert_int_not_equal(stat(p("x.sbe"), &st), 0); /* nothing left behind */

    /* usage */
    assert_int_equal(it_run(NULL, "seal", "--tender", "ZB-1", NULL), 2);
    assert_int_equal(it_run(NULL, "seal", "--suite", "rsa", "--tender", "a", "--lot", "1",
                            "--sign-key", "k", "--sign-cert", "c", "--recipient", "r", "--out", "o",
                            "f", NULL),
                     2);
    assert_int_equal(it_run(NULL, "unseal", p("f.sbe"), NULL), 2);
    assert_int_equal(it_run(&out, "seal", "--help", NULL), 0);
    assert_non_null(strstr(out, "price-list"));
    free(out);
    assert_int_equal(it_run(&out, "unseal", "--help", NULL), 0);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gm_round_trip),
        cmocka_unit_test(test_intl_round_trip_with_escrow),
        cmocka_unit_test(test_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
