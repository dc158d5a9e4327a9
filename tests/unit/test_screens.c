/*
 * test_screens.c — the bid-rigging screens, the bid-table reader, the price
 * patterns and the classifiers (analytics/screens.h, bidcsv.h, pricepat.h,
 * model.h; formulas in docs/screens.md).
 *
 * Every screen is checked against values worked by hand (the derivations are
 * in the comments); the summary screens against a small tender whose subsets
 * are listed; degenerate tenders (n < 2, 3, 4; equal bids) against the
 * documented NaN / 0; the reader against good and bad CSV with the line of
 * each error; the models against planted synthetic cartels.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analytics/bidcsv.h"
#include "analytics/model.h"
#include "analytics/pricepat.h"
#include "analytics/screens.h"

#define EPS 1e-9

static void near(double got, double want)
{
    if (isnan(want)) {
        if (!isnan(got))
            fail_msg("expected NaN, got %.12g", got);
        return;
    }
    if (!(fabs(got - want) <= EPS * (fabs(want) > 1 ? fabs(want) : 1)))
        fail_msg("expected %.12g, got %.12g", want, got);
}

/*
 * Tender A: bids 100, 110, 120, 150 (n = 4).
 *   mean m = 480 / 4 = 120; deviations -20, -10, 0, 30
 *   sum d^2 = 400 + 100 + 0 + 900 = 1400, s^2 = 1400 / 3 = 466.667, s = 21.602469
 *   CV    = 21.602469 / 120                    = 0.180020575
 *   SPD   = (150 - 100) / 100                  = 0.5
 *   DIFFP = (110 - 100) / 100                  = 0.1
 *   RD    losing bids 110, 120, 150: mean 126.667, squares 277.78 + 44.44 + 544.44
 *         = 866.67, / (n - 2) = 433.33, sd 20.816660; 10 / 20.816660 = 0.480384461
 *   RDNOR = 10 / ((150 - 100) / 3)             = 0.6
 *   RDALT = 10 / ((150 - 110) / 2)             = 0.5
 *   SKEW  sum d^3 = -8000 - 1000 + 0 + 27000 = 18000; s^3 = 10081.15;
 *         4 / (3 * 2) * 18000 / 10081.15      = 1.190340128
 *   KURT  sum d^4 = 160000 + 10000 + 0 + 810000 = 980000; s^4 = 217777.8 -> 4.5;
 *         4*5 / (3*2*1) * 4.5 - 3 * 9 / (2*1) = 15 - 13.5 = 1.5
 *   KS    uniform on m -+ sqrt(3) s = [82.583, 157.417]: U(b) = 0.232735, 0.366367,
 *         0.5, 0.900893; max over i of i/4 - U, U - (i-1)/4: at i = 3, 0.75 - 0.5
 *                                               = 0.25
 */
static const double tender_a[] = {100, 110, 120, 150};

static void test_full_screens_by_hand(void **state)
{
    double o[SCREEN_COUNT];
    screens_full(tender_a, 4, o);
    near(o[SCREEN_CV], 0.180020574956);
    near(o[SCREEN_SPD], 0.5);
    near(o[SCREEN_DIFFP], 0.1);
    near(o[SCREEN_RD], 0.480384461415);
    near(o[SCREEN_RDNOR], 0.6);
    near(o[SCREEN_RDALT], 0.5);
    near(o[SCREEN_SKEW], 1.19034012828);
    near(o[SCREEN_KURT], 1.5);
    near(o[SCREEN_KS], 0.25);
}

/*
 * Tender C, uneven gaps (issue 9: RDNOR in the form of the public
 * implementation docs/screens.md cites, (n - 1)(b2 - b1) / sum of the
 * adjacent gaps): bids 100, 104, 105, 113, 130; gaps 4, 1, 8, 17.
 *   RDNOR = 4 * 4 / (4 + 1 + 8 + 17) = 16 / 30                = 0.533333333
 *         = 4 / ((130 - 100) / 4), the telescoped form
 *   RDALT = 4 / ((1 + 8 + 17) / 3) = 12 / 26                   = 0.461538462
 *   DIFFP = 4 / 100 = 0.04; SPD = 30 / 100 = 0.3
 */
static void test_relative_distances_uneven_gaps(void **state)
{
    static const double c[] = {100, 104, 105, 113, 130}; /* sorted, as screens_full wants */
    double o[SCREEN_COUNT];
    (void)state;
    screens_full(c, 5, o);
    near(o[SCREEN_RDNOR], 16.0 / 30.0);
    near(o[SCREEN_RDALT], 12.0 / 26.0);
    near(o[SCREEN_DIFFP], 0.04);
    near(o[SCREEN_SPD], 0.3);
}

