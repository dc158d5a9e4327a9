/*
 * domain/escrow.c — the tender escrow key (escrow.h, docs/escrow.md): the
 * key pairs and their secret, the sealed share format, and the steps on
 * the store (officers, the publish hook, the submission check, shares).
 *
 * Secrets: the 64-byte secret, the Shamir shares of a split, K' and the
 * derived share keys live on the stack of the function that uses them and
 * are wiped (OPENSSL_cleanse) on every path out; private keys are
 * EVP_PKEYs, freed (OpenSSL clears EC private scalars on free). The secret
 * is never written to the store or a log.
 *
 * Threads: any; no shared state.
 */
#include "domain/escrow.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "base/base64.h"
#include "base/clock.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "base/roles.h"
#include "crypto/envelope.h"
#include "crypto/random.h"
#include "domain/usercert.h"
#include "ledger/ledger.h"

#define HDR_LEN    49 /* magic .. wrap length */
#define NONCE_LEN  12
#define GM_INFO    "sunbid escrow share v1 gm"
#define AAD_LEN    (sizeof(ESCROW_AAD_LABEL) - 1 + 8 + 1)
#define SHARES_MAX ESCROW_MAX_OFFICERS

/* ---- key pairs ---- */

static int scalar_of(EVP_PKEY *k, uint8_t out[32])
{
    BIGNUM *d = NULL;
    int ok = EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 && BN_num_bytes(d) <= 32 &&
             BN_bn2binpad(d, out, 32) == 32;
    BN_clear_free(d);
    return ok ? 0 : -1;
}

static int pub_pem(EVP_PKEY *k, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p = NULL;
    int rc = -1;
    if (b != NULL && PEM_write_bio_PUBKEY(b, k) == 1) {
        long n = BIO_get_mem_data(b, &p);
        if (n > 0 && (size_t)n < cap) {
            memcpy(out, p, (size_t)n);
            out[n] = '\0';
            rc = 0;
        }
    }
    BIO_free(b);
    return rc;
}

int escrow_keypair_new(struct escrow_keypair *kp)
{
    EVP_PKEY *gm = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    EVP_PKEY *intl = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    int rc = -1;
    memset(kp, 0, sizeof(*kp));
    if (gm == NULL || intl == NULL)
        goto out;
    if (scalar_of(gm, kp->secret) != 0 || scalar_of(intl, kp->secret + 32) != 0)
        goto out;
    if (pub_pem(gm, kp->gm_pub, sizeof kp->gm_pub) != 0 ||
        pub_pem(intl, kp->intl_pub, sizeof kp->intl_pub) != 0)
        goto out;
    if (suite_key_id(gm, kp->gm_key_id) != SEAL_OK ||
        suite_key_id(intl, kp->intl_key_id) != SEAL_OK)
        goto out;
    rc = 0;
out:
    EVP_PKEY_free(gm);
    EVP_PKEY_free(intl);
    if (rc != 0)
        escrow_keypair_wipe(kp);
    return rc;
}

void escrow_keypair_wipe(struct escrow_keypair *kp)
{
    OPENSSL_cleanse(kp, sizeof(*kp));
}

EVP_PKEY *escrow_key_from_scalar(const struct suite *s, const uint8_t d[32])
{
    bool gm = s->id == SUITE_GM;
    EC_GROUP *g = EC_GROUP_new_by_curve_name(gm ? NID_sm2 : NID_X9_62_prime256v1);
    BIGNUM *bn = BN_secure_new();
    EC_POINT *P = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *k = NULL;
    uint8_t pub[65];
    if (g == NULL || bn == NULL || BN_bin2bn(d, 32, bn) == NULL)
        goto out;
    if (BN_is_zero(bn) || BN_cmp(bn, EC_GROUP_get0_order(g)) >= 0)
        goto out;
    BN_set_flags(bn, BN_FLG_CONSTTIME);
    P = EC_POINT_new(g);
    if (P == NULL || EC_POINT_mul(g, P, bn, NULL, NULL, NULL) != 1 ||
        EC_POINT_point2oct(g, P, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof pub, NULL) != 65)
        goto out;
    bld = OSSL_PARAM_BLD_new();
    if (bld == NULL ||
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, gm ? "SM2" : "prime256v1",
                                        0) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub) != 1)
        goto out;
    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, gm ? "SM2" : "EC", NULL);
    if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_KEYPAIR, params) != 1) {
        EVP_PKEY_free(k);
        k = NULL;
    }
out:
    EVP_PKEY_CTX_free(ctx);
    if (params != NULL) {
        /* the block holds a copy of the scalar (no OSSL_PARAM_clear_free in 3.0) */
        OSSL_PARAM *pp = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_PRIV_KEY);
        if (pp != NULL && pp->data != NULL)
            OPENSSL_cleanse(pp->data, pp->data_size);
    }
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EC_POINT_free(P);
    BN_clear_free(bn);
    EC_GROUP_free(g);
    ERR_clear_error();
    return k;
}

