/*
 * domain/tender.h — tenders from draft to the bid deadline: every step an
 * agent, a bidder or the scheduler takes, checked and written.
 *
 * Each write function is a plain synchronous call for a worker thread, the
 * scheduler thread or the CLI. It validates its input, then in ONE write
 * transaction (domain_write, retried on conflicts) reads the tender, checks
 * the step against the state machine of tender_rules.h in this order —
 *
 *   1. visibility: a draft exists only for its own organisations, the
 *      supervisor and the system (ERR_NOT_FOUND otherwise);
 *   2. role: the step's roles (ERR_FORBIDDEN); timers only for the system;
 *   3. owner: agent steps need the caller's organisation to be the tender's
 *      agent or tenderer (ERR_NOT_OWNER);
 *   4. state and pause (ERR_WRONG_STATE, ERR_TENDER_PAUSED);
 *   5. the rules in force for the tender's procedure (ERR_RULE_*, with the
 *      rule's name, the field and the bound in *why) —
 *
 * and writes the change, a tender_transitions row when the state or the
 * pause changes, an audit row and a witness-log event ("tender.<step>",
 * with the tender id) together; nothing is written on any error.
 *
 * Live events: a step that others should see returns its changes in a
 * struct tender_changes; the caller publishes them (tender_change_json) on
 * the "public" SSE topic after the commit. Nothing secret goes into them:
 * no asker, no registrant, no objector.
 *
 * Time is clock_now_ms(), read once per attempt.
 */
#ifndef SUNBID_DOMAIN_TENDER_H
#define SUNBID_DOMAIN_TENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "domain/accounts.h"
#include "domain/tender_rules.h"
#include "store/tender.h"

#define TENDER_TITLE_MAX      600                /* bytes (about 200 Chinese characters) */
#define TENDER_TEXT_MAX       20000              /* description, clarification, answer */
#define TENDER_QUESTION_MAX   8000               /* question, objection, cancel reason */
#define TENDER_DOC_MAX        (15u << 20)        /* bytes of one document version */
#define TENDER_MONEY_MAX      ((int64_t)1 << 50) /* fen: about 1.1e13 yuan */
#define TENDER_LOTS_MAX       200
#define TENDER_CLARIFY_QS_MAX 50 /* questions one clarification answers */
#define TENDER_MAX_CHANGES    8

/* Who acts. */
struct tender_caller {
    struct actor who; /* the audit trail's actor */
    unsigned roles;   /* ROLE_* bits */
    int64_t org_id;   /* the caller's organisation; 0: none */
    bool system;      /* the scheduler: may run the timers */
};

/* The scheduler as a caller. */
extern const struct tender_caller tender_system_caller;

/* Fields of a draft. On create, absent fields take their defaults; on edit,
 * absent fields stay as they are. Strings: NULL = absent. Integers: the
 * has_ flag says whether the field was given. Dates: 0 = absent. */
struct tender_input {
    const char *title; /* required on create */
    const char *description;
    const char *region;    /* GB/T 2260; required on create, fixed after */
    const char *category;  /* tender_category; required on create, fixed after */
    const char *procedure; /* tender_procedure; default "open" */
    bool has_owner_org;
    int64_t owner_org_id; /* the tenderer; default the caller's organisation */
    bool has_ceiling;
    int64_t ceiling_fen; /* 0: no ceiling */
    bool has_bond;
    int64_t bond_fen;
    const char *bond_form;   /* default "none" */
    const char *eval_method; /* default "comprehensive" */
    bool has_decrypt_window;
    int64_t decrypt_window_min; /* 1..1440, default 30 */
    bool has_escrow;
    int64_t escrow_k, escrow_n; /* 0/0 or 1 <= k <= n <= 16 */
    bool has_min_bids;
    int64_t min_bids;           /* default the procedure's rule */
    const char *readout_fields; /* default "bidder,price,duration" */
    struct tender_dates dates;
};

