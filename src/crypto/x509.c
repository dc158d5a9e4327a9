/*
 * crypto/x509.c — the trust store, CRLs and leaf validation of x509.h,
 * on OpenSSL 3's X509_verify_cert plus our own revocation pass.
 *
 * Why not OpenSSL's CRL checking (X509_V_FLAG_CRL_CHECK): in OpenSSL 3.0
 * X509_CRL_verify() verifies an SM2 CRL with an empty SM2 id, while Chinese
 * CAs sign with the default id "1234567812345678" (GM/T 0015), so every SM2
 * CRL would fail; and we want our own, documented policy for expired and
 * missing CRLs and for revocation times. The chain itself (issuer lookup,
 * CA flags, path length, signatures, validity dates) is X509_verify_cert's.
 *
 * SM2 certificates: X509_verify() takes the SM2 id from the certificate
 * being verified (X509_set0_distinguishing_id). Without one, OpenSSL 3.0
 * uses an empty id and a standard SM2 certificate fails. So every
 * certificate this module parses or loads, and every certificate handed to
 * x509_check, gets the default id attached when its signature algorithm is
 * SM2-with-SM3 (x509_set_sm2_id).
 *
 * Owns: the store's certificates and CRLs. After loading, the store is only
 * read: x509_check builds its own X509_STORE_CTX and untrusted stack per
 * call, so worker threads validate concurrently. Extension flags of the
 * stored certificates are computed at load time (X509_check_purpose), so
 * validation does not fill OpenSSL's caches on shared objects.
 */
#include "crypto/x509.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "domain/uscc.h"

static const char *const codes[X509V_NCODES] = {
    "ok",
    "cert_malformed",
    "cert_expired",
    "cert_not_yet_valid",
    "cert_revoked",
    "cert_untrusted_issuer",
    "cert_bad_signature",
    "cert_wrong_usage",
    "cert_invalid_ca",
    "cert_crl_expired",
    "cert_crl_missing",
    "cert_crl_invalid",
    "cert_unsupported_key",
    "cert_pair_mismatch",
    "cert_no_uscc",
    "cert_uscc_ambiguous",
    "cert_internal",
};

const char *x509_code(int rc)
{
    if (rc > 0 || -rc >= X509V_NCODES)
        return "cert_internal";
    return codes[-rc];
}

