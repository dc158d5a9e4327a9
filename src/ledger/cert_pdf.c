/*
 * ledger/cert_pdf.c — the printable witness certificate (cert_pdf.h): one
 * A4 page of PDF drawn with libhpdf, and the QR payload drawn on it with
 * libqrencode.
 *
 * Page (points, origin bottom left; A4 = 595 x 842):
 *
 *     +--------------------------------------------------------+
 *     |                    电子见证证书                          |  title, issuer
 *     |------------------------------------------------+-------|
 *     | 证明对象   招标项目 #7                          |  QR   |  the claims, one
 *     | 签发时间   ... (UTC+8)                          | code  |  label/value row
 *     | 日志来源 / 哈希算法 / 检查点 / 公钥 / 联署 / 时间戳 |       |  each (wrapped or
 *     |------------------------------------------------+-------|  cut with "…")
 *     | 证书文件 SHA-256  <64 hex>                               |
 *     | 见证条目 (共 N 条)                                        |
 *     | 序号 | 事件 | 对象 | 操作人 | 时间 | 叶哈希                 |  as many rows as
 *     | ...                                    … 共 N 条          |  fit, then a count
 *     | 如何验证 ...                                              |  placed from the
 *     |                     footer                               |  bottom up
 *     +--------------------------------------------------------+
 *
 * Fonts. Chinese uses libhpdf's built-in CJK fonts (HPDF_UseCNSFonts:
 * "SimSun", "SimHei") with the predefined CMap "GBK-EUC-H": text is
 * converted from UTF-8 to GBK with glibc's iconv, and the fonts are NOT
 * embedded (Adobe-GB1 CIDs; viewers bring their own: Noto Sans CJK via
 * poppler-data on Debian, built-in CMaps in pdf.js and PDFium). ASCII is
 * drawn in Helvetica / Courier instead: cleaner, and text extraction gives
 * plain ASCII digits rather than full-width ones. Every string is cut into
 * runs of ASCII and non-ASCII and each run drawn in its font; a character
 * GBK lacks, a control character or a bad UTF-8 byte shows as '?' / ' '.
 *
 * Owns: nothing beyond one call: the HPDF_Doc, the iconv descriptor and the
 * QRcode are made and freed inside cert_pdf(). Any thread may call it.
 *
 * Errors: libhpdf reports through the error handler given to HPDF_New; ours
 * records the first error and returns, libhpdf then returns the status to
 * its caller, and every step checks p->error. No longjmp.
 *
 * Determinism: libhpdf writes no document id without encryption; the
 * creation date is issued_ms (UTC+8), the producer is libhpdf's fixed
 * string. Same inputs, same bytes.
 */
#include "ledger/cert_pdf.h"

#include <errno.h>
#include <hpdf.h>
#include <iconv.h>
#include <inttypes.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/base64.h"
#include "base/jsonr.h"
#include "base/utf8.h"

/* ---------------------------------------------------------------------- */
/* Texts                                                                   */

enum msg {
    M_TITLE,
    M_SUBTITLE,
    M_ISSUER,
    M_SUBJECT,
    M_ISSUED,
    M_ORIGIN,
    M_ALG,
    M_SIZE,
    M_ROOT,
    M_KEYS,
    M_WITNESSES,
    M_TSA,
    M_TSA_YES,
    M_NONE,
    M_FILE,
    M_URL,
    M_ENTRIES,
    M_COL_INDEX,
    M_COL_EVENT,
    M_COL_SUBJECT,
    M_COL_ACTOR,
    M_COL_TIME,
    M_COL_LEAF,
    M_WITHHELD,
    M_UNREADABLE,
    M_MORE,
    M_MORE_WITNESSES,
    M_HOWTO,
    M_HOWTO_1,
    M_HOWTO_CMD,
    M_HOWTO_URL,
    M_HOWTO_2,
    M_QR_CAPTION,
    M_FOOTER,
    M_TZ,
    M_COUNT
};

/* [msg][lang]: Simplified Chinese, English; {1} and {2} are filled in by
 * fill() (not printf formats: the compiler checks those, and these vary). */
static const char *const texts[M_COUNT][2] = {
    [M_TITLE] = {"电子见证证书", "Witness Certificate"},
    [M_SUBTITLE] = {"Witness Certificate \xc2\xb7 " CERT_FORMAT,
                    "电子见证证书 \xc2\xb7 " CERT_FORMAT},
    [M_ISSUER] = {"签发平台：{1}", "Issued by {1}"},
    [M_SUBJECT] = {"证明对象", "Subject"},
    [M_ISSUED] = {"签发时间", "Issued"},
    [M_ORIGIN] = {"日志来源", "Log origin"},
    [M_ALG] = {"哈希算法", "Hash"},
    [M_SIZE] = {"检查点树大小", "Tree size"},
    [M_ROOT] = {"检查点根哈希", "Root hash"},
    [M_KEYS] = {"日志签名公钥", "Log keys"},
    [M_WITNESSES] = {"见证联署", "Cosignatures"},
    [M_TSA] = {"可信时间戳", "Timestamp"},
    [M_TSA_YES] = {"有（RFC 3161，见证书文件）", "present (RFC 3161 token in the file)"},
    [M_NONE] = {"无", "none"},
    [M_FILE] = {"证书文件 SHA-256", "File SHA-256"},
    [M_URL] = {"在线验证", "Verify online"},
    [M_ENTRIES] = {"见证条目（共 {1} 条）", "Entries ({1})"},
    [M_COL_INDEX] = {"序号", "Index"},
    [M_COL_EVENT] = {"事件", "Event"},
    [M_COL_SUBJECT] = {"对象", "Subject"},
    [M_COL_ACTOR] = {"操作人", "Actor"},
    [M_COL_TIME] = {"时间（UTC+8）", "Time (UTC+8)"},
    [M_COL_LEAF] = {"叶哈希（前 8 字节）", "Leaf hash (8 bytes)"},
    [M_WITHHELD] = {"不公开", "withheld"},
    [M_UNREADABLE] = {"（无法解析）", "(unreadable)"},
    [M_MORE] = {"…… 共 {1} 条，此处列出前 {2} 条，完整列表见证书文件",
                "... {1} entries in all; the first {2} are listed here, all are in the file"},
    [M_MORE_WITNESSES] = {"另有 {1} 个联署，见证书文件", "and {1} more, see the file"},
    [M_HOWTO] = {"如何验证", "How to verify"},
    [M_HOWTO_1] = {"本页是电子见证证书文件的打印件，以电子文件为准。请先核对证书文件的 "
                   "SHA-256 与本页一致，再离线验证：",
                   "This page is a printout of a witness certificate file; the file "
                   "prevails. Check that the file's SHA-256 matches this page, then verify "
                   "it offline:"},
    [M_HOWTO_CMD] = {"sunbid verify <证书文件> --key <日志公钥>",
                     "sunbid verify <certificate file> --key <log key>"},
    [M_HOWTO_URL] = {"或将证书文件上传至 {1} 验证。", "or upload the file at {1}."},
    [M_HOWTO_2] = {"二维码（sunbid-witness/1 格式）载有签名的检查点、证书文件 SHA-256 "
                   "与前几个条目的叶哈希，可凭日志公钥离线核对签名并与证书文件比对。日志公钥"
                   "请从平台公布的渠道（/api/ledger/key）另行取得，勿仅凭本页。",
                   "The QR code (format sunbid-witness/1) holds the signed checkpoint, the "
                   "file's SHA-256 and the leaf hashes of the first entries: with the log's "
                   "key the signature can be checked offline and matched to the file. Get "
                   "the log's key from the platform's published channel (/api/ledger/key), "
                   "not from this page."},
    [M_QR_CAPTION] = {"扫码核对 \xc2\xb7 QR {1} \xc2\xb7 {2} 字节",
                      "scan to check \xc2\xb7 QR {1} \xc2\xb7 {2} bytes"},
    [M_FOOTER] = {CERT_FORMAT " \xc2\xb7 第 1 页，共 1 页 \xc2\xb7 以电子文件为准",
                  CERT_FORMAT " \xc2\xb7 page 1 of 1 \xc2\xb7 the electronic file prevails"},
    [M_TZ] = {"（北京时间 UTC+8）", " (UTC+8)"},
};

