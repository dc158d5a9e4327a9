/*
 * domain/evaluation.c — the evaluation room and the road to the contract
 * (evaluation.h; the numbers are eval/eval.h's).
 *
 * Every step runs step_tx in one write transaction: it loads the tender
 * (visibility through tender_access_check), the committee and the caller's
 * place in it, the evaluation and its parsed template and bids, checks the
 * role and the phase, does the step's work and writes its audit row and
 * witness-log event. Each step works on one lot (j->lot) and its current
 * round (j->k). The tender's own moves are derived from its lots' phases
 * (evaluation_tender_sync_tx) and written with their tender_transitions
 * rows, checked by tender_action_check (TA_REPORT, TA_AWARD, TA_CONTRACT,
 * TA_ANNUL_AWARD, TA_REEVALUATE, TA_FAIL_LOT).
 *
 * The bids are a snapshot taken at the start from the sealed opening
 * record's rows (opening_bids, status opened, the lot's): org, name, price_fen
 * and the form's integer fields, which objective items read. Entries are
 * rows of (member, org, item): "q:CODE" votes, "s:CODE" scores,
 * "adjust" the chair's price adjustments. Nothing computed is stored until
 * the report: the qualification outcome and the warnings are recomputed
 * from the entries whenever they are needed, so a revision can never leave
 * a stale number behind.
 *
 * What callers see is domain/evaluation_view.c; the job both files work on
 * is in domain/evaluation_internal.h.
 *
 * Threads: any; no shared state.
 */
#include "domain/evaluation.h"
#include "domain/evaluation_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/clock.h"
#include "base/jsonw.h"
#include "base/roles.h"
#include "base/utf8.h"
#include "crypto/random.h"
#include "domain/committee.h"
#include "domain/contract.h"
#include "domain/usercert.h"
#include "ledger/ledger.h"
#include "store/draws.h"
#include "store/escrow.h"
#include "store/opening.h"
#include "domain/opening.h"
#include "domain/workcal.h"

#define DAY_MS     ((int64_t)24 * 3600 * 1000)
#define LOTS_MAX   1000 /* lots of one tender read at once */
#define DETAIL_MAX 512  /* an audit row's details */

static bool text_ok(const char *s, size_t max)
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

void evaluation_sign_message(const char *report_sha, char out[128])
{
    snprintf(out, 128, "%s%s", EVALUATION_SIGN_PREFIX, report_sha ? report_sha : "");
}

/* The audit row (its details with "lot" first) and the witness-log event
 * of a step. detail: a JSON object or NULL. */
static int record(struct store_tx *tx, const struct tender_caller *c, const char *type,
                  int64_t tender_id, int lot, const char *detail, const char *doc_hash)
{
    char d[DETAIL_MAX];
    if (detail == NULL || detail[0] != '{' || detail[1] == '}')
        snprintf(d, sizeof d, "{\"lot\":%d}", lot);
    else if (snprintf(d, sizeof d, "{\"lot\":%d,%s", lot, detail + 1) >= (int)sizeof d)
        return STORE_ERROR;
    int rc = audit_record(tx, &c->who, type, "evaluation", tender_id, d);
    if (rc != STORE_OK)
        return rc;
    struct ledger_event ev = {.type = type,
                              .subject_type = "evaluation",
                              .subject_id = tender_id,
                              .actor_id = c->who.user_id,
                              .actor_name = c->who.name ? c->who.name : "system",
                              .doc_hash = doc_hash,
                              .tender_id = tender_id};
    return ledger_append(tx, &ev);
}

/* ---- lots and the tender's state ---- */

enum err evaluation_lot_check(struct store_tx *tx, struct arena *a, const struct tender *t, int lot,
                              const char **name, int64_t *ceiling_fen)
{
    struct page pg;
    if (name != NULL)
        *name = "";
    if (ceiling_fen != NULL)
        *ceiling_fen = t->ceiling_fen;
    if (lot < 1)
        return ERR_LOT_NOT_FOUND;
    int rc = store_tender_lot_list(tx, a, t->id, LOTS_MAX, &pg);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (pg.n == 0)
        return lot == 1 ? ERR_OK : ERR_LOT_NOT_FOUND;
    for (int i = 0; i < pg.n; i++) {
        const struct tender_lot *l = (const struct tender_lot *)pg.items + i;
        if (l->lot_no != lot)
            continue;
        if (name != NULL)
            *name = l->title ? l->title : "";
        if (ceiling_fen != NULL && l->ceiling_fen > 0)
            *ceiling_fen = l->ceiling_fen;
        return ERR_OK;
    }
    return ERR_LOT_NOT_FOUND;
}

/* How far a lot's phase is, as the tender's states count it: 0
 * evaluation (and a lot not started), 1 publicity, 2 awarded, 3
 * contracted; -1 failed. */
static int phase_rank(const char *phase)
{
    static const char *const later[] = {"publicity", "awarded", "contracted"};
    if (phase == NULL)
        return 0;
    if (strcmp(phase, "failed") == 0)
        return -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(phase, later[i]) == 0)
            return i + 1;
    return 0;
}

/* The tender's state its lots make, into *to. A lot not started whose
 * opening failed it (below the minimum at the count, docs/opening.md)
 * counts as failed: it has no evaluation to wait for. */
static enum err derived_state(struct store_tx *tx, struct arena *a, const struct tender *t,
                              enum tender_state *to)
{
    static const enum tender_state of_rank[] = {TS_EVALUATION, TS_PUBLICITY, TS_AWARDED,
                                                TS_CONTRACTED};
    struct page lots, evs, ol;
    int rc = store_tender_lot_list(tx, a, t->id, LOTS_MAX, &lots);
    if (rc == STORE_OK)
        rc = store_eval_list(tx, a, t->id, LOTS_MAX, &evs);
    if (rc == STORE_OK)
        rc = store_opening_lot_list(tx, a, t->id, LOTS_MAX, &ol);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    int least = 4, n = lots.n > 0 ? lots.n : 1;
    for (int i = 0; i < n; i++) {
        int no = lots.n > 0 ? (int)((const struct tender_lot *)lots.items)[i].lot_no : 1;
        const char *phase = NULL;
        for (int k = 0; k < evs.n; k++)
            if (((const struct evaluation *)evs.items)[k].lot_no == no)
                phase = ((const struct evaluation *)evs.items)[k].phase;
        for (int k = 0; phase == NULL && k < ol.n; k++)
            if (((const struct opening_lot *)ol.items)[k].lot_no == no &&
                ((const struct opening_lot *)ol.items)[k].failed_ms != 0)
                phase = "failed";
        int r = phase_rank(phase);
        if (r >= 0 && r < least)
            least = r;
    }
    *to = least == 4 ? TS_FAILED : of_rank[least];
    return ERR_OK;
}

