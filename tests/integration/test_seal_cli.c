/*
 * `sunbid seal` / `sunbid unseal`: the real binary on real files, with keys
 * and certificates made by the `openssl` command in a temporary directory
 * (SM2 with `openssl genpkey -algorithm SM2` and `req -x509 -sm3`; P-256
 * likewise with SHA-256).
 *
 * Round trips in both suites (several files with roles, an empty file, a
 * 1 MB file), the escrow recipient opening, --inspect (with the machine
 * fingerprint: the tool and its version, a host hash, a MAC hash when the
 * machine has a hardware address), and every failure a
 * bidder or an opening officer can meet: wrong tender, lot, signer, key,
 * suite; a flipped byte; a truncated file; an existing output file;
 * usage errors. Checks the exit code, the stable code in the message, and
 * that a failed unseal leaves nothing in the output directory.
 *
 * unseal --release-key (the opening hall's key release): the K it prints
 * equals the bidder block's suite_unwrap, opens the envelope through the
 * server's opener (opening_envelope_form) while K with one bit flipped
 * does not; the escrow key yields the same K; a key that is no recipient
 * is wrong_key, and damaged or misbound envelopes release nothing.
 *
 * IT_NO_STORE: offline commands only, so there is no PostgreSQL variant.
 */
#include "harness.h"

#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "crypto/envelope.h"
#include "domain/opening.h"

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

/* "NAME: " followed by 64 hex digits in out; whether any is not '0'. */
static bool hex_field_nonzero(const char *out, const char *name)
{
    const char *f = strstr(out, name);
    if (f == NULL)
        fail_msg("no %s in: %s", name, out);
    f += strlen(name);
    bool nonzero = false;
    for (int i = 0; i < 64; i++) {
        if (!isxdigit((unsigned char)f[i]))
            fail_msg("%s is not 64 hex digits: %.80s", name, f);
        nonzero |= f[i] != '0';
    }
    assert_true(f[64] == '\n');
    return nonzero;
}

/* Whether this machine has a non-loopback interface with a hardware
 * address (what the seal tool hashes as its MAC). */
