/*
 * domain/orgcert.h — organisations register their certificates (數字證書):
 * a signing certificate (bids are signed with its key) and an encryption
 * certificate (bids are sealed to its key, so the bidder alone can open
 * them at the opening). Chinese CAs issue the two as a pair (雙證書); a
 * certificate whose key usage allows both may be sent as both.
 *
 * Registration checks, in this order, at server time (clock_now_ms()):
 *   1. both parse (PEM or DER, the first certificate of each) — cert_malformed;
 *   2. x509_check_pair against the trusted CAs and CRLs (domain/trust.h):
 *      chain, validity, revocation, key usage (sign / encrypt), and that
 *      the two name the same subject from the same issuer — the cert_* codes;
 *   3. the subject's unified social credit code is the organisation's —
 *      cert_no_uscc, cert_uscc_ambiguous, cert_uscc_mismatch.
 * Then, in one transaction, the organisation's previous certificates are
 * marked replaced, the new ones stored, with an audit row and a
 * "cert.register" witness-log event. Bids already submitted keep the
 * certificate they were signed with; a new bid must use the new one.
 *
 * Threads: any worker.
 */
#ifndef SUNBID_DOMAIN_ORGCERT_H
#define SUNBID_DOMAIN_ORGCERT_H

#include <stddef.h>
#include <stdint.h>

#include "domain/accounts.h"
#include "domain/trust.h"
#include "store/bids.h"

#define ORGCERT_MAX_PEM (64 << 10) /* bytes of one certificate as sent */

struct orgcert_result {
    int64_t sign_id, enc_id;      /* the new rows */
    struct x509_result check;     /* the validation's outcome (message, depth) */
    char sign_fp[65], enc_fp[65]; /* fingerprints */
};

enum err orgcert_register(struct store *s, struct trust_cache *tc, const struct actor *who,
                          int64_t org_id, const void *sign, size_t sign_len, const void *enc,
                          size_t enc_len, struct orgcert_result *out);

#endif
