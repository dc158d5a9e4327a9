/*
 * domain/evaluation_pdf.c — the printable evaluation report
 * (evaluation_pdf.h).
 *
 * Layout: A4 portrait, 50 pt margins, one column of text lines top to
 * bottom, a new page when the column is full:
 *
 *     评标报告 Evaluation report                       (title)
 *     项目 / 评标办法 / 报告 SHA-256 / 模板 / 开标记录 / 生成时间
 *     评标委员会       member, name, kind, chair, signed at (or 未签)
 *     投标排序         rank, bidder, price (yuan), total or evaluated price,
 *                      or why not valid
 *     中标候选人       rank, bidder, price, total
 *     评分异常提示     kind, member, bid, item, outcome, reason
 *     (footer)        the JSON and its hash prevail; how to verify
 *
 * Fonts: libhpdf's built-in CJK font SimSun with the GBK-EUC-H CMap (not
 * embedded; viewers bring their own, as for the witness certificate,
 * ledger/cert_pdf.c) and Helvetica for runs of ASCII, so extracted text has
 * plain digits and hashes; text is converted from UTF-8 to GBK with iconv,
 * a character GBK lacks shows as '?'. Lines longer than the column are
 * wrapped at a GBK character boundary (an ASCII byte is half an em wide,
 * a two-byte character one em).
 *
 * Errors: libhpdf reports through the handler given to HPDF_New; the first
 * error is kept and the render stops. No longjmp. The report is the
 * server's own canonical JSON (not outside input), read with jansson.
 */
#include "domain/evaluation_pdf.h"

#include <hpdf.h>
#include <iconv.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define PAGE_W   595.276f
#define PAGE_H   841.89f
#define MARGIN   50.0f
#define SIZE     9.0f
#define LEAD     13.0f
#define LINE_MAX ((int)((PAGE_W - 2 * MARGIN) / (SIZE / 2))) /* half-ems per line */
#define TEXT_MAX 2048

struct pdf {
    HPDF_Doc doc;
    HPDF_Page page;
    HPDF_Font font, bold;      /* CJK: SimSun, SimHei (GBK-EUC-H) */
    HPDF_Font sans, sans_bold; /* ASCII: Helvetica */
    iconv_t cd;
    float y;
    HPDF_STATUS error;
};

static void on_error(HPDF_STATUS error, HPDF_STATUS detail, void *user)
{
    struct pdf *p = user;
    (void)detail;
    if (error != HPDF_STREAM_EOF && p->error == 0)
        p->error = error;
}

