/*
 * domain/evaluation_view.c — what a caller may see of the evaluation
 * (evaluation.h: evaluation_view_json, evaluation_report_json,
 * evaluation_notice_json), in read transactions. Who sees what is decided
 * here, from the job evaluation_load fills (evaluation_internal.h):
 * supervisors everything; members the bids, their own entries and
 * warnings (the chair all warnings); the agent the logistics and, once
 * built, the report; everyone the candidates from the publicity on. Each
 * read is of one lot (its current round); the view lists every lot of
 * the tender with its phase, and the lot's earlier rounds.
 * Threads: any.
 */
#include <string.h>

#include "domain/committee.h"
#include "domain/evaluation.h"
#include "domain/evaluation_internal.h"

#define LOTS_MAX   1000 /* lots of one tender listed */
#define ROUNDS_MAX 1000 /* earlier rounds of a lot listed */

/* ---- reading ---- */

static enum err read_begin(struct store *s, struct eval_job *j, struct store_tx **tx)
{
    int rc = store_begin(s, STORE_READ, tx);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    arena_init(&j->a, (size_t)256 << 20);
    buf_init(&j->tmp, EVALUATION_REPORT_MAX);
    buf_init(&j->res, EVALUATION_REPORT_MAX);
    return evaluation_load(*tx, j);
}

static void read_end(struct store_tx *tx, struct eval_job *j)
{
    store_rollback(tx);
    arena_release(&j->a);
    buf_release(&j->tmp);
    buf_release(&j->res);
}

static bool phase_public(const char *phase)
{
    return strcmp(phase, "publicity") == 0 || strcmp(phase, "awarded") == 0 ||
           strcmp(phase, "contracted") == 0 || strcmp(phase, "failed") == 0;
}