/* Event types with a label; anything else is shown as its raw type. Only
 * org.create is logged today (docs/ledger.md); the rest name the events
 * the tender life cycle (DESIGN.md §3) is expected to log. */
static const struct {
    const char *type;
    const char *label[2];
} events[] = {
    {"org.create", {"机构注册", "Organisation registered"}},
    {"org.update", {"机构信息变更", "Organisation updated"}},
    {"user.create", {"创建用户", "User created"}},
    {"tender.create", {"创建招标项目", "Tender created"}},
    {"tender.publish", {"发布招标公告", "Tender published"}},
    {"tender.amend", {"招标文件修改", "Tender amended"}},
    {"tender.clarify", {"答疑澄清", "Clarification"}},
    {"tender.objection", {"提出异议", "Objection"}},
    {"bid.submit", {"递交投标文件", "Bid submitted"}},
    {"bid.withdraw", {"撤回投标文件", "Bid withdrawn"}},
    {"opening.start", {"开标", "Opening started"}},
    {"opening.decrypt", {"投标文件解密", "Bid decrypted"}},
    {"opening.record", {"开标记录", "Opening record"}},
    {"expert.draw", {"抽取评标专家", "Experts drawn"}},
    {"evaluation.score", {"专家评分", "Expert scores"}},
    {"evaluation.report", {"评标报告", "Evaluation report"}},
    {"tender.publicity", {"中标候选人公示", "Candidates published"}},
    {"tender.award", {"中标通知", "Award notice"}},
    {"tender.contract", {"合同签订", "Contract signed"}},
    {"tender.fail", {"流标", "Tender failed"}},
    {"tender.cancel", {"终止招标", "Tender cancelled"}},
    {"tender.archive", {"归档", "Archived"}},
    {"auction.bid", {"竞价出价", "Auction bid"}},
    {"auction.close", {"竞价结束", "Auction closed"}},
    {"auction.bids", {"竞价出价（批）", "Auction bids (batch)"}},
    {"auction.envelope", {"密封报价递交", "Sealed auction bid"}},
    {"auction.reveal", {"密封报价解密", "Sealed auction bid opened"}},
    {"auction.result", {"竞价结果", "Auction result"}},
    {"tender.state", {"项目状态变更", "Tender state changed"}},
    {"tender.release", {"招标文件发售", "Documents released"}},
    {"tender.document", {"招标文件版本", "Tender document version"}},
    {"tender.clarification", {"澄清公告", "Clarification notice"}},
    {"tender.paused", {"项目暂停", "Tender paused"}},
    {"tender.resumed", {"项目恢复", "Tender resumed"}},
    {"tender.rule", {"法定时限规则", "Statutory rule"}},
    {"opening.open", {"开标大厅开启", "Opening hall opened"}},
    {"opening.phase", {"开标环节", "Opening phase"}},
    {"opening.failed", {"开标流标", "Opening failed"}},
    {"opening.expire", {"解密时限届满", "Decryption window ended"}},
    {"draw.commit", {"专家抽取承诺", "Expert draw committed"}},
    {"draw.reveal", {"专家抽取种子公开", "Expert draw seed revealed"}},
    {"evaluation.publicity", {"中标候选人公示", "Candidates published"}},
    {"evaluation.award", {"中标通知", "Award notice"}},
    {"evaluation.contract", {"合同签订", "Contract signed"}},
    {"escrow.create", {"托管密钥生成", "Escrow key made"}},
    {"escrow.recovered", {"托管密钥恢复", "Escrow key recovered"}},
    {"escrow.open", {"托管解密", "Opened by escrow"}},
    {"trust.add", {"信任证书机构", "CA trusted"}},
    {"trust.remove", {"撤销信任", "CA no longer trusted"}},
    {"notice.publish", {"发布公告", "Notice published"}},
    {"complaint.create", {"投诉", "Complaint filed"}},
};

static const struct {
    const char *type;
    const char *label[2];
} subjects[] = {
    {"entry", {"日志条目", "Log entry"}},
    {"tender", {"招标项目", "Tender"}},
    {"org", {"机构", "Organisation"}},
    {"bid", {"投标文件", "Bid"}},
    {"user", {"用户", "User"}},
    {"auction", {"竞价项目", "Auction"}},
    {"notice", {"公告", "Notice"}},
    {"expert", {"评标专家", "Expert"}},
    {"contract", {"合同", "Contract"}},
    {"complaint", {"投诉", "Complaint"}},
    {"evaluation", {"评标", "Evaluation"}},
    {"opening", {"开标", "Opening"}},
};

static const char *event_label(const char *type, enum cert_pdf_lang lang)
{
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++)
        if (strcmp(events[i].type, type) == 0)
            return events[i].label[lang];
    return type;
}

static const char *subject_label(const char *type, enum cert_pdf_lang lang)
{
    for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++)
        if (strcmp(subjects[i].type, type) == 0)
            return subjects[i].label[lang];
    return type;
}

bool cert_pdf_lang_parse(const char *s, enum cert_pdf_lang *lang)
{
    if (s == NULL)
        return false;
    if (strcasecmp(s, "zh") == 0 || strcasecmp(s, "zh-CN") == 0 || strcasecmp(s, "zh_CN") == 0 ||
        strcasecmp(s, "zh-Hans") == 0 || strcasecmp(s, "zh-Hans-CN") == 0) {
        *lang = CERT_PDF_ZH_CN;
        return true;
    }
    if (strcasecmp(s, "en") == 0 || strncasecmp(s, "en-", 3) == 0 ||
        strncasecmp(s, "en_", 3) == 0) {
        *lang = CERT_PDF_EN;
        return true;
    }
    return false;
}

void cert_pdf_filename(const struct cert *c, char *out, size_t n)
{
    char type[sizeof c->subject_type];
    size_t i = 0;
    for (; i < sizeof type - 1 && c->subject_type[i] != '\0'; i++) {
        char ch = c->subject_type[i];
        type[i] = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ? ch : '_';
    }
    type[i] = '\0';
    snprintf(out, n, "sunbid-certificate-%s-%" PRId64 ".pdf", i ? type : "subject", c->subject_id);
}

/* ---------------------------------------------------------------------- */
/* Small helpers shared by the QR text and the page                        */

/* "YYYY-MM-DD HH:MM[:SS]" in UTC+8 from unix milliseconds, without the
 * machine's TZ (gmtime_r of the shifted time). Out-of-range: "-". */
