/*
 * domain/usercert.c — personal certificates (usercert.h): registration
 * checked against the trusted CAs, the encryption key of an officer, and
 * the verification of a user's signature. Threads: any worker.
 */
#include "domain/usercert.h"

#include <stdio.h>
#include <string.h>

#include <openssl/ecdsa.h>

#include "base/clock.h"
#include "base/jsonw.h"
#include "crypto/suite.h"
#include "ledger/ledger.h"

struct reg_job {
    struct trust_cache *tc;
    const struct actor *who;
    int64_t user_id;
    X509 *sign, *enc; /* either may be NULL */
    bool sign_is_enc; /* one certificate sent alone, good for both */
    struct x509_info si, ei;
    unsigned char *sder, *eder;
    int slen, elen;
    struct usercert_result *out;
};

static enum err insert_one(struct store_tx *tx, struct reg_job *j, const char *usage,
                           const struct x509_info *info, const unsigned char *der, int der_len,
                           int64_t now, int64_t *id)
{
    struct user_cert c = {0};
    c.user_id = j->user_id;
    c.usage = usage;
    c.der = der;
    c.der_len = (size_t)der_len;
    c.fingerprint = info->fingerprint;
    c.subject = info->subject;
    c.issuer = info->issuer;
    c.serial = info->serial;
    c.key_alg = x509_key_name(info->key);
    c.not_before_ms = info->not_before_ms;
    c.not_after_ms = info->not_after_ms;
    c.registered_ms = now;
    int rc = store_user_cert_retire(tx, j->user_id, usage, now);
    if (rc == STORE_OK)
        rc = store_user_cert_insert(tx, &c, id);
    if (rc == STORE_CONSTRAINT)
        return ERR_STORE_BUSY; /* a concurrent registration: again */
    return domain_store_err(rc);
}

static enum err reg_tx(struct store_tx *tx, void *arg)
{
    struct reg_job *j = arg;
    struct trust_snapshot *snap = NULL;
    struct arena a;
    struct user u;
    int64_t now = clock_now_ms();
    enum err e;
    int rc;

    arena_init(&a, 0);
    j->out->sign_id = j->out->enc_id = 0;
    rc = store_user_get(tx, &a, j->user_id, &u);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    e = trust_snapshot_get(j->tc, tx, &snap);
    if (e != ERR_OK)
        goto out;
    if (j->sign != NULL && j->enc != NULL)
        rc = x509_check_pair(&snap->t, j->sign, j->enc, now, &j->out->check);
    else if (j->enc != NULL)
        rc = x509_check(&snap->t, j->enc, NULL, X509V_USE_ENCRYPT, now, &j->out->check);
    else
        rc = x509_check(&snap->t, j->sign, NULL, X509V_USE_SIGN, now, &j->out->check);
    if (rc == X509V_OK && j->enc != NULL && j->sign == NULL) {
        /* alone: also the signing certificate when its usage allows it */
        struct x509_result r2;
        j->sign_is_enc = x509_check(&snap->t, j->enc, NULL, X509V_USE_SIGN, now, &r2) == X509V_OK;
    }
    trust_snapshot_put(j->tc, snap);
    if (rc != X509V_OK) {
        e = trust_x509_err(rc);
        goto out;
    }
    e = ERR_OK;
    if (j->sign != NULL)
        e = insert_one(tx, j, "sign", &j->si, j->sder, j->slen, now, &j->out->sign_id);
    else if (j->sign_is_enc)
        e = insert_one(tx, j, "sign", &j->ei, j->eder, j->elen, now, &j->out->sign_id);
    if (e == ERR_OK && j->enc != NULL)
        e = insert_one(tx, j, "encrypt", &j->ei, j->eder, j->elen, now, &j->out->enc_id);
    if (e != ERR_OK)
        goto out;
    struct buf detail;
    struct jsonw w;
    buf_init(&detail, 4096);
    jsonw_init(&w, &detail);
    jsonw_obj_begin(&w);
    if (j->out->sign_id != 0)
        jsonw_kstr(&w, "sign", j->sign ? j->si.fingerprint : j->ei.fingerprint);
    if (j->enc != NULL)
        jsonw_kstr(&w, "encrypt", j->ei.fingerprint);
    jsonw_kstr(&w, "subject", j->enc ? j->ei.subject : j->si.subject);
    jsonw_kstr(&w, "issuer", j->enc ? j->ei.issuer : j->si.issuer);
    jsonw_obj_end(&w);
    rc = jsonw_finish(&w) == JSONW_OK ? STORE_OK : STORE_ERROR;
    if (rc == STORE_OK)
        rc = audit_record(tx, j->who, "usercert.register", "user", j->user_id, detail.data);
    buf_release(&detail);
    if (rc == STORE_OK) {
        struct ledger_event ev = {.type = "usercert.register",
                                  .subject_type = "user",
                                  .subject_id = j->user_id,
                                  .actor_id = j->who->user_id,
                                  .actor_name = j->who->name ? j->who->name : "system",
                                  .doc_hash = j->enc ? j->ei.fingerprint : j->si.fingerprint};
        rc = ledger_append(tx, &ev);
    }
    e = domain_store_err(rc);
out:
    arena_release(&a);
    return e;
}

