/*
 * Unit tests for src/sheet/: the CSV reader (quoting, line breaks, BOM,
 * GB 18030, blank rows, every malformed shape and every limit), the CSV
 * writer (quoting and the formula guard, read back), the XLSX writer read
 * back by the XLSX reader, and hand-made workbooks (built here with libzip)
 * with inline strings, prefixed and strict namespaces, rich text and
 * phonetic runs, relative and absolute targets, gaps between cells, and the
 * hostile ones: a DOCTYPE, a part over the size limit, a damaged zip, a
 * missing part, a shared string index out of range.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "sheet/sheet.h"

static void read_ok(struct sheet *s, const char *data, size_t len)
{
    struct sheet_error err;
    sheet_init(s);
    int rc = sheet_read(s, data, len, NULL, &err);
    if (rc != SHEET_OK)
        fail_msg("read failed (%d) at row %zu: %s", rc, err.row, err.msg);
}

static int read_bad(const char *data, size_t len, const struct sheet_limits *lim,
                    struct sheet_error *err)
{
    struct sheet s;
    sheet_init(&s);
    int rc = sheet_read(&s, data, len, lim, err);
    assert_int_equal(s.nrows, 0); /* released on failure */
    sheet_release(&s);
    return rc;
}

static void test_csv_basic(void **state)
{
    (void)state;
    struct sheet s;
    const char *csv = "\xEF\xBB\xBF"
                      "code,name,note\r\n"
                      "E001,李明远,\"a, b\"\r\n"
                      "\r\n"
                      "E002,\"王\"\"建华\"\"\",\"two\nlines\"\n"
                      ",,\n"
                      "E003,last,";
    read_ok(&s, csv, strlen(csv));
    assert_int_equal(s.nrows, 4);
    assert_string_equal(sheet_cell(&s, 0, 0), "code");
    assert_string_equal(sheet_cell(&s, 1, 1), "李明远");
    assert_string_equal(sheet_cell(&s, 1, 2), "a, b");
    assert_int_equal(s.rows[1].line, 2);
    assert_string_equal(sheet_cell(&s, 2, 1), "王\"建华\"");
    assert_string_equal(sheet_cell(&s, 2, 2), "two\nlines");
    assert_int_equal(s.rows[2].line, 4);
    assert_string_equal(sheet_cell(&s, 3, 0), "E003");
    assert_int_equal(s.rows[3].line, 7);
    assert_int_equal(s.rows[3].ncells, 3);
    assert_string_equal(sheet_cell(&s, 3, 2), "");
    assert_string_equal(sheet_cell(&s, 3, 9), ""); /* past the row */
    assert_string_equal(sheet_cell(&s, 9, 0), ""); /* past the sheet */
    assert_true(s.utf8_input);
    sheet_release(&s);
}

static void test_csv_gb18030(void **state)
{
    (void)state;
    struct sheet s;
    /* "编号,姓名\r\nE1,李明\r\n" in GB 18030 */
    const char gb[] = "\xB1\xE0\xBA\xC5,\xD0\xD5\xC3\xFB\r\nE1,\xC0\xEE\xC3\xF7\r\n";
    read_ok(&s, gb, sizeof gb - 1);
    assert_false(s.utf8_input);
    assert_int_equal(s.nrows, 2);
    assert_string_equal(sheet_cell(&s, 0, 0), "编号");
    assert_string_equal(sheet_cell(&s, 1, 1), "李明");
    sheet_release(&s);
}

static void test_csv_malformed(void **state)
{
    (void)state;
    struct sheet_error err;
    const char *unclosed = "a,b\n\"open,c\n";
    assert_int_equal(read_bad(unclosed, strlen(unclosed), NULL, &err), SHEET_EINPUT);
    assert_int_equal(err.row, 2);
    assert_non_null(strstr(err.msg, "not closed"));
    const char *after = "a,\"b\"x,c\n";
    assert_int_equal(read_bad(after, strlen(after), NULL, &err), SHEET_EINPUT);
    assert_non_null(strstr(err.msg, "after a closing quote"));
    const char *inner = "a,b\"c\n";
    assert_int_equal(read_bad(inner, strlen(inner), NULL, &err), SHEET_EINPUT);
    assert_non_null(strstr(err.msg, "quote inside"));
    const char nul[] = "a,b\0c\n";
    assert_int_equal(read_bad(nul, sizeof nul - 1, NULL, &err), SHEET_EINPUT);
    /* neither UTF-8 nor GB 18030: 0xFF is never valid */
    const char junk[] = "a,\xFF\xFF\xFF\n";
    assert_int_equal(read_bad(junk, sizeof junk - 1, NULL, &err), SHEET_EINPUT);
    assert_non_null(strstr(err.msg, "GB 18030"));
}

