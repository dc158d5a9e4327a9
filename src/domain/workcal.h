/*
 * domain/workcal.h — the working-day calendar (工作日历) and statutory
 * periods counted on it (docs/calendar.md has the law and the API).
 *
 * Days. A day is a calendar date in China time (UTC+8, no summer time);
 * here it is a day number, days since 1970-01-01, or "YYYY-MM-DD" text.
 * The day of an instant ms is floor((ms + 8 h) / 24 h); a day ends at
 * 24:00 China time, which is 16:00 UTC of the same date.
 *
 * Working or not. The plain week works Monday to Friday and rests on
 * Saturday and Sunday. The calendar (store/workcal.h, set by an admin or
 * imported from the State Council's yearly notice) overrides single days:
 * a "holiday" rests whatever the weekday (春节, 国庆节, ...), a "workday"
 * works (调休: a Saturday or Sunday made a working day). A day without a
 * row follows the plain week.
 *
 * Periods (民法典 arts. 200-204). A period of n days starting at instant
 * from_ms does not count the starting day (art. 201) and ends at 24:00 of
 * its last day (art. 203, para. 2):
 *
 *   calendar days  the last day is D + n (D the starting day); when it is a
 *                  rest day (法定休假日, art. 203, para. 1) the last day moves
 *                  to the first working day after it.
 *   working days   the last day is the n-th working day after D.
 *
 * Rest day here means any day that is not working: a holiday, and also a
 * plain Saturday or Sunday. 法定休假日 covers the weekly rest days as well
 * as the festivals: 民法通则 art. 154, which art. 203 replaced, said "星期日
 * 或者其他法定休假日", and since the State Council's 1995 rules on working
 * hours (five days a week) Saturday rests too. The Supreme People's Court's
 * opinion on 民法通则 (art. 198) counted the days actually rested when the
 * holidays were moved, so an adjusted Saturday that is a workday is no rest
 * day and a period may end on it. docs/calendar.md says more.
 *
 * Threads: any. Functions taking a transaction run inside the caller's.
 */
#ifndef SUNBID_DOMAIN_WORKCAL_H
#define SUNBID_DOMAIN_WORKCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"
#include "domain/accounts.h"
#include "store/store.h"
#include "store/workcal.h"

#define WORKCAL_MAX_N      1000 /* longest period, in days of either kind */
#define WORKCAL_MAX_RANGE  400  /* days of one listing (GET /api/calendar) */
#define WORKCAL_MAX_SPAN   4000 /* days a period may reach before it is refused */
#define WORKCAL_MAX_IMPORT 2000 /* rows of one CSV import */
#define WORKCAL_FIRST_YEAR 2000 /* dates outside these years are refused */
#define WORKCAL_LAST_YEAR  2199
#define WORKCAL_TZ_MS      (8LL * 3600 * 1000) /* China time is UTC+8 */
#define WORKCAL_DAY_MS     (86400LL * 1000)

enum workcal_count {
    WORKCAL_CALENDAR_DAYS, /* 日: every day counts; the end leaves rest days */
    WORKCAL_WORKING_DAYS   /* 工作日: only working days count */
};

/* Why a day works or rests. */
enum workcal_why {
    WORKCAL_WEEKDAY, /* Monday to Friday, no row: working */
    WORKCAL_WEEKEND, /* Saturday or Sunday, no row: resting */
    WORKCAL_HOLIDAY, /* a holiday row: resting */
    WORKCAL_WORKDAY  /* a workday row (调休): working */
};

/* One day as the calendar sees it. */
struct workcal_day {
    int64_t day;                     /* days since 1970-01-01 */
    char date[WORKCAL_DATE_LEN + 1]; /* YYYY-MM-DD */
    int weekday;                     /* 0 Sunday, 1 Monday .. 6 Saturday */
    bool working;
    enum workcal_why why;
    char name[WORKCAL_NAME_MAX + 1]; /* the row's name, "" without a row */
};

/* ---- days (pure) ---- */

/* The China-time day of instant ms. */
int64_t workcal_day_of_ms(int64_t ms);
/* The instant day ends: 24:00 China time (16:00 UTC of that date). */
int64_t workcal_day_end_ms(int64_t day);
/* The instant day begins: 00:00 China time. */
int64_t workcal_day_start_ms(int64_t day);
int workcal_weekday(int64_t day); /* 0 Sunday .. 6 Saturday */
/* Parses exactly "YYYY-MM-DD" (len bytes, a real date within
 * WORKCAL_FIRST_YEAR..WORKCAL_LAST_YEAR) into *day. */
