/*
 * relgraph.h — relationships between trading parties (交易主体关系分析) and
 * what they do in tenders together (docs/graph.md).
 *
 * Organisations are linked when they share a person (legal representative,
 * shareholder, manager or key staff: a project manager registered at two
 * firms — by ID number), a phone, an e-mail address, a postal address or a
 * bank account, each normalised first (docs/graph.md, "Keys"). A value that
 * more than max_share organisations share (a business centre's address, an
 * agency's phone) is a hub: reported, not a link. Union-find gives the
 * connected components.
 *
 * Over the bids (tender, lot, organisation, and optionally price, winner,
 * date):
 *
 *   linked bidders   two or more bidders of one lot in one component; the
 *                    shortest chain of shared keys between them is the evidence
 *   co-bidding       pairs that meet in at least min_cobids lots, with
 *                    together / min(bids of each) >= min_co_ratio
 *   bid rotation     a group (frequent co-bidders, a relationship component,
 *                    or the winners among them) that wins the lots it meets
 *                    in (capture >= min_capture) more often than if any
 *                    bidder could win (exact Poisson-binomial p), with every
 *                    member winning, evenly (normalised entropy >=
 *                    min_evenness), taking turns at least as often as
 *                    independent winners would
 *   cover bidding    a firm with at least min_cover_bids bids that never
 *                    wins and bids high: mean relative rank >= min_cover_rank,
 *                    p (exact, against ranks drawn at random) small; with
 *                    the firm that most often won where it lost
 *
 * Both tests are made many times (every group tried, every firm with
 * enough bids), so a flag needs p <= alpha / number of tests (Bonferroni):
 * the chance of any false flag in a run is at most alpha.
 *
 * Input is CSV (RFC 4180, UTF-8, a header row naming the columns; docs/
 * graph.md, "Formats"): orgs, people, contacts, bids. Loading and analysis
 * are single-threaded and deterministic.
 */
#ifndef SUNBID_RELGRAPH_H
#define SUNBID_RELGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define RG_MAX_FIELD    4096      /* bytes of one CSV field */
#define RG_MAX_FIELDS   64        /* fields of one CSV record */
#define RG_MAX_ROWS     50000000u /* records of one file */
#define RG_MAX_LOT      1000      /* distinct bidders of one lot taken into account */
#define RG_MAX_VISIT    100000    /* nodes one evidence search visits */
#define RG_MAX_SEQUENCE 200       /* lots listed as a rotation's evidence */

enum rg_err {
    RG_OK = 0,
    RG_NOMEM,          /* out_of_memory */
    RG_CSV_QUOTE,      /* csv_unterminated_quote: a quoted field runs to the end */
    RG_CSV_TOO_LONG,   /* csv_too_long: a field or record past its limit */
    RG_MISSING_COLUMN, /* csv_missing_column: the header lacks a required column */
    RG_BAD_VALUE,      /* bad_value: an empty id, a price that is no number, ... */
    RG_TOO_MANY_ROWS,  /* too_many_rows */
    RG_BAD_PARAMS      /* bad_parameters */
};

/* Where loading stopped: the error, the file's line and what it was. */
struct rg_error {
    int code;
    size_t line; /* 1-based line of the record; 0 when not about a line */
    char msg[160];
};

struct rg_params {
    unsigned max_share;       /* a key shared by more organisations is a hub (default 20) */
    bool match_names;         /* link people without an ID number by name (default off) */
    unsigned min_cobids;      /* co-bidding: lots together (default 3) */
    double min_co_ratio;      /* co-bidding: together / min(bids) (default 0.5) */
    unsigned max_pairs_shown; /* co-bidding pairs reported (default 1000) */
    unsigned min_lots;        /* rotation: group lots (default 5) */
    double min_capture;       /* rotation: share of group lots a member won (default 0.8) */
    double min_evenness;      /* rotation: normalised entropy of the wins (default 0.8) */
    unsigned max_group;       /* rotation: largest group tried (default 8) */
    unsigned min_cover_bids;  /* cover: bids (default 5) */
    double min_cover_rank;    /* cover: mean relative rank, 0 lowest .. 1 highest (default 0.75) */
    double alpha;             /* rotation and cover: family-wise significance (default 0.01) */
};

void rg_params_init(struct rg_params *p);

struct relgraph;

struct relgraph *rg_new(const struct rg_params *p); /* NULL on bad params or OOM */
void rg_free(struct relgraph *g);

/* Load one CSV file's bytes (borrowed). Each may be called more than once
 * (rows add up), before rg_analyse; people, contacts and bids may name
 * organisations that orgs does not list. Return an rg_err; *err says where. */
int rg_load_orgs(struct relgraph *g, const char *data, size_t n, struct rg_error *err);
int rg_load_people(struct relgraph *g, const char *data, size_t n, struct rg_error *err);
int rg_load_contacts(struct relgraph *g, const char *data, size_t n, struct rg_error *err);
int rg_load_bids(struct relgraph *g, const char *data, size_t n, struct rg_error *err);

/* Builds the links and components and computes every flag. */
int rg_analyse(struct relgraph *g);

/* Figures of the analysis, for tests and the CLI's summary. */
struct rg_stats {
    size_t orgs, people, contacts, bids, lots;
    size_t links;              /* keys shared by 2..max_share organisations */
    size_t hubs;               /* keys shared by more */
    size_t components;         /* with two or more organisations */
    size_t linked_lots;        /* lots with linked bidders */
    size_t cobid_pairs;        /* frequent co-bidding pairs */
    size_t rotations;          /* groups flagged for rotation */
    size_t covers;             /* firms flagged for cover bidding */
    size_t groups_tried;       /* rotation tests made (groups with min_lots lots) */
    size_t covers_tested;      /* cover tests made (firms with min_cover_bids bids) */
    double rotation_threshold; /* alpha / groups_tried */
    double cover_threshold;    /* alpha / covers_tested */
    bool have_prices, have_winners;
};
void rg_stats(const struct relgraph *g, struct rg_stats *st);

/* Accessors for tests: the component of an organisation (-1: alone or
 * unknown), and the flagged groups and firms as organisation ids. */
int rg_component_of(const struct relgraph *g, const char *org);
size_t rg_rotation_count(const struct relgraph *g);
/* Members of rotation group i, sorted; returns how many (at most max). */
size_t rg_rotation_members(const struct relgraph *g, size_t i, const char **ids, size_t max);
size_t rg_cover_count(const struct relgraph *g);
const char *rg_cover_org(const struct relgraph *g, size_t i);
const char *rg_cover_beneficiary(const struct relgraph *g, size_t i);

/* The report (docs/graph.md, "The report") as one JSON object. */
int rg_write_json(const struct relgraph *g, struct buf *out);

const char *rg_err_code(int e);

/* Key normalisation (docs/graph.md, "Keys"), exposed for tests: writes the
 * key into out (NUL-terminated) and returns its length, or 0 when the
 * value is too short or not one (an e-mail without '@'). */
size_t rg_norm_phone(const char *s, char *out, size_t cap);
size_t rg_norm_email(const char *s, char *out, size_t cap);
size_t rg_norm_address(const char *s, char *out, size_t cap);
size_t rg_norm_account(const char *s, char *out, size_t cap);
size_t rg_norm_person_id(const char *s, char *out, size_t cap);
size_t rg_norm_name(const char *s, char *out, size_t cap);

#endif
