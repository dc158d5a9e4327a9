/*
 * domain/bond.c — bonds and refunds, the award page's view, the overdue
 * list and the deadline round (bond.h).
 *
 * The refund's due day is not stored: it is refund_days in force from the
 * end of the last lot the bidder bid on (its contract signed, or the lot
 * failed: struct bond's done_ms), so a rule changed by the operator applies
 * to every bond not yet refunded. A warning is sent once (warned_ms /
 * accept_warned_ms / decide_warned_ms / award_late_warnings are set in the
 * same transaction that decides to send it; the publish follows the
 * commit: a crash between the two loses that one warning, never repeats
 * it). The store's overdue queries take a cutoff that can only be early
 * (a deadline is never shorter than its days in hours); the exact due day
 * (award_due: rest days) is checked here.
 *
 * Threads: any; no shared state.
 */
#include "domain/bond.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "base/roles.h"
#include "domain/complaint.h"
#include "domain/contract.h"
#include "domain/workcal.h"
#include "store/award.h"
#include "store/evaluation.h"

#define DAY_MS TENDER_DAY_MS

/* The refund's due day of b into *due, 0 while one of its lots has not
 * ended; a store_rc. */
static int refund_due(struct store_tx *tx, const struct award_rules *r, const struct bond *b,
                      int64_t *due)
{
    *due = 0;
    return b->done_ms != 0 ? award_due(tx, r, AR_REFUND_DAYS, b->done_ms, due) : STORE_OK;
}

static int64_t bond_from(const void *item)
{
    return ((const struct bond *)item)->done_ms;
}

/* The due day of each of the n rows at items (rule counted from from(row);
 * 0 for a row whose from is 0) into dues[0..n), as award_due (complaint.c)
 * gives it one by one, an instant outside the calendar's years counting
 * plain days; but the calendar is loaded once for the list: the days from
 * the first start to the last start's period and a month of rest days
 * more (a period reaching further reads its days then). A store_rc. */
static int list_dues(struct store_tx *tx, const struct award_rules *r, enum award_rule rule,
                     const void *items, int n, size_t size, int64_t (*from)(const void *),
                     int64_t *dues)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN, days = r->v[rule];
    bool working = rule == AR_ACCEPT_DAYS || rule == AR_DECIDE_DAYS;
    for (int i = 0; i < n; i++) {
        int64_t f = from((const char *)items + (size_t)i * size);
        dues[i] = 0;
        if (f != 0 && f < lo)
            lo = f;
        if (f != 0 && f > hi)
            hi = f;
    }
    if (lo > hi)
        return STORE_OK;
    struct workcal_cal *c = NULL;
    enum err e = workcal_load(tx, workcal_day_of_ms(lo),
                              workcal_day_of_ms(hi) + (working ? 2 * days : days) + 31, &c);
    for (int i = 0; e == ERR_OK && i < n; i++) {
        int64_t f = from((const char *)items + (size_t)i * size);
        if (f == 0)
            continue;
        e = workcal_due_in(c, f, (int)days, working ? WORKCAL_WORKING_DAYS : WORKCAL_CALENDAR_DAYS,
                           &dues[i]);
        if (e == ERR_INVALID_FIELD || e == ERR_CALENDAR_NO_WORKING_DAY) {
            dues[i] = f + days * TENDER_DAY_MS;
            e = ERR_OK;
        }
    }
    workcal_free(c);
    if (e == ERR_OK)
        return STORE_OK;
    return e == ERR_STORE_BUSY ? STORE_BUSY : STORE_ERROR;
}

static bool form_ok(const char *f)
{
    return f != NULL &&
           (strcmp(f, "cash") == 0 || strcmp(f, "guarantee") == 0 || strcmp(f, "insurance") == 0);
}

/* The tender's bond form as a bond record's form, or NULL ("none"). */
static const char *form_of_tender(const char *f)
{
    if (f == NULL)
        return NULL;
    if (strcmp(f, "cash") == 0)
        return "cash";
    if (strcmp(f, "guarantee") == 0 || strcmp(f, "e_guarantee") == 0)
        return "guarantee";
    if (strcmp(f, "insurance") == 0)
        return "insurance";
    return NULL;
}

