/*
 * The working-day calendar through the real server (docs/calendar.md).
 * Runs on SQLite and (workcal_pg) PostgreSQL.
 *
 * test_public: anyone (signed in or not) lists days and computes a due
 * date; on an empty calendar the plain week rules; bad ranges, dates and
 * due arguments are refused with stable codes and the field.
 *
 * test_admin: only an admin imports, sets and deletes days (a bidder, an
 * agent and a supervisor are forbidden, the anonymous unauthenticated); an
 * import with a bad third line is calendar_file_invalid naming line 3 and
 * stores nothing; the shipped 2026 file (data/calendar/2026.csv) imports
 * and then National Day and its adjusted Saturday show, and the due dates
 * follow them (working and calendar days); a day set by hand moves a due
 * date and deleting it moves it back. The CLI (`sunbid calendar import`,
 * `due`) on the same store agrees.
 */
#include "harness.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tender_fixture.h"

/* 09:00 China time of a 2026 date written as ms by hand: 01:00 UTC. */
#define CST9_0929 ((int64_t)1790643600000) /* 2026-09-29 09:00 +08:00 (Tue) */
#define CST9_0928 ((int64_t)1790557200000) /* 2026-09-28 09:00 +08:00 (Mon) */
#define END_1010  ((int64_t)1791648000000) /* 2026-10-10 24:00 +08:00 */
#define END_1008  ((int64_t)1791475200000) /* 2026-10-08 24:00 +08:00 */
#define END_1002  ((int64_t)1790956800000) /* 2026-10-02 24:00 +08:00 */
#define END_1001  ((int64_t)1790870400000) /* 2026-10-01 24:00 +08:00 */

/* A request as who (NULL: anonymous) with a raw body of content type;
 * fails unless it answers status. Returns the parsed JSON. */
static json_t *send_raw(const struct it_session *who, const char *method, const char *path,
                        const char *type, const char *body, int status)
{
    char head[2048];
    struct it_resp r;
    size_t len = body ? strlen(body) : 0;
    int fd = it_connect(srv.port);
    assert_true(fd >= 0);
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s%s%s"
                     "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                     method, path, who ? "Authorization: Bearer " : "", who ? who->token : "",
                     who ? "\r\n" : "", type, len);
    assert_true(n > 0 && (size_t)n < sizeof head);
    assert_int_equal(it_send_all(fd, head, (size_t)n), 0);
    if (len)
        assert_int_equal(it_send_all(fd, body, len), 0);
    assert_int_equal(it_read_response(fd, &r, 0), 0);
    close(fd);
    if (r.status != status)
        fail_msg("%s %s: got %d, want %d: %s", method, path, r.status, status, r.body);
    json_t *j = parse(&r);
    it_resp_free(&r);
    return j;
}

static json_t *get_anon(const char *path, int status)
{
    struct it_resp r;
    assert_int_equal(it_request(&srv, "GET", path, NULL, NULL, &r), 0);
    if (r.status != status)
        fail_msg("GET %s: got %d, want %d: %s", path, r.status, status, r.body);
    json_t *j = parse(&r);
    it_resp_free(&r);
    return j;
}

static void expect_error(json_t *j, const char *code, const char *field)
{
    assert_string_equal(jstr(j, "error", "code"), code);
    if (field != NULL)
        assert_string_equal(jstr(j, "error", "field"), field);
    json_decref(j);
}

/* The day `date` of a listing. */
static json_t *day_of(json_t *list, const char *date)
{
    json_t *days = json_object_get(list, "days");
    for (size_t i = 0; i < json_array_size(days); i++) {
        json_t *d = json_array_get(days, i);
        if (strcmp(json_string_value(json_object_get(d, "date")), date) == 0)
            return d;
    }
    fail_msg("no day %s", date);
    return NULL;
}

static int64_t due_of(const struct it_session *who, int64_t from_ms, int days, const char *kind)
{
    char path[160];
    snprintf(path, sizeof path, "/api/calendar/due?from_ms=%lld&days=%d&kind=%s",
             (long long)from_ms, days, kind);
    json_t *j = who ? call(who, "GET", path, NULL, 200) : get_anon(path, 200);
    int64_t due = jint(j, "due_ms");
    const char *iso = jstr(j, "due", NULL);
    assert_non_null(iso);
    assert_int_equal(strlen(iso), 24);
    json_decref(j);
    return due;
}

