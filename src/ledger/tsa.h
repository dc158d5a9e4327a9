/*
 * tsa.h — RFC 3161 timestamp tokens over checkpoint notes.
 *
 * A TimeStampToken (DER CMS SignedData, as `openssl ts -reply -token_out`
 * writes it) or a full TimeStampResp (status "granted") is accepted when:
 *   - it parses, is at most TSA_MAX_TOKEN bytes, and is version 1;
 *   - its signature verifies and the signer certificate chains to one of
 *     the trusted TSA certificates (the PEM file; a TSA certificate itself
 *     is trusted directly, no root needed) and has the critical
 *     extendedKeyUsage timeStamping (OpenSSL checks this);
 *   - its message imprint is SHA-256 of exactly the given bytes (the
 *     checkpoint note text).
 * The token's genTime is returned in unix milliseconds.
 *
 * Thread-safe: a loaded struct tsa_trust is read-only.
 */
#ifndef SUNBID_LEDGER_TSA_H
#define SUNBID_LEDGER_TSA_H

#include <stddef.h>
#include <stdint.h>

#define TSA_MAX_TOKEN 65536 /* bytes of one token or response */
#define TSA_MAX_PEM   65536 /* bytes of the trusted certificate file */
#define TSA_MAX_CERTS 16    /* certificates in that file */

enum tsa_rc {
    TSA_OK = 0,
    TSA_EMALFORMED = -1, /* not a token / granted response, or too big */
    TSA_EUNTRUSTED = -2, /* the signature does not verify with a trusted TSA */
    TSA_EMISMATCH = -3,  /* signed by a trusted TSA, but not over these bytes */
    TSA_ECRYPTO = -4     /* OpenSSL failed, or the file could not be read */
};

struct tsa_trust {
    void *certs; /* STACK_OF(X509), owned */
};

/* Loads the PEM certificates of file (1..TSA_MAX_CERTS). err gets a reason
 * on failure. Free with tsa_trust_free. */
int tsa_trust_load(struct tsa_trust *t, const char *file, char *err, size_t errlen);
void tsa_trust_free(struct tsa_trust *t); /* safe twice */

/* Verifies token[0..n) over data[0..dlen) (see above); *gen_time_ms (may be
 * NULL) gets genTime on TSA_OK. */
int tsa_verify(const struct tsa_trust *t, const void *token, size_t n, const void *data,
               size_t dlen, int64_t *gen_time_ms);

#endif
