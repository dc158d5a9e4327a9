/*
 * domain/contract.h — the contract (合同) signed online by both sides after
 * the award notice (docs/award.md).
 *
 *   upload (agent)      the contract document (any file: PDF, DOCX ...;
 *                       kept as a blob, its SHA-256 is what is signed) and
 *                       the amount; replaceable until the first signature
 *   sign (the winner)   the winning bidder's organisation signs with its
 *                       signing certificate (domain/orgsig.h, as bidders
 *                       sign the opening record)
 *   sign (the agent)    an agent of the tender's agent or tenderer
 *                       organisation signs with its personal signing
 *                       certificate (domain/usercert.h, as experts sign the
 *                       evaluation report)
 *   both verified       the contract's date; the tender awarded ->
 *                       contracted and the evaluation's contract step
 *                       (evaluation_contract_tx, in domain/evaluation.c)
 *
 * One contract per lot (docs/award.md "Per lot"): uploaded and signed once
 * the lot is awarded, by the lot's winner; the last lot's contract moves
 * the tender to contracted (evaluation_contract_tx, through the tender's
 * state derived from its lots). Both sides sign the same ASCII message
 * (contract_sign_message); lot 1's keeps the first form, so contracts
 * signed before lots existed still verify:
 *
 *   sunbid contract v1\n<tender id>\n<document SHA-256 hex>\n<amount fen>\n
 *   sunbid contract v2\n<tender id>\n<lot>\n<document SHA-256 hex>\n<amount fen>\n
 *
 * A contract signed more than contract_days (30, 招標投標法 art. 46) after
 * the award notice is flagged `late` (kept, shown, and listed for the
 * supervisors); it is not refused — the law binds the parties, the
 * platform records. While a complaint suspends the tender
 * (domain/complaint.h) neither side may sign: ERR_TENDER_PAUSED.
 *
 * Every step: one transaction, audit row, witness-log event
 * "contract.upload" / "contract.sign" (private; the public learns of the
 * contract through "evaluation.contract"). Threads: any worker.
 */
#ifndef SUNBID_DOMAIN_CONTRACT_H
#define SUNBID_DOMAIN_CONTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "domain/tender.h"
#include "store/award.h"

#define CONTRACT_DOC_MAX  (15u << 20) /* bytes of the contract document */
#define CONTRACT_NAME_MAX 200         /* bytes of its file name */
#define CONTRACT_SIG_MAX  512         /* bytes of a signature */

/* The message both sides sign, NUL-terminated into out; its length, or -1
 * when it does not fit. */
int contract_sign_message(int64_t tender_id, int64_t lot, const char *doc_sha, int64_t amount_fen,
                          char *out, size_t n);

/* Agent: the contract document and amount; sha gets the document's
 * SHA-256 (hex). */
enum err contract_upload(struct store *s, const struct tender_caller *c, int64_t tender_id,
                         int64_t lot, const char *name, const char *media_type, const void *data,
                         size_t len, int64_t amount_fen, char sha[65], const char **field);
/* The winner's bidder or the agent: a signature (DER or raw r||s) over
 * contract_sign_message of doc_sha, which must be the current document's.
 * *done is set when this was the second signature (the tender is
 * contracted). */
enum err contract_sign(struct store *s, const struct tender_caller *c, int64_t tender_id,
                       int64_t lot, const char *doc_sha, const uint8_t *sig, size_t sig_len,
                       bool *done);
/* The document's bytes (the agent, the winner, supervisors) into out; its
 * row into k (strings in a). */
enum err contract_document(struct store *s, const struct tender_caller *c, struct arena *a,
                           int64_t tender_id, int64_t lot, struct award_contract *k,
                           struct buf *out);

/* The evaluation's contract step inside the caller's transaction, once both
 * signatures verified (defined in domain/evaluation.c beside
 * evaluation_contract, whose agent-only route it replaces): the tender
 * awarded -> contracted, the evaluation's contract fields, the public
 * "evaluation.contract" event. */
enum err evaluation_contract_tx(struct store_tx *tx, const struct tender_caller *c,
                                int64_t tender_id, int lot, int64_t amount_fen,
                                const char *doc_sha);

#endif
