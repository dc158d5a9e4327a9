/*
 * domain/tender_rules.h — the pure half of tenders: the state machine, the
 * statutory rules with their defaults per procedure, the timed transitions,
 * and the unified transaction code. No store, no clock: every function takes
 * the time it decides on as an argument, so the tests walk every boundary.
 *
 * The life of a tender (DESIGN.md §3) as one state machine:
 *
 *   draft --publish--> published --(doc_start)--> bidding --(bid_deadline)--> opening
 *     |  (scheduled: published at publish_at)                                    |
 *     |                                                            end_opening   v
 *     |        archived <--archive-- contracted <--contract-- awarded <--award-- publicity
 *     |                                                                 report ^  |
 *     |                                                       evaluation ------+  |
 *     +--cancel--> cancelled   (from draft .. publicity)                          |
 *                  failed      (fail: from opening, evaluation, publicity) <------+
 *
 * Besides the state, a tender has a `paused` flag: an unanswered objection
 * to the tender documents pauses the process (实施条例 art. 22). While paused
 * no timed transition runs and the bidders' own steps (register, ask) are
 * refused; answering the last open objection resumes it, and every date not
 * yet passed when the pause began moves by the paused time (rule
 * pause_extends). The transitions inside the opening hall and after it are
 * declared here so the next issues plug in; this issue implements the steps
 * up to `opening`.
 *
 * Rules are numbers with defaults per procedure (tender_rule_defs[]); an
 * operator may override them per procedure, but never past the law: an
 * "at least" rule may only go up, an "at most" rule only down. Days are
 * exact multiples of 24 h (calendar days; Beijing time has no DST). Where
 * the law counts working days (政府采购 non-tender procedures) the default is
 * the same number of calendar days, which is shorter: docs/tenders.md says
 * so and an operator raises it where it matters.
 *
 * Thread-safe: constant tables and pure functions.
 */
#ifndef SUNBID_DOMAIN_TENDER_RULES_H
#define SUNBID_DOMAIN_TENDER_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"

#define TENDER_DAY_MS ((int64_t)24 * 3600 * 1000)

enum tender_state {
    TS_DRAFT,      /* being written by the agent; nobody else sees it */
    TS_PUBLISHED,  /* notice out (招標公告); documents not yet obtainable */
    TS_BIDDING,    /* documents obtainable, sealed bids accepted until the deadline */
    TS_OPENING,    /* the deadline has passed: the opening hall (開標) */
    TS_EVALUATION, /* the expert committee (評標) */
    TS_PUBLICITY,  /* candidates published (中標候選人公示) */
    TS_AWARDED,    /* award notice (中標通知) */
    TS_CONTRACTED, /* contract signed (合同) */
    TS_ARCHIVED,   /* closed and archived (歸檔) */
    TS_FAILED,     /* failed (流標), e.g. fewer bids than min_bids */
    TS_CANCELLED,  /* terminated by the tenderer (終止) */
    TS__COUNT
};

enum tender_category {
    TC_WORKS,    /* 工程建設 */
    TC_GOODS,    /* 政府採購（貨物） */
    TC_SERVICES, /* 政府採購（服務） */
    TC_LAND,     /* 土地使用權 */
    TC_MINING,   /* 礦業權 */
    TC_ASSETS,   /* 國有產權 */
    TC_EMISSION, /* 排污權 */
    TC_RURAL,    /* 農村產權 */
    TC_FOREST,   /* 林權 */
    TC__COUNT
};

enum tender_procedure {
    TP_OPEN,          /* 公開招標 */
    TP_INVITED,       /* 邀請招標 */
    TP_NEGOTIATION,   /* 競爭性談判 */
    TP_INQUIRY,       /* 詢價 */
    TP_SINGLE_SOURCE, /* 單一來源 */
    TP__COUNT
};

