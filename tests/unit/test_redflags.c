/*
 * Unit tests for Cardinal's red flags (analytics/redflags.h): every
 * indicator against small hand-made OCDS files with the expected output
 * written here, positive and negative cases, thresholds from a settings
 * file, the quartile method on hand-computed examples, the settings parser,
 * number formatting and malformed lines.
 *
 * Where Cardinal (open-contracting/cardinal-rs) has a test fixture or a
 * documented demonstration, the case here rebuilds it with our own data (same
 * situations, other identifiers and amounts) and expects the result Cardinal
 * documents for it; such tests say "Cardinal's fixture" in their comment.
 * Cardinal's fixture tests run each indicator alone with
 * no_price_comparison_procurement_methods = NPC and [exclusions]
 * procurement_method_details = EXC, as FIXTURE_INI does here.
 *
 * Release lines are written with single quotes (q() turns them into double
 * quotes). Results are compared as parsed JSON (jansson's json_equal), as
 * Cardinal's tests compare them, except where the exact text is the point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/redflags.h"

#define FIXTURE_INI                                                                                \
    "no_price_comparison_procurement_methods = NPC\n[exclusions]\n"                                \
    "procurement_method_details = EXC\n"

/* s with every ' turned into " (a new heap string). */
static char *q(const char *s)
{
    char *d = strdup(s);
    assert_non_null(d);
    for (char *p = d; *p; p++)
        if (*p == '\'')
            *p = '"';
    return d;
}

struct warns {
    int n;
    int64_t lines[16];
    char last[256];
};

static void collect(void *ud, int64_t line, const char *msg)
{
    struct warns *w = ud;
    if (w->n < 16)
        w->lines[w->n] = line;
    w->n++;
    snprintf(w->last, sizeof(w->last), "%s", msg);
}

static int g_threads; /* parsing threads for run_full; 0: one per CPU */

/* Runs the releases (JSONL, single-quoted) with the settings ini (NULL: every
 * indicator with its defaults) and returns the JSON output (heap). */
static char *run_full(const char *ini, const char *jsonl, unsigned flags, bool map, size_t max_line,
                      struct warns *w, struct redflags_stats *stats)
{
    struct redflags_settings s;
    char err[256];
    redflags_settings_init(&s);
    if (ini == NULL)
        redflags_settings_enable_all(&s);
    else if (redflags_settings_parse(&s, ini, strlen(ini), err, sizeof(err)) != 0)
        fail_msg("settings: %s", err);
    struct redflags *rf = redflags_new(&s, map);
    assert_non_null(rf);
    if (w != NULL)
        redflags_set_warn(rf, collect, w);
    redflags_set_threads(rf, g_threads);
    char *text = q(jsonl);
    FILE *f = fmemopen(text, strlen(text), "r");
    assert_non_null(f);
    assert_int_equal(redflags_read(rf, f, max_line), 0);
    fclose(f);
    free(text);
    assert_int_equal(redflags_finish(rf), 0);
    struct buf b;
    buf_init(&b, 1 << 24);
    assert_int_equal(redflags_write(rf, &b, flags), BUF_OK);
    if (stats != NULL)
        *stats = *redflags_stats(rf);
    char *out = strdup(b.data);
    buf_release(&b);
    redflags_free(rf);
    redflags_settings_release(&s);
    return out;
}

static char *run(const char *ini, const char *jsonl, unsigned flags)
{
    return run_full(ini, jsonl, flags, false, 0, NULL, NULL);
}

/* The output equals the expected JSON (single-quoted), as parsed trees. */
static void assert_json(const char *got, const char *expected_q)
{
    char *exp = q(expected_q);
    json_error_t e1, e2;
    json_t *a = json_loads(got, 0, &e1);
    json_t *b = json_loads(exp, 0, &e2);
    if (a == NULL)
        fail_msg("output is not JSON: %s (%s)", got, e1.text);
    if (b == NULL)
        fail_msg("expected is not JSON: %s (%s)", exp, e2.text);
    if (!json_equal(a, b))
        fail_msg("got      %s\nexpected %s", got, exp);
    json_decref(a);
    json_decref(b);
    free(exp);
}

/* Runs without Meta and compares. */
static void expect(const char *ini, const char *jsonl, const char *expected)
{
    char *out = run(ini, jsonl, 0);
    assert_json(out, expected);
    free(out);
}

/* ---- the quartile method ------------------------------------------------ */

static void test_quantile_hand_computed(void **state)
{
    /* n = 9: h(0.25) = (9 + 1/3) / 4 + 1/3 = 2.6667 -> x2 + 0.6667 (x3 - x2) */
    double v[] = {100, 0, 100, 100, 0, 100, 100, 100, 100};
    assert_true(fabs(redflags_quantile(v, 9, 0.25) - 200.0 / 3.0) < 1e-12);
    /* h(0.75) = 7.3333 -> x7 + 0.3333 (x8 - x7) = 100 */
    assert_true(redflags_quantile(v, 9, 0.75) == 100.0);

    /* 1..5: Q1 at h = 1.6667 -> 1 + 0.6667 = 1.6667; Q3 at h = 4.3333 -> 4.3333 */
    double w[] = {5, 3, 1, 4, 2};
    assert_true(fabs(redflags_quantile(w, 5, 0.25) - 5.0 / 3.0) < 1e-12);
    assert_true(fabs(redflags_quantile(w, 5, 0.75) - 13.0 / 3.0) < 1e-12);
    /* The median: h = 3.0 -> x3 = 3 exactly. */
    assert_true(redflags_quantile(w, 5, 0.5) == 3.0);
    /* 75th percentile of {1,1,1,1,1,6} (R025's upper fence): h = 5.0833 ->
     * 1 + 0.0833 * 5 = 1.4167 */
    double d[] = {6, 1, 1, 1, 1, 1};
    assert_true(fabs(redflags_quantile(d, 6, 0.75) - (1.0 + 5.0 / 12.0)) < 1e-12);
}

static void test_quantile_edges(void **state)
{
    double one[] = {7};
    assert_true(redflags_quantile(one, 1, 0.25) == 7.0); /* h = 0.67: the minimum */
    assert_true(redflags_quantile(one, 1, 0.75) == 7.0); /* h = 1.33: the maximum */
    double two[] = {10, 2};
    assert_true(redflags_quantile(two, 2, 0.25) == 2.0);  /* h = 0.9167 */
    assert_true(redflags_quantile(two, 2, 0.75) == 10.0); /* h = 2.0833 >= n */
    double x[] = {4, 8, 6};
    assert_true(redflags_quantile(x, 3, 0.0) == 4.0);
    assert_true(redflags_quantile(x, 3, 1.0) == 8.0);
    assert_true(isnan(redflags_quantile(x, 3, 1.01)));
    assert_true(isnan(redflags_quantile(x, 3, -0.1)));
    assert_true(isnan(redflags_quantile(x, 0, 0.5)));
}

/* ---- number formatting (serde_json / ryu) ------------------------------- */

static void fmt_is(double v, const char *want)
{
    char out[32];
    redflags_format_double(v, out);
    if (strcmp(out, want) != 0)
        fail_msg("format(%.17g) = %s, want %s", v, out, want);
}

static void test_format_double(void **state)
{
    fmt_is(1.0, "1.0");
    fmt_is(0.0, "0.0");
    fmt_is(-0.0, "-0.0");
    fmt_is(0.2, "0.2");
    fmt_is(1.0 / 6.0, "0.16666666666666666");
    fmt_is(100.0, "100.0");
    fmt_is(66.6667, "66.6667");
    fmt_is(-2.5, "-2.5");
    fmt_is(123456.789, "123456.789");
    fmt_is(1e15, "1000000000000000.0");
    fmt_is(1e16, "1e16");
    fmt_is(1.25e17, "1.25e17");
    fmt_is(0.0001, "0.0001");
    fmt_is(0.00001, "0.00001");
    fmt_is(0.000001, "1e-6");
    fmt_is(1.5e-7, "1.5e-7");
    fmt_is(5e-324, "5e-324");
    fmt_is(1.7976931348623157e308, "1.7976931348623157e308");
    fmt_is(INFINITY, "null");
    fmt_is(NAN, "null");
}

/* ---- RFC 3339 ------------------------------------------------------------- */

