/*
 * `sunbid redflags` end to end: the real binary over JSONL files and a
 * settings file written here, its JSON on stdout (or --out), the Meta and
 * Maps keys, skipped lines, and the exit codes of bad invocations. The
 * command never touches the store, so no server is started; it_cli still
 * passes --data-dir, which the command accepts and ignores.
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

static struct it_server fake; /* only data_dir is used */
static char dir[480];

static void write_file(const char *name, const char *text, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    /* Single quotes in the test text stand for double quotes. */
    for (const char *p = text; *p; p++)
        fputc(*p == '\'' ? '"' : *p, f);
    fclose(f);
}

static int setup(void **state)
{
    const char *tmp = getenv("SUNBID_TEST_TMP");
    char base[400];
    snprintf(base, sizeof(base), "%s", tmp ? tmp : "/tmp/sunbid-test");
    mkdir(base, 0755);
    snprintf(dir, sizeof(dir), "%.400s/redflags-%d-%ld", base, (int)getpid(), (long)time(NULL));
    if (mkdir(dir, 0755) != 0)
        fail_msg("mkdir %s", dir);
    memset(&fake, 0, sizeof(fake));
    snprintf(fake.data_dir, sizeof(fake.data_dir), "%s", dir);
    return 0;
}

static const char *releases =
    /* R018 (open, one tenderer) and R003 (five days) */
    "{'ocid':'ocds-a','tender':{'procurementMethod':'open','numberOfTenderers':1,"
    "'tenderPeriod':{'startDate':'2021-06-01T00:00:00+08:00','endDate':'2021-06-06T00:00:00+08:00'}"
    "}}\n"
    "this line is not JSON\n"
    "\n"
    /* R028: two tenderers, one price */
    "{'ocid':'ocds-b','bids':{'details':["
    "{'status':'valid','tenderers':[{'id':'T1'}],'value':{'amount':100,'currency':'CNY'}},"
    "{'status':'valid','tenderers':[{'id':'T2'}],'value':{'amount':100,'currency':'CNY'}}]},"
    "'awards':[{'status':'active','suppliers':[{'id':'T1'}]}],'buyer':{'id':'B1'}}\n"
    /* a price close to the winning bid: 100 vs 101 */
    "{'ocid':'ocds-c','bids':{'details':["
    "{'status':'valid','tenderers':[{'id':'T1'}],'value':{'amount':100,'currency':'CNY'}},"
    "{'status':'valid','tenderers':[{'id':'T3'}],'value':{'amount':101,'currency':'CNY'}}]},"
    "'awards':[{'status':'active','suppliers':[{'id':'T1'}]}]}\n"
    "{'ocid':'ocds-d','bids':{'details':["
    "{'status':'valid','tenderers':[{'id':'T4'}],'value':{'amount':100,'currency':'CNY'}},"
    "{'status':'valid','tenderers':[{'id':'T5'}],'value':{'amount':150,'currency':'CNY'}}]},"
    "'awards':[{'status':'active','suppliers':[{'id':'T4'}]}]}\n";

static json_t *parse(const char *out)
{
    json_error_t e;
    json_t *j = json_loads(out, 0, &e);
    if (j == NULL)
        fail_msg("not JSON: %s (%s)", out, e.text);
    return j;
}

static void test_defaults(void **state)
{
    char in[700];
    write_file("releases.jsonl", releases, in, sizeof(in));
    char *out = NULL;
    assert_int_equal(it_cli(&fake, &out, "redflags", "--in", in, NULL), 0);
    json_t *j = parse(out);
    json_t *ocid = json_object_get(j, "OCID");
    assert_true(json_real_value(json_object_get(json_object_get(ocid, "ocds-a"), "R003")) == 1.0);
    assert_true(json_real_value(json_object_get(json_object_get(ocid, "ocds-a"), "R018")) == 1.0);
    assert_true(json_real_value(json_object_get(json_object_get(ocid, "ocds-b"), "R028")) == 1.0);
    /* Every indicator ran: Meta has the fences of R024, R025, R048, R058. */
    json_t *meta = json_object_get(j, "Meta");
    assert_non_null(json_object_get(meta, "R024"));
    assert_non_null(json_object_get(meta, "R025"));
    assert_non_null(json_object_get(meta, "R048"));
    assert_non_null(json_object_get(meta, "R058"));
    assert_null(json_object_get(j, "Maps"));
    assert_int_equal(out[strlen(out) - 1], '\n');
    json_decref(j);
    free(out);
}

