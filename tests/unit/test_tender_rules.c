/*
 * Unit tests for the pure half of tenders (domain/tender_rules.h): every
 * rule at its boundary (the last allowed millisecond and the first refused
 * one), the deadline moved by a late clarification, pause and resume, the
 * timers, the operator's overrides against the law, the unified transaction
 * code and the small parsers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/roles.h"
#include "domain/tender_rules.h"

#define DAY TENDER_DAY_MS
#define T0  ((int64_t)1767225600000) /* 2026-01-01T00:00:00Z */

static struct tender_rules rules_of(enum tender_procedure p)
{
    struct tender_rules r;
    tender_rules_defaults(p, &r);
    return r;
}

/* Dates that pass every rule of an open tender published at T0. */
static struct tender_dates good_dates(void)
{
    struct tender_dates d = {T0, T0 + DAY, T0 + 8 * DAY, T0 + 10 * DAY, T0 + 21 * DAY};
    return d;
}

static void test_names(void **state)
{
    (void)state;
    for (int i = 0; i < TS__COUNT; i++)
        assert_int_equal(tender_state_parse(tender_state_name((enum tender_state)i)), i);
    for (int i = 0; i < TC__COUNT; i++)
        assert_int_equal(tender_category_parse(tender_category_name((enum tender_category)i)), i);
    for (int i = 0; i < TP__COUNT; i++)
        assert_int_equal(tender_procedure_parse(tender_procedure_name((enum tender_procedure)i)),
                         i);
    assert_int_equal(tender_state_parse("Draft"), -1);
    assert_int_equal(tender_state_parse(NULL), -1);
    assert_int_equal(tender_category_parse("procurement"), -1);
    assert_int_equal(tender_procedure_parse(""), -1);
    assert_int_equal(TS__COUNT, 11); /* every state of DESIGN.md §3 */
    assert_true(tender_bond_form_ok("e_guarantee"));
    assert_false(tender_bond_form_ok("bitcoin"));
    assert_true(tender_eval_method_ok("lowest_evaluated"));
    assert_false(tender_eval_method_ok(NULL));
}

/* The allowed states of each action, written out independently of the
 * table, so a slip in tender_action_defs[] fails here. */
static void test_action_matrix(void **state)
{
    static const struct {
        enum tender_action a;
        const char *states; /* space-separated */
        bool while_paused;
    } want[] = {
        {TA_EDIT, "draft", false},
        {TA_UPLOAD, "draft published bidding", true},
        {TA_PUBLISH, "draft", false},
        {TA_RELEASE, "draft", false},
        {TA_OPEN_BIDDING, "published", false},
        {TA_CLOSE_BIDDING, "bidding", false},
        {TA_REGISTER, "published bidding", false},
        {TA_DOWNLOAD, "bidding", true},
        {TA_ASK, "published bidding", false},
        {TA_CLARIFY, "published bidding", true},
        {TA_OBJECT, "published bidding", true},
        {TA_ANSWER, "published bidding", true},
        {TA_CANCEL, "draft published bidding opening evaluation publicity", true},
        {TA_END_OPENING, "opening", false},
        {TA_FAIL, "opening evaluation publicity", true},
        {TA_REPORT, "evaluation", false},
        {TA_AWARD, "publicity", false},
        {TA_CONTRACT, "awarded", false},
        {TA_ARCHIVE, "contracted", false},
        {TA_ANNUL_AWARD, "awarded", false},
        {TA_REEVALUATE, "publicity awarded", false},
        {TA_FAIL_LOT, "evaluation publicity awarded", true},
    };
    (void)state;
    assert_int_equal(sizeof want / sizeof want[0], TA__COUNT);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        for (int s = 0; s < TS__COUNT; s++) {
            char word[32];
            snprintf(word, sizeof word, " %s ", tender_state_name((enum tender_state)s));
            char list[128];
            snprintf(list, sizeof list, " %s ", want[i].states);
            bool allowed = strstr(list, word) != NULL;
            enum err plain = tender_action_check(want[i].a, (enum tender_state)s, false);
            enum err paused = tender_action_check(want[i].a, (enum tender_state)s, true);
            if (!allowed) {
                assert_int_equal(plain, ERR_WRONG_STATE);
                assert_int_equal(paused, ERR_WRONG_STATE);
            } else {
                assert_int_equal(plain, ERR_OK);
                assert_int_equal(paused, want[i].while_paused ? ERR_OK : ERR_TENDER_PAUSED);
            }
        }
    }
    /* who: timers are the system's, bidders' steps are bidders' */
    assert_int_equal(tender_action_defs[TA_CLOSE_BIDDING].roles, 0);
    assert_int_equal(tender_action_defs[TA_RELEASE].roles, 0);
    assert_int_equal(tender_action_defs[TA_OBJECT].roles, ROLE_BIDDER);
    assert_int_equal(tender_action_defs[TA_PUBLISH].roles, ROLE_AGENT);
    assert_true(tender_action_defs[TA_PUBLISH].owner);
    assert_false(tender_action_defs[TA_REGISTER].owner);
    /* every transition ends in a state the machine has */
    for (int a = 0; a < TA__COUNT; a++)
        assert_true(tender_action_defs[a].to >= -1 && tender_action_defs[a].to < TS__COUNT);
    assert_int_equal(tender_action_check(TA__COUNT, TS_DRAFT, false), ERR_WRONG_STATE);
}

