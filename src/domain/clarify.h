/*
 * domain/clarify.h — clarification during the evaluation (不見面詢標,
 * docs/credit.md "Clarification"): the committee asks one bidder a
 * question with a deadline; the bidder answers online, signed with its
 * organisation's signing certificate; everything is kept.
 *
 *   clarify_ask     the chair of the committee (committee.h: elected or
 *                   designated), on behalf of the committee, asks a bidder
 *                   whose bid the opening opened; the tender is in
 *                   evaluation; the deadline is after now and at most
 *                   CLARIFY_WINDOW_MAX ahead
 *   clarify_answer  a user (role bidder) of that organisation answers
 *                   once, before the deadline by server time
 *                   (ERR_CLARIFY_LATE after it; ERR_CLARIFY_ANSWERED for a
 *                   second answer), with a signature over
 *                   clarify_message() by the organisation's current
 *                   signing certificate (domain/orgsig.h: DER or raw
 *                   r || s, ECDSA P-256/SHA-256 or SM2); the signature
 *                   (as DER), the certificate's fingerprint and its
 *                   algorithm are kept with the answer
 *
 * Who reads: the committee's members, supervisors and the tender's agents
 * read every question and answer; a bidder reads its own organisation's.
 * Nothing here is public: the witness-log events ("clarify.ask",
 * "clarify.answer", with the tender id; the answer's event carries the
 * SHA-256 of the signed message as doc_hash) are private entries.
 *
 * Writes: one transaction each with the audit row and the event. Time is
 * clock_now_ms() (server time; the test clock in tests). Threads: any.
 */
#ifndef SUNBID_DOMAIN_CLARIFY_H
#define SUNBID_DOMAIN_CLARIFY_H

#include <stdint.h>

#include "base/buf.h"
#include "domain/tender.h"
#include "store/clarify.h"

#define CLARIFY_TEXT_MAX   8000                            /* bytes of a question or an answer */
#define CLARIFY_WINDOW_MAX ((int64_t)7 * 24 * 3600 * 1000) /* a deadline at most this far ahead */
#define CLARIFY_MAX        500                             /* questions listed per tender */

/* The bytes the bidder signs, appended to out:
 *   "sunbid-clarify-v1\n" tender_id "\n" question_id "\n"
 *   hex SHA-256 of the question's text "\n" the answer's text
 * (ids in decimal, the hash in lower-case hex). 0 or -1. */
int clarify_message(int64_t tender_id, int64_t question_id, const char *question,
                    const char *answer, struct buf *out);

/* The chair asks org_id's bidder; *id gets the question's id. */
enum err clarify_ask(struct store *s, const struct tender_caller *c, int64_t tender_id,
                     int64_t org_id, const char *body, int64_t deadline_ms, int64_t *id,
                     const char **field);
/* The bidder answers question qid of tender_id; sig_b64 is the signature
 * in base64. */
enum err clarify_answer(struct store *s, const struct tender_caller *c, int64_t tender_id,
                        int64_t qid, const char *answer, const char *sig_b64, const char **field);
/* The questions the caller may read, as {"server_ms","items":[...]}. */
enum err clarify_list_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           struct buf *out);

#endif
