/*
 * Supervision through the real server on a test clock (docs/supervision.md).
 *
 * test_access: every supervision route refuses a bidder, an agent and the
 * admin (403) and the public (401); the SSE topic "supervision" likewise.
 *
 * test_experts_bias: the score analysis over HTTP (a planted favouring
 * expert is flagged with its cases; a bad file is 422 scores_invalid with
 * its line) and the offline command `sunbid experts-bias` (exit 0 / 3).
 *
 * test_flow: three bidders seal bids on this one machine, two of them at
 * the same price, and upload them from one address; the tender goes
 * through its opening to the sealed record; the risk watcher flags it
 * (identical_prices for those two, same_machine, same_upload_ip: score
 * >= 60, high) and the warning arrives on the supervisor's stream. A lead
 * is opened from the warning (the flags snapshot attached), a note and a
 * file attached, a bad transfer date refused, transferred (a second
 * transfer refused), the evidence package downloaded and checked (a ZIP
 * whose manifest's SHA-256s match the files, the flags and the file
 * inside), the lead closed and further evidence refused; the audit trail
 * has every step. Runs on SQLite and (supervision_pg) PostgreSQL.
 */
#include "harness.h"

#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "base/buf.h"
#include "crypto/suite.h"

#include "tender_fixture.h"
#include "scratch_fixture.h"

static const char *const g_uscc[3] = {"91350000158143215N", "91350100MA31PQ7K2T",
                                      "91350100735676503W"};
static const char *const g_forms[3] = {"{\"price_fen\":912345600,\"duration_days\":365}",
                                       "{\"price_fen\":912345600,\"duration_days\":300}",
                                       "{\"price_fen\":955555500,\"duration_days\":330}"};
static struct it_session *const g_bidders[3] = {&bidder1, &bidder2, &bidder3};
static int64_t g_now;

/* ---- helpers ---- */

/* A raw request with a binary body (and a bearer token when who). */
static void raw_file(const struct it_session *who, const char *method, const char *path,
                     const char *file, int status)
{
    size_t len;
    struct it_resp r;
    char *data = slurp(path_in(file), &len);
    raw_req(who, method, path, "application/octet-stream", data, len, &r);
    free(data);
    if (r.status != status)
        fail_msg("%s %s: got %d, want %d: %s", method, path, r.status, status, r.body);
    it_resp_free(&r);
}

static void clock_to(int64_t ms)
{
    set_clock(ms);
    g_now = ms;
    login_all();
}

static void expect_code(const struct it_session *who, const char *method, const char *path,
                        const char *body, int status, const char *code)
{
    json_t *j = call(who, method, path, body, status);
    assert_string_equal(jstr(j, "error", "code"), code);
    json_decref(j);
}

/* ---- SSE ---- */

struct sse {
    int fd;
    char buf[65536];
    size_t len;
};

static void sse_open(struct sse *e, const struct it_session *who, const char *path)
{
    char req[1024];
    e->len = 0;
    e->fd = it_connect(srv.port);
    assert_true(e->fd >= 0);
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                     "Accept: text/event-stream\r\n\r\n",
                     path, who->token);
    assert_int_equal(it_send_all(e->fd, req, (size_t)n), 0);
}

/* Waits (bounded by poll rounds) until the stream holds all needles. */
static void sse_wait(struct sse *e, const char *n1, const char *n2)
{
    for (int spins = 0; spins < 600; spins++) {
        if (strstr(e->buf, n1) != NULL && (n2 == NULL || strstr(e->buf, n2) != NULL))
            return;
        struct pollfd p = {e->fd, POLLIN, 0};
        if (poll(&p, 1, 50) == 1) {
            if (e->len + 1 >= sizeof e->buf)
                e->len = 0;
            ssize_t r = read(e->fd, e->buf + e->len, sizeof(e->buf) - 1 - e->len);
            assert_true(r > 0);
            e->len += (size_t)r;
            e->buf[e->len] = '\0';
        }
    }
    fail_msg("no SSE data with %s: %s", n1, e->buf);
}

/* ---- the tests ---- */

