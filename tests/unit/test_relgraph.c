/*
 * Unit tests for the relationship graph (analytics/relgraph.h): key
 * normalisation, the CSV reader and its refusals, a planted ring of four
 * firms linked by a legal representative, a phone written two ways and a
 * project manager registered at two firms (found, with the chain as
 * evidence, and flagged where two of them bid in one lot), hubs, names,
 * and on synthetic markets: a planted rotation and a planted cover bidder
 * are found, and nothing is flagged in the clean markets around them (a
 * random market, a closed market where the same five firms always bid, a
 * market where three firms always meet).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/relgraph.h"
#include "base/buf.h"

static uint64_t rs;

static uint64_t rnd(void)
{
    rs ^= rs >> 12;
    rs ^= rs << 25;
    rs ^= rs >> 27;
    return rs * 2685821657736338717ULL;
}

static double unif(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

static struct relgraph *graph(void)
{
    struct rg_params p;
    rg_params_init(&p);
    struct relgraph *g = rg_new(&p);
    assert_non_null(g);
    return g;
}

static void load(struct relgraph *g,
                 int (*fn)(struct relgraph *, const char *, size_t, struct rg_error *),
                 const char *csv)
{
    struct rg_error e = {0};
    int rc = fn(g, csv, strlen(csv), &e);
    if (rc != RG_OK)
        fail_msg("load failed: %s line %zu: %s", rg_err_code(rc), e.line, e.msg);
}

static json_t *report(const struct relgraph *g)
{
    struct buf b;
    buf_init(&b, 1 << 28);
    assert_int_equal(rg_write_json(g, &b), RG_OK);
    json_error_t e;
    json_t *j = json_loads(b.data, 0, &e);
    if (j == NULL)
        fail_msg("not JSON: %s", e.text);
    buf_release(&b);
    return j;
}

/* ---- keys and CSV ------------------------------------------------------- */

static void test_keys(void **state)
{
    (void)state;
    char a[128], b[128];
    assert_true(rg_norm_phone("0591-8765 4321", a, sizeof a) > 0);
    assert_true(rg_norm_phone("+86 591 87654321", b, sizeof b) > 0);
    assert_string_equal(a, b);
    assert_true(rg_norm_phone("0086 138-0013-8000", a, sizeof a) > 0);
    assert_string_equal(a, "13800138000");
    assert_true(rg_norm_phone("(+86)13800138000", b, sizeof b) > 0);
    assert_string_equal(b, "13800138000");
    assert_int_equal(rg_norm_phone("110", a, sizeof a), 0); /* too short */
    assert_true(rg_norm_email(" Bid@Example.COM ", a, sizeof a) > 0);
    assert_string_equal(a, "bid@example.com");
    assert_int_equal(rg_norm_email("no-at-sign", a, sizeof a), 0);
    assert_int_equal(rg_norm_email("a@b@c", a, sizeof a), 0);
    assert_true(rg_norm_address("福州市鼓楼区五四路１２８号（Ａ座）", a, sizeof a) > 0);
    assert_true(rg_norm_address("福州市 鼓楼区 五四路128号 a座", b, sizeof b) > 0);
    assert_string_equal(a, b);
    assert_true(rg_norm_account("6222 0200 1234 5678", a, sizeof a) > 0);
    assert_string_equal(a, "6222020012345678");
    assert_int_equal(rg_norm_account("12-34", a, sizeof a), 0);
    assert_true(rg_norm_person_id("35010219800101123x", a, sizeof a) > 0);
    assert_string_equal(a, "35010219800101123X");
    assert_true(rg_norm_name(" 王 伟 ", a, sizeof a) > 0);
    assert_string_equal(a, "王伟");
}

