/*
 * suite.h — the two crypto suites of sealed bids, behind one interface.
 *
 * A sealed bid (crypto/envelope.h, docs/envelope.md) is built from five
 * operations, and a suite says which algorithms do them:
 *
 *   operation            gm (default)                     intl (WebCrypto can do it)
 *   -------------------  -------------------------------  ------------------------------------
 *   hash H               SM3 (GB/T 32905)                 SHA-256
 *   key derivation       HKDF (RFC 5869) over SM3         HKDF over SHA-256
 *   chunk cipher         SM4-CTR, then HMAC-SM3 over      AES-256-GCM, no AAD
 *                        nonce || ciphertext (EtM)
 *   content-key wrap     SM2 public-key encryption        ECIES: ephemeral P-256 ECDH,
 *                        (GM/T 0003.4, SM3), DER          HKDF-SHA-256, AES-256-GCM
 *   signature            SM2 with SM3, user id            ECDSA P-256 with SHA-256, DER
 *                        "1234567812345678", DER
 *
 * Chunk cipher. A stream key is derived per file (envelope.c). Chunk number
 * c (0, 1, ...) of a stream is sealed under the 12-byte nonce
 *     nonce = c as 11 bytes big-endian || last (0x01 on the final chunk, else 0x00)
 * (the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár, as in
 * age), so a chunk moved, dropped, repeated, or a stream cut short at a chunk
 * boundary fails authentication.
 *   gm:   stream key = 16-byte SM4 key || 32-byte HMAC-SM3 key;
 *         ct = SM4-CTR(enc key, IV = nonce || 00 00 00 00, pt);
 *         tag = HMAC-SM3(mac key, nonce || ct) (32 bytes); output ct || tag.
 *         A chunk is at most 2^12 blocks, so the 32-bit block counter never
 *         carries into the nonce.
 *   intl: stream key = 32-byte AES key; output AES-256-GCM(key, nonce, pt)
 *         || 16-byte tag.
 *
 * Key wrap of the 32-byte content key to a recipient's public key:
 *   gm:   EVP_PKEY_encrypt on the SM2 key: the DER SEQUENCE {x, y, C3 hash,
 *         C2} (GM/T 0009 / OpenSSL's encoding), 100..160 bytes here.
 *   intl: E = fresh P-256 key pair; Z = ECDH(e, R) (the x-coordinate, 32
 *         bytes: WebCrypto deriveBits(256)); KEK = HKDF-SHA-256(IKM Z,
 *         salt = E.pub || R.pub (65-byte uncompressed points each),
 *         info = "sunbid-envelope-v1 intl wrap", 32 bytes);
 *         wrap = E.pub || AES-256-GCM(KEK, nonce 0^96, no AAD, key) || tag:
 *         65 + 32 + 16 = 113 bytes. The KEK is used once, so the fixed
 *         nonce is safe.
 *
 * Every failure is its own enum seal_err, so a caller (and a bidder reading
 * the CLI's message) can tell a bad MAC from a bad signature from a wrong
 * key. MACs and tags are compared with CRYPTO_memcmp; key bytes are wiped
 * with OPENSSL_cleanse. OpenSSL 3 does all the arithmetic.
 *
 * Thread-safe: suites are constant; each struct suite_stream / suite_hash
 * belongs to one thread.
 */
#ifndef SUNBID_CRYPTO_SUITE_H
#define SUNBID_CRYPTO_SUITE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* Every way sealing or opening can fail. The codes (seal_err_code) are
 * stable strings for scripts, logs and later the API. */