static void test_access(void **state)
{
    static const char *const routes[][2] = {
        {"GET", "/api/supervision/risks"},
        {"GET", "/api/supervision/risks/1"},
        {"POST", "/api/supervision/risks/1/recompute"},
        {"GET", "/api/leads"},
        {"POST", "/api/leads"},
        {"GET", "/api/leads/1"},
        {"POST", "/api/leads/1/notes"},
        {"POST", "/api/leads/1/transfer"},
        {"POST", "/api/leads/1/close"},
        {"GET", "/api/leads/1/package"},
    };
    const struct it_session *who[3] = {&bidder1, &agent, &admin};
    (void)state;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const char *body = strcmp(routes[i][0], "POST") == 0 ? "{}" : NULL;
        for (int k = 0; k < 3; k++)
            expect_code(who[k], routes[i][0], routes[i][1], body, 403, "forbidden");
        expect_code(NULL, routes[i][0], routes[i][1], body, 401, "unauthenticated");
    }
    struct it_resp r;
    raw_req(&bidder1, "POST", "/api/supervision/experts-bias", "text/csv", "a", 1, &r);
    assert_int_equal(r.status, 403);
    it_resp_free(&r);
    raw_req(&agent, "POST", "/api/leads/1/files?name=a.txt", "text/plain", "a", 1, &r);
    assert_int_equal(r.status, 403);
    it_resp_free(&r);
    expect_code(&bidder1, "GET", "/api/events?topic=supervision", NULL, 403, "forbidden");
    expect_code(&admin, "GET", "/api/events?topic=supervision", NULL, 403, "forbidden");
    expect_code(NULL, "GET", "/api/events?topic=supervision", NULL, 401, "unauthenticated");
    /* the supervisor may: an empty list at first */
    json_t *j = call(&supervisor, "GET", "/api/supervision/risks", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    expect_code(&supervisor, "GET", "/api/supervision/risks/1", NULL, 404, "not_found");
    expect_code(&supervisor, "GET", "/api/leads/1", NULL, 404, "not_found");
    expect_code(&supervisor, "POST", "/api/leads", "{\"tender_id\":999999,\"title\":\"x\"}", 404,
                "not_found");
    expect_code(&supervisor, "POST", "/api/leads", "{\"tender_id\":1}", 422, "missing_field");
}

/* 30 tenders of 4 firms scored by 4 experts; X1 gives F1 12 points more. */
static char *scores_csv(void)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    buf_puts(&b, "tender_id,expert_id,firm_id,score\n");
    unsigned seed = 7;
    for (int t = 0; t < 30; t++)
        for (int e = 0; e < 4; e++)
            for (int f = 0; f < 4; f++) {
                seed = seed * 1103515245u + 12345u;
                double noise = (double)((seed >> 16) % 600) / 100.0 - 3.0;
                double s = 70 + 5 * f + noise + (e == 1 && f == 1 ? 12 : 0);
                buf_printf(&b, "T%02d,X%d,F%d,%.2f\n", t, e, f, s);
            }
    return buf_detach(&b, NULL);
}

