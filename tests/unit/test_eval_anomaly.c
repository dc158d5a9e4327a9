/*
 * Unit tests for the score anomaly warnings (eval/anomaly.c) and the
 * scoring-table template (eval/template.c).
 *
 * Anomalies: a clean evaluation (7 experts, 6 bids, 3 subjective items with
 * close scores) raises none; then each planted anomaly raises exactly its
 * warning — one far-off score (outlier, leave-one-out median/MAD), a score
 * below the allowed range, one expert copying another's sheet (identical),
 * one expert whose scores alone decide the winner (pivotal); the sheet-sum
 * outlier catches an expert marking one bid down a little on every item.
 *
 * Templates: the built-ins parse; the canonical form is stable and parses
 * back to itself; bad templates are refused with the offending key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "eval/eval.h"

enum { NB = 6, NE = 7, NI = 4 };

static const char tpl_json[] =
    "{\"method\":\"comprehensive\",\"items\":["
    "{\"code\":\"T1\",\"name\":\"方案\",\"kind\":\"subjective\",\"points\":20,\"min\":8},"
    "{\"code\":\"T2\",\"name\":\"质量\",\"kind\":\"subjective\",\"points\":10},"
    "{\"code\":\"T3\",\"name\":\"机构\",\"kind\":\"subjective\",\"points\":10},"
    "{\"code\":\"P\",\"name\":\"报价\",\"kind\":\"price\",\"points\":60}],"
    "\"aggregate\":\"trimmed_mean\"}";

struct fx {
    struct eval_template t;
    int64_t price[NB];
    int64_t scores[NE * NB * NI];
    struct eval_input in;
    struct eval_result r;
    struct eval_warning w[256];
    int n;
};

/* Clean data: bid b's "quality" per item plus a small per-expert wobble of
 * at most 0.2 points, different between experts. */
static void fx_init(struct fx *f)
{
    memset(f, 0, sizeof(*f));
    assert_int_equal(eval_template_parse(tpl_json, strlen(tpl_json), &f->t, NULL, NULL), EVAL_OK);
    for (int b = 0; b < NB; b++)
        f->price[b] = 1000000 + 10000 * b;
    const int64_t base[NI] = {1400, 650, 600, 0};
    for (int e = 0; e < NE; e++)
        for (int b = 0; b < NB; b++)
            for (int i = 0; i < NI; i++)
                f->scores[(e * NB + b) * NI + i] =
                    i == 3 ? EVAL_ABSENT
                           : base[i] + (b == 0 ? 200 : 0) - 20 * b + ((e * 7 + b * 3 + i) % 11) * 2;
    f->in = (struct eval_input){
        .t = &f->t, .nb = NB, .ne = NE, .price_fen = f->price, .scores = f->scores};
    assert_int_equal(eval_result_init(&f->r, NB, NI), EVAL_OK);
}

static void fx_run(struct fx *f)
{
    assert_int_equal(eval_compute(&f->in, NULL, &f->r), EVAL_OK);
    assert_int_equal(eval_anomalies(&f->in, &f->r, f->w, 256, &f->n), EVAL_OK);
}

static int count(const struct fx *f, enum eval_warn_kind k)
{
    int c = 0;
    for (int i = 0; i < f->n && i < 256; i++)
        c += f->w[i].kind == k;
    return c;
}

static void test_clean(void **state)
{
    struct fx f;
    (void)state;
    fx_init(&f);
    fx_run(&f);
    for (int i = 0; i < f.n; i++)
        fprintf(stderr, "unexpected: %s e%d b%d i%d\n", eval_warn_name(f.w[i].kind), f.w[i].expert,
                f.w[i].bidder, f.w[i].item);
    assert_int_equal(f.n, 0);
    assert_int_equal(f.r.order[0], 0); /* bid 0 is clearly the best */
    eval_result_release(&f.r);
}

static void test_outlier(void **state)
{
    struct fx f;
    (void)state;
    fx_init(&f);
    /* expert 3 gives bid 2 item T2 (10 points, others about 6.2) a 4.00: far
     * off on the item, not on the sheet's sum (under 5 % of 40 points) */
    f.scores[(3 * NB + 2) * NI + 1] = 400;
    fx_run(&f);
    assert_int_equal(count(&f, EW_OUTLIER), 1);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.w[0].expert, 3);
    assert_int_equal(f.w[0].bidder, 2);
    assert_int_equal(f.w[0].item, 1);
    assert_int_equal(f.w[0].score, 400);
    assert_true(f.w[0].median >= 610 && f.w[0].median <= 630);
    assert_true(f.w[0].z_centi > 350);
    /* a smaller gap, under 10 % of the item's points, is not flagged */
    f.scores[(3 * NB + 2) * NI + 1] = 610 - 70; /* at most 0.9 below the median */
    fx_run(&f);
    assert_int_equal(count(&f, EW_OUTLIER), 0);
    eval_result_release(&f.r);
}