static void test_csv_limits(void **state)
{
    (void)state;
    struct sheet_error err;
    struct sheet_limits lim = sheet_default_limits;
    lim.max_rows = 2;
    const char *three = "a\nb\nc\n";
    assert_int_equal(read_bad(three, strlen(three), &lim, &err), SHEET_ETOOBIG);
    assert_int_equal(err.row, 3);
    lim = sheet_default_limits;
    lim.max_cols = 3;
    const char *wide = "a,b,c,d\n";
    assert_int_equal(read_bad(wide, strlen(wide), &lim, &err), SHEET_ETOOBIG);
    lim = sheet_default_limits;
    lim.max_cell = 4;
    const char *longq = "\"abcde\"\n";
    assert_int_equal(read_bad(longq, strlen(longq), &lim, &err), SHEET_ETOOBIG);
    const char *longu = "abcde\n";
    assert_int_equal(read_bad(longu, strlen(longu), &lim, &err), SHEET_ETOOBIG);
    const char *fits = "abcd,\"wxyz\"\n";
    struct sheet s;
    sheet_init(&s);
    assert_int_equal(sheet_read_csv(&s, fits, strlen(fits), &lim, &err), SHEET_OK);
    sheet_release(&s);
    lim = sheet_default_limits;
    lim.max_bytes = 8;
    const char *many = "abcd,efgh\nijkl\n";
    assert_int_equal(read_bad(many, strlen(many), &lim, &err), SHEET_ETOOBIG);
}

static void test_csv_write(void **state)
{
    (void)state;
    struct buf b;
    struct sheet s;
    const char *row1[] = {"plain", "a,b", "say \"hi\"", "=SUM(A1)", NULL, " pad", "-5", "'=x"};
    buf_init(&b, 4096);
    assert_int_equal(sheet_csv_row(&b, row1, 8), BUF_OK);
    assert_string_equal(b.data,
                        "plain,\"a,b\",\"say \"\"hi\"\"\",\"'=SUM(A1)\",,\" pad\",\"'-5\",'=x\r\n");
    read_ok(&s, b.data, b.len);
    assert_string_equal(sheet_unguard(sheet_cell(&s, 0, 3)), "=SUM(A1)");
    assert_string_equal(sheet_unguard(sheet_cell(&s, 0, 6)), "-5");
    assert_string_equal(sheet_unguard(sheet_cell(&s, 0, 0)), "plain");
    assert_string_equal(sheet_cell(&s, 0, 2), "say \"hi\"");
    sheet_release(&s);
    /* all or nothing past the buffer's maximum */
    struct buf small;
    buf_init(&small, 8);
    assert_int_equal(sheet_csv_row(&small, row1, 8), BUF_TOOBIG);
    assert_int_equal(small.len, 0);
    buf_release(&small);
    buf_release(&b);
}

static void test_xlsx_roundtrip(void **state)
{
    (void)state;
    struct buf out;
    struct sheet s;
    struct sheet_xlsx *x = sheet_xlsx_new("专家");
    const char *h[] = {"code", "name", "specialties"};
    const char *r1[] = {"E001", "李明远", "A01.02;C01.03"};
    const char *r2[] = {"E002", NULL, "B03"}; /* a gap */
    assert_non_null(x);
    assert_int_equal(sheet_xlsx_row(x, 0, h, 3), 0);
    assert_int_equal(sheet_xlsx_row(x, 1, r1, 3), 0);
    assert_int_equal(sheet_xlsx_row(x, 3, r2, 3), 0); /* row 3 blank */
    buf_init(&out, 1 << 20);
    assert_int_equal(sheet_xlsx_finish(x, &out), SHEET_OK);
    assert_true(sheet_is_zip(out.data, out.len));
    read_ok(&s, out.data, out.len);
    assert_int_equal(s.nrows, 3);
    assert_string_equal(sheet_cell(&s, 1, 1), "李明远");
    assert_string_equal(sheet_cell(&s, 1, 2), "A01.02;C01.03");
    assert_int_equal(s.rows[2].line, 4);
    assert_string_equal(sheet_cell(&s, 2, 0), "E002");
    assert_string_equal(sheet_cell(&s, 2, 1), "");
    assert_string_equal(sheet_cell(&s, 2, 2), "B03");
    sheet_release(&s);
    buf_release(&out);
    sheet_xlsx_free(NULL);
}

