/*
 * api/results.h — the public list of evaluation results: tenders in the
 * candidates' publicity (中标候选人公示) and awarded (中标结果公告), with the
 * candidates, the publicity's dates, the objections' counts and the award,
 * as the public sees them (docs/api.md, "Results"). Worker threads.
 */
#ifndef SUNBID_API_RESULTS_H
#define SUNBID_API_RESULTS_H

#include "api/api.h"

/* GET /api/results?state=publicity|awarded|contracted&limit=&cursor= */
void api_results_list(struct http_request *req, struct http_response *res);

#endif
