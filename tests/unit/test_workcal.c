/*
 * test_workcal.c — the working-day calendar (domain/workcal.h): day
 * arithmetic in China time, the import file's reader with each refusal and
 * its line, and periods hand-computed on the shipped 2026 arrangement
 * (data/calendar/2026.csv, 国务院办公厅关于2026年部分节假日安排的通知)
 * in a SQLite store: working days over a weekend, over the Spring Festival
 * and National Day weeks with their adjusted Saturdays, calendar periods
 * ending on a holiday, a plain weekend and an adjusted Saturday, n = 1,
 * the day boundary at 24:00 China time (16:00 UTC), a calendar loaded once
 * for a list giving the due days of one-by-one calls, bad input, a
 * calendar without a working day in reach, all-or-nothing import and the
 * history.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "domain/workcal.h"
#include "store/store.h"

#define H (3600LL * 1000)

/* ---- days ---- */

static int64_t day(const char *s)
{
    int64_t d = 0;
    assert_true(workcal_parse_date(s, strlen(s), &d));
    return d;
}

static void test_days(void **state)
{
    char out[WORKCAL_DATE_LEN + 1];
    int64_t d;
    (void)state;
    assert_int_equal(day("2000-01-01"), 10957);
    assert_int_equal(day("2026-03-02"), 20514);
    workcal_format_date(20514, out);
    assert_string_equal(out, "2026-03-02");
    workcal_format_date(day("2024-02-29"), out);
    assert_string_equal(out, "2024-02-29");
    assert_int_equal(workcal_weekday(day("2026-01-01")), 4); /* Thursday */
    assert_int_equal(workcal_weekday(day("2026-10-10")), 6); /* Saturday */
    assert_int_equal(workcal_weekday(day("2026-09-20")), 0); /* Sunday */
    /* 2026-03-02 00:00 China time is 2026-03-01T16:00Z */
    assert_int_equal(workcal_day_start_ms(day("2026-03-02")), 1772380800000LL);
    assert_int_equal(workcal_day_end_ms(day("2026-03-02")), 1772467200000LL);
    assert_int_equal(workcal_day_of_ms(1772467200000LL - 1), day("2026-03-02"));
    assert_int_equal(workcal_day_of_ms(1772467200000LL), day("2026-03-03"));
    static const char *bad[] = {"2026-02-29",  "2025-13-01", "2026-00-10", "2026-1-01",
                                "1999-12-31",  "2200-01-01", "2026/03/02", "2026-03-02x",
                                "２026-03-02", "",           "2026-04-31", "abcd-ef-gh"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(workcal_parse_date(bad[i], strlen(bad[i]), &d));
    enum workcal_why why;
    assert_true(workcal_working(1, 0, &why) && why == WORKCAL_WEEKDAY);
    assert_false(workcal_working(6, 0, &why));
    assert_int_equal(why, WORKCAL_WEEKEND);
    assert_true(workcal_working(6, 'w', &why) && why == WORKCAL_WORKDAY);
    assert_false(workcal_working(3, 'h', &why));
    assert_int_equal(why, WORKCAL_HOLIDAY);
    assert_string_equal(workcal_why_name(WORKCAL_WORKDAY), "workday");
}

/* ---- the import file ---- */

static int parse(const char *csv, int *n, int *line, char *msg)
{
    static struct workcal_row rows[16];
    return (int)workcal_csv_parse(csv, strlen(csv), rows, 16, n, line, msg, 120);
}

static void test_csv(void **state)
{
    struct workcal_row rows[4];
    char msg[120];
    int n = 0, line = 0;
    (void)state;
    static const char ok[] = "\xEF\xBB\xBF"
                             "date,kind,name\r\n"
                             "2026-10-01,holiday,\"国庆节, \"\"National Day\"\"\"\r\n"
                             "\r\n"
                             "2026-10-10,班,调休\n"
                             "2026-10-02,休\n";
    assert_int_equal(workcal_csv_parse(ok, sizeof ok - 1, rows, 4, &n, &line, msg, sizeof msg),
                     ERR_OK);
    assert_int_equal(n, 3);
    assert_string_equal(rows[0].date, "2026-10-01");
    assert_int_equal(rows[0].kind, 'h');
    assert_string_equal(rows[0].name, "国庆节, \"National Day\"");
    assert_int_equal(rows[1].kind, 'w');
    assert_string_equal(rows[2].name, "");

    struct {
        const char *csv;
        int line;
    } bad[] = {
        {"", 0},
        {"\n\n", 0},
        {"day,kind,name\n2026-10-01,holiday,x\n", 1},
        {"date,kind,name\n2026-10-01,holiday,x\n2026-13-01,holiday,x\n", 3},
        {"date,kind,name\n2026-10-01,vacation,x\n", 2},
        {"date,kind,name\n2026-10-01,holiday,x,y\n", 2},
        {"date,kind,name\n2026-10-01\n", 2},
        {"date,kind,name\n2026-10-01,holiday,\"open\n", 2},
        {"date,kind,name\n2026-10-01,holiday,\"x\"y\n", 2},
        {"date,kind,name\n2026-10-01,holiday,a\"b\n", 2},
        {"date,kind,name\n2026-10-01,holiday,x\n\n2026-10-01,workday,y\n", 4},
        {"date,kind,name\n2026-10-01,holiday,\x01\n", 2},
        {"date,kind,name\n2026-10-01,holiday,\xC3\x28\n", 2},
        {"date,kind,name\n2026-10-01,holiday,"
         "12345678901234567890123456789012345678901234567890123456789012345\n",
         2},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        msg[0] = '\0';
        assert_int_equal(parse(bad[i].csv, &n, &line, msg), ERR_CALENDAR_FILE_INVALID);
        assert_int_equal(line, bad[i].line);
        assert_true(msg[0] != '\0');
    }
    /* a NUL byte inside a line */
    static const char nul[] = "date,kind,name\n2026-10-01,holi\0day,x\n";
    assert_int_equal(workcal_csv_parse(nul, sizeof nul - 1, rows, 4, &n, &line, msg, sizeof msg),
                     ERR_CALENDAR_FILE_INVALID);
    assert_int_equal(line, 2);
    /* more rows than room */
    static const char many[] = "date,kind,name\n2026-10-01,holiday,\n2026-10-02,holiday,\n"
                               "2026-10-03,holiday,\n2026-10-04,holiday,\n2026-10-05,holiday,\n";
    assert_int_equal(workcal_csv_parse(many, sizeof many - 1, rows, 4, &n, &line, msg, sizeof msg),
                     ERR_CALENDAR_FILE_INVALID);
    assert_int_equal(line, 6);
    /* checks of one day */
    const char *why = NULL;
    assert_int_equal(workcal_check("2026-02-30", "holiday", "", rows, &why),
                     ERR_CALENDAR_DATE_INVALID);
    assert_string_equal(why, "date");
    assert_int_equal(workcal_check("2026-02-28", "rest", "", rows, &why), ERR_INVALID_FIELD);
    assert_string_equal(why, "kind");
    assert_int_equal(workcal_check("2026-02-28", "workday", "a\nb", rows, &why), ERR_INVALID_FIELD);
    assert_string_equal(why, "name");
}

/* ---- periods on the 2026 arrangement ---- */

struct fx {
    char dir[256];
    struct store *s;
};

static int setup(void **state)
{
    static struct fx f;
    char err[256], path[512];
    int applied = 0, n = 0;
    const char *tmp = getenv("SUNBID_TEST_TMP");
    const char *src = getenv("SUNBID_SOURCE_DIR");
    mkdir(tmp ? tmp : "/tmp", 0755);
    snprintf(f.dir, sizeof f.dir, "%s/workcal-XXXXXX", tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(f.dir));
    assert_int_equal(store_open(&f.s, NULL, f.dir, err, sizeof err), STORE_OK);
    assert_int_equal(store_migrate(f.s, &applied), STORE_OK);
    snprintf(path, sizeof path, "%s/data/calendar/2026.csv", src ? src : ".");
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    static char csv[8192];
    size_t len = fread(csv, 1, sizeof csv, fp);
    fclose(fp);
    struct actor who = {0};
    assert_int_equal(workcal_import(f.s, &who, csv, len, &n, err, sizeof err), ERR_OK);
    assert_int_equal(n, 39);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    return 0;
}

static int64_t due(struct store *s, int64_t from_ms, int n, enum workcal_count kind)
{
    struct store_tx *tx = NULL;
    int64_t out = -1;
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    enum err e = workcal_due(tx, from_ms, n, kind, &out);
    store_rollback(tx);
    return e == ERR_OK ? out : -(int64_t)e;
}

/* 24:00 China time of date, written by hand as 16:00 UTC. */
static int64_t end_of(const char *date)
{
    return workcal_day_start_ms(day(date)) + 24 * H;
}

/* hh:00 China time on date */
static int64_t at(const char *date, int hh)
{
    return workcal_day_start_ms(day(date)) + hh * H;
}

static void test_working_days(void **state)
{
    struct fx *f = *state;
    struct store *s = f->s;
    /* Friday 2026-03-06 10:00: Mon 9, Tue 10, Wed 11 */
    assert_int_equal(at("2026-03-06", 10), 1772762400000LL);
    assert_int_equal(due(s, at("2026-03-06", 10), 3, WORKCAL_WORKING_DAYS), 1773244800000LL);
    assert_int_equal(end_of("2026-03-11"), 1773244800000LL);
    /* n = 1 over the weekend: Monday */
    assert_int_equal(due(s, at("2026-03-06", 10), 1, WORKCAL_WORKING_DAYS), 1773072000000LL);
    /* National Day: Tue 9-29: Wed 9-30 (1), 10-1..7 off, Thu 10-8 (2), Fri 10-9 (3),
     * Sat 10-10 worked (4), Mon 10-12 (5) */
    assert_int_equal(due(s, at("2026-09-29", 9), 3, WORKCAL_WORKING_DAYS), 1791561600000LL);
    assert_int_equal(due(s, at("2026-09-29", 9), 4, WORKCAL_WORKING_DAYS), 1791648000000LL);
    assert_int_equal(due(s, at("2026-09-29", 9), 5, WORKCAL_WORKING_DAYS), end_of("2026-10-12"));
    /* Spring Festival: Fri 2-13: Sat 2-14 worked (1), 2-15..23 off, Tue 2-24 (2) */
    assert_int_equal(due(s, at("2026-02-13", 9), 1, WORKCAL_WORKING_DAYS), 1771084800000LL);
    assert_int_equal(due(s, at("2026-02-13", 9), 2, WORKCAL_WORKING_DAYS), 1771948800000LL);
    /* 30 working days from Tue 2026-09-15: Wed 16 - Fri 18 (3), Sun 20 worked (4),
     * 21-24 (8), 25-27 Mid-Autumn, 28-30 (11), 10-1..7 National Day, Oct 8-9 (13),
     * Sat 10 worked (14), 12-16 (19), 19-23 (24), 26-30 (29), Mon Nov 2 (30) */
    assert_int_equal(due(s, at("2026-09-15", 9), 30, WORKCAL_WORKING_DAYS), end_of("2026-11-02"));
    bool w = false;
    struct store_tx *tx = NULL;
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(workcal_is_working_day(tx, at("2026-10-10", 9), &w), ERR_OK);
    assert_true(w);
    assert_int_equal(workcal_is_working_day(tx, at("2026-10-02", 9), &w), ERR_OK);
    assert_false(w);
    assert_int_equal(workcal_is_working_day(tx, at("2026-10-11", 9), &w), ERR_OK);
    assert_false(w);
    store_rollback(tx);
}

static void test_calendar_days(void **state)
{
    struct fx *f = *state;
    struct store *s = f->s;
    /* Mon 9-28 + 3 = Thu 10-1, a holiday: the first working day after is 10-8 */
    assert_int_equal(due(s, at("2026-09-28", 9), 3, WORKCAL_CALENDAR_DAYS), 1791475200000LL);
    /* Wed 3-4 + 3 = Sat 3-7, a plain weekend: Monday 3-9 */
    assert_int_equal(due(s, at("2026-03-04", 9), 3, WORKCAL_CALENDAR_DAYS), 1773072000000LL);
    /* Mon 10-5 + 5 = Sat 10-10, worked (调休): it stays */
    assert_int_equal(due(s, at("2026-10-05", 9), 5, WORKCAL_CALENDAR_DAYS), 1791648000000LL);
    /* n = 1 on a weekday: the next day */
    assert_int_equal(due(s, at("2026-03-02", 9), 1, WORKCAL_CALENDAR_DAYS), 1772553600000LL);
    /* the boundary: 23:59:59.999 China time is still 3-2; 24:00 is 3-3 */
    assert_int_equal(due(s, 1772467200000LL - 1, 1, WORKCAL_CALENDAR_DAYS), 1772553600000LL);
    assert_int_equal(due(s, 1772467200000LL, 1, WORKCAL_CALENDAR_DAYS), 1772640000000LL);
    /* 15 days over the Spring Festival: 2-10 + 15 = 2-25, a working Wednesday */
    assert_int_equal(due(s, at("2026-02-10", 9), 15, WORKCAL_CALENDAR_DAYS), end_of("2026-02-25"));
}

/* Every start of [from, from + days), at 09:00 and 23:00 China time, each
 * n of ns and both kinds: workcal_due_in on c gives what workcal_due gives
 * one by one (result and error alike). */
static void same_dues(struct store_tx *tx, struct workcal_cal *c, const char *from, int days)
{
    static const int ns[] = {1, 2, 3, 5, 10, 15, 30};
    for (int d = 0; d < days; d++)
        for (int h = 9; h <= 23; h += 14)
            for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
                for (int k = 0; k < 2; k++) {
                    enum workcal_count kind = k ? WORKCAL_WORKING_DAYS : WORKCAL_CALENDAR_DAYS;
                    int64_t ms = at(from, h) + d * 24 * H, one = -1, list = -2;
                    enum err e1 = workcal_due(tx, ms, ns[i], kind, &one);
                    enum err e2 = workcal_due_in(c, ms, ns[i], kind, &list);
                    assert_int_equal(e2, e1);
                    if (e1 == ERR_OK)
                        assert_int_equal(list, one);
                }
}

/* A calendar loaded once for a list gives the due days one-by-one calls
 * give, over the Spring Festival and the National Day weeks with their
 * adjusted Saturdays: loaded over part of the days (the rest read as
 * periods reach them, before and after), loaded empty, and loaded far
 * away (started again). Once loaded it reads nothing more: with the
 * calendar's rows deleted in the same transaction, the loaded days keep
 * their holidays while workcal_due sees the plain week. */
static void test_loaded_same_as_one_by_one(void **state)
{
    struct fx *f = *state;
    struct store_tx *tx = NULL;
    struct workcal_cal *c = NULL;
    int64_t one = 0, list = 0;
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(workcal_load(tx, day("2026-09-10"), day("2026-10-09"), &c), ERR_OK);
    same_dues(tx, c, "2026-09-15", 36);
    same_dues(tx, c, "2026-01-25", 45); /* before the loaded days */
    workcal_free(c);
    assert_int_equal(workcal_load(tx, 1, 0, &c), ERR_OK); /* nothing loaded */
    same_dues(tx, c, "2026-09-25", 20);
    workcal_free(c);
    assert_int_equal(workcal_load(tx, day("2150-01-01"), day("2150-12-31"), &c), ERR_OK);
    same_dues(tx, c, "2026-02-10", 10);
    /* the same refusals */
    assert_int_equal(workcal_due_in(c, at("2026-02-10", 9), 0, WORKCAL_CALENDAR_DAYS, &list),
                     ERR_INVALID_FIELD);
    assert_int_equal(
        workcal_due_in(c, at("2000-01-01", 9) - 48 * H, 1, WORKCAL_CALENDAR_DAYS, &list),
        ERR_INVALID_FIELD);
    workcal_free(c);
    workcal_free(NULL);
    store_rollback(tx);

    assert_int_equal(store_begin(f->s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(workcal_load(tx, day("2026-09-01"), day("2026-10-31"), &c), ERR_OK);
    assert_int_equal(store_exec(tx, "DELETE FROM calendar_days", NULL, 0, NULL), STORE_OK);
    /* Mon 9-28 + 3 = Thu 10-1: a holiday as loaded (10-8), a weekday now */
    assert_int_equal(workcal_due_in(c, at("2026-09-28", 9), 3, WORKCAL_CALENDAR_DAYS, &list),
                     ERR_OK);
    assert_int_equal(list, end_of("2026-10-08"));
    assert_int_equal(workcal_due(tx, at("2026-09-28", 9), 3, WORKCAL_CALENDAR_DAYS, &one), ERR_OK);
    assert_int_equal(one, end_of("2026-10-01"));
    workcal_free(c);
    store_rollback(tx);
}

static void test_bad_input(void **state)
{
    struct fx *f = *state;
    struct store *s = f->s;
    int64_t t = at("2026-03-02", 9);
    assert_int_equal(due(s, t, 0, WORKCAL_CALENDAR_DAYS), -(int64_t)ERR_INVALID_FIELD);
    assert_int_equal(due(s, t, -3, WORKCAL_WORKING_DAYS), -(int64_t)ERR_INVALID_FIELD);
    assert_int_equal(due(s, t, WORKCAL_MAX_N + 1, WORKCAL_WORKING_DAYS),
                     -(int64_t)ERR_INVALID_FIELD);
    assert_int_equal(due(s, t, 3, (enum workcal_count)7), -(int64_t)ERR_INVALID_FIELD);
    assert_int_equal(due(s, 0, 3, WORKCAL_CALENDAR_DAYS), -(int64_t)ERR_INVALID_FIELD);
    assert_int_equal(due(s, INT64_MAX / 2, 3, WORKCAL_CALENDAR_DAYS), -(int64_t)ERR_INVALID_FIELD);
    assert_int_equal(due(s, INT64_MAX, 3, WORKCAL_CALENDAR_DAYS), -(int64_t)ERR_INVALID_FIELD);
    assert_int_equal(due(s, INT64_MIN, 3, WORKCAL_WORKING_DAYS), -(int64_t)ERR_INVALID_FIELD);
    assert_true(due(s, t, WORKCAL_MAX_N, WORKCAL_WORKING_DAYS) > t);
    /* the listing: at most WORKCAL_MAX_RANGE days */
    struct workcal_day *out = calloc(WORKCAL_MAX_RANGE + 1, sizeof *out);
    struct store_tx *tx = NULL;
    int n = 0;
    assert_non_null(out);
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(workcal_days(tx, day("2026-01-01"), day("2026-01-01") + WORKCAL_MAX_RANGE, out,
                                  WORKCAL_MAX_RANGE + 1, &n),
                     ERR_INVALID_FIELD);
    assert_int_equal(
        workcal_days(tx, day("2026-02-13"), day("2026-02-16"), out, WORKCAL_MAX_RANGE, &n), ERR_OK);
    assert_int_equal(n, 4);
    assert_true(out[0].working && out[0].why == WORKCAL_WEEKDAY);
    assert_true(out[1].working && out[1].why == WORKCAL_WORKDAY);
    assert_string_equal(out[1].name, "春节调休上班");
    assert_true(!out[2].working && out[2].why == WORKCAL_HOLIDAY);
    assert_string_equal(out[3].date, "2026-02-16");
    store_rollback(tx);
    free(out);
}

static void test_changes(void **state)
{
    struct fx *f = *state;
    struct store *s = f->s;
    struct actor who = {0};
    struct workcal_row r;
    struct store_tx *tx = NULL;
    const char *why = NULL;
    char msg[160];
    int n = 0;
    int64_t count = 0;
    int64_t t = at("2026-11-24", 9); /* Tue; Wed 25 is the first working day */
    assert_int_equal(due(s, t, 1, WORKCAL_WORKING_DAYS), end_of("2026-11-25"));
    assert_int_equal(workcal_set(s, &who, "2026-11-25", "holiday", "测试", &r, &why), ERR_OK);
    assert_int_equal(due(s, t, 1, WORKCAL_WORKING_DAYS), end_of("2026-11-26"));
    assert_int_equal(workcal_set(s, &who, "2026-11-25", "workday", "", &r, &why), ERR_OK);
    assert_int_equal(workcal_delete(s, &who, "2026-11-25"), ERR_OK);
    assert_int_equal(workcal_delete(s, &who, "2026-11-25"), ERR_NOT_FOUND);
    assert_int_equal(workcal_delete(s, &who, "2026-11-31"), ERR_CALENDAR_DATE_INVALID);
    assert_int_equal(due(s, t, 1, WORKCAL_WORKING_DAYS), end_of("2026-11-25"));
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_workcal_changes(tx, "2026-11-25", &count), STORE_OK);
    store_rollback(tx);
    assert_int_equal(count, 3); /* set, set, delete: the history stays */

    /* all or nothing: line 3 is bad, line 2 is not stored */
    static const char bad[] = "date,kind,name\n2026-11-27,holiday,x\n2026-11-31,holiday,y\n";
    assert_int_equal(workcal_import(s, &who, bad, sizeof bad - 1, &n, msg, sizeof msg),
                     ERR_CALENDAR_FILE_INVALID);
    assert_string_equal(msg, "line 3: invalid date");
    assert_int_equal(n, 0);
    assert_int_equal(due(s, at("2026-11-26", 9), 1, WORKCAL_WORKING_DAYS), end_of("2026-11-27"));

    /* no working day within reach: every day of 2030-2041 a holiday */
    assert_int_equal(store_begin(s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_exec(tx,
                                "WITH RECURSIVE d(x) AS (SELECT julianday('2030-01-01') UNION ALL"
                                " SELECT x + 1 FROM d WHERE x < julianday('2041-12-31'))"
                                " INSERT INTO calendar_days (date, kind, name, set_ms)"
                                " SELECT date(x), 'holiday', '', 0 FROM d",
                                NULL, 0, NULL),
                     STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);
    assert_int_equal(due(s, at("2030-01-02", 9), 1, WORKCAL_WORKING_DAYS),
                     -(int64_t)ERR_CALENDAR_NO_WORKING_DAY);
    assert_int_equal(due(s, at("2030-01-02", 9), 1, WORKCAL_CALENDAR_DAYS),
                     -(int64_t)ERR_CALENDAR_NO_WORKING_DAY);
}

int main(void)
{
    const struct CMUnitTest plain[] = {
        cmocka_unit_test(test_days),
        cmocka_unit_test(test_csv),
    };
    const struct CMUnitTest stored[] = {
        cmocka_unit_test(test_working_days),
        cmocka_unit_test(test_calendar_days),
        cmocka_unit_test(test_loaded_same_as_one_by_one),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_changes),
    };
    int rc = cmocka_run_group_tests(plain, NULL, NULL);
    return rc + cmocka_run_group_tests(stored, setup, teardown);
}