static void new_page(struct pdf *p)
{
    p->page = HPDF_AddPage(p->doc);
    if (p->error == 0)
        HPDF_Page_SetSize(p->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    p->y = PAGE_H - MARGIN;
}

/* UTF-8 -> GBK into out (NUL-terminated); unconvertible characters '?'. */
static void to_gbk(struct pdf *p, const char *s, char *out, size_t cap)
{
    char *in = (char *)(uintptr_t)s, *o = out;
    size_t il = strlen(s), ol = cap - 1;
    iconv(p->cd, NULL, NULL, NULL, NULL);
    while (il > 0 && ol > 0) {
        if (iconv(p->cd, &in, &il, &o, &ol) != (size_t)-1)
            break;
        /* skip one UTF-8 character, write '?' */
        size_t k = 1;
        while (k < il && ((unsigned char)in[k] & 0xC0) == 0x80)
            k++;
        in += k;
        il -= k;
        *o++ = '?';
        ol--;
    }
    *o = '\0';
}

/* Draws n bytes of GBK text at (x, p->y): runs of ASCII in Helvetica (so
 * text extraction gives plain ASCII, not full-width forms), the rest in the
 * CJK font. */
static void runs(struct pdf *p, bool bold, float x, const char *g, size_t n)
{
    char run[TEXT_MAX];
    float size = bold ? SIZE + 1 : SIZE;
    size_t i = 0;
    HPDF_Page_BeginText(p->page);
    while (i < n && p->error == 0) {
        bool ascii = (unsigned char)g[i] < 0x80;
        size_t j = i;
        while (j < n && ((unsigned char)g[j] < 0x80) == ascii)
            j += ascii || j + 1 >= n ? 1 : 2;
        if (j > n)
            j = n;
        memcpy(run, g + i, j - i);
        run[j - i] = '\0';
        HPDF_Page_SetFontAndSize(
            p->page, ascii ? (bold ? p->sans_bold : p->sans) : (bold ? p->bold : p->font), size);
        HPDF_Page_TextOut(p->page, x, p->y, run);
        x += HPDF_Page_TextWidth(p->page, run);
        i = j;
    }
    HPDF_Page_EndText(p->page);
}

/* One line of text (wrapped), indented by indent points. */
static void line(struct pdf *p, bool bold, float indent, const char *utf8)
{
    char g[TEXT_MAX];
    to_gbk(p, utf8, g, sizeof g);
    size_t n = strlen(g), i = 0;
    int max = LINE_MAX - (int)(indent / (SIZE / 2));
    do {
        size_t j = i;
        int w = 0;
        while (j < n) {
            int cw = (unsigned char)g[j] >= 0x81 && j + 1 < n ? 2 : 1;
            if (w + cw > max)
                break;
            w += cw;
            j += (size_t)cw;
        }
        if (p->y < MARGIN + LEAD)
            new_page(p);
        runs(p, bold, MARGIN + indent, g + i, j - i);
        p->y -= LEAD;
        i = j;
    } while (i < n && p->error == 0);
}

static void linef(struct pdf *p, bool bold, float indent, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void linef(struct pdf *p, bool bold, float indent, const char *fmt, ...)
{
    char s[TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s, sizeof s, fmt, ap);
    va_end(ap);
    line(p, bold, indent, s);
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static long long num(json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

/* A decimal number of the report (points) as written. */
static void dec(json_t *o, const char *k, char *out, size_t n)
{
    json_t *v = json_object_get(o, k);
    if (json_is_real(v))
        snprintf(out, n, "%.2f", json_real_value(v));
    else if (json_is_integer(v))
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else
        snprintf(out, n, "-");
}

static void yuan(long long fen, char *out, size_t n)
{
    snprintf(out, n, "%s%lld.%02lld", fen < 0 ? "-" : "", (fen < 0 ? -fen : fen) / 100,
             (fen < 0 ? -fen : fen) % 100);
}

/* Beijing time of ms. */
static void bjt(long long ms, char *out, size_t n)
{
    time_t t = (time_t)(ms / 1000) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static void render(struct pdf *p, json_t *r, const char *sha, const struct eval_signature *sigs,
                   int nsigs)
{
    char a[64], b[64], c[64];
    new_page(p);
    line(p, true, 0, "评标报告  Evaluation report");
    p->y -= 4;
    linef(p, false, 0, "项目 Tender: %s  %s", str(r, "code"), str(r, "title"));
    if (json_object_get(r, "lot") != NULL) /* reports from before lots have none */
        linef(p, false, 0, "标段 Lot %lld %s  第 %lld 轮 Round", num(r, "lot"), str(r, "lot_name"),
              num(r, "round"));
    linef(p, false, 0, "评标办法 Method: %s", str(r, "method"));
    linef(p, false, 0, "报告 SHA-256: %s", sha);
    if (*str(r, "previous_report_sha256") != '\0')
        linef(p, false, 0, "上一轮报告 Previous round SHA-256: %s",
              str(r, "previous_report_sha256"));
    linef(p, false, 0, "评标办法模板 SHA-256: %s", str(r, "template_sha256"));
    linef(p, false, 0, "开标记录 SHA-256: %s", str(r, "opening_record_sha256"));
    bjt(num(r, "built_ms"), a, sizeof a);
    linef(p, false, 0, "生成时间 Built (UTC+8): %s", a);
    yuan(num(r, "price_base_fen"), a, sizeof a);
    linef(p, false, 0, "评标基准价 Price base: %s 元", a);
    p->y -= 6;
    line(p, true, 0, "评标委员会 Committee");
    json_t *m = json_object_get(r, "committee");
    for (size_t i = 0; i < json_array_size(m); i++) {
        json_t *x = json_array_get(m, i);
        long long id = num(x, "member_id");
        const char *signed_at = "未签 not signed";
        for (int k = 0; k < nsigs; k++)
            if (sigs[k].member_id == id) {
                bjt(sigs[k].signed_ms, b, sizeof b);
                signed_at = b;
            }
        linef(p, false, 12, "#%lld  %s  %s%s  签名 signed: %s", id, str(x, "name"),
              strcmp(str(x, "kind"), "rep") == 0 ? "招标人代表" : "专家",
              json_is_true(json_object_get(x, "chair")) ? "  负责人 chair" : "", signed_at);
    }
    p->y -= 6;
    line(p, true, 0, "投标排序 Bids");
    json_t *bids = json_object_get(r, "bids");
    for (size_t i = 0; i < json_array_size(bids); i++) {
        json_t *x = json_array_get(bids, i);
        yuan(num(x, "price_fen"), a, sizeof a);
        if (!json_is_true(json_object_get(x, "valid"))) {
            linef(p, false, 12, "-  %s  报价 %s 元  无效 not valid: %s %s", str(x, "bidder"), a,
                  str(x, "invalid"), str(x, "failed_criterion"));
        } else if (json_object_get(x, "total") != NULL) {
            dec(x, "total", b, sizeof b);
            linef(p, false, 12, "%lld  %s  报价 %s 元  总分 total %s", num(x, "rank"),
                  str(x, "bidder"), a, b);
        } else if (json_object_get(x, "evaluated_fen") != NULL) {
            yuan(num(x, "evaluated_fen"), b, sizeof b);
            linef(p, false, 12, "%lld  %s  报价 %s 元  评标价 evaluated %s 元", num(x, "rank"),
                  str(x, "bidder"), a, b);
        } else {
            linef(p, false, 12, "%lld  %s  报价 %s 元", num(x, "rank"), str(x, "bidder"), a);
        }
    }
    p->y -= 6;
    line(p, true, 0, "中标候选人 Candidates");
    json_t *cs = json_object_get(r, "candidates");
    for (size_t i = 0; i < json_array_size(cs); i++) {
        json_t *x = json_array_get(cs, i);
        yuan(num(x, "price_fen"), a, sizeof a);
        dec(x, "total", b, sizeof b);
        linef(p, false, 12, "第 %lld 名  %s  报价 %s 元  总分 %s", num(x, "rank"), str(x, "bidder"),
              a, b);
    }
    if (json_is_true(json_object_get(r, "tie_at_cutoff")))
        line(p, false, 12, "注：末位候选人与下一名并列 (tie at the last candidate)");
    json_t *ws = json_object_get(r, "warnings");
    if (json_array_size(ws) > 0) {
        p->y -= 6;
        line(p, true, 0, "评分异常提示 Score warnings");
        for (size_t i = 0; i < json_array_size(ws); i++) {
            json_t *x = json_array_get(ws, i);
            dec(x, "score", b, sizeof b);
            dec(x, "median", c, sizeof c);
            linef(p, false, 12, "%s  评委 #%lld  投标人 %lld  %s  分数 %s (%s)  %s: %s",
                  str(x, "kind"), num(x, "member_id"), num(x, "org_id"), str(x, "item"), b, c,
                  str(x, "status"), str(x, "reason"));
        }
    }
    p->y -= 10;
    line(p, false, 0,
         "本页为评标报告的打印件，以报告 JSON 文件及上列 SHA-256 为准。各成员以个人证书签署消息 "
         "\"sunbid-evaluation-report/1:<SHA-256>\"，签名见 GET "
         "/api/tenders/:id/evaluation/report。");
}

int evaluation_report_pdf(const char *report, size_t len, const char *report_sha,
                          const struct eval_signature *sigs, int n, struct buf *out, char *err,
                          size_t errlen)
{
    struct pdf p = {0};
    json_error_t jerr;
    int rc = -1;
    p.cd = (iconv_t)-1;
    json_t *r = json_loadb(report, len, 0, &jerr);
    if (!json_is_object(r)) {
        snprintf(err, errlen, "the report is not JSON");
        goto out;
    }
    p.cd = iconv_open("GBK", "UTF-8");
    if (p.cd == (iconv_t)-1) {
        snprintf(err, errlen, "iconv UTF-8 -> GBK unavailable");
        goto out;
    }
    p.doc = HPDF_New(on_error, &p);
    if (p.doc == NULL) {
        snprintf(err, errlen, "libhpdf: out of memory");
        goto out;
    }
    HPDF_SetCompressionMode(p.doc, HPDF_COMP_ALL);
    HPDF_UseCNSFonts(p.doc);
    HPDF_UseCNSEncodings(p.doc);
    p.font = HPDF_GetFont(p.doc, "SimSun", "GBK-EUC-H");
    p.bold = HPDF_GetFont(p.doc, "SimHei", "GBK-EUC-H");
    p.sans = HPDF_GetFont(p.doc, "Helvetica", "WinAnsiEncoding");
    p.sans_bold = HPDF_GetFont(p.doc, "Helvetica-Bold", "WinAnsiEncoding");
    HPDF_SetInfoAttr(p.doc, HPDF_INFO_CREATOR, "sunbid " SUNBID_VERSION);
    HPDF_SetInfoAttr(p.doc, HPDF_INFO_TITLE, "Evaluation report");
    if (p.error == 0)
        render(&p, r, report_sha ? report_sha : "", sigs, n);
    if (p.error != 0 || HPDF_SaveToStream(p.doc) != HPDF_OK) {
        snprintf(err, errlen, "libhpdf error 0x%04x", (unsigned)p.error);
        goto out;
    }
    HPDF_UINT32 size = HPDF_GetStreamSize(p.doc);
    if (size == 0 || size > EVALUATION_PDF_MAX || buf_reserve(out, size) != BUF_OK) {
        snprintf(err, errlen, "the PDF is %u bytes", (unsigned)size);
        goto out;
    }
    HPDF_UINT32 got = 0;
    while (got < size) {
        HPDF_UINT32 k = size - got;
        HPDF_STATUS st = HPDF_ReadFromStream(p.doc, (HPDF_BYTE *)out->data + out->len + got, &k);
        got += k;
        if (st != HPDF_OK || k == 0)
            break;
    }
    if (got != size) {
        snprintf(err, errlen, "libhpdf gave %u of %u bytes", (unsigned)got, (unsigned)size);
        goto out;
    }
    out->len += size;
    out->data[out->len] = '\0';
    rc = 0;
out:
    if (p.doc != NULL)
        HPDF_Free(p.doc);
    if (p.cd != (iconv_t)-1)
        iconv_close(p.cd);
    json_decref(r);
    return rc;
}