static void fmt_time(int64_t ms, bool seconds, char *out, size_t n)
{
    struct tm tm;
    /* year 1 .. 9999 keeps every field in range for the format */
    if (ms < -62135596800000LL || ms > 253402271999999LL) {
        snprintf(out, n, "-");
        return;
    }
    int64_t s = ms / 1000 - (ms % 1000 < 0 ? 1 : 0) + 8 * 3600;
    time_t t = (time_t)s;
    if (gmtime_r(&t, &tm) == NULL) {
        snprintf(out, n, "-");
        return;
    }
    /* the modulos state the ranges gmtime_r guarantees, for the compiler's
     * format-truncation check */
    unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u, mo = (unsigned)(tm.tm_mon + 1) % 100u,
             d = (unsigned)tm.tm_mday % 100u, hh = (unsigned)tm.tm_hour % 100u,
             mi = (unsigned)tm.tm_min % 100u, ss = (unsigned)tm.tm_sec % 100u;
    if (seconds)
        snprintf(out, n, "%04u-%02u-%02u %02u:%02u:%02u", y, mo, d, hh, mi, ss);
    else
        snprintf(out, n, "%04u-%02u-%02u %02u:%02u", y, mo, d, hh, mi);
}

/* Copies at most cap-1 bytes of s, cut at a UTF-8 character boundary. */
static void copy_text(char *dst, size_t cap, const char *s, size_t n)
{
    if (n > cap - 1) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Length of the UTF-8 character at s (1 for a bad byte). */
static size_t char_len(const char *s, size_t n)
{
    size_t k = utf8_seq((const unsigned char *)s, n);
    return k ? k : 1;
}

/* tmpl with "{1}" and "{2}" replaced by a and b (NULL: empty), cut at a
 * character boundary to fit n. */
static void fill(char *out, size_t n, const char *tmpl, const char *a, const char *b)
{
    size_t len = 0;
    for (const char *s = tmpl; *s != '\0';) {
        const char *v = s;
        size_t vl = 1;
        if (s[0] == '{' && (s[1] == '1' || s[1] == '2') && s[2] == '}') {
            v = s[1] == '1' ? a : b;
            v = v ? v : "";
            vl = strlen(v);
            s += 3;
        } else {
            vl = char_len(s, strlen(s));
            s += vl;
        }
        if (vl > n - 1 - len) {
            vl = n - 1 - len;
            while (vl > 0 && ((unsigned char)v[vl] & 0xC0) == 0x80)
                vl--;
            memcpy(out + len, v, vl);
            len += vl;
            break;
        }
        memcpy(out + len, v, vl);
        len += vl;
    }
    out[len] = '\0';
}

/* A one-line token for the QR text: [A-Za-z0-9._-], others become '_'. */
static void token(char *dst, size_t cap, const char *s)
{
    size_t i = 0;
    for (; i < cap - 1 && s[i] != '\0'; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
        dst[i] = ok ? ch : '_';
    }
    dst[i] = '\0';
    if (i == 0 && cap > 1) {
        dst[0] = '_';
        dst[1] = '\0';
    }
}

/* A printable single line (no control characters, valid UTF-8)? */
static bool one_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7f)
            return false;
        size_t k = utf8_seq((const unsigned char *)s + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* The signed note split into its text (through the blank line) and its
 * signature lines, each classified as the log's or a witness's. */
#define SIGS_MAX NOTE_MAX_SIGS
struct note_view {
    const char *text; /* the note text and the blank line */
    size_t text_len;
    struct {
        const char *line; /* "— NAME BASE64\n" (the '\n' may be missing at the end) */
        size_t len;
        const char *name; /* points into line */
        size_t nlen;
        bool log; /* signed by one of the log's keys (name = a key's name, or the origin) */
    } sig[SIGS_MAX];
    size_t nsig;
};

static const char em_dash_sp[] = "\xe2\x80\x94 "; /* "— " */

static bool is_log_name(const struct cert *c, const char *name, size_t nlen)
{
    for (size_t i = 0; i < c->nkeys && i < CERT_MAX_KEYS; i++) {
        const char *k = c->keys[i];
        if (k == NULL)
            continue;
        const char *plus = strchr(k, '+');
        size_t kl = plus ? (size_t)(plus - k) : strlen(k);
        if (kl == nlen && memcmp(k, name, nlen) == 0)
            return true;
    }
    return strlen(c->origin) == nlen && memcmp(c->origin, name, nlen) == 0;
}

/* Splits c->checkpoint. A note without a blank line is all text. */
static void note_split(const struct cert *c, struct note_view *v)
{
    const char *s = c->checkpoint;
    size_t n = c->checkpoint_len;
    memset(v, 0, sizeof *v);
    v->text = s;
    v->text_len = n;
    const char *blank = NULL;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == '\n' && s[i + 1] == '\n') {
            blank = s + i + 2;
            break;
        }
    }
    if (blank == NULL)
        return;
    v->text_len = (size_t)(blank - s);
    const char *p = blank, *end = s + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl + 1 : end;
        size_t len = (size_t)(le - p);
        if (v->nsig == SIGS_MAX) { /* more than a note may hold: keep as text */
            v->text_len = (size_t)(end - s);
            v->nsig = 0;
            return;
        }
        v->sig[v->nsig].line = p;
        v->sig[v->nsig].len = len;
        const char *name = p, *ne = p;
        size_t dl = sizeof em_dash_sp - 1;
        if (len > dl && memcmp(p, em_dash_sp, dl) == 0) {
            name = p + dl;
            ne = memchr(name, ' ', (size_t)(le - name));
            if (ne == NULL)
                ne = name;
        }
        v->sig[v->nsig].name = name;
        v->sig[v->nsig].nlen = (size_t)(ne - name);
        v->sig[v->nsig].log = is_log_name(c, name, (size_t)(ne - name));
        v->nsig++;
        p = le;
    }
}

/* ---------------------------------------------------------------------- */
/* The QR payload                                                          */

static int qr_build(const struct cert *c, const struct note_view *v, const char *hex,
                    const char *url, size_t nleaf, bool cosigs, struct buf *b)
{
    char type[sizeof c->subject_type];
    const char *alg = merkle_alg_name(c->alg);
    size_t omitted = 0;
    int rc = 0;

    token(type, sizeof type, c->subject_type);
    buf_reset(b);
    rc |= buf_puts(b, CERT_QR_FORMAT "\n");
    if (url != NULL)
        rc |= buf_printf(b, "url %s\n", url);
    rc |= buf_printf(b, "file-sha256 %s\n", hex);
    rc |= buf_printf(b, "subject %s %" PRId64 "\n", type, c->subject_id);
    rc |= buf_printf(b, "hash %s\n", alg ? alg : "unknown");
    rc |= buf_printf(b, "entries %zu\n", c->nentries);
    for (size_t i = 0; i < nleaf; i++) {
        char h[B64_LEN(MERKLE_HASH_LEN)];
        b64_encode(c->entries[i].leaf_hash, MERKLE_HASH_LEN, h);
        rc |= buf_printf(b, "leaf %" PRIu64 " %s\n", c->entries[i].index, h);
    }
    for (size_t i = 0; i < v->nsig; i++)
        omitted += !cosigs && !v->sig[i].log;
    if (omitted > 0)
        rc |= buf_printf(b, "cosignatures-omitted %zu\n", omitted);
    rc |= buf_puts(b, "checkpoint\n");
    rc |= buf_append(b, v->text, v->text_len);
    for (size_t i = 0; i < v->nsig; i++)
        if (cosigs || v->sig[i].log)
            rc |= buf_append(b, v->sig[i].line, v->sig[i].len);
    return rc == 0 ? 0 : -1;
}

int cert_qr_text(const struct cert *c, const uint8_t file_sha256[32], const char *verify_url,
                 struct buf *out)
{
    struct note_view v;
    struct buf b, best;
    char hex[HEX_LEN(32)];
    int rc = -1;

