/*
 * fuzz_pdftext.c — libFuzzer target for the PDF text extractor
 * (analytics/doctext_pdf.c: poppler's GLib API), then the
 * similarity normaliser over what it extracted.
 *
 * What is checked beyond "does not crash, leak or trip a sanitizer" is in
 * fuzz/doctext_check.h, shared with the other extractor's target.
 *
 * Seeds: fuzz/corpus/pdftext/ (small PDFs: text, metadata, an owner password,
 * a damaged xref, garbage). Run: fuzz/run BUILD_DIR SECONDS pdftext.
 */
#define FUZZ_NAME "fuzz_pdftext"
#include "doctext_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_doctext_run(data, size, DOCTEXT_PDF);
}
