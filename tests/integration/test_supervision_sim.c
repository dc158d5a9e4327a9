/*
 * Live bid document similarity through the real server on a test clock
 * (docs/supervision.md, "Bid document similarity"), on SQLite and
 * (supervision_sim_pg) PostgreSQL.
 *
 * test_access: the similarity and the stored expert-score analysis refuse
 * a bidder, an agent and the admin (403) and the public (401); before any
 * opening the similarity is 404 and the expert analysis reads no scores.
 *
 * test_flow: the tender document (a text every bidder copies) is uploaded;
 * bidder 1 seals a DOCX (author "Wang Lei") with the template, text of its
 * own and a passage; bidder 2 seals a PDF (made with libhpdf, author "Wang
 * Lei") with that passage, the template and text of its own; bidder 3 seals
 * a clean DOCX (the template and its own text, author "Administrator", a
 * default name that proves nothing). The opening runs to its sealed record
 * with the keys released; the risk watcher then opens the envelopes with
 * the kept keys and finds: the pair of bidders 1 and 2 with the passage
 * shown on both sides (its text within the copied passage, not the
 * template), flag S1 similar_documents for organisations 4 and 5 and S2
 * same_metadata for the author, and nothing about bidder 3. A supervisor's
 * recompute gives the same; a bidder is refused.
 */
#include "harness.h"

#include <hpdf.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "base/buf.h"
#include "tender_fixture.h"
#include "scratch_fixture.h"

static const char *const g_uscc[3] = {"91350000158143215N", "91350100MA31PQ7K2T",
                                      "91350100735676503W"};
static const char *const g_forms[3] = {"{\"price_fen\":912345600,\"duration_days\":365}",
                                       "{\"price_fen\":931000000,\"duration_days\":300}",
                                       "{\"price_fen\":955555500,\"duration_days\":330}"};
static struct it_session *const g_bidders[3] = {&bidder1, &bidder2, &bidder3};
static int64_t g_now = T0;

/* ---- helpers ---- */

static void raw_file(const struct it_session *who, const char *method, const char *path,
                     const char *file, const char *type, int status)
{
    size_t len;
    struct it_resp r;
    char *data = slurp(path_in(file), &len);
    raw_req(who, method, path, type, data, len, &r);
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

/* About n bytes of pseudo-words from a seed (Latin: Helvetica can show it). */
static char *words(unsigned seed, size_t n)
{
    static const char *const syl[] = {"ka", "lo", "mi", "ne", "ru", "ta", "po", "si",
                                      "de", "fu", "ga", "hi", "jo", "ke", "lu", "ma"};
    char *s = malloc(n + 16);
    assert_non_null(s);
    size_t k = 0;
    uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
    while (k < n) {
        for (int i = 0; i < 3; i++) {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            const char *y = syl[(x * 2685821657736338717ULL) >> 60];
            memcpy(s + k, y, 2);
            k += 2;
        }
        s[k++] = ' ';
    }
    s[k] = '\0';
    return s;
}

/* A DOCX of the paragraphs with dc:creator author. */
static void write_docx(const char *path, const char *const *paras, size_t n, const char *author)
{
    int ze;
    struct buf doc;
    buf_init(&doc, 1 << 22);
    buf_puts(&doc, "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/"
                   "main\"><w:body>");
    for (size_t i = 0; i < n; i++)
        buf_printf(&doc, "<w:p><w:r><w:t>%s</w:t></w:r></w:p>", paras[i]);
    buf_puts(&doc, "</w:body></w:document>");
    char core[1024];
    snprintf(core, sizeof core,
             "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/"
             "metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
             "<dc:creator>%s</dc:creator></cp:coreProperties>",
             author);
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    assert_non_null(za);
    size_t dl;
    char *d = buf_detach(&doc, &dl);
    char *c = strdup(core);
    assert_true(zip_file_add(za, "word/document.xml", zip_source_buffer(za, d, dl, 1), 0) >= 0);
    assert_true(zip_file_add(za, "docProps/core.xml", zip_source_buffer(za, c, strlen(c), 1), 0) >=
                0);
    assert_int_equal(zip_close(za), 0);
}

static void hpdf_error(HPDF_STATUS e, HPDF_STATUS detail, void *ud)
{
    (void)ud;
    fail_msg("libhpdf error %04X detail %u", (unsigned)e, (unsigned)detail);
}

/* A PDF of the paragraphs, wrapped at 90 columns, with Info Author. */
static void write_pdf(const char *path, const char *const *paras, size_t n, const char *author)
{
    HPDF_Doc pdf = HPDF_New(hpdf_error, NULL);
    assert_non_null(pdf);
    HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
    HPDF_Font font = HPDF_GetFont(pdf, "Helvetica", NULL);
    HPDF_SetInfoAttr(pdf, HPDF_INFO_AUTHOR, author);
    HPDF_Page page = NULL;
    float y = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = paras[i];
        while (*p) {
            size_t l = strlen(p);
            if (l > 90) {
                l = 90;
                while (l > 0 && p[l] != ' ')
                    l--;
                if (l == 0)
                    l = 90;
            }
            if (page == NULL || y < 60) {
                page = HPDF_AddPage(pdf);
                HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
                y = HPDF_Page_GetHeight(page) - 60;
            }
            char line[128];
            memcpy(line, p, l);
            line[l] = '\0';
            HPDF_Page_BeginText(page);
            HPDF_Page_SetFontAndSize(page, font, 10);
            HPDF_Page_TextOut(page, 50, y, line);
            HPDF_Page_EndText(page);
            y -= 13;
            p += l;
            while (*p == ' ')
                p++;
        }
        y -= 8;
    }
    assert_int_equal(HPDF_SaveToFile(pdf, path), HPDF_OK);
    HPDF_Free(pdf);
}

