/*
 * buf.h — a growable byte buffer with a hard maximum (curl's dynbuf idea).
 *
 * The contents are always NUL-terminated (the NUL is not counted in len), so
 * a buf holding text can be passed as a C string. Every append either adds
 * all its bytes or none: past `max` it returns BUF_TOOBIG and leaves the
 * buffer as it was. Lifecycle: buf_init() on caller's storage, buf_release()
 * frees the contents. Not thread-safe.
 */
#ifndef SUNBID_BUF_H
#define SUNBID_BUF_H

#include <stdarg.h>
#include <stddef.h>

enum { BUF_OK = 0, BUF_NOMEM = -1, BUF_TOOBIG = -2 };

struct buf {
    char *data; /* heap bytes, NUL-terminated; NULL until first append */
    size_t len; /* bytes in use, not counting the NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* hard cap on len */
};

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_reset(struct buf *b); /* len = 0, keeps the allocation */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Takes the bytes out: returns the heap pointer (caller frees), buf is empty. */
char *buf_detach(struct buf *b, size_t *len);

#endif