static void test_min_bid_days(void **state)
{
    struct tender_rules r = rules_of(TP_OPEN);
    struct tender_dates d = good_dates();
    struct tender_refusal why;
    (void)state;
    assert_int_equal(tender_rules_check_dates(&r, &d, T0, &why), ERR_OK);
    /* exactly 20 days from doc_start: allowed; a millisecond less: refused */
    d.bid_deadline = d.doc_start + 20 * DAY;
    assert_int_equal(tender_rules_check_dates(&r, &d, T0, &why), ERR_OK);
    d.bid_deadline--;
    assert_int_equal(tender_rules_check_dates(&r, &d, T0, &why), ERR_RULE_DEADLINE_TOO_SOON);
    assert_string_equal(why.rule, "min_bid_days");
    assert_string_equal(why.field, "bid_deadline");
    assert_int_equal(why.limit, d.doc_start + 20 * DAY);
    /* published later than doc_start: the days count from publication */
    d.bid_deadline = d.doc_start + 20 * DAY;
    assert_int_equal(tender_rules_check_dates(&r, &d, d.doc_start + 1, &why),
                     ERR_RULE_DEADLINE_TOO_SOON);
    assert_int_equal(why.limit, d.doc_start + 1 + 20 * DAY);
    /* invited tenders too; competitive negotiation needs only 3 days */
    r = rules_of(TP_INVITED);
    assert_int_equal(tender_rules_check_dates(&r, &d, d.doc_start + 1, &why),
                     ERR_RULE_DEADLINE_TOO_SOON);
    r = rules_of(TP_NEGOTIATION);
    d.doc_end = d.doc_start + 3 * DAY;
    d.clarify_deadline = d.doc_end;
    d.bid_deadline = d.doc_start + 3 * DAY;
    assert_int_equal(tender_rules_check_dates(&r, &d, T0, &why), ERR_OK);
    d.doc_end = d.doc_start + 3 * DAY - 1;
    assert_int_equal(tender_rules_check_dates(&r, &d, T0, &why), ERR_RULE_DOC_PERIOD_TOO_SHORT);
    d.doc_end = d.doc_start + 2 * DAY;
    d.clarify_deadline = d.doc_end;
    d.bid_deadline = d.doc_start + 3 * DAY - 1;
    r.v[TR_MIN_DOC_DAYS] = 2;
    assert_int_equal(tender_rules_check_dates(&r, &d, T0, &why), ERR_RULE_DEADLINE_TOO_SOON);
    assert_int_equal(why.limit, d.doc_start + 3 * DAY);
    /* a raised rule (an operator's override) is applied as is */
    r = rules_of(TP_OPEN);
    r.v[TR_MIN_BID_DAYS] = 25;
    d = good_dates();
    assert_int_equal(tender_rules_check_dates(&r, &d, T0, &why), ERR_RULE_DEADLINE_TOO_SOON);
}

