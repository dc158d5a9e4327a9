/*
 * relgraph_internal.h — the state the files of the relationship graph share
 * (relgraph.c: keys, links, components, linked bidders; relgraph_csv.c: CSV
 * and loading; relgraph_bids.c: co-bidding, rotation, cover bidding;
 * relgraph_report.c: JSON). Not an API.
 */
#ifndef SUNBID_RELGRAPH_INTERNAL_H
#define SUNBID_RELGRAPH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analytics/relgraph.h"

#define RG_NONE UINT32_MAX

/* What a key is. */
enum rg_kind { RK_PERSON, RK_PHONE, RK_EMAIL, RK_ADDRESS, RK_ACCOUNT, RK__COUNT };

/* Roles of a person at an organisation (bits). */
enum {
    ROLE_LEGAL_REP = 1,
    ROLE_SHAREHOLDER = 2,
    ROLE_MANAGER = 4,
    ROLE_KEY_STAFF = 8,
    ROLE_OTHER = 16
};

/* Interned strings: index <-> bytes (open addressing on FNV-1a). */
struct rg_strtab {
    char **s; /* owned, NUL-terminated */
    uint32_t *len;
    size_t n, cap;
    uint32_t *slot; /* index + 1; 0 empty */
    size_t scap;    /* power of two */
};

/* An organisation's membership of a key. */
struct rg_member {
    uint32_t key;
    uint32_t org;
    uint8_t roles; /* ROLE_* for people */
};

struct rg_bid {
    uint32_t lot;
    uint32_t org;
    uint32_t row;  /* order in the input */
    double price;  /* NAN when not given */
    int8_t winner; /* 1, 0, or -1 unknown */
};

struct rg_linked { /* linked bidders in one lot */
    uint32_t lot;
    uint32_t comp;
    uint32_t *orgs; /* the lot's bidders of the component, owned */
    size_t norgs;
    uint32_t *keys; /* the keys on the shortest chains between them, owned */
    size_t nkeys;
};

struct rg_cobid {
    uint32_t a, b; /* a < b */
    uint32_t together;
};

struct rg_seq {
    uint32_t lot, winner;
};

struct rg_rotation {
    uint32_t *orgs; /* sorted, owned */
    size_t norgs;
    uint32_t *wins; /* per member */
    size_t lots;    /* group lots with a known winner */
    double capture, expected, p, evenness, switch_rate, expected_switch;
    bool linked;        /* all in one relationship component */
    struct rg_seq *seq; /* the group lots in order, at most RG_MAX_SEQUENCE; owned */
    size_t nseq;
};

struct rg_cover {
    uint32_t org;
    uint32_t bids, wins;
    double mean_rank, p;
    uint32_t beneficiary; /* RG_NONE when no winner is known */
    uint32_t beneficiary_wins;
    bool linked;    /* in one component with the beneficiary */
    uint32_t *lots; /* owned */
    size_t nlots;
};

struct relgraph {
    struct rg_params p;
    struct rg_strtab orgid; /* organisation ids */
    char **orgname;         /* per organisation, owned, may be NULL */
    size_t namecap;
    struct rg_strtab keys; /* kind byte + normalised value */
    char **keylabel;       /* per key: a person's name, owned, may be NULL */
    size_t labelcap;
    struct rg_member *mem;
    size_t nmem, memcap;
    size_t people_rows, contact_rows;
    struct rg_strtab lots; /* tender \x1f lot */
    char **lotdate;        /* per lot, owned, may be NULL */
    size_t datecap;
    struct rg_bid *bids;
    size_t nbids, bidcap;
    bool have_prices, have_winners; /* a bids file had the column */
    bool analysed;

    /* analysis */
    uint32_t *parent; /* union-find over organisations */
    uint32_t *comp;   /* component id, or RG_NONE when alone */
    size_t ncomp;
    uint32_t *comp_off, *comp_org; /* CSR: component -> organisations */
    size_t nlinks, nhubs;
    uint32_t *link_key; /* linking keys, in key order */
    uint32_t *link_off; /* CSR into link_mem per linking key */
    struct rg_member *link_mem;
    uint32_t *hub_key; /* hubs and how many organisations */
    uint32_t *hub_count;
    uint32_t *org_off, *org_link; /* CSR: organisation -> linking key (index in link_key) */
    uint32_t *lot_off, *lot_bid;  /* CSR: lot -> bids (one per organisation) */
    uint32_t *lot_winner;         /* organisation, or RG_NONE */
    uint32_t *lot_rank;           /* chronological position */
    uint32_t *org_loff, *org_lot; /* CSR: organisation -> lots, chronological */
    struct rg_linked *linked;
    size_t nlinked, linkedcap;
    struct rg_cobid *cobid; /* frequent pairs, most frequent first */
    size_t ncobid;
    struct rg_rotation *rot;
    size_t nrot, rotcap;
    size_t groups_tried;  /* groups with enough lots: rotation tests made */
    double rot_threshold; /* alpha / groups_tried */
    struct rg_cover *cover;
    size_t covers_tested;   /* firms with enough bids: cover tests made */
    double cover_threshold; /* alpha / covers_tested */
    size_t ncover, covercap;
};

/* Interns n bytes; returns the index or RG_NONE on OOM. */
uint32_t rg_intern(struct rg_strtab *t, const char *s, size_t n);
/* Looks up n bytes; RG_NONE when absent. */
uint32_t rg_lookup(const struct rg_strtab *t, const char *s, size_t n);
void rg_strtab_release(struct rg_strtab *t);

/* Adds a membership of org in (kind, value); label is a person's name. */
int rg_add_member(struct relgraph *g, uint32_t org, enum rg_kind kind, const char *value,
                  size_t vlen, uint8_t roles, const char *label);
/* Interns an organisation id (and its name when given and not yet known). */
uint32_t rg_org(struct relgraph *g, const char *id, const char *name);

/* relgraph_bids.c: co-bidding, rotation and cover bidding (after the
 * components and the lot tables exist). */
int rg_analyse_bids(struct relgraph *g);

const char *rg_kind_name(enum rg_kind k);

#endif
