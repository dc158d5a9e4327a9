/*
 * Unit tests for bid document similarity: text extraction (analytics/
 * doctext.h) from plain text in its encodings, DOCX and PDF, with their
 * metadata and their refusals; normalisation; and the analysis
 * (analytics/similarity.h): copied passages found across a DOCX and the PDF
 * of the same text, the template ignored, a shared rare typo weighing more
 * than a phrase every bid uses, LSH finding a copied passage inside long
 * documents, boilerplate buckets, lots, metadata equality, determinism.
 *
 * The fixtures are made here: DOCX files with libzip from XML written by
 * hand, PDFs with libhpdf (Helvetica, Latin text), texts from a seeded
 * generator of pseudo-words, so no two unrelated texts share a passage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hpdf.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "analytics/doctext.h"
#include "analytics/similarity.h"

/* ---- text generator ----------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

/* About n bytes of sentences of pseudo-words; a new heap string. */
static char *gen_text(uint64_t seed, size_t n)
{
    static const char *const syl[] = {"ka", "lo", "mi",  "ne",   "ru",   "ta",  "po",  "si",
                                      "de", "fu", "ga",  "hi",   "jo",   "ke",  "lu",  "ma",
                                      "no", "pe", "qui", "ra",   "so",   "tu",  "va",  "we",
                                      "xi", "yo", "ze",  "bran", "stel", "mor", "vin", "dal"};
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 12345;
    char *s = malloc(n + 64);
    assert_non_null(s);
    size_t len = 0;
    int words = 0;
    while (len < n) {
        int nsyl = 2 + (int)(rnd() % 3);
        for (int i = 0; i < nsyl; i++) {
            const char *y = syl[rnd() % (sizeof syl / sizeof syl[0])];
            size_t l = strlen(y);
            memcpy(s + len, y, l);
            if (words == 0 && i == 0)
                s[len] = (char)(s[len] - 32);
            len += l;
        }
        words++;
        if (words >= 8 + (int)(rnd() % 8)) {
            s[len++] = '.';
            words = 0;
        }
        s[len++] = ' ';
    }
    s[len - 1] = '.';
    s[len] = '\0';
    return s;
}

static char *cat(const char *const *parts, size_t n, const char *sep)
{
    size_t total = 1;
    for (size_t i = 0; i < n; i++)
        total += strlen(parts[i]) + strlen(sep);
    char *s = malloc(total);
    assert_non_null(s);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(parts[i]);
        memcpy(s + k, parts[i], l);
        k += l;
        if (i + 1 < n) {
            memcpy(s + k, sep, strlen(sep));
            k += strlen(sep);
        }
    }
    s[k] = '\0';
    return s;
}

/* s without ASCII whitespace (what the comparison sees of Latin text). */
static char *squeeze(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    assert_non_null(d);
    size_t k = 0;
    for (; *s; s++)
        if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
            d[k++] = *s >= 'A' && *s <= 'Z' ? (char)(*s + 32) : *s;
    d[k] = '\0';
    return d;
}

/* ---- files -------------------------------------------------------------- */

static void tmp_path(char *path, size_t n, const char *name)
{
    const char *t = getenv("SUNBID_TEST_TMP");
    mkdir(t ? t : "/tmp", 0755);
    snprintf(path, n, "%s/similarity-%d-%s", t ? t : "/tmp", (int)getpid(), name);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *d = malloc((size_t)n + 1);
    assert_non_null(d);
    assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return d;
}

struct docx_spec {
    const char *const *paras;
    size_t npara;
    const char *title, *creator, *last_mod, *company, *app, *app_ver, *tmpl;
    const char *created, *modified; /* W3CDTF */
    const char *build;              /* KSOProductBuildVer */
    const char *rsid_root;
    const char *const *rsids;
    size_t nrsids;
    const char *document_xml; /* replaces the generated word/document.xml */
    bool no_document;
};

static void xml_escaped(struct buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            buf_puts(b, "&amp;");
        else if (*s == '<')
            buf_puts(b, "&lt;");
        else if (*s == '>')
            buf_puts(b, "&gt;");
        else
            buf_putc(b, *s);
    }
}

static void zadd(zip_t *za, const char *name, struct buf *b)
{
    char *data = buf_detach(b, NULL);
    size_t len = strlen(data);
    zip_source_t *src = zip_source_buffer(za, data, len, 1);
    assert_non_null(src);
    assert_true(zip_file_add(za, name, src, ZIP_FL_OVERWRITE) >= 0);
}

#define NS_W "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

