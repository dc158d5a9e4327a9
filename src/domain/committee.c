/*
 * domain/committee.c — the evaluation committee (committee.h).
 *
 * A committee is formed once per tender: its expert members are the
 * confirmed members of the tender's live draws at that moment, copied into
 * committee_members with their names and accounts, next to the
 * representatives the agent added before. A vote is one row per voter
 * (changeable until a chair is chosen); the chair is set once, by a
 * majority of the whole committee or by the tenderer's designation.
 *
 * Threads: any; no shared state.
 */
#include "domain/committee.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/roles.h"
#include "base/utf8.h"
#include "ledger/ledger.h"

enum err committee_rules_check(int experts, int reps, int64_t min_size)
{
    int size = experts + reps;
    if (size < min_size)
        return ERR_COMMITTEE_TOO_SMALL;
    if (size % 2 == 0)
        return ERR_COMMITTEE_EVEN_SIZE;
    if (3 * experts < 2 * size)
        return ERR_COMMITTEE_EXPERT_SHARE;
    return ERR_OK;
}

static int record(struct store_tx *tx, const struct tender_caller *c, const char *type,
                  int64_t tender_id, const char *detail)
{
    int rc = audit_record(tx, &c->who, type, "committee", tender_id, detail);
    if (rc != STORE_OK)
        return rc;
    struct ledger_event ev = {.type = type,
                              .subject_type = "committee",
                              .subject_id = tender_id,
                              .actor_id = c->who.user_id,
                              .actor_name = c->who.name ? c->who.name : "system",
                              .tender_id = tender_id};
    return ledger_append(tx, &ev);
}

static bool name_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n;) {
        size_t l = utf8_seq((const unsigned char *)s + i, n - i);
        if (l == 0 || (l == 1 && ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)))
            return false;
        i += l;
    }
    return true;
}

static bool tender_open(const char *state)
{
    return strcmp(state, "published") == 0 || strcmp(state, "bidding") == 0 ||
           strcmp(state, "opening") == 0 || strcmp(state, "evaluation") == 0;
}

static bool past_evaluation(const char *state)
{
    return !tender_open(state) && strcmp(state, "draft") != 0;
}

enum err committee_view(struct store_tx *tx, struct arena *a, const struct tender_caller *c,
                        const struct tender *t, struct committee_view *v)
{
    struct tender_access acc;
    struct page pg;
    memset(v, 0, sizeof(*v));
    enum err e = tender_access_check(tx, c, t, &acc);
    if (e != ERR_OK)
        return e;
    int rc = store_committee_members(tx, a, t->id, COMMITTEE_MEMBERS_MAX, &pg);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    for (int i = 0; c->who.user_id != 0 && i < pg.n; i++) {
        const struct committee_member *m = (const struct committee_member *)pg.items + i;
        if (m->user_id == c->who.user_id) {
            v->member = true;
            v->my_id = m->id;
        }
    }
    v->members = c->system || acc.supervisor || v->member || past_evaluation(t->state);
    if (!v->members && !acc.owner)
        return ERR_NOT_FOUND;
    return ERR_OK;
}

/* ---- the steps ---- */

struct job {
    const struct tender_caller *c;
    int64_t tender_id;
    const char *name, *username, *title; /* rep */
    int64_t id;                          /* a member id: in (vote, designate), out (rep) */
    bool elected;                        /* out */
    int step;                            /* 0 rep, 1 form, 2 vote, 3 designate */
    struct expert_refusal *why;
    struct arena a;
};

static enum err load(struct store_tx *tx, struct job *j, struct tender *t,
                     struct tender_access *acc)
{
    int rc = store_tender_get(tx, &j->a, j->tender_id, t);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    return tender_access_check(tx, j->c, t, acc);
}

static enum err rep_tx(struct store_tx *tx, struct job *j, const struct tender *t,
                       const struct tender_access *acc)
{
    struct committee cm;
    struct committee_member m = {0};
    char detail[96];
    if (!acc->owner)
        return ERR_NOT_OWNER;
    int rc = store_committee_get(tx, t->id, &cm);
    if (rc == STORE_OK)
        return ERR_WRONG_STATE; /* formed already */
    if (rc != STORE_NOTFOUND)
        return domain_store_err(rc);
    if (j->username != NULL && j->username[0] != '\0') {
        struct user u;
        rc = store_user_by_name(tx, &j->a, j->username, &u);
        if (rc == STORE_NOTFOUND) {
            j->why->field = "username";
            return ERR_INVALID_FIELD;
        }
        if (rc != STORE_OK)
            return domain_store_err(rc);
        m.user_id = u.id;
    }
    m.tender_id = t->id;
    m.kind = "rep";
    m.name = j->name;
    m.title = j->title;
    m.added_by = j->c->who.user_id;
    m.added_ms = clock_now_ms();
    rc = store_committee_member_insert(tx, &m, &j->id);
    snprintf(detail, sizeof detail, "{\"member\":%lld}", (long long)j->id);
    if (rc == STORE_OK)
        rc = record(tx, j->c, "committee.rep", t->id, detail);
    return domain_store_err(rc);
}