/* One thing that happened to a tender, for the live stream. */
struct tender_change {
    int64_t tender_id;
    char code[TENDER_CODE_MAX];
    const char *event;       /* "tender.state", "tender.paused", "tender.resumed",
                              * "tender.clarification", "tender.document" (static) */
    enum tender_state from;  /* state before */
    enum tender_state to;    /* state after */
    bool paused;             /* after */
    int64_t due_ms;          /* a timer's nominal time; 0: not a timer */
    int64_t at_ms;           /* when it happened */
    int64_t bid_deadline_ms; /* after */
};

struct tender_changes {
    struct tender_change c[TENDER_MAX_CHANGES];
    int n;
};

/* The change as JSON (one object) appended to out; 0 or -1. */
int tender_change_json(const struct tender_change *c, struct buf *out);

/* The rules in force for procedure p: defaults with the stored overrides. */
int tender_rules_load(struct store_tx *tx, enum tender_procedure p, struct tender_rules *out);

/* What the caller may see of one tender. */
struct tender_access {
    bool owner;      /* an agent of the tender's agent or tenderer organisation */
    bool supervisor; /* reads everything */
    bool registered; /* the caller's organisation registered as a bidder */
};

/* ERR_OK and *acc, or ERR_NOT_FOUND for a draft the caller may not see. */
enum err tender_access_check(struct store_tx *tx, const struct tender_caller *c,
                             const struct tender *t, struct tender_access *acc);

/* ---- agent ---- */

enum err tender_create(struct store *s, const struct tender_caller *c,
                       const struct tender_input *in, int64_t *id, struct tender_refusal *why);
/* expect_version != 0: ERR_CONFLICT unless the tender is at that version.
 * An edit cancels a scheduled publication: publish again. */
enum err tender_edit(struct store *s, const struct tender_caller *c, int64_t id,
                     int64_t expect_version, const struct tender_input *in,
                     struct tender_refusal *why);
/* Adds lot number max+1 to a draft. */
enum err tender_lot_add(struct store *s, const struct tender_caller *c, int64_t id,
                        const char *title, int64_t ceiling_fen, int64_t bond_fen, int64_t *lot_no,
                        struct tender_refusal *why);
/* Stores the bytes as the next document version (the blob first, then the
 * row). After publication this amends the documents: the deadline moves as
 * a clarification's would (rule clarify_days) and a change notice goes out.
 * *version and hash (65 bytes) get the new version and its SHA-256. */
enum err tender_document_add(struct store *s, const struct tender_caller *c, int64_t id,
                             const char *name, const char *media_type, const void *data, size_t len,
                             int64_t *version, char hash[BLOB_HASH_HEX + 1],
                             struct tender_changes *ch, struct tender_refusal *why);
/* Checks the rules and publishes now (publish_at <= now) or schedules the
 * publication for publish_at. Needs a document. */
enum err tender_publish(struct store *s, const struct tender_caller *c, int64_t id,
                        struct tender_changes *ch, struct tender_refusal *why);
/* DEMO SEEDING ONLY (cli/demo_hall.c; no route calls it): publishes as of
 * stated_ms, a time in the past, so a demo tender can reach its opening
 * within minutes. The step runs as tender_publish does, with the stated
 * time as its clock: the rules are checked against it (min_bid_days counts
 * from the stated publication), the notice and the transitions carry it.
 * The audit row and the witness-log event are appended now, as every
 * event is (an append-only log cannot be back-dated): the log's entry
 * bears the real time; the audit row's detail says "backdated": true with
 * stated_at_ms and seeded_at_ms (docs/tenders.md,
 * "The demo's opening hall"). ERR_INVALID_FIELD unless stated_ms is in the
 * last 60 days. */
enum err tender_publish_backdated(struct store *s, const struct tender_caller *c, int64_t id,
                                  int64_t stated_ms, struct tender_refusal *why);
/* Terminates (終止) with a reason; a published tender gets a change notice. */
enum err tender_cancel(struct store *s, const struct tender_caller *c, int64_t id,
                       const char *reason, struct tender_changes *ch, struct tender_refusal *why);
