/*
 * api/workcal.h — the working-day calendar over HTTP (api/workcal.c;
 * domain/workcal.h has the rules, docs/calendar.md the law and formats).
 *
 *   GET    /api/calendar?from=YYYY-MM-DD&to=YYYY-MM-DD   public: each day of
 *          the range (at most 400; default: this month in China time, six
 *          weeks) with working or not, why, and the day's name
 *   GET    /api/calendar/due?from_ms=&days=N&kind=working|calendar
 *          public: the end of a statutory period, as the platform computes it
 *   PUT    /api/calendar/days/:date   admin; {"kind":"holiday|workday","name"}
 *   DELETE /api/calendar/days/:date   admin; the day follows the plain week again
 *   POST   /api/calendar/import       admin; body: CSV date,kind,name (all or
 *                                     nothing; the error names the line)
 *
 * Worker threads.
 */
#ifndef SUNBID_API_WORKCAL_H
#define SUNBID_API_WORKCAL_H

#include "api/api.h"

#define API_CALENDAR_MAX_BODY ((size_t)256 << 10) /* bytes of an import file */

void api_calendar_list(struct http_request *req, struct http_response *res);
void api_calendar_due(struct http_request *req, struct http_response *res);
void api_calendar_put(struct http_request *req, struct http_response *res);
void api_calendar_delete(struct http_request *req, struct http_response *res);
void api_calendar_import(struct http_request *req, struct http_response *res);

#endif
