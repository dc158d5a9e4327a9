/*
 * Unit tests for the evaluation engine's numbers (eval/eval.h): every price
 * formula against examples computed by hand (the working is in the
 * comments, each quotient rounded half up to the centi-point or the fen),
 * aggregation (mean, trimmed mean), the qualification majority, a whole
 * comprehensive evaluation with its ranking, validity (qualification,
 * ceiling) and the documented tie-breaks of every method.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "eval/eval.h"

/* ---- low_base: points × base / price (87號令 art. 55) ---- */

static void test_low_base(void **state)
{
    (void)state;
    /* base 9,000.00 yuan = 900,000 fen, price points 40.00 */
    assert_int_equal(eval_price_low_base(4000, 900000, 900000), 4000);  /* the base: full */
    assert_int_equal(eval_price_low_base(4000, 900000, 1000000), 3600); /* 40 × 0.9 = 36.00 */
    assert_int_equal(eval_price_low_base(4000, 900000, 1200000), 3000); /* 40 × 0.75 */
    /* 40 × 900000 / 970000 = 37.113402 -> 37.11 */
    assert_int_equal(eval_price_low_base(4000, 900000, 970000), 3711);
    /* 40 × 900000 / 930000 = 38.709677 -> 38.71 */
    assert_int_equal(eval_price_low_base(4000, 900000, 930000), 3871);
    /* the brief's form: base/bid × weight × 100, weight 0.30:
     * 1,000,000 / 1,250,000 × 0.30 × 100 = 24.00 */
    assert_int_equal(eval_price_low_base(3000, 100000000, 125000000), 2400);
    /* half up: 1.00 × 1 / 8 = 0.125 -> 0.13 */
    assert_int_equal(eval_price_low_base(100, 1, 8), 13);
    /* nothing to divide by */
    assert_int_equal(eval_price_low_base(4000, 900000, 0), 0);
    /* huge prices do not overflow: 2^50 fen */
    int64_t big = (int64_t)1 << 50;
    assert_int_equal(eval_price_low_base(10000, big, big), 10000);
    assert_int_equal(eval_price_low_base(10000, big / 2, big), 5000);
}

/* ---- avg_base: mean (trimmed) × K, deviation penalties ---- */

static const int64_t seven[] = {10000000, 9600000, 9800000, 10200000, 11700000, 9000000, 10400000};

static void test_avg_base(void **state)
{
    (void)state;
    int64_t avg = 0;
    /* all seven: 70,700,000 / 7 = 10,100,000; × 0.97 = 9,797,000 */
    assert_int_equal(eval_price_avg_base(seven, 7, 0, 9700, &avg), 9797000);
    assert_int_equal(avg, 10100000);
    /* trim_min 7: without 11,700,000 and 9,000,000: 50,000,000 / 5 = 10,000,000;
     * × 0.97 = 9,700,000 */
    assert_int_equal(eval_price_avg_base(seven, 7, 7, 9700, &avg), 9700000);
    assert_int_equal(avg, 10000000);
    /* trim_min 8: seven bids are too few to trim */
    assert_int_equal(eval_price_avg_base(seven, 7, 8, 9700, NULL), 9797000);
    /* K = 1 */
    assert_int_equal(eval_price_avg_base(seven, 7, 7, 10000, NULL), 10000000);
    /* rounding to the fen: (1,000,001 + 1,000,002) / 2 × 0.97 = 970,001.455 -> 970,001 */
    const int64_t two[] = {1000001, 1000002};
    assert_int_equal(eval_price_avg_base(two, 2, 0, 9700, &avg), 970001);
    assert_int_equal(avg, 1000002); /* 1,000,001.5 half up */
    assert_int_equal(eval_price_avg_base(two, 0, 0, 9700, &avg), 0);
}

