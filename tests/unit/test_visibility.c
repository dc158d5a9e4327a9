/*
 * Unit tests for ledger/visibility.h: which witness-log entries show their
 * bytes to the public. org.create is public; user.create and any type not
 * in the table are private; bytes that are not an entry (not JSON, no or a
 * non-string "type", too long, empty) are never public.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "ledger/visibility.h"

static bool pub(const char *s)
{
    return ledger_entry_public(s, strlen(s));
}

static void test_table(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 4096);
    struct ledger_event org = {.type = "org.create",
                               .subject_type = "org",
                               .subject_id = 7,
                               .actor_id = 1,
                               .actor_name = "admin"};
    assert_int_equal(ledger_event_json(&org, 1764400000000, &b), 0);
    assert_true(ledger_entry_public(b.data, b.len));
    buf_reset(&b);
    struct ledger_event user = {.type = "user.create",
                                .subject_type = "user",
                                .subject_id = 3,
                                .actor_id = 1,
                                .actor_name = "admin"};
    assert_int_equal(ledger_event_json(&user, 1764400000000, &b), 0);
    assert_false(ledger_entry_public(b.data, b.len));
    buf_release(&b);
    /* unknown types are private; names match whole */
    assert_false(pub("{\"type\":\"bid.submit\",\"v\":1}"));
    assert_false(pub("{\"type\":\"org.create.x\",\"v\":1}"));
    assert_false(pub("{\"type\":\"org.creat\",\"v\":1}"));
    assert_false(pub("{\"type\":\"ORG.CREATE\",\"v\":1}"));
    assert_true(pub("{\"type\":\"org.create\",\"v\":1}"));
    /* a published tender's notices are public; who registered, downloaded
     * or asked is not, and neither is a draft */
    assert_true(pub("{\"type\":\"tender.publish\",\"v\":1}"));
    assert_true(pub("{\"type\":\"tender.cancel\",\"v\":1}"));
    assert_false(pub("{\"type\":\"tender.register\",\"v\":1}"));
    assert_false(pub("{\"type\":\"tender.download\",\"v\":1}"));
    assert_false(pub("{\"type\":\"tender.ask\",\"v\":1}"));
    assert_false(pub("{\"type\":\"tender.create\",\"v\":1}"));
    assert_true(pub("{\"type\":\"opening.record\",\"v\":1}"));
    assert_false(pub("{\"type\":\"opening.signin\",\"v\":1}"));
    assert_false(pub("{\"type\":\"opening.decrypt\",\"v\":1}"));
}

static void test_not_entries(void **state)
{
    (void)state;
    assert_false(ledger_entry_public(NULL, 0));
    assert_false(pub(""));
    assert_false(pub("org.create"));
    assert_false(pub("{\"type\":\"org.create\""));                /* truncated */
    assert_false(pub("[\"org.create\"]"));                        /* not an object */
    assert_false(pub("{\"subject\":{\"type\":\"org.create\"}}")); /* no top-level type */
    assert_false(pub("{\"type\":1}"));
    assert_false(pub("{\"type\":null}"));
    assert_false(pub("{\"type\":\"org.create\",\"type\":\"user.create\"}")); /* duplicate keys */
    /* longer than an entry may be */
    size_t n = 70000;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    memcpy(big, "{\"type\":\"org.create\"}", 21);
    assert_false(ledger_entry_public(big, n));
    /* the same bytes at a normal length are public (whitespace after) */
    assert_true(ledger_entry_public(big, 100));
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_not_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