const char *x509_key_name(enum x509_key k)
{
    switch (k) {
    case X509V_KEY_SM2:
        return "sm2";
    case X509V_KEY_P256:
        return "p256";
    default:
        return "other";
    }
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

__attribute__((format(printf, 3, 4))) static void say(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
    va_list ap;
    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

int x509_time_ms(const ASN1_TIME *t, int64_t *ms)
{
    struct tm tm;
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return -1;
    /* 64-bit time_t: timegm cannot overflow for the years ASN1_TIME holds */
    *ms = (int64_t)timegm(&tm) * 1000;
    return 0;
}

/* Copies the UTF-8 string s (len bytes) into out[cap], cut at a character
 * boundary, NUL-terminated. */
static void copy_utf8(char *out, size_t cap, const char *s, size_t len)
{
    if (cap == 0)
        return;
    if (len >= cap) {
        len = cap - 1;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(out, s, len);
    out[len] = '\0';
}

/* The RFC 2253 form of a name in UTF-8, e.g. "CN=某公司,C=CN". */
static void name_text(const X509_NAME *nm, char *out, size_t cap)
{
    out[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL)
        return;
    if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        char *p = NULL;
        long n = BIO_get_mem_data(b, &p);
        if (n > 0 && p != NULL)
            copy_utf8(out, cap, p, (size_t)n);
    }
    BIO_free(b);
}

void x509_set_sm2_id(X509 *x)
{
    if (x == NULL || X509_get_signature_nid(x) != NID_SM2_with_SM3 ||
        X509_get0_distinguishing_id(x) != NULL)
        return;
    ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();
    if (id == NULL)
        return;
    if (ASN1_OCTET_STRING_set(id, (const unsigned char *)X509V_SM2_ID, X509V_SM2_ID_LEN) != 1) {
        ASN1_OCTET_STRING_free(id);
        return;
    }
    X509_set0_distinguishing_id(x, id); /* takes ownership */
}

/* True when data looks like PEM (has a BEGIN line). */
static bool is_pem(const void *data, size_t n)
{
    static const char tag[] = "-----BEGIN ";
    return n >= sizeof tag - 1 && memmem(data, n, tag, sizeof tag - 1) != NULL;
}

/* One certificate from exactly n DER bytes, with the SM2 id; NULL if not. */
static X509 *der_cert(const unsigned char *der, size_t n)
{
    const unsigned char *p = der;
    if (n == 0 || n > X509V_MAX_CERT || der[0] != 0x30)
        return NULL;
    X509 *x = d2i_X509(NULL, &p, (long)n);
    if (x == NULL)
        return NULL;
    if (p != der + n) {
        X509_free(x);
        return NULL;
    }
    x509_set_sm2_id(x);
    return x;
}

/* A PEM walker: calls fn for each block; 0, or the first non-zero return of
 * fn, or X509V_EMALFORMED for a broken block. */
typedef int (*pem_fn)(void *ctx, const char *name, const unsigned char *der, size_t len);

static int pem_each(const void *data, size_t n, pem_fn fn, void *ctx)
{
    int rc = 0, nblocks = 0;
    if (n > X509V_MAX_FILE || n > INT32_MAX)
        return X509V_EMALFORMED;
    BIO *b = BIO_new_mem_buf(data, (int)n);
    if (b == NULL)
        return X509V_EINTERNAL;
    ERR_clear_error();
    for (;;) {
        char *name = NULL, *header = NULL;
        unsigned char *der = NULL;
        long len = 0;
        if (PEM_read_bio(b, &name, &header, &der, &len) != 1) {
            unsigned long e = ERR_peek_last_error();
            if (nblocks == 0 || ERR_GET_LIB(e) != ERR_LIB_PEM ||
                ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
                rc = X509V_EMALFORMED;
            ERR_clear_error();
            break;
        }
        nblocks++;
        /* Encrypted PEM (Proc-Type headers) is never a certificate. */
        if (header != NULL && header[0] != '\0')
            rc = X509V_EMALFORMED;
        else
            rc = fn(ctx, name, der, (size_t)len);
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(der);
        if (rc != 0)
            break;
    }
    BIO_free(b);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

struct chain_parse {
    X509 *leaf;
    STACK_OF(X509) * chain;
};

static int chain_block(void *ctx, const char *name, const unsigned char *der, size_t len)
{
    struct chain_parse *cp = ctx;
    if (strcmp(name, PEM_STRING_X509) != 0)
        return X509V_EMALFORMED;
    X509 *x = der_cert(der, len);
    if (x == NULL)
        return X509V_EMALFORMED;
    if (cp->leaf == NULL) {
        cp->leaf = x;
        return 0;
    }
    if (sk_X509_num(cp->chain) >= X509V_MAX_CHAIN || !sk_X509_push(cp->chain, x)) {
        X509_free(x);
        return X509V_EMALFORMED;
    }
    return 0;
}

int x509_parse_chain(const void *data, size_t n, X509 **leaf, STACK_OF(X509) * *chain)
{
    struct chain_parse cp = {NULL, NULL};
    int rc;
    *leaf = NULL;
    *chain = NULL;
    if (data == NULL || n == 0 || n > X509V_MAX_CERT)
        return X509V_EMALFORMED;
    cp.chain = sk_X509_new_null();
    if (cp.chain == NULL)
        return X509V_EINTERNAL;
    if (is_pem(data, n)) {
        rc = pem_each(data, n, chain_block, &cp);
        if (rc == 0 && cp.leaf == NULL)
            rc = X509V_EMALFORMED;
    } else {
        cp.leaf = der_cert(data, n);
        rc = cp.leaf != NULL ? 0 : X509V_EMALFORMED;
    }
    if (rc != 0) {
        X509_free(cp.leaf);
        sk_X509_pop_free(cp.chain, X509_free);
        return rc;
    }
    *leaf = cp.leaf;
    *chain = cp.chain;
    return X509V_OK;
}

X509 *x509_parse(const void *data, size_t n)
{
    X509 *leaf = NULL;
    if (data == NULL || n == 0 || n > X509V_MAX_CERT)
        return NULL;
    if (!is_pem(data, n))
        return der_cert(data, n);
    BIO *b = BIO_new_mem_buf(data, (int)n);
    if (b == NULL)
        return NULL;
    leaf = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    ERR_clear_error();
    x509_set_sm2_id(leaf);
    return leaf;
}

/* ------------------------------------------------------------------ */
/* Certificate facts                                                   */

int x509_fingerprint(X509 *x, unsigned char out[32])
{
    unsigned int len = 32;
    if (x == NULL || X509_digest(x, EVP_sha256(), out, &len) != 1 || len != 32)
        return -1;
    return 0;
}

int x509_fingerprint_hex(X509 *x, char out[65])
{
    static const char hx[] = "0123456789abcdef";
    unsigned char md[32];
    out[0] = '\0';
    if (x509_fingerprint(x, md) != 0)
        return -1;
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[md[i] >> 4];
        out[2 * i + 1] = hx[md[i] & 15];
    }
    out[64] = '\0';
    return 0;
}

EVP_PKEY *x509_pubkey(X509 *x)
{
    return x != NULL ? X509_get_pubkey(x) : NULL;
}

static enum x509_key key_kind(const EVP_PKEY *k)
{
    char group[64];
    size_t glen = 0;
    if (k == NULL)
        return X509V_KEY_OTHER;
    if (EVP_PKEY_is_a(k, "SM2"))
        return X509V_KEY_SM2;
    if (!EVP_PKEY_is_a(k, "EC") || EVP_PKEY_get_group_name(k, group, sizeof group, &glen) != 1)
        return X509V_KEY_OTHER;
    if (strcmp(group, "SM2") == 0)
        return X509V_KEY_SM2;
    if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0)
        return X509V_KEY_P256;
    return X509V_KEY_OTHER;
}

enum x509_key x509_key_type(X509 *x)
{
    return key_kind(x != NULL ? X509_get0_pubkey(x) : NULL);
}

/* Adds each 18-character alphanumeric run of s that is a valid USCC. */
static int uscc_scan(const char *s, size_t n, char found[19], int *nfound)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') ||
                          (s[i] >= 'a' && s[i] <= 'z')))
            i++;
        size_t start = i;
        while (i < n && ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') ||
                         (s[i] >= 'a' && s[i] <= 'z')))
            i++;
        if (i - start != USCC_LEN)
            continue;
        char code[USCC_LEN + 1], norm[USCC_LEN + 1];
        memcpy(code, s + start, USCC_LEN);
        code[USCC_LEN] = '\0';
        if (!uscc_valid(code, norm))
            continue;
        if (*nfound == 0) {
            memcpy(found, norm, USCC_LEN + 1);
            *nfound = 1;
        } else if (memcmp(found, norm, USCC_LEN) != 0) {
            return X509V_EUSCC_AMBIGUOUS;
        }
    }
    return X509V_OK;
}