static bool have_hw_address(void)
{
    DIR *d = opendir("/sys/class/net");
    struct dirent *e;
    bool have = false;
    if (d == NULL)
        return false;
    while (!have && (e = readdir(d)) != NULL) {
        char path[300], addr[64] = "";
        if (e->d_name[0] == '.' || strcmp(e->d_name, "lo") == 0)
            continue;
        snprintf(path, sizeof path, "/sys/class/net/%s/address", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        if (fgets(addr, sizeof addr, f) != NULL && strlen(addr) >= 17 &&
            strncmp(addr, "00:00:00:00:00:00", 17) != 0)
            have = true;
        fclose(f);
    }
    closedir(d);
    return have;
}

/* The envelope's machine fingerprint as --inspect prints it: the tool and
 * its version, the host hash set, the MAC hash set when there is a MAC. */
static void machine_fingerprint_ok(const char *out)
{
    const char *t = strstr(out, "tool: sunbid ");
    assert_non_null(t);
    assert_true(isdigit((unsigned char)t[13])); /* a version, not "(unknown)" */
    assert_true(hex_field_nonzero(out, "host-hash: "));
    bool mac = hex_field_nonzero(out, "mac-hash: ");
    if (mac != have_hw_address())
        fail_msg("mac-hash %s but the machine %s a hardware address", mac ? "set" : "zero",
                 have_hw_address() ? "has" : "has no");
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
    machine_fingerprint_ok(out);
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

/* The whole of dir/name (malloc'ed, caller frees). */
static uint8_t *slurp(const char *name, size_t *len)
{
    FILE *f = fopen(p(name), "rb");
    if (f == NULL)
        fail_msg("cannot open %s", p(name));
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *d = malloc((size_t)n + 1);
    assert_non_null(d);
    assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return d;
}

/* `unseal --release-key` of env with key: asserts exit 0 and that the
 * output is exactly 64 lowercase hex digits and a newline; K into k. */
static void release_ok(const char *env, const char *key, uint8_t k[SUITE_KEY_LEN])
{
    char *out = NULL;
    int rc = it_run(&out, "unseal", "--release-key", "--key", p(key), p(env), NULL);
    if (rc != 0)
        fail_msg("release-key %s with %s: exit %d: %s", env, key, rc, out);
    assert_int_equal(strlen(out), 2 * SUITE_KEY_LEN + 1);
    assert_int_equal(out[2 * SUITE_KEY_LEN], '\n');
    for (int i = 0; i < SUITE_KEY_LEN; i++) {
        char two[3] = {out[2 * i], out[2 * i + 1], '\0'};
        assert_non_null(strchr("0123456789abcdef", two[0]));
        assert_non_null(strchr("0123456789abcdef", two[1]));
        k[i] = (uint8_t)strtol(two, NULL, 16);
    }
    free(out);
}

/* The bidder block's K by the library, as the opening test used to. */
static void unwrap_first(const char *env, const char *key, uint8_t k[SUITE_KEY_LEN])
{
    size_t len;
    uint8_t *data = slurp(env, &len);
    EVP_PKEY *priv = NULL;
    struct seal_error err = {0, ""};
    struct envelope_reader *rd = envelope_reader_new(NULL);
    assert_int_equal(suite_load_private_key(p(key), &priv, &err), SEAL_OK);
    assert_int_equal(envelope_reader_feed(rd, data, len, &err), SEAL_OK);
    assert_int_equal(envelope_reader_finish(rd, &err), SEAL_OK);
    const struct envelope_header *h = envelope_reader_header(rd);
    assert_int_equal(h->rcpt[0].kind, ENVELOPE_RCPT_BIDDER);
    assert_int_equal(suite_unwrap(h->suite, priv, h->rcpt[0].wrap, h->rcpt[0].wrap_len, k),
                     SEAL_OK);
    envelope_reader_free(rd);
    EVP_PKEY_free(priv);
    free(data);
}

/* Opens env with K as the server does: SEAL_OK or the error. */
static int open_with(const char *env, const uint8_t k[SUITE_KEY_LEN])
{
    size_t len;
    uint8_t *data = slurp(env, &len);
    struct buf form;
    struct seal_error err = {0, ""};
    buf_init(&form, OPENING_FORM_MAX);
    int rc = opening_envelope_form(data, len, k, &form, &err);
    if (rc == SEAL_OK)
        assert_int_equal(form.len, strlen("{\"price_fen\":100}"));
    buf_release(&form);
    free(data);
    return rc;
}

static void release_fails(const char *env, const char *key, int want_rc, const char *code,
                          const char *extra)
{
    char *out = NULL;
    int rc = extra != NULL ? it_run(&out, "unseal", "--release-key", "--key", p(key),
                                    "--expect-tender", extra, p(env), NULL)
                           : it_run(&out, "unseal", "--release-key", "--key", p(key), p(env), NULL);
    if (rc != want_rc || strstr(out, code) == NULL)
        fail_msg("release-key %s: exit %d (want %d), output: %s (want %s)", env, rc, want_rc, out,
                 code);
    assert_int_equal(strncmp(out, "sunbid: unseal: ", 16), 0); /* the error alone, no K */
    free(out);
}

static void test_release_key(void **state)
{
    uint8_t k[SUITE_KEY_LEN], want[SUITE_KEY_LEN], esc[SUITE_KEY_LEN];
    char *out = NULL;
    int before;

    sh("cd '%s' && mkdir -p rk && printf '{\"price_fen\":100}' > rk/opening-form.json", dir);
    int rc = it_run(&out, "seal", "--tender", "ZB-7", "--lot", "1", "--sign-key", p("gm-sign.key"),
                    "--sign-cert", p("gm-sign.crt"), "--recipient", p("gm-enc.crt"), "--recipient",
                    p("gm-escrow.crt"), "--out", p("rk.sbe"), p("rk/opening-form.json:price-list"),
                    p("technical.pdf:technical"), NULL);
    if (rc != 0)
        fail_msg("seal: %s", out);
    free(out);
    rc = it_run(&out, "seal", "--suite", "intl", "--tender", "ZB-7", "--lot", "1", "--sign-key",
                p("p-sign.key"), "--sign-cert", p("p-sign.crt"), "--recipient", p("p-enc.crt"),
                "--out", p("rki.sbe"), p("rk/opening-form.json:price-list"), NULL);
    if (rc != 0)
        fail_msg("seal intl: %s", out);
    free(out);

    /* gm: K is the bidder block's, opens the envelope; nothing written */
    before = files_in(dir);
    release_ok("rk.sbe", "gm-enc.key", k);
    assert_int_equal(files_in(dir), before);
    unwrap_first("rk.sbe", "gm-enc.key", want);
    assert_memory_equal(k, want, SUITE_KEY_LEN);
    assert_int_equal(open_with("rk.sbe", k), SEAL_OK);
    k[5] ^= 0x01;
    assert_int_equal(open_with("rk.sbe", k), SEAL_EWRONGKEY);
    /* the escrow block wraps the same K */
    release_ok("rk.sbe", "gm-escrow.key", esc);
    assert_memory_equal(esc, want, SUITE_KEY_LEN);
    /* intl */
    release_ok("rki.sbe", "p-enc.key", k);
    unwrap_first("rki.sbe", "p-enc.key", want);
    assert_memory_equal(k, want, SUITE_KEY_LEN);
    assert_int_equal(open_with("rki.sbe", k), SEAL_OK);

    /* refusals: not a recipient, wrong algorithm, misbound, damaged */
    release_fails("rk.sbe", "gm-other.key", 5, "wrong_key: none of the 2 recipients", NULL);
    release_fails("rki.sbe", "p-escrow.key", 5, "wrong_key", NULL);
    release_fails("rk.sbe", "p-enc.key", 5, "wrong_key_type", NULL);
    release_fails("rk.sbe", "gm-enc.key", 5, "wrong_tender", "ZB-8");
    sh("cd '%s' && cp rk.sbe rkx.sbe && printf 'X' | dd of=rkx.sbe bs=1 seek=400000 conv=notrunc "
       "2>/dev/null && head -c 300000 rk.sbe > rkt.sbe",
       dir);
    release_fails("rkx.sbe", "gm-enc.key", 5, "bad_signature", NULL);
    release_fails("rkt.sbe", "gm-enc.key", 5, "truncated", NULL);
    release_fails("nope.sbe", "gm-enc.key", 1, "cannot open", NULL);

    /* usage: --release-key needs --key and takes no --out-dir or --inspect */
    assert_int_equal(it_run(NULL, "unseal", "--release-key", p("rk.sbe"), NULL), 2);
    assert_int_equal(it_run(NULL, "unseal", "--release-key", "--key", p("gm-enc.key"), "--out-dir",
                            p("rk-out"), p("rk.sbe"), NULL),
                     2);
    assert_int_equal(it_run(NULL, "unseal", "--release-key", "--inspect", "--key", p("gm-enc.key"),
                            p("rk.sbe"), NULL),
                     2);
    struct stat st;
    assert_int_not_equal(stat(p("rk-out"), &st), 0);
    assert_int_equal(it_run(&out, "unseal", "--help", NULL), 0);
    assert_non_null(strstr(out, "--release-key"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gm_round_trip),
        cmocka_unit_test(test_intl_round_trip_with_escrow),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_release_key),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
