/* Unit tests for the resolved-session cache (domain/session_cache.h): hits,
 * the TTL and the session's own expiry, invalidation by session and by user,
 * the generation guard against a racing invalidation, the store key, the
 * bound on its size, and what is never cached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "domain/session_cache.h"

static int store_a, store_b; /* two distinct "stores": only their addresses count */

static void hash_of(int n, char out[65])
{
    /* 64 hex chars; n spread over the first 16 (the slot) and the last ones */
    snprintf(out, 65, "%016x%048x", (unsigned)n * 2654435761u, (unsigned)n);
}

static void fill(struct session *s, struct user *u, int64_t sid, int64_t uid, int64_t expires)
{
    memset(s, 0, sizeof(*s));
    memset(u, 0, sizeof(*u));
    s->id = sid;
    s->user_id = uid;
    s->kind = "bearer";
    s->csrf_token = "csrf-token-xyz";
    s->created_ms = 1000;
    s->expires_ms = expires;
    u->id = uid;
    u->username = "bidder1";
    u->org_id = 7;
    u->roles = 4;
}

static int setup(void **state)
{
    session_cache_clear();
    return 0;
}

static void test_hit_and_fields(void **state)
{
    struct arena a;
    struct session s, got;
    struct user u, gu;
    char h[65];
    arena_init(&a, 1 << 16);
    hash_of(1, h);
    fill(&s, &u, 11, 21, 1000000);
    assert_false(session_cache_get(&store_a, h, 5000, &a, &got, &gu));
    session_cache_put(&store_a, h, 5000, session_cache_gen(), &s, &u);
    assert_true(session_cache_get(&store_a, h, 5001, &a, &got, &gu));
    assert_int_equal(got.id, 11);
    assert_int_equal(got.user_id, 21);
    assert_string_equal(got.kind, "bearer");
    assert_string_equal(got.csrf_token, "csrf-token-xyz");
    assert_int_equal(got.expires_ms, 1000000);
    assert_int_equal(gu.id, 21);
    assert_string_equal(gu.username, "bidder1");
    assert_int_equal(gu.org_id, 7);
    assert_int_equal(gu.roles, 4);
    assert_false(gu.disabled);
    assert_null(gu.password_hash);
    /* another store, another token: misses */
    assert_false(session_cache_get(&store_b, h, 5001, &a, &got, &gu));
    hash_of(2, h);
    assert_false(session_cache_get(&store_a, h, 5001, &a, &got, &gu));
    /* no CSRF token stays NULL */
    s.csrf_token = NULL;
    session_cache_put(&store_a, h, 5000, session_cache_gen(), &s, &u);
    assert_true(session_cache_get(&store_a, h, 5001, &a, &got, &gu));
    assert_null(got.csrf_token);
    arena_release(&a);
}

static void test_ttl_and_expiry(void **state)
{
    struct arena a;
    struct session s, got;
    struct user u, gu;
    char h[65];
    arena_init(&a, 1 << 16);
    hash_of(3, h);
    fill(&s, &u, 12, 22, 1000000);
    session_cache_put(&store_a, h, 5000, session_cache_gen(), &s, &u);
    assert_true(session_cache_get(&store_a, h, 5000 + SESSION_CACHE_TTL_MS - 1, &a, &got, &gu));
    assert_false(session_cache_get(&store_a, h, 5000 + SESSION_CACHE_TTL_MS, &a, &got, &gu));
    assert_int_equal(session_cache_count(), 0); /* a stale entry is dropped */
    /* a session that expires before the TTL: served only until its expiry */
    fill(&s, &u, 12, 22, 5500);
    session_cache_put(&store_a, h, 5000, session_cache_gen(), &s, &u);
    assert_true(session_cache_get(&store_a, h, 5499, &a, &got, &gu));
    assert_false(session_cache_get(&store_a, h, 5500, &a, &got, &gu));
    /* already expired: not cached */
    session_cache_put(&store_a, h, 6000, session_cache_gen(), &s, &u);
    assert_int_equal(session_cache_count(), 0);
    arena_release(&a);
}