struct job {
    const struct tender_caller *c;
    int64_t tender_id;
    const struct bond_input *in;
    int64_t org_id;
    const char *ref;
    const char **field;
    struct arena a;
};

static enum err load_agent(struct store_tx *tx, struct job *j, struct tender *t)
{
    struct tender_access acc;
    arena_release(&j->a);
    int rc = store_tender_get(tx, &j->a, j->tender_id, t);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e = tender_access_check(tx, j->c, t, &acc);
    if (e != ERR_OK)
        return e;
    return award_is_agent(j->c, t) ? ERR_OK : ERR_FORBIDDEN;
}

static enum err record_tx(struct store_tx *tx, void *arg)
{
    struct job *j = arg;
    struct tender t;
    struct bond old;
    bool bidder = false;
    char d[200];
    int64_t now = clock_now_ms();
    enum err e = load_agent(tx, j, &t);
    if (e != ERR_OK)
        return e;
    if (strcmp(t.state, "draft") == 0 || strcmp(t.state, "cancelled") == 0)
        return ERR_WRONG_STATE;
    int rc = store_award_is_bidder(tx, t.id, j->in->org_id, &bidder);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (!bidder) {
        *j->field = "org_id";
        return ERR_BOND_NOT_BIDDER;
    }
    rc = store_bond_get(tx, &j->a, t.id, j->in->org_id, &old);
    if (rc == STORE_OK && old.refunded_ms != 0)
        return ERR_BOND_REFUNDED;
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        return domain_store_err(rc);
    struct bond b = {.tender_id = t.id,
                     .org_id = j->in->org_id,
                     .amount_fen = j->in->amount_fen != 0 ? j->in->amount_fen : t.bond_fen,
                     .form = j->in->form != NULL ? j->in->form : form_of_tender(t.bond_form),
                     .received_ms = j->in->received_ms != 0 ? j->in->received_ms : now,
                     .entered_by = j->c->who.user_id,
                     .entered_ms = now};
    if (b.amount_fen <= 0) {
        *j->field = "amount_fen";
        return ERR_MISSING_FIELD;
    }
    if (b.form == NULL) {
        *j->field = "form";
        return ERR_MISSING_FIELD;
    }
    if (b.received_ms > now) {
        *j->field = "received_ms";
        return ERR_INVALID_FIELD;
    }
    rc = store_bond_put(tx, &b);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    snprintf(d, sizeof d, "{\"org_id\":%lld,\"amount_fen\":%lld,\"form\":\"%s\"}",
             (long long)b.org_id, (long long)b.amount_fen, b.form);
    return domain_store_err(award_record(tx, j->c, "bond.record", "bond", b.org_id, t.id, d, NULL));
}

enum err bond_record(struct store *s, const struct tender_caller *c, int64_t tender_id,
                     const struct bond_input *in, const char **field)
{
    const char *dummy = NULL;
    if (field == NULL)
        field = &dummy;
    *field = NULL;
    if (in->org_id <= 0) {
        *field = "org_id";
        return in->org_id == 0 ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    }
    if (in->amount_fen < 0 || in->amount_fen > TENDER_MONEY_MAX) {
        *field = "amount_fen";
        return ERR_INVALID_FIELD;
    }
    if (in->form != NULL && !form_ok(in->form)) {
        *field = "form";
        return ERR_INVALID_FIELD;
    }
    if (in->received_ms < 0) {
        *field = "received_ms";
        return ERR_INVALID_FIELD;
    }
    struct job j = {.c = c, .tender_id = tender_id, .in = in, .field = field};
    arena_init(&j.a, 1u << 20);
    enum err e = domain_write(s, record_tx, &j);
    arena_release(&j.a);
    return e;
}

struct all_job {
    struct job j;
    int n;
};

