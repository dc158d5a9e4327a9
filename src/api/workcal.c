/*
 * api/workcal.c — the working-day calendar over HTTP (api/workcal.h).
 * Handlers parse, call domain/workcal.h and write JSON. Reads run in one
 * read transaction each; writes go through the domain (audit, history).
 */
#include "api/workcal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "domain/workcal.h"

#define DEFAULT_DAYS 42 /* six weeks: a month's grid */

/* Reads a date query or route value into *day; absent: false with *day
 * untouched and no error. Writes the error and returns false on a bad
 * value (*bad set). */
static bool date_arg(struct http_response *res, const char *s, const char *field, int64_t *day,
                     bool *bad)
{
    if (s == NULL)
        return false;
    if (!workcal_parse_date(s, strlen(s), day)) {
        http_res_error_field(res, ERR_CALENDAR_DATE_INVALID, field, NULL);
        *bad = true;
        return false;
    }
    return true;
}

static void write_day(struct jsonw *w, const struct workcal_day *d)
{
    jsonw_obj_begin(w);
    jsonw_kstr(w, "date", d->date);
    jsonw_kint(w, "weekday", d->weekday);
    jsonw_kbool(w, "working", d->working);
    jsonw_kstr(w, "why", workcal_why_name(d->why));
    jsonw_kstr(w, "name", d->name);
    jsonw_obj_end(w);
}

void api_calendar_list(struct http_request *req, struct http_response *res)
{
    struct jsonw w;
    struct store_tx *tx = NULL;
    bool bad = false;
    int64_t from = 0, to = 0;
    int n = 0;
    if (!date_arg(res, http_query(req, "from"), "from", &from, &bad)) {
        if (bad)
            return;
        /* the first of this month, China time */
        int64_t today = workcal_day_of_ms(clock_now_ms());
        char d[WORKCAL_DATE_LEN + 1];
        workcal_format_date(today, d);
        memcpy(d + 8, "01", 2);
        if (!workcal_parse_date(d, WORKCAL_DATE_LEN, &from))
            from = today;
    }
    if (!date_arg(res, http_query(req, "to"), "to", &to, &bad)) {
        if (bad)
            return;
        to = from + DEFAULT_DAYS - 1;
    }
    if (to < from || to - from + 1 > WORKCAL_MAX_RANGE) {
        http_res_error_field(res, ERR_INVALID_FIELD, "to",
                             "to must not be before from, and at most 400 days are listed");
        return;
    }
    struct workcal_day *days = arena_calloc(req->arena, sizeof *days * WORKCAL_MAX_RANGE);
    if (days == NULL) {
        http_res_error(res, ERR_INTERNAL, NULL);
        return;
    }
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    enum err e = workcal_days(tx, from, to, days, WORKCAL_MAX_RANGE, &n);
    store_rollback(tx);
    if (e != ERR_OK) {
        api_error(res, e, e == ERR_INVALID_FIELD ? "to" : NULL);
        return;
    }
    char a[WORKCAL_DATE_LEN + 1], b[WORKCAL_DATE_LEN + 1];
    workcal_format_date(from, a);
    workcal_format_date(to, b);
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "from", a);
    jsonw_kstr(&w, "to", b);
    jsonw_key(&w, "days");
    jsonw_arr_begin(&w);
    for (int i = 0; i < n; i++)
        write_day(&w, &days[i]);
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

/* A decimal integer query value; false when absent or malformed. */
static bool int_arg(const char *s, int64_t *out)
{
    char *end = NULL;
    if (s == NULL || *s == '\0')
        return false;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return false;
    *out = (int64_t)v;
    return true;
}

void api_calendar_due(struct http_request *req, struct http_response *res)
{
    struct jsonw w;
    struct store_tx *tx = NULL;
    int64_t from_ms = 0, days = 0, due_ms = 0;
    const char *kind = http_query(req, "kind");
    enum workcal_count k = WORKCAL_CALENDAR_DAYS;
    if (!int_arg(http_query(req, "from_ms"), &from_ms)) {
        http_res_error_field(res, ERR_INVALID_FIELD, "from_ms", NULL);
        return;
    }
    if (!int_arg(http_query(req, "days"), &days) || days < 1 || days > WORKCAL_MAX_N) {
        http_res_error_field(res, ERR_INVALID_FIELD, "days", NULL);
        return;
    }
    if (kind != NULL && strcmp(kind, "working") == 0) {
        k = WORKCAL_WORKING_DAYS;
    } else if (kind == NULL || strcmp(kind, "calendar") != 0) {
        http_res_error_field(res, ERR_INVALID_FIELD, "kind", NULL);
        return;
    }
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    enum err e = workcal_due(tx, from_ms, (int)days, k, &due_ms);
    store_rollback(tx);
    if (e != ERR_OK) {
        api_error(res, e, e == ERR_INVALID_FIELD ? "from_ms" : NULL);
        return;
    }
    char start[WORKCAL_DATE_LEN + 1], last[WORKCAL_DATE_LEN + 1], iso[25];
    workcal_format_date(workcal_day_of_ms(from_ms), start);
    workcal_format_date(workcal_day_of_ms(due_ms - 1), last);
    clock_format_rfc3339(due_ms, iso);
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "from_ms", from_ms);
    jsonw_kstr(&w, "start_day", start);
    jsonw_kint(&w, "days", days);
    jsonw_kstr(&w, "kind", k == WORKCAL_WORKING_DAYS ? "working" : "calendar");
    jsonw_kint(&w, "due_ms", due_ms);
    jsonw_kstr(&w, "due", iso);
    jsonw_kstr(&w, "last_day", last);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_calendar_put(struct http_request *req, struct http_response *res)
{
    struct actor who = api_actor(req);
    struct workcal_row r;
    struct jsonw w;
    const char *kind = NULL, *name = NULL, *field = NULL;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "kind", true, 16, &kind) &&
              api_field_str(req, res, body, "name", false, WORKCAL_NAME_MAX, &name);
    json_decref(body);
    if (!ok)
        return;
    enum err e =
        workcal_set(api_app(req)->store, &who, http_param(req, "date"), kind, name, &r, &field);
    if (e != ERR_OK) {
        api_error(res, e, field);
        return;
    }
    int64_t day = 0;
    struct workcal_day d = {0};
    if (workcal_parse_date(r.date, strlen(r.date), &day)) {
        d.day = day;
        d.weekday = workcal_weekday(day);
    }
    memcpy(d.date, r.date, sizeof d.date);
    memcpy(d.name, r.name, sizeof d.name);
    d.working = workcal_working(d.weekday, r.kind, &d.why);
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "day");
    write_day(&w, &d);
    jsonw_kint(&w, "set_ms", r.set_ms);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_calendar_delete(struct http_request *req, struct http_response *res)
{
    struct actor who = api_actor(req);
    struct jsonw w;
    const char *date = http_param(req, "date");
    enum err e = workcal_delete(api_app(req)->store, &who, date);
    if (e != ERR_OK) {
        api_error(res, e, e == ERR_CALENDAR_DATE_INVALID ? "date" : NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "deleted", date);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_calendar_import(struct http_request *req, struct http_response *res)
{
    struct actor who = api_actor(req);
    struct jsonw w;
    char msg[200];
    int n = 0;
    msg[0] = '\0';
    enum err e = workcal_import(api_app(req)->store, &who, req->body ? req->body : "",
                                req->body_len, &n, msg, sizeof msg);
    if (e != ERR_OK) {
        http_res_error(res, e, msg[0] ? msg : NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "imported", n);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}
