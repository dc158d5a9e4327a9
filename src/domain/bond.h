/*
 * domain/bond.h — the bidders' bonds (投標保證金) and their refunds; the
 * award page's view of a tender (complaints, contract, bonds), the
 * supervisors' overdue list and the scheduler's deadline round
 * (docs/award.md).
 *
 * A bond record per bidder and tender (not per lot): the amount and form
 * (cash transfer, bank guarantee, insurance), the day it was received;
 * entered by the agent, its amount and form defaulting to the tender's
 * bond requirement. The refund is due within refund_days (5, 實施條例
 * art. 57: the winner's and the others' alike) of the contract of the
 * bidder's lot — the latest of the lots it bid on; a failed lot counts
 * from its failure; the agent marks each refunded with a reference (a
 * transfer's serial, the guarantee returned). Unrefunded bonds past the
 * due day are listed for the supervisors and warned once on the
 * "supervision" SSE topic, as are complaints whose acceptance or decision
 * is overdue and lots awarded contract_days ago without a signed contract
 * (award_run_due, called by the scheduler each round under its lease).
 *
 * Events: "bond.record", "bond.refund" (private). Threads: any worker;
 * award_run_due from the scheduler thread.
 */
#ifndef SUNBID_DOMAIN_BOND_H
#define SUNBID_DOMAIN_BOND_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "domain/tender.h"
#include "store/cluster.h"

#define BOND_REF_MAX      200 /* bytes of a refund reference */
#define BONDS_MAX         1000
#define AWARD_OVERDUE_MAX 500 /* rows of the overdue list and of one warning round */
#define AWARD_SUPERVISION "supervision"

struct bond_input {
    int64_t org_id;
    int64_t amount_fen;  /* 0: the tender's bond_fen */
    const char *form;    /* cash | guarantee | insurance; NULL: the tender's bond form */
    int64_t received_ms; /* 0: now */
};

/* Agent: records (or corrects, until refunded) a bidder's bond. */
enum err bond_record(struct store *s, const struct tender_caller *c, int64_t tender_id,
                     const struct bond_input *in, const char **field);
/* Agent: a bond for every organisation that bid and has none yet, with the
 * tender's bond requirement (amount and form), received now; *n how many
 * were recorded. ERR_MISSING_FIELD (field amount_fen / form) when the
 * tender requires none. */
enum err bond_record_all(struct store *s, const struct tender_caller *c, int64_t tender_id, int *n,
                         const char **field);
/* Agent: marks the bond of org_id refunded, with its reference. */
enum err bond_refund(struct store *s, const struct tender_caller *c, int64_t tender_id,
                     int64_t org_id, const char *reference);

/* The award page's view of a tender's lot as the caller may see it, JSON
 * into out: the tender, the lot and every lot's phase, the caller's part
 * (agent, winner, bidder, supervisor), the lot's award, its contract with
 * the message to sign, the complaints (the whole tender's and the lot's),
 * the bonds, the rules in force. ERR_LOT_NOT_FOUND for a lot the tender
 * lacks. */
enum err award_view_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                         int64_t lot, struct buf *out);
/* Supervisors: every overdue complaint step and bond refund, and contracts
 * not signed within contract_days of the award, JSON into out. */
enum err award_overdue_json(struct store *s, struct buf *out);
/* One deadline round: warns once per overdue complaint step, bond and
 * late contract (once per lot's award notice) on the "supervision" topic
 * (c may be NULL: nothing published, the warnings still marked); *warned
 * how many. A store_rc. */
int award_run_due(struct store *s, struct cluster *c, int *warned);

#endif
