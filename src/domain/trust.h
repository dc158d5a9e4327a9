/*
 * domain/trust.h — the CAs and CRLs the platform trusts (CA mutual
 * recognition, 互認), kept in the store so that every node agrees and the
 * operator changes them without a restart, and the in-memory trust store
 * built from them.
 *
 * Why the database and not a directory: CRLs are renewed every few days and
 * CAs join or leave the recognised list; with several nodes a directory
 * would have to be copied to each in step, and a node that missed a CRL
 * would accept a revoked certificate. A row per CA certificate or CRL, added
 * and removed through the admin API (POST/DELETE /api/trust), with an audit
 * row and a witness-log event each, is one source every node reads.
 * `serve --ca-dir DIR` imports the files of DIR at start (the same checks;
 * what is there already is skipped), for a first set-up or a demo.
 *
 * The cache. Checking a certificate needs a parsed x509_trust; parsing up
 * to 256 CAs and 256 CRLs per request would cost more than the check. The
 * cache keeps one parsed snapshot and the generation it was built from
 * (the live rows' count and largest id: ids never come back, so any change
 * moves one of the two); trust_snapshot_get() reads the generation (one
 * indexed query) and rebuilds only when it moved. Snapshots are reference
 * counted, so a rebuild never frees a store that a check is using.
 *
 * Threads: the cache is shared by the workers (a mutex around the swap);
 * a snapshot is read-only and any thread validates against it.
 */
#ifndef SUNBID_DOMAIN_TRUST_H
#define SUNBID_DOMAIN_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"
#include "crypto/x509.h"
#include "domain/accounts.h"
#include "store/bids.h"
#include "store/store.h"

#define TRUST_MAX_ITEMS 512 /* CA certificates + CRLs (x509.h's limits) */
#define TRUST_ADD_MAX   16  /* items one request adds */

struct trust_cache;
struct trust_memo;
struct trust_snapshot {
    struct x509_trust t; /* loaded, read-only */
    int64_t count;       /* the generation it was built from */
    int64_t max_id;
    int refs;                /* under the cache's mutex */
    struct trust_memo *memo; /* checks that passed (trust_check_der); own lock */
};

struct trust_cache *trust_cache_new(void);
void trust_cache_free(struct trust_cache *c); /* NULL: no-op */

/* The current snapshot, rebuilt in tx's view when the stored set changed.
 * A new reference: give it back with trust_snapshot_put(). */
enum err trust_snapshot_get(struct trust_cache *c, struct store_tx *tx,
                            struct trust_snapshot **out);
void trust_snapshot_put(struct trust_cache *c, struct trust_snapshot *s);

/* x509_check of one DER certificate on the snapshot, remembered. A check
 * that passed at time T passes again at any time in [T, valid_until_ms)
 * on the same snapshot (crypto/x509.h), so the snapshot remembers the
 * window (up to TRUST_MEMO_SLOTS certificates, keyed by the SHA-256 of the
 * DER and the use) and a repeat inside it skips parsing and the chain's
 * signature checks: a bid's signing certificate is checked when the upload
 * starts and again at its commit, each time with two SM2 or ECDSA
 * verifications otherwise. A new snapshot (any change to the CAs or CRLs)
 * starts empty; a time before T or past the window checks afresh. On a
 * remembered pass r holds rc, the fingerprint and "valid (remembered)".
 * Returns r->rc. Thread-safe. */
#define TRUST_MEMO_SLOTS 512
int trust_check_der(struct trust_snapshot *s, const void *der, size_t len, enum x509_usage use,
                    int64_t at_ms, struct x509_result *r);
/* Gives a snapshot its (empty) memo; snapshots of the cache have one, a
 * hand-made snapshot (tests) starts without. 0, or -1 out of memory. */
int trust_snapshot_memo_init(struct trust_snapshot *s);
/* Frees a hand-made snapshot's memo (the cache frees its own). */
void trust_snapshot_memo_free(struct trust_snapshot *s);

/* The API error of an x509_rc (cert_expired -> ERR_CERT_EXPIRED ...). */
enum err trust_x509_err(int x509_rc);

/* One item a request added (or found already there). */
struct trust_added {
    int64_t id;
    char kind[4];
    char fingerprint[65];
    char subject[X509V_MAX_TEXT];
    int64_t not_after_ms;
    bool existed; /* already trusted: nothing written */
};

/* Adds the CA certificates and CRLs in data (PEM blocks, or one DER item),
 * checked as x509_trust_add does (CA flag, self-signature of roots, CRL
 * form) and all or nothing; items already trusted are reported, not added.
 * Writes an audit row and a "trust.add" event per item. *n gets how many
 * of up to TRUST_ADD_MAX entries of out were filled. msg (may be NULL)
 * gets what was wrong. */
enum err trust_add(struct store *s, const struct actor *who, const void *data, size_t len,
                   struct trust_added *out, int *n, char *msg, size_t msglen);
/* Removes a live item (audit row, "trust.remove" event). */
enum err trust_remove(struct store *s, const struct actor *who, int64_t id);
/* Imports every file of dir as trust_add would (serve --ca-dir). */
int trust_import_dir(struct store *s, const char *dir, char *err, size_t errlen);

#endif
