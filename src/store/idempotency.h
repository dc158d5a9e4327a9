/*
 * store/idempotency.h — rows of idempotency_keys: one per (user, key), first
 * "running" while the write runs, then "done" with the response to replay.
 */
#ifndef SUNBID_STORE_IDEMPOTENCY_H
#define SUNBID_STORE_IDEMPOTENCY_H

#include <stdint.h>

#include "base/arena.h"
#include "store/store.h"

struct idem_row {
    const char *fingerprint;  /* SHA-256 hex of method, target and body */
    bool done;                /* false: still running (or its node died) */
    int status;               /* when done */
    const char *content_type; /* when done */
    const char *body;         /* when done; body_len bytes */
    size_t body_len;
    int64_t created_ms;
};

int store_idem_get(struct store_tx *tx, struct arena *a, int64_t user_id, const char *key,
                   struct idem_row *out);
/* Inserts a running row; STORE_CONSTRAINT when the key exists. */
int store_idem_start(struct store_tx *tx, int64_t user_id, const char *key, const char *fingerprint,
                     int64_t now_ms);
int store_idem_finish(struct store_tx *tx, int64_t user_id, const char *key, int status,
                      const char *content_type, const char *body, size_t body_len);
int store_idem_delete(struct store_tx *tx, int64_t user_id, const char *key);
/* Deletes rows created before cutoff_ms. */
int store_idem_prune(struct store_tx *tx, int64_t cutoff_ms);

#endif
