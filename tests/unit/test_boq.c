/*
 * Unit tests for src/boq/: reading BoQ sheets (header found below a title
 * row, Chinese and English column names, section rows skipped, thousands
 * separators, the refusals with their row and column: no header, a bad
 * number, a repeated code), lining bids up against the tender (missing,
 * extra, changed quantity, unpriced), and the flags on hand-made sheets:
 * a planted unbalanced price is found and nothing else is, a clean set
 * is not flagged, identical columns (whole and by share) are found and a
 * provisional sum every bidder copies is not counted, arithmetic errors,
 * the thresholds configurable; the JSON and XLSX outputs.
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

static void read_ok(struct boq *b, const char *csv, bool priced)
{
    struct boq_error err = {0, NULL, ""};
    boq_init(b);
    int rc = boq_read(b, csv, strlen(csv), priced, &err);
    if (rc != BOQ_OK)
        fail_msg("boq_read %d at row %zu: %s", rc, err.row, err.msg);
}

static const char tender_csv[] = "某某工程 分部分项工程量清单\n"
                                 "序号,项目编码,项目名称,计量单位,工程量\n"
                                 "一,,土石方工程,,\n"
                                 "1,010101001001,平整场地,m2,\"1,200.5\"\n"
                                 "2,010101002001,挖一般土方,m3,350\n"
                                 "3,010401001001,砖基础,m3,48.2\n"
                                 "4,010501001001,垫层,m3,12\n"
                                 "5,010502001001,矩形柱,m3,30\n";

static void test_read(void **state)
{
    struct boq b;
    (void)state;
    read_ok(&b, tender_csv, false);
    assert_int_equal(b.n, 5);
    assert_false(b.priced);
    assert_string_equal(b.lines[0].code, "010101001001");
    assert_string_equal(b.lines[0].name, "平整场地");
    assert_string_equal(b.lines[0].unit, "m2");
    assert_true(fabs(b.lines[0].qty - 1200.5) < 1e-9);
    assert_int_equal(b.lines[0].row, 4);
    boq_release(&b);

    /* English names, a priced sheet, an empty price (unpriced), a total */
    read_ok(&b,
            "Item code,Item name,Unit,Quantity,Unit price,Total\n"
            "A1,x,m,2,10.5,21\n"
            "A2,y,m,3,,\n",
            true);
    assert_true(b.priced);
    assert_int_equal(b.n, 2);
    assert_true(b.lines[0].has_price && b.lines[0].has_total);
    assert_true(fabs(b.lines[0].price - 10.5) < 1e-12);
    assert_false(b.lines[1].has_price);
    assert_false(b.lines[1].has_total);
    boq_release(&b);
}

static void refused(const char *csv, bool priced, int want, size_t row, const char *column)
{
    struct boq b;
    struct boq_error err = {0, NULL, ""};
    boq_init(&b);
    int rc = boq_read(&b, csv, strlen(csv), priced, &err);
    boq_release(&b);
    if (rc != want)
        fail_msg("got %d want %d: %s", rc, want, err.msg);
    assert_int_equal(err.row, row);
    if (column == NULL)
        assert_null(err.column);
    else
        assert_string_equal(err.column, column);
    assert_true(err.msg[0] != '\0');
}

static void test_read_refusals(void **state)
{
    (void)state;
    refused("a,b,c\n1,2,3\n", false, BOQ_EHEADER, 0, NULL);
    /* a tender sheet is not a priced one */
    refused("项目编码,项目名称,单位,工程量\nA,x,m,1\n", true, BOQ_EHEADER, 0, NULL);
    refused("项目编码,工程量\nA,1\nB,abc\n", false, BOQ_EVALUE, 3, "quantity");
    refused("项目编码,工程量\nA,\n", false, BOQ_EVALUE, 2, "quantity");
    refused("项目编码,工程量\nA,-1\n", false, BOQ_EVALUE, 2, "quantity");
    refused("项目编码,工程量,综合单价\nA,1,12元\n", true, BOQ_EVALUE, 2, "unit_price");
    refused("项目编码,工程量,综合单价,合价\nA,1,2,x\n", true, BOQ_EVALUE, 2, "total");
    refused("项目编码,工程量\nA,1\nB,2\nA,3\n", false, BOQ_EDUP, 4, "code");
    refused("PK\x03\x04garbage", false, BOQ_EINPUT, 0, NULL);
    refused("项目编码,工程量\nA,1e400\n", false, BOQ_EVALUE, 2, "quantity");
}

