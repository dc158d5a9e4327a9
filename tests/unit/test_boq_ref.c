/*
 * Unit tests for the fast paths of src/boq/boq.c against plain reference
 * implementations kept here (the algorithms boq.c used before it was made
 * fast, issue 7):
 *
 *   numbers    every cell boq_read takes equals strtod's value bit for
 *              bit (the exact decimal fast path), on random decimals of
 *              every shape: signs, leading zeros, 1 to 17 digits,
 *              exponents, thousands separators
 *   line-up    boq_compare's matrices (at, price, mark), medians, MADs,
 *              bidder sums, extra lines and flagged pairs equal those of
 *              a reference that sorts the tender's codes, finds every
 *              bidder line by binary search and takes medians with qsort,
 *              on random bids with missing, extra, repeated (in the
 *              tender: the first counts), changed, unpriced, copied and
 *              unbalanced lines
 *   repeats    the code a repeat error names (the one that sorts first, at
 *              its first repeating row) is the sorted-neighbours answer
 *   threads    boq_read_many on several threads reads what one thread
 *              reads, and names the first failing file; the comparison's
 *              two threads (large rounds above) give the reference's result
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boq/boq.h"

static uint64_t rng = 88172645463325252u;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* ---- numbers ---- */

static void test_numbers_as_strtod(void **state)
{
    (void)state;
    for (int round = 0; round < 40; round++) {
        struct buf csv;
        char want[500][48];
        buf_init(&csv, 1 << 20);
        buf_puts(&csv, "code,qty,unit price\n");
        for (int i = 0; i < 500; i++) {
            char num[48];
            size_t k = 0;
            if (rnd(4) == 0)
                num[k++] = rnd(2) ? '-' : '+';
            int digits = 1 + (int)rnd(17), dot = (int)rnd((unsigned)digits + 2);
            if (rnd(5) == 0)
                num[k++] = '0';
            for (int d = 0; d < digits; d++) {
                if (d == dot && d > 0)
                    num[k++] = '.';
                num[k++] = (char)('0' + rnd(10));
            }
            if (rnd(4) == 0)
                k += (size_t)snprintf(num + k, sizeof num - k, "e%s%u", rnd(2) ? "-" : "", rnd(30));
            num[k] = '\0';
            snprintf(want[i], sizeof want[i], "%s", num);
            buf_printf(&csv, "L%d,1,%s\n", i, num);
        }
        struct boq b;
        struct boq_error err;
        boq_init(&b);
        int rc = boq_read(&b, csv.data, csv.len, true, &err);
        if (rc == BOQ_OK) {
            assert_int_equal(b.n, 500);
            for (int i = 0; i < 500; i++) {
                double d = strtod(want[i], NULL);
                assert_memory_equal(&b.lines[i].price, &d, sizeof d);
            }
        } else {
            /* a value past 1e15 is refused: it must be one */
            assert_int_equal(rc, BOQ_EVALUE);
            assert_true(fabs(strtod(want[err.row - 2], NULL)) > 1e15);
        }
        boq_release(&b);
        buf_release(&csv);
    }
    /* thousands separators and exponents as strtod reads them without */
    struct boq b;
    struct boq_error err;
    const char *csv = "code,qty,unit price\nA,\"1,234.5\",0.1\nB,1e3,123456789012345.6e-3\n"
                      "C,1,0.30000000000000004\nD,-0,1.7976931348623157e308\n";
    boq_init(&b);
    assert_int_equal(boq_read(&b, csv, strlen(csv), true, &err), BOQ_EVALUE);
    assert_int_equal(err.row, 5); /* D: its quantity reads, its price is too large */
    boq_release(&b);
    csv = "code,qty,unit price\nA,\"1,234.5\",0.1\nB,1e3,123456789012345.6e-3\n"
          "C,1,0.30000000000000004\n";
    boq_init(&b);
    assert_int_equal(boq_read(&b, csv, strlen(csv), true, &err), BOQ_OK);
    assert_true(b.lines[0].qty == 1234.5 && b.lines[0].price == strtod("0.1", NULL));
    assert_true(b.lines[1].qty == 1000 && b.lines[1].price == strtod("123456789012345.6e-3", NULL));
    assert_true(b.lines[2].price == strtod("0.30000000000000004", NULL));
    boq_release(&b);
}

/* ---- the reference comparison ---- */

static int cmp_line_code(const void *x, const void *y)
{
    const struct boq_line *a = *(const struct boq_line *const *)x;
    const struct boq_line *b = *(const struct boq_line *const *)y;
    return strcmp(a->code, b->code); /* a tender's codes do not repeat */
}

