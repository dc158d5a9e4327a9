/*
 * domain/evaluation_live.c — the evaluation room's live topic
 * (evaluation_live.h): the follow rule and the event, counts only.
 *
 * Both read the room through evaluation_load (evaluation_internal.h) in a
 * read transaction of their own: the follow rule as the caller (so the
 * tender's visibility is the caller's), the event as the system (it is
 * the same for everyone who may follow). The event is built from the
 * store after the step committed, so two steps racing publish two events
 * that each tell a state that was true; a client reading the room after
 * either sees at least as much.
 *
 * Nothing scored is read here: sheets are counted by member, warnings by
 * id, signatures by count. Threads: any.
 */
#include "domain/evaluation_live.h"
#include "domain/evaluation_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "domain/clarify.h"
#include "domain/committee.h"

#define LIVE_PREFIX   "evaluation."
#define LIVE_WARN_MAX 200  /* open warning ids listed in one event */
#define LIVE_DATA_MAX 8192 /* bytes of one event's data */

void evaluation_live_topic(int64_t tender_id, char out[EVALUATION_LIVE_TOPIC_MAX])
{
    snprintf(out, EVALUATION_LIVE_TOPIC_MAX, LIVE_PREFIX "%lld", (long long)tender_id);
}

int64_t evaluation_live_topic_id(const char *topic)
{
    size_t np = sizeof LIVE_PREFIX - 1;
    if (topic == NULL || strncmp(topic, LIVE_PREFIX, np) != 0)
        return 0;
    const char *p = topic + np;
    size_t n = strlen(p);
    if (n == 0 || n > 15 || *p < '1' || *p > '9')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    return (int64_t)strtoll(p, NULL, 10);
}

/* Runs evaluation_load for c in a read transaction, then fn over the job. */
static enum err with_room(struct store *s, struct eval_job *j,
                          enum err (*fn)(struct store_tx *tx, struct eval_job *j, void *arg),
                          void *arg)
{
    struct store_tx *tx = NULL;
    arena_init(&j->a, (size_t)256 << 20); /* as the room's own reads (evaluation_view.c) */
    int rc = store_begin(s, STORE_READ, &tx);
    enum err e = domain_store_err(rc);
    if (rc == STORE_OK) {
        e = evaluation_load(tx, j);
        if (e == ERR_OK)
            e = fn(tx, j, arg);
        store_rollback(tx);
    }
    arena_release(&j->a);
    return e;
}

static enum err follow_fn(struct store_tx *tx, struct eval_job *j, void *arg)
{
    (void)tx;
    (void)arg;
    if (j->me != 0 || j->acc.supervisor || evaluation_is_agent(j))
        return ERR_OK;
    return ERR_NOT_COMMITTEE_MEMBER;
}

enum err evaluation_live_follow(struct store *s, const struct tender_caller *c, const char *topic,
                                int64_t *tender_id)
{
    int64_t id = evaluation_live_topic_id(topic);
    *tender_id = id;
    if (id == 0)
        return ERR_NOT_FOUND;
    if (c->who.user_id == 0)
        return ERR_UNAUTHENTICATED;
    struct eval_job j = {.c = c, .tender_id = id, .lot = 1};
    return with_room(s, &j, follow_fn, NULL);
}

struct live_arg {
    const char *step;
    struct buf *out;
};

static enum err json_fn(struct store_tx *tx, struct eval_job *j, void *arg)
{
    const struct live_arg *la = arg;
    int64_t ids[COMMITTEE_MEMBERS_MAX];
    int nq = 0, ns = 0, open = 0, nsig = 0, nwait = 0;
    struct page pg;
    struct jsonw w;
    int rc;
    if (j->have) {
        enum err e = evaluation_sheets(tx, j, "qualification", ids, &nq);
        if (e == ERR_OK)
            e = evaluation_sheets(tx, j, "scoring", ids, &ns);
        if (e != ERR_OK)
            return e;
    }
    buf_reset(la->out);
    jsonw_init(&w, la->out);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "tender_id", j->t.id);
    jsonw_kint(&w, "lot", j->lot);
    jsonw_kint(&w, "round", j->k.round);
    jsonw_kstr(&w, "step", la->step);
    jsonw_kstr(&w, "phase", j->have ? j->e.phase : "none");
    jsonw_kint(&w, "members", j->nmem);
    jsonw_key(&w, "sheets");
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "qualification", nq);
    jsonw_kint(&w, "scoring", ns);
    jsonw_obj_end(&w);
    jsonw_key(&w, "warnings_open");
    jsonw_arr_begin(&w);
    if (j->have) {
        rc = store_eval_warnings(tx, &j->a, &j->k, EVAL_WARNINGS_MAX, &pg);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        for (int k = 0; k < pg.n && open < LIVE_WARN_MAX; k++) {
            const struct eval_warning_row *o = (const struct eval_warning_row *)pg.items + k;
            if (strcmp(o->status, "open") == 0) {
                jsonw_int(&w, o->id);
                open++;
            }
        }
        rc = store_eval_signatures(tx, &j->a, &j->k, COMMITTEE_MEMBERS_MAX, &pg);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        nsig = pg.n;
    }
    jsonw_arr_end(&w);
    jsonw_kint(&w, "signatures", nsig);
    rc = store_clarify_list(tx, &j->a, j->t.id, 0, CLARIFY_MAX, &pg);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    for (int k = 0; k < pg.n; k++)
        nwait += ((const struct clarify_question *)pg.items)[k].answered_ms == 0;
    jsonw_kint(&w, "inquiries", nwait);
    jsonw_kint(&w, "at_ms", clock_now_ms());
    jsonw_obj_end(&w);
    return jsonw_finish(&w) == JSONW_OK ? ERR_OK : ERR_INTERNAL;
}

enum err evaluation_live_json(struct store *s, int64_t tender_id, int lot, const char *step,
                              struct buf *out)
{
    struct live_arg la = {.step = step ? step : "", .out = out};
    struct eval_job j = {.c = &tender_system_caller, .tender_id = tender_id, .lot = lot};
    return with_room(s, &j, json_fn, &la);
}

void evaluation_live_publish(struct store *s, struct cluster *cl, int64_t tender_id,
                             const char *step)
{
    evaluation_live_publish_lot(s, cl, tender_id, 1, step);
}

void evaluation_live_publish_lot(struct store *s, struct cluster *cl, int64_t tender_id, int lot,
                                 const char *step)
{
    char topic[EVALUATION_LIVE_TOPIC_MAX];
    struct buf b;
    if (cl == NULL || tender_id <= 0)
        return;
    buf_init(&b, LIVE_DATA_MAX);
    enum err e = evaluation_live_json(s, tender_id, lot, step, &b);
    if (e == ERR_OK) {
        evaluation_live_topic(tender_id, topic);
        int rc = cluster_publish(cl, topic, step, b.data, b.len);
        if (rc != STORE_OK)
            log_warn("evaluation %lld: live event %s not published: %s", (long long)tender_id, step,
                     store_rc_name(rc));
    } else if (e != ERR_NOT_FOUND) {
        log_warn("evaluation %lld: live event %s: %s", (long long)tender_id, step, err_code(e));
    }
    buf_release(&b);
}
