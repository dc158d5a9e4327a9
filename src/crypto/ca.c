/*
 * crypto/ca.c — the test and demo certification authority of ca.h:
 * certificates and CRLs built with OpenSSL's C API, and the CA directory
 * with its index (format in ca.h).
 *
 * Owns nothing global. The directory functions are for one process at a
 * time (the CLI); ca_dir_open takes an exclusive flock on DIR/.lock so two
 * `sunbid ca` runs never interleave their index rewrites. Files with
 * private keys are created with O_EXCL and mode 0600 (fchmod, so the umask
 * does not matter); the index and crlnumber are replaced atomically
 * (temporary file, fsync, rename, fsync of the directory).
 */
#include "crypto/ca.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "crypto/random.h"
#include "domain/uscc.h"

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

/* ------------------------------------------------------------------ */
/* Names                                                               */

int ca_alg_parse(const char *s, enum ca_alg *out)
{
    if (strcmp(s, "sm2") == 0)
        *out = CA_ALG_SM2;
    else if (strcmp(s, "p256") == 0)
        *out = CA_ALG_P256;
    else
        return -1;
    return 0;
}

const char *ca_alg_name(enum ca_alg a)
{
    return a == CA_ALG_SM2 ? "sm2" : "p256";
}

static const char *const usage_names[] = {"ca", "sign", "encrypt", "both", "tsa"};

int ca_usage_parse(const char *s, enum ca_usage *out)
{
    for (size_t i = 0; i < sizeof usage_names / sizeof usage_names[0]; i++) {
        if (strcmp(s, usage_names[i]) == 0) {
            *out = (enum ca_usage)i;
            return 0;
        }
    }
    return -1;
}

const char *ca_usage_name(enum ca_usage u)
{
    return (unsigned)u < sizeof usage_names / sizeof usage_names[0] ? usage_names[u] : "?";
}

static const char *const reason_names[] = {
    "unspecified",   "keyCompromise",        "cACompromise",    "affiliationChanged",
    "superseded",    "cessationOfOperation", "certificateHold", "",
    "removeFromCRL", "privilegeWithdrawn",   "aACompromise"};

int ca_reason_parse(const char *s)
{
    for (int i = 0; i < (int)(sizeof reason_names / sizeof reason_names[0]); i++)
        if (reason_names[i][0] != '\0' && strcmp(s, reason_names[i]) == 0)
            return i;
    return -1;
}

static const char *reason_name(int r)
{
    if (r < 0 || r >= (int)(sizeof reason_names / sizeof reason_names[0]) ||
        reason_names[r][0] == '\0')
        return "-";
    return reason_names[r];
}

/* ------------------------------------------------------------------ */
/* Keys, certificates, CRLs                                            */

EVP_PKEY *ca_keygen(enum ca_alg alg)
{
    EVP_PKEY *k = alg == CA_ALG_SM2 ? EVP_PKEY_Q_keygen(NULL, NULL, "SM2")
                                    : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ERR_clear_error();
    return k;
}

/* A digest-sign context for key: SM2 with SM3 and the default id, or
 * SHA-256. *pctx_out gets the SM2 key context to free after use. */
static EVP_MD_CTX *sign_ctx(EVP_PKEY *key, EVP_PKEY_CTX **pctx_out)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    *pctx_out = NULL;
    if (m == NULL)
        return NULL;
    if (EVP_PKEY_is_a(key, "SM2")) {
        pc = EVP_PKEY_CTX_new(key, NULL);
        if (pc == NULL || EVP_PKEY_CTX_set1_id(pc, X509V_SM2_ID, X509V_SM2_ID_LEN) <= 0)
            goto bad;
        EVP_MD_CTX_set_pkey_ctx(m, pc);
        if (EVP_DigestSignInit(m, NULL, EVP_sm3(), NULL, key) != 1)
            goto bad;
    } else if (EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, key) != 1) {
        goto bad;
    }
    *pctx_out = pc;
    return m;
bad:
    EVP_MD_CTX_free(m);
    EVP_PKEY_CTX_free(pc);
    return NULL;
}

int ca_sign_cert(X509 *x, EVP_PKEY *key)
{
    EVP_PKEY_CTX *pc = NULL;
    EVP_MD_CTX *m = sign_ctx(key, &pc);
    int ok = m != NULL && X509_sign_ctx(x, m) > 0;
    EVP_MD_CTX_free(m);
    EVP_PKEY_CTX_free(pc);
    ERR_clear_error();
    return ok ? 0 : -1;
}