static void test_avg_score(void **state)
{
    (void)state;
    /* base 9,700,000; 60 points; 2 points off per 1 % above, 1 per 1 % below.
     * d = (price − base) / base × 100 %. */
    const int64_t base = 9700000;
    /* 10,000,000: d = +3.0927835 %, × 2 = 6.185567 -> 6.19 off: 53.81 */
    assert_int_equal(eval_price_avg_score(6000, base, 10000000, 200, 100), 5381);
    /* 9,600,000: d = −1.0309278 %, × 1 = 1.03 off: 58.97 */
    assert_int_equal(eval_price_avg_score(6000, base, 9600000, 200, 100), 5897);
    /* 9,800,000: d = +1.0309278 %, × 2 = 2.0618557 -> 2.06 off: 57.94 */
    assert_int_equal(eval_price_avg_score(6000, base, 9800000, 200, 100), 5794);
    /* 10,200,000: d = +5.1546392 %, × 2 = 10.309278 -> 10.31 off: 49.69 */
    assert_int_equal(eval_price_avg_score(6000, base, 10200000, 200, 100), 4969);
    /* 11,700,000: d = +20.618557 %, × 2 = 41.237113 -> 41.24 off: 18.76 */
    assert_int_equal(eval_price_avg_score(6000, base, 11700000, 200, 100), 1876);
    /* 9,000,000: d = −7.2164948 %, × 1 = 7.22 off: 52.78 */
    assert_int_equal(eval_price_avg_score(6000, base, 9000000, 200, 100), 5278);
    /* 10,400,000: d = +7.2164948 %, × 2 = 14.43299 -> 14.43 off: 45.57 */
    assert_int_equal(eval_price_avg_score(6000, base, 10400000, 200, 100), 4557);
    /* at the base: full points; far above: never below 0 */
    assert_int_equal(eval_price_avg_score(6000, base, base, 200, 100), 6000);
    assert_int_equal(eval_price_avg_score(6000, base, base * 2, 200, 100), 0);
    /* no penalty below the base (some regions' variant: below = 0) */
    assert_int_equal(eval_price_avg_score(6000, base, 9000000, 200, 0), 6000);
}

/* ---- aggregation ---- */

static void test_aggregate(void **state)
{
    (void)state;
    const int64_t a[] = {1550, 1600, 1700};
    assert_int_equal(eval_aggregate(a, 3, EA_MEAN), 1617);    /* 4850 / 3 = 1616.67 */
    assert_int_equal(eval_aggregate(a, 3, EA_TRIMMED), 1617); /* fewer than 5: the mean */
    const int64_t b[] = {1000, 1500, 1600, 1700, 2000};
    assert_int_equal(eval_aggregate(b, 5, EA_MEAN), 1560);    /* 7800 / 5 */
    assert_int_equal(eval_aggregate(b, 5, EA_TRIMMED), 1600); /* (1500+1600+1700) / 3 */
    assert_int_equal(eval_aggregate(b, 4, EA_TRIMMED), 1450); /* 5800 / 4 */
    const int64_t c[] = {1, 2};
    assert_int_equal(eval_aggregate(c, 2, EA_MEAN), 2); /* 1.5 half up */
}

/* ---- qualification ---- */

static void test_qualify(void **state)
{
    (void)state;
    /* 3 experts, 2 bidders, 2 criteria: votes[(e*nb+b)*nc+c] */
    int8_t v[3 * 2 * 2] = {
        1, 1, 1, 0, /* expert 0: bidder 0 passes both; bidder 1 fails criterion 1 */
        1, 1, 1, 0, /* expert 1 */
        1, 0, 1, 1, /* expert 2: fails bidder 0 on criterion 1 (outvoted) */
    };
    bool q[2];
    int failed[2];
    assert_int_equal(eval_qualify(v, 3, 2, 2, q, failed), EVAL_OK);
    assert_true(q[0]);
    assert_int_equal(failed[0], -1);
    assert_false(q[1]);
    assert_int_equal(failed[1], 1);
    v[5] = EVAL_ABSENT;
    assert_int_equal(eval_qualify(v, 3, 2, 2, q, failed), EVAL_EINCOMPLETE);
    /* an even split is not a majority */
    int8_t w[2] = {1, 0};
    assert_int_equal(eval_qualify(w, 2, 1, 1, q, NULL), EVAL_OK);
    assert_false(q[0]);
}

/* ---- a whole comprehensive evaluation ---- */

static const char tpl_json[] =
    "{\"method\":\"comprehensive\",\"items\":["
    "{\"code\":\"T1\",\"name\":\"施工方案\",\"kind\":\"subjective\",\"points\":30,\"min\":10},"
    "{\"code\":\"O1\",\"name\":\"工期\",\"kind\":\"objective\",\"points\":10,"
    "\"field\":\"duration_days\"},"
    "{\"code\":\"P\",\"name\":\"报价\",\"kind\":\"price\",\"points\":60}],"
    "\"aggregate\":\"trimmed_mean\"}";

