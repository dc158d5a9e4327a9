/*
 * domain/workcal.c — the working-day calendar: day arithmetic in China
 * time, working or not, statutory periods, and the import file's reader
 * (domain/workcal.h has the rules).
 *
 * Dates convert to day numbers by the proleptic Gregorian count of days
 * (eras of 400 years, years starting in March so the leap day is last);
 * only 2000..2199 are accepted, so every value stays small.
 *
 * A period walks day by day. The calendar's rows are read a window of
 * WINDOW days at a time (one query each): a 1,000-working-day period reads
 * four windows. Threads: any.
 */
#include "domain/workcal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/utf8.h"
#include "domain/accounts.h"

#define WINDOW 400 /* days of calendar rows read by one query */

/* ---- days ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t workcal_day_of_ms(int64_t ms)
{
    if (ms > INT64_MAX - WORKCAL_TZ_MS)
        ms = INT64_MAX - WORKCAL_TZ_MS; /* far out of range anyway; no overflow */
    return floor_div(ms + WORKCAL_TZ_MS, WORKCAL_DAY_MS);
}

int64_t workcal_day_start_ms(int64_t day)
{
    return day * WORKCAL_DAY_MS - WORKCAL_TZ_MS;
}

int64_t workcal_day_end_ms(int64_t day)
{
    return workcal_day_start_ms(day + 1);
}