static void test_min_doc_days_and_order(void **state)
{
    struct tender_rules r = rules_of(TP_OPEN);
    struct tender_dates d = good_dates();
    struct tender_refusal why;
    (void)state;
    d.doc_end = d.doc_start + 5 * DAY;
    assert_int_equal(tender_rules_check_dates(&r, &d, T0, &why), ERR_OK);
    d.doc_end--;
    assert_int_equal(tender_rules_check_dates(&r, &d, T0, &why), ERR_RULE_DOC_PERIOD_TOO_SHORT);
    assert_string_equal(why.rule, "min_doc_days");
    assert_string_equal(why.field, "doc_end");

    static const struct {
        int which; /* 0 publish_at .. 4 bid_deadline */
        int64_t value;
        const char *field;
    } bad[] = {
        {1, T0 - 1, "doc_start"},                   /* documents before the notice */
        {2, T0 + DAY, "doc_end"},                   /* doc_end <= doc_start */
        {4, T0 + 8 * DAY - 1, "bid_deadline"},      /* deadline before doc_end */
        {3, T0 - 1, "clarify_deadline"},            /* questions close before the notice */
        {3, T0 + 21 * DAY + 1, "clarify_deadline"}, /* questions after the deadline */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        d = good_dates();
        int64_t *v[] = {&d.publish_at, &d.doc_start, &d.doc_end, &d.clarify_deadline,
                        &d.bid_deadline};
        *v[bad[i].which] = bad[i].value;
        assert_int_equal(tender_rules_check_dates(&r, &d, T0, &why), ERR_RULE_DATES_ORDER);
        assert_string_equal(why.rule, "dates_order");
        assert_string_equal(why.field, bad[i].field);
    }
    d = good_dates();
    d.clarify_deadline = 0;
    assert_int_equal(tender_rules_check_dates(&r, &d, T0, &why), ERR_MISSING_FIELD);
    assert_string_equal(why.field, "clarify_deadline");
    assert_null(why.rule);
}

static void test_bond_and_min_bids(void **state)
{
    struct tender_rules r = rules_of(TP_OPEN);
    struct tender_refusal why;
    (void)state;
    /* 2 % of 10,000 yuan (1,000,000 fen) is 20,000 fen */
    assert_int_equal(tender_rules_check_bond(&r, 1000000, 20000, "bond_fen", &why), ERR_OK);
    assert_int_equal(tender_rules_check_bond(&r, 1000000, 20001, "bond_fen", &why),
                     ERR_RULE_BOND_TOO_HIGH);
    assert_string_equal(why.rule, "bond_max_bp");
    assert_int_equal(why.limit, 20000);
    /* rounding down: 2 % of 12,345 fen is 246.9 fen -> 246 */
    assert_int_equal(tender_rules_check_bond(&r, 12345, 246, "x", &why), ERR_OK);
    assert_int_equal(tender_rules_check_bond(&r, 12345, 247, "x", &why), ERR_RULE_BOND_TOO_HIGH);
    /* a huge ceiling does not overflow */
    assert_int_equal(
        tender_rules_check_bond(&r, (int64_t)1 << 50, ((int64_t)1 << 50) / 50, "x", &why), ERR_OK);
    /* no ceiling: nothing to compare with */
    assert_int_equal(tender_rules_check_bond(&r, 0, 999999999, "x", &why), ERR_OK);

    assert_int_equal(tender_rules_check_min_bids(&r, 3, &why), ERR_OK);
    assert_int_equal(tender_rules_check_min_bids(&r, 2, &why), ERR_RULE_MIN_BIDS_TOO_LOW);
    assert_string_equal(why.rule, "min_bids");
    assert_int_equal(why.limit, 3);
    r = rules_of(TP_SINGLE_SOURCE);
    assert_int_equal(tender_rules_check_min_bids(&r, 1, &why), ERR_OK);
}

