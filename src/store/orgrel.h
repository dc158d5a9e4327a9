/*
 * store/orgrel.h — rows of org_relations (migration 19): what an
 * organisation declares or a supervisor records about its shareholders,
 * managers, key staff, phones, e-mail addresses, postal addresses and bank
 * accounts (domain/orgrel.h has the rules), and the read-only queries the
 * live relationship graph needs: a tender's bidders, the records that hold
 * one key, and the opened bids of the sealed tenders a set of organisations
 * bid in. All SQL for these lives in store/orgrel.c.
 *
 * Strings in returned rows are copied into the caller's arena. Every
 * function runs inside the caller's transaction and returns a store_rc.
 */
#ifndef SUNBID_STORE_ORGREL_H
#define SUNBID_STORE_ORGREL_H

#include <stdint.h>

#include "base/arena.h"
#include "store/accounts.h"
#include "store/store.h"

struct orgrel_row {
    int64_t id;
    int64_t org_id;
    const char *kind; /* legal_rep shareholder manager key_staff phone email address bank_account */
    const char *name; /* a person's or corporate shareholder's name, or NULL */
    const char *id_number; /* ID card, USCC or registration number, or NULL */
    const char *role;      /* a manager's or key staff's position, or NULL */
    int64_t share_bp;      /* a shareholder's share in 1/100 %, -1 when not given */
    const char *value;     /* a contact as entered, or NULL */
    const char *norm;      /* the graph key (domain/orgrel.h), "" when not one */
    const char *source;    /* self import supervisor */
    int64_t user_id;       /* who entered it; 0: unknown */
    int64_t created_ms;
    const char *org_name; /* joined from orgs (by_norm only), else NULL */
};

/* One opened bid of a sealed opening, for the across-tender patterns. */
struct orgrel_bid {
    int64_t tender_id;
    int64_t lot_no;
    int64_t org_id;
    const char *status; /* opening_bids.status */
    const char *form;   /* the opening form JSON, or NULL */
    int64_t at_ms;      /* the hall's creation: orders the tenders */
};

int store_orgrel_insert(struct store_tx *tx, const struct orgrel_row *r, int64_t *id);
/* Marks the record deleted; STORE_NOTFOUND when org_id has no live record
 * id (of that source, when source is not NULL). */
int store_orgrel_delete(struct store_tx *tx, int64_t org_id, int64_t id, const char *source,
                        int64_t at_ms);
/* The live records of one organisation, by id. */
int store_orgrel_list(struct store_tx *tx, struct arena *a, int64_t org_id, int limit,
                      struct page *out);
/* The live records holding one key (with their organisation's name), by org id. */
int store_orgrel_by_norm(struct store_tx *tx, struct arena *a, const char *norm, int limit,
                         struct page *out);
/* The organisations with a bid (any state) in the tender, ascending. */
int store_orgrel_tender_orgs(struct store_tx *tx, int64_t tender_id, int64_t *ids, int max, int *n);
/* The opened-hall bids of every sealed tender in which one of orgs[0..n)
 * bid, by tender, lot and organisation (n <= 256). */
int store_orgrel_bids(struct store_tx *tx, struct arena *a, const int64_t *orgs, int n, int limit,
                      struct page *out);
/* The organisation whose id (decimal) or USCC (any case) is ref; STORE_NOTFOUND. */
int store_orgrel_org_ref(struct store_tx *tx, const char *ref, int64_t *id);

#endif