    if (c == NULL || file_sha256 == NULL || out == NULL || c->checkpoint == NULL ||
        c->checkpoint_len == 0 || (c->nentries > 0 && c->entries == NULL))
        return -1;
    if (verify_url != NULL && (verify_url[0] == '\0' || strlen(verify_url) > CERT_QR_MAX_URL ||
                               !one_line(verify_url, strlen(verify_url))))
        verify_url = NULL;
    hex_encode(file_sha256, 32, hex);
    note_split(c, &v);
    buf_init(&b, CERT_QR_HARD_MAX_BYTES);
    buf_init(&best, CERT_QR_HARD_MAX_BYTES);

    /* Largest first: all leaves (down to none) with cosignatures, then
     * without them, then without the URL. The first that fits the
     * preferred cap wins; else the smallest, if it fits a QR code. */
    size_t lmax = c->nentries < CERT_QR_MAX_LEAVES ? c->nentries : CERT_QR_MAX_LEAVES;
    for (int stage = 0; stage < 3 && rc != 0; stage++) {
        bool cosigs = stage == 0, url = stage < 2;
        for (size_t l = stage < 2 ? lmax + 1 : 1; l-- > 0;) {
            if (qr_build(c, &v, hex, url ? verify_url : NULL, l, cosigs, &b) != 0)
                continue;
            if (b.len <= CERT_QR_MAX_BYTES) {
                rc = 0;
                break;
            }
            buf_reset(&best);
            if (buf_append(&best, b.data, b.len) != BUF_OK)
                goto out;
        }
    }
    if (rc == 0) {
        rc = buf_append(out, b.data, b.len) == BUF_OK ? 0 : -1;
    } else if (best.len > 0) {
        rc = buf_append(out, best.data, best.len) == BUF_OK ? 0 : -1;
    }
out:
    buf_release(&b);
    buf_release(&best);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Drawing                                                                 */

enum style { ST_TEXT, ST_BOLD, ST_MONO };

/* One rendering. */
struct pdf {
    HPDF_Doc doc;
    HPDF_Page page;
    HPDF_Font cjk;      /* SimSun, GBK-EUC-H: non-ASCII text */
    HPDF_Font cjk_bold; /* SimHei, GBK-EUC-H */
    HPDF_Font sans;     /* Helvetica: ASCII text */
    HPDF_Font bold;     /* Helvetica-Bold */
    HPDF_Font mono;     /* Courier: hashes, keys, commands */
    iconv_t cd;         /* UTF-8 -> GBK; (iconv_t)-1 when not open */
    enum cert_pdf_lang lang;
    HPDF_STATUS error; /* first libhpdf error, 0 if none */
    HPDF_STATUS detail;
};

static const char *T(const struct pdf *p, enum msg m)
{
    return texts[m][p->lang];
}

static void on_hpdf_error(HPDF_STATUS error, HPDF_STATUS detail, void *user)
{
    struct pdf *p = user;
    if (error == HPDF_STREAM_EOF) /* reading the saved stream to its end */
        return;
    if (p->error == 0) {
        p->error = error;
        p->detail = detail;
    }
}

/* Page geometry, in points. */
#define PAGE_W    595.276f
#define PAGE_H    841.89f
#define LEFT      48.0f
#define RIGHT     (PAGE_W - 48.0f)
#define CONTENT   (RIGHT - LEFT)
#define VALUE_X   (LEFT + 92.0f) /* values of the label/value rows */
#define QR_SIZE   160.0f         /* the QR code with its quiet zone */
#define QR_X      (RIGHT - QR_SIZE)
#define ROW       13.5f /* label/value row height */
#define TROW      12.5f /* table row height */
#define HOWTO_PT  8.5f
#define ELLIPSIS  "\xe2\x80\xa6" /* "…" */
#define ENTRY_MAX (1 << 16)      /* entry bytes parsed for the table */

/* The GBK bytes (2) of one UTF-8 character; false when GBK lacks it. */
static bool to_gbk(struct pdf *p, const char *s, size_t n, char out[2])
{
    char in[4], o[8];
    char *ip = in, *op = o;
    size_t il = n, ol = sizeof o;
    if (n == 0 || n > sizeof in)
        return false;
    memcpy(in, s, n);
    iconv(p->cd, NULL, NULL, NULL, NULL);
    if (iconv(p->cd, &ip, &il, &op, &ol) == (size_t)-1 || il != 0 || sizeof o - ol != 2 ||
        (unsigned char)o[0] < 0x81)
        return false;
    out[0] = o[0];
    out[1] = o[1];
    return true;
}

/* Draws (or only measures, when !draw) one run already in its font's
 * encoding at (x, y); returns its width. */
static float run_out(struct pdf *p, HPDF_Font f, float size, char *run, size_t n, float x, float y,
                     bool draw)
{
    run[n] = '\0';
    HPDF_TextWidth tw = HPDF_Font_TextWidth(f, (const HPDF_BYTE *)run, (HPDF_UINT)n);
    if (draw && p->error == 0) {
        HPDF_Page_BeginText(p->page);
        HPDF_Page_SetFontAndSize(p->page, f, size);
        HPDF_Page_TextOut(p->page, x, y, run);
        HPDF_Page_EndText(p->page);
    }
    return (float)tw.width * size / 1000.0f;
}

/* Measures, or draws at (x, y), n bytes of UTF-8 s: ASCII runs in the Latin
 * font of the style, the rest in the CJK font. Returns the width. */
static float text(struct pdf *p, enum style st, float size, const char *s, size_t n, float x,
                  float y, bool draw)
{
    HPDF_Font latin = st == ST_MONO ? p->mono : st == ST_BOLD ? p->bold : p->sans;
    HPDF_Font cjk = st == ST_BOLD ? p->cjk_bold : p->cjk;
    char run[256];
    size_t rl = 0;
    bool in_cjk = false;
    float w = 0;
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        char enc[2];
        size_t el, adv;
        bool is_cjk;
        if (ch < 0x80) {
            enc[0] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
            el = 1;
            adv = 1;
            is_cjk = false;
        } else if ((ch == 0xC2 || ch == 0xC3) && i + 1 < n &&
                   ((unsigned char)s[i + 1] & 0xC0) == 0x80 &&
                   (ch == 0xC3 || (unsigned char)s[i + 1] >= 0xA0)) {
            /* U+00A0..U+00FF: the same byte in WinAnsiEncoding */
            enc[0] = (char)(((ch & 0x1F) << 6) | ((unsigned char)s[i + 1] & 0x3F));
            el = 1;
            adv = 2;
            is_cjk = false;
        } else {
            adv = utf8_seq((const unsigned char *)s + i, n - i);
            if (adv == 0 || !to_gbk(p, s + i, adv, enc)) {
                enc[0] = '?';
                el = 1;
                is_cjk = false;
                adv = adv ? adv : 1;
            } else {
                el = 2;
                is_cjk = true;
            }
        }
        if (rl > 0 && (is_cjk != in_cjk || rl + el >= sizeof run)) {
            w += run_out(p, in_cjk ? cjk : latin, size, run, rl, x + w, y, draw);
            rl = 0;
        }
        in_cjk = is_cjk;
        memcpy(run + rl, enc, el);
        rl += el;
        i += adv;
    }
    if (rl > 0)
        w += run_out(p, in_cjk ? cjk : latin, size, run, rl, x + w, y, draw);
    return w;
}

static float text_width(struct pdf *p, enum style st, float size, const char *s)
{
    return text(p, st, size, s, strlen(s), 0, 0, false);
}

/* Draws s (n bytes) at (x, y) within maxw: cut at a character and ended
 * with "…" when wider. Returns the width drawn. */
