/*
 * store/evaluation.h — rows of the evaluation room (migrations 14, 22, 27)
 * and the queries on them: the evaluation of each lot of a tender, the
 * members' entries (qualification votes, scores, price adjustments), their
 * submitted sheets, the score anomaly warnings, the report's signatures
 * and the objections raised during the candidates' publicity, and the
 * ended rounds of a lot (a re-evaluation keeps them). Entries, sheets,
 * warnings and signatures belong to a (tender, lot, round): struct
 * eval_key names it; objections to a (tender, lot) and carry the round
 * whose result they object to (its open ones are superseded when the round
 * ends). All SQL for these tables lives in store/evaluation.c; the rules
 * are in domain/evaluation.c.
 *
 * Strings in returned rows are copied into the caller's arena. Every
 * function runs inside the caller's transaction and returns a store_rc.
 * A 0 in an optional integer field means SQL NULL.
 */
#ifndef SUNBID_STORE_EVALUATION_H
#define SUNBID_STORE_EVALUATION_H

#include <stdint.h>

#include "base/arena.h"
#include "store/accounts.h"
#include "store/store.h"

/* The (tender, lot, round) entries, sheets, warnings and signatures
 * belong to. */
struct eval_key {
    int64_t tender_id;
    int lot;   /* the lot's number, 1.. */
    int round; /* 1, then +1 per re-evaluation */
};

struct evaluation {
    int64_t tender_id;
    int lot_no; /* the lot (tender_lots.lot_no; 1 when the tender has none) */
    int round;  /* 1, 2 ... : the current round */
    const char
        *phase; /* qualification scoring signing signed publicity awarded contracted failed */
    const char *method;         /* the template's method */
    const char *tpl;            /* the template, canonical JSON */
    const char *tpl_sha;        /* its SHA-256, hex */
    const char *bidders;        /* the opened bids taken from the hall: JSON array */
    const char *result;         /* the computed result (JSON) once scored, or NULL */
    const char *report;         /* the report, canonical JSON, or NULL */
    const char *report_sha;     /* its SHA-256, hex */
    int64_t publicity_start_ms; /* 0: not yet */
    int64_t publicity_end_ms;
    int64_t award_org_id;     /* 0: not awarded */
    const char *award_reason; /* why not the first candidate, or NULL */
    int64_t award_ms;
    const char *notice_sha; /* the award notice's SHA-256 */
    int64_t contract_ms;    /* 0: no contract yet */
    int64_t contract_fen;
    const char *contract_sha;  /* the contract document's SHA-256 (a blob) */
    const char *failed_reason; /* phase failed: why (流标); updated_ms says when */
    int64_t created_ms;
    int64_t updated_ms;
    int64_t version;
};

/* One member's entry: a vote ("q:CODE", value 1 pass / 0 fail), a score
 * ("s:CODE", centi-points) or the committee's price adjustment ("adjust",
 * fen, entered by the chair). */
struct eval_entry {
    int64_t member_id;
    int64_t org_id;
    const char *item;
    int64_t value;
    const char *reason; /* a fail's reason, an adjustment's, a revision's; or NULL */
    int64_t updated_ms;
};

struct eval_warning_row {
    int64_t id;
    int64_t tender_id;
    const char *kind;   /* outlier range identical pivotal */
    int64_t member_id;  /* the expert asked to confirm or revise */
    int64_t org_id;     /* the bid; 0: the whole sheet */
    const char *item;   /* the item's code; "" the sheet */
    int64_t other;      /* identical: the other member; pivotal: the bid that would win */
    int64_t score;      /* centi */
    int64_t median;     /* outlier: the others' median; range: the bound */
    const char *status; /* open confirmed revised */
    const char *reason; /* the expert's, when confirmed or revised */
    int64_t created_ms;
    int64_t resolved_ms; /* 0: open */
};

struct eval_signature {
    int64_t member_id;
    int64_t user_id;
    const char *report_sha;
    const char *signature;   /* base64 */
    const char *certificate; /* the signing certificate it verified with, base64 DER */
    int64_t signed_ms;
};

struct eval_objection {
    int64_t id;
    int64_t tender_id;
    int lot_no;
    int round; /* the round whose result it objects to (current when raised) */
    int64_t org_id;
    int64_t user_id;
    const char *body;
    int64_t raised_ms;
    int64_t due_ms; /* the answer is due (3 days, 實施條例 art. 54) */
    const char *answer;
    int64_t answered_by;
    int64_t answered_ms; /* 0: open */
};

