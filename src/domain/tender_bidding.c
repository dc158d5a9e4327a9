/*
 * domain/tender_bidding.c — the steps of a tender's bidding period
 * (tender.h), split from domain/tender.c, whose step runner they use
 * (tender_internal.h): clarifications (澄清) and the deadline they may
 * move, objections (異議) and their answers, bidder registration, bidders'
 * questions, and reading a tender document.
 *
 * Each is a `struct tender_step` whose apply function checks the step's
 * own rules and writes, run by tender_run_step() (see tender.c).
 *
 * Threads: any (worker, scheduler, CLI); no shared state.
 */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "base/roles.h"
#include "base/utf8.h"
#include "domain/complaint.h"
#include "domain/tender.h"
#include "domain/tender_internal.h"
#include "ledger/ledger.h"

/* ---- clarifications and objections ---- */

struct clarify_arg {
    const char *body;
    const int64_t *qids;
    int nq;
    int64_t doc_version;
    int64_t no; /* out */
};

static enum err clarify_apply(struct store_tx *tx, struct tender_step *s)
{
    struct clarify_arg *a = s->arg;
    struct tender_clarification cl = {0};
    struct tender_document doc;
    struct buf b;
    struct jsonw w;
    int64_t count = 0, clar_id = 0, before = 0;
    if (a->body == NULL)
        return tender_bad(s->why, ERR_MISSING_FIELD, "body");
    if (!tender_text_ok(a->body, 1, TENDER_TEXT_MAX, true))
        return tender_bad(s->why, ERR_INVALID_FIELD, "body");
    if (a->nq < 0 || a->nq > TENDER_CLARIFY_QS_MAX)
        return tender_bad(s->why, ERR_INVALID_FIELD, "question_ids");
    if (a->doc_version != 0) {
        int rc = store_tender_doc_get(tx, &s->a, s->t.id, a->doc_version, &doc);
        if (rc == STORE_NOTFOUND || a->doc_version < 0)
            return tender_bad(s->why, ERR_INVALID_FIELD, "document_version");
        if (rc != STORE_OK)
            return domain_store_err(rc);
    }
    int rc = store_tender_clar_count(tx, s->t.id, &count);
    if (rc == STORE_OK)
        rc = tender_amend_deadline(tx, s, &before);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    cl.tender_id = s->t.id;
    cl.no = count + 1;
    cl.body = a->body;
    cl.document_version = a->doc_version;
    cl.deadline_before_ms = before;
    cl.deadline_after_ms = s->t.bid_deadline_ms;
    cl.published_by = s->c->who.user_id;
    cl.published_ms = s->now;
    rc = store_tender_clar_insert(tx, &cl, &clar_id);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    for (int i = 0; i < a->nq; i++) {
        rc = store_tender_question_answer(tx, s->t.id, a->qids[i], clar_id);
        if (rc == STORE_NOTFOUND)
            return tender_bad(s->why, ERR_INVALID_FIELD, "question_ids");
        if (rc != STORE_OK)
            return domain_store_err(rc);
    }
    a->no = cl.no;
    s->dirty = true;
    tender_step_change(s, "tender.clarification", s->st, 0);
    tender_detail_begin(s, &b, &w);
    jsonw_kint(&w, "no", cl.no);
    jsonw_kint(&w, "questions", a->nq);
    jsonw_kint(&w, "deadline_before_ms", before);
    jsonw_kint(&w, "deadline_after_ms", s->t.bid_deadline_ms);
    return domain_store_err(tender_detail_record(tx, s, s->c, &b, &w, "tender.clarify",
                                                 "tender_clarification", clar_id, NULL));
}

