/*
 * domain/complaint.c — complaints to the supervisor (投訴), the award rules
 * and what complaint.c, contract.c and bond.c share (complaint.h).
 *
 * Every step runs step_tx in one write transaction: it reads the
 * complaint (not for a new one) and its tender, checks visibility
 * (tender_access_check), the role, the state, the rule; writes the row
 * (with a version check), the tender's suspension when it changes, the
 * audit row and the witness-log event. Nothing is written on any error.
 *
 * The suspension is the tender's `paused` flag (the one an objection to
 * the documents sets, domain/tender.c): tender_action_check then refuses
 * the award (TA_AWARD) and the contract (TA_CONTRACT) with
 * ERR_TENDER_PAUSED, and before the opening no timer runs. Lifting it when
 * no complaint suspends any more and no objection to the documents is open
 * resumes the tender: before the opening, the pending dates move by the
 * paused time (rule pause_extends) and the next timer is recomputed, as
 * tender.c does when it resumes. Whether anything still holds the pause
 * is award_pause_holds, the one rule tender.c asks too.
 *
 * An upheld remedy is carried out on the complaint's lot in the decision's
 * transaction (carry_out below): annul_award revokes the lot's award (the
 * lot back to publicity for the next candidate), re_evaluation revokes it
 * if any and starts the lot's next round (evaluation_reevaluate_tx); the
 * tender's state follows its lots (evaluation_tender_sync_tx). What was
 * done is kept on the complaint (carried_out, carried_why).
 *
 * Threads: any; no shared state.
 */
#include "domain/complaint.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/roles.h"
#include "base/utf8.h"
#include "domain/evaluation.h"
#include "domain/workcal.h"
#include "ledger/ledger.h"
#include "store/evaluation.h"

#define DAY_MS TENDER_DAY_MS

/* ---- the rules ---- */

/*   name  default  dir  max  source */
const struct award_rule_def award_rule_defs[AR__COUNT] = {
    [AR_COMPLAINT_DAYS] =
        {"complaint_days", 10, 1, 365,
         "招标投标法实施条例 art. 60; 工程建设项目招标投标活动投诉处理办法 art. 9"},
    [AR_ACCEPT_DAYS] = {"accept_days", 3, -1, 365,
                        "招标投标法实施条例 art. 61 (working days); "
                        "工程建设项目招标投标活动投诉处理办法 art. 11"},
    [AR_DECIDE_DAYS] = {"decide_days", 30, -1, 365,
                        "招标投标法实施条例 art. 61 (working days); "
                        "工程建设项目招标投标活动投诉处理办法 art. 21"},
    [AR_CONTRACT_DAYS] = {"contract_days", 30, -1, 365, "招标投标法 art. 46"},
    [AR_REFUND_DAYS] = {"refund_days", 5, -1, 365, "招标投标法实施条例 art. 57"},
};

int award_rule_parse(const char *name)
{
    for (int i = 0; name != NULL && i < AR__COUNT; i++)
        if (strcmp(award_rule_defs[i].name, name) == 0)
            return i;
    return -1;
}

int award_rules_load(struct store_tx *tx, struct award_rules *out)
{
    for (int i = 0; i < AR__COUNT; i++) {
        int64_t v = 0;
        int rc = store_award_rule_get(tx, award_rule_defs[i].name, &v);
        if (rc != STORE_OK && rc != STORE_NOTFOUND)
            return rc;
        out->v[i] = rc == STORE_OK ? v : award_rule_defs[i].def;
    }
    return STORE_OK;
}

struct rule_job {
    const struct tender_caller *c;
    const char *name;
    int64_t value;
};

static enum err rule_tx(struct store_tx *tx, void *arg)
{
    struct rule_job *j = arg;
    char d[128];
    int64_t now = clock_now_ms();
    int rc = store_award_rule_set(tx, j->name, j->value, j->c->who.user_id, now);
    snprintf(d, sizeof d, "{\"rule\":\"%s\",\"value\":%lld}", j->name, (long long)j->value);
    if (rc == STORE_OK)
        rc = audit_record(tx, &j->c->who, "award.rule", "award_rule", 0, d);
    return domain_store_err(rc);
}

