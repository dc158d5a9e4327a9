/*
 * The evaluation room over the store (domain/evaluation.h), on a fresh
 * SQLite store: a tender whose opening was sealed with four opened bids
 * (rows written directly: the opening is test_opening's), a committee of
 * seven members with accounts and personal signing certificates (P-256),
 * the chair elected.
 *
 * test_flow walks the whole way: start (refusals: role, template, method),
 * the qualification review (a fail needs a reason; a bid failed by the
 * majority is out), scoring (out of range, an invalid bid, completeness),
 * warnings raised by a planted score and not by the clean ones, confirmed
 * and revised with reasons, the report built and hashed, every member's
 * signature verified (a bad one refused, a second one refused), the
 * publicity (who sees what, before and after), an objection during it
 * pausing the award, the answer, the award of the first candidate with its
 * notice, the contract; the tender's states follow; the events are in the
 * witness-log queue.
 * test_lowest_price: a price-only method goes from the qualification
 * straight to the report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/base64.h"
#include "base/clock.h"
#include "base/roles.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "crypto/suite.h"
#include "domain/accounts.h"
#include "domain/contract.h"
#include "domain/evaluation.h"
#include "domain/uscc.h"
#include "store/draws.h"
#include "store/escrow.h"

#define DAY ((int64_t)24 * 3600 * 1000)
#define T0  ((int64_t)1767225600000) /* 2026-01-01T00:00:00Z */
#define NM  7                        /* committee members */
#define NB  4                        /* bids */

static const struct actor setup_actor = {0, "test", "127.0.0.1", "req-1"};

struct fx {
    struct store *s;
    struct arena a;
    char dir[512];
    int64_t org_agency, org_b[NB];
    struct tender_caller agent, bidder[NB], supervisor, public, x[NM];
    EVP_PKEY *key[NM];
    int64_t member[NM];
};

static int64_t make_org(struct store *s, const char *name, const char *first17)
{
    char code[USCC_LEN + 1];
    struct org o = {0};
    const char *field;
    int64_t id = 0;
    memcpy(code, first17, 17);
    code[17] = uscc_check_char(first17);
    code[18] = '\0';
    o.name = name;
    o.uscc = code;
    o.legal_rep = "某人";
    assert_int_equal(org_create(s, &setup_actor, &o, &id, &field), ERR_OK);
    return id;
}

static struct tender_caller make_caller(struct fx *f, const char *name, unsigned roles, int64_t org)
{
    struct store *s = f->s;
    struct user_input in = {0};
    struct tender_caller c = {{0}, roles, org, false};
    const char *field;
    in.username = name;
    in.display_name = name;
    in.password = "Sunbid@2026";
    in.roles = roles;
    in.org_id = org;
    assert_int_equal(user_create(s, &setup_actor, &in, &c.who.user_id, &field), ERR_OK);
    c.who.name = arena_strdup(&f->a, name);
    return c;
}

static void exec(struct store *s, const char *sql, const struct store_param *p, int np)
{
    struct store_tx *tx;
    assert_int_equal(store_begin(s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_exec(tx, sql, p, np, NULL), STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);
}

static int64_t count(struct store *s, const char *sql, int64_t arg)
{
    struct store_tx *tx;
    struct store_param p[] = {SP_I(arg)};
    int64_t n = -1;
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_query_int(tx, sql, p, 1, &n), STORE_OK);
    store_rollback(tx);
    return n;
}

/* A P-256 signing certificate for member i's account, stored as active. */
static void give_cert(struct fx *f, int i)
{
    EVP_PKEY *ca = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    unsigned char *der = NULL;
    char fp[65];
    struct store_tx *tx;
    int64_t cid = 0;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 200 + i);
    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)((T0 - DAY) / 1000));
    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)((T0 + 3650 * DAY) / 1000));
    X509_set_pubkey(x, k);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"expert", -1, -1, 0);
    X509_set_issuer_name(x, n);
    assert_true(X509_sign(x, ca, EVP_sha256()) > 0);
    int len = i2d_X509(x, &der);
    assert_true(len > 0);
    crypto_sha256_hex(der, (size_t)len, fp);
    struct user_cert c = {.user_id = f->x[i].who.user_id,
                          .usage = "sign",
                          .der = der,
                          .der_len = (size_t)len,
                          .fingerprint = fp,
                          .subject = "CN=expert",
                          .issuer = "CN=expert",
                          .serial = "c8",
                          .key_alg = "p256",
                          .not_before_ms = T0 - DAY,
                          .not_after_ms = T0 + 3650 * DAY,
                          .registered_ms = T0};
    assert_int_equal(store_begin(f->s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_user_cert_insert(tx, &c, &cid), STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);
    f->key[i] = k;
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(ca);
}

