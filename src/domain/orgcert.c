/*
 * domain/orgcert.c — registering an organisation's signing and encryption
 * certificates (orgcert.h): the checks in the order listed there, then one
 * write transaction. Threads: any worker.
 */
#include "domain/orgcert.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/jsonw.h"
#include "ledger/ledger.h"

struct reg_job {
    struct trust_cache *tc;
    const struct actor *who;
    int64_t org_id;
    X509 *sign, *enc;
    struct x509_info si, ei;
    unsigned char *sder, *eder;
    int slen, elen;
    struct orgcert_result *out;
};

static enum err insert_one(struct store_tx *tx, struct reg_job *j, const char *usage,
                           const struct x509_info *info, const unsigned char *der, int der_len,
                           int64_t now, int64_t *id)
{
    struct org_cert c = {0};
    c.org_id = j->org_id;
    c.usage = usage;
    c.der = der;
    c.der_len = (size_t)der_len;
    c.fingerprint = info->fingerprint;
    c.subject = info->subject;
    c.issuer = info->issuer;
    c.serial = info->serial;
    c.key_alg = x509_key_name(info->key);
    c.uscc = info->uscc[0] ? info->uscc : NULL;
    c.not_before_ms = info->not_before_ms;
    c.not_after_ms = info->not_after_ms;
    c.registered_by = j->who->user_id;
    c.registered_ms = now;
    int rc = store_org_cert_retire(tx, j->org_id, usage, now);
    if (rc == STORE_OK)
        rc = store_org_cert_insert(tx, &c, id);
    if (rc == STORE_CONSTRAINT)
        return ERR_STORE_BUSY; /* a concurrent registration: again */
    return domain_store_err(rc);
}

static enum err reg_tx(struct store_tx *tx, void *arg)
{
    struct reg_job *j = arg;
    struct trust_snapshot *snap = NULL;
    struct arena a;
    struct org org;
    int64_t now = clock_now_ms();
    enum err e;
    char uscc[19];

    arena_init(&a, 0);
    int rc = store_org_get(tx, &a, j->org_id, &org);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    e = trust_snapshot_get(j->tc, tx, &snap);
    if (e != ERR_OK)
        goto out;
    rc = x509_check_pair(&snap->t, j->sign, j->enc, now, &j->out->check);
    trust_snapshot_put(j->tc, snap);
    if (rc != X509V_OK) {
        e = trust_x509_err(rc);
        goto out;
    }
    for (int k = 0; k < 2; k++) {
        rc = x509_uscc(k == 0 ? j->sign : j->enc, uscc);
        if (rc != X509V_OK) {
            e = trust_x509_err(rc);
            goto out;
        }
        if (strcmp(uscc, org.uscc) != 0) {
            snprintf(j->out->check.message, sizeof(j->out->check.message),
                     "the certificate names %s; the organisation is %s", uscc, org.uscc);
            e = ERR_CERT_USCC_MISMATCH;
            goto out;
        }
    }
    e = insert_one(tx, j, "sign", &j->si, j->sder, j->slen, now, &j->out->sign_id);
    if (e == ERR_OK)
        e = insert_one(tx, j, "encrypt", &j->ei, j->eder, j->elen, now, &j->out->enc_id);
    if (e != ERR_OK)
        goto out;
    struct buf detail;
    struct jsonw w;
    buf_init(&detail, 4096);
    jsonw_init(&w, &detail);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "sign", j->si.fingerprint);
    jsonw_kstr(&w, "encrypt", j->ei.fingerprint);
    jsonw_kstr(&w, "subject", j->si.subject);
    jsonw_kstr(&w, "issuer", j->si.issuer);
    jsonw_obj_end(&w);
    rc = jsonw_finish(&w) == JSONW_OK ? STORE_OK : STORE_ERROR;
    if (rc == STORE_OK)
        rc = audit_record(tx, j->who, "cert.register", "org", j->org_id, detail.data);
    buf_release(&detail);
    if (rc == STORE_OK) {
        struct ledger_event ev = {.type = "cert.register",
                                  .subject_type = "org",
                                  .subject_id = j->org_id,
                                  .actor_id = j->who->user_id,
                                  .actor_name = j->who->name ? j->who->name : "system",
                                  .doc_hash = j->si.fingerprint};
        rc = ledger_append(tx, &ev);
    }
    e = domain_store_err(rc);
out:
    arena_release(&a);
    return e;
}

enum err orgcert_register(struct store *s, struct trust_cache *tc, const struct actor *who,
                          int64_t org_id, const void *sign, size_t sign_len, const void *enc,
                          size_t enc_len, struct orgcert_result *out)
{
    struct reg_job j = {0};
    enum err e = ERR_CERT_MALFORMED;
    memset(out, 0, sizeof(*out));
    out->check.rc = X509V_EMALFORMED;
    j.tc = tc;
    j.who = who;
    j.org_id = org_id;
    j.out = out;
    if (org_id <= 0)
        return ERR_NOT_FOUND;
    if (sign_len == 0 || enc_len == 0 || sign_len > ORGCERT_MAX_PEM || enc_len > ORGCERT_MAX_PEM)
        goto out;
    j.sign = x509_parse(sign, sign_len);
    j.enc = x509_parse(enc, enc_len);
    if (j.sign == NULL || j.enc == NULL) {
        snprintf(out->check.message, sizeof(out->check.message), "the %s certificate is unreadable",
                 j.sign == NULL ? "signing" : "encryption");
        goto out;
    }
    if (x509_describe(j.sign, &j.si) != X509V_OK || x509_describe(j.enc, &j.ei) != X509V_OK)
        goto out;
    j.slen = i2d_X509(j.sign, &j.sder);
    j.elen = i2d_X509(j.enc, &j.eder);
    if (j.slen <= 0 || j.elen <= 0)
        goto out;
    memcpy(out->sign_fp, j.si.fingerprint, sizeof(out->sign_fp));
    memcpy(out->enc_fp, j.ei.fingerprint, sizeof(out->enc_fp));
    e = domain_write(s, reg_tx, &j);
out:
    X509_free(j.sign);
    X509_free(j.enc);
    OPENSSL_free(j.sder);
    OPENSSL_free(j.eder);
    return e;
}