/* Text without spaces, as the comparison sees it (Latin, lower case). */
static char *squeeze(const char *s)
{
    char *o = malloc(strlen(s) + 1);
    assert_non_null(o);
    size_t k = 0;
    for (; *s; s++)
        if (*s != ' ' && *s != '\n')
            o[k++] = *s;
    o[k] = '\0';
    return o;
}

/* ---- the tests ---- */

static void test_access(void **state)
{
    static const char *const routes[][2] = {
        {"GET", "/api/supervision/tenders/1/similarity"},
        {"POST", "/api/supervision/tenders/1/similarity"},
        {"GET", "/api/supervision/experts/bias"},
    };
    const struct it_session *who[3] = {&bidder1, &agent, &admin};
    (void)state;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const char *body = strcmp(routes[i][0], "POST") == 0 ? "{}" : NULL;
        for (int k = 0; k < 3; k++)
            expect_code(who[k], routes[i][0], routes[i][1], body, 403, "forbidden");
        expect_code(NULL, routes[i][0], routes[i][1], body, 401, "unauthenticated");
    }
    expect_code(&supervisor, "GET", "/api/supervision/tenders/1/similarity", NULL, 404,
                "not_found");
    expect_code(&supervisor, "POST", "/api/supervision/tenders/1/similarity", NULL, 404,
                "not_found");
    expect_code(&supervisor, "GET", "/api/supervision/experts/bias?min_tenders=0", NULL, 422,
                "invalid_field");
    json_t *j = call(&supervisor, "GET", "/api/supervision/experts/bias", NULL, 200);
    assert_int_equal(jint(j, "source.scores"), 0);
    assert_int_equal(json_array_size(json_object_get(json_object_get(j, "report"), "flags")), 0);
    json_decref(j);
}

