/*
 * domain/committee.h — the evaluation committee (評標委員會) of a tender.
 *
 * Rules (招標投標法 art. 37; the least size is the setting committee_min,
 * 5 by default): the committee has at least that many members, an odd
 * number of them, and experts are at least two thirds; the rest are the
 * tenderer's representatives (招標人代表), marked as such. A draw request
 * is checked against the same rules with its planned numbers, and the
 * committee is checked again when it is formed from the confirmed experts.
 *
 *   committee_rep_add     the agent names a representative of the tenderer
 *   committee_form        the agent forms the committee: every invitation
 *                         answered, the rules met; the confirmed experts and
 *                         the representatives become its members
 *   committee_vote        a member votes for a chair; a majority of the
 *                         committee elects (推舉)
 *   committee_designate   or the tenderer designates the chair (招標人確定),
 *                         as the law allows, while none is elected
 *
 * Who sees the members: supervisors and the members themselves; the agent
 * sees the numbers and its representatives; everyone once the tender is past
 * its evaluation (committee_view).
 *
 * Writes: one transaction each, with the audit row and the witness-log
 * event ("committee.rep", "committee.form", "committee.vote",
 * "committee.chair"). Threads: any.
 */
#ifndef SUNBID_DOMAIN_COMMITTEE_H
#define SUNBID_DOMAIN_COMMITTEE_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/expert.h"
#include "store/draws.h"

#define COMMITTEE_MEMBERS_MAX 99

/* The rules on experts + reps members with the least size min_size:
 * ERR_OK, ERR_COMMITTEE_TOO_SMALL, ERR_COMMITTEE_EVEN_SIZE or
 * ERR_COMMITTEE_EXPERT_SHARE. */
enum err committee_rules_check(int experts, int reps, int64_t min_size);

enum err committee_rep_add(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           const char *name, const char *username, const char *title,
                           int64_t *member_id, struct expert_refusal *why);
enum err committee_form(struct store *s, const struct tender_caller *c, int64_t tender_id,
                        struct expert_refusal *why);
enum err committee_vote(struct store *s, const struct tender_caller *c, int64_t tender_id,
                        int64_t candidate_id, bool *elected, struct expert_refusal *why);
enum err committee_designate(struct store *s, const struct tender_caller *c, int64_t tender_id,
                             int64_t member_id, struct expert_refusal *why);

struct committee_view {
    bool members;  /* the names of the experts */
    bool member;   /* the caller is a member */
    int64_t my_id; /* its member id */
};

/* What the caller may see of tender t's committee (ERR_NOT_FOUND when
 * nothing: not the agent, not a supervisor, not a member). */
enum err committee_view(struct store_tx *tx, struct arena *a, const struct tender_caller *c,
                        const struct tender *t, struct committee_view *v);

#endif
