/*
 * api/results.c — GET /api/results, the public list of evaluation results
 * (公示公告: 中标候选人公示 and 中标结果公告) for the results page
 * (web/pages/results.js).
 *
 * A result is a tender past its evaluation: in `publicity` (the candidates
 * are public, objections may be raised until the publicity's end), or
 * `awarded` / `contracted` (the award notice is public). The list is the
 * tenders of those states, newest first by id, with the cursor of every list
 * (docs/api.md, "Lists": the cursor is the last id). Each state is read with
 * the store's own tender list (store_tender_list filters one state), and the
 * up to three pages are merged by id: a page of `limit` items from the merge
 * is exactly the first `limit` of the union, and there are more when the
 * union had more than `limit` or any page said so.
 *
 * Each item carries what the evaluation room shows the public
 * (evaluation_view_json with an anonymous caller, so the list can never show
 * more than GET /api/tenders/:id/evaluation shows a stranger): the
 * candidates, the publicity's dates, how many objections were raised and how
 * many still wait for an answer (never who raised them or what they say),
 * the award with its notice's hash, the contract's date and amount. A tender
 * moved to one of these states without an evaluation (none today) lists
 * with those fields null.
 *
 * Lots: one item per (tender, lot) — every lot of a listed tender whose
 * evaluation the public may see (publicity, awarded, contracted or failed),
 * with "lot", "lot_name" and "phase" (the lot's); a tender none of whose
 * lots is visible lists once, as lot 1 with the evaluation's fields null.
 * The page and its cursor count tenders, so a page may hold more items
 * than limit. Without a state filter, a tender still in `evaluation` (a
 * lot not yet published) is listed too when another of its lots is public
 * (store_eval_public_in_evaluation), with those lots only; the filter
 * ?state= selects tenders by their own state.
 *
 * Limits: 1..100 tenders per page (api_page_args); one view per item, each
 * in its own read transaction after the list's.
 */
#include "api/results.h"

#include <stdlib.h>

#include "domain/evaluation.h"
#include "domain/tender.h"
#include "store/evaluation.h"
#include "store/tender.h"

#define RESULTS_STATES 3
#define RESULTS_LOTS   1000 /* lots of one tender listed */

static const char *const result_states[RESULTS_STATES] = {"publicity", "awarded", "contracted"};