enum err tender_clarify(struct store *s, const struct tender_caller *c, int64_t id,
                        const char *body, const int64_t *question_ids, int nq,
                        int64_t document_version, int64_t *no, struct tender_changes *ch,
                        struct tender_refusal *why)
{
    struct clarify_arg a = {body, question_ids, nq, document_version, 0};
    struct tender_step st = {0};
    st.c = c;
    st.id = id;
    st.action = TA_CLARIFY;
    st.apply = clarify_apply;
    st.arg = &a;
    st.why = why;
    st.ch = ch;
    enum err e = tender_run_step(s, &st);
    if (e == ERR_OK && no != NULL)
        *no = a.no;
    return e;
}

/* The bidder's organisation must be registered. */
static enum err need_registered(struct store_tx *tx, struct tender_step *s)
{
    bool yes = false;
    int rc = store_tender_reg_exists(tx, s->t.id, s->c->org_id, &yes);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    return yes ? ERR_OK : ERR_NOT_REGISTERED;
}

static enum err object_apply(struct store_tx *tx, struct tender_step *s)
{
    struct tender_text_arg *a = s->arg;
    struct tender_objection o = {0};
    struct buf b;
    struct jsonw w;
    enum err e = need_registered(tx, s);
    if (e != ERR_OK)
        return e;
    if (a->body == NULL)
        return tender_bad(s->why, ERR_MISSING_FIELD, "body");
    if (!tender_text_ok(a->body, 1, TENDER_QUESTION_MAX, true))
        return tender_bad(s->why, ERR_INVALID_FIELD, "body");
    e = tender_rules_check_objection(&s->rules, s->t.bid_deadline_ms, s->now, s->why);
    if (e != ERR_OK)
        return e;
    o.tender_id = s->t.id;
    o.org_id = s->c->org_id;
    o.user_id = s->c->who.user_id;
    o.body = a->body;
    o.raised_ms = s->now;
    o.answer_due_ms = tender_rules_answer_due(&s->rules, s->now);
    int rc = store_tender_objection_insert(tx, &o, &a->id);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (!s->t.paused) {
        s->t.paused = true;
        s->t.paused_since_ms = s->now;
        s->dirty = true;
        rc = tender_step_transition(tx, s, s->c, "pause", s->st, 0);
        if (rc == STORE_OK)
            rc = tender_step_notice(tx, s, "change",
                                    "暂停公告：因对招标文件的异议，招标投标活动暂停");
        if (rc != STORE_OK)
            return domain_store_err(rc);
        tender_step_change(s, "tender.paused", s->st, 0);
    }
    tender_detail_begin(s, &b, &w);
    jsonw_kint(&w, "answer_due_ms", o.answer_due_ms);
    return domain_store_err(tender_detail_record(tx, s, s->c, &b, &w, "tender.object",
                                                 "tender_objection", a->id, NULL));
}

enum err tender_object(struct store *s, const struct tender_caller *c, int64_t id, const char *body,
                       int64_t *objection_id, struct tender_changes *ch, struct tender_refusal *why)
{
    struct tender_text_arg a = {body, 0};
    struct tender_step st = {0};
    st.c = c;
    st.id = id;
    st.action = TA_OBJECT;
    st.apply = object_apply;
    st.arg = &a;
    st.why = why;
    st.ch = ch;
    enum err e = tender_run_step(s, &st);
    if (e == ERR_OK && objection_id != NULL)
        *objection_id = a.id;
    return e;
}

struct answer_arg {
    int64_t objection_id;
    const char *answer;
};