enum tender_action {
    TA_EDIT,          /* agent: fields and lots of a draft */
    TA_UPLOAD,        /* agent: a new document version (after publication: an amendment) */
    TA_PUBLISH,       /* agent: draft -> published now, or scheduled for publish_at */
    TA_RELEASE,       /* timer at publish_at: a scheduled draft -> published */
    TA_OPEN_BIDDING,  /* timer at doc_start: published -> bidding */
    TA_CLOSE_BIDDING, /* timer at bid_deadline: bidding -> opening */
    TA_REGISTER,      /* bidder: register interest (obtain the documents) */
    TA_DOWNLOAD,      /* bidder: download a document version (logged) */
    TA_ASK,           /* bidder: ask a question (the asker stays hidden) */
    TA_CLARIFY,       /* agent: publish a clarification to registered bidders */
    TA_OBJECT,        /* bidder: object to the documents; pauses */
    TA_ANSWER,        /* agent: answer an objection; resumes when nothing holds it */
    TA_CANCEL,        /* agent: terminate (終止) with a reason */
    TA_END_OPENING,   /* host: opening -> evaluation (the opening hall, next) */
    TA_FAIL,          /* host / agent: -> failed (流標) */
    TA_REPORT,        /* agent: evaluation -> publicity */
    TA_AWARD,         /* agent: publicity -> awarded */
    TA_CONTRACT,      /* agent: awarded -> contracted */
    TA_ARCHIVE,       /* agent: contracted -> archived */
    /* the tender's state derived from its lots (domain/evaluation.h,
     * evaluation_tender_sync_tx): the moves that are not one of the above */
    TA_ANNUL_AWARD, /* supervisor (a complaint upheld): awarded -> publicity */
    TA_REEVALUATE,  /* supervisor (a complaint upheld): publicity, awarded -> evaluation */
    TA_FAIL_LOT,    /* agent: a lot failed (流标); to: what the other lots make it */
    TA__COUNT
};

struct tender_action_def {
    const char *name;  /* "publish"; the audit / ledger type is "tender." + name */
    unsigned roles;    /* ROLE_* that may do it; 0: only the system (timers) */
    unsigned from;     /* states where it is allowed, bit (1u << state) */
    int to;            /* the state it moves to, or -1: the state stays */
    bool while_paused; /* allowed while an objection pauses the tender */
    bool owner;        /* the caller's organisation must run the tender */
};

extern const struct tender_action_def tender_action_defs[TA__COUNT];

/* ERR_OK when action may run in state (paused or not); else
 * ERR_WRONG_STATE or ERR_TENDER_PAUSED. */
enum err tender_action_check(enum tender_action action, enum tender_state state, bool paused);

const char *tender_state_name(enum tender_state s);
const char *tender_category_name(enum tender_category c);
const char *tender_procedure_name(enum tender_procedure p);
/* The enum value for a name, or -1 when unknown (NULL included). */
int tender_state_parse(const char *s);
int tender_category_parse(const char *s);
int tender_procedure_parse(const char *s);

/* Bond forms and evaluation methods: known codes. */
bool tender_bond_form_ok(const char *s);   /* none cash guarantee e_guarantee insurance */
bool tender_eval_method_ok(const char *s); /* comprehensive lowest_evaluated lowest_price
                                            * highest_price */

/* ---- rules ---- */

enum tender_rule {
    TR_MIN_BID_DAYS,   /* documents issued -> bid deadline, at least (招標投標法 art. 24) */
    TR_MIN_DOC_DAYS,   /* documents obtainable for at least (實施條例 art. 16) */
    TR_CLARIFY_DAYS,   /* a clarification leaves at least this long (art. 23, 實施條例 21) */
    TR_OBJECTION_DAYS, /* objections to documents until this long before the deadline (22) */
    TR_ANSWER_DAYS,    /* the agent answers an objection within (實施條例 art. 22) */
    TR_PAUSE_EXTENDS,  /* 1: resuming moves the pending dates by the paused time */
    TR_MIN_BIDS,       /* fewer bids fail the opening (招標投標法 art. 28) */
    TR_BOND_MAX_BP,    /* bond at most this share of the ceiling, basis points (實施條例 26) */
    TR__COUNT
};

