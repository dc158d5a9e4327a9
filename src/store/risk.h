/*
 * store/risk.h — rows of the tender risk table (migration 16) and the
 * read-only queries the risk computation needs: the stale tenders (an
 * opening sealed after their last computation) and the bids of a tender's
 * opening hall with what each bid's row and its organisation record about
 * it. All SQL for these lives in store/risk.c; the rules are in
 * domain/risk.c.
 *
 * Strings in returned rows are copied into the caller's arena. Every
 * function runs inside the caller's transaction and returns a store_rc.
 */
#ifndef SUNBID_STORE_RISK_H
#define SUNBID_STORE_RISK_H

#include <stdint.h>

#include "base/arena.h"
#include "store/accounts.h"
#include "store/store.h"

struct risk_row {
    int64_t tender_id;
    int64_t score;         /* 0..100 */
    const char *level;     /* none low high */
    const char *flags;     /* JSON array (domain/risk.h) */
    int64_t basis_version; /* the opening hall's version it was computed from */
    int64_t computed_ms;
    int64_t warned_ms; /* 0: no warning went out */
    /* joined from tenders (lists and gets) */
    const char *code;
    const char *title;
    const char *state;
};

/* One bid of the hall, with its upload and its organisation. */
struct risk_bid {
    int64_t bid_id;
    int64_t lot_no;
    int64_t org_id;
    const char *org_name;
    const char *status;      /* pending opened revoked withdrawn */
    const char *form;        /* the opening form (JSON) or NULL */
    const char *blob_hash;   /* the envelope */
    const char *signer_fp;   /* signer certificate SHA-256 */
    const char *remote_addr; /* uploader's address or NULL */
    int64_t user_id;         /* uploader; 0: unknown */
    const char *legal_rep;   /* from orgs */
    const char *phone;
    const char *email;
    const char *address;
};

/* Inserts or replaces the row of r->tender_id (warned_ms kept when r's is 0). */
int store_risk_put(struct store_tx *tx, const struct risk_row *r);
/* STORE_NOTFOUND when the tender has none. */
int store_risk_get(struct store_tx *tx, struct arena *a, int64_t tender_id, struct risk_row *out);
/* By score descending then tender id descending, scores >= min_score,
 * after the cursor (score, tender id) when before_id > 0. */
int store_risk_list(struct store_tx *tx, struct arena *a, int64_t min_score, int64_t before_score,
                    int64_t before_id, int limit, struct page *out);
int store_risk_set_warned(struct store_tx *tx, int64_t tender_id, int64_t at_ms);
/* Up to max tenders whose hall is sealed and whose risk row is missing or
 * older than the hall (basis_version <> version), by tender id. */
int store_risk_stale(struct store_tx *tx, int64_t *ids, int max, int *n);
/* Every bid row of the tender's hall, by lot and organisation. */
int store_risk_bids(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                    struct page *out);

#endif
