/*
 * domain/contract.c — the contract signed online by both sides
 * (contract.h). The document goes into the blob store before the
 * transaction (content-addressed: a failed step leaves at most an
 * unreferenced blob, as a tender document upload does); the row, the
 * signatures and the tender's move are one transaction each.
 *
 * Threads: any; no shared state.
 */
#include "domain/contract.h"

#include <stdio.h>
#include <string.h>

#include "base/base64.h"
#include "base/clock.h"
#include "base/roles.h"
#include "domain/complaint.h"
#include "domain/orgsig.h"
#include "domain/usercert.h"
#include "store/bids.h"
#include "store/escrow.h"
#include "store/evaluation.h"

int contract_sign_message(int64_t tender_id, int64_t lot, const char *doc_sha, int64_t amount_fen,
                          char *out, size_t n)
{
    int k = lot == 1 ? snprintf(out, n, "sunbid contract v1\n%lld\n%s\n%lld\n",
                                (long long)tender_id, doc_sha ? doc_sha : "", (long long)amount_fen)
                     : snprintf(out, n, "sunbid contract v2\n%lld\n%lld\n%s\n%lld\n",
                                (long long)tender_id, (long long)lot, doc_sha ? doc_sha : "",
                                (long long)amount_fen);
    return k < 0 || (size_t)k >= n ? -1 : k;
}

struct job {
    const struct tender_caller *c;
    int64_t tender_id;
    int64_t lot;
    /* upload */
    const char *name, *type, *sha;
    size_t len;
    int64_t amount;
    /* sign */
    const uint8_t *sig;
    size_t sig_len;
    bool done;
    const char **field;
    struct arena a;
};

/* Loads the tender (visibility checked), checks the lot and loads the lot's
 * evaluation. */
static enum err load(struct store_tx *tx, struct job *j, struct tender *t,
                     struct tender_access *acc, struct evaluation *ev)
{
    arena_release(&j->a);
    memset(t, 0, sizeof *t);
    memset(ev, 0, sizeof *ev);
    int rc = store_tender_get(tx, &j->a, j->tender_id, t);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e = tender_access_check(tx, j->c, t, acc);
    if (e != ERR_OK)
        return e;
    e = award_lot_check(tx, &j->a, t, j->lot);
    if (e != ERR_OK)
        return e;
    rc = store_eval_get(tx, &j->a, t->id, (int)j->lot, ev);
    if (rc == STORE_NOTFOUND)
        return ERR_WRONG_STATE;
    return domain_store_err(rc);
}

static enum err upload_tx(struct store_tx *tx, void *arg)
{
    struct job *j = arg;
    struct tender t;
    struct tender_access acc;
    struct evaluation ev;
    struct award_contract k;
    char d[160];
    int64_t now = clock_now_ms();
    enum err e = load(tx, j, &t, &acc, &ev);
    if (e == ERR_WRONG_STATE && award_is_agent(j->c, &t))
        return e;
    if (e != ERR_OK)
        return e == ERR_WRONG_STATE ? ERR_FORBIDDEN : e;
    if (!award_is_agent(j->c, &t))
        return ERR_FORBIDDEN;
    if (strcmp(ev.phase, "awarded") != 0 || ev.award_org_id == 0)
        return ERR_WRONG_STATE;
    /* a suspension (t.paused) stops the signing, not the drafting */
    int rc = store_contract_get(tx, &j->a, t.id, j->lot, &k);
    if (rc == STORE_OK && (k.bidder_sig != NULL || k.agent_sig != NULL))
        return ERR_CONTRACT_SIGNED;
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        return domain_store_err(rc);
    int64_t version = rc == STORE_OK ? k.version + 1 : 1;
    struct award_contract n = {.tender_id = t.id,
                               .lot_no = j->lot,
                               .winner_org_id = ev.award_org_id,
                               .amount_fen = j->amount,
                               .doc_sha = j->sha,
                               .doc_name = j->name,
                               .doc_type = j->type,
                               .doc_size = (int64_t)j->len,
                               .uploaded_by = j->c->who.user_id,
                               .uploaded_ms = now,
                               .version = version};
    rc = store_contract_put(tx, &n);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    snprintf(d, sizeof d, "{\"lot\":%lld,\"amount_fen\":%lld,\"size\":%lld,\"version\":%lld}",
             (long long)j->lot, (long long)j->amount, (long long)j->len, (long long)version);
    return domain_store_err(
        award_record(tx, j->c, "contract.upload", "contract", t.id, t.id, d, j->sha));
}

static bool name_ok(const char *s)
{
    if (!award_text_ok(s, CONTRACT_NAME_MAX))
        return false;
    for (const char *p = s; *p; p++)
        if (*p == '/' || *p == '\\' || *p == '\n' || *p == '\t')
            return false;
    return true;
}

