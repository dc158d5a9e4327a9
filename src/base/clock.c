/*
 * clock.c — system or manual wall clock (see clock.h). The manual clock is a
 * process-wide atomic so any thread may read it while a test moves it.
 */
#include "base/clock.h"

#include <stdatomic.h>
#include <time.h>

static atomic_int manual_on;
static atomic_llong manual_ms;

int64_t clock_now_ms(void)
{
    if (atomic_load_explicit(&manual_on, memory_order_acquire))
        return atomic_load_explicit(&manual_ms, memory_order_acquire);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void clock_manual(int64_t ms)
{
    atomic_store(&manual_ms, ms);
    atomic_store(&manual_on, 1);
}

void clock_manual_set(int64_t ms)
{
    atomic_store(&manual_ms, ms);
}

void clock_manual_advance(int64_t delta_ms)
{
    atomic_fetch_add(&manual_ms, delta_ms);
}

void clock_system(void)
{
    atomic_store(&manual_on, 0);
}

int clock_is_manual(void)
{
    return atomic_load(&manual_on);
}

void clock_format_rfc3339(int64_t ms, char out[25])
{
    time_t s = (time_t)(ms / 1000);
    int frac = (int)(ms % 1000);
    if (frac < 0) {
        frac += 1000;
        s -= 1;
    }
    struct tm tm;
    gmtime_r(&s, &tm);
    char tmp[80];
    snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    memcpy(out, tmp, 24);
    out[24] = '\0';
}

void clock_format_http(int64_t ms, char out[30])
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char mons[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char tmp[80];
    snprintf(tmp, sizeof(tmp), "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             mons[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    memcpy(out, tmp, 29);
    out[29] = '\0';
}
