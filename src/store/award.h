/*
 * store/award.h — rows of the road from the award to the contract
 * (migration 18) and the queries on them: complaints to the supervisor
 * (投訴), the contract signed online by both sides, the bidders' bonds
 * (投標保證金) and their refunds, and the operator's overrides of the award
 * rules. Migration 23 adds the lot: a complaint's (0: the whole tender), the
 * contract's (one per lot), the late contracts warned once per award. All SQL for these tables
 * lives in store/award.c; the rules that decide what may be written are in domain/complaint.c,
 * domain/contract.c and domain/bond.c (docs/award.md).
 *
 * Strings in returned rows are copied into the caller's arena. Every
 * function runs inside the caller's transaction and returns a store_rc.
 * A 0 in an optional integer field means SQL NULL (ids and times are > 0).
 */
#ifndef SUNBID_STORE_AWARD_H
#define SUNBID_STORE_AWARD_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/accounts.h"
#include "store/store.h"

struct complaint {
    int64_t id;
    int64_t tender_id;
    int64_t lot_no;       /* 0: the whole tender (documents, opening); else its lot */
    int64_t org_id;       /* the complainant (a bidder of the tender) */
    const char *org_name; /* joined from orgs */
    int64_t user_id;      /* who filed it */
    const char *subject;  /* documents | opening | result */
    const char *body;
    int64_t known_ms; /* when the complainant knew (or should have known) */
    int64_t filed_ms;
    const char *status;    /* filed accepted refused decided withdrawn */
    int64_t accept_due_ms; /* the supervisor accepts or refuses by then */
    int64_t accepted_ms;   /* 0: not accepted */
    int64_t decide_due_ms; /* set on acceptance */
    bool suspended;        /* the supervisor ordered the activity suspended */
    int64_t suspended_ms;  /* when (0: never) */
    const char *reason;    /* the refusal's or the withdrawal's reason, or NULL */
    const char *decision;  /* dismissed | upheld, or NULL */
    const char *remedy;    /* upheld: re_evaluation | annul_award */
    const char *decision_text;
    int64_t closed_ms;        /* refused, decided or withdrawn at; 0: open */
    int64_t handled_by;       /* the supervisor who acted last */
    int64_t accept_warned_ms; /* the overdue warning went out (0: not yet) */
    int64_t decide_warned_ms;
    int carried_out;         /* an upheld remedy: 1 carried out, -1 not, 0 no remedy */
    const char *carried_why; /* why not (contracted, not_awarded ...), or NULL */
    int64_t version;
};

struct award_contract {
    int64_t tender_id;
    int64_t lot_no;
    int64_t winner_org_id;
    int64_t amount_fen;
    const char *doc_sha;  /* the document's SHA-256 (a blob) */
    const char *doc_name; /* as uploaded */
    const char *doc_type; /* media type */
    int64_t doc_size;
    int64_t uploaded_by;
    int64_t uploaded_ms;
    const char *bidder_sig;  /* base64 DER, or NULL: not signed */
    const char *bidder_cert; /* base64 DER of the organisation's certificate */
    int64_t bidder_user_id;
    int64_t bidder_signed_ms;
    const char *agent_sig; /* base64 DER of the agent's personal signature */
    const char *agent_cert;
    int64_t agent_user_id;
    int64_t agent_signed_ms;
    int64_t signed_ms; /* both signatures in: the contract's date; 0: not yet */
    bool late;         /* signed after the statutory days from the award notice */
    int64_t version;
};

struct bond {
    int64_t tender_id;
    int64_t org_id;
    const char *org_name; /* joined */
    int64_t amount_fen;
    const char *form; /* cash | guarantee | insurance */
    int64_t received_ms;
    int64_t entered_by;
    int64_t entered_ms;
    int64_t refunded_ms; /* 0: not refunded */
    const char *refund_ref;
    int64_t refunded_by;
    int64_t warned_ms; /* the overdue warning went out */
    /* when the last lot this organisation bid on ended (its contract signed
     * or the lot failed; a bond without a bid: every lot of the tender);
     * 0 while one of them has not. The refund is due from it. */
    int64_t done_ms;
};