int workcal_weekday(int64_t day)
{
    /* 1970-01-01 was a Thursday (4) */
    int64_t w = (day + 4) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int month_days(int y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : len[m - 1];
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool workcal_parse_date(const char *s, size_t len, int64_t *day)
{
    int y, m, d;
    if (!s || len != WORKCAL_DATE_LEN || s[4] != '-' || s[7] != '-')
        return false;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
        return false;
    if (y < WORKCAL_FIRST_YEAR || y > WORKCAL_LAST_YEAR || m < 1 || m > 12 || d < 1 ||
        d > month_days(y, m))
        return false;
    *day = days_from_civil(y, m, d);
    return true;
}

void workcal_format_date(int64_t day, char out[WORKCAL_DATE_LEN + 1])
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    if (y < 0 || y > 9999)
        y = m = d = 0;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

bool workcal_working(int weekday, char kind, enum workcal_why *why)
{
    enum workcal_why w;
    if (kind == 'h')
        w = WORKCAL_HOLIDAY;
    else if (kind == 'w')
        w = WORKCAL_WORKDAY;
    else
        w = weekday == 0 || weekday == 6 ? WORKCAL_WEEKEND : WORKCAL_WEEKDAY;
    if (why)
        *why = w;
    return w == WORKCAL_WEEKDAY || w == WORKCAL_WORKDAY;
}

const char *workcal_why_name(enum workcal_why why)
{
    switch (why) {
    case WORKCAL_WEEKDAY:
        return "weekday";
    case WORKCAL_WEEKEND:
        return "weekend";
    case WORKCAL_HOLIDAY:
        return "holiday";
    case WORKCAL_WORKDAY:
        return "workday";
    }
    return "weekday";
}

static int64_t first_day(void)
{
    return days_from_civil(WORKCAL_FIRST_YEAR, 1, 1);
}

static int64_t last_day(void)
{
    return days_from_civil(WORKCAL_LAST_YEAR, 12, 31);
}

/* ---- the calendar's rows, a window at a time ---- */

struct window {
    struct store_tx *tx;
    int64_t first;                           /* first day held */
    int n;                                   /* days held; 0: none yet */
    char kind[WINDOW];                       /* 'h', 'w' or 0 per day */
    char name[WINDOW][WORKCAL_NAME_MAX + 1]; /* only when names is set */
    bool names;                              /* keep names (listings) */
    struct workcal_row rows[WINDOW];         /* one query's rows */
};

static enum err window_load(struct window *w, int64_t from)
{
    char a[WORKCAL_DATE_LEN + 1], b[WORKCAL_DATE_LEN + 1];
    int n = 0;
    workcal_format_date(from, a);
    workcal_format_date(from + WINDOW - 1, b);
    int rc = store_workcal_days(w->tx, a, b, w->rows, WINDOW, &n);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    memset(w->kind, 0, sizeof w->kind);
    w->first = from;
    w->n = WINDOW;
    for (int i = 0; i < n; i++) {
        int64_t d;
        if (!workcal_parse_date(w->rows[i].date, strlen(w->rows[i].date), &d) || d < from ||
            d >= from + WINDOW)
            continue; /* a row the API would never have written */
        w->kind[d - from] = w->rows[i].kind;
        if (w->names)
            memcpy(w->name[d - from], w->rows[i].name, sizeof w->name[0]);
    }
    return ERR_OK;
}

/* *kind gets the row kind of day ('h', 'w' or 0); idx its index. */
static enum err window_kind(struct window *w, int64_t day, char *kind, int *idx)
{
    if (w->n == 0 || day < w->first || day >= w->first + w->n) {
        enum err e = window_load(w, day);
        if (e != ERR_OK)
            return e;
    }
    *idx = (int)(day - w->first);
    *kind = w->kind[*idx];
    return ERR_OK;
}

/* The window is large (~65 KB): heap, never the stack. */

static struct window *window_new(struct store_tx *tx, bool names)
{
    struct window *w = calloc(1, sizeof *w);
    if (w) {
        w->tx = tx;
        w->names = names;
    }
    return w;
}

enum err workcal_is_working_day(struct store_tx *tx, int64_t at_ms, bool *working)
{
    int64_t day = workcal_day_of_ms(at_ms);
    if (day < first_day() || day > last_day())
        return ERR_INVALID_FIELD;
    struct workcal_row row[1];
    char date[WORKCAL_DATE_LEN + 1];
    int n = 0;
    workcal_format_date(day, date);
    int rc = store_workcal_days(tx, date, date, row, 1, &n);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    *working = workcal_working(workcal_weekday(day), n == 1 ? row[0].kind : 0, NULL);
    return ERR_OK;
}

enum err workcal_days(struct store_tx *tx, int64_t from, int64_t to, struct workcal_day *out,
                      int max, int *n)
{
    *n = 0;
    if (from < first_day() || to > last_day() || to < from || to - from + 1 > WORKCAL_MAX_RANGE ||
        to - from + 1 > max)
        return ERR_INVALID_FIELD;
    struct window *w = window_new(tx, true);
    if (!w)
        return ERR_INTERNAL;
    enum err e = ERR_OK;
    for (int64_t d = from; d <= to; d++) {
        char kind;
        int idx;
        e = window_kind(w, d, &kind, &idx);
        if (e != ERR_OK)
            break;
        struct workcal_day *o = &out[*n];
        o->day = d;
        workcal_format_date(d, o->date);
        o->weekday = workcal_weekday(d);
        o->working = workcal_working(o->weekday, kind, &o->why);
        if (kind)
            memcpy(o->name, w->name[idx], sizeof o->name);
        else
            o->name[0] = '\0';
        (*n)++;
    }
    free(w);
    return e;
}

/* ---- periods, on a calendar loaded once ----
 *
 * A workcal_cal holds the row kind of every day of [first, first + n): a
 * list of due days (award's bond and contract lists) loads the days its
 * periods span once, in one query per WINDOW days, and counts each period
 * in memory. A day outside is read when a period reaches it: the range
 * grows to cover it (only the new days are read), or, when that would make
 * it larger than CAL_MAX days, starts again at that day. workcal_due is the
 * one-shot case: nothing loaded, the first day it needs reads a WINDOW. */

#define CAL_MAX (4 * WORKCAL_MAX_SPAN) /* days one workcal_cal holds at most */

struct workcal_cal {
    struct store_tx *tx;
    int64_t first;                   /* first day held */
    int64_t n;                       /* days held; 0: none yet */
    char *kind;                      /* [n]: 'h', 'w' or 0 per day */
    struct workcal_row rows[WINDOW]; /* one query's rows */
};

/* Reads the rows of days [from, to) into c->kind (indexed from c->first). */
static enum err cal_read(struct workcal_cal *c, int64_t from, int64_t to)
{
    for (int64_t at = from; at < to; at += WINDOW) {
        char a[WORKCAL_DATE_LEN + 1], b[WORKCAL_DATE_LEN + 1];
        int64_t last = at + WINDOW < to ? at + WINDOW - 1 : to - 1;
        int n = 0;
        workcal_format_date(at, a);
        workcal_format_date(last, b);
        int rc = store_workcal_days(c->tx, a, b, c->rows, WINDOW, &n);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        for (int i = 0; i < n; i++) {
            int64_t d;
            if (!workcal_parse_date(c->rows[i].date, strlen(c->rows[i].date), &d) || d < at ||
                d > last)
                continue; /* a row the API would never have written */
            c->kind[d - c->first] = c->rows[i].kind;
        }
    }
    return ERR_OK;
}

/* Makes c hold [from, to) as well as what it holds (or only that when the
 * union would pass CAL_MAX days), reading only the days it did not hold. */
static enum err cal_cover(struct workcal_cal *c, int64_t from, int64_t to)
{
    int64_t end = c->first + c->n;
    if (c->n > 0 && from >= c->first && to <= end)
        return ERR_OK;
    int64_t nf = c->n > 0 && c->first < from ? c->first : from;
    int64_t ne = c->n > 0 && end > to ? end : to;
    if (c->n == 0 || ne - nf > CAL_MAX) {
        c->n = 0; /* start again */
        nf = from;
        ne = to;
    }
    char *k = calloc((size_t)(ne - nf), 1);
    if (k == NULL)
        return ERR_INTERNAL;
    if (c->n > 0)
        memcpy(k + (c->first - nf), c->kind, (size_t)c->n);
    free(c->kind);
    c->kind = k;
    int64_t of = c->first, oe = end, had = c->n;
    c->first = nf;
    c->n = ne - nf;
    if (had == 0)
        return cal_read(c, nf, ne);
    enum err e = nf < of ? cal_read(c, nf, of) : ERR_OK;
    if (e == ERR_OK && ne > oe)
        e = cal_read(c, oe, ne);
    return e;
}

static enum err cal_working(struct workcal_cal *c, int64_t day, bool *working)
{
    if (c->n == 0 || day < c->first || day >= c->first + c->n) {
        enum err e = cal_cover(c, day, day + WINDOW);
        if (e != ERR_OK) {
            c->n = 0;
            return e;
        }
    }
    *working = workcal_working(workcal_weekday(day), c->kind[day - c->first], NULL);
    return ERR_OK;
}

static struct workcal_cal *cal_new(struct store_tx *tx)
{
    struct workcal_cal *c = calloc(1, sizeof *c);
    if (c)
        c->tx = tx;
    return c;
}

enum err workcal_load(struct store_tx *tx, int64_t from, int64_t to, struct workcal_cal **out)
{
    *out = cal_new(tx);
    if (*out == NULL)
        return ERR_INTERNAL;
    if (from < first_day())
        from = first_day();
    if (to > last_day())
        to = last_day();
    if (to - from + 1 > CAL_MAX)
        to = from + CAL_MAX - 1;
    enum err e = from <= to ? cal_cover(*out, from, to + 1) : ERR_OK;
    if (e != ERR_OK) {
        workcal_free(*out);
        *out = NULL;
    }
    return e;
}

void workcal_free(struct workcal_cal *c)
{
    if (c != NULL) {
        free(c->kind);
        free(c);
    }
}

enum err workcal_due_in(struct workcal_cal *c, int64_t from_ms, int n, enum workcal_count kind,
                        int64_t *due_ms)
{
    int64_t start = workcal_day_of_ms(from_ms);
    if (n < 1 || n > WORKCAL_MAX_N || start < first_day() || start > last_day() ||
        (kind != WORKCAL_CALENDAR_DAYS && kind != WORKCAL_WORKING_DAYS))
        return ERR_INVALID_FIELD;
    enum err e = ERR_OK;
    int64_t limit = start + WORKCAL_MAX_SPAN, day = start;
    bool working = false;
    if (limit > last_day())
        limit = last_day();
    if (kind == WORKCAL_CALENDAR_DAYS) {
        /* art. 201: the starting day is not counted; art. 203: a last day
         * that rests moves to the first working day after it */
        day = start + n;
        while (e == ERR_OK && day <= limit) {
            e = cal_working(c, day, &working);
            if (e != ERR_OK || working)
                break;
            day++;
        }
    } else {
        int counted = 0;
        while (e == ERR_OK && counted < n && day < limit) {
            day++;
            e = cal_working(c, day, &working);
            if (e == ERR_OK && working)
                counted++;
        }
        if (e == ERR_OK && counted < n)
            working = false;
    }
    if (e != ERR_OK)
        return e;
    if (!working)
        return ERR_CALENDAR_NO_WORKING_DAY;
    *due_ms = workcal_day_end_ms(day);
    return ERR_OK;
}

enum err workcal_due(struct store_tx *tx, int64_t from_ms, int n, enum workcal_count kind,
                     int64_t *due_ms)
{
    struct workcal_cal *c = cal_new(tx);
    if (!c)
        return ERR_INTERNAL;
    enum err e = workcal_due_in(c, from_ms, n, kind, due_ms);
    workcal_free(c);
    return e;
}

/* ---- checks and the import file ---- */

/* Whether name (len bytes) is valid UTF-8 without control characters. */
static bool name_ok(const char *name, size_t len)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t i = 0;
    if (len > WORKCAL_NAME_MAX)
        return false;
    while (i < len) {
        size_t k = utf8_seq(s + i, len - i);
        if (k == 0 || (k == 1 && (s[i] < 0x20 || s[i] == 0x7f)))
            return false;
        i += k;
    }
    return true;
}

/* 'h', 'w', or 0 for a kind that is neither. */
static char kind_of(const char *s, size_t len)
{
    if ((len == 7 && memcmp(s, "holiday", 7) == 0) || (len == 3 && memcmp(s, "休", 3) == 0))
        return 'h';
    if ((len == 7 && memcmp(s, "workday", 7) == 0) || (len == 3 && memcmp(s, "班", 3) == 0))
        return 'w';
    return 0;
}

enum err workcal_check(const char *date, const char *kind, const char *name,
                       struct workcal_row *out, const char **why)
{
    int64_t day;
    const char *field = NULL;
    memset(out, 0, sizeof *out);
    if (!date || !workcal_parse_date(date, strlen(date), &day))
        field = "date";
    else if (!kind || kind_of(kind, strlen(kind)) == 0)
        field = "kind";
    else if (name && !name_ok(name, strlen(name)))
        field = "name";
    if (why)
        *why = field;
    if (field)
        return strcmp(field, "date") == 0 ? ERR_CALENDAR_DATE_INVALID : ERR_INVALID_FIELD;
    out->kind = kind_of(kind, strlen(kind));
    workcal_format_date(day, out->date);
    if (name)
        memcpy(out->name, name, strlen(name) + 1);
    return ERR_OK;
}

/* One CSV field from *p (end e): plain or double-quoted ("" is a quote).
 * The unquoted value goes to out (cap bytes with its NUL); *len its
 * length. Returns false on a malformed or too long field. Stops at a
 * comma (consumed, *more set) or at the end of the line. */
static bool csv_field(const char **p, const char *e, char *out, size_t cap, size_t *len, bool *more)
{
    const char *s = *p;
    size_t n = 0;
    *more = false;
    if (s < e && *s == '"') {
        s++;
        for (;;) {
            if (s >= e)
                return false; /* unterminated */
            if (*s == '"') {
                if (s + 1 < e && s[1] == '"') {
                    s++;
                } else {
                    s++;
                    break;
                }
            }
            if (n + 1 >= cap)
                return false;
            out[n++] = *s++;
        }
        if (s < e && *s != ',')
            return false; /* text after the closing quote */
    } else {
        while (s < e && *s != ',') {
            if (*s == '"' || n + 1 >= cap)
                return false;
            out[n++] = *s++;
        }
    }
    if (s < e && *s == ',') {
        s++;
        *more = true;
    }
    out[n] = '\0';
    *len = n;
    *p = s;
    return true;
}

static enum err csv_fail(int *line, int at, char *msg, size_t msglen, const char *why)
{
    *line = at;
    snprintf(msg, msglen, "%s", why);
    return ERR_CALENDAR_FILE_INVALID;
}

enum err workcal_csv_parse(const char *data, size_t len, struct workcal_row *rows, int max, int *n,
                           int *line, char *msg, size_t msglen)
{
    const char *p = data, *end = data + len;
    int at = 0;
    bool header = false;
    *n = 0;
    *line = 0;
    if (msglen)
        msg[0] = '\0';
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        at++;
        if (e > p && e[-1] == '\r')
            e--;
        const char *s = p;
        p = nl ? nl + 1 : end;
        if (memchr(s, '\0', (size_t)(e - s)))
            return csv_fail(line, at, msg, msglen, "a NUL byte");
        if (e == s)
            continue; /* blank line */
        char f[3][WORKCAL_NAME_MAX * 2 + 2];
        size_t fl[3] = {0, 0, 0};
        int nf = 0;
        bool more = true;
        while (more) {
            if (nf == 3)
                return csv_fail(line, at, msg, msglen, "more than 3 fields");
            if (!csv_field(&s, e, f[nf], sizeof f[nf], &fl[nf], &more))
                return csv_fail(line, at, msg, msglen, "a malformed or too long field");
            nf++;
        }
        if (!header) {
            if (nf != 3 || strcmp(f[0], "date") != 0 || strcmp(f[1], "kind") != 0 ||
                strcmp(f[2], "name") != 0)
                return csv_fail(line, at, msg, msglen, "the header must be date,kind,name");
            header = true;
            continue;
        }
        if (nf < 2)
            return csv_fail(line, at, msg, msglen, "fewer than 2 fields");
        if (*n >= max)
            return csv_fail(line, at, msg, msglen, "too many rows");
        const char *why = NULL;
        struct workcal_row *r = &rows[*n];
        if (nf == 3 && strlen(f[2]) != fl[2])
            return csv_fail(line, at, msg, msglen, "a NUL byte");
        enum err e2 = workcal_check(f[0], f[1], nf == 3 ? f[2] : NULL, r, &why);
        if (e2 != ERR_OK) {
            char m[64];
            snprintf(m, sizeof m, "invalid %s", why ? why : "row");
            return csv_fail(line, at, msg, msglen, m);
        }
        for (int i = 0; i < *n; i++)
            if (strcmp(rows[i].date, r->date) == 0)
                return csv_fail(line, at, msg, msglen, "the date is already in the file");
        (*n)++;
    }
    if (!header)
        return csv_fail(line, 0, msg, msglen, "the file is empty");
    return ERR_OK;
}

