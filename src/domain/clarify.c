/*
 * domain/clarify.c — clarification questions to bidders (domain/clarify.h).
 *
 * The chair is found through the committee (store/draws.h: the committee
 * row's chair_member_id, whose member row names the user). The answer's
 * signature is checked with domain/orgsig.h against the organisation's
 * active signing certificate read in the same transaction that stores the
 * answer, so a certificate replaced meanwhile cannot slip in.
 *
 * Threads: any; no shared state.
 */
#include "domain/clarify.h"

#include <stdio.h>
#include <string.h>

#include "base/base64.h"
#include "base/clock.h"
#include "base/jsonw.h"
#include "base/roles.h"
#include "base/utf8.h"
#include "crypto/suite.h"
#include "domain/boq.h"
#include "domain/orgsig.h"
#include "ledger/ledger.h"
#include "store/bids.h"
#include "store/draws.h"
#include "store/opening.h"

int clarify_message(int64_t tender_id, int64_t question_id, const char *question,
                    const char *answer, struct buf *out)
{
    uint8_t h[32];
    char hex[65];
    suite_sha256(question, strlen(question), h);
    hex_encode(h, sizeof h, hex);
    hex[64] = '\0';
    return buf_printf(out, "sunbid-clarify-v1\n%lld\n%lld\n%s\n", (long long)tender_id,
                      (long long)question_id, hex) == 0 &&
                   buf_puts(out, answer) == 0
               ? 0
               : -1;
}

