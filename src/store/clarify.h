/*
 * store/clarify.h — clarification questions to bidders (不見面詢標,
 * migration 15, table clarify_questions) and the queries on them. The
 * rules are in domain/clarify.c. Same conventions as store/opening.h.
 */
#ifndef SUNBID_STORE_CLARIFY_H
#define SUNBID_STORE_CLARIFY_H

#include <stdint.h>

#include "base/arena.h"
#include "store/accounts.h"
#include "store/store.h"

struct clarify_question {
    int64_t id;
    int64_t tender_id;
    int64_t org_id;       /* the bidder asked */
    const char *org_name; /* joined from orgs */
    int64_t member_id;    /* the chair, for the committee */
    int64_t asked_by;
    const char *body;
    int64_t asked_ms;
    int64_t deadline_ms;
    const char *answer;    /* NULL: not answered */
    const char *signature; /* DER, base64 */
    const char *cert_fp;   /* the signing certificate's SHA-256, hex */
    const char *key_alg;
    int64_t answered_by;
    int64_t answered_ms; /* 0: not answered */
};

int store_clarify_insert(struct store_tx *tx, const struct clarify_question *q, int64_t *id);
int store_clarify_get(struct store_tx *tx, struct arena *a, int64_t id,
                      struct clarify_question *out);
/* Records the answer of an unanswered question; STORE_NOTFOUND when it is
 * answered already. */
int store_clarify_answer(struct store_tx *tx, const struct clarify_question *q);
/* The tender's questions (org_id 0: all; else that bidder's), in order. */
int store_clarify_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t org_id,
                       int limit, struct page *out);

#endif