int x509_uscc(X509 *x, char out[19])
{
    static const int nids[] = {NID_serialNumber, NID_organizationIdentifier,
                               NID_organizationalUnitName, NID_commonName};
    int nfound = 0;
    out[0] = '\0';
    const X509_NAME *nm = x != NULL ? X509_get_subject_name(x) : NULL;
    if (nm == NULL)
        return X509V_EMALFORMED;
    for (size_t f = 0; f < sizeof nids / sizeof nids[0]; f++) {
        int idx = -1;
        while ((idx = X509_NAME_get_index_by_NID(nm, nids[f], idx)) >= 0) {
            const ASN1_STRING *v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, idx));
            unsigned char *utf8 = NULL;
            int len = v != NULL ? ASN1_STRING_to_UTF8(&utf8, v) : -1;
            if (len < 0)
                continue;
            int rc = uscc_scan((const char *)utf8, (size_t)len, out, &nfound);
            OPENSSL_free(utf8);
            if (rc != X509V_OK) {
                out[0] = '\0';
                return rc;
            }
        }
    }
    return nfound ? X509V_OK : X509V_ENO_USCC;
}

int x509_describe(X509 *x, struct x509_info *info)
{
    memset(info, 0, sizeof *info);
    if (x == NULL)
        return X509V_EMALFORMED;
    x509_set_sm2_id(x);
    name_text(X509_get_subject_name(x), info->subject, sizeof info->subject);
    name_text(X509_get_issuer_name(x), info->issuer, sizeof info->issuer);
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
    BN_free(bn);
    if (hex == NULL || strlen(hex) >= sizeof info->serial) {
        OPENSSL_free(hex);
        return X509V_EMALFORMED;
    }
    memcpy(info->serial, hex, strlen(hex) + 1);
    OPENSSL_free(hex);
    if (x509_fingerprint_hex(x, info->fingerprint) != 0 ||
        x509_time_ms(X509_get0_notBefore(x), &info->not_before_ms) != 0 ||
        x509_time_ms(X509_get0_notAfter(x), &info->not_after_ms) != 0)
        return X509V_EMALFORMED;
    uint32_t flags = X509_get_extension_flags(x);
    if (flags & EXFLAG_INVALID)
        return X509V_EMALFORMED;
    info->key = x509_key_type(x);
    info->key_usage = X509_get_key_usage(x);
    info->is_ca = (flags & EXFLAG_CA) != 0;
    info->self_signed = (flags & EXFLAG_SS) != 0 && X509_verify(x, X509_get0_pubkey(x)) == 1;
    ERR_clear_error();
    if (x509_uscc(x, info->uscc) != X509V_OK)
        info->uscc[0] = '\0';
    return X509V_OK;
}

/* ------------------------------------------------------------------ */
/* The trust store                                                     */

int x509_trust_init(struct x509_trust *t)
{
    memset(t, 0, sizeof *t);
    t->store = X509_STORE_new();
    t->roots = sk_X509_new_null();
    t->intermediates = sk_X509_new_null();
    t->crls = calloc(X509V_MAX_CRLS, sizeof *t->crls);
    if (t->store == NULL || t->roots == NULL || t->intermediates == NULL || t->crls == NULL) {
        x509_trust_release(t);
        return X509V_EINTERNAL;
    }
    return X509V_OK;
}

static void crl_slot_release(struct x509_crl_slot *s)
{
    X509_CRL_free(s->crl);
    free(s->tbs);
    memset(s, 0, sizeof *s);
}

void x509_trust_release(struct x509_trust *t)
{
    if (t == NULL)
        return;
    X509_STORE_free(t->store);
    sk_X509_pop_free(t->roots, X509_free);
    sk_X509_pop_free(t->intermediates, X509_free);
    if (t->crls != NULL) {
        for (size_t i = 0; i < t->ncrls; i++)
            crl_slot_release(&t->crls[i]);
        free(t->crls);
    }
    memset(t, 0, sizeof *t);
}

size_t x509_trust_nroots(const struct x509_trust *t)
{
    return t->roots != NULL ? (size_t)sk_X509_num(t->roots) : 0;
}

size_t x509_trust_ncrls(const struct x509_trust *t)
{
    return t->ncrls;
}

/* Reads the header of the DER element at p (n bytes left): its total
 * length in *tl, header length in *hl, tag in *tag. 0 or -1. */
static int der_elem(const unsigned char *p, size_t n, size_t *tl, size_t *hl, int *tag)
{
    const unsigned char *q = p;
    long len = 0;
    int xclass = 0;
    if (n == 0 || n > INT32_MAX)
        return -1;
    int r = ASN1_get_object(&q, &len, tag, &xclass, (long)n);
    if ((r & 0x80) || r == 0x21 /* indefinite */ || len < 0)
        return -1;
    *hl = (size_t)(q - p);
    if ((size_t)len > n - *hl)
        return -1;
    *tl = *hl + (size_t)len;
    return 0;
}

/* Fills slot from the DER of a CRL: the parsed CRL, the tbsCertList bytes
 * and whether its inner signature algorithm equals the outer one. */