static enum err all_tx(struct store_tx *tx, void *arg)
{
    struct all_job *aj = arg;
    struct job *j = &aj->j;
    struct tender t;
    struct bond old;
    int64_t ids[BONDS_MAX];
    int nb = 0;
    char d[160];
    int64_t now = clock_now_ms();
    aj->n = 0;
    enum err e = load_agent(tx, j, &t);
    if (e != ERR_OK)
        return e;
    if (strcmp(t.state, "draft") == 0 || strcmp(t.state, "cancelled") == 0)
        return ERR_WRONG_STATE;
    const char *form = form_of_tender(t.bond_form);
    if (t.bond_fen <= 0 || form == NULL) {
        *j->field = t.bond_fen <= 0 ? "amount_fen" : "form";
        return ERR_MISSING_FIELD;
    }
    int rc = store_award_bidders(tx, t.id, ids, BONDS_MAX, &nb);
    for (int i = 0; rc == STORE_OK && i < nb; i++) {
        rc = store_bond_get(tx, &j->a, t.id, ids[i], &old);
        if (rc == STORE_OK)
            continue; /* recorded already: left as it is */
        if (rc != STORE_NOTFOUND)
            break;
        struct bond b = {.tender_id = t.id,
                         .org_id = ids[i],
                         .amount_fen = t.bond_fen,
                         .form = form,
                         .received_ms = now,
                         .entered_by = j->c->who.user_id,
                         .entered_ms = now};
        rc = store_bond_put(tx, &b);
        if (rc == STORE_OK) {
            snprintf(d, sizeof d,
                     "{\"org_id\":%lld,\"amount_fen\":%lld,\"form\":\"%s\",\"from\":\"tender\"}",
                     (long long)b.org_id, (long long)b.amount_fen, b.form);
            rc = award_record(tx, j->c, "bond.record", "bond", b.org_id, t.id, d, NULL);
        }
        aj->n++;
    }
    return domain_store_err(rc);
}

enum err bond_record_all(struct store *s, const struct tender_caller *c, int64_t tender_id, int *n,
                         const char **field)
{
    const char *dummy = NULL;
    if (field == NULL)
        field = &dummy;
    *field = NULL;
    struct all_job aj = {.j = {.c = c, .tender_id = tender_id, .field = field}};
    arena_init(&aj.j.a, 1u << 20);
    enum err e = domain_write(s, all_tx, &aj);
    arena_release(&aj.j.a);
    if (n != NULL)
        *n = e == ERR_OK ? aj.n : 0;
    return e;
}

static enum err refund_tx(struct store_tx *tx, void *arg)
{
    struct job *j = arg;
    struct tender t;
    struct bond b;
    struct award_rules r;
    char d[160];
    int64_t now = clock_now_ms();
    enum err e = load_agent(tx, j, &t);
    if (e != ERR_OK)
        return e;
    int rc = store_bond_get(tx, &j->a, t.id, j->org_id, &b);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (b.refunded_ms != 0)
        return ERR_BOND_REFUNDED;
    rc = store_bond_refund(tx, t.id, j->org_id, j->ref, j->c->who.user_id, now);
    if (rc == STORE_NOTFOUND)
        return ERR_BOND_REFUNDED;
    if (rc != STORE_OK)
        return domain_store_err(rc);
    int64_t due = 0;
    rc = award_rules_load(tx, &r);
    if (rc == STORE_OK)
        rc = refund_due(tx, &r, &b, &due);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    snprintf(d, sizeof d, "{\"org_id\":%lld,\"due_ms\":%lld,\"overdue\":%s}", (long long)j->org_id,
             (long long)due, due != 0 && now > due ? "true" : "false");
    return domain_store_err(
        award_record(tx, j->c, "bond.refund", "bond", j->org_id, t.id, d, NULL));
}

enum err bond_refund(struct store *s, const struct tender_caller *c, int64_t tender_id,
                     int64_t org_id, const char *reference)
{
    if (reference == NULL)
        return ERR_MISSING_FIELD;
    if (!award_text_ok(reference, BOND_REF_MAX))
        return ERR_INVALID_FIELD;
    struct job j = {.c = c, .tender_id = tender_id, .org_id = org_id, .ref = reference};
    arena_init(&j.a, 1u << 20);
    enum err e = domain_write(s, refund_tx, &j);
    arena_release(&j.a);
    return e;
}

/* ---- the view ---- */

