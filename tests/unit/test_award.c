/*
 * Unit tests for the pure parts of the road to the contract
 * (domain/complaint.h, domain/contract.h; docs/award.md): the award rules'
 * table (names, defaults, directions, sources), the exact message both
 * sides sign, and which of the new witness-log events are public — the
 * complaint's decision only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "domain/complaint.h"
#include "domain/contract.h"
#include "ledger/ledger.h"
#include "ledger/visibility.h"

static void test_rules(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int64_t def;
        int dir;
    } want[] = {{"complaint_days", 10, 1},
                {"accept_days", 3, -1},
                {"decide_days", 30, -1},
                {"contract_days", 30, -1},
                {"refund_days", 5, -1}};
    assert_int_equal(sizeof want / sizeof want[0], AR__COUNT);
    for (int i = 0; i < AR__COUNT; i++) {
        assert_int_equal(award_rule_parse(want[i].name), i);
        assert_int_equal(award_rule_defs[i].def, want[i].def);
        assert_int_equal(award_rule_defs[i].dir, want[i].dir);
        assert_non_null(award_rule_defs[i].source);
        assert_true(strlen(award_rule_defs[i].source) > 4);
    }
    assert_int_equal(award_rule_parse("nope"), -1);
    assert_int_equal(award_rule_parse(NULL), -1);
    assert_int_equal(award_rule_parse("Complaint_days"), -1);
}

static void test_sign_message(void **state)
{
    (void)state;
    char out[256];
    const char *sha = "924fec0eac2355f6411c41173207b33064f389219b56ce8fe5472fa43f37834e";
    int n = contract_sign_message(42, 1, sha, 900000000, out, sizeof out);
    const char *want = "sunbid contract v1\n42\n"
                       "924fec0eac2355f6411c41173207b33064f389219b56ce8fe5472fa43f37834e\n"
                       "900000000\n";
    assert_string_equal(out, want);
    assert_int_equal(n, (int)strlen(want));
    /* a buffer one byte short: refused, never cut */
    char small[128];
    assert_int_equal(contract_sign_message(42, 1, sha, 900000000, small, (size_t)n), -1);
    assert_int_equal(contract_sign_message(42, 1, sha, 900000000, small, (size_t)n + 1), n);
    /* another lot names it (v2): a signature of one lot is none of another */
    n = contract_sign_message(42, 2, sha, 900000000, out, sizeof out);
    assert_string_equal(out, "sunbid contract v2\n42\n2\n"
                             "924fec0eac2355f6411c41173207b33064f389219b56ce8fe5472fa43f37834e\n"
                             "900000000\n");
    assert_int_equal(n, (int)strlen(out));
}

static bool public_type(const char *type)
{
    struct buf b;
    buf_init(&b, 4096);
    struct ledger_event ev = {.type = type,
                              .subject_type = "complaint",
                              .subject_id = 3,
                              .actor_id = 1,
                              .actor_name = "supervisor",
                              .tender_id = 1};
    assert_int_equal(ledger_event_json(&ev, 1764400000000, &b), 0);
    bool pub = ledger_entry_public(b.data, b.len);
    buf_release(&b);
    return pub;
}

static void test_visibility(void **state)
{
    (void)state;
    assert_true(public_type("complaint.decide"));
    assert_true(public_type("evaluation.contract"));
    assert_true(public_type("evaluation.award_revoked")); /* an annulled award is public */
    static const char *const private_types[] = {
        "complaint.file", "complaint.accept",   "complaint.refuse", "complaint.suspend",
        "complaint.lift", "complaint.withdraw", "contract.upload",  "contract.sign",
        "bond.record",    "bond.refund"};
    for (size_t i = 0; i < sizeof private_types / sizeof private_types[0]; i++)
        assert_false(public_type(private_types[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_sign_message),
        cmocka_unit_test(test_visibility),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
