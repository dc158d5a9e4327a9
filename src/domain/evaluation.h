/*
 * domain/evaluation.h — the evaluation room (評標) of a tender in state
 * `evaluation`, and the road from its report to the award and the
 * contract. The numbers are computed by the pure engine (eval/eval.h);
 * this module holds the rules of who does what when, reads and writes the
 * store, and logs every step. docs/evaluation.md is the reference.
 *
 *   start (agent)          the template (built-in or posted), the opened
 *                          bids of the sealed opening record    -> qualification
 *   qualify (members)      pass/fail per bid and criterion, a fail with its
 *                          reason; submit the sheet
 *   advance (chair)        every sheet in: the majority decides; next
 *                          scoring (comprehensive with subjective items,
 *                          lowest_evaluated), else the report   -> scoring
 *   score (members)        the subjective items of every valid bid; on each
 *                          submission the anomaly checks run over the
 *                          submitted sheets and new warnings are stored
 *   confirm (the member)   keep a warned score, with a reason; or score
 *                          again (a revision needs a reason too)
 *   adjust (chair)         lowest_evaluated: the price adjustments
 *   advance (chair)        every sheet in, no open warning: the result,
 *                          the report (canonical JSON, SHA-256)  -> signing
 *   sign (members)         each member signs the report's hash with its
 *                          personal signing certificate (usercert_verify);
 *                          the last signature                    -> signed
 *   publish (agent)        the candidates' publicity, >= 3 days; the
 *                          tender evaluation -> publicity        -> publicity
 *   object (bidder)        during the publicity; answered by the agent
 *                          within 3 days (實施條例 art. 54); the award waits
 *   award (agent)          after the publicity, no open objection: the
 *                          first candidate (another one only with a
 *                          reason); the award notice; tender -> awarded
 *   contract (agent)       the contract's amount and document hash;
 *                          tender -> contracted
 *
 * Lots and rounds (docs/evaluation.md "Lots and rounds"): every step works
 * on one lot of the tender (tender_lots.lot_no; a tender without lot rows
 * has lot 1 only; another lot is ERR_LOT_NOT_FOUND). One committee
 * evaluates every lot; each lot has its own template, bids, entries,
 * report, signatures, publicity, award and contract, and a phase of its
 * own, `failed` included (流标: no opened bid at the start, no candidate,
 * or the agent's fail). The tender's state is derived from its lots
 * (evaluation_tender_sync_tx): the least advanced phase over the lots not
 * failed, every lot failed -> failed. A lot's evaluation has rounds: a
 * re-evaluation (evaluation_reevaluate_tx) keeps the ended round in
 * evaluation_rounds and starts round + 1 at the qualification with the
 * same committee; entries, sheets, warnings and signatures belong to a
 * round.
 *
 * Roles: the members are the committee's members (domain/committee.h)
 * acting through their accounts; the chair is the committee's chair;
 * supervisors read everything; the agent (the tender's agent or tenderer
 * organisation) sees the logistics — phase and counts, never scores or
 * names — and acts on publicity, award and contract; bidders and the
 * public see nothing until the publicity, then the candidates.
 *
 * Every write is one transaction (domain_write) with its audit row and a
 * witness-log event "evaluation.<step>" carrying the tender id (the audit
 * details carry "lot"); the report and the award notice go in as doc_hash.
 * Public (ledger/visibility.c): evaluation.publicity, .award,
 * .award_revoked, .contract, .lot_failed and .reevaluate.
 * Time is clock_now_ms(). Threads: any.
 */
#ifndef SUNBID_DOMAIN_EVALUATION_H
#define SUNBID_DOMAIN_EVALUATION_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "domain/tender.h"
#include "eval/eval.h"
#include "store/evaluation.h"

#define EVALUATION_TEXT_MAX      8000 /* a reason, an objection, an answer */
#define EVALUATION_ENTRIES_MAX   5000 /* votes or scores in one request */
#define EVALUATION_REPORT_MAX    (16u << 20)
#define EVALUATION_PUBLICITY_MIN 3 /* days (實施條例 art. 54) */
#define EVALUATION_PUBLICITY_MAX 30
#define EVALUATION_ANSWER_DAYS   3   /* an objection is answered within */
#define EVALUATION_SIG_MAX       512 /* bytes of a signature */
#define EVALUATION_SIGN_PREFIX   "sunbid-evaluation-report/1:"

struct evaluation_vote {
    int64_t org_id;
    const char *criterion; /* the criterion's code */
    bool pass;
    const char *reason; /* required for a fail */
};

struct evaluation_score {
    int64_t org_id;
    const char *item; /* a subjective item's code */
    int64_t centi;    /* the score in centi-points */
};

/* The message a member signs: EVALUATION_SIGN_PREFIX followed by the
 * report's SHA-256 in hex (91 bytes, NUL-terminated into out). */
void evaluation_sign_message(const char *report_sha, char out[128]);

/* Agent: starts the evaluation with a template's JSON. *field names what
 * is wrong with a refused template (ERR_EVAL_TEMPLATE_INVALID). */
enum err evaluation_start(struct store *s, const struct tender_caller *c, int64_t tender_id,
                          int lot, const char *tpl_json, size_t len, const char **field);