int escrow_secret_key_id(const uint8_t secret[ESCROW_SECRET_LEN], const struct suite *s,
                         char hex[65])
{
    uint8_t id[32];
    EVP_PKEY *k = escrow_key_from_scalar(s, s->id == SUITE_GM ? secret : secret + 32);
    int rc = k != NULL ? suite_key_id(k, id) : SEAL_ECRYPTO;
    EVP_PKEY_free(k);
    if (rc == SEAL_OK)
        hex_encode(id, 32, hex);
    return rc;
}

const struct suite *escrow_officer_suite(EVP_PKEY *k)
{
    if (suite_key_check(&suite_gm, k) == SEAL_OK)
        return &suite_gm;
    if (suite_key_check(&suite_intl, k) == SEAL_OK)
        return &suite_intl;
    return NULL;
}

/* ---- sealed shares ---- */

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void make_aad(int64_t tender_id, unsigned x, uint8_t aad[AAD_LEN])
{
    memcpy(aad, ESCROW_AAD_LABEL, sizeof(ESCROW_AAD_LABEL) - 1);
    put_u64(aad + sizeof(ESCROW_AAD_LABEL) - 1, (uint64_t)tender_id);
    aad[AAD_LEN - 1] = (uint8_t)x;
}

/* The gm share cipher's keys: SM4 16 || HMAC-SM3 32, from K'. */
static int gm_keys(const uint8_t kp[SUITE_KEY_LEN], uint8_t out[48])
{
    return suite_kdf(&suite_gm, kp, SUITE_KEY_LEN, NULL, 0, GM_INFO, sizeof(GM_INFO) - 1, out, 48);
}

static int gm_tag(const uint8_t mac_key[32], const uint8_t *aad, const uint8_t *nonce,
                  const uint8_t *ct, uint8_t tag[32])
{
    uint8_t msg[AAD_LEN + NONCE_LEN + SHAMIR_SHARE_LEN];
    unsigned int tl = 0;
    memcpy(msg, aad, AAD_LEN);
    memcpy(msg + AAD_LEN, nonce, NONCE_LEN);
    memcpy(msg + AAD_LEN + NONCE_LEN, ct, SHAMIR_SHARE_LEN);
    const uint8_t *r = HMAC(EVP_sm3(), mac_key, 32, msg, sizeof msg, tag, &tl);
    return r != NULL && tl == 32 ? 0 : -1;
}

/* SM4-CTR (gm) over one share; in and out SHAMIR_SHARE_LEN bytes. */
static int gm_ctr(const uint8_t key[16], const uint8_t nonce[NONCE_LEN], const uint8_t *in,
                  uint8_t *out)
{
    uint8_t iv[16] = {0};
    int l1 = 0, l2 = 0;
    memcpy(iv, nonce, NONCE_LEN);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int ok = c != NULL && EVP_EncryptInit_ex(c, EVP_sm4_ctr(), NULL, key, iv) == 1 &&
             EVP_EncryptUpdate(c, out, &l1, in, SHAMIR_SHARE_LEN) == 1 &&
             EVP_EncryptFinal_ex(c, out + l1, &l2) == 1 && l1 + l2 == SHAMIR_SHARE_LEN;
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -1;
}

/* AES-256-GCM (intl) with the aad; enc 1 seals (writes tag), 0 opens
 * (checks tag). */
