/*
 * domain/tender_internal.h — the step runner of domain/tender.c, shared
 * with domain/tender_bidding.c (the bidding-period steps). Not for use
 * outside those two files; tender.c's header comment explains the runner.
 */
#ifndef SUNBID_DOMAIN_TENDER_INTERNAL_H
#define SUNBID_DOMAIN_TENDER_INTERNAL_H

#include "base/buf.h"
#include "base/jsonw.h"
#include "domain/tender.h"

/* One step: what step_tx() (tender.c) checks, and the work it runs. */
struct tender_step;
typedef enum err (*tender_apply_fn)(struct store_tx *tx, struct tender_step *s);

struct tender_step {
    const struct tender_caller *c;
    int64_t id;                 /* the tender */
    int action;                 /* enum tender_action checked before apply; -1: none */
    tender_apply_fn apply;      /* the step's own work */
    int64_t stated_ms;          /* >0: the step's clock is this stated past time
                                 * (tender_publish_backdated, demo seeding only) */
    void *arg;                  /* its input and output */
    struct tender_refusal *why; /* out: why refused (NULL: the runner's own) */
    struct tender_changes *ch;  /* out: the changes made (NULL: none wanted) */
    /* per attempt */
    struct arena a;            /* freed after the step */
    int64_t now;               /* the attempt's clock */
    struct tender t;           /* the row, read in the transaction */
    enum tender_state st;      /* its state */
    struct tender_rules rules; /* of its procedure */
    bool dirty;                /* t must be saved */
};

/* The argument of a step that stores one text (cancel, object, ask). */
struct tender_text_arg {
    const char *body; /* the text, borrowed */
    int64_t id;       /* out: the new row */
};

/* Valid UTF-8, min..max bytes; multiline allows \n \r \t, otherwise no
 * control characters at all. */
bool tender_text_ok(const char *s, size_t min, size_t max, bool multiline);
/* Fills why with the field and returns e. */
enum err tender_bad(struct tender_refusal *why, enum err e, const char *field);
/* The dates of t, as tender_rules takes them, and back. */
struct tender_dates tender_dates_of(const struct tender *t);
void tender_dates_put(struct tender *t, const struct tender_dates *d);

/* Reports a change of s's tender (event, from state from, next due). */
void tender_step_change(struct tender_step *s, const char *event, enum tender_state from,
                        int64_t due);
/* Starts a detail object with the tender's id, code and state. */
void tender_detail_begin(struct tender_step *s, struct buf *b, struct jsonw *w);
/* Ends the detail and records the step (audit row and witness-log event). */
int tender_detail_record(struct store_tx *tx, struct tender_step *s, const struct tender_caller *c,
                         struct buf *b, struct jsonw *w, const char *type, const char *subject_type,
                         int64_t subject_id, const char *doc_hash);
/* The transition row of a state change from `from` to s->st. */
int tender_step_transition(struct store_tx *tx, struct tender_step *s,
                           const struct tender_caller *c, const char *action,
                           enum tender_state from, int64_t due);
/* A notice (公告) about the tender: kind 'tender' or 'change'. */
int tender_step_notice(struct store_tx *tx, struct tender_step *s, const char *kind,
                       const char *what);
/* Runs s in one write transaction (domain_write), retried as a whole. */
enum err tender_run_step(struct store *store, struct tender_step *s);
/* Applies every timer due by now, in order. A store_rc. */
int tender_step_advance(struct store_tx *tx, struct tender_step *s);
/* Moves the deadline when a clarification leaves too few days before it
 * (with a change notice); *before gets the deadline before. */
int tender_amend_deadline(struct store_tx *tx, struct tender_step *s, int64_t *before);

#endif