static void test_comprehensive(void **state)
{
    (void)state;
    struct eval_template t;
    struct eval_result r;
    const char *field;
    assert_int_equal(eval_template_parse(tpl_json, strlen(tpl_json), &t, NULL, &field), EVAL_OK);
    enum { NB = 3, NE = 5, NI = 3 };
    /* A 10,000.00 yuan / 300 days; B 9,000.00 / 360; C 11,000.00 / 330 (above the
     * ceiling of 10,500.00: not valid) */
    int64_t price[NB] = {1000000, 900000, 1100000};
    bool qualified[NB] = {true, true, true};
    int64_t field_v[NB * NI] = {EVAL_FIELD_ABSENT, 300, EVAL_FIELD_ABSENT,
                                EVAL_FIELD_ABSENT, 360, EVAL_FIELD_ABSENT,
                                EVAL_FIELD_ABSENT, 330, EVAL_FIELD_ABSENT};
    /* T1 by the five experts: A 25 26 24 28 20, B 20 21 22 19 23, C 20 each */
    const int64_t ta[NE] = {2500, 2600, 2400, 2800, 2000}, tb[NE] = {2000, 2100, 2200, 1900, 2300};
    int64_t scores[NE * NB * NI];
    for (int e = 0; e < NE; e++)
        for (int b = 0; b < NB; b++)
            for (int i = 0; i < NI; i++)
                scores[(e * NB + b) * NI + i] = i != 0   ? EVAL_ABSENT
                                                : b == 0 ? ta[e]
                                                : b == 1 ? tb[e]
                                                         : 2000;
    struct eval_input in = {.t = &t,
                            .nb = NB,
                            .ne = NE,
                            .price_fen = price,
                            .qualified = qualified,
                            .field = field_v,
                            .scores = scores,
                            .ceiling_fen = 1050000};
    assert_int_equal(eval_result_init(&r, NB, NI), EVAL_OK);
    assert_int_equal(eval_compute(&in, NULL, &r), EVAL_OK);
    assert_false(r.valid[2]);
    assert_string_equal(r.invalid[2], EVAL_INVALID_CEILING);
    assert_int_equal(r.nvalid, 2);
    assert_int_equal(r.base_fen, 900000); /* the lowest valid bid */
    /* A: T1 trimmed (25+26+24)/3 = 25.00; O1 10 × 300/300 = 10.00; P 60 × 0.9 = 54.00 */
    assert_int_equal(r.item[0 * NI + 0], 2500);
    assert_int_equal(r.item[0 * NI + 1], 1000);
    assert_int_equal(r.item[0 * NI + 2], 5400);
    assert_int_equal(r.total[0], 8900);
    /* B: T1 (20+21+22)/3 = 21.00; O1 10 × 300/360 = 8.333 -> 8.33; P 60.00 */
    assert_int_equal(r.item[1 * NI + 0], 2100);
    assert_int_equal(r.item[1 * NI + 1], 833);
    assert_int_equal(r.total[1], 8933);
    assert_int_equal(r.tech[1], 2933);
    assert_int_equal(r.order[0], 1);
    assert_int_equal(r.order[1], 0);
    assert_int_equal(r.order[2], 2);
    assert_int_equal(r.rank[1], 1);
    assert_int_equal(r.rank[0], 2);
    assert_int_equal(r.rank[2], 0);
    assert_int_equal(r.ncand, 2);
    assert_false(r.tie_at_cutoff);
    /* B fails the qualification review: A alone, and the base moves to A */
    qualified[1] = false;
    assert_int_equal(eval_compute(&in, NULL, &r), EVAL_OK);
    assert_string_equal(r.invalid[1], EVAL_INVALID_QUALIFICATION);
    assert_int_equal(r.base_fen, 1000000);
    assert_int_equal(r.item[0 * NI + 2], 6000);
    assert_int_equal(r.ncand, 1);
    qualified[1] = true;
    /* a missing score of a valid bid */
    scores[(2 * NB + 1) * NI + 0] = EVAL_ABSENT;
    assert_int_equal(eval_compute(&in, NULL, &r), EVAL_EINCOMPLETE);
    /* ... unless that expert is left out */
    bool use[NE] = {true, true, false, true, true};
    assert_int_equal(eval_compute(&in, use, &r), EVAL_OK);
    eval_result_release(&r);
}

