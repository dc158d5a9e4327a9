/*
 * store/escrow.h — rows of migration 13 and the queries on them: users'
 * personal certificates (user_certs), a tender's escrow officers
 * (escrow_officers, chosen in the draft), its escrow key (escrow_keys: the
 * two public keys; the private half is never stored), the officers'
 * encrypted shares and, once the opening has started, the shares they
 * submitted (escrow_shares), and the bids opened with the recovered key
 * (escrow_opens). The rules are in domain/escrow.c, domain/usercert.c and
 * domain/opening_escrow.c; docs/escrow.md is the reference.
 *
 * Strings and bytes in returned rows are copied into the caller's arena.
 * Every function runs inside the caller's transaction and returns a
 * store_rc. A 0 in an optional integer field means SQL NULL.
 */
#ifndef SUNBID_STORE_ESCROW_H
#define SUNBID_STORE_ESCROW_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/accounts.h"
#include "store/store.h"

/* A user's personal certificate (個人數字證書). */
struct user_cert {
    int64_t id;
    int64_t user_id;
    const char *usage; /* "sign" | "encrypt" */
    const void *der;   /* the certificate, DER (only from _active) */
    size_t der_len;
    const char *fingerprint; /* SHA-256 of the DER, hex */
    const char *subject;
    const char *issuer;
    const char *serial;
    const char *key_alg; /* "sm2" | "p256" */
    int64_t not_before_ms, not_after_ms;
    const char *status; /* "active" | "replaced" */
    int64_t registered_ms;
    int64_t replaced_ms; /* 0: active */
};

int store_user_cert_retire(struct store_tx *tx, int64_t user_id, const char *usage, int64_t at_ms);
int store_user_cert_insert(struct store_tx *tx, const struct user_cert *c, int64_t *id);
/* The active certificate of a usage, with its DER. STORE_NOTFOUND: none. */
int store_user_cert_active(struct store_tx *tx, struct arena *a, int64_t user_id, const char *usage,
                           struct user_cert *out);
/* Newest first, without DER. */
int store_user_cert_list(struct store_tx *tx, struct arena *a, int64_t user_id, int limit,
                         struct page *out);

/* One escrow officer of a tender. */
struct escrow_officer {
    int64_t tender_id;
    int64_t x;        /* the share's index, 1..n */
    int64_t user_id;  /* the officer */
    const char *name; /* joined: the user's display name */
};

/* A user who may be named an opening officer: an agent, supervisor or
 * admin (roles & mask), not disabled, with an active encryption certificate. */
struct escrow_candidate {
    int64_t user_id;
    const char *username, *name; /* login and display name */
    int64_t roles;               /* ROLE_* bits */
    const char *subject;         /* the encryption certificate's subject */
    const char *key_alg;         /* sm2, p256 */
    int64_t not_after_ms;        /* its end */
};
/* By user id, at most limit (page.more when there are others). */
int store_escrow_candidates(struct store_tx *tx, struct arena *a, int64_t roles_mask, int limit,
                            struct page *out);

/* Replaces the tender's officer list by ids[0..n) (x = 1..n in order). */
int store_escrow_officers_set(struct store_tx *tx, int64_t tender_id, const int64_t *ids, int n);
/* By x. */
int store_escrow_officer_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                              struct page *out);

/* The tender's escrow key (public halves only). */
struct escrow_key {
    int64_t tender_id;
    int64_t k, n;
    const char *split_id;    /* hex, 32 digits */
    const char *gm_pub;      /* SM2 SubjectPublicKeyInfo, PEM */
    const char *intl_pub;    /* P-256 SubjectPublicKeyInfo, PEM */
    const char *gm_key_id;   /* SHA-256 of the SPKI DER, hex */
    const char *intl_key_id; /* same for P-256 */
    int64_t created_ms;
    int64_t recovered_ms; /* 0: not recovered */
};

/* Deletes any earlier key and shares of the tender (a re-published
 * scheduled draft), then inserts k. */
int store_escrow_key_put(struct store_tx *tx, const struct escrow_key *k);
int store_escrow_key_get(struct store_tx *tx, struct arena *a, int64_t tender_id,
                         struct escrow_key *out);
int store_escrow_key_recovered(struct store_tx *tx, int64_t tender_id, int64_t at_ms);

/* One officer's share. */
struct escrow_share {
    int64_t tender_id;
    int64_t x;
    int64_t user_id;
    const char *name;    /* joined: the officer's display name */
    const char *cert_fp; /* the encryption certificate it is sealed to */
    const void *enc;     /* the sealed share (docs/escrow.md) */
    size_t enc_len;
    const void *plain; /* the submitted share, or NULL */
    size_t plain_len;
    int64_t submitted_ms; /* 0: not submitted */
    int64_t rejected_ms;  /* 0: not found wrong; else set aside by the combine */
};

int store_escrow_share_insert(struct store_tx *tx, const struct escrow_share *s);
/* By x, with the bytes. */
int store_escrow_share_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                            struct page *out);
/* Stores a submitted share (replacing an earlier submission of x, and
 * clearing a rejection). STORE_NOTFOUND: no share x. */
int store_escrow_share_submit(struct store_tx *tx, int64_t tender_id, int64_t x, const void *plain,
                              size_t len, int64_t at_ms);

/* Marks share x as wrong (not on the recovered polynomial). */
int store_escrow_share_reject(struct store_tx *tx, int64_t tender_id, int64_t x, int64_t at_ms);

/* The hall's row for (tender, org, lot) with its envelope: the bid id,
 * its hall status, blob hash and suite name. STORE_NOTFOUND: none. */
int store_escrow_bid_find(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t org_id,
                          int64_t lot_no, int64_t *bid_id, const char **status,
                          const char **blob_hash, const char **suite);

/* A bid opened with the recovered escrow key. */
struct escrow_open {
    int64_t bid_id, tender_id, org_id, lot_no;
    const char *status; /* the outcome recorded in the hall */
    int64_t by_user;
    int64_t at_ms;
};
int store_escrow_open_insert(struct store_tx *tx, const struct escrow_open *o);
int store_escrow_open_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                           struct page *out);

#endif
