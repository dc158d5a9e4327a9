/*
 * store/simres.h — the stored bid document similarity of a tender
 * (migration 20: tender_similarity) and the read-only queries the live
 * similarity and expert-score analyses need: the opened bids with the
 * content key K kept at the opening (boq_keys, docs/boq.md) and the expert
 * scores of finished evaluations (migration 14). All SQL for these lives in
 * store/simres.c; the rules are in domain/risk_sim.c and
 * domain/risk_experts.c.
 *
 * The stored result holds passages of the bids' own text: it is read by
 * supervisors only (api/supervision.c), never published, never public.
 * Strings in returned rows are copied into the caller's arena; every
 * function runs in the caller's transaction and returns a store_rc.
 */
#ifndef SUNBID_STORE_SIMRES_H
#define SUNBID_STORE_SIMRES_H

#include <stdint.h>

#include "base/arena.h"
#include "store/accounts.h"
#include "store/store.h"

struct simres_row {
    int64_t tender_id;
    int64_t basis_version; /* the opening hall's version it was computed from */
    const char *status;    /* done failed */
    int64_t pairs;         /* similar pairs of different bidders listed */
    const char *result;    /* the analysis, JSON (domain/risk_sim.h) */
    int64_t computed_ms;
};

/* One opened bid whose content key was kept. */
struct simres_bid {
    int64_t bid_id;
    int64_t lot_no;
    int64_t org_id;
    const char *org_name; /* from orgs */
    const char *env_hash; /* the envelope's blob */
    const char *key;      /* K, 64 hex */
};

/* One expert's total score of one firm in one finished evaluation. */
struct simres_score {
    int64_t tender_id;
    const char *tender_code;
    const char *tender_title;
    int64_t expert_id; /* experts.id; 0: a member not drawn from the pool */
    int64_t member_id; /* committee_members.id */
    const char *expert_name;
    int64_t org_id;
    const char *org_name;
    int64_t centi; /* the sum of the expert's score items, in hundredths of a point */
};

/* Inserts or replaces the row of r->tender_id. */
int store_simres_put(struct store_tx *tx, const struct simres_row *r);
/* STORE_NOTFOUND when the tender has none. */
int store_simres_get(struct store_tx *tx, struct arena *a, int64_t tender_id,
                     struct simres_row *out);
/* The tender's opened bids with a kept K, by lot and organisation. */
int store_simres_bids(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                      struct page *out);

typedef int (*simres_score_fn)(const struct simres_score *s, void *ud); /* non-zero: stop */
/* Every expert's total per firm in evaluations that are signed or later,
 * by tender, member, firm; strings valid during the call only. */
int store_simres_scores(struct store_tx *tx, simres_score_fn fn, void *ud);

#endif