enum tender_rule_dir {
    TRD_FREE = 0,     /* any value in [0, max] */
    TRD_AT_LEAST = 1, /* the default is the legal minimum: overrides may only raise it */
    TRD_AT_MOST = -1  /* the default is the legal maximum: overrides may only lower it */
};

struct tender_rule_def {
    const char *name;            /* "min_bid_days": stable, in errors and the API */
    const char *unit;            /* "days", "count", "bool", "bp" */
    int64_t defaults[TP__COUNT]; /* per procedure */
    enum tender_rule_dir dir;    /* which way an override may move it */
    int64_t max;                 /* largest value accepted */
    enum err refusal;            /* the error a breach of the rule gives */
    const char *source;          /* the legal source, as cited */
};

extern const struct tender_rule_def tender_rule_defs[TR__COUNT];

/* The rules in force for one tender: defaults of its procedure with the
 * operator's overrides applied. */
struct tender_rules {
    enum tender_procedure procedure;
    int64_t v[TR__COUNT];
};

void tender_rules_defaults(enum tender_procedure p, struct tender_rules *out);
int tender_rule_parse(const char *name); /* enum tender_rule, or -1 */
/* May the operator set rule r of procedure p to value? ERR_OK,
 * ERR_INVALID_FIELD (out of range) or ERR_RULE_BELOW_STATUTORY (past the law). */
enum err tender_rule_override_check(enum tender_procedure p, enum tender_rule r, int64_t value);

/* Why a rule refused: the rule, the input field at fault and the limit the
 * value would have needed (a time in ms, an amount in fen, a count). */
struct tender_refusal {
    const char *rule;  /* tender_rule_defs[].name or a check's own name; NULL: none */
    const char *field; /* the offending field, or NULL */
    int64_t limit;     /* the bound it broke; 0 when none applies */
};

/* The key dates, ms since the epoch; 0 = not set. */
struct tender_dates {
    int64_t publish_at;       /* the notice goes out */
    int64_t doc_start;        /* documents obtainable from; bidding opens */
    int64_t doc_end;          /* documents obtainable (registration) until */
    int64_t clarify_deadline; /* bidders' questions until */
    int64_t bid_deadline;     /* sealed bids until; the opening time */
};

/* An invited tender (邀请招标) invites at least this many organisations
 * (招标投标法 art. 17: 三个以上); publishing with fewer is refused with rule
 * "min_invitees" (ERR_RULE_TOO_FEW_INVITEES). A fixed number of the law,
 * not an operator's rule. */
#define TENDER_MIN_INVITEES      3
#define TENDER_MIN_INVITEES_RULE "min_invitees"
#define TENDER_MIN_INVITEES_SRC  "招标投标法 art. 17"

/* Checks the dates of a tender being published at publish_ms (the later of
 * its publish_at and now): all set, in order (publish_at <= doc_start <
 * doc_end <= bid_deadline, publish_at <= clarify_deadline <= bid_deadline),
 * min_doc_days and min_bid_days counted from the documents' effective start
 * max(doc_start, publish_ms). ERR_OK, ERR_MISSING_FIELD, ERR_RULE_DATES_ORDER,
 * ERR_RULE_DOC_PERIOD_TOO_SHORT or ERR_RULE_DEADLINE_TOO_SOON, with *why. */
enum err tender_rules_check_dates(const struct tender_rules *r, const struct tender_dates *d,
                                  int64_t publish_ms, struct tender_refusal *why);
/* Bond against the ceiling (0: no ceiling, nothing to check) and the
 * tender's own minimum number of bids against the rule. */
enum err tender_rules_check_bond(const struct tender_rules *r, int64_t ceiling_fen,
                                 int64_t bond_fen, const char *field, struct tender_refusal *why);
