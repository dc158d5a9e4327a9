/*
 * test_risk.c — the tender risk rules (domain/risk.h, docs/supervision.md):
 * each rule planted in a synthetic tender fires with its evidence and the
 * bidders behind it; a clean tender fires nothing and scores 0; the score
 * is the sum of the distinct rules' weights, capped at 100; lots are kept
 * apart (the same price in two lots is not identical pricing).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "domain/risk.h"

static struct risk_bid_in bid(int64_t lot, int64_t org, int64_t price)
{
    struct risk_bid_in b;
    memset(&b, 0, sizeof b);
    b.lot_no = lot;
    b.org_id = org;
    b.org_name = org == 4 ? "甲公司" : org == 5 ? "乙公司" : org == 6 ? "丙公司" : "丁公司";
    b.status = "opened";
    b.price_fen = price;
    b.signer_fp = org == 4 ? "fp4" : org == 5 ? "fp5" : org == 6 ? "fp6" : "fp7";
    b.remote_addr = org == 4   ? "203.0.113.4"
                    : org == 5 ? "203.0.113.5"
                    : org == 6 ? "203.0.113.6"
                               : "203.0.113.7";
    snprintf(b.host_hash, sizeof b.host_hash, "%064lld", (long long)org);
    return b;
}

/* Evaluates and returns the parsed analysis; *score and *level set. */
static json_t *eval(const struct risk_bid_in *bids, size_t n, int64_t ceiling, int *score,
                    const char **level)
{
    struct buf out;
    json_error_t jerr;
    buf_init(&out, RISK_JSON_MAX);
    struct risk_input in = {7, bids, n, ceiling, NULL, 0};
    assert_int_equal(risk_evaluate(&in, &out, score, level), 0);
    json_t *j = json_loads(out.data, 0, &jerr);
    if (j == NULL)
        fail_msg("not JSON: %s", out.data);
    buf_release(&out);
    return j;
}

/* The flag of kind (the first), or NULL. */
static json_t *flag(json_t *j, const char *kind)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(j, "flags"), i, f)
    {
        if (strcmp(json_string_value(json_object_get(f, "kind")), kind) == 0)
            return f;
    }
    return NULL;
}

static size_t nflags(json_t *j)
{
    return json_array_size(json_object_get(j, "flags"));
}

static void test_clean(void **state)
{
    (void)state;
    struct risk_bid_in b[4] = {bid(1, 4, 91234500), bid(1, 5, 98700000), bid(1, 6, 87650000),
                               bid(1, 7, 95500000)};
    int score;
    const char *level;
    json_t *j = eval(b, 4, 100000000, &score, &level);
    assert_int_equal(nflags(j), 0);
    assert_int_equal(score, 0);
    assert_string_equal(level, "none");
    /* the screens are there for the plot: 4 bids, CV well above 0.03 */
    json_t *sc = json_object_get(json_array_get(json_object_get(j, "lots"), 0), "screens");
    assert_int_equal(json_integer_value(json_object_get(sc, "n")), 4);
    assert_true(json_real_value(json_object_get(sc, "cv")) > 0.03);
    json_decref(j);
}

static void test_identical_prices_and_machine(void **state)
{
    (void)state;
    struct risk_bid_in b[3] = {bid(1, 4, 91234500), bid(1, 5, 91234500), bid(1, 6, 97000000)};
    memcpy(b[1].host_hash, b[0].host_hash, sizeof b[0].host_hash); /* sealed on one machine */
    int score;
    const char *level;
    json_t *j = eval(b, 3, 0, &score, &level);
    json_t *f = flag(j, "identical_prices");
    assert_non_null(f);
    assert_string_equal(json_string_value(json_object_get(f, "rule")), "P1");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(f, "evidence"), "price_fen")), 91234500);
    json_t *orgs = json_object_get(f, "orgs");
    assert_int_equal(json_array_size(orgs), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(orgs, 0), "id")), 4);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(orgs, 1), "id")), 5);
    f = flag(j, "same_machine");
    assert_non_null(f);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(f, "evidence"), "host_hash")),
        b[0].host_hash);
    assert_int_equal(json_array_size(json_object_get(f, "orgs")), 2);
    assert_null(flag(j, "same_upload_ip"));
    assert_int_equal(score, 30 + 35);
    assert_string_equal(level, "high");
    json_decref(j);
}

