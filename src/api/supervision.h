/*
 * api/supervision.h — supervision over HTTP (api/supervision.c;
 * docs/supervision.md). Every route is for supervisors only (the route
 * table says ROLE_SUPERVISOR; a bidder, an agent or an admin gets 403).
 *
 *   GET  /api/supervision/risks?min_score&limit&cursor   tenders by risk score
 *   GET  /api/supervision/risks/:id                      one tender's analysis
 *   POST /api/supervision/risks/:id/recompute            compute it now
 *   POST /api/supervision/experts-bias?min_tenders&permutations&alpha&seed
 *                                                        body: scores CSV -> report
 *   GET  /api/supervision/experts/bias?min_tenders&permutations&alpha_ppm&seed
 *                                                        the same over the stored scores
 *   GET  /api/supervision/tenders/:id/similarity         the bid documents' similarity
 *   POST /api/supervision/tenders/:id/similarity         recompute it (and the risk) now
 *   GET  /api/leads?tender_id&limit&cursor               leads, newest first
 *   POST /api/leads {"tender_id","title","source"}       open a lead
 *   GET  /api/leads/:id                                  the lead, evidence, history
 *   POST /api/leads/:id/notes {"text"}                   attach a note
 *   POST /api/leads/:id/flags                            attach the flags as they are now
 *   POST /api/leads/:id/files?name=&type=                attach a file (raw body)
 *   POST /api/leads/:id/transfer {"to","on","note"}      移送
 *   POST /api/leads/:id/close {"reason"}                 办结
 *   GET  /api/leads/:id/package                          the evidence package (ZIP)
 *
 * Warnings go out on the SSE topic "supervision" (GET /api/events?topic=
 * supervision, supervisors only) from the risk watcher (domain/risk.h).
 * Worker threads.
 */
#ifndef SUNBID_API_SUPERVISION_H
#define SUNBID_API_SUPERVISION_H

#include "api/api.h"

#define API_SCORES_MAX_BODY ((size_t)32 << 20)
#define API_LEAD_FILE_MAX   ((size_t)32 << 20)

void api_sup_risks(struct http_request *req, struct http_response *res);
void api_sup_risk_get(struct http_request *req, struct http_response *res);
void api_sup_risk_recompute(struct http_request *req, struct http_response *res);
void api_sup_experts_bias(struct http_request *req, struct http_response *res);
void api_sup_experts_stored(struct http_request *req, struct http_response *res);
void api_sup_similarity(struct http_request *req, struct http_response *res);
void api_sup_similarity_recompute(struct http_request *req, struct http_response *res);
void api_leads_list(struct http_request *req, struct http_response *res);
void api_leads_open(struct http_request *req, struct http_response *res);
void api_leads_get(struct http_request *req, struct http_response *res);
void api_leads_note(struct http_request *req, struct http_response *res);
void api_leads_flags(struct http_request *req, struct http_response *res);
void api_leads_file(struct http_request *req, struct http_response *res);
void api_leads_transfer(struct http_request *req, struct http_response *res);
void api_leads_close(struct http_request *req, struct http_response *res);
void api_leads_package(struct http_request *req, struct http_response *res);

#endif
