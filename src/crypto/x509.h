/*
 * x509.h — organisations' X.509 certificates (數字證書): a trust store of
 * several CAs at once (CA mutual recognition, 互認), revocation lists, and
 * the validation of a leaf certificate at a given time for a given use.
 * The design and the policy are in docs/certificates.md.
 *
 * A trust store (struct x509_trust) holds:
 *   roots          self-signed CA certificates: the trust anchors. Any
 *                  number of CAs, SM2 or P-256 (or others OpenSSL verifies),
 *                  all trusted at once.
 *   intermediates  CA certificates that are not self-signed. They only help
 *                  to build a chain; a chain must still end at a root.
 *   crls           certificate revocation lists (PEM or DER), for any CA.
 * It is filled once (x509_trust_load_dir / _load_file / _add) and is then
 * read-only: any thread may validate against it concurrently.
 *
 * Validation (x509_check) runs these checks in this order and reports the
 * first that fails, so a result is stable:
 *   1. the certificate parses (PEM or DER; the leaf first, then optional
 *      intermediates supplied with it);
 *   2. its key is SM2 or P-256;
 *   3. a chain to a trusted root exists (X509V_EUNTRUSTED_ISSUER), every
 *      issuer in it is a CA allowed to sign certificates (X509V_EINVALID_CA),
 *      every signature verifies — SM2 with SM3 and the default SM2 id
 *      "1234567812345678" (GM/T 0009, GM/T 0015) — (X509V_EBAD_SIGNATURE),
 *      and every certificate of the chain is within its validity at `at`
 *      (X509V_EEXPIRED, X509V_ENOT_YET_VALID);
 *   4. revocation, for every certificate of the chain below the root: a
 *      revocation anywhere wins (X509V_EREVOKED); then an expired CRL
 *      (X509V_ECRL_EXPIRED), a CRL whose signature does not verify with no
 *      good one beside it (X509V_ECRL_INVALID), and, when the store requires
 *      CRLs, a CA without one (X509V_ECRL_MISSING);
 *   5. the key usage allows the requested use (X509V_EWRONG_USAGE):
 *      signing needs digitalSignature or nonRepudiation, encryption needs
 *      keyEncipherment or keyAgreement; the leaf must carry a keyUsage
 *      extension and must not be a CA.
 *
 * Time is a parameter (unix milliseconds): the server passes clock_now_ms(),
 * tests move it.
 *
 * The codes below are stable: x509_code() names them ("cert_revoked", ...)
 * and the API reports those names.
 */
#ifndef SUNBID_CRYPTO_X509_H
#define SUNBID_CRYPTO_X509_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define X509V_MAX_CERT  (64 << 10) /* bytes of one certificate, or of a leaf with its chain */
#define X509V_MAX_FILE  (16 << 20) /* bytes of one trust file (a CRL can be large) */
#define X509V_MAX_CAS   256        /* roots + intermediates in a trust store */
#define X509V_MAX_CRLS  256        /* CRLs in a trust store */
#define X509V_MAX_CHAIN 8          /* intermediates supplied with a leaf; also the depth limit */
#define X509V_MAX_TEXT  256        /* subject / issuer strings in results (bytes with NUL) */

/* SM2's default distinguishing id (GM/T 0009-2012, 5.5 / GM/T 0015-2012). */
#define X509V_SM2_ID     "1234567812345678"
#define X509V_SM2_ID_LEN 16

enum x509_rc {
    X509V_OK = 0,
    X509V_EMALFORMED = -1,        /* cert_malformed: not a certificate, too big, bad encoding */
    X509V_EEXPIRED = -2,          /* cert_expired: past notAfter at the given time */
    X509V_ENOT_YET_VALID = -3,    /* cert_not_yet_valid: before notBefore */
    X509V_EREVOKED = -4,          /* cert_revoked: listed on its issuer's CRL */
    X509V_EUNTRUSTED_ISSUER = -5, /* cert_untrusted_issuer: no chain to a trusted root */
    X509V_EBAD_SIGNATURE = -6,    /* cert_bad_signature: a signature in the chain fails */
    X509V_EWRONG_USAGE = -7,      /* cert_wrong_usage: key usage forbids the use, or a CA as leaf */
    X509V_EINVALID_CA = -8,       /* cert_invalid_ca: an issuer may not issue (CA flag, path len) */
    X509V_ECRL_EXPIRED = -9,      /* cert_crl_expired: the issuer's CRL is past nextUpdate */
    X509V_ECRL_MISSING = -10,     /* cert_crl_missing: CRLs required, none for an issuer */
    X509V_ECRL_INVALID = -11,     /* cert_crl_invalid: the CRL's signature fails / bad CRL */
    X509V_EUNSUPPORTED_KEY = -12, /* cert_unsupported_key: the leaf key is not SM2 or P-256 */
    X509V_EPAIR_MISMATCH = -13,   /* cert_pair_mismatch: sign/encrypt certs of two entities */
    X509V_ENO_USCC = -14,         /* cert_no_uscc: no unified social credit code in the subject */
    X509V_EUSCC_AMBIGUOUS = -15,  /* cert_uscc_ambiguous: two different codes in the subject */
    X509V_EINTERNAL = -16         /* cert_internal: OpenSSL failed, out of memory, I/O */
};
#define X509V_NCODES 17