static int setup(void **state)
{
    static const char *const names[NB] = {"海峡建工集团有限公司", "榕城市政建设有限公司",
                                          "闽江路桥工程有限公司", "福州第四建筑公司"};
    static const char *const codes[NB] = {"91350000158143215", "91350100735676503",
                                          "91350100MA2YK0B2X", "91350100MA2YK0C3X"};
    struct fx *f = calloc(1, sizeof(*f));
    char err[256], name[32];
    int applied;
    const char *tmp = getenv("SUNBID_TEST_TMP");
    static int seq;
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "%s/evalflow-%d-%d", tmp ? tmp : "/tmp", (int)getpid(), seq++);
    password_set_cost(10);
    clock_manual(T0);
    if (store_open(&f->s, NULL, f->dir, err, sizeof(err)) != STORE_OK)
        fail_msg("store_open: %s", err);
    assert_int_equal(store_migrate(f->s, &applied), STORE_OK);
    arena_init(&f->a, 0);
    f->org_agency = make_org(f->s, "榕城招标代理有限公司", "91350100MA2YK0A1X");
    for (int i = 0; i < NB; i++) {
        f->org_b[i] = make_org(f->s, names[i], codes[i]);
        snprintf(name, sizeof name, "bidder%d", i + 1);
        f->bidder[i] = make_caller(f, name, ROLE_BIDDER, f->org_b[i]);
    }
    f->agent = make_caller(f, "agent", ROLE_AGENT, f->org_agency);
    f->supervisor = make_caller(f, "supervisor", ROLE_SUPERVISOR, 0);
    f->public.who.name = "anonymous";
    for (int i = 0; i < NM; i++) {
        snprintf(name, sizeof name, "expert%d", i + 1);
        f->x[i] = make_caller(f, name, ROLE_EXPERT, 0);
        give_cert(f, i);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[600];
    store_close(f->s);
    arena_release(&f->a);
    for (int i = 0; i < NM; i++)
        EVP_PKEY_free(f->key[i]);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    clock_system();
    free(f);
    return 0;
}

/* A tender in state evaluation: its opening sealed with the bids' forms
 * (forms[i] NULL: bid i not opened), the committee formed, member 0 chair. */
static int64_t evaluation_tender(struct fx *f, const char *method, const char *const *forms)
{
    static const char pdf[] = "%PDF-1.4 招标文件 (test)";
    struct tender_input in = {0};
    struct tender_refusal why;
    char hash[BLOB_HASH_HEX + 1];
    int64_t id = 0, version = 0, now = clock_now_ms();
    in.title = "榕城市滨江路改造工程施工";
    in.region = "350100";
    in.category = "works";
    in.eval_method = method;
    in.dates.publish_at = now;
    in.dates.doc_start = now + DAY;
    in.dates.doc_end = now + 8 * DAY;
    in.dates.clarify_deadline = now + 11 * DAY;
    in.dates.bid_deadline = now + 22 * DAY;
    assert_int_equal(tender_create(f->s, &f->agent, &in, &id, &why), ERR_OK);
    assert_int_equal(tender_document_add(f->s, &f->agent, id, "招标文件.pdf", "application/pdf",
                                         pdf, sizeof pdf - 1, &version, hash, NULL, NULL),
                     ERR_OK);
    assert_int_equal(tender_publish(f->s, &f->agent, id, NULL, NULL), ERR_OK);
    struct store_param ps[] = {SP_I(id)};
    exec(f->s, "UPDATE tenders SET state = 'evaluation' WHERE id = $1", ps, 1);
    struct store_param ph[] = {SP_I(id), SP_I(now)};
    exec(f->s,
         "INSERT INTO opening_halls (tender_id, phase, bidders, min_bids, record, record_hash,"
         " created_ms, updated_ms) VALUES ($1, 'sealed', 4, 3, '{}',"
         " '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', $2, $2)",
         ph, 2);
    for (int i = 0; i < NB; i++) {
        char blob[65];
        crypto_sha256_hex(&i, sizeof i, blob);
        struct store_param p[] = {SP_I(id), SP_I(f->org_b[i]), SP_T(blob), SP_I(now), SP_I(i + 1)};
        exec(f->s,
             "INSERT INTO bids (tender_id, lot_no, org_id, version, state, blob_hash, size, suite,"
             " chain_hash, signer_fp, submitted_ms, seq) VALUES ($1, 1, $2, 1, 'submitted', $3,"
             " 100, 'intl', $3, $3, $4, $5)",
             p, 5);
        struct store_param q[] = {SP_I(id), SP_I(f->org_b[i]), SP_T(forms[i]),
                                  SP_T(forms[i] ? "opened" : "revoked")};
        exec(f->s,
             "INSERT INTO opening_bids (bid_id, tender_id, lot_no, org_id, status, form)"
             " SELECT id, tender_id, 1, org_id, $4, $3 FROM bids WHERE tender_id = $1"
             " AND org_id = $2",
             q, 4);
    }
    struct store_tx *tx;
    assert_int_equal(store_begin(f->s, STORE_WRITE, &tx), STORE_OK);
    for (int i = 0; i < NM; i++) {
        char name[32];
        snprintf(name, sizeof name, "专家%d", i + 1);
        struct committee_member m = {.tender_id = id,
                                     .kind = "expert",
                                     .name = name,
                                     .user_id = f->x[i].who.user_id,
                                     .added_ms = now};
        assert_int_equal(store_committee_member_insert(tx, &m, &f->member[i]), STORE_OK);
    }
    struct committee cm = {.tender_id = id, .size = NM, .experts = NM, .formed_ms = now};
    assert_int_equal(store_committee_insert(tx, &cm), STORE_OK);
    assert_int_equal(store_committee_set_chair(tx, id, f->member[0], "elected", now), STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);
    return id;
}

