/*
 * domain/escrow.h — a tender's escrow key (托管密钥): the fallback that
 * opens a sealed bid whose bidder cannot release its key, without ever
 * giving the platform alone the power to open bids. docs/escrow.md is the
 * reference; in one picture:
 *
 *   draft      the agent names n opening officers (users with a personal
 *              encryption certificate, domain/usercert.h)
 *   publish    two key pairs are made, SM2 (suite gm) and P-256 (intl);
 *              secret = d_gm (32) || d_intl (32) is split k-of-n
 *              (crypto/shamir.h); share x is sealed to officer x's
 *              encryption certificate; the public keys, the sealed shares
 *              and the split id are stored; the secret and the private
 *              keys are wiped. The whole private key is never stored.
 *   bidding    a bid must also wrap its content key to the escrow public
 *              key of its suite (an escrow recipient block, checked at
 *              submission: bid_escrow_missing)
 *   opening    officers fetch their sealed share, open it with their own
 *              private key on their own machine (`sunbid escrow share`),
 *              and submit the 155-byte share. Shares are refused before
 *              the tender is in state `opening`. With k in, they are
 *              combined: the commitment and the public keys must match;
 *              wrong shares are named and set aside. The key is then
 *              "recovered": the combined secret is kept nowhere, it is
 *              recombined from the stored shares when the host opens a
 *              bid with it (opening_escrow_open) and wiped after use.
 *
 * Sealed share (escrow_share_seal / _open / _parse), integers big-endian:
 *
 *   offset  size  field
 *        0     4  magic "SBES"
 *        4     1  version 1
 *        5     1  suite: 1 gm (officer key SM2), 2 intl (P-256)
 *        6     1  x, the share's index (1..255)
 *        7     8  tender id
 *       15    32  key id: SHA-256 of the officer's SubjectPublicKeyInfo
 *       47     2  w, the wrap's length (gm 100..160, intl 113)
 *       49     w  K' (32 random bytes) wrapped to the officer's key exactly
 *                 as an envelope recipient's content key (suite_wrap)
 *     49+w    12  nonce (random)
 *     61+w   155  the share, encrypted       intl: AES-256-GCM(K', nonce,
 *    216+w     t  tag (intl 16, gm 32)        aad), tag 16
 *                                            gm: HKDF-SM3(K', info "sunbid
 *                                            escrow share v1 gm") -> SM4 key
 *                                            16 || HMAC key 32; SM4-CTR
 *                                            (IV nonce || 0^4), tag =
 *                                            HMAC-SM3(aad || nonce || ct)
 *   aad = "sunbid escrow share v1" || tender id (8) || x (1)
 *
 * Threads: any; no shared state.
 */
#ifndef SUNBID_DOMAIN_ESCROW_H
#define SUNBID_DOMAIN_ESCROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "base/buf.h"
#include "crypto/shamir.h"
#include "crypto/suite.h"
#include "domain/opening.h"
#include "domain/tender.h"
#include "store/escrow.h"

#define ESCROW_MAX_OFFICERS 16 /* n, as tenders allow */
#define ESCROW_SECRET_LEN   64 /* d_gm || d_intl */
#define ESCROW_MAGIC        "SBES"
#define ESCROW_VERSION      1
#define ESCROW_AAD_LABEL    "sunbid escrow share v1"
#define ESCROW_SEALED_MIN   (49 + 100 + 12 + SHAMIR_SHARE_LEN + 16)
#define ESCROW_SEALED_MAX   (49 + SUITE_MAX_WRAP + 12 + SHAMIR_SHARE_LEN + 32)
#define ESCROW_PEM_MAX      512 /* a public key's PEM */

/* ---- keys and sealed shares (pure; unit-tested) ---- */

/* A fresh escrow key: both key pairs and the 64-byte secret. */
struct escrow_keypair {
    uint8_t secret[ESCROW_SECRET_LEN]; /* d_gm || d_intl; wipe with escrow_keypair_wipe */
    char gm_pub[ESCROW_PEM_MAX];       /* SPKI PEM */
    char intl_pub[ESCROW_PEM_MAX];
    uint8_t gm_key_id[32]; /* SHA-256 of the SPKI DER (suite_key_id) */
    uint8_t intl_key_id[32];
};
/* 0, or -1 when OpenSSL fails (kp is wiped). */
int escrow_keypair_new(struct escrow_keypair *kp);
void escrow_keypair_wipe(struct escrow_keypair *kp);

/* The private key of a suite from its 32-byte scalar (SM2 for gm, EC
 * P-256 for intl), public half computed. A new key, or NULL. */
EVP_PKEY *escrow_key_from_scalar(const struct suite *s, const uint8_t d[32]);
/* The key id (hex, 65 bytes) of the suite's half of a 64-byte secret. */
int escrow_secret_key_id(const uint8_t secret[ESCROW_SECRET_LEN], const struct suite *s,
                         char hex[65]);

/* The suite of an officer's key: gm for SM2, intl for P-256, else NULL. */
const struct suite *escrow_officer_suite(EVP_PKEY *k);

/* The parsed structure of a sealed share (pointers into the input). */
struct escrow_sealed {
    const struct suite *suite;
    unsigned x;
    int64_t tender_id;
    const uint8_t *key_id; /* 32 */
    const uint8_t *wrap;
    size_t wrap_len;
    const uint8_t *nonce; /* 12 */
    const uint8_t *ct;    /* SHAMIR_SHARE_LEN */
    const uint8_t *tag;
    size_t tag_len;
};
/* Structure only (no key): SEAL_OK, SEAL_EMALFORMED, SEAL_EVERSION,
 * SEAL_ESUITE, SEAL_ETRUNCATED, SEAL_ETRAILING. */