int ca_sign_crl(X509_CRL *crl, EVP_PKEY *key)
{
    EVP_PKEY_CTX *pc = NULL;
    EVP_MD_CTX *m = sign_ctx(key, &pc);
    int ok = m != NULL && X509_CRL_sign_ctx(crl, m) > 0;
    EVP_MD_CTX_free(m);
    EVP_PKEY_CTX_free(pc);
    ERR_clear_error();
    return ok ? 0 : -1;
}

static int set_time(ASN1_TIME *t, int64_t ms)
{
    return ASN1_TIME_set(t, (time_t)(ms / 1000)) != NULL ? 0 : -1;
}

static int add_ext(X509 *x, X509V3_CTX *c, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, c, nid, value);
    if (e == NULL)
        return -1;
    int ok = X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok ? 0 : -1;
}

static int random_serial(ASN1_INTEGER *serial)
{
    unsigned char b[CA_SERIAL_BYTES];
    crypto_random(b, sizeof b);
    b[0] = (unsigned char)((b[0] & 0x7F) | 0x40);
    BIGNUM *bn = BN_bin2bn(b, sizeof b, NULL);
    int ok = bn != NULL && BN_to_ASN1_INTEGER(bn, serial) != NULL;
    BN_free(bn);
    return ok ? 0 : -1;
}

/* 1..maxchars characters of UTF-8, no control characters. */
static bool text_ok(const char *s, size_t maxchars)
{
    size_t n = s != NULL ? strlen(s) : 0, chars = 0;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; chars++) {
        const unsigned char *u = (const unsigned char *)s + i;
        size_t l = utf8_seq(u, n - i);
        if (l == 0 || u[0] < 0x20 || u[0] == 0x7F || chars == maxchars)
            return false;
        i += l;
    }
    return true;
}

X509 *ca_issue(const struct ca_cert_spec *spec, EVP_PKEY *subject_key, X509 *issuer,
               EVP_PKEY *issuer_key, char *err, size_t errlen)
{
    static const char *const ku[] = {
        [CA_USAGE_CA] = "critical,keyCertSign,cRLSign",
        [CA_USAGE_SIGN] = "critical,digitalSignature,nonRepudiation",
        [CA_USAGE_ENCRYPT] = "critical,keyEncipherment,dataEncipherment,keyAgreement",
        [CA_USAGE_BOTH] = "critical,digitalSignature,nonRepudiation,keyEncipherment,keyAgreement",
        [CA_USAGE_TSA] = "critical,digitalSignature,nonRepudiation",
    };
    char bc[64];
    X509 *x = NULL;
    X509V3_CTX c;

    if (spec == NULL || subject_key == NULL || issuer_key == NULL ||
        (unsigned)spec->usage > CA_USAGE_TSA) {
        say(err, errlen, "missing argument");
        return NULL;
    }
    if (!text_ok(spec->cn, 64) || (spec->org != NULL && !text_ok(spec->org, 64))) {
        say(err, errlen, "CN and O must be 1-64 characters of UTF-8 without control characters");
        return NULL;
    }
    if (spec->uscc != NULL && !uscc_valid(spec->uscc, NULL)) {
        say(err, errlen, "'%s' is not a valid unified social credit code", spec->uscc);
        return NULL;
    }
    if (spec->not_after_ms <= spec->not_before_ms) {
        say(err, errlen, "notAfter must be after notBefore");
        return NULL;
    }
    x = X509_new();
    if (x == NULL)
        goto crypto;
    X509_NAME *nm = X509_get_subject_name(x);
    char uscc[USCC_LEN + 1];
    if (X509_set_version(x, X509_VERSION_3) != 1 || random_serial(X509_get_serialNumber(x)) != 0 ||
        set_time(X509_getm_notBefore(x), spec->not_before_ms) != 0 ||
        set_time(X509_getm_notAfter(x), spec->not_after_ms) != 0 ||
        !X509_NAME_add_entry_by_NID(nm, NID_countryName, MBSTRING_ASC, (const unsigned char *)"CN",
                                    -1, -1, 0) ||
        (spec->org != NULL &&
         !X509_NAME_add_entry_by_NID(nm, NID_organizationName, MBSTRING_UTF8,
                                     (const unsigned char *)spec->org, -1, -1, 0)) ||
        !X509_NAME_add_entry_by_NID(nm, NID_commonName, MBSTRING_UTF8,
                                    (const unsigned char *)spec->cn, -1, -1, 0))
        goto crypto;
    if (spec->uscc != NULL) {
        uscc_valid(spec->uscc, uscc);
        if (!X509_NAME_add_entry_by_NID(nm, NID_serialNumber, MBSTRING_ASC,
                                        (const unsigned char *)uscc, -1, -1, 0))
            goto crypto;
    }
    if (X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : nm) != 1 ||
        X509_set_pubkey(x, subject_key) != 1)
        goto crypto;
    X509V3_set_ctx_nodb(&c);
    X509V3_set_ctx(&c, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    if (spec->usage == CA_USAGE_CA) {
        if (spec->path_len >= 0)
            snprintf(bc, sizeof bc, "critical,CA:TRUE,pathlen:%d", spec->path_len);
        else
            snprintf(bc, sizeof bc, "critical,CA:TRUE");
    } else {
        snprintf(bc, sizeof bc, "critical,CA:FALSE");
    }
    if (add_ext(x, &c, NID_basic_constraints, bc) != 0 ||
        add_ext(x, &c, NID_key_usage, ku[spec->usage]) != 0 ||
        (spec->usage == CA_USAGE_TSA &&
         add_ext(x, &c, NID_ext_key_usage, "critical,timeStamping") != 0) ||
        add_ext(x, &c, NID_subject_key_identifier, "hash") != 0 ||
        add_ext(x, &c, NID_authority_key_identifier, "keyid:always") != 0)
        goto crypto;
    if (ca_sign_cert(x, issuer_key) != 0)
        goto crypto;
    x509_set_sm2_id(x);
    return x;
crypto:
    say(err, errlen, "OpenSSL could not build the certificate");
    ERR_clear_error();
    X509_free(x);
    return NULL;
}

