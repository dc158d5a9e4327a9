/*
 * domain/complaint.h — complaints to the supervisor (投訴) and the rules of
 * the road from the award to the contract (docs/award.md).
 *
 * A bidder of the tender (registered for it, or with a bid) complains to
 * the supervisor about the tender documents, the opening or the evaluation
 * result, within complaint_days of the day it knew or should have known
 * (招標投標法實施條例 art. 60; 工程建設項目招標投標活動投訴處理辦法 art. 9).
 * A complaint about the result needs an objection (異議) to the tenderer
 * first (art. 60 with art. 54): ERR_COMPLAINT_OBJECTION_FIRST. The
 * supervisor's steps, each within its deadline:
 *
 *   filed --accept (accept_days)--> accepted --decide (decide_days)--> decided
 *     |  \--refuse, reason------------------------------------------> refused
 *     |  \                                                              (不予受理)
 *     +----+--withdraw (the complainant)-----------------------------> withdrawn
 *   suspend (filed or accepted): the tender's activity is suspended (暫停,
 *   實施條例 art. 62) — the tender's `paused` flag, which refuses the award
 *   and the contract exactly as the tender's own pause does; lifted by
 *   `lift`, and when the complaint is refused, decided or withdrawn (the
 *   tender resumes when no other suspension is in force).
 *   decide: dismissed (維持, 駁回) or upheld (成立) with the remedy
 *   re_evaluation (責令重新評標) or annul_award (中標無效); a decision text.
 *
 * A step taken after its deadline is still taken (the law binds the
 * supervisor, not the platform), but the scheduler warns on the
 * supervisors' SSE topic once a step is overdue (award_run_due in
 * domain/bond.h). Every step: one transaction with its audit row and a
 * witness-log event "complaint.<step>" (subject "complaint", with the
 * tender id); only complaint.decide is public (ledger/visibility.c).
 *
 * Per lot (docs/award.md "Per lot"): a complaint names its lot, 0 for the
 * whole tender (the documents, the opening); a complaint about the result
 * names its lot (default 1) and needs an objection of that lot first. An
 * upheld remedy is carried out on that lot: annul_award revokes the lot's
 * award (the lot back to publicity), re_evaluation revokes it if any and
 * starts the lot's next round (evaluation_reevaluate_tx); the tender's
 * state is recomputed from its lots (evaluation_tender_sync_tx). A lot
 * whose contract is signed is not touched: the remedy is recorded, the
 * decision says why (carried_out / carried_why, shown with the complaint).
 *
 * Deadlines: acceptance within accept_days and the decision within
 * decide_days WORKING days (工程建設項目招標投標活動投訴處理辦法 arts. 11,
 * 21); the calendar-day rules (complaint_days, contract_days, refund_days)
 * end at the end of a day, moved to the next working day when the last day
 * is a rest day (award_due, on domain/workcal.h).
 *
 * Who sees a complaint: the complainant's organisation, the supervisors,
 * the tender's agent and tenderer organisations (the respondent); the
 * public sees decided complaints without the complainant.
 *
 * Threads: any worker; no shared state.
 */
#ifndef SUNBID_DOMAIN_COMPLAINT_H
#define SUNBID_DOMAIN_COMPLAINT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/jsonw.h"
#include "domain/tender.h"
#include "store/award.h"

#define COMPLAINT_TEXT_MAX 8000 /* bytes of a body, a reason, a decision */
#define COMPLAINTS_MAX     500  /* complaints of one tender read at once */

/* ---- the award rules: numbers with a default, overridable past nothing
 * the law fixes (as domain/tender_rules.h does for tenders) ---- */

enum award_rule {
    AR_COMPLAINT_DAYS, /* a complaint within this of knowing (實施條例 art. 60) */
    AR_ACCEPT_DAYS,    /* the supervisor accepts or refuses within (投訴處理辦法 art. 12) */
    AR_DECIDE_DAYS,    /* and decides within, from the acceptance (實施條例 art. 61) */
    AR_CONTRACT_DAYS,  /* the contract within this of the award notice (招標投標法 art. 46) */
    AR_REFUND_DAYS,    /* bonds refunded within this of the contract (實施條例 art. 57) */
    AR__COUNT
};

struct award_rule_def {
    const char *name;   /* "complaint_days": stable, in errors and the API */
    int64_t def;        /* the default (days) */
    int dir;            /* 1: may only go up; -1: only down (TRD_AT_LEAST / AT_MOST) */
    int64_t max;        /* largest value accepted */
    const char *source; /* the legal source */
};

extern const struct award_rule_def award_rule_defs[AR__COUNT];

/* The rules in force: the defaults with the operator's overrides. */
struct award_rules {
    int64_t v[AR__COUNT];
};

int award_rule_parse(const char *name); /* enum award_rule, or -1 */
/* The rules in force, inside tx. */
int award_rules_load(struct store_tx *tx, struct award_rules *out);
/* Admin: overrides a rule (ERR_INVALID_FIELD, ERR_RULE_BELOW_STATUTORY). */
enum err award_rule_set(struct store *s, const struct tender_caller *c, const char *name,
                        int64_t value);