static void test_csv(void **state)
{
    (void)state;
    struct relgraph *g = graph();
    /* BOM, CRLF, quoted fields with commas, quotes and a line break,
     * columns in any order, an unknown column, blank lines. */
    load(g, rg_load_orgs,
         "\xEF\xBB\xBFname,org_id,phone,extra\r\n"
         "\"Acme, Ltd.\",A,0591-1234567,x\r\n"
         "\r\n"
         "\"The \"\"Best\"\"\nBuilders\",B,\"0591 1234567\",y\r\n");
    load(g, rg_load_contacts, "org_id,kind,value\nC,电话,+86 591 1234567\n");
    assert_int_equal(rg_analyse(g), RG_OK);
    int ca = rg_component_of(g, "A");
    assert_true(ca >= 0);
    assert_int_equal(rg_component_of(g, "B"), ca);
    assert_int_equal(rg_component_of(g, "C"), ca);
    json_t *j = report(g);
    json_t *orgs = json_object_get(json_array_get(json_object_get(j, "components"), 0), "orgs");
    assert_string_equal(json_string_value(json_object_get(json_array_get(orgs, 0), "name")),
                        "Acme, Ltd.");
    assert_string_equal(json_string_value(json_object_get(json_array_get(orgs, 1), "name")),
                        "The \"Best\"\nBuilders");
    json_decref(j);
    rg_free(g);
}

static void expect_error(int (*fn)(struct relgraph *, const char *, size_t, struct rg_error *),
                         const char *csv, int code, size_t line)
{
    struct relgraph *g = graph();
    struct rg_error e = {0};
    assert_int_equal(fn(g, csv, strlen(csv), &e), code);
    assert_int_equal(e.code, code);
    assert_int_equal(e.line, line);
    assert_true(e.msg[0] != '\0');
    rg_free(g);
}

static void test_csv_refused(void **state)
{
    (void)state;
    expect_error(rg_load_orgs, "org_id,name\nA,\"never closed\n", RG_CSV_QUOTE, 2);
    expect_error(rg_load_orgs, "name,phone\nAcme,123\n", RG_MISSING_COLUMN, 1);
    expect_error(rg_load_orgs, "org_id,name\nA,x\n,y\n", RG_BAD_VALUE, 3);
    expect_error(rg_load_bids, "tender_id,lot,org,price\nT1,1,A,100\nT1,1,B,abc\n", RG_BAD_VALUE,
                 3);
    expect_error(rg_load_bids, "tender_id,lot,org,price\nT1,1,A,-5\n", RG_BAD_VALUE, 2);
    expect_error(rg_load_bids, "tender_id,lot,org,winner\nT1,1,A,maybe\n", RG_BAD_VALUE, 2);
    expect_error(rg_load_bids, "tender_id,org\nT1,A\n", RG_MISSING_COLUMN, 1);
    expect_error(rg_load_contacts, "org_id,kind,value\nA,fax,1\nA,pigeon,x\n", RG_BAD_VALUE, 3);
    expect_error(rg_load_people, "org_id,role\nA,manager\n", RG_MISSING_COLUMN, 1);
    expect_error(rg_load_people, "org_id,person_id,name\nA,,\n", RG_BAD_VALUE, 2);
    /* A field past the limit. */
    char *big = malloc(RG_MAX_FIELD + 64);
    assert_non_null(big);
    memcpy(big, "org_id\n", 7);
    memset(big + 7, 'x', RG_MAX_FIELD + 10);
    big[7 + RG_MAX_FIELD + 10] = '\0';
    expect_error(rg_load_orgs, big, RG_CSV_TOO_LONG, 2);
    free(big);
    assert_string_equal(rg_err_code(RG_CSV_QUOTE), "csv_unterminated_quote");
    /* An empty file is no error. */
    struct relgraph *g = graph();
    struct rg_error e = {0};
    assert_int_equal(rg_load_bids(g, "", 0, &e), RG_OK);
    rg_free(g);
}

/* ---- the ring ----------------------------------------------------------- */

