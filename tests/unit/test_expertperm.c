/*
 * test_expertperm.c — the expert-favouring permutation test
 * (analytics/expertperm.h, docs/supervision.md "Expert scores").
 *
 * A hand-worked tender checks the statistic; synthetic panels (firm quality
 * + expert leniency + noise) check that a planted favouring expert is found
 * and nothing else is, that clean data flags nothing, that a merely lenient
 * expert is not flagged, and that the result does not depend on row order;
 * bad CSV gets its stable code and line.
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

#include "analytics/expertperm.h"

/* E1 scores A 10, B 6; E2 scores A 8, B 8. r(E1,A) = 10 - 8 = 2,
 * r(E1,B) = 6 - 8 = -2, mean 0, so D(E1,A) = 2 and D(E1,B) = -2; by
 * symmetry D(E2,B) = 2. A relabelling puts 2 or -2 on A with chance 1/2
 * each: p(E1,A) is about 1/2. */
static void test_hand_worked(void **state)
{
    (void)state;
    struct ep_params p;
    ep_params_init(&p);
    p.min_tenders = 1;
    p.stop_hits = 0;
    p.perms = 9999;
    struct expertperm *x = ep_new(&p);
    assert_non_null(x);
    const char csv[] = "tender_id,expert_id,firm_id,score\n"
                       "T1,E1,A,10\nT1,E1,B,6\nT1,E2,A,8\nT1,E2,B,8\n";
    struct ep_error err = {0};
    assert_int_equal(ep_load_csv(x, csv, sizeof csv - 1, &err), EP_OK);
    assert_int_equal(ep_analyse(x, &err), EP_OK);
    struct ep_stats st;
    ep_stats(x, &st);
    assert_int_equal(st.rows, 4);
    assert_int_equal(st.pairs_tested, 4);
    assert_int_equal(st.flags, 0);
    bool seen = false;
    struct ep_pair pr;
    for (size_t i = 0; ep_pair_get(x, i, &pr); i++) {
        if (strcmp(pr.expert, "E1") == 0 && strcmp(pr.firm, "A") == 0) {
            seen = true;
            assert_true(fabs(pr.stat - 2.0) < 1e-12);
            assert_true(pr.p > 0.45 && pr.p < 0.55);
            assert_int_equal(pr.draws, p.perms);
        }
        if (strcmp(pr.expert, "E1") == 0 && strcmp(pr.firm, "B") == 0) {
            assert_true(fabs(pr.stat + 2.0) < 1e-12);
            assert_true(pr.p == 1.0); /* cannot favour: not drawn */
            assert_int_equal(pr.draws, 0);
        }
    }
    assert_true(seen);
    ep_free(x);
}

/* ---- synthetic panels ---- */

static uint64_t rng_state;

static double uni(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static double noise(double sd)
{
    double s = 0;
    for (int i = 0; i < 12; i++)
        s += uni();
    return (s - 6.0) * sd;
}

/* 60 tenders, 5 of 12 firms and 5 of 15 experts each; expert E03 and firm
 * F05 meet in every third tender. bias: points E03 adds to F05; lenient:
 * points E07 adds to every firm. reverse: add the rows in reverse order. */
static struct expertperm *synth(double bias, double lenient, bool reverse, uint64_t seed)
{
    struct ep_params p;
    ep_params_init(&p);
    struct expertperm *x = ep_new(&p);
    assert_non_null(x);
    static char t[4096][16], e[4096][16], f[4096][16];
    static double s[4096];
    size_t n = 0;
    double quality[12];
    rng_state = seed;
    for (int i = 0; i < 12; i++)
        quality[i] = 60 + 30 * uni();
    for (int ti = 0; ti < 60; ti++) {
        int firms[5], experts[5];
        bool meet = ti % 3 == 0;
        for (int k = 0; k < 5; k++) {
            int v;
            bool dup;
            do {
                v = (meet && k == 0) ? 5 : (int)(uni() * 12);
                dup = false;
                for (int q = 0; q < k; q++)
                    dup |= firms[q] == v;
                if (!meet && v == 5)
                    dup = true; /* F05 meets E03 only where planned */
            } while (dup);
            firms[k] = v;
        }
        for (int k = 0; k < 5; k++) {
            int v;
            bool dup;
            do {
                v = (meet && k == 0) ? 3 : (int)(uni() * 15);
                dup = false;
                for (int q = 0; q < k; q++)
                    dup |= experts[q] == v;
                if (!meet && v == 3)
                    dup = true;
            } while (dup);
            experts[k] = v;
        }
        for (int a = 0; a < 5; a++)
            for (int b = 0; b < 5; b++) {
                double v = quality[firms[b]] + noise(3.0);
                if (experts[a] == 7)
                    v += lenient;
                if (experts[a] == 3 && firms[b] == 5)
                    v += bias;
                snprintf(t[n], sizeof t[n], "T%02d", ti);
                snprintf(e[n], sizeof e[n], "E%02d", experts[a]);
                snprintf(f[n], sizeof f[n], "F%02d", firms[b]);
                s[n] = v;
                n++;
            }
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = reverse ? n - 1 - i : i;
        assert_int_equal(ep_add(x, t[k], e[k], f[k], s[k]), EP_OK);
    }
    struct ep_error err = {0};
    assert_int_equal(ep_analyse(x, &err), EP_OK);
    return x;
}

static void test_planted_found(void **state)
{
    (void)state;
    struct expertperm *x = synth(10.0, 8.0, false, 42);
    struct ep_stats st;
    ep_stats(x, &st);
    assert_false(st.perms_too_few);
    assert_int_equal(st.flags, 1);
    struct ep_pair pr;
    assert_true(ep_pair_get(x, 0, &pr));
    assert_string_equal(pr.expert, "E03");
    assert_string_equal(pr.firm, "F05");
    assert_true(pr.flagged);
    assert_int_equal(pr.tenders, 20);
    assert_true(pr.stat > 6 && pr.stat < 14); /* about 10 - 10/5 (the firm's own share) */
    assert_true(pr.p <= st.threshold);
    /* the report carries the flag with its cases */
    struct buf b;
    buf_init(&b, 1 << 22);
    assert_int_equal(ep_write_json(x, &b), 0);
    assert_non_null(strstr(b.data, "\"flags\":[{\"expert\":\"E03\",\"firm\":\"F05\""));
    assert_non_null(strstr(b.data, "\"cases\":[{\"tender\":\"T00\""));
    buf_release(&b);
    /* the same flag and p whatever the order of the rows */
    struct expertperm *y = synth(10.0, 8.0, true, 42);
    struct ep_pair q;
    assert_true(ep_pair_get(y, 0, &q));
    assert_string_equal(q.expert, "E03");
    assert_true(q.p == pr.p && q.stat == pr.stat);
    ep_free(y);
    ep_free(x);
}

static void test_clean_not_flagged(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        /* no bias; E07 lenient by 8 points on every firm: not favouring */
        struct expertperm *x = synth(0.0, 8.0, false, seed);
        struct ep_stats st;
        ep_stats(x, &st);
        assert_true(st.pairs_tested > 50);
        assert_int_equal(st.flags, 0);
        ep_free(x);
    }
}

