/*
 * store/workcal.h — rows of the working-day calendar (migration 24): one
 * row per day that differs from the plain week, a holiday (a weekday off)
 * or a workday (an adjusted Saturday or Sunday, 调休), with its name and
 * who set it when; and the history of every change (calendar_changes: set,
 * delete, import), which is never edited. Dates are "YYYY-MM-DD" text,
 * which sorts as the days do. domain/workcal.h has the rules. All SQL for
 * these lives in store/workcal.c.
 *
 * Rows are copied into fixed-size fields (dates and names are short and
 * bounded), so no arena is needed. Every function runs inside the caller's
 * transaction and returns a store_rc.
 */
#ifndef SUNBID_STORE_WORKCAL_H
#define SUNBID_STORE_WORKCAL_H

#include <stdint.h>

#include "store/store.h"

#define WORKCAL_DATE_LEN 10 /* "YYYY-MM-DD" */
#define WORKCAL_NAME_MAX 64 /* bytes of a day's name (UTF-8) */

struct workcal_row {
    char date[WORKCAL_DATE_LEN + 1]; /* YYYY-MM-DD, China time */
    char kind;                       /* 'h' holiday (a rest day) or 'w' workday */
    char name[WORKCAL_NAME_MAX + 1]; /* e.g. "春节", "国庆节调休"; may be "" */
    int64_t set_by;                  /* user id; 0: none (the CLI, a migration) */
    int64_t set_ms;                  /* when it was set */
};

/* The rows with from <= date <= to, by date, into rows[0..max); *n gets the
 * count. STORE_TOOBIG when more than max rows exist in the range. */
int store_workcal_days(struct store_tx *tx, const char *from, const char *to,
                       struct workcal_row *rows, int max, int *n);
/* Sets the row of r->date (insert or replace) and records the change with
 * source ("edit" or "import") in the history. */
int store_workcal_set(struct store_tx *tx, const struct workcal_row *r, const char *source);
/* Deletes the row of date (the day reverts to the plain week) and records
 * it; STORE_NOTFOUND when the date has no row. */
int store_workcal_delete(struct store_tx *tx, const char *date, int64_t by, int64_t at_ms);
/* The number of changes recorded for date (tests, the page's "history"). */
int store_workcal_changes(struct store_tx *tx, const char *date, int64_t *n);

#endif