/* The name of org in the evaluation's bidders (JSON), or "". */
static const char *bidder_name(struct arena *a, const char *bidders, int64_t org)
{
    json_error_t jerr;
    json_t *root = bidders ? json_loads(bidders, 0, &jerr) : NULL;
    const char *name = "";
    size_t i;
    json_t *o;
    json_array_foreach(root, i, o)
    {
        if (json_integer_value(json_object_get(o, "org_id")) == org) {
            const char *n = json_string_value(json_object_get(o, "bidder"));
            name = arena_strdup(a, n ? n : "");
            break;
        }
    }
    json_decref(root);
    return name ? name : "";
}

static void bond_write(struct jsonw *w, const struct bond *b, int64_t due, int64_t now)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "org_id", b->org_id);
    jsonw_kstr(w, "bidder", b->org_name);
    jsonw_kint(w, "amount_fen", b->amount_fen);
    jsonw_kstr(w, "form", b->form);
    jsonw_kint(w, "received_ms", b->received_ms);
    if (due != 0)
        jsonw_kint(w, "refund_due_ms", due);
    if (b->refunded_ms != 0) {
        jsonw_kint(w, "refunded_ms", b->refunded_ms);
        jsonw_kstr(w, "refund_ref", b->refund_ref);
    }
    jsonw_kbool(w, "overdue", b->refunded_ms == 0 && due != 0 && now > due);
    jsonw_obj_end(w);
}

struct view {
    int64_t lot;
    struct tender t;
    struct tender_access acc;
    struct evaluation ev;
    bool have_ev, have_k;
    struct award_contract k;
    struct award_rules r;
    struct page comp, bonds, lots, evs;
    int64_t contract_due; /* the lot's contract due, once awarded */
    int64_t *bond_due;    /* [bonds.n] the refunds due (0: not yet) */
};

static int view_load(struct store_tx *tx, struct arena *a, const struct tender_caller *c,
                     int64_t tender_id, struct view *v, enum err *e)
{
    int rc = store_tender_get(tx, a, tender_id, &v->t);
    if (rc != STORE_OK)
        return rc;
    *e = tender_access_check(tx, c, &v->t, &v->acc);
    if (*e == ERR_OK)
        *e = award_lot_check(tx, a, &v->t, v->lot);
    if (*e != ERR_OK)
        return STORE_OK;
    rc = store_eval_get(tx, a, tender_id, (int)v->lot, &v->ev);
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        return rc;
    v->have_ev = rc == STORE_OK;
    rc = store_contract_get(tx, a, tender_id, v->lot, &v->k);
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        return rc;
    v->have_k = rc == STORE_OK;
    rc = award_rules_load(tx, &v->r);
    if (rc == STORE_OK)
        rc = store_complaints(tx, a, tender_id, COMPLAINTS_MAX, &v->comp);
    if (rc == STORE_OK)
        rc = store_bonds(tx, a, tender_id, BONDS_MAX, &v->bonds);
    if (rc == STORE_OK)
        rc = store_tender_lot_list(tx, a, tender_id, TENDER_LOTS_MAX, &v->lots);
    if (rc == STORE_OK)
        rc = store_eval_list(tx, a, tender_id, TENDER_LOTS_MAX, &v->evs);
    if (rc == STORE_OK && v->have_ev && v->ev.award_ms != 0)
        rc = award_due(tx, &v->r, AR_CONTRACT_DAYS, v->ev.award_ms, &v->contract_due);
    if (rc != STORE_OK)
        return rc;
    v->bond_due = arena_alloc(a, sizeof(int64_t) * (size_t)(v->bonds.n + 1));
    if (v->bond_due == NULL)
        return STORE_ERROR;
    return list_dues(tx, &v->r, AR_REFUND_DAYS, v->bonds.items, v->bonds.n, sizeof(struct bond),
                     bond_from, v->bond_due);
}

/* "lots":[{"lot","name","phase","round"}]: every lot of the tender; the
 * phase before the publicity only for the agent and supervisors (null for
 * the others), as the evaluation's view shows it. */
