/* Unit tests for the error-code table (base/errors.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <string.h>

#include "base/errors.h"

static void test_codes_unique_and_snake_case(void **state)
{
    for (int i = 0; i < ERR__COUNT; i++) {
        const char *c = err_code((enum err)i);
        assert_true(strlen(c) > 1);
        for (const char *p = c; *p; p++)
            assert_true(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_');
        for (int j = i + 1; j < ERR__COUNT; j++)
            assert_string_not_equal(c, err_code((enum err)j));
        assert_int_equal(err_from_code(c), i);
    }
}

static void test_statuses_are_http(void **state)
{
    for (int i = 1; i < ERR__COUNT; i++) {
        int s = err_status((enum err)i);
        assert_true(s >= 400 && s <= 599);
        assert_true(strlen(err_message((enum err)i)) > 5);
    }
    assert_int_equal(err_status(ERR_OK), 200);
}

static void test_known_rows(void **state)
{
    assert_string_equal(err_code(ERR_MALFORMED_JSON), "malformed_json");
    assert_int_equal(err_status(ERR_MALFORMED_JSON), 400);
    assert_string_equal(err_code(ERR_HEADERS_TOO_LARGE), "headers_too_large");
    assert_int_equal(err_status(ERR_HEADERS_TOO_LARGE), 431);
    assert_int_equal(err_status(ERR_BODY_TOO_LARGE), 413);
    assert_int_equal(err_status(ERR_REQUEST_TIMEOUT), 408);
    assert_int_equal(err_status(ERR_UNAUTHENTICATED), 401);
    assert_int_equal(err_status(ERR_FORBIDDEN), 403);
    assert_int_equal(err_status(ERR_STORE_UNAVAILABLE), 503);
    assert_int_equal(err_from_code("no_such_code"), ERR__COUNT);
    /* out of range falls back to internal */
    assert_string_equal(err_code((enum err)9999), "internal");
    assert_int_equal(err_status((enum err)9999), 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_unique_and_snake_case),
        cmocka_unit_test(test_statuses_are_http),
        cmocka_unit_test(test_known_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