static int by_id_desc(const void *a, const void *b)
{
    const struct tender *x = *(const struct tender *const *)a;
    const struct tender *y = *(const struct tender *const *)b;
    return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

/* Writes "key": the member of obj dumped compactly, or null. */
static void kcopy(struct jsonw *w, const char *key, json_t *obj)
{
    char *dump = obj != NULL ? json_dumps(obj, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    jsonw_key(w, key);
    if (dump == NULL)
        jsonw_null(w);
    else
        jsonw_raw(w, dump, strlen(dump));
    free(dump);
}

/* The public part of one tender's evaluation, parsed (NULL: none). */
static json_t *public_view(struct http_request *req, int64_t tender_id, int lot)
{
    static const struct tender_caller anyone = {{0}, 0, 0, false};
    struct buf b;
    json_t *v = NULL;
    buf_init(&b, EVALUATION_REPORT_MAX * 2);
    if (evaluation_view_json(api_app(req)->store, &anyone, tender_id, lot, &b) == ERR_OK)
        v = json_loadb(b.data, b.len, 0, NULL);
    buf_release(&b);
    return v;
}

/* One item: lot of t with its public view v (NULL: none; taken). */
static void write_item(struct jsonw *w, const struct tender *t, int lot, const char *lot_name,
                       json_t *v)
{
    json_t *result = v ? json_object_get(v, "result") : NULL;
    json_t *obj = v ? json_object_get(v, "objections") : NULL;
    json_t *vround = v ? json_object_get(v, "round") : NULL;
    int64_t round = json_is_integer(vround) ? json_integer_value(vround) : 1;
    int64_t total = 0, open = 0;
    for (size_t i = 0; json_is_array(obj) && i < json_array_size(obj); i++) {
        json_t *o = json_array_get(obj, i);
        json_t *oround = json_object_get(o, "round");
        json_t *ans = json_object_get(o, "answered_ms");
        /* the publicity shown is this round's: an ended round's objections
         * (closed as superseded) are not counted against it */
        if (json_is_integer(oround) && json_integer_value(oround) != round)
            continue;
        total++;
        open += !json_is_integer(ans) || json_integer_value(ans) == 0;
    }
    jsonw_obj_begin(w);
    jsonw_kint(w, "id", t->id);
    jsonw_kstr(w, "code", t->code);
    jsonw_kstr(w, "title", t->title);
    jsonw_kstr(w, "region", t->region);
    jsonw_kstr(w, "category", t->category);
    jsonw_kstr(w, "procedure", t->procedure);
    jsonw_kstr(w, "state", t->state);
    jsonw_kint(w, "lot", lot);
    jsonw_kstr(w, "lot_name", lot_name);
    jsonw_kstr(w, "phase",
               v && json_is_string(json_object_get(v, "phase"))
                   ? json_string_value(json_object_get(v, "phase"))
                   : NULL);
    jsonw_kint(w, "round", round);
    jsonw_key(w, "ceiling_fen");
    if (t->ceiling_fen != 0)
        jsonw_int(w, t->ceiling_fen);
    else
        jsonw_null(w);
    jsonw_kstr(w, "method",
               v && json_is_string(json_object_get(v, "method"))
                   ? json_string_value(json_object_get(v, "method"))
                   : NULL);
    kcopy(w, "publicity", v ? json_object_get(v, "publicity") : NULL);
    kcopy(w, "candidates", result ? json_object_get(result, "candidates") : NULL);
    jsonw_kbool(w, "tie_at_cutoff",
                result && json_is_true(json_object_get(result, "tie_at_cutoff")));
    jsonw_key(w, "objections");
    jsonw_obj_begin(w);
    jsonw_kint(w, "total", total);
    jsonw_kint(w, "open", open);
    jsonw_obj_end(w);
    kcopy(w, "award", v ? json_object_get(v, "award") : NULL);
    kcopy(w, "contract", v ? json_object_get(v, "contract") : NULL);
    jsonw_obj_end(w);
    json_decref(v);
}

/* The items of tender t: each lot the public may see (the lots come from
 * the first lot's view, which lists them all). */
static void write_result(struct http_request *req, struct jsonw *w, const struct tender *t)
{
    json_t *first = public_view(req, t->id, 1);
    json_t *lots = first ? json_object_get(first, "lots") : NULL;
    int written = 0;
    if (!json_is_array(lots) || json_array_size(lots) == 0) {
        write_item(w, t, 1, "", first);
        return;
    }
    json_incref(lots);
    for (size_t i = 0; i < json_array_size(lots) && i < RESULTS_LOTS; i++) {
        json_t *l = json_array_get(lots, i);
        int lot = (int)json_integer_value(json_object_get(l, "lot"));
        const char *name = json_string_value(json_object_get(l, "name"));
        json_t *v = lot == 1 ? json_incref(first) : public_view(req, t->id, lot);
        if (v == NULL)
            continue;
        write_item(w, t, lot, name ? name : "", v);
        written++;
    }
    json_decref(lots);
    json_decref(first);
    if (written == 0 && strcmp(t->state, "evaluation") != 0)
        write_item(w, t, 1, "", NULL);
}

void api_results_list(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct page pg[RESULTS_STATES];
    struct tender **all = NULL;
    struct jsonw w;
    int limit = 0, n = 0;
    int64_t before = 0, unused = 0;
    bool more = false;
    if (!api_page_args(req, res, &limit, &before, &unused))
        return;
    const char *only = http_query(req, "state");
    if (only != NULL && *only == '\0')
        only = NULL;
    bool known = only == NULL;
    for (int s = 0; s < RESULTS_STATES && !known; s++)
        known = strcmp(only, result_states[s]) == 0;
    if (!known) {
        http_res_error_field(res, ERR_INVALID_FIELD, "state", "publicity, awarded or contracted");
        return;
    }
    all = arena_calloc(req->arena, (size_t)(RESULTS_STATES + 1) * (size_t)limit * sizeof *all);
    int rc = all != NULL ? store_begin(api_app(req)->store, STORE_READ, &tx) : STORE_TOOBIG;
    for (int s = 0; s < RESULTS_STATES && rc == STORE_OK; s++) {
        struct tender_filter f = {0, false, false, result_states[s], NULL};
        pg[s].n = 0;
        pg[s].more = false;
        if (only != NULL && strcmp(only, result_states[s]) != 0)
            continue;
        rc = store_tender_list(tx, req->arena, &f, before, limit, &pg[s]);
        for (int i = 0; rc == STORE_OK && i < pg[s].n; i++)
            all[n++] = (struct tender *)pg[s].items + i;
        more = more || (rc == STORE_OK && pg[s].more);
    }
    if (rc == STORE_OK && only == NULL) {
        /* tenders still in evaluation with a lot already public */
        int64_t *ids = arena_calloc(req->arena, (size_t)limit * sizeof *ids);
        int ne = 0;
        bool emore = false;
        rc = ids != NULL ? store_eval_public_in_evaluation(tx, before, ids, limit, &ne, &emore)
                         : STORE_TOOBIG;
        for (int i = 0; rc == STORE_OK && i < ne; i++) {
            struct tender *t = arena_calloc(req->arena, sizeof *t);
            rc = t != NULL ? store_tender_get(tx, req->arena, ids[i], t) : STORE_TOOBIG;
            if (rc == STORE_OK)
                all[n++] = t;
        }
        more = more || (rc == STORE_OK && emore);
    }
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    qsort(all, (size_t)n, sizeof *all, by_id_desc);
    if (n > limit) {
        n = limit;
        more = true;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < n; i++)
        write_result(req, &w, all[i]);
    jsonw_arr_end(&w);
    api_write_cursor(&w, more, n ? all[n - 1]->id : 0, 0, false);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}