/* A priced bid: the tender's lines at prices p[], quantities as the tender's
 * (q == NULL) and totals qty x price unless tot given. */
static char *priced(const double *p, size_t n, const char *extra_rows)
{
    static const char *codes[] = {"010101001001", "010101002001", "010401001001", "010501001001",
                                  "010502001001"};
    static const double qty[] = {1200.5, 350, 48.2, 12, 30};
    size_t cap = 4096;
    char *s = malloc(cap);
    size_t at = (size_t)snprintf(s, cap, "项目编码,项目名称,计量单位,工程量,综合单价,合价\n");
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(s + at, cap - at, "%s,,,%.2f,%.2f,%.2f\n", codes[i], qty[i], p[i],
                               qty[i] * p[i]);
    if (extra_rows != NULL)
        snprintf(s + at, cap - at, "%s", extra_rows);
    return s;
}

static void compare(struct boq_comparison *c, struct boq *t, struct boq *bids, char **csv, int n,
                    const struct boq_config *cfg)
{
    const struct boq *ptr[8];
    read_ok(t, tender_csv, false);
    for (int b = 0; b < n; b++) {
        read_ok(&bids[b], csv[b], true);
        ptr[b] = &bids[b];
    }
    assert_int_equal(boq_compare(c, t, ptr, n, cfg), BOQ_OK);
}

static void release(struct boq_comparison *c, struct boq *t, struct boq *bids, char **csv, int n)
{
    boq_comparison_release(c);
    boq_release(t);
    for (int b = 0; b < n; b++) {
        boq_release(&bids[b]);
        free(csv[b]);
    }
}

static int count_marks(const struct boq_comparison *c, unsigned bits)
{
    int k = 0;
    for (size_t i = 0; i < c->tender->n * (size_t)c->n; i++)
        k += (c->mark[i] & bits) != 0;
    return k;
}

static void test_clean_not_flagged(void **state)
{
    (void)state;
    /* five bidders, prices within a few percent of each other */
    static const double p[5][5] = {{5.10, 21.0, 410, 380, 620},
                                   {5.30, 20.5, 425, 371, 611},
                                   {4.95, 22.1, 402, 390, 640},
                                   {5.22, 21.7, 418, 383, 605},
                                   {5.05, 20.9, 430, 377, 633}};
    char *csv[5];
    struct boq t, bids[5];
    struct boq_comparison c;
    for (int b = 0; b < 5; b++)
        csv[b] = priced(p[b], 5, NULL);
    compare(&c, &t, bids, csv, 5, NULL);
    assert_int_equal(count_marks(&c, 0xFF), 0);
    assert_int_equal(c.npairs, 0);
    assert_int_equal(c.nextra, 0);
    for (int b = 0; b < 5; b++) {
        assert_int_equal(c.sum[b].matched, 5);
        assert_int_equal(c.sum[b].missing, 0);
        assert_int_equal(c.sum[b].arith, 0);
    }
    assert_true(fabs(c.median[2] - 418) < 1e-9);
    release(&c, &t, bids, csv, 5);
}

static void test_unbalanced_found(void **state)
{
    (void)state;
    /* bidder 3 prices 砖基础 at three times the others, and 垫层 far low:
     * the classic unbalanced bid (不平衡报价) */
    static const double p[5][5] = {{5.10, 21.0, 410, 380, 620},
                                   {5.30, 20.5, 425, 371, 611},
                                   {4.95, 22.1, 1250, 95, 640},
                                   {5.22, 21.7, 418, 383, 605},
                                   {5.05, 20.9, 430, 377, 633}};
    char *csv[5];
    struct boq t, bids[5];
    struct boq_comparison c;
    for (int b = 0; b < 5; b++)
        csv[b] = priced(p[b], 5, NULL);
    compare(&c, &t, bids, csv, 5, NULL);
    assert_int_equal(c.mark[2 * 5 + 2], BOQ_M_HIGH);
    assert_int_equal(c.mark[3 * 5 + 2], BOQ_M_LOW);
    assert_int_equal(count_marks(&c, BOQ_M_HIGH | BOQ_M_LOW), 2);
    assert_int_equal(c.sum[2].unbalanced, 2);
    assert_int_equal(c.sum[0].unbalanced, 0);
    boq_comparison_release(&c);

    /* configurable: a looser z threshold still finds 3x; a relative gap of
     * 300 % lets both go */
    struct boq_config cfg = boq_default_config;
    cfg.rel_min = 3.0;
    const struct boq *ptr[5] = {&bids[0], &bids[1], &bids[2], &bids[3], &bids[4]};
    assert_int_equal(boq_config_check(&cfg), 0);
    assert_int_equal(boq_compare(&c, &t, ptr, 5, &cfg), BOQ_OK);
    assert_int_equal(count_marks(&c, BOQ_M_HIGH | BOQ_M_LOW), 0);
    boq_comparison_release(&c);
    /* too few bids on a line: not judged */
    cfg = boq_default_config;
    cfg.min_bids = 6;
    assert_int_equal(boq_compare(&c, &t, ptr, 5, &cfg), BOQ_OK);
    assert_int_equal(count_marks(&c, BOQ_M_HIGH | BOQ_M_LOW), 0);
    assert_true(isnan(c.median[0]));
    cfg.min_bids = 1;
    assert_int_equal(boq_config_check(&cfg), -1);
    release(&c, &t, bids, csv, 5);
}

