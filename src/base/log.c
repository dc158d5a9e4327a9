/*
 * log.c — stderr logging (see log.h). Level and access switch are atomics so
 * any thread may log while main changes them.
 */
#include "base/log.h"

#include <stdarg.h>
#include <stdatomic.h>

#include "base/clock.h"

static atomic_int min_level = LOG_INFO;
static atomic_int access_on = 1;

void log_set_level(enum log_level lvl)
{
    atomic_store(&min_level, (int)lvl);
}

void log_set_access(int on)
{
    atomic_store(&access_on, on);
}

int log_access_enabled(void)
{
    return atomic_load_explicit(&access_on, memory_order_relaxed);
}

static void log_v(const char *lvl, const char *fmt, va_list ap)
{
    char ts[25];
    char line[2048];
    clock_format_rfc3339(clock_now_ms(), ts);
    int n = snprintf(line, sizeof(line), "%s %s ", ts, lvl);
    if (n < 0 || (size_t)n >= sizeof(line))
        return;
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    if (m < 0)
        return;
    size_t len = (size_t)n + (size_t)m;
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    line[len] = '\0';
    fputs(line, stderr);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
    static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    if ((int)lvl < atomic_load_explicit(&min_level, memory_order_relaxed))
        return;
    va_list ap;
    va_start(ap, fmt);
    log_v(names[lvl], fmt, ap);
    va_end(ap);
}

void log_bug(const char *file, int line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "BUG at %s:%d: %s\n", file, line, msg);
    abort();
}