static int crl_slot_fill(struct x509_crl_slot *s, const unsigned char *der, size_t n, char *err,
                         size_t errlen)
{
    const unsigned char *p = der;
    size_t tl, hl, tbl, tbh, el, eh;
    int tag;
    memset(s, 0, sizeof *s);
    s->crl = d2i_X509_CRL(NULL, &p, (long)n);
    if (s->crl == NULL || p != der + n) {
        say(err, errlen, "not a DER CRL");
        goto bad;
    }
    if (der_elem(der, n, &tl, &hl, &tag) != 0 || tag != V_ASN1_SEQUENCE ||
        der_elem(der + hl, n - hl, &tbl, &tbh, &tag) != 0 || tag != V_ASN1_SEQUENCE) {
        say(err, errlen, "CRL structure");
        goto bad;
    }
    s->tbs = malloc(tbl);
    if (s->tbs == NULL) {
        say(err, errlen, "out of memory");
        crl_slot_release(s);
        return X509V_EINTERNAL;
    }
    memcpy(s->tbs, der + hl, tbl);
    s->tbs_len = tbl;
    /* inside tbsCertList: [version INTEGER] signature AlgorithmIdentifier */
    const unsigned char *q = s->tbs + tbh;
    size_t left = tbl - tbh;
    if (der_elem(q, left, &el, &eh, &tag) != 0)
        goto bad_struct;
    if (tag == V_ASN1_INTEGER) {
        q += el;
        left -= el;
        if (der_elem(q, left, &el, &eh, &tag) != 0)
            goto bad_struct;
    }
    const unsigned char *aq = q;
    X509_ALGOR *inner = d2i_X509_ALGOR(NULL, &aq, (long)el);
    const X509_ALGOR *outer = NULL;
    X509_CRL_get0_signature(s->crl, NULL, &outer);
    s->algs_match = inner != NULL && outer != NULL && X509_ALGOR_cmp(inner, outer) == 0;
    X509_ALGOR_free(inner);
    if (X509_CRL_get_ext_by_NID(s->crl, NID_delta_crl, -1) >= 0) {
        say(err, errlen, "delta CRLs are not supported");
        goto bad;
    }
    /* sorted now, so lookups on the shared CRL never sort it (OpenSSL would,
     * lazily, on first use) */
    STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED(s->crl);
    if (revoked != NULL)
        sk_X509_REVOKED_sort(revoked);
    if (x509_time_ms(X509_CRL_get0_lastUpdate(s->crl), &s->this_update_ms) != 0 ||
        X509_CRL_get0_nextUpdate(s->crl) == NULL ||
        x509_time_ms(X509_CRL_get0_nextUpdate(s->crl), &s->next_update_ms) != 0) {
        say(err, errlen, "CRL without a readable thisUpdate and nextUpdate");
        goto bad;
    }
    return X509V_OK;
bad_struct:
    say(err, errlen, "CRL structure");
bad:
    ERR_clear_error();
    crl_slot_release(s);
    return X509V_EMALFORMED;
}

/* What one x509_trust_add call gathers before it commits. */
struct pending {
    STACK_OF(X509) * certs;
    struct x509_crl_slot crls[16];
    size_t ncrls;
    size_t crl_room; /* slots the store has left */
    char *err;
    size_t errlen;
};

static int pending_cert(struct pending *pd, const unsigned char *der, size_t n)
{
    X509 *x = der_cert(der, n);
    if (x == NULL) {
        say(pd->err, pd->errlen, "not a DER certificate");
        return X509V_EMALFORMED;
    }
    if (sk_X509_num(pd->certs) >= X509V_MAX_CAS || !sk_X509_push(pd->certs, x)) {
        X509_free(x);
        say(pd->err, pd->errlen, "more than %d CA certificates", X509V_MAX_CAS);
        return X509V_EINTERNAL;
    }
    return 0;
}

static int pending_crl(struct pending *pd, const unsigned char *der, size_t n)
{
    if (pd->ncrls == sizeof pd->crls / sizeof pd->crls[0] || pd->ncrls >= pd->crl_room) {
        say(pd->err, pd->errlen, "too many CRLs (at most %d in a store, 16 in a file)",
            X509V_MAX_CRLS);
        return X509V_EINTERNAL;
    }
    int rc = crl_slot_fill(&pd->crls[pd->ncrls], der, n, pd->err, pd->errlen);
    if (rc == X509V_OK)
        pd->ncrls++;
    return rc;
}

static int pending_block(void *ctx, const char *name, const unsigned char *der, size_t len)
{
    struct pending *pd = ctx;
    if (strcmp(name, PEM_STRING_X509) == 0)
        return pending_cert(pd, der, len);
    if (strcmp(name, PEM_STRING_X509_CRL) == 0)
        return pending_crl(pd, der, len);
    say(pd->err, pd->errlen, "unexpected PEM block \"%s\"", name);
    return X509V_EMALFORMED;
}

static bool have_cert(STACK_OF(X509) * sk, X509 *x)
{
    for (int i = 0; i < sk_X509_num(sk); i++)
        if (X509_cmp(sk_X509_value(sk, i), x) == 0)
            return true;
    return false;
}

/* Checks a CA certificate before it enters the store; *root gets whether it
 * is a (self-signed) trust anchor. */
static int check_ca_cert(X509 *x, bool *root, char *err, size_t errlen)
{
    char subj[X509V_MAX_TEXT];
    name_text(X509_get_subject_name(x), subj, sizeof subj);
    X509_check_purpose(x, -1, 0); /* computes the extension flags now */
    uint32_t flags = X509_get_extension_flags(x);
    if (flags & EXFLAG_INVALID) {
        say(err, errlen, "%s: invalid extensions", subj);
        return X509V_EMALFORMED;
    }
    if (!(flags & EXFLAG_BCONS) || !(flags & EXFLAG_CA)) {
        say(err, errlen, "%s: not a CA certificate (basicConstraints CA:TRUE missing)", subj);
        return X509V_EINVALID_CA;
    }
    *root = (flags & EXFLAG_SS) != 0;
    if (*root && X509_verify(x, X509_get0_pubkey(x)) != 1) {
        ERR_clear_error();
        say(err, errlen, "%s: self-signed, but its signature does not verify", subj);
        return X509V_EINVALID_CA;
    }
    return X509V_OK;
}

