/*
 * Unit tests for the pure parts of domain/credit.c and domain/clarify.c:
 * the kinds (English and Chinese names), an import sheet read into rows
 * (columns in any order, Chinese headers, USCC normalised, dates as
 * Beijing days, an empty expiry) and its refusals with row and field (a
 * bad kind, date, expiry before the date, USCC, a missing column, an
 * empty sheet), and the bytes a clarification answer signs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "domain/clarify.h"
#include "domain/credit.h"

static void test_kinds(void **state)
{
    (void)state;
    assert_string_equal(credit_kind_parse("penalty"), "penalty");
    assert_string_equal(credit_kind_parse("行政处罚"), "penalty");
    assert_string_equal(credit_kind_parse("不良行為"), "bad");
    assert_string_equal(credit_kind_parse("良好行为"), "good");
    assert_string_equal(credit_kind_parse("失信被执行人"), "dishonest");
    assert_string_equal(credit_kind_parse("其他"), "other");
    assert_null(credit_kind_parse("优秀"));
    assert_null(credit_kind_parse(""));
    assert_null(credit_kind_parse(NULL));
}

static void test_rows(void **state)
{
    struct credit_rows rows;
    struct credit_refusal why;
    (void)state;
    const char *csv = "内容,类别,统一社会信用代码,单位名称,来源,日期,有效期至\n"
                      "违规分包,不良行为,91350000158143215n,海峡建工,住建局,2025-06-01,\n"
                      "处罚,penalty,91350100MA31PQ7K2T,闽江路桥,信用中国,2024-01-01,2025-01-01\n";
    assert_int_equal(credit_rows_read(&rows, csv, strlen(csv), &why), ERR_OK);
    assert_int_equal(rows.n, 2);
    assert_string_equal(rows.rows[0].org_uscc, "91350000158143215N");
    assert_string_equal(rows.rows[0].kind, "bad");
    assert_string_equal(rows.rows[0].body, "违规分包");
    assert_null(rows.rows[0].ref);
    /* 2025-06-01 00:00 Beijing = 2025-05-31T16:00Z */
    assert_int_equal(rows.rows[0].record_ms, 1748707200000LL);
    assert_int_equal(rows.rows[0].expires_ms, 0);
    assert_int_equal(rows.rows[1].expires_ms - rows.rows[1].record_ms, 366LL * 86400000);
    credit_rows_release(&rows);
}

static void refused(const char *csv, enum err want, int64_t row, const char *field)
{
    struct credit_rows rows;
    struct credit_refusal why;
    enum err e = credit_rows_read(&rows, csv, strlen(csv), &why);
    credit_rows_release(&rows);
    if (e != want)
        fail_msg("got %s, want %s (%s)", err_code(e), err_code(want), why.detail);
    assert_int_equal(why.row, row);
    if (field == NULL)
        assert_null(why.field);
    else
        assert_string_equal(why.field, field);
}

static void test_refusals(void **state)
{
    (void)state;
    const char *h = "org_uscc,org_name,source,kind,date,expires,text\n";
    char csv[1024];
    snprintf(csv, sizeof csv, "%s91350000158143215N,a,b,优秀,2025-01-01,,c\n", h);
    refused(csv, ERR_IMPORT_ROW_INVALID, 2, "kind");
    snprintf(csv, sizeof csv,
             "%s91350000158143215N,a,b,bad,2025-01-01,,c\n"
             "91350000158143215N,a,b,bad,2025-02-30,,c\n",
             h);
    refused(csv, ERR_IMPORT_ROW_INVALID, 3, "date");
    snprintf(csv, sizeof csv, "%s91350000158143215N,a,b,bad,2025-01-01,2024-12-31,c\n", h);
    refused(csv, ERR_IMPORT_ROW_INVALID, 2, "expires");
    snprintf(csv, sizeof csv, "%s91350000158143215X,a,b,bad,2025-01-01,,c\n", h);
    refused(csv, ERR_IMPORT_ROW_INVALID, 2, "org_uscc");
    snprintf(csv, sizeof csv, "%s91350000158143215N,a,b,bad,2025-01-01,,\n", h);
    refused(csv, ERR_IMPORT_ROW_INVALID, 2, "text");
    refused("org_uscc,org_name,source,kind,date\n91350000158143215N,a,b,bad,2025-01-01\n",
            ERR_SPREADSHEET_INVALID, 0, "text");
    refused(h, ERR_SPREADSHEET_INVALID, 0, NULL);
    refused("", ERR_SPREADSHEET_INVALID, 0, NULL);
}

static void test_clarify_message(void **state)
{
    struct buf b;
    (void)state;
    buf_init(&b, 4096);
    assert_int_equal(clarify_message(7, 12, "abc", "答复", &b), 0);
    /* SHA-256("abc") */
    assert_string_equal(b.data, "sunbid-clarify-v1\n7\n12\n"
                                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
                                "答复");
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_clarify_message),
    };
    return cmocka_run_group_tests_name("credit", tests, NULL, NULL);
}