enum err evaluation_lots_json(struct store_tx *tx, struct eval_job *j, struct jsonw *w)
{
    struct page lots, evs;
    bool inside = j->acc.supervisor || j->c->system || evaluation_is_agent(j) || j->me != 0;
    int rc = store_tender_lot_list(tx, &j->a, j->t.id, LOTS_MAX, &lots);
    if (rc == STORE_OK)
        rc = store_eval_list(tx, &j->a, j->t.id, LOTS_MAX, &evs);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    int n = lots.n > 0 ? lots.n : 1;
    jsonw_key(w, "lots");
    jsonw_arr_begin(w);
    for (int i = 0; i < n; i++) {
        const struct tender_lot *l = lots.n > 0 ? (const struct tender_lot *)lots.items + i : NULL;
        int no = l ? (int)l->lot_no : 1;
        const struct evaluation *e = NULL;
        for (int k = 0; k < evs.n; k++)
            if (((const struct evaluation *)evs.items)[k].lot_no == no)
                e = (const struct evaluation *)evs.items + k;
        jsonw_obj_begin(w);
        jsonw_kint(w, "lot", no);
        jsonw_kstr(w, "name", l && l->title ? l->title : "");
        jsonw_kstr(w, "phase", e && (inside || phase_public(e->phase)) ? e->phase : NULL);
        jsonw_kint(w, "round", e ? e->round : 1);
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
    return ERR_OK;
}

enum err evaluation_view_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                              int lot, struct buf *out)
{
    struct store_tx *tx = NULL;
    struct eval_job j = {.c = c, .tender_id = tender_id, .lot = lot};
    struct page pg;
    int64_t ids[COMMITTEE_MEMBERS_MAX];
    int nq = 0, ns = 0;
    enum err e = read_begin(s, &j, &tx);
    if (e != ERR_OK)
        goto out;
    bool sup = j.acc.supervisor || c->system, agent = evaluation_is_agent(&j), member = j.me != 0;
    if (!j.have) {
        e = sup || agent || member ? ERR_EVAL_WRONG_PHASE : ERR_NOT_FOUND;
        goto out;
    }
    bool pub = phase_public(j.e.phase);
    if (!sup && !agent && !member && !pub) {
        e = ERR_NOT_FOUND;
        goto out;
    }
    if ((e = evaluation_sheets(tx, &j, "qualification", ids, &nq)) != ERR_OK ||
        (e = evaluation_sheets(tx, &j, "scoring", ids, &ns)) != ERR_OK)
        goto out;
    struct jsonw w;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "tender_id", j.t.id);
    jsonw_kstr(&w, "tender_state", j.t.state);
    jsonw_kint(&w, "lot", j.lot);
    jsonw_kstr(&w, "lot_name", j.lot_name);
    jsonw_kint(&w, "round", j.e.round);
    jsonw_kstr(&w, "phase", j.e.phase);
    if (j.e.failed_reason != NULL)
        jsonw_kstr(&w, "failed_reason", j.e.failed_reason);
    if ((e = evaluation_lots_json(tx, &j, &w)) != ERR_OK)
        goto out;
    /* the lot's earlier rounds (a re-evaluation): their reports' hashes */
    int rrc = store_eval_rounds(tx, &j.a, j.t.id, j.lot, ROUNDS_MAX, &pg);
    if (rrc != STORE_OK) {
        e = domain_store_err(rrc);
        goto out;
    }
    jsonw_key(&w, "rounds");
    jsonw_arr_begin(&w);
    for (int k = 0; k < pg.n; k++) {
        const struct eval_round *r = (const struct eval_round *)pg.items + k;
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "round", r->round);
        jsonw_kstr(&w, "report_sha256", r->report_sha);
        jsonw_kint(&w, "ended_ms", r->ended_ms);
        jsonw_kstr(&w, "reason", r->reason);
        jsonw_kint(&w, "complaint_id", r->complaint_id);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_kstr(&w, "method", j.e.method);
    jsonw_kstr(&w, "template_sha256", j.e.tpl_sha);
    jsonw_key(&w, "template");
    if (j.e.tpl[0] != '\0')
        jsonw_raw(&w, j.e.tpl, strlen(j.e.tpl));
    else
        jsonw_null(&w);
    jsonw_kint(&w, "members", j.nmem);
    jsonw_key(&w, "sheets");
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "qualification", nq);
    jsonw_kint(&w, "scoring", ns);
    jsonw_obj_end(&w);
    jsonw_kint(&w, "bids", j.nb);
    if (member) {
        jsonw_kint(&w, "you", j.me);
        jsonw_kbool(&w, "chair", j.chair);
    }
    if (sup || member) {
        /* the bids as the opening record read them out */
        jsonw_key(&w, "bidders");
        jsonw_raw(&w, j.e.bidders, strlen(j.e.bidders));
        /* after the qualification review: which bids passed it */
        if (strcmp(j.e.phase, "qualification") != 0) {
            size_t nb = (size_t)(j.nb > 0 ? j.nb : 1);
            bool *q = arena_alloc(&j.a, nb * sizeof(bool));
            int *failed = arena_alloc(&j.a, nb * sizeof(int));
            if (q == NULL || failed == NULL) {
                e = ERR_INTERNAL;
                goto out;
            }
            if ((e = evaluation_qualified(tx, &j, q, failed)) != ERR_OK)
                goto out;
            jsonw_key(&w, "qualified");
            jsonw_arr_begin(&w);
            for (int b = 0; b < j.nb; b++)
                if (q[b])
                    jsonw_int(&w, j.org[b]);
            jsonw_arr_end(&w);
        }
        /* entries: a member its own, a supervisor all */
        int rc = store_eval_entries(
            tx, &j.a, &j.k, sup ? 0 : j.me, "",
            (sup ? j.nmem : 1) * j.nb * (j.tpl->ncrit + j.tpl->nitems) + j.nb + 1, &pg);
        if (rc != STORE_OK) {
            e = domain_store_err(rc);
            goto out;
        }
        jsonw_key(&w, "entries");
        jsonw_arr_begin(&w);
        for (int k = 0; k < pg.n; k++) {
            const struct eval_entry *en = (const struct eval_entry *)pg.items + k;
            jsonw_obj_begin(&w);
            jsonw_kint(&w, "member_id", en->member_id);
            jsonw_kint(&w, "org_id", en->org_id);
            jsonw_kstr(&w, "item", en->item);
            jsonw_kint(&w, "value", en->value);
            jsonw_kstr(&w, "reason", en->reason);
            jsonw_obj_end(&w);
        }
        jsonw_arr_end(&w);
        /* warnings: the chair and supervisors all, a member its own */
        rc = store_eval_warnings(tx, &j.a, &j.k, EVAL_WARNINGS_MAX, &pg);
        if (rc != STORE_OK) {
            e = domain_store_err(rc);
            goto out;
        }
        jsonw_key(&w, "warnings");
        jsonw_arr_begin(&w);
        for (int k = 0; k < pg.n; k++) {
            const struct eval_warning_row *o = (const struct eval_warning_row *)pg.items + k;
            if (!sup && !j.chair && o->member_id != j.me)
                continue;
            jsonw_obj_begin(&w);
            jsonw_kint(&w, "id", o->id);
            jsonw_kstr(&w, "kind", o->kind);
            jsonw_kint(&w, "member_id", o->member_id);
            jsonw_kint(&w, "org_id", o->org_id);
            jsonw_kstr(&w, "item", o->item);
            jsonw_kint(&w, "other", o->other);
            evaluation_kcenti(&w, "score", o->score);
            evaluation_kcenti(&w, "median", o->median);
            jsonw_kstr(&w, "status", o->status);
            jsonw_kstr(&w, "reason", o->reason);
            jsonw_obj_end(&w);
        }
        jsonw_arr_end(&w);
    }
    if (j.e.report_sha != NULL && (sup || member || agent)) {
        jsonw_kstr(&w, "report_sha256", j.e.report_sha);
        int rc = store_eval_signatures(tx, &j.a, &j.k, COMMITTEE_MEMBERS_MAX, &pg);
        if (rc != STORE_OK) {
            e = domain_store_err(rc);
            goto out;
        }
        jsonw_key(&w, "signatures");
        jsonw_arr_begin(&w);
        for (int k = 0; k < pg.n; k++) {
            const struct eval_signature *sg = (const struct eval_signature *)pg.items + k;
            jsonw_obj_begin(&w);
            jsonw_kint(&w, "member_id", sg->member_id);
            jsonw_kint(&w, "signed_ms", sg->signed_ms);
            jsonw_obj_end(&w);
        }
        jsonw_arr_end(&w);
    }
    if (j.e.result != NULL && (sup || member || pub)) {
        jsonw_key(&w, "result");
        jsonw_raw(&w, j.e.result, strlen(j.e.result));
    }
    if (j.e.publicity_start_ms != 0) {
        jsonw_key(&w, "publicity");
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "start_ms", j.e.publicity_start_ms);
        jsonw_kint(&w, "end_ms", j.e.publicity_end_ms);
        jsonw_obj_end(&w);
    }
    /* the objections of every round: an ended round's, closed with the
     * system's "superseded" answer, stay visible while the next round is
     * evaluated, so their objectors see why */
    if (j.e.publicity_start_ms != 0 || j.e.round > 1) {
        int rc = store_eval_objections(tx, &j.a, j.t.id, j.lot, 1000, &pg);
        if (rc != STORE_OK) {
            e = domain_store_err(rc);
            goto out;
        }
        /* who raised an objection stays hidden but from the agent, the
         * supervisors and the objector itself */
        jsonw_key(&w, "objections");
        jsonw_arr_begin(&w);
        for (int k = 0; k < pg.n; k++) {
            const struct eval_objection *o = (const struct eval_objection *)pg.items + k;
            bool own = c->org_id != 0 && o->org_id == c->org_id;
            jsonw_obj_begin(&w);
            jsonw_kint(&w, "id", o->id);
            jsonw_kint(&w, "round", o->round);
            if (sup || agent || own) {
                jsonw_kint(&w, "org_id", o->org_id);
                jsonw_kstr(&w, "body", o->body);
            }
            jsonw_kint(&w, "raised_ms", o->raised_ms);
            jsonw_kint(&w, "due_ms", o->due_ms);
            jsonw_kstr(&w, "answer", o->answer);
            jsonw_kint(&w, "answered_ms", o->answered_ms);
            jsonw_obj_end(&w);
        }
        jsonw_arr_end(&w);
    }
    if (j.e.award_org_id != 0) {
        jsonw_key(&w, "award");
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "org_id", j.e.award_org_id);
        int b = evaluation_bidder_index(&j, j.e.award_org_id);
        jsonw_kstr(&w, "bidder", b >= 0 ? j.bname[b] : NULL);
        jsonw_kint(&w, "award_ms", j.e.award_ms);
        jsonw_kstr(&w, "reason", j.e.award_reason);
        jsonw_kstr(&w, "notice_sha256", j.e.notice_sha);
        jsonw_obj_end(&w);
    }
    if (j.e.contract_ms != 0) {
        jsonw_key(&w, "contract");
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "contract_ms", j.e.contract_ms);
        jsonw_kint(&w, "amount_fen", j.e.contract_fen);
        jsonw_kstr(&w, "document_sha256", j.e.contract_sha);
        jsonw_obj_end(&w);
    }
    jsonw_obj_end(&w);
    e = jsonw_finish(&w) == JSONW_OK ? ERR_OK : ERR_INTERNAL;