static int gcm(int enc, const uint8_t key[32], const uint8_t nonce[NONCE_LEN], const uint8_t *aad,
               const uint8_t *in, uint8_t *out, uint8_t tag[16])
{
    int l = 0, lf = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int ok = c != NULL && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1 &&
             EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
             EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) == 1 &&
             EVP_CipherUpdate(c, NULL, &l, aad, (int)AAD_LEN) == 1 &&
             EVP_CipherUpdate(c, out, &l, in, SHAMIR_SHARE_LEN) == 1;
    if (ok && !enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1;
    if (ok)
        ok = EVP_CipherFinal_ex(c, out + l, &lf) == 1;
    if (ok && enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -1;
}

int escrow_share_parse(const uint8_t *p, size_t n, struct escrow_sealed *out)
{
    memset(out, 0, sizeof(*out));
    if (n < 4 || memcmp(p, ESCROW_MAGIC, 4) != 0)
        return n < 4 ? SEAL_ETRUNCATED : SEAL_EMALFORMED;
    if (n < HDR_LEN)
        return SEAL_ETRUNCATED;
    if (p[4] != ESCROW_VERSION)
        return SEAL_EVERSION;
    out->suite = suite_by_id(p[5]);
    if (out->suite == NULL)
        return SEAL_ESUITE;
    out->x = p[6];
    if (out->x == 0)
        return SEAL_EMALFORMED;
    uint64_t tid = get_u64(p + 7);
    if (tid == 0 || tid > INT64_MAX)
        return SEAL_EMALFORMED;
    out->tender_id = (int64_t)tid;
    out->key_id = p + 15;
    out->wrap_len = (size_t)p[47] << 8 | p[48];
    if (out->wrap_len < out->suite->wrap_min || out->wrap_len > out->suite->wrap_max)
        return SEAL_EMALFORMED;
    out->tag_len = out->suite->tag_len;
    size_t need = HDR_LEN + out->wrap_len + NONCE_LEN + SHAMIR_SHARE_LEN + out->tag_len;
    if (n < need)
        return SEAL_ETRUNCATED;
    if (n > need)
        return SEAL_ETRAILING;
    out->wrap = p + HDR_LEN;
    out->nonce = out->wrap + out->wrap_len;
    out->ct = out->nonce + NONCE_LEN;
    out->tag = out->ct + SHAMIR_SHARE_LEN;
    return SEAL_OK;
}

int escrow_share_seal(EVP_PKEY *officer, int64_t tender_id, unsigned x,
                      const uint8_t share[SHAMIR_SHARE_LEN], uint8_t *out, size_t *len)
{
    const struct suite *s = escrow_officer_suite(officer);
    uint8_t kp[SUITE_KEY_LEN], keys[48], aad[AAD_LEN];
    size_t wl;
    int rc = SEAL_ECRYPTO;
    if (s == NULL)
        return SEAL_EKEYTYPE;
    if (x < 1 || x > 255 || tender_id <= 0 || *len < ESCROW_SEALED_MAX)
        return SEAL_EINPUT;
    memcpy(out, ESCROW_MAGIC, 4);
    out[4] = ESCROW_VERSION;
    out[5] = (uint8_t)s->id;
    out[6] = (uint8_t)x;
    put_u64(out + 7, (uint64_t)tender_id);
    if (suite_key_id(officer, out + 15) != SEAL_OK)
        return SEAL_ECRYPTO;
    crypto_random(kp, sizeof kp);
    wl = SUITE_MAX_WRAP;
    if (suite_wrap(s, officer, kp, out + HDR_LEN, &wl) != SEAL_OK)
        goto out;
    out[47] = (uint8_t)(wl >> 8);
    out[48] = (uint8_t)wl;
    uint8_t *nonce = out + HDR_LEN + wl, *ct = nonce + NONCE_LEN, *tag = ct + SHAMIR_SHARE_LEN;
    crypto_random(nonce, NONCE_LEN);
    make_aad(tender_id, x, aad);
    if (s->id == SUITE_INTL) {
        if (gcm(1, kp, nonce, aad, share, ct, tag) != 0)
            goto out;
    } else {
        if (gm_keys(kp, keys) != SEAL_OK || gm_ctr(keys, nonce, share, ct) != 0 ||
            gm_tag(keys + 16, aad, nonce, ct, tag) != 0)
            goto out;
    }
    *len = HDR_LEN + wl + NONCE_LEN + SHAMIR_SHARE_LEN + s->tag_len;
    rc = SEAL_OK;
out:
    OPENSSL_cleanse(kp, sizeof kp);
    OPENSSL_cleanse(keys, sizeof keys);
    return rc;
}

int escrow_share_open(EVP_PKEY *officer, const uint8_t *p, size_t n, int64_t expect_tender,
                      uint8_t share[SHAMIR_SHARE_LEN], unsigned *x)
{
    struct escrow_sealed es;
    uint8_t id[32], kp[SUITE_KEY_LEN], keys[48], aad[AAD_LEN], tag[32];
    int rc = escrow_share_parse(p, n, &es);
    if (rc != SEAL_OK)
        return rc;
    if (expect_tender != 0 && es.tender_id != expect_tender)
        return SEAL_EWRONGTENDER;
    if (suite_key_check(es.suite, officer) != SEAL_OK)
        return SEAL_EKEYTYPE;
    if (suite_key_id(officer, id) != SEAL_OK)
        return SEAL_ECRYPTO;
    if (memcmp(id, es.key_id, 32) != 0)
        return SEAL_EWRONGKEY;
    rc = suite_unwrap(es.suite, officer, es.wrap, es.wrap_len, kp);
    if (rc != SEAL_OK)
        return rc;
    make_aad(es.tender_id, es.x, aad);
    rc = SEAL_EBADMAC;
    if (es.suite->id == SUITE_INTL) {
        memcpy(tag, es.tag, 16);
        if (gcm(0, kp, es.nonce, aad, es.ct, share, tag) != 0)
            goto out;
    } else {
        if (gm_keys(kp, keys) != SEAL_OK || gm_tag(keys + 16, aad, es.nonce, es.ct, tag) != 0) {
            rc = SEAL_ECRYPTO;
            goto out;
        }
        if (CRYPTO_memcmp(tag, es.tag, 32) != 0 || gm_ctr(keys, es.nonce, es.ct, share) != 0)
            goto out;
    }
    *x = es.x;
    rc = SEAL_OK;
out:
    if (rc != SEAL_OK)
        OPENSSL_cleanse(share, SHAMIR_SHARE_LEN);
    OPENSSL_cleanse(kp, sizeof kp);
    OPENSSL_cleanse(keys, sizeof keys);
    return rc;
}

/* ---- on the store ---- */

static int record(struct store_tx *tx, const struct actor *who, const char *type, int64_t tender_id,
                  const char *detail)
{
    int rc = audit_record(tx, who, type, "tender", tender_id, detail);
    if (rc != STORE_OK)
        return rc;
    struct ledger_event ev = {.type = type,
                              .subject_type = "tender",
                              .subject_id = tender_id,
                              .actor_id = who->user_id,
                              .actor_name = who->name ? who->name : "system",
                              .tender_id = tender_id};
    return ledger_append(tx, &ev);
}

struct officers_job {
    const struct tender_caller *c;
    int64_t tender_id;
    const int64_t *ids;
    int n;
    int64_t *bad;
};

static enum err officers_tx(struct store_tx *tx, void *arg)
{
    struct officers_job *j = arg;
    struct arena a;
    struct tender t;
    struct tender_access acc;
    int64_t now = clock_now_ms();
    char detail[512];
    size_t dl = 0;
    enum err e;
    arena_init(&a, 0);
    *j->bad = 0;
    int rc = store_tender_get(tx, &a, j->tender_id, &t);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    e = tender_access_check(tx, j->c, &t, &acc);
    if (e != ERR_OK)
        goto out;
    if (!(j->c->roles & ROLE_AGENT)) {
        e = ERR_FORBIDDEN;
        goto out;
    }
    if (!acc.owner) {
        e = ERR_NOT_OWNER;
        goto out;
    }
    if (strcmp(t.state, "draft") != 0 || t.scheduled) {
        e = ERR_WRONG_STATE;
        goto out;
    }
    dl = (size_t)snprintf(detail, sizeof detail, "{\"officers\":[");
    for (int i = 0; i < j->n; i++) {
        struct user u;
        EVP_PKEY *k = NULL;
        char fp[65];
        *j->bad = j->ids[i];
        e = ERR_ESCROW_OFFICERS_INVALID;
        for (int m = 0; m < i; m++)
            if (j->ids[m] == j->ids[i])
                goto out;
        rc = store_user_get(tx, &a, j->ids[i], &u);
        if (rc == STORE_NOTFOUND)
            goto out;
        if (rc != STORE_OK) {
            e = domain_store_err(rc);
            goto out;
        }
        if (u.disabled || !(u.roles & (ROLE_AGENT | ROLE_SUPERVISOR | ROLE_ADMIN)))
            goto out;
        e = usercert_enc_key(tx, j->ids[i], now, &k, fp);
        bool ok = e == ERR_OK && escrow_officer_suite(k) != NULL;
        EVP_PKEY_free(k);
        if (e != ERR_OK && e != ERR_USER_CERT_MISSING && e != ERR_CERT_EXPIRED &&
            e != ERR_CERT_NOT_YET_VALID)
            goto out;
        e = ERR_ESCROW_OFFICERS_INVALID;
        if (!ok)
            goto out;
        if (dl < sizeof detail)
            dl += (size_t)snprintf(detail + dl, sizeof detail - dl, "%s%lld", i ? "," : "",
                                   (long long)j->ids[i]);
    }
    *j->bad = 0;
    if (dl < sizeof detail)
        snprintf(detail + dl, sizeof detail - dl, "]}");
    rc = store_escrow_officers_set(tx, t.id, j->ids, j->n);
    if (rc == STORE_OK)
        rc = record(tx, &j->c->who, "escrow.officers", t.id, dl < sizeof detail ? detail : NULL);
    e = domain_store_err(rc);
out:
    arena_release(&a);
    return e;
}

enum err escrow_officers_set(struct store *s, const struct tender_caller *c, int64_t tender_id,
                             const int64_t *user_ids, int n, int64_t *bad)
{
    int64_t unused;
    struct officers_job j = {c, tender_id, user_ids, n, bad ? bad : &unused};
    if (n < 0 || n > ESCROW_MAX_OFFICERS)
        return ERR_ESCROW_OFFICERS_INVALID;
    return domain_write(s, officers_tx, &j);
}

static enum err refuse(struct tender_refusal *why, const char *field)
{
    if (why != NULL) {
        why->rule = "escrow";
        why->field = field;
    }
    return ERR_ESCROW_OFFICERS_INVALID;
}

enum err escrow_publish(struct store_tx *tx, const struct tender_caller *c, const struct tender *t,
                        struct tender_refusal *why)
{
    struct arena a;
    struct page pg;
    struct escrow_keypair kp;
    uint8_t shares[SHARES_MAX][SHAMIR_SHARE_LEN];
    EVP_PKEY *keys[SHARES_MAX] = {0};
    char fps[SHARES_MAX][65];
    int64_t now = clock_now_ms();
    enum err e = ERR_OK;
    bool have_kp = false;
    if (t->escrow_k <= 0 && t->escrow_n <= 0)
        return ERR_OK;
    if (t->escrow_k < 2 || t->escrow_k > t->escrow_n || t->escrow_n > ESCROW_MAX_OFFICERS)
        return refuse(why, "escrow_k");
    arena_init(&a, 0);
    int rc = store_escrow_officer_list(tx, &a, t->id, ESCROW_MAX_OFFICERS, &pg);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    if (pg.n != t->escrow_n) {
        e = refuse(why, "escrow_officers");
        goto out;
    }
    const struct escrow_officer *off = pg.items;
    for (int i = 0; i < pg.n; i++) {
        e = usercert_enc_key(tx, off[i].user_id, now, &keys[i], fps[i]);
        if (e == ERR_OK && escrow_officer_suite(keys[i]) == NULL)
            e = ERR_ESCROW_OFFICERS_INVALID;
        if (e == ERR_USER_CERT_MISSING || e == ERR_CERT_EXPIRED || e == ERR_CERT_NOT_YET_VALID ||
            e == ERR_ESCROW_OFFICERS_INVALID) {
            e = refuse(why, "escrow_officers");
            goto out;
        }
        if (e != ERR_OK)
            goto out;
    }
    e = ERR_INTERNAL;
    if (escrow_keypair_new(&kp) != 0)
        goto out;
    have_kp = true;
    if (shamir_split(kp.secret, ESCROW_SECRET_LEN, (unsigned)t->escrow_k, (unsigned)pg.n, shares) !=
        SHAMIR_OK)
        goto out;
    struct shamir_share_info info;
    char split[33], gid[65], iid[65];
    if (shamir_share_parse(shares[0], SHAMIR_SHARE_LEN, &info) != SHAMIR_OK)
        goto out;
    hex_encode(info.split_id, 16, split);
    hex_encode(kp.gm_key_id, 32, gid);
    hex_encode(kp.intl_key_id, 32, iid);
    struct escrow_key k = {.tender_id = t->id,
                           .k = t->escrow_k,
                           .n = pg.n,
                           .split_id = split,
                           .gm_pub = kp.gm_pub,
                           .intl_pub = kp.intl_pub,
                           .gm_key_id = gid,
                           .intl_key_id = iid,
                           .created_ms = now};
    rc = store_escrow_key_put(tx, &k);
    for (int i = 0; i < pg.n && rc == STORE_OK; i++) {
        uint8_t sealed[ESCROW_SEALED_MAX];
        size_t sl = sizeof sealed;
        if (escrow_share_seal(keys[i], t->id, (unsigned)off[i].x, shares[i], sealed, &sl) !=
            SEAL_OK)
            goto out;
        struct escrow_share sh = {.tender_id = t->id,
                                  .x = off[i].x,
                                  .user_id = off[i].user_id,
                                  .cert_fp = fps[i],
                                  .enc = sealed,
                                  .enc_len = sl};
        rc = store_escrow_share_insert(tx, &sh);
    }
    if (rc == STORE_OK) {
        char detail[400];
        snprintf(detail, sizeof detail,
                 "{\"k\":%lld,\"n\":%d,\"split_id\":\"%s\",\"gm_key_id\":\"%s\","
                 "\"intl_key_id\":\"%s\"}",
                 (long long)t->escrow_k, pg.n, split, gid, iid);
        rc = record(tx, &c->who, "escrow.create", t->id, detail);
    }
    e = domain_store_err(rc);
out:
    OPENSSL_cleanse(shares, sizeof shares);
    if (have_kp)
        escrow_keypair_wipe(&kp);
    for (int i = 0; i < SHARES_MAX; i++)
        EVP_PKEY_free(keys[i]);
    arena_release(&a);
    return e;
}

enum err escrow_bid_check(struct store_tx *tx, int64_t tender_id, const struct envelope_header *h,
                          char *msg, size_t msglen)
{
    struct arena a;
    struct escrow_key k;
    char hex[65];
    arena_init(&a, 0);
    int rc = store_escrow_key_get(tx, &a, tender_id, &k);
    enum err e = rc == STORE_NOTFOUND ? ERR_OK : domain_store_err(rc);
    if (rc == STORE_OK && h != NULL && h->suite != NULL) {
        const char *want = h->suite->id == SUITE_GM ? k.gm_key_id : k.intl_key_id;
        e = ERR_BID_ESCROW_MISSING;
        for (int i = 0; i < h->n_recipients; i++) {
            hex_encode(h->rcpt[i].key_id, 32, hex);
            if (h->rcpt[i].kind == ENVELOPE_RCPT_ESCROW && strcmp(hex, want) == 0)
                e = ERR_OK;
        }
        if (e != ERR_OK && msg != NULL)
            snprintf(msg, msglen,
                     "The tender asks for escrow: seal the bid also to its %s escrow key "
                     "(GET /api/tenders/%lld/escrow, key id %s).",
                     h->suite->name, (long long)tender_id, want);
    }
    arena_release(&a);
    return e;
}

enum err escrow_view_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                          struct buf *out)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct tender t;
    struct tender_access acc;
    struct escrow_key k;
    struct page offs, shares, opens;
    struct jsonw w;
    arena_init(&a, 0);
    int rc = store_begin(s, STORE_READ, &tx);
    enum err e = domain_store_err(rc);
    if (e != ERR_OK)
        goto out;
    rc = store_tender_get(tx, &a, tender_id, &t);
    e = domain_store_err(rc);
    if (e == ERR_OK)
        e = tender_access_check(tx, c, &t, &acc);
    if (e != ERR_OK)
        goto out;
    rc = store_escrow_key_get(tx, &a, tender_id, &k);
    bool have_key = rc == STORE_OK;
    if (rc != STORE_OK && rc != STORE_NOTFOUND) {
        e = domain_store_err(rc);
        goto out;
    }
    rc = store_escrow_officer_list(tx, &a, tender_id, ESCROW_MAX_OFFICERS, &offs);
    if (rc == STORE_OK)
        rc = store_escrow_share_list(tx, &a, tender_id, ESCROW_MAX_OFFICERS, &shares);
    if (rc == STORE_OK)
        rc = store_escrow_open_list(tx, &a, tender_id, 1000, &opens);
    e = domain_store_err(rc);
    if (e != ERR_OK)
        goto out;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "tender_id", tender_id);
    jsonw_kint(&w, "k", have_key ? k.k : t.escrow_k);
    jsonw_kint(&w, "n", have_key ? k.n : t.escrow_n);
    jsonw_key(&w, "public_keys");
    if (have_key) {
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "gm", k.gm_pub);
        jsonw_kstr(&w, "intl", k.intl_pub);
        jsonw_obj_end(&w);
        jsonw_key(&w, "key_ids");
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "gm", k.gm_key_id);
        jsonw_kstr(&w, "intl", k.intl_key_id);
        jsonw_obj_end(&w);
        jsonw_kstr(&w, "split_id", k.split_id);
    } else {
        jsonw_null(&w);
    }
    jsonw_key(&w, "officers");
    jsonw_arr_begin(&w);
    const struct escrow_officer *o = offs.items;
    const struct escrow_share *sh = shares.items;
    for (int i = 0; i < offs.n; i++) {
        const struct escrow_share *mine = NULL;
        for (int m = 0; m < shares.n; m++)
            if (sh[m].x == o[i].x)
                mine = &sh[m];
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "user_id", o[i].user_id);
        jsonw_kstr(&w, "name", o[i].name);
        jsonw_kint(&w, "x", o[i].x);
        jsonw_kbool(&w, "submitted", mine != NULL && mine->submitted_ms > 0);
        if (mine != NULL && mine->rejected_ms > 0)
            jsonw_kbool(&w, "rejected", true);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_kbool(&w, "recovered", have_key && k.recovered_ms > 0);
    if (have_key && k.recovered_ms > 0)
        jsonw_kint(&w, "recovered_ms", k.recovered_ms);
    jsonw_key(&w, "opened");
    jsonw_arr_begin(&w);
    const struct escrow_open *op = opens.items;
    for (int i = 0; i < opens.n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "org_id", op[i].org_id);
        jsonw_kint(&w, "lot_no", op[i].lot_no);
        jsonw_kstr(&w, "status", op[i].status);
        jsonw_kint(&w, "at_ms", op[i].at_ms);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    if (jsonw_finish(&w) != JSONW_OK)
        e = ERR_INTERNAL;
