/*
 * store/bids.h — rows of the sealed-bid schema (migration 9) and the queries
 * on them: the trusted CAs and CRLs, organisations' certificates, bid
 * versions, receipts and the receipt keys. All SQL for these tables lives in
 * store/bids.c; the rules are in domain/bids.c and domain/trust.c.
 *
 * Strings and bytes in returned rows are copied into the caller's arena.
 * Every function runs inside the caller's transaction and returns a
 * store_rc. A 0 in an optional integer field means SQL NULL.
 */
#ifndef SUNBID_STORE_BIDS_H
#define SUNBID_STORE_BIDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/accounts.h"
#include "store/store.h"

/* A trusted CA certificate or CRL. */
struct trust_item {
    int64_t id;
    const char *kind; /* "ca" | "crl" */
    const void *der;  /* DER bytes (only when asked for) */
    size_t der_len;
    const char *fingerprint; /* SHA-256 of der, hex */
    const char *subject;     /* the CA's subject, or the CRL's issuer */
    int64_t not_after_ms;    /* CA notAfter, CRL nextUpdate; 0: unknown */
    int64_t added_by;
    int64_t added_ms;
};

/* An organisation's signing or encryption certificate. */
struct org_cert {
    int64_t id;
    int64_t org_id;
    const char *usage; /* "sign" | "encrypt" */
    const void *der;   /* the certificate, DER */
    size_t der_len;
    const void *chain; /* intermediates sent with it (PEM), or NULL */
    size_t chain_len;
    const char *fingerprint; /* SHA-256 of der, hex */
    const char *subject;
    const char *issuer;
    const char *serial;
    const char *key_alg; /* "sm2" | "p256" */
    const char *uscc;    /* from the subject, or NULL */
    int64_t not_before_ms;
    int64_t not_after_ms;
    const char *status; /* "active" | "replaced" */
    int64_t registered_by;
    int64_t registered_ms;
    int64_t replaced_ms;
};

/* One version of a bid. */
struct bid {
    int64_t id;
    int64_t tender_id;
    int64_t lot_no;
    int64_t org_id;
    int64_t version;         /* 1, 2 ... per (tender, lot, org) */
    const char *state;       /* "submitted" | "superseded" | "withdrawn" */
    const char *blob_hash;   /* SHA-256 of the envelope, hex */
    int64_t size;            /* bytes */
    const char *suite;       /* "gm" | "intl" */
    const char *chain_hash;  /* the envelope's signed chain value, hex */
    const char *signer_fp;   /* signer certificate fingerprint, hex */
    int64_t signer_cert_id;  /* org_certs row */
    int64_t user_id;         /* uploader */
    const char *remote_addr; /* uploader's address */
    int64_t submitted_ms;    /* server time */
    int64_t seq;             /* its receipt's number: the bidder's own within the tender */
    int64_t ended_ms;        /* superseded / withdrawn at; 0: current */
};

/* A signed receipt. */
struct bid_receipt {
    int64_t id;
    int64_t tender_id;
    int64_t seq;
    int64_t bid_id;
    int64_t org_id;
    const char *kind;      /* "submit" | "withdraw" */
    const char *body;      /* the signed text (crypto/receipt.h) */
    const char *key_id;    /* receipt_keys.key_id */
    const char *signature; /* base64 Ed25519 */
    int64_t created_ms;
};

struct receipt_key_row {
    const char *key_id;
    const char *alg; /* "ed25519" */
    const char *public_pem;
    const char *node; /* the node that holds it, or NULL */
    int64_t created_ms;
};

/* ---- trust ---- */

/* STORE_CONSTRAINT when a live item has the same fingerprint. */
int store_trust_insert(struct store_tx *tx, const struct trust_item *t, int64_t *id);
/* The live item with this fingerprint: *id, or STORE_NOTFOUND. */
int store_trust_find(struct store_tx *tx, const char *fingerprint, int64_t *id);
/* STORE_NOTFOUND unless id is live. */
int store_trust_remove(struct store_tx *tx, int64_t id, int64_t by, int64_t at_ms);
int store_trust_get(struct store_tx *tx, struct arena *a, int64_t id, struct trust_item *out);
/* Live items by ascending id after after_id; with_der: include the bytes. */
int store_trust_list(struct store_tx *tx, struct arena *a, bool with_der, int64_t after_id,
                     int limit, struct page *out);
/* What identifies the live set: its size and largest id (ids never return). */
int store_trust_generation(struct store_tx *tx, int64_t *count, int64_t *max_id);

/* ---- organisations' certificates ---- */

/* Marks the organisation's active certificate of usage replaced (if any). */
int store_org_cert_retire(struct store_tx *tx, int64_t org_id, const char *usage, int64_t at_ms);
int store_org_cert_insert(struct store_tx *tx, const struct org_cert *c, int64_t *id);
/* The active certificate of usage; STORE_NOTFOUND when none. */
int store_org_cert_active(struct store_tx *tx, struct arena *a, int64_t org_id, const char *usage,
                          struct org_cert *out);
/* Every certificate of the organisation, newest first (without the bytes). */
int store_org_cert_list(struct store_tx *tx, struct arena *a, int64_t org_id, int limit,
                        struct page *out);

/* ---- bids ---- */

/* The newest version of (tender, lot, org); STORE_NOTFOUND when none. */
int store_bid_latest(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t lot_no,
                     int64_t org_id, struct bid *out);
int store_bid_insert(struct store_tx *tx, const struct bid *b, int64_t *id);
/* Moves a 'submitted' bid to state; STORE_NOTFOUND when it is not submitted. */
int store_bid_end(struct store_tx *tx, int64_t id, const char *state, int64_t at_ms);
/* Every version of org's bids in the tender, by lot then version. */
int store_bid_list_org(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t org_id,
                       int limit, struct page *out);
/* The next receipt number of org in the tender (1 for its first): numbered
 * per bidder so that no receipt tells one bidder how many times others
 * submitted or withdrew (docs/bids.md). */
int store_bid_next_seq(struct store_tx *tx, int64_t tender_id, int64_t org_id, int64_t *seq);

/* ---- receipts ---- */

int store_receipt_insert(struct store_tx *tx, const struct bid_receipt *r, int64_t *id);
/* Org's receipts in the tender by seq after after_seq. */
int store_receipt_list_org(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t org_id,
                           int64_t after_seq, int limit, struct page *out);
/* The receipt of kind for a bid; STORE_NOTFOUND when none. */
int store_receipt_of_bid(struct store_tx *tx, struct arena *a, int64_t bid_id, const char *kind,
                         struct bid_receipt *out);
/* Records a receipt key (nothing when known). */
int store_receipt_key_put(struct store_tx *tx, const struct receipt_key_row *k);
int store_receipt_key_list(struct store_tx *tx, struct arena *a, int limit, struct page *out);

#endif