static void test_planted_ring(void **state)
{
    (void)state;
    struct relgraph *g = graph();
    struct buf orgs, people, contacts, bids;
    buf_init(&orgs, 1 << 24);
    buf_init(&people, 1 << 24);
    buf_init(&contacts, 1 << 24);
    buf_init(&bids, 1 << 24);
    buf_puts(&orgs, "org_id,name,phone,email,address,bank_account\n");
    buf_puts(&people, "org_id,person_id,name,role\n");
    buf_puts(&contacts, "org_id,kind,value\n");
    buf_puts(&bids, "tender_id,lot,org\n");
    /* Forty clean firms, each with its own everything. */
    for (int i = 0; i < 40; i++) {
        buf_printf(&orgs, "F%02d,Firm %d,0591-8%07d,f%d@example.cn,福州市台江区%d路%d号,%016d\n", i,
                   i, 1000000 + i, i, i, i + 1, 620000000 + i);
        buf_printf(&people, "F%02d,3501%014d,Person %d,legal_rep\n", i, i, i);
    }
    /* The ring: R1 and R2 share a legal representative; R2 and R3 a phone
     * written two ways; R3 and R4 a project manager. */
    buf_puts(&orgs, "R1,Ring One,0591-22220001,r1@ring.cn,福州市仓山区一路1号,6222000000000001\n"
                    "R2,Ring Two,0591-22220002,r2@ring.cn,福州市仓山区二路2号,6222000000000002\n"
                    "R3,Ring Three,+86 591 2222 0002,r3@ring.cn,福州市仓山区三路3号,"
                    "6222000000000003\n"
                    "R4,Ring Four,0591-22220004,r4@ring.cn,福州市仓山区四路4号,6222000000000004\n");
    buf_puts(&people, "R1,350102197001011111,Zhang San,legal_rep\n"
                      "R2,350102197001011111,Zhang San,shareholder\n"
                      "R3,35010219800101123x,Li Si,项目经理\n"
                      "R4,35010219800101123X,Li Si,key_staff\n");
    /* A hub: 25 clean firms registered at one business centre. */
    for (int i = 0; i < 25; i++)
        buf_printf(&contacts, "F%02d,address,福州市鼓楼区商务中心１号\n", i);
    /* Lots: R1 and R3 meet in T9; clean firms elsewhere. */
    buf_puts(&bids, "T9,1,R1\nT9,1,F01\nT9,1,R3\nT9,1,F02\n");
    for (int t = 0; t < 20; t++)
        for (int k = 0; k < 4; k++)
            buf_printf(&bids, "C%d,1,F%02d\n", t, (t * 7 + k * 3) % 40);
    load(g, rg_load_orgs, orgs.data);
    load(g, rg_load_people, people.data);
    load(g, rg_load_contacts, contacts.data);
    load(g, rg_load_bids, bids.data);
    assert_int_equal(rg_analyse(g), RG_OK);
    struct rg_stats st;
    rg_stats(g, &st);
    assert_int_equal(st.components, 1);
    assert_int_equal(st.links, 3);
    assert_int_equal(st.hubs, 1);
    int c = rg_component_of(g, "R1");
    assert_true(c >= 0);
    assert_int_equal(rg_component_of(g, "R2"), c);
    assert_int_equal(rg_component_of(g, "R3"), c);
    assert_int_equal(rg_component_of(g, "R4"), c);
    assert_int_equal(rg_component_of(g, "F00"), -1); /* the hub links no one */
    assert_int_equal(st.linked_lots, 1);
    json_t *j = report(g);
    json_t *lb = json_array_get(json_object_get(j, "linked_bidders"), 0);
    assert_string_equal(json_string_value(json_object_get(lb, "tender")), "T9");
    json_t *lo = json_object_get(lb, "orgs");
    assert_int_equal(json_array_size(lo), 2);
    assert_string_equal(json_string_value(json_array_get(lo, 0)), "R1");
    assert_string_equal(json_string_value(json_array_get(lo, 1)), "R3");
    /* The chain R1 -(person)- R2 -(phone)- R3, and not the R3-R4 link. */
    json_t *ev = json_object_get(lb, "evidence");
    assert_int_equal(json_array_size(ev), 2);
    bool person = false, phone = false;
    for (size_t i = 0; i < 2; i++) {
        json_t *k = json_array_get(ev, i);
        const char *kind = json_string_value(json_object_get(k, "kind"));
        if (strcmp(kind, "person") == 0) {
            person = true;
            assert_string_equal(json_string_value(json_object_get(k, "name")), "Zhang San");
            json_t *o2 = json_array_get(json_object_get(k, "orgs"), 1);
            assert_string_equal(json_string_value(json_object_get(o2, "org")), "R2");
            assert_string_equal(json_string_value(json_array_get(json_object_get(o2, "roles"), 0)),
                                "shareholder");
        } else if (strcmp(kind, "phone") == 0) {
            phone = true;
            assert_string_equal(json_string_value(json_object_get(k, "value")), "059122220002");
        }
    }
    assert_true(person && phone);
    json_t *hub = json_array_get(json_object_get(j, "hubs"), 0);
    assert_int_equal(json_integer_value(json_object_get(hub, "orgs")), 25);
    json_decref(j);
    rg_free(g);
    buf_release(&orgs);
    buf_release(&people);
    buf_release(&contacts);
    buf_release(&bids);
}

