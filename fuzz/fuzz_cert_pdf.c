/*
 * fuzz_cert_pdf.c — libFuzzer target for the printed certificate
 * (ledger/cert_pdf.h): every string a certificate file may carry, as bytes
 * the fuzzer chooses, through cert_qr_text() and cert_pdf().
 *
 * Input: NUL-separated fields
 *     origin \0 subject type \0 checkpoint note \0 log key \0 verify URL \0
 *     entry \0 entry \0 ...          (an entry "-" is withheld)
 * Missing fields are empty; at most 64 entries.
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks:
 *   - a QR payload starts with "sunbid-witness/1\n", holds "\ncheckpoint\n",
 *     is at most CERT_QR_HARD_MAX_BYTES and libqrencode encodes it at level
 *     M; a failed cert_qr_text leaves its output empty;
 *   - cert_pdf returns CERT_PDF_OK exactly when a QR payload exists (else
 *     CERT_PDF_EQR), never a library error, and its output is a PDF.
 *
 * Seeds: fuzz/corpus/cert_pdf/. Replayed by fuzz/replay.c in ordinary
 * builds.
 */
#include <qrencode.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/cert_pdf.h"

#define MAX_FIELDS 69

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t sha[32] = {1, 2, 3};
    const char *f[MAX_FIELDS];
    size_t fl[MAX_FIELDS], nf = 0;
    struct cert c;
    struct buf qr, pdf;
    char err[256];

    if (size > 65536)
        return 0;
    for (size_t i = 0, start = 0; i <= size && nf < MAX_FIELDS; i++) {
        if (i == size || data[i] == 0) {
            f[nf] = (const char *)data + start;
            fl[nf++] = i - start;
            start = i + 1;
        }
    }
    for (size_t i = nf; i < 5; i++) {
        f[i] = "";
        fl[i] = 0;
    }

    memset(&c, 0, sizeof c);
    c.issued_ms = 1764400000000;
    c.subject_id = 7;
    c.alg = MERKLE_SHA256;
    memcpy(c.origin, f[0], fl[0] < sizeof c.origin - 1 ? fl[0] : sizeof c.origin - 1);
    memcpy(c.subject_type, f[1],
           fl[1] < sizeof c.subject_type - 1 ? fl[1] : sizeof c.subject_type - 1);
    c.checkpoint = strndup(f[2], fl[2]);
    c.checkpoint_len = strlen(c.checkpoint);
    if (fl[3] > 0) {
        c.keys[0] = strndup(f[3], fl[3]);
        c.nkeys = 1;
    }
    char *url = strndup(f[4], fl[4]);
    c.nentries = nf > 5 ? nf - 5 : 0;
    c.entries = calloc(c.nentries ? c.nentries : 1, sizeof *c.entries);
    if (c.checkpoint == NULL || url == NULL || c.entries == NULL || (fl[3] > 0 && !c.keys[0]))
        abort();
    for (size_t i = 0; i < c.nentries; i++) {
        struct cert_entry *e = &c.entries[i];
        e->index = i * 2;
        memset(e->leaf_hash, (int)i, sizeof e->leaf_hash);
        if (fl[5 + i] == 1 && f[5 + i][0] == '-')
            continue;
        e->entry = malloc(fl[5 + i] ? fl[5 + i] : 1);
        if (e->entry == NULL)
            abort();
        memcpy(e->entry, f[5 + i], fl[5 + i]);
        e->entry_len = fl[5 + i];
    }

    buf_init(&qr, 1 << 16);
    int qrc = cert_qr_text(&c, sha, url, &qr);
    if (qrc == 0) {
        if (qr.len > CERT_QR_HARD_MAX_BYTES || memcmp(qr.data, "sunbid-witness/1\n", 17) != 0 ||
            strstr(qr.data, "\ncheckpoint\n") == NULL)
            abort();
        QRcode *code =
            QRcode_encodeData((int)qr.len, (const unsigned char *)qr.data, 0, QR_ECLEVEL_M);
        if (code == NULL || code->version > 40)
            abort();
        QRcode_free(code);
    } else if (qrc != -1 || qr.len != 0) {
        abort();
    }

    buf_init(&pdf, CERT_PDF_MAX_BYTES);
    struct cert_pdf_options o = {.verify_url = url, .issuer = c.origin, .lang = size % 2};
    int rc = cert_pdf(&c, sha, &o, &pdf, err, sizeof err);
    if (rc != (qrc == 0 ? CERT_PDF_OK : CERT_PDF_EQR))
        abort();
    if (rc == CERT_PDF_OK && (pdf.len < 5 || memcmp(pdf.data, "%PDF-", 5) != 0))
        abort();

    buf_release(&qr);
    buf_release(&pdf);
    free(url);
    free(c.keys[0]);
    free(c.checkpoint);
    for (size_t i = 0; i < c.nentries; i++)
        free(c.entries[i].entry);
    free(c.entries);
    return 0;
}
