/*
 * lru.h — an intrusive doubly linked list kept in recency order, for caches
 * bounded by count (the store backends' prepared-statement caches). Embed a
 * struct lru_link in the cached entry; lru_entry() gets the entry back.
 *
 *     newest <-> ... <-> oldest      (link->newer points towards newest)
 *
 * Not thread-safe: a list belongs to one owner (one connection).
 */
#ifndef SUNBID_LRU_H
#define SUNBID_LRU_H

#include <stddef.h>

struct lru_link {
    struct lru_link *newer; /* towards the newest, NULL at the newest */
    struct lru_link *older; /* towards the oldest, NULL at the oldest */
};

struct lru_list {
    struct lru_link *newest; /* most recently used */
    struct lru_link *oldest; /* least recently used: evicted first */
};

#define lru_entry(link, type, member) ((type *)(void *)((char *)(link)-offsetof(type, member)))

static inline void lru_unlink(struct lru_list *l, struct lru_link *e)
{
    if (e->newer != NULL)
        e->newer->older = e->older;
    else
        l->newest = e->older;
    if (e->older != NULL)
        e->older->newer = e->newer;
    else
        l->oldest = e->newer;
    e->newer = e->older = NULL;
}

static inline void lru_push_newest(struct lru_list *l, struct lru_link *e)
{
    e->older = l->newest;
    e->newer = NULL;
    if (l->newest != NULL)
        l->newest->newer = e;
    l->newest = e;
    if (l->oldest == NULL)
        l->oldest = e;
}

/* Moves e to the newest end (a cache hit). */
static inline void lru_touch(struct lru_list *l, struct lru_link *e)
{
    lru_unlink(l, e);
    lru_push_newest(l, e);
}

#endif