/* ---- hand-made workbooks ---- */

struct part {
    const char *name;
    const char *xml;
};

static const char rels_root[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
    "Target=\"book/wb.xml\"/></Relationships>";

static const char wb_xml[] =
    "<x:workbook xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<x:sheets><x:sheet name=\"A\" sheetId=\"1\" r:id=\"rId7\"/>"
    "<x:sheet name=\"B\" sheetId=\"2\" r:id=\"rId8\"/></x:sheets></x:workbook>";

static const char wb_rels[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId8\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"sheets/second.xml\"/>"
    "<Relationship Id=\"rId7\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"./sheets/../sheets/first.xml\"/>"
    "<Relationship Id=\"rId9\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" "
    "Target=\"/book/strings.xml\"/></Relationships>";

static const char sst_xml[] =
    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<si><t>code</t></si>"
    "<si><r><t>rich </t></r><r><rPr><b/></rPr><t>text</t></r>"
    "<rPh sb=\"0\" eb=\"1\"><t>PHONETIC</t></rPh></si>"
    "<si><t xml:space=\"preserve\"> spaced </t></si></sst>";

static const char sheet_first[] =
    "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<x:sheetData>"
    "<x:row r=\"1\"><x:c r=\"A1\" t=\"s\"><x:v>0</x:v></x:c><x:c r=\"C1\" t=\"s\"><x:v>1</x:v>"
    "</x:c></x:row>"
    "<x:row r=\"3\"><x:c r=\"A3\" t=\"inlineStr\"><x:is><x:t>内联</x:t></x:is></x:c>"
    "<x:c r=\"B3\"><x:v>42</x:v></x:c><x:c r=\"C3\" t=\"b\"><x:v>1</x:v></x:c>"
    "<x:c r=\"D3\" t=\"str\"><x:f>A3</x:f><x:v>内联</x:v></x:c><x:c r=\"E3\" t=\"s\"><x:v>2</x:v>"
    "</x:c><x:c r=\"F3\" s=\"1\"/></x:row>"
    "<x:row r=\"4\"><x:c r=\"A4\"/></x:row>"
    "</x:sheetData></x:worksheet>";

static const char sheet_second[] = "<worksheet><sheetData><row><c><v>WRONG</v></c></row>"
                                   "</sheetData></worksheet>";

/* A zip of the parts into out. */
static void make_zip(const struct part *parts, int n, struct buf *out)
{
    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &zerr);
    assert_non_null(src);
    zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &zerr);
    assert_non_null(z);
    zip_source_keep(src);
    for (int i = 0; i < n; i++) {
        zip_source_t *ps = zip_source_buffer(z, parts[i].xml, strlen(parts[i].xml), 0);
        assert_non_null(ps);
        assert_true(zip_file_add(z, parts[i].name, ps, ZIP_FL_ENC_UTF_8) >= 0);
    }
    assert_int_equal(zip_close(z), 0);
    zip_stat_t st;
    assert_int_equal(zip_source_stat(src, &st), 0);
    assert_int_equal(zip_source_open(src), 0);
    char *data = malloc(st.size);
    assert_true(zip_source_read(src, data, st.size) == (zip_int64_t)st.size);
    zip_source_close(src);
    zip_source_free(src);
    buf_init(out, 1 << 22);
    assert_int_equal(buf_append(out, data, st.size), BUF_OK);
    free(data);
}

