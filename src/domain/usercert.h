/*
 * domain/usercert.h — personal certificates (個人數字證書) of platform
 * users: an opening officer's encryption certificate (the tender's escrow
 * key shares are sealed to it, docs/escrow.md) and optionally a signing
 * certificate (an expert signs the evaluation report with it).
 *
 * Registration checks, in this order, at server time (clock_now_ms()):
 *   1. each certificate parses (PEM or DER, the first certificate) —
 *      cert_malformed; its key is SM2 or P-256 — cert_unsupported_key;
 *   2. against the trusted CAs and CRLs (domain/trust.h): chain, validity,
 *      revocation and key usage — signing for the signing certificate,
 *      encryption for the encryption one; with both, x509_check_pair
 *      (same subject, same issuer) — the cert_* codes.
 * A single certificate sent alone is registered for encryption, and also
 * for signing when its key usage allows both. Then, in one transaction,
 * the user's previous certificates of those usages are marked replaced,
 * the new ones stored, with an audit row and a "usercert.register"
 * witness-log event. Shares already sealed keep the certificate they were
 * sealed to (escrow_shares.cert_fp); a new tender uses the new one.
 *
 * Threads: any worker.
 */
#ifndef SUNBID_DOMAIN_USERCERT_H
#define SUNBID_DOMAIN_USERCERT_H

#include <stddef.h>
#include <stdint.h>

#include "domain/accounts.h"
#include "domain/trust.h"
#include "store/escrow.h"

#define USERCERT_MAX_PEM (64 << 10) /* bytes of one certificate as sent */

struct usercert_result {
    int64_t sign_id, enc_id;      /* the new rows; 0: not registered */
    struct x509_result check;     /* the validation's outcome (message, depth) */
    char sign_fp[65], enc_fp[65]; /* fingerprints ("" when not registered) */
};

/* Registers the user's certificates; sign or enc may be NULL (not both).
 * See the top for the checks. ERR_OK, ERR_MISSING_FIELD, the cert_* codes
 * (out->check.message says what), store errors. */
enum err usercert_register(struct store *s, struct trust_cache *tc, const struct actor *who,
                           int64_t user_id, const void *sign, size_t sign_len, const void *enc,
                           size_t enc_len, struct usercert_result *out);

/* The user's active encryption certificate's public key (a new reference)
 * and its fingerprint (hex), inside tx. ERR_USER_CERT_MISSING when none,
 * ERR_CERT_EXPIRED when it is out of its validity at now_ms. */
enum err usercert_enc_key(struct store_tx *tx, int64_t user_id, int64_t now_ms, EVP_PKEY **key,
                          char fp[65]);

/*
 * Checks a signature by a user's current signing certificate (the
 * evaluation uses it for experts' report signatures):
 *   - the key is the active "sign" certificate of user_id (registered
 *     through POST /api/users/me/certs), within its validity now;
 *   - SM2 certificate: an SM2 signature with SM3 and the default id
 *     "1234567812345678", DER SEQUENCE {r, s};
 *   - P-256 certificate: ECDSA with SHA-256, DER, or raw r || s (64 bytes,
 *     what WebCrypto's sign() returns).
 * The message is signed as it is (the algorithm hashes it). Returns ERR_OK,
 * ERR_USER_CERT_MISSING (no signing certificate), ERR_CERT_EXPIRED,
 * ERR_USER_SIGNATURE_INVALID, or a store error. Opens its own read
 * transaction: do not call it inside one on this thread.
 */
enum err usercert_verify(struct store *s, int64_t user_id, const void *msg, size_t len,
                         const uint8_t *sig, size_t sig_len);
/* The same inside the caller's transaction. */
enum err usercert_verify_tx(struct store_tx *tx, int64_t user_id, const void *msg, size_t len,
                            const uint8_t *sig, size_t sig_len);

#endif