/*
 * Tender B: 100, 100, 103, 104, 130 (n = 5, a tie at the bottom).
 *   m = 107.4; s^2 = (54.76 + 54.76 + 19.36 + 11.56 + 510.76) / 4 = 162.8, s = 12.759310
 *   CV = 0.118801772; DIFFP = 0 (two equal lowest bids); RD = RDNOR = RDALT = 0
 *   SKEW = 2.127896470, KURT = 4.610509270 (same formulas as tender A)
 *   KS: uniform on 107.4 -+ 22.100; U = 0.332584, 0.332584, 0.400456, 0.423080,
 *   1.0 (130 is past the top); the largest gap is U(100) - 0/5... at i = 2:
 *   U - 1/5 = 0.132584; at i = 4: 4/5 - 0.423080 = 0.376924   = 0.376923864
 */
static void test_full_screens_tie(void **state)
{
    static const double b[] = {100, 100, 103, 104, 130};
    double o[SCREEN_COUNT];
    screens_full(b, 5, o);
    near(o[SCREEN_CV], 0.118801772125);
    near(o[SCREEN_SPD], 0.3);
    near(o[SCREEN_DIFFP], 0.0);
    near(o[SCREEN_RD], 0.0);
    near(o[SCREEN_RDNOR], 0.0);
    near(o[SCREEN_RDALT], 0.0);
    near(o[SCREEN_SKEW], 2.12789646982);
    near(o[SCREEN_KURT], 4.6105092696);
    near(o[SCREEN_KS], 0.37692386442);
}

/*
 * Degenerate tenders (docs/screens.md, "Undefined values"):
 *   n = 0, 1: everything NaN.
 *   100, 120 (n = 2): m = 110, s = 14.142136, CV = 0.128564869; SPD = DIFFP = 0.2;
 *     RDNOR = 20 / (20 / 1) = 1; RD, RDALT, SKEW need n >= 3, KURT n >= 4: NaN;
 *     KS: U = 0.295876, 0.704124 -> max(0.295876, 1 - 0.704124) = 0.295875855
 *   100, 120, 120: the losing bids are equal: RD and RDALT NaN (zero denominator);
 *     RDNOR = 20 * 2 / 20 = 2; SKEW = -1.732050808 (= -sqrt 3); KS = 1/3
 *   all equal: CV = 0 (zero spread is the signal), SPD = DIFFP = 0, the rest NaN.
 */
static void test_degenerate(void **state)
{
    double o[SCREEN_COUNT];
    static const double one[] = {100}, two[] = {100, 120}, eqlose[] = {100, 120, 120};
    static const double same[] = {50, 50, 50, 50, 50};
    screens_full(one, 0, o);
    for (int j = 0; j < SCREEN_COUNT; j++)
        near(o[j], NAN);
    screens_full(one, 1, o);
    for (int j = 0; j < SCREEN_COUNT; j++)
        near(o[j], NAN);

    screens_full(two, 2, o);
    near(o[SCREEN_CV], 0.128564869307);
    near(o[SCREEN_SPD], 0.2);
    near(o[SCREEN_DIFFP], 0.2);
    near(o[SCREEN_RDNOR], 1.0);
    near(o[SCREEN_RD], NAN);
    near(o[SCREEN_RDALT], NAN);
    near(o[SCREEN_SKEW], NAN);
    near(o[SCREEN_KURT], NAN);
    near(o[SCREEN_KS], 0.295875854768);

    screens_full(eqlose, 3, o);
    near(o[SCREEN_CV], 0.101885341622);
    near(o[SCREEN_RD], NAN);
    near(o[SCREEN_RDALT], NAN);
    near(o[SCREEN_RDNOR], 2.0);
    near(o[SCREEN_SKEW], -1.73205080757);
    near(o[SCREEN_KURT], NAN);
    near(o[SCREEN_KS], 1.0 / 3.0);

    screens_full(same, 5, o);
    near(o[SCREEN_CV], 0.0);
    near(o[SCREEN_SPD], 0.0);
    near(o[SCREEN_DIFFP], 0.0);
    for (int j = SCREEN_RD; j < SCREEN_COUNT; j++)
        near(o[j], NAN);
}

/*
 * Summary screens of tender A. Its 3-subsets and their CV / RD / RDALT:
 *   {100,110,120}  CV 0.090909091  RD (10 / sd(110,120) = 10/7.0711) 1.414213562  RDALT 1
 *   {100,110,150}  CV 0.220479276  RD 10 / 28.2843 = 0.353553391                   RDALT 0.25
 *   {100,120,150}  CV 0.204049579  RD 20 / 21.2132 = 0.942809042                   RDALT 0.666667
 *   {110,120,150}  CV 0.164342053  RD 10 / 21.2132 = 0.471404521                   RDALT 0.333333
 * CV: mean 0.169944999688, median (0.164342 + 0.204050) / 2 = 0.184195815961,
 * min 0.090909, max 0.220479. The only 4-subset is the tender itself, so every
 * 4-subset statistic equals the full screen; KURT is NaN for 3-subsets.
 */