out:
    store_rollback(tx);
    arena_release(&a);
    return e;
}

enum err escrow_share_get(struct store *s, const struct tender_caller *c, int64_t tender_id,
                          unsigned *x, struct buf *sealed)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct tender t;
    struct escrow_key k;
    struct page pg;
    const struct escrow_share *mine = NULL;
    arena_init(&a, 0);
    int rc = store_begin(s, STORE_READ, &tx);
    enum err e = domain_store_err(rc);
    if (e != ERR_OK)
        goto out;
    rc = store_tender_get(tx, &a, tender_id, &t);
    if (rc != STORE_OK) {
        e = rc == STORE_NOTFOUND ? ERR_ESCROW_NONE : domain_store_err(rc);
        goto out;
    }
    rc = store_escrow_key_get(tx, &a, tender_id, &k);
    if (rc == STORE_OK)
        rc = store_escrow_share_list(tx, &a, tender_id, ESCROW_MAX_OFFICERS, &pg);
    if (rc != STORE_OK) {
        e = rc == STORE_NOTFOUND ? ERR_ESCROW_NONE : domain_store_err(rc);
        goto out;
    }
    const struct escrow_share *sh = pg.items;
    for (int i = 0; i < pg.n; i++)
        if (sh[i].user_id == c->who.user_id && c->who.user_id != 0)
            mine = &sh[i];
    if (mine == NULL) {
        e = ERR_ESCROW_NOT_OFFICER;
        goto out;
    }
    /* Released only in the hall: before the deadline k officers holding
     * their sealed shares could rebuild the key and open every bid's escrow
     * block; after the opening nothing takes a share any more. */
    if (strcmp(t.state, "opening") != 0) {
        e = ERR_ESCROW_NOT_OPENING;
        goto out;
    }
    *x = (unsigned)mine->x;
    buf_reset(sealed);
    e = buf_append(sealed, mine->enc, mine->enc_len) == 0 ? ERR_OK : ERR_INTERNAL;
