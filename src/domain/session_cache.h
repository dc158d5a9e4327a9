/*
 * domain/session_cache.h — a short-lived, bounded, in-process cache of
 * resolved sessions, keyed by the SHA-256 of the presented token.
 *
 * Why: every authenticated request resolved its session in the store (a read
 * transaction, two queries); on the bid path of a live auction that read was
 * the largest cost of a handler thread after the wait for the commit (on
 * SQLite in WAL mode each new read transaction after a commit re-reads
 * pages). auth_resolve() asks here first.
 *
 * Bound (the one guarantee a reader must know): an entry is served for at
 * most SESSION_CACHE_TTL_MS after it was read from the store, and never past
 * the session's own expiry. Within this process a logout or a password
 * change removes the entries at once (auth_logout, user_set_password call
 * session_cache_forget_*), and a store read that raced with such a removal is
 * not cached (a generation counter). A change made on ANOTHER node (logout,
 * password change, a user disabled or re-roled through the store) takes
 * effect here within SESSION_CACHE_TTL_MS.
 *
 * Only successful resolutions are cached, only the fields the HTTP layer
 * uses (session id, kind, CSRF token, times; user id, username, org, roles):
 * a cached struct user has password_hash, email, phone and display_name NULL.
 * Size: SESSION_CACHE_SLOTS entries, direct-mapped by the token hash (a
 * collision replaces the older entry; the full hash is compared on lookup).
 * Thread-safe (striped mutexes); callable from any thread.
 */
#ifndef SUNBID_DOMAIN_SESSION_CACHE_H
#define SUNBID_DOMAIN_SESSION_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/accounts.h"

#define SESSION_CACHE_TTL_MS 2000 /* the cross-node staleness bound */
#define SESSION_CACHE_SLOTS  4096 /* entries at most (power of two) */

/* The generation to pass to session_cache_put (read it BEFORE the store). */
uint64_t session_cache_gen(void);
/* A cached resolution of token_hash (64 hex chars) for store at now_ms:
 * fills sess and user (strings copied into a) and returns true. */
bool session_cache_get(const void *store, const char *token_hash, int64_t now_ms, struct arena *a,
                       struct session *sess, struct user *user);
/* Remembers a resolution read from the store at now_ms, unless an
 * invalidation happened since gen, or a field does not fit an entry. */
void session_cache_put(const void *store, const char *token_hash, int64_t now_ms, uint64_t gen,
                       const struct session *sess, const struct user *user);
/* Forgets one session (logout) / every session of a user (password change,
 * disabled, roles) / everything. */
void session_cache_forget_session(int64_t session_id);
void session_cache_forget_user(int64_t user_id);
void session_cache_clear(void);
/* Entries held now (tests). */
int session_cache_count(void);

#endif
