/*
 * The demo's certificates (cli/demo_certs.c), through the real binary and
 * server: after `sunbid demo` the platform trusts the demo CA, bidder1's
 * organisation has active signing and encryption certificates (P-256),
 * bidder1's keys and certificates are in <data-dir>/demo-keys/bidder1 with
 * the keys mode 0600, and a bid sealed with those very files by
 * `sunbid seal --suite intl` for the demo tender in bidding is accepted with
 * a receipt. A second `sunbid demo` adds nothing (no second CA, no new
 * certificate rows, the files unchanged); another bidder's files are refused
 * for bidder1 (bid_wrong_signer). Runs on SQLite and (demo_certs_pg)
 * PostgreSQL.
 */
#include "harness.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define USCC_B1 "91350000158143215N" /* bidder1's organisation (4) */

static struct it_server srv;
static struct it_session bidder1;

static json_t *call(const struct it_session *who, const char *method, const char *path, int status)
{
    struct it_resp r;
    json_error_t jerr;
    if (who != NULL)
        assert_int_equal(it_request_as(&srv, who, method, path, NULL, &r), 0);
    else
        assert_int_equal(it_request(&srv, method, path, NULL, NULL, &r), 0);
    if (r.status != status)
        fail_msg("%s %s: got %d, want %d: %s", method, path, r.status, status, r.body);
    json_t *j = json_loads(r.body, 0, &jerr);
    if (j == NULL)
        fail_msg("not JSON: %s", r.body);
    it_resp_free(&r);
    return j;
}

/* A file of bidder user's demo keys. */
static const char *key_path(const char *user, const char *name)
{
    static char p[4][800];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/demo-keys/%s/%s", srv.data_dir, user, name);
    return p[k];
}

static char *slurp(const char *path, size_t *len)
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

