/*
 * Unit tests for ledger/cert_pdf.h: the QR payload (format, caps and
 * fallbacks, that libqrencode accepts it at level M) and the printed page
 * (a valid one-page PDF, deterministic, whose extracted text shows the
 * title, tree size, entry count, labels and "不公开" for a withheld entry),
 * in Chinese and English, with 4096 entries, with hostile strings.
 *
 * The certificates are built by hand (fake but well-formed: real leaf
 * hashes of canonical JSON entries, a checkpoint body with one log
 * signature line and one cosignature line of the right shapes), so these
 * tests need neither cert.c nor keys.
 *
 * Text and page checks run poppler's pdftotext / pdfinfo (poppler-utils).
 * Without pdftotext those checks are skipped with a message; without
 * poppler-data (the Adobe-GB1 CMaps poppler needs to read the page's
 * non-embedded Chinese fonts) only the Chinese-text checks are skipped.
 * When zbarimg (zbar-tools) is there, the drawn QR code is also scanned
 * from a 200 dpi rendering and compared with the payload byte for byte.
 * Set SUNBID_KEEP_PDF=1 to keep the rendered files in $SUNBID_TEST_TMP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base64.h"
#include "ledger/cert_pdf.h"

#define ISSUED_MS INT64_C(1764400000000) /* 2025-11-29 07:06:40 UTC = 15:06:40 UTC+8 */

static const char long_origin[] =
    "sunbid.ggzy.example-province.gov.cn/public-resource-trading/witness-ledger/"
    "region-east/2025";

/* The file's SHA-256 the tests pretend to have computed. */
static const uint8_t file_sha[32] = {0xde, 0xad, 0xbe, 0xef, 1,  2,  3,  4,  5,  6,  7,
                                     8,    9,    10,   11,   12, 13, 14, 15, 16, 17, 18,
                                     19,   20,   21,   22,   23, 24, 25, 26, 27, 28};

/* "— NAME base64(bytes)\n" with `n` bytes: key id, then (cosignature) an
 * 8-byte big-endian time, then filler. */
static void sig_line(struct buf *b, const char *name, size_t n, uint64_t ts)
{
    uint8_t raw[128];
    char b64[B64_LEN(128)];
    for (size_t i = 0; i < n; i++)
        raw[i] = (uint8_t)(i * 7 + 3);
    if (ts != 0)
        for (int i = 0; i < 8; i++)
            raw[4 + i] = (uint8_t)(ts >> (56 - 8 * i));
    b64_encode(raw, n, b64);
    assert_int_equal(buf_printf(b, "\xe2\x80\x94 %s %s\n", name, b64), BUF_OK);
}

/* Entry i of a certificate: a mix of known and unknown event types. */
static char *entry_json(size_t i)
{
    static const char *const types[] = {"org.create", "tender.create", "bid.submit",
                                        "some.future_event"};
    static const char *const subj[] = {"org", "tender", "bid", "widget"};
    static const char *const actors[] = {"admin", "张三（招标代理）", "华东建设集团有限公司",
                                         "system"};
    char *s = malloc(512);
    assert_non_null(s);
    snprintf(s, 512,
             "{\"actor\":{\"id\":%zu,\"name\":\"%s\"},\"subject\":{\"id\":%zu,\"type\":\"%s\"},"
             "\"time_ms\":%" PRId64 ",\"type\":\"%s\",\"v\":1}",
             i % 5, actors[i % 4], 7 + i, subj[i % 4], ISSUED_MS - 86400000 + (int64_t)i * 60000,
             types[i % 4]);
    return s;
}

/* A certificate with n entries (entry 2 withheld), `ncosig` cosignature
 * lines and `nlogsig` log signature lines. */