static void test_rfc3339(void **state)
{
    int64_t s;
    int32_t ns;
    const char *ok = "2000-01-01T00:00:00Z";
    assert_true(redflags_parse_rfc3339(ok, strlen(ok), &s, &ns));
    assert_int_equal(s, 946684800);
    assert_int_equal(ns, 0);
    const char *off = "2000-01-01T08:00:00.25+08:00";
    assert_true(redflags_parse_rfc3339(off, strlen(off), &s, &ns));
    assert_int_equal(s, 946684800);
    assert_int_equal(ns, 250000000);
    const char *lower = "2024-02-29t23:59:60z"; /* leap day, leap second, lower case */
    assert_true(redflags_parse_rfc3339(lower, strlen(lower), &s, &ns));
    assert_int_equal(s, 1709251200);
    const char *space = "1969-12-31 23:59:59-00:30";
    assert_true(redflags_parse_rfc3339(space, strlen(space), &s, &ns));
    assert_int_equal(s, 1799);
    const char *bad[] = {"invalid",
                         "2000-01-01",
                         "2000-01-01T00:00:00",
                         "2000-13-01T00:00:00Z",
                         "2023-02-29T00:00:00Z",
                         "2000-01-01T24:00:00Z",
                         "2000-01-01T00:00:00.Z",
                         "2000-01-01T00:00:00+0800",
                         "2000-01-01T00:00:00Zjunk",
                         "20000-01-01T00:00:00Z"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (redflags_parse_rfc3339(bad[i], strlen(bad[i]), &s, &ns))
            fail_msg("accepted %s", bad[i]);
}

/* ---- the settings file ---------------------------------------------------- */

static void test_settings_defaults(void **state)
{
    struct redflags_settings s;
    redflags_settings_init(&s);
    for (int i = 0; i < RF__COUNT; i++)
        assert_false(s.enabled[i]);
    assert_int_equal(s.r003_threshold, 15);
    assert_int_equal(s.r018_methods.n, 2);
    assert_string_equal(s.r018_methods.items[0], "open");
    assert_string_equal(s.r018_methods.items[1], "selective");
    assert_int_equal(s.r025_percentile, 75);
    assert_int_equal(s.r035_threshold, 1);
    assert_int_equal(s.r038_min_bids, 2);
    assert_int_equal(s.r038_min_processes, 2);
    assert_int_equal(s.r048_digits, 2);
    assert_int_equal(s.r048_min_processes, 20);
    assert_false(s.has_r024_threshold || s.has_r025_threshold || s.has_r038_threshold ||
                 s.has_r048_threshold || s.has_r058_threshold);
    assert_null(s.currency);
    redflags_settings_release(&s);
}

static void test_settings_every_key(void **state)
{
    const char *ini = "\xef\xbb\xbf; the file `ocdscardinal init` writes, filled in\n"
                      "currency = USD\n"
                      "no_price_comparison_procurement_methods = Random Selection|Sorteo\n"
                      "# a comment\n"
                      "[exclusions]\n"
                      "procurement_method_details = Excluded\n"
                      "[R003]\n"
                      "threshold = 12 ; inline comment\n"
                      "procurement_methods = open|selective|limited\n"
                      "[R003.procurement_method_details]\n"
                      "Licitación de Seguros = 10\n"
                      "Cotización = -3\n"
                      "Cotización = 7\n"
                      "[R018]\n"
                      "procurement_methods = \"limited\"\n"
                      "[ R024 ]\n"
                      "threshold = 0.05\n"
                      "[R025]\n"
                      "percentile = 80\n"
                      "threshold = 0.1\n"
                      "[R028]\n[R030]\n"
                      "[R035]\n"
                      "threshold = 0\n"
                      "[R036]\n"
                      "[R038]\n"
                      "threshold = 0.5\n"
                      "minimum_submitted_bids = 3\n"
                      "minimum_contracting_processes = 4\n"
                      "[R048]\n"
                      "digits = 3\n"
                      "threshold = 10\n"
                      "minimum_contracting_processes = 5\n"
                      "[R058]\n"
                      "threshold = 1.5e0\n"
                      "[defaults]\ncurrency = USD\nparty_roles = true\n"
                      "[codelists.bid_status]\nqualified = valid\n"
                      "[R044]\n";
    struct redflags_settings s;
    char err[256];
    redflags_settings_init(&s);
    if (redflags_settings_parse(&s, ini, strlen(ini), err, sizeof(err)) != 0)
        fail_msg("%s", err);
    for (int i = 0; i < RF__COUNT; i++)
        assert_true(s.enabled[i]);
    assert_string_equal(s.currency, "USD");
    assert_int_equal(s.no_price_cmp.n, 2);
    assert_string_equal(s.no_price_cmp.items[0], "Random Selection");
    assert_string_equal(s.no_price_cmp.items[1], "Sorteo");
    assert_false(s.has_price_cmp);
    assert_int_equal(s.exclude_pmd.n, 1);
    assert_int_equal(s.r003_threshold, 12);
    assert_int_equal(s.r003_methods.n, 3);
    assert_int_equal(s.r003_ndetails, 2);
    assert_string_equal(s.r003_details[0].details, "Licitación de Seguros");
    assert_int_equal(s.r003_details[0].days, 10);
    assert_string_equal(s.r003_details[1].details, "Cotización");
    assert_int_equal(s.r003_details[1].days, 7); /* the later duplicate wins */
    assert_int_equal(s.r018_methods.n, 1);
    assert_string_equal(s.r018_methods.items[0], "limited");
    assert_true(s.has_r024_threshold);
    assert_true(s.r024_threshold == 0.05);
    assert_int_equal(s.r025_percentile, 80);
    assert_true(s.has_r025_threshold && s.r025_threshold == 0.1);
    assert_int_equal(s.r035_threshold, 1); /* Cardinal: max(threshold, 1) */
    assert_true(s.has_r038_threshold && s.r038_threshold == 0.5);
    assert_int_equal(s.r038_min_bids, 3);
    assert_int_equal(s.r038_min_processes, 4);
    assert_int_equal(s.r048_digits, 3);
    assert_true(s.has_r048_threshold);
    assert_int_equal(s.r048_threshold, 10);
    assert_int_equal(s.r048_min_processes, 5);
    assert_true(s.has_r058_threshold && s.r058_threshold == 1.5);
    assert_true(s.ignored_r044);
    assert_false(s.ignored_r055);
    redflags_settings_release(&s);
}

static void test_settings_sections_enable(void **state)
{
    /* Only the sections present run; a dotted R003 section enables R003. */
    const char *ini = "[R003.procurement_method_details]\nx = 5\n[R028]\n";
    struct redflags_settings s;
    char err[256];
    redflags_settings_init(&s);
    assert_int_equal(redflags_settings_parse(&s, ini, strlen(ini), err, sizeof(err)), 0);
    for (int i = 0; i < RF__COUNT; i++)
        assert_int_equal(s.enabled[i], i == RF_R003 || i == RF_R028);
    redflags_settings_release(&s);
}

static void test_settings_lists(void **state)
{
    struct redflags_settings s;
    char err[256];
    redflags_settings_init(&s);
    const char *a = "[R003]\nprocurement_methods = open|\n";
    assert_int_equal(redflags_settings_parse(&s, a, strlen(a), err, sizeof(err)), 0);
    assert_int_equal(s.r003_methods.n, 1); /* split_terminator: no empty last item */
    const char *b = "[R003]\nprocurement_methods = a||b\n";
    assert_int_equal(redflags_settings_parse(&s, b, strlen(b), err, sizeof(err)), 0);
    assert_int_equal(s.r003_methods.n, 3);
    assert_string_equal(s.r003_methods.items[1], "");
    const char *c = "[R018]\nprocurement_methods =\n"; /* empty: every method */
    assert_int_equal(redflags_settings_parse(&s, c, strlen(c), err, sizeof(err)), 0);
    assert_int_equal(s.r018_methods.n, 0);
    redflags_settings_release(&s);
}

static void settings_error(const char *ini, const char *want)
{
    struct redflags_settings s;
    char err[256];
    redflags_settings_init(&s);
    if (redflags_settings_parse(&s, ini, strlen(ini), err, sizeof(err)) == 0)
        fail_msg("accepted: %s", ini);
    if (strstr(err, want) == NULL)
        fail_msg("error '%s' does not say '%s'", err, want);
    redflags_settings_release(&s);
}

static void test_settings_errors(void **state)
{
    settings_error("[R999]\n", "line 1: unknown section [R999]");
    settings_error("[r003]\n", "unknown section [r003]"); /* names are case-sensitive */
    settings_error("\n[R024]\ntreshold = 1\n", "line 3: unknown key 'treshold' in [R024]");
    settings_error("[R028]\nthreshold = 1\n", "unknown key 'threshold' in [R028]");
    settings_error("colour = red\n", "line 1: unknown key 'colour'");
    settings_error("[R003]\nthreshold = 1.5\n", "threshold must be an integer");
    settings_error("[R003]\nthreshold = ten\n", "threshold must be an integer");
    settings_error("[R035]\nthreshold = -1\n", "threshold must be a natural number");
    settings_error("[R048]\ndigits =\n", "digits must be an integer");
    settings_error("[R024]\nthreshold = 0.05x\n", "threshold must be a decimal number");
    settings_error("[R058]\nthreshold = inf\n", "threshold must be a decimal number");
    settings_error("[R003.procurement_method_details]\nx = soon\n", "must be an integer");
    settings_error("[R024\n", "closing ']'");
    settings_error("[R024] junk\n", "text after the section header");
    settings_error("[R024]\nthreshold\n", "line 2: expected 'key = value'");
    settings_error("[R024]\n = 1\n", "a property needs a key");
    settings_error("[defaults]\ncolour = red\n", "unknown key 'colour' in [defaults]");
}

/* ---- R003 short submission period ---------------------------------------- */

#define PERIOD(ocid, start, end, extra)                                                            \
    "{'ocid':'" ocid "','tender':{'tenderPeriod':{'startDate':'" start "','endDate':'" end         \
    "'}" extra "}}\n"

/* Cardinal's fixture R003: 14 days 23:59:59 is short of 15 whole days;
 * exactly 15 days is not; every procurement method counts by default;
 * invalid dates are skipped. */
static void test_r003_default(void **state)
{
    const char *jsonl = PERIOD("open", "2010-05-01T09:00:00Z", "2010-05-16T08:59:59Z",
                               ",'procurementMethod':'open'")
        PERIOD("direct", "2010-05-01T09:00:00Z", "2010-05-16T08:59:59Z",
               ",'procurementMethod':'direct'")
            PERIOD("none", "2010-05-01T09:00:00Z", "2010-05-16T08:59:59Z", "")
                PERIOD("exact", "2010-05-01T09:00:00Z", "2010-05-16T09:00:00Z", "")
                    PERIOD("bad start", "soon", "2010-05-16T09:00:00Z", "")
                        PERIOD("bad end", "2010-05-01T09:00:00Z", "later", "")
        /* 15 days in UTC, but the end's offset makes it 14 days 16 hours */
        PERIOD("offset", "2010-05-01T09:00:00Z", "2010-05-16T09:00:00+08:00", "")
        /* a deadline before the start is a negative period: short */
        PERIOD("backwards", "2010-05-16T00:00:00Z", "2010-05-01T00:00:00Z",
               "") "{'ocid':'no period','tender':{}}\n"
                   "{'ocid':'cancelled','tender':{'status':'cancelled','tenderPeriod':{'startDate':"
                   "'2010-05-01T00:00:00Z','endDate':'2010-05-02T00:00:00Z'}}}\n";
    expect("[R003]\n", jsonl,
           "{'OCID':{'open':{'R003':1.0},'direct':{'R003':1.0},'none':{'R003':1.0},"
           "'offset':{'R003':1.0},'backwards':{'R003':1.0}}}");
}

/* Cardinal's fixture R003-procurement_methods-open+selective. */
static void test_r003_methods(void **state)
{
    const char *jsonl =
        PERIOD("o", "2010-05-01T09:00:00Z", "2010-05-02T00:00:00Z", ",'procurementMethod':'open'")
            PERIOD("s", "2010-05-01T09:00:00Z", "2010-05-02T00:00:00Z",
                   ",'procurementMethod':'selective'")
                PERIOD("l", "2010-05-01T09:00:00Z", "2010-05-02T00:00:00Z",
                       ",'procurementMethod':'limited'")
                    PERIOD("m", "2010-05-01T09:00:00Z", "2010-05-02T00:00:00Z", "");
    expect("[R003]\nprocurement_methods = open|selective\n", jsonl,
           "{'OCID':{'o':{'R003':1.0},'s':{'R003':1.0}}}");
}

/* Cardinal's fixtures R003-threshold-10 and
 * R003-procurement_method_details-x-5-y-10. */
static void test_r003_thresholds(void **state)
{
    const char *ten = PERIOD("9d", "2011-03-10T12:00:00Z", "2011-03-20T11:59:59Z", "")
        PERIOD("10d", "2011-03-10T12:00:00Z", "2011-03-21T11:59:59Z", "");
    expect("[R003]\nthreshold = 10\n", ten, "{'OCID':{'9d':{'R003':1.0}}}");

    const char *per = PERIOD("a", "2011-03-01T12:00:00Z", "2011-03-06T11:59:59Z",
                             ",'procurementMethodDetails':'Cotización'")
        PERIOD("a exact", "2011-03-01T12:00:00Z", "2011-03-06T12:00:00Z",
               ",'procurementMethodDetails':'Cotización'")
            PERIOD("b", "2011-03-01T12:00:00Z", "2011-03-11T11:59:59Z",
                   ",'procurementMethodDetails':'Licitación'")
                PERIOD("b exact", "2011-03-01T12:00:00Z", "2011-03-11T12:00:00Z",
                       ",'procurementMethodDetails':'Licitación'")
                    PERIOD("other", "2011-03-01T12:00:00Z", "2011-03-16T11:59:59Z",
                           ",'procurementMethodDetails':'Otra'")
                        PERIOD("other exact", "2011-03-01T12:00:00Z", "2011-03-16T12:00:00Z",
                               ",'procurementMethodDetails':'Otra'")
                            PERIOD("unset", "2011-03-01T12:00:00Z", "2011-03-16T11:59:59Z", "");
    expect("[R003.procurement_method_details]\nCotización = 5\nLicitación = 10\n", per,
           "{'OCID':{'a':{'R003':1.0},'b':{'R003':1.0},'other':{'R003':1.0},"
           "'unset':{'R003':1.0}}}");
}

/* ---- R018 single bid received --------------------------------------------- */

/* Cardinal's fixture R018. */
static void test_r018(void **state)
{
    const char *jsonl = "{'ocid':'o','tender':{'numberOfTenderers':1,'procurementMethod':'open'}}\n"
                        "{'ocid':'s','tender':{'numberOfTenderers':1,'procurementMethod':"
                        "'selective'}}\n"
                        "{'ocid':'l','tender':{'numberOfTenderers':1,'procurementMethod':"
                        "'limited'}}\n"
                        "{'ocid':'d','tender':{'numberOfTenderers':1,'procurementMethod':"
                        "'direct'}}\n"
                        "{'ocid':'none','tender':{'numberOfTenderers':1}}\n"
                        "{'ocid':'two','tender':{'numberOfTenderers':2,'procurementMethod':"
                        "'open'}}\n"
                        "{'ocid':'neg','tender':{'numberOfTenderers':-1,'procurementMethod':"
                        "'open'}}\n"
                        "{'ocid':'text','tender':{'numberOfTenderers':'1','procurementMethod':"
                        "'open'}}\n";
    expect("[R018]\n", jsonl, "{'OCID':{'o':{'R018':1.0},'s':{'R018':1.0}}}");
    expect("[R018]\nprocurement_methods = limited|direct\n", jsonl,
           "{'OCID':{'l':{'R018':1.0},'d':{'R018':1.0}}}");
}

/* ---- R024 / R058: the winning bid and the second-lowest valid bid -------- */

#define BID(status, tenderer, amount)                                                              \
    "{'status':'" status "','tenderers':[{'id':'" tenderer "'}],'value':{'amount':" amount         \
    ",'currency':'USD'}}"
#define AWARD(status, supplier) "{'status':'" status "','suppliers':[{'id':'" supplier "'}]}"
#define PROC(ocid, bids, awards, extra)                                                            \
    "{'ocid':'" ocid "','bids':{'details':[" bids "]},'awards':[" awards "]" extra "}\n"

/* Cases where the ratio is undefined: each would be 0 (flagged) if counted. */
#define RATIO_EXCLUDED                                                                             \
    PROC("pending award", BID("valid", "W", "10") "," BID("valid", "L", "10"),                     \
         AWARD("active", "W") ",{'status':'pending'}", "")                                         \
    PROC("invalid award", BID("valid", "W", "10") "," BID("valid", "L", "10"),                     \
         AWARD("active", "W") ",{'status':'invalid'}", "")                                         \
    PROC("invited bid", BID("invited", "W", "10") "," BID("valid", "L", "10"),                     \
         AWARD("active", "W"), "")                                                                 \
    PROC("pending bid", BID("pending", "W", "10") "," BID("valid", "L", "10"),                     \
         AWARD("active", "W"), "")                                                                 \
    PROC("withdrawn bid", BID("withdrawn", "W", "10") "," BID("valid", "L", "10"),                 \
         AWARD("active", "W"), "")                                                                 \
    PROC("disqualified bid", BID("disqualified", "W", "10") "," BID("valid", "L", "10"),           \
         AWARD("active", "W"), "")                                                                 \
    PROC("non-price", BID("valid", "W", "20") "," BID("valid", "L", "10"), AWARD("active", "W"),   \
         "")                                                                                       \
    PROC("two awards", BID("valid", "W", "10") "," BID("valid", "L", "10"),                        \
         AWARD("active", "W") "," AWARD("active", "W"), "")                                        \
    PROC("two tenderers",                                                                          \
         BID("valid", "W", "10") ",{'status':'valid','tenderers':[{'id':'L'},{'id':'M'}],"         \
                                 "'value':{'amount':10,'currency':'USD'}}",                        \
         AWARD("active", "W"), "")                                                                 \
    PROC("two suppliers", BID("valid", "W", "10") "," BID("valid", "L", "10"),                     \
         "{'status':'active','suppliers':[{'id':'W'},{'id':'X'}]}", "")                            \
    PROC("cancelled", BID("valid", "W", "10") "," BID("valid", "L", "10"), AWARD("active", "W"),   \
         ",'tender':{'status':'cancelled'}")                                                       \
    PROC("npc", BID("valid", "W", "10") "," BID("valid", "L", "10"), AWARD("active", "W"),         \
         ",'tender':{'procurementMethodDetails':'NPC'}")                                           \
    PROC("exc", BID("valid", "W", "10") "," BID("valid", "L", "10"), AWARD("active", "W"),         \
         ",'tender':{'procurementMethodDetails':'EXC'}")

/* Cardinal's fixture R024 (and its Meta, documented in Cardinal's guide):
 * ratios {0, 1 x7, 0}: Q1 = 0.6667, Q3 = 1, lower fence = 0.1667. */
static const char *r024_jsonl = PROC(
    "p0", BID("valid", "W", "10") "," BID("valid", "L", "10"), AWARD("active", "W"),
    "") PROC("p1", BID("valid", "W", "10") "," BID("valid", "L", "20"), AWARD("active", "W"), "")
    PROC("p2", BID("valid", "W", "10") "," BID("valid", "L", "20"), AWARD("active", "W"), "") PROC(
        "p3", BID("valid", "W", "10") "," BID("valid", "L", "20"), AWARD("active", "W"),
        "") PROC("p4", BID("valid", "W", "10") "," BID("valid", "L", "20"), AWARD("active", "W"),
                 "") PROC("p5", BID("valid", "W", "10") "," BID("valid", "L", "20"),
                          AWARD("active", "W"), "")
        PROC("p6", BID("valid", "W", "10") "," BID("valid", "L", "20"), AWARD("active", "W"), "")
            PROC("accept", BID("valid", "W", "10") "," BID("valid", "L", "20"),
                 AWARD("active", "W") "," AWARD("cancelled", "C") "," AWARD("unsuccessful", "U"),
                 "") PROC("repeat",
                          BID("valid", "W", "10") "," BID("valid", "W", "20") "," BID("valid", "L",
                                                                                      "10"),
                          AWARD("active", "W"), "") RATIO_EXCLUDED;

static void test_r024(void **state)
{
    expect(FIXTURE_INI "[R024]\n", r024_jsonl,
           "{'OCID':{'p0':{'R024':0.0},'repeat':{'R024':0.0}},"
           "'Tenderer':{'W':{'R024':0.0},'L':{'R024':0.0}}}");
    char *out = run(FIXTURE_INI "[R024]\n", r024_jsonl, REDFLAGS_OUT_META);
    assert_json(out, "{'OCID':{'p0':{'R024':0.0},'repeat':{'R024':0.0}},"
                     "'Tenderer':{'W':{'R024':0.0},'L':{'R024':0.0}},"
                     "'Meta':{'R024':{'q1':0.6667,'q3':1.0,'lower_fence':0.1667}}}");
    free(out);
}

static void test_r024_threshold(void **state)
{
    /* A fixed lower fence replaces the quartiles; Meta keeps only the fence. */
    char *out = run(FIXTURE_INI "[R024]\nthreshold = 0.5\n", r024_jsonl, REDFLAGS_OUT_META);
    assert_json(out, "{'OCID':{'p0':{'R024':0.0},'repeat':{'R024':0.0}},"
                     "'Tenderer':{'W':{'R024':0.0},'L':{'R024':0.0}},"
                     "'Meta':{'R024':{'lower_fence':0.5}}}");
    free(out);
    /* A fence of 0 flags nothing: the ratio is never negative. */
    expect(FIXTURE_INI "[R024]\nthreshold = 0\n", r024_jsonl, "{}");
    /* Every ratio under 2: all nine processes. */
    out = run(FIXTURE_INI "[R024]\nthreshold = 2\n", r024_jsonl, 0);
    json_t *j = json_loads(out, 0, NULL);
    assert_int_equal(json_object_size(json_object_get(j, "OCID")), 9);
    json_decref(j);
    free(out);
}

/* Cardinal's guide, R024's demonstration: {1, 99 x4}: Q1 = 66.3333 ->
 * the process with a 1.0 difference is flagged. */
static void test_r024_guide(void **state)
{
    const char *jsonl = PROC("F", BID("valid", "W", "3") "," BID("valid", "L", "6"),
                             AWARD("active", "W"), "")
        PROC("1", BID("valid", "W", "3") "," BID("valid", "L", "300"), AWARD("active", "W"), "")
            PROC("2", BID("valid", "W", "3") "," BID("valid", "L", "300"), AWARD("active", "W"), "")
                PROC("3", BID("valid", "W", "3") "," BID("valid", "L", "300"), AWARD("active", "W"),
                     "") PROC("4", BID("valid", "W", "3") "," BID("valid", "L", "300"),
                              AWARD("active", "W"), "");
    char *out = run("[R024]\n", jsonl, 0);
    /* Exact text: Cardinal documents {"OCID":{"F":{"R024":1.0}},"Tenderer":{"W":...,"L":...}} */
    assert_string_equal(out, "{\"OCID\":{\"F\":{\"R024\":1.0}},"
                             "\"Tenderer\":{\"W\":{\"R024\":0.0},\"L\":{\"R024\":0.0}}}");
    free(out);
}

/* Cardinal's fixture R058: {100, 0 x4}: Q3 = 33.33, upper fence 83.33. */
static const char *r058_jsonl = PROC("F", BID("valid", "W", "5") "," BID("valid", "L", "505"),
                                     AWARD("active", "W"), "")
    PROC("1", BID("valid", "W", "5") "," BID("valid", "L", "5"), AWARD("active", "W"),
         "") PROC("2", BID("valid", "W", "5") "," BID("valid", "L", "5"), AWARD("active", "W"), "")
        PROC("3", BID("valid", "W", "5") "," BID("valid", "L", "5"), AWARD("active", "W"), "")
            PROC("accept", BID("valid", "W", "5") "," BID("valid", "L", "5"),
                 AWARD("active", "W") "," AWARD("cancelled", "C") "," AWARD("unsuccessful", "U"),
                 "") PROC("x pending award", BID("valid", "W", "5") "," BID("valid", "L", "505"),
                          AWARD("active", "W") ",{'status':'pending'}", "")
                PROC("x disqualified", BID("disqualified", "W", "5") "," BID("valid", "L", "505"),
                     AWARD("active", "W"),
                     "") PROC("x two awards", BID("valid", "W", "5") "," BID("valid", "L", "505"),
                              AWARD("active", "W") "," AWARD("active", "W"), "")
                    PROC("x cancelled", BID("valid", "W", "5") "," BID("valid", "L", "505"),
                         AWARD("active", "W"), ",'tender':{'status':'cancelled'}")
                        PROC("x npc", BID("valid", "W", "5") "," BID("valid", "L", "505"),
                             AWARD("active", "W"), ",'tender':{'procurementMethodDetails':'NPC'}")
                            PROC("x exc", BID("valid", "W", "5") "," BID("valid", "L", "505"),
                                 AWARD("active", "W"),
                                 ",'tender':{'procurementMethodDetails':'EXC'}");

static void test_r058(void **state)
{
    char *out = run(FIXTURE_INI "[R058]\n", r058_jsonl, REDFLAGS_OUT_META);
    assert_json(out, "{'OCID':{'F':{'R058':100.0}},'Tenderer':{'W':{'R058':0.0}},"
                     "'Meta':{'R058':{'q1':0.0,'q3':33.3333,'upper_fence':83.3333}}}");
    free(out);
    expect(FIXTURE_INI "[R058]\nthreshold = 100.5\n", r058_jsonl, "{}");
    expect(FIXTURE_INI "[R058]\nthreshold = 100\n", r058_jsonl,
           "{'OCID':{'F':{'R058':100.0}},'Tenderer':{'W':{'R058':0.0}}}");
}

/* ---- R025 excessive unsuccessful bids ------------------------------------ */

#define VBID(t) "{'status':'valid','tenderers':[{'id':'" t "'}]}"

/* Cardinal's fixture R025: T bids in ten processes and wins two (0.2); N
 * loses its one process (0.0). Ratios {1 x8, 0.2, 0}: lower fence 0.8333;
 * numbers of valid bids {10, 1 x9}: upper fence 1. */
static void test_r025(void **state)
{
    const char *jsonl = PROC("0", VBID("T") "," VBID("A0"), AWARD("active", "A0"), "")
        PROC("1", VBID("T") "," VBID("A1"), AWARD("active", "A1"), "")
            PROC("2", VBID("T") "," VBID("A2"), AWARD("active", "A2"), "")
                PROC("3", VBID("T") "," VBID("A3"), AWARD("active", "A3"), "")
                    PROC("4", VBID("T") "," VBID("N"), AWARD("active", "T"), "")
                        PROC("5", VBID("T") "," VBID("A5"), AWARD("active", "A5"), "")
                            PROC("6", VBID("T") "," VBID("A6"), AWARD("active", "A6"), "")
                                PROC("7", VBID("T") "," VBID("A7"), AWARD("active", "A7"), "")
                                    PROC("8", VBID("T") "," VBID("A8"), AWARD("active", "A8"), "")
                                        PROC("T", VBID("T") "," VBID("T") "," VBID("T"),
                                             AWARD("active", "T"), "")
                                            PROC("cancelled", VBID("T") "," VBID("A0"),
                                                 AWARD("active", "A0"),
                                                 ",'tender':{'status':'cancelled'}");
    char *out = run(FIXTURE_INI "[R025]\n", jsonl, REDFLAGS_OUT_META);
    assert_json(out, "{'Tenderer':{'N':{'R025':0.0},'T':{'R025':0.2}},"
                     "'Meta':{'R025':{'q1':0.9333,'q3':1.0,'upper_fence':1.0,"
                     "'lower_fence':0.8333}}}");
    free(out);
    /* A fixed lower fence of 0.1 keeps only N. */
    expect("[R025]\nthreshold = 0.1\n", jsonl, "{'Tenderer':{'N':{'R025':0.0}}}");
    /* The 95th percentile of bids is 10: only T is a top tenderer. */
    expect("[R025]\npercentile = 95\n", jsonl, "{'Tenderer':{'T':{'R025':0.2}}}");
}

/* Cardinal's guide, R025's demonstration: 1/6 written in full. */
static void test_r025_guide(void **state)
{
    const char *jsonl = PROC("0", VBID("F"), AWARD("active", "F"), "")
        PROC("1", VBID("F") "," VBID("1"), AWARD("active", "1"), "")
            PROC("2", VBID("F") "," VBID("2"), AWARD("active", "2"), "")
                PROC("3", VBID("F") "," VBID("3"), AWARD("active", "3"), "")
                    PROC("4", VBID("F") "," VBID("4"), AWARD("active", "4"), "")
                        PROC("5", VBID("F") "," VBID("5"), AWARD("active", "5"), "");
    char *out = run("[R025]\n", jsonl, 0);
    assert_string_equal(out, "{\"Tenderer\":{\"F\":{\"R025\":0.16666666666666666}}}");
    free(out);
}

/* ---- R028 identical bid prices --------------------------------------------- */

#define PBID(status, amount, currency, tenderers)                                                  \
    "{'status':'" status "','value':{'amount':" amount ",'currency':'" currency "'}" tenderers "}"
#define T1(a)                   ",'tenderers':[{'id':'" a "'}]"
#define T2(a, b)                ",'tenderers':[{'id':'" a "'},{'id':'" b "'}]"
#define BIDS(ocid, bids, extra) "{'ocid':'" ocid "','bids':{'details':[" bids "]}" extra "}\n"

/* Cardinal's fixture R028. */
static void test_r028(void **state)
{
    const char *jsonl = BIDS(
        "F", PBID("valid", "7", "EUR", T1("V")) "," PBID("disqualified", "7", "EUR", T1("D")),
        "") BIDS("no tenderers",
                 PBID("valid", "7", "EUR", T1("V")) "," PBID(
                     "disqualified", "7", "EUR", "") "," PBID("disqualified", "7", "EUR", ""),
                 "")
        BIDS("same",
             PBID("valid", "7", "EUR", T1("S")) "," PBID("disqualified", "7", "EUR", T1("S")),
             "") BIDS("shuffled",
                      PBID("valid", "7", "EUR", T2("A", "Z")) "," PBID("disqualified", "7", "EUR",
                                                                       T2("Z", "A")),
                      "") BIDS("decimals",
                               PBID("valid", "7.0", "EUR", T1("V")) "," PBID("disqualified", "7.1",
                                                                             "EUR", T1("D")),
                               "")
            BIDS("currencies",
                 PBID("valid", "7", "EUR", T1("V")) "," PBID("disqualified", "7", "GBP", T1("D")),
                 "")
                BIDS("invited",
                     PBID("valid", "7", "EUR", T1("V")) "," PBID("invited", "7", "EUR", T1("I")),
                     "") BIDS("cancelled",
                              PBID("valid", "7", "EUR", T1("V")) "," PBID("disqualified", "7",
                                                                          "EUR", T1("D")),
                              ",'tender':{'status':'cancelled'}")
                    BIDS("npc",
                         PBID("valid", "7", "EUR", T1("V")) "," PBID("disqualified", "7", "EUR",
                                                                     T1("D")),
                         ",'tender':{'procurementMethodDetails':'NPC'}")
                        BIDS("exc",
                             PBID("valid", "7", "EUR", T1("V")) "," PBID("disqualified", "7", "EUR",
                                                                         T1("D")),
                             ",'tender':{'procurementMethodDetails':'EXC'}");
    expect(FIXTURE_INI "[R028]\n", jsonl,
           "{'OCID':{'F':{'R028':1.0}},'Tenderer':{'V':{'R028':1.0},'D':{'R028':1.0}}}");
}

/* 7 and 7.0 are one price; a tenderer repeating its own price is not a flag,
 * but the next tenderer at that price is compared with the latest bid. */
static void test_r028_sequence(void **state)
{
    const char *jsonl = BIDS(
        "int-real", PBID("valid", "7", "EUR", T1("P")) "," PBID("valid", "7.0", "EUR", T1("Q")),
        "") BIDS("A-B-A",
                 PBID("valid", "3", "EUR", T1("A")) "," PBID("valid", "3", "EUR", T1("B")) "," PBID(
                     "valid", "3", "EUR", T1("A")),
                 "")
        BIDS("A-A", PBID("valid", "3", "EUR", T1("X")) "," PBID("valid", "3", "EUR", T1("X")), "");
    expect("[R028]\n", jsonl,
           "{'OCID':{'int-real':{'R028':1.0},'A-B-A':{'R028':1.0}},'Tenderer':{'P':{'R028':1.0},"
           "'Q':{'R028':1.0},'A':{'R028':1.0},'B':{'R028':1.0}}}");
    /* price_comparison_procurement_methods is an allow list: the process
     * without procurementMethodDetails is left out too. */
    const char *two =
        BIDS("in", PBID("valid", "1", "EUR", T1("G")) "," PBID("valid", "1", "EUR", T1("H")),
             ",'tender':{'procurementMethodDetails':'Auction'}")
            BIDS("unset", PBID("valid", "1", "EUR", T1("J")) "," PBID("valid", "1", "EUR", T1("K")),
                 "");
    expect("price_comparison_procurement_methods = Auction\n[R028]\n", two,
           "{'OCID':{'in':{'R028':1.0}},'Tenderer':{'G':{'R028':1.0},'H':{'R028':1.0}}}");
}

/* ---- R030 late bid won ------------------------------------------------------ */

#define LATE(ocid, tenderer, award, extra)                                                         \
    "{'ocid':'" ocid "','bids':{'details':[{'status':'valid','date':'2012-08-02T00:00:00Z',"       \
    "'tenderers':[{'id':'" tenderer "'}]}]},'tender':{'tenderPeriod':{'endDate':"                  \
    "'2012-07-20T00:00:00Z'}" extra "},'awards':[" award "]}\n"

/* Cardinal's fixture R030. */
static void test_r030(void **state)
{
    const char *jsonl =
        LATE("F", "W", AWARD("active", "W"), "") LATE("losing", "L", AWARD("active", "W"), "")
            LATE("pending", "W", AWARD("pending", "W"), "")
                LATE("invalid", "W", AWARD("invalid", "W"), "")
                    LATE("cancelled", "W", AWARD("active", "W"),
                         ",'status':'cancelled'") "{'ocid':'on "
                                                  "time','bids':{'details':[{'status':'valid','"
                                                  "date':'2012-07-19T00:00:00Z',"
                                                  "'tenderers':[{'id':'W'}]}]},'tender':{'"
                                                  "tenderPeriod':{'endDate':"
                                                  "'2012-07-20T00:00:00Z'}},'awards':[" AWARD(
                                                      "active", "W") "]}\n";
    expect("[R030]\n", jsonl, "{'OCID':{'F':{'R030':1.0}},'Tenderer':{'W':{'R030':1.0}}}");
}

/* ---- R035 all except winning bid disqualified ----------------------------- */

#define SBID(status, t) "{'status':'" status "','tenderers':[{'id':'" t "'}]}"

/* Cardinal's fixture R035. */
static const char *r035_jsonl = PROC("F1", SBID("disqualified", "D") "," SBID("valid", "V"),
                                     AWARD("active", "V"), "")
    PROC("F2", SBID("disqualified", "D") "," SBID("disqualified", "E") "," SBID("valid", "V"),
         AWARD("active", "V"),
         "") PROC("repeat",
                  SBID("disqualified", "D") "," SBID("disqualified", "D") "," SBID(
                      "valid", "V") "," SBID("valid", "V"),
                  AWARD("active", "V") "," AWARD("active", "V"), "")
        PROC("accept",
             SBID("disqualified", "D") "," SBID("invited", "I") "," SBID("pending", "P") "," SBID(
                 "withdrawn", "W") "," SBID("valid", "V"),
             AWARD("active", "V") "," AWARD("cancelled", "C") "," AWARD("unsuccessful", "U"),
             "") PROC("pending award", SBID("disqualified", "D") "," SBID("valid", "V"),
                      AWARD("active", "V") ",{'status':'pending'}",
                      "") PROC("invalid award", SBID("disqualified", "D") "," SBID("valid", "V"),
                               AWARD("active", "V") ",{'status':'invalid'}", "")
            PROC("no valid", SBID("disqualified", "D"), AWARD("active", "V"), "")
                PROC("two valid",
                     SBID("disqualified", "D") "," SBID("valid", "V") "," SBID("valid", "W"),
                     AWARD("active", "V"), "")
                    PROC("other supplier", SBID("disqualified", "D") "," SBID("valid", "V"),
                         AWARD("active", "S"), "")
                        PROC("more suppliers", SBID("disqualified", "D") "," SBID("valid", "V"),
                             AWARD("active", "V") "," AWARD("active", "S"), "")
                            PROC("none disqualified", SBID("valid", "V"), AWARD("active", "V"), "")
                                PROC("cancelled", SBID("disqualified", "D") "," SBID("valid", "V"),
                                     AWARD("active", "V"), ",'tender':{'status':'cancelled'}");

static void test_r035(void **state)
{
    expect(FIXTURE_INI "[R035]\n", r035_jsonl,
           "{'OCID':{'F1':{'R035':1.0},'F2':{'R035':2.0},'repeat':{'R035':1.0},"
           "'accept':{'R035':1.0}},'Tenderer':{'V':{'R035':0.0}}}");
    expect("[R035]\nthreshold = 2\n", r035_jsonl,
           "{'OCID':{'F2':{'R035':2.0}},'Tenderer':{'V':{'R035':0.0}}}");
}

/* ---- R036 lowest bid disqualified ------------------------------------------ */

#define ABID(status, amount)                                                                       \
    "{'status':'" status "','value':{'amount':" amount ",'currency':'USD'}}"
#define ACTIVE "{'status':'active'}"

/* Cardinal's fixture R036. */
static void test_r036(void **state)
{
    const char *jsonl = PROC("F", ABID("disqualified", "4") "," ABID("valid", "8"), ACTIVE, "")
        PROC("invited", ABID("disqualified", "40") "," ABID("valid", "80") "," ABID("invited", "4"),
             ACTIVE,
             "") PROC("withdrawn",
                      ABID("disqualified", "40") "," ABID("valid", "80") "," ABID("withdrawn", "4"),
                      ACTIVE, "") PROC("pending",
                                       ABID("disqualified",
                                            "40") "," ABID("valid", "80") "," ABID("pending", "4"),
                                       ACTIVE, "")
            PROC("valid lowest", ABID("disqualified", "40") "," ABID("valid", "4"), ACTIVE,
                 "") PROC("equal", ABID("disqualified", "4") "," ABID("valid", "4"), ACTIVE, "")
                PROC("not final", ABID("disqualified", "4") "," ABID("valid", "8"),
                     "{'status':'pending'}",
                     "") PROC("cancelled", ABID("disqualified", "4") "," ABID("valid", "8"), ACTIVE,
                              ",'tender':{'status':'cancelled'}")
                    PROC("no amount",
                         ABID("disqualified", "4") ",{'status':'valid','value':{'currency':'USD'}}",
                         ACTIVE, "") PROC("npc", ABID("disqualified", "4") "," ABID("valid", "8"),
                                          ACTIVE, ",'tender':{'procurementMethodDetails':'NPC'}")
                        PROC("exc", ABID("disqualified", "4") "," ABID("valid", "8"), ACTIVE,
                             ",'tender':{'procurementMethodDetails':'EXC'}");
    expect(FIXTURE_INI "[R036]\n", jsonl,
           "{'OCID':{'F':{'R036':1.0},'invited':{'R036':1.0},'withdrawn':{'R036':1.0},"
           "'equal':{'R036':1.0}}}");
}

/* The main currency: the first seen, or the settings' currency; amounts in
 * others are left out. */
static void test_r036_currency(void **state)
{
    const char *jsonl =
        PROC("usd first", ABID("disqualified", "1") "," ABID("valid", "2"), ACTIVE, "")
            PROC("cad",
                 "{'status':'disqualified','value':{'amount':1,'currency':'CAD'}},"
                 "{'status':'valid','value':{'amount':2,'currency':'CAD'}}",
                 ACTIVE, "");
    struct redflags_stats st;
    char *out = run_full("[R036]\n", jsonl, 0, false, 0, NULL, &st);
    assert_json(out, "{'OCID':{'usd first':{'R036':1.0}}}");
    assert_int_equal(st.currency_skipped, 2);
    free(out);
    expect("currency = CAD\n[R036]\n", jsonl, "{'OCID':{'cad':{'R036':1.0}}}");
}

/* ---- R038 excessive disqualified bids -------------------------------------- */

#define ORG(ocid, bids, buyer, pe, extra)                                                          \
    "{'ocid':'" ocid "','bids':{'details':[" bids "]},'buyer':{'id':'" buyer "'},"                 \
    "'tender':{'procuringEntity':{'id':'" pe "'}" extra "}}\n"

/* Cardinal's fixture R038: only B and P have two submitted bids (the
 * minimum is compared with submitted bids); both disqualify half. */
static const char *r038_jsonl =
    ORG("0", SBID("valid", "W1") "," SBID("disqualified", "D"), "B", "P", "")
        ORG("1", SBID("valid", "W2"), "B1", "P1", "") ORG("2", SBID("valid", "W3"), "B2", "P2", "")
            ORG("3", SBID("valid", "W4"), "B3", "P3", "")
                ORG("4", SBID("valid", "W5"), "B4", "P4", "")
                    ORG("cancelled", SBID("valid", "W1") "," SBID("disqualified", "D"), "B", "P",
                        ",'status':'cancelled'");

static void test_r038(void **state)
{
    char *out = run(FIXTURE_INI "[R038]\n", r038_jsonl, REDFLAGS_OUT_META);
    assert_json(out, "{'Buyer':{'B':{'R038':0.5}},'ProcuringEntity':{'P':{'R038':0.5}},"
                     "'Meta':{'R038':{'Buyer_q1':0.5,'Buyer_q3':0.5,'Buyer_upper_fence':0.5,"
                     "'ProcuringEntity_q1':0.5,'ProcuringEntity_q3':0.5,"
                     "'ProcuringEntity_upper_fence':0.5}}}");
    free(out);
}

static void test_r038_settings(void **state)
{
    /* One bid is enough: tenderer ratios {0, 1, 0, 0, 0, 0}: Q3 = 0.0833,
     * upper fence 0.2083, D (1.0) is flagged; buyers {0.5, 0 x4}: Q3 = 0.1667,
     * upper fence 0.4167, B flagged. */
    char *out = run("[R038]\nminimum_submitted_bids = 1\nminimum_contracting_processes = 1\n",
                    r038_jsonl, REDFLAGS_OUT_META);
    assert_json(out, "{'Buyer':{'B':{'R038':0.5}},'ProcuringEntity':{'P':{'R038':0.5}},"
                     "'Tenderer':{'D':{'R038':1.0}},"
                     "'Meta':{'R038':{'Buyer_q1':0.0,'Buyer_q3':0.1667,'Buyer_upper_fence':0.4167,"
                     "'ProcuringEntity_q1':0.0,'ProcuringEntity_q3':0.1667,"
                     "'ProcuringEntity_upper_fence':0.4167,'Tenderer_q1':0.0,"
                     "'Tenderer_q3':0.0833,'Tenderer_upper_fence':0.2083}}}");
    free(out);
    /* A fixed fence above one half flags nobody. */
    expect("[R038]\nthreshold = 0.6\nminimum_submitted_bids = 1\n", r038_jsonl,
           "{'Tenderer':{'D':{'R038':1.0}}}");
    expect("[R038]\nthreshold = 1.1\nminimum_submitted_bids = 1\n", r038_jsonl, "{}");
}

/* ---- R048 heterogeneous supplier ------------------------------------------- */

#define ITEMS1(a)    "'items':[{'classification':{'id':'" a "'}}]"
#define ITEMS2(a, b) "'items':[{'classification':{'id':'" a "'}},{'classification':{'id':'" b "'}}]"
#define AW(ocid, status, suppliers, items, extra)                                                  \
    "{'ocid':'" ocid "','awards':[{'status':'" status "','suppliers':[" suppliers "]," items       \
    "}]" extra "}\n"
#define SUP(x) "{'id':'" x "'}"

/* Cardinal's fixture R048 and its guide's demonstration (minimum 1): S is
 * awarded two segments, K1..K4 one: varieties {2, 1 x4}, upper fence 1.8333. */
static const char *r048_jsonl = AW("F", "active", SUP("S"), ITEMS2("43211500", "44100000"),
                                   "") AW("1", "active", SUP("K1"), ITEMS1("43211500"), "")
    AW("2", "active", SUP("K2"), ITEMS1("43211500"), "") AW("3", "active", SUP("K3"),
                                                            ITEMS1("43211500"), "")
        AW("4", "active", SUP("K4"), ITEMS1("43211500"), "") AW("pending", "pending", SUP("Z"),
                                                                ITEMS2("43211500", "44100000"), "")
            AW("cancelled award", "cancelled", SUP("Z"), ITEMS2("43211500", "44100000"), "")
                AW("unsuccessful", "unsuccessful", SUP("Z"), ITEMS2("43211500", "44100000"), "")
                    AW("invalid", "invalid", SUP("Z"), ITEMS2("43211500", "44100000"), "")
                        AW("two suppliers", "active", SUP("S") "," SUP("T"),
                           ITEMS2("50000000", "60000000"), "")
                            AW("cancelled tender", "active", SUP("S"),
                               ITEMS2("70000000", "80000000"), ",'tender':{'status':'cancelled'}");

static void test_r048(void **state)
{
    char *out = run("[R048]\nminimum_contracting_processes = 1\n", r048_jsonl, REDFLAGS_OUT_META);
    assert_json(out, "{'Tenderer':{'S':{'R048':2.0}},"
                     "'Meta':{'R048':{'q1':1.0,'q3':1.3333,'upper_fence':1.8333}}}");
    free(out);
    /* The default minimum of 20 processes leaves nobody; the quartiles of
     * nothing are null, as in Cardinal. */
    out = run("[R048]\n", r048_jsonl, REDFLAGS_OUT_META);
    assert_json(out, "{'Meta':{'R048':{'q1':null,'q3':null,'upper_fence':null}}}");
    free(out);
}

static void test_r048_settings(void **state)
{
    /* One digit: 4xxxxxxx is one segment for everyone; varieties all 1, the
     * fence is 1, and everyone is at the fence (R048 has no zero guard). */
    expect("[R048]\nminimum_contracting_processes = 1\ndigits = 1\n", r048_jsonl,
           "{'Tenderer':{'S':{'R048':1.0},'K1':{'R048':1.0},'K2':{'R048':1.0},"
           "'K3':{'R048':1.0},'K4':{'R048':1.0}}}");
    expect("[R048]\nminimum_contracting_processes = 1\nthreshold = 3\n", r048_jsonl, "{}");
    expect("[R048]\nminimum_contracting_processes = 1\nthreshold = 2\n", r048_jsonl,
           "{'Tenderer':{'S':{'R048':2.0}}}");
    /* Digits count characters, not bytes: "数字" and "数学" share one. */
    const char *cjk = AW("a", "active", SUP("C"), ITEMS2("数字", "数学"), "")
        AW("b", "active", SUP("C"), ITEMS1("文字"), "");
    expect("[R048]\nminimum_contracting_processes = 1\nthreshold = 2\ndigits = 1\n", cjk,
           "{'Tenderer':{'C':{'R048':2.0}}}");
}

/* ---- all indicators together, the exact text, Meta and Maps -------------- */

static void test_all_defaults_exact(void **state)
{
    /* One process flags R018 and R003 (both open, 3 days); another R028;
     * nothing has ratios, so R024/R058 Meta hold nulls. */
    const char *jsonl =
        "{'ocid':'ocds-1','tender':{'procurementMethod':'open','numberOfTenderers':1,"
        "'tenderPeriod':{'startDate':'2020-01-01T00:00:00Z','endDate':'2020-01-04T00:00:00Z'}}}"
        "\n" BIDS("ocds-\\\"2\\\"",
                  PBID("valid", "5", "CNY", T1("甲")) "," PBID("valid", "5", "CNY", T1("乙")), "");
    char *out = run(NULL, jsonl, REDFLAGS_OUT_META);
    assert_string_equal(
        out, "{\"OCID\":{\"ocds-1\":{\"R003\":1.0,\"R018\":1.0},\"ocds-\\\"2\\\"\":{\"R028\":1.0}},"
             "\"Tenderer\":{\"乙\":{\"R028\":1.0},\"甲\":{\"R028\":1.0}},"
             "\"Meta\":{\"R024\":{\"q1\":null,\"q3\":null,\"lower_fence\":null},"
             "\"R025\":{\"q1\":null,\"q3\":null,\"upper_fence\":null,\"lower_fence\":null},"
             "\"R048\":{\"q1\":null,\"q3\":null,\"upper_fence\":null},"
             "\"R058\":{\"q1\":null,\"q3\":null,\"upper_fence\":null}}}");
    free(out);
}

static void test_maps(void **state)
{
    const char *jsonl = LATE("late", "W", AWARD("active", "W"), "")
        PROC("dq", SBID("disqualified", "D") "," SBID("valid", "V") "," SBID("withdrawn", "X"),
             AWARD("active", "V"), ",'buyer':{'id':'B'},'tender':{'procuringEntity':{'id':'P'}}");
    char *out = run_full("[R030]\n[R035]\n[R038]\n", jsonl, REDFLAGS_OUT_MAPS, true, 0, NULL, NULL);
    assert_json(out, "{'OCID':{'late':{'R030':1.0},'dq':{'R035':1.0}},"
                     "'Buyer':{'B':{'R038':0.5}},'ProcuringEntity':{'P':{'R038':0.5}},"
                     "'Tenderer':{'W':{'R030':1.0},'V':{'R035':0.0}},"
                     "'Maps':{'ocid_buyer_r038':{'dq':'B'},'ocid_procuringentity_r038':{'dq':'P'},"
                     "'ocid_tenderer':{'late':['W'],'dq':['D','V']},"
                     "'ocid_tenderer_r024':{},'ocid_tenderer_r028':{},"
                     "'ocid_tenderer_r030':{'late':['W']},'ocid_tenderer_r035':{'dq':['V']},"
                     "'ocid_tenderer_r058':{}}}");
    free(out);
    /* Maps of R024 and R058 from their fixtures. */
    out = run_full(FIXTURE_INI "[R024]\n", r024_jsonl, REDFLAGS_OUT_MAPS, true, 0, NULL, NULL);
    json_t *j = json_loads(out, 0, NULL);
    char *m =
        json_dumps(json_object_get(json_object_get(j, "Maps"), "ocid_tenderer_r024"), JSON_COMPACT);
    assert_string_equal(m, "{\"p0\":[\"W\",\"L\"],\"repeat\":[\"W\",\"L\"]}");
    free(m);
    json_decref(j);
    free(out);
    out = run_full(FIXTURE_INI "[R058]\n", r058_jsonl, REDFLAGS_OUT_MAPS, true, 0, NULL, NULL);
    j = json_loads(out, 0, NULL);
    m = json_dumps(json_object_get(json_object_get(j, "Maps"), "ocid_tenderer_r058"), JSON_COMPACT);
    assert_string_equal(m, "{\"F\":[\"W\"]}");
    free(m);
    json_decref(j);
    free(out);
}

static void test_result_lookup(void **state)
{
    struct redflags_settings s;
    redflags_settings_init(&s);
    redflags_settings_enable_all(&s);
    struct redflags *rf = redflags_new(&s, false);
    char *line = q("{'ocid':'x','tender':{'numberOfTenderers':1,'procurementMethod':'open'}}");
    assert_int_equal(redflags_feed_line(rf, line, strlen(line), 1), 0);
    assert_int_equal(redflags_finish(rf), 0);
    double v = 0;
    assert_true(redflags_result(rf, RF_GROUP_OCID, "x", RF_R018, &v));
    assert_true(v == 1.0);
    assert_false(redflags_result(rf, RF_GROUP_OCID, "x", RF_R003, &v));
    assert_false(redflags_result(rf, RF_GROUP_OCID, "y", RF_R018, &v));
    assert_false(redflags_result(rf, RF_GROUP_TENDERER, "x", RF_R018, &v));
    assert_int_equal(redflags_group_count(rf, RF_GROUP_OCID), 1);
    assert_int_equal(redflags_group_count(rf, RF_GROUP_BUYER), 0);
    assert_int_equal(redflags_finish(rf), -1); /* once */
    assert_string_equal(redflags_indicator_name(RF_R058), "R058");
    assert_string_equal(redflags_group_name(RF_GROUP_PROCURING_ENTITY), "ProcuringEntity");
    free(line);
    redflags_free(rf);
    redflags_free(NULL);
    redflags_settings_release(&s);
}

/* ---- malformed input --------------------------------------------------------- */

static void test_malformed_lines(void **state)
{
    const char *jsonl = "{'ocid':'a','tender':{'numberOfTenderers':1,'procurementMethod':'open'}}\n"
                        "{\n"          /* 2: invalid */
                        "\n"           /* 3: blank */
                        "  \t \n"      /* 4: blank */
                        "[1,2]\n"      /* 5: not a release */
                        "{'ocid':5}\n" /* 6: ocid not a string */
                        "not json\n"   /* 7: invalid */
                        "{'ocid':'b','tender':{'numberOfTenderers':1,'procurementMethod':"
                        "'open'}}\r\n"            /* 8: CRLF */
                        "{'ocid':'c'} trailing\n" /* 9: invalid */
                        "{'ocid':'d','tender':{'numberOfTenderers':1,'procurementMethod':"
                        "'open'}}"; /* 10: no final newline */
    struct warns w = {0};
    struct redflags_stats st;
    char *out = run_full("[R018]\n", jsonl, 0, false, 0, &w, &st);
    assert_json(out, "{'OCID':{'a':{'R018':1.0},'b':{'R018':1.0},'d':{'R018':1.0}}}");
    assert_int_equal(w.n, 3);
    assert_int_equal(w.lines[0], 2);
    assert_int_equal(w.lines[1], 7);
    assert_int_equal(w.lines[2], 9);
    assert_non_null(strstr(w.last, "invalid JSON"));
    assert_int_equal(st.lines, 10);
    assert_int_equal(st.blank, 2);
    assert_int_equal(st.invalid, 3);
    assert_int_equal(st.not_release, 2);
    assert_int_equal(st.releases, 3);
    free(out);
}

static void test_bad_bytes(void **state)
{
    struct redflags_settings s;
    redflags_settings_init(&s);
    redflags_settings_enable_all(&s);
    struct redflags *rf = redflags_new(&s, true);
    struct warns w = {0};
    redflags_set_warn(rf, collect, &w);
    const char bad_utf8[] = "{\"ocid\":\"\xff\xfe\"}";
    const char nul[] = "{\"ocid\":\"a\\u0000b\"}";
    const char deep_open[] = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[";
    const char huge[] = "{\"ocid\":\"h\",\"tender\":{\"numberOfTenderers\":1e999}}";
    const char big_int[] = "{\"ocid\":\"i\",\"bids\":{\"details\":[{\"status\":\"valid\","
                           "\"value\":{\"amount\":123456789012345678901234567890,"
                           "\"currency\":\"USD\"},\"tenderers\":[{\"id\":\"T\"}]}]}}";
    assert_int_equal(redflags_feed_line(rf, bad_utf8, sizeof(bad_utf8) - 1, 1), 0);
    assert_int_equal(redflags_feed_line(rf, nul, sizeof(nul) - 1, 2), 0);
    assert_int_equal(redflags_feed_line(rf, deep_open, sizeof(deep_open) - 1, 3), 0);
    assert_int_equal(redflags_feed_line(rf, huge, sizeof(huge) - 1, 4), 0);
    assert_int_equal(redflags_feed_line(rf, big_int, sizeof(big_int) - 1, 5), 0);
    assert_int_equal(w.n, 4); /* the big integer is read as a double */
    assert_int_equal(redflags_stats(rf)->releases, 1);
    assert_int_equal(redflags_finish(rf), 0);
    redflags_free(rf);
    redflags_settings_release(&s);
}

static void test_long_lines(void **state)
{
    /* A 200-byte line over a 100-byte limit is skipped with a warning; the
     * lines around it are read. */
    char jsonl[1024];
    char pad[151];
    memset(pad, 'x', 150);
    pad[150] = '\0';
    snprintf(jsonl, sizeof(jsonl),
             "{'ocid':'a','tender':{'numberOfTenderers':1,'procurementMethod':'open'}}\n"
             "{'ocid':'long','note':'%s'}\n"
             "{'ocid':'c','tender':{'numberOfTenderers':1,'procurementMethod':'open'}}\n"
             "{'ocid':'tail','note':'%s'}",
             pad, pad);
    struct warns w = {0};
    struct redflags_stats st;
    char *out = run_full("[R018]\n", jsonl, 0, false, 100, &w, &st);
    assert_json(out, "{'OCID':{'a':{'R018':1.0},'c':{'R018':1.0}}}");
    assert_int_equal(w.n, 2);
    assert_int_equal(w.lines[0], 2);
    assert_int_equal(w.lines[1], 4);
    assert_non_null(strstr(w.last, "longer than 100 bytes"));
    assert_int_equal(st.too_long, 2);
    assert_int_equal(st.lines, 4);
    free(out);

    /* A line of 3 MiB crosses the reader's 1 MiB chunks and is read whole. */
    size_t n = 3u << 20;
    char *big = malloc(n + 200);
    assert_non_null(big);
    int k = snprintf(big, 200,
                     "{'ocid':'big','tender':{'numberOfTenderers':1,"
                     "'procurementMethod':'open'},'note':'");
    memset(big + k, 'y', n);
    memcpy(big + k + n, "'}\n", 4);
    out = run_full("[R018]\n", big, 0, false, 0, NULL, NULL);
    assert_json(out, "{'OCID':{'big':{'R018':1.0}}}");
    free(out);
    free(big);
}

/* The output does not depend on the number of parsing threads (folding is
 * in file order), nor do the warnings and their line numbers. */
static void test_threads_same_output(void **state)
{
    char *lines = malloc(600 * 600);
    assert_non_null(lines);
    size_t pos = 0;
    for (int i = 0; i < 600; i++) {
        if (i % 97 == 5)
            pos += (size_t)snprintf(lines + pos, 600, "broken %d\n", i);
        else if (i % 89 == 7)
            pos += (size_t)snprintf(lines + pos, 600, "{'ocid':'long %d','pad':'%0500d'}\n", i, 0);
        else
            pos += (size_t)snprintf(
                lines + pos, 600,
                "{'ocid':'o%d','tender':{'numberOfTenderers':%d,'procurementMethod':'open'},"
                "'bids':{'details':[" BID("valid", "W", "%d") "," BID(
                    "valid", "L%d", "%d") "]},"
                                          "'awards':[" AWARD("active", "W") "]}\n",
                i, i % 3, 100, i % 7, 100 + i % 13);
    }
    char *outs[3];
    struct warns w[3];
    for (int t = 0; t < 3; t++) {
        memset(&w[t], 0, sizeof(w[t]));
        g_threads = t + 1;
        outs[t] =
            run_full(NULL, lines, REDFLAGS_OUT_META | REDFLAGS_OUT_MAPS, true, 400, &w[t], NULL);
    }
    g_threads = 0;
    assert_true(strlen(outs[0]) > 1000);
    for (int t = 1; t < 3; t++) {
        assert_string_equal(outs[t], outs[0]);
        assert_int_equal(w[t].n, w[0].n);
        assert_memory_equal(w[t].lines, w[0].lines, sizeof(w[0].lines));
    }
    assert_int_equal(w[0].n, 7 + 7);
    for (int t = 0; t < 3; t++)
        free(outs[t]);
    free(lines);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantile_hand_computed),
        cmocka_unit_test(test_quantile_edges),
        cmocka_unit_test(test_format_double),
        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_settings_defaults),
        cmocka_unit_test(test_settings_every_key),
        cmocka_unit_test(test_settings_sections_enable),
        cmocka_unit_test(test_settings_lists),
        cmocka_unit_test(test_settings_errors),
        cmocka_unit_test(test_r003_default),
        cmocka_unit_test(test_r003_methods),
        cmocka_unit_test(test_r003_thresholds),
        cmocka_unit_test(test_r018),
        cmocka_unit_test(test_r024),
        cmocka_unit_test(test_r024_threshold),
        cmocka_unit_test(test_r024_guide),
        cmocka_unit_test(test_r058),
        cmocka_unit_test(test_r025),
        cmocka_unit_test(test_r025_guide),
        cmocka_unit_test(test_r028),
        cmocka_unit_test(test_r028_sequence),
        cmocka_unit_test(test_r030),
        cmocka_unit_test(test_r035),
        cmocka_unit_test(test_r036),
        cmocka_unit_test(test_r036_currency),
        cmocka_unit_test(test_r038),
        cmocka_unit_test(test_r038_settings),
        cmocka_unit_test(test_r048),
        cmocka_unit_test(test_r048_settings),
        cmocka_unit_test(test_all_defaults_exact),
        cmocka_unit_test(test_maps),
        cmocka_unit_test(test_result_lookup),
        cmocka_unit_test(test_malformed_lines),
        cmocka_unit_test(test_bad_bytes),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_threads_same_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
