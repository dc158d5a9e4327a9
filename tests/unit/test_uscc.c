/* Unit tests for the GB 32100 unified social credit code check (domain/uscc.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "domain/uscc.h"

static void test_known_codes(void **state)
{
    /* Published codes of well-known companies. */
    assert_true(uscc_valid("91330100799655058B", NULL));
    assert_true(uscc_valid("91440300708461136T", NULL));
    assert_int_equal(uscc_check_char("91330100799655058"), 'B');
}

static void test_lowercase_normalised(void **state)
{
    char norm[USCC_LEN + 1];
    assert_true(uscc_valid("91330100799655058b", norm));
    assert_string_equal(norm, "91330100799655058B");
}

static void test_wrong_check_digit(void **state)
{
    assert_false(uscc_valid("91330100799655058C", NULL));
    assert_false(uscc_valid("91440300708461136U", NULL));
}

static void test_bad_shape(void **state)
{
    assert_false(uscc_valid(NULL, NULL));
    assert_false(uscc_valid("", NULL));
    assert_false(uscc_valid("91330100799655058", NULL));   /* 17 */
    assert_false(uscc_valid("91330100799655058BB", NULL)); /* 19 */
    /* I, O, S, V, Z are not in the alphabet */
    assert_false(uscc_valid("9133010079965505IB", NULL));
    assert_false(uscc_valid("913301007996550O8B", NULL));
    assert_false(uscc_valid("9133010079965S058B", NULL));
    assert_int_equal(uscc_check_char("9133010079965505Z"), 0);
}

static void test_every_check_value_round_trips(void **state)
{
    /* For many bodies the computed check char makes the code valid, and
     * every other character makes it invalid. */
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    char code[USCC_LEN + 1] = "91350100MA2YK0A1X?";
    for (int i = 0; i < 31; i++) {
        code[16] = alphabet[i];
        char c = uscc_check_char(code);
        assert_true(c != 0);
        for (int j = 0; j < 31; j++) {
            code[17] = alphabet[j];
            assert_int_equal(uscc_valid(code, NULL), alphabet[j] == c);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_codes),
        cmocka_unit_test(test_lowercase_normalised),
        cmocka_unit_test(test_wrong_check_digit),
        cmocka_unit_test(test_bad_shape),
        cmocka_unit_test(test_every_check_value_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