enum err evaluation_tender_sync_tx(struct store_tx *tx, const struct tender_caller *c,
                                   struct tender *t, const char *action, int64_t now)
{
    struct arena a;
    enum tender_state to = TS_FAILED; /* set by derived_state */
    int st = tender_state_parse(t->state), act = -1;
    if (st < 0)
        return ERR_INTERNAL;
    for (int i = 0; i < TA__COUNT && action != NULL; i++)
        if (strcmp(tender_action_defs[i].name, action) == 0)
            act = i;
    if (act < 0)
        return ERR_INTERNAL;
    /* a supervisor's remedy (a complaint upheld) is carried out even while
     * another complaint suspends the tender; a lot's own step is not */
    bool remedy = act == TA_ANNUL_AWARD || act == TA_REEVALUATE;
    /* only the states the lots make: a failed, cancelled or archived
     * tender's lots take no further step */
    if (st != TS_EVALUATION && st != TS_PUBLICITY && st != TS_AWARDED && st != TS_CONTRACTED)
        return remedy ? ERR_OK : ERR_WRONG_STATE;
    if (!remedy && t->paused && !tender_action_defs[act].while_paused)
        return ERR_TENDER_PAUSED;
    arena_init(&a, (size_t)1 << 20);
    enum err e = derived_state(tx, &a, t, &to);
    arena_release(&a);
    if (e != ERR_OK || (int)to == st)
        return e;
    /* a lot's step never moves the tender back (a tender evaluated before
     * lots has no rows for its other lots: migration 22) */
    if (!remedy && to != TS_FAILED && (int)to < st)
        return ERR_OK;
    e = tender_action_check((enum tender_action)act, (enum tender_state)st,
                            remedy ? false : t->paused);
    if (e != ERR_OK)
        return e;
    const char *from = t->state;
    t->state = tender_state_name(to);
    t->next_due_ms = 0;
    t->updated_ms = now;
    t->version++;
    int rc = store_tender_update(tx, t);
    if (rc == STORE_NOTFOUND)
        return ERR_CONFLICT;
    if (rc == STORE_OK) {
        struct tender_transition tr = {.tender_id = t->id,
                                       .action = tender_action_defs[act].name,
                                       .from_state = from,
                                       .to_state = t->state,
                                       .at_ms = now,
                                       .actor_user_id = c->who.user_id,
                                       .actor = c->who.name ? c->who.name : "system"};
        rc = store_tender_transition_insert(tx, &tr);
    }
    if (rc == STORE_OK) {
        char type[80], d[160];
        snprintf(type, sizeof type, "tender.%s", tender_action_defs[act].name);
        snprintf(d, sizeof d, "{\"from\":\"%s\",\"to\":\"%s\"}", from, t->state);
        rc = audit_record(tx, &c->who, type, "tender", t->id, d);
        if (rc == STORE_OK) {
            struct ledger_event ev = {.type = type,
                                      .subject_type = "tender",
                                      .subject_id = t->id,
                                      .actor_id = c->who.user_id,
                                      .actor_name = c->who.name ? c->who.name : "system",
                                      .tender_id = t->id};
            rc = ledger_append(tx, &ev);
        }
    }
    return domain_store_err(rc);
}

/* ---- loading ---- */

static enum err parse_bidders(struct eval_job *j)
{
    json_error_t jerr;
    json_t *root = json_loads(j->e.bidders, 0, &jerr);
    enum err e = ERR_INTERNAL;
    int ni = j->tpl->nitems;
    if (!json_is_array(root) || json_array_size(root) > EVAL_BIDDERS_MAX)
        goto out;
    j->nb = (int)json_array_size(root);
    size_t nb = (size_t)(j->nb > 0 ? j->nb : 1);
    j->org = arena_calloc(&j->a, nb * sizeof(int64_t));
    j->price = arena_calloc(&j->a, nb * sizeof(int64_t));
    j->bname = arena_calloc(&j->a, nb * sizeof(char *));
    j->fields = arena_calloc(&j->a, nb * (size_t)(ni > 0 ? ni : 1) * sizeof(int64_t));
    if (!j->org || !j->price || !j->bname || !j->fields)
        goto out;
    for (int b = 0; b < j->nb; b++) {
        json_t *o = json_array_get(root, (size_t)b);
        json_t *form = json_object_get(o, "form");
        j->org[b] = json_integer_value(json_object_get(o, "org_id"));
        j->price[b] = json_integer_value(json_object_get(form, "price_fen"));
        j->bname[b] = arena_strdup(&j->a, json_string_value(json_object_get(o, "bidder"))
                                              ? json_string_value(json_object_get(o, "bidder"))
                                              : "");
        for (int i = 0; i < ni; i++) {
            json_t *v = j->tpl->items[i].kind == EK_OBJECTIVE
                            ? json_object_get(form, j->tpl->items[i].field)
                            : NULL;
            j->fields[(size_t)b * (size_t)ni + (size_t)i] =
                json_is_integer(v) ? (int64_t)json_integer_value(v) : EVAL_FIELD_ABSENT;
        }
    }
    e = ERR_OK;
out:
    json_decref(root);
    return e;
}

enum err evaluation_load(struct store_tx *tx, struct eval_job *j)
{
    struct page pg;
    int rc = store_tender_get(tx, &j->a, j->tender_id, &j->t);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e = tender_access_check(tx, j->c, &j->t, &j->acc);
    if (e == ERR_OK)
        e = evaluation_lot_check(tx, &j->a, &j->t, j->lot, &j->lot_name, &j->ceiling);
    if (e != ERR_OK)
        return e;
    rc = store_committee_get(tx, j->t.id, &j->cm);
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        return domain_store_err(rc);
    j->formed = rc == STORE_OK;
    rc = store_committee_members(tx, &j->a, j->t.id, COMMITTEE_MEMBERS_MAX, &pg);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    j->mem = pg.items;
    j->nmem = j->formed ? pg.n : 0;
    j->me = 0;
    for (int i = 0; i < j->nmem && j->c->who.user_id != 0; i++)
        if (j->mem[i].user_id == j->c->who.user_id)
            j->me = j->mem[i].id;
    j->chair = j->me != 0 && j->me == j->cm.chair_member_id;
    rc = store_eval_get(tx, &j->a, j->t.id, j->lot, &j->e);
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        return domain_store_err(rc);
    j->have = rc == STORE_OK;
    j->k =
        (struct eval_key){.tender_id = j->t.id, .lot = j->lot, .round = j->have ? j->e.round : 1};
    if (!j->have)
        return ERR_OK;
    j->tpl = arena_calloc(&j->a, sizeof(struct eval_template));
    if (j->tpl == NULL)
        return ERR_INTERNAL;
    if (j->e.tpl[0] == '\0') /* a lot failed before its start: no template, no bids */
        return ERR_OK;
    if (eval_template_parse(j->e.tpl, strlen(j->e.tpl), j->tpl, NULL, NULL) != EVAL_OK)
        return ERR_INTERNAL;
    return parse_bidders(j);
}

int evaluation_bidder_index(const struct eval_job *j, int64_t org)
{
    for (int b = 0; b < j->nb; b++)
        if (j->org[b] == org)
            return b;
    return -1;
}

static int member_index(const struct eval_job *j, int64_t id)
{
    for (int i = 0; i < j->nmem; i++)
        if (j->mem[i].id == id)
            return i;
    return -1;
}

bool evaluation_is_agent(const struct eval_job *j)
{
    return j->acc.owner && (j->c->roles & ROLE_AGENT);
}

/* Whether the method has a scoring phase. */
static bool needs_scoring(const struct eval_template *t)
{
    if (t->method == EM_LOWEST_EVALUATED)
        return true;
    for (int i = 0; i < t->nitems; i++)
        if (t->items[i].kind == EK_SUBJECTIVE)
            return true;
    return false;
}

/* ---- computing from the entries ---- */

/* The qualification review over every member's votes: qualified[nb],
 * failed[nb] (criterion index or -1). A bid nobody voted on (no criteria)
 * is qualified. */
enum err evaluation_qualified(struct store_tx *tx, struct eval_job *j, bool *qualified, int *failed)
{
    int nc = j->tpl->ncrit, nb = j->nb, ne = j->nmem;
    struct page pg;
    for (int b = 0; b < nb; b++) {
        qualified[b] = true;
        failed[b] = -1;
    }
    if (nc == 0 || nb == 0)
        return ERR_OK;
    int8_t *v = arena_alloc(&j->a, (size_t)ne * (size_t)nb * (size_t)nc);
    if (v == NULL)
        return ERR_INTERNAL;
    memset(v, EVAL_ABSENT, (size_t)ne * (size_t)nb * (size_t)nc);
    int rc = store_eval_entries(tx, &j->a, &j->k, 0, "q:", ne * nb * nc + 1, &pg);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    for (int k = 0; k < pg.n; k++) {
        const struct eval_entry *en = (const struct eval_entry *)pg.items + k;
        int m = member_index(j, en->member_id), b = evaluation_bidder_index(j, en->org_id), c = -1;
        for (int i = 0; i < nc; i++)
            if (strcmp(en->item + 2, j->tpl->crit[i].code) == 0)
                c = i;
        if (m >= 0 && b >= 0 && c >= 0)
            v[((size_t)m * (size_t)nb + (size_t)b) * (size_t)nc + (size_t)c] = en->value ? 1 : 0;
    }
    if (eval_qualify(v, ne, nb, nc, qualified, failed) != EVAL_OK)
        return ERR_EVAL_SHEETS_MISSING;
    return ERR_OK;
}