/* An ended round of a lot (a re-evaluation started the next one). */
struct eval_round {
    int64_t tender_id;
    int lot_no;
    int round;
    const char *result;     /* its result summary (JSON), or NULL */
    const char *report;     /* its report, or NULL when it ended before one */
    const char *report_sha; /* or NULL */
    const char *reason;     /* why it ended */
    int64_t complaint_id;   /* the complaint that ordered it; 0: none */
    int64_t ended_ms;
};

int store_eval_insert(struct store_tx *tx, const struct evaluation *e);
int store_eval_get(struct store_tx *tx, struct arena *a, int64_t tender_id, int lot,
                   struct evaluation *out);
/* Every lot's evaluation of the tender, by lot (struct evaluation items). */
int store_eval_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                    struct page *out);
/* Tenders in state `evaluation` with a lot whose candidates are public
 * (publicity, awarded, contracted), newest first, ids below before_id (0:
 * from the newest): up to max ids into ids, *n how many, *more whether
 * there were more (GET /api/results). */
int store_eval_public_in_evaluation(struct store_tx *tx, int64_t before_id, int64_t *ids, int max,
                                    int *n, bool *more);
/* Writes every field but tender_id, lot_no and created_ms; STORE_NOTFOUND
 * when there is none. */
int store_eval_update(struct store_tx *tx, const struct evaluation *e);

/* Inserts or replaces the entry of (member, org, item) in k. */
int store_eval_entry_put(struct store_tx *tx, const struct eval_key *k,
                         const struct eval_entry *en);
/* Entries of k whose item starts with prefix ("q:", "s:", "adjust");
 * member_id 0: every member's. By member, org, item. */
int store_eval_entries(struct store_tx *tx, struct arena *a, const struct eval_key *k,
                       int64_t member_id, const char *prefix, int limit, struct page *out);

/* Marks the member's sheet of stage ("qualification", "scoring")
 * submitted at at_ms (again: the time of the revision). */
int store_eval_sheet_submit(struct store_tx *tx, const struct eval_key *k, int64_t member_id,
                            const char *stage, int64_t at_ms);
/* The members with a submitted sheet of stage, ascending: ids into out
 * (max), *n how many. */
int store_eval_sheets(struct store_tx *tx, const struct eval_key *k, const char *stage,
                      int64_t *out, int max, int *n);

/* Inserts a warning of k unless one of the same (kind, member, org, item)
 * exists; *inserted (may be NULL) says whether it did. */
int store_eval_warning_add(struct store_tx *tx, const struct eval_key *k,
                           const struct eval_warning_row *w, bool *inserted);
int store_eval_warnings(struct store_tx *tx, struct arena *a, const struct eval_key *k, int limit,
                        struct page *out);
/* Resolves an open warning: status confirmed or revised, with the reason.
 * STORE_NOTFOUND unless it is an open warning of k. */
int store_eval_warning_resolve(struct store_tx *tx, const struct eval_key *k, int64_t id,
                               const char *status, const char *reason, int64_t at_ms);
int store_eval_warning_open_count(struct store_tx *tx, const struct eval_key *k, int64_t *n);

int store_eval_signature_insert(struct store_tx *tx, const struct eval_key *k,
                                const struct eval_signature *s);
int store_eval_signatures(struct store_tx *tx, struct arena *a, const struct eval_key *k, int limit,
                          struct page *out);

int store_eval_objection_insert(struct store_tx *tx, const struct eval_objection *o, int64_t *id);
/* STORE_NOTFOUND unless it is an open objection of the tender's lot. */
int store_eval_objection_answer(struct store_tx *tx, int64_t tender_id, int lot, int64_t id,
                                const char *answer, int64_t by, int64_t at_ms);
/* Open objections of the lot's round (an ended round's are superseded). */
int store_eval_objection_open_count(struct store_tx *tx, int64_t tender_id, int lot, int round,
                                    int64_t *n);
/* Closes the round's open objections with answer at at_ms, answered_by
 * NULL (the system: the round ended); *n (may be NULL) how many. */
int store_eval_objections_supersede(struct store_tx *tx, int64_t tender_id, int lot, int round,
                                    const char *answer, int64_t at_ms, int64_t *n);
/* Every objection of the lot, of every round, by id. */
int store_eval_objections(struct store_tx *tx, struct arena *a, int64_t tender_id, int lot,
                          int limit, struct page *out);

/* The ended rounds of a lot, by round. */
int store_eval_round_insert(struct store_tx *tx, const struct eval_round *r);
int store_eval_rounds(struct store_tx *tx, struct arena *a, int64_t tender_id, int lot, int limit,
                      struct page *out);

#endif