static void test_alignment(void **state)
{
    (void)state;
    static const double p[3][5] = {
        {5.10, 21.0, 410, 380, 620}, {5.30, 20.5, 425, 371, 611}, {4.95, 22.1, 402, 390, 640}};
    char *csv[3];
    struct boq t, bids[3];
    struct boq_comparison c;
    csv[0] = priced(p[0], 5, "X99,多出的项,项,1,100,100\n");
    csv[1] = priced(p[1], 4, NULL); /* no 矩形柱 */
    /* bidder 3: 垫层 quantity changed, 矩形柱 unpriced, an arithmetic slip */
    csv[2] = strdup("项目编码,项目名称,计量单位,工程量,综合单价,合价\n"
                    "010101001001,,,1200.5,4.95,5942.48\n"
                    "010101002001,,,350,22.1,7735\n"
                    "010401001001,,,48.2,402,19376.4\n"
                    "010501001001,,,10,390,3900\n"
                    "010502001001,,,30,,\n");
    compare(&c, &t, bids, csv, 3, NULL);
    assert_int_equal(c.sum[0].extra, 1);
    assert_int_equal(c.nextra, 1);
    assert_string_equal(c.extra[0]->code, "X99");
    assert_int_equal(c.extra_bidder[0], 0);
    assert_int_equal(c.sum[1].missing, 1);
    assert_int_equal(c.mark[4 * 3 + 1], BOQ_M_MISSING);
    assert_int_equal(c.sum[2].changed, 1);
    assert_true(c.mark[3 * 3 + 2] & BOQ_M_CHANGED);
    assert_int_equal(c.mark[4 * 3 + 2], BOQ_M_UNPRICED);
    assert_int_equal(c.sum[2].unpriced, 1);
    /* 1200.5 x 4.95 = 5942.475: 5942.48 is rounding, not an error */
    assert_false(c.mark[0 * 3 + 2] & BOQ_M_ARITH);
    /* 350 x 22.1 = 7735: right; 48.2 x 402 = 19376.4: right */
    assert_int_equal(c.sum[2].arith, 0);
    release(&c, &t, bids, csv, 3);

    /* an arithmetic error */
    csv[0] = strdup("项目编码,工程量,综合单价,合价\n010101001001,1200.5,5,6100\n");
    struct boq b;
    read_ok(&t, tender_csv, false);
    read_ok(&b, csv[0], true);
    const struct boq *one[1] = {&b};
    assert_int_equal(boq_compare(&c, &t, one, 1, NULL), BOQ_OK);
    assert_int_equal(c.mark[0], BOQ_M_ARITH);
    assert_int_equal(c.sum[0].arith, 1);
    assert_int_equal(c.sum[0].missing, 4);
    boq_comparison_release(&c);
    boq_release(&b);
    boq_release(&t);
    free(csv[0]);
}

/* n lines of a tender and bids for the identical-column tests */
static char *lines_csv(int n, int bidder, int copy_of, bool priced_sheet)
{
    size_t cap = 64 + (size_t)n * 64;
    char *s = malloc(cap);
    size_t at = (size_t)snprintf(s, cap, "%s\n",
                                 priced_sheet ? "项目编码,工程量,综合单价" : "项目编码,工程量");
    for (int i = 0; i < n; i++) {
        int who =
            copy_of >= 0 && (copy_of != 99 || i % 2 == 0) ? (copy_of == 99 ? 0 : copy_of) : bidder;
        /* every bidder's own price; line 0 is a provisional sum all copy */
        double price = i == 0 ? 50000 : 100 + i + 0.37 * who + 0.011 * i * who;
        if (priced_sheet)
            at += (size_t)snprintf(s + at, cap - at, "L%03d,1,%.2f\n", i, price);
        else
            at += (size_t)snprintf(s + at, cap - at, "L%03d,1\n", i);
    }
    return s;
}

