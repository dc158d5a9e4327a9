/*
 * store/tender.h — rows of the tender schema (migration 8) and the queries
 * on them: tenders, lots, document versions, registrations, the download
 * log, questions, clarifications, objections, transitions and the rules'
 * overrides. All SQL for these tables lives in store/tender.c; the rules
 * that decide what may be written are in domain/tender.c.
 *
 * Strings in returned rows are copied into the caller's arena. Every
 * function runs inside the caller's transaction and returns a store_rc.
 * A 0 in an optional integer field means SQL NULL (ids and times are > 0).
 */
#ifndef SUNBID_STORE_TENDER_H
#define SUNBID_STORE_TENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/accounts.h"
#include "store/store.h"

struct tender {
    int64_t id;
    const char *code;   /* 統一交易編碼, tender_rules.h */
    const char *region; /* GB/T 2260, 6 digits */
    int64_t code_year;  /* parts of the code */
    int64_t code_seq;
    const char *title;
    const char *description;    /* may be NULL */
    const char *category;       /* tender_category_name() */
    const char *procedure;      /* tender_procedure_name() */
    const char *state;          /* tender_state_name() */
    bool paused;                /* an open objection pauses the process */
    int64_t paused_since_ms;    /* the open pause began (0: not paused) */
    int64_t paused_total_ms;    /* every pause so far */
    bool scheduled;             /* a draft to be published at publish_at */
    int64_t ceiling_fen;        /* 最高投標限價; 0: none */
    int64_t bond_fen;           /* 投標保證金; 0: none */
    const char *bond_form;      /* none cash guarantee e_guarantee insurance */
    const char *eval_method;    /* comprehensive lowest_evaluated lowest_price highest_price */
    int64_t decrypt_window_min; /* the opening's decryption window */
    int64_t escrow_k;           /* escrow k-of-n; 0: no escrow */
    int64_t escrow_n;
    int64_t min_bids;           /* fewer bids fail the opening */
    const char *readout_fields; /* comma list read out at the opening */
    int64_t publish_at_ms;      /* key dates; 0: not set */
    int64_t doc_start_ms;
    int64_t doc_end_ms;
    int64_t clarify_deadline_ms;
    int64_t bid_deadline_ms;      /* = the opening time */
    int64_t original_deadline_ms; /* the deadline as first published */
    int64_t next_due_ms;          /* next timed transition; 0: none */
    int64_t owner_org_id;         /* the tenderer (招標人) */
    int64_t agent_org_id;         /* the agency that runs it */
    int64_t created_by;           /* user */
    int64_t published_ms;         /* when it was published */
    const char *cancel_reason;    /* 終止 reason, or NULL */
    int64_t created_ms;
    int64_t updated_ms;
    int64_t version; /* 1, then +1 per write */
};

struct tender_lot {
    int64_t id;
    int64_t tender_id;
    int64_t lot_no; /* 1, 2 ... */
    const char *title;
    int64_t ceiling_fen; /* 0: none */
    int64_t bond_fen;
    int64_t created_ms;
};

struct tender_document {
    int64_t id;
    int64_t tender_id;
    int64_t version; /* 1, 2 ... */
    const char *name;
    const char *media_type;
    const char *blob_hash; /* SHA-256 hex */
    int64_t size;
    int64_t uploaded_by;
    int64_t uploaded_ms;
};

struct tender_registration {
    int64_t tender_id;
    int64_t org_id;
    const char *org_name; /* joined from orgs */
    int64_t user_id;
    int64_t registered_ms;
};

/* An organisation invited to an invited tender (邀请招标). */
struct tender_invitee {
    int64_t tender_id;
    int64_t org_id;
    const char *org_name; /* joined from orgs */
    const char *uscc;     /* joined from orgs */
    int64_t added_by;     /* the agent user; 0 when unknown */
    int64_t added_ms;
};

struct tender_download {
    int64_t id;
    int64_t tender_id;
    int64_t document_id;
    int64_t doc_version; /* joined */
    int64_t org_id;
    const char *org_name; /* joined */
    int64_t user_id;
    int64_t at_ms;
    const char *remote_addr;
};

struct tender_question {
    int64_t id;
    int64_t tender_id;
    int64_t org_id; /* the asker: never shown to other bidders */
    int64_t user_id;
    const char *body;
    int64_t asked_ms;
    int64_t clarification_id; /* 0: not answered yet */
};

struct tender_clarification {
    int64_t id;
    int64_t tender_id;
    int64_t no;
    const char *body;
    int64_t document_version; /* 0: none */
    int64_t deadline_before_ms;
    int64_t deadline_after_ms;
    int64_t published_by;
    int64_t published_ms;
};

struct tender_objection {
    int64_t id;
    int64_t tender_id;
    int64_t org_id;
    int64_t user_id;
    const char *body;
    int64_t raised_ms;
    int64_t answer_due_ms;
    const char *answer; /* NULL: open */
    int64_t answered_by;
    int64_t answered_ms; /* 0: open */
};

struct tender_transition {
    int64_t id;
    int64_t tender_id;
    const char *action;
    const char *from_state;
    const char *to_state;
    int64_t due_ms; /* 0: not a timer */
    int64_t at_ms;
    int64_t actor_user_id;
    const char *actor;
};

/* What a list of tenders may show. */
struct tender_filter {
    int64_t viewer_org;   /* drafts of this organisation are visible; 0: none */
    bool all_drafts;      /* the supervisor: every draft */
    bool mine;            /* only tenders of viewer_org */
    const char *state;    /* NULL: any */
    const char *category; /* NULL: any */
};