static void test_xlsx_handmade(void **state)
{
    (void)state;
    struct buf z;
    struct sheet s;
    const struct part parts[] = {
        {"_rels/.rels", rels_root},
        {"book/wb.xml", wb_xml},
        {"book/_rels/wb.xml.rels", wb_rels},
        {"book/strings.xml", sst_xml},
        {"book/sheets/first.xml", sheet_first},
        {"book/sheets/second.xml", sheet_second},
    };
    make_zip(parts, 6, &z);
    read_ok(&s, z.data, z.len);
    assert_int_equal(s.nrows, 2); /* row 4 is blank */
    assert_int_equal(s.rows[0].line, 1);
    assert_string_equal(sheet_cell(&s, 0, 0), "code");
    assert_string_equal(sheet_cell(&s, 0, 1), "");
    assert_string_equal(sheet_cell(&s, 0, 2), "rich text");
    assert_int_equal(s.rows[1].line, 3);
    assert_string_equal(sheet_cell(&s, 1, 0), "内联");
    assert_string_equal(sheet_cell(&s, 1, 1), "42");
    assert_string_equal(sheet_cell(&s, 1, 2), "TRUE");
    assert_string_equal(sheet_cell(&s, 1, 3), "内联");
    assert_string_equal(sheet_cell(&s, 1, 4), " spaced ");
    assert_string_equal(sheet_cell(&s, 1, 5), "");
    sheet_release(&s);
    buf_release(&z);
}

static void expect_bad(const struct part *parts, int n, const struct sheet_limits *lim, int want,
                       const char *msg_part)
{
    struct buf z;
    struct sheet_error err;
    make_zip(parts, n, &z);
    int rc = read_bad(z.data, z.len, lim, &err);
    if (rc != want || strstr(err.msg, msg_part) == NULL)
        fail_msg("got %d '%s', want %d '%s'", rc, err.msg, want, msg_part);
    buf_release(&z);
}

static void test_xlsx_hostile(void **state)
{
    (void)state;
    struct sheet_error err;
    struct part p[] = {
        {"_rels/.rels", rels_root},
        {"book/wb.xml", wb_xml},
        {"book/_rels/wb.xml.rels", wb_rels},
        {"book/strings.xml", sst_xml},
        {"book/sheets/first.xml", sheet_first},
    };
    /* a DOCTYPE with an entity (billion laughs would start here) */
    p[4].xml = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]>"
               "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>&a;</t></is></c></row>"
               "</sheetData></worksheet>";
    expect_bad(p, 5, NULL, SHEET_EINPUT, "DOCTYPE");
    /* a part past the size limit: refused before it is inflated */
    p[4].xml = sheet_first;
    struct sheet_limits lim = sheet_default_limits;
    lim.max_part = 200;
    expect_bad(p, 5, &lim, SHEET_ETOOBIG, "larger than");
    /* a shared string index out of range */
    p[4].xml = "<worksheet><sheetData><row><c t=\"s\"><v>99</v></c></row></sheetData></worksheet>";
    expect_bad(p, 5, NULL, SHEET_EINPUT, "out of range");
    /* cells out of order */
    p[4].xml = "<worksheet><sheetData><row r=\"1\"><c r=\"B1\"><v>1</v></c><c r=\"A1\"><v>2</v>"
               "</c></row></sheetData></worksheet>";
    expect_bad(p, 5, NULL, SHEET_EINPUT, "out of order");
    /* rows out of order */
    p[4].xml = "<worksheet><sheetData><row r=\"2\"/><row r=\"1\"/></sheetData></worksheet>";
    expect_bad(p, 5, NULL, SHEET_EINPUT, "out of order");
    /* not well-formed */
    p[4].xml = "<worksheet><sheetData><row></sheetData>";
    expect_bad(p, 5, NULL, SHEET_EINPUT, "well-formed");
    /* the sheet part missing */
    expect_bad(p, 4, NULL, SHEET_EINPUT, "no part");
    /* too many columns */
    p[4].xml = "<worksheet><sheetData><row><c r=\"ZZ1\"><v>1</v></c></row></sheetData></worksheet>";
    expect_bad(p, 5, NULL, SHEET_ETOOBIG, "columns");
    /* not a zip at all, but starting like one */
    const char fake[] = "PK\x03\x04garbage that is not a zip archive";
    assert_int_equal(read_bad(fake, sizeof fake - 1, NULL, &err), SHEET_EINPUT);
    assert_non_null(strstr(err.msg, "not an XLSX"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_basic),     cmocka_unit_test(test_csv_gb18030),
        cmocka_unit_test(test_csv_malformed), cmocka_unit_test(test_csv_limits),
        cmocka_unit_test(test_csv_write),     cmocka_unit_test(test_xlsx_roundtrip),
        cmocka_unit_test(test_xlsx_handmade), cmocka_unit_test(test_xlsx_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