static void make_cert(struct cert *c, size_t n, const char *origin, int nlogsig, int ncosig)
{
    struct buf b;
    char root[B64_LEN(32)];
    memset(c, 0, sizeof *c);
    c->issued_ms = ISSUED_MS;
    snprintf(c->subject_type, sizeof c->subject_type, "tender");
    c->subject_id = 7;
    snprintf(c->origin, sizeof c->origin, "%s", origin);
    c->alg = MERKLE_SHA256;
    c->keys[0] = malloc(512);
    assert_non_null(c->keys[0]);
    snprintf(c->keys[0], 512, "%s+0a1b2c3d+AQ%s", origin,
             "IDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=");
    c->nkeys = 1;
    snprintf(c->cp.origin, sizeof c->cp.origin, "%s", origin);
    c->cp.size = 40000 + n;
    for (int i = 0; i < 32; i++)
        c->cp.root[i] = (uint8_t)(0xa0 + i);
    b64_encode(c->cp.root, 32, root);
    buf_init(&b, NOTE_MAX_BYTES);
    assert_int_equal(buf_printf(&b, "%s\n%" PRIu64 "\n%s\n\n", origin, c->cp.size, root), BUF_OK);
    for (int i = 0; i < nlogsig; i++)
        sig_line(&b, origin, 4 + 64, 0);
    for (int i = 0; i < ncosig; i++) {
        char name[64];
        snprintf(name, sizeof name, "witness%d.example.org/w", i + 1);
        sig_line(&b, name, COSIGN_SIG_LEN, (uint64_t)(ISSUED_MS / 1000 - 30 + i));
    }
    c->checkpoint = buf_detach(&b, &c->checkpoint_len);
    c->entries = calloc(n ? n : 1, sizeof *c->entries);
    assert_non_null(c->entries);
    c->nentries = n;
    for (size_t i = 0; i < n; i++) {
        struct cert_entry *e = &c->entries[i];
        char *j = entry_json(i);
        e->index = 100 + i * 3;
        assert_int_equal(merkle_leaf_hash(MERKLE_SHA256, j, strlen(j), e->leaf_hash), MERKLE_OK);
        if (i == 2) { /* withheld: only the leaf hash */
            free(j);
            continue;
        }
        e->entry = (uint8_t *)j;
        e->entry_len = strlen(j);
    }
}

/* cert_free is cert.c's; these tests free by hand so they stand alone. */
static void drop_cert(struct cert *c)
{
    for (size_t i = 0; i < c->nkeys; i++)
        free(c->keys[i]);
    free(c->checkpoint);
    free(c->timestamp);
    for (size_t i = 0; i < c->nentries; i++)
        free(c->entries[i].entry);
    free(c->entries);
    memset(c, 0, sizeof *c);
}

static int qr_version(const char *s, size_t n)
{
    QRcode *q = QRcode_encodeData((int)n, (const unsigned char *)s, 0, QR_ECLEVEL_M);
    if (q == NULL)
        return -1;
    int v = q->version;
    QRcode_free(q);
    return v;
}

static size_t count(const char *hay, const char *needle)
{
    size_t k = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        k++;
    return k;
}

/* ---- the QR payload ---- */