/* A DOCX as Word lays it out; returns its bytes. */
static unsigned char *make_docx(const struct docx_spec *sp, size_t *len)
{
    char path[512];
    static int seq;
    char name[32];
    snprintf(name, sizeof name, "f%d.docx", seq++);
    tmp_path(path, sizeof path, name);
    int ze;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    assert_non_null(za);
    struct buf b;
    buf_init(&b, 1 << 26);
    buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas."
                 "openxmlformats.org/package/2006/content-types\"/>");
    zadd(za, "[Content_Types].xml", &b);
    if (!sp->no_document) {
        buf_init(&b, 1 << 26);
        if (sp->document_xml != NULL) {
            buf_puts(&b, sp->document_xml);
        } else {
            buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
                         "<w:document xmlns:w=\"" NS_W "\"><w:body>");
            for (size_t i = 0; i < sp->npara; i++) {
                /* Two runs per paragraph, split at a space, as Word does. */
                const char *p = sp->paras[i];
                const char *mid = strchr(p + strlen(p) / 2, ' ');
                size_t cut = mid != NULL ? (size_t)(mid - p) : strlen(p);
                char *first = strndup(p, cut);
                buf_puts(&b, "<w:p w:rsidR=\"00A1B2C3\"><w:r><w:t xml:space=\"preserve\">");
                xml_escaped(&b, first);
                buf_puts(&b, "</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">");
                xml_escaped(&b, p + cut);
                buf_puts(&b, "</w:t></w:r></w:p>");
                free(first);
            }
            buf_puts(&b, "</w:body></w:document>");
        }
        zadd(za, "word/document.xml", &b);
    }
    buf_init(&b, 1 << 20);
    buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><cp:coreProperties xmlns:cp=\""
                 "http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
                 "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/"
                 "dc/terms/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">");
    if (sp->title)
        buf_printf(&b, "<dc:title>%s</dc:title>", sp->title);
    if (sp->creator)
        buf_printf(&b, "<dc:creator>%s</dc:creator>", sp->creator);
    if (sp->last_mod)
        buf_printf(&b, "<cp:lastModifiedBy>%s</cp:lastModifiedBy>", sp->last_mod);
    if (sp->created)
        buf_printf(&b, "<dcterms:created xsi:type=\"dcterms:W3CDTF\">%s</dcterms:created>",
                   sp->created);
    if (sp->modified)
        buf_printf(&b, "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">%s</dcterms:modified>",
                   sp->modified);
    buf_puts(&b, "</cp:coreProperties>");
    zadd(za, "docProps/core.xml", &b);
    buf_init(&b, 1 << 20);
    buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Properties xmlns=\"http://schemas."
                 "openxmlformats.org/officeDocument/2006/extended-properties\">");
    if (sp->tmpl)
        buf_printf(&b, "<Template>%s</Template>", sp->tmpl);
    if (sp->app)
        buf_printf(&b, "<Application>%s</Application>", sp->app);
    if (sp->company)
        buf_printf(&b, "<Company>%s</Company>", sp->company);
    if (sp->app_ver)
        buf_printf(&b, "<AppVersion>%s</AppVersion>", sp->app_ver);
    buf_puts(&b, "</Properties>");
    zadd(za, "docProps/app.xml", &b);
    if (sp->build) {
        buf_init(&b, 1 << 20);
        buf_printf(&b,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Properties xmlns=\"http://schemas."
                   "openxmlformats.org/officeDocument/2006/custom-properties\" xmlns:vt=\"http://"
                   "schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\"><property "
                   "fmtid=\"{D5CDD505-2E9C-101B-9397-08002B2CF9AE}\" pid=\"2\" name=\"KSOProduct"
                   "BuildVer\"><vt:lpwstr>%s</vt:lpwstr></property></Properties>",
                   sp->build);
        zadd(za, "docProps/custom.xml", &b);
    }
    if (sp->rsid_root || sp->nrsids) {
        buf_init(&b, 1 << 20);
        buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:settings xmlns:w=\"" NS_W
                     "\"><w:rsids>");
        if (sp->rsid_root)
            buf_printf(&b, "<w:rsidRoot w:val=\"%s\"/>", sp->rsid_root);
        for (size_t i = 0; i < sp->nrsids; i++)
            buf_printf(&b, "<w:rsid w:val=\"%s\"/>", sp->rsids[i]);
        buf_puts(&b, "</w:rsids></w:settings>");
        zadd(za, "word/settings.xml", &b);
    }
    assert_int_equal(zip_close(za), 0);
    unsigned char *d = slurp(path, len);
    unlink(path);
    return d;
}

static void hpdf_error(HPDF_STATUS e, HPDF_STATUS detail, void *ud)
{
    (void)ud;
    fail_msg("libhpdf error %04X detail %u", (unsigned)e, (unsigned)detail);
}

/* A PDF of the paragraphs, wrapped at 90 columns, Helvetica 10 pt. */
static unsigned char *make_pdf(const char *const *paras, size_t n, const char *author,
                               const char *creator, const HPDF_Date *created,
                               const char *user_password, size_t *len)
{
    char path[512];
    static int seq;
    char name[32];
    snprintf(name, sizeof name, "f%d.pdf", seq++);
    tmp_path(path, sizeof path, name);
    HPDF_Doc pdf = HPDF_New(hpdf_error, NULL);
    assert_non_null(pdf);
    HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
    HPDF_Font font = HPDF_GetFont(pdf, "Helvetica", NULL);
    if (author)
        HPDF_SetInfoAttr(pdf, HPDF_INFO_AUTHOR, author);
    if (creator)
        HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, creator);
    if (created)
        HPDF_SetInfoDateAttr(pdf, HPDF_INFO_CREATION_DATE, *created);
    HPDF_Page page = NULL;
    float y = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = paras[i];
        while (*p) {
            size_t l = strlen(p);
            if (l > 90) {
                l = 90;
                while (l > 0 && p[l] != ' ')
                    l--;
                if (l == 0)
                    l = 90;
            }
            if (page == NULL || y < 60) {
                page = HPDF_AddPage(pdf);
                HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
                y = HPDF_Page_GetHeight(page) - 60;
            }
            char line[128];
            memcpy(line, p, l);
            line[l] = '\0';
            HPDF_Page_BeginText(page);
            HPDF_Page_SetFontAndSize(page, font, 10);
            HPDF_Page_TextOut(page, 50, y, line);
            HPDF_Page_EndText(page);
            y -= 13;
            p += l;
            while (*p == ' ')
                p++;
        }
        y -= 8;
    }
    if (user_password != NULL) {
        HPDF_SetPassword(pdf, "owner-secret", user_password);
        HPDF_SetEncryptionMode(pdf, HPDF_ENCRYPT_R3, 16);
    }
    assert_int_equal(HPDF_SaveToFile(pdf, path), HPDF_OK);
    HPDF_Free(pdf);
    unsigned char *d = slurp(path, len);
    unlink(path);
    return d;
}

/* ---- running the analysis ---------------------------------------------- */

struct corpus {
    const char **text;
    size_t n;
};

