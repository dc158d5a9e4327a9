/*
 * domain/evaluation_report.c — the evaluation report of a lot's round
 * (docs/evaluation.md, "The report"): the result computed from every
 * member's entries by the pure engine (eval/eval.h), written as canonical
 * JSON with the bids, the committee, the qualification, the scores, the
 * warnings and how each was resolved, the ranking and the candidates, the
 * round and the previous round's report hash. Split from evaluation.c; the
 * step that calls it (advance) and the rules stay there.
 * Threads: any (inside the caller's transaction).
 */
#include "domain/evaluation_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonw.h"
#include "domain/committee.h"
#include "store/opening.h"

void evaluation_kcenti(struct jsonw *w, const char *key, int64_t v)
{
    char s[32];
    eval_centi_str(v, s);
    jsonw_key(w, key);
    jsonw_raw(w, s, strlen(s));
}

/* Computes the result with every member's scores and writes the report
 * (j->tmp) and the result summary (j->res). */
enum err evaluation_build_report(struct store_tx *tx, struct eval_job *j, int64_t now)
{
    int nb = j->nb, ni = j->tpl->nitems, ne = j->nmem;
    int64_t ids[COMMITTEE_MEMBERS_MAX];
    struct eval_input in;
    struct eval_result r;
    struct page votes, scores, adj, warns;
    struct opening_hall h;
    for (int m = 0; m < ne; m++)
        ids[m] = j->mem[m].id;
    bool *q = arena_alloc(&j->a, (size_t)(nb > 0 ? nb : 1) * sizeof(bool));
    int *failed = arena_alloc(&j->a, (size_t)(nb > 0 ? nb : 1) * sizeof(int));
    if (q == NULL || failed == NULL)
        return ERR_INTERNAL;
    enum err e = evaluation_qualified(tx, j, q, failed);
    if (e == ERR_OK)
        e = evaluation_build_input(tx, j, ids, ne, q, &in);
    if (e != ERR_OK)
        return e;
    bool scoring = false;
    for (int i = 0; i < ni; i++)
        scoring = scoring || j->tpl->items[i].kind == EK_SUBJECTIVE;
    if (!scoring)
        in.ne = 0;
    int rc = store_eval_entries(tx, &j->a, &j->k, 0, "q:", ne * nb * j->tpl->ncrit + 1, &votes);
    if (rc == STORE_OK)
        rc = store_eval_entries(tx, &j->a, &j->k, 0, "s:", ne * nb * ni + 1, &scores);
    if (rc == STORE_OK)
        rc = store_eval_entries(tx, &j->a, &j->k, 0, "adjust", nb + 1, &adj);
    if (rc == STORE_OK)
        rc = store_eval_warnings(tx, &j->a, &j->k, EVAL_WARNINGS_MAX, &warns);
    if (rc == STORE_OK)
        rc = store_opening_hall_get(tx, &j->a, j->t.id, &h);
    if (rc == STORE_NOTFOUND)
        h.record_hash = NULL, rc = STORE_OK;
    struct page rounds = {0};
    if (rc == STORE_OK && j->e.round > 1)
        rc = store_eval_rounds(tx, &j->a, j->t.id, j->lot, j->e.round, &rounds);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (eval_result_init(&r, nb, ni) != EVAL_OK)
        return ERR_INTERNAL;
    if (eval_compute(&in, NULL, &r) != EVAL_OK) {
        eval_result_release(&r);
        return ERR_EVAL_SHEETS_MISSING;
    }
    struct jsonw w;
    buf_reset(&j->tmp);
    jsonw_init(&w, &j->tmp);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "type", "sunbid.evaluation-report.v1");
    jsonw_kint(&w, "tender_id", j->t.id);
    jsonw_kstr(&w, "code", j->t.code);
    jsonw_kstr(&w, "title", j->t.title);
    jsonw_kint(&w, "lot", j->lot);
    jsonw_kstr(&w, "lot_name", j->lot_name);
    jsonw_kint(&w, "round", j->e.round);
    /* a re-evaluation names the report of the round before (its hash) */
    jsonw_kstr(&w, "previous_report_sha256",
               rounds.n > 0 ? ((const struct eval_round *)rounds.items)[rounds.n - 1].report_sha
                            : NULL);
    jsonw_kstr(&w, "method", eval_method_name(j->tpl->method));
    jsonw_kstr(&w, "template_sha256", j->e.tpl_sha);
    jsonw_key(&w, "template");
    jsonw_raw(&w, j->e.tpl, strlen(j->e.tpl));
    jsonw_kstr(&w, "opening_record_sha256", h.record_hash);
    jsonw_kint(&w, "ceiling_fen", j->ceiling);
    jsonw_kint(&w, "built_ms", now);
    jsonw_key(&w, "committee");
    jsonw_arr_begin(&w);
    for (int m = 0; m < ne; m++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "member_id", j->mem[m].id);
        jsonw_kstr(&w, "name", j->mem[m].name);
        jsonw_kstr(&w, "kind", j->mem[m].kind);
        jsonw_kbool(&w, "chair", j->mem[m].id == j->cm.chair_member_id);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_kint(&w, "price_base_fen", r.base_fen);
    jsonw_kint(&w, "price_average_fen", r.avg_fen);
    jsonw_key(&w, "bids");
    jsonw_arr_begin(&w);
    for (int k = 0; k < nb; k++) {
        int b = r.order[k];
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "org_id", j->org[b]);
        jsonw_kstr(&w, "bidder", j->bname[b]);
        jsonw_kint(&w, "price_fen", j->price[b]);
        jsonw_kbool(&w, "valid", r.valid[b]);
        jsonw_kstr(&w, "invalid", r.invalid[b]);
        jsonw_key(&w, "failed_criterion");
        if (failed[b] >= 0)
            jsonw_str(&w, j->tpl->crit[failed[b]].code);
        else
            jsonw_null(&w);
        jsonw_kint(&w, "rank", r.rank[b]);
        if (j->tpl->method == EM_COMPREHENSIVE) {
            jsonw_key(&w, "items");
            jsonw_obj_begin(&w);
            for (int i = 0; i < ni; i++)
                evaluation_kcenti(&w, j->tpl->items[i].code,
                                  r.item[(size_t)b * (size_t)ni + (size_t)i]);
            jsonw_obj_end(&w);
            evaluation_kcenti(&w, "total", r.total[b]);
        }
        if (j->tpl->method == EM_LOWEST_EVALUATED)
            jsonw_kint(&w, "evaluated_fen", r.evaluated[b]);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "votes");
    jsonw_arr_begin(&w);
    for (int k = 0; k < votes.n; k++) {
        const struct eval_entry *en = (const struct eval_entry *)votes.items + k;
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "member_id", en->member_id);
        jsonw_kint(&w, "org_id", en->org_id);
        jsonw_kstr(&w, "criterion", en->item + 2);
        jsonw_kbool(&w, "pass", en->value != 0);
        jsonw_kstr(&w, "reason", en->reason);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "scores");
    jsonw_arr_begin(&w);
    for (int k = 0; k < scores.n; k++) {
        const struct eval_entry *en = (const struct eval_entry *)scores.items + k;
        if (evaluation_bidder_index(j, en->org_id) < 0 ||
            !r.valid[evaluation_bidder_index(j, en->org_id)])
            continue;
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "member_id", en->member_id);
        jsonw_kint(&w, "org_id", en->org_id);
        jsonw_kstr(&w, "item", en->item + 2);
        evaluation_kcenti(&w, "score", en->value);
        jsonw_kstr(&w, "reason", en->reason);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "adjustments");
    jsonw_arr_begin(&w);
    for (int k = 0; k < adj.n; k++) {
        const struct eval_entry *en = (const struct eval_entry *)adj.items + k;
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "org_id", en->org_id);
        jsonw_kint(&w, "adjust_fen", en->value);
        jsonw_kstr(&w, "reason", en->reason);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "warnings");
    jsonw_arr_begin(&w);
    for (int k = 0; k < warns.n; k++) {
        const struct eval_warning_row *o = (const struct eval_warning_row *)warns.items + k;
        jsonw_obj_begin(&w);
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
    /* the summary: candidates and the bids not ranked */
    struct jsonw s;
    buf_reset(&j->res);
    jsonw_init(&s, &j->res);
    jsonw_obj_begin(&s);
    jsonw_key(&s, "candidates");
    jsonw_arr_begin(&s);
    jsonw_key(&w, "candidates");
    jsonw_arr_begin(&w);
    for (int k = 0; k < r.ncand; k++) {
        int b = r.order[k];
        struct jsonw *ws[2] = {&w, &s};
        for (int x = 0; x < 2; x++) {
            jsonw_obj_begin(ws[x]);
            jsonw_kint(ws[x], "rank", r.rank[b]);
            jsonw_kint(ws[x], "org_id", j->org[b]);
            jsonw_kstr(ws[x], "bidder", j->bname[b]);
            jsonw_kint(ws[x], "price_fen", j->price[b]);
            if (j->tpl->method == EM_COMPREHENSIVE)
                evaluation_kcenti(ws[x], "total", r.total[b]);
            if (j->tpl->method == EM_LOWEST_EVALUATED)
                jsonw_kint(ws[x], "evaluated_fen", r.evaluated[b]);
            jsonw_obj_end(ws[x]);
        }
    }
    jsonw_arr_end(&w);
    jsonw_arr_end(&s);
    jsonw_kbool(&w, "tie_at_cutoff", r.tie_at_cutoff);
    jsonw_kbool(&s, "tie_at_cutoff", r.tie_at_cutoff);
    jsonw_key(&s, "not_valid");
    jsonw_arr_begin(&s);
    for (int b = 0; b < nb; b++) {
        if (r.valid[b])
            continue;
        jsonw_obj_begin(&s);
        jsonw_kint(&s, "org_id", j->org[b]);
        jsonw_kstr(&s, "bidder", j->bname[b]);
        jsonw_kstr(&s, "reason", r.invalid[b]);
        jsonw_obj_end(&s);
    }
    jsonw_arr_end(&s);
    jsonw_obj_end(&s);
    jsonw_obj_end(&w);
    eval_result_release(&r);
    if (jsonw_finish(&w) != JSONW_OK || jsonw_finish(&s) != JSONW_OK)
        return ERR_INTERNAL;
    return ERR_OK;
}