static void test_qr_text(void **state)
{
    (void)state;
    struct cert c;
    struct buf b;
    char hex[65], line[128];
    make_cert(&c, 6, "sunbid.local/ledger", 1, 1);
    buf_init(&b, 4096);
    assert_int_equal(cert_qr_text(&c, file_sha, "https://sunbid.example.gov.cn/verify", &b), 0);
    assert_true(b.len <= CERT_QR_MAX_BYTES);
    assert_memory_equal(b.data, "sunbid-witness/1\nurl https://sunbid.example.gov.cn/verify\n", 56);
    hex_encode(file_sha, 32, hex);
    snprintf(line, sizeof line, "\nfile-sha256 %s\n", hex);
    assert_non_null(strstr(b.data, line));
    assert_non_null(strstr(b.data, "\nsubject tender 7\nhash sha256\nentries 6\n"));
    assert_int_equal(count(b.data, "\nleaf "), CERT_QR_MAX_LEAVES);
    char lh[B64_LEN(32)];
    b64_encode(c.entries[0].leaf_hash, 32, lh);
    snprintf(line, sizeof line, "\nleaf 100 %s\n", lh);
    assert_non_null(strstr(b.data, line));
    assert_null(strstr(b.data, "cosignatures-omitted"));
    /* the checkpoint, verbatim with its cosignature, ends the payload */
    const char *cp = strstr(b.data, "\ncheckpoint\n");
    assert_non_null(cp);
    assert_string_equal(cp + 12, c.checkpoint);
    int v = qr_version(b.data, b.len);
    assert_true(v >= 1 && v <= 26);

    /* no URL, an unusable URL: the line is left out */
    buf_reset(&b);
    assert_int_equal(cert_qr_text(&c, file_sha, NULL, &b), 0);
    assert_memory_equal(b.data, "sunbid-witness/1\nfile-sha256 ", 29);
    buf_reset(&b);
    assert_int_equal(cert_qr_text(&c, file_sha, "https://x/\nleaf 1 AAAA", &b), 0);
    assert_null(strstr(b.data, "url "));
    assert_int_equal(count(b.data, "\nleaf "), CERT_QR_MAX_LEAVES);
    char longurl[CERT_QR_MAX_URL + 8];
    memset(longurl, 'a', sizeof longurl - 1);
    longurl[sizeof longurl - 1] = '\0';
    buf_reset(&b);
    assert_int_equal(cert_qr_text(&c, file_sha, longurl, &b), 0);
    assert_null(strstr(b.data, "url "));
    drop_cert(&c);

    /* an entry certificate with one entry: one leaf line */
    make_cert(&c, 1, "sunbid.local/ledger", 1, 0);
    snprintf(c.subject_type, sizeof c.subject_type, "entry");
    c.subject_id = 100;
    buf_reset(&b);
    assert_int_equal(cert_qr_text(&c, file_sha, NULL, &b), 0);
    assert_int_equal(count(b.data, "\nleaf "), 1);
    assert_non_null(strstr(b.data, "\nsubject entry 100\n"));
    drop_cert(&c);
    buf_release(&b);
}

static void test_qr_fallback(void **state)
{
    (void)state;
    struct cert c;
    struct buf b;
    char origin[CHECKPOINT_MAX_ORIGIN + 1];
    memset(origin, 'o', sizeof origin - 1);
    origin[sizeof origin - 1] = '\0';
    buf_init(&b, 8192);

    /* many cosignatures: leaves go first, then the cosignatures */
    make_cert(&c, 10, "sunbid.local/ledger", 1, 8);
    assert_int_equal(cert_qr_text(&c, file_sha, "https://v.example/", &b), 0);
    assert_true(b.len <= CERT_QR_MAX_BYTES);
    assert_non_null(strstr(b.data, "\ncosignatures-omitted 8\n"));
    assert_non_null(strstr(b.data, "\nurl https://v.example/\n"));
    assert_int_equal(count(b.data, ".example.org/w "), 0);
    assert_int_equal(count(b.data, "\xe2\x80\x94 sunbid.local/ledger "), 1);
    assert_true(qr_version(b.data, b.len) <= 26);
    drop_cert(&c);

    /* a 255-byte origin and four log signatures: over the preferred cap,
     * the smallest form is used and still fits one QR code */
    make_cert(&c, 4096, origin, 4, 3);
    buf_reset(&b);
    assert_int_equal(cert_qr_text(&c, file_sha, "https://v.example/", &b), 0);
    assert_true(b.len > CERT_QR_MAX_BYTES && b.len <= CERT_QR_HARD_MAX_BYTES);
    assert_null(strstr(b.data, "\nurl "));
    assert_null(strstr(b.data, "\nleaf "));
    assert_non_null(strstr(b.data, "\nentries 4096\n"));
    assert_non_null(strstr(b.data, "\ncosignatures-omitted 3\n"));
    int v = qr_version(b.data, b.len);
    assert_true(v > 26 && v <= 40);
    drop_cert(&c);

    /* twelve such log signatures fit no QR code at all */
    make_cert(&c, 3, origin, 12, 0);
    buf_reset(&b);
    assert_int_equal(cert_qr_text(&c, file_sha, NULL, &b), -1);
    assert_int_equal(b.len, 0);
    char err[256];
    assert_int_equal(cert_pdf(&c, file_sha, NULL, &b, err, sizeof err), CERT_PDF_EQR);
    assert_true(err[0] != '\0');
    free(c.checkpoint);

    /* no checkpoint */
    c.checkpoint = NULL;
    c.checkpoint_len = 0;
    assert_int_equal(cert_qr_text(&c, file_sha, NULL, &b), -1);
    drop_cert(&c);
    buf_release(&b);
}

