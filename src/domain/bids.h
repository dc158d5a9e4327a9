/*
 * domain/bids.h — sealed bids (投標文件) from upload to the deadline:
 * submission, new versions, withdrawal, receipts. docs/bids.md is the
 * protocol; this header is the code's view of it.
 *
 * A bid arrives as one envelope (crypto/envelope.h) streamed by the HTTP
 * server (HTTP_ROUTE_STREAM_BODY), never held in memory:
 *
 *   bid_upload_begin    worker, before the body: the caller, tender, lot,
 *                       state, deadline, registration and the organisation's
 *                       registered certificates are checked; a spool file is
 *                       opened in <data-dir>/spool. Nothing of the body has
 *                       been read: a late or unregistered bidder's 500 MB
 *                       never leave the client (with Expect: 100-continue).
 *   bid_upload_write    loop thread, each piece: appended to the spool file,
 *                       hashed (SHA-256) and fed to an envelope_reader, which
 *                       learns the tender, lot, bidder, signer and recipient
 *                       from the first KiB: anything that is not an envelope
 *                       (bid_not_sealed) or is bound to another tender, lot,
 *                       bidder, signing or encryption certificate is refused
 *                       at once and the rest never read.
 *   bid_upload_end      loop thread, at the end: the SHA-256 is final.
 *   bid_upload_commit   worker: the signature verifies (envelope_reader_finish),
 *                       the signing certificate is still valid at server time
 *                       (x509_check: expired or revoked since registration is
 *                       refused), the file is made durable and becomes a blob
 *                       (renamed, not copied), and one transaction checks the
 *                       deadline by server time again, supersedes the
 *                       bidder's previous version, stores the new one with
 *                       its sequence number, signs the receipt, and writes
 *                       the audit row and the witness-log event. The answer
 *                       goes out only after that commit: acknowledged means
 *                       durable.
 *   bid_upload_free     any thread: the spool file goes unless it became a blob.
 *
 * The same bytes again (a retry after a lost answer) are not a new version:
 * the current receipt is returned (out->unchanged). Idempotency-Key works as
 * on every write, with the envelope's SHA-256 in the request's fingerprint.
 *
 * Who sees what before the deadline: a bidder sees its own organisation's
 * versions and receipts; nobody else sees a bid, its count, or its
 * existence through any route (api/bids.c; test_bids_access). After the
 * deadline the opening (next issue) reads them.
 *
 * Threads: a bid_service is shared by all workers (read-only after open,
 * apart from the trust cache, which locks). A bid_upload belongs to one
 * thread at a time, handed from worker to loop to worker with the request.
 */
#ifndef SUNBID_DOMAIN_BIDS_H
#define SUNBID_DOMAIN_BIDS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "base/arena.h"
#include "domain/tender.h"
#include "domain/trust.h"
#include "store/bids.h"

#define BID_DEFAULT_MAX ((uint64_t)1 << 30) /* 1 GiB unless serve --bid-max-mb says */
#define BID_HARD_MAX    ((uint64_t)1 << 36) /* the envelope format's own limit */
#define BID_LIST_MAX    200                 /* versions / receipts one list returns */

#define BID_KID_SLOTS 64 /* remembered encryption key ids */

struct bid_service {
    struct store *store;       /* borrowed */
    struct trust_cache *trust; /* owned */
    EVP_PKEY *receipt_key;     /* owned: <data-dir>/receipt.key */
    char receipt_key_id[65];   /* SHA-256 of its SPKI, hex */
    char *receipt_pub_pem;     /* heap: its public key, PEM */
    char spool_dir[1024];      /* <data-dir>/spool */
    uint64_t max_bytes;        /* largest envelope accepted */
    /* The blob journal's flusher (store.h, blob_put_tx): envelopes of up to
     * BLOB_TX_MAX bytes are durable by the commit that records them, and
     * this thread fsyncs their files every BID_FLUSH_MS afterwards. */
    pthread_t flusher;
    pthread_mutex_t fl_mu;
    pthread_cond_t fl_cv;
    bool fl_started, fl_stop; /* under fl_mu */
    /* Group commit (bids.c): uploads that end together share one write
     * transaction, so one durable write. A committing worker queues its job;
     * the first to find no leader becomes it, takes the queue and commits it
     * as one transaction, answering each; the others wait on gc_cv. */
    pthread_mutex_t gc_mu;
    pthread_cond_t gc_cv;
    struct bid_gc_slot *gc_head, *gc_tail; /* under gc_mu: queued, not taken */
    bool gc_busy;                          /* under gc_mu: a leader is committing */
    bool gc_started;
    /* The registered encryption certificates' key ids (the envelope's first
     * recipient must match), by the certificate's fingerprint: parsing the
     * certificate at every admission cost more than the rest of it. */
    pthread_mutex_t kid_mu;
    struct bid_kid {
        char fp[65]; /* SHA-256 of the DER, hex; "" empty */
        uint8_t key_id[32];
    } kid[BID_KID_SLOTS];
};

#define BID_FLUSH_MS 200

/* Opens the service: the receipt key (created on first use and recorded in
 * receipt_keys), the spool directory (emptied of files an earlier process
 * left), the trust cache. 0, or -1 with err. */
int bid_service_open(struct bid_service **out, struct store *s, const char *data_dir,
                     uint64_t max_bytes, const char *node, char *err, size_t errlen);
void bid_service_close(struct bid_service *svc); /* NULL: no-op */

struct bid_upload;

/* Admission (see the top). declared_len: Content-Length, or -1 when
 * chunked. *field names the offending input on a refusal. */
enum err bid_upload_begin(struct bid_service *svc, const struct tender_caller *c, int64_t tender_id,
                          int64_t lot_no, int64_t declared_len, struct bid_upload **out,
                          const char **field);
enum err bid_upload_write(struct bid_upload *u, const void *p, size_t n);
/* *digest: the envelope's SHA-256, hex (owned by u). */
enum err bid_upload_end(struct bid_upload *u, const char **digest);
/* What was wrong in detail after write/end/commit failed, or NULL. */
const char *bid_upload_message(const struct bid_upload *u);
/* Bytes received. */
uint64_t bid_upload_size(const struct bid_upload *u);

struct bid_outcome {
    struct bid bid;             /* the version now current (strings in the arena) */
    struct bid_receipt receipt; /* its receipt */
    bool unchanged;             /* the same bytes as the current version: nothing new */
};

enum err bid_upload_commit(struct bid_upload *u, struct arena *a, struct bid_outcome *out);
void bid_upload_free(struct bid_upload *u); /* NULL: no-op */

/* Withdraws the caller's current bid for the lot (撤回) before the deadline:
 * the version is kept, marked withdrawn, with a receipt of its own. */
enum err bid_withdraw(struct bid_service *svc, const struct tender_caller *c, int64_t tender_id,
                      int64_t lot_no, struct arena *a, struct bid_outcome *out, const char **field);

/* The caller's organisation's versions and receipts in the tender. */
enum err bid_list_own(struct bid_service *svc, const struct tender_caller *c, int64_t tender_id,
                      struct arena *a, struct page *bids, struct page *receipts);

#endif