static enum err answer_apply(struct store_tx *tx, struct tender_step *s)
{
    struct answer_arg *a = s->arg;
    struct tender_objection o;
    struct buf b;
    struct jsonw w;
    int64_t shift = 0, before = s->t.bid_deadline_ms;
    bool holds = false;
    if (a->answer == NULL)
        return tender_bad(s->why, ERR_MISSING_FIELD, "answer");
    if (!tender_text_ok(a->answer, 1, TENDER_TEXT_MAX, true))
        return tender_bad(s->why, ERR_INVALID_FIELD, "answer");
    int rc = store_tender_objection_get(tx, &s->a, a->objection_id, &o);
    if (rc == STORE_NOTFOUND || (rc == STORE_OK && o.tender_id != s->t.id))
        return ERR_NOT_FOUND;
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (o.answered_ms != 0)
        return tender_bad(s->why, ERR_WRONG_STATE, "objection");
    rc = store_tender_objection_answer(tx, o.id, a->answer, s->c->who.user_id, s->now);
    /* the pause holds while another objection or a complaint's suspension
     * does (award_pause_holds, the one rule: domain/complaint.h) */
    if (rc == STORE_OK)
        rc = award_pause_holds(tx, s->t.id, &holds);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (!holds && s->t.paused) {
        struct tender_dates d = tender_dates_of(&s->t);
        shift = tender_rules_resume(&s->rules, &d, s->t.paused_since_ms, s->now);
        tender_dates_put(&s->t, &d);
        s->t.paused_total_ms += s->now - s->t.paused_since_ms;
        s->t.paused = false;
        s->t.paused_since_ms = 0;
        s->dirty = true;
        rc = tender_step_transition(tx, s, s->c, "resume", s->st, 0);
        if (rc == STORE_OK)
            rc = tender_step_notice(tx, s, "change",
                                    shift > 0
                                        ? "恢复公告：异议已答复，招标投标活动恢复，投标截止时间顺延"
                                        : "恢复公告：异议已答复，招标投标活动恢复");
        if (rc != STORE_OK)
            return domain_store_err(rc);
        tender_step_change(s, "tender.resumed", s->st, 0);
        rc = tender_step_advance(tx, s);
        if (rc != STORE_OK)
            return domain_store_err(rc);
    }
    tender_detail_begin(s, &b, &w);
    jsonw_kint(&w, "objection_id", o.id);
    jsonw_kbool(&w, "overdue", s->now > o.answer_due_ms);
    jsonw_kbool(&w, "resumed", !holds);
    if (shift > 0) {
        jsonw_kint(&w, "deadline_before_ms", before);
        jsonw_kint(&w, "deadline_after_ms", s->t.bid_deadline_ms);
    }
    return domain_store_err(
        tender_detail_record(tx, s, s->c, &b, &w, "tender.answer", "tender_objection", o.id, NULL));
}

enum err tender_answer(struct store *s, const struct tender_caller *c, int64_t id,
                       int64_t objection_id, const char *answer, struct tender_changes *ch,
                       struct tender_refusal *why)
{
    struct answer_arg a = {objection_id, answer};
    struct tender_step st = {0};
    st.c = c;
    st.id = id;
    st.action = TA_ANSWER;
    st.apply = answer_apply;
    st.arg = &a;
    st.why = why;
    st.ch = ch;
    return tender_run_step(s, &st);
}

/* ---- bidders ---- */

static enum err register_apply(struct store_tx *tx, struct tender_step *s)
{
    struct tender_registration r = {0};
    struct buf b;
    struct jsonw w;
    if (s->c->org_id == s->t.agent_org_id || s->c->org_id == s->t.owner_org_id) {
        s->why->rule = "conflict_of_interest";
        return ERR_RULE_CONFLICT_OF_INTEREST;
    }
    bool invited = true;
    enum err e = tender_invited(tx, &s->t, s->c->org_id, &invited);
    if (e != ERR_OK)
        return e;
    if (!invited) { /* 邀请招标: only the invitees (招标投标法 art. 17) */
        s->why->rule = "invitees";
        s->why->field = "org_id";
        return ERR_TENDER_NOT_INVITED;
    }
    struct tender_dates d = tender_dates_of(&s->t);
    e = tender_rules_check_registration(&d, s->now, s->why);
    if (e != ERR_OK)
        return e;
    r.tender_id = s->t.id;
    r.org_id = s->c->org_id;
    r.user_id = s->c->who.user_id;
    r.registered_ms = s->now;
    int rc = store_tender_reg_insert(tx, &r);
    if (rc == STORE_CONSTRAINT)
        return tender_bad(s->why, ERR_ALREADY_EXISTS, "org_id");
    if (rc != STORE_OK)
        return domain_store_err(rc);
    tender_detail_begin(s, &b, &w);
    jsonw_kint(&w, "org_id", r.org_id);
    return domain_store_err(
        tender_detail_record(tx, s, s->c, &b, &w, "tender.register", "tender", s->t.id, NULL));
}