static float text_fit_n(struct pdf *p, enum style st, float size, float x, float y, float maxw,
                        const char *s, size_t n)
{
    if (text(p, st, size, s, n, 0, 0, false) <= maxw)
        return text(p, st, size, s, n, x, y, true);
    float ell = text(p, st, size, ELLIPSIS, sizeof ELLIPSIS - 1, 0, 0, false);
    float acc = 0;
    size_t i = 0;
    while (i < n) {
        size_t k = char_len(s + i, n - i);
        float cw = text(p, st, size, s + i, k, 0, 0, false);
        if (acc + cw + ell > maxw)
            break;
        acc += cw;
        i += k;
    }
    float w = text(p, st, size, s, i, x, y, true);
    return w + text(p, st, size, ELLIPSIS, sizeof ELLIPSIS - 1, x + w, y, true);
}

static float text_fit(struct pdf *p, enum style st, float size, float x, float y, float maxw,
                      const char *s)
{
    return text_fit_n(p, st, size, x, y, maxw, s, strlen(s));
}

static bool word_char(char ch)
{
    return ch > ' ' && ch < 0x7f;
}

/* Draws s wrapped to maxw from baseline y down by `lead`, at most maxlines
 * lines (the last one cut with "…"); measures only when !draw. Breaks
 * at the last space before an ASCII word that does not fit (when that space
 * is past a third of the line), else at any character (CJK text has no
 * spaces). Returns the lines used. */
static int text_wrap(struct pdf *p, enum style st, float size, float x, float y, float maxw,
                     float lead, const char *s, int maxlines, bool draw)
{
    size_t n = strlen(s), start = 0;
    int lines = 0;
    while (start < n && lines < maxlines) {
        if (lines == maxlines - 1 || text(p, st, size, s + start, n - start, 0, 0, false) <= maxw) {
            if (draw)
                text_fit_n(p, st, size, x, y - lead * (float)lines, maxw, s + start, n - start);
            lines++;
            break;
        }
        float acc = 0;
        size_t i = start, space = 0;
        while (i < n) {
            size_t k = char_len(s + i, n - i);
            float cw = text(p, st, size, s + i, k, 0, 0, false);
            if (acc + cw > maxw && i > start)
                break;
            if (s[i] == ' ' && acc > maxw / 3)
                space = i;
            acc += cw;
            i += k;
        }
        /* inside an ASCII word: back to its space, if there is one */
        size_t end = i;
        if (i < n && word_char(s[i]) && word_char(s[i - 1]) && space > start)
            end = space;
        if (draw)
            text(p, st, size, s + start, end - start, x, y - lead * (float)lines, true);
        lines++;
        start = end;
        while (start < n && s[start] == ' ')
            start++;
    }
    return lines;
}

static void text_center(struct pdf *p, enum style st, float size, float y, const char *s)
{
    float w = text_width(p, st, size, s);
    if (w > CONTENT)
        w = CONTENT;
    text_fit(p, st, size, LEFT + (CONTENT - w) / 2, y, CONTENT, s);
}

static void hline(struct pdf *p, float x0, float x1, float y, float width, float gray)
{
    HPDF_Page_SetLineWidth(p->page, width);
    HPDF_Page_SetGrayStroke(p->page, gray);
    HPDF_Page_MoveTo(p->page, x0, y);
    HPDF_Page_LineTo(p->page, x1, y);
    HPDF_Page_Stroke(p->page);
}

static void label(struct pdf *p, float y, enum msg m)
{
    HPDF_Page_SetGrayFill(p->page, 0.35f);
    text_fit(p, ST_TEXT, 9, LEFT, y, VALUE_X - LEFT - 6, T(p, m));
    HPDF_Page_SetGrayFill(p->page, 0);
}

/* The QR code as filled rectangles, one per run of dark modules in a row,
 * with a 4-module quiet zone, in a square of side `size` whose top left
 * is (x, top). */
static int draw_qr(struct pdf *p, const char *s, size_t n, float x, float top, float size,
                   int *version)
{
    QRcode *q = QRcode_encodeData((int)n, (const unsigned char *)s, 0, QR_ECLEVEL_M);
    if (q == NULL)
        return errno == ENOMEM ? CERT_PDF_ENOMEM : CERT_PDF_EQR;
    int w = q->width;
    float m = size / (float)(w + 8);
    *version = q->version;
    HPDF_Page_SetGrayFill(p->page, 0);
    for (int r = 0; r < w; r++) {
        const unsigned char *row = q->data + (size_t)r * (size_t)w;
        for (int col = 0; col < w;) {
            if (!(row[col] & 1)) {
                col++;
                continue;
            }
            int run = 1;
            while (col + run < w && (row[col + run] & 1))
                run++;
            /* a hair of overlap so anti-aliased renderers show no seams */
            HPDF_Page_Rectangle(p->page, x + (float)(4 + col) * m,
                                top - (float)(4 + r + 1) * m - 0.02f, (float)run * m + 0.02f,
                                m + 0.04f);
            col += run;
        }
    }
    HPDF_Page_Fill(p->page);
    QRcode_free(q);
    return CERT_PDF_OK;
}

/* What the page shows of one entry. */
struct entry_view {
    char event[96];    /* label or raw type */
    char subject[128]; /* "招标项目 #7" */
    char actor[96];
    char time[24];
    bool withheld;
    bool unreadable;
};

static void entry_view(const struct pdf *p, const struct cert_entry *e, struct entry_view *v)
{
    memset(v, 0, sizeof *v);
    if (e->entry == NULL) {
        v->withheld = true;
        return;
    }
    enum err jerr;
    const char *msg = NULL;
    json_t *j =
        jsonr_parse((const char *)e->entry, e->entry_len, ENTRY_MAX, JSONR_MAX_DEPTH, &jerr, &msg);
    json_t *type = j ? json_object_get(j, "type") : NULL;
    if (!json_is_string(type)) {
        v->unreadable = true;
        json_decref(j);
        return;
    }
    const char *ty = json_string_value(type);
    const char *lab = event_label(ty, p->lang);
    copy_text(v->event, sizeof v->event, lab, strlen(lab));
    json_t *sub = json_object_get(j, "subject");
    json_t *st = json_object_get(sub, "type"), *sid = json_object_get(sub, "id");
    if (json_is_string(st)) {
        const char *sl = subject_label(json_string_value(st), p->lang);
        char tmp[128];
        if (json_is_integer(sid))
            snprintf(tmp, sizeof tmp, "%.100s #%" JSON_INTEGER_FORMAT, sl, json_integer_value(sid));
        else
            snprintf(tmp, sizeof tmp, "%.100s", sl);
        copy_text(v->subject, sizeof v->subject, tmp, strlen(tmp));
    }
    json_t *actor = json_object_get(j, "actor");
    json_t *an = json_object_get(actor, "name");
    if (json_is_string(an))
        copy_text(v->actor, sizeof v->actor, json_string_value(an), json_string_length(an));
    json_t *tm = json_object_get(j, "time_ms");
    if (json_is_integer(tm))
        fmt_time(json_integer_value(tm), false, v->time, sizeof v->time);
    json_decref(j);
}

/* Table columns: x offsets from LEFT and widths. */
static const float col_x[] = {0, 40, 140, 230, 335, 409};
#define NCOLS 6

static void table_row(struct pdf *p, float y, const char *const cells[NCOLS],
                      const enum style st[NCOLS], float size)
{
    for (int i = 0; i < NCOLS; i++) {
        float w = (i + 1 < NCOLS ? col_x[i + 1] : CONTENT) - col_x[i] - 5;
        if (cells[i] != NULL)
            text_fit(p, st[i], size, LEFT + col_x[i] + 2, y, w, cells[i]);
    }
}