/* The stable lower_snake_case name of rc ("cert_expired"); "cert_internal"
 * for an unknown value. */
const char *x509_code(int rc);

enum x509_key { X509V_KEY_OTHER = 0, X509V_KEY_SM2 = 1, X509V_KEY_P256 = 2 };
const char *x509_key_name(enum x509_key k); /* "sm2", "p256", "other" */

enum x509_usage {
    X509V_USE_ANY = 0,     /* chain, time and revocation only */
    X509V_USE_SIGN = 1,    /* digitalSignature or nonRepudiation */
    X509V_USE_ENCRYPT = 2, /* keyEncipherment or keyAgreement */
};

/* What a CRL-less CA means (docs/certificates.md, "Revocation"). */
enum x509_crl_policy {
    X509V_CRL_IF_PRESENT = 0, /* check where the store has a CRL for the issuer (default) */
    X509V_CRL_REQUIRED = 1    /* every issuing CA of the chain must have a CRL */
};

/* One loaded CRL. The bytes of its tbsCertList are kept as received: an
 * SM2 CRL's signature is verified over them with the SM2 id (OpenSSL 3.0's
 * X509_CRL_verify has no way to pass one), without touching the shared
 * X509_CRL from several threads. */
struct x509_crl_slot {
    X509_CRL *crl;      /* owned */
    unsigned char *tbs; /* DER of tbsCertList, heap */
    size_t tbs_len;
    bool algs_match;        /* the inner signature algorithm equals the outer one */
    int64_t this_update_ms; /* thisUpdate */
    int64_t next_update_ms; /* nextUpdate (required) */
};

struct x509_trust {
    X509_STORE *store;              /* the roots as trust anchors, owned */
    STACK_OF(X509) * roots;         /* the same roots, owned references */
    STACK_OF(X509) * intermediates; /* non-self-signed CA certs, owned */
    struct x509_crl_slot *crls;     /* heap array, X509V_MAX_CRLS slots */
    size_t ncrls;
    enum x509_crl_policy crl_policy; /* set by the caller after init */
};

/* Empty store (policy X509V_CRL_IF_PRESENT). X509V_OK or X509V_EINTERNAL. */
int x509_trust_init(struct x509_trust *t);
void x509_trust_release(struct x509_trust *t); /* safe on a zeroed struct, and twice */

/* Adds every certificate and CRL in data (one DER certificate or CRL, or
 * any number of PEM blocks "CERTIFICATE" and "X509 CRL"; any other PEM
 * block is an error). Certificates must be CA certificates (basicConstraints
 * CA:TRUE); a self-signed one must verify its own signature and becomes a
 * root, others become intermediates. A certificate already present is
 * skipped. At most 16 CRLs per call. Nothing is added when anything fails
 * (err says what).
 * X509V_OK, X509V_EMALFORMED, X509V_EINVALID_CA (not a CA, or a root whose
 * self-signature fails), X509V_EINTERNAL (also: too many CAs / CRLs). */
int x509_trust_add(struct x509_trust *t, const void *data, size_t n, char *err, size_t errlen);
/* x509_trust_add of a file's bytes (at most X509V_MAX_FILE). */
int x509_trust_load_file(struct x509_trust *t, const char *path, char *err, size_t errlen);
/* Every regular file of dir (not recursive, in name order) whose name ends in
 * .pem .crt .cer .der or .crl, except *.key.pem and *.key: private keys kept
 * beside the CA certificate (a `sunbid ca` directory) are not read. */
int x509_trust_load_dir(struct x509_trust *t, const char *dir, char *err, size_t errlen);
/* Loads path: a directory (load_dir) or a file (load_file). */
int x509_trust_load(struct x509_trust *t, const char *path, char *err, size_t errlen);
size_t x509_trust_nroots(const struct x509_trust *t);
size_t x509_trust_ncrls(const struct x509_trust *t);

/* Parses one certificate: DER (consumed exactly) or the first PEM
 * CERTIFICATE block. Returns a new X509 or NULL. SM2-signed certificates get
 * the default SM2 id attached, so OpenSSL verifies them as GM/T 0015 says. */
X509 *x509_parse(const void *data, size_t n);
/* Parses a leaf and the intermediates after it (PEM: CERTIFICATE blocks
 * only, at most X509V_MAX_CHAIN after the leaf; DER: the leaf alone). *chain
 * gets a new stack (maybe empty). X509V_OK or X509V_EMALFORMED. */
