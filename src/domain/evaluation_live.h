/*
 * domain/evaluation_live.h — the evaluation room's live topic: who may
 * follow it and what its events carry (docs/evaluation.md, "Live
 * updates").
 *
 * The topic of tender N is "evaluation.N" (N in decimal, no leading zero),
 * followed through GET /api/events?topic=evaluation.N. Who may follow:
 * the committee's members (through their accounts), supervisors and the
 * agents of the tender's agent or tenderer organisation — the same people
 * who see the room's logistics. Anyone else: not_committee_member; no
 * session: unauthenticated; a tender the caller may not see, or a topic
 * that is not canonical: not_found.
 *
 * An event tells that the room changed and how far it is, never what
 * anyone scored: the scores stay between the experts until the report.
 * Its data, whatever the step:
 *
 *   {"tender_id": N, "lot": 1, "round": 1, "step": "evaluation.score",
 *    "phase": "scoring",
 *    "members": 7, "sheets": {"qualification": 7, "scoring": 3},
 *    "warnings_open": [12, 13], "signatures": 0, "inquiries": 1,
 *    "at_ms": ...}
 *
 * lot: the lot the step was about (the topic is the tender's, every lot's
 * events go on it); round its current round. phase "none" before the
 * lot's evaluation starts; warnings_open are the ids of
 * the open warnings (the first 200; no member, bid, item or score); inquiries the
 * clarification questions still waiting for an answer. Clients read the
 * room again (GET /api/tenders/:id/evaluation) to see what they may see.
 * The event's name is the step ("evaluation.score", "evaluation.sign",
 * "clarify.answer", ...).
 *
 * Threads: any (each call opens its own read transaction).
 */
#ifndef SUNBID_DOMAIN_EVALUATION_LIVE_H
#define SUNBID_DOMAIN_EVALUATION_LIVE_H

#include <stdint.h>

#include "base/buf.h"
#include "domain/tender.h"
#include "store/cluster.h"

#define EVALUATION_LIVE_TOPIC_MAX 40 /* bytes of "evaluation.N" with the NUL */

/* The topic of tender_id into out. */
void evaluation_live_topic(int64_t tender_id, char out[EVALUATION_LIVE_TOPIC_MAX]);
/* N of a canonical "evaluation.N" (N in 1 .. 10^15 - 1, digits only, no
 * leading zero); 0 for any other string (NULL too). The topic is outside
 * input (the query string): fuzz/fuzz_eval_topic.c. */
int64_t evaluation_live_topic_id(const char *topic);
/* Whether c may follow topic ("evaluation.N"); *tender_id gets N. ERR_OK
 * or the refusal above. */
enum err evaluation_live_follow(struct store *s, const struct tender_caller *c, const char *topic,
                                int64_t *tender_id);
/* The event's data for lot of tender_id after step (see the top), into
 * out. */
enum err evaluation_live_json(struct store *s, int64_t tender_id, int lot, const char *step,
                              struct buf *out);
/* Builds the event and publishes it on the tender's topic through the
 * cluster (NULL: nothing). A failure is logged, never returned: the step
 * it tells of is committed already. */
void evaluation_live_publish_lot(struct store *s, struct cluster *cl, int64_t tender_id, int lot,
                                 const char *step);
/* The same for lot 1 (steps of the whole tender: clarifications). */
void evaluation_live_publish(struct store *s, struct cluster *cl, int64_t tender_id,
                             const char *step);

#endif