/* ---- invitees (邀请招标) ---- */

enum err tender_invited(struct store_tx *tx, const struct tender *t, int64_t org_id, bool *yes)
{
    *yes = true;
    if (t->procedure == NULL || strcmp(t->procedure, "invited") != 0)
        return ERR_OK;
    *yes = false;
    if (org_id == 0)
        return ERR_OK;
    return domain_store_err(store_tender_invitee_exists(tx, t->id, org_id, yes));
}

struct invitee_arg {
    int64_t org_id;   /* in (0: by uscc), out */
    const char *uscc; /* in */
};

static enum err invitee_add_apply(struct store_tx *tx, struct tender_step *s)
{
    struct invitee_arg *a = s->arg;
    struct buf b;
    struct jsonw w;
    int64_t n = 0;
    int rc;
    if (strcmp(s->t.procedure, "invited") != 0)
        return tender_bad(s->why, ERR_INVALID_FIELD, "procedure");
    if (a->org_id <= 0) {
        struct store_param p[] = {SP_T(a->uscc ? a->uscc : "")};
        if (a->uscc == NULL || strlen(a->uscc) != 18)
            return tender_bad(s->why, a->uscc ? ERR_INVALID_FIELD : ERR_MISSING_FIELD, "uscc");
        rc = store_query_int(tx, "SELECT id FROM orgs WHERE uscc = $1", p, 1, &a->org_id);
    } else {
        struct store_param p[] = {SP_I(a->org_id)};
        rc = store_query_int(tx, "SELECT id FROM orgs WHERE id = $1", p, 1, &a->org_id);
    }
    if (rc == STORE_NOTFOUND)
        return tender_bad(s->why, ERR_NOT_FOUND, "org");
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (a->org_id == s->t.agent_org_id || a->org_id == s->t.owner_org_id) {
        tender_bad(s->why, ERR_RULE_CONFLICT_OF_INTEREST, "org_id");
        s->why->rule = "conflict_of_interest";
        return ERR_RULE_CONFLICT_OF_INTEREST;
    }
    rc = store_tender_invitee_count(tx, s->t.id, &n);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (n >= TENDER_INVITEES_MAX)
        return tender_bad(s->why, ERR_INVALID_FIELD, "invitees");
    struct tender_invitee v = {s->t.id, a->org_id, NULL, NULL, s->c->who.user_id, s->now};
    rc = store_tender_invitee_insert(tx, &v);
    if (rc == STORE_CONSTRAINT)
        return tender_bad(s->why, ERR_ALREADY_EXISTS, "org_id");
    if (rc != STORE_OK)
        return domain_store_err(rc);
    tender_detail_begin(s, &b, &w);
    jsonw_kint(&w, "org_id", a->org_id);
    return domain_store_err(
        tender_detail_record(tx, s, s->c, &b, &w, "tender.invite", "tender", s->t.id, NULL));
}

enum err tender_invitee_add(struct store *s, const struct tender_caller *c, int64_t id,
                            int64_t org_id, const char *uscc, int64_t *added,
                            struct tender_refusal *why)
{
    struct invitee_arg a = {org_id, uscc};
    struct tender_step st = {0};
    st.c = c;
    st.id = id;
    st.action = TA_EDIT;
    st.apply = invitee_add_apply;
    st.arg = &a;
    st.why = why;
    enum err e = tender_run_step(s, &st);
    if (e == ERR_OK && added != NULL)
        *added = a.org_id;
    return e;
}