static void test_subset_summaries(void **state)
{
    struct screens_ws ws;
    struct screens s;
    assert_int_equal(screens_ws_init(&ws, NULL), 0);
    screens_compute(&ws, tender_a, 4, NAN, &s);
    assert_int_equal(s.nsub3, 4);
    assert_int_equal(s.nsub4, 1);
    assert_false(s.sampled);
    near(s.sub3[SCREEN_CV][SSTAT_MEAN], 0.169944999688);
    near(s.sub3[SCREEN_CV][SSTAT_MEDIAN], 0.184195815961);
    near(s.sub3[SCREEN_CV][SSTAT_MIN], 0.0909090909091);
    near(s.sub3[SCREEN_CV][SSTAT_MAX], 0.220479275922);
    near(s.sub3[SCREEN_RD][SSTAT_MEAN], 0.795495128835);
    near(s.sub3[SCREEN_RD][SSTAT_MEDIAN], 0.707106781187);
    near(s.sub3[SCREEN_RDALT][SSTAT_MEAN], 0.5625);
    near(s.sub3[SCREEN_RDALT][SSTAT_MEDIAN], 0.5);
    near(s.sub3[SCREEN_KS][SSTAT_MEDIAN], 0.250611614362);
    near(s.sub3[SCREEN_SKEW][SSTAT_MIN], 0.0);
    for (int st = 0; st < SSTAT_COUNT; st++) {
        near(s.sub3[SCREEN_KURT][st], NAN);
        for (int j = 0; j < SCREEN_COUNT; j++)
            near(s.sub4[j][st], s.full[j]);
    }
    /* tender B: 10 3-subsets, 5 4-subsets, some with zero denominators */
    static const double b[] = {100, 100, 103, 104, 130};
    screens_compute(&ws, b, 5, NAN, &s);
    assert_int_equal(s.nsub3, 10);
    assert_int_equal(s.nsub4, 5);
    near(s.sub3[SCREEN_CV][SSTAT_MEDIAN], 0.141290717438);
    near(s.sub3[SCREEN_RD][SSTAT_MAX], 4.24264068712);
    near(s.sub4[SCREEN_KURT][SSTAT_MEAN], 2.00533564705);
    near(s.sub4[SCREEN_KURT][SSTAT_MEDIAN], 3.72543972544);
    near(s.sub4[SCREEN_KURT][SSTAT_MIN], -4.85813148789);
    /* fewer than 3 bids: no subsets, summaries NaN */
    screens_compute(&ws, b, 2, NAN, &s);
    assert_int_equal(s.nsub3, 0);
    near(s.sub3[SCREEN_CV][SSTAT_MEAN], NAN);
    near(s.sub4[SCREEN_CV][SSTAT_MAX], NAN);
    screens_ws_release(&ws);
}

/* The median selection against a sort, on many sizes and with many ties. */
static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_median_matches_sort(void **state)
{
    struct screens_ws ws;
    struct screens s;
    double x[30];
    uint64_t r = 7;
    assert_int_equal(screens_ws_init(&ws, NULL), 0);
    for (int round = 0; round < 300; round++) {
        size_t n = 4 + (size_t)(round % 27);
        for (size_t i = 0; i < n; i++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            /* round % 3 == 0: few distinct values, to exercise the ties */
            x[i] = round % 3 == 0 ? 100.0 + (double)((r >> 33) % 4) : 100.0 + (double)(r >> 40);
        }
        qsort(x, n, sizeof(double), cmp_d);
        screens_compute(&ws, x, n, NAN, &s);
        /* recompute the median of the 4-subset SPD by brute force */
        size_t c = 0;
        static double v[27405];
        for (size_t a = 0; a < n; a++)
            for (size_t b = a + 1; b < n; b++)
                for (size_t d = b + 1; d < n; d++)
                    for (size_t e = d + 1; e < n; e++)
                        v[c++] = (x[e] - x[a]) / x[a];
        qsort(v, c, sizeof(double), cmp_d);
        double med = c % 2 ? v[c / 2] : (v[c / 2 - 1] + v[c / 2]) / 2;
        near(s.sub4[SCREEN_SPD][SSTAT_MEDIAN], med);
        near(s.sub4[SCREEN_SPD][SSTAT_MIN], v[0]);
        near(s.sub4[SCREEN_SPD][SSTAT_MAX], v[c - 1]);
    }
    screens_ws_release(&ws);
}