/* The engine's input over the members of ids[0..ne) (their scores), the
 * qualified bids and the chair's adjustments; arrays in the arena. */
enum err evaluation_build_input(struct store_tx *tx, struct eval_job *j, const int64_t *ids, int ne,
                                const bool *qualified, struct eval_input *in)
{
    int nb = j->nb, ni = j->tpl->nitems;
    struct page pg;
    memset(in, 0, sizeof(*in));
    in->t = j->tpl;
    in->nb = nb;
    in->ne = ne;
    in->price_fen = j->price;
    in->qualified = qualified;
    in->field = j->fields;
    in->ceiling_fen = j->ceiling;
    size_t n = (size_t)(ne > 0 ? ne : 1) * (size_t)(nb > 0 ? nb : 1) * (size_t)(ni > 0 ? ni : 1);
    int64_t *sc = arena_alloc(&j->a, n * sizeof(int64_t));
    int64_t *adj = arena_calloc(&j->a, (size_t)(nb > 0 ? nb : 1) * sizeof(int64_t));
    if (sc == NULL || adj == NULL)
        return ERR_INTERNAL;
    for (size_t k = 0; k < n; k++)
        sc[k] = EVAL_ABSENT;
    /* every member's scores (a member may have saved without submitting) */
    int rc = store_eval_entries(
        tx, &j->a, &j->k, 0,
        "s:", (j->nmem > 0 ? j->nmem : 1) * (nb > 0 ? nb : 1) * (ni > 0 ? ni : 1) + 1, &pg);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    for (int k = 0; k < pg.n; k++) {
        const struct eval_entry *en = (const struct eval_entry *)pg.items + k;
        int m = -1, b = evaluation_bidder_index(j, en->org_id), i = -1;
        for (int x = 0; x < ne; x++)
            if (ids[x] == en->member_id)
                m = x;
        for (int x = 0; x < ni; x++)
            if (j->tpl->items[x].kind == EK_SUBJECTIVE &&
                strcmp(en->item + 2, j->tpl->items[x].code) == 0)
                i = x;
        if (m >= 0 && b >= 0 && i >= 0)
            sc[((size_t)m * (size_t)nb + (size_t)b) * (size_t)ni + (size_t)i] = en->value;
    }
    rc = store_eval_entries(tx, &j->a, &j->k, 0, "adjust", nb + 1, &pg);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    for (int k = 0; k < pg.n; k++) {
        const struct eval_entry *en = (const struct eval_entry *)pg.items + k;
        int b = evaluation_bidder_index(j, en->org_id);
        if (b >= 0)
            adj[b] = en->value;
    }
    in->scores = sc;
    in->adjust_fen = adj;
    return ERR_OK;
}

/* Submitted sheets of stage: member ids into ids (COMMITTEE_MEMBERS_MAX). */
enum err evaluation_sheets(struct store_tx *tx, struct eval_job *j, const char *stage, int64_t *ids,
                           int *n)
{
    return domain_store_err(store_eval_sheets(tx, &j->k, stage, ids, COMMITTEE_MEMBERS_MAX, n));
}

/* Runs the anomaly checks over the submitted scoring sheets and stores new
 * warnings; open warnings no longer raised are marked revised (with the
 * reviser's reason when they were its own). *added gets the new ones. */
static enum err refresh_warnings(struct store_tx *tx, struct eval_job *j, const char *reason,
                                 int64_t now, int *added)
{
    int64_t ids[COMMITTEE_MEMBERS_MAX];
    int ne = 0, nb = j->nb;
    struct eval_input in;
    struct eval_result r;
    struct page pg;
    *added = 0;
    enum err e = evaluation_sheets(tx, j, "scoring", ids, &ne);
    if (e != ERR_OK || ne == 0)
        return e;
    bool *q = arena_alloc(&j->a, (size_t)(nb > 0 ? nb : 1) * sizeof(bool));
    int *failed = arena_alloc(&j->a, (size_t)(nb > 0 ? nb : 1) * sizeof(int));
    if (q == NULL || failed == NULL)
        return ERR_INTERNAL;
    e = evaluation_qualified(tx, j, q, failed);
    if (e == ERR_OK)
        e = evaluation_build_input(tx, j, ids, ne, q, &in);
    if (e != ERR_OK)
        return e;
    if (eval_result_init(&r, nb, j->tpl->nitems) != EVAL_OK)
        return ERR_INTERNAL;
    enum { WMAX = 2000 };
    struct eval_warning *w = arena_alloc(&j->a, sizeof(struct eval_warning) * WMAX);
    int nw = 0;
    if (w == NULL || eval_compute(&in, NULL, &r) != EVAL_OK ||
        eval_anomalies(&in, &r, w, WMAX, &nw) != EVAL_OK) {
        eval_result_release(&r);
        return ERR_INTERNAL;
    }
    if (nw > WMAX)
        nw = WMAX;
    /* the rows the checks raise now */
    struct eval_warning_row *rows = arena_calloc(&j->a, sizeof(*rows) * (size_t)(nw + 1));
    if (rows == NULL) {
        eval_result_release(&r);
        return ERR_INTERNAL;
    }
    for (int k = 0; k < nw; k++) {
        struct eval_warning_row *row = &rows[k];
        row->tender_id = j->t.id;
        row->kind = eval_warn_name(w[k].kind);
        row->member_id = ids[w[k].expert];
        row->org_id = w[k].bidder >= 0 ? j->org[w[k].bidder] : 0;
        row->item = w[k].item >= 0 ? j->tpl->items[w[k].item].code : "";
        row->other = w[k].kind == EW_IDENTICAL ? ids[w[k].other]
                     : w[k].kind == EW_PIVOTAL ? j->org[w[k].other]
                                               : 0;
        row->score = w[k].score;
        row->median = w[k].median;
        row->created_ms = now;
    }
    eval_result_release(&r);
    for (int k = 0; k < nw; k++) {
        bool ins = false;
        int rc = store_eval_warning_add(tx, &j->k, &rows[k], &ins);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        *added += ins;
    }
    int rc = store_eval_warnings(tx, &j->a, &j->k, EVAL_WARNINGS_MAX, &pg);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    for (int k = 0; k < pg.n; k++) {
        const struct eval_warning_row *o = (const struct eval_warning_row *)pg.items + k;
        bool still = false;
        if (strcmp(o->status, "open") != 0)
            continue;
        for (int x = 0; x < nw && !still; x++)
            still = strcmp(rows[x].kind, o->kind) == 0 && rows[x].member_id == o->member_id &&
                    rows[x].org_id == o->org_id && strcmp(rows[x].item, o->item) == 0;
        if (still)
            continue;
        const char *why = o->member_id == j->me && reason != NULL
                              ? reason
                              : "no longer raised once later sheets or revisions came in";
        rc = store_eval_warning_resolve(tx, &j->k, o->id, "revised", why, now);
        if (rc != STORE_OK)
            return domain_store_err(rc);
    }
    return ERR_OK;
}

/* ---- the steps ---- */

static enum err save(struct store_tx *tx, struct eval_job *j, const char *phase, int64_t now)
{
    j->e.phase = phase;
    j->e.updated_ms = now;
    j->e.version++;
    return domain_store_err(store_eval_update(tx, &j->e));
}

