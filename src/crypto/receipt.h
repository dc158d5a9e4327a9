/*
 * receipt.h — bid receipts (回執): the platform's signed word that it took a
 * sealed bid (or its withdrawal) at a given server time, with the bid's
 * hash, size and sequence number. docs/bids.md has the format and how to
 * check a receipt offline; `sunbid verify-receipt` does it.
 *
 * A receipt is a short UTF-8 text, one "name: value" per line, in this
 * fixed order (the first line names the format, so the signature can never
 * be taken for anything else the platform signs):
 *
 *   sunbid bid receipt v1
 *   kind: submit                      submit | withdraw
 *   tender: 350100-GC-2026-00001      the tender's code (the envelope's tender id)
 *   tender_id: 3
 *   lot: 1                            the lot number (the envelope's lot id)
 *   bidder: 91350100MA2Y0XXXX1        the bidder organisation's USCC
 *   bidder_org_id: 4
 *   bid_id: 12
 *   version: 2                        the bid's version for this bidder and lot
 *   sha256: 64 hex                    SHA-256 of the envelope's bytes (its blob name)
 *   chain: 64 hex                     the envelope's signed chain value h (suite hash)
 *   suite: gm                         gm | intl
 *   size: 104857                      bytes of the envelope
 *   signer: 64 hex                    SHA-256 of the bidder's signing certificate
 *   time: 1767258000000               server time, unix ms
 *   time_utc: 2026-01-01T09:00:00.000Z
 *   seq: 7                            the receipt's number within the tender (1, 2, ...)
 *
 * ending with a newline. A withdrawal names the version it withdraws. The
 * signature is Ed25519 (RFC 8032) over exactly these bytes, by the
 * platform's receipt key; key_id = SHA-256 of the key's SubjectPublicKeyInfo
 * DER, lower-case hex.
 *
 * Thread-safe: no shared state (an EVP_PKEY may be used by several threads
 * to sign: OpenSSL 3 allows it for Ed25519 through separate contexts).
 */
#ifndef SUNBID_CRYPTO_RECEIPT_H
#define SUNBID_CRYPTO_RECEIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "base/buf.h"

#define RECEIPT_MAGIC    "sunbid bid receipt v1"
#define RECEIPT_MAX_TEXT 2048 /* bytes of a receipt text */
#define RECEIPT_SIG_B64  89   /* base64 of a 64-byte signature, with NUL */
#define RECEIPT_KEY_FILE "receipt.key"
#define RECEIPT_ID_MAX   64 /* tender code, USCC */

struct receipt {
    char kind[16];                   /* "submit" | "withdraw" */
    char tender[RECEIPT_ID_MAX + 1]; /* tender code */
    int64_t tender_id;
    int64_t lot;
    char bidder[RECEIPT_ID_MAX + 1]; /* USCC */
    int64_t bidder_org_id;
    int64_t bid_id;
    int64_t version;
    char sha256[65]; /* of the envelope */
    char chain[65];  /* envelope chain value */
    char suite[8];   /* gm | intl */
    int64_t size;
    char signer[65]; /* signing certificate fingerprint */
    int64_t time_ms; /* server time */
    int64_t seq;     /* within the tender */
};

/* Appends the receipt's text to out. 0, or -1 when a field breaks its rules
 * (ids: printable ASCII without space; hashes: 64 lower-case hex). */
int receipt_format(const struct receipt *r, struct buf *out);
/* Parses a receipt text (exactly the format above, nothing else). 0 or -1. */
int receipt_parse(const char *text, size_t n, struct receipt *r);

/* Loads <dir>/receipt.key (PKCS#8 PEM, Ed25519), creating it (mode 0600)
 * when absent. *key gets a new reference. 0, or -1 with err. */
int receipt_key_load(const char *dir, EVP_PKEY **key, char *err, size_t errlen);
/* SHA-256 of the public key's SPKI DER, hex. 0 or -1. */
int receipt_key_id(EVP_PKEY *key, char out[65]);
/* The public key as PEM ("-----BEGIN PUBLIC KEY-----..."), appended to out. 0 or -1. */
int receipt_key_pem(EVP_PKEY *key, struct buf *out);
/* A public key from PEM bytes (PUBLIC KEY, or a PRIVATE KEY whose public
 * half is taken); NULL unless it is Ed25519. */
EVP_PKEY *receipt_key_parse(const char *pem, size_t n);

/* Signs text; sig gets base64 (padded). 0 or -1. */
int receipt_sign(EVP_PKEY *key, const char *text, size_t n, char sig[RECEIPT_SIG_B64]);
/* true when sig (base64) is key's signature over text. */
bool receipt_verify(EVP_PKEY *key, const char *text, size_t n, const char *sig);

#endif