int store_tender_insert(struct store_tx *tx, const struct tender *t, int64_t *id);
/* Writes every mutable column of t (by t->id) and sets updated_ms and
 * version as given. */
int store_tender_update(struct store_tx *tx, const struct tender *t);
int store_tender_get(struct store_tx *tx, struct arena *a, int64_t id, struct tender *out);
int store_tender_by_code(struct store_tx *tx, struct arena *a, const char *code,
                         struct tender *out);
/* Newest first, ids below before_id (0: from the newest). */
int store_tender_list(struct store_tx *tx, struct arena *a, const struct tender_filter *f,
                      int64_t before_id, int limit, struct page *out);
/* The next sequence number of the code's (region, category, year). */
/* The published (not draft) tenders that invite org (邀请招标), newest first. */
int store_tender_list_invited(struct store_tx *tx, struct arena *a, int64_t org, int64_t before_id,
                              int limit, struct page *out);
int store_tender_next_seq(struct store_tx *tx, const char *region, const char *category,
                          int64_t year, int64_t *seq);
/* Up to max ids of tenders whose next_due_ms <= now, most overdue first. */
int store_tender_due(struct store_tx *tx, int64_t now, int max, int64_t *ids, int *n);

int store_tender_lot_insert(struct store_tx *tx, const struct tender_lot *l, int64_t *id);
int store_tender_lot_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                          struct page *out);
int store_tender_lot_max_no(struct store_tx *tx, int64_t tender_id, int64_t *no);

int store_tender_doc_insert(struct store_tx *tx, const struct tender_document *d, int64_t *id);
/* version 0: the newest. */
int store_tender_doc_get(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t version,
                         struct tender_document *out);
int store_tender_doc_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                          struct page *out);
int store_tender_doc_max_version(struct store_tx *tx, int64_t tender_id, int64_t *version);

/* STORE_CONSTRAINT when the organisation is registered already. */
int store_tender_reg_insert(struct store_tx *tx, const struct tender_registration *r);
int store_tender_reg_exists(struct store_tx *tx, int64_t tender_id, int64_t org_id, bool *yes);
/* By organisation id, after after_org. */
int store_tender_reg_list(struct store_tx *tx, struct arena *a, int64_t tender_id,
                          int64_t after_org, int limit, struct page *out);

/* Invitees (migration 30). Insert: STORE_CONSTRAINT when invited already.
 * Delete: STORE_NOTFOUND when not invited. The list is by organisation id
 * (an invitation list is short: TENDER_INVITEES_MAX). */
int store_tender_invitee_insert(struct store_tx *tx, const struct tender_invitee *v);
int store_tender_invitee_delete(struct store_tx *tx, int64_t tender_id, int64_t org_id);
int store_tender_invitee_exists(struct store_tx *tx, int64_t tender_id, int64_t org_id, bool *yes);
int store_tender_invitee_count(struct store_tx *tx, int64_t tender_id, int64_t *n);
int store_tender_invitee_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                              struct page *out);

int store_tender_download_insert(struct store_tx *tx, const struct tender_download *d);
/* Newest first, ids below before_id (0: from the newest). */
int store_tender_download_list(struct store_tx *tx, struct arena *a, int64_t tender_id,
                               int64_t before_id, int limit, struct page *out);

int store_tender_question_insert(struct store_tx *tx, const struct tender_question *q, int64_t *id);
/* Marks the question answered by a clarification; STORE_NOTFOUND unless it
 * is an unanswered question of this tender. */
int store_tender_question_answer(struct store_tx *tx, int64_t tender_id, int64_t question_id,
                                 int64_t clarification_id);
/* In order of asking, ids above after_id; org_id != 0: only that asker's. */
int store_tender_question_list(struct store_tx *tx, struct arena *a, int64_t tender_id,
                               int64_t org_id, int64_t after_id, int limit, struct page *out);

int store_tender_clar_insert(struct store_tx *tx, const struct tender_clarification *c,
                             int64_t *id);
int store_tender_clar_count(struct store_tx *tx, int64_t tender_id, int64_t *n);
/* In order, no above after_no. */
int store_tender_clar_list(struct store_tx *tx, struct arena *a, int64_t tender_id,
                           int64_t after_no, int limit, struct page *out);

int store_tender_objection_insert(struct store_tx *tx, const struct tender_objection *o,
                                  int64_t *id);
int store_tender_objection_get(struct store_tx *tx, struct arena *a, int64_t id,
                               struct tender_objection *out);
/* STORE_NOTFOUND unless it is open. */
int store_tender_objection_answer(struct store_tx *tx, int64_t id, const char *answer, int64_t by,
                                  int64_t at_ms);
int store_tender_objection_open_count(struct store_tx *tx, int64_t tender_id, int64_t *n);
int store_tender_objection_list(struct store_tx *tx, struct arena *a, int64_t tender_id,
                                int64_t org_id, int64_t after_id, int limit, struct page *out);

int store_tender_transition_insert(struct store_tx *tx, const struct tender_transition *t);
int store_tender_transition_list(struct store_tx *tx, struct arena *a, int64_t tender_id,
                                 int64_t after_id, int limit, struct page *out);

/* The overrides of one procedure: fills values[i] for each rule name found
 * (names[i] of n), leaving the others untouched. */
int store_tender_rule_values(struct store_tx *tx, const char *procedure, const char *const *names,
                             int n, int64_t *values);
int store_tender_rule_set(struct store_tx *tx, const char *procedure, const char *rule,
                          int64_t value, int64_t by, int64_t at_ms);

/* How many notices (any kind) refer to the tender. */
int store_tender_notice_count(struct store_tx *tx, int64_t tender_id, int64_t *n);

#endif