/* ---- the page ---- */

static char tmpdir[512];

static bool have(const char *tool)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

/* poppler reads non-embedded Chinese fonts only with poppler-data. */
static bool have_cjk_maps(void)
{
    struct stat st;
    return stat("/usr/share/poppler/cMap/Adobe-GB1", &st) == 0;
}

static void save(const char *name, const struct buf *pdf, char *path, size_t n)
{
    const char *t = getenv("SUNBID_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s", t ? t : "/tmp");
    mkdir(tmpdir, 0755);
    snprintf(path, n, "%s/cert_pdf-%d-%s.pdf", tmpdir, (int)getpid(), name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(pdf->data, 1, pdf->len, f), pdf->len);
    assert_int_equal(fclose(f), 0);
}

static void unsave(const char *path)
{
    if (getenv("SUNBID_KEEP_PDF") == NULL)
        unlink(path);
}

/* The stdout of cmd (which must succeed) into out. */
static void run(const char *cmd, struct buf *out)
{
    char chunk[4096];
    size_t n;
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    buf_reset(out);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(buf_append(out, chunk, n), BUF_OK);
    if (pclose(f) != 0)
        fail_msg("%s failed", cmd);
}

static void check_pdf_bytes(const struct buf *pdf)
{
    assert_true(pdf->len > 1000 && pdf->len < CERT_PDF_MAX_BYTES);
    assert_memory_equal(pdf->data, "%PDF-", 5);
    size_t end = pdf->len;
    while (end > 0 && (pdf->data[end - 1] == '\n' || pdf->data[end - 1] == '\r'))
        end--;
    assert_true(end >= 5);
    assert_memory_equal(pdf->data + end - 5, "%%EOF", 5);
}

static void check_one_page(const char *path, struct buf *out)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' 2>&1", path);
    run(cmd, out);
    const char *pages = strstr(out->data, "\nPages:");
    assert_non_null(pages);
    assert_int_equal(strtol(pages + 7, NULL, 10), 1);
    assert_non_null(strstr(out->data, "595.276 x 841.89 pts (A4)"));
}

/* pdftotext's text of the page, with every space and newline removed (the
 * layout decides where they fall, not the content). */
static void page_text(const char *path, struct buf *out)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' - 2>&1", path);
    run(cmd, out);
    size_t k = 0;
    for (size_t i = 0; i < out->len; i++)
        if (out->data[i] != ' ' && out->data[i] != '\n' && out->data[i] != '\f')
            out->data[k++] = out->data[i];
    out->len = k;
    out->data[k] = '\0';
}

static void assert_has(const struct buf *text, const char *s)
{
    if (strstr(text->data, s) == NULL)
        fail_msg("\"%s\" not in the page text:\n%s", s, text->data);
}