static void test_sheet_sum_outlier(void **state)
{
    struct fx f;
    (void)state;
    fx_init(&f);
    /* expert 5 marks bid 1 down on each of the three items by 1.6, 0.75 and
     * 0.75 points: no item alone is far enough off (10 % of its points),
     * the sheet's sum is (3.1 points, 5 % of 40 is 2) */
    f.scores[(5 * NB + 1) * NI + 0] -= 160;
    f.scores[(5 * NB + 1) * NI + 1] -= 75;
    f.scores[(5 * NB + 1) * NI + 2] -= 75;
    fx_run(&f);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.w[0].kind, EW_OUTLIER);
    assert_int_equal(f.w[0].expert, 5);
    assert_int_equal(f.w[0].bidder, 1);
    assert_int_equal(f.w[0].item, -1);
    eval_result_release(&f.r);
}

static void test_range(void **state)
{
    struct fx f;
    (void)state;
    fx_init(&f);
    /* T1's allowed range is 8..20; expert 0 gives bid 4 a 7.50 (the others
     * about 13, so it is an outlier too, on the item and on the sum) */
    f.scores[(0 * NB + 4) * NI + 0] = 750;
    fx_run(&f);
    assert_int_equal(count(&f, EW_RANGE), 1);
    assert_int_equal(count(&f, EW_OUTLIER), 2);
    for (int i = 0; i < f.n; i++)
        if (f.w[i].kind == EW_RANGE) {
            assert_int_equal(f.w[i].expert, 0);
            assert_int_equal(f.w[i].bidder, 4);
            assert_int_equal(f.w[i].median, 800); /* the bound passed */
        }
    eval_result_release(&f.r);
}

static void test_identical(void **state)
{
    struct fx f;
    (void)state;
    fx_init(&f);
    memcpy(f.scores + 6 * NB * NI, f.scores + 2 * NB * NI, sizeof(int64_t) * NB * NI);
    fx_run(&f);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.w[0].kind, EW_IDENTICAL);
    assert_int_equal(f.w[0].expert, 2);
    assert_int_equal(f.w[0].other, 6);
    eval_result_release(&f.r);
}

static void test_pivotal(void **state)
{
    (void)state;
    struct eval_template t;
    const char *j = "{\"method\":\"comprehensive\",\"items\":["
                    "{\"code\":\"T\",\"name\":\"t\",\"kind\":\"subjective\",\"points\":40},"
                    "{\"code\":\"P\",\"name\":\"p\",\"kind\":\"price\",\"points\":60}]}";
    assert_int_equal(eval_template_parse(j, strlen(j), &t, NULL, NULL), EVAL_OK);
    /* A and B at the same price; experts 0..3: A 16, B 15; expert 4: A 8, B 19.
     * Mean A 14.40, B 15.80: B wins; without expert 4, A (16 against 15). */
    int64_t price[2] = {1000, 1000};
    int64_t sc[5 * 2 * 2];
    for (int e = 0; e < 5; e++) {
        sc[(e * 2 + 0) * 2] = e < 4 ? 1600 : 800;
        sc[(e * 2 + 1) * 2] = e < 4 ? 1500 : 1900;
        sc[(e * 2 + 0) * 2 + 1] = sc[(e * 2 + 1) * 2 + 1] = EVAL_ABSENT;
    }
    struct eval_input in = {.t = &t, .nb = 2, .ne = 5, .price_fen = price, .scores = sc};
    struct eval_result r;
    struct eval_warning w[16];
    int n = 0;
    assert_int_equal(eval_result_init(&r, 2, 2), EVAL_OK);
    assert_int_equal(eval_compute(&in, NULL, &r), EVAL_OK);
    assert_int_equal(r.order[0], 1);
    assert_int_equal(eval_anomalies(&in, &r, w, 16, &n), EVAL_OK);
    int piv = 0;
    for (int i = 0; i < n; i++)
        if (w[i].kind == EW_PIVOTAL) {
            piv++;
            assert_int_equal(w[i].expert, 4);
            assert_int_equal(w[i].bidder, 1); /* the winner */
            assert_int_equal(w[i].other, 0);  /* the winner without expert 4 */
        }
    assert_int_equal(piv, 1);
    /* with expert 4 in line with the others nobody is pivotal */
    sc[(4 * 2 + 0) * 2] = 1600;
    sc[(4 * 2 + 1) * 2] = 1500;
    assert_int_equal(eval_compute(&in, NULL, &r), EVAL_OK);
    assert_int_equal(eval_anomalies(&in, &r, w, 16, &n), EVAL_OK);
    for (int i = 0; i < n; i++)
        assert_int_not_equal(w[i].kind, EW_PIVOTAL);
    eval_result_release(&r);
}

/* ---- templates ---- */

