/*
 * fuzz_docx.c — libFuzzer target for the DOCX text extractor
 * (analytics/doctext_docx.c: libzip + libxml2's reader), then the
 * similarity normaliser over what it extracted.
 *
 * What is checked beyond "does not crash, leak or trip a sanitizer" is in
 * fuzz/doctext_check.h, shared with the other extractor's target.
 *
 * Seeds: fuzz/corpus/docx/ (small DOCX files, a zip without the document,
 * a truncated one, XML with entities). Run: fuzz/run BUILD_DIR SECONDS docx.
 */
#define FUZZ_NAME "fuzz_docx"
#include "doctext_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_doctext_run(data, size, DOCTEXT_DOCX);
}