static void test_identical_columns(void **state)
{
    (void)state;
    enum { L = 40, N = 5 };
    struct boq t, bids[N];
    struct boq_comparison c;
    const struct boq *ptr[N];
    char *tc = lines_csv(L, 0, -1, false);
    read_ok(&t, tc, false);
    /* bidder 1 (index 1) is a copy of bidder 0; bidder 3 copies bidder 0's
     * even lines only (half); bidders 2 and 4 are their own */
    int copy[N] = {-1, 0, -1, 99, -1};
    char *csv[N];
    for (int b = 0; b < N; b++) {
        csv[b] = lines_csv(L, b, copy[b], true);
        read_ok(&bids[b], csv[b], true);
        ptr[b] = &bids[b];
    }
    assert_int_equal(boq_compare(&c, &t, ptr, N, NULL), BOQ_OK);
    bool whole01 = false, share03 = false, share13 = false;
    for (size_t p = 0; p < c.npairs; p++) {
        const struct boq_pair *q = &c.pairs[p];
        if (q->a == 0 && q->b == 1)
            whole01 = q->whole_column;
        else if (q->a == 0 && q->b == 3)
            share03 = !q->whole_column && q->same == 19; /* even lines 2..38 */
        else if (q->a == 1 && q->b == 3)
            share13 = !q->whole_column;
        else
            fail_msg("pair %d-%d flagged", q->a, q->b);
    }
    assert_true(whole01);
    assert_true(share03);
    assert_true(share13);
    assert_int_equal(c.npairs, 3);
    /* the provisional sum everyone copies is not informative */
    for (size_t p = 0; p < c.npairs; p++)
        assert_int_equal(c.pairs[p].both, L - 1);
    boq_comparison_release(&c);
    /* a stricter share: the half-copy is no longer flagged */
    struct boq_config cfg = boq_default_config;
    cfg.share_min = 0.6;
    assert_int_equal(boq_compare(&c, &t, ptr, N, &cfg), BOQ_OK);
    assert_int_equal(c.npairs, 1);
    assert_true(c.pairs[0].whole_column);

    /* the JSON and the workbook */
    struct buf out;
    buf_init(&out, 1 << 22);
    const char *names[N] = {"甲公司", "乙公司", "丙公司", "丁公司", "戊公司"};
    assert_int_equal(boq_comparison_json(&c, names, 0, &out), 0);
    assert_non_null(strstr(out.data, "\"whole_column\":true"));
    assert_non_null(strstr(out.data, "\"name\":\"乙公司\""));
    assert_non_null(strstr(out.data, "\"lines_total\":40"));
    buf_reset(&out);
    assert_int_equal(boq_comparison_xlsx(&c, names, &out), SHEET_OK);
    struct sheet sh;
    struct sheet_error se;
    sheet_init(&sh);
    assert_int_equal(sheet_read_xlsx(&sh, out.data, out.len, &boq_sheet_limits, &se), SHEET_OK);
    assert_string_equal(sheet_cell(&sh, 0, 0), "项目编码");
    assert_string_equal(sheet_cell(&sh, 0, 5), "甲公司 单价");
    assert_string_equal(sheet_cell(&sh, 2, 0), "L001");
    assert_string_equal(sheet_cell(&sh, 2, 5), "101");
    assert_string_equal(sheet_cell(&sh, sh.nrows - 1, 0), "单价列完全相同");
    sheet_release(&sh);
    buf_release(&out);
    boq_comparison_release(&c);
    for (int b = 0; b < N; b++) {
        boq_release(&bids[b]);
        free(csv[b]);
    }
    boq_release(&t);
    free(tc);
}

static void test_marks_text(void **state)
{
    char t[64];
    (void)state;
    boq_mark_text(BOQ_M_CHANGED | BOQ_M_HIGH | BOQ_M_ARITH, t, sizeof t);
    assert_string_equal(t, "changed+high+arith");
    boq_mark_text(0, t, sizeof t);
    assert_string_equal(t, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read),
        cmocka_unit_test(test_read_refusals),
        cmocka_unit_test(test_clean_not_flagged),
        cmocka_unit_test(test_unbalanced_found),
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_identical_columns),
        cmocka_unit_test(test_marks_text),
    };
    return cmocka_run_group_tests_name("boq", tests, NULL, NULL);
}