static void test_public(void **state)
{
    (void)state;
    (void)wait_state; /* the fixture's, not needed here */
    set_clock(T0);
    json_t *j = get_anon("/api/calendar?from=2026-10-01&to=2026-10-04", 200);
    assert_int_equal(json_array_size(json_object_get(j, "days")), 4);
    json_t *d = day_of(j, "2026-10-01");
    assert_true(json_is_true(json_object_get(d, "working")));
    assert_string_equal(json_string_value(json_object_get(d, "why")), "weekday");
    assert_int_equal(json_integer_value(json_object_get(d, "weekday")), 4);
    d = day_of(j, "2026-10-03");
    assert_true(json_is_false(json_object_get(d, "working")));
    assert_string_equal(json_string_value(json_object_get(d, "why")), "weekend");
    json_decref(j);
    /* the default range: six weeks from the first of this month (T0: 2026-01) */
    j = call(&bidder1, "GET", "/api/calendar", NULL, 200);
    assert_string_equal(jstr(j, "from", NULL), "2026-01-01");
    assert_int_equal(json_array_size(json_object_get(j, "days")), 42);
    json_decref(j);
    /* the plain week: Tue 9-29 + 3 working days = Fri 10-2; Mon 9-28 + 3 days = Thu 10-1 */
    assert_int_equal(due_of(NULL, CST9_0929, 3, "working"), END_1002);
    assert_int_equal(due_of(&agent, CST9_0928, 3, "calendar"), END_1001);

    expect_error(get_anon("/api/calendar?from=2026-02-30", 422), "calendar_date_invalid", "from");
    expect_error(get_anon("/api/calendar?from=2026-01-01&to=2027-03-01", 422), "invalid_field",
                 "to");
    expect_error(get_anon("/api/calendar?from=2026-03-01&to=2026-02-01", 422), "invalid_field",
                 "to");
    expect_error(get_anon("/api/calendar/due?from_ms=1790643600000&days=0&kind=working", 422),
                 "invalid_field", "days");
    expect_error(get_anon("/api/calendar/due?from_ms=1790643600000&days=3&kind=weekly", 422),
                 "invalid_field", "kind");
    expect_error(get_anon("/api/calendar/due?from_ms=abc&days=3&kind=working", 422),
                 "invalid_field", "from_ms");
    expect_error(get_anon("/api/calendar/due?from_ms=5&days=3&kind=working", 422), "invalid_field",
                 "from_ms");
    expect_error(get_anon("/api/calendar/due?from_ms=9223372036854775807&days=3&kind=working", 422),
                 "invalid_field", "from_ms");
    expect_error(
        get_anon("/api/calendar/due?from_ms=99999999999999999999&days=3&kind=working", 422),
        "invalid_field", "from_ms");
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    static char buf[16384];
    if (f == NULL)
        fail_msg("cannot read %s", path);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void test_admin(void **state)
{
    char path[600];
    (void)state;
    static const char bad[] = "date,kind,name\n2026-10-01,holiday,国庆节\n2026-10-32,holiday,x\n";
    const struct it_session *others[] = {&bidder1, &agent, &supervisor};
    for (size_t i = 0; i < 3; i++) {
        expect_error(send_raw(others[i], "POST", "/api/calendar/import", "text/csv", bad, 403),
                     "forbidden", NULL);
        expect_error(
            call(others[i], "PUT", "/api/calendar/days/2026-10-01", "{\"kind\":\"holiday\"}", 403),
            "forbidden", NULL);
        expect_error(call(others[i], "DELETE", "/api/calendar/days/2026-10-01", NULL, 403),
                     "forbidden", NULL);
    }
    expect_error(send_raw(NULL, "POST", "/api/calendar/import", "text/csv", bad, 401),
                 "unauthenticated", NULL);

    /* all or nothing: line 3 is named, line 2 is not stored */
    json_t *j = send_raw(&admin, "POST", "/api/calendar/import", "text/csv", bad, 422);
    assert_non_null(strstr(jstr(j, "error", "message"), "line 3"));
    expect_error(j, "calendar_file_invalid", NULL);
    j = get_anon("/api/calendar?from=2026-10-01&to=2026-10-01", 200);
    assert_string_equal(json_string_value(json_object_get(day_of(j, "2026-10-01"), "why")),
                        "weekday");
    json_decref(j);

    /* the shipped 2026 arrangement */
    const char *src = getenv("SUNBID_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/data/calendar/2026.csv", src ? src : ".");
    j = send_raw(&admin, "POST", "/api/calendar/import", "text/csv", read_file(path), 200);
    assert_int_equal(jint(j, "imported"), 39);
    json_decref(j);
    j = get_anon("/api/calendar?from=2026-09-20&to=2026-10-11", 200);
    json_t *d = day_of(j, "2026-10-01");
    assert_true(json_is_false(json_object_get(d, "working")));
    assert_string_equal(json_string_value(json_object_get(d, "why")), "holiday");
    assert_string_equal(json_string_value(json_object_get(d, "name")), "国庆节");
    d = day_of(j, "2026-10-10");
    assert_true(json_is_true(json_object_get(d, "working")));
    assert_string_equal(json_string_value(json_object_get(d, "why")), "workday");
    assert_true(json_is_true(json_object_get(day_of(j, "2026-09-20"), "working")));
    assert_true(json_is_false(json_object_get(day_of(j, "2026-10-11"), "working")));
    json_decref(j);
    /* Tue 9-29: 9-30 (1), 10-8 (2), 10-9 (3), Sat 10-10 worked (4) */
    assert_int_equal(due_of(NULL, CST9_0929, 4, "working"), END_1010);
    /* Mon 9-28 + 3 = 10-1, a holiday: moved to the first working day, 10-8 */
    assert_int_equal(due_of(&bidder2, CST9_0928, 3, "calendar"), END_1008);

    /* by hand: Mon 11-23 09:00 + 1 working day is Tue 11-24; a holiday moves it */
    const int64_t mon = CST9_0929 + 55 * DAY, tue_end = END_1002 + 53 * DAY;
    assert_int_equal(due_of(NULL, mon, 1, "working"), tue_end);
    j = call(&admin, "PUT", "/api/calendar/days/2026-11-24",
             "{\"kind\":\"holiday\",\"name\":\"测试假日\"}", 200);
    assert_string_equal(jstr(j, "day", "why"), "holiday");
    assert_string_equal(jstr(j, "day", "name"), "测试假日");
    json_decref(j);
    assert_int_equal(due_of(NULL, mon, 1, "working"), tue_end + DAY);
    expect_error(
        call(&admin, "PUT", "/api/calendar/days/2026-02-30", "{\"kind\":\"holiday\"}", 422),
        "calendar_date_invalid", "date");
    expect_error(call(&admin, "PUT", "/api/calendar/days/2026-11-24", "{\"kind\":\"rest\"}", 422),
                 "invalid_field", "kind");
    expect_error(call(&admin, "PUT", "/api/calendar/days/2026-11-24", "{}", 422), "missing_field",
                 "kind");
    expect_error(call(&admin, "PUT", "/api/calendar/days/2026-11-24",
                      "{\"kind\":\"holiday\",\"name\":\"a\\u0001b\"}", 422),
                 "invalid_field", "name");
    j = call(&admin, "DELETE", "/api/calendar/days/2026-11-24", NULL, 200);
    assert_string_equal(jstr(j, "deleted", NULL), "2026-11-24");
    json_decref(j);
    expect_error(call(&admin, "DELETE", "/api/calendar/days/2026-11-24", NULL, 404), "not_found",
                 NULL);
    assert_int_equal(due_of(NULL, mon, 1, "working"), tue_end);

    /* the CLI on the same store: a bad file exits 3 naming the line; due agrees */
    char *out = NULL, bad_path[600];
    snprintf(bad_path, sizeof bad_path, "%s/bad-calendar.csv", srv.data_dir);
    FILE *f = fopen(bad_path, "wb");
    assert_non_null(f);
    fputs(bad, f);
    fclose(f);
    assert_int_equal(it_cli_stderr(&srv, &out, "calendar", "import", bad_path, NULL), 3);
    assert_non_null(strstr(out, "line 3"));
    free(out);
    out = NULL;
    assert_int_equal(it_cli(&srv, &out, "calendar", "due", "--from", "2026-09-29", "--days", "4",
                            "--kind", "working", NULL),
                     0);
    assert_non_null(strstr(out, "2026-10-10T16:00:00.000Z"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_public),
        cmocka_unit_test(test_admin),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
