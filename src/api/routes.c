/*
 * api/routes.c — the route table (who may call what) and the authenticate
 * hook. Deny by default: a route lists the roles that may call it; tests walk
 * this table for every role (tests/integration/test_access.c).
 */
#include "api/api.h"
#include "api/auctions.h"
#include "api/bids.h"
#include "api/boq.h"
#include "api/escrow.h"
#include "api/experts.h"
#include "api/opening.h"
#include "api/supervision.h"
#include "api/orgrel.h"
#include "api/opening_head.h"
#include "api/results.h"
#include "api/tenders.h"
#include "api/evaluation.h"
#include "api/award.h"
#include "api/workcal.h"

#include "base/log.h"

#define R_ANY_USER ROLE_ALL
#define R_PUBLIC   (HTTP_ANON | ROLE_ALL)

const struct http_route api_routes[] = {
    {HTTP_M_GET, "/api/health", api_health, R_PUBLIC, NULL, 0, HTTP_ROUTE_INLINE, "health"},
    /* the working-day calendar (api/workcal.h, docs/calendar.md) */
    {HTTP_M_GET, "/api/calendar", api_calendar_list, R_PUBLIC, NULL, 0, 0, "calendar.list"},
    {HTTP_M_GET, "/api/calendar/due", api_calendar_due, R_PUBLIC, NULL, 0, 0, "calendar.due"},
    {HTTP_M_PUT, "/api/calendar/days/:date", api_calendar_put, ROLE_ADMIN, NULL, 4096, 0,
     "calendar.set"},
    {HTTP_M_DELETE, "/api/calendar/days/:date", api_calendar_delete, ROLE_ADMIN, NULL, 1024, 0,
     "calendar.delete"},
    {HTTP_M_POST, "/api/calendar/import", api_calendar_import, ROLE_ADMIN, NULL,
     API_CALENDAR_MAX_BODY, HTTP_ROUTE_RAW_BODY, "calendar.import"},
    /* complaints, the signed contract, bonds (api/award.h, docs/award.md); the domain checks
     * the complainant, the winner and the agent */
    {HTTP_M_GET, "/api/tenders/:id/award", api_award_get, R_PUBLIC, NULL, 0, 0, "award.get"},
    {HTTP_M_POST, "/api/tenders/:id/complaints", api_award_complain, ROLE_BIDDER, NULL,
     API_AWARD_MAX_BODY, 0, "complaint.file"},
    {HTTP_M_GET, "/api/complaints", api_complaints_queue, ROLE_SUPERVISOR, NULL, 0, 0,
     "complaint.queue"},
    {HTTP_M_POST, "/api/complaints/:id/accept", api_complaint_accept, ROLE_SUPERVISOR, NULL, 1024,
     0, "complaint.accept"},
    {HTTP_M_POST, "/api/complaints/:id/refuse", api_complaint_refuse, ROLE_SUPERVISOR, NULL,
     API_AWARD_MAX_BODY, 0, "complaint.refuse"},
    {HTTP_M_POST, "/api/complaints/:id/suspend", api_complaint_suspend, ROLE_SUPERVISOR, NULL, 1024,
     0, "complaint.suspend"},
    {HTTP_M_POST, "/api/complaints/:id/decide", api_complaint_decide, ROLE_SUPERVISOR, NULL,
     API_AWARD_MAX_BODY, 0, "complaint.decide"},
    {HTTP_M_POST, "/api/complaints/:id/withdraw", api_complaint_withdraw, ROLE_BIDDER, NULL,
     API_AWARD_MAX_BODY, 0, "complaint.withdraw"},
    {HTTP_M_POST, "/api/tenders/:id/award/contract", api_award_contract_upload, ROLE_AGENT,
     api_tenders_agent_owner, 15u << 20, HTTP_ROUTE_RAW_BODY, "contract.upload"},
    {HTTP_M_GET, "/api/tenders/:id/award/contract/document", api_award_contract_document,
     ROLE_AGENT | ROLE_BIDDER | ROLE_SUPERVISOR, NULL, 0, 0, "contract.document"},
    {HTTP_M_POST, "/api/tenders/:id/award/contract/sign", api_award_contract_sign,
     ROLE_AGENT | ROLE_BIDDER, NULL, 4096, 0, "contract.sign"},
    {HTTP_M_POST, "/api/tenders/:id/award/bonds", api_award_bond, ROLE_AGENT,
     api_tenders_agent_owner, 4096, 0, "bond.record"},
    {HTTP_M_POST, "/api/tenders/:id/award/bonds/:org/refund", api_award_bond_refund, ROLE_AGENT,
     api_tenders_agent_owner, 4096, 0, "bond.refund"},
    {HTTP_M_GET, "/api/award/overdue", api_award_overdue, ROLE_SUPERVISOR, NULL, 0, 0,
     "award.overdue"},
    {HTTP_M_GET, "/api/award/rules", api_award_rules_get, R_ANY_USER, NULL, 0, 0, "award.rules"},
    {HTTP_M_POST, "/api/award/rules", api_award_rules_set, ROLE_ADMIN, NULL, 1024, 0,
     "award.rule_set"},
    /* the evaluation room, publicity, award, contract (api/evaluation.h, docs/evaluation.md);
     * the domain checks members, chair, agent and bidder */
    {HTTP_M_GET, "/api/evaluation-templates", api_eval_templates, R_ANY_USER, NULL, 0, 0,
     "evaluation.templates"},
    {HTTP_M_GET, "/api/tenders/:id/evaluation", api_eval_get, R_PUBLIC, NULL, 0, 0,
     "evaluation.get"},
    {HTTP_M_POST, "/api/tenders/:id/evaluation/start", api_eval_start, ROLE_AGENT,
     api_tenders_agent_owner, 131072, 0, "evaluation.start"},
    {HTTP_M_POST, "/api/tenders/:id/evaluation/qualification", api_eval_qualify, R_ANY_USER, NULL,
     API_EVAL_MAX_BODY, 0, "evaluation.qualify"},
    {HTTP_M_POST, "/api/tenders/:id/evaluation/scores", api_eval_score, R_ANY_USER, NULL,
     API_EVAL_MAX_BODY, 0, "evaluation.score"},
    {HTTP_M_POST, "/api/tenders/:id/evaluation/adjustments", api_eval_adjust, R_ANY_USER, NULL,
     32768, 0, "evaluation.adjust"},
    {HTTP_M_POST, "/api/tenders/:id/evaluation/warnings/:wid/confirm", api_eval_confirm, R_ANY_USER,
     NULL, 32768, 0, "evaluation.confirm"},
    {HTTP_M_POST, "/api/tenders/:id/evaluation/advance", api_eval_advance, R_ANY_USER, NULL, 1024,
     0, "evaluation.advance"},
    {HTTP_M_GET, "/api/tenders/:id/evaluation/report", api_eval_report, R_ANY_USER, NULL, 0, 0,
     "evaluation.report"},
    {HTTP_M_POST, "/api/tenders/:id/evaluation/sign", api_eval_sign, R_ANY_USER, NULL, 4096, 0,
     "evaluation.sign"},
    {HTTP_M_POST, "/api/tenders/:id/evaluation/publish", api_eval_publish, ROLE_AGENT,
     api_tenders_agent_owner, 1024, 0, "evaluation.publish"},
    {HTTP_M_POST, "/api/tenders/:id/evaluation/objections", api_eval_object, ROLE_BIDDER, NULL,
     32768, 0, "evaluation.object"},
    {HTTP_M_POST, "/api/tenders/:id/evaluation/objections/:oid/answer", api_eval_answer, ROLE_AGENT,
     api_tenders_agent_owner, 32768, 0, "evaluation.answer"},
    {HTTP_M_POST, "/api/tenders/:id/evaluation/award", api_eval_award, ROLE_AGENT,
     api_tenders_agent_owner, 32768, 0, "evaluation.award"},
    {HTTP_M_GET, "/api/tenders/:id/evaluation/notice", api_eval_notice, R_PUBLIC, NULL, 0, 0,
     "evaluation.notice"},
    {HTTP_M_POST, "/api/tenders/:id/evaluation/contract", api_eval_contract, ROLE_AGENT,
     api_tenders_agent_owner, 4096, 0, "evaluation.contract"},
    {HTTP_M_POST, "/api/tenders/:id/evaluation/fail", api_eval_fail, ROLE_AGENT,
     api_tenders_agent_owner, 32768, 0, "evaluation.fail"},
    /* the opening hall (api/opening.h, docs/opening.md); the domain checks host and bidder */
    {HTTP_M_GET, "/api/tenders/:id/opening", api_opening_get, R_PUBLIC, NULL, 0, 0, "opening.get"},
    /* a stream: named "events" like /api/events so the route walkers skip it */
    {HTTP_M_GET, "/api/tenders/:id/opening/events", api_opening_events, R_PUBLIC, NULL, 0, 0,
     "events"},
    {HTTP_M_GET, "/api/tenders/:id/opening/record", api_opening_record, R_PUBLIC, NULL, 0, 0,
     "opening.record"},
    {HTTP_M_POST, "/api/tenders/:id/opening/signin", api_opening_signin, ROLE_BIDDER, NULL, 1024, 0,
     "opening.signin"},
    {HTTP_M_POST, "/api/tenders/:id/opening/advance", api_opening_advance, ROLE_AGENT,
     api_tenders_agent_owner, 1024, 0, "opening.advance"},
    {HTTP_M_POST, "/api/tenders/:id/opening/fail", api_opening_fail, ROLE_AGENT,
     api_tenders_agent_owner, 32768, 0, "opening.fail"},
    {HTTP_M_POST, "/api/tenders/:id/opening/objections", api_opening_object, ROLE_BIDDER, NULL,
     32768, 0, "opening.object"},
    {HTTP_M_POST, "/api/tenders/:id/opening/objections/:oid/answer", api_opening_answer, ROLE_AGENT,
     api_tenders_agent_owner, 32768, 0, "opening.answer"},
    {HTTP_M_POST, "/api/tenders/:id/opening/sign", api_opening_sign, ROLE_BIDDER, NULL, 1024, 0,
     "opening.sign"},
    {HTTP_M_POST, "/api/tenders/:id/opening/decrypt", api_opening_decrypt, ROLE_BIDDER, NULL, 1024,
     0, "opening.decrypt"},
    {HTTP_M_GET, "/api/tenders/:id/opening/envelope-head", api_opening_envelope_head, ROLE_BIDDER,
     NULL, 0, 0, "opening.envelope_head"},
    /* the tender escrow key, personal certificates (api/escrow.h, docs/escrow.md) */
    {HTTP_M_GET, "/api/users/me/certs", api_usercerts_list, API_USERCERT_ROLES, NULL, 0, 0,
     "usercert.list"},
    {HTTP_M_POST, "/api/users/me/certs", api_usercerts_register, API_USERCERT_ROLES, NULL,
     API_USERCERT_MAX_BODY, HTTP_ROUTE_RAW_BODY, "usercert.register"},
    {HTTP_M_GET, "/api/tenders/:id/escrow", api_escrow_get, R_PUBLIC, NULL, 0, 0, "escrow.get"},
    {HTTP_M_GET, "/api/escrow/candidates", api_escrow_candidates, API_OFFICER_ROLES, NULL, 0, 0,
     "escrow.candidates"},
    {HTTP_M_PUT, "/api/tenders/:id/escrow/officers", api_escrow_officers, ROLE_AGENT,
     api_tenders_agent_owner, 4096, 0, "escrow.officers"},
    {HTTP_M_GET, "/api/tenders/:id/escrow/share", api_escrow_share_get, API_OFFICER_ROLES, NULL, 0,
     0, "escrow.share"},
    {HTTP_M_POST, "/api/tenders/:id/escrow/shares", api_escrow_share_submit, API_OFFICER_ROLES,
     NULL, 4096, 0, "escrow.submit"},
    {HTTP_M_POST, "/api/tenders/:id/opening/escrow-open", api_escrow_open, ROLE_AGENT,
     api_tenders_agent_owner, 1024, 0, "opening.escrow_open"},
    /* the expert pool, the draw, the committee (api/experts.h, docs/experts.md, docs/draw.md) */
    {HTTP_M_GET, "/api/experts", api_experts_list, ROLE_ADMIN | ROLE_SUPERVISOR, NULL, 0, 0,
     "expert.list"},
    {HTTP_M_POST, "/api/experts", api_experts_create, ROLE_ADMIN, NULL, 65536, 0, "expert.create"},
    {HTTP_M_GET, "/api/experts/me", api_experts_me, ROLE_EXPERT, NULL, 0, 0, "expert.me"},
    {HTTP_M_GET, "/api/experts/me/invitations", api_experts_invitations, ROLE_EXPERT, NULL, 0, 0,
     "expert.invitations"},
    {HTTP_M_POST, "/api/experts/import", api_experts_import, ROLE_ADMIN, NULL,
     API_EXPERT_IMPORT_MAX, HTTP_ROUTE_RAW_BODY, "expert.import"},
    {HTTP_M_GET, "/api/experts/export", api_experts_export, ROLE_ADMIN | ROLE_SUPERVISOR, NULL, 0,
     0, "expert.export"},
    {HTTP_M_GET, "/api/experts/:id", api_experts_get, ROLE_ADMIN | ROLE_SUPERVISOR | ROLE_EXPERT,
     NULL, 0, 0, "expert.get"},
    {HTTP_M_PUT, "/api/experts/:id", api_experts_update, ROLE_ADMIN, NULL, 65536, 0,
     "expert.update"},
    {HTTP_M_POST, "/api/experts/:id/unavailability", api_experts_unavail_add,
     ROLE_ADMIN | ROLE_EXPERT, NULL, 4096, 0, "expert.unavailable"},
    {HTTP_M_DELETE, "/api/experts/:id/unavailability/:uid", api_experts_unavail_remove,
     ROLE_ADMIN | ROLE_EXPERT, NULL, 0, 0, "expert.available"},
    {HTTP_M_POST, "/api/experts/:id/credit", api_experts_credit, ROLE_ADMIN | ROLE_SUPERVISOR, NULL,
     16384, 0, "expert.credit"},
    {HTTP_M_GET, "/api/expert-specialties", api_specialties_list, R_PUBLIC, NULL, 0, 0,
     "specialty.list"},
    {HTTP_M_POST, "/api/expert-specialties/import", api_specialties_import, ROLE_ADMIN, NULL,
     API_EXPERT_IMPORT_MAX, HTTP_ROUTE_RAW_BODY, "specialty.import"},
    {HTTP_M_GET, "/api/expert-settings", api_expert_settings_get, R_ANY_USER, NULL, 0, 0,
     "expert.settings"},
    {HTTP_M_PUT, "/api/expert-settings/:key", api_expert_settings_set, ROLE_ADMIN, NULL, 1024, 0,
     "expert.settings.set"},
    {HTTP_M_POST, "/api/tenders/:id/draws", api_draws_create, ROLE_AGENT, api_tenders_agent_owner,
     16384, 0, "draw.create"},
    {HTTP_M_GET, "/api/tenders/:id/draws", api_draws_list, R_PUBLIC, NULL, 0, 0, "draw.list"},
    {HTTP_M_GET, "/api/draws/:id", api_draws_get, R_PUBLIC, NULL, 0, 0, "draw.get"},
    {HTTP_M_POST, "/api/draws/:id/run", api_draws_run, ROLE_AGENT | ROLE_SUPERVISOR, NULL, 1024, 0,
     "draw.run"},
    {HTTP_M_POST, "/api/draws/:id/reveal", api_draws_reveal, ROLE_AGENT | ROLE_SUPERVISOR, NULL,
     1024, 0, "draw.reveal"},
    {HTTP_M_POST, "/api/draws/:id/cancel", api_draws_cancel, ROLE_AGENT | ROLE_SUPERVISOR, NULL,
     4096, 0, "draw.cancel"},
    {HTTP_M_GET, "/api/draws/:id/record", api_draws_record, R_PUBLIC, NULL, 0, 0, "draw.record"},
    {HTTP_M_POST, "/api/draw-members/:id/release", api_draw_members_release, ROLE_SUPERVISOR, NULL,
     4096, 0, "draw.release"},
    {HTTP_M_POST, "/api/invitations/:id/confirm", api_invitations_confirm, ROLE_EXPERT, NULL, 4096,
     0, "draw.confirm"},
    {HTTP_M_POST, "/api/invitations/:id/decline", api_invitations_decline, ROLE_EXPERT, NULL, 4096,
     0, "draw.decline"},
    {HTTP_M_GET, "/api/tenders/:id/committee", api_committee_get, R_ANY_USER, NULL, 0, 0,
     "committee.get"},
    {HTTP_M_POST, "/api/tenders/:id/committee/reps", api_committee_rep, ROLE_AGENT,
     api_tenders_agent_owner, 4096, 0, "committee.rep"},
    {HTTP_M_POST, "/api/tenders/:id/committee/form", api_committee_form, ROLE_AGENT,
     api_tenders_agent_owner, 1024, 0, "committee.form"},
    {HTTP_M_POST, "/api/tenders/:id/committee/vote", api_committee_vote, R_ANY_USER, NULL, 1024, 0,
     "committee.vote"},
    {HTTP_M_POST, "/api/tenders/:id/committee/designate", api_committee_designate, ROLE_AGENT,
     api_tenders_agent_owner, 1024, 0, "committee.designate"},
    /* BoQ, credit records, clarifications (api/boq.h, docs/boq.md, docs/credit.md) */
    API_BOQ_ROUTES,
    /* online auctions (api/auctions.h; ownership: the agency that runs it) */
    {HTTP_M_GET, "/api/auctions", api_auctions_list, R_PUBLIC, NULL, 0, 0, "auction.list"},
    {HTTP_M_POST, "/api/auctions", api_auctions_create, ROLE_AGENT, NULL, 16384, 0,
     "auction.create"},
    {HTTP_M_GET, "/api/auctions/:id", api_auctions_get, R_PUBLIC, NULL, 0, 0, "auction.get"},
    {HTTP_M_POST, "/api/auctions/:id/cancel", api_auctions_cancel, ROLE_AGENT, api_auctions_owner,
     8192, 0, "auction.cancel"},
    {HTTP_M_POST, "/api/auctions/:id/register", api_auctions_register, ROLE_BIDDER, NULL, 4096, 0,
     "auction.register"},
    {HTTP_M_GET, "/api/auctions/:id/registrations", api_auctions_registrations,
     ROLE_AGENT | ROLE_SUPERVISOR, api_auctions_owner, 0, 0, "auction.registrations"},
    {HTTP_M_POST, "/api/auctions/:id/registrations/:rid", api_auctions_decide, ROLE_AGENT,
     api_auctions_owner, 1024, 0, "auction.decide"},
    {HTTP_M_POST, "/api/auctions/:id/bids", api_auctions_bid, ROLE_BIDDER, NULL, 1024, 0,
     "auction.bid"},
    {HTTP_M_POST, "/api/auctions/:id/envelope", api_auctions_envelope, ROLE_BIDDER, NULL,
     API_AUCTION_ENVELOPE_MAX, HTTP_ROUTE_RAW_BODY, "auction.envelope"},
    {HTTP_M_GET, "/api/auctions/:id/envelope", api_auctions_my_envelope, ROLE_BIDDER, NULL, 0, 0,
     "auction.my_envelope"},
    {HTTP_M_POST, "/api/auctions/:id/reveal", api_auctions_reveal, ROLE_BIDDER, NULL, 1024, 0,
     "auction.reveal"},
    {HTTP_M_GET, "/api/auctions/:id/bids", api_auctions_bids, R_PUBLIC, NULL, 0, 0, "auction.bids"},
    {HTTP_M_GET, "/api/auctions/:id/events", api_auctions_events, R_PUBLIC, NULL, 0, 0,
     "auction.events"},
    {HTTP_M_GET, "/api/auctions/:id/result", api_auctions_result, R_PUBLIC, NULL, 0, 0,
     "auction.result"},
    {HTTP_M_POST, "/api/auth/login", api_auth_login, R_PUBLIC, NULL, 4096, HTTP_ROUTE_NO_CSRF,
     "auth.login"},
    {HTTP_M_POST, "/api/auth/logout", api_auth_logout, R_ANY_USER, NULL, 1024, 0, "auth.logout"},
    {HTTP_M_GET, "/api/me", api_me, R_ANY_USER, NULL, 0, 0, "me"},
    {HTTP_M_GET, "/api/notices", api_notices_list, R_PUBLIC, NULL, 0, 0, "notice.list"},
    /* evaluation results in publicity or awarded (api/results.h) */
    {HTTP_M_GET, "/api/results", api_results_list, R_PUBLIC, NULL, 0, 0, "result.list"},
    /* tenders up to the deadline (api/tenders.h; ownership: the tender's agency or tenderer) */
    {HTTP_M_GET, "/api/tenders", api_tenders_list, R_PUBLIC, NULL, 0, 0, "tender.list"},
    {HTTP_M_POST, "/api/tenders", api_tenders_create, ROLE_AGENT, NULL, 65536, 0, "tender.create"},
    {HTTP_M_GET, "/api/tenders/:id", api_tenders_get, R_PUBLIC, NULL, 0, 0, "tender.get"},
    {HTTP_M_PUT, "/api/tenders/:id", api_tenders_edit, ROLE_AGENT, api_tenders_agent_owner, 65536,
     0, "tender.edit"},
    {HTTP_M_POST, "/api/tenders/:id/lots", api_tenders_lot_add, ROLE_AGENT, api_tenders_agent_owner,
     8192, 0, "tender.lot"},
    {HTTP_M_GET, "/api/tenders/:id/documents", api_tenders_doc_list, R_PUBLIC, NULL, 0, 0,
     "tender.documents"},
    {HTTP_M_POST, "/api/tenders/:id/documents", api_tenders_doc_upload, ROLE_AGENT,
     api_tenders_agent_owner, TENDER_DOC_MAX, HTTP_ROUTE_RAW_BODY, "tender.upload"},
    {HTTP_M_GET, "/api/tenders/:id/documents/:version", api_tenders_doc_get,
     ROLE_BIDDER | ROLE_AGENT | ROLE_SUPERVISOR, api_tenders_reader, 0, 0, "tender.download"},
    {HTTP_M_POST, "/api/tenders/:id/publish", api_tenders_publish, ROLE_AGENT,
     api_tenders_agent_owner, 1024, 0, "tender.publish"},
    {HTTP_M_POST, "/api/tenders/:id/cancel", api_tenders_cancel, ROLE_AGENT,
     api_tenders_agent_owner, 16384, 0, "tender.cancel"},
    {HTTP_M_POST, "/api/tenders/:id/register", api_tenders_register, ROLE_BIDDER, NULL, 1024, 0,
     "tender.register"},
    {HTTP_M_GET, "/api/tenders/:id/invitees", api_tenders_invitees, ROLE_AGENT | ROLE_SUPERVISOR,
     api_tenders_agent_owner, 0, 0, "tender.invitees"},
    {HTTP_M_POST, "/api/tenders/:id/invitees", api_tenders_invite, ROLE_AGENT,
     api_tenders_agent_owner, 1024, 0, "tender.invite"},
    {HTTP_M_DELETE, "/api/tenders/:id/invitees/:org", api_tenders_uninvite, ROLE_AGENT,
     api_tenders_agent_owner, 1024, 0, "tender.uninvite"},
    {HTTP_M_GET, "/api/tenders/:id/registrations", api_tenders_registrations,
     ROLE_AGENT | ROLE_SUPERVISOR, api_tenders_agent_owner, 0, 0, "tender.registrations"},
    {HTTP_M_GET, "/api/tenders/:id/downloads", api_tenders_downloads, ROLE_AGENT | ROLE_SUPERVISOR,
     api_tenders_agent_owner, 0, 0, "tender.downloads"},
    {HTTP_M_POST, "/api/tenders/:id/questions", api_tenders_ask, ROLE_BIDDER, NULL, 16384, 0,
     "tender.ask"},
    {HTTP_M_GET, "/api/tenders/:id/questions", api_tenders_questions,
     ROLE_BIDDER | ROLE_AGENT | ROLE_SUPERVISOR, api_tenders_reader, 0, 0, "tender.questions"},
    {HTTP_M_POST, "/api/tenders/:id/clarifications", api_tenders_clarify, ROLE_AGENT,
     api_tenders_agent_owner, 65536, 0, "tender.clarify"},
    {HTTP_M_GET, "/api/tenders/:id/clarifications", api_tenders_clarifications,
     ROLE_BIDDER | ROLE_AGENT | ROLE_SUPERVISOR, api_tenders_reader, 0, 0, "tender.clarifications"},
    {HTTP_M_POST, "/api/tenders/:id/objections", api_tenders_object, ROLE_BIDDER, NULL, 16384, 0,
     "tender.object"},
    {HTTP_M_GET, "/api/tenders/:id/objections", api_tenders_objections,
     ROLE_BIDDER | ROLE_AGENT | ROLE_SUPERVISOR, api_tenders_reader, 0, 0, "tender.objections"},
    {HTTP_M_POST, "/api/tenders/:id/objections/:oid/answer", api_tenders_answer, ROLE_AGENT,
     api_tenders_agent_owner, 65536, 0, "tender.answer"},
    {HTTP_M_GET, "/api/tender-rules", api_tender_rules_list, R_PUBLIC, NULL, 0, 0, "tender.rules"},
    {HTTP_M_PUT, "/api/tender-rules/:procedure/:rule", api_tender_rules_set, ROLE_ADMIN, NULL, 1024,
     0, "tender.rules.set"},
    {HTTP_M_POST, "/api/test/clock", api_test_clock, ROLE_ADMIN, NULL, 1024, 0, "test.clock"},
    /* sealed bids, organisations' certificates, trusted CAs (api/bids.h, docs/bids.md) */
    {HTTP_M_GET, "/api/trust", api_trust_list, R_PUBLIC, NULL, 0, 0, "trust.list"},
    {HTTP_M_POST, "/api/trust", api_trust_add, ROLE_ADMIN, NULL, API_TRUST_MAX_BODY,
     HTTP_ROUTE_RAW_BODY, "trust.add"},
    {HTTP_M_DELETE, "/api/trust/:id", api_trust_remove, ROLE_ADMIN, NULL, 0, 0, "trust.remove"},
    {HTTP_M_GET, "/api/orgs/:id/certs", api_org_certs_list, R_ANY_USER, api_orgs_owner, 0, 0,
     "org.certs"},
    {HTTP_M_POST, "/api/orgs/:id/certs", api_org_certs_register, ROLE_BIDDER, api_orgs_owner,
     API_CERTS_MAX_BODY, 0, "org.certs.register"},
    {HTTP_M_PUT, "/api/tenders/:id/lots/:lot/bid", api_bid_submit, ROLE_BIDDER, NULL,
     API_BID_MAX_BODY, HTTP_ROUTE_STREAM_BODY, "bid.submit"},
    {HTTP_M_POST, "/api/tenders/:id/lots/:lot/bid", api_bid_submit, ROLE_BIDDER, NULL,
     API_BID_MAX_BODY, HTTP_ROUTE_STREAM_BODY, "bid.submit.post"},
    {HTTP_M_DELETE, "/api/tenders/:id/lots/:lot/bid", api_bid_withdraw, ROLE_BIDDER, NULL, 1024, 0,
     "bid.withdraw"},
    {HTTP_M_GET, "/api/tenders/:id/bids", api_bids_mine, ROLE_BIDDER, NULL, 0, 0, "bid.mine"},
    {HTTP_M_GET, "/api/receipt-keys", api_receipt_keys, R_PUBLIC, NULL, 0, 0, "receipt.keys"},
    {HTTP_M_GET, "/api/orgs", api_orgs_list, ROLE_ADMIN | ROLE_SUPERVISOR, NULL, 0, 0, "org.list"},
    {HTTP_M_POST, "/api/orgs", api_orgs_create, ROLE_ADMIN, NULL, 16384, 0, "org.create"},
    {HTTP_M_GET, "/api/orgs/:id", api_orgs_get, R_ANY_USER, api_orgs_owner, 0, 0, "org.get"},
    /* relationship records, the tender graph (api/orgrel.h, docs/supervision.md) */
    {HTTP_M_GET, "/api/orgs/:id/relations", api_orgrel_list, R_ANY_USER, api_orgs_owner, 0, 0,
     "org.relations"},
    {HTTP_M_POST, "/api/orgs/:id/relations", api_orgrel_add, ROLE_BIDDER | ROLE_SUPERVISOR,
     api_orgrel_owner, 16384, 0, "org.relation.add"},
    {HTTP_M_DELETE, "/api/orgs/:id/relations/:rid", api_orgrel_delete,
     ROLE_BIDDER | ROLE_SUPERVISOR, api_orgrel_owner, 1024, 0, "org.relation.delete"},
    {HTTP_M_POST, "/api/supervision/relations/import", api_orgrel_import, ROLE_SUPERVISOR, NULL,
     API_RELATIONS_MAX_BODY, HTTP_ROUTE_RAW_BODY, "sup.relations.import"},
    {HTTP_M_GET, "/api/supervision/tenders/:id/graph", api_orgrel_graph, ROLE_SUPERVISOR, NULL, 0,
     0, "sup.graph"},
    {HTTP_M_GET, "/api/users", api_users_list, ROLE_ADMIN, NULL, 0, 0, "user.list"},
    {HTTP_M_POST, "/api/users", api_users_create, ROLE_ADMIN, NULL, 16384, 0, "user.create"},
    {HTTP_M_PUT, "/api/users/:id/password", api_users_password, R_ANY_USER, api_users_owner, 4096,
     0, "user.passwd"},
    {HTTP_M_GET, "/api/audit", api_audit_list, ROLE_ADMIN | ROLE_SUPERVISOR, NULL, 0, 0,
     "audit.list"},
    {HTTP_M_GET, "/api/events", api_events, R_PUBLIC, NULL, 0, 0, "events"},
    /* supervision: risk, expert scores, leads (api/supervision.h, docs/supervision.md) */
    {HTTP_M_GET, "/api/supervision/risks", api_sup_risks, ROLE_SUPERVISOR, NULL, 0, 0, "sup.risks"},
    {HTTP_M_GET, "/api/supervision/risks/:id", api_sup_risk_get, ROLE_SUPERVISOR, NULL, 0, 0,
     "sup.risk"},
    {HTTP_M_POST, "/api/supervision/risks/:id/recompute", api_sup_risk_recompute, ROLE_SUPERVISOR,
     NULL, 1024, 0, "sup.recompute"},
    {HTTP_M_POST, "/api/supervision/experts-bias", api_sup_experts_bias, ROLE_SUPERVISOR, NULL,
     API_SCORES_MAX_BODY, HTTP_ROUTE_RAW_BODY, "sup.experts_bias"},
    {HTTP_M_GET, "/api/supervision/experts/bias", api_sup_experts_stored, ROLE_SUPERVISOR, NULL, 0,
     0, "sup.experts"},
    {HTTP_M_GET, "/api/supervision/tenders/:id/similarity", api_sup_similarity, ROLE_SUPERVISOR,
     NULL, 0, 0, "sup.similarity"},
    {HTTP_M_POST, "/api/supervision/tenders/:id/similarity", api_sup_similarity_recompute,
     ROLE_SUPERVISOR, NULL, 1024, 0, "sup.similarity_recompute"},
    {HTTP_M_GET, "/api/leads", api_leads_list, ROLE_SUPERVISOR, NULL, 0, 0, "lead.list"},
    {HTTP_M_POST, "/api/leads", api_leads_open, ROLE_SUPERVISOR, NULL, 16384, 0, "lead.open"},
    {HTTP_M_GET, "/api/leads/:id", api_leads_get, ROLE_SUPERVISOR, NULL, 0, 0, "lead.get"},
    {HTTP_M_POST, "/api/leads/:id/notes", api_leads_note, ROLE_SUPERVISOR, NULL, 131072, 0,
     "lead.note"},
    {HTTP_M_POST, "/api/leads/:id/flags", api_leads_flags, ROLE_SUPERVISOR, NULL, 1024, 0,
     "lead.flags"},
    {HTTP_M_POST, "/api/leads/:id/files", api_leads_file, ROLE_SUPERVISOR, NULL, API_LEAD_FILE_MAX,
     HTTP_ROUTE_RAW_BODY, "lead.file"},
    {HTTP_M_POST, "/api/leads/:id/transfer", api_leads_transfer, ROLE_SUPERVISOR, NULL, 131072, 0,
     "lead.transfer"},
    {HTTP_M_POST, "/api/leads/:id/close", api_leads_close, ROLE_SUPERVISOR, NULL, 131072, 0,
     "lead.close"},
    {HTTP_M_GET, "/api/leads/:id/package", api_leads_package, ROLE_SUPERVISOR, NULL, 0, 0,
     "lead.package"},
    {HTTP_M_GET, "/api/cluster", api_cluster, ROLE_ADMIN | ROLE_SUPERVISOR, NULL, 0, 0, "cluster"},
    {HTTP_M_GET, "/api/ledger/checkpoint", api_ledger_checkpoint, R_PUBLIC, NULL, 0, 0,
     "ledger.checkpoint"},
    {HTTP_M_GET, "/api/ledger/entries", api_ledger_entries, R_PUBLIC, NULL, 0, 0, "ledger.entries"},
    {HTTP_M_GET, "/api/ledger/proof/inclusion", api_ledger_inclusion, R_PUBLIC, NULL, 0, 0,
     "ledger.inclusion"},
    {HTTP_M_GET, "/api/ledger/proof/consistency", api_ledger_consistency, R_PUBLIC, NULL, 0, 0,
     "ledger.consistency"},
    {HTTP_M_GET, "/api/ledger/key", api_ledger_key, R_PUBLIC, NULL, 0, 0, "ledger.key"},
    {HTTP_M_POST, "/api/ledger/cosignature", api_ledger_cosignature, R_PUBLIC, NULL, 4096,
     HTTP_ROUTE_RAW_BODY | HTTP_ROUTE_NO_CSRF, "ledger.cosignature"},
    {HTTP_M_POST, "/api/ledger/timestamp", api_ledger_timestamp_post, R_PUBLIC, NULL, 65536,
     HTTP_ROUTE_RAW_BODY | HTTP_ROUTE_NO_CSRF, "ledger.timestamp"},
    {HTTP_M_GET, "/api/ledger/timestamp", api_ledger_timestamp_get, R_PUBLIC, NULL, 0, 0,
     "ledger.timestamp.get"},
    {HTTP_M_GET, "/api/ledger/certificate", api_ledger_certificate, R_PUBLIC, NULL, 0, 0,
     "ledger.certificate"},
    {HTTP_M_POST, "/api/ledger/verify", api_ledger_verify, R_PUBLIC, NULL,
     16 << 20 /* CERT_MAX_BYTES */, HTTP_ROUTE_RAW_BODY | HTTP_ROUTE_NO_CSRF, "ledger.verify"},
};
const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);

