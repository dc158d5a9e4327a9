/*
 * domain/evaluation_verify.h — the offline check of an evaluation report
 * with its signatures (the answer of GET /api/tenders/:id/evaluation/report,
 * docs/evaluation.md): the report's hash over its exact bytes, every
 * signature with the certificate kept beside it, the issuers (given CA
 * certificates), and that every committee member signed once.
 * `sunbid evaluation verify` prints its lines; fuzz/fuzz_eval_report.c feeds
 * it. No store, no network; any thread.
 */
#ifndef SUNBID_DOMAIN_EVALUATION_VERIFY_H
#define SUNBID_DOMAIN_EVALUATION_VERIFY_H

#include <stddef.h>

#include <openssl/x509.h>

#include "base/buf.h"

/* Checks text (len bytes); appends one line per check to out ("ok    what"
 * or "FAIL  what: why"), *failed gets the number failed. nca CA
 * certificates (may be 0: the issuer checks are skipped). 0, or -1 when
 * text is not a report answer (nothing checked). */
int evaluation_report_verify(const char *text, size_t len, X509 *const *ca, int nca,
                             struct buf *out, int *failed);
/* The same, and (lot > 0) that the report is of that lot (its "lot"; a
 * report without one is lot 1's): the line "lot". */
int evaluation_report_verify_lot(const char *text, size_t len, X509 *const *ca, int nca, int lot,
                                 struct buf *out, int *failed);

#endif
