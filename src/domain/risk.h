/*
 * domain/risk.h — the risk score and flags of a tender (异常行为预警), for
 * supervisors. docs/supervision.md is the reference; in short:
 *
 * When a tender's opening is sealed (and again whenever its hall changes
 * after a computation), the risk watcher — one thread, under the cluster
 * lease "supervision.risk", ticking like the tender scheduler — reads the
 * hall's bids and computes, per lot:
 *
 *   rule kind                    weight  what
 *   P1   identical_prices        30      two or more opened bids at exactly one price
 *   P2   arithmetic_progression  20      three or more adjacent bids with equal gaps
 *   P3   near_ceiling            10      half the bids (>= 2) within 1 % below the ceiling
 *   P4   low_cv                  15      CV of the bids < 0.03 with >= 3 bids
 *   M1   same_machine            35      envelopes of different bidders sealed on
 *                                        one machine (host or MAC hash, from the
 *                                        sealed envelope's signed header)
 *   M2   same_certificate        40      bids of different bidders signed with one
 *                                        certificate
 *   M3   same_upload_ip          25      bids of different bidders uploaded from one
 *                                        address
 *   L1   linked_bidders          25      bidders of one lot whose registered legal
 *                                        representative, phone, e-mail or address
 *                                        are the same (normalised as relgraph.h does)
 *
 *   S1   similar_documents       35      bid documents of two bidders share >= 100
 *                                        characters of passages the tender did not give
 *   S2   same_metadata           25      documents of two or more bidders name one
 *                                        author, editor, company or creation time
 *                                        (both: domain/risk_sim.h, risk_evaluate_sim)
 *
 * P1-P4 use the opened forms' price_fen with analytics/screens.h and its
 * patterns (pricepat.h). Each flag carries its rule, the bidders, and the
 * evidence (the price, the hash, the address, the shared value). The score
 * is the sum of the weights of the distinct rules that fired, capped at
 * 100: a transparent tally, not a probability. Level: high >= 60, low >= 30,
 * else none; a tender reaching low or high is a warning, published once on
 * the SSE topic "supervision" (supervisors only) as "risk.warning".
 *
 * The stored JSON ("flags" column) is the whole analysis: the lots with
 * their bids, prices and screens (for the dashboard's plot), the flags, the
 * shared fingerprints. Each computation also appends "risk.compute" (private)
 * to the witness log with the SHA-256 of that JSON, so an evidence package
 * can prove what the platform flagged and when.
 *
 * Threads: risk_evaluate is pure; the others take a store and run on any
 * thread; the watcher is one thread of its own.
 */
#ifndef SUNBID_DOMAIN_RISK_H
#define SUNBID_DOMAIN_RISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/errors.h"
#include "store/cluster.h"
#include "store/store.h"

#define RISK_LEASE        "supervision.risk"
#define RISK_TICK_MS      1000
#define RISK_BATCH        16
#define RISK_MAX_BIDS     1000               /* bids of one hall read (OPENING_BIDS_MAX) */
#define RISK_ENVELOPE_MAX ((size_t)64 << 20) /* envelopes larger: machine not read */
#define RISK_JSON_MAX     ((size_t)4 << 20)
#define RISK_LEVEL_LOW    30
#define RISK_LEVEL_HIGH   60
#define RISK_CV_LOW       0.03
#define RISK_CEILING_PCT  0.01

/* One bid as the rules see it. Strings borrowed; NULL or "" unknown. */
struct risk_bid_in {
    int64_t lot_no;
    int64_t org_id;
    const char *org_name;
    const char *status; /* opened revoked withdrawn pending */
    int64_t price_fen;  /* from the opened form; -1: none */
    const char *signer_fp;
    const char *remote_addr;
    char host_hash[65]; /* hex, "" unknown */
    char mac_hash[65];
    const char *legal_rep, *phone, *email, *address;
    /* the organisation's stored relationship keys (domain/orgrel.h); NULL: none */
    const struct orgrel_keys *rel;
};

struct risk_lot_ceiling {
    int64_t lot_no;
    int64_t ceiling_fen; /* 0: the tender's */
};

struct risk_input {
    int64_t tender_id;
    const struct risk_bid_in *bids;
    size_t nbids;
    int64_t ceiling_fen; /* the tender's; 0: none */
    const struct risk_lot_ceiling *lots;
    size_t nlots;
};

/* The analysis of one tender as JSON (docs/supervision.md) into out, and
 * its score (0..100) and level ("none", "low", "high"). 0, or -1 when out
 * of memory or out is full. Pure. */
int risk_evaluate(const struct risk_input *in, struct buf *out, int *score, const char **level);
/* The same with the bid document similarity's findings sim[0..nsim) (domain/
 * risk_sim.h), which give the rules S1 similar_documents (35) and S2
 * same_metadata (25). */
struct risk_sim_hit;
int risk_evaluate_sim(const struct risk_input *in, const struct risk_sim_hit *sim, size_t nsim,
                      struct buf *out, int *score, const char **level);

/* Reads the tender's sealed hall and computes and stores its risk (audit
 * row, witness-log event "risk.compute"). *warn gets whether a warning is
 * due (level not none and none went out yet); event (may be NULL) gets the
 * warning's JSON. ERR_NOT_FOUND without a sealed hall. */
enum err risk_recompute(struct store *s, int64_t tender_id, bool *warn, struct buf *event);

/* One round: recomputes up to RISK_BATCH stale tenders and publishes the
 * warnings due on "supervision" through c (NULL: none). *done gets how
 * many were computed. A store_rc of the stale query. */
int risk_watch_run_once(struct store *s, struct cluster *c, int *done);

struct risk_watcher;
/* tick_ms 0: RISK_TICK_MS. NULL when the thread cannot start. */
struct risk_watcher *risk_watcher_start(struct store *s, struct cluster *c, int64_t tick_ms);
void risk_watcher_stop(struct risk_watcher *w); /* NULL is a no-op */

#endif