static bool text_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > CLARIFY_TEXT_MAX)
        return false;
    for (size_t i = 0; i < n;) {
        size_t l = utf8_seq((const unsigned char *)s + i, n - i);
        if (l == 0 ||
            (l == 1 && (unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\r' && s[i] != '\t'))
            return false;
        i += l;
    }
    return true;
}

static int record(struct store_tx *tx, const struct tender_caller *c, const char *type,
                  int64_t tender_id, int64_t qid, const char *doc_hash, const char *detail)
{
    int rc = audit_record(tx, &c->who, type, "clarification", qid, detail);
    if (rc != STORE_OK)
        return rc;
    struct ledger_event ev = {.type = type,
                              .subject_type = "clarification",
                              .subject_id = qid,
                              .actor_id = c->who.user_id,
                              .actor_name = c->who.name ? c->who.name : "system",
                              .doc_hash = doc_hash,
                              .tender_id = tender_id};
    return ledger_append(tx, &ev);
}

/* ---- ask ---- */

struct ask_job {
    const struct tender_caller *c;
    int64_t tender_id, org_id, deadline_ms, id;
    const char *body;
    const char **field;
    struct arena a;
};

static enum err ask_tx(struct store_tx *tx, void *arg)
{
    struct ask_job *j = arg;
    struct tender t;
    struct tender_access acc;
    struct committee cm;
    struct committee_member chair;
    struct page bids;
    char detail[96];
    int rc = store_tender_get(tx, &j->a, j->tender_id, &t);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e = tender_access_check(tx, j->c, &t, &acc);
    if (e != ERR_OK)
        return e;
    rc = store_committee_get(tx, j->tender_id, &cm);
    if (rc == STORE_NOTFOUND || (rc == STORE_OK && cm.chair_member_id == 0))
        return ERR_CLARIFY_NOT_CHAIR;
    if (rc != STORE_OK)
        return domain_store_err(rc);
    rc = store_committee_member_get(tx, &j->a, cm.chair_member_id, &chair);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (j->c->who.user_id == 0 || chair.user_id != j->c->who.user_id)
        return ERR_CLARIFY_NOT_CHAIR;
    if (strcmp(t.state, "evaluation") != 0)
        return ERR_WRONG_STATE;
    rc = store_opening_bid_list(tx, &j->a, j->tender_id, 1000, &bids);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    bool opened = false;
    for (int i = 0; i < bids.n && !opened; i++) {
        const struct opening_bid *b = (const struct opening_bid *)bids.items + i;
        opened = b->org_id == j->org_id && strcmp(b->status, "opened") == 0;
    }
    if (!opened) {
        *j->field = "org_id";
        return ERR_INVALID_FIELD;
    }
    struct clarify_question q = {0};
    q.tender_id = j->tender_id;
    q.org_id = j->org_id;
    q.member_id = chair.id;
    q.asked_by = j->c->who.user_id;
    q.body = j->body;
    q.asked_ms = clock_now_ms();
    q.deadline_ms = j->deadline_ms;
    if (q.deadline_ms <= q.asked_ms || q.deadline_ms > q.asked_ms + CLARIFY_WINDOW_MAX) {
        *j->field = "deadline_ms";
        return ERR_INVALID_FIELD;
    }
    rc = store_clarify_insert(tx, &q, &j->id);
    snprintf(detail, sizeof detail, "{\"org_id\":%lld,\"deadline_ms\":%lld}", (long long)j->org_id,
             (long long)j->deadline_ms);
    if (rc == STORE_OK)
        rc = record(tx, j->c, "clarify.ask", j->tender_id, j->id, NULL, detail);
    return domain_store_err(rc);
}

enum err clarify_ask(struct store *s, const struct tender_caller *c, int64_t tender_id,
                     int64_t org_id, const char *body, int64_t deadline_ms, int64_t *id,
                     const char **field)
{
    *field = NULL;
    if (!text_ok(body)) {
        *field = "body";
        return ERR_INVALID_FIELD;
    }
    if (org_id <= 0) {
        *field = "org_id";
        return ERR_INVALID_FIELD;
    }
    struct ask_job j = {c, tender_id, org_id, deadline_ms, 0, body, field, {0}};
    arena_init(&j.a, 0);
    enum err e = domain_write(s, ask_tx, &j);
    arena_release(&j.a);
    if (e == ERR_OK)
        *id = j.id;
    return e;
}

/* ---- answer ---- */

struct answer_job {
    const struct tender_caller *c;
    int64_t tender_id, qid;
    const char *answer;
    const uint8_t *sig;
    size_t sig_len;
    const char **field;
    struct arena a;
};

static enum err answer_tx(struct store_tx *tx, void *arg)
{
    struct answer_job *j = arg;
    struct clarify_question q;
    struct org_cert cert;
    struct buf msg;
    uint8_t der[ORGSIG_MAX], h[32];
    size_t der_len = 0;
    const char *alg = NULL;
    char b64[B64_LEN(ORGSIG_MAX)], hex[65], detail[64];
    int rc = store_clarify_get(tx, &j->a, j->qid, &q);
    if (rc == STORE_NOTFOUND || (rc == STORE_OK && q.tender_id != j->tender_id))
        return ERR_NOT_FOUND;
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (q.org_id != j->c->org_id)
        return ERR_NOT_FOUND; /* another bidder's question: not shown either */
    if (q.answer != NULL)
        return ERR_CLARIFY_ANSWERED;
    int64_t now = clock_now_ms();
    if (now >= q.deadline_ms)
        return ERR_CLARIFY_LATE;
    rc = store_org_cert_active(tx, &j->a, j->c->org_id, "sign", &cert);
    if (rc == STORE_NOTFOUND)
        return ERR_OPENING_NO_CERTIFICATE;
    if (rc != STORE_OK)
        return domain_store_err(rc);
    buf_init(&msg, 2 * CLARIFY_TEXT_MAX + 256);
    if (clarify_message(j->tender_id, j->qid, q.body, j->answer, &msg) != 0) {
        buf_release(&msg);
        return ERR_INTERNAL;
    }
    enum err e = orgsig_verify(cert.der, cert.der_len, msg.data, msg.len, j->sig, j->sig_len, der,
                               &der_len, &alg);
    suite_sha256(msg.data, msg.len, h);
    buf_release(&msg);
    if (e == ERR_OPENING_BAD_SIGNATURE) {
        *j->field = "signature";
        return ERR_CLARIFY_BAD_SIGNATURE;
    }
    if (e != ERR_OK)
        return e;
    b64_encode(der, der_len, b64);
    hex_encode(h, sizeof h, hex);
    hex[64] = '\0';
    q.answer = j->answer;
    q.signature = b64;
    q.cert_fp = cert.fingerprint;
    q.key_alg = alg;
    q.answered_by = j->c->who.user_id;
    q.answered_ms = now;
    rc = store_clarify_answer(tx, &q);
    if (rc == STORE_NOTFOUND)
        return ERR_CLARIFY_ANSWERED;
    snprintf(detail, sizeof detail, "{\"org_id\":%lld}", (long long)q.org_id);
    if (rc == STORE_OK)
        rc = record(tx, j->c, "clarify.answer", j->tender_id, j->qid, hex, detail);
    return domain_store_err(rc);
}

enum err clarify_answer(struct store *s, const struct tender_caller *c, int64_t tender_id,
                        int64_t qid, const char *answer, const char *sig_b64, const char **field)
{
    uint8_t sig[ORGSIG_MAX];
    size_t sig_len = 0;
    *field = NULL;
    if (!(c->roles & ROLE_BIDDER) || c->org_id == 0)
        return ERR_FORBIDDEN;
    if (!text_ok(answer)) {
        *field = "answer";
        return ERR_INVALID_FIELD;
    }
    if (sig_b64 == NULL || orgsig_decode(sig_b64, strlen(sig_b64), sig, &sig_len) != ERR_OK) {
        *field = "signature";
        return ERR_CLARIFY_BAD_SIGNATURE;
    }
    struct answer_job j = {c, tender_id, qid, answer, sig, sig_len, field, {0}};
    arena_init(&j.a, 0);
    enum err e = domain_write(s, answer_tx, &j);
    arena_release(&j.a);
    return e;
}

/* ---- reading ---- */

enum err clarify_list_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           struct buf *out)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct tender t;
    struct page pg;
    int64_t only = 0;
    arena_init(&a, 0);
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc != STORE_OK) {
        arena_release(&a);
        return domain_store_err(rc);
    }
    rc = store_tender_get(tx, &a, tender_id, &t);
    enum err e = domain_store_err(rc);
    if (e == ERR_OK) {
        e = boq_reader_check(tx, &a, c, &t);
        if (e == ERR_NOT_COMMITTEE_MEMBER && (c->roles & ROLE_BIDDER) && c->org_id != 0) {
            only = c->org_id; /* a bidder reads its own organisation's */
            e = ERR_OK;
        }
    }
    if (e == ERR_OK)
        e = domain_store_err(store_clarify_list(tx, &a, tender_id, only, CLARIFY_MAX, &pg));
    store_rollback(tx);
    if (e != ERR_OK) {
        arena_release(&a);
        return e;
    }
    struct jsonw w;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "server_ms", clock_now_ms());
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        const struct clarify_question *q = (const struct clarify_question *)pg.items + i;
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "id", q->id);
        jsonw_kint(&w, "org_id", q->org_id);
        jsonw_kstr(&w, "org_name", q->org_name);
        jsonw_kstr(&w, "body", q->body);
        jsonw_kint(&w, "asked_ms", q->asked_ms);
        jsonw_kint(&w, "deadline_ms", q->deadline_ms);
        jsonw_kstr(&w, "answer", q->answer);
        jsonw_kstr(&w, "signature", q->signature);
        jsonw_kstr(&w, "cert_sha256", q->cert_fp);
        jsonw_kstr(&w, "key_alg", q->key_alg);
        jsonw_key(&w, "answered_ms");
        if (q->answered_ms != 0)
            jsonw_int(&w, q->answered_ms);
        else
            jsonw_null(&w);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    arena_release(&a);
    return jsonw_finish(&w) == 0 ? ERR_OK : ERR_INTERNAL;
}