int x509_trust_add(struct x509_trust *t, const void *data, size_t n, char *err, size_t errlen)
{
    struct pending pd;
    int rc;
    memset(&pd, 0, sizeof pd);
    pd.err = err;
    pd.errlen = errlen;
    pd.crl_room = X509V_MAX_CRLS - t->ncrls;
    if (data == NULL || n == 0 || n > X509V_MAX_FILE) {
        say(err, errlen, "empty or larger than %d bytes", X509V_MAX_FILE);
        return X509V_EMALFORMED;
    }
    pd.certs = sk_X509_new_null();
    if (pd.certs == NULL)
        return X509V_EINTERNAL;
    say(err, errlen, "malformed");
    if (is_pem(data, n)) {
        rc = pem_each(data, n, pending_block, &pd);
    } else {
        /* one DER certificate or CRL */
        const unsigned char *p = data;
        X509 *probe = d2i_X509(NULL, &p, (long)n);
        ERR_clear_error();
        if (probe != NULL) {
            X509_free(probe);
            rc = pending_cert(&pd, data, n);
        } else {
            rc = pending_crl(&pd, data, n);
        }
    }
    if (rc == 0 && sk_X509_num(pd.certs) == 0 && pd.ncrls == 0) {
        say(err, errlen, "no certificate or CRL");
        rc = X509V_EMALFORMED;
    }
    /* check every certificate before anything is added */
    int nroots = 0, ninter = 0;
    bool is_root[X509V_MAX_CAS];
    for (int i = 0; rc == 0 && i < sk_X509_num(pd.certs); i++) {
        X509 *x = sk_X509_value(pd.certs, i);
        rc = check_ca_cert(x, &is_root[i], err, errlen);
        if (rc != 0)
            break;
        if (have_cert(t->roots, x) || have_cert(t->intermediates, x))
            continue;
        nroots += is_root[i];
        ninter += !is_root[i];
    }
    if (rc == 0 && (size_t)(sk_X509_num(t->roots) + sk_X509_num(t->intermediates) + nroots +
                            ninter) > X509V_MAX_CAS) {
        say(err, errlen, "more than %d CA certificates", X509V_MAX_CAS);
        rc = X509V_EINTERNAL;
    }
    if (rc != 0)
        goto out;
    /* commit */
    for (int i = 0; i < sk_X509_num(pd.certs); i++) {
        X509 *x = sk_X509_value(pd.certs, i);
        if (have_cert(t->roots, x) || have_cert(t->intermediates, x))
            continue;
        STACK_OF(X509) *dst = is_root[i] ? t->roots : t->intermediates;
        if (is_root[i] && X509_STORE_add_cert(t->store, x) != 1) {
            say(err, errlen, "X509_STORE_add_cert failed");
            rc = X509V_EINTERNAL;
            goto out;
        }
        if (!X509_up_ref(x) || !sk_X509_push(dst, x)) {
            say(err, errlen, "out of memory");
            rc = X509V_EINTERNAL;
            goto out;
        }
    }
    for (size_t i = 0; i < pd.ncrls; i++) {
        bool dup = false;
        for (size_t j = 0; j < t->ncrls && !dup; j++)
            dup = X509_CRL_match(t->crls[j].crl, pd.crls[i].crl) == 0;
        if (dup) {
            crl_slot_release(&pd.crls[i]);
            continue;
        }
        t->crls[t->ncrls++] = pd.crls[i];
        memset(&pd.crls[i], 0, sizeof pd.crls[i]);
    }
    pd.ncrls = 0;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
out:
    ERR_clear_error();
    sk_X509_pop_free(pd.certs, X509_free);
    for (size_t i = 0; i < pd.ncrls; i++)
        crl_slot_release(&pd.crls[i]);
    return rc;
}

/* Reads a whole file of at most max bytes into a heap buffer. */
static int read_file(const char *path, size_t max, unsigned char **out, size_t *len, char *err,
                     size_t errlen)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    *out = NULL;
    *len = 0;
    if (f == NULL) {
        say(err, errlen, "%s: %s", path, strerror(errno));
        return X509V_EINTERNAL;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
        say(err, errlen, "%s: not a regular file of at most %zu bytes", path, max);
        fclose(f);
        return X509V_EMALFORMED;
    }
    unsigned char *b = malloc((size_t)st.st_size + 1);
    if (b == NULL) {
        fclose(f);
        say(err, errlen, "out of memory");
        return X509V_EINTERNAL;
    }
    size_t n = fread(b, 1, (size_t)st.st_size + 1, f);
    fclose(f);
    if (n > max) {
        free(b);
        say(err, errlen, "%s: larger than %zu bytes", path, max);
        return X509V_EMALFORMED;
    }
    *out = b;
    *len = n;
    return X509V_OK;
}