/* Seals bids with the given files, walks the opening to its sealed record. */
static int64_t sealed_opening(const char *tmpl)
{
    char path[160], body[1024], name[64], code[64];
    json_t *j;
    char *out;
    int rc;
    ca_init("Similarity Test CA");
    raw_file(&admin, "POST", "/api/trust", "ca/ca.crt.pem", "application/octet-stream", 201);
    for (int i = 0; i < 3; i++)
        bidder_certs(i + 1, g_uscc[i], "3650", g_bidders[i], 4 + i);
    int64_t now = g_now;
    snprintf(body, sizeof body,
             "{\"title\":\"榕城市江滨公园设计\",\"region\":\"350100\",\"category\":\"services\","
             "\"publish_at_ms\":%lld,\"doc_start_ms\":%lld,\"doc_end_ms\":%lld,"
             "\"clarify_deadline_ms\":%lld,\"bid_deadline_ms\":%lld}",
             (long long)now, (long long)now, (long long)(now + 8 * DAY),
             (long long)(now + 15 * DAY), (long long)(now + 22 * DAY));
    j = call(&agent, "POST", "/api/tenders", body, 201);
    int64_t id = jint(j, "tender.id");
    snprintf(code, sizeof code, "%s", jstr(j, "tender", "code"));
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/documents?name=tender.txt", (long long)id);
    struct it_resp r;
    raw_req(&agent, "POST", path, "text/plain", tmpl, strlen(tmpl), &r);
    if (r.status != 201)
        fail_msg("document upload: %d: %s", r.status, r.body);
    it_resp_free(&r);
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)id);
    json_decref(call(&agent, "POST", path, NULL, 200));
    json_decref(wait_state(id, "bidding"));
    static const char *const docs[3] = {"b1/tech.docx", "b2/tech.pdf", "b3/tech.docx"};
    for (int i = 0; i < 3; i++) {
        char key[700], cert[700], rcpt[700], in1[720], in2[720];
        snprintf(path, sizeof path, "/api/tenders/%lld/register", (long long)id);
        json_decref(call(g_bidders[i], "POST", path, NULL, 201));
        snprintf(name, sizeof name, "b%d/opening-form.json", i + 1);
        spit(path_in(name), g_forms[i], strlen(g_forms[i]));
        snprintf(key, sizeof key, "%s/b%ds.key.pem", dir, i + 1);
        snprintf(cert, sizeof cert, "%s/b%ds.crt.pem", dir, i + 1);
        snprintf(rcpt, sizeof rcpt, "%s/b%de.crt.pem", dir, i + 1);
        snprintf(in1, sizeof in1, "%s/b%d/opening-form.json:price-list", dir, i + 1);
        snprintf(in2, sizeof in2, "%s/%s:technical", dir, docs[i]);
        snprintf(name, sizeof name, "t%lldb%d.sbe", (long long)id, i + 1);
        out = NULL;
        rc = it_run(&out, "seal", "--suite", "intl", "--tender", code, "--lot", "1", "--org",
                    g_uscc[i], "--sign-key", key, "--sign-cert", cert, "--recipient", rcpt, "--out",
                    path_in(name), in1, in2, NULL);
        run_ok("seal", rc, out);
        snprintf(path, sizeof path, "/api/tenders/%lld/lots/1/bid", (long long)id);
        raw_file(g_bidders[i], "PUT", path, name, "application/octet-stream", 201);
    }
    clock_to(now + 22 * DAY + 1);
    json_decref(wait_state(id, "opening"));

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

static json_t *flag_of(json_t *analysis, const char *rule)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(analysis, "flags"), i, f)
    {
        if (strcmp(json_string_value(json_object_get(f, "rule")), rule) == 0)
            return f;
    }
    return NULL;
}

static bool flag_names_org(json_t *f, int64_t org)
{
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(f, "orgs"), i, o)
    {
        if (json_integer_value(json_object_get(o, "id")) == org)
            return true;
    }
    return false;
}

static int64_t doc_org(json_t *sim, json_int_t i)
{
    json_t *d = json_array_get(json_object_get(sim, "documents"), (size_t)i);
    assert_non_null(d);
    return (int64_t)json_integer_value(json_object_get(d, "org_id"));
}

static void check_similarity(json_t *sim, const char *copied, const char *tpl)
{
    assert_string_equal(jstr(sim, "status", NULL), "done");
    assert_int_equal(json_array_size(json_object_get(sim, "documents")), 3);
    json_t *t0 = json_array_get(json_object_get(sim, "templates"), 0);
    assert_string_equal(jstr(t0, "format", NULL), "txt");
    json_t *pairs = json_object_get(sim, "pairs");
    assert_int_equal(json_array_size(pairs), 1); /* the clean bid pairs with nobody */
    json_t *p = json_array_get(pairs, 0);
    int64_t oa = doc_org(sim, json_integer_value(json_object_get(p, "a")));
    int64_t ob = doc_org(sim, json_integer_value(json_object_get(p, "b")));
    assert_true((oa == 4 && ob == 5) || (oa == 5 && ob == 4));
    assert_true(json_is_true(json_object_get(p, "flagged")));
    json_t *ps = json_array_get(json_object_get(p, "passages"), 0);
    assert_non_null(ps);
    assert_true(json_integer_value(json_object_get(ps, "chars")) >= 1000);
    /* both sides show the copied passage (spaces aside), the template nowhere */
    char *cs = squeeze(copied), *ts = squeeze(tpl);
    static const char *const sides[2] = {"in_a", "in_b"};
    for (int k = 0; k < 2; k++) {
        json_t *s = json_object_get(ps, sides[k]);
        char *txt = squeeze(json_string_value(json_object_get(s, "text")));
        char probe[64];
        snprintf(probe, sizeof probe, "%.40s", txt + 8);
        if (strstr(cs, probe) == NULL)
            fail_msg("%s: passage not from the copied text: %s", sides[k], txt);
        snprintf(probe, sizeof probe, "%.60s", ts + 100);
        assert_null(strstr(txt, probe));
        assert_true(json_integer_value(json_object_get(s, "end")) >
                    json_integer_value(json_object_get(s, "start")));
        assert_non_null(json_object_get(s, "before"));
        assert_non_null(json_object_get(s, "after"));
        free(txt);
    }
    free(cs);
    free(ts);
    /* the author shared by bidders 1 and 2; the default name of 3 is not */
    json_t *meta = json_object_get(sim, "metadata");
    assert_int_equal(json_array_size(meta), 1);
    assert_string_equal(jstr(json_array_get(meta, 0), "field", NULL), "author");
    assert_string_equal(jstr(json_array_get(meta, 0), "value", NULL), "Wang Lei");
}