/* Four experts score the same four firms in 30 tenders; X1 gives F1 12
 * points more. X1's inflation lowers the others' residuals on F1 (the
 * panel mean they are measured against rises by 4), so in the first round
 * they seem to lean to F0, F2, F3; leaving X1's F1 scores out of their
 * baselines (the second round) clears them: only X1-F1 is flagged. */
static void test_small_panel(void **state)
{
    (void)state;
    struct ep_params p;
    ep_params_init(&p);
    struct expertperm *x = ep_new(&p);
    char t[16], e[16], f[16];
    rng_state = 7;
    for (int ti = 0; ti < 30; ti++)
        for (int ei = 0; ei < 4; ei++)
            for (int fi = 0; fi < 4; fi++) {
                double v = 70 + 5 * fi + (uni() * 6 - 3) + (ei == 1 && fi == 1 ? 12 : 0);
                snprintf(t, sizeof t, "T%02d", ti);
                snprintf(e, sizeof e, "X%d", ei);
                snprintf(f, sizeof f, "F%d", fi);
                assert_int_equal(ep_add(x, t, e, f, v), EP_OK);
            }
    struct ep_error err = {0};
    assert_int_equal(ep_analyse(x, &err), EP_OK);
    struct ep_stats st;
    ep_stats(x, &st);
    assert_int_equal(st.flags, 1);
    struct ep_pair pr;
    assert_true(ep_pair_get(x, 0, &pr));
    assert_string_equal(pr.expert, "X1");
    assert_string_equal(pr.firm, "F1");
    assert_true(pr.stat > 7 && pr.stat < 11); /* 12 - 12/4 */
    ep_free(x);
}

static void expect_err(const char *csv, int code, size_t line)
{
    struct ep_params p;
    ep_params_init(&p);
    struct expertperm *x = ep_new(&p);
    struct ep_error err = {0};
    int rc = ep_load_csv(x, csv, strlen(csv), &err);
    if (rc == EP_OK)
        rc = ep_analyse(x, &err);
    if (rc != code || err.line != line)
        fail_msg("%s: got %s line %zu (%s), want %s line %zu", csv, ep_err_code(rc), err.line,
                 err.msg, ep_err_code(code), line);
    ep_free(x);
}

static void test_bad_input(void **state)
{
    (void)state;
    expect_err("", EP_MISSING_COLUMN, 0);
    expect_err("tender_id,expert_id,score\nT,E,1\n", EP_MISSING_COLUMN, 1);
    expect_err("tender_id,expert_id,firm_id,score\nT,E,F,1\nT,E,G,abc\n", EP_BAD_VALUE, 3);
    expect_err("tender_id,expert_id,firm_id,score\nT,E,F,nan\n", EP_BAD_VALUE, 2);
    expect_err("tender_id,expert_id,firm_id,score\nT,E,F,0x10\n", EP_BAD_VALUE, 2);
    expect_err("tender_id,expert_id,firm_id,score\nT,,F,1\n", EP_BAD_VALUE, 2);
    expect_err("tender_id,expert_id,firm_id,score\nT,E,F,1\nT,E2,F,2\nT,E,F,3\n", EP_DUPLICATE, 4);
    expect_err("tender_id,expert_id,firm_id,score\n\"T,E,F,1\n", EP_CSV, 2);
    /* columns in any order, extra columns ignored, CRLF */
    expect_err("score,x,firm_id,expert_id,tender_id\r\n1,a,F,E,T\r\n", EP_OK, 0);
    struct ep_params p;
    ep_params_init(&p);
    p.alpha = 0;
    assert_null(ep_new(&p));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_worked),       cmocka_unit_test(test_planted_found),
        cmocka_unit_test(test_clean_not_flagged), cmocka_unit_test(test_small_panel),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