/* The canonical upper-case hex of a serial given in hex (colons allowed). */
static int serial_norm(const char *in, char out[41])
{
    char hex[81];
    size_t n = 0;
    if (strncmp(in, "0x", 2) == 0 || strncmp(in, "0X", 2) == 0)
        in += 2;
    for (; *in; in++) {
        if (*in == ':')
            continue;
        if (!((*in >= '0' && *in <= '9') || (*in >= 'a' && *in <= 'f') ||
              (*in >= 'A' && *in <= 'F')) ||
            n + 1 >= sizeof hex)
            return -1;
        hex[n++] = *in;
    }
    hex[n] = '\0';
    if (n == 0)
        return -1;
    BIGNUM *bn = NULL;
    if (BN_hex2bn(&bn, hex) == 0)
        return -1;
    char *h = BN_bn2hex(bn);
    BN_free(bn);
    if (h == NULL || strlen(h) > 40) {
        OPENSSL_free(h);
        return -1;
    }
    memcpy(out, h, strlen(h) + 1);
    OPENSSL_free(h);
    return 0;
}

X509_CRL *ca_crl(X509 *issuer, EVP_PKEY *issuer_key, const struct ca_revoked *rev, size_t nrev,
                 int64_t this_ms, int64_t next_ms, uint64_t number, char *err, size_t errlen)
{
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *t = ASN1_TIME_new();
    ASN1_INTEGER *num = ASN1_INTEGER_new();
    X509_REVOKED *r = NULL;
    ASN1_ENUMERATED *reason = NULL;
    BIGNUM *bn = NULL;
    if (crl == NULL || t == NULL || num == NULL ||
        X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
        X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) != 1 ||
        set_time(t, this_ms) != 0 || X509_CRL_set1_lastUpdate(crl, t) != 1 ||
        set_time(t, next_ms) != 0 || X509_CRL_set1_nextUpdate(crl, t) != 1)
        goto crypto;
    for (size_t i = 0; i < nrev; i++) {
        char hex[41];
        if (serial_norm(rev[i].serial_hex, hex) != 0) {
            say(err, errlen, "bad serial '%s'", rev[i].serial_hex);
            goto out;
        }
        r = X509_REVOKED_new();
        ASN1_INTEGER *sn = NULL;
        if (r == NULL || BN_hex2bn(&bn, hex) == 0 || (sn = BN_to_ASN1_INTEGER(bn, NULL)) == NULL)
            goto crypto;
        int ok = X509_REVOKED_set_serialNumber(r, sn);
        ASN1_INTEGER_free(sn);
        if (!ok || set_time(t, rev[i].revoked_ms) != 0 || !X509_REVOKED_set_revocationDate(r, t))
            goto crypto;
        if (rev[i].reason >= 0) {
            reason = ASN1_ENUMERATED_new();
            if (reason == NULL || !ASN1_ENUMERATED_set(reason, rev[i].reason) ||
                X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, reason, 0, 0) != 1)
                goto crypto;
            ASN1_ENUMERATED_free(reason);
            reason = NULL;
        }
        if (X509_CRL_add0_revoked(crl, r) != 1)
            goto crypto;
        r = NULL;
    }
    X509_CRL_sort(crl);
    X509V3_CTX c;
    X509V3_set_ctx_nodb(&c);
    X509V3_set_ctx(&c, issuer, NULL, NULL, crl, 0);
    X509_EXTENSION *akid =
        X509V3_EXT_conf_nid(NULL, &c, NID_authority_key_identifier, "keyid:always");
    int ok = akid != NULL && X509_CRL_add_ext(crl, akid, -1) == 1;
    X509_EXTENSION_free(akid);
    if (!ok || !ASN1_INTEGER_set_uint64(num, number) ||
        X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) != 1 ||
        ca_sign_crl(crl, issuer_key) != 0)
        goto crypto;
    ASN1_TIME_free(t);
    ASN1_INTEGER_free(num);
    BN_free(bn);
    return crl;