static enum err do_start(struct store_tx *tx, struct eval_job *j, int64_t now)
{
    struct page pg;
    struct buf canon;
    char sha[65];
    if (!evaluation_is_agent(j))
        return ERR_FORBIDDEN;
    if (j->have)
        return ERR_EVAL_WRONG_PHASE;
    if (strcmp(j->t.state, "evaluation") != 0)
        return ERR_WRONG_STATE;
    if (!j->formed || j->cm.chair_member_id == 0 || j->nmem == 0)
        return ERR_EVAL_NO_COMMITTEE;
    for (int i = 0; i < j->nmem; i++)
        if (j->mem[i].user_id == 0)
            return ERR_EVAL_NO_COMMITTEE;
    j->tpl = arena_calloc(&j->a, sizeof(struct eval_template));
    if (j->tpl == NULL)
        return ERR_INTERNAL;
    buf_init(&canon, EVAL_TEMPLATE_MAX * 2);
    int erc = eval_template_parse(j->text, j->len, j->tpl, &canon, j->field);
    if (erc == EVAL_OK && j->t.eval_method != NULL &&
        strcmp(eval_method_name(j->tpl->method), j->t.eval_method) != 0) {
        erc = EVAL_EINVAL;
        *j->field = "method";
    }
    if (erc != EVAL_OK) {
        buf_release(&canon);
        return ERR_EVAL_TEMPLATE_INVALID;
    }
    crypto_sha256_hex(canon.data, canon.len, sha);
    j->e.tpl = arena_strndup(&j->a, canon.data, canon.len);
    buf_release(&canon);
    /* the opened bids of the lot, from the sealed opening record */
    int rc = store_opening_bid_list(tx, &j->a, j->t.id, OPENING_BIDS_MAX, &pg);
    int nb = 0;
    if (rc != STORE_OK)
        return domain_store_err(rc);
    struct jsonw w;
    buf_reset(&j->tmp);
    jsonw_init(&w, &j->tmp);
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        const struct opening_bid *b = (const struct opening_bid *)pg.items + i;
        if (strcmp(b->status, "opened") != 0 || b->lot_no != j->lot || b->form == NULL)
            continue;
        nb++;
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "org_id", b->org_id);
        jsonw_kstr(&w, "bidder", b->org_name);
        jsonw_kint(&w, "bid_id", b->bid_id);
        jsonw_key(&w, "form");
        jsonw_raw(&w, b->form, strlen(b->form));
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    if (jsonw_finish(&w) != JSONW_OK || j->e.tpl == NULL)
        return ERR_INTERNAL;
    j->e.tender_id = j->t.id;
    j->e.lot_no = j->lot;
    j->e.round = 1;
    /* a lot whose opening gave no opened bid fails at its start (流标) */
    j->e.phase = nb > 0 ? "qualification" : "failed";
    j->e.failed_reason = nb > 0 ? NULL : "no opened bid";
    j->e.method = eval_method_name(j->tpl->method);
    j->e.tpl_sha = sha;
    j->e.bidders = j->tmp.data;
    j->e.created_ms = j->e.updated_ms = now;
    j->e.version = 1;
    rc = store_eval_insert(tx, &j->e);
    if (rc == STORE_OK)
        rc = record(tx, j->c, "evaluation.start", j->t.id, j->lot, NULL, sha);
    if (rc != STORE_OK || nb > 0)
        return domain_store_err(rc);
    enum err e =
        evaluation_tender_sync_tx(tx, j->c, &j->t, tender_action_defs[TA_FAIL_LOT].name, now);
    if (e != ERR_OK)
        return e;
    return domain_store_err(record(tx, j->c, "evaluation.lot_failed", j->t.id, j->lot,
                                   "{\"from\":\"start\",\"reason\":\"no opened bid\"}", NULL));
}

/* Agent: the lot ends as failed (流标) from any phase before its award (an
 * awarded lot's award is annulled first, through a complaint, so that the
 * notice is revoked in the log); a lot not started gets a row without
 * template or bids. */
static enum err do_fail(struct store_tx *tx, struct eval_job *j, int64_t now)
{
    char d[96];
    if (!evaluation_is_agent(j))
        return ERR_FORBIDDEN;
    const char *from = j->have ? j->e.phase : "none";
    if (j->have && (strcmp(from, "awarded") == 0 || strcmp(from, "contracted") == 0 ||
                    strcmp(from, "failed") == 0))
        return ERR_EVAL_WRONG_PHASE;
    if (strcmp(j->t.state, "evaluation") != 0 && strcmp(j->t.state, "publicity") != 0 &&
        strcmp(j->t.state, "awarded") != 0)
        return ERR_WRONG_STATE;
    int rc;
    if (!j->have) {
        j->e.tender_id = j->t.id;
        j->e.lot_no = j->lot;
        j->e.round = 1;
        j->e.phase = "failed";
        j->e.method = j->t.eval_method ? j->t.eval_method : "";
        j->e.tpl = j->e.tpl_sha = "";
        j->e.bidders = "[]";
        j->e.failed_reason = j->text;
        j->e.created_ms = j->e.updated_ms = now;
        j->e.version = 1;
        rc = store_eval_insert(tx, &j->e);
    } else {
        j->e.failed_reason = j->text;
        j->e.phase = "failed";
        j->e.updated_ms = now;
        j->e.version++;
        rc = store_eval_update(tx, &j->e);
    }
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e =
        evaluation_tender_sync_tx(tx, j->c, &j->t, tender_action_defs[TA_FAIL_LOT].name, now);
    if (e != ERR_OK)
        return e;
    snprintf(d, sizeof d, "{\"from\":\"%s\",\"round\":%d}", from, j->e.round);
    return domain_store_err(record(tx, j->c, "evaluation.lot_failed", j->t.id, j->lot, d, NULL));
}

static enum err do_qualify(struct store_tx *tx, struct eval_job *j, int64_t now)
{
    struct page pg;
    char d[96];
    if (j->me == 0)
        return ERR_NOT_COMMITTEE_MEMBER;
    if (strcmp(j->e.phase, "qualification") != 0)
        return ERR_EVAL_WRONG_PHASE;
    for (int k = 0; k < j->n; k++) {
        const struct evaluation_vote *v = &j->votes[k];
        int c = -1;
        for (int i = 0; i < j->tpl->ncrit; i++)
            if (v->criterion && strcmp(v->criterion, j->tpl->crit[i].code) == 0)
                c = i;
        *j->field = "org_id";
        if (evaluation_bidder_index(j, v->org_id) < 0)
            return ERR_INVALID_FIELD;
        *j->field = "criterion";
        if (c < 0)
            return ERR_INVALID_FIELD;
        *j->field = "reason";
        if (v->reason != NULL && !text_ok(v->reason, EVALUATION_TEXT_MAX))
            return ERR_INVALID_FIELD;
        if (!v->pass && v->reason == NULL)
            return ERR_EVAL_SHEET_INCOMPLETE;
        char item[EVAL_CODE_MAX + 3];
        snprintf(item, sizeof item, "q:%s", j->tpl->crit[c].code);
        struct eval_entry en = {.member_id = j->me,
                                .org_id = v->org_id,
                                .item = item,
                                .value = v->pass ? 1 : 0,
                                .reason = v->reason,
                                .updated_ms = now};
        int rc = store_eval_entry_put(tx, &j->k, &en);
        if (rc != STORE_OK)
            return domain_store_err(rc);
    }
    *j->field = NULL;
    if (j->submit) {
        int rc = store_eval_entries(tx, &j->a, &j->k, j->me, "q:", j->nb * j->tpl->ncrit + 1, &pg);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        if (pg.n != j->nb * j->tpl->ncrit)
            return ERR_EVAL_SHEET_INCOMPLETE;
        rc = store_eval_sheet_submit(tx, &j->k, j->me, "qualification", now);
        if (rc != STORE_OK)
            return domain_store_err(rc);
    }
    snprintf(d, sizeof d, "{\"member_id\":%lld,\"submitted\":%s}", (long long)j->me,
             j->submit ? "true" : "false");
    return domain_store_err(record(tx, j->c, "evaluation.qualify", j->t.id, j->lot, d, NULL));
}