/* ---- changes ---- */

/* The audit row's object id: the date as the number YYYYMMDD. */
static int64_t date_id(const char *date)
{
    int64_t v = 0;
    for (const char *p = date; *p; p++)
        if (*p >= '0' && *p <= '9')
            v = v * 10 + (*p - '0');
    return v;
}

struct set_job {
    const struct actor *who;
    const struct workcal_row *rows;
    int n;
    const char *source; /* edit import */
};

static enum err set_tx(struct store_tx *tx, void *arg)
{
    struct set_job *j = arg;
    char detail[200];
    int rc = STORE_OK;
    for (int i = 0; i < j->n && rc == STORE_OK; i++)
        rc = store_workcal_set(tx, &j->rows[i], j->source);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    bool import = strcmp(j->source, "import") == 0;
    if (!import)
        snprintf(detail, sizeof detail, "{\"kind\":\"%s\",\"source\":\"%s\"}",
                 j->rows[0].kind == 'w' ? "workday" : "holiday", j->source);
    else
        snprintf(detail, sizeof detail, "{\"rows\":%d,\"source\":\"%s\"}", j->n, j->source);
    rc = audit_record(tx, j->who, import ? "calendar.import" : "calendar.set", "calendar",
                      j->n >= 1 ? date_id(j->rows[0].date) : 0, detail);
    return rc == STORE_OK ? ERR_OK : domain_store_err(rc);
}