out:
    store_rollback(tx);
    arena_release(&a);
    return e;
}

/* The submitted, not set-aside shares of pg into ptrs/lens/xs; their count. */
static int usable_shares(const struct page *pg, const uint8_t *ptrs[], size_t lens[], unsigned xs[])
{
    const struct escrow_share *sh = pg->items;
    int m = 0;
    for (int i = 0; i < pg->n && m < SHARES_MAX; i++) {
        if (sh[i].plain == NULL || sh[i].submitted_ms == 0 || sh[i].rejected_ms > 0)
            continue;
        ptrs[m] = sh[i].plain;
        lens[m] = sh[i].plain_len;
        xs[m] = (unsigned)sh[i].x;
        m++;
    }
    return m;
}

/* Combines the usable shares; on SHAMIR_OK checks both halves against the
 * stored key ids. status[] per usable share. */
static int combine(const struct escrow_key *k, const struct page *pg,
                   uint8_t secret[ESCROW_SECRET_LEN], int *status, unsigned *xs, int *m)
{
    const uint8_t *ptrs[SHARES_MAX];
    size_t lens[SHARES_MAX], sl = 0;
    char gid[65], iid[65];
    *m = usable_shares(pg, ptrs, lens, xs);
    if (*m < k->k)
        return SHAMIR_ETOOFEW;
    int rc = shamir_combine(ptrs, lens, (size_t)*m, secret, ESCROW_SECRET_LEN, &sl, status);
    if (rc != SHAMIR_OK)
        return rc;
    if (sl != ESCROW_SECRET_LEN || escrow_secret_key_id(secret, &suite_gm, gid) != SEAL_OK ||
        escrow_secret_key_id(secret, &suite_intl, iid) != SEAL_OK ||
        strcmp(gid, k->gm_key_id) != 0 || strcmp(iid, k->intl_key_id) != 0) {
        OPENSSL_cleanse(secret, ESCROW_SECRET_LEN);
        return SHAMIR_EMISMATCH;
    }
    return SHAMIR_OK;
}