static enum err do_score(struct store_tx *tx, struct eval_job *j, int64_t now)
{
    int64_t ids[COMMITTEE_MEMBERS_MAX];
    int ns = 0, added = 0, nb = j->nb;
    char d[160];
    if (j->me == 0)
        return ERR_NOT_COMMITTEE_MEMBER;
    if (strcmp(j->e.phase, "scoring") != 0)
        return ERR_EVAL_WRONG_PHASE;
    bool *q = arena_alloc(&j->a, (size_t)(nb > 0 ? nb : 1) * sizeof(bool));
    int *failed = arena_alloc(&j->a, (size_t)(nb > 0 ? nb : 1) * sizeof(int));
    if (q == NULL || failed == NULL)
        return ERR_INTERNAL;
    enum err e = evaluation_qualified(tx, j, q, failed);
    if (e == ERR_OK)
        e = evaluation_sheets(tx, j, "scoring", ids, &ns);
    if (e != ERR_OK)
        return e;
    bool was = false;
    for (int k = 0; k < ns; k++)
        was = was || ids[k] == j->me;
    if (j->text != NULL && !text_ok(j->text, EVALUATION_TEXT_MAX)) {
        *j->field = "reason";
        return ERR_INVALID_FIELD;
    }
    if (was && j->text == NULL) {
        *j->field = "reason";
        return ERR_EVAL_SHEET_INCOMPLETE; /* a revision says why */
    }
    for (int k = 0; k < j->n; k++) {
        const struct evaluation_score *v = &j->scores[k];
        int b = evaluation_bidder_index(j, v->org_id), i = -1;
        for (int x = 0; x < j->tpl->nitems; x++)
            if (v->item && j->tpl->items[x].kind == EK_SUBJECTIVE &&
                strcmp(v->item, j->tpl->items[x].code) == 0)
                i = x;
        *j->field = "org_id";
        if (b < 0 || !q[b] || (j->ceiling > 0 && j->price[b] > j->ceiling) || j->price[b] <= 0)
            return ERR_INVALID_FIELD;
        *j->field = "item";
        if (i < 0)
            return ERR_INVALID_FIELD;
        *j->field = "score";
        if (v->centi < 0 || v->centi > j->tpl->items[i].points)
            return ERR_EVAL_SCORE_OUT_OF_RANGE;
        char item[EVAL_CODE_MAX + 3];
        snprintf(item, sizeof item, "s:%s", j->tpl->items[i].code);
        struct eval_entry en = {.member_id = j->me,
                                .org_id = v->org_id,
                                .item = item,
                                .value = v->centi,
                                .reason = was ? j->text : NULL,
                                .updated_ms = now};
        int rc = store_eval_entry_put(tx, &j->k, &en);
        if (rc != STORE_OK)
            return domain_store_err(rc);
    }
    *j->field = NULL;
    if (j->submit || was) {
        /* complete: every valid bid, every subjective item */
        struct page pg;
        int want = 0;
        int nsubj = 0;
        for (int x = 0; x < j->tpl->nitems; x++)
            nsubj += j->tpl->items[x].kind == EK_SUBJECTIVE;
        for (int b = 0; b < nb; b++)
            want += q[b] && j->price[b] > 0 && !(j->ceiling > 0 && j->price[b] > j->ceiling);
        int rc = store_eval_entries(tx, &j->a, &j->k, j->me, "s:", nb * nsubj + 1, &pg);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        if (pg.n != want * nsubj)
            return ERR_EVAL_SHEET_INCOMPLETE;
        rc = store_eval_sheet_submit(tx, &j->k, j->me, "scoring", now);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        e = refresh_warnings(tx, j, j->text, now, &added);
        if (e != ERR_OK)
            return e;
    }
    snprintf(d, sizeof d, "{\"member_id\":%lld,\"submitted\":%s,\"revised\":%s,\"warnings\":%d}",
             (long long)j->me, j->submit || was ? "true" : "false", was ? "true" : "false", added);
    return domain_store_err(record(tx, j->c, "evaluation.score", j->t.id, j->lot, d, NULL));
}

static enum err do_advance(struct store_tx *tx, struct eval_job *j, int64_t now)
{
    int64_t ids[COMMITTEE_MEMBERS_MAX], n = 0;
    int ns = 0;
    char sha[65], d[160];
    if (!j->chair)
        return j->me != 0 ? ERR_FORBIDDEN : ERR_NOT_COMMITTEE_MEMBER;
    if (j->text != NULL && strcmp(j->text, j->e.phase) != 0)
        return ERR_EVAL_WRONG_PHASE;
    bool q = strcmp(j->e.phase, "qualification") == 0;
    if (!q && strcmp(j->e.phase, "scoring") != 0)
        return ERR_EVAL_WRONG_PHASE;
    const char *stage = q ? "qualification" : "scoring";
    bool need = q ? j->tpl->ncrit > 0 : j->tpl->method == EM_COMPREHENSIVE;
    if (need) {
        enum err e = evaluation_sheets(tx, j, stage, ids, &ns);
        if (e != ERR_OK)
            return e;
        if (ns != j->nmem)
            return ERR_EVAL_SHEETS_MISSING;
    }
    if (!q) {
        int rc = store_eval_warning_open_count(tx, &j->k, &n);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        if (n > 0)
            return ERR_EVAL_WARNINGS_OPEN;
    }
    if (q && needs_scoring(j->tpl)) {
        enum err e = save(tx, j, "scoring", now);
        if (e != ERR_OK)
            return e;
        return domain_store_err(
            record(tx, j->c, "evaluation.scoring", j->t.id, j->lot, NULL, NULL));
    }
    enum err e = evaluation_build_report(tx, j, now);
    if (e != ERR_OK)
        return e;
    crypto_sha256_hex(j->tmp.data, j->tmp.len, sha);
    j->e.report = j->tmp.data;
    j->e.report_sha = sha;
    j->e.result = j->res.data;
    e = save(tx, j, "signing", now);
    if (e != ERR_OK)
        return e;
    snprintf(d, sizeof d, "{\"report_sha256\":\"%s\"}", sha);
    return domain_store_err(record(tx, j->c, "evaluation.report", j->t.id, j->lot, d, sha));
}

static enum err do_sign(struct store_tx *tx, struct eval_job *j, int64_t now)
{
    struct page pg;
    char msg[128], d[96];
    if (j->me == 0)
        return ERR_NOT_COMMITTEE_MEMBER;
    if (strcmp(j->e.phase, "signing") != 0)
        return ERR_EVAL_WRONG_PHASE;
    int rc = store_eval_signatures(tx, &j->a, &j->k, COMMITTEE_MEMBERS_MAX, &pg);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    for (int k = 0; k < pg.n; k++)
        if (((const struct eval_signature *)pg.items)[k].member_id == j->me)
            return ERR_EVAL_ALREADY_SIGNED;
    evaluation_sign_message(j->e.report_sha, msg);
    enum err e = usercert_verify_tx(tx, j->c->who.user_id, msg, strlen(msg), j->sig, j->sig_len);
    if (e != ERR_OK)
        return e;
    /* the certificate it verified with, kept beside the signature so the
     * report verifies offline (sunbid evaluation verify) */
    struct user_cert uc;
    rc = store_user_cert_active(tx, &j->a, j->c->who.user_id, "sign", &uc);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    char *b64 = arena_alloc(&j->a, B64_LEN(j->sig_len));
    char *cert = arena_alloc(&j->a, B64_LEN(uc.der_len));
    if (b64 == NULL || cert == NULL)
        return ERR_INTERNAL;
    b64_encode(j->sig, j->sig_len, b64);
    b64_encode(uc.der, uc.der_len, cert);
    struct eval_signature sg = {.member_id = j->me,
                                .user_id = j->c->who.user_id,
                                .report_sha = j->e.report_sha,
                                .signature = b64,
                                .certificate = cert,
                                .signed_ms = now};
    rc = store_eval_signature_insert(tx, &j->k, &sg);
    if (rc == STORE_OK) {
        snprintf(d, sizeof d, "{\"member_id\":%lld}", (long long)j->me);
        rc = record(tx, j->c, "evaluation.sign", j->t.id, j->lot, d, j->e.report_sha);
    }
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (pg.n + 1 < j->nmem)
        return ERR_OK;
    e = save(tx, j, "signed", now);
    if (e != ERR_OK)
        return e;
    return domain_store_err(
        record(tx, j->c, "evaluation.signed", j->t.id, j->lot, NULL, j->e.report_sha));
}