static void write_lots(struct jsonw *w, const struct view *v, bool insider)
{
    int64_t n = v->lots.n > 0 ? v->lots.n : 1;
    jsonw_key(w, "lots");
    jsonw_arr_begin(w);
    for (int64_t i = 0; i < n; i++) {
        const struct tender_lot *l =
            v->lots.n > 0 ? (const struct tender_lot *)v->lots.items + i : NULL;
        int64_t no = l ? l->lot_no : 1;
        const struct evaluation *ev = NULL;
        for (int k = 0; k < v->evs.n && ev == NULL; k++)
            if (((const struct evaluation *)v->evs.items)[k].lot_no == no)
                ev = (const struct evaluation *)v->evs.items + k;
        static const char *const public_phases[] = {"publicity", "awarded", "contracted", "failed"};
        bool shown = ev != NULL && insider;
        for (size_t p = 0; ev != NULL && !shown && p < 4; p++)
            shown = strcmp(ev->phase, public_phases[p]) == 0;
        jsonw_obj_begin(w);
        jsonw_kint(w, "lot", no);
        jsonw_kstr(w, "name", l ? l->title : "");
        jsonw_kstr(w, "phase", shown ? ev->phase : NULL);
        jsonw_kint(w, "round", ev ? ev->round : 0);
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
}

static void write_contract(struct jsonw *w, const struct view *v, bool party)
{
    char msg[256];
    const struct award_contract *k = &v->k;
    jsonw_key(w, "contract");
    jsonw_obj_begin(w);
    jsonw_kint(w, "amount_fen", k->amount_fen);
    jsonw_kstr(w, "document_sha256", k->doc_sha);
    if (k->signed_ms != 0) {
        jsonw_kint(w, "signed_ms", k->signed_ms);
        jsonw_kbool(w, "late", k->late);
    }
    if (party) {
        jsonw_kstr(w, "name", k->doc_name);
        jsonw_kstr(w, "media_type", k->doc_type);
        jsonw_kint(w, "size", k->doc_size);
        jsonw_kint(w, "uploaded_ms", k->uploaded_ms);
        if (contract_sign_message(v->t.id, v->lot, k->doc_sha, k->amount_fen, msg, sizeof msg) > 0)
            jsonw_kstr(w, "sign_message", msg);
        static const char *const side[2] = {"winner", "tenderer"};
        for (int i = 0; i < 2; i++) {
            const char *sig = i ? k->agent_sig : k->bidder_sig;
            jsonw_key(w, side[i]);
            jsonw_obj_begin(w);
            jsonw_kbool(w, "signed", sig != NULL);
            if (sig != NULL) {
                jsonw_kint(w, "signed_ms", i ? k->agent_signed_ms : k->bidder_signed_ms);
                jsonw_kint(w, "user_id", i ? k->agent_user_id : k->bidder_user_id);
                jsonw_kstr(w, "signature", sig);
                jsonw_kstr(w, "certificate", i ? k->agent_cert : k->bidder_cert);
            }
            jsonw_obj_end(w);
        }
    }
    jsonw_obj_end(w);
}

enum err award_view_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                         int64_t lot, struct buf *out)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct view v;
    struct jsonw w;
    enum err e = ERR_OK;
    int64_t now = clock_now_ms();
    memset(&v, 0, sizeof v);
    v.lot = lot;
    arena_init(&a, 64u << 20);
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = view_load(tx, &a, c, tender_id, &v, &e);
    store_rollback(tx);
    if (rc != STORE_OK || e != ERR_OK) {
        arena_release(&a);
        return rc != STORE_OK ? domain_store_err(rc) : e;
    }
    bool agent = award_is_agent(c, &v.t);
    bool bidder = (c->roles & ROLE_BIDDER) && c->org_id != 0;
    bool awarded = v.have_ev && v.ev.award_org_id != 0;
    bool winner = bidder && awarded && c->org_id == v.ev.award_org_id;
    bool sup = v.acc.supervisor;
    buf_reset(out);
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "tender");
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "id", v.t.id);
    jsonw_kstr(&w, "code", v.t.code);
    jsonw_kstr(&w, "title", v.t.title);
    jsonw_kstr(&w, "state", v.t.state);
    jsonw_kbool(&w, "paused", v.t.paused);
    jsonw_kint(&w, "bond_fen", v.t.bond_fen);
    jsonw_kstr(&w, "bond_form", v.t.bond_form);
    jsonw_obj_end(&w);
    jsonw_kint(&w, "lot", v.lot);
    write_lots(&w, &v, agent || sup);
    jsonw_key(&w, "you");
    jsonw_obj_begin(&w);
    jsonw_kbool(&w, "agent", agent);
    jsonw_kbool(&w, "winner", winner);
    jsonw_kbool(&w, "bidder", bidder);
    jsonw_kbool(&w, "supervisor", sup);
    jsonw_kint(&w, "org_id", c->org_id);
    jsonw_obj_end(&w);
    if (awarded) {
        int64_t due = v.contract_due;
        jsonw_key(&w, "award");
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "org_id", v.ev.award_org_id);
        jsonw_kstr(&w, "bidder", bidder_name(&a, v.ev.bidders, v.ev.award_org_id));
        jsonw_kint(&w, "award_ms", v.ev.award_ms);
        jsonw_kstr(&w, "notice_sha256", v.ev.notice_sha);
        jsonw_kint(&w, "contract_due_ms", due);
        jsonw_kbool(&w, "contract_overdue", strcmp(v.ev.phase, "awarded") == 0 && now > due);
        jsonw_obj_end(&w);
    }
    bool party = agent || winner || sup;
    if (v.have_k && (party || v.k.signed_ms != 0))
        write_contract(&w, &v, party);
    jsonw_key(&w, "complaints"); /* the whole tender's and this lot's */
    jsonw_arr_begin(&w);
    for (int i = 0; i < v.comp.n; i++) {
        const struct complaint *k = (const struct complaint *)v.comp.items + i;
        bool own = bidder && k->org_id == c->org_id;
        bool full = own || sup || agent;
        if ((k->lot_no == 0 || k->lot_no == v.lot) && (full || k->decision != NULL))
            complaint_write(&w, k, full, now);
    }
    jsonw_arr_end(&w);
    if (agent || sup || bidder) {
        jsonw_key(&w, "bonds"); /* per tender: the refund after the bidder's lots */
        jsonw_arr_begin(&w);
        for (int i = 0; i < v.bonds.n; i++) {
            const struct bond *b = (const struct bond *)v.bonds.items + i;
            if (agent || sup || b->org_id == c->org_id)
                bond_write(&w, b, v.bond_due[i], now);
        }
        jsonw_arr_end(&w);
    }
    jsonw_key(&w, "rules");
    jsonw_obj_begin(&w);
    for (int i = 0; i < AR__COUNT; i++)
        jsonw_kint(&w, award_rule_defs[i].name, v.r.v[i]);
    jsonw_obj_end(&w);
    jsonw_kint(&w, "now_ms", now);
    jsonw_obj_end(&w);
    arena_release(&a);
    return jsonw_finish(&w) == JSONW_OK ? ERR_OK : ERR_INTERNAL;
}