/* The key text's "NAME+HHHHHHHH" and its signature type. A name longer
 * than KEY_NAME_SHOWN bytes keeps its start and end around "…", so the
 * key id (what a reader compares) is never cut off. */
#define KEY_NAME_SHOWN 72
static void key_id(const char *k, char *out, size_t n)
{
    const char *p1 = strchr(k, '+');
    const char *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
    const char *type = "";
    if (p2 == NULL) {
        copy_text(out, n, k, strlen(k));
        return;
    }
    uint8_t raw[3];
    if (strlen(p2 + 1) >= 4 && b64_decode(p2 + 1, 4, raw, sizeof raw, 0) == 3)
        type = raw[0] == NOTE_ED25519 ? " (Ed25519)" : raw[0] == NOTE_SM2 ? " (SM2)" : "";
    size_t nl = (size_t)(p1 - k);
    char name[KEY_NAME_SHOWN + 8];
    if (nl <= KEY_NAME_SHOWN) {
        copy_text(name, sizeof name, k, nl);
    } else {
        size_t head = KEY_NAME_SHOWN / 2, tail = KEY_NAME_SHOWN / 2 - 4;
        while (head > 0 && ((unsigned char)k[head] & 0xC0) == 0x80)
            head--;
        while (tail > 0 && ((unsigned char)p1[-(ptrdiff_t)tail] & 0xC0) == 0x80)
            tail--;
        snprintf(name, sizeof name, "%.*s" ELLIPSIS "%.*s", (int)head, k, (int)tail, p1 - tail);
    }
    char tmp[sizeof name + 64];
    snprintf(tmp, sizeof tmp, "%s%.*s%s", name, (int)((size_t)(p2 - p1) < 40 ? p2 - p1 : 40), p1,
             type);
    copy_text(out, n, tmp, strlen(tmp));
}

/* A cosignature line's signed time (unix seconds), or -1 when the line is
 * not shaped like one (key id 4, time 8, signature 64). */