int x509_parse_chain(const void *data, size_t n, X509 **leaf, STACK_OF(X509) * *chain);
/* Attaches the default SM2 id to x when it is signed with SM2-with-SM3 and
 * has no id yet. Every certificate this module parses already has it. */
void x509_set_sm2_id(X509 *x);

/* What a certificate says, for registration and display. */
struct x509_info {
    char subject[X509V_MAX_TEXT]; /* RFC 2253 form, UTF-8, e.g. "CN=某公司,C=CN" */
    char issuer[X509V_MAX_TEXT];
    char serial[2 * 20 + 1]; /* upper-case hex, no leading zeros ("0" for zero) */
    char fingerprint[65];    /* SHA-256 of the DER, lower-case hex */
    int64_t not_before_ms;   /* unix ms */
    int64_t not_after_ms;
    enum x509_key key;  /* the subject key's algorithm */
    uint32_t key_usage; /* X509v3_KU_* bits; UINT32_MAX when no keyUsage extension */
    bool is_ca;         /* basicConstraints CA:TRUE */
    bool self_signed;   /* issuer == subject and the signature verifies */
    char uscc[19];      /* the USCC found in the subject, or "" (x509_uscc) */
};
/* Fills *info. X509V_OK or X509V_EMALFORMED (a field OpenSSL cannot read). */
int x509_describe(X509 *x, struct x509_info *info);

/* SHA-256 of the DER encoding. 0, or -1 when it cannot be encoded. */
int x509_fingerprint(X509 *x, unsigned char out[32]);
int x509_fingerprint_hex(X509 *x, char out[65]);
/* The subject public key: a new reference (EVP_PKEY_free it), or NULL. An
 * SM2 key is of type "SM2" (EVP_PKEY_is_a(k, "SM2")). */
EVP_PKEY *x509_pubkey(X509 *x);
enum x509_key x509_key_type(X509 *x);

/* The organisation's unified social credit code (统一社会信用代码) from the
 * subject. Fields read, in this order: serialNumber (2.5.4.5),
 * organizationIdentifier (2.5.4.97), OU, CN. In each, every maximal run of
 * ASCII letters and digits of exactly 18 characters that passes the GB 32100
 * check digit is a code (so "91110108MA01XXXXXX", "NTRCN-91110...", and
 * "041@91110...@某公司@1" all work). X509V_OK with out (upper case),
 * X509V_ENO_USCC, or X509V_EUSCC_AMBIGUOUS when two different codes occur. */
int x509_uscc(X509 *x, char out[19]);

/* The outcome of a validation. */
struct x509_result {
    int rc;                       /* enum x509_rc */
    int depth;                    /* chain position that failed: 0 the leaf; -1 none/all */
    char message[512];            /* English, one line, says what and where */
    char subject[X509V_MAX_TEXT]; /* the leaf's subject ("" if unparsed) */
    char root[X509V_MAX_TEXT];    /* the trust anchor reached ("" if none) */
    char fingerprint[65];         /* the leaf's SHA-256, hex ("" if unparsed) */
    enum x509_key key;            /* the leaf key's algorithm */
    int chain_len;                /* certificates from leaf to root, both included */
    bool revocation_checked;      /* every issuing CA of the chain had a CRL consulted */
    int64_t valid_until_ms;       /* on X509V_OK: the same check on the same trust store
                                   * answers OK at every time in [at_ms, valid_until_ms):
                                   * the earliest notAfter of the chain, nextUpdate of a
                                   * consulted CRL, or a listed revocation still to come */
};

/* Validates leaf (with optional untrusted intermediates `extra`, which may
 * be NULL) for `use` at time at_ms, as listed at the top of this file. The
 * default SM2 id is attached to SM2-signed certificates that lack one.
 * Returns r->rc. Thread-safe on a loaded store. */
int x509_check(const struct x509_trust *t, X509 *leaf, STACK_OF(X509) * extra, enum x509_usage use,
               int64_t at_ms, struct x509_result *r);
/* x509_parse_chain then x509_check: data is a PEM leaf with optional
 * intermediates after it, or one DER certificate. */
int x509_check_bytes(const struct x509_trust *t, const void *data, size_t n, enum x509_usage use,
                     int64_t at_ms, struct x509_result *r);

/* SM2 dual certificates (雙證書): a signing and an encryption certificate of
 * one entity. Each is checked for its use (the first failure is returned,
 * the signing certificate first); then both must have the same subject and
 * the same issuer, else X509V_EPAIR_MISMATCH. */
int x509_check_pair(const struct x509_trust *t, X509 *sign, X509 *enc, int64_t at_ms,
                    struct x509_result *r);

/* An ASN1_TIME as unix ms. 0, or -1 when it cannot be read. */
int x509_time_ms(const ASN1_TIME *t, int64_t *ms);

#endif