enum err contract_upload(struct store *s, const struct tender_caller *c, int64_t tender_id,
                         int64_t lot, const char *name, const char *media_type, const void *data,
                         size_t len, int64_t amount_fen, char sha[65], const char **field)
{
    const char *dummy = NULL;
    if (field == NULL)
        field = &dummy;
    *field = NULL;
    if (name == NULL) {
        *field = "name";
        return ERR_MISSING_FIELD;
    }
    if (!name_ok(name)) {
        *field = "name";
        return ERR_INVALID_FIELD;
    }
    if (amount_fen <= 0 || amount_fen > TENDER_MONEY_MAX) {
        *field = "amount_fen";
        return ERR_INVALID_FIELD;
    }
    if (len == 0 || len > CONTRACT_DOC_MAX) {
        *field = "document";
        return len == 0 ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    }
    if (media_type == NULL || media_type[0] == '\0' || strlen(media_type) > 200)
        media_type = "application/octet-stream";
    int rc = blob_put(s, data, len, sha);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    struct job j = {.c = c,
                    .tender_id = tender_id,
                    .lot = lot,
                    .name = name,
                    .type = media_type,
                    .sha = sha,
                    .len = len,
                    .amount = amount_fen,
                    .field = field};
    arena_init(&j.a, 4u << 20);
    enum err e = domain_write(s, upload_tx, &j);
    arena_release(&j.a);
    return e;
}

/* The winner's signature with its organisation's signing certificate:
 * the DER signature and the certificate, base64, into the arena. */
static enum err verify_bidder(struct store_tx *tx, struct job *j, const char *msg, size_t ml,
                              int64_t now, char **sig64, char **cert64)
{
    struct org_cert cert;
    uint8_t der[ORGSIG_MAX];
    size_t der_len = 0;
    int rc = store_org_cert_active(tx, &j->a, j->c->org_id, "sign", &cert);
    if (rc == STORE_NOTFOUND)
        return ERR_OPENING_NO_CERTIFICATE;
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (cert.not_before_ms != 0 && now < cert.not_before_ms)
        return ERR_CERT_NOT_YET_VALID;
    if (cert.not_after_ms != 0 && now > cert.not_after_ms)
        return ERR_CERT_EXPIRED;
    enum err e =
        orgsig_verify(cert.der, cert.der_len, msg, ml, j->sig, j->sig_len, der, &der_len, NULL);
    if (e != ERR_OK)
        return e;
    *sig64 = arena_alloc(&j->a, B64_LEN(der_len));
    *cert64 = arena_alloc(&j->a, B64_LEN(cert.der_len));
    if (*sig64 == NULL || *cert64 == NULL)
        return ERR_INTERNAL;
    b64_encode(der, der_len, *sig64);
    b64_encode(cert.der, cert.der_len, *cert64);
    return ERR_OK;
}

/* The agent's signature with its personal signing certificate. */
static enum err verify_agent(struct store_tx *tx, struct job *j, const char *msg, size_t ml,
                             char **sig64, char **cert64)
{
    struct user_cert uc;
    enum err e = usercert_verify_tx(tx, j->c->who.user_id, msg, ml, j->sig, j->sig_len);
    if (e != ERR_OK)
        return e;
    int rc = store_user_cert_active(tx, &j->a, j->c->who.user_id, "sign", &uc);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    *sig64 = arena_alloc(&j->a, B64_LEN(j->sig_len));
    *cert64 = arena_alloc(&j->a, B64_LEN(uc.der_len));
    if (*sig64 == NULL || *cert64 == NULL)
        return ERR_INTERNAL;
    b64_encode(j->sig, j->sig_len, *sig64);
    b64_encode(uc.der, uc.der_len, *cert64);
    return ERR_OK;
}