static void test_pdf_zh(void **state)
{
    (void)state;
    struct cert c;
    struct buf pdf, again, out;
    char path[700], err[256];
    struct cert_pdf_options o = {.verify_url = "https://ggzy.example.gov.cn/verify",
                                 .issuer = "某省公共资源交易平台"};
    make_cert(&c, 9, long_origin, 1, 2);
    c.timestamp = calloc(1, 16); /* only its presence is shown */
    assert_non_null(c.timestamp);
    c.timestamp_len = 16;
    buf_init(&pdf, CERT_PDF_MAX_BYTES);
    buf_init(&again, CERT_PDF_MAX_BYTES);
    buf_init(&out, 1 << 20);
    assert_int_equal(cert_pdf(&c, file_sha, &o, &pdf, err, sizeof err), CERT_PDF_OK);
    check_pdf_bytes(&pdf);
    /* deterministic: same inputs, same bytes */
    assert_int_equal(cert_pdf(&c, file_sha, &o, &again, err, sizeof err), CERT_PDF_OK);
    assert_int_equal(again.len, pdf.len);
    assert_memory_equal(again.data, pdf.data, pdf.len);
    /* the creation date is the issue time in UTC+8, not the clock's */
    assert_non_null(memmem(pdf.data, pdf.len, "D:20251129150640+08'00'", 23));

    if (!have("pdftotext") || !have("pdfinfo")) {
        print_message("pdftotext/pdfinfo not found (Debian poppler-utils): page checks "
                      "skipped\n");
        drop_cert(&c);
        buf_release(&pdf);
        buf_release(&again);
        buf_release(&out);
        skip();
    }
    save("zh", &pdf, path, sizeof path);
    check_one_page(path, &out);
    page_text(path, &out);
    /* ASCII is in Helvetica/Courier, readable without poppler-data */
    assert_has(&out, "40009");                          /* tree size */
    assert_has(&out, "deadbeef0102030405060708090a0b"); /* file SHA-256 */
    assert_has(&out, "sunbidverify");
    assert_has(&out, "https://ggzy.example.gov.cn/verify");
    assert_has(&out, "witness1.example.org/w");
    assert_has(&out, "2025-11-2915:06:40"); /* issue time, UTC+8 */
    assert_has(&out, "0a1b2c3d(Ed25519)");
    if (!have_cjk_maps()) {
        print_message("poppler-data (Adobe-GB1 CMaps) missing: Chinese text checks skipped\n");
    } else {
        assert_has(&out, "电子见证证书");
        assert_has(&out, "招标项目#7");
        assert_has(&out, "见证条目（共9条）");
        assert_has(&out, "不公开");
        assert_has(&out, "机构注册");             /* org.create */
        assert_has(&out, "创建招标项目");         /* tender.create */
        assert_has(&out, "some.future_event");    /* unknown type: raw */
        assert_has(&out, "华东建设集团有限公司"); /* actor */
        assert_has(&out, "签发平台：某省公共资源交易平台");
        assert_has(&out, "有（RFC3161");
    }
    /* the drawn QR code scans back to exactly the payload (zbar-tools,
     * optional: libqrencode's own check above always runs) */
    if (have("zbarimg")) {
        struct buf qr;
        char cmd[3200], png[720];
        buf_init(&qr, 4096);
        assert_int_equal(cert_qr_text(&c, file_sha, o.verify_url, &qr), 0);
        snprintf(png, sizeof png, "%.690s-qr", path);
        snprintf(cmd, sizeof cmd,
                 "pdftoppm -png -r 200 -singlefile '%s' '%s' && zbarimg -q --raw '%s.png' "
                 "2>/dev/null; rm -f '%s.png'",
                 path, png, png, png);
        run(cmd, &out);
        if (out.len > 0 && out.data[out.len - 1] == '\n')
            out.data[--out.len] = '\0';
        assert_int_equal(out.len, qr.len);
        assert_memory_equal(out.data, qr.data, qr.len);
        buf_release(&qr);
    } else {
        print_message("zbarimg not found (Debian zbar-tools): QR scan check skipped\n");
    }
    unsave(path);
    drop_cert(&c);
    buf_release(&pdf);
    buf_release(&again);
    buf_release(&out);
}

