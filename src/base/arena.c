/*
 * arena.c — bump allocator over a chain of malloc'd blocks (see arena.h).
 * Blocks grow geometrically from 4 KiB to 1 MiB; an allocation bigger than a
 * block gets a block of its own. Owned by one thread at a time.
 */
#include "base/arena.h"

#include <stdarg.h>
#include <stdint.h>

struct arena_block {
    struct arena_block *next; /* older block */
    size_t size;              /* usable bytes in data[] */
    size_t off;               /* next free offset in data[] */
    _Alignas(16) unsigned char data[];
};

#define ARENA_DEFAULT_MAX ((size_t)64 << 20)
#define ARENA_MIN_BLOCK   4096
#define ARENA_MAX_BLOCK   ((size_t)1 << 20)

void arena_init(struct arena *a, size_t max)
{
    a->head = NULL;
    a->used = 0;
    a->max = max ? max : ARENA_DEFAULT_MAX;
}

void *arena_alloc(struct arena *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n || need > a->max - a->used || a->used > a->max)
        return NULL;
    struct arena_block *b = a->head;
    if (b == NULL || b->size - b->off < need) {
        size_t size = b ? b->size * 2 : ARENA_MIN_BLOCK;
        if (size > ARENA_MAX_BLOCK)
            size = ARENA_MAX_BLOCK;
        if (size < need)
            size = need;
        struct arena_block *nb = malloc(sizeof(*nb) + size);
        if (nb == NULL)
            return NULL;
        nb->size = size;
        nb->off = 0;
        /* A one-off big block goes behind the head so the head keeps serving. */
        if (b != NULL && size == need && b->size - b->off > 256) {
            nb->next = b->next;
            b->next = nb;
            nb->off = need;
            a->used += need;
            return nb->data;
        }
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->data + b->off;
    b->off += need;
    a->used += need;
    return p;
}

void *arena_calloc(struct arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p != NULL)
        memset(p, 0, n);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (p == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void arena_release(struct arena *a)
{
    struct arena_block *b = a->head;
    while (b != NULL) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
}