static void test_settings_file(void **state)
{
    char in[700], ini[700];
    write_file("releases2.jsonl", releases, in, sizeof(in));
    write_file("settings.ini",
               "; only R024, with a fixed fence\n"
               "currency = CNY\n"
               "[R024]\n"
               "threshold = 0.05\n",
               ini, sizeof(ini));
    char *out = NULL;
    assert_int_equal(it_cli(&fake, &out, "redflags", "--in", in, "--settings", ini, NULL), 0);
    /* ratios: ocds-b 0 (same price), ocds-c 0.01, ocds-d 0.5; at or under 0.05: b, c. */
    assert_string_equal(out,
                        "{\"OCID\":{\"ocds-b\":{\"R024\":0.0},\"ocds-c\":{\"R024\":0.01}},"
                        "\"Tenderer\":{\"T1\":{\"R024\":0.0},\"T2\":{\"R024\":0.0},"
                        "\"T3\":{\"R024\":0.0}},\"Meta\":{\"R024\":{\"lower_fence\":0.05}}}\n");
    free(out);

    assert_int_equal(
        it_cli(&fake, &out, "redflags", "--in", in, "--settings", ini, "--no-meta", "--map", NULL),
        0);
    assert_string_equal(out, "{\"OCID\":{\"ocds-b\":{\"R024\":0.0},\"ocds-c\":{\"R024\":0.01}},"
                             "\"Tenderer\":{\"T1\":{\"R024\":0.0},\"T2\":{\"R024\":0.0},"
                             "\"T3\":{\"R024\":0.0}},\"Maps\":{\"ocid_buyer_r038\":{},"
                             "\"ocid_procuringentity_r038\":{},\"ocid_tenderer\":{},"
                             "\"ocid_tenderer_r024\":{\"ocds-b\":[\"T1\",\"T2\"],"
                             "\"ocds-c\":[\"T1\",\"T3\"]},\"ocid_tenderer_r028\":{},"
                             "\"ocid_tenderer_r030\":{},\"ocid_tenderer_r035\":{},"
                             "\"ocid_tenderer_r058\":{}}}\n");
    free(out);
}

static void test_out_file(void **state)
{
    char in[700], res[700];
    write_file("releases3.jsonl", releases, in, sizeof(in));
    snprintf(res, sizeof(res), "%s/results.json", dir);
    char *out = NULL;
    assert_int_equal(
        it_cli(&fake, &out, "redflags", "--in", in, "--out", res, "--no-meta", "--count", NULL), 0);
    assert_string_equal(out, "");
    free(out);
    json_error_t e;
    json_t *j = json_load_file(res, 0, &e);
    assert_non_null(j);
    assert_null(json_object_get(j, "Meta"));
    assert_non_null(json_object_get(json_object_get(j, "OCID"), "ocds-a"));
    json_decref(j);
}

static void test_errors(void **state)
{
    char in[700], bad[700], missing[700];
    write_file("releases4.jsonl", releases, in, sizeof(in));
    write_file("bad.ini", "[R024]\nthreshold = low\n", bad, sizeof(bad));
    snprintf(missing, sizeof(missing), "%s/no-such-file.jsonl", dir);
    char *out = NULL;
    assert_int_equal(it_cli(&fake, &out, "redflags", NULL), 2); /* --in is required */
    free(out);
    assert_int_equal(it_cli(&fake, &out, "redflags", "--in", in, "--bogus", NULL), 2);
    free(out);
    assert_int_equal(it_cli(&fake, &out, "redflags", "--in", in, "--max-line", "0", NULL), 2);
    free(out);
    assert_int_equal(it_cli(&fake, &out, "redflags", "--in", in, "--settings", bad, NULL), 3);
    assert_string_equal(out, "");
    free(out);
    assert_int_equal(it_cli(&fake, &out, "redflags", "--in", missing, NULL), 1);
    assert_string_equal(out, "");
    free(out);
    assert_int_equal(it_cli(&fake, &out, "redflags", "--help", NULL), 0);
    assert_non_null(strstr(out, "usage: sunbid redflags"));
    free(out);
}

static void test_long_lines_skipped(void **state)
{
    char in[700];
    write_file("long.jsonl",
               "{'ocid':'x','tender':{'procurementMethod':'open','numberOfTenderers':1},"
               "'padding':'..........................................................'}\n"
               "{'ocid':'y','tender':{'procurementMethod':'open','numberOfTenderers':1}}\n",
               in, sizeof(in));
    char *out = NULL;
    assert_int_equal(
        it_cli(&fake, &out, "redflags", "--in", in, "--max-line", "100", "--no-meta", NULL), 0);
    assert_string_equal(out, "{\"OCID\":{\"y\":{\"R018\":1.0}}}\n");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),           cmocka_unit_test(test_settings_file),
        cmocka_unit_test(test_out_file),           cmocka_unit_test(test_errors),
        cmocka_unit_test(test_long_lines_skipped),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