static void test_templates(void **state)
{
    (void)state;
    struct eval_template t, t2;
    struct buf c1, c2;
    const char *field = NULL;
    buf_init(&c1, 1 << 16);
    buf_init(&c2, 1 << 16);
    const char *names[] = {"works_comprehensive", "goods_comprehensive", "lowest_evaluated",
                           "lowest_price"};
    for (int i = 0; i < 4; i++) {
        const char *j = eval_template_builtin(names[i]);
        assert_non_null(j);
        assert_int_equal(eval_template_parse(j, strlen(j), &t, &c1, &field), EVAL_OK);
        /* the canonical form parses back to the same canonical form */
        assert_int_equal(eval_template_parse(c1.data, c1.len, &t2, &c2, &field), EVAL_OK);
        assert_int_equal(c1.len, c2.len);
        assert_memory_equal(c1.data, c2.data, c1.len);
    }
    assert_null(eval_template_builtin("nope"));
    const char *w = eval_template_builtin("works_comprehensive");
    assert_int_equal(eval_template_parse(w, strlen(w), &t, &c1, NULL), EVAL_OK);
    assert_int_equal(t.price.formula, EPF_AVG_BASE);
    assert_int_equal(t.price.k_bp, 9700);
    assert_int_equal(t.price.trim_min, 7);
    assert_int_equal(t.price.above_centi, 200);
    assert_int_equal(t.items[0].min, 800);
    assert_int_equal(t.aggregate, EA_TRIMMED);
    assert_non_null(strstr(c1.data, "\"k\":0.9700"));
    assert_non_null(strstr(c1.data, "\"points\":20.00,\"min\":8.00,\"max\":20.00"));

    struct {
        const char *json;
        const char *field;
    } bad[] = {
        {"[]", "template"},
        {"{\"method\":\"nope\"}", "method"},
        {"{\"method\":\"lowest_price\",\"extra\":1}", "unknown key"},
        {"{\"method\":\"comprehensive\"}", "items"}, /* no items */
        /* points do not add up to 100 */
        {"{\"method\":\"comprehensive\",\"items\":[{\"code\":\"P\",\"name\":\"p\","
         "\"kind\":\"price\",\"points\":90}]}",
         "items"},
        /* three decimals */
        {"{\"method\":\"comprehensive\",\"items\":[{\"code\":\"P\",\"name\":\"p\","
         "\"kind\":\"price\",\"points\":99.995},{\"code\":\"T\",\"name\":\"t\","
         "\"kind\":\"subjective\",\"points\":0.005}]}",
         "points"},
        /* min above max */
        {"{\"method\":\"comprehensive\",\"items\":[{\"code\":\"P\",\"name\":\"p\","
         "\"kind\":\"price\",\"points\":50},{\"code\":\"T\",\"name\":\"t\","
         "\"kind\":\"subjective\",\"points\":50,\"min\":30,\"max\":20}]}",
         "max"},
        /* two price items */
        {"{\"method\":\"comprehensive\",\"items\":[{\"code\":\"P\",\"name\":\"p\","
         "\"kind\":\"price\",\"points\":50},{\"code\":\"Q\",\"name\":\"q\","
         "\"kind\":\"price\",\"points\":50}]}",
         "items"},
        /* a duplicate code */
        {"{\"method\":\"comprehensive\",\"items\":[{\"code\":\"P\",\"name\":\"p\","
         "\"kind\":\"price\",\"points\":50},{\"code\":\"P\",\"name\":\"q\","
         "\"kind\":\"subjective\",\"points\":50}]}",
         "code"},
        /* an objective item without its field */
        {"{\"method\":\"comprehensive\",\"items\":[{\"code\":\"P\",\"name\":\"p\","
         "\"kind\":\"price\",\"points\":50},{\"code\":\"O\",\"name\":\"o\","
         "\"kind\":\"objective\",\"points\":50}]}",
         "field"},
        {"{\"method\":\"lowest_price\",\"price\":{\"formula\":\"avg_base\",\"k\":0.5}}", "k"},
        {"{\"method\":\"lowest_price\",\"price\":{\"formula\":\"low_base\",\"k\":0.95}}",
         "formula"},
        {"{\"method\":\"lowest_price\",\"candidates\":4}", "candidates"},
        {"{\"method\":\"lowest_price\",\"aggregate\":\"median\"}", "aggregate"},
        {"{\"method\":\"lowest_price\",\"qualification\":[{\"code\":\"Q 1\",\"name\":\"x\"}]}",
         "code"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = eval_template_parse(bad[i].json, strlen(bad[i].json), &t, NULL, &field);
        if (rc == EVAL_OK || field == NULL || strcmp(field, bad[i].field) != 0)
            fail_msg("bad[%zu]: rc %d field %s, want %s", i, rc, field ? field : "(null)",
                     bad[i].field);
    }
    assert_int_equal(eval_template_parse("{", 1, &t, NULL, &field), EVAL_EINVAL);
    buf_release(&c1);
    buf_release(&c2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_outlier),
        cmocka_unit_test(test_sheet_sum_outlier),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_identical),
        cmocka_unit_test(test_pivotal),
        cmocka_unit_test(test_templates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