int escrow_share_parse(const uint8_t *p, size_t n, struct escrow_sealed *out);
/* Seals share x of tender_id to the officer's public key. *len: capacity
 * in (>= ESCROW_SEALED_MAX), bytes out. SEAL_OK, SEAL_EKEYTYPE, or
 * SEAL_ECRYPTO. */
int escrow_share_seal(EVP_PKEY *officer, int64_t tender_id, unsigned x,
                      const uint8_t share[SHAMIR_SHARE_LEN], uint8_t *out, size_t *len);
/* Opens a sealed share with the officer's private key: SEAL_OK with the
 * share, SEAL_EWRONGKEY (sealed to another key), SEAL_EBADWRAP,
 * SEAL_EBADMAC (altered), SEAL_EWRONGTENDER (expect_tender != 0 and it
 * differs), or a parse error. */
int escrow_share_open(EVP_PKEY *officer, const uint8_t *p, size_t n, int64_t expect_tender,
                      uint8_t share[SHAMIR_SHARE_LEN], unsigned *x);

/* ---- the tender's escrow (store) ---- */

/* Agent, owner, draft (not scheduled): the officers, in share order.
 * Each must exist, be distinct and hold a personal encryption certificate
 * valid now; n = 0..ESCROW_MAX_OFFICERS (0 clears). ERR_ESCROW_OFFICERS_INVALID
 * (*bad gets the offending user id), ERR_WRONG_STATE, ERR_NOT_OWNER,
 * ERR_FORBIDDEN, ERR_NOT_FOUND. */
enum err escrow_officers_set(struct store *s, const struct tender_caller *c, int64_t tender_id,
                             const int64_t *user_ids, int n, int64_t *bad);

/* The hook in the tender's publish step (domain/tender.c), inside its
 * transaction: with escrow asked (escrow_k > 0), makes the key, splits and
 * seals the shares to the officers and stores them; a tender without
 * escrow is left alone. Refuses with ERR_ESCROW_OFFICERS_INVALID (why->field
 * "escrow_officers" or "escrow_k") when the officers are not n valid ones
 * or k < 2. */
enum err escrow_publish(struct store_tx *tx, const struct tender_caller *c, const struct tender *t,
                        struct tender_refusal *why);

/* The submission check (domain/bids.c): with an escrow key for the
 * tender, the envelope must carry an escrow recipient block for the key
 * of its suite; ERR_BID_ESCROW_MISSING (msg says so) otherwise. */
struct envelope_header;
enum err escrow_bid_check(struct store_tx *tx, int64_t tender_id, const struct envelope_header *h,
                          char *msg, size_t msglen);

/* GET /api/tenders/:id/escrow as JSON into out: k, n, the public keys
 * (once published), the officers with x and submitted, recovered. */
enum err escrow_view_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                          struct buf *out);

/* Officer: the caller's sealed share, only while the tender is in state
 * opening (ERR_ESCROW_NOT_OPENING before and after). ERR_ESCROW_NOT_OFFICER,
 * ERR_ESCROW_NONE. */
enum err escrow_share_get(struct store *s, const struct tender_caller *c, int64_t tender_id,
                          unsigned *x, struct buf *sealed);

/* What a submission did. */
struct escrow_submit_result {
    unsigned x;
    int submitted;  /* shares in (not set aside) */
    bool recovered; /* k good shares combine to the key */
    bool mismatch;  /* k or more in, but they do not combine to it */
    int n_bad;      /* shares named wrong (set aside) */
    unsigned bad[ESCROW_MAX_OFFICERS];
};
/* Officer: submits the plain share (155 bytes) in state opening. Checks
 * its form and checksum, that it is the caller's x of this split
 * (ERR_ESCROW_SHARE_INVALID), stores it (replacing the officer's earlier
 * one); with k in, combines. Once recovered, a submission changes nothing. */
enum err escrow_share_submit(struct store *s, const struct tender_caller *c, int64_t tender_id,
                             const uint8_t *share, size_t len, struct escrow_submit_result *out);

/* The recovered private key of a suite, recombined from the stored shares
 * (for the hall, opening_escrow.c), inside tx. ERR_ESCROW_NONE,
 * ERR_ESCROW_NOT_RECOVERED. The secret is wiped before returning. */
enum err escrow_recovered_key(struct store_tx *tx, int64_t tender_id, const struct suite *suite,
                              EVP_PKEY **key, uint8_t key_id[32]);

/* Host (opening_escrow.c): opens the pending bid of org_id for lot_no in
 * phase decrypt, before the window's end, with the recovered escrow key:
 * the content key K is unwrapped from the envelope's escrow recipient
 * block, then the bid is opened exactly as a key release would
 * (opening_envelope_form, opening_decide) and the outcome is noted as an
 * escrow opening (escrow_opens, "escrow.open" event). A wrap or a K that
 * does not open the envelope is the bidder's fault: revoked. Errors:
 * ERR_FORBIDDEN (not the host), ERR_OPENING_WRONG_PHASE (not decrypt, or
 * the bid is decided), ERR_OPENING_WINDOW_CLOSED, ERR_NOT_FOUND (no such
 * bid), ERR_ESCROW_NONE, ERR_ESCROW_NOT_RECOVERED, ERR_BID_ESCROW_MISSING. */
enum err opening_escrow_open(struct store *s, const struct tender_caller *c, int64_t tender_id,
                             int64_t org_id, int64_t lot_no, struct opening_outcome *out,
                             struct opening_change *ch);

#endif