static enum err sign_tx(struct store_tx *tx, void *arg)
{
    struct job *j = arg;
    struct tender t;
    struct tender_access acc;
    struct evaluation ev;
    struct award_contract k;
    struct award_rules r;
    char msg[256], d[200];
    char *sig64 = NULL, *cert64 = NULL;
    int64_t now = clock_now_ms();
    j->done = false;
    enum err e = load(tx, j, &t, &acc, &ev);
    bool agent = e != ERR_NOT_FOUND && award_is_agent(j->c, &t);
    bool winner = e == ERR_OK && (j->c->roles & ROLE_BIDDER) && j->c->org_id != 0 &&
                  j->c->org_id == ev.award_org_id;
    if (e == ERR_WRONG_STATE)
        return agent ? ERR_WRONG_STATE : ERR_CONTRACT_NOT_WINNER;
    if (e != ERR_OK)
        return e;
    if (!agent && !winner)
        return (j->c->roles & ROLE_BIDDER) ? ERR_CONTRACT_NOT_WINNER : ERR_FORBIDDEN;
    if (strcmp(ev.phase, "awarded") != 0)
        return ERR_WRONG_STATE;
    int64_t nsusp = 0;
    int rc = store_complaint_suspended_count(tx, t.id, &nsusp);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (t.paused || nsusp > 0)
        return ERR_TENDER_PAUSED;
    rc = store_contract_get(tx, &j->a, t.id, j->lot, &k);
    if (rc == STORE_NOTFOUND)
        return ERR_CONTRACT_NOT_UPLOADED;
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (strcmp(k.doc_sha, j->sha) != 0)
        return ERR_CONTRACT_CHANGED;
    if ((agent && k.agent_sig != NULL) || (!agent && k.bidder_sig != NULL))
        return ERR_CONTRACT_SIGNED;
    int ml = contract_sign_message(t.id, j->lot, k.doc_sha, k.amount_fen, msg, sizeof msg);
    if (ml < 0)
        return ERR_INTERNAL;
    e = agent ? verify_agent(tx, j, msg, (size_t)ml, &sig64, &cert64)
              : verify_bidder(tx, j, msg, (size_t)ml, now, &sig64, &cert64);
    if (e != ERR_OK)
        return e;
    if (agent) {
        k.agent_sig = sig64;
        k.agent_cert = cert64;
        k.agent_user_id = j->c->who.user_id;
        k.agent_signed_ms = now;
    } else {
        k.bidder_sig = sig64;
        k.bidder_cert = cert64;
        k.bidder_user_id = j->c->who.user_id;
        k.bidder_signed_ms = now;
    }
    rc = award_rules_load(tx, &r);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    j->done = k.agent_sig != NULL && k.bidder_sig != NULL;
    if (j->done) {
        k.signed_ms = now;
        int64_t due = 0;
        rc = award_due(tx, &r, AR_CONTRACT_DAYS, ev.award_ms, &due);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        k.late = now > due;
    }
    k.version++;
    rc = store_contract_sign(tx, &k);
    if (rc == STORE_NOTFOUND)
        return ERR_CONFLICT;
    if (rc != STORE_OK)
        return domain_store_err(rc);
    snprintf(d, sizeof d, "{\"lot\":%lld,\"side\":\"%s\",\"complete\":%s,\"late\":%s}",
             (long long)j->lot, agent ? "tenderer" : "winner", j->done ? "true" : "false",
             k.late ? "true" : "false");
    rc = award_record(tx, j->c, "contract.sign", "contract", t.id, t.id, d, k.doc_sha);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (!j->done)
        return ERR_OK;
    return evaluation_contract_tx(tx, j->c, t.id, (int)j->lot, k.amount_fen, k.doc_sha);
}

static bool hex64(const char *s)
{
    if (s == NULL || strlen(s) != 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

enum err contract_sign(struct store *s, const struct tender_caller *c, int64_t tender_id,
                       int64_t lot, const char *doc_sha, const uint8_t *sig, size_t sig_len,
                       bool *done)
{
    if (!hex64(doc_sha) || sig == NULL || sig_len == 0 || sig_len > CONTRACT_SIG_MAX)
        return ERR_INVALID_FIELD;
    struct job j = {
        .c = c, .tender_id = tender_id, .lot = lot, .sha = doc_sha, .sig = sig, .sig_len = sig_len};
    arena_init(&j.a, 4u << 20);
    enum err e = domain_write(s, sign_tx, &j);
    arena_release(&j.a);
    if (done != NULL)
        *done = e == ERR_OK && j.done;
    return e;
}

enum err contract_document(struct store *s, const struct tender_caller *c, struct arena *a,
                           int64_t tender_id, int64_t lot, struct award_contract *k,
                           struct buf *out)
{
    struct store_tx *tx = NULL;
    struct tender t;
    struct tender_access acc;
    struct evaluation ev;
    int rc = store_begin(s, STORE_READ, &tx);
    enum err e = domain_store_err(rc);
    if (rc != STORE_OK)
        goto out;
    rc = store_tender_get(tx, a, tender_id, &t);
    e = domain_store_err(rc);
    if (rc != STORE_OK)
        goto out;
    e = tender_access_check(tx, c, &t, &acc);
    if (e != ERR_OK)
        goto out;
    e = award_lot_check(tx, a, &t, lot);
    if (e != ERR_OK)
        goto out;
    rc = store_eval_get(tx, a, t.id, (int)lot, &ev);
    if (rc == STORE_OK)
        rc = store_contract_get(tx, a, t.id, lot, k);
    e = domain_store_err(rc);
    if (rc != STORE_OK)
        goto out;
    bool winner = (c->roles & ROLE_BIDDER) && c->org_id != 0 && c->org_id == ev.award_org_id;
    if (!winner && !acc.supervisor && !award_is_agent(c, &t))
        e = ERR_NOT_FOUND;
out:
    store_rollback(tx);
    if (e != ERR_OK)
        return e;
    rc = blob_get(s, k->doc_sha, out);
    return domain_store_err(rc);
}