/* ---- overdue ---- */

struct overdue {
    struct award_rules r;
    struct page comp, bonds, late;
    int64_t *bond_due, *late_due; /* [bonds.n], [late.n] */
};

static int64_t late_from(const void *item)
{
    return ((const struct award_late *)item)->award_ms;
}

/* The due day of each row of pg (rule counted from from(row); a row whose
 * from is 0 is not due) into *dues; keeps only the rows due before now, in
 * order. A store_rc. */
static int keep_overdue(struct store_tx *tx, struct arena *a, const struct award_rules *r,
                        enum award_rule rule, struct page *pg, size_t size,
                        int64_t (*from)(const void *), int64_t now, int64_t **dues)
{
    char *items = (char *)pg->items;
    int n = 0;
    *dues = arena_alloc(a, sizeof(int64_t) * (size_t)(pg->n + 1));
    if (*dues == NULL)
        return STORE_ERROR;
    int rc = list_dues(tx, r, rule, items, pg->n, size, from, *dues);
    if (rc != STORE_OK)
        return rc;
    for (int i = 0; i < pg->n; i++) {
        int64_t due = (*dues)[i]; /* 0: not due (n <= i: not yet overwritten) */
        if (due == 0 || now <= due)
            continue;
        if (n != i)
            memcpy(items + (size_t)n * size, items + (size_t)i * size, size);
        (*dues)[n++] = due;
    }
    pg->n = n;
    return STORE_OK;
}

