/*
 * clock.h — the one source of wall-clock time in sunbid.
 *
 * Every deadline, timestamp and expiry is decided by clock_now_ms(). Nothing
 * else in src/ may call time(), gettimeofday() or clock_gettime(CLOCK_REALTIME).
 * The process starts on the system clock; tests (and `serve --clock-file`,
 * used by integration tests to move time in a running server) install a
 * manual clock they move by hand. Thread-safe: the manual time is an atomic.
 *
 * clock_mono_ns() is a monotonic clock for measuring durations (timeouts,
 * latency); it is never a timestamp.
 */
#ifndef SUNBID_CLOCK_H
#define SUNBID_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t clock_now_ms(void);  /* milliseconds since the Unix epoch, UTC */
int64_t clock_mono_ns(void); /* monotonic nanoseconds, arbitrary origin */

/* Switch to a manual clock starting at `ms`; later calls move it. */
void clock_manual(int64_t ms);
void clock_manual_set(int64_t ms);
void clock_manual_advance(int64_t delta_ms);
void clock_system(void); /* back to the system clock */
int clock_is_manual(void);

/* Formats ms as RFC 3339 UTC with milliseconds: 2026-11-29T06:09:43.123Z.
 * out must hold 25 bytes. */
void clock_format_rfc3339(int64_t ms, char out[25]);
/* Formats ms as an HTTP date (RFC 9110 IMF-fixdate). out must hold 30 bytes. */
void clock_format_http(int64_t ms, char out[30]);

#endif