/* Beyond SCREENS_SUBSET_MAX_N bids subsets are sampled, the same way every time. */
static void test_sampling_deterministic(void **state)
{
    struct screens_ws ws;
    struct screens s1, s2;
    double x[40];
    for (int i = 0; i < 40; i++)
        x[i] = 1000.0 + 7.0 * i + (i % 3);
    assert_int_equal(screens_ws_init(&ws, NULL), 0);
    screens_compute(&ws, x, 40, NAN, &s1);
    screens_compute(&ws, tender_a, 4, NAN, &s2); /* something in between */
    screens_compute(&ws, x, 40, NAN, &s2);
    assert_true(s1.sampled);
    assert_int_equal(s1.nsub3, SCREENS_SUBSET_SAMPLES);
    assert_int_equal(s1.nsub4, SCREENS_SUBSET_SAMPLES);
    assert_memory_equal(s1.sub3, s2.sub3, sizeof(s1.sub3));
    assert_memory_equal(s1.sub4, s2.sub4, sizeof(s1.sub4));
    /* the sample covers the range: min and max of SPD within the true bounds */
    assert_true(s1.sub3[SCREEN_SPD][SSTAT_MIN] >= 0);
    assert_true(s1.sub3[SCREEN_SPD][SSTAT_MAX] <= (x[39] - x[0]) / x[0] + 1e-12);
    screens_ws_release(&ws);
}

/* Patterns of one tender. identical: 100,100 and 130 x 3 -> 5 bids; an
 * arithmetic run 100,110,120,130 (gap 10) -> 4 bids; ceiling 1000 and 1 %:
 * 995, 999, 1000 hug it; the winner's discount is 1 - 900/1000 = 0.1. */
static void test_patterns_in_tender(void **state)
{
    struct screens_ws ws;
    struct screens s;
    struct pricepat_hit h[3];
    static const double ident[] = {100, 100, 120, 130, 130, 130};
    static const double arith[] = {100, 110, 120, 130, 200};
    static const double ceil4[] = {900, 995, 999, 1000};
    static const double clean[] = {100, 117, 121, 160};
    assert_int_equal(screens_ws_init(&ws, NULL), 0);
    screens_compute(&ws, ident, 6, NAN, &s);
    assert_int_equal(s.identical, 5);
    assert_int_equal(pricepat_tender(&s, ident, 0, h), 1);
    assert_int_equal(h[0].kind, PRICEPAT_IDENTICAL);
    near(h[0].value, 100);
    screens_compute(&ws, arith, 5, NAN, &s);
    assert_int_equal(s.arith_run, 4);
    near(s.arith_gap, 10);
    assert_int_equal(pricepat_tender(&s, arith, 0, h), 1);
    assert_int_equal(h[0].kind, PRICEPAT_ARITHMETIC);
    screens_compute(&ws, ceil4, 4, 1000, &s);
    assert_int_equal(s.near_ceiling, 3);
    near(s.win_discount, 0.1);
    assert_int_equal(pricepat_tender(&s, ceil4, 0, h), 1);
    assert_int_equal(h[0].kind, PRICEPAT_NEAR_CEILING);
    screens_compute(&ws, clean, 4, 1000, &s);
    assert_int_equal(s.identical, 0);
    assert_int_equal(s.arith_run, 0);
    assert_int_equal(s.near_ceiling, 0);
    assert_int_equal(pricepat_tender(&s, clean, 0, h), 0);
    screens_ws_release(&ws);
}

static int parse(const char *csv, struct bid_table *t, struct bidcsv_error *e)
{
    return bidcsv_parse(csv, strlen(csv), 0, t, e);
}

/* Patterns across tenders: B always bids 3 % over A; C always bids 5 % under
 * the ceiling; D bids at random. */
static void test_patterns_across(void **state)
{
    struct bid_table t;
    struct bidcsv_error e;
    struct pricepat_opts o;
    struct pricepat_hit *h = NULL;
    size_t nh = 0;
    const char *csv = "tender_id,bidder,bid_value,ceiling\n"
                      "t1,A,1000,1100\nt1,B,1030,1100\nt1,C,1045,1100\nt1,D,1010,1100\n"
                      "t2,A,2000,2400\nt2,B,2060,2400\nt2,C,2280,2400\nt2,D,2300,2400\n"
                      "t3,A,500,600\nt3,B,515,600\nt3,C,570,600\nt3,D,520,600\n"
                      "t4,A,700,800\nt4,B,721,800\nt4,D,640,800\n";
    assert_int_equal(parse(csv, &t, &e), BIDCSV_OK);
    pricepat_opts_default(&o);
    assert_int_equal(pricepat_across(&t, &o, &h, &nh), PRICEPAT_OK);
    int ratio = 0, disc = 0;
    for (size_t i = 0; i < nh; i++) {
        const char *a = t.bidders[h[i].a];
        if (h[i].kind == PRICEPAT_FIXED_RATIO) {
            const char *b = t.bidders[h[i].b];
            assert_true(strcmp(a, "A") == 0 && strcmp(b, "B") == 0);
            assert_int_equal(h[i].count, 4);
            near(h[i].value, 1.03);
            ratio++;
        } else if (h[i].kind == PRICEPAT_SAME_DISCOUNT) {
            assert_string_equal(a, "C");
            assert_int_equal(h[i].count, 3);
            assert_true(fabs(h[i].value - 0.05) < 1e-9);
            disc++;
        }
    }
    assert_int_equal(ratio, 1);
    assert_int_equal(disc, 1);
    free(h);
    bid_table_release(&t);
}