enum err workcal_set(struct store *s, const struct actor *who, const char *date, const char *kind,
                     const char *name, struct workcal_row *out, const char **why)
{
    enum err e = workcal_check(date, kind, name ? name : "", out, why);
    if (e != ERR_OK)
        return e;
    out->set_by = who ? who->user_id : 0;
    out->set_ms = clock_now_ms();
    struct set_job j = {.who = who, .rows = out, .n = 1, .source = "edit"};
    return domain_write(s, set_tx, &j);
}

struct delete_job {
    const struct actor *who;
    const char *date;
};

static enum err delete_tx(struct store_tx *tx, void *arg)
{
    struct delete_job *j = arg;
    int rc = store_workcal_delete(tx, j->date, j->who ? j->who->user_id : 0, clock_now_ms());
    if (rc == STORE_OK)
        rc = audit_record(tx, j->who, "calendar.delete", "calendar", date_id(j->date), NULL);
    if (rc == STORE_NOTFOUND)
        return ERR_NOT_FOUND;
    return rc == STORE_OK ? ERR_OK : domain_store_err(rc);
}

enum err workcal_delete(struct store *s, const struct actor *who, const char *date)
{
    int64_t day;
    char norm[WORKCAL_DATE_LEN + 1];
    if (!date || !workcal_parse_date(date, strlen(date), &day))
        return ERR_CALENDAR_DATE_INVALID;
    workcal_format_date(day, norm);
    struct delete_job j = {.who = who, .date = norm};
    return domain_write(s, delete_tx, &j);
}