crypto:
    say(err, errlen, "OpenSSL could not build the CRL");
out:
    ERR_clear_error();
    X509_REVOKED_free(r);
    ASN1_ENUMERATED_free(reason);
    ASN1_TIME_free(t);
    ASN1_INTEGER_free(num);
    BN_free(bn);
    X509_CRL_free(crl);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* PEM                                                                 */

static int bio_take(BIO *b, int ok, char **out, size_t *len)
{
    char *p = NULL;
    long n = ok ? BIO_get_mem_data(b, &p) : -1;
    *out = NULL;
    *len = 0;
    if (n > 0 && p != NULL) {
        *out = malloc((size_t)n + 1);
        if (*out != NULL) {
            memcpy(*out, p, (size_t)n);
            (*out)[n] = '\0';
            *len = (size_t)n;
        }
    }
    /* a private key passed through the BIO: wipe its buffer */
    if (n > 0 && p != NULL)
        OPENSSL_cleanse(p, (size_t)n);
    BIO_free(b);
    ERR_clear_error();
    return *out != NULL ? 0 : -1;
}

int ca_pem_cert(X509 *x, char **out, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL)
        return -1;
    return bio_take(b, PEM_write_bio_X509(b, x) == 1, out, len);
}

int ca_pem_crl(X509_CRL *c, char **out, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL)
        return -1;
    return bio_take(b, PEM_write_bio_X509_CRL(b, c) == 1, out, len);
}

int ca_pem_key(EVP_PKEY *k, char **out, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL)
        return -1;
    return bio_take(b, PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1, out, len);
}

/* ------------------------------------------------------------------ */
/* Files                                                               */

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Creates path (which must not exist) with mode, writes data, fsyncs. */
static int write_new(const char *path, const void *data, size_t n, mode_t mode, char *err,
                     size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        int e = errno;
        say(err, errlen, "%s: %s", path, strerror(e));
        return e == EEXIST ? CA_EEXISTS : CA_EIO;
    }
    if (fchmod(fd, mode) != 0 || write_all(fd, data, n) != 0 || fsync(fd) != 0) {
        say(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return CA_EIO;
    }
    close(fd);
    return CA_OK;
}