static enum err form_tx(struct store_tx *tx, struct job *j, const struct tender *t,
                        const struct tender_access *acc)
{
    struct committee cm = {0};
    struct page draws, reps;
    int64_t confirmed = 0, pending = 0, min_size = 0;
    char detail[128];
    if (!acc->owner)
        return ERR_NOT_OWNER;
    int rc = store_committee_get(tx, t->id, &cm);
    if (rc == STORE_OK)
        return ERR_WRONG_STATE;
    if (rc != STORE_NOTFOUND)
        return domain_store_err(rc);
    rc = store_draw_tender_counts(tx, t->id, &confirmed, &pending);
    if (rc == STORE_OK)
        rc = expert_setting(tx, EXPERT_SET_COMMITTEE, &min_size);
    if (rc == STORE_OK)
        rc = store_committee_members(tx, &j->a, t->id, COMMITTEE_MEMBERS_MAX, &reps);
    if (rc == STORE_OK)
        rc = store_draw_list(tx, &j->a, t->id, 100, &draws);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (pending > 0) {
        snprintf(j->why->detail, sizeof j->why->detail, "%lld invitations unanswered",
                 (long long)pending);
        return ERR_COMMITTEE_INCOMPLETE;
    }
    enum err e = committee_rules_check((int)confirmed, reps.n, min_size);
    if (e != ERR_OK) {
        snprintf(j->why->detail, sizeof j->why->detail, "%lld experts and %d representatives",
                 (long long)confirmed, reps.n);
        return e;
    }
    int64_t now = clock_now_ms();
    for (int d = 0; rc == STORE_OK && d < draws.n; d++) {
        const struct draw_row *dr = (const struct draw_row *)draws.items + d;
        struct page ms;
        if (strcmp(dr->state, "cancelled") == 0)
            continue;
        rc = store_draw_members(tx, &j->a, dr->id, 2000, &ms);
        for (int i = 0; rc == STORE_OK && i < ms.n; i++) {
            const struct draw_member *x = (const struct draw_member *)ms.items + i;
            struct committee_member m = {0};
            int64_t id;
            if (strcmp(x->status, "confirmed") != 0)
                continue;
            m.tender_id = t->id;
            m.kind = "expert";
            m.draw_member_id = x->id;
            m.expert_id = x->expert_id;
            m.name = x->expert_name;
            m.user_id = x->expert_user_id;
            m.added_by = j->c->who.user_id;
            m.added_ms = now;
            rc = store_committee_member_insert(tx, &m, &id);
        }
    }
    cm.tender_id = t->id;
    cm.experts = confirmed;
    cm.reps = reps.n;
    cm.size = confirmed + reps.n;
    cm.formed_by = j->c->who.user_id;
    cm.formed_ms = now;
    if (rc == STORE_OK)
        rc = store_committee_insert(tx, &cm);
    snprintf(detail, sizeof detail, "{\"size\":%lld,\"experts\":%lld,\"reps\":%lld}",
             (long long)cm.size, (long long)cm.experts, (long long)cm.reps);
    if (rc == STORE_OK)
        rc = record(tx, j->c, "committee.form", t->id, detail);
    return domain_store_err(rc);
}

