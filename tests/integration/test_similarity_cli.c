/*
 * `sunbid similarity` and `sunbid graph` end to end: the real binary over
 * files written here (a lots directory with a DOCX, plain text in UTF-8 and
 * GBK, a damaged PDF and a lot's own template; CSV files for the graph),
 * the JSON reports, and the exit codes of bad invocations and bad input.
 *
 * IT_NO_STORE: offline commands only, so there is no PostgreSQL variant.
 */
#include "harness.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

static char dir[480];

static void path_of(char *path, size_t cap, const char *name)
{
    snprintf(path, cap, "%s/%s", dir, name);
}

static void write_file(const char *name, const char *text)
{
    char path[600];
    path_of(path, sizeof path, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void write_docx(const char *name, const char *para, const char *author)
{
    char path[600];
    path_of(path, sizeof path, name);
    int ze;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    assert_non_null(za);
    size_t n = strlen(para) + 512;
    char *doc = malloc(n), *core = malloc(1024);
    assert_non_null(doc);
    assert_non_null(core);
    snprintf(doc, n,
             "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/"
             "main\"><w:body><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:body></w:document>",
             para);
    snprintf(core, 1024,
             "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/"
             "metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
             "<dc:creator>%s</dc:creator></cp:coreProperties>",
             author);
    assert_true(
        zip_file_add(za, "word/document.xml", zip_source_buffer(za, doc, strlen(doc), 1), 0) >= 0);
    assert_true(zip_file_add(za, "docProps/core.xml", zip_source_buffer(za, core, strlen(core), 1),
                             0) >= 0);
    assert_int_equal(zip_close(za), 0);
}

/* About n bytes of pseudo-words from a seed. */
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

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("SUNBID_TEST_TMP");
    char base[400];
    snprintf(base, sizeof(base), "%s", tmp ? tmp : "/tmp/sunbid-test");
    mkdir(base, 0755);
    snprintf(dir, sizeof(dir), "%.400s/simcli-%d-%ld", base, (int)getpid(), (long)time(NULL));
    if (mkdir(dir, 0755) != 0)
        fail_msg("mkdir %s", dir);
    return 0;
}

static json_t *load_json(const char *name)
{
    char path[600];
    path_of(path, sizeof path, name);
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    if (j == NULL)
        fail_msg("%s is not JSON: %s", name, e.text);
    return j;
}

static void test_similarity(void **state)
{
    (void)state;
    char *tpl = words(1, 1500), *copied = words(2, 3000), *own1 = words(3, 1000),
         *own2 = words(4, 4000), *lot2 = words(5, 600);
    size_t n = strlen(tpl) + strlen(copied) + strlen(own1) + strlen(own2) + 16;
    char *a = malloc(n), *b = malloc(n), *c = malloc(n);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    snprintf(a, n, "%s %s %s", tpl, own1, copied);
    snprintf(b, n, "%s\n%s", copied, tpl);
    snprintf(c, n, "%s\n%s\n%s", tpl, lot2, own2);
    char p[600];
    path_of(p, sizeof p, "lots");
    mkdir(p, 0755);
    path_of(p, sizeof p, "lots/L1");
    mkdir(p, 0755);
    path_of(p, sizeof p, "lots/L2");
    mkdir(p, 0755);
    write_file("template.txt", tpl);
    write_docx("lots/L1/a.docx", a, "Wang");
    write_file("lots/L1/b.txt", b);
    write_file("lots/L2/c.txt", c);
    write_file("lots/L2/template-l2.txt", lot2);
    write_file("lots/L2/gbk.txt", "\xCD\xB6\xB1\xEA\xCE\xC4\xBC\xFE"); /* 投标文件 in GBK */

    char tp[600], lots[600], out[600], *o = NULL;
    path_of(tp, sizeof tp, "template.txt");
    path_of(lots, sizeof lots, "lots");
    path_of(out, sizeof out, "report.json");
    int rc = it_run(&o, "similarity", "--template", tp, "--lots", lots, "--out", out, NULL);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, o);
    free(o);
    json_t *j = load_json("report.json");
    json_t *docs = json_object_get(j, "documents"); /* sorted: L1/a, L1/b, L2/c, L2/gbk */
    assert_int_equal(json_array_size(docs), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(docs, 3), "format")),
                        "txt");
    assert_string_equal(json_string_value(json_object_get(json_array_get(docs, 0), "id")),
                        "L1/a.docx");
    assert_string_equal(json_string_value(json_object_get(json_array_get(docs, 0), "format")),
                        "docx");
    /* c.txt: both templates subtracted, the global one and its lot's own. */
    json_t *dc = json_array_get(docs, 2);
    assert_string_equal(json_string_value(json_object_get(dc, "id")), "L2/c.txt");
    assert_true(json_integer_value(json_object_get(dc, "template_shingles")) > 1500);
    json_t *pairs = json_object_get(j, "pairs");
    assert_int_equal(json_array_size(pairs), 1);
    json_t *p0 = json_array_get(pairs, 0);
    assert_string_equal(json_string_value(json_object_get(p0, "a_id")), "L1/a.docx");
    assert_string_equal(json_string_value(json_object_get(p0, "b_id")), "L1/b.txt");
    json_t *q = json_array_get(json_object_get(p0, "passages"), 0);
    assert_true(json_integer_value(json_object_get(q, "chars")) > 2000);
    assert_int_equal(json_integer_value(json_object_get(q, "b_start")), 0);
    json_decref(j);

    /* A damaged PDF is listed and makes the exit status 3. */
    write_file("lots/L1/broken.pdf", "%PDF-1.4 nothing");
    rc = it_run(&o, "similarity", "--template", tp, "--lots", lots, "--out", out, NULL);
    assert_int_equal(rc, 3);
    assert_non_null(strstr(o, "malformed_document"));
    free(o);
    j = load_json("report.json");
    json_t *bad = json_array_get(json_object_get(j, "documents"), 2); /* a, b, broken */
    assert_string_equal(json_string_value(json_object_get(bad, "error")), "malformed_document");
    json_decref(j);

    /* Usage and refusals. */
    assert_int_equal(it_run(&o, "similarity", NULL), 2);
    free(o);
    assert_int_equal(it_run(&o, "similarity", "--hashes", "100", tp, NULL), 2);
    free(o);
    char missing[600];
    path_of(missing, sizeof missing, "no-such-template.docx");
    assert_int_equal(it_run(&o, "similarity", "--template", missing, tp, NULL), 3);
    assert_non_null(strstr(o, "io_error"));
    free(o);
    assert_int_equal(it_run(&o, "similarity", "--help", NULL), 0);
    free(o);
    free(tpl);
    free(copied);
    free(own1);
    free(own2);
    free(lot2);
    free(a);
    free(b);
    free(c);
}

