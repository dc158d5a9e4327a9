/*
 * scratch_fixture.h — what the sealed-envelope integration tests share: a
 * scratch directory (SUNBID_TEST_TMP or /tmp) for the test CA, the bidders'
 * certificates and the envelopes, small file helpers over it, and the test
 * CA (`sunbid ca init`) with bidder certificates issued (`sunbid ca issue`)
 * and registered on the bidder's organisation. Include it once, from one
 * test program, after tender_fixture.h. The helpers are static inline
 * because not every test uses every one of them.
 */
#ifndef SUNBID_IT_SCRATCH_FIXTURE_H
#define SUNBID_IT_SCRATCH_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "tender_fixture.h"

static char dir[512]; /* scratch: CA, certificates, envelopes */

/* Makes the scratch directory SUNBID_TEST_TMP/TAG-XXXXXX (or under /tmp). */
static inline void scratch_make(const char *tag)
{
    const char *tmp = getenv("SUNBID_TEST_TMP");
    snprintf(dir, sizeof dir, "%s/%s-XXXXXX", tmp ? tmp : "/tmp", tag);
    mkdir(tmp ? tmp : "/tmp", 0755);
    assert_non_null(mkdtemp(dir));
}

/* dir/name, in one of 8 rotating buffers (a call may use several). */
static inline char *path_in(const char *name)
{
    static char p[8][700];
    static int k;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

/* The whole file, NUL-terminated; *len without the NUL. Caller frees. */
static inline char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc((size_t)n + 1);
    assert_non_null(d);
    assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
    d[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return d;
}

static inline void spit(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* A CLI run (it_run) that must have succeeded; frees its output. */
static inline void run_ok(const char *what, int rc, char *out)
{
    if (rc != 0)
        fail_msg("%s failed (%d): %s", what, rc, out ? out : "");
    free(out);
}

/* One request on its own connection with the body as given (any
 * Content-Type, any size): bearer token of who, or none when who is NULL. */
static inline void raw_req(const struct it_session *who, const char *method, const char *path,
                           const char *type, const void *body, size_t len, struct it_resp *r)
{
    char head[2048], auth[600] = "";
    int fd = it_connect(srv.port);
    assert_true(fd >= 0);
    if (who != NULL)
        snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", who->token);
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s"
                     "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                     method, path, auth, type, len);
    assert_int_equal(it_send_all(fd, head, (size_t)n), 0);
    if (len > 0)
        assert_int_equal(it_send_all(fd, body, len), 0);
    assert_int_equal(it_read_response(fd, r, 0), 0);
    close(fd);
}

/* The test CA (P-256) in dir/ca; the caller registers dir/ca/ca.crt.pem
 * as trusted its own way. */
static inline void ca_init(const char *name)
{
    char *out = NULL;
    int rc =
        it_run(&out, "ca", "init", "--dir", path_in("ca"), "--alg", "p256", "--name", name, NULL);
    run_ok("ca init", rc, out);
}

/* Bidder n's (1-based) signing and encryption certificates dir/bNs and
 * dir/bNe, for "投标人" with the USCC given, valid for days, registered by
 * who on organisation org. */
static inline void bidder_certs(int n, const char *uscc, const char *days,
                                const struct it_session *who, int64_t org)
{
    static const char *const usage[2] = {"sign", "encrypt"};
    char name[64], path[96];
    for (int u = 0; u < 2; u++) {
        char *out = NULL;
        snprintf(name, sizeof name, "b%d%c", n, u == 0 ? 's' : 'e');
        int rc =
            it_run(&out, "ca", "issue", "--dir", path_in("ca"), "--usage", usage[u], "--subject-cn",
                   "投标人", "--uscc", uscc, "--days", days, "--out", path_in(name), NULL);
        run_ok("ca issue", rc, out);
    }
    char p1[700], p2[700];
    size_t l1, l2;
    snprintf(p1, sizeof p1, "%s/b%ds.crt.pem", dir, n);
    snprintf(p2, sizeof p2, "%s/b%de.crt.pem", dir, n);
    char *a = slurp(p1, &l1), *b = slurp(p2, &l2);
    json_t *jb = json_pack("{s:s,s:s}", "sign", a, "encrypt", b);
    char *text = json_dumps(jb, JSON_COMPACT);
    snprintf(path, sizeof path, "/api/orgs/%lld/certs", (long long)org);
    json_decref(call(who, "POST", path, text, 201));
    free(text);
    json_decref(jb);
    free(a);
    free(b);
}

#endif