int x509_trust_load_file(struct x509_trust *t, const char *path, char *err, size_t errlen)
{
    unsigned char *b = NULL;
    size_t n = 0;
    char why[256] = "";
    int rc = read_file(path, X509V_MAX_FILE, &b, &n, err, errlen);
    if (rc != X509V_OK)
        return rc;
    rc = x509_trust_add(t, b, n, why, sizeof why);
    free(b);
    if (rc != X509V_OK)
        say(err, errlen, "%s: %s", path, why);
    return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static bool trust_file_name(const char *name)
{
    if (name[0] == '.' || ends_with(name, ".key.pem") || ends_with(name, ".key"))
        return false;
    return ends_with(name, ".pem") || ends_with(name, ".crt") || ends_with(name, ".cer") ||
           ends_with(name, ".der") || ends_with(name, ".crl");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int x509_trust_load_dir(struct x509_trust *t, const char *dir, char *err, size_t errlen)
{
    enum { MAX_FILES = 1024 };
    char *names[MAX_FILES];
    size_t nn = 0;
    int rc = X509V_OK;
    DIR *d = opendir(dir);
    if (d == NULL) {
        say(err, errlen, "%s: %s", dir, strerror(errno));
        return X509V_EINTERNAL;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!trust_file_name(e->d_name))
            continue;
        if (nn == MAX_FILES) {
            say(err, errlen, "%s: more than %d files", dir, MAX_FILES);
            rc = X509V_EINTERNAL;
            break;
        }
        names[nn] = strdup(e->d_name);
        if (names[nn] == NULL) {
            rc = X509V_EINTERNAL;
            break;
        }
        nn++;
    }
    closedir(d);
    qsort(names, nn, sizeof names[0], cmp_str);
    for (size_t i = 0; i < nn && rc == X509V_OK; i++) {
        char path[4096];
        int w = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (w < 0 || (size_t)w >= sizeof path) {
            say(err, errlen, "%s/%s: path too long", dir, names[i]);
            rc = X509V_EINTERNAL;
            break;
        }
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        rc = x509_trust_load_file(t, path, err, errlen);
    }
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    return rc;
}

int x509_trust_load(struct x509_trust *t, const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        say(err, errlen, "%s: %s", path, strerror(errno));
        return X509V_EINTERNAL;
    }
    if (S_ISDIR(st.st_mode))
        return x509_trust_load_dir(t, path, err, errlen);
    return x509_trust_load_file(t, path, err, errlen);
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */

static int result(struct x509_result *r, int rc, int depth, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int result(struct x509_result *r, int rc, int depth, const char *fmt, ...)
{
    va_list ap;
    r->rc = rc;
    r->depth = depth;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
    return rc;
}

/* Our code for an X509_verify_cert error. */
static int map_verify_error(int e)
{
    switch (e) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return X509V_EEXPIRED;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return X509V_ENOT_YET_VALID;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
    case X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH:
    case X509_V_ERR_CA_MD_TOO_WEAK:
    case X509_V_ERR_CA_KEY_TOO_SMALL:
    case X509_V_ERR_EE_KEY_TOO_SMALL:
        return X509V_EBAD_SIGNATURE;
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
    case X509_V_ERR_INVALID_NON_CA:
    case X509_V_ERR_PATH_LOOP:
    case X509_V_ERR_INVALID_PURPOSE:
        return X509V_EINVALID_CA;
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
    case X509_V_ERR_INVALID_EXTENSION:
    case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
    case X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM:
        return X509V_EMALFORMED;
    case X509_V_ERR_OUT_OF_MEM:
        return X509V_EINTERNAL;
    default:
        /* no issuer, self-signed not trusted, chain too long, rejected ... */
        return X509V_EUNTRUSTED_ISSUER;
    }
}

/* Verifies a CRL's signature with the issuer's key: SM2 with SM3 and the
 * default id over the received tbsCertList, anything else through
 * X509_CRL_verify. 1 when valid. */
static int crl_sig_ok(const struct x509_crl_slot *s, EVP_PKEY *key)
{
    int ok = 0;
    if (!s->algs_match || key == NULL)
        return 0;
    if (X509_CRL_get_signature_nid(s->crl) != NID_SM2_with_SM3) {
        ok = X509_CRL_verify(s->crl, key) == 1;
        ERR_clear_error();
        return ok;
    }
    if (!EVP_PKEY_is_a(key, "SM2"))
        return 0;
    const ASN1_BIT_STRING *sig = NULL;
    X509_CRL_get0_signature(s->crl, &sig, NULL);
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(key, NULL);
    if (sig == NULL || mctx == NULL || pctx == NULL ||
        EVP_PKEY_CTX_set1_id(pctx, X509V_SM2_ID, X509V_SM2_ID_LEN) <= 0)
        goto out;
    EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
    if (EVP_DigestVerifyInit(mctx, NULL, EVP_sm3(), NULL, key) == 1 &&
        EVP_DigestVerify(mctx, sig->data, (size_t)sig->length, s->tbs, s->tbs_len) == 1)
        ok = 1;
out:
    ERR_clear_error();
    EVP_MD_CTX_free(mctx);
    EVP_PKEY_CTX_free(pctx);
    return ok;
}

/* The revocation facts about one certificate of a chain. */
struct rev_state {
    bool have_crl;      /* a CRL from the issuer verified */
    bool bad_crl;       /* CRLs naming the issuer exist, none verified */
    bool crl_expired;   /* the chosen CRL is past nextUpdate */
    bool revoked;       /* listed, and the rule says revoked at `at` */
    int64_t revoked_ms; /* its revocationDate */
    int reason;         /* CRLReason, -1 none */
    int64_t next_ms;    /* the chosen CRL's nextUpdate */
};

static const char *reason_name(int r)
{
    static const char *const names[] = {
        "unspecified",   "keyCompromise",        "cACompromise",    "affiliationChanged",
        "superseded",    "cessationOfOperation", "certificateHold", "(7)",
        "removeFromCRL", "privilegeWithdrawn",   "aACompromise"};
    if (r < 0 || r > 10)
        return "none";
    return names[r];
}

static void rev_check(const struct x509_trust *t, X509 *cert, X509 *issuer, int64_t at_ms,
                      struct rev_state *st)
{
    const struct x509_crl_slot *best = NULL;
    bool named = false;
    memset(st, 0, sizeof *st);
    st->reason = -1;
    uint32_t iku = X509_get_key_usage(issuer);
    bool may_sign_crl = iku == UINT32_MAX || (iku & KU_CRL_SIGN);
    for (size_t i = 0; i < t->ncrls; i++) {
        const struct x509_crl_slot *s = &t->crls[i];
        if (X509_NAME_cmp(X509_CRL_get_issuer(s->crl), X509_get_subject_name(issuer)) != 0)
            continue;
        named = true;
        if (!may_sign_crl || !crl_sig_ok(s, X509_get0_pubkey(issuer)))
            continue;
        if (best == NULL || s->this_update_ms > best->this_update_ms)
            best = s;
    }
    if (best == NULL) {
        st->bad_crl = named;
        return;
    }
    st->have_crl = true;
    st->next_ms = best->next_update_ms;
    st->crl_expired = best->next_update_ms < at_ms;
    X509_REVOKED *rev = NULL;
    if (X509_CRL_get0_by_serial(best->crl, &rev, X509_get0_serialNumber(cert)) != 1 || rev == NULL)
        return;
    int64_t when = 0;
    if (x509_time_ms(X509_REVOKED_get0_revocationDate(rev), &when) != 0)
        when = INT64_MIN; /* unreadable date: treat as revoked since always */
    ASN1_ENUMERATED *re = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL, NULL);
    if (re != NULL) {
        st->reason = (int)ASN1_ENUMERATED_get(re);
        ASN1_ENUMERATED_free(re);
    }
    ERR_clear_error();
    st->revoked_ms = when;
    /* A compromised key taints what it signed before the revocation, too. */
    bool compromise = st->reason == 1 || st->reason == 2 || st->reason == 10;
    st->revoked = compromise || when <= at_ms;
}