#define SEAL_ERRORS(X)                                                                             \
    X(OK, "ok", "ok")                                                                              \
    X(EMALFORMED, "malformed", "the envelope does not follow the format")                          \
    X(ETRUNCATED, "truncated", "the envelope ends too early")                                      \
    X(ETRAILING, "trailing_data", "there are bytes after the signature")                           \
    X(EVERSION, "unsupported_version", "the envelope format version is not supported")             \
    X(ESUITE, "unsupported_suite", "the crypto suite is not supported")                            \
    X(ELIMIT, "too_large", "a count or length is over its limit")                                  \
    X(EBADCERT, "bad_certificate", "the signer certificate cannot be used")                        \
    X(EBADSIG, "bad_signature", "the signature does not verify")                                   \
    X(EWRONGSIGNER, "wrong_signer", "the envelope is signed by another certificate")               \
    X(EWRONGTENDER, "wrong_tender", "the envelope is bound to another tender")                     \
    X(EWRONGLOT, "wrong_lot", "the envelope is bound to another lot")                              \
    X(EWRONGKEY, "wrong_key", "the key is not one the envelope is sealed to")                      \
    X(EBADWRAP, "bad_key_wrap", "the wrapped content key does not decrypt")                        \
    X(EBADMAC, "bad_mac", "encrypted content fails authentication")                                \
    X(EBADHASH, "bad_content_hash", "a decrypted file does not match its content hash")            \
    X(EKEYTYPE, "wrong_key_type", "the key is not of the suite's algorithm")                       \
    X(EKEYMISMATCH, "key_mismatch", "the signing key does not match the certificate")              \
    X(EINPUT, "bad_input", "an argument is invalid")                                               \
    X(EIO, "io_error", "reading or writing failed")                                                \
    X(ECRYPTO, "crypto_error", "the crypto library failed")

enum seal_err {
#define SEAL_ERR_ENUM(name, code, msg) SEAL_##name,
    SEAL_ERRORS(SEAL_ERR_ENUM)
#undef SEAL_ERR_ENUM
        SEAL__COUNT
};

const char *seal_err_code(int e);    /* "bad_mac"; "unknown" out of range */
const char *seal_err_message(int e); /* default English text */