bool workcal_parse_date(const char *s, size_t len, int64_t *day);
/* Formats day as YYYY-MM-DD into out (11 bytes). */
void workcal_format_date(int64_t day, char out[WORKCAL_DATE_LEN + 1]);
/* Whether a day of this weekday and row kind ('h', 'w' or 0 for no row)
 * works; *why (may be NULL) says why. */
bool workcal_working(int weekday, char kind, enum workcal_why *why);
const char *workcal_why_name(enum workcal_why why); /* weekday weekend holiday workday */

/* ---- the calendar (reads through tx) ---- */

/* *working gets whether the China-time day of at_ms is a working day. */
enum err workcal_is_working_day(struct store_tx *tx, int64_t at_ms, bool *working);
/* The days from..to (day numbers, inclusive, at most WORKCAL_MAX_RANGE)
 * into out[0..max); *n gets the count. */
enum err workcal_days(struct store_tx *tx, int64_t from, int64_t to, struct workcal_day *out,
                      int max, int *n);
/* The end of a period of n days (1 <= n <= WORKCAL_MAX_N) starting at
 * from_ms, counted as kind says (see the top of this file): *due_ms gets
 * the instant its last day ends, 24:00 China time. ERR_INVALID_FIELD for n
 * or from_ms out of range (from_ms within the calendar's years);
 * ERR_CALENDAR_NO_WORKING_DAY when the calendar holds no working day within
 * WORKCAL_MAX_SPAN days. One period: it reads the days it needs (400 at a
 * time); for many, load the calendar once (workcal_load, workcal_due_in). */
enum err workcal_due(struct store_tx *tx, int64_t from_ms, int n, enum workcal_count kind,
                     int64_t *due_ms);

/* A calendar loaded once for many periods (a list's due days, each row's
 * own start): opaque, held by one caller, read through the tx it was
 * loaded with (it lives no longer than that transaction). */
struct workcal_cal;
/* Loads the days from..to (day numbers, inclusive; clipped to the
 * calendar's years; from > to loads nothing yet) in one query per 400
 * days. A period that reaches a day outside them reads it then, so a
 * range too short only costs queries, never a wrong day. ERR_INTERNAL
 * (out of memory) or a store error, *out NULL; else free with
 * workcal_free. */
enum err workcal_load(struct store_tx *tx, int64_t from, int64_t to, struct workcal_cal **out);
/* workcal_due on a loaded calendar: the same checks, errors and *due_ms. */
enum err workcal_due_in(struct workcal_cal *c, int64_t from_ms, int n, enum workcal_count kind,
                        int64_t *due_ms);
void workcal_free(struct workcal_cal *c); /* NULL: nothing */

/* ---- changes (admin) ---- */

/* Checks and normalises one day to set: a valid date, kind 'h' or 'w', a
 * name of at most WORKCAL_NAME_MAX bytes of valid UTF-8 without control
 * characters. *why (may be NULL) gets the field at fault. */
enum err workcal_check(const char *date, const char *kind, const char *name,
                       struct workcal_row *out, const char **why);
/* Parses an import file: CSV in UTF-8 (a BOM allowed), a header line
 * "date,kind,name", then one day a line; kind is holiday or workday (or 休
 * / 班); a name with commas or quotes is written in double quotes. Blank
 * lines are skipped; a date twice is an error. Rows go to rows[0..max),
 * *n gets the count. On failure ERR_CALENDAR_FILE_INVALID with *line (the
 * 1-based line at fault, 0 for the whole file) and msg (a short English
 * reason, NUL-terminated) set. */
enum err workcal_csv_parse(const char *data, size_t len, struct workcal_row *rows, int max, int *n,
                           int *line, char *msg, size_t msglen);

/* Sets one day (checked by workcal_check: *why names the field at fault)
 * and writes the history row and an audit row ("calendar.set"). */
enum err workcal_set(struct store *s, const struct actor *who, const char *date, const char *kind,
                     const char *name, struct workcal_row *out, const char **why);
/* Removes the row of date: the day follows the plain week again.
 * ERR_NOT_FOUND when the date has no row; ERR_CALENDAR_DATE_INVALID. */
enum err workcal_delete(struct store *s, const struct actor *who, const char *date);
/* Imports a CSV file (workcal_csv_parse) in one transaction: every row is
 * set, or none. *n gets the rows set. On ERR_CALENDAR_FILE_INVALID msg
 * holds "line N: reason". */
enum err workcal_import(struct store *s, const struct actor *who, const char *data, size_t len,
                        int *n, char *msg, size_t msglen);

#endif