static int cmp_dbl(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double ref_median(double *v, size_t n)
{
    qsort(v, n, sizeof(double), cmp_dbl);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The tender line of code by binary search over sorted pointers. */
static const struct boq_line *ref_find(const struct boq_line **idx, size_t n, const char *code)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(idx[mid]->code, code) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && strcmp(idx[lo]->code, code) == 0 ? idx[lo] : NULL;
}

/* Checks c against the reference line-up, medians and MADs (the marks of
 * unbalanced prices recomputed from them) and the extra lines. */
static void check_against_ref(const struct boq_comparison *c, const struct boq *t,
                              const struct boq *const *bids, int n)
{
    size_t T = t->n;
    const struct boq_line **idx = malloc((T + 1) * sizeof(*idx));
    double *v = malloc(sizeof(double) * (size_t)n), *d = malloc(sizeof(double) * (size_t)n);
    assert_non_null(idx);
    for (size_t i = 0; i < T; i++)
        idx[i] = &t->lines[i];
    qsort(idx, T, sizeof(*idx), cmp_line_code);
    size_t ne = 0;
    for (int b = 0; b < n; b++) {
        size_t matched = 0, extra = 0;
        for (size_t j = 0; j < bids[b]->n; j++) {
            const struct boq_line *l = &bids[b]->lines[j];
            const struct boq_line *tl = ref_find(idx, T, l->code);
            if (tl == NULL) {
                assert_true(ne < c->nextra);
                assert_ptr_equal(c->extra[ne], l);
                assert_int_equal(c->extra_bidder[ne], b);
                ne++, extra++;
                continue;
            }
            size_t i = (size_t)(tl - t->lines);
            assert_ptr_equal(c->at[i * (size_t)n + (size_t)b], l);
            matched++;
        }
        assert_int_equal(c->sum[b].matched, matched);
        assert_int_equal(c->sum[b].extra, extra);
        assert_int_equal(c->sum[b].missing, T - matched);
    }
    assert_int_equal(ne, c->nextra);
    for (size_t i = 0; i < T; i++) {
        size_t k = 0;
        for (int b = 0; b < n; b++) {
            const struct boq_line *l = c->at[i * (size_t)n + (size_t)b];
            double p = c->price[i * (size_t)n + (size_t)b];
            unsigned m = c->mark[i * (size_t)n + (size_t)b];
            assert_int_equal(l == NULL, (m & BOQ_M_MISSING) != 0);
            if (l != NULL && l->has_price) {
                assert_true(p == l->price);
                v[k++] = l->price;
            } else {
                assert_true(isnan(p));
            }
        }
        if (k < (size_t)c->cfg.min_bids) {
            assert_true(isnan(c->median[i]) && isnan(c->mad[i]));
            continue;
        }
        double med = ref_median(v, k);
        for (size_t j = 0; j < k; j++)
            d[j] = fabs(v[j] - med);
        double mad = ref_median(d, k);
        assert_true(med == c->median[i] && mad == c->mad[i]);
        for (int b = 0; b < n; b++) {
            double p = c->price[i * (size_t)n + (size_t)b];
            unsigned m = c->mark[i * (size_t)n + (size_t)b];
            if (isnan(p))
                continue;
            double gap = p - med, rel = med != 0 ? fabs(gap) / fabs(med) : (gap != 0 ? 1e300 : 0);
            bool far = mad > 0 ? fabs(0.6745 * gap / mad) > c->cfg.z_max : gap != 0;
            bool flag = far && rel > c->cfg.rel_min;
            assert_int_equal((m & (BOQ_M_HIGH | BOQ_M_LOW)) != 0, flag);
        }
    }
    /* pairs, by the rule of docs/boq.md, pair by pair */
    size_t k = 0;
    for (int a = 0; a < n; a++) {
        for (int b = a + 1; b < n; b++) {
            size_t same = 0, both = 0, all_same = 0, all_both = 0, nz_same = 0;
            for (size_t i = 0; i < T; i++) {
                const double *row = c->price + i * (size_t)n;
                double pa = row[a], pb = row[b], first = NAN;
                int priced = 0;
                bool differ = false;
                for (int x = 0; x < n; x++) {
                    if (isnan(row[x]))
                        continue;
                    priced++;
                    differ |= !isnan(first) && row[x] != first;
                    if (isnan(first))
                        first = row[x];
                }
                if (isnan(pa) || isnan(pb))
                    continue;
                all_both++;
                all_same += pa == pb;
                nz_same += pa == pb && pa != 0;
                if ((differ || priced < 3) && pa != 0) {
                    both++;
                    same += pa == pb;
                }
            }
            bool whole = all_same == all_both && nz_same >= 2;
            bool share = both > 0 && same >= (size_t)c->cfg.same_min &&
                         (double)same >= c->cfg.share_min * (double)both;
            if (!whole && !share)
                continue;
            assert_true(k < c->npairs);
            assert_int_equal(c->pairs[k].a, a);
            assert_int_equal(c->pairs[k].b, b);
            assert_int_equal(c->pairs[k].same, same);
            assert_int_equal(c->pairs[k].both, both);
            assert_int_equal(c->pairs[k].all_same, all_same);
            assert_int_equal(c->pairs[k].all_both, all_both);
            assert_int_equal(c->pairs[k].whole_column, whole);
            k++;
        }
    }
    assert_int_equal(k, c->npairs);
    /* bidder sums recounted from the marks */
    for (int b = 0; b < n; b++) {
        size_t changed = 0, unpriced = 0, unbalanced = 0;
        for (size_t i = 0; i < T; i++) {
            unsigned m = c->mark[i * (size_t)n + (size_t)b];
            changed += (m & BOQ_M_CHANGED) != 0;
            unpriced += (m & BOQ_M_UNPRICED) != 0;
            unbalanced += (m & (BOQ_M_HIGH | BOQ_M_LOW)) != 0;
        }
        assert_int_equal(c->sum[b].changed, changed);
        assert_int_equal(c->sum[b].unpriced, unpriced);
        assert_int_equal(c->sum[b].unbalanced, unbalanced);
    }
    free(idx);
    free(v);
    free(d);
}

static char *random_bid(int b, int T, const double *base, bool copy)
{
    struct buf s;
    buf_init(&s, 1 << 22);
    buf_puts(&s, "项目编码,工程量,综合单价,合价\n");
    for (int i = 0; i < T; i++) {
        if (rnd(30) == 0)
            continue; /* missing */
        double q = 1 + i % 13, p = base[i] * (copy ? 1.0 : 0.95 + 0.001 * rnd(100));
        if (rnd(40) == 0)
            p *= rnd(2) ? 4 : 0.2; /* unbalanced */
        if (rnd(25) == 0)
            q += 1; /* changed */
        if (rnd(50) == 0)
            buf_printf(&s, "C%05d,%.2f,,\n", i, q); /* unpriced */
        else
            buf_printf(&s, "C%05d,%.2f,%.2f,%.2f\n", i, q, p, q * p + (rnd(20) == 0 ? 5 : 0));
    }
    for (int k = (int)rnd(4); k > 0; k--)
        buf_printf(&s, "X%d-%d,1,%u,\n", b, k, 1 + rnd(100));
    char *out = malloc(s.len + 1);
    memcpy(out, s.data, s.len);
    out[s.len] = '\0';
    buf_release(&s);
    return out;
}

static void test_compare_as_reference(void **state)
{
    (void)state;
    for (int round = 0; round < 12; round++) {
        /* the first rounds are large enough for boq_compare's two threads
         * (4,096 cells), the others mostly not */
        int T = round < 3 ? 1500 + (int)rnd(1500) : 50 + (int)rnd(400);
        int n = round < 3 ? 5 + (int)rnd(8) : 1 + (int)rnd(12);
        double *base = malloc(sizeof(double) * (size_t)T);
        struct buf tc;
        buf_init(&tc, 1 << 22);
        buf_puts(&tc, "项目编码,工程量\n");
        for (int i = 0; i < T; i++) {
            base[i] = i % 17 == 0 ? 500 : 10 + rnd(5000); /* every 17th: a provisional sum */
            buf_printf(&tc, "C%05d,%d\n", (i * 7919) % T, 1 + ((i * 7919) % T) % 13);
        }
        struct boq t, *bq = calloc((size_t)n, sizeof(*bq));
        const struct boq **ptr = calloc((size_t)n, sizeof(*ptr));
        struct boq_error err;
        boq_init(&t);
        assert_int_equal(boq_read(&t, tc.data, tc.len, false, &err), BOQ_OK);
        /* the comparison lines bids up to the tender's order, which is
         * shuffled: give base by the tender's code number */
        for (int b = 0; b < n; b++) {
            char *csv = random_bid(b, T, base, b > 0 && rnd(4) == 0);
            boq_init(&bq[b]);
            assert_int_equal(boq_read(&bq[b], csv, strlen(csv), true, &err), BOQ_OK);
            ptr[b] = &bq[b];
            free(csv);
        }
        struct boq_config cfg = boq_default_config;
        cfg.min_bids = 2 + (int)rnd(3);
        cfg.z_max = 1 + rnd(4);
        cfg.rel_min = 0.05 * rnd(5);
        struct boq_comparison c;
        assert_int_equal(boq_compare(&c, &t, (const struct boq *const *)ptr, n, &cfg), BOQ_OK);
        check_against_ref(&c, &t, (const struct boq *const *)ptr, n);
        boq_comparison_release(&c);
        for (int b = 0; b < n; b++)
            boq_release(&bq[b]);
        boq_release(&t);
        buf_release(&tc);
        free(bq);
        free(ptr);
        free(base);
    }
}

/* A comparison without bidders, or against an empty tender. */
static void test_compare_empty(void **state)
{
    struct boq t, b;
    struct boq_error err;
    struct boq_comparison c;
    const struct boq *ptr[1];
    (void)state;
    boq_init(&t);
    boq_init(&b);
    assert_int_equal(boq_read(&t, "code,qty\nA,1\n", 13, false, &err), BOQ_OK);
    assert_int_equal(boq_compare(&c, &t, NULL, 0, NULL), BOQ_OK);
    assert_int_equal(c.nextra, 0);
    boq_comparison_release(&c);
    assert_int_equal(boq_read(&b, "code,qty,rate\nB,1,2\n", 20, true, &err), BOQ_OK);
    ptr[0] = &b;
    assert_int_equal(boq_compare(&c, &t, ptr, 1, NULL), BOQ_OK);
    assert_int_equal(c.mark[0], BOQ_M_MISSING);
    assert_int_equal(c.nextra, 1);
    assert_int_equal(c.sum[0].extra, 1);
    boq_comparison_release(&c);
    boq_release(&t);
    boq_release(&b);
}

/* boq_read_many on 1 and on 3 threads reads what boq_read reads, and names
 * the first file that fails. */
static void test_read_many(void **state)
{
    enum { N = 9 };
    char *csv[N];
    struct boq one[N], many[N];
    struct boq_input in[N];
    struct boq_error err[N];
    int rc[N];
    double base[300];
    (void)state;
    for (int i = 0; i < 300; i++)
        base[i] = 10 + i;
    for (int b = 0; b < N; b++) {
        csv[b] = random_bid(b, 300, base, false);
        in[b] = (struct boq_input){csv[b], strlen(csv[b]), true};
        boq_init(&one[b]);
        boq_init(&many[b]);
    }
    assert_int_equal(boq_read_many(one, in, N, 1, rc, err), BOQ_OK);
    assert_int_equal(boq_read_many(many, in, N, 3, rc, err), BOQ_OK);
    for (int b = 0; b < N; b++) {
        assert_int_equal(rc[b], BOQ_OK);
        assert_int_equal(one[b].n, many[b].n);
        for (size_t i = 0; i < one[b].n; i++) {
            assert_string_equal(one[b].lines[i].code, many[b].lines[i].code);
            assert_true(one[b].lines[i].price == many[b].lines[i].price ||
                        (!one[b].lines[i].has_price && !many[b].lines[i].has_price));
        }
        boq_release(&one[b]);
        boq_release(&many[b]);
        boq_init(&many[b]);
    }
    /* files 4 and 6 are bad: the answer is file 4's, each file has its own */
    in[4] = (struct boq_input){"code,qty,rate\nA,x,1\n", 20, true};
    in[6] = (struct boq_input){"no header here\n", 15, true};
    assert_int_equal(boq_read_many(many, in, N, 4, rc, err), BOQ_EVALUE);
    assert_int_equal(rc[4], BOQ_EVALUE);
    assert_int_equal(err[4].row, 2);
    assert_int_equal(rc[6], BOQ_EHEADER);
    assert_int_equal(rc[5], BOQ_OK);
    for (int b = 0; b < N; b++) {
        boq_release(&many[b]);
        free(csv[b]);
    }
}

/* The repeat named is the code that sorts first, at its first repeat. */
static void test_repeat_named(void **state)
{
    struct boq b;
    struct boq_error err;
    (void)state;
    const char *csv = "code,qty\nB,1\nA,1\nB,1\nC,1\nA,2\nA,3\nC,4\n";
    boq_init(&b);
    assert_int_equal(boq_read(&b, csv, strlen(csv), false, &err), BOQ_EDUP);
    assert_int_equal(err.row, 6);
    assert_string_equal(err.msg, "the item code A repeats");
    boq_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_as_strtod), cmocka_unit_test(test_compare_as_reference),
        cmocka_unit_test(test_compare_empty),     cmocka_unit_test(test_repeat_named),
        cmocka_unit_test(test_read_many),
    };
    return cmocka_run_group_tests_name("boq_ref", tests, NULL, NULL);
}
