/*
 * api/events.c — GET /api/events?topic=T: a Server-Sent Events stream.
 *
 * Topics and who may follow them:
 *   public   anyone (notices, openings, auction ticks as later issues add them)
 *   audit    admin, supervisor (every write as it happens)
 *   supervision  supervisor (risk warnings, docs/supervision.md)
 * Reconnecting with Last-Event-ID resumes from the server's replay window.
 */
#include "api/api.h"

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
    http_res_error_field(res, ERR_NOT_FOUND, "topic", "unknown topic");
}
