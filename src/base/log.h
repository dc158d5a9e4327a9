/*
 * log.h — one line per event on stderr: "2026-11-29T06:09:43.123Z LEVEL msg".
 * Thread-safe (one fprintf per line, stderr is line-locked by stdio).
 * The access log (one line per request, with its request id) is written by
 * http/ through log_access().
 */
#ifndef SUNBID_LOG_H
#define SUNBID_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level lvl);
void log_set_access(int on); /* access log on/off (on by default) */
int log_access_enabled(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* BUG(): an impossible state. Logs where and aborts. */
#define BUG(...) log_bug(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void log_bug(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