/* The candidates of the stored result: org ids in order into out (max
 * EVAL_CANDIDATES); *n how many. */
static void candidates(const struct eval_job *j, int64_t *out, int *n)
{
    json_error_t jerr;
    json_t *root = j->e.result ? json_loads(j->e.result, 0, &jerr) : NULL;
    json_t *a = json_object_get(root, "candidates");
    *n = 0;
    for (size_t i = 0; i < json_array_size(a) && *n < EVAL_CANDIDATES; i++)
        if (!json_is_true(json_object_get(json_array_get(a, i), "annulled"))) /* docs/award.md */
            out[(*n)++] = json_integer_value(json_object_get(json_array_get(a, i), "org_id"));
    json_decref(root);
}

/* The award notice of the stored award, canonical JSON into out. */
enum err evaluation_notice_write(const struct eval_job *j, struct buf *out)
{
    struct jsonw w;
    int b = evaluation_bidder_index(j, j->e.award_org_id);
    if (b < 0)
        return ERR_INTERNAL;
    buf_reset(out);
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "type", "sunbid.award-notice.v1");
    jsonw_kint(&w, "tender_id", j->t.id);
    jsonw_kstr(&w, "code", j->t.code);
    jsonw_kstr(&w, "title", j->t.title);
    jsonw_kint(&w, "org_id", j->org[b]);
    jsonw_kstr(&w, "bidder", j->bname[b]);
    jsonw_kint(&w, "price_fen", j->price[b]);
    jsonw_kstr(&w, "reason", j->e.award_reason);
    jsonw_kstr(&w, "report_sha256", j->e.report_sha);
    jsonw_kint(&w, "publicity_start_ms", j->e.publicity_start_ms);
    jsonw_kint(&w, "publicity_end_ms", j->e.publicity_end_ms);
    jsonw_kint(&w, "award_ms", j->e.award_ms);
    jsonw_obj_end(&w);
    return jsonw_finish(&w) == JSONW_OK ? ERR_OK : ERR_INTERNAL;
}

static enum err do_after(struct store_tx *tx, struct eval_job *j, int64_t now)
{
    char d[200], sha[65];
    int64_t cand[EVAL_CANDIDATES], n = 0;
    int nc = 0;
    int rc;
    enum err e;
    switch (j->kind) {
    case ES_PUBLISH:
        if (!evaluation_is_agent(j))
            return ERR_FORBIDDEN;
        if (strcmp(j->e.phase, "signed") != 0)
            return ERR_EVAL_WRONG_PHASE;
        candidates(j, cand, &nc);
        if (nc == 0)
            return ERR_EVAL_NO_CANDIDATE;
        j->e.publicity_start_ms = now;
        j->e.publicity_end_ms = now + j->amount * DAY_MS;
        e = save(tx, j, "publicity", now);
        if (e == ERR_OK)
            e = evaluation_tender_sync_tx(tx, j->c, &j->t, tender_action_defs[TA_REPORT].name, now);
        if (e != ERR_OK)
            return e;
        snprintf(d, sizeof d, "{\"days\":%lld,\"end_ms\":%lld}", (long long)j->amount,
                 (long long)j->e.publicity_end_ms);
        return domain_store_err(
            record(tx, j->c, "evaluation.publicity", j->t.id, j->lot, d, j->e.report_sha));
    case ES_OBJECT: {
        if (!(j->c->roles & ROLE_BIDDER) || j->c->org_id == 0 ||
            evaluation_bidder_index(j, j->c->org_id) < 0)
            return ERR_OPENING_NOT_BIDDER;
        if (strcmp(j->e.phase, "publicity") != 0)
            return ERR_EVAL_WRONG_PHASE;
        if (now >= j->e.publicity_end_ms)
            return ERR_EVAL_PUBLICITY_OVER;
        struct eval_objection o = {.tender_id = j->t.id,
                                   .lot_no = j->lot,
                                   .round = j->e.round,
                                   .org_id = j->c->org_id,
                                   .user_id = j->c->who.user_id,
                                   .body = j->text,
                                   .raised_ms = now};
        /* 3 days (實施條例 art. 54), a last day on a rest day moving to the
         * next working day (民法典 art. 203) */
        e = workcal_due(tx, now, EVALUATION_ANSWER_DAYS, WORKCAL_CALENDAR_DAYS, &o.due_ms);
        if (e != ERR_OK)
            return e;
        rc = store_eval_objection_insert(tx, &o, &j->id);
        if (rc == STORE_OK)
            rc = record(tx, j->c, "evaluation.objection", j->t.id, j->lot, NULL, NULL);
        return domain_store_err(rc);
    }
    case ES_ANSWER:
        if (!evaluation_is_agent(j))
            return ERR_FORBIDDEN;
        if (strcmp(j->e.phase, "publicity") != 0)
            return ERR_EVAL_WRONG_PHASE;
        rc = store_eval_objection_answer(tx, j->t.id, j->lot, j->id, j->text, j->c->who.user_id,
                                         now);
        if (rc == STORE_NOTFOUND)
            return ERR_NOT_FOUND;
        if (rc == STORE_OK) {
            snprintf(d, sizeof d, "{\"objection_id\":%lld}", (long long)j->id);
            rc = record(tx, j->c, "evaluation.answer", j->t.id, j->lot, d, NULL);
        }
        return domain_store_err(rc);
    case ES_AWARD:
        if (!evaluation_is_agent(j))
            return ERR_FORBIDDEN;
        if (strcmp(j->e.phase, "publicity") != 0)
            return ERR_EVAL_WRONG_PHASE;
        if (now < j->e.publicity_end_ms)
            return ERR_EVAL_PUBLICITY_RUNNING;
        /* the current round's only: an ended round's were superseded */
        rc = store_eval_objection_open_count(tx, j->t.id, j->lot, j->e.round, &n);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        if (n > 0)
            return ERR_EVAL_OBJECTIONS_OPEN;
        candidates(j, cand, &nc);
        if (nc == 0)
            return ERR_EVAL_NO_CANDIDATE;
        if (j->org_id == 0)
            j->org_id = cand[0];
        {
            int k = 0;
            while (k < nc && cand[k] != j->org_id)
                k++;
            if (k == nc)
                return ERR_EVAL_NOT_CANDIDATE;
            if (k > 0 && j->text == NULL) {
                *j->field = "reason";
                return ERR_MISSING_FIELD;
            }
        }
        j->e.award_org_id = j->org_id;
        j->e.award_reason = j->text;
        j->e.award_ms = now;
        e = evaluation_notice_write(j, &j->tmp);
        if (e != ERR_OK)
            return e;
        crypto_sha256_hex(j->tmp.data, j->tmp.len, sha);
        j->e.notice_sha = sha;
        e = save(tx, j, "awarded", now);
        if (e == ERR_OK)
            e = evaluation_tender_sync_tx(tx, j->c, &j->t, tender_action_defs[TA_AWARD].name, now);
        if (e != ERR_OK)
            return e;
        snprintf(d, sizeof d, "{\"org_id\":%lld}", (long long)j->org_id);
        return domain_store_err(record(tx, j->c, "evaluation.award", j->t.id, j->lot, d, sha));
    case ES_CONTRACT:
        /* submit: called by evaluation_contract_tx once both sides signed
         * online (domain/contract.c checked who); the agent alone may no
         * longer record a contract (docs/award.md) */
        if (!j->submit && !evaluation_is_agent(j))
            return ERR_FORBIDDEN;
        if (strcmp(j->e.phase, "awarded") != 0)
            return ERR_EVAL_WRONG_PHASE;
        if (!j->submit)
            return ERR_CONTRACT_UNSIGNED;
        j->e.contract_ms = now;
        j->e.contract_fen = j->amount;
        j->e.contract_sha = j->text;
        e = save(tx, j, "contracted", now);
        if (e == ERR_OK)
            e = evaluation_tender_sync_tx(tx, j->c, &j->t, tender_action_defs[TA_CONTRACT].name,
                                          now);
        if (e != ERR_OK)
            return e;
        snprintf(d, sizeof d, "{\"amount_fen\":%lld}", (long long)j->amount);
        return domain_store_err(
            record(tx, j->c, "evaluation.contract", j->t.id, j->lot, d, j->text));
    default:
        return ERR_INTERNAL;
    }
}