static void test_experts_bias(void **state)
{
    struct it_resp r;
    json_error_t jerr;
    (void)state;
    char *csv = scores_csv();
    raw_req(&supervisor, "POST", "/api/supervision/experts-bias?permutations=9999", "text/csv", csv,
            strlen(csv), &r);
    if (r.status != 200)
        fail_msg("experts-bias: %d: %s", r.status, r.body);
    json_t *j = json_loads(r.body, 0, &jerr);
    it_resp_free(&r);
    assert_non_null(j);
    json_t *flags = json_object_get(j, "flags");
    assert_int_equal(json_array_size(flags), 1);
    json_t *f = json_array_get(flags, 0);
    assert_string_equal(json_string_value(json_object_get(f, "expert")), "X1");
    assert_string_equal(json_string_value(json_object_get(f, "firm")), "F1");
    assert_int_equal(json_array_size(json_object_get(f, "cases")), 30);
    json_decref(j);
    const char bad[] = "tender_id,expert_id,firm_id,score\nT1,X1,F1,1\nT1,X1,F2,high\n";
    raw_req(&supervisor, "POST", "/api/supervision/experts-bias", "text/csv", bad, sizeof bad - 1,
            &r);
    assert_int_equal(r.status, 422);
    assert_non_null(strstr(r.body, "\"scores_invalid\""));
    assert_non_null(strstr(r.body, "line 3"));
    it_resp_free(&r);

    /* offline */
    const char *tmp = getenv("SUNBID_TEST_TMP");
    char p[600], outp[600];
    snprintf(p, sizeof p, "%s/scores-%d.csv", tmp ? tmp : "/tmp", (int)getpid());
    snprintf(outp, sizeof outp, "%s/scores-%d.json", tmp ? tmp : "/tmp", (int)getpid());
    spit(p, csv, strlen(csv));
    char *out = NULL;
    int rc = it_run(&out, "experts-bias", "--in", p, "--out", outp, NULL);
    run_ok("experts-bias", rc, out);
    size_t n;
    char *rep = slurp(outp, &n);
    assert_non_null(strstr(rep, "\"flags\":[{\"expert\":\"X1\",\"firm\":\"F1\""));
    free(rep);
    spit(p, bad, sizeof bad - 1);
    out = NULL;
    rc = it_run(&out, "experts-bias", "--in", p, NULL);
    assert_int_equal(rc, 3);
    free(out);
    unlink(p);
    unlink(outp);
    free(csv);
}

/* The whole opening of a tender whose bids carry the planted patterns. */
static int64_t sealed_opening(void)
{
    char path[160], body[1024], name[64], code[64];
    json_t *j;
    scratch_make("supervision");
    ca_init("Supervision Test CA");
    raw_file(&admin, "POST", "/api/trust", "ca/ca.crt.pem", 201);
    for (int i = 0; i < 3; i++)
        bidder_certs(i + 1, g_uscc[i], "3650", g_bidders[i], 4 + i);
    char *out;
    int rc;
    int64_t now = g_now;
    snprintf(body, sizeof body,
             "{\"title\":\"榕城市滨江路改造工程\",\"region\":\"350100\",\"category\":\"works\","
             "\"publish_at_ms\":%lld,\"doc_start_ms\":%lld,\"doc_end_ms\":%lld,"
             "\"clarify_deadline_ms\":%lld,\"bid_deadline_ms\":%lld}",
             (long long)now, (long long)now, (long long)(now + 8 * DAY),
             (long long)(now + 15 * DAY), (long long)(now + 22 * DAY));
    j = call(&agent, "POST", "/api/tenders", body, 201);
    int64_t id = jint(j, "tender.id");
    snprintf(code, sizeof code, "%s", jstr(j, "tender", "code"));
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/documents?name=a.pdf", (long long)id);
    json_decref(call(&agent, "POST", path, "%PDF the documents", 201));
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)id);
    json_decref(call(&agent, "POST", path, NULL, 200));
    json_decref(wait_state(id, "bidding"));
    for (int i = 0; i < 3; i++) {
        char key[700], cert[700], rcpt[700], in1[720], in2[720];
        snprintf(path, sizeof path, "/api/tenders/%lld/register", (long long)id);
        json_decref(call(g_bidders[i], "POST", path, NULL, 201));
        snprintf(name, sizeof name, "b%d", i + 1);
        mkdir(path_in(name), 0755);
        snprintf(name, sizeof name, "b%d/opening-form.json", i + 1);
        spit(path_in(name), g_forms[i], strlen(g_forms[i]));
        snprintf(name, sizeof name, "b%d/tech.txt", i + 1);
        spit(path_in(name), "技术标", strlen("技术标"));
        snprintf(key, sizeof key, "%s/b%ds.key.pem", dir, i + 1);
        snprintf(cert, sizeof cert, "%s/b%ds.crt.pem", dir, i + 1);
        snprintf(rcpt, sizeof rcpt, "%s/b%de.crt.pem", dir, i + 1);
        snprintf(in1, sizeof in1, "%s/b%d/opening-form.json:price-list", dir, i + 1);
        snprintf(in2, sizeof in2, "%s/b%d/tech.txt:technical", dir, i + 1);
        snprintf(name, sizeof name, "t%lldb%d.sbe", (long long)id, i + 1);
        out = NULL;
        rc = it_run(&out, "seal", "--suite", "intl", "--tender", code, "--lot", "1", "--org",
                    g_uscc[i], "--sign-key", key, "--sign-cert", cert, "--recipient", rcpt, "--out",
                    path_in(name), in1, in2, NULL);
        run_ok("seal", rc, out);
        snprintf(path, sizeof path, "/api/tenders/%lld/lots/1/bid", (long long)id);
        raw_file(g_bidders[i], "PUT", path, name, 201);
    }
    clock_to(now + 22 * DAY + 1);
    json_decref(wait_state(id, "opening"));

    /* the hall: sign in, every bidder releases its key (`sunbid opening
     * decrypt`), read-out, no objection, every bidder signs (`sunbid
     * opening sign`), sealed */
    char url[64], tender[32];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
    snprintf(tender, sizeof tender, "%lld", (long long)id);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/api/tenders/%lld/opening/signin", (long long)id);
        json_decref(call(g_bidders[i], "POST", path, NULL, 200));
    }
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/advance", (long long)id);
    json_decref(call(&agent, "POST", path, "{\"from\":\"signin\"}", 200));
    for (int i = 0; i < 3; i++) {
        char key[700], env[64];
        snprintf(key, sizeof key, "%s/b%de.key.pem", dir, i + 1);
        snprintf(env, sizeof env, "t%lldb%d.sbe", (long long)id, i + 1);
        out = NULL;
        rc = it_run(&out, "opening", "decrypt", "--server", url, "--tender", tender, "--lot", "1",
                    "--key", key, "--envelope", path_in(env), "--token", g_bidders[i]->token, NULL);
        run_ok("opening decrypt", rc, out);
    }
    json_decref(call(&agent, "POST", path, "{\"from\":\"decrypt\"}", 200));
    json_decref(call(&agent, "POST", path, "{\"from\":\"readout\"}", 200));
    json_decref(call(&agent, "POST", path, "{\"from\":\"objections\"}", 200));
    for (int i = 0; i < 3; i++) {
        char key[700];
        snprintf(key, sizeof key, "%s/b%ds.key.pem", dir, i + 1);
        out = NULL;
        rc = it_run(&out, "opening", "sign", "--server", url, "--tender", tender, "--key", key,
                    "--token", g_bidders[i]->token, NULL);
        run_ok("opening sign", rc, out);
    }
    json_decref(call(&agent, "POST", path, "{\"from\":\"signing\"}", 200));
    json_decref(wait_state(id, "evaluation"));
    return id;
}