static void test_pdf_en(void **state)
{
    (void)state;
    struct cert c;
    struct buf pdf, out;
    char path[700], err[256];
    struct cert_pdf_options o = {.lang = CERT_PDF_EN};
    make_cert(&c, 5, "sunbid.local/ledger", 1, 0);
    buf_init(&pdf, CERT_PDF_MAX_BYTES);
    buf_init(&out, 1 << 20);
    assert_int_equal(cert_pdf(&c, file_sha, &o, &pdf, err, sizeof err), CERT_PDF_OK);
    check_pdf_bytes(&pdf);
    if (!have("pdftotext") || !have("pdfinfo")) {
        print_message("pdftotext/pdfinfo not found (Debian poppler-utils): page checks "
                      "skipped\n");
        drop_cert(&c);
        buf_release(&pdf);
        buf_release(&out);
        skip();
    }
    save("en", &pdf, path, sizeof path);
    check_one_page(path, &out);
    page_text(path, &out);
    assert_has(&out, "WitnessCertificate");
    assert_has(&out, "Issuedbysunbid"); /* default issuer */
    assert_has(&out, "Tender#7");
    assert_has(&out, "Entries(5)");
    assert_has(&out, "withheld");
    assert_has(&out, "Organisationregistered"); /* org.create */
    assert_has(&out, "nonenone");               /* no cosignatures, no timestamp */
    assert_null(strstr(out.data, "https://"));  /* no verify URL given */
    unsave(path);
    drop_cert(&c);
    buf_release(&pdf);
    buf_release(&out);
}

/* 4096 entries (CERT_MAX_ENTRIES): still one page, the table cut with a
 * count, the QR payload within the preferred cap. */
static void test_pdf_many(void **state)
{
    (void)state;
    struct cert c;
    struct buf pdf, qr, out;
    char path[700], err[256];
    make_cert(&c, CERT_MAX_ENTRIES, long_origin, 1, 3);
    buf_init(&pdf, CERT_PDF_MAX_BYTES);
    buf_init(&qr, 4096);
    buf_init(&out, 1 << 20);
    assert_int_equal(cert_qr_text(&c, file_sha, "https://ggzy.example.gov.cn/verify", &qr), 0);
    assert_true(qr.len <= CERT_QR_MAX_BYTES);
    assert_non_null(strstr(qr.data, "\nentries 4096\n"));
    int v = qr_version(qr.data, qr.len);
    assert_true(v >= 1 && v <= 26);
    assert_int_equal(cert_pdf(&c, file_sha, NULL, &pdf, err, sizeof err), CERT_PDF_OK);
    check_pdf_bytes(&pdf);
    if (!have("pdftotext") || !have("pdfinfo")) {
        print_message("pdftotext/pdfinfo not found (Debian poppler-utils): page checks "
                      "skipped\n");
    } else {
        save("many", &pdf, path, sizeof path);
        check_one_page(path, &out);
        page_text(path, &out);
        assert_has(&out, "44096"); /* tree size 40000 + 4096 */
        if (have_cjk_maps()) {
            assert_has(&out, "见证条目（共4096条）");
            assert_has(&out, "共4096条，此处列出前");
        }
        /* the last listed row's index is far below the last entry's */
        assert_null(strstr(out.data, "12385")); /* index of entry 4095 */
        unsave(path);
    }
    drop_cert(&c);
    buf_release(&pdf);
    buf_release(&qr);
    buf_release(&out);
}

/* Strings a certificate file may carry: invalid UTF-8, controls,
 * characters GBK lacks, an entry that is not JSON, an entry without a
 * type, huge numbers, no keys, a note without signatures. The page still
 * renders (one page) and says what it could not read. */