static enum err invitee_remove_apply(struct store_tx *tx, struct tender_step *s)
{
    struct invitee_arg *a = s->arg;
    struct buf b;
    struct jsonw w;
    int rc = store_tender_invitee_delete(tx, s->t.id, a->org_id);
    if (rc == STORE_NOTFOUND)
        return tender_bad(s->why, ERR_NOT_FOUND, "org_id");
    if (rc != STORE_OK)
        return domain_store_err(rc);
    tender_detail_begin(s, &b, &w);
    jsonw_kint(&w, "org_id", a->org_id);
    return domain_store_err(
        tender_detail_record(tx, s, s->c, &b, &w, "tender.uninvite", "tender", s->t.id, NULL));
}

enum err tender_invitee_remove(struct store *s, const struct tender_caller *c, int64_t id,
                               int64_t org_id, struct tender_refusal *why)
{
    struct invitee_arg a = {org_id, NULL};
    struct tender_step st = {0};
    st.c = c;
    st.id = id;
    st.action = TA_EDIT;
    st.apply = invitee_remove_apply;
    st.arg = &a;
    st.why = why;
    return tender_run_step(s, &st);
}

struct invitee_list_job {
    const struct tender_caller *c;
    struct arena *a;
    int64_t id;
    struct page *out;
};

static enum err invitee_list_tx(struct store_tx *tx, void *arg)
{
    struct invitee_list_job *j = arg;
    struct tender t;
    struct tender_access acc;
    int rc = store_tender_get(tx, j->a, j->id, &t);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e = tender_access_check(tx, j->c, &t, &acc);
    if (e != ERR_OK)
        return e;
    if (!acc.owner && !acc.supervisor)
        return ERR_FORBIDDEN;
    return domain_store_err(
        store_tender_invitee_list(tx, j->a, j->id, TENDER_INVITEES_MAX, j->out));
}

enum err tender_invitee_list(struct store *s, const struct tender_caller *c, struct arena *a,
                             int64_t id, struct page *out)
{
    struct invitee_list_job j = {c, a, id, out};
    struct store_tx *tx = NULL;
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e = invitee_list_tx(tx, &j);
    store_rollback(tx);
    return e;
}

enum err tender_register(struct store *s, const struct tender_caller *c, int64_t id,
                         struct tender_refusal *why)
{
    struct tender_step st = {0};
    st.c = c;
    st.id = id;
    st.action = TA_REGISTER;
    st.apply = register_apply;
    st.why = why;
    return tender_run_step(s, &st);
}

static enum err ask_apply(struct store_tx *tx, struct tender_step *s)
{
    struct tender_text_arg *a = s->arg;
    struct tender_question q = {0};
    struct buf b;
    struct jsonw w;
    enum err e = need_registered(tx, s);
    if (e != ERR_OK)
        return e;
    if (a->body == NULL)
        return tender_bad(s->why, ERR_MISSING_FIELD, "body");
    if (!tender_text_ok(a->body, 1, TENDER_QUESTION_MAX, true))
        return tender_bad(s->why, ERR_INVALID_FIELD, "body");
    struct tender_dates d = tender_dates_of(&s->t);
    e = tender_rules_check_question(&d, s->now, s->why);
    if (e != ERR_OK)
        return e;
    q.tender_id = s->t.id;
    q.org_id = s->c->org_id;
    q.user_id = s->c->who.user_id;
    q.body = a->body;
    q.asked_ms = s->now;
    int rc = store_tender_question_insert(tx, &q, &a->id);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    tender_detail_begin(s, &b, &w);
    return domain_store_err(
        tender_detail_record(tx, s, s->c, &b, &w, "tender.ask", "tender_question", a->id, NULL));
}

