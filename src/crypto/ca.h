/*
 * ca.h — a small certification authority for the demo and the tests
 * (`sunbid ca`, docs/certificates.md "The CA tool"): key generation,
 * certificates and CRLs signed the way Chinese CAs sign them, and a CA
 * directory with an index of what it issued.
 *
 * Signatures: an SM2 key signs with SM3 and the default SM2 id
 * "1234567812345678" (GM/T 0009, GM/T 0015: what x509.c verifies; OpenSSL
 * 3.0's X509_sign() would use an empty id); a P-256 key signs
 * ecdsa-with-SHA256.
 *
 * Certificates carry: version 3, a random serial of 16 bytes (126 random
 * bits: the top bit is 0 so it stays positive, the next is 1 so it always
 * prints as 32 hex digits), basicConstraints (critical), keyUsage
 * (critical), extendedKeyUsage (critical timeStamping, TSA certificates
 * only), subjectKeyIdentifier (SHA-1 of the key) and authorityKeyIdentifier
 * (the issuer's key id). Subject: C=CN, O= (optional), CN=, and
 * serialNumber= the organisation's USCC (optional; where x509_uscc() looks
 * first).
 *
 *   usage     keyUsage                                              EKU
 *   ca        keyCertSign, cRLSign                                  -
 *   sign      digitalSignature, nonRepudiation                      -
 *   encrypt   keyEncipherment, dataEncipherment, keyAgreement       -
 *   both      digitalSignature, nonRepudiation, keyEncipherment,    -
 *             keyAgreement
 *   tsa       digitalSignature, nonRepudiation                      timeStamping
 *
 * A CA directory (not thread-safe; one process at a time, enforced with
 * flock on DIR/.lock):
 *   DIR/ca.key.pem   the CA's private key, PKCS#8 PEM, mode 0600
 *   DIR/ca.crt.pem   its self-signed certificate
 *   DIR/index.txt    one line per issued certificate (format below)
 *   DIR/crlnumber    the number of the last CRL, decimal
 *
 * index.txt: a first line "# sunbid-ca-index v1", then one line per
 * certificate in issue order, nine fields separated by one TAB:
 *   status      V (valid) or R (revoked)
 *   serial      upper-case hex
 *   not_after   unix seconds
 *   revoked     unix seconds, or "-"
 *   reason      RFC 5280 CRLReason name, or "-"
 *   usage       ca | sign | encrypt | both | tsa
 *   alg         sm2 | p256
 *   sha256      the certificate's fingerprint, lower-case hex
 *   subject     RFC 2253, UTF-8 (control characters escaped by OpenSSL)
 * It is rewritten whole to a temporary file, fsync'ed and renamed over the
 * old one, so a reader sees the old or the new index, never half of one.
 */
#ifndef SUNBID_CRYPTO_CA_H
#define SUNBID_CRYPTO_CA_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/x509.h"

#define CA_MAX_INDEX     100000 /* certificates one CA directory records */
#define CA_MAX_LINE      1024   /* bytes of one index line */
#define CA_SERIAL_BYTES  16
#define CA_DEFAULT_DAYS  365  /* leaf validity */
#define CA_ROOT_DAYS     3650 /* root validity */
#define CA_CRL_DAYS      7    /* nextUpdate - thisUpdate */
#define CA_BACKDATE_SECS 300  /* notBefore = now - this, for clock skew */

enum ca_rc {
    CA_OK = 0,
    CA_EINVAL = -1,    /* bad argument: name, serial, days, USCC ... */
    CA_EEXISTS = -2,   /* the CA or an output file exists; already revoked */
    CA_ENOTFOUND = -3, /* no such CA directory or serial; not issued by this CA */
    CA_EIO = -4,       /* file system */
    CA_ECRYPTO = -5    /* OpenSSL failed */
};

enum ca_alg { CA_ALG_SM2 = 1, CA_ALG_P256 = 2 };
enum ca_usage { CA_USAGE_CA, CA_USAGE_SIGN, CA_USAGE_ENCRYPT, CA_USAGE_BOTH, CA_USAGE_TSA };

/* "sm2" / "p256" and "ca" / "sign" / "encrypt" / "both" / "tsa". 0 or -1. */
int ca_alg_parse(const char *s, enum ca_alg *out);
int ca_usage_parse(const char *s, enum ca_usage *out);
const char *ca_alg_name(enum ca_alg a);
const char *ca_usage_name(enum ca_usage u);
/* CRLReason by RFC 5280 name ("keyCompromise"), or -1. */
int ca_reason_parse(const char *s);

