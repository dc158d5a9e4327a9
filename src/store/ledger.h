/*
 * store/ledger.h — the SQL of the witness log's tables (migrations 4-7; see
 * src/ledger/ and docs/ledger.md): its config row, the queue of appended
 * entries, integrated leaves, stored subtree hashes and checkpoints.
 *
 * Every function runs inside the caller's transaction and returns a
 * store_rc. Hash columns are MERKLE_HASH_LEN (32) bytes; a stored value of
 * another length is STORE_ERROR (corruption, never trusted).
 */
#ifndef SUNBID_STORE_LEDGER_H
#define SUNBID_STORE_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define STORE_LEDGER_HASH      32
#define STORE_LEDGER_ORIGIN    256   /* bytes with the NUL */
#define STORE_LEDGER_VKEYS     4096  /* bytes with the NUL */
#define STORE_LEDGER_ENTRY_MAX 65536 /* bytes of one entry */

struct store_ledger_config {
    char origin[STORE_LEDGER_ORIGIN]; /* the checkpoint origin line */
    char hash_alg[16];                /* "sha256" or "sm3" */
    char vkeys[STORE_LEDGER_VKEYS];   /* verifier keys, one per line */
    int64_t tree_size;                /* leaves integrated */
};

/* STORE_NOTFOUND when the log has not been created. */
int store_ledger_config_get(struct store_tx *tx, struct store_ledger_config *out);
/* Creates the config row with tree_size 0 unless one exists (*created = 0). */
int store_ledger_config_create(struct store_tx *tx, const char *origin, const char *hash_alg,
                               const char *vkeys, int64_t now_ms, int *created);
int store_ledger_set_size(struct store_tx *tx, int64_t tree_size);

/* Queues one entry (bytes borrowed for the call). */
int store_ledger_queue_insert(struct store_tx *tx, const void *entry, size_t n, int64_t now_ms);

struct store_ledger_queued {
    int64_t seq;       /* queue order */
    int64_t queued_ms; /* when the domain write queued it */
    void *entry;       /* heap copy, owned by the batch */
    size_t n;          /* bytes */
};

/* Up to `limit` queued entries in seq order into a heap array (*out, free
 * with store_ledger_queued_free). */
int store_ledger_queue_take(struct store_tx *tx, int limit, struct store_ledger_queued **out,
                            int *count);
void store_ledger_queued_free(struct store_ledger_queued *q, int count);
int store_ledger_queue_delete(struct store_tx *tx, int64_t seq);

int store_ledger_leaf_insert(struct store_tx *tx, int64_t idx, const void *entry, size_t n,
                             const uint8_t leaf_hash[STORE_LEDGER_HASH], int64_t queued_ms,
                             int64_t now_ms);
/* level >= 1 */
int store_ledger_node_insert(struct store_tx *tx, unsigned level, int64_t idx,
                             const uint8_t hash[STORE_LEDGER_HASH]);
/* The complete subtree hash (level, idx): level 0 is the leaf hash. */
int store_ledger_hash_get(struct store_tx *tx, unsigned level, int64_t idx,
                          uint8_t out[STORE_LEDGER_HASH]);

/* Leaves [start, end) in order; fn sees each (the bytes valid during the
 * call; no statements may run from it). fn returning non-zero stops. */
typedef int (*store_ledger_leaf_fn)(void *ctx, int64_t idx, const void *entry, size_t n,
                                    const uint8_t leaf_hash[STORE_LEDGER_HASH]);
int store_ledger_leaves(struct store_tx *tx, int64_t start, int64_t end, store_ledger_leaf_fn fn,
                        void *ctx);

int store_ledger_checkpoint_insert(struct store_tx *tx, int64_t size,
                                   const uint8_t root[STORE_LEDGER_HASH], const char *note,
                                   int64_t now_ms);
/* The latest checkpoint: its size, creation time and (if note != NULL) its
 * text. STORE_NOTFOUND when there is none. */
int store_ledger_checkpoint_latest(struct store_tx *tx, int64_t *size, int64_t *created_ms,
                                   struct buf *note);