static void fsync_dir_of(const char *path)
{
    char dir[600];
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path == 0 ? 1 : slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Replaces path with data: temporary file, fsync, rename, fsync dir. */
static int write_atomic(const char *path, const void *data, size_t n, mode_t mode, char *err,
                        size_t errlen)
{
    char tmp[700];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    unlink(tmp);
    int rc = write_new(tmp, data, n, mode, err, errlen);
    if (rc != CA_OK)
        return rc;
    if (rename(tmp, path) != 0) {
        say(err, errlen, "rename %s: %s", path, strerror(errno));
        unlink(tmp);
        return CA_EIO;
    }
    fsync_dir_of(path);
    return CA_OK;
}

static int read_small(const char *path, size_t max, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    *out = NULL;
    *len = 0;
    if (f == NULL)
        return errno == ENOENT ? CA_ENOTFOUND : CA_EIO;
    char *b = malloc(max + 1);
    if (b == NULL) {
        fclose(f);
        return CA_EIO;
    }
    size_t n = fread(b, 1, max + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > max) {
        free(b);
        return CA_EIO;
    }
    b[n] = '\0';
    *out = b;
    *len = n;
    return CA_OK;
}

static int dir_file(const char *dir, const char *name, char *out, size_t cap)
{
    int w = snprintf(out, cap, "%s/%s", dir, name);
    return w > 0 && (size_t)w < cap ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* The index                                                           */

#define INDEX_HEADER "# sunbid-ca-index v1\n"

struct ientry {
    char status; /* 'V' or 'R' */
    char serial[41];
    int64_t not_after; /* unix s */
    int64_t revoked;   /* unix s, or -1 */
    int reason;        /* -1 none */
    char usage[8];
    char alg[8];
    char sha256[65];
    char subject[X509V_MAX_TEXT]; /* may be cut */
};

struct index {
    struct ientry *e; /* heap */
    size_t n, cap;
};

static void index_release(struct index *ix)
{
    free(ix->e);
    memset(ix, 0, sizeof *ix);
}

static int index_push(struct index *ix, const struct ientry *e)
{
    if (ix->n == CA_MAX_INDEX)
        return -1;
    if (ix->n == ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 64;
        struct ientry *p = realloc(ix->e, cap * sizeof *p);
        if (p == NULL)
            return -1;
        ix->e = p;
        ix->cap = cap;
    }
    ix->e[ix->n++] = *e;
    return 0;
}

/* Copies field [s, e) into out[cap]; -1 if it does not fit. */
static int field(const char *s, const char *e, char *out, size_t cap)
{
    size_t n = (size_t)(e - s);
    if (n >= cap)
        return -1;
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

static int parse_i64(const char *s, int64_t *v)
{
    char *end = NULL;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return -1;
    *v = x;
    return 0;
}

/* Parses one index line (without its newline). */
static int index_line(const char *line, size_t len, struct ientry *e)
{
    const char *f[9];
    const char *fe[9];
    size_t nf = 0;
    const char *p = line, *end = line + len;
    char tmp[64];
    memset(e, 0, sizeof *e);
    while (nf < 9) {
        const char *tab = nf < 8 ? memchr(p, '\t', (size_t)(end - p)) : NULL;
        f[nf] = p;
        fe[nf] = tab != NULL ? tab : end;
        nf++;
        if (tab == NULL)
            break;
        p = tab + 1;
    }
    if (nf != 9 || fe[0] - f[0] != 1 || (f[0][0] != 'V' && f[0][0] != 'R'))
        return -1;
    e->status = f[0][0];
    if (field(f[1], fe[1], e->serial, sizeof e->serial) != 0 ||
        field(f[2], fe[2], tmp, sizeof tmp) != 0 || parse_i64(tmp, &e->not_after) != 0 ||
        field(f[3], fe[3], tmp, sizeof tmp) != 0)
        return -1;
    e->revoked = -1;
    if (strcmp(tmp, "-") != 0 && parse_i64(tmp, &e->revoked) != 0)
        return -1;
    if (field(f[4], fe[4], tmp, sizeof tmp) != 0)
        return -1;
    e->reason = strcmp(tmp, "-") == 0 ? -1 : ca_reason_parse(tmp);
    if (strcmp(tmp, "-") != 0 && e->reason < 0)
        return -1;
    if (field(f[5], fe[5], e->usage, sizeof e->usage) != 0 ||
        field(f[6], fe[6], e->alg, sizeof e->alg) != 0 ||
        field(f[7], fe[7], e->sha256, sizeof e->sha256) != 0)
        return -1;
    size_t sl = (size_t)(fe[8] - f[8]);
    if (sl >= sizeof e->subject)
        sl = sizeof e->subject - 1;
    memcpy(e->subject, f[8], sl);
    e->subject[sl] = '\0';
    if ((e->status == 'R') != (e->revoked >= 0))
        return -1;
    return 0;
}

static int index_load(const char *dir, struct index *ix, char *err, size_t errlen)
{
    char path[600], *data = NULL;
    size_t n = 0;
    memset(ix, 0, sizeof *ix);
    if (dir_file(dir, "index.txt", path, sizeof path) != 0)
        return CA_EINVAL;
    int rc = read_small(path, (size_t)CA_MAX_INDEX * CA_MAX_LINE, &data, &n);
    if (rc != CA_OK) {
        say(err, errlen, "%s: cannot read", path);
        return rc;
    }
    size_t lineno = 0;
    for (const char *p = data; p < data + n;) {
        const char *nl = memchr(p, '\n', (size_t)(data + n - p));
        size_t ll = nl != NULL ? (size_t)(nl - p) : (size_t)(data + n - p);
        lineno++;
        if (ll > CA_MAX_LINE) {
            rc = CA_EIO;
        } else if (ll > 0 && p[0] != '#') {
            struct ientry e;
            if (index_line(p, ll, &e) != 0 || index_push(ix, &e) != 0)
                rc = CA_EIO;
        }
        if (rc != CA_OK) {
            say(err, errlen, "%s: line %zu is damaged", path, lineno);
            break;
        }
        p += ll + 1;
    }
    free(data);
    if (rc != CA_OK)
        index_release(ix);
    return rc;
}

static int index_save(const char *dir, const struct index *ix, char *err, size_t errlen)
{
    char path[600];
    struct buf b;
    int rc = CA_EIO;
    if (dir_file(dir, "index.txt", path, sizeof path) != 0)
        return CA_EINVAL;
    buf_init(&b, (size_t)CA_MAX_INDEX * CA_MAX_LINE);
    if (buf_puts(&b, INDEX_HEADER) != BUF_OK)
        goto out;
    for (size_t i = 0; i < ix->n; i++) {
        const struct ientry *e = &ix->e[i];
        char rev[24];
        if (e->revoked >= 0)
            snprintf(rev, sizeof rev, "%lld", (long long)e->revoked);
        else
            snprintf(rev, sizeof rev, "-");
        if (buf_printf(&b, "%c\t%s\t%lld\t%s\t%s\t%s\t%s\t%s\t%s\n", e->status, e->serial,
                       (long long)e->not_after, rev, reason_name(e->reason), e->usage, e->alg,
                       e->sha256, e->subject) != BUF_OK)
            goto out;
    }
    rc = write_atomic(path, b.data, b.len, 0644, err, errlen);
out:
    if (rc == CA_EIO && b.len == 0)
        say(err, errlen, "out of memory");
    buf_release(&b);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The CA directory                                                    */

int ca_dir_init(const char *dir, enum ca_alg alg, const char *name, int days, int64_t now_ms,
                char *err, size_t errlen)
{
    char kpath[600], cpath[600], ipath[600];
    char *kpem = NULL, *cpem = NULL;
    size_t klen = 0, clen = 0;
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    int rc;
    if (days < 1 || days > 36500) {
        say(err, errlen, "--days must be 1..36500");
        return CA_EINVAL;
    }
    if (dir_file(dir, "ca.key.pem", kpath, sizeof kpath) != 0 ||
        dir_file(dir, "ca.crt.pem", cpath, sizeof cpath) != 0 ||
        dir_file(dir, "index.txt", ipath, sizeof ipath) != 0) {
        say(err, errlen, "directory name too long");
        return CA_EINVAL;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        say(err, errlen, "%s: %s", dir, strerror(errno));
        return CA_EIO;
    }
    if (access(kpath, F_OK) == 0 || access(cpath, F_OK) == 0) {
        say(err, errlen, "%s already holds a CA", dir);
        return CA_EEXISTS;
    }
    key = ca_keygen(alg);
    if (key == NULL) {
        say(err, errlen, "key generation failed");
        return CA_ECRYPTO;
    }
    struct ca_cert_spec spec = {
        .cn = name,
        .usage = CA_USAGE_CA,
        .path_len = -1,
        .not_before_ms = now_ms - CA_BACKDATE_SECS * 1000LL,
        .not_after_ms = now_ms + (int64_t)days * 86400000LL,
    };
    x = ca_issue(&spec, key, NULL, key, err, errlen);
    if (x == NULL) {
        rc = CA_EINVAL;
        goto out;
    }
    if (ca_pem_key(key, &kpem, &klen) != 0 || ca_pem_cert(x, &cpem, &clen) != 0) {
        say(err, errlen, "PEM encoding failed");
        rc = CA_ECRYPTO;
        goto out;
    }
    rc = write_new(kpath, kpem, klen, 0600, err, errlen);
    if (rc != CA_OK)
        goto out;
    rc = write_new(cpath, cpem, clen, 0644, err, errlen);
    if (rc == CA_OK) {
        struct index empty = {0};
        rc = index_save(dir, &empty, err, errlen);
    }
    if (rc != CA_OK) {
        unlink(kpath);
        unlink(cpath);
    }
out:
    if (kpem != NULL) {
        OPENSSL_cleanse(kpem, klen);
        free(kpem);
    }
    free(cpem);
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}

void ca_dir_close(struct ca_dir *d)
{
    if (d == NULL)
        return;
    X509_free(d->cert);
    EVP_PKEY_free(d->key);
    if (d->lock_fd >= 0)
        close(d->lock_fd); /* releases the flock */
    d->cert = NULL;
    d->key = NULL;
    d->lock_fd = -1;
}

int ca_dir_open(struct ca_dir *d, const char *dir, char *err, size_t errlen)
{
    char path[600], *pem = NULL;
    size_t n = 0;
    int rc;
    memset(d, 0, sizeof *d);
    d->lock_fd = -1;
    if (strlen(dir) >= sizeof d->path) {
        say(err, errlen, "directory name too long");
        return CA_EINVAL;
    }
    memcpy(d->path, dir, strlen(dir) + 1);
    if (dir_file(dir, "ca.crt.pem", path, sizeof path) != 0)
        return CA_EINVAL;
    if (access(path, F_OK) != 0) {
        say(err, errlen, "%s is not a CA directory (no ca.crt.pem)", dir);
        return CA_ENOTFOUND;
    }
    dir_file(dir, ".lock", path, sizeof path);
    d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (d->lock_fd < 0) {
        int e = errno;
        say(err, errlen, "%s: %s", path, strerror(e));
        return e == ENOENT ? CA_ENOTFOUND : CA_EIO;
    }
    if (flock(d->lock_fd, LOCK_EX) != 0) {
        say(err, errlen, "lock %s: %s", path, strerror(errno));
        rc = CA_EIO;
        goto bad;
    }
    dir_file(dir, "ca.crt.pem", path, sizeof path);
    rc = read_small(path, X509V_MAX_CERT, &pem, &n);
    if (rc != CA_OK) {
        say(err, errlen, "%s is not a CA directory (no ca.crt.pem)", dir);
        goto bad;
    }
    d->cert = x509_parse(pem, n);
    free(pem);
    dir_file(dir, "ca.key.pem", path, sizeof path);
    rc = read_small(path, 64 << 10, &pem, &n);
    if (rc != CA_OK || d->cert == NULL) {
        say(err, errlen, "%s: cannot read the CA certificate and key", dir);
        rc = rc != CA_OK ? rc : CA_EIO;
        goto bad;
    }
    BIO *b = BIO_new_mem_buf(pem, (int)n);
    d->key = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    OPENSSL_cleanse(pem, n);
    free(pem);
    ERR_clear_error();
    if (d->key == NULL || X509_check_private_key(d->cert, d->key) != 1) {
        ERR_clear_error();
        say(err, errlen, "%s: ca.key.pem does not match ca.crt.pem", dir);
        rc = CA_EIO;
        goto bad;
    }
    return CA_OK;
bad:
    ca_dir_close(d);
    return rc;
}

int ca_dir_issue(struct ca_dir *d, const struct ca_cert_spec *spec, enum ca_alg alg,
                 const char *prefix, char serial_out[41], char *err, size_t errlen)
{
    char kpath[600], cpath[600];
    char *kpem = NULL, *cpem = NULL;
    size_t klen = 0, clen = 0;
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    struct index ix = {0};
    struct x509_info info;
    int rc;
    serial_out[0] = '\0';
    if (snprintf(kpath, sizeof kpath, "%s.key.pem", prefix) >= (int)sizeof kpath ||
        snprintf(cpath, sizeof cpath, "%s.crt.pem", prefix) >= (int)sizeof cpath) {
        say(err, errlen, "--out prefix too long");
        return CA_EINVAL;
    }
    if (access(kpath, F_OK) == 0 || access(cpath, F_OK) == 0) {
        say(err, errlen, "%s or %s exists", kpath, cpath);
        return CA_EEXISTS;
    }
    rc = index_load(d->path, &ix, err, errlen);
    if (rc != CA_OK)
        return rc;
    key = ca_keygen(alg);
    if (key == NULL) {
        say(err, errlen, "key generation failed");
        rc = CA_ECRYPTO;
        goto out;
    }
    x = ca_issue(spec, key, d->cert, d->key, err, errlen);
    if (x == NULL) {
        rc = CA_EINVAL;
        goto out;
    }
    if (x509_describe(x, &info) != X509V_OK || ca_pem_key(key, &kpem, &klen) != 0 ||
        ca_pem_cert(x, &cpem, &clen) != 0) {
        say(err, errlen, "encoding failed");
        rc = CA_ECRYPTO;
        goto out;
    }
    struct ientry e = {.status = 'V', .revoked = -1, .reason = -1};
    memcpy(e.serial, info.serial, sizeof e.serial);
    e.not_after = info.not_after_ms / 1000;
    snprintf(e.usage, sizeof e.usage, "%s", ca_usage_name(spec->usage));
    snprintf(e.alg, sizeof e.alg, "%s", ca_alg_name(alg));
    memcpy(e.sha256, info.fingerprint, sizeof e.sha256);
    memcpy(e.subject, info.subject, sizeof e.subject);
    if (index_push(&ix, &e) != 0) {
        say(err, errlen, "the index is full (%d certificates)", CA_MAX_INDEX);
        rc = CA_EINVAL;
        goto out;
    }
    rc = write_new(kpath, kpem, klen, 0600, err, errlen);
    if (rc != CA_OK)
        goto out;
    rc = write_new(cpath, cpem, clen, 0644, err, errlen);
    if (rc == CA_OK)
        rc = index_save(d->path, &ix, err, errlen);
    if (rc != CA_OK) {
        unlink(kpath);
        unlink(cpath);
        goto out;
    }
    memcpy(serial_out, info.serial, sizeof info.serial);
out:
    if (kpem != NULL) {
        OPENSSL_cleanse(kpem, klen);
        free(kpem);
    }
    free(cpem);
    X509_free(x);
    EVP_PKEY_free(key);
    index_release(&ix);
    return rc;
}

int ca_dir_serial_of(struct ca_dir *d, const char *cert_path, char serial_out[41], char *err,
                     size_t errlen)
{
    char *pem = NULL;
    size_t n = 0;
    struct x509_info info;
    int rc = read_small(cert_path, X509V_MAX_CERT, &pem, &n);
    if (rc != CA_OK) {
        say(err, errlen, "%s: cannot read", cert_path);
        return rc;
    }
    X509 *x = x509_parse(pem, n);
    free(pem);
    rc = CA_OK;
    if (x == NULL || x509_describe(x, &info) != X509V_OK) {
        say(err, errlen, "%s is not a certificate", cert_path);
        rc = CA_EINVAL;
    } else if (X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(d->cert)) != 0 ||
               X509_verify(x, X509_get0_pubkey(d->cert)) != 1) {
        say(err, errlen, "%s was not issued by this CA", cert_path);
        rc = CA_ENOTFOUND;
    } else {
        memcpy(serial_out, info.serial, sizeof info.serial);
    }
    ERR_clear_error();
    X509_free(x);
    return rc;
}

int ca_dir_revoke(struct ca_dir *d, const char *serial, int reason, int64_t now_ms, char *err,
                  size_t errlen)
{
    char norm[41];
    struct index ix;
    if (serial_norm(serial, norm) != 0) {
        say(err, errlen, "'%s' is not a hex serial number", serial);
        return CA_EINVAL;
    }
    int rc = index_load(d->path, &ix, err, errlen);
    if (rc != CA_OK)
        return rc;
    rc = CA_ENOTFOUND;
    say(err, errlen, "no certificate with serial %s in the index", norm);
    for (size_t i = 0; i < ix.n; i++) {
        struct ientry *e = &ix.e[i];
        if (strcmp(e->serial, norm) != 0)
            continue;
        if (e->status == 'R') {
            say(err, errlen, "%s is already revoked", norm);
            rc = CA_EEXISTS;
            break;
        }
        e->status = 'R';
        e->revoked = now_ms / 1000;
        e->reason = reason;
        rc = index_save(d->path, &ix, err, errlen);
        break;
    }
    index_release(&ix);
    return rc;
}

int ca_dir_crl(struct ca_dir *d, const char *out, int days, int64_t now_ms, char *err,
               size_t errlen)
{
    char npath[600], *num = NULL, *pem = NULL;
    size_t n = 0, nrev = 0;
    struct index ix;
    struct ca_revoked *rev = NULL;
    X509_CRL *crl = NULL;
    int64_t number = 0;
    if (days < 1 || days > 3650) {
        say(err, errlen, "--days must be 1..3650");
        return CA_EINVAL;
    }
    int rc = index_load(d->path, &ix, err, errlen);
    if (rc != CA_OK)
        return rc;
    dir_file(d->path, "crlnumber", npath, sizeof npath);
    if (read_small(npath, 32, &num, &n) == CA_OK) {
        while (n > 0 && (num[n - 1] == '\n' || num[n - 1] == ' '))
            num[--n] = '\0';
        if (parse_i64(num, &number) != 0 || number < 0)
            number = -1;
        free(num);
        if (number < 0) {
            say(err, errlen, "%s is damaged", npath);
            rc = CA_EIO;
            goto out;
        }
    }
    number++;
    rev = calloc(ix.n + 1, sizeof *rev);
    if (rev == NULL) {
        rc = CA_EIO;
        goto out;
    }
    for (size_t i = 0; i < ix.n; i++) {
        if (ix.e[i].status != 'R')
            continue;
        rev[nrev].serial_hex = ix.e[i].serial;
        rev[nrev].revoked_ms = ix.e[i].revoked * 1000;
        rev[nrev].reason = ix.e[i].reason;
        nrev++;
    }
    crl = ca_crl(d->cert, d->key, rev, nrev, now_ms, now_ms + (int64_t)days * 86400000LL,
                 (uint64_t)number, err, errlen);
    if (crl == NULL) {
        rc = CA_ECRYPTO;
        goto out;
    }
    if (ca_pem_crl(crl, &pem, &n) != 0) {
        rc = CA_ECRYPTO;
        goto out;
    }
    rc = write_atomic(out, pem, n, 0644, err, errlen);
    if (rc == CA_OK) {
        char nb[32];
        int w = snprintf(nb, sizeof nb, "%lld\n", (long long)number);
        rc = write_atomic(npath, nb, (size_t)w, 0644, err, errlen);
    }
out:
    free(pem);
    free(rev);
    X509_CRL_free(crl);
    index_release(&ix);
    return rc;
}