/* A new key pair (SM2 or P-256), or NULL. */
EVP_PKEY *ca_keygen(enum ca_alg alg);

/* What to put in a certificate. */
struct ca_cert_spec {
    const char *cn;   /* subject CN, UTF-8, required (1..64 characters) */
    const char *org;  /* subject O, or NULL */
    const char *uscc; /* subject serialNumber: a valid USCC, or NULL */
    enum ca_usage usage;
    int path_len;          /* CA: pathLenConstraint, -1 for none */
    int64_t not_before_ms; /* unix ms */
    int64_t not_after_ms;
};

/* Issues a certificate for subject_key signed by issuer_key as issuer; with
 * issuer NULL it is self-signed (issuer_key must then be subject_key's
 * pair). Returns a new X509, or NULL with err. */
X509 *ca_issue(const struct ca_cert_spec *spec, EVP_PKEY *subject_key, X509 *issuer,
               EVP_PKEY *issuer_key, char *err, size_t errlen);

/* Signs x / crl with key (see the top of this file). 0 or -1. Tests use it
 * to re-sign altered certificates. */
int ca_sign_cert(X509 *x, EVP_PKEY *key);
int ca_sign_crl(X509_CRL *crl, EVP_PKEY *key);

/* One CRL entry. */
struct ca_revoked {
    const char *serial_hex; /* the certificate's serial, hex */
    int64_t revoked_ms;     /* revocationDate */
    int reason;             /* CRLReason, or -1 for none */
};

/* A CRL by issuer (version 2, cRLNumber, authorityKeyIdentifier, entries
 * sorted), or NULL with err. */
X509_CRL *ca_crl(X509 *issuer, EVP_PKEY *issuer_key, const struct ca_revoked *rev, size_t nrev,
                 int64_t this_ms, int64_t next_ms, uint64_t number, char *err, size_t errlen);

/* PEM of a certificate / CRL / private key (PKCS#8, unencrypted) appended
 * to a malloc'ed string (*out, caller frees). 0 or -1. */
int ca_pem_cert(X509 *x, char **out, size_t *len);
int ca_pem_crl(X509_CRL *c, char **out, size_t *len);
int ca_pem_key(EVP_PKEY *k, char **out, size_t *len);

/* ---- the CA directory ---- */

struct ca_dir {
    char path[512]; /* the directory */
    X509 *cert;     /* the CA certificate, owned */
    EVP_PKEY *key;  /* its private key, owned */
    int lock_fd;    /* flock'ed DIR/.lock, or -1 */
};

/* Creates DIR (0700 if new) with a self-signed root CA "CN=name" valid for
 * days from now_ms. CA_EEXISTS when DIR already holds a CA. */
int ca_dir_init(const char *dir, enum ca_alg alg, const char *name, int days, int64_t now_ms,
                char *err, size_t errlen);
/* Opens DIR and takes its lock (waits for another sunbid ca). */
int ca_dir_open(struct ca_dir *d, const char *dir, char *err, size_t errlen);
void ca_dir_close(struct ca_dir *d); /* safe twice */

/* Issues a certificate with a new key of alg: writes PREFIX.key.pem (0600)
 * and PREFIX.crt.pem (both must not exist), then records it in the index.
 * serial_out (41 bytes) gets its serial. */
int ca_dir_issue(struct ca_dir *d, const struct ca_cert_spec *spec, enum ca_alg alg,
                 const char *prefix, char serial_out[41], char *err, size_t errlen);
/* Marks serial (hex, any case; colons allowed) revoked at now_ms with
 * reason (-1 none). CA_ENOTFOUND, CA_EEXISTS when already revoked. */
int ca_dir_revoke(struct ca_dir *d, const char *serial, int reason, int64_t now_ms, char *err,
                  size_t errlen);
/* The serial of a certificate file, checked to be issued by this CA. */
int ca_dir_serial_of(struct ca_dir *d, const char *cert_path, char serial_out[41], char *err,
                     size_t errlen);
/* Writes a CRL of every revoked certificate to out (PEM, atomically),
 * thisUpdate now_ms, nextUpdate now + days; increments DIR/crlnumber. */
int ca_dir_crl(struct ca_dir *d, const char *out, int days, int64_t now_ms, char *err,
               size_t errlen);

#endif