/* "Bearer <token>" → token, or NULL. */
static const char *bearer_token(const struct http_request *req)
{
    const char *h = http_header(req, "authorization");
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return *h ? h : NULL;
}

enum err api_authenticate(struct http_request *req, struct http_principal **out)
{
    struct app *app = api_app(req);
    struct session sess;
    struct user user;
    bool via_cookie = false;
    bool anon_ok = req->route && (req->route->roles & HTTP_ANON);
    const char *token = bearer_token(req);
    *out = NULL;
    if (token == NULL) {
        token = http_cookie(req, API_SESSION_COOKIE);
        via_cookie = token != NULL;
    }
    if (token == NULL)
        return ERR_OK;
    enum err e = auth_resolve(app->store, req->arena, token, &sess, &user);
    if (e != ERR_OK) {
        /* A stale cookie must not lock the public out of public pages. */
        if (anon_ok && (e == ERR_SESSION_EXPIRED || e == ERR_ACCOUNT_DISABLED))
            return ERR_OK;
        return e;
    }
    struct http_principal *p = arena_calloc(req->arena, sizeof(*p));
    if (p == NULL)
        return ERR_INTERNAL;
    p->user_id = user.id;
    p->org_id = user.org_id;
    p->roles = user.roles;
    p->username = user.username;
    p->csrf_token = sess.csrf_token;
    p->via_cookie = via_cookie;
    p->session_id = sess.id;
    *out = p;
    return ERR_OK;
}
