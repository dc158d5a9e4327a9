/*
 * test_risk_sim.c — the similarity rules S1 and S2 as domain/risk.c writes
 * them from domain/risk_sim.h's findings (docs/supervision.md, "Bid
 * document similarity"): each finding becomes a flag with its bidders and
 * evidence and adds its weight once; a finding about organisations not in
 * the hall is dropped; no findings, no S flags; the default names that
 * prove nothing are recognised. The whole path from sealed envelopes is
 * tests/integration/test_supervision_sim.c.
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
#include "domain/risk_sim.h"

static struct risk_bid_in bid(int64_t org, int64_t price)
{
    struct risk_bid_in b;
    memset(&b, 0, sizeof b);
    b.lot_no = 1;
    b.org_id = org;
    b.org_name = org == 4 ? "甲公司" : org == 5 ? "乙公司" : "丙公司";
    b.status = "opened";
    b.price_fen = price;
    return b;
}

static json_t *eval(const struct risk_sim_hit *hits, size_t n, int *score)
{
    struct risk_bid_in bids[3] = {bid(4, 100000000), bid(5, 123000000), bid(6, 181000000)};
    struct risk_input in = {9, bids, 3, 0, NULL, 0};
    struct buf out;
    const char *level = NULL;
    json_error_t jerr;
    buf_init(&out, RISK_JSON_MAX);
    assert_int_equal(risk_evaluate_sim(&in, hits, n, &out, score, &level), 0);
    json_t *j = json_loadb(out.data, out.len, 0, &jerr);
    assert_non_null(j);
    buf_release(&out);
    return j;
}

static json_t *flag(json_t *an, const char *rule)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(an, "flags"), i, f)
    {
        if (strcmp(json_string_value(json_object_get(f, "rule")), rule) == 0)
            return f;
    }
    return NULL;
}

static void test_flags(void **state)
{
    (void)state;
    struct risk_sim_hit h[3];
    memset(h, 0, sizeof h);
    h[0].kind = RSIM_TEXT;
    h[0].orgs[0] = 4;
    h[0].orgs[1] = 5;
    h[0].norgs = 2;
    h[0].lot_no = 1;
    snprintf(h[0].files[0], sizeof h[0].files[0], "技术标.docx");
    snprintf(h[0].files[1], sizeof h[0].files[1], "tech.pdf");
    h[0].passages = 3;
    h[0].chars = 420;
    h[0].jaccard = 0.25;
    h[0].rarity = 0.9;
    h[1].kind = RSIM_META;
    h[1].orgs[0] = 5;
    h[1].orgs[1] = 6;
    h[1].norgs = 2;
    h[1].lot_no = 1;
    snprintf(h[1].field, sizeof h[1].field, "author");
    snprintf(h[1].value, sizeof h[1].value, "王工");
    /* organisations not in the hall: dropped */
    h[2].kind = RSIM_META;
    h[2].orgs[0] = 40;
    h[2].orgs[1] = 50;
    h[2].norgs = 2;
    snprintf(h[2].field, sizeof h[2].field, "company");
    int score = -1;
    json_t *an = eval(h, 3, &score);
    json_t *s1 = flag(an, "S1"), *s2 = flag(an, "S2");
    assert_non_null(s1);
    assert_non_null(s2);
    assert_string_equal(json_string_value(json_object_get(s1, "kind")), "similar_documents");
    assert_int_equal(json_integer_value(json_object_get(s1, "weight")), 35);
    assert_int_equal(json_array_size(json_object_get(s1, "orgs")), 2);
    json_t *ev = json_object_get(s1, "evidence");
    assert_int_equal(json_integer_value(json_object_get(ev, "shared_chars")), 420);
    assert_int_equal(json_integer_value(json_object_get(ev, "passages")), 3);
    assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "files"), 0)),
                        "技术标.docx");
    assert_string_equal(json_string_value(json_object_get(s2, "kind")), "same_metadata");
    ev = json_object_get(s2, "evidence");
    assert_string_equal(json_string_value(json_object_get(ev, "field")), "author");
    assert_string_equal(json_string_value(json_object_get(ev, "value")), "王工");
    json_t *o = json_array_get(json_object_get(s2, "orgs"), 0);
    assert_int_equal(json_integer_value(json_object_get(o, "id")), 5);
    assert_int_equal(json_array_size(json_object_get(an, "flags")), 2); /* the third dropped */
    assert_int_equal(score, 60);
    json_decref(an);

    /* a rule counts once however many findings fire it */
    h[1] = h[0];
    h[1].orgs[1] = 6;
    an = eval(h, 2, &score);
    assert_int_equal(score, 35);
    json_decref(an);

    /* no findings: no S flags, a clean tender */
    an = eval(NULL, 0, &score);
    assert_null(flag(an, "S1"));
    assert_null(flag(an, "S2"));
    assert_int_equal(score, 0);
    json_decref(an);
}

static void test_default_names(void **state)
{
    (void)state;
    assert_true(risk_sim_default_name("Administrator"));
    assert_true(risk_sim_default_name("ADMINISTRATOR"));
    assert_true(risk_sim_default_name("微软用户"));
    assert_true(risk_sim_default_name(""));
    assert_true(risk_sim_default_name(NULL));
    assert_false(risk_sim_default_name("王工"));
    assert_false(risk_sim_default_name("Wang Lei"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_default_names),
    };
    return cmocka_run_group_tests_name("risk_sim", tests, NULL, NULL);
}
