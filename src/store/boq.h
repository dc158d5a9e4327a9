/*
 * store/boq.h — rows of the bills of quantities (migration 15): the
 * tender's BoQ per lot (boq_tender) and, per opened bid, the content key
 * released at the opening and the priced BoQ taken from the envelope
 * (boq_keys). The rules are in domain/boq.c. Same conventions as
 * store/opening.h: strings into the caller's arena, the caller's
 * transaction, store_rc results, 0 for NULL in optional integers.
 */
#ifndef SUNBID_STORE_BOQ_H
#define SUNBID_STORE_BOQ_H

#include <stdint.h>

#include "base/arena.h"
#include "store/accounts.h"
#include "store/store.h"

struct boq_tender_row {
    int64_t tender_id;
    int64_t lot_no;
    const char *name;      /* the file's name as uploaded */
    const char *blob_hash; /* the file */
    int64_t lines;
    int64_t uploaded_by;
    int64_t uploaded_ms;
};

/* One bid of the lot that the opening opened, with what boq_keys knows. */
struct boq_bid_row {
    int64_t bid_id;
    int64_t org_id;
    const char *org_name;   /* joined from orgs */
    const char *env_hash;   /* the envelope's blob (bids) */
    const char *key;        /* K, 64 hex, or NULL: not kept */
    const char *boq_status; /* found absent invalid, or NULL: not read yet */
    const char *boq_name;
    const char *boq_hash;
    const char *boq_reason;
};

/* Inserts or replaces the lot's tender BoQ. */
int store_boq_tender_put(struct store_tx *tx, const struct boq_tender_row *r);
int store_boq_tender_get(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t lot_no,
                         struct boq_tender_row *out);
/* Keeps K for the opening's bid of org_id for lot_no (replacing one kept
 * before, which also forgets what was read with it). STORE_NOTFOUND when
 * the hall has no such bid. */
int store_boq_key_put(struct store_tx *tx, int64_t tender_id, int64_t org_id, int64_t lot_no,
                      const char *key_hex, int64_t at_ms);
/* The opened bids of the lot, by organisation. */
int store_boq_bids(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t lot_no,
                   int limit, struct page *out);
/* Records what reading the bid's envelope gave. */
int store_boq_key_read(struct store_tx *tx, int64_t bid_id, const char *status, const char *name,
                       const char *hash, const char *reason, int64_t at_ms);

#endif