/* The flag of kind in the analysis, or NULL. */
static json_t *flag_of(json_t *analysis, const char *kind)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(analysis, "flags"), i, f)
    {
        if (strcmp(json_string_value(json_object_get(f, "kind")), kind) == 0)
            return f;
    }
    return NULL;
}

/* A ZIP entry's bytes (heap, NUL-terminated). */
static char *zip_read(zip_t *z, const char *name, size_t *len)
{
    zip_stat_t st;
    if (zip_stat(z, name, 0, &st) != 0)
        fail_msg("no %s in the package", name);
    zip_file_t *f = zip_fopen(z, name, 0);
    assert_non_null(f);
    char *d = malloc((size_t)st.size + 1);
    assert_non_null(d);
    assert_int_equal(zip_fread(f, d, st.size), (zip_int64_t)st.size);
    zip_fclose(f);
    d[st.size] = '\0';
    *len = (size_t)st.size;
    return d;
}

static void check_package(int64_t lead, const char *file_text)
{
    char path[96];
    struct it_resp r;
    snprintf(path, sizeof path, "/api/leads/%lld/package", (long long)lead);
    assert_int_equal(it_request_as(&srv, &supervisor, "GET", path, NULL, &r), 0);
    if (r.status != 200)
        fail_msg("package: %d: %s", r.status, r.body);
    char ct[64];
    assert_int_equal(it_resp_header(&r, "content-type", ct, sizeof ct), 0);
    assert_string_equal(ct, "application/zip");
    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_source_t *src = zip_source_buffer_create(r.body, r.body_len, 0, &zerr);
    assert_non_null(src);
    zip_t *z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    assert_non_null(z);
    size_t n;
    char *man = zip_read(z, "manifest.json", &n);
    json_error_t jerr;
    json_t *m = json_loads(man, 0, &jerr);
    assert_non_null(m);
    assert_string_equal(json_string_value(json_object_get(m, "format")),
                        "sunbid-evidence-package/v1");
    size_t i;
    json_t *f;
    bool saw_flags = false, saw_file = false, saw_docs = false;
    json_array_foreach(json_object_get(m, "files"), i, f)
    {
        const char *p = json_string_value(json_object_get(f, "path"));
        char *d = zip_read(z, p, &n);
        uint8_t md[32];
        char hex[65];
        suite_sha256(d, n, md);
        for (int k = 0; k < 32; k++)
            snprintf(hex + 2 * k, 3, "%02x", md[k]);
        assert_string_equal(hex, json_string_value(json_object_get(f, "sha256")));
        assert_int_equal((int64_t)n, json_integer_value(json_object_get(f, "size")));
        if (strcmp(p, "flags.json") == 0) {
            saw_flags = true;
            assert_non_null(strstr(d, "\"identical_prices\""));
        }
        if (strcmp(p, "documents.json") == 0) {
            saw_docs = true;
            assert_non_null(strstr(d, "\"envelope_sha256\""));
            assert_non_null(strstr(d, "\"opening_record_sha256\":\""));
        }
        if (strncmp(p, "evidence/", 9) == 0 && strstr(p, "memo.txt") != NULL) {
            saw_file = true;
            assert_string_equal(d, file_text);
        }
        free(d);
    }
    assert_true(saw_flags && saw_file && saw_docs);
    json_decref(m);
    free(man);
    zip_close(z);
    it_resp_free(&r);
}