enum err award_rule_set(struct store *s, const struct tender_caller *c, const char *name,
                        int64_t value)
{
    int r = award_rule_parse(name);
    if (r < 0)
        return ERR_INVALID_FIELD;
    const struct award_rule_def *d = &award_rule_defs[r];
    if (value < 1 || value > d->max)
        return ERR_INVALID_FIELD;
    if ((d->dir > 0 && value < d->def) || (d->dir < 0 && value > d->def))
        return ERR_RULE_BELOW_STATUTORY;
    struct rule_job j = {.c = c, .name = d->name, .value = value};
    return domain_write(s, rule_tx, &j);
}

enum err award_rules_json(struct store *s, struct jsonw *w)
{
    struct store_tx *tx = NULL;
    struct award_rules r;
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = award_rules_load(tx, &r);
    store_rollback(tx);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    jsonw_obj_begin(w);
    jsonw_key(w, "items");
    jsonw_arr_begin(w);
    for (int i = 0; i < AR__COUNT; i++) {
        jsonw_obj_begin(w);
        jsonw_kstr(w, "name", award_rule_defs[i].name);
        jsonw_kint(w, "value", r.v[i]);
        jsonw_kint(w, "default", award_rule_defs[i].def);
        jsonw_kstr(w, "direction", award_rule_defs[i].dir > 0 ? "at_least" : "at_most");
        jsonw_kstr(w, "source", award_rule_defs[i].source);
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
    jsonw_obj_end(w);
    return ERR_OK;
}

int award_due(struct store_tx *tx, const struct award_rules *rules, enum award_rule r,
              int64_t from_ms, int64_t *due)
{
    bool working = r == AR_ACCEPT_DAYS || r == AR_DECIDE_DAYS;
    enum err e = workcal_due(tx, from_ms, (int)rules->v[r],
                             working ? WORKCAL_WORKING_DAYS : WORKCAL_CALENDAR_DAYS, due);
    if (e == ERR_INVALID_FIELD || e == ERR_CALENDAR_NO_WORKING_DAY) {
        /* an instant outside the calendar's years: plain days */
        *due = from_ms + rules->v[r] * TENDER_DAY_MS;
        return STORE_OK;
    }
    if (e == ERR_OK)
        return STORE_OK;
    return e == ERR_STORE_BUSY ? STORE_BUSY : STORE_ERROR;
}

/* ---- shared ---- */

enum err award_lot_check(struct store_tx *tx, struct arena *a, const struct tender *t,
                         int64_t lot_no)
{
    if (lot_no < 1 || lot_no > TENDER_LOTS_MAX)
        return ERR_LOT_NOT_FOUND;
    return evaluation_lot_check(tx, a, t, (int)lot_no, NULL, NULL);
}

int award_record(struct store_tx *tx, const struct tender_caller *c, const char *type,
                 const char *subject_type, int64_t subject_id, int64_t tender_id,
                 const char *detail, const char *doc_hash)
{
    int rc = audit_record(tx, &c->who, type, subject_type, subject_id, detail);
    if (rc != STORE_OK)
        return rc;
    struct ledger_event ev = {.type = type,
                              .subject_type = subject_type,
                              .subject_id = subject_id,
                              .actor_id = c->who.user_id,
                              .actor_name = c->who.name ? c->who.name : "system",
                              .doc_hash = doc_hash,
                              .tender_id = tender_id};
    return ledger_append(tx, &ev);
}

bool award_text_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n;) {
        size_t l = utf8_seq((const unsigned char *)s + i, n - i);
        if (l == 0 || (l == 1 && (unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t'))
            return false;
        i += l;
    }
    return true;
}

bool award_is_agent(const struct tender_caller *c, const struct tender *t)
{
    return (c->roles & ROLE_AGENT) && c->org_id != 0 &&
           (c->org_id == t->agent_org_id || c->org_id == t->owner_org_id);
}

static bool before_opening(const char *state)
{
    return strcmp(state, "published") == 0 || strcmp(state, "bidding") == 0;
}

int award_pause_holds(struct store_tx *tx, int64_t tender_id, bool *holds)
{
    int64_t nsusp = 0, nobj = 0;
    int rc = store_complaint_suspended_count(tx, tender_id, &nsusp);
    if (rc == STORE_OK)
        rc = store_tender_objection_open_count(tx, tender_id, &nobj);
    *holds = rc == STORE_OK && (nsusp > 0 || nobj > 0);
    return rc;
}

enum err award_suspension_sync(struct store_tx *tx, const struct tender_caller *c,
                               int64_t tender_id, int64_t now)
{
    struct arena a;
    struct tender t;
    bool want = false;
    arena_init(&a, 1 << 20);
    int rc = store_tender_get(tx, &a, tender_id, &t);
    if (rc == STORE_OK)
        rc = award_pause_holds(tx, tender_id, &want);
    if (rc != STORE_OK)
        goto out;
    if (want == t.paused)
        goto out;
    int st = tender_state_parse(t.state);
    if (st < 0) {
        rc = STORE_ERROR;
        goto out;
    }
    if (want) {
        t.paused = true;
        t.paused_since_ms = now;
        t.next_due_ms = 0;
    } else {
        if (before_opening(t.state)) {
            struct tender_rules rules;
            enum tender_action act;
            rc = tender_rules_load(tx,
                                   tender_procedure_parse(t.procedure) < 0
                                       ? TP_OPEN
                                       : (enum tender_procedure)tender_procedure_parse(t.procedure),
                                   &rules);
            if (rc != STORE_OK)
                goto out;
            struct tender_dates d = {t.publish_at_ms, t.doc_start_ms, t.doc_end_ms,
                                     t.clarify_deadline_ms, t.bid_deadline_ms};
            tender_rules_resume(&rules, &d, t.paused_since_ms, now);
            t.publish_at_ms = d.publish_at;
            t.doc_start_ms = d.doc_start;
            t.doc_end_ms = d.doc_end;
            t.clarify_deadline_ms = d.clarify_deadline;
            t.bid_deadline_ms = d.bid_deadline;
            t.next_due_ms =
                tender_rules_next_due((enum tender_state)st, t.scheduled, false, &d, &act);
        }
        t.paused_total_ms += now - t.paused_since_ms;
        t.paused = false;
        t.paused_since_ms = 0;
    }
    t.updated_ms = now;
    t.version++;
    rc = store_tender_update(tx, &t);
    if (rc == STORE_OK) {
        struct tender_transition tr = {.tender_id = t.id,
                                       .action = want ? "suspend" : "resume",
                                       .from_state = t.state,
                                       .to_state = t.state,
                                       .at_ms = now,
                                       .actor_user_id = c->who.user_id,
                                       .actor = c->who.name ? c->who.name : "system"};
        rc = store_tender_transition_insert(tx, &tr);
    }
out:
    arena_release(&a);
    return domain_store_err(rc);
}

/* ---- the steps ---- */

enum step { CS_FILE, CS_ACCEPT, CS_REFUSE, CS_SUSPEND, CS_LIFT, CS_DECIDE, CS_WITHDRAW, CS_READ };

struct job {
    enum step kind;
    const struct tender_caller *c;
    int64_t id;        /* the complaint (the new one's after CS_FILE) */
    int64_t tender_id; /* CS_FILE: the tender; else read from the complaint */
    int64_t lot;       /* read from the complaint (CS_READ) */
    const struct complaint_input *in;
    const char *text, *decision, *remedy;
    struct award_refusal *why;
    struct arena a;
};

static const char *const subjects[] = {"documents", "opening", "result"};

static bool subject_ok(const char *s)
{
    for (size_t i = 0; s != NULL && i < sizeof subjects / sizeof subjects[0]; i++)
        if (strcmp(s, subjects[i]) == 0)
            return true;
    return false;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

/* Whether the tender has reached the stage the subject is about; the
 * result's is the lot's (phase: its evaluation's, NULL when none). */
static bool subject_reached(const char *subject, const char *state, const char *phase)
{
    static const char *const after_opening[] = {"opening",    "evaluation", "publicity", "awarded",
                                                "contracted", "archived",   "failed"};
    static const char *const after_result[] = {"publicity", "awarded", "contracted"};
    if (strcmp(subject, "documents") == 0)
        return strcmp(state, "draft") != 0;
    if (strcmp(subject, "result") == 0)
        return strcmp(state, "archived") == 0 ||
               in_list(phase, after_result, sizeof after_result / sizeof after_result[0]);
    return in_list(state, after_opening, sizeof after_opening / sizeof after_opening[0]);
}

static enum err do_file(struct store_tx *tx, struct job *j, const struct tender *t, int64_t now)
{
    struct award_rules r;
    bool bidder = false;
    int64_t nobj = 0;
    char d[160];
    const struct complaint_input *in = j->in;
    if (!(j->c->roles & ROLE_BIDDER) || j->c->org_id == 0)
        return ERR_COMPLAINT_NOT_BIDDER;
    int rc = store_award_is_bidder(tx, t->id, j->c->org_id, &bidder);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (!bidder)
        return ERR_COMPLAINT_NOT_BIDDER;
    bool result = strcmp(in->subject, "result") == 0;
    int64_t lot = in->lot == 0 && result ? 1 : in->lot;
    /* a result complaint names its lot when the tender has more than one */
    if (result && in->lot == 0 && award_lot_check(tx, &j->a, t, 2) == ERR_OK) {
        j->why->field = "lot";
        return ERR_INVALID_FIELD;
    }
    const char *phase = NULL;
    if (lot != 0) {
        struct evaluation ev;
        enum err e = award_lot_check(tx, &j->a, t, lot);
        if (e != ERR_OK)
            return e;
        rc = store_eval_get(tx, &j->a, t->id, (int)lot, &ev);
        if (rc != STORE_OK && rc != STORE_NOTFOUND)
            return domain_store_err(rc);
        phase = rc == STORE_OK ? ev.phase : NULL;
    }
    if (!subject_reached(in->subject, t->state, phase))
        return ERR_WRONG_STATE;
    int64_t known = in->known_ms != 0 ? in->known_ms : now;
    if (known > now || (t->published_ms != 0 && known < t->published_ms)) {
        j->why->field = "known_ms";
        return ERR_INVALID_FIELD;
    }
    rc = award_rules_load(tx, &r);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    int64_t limit = 0, accept_due = 0;
    rc = award_due(tx, &r, AR_COMPLAINT_DAYS, known, &limit);
    if (rc == STORE_OK)
        rc = award_due(tx, &r, AR_ACCEPT_DAYS, now, &accept_due);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (now > limit) {
        j->why->rule = award_rule_defs[AR_COMPLAINT_DAYS].name;
        j->why->field = "known_ms";
        j->why->limit = limit;
        return ERR_RULE_COMPLAINT_TOO_LATE;
    }
    if (result) {
        rc = store_award_objections(tx, t->id, lot, j->c->org_id, true, &nobj);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        if (nobj == 0)
            return ERR_COMPLAINT_OBJECTION_FIRST;
    }
    struct complaint k = {.tender_id = t->id,
                          .lot_no = lot,
                          .org_id = j->c->org_id,
                          .user_id = j->c->who.user_id,
                          .subject = in->subject,
                          .body = in->body,
                          .known_ms = known,
                          .filed_ms = now,
                          .accept_due_ms = accept_due};
    rc = store_complaint_insert(tx, &k, &j->id);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    snprintf(d, sizeof d, "{\"subject\":\"%s\",\"lot\":%lld,\"accept_due_ms\":%lld}", in->subject,
             (long long)lot, (long long)k.accept_due_ms);
    return domain_store_err(
        award_record(tx, j->c, "complaint.file", "complaint", j->id, t->id, d, NULL));
}

static bool is_open(const struct complaint *k)
{
    return strcmp(k->status, "filed") == 0 || strcmp(k->status, "accepted") == 0;
}

/* Marks the candidate org of the result JSON annulled (by complaint kid):
 * the new result, in a; NULL when org is not a candidate. */
static const char *result_annul(struct arena *a, const char *result, int64_t org, int64_t kid)
{
    json_error_t jerr;
    json_t *root = result ? json_loads(result, 0, &jerr) : NULL;
    json_t *cands = json_object_get(root, "candidates");
    const char *out = NULL;
    for (size_t i = 0; i < json_array_size(cands); i++) {
        json_t *o = json_array_get(cands, i);
        if (json_integer_value(json_object_get(o, "org_id")) != org)
            continue;
        json_object_set_new(o, "annulled", json_true());
        json_object_set_new(o, "annulled_by", json_integer(kid));
        char *txt = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
        out = txt ? arena_strdup(a, txt) : NULL;
        free(txt);
        break;
    }
    json_decref(root);
    return out;
}

/* Revokes the award of the lot (ev, in phase awarded) inside the decision's
 * transaction: the winner marked annulled among the candidates (annul:
 * annul_award; a re-evaluation replaces the result anyway), the award
 * fields cleared, the lot back to publicity, an unsigned contract draft
 * dropped, the public event evaluation.award_revoked with the revoked
 * notice's hash. Nothing of the old award is deleted: its notice's hash
 * stays in the witness log (evaluation.award, then .award_revoked). */
static enum err revoke_award(struct store_tx *tx, struct job *j, const struct tender *t,
                             struct evaluation *ev, int64_t lot, int64_t kid, bool annul,
                             int64_t now)
{
    char d[200];
    int64_t org = ev->award_org_id;
    const char *notice = ev->notice_sha;
    if (annul) {
        const char *res = result_annul(&j->a, ev->result, org, kid);
        if (res == NULL)
            return ERR_INTERNAL;
        ev->result = res;
    }
    ev->phase = "publicity";
    ev->award_org_id = 0;
    ev->award_reason = NULL;
    ev->award_ms = 0;
    ev->notice_sha = NULL;
    ev->updated_ms = now;
    ev->version++;
    int rc = store_eval_update(tx, ev);
    if (rc == STORE_OK)
        rc = store_contract_drop_unsigned(tx, t->id, lot);
    snprintf(d, sizeof d, "{\"lot\":%lld,\"org_id\":%lld,\"complaint_id\":%lld}", (long long)lot,
             (long long)org, (long long)kid);
    if (rc == STORE_OK)
        rc = award_record(tx, j->c, "evaluation.award_revoked", "evaluation", t->id, t->id, d,
                          notice);
    return domain_store_err(rc);
}

/* Carries out an upheld remedy on the complaint's lot (complaint.h) inside
 * the decision's transaction; *why says why it was not ("contracted",
 * "not_awarded", "not_evaluated", "whole_tender"), NULL when it was. */
static enum err carry_out(struct store_tx *tx, struct job *j, struct tender *t,
                          const struct complaint *k, int64_t now, const char **why)
{
    struct evaluation ev;
    bool annul = strcmp(k->remedy, "annul_award") == 0;
    *why = NULL;
    if (k->lot_no < 1) {
        *why = "whole_tender"; /* a remedy about the result names its lot */
        return ERR_OK;
    }
    if (strcmp(t->state, "archived") == 0) {
        *why = "contracted";
        return ERR_OK;
    }
    int rc = store_eval_get(tx, &j->a, t->id, (int)k->lot_no, &ev);
    if (rc == STORE_NOTFOUND) {
        *why = annul ? "not_awarded" : "not_evaluated";
        return ERR_OK;
    }
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (strcmp(ev.phase, "contracted") == 0) {
        *why = "contracted";
        return ERR_OK;
    }
    bool awarded = strcmp(ev.phase, "awarded") == 0 && ev.award_org_id != 0;
    if (annul) {
        if (!awarded) {
            *why = "not_awarded";
            return ERR_OK;
        }
        enum err e = revoke_award(tx, j, t, &ev, k->lot_no, k->id, true, now);
        if (e != ERR_OK)
            return e;
        return evaluation_tender_sync_tx(tx, j->c, t, "annul_award", now);
    }
    /* re_evaluation: a result to evaluate again (signed onwards) */
    static const char *const evaluated[] = {"signed", "publicity", "awarded"};
    if (!in_list(ev.phase, evaluated, sizeof evaluated / sizeof evaluated[0])) {
        *why = "not_evaluated";
        return ERR_OK;
    }
    if (awarded) {
        enum err e = revoke_award(tx, j, t, &ev, k->lot_no, k->id, false, now);
        if (e != ERR_OK)
            return e;
    }
    enum err e =
        evaluation_reevaluate_tx(tx, j->c, t, (int)k->lot_no, k->id, k->decision_text, now);
    if (e == ERR_EVAL_WRONG_PHASE && !awarded) {
        *why = "not_evaluated"; /* refused before writing: nothing to undo */
        return ERR_OK;
    }
    return e;
}

static enum err step_tx(struct store_tx *tx, void *arg)
{
    struct job *j = arg;
    struct complaint k;
    struct tender t;
    struct tender_access acc;
    struct award_rules r;
    char d[384];
    const char *type = NULL;
    int64_t now = clock_now_ms();
    bool sync = false;
    arena_release(&j->a);
    if (j->kind != CS_FILE) {
        int rc = store_complaint_get(tx, &j->a, j->id, &k);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        j->tender_id = k.tender_id;
        j->lot = k.lot_no;
    }
    int rc = store_tender_get(tx, &j->a, j->tender_id, &t);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e = tender_access_check(tx, j->c, &t, &acc);
    if (e != ERR_OK)
        return e;
    if (j->kind == CS_FILE)
        return do_file(tx, j, &t, now);
    bool mine = (j->c->roles & ROLE_BIDDER) && j->c->org_id == k.org_id;
    if (j->kind == CS_READ)
        return mine || acc.supervisor || award_is_agent(j->c, &t) ? ERR_OK : ERR_NOT_FOUND;
    if (j->kind == CS_WITHDRAW) {
        if (!mine)
            return acc.supervisor ? ERR_FORBIDDEN : ERR_NOT_FOUND;
    } else if (!acc.supervisor) {
        return mine || award_is_agent(j->c, &t) ? ERR_FORBIDDEN : ERR_NOT_FOUND;
    }
    rc = award_rules_load(tx, &r);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    switch (j->kind) {
    case CS_ACCEPT:
        if (strcmp(k.status, "filed") != 0)
            return ERR_COMPLAINT_WRONG_STATE;
        k.status = "accepted";
        k.accepted_ms = now;
        rc = award_due(tx, &r, AR_DECIDE_DAYS, now, &k.decide_due_ms);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        type = "complaint.accept";
        snprintf(d, sizeof d, "{\"decide_due_ms\":%lld,\"overdue\":%s}", (long long)k.decide_due_ms,
                 now > k.accept_due_ms ? "true" : "false");
        break;
    case CS_REFUSE:
        if (strcmp(k.status, "filed") != 0)
            return ERR_COMPLAINT_WRONG_STATE;
        k.status = "refused";
        k.reason = j->text;
        k.closed_ms = now;
        sync = k.suspended;
        k.suspended = false;
        type = "complaint.refuse";
        snprintf(d, sizeof d, "{\"overdue\":%s}", now > k.accept_due_ms ? "true" : "false");
        break;
    case CS_SUSPEND:
    case CS_LIFT:
        if (!is_open(&k))
            return ERR_COMPLAINT_WRONG_STATE;
        if (k.suspended == (j->kind == CS_SUSPEND))
            return ERR_COMPLAINT_WRONG_STATE;
        k.suspended = j->kind == CS_SUSPEND;
        if (k.suspended)
            k.suspended_ms = now;
        sync = true;
        type = k.suspended ? "complaint.suspend" : "complaint.lift";
        snprintf(d, sizeof d, "{\"suspended\":%s}", k.suspended ? "true" : "false");
        break;
    case CS_DECIDE:
        if (strcmp(k.status, "accepted") != 0)
            return ERR_COMPLAINT_WRONG_STATE;
        k.status = "decided";
        k.decision = j->decision;
        k.remedy = j->remedy;
        k.decision_text = j->text;
        k.closed_ms = now;
        sync = k.suspended;
        k.suspended = false;
        type = "complaint.decide";
        snprintf(d, sizeof d,
                 "{\"subject\":\"%s\",\"lot\":%lld,\"decision\":\"%s\",\"remedy\":%s%s%s,"
                 "\"overdue\":%s}",
                 k.subject, (long long)k.lot_no, j->decision, j->remedy ? "\"" : "",
                 j->remedy ? j->remedy : "null", j->remedy ? "\"" : "",
                 now > k.decide_due_ms ? "true" : "false");
        break;
    case CS_WITHDRAW:
        if (!is_open(&k))
            return ERR_COMPLAINT_WRONG_STATE;
        k.status = "withdrawn";
        k.reason = j->text;
        k.closed_ms = now;
        sync = k.suspended;
        k.suspended = false;
        type = "complaint.withdraw";
        snprintf(d, sizeof d, "{\"status\":\"%s\"}", "withdrawn");
        break;
    default:
        return ERR_INTERNAL;
    }
    if (j->kind != CS_WITHDRAW)
        k.handled_by = j->c->who.user_id;
    k.version++;
    rc = store_complaint_update(tx, &k);
    if (rc == STORE_NOTFOUND)
        return ERR_CONFLICT;
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (sync) {
        e = award_suspension_sync(tx, j->c, t.id, now);
        if (e != ERR_OK)
            return e;
    }
    if (j->kind == CS_DECIDE && k.remedy != NULL) {
        const char *why = NULL;
        rc = store_tender_get(tx, &j->a, t.id, &t); /* the sync may have written it */
        if (rc != STORE_OK)
            return domain_store_err(rc);
        e = carry_out(tx, j, &t, &k, now, &why);
        if (e != ERR_OK)
            return e;
        k.carried_out = why ? -1 : 1;
        k.carried_why = why;
        k.version++;
        rc = store_complaint_update(tx, &k);
        if (rc == STORE_NOTFOUND)
            return ERR_CONFLICT;
        if (rc != STORE_OK)
            return domain_store_err(rc);
        size_t n = strlen(d);
        if (n > 0 && d[n - 1] == '}')
            snprintf(d + n - 1, sizeof d - (n - 1), ",\"carried_out\":%s%s%s%s}",
                     why ? "false" : "true", why ? ",\"why\":\"" : "", why ? why : "",
                     why ? "\"" : "");
    }
    return domain_store_err(award_record(tx, j->c, type, "complaint", k.id, t.id, d, NULL));
}

static enum err run(struct store *s, struct job *j)
{
    struct award_refusal dummy = {0};
    if (j->why == NULL)
        j->why = &dummy;
    arena_init(&j->a, 4u << 20);
    enum err e = domain_write(s, step_tx, j);
    arena_release(&j->a);
    return e;
}

enum err complaint_file(struct store *s, const struct tender_caller *c, int64_t tender_id,
                        const struct complaint_input *in, int64_t *id, struct award_refusal *why)
{
    struct award_refusal dummy = {0};
    if (why == NULL)
        why = &dummy;
    memset(why, 0, sizeof *why);
    if (in->subject == NULL || in->body == NULL) {
        why->field = in->subject == NULL ? "subject" : "body";
        return ERR_MISSING_FIELD;
    }
    if (!subject_ok(in->subject) || !award_text_ok(in->body, COMPLAINT_TEXT_MAX) ||
        in->known_ms < 0) {
        why->field = !subject_ok(in->subject) ? "subject" : in->known_ms < 0 ? "known_ms" : "body";
        return ERR_INVALID_FIELD;
    }
    struct job j = {.kind = CS_FILE, .c = c, .tender_id = tender_id, .in = in, .why = why};
    enum err e = run(s, &j);
    if (e == ERR_OK && id != NULL)
        *id = j.id;
    return e;
}

enum err complaint_accept(struct store *s, const struct tender_caller *c, int64_t id)
{
    struct job j = {.kind = CS_ACCEPT, .c = c, .id = id};
    return run(s, &j);
}

enum err complaint_refuse(struct store *s, const struct tender_caller *c, int64_t id,
                          const char *reason)
{
    if (!award_text_ok(reason, COMPLAINT_TEXT_MAX))
        return reason == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    struct job j = {.kind = CS_REFUSE, .c = c, .id = id, .text = reason};
    return run(s, &j);
}

enum err complaint_suspend(struct store *s, const struct tender_caller *c, int64_t id, bool on)
{
    struct job j = {.kind = on ? CS_SUSPEND : CS_LIFT, .c = c, .id = id};
    return run(s, &j);
}

enum err complaint_decide(struct store *s, const struct tender_caller *c, int64_t id,
                          const char *decision, const char *remedy, const char *text)
{
    if (decision == NULL || text == NULL)
        return ERR_MISSING_FIELD;
    bool upheld = strcmp(decision, "upheld") == 0;
    if (!upheld && strcmp(decision, "dismissed") != 0)
        return ERR_INVALID_FIELD;
    if (upheld && remedy == NULL)
        return ERR_MISSING_FIELD;
    if ((!upheld && remedy != NULL) ||
        (upheld && strcmp(remedy, "re_evaluation") != 0 && strcmp(remedy, "annul_award") != 0))
        return ERR_INVALID_FIELD;
    if (!award_text_ok(text, COMPLAINT_TEXT_MAX))
        return ERR_INVALID_FIELD;
    struct job j = {.kind = CS_DECIDE,
                    .c = c,
                    .id = id,
                    .decision = upheld ? "upheld" : "dismissed",
                    .remedy = remedy,
                    .text = text};
    return run(s, &j);
}

enum err complaint_withdraw(struct store *s, const struct tender_caller *c, int64_t id,
                            const char *reason)
{
    if (reason != NULL && !award_text_ok(reason, COMPLAINT_TEXT_MAX))
        return ERR_INVALID_FIELD;
    struct job j = {.kind = CS_WITHDRAW, .c = c, .id = id, .text = reason};
    return run(s, &j);
}

static enum err read_tx(struct store_tx *tx, void *arg)
{
    return step_tx(tx, arg);
}

enum err award_lot_visible(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           int64_t lot)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct tender t;
    struct tender_access acc;
    arena_init(&a, 1u << 20);
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_tender_get(tx, &a, tender_id, &t);
    enum err e = domain_store_err(rc);
    if (e == ERR_OK)
        e = tender_access_check(tx, c, &t, &acc);
    if (e == ERR_OK)
        e = award_lot_check(tx, &a, &t, lot);
    store_rollback(tx);
    arena_release(&a);
    return e;
}

enum err complaint_tender(struct store *s, const struct tender_caller *c, int64_t id,
                          int64_t *tender_id, int64_t *lot)
{
    struct job j = {.kind = CS_READ, .c = c, .id = id};
    struct award_refusal dummy = {0};
    struct store_tx *tx = NULL;
    j.why = &dummy;
    arena_init(&j.a, 4u << 20);
    int rc = store_begin(s, STORE_READ, &tx);
    enum err e = rc == STORE_OK ? read_tx(tx, &j) : domain_store_err(rc);
    store_rollback(tx);
    arena_release(&j.a);
    if (e == ERR_OK) {
        *tender_id = j.tender_id;
        *lot = j.lot;
    }
    return e;
}

void complaint_write(struct jsonw *w, const struct complaint *k, bool full, int64_t now)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "id", k->id);
    jsonw_kint(w, "tender_id", k->tender_id);
    jsonw_kint(w, "lot", k->lot_no);
    jsonw_kstr(w, "subject", k->subject);
    jsonw_kstr(w, "status", k->status);
    if (full) {
        jsonw_kint(w, "org_id", k->org_id);
        jsonw_kstr(w, "complainant", k->org_name);
        jsonw_kstr(w, "body", k->body);
        jsonw_kint(w, "known_ms", k->known_ms);
        jsonw_kint(w, "accept_due_ms", k->accept_due_ms);
        if (k->accepted_ms)
            jsonw_kint(w, "accepted_ms", k->accepted_ms);
        if (k->decide_due_ms)
            jsonw_kint(w, "decide_due_ms", k->decide_due_ms);
        jsonw_kbool(w, "suspended", k->suspended);
        if (k->reason)
            jsonw_kstr(w, "reason", k->reason);
        bool overdue = (strcmp(k->status, "filed") == 0 && now > k->accept_due_ms) ||
                       (strcmp(k->status, "accepted") == 0 && now > k->decide_due_ms);
        jsonw_kbool(w, "overdue", overdue);
    }
    jsonw_kint(w, "filed_ms", k->filed_ms);
    if (k->decision) {
        jsonw_kstr(w, "decision", k->decision);
        if (k->remedy)
            jsonw_kstr(w, "remedy", k->remedy);
        if (k->carried_out != 0) {
            jsonw_kbool(w, "carried_out", k->carried_out > 0);
            if (k->carried_why)
                jsonw_kstr(w, "carried_why", k->carried_why);
        }
        jsonw_kstr(w, "decision_text", k->decision_text);
    }
    if (k->closed_ms)
        jsonw_kint(w, "closed_ms", k->closed_ms);
    jsonw_obj_end(w);
}

enum err complaint_queue_json(struct store *s, struct buf *out)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct page pg = {0};
    struct jsonw w;
    int64_t now = clock_now_ms();
    arena_init(&a, 16u << 20);
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_complaints(tx, &a, 0, COMPLAINTS_MAX, &pg);
    store_rollback(tx);
    if (rc != STORE_OK) {
        arena_release(&a);
        return domain_store_err(rc);
    }
    buf_reset(out);
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++)
        complaint_write(&w, (const struct complaint *)pg.items + i, true, now);
    jsonw_arr_end(&w);
    jsonw_kbool(&w, "more", pg.more);
    jsonw_obj_end(&w);
    arena_release(&a);
    return jsonw_finish(&w) == JSONW_OK ? ERR_OK : ERR_INTERNAL;
}