/* ---- tie-breaks ---- */

static void test_ties(void **state)
{
    (void)state;
    struct eval_template t;
    struct eval_result r;
    const char *lp = "{\"method\":\"lowest_price\"}";
    assert_int_equal(eval_template_parse(lp, strlen(lp), &t, NULL, NULL), EVAL_OK);
    int64_t price[5] = {500, 300, 300, 400, 700};
    struct eval_input in = {.t = &t, .nb = 5, .price_fen = price};
    assert_int_equal(eval_result_init(&r, 5, 0), EVAL_OK);
    assert_int_equal(eval_compute(&in, NULL, &r), EVAL_OK);
    /* 300 and 300 share rank 1 (並列), in input order; then 400 is third */
    assert_int_equal(r.order[0], 1);
    assert_int_equal(r.order[1], 2);
    assert_int_equal(r.rank[1], 1);
    assert_int_equal(r.rank[2], 1);
    assert_int_equal(r.rank[3], 3);
    assert_int_equal(r.order[2], 3);
    assert_int_equal(r.ncand, 3);
    assert_false(r.tie_at_cutoff);
    /* a tie across the third place */
    price[4] = 400;
    assert_int_equal(eval_compute(&in, NULL, &r), EVAL_OK);
    assert_true(r.tie_at_cutoff);
    /* highest price first */
    t.method = EM_HIGHEST_PRICE;
    assert_int_equal(eval_compute(&in, NULL, &r), EVAL_OK);
    assert_int_equal(r.order[0], 0);
    eval_result_release(&r);

    /* lowest evaluated: price + adjustments; equal evaluated prices: lower bid first */
    const char *le = "{\"method\":\"lowest_evaluated\",\"candidates\":2}";
    assert_int_equal(eval_template_parse(le, strlen(le), &t, NULL, NULL), EVAL_OK);
    int64_t p2[3] = {1000, 900, 950};
    int64_t adj[3] = {0, 100, 50}; /* evaluated 1000, 1000, 1000 */
    struct eval_input in2 = {.t = &t, .nb = 3, .price_fen = p2, .adjust_fen = adj};
    assert_int_equal(eval_result_init(&r, 3, 0), EVAL_OK);
    assert_int_equal(eval_compute(&in2, NULL, &r), EVAL_OK);
    assert_int_equal(r.evaluated[0], 1000);
    assert_int_equal(r.order[0], 1);
    assert_int_equal(r.order[1], 2);
    assert_int_equal(r.order[2], 0);
    assert_int_equal(r.ncand, 2);
    adj[0] = -200; /* a negative adjustment (a credit) moves the first down to 800 */
    assert_int_equal(eval_compute(&in2, NULL, &r), EVAL_OK);
    assert_int_equal(r.order[0], 0);
    eval_result_release(&r);

    /* comprehensive: equal totals, the lower price first */
    const char *cj = "{\"method\":\"comprehensive\",\"items\":["
                     "{\"code\":\"T\",\"name\":\"t\",\"kind\":\"subjective\",\"points\":50},"
                     "{\"code\":\"P\",\"name\":\"p\",\"kind\":\"price\",\"points\":50}]}";
    assert_int_equal(eval_template_parse(cj, strlen(cj), &t, NULL, NULL), EVAL_OK);
    /* A 1000 (P 50.00), T 40.00: 90.00; B 1250 (P 40.00), T 50.00: 90.00 */
    int64_t p3[2] = {1250, 1000};
    int64_t sc[2 * 2] = {5000, EVAL_ABSENT, 4000, EVAL_ABSENT};
    struct eval_input in3 = {.t = &t, .nb = 2, .ne = 1, .price_fen = p3, .scores = sc};
    assert_int_equal(eval_result_init(&r, 2, 2), EVAL_OK);
    assert_int_equal(eval_compute(&in3, NULL, &r), EVAL_OK);
    assert_int_equal(r.total[0], 9000);
    assert_int_equal(r.total[1], 9000);
    assert_int_equal(r.order[0], 1); /* the lower price */
    assert_int_equal(r.rank[0], 2);
    eval_result_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_low_base),  cmocka_unit_test(test_avg_base),
        cmocka_unit_test(test_avg_score), cmocka_unit_test(test_aggregate),
        cmocka_unit_test(test_qualify),   cmocka_unit_test(test_comprehensive),
        cmocka_unit_test(test_ties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
