/*
 * domain/evaluation_pdf.h — the evaluation report as a printable PDF (A4,
 * as many pages as it needs), drawn with libhpdf from the report's
 * canonical JSON and its signatures. The JSON and its SHA-256 prevail: the
 * PDF says so and prints the hash. Any thread.
 */
#ifndef SUNBID_DOMAIN_EVALUATION_PDF_H
#define SUNBID_DOMAIN_EVALUATION_PDF_H

#include <stddef.h>

#include "base/buf.h"
#include "store/evaluation.h"

#define EVALUATION_PDF_MAX (32u << 20) /* bytes of the PDF */

/* Renders the report (its JSON, report_sha its hash) with the signatures
 * (n of them) into out. 0, or -1 with a message in err. */
int evaluation_report_pdf(const char *report, size_t len, const char *report_sha,
                          const struct eval_signature *sigs, int n, struct buf *out, char *err,
                          size_t errlen);

#endif