enum err tender_ask(struct store *s, const struct tender_caller *c, int64_t id, const char *body,
                    int64_t *question_id, struct tender_refusal *why)
{
    struct tender_text_arg a = {body, 0};
    struct tender_step st = {0};
    st.c = c;
    st.id = id;
    st.action = TA_ASK;
    st.apply = ask_apply;
    st.arg = &a;
    st.why = why;
    enum err e = tender_run_step(s, &st);
    if (e == ERR_OK && question_id != NULL)
        *question_id = a.id;
    return e;
}

struct download_arg {
    int64_t document_id;
    int64_t version;
};

static enum err download_apply(struct store_tx *tx, struct tender_step *s)
{
    struct download_arg *a = s->arg;
    struct tender_download d = {0};
    struct buf b;
    struct jsonw w;
    enum err e = need_registered(tx, s);
    if (e != ERR_OK)
        return e;
    if (s->now > s->t.bid_deadline_ms)
        return ERR_WRONG_STATE; /* the deadline passed; the timer has not run yet */
    d.tender_id = s->t.id;
    d.document_id = a->document_id;
    d.org_id = s->c->org_id;
    d.user_id = s->c->who.user_id;
    d.at_ms = s->now;
    d.remote_addr = s->c->who.remote_addr;
    int rc = store_tender_download_insert(tx, &d);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    tender_detail_begin(s, &b, &w);
    jsonw_kint(&w, "version", a->version);
    return domain_store_err(tender_detail_record(tx, s, s->c, &b, &w, "tender.download",
                                                 "tender_document", a->document_id, NULL));
}

enum err tender_document_read(struct store *s, const struct tender_caller *c, struct arena *a,
                              int64_t id, int64_t version, struct tender_document *doc,
                              struct buf *bytes, struct tender_refusal *why)
{
    struct tender_refusal local;
    struct store_tx *tx = NULL;
    struct tender t;
    struct tender_access acc;
    bool bidder = false;
    if (why == NULL)
        why = &local;
    memset(why, 0, sizeof(*why));
    if (version < 0)
        return ERR_NOT_FOUND;
    /* 1. may the caller read it, and which blob */
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e = domain_store_err(store_tender_get(tx, a, id, &t));
    if (e == ERR_OK)
        e = tender_access_check(tx, c, &t, &acc);
    if (e == ERR_OK && !acc.owner && !acc.supervisor) {
        bidder = true;
        if (!(c->roles & ROLE_BIDDER) || c->org_id == 0)
            e = ERR_FORBIDDEN;
        else if (!acc.registered)
            e = ERR_NOT_REGISTERED;
        else
            e = tender_action_check(TA_DOWNLOAD, (enum tender_state)tender_state_parse(t.state),
                                    t.paused);
    }
    if (e == ERR_OK)
        e = domain_store_err(store_tender_doc_get(tx, a, id, version, doc));
    store_rollback(tx);
    if (e != ERR_OK)
        return e;
    /* 2. the bytes (verified against their hash by the blob store) */
    buf_reset(bytes);
    rc = blob_get(s, doc->blob_hash, bytes);
    if (rc != STORE_OK) {
        log_error("tender %lld: document v%lld (%s) unreadable: %s", (long long)id,
                  (long long)doc->version, doc->blob_hash, store_rc_name(rc));
        return rc == STORE_TOOBIG ? ERR_BODY_TOO_LARGE : ERR_INTERNAL;
    }
    if (!bidder)
        return ERR_OK;
    /* 3. a bidder's download is logged before the bytes are handed over */
    struct download_arg da = {doc->id, doc->version};
    struct tender_step st = {0};
    st.c = c;
    st.id = id;
    st.action = TA_DOWNLOAD;
    st.apply = download_apply;
    st.arg = &da;
    st.why = why;
    e = tender_run_step(s, &st);
    if (e != ERR_OK)
        buf_reset(bytes);
    return e;
}