static const char *state_of(struct fx *f, int64_t id)
{
    struct store_tx *tx;
    struct tender t;
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_tender_get(tx, &f->a, id, &t), STORE_OK);
    store_rollback(tx);
    return t.state;
}

/* The caller's view as JSON (or NULL with *e set). */
static json_t *view(struct fx *f, const struct tender_caller *c, int64_t id, enum err *e)
{
    struct buf b;
    json_error_t jerr;
    buf_init(&b, 1 << 24);
    *e = evaluation_view_json(f->s, c, id, 1, &b);
    json_t *j = *e == ERR_OK ? json_loadb(b.data, b.len, 0, &jerr) : NULL;
    if (*e == ERR_OK && j == NULL)
        fail_msg("view is not JSON: %s", jerr.text);
    buf_release(&b);
    return j;
}

static const char tpl[] =
    "{\"method\":\"comprehensive\","
    "\"qualification\":[{\"code\":\"Q1\",\"name\":\"资质\"},{\"code\":\"Q2\",\"name\":\"签章\"}],"
    "\"items\":["
    "{\"code\":\"T1\",\"name\":\"施工组织设计\",\"kind\":\"subjective\",\"points\":20,\"min\":8},"
    "{\"code\":\"T2\",\"name\":\"质量保证\",\"kind\":\"subjective\",\"points\":10},"
    "{\"code\":\"O1\",\"name\":\"工期\",\"kind\":\"objective\",\"points\":10,"
    "\"field\":\"duration_days\"},"
    "{\"code\":\"P\",\"name\":\"报价\",\"kind\":\"price\",\"points\":60}],"
    "\"price\":{\"formula\":\"avg_base\",\"k\":0.97,\"above\":2,\"below\":1},"
    "\"aggregate\":\"trimmed_mean\"}";

static const char *const forms4[NB] = {
    "{\"duration_days\":300,\"price_fen\":9800000}",
    "{\"duration_days\":330,\"price_fen\":10200000}",
    "{\"duration_days\":360,\"price_fen\":9500000}",
    "{\"duration_days\":300,\"price_fen\":9000000}",
};

/* Member m's clean score of bid b, item i (0: T1, 1: T2), centi. */
static int64_t clean(int m, int b, int i)
{
    static const int64_t base[3][2] = {{1700, 800}, {1500, 700}, {1400, 650}};
    return base[b][i] + ((m * 3 + b * 5 + i) % 7) * 7;
}

static void sign(struct fx *f, int m, const char *report_sha, uint8_t *sig, size_t *len)
{
    char msg[128];
    evaluation_sign_message(report_sha, msg);
    *len = SUITE_MAX_SIG;
    assert_int_equal(suite_sign(&suite_intl, f->key[m], msg, strlen(msg), sig, len), SEAL_OK);
}

/* What domain/contract.c does on the second verified signature. */
struct contract_step {
    const struct tender_caller *c;
    int64_t id;
    const char *sha;
};

static enum err contract_step_tx(struct store_tx *tx, void *arg)
{
    struct contract_step *cs = arg;
    return evaluation_contract_tx(tx, cs->c, cs->id, 1, 9800000, cs->sha);
}

