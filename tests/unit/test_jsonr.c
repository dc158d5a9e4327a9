/* Unit tests for guarded JSON body parsing (base/jsonr.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/jsonr.h"

static enum err parse(const char *s, size_t max)
{
    enum err e;
    const char *msg;
    json_t *j = jsonr_parse(s, strlen(s), max, 0, &e, &msg);
    if (j != NULL) {
        assert_int_equal(e, ERR_OK);
        json_decref(j);
    }
    return e;
}

static void test_valid(void **state)
{
    assert_int_equal(parse("{\"name\":\"海峡建工\",\"n\":[1,2,{\"a\":null}]}", 1024), ERR_OK);
    assert_int_equal(parse("[]", 1024), ERR_OK);
    assert_int_equal(parse("{\"s\":\"\\u4e2d\\\"{[\"}", 1024), ERR_OK); /* brackets in strings */
}

static void test_errors(void **state)
{
    assert_int_equal(parse("", 1024), ERR_MALFORMED_JSON);
    assert_int_equal(parse("{\"a\":1", 1024), ERR_MALFORMED_JSON);
    assert_int_equal(parse("{\"a\":1}x", 1024), ERR_MALFORMED_JSON);
    assert_int_equal(parse("{'a':1}", 1024), ERR_MALFORMED_JSON);
    assert_int_equal(parse("{\"a\":1,\"a\":2}", 1024), ERR_DUPLICATE_KEY);
    assert_int_equal(parse("{\"a\":\"\xff\"}", 1024), ERR_INVALID_UTF8);
    assert_int_equal(parse("{\"a\":\"\xed\xa0\x80\"}", 1024), ERR_INVALID_UTF8); /* surrogate */
    assert_int_equal(parse("{\"a\":\"\xc0\xaf\"}", 1024), ERR_INVALID_UTF8);     /* overlong */
    assert_int_equal(parse("{\"a\":\"\\u0000\"}", 1024), ERR_INVALID_UTF8);
    assert_int_equal(parse("{\"a\":\"0123456789\"}", 8), ERR_BODY_TOO_LARGE);
}

static void test_depth(void **state)
{
    char deep[200];
    size_t n = 0;
    for (int i = 0; i < JSONR_MAX_DEPTH; i++)
        deep[n++] = '[';
    for (int i = 0; i < JSONR_MAX_DEPTH; i++)
        deep[n++] = ']';
    deep[n] = '\0';
    assert_int_equal(parse(deep, 1024), ERR_OK);
    n = 0;
    for (int i = 0; i < JSONR_MAX_DEPTH + 1; i++)
        deep[n++] = '[';
    for (int i = 0; i < JSONR_MAX_DEPTH + 1; i++)
        deep[n++] = ']';
    deep[n] = '\0';
    assert_int_equal(parse(deep, 1024), ERR_JSON_TOO_DEEP);
}

static void test_utf8_validator(void **state)
{
    assert_true(jsonr_utf8_valid("abc", 3));
    assert_true(jsonr_utf8_valid("\xe4\xb8\xad\xf0\x9f\x98\x80", 7));
    assert_false(jsonr_utf8_valid("a\0b", 3));
    assert_false(jsonr_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(jsonr_utf8_valid("\xe4\xb8", 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_utf8_validator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