static enum err chair_tx(struct store_tx *tx, struct job *j, const struct tender *t,
                         const struct tender_access *acc, bool designate)
{
    struct committee cm;
    struct committee_member cand;
    struct committee_view v;
    char detail[128];
    int rc = store_committee_get(tx, t->id, &cm);
    if (rc == STORE_NOTFOUND)
        return ERR_COMMITTEE_INCOMPLETE;
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (cm.chair_member_id != 0)
        return ERR_WRONG_STATE; /* chosen already */
    rc = store_committee_member_get(tx, &j->a, j->id, &cand);
    if (rc == STORE_NOTFOUND || (rc == STORE_OK && cand.tender_id != t->id)) {
        j->why->field = "member_id";
        return ERR_INVALID_FIELD;
    }
    if (rc != STORE_OK)
        return domain_store_err(rc);
    int64_t now = clock_now_ms();
    if (designate) {
        if (!acc->owner)
            return ERR_NOT_OWNER;
        rc = store_committee_set_chair(tx, t->id, cand.id, "designated", now);
        j->elected = true;
        snprintf(detail, sizeof detail, "{\"chair\":%lld,\"how\":\"designated\"}",
                 (long long)cand.id);
        if (rc == STORE_OK)
            rc = record(tx, j->c, "committee.chair", t->id, detail);
        return domain_store_err(rc);
    }
    enum err e = committee_view(tx, &j->a, j->c, t, &v);
    if (e != ERR_OK && e != ERR_NOT_FOUND)
        return e;
    if (!v.member)
        return ERR_NOT_COMMITTEE_MEMBER;
    int64_t votes = 0;
    rc = store_committee_vote(tx, t->id, v.my_id, cand.id, now);
    if (rc == STORE_OK)
        rc = store_committee_votes_for(tx, t->id, cand.id, &votes);
    snprintf(detail, sizeof detail, "{\"voter\":%lld,\"for\":%lld}", (long long)v.my_id,
             (long long)cand.id);
    if (rc == STORE_OK)
        rc = record(tx, j->c, "committee.vote", t->id, detail);
    j->elected = false;
    if (rc == STORE_OK && 2 * votes > cm.size) {
        rc = store_committee_set_chair(tx, t->id, cand.id, "elected", now);
        snprintf(detail, sizeof detail, "{\"chair\":%lld,\"how\":\"elected\",\"votes\":%lld}",
                 (long long)cand.id, (long long)votes);
        if (rc == STORE_OK)
            rc = record(tx, j->c, "committee.chair", t->id, detail);
        j->elected = rc == STORE_OK;
    }
    return domain_store_err(rc);
}

static enum err step_tx(struct store_tx *tx, void *arg)
{
    struct job *j = arg;
    struct tender t;
    struct tender_access acc;
    arena_release(&j->a);
    enum err e = load(tx, j, &t, &acc);
    if (e != ERR_OK)
        return e;
    if (!tender_open(t.state))
        return ERR_WRONG_STATE;
    switch (j->step) {
    case 0:
        return rep_tx(tx, j, &t, &acc);
    case 1:
        return form_tx(tx, j, &t, &acc);
    case 2:
        return chair_tx(tx, j, &t, &acc, false);
    default:
        return chair_tx(tx, j, &t, &acc, true);
    }
}

static enum err run(struct store *s, struct job *j)
{
    arena_init(&j->a, 0);
    enum err e = domain_write(s, step_tx, j);
    arena_release(&j->a);
    return e;
}

enum err committee_rep_add(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           const char *name, const char *username, const char *title,
                           int64_t *member_id, struct expert_refusal *why)
{
    memset(why, 0, sizeof(*why));
    if (!(c->roles & ROLE_AGENT))
        return ERR_FORBIDDEN;
    if (!name_ok(name, EXPERT_NAME_MAX)) {
        why->field = "name";
        return name ? ERR_INVALID_FIELD : ERR_MISSING_FIELD;
    }
    if (title != NULL && title[0] != '\0' && !name_ok(title, EXPERT_TITLE_MAX)) {
        why->field = "title";
        return ERR_INVALID_FIELD;
    }
    struct job j = {c, tender_id, name, username, title, 0, false, 0, why, {0}};
    enum err e = run(s, &j);
    if (e == ERR_OK)
        *member_id = j.id;
    return e;
}

enum err committee_form(struct store *s, const struct tender_caller *c, int64_t tender_id,
                        struct expert_refusal *why)
{
    memset(why, 0, sizeof(*why));
    if (!(c->roles & ROLE_AGENT))
        return ERR_FORBIDDEN;
    struct job j = {c, tender_id, NULL, NULL, NULL, 0, false, 1, why, {0}};
    return run(s, &j);
}

enum err committee_vote(struct store *s, const struct tender_caller *c, int64_t tender_id,
                        int64_t candidate_id, bool *elected, struct expert_refusal *why)
{
    memset(why, 0, sizeof(*why));
    struct job j = {c, tender_id, NULL, NULL, NULL, candidate_id, false, 2, why, {0}};
    enum err e = run(s, &j);
    *elected = e == ERR_OK && j.elected;
    return e;
}

enum err committee_designate(struct store *s, const struct tender_caller *c, int64_t tender_id,
                             int64_t member_id, struct expert_refusal *why)
{
    memset(why, 0, sizeof(*why));
    if (!(c->roles & ROLE_AGENT))
        return ERR_FORBIDDEN;
    struct job j = {c, tender_id, NULL, NULL, NULL, member_id, false, 3, why, {0}};
    return run(s, &j);
}