static void test_pdf_hostile(void **state)
{
    (void)state;
    struct cert c;
    struct buf pdf, out;
    char path[700], err[256];
    static const char *const bad[] = {
        "not json at all",
        "{\"type\":7}",
        "{\"actor\":{\"name\":\"\xf0\x9f\x98\x80 emoji \xe4\xb8\x80\\u0001\\n\"},\"type\":"
        "\"\xe4\xb8\x80\xe2\x80\x8b.\\t\",\"time_ms\":99999999999999999,"
        "\"subject\":{\"type\":\"tender\",\"id\":-5}}",
        "{\"actor\":{\"name\":\"Ren\xc3\xa9 M\xc3\xbcller \xc2\xb7 Jos\xc3\xa9\"},"
        "\"type\":\"org.create\",\"time_ms\":-1}",
        "{\"type\":\"org.create\",\"type\":\"x\"}",
    };
    make_cert(&c, 5, "sunbid.local/ledger", 0, 0);
    for (size_t i = 0; i < 5; i++) {
        free(c.entries[i].entry);
        c.entries[i].entry = (uint8_t *)strdup(bad[i]);
        c.entries[i].entry_len = strlen(bad[i]);
    }
    /* bytes that are not UTF-8 in the origin, the subject type, the keys */
    snprintf(c.origin, sizeof c.origin, "bad\xff\xfe\x80origin\x01\x7f");
    snprintf(c.subject_type, sizeof c.subject_type, "we ird\n/type");
    c.subject_id = INT64_MIN;
    c.issued_ms = INT64_MAX;
    free(c.keys[0]);
    c.keys[0] = strdup("no-plus-signs-here");
    c.alg = 0;
    buf_init(&pdf, CERT_PDF_MAX_BYTES);
    buf_init(&out, 1 << 20);
    assert_int_equal(cert_pdf(&c, file_sha, NULL, &pdf, err, sizeof err), CERT_PDF_OK);
    check_pdf_bytes(&pdf);
    /* the QR text keeps its one-token-per-field lines */
    struct buf qr;
    buf_init(&qr, 4096);
    assert_int_equal(cert_qr_text(&c, file_sha, NULL, &qr), 0);
    assert_non_null(strstr(qr.data, "\nsubject we_ird__type -9223372036854775808\n"));
    assert_non_null(strstr(qr.data, "\nhash unknown\n"));
    buf_release(&qr);
    if (have("pdftotext") && have("pdfinfo")) {
        save("hostile", &pdf, path, sizeof path);
        check_one_page(path, &out);
        page_text(path, &out);
        assert_has(&out, "René"); /* Latin-1 in Helvetica */
        if (have_cjk_maps()) {
            assert_has(&out, "（无法解析）");
            assert_has(&out, "机构注册");
        }
        unsave(path);
    }
    /* the output's own maximum is respected */
    struct buf small;
    buf_init(&small, 1000);
    assert_int_equal(cert_pdf(&c, file_sha, NULL, &small, err, sizeof err), CERT_PDF_ETOOBIG);
    assert_int_equal(small.len, 0);
    buf_release(&small);
    drop_cert(&c);
    buf_release(&pdf);
    buf_release(&out);
}

/* Everything at its maximum: four 255-byte log keys, nine cosignatures, a
 * long URL and issuer. The claims block grows, the table shrinks, and the
 * page stays one page with the table's count line. */