static void test_names(void **state)
{
    (void)state;
    const char *people = "org_id,name,role\nA,王 伟,legal_rep\nB,王伟,manager\n";
    struct relgraph *g = graph();
    load(g, rg_load_people, people);
    assert_int_equal(rg_analyse(g), RG_OK);
    assert_int_equal(rg_component_of(g, "A"), -1); /* a common name is no identity */
    rg_free(g);
    struct rg_params p;
    rg_params_init(&p);
    p.match_names = true;
    g = rg_new(&p);
    load(g, rg_load_people, people);
    assert_int_equal(rg_analyse(g), RG_OK);
    assert_true(rg_component_of(g, "A") >= 0);
    json_t *j = report(g);
    json_t *l = json_array_get(json_object_get(j, "links"), 0);
    assert_true(json_is_true(json_object_get(l, "by_name")));
    json_decref(j);
    rg_free(g);
}

/* ---- markets ------------------------------------------------------------ */

struct market {
    struct buf bids;
    int tender;
    int day;
};

static void bid(struct market *m, const char *org, double price, bool win)
{
    buf_printf(&m->bids, "T%05d,1,%s,%.2f,%d,2024-%02d-%02d\n", m->tender, org, price, win ? 1 : 0,
               1 + (m->day / 28) % 12, 1 + m->day % 28);
}

/* A lot with these bidders at these prices; the lowest wins. */
static void lot(struct market *m, const char *const *orgs, const double *prices, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (prices[i] < prices[best])
            best = i;
    m->tender++;
    m->day++;
    for (size_t i = 0; i < n; i++)
        bid(m, orgs[i], prices[i], i == best);
}

/* Clean markets: 80 firms bidding at random, five firms that always bid
 * against each other, three that always meet with two random others. */
static void clean_markets(struct market *m)
{
    for (int t = 0; t < 300; t++) {
        char nm[6][8];
        int n = 3 + (int)(rnd() % 4);
        const char *orgs[6];
        double prices[6];
        int used[6];
        for (int i = 0; i < n; i++) {
            int f;
            bool dup;
            do {
                f = (int)(rnd() % 80);
                dup = false;
                for (int k = 0; k < i; k++)
                    dup = dup || used[k] == f;
            } while (dup);
            used[i] = f;
            snprintf(nm[i], sizeof nm[i], "P%02d", f);
            orgs[i] = nm[i];
            prices[i] = 1000.0 * (0.9 + 0.2 * unif());
        }
        lot(m, orgs, prices, (size_t)n);
    }
    const char *closed[] = {"K1", "K2", "K3", "K4", "K5"};
    for (int t = 0; t < 40; t++) {
        double prices[5];
        for (int i = 0; i < 5; i++)
            prices[i] = 500.0 * (0.9 + 0.2 * unif());
        lot(m, closed, prices, 5);
    }
    for (int t = 0; t < 30; t++) {
        const char *orgs[5] = {"M1", "M2", "M3", NULL, NULL};
        char o1[8], o2[8];
        snprintf(o1, sizeof o1, "P%02d", (int)(rnd() % 40));
        snprintf(o2, sizeof o2, "P%02d", 40 + (int)(rnd() % 40));
        orgs[3] = o1;
        orgs[4] = o2;
        double prices[5];
        for (int i = 0; i < 5; i++)
            prices[i] = 800.0 * (0.9 + 0.2 * unif());
        lot(m, orgs, prices, 5);
    }
}