enum err workcal_import(struct store *s, const struct actor *who, const char *data, size_t len,
                        int *n, char *msg, size_t msglen)
{
    int line = 0;
    char why[120];
    *n = 0;
    struct workcal_row *rows = calloc(WORKCAL_MAX_IMPORT, sizeof *rows);
    if (!rows)
        return ERR_INTERNAL;
    enum err e = workcal_csv_parse(data, len, rows, WORKCAL_MAX_IMPORT, n, &line, why, sizeof why);
    if (e != ERR_OK) {
        if (line > 0)
            snprintf(msg, msglen, "line %d: %s", line, why);
        else
            snprintf(msg, msglen, "%s", why);
        *n = 0;
        goto out;
    }
    if (*n == 0) {
        snprintf(msg, msglen, "the file has no rows");
        e = ERR_CALENDAR_FILE_INVALID;
        goto out;
    }
    int64_t now = clock_now_ms();
    for (int i = 0; i < *n; i++) {
        rows[i].set_by = who ? who->user_id : 0;
        rows[i].set_ms = now;
    }
    struct set_job j = {.who = who, .rows = rows, .n = *n, .source = "import"};
    e = domain_write(s, set_tx, &j);
    if (e != ERR_OK)
        *n = 0;
out:
    free(rows);
    return e;
}