struct reeval_step {
    int64_t id;
    int lot;
};

static enum err reeval_step_tx(struct store_tx *tx, void *arg)
{
    struct reeval_step *rs = arg;
    struct arena a;
    struct tender t;
    arena_init(&a, 0);
    enum err e = domain_store_err(store_tender_get(tx, &a, rs->id, &t));
    if (e == ERR_OK)
        e = evaluation_reevaluate_tx(tx, &tender_system_caller, &t, rs->lot, 0, "重新评审",
                                     clock_now_ms());
    arena_release(&a);
    return e;
}

static void test_flow(void **state)
{
    struct fx *f = *state;
    const char *field = NULL;
    enum err e;
    json_t *j;
    int64_t id = evaluation_tender(f, "comprehensive", forms4);

    /* ---- start ---- */
    assert_int_equal(evaluation_start(f->s, &f->supervisor, id, 1, tpl, strlen(tpl), &field),
                     ERR_FORBIDDEN);
    assert_int_equal(evaluation_start(f->s, &f->x[0], id, 1, tpl, strlen(tpl), &field),
                     ERR_FORBIDDEN);
    const char *bad = "{\"method\":\"comprehensive\",\"items\":[]}";
    assert_int_equal(evaluation_start(f->s, &f->agent, id, 1, bad, strlen(bad), &field),
                     ERR_EVAL_TEMPLATE_INVALID);
    assert_string_equal(field, "items");
    const char *lp = eval_template_builtin("lowest_price");
    assert_int_equal(evaluation_start(f->s, &f->agent, id, 1, lp, strlen(lp), &field),
                     ERR_EVAL_TEMPLATE_INVALID);
    assert_string_equal(field, "method"); /* the tender's documents say comprehensive */
    /* nothing to see yet for the members */
    j = view(f, &f->x[1], id, &e);
    assert_int_equal(e, ERR_EVAL_WRONG_PHASE);
    j = view(f, &f->bidder[0], id, &e);
    assert_int_equal(e, ERR_NOT_FOUND);
    assert_int_equal(evaluation_start(f->s, &f->agent, id, 1, tpl, strlen(tpl), &field), ERR_OK);
    assert_int_equal(evaluation_start(f->s, &f->agent, id, 1, tpl, strlen(tpl), &field),
                     ERR_EVAL_WRONG_PHASE);
    j = view(f, &f->bidder[0], id, &e);
    assert_int_equal(e, ERR_NOT_FOUND); /* bidders see nothing until the publicity */
    j = view(f, &f->agent, id, &e);
    assert_int_equal(e, ERR_OK);
    assert_string_equal(json_string_value(json_object_get(j, "phase")), "qualification");
    assert_null(json_object_get(j, "bidders")); /* logistics only */
    assert_int_equal(json_integer_value(json_object_get(j, "bids")), 4);
    json_decref(j);

    /* ---- qualification: Q2 fails bid 3 by five of seven ---- */
    struct evaluation_vote v[NB * 2];
    for (int m = 0; m < NM; m++) {
        int n = 0;
        for (int b = 0; b < NB; b++)
            for (int c = 0; c < 2; c++) {
                bool fail = b == 3 && c == 1 && m < 5;
                v[n++] = (struct evaluation_vote){f->org_b[b], c ? "Q2" : "Q1", !fail,
                                                  fail ? "投标函未加盖公章" : NULL};
            }
        if (m == 0) {
            /* a fail without its reason; an unknown criterion; a partial sheet */
            v[7].reason = NULL;
            assert_int_equal(evaluation_qualify(f->s, &f->x[0], id, 1, v, 8, true, &field),
                             ERR_EVAL_SHEET_INCOMPLETE);
            assert_string_equal(field, "reason");
            v[7].reason = "投标函未加盖公章";
            v[0].criterion = "Q9";
            assert_int_equal(evaluation_qualify(f->s, &f->x[0], id, 1, v, 8, true, &field),
                             ERR_INVALID_FIELD);
            assert_string_equal(field, "criterion");
            v[0].criterion = "Q1";
            assert_int_equal(evaluation_qualify(f->s, &f->x[0], id, 1, v, 4, true, &field),
                             ERR_EVAL_SHEET_INCOMPLETE);
            assert_int_equal(evaluation_qualify(f->s, &f->bidder[0], id, 1, v, 8, true, &field),
                             ERR_NOT_COMMITTEE_MEMBER);
        }
        assert_int_equal(evaluation_qualify(f->s, &f->x[m], id, 1, v, n, true, &field), ERR_OK);
        if (m == 3) {
            assert_int_equal(evaluation_advance(f->s, &f->x[0], id, 1, "qualification"),
                             ERR_EVAL_SHEETS_MISSING);
            assert_int_equal(evaluation_advance(f->s, &f->x[1], id, 1, NULL), ERR_FORBIDDEN);
        }
    }
    assert_int_equal(evaluation_advance(f->s, &f->x[0], id, 1, "scoring"), ERR_EVAL_WRONG_PHASE);
    assert_int_equal(evaluation_advance(f->s, &f->x[0], id, 1, "qualification"), ERR_OK);

    /* ---- scoring ---- */
    struct evaluation_score s[6];
    struct evaluation_score bad3 = {f->org_b[3], "T1", 1500};
    assert_int_equal(evaluation_score(f->s, &f->x[0], id, 1, &bad3, 1, false, NULL, &field),
                     ERR_INVALID_FIELD);
    assert_string_equal(field, "org_id"); /* failed the qualification */
    struct evaluation_score over = {f->org_b[0], "T2", 1001};
    assert_int_equal(evaluation_score(f->s, &f->x[0], id, 1, &over, 1, false, NULL, &field),
                     ERR_EVAL_SCORE_OUT_OF_RANGE);
    struct evaluation_score obj = {f->org_b[0], "O1", 500};
    assert_int_equal(evaluation_score(f->s, &f->x[0], id, 1, &obj, 1, false, NULL, &field),
                     ERR_INVALID_FIELD);
    assert_string_equal(field, "item"); /* objective items are computed */
    for (int m = 0; m < NM; m++) {
        int n = 0;
        for (int b = 0; b < 3; b++)
            for (int i = 0; i < 2; i++)
                s[n++] = (struct evaluation_score){f->org_b[b], i ? "T2" : "T1", clean(m, b, i)};
        if (m == 6)
            s[2].centi = 300; /* bid 1, T1: 3.00 where the others give about 15 */
        if (m == 0)
            assert_int_equal(evaluation_score(f->s, &f->x[0], id, 1, s, 5, true, NULL, &field),
                             ERR_EVAL_SHEET_INCOMPLETE);
        assert_int_equal(evaluation_score(f->s, &f->x[m], id, 1, s, n, true, NULL, &field), ERR_OK);
    }
    /* the planted score: below the allowed range and far from the others;
     * nothing else is raised */
    j = view(f, &f->supervisor, id, &e);
    assert_int_equal(e, ERR_OK);
    json_t *ws = json_object_get(j, "warnings");
    int64_t w_range = 0, w_out = 0;
    for (size_t k = 0; k < json_array_size(ws); k++) {
        json_t *w = json_array_get(ws, k);
        const char *kind = json_string_value(json_object_get(w, "kind"));
        assert_int_equal(json_integer_value(json_object_get(w, "member_id")), f->member[6]);
        assert_int_equal(json_integer_value(json_object_get(w, "org_id")), f->org_b[1]);
        if (strcmp(kind, "range") == 0)
            w_range = json_integer_value(json_object_get(w, "id"));
        else if (strcmp(kind, "outlier") == 0 &&
                 strcmp(json_string_value(json_object_get(w, "item")), "T1") == 0)
            w_out = json_integer_value(json_object_get(w, "id"));
    }
    assert_true(w_range > 0 && w_out > 0);
    assert_int_equal(json_array_size(ws), 3); /* range, outlier on T1, outlier on the sum */
    json_decref(j);
    /* the member sees its own warnings, another member none, the chair all */
    j = view(f, &f->x[6], id, &e);
    assert_int_equal(json_array_size(json_object_get(j, "warnings")), 3);
    assert_int_equal(json_array_size(json_object_get(j, "entries")), 6 + 8);
    json_decref(j);
    j = view(f, &f->x[2], id, &e);
    assert_int_equal(json_array_size(json_object_get(j, "warnings")), 0);
    assert_int_equal(json_array_size(json_object_get(j, "qualified")), 3); /* bid 3 is out */
    json_decref(j);
    j = view(f, &f->x[0], id, &e);
    assert_int_equal(json_array_size(json_object_get(j, "warnings")), 3);
    json_decref(j);
    assert_int_equal(evaluation_advance(f->s, &f->x[0], id, 1, "scoring"), ERR_EVAL_WARNINGS_OPEN);
    /* confirm one; only the warned member may */
    assert_int_equal(evaluation_confirm(f->s, &f->x[2], id, 1, w_range, "理由"), ERR_NOT_FOUND);
    assert_int_equal(evaluation_confirm(f->s, &f->x[6], id, 1, w_range, NULL), ERR_MISSING_FIELD);
    assert_int_equal(evaluation_confirm(f->s, &f->x[6], id, 1, w_range, "施工组织设计缺少关键工序"),
                     ERR_OK);
    assert_int_equal(evaluation_confirm(f->s, &f->x[6], id, 1, w_range, "again"),
                     ERR_EVAL_WRONG_PHASE);
    /* revise the score: a reason is required after submitting */
    struct evaluation_score rev = {f->org_b[1], "T1", clean(6, 1, 0)};
    assert_int_equal(evaluation_score(f->s, &f->x[6], id, 1, &rev, 1, false, NULL, &field),
                     ERR_EVAL_SHEET_INCOMPLETE);
    assert_string_equal(field, "reason");
    assert_int_equal(
        evaluation_score(f->s, &f->x[6], id, 1, &rev, 1, false, "复核后更正为15分", &field),
        ERR_OK);
    j = view(f, &f->supervisor, id, &e);
    ws = json_object_get(j, "warnings");
    for (size_t k = 0; k < json_array_size(ws); k++) {
        json_t *w = json_array_get(ws, k);
        const char *st = json_string_value(json_object_get(w, "status"));
        if (json_integer_value(json_object_get(w, "id")) == w_range) {
            assert_string_equal(st, "confirmed");
        } else {
            assert_string_equal(st, "revised");
            if (json_integer_value(json_object_get(w, "id")) == w_out)
                assert_string_equal(json_string_value(json_object_get(w, "reason")),
                                    "复核后更正为15分");
        }
    }
    json_decref(j);

    /* ---- the report ---- */
    assert_int_equal(evaluation_advance(f->s, &f->x[0], id, 1, "scoring"), ERR_OK);
    struct buf rb;
    json_error_t jerr;
    buf_init(&rb, 1 << 24);
    assert_int_equal(evaluation_report_json(f->s, &f->bidder[0], id, 1, &rb), ERR_NOT_FOUND);
    assert_int_equal(evaluation_report_json(f->s, &f->supervisor, id, 1, &rb), ERR_OK);
    json_t *rep = json_loadb(rb.data, rb.len, 0, &jerr);
    assert_non_null(rep);
    const char *sha = json_string_value(json_object_get(rep, "report_sha256"));
    char report_sha[65], check[65];
    snprintf(report_sha, sizeof report_sha, "%s", sha);
    /* the report's bytes hash to its announced hash */
    const char *start = strstr(rb.data, "\"report\":") + 9;
    const char *end = strstr(rb.data, ",\"signatures\":");
    crypto_sha256_hex(start, (size_t)(end - start), check);
    assert_string_equal(check, report_sha);
    json_t *r = json_object_get(rep, "report");
    json_t *cands = json_object_get(r, "candidates");
    assert_int_equal(json_array_size(cands), 3);
    /* bid 0 first (best scores, close to the base), bid 2 (cheapest valid), bid 1 */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(cands, 0), "org_id")),
                     f->org_b[0]);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(cands, 1), "org_id")),
                     f->org_b[2]);
    /* base = (9,800,000 + 10,200,000 + 9,500,000) / 3 × 0.97 = 9,538,333.33 -> 9,538,333 */
    assert_int_equal(json_integer_value(json_object_get(r, "price_base_fen")), 9538333);
    json_t *bids = json_object_get(r, "bids");
    json_t *b3 = json_array_get(bids, 3);
    assert_int_equal(json_integer_value(json_object_get(b3, "org_id")), f->org_b[3]);
    assert_string_equal(json_string_value(json_object_get(b3, "invalid")), "qualification");
    assert_string_equal(json_string_value(json_object_get(b3, "failed_criterion")), "Q2");
    /* bid 0's price score: +2.7433 % above the base, 2 points per 1 %: 60 − 5.49 */
    assert_true(json_real_value(json_object_get(json_object_get(json_array_get(bids, 0), "items"),
                                                "P")) == 54.51);
    json_decref(rep);

    /* ---- signatures ---- */
    uint8_t sig[SUITE_MAX_SIG];
    size_t len;
    sign(f, 1, report_sha, sig, &len); /* member 1's key */
    assert_int_equal(evaluation_sign(f->s, &f->x[0], id, 1, sig, len), ERR_USER_SIGNATURE_INVALID);
    assert_int_equal(evaluation_publish(f->s, &f->agent, id, 1, 3), ERR_EVAL_WRONG_PHASE);
    for (int m = 0; m < NM; m++) {
        sign(f, m, report_sha, sig, &len);
        assert_int_equal(evaluation_sign(f->s, &f->x[m], id, 1, sig, len), ERR_OK);
        if (m == 0)
            assert_int_equal(evaluation_sign(f->s, &f->x[m], id, 1, sig, len),
                             ERR_EVAL_ALREADY_SIGNED);
    }
    /* every stored signature verifies with the member's key over the report hash */
    buf_reset(&rb);
    assert_int_equal(evaluation_report_json(f->s, &f->agent, id, 1, &rb), ERR_OK);
    rep = json_loadb(rb.data, rb.len, 0, &jerr);
    json_t *sigs = json_object_get(rep, "signatures");
    assert_int_equal(json_array_size(sigs), NM);
    for (size_t k = 0; k < NM; k++) {
        json_t *sg = json_array_get(sigs, k);
        int m = -1;
        for (int x = 0; x < NM; x++)
            if (f->member[x] == json_integer_value(json_object_get(sg, "member_id")))
                m = x;
        assert_true(m >= 0);
        const char *b64 = json_string_value(json_object_get(sg, "signature"));
        uint8_t raw[SUITE_MAX_SIG];
        long n = b64_decode(b64, strlen(b64), raw, sizeof raw, 0);
        char msg[128];
        evaluation_sign_message(report_sha, msg);
        assert_true(n > 0);
        assert_int_equal(suite_verify(&suite_intl, f->key[m], msg, strlen(msg), raw, (size_t)n),
                         SEAL_OK);
        msg[strlen(msg) - 1] ^= 1; /* and not over anything else */
        assert_int_not_equal(suite_verify(&suite_intl, f->key[m], msg, strlen(msg), raw, (size_t)n),
                             SEAL_OK);
    }
    json_decref(rep);
    buf_release(&rb);

    /* ---- publicity ---- */
    assert_int_equal(evaluation_publish(f->s, &f->agent, id, 1, 2), ERR_INVALID_FIELD);
    assert_int_equal(evaluation_publish(f->s, &f->x[0], id, 1, 3), ERR_FORBIDDEN);
    assert_int_equal(evaluation_publish(f->s, &f->agent, id, 1, 3), ERR_OK);
    assert_string_equal(state_of(f, id), "publicity");
    j = view(f, &f->public, id, &e);
    assert_int_equal(e, ERR_OK);
    assert_int_equal(json_array_size(json_object_get(json_object_get(j, "result"), "candidates")),
                     3);
    assert_null(json_object_get(j, "entries")); /* no scores for the public */
    assert_null(json_object_get(j, "warnings"));
    json_decref(j);
    int64_t oid = 0;
    assert_int_equal(evaluation_object(f->s, &f->agent, id, 1, "异议", &oid),
                     ERR_OPENING_NOT_BIDDER);
    assert_int_equal(evaluation_object(f->s, &f->bidder[1], id, 1, "第一名业绩造假", &oid), ERR_OK);
    assert_int_equal(evaluation_award(f->s, &f->agent, id, 1, 0, NULL), ERR_EVAL_PUBLICITY_RUNNING);
    clock_manual_set(T0 + 3 * DAY + 1);
    int64_t o2 = 0;
    assert_int_equal(evaluation_object(f->s, &f->bidder[2], id, 1, "迟到的异议", &o2),
                     ERR_EVAL_PUBLICITY_OVER);
    assert_int_equal(evaluation_award(f->s, &f->agent, id, 1, 0, NULL), ERR_EVAL_OBJECTIONS_OPEN);
    j = view(f, &f->bidder[2], id, &e);
    json_t *ob = json_array_get(json_object_get(j, "objections"), 0);
    assert_null(json_object_get(ob, "org_id")); /* the objector stays hidden */
    json_decref(j);
    assert_int_equal(evaluation_answer(f->s, &f->agent, id, 1, oid, "经核查，业绩真实有效。"),
                     ERR_OK);
    assert_int_equal(evaluation_answer(f->s, &f->agent, id, 1, oid, "again"), ERR_NOT_FOUND);

    /* ---- award and contract ---- */
    assert_int_equal(evaluation_award(f->s, &f->agent, id, 1, f->org_b[3], NULL),
                     ERR_EVAL_NOT_CANDIDATE);
    assert_int_equal(evaluation_award(f->s, &f->agent, id, 1, f->org_b[2], NULL),
                     ERR_MISSING_FIELD);
    assert_int_equal(evaluation_award(f->s, &f->agent, id, 1, 0, NULL), ERR_OK);
    assert_string_equal(state_of(f, id), "awarded");
    struct buf nb;
    buf_init(&nb, 1 << 16);
    assert_int_equal(evaluation_notice_json(f->s, &f->public, id, 1, &nb), ERR_OK);
    json_t *notice = json_loadb(nb.data, nb.len, 0, &jerr);
    assert_int_equal(json_integer_value(json_object_get(notice, "org_id")), f->org_b[0]);
    assert_string_equal(json_string_value(json_object_get(notice, "report_sha256")), report_sha);
    crypto_sha256_hex(nb.data, nb.len, check);
    json_decref(notice);
    buf_release(&nb);
    j = view(f, &f->public, id, &e);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "award"), "notice_sha256")), check);
    json_decref(j);
    assert_int_equal(evaluation_contract(f->s, &f->agent, id, 1, 0, NULL), ERR_INVALID_FIELD);
    assert_int_equal(evaluation_contract(f->s, &f->agent, id, 1, 9800000, "XYZ"),
                     ERR_INVALID_FIELD);
    /* the agent alone no longer records a contract: both sides sign online
     * (domain/contract.c, tested in unit/award and integration/award), and
     * the second signature runs the step in its transaction */
    assert_int_equal(evaluation_contract(f->s, &f->agent, id, 1, 9800000, check),
                     ERR_CONTRACT_UNSIGNED);
    assert_string_equal(state_of(f, id), "awarded");
    struct contract_step cs = {&f->agent, id, check};
    assert_int_equal(domain_write(f->s, contract_step_tx, &cs), ERR_OK);
    assert_string_equal(state_of(f, id), "contracted");
    assert_int_equal(evaluation_contract(f->s, &f->agent, id, 1, 9800000, NULL),
                     ERR_EVAL_WRONG_PHASE);

    /* ---- lots: the tender has lot 1 only; a contracted lot is neither
     * failed nor evaluated again ---- */
    assert_int_equal(evaluation_fail(f->s, &f->agent, id, 2, "流标"), ERR_LOT_NOT_FOUND);
    assert_int_equal(evaluation_fail(f->s, &f->agent, id, 1, "流标"), ERR_EVAL_WRONG_PHASE);
    assert_int_equal(evaluation_fail(f->s, &f->agent, id, 1, NULL), ERR_MISSING_FIELD);
    struct reeval_step rs = {id, 1};
    assert_int_equal(domain_write(f->s, reeval_step_tx, &rs), ERR_EVAL_WRONG_PHASE);
    rs.lot = 2;
    assert_int_equal(domain_write(f->s, reeval_step_tx, &rs), ERR_LOT_NOT_FOUND);
    assert_string_equal(state_of(f, id), "contracted");

    /* ---- the witness log has every step ---- */
    assert_true(count(f->s,
                      "SELECT count(*) FROM ledger_queue WHERE CAST(entry AS TEXT) LIKE "
                      "'%\"evaluation.sign\"%'"
                      " AND $1 > 0",
                      1) +
                    count(f->s,
                          "SELECT count(*) FROM ledger_leaves WHERE CAST(entry AS TEXT) LIKE"
                          " '%\"evaluation.sign\"%' AND $1 > 0",
                          1) ==
                NM);
    assert_int_equal(count(f->s,
                           "SELECT count(*) FROM tender_transitions WHERE tender_id = $1"
                           " AND action IN ('report', 'award', 'contract')",
                           id),
                     3);
}

