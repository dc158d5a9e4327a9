/*
 * domain/evaluation_internal.h — what domain/evaluation.c (the steps) and
 * domain/evaluation_view.c (what callers see) share: the job a step or a
 * read works on, loaded by evaluation_load, and the helpers both use. Not
 * for other modules: they use domain/evaluation.h.
 */
#ifndef SUNBID_DOMAIN_EVALUATION_INTERNAL_H
#define SUNBID_DOMAIN_EVALUATION_INTERNAL_H

#include "base/arena.h"
#include "base/jsonw.h"
#include "domain/evaluation.h"
#include "store/draws.h"

#define EVAL_WARNINGS_MAX 20000 /* warning rows of one evaluation read at once */

/* The step a job runs (evaluation.c step_tx). */
enum eval_step {
    ES_START,
    ES_QUALIFY,
    ES_SCORE,
    ES_ADJUST,
    ES_CONFIRM,
    ES_ADVANCE,
    ES_SIGN,
    ES_PUBLISH,
    ES_OBJECT,
    ES_ANSWER,
    ES_AWARD,
    ES_CONTRACT,
    ES_FAIL
};

/* One step or read: its inputs, then what evaluation_load found. */
struct eval_job {
    enum eval_step kind;
    const struct tender_caller *c;
    int64_t tender_id;
    int lot;          /* the lot's number */
    const char *text; /* template, reason, body, answer, phase, document hash */
    size_t len;
    const struct evaluation_vote *votes;
    const struct evaluation_score *scores;
    int n;
    bool submit;
    int64_t id, org_id, amount;
    const uint8_t *sig;
    size_t sig_len;
    const char **field;
    struct arena a;
    struct buf tmp; /* the report */
    struct buf res; /* the result summary */
    /* loaded by evaluation_load() */
    struct tender t;
    struct tender_access acc;
    const char *lot_name; /* the lot's title; "" for the implicit lot 1 */
    int64_t ceiling;      /* the ceiling price bids are checked against (the tender's); 0: none */
    struct eval_key k;    /* (tender, lot, round) of the entries */
    struct committee cm;
    bool formed;
    const struct committee_member *mem; /* the members */
    int nmem;
    int64_t me; /* the caller's member id; 0: not a member */
    bool chair;
    struct evaluation e;
    bool have;
    struct eval_template *tpl;
    int nb;
    int64_t *org;       /* [nb] */
    int64_t *price;     /* [nb] */
    const char **bname; /* [nb] */
    int64_t *fields;    /* [nb * nitems] */
};

/* Loads the tender (visibility checked), the committee and the caller's
 * place in it, the evaluation with its parsed template and bids. */
enum err evaluation_load(struct store_tx *tx, struct eval_job *j);
/* The index of org's bid, or -1. */
int evaluation_bidder_index(const struct eval_job *j, int64_t org);
/* The caller is an agent of the tender's agent or tenderer organisation. */
bool evaluation_is_agent(const struct eval_job *j);
/* The qualification review over every member's votes: qualified[nb],
 * failed[nb] (criterion index or -1); ERR_EVAL_SHEETS_MISSING when a vote
 * is missing. */
enum err evaluation_qualified(struct store_tx *tx, struct eval_job *j, bool *qualified,
                              int *failed);
/* Submitted sheets of stage: member ids into ids (COMMITTEE_MEMBERS_MAX). */
enum err evaluation_sheets(struct store_tx *tx, struct eval_job *j, const char *stage, int64_t *ids,
                           int *n);
/* The engine's input over the members of ids[0..ne) (their scores), the
 * qualified bids and the chair's adjustments; arrays in the arena. */
enum err evaluation_build_input(struct store_tx *tx, struct eval_job *j, const int64_t *ids, int ne,
                                const bool *qualified, struct eval_input *in);
/* Computes the result with every member's scores and writes the report
 * (j->tmp) and the result summary (j->res) (evaluation_report.c). */
enum err evaluation_build_report(struct store_tx *tx, struct eval_job *j, int64_t now);
/* key: a centi value written as a decimal number. */
void evaluation_kcenti(struct jsonw *w, const char *key, int64_t v);
/* The award notice of the stored award, canonical JSON into out. */
enum err evaluation_notice_write(const struct eval_job *j, struct buf *out);
/* "lots":[{"lot","name","phase","round"}] of every lot of the tender, the
 * phase as the caller may see it (before the publicity only members,
 * supervisors and the agent see it; others get null). */
enum err evaluation_lots_json(struct store_tx *tx, struct eval_job *j, struct jsonw *w);

#endif
