/*
 * domain/session_cache.c — resolved sessions for SESSION_CACHE_TTL_MS (see
 * session_cache.h for the bound and what is cached).
 *
 * Owns: one static table of SESSION_CACHE_SLOTS entries, direct-mapped by
 * the first 64 bits of the token hash, guarded by STRIPES mutexes (slot i
 * under stripe i % STRIPES), and an atomic generation bumped by every
 * invalidation. Invalidations scan the whole table (they are rare: logout,
 * password change).
 *
 * Invariant: a served entry was read from the store at most
 * SESSION_CACHE_TTL_MS ago, after the last in-process invalidation of its
 * session or user (put refuses when the generation moved since the read
 * began), and before the session's expiry.
 */
#include "domain/session_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define STRIPES 64

struct sc_entry {
    const void *store;   /* which store resolved it (NULL: empty slot) */
    char token_hash[65]; /* the key: SHA-256 hex of the token */
    int64_t until_ms;    /* served while now < until_ms */
    int64_t session_id;  /* sessions.id */
    int64_t user_id;     /* users.id */
    int64_t org_id;      /* the user's organisation (0: none) */
    int64_t created_ms;  /* the session's */
    int64_t expires_ms;  /* the session's */
    unsigned roles;      /* ROLE_* bits */
    char kind[16];       /* "cookie" or "bearer" */
    char csrf[96];       /* the session's CSRF token ("" when none) */
    char username[96];   /* the login name */
    bool has_csrf;       /* csrf was not NULL */
};

static struct sc_entry table[SESSION_CACHE_SLOTS];
static pthread_mutex_t stripe[STRIPES];
static pthread_once_t stripe_once = PTHREAD_ONCE_INIT;
static atomic_uint_least64_t generation = 1;

static void stripes_init(void)
{
    for (int s = 0; s < STRIPES; s++)
        pthread_mutex_init(&stripe[s], NULL);
}

static void lock(size_t s)
{
    pthread_once(&stripe_once, stripes_init);
    pthread_mutex_lock(&stripe[s % STRIPES]);
}

static void unlock(size_t s)
{
    pthread_mutex_unlock(&stripe[s % STRIPES]);
}

static size_t slot_of(const char *token_hash)
{
    uint64_t h = 0;
    for (int i = 0; i < 16 && token_hash[i]; i++) {
        char c = token_hash[i];
        unsigned v = c >= '0' && c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
        h = h << 4 | (v & 0xf);
    }
    return (size_t)(h & (SESSION_CACHE_SLOTS - 1));
}

static bool fits(const char *s, size_t cap)
{
    return s == NULL || strlen(s) < cap;
}

uint64_t session_cache_gen(void)
{
    return atomic_load(&generation);
}

bool session_cache_get(const void *store, const char *token_hash, int64_t now_ms, struct arena *a,
                       struct session *sess, struct user *user)
{
    size_t i = slot_of(token_hash);
    struct sc_entry e;
    bool hit = false;
    lock(i);
    struct sc_entry *x = &table[i];
    if (x->store != NULL && x->store == store && strcmp(x->token_hash, token_hash) == 0) {
        if (now_ms < x->until_ms) {
            e = *x;
            hit = true;
        } else {
            memset(x, 0, sizeof(*x)); /* stale: gone */
        }
    }
    unlock(i);
    if (!hit)
        return false;
    memset(sess, 0, sizeof(*sess));
    memset(user, 0, sizeof(*user));
    sess->id = e.session_id;
    sess->user_id = e.user_id;
    sess->kind = arena_strdup(a, e.kind);
    sess->csrf_token = e.has_csrf ? arena_strdup(a, e.csrf) : NULL;
    sess->created_ms = e.created_ms;
    sess->expires_ms = e.expires_ms;
    user->id = e.user_id;
    user->username = arena_strdup(a, e.username);
    user->org_id = e.org_id;
    user->roles = e.roles;
    if (sess->kind == NULL || user->username == NULL || (e.has_csrf && sess->csrf_token == NULL))
        return false; /* arena full: the caller reads the store */
    return true;
}

void session_cache_put(const void *store, const char *token_hash, int64_t now_ms, uint64_t gen,
                       const struct session *sess, const struct user *user)
{
    if (store == NULL || token_hash == NULL || strlen(token_hash) != 64 || user->disabled ||
        !fits(sess->kind, sizeof(((struct sc_entry *)0)->kind)) ||
        !fits(sess->csrf_token, sizeof(((struct sc_entry *)0)->csrf)) || user->username == NULL ||
        !fits(user->username, sizeof(((struct sc_entry *)0)->username)))
        return;
    int64_t until = now_ms + SESSION_CACHE_TTL_MS;
    if (sess->expires_ms < until)
        until = sess->expires_ms;
    if (until <= now_ms)
        return;
    size_t i = slot_of(token_hash);
    lock(i);
    /* checked under the stripe: an invalidation bumps the generation before
     * it scans, so either it sees this entry or this sees its bump */
    if (atomic_load(&generation) == gen) {
        struct sc_entry *x = &table[i];
        memset(x, 0, sizeof(*x));
        x->store = store;
        memcpy(x->token_hash, token_hash, 65);
        x->until_ms = until;
        x->session_id = sess->id;
        x->user_id = user->id;
        x->org_id = user->org_id;
        x->created_ms = sess->created_ms;
        x->expires_ms = sess->expires_ms;
        x->roles = user->roles;
        snprintf(x->kind, sizeof x->kind, "%s", sess->kind ? sess->kind : "");
        x->has_csrf = sess->csrf_token != NULL;
        snprintf(x->csrf, sizeof x->csrf, "%s", sess->csrf_token ? sess->csrf_token : "");
        snprintf(x->username, sizeof x->username, "%s", user->username);
    }
    unlock(i);
}

/* Empties the slots that match (by session, by user, or all). */
static void forget(int64_t session_id, int64_t user_id, bool all)
{
    atomic_fetch_add(&generation, 1);
    for (int s = 0; s < STRIPES; s++) {
        lock((size_t)s);
        for (size_t i = (size_t)s; i < SESSION_CACHE_SLOTS; i += STRIPES) {
            struct sc_entry *x = &table[i];
            if (x->store != NULL && (all || (session_id != 0 && x->session_id == session_id) ||
                                     (user_id != 0 && x->user_id == user_id)))
                memset(x, 0, sizeof(*x));
        }
        unlock((size_t)s);
    }
}

void session_cache_forget_session(int64_t session_id)
{
    forget(session_id, 0, false);
}

void session_cache_forget_user(int64_t user_id)
{
    forget(0, user_id, false);
}

void session_cache_clear(void)
{
    forget(0, 0, true);
}

int session_cache_count(void)
{
    int n = 0;
    for (int s = 0; s < STRIPES; s++) {
        lock((size_t)s);
        for (size_t i = (size_t)s; i < SESSION_CACHE_SLOTS; i += STRIPES)
            n += table[i].store != NULL;
        unlock((size_t)s);
    }
    return n;
}