static void test_pdf_crowded(void **state)
{
    (void)state;
    struct cert c;
    struct buf pdf, out;
    char path[700], err[256], origin[CHECKPOINT_MAX_ORIGIN + 1], url[CERT_QR_MAX_URL + 1];
    memset(origin, 'o', sizeof origin - 1);
    origin[sizeof origin - 1] = '\0';
    memcpy(url, "https://", 8);
    memset(url + 8, 'u', sizeof url - 9);
    url[sizeof url - 1] = '\0';
    struct cert_pdf_options o = {
        .verify_url = url,
        .issuer =
            "某某省某某市公共资源交易中心电子交易平台（第二代）测试环境，名称很长很长很长很长很长"};
    make_cert(&c, 200, origin, 4, 9);
    for (size_t i = 1; i < CERT_MAX_KEYS; i++) {
        c.keys[i] = strdup(c.keys[0]);
        assert_non_null(c.keys[i]);
    }
    c.nkeys = CERT_MAX_KEYS;
    buf_init(&pdf, CERT_PDF_MAX_BYTES);
    buf_init(&out, 1 << 20);
    assert_int_equal(cert_pdf(&c, file_sha, &o, &pdf, err, sizeof err), CERT_PDF_OK);
    check_pdf_bytes(&pdf);
    if (have("pdftotext") && have("pdfinfo")) {
        save("crowded", &pdf, path, sizeof path);
        check_one_page(path, &out);
        page_text(path, &out);
        /* a long key name is cut in the middle: the key id stays */
        assert_true(count(out.data, "o…o") >= CERT_MAX_KEYS);
        assert_int_equal(count(out.data, "o+0a1b2c3d(Ed25519)"), CERT_MAX_KEYS);
        if (have_cjk_maps()) {
            assert_has(&out, "共200条，此处列出前");
            assert_has(&out, "另有4个联署");
        }
        unsave(path);
    }
    drop_cert(&c);
    buf_release(&pdf);
    buf_release(&out);
}

static void test_args(void **state)
{
    (void)state;
    struct cert c;
    struct buf b;
    char err[256], name[128];
    enum cert_pdf_lang lang = CERT_PDF_EN;
    buf_init(&b, CERT_PDF_MAX_BYTES);
    assert_int_equal(cert_pdf(NULL, file_sha, NULL, &b, err, sizeof err), CERT_PDF_EINVAL);
    assert_true(err[0] != '\0');
    make_cert(&c, 2, "sunbid.local/ledger", 1, 0);
    assert_int_equal(cert_pdf(&c, NULL, NULL, &b, NULL, 0), CERT_PDF_EINVAL);
    assert_int_equal(cert_pdf(&c, file_sha, NULL, NULL, err, sizeof err), CERT_PDF_EINVAL);
    assert_int_equal(cert_qr_text(NULL, file_sha, NULL, &b), -1);
    assert_int_equal(b.len, 0);
    /* zero entries is a valid (if useless) page */
    size_t n = c.nentries;
    c.nentries = 0;
    assert_int_equal(cert_pdf(&c, file_sha, NULL, &b, err, sizeof err), CERT_PDF_OK);
    c.nentries = n;

    cert_pdf_filename(&c, name, sizeof name);
    assert_string_equal(name, "sunbid-certificate-tender-7.pdf");
    snprintf(c.subject_type, sizeof c.subject_type, "../x y");
    c.subject_id = -3;
    cert_pdf_filename(&c, name, sizeof name);
    assert_string_equal(name, "sunbid-certificate-___x_y--3.pdf");

    assert_true(cert_pdf_lang_parse("zh-CN", &lang));
    assert_int_equal(lang, CERT_PDF_ZH_CN);
    assert_true(cert_pdf_lang_parse("en-GB", &lang));
    assert_int_equal(lang, CERT_PDF_EN);
    assert_true(cert_pdf_lang_parse("ZH", &lang));
    assert_int_equal(lang, CERT_PDF_ZH_CN);
    assert_false(cert_pdf_lang_parse("fr", &lang));
    assert_false(cert_pdf_lang_parse("english", &lang));
    assert_false(cert_pdf_lang_parse(NULL, &lang));
    assert_int_equal(lang, CERT_PDF_ZH_CN);
    drop_cert(&c);
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qr_text),     cmocka_unit_test(test_qr_fallback),
        cmocka_unit_test(test_pdf_zh),      cmocka_unit_test(test_pdf_en),
        cmocka_unit_test(test_pdf_many),    cmocka_unit_test(test_pdf_hostile),
        cmocka_unit_test(test_pdf_crowded), cmocka_unit_test(test_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