/* PUT the envelope at path to tender tid's lot 1 as who. */
static void put_bid(const struct it_session *who, int64_t tid, const char *file, struct it_resp *r)
{
    char head[1024];
    size_t len;
    char *data = slurp(file, &len);
    int fd = it_connect(srv.port);
    assert_true(fd >= 0);
    int n = snprintf(head, sizeof head,
                     "PUT /api/tenders/%lld/lots/1/bid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/octet-stream\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     (long long)tid, who->token, len);
    assert_int_equal(it_send_all(fd, head, (size_t)n), 0);
    assert_int_equal(it_send_all(fd, data, len), 0);
    assert_int_equal(it_read_response(fd, r, 0), 0);
    close(fd);
    free(data);
}

/* Seals plain text for (code, lot 1) with user's signing files, to
 * bidder1's encryption certificate. */
static void seal_as(const char *user, const char *code, const char *out)
{
    char input[900], *o = NULL;
    snprintf(input, sizeof input, "%s/plain.txt", srv.data_dir);
    FILE *f = fopen(input, "wb");
    assert_non_null(f);
    fputs("投标报价：3,680,000.00 元\n", f);
    fclose(f);
    snprintf(input + strlen(input), sizeof input - strlen(input), ":commercial");
    int rc = it_run(&o, "seal", "--suite", "intl", "--tender", code, "--lot", "1", "--org", USCC_B1,
                    "--sign-key", key_path(user, "sign.key.pem"), "--sign-cert",
                    key_path(user, "sign.crt.pem"), "--recipient",
                    key_path("bidder1", "encrypt.crt.pem"), "--out", out, input, NULL);
    if (rc != 0)
        fail_msg("seal failed (%d): %s", rc, o ? o : "");
    free(o);
}

static int setup(void **state)
{
    (void)state;
    it_server_start(&srv, IT_DEMO, NULL);
    assert_int_equal(it_login(&srv, "bidder1", IT_DEMO_PASSWORD, 1, &bidder1), 200);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(it_server_stop(&srv), 0);
    return 0;
}

static void test_seeded(void **state)
{
    struct stat st;
    (void)state;
    /* the demo CA is trusted */
    json_t *j = call(NULL, "GET", "/api/trust", 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 1);
    const char *subject = json_string_value(json_object_get(json_array_get(items, 0), "subject"));
    assert_non_null(subject);
    assert_non_null(strstr(subject, "榕城演示 CA"));
    json_decref(j);

    /* bidder1's organisation: an active sign and encrypt certificate */
    j = call(&bidder1, "GET", "/api/orgs/4/certs", 200);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"usage\":\"sign\""));
    assert_non_null(strstr(text, "\"usage\":\"encrypt\""));
    assert_non_null(strstr(text, "\"status\":\"active\""));
    assert_non_null(strstr(text, USCC_B1));
    assert_null(strstr(text, "\"status\":\"replaced\""));
    free(text);

    /* the files, keys private */
    static const char *const files[] = {"sign.key.pem", "sign.crt.pem", "encrypt.key.pem",
                                        "encrypt.crt.pem"};
    for (int i = 0; i < 4; i++) {
        for (int u = 1; u <= 3; u++) {
            char user[24];
            snprintf(user, sizeof user, "bidder%d", u);
            if (stat(key_path(user, files[i]), &st) != 0)
                fail_msg("missing %s", key_path(user, files[i]));
            if (strstr(files[i], ".key.") != NULL)
                assert_int_equal(st.st_mode & 0777, 0600);
        }
    }
    /* the CA's key is private too */
    char p[700];
    snprintf(p, sizeof p, "%s/demo-ca/ca.key.pem", srv.data_dir);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_seal_and_submit(void **state)
{
    char env[700], path[64];
    struct it_resp r;
    int64_t tid = 0;
    const char *code = NULL;
    json_t *list = NULL;
    (void)state;
    /* the demo's goods tender reaches bidding (documents out at seed time) */
    for (int i = 0; i < 300 && tid == 0; i++) {
        json_decref(list);
        list = call(NULL, "GET", "/api/tenders?state=bidding", 200);
        json_t *t = NULL, *item;
        size_t k;
        /* not the hall demo tender: its deadline is minutes away */
        json_array_foreach(json_object_get(list, "items"), k, item)
        {
            const char *title = json_string_value(json_object_get(item, "title"));
            if (t == NULL && title != NULL && strstr(title, "多媒体设备采购") != NULL)
                t = item;
        }
        if (t != NULL) {
            tid = (int64_t)json_integer_value(json_object_get(t, "id"));
            code = json_string_value(json_object_get(t, "code"));
        } else {
            usleep(50 * 1000);
        }
    }
    if (tid == 0 || code == NULL)
        fail_msg("no demo tender in bidding");

    /* another bidder's signing files: not bidder1's registered certificate */
    snprintf(env, sizeof env, "%s/other.sbe", srv.data_dir);
    seal_as("bidder2", code, env);
    put_bid(&bidder1, tid, env, &r);
    assert_int_equal(r.status, 422);
    assert_non_null(strstr(r.body, "bid_wrong_signer"));
    it_resp_free(&r);

    /* bidder1's own files: accepted with a receipt */
    snprintf(env, sizeof env, "%s/demo.sbe", srv.data_dir);
    seal_as("bidder1", code, env);
    json_decref(list);
    put_bid(&bidder1, tid, env, &r);
    if (r.status != 201 && r.status != 200)
        fail_msg("submit: got %d: %s", r.status, r.body);
    assert_non_null(strstr(r.body, "\"receipt\""));
    assert_non_null(strstr(r.body, "sunbid bid receipt v1"));
    assert_non_null(strstr(r.body, "\"suite\":\"intl\""));
    it_resp_free(&r);
    snprintf(path, sizeof path, "/api/tenders/%lld/bids", (long long)tid);
    json_decref(call(&bidder1, "GET", path, 200));
}

static void test_idempotent(void **state)
{
    char *out = NULL, p[700];
    size_t l1, l2;
    (void)state;
    snprintf(p, sizeof p, "%s/demo-ca/ca.crt.pem", srv.data_dir);
    char *ca1 = slurp(p, &l1), *k1 = slurp(key_path("bidder1", "sign.key.pem"), &l1);
    assert_int_equal(it_cli(&srv, &out, "demo", NULL), 0);
    assert_non_null(strstr(out, "already present"));
    assert_null(strstr(out, "certificates seeded")); /* nothing new */
    assert_non_null(strstr(out, "demo-keys"));       /* where the keys are */
    free(out);
    char *ca2 = slurp(p, &l2), *k2 = slurp(key_path("bidder1", "sign.key.pem"), &l2);
    assert_string_equal(ca1, ca2);
    assert_string_equal(k1, k2);
    free(ca1);
    free(ca2);
    free(k1);
    free(k2);
    json_t *j = call(NULL, "GET", "/api/trust", 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
    j = call(&bidder1, "GET", "/api/orgs/4/certs", 200);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    assert_null(strstr(text, "\"status\":\"replaced\"")); /* not registered again */
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeded),
        cmocka_unit_test(test_seal_and_submit),
        cmocka_unit_test(test_idempotent),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