static void test_graph(void **state)
{
    (void)state;
    write_file("orgs.csv", "org_id,name,phone\nA,Alpha,0591-87654321\nB,Beta,+86 591 8765 4321\n"
                           "C,Gamma,0591-11111111\nD,Delta,\n");
    write_file("people.csv", "org_id,person_id,name,role\nC,350102198001011234,Li,项目经理\n"
                             "D,350102198001011234,Li,key_staff\n");
    write_file("bids.csv", "tender_id,lot,org,price\nT1,1,A,100\nT1,1,B,90\nT1,1,C,95\n");
    write_file("bad.csv", "tender_id,lot,org,price\nT1,1,A,100\nT1,1,B,lots\n");
    char orgs[600], people[600], bids[600], bad[600], out[600], *o = NULL;
    path_of(orgs, sizeof orgs, "orgs.csv");
    path_of(people, sizeof people, "people.csv");
    path_of(bids, sizeof bids, "bids.csv");
    path_of(bad, sizeof bad, "bad.csv");
    path_of(out, sizeof out, "graph.json");
    int rc =
        it_run(&o, "graph", "--orgs", orgs, "--people", people, "--bids", bids, "--out", out, NULL);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, o);
    free(o);
    json_t *j = load_json("graph.json");
    json_t *st = json_object_get(j, "stats");
    assert_int_equal(json_integer_value(json_object_get(st, "components")), 2);
    assert_int_equal(json_integer_value(json_object_get(st, "linked_lots")), 1);
    json_t *lb = json_array_get(json_object_get(j, "linked_bidders"), 0);
    assert_int_equal(json_array_size(json_object_get(lb, "orgs")), 2); /* A and B */
    json_decref(j);
    rc = it_run(&o, "graph", "--bids", bad, NULL);
    assert_int_equal(rc, 3);
    assert_non_null(strstr(o, "line 3: bad_value"));
    free(o);
    assert_int_equal(it_run(&o, "graph", NULL), 2);
    free(o);
    assert_int_equal(it_run(&o, "graph", "--bids", bids, "--alpha", "2", NULL), 2);
    free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_similarity),
        cmocka_unit_test(test_graph),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