static void test_clarification_extends(void **state)
{
    struct tender_rules r = rules_of(TP_OPEN);
    int64_t deadline = T0 + 30 * DAY;
    (void)state;
    /* 15 days or more remain: unchanged */
    assert_int_equal(tender_rules_clarify_deadline(&r, deadline, T0), deadline);
    assert_int_equal(tender_rules_clarify_deadline(&r, deadline, deadline - 15 * DAY), deadline);
    /* one millisecond later: 15 days from now */
    int64_t now = deadline - 15 * DAY + 1;
    assert_int_equal(tender_rules_clarify_deadline(&r, deadline, now), now + 15 * DAY);
    /* the day before the deadline */
    now = deadline - DAY;
    assert_int_equal(tender_rules_clarify_deadline(&r, deadline, now), now + 15 * DAY);
    /* inquiry: 3 days */
    r = rules_of(TP_INQUIRY);
    assert_int_equal(tender_rules_clarify_deadline(&r, deadline, deadline - DAY),
                     deadline + 2 * DAY);
}

static void test_objection_question_registration(void **state)
{
    struct tender_rules r = rules_of(TP_OPEN);
    struct tender_dates d = good_dates();
    struct tender_refusal why;
    (void)state;
    assert_int_equal(
        tender_rules_check_objection(&r, d.bid_deadline, d.bid_deadline - 10 * DAY, &why), ERR_OK);
    assert_int_equal(
        tender_rules_check_objection(&r, d.bid_deadline, d.bid_deadline - 10 * DAY + 1, &why),
        ERR_RULE_OBJECTION_TOO_LATE);
    assert_string_equal(why.rule, "objection_days");
    assert_int_equal(why.limit, d.bid_deadline - 10 * DAY);
    assert_int_equal(tender_rules_answer_due(&r, T0), T0 + 3 * DAY);
    assert_int_equal(
        tender_rules_answer_due(&(struct tender_rules){.v = {[TR_ANSWER_DAYS] = 7}}, T0),
        T0 + 7 * DAY);

    assert_int_equal(tender_rules_check_question(&d, d.clarify_deadline, &why), ERR_OK);
    assert_int_equal(tender_rules_check_question(&d, d.clarify_deadline + 1, &why),
                     ERR_RULE_QUESTIONS_CLOSED);
    assert_string_equal(why.rule, "clarify_deadline");
    assert_int_equal(tender_rules_check_registration(&d, d.doc_end, &why), ERR_OK);
    assert_int_equal(tender_rules_check_registration(&d, d.doc_end + 1, &why),
                     ERR_RULE_REGISTRATION_CLOSED);
    assert_string_equal(why.rule, "doc_end");
}

static void test_pause_resume(void **state)
{
    struct tender_rules r = rules_of(TP_OPEN);
    struct tender_dates d = good_dates();
    (void)state;
    /* paused after doc_start (passed, stays), resumed 2 days later */
    int64_t since = T0 + 5 * DAY, now = since + 2 * DAY;
    assert_int_equal(tender_rules_resume(&r, &d, since, now), 2 * DAY);
    assert_int_equal(d.publish_at, T0);
    assert_int_equal(d.doc_start, T0 + DAY);
    assert_int_equal(d.doc_end, T0 + 10 * DAY);
    assert_int_equal(d.clarify_deadline, T0 + 12 * DAY);
    assert_int_equal(d.bid_deadline, T0 + 23 * DAY);
    /* paused before the documents were out: they move too */
    d = good_dates();
    assert_int_equal(tender_rules_resume(&r, &d, T0, T0 + 3600000), 3600000);
    assert_int_equal(d.doc_start, T0 + DAY + 3600000);
    /* a date exactly at the pause had passed: it stays */
    d = good_dates();
    tender_rules_resume(&r, &d, d.doc_end, d.doc_end + DAY);
    assert_int_equal(d.doc_end, T0 + 8 * DAY);
    assert_int_equal(d.bid_deadline, T0 + 22 * DAY);
    /* without the rule nothing moves */
    r.v[TR_PAUSE_EXTENDS] = 0;
    d = good_dates();
    assert_int_equal(tender_rules_resume(&r, &d, since, now), 0);
    assert_int_equal(d.bid_deadline, T0 + 21 * DAY);
}

