/*
 * domain/orgsig.h — an organisation's signature over a short message with
 * the key of its signing certificate (數字證書, domain/orgcert.h): what a
 * bidder sends when it signs the opening record (docs/opening.md,
 * "Signing the record").
 *
 * Accepted forms, by the certificate's key:
 *   P-256  ECDSA with SHA-256: DER (ECDSA-Sig-Value), or the raw 64 bytes
 *          r || s (32 bytes each, big-endian) that WebCrypto's sign()
 *          gives;
 *   SM2    SM2 with SM3 and the default user id "1234567812345678": DER,
 *          or raw r || s likewise.
 * A raw signature is converted to DER before it is verified, so what is
 * kept (orgsig_verify's der) is always DER: one form for the record and
 * for anyone who checks it later. OpenSSL refuses a DER signature whose
 * encoding is not the one it would produce, so a signature has exactly one
 * accepted DER form.
 *
 * Pure functions over bytes; threads: any.
 */
#ifndef SUNBID_DOMAIN_ORGSIG_H
#define SUNBID_DOMAIN_ORGSIG_H

#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"

#define ORGSIG_MAX     80  /* bytes of a signature (DER over a 256-bit curve: at most 72) */
#define ORGSIG_B64_MAX 128 /* characters of it in base64 */
#define ORGSIG_RAW_LEN 64  /* r || s */

/* Decodes a base64 signature (padded RFC 4648 §4; base64url without
 * padding is accepted too). ERR_OK with *len, or ERR_OPENING_BAD_SIGNATURE
 * when it is not base64 or not 8..ORGSIG_MAX bytes. */
enum err orgsig_decode(const char *b64, size_t n, uint8_t out[ORGSIG_MAX], size_t *len);

/* Converts raw r || s (64 bytes) to DER into der (ORGSIG_MAX bytes);
 * *der_len gets its length. 0, or -1 when r or s is zero. */
int orgsig_raw_to_der(const uint8_t raw[ORGSIG_RAW_LEN], uint8_t der[ORGSIG_MAX], size_t *der_len);

/* Verifies sig over msg with the public key of cert (DER). der gets the
 * signature in DER (the raw form converted), key_alg "sm2" or "p256"
 * (static; may be NULL). ERR_OK; ERR_OPENING_BAD_SIGNATURE when it does
 * not verify or has neither form; ERR_CERT_MALFORMED when the certificate
 * cannot be read; ERR_CERT_UNSUPPORTED_KEY when its key is neither. */
enum err orgsig_verify(const void *cert, size_t cert_len, const void *msg, size_t n,
                       const uint8_t *sig, size_t sig_len, uint8_t der[ORGSIG_MAX], size_t *der_len,
                       const char **key_alg);

#endif
