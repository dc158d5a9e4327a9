/*
 * api/events.c — GET /api/events?topic=T: a Server-Sent Events stream.
 *
 * Topics and who may follow them:
 *   public   anyone (notices, openings, auction ticks as later issues add them)
 *   audit    admin, supervisor (every write as it happens)
 *   supervision  supervisor (risk warnings, docs/supervision.md)
 *   evaluation.N the committee of tender N, supervisors, the tender's agent
 *                (counts and phase, never scores: domain/evaluation_live.h)
 * Reconnecting with Last-Event-ID resumes from the server's replay window.
 */
#include "api/api.h"
#include "api/tenders.h"
#include "domain/evaluation_live.h"

void api_events(struct http_request *req, struct http_response *res)
{
    const char *topic = http_query(req, "topic");
    if (topic == NULL || *topic == '\0')
        topic = "public";
    if (strcmp(topic, "public") == 0) {
        res->sse_topic = "public";
        return;
    }
    if (strcmp(topic, "audit") == 0) {
        if (req->who == NULL) {
            http_res_error(res, ERR_UNAUTHENTICATED, NULL);
            return;
        }
        if (!(req->who->roles & (ROLE_ADMIN | ROLE_SUPERVISOR))) {
            http_res_error(res, ERR_FORBIDDEN, NULL);
            return;
        }
        res->sse_topic = "audit";
        return;
    }
    if (strcmp(topic, "supervision") == 0) { /* risk warnings (docs/supervision.md) */
        if (req->who == NULL) {
            http_res_error(res, ERR_UNAUTHENTICATED, NULL);
            return;
        }
        if (!(req->who->roles & ROLE_SUPERVISOR)) {
            http_res_error(res, ERR_FORBIDDEN, NULL);
            return;
        }
        res->sse_topic = "supervision";
        return;
    }
    if (strncmp(topic, "evaluation.", 11) == 0) { /* a room (docs/evaluation.md) */
        struct tender_caller c = api_tender_caller(req);
        int64_t id = 0;
        enum err e = evaluation_live_follow(api_app(req)->store, &c, topic, &id);
        if (e != ERR_OK) {
            http_res_error(res, e, NULL);
            return;
        }
        res->sse_topic = topic; /* canonical, in the request's arena */
        return;
    }
    http_res_error_field(res, ERR_NOT_FOUND, "topic", "unknown topic");
}