static void fmt_time(int64_t ms, char out[32])
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&s, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "%lld ms", (long long)ms);
}

static int usage_check(X509 *leaf, enum x509_usage use, struct x509_result *r)
{
    if (use == X509V_USE_ANY)
        return X509V_OK;
    uint32_t flags = X509_get_extension_flags(leaf);
    if (flags & EXFLAG_CA)
        return result(r, X509V_EWRONG_USAGE, 0,
                      "a CA certificate cannot be an organisation's certificate");
    uint32_t ku = X509_get_key_usage(leaf);
    if (ku == UINT32_MAX)
        return result(r, X509V_EWRONG_USAGE, 0, "the certificate has no keyUsage extension");
    if (use == X509V_USE_SIGN && !(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
        return result(r, X509V_EWRONG_USAGE, 0,
                      "not a signing certificate: keyUsage lacks digitalSignature and "
                      "nonRepudiation");
    if (use == X509V_USE_ENCRYPT && !(ku & (KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT)))
        return result(r, X509V_EWRONG_USAGE, 0,
                      "not an encryption certificate: keyUsage lacks keyEncipherment and "
                      "keyAgreement");
    return X509V_OK;
}

/* The revocation pass over a verified chain (leaf first, root last). */
static int revocation(const struct x509_trust *t, STACK_OF(X509) * chain, int64_t at_ms,
                      struct x509_result *r)
{
    struct rev_state st[X509V_MAX_CHAIN + 2];
    int n = sk_X509_num(chain);
    char when[32], subj[X509V_MAX_TEXT];
    if (n - 1 > X509V_MAX_CHAIN + 2)
        return result(r, X509V_EUNTRUSTED_ISSUER, -1, "chain too long");
    bool all = true;
    for (int d = 0; d + 1 < n; d++) {
        rev_check(t, sk_X509_value(chain, d), sk_X509_value(chain, d + 1), at_ms, &st[d]);
        all = all && st[d].have_crl;
    }
    r->revocation_checked = all;
    for (int d = 0; d + 1 < n; d++) {
        if (st[d].have_crl && st[d].next_ms < r->valid_until_ms)
            r->valid_until_ms = st[d].next_ms;
        if (!st[d].revoked && st[d].revoked_ms != 0 && st[d].revoked_ms < r->valid_until_ms)
            r->valid_until_ms = st[d].revoked_ms; /* listed, revoked from a later date */
        if (!st[d].revoked)
            continue;
        name_text(X509_get_subject_name(sk_X509_value(chain, d)), subj, sizeof subj);
        fmt_time(st[d].revoked_ms, when);
        return result(r, X509V_EREVOKED, d, "%s%s was revoked at %s (reason %s)",
                      d == 0 ? "" : "the issuing CA ", subj, when, reason_name(st[d].reason));
    }
    for (int d = 0; d + 1 < n; d++) {
        name_text(X509_get_subject_name(sk_X509_value(chain, d + 1)), subj, sizeof subj);
        if (st[d].have_crl && st[d].crl_expired) {
            fmt_time(st[d].next_ms, when);
            return result(r, X509V_ECRL_EXPIRED, d,
                          "the CRL of %s expired at %s (nextUpdate); revocation is unknown", subj,
                          when);
        }
        if (st[d].bad_crl)
            return result(r, X509V_ECRL_INVALID, d, "no CRL of %s has a valid signature by it",
                          subj);
        if (!st[d].have_crl && t->crl_policy == X509V_CRL_REQUIRED)
            return result(r, X509V_ECRL_MISSING, d, "no CRL of %s is loaded", subj);
    }
    return X509V_OK;
}

int x509_check(const struct x509_trust *t, X509 *leaf, STACK_OF(X509) * extra, enum x509_usage use,
               int64_t at_ms, struct x509_result *r)
{
    X509_STORE_CTX *ctx = NULL;
    STACK_OF(X509) *untrusted = NULL, *chain = NULL;
    int rc;

    memset(r, 0, sizeof *r);
    r->depth = -1;
    if (leaf == NULL)
        return result(r, X509V_EMALFORMED, 0, "no certificate");
    if (t == NULL || t->store == NULL)
        return result(r, X509V_EINTERNAL, -1, "no trust store");
    x509_set_sm2_id(leaf);
    name_text(X509_get_subject_name(leaf), r->subject, sizeof r->subject);
    if (x509_fingerprint_hex(leaf, r->fingerprint) != 0)
        return result(r, X509V_EMALFORMED, 0, "the certificate cannot be encoded");
    if (X509_get_extension_flags(leaf) & EXFLAG_INVALID)
        return result(r, X509V_EMALFORMED, 0, "the certificate has invalid extensions");
    r->key = x509_key_type(leaf);
    if (r->key == X509V_KEY_OTHER)
        return result(r, X509V_EUNSUPPORTED_KEY, 0,
                      "the certificate's key is neither SM2 nor P-256");
    if (extra != NULL && sk_X509_num(extra) > X509V_MAX_CHAIN)
        return result(r, X509V_EMALFORMED, -1, "more than %d intermediates supplied",
                      X509V_MAX_CHAIN);

    untrusted = sk_X509_new_null();
    ctx = X509_STORE_CTX_new();
    if (untrusted == NULL || ctx == NULL) {
        rc = result(r, X509V_EINTERNAL, -1, "out of memory");
        goto out;
    }
    for (int i = 0; extra != NULL && i < sk_X509_num(extra); i++) {
        x509_set_sm2_id(sk_X509_value(extra, i));
        if (!sk_X509_push(untrusted, sk_X509_value(extra, i))) {
            rc = result(r, X509V_EINTERNAL, -1, "out of memory");
            goto out;
        }
    }
    for (int i = 0; i < sk_X509_num(t->intermediates); i++) {
        if (!sk_X509_push(untrusted, sk_X509_value(t->intermediates, i))) {
            rc = result(r, X509V_EINTERNAL, -1, "out of memory");
            goto out;
        }
    }
    if (X509_STORE_CTX_init(ctx, t->store, leaf, untrusted) != 1) {
        rc = result(r, X509V_EINTERNAL, -1, "X509_STORE_CTX_init failed");
        goto out;
    }
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_time(param, (time_t)(at_ms / 1000));
    X509_VERIFY_PARAM_set_depth(param, X509V_MAX_CHAIN + 1);
    int ok = X509_verify_cert(ctx);
    if (ok != 1) {
        int e = X509_STORE_CTX_get_error(ctx);
        int depth = X509_STORE_CTX_get_error_depth(ctx);
        X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
        char subj[X509V_MAX_TEXT] = "";
        if (bad != NULL)
            name_text(X509_get_subject_name(bad), subj, sizeof subj);
        rc = result(r, map_verify_error(e), depth, "%s (certificate %s, depth %d)",
                    X509_verify_cert_error_string(e), subj[0] ? subj : "?", depth);
        ERR_clear_error();
        goto out;
    }
    chain = X509_STORE_CTX_get1_chain(ctx);
    if (chain == NULL || sk_X509_num(chain) < 1) {
        rc = result(r, X509V_EINTERNAL, -1, "no chain");
        goto out;
    }
    r->chain_len = sk_X509_num(chain);
    r->valid_until_ms = INT64_MAX;
    for (int i = 0; i < r->chain_len; i++) {
        int64_t na = 0;
        if (x509_time_ms(X509_get0_notAfter(sk_X509_value(chain, i)), &na) != 0)
            na = at_ms; /* unreadable: no window beyond this check */
        if (na < r->valid_until_ms)
            r->valid_until_ms = na;
    }
    name_text(X509_get_subject_name(sk_X509_value(chain, r->chain_len - 1)), r->root,
              sizeof r->root);
    rc = revocation(t, chain, at_ms, r);
    if (rc != X509V_OK)
        goto out;
    rc = usage_check(leaf, use, r);
    if (rc != X509V_OK)
        goto out;
    rc = result(r, X509V_OK, -1, "valid (chain of %d to %s%s)", r->chain_len, r->root,
                r->revocation_checked ? ", revocation checked" : ", no CRL for some issuer");
out:
    ERR_clear_error();
    sk_X509_pop_free(chain, X509_free);
    sk_X509_free(untrusted); /* borrowed certificates */
    X509_STORE_CTX_free(ctx);
    return rc;
}

int x509_check_bytes(const struct x509_trust *t, const void *data, size_t n, enum x509_usage use,
                     int64_t at_ms, struct x509_result *r)
{
    X509 *leaf = NULL;
    STACK_OF(X509) *chain = NULL;
    int rc = x509_parse_chain(data, n, &leaf, &chain);
    if (rc != X509V_OK) {
        memset(r, 0, sizeof *r);
        r->depth = -1;
        return result(r, rc, 0, "not a certificate (PEM or DER, at most %d bytes)", X509V_MAX_CERT);
    }
    rc = x509_check(t, leaf, chain, use, at_ms, r);
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    return rc;
}

int x509_check_pair(const struct x509_trust *t, X509 *sign, X509 *enc, int64_t at_ms,
                    struct x509_result *r)
{
    struct x509_result re;
    int rc = x509_check(t, sign, NULL, X509V_USE_SIGN, at_ms, r);
    if (rc != X509V_OK)
        return rc;
    rc = x509_check(t, enc, NULL, X509V_USE_ENCRYPT, at_ms, &re);
    if (rc != X509V_OK) {
        *r = re;
        return rc;
    }
    if (X509_NAME_cmp(X509_get_subject_name(sign), X509_get_subject_name(enc)) != 0)
        return result(r, X509V_EPAIR_MISMATCH, 0,
                      "the signing and encryption certificates name different subjects");
    if (X509_NAME_cmp(X509_get_issuer_name(sign), X509_get_issuer_name(enc)) != 0)
        return result(r, X509V_EPAIR_MISMATCH, 0,
                      "the signing and encryption certificates have different issuers");
    if (X509_cmp(sign, enc) == 0)
        return result(r, X509V_EPAIR_MISMATCH, 0, "the same certificate twice");
    return X509V_OK;
}
