/*
 * api/experts.h — the expert pool, the draw and the committee over HTTP
 * (api/experts.c); the roles are declared with the routes in api/routes.c,
 * the shapes are in docs/api.md.
 *
 *   GET  /api/experts                         admin, supervisor (?region= ?specialty= ?status=)
 *   POST /api/experts                         admin
 *   GET  /api/experts/me                      expert (its own record)
 *   GET  /api/experts/me/invitations          expert (its draw invitations)
 *   POST /api/experts/import                  admin (raw CSV or XLSX body)
 *   GET  /api/experts/export?format=csv|xlsx  admin, supervisor
 *   GET  /api/experts/:id                     admin, supervisor, the expert
 *   PUT  /api/experts/:id                     admin
 *   POST /api/experts/:id/unavailability      admin, the expert
 *   DELETE /api/experts/:id/unavailability/:uid   admin, the expert
 *   POST /api/experts/:id/credit              admin, supervisor
 *   GET  /api/expert-specialties              public
 *   POST /api/expert-specialties/import       admin (raw CSV or XLSX body)
 *   GET  /api/expert-settings                 signed in
 *   PUT  /api/expert-settings/:key            admin
 *   POST /api/tenders/:id/draws               agent of the tender
 *   GET  /api/tenders/:id/draws               agent of the tender, supervisor; public once revealed
 *   GET  /api/draws/:id                       the same
 *   POST /api/draws/:id/run                   agent of the tender, supervisor
 *   POST /api/draws/:id/reveal                agent of the tender, supervisor
 *   POST /api/draws/:id/cancel                agent of the tender, supervisor
 *   GET  /api/draws/:id/record                supervisor; everyone once revealed
 *   POST /api/draw-members/:id/release        supervisor
 *   POST /api/invitations/:id/confirm         the invited expert
 *   POST /api/invitations/:id/decline         the invited expert
 *   GET  /api/tenders/:id/committee           agent of the tender, supervisor, members
 *   POST /api/tenders/:id/committee/reps      agent of the tender
 *   POST /api/tenders/:id/committee/form      agent of the tender
 *   POST /api/tenders/:id/committee/vote      a member
 *   POST /api/tenders/:id/committee/designate agent of the tender
 *
 * Worker threads; request memory in the request's arena.
 */
#ifndef SUNBID_API_EXPERTS_H
#define SUNBID_API_EXPERTS_H

#include "api/api.h"

#define API_EXPERT_IMPORT_MAX (16u << 20)

void api_experts_list(struct http_request *req, struct http_response *res);
void api_experts_create(struct http_request *req, struct http_response *res);
void api_experts_me(struct http_request *req, struct http_response *res);
void api_experts_invitations(struct http_request *req, struct http_response *res);
void api_experts_import(struct http_request *req, struct http_response *res);
void api_experts_export(struct http_request *req, struct http_response *res);
void api_experts_get(struct http_request *req, struct http_response *res);
void api_experts_update(struct http_request *req, struct http_response *res);
void api_experts_unavail_add(struct http_request *req, struct http_response *res);
void api_experts_unavail_remove(struct http_request *req, struct http_response *res);
void api_experts_credit(struct http_request *req, struct http_response *res);
void api_specialties_list(struct http_request *req, struct http_response *res);
void api_specialties_import(struct http_request *req, struct http_response *res);
void api_expert_settings_get(struct http_request *req, struct http_response *res);
void api_expert_settings_set(struct http_request *req, struct http_response *res);
void api_draws_create(struct http_request *req, struct http_response *res);
void api_draws_list(struct http_request *req, struct http_response *res);
void api_draws_get(struct http_request *req, struct http_response *res);
void api_draws_run(struct http_request *req, struct http_response *res);
void api_draws_reveal(struct http_request *req, struct http_response *res);
void api_draws_cancel(struct http_request *req, struct http_response *res);
void api_draws_record(struct http_request *req, struct http_response *res);
void api_draw_members_release(struct http_request *req, struct http_response *res);
void api_invitations_confirm(struct http_request *req, struct http_response *res);
void api_invitations_decline(struct http_request *req, struct http_response *res);
void api_committee_get(struct http_request *req, struct http_response *res);
void api_committee_rep(struct http_request *req, struct http_response *res);
void api_committee_form(struct http_request *req, struct http_response *res);
void api_committee_vote(struct http_request *req, struct http_response *res);
void api_committee_designate(struct http_request *req, struct http_response *res);

#endif
