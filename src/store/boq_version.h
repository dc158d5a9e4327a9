/*
 * store/boq_version.h — the versions of a lot's tender BoQ (migration 21,
 * boq_tender_versions): every upload is a version, 1, 2, ... per lot, with
 * the change notice that announced it. boq_tender (store/boq.h) keeps the
 * newest for the comparison; this table keeps them all, so the comparison
 * can say which version each bid priced (the newest uploaded before the bid
 * was submitted). The rules are in domain/boq.c. Same conventions as
 * store/boq.h.
 */
#ifndef SUNBID_STORE_BOQ_VERSION_H
#define SUNBID_STORE_BOQ_VERSION_H

#include <stdint.h>

#include "base/arena.h"
#include "store/boq.h"

#define BOQ_VERSIONS_MAX 1000 /* versions read back for one lot */

struct boq_version_row {
    int64_t version;     /* 1, 2, ... */
    const char *name;    /* the file's name */
    const char *hash;    /* its blob */
    int64_t lines;       /* lines read from it */
    int64_t uploaded_ms; /* when */
    int64_t notice_no;   /* the change notice's clarification number; 0: none */
};

/* Adds the next version of the lot from r (boq_tender_row), into *version. */
int store_boq_version_add(struct store_tx *tx, const struct boq_tender_row *r, int64_t *version);
/* Notes the change notice that announced a version. */
int store_boq_version_notice(struct store_tx *tx, int64_t tender_id, int64_t lot_no,
                             int64_t version, int64_t notice_no);
/* The lot's versions, oldest first (at most BOQ_VERSIONS_MAX). */
int store_boq_versions(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t lot_no,
                       struct page *out);
/* When the bid was submitted (bids.submitted_ms). */
int store_boq_bid_submitted(struct store_tx *tx, int64_t bid_id, int64_t *ms);

#endif