static enum err step_tx(struct store_tx *tx, void *arg)
{
    struct eval_job *j = arg;
    int64_t now = clock_now_ms();
    struct page pg;
    char d[96];
    arena_release(&j->a);
    enum err e = evaluation_load(tx, j);
    if (e != ERR_OK)
        return e;
    if (j->kind == ES_START)
        return do_start(tx, j, now);
    if (j->kind == ES_FAIL)
        return do_fail(tx, j, now);
    if (!j->have)
        return evaluation_is_agent(j) || j->me != 0 || j->acc.supervisor ? ERR_EVAL_WRONG_PHASE
                                                                         : ERR_NOT_FOUND;
    switch (j->kind) {
    case ES_QUALIFY:
        return do_qualify(tx, j, now);
    case ES_SCORE:
        return do_score(tx, j, now);
    case ES_ADJUST: {
        if (!j->chair)
            return j->me != 0 ? ERR_FORBIDDEN : ERR_NOT_COMMITTEE_MEMBER;
        if (strcmp(j->e.phase, "scoring") != 0 || j->tpl->method != EM_LOWEST_EVALUATED)
            return ERR_EVAL_WRONG_PHASE;
        *j->field = "org_id";
        if (evaluation_bidder_index(j, j->org_id) < 0)
            return ERR_INVALID_FIELD;
        *j->field = NULL;
        struct eval_entry en = {.member_id = j->me,
                                .org_id = j->org_id,
                                .item = "adjust",
                                .value = j->amount,
                                .reason = j->text,
                                .updated_ms = now};
        int rc = store_eval_entry_put(tx, &j->k, &en);
        if (rc == STORE_OK) {
            snprintf(d, sizeof d, "{\"org_id\":%lld,\"adjust_fen\":%lld}", (long long)j->org_id,
                     (long long)j->amount);
            rc = record(tx, j->c, "evaluation.adjust", j->t.id, j->lot, d, NULL);
        }
        return domain_store_err(rc);
    }
    case ES_CONFIRM: {
        if (j->me == 0)
            return ERR_NOT_COMMITTEE_MEMBER;
        if (strcmp(j->e.phase, "scoring") != 0)
            return ERR_EVAL_WRONG_PHASE;
        int rc = store_eval_warnings(tx, &j->a, &j->k, EVAL_WARNINGS_MAX, &pg);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        const struct eval_warning_row *w = NULL;
        for (int k = 0; k < pg.n; k++)
            if (((const struct eval_warning_row *)pg.items)[k].id == j->id)
                w = (const struct eval_warning_row *)pg.items + k;
        if (w == NULL || w->member_id != j->me)
            return ERR_NOT_FOUND;
        if (strcmp(w->status, "open") != 0)
            return ERR_EVAL_WRONG_PHASE;
        rc = store_eval_warning_resolve(tx, &j->k, j->id, "confirmed", j->text, now);
        if (rc == STORE_OK) {
            snprintf(d, sizeof d, "{\"warning_id\":%lld}", (long long)j->id);
            rc = record(tx, j->c, "evaluation.confirm", j->t.id, j->lot, d, NULL);
        }
        return domain_store_err(rc);
    }
    case ES_ADVANCE:
        return do_advance(tx, j, now);
    case ES_SIGN:
        return do_sign(tx, j, now);
    default:
        return do_after(tx, j, now);
    }
}

static enum err run(struct store *s, struct eval_job *j)
{
    const char *dummy = NULL;
    if (j->field == NULL)
        j->field = &dummy;
    *j->field = NULL;
    arena_init(&j->a, (size_t)256 << 20);
    buf_init(&j->tmp, EVALUATION_REPORT_MAX);
    buf_init(&j->res, EVALUATION_REPORT_MAX);
    enum err e = domain_write(s, step_tx, j);
    arena_release(&j->a);
    buf_release(&j->tmp);
    buf_release(&j->res);
    return e;
}

enum err evaluation_start(struct store *s, const struct tender_caller *c, int64_t tender_id,
                          int lot, const char *tpl_json, size_t len, const char **field)
{
    struct eval_job j = {.kind = ES_START,
                         .c = c,
                         .tender_id = tender_id,
                         .lot = lot,
                         .text = tpl_json,
                         .len = len,
                         .field = field};
    return run(s, &j);
}

enum err evaluation_qualify(struct store *s, const struct tender_caller *c, int64_t tender_id,
                            int lot, const struct evaluation_vote *v, int n, bool submit,
                            const char **field)
{
    if (n < 0 || n > EVALUATION_ENTRIES_MAX)
        return ERR_INVALID_FIELD;
    struct eval_job j = {.kind = ES_QUALIFY,
                         .c = c,
                         .tender_id = tender_id,
                         .lot = lot,
                         .votes = v,
                         .n = n,
                         .submit = submit,
                         .field = field};
    return run(s, &j);
}

enum err evaluation_score(struct store *s, const struct tender_caller *c, int64_t tender_id,
                          int lot, const struct evaluation_score *v, int n, bool submit,
                          const char *reason, const char **field)
{
    if (n < 0 || n > EVALUATION_ENTRIES_MAX)
        return ERR_INVALID_FIELD;
    struct eval_job j = {.kind = ES_SCORE,
                         .c = c,
                         .tender_id = tender_id,
                         .lot = lot,
                         .scores = v,
                         .n = n,
                         .submit = submit,
                         .text = reason,
                         .field = field};
    return run(s, &j);
}

enum err evaluation_adjust(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           int lot, int64_t org_id, int64_t adjust_fen, const char *reason)
{
    if (!text_ok(reason, EVALUATION_TEXT_MAX))
        return reason == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    if (adjust_fen < -TENDER_MONEY_MAX || adjust_fen > TENDER_MONEY_MAX)
        return ERR_INVALID_FIELD;
    struct eval_job j = {.kind = ES_ADJUST,
                         .c = c,
                         .tender_id = tender_id,
                         .lot = lot,
                         .org_id = org_id,
                         .amount = adjust_fen,
                         .text = reason};
    return run(s, &j);
}

enum err evaluation_confirm(struct store *s, const struct tender_caller *c, int64_t tender_id,
                            int lot, int64_t warning_id, const char *reason)
{
    if (!text_ok(reason, EVALUATION_TEXT_MAX))
        return reason == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    struct eval_job j = {.kind = ES_CONFIRM,
                         .c = c,
                         .tender_id = tender_id,
                         .lot = lot,
                         .id = warning_id,
                         .text = reason};
    return run(s, &j);
}