static void test_lowest_price(void **state)
{
    struct fx *f = *state;
    const char *field = NULL;
    static const char *const forms[NB] = {"{\"price_fen\":500}", "{\"price_fen\":300}",
                                          "{\"price_fen\":400}", NULL};
    int64_t id = evaluation_tender(f, "lowest_price", forms);
    const char *lp = "{\"method\":\"lowest_price\",\"candidates\":2}";
    assert_int_equal(evaluation_start(f->s, &f->agent, id, 1, lp, strlen(lp), &field), ERR_OK);
    /* no criteria: the chair goes straight to the report */
    assert_int_equal(evaluation_advance(f->s, &f->x[0], id, 1, NULL), ERR_OK);
    enum err e;
    json_t *j = view(f, &f->x[3], id, &e);
    assert_int_equal(e, ERR_OK);
    assert_string_equal(json_string_value(json_object_get(j, "phase")), "signing");
    json_t *c = json_object_get(json_object_get(j, "result"), "candidates");
    assert_int_equal(json_array_size(c), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(c, 0), "org_id")),
                     f->org_b[1]);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(c, 1), "org_id")),
                     f->org_b[2]);
    assert_int_equal(json_array_size(json_object_get(j, "bidders")), 3); /* the revoked one out */
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lowest_price, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