static void test_flow(void **state)
{
    char path[160], needle[64];
    json_t *j;
    struct sse ev;
    (void)state;
    clock_to((int64_t)time(NULL) * 1000);
    sse_open(&ev, &supervisor, "/api/events?topic=supervision");
    int64_t id = sealed_opening();

    /* the watcher flags it and warns */
    snprintf(needle, sizeof needle, "\"tender_id\":%lld", (long long)id);
    sse_wait(&ev, "event: risk.warning", needle);
    close(ev.fd);
    snprintf(path, sizeof path, "/api/supervision/risks/%lld", (long long)id);
    j = call(&supervisor, "GET", path, NULL, 200);
    json_t *risk = json_object_get(j, "risk");
    json_t *an = json_object_get(risk, "analysis");
    json_t *f = flag_of(an, "identical_prices");
    assert_non_null(f);
    assert_string_equal(json_string_value(json_object_get(f, "rule")), "P1");
    json_t *orgs = json_object_get(f, "orgs");
    assert_int_equal(json_array_size(orgs), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(orgs, 0), "id")), 4);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(orgs, 1), "id")), 5);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(f, "evidence"), "price_fen")),
        912345600);
    assert_non_null(flag_of(an, "same_machine"));
    f = flag_of(an, "same_upload_ip");
    assert_non_null(f);
    assert_int_equal(json_array_size(json_object_get(f, "orgs")), 3);
    assert_true(json_integer_value(json_object_get(risk, "score")) >= 60);
    assert_string_equal(json_string_value(json_object_get(risk, "level")), "high");
    assert_true(json_integer_value(json_object_get(risk, "warned_ms")) > 0);
    json_t *sc = json_object_get(json_array_get(json_object_get(an, "lots"), 0), "screens");
    assert_int_equal(json_integer_value(json_object_get(sc, "n")), 3);
    json_decref(j);
    j = call(&supervisor, "GET", "/api/supervision/risks?min_score=30", NULL, 200);
    assert_int_equal(jint(json_array_get(json_object_get(j, "items"), 0), "tender_id"), id);
    json_decref(j);
    /* recomputing gives the same and warns no more */
    snprintf(path, sizeof path, "/api/supervision/risks/%lld/recompute", (long long)id);
    json_decref(call(&supervisor, "POST", path, NULL, 200));

    /* a lead from the warning */
    char body[512];
    snprintf(body, sizeof body,
             "{\"tender_id\":%lld,\"title\":\"滨江路工程疑似串标\",\"source\":\"warning\"}",
             (long long)id);
    j = call(&supervisor, "POST", "/api/leads", body, 201);
    int64_t lead = jint(j, "lead.id");
    assert_string_equal(jstr(j, "lead", "status"), "open");
    json_decref(j);
    snprintf(path, sizeof path, "/api/leads/%lld/notes", (long long)lead);
    json_decref(
        call(&supervisor, "POST", path, "{\"text\":\"两家报价完全相同，同一台电脑制作。\"}", 201));
    expect_code(&supervisor, "POST", path, "{\"text\":\"\"}", 422, "missing_field");
    struct it_resp r;
    const char memo[] = "会议纪要：投标人甲乙同一地址。";
    snprintf(path, sizeof path, "/api/leads/%lld/files?name=memo.txt&type=text/plain",
             (long long)lead);
    raw_req(&supervisor, "POST", path, "text/plain", memo, sizeof memo - 1, &r);
    if (r.status != 201)
        fail_msg("file: %d: %s", r.status, r.body);
    it_resp_free(&r);
    snprintf(path, sizeof path, "/api/leads/%lld/files?name=../x", (long long)lead);
    raw_req(&supervisor, "POST", path, "text/plain", memo, sizeof memo - 1, &r);
    assert_int_equal(r.status, 422);
    it_resp_free(&r);
    snprintf(path, sizeof path, "/api/leads/%lld/transfer", (long long)lead);
    j = call(&supervisor, "POST", path, "{\"to\":\"市纪委监委\",\"on\":\"2026-02-30\"}", 422);
    assert_string_equal(jstr(j, "error", "field"), "on");
    json_decref(j);
    j = call(&supervisor, "POST", path,
             "{\"to\":\"市纪委监委\",\"on\":\"2026-02-03\",\"note\":\"附证据包\"}", 200);
    assert_string_equal(jstr(j, "lead", "status"), "transferred");
    assert_string_equal(jstr(j, "lead", "transferred_to"), "市纪委监委");
    json_decref(j);
    expect_code(&supervisor, "POST", path, "{\"to\":\"审计局\",\"on\":\"2026-02-04\"}", 409,
                "lead_transferred");
    snprintf(path, sizeof path, "/api/leads/%lld", (long long)lead);
    j = call(&supervisor, "GET", path, NULL, 200);
    json_t *evs = json_object_get(j, "evidence");
    assert_int_equal(json_array_size(evs), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 0), "kind")),
                        "flags");
    assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 2), "name")),
                        "memo.txt");
    assert_true(json_array_size(json_object_get(j, "history")) >= 5);
    json_decref(j);

    check_package(lead, memo);

    snprintf(path, sizeof path, "/api/leads/%lld/close", (long long)lead);
    json_decref(call(&supervisor, "POST", path, "{\"reason\":\"已移送纪委，办结。\"}", 200));
    expect_code(&supervisor, "POST", path, "{\"reason\":\"again\"}", 409, "lead_closed");
    snprintf(path, sizeof path, "/api/leads/%lld/notes", (long long)lead);
    expect_code(&supervisor, "POST", path, "{\"text\":\"late\"}", 409, "lead_closed");
    snprintf(path, sizeof path, "/api/leads?tender_id=%lld", (long long)id);
    j = call(&supervisor, "GET", path, NULL, 200);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "items"), 0), "status")),
                        "closed");
    json_decref(j);
    j = call(&supervisor, "GET", "/api/audit?limit=100", NULL, 200);
    char *d = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(d, "\"lead.open\""));
    assert_non_null(strstr(d, "\"lead.transfer\""));
    assert_non_null(strstr(d, "\"lead.close\""));
    assert_non_null(strstr(d, "\"risk.compute\""));
    free(d);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_access),
        cmocka_unit_test(test_experts_bias),
        cmocka_unit_test(test_flow),
    };
    return cmocka_run_group_tests_name("supervision", tests, setup, teardown);
}