static int64_t cosig_time(const char *line, size_t len, const char *name, size_t nlen)
{
    const char *b = name + nlen + 1, *end = line + len;
    if (b >= end)
        return -1;
    while (end > b && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    uint8_t raw[COSIGN_SIG_LEN + 3];
    if ((size_t)(end - b) != B64_LEN(COSIGN_SIG_LEN) - 1 ||
        b64_decode(b, (size_t)(end - b), raw, sizeof raw, 0) != COSIGN_SIG_LEN)
        return -1;
    uint64_t t = 0;
    for (int i = 4; i < 12; i++)
        t = t << 8 | raw[i];
    return t > (uint64_t)INT64_MAX / 1000 ? -1 : (int64_t)t;
}

/* The frame and the title block. */
static void draw_header(struct pdf *p, const char *issuer)
{
    char line[512];

    HPDF_Page_SetLineWidth(p->page, 1.2f);
    HPDF_Page_SetGrayStroke(p->page, 0.25f);
    HPDF_Page_Rectangle(p->page, 24, 24, PAGE_W - 48, PAGE_H - 48);
    HPDF_Page_Stroke(p->page);
    HPDF_Page_SetLineWidth(p->page, 0.4f);
    HPDF_Page_Rectangle(p->page, 28, 28, PAGE_W - 56, PAGE_H - 56);
    HPDF_Page_Stroke(p->page);

    /* title */
    text_center(p, ST_BOLD, 26, PAGE_H - 86, T(p, M_TITLE));
    HPDF_Page_SetGrayFill(p->page, 0.4f);
    text_center(p, ST_TEXT, 9.5f, PAGE_H - 104, T(p, M_SUBTITLE));
    fill(line, sizeof line, T(p, M_ISSUER), issuer, NULL);
    text_center(p, ST_TEXT, 9.5f, PAGE_H - 118, line);
    HPDF_Page_SetGrayFill(p->page, 0);
    hline(p, LEFT, RIGHT, PAGE_H - 128, 0.8f, 0.3f);
}

/* The claims, label / value rows left of the QR code (whose bottom is
 * qr_bottom), then the full-width file hash and URL rows. Returns the
 * baseline below them. */
static float draw_claims(struct pdf *p, const struct cert *c, const uint8_t sha[32],
                         const char *url, float qr_top, float qr_bottom)
{
    char line[512], tbuf[32];
    float vw = QR_X - 12 - VALUE_X;
    float y = qr_top - 16;

    label(p, y, M_SUBJECT);
    snprintf(line, sizeof line, "%.64s #%" PRId64, subject_label(c->subject_type, p->lang),
             c->subject_id);
    text_fit(p, ST_TEXT, 10, VALUE_X, y, vw, line);
    y -= ROW;

    label(p, y, M_ISSUED);
    fmt_time(c->issued_ms, true, tbuf, sizeof tbuf);
    snprintf(line, sizeof line, "%s%s", tbuf, T(p, M_TZ));
    text_fit(p, ST_TEXT, 10, VALUE_X, y, vw, line);
    y -= ROW;

    label(p, y, M_ORIGIN);
    y -= ROW * (float)(text_wrap(p, ST_MONO, 9, VALUE_X, y, vw, 11, c->origin, 3, true) - 1);
    y -= ROW;

    label(p, y, M_ALG);
    text_fit(p, ST_TEXT, 10, VALUE_X, y, vw,
             c->alg == MERKLE_SM3      ? "SM3 (GB/T 32905)"
             : c->alg == MERKLE_SHA256 ? "SHA-256"
                                       : "?");
    y -= ROW;

    label(p, y, M_SIZE);
    snprintf(line, sizeof line, "%" PRIu64, c->cp.size);
    text_fit(p, ST_TEXT, 10, VALUE_X, y, vw, line);
    y -= ROW;

    label(p, y, M_ROOT);
    b64_encode(c->cp.root, MERKLE_HASH_LEN, line);
    text_fit(p, ST_MONO, 8.5f, VALUE_X, y, vw, line);
    y -= ROW;

    label(p, y, M_KEYS);
    if (c->nkeys == 0)
        text_fit(p, ST_TEXT, 10, VALUE_X, y, vw, T(p, M_NONE));
    for (size_t i = 0; i < c->nkeys && i < CERT_MAX_KEYS; i++) {
        if (c->keys[i] == NULL)
            continue;
        key_id(c->keys[i], line, sizeof line);
        y -= 11 * (float)(text_wrap(p, ST_MONO, 8.5f, VALUE_X, y, vw, 11, line, 3, true) - 1);
        if (i + 1 < c->nkeys)
            y -= 11;
    }
    y -= ROW;

    struct note_view nv;
    note_split(c, &nv);
    size_t ncos = 0, shown = 0;
    for (size_t i = 0; i < nv.nsig; i++)
        ncos += !nv.sig[i].log;
    label(p, y, M_WITNESSES);
    if (ncos == 0)
        text_fit(p, ST_TEXT, 10, VALUE_X, y, vw, T(p, M_NONE));
    for (size_t i = 0; i < nv.nsig; i++) {
        if (nv.sig[i].log)
            continue;
        if (shown == 5 && ncos > 6) {
            snprintf(tbuf, sizeof tbuf, "%zu", ncos - shown);
            fill(line, sizeof line, T(p, M_MORE_WITNESSES), tbuf, NULL);
            text_fit(p, ST_TEXT, 8.5f, VALUE_X, y, vw, line);
            break;
        }
        int64_t t = cosig_time(nv.sig[i].line, nv.sig[i].len, nv.sig[i].name, nv.sig[i].nlen);
        tbuf[0] = '\0';
        if (t >= 0)
            fmt_time(t * 1000, true, tbuf, sizeof tbuf);
        /* the time right-aligned, the name cut to what is left */
        float tw = tbuf[0] ? text_width(p, ST_MONO, 8, tbuf) : 0;
        text(p, ST_MONO, 8, tbuf, strlen(tbuf), VALUE_X + vw - tw, y, true);
        text_fit_n(p, ST_MONO, 8.5f, VALUE_X, y, vw - tw - 6, nv.sig[i].name, nv.sig[i].nlen);
        shown++;
        if (shown < ncos)
            y -= 11;
    }
    y -= ROW;

    label(p, y, M_TSA);
    text_fit(p, ST_TEXT, 10, VALUE_X, y, vw,
             c->timestamp != NULL && c->timestamp_len > 0 ? T(p, M_TSA_YES) : T(p, M_NONE));
    y -= ROW;

    /* full-width rows under both */
    if (y > qr_bottom)
        y = qr_bottom;
    y -= 4;
    label(p, y, M_FILE);
    hex_encode(sha, 32, line);
    text_fit(p, ST_MONO, 9, VALUE_X, y, RIGHT - VALUE_X, line);
    y -= ROW;
    if (url != NULL) {
        label(p, y, M_URL);
        y -= 11 *
             (float)(text_wrap(p, ST_MONO, 9, VALUE_X, y, RIGHT - VALUE_X, 11, url, 2, true) - 1);
        y -= ROW;
    }
    hline(p, LEFT, RIGHT, y + 5, 0.5f, 0.5f);

    return y;
}

/* The footer and the how-to-verify paragraphs, laid from the bottom up.
 * Returns the top of the block. */
static float draw_howto(struct pdf *p, const char *url)
{
    HPDF_Page_SetGrayFill(p->page, 0.45f);
    text_center(p, ST_TEXT, 7.5f, 36, T(p, M_FOOTER));
    HPDF_Page_SetGrayFill(p->page, 0);
    char urlp[CERT_QR_MAX_URL * 2 + 128];
    urlp[0] = '\0';
    if (url != NULL)
        fill(urlp, sizeof urlp, T(p, M_HOWTO_URL), url, NULL);
    const float lead = 11.5f;
    int l1 = text_wrap(p, ST_TEXT, HOWTO_PT, LEFT, 0, CONTENT, lead, T(p, M_HOWTO_1), 3, false);
    int lu = url ? text_wrap(p, ST_TEXT, HOWTO_PT, LEFT, 0, CONTENT, lead, urlp, 3, false) : 0;
    int l2 = text_wrap(p, ST_TEXT, HOWTO_PT, LEFT, 0, CONTENT, lead, T(p, M_HOWTO_2), 4, false);
    float hy = 52 + lead * (float)(l1 + lu + l2 + 1) + 16;
    float howto_top = hy + 12;
    text_fit(p, ST_BOLD, 10, LEFT, hy, CONTENT, T(p, M_HOWTO));
    hy -= 15;
    text_wrap(p, ST_TEXT, HOWTO_PT, LEFT, hy, CONTENT, lead, T(p, M_HOWTO_1), 3, true);
    hy -= lead * (float)l1;
    text_fit(p, ST_MONO, 9, LEFT + 16, hy, CONTENT - 16, T(p, M_HOWTO_CMD));
    hy -= lead;
    if (url != NULL) {
        text_wrap(p, ST_TEXT, HOWTO_PT, LEFT, hy, CONTENT, lead, urlp, 3, true);
        hy -= lead * (float)lu;
    }
    text_wrap(p, ST_TEXT, HOWTO_PT, LEFT, hy, CONTENT, lead, T(p, M_HOWTO_2), 4, true);
    hline(p, LEFT, RIGHT, howto_top, 0.5f, 0.5f);

    return howto_top;
}

/* The entries table from baseline y down to bottom: as many rows as fit,
 * the last slot used for the count when some do not. */
static void draw_entries(struct pdf *p, const struct cert *c, float y, float bottom)
{
    char line[512], tbuf[32];

    y -= 12;
    snprintf(tbuf, sizeof tbuf, "%zu", c->nentries);
    fill(line, sizeof line, T(p, M_ENTRIES), tbuf, NULL);
    text_fit(p, ST_BOLD, 11, LEFT, y, CONTENT, line);
    y -= 17;
    HPDF_Page_SetGrayFill(p->page, 0.9f);
    HPDF_Page_Rectangle(p->page, LEFT, y - 3.5f, CONTENT, TROW);
    HPDF_Page_Fill(p->page);
    HPDF_Page_SetGrayFill(p->page, 0);
    {
        const char *h[NCOLS] = {T(p, M_COL_INDEX), T(p, M_COL_EVENT), T(p, M_COL_SUBJECT),
                                T(p, M_COL_ACTOR), T(p, M_COL_TIME),  T(p, M_COL_LEAF)};
        const enum style hs[NCOLS] = {ST_TEXT, ST_TEXT, ST_TEXT, ST_TEXT, ST_TEXT, ST_TEXT};
        table_row(p, y, h, hs, 8.5f);
    }
    y -= TROW;
    size_t fit = y > bottom + 8 ? (size_t)((y - bottom - 8) / TROW) + 1 : 0;
    size_t rows = c->nentries <= fit ? c->nentries : (fit > 0 ? fit - 1 : 0);
    for (size_t i = 0; i < rows; i++) {
        const struct cert_entry *e = &c->entries[i];
        struct entry_view v;
        char idx[24], leaf[HEX_LEN(8)];
        entry_view(p, e, &v);
        snprintf(idx, sizeof idx, "%" PRIu64, e->index);
        hex_encode(e->leaf_hash, 8, leaf);
        const char *wh = T(p, M_WITHHELD);
        const char *cells[NCOLS] = {idx,
                                    v.withheld     ? wh
                                    : v.unreadable ? T(p, M_UNREADABLE)
                                                   : v.event,
                                    v.withheld ? wh : v.subject,
                                    v.withheld ? wh : v.actor,
                                    v.withheld ? wh : v.time,
                                    leaf};
        const enum style cs[NCOLS] = {ST_MONO, ST_TEXT, ST_TEXT, ST_TEXT, ST_TEXT, ST_MONO};
        if (i % 2 == 1) {
            HPDF_Page_SetGrayFill(p->page, 0.965f);
            HPDF_Page_Rectangle(p->page, LEFT, y - 3.5f, CONTENT, TROW);
            HPDF_Page_Fill(p->page);
            HPDF_Page_SetGrayFill(p->page, 0);
        }
        if (v.withheld)
            HPDF_Page_SetGrayFill(p->page, 0.45f);
        table_row(p, y, cells, cs, 8.5f);
        HPDF_Page_SetGrayFill(p->page, 0);
        y -= TROW;
    }
    if (rows < c->nentries && fit > 0) {
        {
            char a[24], b[24];
            snprintf(a, sizeof a, "%zu", c->nentries);
            snprintf(b, sizeof b, "%zu", rows);
            fill(line, sizeof line, T(p, M_MORE), a, b);
        }
        text_fit(p, ST_TEXT, 8.5f, LEFT + 2, y, CONTENT, line);
    }
}

static int render(struct pdf *p, const struct cert *c, const uint8_t sha[32],
                  const struct cert_pdf_options *o, const char *qr, size_t qrlen, char *err,
                  size_t errlen)
{
    char line[128];
    const char *issuer = o && o->issuer && o->issuer[0] ? o->issuer : "sunbid";
    const char *url =
        o && o->verify_url && o->verify_url[0] && one_line(o->verify_url, strlen(o->verify_url))
            ? o->verify_url
            : NULL;
    int rc;

    draw_header(p, issuer);

    /* the QR code, top right, and its caption */
    const float qr_top = PAGE_H - 136, qr_bottom = qr_top - QR_SIZE - 14;
    int version = 0;
    rc = draw_qr(p, qr, qrlen, QR_X, qr_top, QR_SIZE, &version);
    if (rc != CERT_PDF_OK) {
        snprintf(err, errlen, "the QR payload (%zu bytes) fits no QR code", qrlen);
        return rc;
    }
    char a[16], b[24];
    snprintf(a, sizeof a, "%d", version);
    snprintf(b, sizeof b, "%zu", qrlen);
    fill(line, sizeof line, T(p, M_QR_CAPTION), a, b);
    float w = text_width(p, ST_TEXT, 7, line);
    HPDF_Page_SetGrayFill(p->page, 0.4f);
    text_fit(p, ST_TEXT, 7, QR_X + (QR_SIZE - (w < QR_SIZE ? w : QR_SIZE)) / 2,
             qr_top - QR_SIZE - 4, QR_SIZE, line);
    HPDF_Page_SetGrayFill(p->page, 0);

    float y = draw_claims(p, c, sha, url, qr_top, qr_bottom);
    draw_entries(p, c, y, draw_howto(p, url));
    if (p->error != 0) {
        snprintf(err, errlen, "libhpdf error 0x%04x (detail %u)", (unsigned)p->error,
                 (unsigned)p->detail);
        return CERT_PDF_ELIB;
    }
    return CERT_PDF_OK;
}

int cert_pdf(const struct cert *c, const uint8_t file_sha256[32], const struct cert_pdf_options *o,
             struct buf *out, char *err, size_t errlen)
{
    struct pdf p;
    struct buf qr;
    char dummy[1];
    int rc = CERT_PDF_EINVAL;

    if (err == NULL || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    memset(&p, 0, sizeof p);
    p.cd = (iconv_t)-1;
    p.lang = o && o->lang == CERT_PDF_EN ? CERT_PDF_EN : CERT_PDF_ZH_CN;
    buf_init(&qr, CERT_QR_HARD_MAX_BYTES + 1);
    if (c == NULL || file_sha256 == NULL || out == NULL || c->checkpoint == NULL ||
        (c->nentries > 0 && c->entries == NULL)) {
        snprintf(err, errlen, "no certificate, checkpoint or output");
        goto out;
    }
    if (cert_qr_text(c, file_sha256, o ? o->verify_url : NULL, &qr) != 0) {
        snprintf(err, errlen, "no checkpoint, or one too large for any QR code");
        rc = CERT_PDF_EQR;
        goto out;
    }
    p.cd = iconv_open("GBK", "UTF-8");
    if (p.cd == (iconv_t)-1) {
        snprintf(err, errlen, "iconv UTF-8 -> GBK: %s", strerror(errno));
        rc = CERT_PDF_ELIB;
        goto out;
    }
    p.doc = HPDF_New(on_hpdf_error, &p);
    if (p.doc == NULL) {
        snprintf(err, errlen, "libhpdf: out of memory");
        rc = CERT_PDF_ENOMEM;
        goto out;
    }
    HPDF_SetCompressionMode(p.doc, HPDF_COMP_ALL);
    HPDF_UseCNSFonts(p.doc);
    HPDF_UseCNSEncodings(p.doc);
    p.cjk = HPDF_GetFont(p.doc, "SimSun", "GBK-EUC-H");
    p.cjk_bold = HPDF_GetFont(p.doc, "SimHei", "GBK-EUC-H");
    p.sans = HPDF_GetFont(p.doc, "Helvetica", "WinAnsiEncoding");
    p.bold = HPDF_GetFont(p.doc, "Helvetica-Bold", "WinAnsiEncoding");
    p.mono = HPDF_GetFont(p.doc, "Courier", "WinAnsiEncoding");
    p.page = HPDF_AddPage(p.doc);
    if (p.error == 0)
        HPDF_Page_SetSize(p.page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    if (p.error != 0) {
        snprintf(err, errlen, "libhpdf setup error 0x%04x", (unsigned)p.error);
        rc = p.error == HPDF_FAILD_TO_ALLOC_MEM ? CERT_PDF_ENOMEM : CERT_PDF_ELIB;
        goto out;
    }

    /* document information: fixed strings and the issue time, no ids */
    HPDF_SetInfoAttr(p.doc, HPDF_INFO_CREATOR, "sunbid " SUNBID_VERSION);
    HPDF_SetInfoAttr(p.doc, HPDF_INFO_TITLE, "Witness certificate (" CERT_FORMAT ")");
    {
        char subj[128], type[sizeof c->subject_type];
        token(type, sizeof type, c->subject_type);
        snprintf(subj, sizeof subj, "%.64s %" PRId64, type, c->subject_id);
        HPDF_SetInfoAttr(p.doc, HPDF_INFO_SUBJECT, subj);
    }
    if (c->issued_ms >= 0 && c->issued_ms <= 253402271999999LL) {
        char ts[24];
        HPDF_Date d;
        int f[6];
        fmt_time(c->issued_ms, true, ts, sizeof ts);
        if (sscanf(ts, "%d-%d-%d %d:%d:%d", &f[0], &f[1], &f[2], &f[3], &f[4], &f[5]) == 6) {
            d = (HPDF_Date){f[0], f[1], f[2], f[3], f[4], f[5], '+', 8, 0};
            HPDF_SetInfoDateAttr(p.doc, HPDF_INFO_CREATION_DATE, d);
        }
    }

    rc = render(&p, c, file_sha256, o, qr.data, qr.len, err, errlen);
    if (rc != CERT_PDF_OK)
        goto out;

    if (HPDF_SaveToStream(p.doc) != HPDF_OK || p.error != 0) {
        snprintf(err, errlen, "libhpdf save error 0x%04x", (unsigned)p.error);
        rc = CERT_PDF_ELIB;
        goto out;
    }
    HPDF_UINT32 size = HPDF_GetStreamSize(p.doc);
    if (size == 0 || size > CERT_PDF_MAX_BYTES) {
        snprintf(err, errlen, "the PDF is %u bytes", (unsigned)size);
        rc = size ? CERT_PDF_ETOOBIG : CERT_PDF_ELIB;
        goto out;
    }
    int brc = buf_reserve(out, size);
    if (brc != BUF_OK) {
        snprintf(err, errlen, "the PDF (%u bytes) does not fit the output", (unsigned)size);
        rc = brc == BUF_NOMEM ? CERT_PDF_ENOMEM : CERT_PDF_ETOOBIG;
        goto out;
    }
    HPDF_UINT32 got = 0;
    while (got < size) {
        HPDF_UINT32 n = size - got;
        HPDF_STATUS st = HPDF_ReadFromStream(p.doc, (HPDF_BYTE *)out->data + out->len + got, &n);
        got += n;
        if (st == HPDF_STREAM_EOF || n == 0)
            break;
        if (st != HPDF_OK)
            break;
    }
    if (got != size) {
        snprintf(err, errlen, "libhpdf gave %u of %u bytes", (unsigned)got, (unsigned)size);
        rc = CERT_PDF_ELIB;
        goto out;
    }
    out->len += size;
    out->data[out->len] = '\0';
    rc = CERT_PDF_OK;
out:
    if (p.doc != NULL)
        HPDF_Free(p.doc);
    if (p.cd != (iconv_t)-1)
        iconv_close(p.cd);
    buf_release(&qr);
    return rc;
}