/* For `sunbid ledger check`: rows exactly as stored, hash lengths unchecked
 * (a wrong length is something to report, not a store error). Each fn sees
 * one row (pointers valid during the call; no statements may run from it);
 * non-zero from fn stops. */
typedef int (*store_ledger_leaf_raw_fn)(void *ctx, int64_t idx, const void *entry, size_t n,
                                        const void *leaf_hash, size_t hash_len);
/* Leaves [start, end) in idx order. */
int store_ledger_leaves_raw(struct store_tx *tx, int64_t start, int64_t end,
                            store_ledger_leaf_raw_fn fn, void *ctx);
typedef int (*store_ledger_node_fn)(void *ctx, int64_t idx, const void *hash, size_t hash_len);
/* Nodes of one level with start <= idx < end, in idx order. */
int store_ledger_nodes(struct store_tx *tx, unsigned level, int64_t start, int64_t end,
                       store_ledger_node_fn fn, void *ctx);
typedef int (*store_ledger_checkpoint_fn)(void *ctx, int64_t size, const void *root,
                                          size_t root_len, const char *note, size_t note_len);
/* Checkpoints with lo <= size < hi, in size order. */
int store_ledger_checkpoints(struct store_tx *tx, int64_t lo, int64_t hi,
                             store_ledger_checkpoint_fn fn, void *ctx);
/* Row counts of ledger_leaves, ledger_nodes and ledger_checkpoints. */
int store_ledger_counts(struct store_tx *tx, int64_t *leaves, int64_t *nodes, int64_t *checkpoints);

/* Witness cosignatures (migration 5): one accepted line per (size, witness).
 * Inserts unless that pair is stored (*inserted = 0 then; the stored line
 * is kept). */
#define STORE_LEDGER_COSIG_LINE 1024 /* bytes of one line with the NUL */
int store_ledger_cosignature_insert(struct store_tx *tx, int64_t size, const char *witness,
                                    const char *line, int64_t timestamp, int64_t now_ms,
                                    int *inserted);
/* Appends the stored lines of checkpoint `size`, each with '\n', in the
 * order they were accepted (created_ms, then witness), to out. */
int store_ledger_cosignatures(struct store_tx *tx, int64_t size, struct buf *out);
/* The signed note of the checkpoint of exactly `size` into note;
 * STORE_NOTFOUND when there is none. */
int store_ledger_checkpoint_get(struct store_tx *tx, int64_t size, struct buf *note);

/* RFC 3161 timestamp tokens (migration 6): one accepted DER token per
 * checkpoint size. Inserts unless one is stored for size (*inserted = 0
 * then; the stored token is kept). */
#define STORE_LEDGER_TIMESTAMP_MAX 65536 /* bytes of one token */
int store_ledger_timestamp_insert(struct store_tx *tx, int64_t size, const void *token, size_t n,
                                  int64_t gen_time_ms, int64_t now_ms, int *inserted);
/* Appends the stored token of checkpoint `size` to token and its genTime
 * (unix ms) to *gen_time_ms; STORE_NOTFOUND when there is none. */
int store_ledger_timestamp_get(struct store_tx *tx, int64_t size, struct buf *token,
                               int64_t *gen_time_ms);

/* The subject index (migration 7): which leaves name a subject, filled by
 * the sequencer as it integrates them (an entry's "subject" {type, id}, and
 * ("tender", N) for its optional "tender" key). Inserting a row that exists
 * is not an error. */
#define STORE_LEDGER_SUBJECT_TYPE 64 /* bytes of a subject type, without the NUL */
int store_ledger_subject_insert(struct store_tx *tx, const char *type, int64_t id, int64_t idx);
/* The leaves indexed under (type, id) with idx < below, in idx order, at
 * most `limit` of them; fn sees each as store_ledger_leaves' callback does. */
int store_ledger_subject_leaves(struct store_tx *tx, const char *type, int64_t id, int64_t below,
                                int limit, store_ledger_leaf_fn fn, void *ctx);

#endif
