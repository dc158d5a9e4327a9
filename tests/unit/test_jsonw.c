/* Unit tests for the streaming JSON writer (base/jsonw.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/jsonw.h"

static void test_nested_document(void **state)
{
    struct buf b;
    struct jsonw w;
    buf_init(&b, 1024);
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "id", 42);
    jsonw_kstr(&w, "name", "海峡建工");
    jsonw_key(&w, "tags");
    jsonw_arr_begin(&w);
    jsonw_str(&w, "a");
    jsonw_int(&w, -7);
    jsonw_bool(&w, true);
    jsonw_null(&w);
    jsonw_obj_begin(&w);
    jsonw_obj_end(&w);
    jsonw_arr_end(&w);
    jsonw_kbool(&w, "ok", false);
    jsonw_key(&w, "raw");
    jsonw_raw(&w, "[1,2]", 5);
    jsonw_obj_end(&w);
    assert_int_equal(jsonw_finish(&w), JSONW_OK);
    assert_string_equal(b.data, "{\"id\":42,\"name\":\"海峡建工\",\"tags\":[\"a\",-7,true,null,{}],"
                                "\"ok\":false,\"raw\":[1,2]}");
    buf_release(&b);
}

static void test_escaping(void **state)
{
    struct buf b;
    struct jsonw w;
    buf_init(&b, 1024);
    jsonw_init(&w, &b);
    jsonw_str(&w, "q\"b\\n\n\t\x01<script>&\xe2\x80\xa8");
    assert_int_equal(jsonw_finish(&w), JSONW_OK);
    assert_string_equal(b.data, "\"q\\\"b\\\\n\\n\\t\\u0001\\u003cscript\\u003e\\u0026\\u2028\"");
    buf_release(&b);
}

static void test_invalid_utf8_replaced(void **state)
{
    struct buf b;
    struct jsonw w;
    buf_init(&b, 1024);
    jsonw_init(&w, &b);
    /* a lone continuation byte, an overlong '/', a truncated 3-byte sequence */
    jsonw_str(&w, "a\x80"
                  "b\xc0\xaf"
                  "c\xe4\xb8");
    assert_int_equal(jsonw_finish(&w), JSONW_OK);
    assert_string_equal(b.data, "\"a\xef\xbf\xbd"
                                "b\xef\xbf\xbd\xef\xbf\xbd"
                                "c\xef\xbf\xbd\xef\xbf\xbd\"");
    buf_release(&b);
}

static void test_bounded_buffer_fails_sticky(void **state)
{
    struct buf b;
    struct jsonw w;
    buf_init(&b, 16);
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "key", "a value that is far too long for sixteen bytes");
    jsonw_obj_end(&w);
    assert_int_equal(jsonw_finish(&w), JSONW_FULL);
    assert_true(b.len <= 16);
    buf_release(&b);
}

static void test_misuse_detected(void **state)
{
    struct buf b;
    struct jsonw w;
    buf_init(&b, 1024);
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_int(&w, 1); /* value without a key */
    assert_int_equal(jsonw_finish(&w), JSONW_MISUSE);

    buf_reset(&b);
    jsonw_init(&w, &b);
    jsonw_arr_begin(&w);
    jsonw_obj_end(&w); /* wrong closer */
    assert_int_equal(jsonw_finish(&w), JSONW_MISUSE);

    buf_reset(&b);
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w); /* never closed */
    assert_int_equal(jsonw_finish(&w), JSONW_MISUSE);

    buf_reset(&b);
    jsonw_init(&w, &b);
    for (int i = 0; i < JSONW_MAX_DEPTH + 1; i++)
        jsonw_arr_begin(&w);
    assert_int_equal(jsonw_finish(&w), JSONW_MISUSE);
    buf_release(&b);
}

static void test_int_extremes(void **state)
{
    struct buf b;
    struct jsonw w;
    buf_init(&b, 1024);
    jsonw_init(&w, &b);
    jsonw_arr_begin(&w);
    jsonw_int(&w, INT64_MIN);
    jsonw_int(&w, INT64_MAX);
    jsonw_str(&w, NULL);
    jsonw_arr_end(&w);
    assert_int_equal(jsonw_finish(&w), JSONW_OK);
    assert_string_equal(b.data, "[-9223372036854775808,9223372036854775807,null]");
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_document),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_invalid_utf8_replaced),
        cmocka_unit_test(test_bounded_buffer_fails_sticky),
        cmocka_unit_test(test_misuse_detected),
        cmocka_unit_test(test_int_extremes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
