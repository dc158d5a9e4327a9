/*
 * domain/risk_experts.h — expert scoring anomalies over the scores the
 * evaluation room stored (专家评分异常分析, docs/supervision.md "Expert
 * scores across tenders").
 *
 * The input of analytics/expertperm.h is read from the store instead of a
 * file: per finished evaluation (phase signed or later), per committee
 * expert and firm, the sum of the expert's score items ("s:CODE" entries of
 * evaluation_entries, hundredths of a point) in points. An expert drawn from
 * the pool is the same person across tenders (experts.id); a member added
 * by hand is known only in that tender and cannot carry a pattern. The
 * report is expertperm's JSON as it is ("report") with the names the
 * dashboard shows beside the ids ("names": tenders with code and title,
 * experts, firms) and how much was read ("source").
 *
 * Threads: any; the permutation test runs on the caller's thread (a worker).
 */
#ifndef SUNBID_DOMAIN_RISK_EXPERTS_H
#define SUNBID_DOMAIN_RISK_EXPERTS_H

#include "analytics/expertperm.h"
#include "base/buf.h"
#include "base/errors.h"
#include "store/store.h"

#define RISK_EXPERTS_JSON_MAX ((size_t)32 << 20)

/* The analysis of every stored score with the parameters p into out.
 * ERR_OK; a store error; ERR_INTERNAL when out of memory or the report is
 * too large. */
enum err risk_experts_bias(struct store *s, const struct ep_params *p, struct buf *out);

#endif
