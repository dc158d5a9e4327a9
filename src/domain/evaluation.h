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
 * Roles: the members are the committee's members (domain/committee.h)
 * acting through their accounts; the chair is the committee's chair;
 * supervisors read everything; the agent (the tender's agent or tenderer
 * organisation) sees the logistics — phase and counts, never scores or
 * names — and acts on publicity, award and contract; bidders and the
 * public see nothing until the publicity, then the candidates.
 *
 * Every write is one transaction (domain_write) with its audit row and a
 * witness-log event "evaluation.<step>" carrying the tender id; the report
 * and the award notice go in as doc_hash. Only evaluation.publicity,
 * evaluation.award and evaluation.contract are public (ledger/visibility.c).
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
                          const char *tpl_json, size_t len, const char **field);
/* Member: qualification votes; submit marks the sheet complete (every
 * opened bid, every criterion). */
enum err evaluation_qualify(struct store *s, const struct tender_caller *c, int64_t tender_id,
                            const struct evaluation_vote *v, int n, bool submit,
                            const char **field);
/* Member: subjective scores; submit checks completeness and runs the
 * anomaly checks. Scoring again after a submission needs a reason. */
enum err evaluation_score(struct store *s, const struct tender_caller *c, int64_t tender_id,
                          const struct evaluation_score *v, int n, bool submit, const char *reason,
                          const char **field);
/* Chair (lowest_evaluated): a bid's price adjustment, fen, with a reason. */
enum err evaluation_adjust(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           int64_t org_id, int64_t adjust_fen, const char *reason);
/* The warned member keeps its score: confirms the warning with a reason. */
enum err evaluation_confirm(struct store *s, const struct tender_caller *c, int64_t tender_id,
                            int64_t warning_id, const char *reason);
/* Chair: the next phase; from (may be NULL) must be the current phase. */
enum err evaluation_advance(struct store *s, const struct tender_caller *c, int64_t tender_id,
                            const char *from);
/* Member: signs the report (sig over evaluation_sign_message). */
enum err evaluation_sign(struct store *s, const struct tender_caller *c, int64_t tender_id,
                         const uint8_t *sig, size_t sig_len);
/* Agent: publishes the candidates for days (EVALUATION_PUBLICITY_MIN..MAX). */
enum err evaluation_publish(struct store *s, const struct tender_caller *c, int64_t tender_id,
                            int64_t days);
/* Bidder: objects to the result during the publicity. */
enum err evaluation_object(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           const char *body, int64_t *id);
/* Agent: answers an objection. */
enum err evaluation_answer(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           int64_t objection_id, const char *answer);
/* Agent: the award; org_id 0: the first candidate; another candidate needs
 * a reason (the first gave up, 放棄中標). */
enum err evaluation_award(struct store *s, const struct tender_caller *c, int64_t tender_id,
                          int64_t org_id, const char *reason);
/* Agent: the contract, its amount and (optional) document SHA-256 in hex. */
enum err evaluation_contract(struct store *s, const struct tender_caller *c, int64_t tender_id,
                             int64_t amount_fen, const char *doc_sha);

/* What the caller may see of the evaluation, as JSON into out
 * (ERR_NOT_FOUND when nothing yet). */
enum err evaluation_view_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                              struct buf *out);
/* The report with its signatures: {"report_sha256","report","signatures"}
 * for members, supervisors and the agent once built (ERR_EVAL_WRONG_PHASE
 * before). */
enum err evaluation_report_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                                struct buf *out);
/* The award notice (中標通知書) as JSON, once awarded (everyone who may see
 * the tender). */
enum err evaluation_notice_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                                struct buf *out);

#endif