/* Member: qualification votes; submit marks the sheet complete (every
 * opened bid, every criterion). */
enum err evaluation_qualify(struct store *s, const struct tender_caller *c, int64_t tender_id,
                            int lot, const struct evaluation_vote *v, int n, bool submit,
                            const char **field);
/* Member: subjective scores; submit checks completeness and runs the
 * anomaly checks. Scoring again after a submission needs a reason. */
enum err evaluation_score(struct store *s, const struct tender_caller *c, int64_t tender_id,
                          int lot, const struct evaluation_score *v, int n, bool submit,
                          const char *reason, const char **field);
/* Chair (lowest_evaluated): a bid's price adjustment, fen, with a reason. */
enum err evaluation_adjust(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           int lot, int64_t org_id, int64_t adjust_fen, const char *reason);
/* The warned member keeps its score: confirms the warning with a reason. */
enum err evaluation_confirm(struct store *s, const struct tender_caller *c, int64_t tender_id,
                            int lot, int64_t warning_id, const char *reason);
/* Chair: the next phase; from (may be NULL) must be the current phase. */
enum err evaluation_advance(struct store *s, const struct tender_caller *c, int64_t tender_id,
                            int lot, const char *from);
/* Member: signs the report (sig over evaluation_sign_message). */
enum err evaluation_sign(struct store *s, const struct tender_caller *c, int64_t tender_id, int lot,
                         const uint8_t *sig, size_t sig_len);
/* Agent: publishes the candidates for days (EVALUATION_PUBLICITY_MIN..MAX). */
enum err evaluation_publish(struct store *s, const struct tender_caller *c, int64_t tender_id,
                            int lot, int64_t days);
/* Bidder: objects to the result during the publicity. */
enum err evaluation_object(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           int lot, const char *body, int64_t *id);
/* Agent: answers an objection. */
enum err evaluation_answer(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           int lot, int64_t objection_id, const char *answer);
/* Agent: the award; org_id 0: the first candidate; another candidate needs
 * a reason (the first gave up, 放棄中標). */
enum err evaluation_award(struct store *s, const struct tender_caller *c, int64_t tender_id,
                          int lot, int64_t org_id, const char *reason);
/* Agent: the contract, its amount and (optional) document SHA-256 in hex. */
enum err evaluation_contract(struct store *s, const struct tender_caller *c, int64_t tender_id,
                             int lot, int64_t amount_fen, const char *doc_sha);

/* What the caller may see of the evaluation, as JSON into out
 * (ERR_NOT_FOUND when nothing yet). */
enum err evaluation_view_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                              int lot, struct buf *out);
/* The report with its signatures: {"report_sha256","report","signatures"}
 * for members, supervisors and the agent once built (ERR_EVAL_WRONG_PHASE
 * before). */
enum err evaluation_report_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                                int lot, struct buf *out);
/* The award notice (中標通知書) as JSON, once awarded (everyone who may see
 * the tender). */
enum err evaluation_notice_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                                int lot, struct buf *out);

/* Agent: ends a lot as failed (该标段流标) from any phase before
 * contracted, with a reason; the tender's state follows its lots. */
enum err evaluation_fail(struct store *s, const struct tender_caller *c, int64_t tender_id, int lot,
                         const char *reason);

/* ---- inside the caller's transaction (domain/complaint.c, contract.c) ---- */

/* ERR_OK when the tender t has lot (a tender without lots: lot 1 only),
 * else ERR_LOT_NOT_FOUND; *name (may be NULL) gets the lot's title ("" for
 * the implicit lot 1), *ceiling_fen (may be NULL) its ceiling (0: none). */
enum err evaluation_lot_check(struct store_tx *tx, struct arena *a, const struct tender *t, int lot,
                              const char **name, int64_t *ceiling_fen);
/* The contract step once both sides signed (domain/contract.c): the lot
 * awarded -> contracted, the tender's state from its lots. */
enum err evaluation_contract_tx(struct store_tx *tx, const struct tender_caller *c,
                                int64_t tender_id, int lot, int64_t amount_fen,
                                const char *doc_sha);
/* Recomputes the tender's state from its lots' phases and, when it
 * differs, moves t (store row, tender_transitions row named action, e.g.
 * "annul_award", "reevaluate", "award", "contract", "fail_lot", and the
 * witness-log event "tender.<action>"). Nothing when it is the same. A
 * lot not started counts as evaluation. */
enum err evaluation_tender_sync_tx(struct store_tx *tx, const struct tender_caller *c,
                                   struct tender *t, const char *action, int64_t now);
/* A re-evaluation of lot ordered by complaint_id (0: none) with reason:
 * the lot's award must be revoked already (domain/complaint.c) or absent
 * — an awarded or contracted lot is ERR_EVAL_WRONG_PHASE, so is a lot not
 * started or without bids. The round ends (evaluation_rounds keeps its
 * result, report and hash), the lot gets round + 1 at the qualification,
 * the tender's state follows ("reevaluate"), the public
 * evaluation.reevaluate is logged. */
enum err evaluation_reevaluate_tx(struct store_tx *tx, const struct tender_caller *c,
                                  struct tender *t, int lot, int64_t complaint_id,
                                  const char *reason, int64_t now);

#endif