/* {"items":[{"name","value","default","source"}]} */
enum err award_rules_json(struct store *s, struct jsonw *w);

/* Why a rule refused (the rule's name, the field, the bound). */
struct award_refusal {
    const char *rule;
    const char *field;
    int64_t limit;
};

/* The deadline of rule r counted from from_ms under the rules in force
 * (the header comment: working days or calendar days, workcal_due), into
 * *due, inside tx; a store_rc. An instant outside the calendar's years
 * counts plain 24-hour days. */
int award_due(struct store_tx *tx, const struct award_rules *rules, enum award_rule r,
              int64_t from_ms, int64_t *due);

/* ---- shared by complaint.c, contract.c and bond.c ---- */

/* Whether the tender has lot lot_no (a tender without lots is lot 1;
 * evaluation_lot_check's rule), inside tx: ERR_OK, ERR_LOT_NOT_FOUND or a
 * store error. */
enum err award_lot_check(struct store_tx *tx, struct arena *a, const struct tender *t,
                         int64_t lot_no);

/* The audit row and the witness-log event of a step, inside tx. */
int award_record(struct store_tx *tx, const struct tender_caller *c, const char *type,
                 const char *subject_type, int64_t subject_id, int64_t tender_id,
                 const char *detail, const char *doc_hash);
/* Non-empty UTF-8 of at most max bytes without control characters but
 * newline and tab. */
bool award_text_ok(const char *s, size_t max);
/* The caller is an agent of the tender's agent or tenderer organisation. */
bool award_is_agent(const struct tender_caller *c, const struct tender *t);
/* The one rule of the tender's pause: whether it still holds — an
 * objection to the tender documents still unanswered (實施條例 art. 22) or a
 * complaint whose suspension is in force (art. 62). Every place that would
 * clear `paused` asks it first: tender.c when an objection is answered,
 * award_suspension_sync when a suspension ends. Inside tx; a store code. */
int award_pause_holds(struct store_tx *tx, int64_t tender_id, bool *holds);
/* Sets or clears the tender's suspension (its paused flag) by
 * award_pause_holds, with its tender_transitions row; inside tx. */
enum err award_suspension_sync(struct store_tx *tx, const struct tender_caller *c,
                               int64_t tender_id, int64_t now);

/* ---- the steps ---- */

struct complaint_input {
    const char *subject; /* documents | opening | result */
    const char *body;
    int64_t known_ms; /* when the complainant knew; 0: now */
    int64_t lot;      /* 0: the whole tender (a result complaint: lot 1) */
};

/* Bidder: files a complaint; *id the new complaint. why names the rule of a
 * refusal (complaint_days). */
enum err complaint_file(struct store *s, const struct tender_caller *c, int64_t tender_id,
                        const struct complaint_input *in, int64_t *id, struct award_refusal *why);
/* Supervisor: accept / refuse (reason) / suspend / lift / decide. */
enum err complaint_accept(struct store *s, const struct tender_caller *c, int64_t id);
enum err complaint_refuse(struct store *s, const struct tender_caller *c, int64_t id,
                          const char *reason);
enum err complaint_suspend(struct store *s, const struct tender_caller *c, int64_t id, bool on);
/* decision "dismissed" or "upheld"; remedy (upheld only, required)
 * "re_evaluation" or "annul_award"; text the decision's text. Carried out
 * on the complaint's lot in the same transaction (實施條例 arts. 55, 81;
 * 政府採購質疑和投訴辦法 art. 32): annul_award when the lot is awarded —
 * the award notice revoked (public event evaluation.award_revoked with
 * the notice's hash and the lot), the winner marked annulled among the
 * candidates, an unsigned contract draft dropped, the lot back to
 * publicity and the tender's state recomputed ("annul_award") so that the
 * agent awards the next candidate or ends the lot; re_evaluation while the
 * lot's contract is unsigned — its award revoked if any, the lot's next
 * round (evaluation_reevaluate_tx). Once the lot's contract is signed (or,
 * for annul_award, before any award) the remedy is recorded only
 * ("carried_out":false,"why" in the decision's detail and the complaint). */
enum err complaint_decide(struct store *s, const struct tender_caller *c, int64_t id,
                          const char *decision, const char *remedy, const char *text);
/* The complainant's organisation: withdraws (reason may be NULL). */
enum err complaint_withdraw(struct store *s, const struct tender_caller *c, int64_t id,
                            const char *reason);
/* The tender and lot (0: the whole tender) of a complaint the caller may
 * see (ERR_NOT_FOUND otherwise). */
enum err complaint_tender(struct store *s, const struct tender_caller *c, int64_t id,
                          int64_t *tender_id, int64_t *lot);
/* The tender visible to the caller has the lot: ERR_OK, ERR_NOT_FOUND,
 * ERR_LOT_NOT_FOUND (a read transaction of its own). */
enum err award_lot_visible(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           int64_t lot);

/* Supervisors: every open complaint of every tender, oldest first:
 * {"items":[...]} into out. */
enum err complaint_queue_json(struct store *s, struct buf *out);

/* Writes one complaint as the caller may see it (full: the complainant,
 * supervisors, the respondent). */
void complaint_write(struct jsonw *w, const struct complaint *k, bool full, int64_t now);

#endif