static struct relgraph *run_market(struct market *m)
{
    struct relgraph *g = graph();
    load(g, rg_load_bids, m->bids.data);
    assert_int_equal(rg_analyse(g), RG_OK);
    return g;
}

static void market_init(struct market *m, uint64_t seed)
{
    buf_init(&m->bids, 1 << 26);
    buf_puts(&m->bids, "tender_id,lot,org,price,winner,date\n");
    m->tender = 0;
    m->day = 0;
    rs = seed;
}

static void test_clean_markets_flag_nothing(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        struct market m;
        market_init(&m, seed * 0x9E3779B97F4A7C15ULL);
        clean_markets(&m);
        struct relgraph *g = run_market(&m);
        struct rg_stats st;
        rg_stats(g, &st);
        assert_true(st.have_prices && st.have_winners);
        assert_true(st.cobid_pairs >= 10); /* the closed market's pairs, at least */
        assert_true(st.groups_tried >= 10);
        if (st.rotations != 0 || st.covers != 0) {
            const char *ids[8];
            size_t k = st.rotations ? rg_rotation_members(g, 0, ids, 8) : 0;
            fail_msg("seed %d: %zu rotations (first of %zu: %s...), %zu covers (%s)", (int)seed,
                     st.rotations, k, k ? ids[0] : "", st.covers,
                     st.covers ? rg_cover_org(g, 0) : "");
        }
        rg_free(g);
        buf_release(&m.bids);
    }
}

/* A ring of three takes turns to win 24 lots; two outsiders bid above the
 * designated winner each time. (Twelve lots would give p = 0.6^12 = 0.002:
 * not enough once every group tried is paid for.) */
static void plant_rotation(struct market *m)
{
    const char *ring[] = {"A", "B", "C"};
    for (int t = 0; t < 24; t++) {
        const char *orgs[5];
        double prices[5];
        char o1[8], o2[8];
        for (int i = 0; i < 3; i++) {
            orgs[i] = ring[i];
            prices[i] = i == t % 3 ? 950 : 1050 + 30 * i;
        }
        snprintf(o1, sizeof o1, "P%02d", (int)(rnd() % 80));
        snprintf(o2, sizeof o2, "P%02d", (int)(rnd() % 80));
        if (strcmp(o1, o2) == 0)
            o2[2] = (char)(o2[2] == '9' ? '0' : o2[2] + 1);
        orgs[3] = o1;
        orgs[4] = o2;
        prices[3] = 1000 + 100 * unif();
        prices[4] = 1000 + 100 * unif();
        lot(m, orgs, prices, 5);
    }
}

/* X bids in ten lots, always the highest, and W wins eight of them. */
static void plant_cover(struct market *m)
{
    for (int t = 0; t < 10; t++) {
        const char *orgs[5];
        double prices[5];
        char o[3][8];
        for (int i = 0; i < 3; i++) {
            snprintf(o[i], sizeof o[i], "P%02d", (int)((rnd() % 26) + 26 * i));
            orgs[i] = o[i];
            prices[i] = 1000 * (0.95 + 0.1 * unif());
        }
        orgs[3] = t < 8 ? "W" : "P79";
        prices[3] = t < 8 ? 900 : 1000 * (0.95 + 0.1 * unif());
        orgs[4] = "X";
        prices[4] = 1200;
        lot(m, orgs, prices, 5);
    }
}