/* A read-only view of owned texts. */
static const char **view(char **texts, size_t n)
{
    const char **v = malloc(n * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = texts[i];
    return v;
}

static int load_text(void *ud, size_t i, const char **text, size_t *len)
{
    const struct corpus *c = ud;
    if (c->text[i] == NULL)
        return -1;
    *text = c->text[i];
    *len = strlen(c->text[i]);
    return 0;
}

static const struct sim_pair *find_pair(const struct sim_result *r, uint32_t a, uint32_t b)
{
    for (size_t i = 0; i < r->npairs; i++)
        if (r->pairs[i].a == a && r->pairs[i].b == b)
            return &r->pairs[i];
    return NULL;
}

static json_t *report(struct sim *s, const struct sim_doc *docs, const struct sim_result *r)
{
    struct buf b;
    buf_init(&b, 1 << 28);
    assert_int_equal(sim_write_json(s, docs, r, &b), SIM_OK);
    json_error_t e;
    json_t *j = json_loads(b.data, 0, &e);
    if (j == NULL)
        fail_msg("report is not JSON: %s", e.text);
    buf_release(&b);
    return j;
}

/* ---- extraction --------------------------------------------------------- */

static void test_sniff(void **state)
{
    (void)state;
    assert_int_equal(doctext_sniff("%PDF-1.7\n", 9), DOCTEXT_PDF);
    assert_int_equal(doctext_sniff("\r\n junk %PDF-1.4", 17), DOCTEXT_PDF);
    assert_int_equal(doctext_sniff("PK\x03\x04rest", 8), DOCTEXT_DOCX);
    assert_int_equal(doctext_sniff("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1....", 12), DOCTEXT_OTHER);
    assert_int_equal(doctext_sniff("{\\rtf1\\ansi", 11), DOCTEXT_OTHER);
    assert_int_equal(doctext_sniff("hello", 5), DOCTEXT_TXT);
    struct doctext d;
    assert_int_equal(doctext_extract("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1....", 12, DOCTEXT_AUTO, &d),
                     DOCTEXT_UNSUPPORTED);
    assert_string_equal(doctext_err_code(DOCTEXT_UNSUPPORTED), "unsupported_format");
    doctext_release(&d);
}

static void test_txt_encodings(void **state)
{
    (void)state;
    struct doctext d;
    /* UTF-8 with a BOM. */
    assert_int_equal(
        doctext_extract("\xEF\xBB\xBF\xE6\x8A\x95\xE6\xA0\x87 ok", 12, DOCTEXT_TXT, &d),
        DOCTEXT_OK);
    assert_string_equal(d.text, "投标 ok");
    doctext_release(&d);
    /* UTF-16LE with a BOM: "投标" = U+6295 U+6807. */
    assert_int_equal(doctext_extract("\xFF\xFE\x95\x62\x07\x68", 6, DOCTEXT_TXT, &d), DOCTEXT_OK);
    assert_string_equal(d.text, "投标");
    doctext_release(&d);
    /* GBK, as a Chinese Windows editor saves it: 投标 = CD B6 B1 EA. */
    assert_int_equal(doctext_extract("\xCD\xB6\xB1\xEA", 4, DOCTEXT_AUTO, &d), DOCTEXT_OK);
    assert_int_equal(d.format, DOCTEXT_TXT);
    assert_string_equal(d.text, "投标");
    doctext_release(&d);
    /* A NUL becomes a space, so the text is also a C string. */
    assert_int_equal(doctext_extract("a\0b", 3, DOCTEXT_TXT, &d), DOCTEXT_OK);
    assert_int_equal(d.len, 3);
    assert_string_equal(d.text, "a b");
    doctext_release(&d);
    /* Neither UTF-8 nor GB18030. */
    assert_int_equal(doctext_extract("ab\xFF\xFF\xFF", 5, DOCTEXT_TXT, &d), DOCTEXT_BAD_ENCODING);
    assert_string_equal(doctext_err_code(DOCTEXT_BAD_ENCODING), "bad_text_encoding");
    doctext_release(&d);
    /* Empty text is text. */
    assert_int_equal(doctext_extract("", 0, DOCTEXT_AUTO, &d), DOCTEXT_OK);
    assert_string_equal(d.text, "");
    doctext_release(&d);
}

static void test_w3cdtf(void **state)
{
    (void)state;
    assert_int_equal(doctext_parse_w3cdtf("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(doctext_parse_w3cdtf("2024-03-01T08:30:00Z"), 1709281800);
    assert_int_equal(doctext_parse_w3cdtf("2024-03-01T16:30:00+08:00"), 1709281800);
    assert_int_equal(doctext_parse_w3cdtf("2024-03-01T08:30:00.123Z"), 1709281800);
    assert_int_equal(doctext_parse_w3cdtf("2024-03-01"), 1709251200);
    assert_int_equal(doctext_parse_w3cdtf(" 2000-02-29T12:00Z "), 951825600);
    assert_true(doctext_parse_w3cdtf("2024-13-01") == DOCTEXT_NO_TIME);
    assert_true(doctext_parse_w3cdtf("yesterday") == DOCTEXT_NO_TIME);
    assert_true(doctext_parse_w3cdtf("2024-03-01T08:30:00Zjunk") == DOCTEXT_NO_TIME);
    assert_true(doctext_parse_w3cdtf("") == DOCTEXT_NO_TIME);
}

static void test_docx_text_and_meta(void **state)
{
    (void)state;
    const char *paras[] = {"第一章 投标函 & 附录", "Second paragraph with <angle> text."};
    const char *rsids[] = {"00C0FFEE", "00A1B2C3", "00C0FFEE", "001234AB"};
    struct docx_spec sp = {.paras = paras,
                           .npara = 2,
                           .title = "投标文件",
                           .creator = "  Zhang Wei ",
                           .last_mod = "Li Na",
                           .company = "Fuzhou Jianshe Co.",
                           .app = "Microsoft Office Word",
                           .app_ver = "16.0000",
                           .tmpl = "Normal.dotm",
                           .created = "2024-03-01T08:30:00Z",
                           .modified = "2024-03-02T09:00:00Z",
                           .build = "2052-11.1.0.14309",
                           .rsid_root = "00A1B2C3",
                           .rsids = rsids,
                           .nrsids = 4};
    size_t n;
    unsigned char *bytes = make_docx(&sp, &n);
    struct doctext d;
    assert_int_equal(doctext_extract(bytes, n, DOCTEXT_AUTO, &d), DOCTEXT_OK);
    assert_int_equal(d.format, DOCTEXT_DOCX);
    assert_string_equal(d.text, "第一章 投标函 & 附录\nSecond paragraph with <angle> text.\n");
    assert_string_equal(d.meta.title, "投标文件");
    assert_string_equal(d.meta.author, "Zhang Wei"); /* trimmed */
    assert_string_equal(d.meta.last_modified_by, "Li Na");
    assert_string_equal(d.meta.company, "Fuzhou Jianshe Co.");
    assert_string_equal(d.meta.application, "Microsoft Office Word 16.0000");
    assert_string_equal(d.meta.template_name, "Normal.dotm");
    assert_string_equal(d.meta.build, "2052-11.1.0.14309");
    assert_string_equal(d.meta.rsid_root, "00A1B2C3");
    assert_int_equal(d.meta.created, 1709281800);
    assert_int_equal(d.meta.modified, 1709370000);
    assert_int_equal(d.meta.nrsids, 3); /* sorted, unique */
    assert_string_equal(d.meta.rsids[0], "001234AB");
    assert_string_equal(d.meta.rsids[1], "00A1B2C3");
    assert_string_equal(d.meta.rsids[2], "00C0FFEE");
    assert_null(d.meta.pdf_id);
    doctext_release(&d);
    free(bytes);

    /* Tabs, breaks, deleted text and field codes. */
    sp = (struct docx_spec){
        .document_xml = "<?xml version=\"1.0\"?><x:document xmlns:x=\"" NS_W "\"><x:body><x:p>"
                        "<x:r><x:t>a</x:t><x:tab/><x:t>b</x:t><x:br/><x:t>c</x:t></x:r>"
                        "<x:r><x:delText>gone</x:delText><x:instrText>PAGE</x:instrText></x:r>"
                        "</x:p><x:p/><x:p><x:r><x:t>d</x:t></x:r></x:p>"
                        "<other xmlns=\"urn:x\"><t>not word</t></other></x:body></x:document>"};
    bytes = make_docx(&sp, &n);
    assert_int_equal(doctext_extract(bytes, n, DOCTEXT_DOCX, &d), DOCTEXT_OK);
    assert_string_equal(d.text, "a\tb\nc\n\nd\n");
    assert_null(d.meta.author);
    assert_true(d.meta.created == DOCTEXT_NO_TIME);
    doctext_release(&d);
    free(bytes);
}

static void test_docx_refused(void **state)
{
    (void)state;
    struct doctext d;
    size_t n;
    /* A zip that is no DOCX. */
    struct docx_spec sp = {.no_document = true};
    unsigned char *bytes = make_docx(&sp, &n);
    assert_int_equal(doctext_extract(bytes, n, DOCTEXT_AUTO, &d), DOCTEXT_UNSUPPORTED);
    doctext_release(&d);
    free(bytes);
    /* Not well-formed XML. */
    sp = (struct docx_spec){.document_xml = "<w:document xmlns:w=\"" NS_W "\"><w:body><w:p>"};
    bytes = make_docx(&sp, &n);
    assert_int_equal(doctext_extract(bytes, n, DOCTEXT_AUTO, &d), DOCTEXT_MALFORMED);
    assert_non_null(strstr(d.detail, "word/document.xml"));
    doctext_release(&d);
    /* A truncated zip. */
    assert_int_equal(doctext_extract(bytes, n / 2, DOCTEXT_AUTO, &d), DOCTEXT_MALFORMED);
    assert_string_equal(doctext_err_code(DOCTEXT_MALFORMED), "malformed_document");
    doctext_release(&d);
    free(bytes);
    /* Entities are not expanded (no billion laughs, no external files). */
    sp = (struct docx_spec){.document_xml =
                                "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"AAAAAAAAAA\">"
                                "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
                                "<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                                "<w:document xmlns:w=\"" NS_W "\"><w:body><w:p><w:r><w:t>k&b;&x;"
                                "</w:t></w:r></w:p></w:body></w:document>"};
    bytes = make_docx(&sp, &n);
    int rc = doctext_extract(bytes, n, DOCTEXT_AUTO, &d);
    assert_true(rc == DOCTEXT_OK || rc == DOCTEXT_MALFORMED);
    if (rc == DOCTEXT_OK) {
        assert_null(strstr(d.text, "AAAA"));
        assert_null(strstr(d.text, "root:"));
    }
    doctext_release(&d);
    free(bytes);
}

static void test_pdf_text_and_meta(void **state)
{
    (void)state;
    const char *paras[] = {"The bidder offers to complete the works for the sum stated below.",
                           "Second paragraph, long enough to wrap over two lines of the page "
                           "because it goes on and on beyond ninety columns of text."};
    HPDF_Date when = {2024, 3, 1, 8, 30, 0, 'Z', 0, 0};
    size_t n;
    unsigned char *bytes = make_pdf(paras, 2, "Zhang Wei", "Writer 7", &when, NULL, &n);
    struct doctext d;
    assert_int_equal(doctext_extract(bytes, n, DOCTEXT_AUTO, &d), DOCTEXT_OK);
    assert_int_equal(d.format, DOCTEXT_PDF);
    assert_int_equal(d.pages, 1);
    char *got = squeeze(d.text), *want = squeeze(paras[1]);
    assert_non_null(strstr(got, want));
    free(got);
    free(want);
    assert_string_equal(d.meta.author, "Zhang Wei");
    assert_string_equal(d.meta.application, "Writer 7");
    assert_non_null(d.meta.producer); /* libhpdf names itself */
    assert_int_equal(d.meta.created, 1709281800);
    doctext_release(&d);
    free(bytes);

    /* Only an owner password (copy and print restrictions): it opens, and
     * encryption gave it a trailer /ID. */
    bytes = make_pdf(paras, 1, NULL, NULL, NULL, "", &n);
    assert_int_equal(doctext_extract(bytes, n, DOCTEXT_AUTO, &d), DOCTEXT_OK);
    got = squeeze(d.text);
    want = squeeze(paras[0]);
    assert_string_equal(got, want);
    free(got);
    free(want);
    assert_non_null(d.meta.pdf_id);
    assert_int_equal(strlen(d.meta.pdf_id), 32);
    assert_int_equal(strspn(d.meta.pdf_id, "0123456789abcdef"), 32);
    doctext_release(&d);
    free(bytes);
}

static void test_pdf_refused(void **state)
{
    (void)state;
    struct doctext d;
    const char junk[] = "%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage";
    assert_int_equal(doctext_extract(junk, sizeof junk - 1, DOCTEXT_AUTO, &d), DOCTEXT_MALFORMED);
    doctext_release(&d);
    const char *paras[] = {"secret bid"};
    size_t n;
    unsigned char *bytes = make_pdf(paras, 1, NULL, NULL, NULL, "user-pw", &n);
    assert_int_equal(doctext_extract(bytes, n, DOCTEXT_AUTO, &d), DOCTEXT_ENCRYPTED);
    assert_string_equal(doctext_err_code(DOCTEXT_ENCRYPTED), "encrypted_document");
    doctext_release(&d);
    free(bytes);
}

/* ---- normalisation ------------------------------------------------------ */

static void test_normalize(void **state)
{
    (void)state;
    uint32_t cp[64], off[64];
    /* Full width, ideographic space, Latin case, ligature, zero width. */
    const char *s = "\xEF\xBC\xA1\xEF\xBD\x82\xEF\xBC\x91\xE3\x80\x80x \xC3\x80\xEF\xAC\x81"
                    "\xE2\x80\x8B\xE6\x8A\x95\n";
    size_t n = sim_normalize(s, strlen(s), cp, off, 64);
    uint32_t want[] = {'a', 'b', '1', 'x', 0xE0, 'f', 'i', 0x6295};
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(cp[i], want[i]);
    assert_int_equal(off[0], 0);
    assert_int_equal(off[3], 12);     /* 'x' after three 3-byte letters and U+3000 */
    assert_int_equal(off[5], off[6]); /* both letters of the ligature come from it */
    assert_int_equal(sim_fold(0x3000), 0);
    assert_int_equal(sim_fold(0xA0), 0);
    assert_int_equal(sim_fold(0xFF0C), ',');
    assert_int_equal(sim_fold(0x0130 + 2), 0x0133); /* Ĳ -> ĳ */
    assert_int_equal(sim_fold(0x0141), 0x0142);     /* Ł -> ł */
    assert_int_equal(sim_fold(0x3002), 0x3002);     /* 。 stays */
}

/* ---- the analysis ------------------------------------------------------- */

/* A copied passage across a DOCX and the PDF of the same text is found, the
 * template they both copy is not evidence, and the bids that only share the
 * template are not paired. LSH alone (no exhaustive comparison). */
static void test_docx_pdf_copied(void **state)
{
    (void)state;
    char *tpl = gen_text(1, 1500), *copied = gen_text(2, 4000);
    char *own_a = gen_text(3, 1500), *own_b = gen_text(4, 1500), *own_c = gen_text(5, 4000),
         *own_d = gen_text(6, 4000);
    const char *pa[] = {tpl, own_a, copied};
    const char *pb[] = {tpl, copied, own_b};
    const char *pc[] = {tpl, own_c};
    size_t na, nb, nc;
    struct docx_spec sa = {.paras = pa, .npara = 3, .creator = "Wang"};
    struct docx_spec sc = {.paras = pc, .npara = 2, .creator = "Zhao"};
    unsigned char *docx_a = make_docx(&sa, &na), *docx_c = make_docx(&sc, &nc);
    unsigned char *pdf_b = make_pdf(pb, 3, "Wang", NULL, NULL, NULL, &nb);
    struct doctext da, db, dc, dt;
    assert_int_equal(doctext_extract(docx_a, na, DOCTEXT_AUTO, &da), DOCTEXT_OK);
    assert_int_equal(doctext_extract(pdf_b, nb, DOCTEXT_AUTO, &db), DOCTEXT_OK);
    assert_int_equal(doctext_extract(docx_c, nc, DOCTEXT_AUTO, &dc), DOCTEXT_OK);
    assert_int_equal(doctext_extract(tpl, strlen(tpl), DOCTEXT_TXT, &dt), DOCTEXT_OK);
    char *d_text = cat((const char *[]){tpl, own_d}, 2, "\n");

    struct sim_params p;
    sim_params_init(&p);
    p.exhaustive_lot = 0;
    struct sim *s = sim_new(&p);
    assert_non_null(s);
    assert_int_equal(sim_template_add(s, 0, dt.text, dt.len), SIM_OK);
    const char *texts[] = {da.text, db.text, dc.text, d_text};
    struct corpus c = {texts, 4};
    struct sim_source src = {load_text, NULL, &c};
    struct sim_doc docs[4] = {{.id = "a.docx", .meta = &da.meta, .template_set = -1},
                              {.id = "b.pdf", .meta = &db.meta, .template_set = -1},
                              {.id = "c.docx", .meta = &dc.meta, .template_set = -1},
                              {.id = "d.txt", .template_set = -1}};
    struct sim_result r;
    assert_int_equal(sim_run(s, docs, 4, &src, &r), SIM_OK);
    assert_int_equal(r.analysed, 4);
    assert_true(r.docs[0].template_shingles > 1000);
    assert_int_equal(r.npairs, 1); /* only a and b */
    const struct sim_pair *ab = find_pair(&r, 0, 1);
    assert_non_null(ab);
    assert_true(ab->lsh_hits > 0);
    assert_false(ab->exhaustive);
    char *cs = squeeze(copied);
    size_t clen = strlen(cs);
    assert_true(ab->passages_found >= 1);
    const struct sim_passage *q = &ab->passages[0];
    assert_true(q->chars + 5 >= clen && q->chars <= clen + 5);
    /* The evidence is the copied text, at the right offsets in both. */
    char head[41];
    memcpy(head, copied, 40);
    head[40] = '\0';
    assert_non_null(strstr(q->text, head));
    assert_true(q->a_end <= da.len && q->b_end <= db.len);
    char *in_b = strndup(db.text + q->b_start, q->b_end - q->b_start);
    char *sb = squeeze(in_b);
    assert_non_null(strstr(sb, cs + 10));
    /* Nothing of the template is evidence. */
    for (size_t i = 0; i < ab->nshown; i++) {
        char *t = squeeze(ab->passages[i].text);
        char *tp = squeeze(tpl);
        tp[60] = '\0';
        assert_null(strstr(t, tp));
        free(t);
        free(tp);
    }
    assert_true(ab->containment_a > 0.5 && ab->containment_b > 0.5);
    /* Both say they are Wang's. */
    json_t *j = report(s, docs, &r);
    json_t *pair0 = json_array_get(json_object_get(j, "pairs"), 0);
    json_t *same = json_object_get(pair0, "same_metadata");
    assert_int_equal(json_array_size(same), 1);
    assert_string_equal(json_string_value(json_array_get(same, 0)), "author");
    json_decref(j);

    free(in_b);
    free(sb);
    free(cs);
    sim_result_release(&r);
    sim_free(s);
    doctext_release(&da);
    doctext_release(&db);
    doctext_release(&dc);
    doctext_release(&dt);
    free(docx_a);
    free(docx_c);
    free(pdf_b);
    free(d_text);
    free(tpl);
    free(copied);
    free(own_a);
    free(own_b);
    free(own_c);
    free(own_d);
}

/* Two bids that share only the template: no pair with the template, a pair
 * (with the template as the passage) without it. */
static void test_template_ignored(void **state)
{
    (void)state;
    char *tpl = gen_text(11, 2000), *x = gen_text(12, 1500), *y = gen_text(13, 1500);
    char *a = cat((const char *[]){"Bid of firm A.", tpl, x}, 3, "\n");
    char *b = cat((const char *[]){tpl, "Bid of firm B.", y}, 3, "\n");
    const char *texts[] = {a, b};
    struct corpus c = {texts, 2};
    struct sim_source src = {load_text, NULL, &c};
    struct sim_doc docs[2] = {{.id = "a", .template_set = -1}, {.id = "b", .template_set = -1}};
    struct sim_params p;
    sim_params_init(&p); /* a lot of two: compared exhaustively */
    struct sim_result r;

    struct sim *s = sim_new(&p);
    assert_int_equal(sim_template_add(s, 0, tpl, strlen(tpl)), SIM_OK);
    assert_int_equal(sim_run(s, docs, 2, &src, &r), SIM_OK);
    assert_int_equal(r.verified, 1);
    assert_int_equal(r.npairs, 0);
    sim_result_release(&r);
    sim_free(s);

    /* The same template as a lot's own set works the same way. */
    s = sim_new(&p);
    int set;
    assert_int_equal(sim_template_new(s, &set), SIM_OK);
    assert_int_equal(set, 1);
    assert_int_equal(sim_template_add(s, set, tpl, strlen(tpl)), SIM_OK);
    docs[0].template_set = docs[1].template_set = set;
    assert_int_equal(sim_run(s, docs, 2, &src, &r), SIM_OK);
    assert_int_equal(r.npairs, 0);
    sim_result_release(&r);
    sim_free(s);
    docs[0].template_set = docs[1].template_set = -1;

    s = sim_new(&p);
    assert_int_equal(sim_run(s, docs, 2, &src, &r), SIM_OK);
    assert_int_equal(r.npairs, 1);
    char *ts = squeeze(tpl);
    assert_true(r.pairs[0].passages[0].chars >= strlen(ts));
    sim_result_release(&r);
    sim_free(s);
    free(ts);
    free(tpl);
    free(x);
    free(y);
    free(a);
    free(b);
}

/* Ten bids all use one stock phrase; two also share a misspelt sentence.
 * The typo, shorter, weighs more than the phrase, and its pair comes first. */
static void test_rare_typo_weighs_more(void **state)
{
    (void)state;
    const char *phrase = "In accordance with the general conditions of contract the bidder shall "
                         "guarantee the quality of all works and materials supplied under it.";
    const char *typo = "The contractor will recieve the matreials at the sight office befor "
                       "comencement.";
    char *texts[10];
    for (int i = 0; i < 10; i++) {
        char *o1 = gen_text(100 + (uint64_t)i, 700), *o2 = gen_text(200 + (uint64_t)i, 700),
             *o3 = gen_text(300 + (uint64_t)i, 500);
        if (i == 2 || i == 5)
            texts[i] = cat((const char *[]){o1, phrase, o2, typo, o3}, 5, "\n");
        else
            texts[i] = cat((const char *[]){o1, phrase, o2, o3}, 4, "\n");
        free(o1);
        free(o2);
        free(o3);
    }
    const char **tv = view(texts, 10);
    struct corpus c = {tv, 10};
    struct sim_source src = {load_text, NULL, &c};
    struct sim_doc docs[10];
    for (int i = 0; i < 10; i++)
        docs[i] = (struct sim_doc){.id = "bid", .lot = "1", .template_set = -1};
    struct sim_params p;
    sim_params_init(&p);
    struct sim *s = sim_new(&p);
    struct sim_result r;
    assert_int_equal(sim_run(s, docs, 10, &src, &r), SIM_OK);
    assert_int_equal(r.exhaustive_pairs, 45);
    assert_int_equal(r.npairs, 45); /* every pair shares the phrase */
    assert_int_equal(r.pairs[0].a, 2);
    assert_int_equal(r.pairs[0].b, 5);
    const struct sim_pair *p25 = &r.pairs[0];
    assert_int_equal(p25->passages_found, 2);
    const struct sim_passage *first = &p25->passages[0], *second = &p25->passages[1];
    size_t typo_len = strlen(typo), phrase_len = strlen(phrase);
    assert_true(typo_len < phrase_len);
    assert_non_null(strstr(first->text, "recieve"));
    assert_non_null(strstr(second->text, "guarantee"));
    assert_true(first->weight > second->weight);
    assert_int_equal(first->min_df, 2);
    assert_int_equal(second->min_df, 10);
    assert_true(first->rarity > 0.8);
    assert_true(second->rarity < 0.2);
    assert_true(p25->weight > 2 * r.pairs[1].weight);
    sim_result_release(&r);
    sim_free(s);
    for (int i = 0; i < 10; i++)
        free(texts[i]);
    free(tv);
}

/* Twenty long documents; two share a 3,000-byte passage at different
 * places. LSH finds the pair, and only it; every run is the same. */
static void test_lsh_long_documents(void **state)
{
    (void)state;
    char *texts[20];
    char *shared = gen_text(999, 3000);
    for (int i = 0; i < 20; i++) {
        char *x = gen_text(1000 + (uint64_t)i, 12000), *y = gen_text(2000 + (uint64_t)i, 8000);
        if (i == 3)
            texts[i] = cat((const char *[]){x, shared, y}, 3, "\n");
        else if (i == 17)
            texts[i] = cat((const char *[]){y, shared, x}, 3, "\n");
        else
            texts[i] = cat((const char *[]){x, y}, 2, "\n");
        free(x);
        free(y);
    }
    const char **tv = view(texts, 20);
    struct corpus c = {tv, 20};
    struct sim_source src = {load_text, NULL, &c};
    struct sim_doc docs[20];
    for (int i = 0; i < 20; i++)
        docs[i] = (struct sim_doc){.id = "long", .template_set = -1};
    struct sim_params p;
    sim_params_init(&p);
    p.exhaustive_lot = 0;
    p.threads = 1;
    struct sim *s = sim_new(&p);
    struct sim_result r;
    assert_int_equal(sim_run(s, docs, 20, &src, &r), SIM_OK);
    assert_int_equal(r.exhaustive_pairs, 0);
    assert_true(r.segments > 20 * 10);
    assert_int_equal(r.npairs, 1);
    assert_int_equal(r.pairs[0].a, 3);
    assert_int_equal(r.pairs[0].b, 17);
    char *ss = squeeze(shared);
    assert_true(r.pairs[0].passages[0].chars >= strlen(ss));
    assert_true(r.pairs[0].jaccard <
                0.2); /* a small part of each: whole-text MinHash would miss it */
    json_t *j1 = report(s, docs, &r);
    sim_result_release(&r);
    sim_free(s);

    p.threads = 3;
    s = sim_new(&p);
    assert_int_equal(sim_run(s, docs, 20, &src, &r), SIM_OK);
    json_t *j3 = report(s, docs, &r);
    assert_true(json_equal(j1, j3));
    json_decref(j1);
    json_decref(j3);
    sim_result_release(&r);
    sim_free(s);
    free(ss);
    free(shared);
    for (int i = 0; i < 20; i++)
        free(texts[i]);
    free(tv);
}

/* A block of text 60 bids share (not the template) fills LSH buckets with
 * more than max_bucket documents: those buckets give no pairs. */
static void test_boilerplate_buckets(void **state)
{
    (void)state;
    enum { N = 60 };
    char *texts[N];
    char *block = gen_text(4242, 5000);
    for (int i = 0; i < N; i++) {
        char *x = gen_text(5000 + (uint64_t)i, 1500);
        texts[i] = cat((const char *[]){block, x}, 2, "\n");
        free(x);
    }
    const char **tv = view(texts, N);
    struct corpus c = {tv, N};
    struct sim_source src = {load_text, NULL, &c};
    struct sim_doc docs[N];
    for (int i = 0; i < N; i++)
        docs[i] = (struct sim_doc){.id = "d", .template_set = -1};
    struct sim_params p;
    sim_params_init(&p);
    p.exhaustive_lot = 0;
    struct sim *s = sim_new(&p);
    struct sim_result r;
    assert_int_equal(sim_run(s, docs, N, &src, &r), SIM_OK);
    assert_true(r.boilerplate > 0);
    assert_true(r.verified < N * (N - 1) / 2);
    /* What is reported is the block, weighing little: every bid has it. */
    char *bs = squeeze(block);
    for (size_t i = 0; i < r.npairs; i++) {
        assert_true(r.pairs[i].passages[0].chars + 5 >= strlen(bs));
        assert_true(r.pairs[i].passages[0].rarity < 0.2);
    }
    free(bs);
    sim_result_release(&r);
    sim_free(s);
    free(block);
    for (int i = 0; i < N; i++)
        free(texts[i]);
    free(tv);
}

/* within_lots keeps pairs inside lots; across lots they are marked. */
static void test_lots(void **state)
{
    (void)state;
    char *shared = gen_text(77, 3000);
    char *x = gen_text(78, 800), *y = gen_text(79, 800), *z = gen_text(80, 3000);
    char *a = cat((const char *[]){x, shared}, 2, "\n"),
         *b = cat((const char *[]){shared, y}, 2, "\n");
    const char *texts[] = {a, b, z};
    struct corpus c = {texts, 3};
    struct sim_source src = {load_text, NULL, &c};
    struct sim_doc docs[3] = {{.id = "1/a", .lot = "1", .template_set = -1},
                              {.id = "2/b", .lot = "2", .template_set = -1},
                              {.id = "2/z", .lot = "2", .template_set = -1}};
    struct sim_params p;
    sim_params_init(&p);
    struct sim *s = sim_new(&p);
    struct sim_result r;
    assert_int_equal(sim_run(s, docs, 3, &src, &r), SIM_OK);
    assert_int_equal(r.npairs, 1);
    assert_false(r.pairs[0].exhaustive); /* different lots: found by LSH */
    json_t *j = report(s, docs, &r);
    json_t *p0 = json_array_get(json_object_get(j, "pairs"), 0);
    assert_false(json_is_true(json_object_get(p0, "same_lot")));
    assert_string_equal(json_string_value(json_object_get(p0, "a_id")), "1/a");
    json_decref(j);
    sim_result_release(&r);
    sim_free(s);

    p.within_lots = true;
    s = sim_new(&p);
    assert_int_equal(sim_run(s, docs, 3, &src, &r), SIM_OK);
    assert_int_equal(r.npairs, 0);
    sim_result_release(&r);
    sim_free(s);
    free(shared);
    free(x);
    free(y);
    free(z);
    free(a);
    free(b);
}

/* Metadata extracted from three DOCX: two by the same author and company,
 * made from one file (shared rsids), at the same minute. */
static void test_metadata_equality(void **state)
{
    (void)state;
    const char *r1[] = {"00112233", "00AABBCC", "00DD0011"};
    const char *r2[] = {"00112233", "00AABBCC", "00FF9999"};
    const char *r3[] = {"00777777"};
    char *t1 = gen_text(31, 900), *t2 = gen_text(32, 900), *t3 = gen_text(33, 900);
    const char *p1[] = {t1}, *p2[] = {t2}, *p3[] = {t3};
    struct docx_spec s1 = {.paras = p1,
                           .npara = 1,
                           .creator = "Chen",
                           .company = "Acme",
                           .app = "WPS Office",
                           .created = "2024-05-06T07:08:00Z",
                           .rsid_root = "00112233",
                           .rsids = r1,
                           .nrsids = 3};
    struct docx_spec s2 = s1;
    s2.paras = p2;
    s2.rsids = r2;
    s2.last_mod = "Chen";
    struct docx_spec s3 = {.paras = p3,
                           .npara = 1,
                           .creator = "Liu",
                           .company = "Other",
                           .app = "WPS Office",
                           .created = "2024-05-07T07:08:00Z",
                           .rsid_root = "00777777",
                           .rsids = r3,
                           .nrsids = 1};
    struct doctext d[3];
    const struct docx_spec *specs[] = {&s1, &s3, &s2};
    for (int i = 0; i < 3; i++) {
        size_t n;
        unsigned char *bytes = make_docx(specs[i], &n);
        assert_int_equal(doctext_extract(bytes, n, DOCTEXT_AUTO, &d[i]), DOCTEXT_OK);
        free(bytes);
    }
    const char *texts[] = {d[0].text, d[1].text, d[2].text};
    struct corpus c = {texts, 3};
    struct sim_source src = {load_text, NULL, &c};
    struct sim_doc docs[3];
    for (int i = 0; i < 3; i++)
        docs[i] = (struct sim_doc){
            .id = "x.docx", .format = "docx", .meta = &d[i].meta, .template_set = -1};
    struct sim_params p;
    sim_params_init(&p);
    struct sim *s = sim_new(&p);
    struct sim_result r;
    assert_int_equal(sim_run(s, docs, 3, &src, &r), SIM_OK);
    assert_int_equal(r.npairs, 0); /* the texts are unrelated */
    json_t *j = report(s, docs, &r);
    json_t *groups = json_object_get(j, "metadata_groups");
    bool author = false, company = false, created = false, app = false, root = false;
    for (size_t i = 0; i < json_array_size(groups); i++) {
        json_t *g = json_array_get(groups, i);
        const char *f = json_string_value(json_object_get(g, "field"));
        json_t *ds = json_object_get(g, "documents");
        if (strcmp(f, "application") == 0) {
            app = json_array_size(ds) == 3;
            continue;
        }
        assert_int_equal(json_array_size(ds), 2);
        assert_int_equal(json_integer_value(json_array_get(ds, 0)), 0);
        assert_int_equal(json_integer_value(json_array_get(ds, 1)), 2);
        const char *v = json_string_value(json_object_get(g, "value"));
        if (strcmp(f, "author") == 0)
            author = strcmp(v, "Chen") == 0;
        else if (strcmp(f, "company") == 0)
            company = strcmp(v, "Acme") == 0;
        else if (strcmp(f, "created") == 0)
            created = strcmp(v, "2024-05-06T07:08:00Z") == 0;
        else if (strcmp(f, "rsid_root") == 0)
            root = true;
        else
            fail_msg("unexpected group %s", f);
    }
    assert_true(author && company && created && app && root);
    json_t *rp = json_object_get(j, "rsid_pairs");
    assert_int_equal(json_array_size(rp), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(rp, 0), "a")), 0);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(rp, 0), "b")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(rp, 0), "shared")), 2);
    json_t *d0 = json_array_get(json_object_get(j, "documents"), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(d0, "meta"), "author")),
                        "Chen");
    json_decref(j);
    sim_result_release(&r);
    sim_free(s);
    for (int i = 0; i < 3; i++)
        doctext_release(&d[i]);
    free(t1);
    free(t2);
    free(t3);
}