struct submit_job {
    const struct tender_caller *c;
    int64_t tender_id;
    const uint8_t *share;
    const struct shamir_share_info *info;
    struct escrow_submit_result *out;
};

static enum err submit_tx(struct store_tx *tx, void *arg)
{
    struct submit_job *j = arg;
    struct escrow_submit_result *out = j->out;
    struct arena a;
    struct tender t;
    struct tender_access acc;
    struct escrow_key k;
    struct page pg;
    uint8_t secret[ESCROW_SECRET_LEN];
    int status[SHARES_MAX];
    unsigned xs[SHARES_MAX];
    char split[33], detail[256];
    int64_t now = clock_now_ms();
    int m = 0;
    enum err e;
    memset(out, 0, sizeof(*out));
    arena_init(&a, 0);
    int rc = store_tender_get(tx, &a, j->tender_id, &t);
    e = domain_store_err(rc);
    if (e == ERR_OK)
        e = tender_access_check(tx, j->c, &t, &acc);
    if (e != ERR_OK)
        goto out;
    rc = store_escrow_key_get(tx, &a, t.id, &k);
    if (rc != STORE_OK) {
        e = rc == STORE_NOTFOUND ? ERR_ESCROW_NONE : domain_store_err(rc);
        goto out;
    }
    rc = store_escrow_share_list(tx, &a, t.id, ESCROW_MAX_OFFICERS, &pg);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    const struct escrow_share *sh = pg.items;
    for (int i = 0; i < pg.n; i++)
        if (sh[i].user_id == j->c->who.user_id && j->c->who.user_id != 0)
            out->x = (unsigned)sh[i].x;
    if (out->x == 0) {
        e = ERR_ESCROW_NOT_OFFICER;
        goto out;
    }
    if (strcmp(t.state, "opening") != 0) {
        e = ERR_ESCROW_NOT_OPENING;
        goto out;
    }
    hex_encode(j->info->split_id, 16, split);
    if (j->info->x != out->x || j->info->k != (unsigned)k.k || j->info->n != (unsigned)k.n ||
        j->info->secret_len != ESCROW_SECRET_LEN || strcmp(split, k.split_id) != 0) {
        e = ERR_ESCROW_SHARE_INVALID;
        goto out;
    }
    if (k.recovered_ms > 0) {
        out->recovered = true; /* done: the shares that gave the key stay as they are */
        goto counted;
    }
    rc = store_escrow_share_submit(tx, t.id, out->x, j->share, SHAMIR_SHARE_LEN, now);
    if (rc == STORE_OK) {
        snprintf(detail, sizeof detail, "{\"x\":%u}", out->x);
        rc = record(tx, &j->c->who, "escrow.share", t.id, detail);
    }
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    /* reread with this share in */
    rc = store_escrow_share_list(tx, &a, t.id, ESCROW_MAX_OFFICERS, &pg);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    int crc = combine(&k, &pg, secret, status, xs, &m);
    OPENSSL_cleanse(secret, sizeof secret);
    if (crc == SHAMIR_ETOOFEW && m < k.k)
        goto counted;
    if (crc == SHAMIR_OK) {
        out->recovered = true;
        rc = store_escrow_key_recovered(tx, t.id, now);
        if (rc == STORE_OK)
            rc = record(tx, &j->c->who, "escrow.recovered", t.id, NULL);
    } else {
        out->mismatch = true;
    }
    for (int i = 0; i < m && rc == STORE_OK; i++) {
        if (status[i] == SHAMIR_OK || (crc != SHAMIR_OK && status[i] != SHAMIR_EMISMATCH))
            continue;
        out->bad[out->n_bad++] = xs[i];
        rc = store_escrow_share_reject(tx, t.id, xs[i], now);
        if (rc == STORE_OK) {
            snprintf(detail, sizeof detail, "{\"x\":%u,\"reason\":\"%s\"}", xs[i],
                     shamir_code(status[i]));
            rc = record(tx, &j->c->who, "escrow.share_rejected", t.id, detail);
        }
    }
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
counted:
    rc = store_escrow_share_list(tx, &a, t.id, ESCROW_MAX_OFFICERS, &pg);
    if (rc == STORE_OK) {
        const uint8_t *ptrs[SHARES_MAX];
        size_t lens[SHARES_MAX];
        out->submitted = usable_shares(&pg, ptrs, lens, xs);
    }
    e = domain_store_err(rc);
out:
    arena_release(&a);
    return e;
}