/* Parses one certificate and its description and DER. */
static enum err load_one(const void *p, size_t n, const char *what, X509 **x,
                         struct x509_info *info, unsigned char **der, int *der_len,
                         struct usercert_result *out)
{
    if (n == 0 || n > USERCERT_MAX_PEM) {
        snprintf(out->check.message, sizeof(out->check.message), "the %s certificate is %s", what,
                 n == 0 ? "empty" : "too large");
        return ERR_CERT_MALFORMED;
    }
    *x = x509_parse(p, n);
    if (*x == NULL) {
        snprintf(out->check.message, sizeof(out->check.message), "the %s certificate is unreadable",
                 what);
        return ERR_CERT_MALFORMED;
    }
    if (x509_describe(*x, info) != X509V_OK)
        return ERR_CERT_MALFORMED;
    if (info->key == X509V_KEY_OTHER) {
        snprintf(out->check.message, sizeof(out->check.message),
                 "the %s certificate's key is neither SM2 nor P-256", what);
        return ERR_CERT_UNSUPPORTED_KEY;
    }
    *der_len = i2d_X509(*x, der);
    return *der_len > 0 ? ERR_OK : ERR_CERT_MALFORMED;
}

enum err usercert_register(struct store *s, struct trust_cache *tc, const struct actor *who,
                           int64_t user_id, const void *sign, size_t sign_len, const void *enc,
                           size_t enc_len, struct usercert_result *out)
{
    struct reg_job j = {0};
    enum err e = ERR_OK;
    memset(out, 0, sizeof(*out));
    out->check.rc = X509V_EMALFORMED;
    j.tc = tc;
    j.who = who;
    j.user_id = user_id;
    j.out = out;
    if (user_id <= 0)
        return ERR_NOT_FOUND;
    if (sign == NULL && enc == NULL)
        return ERR_MISSING_FIELD;
    if (sign != NULL)
        e = load_one(sign, sign_len, "signing", &j.sign, &j.si, &j.sder, &j.slen, out);
    if (e == ERR_OK && enc != NULL)
        e = load_one(enc, enc_len, "encryption", &j.enc, &j.ei, &j.eder, &j.elen, out);
    if (e != ERR_OK)
        goto out;
    e = domain_write(s, reg_tx, &j);
    if (e == ERR_OK) {
        if (out->sign_id != 0)
            memcpy(out->sign_fp, j.sign ? j.si.fingerprint : j.ei.fingerprint, 65);
        if (out->enc_id != 0)
            memcpy(out->enc_fp, j.ei.fingerprint, 65);
    }
out:
    X509_free(j.sign);
    X509_free(j.enc);
    OPENSSL_free(j.sder);
    OPENSSL_free(j.eder);
    return e;
}