static void test_next_due(void **state)
{
    struct tender_dates d = good_dates();
    enum tender_action a = TA__COUNT;
    (void)state;
    assert_int_equal(tender_rules_next_due(TS_DRAFT, false, false, &d, &a), 0);
    assert_int_equal(tender_rules_next_due(TS_DRAFT, true, false, &d, &a), d.publish_at);
    assert_int_equal(a, TA_RELEASE);
    assert_int_equal(tender_rules_next_due(TS_PUBLISHED, false, false, &d, &a), d.doc_start);
    assert_int_equal(a, TA_OPEN_BIDDING);
    assert_int_equal(tender_rules_next_due(TS_BIDDING, false, false, &d, &a), d.bid_deadline);
    assert_int_equal(a, TA_CLOSE_BIDDING);
    /* paused: nothing runs */
    assert_int_equal(tender_rules_next_due(TS_BIDDING, false, true, &d, &a), 0);
    assert_int_equal(tender_rules_next_due(TS_PUBLISHED, false, true, &d, &a), 0);
    /* the hall and later: not timers of this issue */
    for (int s = TS_OPENING; s < TS__COUNT; s++)
        assert_int_equal(tender_rules_next_due((enum tender_state)s, false, false, &d, &a), 0);
}

static void test_overrides(void **state)
{
    (void)state;
    /* at-least rules go only up */
    assert_int_equal(tender_rule_override_check(TP_OPEN, TR_MIN_BID_DAYS, 19),
                     ERR_RULE_BELOW_STATUTORY);
    assert_int_equal(tender_rule_override_check(TP_OPEN, TR_MIN_BID_DAYS, 20), ERR_OK);
    assert_int_equal(tender_rule_override_check(TP_OPEN, TR_MIN_BID_DAYS, 30), ERR_OK);
    assert_int_equal(tender_rule_override_check(TP_NEGOTIATION, TR_MIN_BID_DAYS, 5), ERR_OK);
    assert_int_equal(tender_rule_override_check(TP_OPEN, TR_MIN_BIDS, 2), ERR_RULE_BELOW_STATUTORY);
    /* at-most rules go only down */
    assert_int_equal(tender_rule_override_check(TP_OPEN, TR_BOND_MAX_BP, 201),
                     ERR_RULE_BELOW_STATUTORY);
    assert_int_equal(tender_rule_override_check(TP_OPEN, TR_BOND_MAX_BP, 100), ERR_OK);
    assert_int_equal(tender_rule_override_check(TP_OPEN, TR_ANSWER_DAYS, 4),
                     ERR_RULE_BELOW_STATUTORY);
    /* free rules: any value in range */
    assert_int_equal(tender_rule_override_check(TP_OPEN, TR_OBJECTION_DAYS, 0), ERR_OK);
    assert_int_equal(tender_rule_override_check(TP_OPEN, TR_PAUSE_EXTENDS, 0), ERR_OK);
    assert_int_equal(tender_rule_override_check(TP_OPEN, TR_PAUSE_EXTENDS, 2), ERR_INVALID_FIELD);
    assert_int_equal(tender_rule_override_check(TP_OPEN, TR_MIN_BID_DAYS, 366), ERR_INVALID_FIELD);
    assert_int_equal(tender_rule_override_check(TP_OPEN, TR_MIN_BID_DAYS, -1), ERR_INVALID_FIELD);
    assert_int_equal(tender_rule_override_check(TP__COUNT, TR_MIN_BID_DAYS, 20), ERR_INVALID_FIELD);
    /* names */
    for (int i = 0; i < TR__COUNT; i++) {
        assert_int_equal(tender_rule_parse(tender_rule_defs[i].name), i);
        assert_non_null(tender_rule_defs[i].source);
        assert_true(strlen(tender_rule_defs[i].source) > 5);
    }
    assert_int_equal(tender_rule_parse("min_bid_dayz"), -1);
}