enum err escrow_share_submit(struct store *s, const struct tender_caller *c, int64_t tender_id,
                             const uint8_t *share, size_t len, struct escrow_submit_result *out)
{
    struct shamir_share_info info;
    memset(out, 0, sizeof(*out));
    if (share == NULL || len != SHAMIR_SHARE_LEN ||
        shamir_share_parse(share, len, &info) != SHAMIR_OK)
        return ERR_ESCROW_SHARE_INVALID;
    struct submit_job j = {c, tender_id, share, &info, out};
    return domain_write(s, submit_tx, &j);
}

enum err escrow_recovered_key(struct store_tx *tx, int64_t tender_id, const struct suite *suite,
                              EVP_PKEY **key, uint8_t key_id[32])
{
    struct arena a;
    struct escrow_key k;
    struct page pg;
    uint8_t secret[ESCROW_SECRET_LEN];
    int status[SHARES_MAX];
    unsigned xs[SHARES_MAX];
    int m = 0;
    enum err e;
    *key = NULL;
    arena_init(&a, 0);
    int rc = store_escrow_key_get(tx, &a, tender_id, &k);
    if (rc != STORE_OK) {
        e = rc == STORE_NOTFOUND ? ERR_ESCROW_NONE : domain_store_err(rc);
        goto out;
    }
    if (k.recovered_ms == 0) {
        e = ERR_ESCROW_NOT_RECOVERED;
        goto out;
    }
    rc = store_escrow_share_list(tx, &a, tender_id, ESCROW_MAX_OFFICERS, &pg);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    e = ERR_ESCROW_NOT_RECOVERED;
    if (combine(&k, &pg, secret, status, xs, &m) != SHAMIR_OK)
        goto out;
    *key = escrow_key_from_scalar(suite, suite->id == SUITE_GM ? secret : secret + 32);
    OPENSSL_cleanse(secret, sizeof secret);
    if (*key == NULL || suite_key_id(*key, key_id) != SEAL_OK) {
        EVP_PKEY_free(*key);
        *key = NULL;
        e = ERR_INTERNAL;
        goto out;
    }
    e = ERR_OK;
out:
    arena_release(&a);
    return e;
}