enum err tender_rules_check_min_bids(const struct tender_rules *r, int64_t min_bids,
                                     struct tender_refusal *why);

/* The deadline after a clarification or amendment published at now: the
 * same, or now + clarify_days when fewer remain (招標投標法 art. 23). */
int64_t tender_rules_clarify_deadline(const struct tender_rules *r, int64_t bid_deadline,
                                      int64_t now);
/* An objection raised at now: ERR_OK or ERR_RULE_OBJECTION_TOO_LATE. */
enum err tender_rules_check_objection(const struct tender_rules *r, int64_t bid_deadline,
                                      int64_t now, struct tender_refusal *why);
/* When the answer to an objection raised at raised_ms is due. */
int64_t tender_rules_answer_due(const struct tender_rules *r, int64_t raised_ms);
/* A question asked at now: ERR_OK or ERR_RULE_QUESTIONS_CLOSED. */
enum err tender_rules_check_question(const struct tender_dates *d, int64_t now,
                                     struct tender_refusal *why);
/* A registration at now: ERR_OK or ERR_RULE_REGISTRATION_CLOSED. */
enum err tender_rules_check_registration(const struct tender_dates *d, int64_t now,
                                         struct tender_refusal *why);
/* Resuming at now after a pause that began at paused_since: with
 * pause_extends, each date still ahead at paused_since moves by the paused
 * time. Returns the shift applied (0 without the rule). */
int64_t tender_rules_resume(const struct tender_rules *r, struct tender_dates *d,
                            int64_t paused_since, int64_t now);

/* The next timed transition of a tender and when it is due: TA_RELEASE at
 * publish_at (a scheduled draft), TA_OPEN_BIDDING at doc_start, TA_CLOSE_BIDDING
 * at bid_deadline; none while paused. Returns the due time and sets *action,
 * or returns 0 when nothing is pending. */
int64_t tender_rules_next_due(enum tender_state s, bool scheduled, bool paused,
                              const struct tender_dates *d, enum tender_action *action);

/* ---- the unified transaction code (統一交易編碼) ----
 *
 *   RRRRRR-CC-YYYY-NNNNN     e.g. 350100-GC-2026-00042
 *
 *   RRRRRR  the region (GB/T 2260 administrative division code, 6 digits)
 *   CC      the trading category: GC works, HW goods, FW services, TD land,
 *           KY mining, CQ state assets, PW emission, NC rural, LQ forest
 *   YYYY    the year the tender was created, Beijing time
 *   NNNNN   its sequence within (region, category, year), from 1, at least
 *           5 digits (more when a year has more than 99999)
 */
#define TENDER_CODE_MAX 32 /* bytes, with the NUL */

/* True for six digits, not all zero. */
bool tender_region_ok(const char *s);
/* Writes the code; -1 when an argument is out of range. */
int tender_code_format(char out[TENDER_CODE_MAX], const char *region, enum tender_category c,
                       int year, int64_t seq);
/* Parses a code; 0 on success (outputs may be NULL), -1 when malformed. */
int tender_code_parse(const char *s, size_t n, char region[7], int *category, int *year,
                      int64_t *seq);
/* The year in Beijing time (UTC+8) of a time in ms. */
int tender_beijing_year(int64_t ms);

/* ---- small parsers of outside input (fuzzed: fuzz/fuzz_tender.c) ---- */

/* Read-out fields (唱標): a comma list of [a-z_]{1,32} names, no repeats,
 * at most 16. True when s is such a list. */
bool tender_readout_ok(const char *s, size_t n);
/* A document's file name: 1-200 bytes of valid UTF-8, no control
 * characters, no '/', '\\' or '"', not "." or "..". */
bool tender_filename_ok(const char *s, size_t n);
/* A media type "type/subtype" of [a-z0-9.+-], lower case, at most 100 bytes
 * (parameters after ';' are not kept). Writes it to out; false when
 * malformed. */
bool tender_media_type(const char *s, size_t n, char out[101]);

#endif