static void test_flow(void **state)
{
    char path[160];
    (void)state;
    scratch_make("supsim");
    for (int i = 1; i <= 3; i++) {
        snprintf(path, sizeof path, "b%d", i);
        mkdir(path_in(path), 0755);
    }
    char *tpl = words(1, 3000), *copied = words(2, 1600), *own1 = words(3, 2000),
         *own2 = words(4, 2500), *own3 = words(5, 2200);
    const char *d1[3] = {tpl, own1, copied}, *d2[3] = {copied, tpl, own2}, *d3[2] = {tpl, own3};
    write_docx(path_in("b1/tech.docx"), d1, 3, "Wang Lei");
    write_pdf(path_in("b2/tech.pdf"), d2, 3, "Wang Lei");
    write_docx(path_in("b3/tech.docx"), d3, 2, "Administrator");
    clock_to((int64_t)time(NULL) * 1000); /* the certificates are issued now */
    int64_t id = sealed_opening(tpl);

    /* the watcher assesses the sealed opening, the similarity with it */
    snprintf(path, sizeof path, "/api/supervision/risks/%lld", (long long)id);
    json_t *risk = NULL;
    for (int i = 0; i < 300 && risk == NULL; i++) {
        struct it_resp r;
        assert_int_equal(it_request_as(&srv, &supervisor, "GET", path, NULL, &r), 0);
        if (r.status == 200)
            risk = parse(&r);
        it_resp_free(&r);
        if (risk == NULL)
            usleep(100 * 1000);
    }
    if (risk == NULL)
        fail_msg("the tender was never assessed");
    json_t *an = json_object_get(json_object_get(risk, "risk"), "analysis");
    json_t *s1 = flag_of(an, "S1"), *s2 = flag_of(an, "S2");
    assert_non_null(s1);
    assert_string_equal(jstr(s1, "kind", NULL), "similar_documents");
    assert_true(flag_names_org(s1, 4) && flag_names_org(s1, 5) && !flag_names_org(s1, 6));
    assert_true(json_integer_value(
                    json_object_get(json_object_get(s1, "evidence"), "shared_chars")) >= 1000);
    assert_non_null(s2);
    assert_string_equal(jstr(json_object_get(s2, "evidence"), "field", NULL), "author");
    assert_true(flag_names_org(s2, 4) && flag_names_org(s2, 5) && !flag_names_org(s2, 6));
    json_decref(risk);

    snprintf(path, sizeof path, "/api/supervision/tenders/%lld/similarity", (long long)id);
    json_t *j = call(&supervisor, "GET", path, NULL, 200);
    check_similarity(json_object_get(j, "similarity"), copied, tpl);
    json_decref(j);
    /* on demand: the same */
    j = call(&supervisor, "POST", path, NULL, 200);
    check_similarity(json_object_get(j, "similarity"), copied, tpl);
    json_decref(j);
    /* never to a bidder, even one of the pair, nor to the public */
    expect_code(&bidder1, "GET", path, NULL, 403, "forbidden");
    expect_code(&agent, "GET", path, NULL, 403, "forbidden");
    expect_code(NULL, "GET", path, NULL, 401, "unauthenticated");
    free(tpl);
    free(copied);
    free(own1);
    free(own2);
    free(own3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_access),
        cmocka_unit_test(test_flow),
    };
    return cmocka_run_group_tests_name("supervision_sim", tests, setup, teardown);
}