/* An error with what exactly failed ("file 2, chunk 17"). */
struct seal_error {
    int code;      /* enum seal_err */
    char msg[256]; /* "CODE: detail", NUL-terminated */
};
/* Sets e (if not NULL) and returns code. */
int seal_fail(struct seal_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

enum suite_id { SUITE_GM = 1, SUITE_INTL = 2 };

#define SUITE_HASH_LEN       32 /* SM3 and SHA-256 */
#define SUITE_KEY_LEN        32 /* the content key */
#define SUITE_NONCE_LEN      12 /* chunk nonce */
#define SUITE_MAX_TAG        32 /* HMAC-SM3 */
#define SUITE_MAX_STREAM_KEY 48
#define SUITE_MAX_WRAP       160                /* gm DER 100..160, intl exactly 113 */
#define SUITE_MAX_SIG        80                 /* DER ECDSA / SM2 over 256-bit curves: <= 72 */
#define SUITE_SM2_USER_ID    "1234567812345678" /* GB/T 32918.2 default */

struct suite {
    enum suite_id id;      /* the byte in the envelope */
    const char *name;      /* "gm" | "intl" */
    const char *md_name;   /* "SM3" | "SHA256" (OpenSSL names) */
    const char *key_alg;   /* "SM2" | "P-256": what certificates must hold */
    size_t tag_len;        /* 32 | 16 */
    size_t stream_key_len; /* 48 | 32 */
    size_t wrap_min;       /* bounds of a recipient's wrapped key */
    size_t wrap_max;
};

extern const struct suite suite_gm;
extern const struct suite suite_intl;

/* NULL when unknown. */
const struct suite *suite_by_id(int id);
const struct suite *suite_by_name(const char *name);

/* ---- hashing ---- */

struct suite_hash {
    EVP_MD_CTX *ctx; /* owned */
};
int suite_hash_begin(const struct suite *s, struct suite_hash *h);
int suite_hash_update(struct suite_hash *h, const void *p, size_t n);
/* Writes the digest and starts the hash again (same algorithm). */
int suite_hash_end(struct suite_hash *h, uint8_t out[SUITE_HASH_LEN]);
void suite_hash_release(struct suite_hash *h);
int suite_hash(const struct suite *s, const void *p, size_t n, uint8_t out[SUITE_HASH_LEN]);
/* SHA-256 whatever the suite (key ids, fingerprints). */
void suite_sha256(const void *p, size_t n, uint8_t out[32]);

/* HKDF (RFC 5869, extract then expand) with the suite's hash. */
int suite_kdf(const struct suite *s, const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
              size_t salt_len, const void *info, size_t info_len, uint8_t *out, size_t out_len);

/* ---- chunk cipher ---- */

struct suite_stream {
    const struct suite *s;
    uint8_t key[SUITE_MAX_STREAM_KEY]; /* wiped by release */
    EVP_CIPHER_CTX *cipher;            /* keyed once, IV set per chunk */
    EVP_MAC_CTX *mac;                  /* gm: HMAC-SM3, keyed per chunk */
};
/* key: s->stream_key_len bytes (copied). */
int suite_stream_init(struct suite_stream *st, const struct suite *s, const uint8_t *key);
/* Seals n bytes of chunk `counter` into out (n + tag_len bytes; out may be in). */
int suite_stream_seal(struct suite_stream *st, uint64_t counter, int last, const uint8_t *in,
                      size_t n, uint8_t *out);
/* Opens n bytes (ciphertext || tag) into out (n - tag_len bytes; out may be
 * in). SEAL_EBADMAC when it does not authenticate; out is then undefined. */
int suite_stream_open(struct suite_stream *st, uint64_t counter, int last, const uint8_t *in,
                      size_t n, uint8_t *out);
void suite_stream_release(struct suite_stream *st);

/* ---- keys ---- */

/* SEAL_OK when k is the suite's kind of key (SM2 / EC P-256), else
 * SEAL_EKEYTYPE. */
int suite_key_check(const struct suite *s, EVP_PKEY *k);
/* SHA-256 of the key's SubjectPublicKeyInfo DER. */
int suite_key_id(EVP_PKEY *k, uint8_t id[32]);

/* Wraps the content key to a recipient's public key. *len: capacity in,
 * bytes written out. */
int suite_wrap(const struct suite *s, EVP_PKEY *recipient, const uint8_t key[SUITE_KEY_LEN],
               uint8_t *out, size_t *len);
/* Unwraps with the recipient's private key: SEAL_EBADWRAP when it does not
 * decrypt, SEAL_EMALFORMED when the bytes have the wrong shape. */
int suite_unwrap(const struct suite *s, EVP_PKEY *priv, const uint8_t *wrap, size_t len,
                 uint8_t key[SUITE_KEY_LEN]);

/* DER signature of msg. *len: capacity in (>= SUITE_MAX_SIG), bytes out. */
int suite_sign(const struct suite *s, EVP_PKEY *priv, const void *msg, size_t n, uint8_t *sig,
               size_t *len);
/* SEAL_OK or SEAL_EBADSIG. */
int suite_verify(const struct suite *s, EVP_PKEY *pub, const void *msg, size_t n,
                 const uint8_t *sig, size_t len);

/* ---- loading (PEM files, DER certificates) ---- */

/* A private key from a PEM file (unencrypted PKCS#8 or traditional). */
int suite_load_private_key(const char *path, EVP_PKEY **out, struct seal_error *err);
/* A certificate from a PEM file: its DER (malloc'ed, caller frees) and public key. */
int suite_load_cert(const char *path, uint8_t **der, size_t *der_len, EVP_PKEY **pub,
                    struct seal_error *err);
/* A public key from a PEM file holding a CERTIFICATE or a PUBLIC KEY. */
int suite_load_public_key(const char *path, EVP_PKEY **out, struct seal_error *err);
/* The public key of a DER certificate; every byte must be the certificate. */
int suite_cert_public_key(const uint8_t *der, size_t len, EVP_PKEY **out);
/* The certificate's subject as one line ("CN=..., O=...") into out. */
void suite_cert_subject(const uint8_t *der, size_t len, char *out, size_t outlen);

#endif