/* ---- the CSV reader ---- */

static void test_csv_good(void **state)
{
    struct bid_table t;
    struct bidcsv_error e;
    /* BOM, CRLF, any column order, an unknown column, quoted fields with a
     * comma, a quote and a line break, rows of a tender apart, a blank line */
    const char *csv = "\xEF\xBB\xBF"
                      "note, Bid_Value ,TENDER_ID,label,market\r\n"
                      "x,120.5,\"T,1\",1,north\r\n"
                      "\"say \"\"hi\"\"\nthere\",99,T2,0,\r\n"
                      "\r\n"
                      "y, 100 ,\"T,1\",,north\r\n"
                      "z,1e2,T2,0,south\r\n";
    assert_int_equal(parse(csv, &t, &e), BIDCSV_OK);
    assert_int_equal(t.ntenders, 2);
    assert_int_equal(t.nbids, 4);
    assert_true(t.has_label && t.has_market && !t.has_bidder && !t.has_ceiling);
    assert_string_equal(t.tenders[0].id, "T,1");
    assert_int_equal(t.tenders[0].n, 2);
    near(t.value[t.tenders[0].off], 100); /* sorted */
    near(t.value[t.tenders[0].off + 1], 120.5);
    assert_int_equal(t.tenders[0].label, 1);
    assert_string_equal(t.tenders[0].market, "north");
    assert_int_equal(t.tenders[0].line, 2);
    assert_string_equal(t.tenders[1].id, "T2");
    assert_int_equal(t.tenders[1].label, 0);
    assert_string_equal(t.tenders[1].market, "south");
    assert_int_equal(t.tenders[1].market_ix, 1);
    assert_int_equal(t.nmarkets, 2);
    assert_int_equal(t.tenders[1].line, 3);
    near(t.tenders[0].ceiling, NAN);
    bid_table_release(&t);
}

/* One bad input and the line its error must name. */
struct bad_case {
    const char *csv;
    size_t line;
    const char *words; /* a part of the message */
};