enum err evaluation_advance(struct store *s, const struct tender_caller *c, int64_t tender_id,
                            int lot, const char *from)
{
    struct eval_job j = {
        .kind = ES_ADVANCE, .c = c, .tender_id = tender_id, .lot = lot, .text = from};
    return run(s, &j);
}

enum err evaluation_sign(struct store *s, const struct tender_caller *c, int64_t tender_id, int lot,
                         const uint8_t *sig, size_t sig_len)
{
    if (sig == NULL || sig_len == 0 || sig_len > EVALUATION_SIG_MAX)
        return ERR_INVALID_FIELD;
    struct eval_job j = {.kind = ES_SIGN,
                         .c = c,
                         .tender_id = tender_id,
                         .lot = lot,
                         .sig = sig,
                         .sig_len = sig_len};
    return run(s, &j);
}

enum err evaluation_publish(struct store *s, const struct tender_caller *c, int64_t tender_id,
                            int lot, int64_t days)
{
    if (days < EVALUATION_PUBLICITY_MIN || days > EVALUATION_PUBLICITY_MAX)
        return ERR_INVALID_FIELD;
    struct eval_job j = {
        .kind = ES_PUBLISH, .c = c, .tender_id = tender_id, .lot = lot, .amount = days};
    return run(s, &j);
}

enum err evaluation_object(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           int lot, const char *body, int64_t *id)
{
    if (!text_ok(body, EVALUATION_TEXT_MAX))
        return body == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    struct eval_job j = {
        .kind = ES_OBJECT, .c = c, .tender_id = tender_id, .lot = lot, .text = body};
    enum err e = run(s, &j);
    if (e == ERR_OK && id != NULL)
        *id = j.id;
    return e;
}

enum err evaluation_answer(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           int lot, int64_t objection_id, const char *answer)
{
    if (!text_ok(answer, EVALUATION_TEXT_MAX))
        return answer == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    struct eval_job j = {.kind = ES_ANSWER,
                         .c = c,
                         .tender_id = tender_id,
                         .lot = lot,
                         .id = objection_id,
                         .text = answer};
    return run(s, &j);
}

enum err evaluation_award(struct store *s, const struct tender_caller *c, int64_t tender_id,
                          int lot, int64_t org_id, const char *reason)
{
    if (reason != NULL && !text_ok(reason, EVALUATION_TEXT_MAX))
        return ERR_INVALID_FIELD;
    struct eval_job j = {.kind = ES_AWARD,
                         .c = c,
                         .tender_id = tender_id,
                         .lot = lot,
                         .org_id = org_id,
                         .text = reason};
    return run(s, &j);
}

enum err evaluation_contract(struct store *s, const struct tender_caller *c, int64_t tender_id,
                             int lot, int64_t amount_fen, const char *doc_sha)
{
    if (amount_fen <= 0 || amount_fen > TENDER_MONEY_MAX)
        return ERR_INVALID_FIELD;
    if (doc_sha != NULL) {
        if (strlen(doc_sha) != 64)
            return ERR_INVALID_FIELD;
        for (const char *p = doc_sha; *p; p++)
            if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                return ERR_INVALID_FIELD;
    }
    struct eval_job j = {.kind = ES_CONTRACT,
                         .c = c,
                         .tender_id = tender_id,
                         .lot = lot,
                         .amount = amount_fen,
                         .text = doc_sha};
    return run(s, &j);
}

/* The contract step in the caller's transaction (domain/contract.h). */
enum err evaluation_contract_tx(struct store_tx *tx, const struct tender_caller *c,
                                int64_t tender_id, int lot, int64_t amount_fen, const char *doc_sha)
{
    struct eval_job j = {.kind = ES_CONTRACT,
                         .c = c,
                         .tender_id = tender_id,
                         .lot = lot,
                         .amount = amount_fen,
                         .text = doc_sha,
                         .submit = true};
    const char *dummy = NULL;
    j.field = &dummy;
    arena_init(&j.a, (size_t)256 << 20);
    buf_init(&j.tmp, EVALUATION_REPORT_MAX);
    buf_init(&j.res, EVALUATION_REPORT_MAX);
    enum err e = step_tx(tx, &j);
    arena_release(&j.a);
    buf_release(&j.tmp);
    buf_release(&j.res);
    return e;
}

enum err evaluation_fail(struct store *s, const struct tender_caller *c, int64_t tender_id, int lot,
                         const char *reason)
{
    if (!text_ok(reason, EVALUATION_TEXT_MAX))
        return reason == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    struct eval_job j = {
        .kind = ES_FAIL, .c = c, .tender_id = tender_id, .lot = lot, .text = reason};
    return run(s, &j);
}

enum err evaluation_reevaluate_tx(struct store_tx *tx, const struct tender_caller *c,
                                  struct tender *t, int lot, int64_t complaint_id,
                                  const char *reason, int64_t now)
{
    struct arena a;
    struct evaluation e;
    char d[160];
    if (!text_ok(reason, EVALUATION_TEXT_MAX))
        return reason == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    arena_init(&a, (size_t)64 << 20);
    enum err er = evaluation_lot_check(tx, &a, t, lot, NULL, NULL);
    if (er != ERR_OK)
        goto out;
    int rc = store_eval_get(tx, &a, t->id, lot, &e);
    if (rc == STORE_NOTFOUND) {
        er = ERR_EVAL_WRONG_PHASE; /* not started: nothing to evaluate again */
        goto out;
    }
    if (rc != STORE_OK) {
        er = domain_store_err(rc);
        goto out;
    }
    /* the award is revoked first (domain/complaint.c); a contract stays */
    if (strcmp(e.phase, "awarded") == 0 || strcmp(e.phase, "contracted") == 0 || e.tpl[0] == '\0' ||
        strcmp(e.bidders, "[]") == 0) {
        er = ERR_EVAL_WRONG_PHASE;
        goto out;
    }
    struct eval_round r = {.tender_id = t->id,
                           .lot_no = lot,
                           .round = e.round,
                           .result = e.result,
                           .report = e.report,
                           .report_sha = e.report_sha,
                           .reason = reason,
                           .complaint_id = complaint_id,
                           .ended_ms = now};
    rc = store_eval_round_insert(tx, &r);
    if (rc != STORE_OK) {
        er = domain_store_err(rc);
        goto out;
    }
    /* the ended round's open objections fall with its result: closed now
     * with a system answer the pages show localized, so none stays
     * unanswered and none blocks or founds anything of the next round
     * (docs/award.md, "Objection first") */
    char sup[80];
    snprintf(sup, sizeof sup, "superseded: re-evaluation round %d started", e.round + 1);
    int64_t nsup = 0;
    rc = store_eval_objections_supersede(tx, t->id, lot, e.round, sup, now, &nsup);
    if (rc != STORE_OK) {
        er = domain_store_err(rc);
        goto out;
    }
    const char *prev = e.report_sha;
    e.round++;
    e.phase = "qualification";
    e.result = e.report = e.report_sha = NULL;
    e.publicity_start_ms = e.publicity_end_ms = 0;
    e.award_org_id = e.award_ms = 0;
    e.award_reason = e.notice_sha = NULL;
    e.failed_reason = NULL;
    e.updated_ms = now;
    e.version++;
    rc = store_eval_update(tx, &e);
    if (rc != STORE_OK) {
        er = domain_store_err(rc);
        goto out;
    }
    er = evaluation_tender_sync_tx(tx, c, t, tender_action_defs[TA_REEVALUATE].name, now);
    if (er != ERR_OK)
        goto out;
    snprintf(d, sizeof d, "{\"round\":%d,\"complaint_id\":%lld,\"objections_superseded\":%lld}",
             e.round, (long long)complaint_id, (long long)nsup);
    er = domain_store_err(record(tx, c, "evaluation.reevaluate", t->id, lot, d, prev));
out:
    arena_release(&a);
    return er;
}