static void test_planted_rotation_and_cover(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct market m;
        market_init(&m, seed * 0xD1B54A32D192ED03ULL);
        clean_markets(&m);
        plant_rotation(&m);
        plant_cover(&m);
        struct relgraph *g = run_market(&m);
        struct rg_stats st;
        rg_stats(g, &st);
        assert_int_equal(st.rotations, 1);
        const char *ids[8];
        assert_int_equal(rg_rotation_members(g, 0, ids, 8), 3);
        assert_string_equal(ids[0], "A");
        assert_string_equal(ids[1], "B");
        assert_string_equal(ids[2], "C");
        assert_int_equal(st.covers, 1);
        assert_string_equal(rg_cover_org(g, 0), "X");
        assert_string_equal(rg_cover_beneficiary(g, 0), "W");
        json_t *j = report(g);
        json_t *r = json_array_get(json_object_get(j, "rotation"), 0);
        assert_int_equal(json_integer_value(json_object_get(r, "lots")), 24);
        assert_true(json_real_value(json_object_get(r, "capture")) == 1.0 ||
                    json_integer_value(json_object_get(r, "capture")) == 1);
        json_t *stats = json_object_get(j, "stats");
        assert_true(json_number_value(json_object_get(r, "p_value")) <=
                    json_number_value(json_object_get(stats, "rotation_threshold")));
        assert_true(json_integer_value(json_object_get(stats, "rotation_tests")) >= 10);
        json_t *seq = json_object_get(r, "sequence");
        assert_int_equal(json_array_size(seq), 24);
        assert_string_equal(json_string_value(json_object_get(json_array_get(seq, 0), "winner")),
                            "A");
        assert_string_equal(json_string_value(json_object_get(json_array_get(seq, 1), "winner")),
                            "B");
        json_t *cv = json_array_get(json_object_get(j, "cover_bidding"), 0);
        assert_int_equal(json_integer_value(json_object_get(cv, "bids")), 10);
        assert_int_equal(json_integer_value(json_object_get(cv, "beneficiary_wins")), 8);
        assert_true(json_number_value(json_object_get(cv, "mean_rank")) == 1.0);
        json_decref(j);
        rg_free(g);
        buf_release(&m.bids);
    }
}

/* Without a winner column the lowest price wins; without prices or winners
 * there is nothing to say about rotation or cover. */
static void test_winner_from_price(void **state)
{
    (void)state;
    struct relgraph *g = graph();
    load(g, rg_load_bids, "tender_id,lot,org,price\nT1,1,A,100\nT1,1,B,90\nT1,1,A,80\n");
    assert_int_equal(rg_analyse(g), RG_OK);
    struct rg_stats st;
    rg_stats(g, &st);
    assert_int_equal(st.bids, 2); /* A's second row in the lot is ignored */
    assert_true(st.have_prices);
    assert_false(st.have_winners);
    rg_free(g);
    g = graph();
    load(g, rg_load_bids, "tender_id,lot,org\nT1,1,A\nT1,1,B\nT2,,A\nT2,,B\nT3,,A\nT3,,B\n");
    assert_int_equal(rg_analyse(g), RG_OK);
    rg_stats(g, &st);
    assert_int_equal(st.lots, 3);
    assert_int_equal(st.cobid_pairs, 1);
    assert_int_equal(st.rotations + st.covers, 0);
    rg_free(g);
}

static void test_bad_params(void **state)
{
    (void)state;
    struct rg_params p;
    rg_params_init(&p);
    p.alpha = 0;
    assert_null(rg_new(&p));
    rg_params_init(&p);
    p.max_share = 1;
    assert_null(rg_new(&p));
    rg_params_init(&p);
    p.min_capture = 1.5;
    assert_null(rg_new(&p));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_csv_refused),
        cmocka_unit_test(test_planted_ring),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_clean_markets_flag_nothing),
        cmocka_unit_test(test_planted_rotation_and_cover),
        cmocka_unit_test(test_winner_from_price),
        cmocka_unit_test(test_bad_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