static void test_code(void **state)
{
    char code[TENDER_CODE_MAX], region[7];
    int cat = -1, year = 0;
    int64_t seq = 0;
    (void)state;
    assert_int_equal(tender_code_format(code, "350100", TC_WORKS, 2026, 42), 0);
    assert_string_equal(code, "350100-GC-2026-00042");
    assert_int_equal(tender_code_parse(code, strlen(code), region, &cat, &year, &seq), 0);
    assert_string_equal(region, "350100");
    assert_int_equal(cat, TC_WORKS);
    assert_int_equal(year, 2026);
    assert_int_equal(seq, 42);
    assert_int_equal(tender_code_format(code, "350100", TC_FOREST, 2026, 123456), 0);
    assert_string_equal(code, "350100-LQ-2026-123456");
    assert_int_equal(tender_code_parse(code, strlen(code), NULL, &cat, NULL, &seq), 0);
    assert_int_equal(cat, TC_FOREST);
    assert_int_equal(seq, 123456);
    /* every category round-trips */
    for (int c = 0; c < TC__COUNT; c++) {
        assert_int_equal(tender_code_format(code, "110000", (enum tender_category)c, 2030, 1), 0);
        assert_int_equal(tender_code_parse(code, strlen(code), NULL, &cat, NULL, NULL), 0);
        assert_int_equal(cat, c);
    }
    assert_int_equal(tender_code_format(code, "35010", TC_WORKS, 2026, 1), -1);
    assert_int_equal(tender_code_format(code, "000000", TC_WORKS, 2026, 1), -1);
    assert_int_equal(tender_code_format(code, "350100", TC_WORKS, 2026, 0), -1);
    static const char *const bad[] = {"",
                                      "350100-GC-2026-0004",
                                      "350100-XX-2026-00042",
                                      "000000-GC-2026-00042",
                                      "350100-gc-2026-00042",
                                      "350100_GC-2026-00042",
                                      "350100-GC-1999-00042",
                                      "350100-GC-2026-00000",
                                      "350100-GC-2026-012345",
                                      "350100-GC-2026-0004a",
                                      "350100-GC-2026-1234567890"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(tender_code_parse(bad[i], strlen(bad[i]), NULL, NULL, NULL, NULL), -1);
    assert_true(tender_region_ok("350100"));
    assert_false(tender_region_ok("35010a"));
    assert_false(tender_region_ok(NULL));
    /* Beijing is UTC+8: 16:00Z on 31 December is already next year */
    assert_int_equal(tender_beijing_year(T0 - 8 * 3600 * 1000), 2026);
    assert_int_equal(tender_beijing_year(T0 - 8 * 3600 * 1000 - 1), 2025);
}

static void test_parsers(void **state)
{
    char mt[101];
    (void)state;
    assert_true(tender_readout_ok("bidder,price,duration", 21));
    assert_true(tender_readout_ok("price", 5));
    assert_false(tender_readout_ok("", 0));
    assert_false(tender_readout_ok("price,", 6));
    assert_false(tender_readout_ok(",price", 6));
    assert_false(tender_readout_ok("price,price", 11));
    assert_false(tender_readout_ok("Price", 5));
    assert_false(tender_readout_ok("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", 33)); /* 17 names */
    assert_true(tender_readout_ok("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p", 31));

    assert_true(tender_filename_ok("招标文件.pdf", strlen("招标文件.pdf")));
    assert_false(tender_filename_ok("../x", 4));
    assert_false(tender_filename_ok("a\\b", 3));
    assert_false(tender_filename_ok("..", 2));
    assert_false(tender_filename_ok("a\"b", 3));
    assert_false(tender_filename_ok("a\nb", 3));
    assert_false(tender_filename_ok("\xff.pdf", 5));
    assert_false(tender_filename_ok("", 0));

    assert_true(tender_media_type("Application/PDF; charset=x", 26, mt));
    assert_string_equal(mt, "application/pdf");
    assert_true(tender_media_type("application/vnd.ms-excel", 24, mt));
    assert_false(tender_media_type("pdf", 3, mt));
    assert_false(tender_media_type("a/b/c", 5, mt));
    assert_false(tender_media_type("/pdf", 4, mt));
    assert_false(tender_media_type("text/ html", 10, mt));
    assert_false(tender_media_type("", 0, mt));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_action_matrix),
        cmocka_unit_test(test_min_bid_days),
        cmocka_unit_test(test_min_doc_days_and_order),
        cmocka_unit_test(test_bond_and_min_bids),
        cmocka_unit_test(test_clarification_extends),
        cmocka_unit_test(test_objection_question_registration),
        cmocka_unit_test(test_pause_resume),
        cmocka_unit_test(test_next_due),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_code),
        cmocka_unit_test(test_parsers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