/* The active certificate of a usage, parsed, within its validity. */
static enum err active_cert(struct store_tx *tx, int64_t user_id, const char *usage, int64_t now_ms,
                            X509 **x, struct user_cert *c, struct arena *a)
{
    int rc = store_user_cert_active(tx, a, user_id, usage, c);
    if (rc == STORE_NOTFOUND)
        return ERR_USER_CERT_MISSING;
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (now_ms < c->not_before_ms)
        return ERR_CERT_NOT_YET_VALID;
    if (now_ms >= c->not_after_ms)
        return ERR_CERT_EXPIRED;
    *x = x509_parse(c->der, c->der_len);
    return *x != NULL ? ERR_OK : ERR_INTERNAL;
}

enum err usercert_enc_key(struct store_tx *tx, int64_t user_id, int64_t now_ms, EVP_PKEY **key,
                          char fp[65])
{
    struct arena a;
    struct user_cert c;
    X509 *x = NULL;
    *key = NULL;
    arena_init(&a, 0);
    enum err e = active_cert(tx, user_id, "encrypt", now_ms, &x, &c, &a);
    if (e == ERR_OK) {
        *key = x509_pubkey(x);
        if (*key == NULL)
            e = ERR_INTERNAL;
        else
            snprintf(fp, 65, "%s", c.fingerprint);
    }
    X509_free(x);
    arena_release(&a);
    return e;
}

/* raw r || s (64 bytes) as DER; *len: capacity in, bytes out. */
static int raw_to_der(const uint8_t *raw, uint8_t *der, size_t *len)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
    int ok = sig != NULL && r != NULL && s != NULL && ECDSA_SIG_set0(sig, r, s) == 1;
    if (ok) {
        r = s = NULL; /* owned by sig */
        int n = i2d_ECDSA_SIG(sig, NULL);
        ok = n > 0 && (size_t)n <= *len;
        if (ok) {
            uint8_t *p = der;
            *len = (size_t)i2d_ECDSA_SIG(sig, &p);
        }
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return ok ? 0 : -1;
}

enum err usercert_verify_tx(struct store_tx *tx, int64_t user_id, const void *msg, size_t len,
                            const uint8_t *sig, size_t sig_len)
{
    struct arena a;
    struct user_cert c;
    X509 *x = NULL;
    EVP_PKEY *k = NULL;
    uint8_t der[SUITE_MAX_SIG];
    arena_init(&a, 0);
    enum err e = active_cert(tx, user_id, "sign", clock_now_ms(), &x, &c, &a);
    if (e != ERR_OK)
        goto out;
    k = x509_pubkey(x);
    enum x509_key kt = x509_key_type(x);
    const struct suite *su = kt == X509V_KEY_SM2 ? &suite_gm : &suite_intl;
    e = ERR_USER_SIGNATURE_INVALID;
    if (k == NULL || kt == X509V_KEY_OTHER || sig == NULL || sig_len == 0 ||
        sig_len > SUITE_MAX_SIG)
        goto out;
    if (kt == X509V_KEY_P256 && sig_len == 64) {
        size_t dl = sizeof der;
        if (raw_to_der(sig, der, &dl) != 0)
            goto out;
        sig = der;
        sig_len = dl;
    }
    if (suite_verify(su, k, msg, len, sig, sig_len) == SEAL_OK)
        e = ERR_OK;
out:
    EVP_PKEY_free(k);
    X509_free(x);
    arena_release(&a);
    return e;
}

enum err usercert_verify(struct store *s, int64_t user_id, const void *msg, size_t len,
                         const uint8_t *sig, size_t sig_len)
{
    struct store_tx *tx = NULL;
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e = usercert_verify_tx(tx, user_id, msg, len, sig, sig_len);
    store_rollback(tx);
    return e;
}