static void test_progression_ceiling_cv(void **state)
{
    (void)state;
    /* 99.0, 99.2, 99.4, 99.6 (10^6 fen) under a ceiling of 100: equal gaps,
     * all within 1 % of the ceiling, CV about 0.0026 */
    struct risk_bid_in b[4] = {bid(1, 4, 99000000), bid(1, 5, 99200000), bid(1, 6, 99400000),
                               bid(1, 7, 99600000)};
    int score;
    const char *level;
    json_t *j = eval(b, 4, 100000000, &score, &level);
    json_t *f = flag(j, "arithmetic_progression");
    assert_non_null(f);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(f, "evidence"), "gap_fen")),
                     200000);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(f, "evidence"), "bids")),
                     4);
    assert_non_null(flag(j, "near_ceiling"));
    assert_non_null(flag(j, "low_cv"));
    assert_null(flag(j, "identical_prices"));
    assert_int_equal(score, 20 + 10 + 15);
    assert_string_equal(level, "low");
    json_decref(j);
}

static void test_cert_ip_linked_and_lots(void **state)
{
    (void)state;
    struct risk_bid_in b[5] = {bid(1, 4, 90000000), bid(1, 5, 95000000), bid(1, 6, 99000000),
                               bid(2, 7, 90000000), bid(2, 4, 97000000)};
    b[1].signer_fp = "fp4";           /* 5 signs with 4's certificate */
    b[2].remote_addr = "203.0.113.4"; /* 6 uploads from 4's address */
    b[0].phone = "0591-8765 4321";
    b[2].phone = "(0591)87654321";    /* the same number, written differently */
    b[3].remote_addr = "203.0.113.4"; /* lot 2: 7 and 4 from one address too */
    b[4].remote_addr = "203.0.113.4";
    int score;
    const char *level;
    json_t *j = eval(b, 5, 0, &score, &level);
    assert_non_null(flag(j, "same_certificate"));
    assert_non_null(flag(j, "linked_bidders"));
    /* same_upload_ip: one flag in lot 1 (4, 6) and one in lot 2 (7, 4) */
    size_t i, ips = 0;
    json_t *f;
    json_array_foreach(json_object_get(j, "flags"), i, f)
    {
        if (strcmp(json_string_value(json_object_get(f, "kind")), "same_upload_ip") == 0)
            ips++;
    }
    assert_int_equal(ips, 2);
    /* 90000000 in lots 1 and 2 is not identical pricing */
    assert_null(flag(j, "identical_prices"));
    assert_int_equal(score, 40 + 25 + 25);
    json_decref(j);
    /* all rules at once cap at 100 */
    struct risk_bid_in c[3] = {bid(1, 4, 99000000), bid(1, 5, 99000000), bid(1, 6, 99000000)};
    c[1].signer_fp = c[2].signer_fp = "fp4";
    c[1].remote_addr = c[2].remote_addr = "203.0.113.4";
    memcpy(c[1].host_hash, c[0].host_hash, 65);
    j = eval(c, 3, 99500000, &score, &level);
    assert_int_equal(score, 100);
    json_decref(j);
}

static void test_unopened_and_unknown(void **state)
{
    (void)state;
    /* a revoked bid has no price; zeros (a browser seal) are unknown, not shared */
    struct risk_bid_in b[3] = {bid(1, 4, 91234500), bid(1, 5, -1), bid(1, 6, 91234500)};
    b[1].status = "revoked";
    b[0].host_hash[0] = b[1].host_hash[0] = b[2].host_hash[0] = '\0';
    int score;
    const char *level;
    json_t *j = eval(b, 3, 0, &score, &level);
    assert_non_null(flag(j, "identical_prices"));
    assert_null(flag(j, "same_machine"));
    json_t *lot = json_array_get(json_object_get(j, "lots"), 0);
    assert_int_equal(json_array_size(json_object_get(lot, "bids")), 3);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(lot, "screens"), "n")), 2);
    json_decref(j);
    /* no bids at all */
    j = eval(NULL, 0, 0, &score, &level);
    assert_int_equal(score, 0);
    assert_int_equal(nflags(j), 0);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_identical_prices_and_machine),
        cmocka_unit_test(test_progression_ceiling_cv),
        cmocka_unit_test(test_cert_ip_linked_and_lots),
        cmocka_unit_test(test_unopened_and_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
