/*
 * store/leads.h — rows of the leads workflow (migration 16): a supervisor's
 * lead (线索) on a tender and the evidence attached to it, and the lead's
 * history read back from the audit trail. All SQL for these lives in
 * store/leads.c; the rules are in domain/leads.c.
 *
 * Strings in returned rows are copied into the caller's arena. Every
 * function runs inside the caller's transaction and returns a store_rc.
 * A 0 in an optional integer field means SQL NULL.
 */
#ifndef SUNBID_STORE_LEADS_H
#define SUNBID_STORE_LEADS_H

#include <stdint.h>

#include "base/arena.h"
#include "store/accounts.h"
#include "store/store.h"

struct lead {
    int64_t id;
    int64_t tender_id;
    const char *title;
    const char *source; /* warning manual */
    const char *status; /* open transferred closed */
    int64_t opened_by;
    int64_t opened_ms;
    const char *transferred_to; /* the receiving body, or NULL */
    const char *transferred_on; /* YYYY-MM-DD, or NULL */
    const char *transfer_note;
    int64_t transferred_by;
    int64_t transferred_ms;
    const char *close_reason;
    int64_t closed_by;
    int64_t closed_ms;
    int64_t updated_ms;
    int64_t version; /* 1, then +1 per write */
    /* joined from tenders */
    const char *tender_code;
    const char *tender_title;
};

struct lead_evidence {
    int64_t id;
    int64_t lead_id;
    const char *kind;       /* note file flags */
    const char *body;       /* a note's text, the flags JSON; NULL for a file */
    const char *name;       /* a file's name */
    const char *media_type; /* a file's type */
    const char *sha256;     /* of the bytes; a file's blob name */
    int64_t size;
    int64_t added_by;
    int64_t added_ms;
};

int store_lead_insert(struct store_tx *tx, const struct lead *l, int64_t *id);
int store_lead_get(struct store_tx *tx, struct arena *a, int64_t id, struct lead *out);
/* Writes the status fields, updated_ms and version = l->version where the
 * stored version is l->version - 1; STORE_NOTFOUND otherwise (a stale
 * writer). */
int store_lead_update(struct store_tx *tx, const struct lead *l);
/* Newest first, ids below before_id (0: from the newest); tender_id 0: all. */
int store_lead_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t before_id,
                    int limit, struct page *out);

int store_lead_evidence_insert(struct store_tx *tx, const struct lead_evidence *e, int64_t *id);
/* In the order attached. */
int store_lead_evidence_list(struct store_tx *tx, struct arena *a, int64_t lead_id, int limit,
                             struct page *out);
int store_lead_evidence_get(struct store_tx *tx, struct arena *a, int64_t lead_id, int64_t id,
                            struct lead_evidence *out);

/* The audit rows of the lead (object_type 'lead'), oldest first. */
int store_lead_history(struct store_tx *tx, struct arena *a, int64_t lead_id, int limit,
                       struct page *out);

#endif
