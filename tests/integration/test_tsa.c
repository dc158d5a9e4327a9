/*
 * RFC 3161 timestamps over checkpoints end to end (and, as
 * integration/tsa_pg, on PostgreSQL): a local TSA is made with the `openssl`
 * command in a temporary directory; `sunbid serve --tsa-cert tsa.pem`
 * trusts it. The test fetches the latest checkpoint, timestamps its exact
 * bytes with `openssl ts`, POSTs the DER token to /api/ledger/timestamp
 * (201) and gets it back from GET (same bytes, X-Timestamp-Gen-Time).
 * Tokens over other bytes and garbage (422, field "token"), a token of an
 * untrusted TSA (403), unknown sizes (404) are refused and nothing is
 * stored; without --tsa-cert every POST is 403. Skipped (with a message)
 * when there is no `openssl` command.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct it_server srv;
static char dir[] = "/tmp/sunbid-it-tsa-XXXXXX";

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

/* The file's bytes (caller frees), *n its length. */
static char *read_file(const char *name, size_t *n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *p = malloc(70000);
    assert_non_null(p);
    *n = fread(p, 1, 70000, f);
    fclose(f);
    return p;
}

/* CA PREFIXca.pem and its TSA PREFIXtsa.pem (EKU critical timeStamping). */
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

/* The DER token by TSA PREFIX over file DATA (caller frees). */
static char *stamp(const char *prefix, const char *data, size_t *n)
{
    assert_int_equal(
        sh("(cd %s && P='%s' D='%s' && "
           "openssl ts -query -data $D -sha256 -cert -out q.tsq && "
           "openssl ts -reply -queryfile q.tsq -signer ${P}tsa.pem -inkey ${P}tsa.key "
           "-chain ${P}ca.pem -config tsa.cnf -token_out -out tok.der) >/dev/null 2>&1",
           dir, prefix, data),
        0);
    return read_file("tok.der", n);
}

static int setup(void **state)
{
    (void)state;
    if (system("openssl version >/dev/null 2>&1") != 0) {
        print_message("test_tsa: SKIPPED: no `openssl` command on PATH\n");
        return -1;
    }
    if (mkdtemp(dir) == NULL || make_tsa("") != 0 || make_tsa("evil") != 0)
        return -1;
    char cert[600];
    snprintf(cert, sizeof cert, "%s/tsa.pem", dir);
    const char *args[] = {"--tsa-cert", cert, NULL};
    it_server_start(&srv, IT_DEMO, args);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(it_server_stop(&srv), 0);
    sh("rm -rf %s", dir);
    return 0;
}

/* POSTs n raw bytes as the token for size; returns the status. */
static int post(uint64_t size, const char *tok, size_t n, const char *want_in_body)
{
    char head[512];
    struct it_resp r;
    int fd = it_connect(srv.port);
    assert_true(fd >= 0);
    int hl = snprintf(head, sizeof head,
                      "POST /api/ledger/timestamp?size=%llu HTTP/1.1\r\nHost: localhost\r\n"
                      "Content-Type: application/timestamp-reply\r\nContent-Length: %zu\r\n"
                      "Connection: close\r\n\r\n",
                      (unsigned long long)size, n);
    assert_int_equal(it_send_all(fd, head, (size_t)hl), 0);
    if (n > 0)
        assert_int_equal(it_send_all(fd, tok, n), 0);
    assert_int_equal(it_read_response(fd, &r, 0), 0);
    close(fd);
    int st = r.status;
    if (want_in_body != NULL && strstr(r.body, want_in_body) == NULL)
        fail_msg("POST size=%llu: %d %s (want %s)", (unsigned long long)size, st, r.body,
                 want_in_body);
    it_resp_free(&r);
    return st;
}

static int get_status(uint64_t size, struct it_resp *r)
{
    char path[128];
    snprintf(path, sizeof path, "/api/ledger/timestamp?size=%llu", (unsigned long long)size);
    assert_int_equal(it_request(&srv, "GET", path, NULL, NULL, r), 0);
    return r->status;
}

/* Writes the latest checkpoint to note.txt; returns its size. */
static uint64_t save_checkpoint(void)
{
    for (int i = 0; i < 200; i++) {
        struct it_resp r;
        assert_int_equal(it_request(&srv, "GET", "/api/ledger/checkpoint", NULL, NULL, &r), 0);
        if (r.status == 200) {
            const char *nl = memchr(r.body, '\n', r.body_len);
            assert_non_null(nl);
            uint64_t size = strtoull(nl + 1, NULL, 10);
            write_file("note.txt", r.body, r.body_len);
            it_resp_free(&r);
            return size;
        }
        assert_int_equal(r.status, 404);
        it_resp_free(&r);
        usleep(50 * 1000);
    }
    fail_msg("no checkpoint");
    return 0;
}

static void test_timestamp(void **state)
{
    (void)state;
    struct it_resp r;
    size_t n;
    uint64_t size = save_checkpoint();
    assert_true(size >= 1);

    /* refused: other bytes, untrusted TSA, garbage, empty, unknown size */
    write_file("other.txt", "other\n", 6);
    char *tok = stamp("", "other.txt", &n);
    assert_int_equal(post(size, tok, n, "\"token\""), 422);
    free(tok);
    tok = stamp("evil", "note.txt", &n);
    assert_int_equal(post(size, tok, n, "\"forbidden\""), 403);
    free(tok);
    assert_int_equal(post(size, "garbage", 7, "\"token\""), 422);
    assert_int_equal(post(size, "", 0, "\"token\""), 422);
    tok = stamp("", "note.txt", &n);
    assert_int_equal(post(size + 100000, tok, n, "\"not_found\""), 404);
    assert_int_equal(get_status(size, &r), 404); /* nothing stored */
    it_resp_free(&r);

    /* accepted, then idempotent */
    assert_int_equal(post(size, tok, n, "\"stored\":true"), 201);
    assert_int_equal(post(size, tok, n, "\"stored\":false"), 200);
    assert_int_equal(get_status(size, &r), 200);
    assert_int_equal(r.body_len, n);
    assert_memory_equal(r.body, tok, n);
    char gen[64];
    assert_int_equal(it_resp_header(&r, "X-Timestamp-Gen-Time", gen, sizeof gen), 0);
    long long g = strtoll(gen, NULL, 10);
    assert_true(g > 1700000000000LL);
    it_resp_free(&r);
    assert_int_equal(get_status(size + 100000, &r), 404);
    it_resp_free(&r);
    assert_int_equal(it_request(&srv, "GET", "/api/ledger/timestamp?size=x", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 422);
    it_resp_free(&r);

    /* without --tsa-cert nothing is accepted; the stored token is still served */
    assert_int_equal(it_server_stop(&srv), 0);
    it_server_restart(&srv, NULL);
    assert_int_equal(post(size, tok, n, "\"forbidden\""), 403);
    assert_int_equal(get_status(size, &r), 200);
    it_resp_free(&r);
    free(tok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timestamp),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
