/*
 * hash.h — FNV-1a, for hash tables keyed by bytes (statement caches) and for
 * stable small keys (lease names). Not for anything an attacker may choose to
 * collide at scale, and never for security.
 */
#ifndef SUNBID_HASH_H
#define SUNBID_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A64_SEED 14695981039346656037ULL

/* Continues a 64-bit FNV-1a hash h over n bytes at p. */
static inline uint64_t hash_fnv1a64(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* 32-bit FNV-1a of a NUL-terminated string. */
static inline uint32_t hash_fnv1a32(const char *s)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return h;
}

#endif
