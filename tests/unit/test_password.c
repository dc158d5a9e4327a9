/* Unit tests for scrypt password hashing (crypto/password.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "crypto/password.h"

static void test_round_trip(void **state)
{
    char h[PASSWORD_HASH_MAX];
    password_set_cost(12);
    assert_int_equal(password_hash("Sunbid@2026", h), 0);
    assert_true(strncmp(h, "$scrypt$ln=12,r=8,p=1$", 22) == 0);
    assert_true(password_verify("Sunbid@2026", h));
    assert_false(password_verify("Sunbid@2027", h));
    assert_false(password_verify("", h));
}

static void test_salted(void **state)
{
    char a[PASSWORD_HASH_MAX], b[PASSWORD_HASH_MAX];
    password_set_cost(10);
    assert_int_equal(password_hash("same-Password1", a), 0);
    assert_int_equal(password_hash("same-Password1", b), 0);
    assert_string_not_equal(a, b);
    assert_true(password_verify("same-Password1", a));
    assert_true(password_verify("same-Password1", b));
}

static void test_parameters_travel_with_hash(void **state)
{
    char h[PASSWORD_HASH_MAX];
    password_set_cost(10);
    assert_int_equal(password_hash("Chinese密码123", h), 0);
    password_set_cost(12);
    /* Verifies with the parameters it was made with, and asks for a rehash. */
    assert_true(password_verify("Chinese密码123", h));
    assert_true(password_needs_rehash(h));
    assert_int_equal(password_hash("Chinese密码123", h), 0);
    assert_false(password_needs_rehash(h));
}

static void test_malformed_hashes_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "plain",
        "$scrypt$",
        "$scrypt$ln=12,r=8,p=1$",
        "$scrypt$ln=99,r=8,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5",
        "$scrypt$ln=12,r=8,p=1$!!!$a2V5a2V5a2V5a2V5a2V5a2V5",
        "$bcrypt$ln=12,r=8,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(password_verify("anything1A", bad[i]));
    assert_false(password_verify(NULL, "x"));
}

static void test_weakness(void **state)
{
    assert_non_null(password_weakness("short1"));
    assert_non_null(password_weakness("alllowercaseletters"));
    assert_non_null(password_weakness("1234567890"));
    assert_null(password_weakness("Sunbid@2026"));
    assert_null(password_weakness("letters-and-dashes"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_salted),
        cmocka_unit_test(test_parameters_travel_with_hash),
        cmocka_unit_test(test_malformed_hashes_refused),
        cmocka_unit_test(test_weakness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