/* Publishes a clarification to the registered bidders, answering the given
 * questions (may be none) and optionally announcing a document version.
 * Fewer than clarify_days left moves the deadline (and a change notice goes
 * out). *no gets the clarification's number. */
enum err tender_clarify(struct store *s, const struct tender_caller *c, int64_t id,
                        const char *body, const int64_t *question_ids, int nq,
                        int64_t document_version, int64_t *no, struct tender_changes *ch,
                        struct tender_refusal *why);
/* Answers an open objection; the last answer resumes the tender and moves
 * its pending dates by the paused time (rule pause_extends). */
enum err tender_answer(struct store *s, const struct tender_caller *c, int64_t id,
                       int64_t objection_id, const char *answer, struct tender_changes *ch,
                       struct tender_refusal *why);

/* ---- bidder ---- */

/* ---- invitees of an invited tender (邀请招标, docs/tenders.md) ---- */

#define TENDER_INVITEES_MAX 100 /* organisations one tender may invite */

/* Adds an organisation (by id, or by USCC when org_id is 0) to a draft
 * invited tender's list (the owner's agent). ERR_INVALID_FIELD "procedure"
 * for another procedure, ERR_NOT_FOUND "org" for an unknown organisation,
 * ERR_RULE_CONFLICT_OF_INTEREST for the tenderer or agent itself,
 * ERR_ALREADY_EXISTS when invited. *added gets the organisation's id. */
enum err tender_invitee_add(struct store *s, const struct tender_caller *c, int64_t id,
                            int64_t org_id, const char *uscc, int64_t *added,
                            struct tender_refusal *why);
/* Removes one from a draft's list; ERR_NOT_FOUND when not invited. */
enum err tender_invitee_remove(struct store *s, const struct tender_caller *c, int64_t id,
                               int64_t org_id, struct tender_refusal *why);
/* The list (struct tender_invitee), for the tender's agents and supervisors. */
enum err tender_invitee_list(struct store *s, const struct tender_caller *c, struct arena *a,
                             int64_t id, struct page *out);
/* Whether org is invited to tender id (false for other procedures). */
enum err tender_invited(struct store_tx *tx, const struct tender *t, int64_t org_id, bool *yes);

/* Registers the caller's organisation (ERR_ALREADY_EXISTS when it is); an
 * invited tender registers only its invitees (ERR_TENDER_NOT_INVITED). */
enum err tender_register(struct store *s, const struct tender_caller *c, int64_t id,
                         struct tender_refusal *why);
/* Reads document version `version` (0: the newest) into bytes (bounded by
 * its max) and its row into *doc. A bidder must be registered, the tender
 * bidding, and the download is logged (who, version, when, address); the
 * tender's agents and the supervisor read at any time, unlogged. */
enum err tender_document_read(struct store *s, const struct tender_caller *c, struct arena *a,
                              int64_t id, int64_t version, struct tender_document *doc,
                              struct buf *bytes, struct tender_refusal *why);
enum err tender_ask(struct store *s, const struct tender_caller *c, int64_t id, const char *body,
                    int64_t *question_id, struct tender_refusal *why);
/* Objects to the documents; pauses the tender until answered. */
enum err tender_object(struct store *s, const struct tender_caller *c, int64_t id, const char *body,
                       int64_t *objection_id, struct tender_changes *ch,
                       struct tender_refusal *why);

/* ---- operator ---- */

/* Sets a rule of a procedure (admin). */
enum err tender_rule_set(struct store *s, const struct tender_caller *c, const char *procedure,
                         const char *rule, int64_t value, struct tender_refusal *why);

/* ---- the scheduler ---- */

/* Up to max ids of tenders with a timed transition due at now. */
int tender_due(struct store *s, int64_t now, int64_t *ids, int max, int *n);
/* Applies every transition of tender id due by now, in order, each with
 * its nominal time (due_ms) and the actual time recorded. Idempotent: a
 * tender with nothing due is left alone (ch->n == 0). */
enum err tender_advance(struct store *s, int64_t id, struct tender_changes *ch);

#endif
