/*
 * redflags_num.c — the numeric conventions the red flags share with Cardinal
 * (redflags.h): the statrs quantile, serde_json's way of writing a double, and
 * chrono's RFC 3339 dates. Pure functions, thread-safe.
 *
 * Quantile (statrs 0.16 OrderStatistics::quantile; Hyndman & Fan type 8):
 *
 *     h  = (n + 1/3) tau + 1/3            x(1) <= ... <= x(n), 1-based
 *     hf = floor(h)
 *     hf <= 0 or tau = 0   ->  x(1)
 *     hf >= n or tau = 1   ->  x(n)
 *     otherwise            ->  x(hf) + (h - hf) (x(hf+1) - x(hf))
 *
 * e.g. Q1 of {0, 0, 100, 100, 100, 100, 100, 100, 100}: h = 2.6667, so
 * 0 + 0.6667 * 100 = 66.6667; Q3: h = 7.3333, so 100.
 *
 * Doubles are written as serde_json writes them (ryu): the shortest decimal
 * that reads back to the same double, as "123.0" or "0.25" when the decimal
 * point falls within 16 digits of the first digit (or up to 5 zeros after
 * it), in exponent form ("1e21", "1.5e-7") otherwise; non-finite values are
 * null, as serde_json makes them.
 */
#include "analytics/redflags.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Total order with NaN last, so a NaN ratio (a zero winning bid over a zero
 * second bid) cannot break the sort. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    if (isnan(x) || isnan(y))
        return isnan(x) - isnan(y);
    return (x > y) - (x < y);
}

double redflags_quantile(double *v, size_t n, double tau)
{
    if (!(tau >= 0.0 && tau <= 1.0) || n == 0)
        return NAN;
    qsort(v, n, sizeof(*v), cmp_double);
    double h = ((double)n + 1.0 / 3.0) * tau + 1.0 / 3.0;
    int64_t hf = (int64_t)h;
    if (hf <= 0 || tau == 0.0)
        return v[0];
    if (hf >= (int64_t)n || fabs(tau - 1.0) <= DBL_EPSILON)
        return v[n - 1];
    double a = v[hf - 1], b = v[hf];
    return a + (h - (double)hf) * (b - a);
}

void redflags_format_double(double v, char out[32])
{
    if (!isfinite(v)) {
        memcpy(out, "null", 5);
        return;
    }
    if (v == 0.0) {
        memcpy(out, signbit(v) ? "-0.0" : "0.0", signbit(v) ? 5 : 4);
        return;
    }
    /* The shortest %e form that reads back exactly. */
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    char digits[24];
    size_t nd = 0;
    const char *p = tmp;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    for (; *p != 'e' && *p != '\0'; p++)
        if (*p >= '0' && *p <= '9' && nd < sizeof(digits) - 1)
            digits[nd++] = *p;
    digits[nd] = '\0';
    long exp10 = *p == 'e' ? strtol(p + 1, NULL, 10) : 0;
    while (nd > 1 && digits[nd - 1] == '0') /* never at minimal precision; safe */
        digits[--nd] = '\0';

    /* kk: the position of the decimal point relative to the first digit. */
    long kk = exp10 + 1;
    long len = (long)nd;
    char *o = out;
    if (neg)
        *o++ = '-';
    if (kk >= len && kk <= 16) {
        memcpy(o, digits, nd);
        o += nd;
        for (long i = len; i < kk; i++)
            *o++ = '0';
        memcpy(o, ".0", 3);
    } else if (kk > 0 && kk <= 16) {
        memcpy(o, digits, (size_t)kk);
        o += kk;
        *o++ = '.';
        memcpy(o, digits + kk, nd - (size_t)kk + 1);
    } else if (kk > -5 && kk <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (long i = kk; i < 0; i++)
            *o++ = '0';
        memcpy(o, digits, nd + 1);
    } else {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, nd - 1);
            o += nd - 1;
        }
        char e[24];
        int en = snprintf(e, sizeof(e), "e%ld", kk - 1);
        memcpy(o, e, (size_t)en + 1); /* at most "e-324" */
    }
}

/* Reads exactly n decimal digits. */
static bool digits_at(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

bool redflags_parse_rfc3339(const char *s, size_t n, int64_t *secs, int32_t *nanos)
{
    /* YYYY-MM-DDTHH:MM:SS[.F+](Z|+HH:MM|-HH:MM); 'T' may be 't' or ' ',
     * 'Z' may be 'z'; a leap second (:60) is accepted. */
    int y, mo, d, h, mi, se;
    if (n < 20 || !digits_at(s, 4, &y) || s[4] != '-' || !digits_at(s + 5, 2, &mo) || s[7] != '-' ||
        !digits_at(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !digits_at(s + 11, 2, &h) || s[13] != ':' || !digits_at(s + 14, 2, &mi) || s[16] != ':' ||
        !digits_at(s + 17, 2, &se))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60)
        return false;
    size_t i = 19;
    int32_t ns = 0;
    if (i < n && s[i] == '.') {
        i++;
        size_t start = i;
        int32_t scale = 100000000;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            ns += (int32_t)(s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start)
            return false;
    }
    if (i >= n)
        return false;
    int64_t off = 0;
    if (s[i] == 'Z' || s[i] == 'z') {
        i++;
    } else if (s[i] == '+' || s[i] == '-') {
        int oh, om;
        if (n - i < 6 || !digits_at(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
            !digits_at(s + i + 4, 2, &om) || oh > 23 || om > 59)
            return false;
        off = (int64_t)(oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return false;
    }
    if (i != n)
        return false;
    *secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
    *nanos = ns;
    return true;
}