out:
    read_end(tx, &j);
    return e;
}

enum err evaluation_report_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                                int lot, struct buf *out)
{
    struct store_tx *tx = NULL;
    struct eval_job j = {.c = c, .tender_id = tender_id, .lot = lot};
    struct page pg;
    enum err e = read_begin(s, &j, &tx);
    if (e != ERR_OK)
        goto out;
    bool may = j.acc.supervisor || c->system || evaluation_is_agent(&j) || j.me != 0;
    if (!may) {
        e = ERR_NOT_FOUND;
        goto out;
    }
    if (!j.have || j.e.report == NULL) {
        e = ERR_EVAL_WRONG_PHASE;
        goto out;
    }
    int rc = store_eval_signatures(tx, &j.a, &j.k, COMMITTEE_MEMBERS_MAX, &pg);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    struct jsonw w;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "report_sha256", j.e.report_sha);
    jsonw_kstr(&w, "sign_prefix", EVALUATION_SIGN_PREFIX);
    jsonw_key(&w, "report");
    jsonw_raw(&w, j.e.report, strlen(j.e.report));
    jsonw_key(&w, "signatures");
    jsonw_arr_begin(&w);
    for (int k = 0; k < pg.n; k++) {
        const struct eval_signature *sg = (const struct eval_signature *)pg.items + k;
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "member_id", sg->member_id);
        jsonw_kint(&w, "user_id", sg->user_id);
        jsonw_kstr(&w, "report_sha256", sg->report_sha);
        jsonw_kstr(&w, "signature", sg->signature);
        jsonw_kstr(&w, "certificate", sg->certificate);
        jsonw_kint(&w, "signed_ms", sg->signed_ms);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    e = jsonw_finish(&w) == JSONW_OK ? ERR_OK : ERR_INTERNAL;
out:
    read_end(tx, &j);
    return e;
}

enum err evaluation_notice_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                                int lot, struct buf *out)
{
    struct store_tx *tx = NULL;
    struct eval_job j = {.c = c, .tender_id = tender_id, .lot = lot};
    enum err e = read_begin(s, &j, &tx);
    if (e != ERR_OK)
        goto out;
    if (!j.have || j.e.award_org_id == 0) {
        e = ERR_EVAL_WRONG_PHASE;
        goto out;
    }
    e = evaluation_notice_write(&j, out);
out:
    read_end(tx, &j);
    return e;
}