static void test_csv_errors(void **state)
{
    static const struct bad_case cases[] = {
        {"", 1, "header"},
        {"tender_id,price\nt1,5\n", 1, "bid_value"},
        {"tender_id,bid_value,tender_id\n", 1, "twice"},
        {"tender_id,bid_value\nt1,100\nt1,abc\n", 3, "not a positive number"},
        {"tender_id,bid_value\nt1,-5\n", 2, "not a positive number"},
        {"tender_id,bid_value\nt1,0\n", 2, "not a positive number"},
        {"tender_id,bid_value\nt1,inf\n", 2, "not a positive number"},
        {"tender_id,bid_value\nt1,0x10\n", 2, "not a positive number"},
        {"tender_id,bid_value\nt1,1e999\n", 2, "not a positive number"},
        {"tender_id,bid_value\nt1,100,7\n", 2, "3 fields"},
        {"tender_id,bid_value\n,100\n", 2, "empty tender_id"},
        {"tender_id,bid_value\nt1,\"100\n", 2, "not closed"},
        {"tender_id,bid_value\nt\"1,100\n", 2, "quote inside"},
        {"tender_id,bid_value\n\"t1\"x,100\n", 2, "after a closing quote"},
        {"tender_id,bid_value\nt1,100\rt2,5\n", 2, "carriage return"},
        {"tender_id,bid_value,label\nt1,100,1\nt1,90,0\n", 3, "differs"},
        {"tender_id,bid_value,label\nt1,100,2\n", 2, "not 0 or 1"},
        {"tender_id,bid_value,market\nt1,100,a\nt2,1,b\nt1,90,b\n", 4, "market differs"},
        {"tender_id,bid_value,ceiling\nt1,100,200\nt1,90,201\n", 3, "ceiling differs"},
        {"tender_id,bid_value\n\xff\xfe,100\n", 2, "UTF-8"},
        /* a quoted line break: the next record starts on line 4 */
        {"tender_id,bid_value\n\"a\nb\",100\nt2,x\n", 4, "not a positive number"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bid_table t;
        struct bidcsv_error e;
        int rc = parse(cases[i].csv, &t, &e);
        if (rc != BIDCSV_EINPUT || e.line != cases[i].line || strstr(e.msg, cases[i].words) == NULL)
            fail_msg("case %zu: rc %d line %zu msg '%s'", i, rc, e.line, e.msg);
        assert_int_equal(t.ntenders, 0); /* nothing is left half-built */
    }
    /* a NUL byte */
    struct bid_table t;
    struct bidcsv_error e;
    static const char nul[] = "tender_id,bid_value\nt1,1\0 0\n";
    assert_int_equal(bidcsv_parse(nul, sizeof(nul) - 1, 0, &t, &e), BIDCSV_EINPUT);
    assert_int_equal(e.line, 2);
    /* the row limit */
    assert_int_equal(bidcsv_parse("tender_id,bid_value\na,1\nb,2\nc,3\n", 33, 2, &t, &e),
                     BIDCSV_ETOOBIG);
    /* a missing file */
    assert_int_equal(bidcsv_read_file("/nonexistent/bids.csv", 1 << 20, 0, &t, &e), BIDCSV_EIO);
}

/* ---- models ---- */

static uint64_t rnd_state;

static double unif(void)
{
    rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(rnd_state >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void)
{
    return sqrt(-2.0 * log(unif())) * cos(6.283185307179586 * unif());
}

/* Planted tenders as CSV: collusive ones have a designated winner and cover
 * bids 0.5..2 % above it (tight and skewed), competitive ones independent
 * bids with an 8 % spread. market: "m" + (i % 2). */
static char *synthetic_csv(size_t ntenders, uint64_t seed, bool with_market)
{
    size_t cap = ntenders * 12 * 64 + 128, len = 0;
    char *s = malloc(cap);
    rnd_state = seed;
    len += (size_t)snprintf(s + len, cap - len, "tender_id,bid_value,label%s\n",
                            with_market ? ",market" : "");
    for (size_t i = 0; i < ntenders; i++) {
        int coll = i % 3 == 0;
        int n = 4 + (int)(unif() * 6);
        double cost = 1e5 * exp(gauss());
        for (int k = 0; k < n; k++) {
            double b = coll ? cost * 1.05 * (k ? 1.005 + 0.015 * unif() : 1.0)
                            : cost * exp(0.08 * gauss());
            len +=
                (size_t)snprintf(s + len, cap - len, "t%zu,%.2f,%d%s%s\n", i, b, coll,
                                 with_market ? "," : "", with_market ? (i % 2 ? "m1" : "m0") : "");
        }
    }
    return s;
}

/* Features of every tender of t (caller frees), labels into *y. */
static double *features_of(const struct bid_table *t, int8_t **y)
{
    struct screens_opts o;
    screens_opts_default(&o);
    double *x = malloc(t->ntenders * SCREENS_NFEATURES * sizeof(double));
    assert_int_equal(screens_batch(t, 0, t->ntenders, &o, 2, NULL, x), 0);
    *y = malloc(t->ntenders);
    for (size_t i = 0; i < t->ntenders; i++)
        (*y)[i] = t->tenders[i].label;
    return x;
}

static const char *names[SCREENS_NFEATURES];

static struct model_data data_of(const struct bid_table *t, const double *x, const int8_t *y)
{
    for (size_t j = 0; j < SCREENS_NFEATURES; j++)
        names[j] = screens_feature_name(j);
    struct model_data d = {t->ntenders, SCREENS_NFEATURES, x, y, NULL, NULL, 0, names};
    return d;
}

static void small_params(struct model_params *p, enum model_algo algo)
{
    model_params_default(p);
    p->algo = algo;
    p->trees = 40;
}

/* Trained on planted tenders, a model flags fresh collusive ones and not the
 * clean ones, with each learner. */
static void test_model_finds_planted_cartels(void **state)
{
    char *train_csv = synthetic_csv(300, 11, false), *test_csv = synthetic_csv(150, 99, false);
    struct bid_table tr, te;
    struct bidcsv_error e;
    int8_t *ytr, *yte;
    assert_int_equal(parse(train_csv, &tr, &e), BIDCSV_OK);
    assert_int_equal(parse(test_csv, &te, &e), BIDCSV_OK);
    double *xtr = features_of(&tr, &ytr), *xte = features_of(&te, &yte);
    struct model_data d = data_of(&tr, xtr, ytr);
    static const enum model_algo algos[] = {MODEL_LOGIT, MODEL_FOREST, MODEL_BOTH};
    for (size_t a = 0; a < 3; a++) {
        struct model_params p;
        struct model *m = NULL;
        small_params(&p, algos[a]);
        assert_int_equal(model_train(&p, &d, &m), MODEL_OK);
        size_t right = 0, flagged_clean = 0, missed = 0;
        for (size_t i = 0; i < te.ntenders; i++) {
            double s = model_score(m, xte + i * SCREENS_NFEATURES, NULL);
            assert_true(s >= 0 && s <= 1);
            int flag = s >= m->threshold;
            right += flag == yte[i];
            flagged_clean += flag && !yte[i];
            missed += !flag && yte[i];
        }
        if (right < te.ntenders * 95 / 100)
            fail_msg("%s: %zu of %zu right (%zu clean flagged, %zu cartels missed)",
                     model_algo_name(algos[a]), right, te.ntenders, flagged_clean, missed);
        model_free(m);
    }
    free(xtr);
    free(xte);
    free(ytr);
    free(yte);
    free(train_csv);
    free(test_csv);
    bid_table_release(&tr);
    bid_table_release(&te);
}

/* The model file: to JSON and back gives the same scores, bit for bit, and
 * the same JSON; markets keep their own calibration. */
static void test_model_json_round_trip(void **state)
{
    char *csv = synthetic_csv(240, 5, true);
    struct bid_table t;
    struct bidcsv_error e;
    int8_t *y;
    assert_int_equal(parse(csv, &t, &e), BIDCSV_OK);
    double *x = features_of(&t, &y);
    int32_t *mk = malloc(t.ntenders * sizeof(int32_t));
    for (size_t i = 0; i < t.ntenders; i++)
        mk[i] = t.tenders[i].market_ix;
    struct model_data d = data_of(&t, x, y);
    d.market = mk;
    d.market_names = t.markets;
    d.nmarkets = t.nmarkets;
    struct model_params p;
    struct model *m = NULL, *m2 = NULL;
    small_params(&p, MODEL_BOTH);
    assert_int_equal(model_train(&p, &d, &m), MODEL_OK);
    assert_int_equal(m->nmarkets, 2);
    json_t *j = model_to_json(m);
    assert_non_null(j);
    char *s1 = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(j);
    json_error_t je;
    json_t *j2 = json_loads(s1, 0, &je);
    char err[200];
    assert_int_equal(model_from_json(j2, &m2, err, sizeof(err)), MODEL_OK);
    json_decref(j2);
    for (size_t i = 0; i < t.ntenders; i++) {
        const double *r = x + i * SCREENS_NFEATURES;
        double a = model_score(m, r, t.tenders[i].market),
               b = model_score(m2, r, t.tenders[i].market);
        assert_memory_equal(&a, &b, sizeof(a));
    }
    json_t *j3 = model_to_json(m2);
    char *s3 = json_dumps(j3, JSON_COMPACT | JSON_REAL_PRECISION(17));
    assert_string_equal(s1, s3);
    json_decref(j3);
    free(s3);
    free(s1);
    model_free(m);
    model_free(m2);
    free(mk);
    free(x);
    free(y);
    free(csv);
    bid_table_release(&t);
}

/* Cross-validation with one seed gives one answer; on planted data it is
 * accurate; the AUC helper against a hand example. */
static void test_cv_deterministic(void **state)
{
    char *csv = synthetic_csv(150, 3, false);
    struct bid_table t;
    struct bidcsv_error e;
    int8_t *y;
    assert_int_equal(parse(csv, &t, &e), BIDCSV_OK);
    double *x = features_of(&t, &y);
    struct model_data d = data_of(&t, x, y);
    struct model_params p;
    struct model_cv_result r1, r2;
    double *s1 = malloc(t.ntenders * sizeof(double)), *s2 = malloc(t.ntenders * sizeof(double));
    small_params(&p, MODEL_BOTH);
    p.trees = 20;
    assert_int_equal(model_cv(&p, &d, 5, &r1, s1), MODEL_OK);
    assert_int_equal(model_cv(&p, &d, 5, &r2, s2), MODEL_OK);
    assert_memory_equal(s1, s2, t.ntenders * sizeof(double));
    assert_memory_equal(&r1, &r2, sizeof(r1));
    assert_int_equal(r1.n, 150);
    assert_int_equal(r1.pos, 50);
    assert_int_equal(r1.tp + r1.fp + r1.tn + r1.fn, 150);
    assert_true(r1.accuracy > 0.9);
    assert_true(r1.auc > 0.95);
    p.seed = 2; /* another seed, other folds and forests */
    assert_int_equal(model_cv(&p, &d, 5, &r2, s2), MODEL_OK);
    assert_true(memcmp(s1, s2, t.ntenders * sizeof(double)) != 0);
    /* one class only, or too few for the folds */
    int8_t *ones = malloc(t.ntenders);
    memset(ones, 1, t.ntenders);
    d.y = ones;
    assert_int_equal(model_cv(&p, &d, 5, &r2, NULL), MODEL_EINVAL);
    struct model *m = NULL;
    assert_int_equal(model_train(&p, &d, &m), MODEL_EINVAL);
    assert_null(m);
    free(ones);
    /* AUC: scores 0.1 0.4 | 0.35 0.8 for labels 0 0 | 1 1: of the 4 pairs
     * (pos, neg) 3 are ordered right -> 0.75; a tie counts one half. */
    static const double sc[] = {0.1, 0.4, 0.35, 0.8}, st[] = {0.5, 0.5, 0.5, 0.9};
    static const int8_t yy[] = {0, 0, 1, 1};
    near(model_auc(sc, yy, 4), 0.75);
    near(model_auc(st, yy, 4), 0.75);
    near(model_auc(sc, yy, 2), NAN);
    free(s1);
    free(s2);
    free(x);
    free(y);
    free(csv);
    bid_table_release(&t);
}

/* A model file is outside input: every broken one is refused with a reason. */
static void test_model_json_rejects(void **state)
{
    static const char *bad[] = {
        "[]",
        "{\"format\":\"other\",\"version\":1}",
        "{\"format\":\"sunbid-screens-model\",\"version\":2}",
        "{\"format\":\"sunbid-screens-model\",\"version\":1,\"features\":[]}",
        /* a tree whose right child points back: a cycle */
        "{\"format\":\"sunbid-screens-model\",\"version\":1,\"algo\":\"forest\",\"threshold\":0.5,"
        "\"features\":[\"cv\"],\"preprocess\":{\"impute\":[0],\"lo\":[0],\"hi\":[1],\"mean\":[0],"
        "\"sd\":[1]},\"forest\":{\"max_depth\":3,\"min_leaf\":1,\"mtry\":1,\"bins\":8,\"trees\":"
        "[{\"f\":[0,-1,-1],\"t\":[0.5,0,0],\"r\":[0,0,0],\"v\":[0.5,0,1]}]},"
        "\"calibration\":{\"global\":[1,0]}}",
        /* a feature index out of range */
        "{\"format\":\"sunbid-screens-model\",\"version\":1,\"algo\":\"forest\",\"threshold\":0.5,"
        "\"features\":[\"cv\"],\"preprocess\":{\"impute\":[0],\"lo\":[0],\"hi\":[1],\"mean\":[0],"
        "\"sd\":[1]},\"forest\":{\"max_depth\":3,\"min_leaf\":1,\"mtry\":1,\"bins\":8,\"trees\":"
        "[{\"f\":[5,-1,-1],\"t\":[0.5,0,0],\"r\":[2,0,0],\"v\":[0.5,0,1]}]},"
        "\"calibration\":{\"global\":[1,0]}}",
        /* coefficients of the wrong length */
        "{\"format\":\"sunbid-screens-model\",\"version\":1,\"algo\":\"logit\",\"threshold\":0.5,"
        "\"features\":[\"cv\",\"spd\"],\"preprocess\":{\"impute\":[0,0],\"lo\":[0,0],\"hi\":[1,1],"
        "\"mean\":[0,0],\"sd\":[1,1]},\"logit\":{\"l2\":1,\"bias\":0,\"coef\":[1]},"
        "\"calibration\":{\"global\":[1,0]}}",
        /* sd 0 */
        "{\"format\":\"sunbid-screens-model\",\"version\":1,\"algo\":\"logit\",\"threshold\":0.5,"
        "\"features\":[\"cv\"],\"preprocess\":{\"impute\":[0],\"lo\":[0],\"hi\":[1],"
        "\"mean\":[0],\"sd\":[0]},\"logit\":{\"l2\":1,\"bias\":0,\"coef\":[1]},"
        "\"calibration\":{\"global\":[1,0]}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_error_t je;
        json_t *j = json_loads(bad[i], 0, &je);
        struct model *m = (struct model *)1;
        char err[200];
        assert_non_null(j);
        int rc = model_from_json(j, &m, err, sizeof(err));
        json_decref(j);
        if (rc != MODEL_EFORMAT || m != NULL || err[0] == '\0')
            fail_msg("case %zu accepted (rc %d)", i, rc);
    }
    /* and the same valid shape loads */
    const char *good =
        "{\"format\":\"sunbid-screens-model\",\"version\":1,\"algo\":\"forest\",\"threshold\":0.5,"
        "\"features\":[\"cv\"],\"preprocess\":{\"impute\":[0],\"lo\":[0],\"hi\":[1],\"mean\":[0],"
        "\"sd\":[1]},\"forest\":{\"max_depth\":3,\"min_leaf\":1,\"mtry\":1,\"bins\":8,\"trees\":"
        "[{\"f\":[0,-1,-1],\"t\":[0.5,0,0],\"r\":[2,0,0],\"v\":[0.5,0,1]}]},"
        "\"calibration\":{\"global\":[1,0]}}";
    json_error_t je;
    json_t *j = json_loads(good, 0, &je);
    struct model *m = NULL;
    char err[200];
    assert_int_equal(model_from_json(j, &m, err, sizeof(err)), MODEL_OK);
    json_decref(j);
    double lo = 0.2, hi = 0.9; /* cv <= 0.5: leaf 0 (p = 0), else leaf 1 (p = 1) */
    assert_true(model_score(m, &lo, NULL) < 0.01);
    assert_true(model_score(m, &hi, NULL) > 0.99);
    model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_screens_by_hand),
        cmocka_unit_test(test_relative_distances_uneven_gaps),
        cmocka_unit_test(test_full_screens_tie),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_subset_summaries),
        cmocka_unit_test(test_median_matches_sort),
        cmocka_unit_test(test_sampling_deterministic),
        cmocka_unit_test(test_patterns_in_tender),
        cmocka_unit_test(test_patterns_across),
        cmocka_unit_test(test_csv_good),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_model_finds_planted_cartels),
        cmocka_unit_test(test_model_json_round_trip),
        cmocka_unit_test(test_cv_deterministic),
        cmocka_unit_test(test_model_json_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