/* The store's cutoffs are early by construction: award_due never ends
 * before its days counted in hours (a rest day only moves it later). */
static int overdue_load(struct store_tx *tx, struct arena *a, int64_t now, bool warned_too,
                        struct overdue *o)
{
    int rc = award_rules_load(tx, &o->r);
    if (rc == STORE_OK)
        rc = store_complaints_overdue(tx, a, now, warned_too, AWARD_OVERDUE_MAX, &o->comp);
    if (rc == STORE_OK)
        rc = store_bonds_overdue(tx, a, now - o->r.v[AR_REFUND_DAYS] * DAY_MS, warned_too,
                                 AWARD_OVERDUE_MAX, &o->bonds);
    if (rc == STORE_OK)
        rc = store_award_late(tx, a, now - o->r.v[AR_CONTRACT_DAYS] * DAY_MS, warned_too,
                              AWARD_OVERDUE_MAX, &o->late);
    if (rc == STORE_OK)
        rc = keep_overdue(tx, a, &o->r, AR_REFUND_DAYS, &o->bonds, sizeof(struct bond), bond_from,
                          now, &o->bond_due);
    if (rc == STORE_OK)
        rc = keep_overdue(tx, a, &o->r, AR_CONTRACT_DAYS, &o->late, sizeof(struct award_late),
                          late_from, now, &o->late_due);
    return rc;
}

static const char *overdue_step(const struct complaint *k)
{
    return strcmp(k->status, "filed") == 0 ? "accept" : "decide";
}

static void overdue_complaint(struct jsonw *w, const struct complaint *k)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "complaint_id", k->id);
    jsonw_kint(w, "tender_id", k->tender_id);
    jsonw_kint(w, "lot", k->lot_no);
    jsonw_kstr(w, "step", overdue_step(k));
    jsonw_kint(w, "due_ms", strcmp(k->status, "filed") == 0 ? k->accept_due_ms : k->decide_due_ms);
    jsonw_kstr(w, "subject", k->subject);
    jsonw_obj_end(w);
}

static void overdue_bond(struct jsonw *w, const struct bond *b, int64_t due)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "tender_id", b->tender_id);
    jsonw_kint(w, "org_id", b->org_id);
    jsonw_kstr(w, "bidder", b->org_name);
    jsonw_kint(w, "amount_fen", b->amount_fen);
    jsonw_kint(w, "due_ms", due);
    jsonw_obj_end(w);
}

static void overdue_contract(struct jsonw *w, const struct award_late *l, int64_t due, bool full)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "tender_id", l->tender_id);
    jsonw_kint(w, "lot", l->lot_no);
    if (full) {
        jsonw_kstr(w, "code", l->code);
        jsonw_kstr(w, "title", l->title);
    }
    jsonw_kint(w, "org_id", l->org_id);
    jsonw_kint(w, "award_ms", l->award_ms);
    jsonw_kint(w, "due_ms", due);
    if (full)
        jsonw_kbool(w, "warned", l->warned_ms != 0);
    jsonw_obj_end(w);
}

enum err award_overdue_json(struct store *s, struct buf *out)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct overdue o;
    struct jsonw w;
    int64_t now = clock_now_ms();
    memset(&o, 0, sizeof o);
    arena_init(&a, 16u << 20);
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = overdue_load(tx, &a, now, true, &o);
    store_rollback(tx);
    if (rc != STORE_OK) {
        arena_release(&a);
        return domain_store_err(rc);
    }
    buf_reset(out);
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "complaints");
    jsonw_arr_begin(&w);
    for (int i = 0; i < o.comp.n; i++)
        overdue_complaint(&w, (const struct complaint *)o.comp.items + i);
    jsonw_arr_end(&w);
    jsonw_key(&w, "bonds");
    jsonw_arr_begin(&w);
    for (int i = 0; i < o.bonds.n; i++)
        overdue_bond(&w, (const struct bond *)o.bonds.items + i, o.bond_due[i]);
    jsonw_arr_end(&w);
    jsonw_key(&w, "contracts");
    jsonw_arr_begin(&w);
    for (int i = 0; i < o.late.n; i++)
        overdue_contract(&w, (const struct award_late *)o.late.items + i, o.late_due[i], true);
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    arena_release(&a);
    return jsonw_finish(&w) == JSONW_OK ? ERR_OK : ERR_INTERNAL;
}

