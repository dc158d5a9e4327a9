/*
 * store/credit.h — credit and supervision records of organisations
 * (信用記錄, migration 15, table credit_records) and the queries on them.
 * The rules are in domain/credit.c. Records are keyed by the
 * organisation's unified social credit code, so they may be imported for
 * an organisation before it registers on the platform. Same conventions
 * as store/opening.h.
 */
#ifndef SUNBID_STORE_CREDIT_H
#define SUNBID_STORE_CREDIT_H

#include <stdint.h>

#include "base/arena.h"
#include "store/accounts.h"
#include "store/store.h"

struct credit_record {
    int64_t id;
    const char *org_uscc; /* normalised (upper case, check digit valid) */
    const char *org_name;
    const char *source; /* who recorded it */
    const char *kind;   /* penalty bad good dishonest other */
    const char *ref;    /* the decision's number, or NULL */
    int64_t record_ms;  /* the decision's day, 00:00 Beijing time */
    int64_t expires_ms; /* stops counting then; 0: never */
    const char *body;
    int64_t created_by; /* 0: the CLI or the system */
    int64_t created_ms;
};

int store_credit_insert(struct store_tx *tx, const struct credit_record *r, int64_t *id);
/* The records of uscc that count at at_ms (recorded by then, not expired),
 * newest first. */
int store_credit_valid_at(struct store_tx *tx, struct arena *a, const char *uscc, int64_t at_ms,
                          int limit, struct page *out);
/* Every record (uscc NULL) or one organisation's, newest id first, ids
 * below before_id (0: from the newest). */
int store_credit_list(struct store_tx *tx, struct arena *a, const char *uscc, int64_t before_id,
                      int limit, struct page *out);

#endif