static void test_invalidation(void **state)
{
    struct arena a;
    struct session s, got;
    struct user u, gu;
    char h1[65], h2[65], h3[65];
    arena_init(&a, 1 << 16);
    hash_of(4, h1);
    hash_of(5, h2);
    hash_of(6, h3);
    fill(&s, &u, 31, 41, 1000000);
    session_cache_put(&store_a, h1, 5000, session_cache_gen(), &s, &u);
    fill(&s, &u, 32, 41, 1000000); /* the same user, another session */
    session_cache_put(&store_a, h2, 5000, session_cache_gen(), &s, &u);
    fill(&s, &u, 33, 42, 1000000); /* another user */
    session_cache_put(&store_a, h3, 5000, session_cache_gen(), &s, &u);
    assert_int_equal(session_cache_count(), 3);
    session_cache_forget_session(31); /* logout */
    assert_false(session_cache_get(&store_a, h1, 5001, &a, &got, &gu));
    assert_true(session_cache_get(&store_a, h2, 5001, &a, &got, &gu));
    session_cache_forget_user(41); /* password change */
    assert_false(session_cache_get(&store_a, h2, 5001, &a, &got, &gu));
    assert_true(session_cache_get(&store_a, h3, 5001, &a, &got, &gu));
    session_cache_clear();
    assert_false(session_cache_get(&store_a, h3, 5001, &a, &got, &gu));
    arena_release(&a);
}

static void test_racing_invalidation(void **state)
{
    struct arena a;
    struct session s, got;
    struct user u, gu;
    char h[65];
    arena_init(&a, 1 << 16);
    hash_of(7, h);
    fill(&s, &u, 51, 61, 1000000);
    uint64_t gen = session_cache_gen(); /* the store read begins */
    session_cache_forget_session(51);   /* a logout commits meanwhile */
    session_cache_put(&store_a, h, 5000, gen, &s, &u);
    assert_false(session_cache_get(&store_a, h, 5001, &a, &got, &gu));
    assert_int_equal(session_cache_count(), 0);
    arena_release(&a);
}

static void test_never_cached(void **state)
{
    struct session s;
    struct user u;
    char h[65], longname[200];
    hash_of(8, h);
    fill(&s, &u, 71, 81, 1000000);
    u.disabled = true;
    session_cache_put(&store_a, h, 5000, session_cache_gen(), &s, &u);
    fill(&s, &u, 71, 81, 1000000);
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    u.username = longname; /* does not fit an entry */
    session_cache_put(&store_a, h, 5000, session_cache_gen(), &s, &u);
    fill(&s, &u, 71, 81, 1000000);
    session_cache_put(NULL, h, 5000, session_cache_gen(), &s, &u);
    session_cache_put(&store_a, "abc", 5000, session_cache_gen(), &s, &u); /* not a hash */
    assert_int_equal(session_cache_count(), 0);
}

static void test_bounded(void **state)
{
    struct arena a;
    struct session s, got;
    struct user u, gu;
    char h[65];
    arena_init(&a, 1 << 16);
    fill(&s, &u, 1, 1, 1000000);
    for (int i = 0; i < SESSION_CACHE_SLOTS * 3; i++) {
        hash_of(1000 + i, h);
        s.id = 1000 + i;
        session_cache_put(&store_a, h, 5000, session_cache_gen(), &s, &u);
    }
    int n = session_cache_count();
    assert_true(n > 0);
    assert_true(n <= SESSION_CACHE_SLOTS);
    /* the newest one is there and is itself (a replaced slot never answers
     * for another token) */
    hash_of(1000 + SESSION_CACHE_SLOTS * 3 - 1, h);
    assert_true(session_cache_get(&store_a, h, 5001, &a, &got, &gu));
    assert_int_equal(got.id, 1000 + SESSION_CACHE_SLOTS * 3 - 1);
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_hit_and_fields, setup),
        cmocka_unit_test_setup(test_ttl_and_expiry, setup),
        cmocka_unit_test_setup(test_invalidation, setup),
        cmocka_unit_test_setup(test_racing_invalidation, setup),
        cmocka_unit_test_setup(test_never_cached, setup),
        cmocka_unit_test_setup(test_bounded, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
