/*
 * cert_pdf.h — the printable witness certificate (电子见证证书): one A4 page
 * of PDF, Simplified Chinese by default, with a QR code of the verification
 * data, for people who print a certificate (cert.h) or file it on paper.
 * Format of the page and of the QR payload: docs/certificate.md, "Printed
 * certificate (PDF and QR)".
 *
 * The page is a rendering of a struct cert, not a second certificate: it
 * shows what the file claims (subject, log, checkpoint, cosignatures,
 * entries) and the SHA-256 of the file, so a reader can match the paper to
 * the file and check the file with `sunbid verify`. Nothing on it is
 * verified here; cert_verify() does that.
 *
 * The QR code holds a short text (cert_qr_text) with the signed checkpoint
 * itself, so the log's signature can be checked from the paper alone:
 *
 *     sunbid-witness/1
 *     url https://example.gov.cn/verify       (when a verify URL is given)
 *     file-sha256 <64 hex>                    SHA-256 of the certificate file
 *     subject tender 7
 *     hash sha256                             the log's hash (sha256 | sm3)
 *     entries 12                              entries in the file
 *     leaf 3 <base64 leaf hash>               the first entries, at most 4
 *     cosignatures-omitted 2                  (only when some were dropped)
 *     checkpoint
 *     <the signed note, verbatim to its end>
 *
 * It is capped at CERT_QR_MAX_BYTES (QR version <= 26 at level M, about
 * 0.45 mm modules at the printed size): leaves are dropped first, then
 * cosignature lines, then the URL. Should even that not fit (an origin of
 * hundreds of bytes and several log keys), the smallest form is used if it
 * fits any QR code (CERT_QR_HARD_MAX_BYTES, version 40), else it fails.
 *
 * Wiring (e.g. GET /api/.../certificate?format=pdf):
 *
 *     cert_build(tx, &rq, now, &c);               the certificate
 *     cert_write(&c, &file);                      its file bytes, as served
 *     crypto_sha256(file.data, file.len, sha);    (crypto/random.h)
 *     cert_pdf(&c, sha, &opts, &pdf, err, sizeof err);
 *     Content-Type: CERT_PDF_MIME, Content-Disposition: attachment;
 *     filename=<cert_pdf_filename()>
 *
 * Thread-safe: each call has its own libhpdf document, iconv descriptor and
 * QR code; nothing global is touched. libhpdf's errors come back as return
 * codes (its error handler only records them; no longjmp).
 */
#ifndef SUNBID_LEDGER_CERT_PDF_H
#define SUNBID_LEDGER_CERT_PDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "ledger/cert.h"

#define CERT_PDF_MIME          "application/pdf"
#define CERT_PDF_MAX_BYTES     (1 << 20) /* a rendered page is ~10-40 KiB */
#define CERT_QR_FORMAT         "sunbid-witness/1"
#define CERT_QR_MAX_BYTES      1024 /* preferred payload cap: version <= 26, level M */
#define CERT_QR_HARD_MAX_BYTES 2331 /* byte-mode capacity of version 40, level M */
#define CERT_QR_MAX_LEAVES     4    /* "leaf" lines in the payload */
#define CERT_QR_MAX_URL        256  /* a longer verify URL is left out of the QR */

enum cert_pdf_rc {
    CERT_PDF_OK = 0,
    CERT_PDF_EINVAL = -1,  /* bad arguments, or the certificate cannot be drawn */
    CERT_PDF_EQR = -2,     /* the QR payload fits no QR code */
    CERT_PDF_ELIB = -3,    /* libhpdf, libqrencode or iconv failed (message in err) */
    CERT_PDF_ETOOBIG = -4, /* out's maximum (or CERT_PDF_MAX_BYTES) was reached */
    CERT_PDF_ENOMEM = -5
};

enum cert_pdf_lang {
    CERT_PDF_ZH_CN = 0, /* Simplified Chinese (default) */
    CERT_PDF_EN = 1     /* English */
};

struct cert_pdf_options {
    const char *verify_url; /* where to upload the file to verify it, or NULL; borrowed */
    const char *issuer;     /* platform name printed as the issuer, or NULL: "sunbid" */
    enum cert_pdf_lang lang;
};

/* "zh", "zh-CN", "zh-Hans", "zh_CN" (any case) -> CERT_PDF_ZH_CN; "en",
 * "en-*" -> CERT_PDF_EN. False (and *lang untouched) for anything else or
 * NULL. */
bool cert_pdf_lang_parse(const char *s, enum cert_pdf_lang *lang);

/* Appends the QR payload described above to out. file_sha256 is the
 * SHA-256 of the certificate file (cert_write's bytes); verify_url may be
 * NULL. 0, or -1 when c has no checkpoint, the payload fits no QR code, or
 * out is full. */
int cert_qr_text(const struct cert *c, const uint8_t file_sha256[32], const char *verify_url,
                 struct buf *out);

/* Renders c as a one-page PDF appended to out (borrowed; the caller sizes
 * its maximum, at most CERT_PDF_MAX_BYTES is written). o may be NULL
 * (defaults). Deterministic: the same inputs give the same bytes (creation
 * date = issued_ms, no random document id). Returns a cert_pdf_rc; on
 * failure a one-line reason in err (may be NULL). */
int cert_pdf(const struct cert *c, const uint8_t file_sha256[32], const struct cert_pdf_options *o,
             struct buf *out, char *err, size_t errlen);

/* A download name: "sunbid-certificate-<subject type>-<id>.pdf" (type
 * characters other than [a-z0-9_] become '_'). */
void cert_pdf_filename(const struct cert *c, char *out, size_t n);

#endif