/* ---- complaints ---- */
int store_complaint_insert(struct store_tx *tx, const struct complaint *c, int64_t *id);
/* Writes every mutable field of c (status .. carried_why) when the row's
 * version is c->version - 1 (STORE_NOTFOUND otherwise: it changed). */
int store_complaint_update(struct store_tx *tx, const struct complaint *c);
int store_complaint_get(struct store_tx *tx, struct arena *a, int64_t id, struct complaint *out);
/* The complaints of a tender, oldest first (tender_id 0: every tender's
 * open ones, for the supervisors' queue). */
int store_complaints(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                     struct page *out);
/* Open complaints of a tender with a suspension in force. */
int store_complaint_suspended_count(struct store_tx *tx, int64_t tender_id, int64_t *n);
/* Overdue steps not yet warned: filed past accept_due, accepted past
 * decide_due, at now. */
int store_complaints_overdue(struct store_tx *tx, struct arena *a, int64_t now, bool warned_too,
                             int limit, struct page *out);

/* ---- the contract (one per lot) ---- */
/* Inserts or replaces the (unsigned) contract of a tender's lot. */
int store_contract_put(struct store_tx *tx, const struct award_contract *c);
/* Writes the signatures, signed_ms and late (version check as above). */
int store_contract_sign(struct store_tx *tx, const struct award_contract *c);
/* Drops the draft of an annulled award (not signed by both sides: a partial
 * signature goes with it; the witness log keeps contract.upload/.sign). */
int store_contract_drop_unsigned(struct store_tx *tx, int64_t tender_id, int64_t lot_no);
int store_contract_get(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t lot_no,
                       struct award_contract *out);

/* ---- bonds ---- */
int store_bond_put(struct store_tx *tx, const struct bond *b);
int store_bond_get(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t org_id,
                   struct bond *out);
int store_bond_refund(struct store_tx *tx, int64_t tender_id, int64_t org_id, const char *ref,
                      int64_t by, int64_t at_ms);
int store_bond_warned(struct store_tx *tx, int64_t tender_id, int64_t org_id, int64_t at_ms);
int store_bonds(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                struct page *out);
/* Unrefunded bonds whose lots all ended (done_ms) before cutoff_ms (warned
 * ones too when warned_too); the exact due day is the domain's. */
int store_bonds_overdue(struct store_tx *tx, struct arena *a, int64_t cutoff_ms, bool warned_too,
                        int limit, struct page *out);

/* A lot awarded before cutoff_ms and not contracted (the contract may be
 * late; the exact due day is the domain's), for the supervisors' list and
 * the warning round (not yet warned for this award unless warned_too). */
struct award_late {
    int64_t tender_id;
    int64_t lot_no;
    const char *code;
    const char *title;
    int64_t award_ms;
    int64_t org_id;    /* the winner */
    int64_t warned_ms; /* the warning went out for this award (0: not yet) */
};
int store_award_late(struct store_tx *tx, struct arena *a, int64_t cutoff_ms, bool warned_too,
                     int limit, struct page *out);
/* Marks the late contract of (tender, lot, award) warned. */
int store_award_late_warned(struct store_tx *tx, int64_t tender_id, int64_t lot_no,
                            int64_t award_ms, int64_t at_ms);

/* ---- whether an organisation bid for / registered to a tender ---- */
int store_award_is_bidder(struct store_tx *tx, int64_t tender_id, int64_t org_id, bool *yes);
/* The organisations with a bid for the tender, by id, into ids (at most
 * max); *n how many. */
int store_award_bidders(struct store_tx *tx, int64_t tender_id, int64_t *ids, int max, int *n);
/* Objections this organisation raised: to the result of lot_no in its
 * current round (evaluation_objections) or to the documents
 * (tender_objections; lot_no ignored). */
int store_award_objections(struct store_tx *tx, int64_t tender_id, int64_t lot_no, int64_t org_id,
                           bool result, int64_t *n);

/* ---- rule overrides ---- */
int store_award_rule_set(struct store_tx *tx, const char *name, int64_t value, int64_t by,
                         int64_t at_ms);
/* The override of a rule; STORE_NOTFOUND: none. */
int store_award_rule_get(struct store_tx *tx, const char *name, int64_t *value);

#endif