/* ---- the deadline round ---- */

struct due_job {
    struct arena a;
    struct overdue o;
    int64_t now;
};

/* Marks what is overdue and not yet warned as warned; the rows stay in
 * j->o for the publish after the commit. */
static enum err due_tx(struct store_tx *tx, void *arg)
{
    struct due_job *j = arg;
    arena_release(&j->a);
    memset(&j->o, 0, sizeof j->o);
    int rc = overdue_load(tx, &j->a, j->now, false, &j->o);
    for (int i = 0; rc == STORE_OK && i < j->o.comp.n; i++) {
        struct complaint *k = (struct complaint *)j->o.comp.items + i;
        if (strcmp(k->status, "filed") == 0)
            k->accept_warned_ms = j->now;
        else
            k->decide_warned_ms = j->now;
        k->version++;
        rc = store_complaint_update(tx, k);
    }
    for (int i = 0; rc == STORE_OK && i < j->o.bonds.n; i++) {
        const struct bond *b = (const struct bond *)j->o.bonds.items + i;
        rc = store_bond_warned(tx, b->tender_id, b->org_id, j->now);
    }
    for (int i = 0; rc == STORE_OK && i < j->o.late.n; i++) {
        const struct award_late *l = (const struct award_late *)j->o.late.items + i;
        rc = store_award_late_warned(tx, l->tender_id, l->lot_no, l->award_ms, j->now);
    }
    return domain_store_err(rc);
}

static void publish(struct cluster *c, const char *event, struct buf *b)
{
    if (c == NULL)
        return;
    int rc = cluster_publish(c, AWARD_SUPERVISION, event, b->data, b->len);
    if (rc != STORE_OK)
        log_warn("award: event %s not published: %s", event, store_rc_name(rc));
}

int award_run_due(struct store *s, struct cluster *c, int *warned)
{
    struct due_job j = {.now = clock_now_ms()};
    struct buf b;
    struct jsonw w;
    *warned = 0;
    arena_init(&j.a, 16u << 20);
    enum err e = domain_write(s, due_tx, &j);
    if (e != ERR_OK) {
        arena_release(&j.a);
        return e == ERR_STORE_BUSY ? STORE_BUSY : STORE_ERROR;
    }
    buf_init(&b, 4096);
    for (int i = 0; i < j.o.comp.n; i++) {
        const struct complaint *k = (const struct complaint *)j.o.comp.items + i;
        buf_reset(&b);
        jsonw_init(&w, &b);
        overdue_complaint(&w, k);
        if (jsonw_finish(&w) == JSONW_OK)
            publish(c, "complaint.overdue", &b);
        log_warn("award: complaint %lld of tender %lld: %s overdue", (long long)k->id,
                 (long long)k->tender_id, overdue_step(k));
    }
    for (int i = 0; i < j.o.bonds.n; i++) {
        const struct bond *bd = (const struct bond *)j.o.bonds.items + i;
        buf_reset(&b);
        jsonw_init(&w, &b);
        overdue_bond(&w, bd, j.o.bond_due[i]);
        if (jsonw_finish(&w) == JSONW_OK)
            publish(c, "bond.overdue", &b);
        log_warn("award: bond of org %lld, tender %lld: refund overdue", (long long)bd->org_id,
                 (long long)bd->tender_id);
    }
    for (int i = 0; i < j.o.late.n; i++) {
        const struct award_late *l = (const struct award_late *)j.o.late.items + i;
        buf_reset(&b);
        jsonw_init(&w, &b);
        overdue_contract(&w, l, j.o.late_due[i], false);
        if (jsonw_finish(&w) == JSONW_OK)
            publish(c, "contract.overdue", &b);
        log_warn("award: tender %lld lot %lld: contract not signed in time",
                 (long long)l->tender_id, (long long)l->lot_no);
    }
    *warned = j.o.comp.n + j.o.bonds.n + j.o.late.n;
    buf_release(&b);
    arena_release(&j.a);
    return STORE_OK;
}
