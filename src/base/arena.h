/*
 * arena.h — per-request memory: allocate freely, free everything at once.
 *
 * An arena is a chain of blocks. Allocations are bump-pointer, 16-byte
 * aligned, and live until arena_release(). Every arena has a hard maximum of
 * bytes it may hand out; past it arena_alloc() returns NULL, which callers
 * treat as "request too large" rather than a crash. Not thread-safe: one
 * arena belongs to one request, which belongs to one thread at a time.
 */
#ifndef SUNBID_ARENA_H
#define SUNBID_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *head; /* newest block; allocations come from it */
    size_t used;              /* bytes handed out so far, all blocks */
    size_t max;               /* hard cap on `used`; 0 means 64 MiB */
};

void arena_init(struct arena *a, size_t max);                  /* caller's storage */
void *arena_alloc(struct arena *a, size_t n);                  /* NULL past max/OOM */
void *arena_calloc(struct arena *a, size_t n);                 /* zeroed */
char *arena_strndup(struct arena *a, const char *s, size_t n); /* NUL-terminated */
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_release(struct arena *a); /* frees every block; arena reusable */

#endif