/* Documents that could not be read are listed, not analysed. */
static void test_failed_documents(void **state)
{
    (void)state;
    char *t = gen_text(55, 2000);
    const char *texts[] = {t, NULL, t};
    struct corpus c = {texts, 3};
    struct sim_source src = {load_text, NULL, &c};
    struct sim_doc docs[3] = {{.id = "a", .template_set = -1},
                              {.id = "b", .error = "encrypted_document", .template_set = -1},
                              {.id = "c", .template_set = -1}};
    struct sim_params p;
    sim_params_init(&p);
    struct sim *s = sim_new(&p);
    struct sim_result r;
    assert_int_equal(sim_run(s, docs, 3, &src, &r), SIM_OK);
    assert_int_equal(r.analysed, 2);
    assert_true(r.docs[1].failed);
    assert_int_equal(r.npairs, 1);
    assert_true(r.pairs[0].jaccard > 0.99);
    json_t *j = report(s, docs, &r);
    json_t *d1 = json_array_get(json_object_get(j, "documents"), 1);
    assert_string_equal(json_string_value(json_object_get(d1, "error")), "encrypted_document");
    json_decref(j);
    sim_result_release(&r);
    sim_free(s);
    free(t);
}

static void test_bad_params(void **state)
{
    (void)state;
    struct sim_params p;
    sim_params_init(&p);
    p.hashes = 100; /* not a power of two */
    assert_null(sim_new(&p));
    sim_params_init(&p);
    p.bands = 48; /* does not divide 128 */
    assert_null(sim_new(&p));
    sim_params_init(&p);
    p.min_passage = 4; /* shorter than a shingle */
    assert_null(sim_new(&p));
    sim_params_init(&p);
    struct sim *s = sim_new(&p);
    assert_int_equal(sim_template_add(s, 7, "x", 1), SIM_BAD_PARAMS);
    sim_free(s);
    assert_string_equal(sim_err_code(SIM_TOO_MANY_PAIRS), "too_many_pairs");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_txt_encodings),
        cmocka_unit_test(test_w3cdtf),
        cmocka_unit_test(test_docx_text_and_meta),
        cmocka_unit_test(test_docx_refused),
        cmocka_unit_test(test_pdf_text_and_meta),
        cmocka_unit_test(test_pdf_refused),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_docx_pdf_copied),
        cmocka_unit_test(test_template_ignored),
        cmocka_unit_test(test_rare_typo_weighs_more),
        cmocka_unit_test(test_lsh_long_documents),
        cmocka_unit_test(test_boilerplate_buckets),
        cmocka_unit_test(test_lots),
        cmocka_unit_test(test_metadata_equality),
        cmocka_unit_test(test_failed_documents),
        cmocka_unit_test(test_bad_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
